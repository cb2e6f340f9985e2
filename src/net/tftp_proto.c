#include "tftp_proto.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Decimal digits only, no sign, no overflow past @max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* First occurrence wins: a repeated option does not override. */
static void take_option(jf_tftp_req *r, const char *name, const char *value)
{
	uint64_t v;

	if (!strcasecmp(name, "blksize") && !r->has_blksize) {
		if (parse_uint(value, UINT32_MAX, &v) && v >= JF_TFTP_BLKSIZE_MIN) {
			r->has_blksize = true;
			r->blksize = v > JF_TFTP_BLKSIZE_MAX ? JF_TFTP_BLKSIZE_MAX : (unsigned)v;
		}
	} else if (!strcasecmp(name, "timeout") && !r->has_timeout) {
		if (parse_uint(value, 255, &v) && v >= 1) {
			r->has_timeout = true;
			r->timeout = (unsigned)v;
		}
	} else if (!strcasecmp(name, "tsize") && !r->has_tsize) {
		if (parse_uint(value, UINT64_MAX, &v)) {
			r->has_tsize = true;
			r->tsize = v;
		}
	} else if (!strcasecmp(name, "windowsize") && !r->has_windowsize) {
		if (parse_uint(value, JF_TFTP_WINDOW_MAX, &v) && v >= 1) {
			r->has_windowsize = true;
			r->windowsize = (unsigned)v;
		}
	}
}

int jf_net__tftp_parse_req(jf_tftp_req *r, char *pkt, size_t len, jf_err *err)
{
	const char *end, *p, *mode;

	memset(r, 0, sizeof(*r));
	if (len < 2)
		return jf_err_set(err, JF_EPROTO, "packet of %zu bytes is too short", len);
	r->opcode = ((uint8_t)pkt[0] << 8) | (uint8_t)pkt[1];
	if (r->opcode != JF_TFTP_RRQ && r->opcode != JF_TFTP_WRQ)
		return jf_err_set(err, JF_EPROTO, "opcode %d is not a request", r->opcode);
	pkt[len] = '\0'; /* the caller left room; bounds every string below */
	end = pkt + len;
	p = pkt + 2;
	if (p >= end || !memchr(p, '\0', (size_t)(end - p)))
		return jf_err_set(err, JF_EPROTO, "file name is not terminated");
	r->filename = p;
	p += strlen(p) + 1;
	if (!*r->filename)
		return jf_err_set(err, JF_EPROTO, "empty file name");
	if (p >= end || !memchr(p, '\0', (size_t)(end - p)))
		return jf_err_set(err, JF_EPROTO, "transfer mode is missing or not terminated");
	mode = p;
	p += strlen(p) + 1;
	if (!strcasecmp(mode, "netascii"))
		r->netascii = true;
	else if (strcasecmp(mode, "octet"))
		return jf_err_set(err, JF_EPROTO, "transfer mode '%.32s' is not supported", mode);
	while (p < end) {
		const char *name = p, *value;

		if (!memchr(p, '\0', (size_t)(end - p)))
			return jf_err_set(err, JF_EPROTO, "option name is not terminated");
		p += strlen(p) + 1;
		if (p >= end || !memchr(p, '\0', (size_t)(end - p))) {
			/* Some clients pad the request with NULs: tolerate an empty tail. */
			if (!*name)
				break;
			return jf_err_set(err, JF_EPROTO, "option '%.32s' has no value", name);
		}
		value = p;
		p += strlen(p) + 1;
		if (*name)
			take_option(r, name, value);
	}
	return 0;
}

void jf_net__tftp_negotiate(jf_tftp_params *p, const jf_tftp_req *r, const jf_tftp_limits *lim,
                            uint64_t size, bool size_known)
{
	unsigned max_blk = lim && lim->max_blksize ? lim->max_blksize : JF_TFTP_BLKSIZE_MAX;
	unsigned max_win = lim && lim->max_window ? lim->max_window : 64;
	size_t max_bytes = lim && lim->max_window_bytes ? lim->max_window_bytes : 64u << 10;

	memset(p, 0, sizeof(*p));
	p->blksize = JF_TFTP_BLKSIZE_DEFAULT;
	p->windowsize = 1;
	if (max_blk < JF_TFTP_BLKSIZE_MIN)
		max_blk = JF_TFTP_BLKSIZE_MIN;
	if (r->has_blksize) {
		p->blksize = r->blksize > max_blk ? max_blk : r->blksize;
		p->ack_blksize = true;
	}
	if (r->has_timeout) {
		p->timeout_s = r->timeout;
		p->ack_timeout = true;
	}
	if (r->has_tsize) {
		if (r->opcode == JF_TFTP_WRQ) {
			p->tsize = r->tsize;
			p->ack_tsize = true;
		} else if (size_known) {
			p->tsize = size;
			p->ack_tsize = true;
		}
	}
	if (r->has_windowsize) {
		unsigned w = r->windowsize > max_win ? max_win : r->windowsize;

		while (w > 1 && (size_t)w * p->blksize > max_bytes)
			w--;
		p->windowsize = w;
		p->ack_windowsize = true;
	}
	p->oack = p->ack_blksize || p->ack_timeout || p->ack_tsize || p->ack_windowsize;
}

