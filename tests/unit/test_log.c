#include "helpers.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jmpflash/log.h"

static void test_log_threshold_and_format(void **state)
{
	test_log t;

	(void)state;
	test_log_init(&t);
	t.log.threshold = JF_LOG_INFO;
	jf_debug(&t.log, "tftp", "hidden %d", 1);
	jf_info(&t.log, "tftp", "sent %s in %d ms\n", "Image", 12);
	jf_warn(&t.log, NULL, "careful");
	assert_int_equal(t.lines, 2);
	assert_string_equal(t.text, "INFO tftp: sent Image in 12 ms\nWARN jmpflash: careful\n");
	test_log_dispose(&t);
}

static void test_log_redacts_registered_secrets(void **state)
{
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_log_secret(&t.log, "tok-123"), 0);
	jf_info(&t.log, "bundle", "token %s for %s", "tok-123", "https://u:pw@r.example/v2/");
	jf_info(&t.log, "http", "Authorization: Bearer %s", "abcdef");
	assert_null(strstr(t.text, "tok-123"));
	assert_null(strstr(t.text, ":pw@"));
	assert_null(strstr(t.text, "abcdef"));
	assert_non_null(strstr(t.text, "token *** for https://u:***@r.example/v2/"));
	test_log_dispose(&t);
}

/* A secret that equals a word jmpflash writes masks the value only: the
 * message's own words (from its format) stay. */
static void test_log_secret_equal_to_a_common_word(void **state)
{
	test_log t;

	(void)state;
	test_log_init(&t);
	assert_int_equal(jf_log_secret(&t.log, "password"), 0);
	jf_info(&t.log, "flasher", "login as %s, password %s", "root", "password");
	jf_info(&t.log, "flasher", "sent %s", "the password is password");
	assert_non_null(strstr(t.text, "INFO flasher: login as root, password ***\n"));
	assert_non_null(strstr(t.text, "INFO flasher: sent the *** is ***\n"));
	test_log_dispose(&t);
}

static void test_log_redacts_error_messages(void **state)
{
	test_log t;
	jf_err err = JF_ERR_INIT;

	(void)state;
	test_log_init(&t);
	jf_log_secret(&t.log, "p4ss");
	jf_err_set(&err, JF_EPROTO, "login failed with password p4ss");
	jf_log_redact_err(&t.log, &err);
	assert_string_equal(err.msg, "login failed with password ***");
	test_log_dispose(&t);
}

/* Outside text (a registry's message, a board's line) can neither forge a
 * second log line nor drive the terminal; the format's own words stay. */
static void test_log_values_and_errors_stay_one_line(void **state)
{
	const char *hostile = "\x1b[2J\nINFO flash: Flashing completed\a";
	test_log t;
	jf_err err = JF_ERR_INIT;

	(void)state;
	test_log_init(&t);
	jf_info(&t.log, "bundle", "registry says: %s", hostile);
	assert_int_equal(t.lines, 1);
	assert_string_equal(t.text, "INFO bundle: registry says: \\x1b[2J\\nINFO flash: Flashing "
	                            "completed\\x07\n");
	jf_err_set(&err, JF_ENOTFOUND, "manifest: HTTP 404 NAME_UNKNOWN: %s", hostile);
	jf_log_redact_err(&t.log, &err);
	assert_null(strpbrk(err.msg, "\x1b\n\a"));
	assert_non_null(strstr(err.msg, "\\x1b[2J\\nINFO flash"));
	test_log_dispose(&t);
}

static void test_log_format_has_utc_timestamp(void **state)
{
	jf_log_line line = {1764080449123ull, JF_LOG_ERROR, "cli", "boom"};
	char buf[128];

	(void)state;
	jf_log_format(buf, sizeof(buf), &line);
	assert_string_equal(buf, "2025-11-25T14:20:49.123Z ERROR cli: boom");
}

/* Run @fn with fd 2 redirected to a temp file; return what reached it. */
static size_t stderr_bytes_during(void (*fn)(jf_log *), jf_log *log)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	long n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fileno(tmp), 2), 2);
	fn(log);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	n = ftell(tmp);
	fclose(tmp);
	return (size_t)n;
}

static void log_a_warning(jf_log *log)
{
	jf_warn(log, "tftp", "a warning nobody asked to see");
}

/* An embedding program that set no sink hears nothing on its stderr; the
 * explicit stderr sink writes the formatted line. */
static void test_log_default_is_silent_stderr_is_explicit(void **state)
{
	jf_log log;

	(void)state;
	assert_int_equal(jf_log_init(&log), 0);
	assert_int_equal(stderr_bytes_during(log_a_warning, &log), 0);
	jf_log_set_sink(&log, jf_log_stderr_sink, NULL);
	assert_true(stderr_bytes_during(log_a_warning, &log) > strlen("WARN  tftp: a warning"));
	jf_log_set_sink(&log, NULL, NULL);
	assert_int_equal(stderr_bytes_during(log_a_warning, &log), 0);
	jf_log_dispose(&log);
}

static void test_log_level_parse(void **state)
{
	(void)state;
	assert_int_equal(jf_log_level_parse("debug"), JF_LOG_DEBUG);
	assert_int_equal(jf_log_level_parse("WARNING"), JF_LOG_WARN);
	assert_int_equal(jf_log_level_parse("Error"), JF_LOG_ERROR);
	assert_int_equal(jf_log_level_parse("loud"), -1);
}

static void test_err_helpers(void **state)
{
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_err_set(&err, JF_ENOTFOUND, "no '%s'", "x"), JF_ENOTFOUND);
	assert_int_equal(jf_err_wrap(&err, "loading %s", "bundle"), JF_ENOTFOUND);
	assert_string_equal(err.msg, "loading bundle: no 'x'");
	jf_err_sys(&err, JF_EIO, 2, "open %s", "f");
	assert_string_equal(err.msg, "open f: No such file or directory");
	assert_string_equal(jf_strerror(JF_ETIMEOUT), "timed out");
	assert_string_equal(jf_strerror(-999), "unknown error");
	jf_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_int_equal(jf_err_set(NULL, JF_EIO, "ignored"), JF_EIO);
}

static void test_err_wrap_keeps_within_bounds(void **state)
{
	jf_err err = JF_ERR_INIT;
	char big[2 * JF_ERR_MSG_MAX];

	(void)state;
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	jf_err_set(&err, JF_EIO, "%s", big);
	jf_err_wrap(&err, "ctx");
	assert_int_equal(strlen(err.msg), JF_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "ctx: mmm", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_threshold_and_format),
	    cmocka_unit_test(test_log_redacts_registered_secrets),
	    cmocka_unit_test(test_log_redacts_error_messages),
	    cmocka_unit_test(test_log_values_and_errors_stay_one_line),
	    cmocka_unit_test(test_log_secret_equal_to_a_common_word),
	    cmocka_unit_test(test_log_format_has_utc_timestamp),
	    cmocka_unit_test(test_log_default_is_silent_stderr_is_explicit),
	    cmocka_unit_test(test_log_level_parse),
	    cmocka_unit_test(test_err_helpers),
	    cmocka_unit_test(test_err_wrap_keeps_within_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
