/* TFTP server: the listening socket and the event loop.
 *
 * Why one thread with a poll() loop rather than a thread per transfer: every
 * socket is non-blocking and a transfer only ever does a bounded amount of
 * work per event (one window: one pread into its cache, one sendmmsg), so a
 * slow or dead client never holds up the others, there are no locks on the
 * data path, and shutdown is one eventfd write and one join. A window of 16
 * blocks costs two system calls, so one thread fills loopback faster than a
 * client can take it; a thread per transfer would add context switches on a
 * machine that also runs the client. The price: a cold-cache pread of a big
 * window is taken on the loop thread (a few ms on a slow disk). */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include "tftp_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "jmpflash/clock.h"

static void *loop_main(void *arg);

static int resolve_bind(struct sockaddr_storage *ss, socklen_t *len, const char *host,
                        uint16_t port, jf_err *err)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	/* AI_PASSIVE without AI_ADDRCONFIG: "127.0.0.1" must resolve in a
	 * loopback-only network namespace (tftpd-hpa's weakness). */
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0 || !res)
		return jf_err_set(err, JF_EINVAL, "cannot resolve TFTP bind address '%s': %s", host,
		                  gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int bind_error(int e, const char *where, uint16_t port, jf_err *err)
{
	if (e == EADDRINUSE)
		return jf_err_set(
		    err, JF_EEXISTS,
		    "TFTP port %u on %s is already in use (another TFTP server such as "
		    "tftpd-hpa, atftpd or dnsmasq?): stop it or choose another port",
		    port, where);
	if (e == EACCES || e == EPERM)
		return jf_err_set(err, JF_EPERM,
		                  "TFTP port %u on %s needs privileges: run as root, grant "
		                  "CAP_NET_BIND_SERVICE, or choose a port above 1023",
		                  port, where);
	return jf_err_sys(err, JF_EIO, e, "cannot bind the TFTP server to %s port %u", where, port);
}

/* Open and bind the listening socket on @bind_to (an address or host name; NULL
 * for all addresses, IPv6 and IPv4). */
static int open_listener(jf_tftp_server *s, const char *bind_to, jf_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *where = bind_to ? bind_to : "all addresses";
	int one = 1, zero = 0, big = 4 << 20, error;

	memset(&ss, 0, sizeof(ss));
	if (bind_to) {
		if ((error = resolve_bind(&ss, &len, bind_to, s->o.port, err)) < 0)
			return error;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(s->o.port);
		len = sizeof(*in6);
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		s->family = ss.ss_family;
		s->lsock = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->lsock < 0 && !bind_to && errno == EAFNOSUPPORT) {
			/* no IPv6 on this host: all IPv4 addresses */
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			memset(&ss, 0, sizeof(ss));
			in->sin_family = AF_INET;
			in->sin_port = htons(s->o.port);
			len = sizeof(*in);
			continue;
		}
		break;
	}
	if (s->lsock < 0)
		return jf_err_sys(err, JF_EIO, errno, "cannot create the TFTP socket");
	if (s->family == AF_INET6) {
		(void)setsockopt(s->lsock, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		(void)setsockopt(s->lsock, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	(void)setsockopt(s->lsock, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (setsockopt(s->lsock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		(void)setsockopt(s->lsock, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(s->lsock, (struct sockaddr *)&ss, len) < 0)
		return bind_error(errno, where, s->o.port, err);
	len = sizeof(ss);
	if (getsockname(s->lsock, (struct sockaddr *)&ss, &len) < 0)
		return jf_err_sys(err, JF_EIO, errno, "getsockname on the TFTP socket");
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                         : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int jf_tftp_server_start(jf_tftp_server **out, const jf_tftp_opts *opts, jf_err *err)
{
	jf_tftp_server *s;
	int error = 0;

	*out = NULL;
	if (!opts || opts->version != JF_TFTP_OPTS_VERSION || !opts->root)
		return jf_err_set(err, JF_EINVAL, "TFTP server options need a version and a root");
	if (opts->rollover > 1)
		return jf_err_set(err, JF_EINVAL, "TFTP rollover must be 0 or 1");
	if (!(s = calloc(1, sizeof(*s))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	s->o = *opts;
	s->rootfd = s->lsock = s->wakefd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (!(s->root = strdup(opts->root))) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	s->o.root = s->root;
	s->o.bind = NULL; /* only used during start; the caller's string */
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		error = jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                   "TFTP root '%s'", s->root);
		goto done;
	}
	if ((error = open_listener(s, opts->bind, err)) < 0)
		goto done;
	if (!(s->pfds = calloc(2, sizeof(*s->pfds)))) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory");
		goto done;
	}
	if ((s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "eventfd");
		goto done;
	}
	if ((error = pthread_create(&s->thread, NULL, loop_main, s)) != 0) {
		error = jf_err_sys(err, JF_EIO, error, "cannot start the TFTP server thread");
		goto done;
	}
	s->started = true;
	jf_info(s->o.log, "tftp", "serving %s on %s port %u", s->root,
	        opts->bind ? opts->bind : "all addresses", s->port);
	*out = s;
done:
	if (error < 0)
		jf_tftp_server_stop(s);
	return error;
}

uint16_t jf_tftp_server_port(const jf_tftp_server *s)
{
	return s->port;
}

void jf_tftp_server_stop(jf_tftp_server *s)
{
	if (!s)
		return;
	if (s->started) {
		uint64_t one = 1;

		(void)!write(s->wakefd, &one, sizeof(one));
		pthread_join(s->thread, NULL);
	}
	for (size_t i = 0; i < s->nxfers; i++)
		jf_net__tftp_xfer_free(s->xfers[i], "server shutting down");
	free(s->xfers);
	free(s->pfds);
	for (size_t i = 0; i < s->nmaps; i++)
		free(s->maps[i].subdir);
	free(s->maps);
	if (s->lsock >= 0)
		close(s->lsock);
	if (s->wakefd >= 0)
		close(s->wakefd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	pthread_mutex_destroy(&s->lock);
	free(s->root);
	free(s);
}

/* IPv4 addresses compare as IPv4-mapped IPv6 ones. */
static void norm_addr(struct in6_addr *out, const struct sockaddr_storage *ss)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET) {
		out->s6_addr[10] = out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		*out = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
}

int jf_tftp_server_map_client(jf_tftp_server *s, const char *client_addr, const char *subdir,
                              jf_err *err)
{
	struct sockaddr_storage ss;
	struct in6_addr want, have;
	int error = 0;
	char *dup = NULL;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, client_addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, client_addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	else
		return jf_err_set(err, JF_EINVAL, "'%s' is not a numeric IP address", client_addr);
	if (subdir && ((error = jf_net__check_path(subdir, err)) < 0 || !(dup = strdup(subdir))))
		return error < 0 ? error : jf_err_set(err, JF_ENOMEM, "out of memory");
	norm_addr(&want, &ss);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nmaps; i++) {
		norm_addr(&have, &s->maps[i].addr);
		if (!memcmp(&want, &have, sizeof(want))) {
			free(s->maps[i].subdir);
			s->maps[i] = s->maps[--s->nmaps];
			break;
		}
	}
	if (dup) {
		jf_tftp_map *m = realloc(s->maps, (s->nmaps + 1) * sizeof(*m));

		if (!m) {
			free(dup);
			error = jf_err_set(err, JF_ENOMEM, "out of memory");
		} else {
			s->maps = m;
			s->maps[s->nmaps].addr = ss;
			s->maps[s->nmaps++].subdir = dup;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return error;
}

int jf_net__tftp_root_for(jf_tftp_server *s, const struct sockaddr_storage *peer, jf_err *err)
{
	struct in6_addr want, have;
	int fd = s->rootfd;

	norm_addr(&want, peer);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nmaps; i++) {
		norm_addr(&have, &s->maps[i].addr);
		if (!memcmp(&want, &have, sizeof(want))) {
			fd = jf_net__open_dir(s->rootfd, s->maps[i].subdir, err);
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return fd;
}

/* The local address a request was sent to, for the transfer's socket. */
static void take_local(jf_tftp_origin *o, struct msghdr *mh, int family)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(&o->local, 0, sizeof(o->local));
			if (family == AF_INET6) {
				struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o->local;

				in6->sin6_family = AF_INET6;
				in6->sin6_addr.s6_addr[10] = in6->sin6_addr.s6_addr[11] = 0xff;
				memcpy(&in6->sin6_addr.s6_addr[12], &pi.ipi_spec_dst, 4);
				o->local_len = sizeof(*in6);
			} else {
				struct sockaddr_in *in = (struct sockaddr_in *)&o->local;

				in->sin_family = AF_INET;
				in->sin_addr = pi.ipi_spec_dst;
				o->local_len = sizeof(*in);
			}
			o->have_local = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o->local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				continue;
			memset(&o->local, 0, sizeof(o->local));
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = pi.ipi6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				in6->sin6_scope_id = pi.ipi6_ifindex;
			o->local_len = sizeof(*in6);
			o->have_local = true;
		}
	}
}

static int add_xfer(jf_tftp_server *s, jf_tftp_xfer *x)
{
	jf_tftp_xfer **xs = realloc(s->xfers, (s->nxfers + 1) * sizeof(*xs));
	struct pollfd *p;

	if (!xs)
		return JF_ENOMEM;
	s->xfers = xs;
	if (!(p = realloc(s->pfds, (s->nxfers + 3) * sizeof(*p))))
		return JF_ENOMEM;
	s->pfds = p;
	s->xfers[s->nxfers++] = x;
	return 0;
}

static void accept_requests(jf_tftp_server *s)
{
	unsigned max = s->o.max_transfers ? s->o.max_transfers : 256;

	for (int i = 0; i < 64; i++) {
		jf_tftp_origin o;
		jf_tftp_xfer *x = NULL;
		struct iovec iov = {s->rx, JF_TFTP_RXBUF};
		union {
			char buf[256];
			struct cmsghdr align;
		} ctl;
		struct msghdr mh;
		ssize_t n;

		memset(&o, 0, sizeof(o));
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &o.peer;
		mh.msg_namelen = sizeof(o.peer);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		if ((n = recvmsg(s->lsock, &mh, MSG_DONTWAIT)) < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an ICMP error from an earlier reply */
		}
		o.peer_len = mh.msg_namelen;
		take_local(&o, &mh, s->family);
		if (s->nxfers >= max) {
			uint8_t pkt[64];
			size_t len = jf_net__tftp_build_error(pkt, sizeof(pkt), JF_TFTP_EUNDEF,
			                                      "server busy, try again");
			char peer[64];

			(void)sendto(s->lsock, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&o.peer,
			             o.peer_len);
			jf_net__addr_str(peer, sizeof(peer), (struct sockaddr *)&o.peer);
			jf_warn(s->o.log, "tftp", "refused a request from %s: %u transfers running",
			        peer, max);
			continue;
		}
		if (jf_net__tftp_xfer_start(&x, s, &o, s->rx, (size_t)n) < 0 || !x)
			continue;
		if (add_xfer(s, x) < 0) {
			jf_warn(s->o.log, "tftp", "out of memory, dropped a transfer");
			jf_net__tftp_xfer_free(x, "out of memory");
		}
	}
}

static int poll_timeout(jf_tftp_server *s)
{
	uint64_t now = jf_clock_mono_ms(), due = UINT64_MAX;

	for (size_t i = 0; i < s->nxfers; i++) {
		uint64_t d = jf_net__tftp_xfer_due_ms(s->xfers[i]);

		if (d < due)
			due = d;
	}
	if (due == UINT64_MAX)
		return -1;
	return due <= now ? 0 : due - now > 60000 ? 60000 : (int)(due - now);
}

static void *loop_main(void *arg)
{
	jf_tftp_server *s = arg;

	for (;;) {
		size_t n = s->nxfers;
		struct pollfd *pf = s->pfds;
		int timeout = poll_timeout(s);
		uint64_t now;

		pf[0] = (struct pollfd){s->wakefd, POLLIN, 0};
		pf[1] = (struct pollfd){s->lsock, POLLIN, 0};
		for (size_t i = 0; i < n; i++)
			pf[2 + i] = (struct pollfd){jf_net__tftp_xfer_fd(s->xfers[i]),
			                            jf_net__tftp_xfer_events(s->xfers[i]), 0};
		if (poll(pf, n + 2, timeout) < 0 && errno != EINTR) {
			jf_error(s->o.log, "tftp", "poll failed: %s; server stopped",
			         strerror(errno));
			break;
		}
		if (pf[0].revents)
			break;
		now = jf_clock_mono_ms();
		/* Backwards, so that removing by swapping with the last one only
		 * moves a transfer already handled this round. */
		for (size_t i = n; i-- > 0;) {
			jf_tftp_xfer *x = s->xfers[i];
			bool over = pf[2 + i].revents && jf_net__tftp_xfer_io(x, pf[2 + i].revents);

			if (!over && now >= jf_net__tftp_xfer_due_ms(x))
				over = jf_net__tftp_xfer_tick(x, now);
			if (over) {
				jf_net__tftp_xfer_finish(x);
				s->xfers[i] = s->xfers[--s->nxfers];
			}
		}
		if (pf[1].revents & POLLIN)
			accept_requests(s);
	}
	return NULL;
}
