/* jmpflash-agent: the board-side writer (docs/agent.md).
 *
 * Shared declarations of the agent's files. The parsing code (arguments,
 * HTTP response heads, bmap XML, URLs) is pure: it takes bytes and fills a
 * struct, so unit tests and fuzz harnesses call it without sockets or
 * devices. Everything else is one pipeline of threads (pipeline.c). */
#ifndef JF_AGENT_H
#define JF_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "jmpflash/error.h"

/* Exit codes: the host maps them onto its retryable / not retryable classes
 * (src/flasher/agent.c). */
enum {
	JF_AGENT_OK = 0,
	JF_AGENT_EXIT_RETRY = 1,       /* network lost past the retries, I/O stall */
	JF_AGENT_EXIT_USAGE = 2,       /* bad command line */
	JF_AGENT_EXIT_NOTFOUND = 3,    /* 404/410, 401/403 */
	JF_AGENT_EXIT_CORRUPT = 4,     /* truncated/corrupt image, bmap checksum */
	JF_AGENT_EXIT_TOO_LARGE = 5,   /* the image does not fit the target */
	JF_AGENT_EXIT_DEVICE = 6,      /* the target refused a write or read */
	JF_AGENT_EXIT_VERIFY = 7,      /* the target reads back something else */
	JF_AGENT_EXIT_UNSUPPORTED = 8, /* chunked encoding...: use another method */
	JF_AGENT_EXIT_TLS = 9,         /* a TLS certificate refused, or https -> http */
};

/* The exit code for a JF_E* code (and the agent's own classes). */
int jf_agent_exit_code(int code);

/* ---- arguments (args.c, pure) ---- */

#define JF_AGENT_MAX_HEADERS 16

typedef struct jf_agent_args {
	const char *url;    /* http[s]://host[:port]/path */
	const char *device; /* block device or regular file */
	const char *headers[JF_AGENT_MAX_HEADERS + 1];
	size_t nheaders;
	const char *bmap;        /* bmap file or http:// URL, or NULL */
	bool bmap_optional;      /* --bmap-optional: a 404 for it means no bmap */
	const char *sha256;      /* expected sha256 of the raw image (optional) */
	const char *file_sha256; /* expected sha256 of the download as is */
	uint64_t size;           /* raw size if known, else 0 */
	unsigned retries;        /* consecutive failed connections before giving up */
	unsigned interval_ms;    /* progress period */
	bool verify;             /* read back (default on) */
	bool direct;             /* O_DIRECT (default on; falls back by itself) */
	bool zeroout;            /* BLKZEROOUT / hole punching for zero runs */
	const char *cacert;      /* https: trust only the CAs in this PEM file */
	bool insecure;           /* https: -k, no certificate checks */
} jf_agent_args;

/* Parse argv (argv[0] is the program). Strings point into argv. */
int jf_agent_args_parse(jf_agent_args *out, int argc, char *const *argv, jf_err *err);

/* ---- URLs and HTTP heads (http_parse.c, pure) ---- */

typedef struct jf_agent_url {
	bool tls; /* https */
	char host[256];
	char port[8];
	char path[2048]; /* with the query, starting with '/' */
} jf_agent_url;

/* http:// or https:// (default ports 80, 443); no user:password@. */
int jf_agent_url_parse(jf_agent_url *out, const char *url, jf_err *err);

typedef struct jf_agent_http_head {
	int status;
	int64_t content_length; /* -1: none */
	int64_t range_start;    /* Content-Range first byte, -1: none */
	int64_t range_total;    /* Content-Range complete length, -1: '*' / none */
	bool chunked;
	bool close;          /* Connection: close */
	char location[2048]; /* redirects */
	char etag[128];
	char last_modified[64];
} jf_agent_http_head;

/* Find the end of a response head in @buf: the number of bytes up to and
 * including the blank line, 0 when more bytes are needed, negative when
 * @len reached @max without one. */
long jf_agent_http_head_end(const char *buf, size_t len, size_t max);
/* Parse a complete response head (@len bytes, as found above). */
int jf_agent_http_parse_head(jf_agent_http_head *out, const char *buf, size_t len, jf_err *err);
/* Check a "Name: value" header given by the user: token, colon, value
 * without CR/LF. */
int jf_agent_header_check(const char *h, jf_err *err);

/* ---- bmap (bmap.c, pure but for the file read) ---- */

typedef struct jf_agent_range {
	uint64_t first, last; /* blocks, inclusive */
	char chksum[129];     /* hex, may be empty (bmap 1.0-1.2 made it optional) */
} jf_agent_range;

typedef struct jf_agent_bmap {
	uint64_t image_size, block_size, blocks_count, mapped_blocks;
	char checksum_type[16]; /* "sha256", "sha1" */
	char file_checksum[129];
	unsigned major, minor;
	jf_agent_range *ranges;
	size_t nranges;
} jf_agent_bmap;

