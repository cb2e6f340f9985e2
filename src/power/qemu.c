/* Power for the virtual board: "on" starts QEMU with the configured command
 * line, "off" stops its process group (SIGTERM, then SIGKILL), and a QEMU
 * that dies on its own is reported by check(). QEMU's own output goes to an
 * unlinked temp file, so a crash message can be shown without a pipe that
 * could fill up and stall it.
 *
 * A kept QEMU (jf_power_keep: `storage flash --no-power-off`, `power on`)
 * outlives this process. Its pid goes to a pid file (`pidfile`, default the
 * monitor socket's path + ".pid"), and "off" from any later process stops
 * it: `quit` through the monitor, else signals to the pid named in the file
 * when that process is still a QEMU. */
#define _GNU_SOURCE
#include "power_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include "jmpflash/proc.h"

typedef struct qemu_power {
	char **argv;
	size_t argc;
	char *cwd;
	jf_proc proc;
	bool running; /* started by us and not yet stopped by us */
	int out_fd;   /* QEMU's stdout+stderr */
	unsigned stop_ms;
	char *monitor; /* HMP monitor socket path; NULL: stop by signal only */
	char *pidfile; /* where a kept QEMU's pid is written; NULL: none */
	bool keep;     /* jf_power_keep: QEMU outlives us */
	jf_log *log;
} qemu_power;

static void qemu_stop(qemu_power *q)
{
	if (!q->running)
		return;
	jf_proc_kill(&q->proc, q->stop_ms);
	jf_proc_dispose(&q->proc);
	q->running = false;
}

static void qemu_free(void *impl)
{
	qemu_power *q = impl;

	if (q->keep && q->running) {
		jf_info(q->log, "power",
		        "QEMU (pid %d) keeps running; 'jmpflash power off' stops it",
		        (int)q->proc.pid);
		jf_proc_forget(&q->proc);
		q->running = false;
	}
	qemu_stop(q);
	for (size_t i = 0; i < q->argc; i++)
		free(q->argv[i]);
	free(q->argv);
	free(q->cwd);
	free(q->monitor);
	free(q->pidfile);
	if (q->out_fd >= 0)
		close(q->out_fd);
	free(q);
}

/* The last line QEMU printed, for messages. */
static void output_tail(qemu_power *q, char *buf, size_t size)
{
	off_t end = lseek(q->out_fd, 0, SEEK_END), from;
	ssize_t n;
	char *s;

	buf[0] = '\0';
	if (end <= 0)
		return;
	from = end > (off_t)(size - 1) ? end - (off_t)(size - 1) : 0;
	if ((n = pread(q->out_fd, buf, size - 1, from)) <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if ((s = strrchr(buf, '\n')))
		memmove(buf, s + 1, strlen(s + 1) + 1);
}

/* @path as QEMU sees it: a relative path is taken from `cwd`. */
static int place(const qemu_power *q, const char *path, char *buf, size_t size)
{
	int n;

	if (!strncmp(path, "unix:", 5))
		path += 5;
	if (path[0] != '/' && q->cwd)
		n = snprintf(buf, size, "%s/%s", q->cwd, path);
	else
		n = snprintf(buf, size, "%s", path);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* A live process (not a zombie) whose command line names QEMU. */
static bool is_qemu(pid_t pid)
{
	char path[64], buf[4096], state = 0;
	ssize_t n;
	int fd;
	FILE *f;

	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re"))) {
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = 0;
		fclose(f);
	}
	if (state == 'Z' || state == 'X')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	/* empty for a moment while the process execs (sh -> qemu.sh -> QEMU) */
	for (int tries = 0; tries < 50; tries++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return false;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0)
			return memmem(buf, (size_t)n, "qemu", 4) != NULL;
		poll(NULL, 0, 2);
	}
	return false;
}

