/* TFTP: wire format, option negotiation, confinement, and the server driven
 * by a minimal client written here (so the tests can send what real clients
 * never would: duplicate ACKs, silence, malformed requests). */
#include "helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jmpflash/clock.h"
#include "jmpflash/tftp.h"
#include "net/fsroot.h"
#include "net/tftp_proto.h"

/* ---- packet parsing ---- */

static int parse(jf_tftp_req *r, const char *bytes, size_t len, jf_err *err)
{
	static char buf[1024];

	memcpy(buf, bytes, len);
	return jf_net__tftp_parse_req(r, buf, len, err);
}

#define PKT(s) s, sizeof(s) - 1

static void test_tftp_parses_plain_rrq(void **state)
{
	jf_tftp_req r;

	(void)state;
	assert_int_equal(parse(&r, PKT("\0\1kernel\0octet\0"), NULL), 0);
	assert_int_equal(r.opcode, JF_TFTP_RRQ);
	assert_string_equal(r.filename, "kernel");
	assert_false(r.netascii);
	assert_false(r.has_blksize || r.has_tsize || r.has_timeout || r.has_windowsize);
}

static void test_tftp_parses_options_any_case(void **state)
{
	jf_tftp_req r;

	(void)state;
	assert_int_equal(parse(&r,
	                       PKT("\0\1a/b\0NetASCII\0BLKSIZE\0001468\0tsize\0000\0"
	                           "Timeout\0003\0windowsize\00016\0"),
	                       NULL),
	                 0);
	assert_true(r.netascii);
	assert_true(r.has_blksize && r.blksize == 1468);
	assert_true(r.has_tsize && r.tsize == 0);
	assert_true(r.has_timeout && r.timeout == 3);
	assert_true(r.has_windowsize && r.windowsize == 16);
}

static void test_tftp_ignores_bad_option_values(void **state)
{
	jf_tftp_req r;

	(void)state;
	assert_int_equal(parse(&r,
	                       PKT("\0\1f\0octet\0blksize\0007\0timeout\0000\0"
	                           "windowsize\00070000\0tsize\0-1\0foo\0bar\0"),
	                       NULL),
	                 0);
	assert_false(r.has_blksize);
	assert_false(r.has_timeout);
	assert_false(r.has_windowsize);
	assert_false(r.has_tsize);
	/* first occurrence wins; huge blksize is clamped to the RFC maximum */
	assert_int_equal(parse(&r, PKT("\0\1f\0octet\0blksize\00099999\0blksize\000512\0"), NULL),
	                 0);
	assert_int_equal(r.blksize, JF_TFTP_BLKSIZE_MAX);
}

static void test_tftp_rejects_malformed_requests(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
	    {"\0", 1},
	    {"\0\3f\0octet\0", 10},                /* DATA is not a request */
	    {"\0\1kernel", 8},                     /* name not terminated */
	    {"\0\1\0octet\0", 9},                  /* empty name */
	    {"\0\1f\0", 4},                        /* no mode */
	    {"\0\1f\0oct", 7},                     /* mode not terminated */
	    {"\0\1f\0mail\0", 9},                  /* mode not supported */
	    {"\0\1f\0octet\0blksize\0", 18},       /* option without value */
	    {"\0\1f\0octet\0blksize\0001468", 22}, /* value not terminated */
	};
	jf_tftp_req r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jf_err err = JF_ERR_INIT;

		assert_int_equal(parse(&r, bad[i].bytes, bad[i].len, &err), JF_EPROTO);
		assert_true(err.msg[0] != '\0');
	}
	/* NUL padding after the mode is tolerated */
	assert_int_equal(parse(&r, PKT("\0\2f\0octet\0\0\0"), NULL), 0);
	assert_int_equal(r.opcode, JF_TFTP_WRQ);
}

/* ---- negotiation ---- */

