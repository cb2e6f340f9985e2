/* The CLI's one signal scheme: SIGINT, SIGTERM, SIGHUP and SIGQUIT write
 * the signal's number to a self-pipe, and whatever waits (a console's
 * cancel fd, a flasher's, or cli_cancel_wait) watches its read end. So
 * every wait ends promptly and the command cleans up on its way out (the
 * board powered off, ports freed, the terminal restored). */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const int cancel_signals[CLI_CANCEL_NSIG] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const char *const cancel_names[CLI_CANCEL_NSIG] = {"SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"};

/* The handler's end of the pipe: a signal handler can reach nothing else. */
static int cancel_write_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (cancel_write_fd >= 0 && write(cancel_write_fd, &c, 1) < 0) {
		/* nothing more a handler can do */
	}
	errno = saved;
}

const char *cli_cancel_signal_name(int sig)
{
	for (size_t i = 0; i < CLI_CANCEL_NSIG; i++)
		if (cancel_signals[i] == sig)
			return cancel_names[i];
	return "a signal";
}

void cli_cancel_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < CLI_CANCEL_NSIG; i++)
		sigaddset(set, cancel_signals[i]);
}

/* The handler is installed even where a signal was ignored: a background job
 * of a non-interactive shell starts with SIGINT ignored, and must still stop
 * cleanly on it. */
int cli_cancel_begin(cli_cancel *c, jf_err *err)
{
	struct sigaction sa;

	if (pipe2(c->fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot set up signal handling: pipe");
	cancel_write_fd = c->fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < CLI_CANCEL_NSIG; i++)
		sigaction(cancel_signals[i], &sa, &c->old[i]);
	return 0;
}

int cli_cancel_wait(cli_cancel *c)
{
	struct pollfd pfd = {c->fds[0], POLLIN, 0};
	unsigned char sig = 0;

	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return 0;
		if (read(c->fds[0], &sig, 1) == 1)
			return sig;
	}
}

void cli_cancel_end(cli_cancel *c)
{
	if (c->fds[0] < 0)
		return;
	for (size_t i = 0; i < CLI_CANCEL_NSIG; i++)
		sigaction(cancel_signals[i], &c->old[i], NULL);
	cancel_write_fd = -1;
	close(c->fds[0]);
	close(c->fds[1]);
	c->fds[0] = c->fds[1] = -1;
}
