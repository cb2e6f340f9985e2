/* Push a bundle directory as the artifact `oras push REF --artifact-type
 * application/vnd.oci.bundle.v1 manifest.yaml:application/yaml
 * data/...:application/octet-stream` makes: one layer per file with an
 * org.opencontainers.image.title annotation, the empty config `{}`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle_int.h"
#include "jmpflash/manifest.h"

#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

typedef struct file_list {
	jf_bundle_layer *v;
	size_t n, cap;
} file_list;

static int add_file(file_list *fl, const char *dir, const char *title, const char *mt, jf_err *err)
{
	char path[4096], hex[JF_SHA256_HEX_LEN + 1];
	struct stat st;
	jf_bundle_layer *l;
	int error;

	if (!jf_bundle_path_ok(title))
		return jf_err_set(err, JF_EINVAL, "%s/%s: unusable path in a bundle", dir, title);
	if (snprintf(path, sizeof(path), "%s/%s", dir, title) >= (int)sizeof(path))
		return jf_err_set(err, JF_EINVAL, "path too long: %s", title);
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 16;
		jf_bundle_layer *v = realloc(fl->v, cap * sizeof(*v));

		if (!v)
			return jf_err_set(err, JF_ENOMEM, "out of memory");
		fl->v = v;
		fl->cap = cap;
	}
	if (stat(path, &st) < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot read %s", path);
	if ((error = jf_sha256_file(hex, path, err)) < 0)
		return error;
	l = &fl->v[fl->n++];
	memset(l, 0, sizeof(*l));
	l->size = (uint64_t)st.st_size;
	l->title = strdup(title);
	l->media_type = strdup(mt);
	l->digest = malloc(72);
	if (!l->title || !l->media_type || !l->digest)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	snprintf(l->digest, 72, "sha256:%s", hex);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files under @dir/@rel ("" = top), sorted, recursively when
 * @deep; top-level only *.yaml / *.yml without dotfiles. */
static int walk(file_list *fl, const char *dir, const char *rel, bool deep, jf_err *err)
{
	char path[4096], sub[4096];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int error = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path) ||
	    !(d = opendir(path)))
		return jf_err_sys(err, JF_EIO, errno, "cannot read directory %s", path);
	while ((e = readdir(d))) {
		/* as Jumpstarter's push script: `*.yaml` (no dotfiles) and
		 * `find ./data -type f -not -name .gitkeep` */
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (!deep && e->d_name[0] == '.') || (deep && !strcmp(e->d_name, ".gitkeep")))
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!v) {
				error = jf_err_set(err, JF_ENOMEM, "out of memory");
				goto done;
			}
			names = v;
		}
		if (!(names[n++] = strdup(e->d_name))) {
			error = jf_err_set(err, JF_ENOMEM, "out of memory");
			goto done;
		}
	}
	qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && !error; i++) {
		struct stat st;
		size_t len = strlen(names[i]);
		bool yaml = (len > 5 && !strcmp(names[i] + len - 5, ".yaml")) ||
		            (len > 4 && !strcmp(names[i] + len - 4, ".yml"));

		if (snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]) >=
		        (int)sizeof(sub) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, sub) >= (int)sizeof(path) ||
		    stat(path, &st) < 0)
			error = jf_err_set(err, JF_EIO, "cannot read %s/%s", dir, sub);
		else if (S_ISDIR(st.st_mode) && deep)
			error = walk(fl, dir, sub, true, err);
		else if (S_ISREG(st.st_mode) && (deep || yaml))
			error = add_file(
			    fl, dir, sub,
			    yaml && !deep ? "application/yaml" : "application/octet-stream", err);
	}
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return error;
}

