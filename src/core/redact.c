#include "jmpflash/redact.h"
#include "jmpflash/error.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Secrets are added from the main thread while servers log from theirs:
 * @lock guards the list. */
struct jf_redact {
	pthread_mutex_t lock;
	char **secrets; /* longest first, so the longest match wins */
	size_t *lens;
	size_t n;
};

int jf_redact_new(jf_redact **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return JF_ENOMEM;
	pthread_mutex_init(&(*out)->lock, NULL);
	return 0;
}

void jf_redact_free(jf_redact *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		/* Wipe: the registry is the one place the secret lives on. */
		memset(r->secrets[i], 0, r->lens[i]);
		free(r->secrets[i]);
	}
	free(r->secrets);
	free(r->lens);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

size_t jf_redact_count(const jf_redact *r)
{
	return r ? r->n : 0;
}

static int add_locked(jf_redact *r, const char *secret);

int jf_redact_add(jf_redact *r, const char *secret)
{
	int error;

	pthread_mutex_lock(&r->lock);
	error = add_locked(r, secret);
	pthread_mutex_unlock(&r->lock);
	return error;
}

static int add_locked(jf_redact *r, const char *secret)
{
	size_t len = secret ? strlen(secret) : 0, at;
	char **secrets;
	size_t *lens;
	char *copy;

	if (!len)
		return 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->lens[i] == len && !memcmp(r->secrets[i], secret, len))
			return 0;
	if (!(copy = strdup(secret)))
		return JF_ENOMEM;
	if (!(secrets = realloc(r->secrets, (r->n + 1) * sizeof(*secrets)))) {
		free(copy);
		return JF_ENOMEM;
	}
	r->secrets = secrets;
	if (!(lens = realloc(r->lens, (r->n + 1) * sizeof(*lens)))) {
		free(copy);
		return JF_ENOMEM;
	}
	r->lens = lens;
	for (at = 0; at < r->n && r->lens[at] >= len; at++)
		;
	memmove(r->secrets + at + 1, r->secrets + at, (r->n - at) * sizeof(*secrets));
	memmove(r->lens + at + 1, r->lens + at, (r->n - at) * sizeof(*lens));
	r->secrets[at] = copy;
	r->lens[at] = len;
	r->n++;
	return 0;
}

/* Length of the registered secret that starts at @s, or 0. Sets *partial
 * when the @len available bytes are a proper prefix of a longer secret. */
static size_t match_secret(const jf_redact *r, const char *s, size_t len, int *partial)
{
	*partial = 0;
	if (!r)
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t sl = r->lens[i];

		if (sl <= len) {
			if (!memcmp(r->secrets[i], s, sl))
				return sl;
		} else if (!memcmp(r->secrets[i], s, len)) {
			*partial = 1;
		}
	}
	return 0;
}

static int is_value_end(char c)
{
	return c == '\0' || c == '\n' || c == '\r';
}

/* At @s: "Authorization:" (any case), "Proxy-Authorization:". Returns how many
 * bytes to copy before the masked value, and sets *vlen to the value length. */
static size_t match_auth_header(const char *s, size_t len, size_t *vlen)
{
	static const char key[] = "authorization:";
	size_t k = sizeof(key) - 1, i, v;

	if (len < k || strncasecmp(s, key, k))
		return 0;
	i = k;
	while (i < len && s[i] == ' ')
		i++;
	/* Keep the scheme word ("Bearer", "Basic") visible: it helps debugging. */
	for (v = i; v < len && isalpha((unsigned char)s[v]); v++)
		;
	if (v < len && s[v] == ' ' && v > i)
		i = v + 1;
	for (v = i; v < len && !is_value_end(s[v]); v++)
		;
	if (v == i)
		return 0;
	*vlen = v - i;
	return i;
}

/* At @s: "://user:password@". Returns bytes to copy (up to and including
 * the ':'), the password length in *vlen. */
static size_t match_url_userinfo(const char *s, size_t len, size_t *vlen)
{
	size_t i, colon = 0;

	if (len < 3 || memcmp(s, "://", 3))
		return 0;
	for (i = 3; i < len; i++) {
		char c = s[i];

		if (c == '@')
			break;
		if (c == '/' || c == '?' || c == '#' || isspace((unsigned char)c))
			return 0;
		if (c == ':' && !colon)
			colon = i;
	}
	if (i == len || !colon || i == colon + 1)
		return 0;
	*vlen = i - colon - 1;
	return colon + 1;
}

/* Copy @s to @out with every registered secret in it masked. Unless
 * @final, stop before a possible secret's prefix at the end (a stream's
 * next read may complete it). The bytes consumed, or a negative error. */