static size_t put_opt(uint8_t *buf, size_t cap, size_t at, const char *name, uint64_t v)
{
	char val[24];
	size_t nl = strlen(name) + 1, vl;

	if (at == 0)
		return 0;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	vl = strlen(val) + 1;
	if (at + nl + vl > cap)
		return 0;
	memcpy(buf + at, name, nl);
	memcpy(buf + at + nl, val, vl);
	return at + nl + vl;
}

size_t jf_net__tftp_build_oack(uint8_t *buf, size_t cap, const jf_tftp_params *p)
{
	size_t at = 2;

	if (cap < 2)
		return 0;
	buf[0] = 0;
	buf[1] = JF_TFTP_OACK;
	if (p->ack_blksize)
		at = put_opt(buf, cap, at, "blksize", p->blksize);
	if (p->ack_timeout)
		at = put_opt(buf, cap, at, "timeout", p->timeout_s);
	if (p->ack_tsize)
		at = put_opt(buf, cap, at, "tsize", p->tsize);
	if (p->ack_windowsize)
		at = put_opt(buf, cap, at, "windowsize", p->windowsize);
	return at;
}

size_t jf_net__tftp_build_error(uint8_t *buf, size_t cap, unsigned code, const char *msg)
{
	size_t ml = strlen(msg);

	if (cap < 5)
		return 0;
	if (ml > cap - 5)
		ml = cap - 5;
	buf[0] = 0;
	buf[1] = JF_TFTP_ERROR;
	buf[2] = (uint8_t)(code >> 8);
	buf[3] = (uint8_t)code;
	memcpy(buf + 4, msg, ml);
	buf[4 + ml] = 0;
	return 5 + ml;
}

size_t jf_net__tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	if (cap < 4)
		return 0;
	buf[0] = 0;
	buf[1] = JF_TFTP_ACK;
	buf[2] = (uint8_t)(block >> 8);
	buf[3] = (uint8_t)block;
	return 4;
}

size_t jf_net__tftp_netascii_encode(uint8_t *out, size_t cap, const uint8_t *in, size_t len,
                                    size_t *used, int *pending)
{
	size_t o = 0, i = 0;

	if (*pending >= 0 && o < cap) {
		out[o++] = (uint8_t)*pending;
		*pending = -1;
	}
	while (o < cap && i < len) {
		uint8_t c = in[i++];

		if (c == '\n' || c == '\r') {
			out[o++] = '\r';
			if (o < cap)
				out[o++] = c == '\n' ? '\n' : '\0';
			else
				*pending = c == '\n' ? '\n' : '\0';
		} else {
			out[o++] = c;
		}
	}
	*used = i;
	return o;
}

size_t jf_net__tftp_netascii_decode(uint8_t *buf, size_t len, bool *cr)
{
	size_t o = 0, i = 0;

	/* A CR carried from the last packet and not followed by LF or NUL
	 * stands for itself: it is the one byte of growth (room for len + 1). */
	if (*cr && len && buf[0] != '\n' && buf[0] != '\0') {
		memmove(buf + 1, buf, len);
		buf[0] = '\r';
		*cr = false;
		len++;
		i = o = 1;
	}
	/* in place: output never overtakes input (o <= i) */
	for (; i < len; i++) {
		uint8_t c = buf[i];

		if (*cr) {
			*cr = false;
			if (c == '\n') {
				buf[o++] = '\n';
				continue;
			}
			buf[o++] = '\r';
			if (c == '\0')
				continue;
		}
		if (c == '\r')
			*cr = true;
		else
			buf[o++] = c;
	}
	return o;
}
