/* One TFTP transfer: its own connected UDP socket, a window of DATA blocks
 * in flight (RRQ, sent by tftp_read.c) or being received (WRQ, here),
 * retransmission with backoff, and a give-up deadline. Everything here runs
 * on the server thread. */
#define _GNU_SOURCE /* IP_MTU */
#include "tftp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jmpflash/clock.h"

#define CACHE_MIN   (256u << 10)
#define SOCK_BUF    (4 << 20)
#define RTO_INIT_MS 300u
#define RTO_MIN_MS  40u
#define RTO_MAX_MS  2000u
/* After two quick retransmissions, wait longer than a client's own timeout
 * (5 s for atftp, tftp-hpa, U-Boot): atftp re-ACKs a repeated block only
 * once and then waits for a quiet spell of its timeout before it ACKs again,
 * so repeating every 2 s would keep it silent for good. */
#define RTO_QUIET_MS  5500u
#define QUICK_RETRIES 2u
#define DALLY_MS      1000u
int jf_net__tftp_xfer_fd(const jf_tftp_xfer *x)
{
	return x->sock;
}

short jf_net__tftp_xfer_events(const jf_tftp_xfer *x)
{
	return (short)(POLLIN |
	               (x->rd.send_next && x->rd.send_next <= x->rd.send_end ? POLLOUT : 0));
}

uint64_t jf_net__tftp_xfer_due_ms(const jf_tftp_xfer *x)
{
	return x->due_ms < x->give_up_at_ms ? x->due_ms : x->give_up_at_ms;
}

bool jf_net__tftp_xfer_fail(jf_tftp_xfer *x, int code, unsigned tftp_code, const char *msg)
{
	uint8_t pkt[256];
	size_t n;

	if (!x->result) {
		x->result = code;
		snprintf(x->error, sizeof(x->error), "%s", msg);
	}
	if (tftp_code != JF_TFTP_NO_ERROR_PACKET &&
	    (n = jf_net__tftp_build_error(pkt, sizeof(pkt), tftp_code, msg)))
		(void)send(x->sock, pkt, n, MSG_DONTWAIT);
	return true;
}

void jf_net__tftp_xfer_arm(jf_tftp_xfer *x, bool progress)
{
	uint64_t now = jf_clock_mono_ms();

	if (progress) {
		x->give_up_at_ms = now + x->give_up_ms;
		x->rto_ms = x->rto_base_ms;
		x->stuck = 0;
	}
	x->due_ms = now + x->rto_ms;
}

/* A negotiated timeout (RFC 2349) is what the client waits before it
 * retransmits; we retransmit sooner when the measured round trip allows, so
 * that a lost packet costs one round trip, not seconds. */
static unsigned rto_max(const jf_tftp_xfer *x)
{
	return x->p.timeout_s ? x->p.timeout_s * 1000u : RTO_MAX_MS;
}

/* New RTT sample (Karn: only from windows sent once). */
void jf_net__tftp_xfer_rtt(jf_tftp_xfer *x)
{
	uint64_t sample = jf_clock_mono_us() - x->sent_at_us, rto;

	x->timing = false;
	x->srtt_us = x->srtt_us ? (7 * x->srtt_us + sample) / 8 : sample;
	rto = (4 * x->srtt_us) / 1000 + 10;
	x->rto_base_ms = (unsigned)(rto < RTO_MIN_MS   ? RTO_MIN_MS
	                            : rto > rto_max(x) ? rto_max(x)
	                                               : rto);
}

/* ---- WRQ ---- */

static void send_ack(jf_tftp_xfer *x, uint64_t block)
{
	x->ctl_len = jf_net__tftp_build_ack(x->ctl, sizeof(x->ctl), (uint16_t)block);
	(void)send(x->sock, x->ctl, x->ctl_len, MSG_DONTWAIT);
}

