/* Console endpoints against network peers: socket:// with socat,
 * rfc2217:// with a small RFC 2217 server thread (exact bytes) and with
 * Debian's ser2net in front of a pty (the baud rate reaches the pty), and a
 * unix socket that appears only after the console started waiting (QEMU). */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "jmpflash/console.h"

static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static void test_console_socket_with_socat(void **state)
{
	char url[64], listen_arg[96], exec_arg[4300], *dir = test_tmpdir();
	jf_console_opts o = {0};
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	jf_console *c = NULL;
	jf_deadline d = jf_deadline_in(10000);
	int port = free_port(), status;
	pid_t pid;

	(void)state;
	if (access("/usr/bin/socat", X_OK) != 0)
		fail_msg("socat is not installed (scripts/install-deps.sh installs it)");
	snprintf(listen_arg, sizeof(listen_arg), "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr", port);
	/* The "board": a prompt, then it echoes what it gets. */
	snprintf(
	    exec_arg, sizeof(exec_arg), "EXEC:%s",
	    test_write(dir, "board.sh", "#!/bin/sh\nprintf 'buildroot login: '\nexec cat\n", 46));
	chmod(exec_arg + 5, 0755);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/usr/bin/socat", "socat", listen_arg, exec_arg, (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof(url), "socket://127.0.0.1:%d", port);
	o.url = url;
	o.connect_ms = 1000;
	while (jf_console_open(&c, &o, NULL, &err) < 0) {
		assert_int_equal(err.code, JF_EUNREACHABLE);
		assert_false(jf_deadline_expired(d));
		poll(NULL, 0, 20); /* socat is not listening yet */
	}
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("login: ")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	assert_string_equal(m.before.ptr, "buildroot ");
	assert_int_equal(jf_console_sendline(c, "root\xff", &err), 0);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("root\xff\n")}, 1,
	                                   jf_deadline_in(5000), &m, &err),
	                 0);
	jf_match_free(&m);
	jf_console_close(c);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	test_tmpdir_remove(dir);
}

/* A minimal RFC 2217 server: agrees to COM-PORT-OPTION, answers the baud
 * rate, then sends data with an escaped 0xFF and records what it gets. */
typedef struct rfc_peer {
	int ls;
	unsigned baud;
	unsigned char got[256];
	size_t ngot;
} rfc_peer;

static ssize_t find(const unsigned char *h, size_t n, const void *needle, size_t k)
{
	const unsigned char *p = memmem(h, n, needle, k);

	return p ? p - h : -1;
}

