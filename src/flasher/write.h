/* Writing an image on the board with busybox tools (src/flasher/write.c). */
#ifndef JF_FLASHER_WRITE_H
#define JF_FLASHER_WRITE_H

#include <stdint.h>

#include "jmpflash/buf.h"
#include "jmpflash/error.h"

typedef struct jf_write_job {
	const char *url;            /* what the board downloads */
	const char *decompress;     /* board command ("xzcat"), NULL: raw */
	const char *const *headers; /* "Key: Value", NULL-terminated; may be NULL */
	const char *bearer;         /* may be NULL */
	uint64_t raw_size;          /* bytes that land on the device; 0: unknown */
	const char *raw_sha256;     /* their sha256; NULL: unknown (the board hashes the stream) */
	const char *file_sha256;    /* expected sha256 of the download as is; NULL: none */
	const char *device;         /* "/dev/vda", "/dev/vdb2" */
	const char *fetch;          /* downloader writing to stdout ("curl -fsSL --cacert F");
	                             * NULL: busybox's "wget -q -O -" */
} jf_write_job;

/* The script the board runs in the background (pure: unit tested). */
int jf_flasher__write_script(jf_buf *out, const jf_write_job *job);
/* Classify the pipeline's error output: a code and what to tell the user. */
int jf_flasher__write_classify(const char *stderr_text, const char **says);

struct jf_flasher;
/* Write, flush, verify. Progress goes to the flasher's events and log. */
int jf_flasher__write_shell(struct jf_flasher *f, const jf_write_job *job, jf_err *err);

#endif
