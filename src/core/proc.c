#define _GNU_SOURCE
#include "jmpflash/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int jf_proc_spawn(jf_proc *p, const char *const argv[], const jf_proc_opts *opts, jf_err *err)
{
	static const unsigned flags[3] = {JF_PROC_PIPE_IN, JF_PROC_PIPE_OUT, JF_PROC_PIPE_ERR};
	int fds[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	unsigned pipes = opts ? opts->pipes : 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int error = 0, rc;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->pidfd = p->in_fd = p->out_fd = p->err_fd = -1;
	for (int i = 0; i < 3; i++)
		if ((pipes & flags[i]) && pipe2(fds[i], O_CLOEXEC) < 0) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot create a pipe for '%s'",
			                   argv[0]);
			goto done;
		}

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (fds[0][0] >= 0)
		posix_spawn_file_actions_adddup2(&fa, fds[0][0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (fds[1][1] >= 0)
		posix_spawn_file_actions_adddup2(&fa, fds[1][1], 1);
	if (fds[2][1] >= 0)
		posix_spawn_file_actions_adddup2(&fa, fds[2][1], 2);
	if (opts && opts->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, opts->cwd);
	/* A fresh process group, default signal dispositions and an empty mask:
	 * a child of a program that ignores SIGINT must still be stoppable. */
	{
		sigset_t all, none;

		sigfillset(&all);
		sigemptyset(&none);
		posix_spawnattr_setsigdefault(&attr, &all);
		posix_spawnattr_setsigmask(&attr, &none);
	}
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
	                                    POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&p->pid, argv[0], &fa, &attr, (char *const *)argv,
	                  opts && opts->envp ? opts->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		p->pid = -1;
		error = jf_err_sys(err, rc == ENOENT ? JF_ENOTFOUND : JF_EIO, rc, "cannot run '%s'",
		                   argv[0]);
		goto done;
	}
	p->pidfd = pidfd_open_(p->pid);
	p->in_fd = fds[0][1], fds[0][1] = -1;
	p->out_fd = fds[1][0], fds[1][0] = -1;
	p->err_fd = fds[2][0], fds[2][0] = -1;
done:
	for (int i = 0; i < 3; i++) {
		close_fd(&fds[i][0]);
		close_fd(&fds[i][1]);
	}
	return error;
}

static int try_reap(jf_proc *p, int block)
{
	int status;
	pid_t r;

	if (p->reaped)
		return 1;
	do
		r = waitpid(p->pid, &status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != p->pid)
		return 0;
	p->reaped = true;
	if (WIFEXITED(status)) {
		p->exit_code = WEXITSTATUS(status);
	} else {
		p->exit_code = -1;
		p->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	close_fd(&p->pidfd);
	return 1;
}

int jf_proc_wait(jf_proc *p, jf_deadline d, jf_err *err)
{
	while (!try_reap(p, 0)) {
		struct pollfd pfd = {p->pidfd, POLLIN, 0};
		int ms = jf_deadline_poll_ms(d);

		if (jf_deadline_expired(d))
			return jf_err_set(err, JF_ETIMEOUT, "process %d still running",
			                  (int)p->pid);
		if (p->pidfd < 0) {
			/* No pidfd (old kernel): check again in 10 ms. */
			pfd.fd = -1;
			ms = ms < 0 || ms > 10 ? 10 : ms;
		}
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return jf_err_sys(err, JF_EIO, errno, "poll");
	}
	return 0;
}

void jf_proc_kill(jf_proc *p, unsigned grace_ms)
{
	if (p->pid <= 0 || try_reap(p, 0)) {
		/* The leader is gone; stragglers in its group still get a TERM. */
		if (p->pid > 0)
			kill(-p->pid, SIGTERM);
		return;
	}
	kill(-p->pid, SIGTERM);
	if (jf_proc_wait(p, jf_deadline_in(grace_ms), NULL) < 0) {
		kill(-p->pid, SIGKILL);
		try_reap(p, 1);
	}
	kill(-p->pid, SIGKILL);
}

void jf_proc_dispose(jf_proc *p)
{
	if (p->pid > 0 && !p->reaped)
		jf_proc_kill(p, 500);
	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->pidfd);
}

void jf_proc_forget(jf_proc *p)
{
	close_fd(&p->in_fd);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	close_fd(&p->pidfd);
	p->pid = -1;
}

/* Read what is there from @fd into @b (up to @max); 0 at EOF, 1 if open. */
static int drain(int *fd, jf_buf *b, size_t max)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close_fd(fd);
		return 0;
	}
	if (b->len < max)
		jf_buf_put(b, chunk, (size_t)n < max - b->len ? (size_t)n : max - b->len);
	return 1;
}

int jf_proc_run(jf_proc_result *r, const char *const argv[], const char *input,
                unsigned long timeout_ms, size_t max_output, jf_err *err)
{
	jf_proc_opts opts = {JF_PROC_PIPE_OUT | JF_PROC_PIPE_ERR | (input ? JF_PROC_PIPE_IN : 0),
	                     NULL, NULL};
	jf_deadline d = timeout_ms ? jf_deadline_in(timeout_ms) : jf_deadline_never();
	size_t in_left = input ? strlen(input) : 0;
	jf_proc p;
	int error;

	memset(r, 0, sizeof(*r));
	if ((error = jf_proc_spawn(&p, argv, &opts, err)) < 0)
		return error;
	if (p.in_fd >= 0) {
		fcntl(p.in_fd, F_SETFL, O_NONBLOCK);
		if (!in_left)
			close_fd(&p.in_fd);
	}
	while (p.out_fd >= 0 || p.err_fd >= 0 || p.in_fd >= 0) {
		struct pollfd pfd[3] = {
		    {p.out_fd, POLLIN, 0}, {p.err_fd, POLLIN, 0}, {p.in_fd, POLLOUT, 0}};
		int n;

		if (jf_deadline_expired(d)) {
			r->timed_out = true;
			break;
		}
		n = poll(pfd, 3, jf_deadline_poll_ms(d));
		if (n < 0 && errno != EINTR) {
			error = jf_err_sys(err, JF_EIO, errno, "poll");
			goto done;
		}
		if (n <= 0)
			continue;
		if (pfd[0].revents)
			drain(&p.out_fd, &r->out, max_output);
		if (pfd[1].revents)
			drain(&p.err_fd, &r->err, max_output);
		if (pfd[2].revents) {
			ssize_t w = write(p.in_fd, input, in_left);

			if (w > 0) {
				input += w;
				in_left -= (size_t)w;
			}
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || !in_left)
				close_fd(&p.in_fd);
		}
	}
	if (!r->timed_out && jf_proc_wait(&p, d, NULL) == JF_ETIMEOUT)
		r->timed_out = true;
	if (r->timed_out) {
		jf_proc_kill(&p, 200);
		r->exit_code = -1;
		r->term_signal = p.term_signal;
	} else {
		r->exit_code = p.exit_code;
		r->term_signal = p.term_signal;
	}
done:
	jf_proc_dispose(&p);
	return error;
}

void jf_proc_result_free(jf_proc_result *r)
{
	jf_buf_free(&r->out);
	jf_buf_free(&r->err);
}
