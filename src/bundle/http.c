/* The registry's HTTP side on libcurl: one exchange with redirects handled
 * here (so that credentials never follow a redirect to another host), the
 * Bearer token flow and Basic auth. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bundle_int.h"

#define MAX_REDIRECTS 5
#define ERRBODY_MAX   2048

void jf_bundle__resp_dispose(jf_http_resp *r)
{
	free(r->location);
	free(r->www_auth);
	free(r->content_digest);
	free(r->content_type);
	free(r->content_range);
	jf_buf_free(&r->errbody);
	memset(r, 0, sizeof(*r));
}

typedef struct xfer {
	jf_bundle_client *c;
	jf_http_req *req;
	jf_http_resp *resp;
	uint64_t sent; /* upload offset */
	int werrno;    /* a failed write(2) */
	bool overflow; /* the in-memory body passed out_max */
	bool started;  /* the first 2xx body byte arrived */
	bool toolong;  /* more bytes than req->total */
	bool badrange; /* a 206 for another range than asked */
} xfer;

static bool is_2xx(long s)
{
	return s >= 200 && s < 300;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
	xfer *x = user;
	size_t len = size * n, klen;
	char **slot = NULL;
	const char *colon = memchr(data, ':', len);

	if (len >= 5 && !strncmp(data, "HTTP/", 5)) { /* a new response (after 100, redirects) */
		jf_bundle__resp_dispose(x->resp);
		return len;
	}
	if (!colon)
		return len;
	klen = (size_t)(colon - data);
	if (klen == 8 && !strncasecmp(data, "location", 8))
		slot = &x->resp->location;
	else if (klen == 16 && !strncasecmp(data, "www-authenticate", 16))
		slot = &x->resp->www_auth;
	else if (klen == 21 && !strncasecmp(data, "docker-content-digest", 21))
		slot = &x->resp->content_digest;
	else if (klen == 12 && !strncasecmp(data, "content-type", 12))
		slot = &x->resp->content_type;
	else if (klen == 13 && !strncasecmp(data, "content-range", 13))
		slot = &x->resp->content_range;
	if (slot && !*slot) {
		const char *v = colon + 1, *end = data + len;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		if (!(*slot = strndup(v, (size_t)(end - v))))
			return 0;
	}
	return len;
}

/* The first bytes of a file download: a server that ignored our Range
 * sends everything again (start over); a 206 must start where we asked. */
static int start_file(xfer *x, long status)
{
	jf_http_req *r = x->req;
	unsigned long long from;

	if (!r->range_from)
		return 0;
	if (status == 206) {
		if (!x->resp->content_range ||
		    sscanf(x->resp->content_range, "bytes %llu-", &from) != 1 ||
		    from != r->range_from) {
			x->badrange = true;
			return -1;
		}
		return 0;
	}
	if (ftruncate(r->out_fd, 0) < 0 || lseek(r->out_fd, 0, SEEK_SET) < 0) {
		x->werrno = errno;
		return -1;
	}
	r->base = 0;
	r->range_from = 0;
	if (r->hash) {
		jf_sha256_dispose(r->hash);
		if (jf_sha256_init(r->hash) < 0)
			return -1;
	}
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
	xfer *x = user;
	jf_http_req *r = x->req;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!is_2xx(status)) {
		size_t room = ERRBODY_MAX - x->resp->errbody.len;

		if (room && jf_buf_put(&x->resp->errbody, data, len < room ? len : room) < 0)
			return 0;
		return len;
	}
	if (r->out_fd >= 0) {
		if (!x->started && (x->started = true) && start_file(x, status) < 0)
			return 0;
		if (r->total && r->base + *r->written + len > r->total) {
			x->toolong = true;
			return 0;
		}
		for (size_t off = 0; off < len;) {
			ssize_t w = write(r->out_fd, data + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				x->werrno = errno;
				return 0;
			}
			off += (size_t)w;
		}
		if (r->hash && jf_sha256_update(r->hash, data, len) < 0)
			return 0;
		*r->written += len;
		if (r->what)
			jf_bundle__progress(x->c, r->what, r->base + *r->written, r->total);
		return len;
	}
	if (r->out) {
		if (r->out->len + len > r->out_max) {
			x->overflow = true;
			return 0;
		}
		if (jf_buf_put(r->out, data, len) < 0)
			return 0;
	}
	return len;
}

