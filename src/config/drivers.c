#include "drivers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define END                                                                                        \
	{                                                                                          \
		NULL, 0, NULL, 0, NULL, NULL                                                       \
	}

#define TI_J784S4_BUNDLE "quay.io/jumpstarter-dev/jumpstarter-flasher-ti-j784s4:latest"
#define RCAR_S4_BUNDLE   "quay.io/jumpstarter-dev/jumpstarter-flasher-rcar-s4:latest"

/* The seed's flasher table, plus upstream's cacert. */
static const jf_param_spec flasher_params[] = {
    {"flasher_bundle", JF_PARAM_STR, NULL, JF_PSPEC_REQUIRED, NULL,
     "flasher_bundle: quay.io/ORG/BUNDLE:TAG (an OCI reference or a local bundle directory)"},
    {"cache_dir", JF_PARAM_STR, "/var/lib/jumpstarter/flasher", JF_PSPEC_USER_DIR, NULL, NULL},
    {"tftp_dir", JF_PARAM_STR, "/var/lib/tftpboot", JF_PSPEC_USER_DIR, NULL, NULL},
    {"http_dir", JF_PARAM_STR, "/var/www/html", JF_PSPEC_USER_DIR, NULL, NULL},
    {"variant", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"manifest", JF_PARAM_STR, "manifest.yaml", 0, NULL, NULL},
    {"default_target", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"cacert", JF_PARAM_STR, NULL, 0, NULL, NULL},
    /* jmpflash: static addressing for U-Boot instead of dhcp */
    {"board_ipaddr", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"board_netmask", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"board_gatewayip", JF_PARAM_STR, NULL, 0, NULL, NULL},
    /* jmpflash: what U-Boot asks the TFTP server for (1468 fits one frame) */
    {"tftp_blocksize", JF_PARAM_INT, "1468", 0, "8..65464", NULL},
    {"tftp_windowsize", JF_PARAM_INT, "16", 0, "1..65535", NULL},
    /* jmpflash: a shared `jmpflash serve` owns the ports; stage under
     * tftp_dir/BOARD and http_dir/BOARD (docs/lab.md) */
    {"shared_server", JF_PARAM_BOOL, "false", 0, NULL, NULL},
    {"board_dir", JF_PARAM_STR, NULL, 0, NULL, NULL},
    /* seconds: power on to U-Boot's prompt; boot command to the login prompt
     * (--uboot-timeout / --boot-timeout win) */
    {"uboot_timeout", JF_PARAM_INT, "60", 0, "1..86400", NULL},
    {"boot_timeout", JF_PARAM_INT, "180", 0, "1..86400", NULL},
    END,
};

static const jf_param_spec pyserial_params[] = {
    {"url", JF_PARAM_STR, NULL, JF_PSPEC_REQUIRED, NULL,
     "url: /dev/ttyUSB0 (or socket://host:port, rfc2217://host:port)"},
    {"baudrate", JF_PARAM_INT, "115200", 0, "50..4000000", NULL},
    {"check_present", JF_PARAM_BOOL, "true", 0, NULL, NULL},
    {"cps", JF_PARAM_FLOAT, NULL, 0, NULL, NULL},
    {"disable_hupcl", JF_PARAM_BOOL, "false", 0, NULL, NULL},
    END,
};

static const jf_param_spec ykush_params[] = {
    {"serial", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"port", JF_PARAM_STR, "all", 0, "1|2|3|4|all", NULL},
    {"default", JF_PARAM_STR, "off", 0, "on|off|keep", NULL},
    /* jmpflash: power cycle off-time in seconds */
    {"off_time", JF_PARAM_FLOAT, JF_POWER_OFF_TIME_DEFAULT, 0, NULL, NULL},
    END,
};

