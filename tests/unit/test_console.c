/* Console: endpoints over a pty pair and a unix socket; the expect engine;
 * the transcript's redaction; interactive passthrough. Network peers
 * (socat, an RFC 2217 server) are in tests/integration/test_console_peers.c. */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console/console_int.h"
#include "jmpflash/console.h"

typedef struct board {
	int master, slave;
	char path[64];
} board;

static void board_open(board *b)
{
	struct termios t;

	assert_int_equal(openpty(&b->master, &b->slave, b->path, NULL, NULL), 0);
	/* The test side is raw too: no echo of what the console sends. */
	tcgetattr(b->slave, &t);
	cfmakeraw(&t);
	tcsetattr(b->slave, TCSANOW, &t);
}

static void board_close(board *b)
{
	if (b->slave >= 0)
		close(b->slave);
	if (b->master >= 0)
		close(b->master);
	b->slave = b->master = -1;
}

static void board_say(board *b, const void *s, size_t n)
{
	assert_int_equal(write(b->master, s, n), (ssize_t)n);
}

/* Read from the board side until @want bytes came or 5 s passed. */
static size_t board_hear(board *b, char *buf, size_t want)
{
	jf_deadline d = jf_deadline_in(5000);
	size_t got = 0;

	while (got < want && !jf_deadline_expired(d)) {
		struct pollfd p = {b->master, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, jf_deadline_poll_ms(d)) <= 0)
			continue;
		n = read(b->master, buf + got, want - got);
		if (n > 0)
			got += (size_t)n;
	}
	return got;
}

static jf_console *open_pty_console(board *b, test_log *t, jf_console_opts *o)
{
	jf_console_opts def = {0};
	jf_err err = JF_ERR_INIT;
	jf_console *c = NULL;

	if (!o)
		o = &def;
	o->url = b->path;
	if (jf_console_open(&c, o, t ? &t->log : NULL, &err) < 0)
		fail_msg("open %s: %s", b->path, err.msg);
	return c;
}

/* A board (pty pair) and a console on it: the fixture of most tests here.
 * pty_setup opens both with default options; board_setup only the board
 * (the test opens pc->c with its own options). The teardown closes what is
 * open, also after a failed assertion. */
typedef struct pty_case {
	board b;
	jf_console *c;
} pty_case;

static int board_setup(void **state)
{
	pty_case *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return -1;
	board_open(&pc->b);
	*state = pc;
	return 0;
}

static int pty_setup(void **state)
{
	pty_case *pc;

	if (board_setup(state) < 0)
		return -1;
	pc = *state;
	pc->c = open_pty_console(&pc->b, NULL, NULL);
	return 0;
}

static int pty_teardown(void **state)
{
	pty_case *pc = *state;

	jf_console_close(pc->c);
	board_close(&pc->b);
	free(pc);
	return 0;
}

#define PTY_CASE(fn)   cmocka_unit_test_setup_teardown(fn, pty_setup, pty_teardown)
#define BOARD_CASE(fn) cmocka_unit_test_setup_teardown(fn, board_setup, pty_teardown)

static void test_console_expect_spans_reads(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	int rc;

	board_say(b, "U-Boot 2023.01\r\nHit any key to stop aut", 39);
	rc = jf_console_expect(c, (jf_pattern[]){JF_LIT("autoboot")}, 1, jf_deadline_in(150), &m,
	                       &err);
	assert_int_equal(rc, JF_ETIMEOUT); /* half of it is buffered, not matched */
	board_say(b, "oboot: 3 ", 9);
	rc = jf_console_expect(c, (jf_pattern[]){JF_LIT("zzz"), JF_LIT("autoboot")}, 2,
	                       jf_deadline_in(5000), &m, &err);
	assert_int_equal(rc, 1);
	assert_int_equal(m.index, 1);
	assert_string_equal(m.before.ptr, "U-Boot 2023.01\r\nHit any key to stop ");
	assert_string_equal(m.match.ptr, "autoboot");
	assert_string_equal(m.after.ptr, ": 3 ");
	jf_match_free(&m);
}

static void test_console_expect_earliest_wins(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;

	board_say(b, "login: Password:", 16);
	assert_int_equal(jf_console_expect(c,
	                                   (jf_pattern[]){JF_LIT("Password:"), JF_RE("log[a-z]+:")},
	                                   2, jf_deadline_in(5000), &m, &err),
	                 1);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("Password:")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	assert_string_equal(m.before.ptr, " ");
	jf_match_free(&m);
}

