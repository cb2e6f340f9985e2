/* Downloads for --force-exporter-http: the host fetches the image over
 * http(s) with libcurl and serves it to the board itself. The file is
 * written to a temp name and hashed on the way; it appears under its real
 * name only once complete. Header values, the bearer token and a URL's
 * password are secrets: never in a message, registered with the log. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_int.h"
#include "jmpflash/url.h"

typedef struct dl {
	const jf_image_fetch_opts *o;
	CURL *curl;
	int fd;
	jf_sha256 hash;
	uint64_t size;
	unsigned char head[JF_IMAGE_MAGIC_LEN];
	size_t head_len;
	int werrno;
} dl;

static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int jf_image_header_check(const char *h, jf_err *err)
{
	const char *colon = h ? strchr(h, ':') : NULL, *v;

	if (!colon)
		return jf_err_set(err, JF_EINVAL, "invalid header: expected 'Key: Value'");
	for (const char *k = h; k < colon; k++)
		if (!tchar(*k))
			return jf_err_set(err, JF_EINVAL,
			                  "invalid header: the name before ':' "
			                  "must be an HTTP token (letters, digits, '-')");
	if (colon == h)
		return jf_err_set(err, JF_EINVAL, "invalid header: empty name before ':'");
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	if (!*v)
		return jf_err_set(err, JF_EINVAL, "invalid header '%.*s': empty value",
		                  (int)(colon - h), h);
	if (strpbrk(v, "\r\n"))
		return jf_err_set(err, JF_EINVAL,
		                  "invalid header '%.*s': the value contains a "
		                  "line break",
		                  (int)(colon - h), h);
	return 0;
}

int jf_image_header_secret(jf_log *log, const char *header)
{
	const char *v = strchr(header, ':');

	if (!log || !v)
		return 0;
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	return strlen(v) >= JF_REDACT_MIN_LEN ? jf_log_secret(log, v) : 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	dl *d = user;
	size_t len = size * n;
	long status = 0;
	int e;

	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300)
		return len; /* an error page: dropped, the status says it all */
	if ((e = jf_image__write_all(d->fd, data, len)) < 0) {
		d->werrno = -e;
		return 0;
	}
	jf_sha256_update(&d->hash, data, len);
	for (size_t i = 0; i < len && d->head_len < sizeof(d->head); i++)
		d->head[d->head_len++] = (unsigned char)data[i];
	d->size += len;
	return len;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
	dl *d = user;

	(void)ultotal;
	(void)ulnow;
	if (d->o->progress && dlnow > 0)
		d->o->progress(d->o->progress_user, (uint64_t)dlnow,
		               dltotal > 0 ? (uint64_t)dltotal : 0);
	return jf_image__canceled(d->o->cancel_fd);
}

static int secret(jf_log *log, const char *s)
{
	return log && s && *s ? jf_log_secret(log, s) : 0;
}

/* Check every header and the token, register them as secrets, build the
 * list curl sends. */
static int headers(struct curl_slist **list, const jf_image_fetch_opts *o, jf_err *err)
{
	int error;

	*list = NULL;
	if (o->bearer && (!*o->bearer || strpbrk(o->bearer, "\r\n")))
		return jf_err_set(err, JF_EINVAL,
		                  "invalid bearer token: empty or with a line break");
	if (secret(o->log, o->bearer) < 0)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	for (size_t i = 0; o->headers && o->headers[i]; i++) {
		struct curl_slist *l;

		if ((error = jf_image_header_check(o->headers[i], err)) < 0)
			return error;
		if (jf_image_header_secret(o->log, o->headers[i]) < 0 ||
		    !(l = curl_slist_append(*list, o->headers[i])))
			return jf_err_set(err, JF_ENOMEM, "out of memory");
		*list = l;
	}
	return 0;
}

static int http_fail(long status, const char *shown, jf_err *err)
{
	if (status == 404 || status == 410)
		return jf_err_set(err, JF_ENOTFOUND, "image %s not found (HTTP %ld)", shown,
		                  status);
	if (status == 401 || status == 403)
		return jf_err_set(err, JF_EPERM,
		                  "image %s: access refused (HTTP %ld); check "
		                  "--bearer and --header",
		                  shown, status);
	return jf_err_set(err, JF_EPROTO, "image %s: the server answered HTTP %ld", shown, status);
}