static void test_tftp_negotiates_nothing_without_options(void **state)
{
	jf_tftp_req r;
	jf_tftp_params p;

	(void)state;
	assert_int_equal(parse(&r, PKT("\0\1f\0octet\0"), NULL), 0);
	jf_net__tftp_negotiate(&p, &r, NULL, 1234, true);
	assert_false(p.oack);
	assert_int_equal(p.blksize, 512);
	assert_int_equal(p.windowsize, 1);
}

static void test_tftp_negotiates_and_clamps(void **state)
{
	jf_tftp_limits lim = {1400, 64, 0};
	jf_tftp_req r;
	jf_tftp_params p;
	uint8_t oack[512];
	size_t n;

	(void)state;
	assert_int_equal(parse(&r,
	                       PKT("\0\1f\0octet\0blksize\0008192\0tsize\0000\0"
	                           "windowsize\000200\0"),
	                       NULL),
	                 0);
	jf_net__tftp_negotiate(&p, &r, &lim, 123456789, true);
	assert_true(p.oack);
	assert_int_equal(p.blksize, 1400);
	assert_int_equal(p.tsize, 123456789);
	/* 64 KiB per window by default: 1400 * 46 = 64400 */
	assert_int_equal(p.windowsize, 46);
	n = jf_net__tftp_build_oack(oack, sizeof(oack), &p);
	assert_int_equal(n, 2 + sizeof("blksize\0001400\0tsize\000123456789\0windowsize\00046"));
	assert_memory_equal(oack, "\0\6blksize\0001400\0tsize\000123456789\0windowsize\00046\0", n);
	/* netascii: the size on the wire is unknown, tsize is not acknowledged */
	jf_net__tftp_negotiate(&p, &r, &lim, 10, false);
	assert_false(p.ack_tsize);
}

static void test_tftp_builds_error_and_ack(void **state)
{
	uint8_t buf[16];

	(void)state;
	assert_int_equal(jf_net__tftp_build_error(buf, sizeof(buf), 1, "File not found"), 16);
	assert_memory_equal(buf, "\0\5\0\1File not fo\0", 16); /* truncated to fit */
	assert_int_equal(jf_net__tftp_build_ack(buf, sizeof(buf), 0xabcd), 4);
	assert_memory_equal(buf, "\0\4\xab\xcd", 4);
	assert_int_equal(jf_net__tftp_unwrap(65535, 0), 65536);
	assert_int_equal(jf_net__tftp_unwrap(70000, (uint16_t)70001), 70001);
}

static void test_tftp_netascii_round_trip(void **state)
{
	const uint8_t in[] = "a\nb\rc\r\n";
	uint8_t out[32], back[33];
	size_t used, n = 0, total = 0;
	int pending = -1;
	bool cr = false;

	(void)state;
	/* encode one byte of room at a time: pairs split across blocks */
	while (total < sizeof(in) - 1 || pending >= 0) {
		n += jf_net__tftp_netascii_encode(out + n, 1, in + total, sizeof(in) - 1 - total,
		                                  &used, &pending);
		total += used;
	}
	assert_int_equal(n, 11);
	assert_memory_equal(out, "a\r\nb\r\0c\r\0\r\n", 11);
	/* decode in two packets split inside "\r\0": the CR is carried */
	memcpy(back, out, 5);
	total = jf_net__tftp_netascii_decode(back, 5, &cr);
	assert_true(cr);
	memcpy(back + total, out + 5, n - 5);
	total += jf_net__tftp_netascii_decode(back + total, n - 5, &cr);
	assert_false(cr);
	assert_int_equal(total, sizeof(in) - 1);
	assert_memory_equal(back, in, total);
}

/* ---- confinement ---- */