static bool on_data(jf_tftp_xfer *x, uint8_t *data, size_t len, uint16_t wire)
{
	uint64_t k = jf_net__tftp_unwrap(x->wr.received, wire);
	uint64_t limit = x->srv->o.max_upload;
	jf_err err = JF_ERR_INIT;

	if (x->state == JF_TFTP_X_DALLY || k != x->wr.received + 1) {
		/* A repeat (our ACK was lost) or a gap: ACK what we have, once per
		 * progress with windows so a burst does not cause a burst. */
		if (x->p.windowsize == 1 || !x->wr.reacked)
			send_ack(x, x->wr.received);
		x->wr.reacked = true;
		return false;
	}
	if (len > x->p.blksize)
		return jf_net__tftp_xfer_fail(x, JF_EPROTO, JF_TFTP_EBADOP,
		                              "DATA larger than blksize");
	bool final = len < x->p.blksize;
	x->state = JF_TFTP_X_DATA;
	x->wr.received = k;
	x->wr.reacked = false;
	if (x->netascii) {
		len = jf_net__tftp_netascii_decode(data, len, &x->wr.cr);
		if (final && x->wr.cr) /* a CR that ends the file stands for itself */
			data[len++] = '\r';
	}
	if (limit && x->wr.wr_off + len > limit)
		return jf_net__tftp_xfer_fail(x, JF_EPERM, JF_TFTP_EDISKFULL,
		                              "upload larger than the server allows");
	for (size_t at = 0; at < len;) {
		ssize_t w = pwrite(x->wr.up.fd, data + at, len - at, (off_t)(x->wr.wr_off + at));

		if (w < 0)
			return jf_net__tftp_xfer_fail(x, JF_EIO, JF_TFTP_EDISKFULL,
			                              strerror(errno));
		at += (size_t)w;
	}
	x->wr.wr_off += len;
	x->bytes = x->wr.wr_off;
	jf_net__tftp_xfer_arm(x, true);
	if (final) {
		if (jf_net__upload_commit(&x->wr.up, &err) < 0)
			return jf_net__tftp_xfer_fail(x, JF_EIO, JF_TFTP_EDISKFULL, err.msg);
		send_ack(x, k);
		x->finished = true;
		x->state = JF_TFTP_X_DALLY;
		x->due_ms = jf_clock_mono_ms() + DALLY_MS;
		return false;
	}
	if (k % x->p.windowsize == 0)
		send_ack(x, k);
	return false;
}

/* Read what arrived; true when the transfer is over. */
bool jf_net__tftp_xfer_io(jf_tftp_xfer *x, short revents)
{
	uint8_t *buf = x->srv->rx;

	if ((revents & POLLOUT) && x->rd.send_next && x->rd.send_next <= x->rd.send_end &&
	    jf_net__tftp_read_push(x))
		return true;
	if (!(revents & (POLLIN | POLLERR)))
		return false;
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(x->sock, buf, JF_TFTP_RXBUF, MSG_DONTWAIT);
		unsigned op;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return false;
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED && x->state == JF_TFTP_X_DALLY)
				return true;
			if (errno == ECONNREFUSED) /* ICMP: the client is gone */
				return jf_net__tftp_xfer_fail(x, JF_EUNREACHABLE,
				                              JF_TFTP_NO_ERROR_PACKET,
				                              "client port unreachable");
			return jf_net__tftp_xfer_fail(x, JF_EIO, JF_TFTP_NO_ERROR_PACKET,
			                              strerror(errno));
		}
		if (n < 4)
			continue;
		op = (unsigned)(buf[0] << 8 | buf[1]);
		if (op == JF_TFTP_ERROR) {
			char msg[160];

			buf[n] = 0;
			snprintf(msg, sizeof(msg), "client sent error %u: %.100s",
			         (unsigned)(buf[2] << 8 | buf[3]), (const char *)buf + 4);
			return jf_net__tftp_xfer_fail(x, JF_EPROTO, JF_TFTP_NO_ERROR_PACKET, msg);
		}
		if (!x->upload && op == JF_TFTP_ACK) {
			if (jf_net__tftp_read_ack(x, (uint16_t)(buf[2] << 8 | buf[3])))
				return true;
			/* One ACK per wake-up: in lock-step the next recv would only
			 * say EAGAIN, a system call per block for nothing; anything
			 * still queued makes poll() return at once. */
			return false;
		} else if (x->upload && op == JF_TFTP_DATA) {
			if (on_data(x, buf + 4, (size_t)n - 4, (uint16_t)(buf[2] << 8 | buf[3])))
				return true;
		}
		/* anything else from our peer is ignored: a late or stray packet */
	}
	return false;
}

