#include "helpers.h"

#include "config/drivers.h"
#include "jmpflash/config.h"
#include "jmpflash/http.h"
#include "jmpflash/tftp.h"

static void test_exporter_ti_example(void **state)
{
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_flasher_config fc;
	jf_driver *storage;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_exporter_load(&e, test_data("exporter-ti-j784s4.yaml"), &t.log, &err),
	                 0);
	assert_string_equal(e.name, "ti-03");
	assert_string_equal(e.namespace_, "default");
	assert_string_equal(e.endpoint, "grpc.jumpstarter.example.com:443");
	assert_int_equal(e.nexports, 3);
	storage = jf_exporter_first_flasher(&e);
	assert_non_null(storage);
	assert_string_equal(storage->name, "storage");
	assert_int_equal(storage->kind, JF_DRIVER_FLASHER);
	assert_int_equal(jf_flasher_config_get(&fc, storage, &err), 0);
	/* the TI subclass presets its bundle; the rest are the seed's defaults */
	assert_string_equal(fc.flasher_bundle,
	                    "quay.io/jumpstarter-dev/jumpstarter-flasher-ti-j784s4:latest");
	assert_string_equal(fc.manifest, "manifest.yaml");
	assert_null(fc.variant);
	assert_null(fc.default_target);
	assert_int_equal(fc.serial->kind, JF_DRIVER_SERIAL);
	assert_string_equal(
	    jf_driver_str(fc.serial, "url"),
	    "/dev/serial/by-id/usb-FTDI_USB__-__Serial_Converter_112214101760A-if00-port0");
	assert_int_equal(jf_driver_int(fc.serial, "baudrate", 0), 115200);
	assert_int_equal(fc.power->kind, JF_DRIVER_POWER_YKUSH);
	assert_string_equal(jf_driver_str(fc.power, "serial"), "YK112233");
	assert_string_equal(jf_driver_str(fc.power, "port"), "1");
	/* tftp and http are created for the flasher, serving its dirs */
	assert_true(fc.tftp->auto_created);
	assert_string_equal(jf_driver_str(fc.tftp, "root_dir"), fc.tftp_dir);
	assert_int_equal(jf_driver_int(fc.tftp, "port", 0), 69);
	assert_string_equal(jf_driver_str(fc.http, "root_dir"), fc.http_dir);
	assert_int_equal(jf_driver_int(fc.http, "port", 0), 8080);
	assert_ptr_equal(jf_exporter_find(&e, "storage.power"), fc.power);
	assert_ptr_equal(jf_exporter_find(&e, "serial"), fc.serial);
	assert_null(jf_exporter_find(&e, "storage.nothing"));
	/* the token is a secret from now on */
	jf_info(&t.log, "test", "token is %s", "example-token-not-a-secret");
	assert_non_null(strstr(t.text, "token is ***"));
	assert_int_equal(t.warnings, 0);
	jf_exporter_dispose(&e);
	test_log_dispose(&t);
}