static void test_tftp_rejects_dotdot_and_absolute(void **state)
{
	static const char *bad[] = {"../x", "a/../../x", "..", "/etc/passwd", "a/..", "", "a\nb"};
	static const char *good[] = {"kernel", "boot/Image", "./x", "a..b/..c", "a//b"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(jf_net__check_path(bad[i], NULL), JF_EPERM);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(jf_net__check_path(good[i], NULL), 0);
}

static void test_tftp_rejects_symlink_out_and_non_regular(void **state)
{
	char *dir = test_tmpdir(), path[4200], link[4200];
	int rootfd, fd;
	struct stat st;
	jf_err err = JF_ERR_INIT;

	(void)state;
	test_write(dir, "ok", "x", 1);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(link, sizeof(link), "%s/out", dir);
	assert_int_equal(symlink("/etc/hostname", link), 0);
	snprintf(link, sizeof(link), "%s/sub/up", dir);
	assert_int_equal(symlink("../../", link), 0);
	snprintf(link, sizeof(link), "%s/in", dir);
	assert_int_equal(symlink("ok", link), 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	rootfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd >= 0);
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "ok", &err), 0);
	close(fd);
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "in", &err), 0);
	close(fd);
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "out", &err), JF_EPERM);
	assert_non_null(strstr(err.msg, "outside"));
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "sub/up/etc/passwd", &err), JF_EPERM);
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "fifo", &err), JF_EPERM);
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "sub", &err), JF_EPERM);
	assert_int_equal(jf_net__open_read(&fd, &st, rootfd, "nope", &err), JF_ENOTFOUND);
	assert_int_equal(fd, -1);
	close(rootfd);
	test_tmpdir_remove(dir);
}

/* ---- the server, with a client written here ---- */

typedef struct fixture {
	char *dir;
	test_log log;
	jf_tftp_server *srv;
	uint16_t port;
	int done, failed, last_result;
} fixture;

static void on_transfer(void *user, const jf_tftp_transfer_info *info)
{
	fixture *f = user;

	f->last_result = info->result;
	if (info->result)
		__atomic_add_fetch(&f->failed, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_add_fetch(&f->done, 1, __ATOMIC_SEQ_CST);
}

static void start(fixture *f, jf_tftp_opts *o)
{
	jf_err err = JF_ERR_INIT;

	o->root = f->dir;
	o->bind = o->bind ? o->bind : "127.0.0.1";
	o->port = 0;
	o->log = &f->log.log;
	o->on_transfer = on_transfer;
	o->user = f;
	assert_int_equal(jf_tftp_server_start(&f->srv, o, &err), 0);
	f->port = jf_tftp_server_port(f->srv);
	assert_true(f->port > 0);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->dir = test_tmpdir();
	test_log_init(&f->log);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	jf_tftp_server_stop(f->srv);
	test_log_dispose(&f->log);
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static int client(const char *addr, uint16_t port, struct sockaddr_storage *srv, socklen_t *srv_len)
{
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(srv, 0, sizeof(*srv));
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)srv;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		*srv_len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)srv;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		*srv_len = sizeof(*in);
	}
	assert_true(fd >= 0);
	return fd;
}

/* Receive one packet within @ms; its length, or -1 on timeout. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int ms, struct sockaddr_storage *from)
{
	struct pollfd p = {fd, POLLIN, 0};
	socklen_t len = sizeof(*from);

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &len);
}

static void send_req(int fd, const struct sockaddr_storage *srv, socklen_t len, int op,
                     const char *name, const char *opts, size_t opts_len)
{
	uint8_t pkt[512];
	size_t n = 2;

	pkt[0] = 0;
	pkt[1] = (uint8_t)op;
	memcpy(pkt + n, name, strlen(name) + 1);
	n += strlen(name) + 1;
	memcpy(pkt + n, "octet", 6);
	n += 6;
	memcpy(pkt + n, opts, opts_len);
	n += opts_len;
	assert_int_equal(sendto(fd, pkt, n, 0, (const struct sockaddr *)srv, len), (ssize_t)n);
}

static void send_ack(int fd, const struct sockaddr_storage *to, uint16_t block)
{
	uint8_t ack[4] = {0, 4, (uint8_t)(block >> 8), (uint8_t)block};
	socklen_t len =
	    to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	assert_int_equal(sendto(fd, ack, 4, 0, (const struct sockaddr *)to, len), 4);
}

/* Download @name with windowsize 1 and blksize @blksize (0: no options);
 * returns the bytes and checks that every new block number is the expected
 * one, rolling over to 0 after 65535. */
