/* URLs and HTTP/1.x response heads, as pure functions over bytes: what a
 * server sends is untrusted, and a fuzz harness calls these directly. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent.h"

int jf_agent_url_parse(jf_agent_url *out, const char *url, jf_err *err)
{
	const char *p, *host, *slash, *colon;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	out->tls = !strncasecmp(url, "https://", 8);
	if (!out->tls && strncasecmp(url, "http://", 7))
		return jf_err_set(err, JF_EINVAL, "not an http:// or https:// URL: '%.80s'", url);
	host = url + (out->tls ? 8 : 7);
	slash = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(slash - host)))
		return jf_err_set(err, JF_EINVAL,
		                  "user:password@ in a URL is not supported; "
		                  "use --header");
	if (*host == '[') { /* [v6]:port */
		p = memchr(host, ']', (size_t)(slash - host));
		if (!p)
			return jf_err_set(err, JF_EINVAL, "bad IPv6 address in '%.80s'", url);
		hlen = (size_t)(p - host - 1);
		host++;
		colon = p[1] == ':' ? p + 1 : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(slash - host));
		hlen = (size_t)((colon ? colon : slash) - host);
	}
	if (!hlen || hlen >= sizeof(out->host))
		return jf_err_set(err, JF_EINVAL, "no host in '%.80s'", url);
	memcpy(out->host, host, hlen);
	if (colon) {
		size_t plen = (size_t)(slash - colon - 1);

		if (!plen || plen >= sizeof(out->port) || strspn(colon + 1, "0123456789") < plen ||
		    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
			return jf_err_set(err, JF_EINVAL, "bad port in '%.80s'", url);
		memcpy(out->port, colon + 1, plen);
	} else {
		strcpy(out->port, out->tls ? "443" : "80");
	}
	if (*slash == '#')
		slash = "/";
	if (strlen(slash) + 2 > sizeof(out->path))
		return jf_err_set(err, JF_EINVAL, "URL too long");
	snprintf(out->path, sizeof(out->path), "%s%.*s", *slash == '/' ? "" : "/",
	         (int)strcspn(slash, "#"), slash);
	for (p = out->path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return jf_err_set(err, JF_EINVAL, "URL with spaces or control characters");
	return 0;
}

long jf_agent_http_head_end(const char *buf, size_t len, size_t max)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return (long)(i + 2);
		if (i + 3 < len && !memcmp(buf + i, "\r\n\r\n", 4))
			return (long)(i + 4);
	}
	return len >= max ? -1 : 0;
}

/* A decimal number of at most 18 digits (no overflow), else -1. */
static int64_t decimal(const char *p, const char **end)
{
	int64_t v = 0;
	int n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; isdigit((unsigned char)*p) && n < 18; p++, n++)
		v = v * 10 + (*p - '0');
	if (!n || isdigit((unsigned char)*p))
		return -1;
	if (end)
		*end = p;
	return v;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

/* "bytes START-END/TOTAL" or "bytes START-END/ *" */
static int content_range(jf_agent_http_head *h, const char *v)
{
	const char *p;
	int64_t end;

	if (strncasecmp(v, "bytes ", 6))
		return -1;
	if ((h->range_start = decimal(v + 6, &p)) < 0 || *p != '-' ||
	    (end = decimal(p + 1, &p)) < h->range_start || *p != '/')
		return -1;
	h->range_total = p[1] == '*' ? -1 : decimal(p + 1, NULL);
	return 0;
}

static int header(jf_agent_http_head *h, const char *name, size_t nlen, const char *v, size_t vlen,
                  jf_err *err)
{
	char val[2048];

	copy_value(val, sizeof(val), v, vlen);
#define IS(s) (nlen == sizeof(s) - 1 && !strncasecmp(name, s, nlen))
	if (IS("Content-Length")) {
		int64_t n = decimal(val, &v);

		if (n < 0 || *v || (h->content_length >= 0 && h->content_length != n))
			return jf_err_set(err, JF_EPROTO, "the server sent a bad Content-Length");
		h->content_length = n;
	} else if (IS("Content-Range")) {
		if (content_range(h, val) < 0)
			return jf_err_set(err, JF_EPROTO, "the server sent a bad Content-Range");
	} else if (IS("Connection")) {
		h->close = strcasestr(val, "close") != NULL;
	} else if (IS("Transfer-Encoding")) {
		h->chunked = strcasestr(val, "chunked") != NULL;
	} else if (IS("Location")) {
		copy_value(h->location, sizeof(h->location), val, strlen(val));
	} else if (IS("ETag")) {
		copy_value(h->etag, sizeof(h->etag), val, strlen(val));
	} else if (IS("Last-Modified")) {
		copy_value(h->last_modified, sizeof(h->last_modified), val, strlen(val));
	}
#undef IS
	return 0;
}

int jf_agent_http_parse_head(jf_agent_http_head *h, const char *buf, size_t len, jf_err *err)
{
	const char *p = buf, *end = buf + len, *eol;
	int error;

	memset(h, 0, sizeof(*h));
	h->content_length = h->range_start = h->range_total = -1;
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) || !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) || !isdigit((unsigned char)buf[11]) || buf[8] != ' ')
		return jf_err_set(err, JF_EPROTO, "the server did not answer HTTP/1.x");
	h->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	for (p = memchr(buf, '\n', len); p && p + 1 < end; p = eol) {
		const char *line = p + 1, *colon, *v, *ve;

		if (!(eol = memchr(line, '\n', (size_t)(end - line))))
			break;
		ve = eol;
		if (ve > line && ve[-1] == '\r')
			ve--;
		if (ve == line)
			break; /* the blank line */
		if (*line == ' ' || *line == '\t')
			return jf_err_set(err, JF_EPROTO, "the server folds header lines");
		if (!(colon = memchr(line, ':', (size_t)(ve - line))) || colon == line)
			return jf_err_set(err, JF_EPROTO, "the server sent a malformed header");
		for (v = colon + 1; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if ((error = header(h, line, (size_t)(colon - line), v, (size_t)(ve - v), err)) < 0)
			return error;
	}
	return 0;
}

int jf_agent_header_check(const char *h, jf_err *err)
{
	size_t name = strspn(h, "!#$%&'*+-.^_`|~0123456789"
	                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	const char *v = h + name + 1;

	if (!name || h[name] != ':')
		return jf_err_set(err, JF_EINVAL, "a header is 'Name: value'");
	while (*v == ' ')
		v++;
	if (!*v || strpbrk(v, "\r\n"))
		return jf_err_set(err, JF_EINVAL, "a header value must be one non-empty line");
	return 0;
}
