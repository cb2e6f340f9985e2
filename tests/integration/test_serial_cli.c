/* `jmpflash serial` under a pty: the user's terminal is one pty, the board
 * another. */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "jmpflash/clock.h"

static const char *jmpflash;

typedef struct session {
	char *dir;
	int board_m, board_s; /* the board's UART */
	char board_path[64];
	int term_m, term_s; /* the user's terminal */
	struct termios cooked;
	pid_t pid;
	char seen[8192];
	size_t nseen;
} session;

/* Read the terminal until @want shows up (5 s). */
static bool term_wait(session *s, const char *want)
{
	jf_deadline d = jf_deadline_in(5000);

	while (!memmem(s->seen, s->nseen, want, strlen(want))) {
		struct pollfd p = {s->term_m, POLLIN, 0};
		ssize_t n;

		if (jf_deadline_expired(d))
			return false;
		if (poll(&p, 1, jf_deadline_poll_ms(d)) <= 0)
			continue;
		n = read(s->term_m, s->seen + s->nseen, sizeof(s->seen) - 1 - s->nseen);
		if (n <= 0)
			return false;
		s->nseen += (size_t)n;
	}
	return true;
}

static bool board_wait(session *s, const char *want)
{
	char buf[256];
	size_t got = 0;
	jf_deadline d = jf_deadline_in(5000);

	while (!memmem(buf, got, want, strlen(want))) {
		struct pollfd p = {s->board_m, POLLIN, 0};
		ssize_t n;

		if (jf_deadline_expired(d) || got >= sizeof(buf))
			return false;
		if (poll(&p, 1, jf_deadline_poll_ms(d)) <= 0)
			continue;
		if ((n = read(s->board_m, buf + got, sizeof(buf) - got)) <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void start(session *s)
{
	char yaml[8192], cfg[4200];
	struct termios raw;

	memset(s, 0, sizeof(*s));
	s->dir = test_tmpdir();
	assert_int_equal(openpty(&s->board_m, &s->board_s, s->board_path, NULL, NULL), 0);
	tcgetattr(s->board_s, &raw);
	cfmakeraw(&raw);
	tcsetattr(s->board_s, TCSANOW, &raw);
	snprintf(yaml, sizeof(yaml),
	         "apiVersion: jumpstarter.dev/v1alpha1\n"
	         "kind: ExporterConfig\n"
	         "metadata: {name: lab, namespace: default}\n"
	         "endpoint: grpc.example:443\n"
	         "token: abc-token\n"
	         "export:\n"
	         "  serial:\n"
	         "    type: jumpstarter_driver_pyserial.driver.PySerial\n"
	         "    config: {url: %s, baudrate: 1500000}\n",
	         s->board_path);
	snprintf(cfg, sizeof(cfg), "%s", test_write(s->dir, "exporter.yaml", yaml, strlen(yaml)));
	assert_int_equal(openpty(&s->term_m, &s->term_s, NULL, NULL, NULL), 0);
	assert_int_equal(tcgetattr(s->term_s, &s->cooked), 0);
	assert_true(s->cooked.c_lflag & ICANON);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		char logpath[4300];

		setsid();
		ioctl(s->term_s, TIOCSCTTY, 0);
		dup2(s->term_s, 0);
		dup2(s->term_s, 1);
		dup2(s->term_s, 2);
		snprintf(logpath, sizeof(logpath), "%s/console.log", s->dir);
		execl(jmpflash, "jmpflash", "-c", cfg, "serial", "--log", logpath, (char *)NULL);
		_exit(127);
	}
	assert_true(term_wait(s, "press Ctrl-B three times to leave"));
}

static int finish(session *s)
{
	int status = -1;
	jf_deadline d = jf_deadline_in(10000);
	struct termios now;

	while (waitpid(s->pid, &status, WNOHANG) == 0 && !jf_deadline_expired(d)) {
		char buf[512];
		struct pollfd p = {s->term_m, POLLIN, 0};

		/* keep draining the terminal so the child never blocks on it */
		if (poll(&p, 1, 20) > 0 && read(s->term_m, buf, sizeof(buf)) < 0)
			break;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(tcgetattr(s->term_s, &now), 0);
	assert_int_equal(now.c_lflag, s->cooked.c_lflag);
	assert_int_equal(now.c_iflag, s->cooked.c_iflag);
	assert_int_equal(now.c_oflag, s->cooked.c_oflag);
	close(s->term_m);
	close(s->term_s);
	close(s->board_m);
	close(s->board_s);
	test_tmpdir_remove(s->dir);
	return WEXITSTATUS(status);
}

static bool term_is_raw(session *s)
{
	struct termios now;

	return tcgetattr(s->term_s, &now) == 0 && !(now.c_lflag & (ICANON | ECHO));
}

static void test_serial_passthrough_and_escape(void **state)
{
	session s;
	jf_deadline d = jf_deadline_in(5000);

	(void)state;
	start(&s);
	/* raw mode comes right after the banner */
	while (!term_is_raw(&s) && !jf_deadline_expired(d))
		poll(NULL, 0, 10);
	assert_true(term_is_raw(&s));
	assert_int_equal(write(s.board_m, "U-Boot> ", 8), 8);
	assert_true(term_wait(&s, "U-Boot> "));
	assert_int_equal(write(s.term_m, "printenv\r\x03", 10), 10); /* Ctrl-C goes to the board */
	assert_true(board_wait(&s, "printenv\r\x03"));
	assert_int_equal(write(s.term_m, "\x02\x02\x02", 3), 3);
	assert_int_equal(finish(&s), 0);
}

static void test_serial_sigterm_restores_terminal(void **state)
{
	session s;
	jf_deadline d = jf_deadline_in(5000);

	(void)state;
	start(&s);
	while (!term_is_raw(&s) && !jf_deadline_expired(d))
		poll(NULL, 0, 10);
	assert_true(term_is_raw(&s));
	kill(s.pid, SIGTERM);
	assert_int_equal(finish(&s), 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_serial_passthrough_and_escape),
	    cmocka_unit_test(test_serial_sigterm_restores_terminal),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-jmpflash\n", argv[0]);
		return 2;
	}
	jmpflash = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
