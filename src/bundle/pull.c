/* Pull: resolve a source (reference, bundle directory, OCI layout) to a
 * verified manifest, fetch its blobs into the cache, expose the files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_int.h"

#define ACCEPT JF_OCI_MANIFEST ", " JF_OCI_INDEX ", " JF_DOCKER_MANIFEST ", " JF_DOCKER_LIST

static int check_digest(const char *want, const jf_buf *body, const char *what, jf_err *err)
{
	char hex[JF_SHA256_HEX_LEN + 1];

	if (jf_sha256_buf(hex, body->ptr ? body->ptr : "", body->len) < 0)
		return jf_err_set(err, JF_ENOMEM, "sha256 failed");
	if (strncmp(want, "sha256:", 7) || jf_sha256_hex_cmp(hex, want + 7))
		return jf_err_set(err, JF_EINTEGRITY,
		                  "%s does not match its digest %.19s... (got "
		                  "sha256:%.12s...); refusing it",
		                  what, want, hex);
	return 0;
}

/* GET a manifest by tag or digest; verified against the digest asked for,
 * else against Docker-Content-Digest when the registry sends one. */
static int get_manifest(jf_bundle_client *c, const jf_bundle_ref *ref, const char *what,
                        jf_buf *body, char **digest, jf_err *err)
{
	char url[2048], hex[JF_SHA256_HEX_LEN + 1], name[600];
	jf_http_req req = JF_HTTP_REQ_INIT;
	jf_http_resp resp = {0};
	int error;

	*digest = NULL;
	jf_buf_clear(body);
	snprintf(name, sizeof(name), "manifest %s/%s %s", ref->registry, ref->repository, what);
	if (jf_bundle__url(url, sizeof(url), c, ref, "manifests", what) < 0)
		return jf_err_set(err, JF_EINVAL, "reference too long");
	req.method = "GET";
	req.url = url;
	req.accept = ACCEPT;
	req.out = body;
	req.out_max = JF_BUNDLE_MANIFEST_MAX;
	if ((error = jf_bundle__request(c, ref, "pull", &req, &resp, err)) < 0)
		goto done;
	if (resp.status != 200) {
		error = jf_bundle__http_fail(err, ref, "manifest", &resp);
		goto done;
	}
	if (!strncmp(what, "sha256:", 7))
		error = check_digest(what, body, name, err);
	else if (resp.content_digest && !strncmp(resp.content_digest, "sha256:", 7))
		error = check_digest(resp.content_digest, body, name, err);
	if (error < 0)
		goto done;
	if (jf_sha256_buf(hex, body->ptr ? body->ptr : "", body->len) < 0 ||
	    !(*digest = malloc(72))) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(*digest, 72, "sha256:%s", hex);
done:
	jf_bundle__resp_dispose(&resp);
	return error;
}

static int resolve_online(jf_bundle_client *c, const jf_bundle_ref *ref, jf_buf *body,
                          char **digest, jf_err *err)
{
	char *child = NULL;
	int error;

	error = get_manifest(c, ref, ref->digest ? ref->digest : ref->tag, body, digest, err);
	if (error < 0 || !jf_bundle__is_index(body->ptr, body->len))
		return error;
	error = jf_bundle__index_pick(&child, body->ptr, body->len, ref->repository, err);
	free(*digest);
	*digest = NULL;
	if (!error)
		error = get_manifest(c, ref, child, body, digest, err);
	free(child);
	return error;
}

static int resolve_cached(jf_bundle_client *c, const jf_bundle_ref *ref, jf_buf *body,
                          char **digest, jf_err *err)
{
	int error;

	if (ref->digest)
		*digest = strdup(ref->digest);
	else if ((error = jf_bundle__cache_tag_get(digest, c->opts.cache_dir, ref, err)) < 0)
		return error;
	if (!*digest)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	jf_buf_clear(body);
	if ((error = jf_bundle__cache_read(body, c->opts.cache_dir, *digest, JF_BUNDLE_MANIFEST_MAX,
	                                   err)) < 0)
		return error;
	return check_digest(*digest, body, "the cached manifest", err);
}

