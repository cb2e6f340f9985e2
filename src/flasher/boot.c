/* From power-off to a prompt: power the board, open its console, reach
 * U-Boot, and (for the shell) load and boot the flasher and log in. */
#include <stdio.h>
#include <string.h>

#include "flasher_int.h"

static void tap_debug(void *user, const char *text, size_t len)
{
	jf_flasher *f = user;

	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len)
		jf_info(f->log, "console", "%.*s", (int)len, text);
}

static int open_console(jf_flasher *f, jf_err *err)
{
	int error;

	if (f->con)
		return 0;
	/* the console's messages name the serial console already */
	if ((error = jf_console_open(&f->con, &f->con_opts, f->log, err)) < 0) {
		if (error == JF_ENOTFOUND)
			error = err->code = JF_EUNREACHABLE;
		return error;
	}
	jf_console_set_cancel_fd(f->con, f->opts.cancel_fd);
	return 0;
}

void jf_flasher__close_console(jf_flasher *f)
{
	jf_console_close(f->con);
	f->con = NULL;
}

int jf_flasher__boot_uboot(jf_flasher *f, jf_err *err)
{
	int error;

	jf_flasher__event(f, JF_EV_STEP_START, "power", 0, NULL);
	jf_flasher__close_console(f);
	if (!f->power_first && (error = open_console(f, err)) < 0)
		return jf_flasher__step_end(f, "power", error, err);
	/* A power switch that fails or hangs does not heal in the next attempt,
	 * which would only repeat its timeout: not retryable. */
	if ((error = jf_power_cycle(f->power, err)) < 0 && jf_flash_retryable(error)) {
		error = JF_EUNREACHABLE;
		if (err)
			err->code = error;
	}
	if (!error && f->power_first)
		error = open_console(f, err);
	jf_flasher__step_end(f, "power", error, err);
	if (error < 0)
		return error;

	jf_flasher__event(f, JF_EV_STEP_START, "uboot", 0, NULL);
	error = jf_flasher__uboot_reach_prompt(f, err);
	return jf_flasher__step_end(f, "uboot", error, err);
}

int jf_flasher__boot_shell(jf_flasher *f, jf_err *err)
{
	int error;

	if ((error = jf_flasher__boot_uboot(f, err)) < 0)
		return error;
	jf_flasher__event(f, JF_EV_STEP_START, "tftp", 0, NULL);
	if ((error = jf_flasher__uboot_network(f, err)) < 0 ||
	    (error = jf_flasher__uboot_load(f, err)) < 0)
		return jf_flasher__step_end(f, "tftp", error, err);
	jf_flasher__step_end(f, "tftp", 0, err);

	jf_flasher__event(f, JF_EV_STEP_START, "boot", 0, NULL);
	if ((error = jf_flasher__uboot_boot(f, err)) < 0 ||
	    (error = jf_flasher__shell_login(f, err)) < 0 ||
	    (error = jf_flasher__shell_network(f, err)) < 0)
		return jf_flasher__step_end(f, "boot", error, err);
	return jf_flasher__step_end(f, "boot", 0, err);
}

void jf_flasher__console_debug(jf_flasher *f)
{
	f->con_opts.tap = tap_debug;
	f->con_opts.tap_user = f;
}