static size_t get_file(const char *addr, uint16_t port, const char *name, unsigned blksize,
                       uint8_t *out, size_t cap)
{
	struct sockaddr_storage srv, from;
	socklen_t srv_len;
	int fd = client(addr, port, &srv, &srv_len);
	uint8_t buf[70000];
	char opts[64];
	size_t total = 0, bs = blksize ? blksize : 512;
	uint64_t block = 1;
	int n = blksize ? snprintf(opts, sizeof(opts), "blksize%c%u%c", 0, blksize, 0) : 0;

	send_req(fd, &srv, srv_len, JF_TFTP_RRQ, name, opts, (size_t)n);
	if (blksize) {
		ssize_t r = recv_within(fd, buf, sizeof(buf), 5000, &from);

		assert_true(r > 2 && buf[1] == JF_TFTP_OACK);
		send_ack(fd, &from, 0);
	}
	for (;;) {
		ssize_t r = recv_within(fd, buf, sizeof(buf), 5000, &from);

		assert_true(r >= 4);
		assert_int_equal(buf[1], JF_TFTP_DATA);
		/* On a loaded machine the server may time out and send the block
		 * we just ACKed again: a retransmission, not an error. */
		if (block > 1 && (buf[2] << 8 | buf[3]) == (uint16_t)(block - 1))
			continue;
		assert_int_equal(buf[2] << 8 | buf[3], (uint16_t)block);
		assert_true(total + (size_t)(r - 4) <= cap);
		memcpy(out + total, buf + 4, (size_t)(r - 4));
		total += (size_t)(r - 4);
		send_ack(fd, &from, (uint16_t)block);
		block++;
		if ((size_t)(r - 4) < bs)
			break;
	}
	close(fd);
	return total;
}

static void wait_done(fixture *f, int count)
{
	jf_deadline d = jf_deadline_in(10000);

	while (__atomic_load_n(&f->done, __ATOMIC_SEQ_CST) +
	           __atomic_load_n(&f->failed, __ATOMIC_SEQ_CST) <
	       count) {
		assert_false(jf_deadline_expired(d));
		poll(NULL, 0, 5);
	}
}

static void test_tftp_serves_plain_rfc1350(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	uint8_t data[2048], got[4096];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	test_write(f->dir, "four", (const char *)data, sizeof(data)); /* 4 full blocks */
	start(f, &o);
	/* a multiple of the block size ends with an empty block */
	assert_int_equal(get_file("127.0.0.1", f->port, "four", 0, got, sizeof(got)), 2048);
	assert_memory_equal(got, data, sizeof(data));
	wait_done(f, 1);
	assert_int_equal(f->done, 1);
}

static void test_tftp_rolls_over_block_numbers(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	size_t size = 70000 * 8 + 3;
	uint8_t *data = malloc(size), *got = malloc(size + 16);

	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	test_write(f->dir, "big", (const char *)data, size);
	start(f, &o);
	assert_int_equal(get_file("127.0.0.1", f->port, "big", 8, got, size + 16), size);
	assert_memory_equal(got, data, size);
	free(data);
	free(got);
}

static void test_tftp_serves_ipv6(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	uint8_t got[64];
	int probe = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 lo = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};

	if (probe < 0 || bind(probe, (struct sockaddr *)&lo, sizeof(lo)) < 0) {
		if (probe >= 0)
			close(probe);
		skip(); /* no IPv6 loopback here */
	}
	close(probe);
	test_write(f->dir, "v6", "hello v6", 8);
	o.bind = "::1";
	start(f, &o);
	assert_int_equal(get_file("::1", f->port, "v6", 0, got, sizeof(got)), 8);
	assert_memory_equal(got, "hello v6", 8);
}

