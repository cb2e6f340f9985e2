/* jmpflash — board locks.
 *
 * One process at a time may drive a board: its export, its serial device,
 * its power port. A lock is an flock()ed file named after what it guards;
 * the kernel drops it when the holder exits, however it exits (kill -9
 * too), so a lock is never stale. The holder writes its pid and a
 * description into the file so a refused caller can say who holds it. */
#ifndef JMPFLASH_LOCK_H
#define JMPFLASH_LOCK_H

#include "jmpflash/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_lock jf_lock;

typedef struct jf_lock_opts {
	const char *dir;   /* NULL: jf_lock_dir() */
	int wait_ms;       /* 0: fail at once; -1: wait forever; else wait that long */
	int cancel_fd;     /* readable => stop waiting (JF_ECANCELED); -1: none */
	const char *owner; /* what the holder is doing, e.g. "jmpflash storage flash" */
} jf_lock_opts;

#define JF_LOCK_OPTS_INIT                                                                          \
	{                                                                                          \
		.cancel_fd = -1                                                                    \
	}

/* Take the lock for @key (any text: "serial:/dev/ttyUSB0"), described to
 * others as @what ("board virtual-board"). JF_EEXISTS when another process
 * holds it ("board X is in use by pid N (...)"), JF_ETIMEOUT when a wait
 * ran out, JF_ECANCELED on the cancel fd. The descriptor is close-on-exec:
 * children (QEMU, power commands) never inherit it. */
int jf_lock_acquire(jf_lock **out, const char *key, const char *what, const jf_lock_opts *opts,
                    jf_err *err);
/* Drop the lock and free it (the file stays: removing it would race). NULL is fine. */
void jf_lock_release(jf_lock *l);

/* Where locks live: $JMPFLASH_LOCK_DIR, else /run/lock/jmpflash when it can
 * be used, else /tmp/jmpflash-locks-UID. Written into @buf. */
const char *jf_lock_dir(char *buf, unsigned long size);

#ifdef __cplusplus
}
#endif
#endif
