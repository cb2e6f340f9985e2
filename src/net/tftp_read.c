/* TFTP read requests: the server sends a file (or its netascii form) a
 * window of DATA blocks at a time from a stream cache, with sendmmsg, and
 * moves on as ACKs arrive (RFC 1350, 2348, 7440). Runs on the server thread;
 * the transfer's timers, setup and teardown are in tftp_xfer.c. */
#define _GNU_SOURCE /* sendmmsg */
#include "tftp_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "jmpflash/clock.h"

/* ---- the stream cache ---- */

static int fill_netascii(jf_tftp_xfer *x)
{
	uint8_t raw[16384];

	while (x->rd.len < x->rd.cap && !x->rd.eof) {
		size_t used, n;
		ssize_t r = 0;

		if (x->rd.pending < 0) {
			size_t want = x->rd.cap - x->rd.len;

			r = pread(x->rd.fd, raw, want < sizeof(raw) ? want : sizeof(raw),
			          (off_t)x->rd.raw_off);
			if (r < 0)
				return -errno;
			if (r == 0) {
				x->rd.eof = true;
				break;
			}
		}
		n = jf_net__tftp_netascii_encode(x->rd.cache + x->rd.len, x->rd.cap - x->rd.len,
		                                 raw, (size_t)r, &used, &x->rd.pending);
		x->rd.len += n;
		x->rd.raw_off += used;
	}
	return 0;
}

/* Make the cache hold the stream from @from (never before x->rd.coff) for a
 * whole window, or up to the end of the stream. */
static int cache_fill(jf_tftp_xfer *x, uint64_t from, uint64_t to)
{
	if (to <= x->rd.coff + x->rd.len || (x->rd.eof && from <= x->rd.coff + x->rd.len))
		return 0;
	if (from > x->rd.coff) {
		uint64_t drop = from - x->rd.coff < x->rd.len ? from - x->rd.coff : x->rd.len;

		memmove(x->rd.cache, x->rd.cache + drop, x->rd.len - (size_t)drop);
		x->rd.len -= (size_t)drop;
		x->rd.coff += drop;
	}
	if (x->netascii)
		return fill_netascii(x);
	if (from > x->rd.coff + x->rd.len) { /* octet: jump */
		x->rd.coff = from;
		x->rd.len = 0;
	}
	while (x->rd.len < x->rd.cap && x->rd.coff + x->rd.len < x->rd.size) {
		uint64_t want = x->rd.size - (x->rd.coff + x->rd.len);
		ssize_t r =
		    pread(x->rd.fd, x->rd.cache + x->rd.len,
		          want < x->rd.cap - x->rd.len ? (size_t)want : x->rd.cap - x->rd.len,
		          (off_t)(x->rd.coff + x->rd.len));

		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* shrank under us */
		x->rd.len += (size_t)r;
	}
	x->rd.eof = x->rd.coff + x->rd.len >= x->rd.size;
	return 0;
}

/* Block @k as it goes on the wire: after 65535 comes 0 (the common
 * convention) or 1 (opts.rollover = 1, for old clients). */
static uint16_t wire_no(const jf_tftp_xfer *x, uint64_t k)
{
	if (x->srv->o.rollover == 1)
		return (uint16_t)((k - 1) % 65535 + 1);
	return (uint16_t)k;
}

/* Push blocks x->rd.send_next..x->rd.send_end with sendmmsg; stops (and waits for
 * POLLOUT) when the socket buffer is full. */
