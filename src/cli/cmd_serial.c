/* jmpflash serial: attach the terminal to the board's serial console. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "jmpflash/console.h"

enum { O_LOG = 0x300, O_CONSOLE_DEBUG, O_EXPORT };

const cli_opt cli_serial_opts[] = {
    {"log", 0, "FILE", "Write a transcript of the session to FILE", O_LOG},
    {"console-debug", 0, NULL, "Echo the console to stderr as well", O_CONSOLE_DEBUG},
    {"export", 0, "NAME", "Export to use: a serial driver, or a flasher (its serial child)",
     O_EXPORT},
    CLI_OPT_END,
};

static const cli_cmd serial_cmd = {"serial", "[OPTIONS]",
                                   "Attach to the board's serial console (interactive)",
                                   cli_serial_opts, NULL};

static void tap_stderr(void *user, const char *text, size_t len)
{
	(void)user;
	if (fwrite(text, 1, len, stderr) != len) {
		/* stderr gone: nothing to report to */
	}
}

/* Attach until the escape sequence, EOF, or a signal (cli_cancel). */
static int interact(jf_console *c, const char *url, jf_err *err)
{
	jf_interact_opts io = {STDIN_FILENO, STDOUT_FILENO, -1, 0, 0};
	cli_cancel cancel = CLI_CANCEL_INIT;
	char esc[64];
	int rc;

	if ((rc = cli_cancel_begin(&cancel, err)) < 0)
		return rc;
	io.cancel_fd = cancel.fds[0];
	fprintf(stderr, "jmpflash: connected to %s; press %s to leave\r\n", url,
	        jf_interact_escape_text(&io, esc, sizeof(esc)));
	rc = jf_console_interact(c, &io, err);
	fprintf(stderr, "\r\njmpflash: disconnected from %s\n", url);
	cli_cancel_end(&cancel);
	return rc;
}

int cli_serial_run(cli_ctx *ctx, int argc, char **argv)
{
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	const jf_driver *d;
	jf_console *c = NULL;
	int ch, rc;

	while ((ch = cli_getopt("jmpflash", &serial_cmd, argc, argv)) != -1) {
		switch (ch) {
		case CLI_HELP_ID:
			cli_help("jmpflash", &serial_cmd);
			return JF_EXIT_OK;
		case O_LOG:
			o.transcript = optarg;
			break;
		case O_CONSOLE_DEBUG:
			o.tap = tap_stderr;
			break;
		case O_EXPORT:
			ctx->export_name = optarg;
			break;
		default:
			return JF_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("'jmpflash serial' takes no arguments");
	if (cli_load_exporter(ctx, &e, &err) < 0)
		return cli_fail(ctx, &err);
	if ((rc = cli_find_driver(ctx, &e, JF_ROLE_SERIAL, "serial", &d, &err)) < 0 ||
	    (rc = jf_console_opts_from_driver(&o, d, &err)) < 0 ||
	    (rc = jf_console_open(&c, &o, &ctx->log, &err)) < 0)
		goto done;
	rc = interact(c, o.url, &err);
done:
	jf_console_close(c);
	jf_exporter_dispose(&e);
	if (rc < 0 && rc != JF_ECANCELED)
		return cli_fail(ctx, &err);
	return rc == JF_ECANCELED ? JF_EXIT_FAILED : JF_EXIT_OK;
}
