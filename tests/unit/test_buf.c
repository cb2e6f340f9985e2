#include "helpers.h"

#include <string.h>

#include "jmpflash/buf.h"

static void test_buf_put_and_printf(void **state)
{
	jf_buf b = JF_BUF_INIT;

	(void)state;
	assert_int_equal(jf_buf_puts(&b, "abc"), 0);
	assert_int_equal(jf_buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_string_equal(b.ptr, "abc-42-x");
	assert_int_equal(b.len, 8);
	jf_buf_free(&b);
	assert_null(b.ptr);
}

static void test_buf_grows_past_many_pages(void **state)
{
	jf_buf b = JF_BUF_INIT;
	char chunk[1000];

	(void)state;
	memset(chunk, 'z', sizeof(chunk));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(jf_buf_put(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 1000000);
	assert_int_equal(b.ptr[b.len], '\0');
	assert_true(b.cap > b.len);
	jf_buf_free(&b);
}

static void test_buf_consume_and_detach(void **state)
{
	jf_buf b = JF_BUF_INIT;
	char *s;

	(void)state;
	jf_buf_puts(&b, "hello world");
	jf_buf_consume(&b, 6);
	assert_string_equal(b.ptr, "world");
	jf_buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	jf_buf_puts(&b, "kept");
	s = jf_buf_detach(&b);
	assert_string_equal(s, "kept");
	assert_null(b.ptr);
	free(s);
	s = jf_buf_detach(&b); /* empty buffer detaches to "" */
	assert_string_equal(s, "");
	free(s);
}

static void test_buf_handles_nul_bytes(void **state)
{
	jf_buf b = JF_BUF_INIT;

	(void)state;
	assert_int_equal(jf_buf_put(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "a\0b", 3);
	jf_buf_free(&b);
}

static void test_buf_put_printable_escapes_control_bytes(void **state)
{
	jf_buf b = JF_BUF_INIT;
	const char in[] = "ok\tline\r\n\x1b[2J\x07\x7f\xc3\xa9";

	(void)state;
	assert_int_equal(jf_buf_put_printable(&b, in, sizeof(in) - 1), 0);
	/* tab and UTF-8 stay; everything else that moves a terminal is spelled */
	assert_string_equal(b.ptr, "ok\tline\\r\\n\\x1b[2J\\x07\\x7f\xc3\xa9");
	jf_buf_clear(&b);
	assert_int_equal(jf_buf_put_printable(&b, "", 0), 0);
	assert_string_equal(b.ptr, "");
	jf_buf_free(&b);
}

static void test_names_add_joins_and_cuts(void **state)
{
	char list[12] = "";

	(void)state;
	jf_names_add(list, sizeof(list), "emmc");
	assert_string_equal(list, "emmc");
	jf_names_add(list, sizeof(list), "sd");
	assert_string_equal(list, "emmc, sd");
	jf_names_add(list, sizeof(list), "usb0");
	assert_string_equal(list, "emmc, sd, u"); /* cut, still terminated */
	jf_names_add(list, sizeof(list), "more");
	assert_string_equal(list, "emmc, sd, u");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_put_and_printf),
	    cmocka_unit_test(test_buf_grows_past_many_pages),
	    cmocka_unit_test(test_buf_consume_and_detach),
	    cmocka_unit_test(test_buf_handles_nul_bytes),
	    cmocka_unit_test(test_buf_put_printable_escapes_control_bytes),
	    cmocka_unit_test(test_names_add_joins_and_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
