/* The bundle cache under cache_dir:
 *   blobs/sha256/<hex>        verified blobs and manifests, read-only, shared
 *   blobs/sha256/<hex>.partial a download in progress (resumed with Range)
 *   locks/<hex>               flock(2) held while blob <hex> is fetched
 *   refs/<registry>/<repository>/<tag>  the manifest digest a tag last named
 *   bundles/sha256/<hex>/     a manifest's files at their titles (hard links)
 * A file appears under its final name only by rename(2), after its sha256 and
 * size were checked, so readers never see a partial or unverified file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_int.h"

int jf_bundle__cache_path(char *buf, size_t size, const char *cache, const char *digest,
                          const char *suffix)
{
	int n = snprintf(buf, size, "%s/blobs/sha256/%s%s", cache, digest + 7, suffix);

	return n < 0 || (size_t)n >= size ? JF_EINVAL : 0;
}

int jf_bundle__cache_mkparent(const char *path, jf_err *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof(dir))
		return jf_err_set(err, JF_EINVAL, "path too long");
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return jf_mkdirs(dir, err);
}

/* Write @len bytes to a temp file next to @path and rename it into place. */
static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, jf_err *err)
{
	char tmp[4096];
	int fd = -1, error = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return jf_err_set(err, JF_EINVAL, "path too long: %s", path);
	if ((error = jf_bundle__cache_mkparent(path, err)) < 0)
		return error;
	if ((fd = mkstemp(tmp)) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot create a file next to %s", path);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot write %s", tmp);
			goto done;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || rename(tmp, path) < 0)
		error = jf_err_sys(err, JF_EIO, errno, "cannot store %s", path);
done:
	close(fd);
	if (error < 0)
		unlink(tmp);
	return error;
}

int jf_bundle__cache_put_mem(const char *cache, const char *digest, const void *data, size_t len,
                             jf_err *err)
{
	char path[4096], hex[JF_SHA256_HEX_LEN + 1];

	if (jf_sha256_buf(hex, data, len) < 0 || strncmp(digest, "sha256:", 7) ||
	    jf_sha256_hex_cmp(hex, digest + 7))
		return jf_err_set(err, JF_EINTEGRITY, "content does not match digest %s", digest);
	if (jf_bundle__cache_path(path, sizeof(path), cache, digest, "") < 0)
		return jf_err_set(err, JF_EINVAL, "cache path too long");
	if (access(path, F_OK) == 0)
		return 0;
	return write_atomic(path, data, len, 0444, err);
}

int jf_bundle__cache_read(jf_buf *out, const char *cache, const char *digest, size_t max,
                          jf_err *err)
{
	char path[4096], chunk[65536];
	int fd, error = 0;
	ssize_t n;

	if (jf_bundle__cache_path(path, sizeof(path), cache, digest, "") < 0)
		return jf_err_set(err, JF_EINVAL, "cache path too long");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "%s is not in the cache", digest);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t)n > max || jf_buf_put(out, chunk, (size_t)n) < 0) {
			error = jf_err_set(err, JF_EIO, "cannot read %s from the cache", digest);
			break;
		}
	}
	close(fd);
	return error;
}

static int tag_path(char *buf, size_t size, const char *cache, const jf_bundle_ref *ref)
{
	int n = snprintf(buf, size, "%s/refs/%s/%s/%s", cache, ref->registry, ref->repository,
	                 ref->tag ? ref->tag : "latest");

	return n < 0 || (size_t)n >= size ? JF_EINVAL : 0;
}

int jf_bundle__cache_tag_set(const char *cache, const jf_bundle_ref *ref, const char *digest,
                             jf_err *err)
{
	char path[4096], line[128];
	int n = snprintf(line, sizeof(line), "%s\n", digest);

	if (!ref->tag)
		return 0;
	if (tag_path(path, sizeof(path), cache, ref) < 0 || n < 0 || n >= (int)sizeof(line))
		return jf_err_set(err, JF_EINVAL, "cache path too long");
	return write_atomic(path, line, (size_t)n, 0644, err);
}

int jf_bundle__cache_tag_get(char **digest, const char *cache, const jf_bundle_ref *ref,
                             jf_err *err)
{
	char path[4096], line[128] = {0};
	FILE *f;
	size_t n;

	*digest = NULL;
	if (tag_path(path, sizeof(path), cache, ref) < 0)
		return jf_err_set(err, JF_EINVAL, "cache path too long");
	if (!(f = fopen(path, "re")))
		return jf_err_set(err, JF_ENOTFOUND, "%s/%s:%s was never pulled into %s",
		                  ref->registry, ref->repository, ref->tag, cache);
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (n < 71 || strncmp(line, "sha256:", 7) || !jf_sha256_hex_valid(line + 7))
		return jf_err_set(err, JF_EINVAL, "%s is damaged; pull again online", path);
	if (!(*digest = strdup(line)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

int jf_bundle__copy_file(const char *from, const char *to, jf_err *err)
{
	int in = -1, out = -1, error = 0;
	char buf[65536];

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot open %s", from);
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot create %s", to);
		goto done;
	}
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n == 0)
			break;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot copy to %s", to);
			goto done;
		}
		while ((n = read(in, buf, sizeof(buf))) > 0)
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(out, buf + off, (size_t)(n - off));

				if (w < 0) {
					error =
					    jf_err_sys(err, JF_EIO, errno, "cannot write %s", to);
					goto done;
				}
				off += w;
			}
		if (n < 0)
			error = jf_err_sys(err, JF_EIO, errno, "cannot read %s", from);
		break;
	}
done:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && !error)
		error = jf_err_sys(err, JF_EIO, errno, "cannot write %s", to);
	return error;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int jf_bundle__cache_view(char **dir, const char *cache, const jf_bundle_info *info, jf_err *err)
{
	char view[4096], tmp[4096], blob[4096], dst[4096];
	int error = 0;

	*dir = NULL;
	if (snprintf(view, sizeof(view), "%s/bundles/sha256/%s", cache,
	             info->manifest_digest + 7) >= (int)sizeof(view) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", view) >= (int)sizeof(tmp))
		return jf_err_set(err, JF_EINVAL, "cache path too long: %s", cache);
	if (access(view, F_OK) == 0)
		goto found;
	if ((error = jf_bundle__cache_mkparent(view, err)) < 0)
		return error;
	if (!mkdtemp(tmp))
		return jf_err_sys(err, JF_EIO, errno, "cannot create a directory in %s", cache);
	for (size_t i = 0; i < info->nlayers; i++) {
		const jf_bundle_layer *l = &info->layers[i];

		if (jf_bundle__cache_path(blob, sizeof(blob), cache, l->digest, "") < 0 ||
		    snprintf(dst, sizeof(dst), "%s/%s", tmp, l->title) >= (int)sizeof(dst)) {
			error = jf_err_set(err, JF_EINVAL, "path too long: %s", l->title);
			goto fail;
		}
		if ((error = jf_bundle__cache_mkparent(dst, err)) < 0)
			goto fail;
		/* The same blob may sit at two titles: link both. */
		if (link(blob, dst) < 0 && (error = jf_bundle__copy_file(blob, dst, err)) < 0)
			goto fail;
	}
	if (rename(tmp, view) < 0) {
		if (errno != ENOTEMPTY && errno != EEXIST) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot create %s", view);
			goto fail;
		}
		rm_rf(tmp); /* another pull made the same view first: use that */
	}
found:
	if (!(*dir = strdup(view)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
fail:
	rm_rf(tmp);
	return error;
}
