/* HTTP server on libmicrohttpd: one thread per connection (MHD sends a file
 * with sendfile in 2 MiB chunks in that mode, 128 KiB otherwise, which is
 * what keeps a single download at the speed of nginx), a connection limit,
 * a header size limit, and our own listening socket so that a taken port or
 * a missing privilege is reported exactly. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsroot.h"
#include "http_util.h"
#include "jmpflash/buf.h"
#include "jmpflash/clock.h"
#include "jmpflash/http.h"
#include "jmpflash/netaddr.h"

struct jf_http_server {
	jf_http_opts o;
	char *root, *token, *host, *bind;
	int rootfd, lsock;
	uint16_t port;
	struct MHD_Daemon *mhd;
};

/* One request; lives from the first call of the handler to "completed". */
typedef struct jf_http_req {
	uint64_t start_us;
	unsigned status;
	uint64_t bytes; /* body bytes planned (GET) or received (PUT) */
	bool put, headers_done;
	unsigned put_error; /* an HTTP status to answer once the body is drained */
	jf_net_upload up;
	char peer[64];
	char method[8];
	char path[512];
} jf_http_req;

static enum MHD_Result queue(struct MHD_Connection *c, jf_http_req *r, unsigned status,
                             struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	r->status = status;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, jf_http_req *r, unsigned status,
                                  const char *text)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);

	if (resp) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
		if (status == MHD_HTTP_UNAUTHORIZED)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
		if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, PUT");
	}
	if (!r->put)
		r->bytes = strlen(text);
	return queue(c, r, status, resp);
}

static unsigned status_for(int error)
{
	return error == JF_ENOTFOUND ? MHD_HTTP_NOT_FOUND
	       : error == JF_EPERM   ? MHD_HTTP_FORBIDDEN
	                             : MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* The request path without its leading '/', as a root-relative name. */
static const char *rel_path(const char *url)
{
	return url[0] == '/' ? url + 1 : url;
}

static void validators(char *etag, size_t esize, char *lm, size_t lsize, const struct stat *st)
{
	if (snprintf(etag, esize, "\"%llx-%llx-%llx\"", (unsigned long long)st->st_ino,
	             (unsigned long long)st->st_size,
	             (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
	                 (unsigned long long)st->st_mtim.tv_nsec) < 0 &&
	    esize)
		etag[0] = '\0';
	jf_net__http_format_date(lm, lsize, st->st_mtim.tv_sec);
}

/* 304 when If-None-Match matches, or (without it) If-Modified-Since is not
 * older than the file. */
static bool not_modified(struct MHD_Connection *c, const char *etag, const struct stat *st)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
	time_t t;

	if (inm)
		return jf_net__http_etag_match(inm, etag);
	return ims && jf_net__http_parse_date(ims, &t) && st->st_mtim.tv_sec <= t;
}

static enum MHD_Result serve_file(struct jf_http_server *s, struct MHD_Connection *c,
                                  jf_http_req *r)
{
	const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
	const char *if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
	char etag[80], lm[40], cr[80];
	struct MHD_Response *resp;
	jf_err err = JF_ERR_INIT;
	uint64_t first = 0, last = 0;
	unsigned status = MHD_HTTP_OK;
	struct stat st;
	int fd, error, kind = JF_RANGE_NONE;

	if ((error = jf_net__open_read(&fd, &st, s->rootfd, rel_path(r->path), &err)) < 0) {
		jf_warn(s->o.log, "http", "refused %s %s from %s: %s", r->method, r->path, r->peer,
		        err.msg);
		return reply_text(c, r, status_for(error),
		                  error == JF_ENOTFOUND ? "not found\n" : "forbidden\n");
	}
	validators(etag, sizeof(etag), lm, sizeof(lm), &st);
	if (not_modified(c, etag, &st)) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp) {
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
			MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
		}
		return queue(c, r, MHD_HTTP_NOT_MODIFIED, resp);
	}
	/* If-Range with a stale validator: the whole (new) file instead */
	if (range && (!if_range || !strcmp(if_range, etag) || !strcmp(if_range, lm)))
		kind = jf_net__http_parse_range(range, (uint64_t)st.st_size, &first, &last);
	if (kind == JF_RANGE_UNSATISFIABLE) {
		close(fd);
		if (snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)st.st_size) < 0)
			cr[0] = '\0';
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
		return queue(c, r, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
	}
	if (kind == JF_RANGE_NONE) {
		first = 0;
		last = st.st_size ? (uint64_t)st.st_size - 1 : 0;
	}
	r->bytes = st.st_size ? last - first + 1 : 0;
	if (!strcmp(r->method, MHD_HTTP_METHOD_HEAD))
		r->bytes = 0; /* for the log: MHD sends the headers only */
	if (st.st_size == 0) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		/* MHD owns fd from here and sends it with sendfile */
		resp = MHD_create_response_from_fd_at_offset64(last - first + 1, fd, first);
		if (!resp)
			close(fd);
	}
	if (!resp)
		return MHD_NO;
	if (kind == JF_RANGE_OK) {
		status = MHD_HTTP_PARTIAL_CONTENT;
		if (snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)first,
		             (unsigned long long)last, (unsigned long long)st.st_size) < 0)
			cr[0] = '\0';
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	return queue(c, r, status, resp);
}

