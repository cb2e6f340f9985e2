#include "helpers.h"

#include "config/yaml.h"

static void load_bad(const char *text, size_t len, int code, const char *msg)
{
	jf_ydoc d;
	jf_err err = JF_ERR_INIT;

	assert_int_equal(jf_config__yaml_load_string(&d, "t.yaml", text, len, &err), code);
	assert_string_equal(err.msg, msg);
	jf_config__yaml_dispose(&d);
}

static void test_yaml_positions_and_lookup(void **state)
{
	const char *text = "a: 1\nb:\n  c: hello\n  d: [x, y]\n";
	jf_ydoc d;
	jf_ynode *b, *c;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_config__yaml_load_string(&d, "t.yaml", text, strlen(text), &err), 0);
	b = jf_config__yaml_get(&d, jf_config__yaml_root(&d), "b");
	assert_non_null(b);
	c = jf_config__yaml_get(&d, b, "c");
	assert_int_equal(jf_config__yaml_line(c), 3);
	assert_int_equal(jf_config__yaml_col(c), 6);
	assert_null(jf_config__yaml_get(&d, b, "zz"));
	assert_null(jf_config__yaml_get(&d, c, "x")); /* not a map */
	assert_int_equal(jf_config__yaml_want_map(&d, jf_config__yaml_get(&d, b, "d"), "b.d", &err),
	                 JF_ECONFIG);
	assert_string_equal(err.msg,
	                    "t.yaml:4:6: 'b.d' must be a mapping (key: value lines), not a list");
	jf_config__yaml_dispose(&d);
}

static void test_yaml_scalar_parsers(void **state)
{
	int64_t i;
	uint64_t u;
	bool b;
	double f;

	(void)state;
	assert_int_equal(jf_config__yaml_parse_u64("0x82000000", &u), 0);
	assert_true(u == 0x82000000ull);
	assert_int_equal(jf_config__yaml_parse_u64("0X4000_0000", &u), -1);
	assert_int_equal(jf_config__yaml_parse_u64("0x", &u), -1);
	assert_int_equal(jf_config__yaml_parse_u64("-1", &u), -1);
	assert_int_equal(jf_config__yaml_parse_u64("0xffffffffffffffffff", &u), -1); /* overflow */
	assert_int_equal(jf_config__yaml_parse_int("-42", &i), 0);
	assert_int_equal(i, -42);
	assert_int_equal(jf_config__yaml_parse_int("12abc", &i), -1);
	assert_int_equal(jf_config__yaml_parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(jf_config__yaml_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(jf_config__yaml_parse_bool("maybe", &b), -1);
	assert_int_equal(jf_config__yaml_parse_double("5.5", &f), 0);
	assert_int_equal(jf_config__yaml_parse_double("nan", &f), -1);
}

static void test_yaml_rejects_bad_documents(void **state)
{
	(void)state;
	load_bad("", 0, JF_ECONFIG, "t.yaml: the file is empty; it needs YAML content");
	load_bad("# only a comment\n", 17, JF_ECONFIG,
	         "t.yaml: the file is empty; it needs YAML content");
	load_bad("a: 1\0b", 6, JF_ECONFIG,
	         "t.yaml: byte 4 is a NUL byte; this is binary data, not a YAML file");
	load_bad("a:\n\tb: 1\n", 9, JF_ECONFIG,
	         "t.yaml:2:1: tab character; YAML indents with spaces only, replace the tab "
	         "with spaces");
	load_bad("a: \xff\xfe\n", 6, JF_ECONFIG,
	         "t.yaml: byte 3: invalid leading UTF-8 octet; this does not look like a YAML "
	         "text file");
	load_bad("- a\n- b\n", 8, JF_ECONFIG,
	         "t.yaml:1:1: the top level must be a mapping (key: value lines), not a list");
	load_bad("a: 1\nb: 2\na: 3\n", 15, JF_ECONFIG,
	         "t.yaml:3:1: duplicate key 'a' (first at line 1); keep only one");
	load_bad("a: [1, 2\n", 9, JF_ECONFIG,
	         "t.yaml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a "
	         "flow sequence");
}

static void test_yaml_load_file_errors(void **state)
{
	jf_ydoc d;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_config__yaml_load_file(&d, "/nonexistent/x.yaml", &err), JF_ENOTFOUND);
	assert_string_equal(err.msg,
	                    "cannot open '/nonexistent/x.yaml': No such file or directory");
	jf_config__yaml_dispose(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_yaml_positions_and_lookup),
	    cmocka_unit_test(test_yaml_scalar_parsers),
	    cmocka_unit_test(test_yaml_rejects_bad_documents),
	    cmocka_unit_test(test_yaml_load_file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
