/* The target side of the pipeline: the writer (O_DIRECT, zero runs with
 * BLKZEROOUT or hole punching), the read-back verifier that follows it,
 * and the hasher (sha256 of the stream, bmap range checksums). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jmpflash/sha256.h"
#include "pipe_int.h"

#define ZERO_MIN (64u * 1024u) /* shorter zero runs are written */

int jf_sink_open(jf_run *r, jf_err *err)
{
	const char *dev = r->a->device;
	struct stat st;

	r->fd_direct = -1;
	if ((r->fd_buffered = open(dev, O_RDWR | O_CLOEXEC)) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot open %s", dev);
	if (fstat(r->fd_buffered, &st) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot stat %s", dev);
	r->blkdev = S_ISBLK(st.st_mode);
	if (r->blkdev) {
		if (ioctl(r->fd_buffered, BLKGETSIZE64, &r->dev_size) < 0)
			return jf_err_sys(err, JF_EIO, errno, "cannot read the size of %s", dev);
	} else if (S_ISREG(st.st_mode)) {
		r->dev_size = (uint64_t)st.st_size; /* 0: an empty file grows */
	} else {
		return jf_err_set(err, JF_EINVAL, "%s is neither a block device nor a file", dev);
	}
	if (r->a->direct)
		r->fd_direct = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	r->res->direct = r->fd_direct >= 0;
	r->zeroout_ok = r->a->zeroout;
	return 0;
}

void jf_sink_close(jf_run *r)
{
	if (r->fd_direct >= 0)
		close(r->fd_direct);
	if (r->fd_buffered >= 0)
		close(r->fd_buffered);
	r->fd_direct = r->fd_buffered = -1;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int jf_run_pieces(jf_run *r, jf_block *b, jf_piece_fn fn, void *user)
{
	const jf_agent_bmap *m = r->bmap;
	uint64_t lo = b->off, hi = b->off + b->len;
	size_t i = 0, n;
	int error;

	if (!m)
		return fn(r, b, 0, b->len, user);
	/* the first range that ends after @lo (ranges are sorted) */
	for (size_t step = m->nranges; step; step /= 2)
		while (i + step <= m->nranges &&
		       (m->ranges[i + step - 1].last + 1) * m->block_size <= lo)
			i += step;
	for (n = i; n < m->nranges; n++) {
		uint64_t s = m->ranges[n].first * m->block_size;
		uint64_t e = min64((m->ranges[n].last + 1) * m->block_size, m->image_size);

		if (s >= hi)
			break;
		s = s > lo ? s : lo;
		e = min64(e, hi);
		if (e > s && (error = fn(r, b, (size_t)(s - lo), (size_t)(e - s), user)) < 0)
			return error;
	}
	return 0;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	static const unsigned char zeros[4096];

	for (; len >= sizeof(zeros); p += sizeof(zeros), len -= sizeof(zeros))
		if (memcmp(p, zeros, sizeof(zeros)))
			return false;
	return !len || !memcmp(p, zeros, len);
}

static bool aligned(jf_run *r, const void *p, uint64_t off, size_t len)
{
	return r->fd_direct >= 0 && !r->no_direct && off % 512 == 0 && len % 512 == 0 &&
	       (uintptr_t)p % JF_ALIGN == 0;
}

/* Zero [off, off+len) without sending the zeros: 1 done, 0 not possible. */
static int zero_range(jf_run *r, uint64_t off, size_t len)
{
	if (!r->zeroout_ok || len < ZERO_MIN || off % 4096 || len % 4096)
		return 0;
	if (r->blkdev) {
		uint64_t range[2] = {off, len};

		if (ioctl(r->fd_buffered, BLKZEROOUT, range) == 0)
			return 1;
	} else if (fallocate(r->fd_buffered, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
	                     (off_t)len) == 0) {
		/* a hole reads as zeros; keep the file's size covering it */
		struct stat st;

		if (fstat(r->fd_buffered, &st) == 0 && (uint64_t)st.st_size < off + len &&
		    ftruncate(r->fd_buffered, (off_t)(off + len)) < 0)
			return -errno;
		return 1;
	}
	r->zeroout_ok = false; /* not supported here: write zeros from now on */
	return 0;
}

static int pwrite_all(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENOSPC;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_piece(jf_run *r, jf_block *b, size_t at, size_t len, void *user)
{
	uint64_t off = b->off + at;
	const unsigned char *p = b->data + at;
	jf_err err;
	int rc = 0;

	(void)user;
	if (r->dev_size && off + len > r->dev_size) {
		r->res->exit_hint = JF_AGENT_EXIT_TOO_LARGE;
		jf_err_set(&err, JF_EINVAL,
		           "the image goes past the end of %s (%llu bytes) at "
		           "byte %llu",
		           r->a->device, (unsigned long long)r->dev_size, (unsigned long long)off);
		return jf_run_fail(r, JF_EINVAL, &err);
	}
	if (all_zero(p, len) && (rc = zero_range(r, off, len)) == 1) {
		r->res->zeroed += len;
		rc = 0;
	} else if (rc == 0 && aligned(r, p, off, len)) {
		rc = pwrite_all(r->fd_direct, p, len, off);
		if (rc == -EINVAL) {      /* O_DIRECT refused after all: buffered from now on */
			r->no_direct = 1; /* (the verifier may be reading with it) */
			r->res->direct = false;
			rc = pwrite_all(r->fd_buffered, p, len, off);
		}
	} else if (rc == 0) {
		rc = pwrite_all(r->fd_buffered, p, len, off);
	}
	if (rc < 0) {
		if (rc == -ENOSPC || rc == -EFBIG)
			r->res->exit_hint = JF_AGENT_EXIT_TOO_LARGE;
		jf_err_sys(&err, JF_EIO, -rc, "writing %s at byte %llu failed", r->a->device,
		           (unsigned long long)off);
		return jf_run_fail(r, JF_EIO, &err);
	}
	r->res->written += len;
	r->prog->written += len;
	return 0;
}

void *jf_write_main(void *arg)
{
	jf_run *r = arg;
	jf_block *b;

	uint64_t busy = 0;

	while ((b = jf_agent_queue_pop(&r->to_write))) {
		uint64_t t0 = jf_run_now_us();
		int error = jf_run_pieces(r, b, write_piece, NULL);

		busy += jf_run_now_us() - t0;

		if (error < 0 || !r->a->verify || jf_agent_queue_push(&r->to_verify, b) < 0)
			jf_run_release(r, b);
		if (error < 0)
			break;
	}
	if (!r->stop && fdatasync(r->fd_buffered) < 0) {
		jf_err err;

		jf_err_sys(&err, JF_EIO, errno, "flushing %s failed", r->a->device);
		jf_run_fail(r, JF_EIO, &err);
	}
	r->res->write_busy_ms = busy / 1000;
	r->t_write_end_us = jf_run_now_us();
	jf_agent_queue_close(&r->to_verify);
	return NULL;
}

typedef struct verifier {
	unsigned char *buf; /* JF_BLOCK_SIZE, aligned */
	uint64_t busy_us;
} verifier;

static int verify_piece(jf_run *r, jf_block *b, size_t at, size_t len, void *user)
{
	verifier *v = user;
	uint64_t off = b->off + at, t0 = jf_run_now_us();
	const unsigned char *want = b->data + at;
	int fd = aligned(r, v->buf, off, len) ? r->fd_direct : r->fd_buffered;
	size_t got = 0;
	jf_err err;

	while (got < len) {
		ssize_t n = pread(fd, v->buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			jf_err_sys(&err, JF_EIO, n < 0 ? errno : EIO,
			           "reading %s back at byte %llu "
			           "failed",
			           r->a->device, (unsigned long long)(off + got));
			return jf_run_fail(r, JF_EIO, &err);
		}
		got += (size_t)n;
	}
	if (memcmp(v->buf, want, len)) {
		size_t i = 0;

		while (v->buf[i] == want[i])
			i++;
		r->res->exit_hint = JF_AGENT_EXIT_VERIFY;
		jf_err_set(&err, JF_EINTEGRITY,
		           "verify failed: %s reads back differently at byte "
		           "%llu",
		           r->a->device, (unsigned long long)(off + i));
		return jf_run_fail(r, JF_EINTEGRITY, &err);
	}
	r->res->verified += len;
	v->busy_us += jf_run_now_us() - t0;
	return 0;
}

void *jf_verify_main(void *arg)
{
	jf_run *r = arg;
	verifier v = {0};
	jf_block *b;

	if (posix_memalign((void **)&v.buf, JF_ALIGN, JF_BLOCK_SIZE)) {
		jf_err err;

		jf_err_set(&err, JF_ENOMEM, "out of memory for the verify buffer");
		jf_run_fail(r, JF_ENOMEM, &err);
		return NULL;
	}
	while ((b = jf_agent_queue_pop(&r->to_verify))) {
		int error = jf_run_pieces(r, b, verify_piece, &v);

		jf_run_release(r, b);
		if (error < 0)
			break;
	}
	r->res->verify_busy_ms = v.busy_us / 1000;
	free(v.buf);
	return NULL;
}

typedef struct hasher {
	jf_sha256 all; /* the whole stream (not in range mode) */
	bool whole;
	jf_agent_digest *range;
	size_t ri; /* the bmap range being hashed */
} hasher;

/* Feed the mapped bytes of @b to the range digests, in order; compare each
 * range when its last byte went by. */
static int hash_piece(jf_run *r, jf_block *b, size_t at, size_t len, void *user)
{
	hasher *h = user;
	const jf_agent_bmap *m = r->bmap;
	uint64_t off = b->off + at;

	while (len && h->ri < m->nranges) {
		const jf_agent_range *rg = &m->ranges[h->ri];
		uint64_t end = min64((rg->last + 1) * m->block_size, m->image_size);
		size_t n = (size_t)min64(len, end - off);
		char got[129];
		jf_err err;

		if (rg->chksum[0])
			jf_agent_digest_update(h->range, b->data + at, n);
		at += n;
		off += n;
		len -= n;
		if (off < end)
			break;
		h->ri++;
		if (!rg->chksum[0])
			continue;
		jf_agent_digest_final(h->range, got);
		if (strcmp(got, rg->chksum)) {
			jf_err_set(&err, JF_EINTEGRITY,
			           "bmap checksum mismatch for blocks %llu-%llu "
			           "(bytes from %llu): the image does not match "
			           "its bmap",
			           (unsigned long long)rg->first, (unsigned long long)rg->last,
			           (unsigned long long)(rg->first * m->block_size));
			return jf_run_fail(r, JF_EINTEGRITY, &err);
		}
	}
	return 0;
}

void *jf_hash_main(void *arg)
{
	jf_run *r = arg;
	hasher h = {0};
	jf_block *b;
	jf_err err = JF_ERR_INIT;
	int error = 0;

	h.whole = !r->spans && jf_sha256_init(&h.all) == 0;
	if (r->bmap && (error = jf_agent_digest_new(&h.range, r->bmap->checksum_type, &err)) < 0)
		jf_run_fail(r, error, &err);
	uint64_t busy = 0;

	while (!error && (b = jf_agent_queue_pop(&r->to_hash))) {
		uint64_t t0 = jf_run_now_us();

		if (h.whole)
			jf_sha256_update(&h.all, b->data, b->len);
		if (r->bmap)
			error = jf_run_pieces(r, b, hash_piece, &h);
		busy += jf_run_now_us() - t0;
		jf_run_release(r, b);
	}
	r->res->hash_busy_ms = busy / 1000;
	if (!r->stop && r->bmap && h.ri < r->bmap->nranges) {
		jf_err_set(&err, JF_EINTEGRITY, "the image ends before the bmap's range %llu-%llu",
		           (unsigned long long)r->bmap->ranges[h.ri].first,
		           (unsigned long long)r->bmap->ranges[h.ri].last);
		jf_run_fail(r, JF_EINTEGRITY, &err);
	}
	if (h.whole) {
		if (!r->stop)
			jf_sha256_final(&h.all, NULL, r->res->sha256);
		else
			jf_sha256_dispose(&h.all);
	}
	jf_agent_digest_free(h.range);
	return NULL;
}
