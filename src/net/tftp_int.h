/* jmpflash net/ — TFTP server internals shared by tftp.c (sockets, event
 * loop) and tftp_xfer.c (one transfer's state machine). */
#ifndef JF_NET_TFTP_INT_H
#define JF_NET_TFTP_INT_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "fsroot.h"
#include "jmpflash/tftp.h"
#include "tftp_proto.h"

/* Hard cap on windowsize: one sendmmsg per window, arrays on the stack. */
#define JF_TFTP_WINDOW_HARD 256u
#define JF_TFTP_RXBUF (JF_TFTP_BLKSIZE_MAX + 64)

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

/* A request that arrived on the listening socket. */
typedef struct jf_tftp_origin {
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	bool have_local;
} jf_tftp_origin;

/* Start a transfer for request @pkt/@len from @o. On success *out is a live
 * transfer to add to the loop; on refusal an ERROR packet has been sent and
 * the refusal logged, and *out is NULL (not an error of the server). */
int jf_tftp__xfer_start(jf_tftp_xfer **out, jf_tftp_server *s, const jf_tftp_origin *o,
			uint8_t *pkt, size_t len);

int jf_tftp__xfer_fd(const jf_tftp_xfer *x);
short jf_tftp__xfer_events(const jf_tftp_xfer *x);
/* Next time (monotonic ms) the transfer needs jf_tftp__xfer_tick. */
uint64_t jf_tftp__xfer_due_ms(const jf_tftp_xfer *x);
/* Handle readiness / time; return true when the transfer is over, well or
 * not (then the loop calls jf_tftp__xfer_finish, which reports it). */
bool jf_tftp__xfer_io(jf_tftp_xfer *x, short revents);
bool jf_tftp__xfer_tick(jf_tftp_xfer *x, uint64_t now_ms);
/* Report (log line, on_transfer) and free a transfer that is over. */
void jf_tftp__xfer_finish(jf_tftp_xfer *x);
/* Free without a report, or with @abort_msg (server stopping): tell the peer
 * and report the transfer as aborted. */
void jf_tftp__xfer_free(jf_tftp_xfer *x, const char *abort_msg);

/* The root directory fd for requests from @peer (a mapped subdir or the
 * root); the caller closes it if it differs from s->rootfd. */
int jf_tftp__root_for(jf_tftp_server *s, const struct sockaddr_storage *peer, jf_err *err);

#endif