static int curl_fail(CURLcode rc, const dl *d, const char *why, const char *shown, const char *dst,
                     jf_err *err)
{
	const char *msg = *why ? why : curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return jf_err_set(err, JF_ECANCELED, "download of %s canceled", shown);
	case CURLE_WRITE_ERROR:
		return jf_err_sys(err, JF_EIO, d->werrno ? d->werrno : EIO, "cannot write '%s'",
		                  dst);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return jf_err_set(err, JF_EUNREACHABLE, "cannot download %s: %s", shown, msg);
	case CURLE_OPERATION_TIMEDOUT:
		return jf_err_set(err, JF_ETIMEOUT, "download of %s stalled: %s", shown, msg);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		/* a refusal, not trouble a retry could fix */
		return jf_err_set(err, JF_EPERM,
		                  "cannot download %s: %s (use --cacert FILE, or "
		                  "--insecure-tls to skip verification)",
		                  shown, msg);
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_TOO_MANY_REDIRECTS:
		return jf_err_set(err, JF_EPROTO, "cannot download %s: %s", shown, msg);
	default:
		return jf_err_set(err, JF_EIO, "cannot download %s: %s", shown, msg);
	}
}

static void setup(CURL *c, dl *d, struct curl_slist *hdrs, char *why)
{
	const jf_image_fetch_opts *o = d->o;
	unsigned long stall = o->stall_timeout_ms ? o->stall_timeout_ms : 60000;

	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "jmpflash/" JF_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, d);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)(o->connect_timeout_ms ? o->connect_timeout_ms : 30000));
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)(stall < 1000 ? 1 : stall / 1000));
	if (o->bearer) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, o->bearer);
	}
	if (o->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
	if (o->insecure_tls) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* Parse and check @url; @shown gets it without credentials. */
static int check_url(char *shown, size_t size, const char *url, jf_log *log, jf_err *err)
{
	jf_url u;
	int error;

	if ((error = jf_url_parse(&u, url, err)) < 0)
		return error;
	jf_url_format(shown, size, &u);
	if (u.scheme != JF_URL_HTTP && u.scheme != JF_URL_HTTPS)
		error = jf_err_set(err, JF_EINVAL, "cannot download %s: only http and https URLs",
		                   shown);
	else if (secret(log, u.password) < 0)
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
	jf_url_dispose(&u);
	return error;
}

int jf_image_fetch(jf_image_info *out, const char *url, const char *dst_path,
                   const jf_image_fetch_opts *opts, jf_err *err)
{
	static const jf_image_fetch_opts defaults = JF_IMAGE_FETCH_OPTS_INIT;
	char shown[2048], why[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	dl d = {.o = opts ? opts : &defaults, .fd = -1};
	char *tmp = NULL;
	long status = 0;
	CURLcode rc;
	int error;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((error = check_url(shown, sizeof(shown), url, d.o->log, err)) < 0 ||
	    (error = headers(&hdrs, d.o, err)) < 0)
		goto done;
	if (!(d.curl = curl_easy_init()) || jf_sha256_init(&d.hash) < 0) {
		error = jf_err_set(err, JF_ENOMEM, "cannot start a download");
		goto done;
	}
	if ((d.fd = jf_image__tmpfile(&tmp, dst_path, err)) < 0) {
		error = d.fd;
		goto done;
	}
	setup(d.curl, &d, hdrs, why);
	curl_easy_setopt(d.curl, CURLOPT_URL, url);
	rc = curl_easy_perform(d.curl);
	curl_easy_getinfo(d.curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		error = curl_fail(rc, &d, why, shown, dst_path, err);
	else if (status < 200 || status >= 300)
		error = http_fail(status, shown, err);
	if (error < 0)
		goto done;
	error = close(d.fd);
	d.fd = -1;
	if (error < 0 || rename(tmp, dst_path) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot write '%s'", dst_path);
		goto done;
	}
	free(tmp);
	tmp = NULL;
	if (out) {
		out->size = d.size;
		out->compression = jf_image_detect(d.head, d.head_len);
		jf_sha256_final(&d.hash, NULL, out->sha256);
		if (out->compression == JF_COMP_NONE) {
			out->has_raw = true;
			out->raw_size = out->size;
			memcpy(out->raw_sha256, out->sha256, sizeof(out->sha256));
		}
	}
done:
	if (d.hash.md)
		jf_sha256_dispose(&d.hash);
	if (d.fd >= 0)
		close(d.fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	curl_slist_free_all(hdrs);
	if (d.curl)
		curl_easy_cleanup(d.curl);
	if (error < 0)
		jf_log_redact_err(d.o->log, err);
	return error;
}
