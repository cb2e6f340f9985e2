/* jf_agent_run(): plan (stream or bmap ranges), allocate, start the
 * threads, collect the result. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../src/image/image_int.h"
#include "pipe_int.h"

#define SPAN_GAP (1u << 20) /* unmapped gaps shorter than this are downloaded */

/* Is the resource a raw image? Reads its first bytes with one Range request. */
static int probe_raw(const jf_agent_args *a, bool *raw, jf_err *err)
{
	jf_agent_conn c = JF_AGENT_CONN_INIT;
	unsigned char head[JF_IMAGE_MAGIC_LEN];
	size_t have = 0;
	uint64_t skip;
	int error = jf_agent_http_get(&c, a, a->url, 0, sizeof(head) - 1, &skip, err);

	while (!error && have < sizeof(head)) {
		long n = jf_agent_http_read(&c, head + have, sizeof(head) - have, err);

		if (n <= 0) {
			error = (int)n;
			break;
		}
		have += (size_t)n;
	}
	if (error >= 0)
		*raw = jf_image_detect(head, have) == JF_COMP_NONE;
	jf_agent_http_close(&c);
	return error;
}

/* The mapped ranges as byte spans, near ones merged (fewer requests). */
static int make_spans(jf_run *r, jf_err *err)
{
	const jf_agent_bmap *m = r->bmap;

	if (!(r->spans = calloc(m->nranges ? m->nranges : 1, sizeof(*r->spans))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->nranges; i++) {
		uint64_t s = m->ranges[i].first * m->block_size;
		uint64_t e = (m->ranges[i].last + 1) * m->block_size;

		e = e < m->image_size ? e : m->image_size;
		if (r->nspans && s - r->spans[r->nspans - 1].end < SPAN_GAP)
			r->spans[r->nspans - 1].end = e;
		else
			r->spans[r->nspans++] = (jf_span){s, e};
	}
	return 0;
}

static int plan(jf_run *r, jf_err *err)
{
	bool raw = false;
	int error;

	r->stream_size = -1;
	if (r->bmap) {
		if ((error = probe_raw(r->a, &raw, err)) < 0)
			return error;
		if (raw && (error = make_spans(r, err)) < 0)
			return error;
		r->prog->total = jf_agent_bmap_mapped_bytes(r->bmap);
		if (raw)
			strcpy(r->res->compression, "none");
	} else {
		r->prog->total = r->a->size;
	}
	return 0;
}

static int pools(jf_run *r, void **mem, jf_err *err)
{
	static const size_t qsize = JF_NBLOCKS + JF_NCHUNKS + 2;
	unsigned char *chunks, *blocks;
	jf_chunk *ch;
	jf_block *bl;

	if (jf_agent_queue_init(&r->free_chunks, qsize, &r->stop) < 0 ||
	    jf_agent_queue_init(&r->chunks, JF_NCHUNKS, &r->stop) < 0 ||
	    jf_agent_queue_init(&r->free_blocks, qsize, &r->stop) < 0 ||
	    jf_agent_queue_init(&r->to_write, 3, &r->stop) < 0 ||
	    jf_agent_queue_init(&r->to_hash, JF_NBLOCKS, &r->stop) < 0 ||
	    jf_agent_queue_init(&r->to_verify, JF_NBLOCKS, &r->stop) < 0)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	mem[0] = ch = calloc(JF_NCHUNKS, sizeof(*ch));
	mem[1] = bl = calloc(JF_NBLOCKS, sizeof(*bl));
	mem[2] = chunks = malloc((size_t)JF_NCHUNKS * JF_CHUNK_SIZE);
	if (posix_memalign(&mem[3], JF_ALIGN, (size_t)JF_NBLOCKS * JF_BLOCK_SIZE))
		mem[3] = NULL;
	blocks = mem[3];
	if (!ch || !bl || !chunks || !blocks)
		return jf_err_set(err, JF_ENOMEM, "out of memory for %u MiB of buffers",
		                  (JF_NBLOCKS * JF_BLOCK_SIZE + JF_NCHUNKS * JF_CHUNK_SIZE) >> 20);
	for (size_t i = 0; i < JF_NCHUNKS; i++) {
		ch[i].data = chunks + i * JF_CHUNK_SIZE;
		jf_agent_queue_push(&r->free_chunks, &ch[i]);
	}
	for (size_t i = 0; i < JF_NBLOCKS; i++) {
		bl[i].data = blocks + i * (size_t)JF_BLOCK_SIZE;
		jf_agent_queue_push(&r->free_blocks, &bl[i]);
	}
	return 0;
}

static void dispose(jf_run *r, void **mem)
{
	jf_agent_queue_dispose(&r->free_chunks);
	jf_agent_queue_dispose(&r->chunks);
	jf_agent_queue_dispose(&r->free_blocks);
	jf_agent_queue_dispose(&r->to_write);
	jf_agent_queue_dispose(&r->to_hash);
	jf_agent_queue_dispose(&r->to_verify);
	for (int i = 0; i < 4; i++)
		free(mem[i]);
	free(r->spans);
	jf_sink_close(r);
	pthread_mutex_destroy(&r->lock);
}

int jf_agent_run(jf_agent_result *out, const jf_agent_args *a, const jf_agent_bmap *bmap,
                 jf_agent_progress *prog, jf_err *err)
{
	void *(*mains[])(void *) = {jf_fetch_main, jf_decode_main, jf_write_main, jf_verify_main,
	                            jf_hash_main};
	pthread_t th[5];
	size_t started = 0;
	void *mem[4] = {0};
	jf_run r = {
	    .a = a, .bmap = bmap, .prog = prog, .res = out, .fd_direct = -1, .fd_buffered = -1};
	uint64_t t0 = jf_run_now_us();
	int error;

	memset(out, 0, sizeof(*out));
	pthread_mutex_init(&r.lock, NULL);
	if ((error = jf_sink_open(&r, err)) < 0 || (error = plan(&r, err)) < 0 ||
	    (error = pools(&r, mem, err)) < 0)
		goto done;
	for (; started < 5; started++)
		if (pthread_create(&th[started], NULL, mains[started], &r)) {
			jf_err e;

			jf_err_set(&e, JF_ENOMEM, "cannot start a thread");
			jf_run_fail(&r, JF_ENOMEM, &e);
			break;
		}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	out->write_ms = (r.t_write_end_us - t0) / 1000;
	out->verify_tail_ms = (jf_run_now_us() - r.t_write_end_us) / 1000;
	out->downloaded = prog->downloaded;
	if ((error = r.error) < 0)
		*err = r.err;
	else if (a->sha256 && strcmp(out->sha256, a->sha256) && !r.spans)
		error = jf_err_set(err, JF_EINTEGRITY,
		                   "the image written has sha256 %s, not the "
		                   "expected %s",
		                   out->sha256, a->sha256);
done:
	dispose(&r, mem);
	return error;
}
