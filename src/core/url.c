#include "jmpflash/url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	jf_url_scheme scheme;
	int port;
} schemes[] = {
    {"file", JF_URL_FILE, 0},  {"http", JF_URL_HTTP, 80},    {"https", JF_URL_HTTPS, 443},
    {"oci", JF_URL_OCI, 0},    {"socket", JF_URL_SOCKET, 0}, {"rfc2217", JF_URL_RFC2217, 0},
    {"tftp", JF_URL_TFTP, 69},
};

const char *jf_url_scheme_name(jf_url_scheme s)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].scheme == s)
			return schemes[i].name;
	return "?";
}

int jf_url_default_port(jf_url_scheme s)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].scheme == s)
			return schemes[i].port;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *jf_url_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(out);
			return NULL;
		}
		int hi = hexval((unsigned char)s[i + 1]), lo = hexval((unsigned char)s[i + 2]);

		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

void jf_url_dispose(jf_url *u)
{
	if (u->password)
		memset(u->password, 0, strlen(u->password));
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof(*u));
}

/* A safe name for the URL in error messages: scheme and host only. */
static void describe(char *buf, size_t size, const char *text)
{
	const char *sep = strstr(text, "://"), *at, *end;

	if (!sep) {
		snprintf(buf, size, "'%s'", text);
		return;
	}
	end = sep + 3 + strcspn(sep + 3, "/?#");
	at = memchr(sep + 3, '@', (size_t)(end - (sep + 3)));
	if (at)
		snprintf(buf, size, "'%.*s://***@%.*s'", (int)(sep - text), text,
		         (int)(end - at - 1), at + 1);
	else
		snprintf(buf, size, "'%.*s'", (int)(end - text), text);
}

static int parse_port(const char *s, size_t len, int *out)
{
	long v = 0;

	if (!len || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static int bad(jf_err *err, const char *text, const char *what)
{
	char name[256];

	describe(name, sizeof(name), text);
	return jf_err_set(err, JF_EINVAL, "invalid URL %s: %s", name, what);
}

/* Parse "[userinfo@]host[:port]" of @len bytes. */
static int parse_authority(jf_url *u, const char *text, const char *a, size_t len, jf_err *err)
{
	const char *at = NULL, *host, *end = a + len, *colon;

	for (const char *p = a; p < end; p++)
		if (*p == '@')
			at = p; /* the last '@': a password may contain one */
	if (at) {
		const char *c = memchr(a, ':', (size_t)(at - a));
		size_t ulen = c ? (size_t)(c - a) : (size_t)(at - a);

		if (!(u->user = jf_url_decode(a, ulen)))
			return bad(err, text, "bad percent-escape in the user name");
		if (c && !(u->password = jf_url_decode(c + 1, (size_t)(at - c - 1))))
			return bad(err, text, "bad percent-escape in the password");
		host = at + 1;
	} else {
		host = a;
	}
	if (host < end && *host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close)
			return bad(err, text, "missing ']' after an IPv6 address");
		u->host = strndup(host + 1, (size_t)(close - host - 1));
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return bad(err, text, "unexpected text after the IPv6 address");
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		u->host = strndup(host, (size_t)((colon ? colon : end) - host));
	}
	if (!u->host)
		return JF_ENOMEM;
	if (!*u->host) /* "http://user@/", "http://:80/" */
		return bad(err, text, "the host is missing");
	for (const char *p = u->host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:%", *p))
			return bad(err, text, "the host name has a character hosts cannot have");
	if (colon) {
		if (parse_port(colon + 1, (size_t)(end - colon - 1), &u->port) < 0)
			return bad(err, text, "the port must be a number from 1 to 65535");
		u->port_given = 1;
	}
	return 0;
}

int jf_url_parse(jf_url *u, const char *text, jf_err *err)
{
	const char *sep, *auth, *rest, *q;
	size_t i, slen;
	int error;

	memset(u, 0, sizeof(*u));
	if (!text || !*text)
		return jf_err_set(err, JF_EINVAL, "empty URL or path");
	for (const char *p = text; *p; p++)
		if (iscntrl((unsigned char)*p))
			return bad(err, text, "it contains a control character");

	sep = strstr(text, "://");
	slen = sep ? (size_t)(sep - text) : 0;
	for (i = 0; sep && i < slen; i++)
		if (!isalnum((unsigned char)text[i]) && !strchr("+-.", text[i]))
			sep = NULL; /* "./a://b" is a path */
	if (!sep) {
		u->scheme = JF_URL_FILE;
		return (u->path = strdup(text)) ? 0 : JF_ENOMEM;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == slen && !strncasecmp(text, schemes[i].name, slen))
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		char what[96];

		snprintf(what, sizeof(what),
		         "unknown scheme '%.*s' (use http, https, oci, socket, "
		         "rfc2217, tftp or file)",
		         (int)(slen > 16 ? 16 : slen), text);
		return bad(err, text, what);
	}
	u->scheme = schemes[i].scheme;
	auth = sep + 3;

	if (u->scheme == JF_URL_FILE) {
		if (*auth != '/')
			return bad(err, text, "file URLs take an absolute path: file:///path");
		return (u->path = strdup(auth)) ? 0 : JF_ENOMEM;
	}

	rest = auth + strcspn(auth, "/?#");
	if (rest == auth) {
		error = bad(err, text, "the host is missing");
		goto fail;
	}
	if ((error = parse_authority(u, text, auth, (size_t)(rest - auth), err)) < 0)
		goto fail;
	if (!u->port_given)
		u->port = schemes[i].port;
	if ((u->scheme == JF_URL_SOCKET || u->scheme == JF_URL_RFC2217) && !u->port_given) {
		error = bad(err, text, "a serial endpoint needs a port: socket://host:port");
		goto fail;
	}
	if (*rest == '#')
		rest = rest + strlen(rest);
	q = strchr(rest, '?');
	if (u->scheme == JF_URL_OCI) {
		/* oci://registry/name:tag@digest — keep the reference as written. */
		u->path = strdup(*rest == '/' ? rest + 1 : rest);
	} else {
		size_t plen = q ? (size_t)(q - rest) : strcspn(rest, "#");

		u->path = plen ? strndup(rest, plen) : strdup("/");
		if (q)
			u->query = strndup(q + 1, strcspn(q + 1, "#"));
		if (q && !u->query)
			goto nomem;
	}
	if (!u->path)
		goto nomem;
	return 0;
nomem:
	error = JF_ENOMEM;
fail:
	jf_url_dispose(u);
	return error;
}

int jf_url_format(char *buf, size_t size, const jf_url *u)
{
	const char *name = jf_url_scheme_name(u->scheme);
	int v6 = u->host && strchr(u->host, ':') != NULL;
	char port[16] = "";

	if (u->scheme == JF_URL_FILE)
		return snprintf(buf, size, "%s", u->path);
	if (u->port && (u->port_given || u->port != jf_url_default_port(u->scheme)))
		snprintf(port, sizeof(port), ":%d", u->port);
	return snprintf(buf, size, "%s://%s%s%s%s%s%s%s%s", name, v6 ? "[" : "", u->host,
	                v6 ? "]" : "", port, u->scheme == JF_URL_OCI ? "/" : "", u->path,
	                u->query ? "?" : "", u->query ? u->query : "");
}
