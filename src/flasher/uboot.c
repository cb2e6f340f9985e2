/* Driving U-Boot on the serial console: catch the prompt, run commands with
 * fail-fast on the errors U-Boot prints, bring the network up, load the
 * boot files over TFTP and boot. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flasher_int.h"
#include "jmpflash/netaddr.h"

/* TFTP trouble is retryable; a file U-Boot rejects is not. */
const jf_flasher__uboot_error jf_flasher__uboot_errors[] = {
    {"Retry count exceeded", JF_ETIMEOUT,
     "TFTP timed out (is the TFTP server reachable "
     "from the board at serverip?)",
     false},
    {"File not found", JF_ENOTFOUND, "the TFTP server does not have the file", false},
    {"TFTP error", JF_EPROTO, "the TFTP server refused the transfer", false},
    {"Bad Linux ARM64 Image magic", JF_EINTEGRITY,
     "U-Boot rejected the kernel image "
     "(Bad Linux ARM64 Image magic)",
     true},
    {"Ramdisk image is corrupt", JF_EINTEGRITY,
     "U-Boot rejected the initramfs "
     "(Ramdisk image is corrupt or invalid)",
     true},
    {"Wrong Image Format", JF_EINTEGRITY, "U-Boot rejected the image (Wrong Image Format)", true},
    {"Unknown command", JF_ECONFIG, "this U-Boot does not have the command", true},
    {"Could not find a valid device tree", JF_EINTEGRITY,
     "U-Boot found no usable device "
     "tree",
     true},
};
const size_t jf_flasher__uboot_nerrors =
    sizeof(jf_flasher__uboot_errors) / sizeof(jf_flasher__uboot_errors[0]);
#define NERRORS (sizeof(jf_flasher__uboot_errors) / sizeof(jf_flasher__uboot_errors[0]))

/* Wait for the prompt, failing fast on a U-Boot error: on one, interrupt
 * the command (Ctrl-C stops TFTP's endless retries) and report it. */
static int wait_prompt(jf_flasher *f, const char *what, jf_deadline d, jf_buf *out, jf_err *err)
{
	jf_pattern pats[1 + NERRORS];
	jf_match m = JF_MATCH_INIT;
	char prompt[80];
	int idx;

	/* at the start of a line: a prompt inside output cannot match */
	snprintf(prompt, sizeof(prompt), "\n%s", f->cfg.uboot_prompt);
	pats[0] = JF_LIT(prompt);
	for (size_t i = 0; i < NERRORS; i++)
		pats[1 + i] = JF_LIT(jf_flasher__uboot_errors[i].text);
	idx = jf_console_expect(f->con, pats, 1 + NERRORS, d, &m, err);
	if (idx >= 0 && out)
		jf_buf_put(out, m.before.ptr, m.before.len);
	if (idx > 0) {
		const char *says = jf_flasher__uboot_errors[idx - 1].says;
		int code = jf_flasher__uboot_errors[idx - 1].code;

		jf_match_free(&m);
		jf_console_send(f->con, "\x03", 1, NULL);
		jf_console_expect(f->con, pats, 1, jf_deadline_in_s(5), NULL, NULL);
		/* An interrupted command can print more than one prompt: one left
		 * buffered ended the next command at once (seen under TFTP loss,
		 * as "did not load all N bytes"). What comes now is stale. */
		jf_console_drain(f->con, jf_deadline_in(300), NULL);
		jf_console_clear(f->con);
		return jf_err_set(err, code, "U-Boot '%s': %s", what, says);
	}
	jf_match_free(&m);
	if (idx == JF_ETIMEOUT)
		return jf_err_wrap(err, "U-Boot '%s' did not finish", what);
	return idx < 0 ? idx : 0;
}

int jf_flasher__uboot_cmd(jf_flasher *f, const char *cmd, unsigned timeout_s, jf_buf *out,
                          jf_err *err)
{
	int error;

	jf_info(f->log, JF_COMPONENT, "Running command: %s", cmd);
	if ((error = jf_console_sendline(f->con, cmd, err)) < 0)
		return error;
	return wait_prompt(f, cmd, jf_deadline_in_s(timeout_s), out, err);
}

/* Interrupt autoboot: any key stops it. The prompt is the uboot child's
 * (e.g. "J784S4# "), else "=> ". Keys go out every 200 ms until the
 * prompt shows; then a marker command proves the console is in step (its
 * output differs from its echo, so the echo cannot match). */
