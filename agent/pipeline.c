/* The agent's pipeline: the decode stage and the run that starts the
 * threads (pipe_int.h draws the picture). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "../src/image/image_int.h"
#include "pipe_int.h"

uint64_t jf_run_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int jf_run_fail(jf_run *r, int error, const jf_err *err)
{
	pthread_mutex_lock(&r->lock);
	if (!r->error && error != JF_ECANCELED) {
		r->error = error;
		r->err = *err;
		r->err.code = error;
	}
	r->stop = 1;
	pthread_mutex_unlock(&r->lock);
	jf_agent_queue_wake(&r->free_chunks);
	jf_agent_queue_wake(&r->chunks);
	jf_agent_queue_wake(&r->free_blocks);
	jf_agent_queue_wake(&r->to_write);
	jf_agent_queue_wake(&r->to_hash);
	jf_agent_queue_wake(&r->to_verify);
	return error;
}

void jf_run_release(jf_run *r, jf_block *b)
{
	int left;

	pthread_mutex_lock(&r->lock);
	left = --b->refs;
	pthread_mutex_unlock(&r->lock);
	if (!left)
		jf_agent_queue_push(&r->free_blocks, b);
}

typedef struct decode {
	jf_run *r;
	jf_block *cur;
	uint64_t out; /* image bytes produced */
	bool checked; /* the size check before the first write was done */
} decode;

static int push_block(decode *d)
{
	jf_block *b = d->cur;

	d->cur = NULL;
	if (!b)
		return 0;
	b->refs = 2;
	if (jf_agent_queue_push(&d->r->to_hash, b) < 0)
		return JF_ECANCELED;
	if (jf_agent_queue_push(&d->r->to_write, b) < 0)
		return JF_ECANCELED;
	return 0;
}

/* Copy @len bytes at image offset @off into blocks. */
static int emit_at(decode *d, uint64_t off, const unsigned char *p, size_t len)
{
	int error;

	while (len) {
		size_t n;

		if (d->cur && (d->cur->len == JF_BLOCK_SIZE || d->cur->off + d->cur->len != off) &&
		    (error = push_block(d)) < 0)
			return error;
		if (!d->cur) {
			if (!(d->cur = jf_agent_queue_pop(&d->r->free_blocks)))
				return JF_ECANCELED;
			d->cur->off = off;
			d->cur->len = 0;
		}
		n = JF_BLOCK_SIZE - d->cur->len < len ? JF_BLOCK_SIZE - d->cur->len : len;
		memcpy(d->cur->data + d->cur->len, p, n);
		d->cur->len += n;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int sink(void *user, const void *data, size_t len)
{
	decode *d = user;
	int error = emit_at(d, d->out, data, len);

	d->out += len;
	return error;
}

/* Refuse an image that cannot fit, before the first byte is written. */
static int check_fits(jf_run *r, uint64_t size, const char *how)
{
	jf_err err;

	if (!size || !r->dev_size || size <= r->dev_size)
		return 0;
	r->res->exit_hint = JF_AGENT_EXIT_TOO_LARGE;
	jf_err_set(&err, JF_EINVAL,
	           "the image (%llu bytes, %s) is larger than %s (%llu bytes); "
	           "nothing was written",
	           (unsigned long long)size, how, r->a->device, (unsigned long long)r->dev_size);
	return jf_run_fail(r, JF_EINVAL, &err);
}

/* The raw size as far as it is known before decoding. */
static int first_check(jf_run *r, jf_compression c, const jf_chunk *ch)
{
	if (r->a->size)
		return check_fits(r, r->a->size, "--size");
	if (r->bmap)
		return check_fits(r, r->bmap->image_size, "bmap ImageSize");
	if (c == JF_COMP_NONE && r->stream_size > 0)
		return check_fits(r, (uint64_t)r->stream_size, "Content-Length");
	if (c == JF_COMP_ZSTD) {
		unsigned long long n = ZSTD_getFrameContentSize(ch->data, ch->len);

		if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR)
			return check_fits(r, n, "zstd frame header");
	}
	return 0;
}

static int decode_chunk(decode *d, jf_image__dec **dec, jf_chunk *ch, jf_err *err)
{
	jf_run *r = d->r;
	int error;

	if (r->spans)
		return emit_at(d, ch->off, ch->data, ch->len);
	if (!*dec) {
		jf_compression c = jf_image_detect(ch->data, ch->len);

		snprintf(r->res->compression, sizeof(r->res->compression), "%s",
		         jf_compression_name(c));
		if ((error = first_check(r, c, ch)) < 0 ||
		    (error = jf_image__dec_new(dec, c, err)) < 0)
			return error;
	}
	return jf_image__dec_feed(*dec, ch->data, ch->len, sink, d, err);
}

static int ends_right(decode *d, jf_err *err)
{
	uint64_t want = d->r->a->size ? d->r->a->size : d->r->bmap ? d->r->bmap->image_size : 0;

	if (d->r->spans || !want || d->out == want)
		return 0;
	return jf_err_set(err, JF_EINTEGRITY, "the image decodes to %llu bytes, not %llu",
	                  (unsigned long long)d->out, (unsigned long long)want);
}

void *jf_decode_main(void *arg)
{
	decode d = {.r = arg};
	jf_run *r = d.r;
	jf_image__dec *dec = NULL;
	jf_chunk *ch;
	jf_err err = JF_ERR_INIT;
	uint64_t busy = 0;
	int error = 0;

	if (r->spans && (error = check_fits(r, r->bmap->image_size, "bmap ImageSize")) < 0)
		goto done;
	while ((ch = jf_agent_queue_pop(&r->chunks))) {
		uint64_t t0 = jf_run_now_us();

		error = decode_chunk(&d, &dec, ch, &err);
		busy += jf_run_now_us() - t0;
		jf_agent_queue_push(&r->free_chunks, ch);
		if (error < 0)
			goto done;
	}
	if (r->stop)
		goto done;
	if (!dec && !r->spans) {
		error = jf_err_set(&err, JF_EINTEGRITY, "the image is empty");
		goto done;
	}
	if ((dec && (error = jf_image__dec_finish(dec, sink, &d, &err)) < 0) ||
	    (error = ends_right(&d, &err)) < 0 || (error = push_block(&d)) < 0)
		goto done;
done:
	if (error < 0) {
		if (error == JF_EINTEGRITY && !strstr(err.msg, "image"))
			jf_err_wrap(&err, "the image is truncated or corrupt");
		jf_run_fail(r, error, &err);
		if (d.cur)
			jf_agent_queue_push(&r->free_blocks, d.cur);
	}
	r->res->decode_busy_ms = busy / 1000; /* includes waits for free blocks */
	jf_image__dec_free(dec);
	jf_agent_queue_close(&r->to_write);
	jf_agent_queue_close(&r->to_hash);
	return NULL;
}
