/* The flasher kernel's busybox shell: log in, make the prompt unique and
 * the terminal quiet, run commands and check their exit status. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flasher_int.h"

/* Besides U-Boot's own errors (jf_flasher__uboot_errors, those marked boot), text
 * that means the boot failed: waiting for the login prompt any longer would
 * only hit the timeout. */
static const jf_flasher__uboot_error boot_errors[] = {
    {"Kernel panic", JF_EPROTO, "the flasher kernel panicked", true},
    {NULL, JF_EPROTO, "U-Boot came back to its prompt instead of booting", true}, /* prompt */
};
#define NBOOT             (sizeof(boot_errors) / sizeof(boot_errors[0]))
#define MAX_BOOT_PATTERNS 16

/* Wait for @want (a regex, as upstream treats manifest strings) or a boot
 * error. */
static int wait_boot(jf_flasher *f, const char *want, unsigned timeout_s, jf_err *err)
{
	const jf_flasher__uboot_error *says[MAX_BOOT_PATTERNS];
	jf_pattern pats[1 + MAX_BOOT_PATTERNS];
	size_t n = 0;
	char uboot[80];
	int idx;

	snprintf(uboot, sizeof(uboot), "\n%s", f->cfg.uboot_prompt);
	pats[0] = JF_RE(want);
	for (size_t i = 0; i < jf_flasher__uboot_nerrors && n < MAX_BOOT_PATTERNS - NBOOT; i++)
		if (jf_flasher__uboot_errors[i].boot)
			says[n++] = &jf_flasher__uboot_errors[i];
	for (size_t i = 0; i < NBOOT; i++)
		says[n++] = &boot_errors[i];
	for (size_t i = 0; i < n; i++)
		pats[1 + i] = JF_LIT(says[i]->text ? says[i]->text : uboot);
	idx = jf_console_expect(f->con, pats, 1 + n, jf_deadline_in_s(timeout_s), NULL, err);
	if (idx > 0)
		return jf_err_set(err, says[idx - 1]->code, "booting the flasher: %s",
		                  says[idx - 1]->says);
	if (idx == JF_ETIMEOUT)
		return jf_err_wrap(err, "booting the flasher: no '%s' within %u s", want,
		                   timeout_s);
	return idx < 0 ? idx : 0;
}

int jf_flasher__shell_login(jf_flasher *f, jf_err *err)
{
	const jf_manifest_login *lg = &f->manifest.login;
	unsigned boot_s = f->opts.boot_timeout_s;
	jf_pattern prompt;
	char line[128];
	unsigned tag;
	int error;

	if (lg->username) {
		if ((error = wait_boot(f, lg->login_prompt, boot_s, err)) < 0 ||
		    (error = jf_console_sendline(f->con, lg->username, err)) < 0)
			return error;
		if (lg->password && ((error = wait_boot(f, "ssword:", 60, err)) < 0 ||
		                     (error = jf_console_sendline(f->con, lg->password, err)) < 0))
			return error;
		if ((error = wait_boot(f, lg->prompt, 60, err)) < 0)
			return error;
	} else if ((error = wait_boot(f, lg->prompt, boot_s, err)) < 0) {
		return error;
	}
	/* A prompt no command output can contain: the number is computed by the
	 * shell, so even the echo of this line does not show it. */
	tag = (unsigned)(jf_clock_mono_us() ^ (uint64_t)getpid()) % 900000u + 100000u;
	snprintf(f->prompt, sizeof(f->prompt), "[jf-%u]# ", tag + 1);
	snprintf(line, sizeof(line), "stty -echo 2>/dev/null; PS1='[jf-'$((%u + 1))']# '", tag);
	if ((error = jf_console_sendline(f->con, line, err)) < 0)
		return error;
	prompt = JF_LIT(f->prompt);
	if ((error = jf_console_expect(f->con, &prompt, 1, jf_deadline_in_s(30), NULL, err)) < 0)
		return jf_err_wrap(err, "setting the shell prompt");
	return 0;
}