/* Fill @out's manifest fields for registry reference @text. */
static int resolve_ref(jf_bundle_info *out, jf_bundle_client *c, const char *text, jf_err *err)
{
	jf_bundle_ref ref;
	jf_buf body = JF_BUF_INIT;
	jf_err cerr = JF_ERR_INIT; /* the cache's answer must not hide the network's */
	char name[1200];
	int error;

	if ((error = jf_bundle_ref_parse(&ref, text, err)) < 0)
		return error;
	jf_bundle_ref_format(name, sizeof(name), &ref);
	if (c->opts.offline) {
		error = resolve_cached(c, &ref, &body, &out->manifest_digest, err);
	} else {
		error = resolve_online(c, &ref, &body, &out->manifest_digest, err);
		if ((error == JF_EUNREACHABLE || error == JF_ETIMEOUT) && c->opts.cache_dir &&
		    resolve_cached(c, &ref, &body, &out->manifest_digest, &cerr) == 0) {
			jf_warn(c->log, "bundle", "%s is unreachable; using the cached %s",
			        ref.registry, out->manifest_digest);
			error = 0;
		}
	}
	if (error < 0)
		goto done;
	out->manifest_size = body.len;
	if ((error = jf_bundle__parse_manifest(out, body.ptr, body.len, name, err)) < 0)
		goto done;
	if (c->opts.cache_dir && !c->opts.offline &&
	    ((error = jf_bundle__cache_put_mem(c->opts.cache_dir, out->manifest_digest, body.ptr,
	                                       body.len, err)) < 0 ||
	     (error = jf_bundle__cache_tag_set(c->opts.cache_dir, &ref, out->manifest_digest,
	                                       err)) < 0))
		goto done;
done:
	jf_buf_free(&body);
	jf_bundle_ref_dispose(&ref);
	return error;
}

