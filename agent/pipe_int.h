/* The pipeline's shared state (pipeline.c, fetch.c, sink.c).
 *
 *   fetch ──chunks──▶ decode ──blocks──▶ write ──▶ verify
 *                                  └───▶ hash
 *
 * Each arrow is a bounded queue; a block goes back to the free pool when
 * both the hasher and the verifier (or the writer, without verify) are
 * done with it. The first failure wins: it is recorded once, `stop` is set
 * and every queue wakes its waiters. */
#ifndef JF_AGENT_PIPE_INT_H
#define JF_AGENT_PIPE_INT_H

#include <pthread.h>

#include "agent.h"
#include "queue.h"

#define JF_CHUNK_SIZE (1u << 20) /* network reads */
#define JF_NCHUNKS    8
#define JF_BLOCK_SIZE (4u << 20) /* writes, verifies, hashes */
#define JF_NBLOCKS    10
#define JF_ALIGN      4096u

typedef struct jf_chunk {
	uint64_t off; /* stream offset, or image offset in range mode */
	size_t len;
	unsigned char *data;
} jf_chunk;

typedef struct jf_block {
	uint64_t off; /* image offset */
	size_t len;
	int refs;
	unsigned char *data; /* JF_ALIGN-aligned */
} jf_block;

/* A span of the image to download with Range (bmap over HTTP, raw image). */
typedef struct jf_span {
	uint64_t start, end; /* bytes, end exclusive */
} jf_span;

typedef struct jf_run {
	const jf_agent_args *a;
	const jf_agent_bmap *bmap; /* NULL: write everything */
	jf_agent_progress *prog;
	jf_agent_result *res;

	_Atomic int stop;
	pthread_mutex_t lock;
	jf_err err; /* the first failure */
	int error;

	jf_span *spans; /* range mode when non-NULL */
	size_t nspans;
	int64_t stream_size; /* Content-Length of the whole download, -1 unknown */

	jf_agent_queue free_chunks, chunks, free_blocks, to_write, to_hash, to_verify;

	int fd_direct, fd_buffered; /* the target; fd_direct -1 without O_DIRECT */
	uint64_t dev_size;          /* 0: no limit (a growing regular file) */
	bool blkdev, zeroout_ok;
	_Atomic int no_direct; /* O_DIRECT was refused by a write */
	uint64_t t_write_end_us;
} jf_run;

/* Record a failure (the first one wins) and stop everything. */
int jf_run_fail(jf_run *r, int error, const jf_err *err);
/* Drop a reference to @b; the last one returns it to the pool. */
void jf_run_release(jf_run *r, jf_block *b);
uint64_t jf_run_now_us(void);

void *jf_fetch_main(void *run);  /* fetch.c */
void *jf_decode_main(void *run); /* pipeline.c */
void *jf_write_main(void *run);  /* sink.c */
void *jf_verify_main(void *run);
void *jf_hash_main(void *run);
/* Open the target, learn its size and what it supports (sink.c). */
int jf_sink_open(jf_run *r, jf_err *err);
void jf_sink_close(jf_run *r);

/* The pieces of @b the bmap maps (all of @b without a bmap): calls @fn for
 * each; a negative return stops (sink.c). */
typedef int (*jf_piece_fn)(jf_run *r, jf_block *b, size_t at, size_t len, void *user);
int jf_run_pieces(jf_run *r, jf_block *b, jf_piece_fn fn, void *user);

#endif