static void test_console_expect_deadline_expires(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	jf_err err = JF_ERR_INIT;
	uint64_t t0, ms;

	board_say(b, "Starting kernel ...\r\n", 21);
	t0 = jf_clock_mono_ms();
	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_LIT("=> ")}, 1, jf_deadline_in(200), NULL, &err),
	    JF_ETIMEOUT);
	ms = jf_clock_mono_ms() - t0;
	assert_true(ms >= 190 && ms < 3000);
	assert_non_null(strstr(err.msg, "'=> '"));
	assert_non_null(strstr(err.msg, "Starting kernel ...\\r\\n"));
}

static void test_console_regex_groups(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	jf_buf g = JF_BUF_INIT;

	board_say(b, "DHCP client bound to address 10.0.2.15 (3 ms)\r\n", 47);
	assert_int_equal(jf_console_expect(c,
	                                   (jf_pattern[]){JF_RE("address ([0-9.]+) \\((\\d+) ms\\)"
	                                                        "(x)?")},
	                                   1, jf_deadline_in(5000), &m, &err),
	                 0);
	assert_int_equal(m.ngroups, 3);
	assert_int_equal(jf_match_group(&m, 1, &g), 0);
	assert_string_equal(g.ptr, "10.0.2.15");
	jf_buf_clear(&g);
	assert_int_equal(jf_match_group(&m, 2, &g), 0);
	assert_string_equal(g.ptr, "3");
	assert_int_equal(jf_match_group(&m, 3, &g), JF_ENOTFOUND);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_RE("(unclosed")}, 1,
	                                   jf_deadline_in(100), &m, &err),
	                 JF_EINVAL);
	assert_non_null(strstr(err.msg, "(unclosed"));
	jf_buf_free(&g);
	jf_match_free(&m);
}

/* Groups captured inside a lookaround lie outside the match: they are
 * reported unset, never read outside the buffer; an empty-matching pattern
 * before any byte arrived matches cleanly at offset 0. */
static void test_console_groups_outside_the_match(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	jf_buf g = JF_BUF_INIT;

	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_RE("x*")}, 1, jf_deadline_in(5000), &m, &err),
	    0);
	assert_int_equal(m.match.len, 0);
	board_say(b, "012345", 6);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_RE("(?<=(4))5")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	assert_string_equal(m.match.ptr, "5");
	assert_int_equal(jf_match_group(&m, 1, &g), JF_ENOTFOUND);
	board_say(b, "5678", 4);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_RE("5(?=(678))")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	assert_int_equal(jf_match_group(&m, 0, &g), 0);
	assert_string_equal(g.ptr, "5");
	assert_int_equal(jf_match_group(&m, 1, &g), JF_ENOTFOUND);
	jf_buf_free(&g);
	jf_match_free(&m);
}

static void test_console_nul_and_invalid_utf8(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	static const char junk[] = "\x00\xff\xfe\xc3(garbage\x00\x80=> ";
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;

	board_say(b, junk, sizeof(junk) - 1);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_RE("g.rbage\\x00.=")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	assert_int_equal(m.before.len, 5);
	assert_memory_equal(m.before.ptr, "\x00\xff\xfe\xc3(", 5);
	assert_int_equal(m.match.len, 10);
	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_LIT(" ")}, 1, jf_deadline_in(5000), &m, &err),
	    0);
	assert_int_equal(m.before.len, 1);
	assert_int_equal(m.before.ptr[0], '>');
	jf_match_free(&m);
}

typedef struct flood {
	board *b;
	size_t bytes;
} flood;

static void *flood_writer(void *arg)
{
	flood *f = arg;
	char chunk[4096];

	memset(chunk, 'x', sizeof(chunk));
	for (size_t sent = 0; sent < f->bytes;) {
		ssize_t n = write(f->b->master, chunk, sizeof(chunk));

		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
	if (write(f->b->master, "READY> ", 7) != 7)
		return NULL;
	return NULL;
}

static void test_console_flood_stays_bounded(void **state)
{
	pty_case *pc = *state;
	board *b = &pc->b;
	jf_console *c;
	jf_console_opts o = {.max_buffer = 8192};
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	flood f;
	pthread_t th;

	c = pc->c = open_pty_console(b, NULL, &o);
	f.b = b;
	f.bytes = 2 * 1024 * 1024;
	assert_int_equal(pthread_create(&th, NULL, flood_writer, &f), 0);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("READY> ")}, 1,
	                                   jf_deadline_in(60000), &m, &err),
	                 0);
	pthread_join(th, NULL);
	assert_true(m.truncated);
	assert_true(m.before.len <= 8192);
	assert_true(m.before.len >= 8192 - 7 - 4096);
	assert_int_equal(m.before.ptr[0], 'x');
	jf_match_free(&m);
}