bool jf_net__tftp_xfer_tick(jf_tftp_xfer *x, uint64_t now_ms)
{
	char msg[96];

	if (x->state == JF_TFTP_X_DALLY && now_ms >= x->due_ms)
		return true;
	if (now_ms >= x->give_up_at_ms) {
		snprintf(msg, sizeof(msg), "no answer from the client for %u ms, giving up",
		         x->give_up_ms);
		return jf_net__tftp_xfer_fail(x, JF_ETIMEOUT, JF_TFTP_EUNDEF, msg);
	}
	if (now_ms < x->due_ms || x->state == JF_TFTP_X_DALLY)
		return false;
	x->retransmits++;
	if (++x->stuck < QUICK_RETRIES)
		x->rto_ms = x->rto_ms * 2 > rto_max(x) ? rto_max(x) : x->rto_ms * 2;
	else
		x->rto_ms = x->p.timeout_s * 1000u + 500u > RTO_QUIET_MS
		                ? x->p.timeout_s * 1000u + 500u
		                : RTO_QUIET_MS;
	jf_net__tftp_xfer_arm(x, false);
	x->timing = false;
	if (x->upload || x->state == JF_TFTP_X_OACK) {
		(void)send(x->sock, x->ctl, x->ctl_len, MSG_DONTWAIT);
		return false;
	}
	return jf_net__tftp_read_window(x, true);
}

/* ---- setup and teardown ---- */

/* The transfer's own socket: from the address the request was sent to
 * (so a multi-homed host answers from the right one), any port, connected
 * to the client so the kernel drops packets from anyone else. */
static int open_sock(jf_tftp_server *s, const jf_tftp_origin *o, int *mtu)
{
	int fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int zero = 0, big = SOCK_BUF;
	socklen_t ml = sizeof(*mtu);
	struct sockaddr_storage local;
	socklen_t local_len;

	if (fd < 0)
		return -1;
	if (s->family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	memset(&local, 0, sizeof(local));
	local.ss_family = (sa_family_t)s->family;
	local_len =
	    s->family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (o->have_local) {
		local = o->local;
		local_len = o->local_len;
		if (local.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&local)->sin6_port = 0;
		else
			((struct sockaddr_in *)&local)->sin_port = 0;
	}
	if (bind(fd, (struct sockaddr *)&local, local_len) < 0 ||
	    connect(fd, (const struct sockaddr *)&o->peer, o->peer_len) < 0) {
		close(fd);
		return -1;
	}
	*mtu = 0;
	if (s->family == AF_INET6)
		(void)getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, mtu, &ml);
	else
		(void)getsockopt(fd, IPPROTO_IP, IP_MTU, mtu, &ml);
	return fd;
}

static void refuse(jf_tftp_xfer *x, unsigned code, const char *what, const char *why)
{
	jf_net__tftp_xfer_fail(x, JF_EPERM, code, why);
	jf_warn(x->srv->o.log, "tftp", "refused %s '%s' from %s: %s", what, x->name, x->peer, why);
}

static unsigned tftp_code_for(int error)
{
	return error == JF_ENOTFOUND ? JF_TFTP_ENOTFOUND
	       : error == JF_EPERM   ? JF_TFTP_EACCESS
	                             : JF_TFTP_EUNDEF;
}