/* Upstream's SNMPServer keys (SNMPv3), plus version/community for v1/v2c PDUs. */
static const jf_param_spec snmp_params[] = {
    {"host", JF_PARAM_STR, NULL, JF_PSPEC_REQUIRED, NULL, "host: pdu.lab.example"},
    {"user", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"port", JF_PARAM_INT, "161", 0, "1..65535", NULL},
    {"plug", JF_PARAM_INT, NULL, JF_PSPEC_REQUIRED, NULL, "plug: 3 (the outlet number)"},
    {"oid", JF_PARAM_STR, "1.3.6.1.4.1.13742.6.4.1.2.1.2.1", 0, NULL, NULL},
    {"auth_protocol", JF_PARAM_STR, "NONE", 0, "NONE|MD5|SHA|SHA224|SHA256|SHA384|SHA512", NULL},
    {"auth_key", JF_PARAM_STR, NULL, JF_PSPEC_SECRET, NULL, NULL},
    {"priv_protocol", JF_PARAM_STR, "NONE", 0, "NONE|DES|AES|AES192|AES256", NULL},
    {"priv_key", JF_PARAM_STR, NULL, JF_PSPEC_SECRET, NULL, NULL},
    {"timeout", JF_PARAM_FLOAT, "5.0", 0, NULL, NULL},
    {"version", JF_PARAM_STR, "3", 0, "1|2c|3", NULL},
    {"community", JF_PARAM_STR, NULL, JF_PSPEC_SECRET, NULL, NULL},
    {"on_value", JF_PARAM_INT, "1", 0, NULL, NULL},
    {"off_value", JF_PARAM_INT, "0", 0, NULL, NULL},
    /* jmpflash: OID and on/off values of a known PDU; power cycle off-time */
    {"preset", JF_PARAM_STR, NULL, 0, "raritan|apc|cyberpower", NULL},
    {"off_time", JF_PARAM_FLOAT, JF_POWER_OFF_TIME_DEFAULT, 0, NULL, NULL},
    END,
};

/* jmpflash's own shell-command power: one command per action. */
static const jf_param_spec command_params[] = {
    {"on", JF_PARAM_STR, NULL, JF_PSPEC_REQUIRED, NULL, "on: 'pdu-ctl 3 on'"},
    {"off", JF_PARAM_STR, NULL, JF_PSPEC_REQUIRED, NULL, "off: 'pdu-ctl 3 off'"},
    {"cycle", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"state", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"timeout", JF_PARAM_FLOAT, "30", 0, NULL, NULL},
    {"off_time", JF_PARAM_FLOAT, JF_POWER_OFF_TIME_DEFAULT, 0, NULL, NULL},
    END,
};

/* Upstream's Shell driver, read as power when its methods are on/off. */
static const jf_param_spec shell_params[] = {
    {"methods", JF_PARAM_MAP, NULL, JF_PSPEC_REQUIRED, NULL, "methods: {on: '...', off: '...'}"},
    {"shell", JF_PARAM_LIST, "bash -c", 0, NULL, NULL},
    {"timeout", JF_PARAM_INT, "300", 0, NULL, NULL},
    {"cwd", JF_PARAM_STR, NULL, 0, NULL, NULL},
    END,
};

static const jf_param_spec qemu_params[] = {
    {"command", JF_PARAM_LIST, NULL, JF_PSPEC_REQUIRED, NULL,
     "command: [qemu-system-aarch64, -M, virt, ...]"},
    {"monitor", JF_PARAM_STR, NULL, 0, NULL, NULL},
    /* jmpflash: where a QEMU kept running after jmpflash exits leaves its pid */
    {"pidfile", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"cwd", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"off_time", JF_PARAM_FLOAT, "0", 0, NULL, NULL},
    /* jmpflash: seconds between SIGTERM and SIGKILL on power off */
    {"stop_timeout", JF_PARAM_FLOAT, "5", 0, NULL, NULL},
    END,
};

/* Upstream's UbootConsole: children serial and power, and its prompt. */
static const jf_param_spec uboot_params[] = {
    {"prompt", JF_PARAM_STR, JF_UBOOT_PROMPT_DEFAULT, 0, NULL, NULL},
    END,
};

static const jf_param_spec mock_params[] = {
    END,
};

static const jf_param_spec tftp_params[] = {
    {"root_dir", JF_PARAM_STR, "/var/lib/tftpboot", 0, NULL, NULL},
    {"host", JF_PARAM_STR, "", 0, NULL, NULL},
    {"port", JF_PARAM_INT, "69", 0, "0..65535", NULL},
    /* jmpflash: where to listen; default `host` when it is this machine's */
    {"bind", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"remove_created_on_close", JF_PARAM_BOOL, "true", 0, NULL, NULL},
    END,
};

static const jf_param_spec http_params[] = {
    {"root_dir", JF_PARAM_STR, "/var/www", 0, NULL, NULL},
    {"host", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"port", JF_PARAM_INT, "8080", 0, "0..65535", NULL},
    {"bind", JF_PARAM_STR, NULL, 0, NULL, NULL},
    {"timeout", JF_PARAM_INT, "600", 0, NULL, NULL},
    {"remove_created_on_close", JF_PARAM_BOOL, "true", 0, NULL, NULL},
    END,
};