bool jf_net__tftp_read_push(jf_tftp_xfer *x)
{
	struct mmsghdr msgs[JF_TFTP_WINDOW_HARD];
	struct iovec iov[JF_TFTP_WINDOW_HARD][2];
	uint8_t hdr[JF_TFTP_WINDOW_HARD][4];
	uint64_t bs = x->p.blksize, from = x->rd.send_next, k;
	unsigned n = 0;
	int r;

	if ((r = cache_fill(x, (from - 1) * bs, x->rd.send_end * bs)) < 0)
		return jf_net__tftp_xfer_fail(x, JF_EIO, JF_TFTP_EUNDEF, strerror(-r));
	for (k = from; k <= x->rd.send_end && n < JF_TFTP_WINDOW_HARD; k++, n++) {
		uint64_t off = (k - 1) * bs, end = x->rd.coff + x->rd.len;
		size_t len = end > off ? (size_t)(end - off < bs ? end - off : bs) : 0;

		if (off < x->rd.coff || (len < bs && !x->rd.eof))
			return jf_net__tftp_xfer_fail(x, JF_EIO, JF_TFTP_EUNDEF,
			                              "internal: block not in cache");
		if (len < bs)
			x->rd.last = k;
		uint16_t wire = wire_no(x, k);
		hdr[n][0] = 0;
		hdr[n][1] = JF_TFTP_DATA;
		hdr[n][2] = (uint8_t)(wire >> 8);
		hdr[n][3] = (uint8_t)wire;
		iov[n][0] = (struct iovec){hdr[n], 4};
		iov[n][1] = (struct iovec){x->rd.cache + (off - x->rd.coff), len};
		memset(&msgs[n], 0, sizeof(msgs[n]));
		msgs[n].msg_hdr.msg_iov = iov[n];
		msgs[n].msg_hdr.msg_iovlen = 2;
		if (len < bs) {
			n++;
			break;
		}
	}
	if (x->rd.last && x->rd.send_end > x->rd.last)
		x->rd.send_end = x->rd.last;
	for (unsigned done = 0; done < n;) {
		r = sendmmsg(x->sock, msgs + done, n - done, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED)
				return jf_net__tftp_xfer_fail(x, JF_EUNREACHABLE,
				                              JF_TFTP_NO_ERROR_PACKET,
				                              "client went away");
			return jf_net__tftp_xfer_fail(x, JF_EIO, JF_TFTP_NO_ERROR_PACKET,
			                              strerror(errno));
		}
		done += (unsigned)r;
		x->rd.send_next += (unsigned)r;
	}
	if (x->rd.send_next - 1 > x->rd.max_sent)
		x->rd.max_sent = x->rd.send_next - 1;
	return false;
}

/* (Re)send the window that starts after the last acknowledged block. */
bool jf_net__tftp_read_window(jf_tftp_xfer *x, bool retransmit)
{
	x->rd.send_next = x->rd.acked + 1;
	x->rd.send_end = x->rd.acked + x->p.windowsize;
	x->rd.window_at_ms = jf_clock_mono_ms();
	if (x->rd.last && x->rd.send_end > x->rd.last)
		x->rd.send_end = x->rd.last;
	if (!retransmit) {
		x->sent_at_us = jf_clock_mono_us();
		x->timing = true;
	}
	return jf_net__tftp_read_push(x);
}

bool jf_net__tftp_read_ack(jf_tftp_xfer *x, uint16_t wire)
{
	uint64_t n;

	if (x->state == JF_TFTP_X_OACK) {
		if (wire != 0)
			return false;
		x->state = JF_TFTP_X_DATA;
		if (x->timing)
			jf_net__tftp_xfer_rtt(x);
		jf_net__tftp_xfer_arm(x, true);
		return jf_net__tftp_read_window(x, false);
	}
	/* Only an ACK that moves forward within what was sent counts: a
	 * duplicate never triggers a send (no Sorcerer's Apprentice). The
	 * window is short, so search it rather than unwrap arithmetically. */
	for (n = x->rd.acked + 1; n <= x->rd.max_sent && wire_no(x, n) != wire; n++)
		;
	if (n > x->rd.max_sent) {
		/* RFC 7440: a windowed receiver that lost a block times out and
		 * ACKs the last block it has, expecting the window after it again.
		 * Answer that at once, but only when the ACK cannot be an echo of
		 * the window just sent (at most once per round-trip timeout). */
		if (x->p.windowsize > 1 && x->rd.acked && wire == wire_no(x, x->rd.acked) &&
		    jf_clock_mono_ms() - x->rd.window_at_ms >= x->rto_base_ms) {
			x->retransmits++;
			jf_net__tftp_xfer_arm(x, false);
			return jf_net__tftp_read_window(x, true);
		}
		return false;
	}
	x->bytes = n * x->p.blksize;
	x->rd.acked = n;
	if (x->timing && n == x->rd.send_end)
		jf_net__tftp_xfer_rtt(x);
	x->timing = false;
	if (x->rd.last && n == x->rd.last) {
		x->bytes = x->netascii ? x->rd.raw_off : x->rd.size;
		x->finished = true;
		return true;
	}
	jf_net__tftp_xfer_arm(x, true);
	return jf_net__tftp_read_window(x, false);
}
