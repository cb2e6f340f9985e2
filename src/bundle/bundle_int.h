/* Internals of the bundle module, shared between its files. */
#ifndef JF_BUNDLE_INT_H
#define JF_BUNDLE_INT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "jmpflash/buf.h"
#include "jmpflash/bundle.h"
#include "jmpflash/fs.h"
#include "jmpflash/sha256.h"

#define JF_BUNDLE_MANIFEST_MAX (4u << 20) /* the distribution registry's limit */

struct jf_bundle_client {
	jf_bundle_opts opts;
	jf_log *log;
	CURL *curl;
	char *auth_host;    /* the registry auth_value belongs to */
	char *auth_value;   /* "Bearer xyz" / "Basic abc" (a secret) */
	char *http_host;    /* a may-be-plain registry that turned out not to speak TLS */
	CURLcode last_curl; /* how the last transfer ended */
	bool cred_loaded;   /* cred was looked up (found or not) */
	jf_auth_cred cred;
};

/* One HTTP exchange. The body goes to @out (in memory, capped at out_max)
 * or to @out_fd (hashed into @hash, counted in *written) when 2xx. */
typedef struct jf_http_req {
	const char *method; /* "GET", "HEAD", "PUT", "POST" */
	const char *url;
	const char *accept;
	const char *content_type;
	const void *body; /* an upload from memory ... */
	size_t body_len;
	int body_fd; /* ... or from a file (-1: none) */
	uint64_t body_size;
	uint64_t range_from; /* > 0: ask for bytes from here on */
	jf_buf *out;
	size_t out_max;
	int out_fd; /* -1: none */
	jf_sha256 *hash;
	uint64_t *written;
	const char *what; /* progress label, NULL: no progress */
	uint64_t total;
	uint64_t base; /* progress offset (resumed bytes) */
} jf_http_req;

#define JF_HTTP_REQ_INIT                                                                           \
	{                                                                                          \
		.body_fd = -1, .out_fd = -1                                                        \
	}

typedef struct jf_http_resp {
	long status;
	char *location;
	char *www_auth;
	char *content_digest;
	char *content_type;
	char *content_range;
	jf_buf errbody; /* the start of a non-2xx body */
} jf_http_resp;

void jf_bundle__resp_dispose(jf_http_resp *r);

/* One request with redirects; @auth ("Bearer x") only goes to the scheme,
 * host and port of @origin. */
int jf_bundle__send(jf_bundle_client *c, jf_http_req *req, const char *origin, const char *auth,
                    jf_http_resp *resp, jf_err *err);

/* Send @req to registry @ref with its credentials (token flow, Basic),
 * following redirects (credentials only to the registry's own host).
 * @actions is the token scope's action list ("pull", "pull,push"). A
 * non-2xx answer is not an error here: look at resp->status. */
int jf_bundle__request(jf_bundle_client *c, const jf_bundle_ref *ref, const char *actions,
                       jf_http_req *req, jf_http_resp *resp, jf_err *err);

/* "http(s)://registry/v2/repository/@kind/@what" */
int jf_bundle__url(char *buf, size_t size, jf_bundle_client *c, const jf_bundle_ref *ref,
                   const char *kind, const char *what);

/* The registry's answer as an error: status, its JSON error text. */
int jf_bundle__http_fail(jf_err *err, const jf_bundle_ref *ref, const char *what,
                         const jf_http_resp *resp);

/* Base64 of @len bytes (malloc'd) / decoded into a malloc'd NUL-terminated
 * string (NULL on bad input). */
char *jf_bundle__b64(const void *data, size_t len);
char *jf_bundle__unb64(const char *s, size_t *len);

/* Parse an image manifest (OCI or Docker schema 2) into @out's layers,
 * rejecting bad titles (absolute, "..", collisions) and bad digests. */
int jf_bundle__parse_manifest(jf_bundle_info *out, const char *json, size_t len, const char *source,
                              jf_err *err);

/* An index (OCI or Docker list)? Then pick its only manifest, or the one
 * for linux and this machine's architecture. */
bool jf_bundle__is_index(const char *json, size_t len);
int jf_bundle__index_pick(char **digest, const char *json, size_t len, const char *source,
                          jf_err *err);

/* ---- cache (cache.c) ---- */

/* "<cache>/blobs/sha256/<hex>" etc. */
int jf_bundle__cache_path(char *buf, size_t size, const char *cache, const char *digest,
                          const char *suffix);
int jf_bundle__cache_mkparent(const char *path, jf_err *err);
/* Store @len bytes whose sha256 is @digest (checked here). */
int jf_bundle__cache_put_mem(const char *cache, const char *digest, const void *data, size_t len,
                             jf_err *err);
/* Read a cached blob (at most @max bytes) into @out. */
int jf_bundle__cache_read(jf_buf *out, const char *cache, const char *digest, size_t max,
                          jf_err *err);
/* Remember / recall which manifest digest @ref's tag named. */
int jf_bundle__cache_tag_set(const char *cache, const jf_bundle_ref *ref, const char *digest,
                             jf_err *err);
int jf_bundle__cache_tag_get(char **digest, const char *cache, const jf_bundle_ref *ref,
                             jf_err *err);

/* Fetch a blob into the cache (locked, resumable, verified). With @layout
 * set the blob is copied from that OCI layout directory instead. */
int jf_bundle__cache_fetch(jf_bundle_client *c, const jf_bundle_ref *ref, const char *layout,
                           const jf_bundle_layer *l, bool *downloaded, jf_err *err);
/* Build "<cache>/bundles/sha256/<hex>" from cached blobs (atomic rename). */
int jf_bundle__cache_view(char **dir, const char *cache, const jf_bundle_info *info, jf_err *err);

/* Copy a regular file (copy_file_range, then read/write). */
int jf_bundle__copy_file(const char *from, const char *to, jf_err *err);
/* jf_log_secret() that accepts a NULL log (a client without one). */
int jf_bundle__secret(jf_log *log, const char *secret);
void jf_bundle__progress(jf_bundle_client *c, const char *what, uint64_t done, uint64_t total);

#endif