static void test_exporter_snmp_socket_explicit_servers(void **state)
{
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_flasher_config fc;
	const jf_param *p;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_exporter_load(&e, test_data("exporter-snmp-socket.yaml"), &t.log, &err),
	                 0);
	assert_int_equal(jf_flasher_config_get(&fc, jf_exporter_find(&e, "storage"), &err), 0);
	assert_string_equal(fc.flasher_bundle, "registry.example.com/flashers/board7:v3");
	assert_string_equal(fc.cache_dir, "/srv/jf/cache");
	assert_string_equal(fc.variant, "rev-b");
	assert_string_equal(fc.default_target, "emmc");
	assert_string_equal(fc.cacert, "/etc/ssl/lab-ca.pem");
	assert_string_equal(jf_driver_str(fc.serial, "url"), "socket://ser2net.lab:3001");
	assert_int_equal(jf_driver_int(fc.serial, "baudrate", 0), 1500000);
	assert_int_equal(fc.power->kind, JF_DRIVER_POWER_SNMP);
	assert_int_equal(jf_driver_int(fc.power, "plug", 0), 7);
	assert_int_equal(jf_driver_int(fc.power, "port", 0), 161);
	assert_string_equal(jf_driver_str(fc.power, "oid"), "1.3.6.1.4.1.13742.6.4.1.2.1.2.1");
	p = jf_driver_param(fc.power, "auth_key");
	assert_true(p->secret);
	assert_int_equal(p->line, 46);
	assert_false(fc.tftp->auto_created);
	assert_string_equal(jf_driver_str(fc.tftp, "root_dir"), "/srv/tftp");
	assert_int_equal(jf_driver_int(fc.tftp, "port", 0), 6969);
	assert_int_equal(jf_driver_int(fc.http, "port", 0), 8081);
	assert_true(jf_driver_bool(fc.http, "remove_created_on_close", false));
	jf_info(&t.log, "t", "keys %s %s %s", "authkey-SECRET", "privkey-SECRET",
	        "tok-SECRET-123456");
	assert_non_null(strstr(t.text, "keys *** *** ***"));
	jf_exporter_dispose(&e);
	test_log_dispose(&t);
}

static void test_exporter_warns_on_unknown_keys(void **state)
{
	const char *text = "apiVersion: jumpstarter.dev/v1alpha1\n"
	                   "kind: ExporterConfig\n"
	                   "colour: blue\n"
	                   "export:\n"
	                   "  serial:\n"
	                   "    type: jumpstarter_driver_pyserial.driver.PySerial\n"
	                   "    config:\n"
	                   "      url: /dev/ttyUSB0\n"
	                   "      baud: 9600\n"
	                   "      log_level: DEBUG\n";
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_exporter_load_string(&e, "w.yaml", text, &t.log, &err), 0);
	assert_int_equal(t.warnings, 2);
	assert_non_null(
	    strstr(t.text, "WARN config: w.yaml:3:1: unknown top-level key 'colour' ignored\n"));
	assert_non_null(strstr(t.text,
	                       "WARN config: w.yaml:9:7: serial: unknown config key 'baud' "
	                       "for jumpstarter_driver_pyserial.driver.PySerial, ignored\n"));
	assert_null(jf_driver_param(e.exports[0], "baud"));
	jf_exporter_dispose(&e);
	test_log_dispose(&t);
}

static void test_exporter_composite_and_nested_refs(void **state)
{
	const char *text = "export:\n"
	                   "  lab:\n"
	                   "    children:\n"
	                   "      console:\n"
	                   "        type: jmpflash.serial\n"
	                   "        config: {url: 'socket://127.0.0.1:4000'}\n"
	                   "      switch:\n"
	                   "        type: jmpflash.power.command\n"
	                   "        config: {on: 'true', off: 'true'}\n"
	                   "  storage:\n"
	                   "    type: jmpflash.flasher\n"
	                   "    config: {flasher_bundle: ./bundle}\n"
	                   "    children:\n"
	                   "      serial: {ref: lab.console}\n"
	                   "      power: {ref: lab.switch}\n";
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_flasher_config fc;

	(void)state;
	assert_int_equal(jf_exporter_load_string(&e, "c.yaml", text, NULL, &err), 0);
	assert_int_equal(e.exports[0]->kind, JF_DRIVER_COMPOSITE);
	assert_int_equal(jf_flasher_config_get(&fc, jf_exporter_find(&e, "storage"), &err), 0);
	assert_string_equal(fc.serial->path, "lab.console");
	assert_string_equal(fc.power->path, "lab.switch");
	assert_int_equal(jf_driver_int(fc.power, "timeout", 0), 0); /* a float param */
	assert_true(jf_driver_param(fc.power, "timeout")->f == 30.0);
	jf_exporter_dispose(&e);
}

