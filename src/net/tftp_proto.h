/* jmpflash net/ — TFTP wire format (RFC 1350, 2347, 2348, 2349, 7440).
 *
 * Pure functions, no sockets: parse a request, negotiate its options against
 * the server's limits, build OACK/ERROR packets, and convert netascii.
 * Internal to net/ (the unit tests include it directly). */
#ifndef JF_NET_TFTP_PROTO_H
#define JF_NET_TFTP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/error.h"

enum {
	JF_TFTP_RRQ = 1,
	JF_TFTP_WRQ = 2,
	JF_TFTP_DATA = 3,
	JF_TFTP_ACK = 4,
	JF_TFTP_ERROR = 5,
	JF_TFTP_OACK = 6,
};

/* Error codes of the ERROR packet (RFC 1350, 2347). */
enum {
	JF_TFTP_EUNDEF = 0,
	JF_TFTP_ENOTFOUND = 1,
	JF_TFTP_EACCESS = 2,
	JF_TFTP_EDISKFULL = 3,
	JF_TFTP_EBADOP = 4,
	JF_TFTP_EBADID = 5,
	JF_TFTP_EEXISTS = 6,
	JF_TFTP_ENOUSER = 7,
	JF_TFTP_EOPTNEG = 8,
};

#define JF_TFTP_BLKSIZE_DEFAULT 512u
#define JF_TFTP_BLKSIZE_MIN     8u
#define JF_TFTP_BLKSIZE_MAX     65464u
#define JF_TFTP_WINDOW_MAX      65535u

/* A parsed RRQ/WRQ. Strings point into the packet buffer given to the
 * parser, which must outlive the request. */
typedef struct jf_tftp_req {
	int opcode; /* JF_TFTP_RRQ or JF_TFTP_WRQ */
	const char *filename;
	bool netascii; /* mode "netascii"; false for "octet" */
	bool has_blksize, has_timeout, has_tsize, has_windowsize;
	unsigned blksize; /* valid (8..65464) when has_blksize */
	unsigned timeout; /* seconds, 1..255 */
	uint64_t tsize;
	unsigned windowsize; /* 1..65535 */
} jf_tftp_req;

/* Parse a request packet of @len bytes in @pkt (which must have room for
 * one more byte: the parser NUL-terminates it). Unknown options and options
 * with out-of-range values are ignored, as RFC 2347 allows; a packet that is
 * not a well-formed RRQ/WRQ is JF_EPROTO (answer with JF_TFTP_EBADOP). */
int jf_net__tftp_parse_req(jf_tftp_req *r, char *pkt, size_t len, jf_err *err);

/* What the server offers, after negotiation. */
typedef struct jf_tftp_params {
	unsigned blksize;
	unsigned windowsize;
	unsigned timeout_s; /* 0: not negotiated, the server picks its own */
	uint64_t tsize;
	bool oack; /* at least one option acknowledged: send an OACK first */
	bool ack_blksize, ack_timeout, ack_tsize, ack_windowsize;
} jf_tftp_params;

typedef struct jf_tftp_limits {
	unsigned max_blksize; /* e.g. path MTU minus headers; 0 = 65464 */
	unsigned max_window;  /* 0 = 64 */
	/* blksize * windowsize cap; 0 = 64 KiB: a burst larger than a client's
	 * default socket buffer (208 KiB of skbs) is lost on a fast link. */
	size_t max_window_bytes;
} jf_tftp_limits;

/* Negotiate @r's options. @size is the file size for an RRQ (reported as
 * tsize when @size_known) or ignored for a WRQ (whose tsize is echoed). */
void jf_net__tftp_negotiate(jf_tftp_params *p, const jf_tftp_req *r, const jf_tftp_limits *lim,
                            uint64_t size, bool size_known);

/* Packet builders: return the packet length (0 when @cap is too small). */
size_t jf_net__tftp_build_oack(uint8_t *buf, size_t cap, const jf_tftp_params *p);
size_t jf_net__tftp_build_error(uint8_t *buf, size_t cap, unsigned code, const char *msg);
size_t jf_net__tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block);

/* The 64-bit block number that wire number @wire stands for, as the first
 * candidate at or after @base (block numbers roll over 65535 -> 0). */
static inline uint64_t jf_net__tftp_unwrap(uint64_t base, uint16_t wire)
{
	return base + (uint16_t)(wire - (uint16_t)base);
}

/* Netascii encoder (RFC 764 via 1350: LF -> CR LF, CR -> CR NUL). Converts
 * from @in into @out; *@pending carries the second byte of a pair that did
 * not fit (init to -1). Returns bytes written; *@used is input consumed. */
size_t jf_net__tftp_netascii_encode(uint8_t *out, size_t cap, const uint8_t *in, size_t len,
                                    size_t *used, int *pending);

/* Netascii decoder for uploads: CR LF -> LF, CR NUL -> CR. *@cr carries a
 * trailing CR across packets (init false). Decodes in place (@buf must have
 * room for @len + 1 bytes); returns the new length. A final dangling CR is
 * the caller's to flush. */
size_t jf_net__tftp_netascii_decode(uint8_t *buf, size_t len, bool *cr);

#endif