int jf_flasher__uboot_reach_prompt(jf_flasher *f, jf_err *err)
{
	unsigned limit = f->opts.uboot_timeout_s;
	jf_deadline d = jf_deadline_in_s(limit);
	jf_pattern pats[] = {JF_LIT(f->cfg.uboot_prompt), JF_LIT("Hit any key to stop autoboot")};
	jf_pattern sync = JF_LIT("jf-sync-ok");
	int idx;

	jf_info(f->log, JF_COMPONENT, "Waiting for U-Boot prompt...");
	for (;;) {
		idx = jf_console_expect(f->con, pats, 2, jf_deadline_min(d, jf_deadline_in(200)),
		                        NULL, err);
		if (idx == 0)
			break;
		if (idx != JF_ETIMEOUT && idx < 0)
			return idx;
		if (jf_deadline_expired(d))
			return jf_err_set(
			    err, JF_EUNREACHABLE,
			    "U-Boot did not answer on the serial console within %u s; "
			    "check the serial url and baud rate, and that the board "
			    "powers on",
			    limit);
		jf_console_send(f->con, " ", 1, NULL);
	}
	if ((idx = jf_console_sendline(f->con, "setenv jfs ok; echo jf-sync-${jfs}", err)) < 0)
		return idx;
	if ((idx = jf_console_expect(f->con, &sync, 1, jf_deadline_in_s(10), NULL, err)) < 0)
		return jf_err_wrap(err, "U-Boot prompt");
	return wait_prompt(f, "echo", jf_deadline_in_s(10), NULL, err);
}

/* "name=value" from printenv output into @dst. */
static void env_value(const char *text, const char *name, char *dst, size_t size)
{
	size_t n = strlen(name);

	dst[0] = '\0';
	for (const char *p = text; (p = strstr(p, name)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "\r\n");

			snprintf(dst, size, "%.*s", (int)len, p + n + 1);
			return;
		}
}

static int dhcp(jf_flasher *f, jf_err *err)
{
	jf_buf out = JF_BUF_INIT;
	int error = 0;

	jf_info(f->log, JF_COMPONENT, "Running DHCP to obtain network configuration...");
	for (int i = 1; i <= 3; i++) {
		jf_buf_clear(&out);
		error = jf_flasher__uboot_cmd(f, "dhcp", 30, &out, err);
		if (!error && out.ptr && strstr(out.ptr, "DHCP client bound to address"))
			break;
		if (!error)
			error = jf_err_set(err, JF_ETIMEOUT, "U-Boot 'dhcp' got no address");
		if (error != JF_ETIMEOUT || i == 3)
			break;
		jf_warn(f->log, JF_COMPONENT, "DHCP attempt %d failed: %s", i, err->msg);
	}
	jf_buf_free(&out);
	return error;
}

