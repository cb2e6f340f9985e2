/* jmpflash serial: attach the terminal to the board's serial console. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jmpflash/console.h"

enum { O_LOG = 0x300, O_CONSOLE_DEBUG, O_EXPORT, O_RECONNECT };

/* --reconnect: how long to wait for the console each time (a day: LAVA or
 * the user ends the session with a signal long before). */
#define RECONNECT_WAIT_MS (24ull * 3600 * 1000)

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

static int interact(cli_ctx *ctx, jf_console *c, const char *url, jf_err *err)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa, old[4];
	jf_interact_opts io = {STDIN_FILENO, STDOUT_FILENO, -1, 0, 0, false};
	char esc[64];
	int fds[2], rc;

	(void)ctx;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return jf_err_sys(err, JF_EIO, errno, "pipe");
	cancel_write_fd = fds[1];
	io.cancel_fd = fds[0];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
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
	for (size_t i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	cancel_write_fd = -1;
	close(fds[0]);
	close(fds[1]);
	return rc;
}

int cli_serial_run(cli_ctx *ctx, int argc, char **argv)
{
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	const jf_driver *d;
	jf_console *c = NULL;
	bool reconnect = false;
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
	if (reconnect)
		o.open_wait_ms = RECONNECT_WAIT_MS;
	do {
		jf_console_close(c);
		c = NULL;
		if ((rc = jf_console_open(&c, &o, &ctx->log, &err)) < 0)
			goto done;
		rc = interact(ctx, c, o.url, &err);
		/* the console went away (JF_EIO): with --reconnect, wait for it again */
	} while (reconnect && rc == JF_EIO);
done:
	jf_console_close(c);
	jf_exporter_dispose(&e);
	if (rc < 0 && rc != JF_ECANCELED)
		return cli_fail(ctx, &err);
	return rc == JF_ECANCELED ? JF_EXIT_FAILED : JF_EXIT_OK;
}
