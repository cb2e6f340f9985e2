/* HTTP: header helpers, and the server's start/stop/URL contract. Requests
 * by real clients (curl, wget) are in tests/integration/http_clients.sh. */
#include "helpers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jmpflash/http.h"
#include "net/http_util.h"

static void test_http_parses_ranges(void **state)
{
	uint64_t a = 0, b = 0;

	(void)state;
	assert_int_equal(jf_net__http_parse_range("bytes=0-99", 1000, &a, &b), JF_RANGE_OK);
	assert_true(a == 0 && b == 99);
	assert_int_equal(jf_net__http_parse_range("bytes=900-", 1000, &a, &b), JF_RANGE_OK);
	assert_true(a == 900 && b == 999);
	assert_int_equal(jf_net__http_parse_range("bytes=-100", 1000, &a, &b), JF_RANGE_OK);
	assert_true(a == 900 && b == 999);
	assert_int_equal(jf_net__http_parse_range("bytes=-5000", 1000, &a, &b), JF_RANGE_OK);
	assert_true(a == 0 && b == 999);
	assert_int_equal(jf_net__http_parse_range("bytes=500-5000", 1000, &a, &b), JF_RANGE_OK);
	assert_true(a == 500 && b == 999);
	assert_int_equal(jf_net__http_parse_range("bytes=1000-", 1000, &a, &b),
	                 JF_RANGE_UNSATISFIABLE);
	assert_int_equal(jf_net__http_parse_range("bytes=-0", 1000, &a, &b),
	                 JF_RANGE_UNSATISFIABLE);
	assert_int_equal(jf_net__http_parse_range("bytes=0-", 0, &a, &b), JF_RANGE_UNSATISFIABLE);
	/* not usable: the whole file */
	assert_int_equal(jf_net__http_parse_range("bytes=0-1,5-6", 1000, &a, &b), JF_RANGE_NONE);
	assert_int_equal(jf_net__http_parse_range("bytes=9-2", 1000, &a, &b), JF_RANGE_NONE);
	assert_int_equal(jf_net__http_parse_range("items=0-1", 1000, &a, &b), JF_RANGE_NONE);
	assert_int_equal(jf_net__http_parse_range("bytes=-", 1000, &a, &b), JF_RANGE_NONE);
	assert_int_equal(jf_net__http_parse_range("bytes=x-1", 1000, &a, &b), JF_RANGE_NONE);
	assert_int_equal(jf_net__http_parse_range("bytes=99999999999999999999-", 1000, &a, &b),
	                 JF_RANGE_NONE);
}

static void test_http_dates_round_trip(void **state)
{
	char buf[40];
	time_t t = 0;

	(void)state;
	jf_net__http_format_date(buf, sizeof(buf), 784111777);
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_true(jf_net__http_parse_date(buf, &t));
	assert_int_equal(t, 784111777);
	assert_false(jf_net__http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t));
	assert_false(jf_net__http_parse_date("Sun, 06 Foo 1994 08:49:37 GMT", &t));
	assert_false(jf_net__http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT trailing", &t));
}

static void test_http_matches_etags(void **state)
{
	(void)state;
	assert_true(jf_net__http_etag_match("\"a-1\"", "\"a-1\""));
	assert_true(jf_net__http_etag_match("\"x\", W/\"a-1\"", "\"a-1\""));
	assert_true(jf_net__http_etag_match("*", "\"a-1\""));
	assert_false(jf_net__http_etag_match("\"a-2\"", "\"a-1\""));
	assert_false(jf_net__http_etag_match("\"a-1", "\"a-1\""));
}

static void test_http_escapes_paths(void **state)
{
	jf_buf b = JF_BUF_INIT;

	(void)state;
	assert_int_equal(jf_net__http_escape_path(&b, "dir/a b%#?ü.img"), 0);
	assert_string_equal(b.ptr, "dir/a%20b%25%23%3F%C3%BC.img");
	jf_buf_free(&b);
}

static void test_http_url_for_board(void **state)
{
	char *dir = test_tmpdir(), *url = NULL, want[128];
	jf_http_opts o = JF_HTTP_OPTS_INIT;
	jf_http_server *s = NULL;
	jf_err err = JF_ERR_INIT;

	(void)state;
	o.root = dir;
	o.bind = "127.0.0.1";
	o.port = 0;
	assert_int_equal(jf_http_server_start(&s, &o, &err), 0);
	/* the interface that routes to the board: loopback for 127.0.0.2 */
	assert_int_equal(jf_http_server_url(&url, s, "127.0.0.2", "/images/a b.img", &err), 0);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u/images/a%%20b.img",
	         jf_http_server_port(s));
	assert_string_equal(url, want);
	free(url);
	jf_http_server_stop(s);

	o.host = "fe80::1";
	assert_int_equal(jf_http_server_start(&s, &o, &err), 0);
	assert_int_equal(jf_http_server_url(&url, s, NULL, "x", &err), 0);
	snprintf(want, sizeof(want), "http://[fe80::1]:%u/x", jf_http_server_port(s));
	assert_string_equal(url, want);
	free(url);
	jf_http_server_stop(s);
	test_tmpdir_remove(dir);
}

static void test_http_port_in_use_and_reuse(void **state)
{
	char *dir = test_tmpdir();
	jf_http_opts o = JF_HTTP_OPTS_INIT;
	jf_http_server *s = NULL, *s2 = NULL;
	jf_err err = JF_ERR_INIT;
	test_log log;

	(void)state;
	test_log_init(&log);
	o.root = dir;
	o.bind = "127.0.0.1";
	o.port = 0;
	o.token = "tok-secret-1";
	o.log = &log.log;
	assert_int_equal(jf_http_server_start(&s, &o, &err), 0);
	o.port = jf_http_server_port(s);
	assert_int_equal(jf_http_server_start(&s2, &o, &err), JF_EEXISTS);
	assert_null(s2);
	assert_non_null(strstr(err.msg, "already in use"));
	jf_http_server_stop(s);
	assert_int_equal(jf_http_server_start(&s, &o, &err), 0);
	assert_int_equal(jf_http_server_port(s), o.port);
	jf_http_server_stop(s);
	/* the token is a registered secret */
	jf_info(&log.log, "t", "token is %s", "tok-secret-1");
	assert_null(strstr(log.text, "tok-secret-1"));
	test_log_dispose(&log);
	test_tmpdir_remove(dir);
}

static void test_http_start_errors(void **state)
{
	jf_http_opts o = JF_HTTP_OPTS_INIT;
	jf_http_server *s = NULL;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_http_server_start(&s, &o, &err), JF_EINVAL);
	o.root = "/nonexistent/jf-root";
	o.port = 0;
	assert_int_equal(jf_http_server_start(&s, &o, &err), JF_ENOTFOUND);
	o.root = "/tmp";
	o.bind = "no-such-host.invalid";
	assert_int_equal(jf_http_server_start(&s, &o, &err), JF_EINVAL);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_parses_ranges),
	    cmocka_unit_test(test_http_dates_round_trip),
	    cmocka_unit_test(test_http_matches_etags),
	    cmocka_unit_test(test_http_escapes_paths),
	    cmocka_unit_test(test_http_url_for_board),
	    cmocka_unit_test(test_http_port_in_use_and_reuse),
	    cmocka_unit_test(test_http_start_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