/* Duplicate ACKs must not make the server send the next block again: 20
 * duplicates in a row would give 20 copies; retransmission on timeout alone
 * (40 ms, 80 ms, 160 ms... within 300 ms) gives at most a handful. */
static void test_tftp_no_sorcerers_apprentice(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	struct sockaddr_storage srv, from;
	socklen_t srv_len;
	uint8_t buf[2048], data[1500];
	int fd, blocks2 = 0;

	memset(data, 'x', sizeof(data));
	test_write(f->dir, "f", (const char *)data, sizeof(data));
	start(f, &o);
	fd = client("127.0.0.1", f->port, &srv, &srv_len);
	send_req(fd, &srv, srv_len, JF_TFTP_RRQ, "f", "", 0);
	assert_int_equal(recv_within(fd, buf, sizeof(buf), 5000, &from), 516);
	for (int i = 0; i < 20; i++)
		send_ack(fd, &from, 1);
	while (recv_within(fd, buf, sizeof(buf), 300, &from) > 0)
		blocks2 += buf[1] == JF_TFTP_DATA && buf[3] == 2;
	assert_true(blocks2 >= 1);
	assert_true(blocks2 < 6);
	close(fd);
}

/* A silent client is given up after give_up_ms, with an error packet. */
static void test_tftp_gives_up_on_silent_client(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	struct sockaddr_storage srv, from;
	socklen_t srv_len;
	uint8_t buf[2048];
	int fd, data = 0;
	ssize_t n;

	test_write(f->dir, "f", "abc", 3);
	o.give_up_ms = 600;
	start(f, &o);
	fd = client("127.0.0.1", f->port, &srv, &srv_len);
	send_req(fd, &srv, srv_len, JF_TFTP_RRQ, "f", "", 0);
	while ((n = recv_within(fd, buf, sizeof(buf), 3000, &from)) > 0 && buf[1] == JF_TFTP_DATA)
		data++;
	assert_true(data >= 2); /* sent, then retransmitted */
	assert_true(n > 4 && buf[1] == JF_TFTP_ERROR);
	wait_done(f, 1);
	assert_int_equal(f->last_result, JF_ETIMEOUT);
	close(fd);
}

/* 64 clients at once, plus one that never answers: all 64 finish. */
static void test_tftp_serves_many_at_once(void **state)
{
	enum { N = 64 };
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	struct sockaddr_storage srv, peer[N];
	socklen_t srv_len;
	int fds[N + 1], finished = 0;
	size_t got[N] = {0};
	uint8_t data[5000], buf[2048];
	jf_deadline d = jf_deadline_in(20000);

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	test_write(f->dir, "f", (const char *)data, sizeof(data));
	start(f, &o);
	for (int i = 0; i <= N; i++) {
		fds[i] = client("127.0.0.1", f->port, &srv, &srv_len);
		send_req(fds[i], &srv, srv_len, JF_TFTP_RRQ, "f", "", 0);
	}
	while (finished < N) {
		assert_false(jf_deadline_expired(d));
		for (int i = 0; i < N; i++) {
			ssize_t n;

			if (got[i] == sizeof(data) + 1)
				continue;
			n = recv_within(fds[i], buf, sizeof(buf), 0, &peer[i]);
			if (n < 4 || buf[1] != JF_TFTP_DATA)
				continue;
			size_t block = (size_t)(buf[2] << 8 | buf[3]);
			if ((block - 1) * 512 == got[i]) {
				assert_memory_equal(buf + 4, data + got[i], (size_t)n - 4);
				got[i] += (size_t)n - 4;
				if (n < 516) {
					got[i] = sizeof(data) + 1;
					finished++;
				}
			}
			send_ack(fds[i], &peer[i], (uint16_t)block);
		}
	}
	for (int i = 0; i <= N; i++)
		close(fds[i]);
}

