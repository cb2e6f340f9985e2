#include "helpers.h"

#include "jmpflash/url.h"

static char *fmt(const jf_url *u)
{
	static char buf[512];

	jf_url_format(buf, sizeof(buf), u);
	return buf;
}

static void test_url_http_with_credentials(void **state)
{
	jf_url u;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(
	    jf_url_parse(&u, "https://al%40ice:p%3Ass@Images.example:8443/a/b.raw.xz?x=1", &err),
	    0);
	assert_int_equal(u.scheme, JF_URL_HTTPS);
	assert_string_equal(u.user, "al@ice");
	assert_string_equal(u.password, "p:ss");
	assert_string_equal(u.host, "Images.example");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.path, "/a/b.raw.xz");
	assert_string_equal(u.query, "x=1");
	/* the printed form never carries userinfo */
	assert_string_equal(fmt(&u), "https://Images.example:8443/a/b.raw.xz?x=1");
	jf_url_dispose(&u);
}

static void test_url_default_ports_and_paths(void **state)
{
	jf_url u;

	(void)state;
	assert_int_equal(jf_url_parse(&u, "HTTP://host", NULL), 0);
	assert_int_equal(u.scheme, JF_URL_HTTP);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	assert_string_equal(fmt(&u), "http://host/");
	jf_url_dispose(&u);
	assert_int_equal(jf_url_parse(&u, "tftp://10.0.2.2/Image", NULL), 0);
	assert_int_equal(u.port, 69);
	assert_string_equal(u.path, "/Image");
	jf_url_dispose(&u);
}

static void test_url_serial_endpoints(void **state)
{
	jf_url u;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_url_parse(&u, "socket://ser2net.lab:3001", NULL), 0);
	assert_int_equal(u.scheme, JF_URL_SOCKET);
	assert_string_equal(u.host, "ser2net.lab");
	assert_int_equal(u.port, 3001);
	assert_string_equal(fmt(&u), "socket://ser2net.lab:3001/");
	jf_url_dispose(&u);
	assert_int_equal(jf_url_parse(&u, "rfc2217://[::1]:7000", NULL), 0);
	assert_int_equal(u.scheme, JF_URL_RFC2217);
	assert_string_equal(u.host, "::1");
	assert_string_equal(fmt(&u), "rfc2217://[::1]:7000/");
	jf_url_dispose(&u);
	assert_int_equal(jf_url_parse(&u, "socket://ser2net.lab", &err), JF_EINVAL);
	assert_string_equal(err.msg, "invalid URL 'socket://ser2net.lab': a serial endpoint "
	                             "needs a port: socket://host:port");
}

static void test_url_oci_reference(void **state)
{
	jf_url u;

	(void)state;
	assert_int_equal(jf_url_parse(&u, "oci://quay.io/jumpstarter-dev/flasher:latest", NULL), 0);
	assert_int_equal(u.scheme, JF_URL_OCI);
	assert_string_equal(u.host, "quay.io");
	assert_string_equal(u.path, "jumpstarter-dev/flasher:latest");
	assert_string_equal(fmt(&u), "oci://quay.io/jumpstarter-dev/flasher:latest");
	jf_url_dispose(&u);
}

static void test_url_file_paths(void **state)
{
	jf_url u;

	(void)state;
	assert_int_equal(jf_url_parse(&u, "/dev/ttyUSB0", NULL), 0);
	assert_int_equal(u.scheme, JF_URL_FILE);
	assert_string_equal(u.path, "/dev/ttyUSB0");
	jf_url_dispose(&u);
	assert_int_equal(jf_url_parse(&u, "images/a://b.img", NULL), 0);
	assert_int_equal(u.scheme, JF_URL_FILE);
	jf_url_dispose(&u);
	assert_int_equal(jf_url_parse(&u, "file:///srv/img.raw", NULL), 0);
	assert_string_equal(u.path, "/srv/img.raw");
	jf_url_dispose(&u);
}

static void test_url_rejects_bad_input_without_leaking(void **state)
{
	static const struct {
		const char *in;
		const char *msg;
	} cases[] = {
	    {"", "empty URL or path"},
	    {"gopher://h/x", "invalid URL 'gopher://h': unknown scheme 'gopher' (use http, "
	                     "https, oci, socket, rfc2217, tftp or file)"},
	    {"http://h:99999/", "invalid URL 'http://h:99999': the port must be a number from 1 "
	                        "to 65535"},
	    {"http://u:hunter2@h:x/", "invalid URL 'http://***@h:x': the port must be a number "
	                              "from 1 to 65535"},
	    {"http:///path", "invalid URL 'http://': the host is missing"},
	    /* found by fuzzing: the user or port was there, the host was not */
	    {"http://user@/path", "invalid URL 'http://***@': the host is missing"},
	    {"http://:8080/", "invalid URL 'http://:8080': the host is missing"},
	    {"http://[::1/x", "invalid URL 'http://[::1': missing ']' after an IPv6 address"},
	    {"http://h o/", "invalid URL 'http://h o': the host name has a character hosts "
	                    "cannot have"},
	    {"http://u:%zz@h/", "invalid URL 'http://***@h': bad percent-escape in the "
	                        "password"},
	    {"http://h/\x01", "invalid URL 'http://h': it contains a control character"},
	    {"file://relative", "invalid URL 'file://relative': file URLs take an absolute "
	                        "path: file:///path"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jf_err err = JF_ERR_INIT;
		jf_url u;

		assert_int_equal(jf_url_parse(&u, cases[i].in, &err), JF_EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
		assert_null(strstr(err.msg, "hunter2"));
		assert_null(u.host);
	}
}

static void test_url_decode(void **state)
{
	char *s;

	(void)state;
	s = jf_url_decode("a%20b%2Fc", 9);
	assert_string_equal(s, "a b/c");
	free(s);
	assert_null(jf_url_decode("%2", 2));
	assert_null(jf_url_decode("%00", 3)); /* a decoded NUL would cut the string */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_http_with_credentials),
	    cmocka_unit_test(test_url_default_ports_and_paths),
	    cmocka_unit_test(test_url_serial_endpoints),
	    cmocka_unit_test(test_url_oci_reference),
	    cmocka_unit_test(test_url_file_paths),
	    cmocka_unit_test(test_url_rejects_bad_input_without_leaking),
	    cmocka_unit_test(test_url_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