static void *rfc_peer_thread(void *arg)
{
	static const unsigned char will_cp[] = {255, 251, 44},
	                           agree[] = {255, 253, 44, 255, 251, 0, 255, 251, 3};
	static const unsigned char sb_baud[] = {255, 250, 44, 1};
	static const unsigned char data[] = "A\xff\xff"
	                                    "B=> ";
	rfc_peer *p = arg;
	unsigned char buf[512];
	size_t n = 0;
	ssize_t at, r;
	int fd = accept(p->ls, NULL, NULL);

	if (fd < 0)
		return NULL;
	while (find(buf, n, will_cp, 3) < 0 && (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	if (write(fd, agree, sizeof(agree)) < 0)
		goto done;
	while (((at = find(buf, n, sb_baud, 4)) < 0 || (size_t)at + 10 > n) &&
	       (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	if (at < 0)
		goto done;
	p->baud = (unsigned)buf[at + 4] << 24 | (unsigned)buf[at + 5] << 16 |
	          (unsigned)buf[at + 6] << 8 | buf[at + 7];
	{
		unsigned char reply[10] = {255,         250,         44,          101, buf[at + 4],
		                           buf[at + 5], buf[at + 6], buf[at + 7], 255, 240};

		if (write(fd, reply, sizeof(reply)) < 0 || write(fd, data, sizeof(data) - 1) < 0)
			goto done;
	}
	/* Collect the client's payload after the negotiation: "x" IAC IAC "y\n". */
	n = 0;
	while (find(buf, n, "y\n", 2) < 0 && (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	at = find(buf, n, "x", 1);
	if (at >= 0) {
		memcpy(p->got, buf + at, n - (size_t)at);
		p->ngot = n - (size_t)at;
	}
done:
	close(fd);
	return NULL;
}

static void test_console_rfc2217_sets_baud_and_escapes_iac(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	jf_console_opts o = {.baudrate = 1500000};
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	rfc_peer p;
	pthread_t th;
	char url[64];
	jf_console *c = NULL;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(p.ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(p.ls, 1), 0);
	assert_int_equal(getsockname(p.ls, (struct sockaddr *)&a, &len), 0);
	snprintf(url, sizeof(url), "rfc2217://127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&th, NULL, rfc_peer_thread, &p), 0);
	o.url = url;
	if (jf_console_open(&c, &o, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(p.baud, 1500000);
	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_LIT("=> ")}, 1, jf_deadline_in(5000), &m, &err),
	    0);
	assert_int_equal(m.before.len, 3);
	assert_memory_equal(m.before.ptr,
	                    "A\xff"
	                    "B",
	                    3);
	assert_int_equal(jf_console_send(c, "x\xffy\n", 4, &err), 0);
	pthread_join(th, NULL);
	assert_int_equal(p.ngot, 5);
	assert_memory_equal(p.got, "x\xff\xffy\n", 5);
	jf_match_free(&m);
	jf_console_close(c);
	close(p.ls);
}

/* A real RFC 2217 server: ser2net in front of a pty "board". The baud rate
 * the console asks for must reach the pty's termios through ser2net. */
static void test_console_rfc2217_through_ser2net(void **state)
{
	char *dir = test_tmpdir(), yaml[512], url[64], cfg[4200], heard[8];
	jf_console_opts o = {.baudrate = 1500000, .open_wait_ms = 10000};
	jf_err err = JF_ERR_INIT;
	jf_match m = JF_MATCH_INIT;
	struct termios t;
	int port = free_port(), bm, bs, status;
	char bpath[64];
	jf_console *c = NULL;
	pid_t pid;

	(void)state;
	if (access("/usr/sbin/ser2net", X_OK) != 0)
		fail_msg("ser2net is not installed (scripts/install-deps.sh installs it)");
	assert_int_equal(openpty(&bm, &bs, bpath, NULL, NULL), 0);
	tcgetattr(bs, &t);
	cfmakeraw(&t);
	tcsetattr(bs, TCSANOW, &t);
	snprintf(yaml, sizeof(yaml),
	         "connection: &con0\n"
	         "  accepter: telnet(rfc2217),tcp,127.0.0.1,%d\n"
	         "  connector: serialdev,%s,115200n81,local\n",
	         port, bpath);
	snprintf(cfg, sizeof(cfg), "%s", test_write(dir, "ser2net.yaml", yaml, strlen(yaml)));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/sbin/ser2net", "ser2net", "-n", "-d", "-c", cfg, (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof(url), "rfc2217://127.0.0.1:%d", port);
	o.url = url;
	if (jf_console_open(&c, &o, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(tcgetattr(bs, &t), 0);
	assert_int_equal(cfgetospeed(&t), B1500000);
	assert_int_equal(write(bm, "\xff=> ", 4), 4);
	assert_int_equal(
	    jf_console_expect(c, (jf_pattern[]){JF_LIT("=> ")}, 1, jf_deadline_in(5000), &m, &err),
	    0);
	assert_int_equal(m.before.len, 1);
	assert_int_equal((unsigned char)m.before.ptr[0], 0xff);
	assert_int_equal(jf_console_send(c, "x\xffy", 3, &err), 0);
	{
		size_t got = 0;
		jf_deadline d = jf_deadline_in(5000);

		while (got < 3 && !jf_deadline_expired(d)) {
			struct pollfd p = {bm, POLLIN, 0};
			ssize_t n;

			if (poll(&p, 1, jf_deadline_poll_ms(d)) > 0 &&
			    (n = read(bm, heard + got, 3 - got)) > 0)
				got += (size_t)n;
		}
		assert_int_equal(got, 3);
		assert_memory_equal(heard, "x\xffy", 3);
	}
	jf_match_free(&m);
	jf_console_close(c);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	close(bm);
	close(bs);
	test_tmpdir_remove(dir);
}

typedef struct late_socket {
	char path[108];
	int ls;
} late_socket;

/* QEMU creates its console socket a moment after it starts. */
static void *late_listener(void *arg)
{
	late_socket *l = arg;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int peer;

	poll(NULL, 0, 300);
	memcpy(sa.sun_path, l->path, strlen(l->path) + 1);
	l->ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l->ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l->ls, 1) < 0)
		return NULL;
	if ((peer = accept(l->ls, NULL, NULL)) >= 0) {
		if (write(peer, "U-Boot 2023.01\r\n", 16) < 0) {
			/* the test fails on the missing banner */
		}
		close(peer);
	}
	return NULL;
}

static void test_console_waits_for_late_unix_socket(void **state)
{
	char *dir = test_tmpdir();
	late_socket l = {.ls = -1};
	jf_console_opts o = {.open_wait_ms = 10000};
	jf_err err = JF_ERR_INIT;
	jf_console *c = NULL;
	pthread_t th;

	(void)state;
	snprintf(l.path, sizeof(l.path), "%s/console.sock", dir);
	assert_int_equal(pthread_create(&th, NULL, late_listener, &l), 0);
	o.url = l.path;
	if (jf_console_open(&c, &o, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(jf_console_expect(c, (jf_pattern[]){JF_LIT("U-Boot")}, 1,
	                                   jf_deadline_in(5000), NULL, &err),
	                 0);
	pthread_join(th, NULL);
	jf_console_close(c);
	close(l.ls);
	/* Without waiting, a missing endpoint fails at once. */
	o.open_wait_ms = 0;
	o.url = "socket://127.0.0.1:1";
	assert_int_equal(jf_console_open(&c, &o, NULL, &err), JF_EUNREACHABLE);
	test_tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_console_socket_with_socat),
	    cmocka_unit_test(test_console_rfc2217_sets_baud_and_escapes_iac),
	    cmocka_unit_test(test_console_rfc2217_through_ser2net),
	    cmocka_unit_test(test_console_waits_for_late_unix_socket),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