static void test_console_strips_ansi(void **state)
{
	pty_case *pc = *state;
	board *b = &pc->b;
	jf_console *c;
	static const char colored[] = "\x1b[1;32m=>\x1b[0m \x1b]0;title\x07ok\x1b(Bdone";
	jf_console_opts o = {.strip_ansi = true};
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;

	c = pc->c = open_pty_console(b, NULL, &o);
	board_say(b, colored, 10); /* split inside an escape sequence */
	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_LIT("=> ok")}, 1, jf_deadline_in(150), &m, &err),
	    JF_ETIMEOUT);
	board_say(b, colored + 10, sizeof(colored) - 11);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("=> okdone")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	jf_match_free(&m);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = calloc(1, 65536);

	assert_non_null(f);
	assert_true(fread(text, 1, 65535, f) > 0);
	fclose(f);
	return text;
}

typedef struct tap {
	char text[8192];
	size_t len;
} tap;

static void tap_fn(void *user, const char *s, size_t n)
{
	tap *t = user;

	if (t->len + n < sizeof(t->text)) {
		memcpy(t->text + t->len, s, n);
		t->len += n;
	}
}

static void test_console_transcript_redacts_across_reads(void **state)
{
	char *dir = test_tmpdir(), path[4200], heard[64], *text;
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	tap tp = {{0}, 0};
	test_log t;
	jf_console *c;
	board b;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_log_secret(&t.log, "hunter2"), 0);
	snprintf(path, sizeof(path), "%s/console.log", dir);
	o.transcript = path;
	o.tap = tap_fn;
	o.tap_user = &tp;
	board_open(&b);
	c = open_pty_console(&b, &t, &o);
	board_say(&b, "echo hun", 8);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("never")}, 1,
	                                   jf_deadline_in(150), NULL, &err),
	                 JF_ETIMEOUT);
	board_say(&b, "ter2\r\nPassword: ", 16);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("Password: ")}, 1,
	                                   jf_deadline_in(5000), NULL, &err),
	                 0);
	assert_int_equal(jf_console_sendline(c, "hunter2", &err), 0);
	assert_int_equal(board_hear(&b, heard, 8), 8);
	assert_memory_equal(heard, "hunter2\n", 8); /* the board gets the real thing */
	jf_console_close(c);
	text = read_file(path);
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "hun\n"));
	assert_non_null(strstr(text, "Z < echo ***\n"));
	assert_non_null(strstr(text, "Z > ***\n"));
	assert_non_null(strstr(text, "Z < Password: \n"));
	/* Each line starts with an ISO-8601 UTC timestamp. */
	assert_int_equal(text[4], '-');
	assert_int_equal(text[10], 'T');
	assert_null(memmem(tp.text, tp.len, "hunter2", 7));
	assert_non_null(memmem(tp.text, tp.len, "echo ***", 8));
	free(text);
	board_close(&b);
	test_log_dispose(&t);
	test_tmpdir_remove(dir);
}

static void test_console_sendline_ending_and_pacing(void **state)
{
	pty_case *pc = *state;
	board *b = &pc->b;
	jf_console *c;
	jf_console_opts o = {.line_ending = "\r", .cps = 200};
	jf_err err = JF_ERR_INIT;
	char heard[16];
	uint64_t t0;

	c = pc->c = open_pty_console(b, NULL, &o);
	t0 = jf_clock_mono_ms();
	assert_int_equal(jf_console_sendline(c, "boot", &err), 0);
	/* "boot" at 200 cps: at least 3 pauses of 5 ms. */
	assert_true(jf_clock_mono_ms() - t0 >= 14);
	assert_int_equal(board_hear(b, heard, 5), 5);
	assert_memory_equal(heard, "boot\r", 5);
	jf_console_set_line_ending(c, "\r\n");
	jf_console_set_char_delay(c, 0);
	assert_int_equal(jf_console_sendline(c, "x", &err), 0);
	assert_int_equal(board_hear(b, heard, 3), 3);
	assert_memory_equal(heard, "x\r\n", 3);
}