static int read_small(jf_buf *out, const char *path, jf_err *err)
{
	FILE *f = fopen(path, "re");
	char chunk[65536];
	size_t n;

	if (!f)
		return jf_err_sys(err, JF_ENOTFOUND, errno, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (out->len + n > JF_BUNDLE_MANIFEST_MAX || jf_buf_put(out, chunk, n) < 0) {
			fclose(f);
			return jf_err_set(err, JF_EINVAL, "%s is too large", path);
		}
	fclose(f);
	return 0;
}

/* Read blob @digest of OCI layout @dir, verified. */
static int layout_blob(jf_buf *out, const char *dir, const char *digest, jf_err *err)
{
	char path[4096];

	jf_buf_clear(out);
	if (strncmp(digest, "sha256:", 7) || snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir,
	                                              digest + 7) >= (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "bad digest in %s", dir);
	if (read_small(out, path, err) < 0)
		return err->code;
	return check_digest(digest, out, path, err);
}

static int resolve_layout(jf_bundle_info *out, const char *dir, jf_err *err)
{
	char path[4096];
	jf_buf body = JF_BUF_INIT;
	char *child = NULL;
	int error;

	if (snprintf(path, sizeof(path), "%s/index.json", dir) >= (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "path too long: %s", dir);
	if ((error = read_small(&body, path, err)) < 0)
		goto done;
	for (int depth = 0; depth < 2 && jf_bundle__is_index(body.ptr, body.len); depth++) {
		free(child);
		child = NULL;
		if ((error = jf_bundle__index_pick(&child, body.ptr, body.len, path, err)) < 0 ||
		    (error = layout_blob(&body, dir, child, err)) < 0)
			goto done;
	}
	if (!child) {
		error = jf_err_set(err, JF_EPROTO, "%s does not point to a manifest", path);
		goto done;
	}
	out->manifest_digest = child;
	child = NULL;
	out->manifest_size = body.len;
	error = jf_bundle__parse_manifest(out, body.ptr, body.len, dir, err);
done:
	free(child);
	jf_buf_free(&body);
	return error;
}

typedef enum { SRC_REF, SRC_DIR, SRC_LAYOUT } src_kind;

static src_kind classify(const char *source)
{
	char path[4096];
	struct stat st;

	if (stat(source, &st) < 0 || !S_ISDIR(st.st_mode))
		return SRC_REF;
	if (snprintf(path, sizeof(path), "%s/oci-layout", source) < (int)sizeof(path) &&
	    access(path, F_OK) == 0)
		return SRC_LAYOUT;
	return SRC_DIR;
}

static int resolve(jf_bundle_info *out, jf_bundle_client *c, const char *source, src_kind k,
                   jf_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!(out->source = strdup(source)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	if (k == SRC_LAYOUT)
		return resolve_layout(out, source, err);
	if (k == SRC_DIR) {
		char path[4096];

		if (snprintf(path, sizeof(path), "%s/manifest.yaml", source) >= (int)sizeof(path) ||
		    access(path, F_OK) < 0)
			return jf_err_set(err, JF_ENOTFOUND,
			                  "%s is neither a bundle directory "
			                  "(manifest.yaml) nor an OCI layout "
			                  "(oci-layout)",
			                  source);
		if (!(out->dir = realpath(source, NULL)))
			return jf_err_sys(err, JF_EIO, errno, "cannot resolve %s", source);
		return 0;
	}
	return resolve_ref(out, c, source, err);
}

/* Copy the view's files into @dest (absent or empty). */
static int copy_out(const jf_bundle_info *info, const char *dest, jf_err *err)
{
	char from[4096], to[4096];
	int error;

	if (rmdir(dest) < 0 && errno != ENOENT)
		return jf_err_sys(err, JF_EEXISTS, errno, "%s must be absent or an empty directory",
		                  dest);
	if ((error = jf_mkdirs(dest, err)) < 0)
		return error;
	for (size_t i = 0; i < info->nlayers; i++) {
		const char *t = info->layers[i].title;

		if (snprintf(from, sizeof(from), "%s/%s", info->dir, t) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", dest, t) >= (int)sizeof(to))
			return jf_err_set(err, JF_EINVAL, "path too long: %s", t);
		if ((error = jf_bundle__cache_mkparent(to, err)) < 0 ||
		    (error = jf_bundle__copy_file(from, to, err)) < 0)
			return error;
	}
	return 0;
}

static int fetch_all(jf_bundle_info *out, jf_bundle_client *c, const char *source, src_kind k,
                     jf_err *err)
{
	jf_bundle_ref ref = {0};
	bool any = false;
	int error = 0;

	if (k == SRC_REF && (error = jf_bundle_ref_parse(&ref, source, err)) < 0)
		return error;
	for (size_t i = 0; i < out->nlayers; i++) {
		bool got;

		error = jf_bundle__cache_fetch(c, &ref, k == SRC_LAYOUT ? source : NULL,
		                               &out->layers[i], &got, err);
		if (error < 0)
			break;
		any |= got;
	}
	out->from_cache = !any;
	jf_bundle_ref_dispose(&ref);
	return error;
}

int jf_bundle_pull(jf_bundle_info *out, jf_bundle_client *c, const char *source, const char *dest,
                   jf_err *err)
{
	src_kind k = classify(source);
	int error;

	if ((error = resolve(out, c, source, k, err)) < 0)
		goto done;
	if (k == SRC_DIR) {
		if (dest)
			error = jf_err_set(err, JF_EINVAL,
			                   "%s is already a bundle directory; copy it "
			                   "instead of pulling it",
			                   source);
		goto done;
	}
	if (!c->opts.cache_dir) {
		error = jf_err_set(err, JF_EINVAL, "no cache directory configured");
		goto done;
	}
	if ((error = fetch_all(out, c, source, k, err)) < 0 ||
	    (error = jf_bundle__cache_view(&out->dir, c->opts.cache_dir, out, err)) < 0)
		goto done;
	if (dest && (error = copy_out(out, dest, err)) == 0) {
		free(out->dir);
		if (!(out->dir = realpath(dest, NULL)))
			error = jf_err_sys(err, JF_EIO, errno, "cannot resolve %s", dest);
	}
done:
	if (error < 0)
		jf_bundle_info_dispose(out);
	return error;
}