/* Constant time, so the token cannot be guessed byte by byte. */
static bool token_ok(const char *have, const char *want)
{
	size_t hl = strlen(have), wl = strlen(want);
	unsigned char diff = (unsigned char)(hl != wl);

	for (size_t i = 0; i < wl; i++)
		diff |= (unsigned char)(want[i] ^ (i < hl ? have[i] : 0));
	return diff == 0;
}

/* First call of a PUT: decide before any body byte is read. 0 = go on. */
static unsigned put_begin(struct jf_http_server *s, struct MHD_Connection *c, jf_http_req *r)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	jf_err err = JF_ERR_INIT;
	int error;

	if (!s->o.allow_upload)
		return MHD_HTTP_FORBIDDEN;
	if (s->token && (!auth || strncasecmp(auth, "Bearer ", 7) || !token_ok(auth + 7, s->token)))
		return MHD_HTTP_UNAUTHORIZED;
	if (len && s->o.max_upload && strtoull(len, NULL, 10) > s->o.max_upload)
		return MHD_HTTP_CONTENT_TOO_LARGE;
	if ((error = jf_net__upload_begin(&r->up, s->rootfd, rel_path(r->path), &err)) < 0) {
		jf_warn(s->o.log, "http", "refused PUT %s from %s: %s", r->path, r->peer, err.msg);
		return status_for(error);
	}
	return 0;
}

static const char *put_text(unsigned status)
{
	switch (status) {
	case MHD_HTTP_FORBIDDEN:
		return "forbidden\n";
	case MHD_HTTP_UNAUTHORIZED:
		return "a bearer token is required\n";
	case MHD_HTTP_CONTENT_TOO_LARGE:
		return "upload larger than the server allows\n";
	case MHD_HTTP_NOT_FOUND:
		return "not found\n";
	default:
		return "upload failed\n";
	}
}

