#include "helpers.h"

#include <string.h>

#include "jmpflash/redact.h"

static jf_redact *make(const char *const *secrets)
{
	jf_redact *r;

	assert_int_equal(jf_redact_new(&r), 0);
	for (; *secrets; secrets++)
		assert_int_equal(jf_redact_add(r, *secrets), 0);
	return r;
}

static char *redact(const jf_redact *r, const char *s)
{
	static char out[1024];
	jf_buf b = JF_BUF_INIT;

	assert_int_equal(jf_redact_str(r, &b, s, strlen(s)), 0);
	snprintf(out, sizeof(out), "%s", b.ptr);
	jf_buf_free(&b);
	return out;
}

static void test_redact_masks_every_occurrence(void **state)
{
	const char *s[] = {"hunter2", NULL};
	jf_redact *r = make(s);

	(void)state;
	assert_string_equal(redact(r, "pw=hunter2 again hunter2!"), "pw=*** again ***!");
	assert_string_equal(redact(r, "nothing here"), "nothing here");
	jf_redact_free(r);
}

static void test_redact_longest_secret_wins(void **state)
{
	const char *s[] = {"abc", "abcdef", NULL};
	jf_redact *r = make(s);

	(void)state;
	assert_string_equal(redact(r, "xabcdefx abcx"), "x***x ***x");
	assert_int_equal(jf_redact_count(r), 2);
	jf_redact_add(r, "abc"); /* duplicate: ignored */
	jf_redact_add(r, "");    /* empty: ignored */
	assert_int_equal(jf_redact_count(r), 2);
	jf_redact_free(r);
}

static void test_redact_authorization_header_without_registration(void **state)
{
	(void)state;
	assert_string_equal(redact(NULL, "Authorization: Bearer eyJhbGciOi.x.y"),
	                    "Authorization: Bearer ***");
	assert_string_equal(redact(NULL, "> authorization: Basic dXNlcjpwYXNz\r\nHost: h"),
	                    "> authorization: Basic ***\r\nHost: h");
	assert_string_equal(redact(NULL, "Proxy-Authorization: token123"),
	                    "Proxy-Authorization: ***");
}

static void test_redact_url_password_without_registration(void **state)
{
	(void)state;
	assert_string_equal(redact(NULL, "GET https://bob:pa55@host/img.xz failed"),
	                    "GET https://bob:***@host/img.xz failed");
	/* a user without a password, and an '@' in the path, stay as they are */
	assert_string_equal(redact(NULL, "https://bob@host/a"), "https://bob@host/a");
	assert_string_equal(redact(NULL, "https://host/a:b@c"), "https://host/a:b@c");
}

static void test_redact_inplace_truncates_safely(void **state)
{
	const char *s[] = {"x", NULL};
	jf_redact *r = make(s);
	char msg[8] = "xxxxxxx";

	(void)state;
	jf_redact_inplace(r, msg, sizeof(msg));
	assert_string_equal(msg, "*******");
	assert_null(strchr(msg, 'x'));
	jf_redact_free(r);
}

/* A secret split over two or more writes is still masked. */
static void test_redact_stream_across_writes(void **state)
{
	const char *s[] = {"topsecret", NULL};
	jf_redact *r = make(s);
	const char *pieces[] = {"login ok\npass: top", "sec", "ret\nmore to", "psecret",
	                        " end top"};
	jf_redact_stream st;
	jf_buf out = JF_BUF_INIT;

	(void)state;
	jf_redact_stream_init(&st, r);
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		assert_int_equal(jf_redact_stream_feed(&st, pieces[i], strlen(pieces[i]), &out), 0);
		assert_null(strstr(out.ptr ? out.ptr : "", "topsecret"));
	}
	/* "top" at the end might start the secret: held back until flush */
	assert_string_equal(out.ptr, "login ok\npass: ***\nmore *** end ");
	assert_int_equal(jf_redact_stream_flush(&st, &out), 0);
	assert_string_equal(out.ptr, "login ok\npass: ***\nmore *** end top");
	jf_redact_stream_free(&st);
	jf_buf_free(&out);
	jf_redact_free(r);
}

static void test_redact_stream_one_byte_at_a_time(void **state)
{
	const char *s[] = {"s3cr3t", NULL};
	const char *text = "a s3cr3 s3cr3t s3s3cr3t!";
	jf_redact *r = make(s);
	jf_redact_stream st;
	jf_buf out = JF_BUF_INIT;

	(void)state;
	jf_redact_stream_init(&st, r);
	for (const char *p = text; *p; p++)
		assert_int_equal(jf_redact_stream_feed(&st, p, 1, &out), 0);
	jf_redact_stream_flush(&st, &out);
	assert_string_equal(out.ptr, "a s3cr3 *** s3***!");
	jf_redact_stream_free(&st);
	jf_buf_free(&out);
	jf_redact_free(r);
}

/* The parts the one-shot redactor keeps visible (a URL's user, an
 * Authorization scheme word) are still searched for registered secrets. */
static void test_redact_visible_prefix_still_searched(void **state)
{
	const char *s[] = {"tok", "Bearer", NULL};
	jf_redact *r = make(s);

	(void)state;
	assert_string_equal(redact(r, "git https://tok:x-oauth-basic@host/"),
	                    "git https://***:***@host/");
	assert_string_equal(redact(r, "Authorization: Bearer abc"), "Authorization: *** ***");
	assert_string_equal(redact(r, "https://bob:pw@host/"), "https://bob:***@host/");
	jf_redact_free(r);
}

/* An oracle: whatever surrounds a registered secret, it never survives. */
static void test_redact_secret_never_survives(void **state)
{
	static const char *secrets[] = {"tok", "Basic", "a:b", "@h", "//", "x y"};
	static const char *frames[] = {
	    "https://%s:pw@h/",
	    "https://u:%s@h/",
	    "Authorization: %s v",
	    "Authorization: Basic %s",
	    "%s://u:p@h",
	    "Proxy-Authorization:%s",
	    "a%s%s b",
	    "https://%s@h/%s",
	    "Authorization:  %s\r\n",
	};
	char in[256];

	(void)state;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++) {
		const char *one[] = {secrets[i], NULL};
		jf_redact *r = make(one);

		for (size_t f = 0; f < sizeof(frames) / sizeof(*frames); f++) {
			snprintf(in, sizeof(in), frames[f], secrets[i], secrets[i]);
			if (strstr(redact(r, in), secrets[i]))
				fail_msg("'%s' survives in '%s' -> '%s'", secrets[i], in,
				         redact(r, in));
		}
		jf_redact_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact_masks_every_occurrence),
	    cmocka_unit_test(test_redact_longest_secret_wins),
	    cmocka_unit_test(test_redact_authorization_header_without_registration),
	    cmocka_unit_test(test_redact_url_password_without_registration),
	    cmocka_unit_test(test_redact_inplace_truncates_safely),
	    cmocka_unit_test(test_redact_stream_across_writes),
	    cmocka_unit_test(test_redact_stream_one_byte_at_a_time),
	    cmocka_unit_test(test_redact_visible_prefix_still_searched),
	    cmocka_unit_test(test_redact_secret_never_survives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