/* Every malformed exporter gives one exact message with its line. */
static void test_exporter_malformed_inputs(void **state)
{
	static const struct {
		const char *file;
		const char *msg; /* after "<path>:" */
	} cases[] = {
	    {"tabs.yaml", "4:1: tab character; YAML indents with spaces only, replace the tab "
	                  "with spaces"},
	    {"wrong-type.yaml", "8:17: serial.baudrate must be a whole number, not 'fast'"},
	    {"missing-bundle.yaml",
	     "5:5: storage: 'flasher_bundle' is required for "
	     "jumpstarter_driver_flashers.driver.BaseFlasher; add it under config:, e.g. "
	     "flasher_bundle: quay.io/ORG/BUNDLE:TAG (an OCI reference or a local bundle "
	     "directory)"},
	    {"unknown-type.yaml",
	     "14:5: storage.power is 'jumpstarter_driver_foo.driver.Bar', a type jmpflash does "
	     "not drive; a flasher's power must be a power switch: "
	     "jumpstarter_driver_yepkit.driver.Ykush, jumpstarter_driver_snmp.driver.SNMPServer, "
	     "jumpstarter_driver_shell.driver.Shell, jumpstarter_driver_power.driver.MockPower, "
	     "jmpflash.power.{command,qemu,ykush,snmp,mock}"},
	    {"dangling-ref.yaml", "8:9: storage.serial: ref 'seriall' names no driver; the "
	                          "exports are: storage, serial, power"},
	    {"ref-cycle.yaml", "5:5: a: ref cycle: 'b' leads back to itself; point the ref at a "
	                       "real driver"},
	    {"ref-parent.yaml", "7:9: box.inner: ref cycle: 'box' is a parent of this entry"},
	    {"missing-serial.yaml", "5:5: storage needs a 'serial' child (a serial console); add "
	                            "'children: {serial: {ref: NAME}}' naming an export"},
	    {"serial-is-power.yaml", "12:5: storage.serial must be a serial console, but 'power' "
	                             "is a power (mock)"},
	    {"duplicate-key.yaml", "6:3: duplicate key 'power' (first at line 4); keep only one"},
	    {"bad-choice.yaml", "7:13: power.port: '7' is not one of 1|2|3|4|all"},
	    {"out-of-range.yaml", "8:24: storage.tftp_windowsize: 0 is not in 1..65535"},
	    {"wrong-kind.yaml", "2:7: kind is 'FlashBundleManifest', but an exporter file has "
	                        "kind: ExporterConfig (this is a bundle manifest: use 'jmpflash "
	                        "bundle inspect')"},
	    {"no-export.yaml", "1:1: there is no 'export:' section; add the drivers this "
	                       "exporter offers under it"},
	    {"config-not-map.yaml", "7:7: 'serial.config' must be a mapping (key: value lines), "
	                            "not a list"},
	    {"unclosed.yaml", "6:1: invalid YAML: found unexpected end of stream while scanning "
	                      "a quoted scalar"},
	    {"empty.yaml", " the file is empty; it needs YAML content"},
	    {"garbage.yaml", " byte 7 is a NUL byte; this is binary data, not a YAML file"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[4096], want[2048];
		jf_err err = JF_ERR_INIT;
		jf_exporter e;

		assert_true(snprintf(path, sizeof(path), "%s/bad/%s", JF_TEST_DATA, cases[i].file) <
		            (int)sizeof(path));
		assert_true(snprintf(want, sizeof(want), "%s:%s", path, cases[i].msg) <
		            (int)sizeof(want));
		assert_int_equal(jf_exporter_load(&e, path, NULL, &err), JF_ECONFIG);
		assert_string_equal(err.msg, want);
		assert_int_equal(e.nexports, 0); /* nothing half-loaded */
	}
}

static void test_exporter_secret_never_in_error(void **state)
{
	const char *text =
	    "token: sekrit-tok\n"
	    "export:\n"
	    "  pdu:\n"
	    "    type: jumpstarter_driver_snmp.driver.SNMPServer\n"
	    "    config: {host: h, plug: 1, auth_key: sekrit-tok, timeout: sekrit-tok}\n";
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_exporter_load_string(&e, "s.yaml", text, &t.log, &err), JF_ECONFIG);
	assert_string_equal(err.msg, "s.yaml:5:63: pdu.timeout must be a number, not '***'");
	test_log_dispose(&t);
}

