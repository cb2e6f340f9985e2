/* Staging: make an image file servable from the HTTP root without copying
 * it when a hard link will do; temp files and whole writes for the module. */
#define _GNU_SOURCE /* copy_file_range, mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_int.h"

#define NAME_MAX_KEEP 160 /* of the original base name, from its end */
#define COPY_CHUNK    (1u << 20)

int jf_image__write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int jf_image__tmpfile(char **tmp, const char *path, jf_err *err)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dlen;
	size_t size = strlen(path) + 16;
	int fd;

	*tmp = malloc(size);
	if (!*tmp)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	if (snprintf(*tmp, size, "%.*s.%s.tmp-XXXXXX", (int)dlen, path, base) >= (int)size) {
		free(*tmp);
		*tmp = NULL;
		return jf_err_set(err, JF_EINVAL, "path too long: '%s'", path);
	}
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) < 0) {
		int e = errno;

		free(*tmp);
		*tmp = NULL;
		return jf_err_sys(err, e == ENOENT ? JF_ENOTFOUND : JF_EIO, e,
		                  "cannot create a temp file beside '%s'", path);
	}
	return fd;
}

/* A name the HTTP server can serve as is: a random prefix (unique) and the
 * base name with anything unusual replaced, so the extension survives. */
static int served_name(char *buf, size_t size, const char *path)
{
	const char *base = strrchr(path, '/');
	unsigned char rnd[4];
	size_t len, i;
	int n;

	base = base ? base + 1 : path;
	if (!*base)
		base = "image";
	len = strlen(base);
	if (len > NAME_MAX_KEEP)
		base += len - NAME_MAX_KEEP;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return JF_EIO;
	n = snprintf(buf, size, "%02x%02x%02x%02x-%s", rnd[0], rnd[1], rnd[2], rnd[3], base);
	if (n < 0 || (size_t)n >= size)
		return JF_EINVAL;
	for (i = 9; buf[i]; i++) {
		char c = buf[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == '+'))
			buf[i] = '_';
	}
	return 0;
}

static bool name_safe(const char *name)
{
	return name && *name && name[0] != '.' && !strchr(name, '/') && strlen(name) < 256;
}

static int copy_fd(int in, int out)
{
	char *buf = NULL;
	ssize_t n;
	int e = 0;

	/* In-kernel first (reflinks on filesystems that can); a plain loop
	 * where it is refused (across filesystems on older kernels). */
	while ((n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0)) > 0)
		;
	if (n == 0)
		return 0;
	if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
		return errno;
	if (!(buf = malloc(COPY_CHUNK)))
		return ENOMEM;
	while ((n = read(in, buf, COPY_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (e = -jf_image__write_all(out, buf, (size_t)n)) != 0) {
			e = n < 0 ? errno : e;
			break;
		}
	}
	free(buf);
	return e;
}

/* Copy @path to a temp file in @http_root; *tmp is its name. */
static int copy_in(char **tmp, const char *path, const char *dst, jf_err *err)
{
	int in, out, e;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot open image '%s'", path);
	if ((out = jf_image__tmpfile(tmp, dst, err)) < 0) {
		close(in);
		return out;
	}
	(void)posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	e = copy_fd(in, out);
	close(in);
	if (close(out) < 0 && !e)
		e = errno;
	if (e) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return jf_err_sys(err, JF_EIO, e, "cannot copy image '%s' to '%s'", path, dst);
	}
	return 0;
}

int jf_image_place(const char *path, const char *dst, jf_err *err)
{
	char *tmp = NULL;
	int fd, error = 0;

	if ((fd = jf_image__tmpfile(&tmp, dst, err)) < 0)
		return fd;
	close(fd);
	/* the temp name is ours: a link takes the place of the empty file */
	unlink(tmp);
	if (linkat(AT_FDCWD, path, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0) {
		free(tmp);
		tmp = NULL;
		if ((error = copy_in(&tmp, path, dst, err)) < 0)
			return error;
	}
	if (rename(tmp, dst) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot rename into '%s'", dst);
		unlink(tmp);
	}
	free(tmp);
	return error;
}

/* Put @path (or the temp copy @tmp) at @dst without replacing anything:
 * 0, 1 when @dst exists (pick another name), or an error. Falls back to a
 * copy when a link is refused. */
static int place(char **tmp, const char *path, const char *dst, jf_err *err)
{
	const char *from = *tmp ? *tmp : path;
	int flags = *tmp ? 0 : AT_SYMLINK_FOLLOW, error;

	if (linkat(AT_FDCWD, from, AT_FDCWD, dst, flags) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (*tmp || (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != EOPNOTSUPP))
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot stage '%s' as '%s'", path, dst);
	if ((error = copy_in(tmp, path, dst, err)) < 0)
		return error;
	return place(tmp, path, dst, err);
}

int jf_image_stage(char **served, const char *path, const char *http_root, jf_err *err)
{
	char name[256], dst[4096];
	char *tmp = NULL;
	struct stat st;
	int error = 0, n;

	*served = NULL;
	if (stat(path, &st) < 0)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot stage image '%s'", path);
	if (!S_ISREG(st.st_mode))
		return jf_err_set(err, JF_EINVAL, "cannot stage '%s': not a regular file", path);
	if (stat(http_root, &st) < 0 || !S_ISDIR(st.st_mode))
		return jf_err_set(err, JF_ENOTFOUND, "HTTP root '%s' is not a directory",
		                  http_root);
	for (int tries = 0; tries < 16; tries++) {
		if (served_name(name, sizeof(name), path) < 0 ||
		    (n = snprintf(dst, sizeof(dst), "%s/%s", http_root, name)) < 0 ||
		    (size_t)n >= sizeof(dst)) {
			error =
			    jf_err_set(err, JF_EINVAL, "cannot name a staged copy of '%s'", path);
			goto done;
		}
		if ((error = place(&tmp, path, dst, err)) <= 0)
			goto done;
	}
	error = jf_err_set(err, JF_EEXISTS, "no free name in '%s' to stage '%s'", http_root, path);
done:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (!error && !(*served = strdup(name))) {
		unlink(dst);
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	return error;
}

int jf_image_unstage(const char *served_name, const char *http_root, jf_err *err)
{
	char path[4096];
	int n;

	if (!name_safe(served_name))
		return jf_err_set(err, JF_EINVAL,
		                  "refusing to remove '%s' from '%s': not a staged "
		                  "name",
		                  served_name ? served_name : "(null)", http_root);
	n = snprintf(path, sizeof(path), "%s/%s", http_root, served_name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return jf_err_set(err, JF_EINVAL, "path too long in '%s'", http_root);
	if (unlink(path) < 0 && errno != ENOENT)
		return jf_err_sys(err, JF_EIO, errno, "cannot remove staged image '%s'", path);
	return 0;
}
