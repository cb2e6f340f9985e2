/* Fetching one blob into the cache: under the blob's flock, resumed from its
 * .partial file with Range, hashed as it is written, renamed into place only
 * when size and sha256 match the descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_int.h"

/* Hash the @have bytes already in @fd (a partial download). */
static int hash_existing(jf_sha256 *h, int fd, uint64_t have, jf_err *err)
{
	char buf[1 << 16];
	uint64_t off = 0;

	while (off < have) {
		size_t want = have - off < sizeof(buf) ? (size_t)(have - off) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return jf_err_sys(err, JF_EIO, n < 0 ? errno : EIO,
			                  "cannot read a partial "
			                  "download");
		if (jf_sha256_update(h, buf, (size_t)n) < 0)
			return jf_err_set(err, JF_ENOMEM, "sha256 failed");
		off += (uint64_t)n;
	}
	return 0;
}

/* Copy from an OCI layout's blob file, continuing at @req->base. */
static int from_layout(jf_bundle_client *c, const char *layout, const jf_bundle_layer *l,
                       jf_http_req *req, jf_err *err)
{
	char path[4096], buf[1 << 16];
	int in;
	ssize_t n;
	int error = 0;

	if (snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, l->digest + 7) >=
	    (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "path too long: %s", layout);
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jf_err_sys(err, JF_ENOTFOUND, errno, "OCI layout %s lacks blob %s", layout,
		                  l->digest);
	if (lseek(in, (off_t)req->base, SEEK_SET) < 0)
		error = jf_err_sys(err, JF_EIO, errno, "cannot read %s", path);
	while (!error && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || req->base + *req->written + (uint64_t)n > l->size) {
			error = n < 0 ? jf_err_sys(err, JF_EIO, errno, "cannot read %s", path)
			              : jf_err_set(err, JF_EINTEGRITY,
			                           "%s is larger than the %llu "
			                           "bytes its descriptor says",
			                           path, (unsigned long long)l->size);
			break;
		}
		if (write(req->out_fd, buf, (size_t)n) != n) {
			error = jf_err_sys(err, JF_EIO, errno, "cannot write the cache");
			break;
		}
		jf_sha256_update(req->hash, buf, (size_t)n);
		*req->written += (uint64_t)n;
		jf_bundle__progress(c, l->title, req->base + *req->written, l->size);
	}
	close(in);
	return error;
}

static int download(jf_bundle_client *c, const jf_bundle_ref *ref, const jf_bundle_layer *l,
                    jf_http_req *req, jf_err *err)
{
	char url[2048];
	jf_http_resp resp = {0};
	int error;

	if (jf_bundle__url(url, sizeof(url), c, ref, "blobs", l->digest) < 0)
		return jf_err_set(err, JF_EINVAL, "reference too long");
	req->method = "GET";
	req->url = url;
	req->range_from = req->base;
	if (req->base)
		jf_info(c->log, "bundle", "resuming %s at %llu of %llu bytes", l->title,
		        (unsigned long long)req->base, (unsigned long long)l->size);
	error = jf_bundle__request(c, ref, "pull", req, &resp, err);
	if (!error && resp.status == 416) {
		/* our partial file is no prefix the server knows: start over */
		if (ftruncate(req->out_fd, 0) < 0 || lseek(req->out_fd, 0, SEEK_SET) < 0)
			error =
			    jf_err_sys(err, JF_EIO, errno, "cannot truncate a partial download");
		jf_sha256_dispose(req->hash);
		if (!error && jf_sha256_init(req->hash) < 0)
			error = jf_err_set(err, JF_ENOMEM, "sha256 failed");
		req->base = req->range_from = 0;
		if (!error)
			error = jf_bundle__request(c, ref, "pull", req, &resp, err);
	}
	if (!error && (resp.status < 200 || resp.status >= 300))
		error = jf_bundle__http_fail(err, ref, l->title, &resp);
	jf_bundle__resp_dispose(&resp);
	return error;
}

