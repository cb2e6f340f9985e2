/* jmpflash serial: attach the terminal to the board's serial console. */
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "jmpflash/console.h"

enum { O_LOG = 0x300, O_CONSOLE_DEBUG, O_EXPORT, O_RECONNECT, O_PIPE };

const cli_opt cli_serial_opts[] = {
    {"log", 0, "FILE", "Write a transcript of the session to FILE", O_LOG},
    {"console-debug", 0, NULL, "Echo the console to stderr as well", O_CONSOLE_DEBUG},
    {"export", 0, "NAME", "Export to use: a serial driver, or a flasher (its serial child)",
     O_EXPORT},
    {"reconnect", 0, NULL,
     "Wait for the console to appear, and again whenever it goes away (a board "
     "power-cycled, QEMU restarted), until a signal",
     O_RECONNECT},
    {"pipe", 0, NULL,
     "A plain byte pipe even on a terminal (LAVA's pexpect): no banner, no escape "
     "sequence (the default when stdin is not a terminal)",
     O_PIPE},
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

static bool signaled(int cancel_fd)
{
	struct pollfd p = {cancel_fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* Attach until the escape sequence, EOF, the console closing, or a signal
 * (@cancel_fd, from cli_cancel). */
static int interact(jf_console *c, const char *url, int cancel_fd, bool pipe, jf_err *err)
{
	jf_interact_opts io = {STDIN_FILENO, STDOUT_FILENO, -1, 0, 0, false};
	char esc[64];
	int rc;

	io.cancel_fd = cancel_fd;
	/* A program on stdin (pexpect over a pipe, a script) gets the console's
	 * bytes and nothing else: no banner, no escape sequence, and its EOF
	 * does not end the session. */
	io.byte_pipe = pipe || !isatty(STDIN_FILENO);
	if (!io.byte_pipe)
		fprintf(stderr, "jmpflash: connected to %s; press %s to leave\r\n", url,
		        jf_interact_escape_text(&io, esc, sizeof(esc)));
	rc = jf_console_interact(c, &io, err);
	if (!io.byte_pipe)
		fprintf(stderr, "\r\njmpflash: disconnected from %s\n", url);
	return rc;
}

/* Open the console; with --reconnect wait for it in steps of a second,
 * watching for a signal between them. */
static int open_console(jf_console **c, jf_console_opts *o, jf_log *log, bool reconnect,
                        int cancel_fd, jf_err *err)
{
	int rc;

	o->open_wait_ms = reconnect ? 1000 : 0;
	for (;;) {
		rc = jf_console_open(c, o, log, err);
		if (!reconnect ||
		    (rc != JF_ENOTFOUND && rc != JF_EUNREACHABLE && rc != JF_ETIMEOUT))
			return rc;
		if (signaled(cancel_fd))
			return jf_err_set(err, JF_ECANCELED, "console session interrupted");
	}
}

/* One session, or with --reconnect one after another while the console
 * comes and goes; signals end it at any point. */
static int sessions(cli_ctx *ctx, jf_console_opts *o, bool reconnect, bool pipe, jf_err *err)
{
	cli_cancel cancel = CLI_CANCEL_INIT;
	jf_console *c = NULL;
	int rc;

	if ((rc = cli_cancel_begin(&cancel, err)) < 0)
		return rc;
	do {
		jf_console_close(c);
		c = NULL;
		if ((rc = open_console(&c, o, &ctx->log, reconnect, cancel.fds[0], err)) < 0)
			break;
		rc = interact(c, o->url, cancel.fds[0], pipe, err);
		/* the console went away (JF_EIO): with --reconnect, wait for it
		 * again, unless a signal came as it closed */
		if (rc == JF_EIO && signaled(cancel.fds[0]))
			rc = jf_err_set(err, JF_ECANCELED, "console session interrupted");
	} while (reconnect && rc == JF_EIO);
	jf_console_close(c);
	cli_cancel_end(&cancel);
	return rc;
}

int cli_serial_run(cli_ctx *ctx, int argc, char **argv)
{
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	const jf_driver *d;
	bool reconnect = false, pipe = false;
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
		case O_RECONNECT:
			reconnect = true;
			break;
		case O_PIPE:
			pipe = true;
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
	    (rc = cli_lock_board(ctx, &e, NULL, d, NULL, "jmpflash serial", &err)) < 0 ||
	    (rc = jf_console_opts_from_driver(&o, d, &err)) < 0)
		goto done;
	rc = sessions(ctx, &o, reconnect, pipe, &err);
done:
	jf_exporter_dispose(&e);
	if (rc < 0 && rc != JF_ECANCELED)
		return cli_fail(ctx, &err);
	return rc == JF_ECANCELED ? JF_EXIT_FAILED : JF_EXIT_OK;
}
