/* jmpflash — HTTP server for images, the agent and anything a board pulls.
 *
 * Built on libmicrohttpd. GET and HEAD of regular files under a root with
 * Content-Length, Last-Modified, ETag, Accept-Ranges, single byte ranges
 * (206/416) and conditional requests (304), sent with sendfile. Optional PUT
 * upload: written to a temp file and renamed when complete, so an aborted
 * upload leaves nothing behind. No directory listings; the same root
 * confinement as the TFTP server. One access log line per request. */
#ifndef JMPFLASH_HTTP_H
#define JMPFLASH_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_http_server jf_http_server;

typedef struct jf_http_opts {
	int version;
	const char *root;         /* served directory (required) */
	const char *bind;         /* numeric address or host name; NULL: all, IPv4 and IPv6 */
	uint16_t port;            /* 8080 by default; 0 picks an ephemeral port */
	bool allow_upload;        /* accept PUT */
	uint64_t max_upload;      /* bytes; 0: no limit */
	const char *token;        /* if set, PUT needs "Authorization: Bearer TOKEN" */
	unsigned max_connections; /* 0: 64 */
	unsigned idle_timeout_s;  /* 0: 60 */
	const char *host;         /* host (name or address) boards use in URLs; NULL: find it */
	jf_log *log;              /* access log and refusals; NULL: silent */
} jf_http_opts;

#define JF_HTTP_OPTS_VERSION 1
#define JF_HTTP_OPTS_INIT                                                                          \
	{                                                                                          \
		.version = JF_HTTP_OPTS_VERSION, .port = 8080                                      \
	}

/* Bind and start serving. Fails with JF_EEXISTS when the port is taken and
 * JF_EPERM when binding needs privileges. The token, if any, is registered
 * as a secret with opts->log. */
int jf_http_server_start(jf_http_server **out, const jf_http_opts *opts, jf_err *err);

uint16_t jf_http_server_port(const jf_http_server *s);

/* The URL a board at @board_addr (numeric IPv4/IPv6; NULL when unknown)
 * should use for @path under the root: "http://HOST:PORT/escaped/path",
 * HOST being opts->host, else the address of this host's interface that
 * routes to the board, else the bind address, else 127.0.0.1. The caller
 * frees *out. */
int jf_http_server_url(char **out, const jf_http_server *s, const char *board_addr,
                       const char *path, jf_err *err);

/* "http://@host:@port/escaped/path" for a server that is not this
 * process's (a shared `jmpflash serve`). The caller frees *out. */
int jf_http_url(char **out, const char *host, uint16_t port, const char *path, jf_err *err);

/* Stop: close the listening socket and every connection, join the threads,
 * free @s. The port can be bound again as soon as this returns. */
void jf_http_server_stop(jf_http_server *s);

#ifdef __cplusplus
}
#endif

#endif