static enum MHD_Result put_body(struct jf_http_server *s, struct MHD_Connection *c, jf_http_req *r,
                                const char *data, size_t *size)
{
	jf_err err = JF_ERR_INIT;

	if (*size) {
		if (!r->put_error && s->o.max_upload && r->bytes + *size > s->o.max_upload)
			r->put_error = MHD_HTTP_CONTENT_TOO_LARGE;
		for (size_t at = 0; !r->put_error && at < *size;) {
			ssize_t w = write(r->up.fd, data + at, *size - at);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				jf_warn(s->o.log, "http", "PUT %s: %s", r->path, strerror(errno));
				r->put_error = MHD_HTTP_INTERNAL_SERVER_ERROR;
				break;
			}
			at += (size_t)w;
		}
		if (!r->put_error)
			r->bytes += *size;
		*size = 0;
		if (r->put_error) {
			jf_net__upload_abort(&r->up);
			/* answer now; MHD closes the connection instead of reading on */
			return reply_text(c, r, r->put_error, put_text(r->put_error));
		}
		return MHD_YES;
	}
	if (jf_net__upload_commit(&r->up, &err) < 0) {
		jf_warn(s->o.log, "http", "PUT %s: %s", r->path, err.msg);
		return reply_text(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "upload failed\n");
	}
	return reply_text(c, r, MHD_HTTP_CREATED, "stored\n");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **con_cls)
{
	struct jf_http_server *s = cls;
	jf_http_req *r = *con_cls;
	unsigned refusal;

	(void)version;
	if (!r) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->up = (jf_net_upload)JF_NET_UPLOAD_INIT;
		r->start_us = jf_clock_mono_us();
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->path, sizeof(r->path), "%s", url);
		if (ci && ci->client_addr)
			jf_net__addr_str(r->peer, sizeof(r->peer), ci->client_addr);
		*con_cls = r;
		/* GET/HEAD are answered on the next call: a response queued while
		 * MHD is still in the headers makes it close the connection, and a
		 * client reading a bmap's ranges wants to keep it (keep-alive) */
		if (!strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD))
			return MHD_YES;
		if (strcmp(method, MHD_HTTP_METHOD_PUT))
			return reply_text(c, r, MHD_HTTP_METHOD_NOT_ALLOWED,
			                  "method not allowed\n");
		r->put = true;
		if ((refusal = put_begin(s, c, r)) != 0)
			return reply_text(c, r, refusal, put_text(refusal));
		return MHD_YES; /* MHD answers "100 Continue" and feeds the body */
	}
	if (!r->put)
		return r->status ? MHD_YES : serve_file(s, c, r);
	if (r->status)
		return MHD_YES;
	return put_body(s, c, r, data, size);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct jf_http_server *s = cls;
	jf_http_req *r = *con_cls;
	double secs;

	(void)c;
	if (!r)
		return;
	secs = (double)(jf_clock_mono_us() - r->start_us) / 1e6;
	jf_net__upload_abort(&r->up); /* no-op after a commit; removes a partial upload */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		jf_info(s->o.log, "http", "%s %s %s %u %llu bytes %.3f s (%.1f MB/s)", r->peer,
		        r->method, r->path, r->status, (unsigned long long)r->bytes, secs,
		        secs > 0 ? (double)r->bytes / secs / 1e6 : 0.0);
	else
		jf_warn(s->o.log, "http", "%s %s %s %u aborted after %.3f s%s", r->peer, r->method,
		        r->path, r->status, secs, r->put ? " (partial upload removed)" : "");
	free(r);
	*con_cls = NULL;
}

static int bind_error(int e, const char *where, uint16_t port, jf_err *err)
{
	if (e == EADDRINUSE)
		return jf_err_set(
		    err, JF_EEXISTS,
		    "HTTP port %u on %s is already in use (another web server?): stop "
		    "it or choose another port",
		    port, where);
	if (e == EACCES || e == EPERM)
		return jf_err_set(err, JF_EPERM,
		                  "HTTP port %u on %s needs privileges: run as root, grant "
		                  "CAP_NET_BIND_SERVICE, or choose a port above 1023",
		                  port, where);
	return jf_err_sys(err, JF_EIO, e, "cannot listen for HTTP on %s port %u", where, port);
}