/* Parse bmaptool's XML (versions 1.x and 2.x) from @xml (@len bytes): sizes,
 * checksum type and the mapped ranges, checked to be sorted, disjoint and
 * inside the image. The file's own checksum (BmapFileChecksum /
 * BmapFileSHA1) is checked against @xml with that field zeroed. */
int jf_agent_bmap_parse(jf_agent_bmap *out, const char *xml, size_t len, jf_err *err);
void jf_agent_bmap_free(jf_agent_bmap *b);
/* Bytes covered by mapped ranges. */
uint64_t jf_agent_bmap_mapped_bytes(const jf_agent_bmap *b);

/* A hex digest of @len bytes with the named type (EVP, "sha256"/"sha1"). */
typedef struct jf_agent_digest jf_agent_digest;
int jf_agent_digest_new(jf_agent_digest **out, const char *type, jf_err *err);
int jf_agent_digest_update(jf_agent_digest *d, const void *p, size_t len);
/* Finish into @hex (129 bytes) and reset for the next range. */
int jf_agent_digest_final(jf_agent_digest *d, char *hex);
void jf_agent_digest_free(jf_agent_digest *d);

/* ---- the HTTP client (http.c) ---- */

struct ssl_st;
struct ssl_ctx_st;

typedef struct jf_agent_conn {
	int fd;                 /* -1: none (JF_AGENT_CONN_INIT) */
	char origin[320];       /* scheme://host:port of the open connection, for reuse */
	struct ssl_st *ssl;     /* https: the TLS session on fd, else NULL */
	struct ssl_ctx_st *tls; /* its context (the CA file loaded) */
	bool tls_refused;       /* the last failure: a certificate, or https -> http */
	jf_agent_http_head head;
	char *buf; /* bytes read past the head */
	size_t have, pos;
	int64_t left; /* body bytes still expected; -1 until close */
} jf_agent_conn;

#define JF_AGENT_CONN_INIT                                                                         \
	{                                                                                          \
		.fd = -1                                                                           \
	}

/* GET @url from byte @from (to @to inclusive when >= 0), following up to
 * 5 redirects. @c is JF_AGENT_CONN_INIT or a connection whose previous body
 * was read to its end: then the request reuses it (keep-alive), and a fresh
 * connection is made if that fails. On 200 to a Range request *skip is the number of bytes to
 * drop (the server ignored Range). Errors: JF_ENOTFOUND (404/410), JF_EPERM
 * (401/403), JF_EUNREACHABLE (connect), JF_EIO (lost, retryable),
 * JF_EPROTO (the server answers nonsense), JF_EPERM with c->tls_refused
 * (the TLS certificate, or a redirect from https to http). User headers
 * (--header) go only to the origin of @url, never to another server a
 * redirect names. */
int jf_agent_http_get(jf_agent_conn *c, const jf_agent_args *a, const char *url, uint64_t from,
                      int64_t to, uint64_t *skip, jf_err *err);
/* Read body bytes: > 0 count, 0 at the end of the body, < 0 lost. */
long jf_agent_http_read(jf_agent_conn *c, void *p, size_t len, jf_err *err);
void jf_agent_http_close(jf_agent_conn *c);

/* ---- TLS (tls.c, OpenSSL) ---- */

/* Start TLS on c->fd for @host as @a says (--cacert, -k, else the board's
 * CA store). A refused certificate is JF_EPERM with c->tls_refused set (not
 * retryable); a broken handshake JF_EIO. */
int jf_agent_tls_connect(jf_agent_conn *c, const jf_agent_args *a, const char *host, jf_err *err);
/* As recv()/send(): bytes, 0 at the end, -1 with errno. */
long jf_agent_tls_recv(jf_agent_conn *c, void *p, size_t len);
long jf_agent_tls_send(jf_agent_conn *c, const void *p, size_t len);
/* Free the session and its context (the socket stays with the caller). */
void jf_agent_tls_close(jf_agent_conn *c);

/* ---- the pipeline (pipeline.c) ---- */

typedef struct jf_agent_result {
	uint64_t written;    /* bytes of the image placed on the target */
	uint64_t zeroed;     /* of which zeroed without writing data */
	uint64_t downloaded; /* bytes received over HTTP */
	uint64_t verified;
	char sha256[65]; /* of the raw stream; "" with a bmap over HTTP ranges */
	char file_sha256[65];
	uint64_t write_ms, verify_tail_ms, verify_busy_ms;
	uint64_t decode_busy_ms, write_busy_ms, hash_busy_ms; /* where the time goes */
	unsigned resumes;
	bool direct;
	char compression[8];
	int exit_hint; /* a more precise exit code than the error's (too large) */
} jf_agent_result;

/* Progress the pipeline makes, read by the main thread under no lock
 * (atomics), printed once per interval. */
typedef struct jf_agent_progress {
	_Atomic uint64_t written, total, downloaded;
} jf_agent_progress;

int jf_agent_run(jf_agent_result *out, const jf_agent_args *a, const jf_agent_bmap *bmap,
                 jf_agent_progress *prog, jf_err *err);

#endif
