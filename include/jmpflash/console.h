/* jmpflash — serial console: endpoints, expect engine, transcript,
 * interactive passthrough.
 *
 * A console is one session with the board's UART, however the lab wires it:
 * a tty (/dev/ttyUSB0, /dev/serial/by-id/...), socket://host:port (raw TCP,
 * ser2net), rfc2217://host:port (Telnet COM-PORT-OPTION), or a path to a pty
 * or unix socket (QEMU). Everything received is kept in a bounded buffer that
 * expect() searches; everything sent and received goes to the transcript,
 * redacted. */
#ifndef JMPFLASH_CONSOLE_H
#define JMPFLASH_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/buf.h"
#include "jmpflash/clock.h"
#include "jmpflash/config.h"
#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_console jf_console;

/* Receives transcript text (already redacted and timestamped), e.g. the
 * CLI's --console-debug writer to stderr. */
typedef void (*jf_console_tap)(void *user, const char *text, size_t len);

typedef struct jf_console_opts {
	const char *url;         /* tty path, socket://, rfc2217://, pty or unix socket path */
	unsigned baudrate;       /* 0: 115200 */
	bool rtscts;             /* hardware flow control (ttys) */
	bool no_hupcl;           /* keep DTR/RTS raised when closed */
	double cps;              /* characters per second when sending; 0: no pacing */
	const char *line_ending; /* sendline's terminator; NULL: "\n" */
	size_t max_buffer;       /* bytes kept for expect; 0: 64 KiB */
	bool strip_ansi;         /* drop ANSI escape sequences before matching */
	uint64_t reopen_ms;      /* how long to retry a vanished tty; 0: 10 s */
	uint64_t connect_ms;     /* network connect/negotiation deadline; 0: 10 s */
	uint64_t open_wait_ms;   /* keep retrying an endpoint that is not there yet
	                          * (QEMU's socket, ser2net starting); 0: fail at once */
	const char *transcript;  /* file to append the transcript to; NULL: none */
	jf_console_tap tap;      /* NULL: none */
	void *tap_user;
} jf_console_opts;

#define JF_CONSOLE_MAX_BUFFER_DEFAULT (64 * 1024)

/* Fill @o from a serial driver (PySerial: url, baudrate, cps, disable_hupcl).
 * Strings point into the driver. Other fields keep their values. */
int jf_console_opts_from_driver(jf_console_opts *o, const jf_driver *d, jf_err *err);

/* Open the endpoint. @log (may be NULL) gets reopen notices; its secrets
 * are masked in the transcript. A tty is opened exclusively: a second
 * opener gets JF_EEXISTS. */
int jf_console_open(jf_console **out, const jf_console_opts *o, jf_log *log, jf_err *err);
/* Flush the transcript and close. NULL is fine. */
void jf_console_close(jf_console *c);

/* Send @len bytes (paced when cps is set). */
int jf_console_send(jf_console *c, const void *data, size_t len, jf_err *err);
/* Send @line followed by the configured line ending. */
int jf_console_sendline(jf_console *c, const char *line, jf_err *err);
void jf_console_set_line_ending(jf_console *c, const char *ending);
/* While @fd (a signal handler's self-pipe) is readable, every wait on the
 * console (expect, drain, send) stops with JF_ECANCELED. -1: none. */
void jf_console_set_cancel_fd(jf_console *c, int fd);
/* Pause between characters, in microseconds (overrides cps). */
void jf_console_set_char_delay(jf_console *c, unsigned us);

typedef enum jf_pattern_kind { JF_PAT_LITERAL = 0, JF_PAT_REGEX } jf_pattern_kind;

typedef struct jf_pattern {
	jf_pattern_kind kind;
	const char *text; /* literal bytes, or a PCRE2 pattern (byte mode, not UTF) */
} jf_pattern;

#define JF_LIT(s) ((jf_pattern){JF_PAT_LITERAL, (s)})
#define JF_RE(s)  ((jf_pattern){JF_PAT_REGEX, (s)})

#define JF_MATCH_GROUPS 10

/* The result of expect(). Buffers may hold NUL bytes: use the lengths. */
typedef struct jf_match {
	int index;      /* which pattern matched */
	jf_buf before;  /* received text before the match (since the last match) */
	jf_buf match;   /* the matched text */
	jf_buf after;   /* text received after the match; it stays buffered */
	bool truncated; /* `before` lost its oldest bytes to the buffer bound */
	size_t ngroups; /* regex capture groups, group 0 = whole match */
	struct {
		size_t off, len; /* into `match`; len SIZE_MAX when the group is unset */
	} groups[JF_MATCH_GROUPS];
} jf_match;

/* clang-format off */
#define JF_MATCH_INIT {-1, JF_BUF_INIT, JF_BUF_INIT, JF_BUF_INIT, false, 0, {{0, 0}}}
/* clang-format on */

void jf_match_free(jf_match *m);
/* Copy capture group @i into @out as a string; JF_ENOTFOUND when unset. */
int jf_match_group(const jf_match *m, size_t i, jf_buf *out);

/* Wait until one of @pats appears in the received text, or @deadline.
 * The earliest match wins; on a tie, the lowest index. Returns the index
 * (>= 0) and fills @m (may be NULL); text up to the end of the match is
 * consumed. JF_ETIMEOUT names the patterns and shows the tail of what
 * arrived; JF_EIO when the endpoint closed. Matches spanning reads work. */
int jf_console_expect(jf_console *c, const jf_pattern *pats, size_t npats, jf_deadline deadline,
                      jf_match *m, jf_err *err);

/* Read whatever arrives until @deadline (into the buffer, the transcript);
 * returns 0 at the deadline. (The flasher drops what an interrupted U-Boot
 * command still prints.) */
int jf_console_drain(jf_console *c, jf_deadline deadline, jf_err *err);
/* The bytes received and not yet consumed by a match. */
const char *jf_console_buffered(const jf_console *c, size_t *len);
void jf_console_clear(jf_console *c);

/* Interactive passthrough: copy @in_fd to the console and the console to
 * @out_fd until the escape sequence (@escape_char typed @escape_count times
 * in a row), EOF on @in_fd, the endpoint closing, or @cancel_fd becoming
 * readable (a signal handler's self-pipe). A tty @in_fd is put in raw mode
 * and restored on every one of those paths. */
typedef struct jf_interact_opts {
	int in_fd, out_fd;
	int cancel_fd;             /* -1: none */
	unsigned char escape_char; /* 0: Ctrl-B (0x02) */
	unsigned escape_count;     /* 0: 3 */
	bool byte_pipe;            /* no escape sequence; EOF on @in_fd ends input only,
	                            * the session goes on until the endpoint closes
	                            * or @cancel_fd (a program, not a person, on in_fd) */
} jf_interact_opts;

/* "Ctrl-B three times" for @o, to show the user on entry. */
const char *jf_interact_escape_text(const jf_interact_opts *o, char *buf, size_t size);
/* 0 when left by the escape sequence or EOF on input; JF_ECANCELED for
 * @cancel_fd; JF_EIO when the console went away. */
int jf_console_interact(jf_console *c, const jf_interact_opts *o, jf_err *err);

/* For tests and tools: the endpoint's file descriptor (poll it for input). */
int jf_console_fd(const jf_console *c);

#ifdef __cplusplus
}
#endif

#endif