#define FLASHERS "jumpstarter_driver_flashers.driver."

static const jf_driver_spec specs[] = {
    {FLASHERS "BaseFlasher", JF_DRIVER_FLASHER, flasher_params, NULL},
    {FLASHERS "TIJ784S4Flasher", JF_DRIVER_FLASHER, flasher_params, TI_J784S4_BUNDLE},
    {FLASHERS "RCarS4Flasher", JF_DRIVER_FLASHER, flasher_params, RCAR_S4_BUNDLE},
    {"jumpstarter_driver_pyserial.driver.PySerial", JF_DRIVER_SERIAL, pyserial_params, NULL},
    {"jumpstarter_driver_yepkit.driver.Ykush", JF_DRIVER_POWER_YKUSH, ykush_params, NULL},
    {"jumpstarter_driver_snmp.driver.SNMPServer", JF_DRIVER_POWER_SNMP, snmp_params, NULL},
    {"jumpstarter_driver_shell.driver.Shell", JF_DRIVER_POWER_COMMAND, shell_params, NULL},
    {"jumpstarter_driver_power.driver.MockPower", JF_DRIVER_POWER_MOCK, mock_params, NULL},
    {"jumpstarter_driver_tftp.driver.Tftp", JF_DRIVER_TFTP, tftp_params, NULL},
    {"jumpstarter_driver_tftp.driver.TftpServer", JF_DRIVER_TFTP, tftp_params, NULL},
    {"jumpstarter_driver_http.driver.HttpServer", JF_DRIVER_HTTP, http_params, NULL},
    {"jumpstarter_driver_uboot.driver.UbootConsole", JF_DRIVER_UBOOT, uboot_params, NULL},
    /* jmpflash's own names */
    {"jmpflash.flasher", JF_DRIVER_FLASHER, flasher_params, NULL},
    {"jmpflash.serial", JF_DRIVER_SERIAL, pyserial_params, NULL},
    {"jmpflash.power.command", JF_DRIVER_POWER_COMMAND, command_params, NULL},
    {"jmpflash.power.ykush", JF_DRIVER_POWER_YKUSH, ykush_params, NULL},
    {"jmpflash.power.snmp", JF_DRIVER_POWER_SNMP, snmp_params, NULL},
    {"jmpflash.power.qemu", JF_DRIVER_POWER_QEMU, qemu_params, NULL},
    {"jmpflash.power.mock", JF_DRIVER_POWER_MOCK, mock_params, NULL},
    {"jmpflash.tftp", JF_DRIVER_TFTP, tftp_params, NULL},
    {"jmpflash.http", JF_DRIVER_HTTP, http_params, NULL},
    {"jmpflash.uboot", JF_DRIVER_UBOOT, uboot_params, NULL},
};

static const jf_driver_spec other_flasher = {NULL, JF_DRIVER_FLASHER, flasher_params, NULL};

const jf_driver_spec *jf_config__driver_spec_find(const char *type)
{
	size_t n = strlen(type), p = strlen(FLASHERS);

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (!strcmp(specs[i].type, type))
			return &specs[i];
	/* Other BaseFlasher subclasses: same keys, no preset bundle. */
	if (n > p + 7 && !strncmp(type, FLASHERS, p) && !strcmp(type + n - 7, "Flasher") &&
	    !strchr(type + p, '.'))
		return &other_flasher;
	return NULL;
}

const jf_param_spec *jf_config__param_spec_find(const jf_driver_spec *spec, const char *key)
{
	for (const jf_param_spec *p = spec->params; p->key; p++)
		if (!strcmp(p->key, key))
			return p;
	return NULL;
}

const char *jf_config_default(const char *type, const char *key)
{
	const jf_driver_spec *spec = jf_config__driver_spec_find(type);
	const jf_param_spec *p = spec ? jf_config__param_spec_find(spec, key) : NULL;

	return p ? p->def : NULL;
}

int jf_config_default_dir(char *buf, size_t size, const char *key)
{
	const char *def = jf_config_default("jmpflash.flasher", key);
	int n;

	if (!def || !jf_dir_usable(def))
		return jf_config__user_dir(buf, size, key);
	n = snprintf(buf, size, "%s", def);
	return n < 0 || (size_t)n >= size ? JF_EINVAL : 0;
}