int jf_flasher__uboot_network(jf_flasher *f, jf_err *err)
{
	const char *ip = f->cfg.board_ipaddr;
	jf_buf out = JF_BUF_INIT;
	char cmd[256], autoload[72];
	int error;

	/* dhcp must not load anything; the board's own autoload comes back after */
	if ((error = jf_flasher__uboot_cmd(f, "printenv autoload", 10, &out, err)) < 0)
		goto done;
	env_value(out.ptr, "autoload", autoload, sizeof(autoload));
	jf_buf_clear(&out);
	if ((error = jf_flasher__uboot_cmd(f, "setenv autoload no", 10, NULL, err)) < 0)
		goto done;
	if (ip) {
		/* static addressing from the config */
		const char *mask = f->cfg.board_netmask;
		const char *gw = f->cfg.board_gatewayip;

		snprintf(cmd, sizeof(cmd), "setenv ipaddr %s", ip);
		if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
			goto done;
		snprintf(cmd, sizeof(cmd), "setenv netmask %s", mask ? mask : "255.255.255.0");
		if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
			goto done;
		if (gw) {
			snprintf(cmd, sizeof(cmd), "setenv gatewayip %s", gw);
			if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
				goto done;
		}
	} else if ((error = dhcp(f, err)) < 0) {
		goto done;
	}
	snprintf(cmd, sizeof(cmd), "setenv autoload%s%.64s", autoload[0] ? " " : "", autoload);
	if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
		goto done;
	if ((error = jf_flasher__uboot_cmd(f, "printenv ipaddr netmask gatewayip", 10, &out, err)) <
	    0)
		goto done;
	env_value(out.ptr, "ipaddr", f->dhcp.ipaddr, sizeof(f->dhcp.ipaddr));
	env_value(out.ptr, "netmask", f->dhcp.netmask, sizeof(f->dhcp.netmask));
	env_value(out.ptr, "gatewayip", f->dhcp.gatewayip, sizeof(f->dhcp.gatewayip));
	if (!f->dhcp.netmask[0])
		snprintf(f->dhcp.netmask, sizeof(f->dhcp.netmask), "255.255.255.0");
	jf_info(f->log, JF_COMPONENT,
	        "discovered dhcp details: DhcpInfo(ip_address='%s', gateway='%s', netmask='%s')",
	        f->dhcp.ipaddr, f->dhcp.gatewayip, f->dhcp.netmask);
	if (!f->serverip[0] && !jf_route_source(f->serverip, sizeof(f->serverip), f->dhcp.ipaddr)) {
		error = jf_err_set(err, JF_ECONFIG,
		                   "cannot tell which address of this host the board (%s) reaches; "
		                   "set 'host:' of the tftp server in the exporter config",
		                   f->dhcp.ipaddr[0] ? f->dhcp.ipaddr : "no address");
		goto done;
	}
	snprintf(cmd, sizeof(cmd), "setenv serverip '%s'", f->serverip);
	if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
		goto done;
	/* 1468: the largest block that fits one Ethernet frame (U-Boot does not
	 * reassemble IP fragments); a U-Boot without windowsize ignores it. */
	snprintf(cmd, sizeof(cmd), "setenv tftpblocksize %u", f->cfg.tftp_blocksize);
	if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
		goto done;
	snprintf(cmd, sizeof(cmd), "setenv tftpwindowsize %u", f->cfg.tftp_windowsize);
	if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
		goto done;
	/* After a lost block U-Boot re-ACKs when its timeout fires: 2 s rather
	 * than 5 gets a window going again sooner (the server answers it). */
	error = jf_flasher__uboot_cmd(f, "setenv tftptimeout 2000", 10, NULL, err);
done:
	jf_buf_free(&out);
	return error;
}

static int load_once(jf_flasher *f, const jf_boot_file *bf, jf_err *err)
{
	jf_buf out = JF_BUF_INIT;
	char cmd[512], want[64];
	int error;

	snprintf(cmd, sizeof(cmd), "tftpboot %s %s", bf->address, bf->name);
	error = jf_flasher__uboot_cmd(f, cmd, 300, &out, err);
	snprintf(want, sizeof(want), "Bytes transferred = %llu ", (unsigned long long)bf->size);
	if (!error && (!out.ptr || !strstr(out.ptr, want)))
		error = jf_err_set(err, JF_EPROTO, "U-Boot '%s' did not load all %llu bytes", cmd,
		                   (unsigned long long)bf->size);
	jf_buf_free(&out);
	return error;
}

/* Load @bf; when the transfer stalls (a lossy link that a large window
 * makes worse), try again in the same session with smaller windows
 * before giving the attempt up. */
static int load_one(jf_flasher *f, const jf_boot_file *bf, jf_err *err)
{
	long long window = f->cfg.tftp_windowsize;
	static const long long fallback[] = {4, 1};
	char cmd[64];
	int error;

	if (!bf->name)
		return 0;
	error = load_once(f, bf, err);
	for (size_t i = 0; error == JF_ETIMEOUT && i < 2; i++) {
		if (fallback[i] >= window)
			continue;
		window = fallback[i];
		jf_warn(f->log, JF_COMPONENT, "TFTP of %s stalled (%s); again with windowsize %lld",
		        bf->name, err->msg, window);
		snprintf(cmd, sizeof(cmd), "setenv tftpwindowsize %lld", window);
		if ((error = jf_flasher__uboot_cmd(f, cmd, 10, NULL, err)) < 0)
			return error;
		error = load_once(f, bf, err);
	}
	return error;
}

int jf_flasher__uboot_load(jf_flasher *f, jf_err *err)
{
	int error;

	if ((error = load_one(f, &f->kernel, err)) < 0 ||
	    (error = load_one(f, &f->initram, err)) < 0)
		return error;
	return load_one(f, &f->dtb, err);
}

int jf_flasher__uboot_boot(jf_flasher *f, jf_err *err)
{
	const char *cmd = jf_manifest_bootcmd(&f->manifest, f->variant);

	jf_info(f->log, JF_COMPONENT, "Running boot command: %s", cmd);
	return jf_console_sendline(f->con, cmd, err);
}
