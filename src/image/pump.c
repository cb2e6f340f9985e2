/* One sequential pass over an image file: hash it as stored, decode it,
 * hash the raw bytes and hand them on. Everything the inspect and
 * decompress paths compute comes from this single read. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_int.h"

/* Large reads keep the disk streaming and amortise the per-chunk work
 * (progress, cancel poll). */
#define READ_CHUNK (1u << 20)

typedef struct pump {
	jf_sha256 raw;
	bool raw_live; /* raw is initialised */
	uint64_t raw_size;
	jf_image__sink sink;
	void *user;
	jf_err *err;
} pump;

bool jf_image__canceled(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

static int raw_sink(void *user, const void *data, size_t len)
{
	pump *p = user;

	if (p->raw_live && jf_sha256_update(&p->raw, data, len) < 0)
		return jf_err_set(p->err, JF_EIO, "sha256 of the raw image failed");
	p->raw_size += len;
	return p->sink ? p->sink(p->user, data, len) : 0;
}

/* Fill @buf as far as the file goes: a short count only at the end. */
static ssize_t read_chunk(int fd, unsigned char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The file must be what it was when we started: a changed image would give
 * hashes of no file that exists. */
static int check_unchanged(int fd, const char *path, const struct stat *st, uint64_t done,
                           jf_err *err)
{
	struct stat now;

	if (fstat(fd, &now) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot stat '%s'", path);
	if (now.st_size != st->st_size || now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != st->st_mtim.tv_nsec || done != (uint64_t)st->st_size)
		return jf_err_set(err, JF_EIO,
		                  "image '%s' changed while it was being read; "
		                  "try again once nothing writes to it",
		                  path);
	return 0;
}

static int feed(jf_image__dec *dec, pump *p, const unsigned char *buf, size_t n, const char *path,
                jf_err *err)
{
	int error;

	if (!dec)
		return p->sink ? raw_sink(p, buf, n) : (p->raw_size += n, 0);
	error = jf_image__dec_feed(dec, buf, n, raw_sink, p, err);
	if (error == JF_EINTEGRITY && err)
		jf_err_wrap(err, "image '%s' is truncated or corrupt", path);
	else if (error < 0 && error != JF_EIO && err)
		jf_err_wrap(err, "image '%s'", path);
	return error;
}

static int finish(jf_image__dec *dec, pump *p, const char *path, jf_err *err)
{
	int error = dec ? jf_image__dec_finish(dec, raw_sink, p, err) : 0;

	if (error == JF_EINTEGRITY && err)
		jf_err_wrap(err, "image '%s' is truncated or corrupt", path);
	return error;
}

int jf_image__pump(jf_image_info *out, int fd, const char *path, const struct stat *st, bool decode,
                   const jf_image_inspect_opts *opts, jf_image__sink sink, void *sink_user,
                   jf_err *err)
{
	unsigned char *buf = malloc(READ_CHUNK);
	jf_image__dec *dec = NULL;
	pump p = {.sink = sink, .user = sink_user, .err = err};
	jf_sha256 stored = {NULL};
	uint64_t done = 0, total = (uint64_t)st->st_size;
	int error = 0;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	jf_err_clear(err);
	if (!buf || jf_sha256_init(&stored) < 0) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory to read '%s'", path);
		goto done;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = read_chunk(fd, buf, READ_CHUNK)) != 0) {
		if (n < 0) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot read '%s'", path);
			goto done;
		}
		if (!done) {
			out->compression = jf_image_detect(buf, (size_t)n);
			if (out->compression != JF_COMP_NONE && decode) {
				if ((error = jf_image__dec_new(&dec, out->compression, err)) < 0 ||
				    (error = jf_sha256_init(&p.raw)) < 0)
					goto done;
				p.raw_live = true;
			}
		}
		jf_sha256_update(&stored, buf, (size_t)n);
		if (out->compression == JF_COMP_NONE || dec) {
			if ((error = feed(dec, &p, buf, (size_t)n, path, err)) < 0)
				goto done;
		}
		done += (uint64_t)n;
		if (opts && opts->progress)
			opts->progress(opts->progress_user, done, total);
		if (opts && jf_image__canceled(opts->cancel_fd)) {
			error = jf_err_set(err, JF_ECANCELED, "reading '%s' was canceled", path);
			goto done;
		}
	}
	if ((error = finish(dec, &p, path, err)) < 0 ||
	    (error = check_unchanged(fd, path, st, done, err)) < 0)
		goto done;
	out->size = done;
	if ((error = jf_sha256_final(&stored, NULL, out->sha256)) < 0)
		goto done;
	if (out->compression == JF_COMP_NONE) {
		out->has_raw = true;
		out->raw_size = done;
		memcpy(out->raw_sha256, out->sha256, sizeof(out->sha256));
	} else if (dec) {
		p.raw_live = false;
		if ((error = jf_sha256_final(&p.raw, NULL, out->raw_sha256)) < 0)
			goto done;
		out->has_raw = true;
		out->raw_size = p.raw_size;
	}
done:
	if (error < 0 && err && !err->msg[0])
		jf_err_set(err, error, "cannot read '%s'", path);
	if (stored.md)
		jf_sha256_dispose(&stored);
	if (p.raw_live)
		jf_sha256_dispose(&p.raw);
	jf_image__dec_free(dec);
	free(buf);
	return error;
}