static void test_console_tty_is_exclusive(void **state)
{
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_console *c, *c2 = NULL;
	board b;

	(void)state;
	board_open(&b);
	c = open_pty_console(&b, NULL, NULL);
	o.url = b.path;
	assert_int_equal(jf_console_open(&c2, &o, NULL, &err), JF_EEXISTS);
	assert_null(c2);
	assert_non_null(strstr(err.msg, "in use by another program"));
	jf_console_close(c);
	assert_int_equal(jf_console_open(&c2, &o, NULL, &err), 0);
	jf_console_close(c2);
	board_close(&b);
}

static void test_console_tty_baud_rates(void **state)
{
	jf_console_opts o = {.baudrate = 1500000};
	struct termios t;
	unsigned baud = 0;
	jf_console *c;
	board b;

	(void)state;
	board_open(&b);
	c = open_pty_console(&b, NULL, &o);
	assert_int_equal(tcgetattr(jf_console_fd(c), &t), 0);
	assert_int_equal(cfgetospeed(&t), B1500000);
	assert_int_equal(t.c_cflag & CSIZE, CS8);
	assert_int_equal(t.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0);
	assert_int_equal(t.c_lflag & (ICANON | ECHO), 0);
	jf_console_close(c);
	o.baudrate = 250000; /* not a B constant: termios2 */
	c = open_pty_console(&b, NULL, &o);
	assert_int_equal(jf_console__get_baud(jf_console_fd(c), &baud), 0);
	assert_int_equal(baud, 250000);
	jf_console_close(c);
	board_close(&b);
}

typedef struct replug {
	char link[4200];
	board nb;
	volatile int done;
} replug;

/* The adapter comes back under a new pts, as by-id symlinks do, and the
 * board keeps talking until the console has heard it. */
static void *replug_thread(void *arg)
{
	replug *r = arg;
	char tmp[4300];
	jf_deadline d = jf_deadline_in(15000);

	poll(NULL, 0, 300);
	board_open(&r->nb);
	snprintf(tmp, sizeof(tmp), "%s.new", r->link);
	if (symlink(r->nb.path, tmp) < 0 || rename(tmp, r->link) < 0)
		return NULL;
	while (!r->done && !jf_deadline_expired(d)) {
		if (write(r->nb.master, "back\n", 5) < 0)
			break;
		poll(NULL, 0, 50);
	}
	return NULL;
}

static void test_console_reopens_vanished_tty(void **state)
{
	char *dir = test_tmpdir();
	jf_console_opts o = {.reopen_ms = 10000};
	jf_err err = JF_ERR_INIT;
	test_log t;
	replug r;
	pthread_t th;
	jf_console *c = NULL;
	board b;
	int rc;

	(void)state;
	memset(&r, 0, sizeof(r));
	test_log_init(&t);
	board_open(&b);
	snprintf(r.link, sizeof(r.link), "%s/usb-FTDI-if00", dir);
	assert_int_equal(symlink(b.path, r.link), 0);
	o.url = r.link;
	assert_int_equal(jf_console_open(&c, &o, &t.log, &err), 0);
	board_close(&b); /* unplugged: reads give EIO */
	assert_int_equal(pthread_create(&th, NULL, replug_thread, &r), 0);
	/* The data only arrives on the new device, so a match proves the reopen. */
	rc = jf_console_expect(c, (jf_pattern[]){JF_LIT("back")}, 1, jf_deadline_in(10000), NULL,
	                       &err);
	r.done = 1;
	pthread_join(th, NULL);
	if (rc != 0)
		fail_msg("%s", err.msg);
	assert_non_null(strstr(t.text, "went away"));
	assert_non_null(strstr(t.text, "is back after"));
	jf_console_close(c);
	board_close(&r.nb);
	test_log_dispose(&t);
	test_tmpdir_remove(dir);
}

static void test_console_unix_socket(void **state)
{
	char *dir = test_tmpdir(), heard[8];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_console *c = NULL;
	int ls, peer;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/console.sock", dir);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	o.url = sa.sun_path;
	assert_int_equal(jf_console_open(&c, &o, NULL, &err), 0);
	peer = accept(ls, NULL, NULL);
	assert_true(peer >= 0);
	assert_int_equal(write(peer, "=> ", 3), 3);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("=> ")}, 1,
	                                   jf_deadline_in(5000), NULL, &err),
	                 0);
	assert_int_equal(jf_console_sendline(c, "ok", &err), 0);
	assert_int_equal(read(peer, heard, 3), 3);
	assert_memory_equal(heard, "ok\n", 3);
	close(peer);
	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_LIT("x")}, 1, jf_deadline_in(5000), NULL, &err),
	    JF_EIO);
	assert_non_null(strstr(err.msg, "closed"));
	jf_console_close(c);
	close(ls);
	test_tmpdir_remove(dir);
}

