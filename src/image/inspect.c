/* jf_image_inspect() and jf_image_decompress_to(): open, ask the cache,
 * run the single pass, remember the answer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_int.h"

/* Runs of zeros at least this long become holes in a decompressed file:
 * raw disk images are often mostly empty, and a sparse copy in /tmp costs
 * neither the disk space nor the write bandwidth. */
#define HOLE_MIN (64u * 1024u)

static const jf_image_inspect_opts default_opts = JF_IMAGE_INSPECT_OPTS_INIT;

static int open_image(int *fd, struct stat *st, const char *path, jf_err *err)
{
	int error = 0;

	/* O_NONBLOCK: a FIFO without a writer must not hang us before the
	 * regular-file check; it changes nothing for regular files. */
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot open image '%s'", path);
	if (fstat(*fd, st) < 0)
		error = jf_err_sys(err, JF_EIO, errno, "cannot stat image '%s'", path);
	else if (!S_ISREG(st->st_mode))
		error = jf_err_set(err, JF_EINVAL, "image '%s' is not a regular file", path);
	if (error < 0) {
		close(*fd);
		*fd = -1;
		return error;
	}
	return 0;
}

static void remember(const jf_image_inspect_opts *o, const char *path, const struct stat *st,
                     const jf_image_info *info)
{
	jf_err cerr = JF_ERR_INIT;

	if (o->cache_dir && jf_image__cache_put(o->cache_dir, path, st, info, &cerr) < 0)
		jf_warn(o->log, "image", "cannot remember the checksum of '%s': %s", path,
		        cerr.msg);
}

int jf_image_inspect(jf_image_info *out, const char *path, const jf_image_inspect_opts *opts,
                     jf_err *err)
{
	const jf_image_inspect_opts *o = opts ? opts : &default_opts;
	struct stat st;
	int fd = -1, error;

	memset(out, 0, sizeof(*out));
	if ((error = open_image(&fd, &st, path, err)) < 0)
		return error;
	if (o->cache_dir && jf_image__cache_get(out, o->cache_dir, &st, o->raw) == 0) {
		out->from_cache = true;
		if (o->progress)
			o->progress(o->progress_user, out->size, out->size);
		goto done;
	}
	if ((error = jf_image__pump(out, fd, path, &st, o->raw, o, NULL, NULL, err)) < 0)
		goto done;
	remember(o, path, &st, out);
done:
	close(fd);
	return error;
}

typedef struct writer {
	int fd;
	const char *path;
	uint64_t off;
	jf_err *err;
} writer;

static bool all_zero(const unsigned char *p, size_t n)
{
	return n && p[0] == 0 && !memcmp(p, p + 1, n - 1);
}

static int write_sink(void *user, const void *data, size_t len)
{
	writer *w = user;
	const unsigned char *p = data;

	for (size_t off = 0; off < len;) {
		size_t n = len - off < HOLE_MIN ? len - off : HOLE_MIN;
		int e = 0;

		if (n == HOLE_MIN && all_zero(p + off, n)) {
			if (lseek(w->fd, (off_t)n, SEEK_CUR) < 0)
				e = errno;
		} else {
			e = -jf_image__write_all(w->fd, p + off, n);
		}
		if (e)
			return jf_err_sys(w->err, JF_EIO, e, "cannot write '%s'", w->path);
		off += n;
		w->off += n;
	}
	return 0;
}

int jf_image_decompress_to(jf_image_info *out, const char *src, const char *dst_path,
                           const jf_image_inspect_opts *opts, jf_err *err)
{
	const jf_image_inspect_opts *o = opts ? opts : &default_opts;
	struct stat st;
	char *tmp = NULL;
	writer w = {.fd = -1, .path = dst_path, .err = err};
	int fd = -1, error;

	memset(out, 0, sizeof(*out));
	if ((error = open_image(&fd, &st, src, err)) < 0)
		return error;
	if ((w.fd = jf_image__tmpfile(&tmp, dst_path, err)) < 0) {
		error = w.fd;
		goto done;
	}
	if ((error = jf_image__pump(out, fd, src, &st, true, o, write_sink, &w, err)) < 0)
		goto done;
	/* Trailing holes: the size comes from the length, not from a write.
	 * No fsync: the file is a temporary for this run; the rename only has
	 * to hide a partial file from readers. */
	if (ftruncate(w.fd, (off_t)w.off) < 0 || close(w.fd) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot write '%s'", dst_path);
		w.fd = -1;
		goto done;
	}
	w.fd = -1;
	if (rename(tmp, dst_path) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot rename '%s' to '%s'", tmp, dst_path);
		goto done;
	}
	free(tmp);
	tmp = NULL;
	remember(o, src, &st, out);
done:
	if (w.fd >= 0)
		close(w.fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	close(fd);
	return error;
}
