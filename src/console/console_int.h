/* Private to src/console/: the console session and its endpoint layer. */
#ifndef JF_CONSOLE_INT_H
#define JF_CONSOLE_INT_H

#include <stdio.h>

#include "jmpflash/console.h"
#include "jmpflash/redact.h"
#include "jmpflash/url.h"

typedef enum jf_ep_kind { JF_EP_TTY, JF_EP_TCP, JF_EP_RFC2217, JF_EP_UNIX } jf_ep_kind;

/* Telnet (RFC 854) receive state plus what RFC 2217 negotiation learned. */
typedef struct jf_telnet {
	int state;
	unsigned char verb; /* WILL/WONT/DO/DONT awaiting its option */
	unsigned char sb[64];
	size_t sblen;
	unsigned char sent_will[32], sent_do[32]; /* bit sets over option codes */
	int com_port;     /* 1: server agreed (DO), -1: refused, 0: not yet */
	bool peer_binary; /* server sends BINARY: no CR NUL stuffing */
	bool last_cr;     /* the last payload byte was CR */
	bool baud_acked;
	uint32_t baud_reply; /* what the server says it set */
} jf_telnet;

struct jf_console {
	char *url, *line_ending, *transcript_path;
	unsigned baudrate;
	bool rtscts, no_hupcl, strip_ansi;
	unsigned char_delay_us;
	size_t max_buffer;
	uint64_t reopen_ms, connect_ms, open_wait_ms;
	jf_console_tap tap;
	void *tap_user;
	jf_log *log;

	jf_ep_kind kind;
	jf_url u;
	int fd;
	int cancel_fd; /* readable: stop waiting (JF_ECANCELED); -1: none */
	jf_telnet tn;

	jf_buf rx;      /* received, not yet consumed by a match (bounded) */
	bool truncated; /* rx dropped old bytes since the last match */
	int ansi_state;

	FILE *tfile;
	jf_redact_stream red[2]; /* 0: received, 1: sent */
	int t_dir;               /* direction of the open transcript line, -1: none */
	jf_buf t_line;
};

/* endpoint.c */
int jf_console__ep_open(jf_console *c, jf_err *err);
void jf_console__ep_close(jf_console *c);
/* Read decoded payload into @buf. >0 bytes, 0 when @d passed with nothing,
 * <0 on error (a vanished tty is reopened within reopen_ms first). */
long jf_console__ep_read(jf_console *c, void *buf, size_t cap, jf_deadline d, jf_err *err);
/* Write all of @len payload bytes (telnet-escaped when needed) by @d. */
int jf_console__ep_write(jf_console *c, const void *data, size_t len, jf_deadline d, jf_err *err);
/* baud.c: set an arbitrary rate with termios2 (BOTHER); read it back. */
int jf_console__set_baud_other(int fd, unsigned baud);
int jf_console__get_baud(int fd, unsigned *baud);

/* telnet.c */
void jf_console__telnet_init(jf_telnet *t);
/* Decode @n bytes in place; returns payload length. Replies to send (option
 * refusals) are appended to @reply. */
size_t jf_console__telnet_decode(jf_telnet *t, unsigned char *data, size_t n, jf_buf *reply);
/* Append @data to @out with IAC doubled. */
int jf_console__telnet_escape(jf_buf *out, const void *data, size_t n);
/* Our opening offer and the COM-PORT settings for @baud. */
int jf_console__telnet_offer(jf_telnet *t, jf_buf *out);
int jf_console__telnet_com_port_settings(jf_buf *out, unsigned baud, bool rtscts);

/* transcript.c */
int jf_console__transcript_open(jf_console *c, jf_err *err);
/* @dir 0: received, 1: sent. */
void jf_console__transcript(jf_console *c, int dir, const void *data, size_t n);
void jf_console__transcript_close(jf_console *c);

/* console.c: new bytes from the board (match buffer + transcript). */
int jf_console__received(jf_console *c, const void *data, size_t n);

#endif