static void test_console_interact_escape_sequence(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	board *b = &pc->b;
	jf_err err = JF_ERR_INIT;
	jf_interact_opts io = {0};
	int in[2], out[2];
	char heard[16], seen[64], text[64];
	ssize_t n;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	board_say(b, "=> ", 3);
	/* One Ctrl-B alone reaches the board; three in a row leave. */
	assert_int_equal(write(in[1], "ls\x02x\n\x02\x02\x02", 8), 8);
	io.in_fd = in[0];
	io.out_fd = out[1];
	io.cancel_fd = -1;
	assert_int_equal(jf_console_interact(c, &io, &err), 0);
	assert_int_equal(board_hear(b, heard, 5), 5);
	assert_memory_equal(heard, "ls\x02x\n", 5);
	n = read(out[0], seen, sizeof(seen));
	assert_true(n >= 3);
	assert_memory_equal(seen, "=> ", 3);
	assert_string_equal(jf_interact_escape_text(&io, text, sizeof(text)), "Ctrl-B three times");
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

static void test_console_interact_restores_terminal(void **state)
{
	pty_case *pc = *state;
	jf_console *c = pc->c;
	jf_err err = JF_ERR_INIT;
	jf_interact_opts io = {0};
	struct termios before, after;
	int term_m, term_s, cancel[2], devnull = open("/dev/null", O_WRONLY);

	/* The "user's terminal" is another pty, in its default cooked mode. */
	assert_int_equal(openpty(&term_m, &term_s, NULL, NULL, NULL), 0);
	assert_int_equal(tcgetattr(term_s, &before), 0);
	assert_true(before.c_lflag & ICANON);
	assert_int_equal(pipe(cancel), 0);
	assert_int_equal(write(cancel[1], "x", 1), 1); /* as a signal handler would */
	io.in_fd = term_s;
	io.out_fd = devnull;
	io.cancel_fd = cancel[0];
	assert_int_equal(jf_console_interact(c, &io, &err), JF_ECANCELED);
	assert_int_equal(tcgetattr(term_s, &after), 0);
	assert_int_equal(after.c_lflag, before.c_lflag);
	assert_int_equal(after.c_iflag, before.c_iflag);
	assert_int_equal(after.c_oflag, before.c_oflag);
	close(cancel[0]);
	close(cancel[1]);
	close(term_m);
	close(term_s);
	close(devnull);
}

static void test_console_rejects_bad_urls(void **state)
{
	jf_console_opts o = {.url = "http://example.com/x"};
	jf_err err = JF_ERR_INIT;
	jf_console *c = NULL;

	(void)state;
	assert_int_equal(jf_console_open(&c, &o, NULL, &err), JF_ECONFIG);
	o.url = "/dev/does-not-exist-ttyUSB9";
	assert_int_equal(jf_console_open(&c, &o, NULL, &err), JF_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/dev/does-not-exist-ttyUSB9"));
	o.url = "socket://127.0.0.1";
	assert_true(jf_console_open(&c, &o, NULL, &err) < 0);
	assert_null(c);
}

static void test_console_opts_from_exporter(void **state)
{
	static const char yaml[] = "apiVersion: jumpstarter.dev/v1alpha1\n"
	                           "kind: ExporterConfig\n"
	                           "metadata: {name: x, namespace: y}\n"
	                           "endpoint: grpc.example:443\n"
	                           "token: abc-token\n"
	                           "export:\n"
	                           "  serial:\n"
	                           "    type: jumpstarter_driver_pyserial.driver.PySerial\n"
	                           "    config:\n"
	                           "      url: /dev/ttyUSB2\n"
	                           "      baudrate: 1500000\n"
	                           "      cps: 100\n";
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_console_opts o = {0};

	(void)state;
	if (jf_exporter_load_string(&e, "t.yaml", yaml, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(jf_console_opts_from_driver(&o, jf_exporter_find(&e, "serial"), &err), 0);
	assert_string_equal(o.url, "/dev/ttyUSB2");
	assert_int_equal(o.baudrate, 1500000);
	assert_true(o.cps > 99.0 && o.cps < 101.0);
	jf_exporter_dispose(&e);
}

static void test_console_telnet_decoder(void **state)
{
	/* IAC split from its twin across reads; refusals for options we do not
	 * do; a COM-PORT answer whose value holds an escaped 0xFF; CR NUL. */
	unsigned char a[] = {'a', 255}, b[] = {255, 'b', 255, 253, 24, 255, 251, 1, '\r', 0, 'c'};
	unsigned char sb[] = {255, 250, 44, 101, 0, 1, 255, 255, 255, 255, 255, 240, 'd'};
	unsigned char bin[] = {255, 251, 0, '\r', 0};
	jf_buf reply = JF_BUF_INIT, esc = JF_BUF_INIT;
	jf_telnet t;
	size_t n;

	(void)state;
	jf_console__telnet_init(&t);
	assert_int_equal(jf_console__telnet_decode(&t, a, sizeof(a), &reply), 1);
	assert_int_equal(a[0], 'a');
	n = jf_console__telnet_decode(&t, b, sizeof(b), &reply);
	assert_int_equal(n, 4);
	assert_memory_equal(b,
	                    "\xff"
	                    "b\rc",
	                    4);
	assert_int_equal(reply.len, 6);
	assert_memory_equal(reply.ptr, "\xff\xfc\x18\xff\xfe\x01", 6); /* WONT TTYPE, DONT ECHO */
	n = jf_console__telnet_decode(&t, sb, sizeof(sb), &reply);
	assert_int_equal(n, 1);
	assert_int_equal(sb[0], 'd');
	assert_true(t.baud_acked);
	assert_int_equal(t.baud_reply, 0x0001FFFF);
	/* Once the server sends BINARY, a NUL after CR is data. */
	n = jf_console__telnet_decode(&t, bin, sizeof(bin), &reply);
	assert_int_equal(n, 2);
	assert_int_equal(bin[1], 0);
	assert_int_equal(jf_console__telnet_escape(&esc,
	                                           "\xff"
	                                           "x\xff",
	                                           3),
	                 0);
	assert_int_equal(esc.len, 5);
	assert_memory_equal(esc.ptr,
	                    "\xff\xff"
	                    "x\xff\xff",
	                    5);
	jf_buf_free(&reply);
	jf_buf_free(&esc);
}

static void test_console_cancel_fd_stops_expect(void **state)
{
	jf_err err = JF_ERR_INIT;
	jf_console *c;
	uint64_t t0;
	int fds[2];
	board b;

	(void)state;
	board_open(&b);
	c = open_pty_console(&b, NULL, NULL);
	assert_int_equal(pipe(fds), 0);
	jf_console_set_cancel_fd(c, fds[0]);
	assert_int_equal(write(fds[1], "x", 1), 1); /* Ctrl-C arrived */
	t0 = jf_clock_mono_ms();
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("=> ")}, 1,
	                                   jf_deadline_in(30000), NULL, &err),
	                 JF_ECANCELED);
	assert_true(jf_clock_mono_ms() - t0 < 5000);
	jf_console_close(c);
	close(fds[0]);
	close(fds[1]);
	board_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PTY_CASE(test_console_expect_spans_reads),
	    PTY_CASE(test_console_expect_earliest_wins),
	    PTY_CASE(test_console_expect_deadline_expires),
	    PTY_CASE(test_console_regex_groups),
	    PTY_CASE(test_console_groups_outside_the_match),
	    PTY_CASE(test_console_nul_and_invalid_utf8),
	    BOARD_CASE(test_console_flood_stays_bounded),
	    BOARD_CASE(test_console_strips_ansi),
	    cmocka_unit_test(test_console_transcript_redacts_across_reads),
	    BOARD_CASE(test_console_sendline_ending_and_pacing),
	    cmocka_unit_test(test_console_tty_is_exclusive),
	    cmocka_unit_test(test_console_tty_baud_rates),
	    cmocka_unit_test(test_console_reopens_vanished_tty),
	    cmocka_unit_test(test_console_unix_socket),
	    PTY_CASE(test_console_interact_escape_sequence),
	    PTY_CASE(test_console_interact_restores_terminal),
	    cmocka_unit_test(test_console_rejects_bad_urls),
	    cmocka_unit_test(test_console_opts_from_exporter),
	    cmocka_unit_test(test_console_telnet_decoder),
	    cmocka_unit_test(test_console_cancel_fd_stops_expect),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
