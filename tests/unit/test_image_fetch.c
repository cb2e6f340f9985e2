/* Unit tests for jf_image_fetch(): downloads from a small local HTTP server
 * (python3 http.server, tests/data/image_http_server.py) that the group
 * setup starts on 127.0.0.1 with an ephemeral port and waits for with a
 * deadline. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "jmpflash/image.h"
#include "jmpflash/proc.h"
#include "jmpflash/redact.h"

static char *g_dir; /* the server's root: file.xz */
static char *g_out; /* downloads go here */
static jf_proc g_srv;
static int g_port;
static char g_sha[65];

static void sha256sum(char out[65], const char *path)
{
	char cmd[4200];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "sha256sum < '%s'", path);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(out, 65, f));
	assert_int_equal(pclose(f), 0);
}

static int count_files(const char *dir)
{
	char cmd[4200];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", dir);
	assert_non_null(f = popen(cmd, "r"));
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

/* Read the server's "PORT n" line, waiting at most 20 s. */
static int read_port(int fd)
{
	jf_deadline d = jf_deadline_in(20000);
	char line[128];
	size_t len = 0;
	int port = 0;

	while (!memchr(line, '\n', len) && len < sizeof(line) - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, jf_deadline_poll_ms(d)) <= 0)
			fail_msg("the test HTTP server did not start within 20 s");
		if ((n = read(fd, line + len, sizeof(line) - 1 - len)) <= 0)
			fail_msg("the test HTTP server exited before listening");
		len += (size_t)n;
		line[len] = '\0';
	}
	line[len] = '\0';
	assert_int_equal(sscanf(line, "PORT %d", &port), 1);
	return port;
}

static int group_setup(void **state)
{
	const char *argv[] = {"python3", test_data("image_http_server.py"), NULL, NULL};
	jf_proc_opts po = {JF_PROC_PIPE_OUT, NULL, NULL};
	jf_err err = JF_ERR_INIT;
	char cmd[4200];

	(void)state;
	g_dir = test_tmpdir();
	g_out = test_tmpdir();
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && head -c 300000 /dev/urandom > raw && "
	         "seq 1 100000 >> raw && xz -c raw > file.xz",
	         g_dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/file.xz", g_dir);
	sha256sum(g_sha, cmd);
	argv[2] = g_dir;
	if (jf_proc_spawn(&g_srv, argv, &po, &err) < 0)
		fail_msg("cannot start the test HTTP server: %s", err.msg);
	g_port = read_port(g_srv.out_fd);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	jf_proc_kill(&g_srv, 2000);
	jf_proc_dispose(&g_srv);
	test_tmpdir_remove(g_dir);
	test_tmpdir_remove(g_out);
	return 0;
}

static const char *url(const char *path)
{
	static char buf[2][512];
	static int i;
	char *b = buf[i++ % 2];

	snprintf(b, 512, "http://127.0.0.1:%d%s", g_port, path);
	return b;
}

static const char *out_path(const char *name)
{
	static char buf[4200];

	snprintf(buf, sizeof(buf), "%s/%s", g_out, name);
	return buf;
}

typedef struct prog {
	uint64_t done, total;
	int calls;
} prog;

static void on_progress(void *user, uint64_t done, uint64_t total)
{
	prog *p = user;

	p->done = done;
	p->total = total;
	p->calls++;
}

static void test_fetch_downloads_and_hashes(void **s)
{
	jf_image_fetch_opts o = JF_IMAGE_FETCH_OPTS_INIT;
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	prog p = {0, 0, 0};
	char sha[65];

	(void)s;
	o.progress = on_progress;
	o.progress_user = &p;
	if (jf_image_fetch(&info, url("/file.xz"), out_path("a.img.xz"), &o, &err) < 0)
		fail_msg("%s", err.msg);
	sha256sum(sha, out_path("a.img.xz"));
	assert_string_equal(info.sha256, g_sha);
	assert_string_equal(sha, g_sha);
	assert_int_equal(info.compression, JF_COMP_XZ);
	assert_false(info.has_raw);
	assert_true(p.calls > 0);
	assert_int_equal(p.done, info.size);
	assert_int_equal(p.total, info.size);
	assert_int_equal(count_files(g_out), 1); /* no temp file left */

	/* a redirect is followed; NULL opts and NULL out are fine */
	assert_int_equal(jf_image_fetch(NULL, url("/redirect"), out_path("b.xz"), NULL, &err), 0);
	sha256sum(sha, out_path("b.xz"));
	assert_string_equal(sha, g_sha);
	/* an uncompressed download: raw is the download */
	assert_int_equal(jf_image_fetch(&info, url("/raw"), out_path("raw"), NULL, &err), 0);
	assert_true(info.has_raw);
	assert_string_equal(info.raw_sha256, info.sha256);
	unlink(out_path("a.img.xz"));
	unlink(out_path("b.xz"));
	unlink(out_path("raw"));
}

