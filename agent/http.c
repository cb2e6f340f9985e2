/* A small HTTP/1.1 client: GET with Range, a few redirects, Content-Length
 * bodies, keep-alive; https through tls.c. The board's servers are the
 * flasher's own HTTP server or the user's mirror. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent.h"

#define HEAD_MAX (64 * 1024)
#define STALL_S  30

static int dial(const jf_agent_url *u, jf_err *err)
{
	struct addrinfo hints = {0}, *res = NULL;
	struct timeval tv = {STALL_S, 0};
	int fd = -1, rc, one = 1, bufsz = 4 << 20;

	hints.ai_socktype = SOCK_STREAM;
	/* Numeric first: a static binary has no NSS for names on a board. */
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		hints.ai_flags = AI_NUMERICSERV;
		if ((rc = getaddrinfo(u->host, u->port, &hints, &res)) != 0)
			return jf_err_set(err, JF_EUNREACHABLE, "cannot resolve '%s': %s", u->host,
			                  gai_strerror(rc));
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return jf_err_sys(err, JF_EUNREACHABLE, errno, "cannot connect to %s:%s", u->host,
		                  u->port);
	return fd;
}

static long conn_recv(jf_agent_conn *c, void *p, size_t len)
{
	return c->ssl ? jf_agent_tls_recv(c, p, len) : (long)recv(c->fd, p, len, 0);
}

