/* jmpflash — flasher bundles: OCI distribution client, verified cache, push.
 *
 * A flasher bundle is an OCI artifact (an image manifest whose layers carry
 * an org.opencontainers.image.title annotation with a bundle-relative path),
 * a plain directory (manifest.yaml + data/), or an OCI image layout
 * directory. Every manifest and blob is hashed as it arrives and only enters
 * the cache once its digest and size match; secrets never reach a log. */
#ifndef JMPFLASH_BUNDLE_H
#define JMPFLASH_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JF_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define JF_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define JF_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define JF_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define JF_OCI_EMPTY       "application/vnd.oci.empty.v1+json"
#define JF_BUNDLE_ARTIFACT "application/vnd.oci.bundle.v1"
#define JF_OCI_TITLE       "org.opencontainers.image.title"

/* ---- references ---- */

/* "host[:port]/name[:tag|@sha256:hex]", Docker Hub short names ("alpine",
 * "user/repo"), an optional "oci://" prefix. */
typedef struct jf_bundle_ref {
	char *registry;   /* "quay.io", "127.0.0.1:5000"; Docker Hub: "registry-1.docker.io" */
	char *repository; /* "jumpstarter-dev/flasher"; Docker Hub short names get "library/" */
	char *tag;     /* "latest" when neither tag nor digest was given; NULL with a digest only */
	char *digest;  /* "sha256:<64 hex>" or NULL */
	bool loopback; /* localhost / 127.0.0.0/8 / [::1]: https, else plain http */
} jf_bundle_ref;

int jf_bundle_ref_parse(jf_bundle_ref *out, const char *text, jf_err *err);
void jf_bundle_ref_dispose(jf_bundle_ref *r);
/* "host/name:tag" or "host/name@digest" (the digest wins when both). */
int jf_bundle_ref_format(char *buf, size_t size, const jf_bundle_ref *r);

/* ---- authentication (parsers exposed for tests) ---- */

/* One WWW-Authenticate challenge: scheme "Bearer" or "Basic". */
typedef struct jf_auth_challenge {
	char *scheme;
	char *realm;
	char *service;
	char *scope;
} jf_auth_challenge;

int jf_auth_challenge_parse(jf_auth_challenge *out, const char *header, jf_err *err);
void jf_auth_challenge_dispose(jf_auth_challenge *c);

typedef struct jf_auth_cred {
	char *username;
	char *password; /* or an identity token; a secret */
	char *source;   /* where it came from, for messages ("~/.docker/config.json") */
} jf_auth_cred;

/* Find credentials for @registry/@repository in a docker config.json or a
 * containers auth.json held in @json (named @source in messages). 0 and a
 * filled @out, JF_ENOTFOUND when the file has none for the registry, or
 * JF_EINVAL for a malformed file. Secrets are registered with @log. */
int jf_auth_file_lookup(jf_auth_cred *out, const char *json, const char *source,
                        const char *registry, const char *repository, jf_log *log, jf_err *err);
void jf_auth_cred_dispose(jf_auth_cred *c);

/* ---- client ---- */

/* Progress of a transfer: @what is a layer title, @done/@total bytes. */
typedef void (*jf_bundle_progress)(void *user, const char *what, uint64_t done, uint64_t total);

typedef struct jf_bundle_opts {
	const char *cache_dir; /* required for pulls */
	const char *username;  /* NULL: environment, then auth files */
	const char *password;
	const char *auth_file; /* NULL: $REGISTRY_AUTH_FILE, containers, docker */
	const char *cacert;    /* extra CA file for https */
	bool insecure_tls;     /* don't verify TLS certificates */
	bool plain_http;       /* http:// for every registry */
	/* NULL-terminated; these and loopback registries are tried with https,
	 * then plain http when the TLS handshake fails (as docker does) */
	const char *const *insecure_registries;
	bool offline;       /* only the cache; tags resolve through the cache */
	uint64_t max_rate;  /* bytes/s per transfer, 0 = unlimited */
	unsigned timeout_s; /* connect + stall timeout, 0 = 30 s */
	jf_bundle_progress progress;
	void *progress_user;
	jf_log *log; /* may be NULL */
} jf_bundle_opts;

typedef struct jf_bundle_client jf_bundle_client;

/* The client copies nothing from @opts: keep it (and its strings) alive. */
int jf_bundle_client_new(jf_bundle_client **out, const jf_bundle_opts *opts, jf_err *err);
void jf_bundle_client_free(jf_bundle_client *c);

typedef struct jf_bundle_layer {
	char *title; /* bundle-relative path */
	char *media_type;
	char *digest; /* "sha256:..." */
	uint64_t size;
} jf_bundle_layer;

typedef struct jf_bundle_info {
	char *source;          /* the reference or directory as given */
	char *manifest_digest; /* NULL for a plain directory */
	uint64_t manifest_size;
	char *artifact_type; /* NULL when absent */
	jf_bundle_layer *layers;
	size_t nlayers;
	char *dir;       /* the bundle as files: manifest.yaml + data/ */
	bool from_cache; /* nothing was downloaded */
} jf_bundle_info;

void jf_bundle_info_dispose(jf_bundle_info *i);

/* Make @source available as files. A reference is pulled into the cache
 * (blobs verified, extracted view per manifest digest) and out->dir points
 * into the cache; with @dest the files are also copied to @dest (created,
 * must be empty or absent). A plain directory is used as is. */
int jf_bundle_pull(jf_bundle_info *out, jf_bundle_client *c, const char *source, const char *dest,
                   jf_err *err);

/* Push bundle directory @dir (top-level *.yaml as application/yaml, files
 * under data/ as application/octet-stream) to @ref as an OCI artifact with
 * artifactType application/vnd.oci.bundle.v1 and the empty config, as
 * `oras push` does. out (may be NULL) gets the manifest digest and layers. */
int jf_bundle_push(jf_bundle_info *out, jf_bundle_client *c, const char *dir, const char *ref,
                   jf_err *err);

#ifdef __cplusplus
}
#endif

#endif