static size_t on_read(char *data, size_t size, size_t n, void *user)
{
	xfer *x = user;
	jf_http_req *r = x->req;
	size_t want = size * n;

	if (r->body_fd < 0) {
		size_t left = r->body_len - (size_t)x->sent;

		if (want > left)
			want = left;
		memcpy(data, (const char *)r->body + x->sent, want);
		x->sent += want;
		return want;
	}
	for (;;) {
		ssize_t got = pread(r->body_fd, data, want, (off_t)x->sent);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return CURL_READFUNC_ABORT;
		x->sent += (uint64_t)got;
		if (r->what)
			jf_bundle__progress(x->c, r->what, x->sent, r->total);
		return (size_t)got;
	}
}

static bool same_origin(const char *a, const char *b)
{
	CURLU *ua = curl_url(), *ub = curl_url();
	char *ha = NULL, *hb = NULL, *pa = NULL, *pb = NULL, *sa = NULL, *sb = NULL;
	bool same = false;

	if (ua && ub && !curl_url_set(ua, CURLUPART_URL, a, 0) &&
	    !curl_url_set(ub, CURLUPART_URL, b, 0) && !curl_url_get(ua, CURLUPART_HOST, &ha, 0) &&
	    !curl_url_get(ub, CURLUPART_HOST, &hb, 0) &&
	    !curl_url_get(ua, CURLUPART_PORT, &pa, CURLU_DEFAULT_PORT) &&
	    !curl_url_get(ub, CURLUPART_PORT, &pb, CURLU_DEFAULT_PORT) &&
	    !curl_url_get(ua, CURLUPART_SCHEME, &sa, 0) &&
	    !curl_url_get(ub, CURLUPART_SCHEME, &sb, 0))
		same = !strcasecmp(ha, hb) && !strcmp(pa, pb) && !strcasecmp(sa, sb);
	curl_free(ha);
	curl_free(hb);
	curl_free(pa);
	curl_free(pb);
	curl_free(sa);
	curl_free(sb);
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

/* @location resolved against @base into a new string (curl_free). */
static char *resolve(const char *base, const char *location)
{
	CURLU *u = curl_url();
	char *out = NULL;

	if (u && !curl_url_set(u, CURLUPART_URL, base, 0) &&
	    !curl_url_set(u, CURLUPART_URL, location, 0))
		curl_url_get(u, CURLUPART_URL, &out, 0);
	curl_url_cleanup(u);
	return out;
}

/* The options every request shares. */
static void set_common(jf_bundle_client *c, CURL *h, xfer *x, const char *url)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* a redirect to file:// or anything else must not be followed */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jmpflash/" JF_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->opts.timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)c->opts.timeout_s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	if (c->opts.insecure_tls) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->opts.cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->opts.cacert);
	if (c->opts.max_rate)
		curl_easy_setopt(h, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)c->opts.max_rate);
}