/* Upload one blob unless the registry has it. */
static int put_blob(jf_bundle_client *c, const jf_bundle_ref *ref, const char *digest,
                    const void *mem, size_t len, int fd, uint64_t size, const char *what,
                    jf_err *err)
{
	char url[2048];
	jf_http_req req = JF_HTTP_REQ_INIT;
	jf_http_resp resp = {0};
	jf_buf put = JF_BUF_INIT;
	char *loc = NULL;
	int error;

	if (jf_bundle__url(url, sizeof(url), c, ref, "blobs", digest) < 0)
		return jf_err_set(err, JF_EINVAL, "reference too long");
	req.method = "HEAD";
	req.url = url;
	if ((error = jf_bundle__request(c, ref, "pull,push", &req, &resp, err)) < 0)
		goto done;
	if (resp.status == 200) {
		jf_debug(c->log, "bundle", "%s: already in %s", what, ref->registry);
		jf_bundle__progress(c, what, size, size);
		goto done;
	}
	jf_bundle__url(url, sizeof(url), c, ref, "blobs/uploads/", NULL);
	req = (jf_http_req)JF_HTTP_REQ_INIT;
	req.method = "POST";
	req.url = url;
	if ((error = jf_bundle__request(c, ref, "pull,push", &req, &resp, err)) < 0)
		goto done;
	if (resp.status != 202 || !resp.location) {
		error = jf_bundle__http_fail(err, ref, "starting an upload", &resp);
		goto done;
	}
	loc = strdup(resp.location);
	if (!loc ||
	    jf_buf_printf(&put, "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest) < 0) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	if (put.ptr[0] == '/') { /* a relative Location */
		jf_buf abs = JF_BUF_INIT;
		size_t host_end = strstr(url, "://") - url + 3;

		host_end += strcspn(url + host_end, "/");
		if (jf_buf_put(&abs, url, host_end) < 0 || jf_buf_puts(&abs, put.ptr) < 0) {
			jf_buf_free(&abs);
			error = jf_err_set(err, JF_ENOMEM, "out of memory");
			goto done;
		}
		jf_buf_free(&put);
		put = abs;
	}
	req = (jf_http_req)JF_HTTP_REQ_INIT;
	req.method = "PUT";
	req.url = put.ptr;
	req.content_type = "application/octet-stream";
	req.body = mem;
	req.body_len = len;
	req.body_fd = fd;
	req.body_size = size;
	req.what = what;
	req.total = size;
	if ((error = jf_bundle__request(c, ref, "pull,push", &req, &resp, err)) < 0)
		goto done;
	if (resp.status != 201)
		error = jf_bundle__http_fail(err, ref, what, &resp);
done:
	free(loc);
	jf_buf_free(&put);
	jf_bundle__resp_dispose(&resp);
	return error;
}

static char *build_manifest(const file_list *fl)
{
	json_t *root = json_object(), *cfg = json_object(), *layers = json_array(),
	       *ann = json_object();
	char created[32];
	time_t now = time(NULL);
	struct tm tm;
	char *out = NULL;

	if (!root || !cfg || !layers || !ann)
		goto done;
	json_object_set_new(root, "schemaVersion", json_integer(2));
	json_object_set_new(root, "mediaType", json_string(JF_OCI_MANIFEST));
	json_object_set_new(root, "artifactType", json_string(JF_BUNDLE_ARTIFACT));
	json_object_set_new(cfg, "mediaType", json_string(JF_OCI_EMPTY));
	json_object_set_new(cfg, "digest", json_string(EMPTY_DIGEST));
	json_object_set_new(cfg, "size", json_integer(2));
	json_object_set_new(cfg, "data", json_string("e30="));
	json_object_set(root, "config", cfg);
	for (size_t i = 0; i < fl->n; i++) {
		json_t *d = json_object(), *a = json_object();

		json_object_set_new(d, "mediaType", json_string(fl->v[i].media_type));
		json_object_set_new(d, "digest", json_string(fl->v[i].digest));
		json_object_set_new(d, "size", json_integer((json_int_t)fl->v[i].size));
		json_object_set_new(a, JF_OCI_TITLE, json_string(fl->v[i].title));
		json_object_set_new(d, "annotations", a);
		json_array_append_new(layers, d);
	}
	json_object_set(root, "layers", layers);
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(ann, "org.opencontainers.image.created", json_string(created));
	json_object_set(root, "annotations", ann);
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
done:
	json_decref(cfg);
	json_decref(layers);
	json_decref(ann);
	json_decref(root);
	return out;
}

static int put_manifest(jf_bundle_client *c, const jf_bundle_ref *ref, const char *json,
                        const char *digest, jf_err *err)
{
	char url[2048];
	jf_http_req req = JF_HTTP_REQ_INIT;
	jf_http_resp resp = {0};
	int error;

	if (jf_bundle__url(url, sizeof(url), c, ref, "manifests",
	                   ref->digest ? ref->digest : ref->tag) < 0)
		return jf_err_set(err, JF_EINVAL, "reference too long");
	req.method = "PUT";
	req.url = url;
	req.content_type = JF_OCI_MANIFEST;
	req.body = json;
	req.body_len = strlen(json);
	if ((error = jf_bundle__request(c, ref, "pull,push", &req, &resp, err)) < 0)
		goto done;
	if (resp.status != 201)
		error = jf_bundle__http_fail(err, ref, "manifest", &resp);
	else if (resp.content_digest && strcmp(resp.content_digest, digest))
		error = jf_err_set(err, JF_EINTEGRITY, "%s stored the manifest as %s, not %s",
		                   ref->registry, resp.content_digest, digest);
done:
	jf_bundle__resp_dispose(&resp);
	return error;
}

static int push_files(jf_bundle_client *c, const jf_bundle_ref *ref, const char *dir,
                      const file_list *fl, jf_err *err)
{
	char path[4096];
	int error = put_blob(c, ref, EMPTY_DIGEST, "{}", 2, -1, 2, NULL, err);

	for (size_t i = 0; !error && i < fl->n; i++) {
		const jf_bundle_layer *l = &fl->v[i];
		int fd;

		if (snprintf(path, sizeof(path), "%s/%s", dir, l->title) >= (int)sizeof(path))
			return jf_err_set(err, JF_EINVAL, "path too long: %s", l->title);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return jf_err_sys(err, JF_EIO, errno, "cannot open %s", path);
		error = put_blob(c, ref, l->digest, NULL, 0, fd, l->size, l->title, err);
		close(fd);
	}
	return error;
}

int jf_bundle_push(jf_bundle_info *out, jf_bundle_client *c, const char *dir, const char *text,
                   jf_err *err)
{
	file_list fl = {0};
	jf_bundle_ref ref;
	char path[4096], hex[JF_SHA256_HEX_LEN + 1], digest[72];
	char *json = NULL;
	int error;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((error = jf_bundle_ref_parse(&ref, text, err)) < 0)
		return error;
	if (snprintf(path, sizeof(path), "%s/manifest.yaml", dir) >= (int)sizeof(path) ||
	    access(path, R_OK) < 0) {
		error = jf_err_set(err, JF_ENOTFOUND,
		                   "%s has no readable manifest.yaml: not a "
		                   "bundle directory",
		                   dir);
		goto done;
	}
	if ((error = walk(&fl, dir, "", false, err)) < 0)
		goto done;
	if (snprintf(path, sizeof(path), "%s/data", dir) < (int)sizeof(path) &&
	    access(path, F_OK) == 0 && (error = walk(&fl, dir, "data", true, err)) < 0)
		goto done;
	if ((error = push_files(c, &ref, dir, &fl, err)) < 0)
		goto done;
	if (!(json = build_manifest(&fl)) || jf_sha256_buf(hex, json, strlen(json)) < 0) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	if ((error = put_manifest(c, &ref, json, digest, err)) < 0)
		goto done;
	if (out) {
		out->source = strdup(dir);
		out->manifest_digest = strdup(digest);
		out->manifest_size = strlen(json);
		out->artifact_type = strdup(JF_BUNDLE_ARTIFACT);
		out->layers = fl.v;
		out->nlayers = fl.n;
		fl.v = NULL;
		fl.n = 0;
		if (!out->source || !out->manifest_digest || !out->artifact_type)
			error = jf_err_set(err, JF_ENOMEM, "out of memory");
	}
done:
	for (size_t i = 0; i < fl.n; i++) {
		free(fl.v[i].title);
		free(fl.v[i].media_type);
		free(fl.v[i].digest);
	}
	free(fl.v);
	free(json);
	jf_bundle_ref_dispose(&ref);
	if (error < 0 && out)
		jf_bundle_info_dispose(out);
	return error;
}