/* Open what @r names and negotiate; false when refused (already answered). */
static bool prepare(jf_tftp_xfer *x, const jf_tftp_req *r, int mtu)
{
	jf_tftp_server *s = x->srv;
	jf_tftp_limits lim = {0, 0, 0};
	jf_err err = JF_ERR_INIT;
	const char *what = r->opcode == JF_TFTP_RRQ ? "RRQ" : "WRQ";
	struct stat st;
	int rootfd, error;

	memset(&st, 0, sizeof(st));
	if (x->upload && !s->o.allow_write) {
		refuse(x, JF_TFTP_EACCESS, what, "uploads are disabled on this server");
		return false;
	}
	if ((rootfd = jf_net__tftp_root_for(s, &x->origin_peer, &err)) < 0) {
		refuse(x, JF_TFTP_EACCESS, what, err.msg);
		return false;
	}
	if (x->upload)
		error = jf_net__upload_begin(&x->wr.up, rootfd, r->filename, &err);
	else
		error = jf_net__open_read(&x->rd.fd, &st, rootfd, r->filename, &err);
	if (rootfd != s->rootfd)
		close(rootfd);
	if (error < 0) {
		refuse(x, tftp_code_for(error), what, err.msg);
		return false;
	}
	if (x->upload && r->has_tsize && s->o.max_upload && r->tsize > s->o.max_upload) {
		refuse(x, JF_TFTP_EDISKFULL, what, "upload larger than the server allows");
		return false;
	}
	lim.max_blksize = s->o.max_blksize;
	if (s->o.mtu_clamp && mtu > 128) {
		unsigned m = (unsigned)mtu - (s->family == AF_INET6 ? 48u : 28u) - 4u;

		if (!lim.max_blksize || m < lim.max_blksize)
			lim.max_blksize = m;
	}
	lim.max_window = s->o.max_window; /* 0: jf_net__tftp_negotiate's default */
	if (lim.max_window > JF_TFTP_WINDOW_HARD)
		lim.max_window = JF_TFTP_WINDOW_HARD;
	x->rd.size = x->upload ? 0 : (uint64_t)st.st_size;
	jf_net__tftp_negotiate(&x->p, r, &lim, x->rd.size, !x->upload && !x->netascii);
	return true;
}

static bool begin(jf_tftp_xfer *x)
{
	size_t window = (size_t)x->p.windowsize * x->p.blksize;

	x->rto_base_ms = RTO_INIT_MS;
	if (x->p.timeout_s && x->rto_base_ms > x->p.timeout_s * 1000u)
		x->rto_base_ms = x->p.timeout_s * 1000u;
	x->give_up_ms = x->srv->o.give_up_ms ? x->srv->o.give_up_ms : 30000u;
	if (x->p.timeout_s && x->give_up_ms < x->p.timeout_s * 6000u)
		x->give_up_ms = x->p.timeout_s * 6000u;
	x->start_us = jf_clock_mono_us();
	jf_net__tftp_xfer_arm(x, true);
	if (!x->upload) {
		x->rd.cap = window > CACHE_MIN ? window : CACHE_MIN;
		if (!(x->rd.cache = malloc(x->rd.cap)))
			return jf_net__tftp_xfer_fail(x, JF_ENOMEM, JF_TFTP_EUNDEF,
			                              "out of memory");
		x->rd.last = x->netascii ? 0 : x->rd.size / x->p.blksize + 1;
	}
	if (x->p.oack) {
		x->ctl_len = jf_net__tftp_build_oack(x->ctl, sizeof(x->ctl), &x->p);
		x->state = JF_TFTP_X_OACK;
		x->sent_at_us = jf_clock_mono_us();
		x->timing = true;
		(void)send(x->sock, x->ctl, x->ctl_len, MSG_DONTWAIT);
		return false;
	}
	x->state = JF_TFTP_X_DATA;
	if (x->upload) {
		send_ack(x, 0);
		return false;
	}
	return jf_net__tftp_read_window(x, false);
}

