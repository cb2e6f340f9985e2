/* jmpflash net/ — TFTP server internals shared by tftp.c (sockets, event
 * loop) and tftp_xfer.c (one transfer's state machine). */
#ifndef JF_NET_TFTP_INT_H
#define JF_NET_TFTP_INT_H

#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "fsroot.h"
#include "jmpflash/tftp.h"
#include "tftp_proto.h"

/* Hard cap on windowsize: one sendmmsg per window, arrays on the stack. */
#define JF_TFTP_WINDOW_HARD 256u
#define JF_TFTP_RXBUF       (JF_TFTP_BLKSIZE_MAX + 64)

typedef struct jf_tftp_xfer jf_tftp_xfer;

typedef struct jf_tftp_map {
	struct sockaddr_storage addr;
	char *subdir;
} jf_tftp_map;

struct jf_tftp_server {
	jf_tftp_opts o;
	char *root;
	int rootfd, lsock, wakefd, family;
	uint16_t port;
	pthread_t thread;
	bool started;
	jf_tftp_xfer **xfers;
	size_t nxfers;
	struct pollfd *pfds;
	pthread_mutex_t lock; /* guards maps only */
	jf_tftp_map *maps;
	size_t nmaps;
	uint8_t rx[JF_TFTP_RXBUF + 1];
};

/* ---- one transfer (tftp_xfer.c; a read request's sending: tftp_read.c) ---- */

/* Where a transfer is: waiting for the ACK of our OACK, moving data, or
 * dallying after the final ACK of an upload (to repeat it if it was lost). */
enum { JF_TFTP_X_OACK, JF_TFTP_X_DATA, JF_TFTP_X_DALLY };

/* jf_net__tftp_xfer_fail's tftp_code when the peer must not get an ERROR
 * packet: it sent one itself, or it is gone. */
#define JF_TFTP_NO_ERROR_PACKET UINT_MAX

/* What a read request needs: we send the file's stream, a window at a time. */
typedef struct jf_tftp_xfer_read {
	int fd;
	uint64_t size;                /* octet: file size */
	uint64_t acked;               /* blocks acknowledged; 0 before block 1 */
	uint64_t last;                /* number of the final block; 0 while unknown */
	uint64_t send_next, send_end; /* blocks still to push (socket was full) */
	uint64_t max_sent;            /* highest block number sent so far */
	uint64_t window_at_ms;        /* when the current window was last (re)sent */
	/* the stream (file bytes, or their netascii form) */
	uint8_t *cache;
	size_t cap, len;
	uint64_t coff;    /* stream offset of cache[0] */
	bool eof;         /* cache reaches the end of the stream */
	uint64_t raw_off; /* netascii: file offset read so far */
	int pending;      /* netascii: half of a pair */
} jf_tftp_xfer_read;

/* What a write request needs: the client uploads into a temp file. */
typedef struct jf_tftp_xfer_write {
	jf_net_upload up;
	uint64_t received, wr_off;
	bool cr, reacked;
} jf_tftp_xfer_write;

struct jf_tftp_xfer {
	jf_tftp_server *srv;
	int sock;
	bool upload, netascii;
	int state;
	jf_tftp_params p;
	char peer[64];
	char name[256];
	struct sockaddr_storage origin_peer;
	jf_tftp_xfer_read rd;  /* !upload */
	jf_tftp_xfer_write wr; /* upload */
	/* control packet to repeat on timeout: OACK, or the last ACK (WRQ) */
	uint8_t ctl[512];
	size_t ctl_len;
	/* timing */
	uint64_t start_us, sent_at_us, srtt_us;
	bool timing;
	unsigned rto_base_ms; /* from the measured round trip */
	unsigned rto_ms;      /* the wait now, after backoff */
	unsigned stuck;       /* retransmissions since the last progress */
	unsigned retransmits;
	uint64_t due_ms, give_up_at_ms;
	unsigned give_up_ms;
	uint64_t bytes;
	bool finished; /* completed successfully */
	int result;
	char error[200];
};

/* Record @code and @msg as the transfer's result (the first one wins) and,
 * unless @tftp_code is JF_TFTP_NO_ERROR_PACKET, tell the peer; returns true (over). */
bool jf_net__tftp_xfer_fail(jf_tftp_xfer *x, int code, unsigned tftp_code, const char *msg);
/* Re-arm the retransmission timer; @progress also resets the give-up
 * deadline and the backoff. */
void jf_net__tftp_xfer_arm(jf_tftp_xfer *x, bool progress);
/* A round-trip sample from the window (or OACK) just acknowledged. */
void jf_net__tftp_xfer_rtt(jf_tftp_xfer *x);

/* Read requests (tftp_read.c): (re)send the window after the last ACK;
 * push what the socket refused before (POLLOUT); handle an ACK. Each
 * returns true when the transfer is over. */
bool jf_net__tftp_read_window(jf_tftp_xfer *x, bool retransmit);
bool jf_net__tftp_read_push(jf_tftp_xfer *x);
bool jf_net__tftp_read_ack(jf_tftp_xfer *x, uint16_t wire);

/* A request that arrived on the listening socket. */
typedef struct jf_tftp_origin {
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	bool have_local;
} jf_tftp_origin;

/* Start a transfer for request @pkt/@len from @o. On success *out is a live
 * transfer to add to the loop; on refusal an ERROR packet has been sent and
 * the refusal logged, and *out is NULL (not an error of the server). */
int jf_net__tftp_xfer_start(jf_tftp_xfer **out, jf_tftp_server *s, const jf_tftp_origin *o,
                            uint8_t *pkt, size_t len);

int jf_net__tftp_xfer_fd(const jf_tftp_xfer *x);
short jf_net__tftp_xfer_events(const jf_tftp_xfer *x);
/* Next time (monotonic ms) the transfer needs jf_net__tftp_xfer_tick. */
uint64_t jf_net__tftp_xfer_due_ms(const jf_tftp_xfer *x);
/* Handle readiness / time; return true when the transfer is over, well or
 * not (then the loop calls jf_net__tftp_xfer_finish, which reports it). */
bool jf_net__tftp_xfer_io(jf_tftp_xfer *x, short revents);
bool jf_net__tftp_xfer_tick(jf_tftp_xfer *x, uint64_t now_ms);
/* Report (log line, on_transfer) and free a transfer that is over. */
void jf_net__tftp_xfer_finish(jf_tftp_xfer *x);
/* Free without a report, or with @abort_msg (server stopping): tell the peer
 * and report the transfer as aborted. */
void jf_net__tftp_xfer_free(jf_tftp_xfer *x, const char *abort_msg);

/* The root directory fd for requests from @peer (a mapped subdir or the
 * root); the caller closes it if it differs from s->rootfd. */
int jf_net__tftp_root_for(jf_tftp_server *s, const struct sockaddr_storage *peer, jf_err *err);

#endif