static int verify(jf_sha256 *h, const jf_bundle_layer *l, uint64_t got, const char *from,
                  jf_err *err)
{
	char hex[JF_SHA256_HEX_LEN + 1];

	if (jf_sha256_final(h, NULL, hex) < 0)
		return jf_err_set(err, JF_ENOMEM, "sha256 failed");
	if (got != l->size)
		return jf_err_set(err, JF_EINTEGRITY,
		                  "%s from %s: got %llu bytes, the manifest "
		                  "says %llu; nothing was cached",
		                  l->title, from, (unsigned long long)got,
		                  (unsigned long long)l->size);
	if (jf_sha256_hex_cmp(hex, l->digest + 7))
		return jf_err_set(err, JF_EINTEGRITY,
		                  "%s from %s is corrupt: sha256 %.12s..., the "
		                  "manifest says %.19s...; nothing was cached",
		                  l->title, from, hex, l->digest);
	return 0;
}

int jf_bundle__cache_fetch(jf_bundle_client *c, const jf_bundle_ref *ref, const char *layout,
                           const jf_bundle_layer *l, bool *downloaded, jf_err *err)
{
	const char *cache = c->opts.cache_dir;
	char blob[4096], part[4096], lock[4096], dir[4096], ldir[4096];
	int lfd = -1, fd = -1, error = 0;
	jf_sha256 h = {0};
	uint64_t written = 0;
	jf_http_req req = JF_HTTP_REQ_INIT;
	struct stat st;

	*downloaded = false;
	if (jf_bundle__cache_path(blob, sizeof(blob), cache, l->digest, "") < 0 ||
	    jf_bundle__cache_path(part, sizeof(part), cache, l->digest, ".partial") < 0 ||
	    snprintf(lock, sizeof(lock), "%s/locks/%s", cache, l->digest + 7) >=
	        (int)sizeof(lock) ||
	    snprintf(ldir, sizeof(ldir), "%s/locks", cache) >= (int)sizeof(ldir) ||
	    snprintf(dir, sizeof(dir), "%s/blobs/sha256", cache) >= (int)sizeof(dir))
		return jf_err_set(err, JF_EINVAL, "cache path too long: %s", cache);
	if (access(blob, F_OK) == 0)
		return 0;
	if (c->opts.offline)
		return jf_err_set(err, JF_ENOTFOUND,
		                  "%s (%s) is not in the cache %s and --offline "
		                  "forbids downloading it",
		                  l->title, l->digest, cache);
	if ((error = jf_mkdirs(dir, err)) < 0 || (error = jf_mkdirs(ldir, err)) < 0)
		return error;
	if ((lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || flock(lfd, LOCK_EX) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot lock %s", lock);
		goto done;
	}
	if (access(blob, F_OK) == 0)
		goto done; /* another process fetched it while we waited */
	if ((fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || fstat(fd, &st) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot create %s", part);
		goto done;
	}
	if ((uint64_t)st.st_size > l->size && ftruncate(fd, 0) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot truncate %s", part);
		goto done;
	}
	req.base = (uint64_t)st.st_size > l->size ? 0 : (uint64_t)st.st_size;
	if (jf_sha256_init(&h) < 0) {
		error = jf_err_set(err, JF_ENOMEM, "sha256 failed");
		goto done;
	}
	if ((error = hash_existing(&h, fd, req.base, err)) < 0 ||
	    lseek(fd, (off_t)req.base, SEEK_SET) < 0)
		goto done;
	req.out_fd = fd;
	req.hash = &h;
	req.written = &written;
	req.what = l->title;
	req.total = l->size;
	*downloaded = true;
	if (req.base < l->size)
		error =
		    layout ? from_layout(c, layout, l, &req, err) : download(c, ref, l, &req, err);
	if (error < 0) {
		if (error == JF_EINTEGRITY)
			unlink(part);
		goto done;
	}
	error = verify(&h, l, req.base + written, layout ? layout : ref->registry, err);
	h.md = NULL; /* jf_sha256_final freed it */
	if (error < 0) {
		unlink(part); /* a corrupt prefix must not be resumed */
		goto done;
	}
	if (fchmod(fd, 0444) < 0 || rename(part, blob) < 0)
		error = jf_err_sys(err, JF_EIO, errno, "cannot store %s", blob);
done:
	jf_sha256_dispose(&h);
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd); /* releases the flock */
	return error;
}