static int send_all(jf_agent_conn *c, const char *p, size_t len)
{
	while (len) {
		long n =
		    c->ssl ? jf_agent_tls_send(c, p, len) : (long)send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* @creds: the user's headers go with it (the origin asked for). */
static int request(jf_agent_conn *c, const jf_agent_url *u, const jf_agent_args *a, bool creds,
                   uint64_t from, int64_t to, jf_err *err)
{
	const char *dflt = u->tls ? "443" : "80";
	char *req = malloc(HEAD_MAX);
	int n, error = 0;

	if (!req)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	n = snprintf(req, HEAD_MAX,
	             "GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: jmpflash-agent\r\n"
	             "Accept-Encoding: identity\r\nConnection: keep-alive\r\n",
	             u->path, u->host, strcmp(u->port, dflt) ? ":" : "",
	             strcmp(u->port, dflt) ? u->port : "");
	if (to >= 0)
		n += snprintf(req + n, (size_t)(HEAD_MAX - n), "Range: bytes=%llu-%lld\r\n",
		              (unsigned long long)from, (long long)to);
	else if (from)
		n += snprintf(req + n, (size_t)(HEAD_MAX - n), "Range: bytes=%llu-\r\n",
		              (unsigned long long)from);
	for (size_t i = 0; creds && i < a->nheaders && n < HEAD_MAX; i++)
		n += snprintf(req + n, (size_t)(HEAD_MAX - n), "%s\r\n", a->headers[i]);
	if (n + 3 >= HEAD_MAX)
		error = jf_err_set(err, JF_EINVAL, "request headers too long");
	else {
		memcpy(req + n, "\r\n", 3);
		if (send_all(c, req, (size_t)n + 2) < 0)
			error = jf_err_sys(err, JF_EIO, errno, "sending the request failed");
	}
	free(req);
	return error;
}

/* Read the response head into c->buf; the rest of what came is body. */
static int read_head(jf_agent_conn *c, jf_err *err)
{
	long end = 0;

	c->have = c->pos = 0;
	while (!end) {
		long n = conn_recv(c, c->buf + c->have, HEAD_MAX - c->have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return jf_err_sys(err, JF_EIO, n ? errno : ECONNRESET,
			                  "the connection closed before the response");
		c->have += (size_t)n;
		if ((end = jf_agent_http_head_end(c->buf, c->have, HEAD_MAX)) < 0)
			return jf_err_set(err, JF_EPROTO, "the response head is too long");
	}
	c->pos = (size_t)end;
	return jf_agent_http_parse_head(&c->head, c->buf, (size_t)end, err);
}

static int status_error(int status, const char *path, jf_err *err)
{
	if (status == 404 || status == 410)
		return jf_err_set(err, JF_ENOTFOUND, "%s: %d Not Found", path, status);
	if (status == 401 || status == 403)
		return jf_err_set(err, JF_EPERM, "%s: %d (credentials?)", path, status);
	if (status == 416)
		return jf_err_set(err, JF_EINTEGRITY, "%s: 416: the image is shorter than before",
		                  path);
	if (status >= 500)
		return jf_err_set(err, JF_EIO, "%s: server error %d", path, status);
	return jf_err_set(err, JF_EPROTO, "%s: unexpected HTTP status %d", path, status);
}

static void origin_of(char *out, size_t cap, const jf_agent_url *u)
{
	snprintf(out, cap, "%s://%s:%s", u->tls ? "https" : "http", u->host, u->port);
}

/* Close the connection (and its TLS session), keep the buffer. */
static void hang_up(jf_agent_conn *c)
{
	jf_agent_tls_close(c); /* (nothing to free over http) */
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* One request without redirects: 1 = redirect in c->head.location. */
static int get_once(jf_agent_conn *c, const jf_agent_args *a, const jf_agent_url *u, bool creds,
                    uint64_t from, int64_t to, uint64_t *skip, jf_err *err)
{
	char origin[sizeof(c->origin)];
	int error;

	origin_of(origin, sizeof(origin), u);
	/* keep-alive: the same server, the last body read to its end */
	if (c->fd >= 0 && c->left == 0 && !c->head.close && !strcmp(c->origin, origin) &&
	    request(c, u, a, creds, from, to, err) == 0 && read_head(c, err) == 0)
		goto got;
	hang_up(c);
	if ((c->fd = dial(u, err)) < 0)
		return c->fd;
	snprintf(c->origin, sizeof(c->origin), "%s", origin);
	if ((u->tls && (error = jf_agent_tls_connect(c, a, u->host, err)) < 0) ||
	    (error = request(c, u, a, creds, from, to, err)) < 0 || (error = read_head(c, err)) < 0)
		return error;
got:
	if (c->head.status >= 300 && c->head.status < 400 && c->head.location[0])
		return 1;
	if (c->head.chunked)
		return jf_err_set(err, JF_ENOTIMPL,
		                  "%s: chunked transfer encoding is not "
		                  "supported by the agent",
		                  u->path);
	*skip = 0;
	if (c->head.status == 206) {
		if (c->head.range_start != (int64_t)from)
			return jf_err_set(err, JF_EPROTO, "%s: asked for byte %llu, got %lld",
			                  u->path, (unsigned long long)from,
			                  (long long)c->head.range_start);
	} else if (c->head.status == 200) {
		*skip = from; /* the server ignored Range: drop what we have */
	} else {
		return status_error(c->head.status, u->path, err);
	}
	c->left = c->head.content_length;
	return 0;
}

/* Where a redirect from @u to @loc goes, as a new string (NULL: no memory). */
static char *redirect_url(const jf_agent_url *u, const char *loc)
{
	const char *scheme = u->tls ? "https:" : "http:";
	size_t n = strlen(u->host) + strlen(u->port) + strlen(loc) + 16;
	char *out;

	if (loc[0] != '/')
		return strdup(loc); /* absolute */
	if (!(out = malloc(n)))
		return NULL;
	if (loc[1] == '/') /* //host/path: this scheme */
		snprintf(out, n, "%s%s", scheme, loc);
	else if (strchr(u->host, ':'))
		snprintf(out, n, "%s//[%s]:%s%s", scheme, u->host, u->port, loc);
	else
		snprintf(out, n, "%s//%s:%s%s", scheme, u->host, u->port, loc);
	return out;
}

int jf_agent_http_get(jf_agent_conn *c, const jf_agent_args *a, const char *url, uint64_t from,
                      int64_t to, uint64_t *skip, jf_err *err)
{
	char *cur = strdup(url), first[sizeof(c->origin)] = "", here[sizeof(c->origin)];
	int error = 0;

	if (!cur || (!c->buf && !(c->buf = malloc(HEAD_MAX)))) {
		free(cur);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	for (int hops = 0;; hops++) {
		jf_agent_url u;

		if ((error = jf_agent_url_parse(&u, cur, err)) < 0)
			break;
		origin_of(here, sizeof(here), &u);
		if (!hops) {
			memcpy(first, here, sizeof(first));
		} else if (!u.tls && !strncmp(first, "https:", 6)) {
			/* the certificate the user asked for would protect nothing */
			c->tls_refused = true;
			error = jf_err_set(err, JF_EPERM,
			                   "refused a redirect from https to http (%s:%s%.200s)",
			                   u.host, u.port, u.path);
			break;
		}
		if ((error = get_once(c, a, &u, !strcmp(first, here), from, to, skip, err)) <= 0)
			break;
		if (hops == 5) {
			error = jf_err_set(err, JF_EPROTO, "%s: more than 5 redirects", u.path);
			break;
		}
		free(cur);
		cur = redirect_url(&u, c->head.location);
		if (c->head.content_length != 0 || c->head.close) /* its body is not read */
			hang_up(c);
		c->left = 0;
		if (!cur) {
			error = jf_err_set(err, JF_ENOMEM, "out of memory");
			break;
		}
	}
	free(cur);
	if (error < 0)
		jf_agent_http_close(c);
	return error;
}

long jf_agent_http_read(jf_agent_conn *c, void *p, size_t len, jf_err *err)
{
	ssize_t n;

	if (c->left == 0)
		return 0;
	if (c->left > 0 && (int64_t)len > c->left)
		len = (size_t)c->left;
	if (c->pos < c->have) {
		n = (ssize_t)(c->have - c->pos < len ? c->have - c->pos : len);
		memcpy(p, c->buf + c->pos, (size_t)n);
		c->pos += (size_t)n;
	} else {
		do
			n = conn_recv(c, p, len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return jf_err_sys(err, JF_EIO, errno, "the download stalled or broke");
		if (n == 0) {
			if (c->left < 0)
				return 0; /* no length: the end is the close */
			return jf_err_set(err, JF_EIO, "the connection closed %lld bytes early",
			                  (long long)c->left);
		}
	}
	if (c->left > 0)
		c->left -= n;
	return (long)n;
}

void jf_agent_http_close(jf_agent_conn *c)
{
	hang_up(c);
	free(c->buf);
	c->buf = NULL;
}
