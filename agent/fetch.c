/* The download thread: the whole URL as a stream (Range resume after a
 * dropped connection or a server restart), or only the spans a bmap maps.
 * Bytes go into chunks for the decoder. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipe_int.h"
#include "jmpflash/sha256.h"

typedef struct fetch {
	jf_run *r;
	jf_chunk *cur;
	unsigned fails;
	jf_sha256 file_hash;
	bool hashing;
	jf_agent_conn conn; /* kept alive between the ranges of a bmap */
} fetch;

static bool retryable(int error)
{
	return error == JF_EIO || error == JF_EUNREACHABLE || error == JF_EPROTO;
}

/* Wait before the next try: 0.25 s doubling to 5 s, unless stopped. */
static void backoff(jf_run *r, unsigned fails)
{
	uint64_t ms = 250ull << (fails < 5 ? fails : 5);

	if (ms > 5000)
		ms = 5000;
	for (uint64_t t = 0; t < ms && !r->stop; t += 50) {
		struct timespec ts = {0, 50 * 1000000};

		nanosleep(&ts, NULL);
	}
}

static int push_chunk(fetch *f)
{
	jf_chunk *c = f->cur;

	f->cur = NULL;
	if (!c)
		return 0;
	if (!c->len)
		return jf_agent_queue_push(&f->r->free_chunks, c) < 0 ? JF_ECANCELED : 0;
	return jf_agent_queue_push(&f->r->chunks, c) < 0 ? JF_ECANCELED : 0;
}

/* The chunk to fill at @off (a new one when @off does not continue it). */
static jf_chunk *chunk_at(fetch *f, uint64_t off)
{
	if (f->cur && (f->cur->len == JF_CHUNK_SIZE || f->cur->off + f->cur->len != off) &&
	    push_chunk(f) < 0)
		return NULL;
	if (!f->cur) {
		if (!(f->cur = jf_agent_queue_pop(&f->r->free_chunks)))
			return NULL;
		f->cur->off = off;
		f->cur->len = 0;
	}
	return f->cur;
}

/* Download [*pos, end) (end < 0: to the end of the resource), moving *pos.
 * Returns 0 at the end, or an error after which a retry may continue. */
static int transfer(fetch *f, uint64_t *pos, int64_t end, jf_err *err)
{
	jf_run *r = f->r;
	jf_agent_conn *c = &f->conn;
	uint64_t skip = 0;
	int error;

	if ((error = jf_agent_http_get(c, r->a, r->a->url, *pos, end >= 0 ? end - 1 : -1, &skip,
	                               err)) < 0)
		return error;
	if (end < 0 && r->stream_size < 0 && c->head.content_length >= 0) {
		/* 206: the whole size, or what is left after *pos; 200: all of it */
		r->stream_size = c->head.range_total >= 0 ? c->head.range_total
		                 : c->head.status == 200  ? c->head.content_length
		                                          : c->head.content_length + (int64_t)*pos;
	}
	for (;;) {
		jf_chunk *ch = chunk_at(f, *pos);
		long n;

		if (!ch) {
			error = JF_ECANCELED;
			break;
		}
		n = jf_agent_http_read(c, ch->data + ch->len, JF_CHUNK_SIZE - ch->len, err);
		if (n <= 0) {
			error = (int)n;
			break;
		}
		f->fails = 0; /* progress: the retry budget starts again */
		if (skip) {
			size_t drop = (uint64_t)n < skip ? (size_t)n : (size_t)skip;

			memmove(ch->data + ch->len, ch->data + ch->len + drop, (size_t)n - drop);
			skip -= drop;
			n -= (long)drop;
		}
		if (f->hashing)
			jf_sha256_update(&f->file_hash, ch->data + ch->len, (size_t)n);
		ch->len += (size_t)n;
		*pos += (uint64_t)n;
		r->prog->downloaded += (uint64_t)n;
	}
	if (error < 0)
		jf_agent_http_close(c); /* a retry starts a new connection */
	if (!error && end < 0 && r->stream_size >= 0 && (int64_t)*pos < r->stream_size)
		error = jf_err_set(err, JF_EIO, "the download ended at byte %llu of %lld",
		                   (unsigned long long)*pos, (long long)r->stream_size);
	if (!error && end >= 0 && (int64_t)*pos < end)
		error = jf_err_set(err, JF_EIO, "a range ended early at byte %llu",
		                   (unsigned long long)*pos);
	return error;
}

/* Download [start, end) with retries. */
static int span(fetch *f, uint64_t start, int64_t end)
{
	jf_run *r = f->r;
	uint64_t pos = start;
	jf_err err = JF_ERR_INIT;
	int error;

	while ((error = transfer(f, &pos, end, &err)) < 0) {
		if (r->stop || !retryable(error) || f->fails >= r->a->retries) {
			if (f->conn.tls_refused && !r->stop)
				r->res->exit_hint = JF_AGENT_EXIT_TLS;
			return error == JF_ECANCELED ? error : jf_run_fail(r, error, &err);
		}
		f->fails++;
		r->res->resumes++;
		fprintf(stdout, "jf-agent retry n=%u at=%llu why=%s\n", f->fails,
		        (unsigned long long)pos, err.msg);
		fflush(stdout);
		backoff(r, f->fails);
	}
	return 0;
}

void *jf_fetch_main(void *arg)
{
	fetch f = {.r = arg, .conn = JF_AGENT_CONN_INIT};
	jf_run *r = f.r;
	int error = 0;

	if (r->a->file_sha256 && !r->spans)
		f.hashing = jf_sha256_init(&f.file_hash) == 0;
	if (r->spans) {
		for (size_t i = 0; i < r->nspans && !error; i++)
			error = span(&f, r->spans[i].start, (int64_t)r->spans[i].end);
	} else {
		error = span(&f, 0, -1);
	}
	if (!error)
		error = push_chunk(&f);
	else if (f.cur)
		jf_agent_queue_push(&r->free_chunks, f.cur);
	if (f.hashing) {
		if (!error)
			jf_sha256_final(&f.file_hash, NULL, r->res->file_sha256);
		else
			jf_sha256_dispose(&f.file_hash);
	}
	if (!error && r->a->file_sha256 && strcmp(r->res->file_sha256, r->a->file_sha256)) {
		jf_err err;

		jf_err_set(&err, JF_EINTEGRITY, "the download has sha256 %s, not the expected %s",
		           r->res->file_sha256, r->a->file_sha256);
		jf_run_fail(r, JF_EINTEGRITY, &err);
	}
	jf_agent_http_close(&f.conn);
	jf_agent_queue_close(&r->chunks);
	return NULL;
}
