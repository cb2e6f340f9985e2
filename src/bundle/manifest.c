/* Image manifests and indexes: parse, validate layer titles, pick a child
 * of an index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bundle_int.h"
#include "jmpflash/manifest.h"

void jf_bundle_info_dispose(jf_bundle_info *i)
{
	for (size_t k = 0; k < i->nlayers; k++) {
		free(i->layers[k].title);
		free(i->layers[k].media_type);
		free(i->layers[k].digest);
	}
	free(i->layers);
	free(i->source);
	free(i->manifest_digest);
	free(i->artifact_type);
	free(i->dir);
	memset(i, 0, sizeof(*i));
}

static bool digest_ok(const char *d)
{
	return d && !strncmp(d, "sha256:", 7) && strlen(d) == 71 && jf_sha256_hex_valid(d + 7);
}

/* "data" and "data/x" cannot both be files. */
static bool titles_collide(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la == lb)
		return !strcmp(a, b);
	if (la > lb)
		return titles_collide(b, a);
	return !strncmp(a, b, la) && b[la] == '/';
}

static int add_layer(jf_bundle_info *out, json_t *d, size_t idx, const char *source, jf_err *err)
{
	const char *title =
	    json_string_value(json_object_get(json_object_get(d, "annotations"), JF_OCI_TITLE));
	const char *digest = json_string_value(json_object_get(d, "digest"));
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	json_t *size = json_object_get(d, "size");
	jf_bundle_layer *l;

	if (!title)
		return 0; /* not a file of the bundle (oras skips these too) */
	if (!jf_bundle_path_ok(title))
		return jf_err_set(err, JF_EINVAL,
		                  "%s: layer %zu has title '%.200s', which is not a "
		                  "relative path inside the bundle (absolute or "
		                  "'..'); refusing the bundle",
		                  source, idx, title);
	if (!digest_ok(digest) || !json_is_integer(size) || json_integer_value(size) < 0)
		return jf_err_set(err, JF_EINVAL, "%s: layer '%s' needs a sha256 digest and a size",
		                  source, title);
	for (size_t k = 0; k < out->nlayers; k++)
		if (titles_collide(out->layers[k].title, title))
			return jf_err_set(err, JF_EINVAL,
			                  "%s: layer titles '%s' and '%s' collide; "
			                  "refusing the bundle",
			                  source, out->layers[k].title, title);
	l = &out->layers[out->nlayers];
	l->title = strdup(title);
	l->digest = strdup(digest);
	l->media_type = strdup(mt ? mt : "application/octet-stream");
	l->size = (uint64_t)json_integer_value(size);
	out->nlayers++;
	if (!l->title || !l->digest || !l->media_type)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

int jf_bundle__parse_manifest(jf_bundle_info *out, const char *json, size_t len, const char *source,
                              jf_err *err)
{
	json_t *root = json_loadb(json, len, 0, NULL), *layers, *d;
	const char *mt, *at;
	size_t i;
	int error = 0;

	if (!root || !json_is_object(root)) {
		error = jf_err_set(err, JF_EPROTO, "%s: the manifest is not a JSON object", source);
		goto done;
	}
	mt = json_string_value(json_object_get(root, "mediaType"));
	layers = json_object_get(root, "layers");
	if (json_integer_value(json_object_get(root, "schemaVersion")) != 2 ||
	    (mt && strcmp(mt, JF_OCI_MANIFEST) && strcmp(mt, JF_DOCKER_MANIFEST)) ||
	    !json_is_array(layers)) {
		error = jf_err_set(err, JF_EPROTO,
		                   "%s: not an OCI or Docker v2 image manifest "
		                   "(mediaType %s)",
		                   source, mt ? mt : "none");
		goto done;
	}
	at = json_string_value(json_object_get(root, "artifactType"));
	if (!at)
		at = json_string_value(
		    json_object_get(json_object_get(root, "config"), "mediaType"));
	if (at && !(out->artifact_type = strdup(at))) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	if (!(out->layers = calloc(json_array_size(layers) + 1, sizeof(*out->layers)))) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(layers, i,
	                   d) if ((error = add_layer(out, d, i, source, err)) < 0) goto done;
	if (!out->nlayers)
		error = jf_err_set(err, JF_EINVAL,
		                   "%s has no layer with an %s annotation: not a "
		                   "flasher bundle",
		                   source, JF_OCI_TITLE);
done:
	json_decref(root);
	return error;
}

static const char *go_arch(void)
{
	static const struct {
		const char *uname, *go;
	} map[] = {
	    {"x86_64", "amd64"},
	    {"aarch64", "arm64"},
	    {"armv7l", "arm"},
	    {"i686", "386"},
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcmp(u.machine, map[i].uname))
				return map[i].go;
	return "amd64";
}

int jf_bundle__index_pick(char **digest, const char *json, size_t len, const char *source,
                          jf_err *err)
{
	json_t *root = json_loadb(json, len, 0, NULL), *ms, *m, *pick = NULL;
	const char *arch = go_arch(), *d;
	size_t i;
	int error = 0;

	*digest = NULL;
	ms = json_object_get(root, "manifests");
	if (!json_is_array(ms) || !json_array_size(ms)) {
		error = jf_err_set(err, JF_EPROTO, "%s: the index lists no manifests", source);
		goto done;
	}
	if (json_array_size(ms) == 1)
		pick = json_array_get(ms, 0);
	json_array_foreach(ms, i, m)
	{
		json_t *p = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *a = json_string_value(json_object_get(p, "architecture"));

		if (!pick && os && a && !strcmp(os, "linux") && !strcmp(a, arch))
			pick = m;
	}
	d = json_string_value(json_object_get(pick, "digest"));
	if (!pick)
		error = jf_err_set(err, JF_ENOTFOUND,
		                   "%s: the index has %zu manifests and none for "
		                   "linux/%s; name one by digest",
		                   source, json_array_size(ms), arch);
	else if (!digest_ok(d))
		error = jf_err_set(err, JF_EPROTO, "%s: bad digest in the index", source);
	else if (!(*digest = strdup(d)))
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
done:
	json_decref(root);
	return error;
}

bool jf_bundle__is_index(const char *json, size_t len)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	const char *mt = json_string_value(json_object_get(root, "mediaType"));
	bool yes = (mt && (!strcmp(mt, JF_OCI_INDEX) || !strcmp(mt, JF_DOCKER_LIST))) ||
	           (!mt && json_is_array(json_object_get(root, "manifests")));

	json_decref(root);
	return yes;
}
