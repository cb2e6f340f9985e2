/* Checksum options and files: a bare sha256, sha256sum output, or BSD
 * style "SHA256 (file) = hash". */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "image_int.h"

#define HEXLEN JF_SHA256_HEX_LEN

typedef struct entry {
	const char *hash; /* 64 hex digits */
	const char *name; /* base name, not terminated: name_len bytes */
	size_t name_len;
} entry;

static size_t hex_run(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && isxdigit((unsigned char)s[i]))
		i++;
	return i;
}

static void base_of(const char *s, size_t len, const char **base, size_t *blen)
{
	const char *end = s + len, *p = end;

	while (p > s && p[-1] != '/')
		p--;
	*base = p;
	*blen = (size_t)(end - p);
}

/* "SHA256 (name) = HASH" */
static int parse_bsd(entry *e, const char *s, size_t len, unsigned line, jf_err *err)
{
	const char *open = memchr(s, '(', len), *close = NULL;

	for (const char *p = s + len - 1; open && p > open; p--)
		if (*p == ')') {
			close = p;
			break;
		}
	if (!open || !close || (size_t)(s + len - close) < 4 || memcmp(close, ") = ", 4))
		return 1;
	if (open - s != 7 || memcmp(s, "SHA256 ", 7))
		return jf_err_set(err, JF_EINVAL,
		                  "checksum line %u is not a SHA256 digest "
		                  "('%.*s'): only SHA256 is supported",
		                  line, (int)(open - s), s);
	if (close - open - 1 <= 0)
		return 1;
	e->hash = close + 4;
	if ((size_t)(s + len - e->hash) != HEXLEN || hex_run(e->hash, HEXLEN) != HEXLEN)
		return jf_err_set(err, JF_EINVAL,
		                  "checksum line %u: the SHA256 value is not 64 hex "
		                  "digits",
		                  line);
	base_of(open + 1, (size_t)(close - open - 1), &e->name, &e->name_len);
	return 0;
}

/* "HASH  name", "HASH *name" (sha256sum; also one blank), or "HASH" alone */
static int parse_gnu(entry *e, const char *s, size_t len)
{
	size_t n, i;

	if (len && s[0] == '\\') { /* sha256sum escapes odd names this way */
		s++;
		len--;
	}
	n = hex_run(s, len);
	if (n != HEXLEN || (n < len && s[n] != ' ' && s[n] != '\t'))
		return 1;
	e->hash = s;
	for (i = n; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i < len && s[i] == '*')
		i++;
	base_of(s + i, len - i, &e->name, &e->name_len);
	return 0;
}

static int parse_line(entry *e, const char *s, size_t len, unsigned line, jf_err *err)
{
	int rc;

	if ((rc = parse_gnu(e, s, len)) <= 0)
		return rc;
	if (hex_run(s, len) == len)
		return jf_err_set(err, JF_EINVAL,
		                  "checksum line %u is a %zu-digit digest: a sha256 "
		                  "has 64 hex digits",
		                  line, len);
	if ((rc = parse_bsd(e, s, len, line, err)) <= 0)
		return rc;
	return jf_err_set(err, JF_EINVAL,
	                  "checksum line %u ('%.40s%s') is neither 'HASH  FILE' "
	                  "(sha256sum) nor 'SHA256 (FILE) = HASH'",
	                  line, s, len > 40 ? "..." : "");
}

static void hint_base(const char *hint, const char **base, size_t *blen)
{
	size_t len = strcspn(hint, "?#"); /* a URL's query is not part of the name */

	base_of(hint, len, base, blen);
}

/* Pick the entry for @hint among @n (> 1). */
static int pick(const entry **out, const entry *es, size_t n, const char *hint, jf_err *err)
{
	const char *base;
	size_t blen;

	*out = NULL;
	if (!hint)
		return jf_err_set(err, JF_EINVAL,
		                  "the checksum file lists %zu files and no image "
		                  "name says which one to use",
		                  n);
	hint_base(hint, &base, &blen);
	for (size_t i = 0; i < n; i++) {
		if (es[i].name_len != blen || memcmp(es[i].name, base, blen))
			continue;
		if (*out && strncasecmp((*out)->hash, es[i].hash, HEXLEN))
			return jf_err_set(err, JF_EINVAL,
			                  "the checksum file lists '%.*s' twice "
			                  "with different sha256",
			                  (int)blen, base);
		*out = &es[i];
	}
	if (!*out)
		return jf_err_set(err, JF_EINVAL,
		                  "the checksum file has no line for '%.*s' "
		                  "(it lists %zu files)",
		                  (int)blen, base, n);
	return 0;
}

#define MAX_ENTRIES 256

int jf_checksum_parse(char out[JF_SHA256_HEX_LEN + 1], const char *text, const char *filename_hint,
                      jf_err *err)
{
	entry es[MAX_ENTRIES];
	const entry *e = NULL;
	size_t n = 0;
	unsigned line = 0;
	int error;

	out[0] = '\0';
	if (!text)
		return jf_err_set(err, JF_EINVAL, "no checksum given");
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *s = p;

		line++;
		p = nl ? nl + 1 : end;
		while (s < end && isspace((unsigned char)*s))
			s++;
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		if (s == end || *s == '#')
			continue;
		if (n == MAX_ENTRIES)
			return jf_err_set(err, JF_EINVAL,
			                  "the checksum file has more than %d lines", MAX_ENTRIES);
		if ((error = parse_line(&es[n], s, (size_t)(end - s), line, err)) < 0)
			return error;
		n++;
	}
	if (!n)
		return jf_err_set(err, JF_EINVAL,
		                  "no sha256 found: expected 64 hex digits, "
		                  "sha256sum output or 'SHA256 (FILE) = HASH'");
	if (n == 1)
		e = &es[0];
	else if ((error = pick(&e, es, n, filename_hint, err)) < 0)
		return error;
	for (size_t i = 0; i < HEXLEN; i++)
		out[i] = (char)tolower((unsigned char)e->hash[i]);
	out[HEXLEN] = '\0';
	return 0;
}