/* A secret too short to mask safely (a one-letter token would mask that
 * letter in every message) is refused where it is written. */
static void test_exporter_short_secret_refused(void **state)
{
	jf_exporter e;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(
	    jf_exporter_load_string(&e, "s.yaml", "token: t\nexport: {}\n", NULL, &err),
	    JF_ECONFIG);
	assert_string_equal(err.msg,
	                    "s.yaml:1:8: token: a secret of 1 character is too short to keep "
	                    "out of messages (every occurrence would be masked); use 4 or more");
	assert_int_equal(
	    jf_exporter_load_string(&e, "s.yaml",
	                            "export:\n  pdu:\n"
	                            "    type: jmpflash.power.snmp\n"
	                            "    config: {host: h, plug: 1, version: 2c, community: pw}\n",
	                            NULL, &err),
	    JF_ECONFIG);
	assert_non_null(strstr(err.msg, "pdu.community: a secret of 2 characters is too short"));
}

static void test_exporter_inline_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	    {"export:\n  a:\n    type: jmpflash.power.mock\n    ref: b\n",
	     "i.yaml:4:10: a has both 'type' and 'ref'; keep one"},
	    {"export:\n  a:\n    config: {x: 1}\n",
	     "i.yaml:3:13: a has a config but no type; add 'type:' naming its driver"},
	    {"export:\n  a:\n    ref: b\n    children: {}\n  b: {type: jmpflash.power.mock}\n",
	     "i.yaml:3:10: a: a 'ref' entry takes no config or children; configure the driver "
	     "it refers to"},
	    {"apiVersion: jumpstarter.dev/v2\nexport: {}\n",
	     "i.yaml:1:13: apiVersion 'jumpstarter.dev/v2' is not supported; use "
	     "jumpstarter.dev/v1alpha1"},
	    {"export: [a, b]\n",
	     "i.yaml:1:9: 'export' must be a mapping (key: value lines), not a list"},
	    {"export:\n  s:\n    type: jmpflash.power.qemu\n    config: {command: [a, {b: c}]}\n",
	     "i.yaml:4:27: s.command: every list item must be a single value"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jf_err err = JF_ERR_INIT;
		jf_exporter e;

		assert_int_equal(jf_exporter_load_string(&e, "i.yaml", cases[i].text, NULL, &err),
		                 JF_ECONFIG);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

/* A config nested beyond any sane depth is refused, not recursed into. */
static void test_exporter_depth_limit(void **state)
{
	char text[8192] = "export:\n";
	size_t len = strlen(text);
	jf_err err = JF_ERR_INIT;
	jf_exporter e;

	(void)state;
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%*sd%d:\n%*schildren:\n",
		                        2 + 4 * i, "", i, 4 + 4 * i, "");
	snprintf(text + len, sizeof(text) - len, "%*s{}\n", 2 + 4 * 40, "");
	assert_int_equal(jf_exporter_load_string(&e, "deep.yaml", text, NULL, &err), JF_ECONFIG);
	assert_non_null(strstr(err.msg, "drivers nested deeper than 16 levels"));
}

static void test_exporter_dir_fallback_helpers(void **state)
{
	char *dir = test_tmpdir(), buf[256];

	(void)state;
	assert_true(jf_dir_usable(dir));
	assert_true(jf_dir_usable("/tmp/jf-does-not-exist-yet/a/b"));
	assert_false(jf_dir_usable("/etc/hostname/below-a-file"));
	assert_false(jf_dir_usable(""));
	setenv("XDG_CACHE_HOME", "/home/u/.cache", 1);
	assert_int_equal(jf_config__user_dir(buf, sizeof(buf), "cache_dir"), 0);
	assert_string_equal(buf, "/home/u/.cache/jmpflash/flasher");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/v", 1);
	assert_int_equal(jf_config__user_dir(buf, sizeof(buf), "tftp_dir"), 0);
	assert_string_equal(buf, "/home/v/.cache/jmpflash/tftpboot");
	test_tmpdir_remove(dir);
}

