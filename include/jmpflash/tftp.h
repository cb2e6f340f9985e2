/* jmpflash — TFTP server (RFC 1350 with RFC 2347 options: 2348 blksize,
 * 2349 timeout and tsize, 7440 windowsize).
 *
 * One server runs one thread with an event loop; every transfer has its own
 * ephemeral UDP socket. Files are served from a root directory: a request can
 * only ever read a regular file under it. Uploads (WRQ) are refused unless
 * enabled. All callbacks run on the server thread. */
#ifndef JMPFLASH_TFTP_H
#define JMPFLASH_TFTP_H

#include <stdbool.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_tftp_server jf_tftp_server;

/* What one finished (or failed) transfer did; given to on_transfer. */
typedef struct jf_tftp_transfer_info {
	const char *peer;     /* "10.0.2.15:1234" */
	const char *filename; /* as requested */
	bool upload;          /* a WRQ */
	int result;           /* 0 or a JF_E* code */
	const char *error;    /* NULL on success */
	uint64_t bytes;       /* file bytes moved */
	uint64_t elapsed_us;
	unsigned blksize, windowsize;
	unsigned retransmits;
} jf_tftp_transfer_info;

typedef void (*jf_tftp_transfer_cb)(void *user, const jf_tftp_transfer_info *info);

typedef struct jf_tftp_opts {
	int version;
	const char *root;       /* served directory (required) */
	const char *bind;       /* numeric address or host name; NULL: all, IPv4 and IPv6 */
	uint16_t port;          /* 69 by default; 0 picks an ephemeral port */
	bool allow_write;       /* accept WRQ (uploads); refused otherwise */
	uint64_t max_upload;    /* bytes; 0: no limit */
	unsigned max_transfers; /* concurrent; 0: 256 */
	unsigned max_blksize;   /* cap on blksize; 0: 65464 */
	bool mtu_clamp;         /* also cap blksize to the interface MTU (default on) */
	unsigned max_window;    /* cap on windowsize; 0: 64 */
	unsigned give_up_ms;    /* no progress for this long ends a transfer; 0: 30000 */
	unsigned rollover;      /* block number after 65535: 0 (default) or 1 */
	jf_log *log;            /* transfer and refusal lines; NULL: silent */
	jf_tftp_transfer_cb on_transfer;
	void *user;
} jf_tftp_opts;

#define JF_TFTP_OPTS_VERSION 1
#define JF_TFTP_OPTS_INIT                                                                          \
	{                                                                                          \
		.version = JF_TFTP_OPTS_VERSION, .port = 69, .mtu_clamp = true                     \
	}

/* Bind and start serving. Fails with JF_EEXISTS when the port is taken,
 * JF_EPERM when binding needs privileges, JF_ENOTFOUND for a missing root. */
int jf_tftp_server_start(jf_tftp_server **out, const jf_tftp_opts *opts, jf_err *err);

/* The bound port (the real one when opts->port was 0). */
uint16_t jf_tftp_server_port(const jf_tftp_server *s);

/* Serve requests coming from @client_addr (numeric IPv4/IPv6) out of @subdir
 * under the root, so several flashers can share one server on port 69.
 * @subdir NULL removes the mapping. Thread-safe. */
int jf_tftp_server_map_client(jf_tftp_server *s, const char *client_addr, const char *subdir,
                              jf_err *err);

/* Stop: abort transfers in flight, close every socket, join the thread and
 * free @s. Returns once the port is free again. NULL is a no-op. */
void jf_tftp_server_stop(jf_tftp_server *s);

#ifdef __cplusplus
}
#endif

#endif