static long mask_secrets(const jf_redact *r, jf_buf *out, const char *s, size_t len, bool final)
{
	size_t i = 0, start = 0, m;
	int error, partial;

	while (i < len) {
		m = match_secret(r, s + i, len - i, &partial);
		if (partial && !final)
			break; /* might become a longer secret: wait for more */
		if (!m) {
			i++;
			continue;
		}
		if ((error = jf_buf_put(out, s + start, i - start)) < 0 ||
		    (error = jf_buf_puts(out, JF_REDACT_MASK)) < 0)
			return error;
		i += m;
		start = i;
	}
	if (final)
		i = len;
	if ((error = jf_buf_put(out, s + start, i - start)) < 0)
		return error;
	return (long)i;
}

static int put_masked(const jf_redact *r, jf_buf *out, const char *s, size_t len)
{
	long n = mask_secrets(r, out, s, len, true);

	return n < 0 ? (int)n : 0;
}

static int str_locked(const jf_redact *r, jf_buf *out, const char *s, size_t len);

int jf_redact_str(const jf_redact *r, jf_buf *out, const char *s, size_t len)
{
	int error;

	if (!r)
		return str_locked(r, out, s, len);
	pthread_mutex_lock((pthread_mutex_t *)&r->lock);
	error = str_locked(r, out, s, len);
	pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
	return error;
}

static int str_locked(const jf_redact *r, jf_buf *out, const char *s, size_t len)
{
	size_t i = 0, start = 0;
	int error, partial;

	while (i < len) {
		size_t m, keep, vlen = 0;

		if ((m = match_secret(r, s + i, len - i, &partial))) {
			keep = 0;
			vlen = m;
		} else if ((keep = match_auth_header(s + i, len - i, &vlen)) ||
		           (keep = match_url_userinfo(s + i, len - i, &vlen))) {
			;
		} else {
			i++;
			continue;
		}
		/* The part kept visible (a scheme word, a URL's user) may itself
		 * be a registered secret: it goes through the registry too. */
		if ((error = jf_buf_put(out, s + start, i - start)) < 0 ||
		    (error = put_masked(r, out, s + i, keep)) < 0 ||
		    (error = jf_buf_puts(out, JF_REDACT_MASK)) < 0)
			return error;
		i += keep + vlen;
		start = i;
	}
	return jf_buf_put(out, s + start, len - start);
}

void jf_redact_inplace(const jf_redact *r, char *s, size_t cap)
{
	jf_buf masked = JF_BUF_INIT, out = JF_BUF_INIT;
	size_t n;
	int error = cap ? jf_redact_str(r, &masked, s, strlen(s)) : JF_EINVAL;

	if (!error && masked.ptr)
		error = jf_buf_put_printable(&out, masked.ptr, masked.len);
	jf_buf_free(&masked);
	if (error < 0 || !out.ptr) {
		/* Never leave a message we could not check. */
		if (cap)
			s[0] = '\0';
		jf_buf_free(&out);
		return;
	}
	n = out.len < cap - 1 ? out.len : cap - 1;
	memcpy(s, out.ptr, n);
	s[n] = '\0';
	jf_buf_free(&out);
}

void jf_redact_stream_init(jf_redact_stream *s, const jf_redact *r)
{
	s->r = r;
	s->pending = (jf_buf)JF_BUF_INIT;
}

static int stream_scan_locked(jf_redact_stream *st, jf_buf *out, int final);

static int stream_scan(jf_redact_stream *st, jf_buf *out, int final)
{
	int error;

	if (!st->r)
		return stream_scan_locked(st, out, final);
	pthread_mutex_lock((pthread_mutex_t *)&st->r->lock);
	error = stream_scan_locked(st, out, final);
	pthread_mutex_unlock((pthread_mutex_t *)&st->r->lock);
	return error;
}

static int stream_scan_locked(jf_redact_stream *st, jf_buf *out, int final)
{
	long n = mask_secrets(st->r, out, st->pending.ptr, st->pending.len, final);

	if (n < 0)
		return (int)n;
	jf_buf_consume(&st->pending, (size_t)n);
	return 0;
}

int jf_redact_stream_feed(jf_redact_stream *s, const void *data, size_t len, jf_buf *out)
{
	int error;

	if ((error = jf_buf_put(&s->pending, data, len)) < 0)
		return error;
	return stream_scan(s, out, 0);
}

int jf_redact_stream_flush(jf_redact_stream *s, jf_buf *out)
{
	if (!s->pending.len)
		return 0;
	return stream_scan(s, out, 1);
}

void jf_redact_stream_free(jf_redact_stream *s)
{
	jf_buf_free(&s->pending);
}