static void test_fetch_404_is_notfound_without_credentials(void **s)
{
	char u[512], shown[512];
	jf_err err = JF_ERR_INIT;
	struct stat st;

	(void)s;
	snprintf(u, sizeof(u), "http://bob:hunter2@127.0.0.1:%d/missing.img", g_port);
	snprintf(shown, sizeof(shown), "http://127.0.0.1:%d/missing.img", g_port);
	assert_int_equal(jf_image_fetch(NULL, u, out_path("m.img"), NULL, &err), JF_ENOTFOUND);
	assert_non_null(strstr(err.msg, shown));
	assert_non_null(strstr(err.msg, "404"));
	assert_null(strstr(err.msg, "hunter2"));
	assert_null(strstr(err.msg, "bob"));
	assert_int_equal(stat(out_path("m.img"), &st), -1);
	assert_int_equal(count_files(g_out), 0);
}

static void test_fetch_sends_headers_and_bearer(void **s)
{
	const char *hdrs[] = {"X-Token: s3cret-hdr", "X-Other:\tvalue-2", NULL};
	jf_image_fetch_opts o = JF_IMAGE_FETCH_OPTS_INIT;
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	test_log t;

	(void)s;
	test_log_init(&t);
	o.log = &t.log;
	/* without the header: refused, and the message says what to check */
	assert_int_equal(jf_image_fetch(NULL, url("/private/file.xz"), out_path("p"), &o, &err),
	                 JF_EPERM);
	assert_non_null(strstr(err.msg, "403"));
	o.headers = hdrs;
	if (jf_image_fetch(&info, url("/private/file.xz"), out_path("p"), &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(info.sha256, g_sha);
	assert_int_equal(jf_redact_count(t.log.redact), 2); /* both values are secrets now */
	jf_info(&t.log, "test", "sent %s", "X-Token: s3cret-hdr");
	assert_null(strstr(t.text, "s3cret-hdr"));

	o.headers = NULL;
	assert_int_equal(jf_image_fetch(NULL, url("/bearer/file.xz"), out_path("q"), &o, &err),
	                 JF_EPERM);
	o.bearer = "t0ken-xyz";
	if (jf_image_fetch(&info, url("/bearer/file.xz"), out_path("q"), &o, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(info.sha256, g_sha);
	assert_int_equal(jf_redact_count(t.log.redact), 3);
	o.bearer = "wrong-token";
	assert_int_equal(jf_image_fetch(NULL, url("/bearer/file.xz"), out_path("r"), &o, &err),
	                 JF_EPERM);
	assert_null(strstr(err.msg, "wrong-token"));
	test_log_dispose(&t);
	unlink(out_path("p"));
	unlink(out_path("q"));
	assert_int_equal(count_files(g_out), 0);
}

static void test_fetch_rejects_bad_headers(void **s)
{
	static const char *bad[] = {
	    "no-colon-secretvalue",
	    ": secretvalue",
	    "X Bad: secretvalue",
	    "X-Key:",
	    "X-Key:   ",
	    "X-Key: secretvalue\r\nInjected: yes",
	    "X-Key: secretvalue\nInjected: yes",
	    "Ke(y: secretvalue",
	};
	static const char *good[] = {"X-Key: v", "Authorization: Basic abc", "a:b", "K:\tv v"};
	jf_image_fetch_opts o = JF_IMAGE_FETCH_OPTS_INIT;
	const char *hdrs[2] = {NULL, NULL};
	jf_err err = JF_ERR_INIT;

	(void)s;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(jf_image_header_check(good[i], &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hdrs[0] = bad[i];
		o.headers = hdrs;
		if (jf_image_fetch(NULL, url("/file.xz"), out_path("h"), &o, &err) != JF_EINVAL)
			fail_msg("header '%s' was accepted", bad[i]);
		assert_non_null(strstr(err.msg, "invalid header"));
		assert_null(strstr(err.msg, "secretvalue"));
	}
	o.headers = NULL;
	o.bearer = "b3ar3r\r\nX: y";
	assert_int_equal(jf_image_fetch(NULL, url("/file.xz"), out_path("h"), &o, &err), JF_EINVAL);
	assert_null(strstr(err.msg, "b3ar3r"));
	assert_int_equal(count_files(g_out), 0);
}

/* Header values are secrets wherever they go (the board's console too);
 * a value too short to mask safely is left alone. */
static void test_header_secret_registers_the_value(void **s)
{
	jf_log log;
	jf_buf out = JF_BUF_INIT;
	const char *line = "GET with X-Token s3cret-token, X-Debug 1";

	(void)s;
	assert_int_equal(jf_log_init(&log), 0);
	assert_int_equal(jf_image_header_secret(NULL, "X-Token: s3cret-token"), 0);
	assert_int_equal(jf_image_header_secret(&log, "X-Token: \ts3cret-token"), 0);
	assert_int_equal(jf_image_header_secret(&log, "X-Debug: 1"), 0);
	assert_int_equal(jf_redact_count(log.redact), 1);
	assert_int_equal(jf_redact_str(log.redact, &out, line, strlen(line)), 0);
	assert_string_equal(out.ptr, "GET with X-Token ***, X-Debug 1");
	jf_buf_free(&out);
	jf_log_dispose(&log);
}

static void test_fetch_rejects_other_schemes(void **s)
{
	jf_err err = JF_ERR_INIT;

	(void)s;
	assert_int_equal(jf_image_fetch(NULL, "ftp://127.0.0.1/x.img", out_path("x"), NULL, &err),
	                 JF_EINVAL);
	assert_int_equal(jf_image_fetch(NULL, "/etc/hostname", out_path("x"), NULL, &err),
	                 JF_EINVAL);
	assert_non_null(strstr(err.msg, "only http and https"));
}

static void test_fetch_unreachable_and_short(void **s)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	jf_err err = JF_ERR_INIT;
	char u[128];
	int fd;

	(void)s;
	/* a port nobody listens on: bound, never listening */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/x.img", ntohs(a.sin_port));
	assert_int_equal(jf_image_fetch(NULL, u, out_path("u"), NULL, &err), JF_EUNREACHABLE);
	assert_non_null(strstr(err.msg, u));
	close(fd);
	/* fewer bytes than Content-Length promised */
	assert_int_equal(jf_image_fetch(NULL, url("/short"), out_path("s"), NULL, &err), JF_EIO);
	assert_int_equal(count_files(g_out), 0);
	/* no directory for the download */
	assert_int_equal(jf_image_fetch(NULL, url("/file.xz"), "/nonexistent-dir/x", NULL, &err),
	                 JF_ENOTFOUND);
}

static void test_fetch_cancel(void **s)
{
	jf_image_fetch_opts o = JF_IMAGE_FETCH_OPTS_INIT;
	jf_err err = JF_ERR_INIT;
	int fds[2];

	(void)s;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	o.cancel_fd = fds[0];
	assert_int_equal(jf_image_fetch(NULL, url("/file.xz"), out_path("c"), &o, &err),
	                 JF_ECANCELED);
	assert_int_equal(count_files(g_out), 0);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fetch_downloads_and_hashes),
	    cmocka_unit_test(test_fetch_404_is_notfound_without_credentials),
	    cmocka_unit_test(test_fetch_sends_headers_and_bearer),
	    cmocka_unit_test(test_fetch_rejects_bad_headers),
	    cmocka_unit_test(test_header_secret_registers_the_value),
	    cmocka_unit_test(test_fetch_rejects_other_schemes),
	    cmocka_unit_test(test_fetch_unreachable_and_short),
	    cmocka_unit_test(test_fetch_cancel),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