/* The pid of a QEMU started earlier (by any process), or 0. */
static pid_t pidfile_read(qemu_power *q)
{
	char buf[32] = "";
	long pid;
	int fd;
	ssize_t n;

	if (!q->pidfile || (fd = open(q->pidfile, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	pid = n > 0 ? strtol(buf, NULL, 10) : 0;
	return pid > 0 && pid < 1L << 22 && is_qemu((pid_t)pid) ? (pid_t)pid : 0;
}

static void pidfile_write(qemu_power *q, pid_t pid)
{
	char buf[32];
	int fd, len;

	if (!q->pidfile)
		return;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	fd = open(q->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)len) != len)
		jf_warn(q->log, "power", "cannot write QEMU's pid file %s: %s", q->pidfile,
		        strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Wait until @pid is gone (or a zombie); true when it is. */
static bool wait_gone(pid_t pid, unsigned ms)
{
	jf_deadline d = jf_deadline_in(ms);

	while (is_qemu(pid))
		if (jf_deadline_expired(d) || poll(NULL, 0, 20) < 0)
			return !is_qemu(pid);
	return true;
}

static int qemu_on(void *impl, jf_err *err)
{
	qemu_power *q = impl;
	const char **argv = NULL;
	char redirect[64];
	jf_proc_opts opts = {0, q->cwd, NULL};
	size_t n = 0;
	int error;

	pid_t earlier = pidfile_read(q);

	if (q->running || earlier) {
		jf_info(q->log, "power", "QEMU (pid %d) is already running",
		        q->running ? (int)q->proc.pid : (int)earlier);
		return 0;
	}
	if (ftruncate(q->out_fd, 0) < 0) {
		/* an old crash message may stay in front: harmless */
	}
	if (!(argv = calloc(q->argc + 6, sizeof(*argv))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	/* sh sends both streams to our temp file, then becomes QEMU (same pid).
	 * Through /dev/fd: dash's ">&N" takes one digit only, and the file's
	 * descriptor is often 10 or more (locks, pipes, a pty opened first). */
	snprintf(redirect, sizeof(redirect), "exec \"$@\" >>/dev/fd/%d 2>&1", q->out_fd);
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = redirect;
	argv[n++] = "sh";
	for (size_t i = 0; i < q->argc; i++)
		argv[n++] = q->argv[i];
	argv[n] = NULL;
	/* The file is close-on-exec except while QEMU is being started, so
	 * other children do not inherit it. */
	fcntl(q->out_fd, F_SETFD, 0);
	error = jf_proc_spawn(&q->proc, argv, &opts, err);
	fcntl(q->out_fd, F_SETFD, FD_CLOEXEC);
	if (error < 0) {
		jf_err_wrap(err, "cannot start QEMU");
		goto done;
	}
	q->running = true;
	pidfile_write(q, q->proc.pid);
	jf_info(q->log, "power", "QEMU started (pid %d): %s", (int)q->proc.pid, q->argv[0]);
done:
	free(argv);
	return error;
}

/* Ask QEMU to quit through its human monitor; true when the command went
 * out (the caller waits for the process). Any failure leaves the signals
 * to do the job. */
static bool monitor_quit(qemu_power *q)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	bool sent = false, closed = false;
	int fd;

	if (place(q, q->monitor, sa.sun_path, sizeof(sa.sun_path)) < 0)
		return false;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		/* Wait for the monitor's "(qemu)" prompt first: a command sent to a
		 * connection QEMU has not set up yet, then closed, can be dropped. */
		jf_deadline d = jf_deadline_in(2000);
		char buf[512];
		size_t have = 0;

		while (!jf_deadline_expired(d)) {
			struct pollfd p = {fd, POLLIN, 0};
			ssize_t r;

			if (poll(&p, 1, jf_deadline_poll_ms(d)) <= 0)
				continue;
			if ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
				break;
			have += (size_t)r;
			buf[have] = '\0';
			if (strstr(buf, "(qemu)") || have == sizeof(buf) - 1)
				break;
		}
		sent = write(fd, "quit\n", 5) == 5;
		/* Hold the connection until QEMU closes it: closing first can make
		 * QEMU drop the command unread. */
		d = jf_deadline_in(q->stop_ms);
		while (sent && !closed && !jf_deadline_expired(d)) {
			struct pollfd p = {fd, POLLIN, 0};

			if (poll(&p, 1, jf_deadline_poll_ms(d)) > 0 &&
			    read(fd, buf, sizeof(buf)) <= 0)
				closed = true;
		}
	}
	close(fd);
	return sent;
}

/* Stop a QEMU that an earlier jmpflash left running (--no-power-off). */
static void stop_earlier(qemu_power *q, pid_t pid)
{
	if (q->monitor && monitor_quit(q) && wait_gone(pid, q->stop_ms)) {
		jf_info(q->log, "power", "QEMU (pid %d, started earlier) quit through its monitor",
		        (int)pid);
		return;
	}
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	if (!wait_gone(pid, q->stop_ms)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		wait_gone(pid, 2000);
	}
	jf_info(q->log, "power", "QEMU (pid %d, started earlier) stopped", (int)pid);
}

static int qemu_off(void *impl, jf_err *err)
{
	qemu_power *q = impl;

	pid_t earlier;

	(void)err;
	if (q->running) {
		if (q->monitor && monitor_quit(q) &&
		    jf_proc_wait(&q->proc, jf_deadline_in(q->stop_ms), NULL) == 0)
			jf_info(q->log, "power", "QEMU quit through its monitor");
		else
			jf_info(q->log, "power", "QEMU stopped");
		qemu_stop(q); /* reaps it, and stops anything left in its group */
	} else if ((earlier = pidfile_read(q))) {
		stop_earlier(q, earlier);
	} else if (q->monitor && monitor_quit(q)) {
		/* a QEMU whose pid we cannot tell (another command line) */
		jf_info(q->log, "power", "QEMU (started earlier) quit through its monitor");
	} else {
		jf_debug(q->log, "power", "QEMU is not running");
	}
	if (q->pidfile)
		unlink(q->pidfile);
	return 0;
}

/* Reports a QEMU that exited while we had it on. */
static int qemu_check(void *impl, jf_err *err)
{
	qemu_power *q = impl;
	char tail[256];
	int code, sig;

	if (!q->running || jf_proc_wait(&q->proc, jf_deadline_in(0), NULL) == JF_ETIMEOUT)
		return 0;
	code = q->proc.exit_code;
	sig = q->proc.term_signal;
	jf_proc_dispose(&q->proc);
	q->running = false;
	output_tail(q, tail, sizeof(tail));
	if (sig)
		return jf_err_set(err, JF_EUNREACHABLE, "QEMU was killed by signal %d%s%s", sig,
		                  *tail ? ": " : "", tail);
	return jf_err_set(err, JF_EUNREACHABLE, "QEMU exited with code %d while powered on%s%s",
	                  code, *tail ? ": " : "", tail);
}

static int qemu_state(void *impl, jf_power_state *st, jf_err *err)
{
	qemu_power *q = impl;
	jf_err ignored = JF_ERR_INIT;

	(void)err;
	qemu_check(q, &ignored); /* notices a death; state is then simply off */
	*st = q->running || pidfile_read(q) ? JF_POWER_ON : JF_POWER_OFF;
	return 0;
}

static int qemu_keep(void *impl, jf_err *err)
{
	qemu_power *q = impl;

	if (!q->pidfile)
		return jf_err_set(err, JF_ECONFIG,
		                  "QEMU can only keep running after jmpflash exits when a later "
		                  "'power off' can find it: give the qemu power driver 'monitor:' "
		                  "(or 'pidfile:')");
	q->keep = true;
	return 0;
}

static const jf_power_ops ops = {"qemu",     qemu_on,    qemu_off,  NULL,
                                 qemu_state, qemu_check, qemu_free, qemu_keep};

/* `pidfile`, else the monitor's path + ".pid"; both placed like the monitor. */
static int pidfile_path(qemu_power *q, const char *given, const char *what, jf_err *err)
{
	char base[4096], path[4200];

	if (!given && !q->monitor)
		return 0;
	if (place(q, given ? given : q->monitor, base, sizeof(base)) < 0)
		return jf_err_set(err, JF_ECONFIG, "%s: the pidfile or monitor path is too long",
		                  what);
	snprintf(path, sizeof(path), "%s%s", base, given ? "" : ".pid");
	if (!(q->pidfile = strdup(path)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

int jf_power__qemu_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err)
{
	const jf_param *cmd = jf_driver_param(d, "command");
	qemu_power *q = calloc(1, sizeof(*q));
	char path[] = "/tmp/jmpflash-qemu-XXXXXX";
	int error;

	*out = NULL;
	if (!q)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	q->out_fd = -1;
	q->log = log;
	q->stop_ms = jf_power__param_ms(d, "stop_timeout", 5000);
	if (!cmd || !cmd->nitems) {
		error = jf_err_set(err, JF_ECONFIG,
		                   "%s: command is empty; give the QEMU command "
		                   "line as a list",
		                   d->path);
		goto fail;
	}
	if (!(q->argv = calloc(cmd->nitems, sizeof(*q->argv))))
		goto nomem;
	for (; q->argc < cmd->nitems; q->argc++)
		if (!(q->argv[q->argc] = strdup(cmd->items[q->argc])))
			goto nomem;
	if (jf_driver_str(d, "cwd") && !(q->cwd = strdup(jf_driver_str(d, "cwd"))))
		goto nomem;
	if (jf_driver_str(d, "monitor") && !(q->monitor = strdup(jf_driver_str(d, "monitor"))))
		goto nomem;
	if ((error = pidfile_path(q, jf_driver_str(d, "pidfile"), d->path, err)) < 0)
		goto fail;
	if ((q->out_fd = mkostemp(path, O_CLOEXEC)) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot create a file for QEMU's output");
		goto fail;
	}
	unlink(path);
	return jf_power_new(out, &ops, q, d->path, log, err);
nomem:
	error = jf_err_set(err, JF_ENOMEM, "out of memory");
fail:
	qemu_free(q);
	return error;
}