/* What went wrong with a transfer that curl reports as failed. */
static int xfer_error(const xfer *x, CURLcode rc, jf_err *err)
{
	int error;

	if (x->werrno)
		error = jf_err_sys(err, JF_EIO, x->werrno, "cannot write the download");
	else if (x->toolong)
		error = jf_err_set(err, JF_EINTEGRITY,
		                   "the registry sent more than the %llu bytes "
		                   "the manifest announced",
		                   (unsigned long long)x->req->total);
	else if (x->badrange)
		error = jf_err_set(err, JF_EPROTO,
		                   "the registry answered a resume request with "
		                   "another range (%s)",
		                   x->resp->content_range ? x->resp->content_range : "none");
	else if (x->overflow)
		error = jf_err_set(err, JF_EPROTO, "the registry's answer is larger than %zu bytes",
		                   x->req->out_max);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION)
		error = jf_err_set(err, JF_EPERM,
		                   "the registry's TLS certificate is not trusted "
		                   "(%s); pass --cacert FILE, or -k to skip the check",
		                   curl_easy_strerror(rc));
	else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	         rc == CURLE_OPERATION_TIMEDOUT)
		error =
		    jf_err_set(err, rc == CURLE_OPERATION_TIMEDOUT ? JF_ETIMEOUT : JF_EUNREACHABLE,
		               "%s", curl_easy_strerror(rc));
	else
		error = jf_err_set(err, JF_EPROTO, "%s", curl_easy_strerror(rc));
	return error;
}

static int send_once(jf_bundle_client *c, jf_http_req *req, const char *url, const char *auth,
                     jf_http_resp *resp, jf_err *err)
{
	CURL *h = c->curl;
	struct curl_slist *hdrs = NULL;
	xfer x = {c, req, resp, 0, 0, false, false, false, false};
	jf_buf line = JF_BUF_INIT;
	char range[64];
	CURLcode rc;
	int error = 0;

	set_common(c, h, &x, url);
	if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(req->method, "PUT") || !strcmp(req->method, "POST")) {
		curl_off_t n =
		    req->body_fd >= 0 ? (curl_off_t)req->body_size : (curl_off_t)req->body_len;

		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, n);
		hdrs = curl_slist_append(hdrs, "Expect:");
	}
	if (req->range_from) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)req->range_from);
		curl_easy_setopt(h, CURLOPT_RANGE, range);
	}
	if (req->accept && jf_buf_printf(&line, "Accept: %s", req->accept) == 0)
		hdrs = curl_slist_append(hdrs, line.ptr);
	jf_buf_clear(&line);
	if (req->content_type && jf_buf_printf(&line, "Content-Type: %s", req->content_type) == 0)
		hdrs = curl_slist_append(hdrs, line.ptr);
	jf_buf_clear(&line);
	if (auth && jf_buf_printf(&line, "Authorization: %s", auth) == 0)
		hdrs = curl_slist_append(hdrs, line.ptr);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(h);
	c->last_curl = rc;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (rc == CURLE_OK)
		goto done;
	error = xfer_error(&x, rc, err);
done:
	if (line.ptr)
		memset(line.ptr, 0, line.len);
	jf_buf_free(&line);
	curl_slist_free_all(hdrs);
	return error;
}

int jf_bundle__send(jf_bundle_client *c, jf_http_req *req, const char *origin, const char *auth,
                    jf_http_resp *resp, jf_err *err)
{
	char *url = strdup(req->url), *next;
	int error = 0;

	if (!url)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	for (int hops = 0;; hops++) {
		const char *a = same_origin(url, origin) ? auth : NULL;

		jf_bundle__resp_dispose(resp);
		if (req->written)
			*req->written = 0;
		if ((error = send_once(c, req, url, a, resp, err)) < 0)
			break;
		if (resp->status < 300 || resp->status >= 400 || resp->status == 304 ||
		    !resp->location)
			break;
		if (hops == MAX_REDIRECTS) {
			error = jf_err_set(err, JF_EPROTO, "more than %d redirects", MAX_REDIRECTS);
			break;
		}
		if (!(next = resolve(url, resp->location))) {
			error = jf_err_set(err, JF_EPROTO, "bad redirect Location");
			break;
		}
		jf_debug(c->log, "bundle", "redirected to another %s",
		         same_origin(next, origin) ? "path" : "host (without credentials)");
		free(url);
		url = strdup(next);
		curl_free(next);
		if (!url)
			return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	free(url);
	return error;
}