static void test_tftp_refuses_escapes_with_error_packet(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	struct sockaddr_storage srv, from;
	socklen_t srv_len;
	uint8_t buf[600];
	static const struct {
		const char *name;
		int code;
	} cases[] = {{"../etc/passwd", 2}, {"/etc/passwd", 2}, {"sub/../../x", 2},
	             {"outlink", 2},       {"sub", 2},         {"missing", 1}};
	char link[4200];

	snprintf(link, sizeof(link), "%s/sub", f->dir);
	assert_int_equal(mkdir(link, 0755), 0);
	snprintf(link, sizeof(link), "%s/outlink", f->dir);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	start(f, &o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int fd = client("127.0.0.1", f->port, &srv, &srv_len);
		ssize_t n;

		send_req(fd, &srv, srv_len, JF_TFTP_RRQ, cases[i].name, "", 0);
		n = recv_within(fd, buf, sizeof(buf), 3000, &from);
		assert_true(n > 4);
		assert_int_equal(buf[1], JF_TFTP_ERROR);
		assert_int_equal(buf[3], cases[i].code);
		close(fd);
	}
	jf_tftp_server_stop(f->srv);
	f->srv = NULL;
	assert_non_null(strstr(f->log.text, "refused RRQ '../etc/passwd'"));
	assert_non_null(strstr(f->log.text, "refused RRQ 'outlink'"));
}

static void test_tftp_refuses_malformed_request(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	struct sockaddr_storage srv, from;
	socklen_t srv_len;
	uint8_t buf[600];
	int fd;

	start(f, &o);
	fd = client("127.0.0.1", f->port, &srv, &srv_len);
	assert_int_equal(
	    sendto(fd, "\0\1name-without-end", 19, 0, (struct sockaddr *)&srv, srv_len), 19);
	assert_true(recv_within(fd, buf, sizeof(buf), 3000, &from) > 4);
	assert_int_equal(buf[1], JF_TFTP_ERROR);
	assert_int_equal(buf[3], JF_TFTP_EBADOP);
	close(fd);
}

static void test_tftp_refuses_write_unless_enabled(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	struct sockaddr_storage srv, from;
	socklen_t srv_len;
	uint8_t buf[600];
	int fd;
	char path[4200];
	struct stat st;

	start(f, &o);
	fd = client("127.0.0.1", f->port, &srv, &srv_len);
	send_req(fd, &srv, srv_len, JF_TFTP_WRQ, "up", "", 0);
	assert_true(recv_within(fd, buf, sizeof(buf), 3000, &from) > 4);
	assert_int_equal(buf[1], JF_TFTP_ERROR);
	assert_int_equal(buf[3], JF_TFTP_EACCESS);
	close(fd);
	jf_tftp_server_stop(f->srv);

	/* enabled: a two-block upload lands under its name, nothing else left */
	o = (jf_tftp_opts)JF_TFTP_OPTS_INIT;
	o.allow_write = true;
	start(f, &o);
	fd = client("127.0.0.1", f->port, &srv, &srv_len);
	send_req(fd, &srv, srv_len, JF_TFTP_WRQ, "up", "", 0);
	assert_int_equal(recv_within(fd, buf, sizeof(buf), 3000, &from), 4);
	assert_int_equal(buf[1], JF_TFTP_ACK);
	memset(buf, 'u', sizeof(buf));
	buf[0] = 0, buf[1] = JF_TFTP_DATA, buf[2] = 0, buf[3] = 1;
	assert_int_equal(sendto(fd, buf, 516, 0, (struct sockaddr *)&from, srv_len), 516);
	assert_int_equal(recv_within(fd, buf, sizeof(buf), 3000, &from), 4);
	assert_int_equal(buf[3], 1);
	buf[0] = 0, buf[1] = JF_TFTP_DATA, buf[2] = 0, buf[3] = 2;
	assert_int_equal(sendto(fd, buf, 10, 0, (struct sockaddr *)&from, srv_len), 10);
	assert_int_equal(recv_within(fd, buf, sizeof(buf), 3000, &from), 4);
	assert_int_equal(buf[3], 2);
	close(fd);
	wait_done(f, 1);
	snprintf(path, sizeof(path), "%s/up", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 518);
}