/* jf_config_default is what an exporter that leaves a key out gets. */
static void test_exporter_schema_defaults(void **state)
{
	static const jf_tftp_opts tftp = JF_TFTP_OPTS_INIT;
	static const jf_http_opts http = JF_HTTP_OPTS_INIT;
	const char *def = jf_config_default("jmpflash.flasher", "cache_dir");
	jf_err err = JF_ERR_INIT;
	const jf_param *p;
	char buf[256];
	jf_exporter e;

	(void)state;
	assert_int_equal(jf_exporter_load(&e, test_data("exporter-ti-j784s4.yaml"), NULL, &err), 0);
	p = jf_driver_param(jf_exporter_first_flasher(&e), "boot_timeout");
	assert_true(p && p->defaulted);
	assert_string_equal(p->str, jf_config_default("jumpstarter_driver_flashers.driver."
	                                              "TIJ784S4Flasher",
	                                              "boot_timeout"));
	jf_exporter_dispose(&e);
	assert_null(jf_config_default("jmpflash.nope", "port"));
	assert_null(jf_config_default("jmpflash.tftp", "nope"));
	assert_null(jf_config_default("jmpflash.flasher", "variant")); /* no default */
	/* the server libraries' own port defaults are a second copy: keep them equal */
	assert_int_equal(atoi(jf_config_default("jmpflash.tftp", "port")), tftp.port);
	assert_int_equal(atoi(jf_config_default("jmpflash.http", "port")), http.port);
	/* a default dir, or this user's own when it is not writable */
	assert_int_equal(jf_config_default_dir(buf, sizeof(buf), "cache_dir"), 0);
	if (jf_dir_usable(def))
		assert_string_equal(buf, def);
	else
		assert_non_null(strstr(buf, "jmpflash/flasher"));
	assert_int_equal(jf_config_default_dir(buf, 4, "cache_dir"), JF_EINVAL);
}

static void count_undriven(void *user, const jf_driver *d)
{
	char *names = user;

	strcat(names, d->path);
	strcat(names, " ");
}

/* A lab's whole exporter: the flasher tree resolves through the uboot
 * child, and every driver jmpflash does not drive is kept as it is. */
static void test_exporter_real_lab(void **state)
{
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_flasher_config fc;
	const jf_driver *video, *gpio;
	char names[512] = "";
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_exporter_load(&e, test_data("exporter-lab.yaml"), &t.log, &err), 0);
	assert_int_equal(t.warnings, 0);
	assert_int_equal(jf_flasher_config_get(&fc, jf_exporter_first_flasher(&e), &err), 0);
	assert_non_null(fc.uboot);
	assert_string_equal(fc.uboot_prompt, "J784S4# ");
	assert_int_equal(fc.serial->kind, JF_DRIVER_SERIAL);
	assert_int_equal(fc.power->kind, JF_DRIVER_POWER_YKUSH);
	assert_ptr_equal(jf_exporter_find(&e, "storage.uboot.power"), fc.power);
	video = jf_exporter_find(&e, "video");
	assert_int_equal(video->kind, JF_DRIVER_UNDRIVEN);
	assert_string_equal(video->type, "jumpstarter_driver_ustreamer.driver.UStreamer");
	assert_string_equal(video->opaque, "{args: {device: /dev/video0, resolution: 1920x1080}}");
	gpio = jf_exporter_find(&e, "gpio.boot_mode");
	assert_string_equal(gpio->opaque, "{line: 17, device: /dev/gpiochip0}");
	/* a secret-looking key of an undriven driver is never kept in clear */
	assert_string_equal(jf_exporter_find(&e, "dutlink")->opaque,
	                    "{serial: c415a913, password: ***}");
	jf_exporter_foreach_undriven(&e, count_undriven, names);
	assert_string_equal(names, "ssh video can0 gpio.boot_mode dutlink ");
	assert_int_equal(jf_driver_kind_role(JF_DRIVER_UNDRIVEN), JF_ROLE_NONE);
	jf_exporter_dispose(&e);
	test_log_dispose(&t);
}

