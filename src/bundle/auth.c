/* Registry authentication inputs: WWW-Authenticate challenges (RFC 7235
 * auth-params) and credentials from docker config.json / containers
 * auth.json files. */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bundle_int.h"

void jf_auth_challenge_dispose(jf_auth_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

void jf_auth_cred_dispose(jf_auth_cred *c)
{
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->username);
	free(c->password);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

static bool tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Read a token or a quoted-string at *p into a new string. */
static char *param_value(const char **p)
{
	const char *s = *p;
	jf_buf b = JF_BUF_INIT;

	if (*s != '"') {
		size_t n = 0;

		while (tchar(s[n]) || s[n] == '/' || s[n] == ':' || s[n] == '=')
			n++;
		if (!n || jf_buf_put(&b, s, n) < 0)
			return NULL;
		*p = s + n;
		return jf_buf_detach(&b);
	}
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (jf_buf_put(&b, s, 1) < 0)
			goto fail;
	}
	if (*s != '"')
		goto fail; /* unterminated */
	*p = s + 1;
	if (!b.ptr && jf_buf_puts(&b, "") < 0)
		goto fail;
	return jf_buf_detach(&b);
fail:
	jf_buf_free(&b);
	return NULL;
}

static int set_param(jf_auth_challenge *out, const char *key, size_t klen, char *val)
{
	char **slot = NULL;

	if (klen == 5 && !strncasecmp(key, "realm", 5))
		slot = &out->realm;
	else if (klen == 7 && !strncasecmp(key, "service", 7))
		slot = &out->service;
	else if (klen == 5 && !strncasecmp(key, "scope", 5))
		slot = &out->scope;
	if (!slot || *slot) { /* unknown or repeated: keep the first */
		free(val);
		return 0;
	}
	*slot = val;
	return 0;
}

int jf_auth_challenge_parse(jf_auth_challenge *out, const char *header, jf_err *err)
{
	const char *p = header;
	size_t n;
	int error = 0;

	memset(out, 0, sizeof(*out));
	while (*p == ' ' || *p == '\t')
		p++;
	for (n = 0; tchar(p[n]); n++)
		;
	if (!n || (p[n] && p[n] != ' ')) {
		error = jf_err_set(err, JF_EPROTO,
		                   "malformed WWW-Authenticate header from the "
		                   "registry: no auth scheme");
		goto done;
	}
	if (!(out->scheme = strndup(p, n))) {
		error = JF_ENOMEM;
		goto done;
	}
	p += n;
	for (;;) {
		const char *key;
		char *val;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		key = p;
		for (n = 0; tchar(p[n]); n++)
			;
		p += n;
		while (*p == ' ')
			p++;
		if (*p != '=')
			break; /* the start of a second challenge: one is enough */
		p++;
		while (*p == ' ')
			p++;
		if (!n || !(val = param_value(&p))) {
			error = jf_err_set(err, JF_EPROTO,
			                   "malformed WWW-Authenticate header from "
			                   "the registry: bad parameter");
			goto done;
		}
		set_param(out, key, n, val);
	}
	if (!strcasecmp(out->scheme, "Bearer") && (!out->realm || !*out->realm))
		error = jf_err_set(err, JF_EPROTO,
		                   "WWW-Authenticate Bearer challenge from the "
		                   "registry has no realm");
done:
	if (error == JF_ENOMEM)
		jf_err_set(err, error, "out of memory");
	if (error < 0)
		jf_auth_challenge_dispose(out);
	return error;
}

