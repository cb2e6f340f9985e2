/* The "agent" method (src/flasher/agent.c): the board fetches
 * jmpflash-agent from the flasher's HTTP server and runs it. */
#ifndef JF_FLASHER_AGENT_H
#define JF_FLASHER_AGENT_H

#include <stdbool.h>

#include "jmpflash/error.h"
#include "write.h"

/* jf_flasher__write_agent() returns this (> 0) when the board cannot run the
 * agent: the caller falls back to the shell method. */
#define JF_AGENT_FALLBACK 1

typedef struct jf_agent_job {
	const char *bmap_url;  /* the bmap the board fetches; NULL: none */
	bool bmap_optional;    /* a 404 for it is no bmap (IMAGE.bmap guessed) */
	const char *fls_url;   /* --fls-binary-url: run that fls instead */
	const char *agent_dir; /* <dir>/<uname -m>/jmpflash-agent; NULL: defaults */
	const char *cacert;    /* https: the CA file on the board (--cacert), NULL: none */
	bool insecure;         /* https: -k */
} jf_agent_job;

struct jf_flasher;
/* Write and verify @job with the agent: 0, a negative JF_E* (retryable or
 * not, as the agent's exit code says), or JF_AGENT_FALLBACK. */
int jf_flasher__write_agent(struct jf_flasher *f, const jf_write_job *job, const jf_agent_job *aj,
                            jf_err *err);

/* write.c, shared with the shell method */
int jf_flasher__write_upload(struct jf_flasher *f, const char *script, jf_err *err);
int jf_flasher__write_verify(struct jf_flasher *f, const jf_write_job *job, uint64_t written,
                             jf_err *err);

#endif