static void test_tftp_port_in_use_and_reuse(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT, o2 = JF_TFTP_OPTS_INIT;
	jf_tftp_server *second = NULL;
	jf_err err = JF_ERR_INIT;

	start(f, &o);
	o2.root = f->dir;
	o2.bind = "127.0.0.1";
	o2.port = f->port;
	assert_int_equal(jf_tftp_server_start(&second, &o2, &err), JF_EEXISTS);
	assert_null(second);
	assert_non_null(strstr(err.msg, "already in use"));
	/* after a stop the same port binds again at once */
	jf_tftp_server_stop(f->srv);
	f->srv = NULL;
	assert_int_equal(jf_tftp_server_start(&second, &o2, &err), 0);
	assert_int_equal(jf_tftp_server_port(second), o2.port);
	jf_tftp_server_stop(second);
}

static void test_tftp_maps_client_to_subdir(void **state)
{
	fixture *f = *state;
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	char path[4200];
	uint8_t got[64];
	jf_err err = JF_ERR_INIT;

	snprintf(path, sizeof(path), "%s/board1", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	test_write(path, "kernel", "board1 kernel", 13);
	test_write(f->dir, "kernel", "shared", 6);
	start(f, &o);
	assert_int_equal(get_file("127.0.0.1", f->port, "kernel", 0, got, sizeof(got)), 6);
	assert_int_equal(jf_tftp_server_map_client(f->srv, "127.0.0.1", "board1", &err), 0);
	assert_int_equal(get_file("127.0.0.1", f->port, "kernel", 0, got, sizeof(got)), 13);
	assert_memory_equal(got, "board1 kernel", 13);
	assert_int_equal(jf_tftp_server_map_client(f->srv, "127.0.0.1", "../x", &err), JF_EPERM);
	assert_int_equal(jf_tftp_server_map_client(f->srv, "not-an-ip", "b", &err), JF_EINVAL);
}

static void test_tftp_start_errors(void **state)
{
	jf_tftp_opts o = JF_TFTP_OPTS_INIT;
	jf_tftp_server *s = NULL;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_tftp_server_start(&s, &o, &err), JF_EINVAL);
	o.root = "/nonexistent/jf-root";
	o.port = 0;
	assert_int_equal(jf_tftp_server_start(&s, &o, &err), JF_ENOTFOUND);
	assert_null(s);
}

#define SRV(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tftp_parses_plain_rrq),
	    cmocka_unit_test(test_tftp_parses_options_any_case),
	    cmocka_unit_test(test_tftp_ignores_bad_option_values),
	    cmocka_unit_test(test_tftp_rejects_malformed_requests),
	    cmocka_unit_test(test_tftp_negotiates_nothing_without_options),
	    cmocka_unit_test(test_tftp_negotiates_and_clamps),
	    cmocka_unit_test(test_tftp_builds_error_and_ack),
	    cmocka_unit_test(test_tftp_netascii_round_trip),
	    cmocka_unit_test(test_tftp_rejects_dotdot_and_absolute),
	    cmocka_unit_test(test_tftp_rejects_symlink_out_and_non_regular),
	    cmocka_unit_test(test_tftp_start_errors),
	    SRV(test_tftp_serves_plain_rfc1350),
	    SRV(test_tftp_rolls_over_block_numbers),
	    SRV(test_tftp_serves_ipv6),
	    SRV(test_tftp_no_sorcerers_apprentice),
	    SRV(test_tftp_gives_up_on_silent_client),
	    SRV(test_tftp_serves_many_at_once),
	    SRV(test_tftp_refuses_escapes_with_error_packet),
	    SRV(test_tftp_refuses_malformed_request),
	    SRV(test_tftp_refuses_write_unless_enabled),
	    SRV(test_tftp_port_in_use_and_reuse),
	    SRV(test_tftp_maps_client_to_subdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