/* Without its own uboot child the prompt stays U-Boot's default; a uboot
 * child of another kind is refused. */
static void test_exporter_uboot_child(void **state)
{
	const char *head = "export:\n"
	                   "  s: {type: jmpflash.serial, config: {url: /dev/ttyS0}}\n"
	                   "  p: {type: jmpflash.power.mock}\n"
	                   "  f:\n"
	                   "    type: jmpflash.flasher\n"
	                   "    config: {flasher_bundle: b}\n"
	                   "    children:\n";
	char text[1024];
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_flasher_config fc;

	(void)state;
	snprintf(text, sizeof(text), "%s      serial: {ref: s}\n      power: {ref: p}\n", head);
	assert_int_equal(jf_exporter_load_string(&e, "u.yaml", text, NULL, &err), 0);
	assert_int_equal(jf_flasher_config_get(&fc, jf_exporter_find(&e, "f"), &err), 0);
	assert_null(fc.uboot);
	assert_string_equal(fc.uboot_prompt, "=> ");
	jf_exporter_dispose(&e);
	/* serial and power only under the uboot child, as upstream writes it */
	snprintf(text, sizeof(text),
	         "%s      uboot:\n        type: jumpstarter_driver_uboot.driver.UbootConsole\n"
	         "        children: {serial: {ref: s}, power: {ref: p}}\n",
	         head);
	assert_int_equal(jf_exporter_load_string(&e, "u.yaml", text, NULL, &err), 0);
	assert_int_equal(jf_flasher_config_get(&fc, jf_exporter_find(&e, "f"), &err), 0);
	assert_string_equal(fc.uboot_prompt, "=> ");
	assert_ptr_equal(fc.serial, jf_exporter_find(&e, "s"));
	jf_exporter_dispose(&e);
	snprintf(text, sizeof(text),
	         "%s      serial: {ref: s}\n      power: {ref: p}\n"
	         "      uboot: {ref: s}\n",
	         head);
	assert_int_equal(jf_exporter_load_string(&e, "u.yaml", text, NULL, &err), JF_ECONFIG);
	assert_non_null(strstr(err.msg, "f.uboot is 'jmpflash.serial'; a flasher's uboot must be a "
	                                "u-boot console"));
}

static void test_exporter_type_table(void **state)
{
	(void)state;
	assert_int_equal(
	    jf_config__driver_spec_find("jumpstarter_driver_flashers.driver.RCarS4Flasher")->kind,
	    JF_DRIVER_FLASHER);
	/* an unknown flasher subclass is still a flasher, without a preset bundle */
	assert_null(
	    jf_config__driver_spec_find("jumpstarter_driver_flashers.driver.NewBoardFlasher")
	        ->preset_bundle);
	assert_null(jf_config__driver_spec_find("jumpstarter_driver_flashers.driver.x.Flasher"));
	assert_null(jf_config__driver_spec_find("PySerial"));
	assert_int_equal(jf_driver_kind_role(JF_DRIVER_POWER_QEMU), JF_ROLE_POWER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exporter_ti_example),
	    cmocka_unit_test(test_exporter_snmp_socket_explicit_servers),
	    cmocka_unit_test(test_exporter_warns_on_unknown_keys),
	    cmocka_unit_test(test_exporter_composite_and_nested_refs),
	    cmocka_unit_test(test_exporter_malformed_inputs),
	    cmocka_unit_test(test_exporter_secret_never_in_error),
	    cmocka_unit_test(test_exporter_inline_errors),
	    cmocka_unit_test(test_exporter_short_secret_refused),
	    cmocka_unit_test(test_exporter_depth_limit),
	    cmocka_unit_test(test_exporter_dir_fallback_helpers),
	    cmocka_unit_test(test_exporter_schema_defaults),
	    cmocka_unit_test(test_exporter_type_table),
	    cmocka_unit_test(test_exporter_real_lab),
	    cmocka_unit_test(test_exporter_uboot_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
