/* Board locks: flock() on a file per guarded thing (include/jmpflash/lock.h).
 * flock, not fcntl locks: an flock belongs to the open file description, so
 * two jf_locks in one process exclude each other as two processes do, and
 * the lock goes with the last descriptor, at exit or kill -9. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jmpflash/clock.h"
#include "jmpflash/lock.h"
#include "jmpflash/sha256.h"

struct jf_lock {
	int fd;
};

/* How often a waiter tries again: flock has no timed wait. */
#define RETRY_MS 100

const char *jf_lock_dir(char *buf, unsigned long size)
{
	const char *env = getenv("JMPFLASH_LOCK_DIR");
	struct stat st;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return buf;
	}
	/* /run/lock is world-writable and sticky on Debian: one directory for
	 * every user of the host, so two users cannot both drive a board. */
	if (mkdir("/run/lock/jmpflash", 01777) == 0)
		chmod("/run/lock/jmpflash", 01777); /* past the umask */
	if (stat("/run/lock/jmpflash", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/run/lock/jmpflash", W_OK | X_OK) == 0) {
		snprintf(buf, size, "/run/lock/jmpflash");
		return buf;
	}
	snprintf(buf, size, "/tmp/jmpflash-locks-%u", (unsigned)getuid());
	return buf;
}

/* "<readable part of key>-<12 hex of its sha256>.lock": a person can tell
 * what a file guards, and two keys never share a file. */
static int lock_path(char *out, size_t size, const char *dir, const char *key, jf_err *err)
{
	char hex[65], clean[81];
	size_t n = 0;

	if (jf_sha256_buf(hex, key, strlen(key)) < 0)
		return jf_err_set(err, JF_ENOMEM, "cannot hash the lock name");
	for (const char *p = key; *p && n < sizeof(clean) - 1; p++)
		clean[n++] = (strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
		              ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
		                 ? *p
		                 : '_';
	clean[n] = '\0';
	if (snprintf(out, size, "%s/%s-%.12s.lock", dir, clean, hex) >= (int)size)
		return jf_err_set(err, JF_EINVAL, "lock directory path too long: %s", dir);
	return 0;
}

/* Who holds it, from the file: "pid N (owner)", or a vaguer phrase. */
static void holder(int fd, char *out, size_t size)
{
	char text[256];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	char *nl;
	long pid;

	snprintf(out, size, "another process");
	if (n <= 0)
		return;
	text[n] = '\0';
	pid = strtol(text, &nl, 10);
	if (pid <= 0 || *nl != '\n')
		return;
	nl++;
	nl[strcspn(nl, "\n")] = '\0';
	if (*nl)
		snprintf(out, size, "pid %ld (%s)", pid, nl);
	else
		snprintf(out, size, "pid %ld", pid);
}

static void note_holder(int fd, const char *owner)
{
	char text[256];
	int n = snprintf(text, sizeof(text), "%ld\n%s\n", (long)getpid(), owner ? owner : "");

	if (n >= (int)sizeof(text))
		n = (int)sizeof(text) - 1;
	/* A read-only lock file (another user's) still locks; it just cannot say who. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) < 0)
		return;
}

static int wait_turn(int fd, const jf_lock_opts *o, const char *what, jf_err *err)
{
	jf_deadline d = o->wait_ms < 0 ? jf_deadline_never() : jf_deadline_in((uint64_t)o->wait_ms);
	struct pollfd p = {o->cancel_fd, POLLIN, 0};
	char who[300];

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return jf_err_sys(err, JF_EIO, errno, "cannot lock %s", what);
		if (jf_deadline_expired(d) || o->wait_ms == 0) {
			holder(fd, who, sizeof(who));
			if (o->wait_ms == 0)
				return jf_err_set(err, JF_EEXISTS, "%s is in use by %s", what, who);
			return jf_err_set(err, JF_ETIMEOUT,
			                  "%s is still in use by %s after waiting %d s", what, who,
			                  o->wait_ms / 1000);
		}
		if (poll(&p, o->cancel_fd >= 0 ? 1 : 0,
		         jf_deadline_left_ms(d) < RETRY_MS ? (int)jf_deadline_left_ms(d)
		                                           : RETRY_MS) > 0)
			return jf_err_set(err, JF_ECANCELED, "canceled while waiting for %s", what);
	}
}

int jf_lock_acquire(jf_lock **out, const char *key, const char *what, const jf_lock_opts *opts,
                    jf_err *err)
{
	jf_lock_opts o = opts ? *opts : (jf_lock_opts)JF_LOCK_OPTS_INIT;
	char dir[256], path[512];
	jf_lock *l;
	int fd, error;

	*out = NULL;
	if (!o.dir)
		o.dir = jf_lock_dir(dir, sizeof(dir));
	if (mkdir(o.dir, 01777) == 0)
		chmod(o.dir, 01777);
	if ((error = lock_path(path, sizeof(path), o.dir, key, err)) < 0)
		return error;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EACCES)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return jf_err_sys(err, JF_EIO, errno,
		                  "cannot open lock file %s for %s (set JMPFLASH_LOCK_DIR to a "
		                  "writable directory)",
		                  path, what);
	if ((error = wait_turn(fd, &o, what, err)) < 0) {
		close(fd);
		return error;
	}
	note_holder(fd, o.owner);
	if (!(l = malloc(sizeof(*l)))) {
		close(fd);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	l->fd = fd;
	*out = l;
	return 0;
}

void jf_lock_release(jf_lock *l)
{
	if (!l)
		return;
	/* Empty the note first: a reader between unlock and close sees no stale pid. */
	if (ftruncate(l->fd, 0) < 0) {
		/* read-only file: the note was never ours */
	}
	close(l->fd);
	free(l);
}
