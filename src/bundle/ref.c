/* OCI references: parsing and formatting (the distribution reference grammar,
 * slightly simplified: lowercase repository components, tags of up to 128
 * word characters, sha256 digests only). */
#include "jmpflash/bundle.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jmpflash/sha256.h"

#define DOCKER_HUB "registry-1.docker.io"

void jf_bundle_ref_dispose(jf_bundle_ref *r)
{
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static bool sep_char(char c)
{
	return c == '.' || c == '_' || c == '-';
}

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static bool component_ok(const char *s, size_t len)
{
	if (!len || sep_char(s[0]) || sep_char(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (sep_char(c)) {
			/* "._", "-." and "..." are not separators */
			if (i + 1 < len && sep_char(s[i + 1]) && !(c == '-' && s[i + 1] == '-') &&
			    !(c == '_' && s[i + 1] == '_'))
				return false;
			continue;
		}
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c)))
			return false;
	}
	return true;
}

static bool repository_ok(const char *s)
{
	if (!*s)
		return false;
	while (*s) {
		size_t n = strcspn(s, "/");

		if (!component_ok(s, n))
			return false;
		s += n;
		if (*s == '/' && !*++s)
			return false;
	}
	return true;
}

static bool tag_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static bool host_ok(const char *s, size_t len)
{
	size_t i = 0;

	if (!len)
		return false;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!(isxdigit((unsigned char)*p) || *p == ':' || *p == '.'))
				return false;
		i = (size_t)(close - s) + 1;
	} else {
		while (i < len && s[i] != ':') {
			if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '-'))
				return false;
			i++;
		}
		if (!i)
			return false;
	}
	if (i == len)
		return true;
	if (s[i] != ':' || i + 1 == len || len - i - 1 > 5)
		return false;
	for (i++; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool host_loopback(const char *h)
{
	size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":");

	return (n == 9 && !strncasecmp(h, "localhost", 9)) || !strncmp(h, "127.", 4) ||
	       (n == 5 && !strncmp(h, "[::1]", 5));
}

/* Does the first path component name a registry rather than a namespace? */
static bool looks_like_host(const char *s, size_t len)
{
	return memchr(s, '.', len) || memchr(s, ':', len) || memchr(s, '[', len) ||
	       (len == 9 && !strncmp(s, "localhost", 9));
}

static int bad(jf_err *err, const char *text, const char *why)
{
	return jf_err_set(err, JF_EINVAL, "invalid OCI reference '%.200s': %s", text, why);
}

static int split_digest(jf_bundle_ref *out, char *s, const char *text, jf_err *err)
{
	char *at = strchr(s, '@');

	if (!at)
		return 0;
	*at++ = '\0';
	if (strncmp(at, "sha256:", 7) || !jf_sha256_hex_valid(at + 7))
		return bad(err, text, "the digest must be sha256: followed by 64 hex digits");
	if (!(out->digest = strdup(at)))
		return JF_ENOMEM;
	for (char *p = out->digest; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* Docker Hub's one-part names live under "library/". */
static int set_repository(jf_bundle_ref *out, const char *name)
{
	size_t n = strlen(name) + 9;

	if (strcmp(out->registry, DOCKER_HUB) || strchr(name, '/'))
		out->repository = strdup(name);
	else if ((out->repository = malloc(n)))
		snprintf(out->repository, n, "library/%s", name);
	return out->repository ? 0 : JF_ENOMEM;
}

int jf_bundle_ref_parse(jf_bundle_ref *out, const char *text, jf_err *err)
{
	char *s = NULL, *name, *slash, *colon;
	int error = 0;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!strncasecmp(text, "oci://", 6))
		text += 6;
	else if (!strncasecmp(text, "docker://", 9))
		text += 9;
	if (!*text || strlen(text) > 1024) {
		error = bad(err, text, "empty or longer than 1024 characters");
		goto done;
	}
	if (!(s = strdup(text))) {
		error = JF_ENOMEM;
		goto done;
	}
	if ((error = split_digest(out, s, text, err)) < 0)
		goto done;
	slash = strchr(s, '/');
	hlen = slash ? (size_t)(slash - s) : 0;
	if (slash && looks_like_host(s, hlen)) {
		if (!host_ok(s, hlen)) {
			error = bad(err, text, "the registry host is not host[:port]");
			goto done;
		}
		*slash = '\0';
		if (!strcmp(s, "docker.io") || !strcmp(s, "index.docker.io"))
			out->registry = strdup(DOCKER_HUB);
		else
			out->registry = strdup(s);
		name = slash + 1;
	} else {
		out->registry = strdup(DOCKER_HUB);
		name = s;
	}
	if (!out->registry) {
		error = JF_ENOMEM;
		goto done;
	}
	colon = strrchr(name, ':');
	if (colon && !strchr(colon, '/')) {
		*colon++ = '\0';
		if (!tag_ok(colon)) {
			error = bad(err, text, "a tag is 1-128 letters, digits, '_', '.', '-'");
			goto done;
		}
		if (!(out->tag = strdup(colon))) {
			error = JF_ENOMEM;
			goto done;
		}
	}
	if (!repository_ok(name)) {
		error = bad(err, text,
		            "the repository must be lowercase letters, digits and "
		            "separators ('.', '_', '-') in '/'-separated parts");
		goto done;
	}
	if ((error = set_repository(out, name)) < 0)
		goto done;
	/* The limit holds for the repository as requested, "library/" included. */
	if (strlen(out->repository) > 255) {
		error = bad(err, text, "the repository is longer than 255 characters");
		goto done;
	}
	if (!out->tag && !out->digest && !(out->tag = strdup("latest"))) {
		error = JF_ENOMEM;
		goto done;
	}
	out->loopback = host_loopback(out->registry);
done:
	if (error == JF_ENOMEM)
		jf_err_set(err, JF_ENOMEM, "out of memory parsing an OCI reference");
	if (error < 0)
		jf_bundle_ref_dispose(out);
	free(s);
	return error;
}

int jf_bundle_ref_format(char *buf, size_t size, const jf_bundle_ref *r)
{
	if (r->digest)
		return snprintf(buf, size, "%s/%s@%s", r->registry, r->repository, r->digest);
	return snprintf(buf, size, "%s/%s:%s", r->registry, r->repository,
	                r->tag ? r->tag : "latest");
}
