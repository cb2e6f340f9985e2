#include "helpers.h"

#include "jmpflash/sha256.h"

#define ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_sha256_known_vectors(void **state)
{
	char hex[65];

	(void)state;
	assert_int_equal(jf_sha256_buf(hex, "abc", 3), 0);
	assert_string_equal(hex, ABC);
	assert_int_equal(jf_sha256_buf(hex, "", 0), 0);
	assert_string_equal(hex, EMPTY);
}

static void test_sha256_streaming_equals_oneshot(void **state)
{
	static char data[300000];
	char one[65], many[65];
	jf_sha256 h;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 3);
	jf_sha256_buf(one, data, sizeof(data));
	assert_int_equal(jf_sha256_init(&h), 0);
	for (size_t off = 0; off < sizeof(data); off += 4099) {
		size_t n = sizeof(data) - off < 4099 ? sizeof(data) - off : 4099;

		assert_int_equal(jf_sha256_update(&h, data + off, n), 0);
	}
	assert_int_equal(jf_sha256_final(&h, NULL, many), 0);
	assert_string_equal(one, many);
}

static void test_sha256_file(void **state)
{
	char *dir = test_tmpdir(), hex[65];
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_sha256_file(hex, test_write(dir, "f", "abc", 3), &err), 0);
	assert_string_equal(hex, ABC);
	assert_int_equal(jf_sha256_file(hex, "/nonexistent/jf", &err), JF_ENOTFOUND);
	assert_string_equal(err.msg, "cannot open '/nonexistent/jf': No such file or directory");
	test_tmpdir_remove(dir);
}

static void test_sha256_hex_helpers(void **state)
{
	(void)state;
	assert_true(jf_sha256_hex_valid(ABC));
	assert_false(jf_sha256_hex_valid("abc"));
	assert_false(jf_sha256_hex_valid(ABC "0"));
	assert_false(jf_sha256_hex_valid(
	    "zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_int_equal(
	    jf_sha256_hex_cmp(ABC,
	                      "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
	    0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_known_vectors),
	    cmocka_unit_test(test_sha256_streaming_equals_oneshot),
	    cmocka_unit_test(test_sha256_file),
	    cmocka_unit_test(test_sha256_hex_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
