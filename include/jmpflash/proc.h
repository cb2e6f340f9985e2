/* jmpflash — subprocesses.
 *
 * A child runs in its own process group so that a timeout or Ctrl-C can stop
 * it together with everything it started (a shell pipeline, QEMU). */
#ifndef JMPFLASH_PROC_H
#define JMPFLASH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "jmpflash/buf.h"
#include "jmpflash/clock.h"
#include "jmpflash/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	JF_PROC_PIPE_IN = 1 << 0,  /* in_fd: write end of the child's stdin */
	JF_PROC_PIPE_OUT = 1 << 1, /* out_fd: read end of the child's stdout */
	JF_PROC_PIPE_ERR = 1 << 2, /* err_fd: read end of the child's stderr */
};

typedef struct jf_proc {
	pid_t pid;                 /* also the process group id */
	int pidfd;                 /* readable when the child has exited */
	int in_fd, out_fd, err_fd; /* -1 when not piped */
	bool reaped;
	int exit_code;   /* valid once reaped; -1 when killed by a signal */
	int term_signal; /* the signal that killed it, or 0 */
} jf_proc;

typedef struct jf_proc_opts {
	unsigned pipes;    /* JF_PROC_PIPE_* */
	const char *cwd;   /* NULL: inherit */
	char *const *envp; /* NULL: inherit */
} jf_proc_opts;

/* Start argv[0] (searched in PATH). Unpiped stdin is /dev/null; unpiped
 * stdout/stderr are inherited. */
int jf_proc_spawn(jf_proc *p, const char *const argv[], const jf_proc_opts *opts, jf_err *err);

/* Wait for the child to exit until @d; JF_ETIMEOUT if it is still running. */
int jf_proc_wait(jf_proc *p, jf_deadline d, jf_err *err);

/* Stop the whole process group: SIGTERM, then SIGKILL after @grace_ms, and
 * reap the child. Safe to call on an exited child. */
void jf_proc_kill(jf_proc *p, unsigned grace_ms);

/* Close the pipes; kills the child first if it was never reaped. */
void jf_proc_dispose(jf_proc *p);
/* Close the pipes and let the child run on (it outlives this program). */
void jf_proc_forget(jf_proc *p);

typedef struct jf_proc_result {
	int exit_code; /* -1 when killed by a signal or timed out */
	int term_signal;
	bool timed_out;
	jf_buf out; /* captured stdout, at most max_output bytes */
	jf_buf err; /* captured stderr, likewise */
} jf_proc_result;

/* Run to completion: feed @input (may be NULL) on stdin, capture stdout and
 * stderr (each cut at @max_output bytes, the rest drained and dropped), kill
 * the group at @timeout_ms (0: no timeout). A non-zero exit is not an error
 * here: look at r->exit_code. Free the result with jf_proc_result_free(). */
int jf_proc_run(jf_proc_result *r, const char *const argv[], const char *input,
                unsigned long timeout_ms, size_t max_output, jf_err *err);
void jf_proc_result_free(jf_proc_result *r);

#ifdef __cplusplus
}
#endif

#endif