const char *jf_flasher__shell_last_line(const char *text, const char *skip, size_t *len)
{
	const char *best = text;

	*len = 0;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\r\n");

		if (n && !(skip && memmem(p, n, skip, strlen(skip)))) {
			best = p;
			*len = n;
		}
		p += n;
		p += strspn(p, "\r\n");
	}
	return best;
}

int jf_flasher__shell_quote(jf_buf *out, const char *s)
{
	int error = jf_buf_puts(out, "'");

	for (; !error && *s; s++)
		error = *s == '\'' ? jf_buf_puts(out, "'\\''") : jf_buf_put(out, s, 1);
	return error ? error : jf_buf_puts(out, "'");
}

int jf_flasher__shell_run(jf_flasher *f, const char *cmd, unsigned timeout_s, jf_buf *out,
                          jf_err *err)
{
	jf_pattern rc = JF_RE("jf-rc=([0-9]+)\r?\n"), prompt = JF_LIT(f->prompt);
	jf_match m = JF_MATCH_INIT;
	jf_buf line = JF_BUF_INIT, code = JF_BUF_INIT;
	int error;

	/* plumbing: the steps log what matters at INFO themselves */
	jf_debug(f->log, JF_COMPONENT, "Running command: %s", cmd);
	if ((error = jf_buf_printf(&line, "%s; echo jf-rc=$?", cmd)) < 0 ||
	    (error = jf_console_sendline(f->con, line.ptr, err)) < 0)
		goto done;
	if ((error = jf_console_expect(f->con, &rc, 1, jf_deadline_in_s(timeout_s), &m, err)) < 0) {
		jf_err_wrap(err, "board command '%s'", cmd);
		goto done;
	}
	jf_match_group(&m, 1, &code);
	if (out)
		jf_buf_put(out, m.before.ptr, m.before.len);
	if ((error = jf_console_expect(f->con, &prompt, 1, jf_deadline_in_s(30), NULL, err)) < 0)
		goto done;
	if (strcmp(code.ptr, "0")) {
		/* the last line of output says most */
		size_t len;
		const char *last =
		    jf_flasher__shell_last_line(m.before.ptr ? m.before.ptr : "", NULL, &len);

		error = jf_err_set(err, JF_EPROTO, "board command '%s' failed (exit %s)%s%.*s", cmd,
		                   code.ptr, len ? ": " : "", (int)len, last);
	}
done:
	jf_match_free(&m);
	jf_buf_free(&line);
	jf_buf_free(&code);
	return error;
}

int jf_flasher__shell_network(jf_flasher *f, jf_err *err)
{
	char cmd[128];
	jf_buf out = JF_BUF_INIT;
	int error;

	/* the initramfs may still be getting its lease: give it a moment, then
	 * ask ourselves (upstream runs udhcpc here too) */
	error =
	    jf_flasher__shell_run(f,
	                          "i=0; while ! ip route | grep -q default && [ $i -lt 50 ]; do "
	                          "sleep 0.1; i=$((i+1)); done; ip route | grep -q default || "
	                          "udhcpc -n -q -t 10 -T 1",
	                          60, &out, err);
	jf_buf_free(&out);
	if (error < 0)
		return jf_err_wrap(err, "the flasher shell has no network");
	snprintf(cmd, sizeof(cmd), "date -s @%llu >/dev/null",
	         (unsigned long long)(jf_clock_wall_ms() / 1000));
	if ((error = jf_flasher__shell_run(f, cmd, 10, NULL, err)) < 0)
		return error;
	/* as upstream: what U-Boot's dhcp gave, for preflash commands and users */
	if (!f->dhcp.ipaddr[0])
		return 0;
	snprintf(cmd, sizeof(cmd), "export dhcp_addr='%.40s' gw_addr='%.40s'", f->dhcp.ipaddr,
	         f->dhcp.gatewayip);
	return jf_flasher__shell_run(f, cmd, 10, NULL, err);
}