static int open_listener(struct jf_http_server *s, jf_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(struct sockaddr_in6);
	const char *where = s->bind ? s->bind : "all addresses";
	int one = 1, zero = 0;

	memset(&ss, 0, sizeof(ss));
	if (s->bind) {
		struct addrinfo hints, *res = NULL;
		char port[8];
		int rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE; /* no AI_ADDRCONFIG: works on loopback-only hosts */
		snprintf(port, sizeof(port), "%u", s->o.port);
		if ((rc = getaddrinfo(s->bind, port, &hints, &res)) != 0 || !res)
			return jf_err_set(err, JF_EINVAL,
			                  "cannot resolve HTTP bind address '%s': %s", s->bind,
			                  gai_strerror(rc));
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		len = res->ai_addrlen;
		freeaddrinfo(res);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(s->o.port);
	}
	s->lsock = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lsock < 0 && !s->bind && errno == EAFNOSUPPORT) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		in->sin_family = AF_INET;
		in->sin_port = htons(s->o.port);
		len = sizeof(*in);
		s->lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (s->lsock < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot create the HTTP socket");
	/* a restarted server must get its port back despite TIME_WAIT */
	(void)setsockopt(s->lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(s->lsock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(s->lsock, (struct sockaddr *)&ss, len) < 0 || listen(s->lsock, 128) < 0)
		return bind_error(errno, where, s->o.port, err);
	len = sizeof(ss);
	if (getsockname(s->lsock, (struct sockaddr *)&ss, &len) < 0)
		return jf_err_sys(err, JF_EIO, errno, "getsockname on the HTTP socket");
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                         : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

static int dup_opt(char **out, const char *in, jf_err *err)
{
	if (in && !(*out = strdup(in)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

int jf_http_server_start(jf_http_server **out, const jf_http_opts *opts, jf_err *err)
{
	struct jf_http_server *s;
	unsigned max_conn = opts && opts->max_connections ? opts->max_connections : 64;
	int error;

	*out = NULL;
	if (!opts || opts->version != JF_HTTP_OPTS_VERSION || !opts->root)
		return jf_err_set(err, JF_EINVAL, "HTTP server options need a version and a root");
	if (!(s = calloc(1, sizeof(*s))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	s->o = *opts;
	s->rootfd = s->lsock = -1;
	if ((error = dup_opt(&s->root, opts->root, err)) < 0 ||
	    (error = dup_opt(&s->token, opts->token, err)) < 0 ||
	    (error = dup_opt(&s->host, opts->host, err)) < 0 ||
	    (error = dup_opt(&s->bind, opts->bind, err)) < 0)
		goto done;
	if (s->token && opts->log && (error = jf_log_secret(opts->log, s->token)) < 0) {
		error = jf_err_set(err, error, "out of memory");
		goto done;
	}
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		error = jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                   "HTTP root '%s'", s->root);
		goto done;
	}
	if ((error = open_listener(s, err)) < 0)
		goto done;
	s->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0, NULL,
	    NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, s->lsock, MHD_OPTION_CONNECTION_LIMIT,
	    max_conn, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_CONNECTION_TIMEOUT, opts->idle_timeout_s ? opts->idle_timeout_s : 60u,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_END);
	if (!s->mhd) {
		error = jf_err_set(err, JF_EIO, "cannot start the HTTP server (libmicrohttpd)");
		goto done;
	}
	jf_info(s->o.log, "http", "serving %s on %s port %u", s->root,
	        s->bind ? s->bind : "all addresses", s->port);
	*out = s;
done:
	if (error < 0)
		jf_http_server_stop(s);
	return error;
}

uint16_t jf_http_server_port(const jf_http_server *s)
{
	return s->port;
}

void jf_http_server_stop(jf_http_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd); /* closes the listening socket it was given */
	else if (s->lsock >= 0)
		close(s->lsock);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s->token);
	free(s->host);
	free(s->bind);
	free(s);
}

/* The local address the kernel would use to reach @board: a connected UDP
 * socket sends nothing, it only picks the route. */
int jf_http_url(char **out, const char *host, uint16_t port, const char *path, jf_err *err)
{
	jf_buf b = JF_BUF_INIT;

	*out = NULL;
	while (*path == '/')
		path++;
	if (jf_buf_printf(&b,
	                  strchr(host, ':') && host[0] != '[' ? "http://[%s]:%u/" : "http://%s:%u/",
	                  host, port) < 0 ||
	    jf_net__http_escape_path(&b, path) < 0) {
		jf_buf_free(&b);
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	}
	*out = jf_buf_detach(&b);
	return 0;
}

int jf_http_server_url(char **out, const jf_http_server *s, const char *board_addr,
                       const char *path, jf_err *err)
{
	char addr[INET6_ADDRSTRLEN] = "127.0.0.1";
	const char *host = addr;

	if (s->host)
		host = s->host;
	else if (!(board_addr && jf_route_source(addr, sizeof(addr), board_addr)) && s->bind &&
	         strcmp(s->bind, "0.0.0.0") && strcmp(s->bind, "::"))
		host = s->bind;
	return jf_http_url(out, host, s->port, path, err);
}