bool jf_config__param_is_common(const char *key)
{
	static const char *const common[] = {"log_level", "labels", "uuid", "description",
	                                     "methods_description"};

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!strcmp(key, common[i]))
			return true;
	return false;
}

int jf_config__user_dir(char *buf, size_t size, const char *key)
{
	const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *leaf = !strcmp(key, "cache_dir")  ? "flasher"
	                   : !strcmp(key, "tftp_dir") ? "tftpboot"
	                                              : "www";
	int n;

	if (base && *base == '/')
		n = snprintf(buf, size, "%s/jmpflash/%s", base, leaf);
	else if (home && *home == '/')
		n = snprintf(buf, size, "%s/.cache/jmpflash/%s", home, leaf);
	else
		n = snprintf(buf, size, "/tmp/jmpflash-%u/%s", (unsigned)getuid(), leaf);
	return n < 0 || (size_t)n >= size ? JF_EINVAL : 0;
}

const char *jf_driver_kind_name(jf_driver_kind kind)
{
	switch (kind) {
	case JF_DRIVER_COMPOSITE:
		return "composite";
	case JF_DRIVER_FLASHER:
		return "flasher";
	case JF_DRIVER_SERIAL:
		return "serial console";
	case JF_DRIVER_POWER_COMMAND:
		return "power (command)";
	case JF_DRIVER_POWER_YKUSH:
		return "power (ykush)";
	case JF_DRIVER_POWER_SNMP:
		return "power (snmp)";
	case JF_DRIVER_POWER_QEMU:
		return "power (qemu)";
	case JF_DRIVER_POWER_MOCK:
		return "power (mock)";
	case JF_DRIVER_TFTP:
		return "tftp server";
	case JF_DRIVER_HTTP:
		return "http server";
	case JF_DRIVER_UBOOT:
		return "u-boot console";
	case JF_DRIVER_UNDRIVEN:
		return "not driven by jmpflash";
	}
	return "?";
}

jf_driver_role jf_driver_kind_role(jf_driver_kind kind)
{
	switch (kind) {
	case JF_DRIVER_FLASHER:
		return JF_ROLE_FLASHER;
	case JF_DRIVER_SERIAL:
		return JF_ROLE_SERIAL;
	case JF_DRIVER_POWER_COMMAND:
	case JF_DRIVER_POWER_YKUSH:
	case JF_DRIVER_POWER_SNMP:
	case JF_DRIVER_POWER_QEMU:
	case JF_DRIVER_POWER_MOCK:
		return JF_ROLE_POWER;
	case JF_DRIVER_TFTP:
		return JF_ROLE_TFTP;
	case JF_DRIVER_HTTP:
		return JF_ROLE_HTTP;
	case JF_DRIVER_UBOOT:
		return JF_ROLE_UBOOT;
	case JF_DRIVER_COMPOSITE:
	case JF_DRIVER_UNDRIVEN:
		break;
	}
	return JF_ROLE_NONE;
}

const char *jf_driver_role_name(jf_driver_role role)
{
	static const char *const names[] = {"none",          "flasher",     "serial console",
	                                    "power switch",  "tftp server", "http server",
	                                    "u-boot console"};

	return role <= JF_ROLE_UBOOT ? names[role] : "?";
}

const char *jf_driver_role_types(jf_driver_role role)
{
	switch (role) {
	case JF_ROLE_FLASHER:
		return FLASHERS "*Flasher, jmpflash.flasher";
	case JF_ROLE_SERIAL:
		return "jumpstarter_driver_pyserial.driver.PySerial, jmpflash.serial";
	case JF_ROLE_POWER:
		return "jumpstarter_driver_yepkit.driver.Ykush, "
		       "jumpstarter_driver_snmp.driver.SNMPServer, "
		       "jumpstarter_driver_shell.driver.Shell, "
		       "jumpstarter_driver_power.driver.MockPower, "
		       "jmpflash.power.{command,qemu,ykush,snmp,mock}";
	case JF_ROLE_TFTP:
		return "jumpstarter_driver_tftp.driver.Tftp (or TftpServer), jmpflash.tftp";
	case JF_ROLE_HTTP:
		return "jumpstarter_driver_http.driver.HttpServer, jmpflash.http";
	case JF_ROLE_UBOOT:
		return "jumpstarter_driver_uboot.driver.UbootConsole, jmpflash.uboot";
	case JF_ROLE_NONE:
		break;
	}
	return "(none)";
}