static void report(jf_tftp_xfer *x)
{
	jf_tftp_server *s = x->srv;
	uint64_t us = jf_clock_mono_us() - x->start_us;
	double secs = (double)us / 1e6, mbps = secs > 0 ? (double)x->bytes / secs / 1e6 : 0;
	jf_tftp_transfer_info info = {
	    x->peer,
	    x->name,
	    x->upload,
	    x->finished ? 0 : x->result,
	    NULL,
	    x->bytes,
	    us,
	    x->p.blksize,
	    x->p.windowsize,
	    x->retransmits,
	};

	if (!x->finished) {
		if (!info.result)
			info.result = JF_EIO;
		info.error = x->error[0] ? x->error : "aborted";
		jf_warn(s->o.log, "tftp", "%s '%s' %s %s failed after %llu bytes: %s",
		        x->upload ? "upload of" : "transfer of", x->name, x->upload ? "from" : "to",
		        x->peer, (unsigned long long)x->bytes, info.error);
	} else {
		jf_info(
		    s->o.log, "tftp",
		    "%s '%s' %s %s: %llu bytes in %.3f s (%.1f MB/s), blksize %u, windowsize %u, "
		    "%u retransmits",
		    x->upload ? "received" : "sent", x->name, x->upload ? "from" : "to", x->peer,
		    (unsigned long long)x->bytes, secs, mbps, x->p.blksize, x->p.windowsize,
		    x->retransmits);
	}
	if (s->o.on_transfer)
		s->o.on_transfer(s->o.user, &info);
}

int jf_net__tftp_xfer_start(jf_tftp_xfer **out, jf_tftp_server *s, const jf_tftp_origin *o,
                            uint8_t *pkt, size_t len)
{
	jf_tftp_xfer *x = calloc(1, sizeof(*x));
	jf_err err = JF_ERR_INIT;
	jf_tftp_req r;
	int mtu = 0;

	*out = NULL;
	if (!x)
		return JF_ENOMEM;
	x->srv = s;
	x->rd.fd = -1;
	x->rd.pending = -1;
	x->wr.up = (jf_net_upload)JF_NET_UPLOAD_INIT;
	x->origin_peer = o->peer;
	jf_net__addr_str(x->peer, sizeof(x->peer), (const struct sockaddr *)&o->peer);
	strcpy(x->name, "?");
	if ((x->sock = open_sock(s, o, &mtu)) < 0) {
		jf_warn(s->o.log, "tftp", "cannot open a socket for a request from %s: %s", x->peer,
		        strerror(errno));
		free(x);
		return 0;
	}
	if (jf_net__tftp_parse_req(&r, (char *)pkt, len, &err) < 0) {
		refuse(x, JF_TFTP_EBADOP, "request", err.msg);
		goto drop;
	}
	snprintf(x->name, sizeof(x->name), "%s", r.filename);
	x->upload = r.opcode == JF_TFTP_WRQ;
	x->netascii = r.netascii;
	if (!prepare(x, &r, mtu))
		goto drop;
	jf_debug(s->o.log, "tftp", "%s '%s' from %s (%s, blksize %u, windowsize %u)",
	         x->upload ? "WRQ" : "RRQ", x->name, x->peer, r.netascii ? "netascii" : "octet",
	         x->p.blksize, x->p.windowsize);
	if (begin(x)) {
		report(x);
		goto drop;
	}
	*out = x;
	return 0;
drop:
	jf_net__tftp_xfer_free(x, NULL);
	return 0;
}

void jf_net__tftp_xfer_free(jf_tftp_xfer *x, const char *abort_msg)
{
	if (!x)
		return;
	if (abort_msg) {
		if (!x->finished)
			jf_net__tftp_xfer_fail(x, JF_ECANCELED, JF_TFTP_EUNDEF, abort_msg);
		report(x);
	}
	jf_net__upload_abort(&x->wr.up);
	if (x->rd.fd >= 0)
		close(x->rd.fd);
	if (x->sock >= 0)
		close(x->sock);
	free(x->rd.cache);
	free(x);
}

/* Called by the loop when io/tick said the transfer is over. */
void jf_net__tftp_xfer_finish(jf_tftp_xfer *x)
{
	report(x);
	jf_net__tftp_xfer_free(x, NULL);
}