char *jf_bundle__b64(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *jf_bundle__unb64(const char *s, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *out;
	int got;

	if (n % 4 || n > (1u << 20))
		return NULL;
	if (!(out = malloc(n / 4 * 3 + 1)))
		return NULL;
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (got < 0) {
		free(out);
		return NULL;
	}
	if (n && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	*len = (size_t)got - pad;
	out[*len] = '\0';
	return (char *)out;
}

/* "https://index.docker.io/v1/" -> "docker.io", "http://h:5000/" -> "h:5000";
 * containers keys keep a repository path ("quay.io/org/repo"). */
static void normalize_key(char *out, size_t size, const char *key)
{
	const char *p = strstr(key, "://");
	size_t n;

	p = p ? p + 3 : key;
	snprintf(out, size, "%s", p);
	n = strlen(out);
	while (n && out[n - 1] == '/')
		out[--n] = '\0';
	if (n >= 3 && (!strcmp(out + n - 3, "/v1") || !strcmp(out + n - 3, "/v2")))
		out[n - 3] = '\0';
	if (!strncmp(out, "index.docker.io", 15) || !strncmp(out, "registry-1.docker.io", 20)) {
		const char *rest = out + strcspn(out, "/");
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "docker.io%s", rest);
		snprintf(out, size, "%s", tmp);
	}
}

/* How well @key matches registry/repository: 0 = not at all, else the
 * length of the match (a longer, more specific key wins). */
static size_t key_score(const char *key, const char *registry, const char *repository)
{
	char k[512], want[768];
	size_t klen;

	normalize_key(k, sizeof(k), key);
	normalize_key(want, sizeof(want), registry);
	klen = strlen(k);
	if (!klen)
		return 0;
	if (strlen(want) + 1 + strlen(repository) + 1 > sizeof(want))
		return 0;
	strcat(want, "/");
	strcat(want, repository);
	if (strncmp(want, k, klen) || (want[klen] && want[klen] != '/'))
		return 0;
	return klen;
}

static int entry_cred(jf_auth_cred *out, json_t *entry, const char *source, jf_log *log,
                      jf_err *err)
{
	const char *auth = json_string_value(json_object_get(entry, "auth"));
	char *plain, *colon;
	size_t len;

	if (!auth || !*auth)
		return jf_err_set(err, JF_ENOTFOUND, "%s has no \"auth\" for this registry",
		                  source);
	if (!(plain = jf_bundle__unb64(auth, &len)) || strlen(plain) != len ||
	    !(colon = strchr(plain, ':'))) {
		free(plain);
		return jf_err_set(err, JF_EINVAL,
		                  "%s: an \"auth\" value is not base64 of "
		                  "user:password; log in again",
		                  source);
	}
	*colon = '\0';
	out->username = strdup(plain);
	out->password = strdup(colon + 1);
	out->source = strdup(source);
	memset(plain, 0, len);
	free(plain);
	if (!out->username || !out->password || !out->source) {
		jf_auth_cred_dispose(out);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	if (log && (jf_log_secret(log, out->password) < 0 || jf_log_secret(log, auth) < 0)) {
		jf_auth_cred_dispose(out);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	return 0;
}

int jf_auth_file_lookup(jf_auth_cred *out, const char *json, const char *source,
                        const char *registry, const char *repository, jf_log *log, jf_err *err)
{
	json_error_t jerr;
	json_t *root = json_loads(json, 0, &jerr), *auths, *best = NULL, *entry;
	const char *key;
	size_t best_score = 0;
	int error;

	memset(out, 0, sizeof(*out));
	if (!root || !json_is_object(root)) {
		/* jansson quotes the text "near" the error, which can be a token or
		 * a password that lost its quotes: line and column only. */
		char *near = root ? NULL : strstr(jerr.text, " near ");

		if (near)
			*near = '\0';
		error = jf_err_set(err, JF_EINVAL,
		                   "%s is not a JSON object (line %d, column %d: %s); fix or "
		                   "remove it",
		                   source, root ? 1 : jerr.line, root ? 1 : jerr.column,
		                   root ? "not an object" : jerr.text);
		goto done;
	}
	auths = json_object_get(root, "auths");
	if (auths && !json_is_object(auths)) {
		error = jf_err_set(err, JF_EINVAL,
		                   "%s: \"auths\" is not an object; fix or remove "
		                   "the file",
		                   source);
		goto done;
	}
	json_object_foreach(auths, key, entry)
	{
		size_t s = json_is_object(entry) ? key_score(key, registry, repository) : 0;

		if (s > best_score) {
			best_score = s;
			best = entry;
		}
	}
	if (!best) {
		error =
		    jf_err_set(err, JF_ENOTFOUND, "%s has no credentials for %s", source, registry);
		goto done;
	}
	error = entry_cred(out, best, source, log, err);
done:
	json_decref(root);
	return error;
}
