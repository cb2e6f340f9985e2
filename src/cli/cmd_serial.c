/* jmpflash serial: attach the terminal to the board's serial console. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jmpflash/console.h"

enum { O_LOG = 0x300, O_CONSOLE_DEBUG, O_EXPORT, O_RECONNECT };

const cli_opt cli_serial_opts[] = {
    {"log", 0, "FILE", "Write a transcript of the session to FILE", O_LOG},
    {"console-debug", 0, NULL, "Echo the console to stderr as well", O_CONSOLE_DEBUG},
    {"export", 0, "NAME", "Export to use: a serial driver, or a flasher (its serial child)",
     O_EXPORT},
    {"reconnect", 0, NULL,
     "Wait for the console to appear, and again whenever it goes away (a board "
     "power-cycled, QEMU restarted), until a signal",
     O_RECONNECT},
    CLI_OPT_END,
};

static const cli_cmd serial_cmd = {"serial", "[OPTIONS]",
                                   "Attach to the board's serial console (interactive)",
                                   cli_serial_opts, NULL};

/* The signal handler's end of the self-pipe: the CLI's only global. */
static int cancel_write_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (cancel_write_fd >= 0 && write(cancel_write_fd, &c, 1) < 0) {
		/* nothing to do in a signal handler */
	}
	errno = saved;
}

static void tap_stderr(void *user, const char *text, size_t len)
{
	(void)user;
	if (fwrite(text, 1, len, stderr) != len) {
		/* stderr gone: nothing to report to */
	}
}

static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Signals write to a self-pipe for the whole command (the session and the
 * waits between reconnects watch it); @old gets the handlers to restore. */
static int signals_catch(int fds[2], struct sigaction old[4], jf_err *err)
{
	struct sigaction sa;

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return jf_err_sys(err, JF_EIO, errno, "pipe");
	cancel_write_fd = fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	return 0;
}

static void signals_restore(int fds[2], struct sigaction old[4])
{
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	cancel_write_fd = -1;
	close(fds[0]);
	close(fds[1]);
}

static bool signaled(int cancel_fd)
{
	struct pollfd p = {cancel_fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

static int interact(jf_console *c, const char *url, int cancel_fd, jf_err *err)
{
	jf_interact_opts io = {STDIN_FILENO, STDOUT_FILENO, -1, 0, 0, false};
	char esc[64];
	int rc;

	io.cancel_fd = cancel_fd;
	/* A program on stdin (pexpect, LAVA, a pipe) gets the console's bytes
	 * and nothing else: no banner, no escape sequence, and its EOF does
	 * not end the session. */
	io.byte_pipe = !isatty(STDIN_FILENO);
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
		if (!reconnect || (rc != JF_ENOTFOUND && rc != JF_EUNREACHABLE && rc != JF_ETIMEOUT))
			return rc;
		if (signaled(cancel_fd))
			return jf_err_set(err, JF_ECANCELED, "console session interrupted");
	}
}

int cli_serial_run(cli_ctx *ctx, int argc, char **argv)
{
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	const jf_driver *d;
	jf_console *c = NULL;
	bool reconnect = false;
	struct sigaction old[4];
	int ch, rc, fds[2];

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
	if ((rc = signals_catch(fds, old, &err)) < 0)
		goto done;
	do {
		jf_console_close(c);
		c = NULL;
		if ((rc = open_console(&c, &o, &ctx->log, reconnect, fds[0], &err)) < 0)
			break;
		rc = interact(c, o.url, fds[0], &err);
		/* the console went away (JF_EIO): with --reconnect, wait for it
		 * again, unless a signal came as it closed */
		if (rc == JF_EIO && signaled(fds[0]))
			rc = jf_err_set(&err, JF_ECANCELED, "console session interrupted");
	} while (reconnect && rc == JF_EIO);
	signals_restore(fds, old);
done:
	jf_console_close(c);
	jf_exporter_dispose(&e);
	if (rc < 0 && rc != JF_ECANCELED)
		return cli_fail(ctx, &err);
	return rc == JF_ECANCELED ? JF_EXIT_FAILED : JF_EXIT_OK;
}
