/* Unit tests for the bundle module's parsers: references, WWW-Authenticate
 * challenges, auth files, image manifests and indexes. */
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle_int.h"
#include "helpers.h"
#include "jmpflash/bundle.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect_ref(const char *text, const char *reg, const char *repo, const char *tag,
                       const char *digest, bool loopback)
{
	jf_bundle_ref r;
	jf_err err = JF_ERR_INIT;

	assert_int_equal(jf_bundle_ref_parse(&r, text, &err), 0);
	assert_string_equal(r.registry, reg);
	assert_string_equal(r.repository, repo);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	assert_int_equal(r.loopback, loopback);
	jf_bundle_ref_dispose(&r);
}

static void test_bundle_ref_full(void **s)
{
	(void)s;
	expect_ref("quay.io/jumpstarter-dev/jumpstarter-flasher-ti-j784s4:latest", "quay.io",
	           "jumpstarter-dev/jumpstarter-flasher-ti-j784s4", "latest", NULL, false);
	expect_ref("oci://127.0.0.1:5000/a/b:v1.2", "127.0.0.1:5000", "a/b", "v1.2", NULL, true);
	expect_ref("localhost:5000/x", "localhost:5000", "x", "latest", NULL, true);
	expect_ref("localhost/x:t", "localhost", "x", "t", NULL, true);
	expect_ref("[::1]:5000/x", "[::1]:5000", "x", "latest", NULL, true);
	expect_ref("reg.example:8443/ns/x@sha256:" HEX64, "reg.example:8443", "ns/x", NULL,
	           "sha256:" HEX64, false);
	expect_ref("reg.example/x:t@sha256:" HEX64, "reg.example", "x", "t", "sha256:" HEX64,
	           false);
}

static void test_bundle_ref_docker_hub(void **s)
{
	(void)s;
	expect_ref("alpine", "registry-1.docker.io", "library/alpine", "latest", NULL, false);
	expect_ref("alpine:3.19", "registry-1.docker.io", "library/alpine", "3.19", NULL, false);
	expect_ref("user/repo", "registry-1.docker.io", "user/repo", "latest", NULL, false);
	expect_ref("docker.io/alpine", "registry-1.docker.io", "library/alpine", "latest", NULL,
	           false);
	expect_ref("index.docker.io/u/r:t", "registry-1.docker.io", "u/r", "t", NULL, false);
}

static void test_bundle_ref_rejects_malformed(void **s)
{
	static const char *bad[] = {
	    "",
	    "oci://",
	    "Quay.io/UPPER/case",
	    "quay.io/a//b",
	    "quay.io/a/",
	    "quay.io/-a",
	    "quay.io/a:",
	    "quay.io/a:-tag",
	    "quay.io/a@sha256:abc",
	    "quay.io/a@md5:" HEX64,
	    "quay.io/a b",
	    "host:99999999/a",
	    "quay.io/a..b",
	    "[::1/x",
	};
	jf_err err = JF_ERR_INIT;
	jf_bundle_ref r;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = jf_bundle_ref_parse(&r, bad[i], &err);

		if (rc != JF_EINVAL)
			fail_msg("'%s' was accepted (%d)", bad[i], rc);
		assert_non_null(strstr(err.msg, "invalid OCI reference"));
	}
}

/* The 255-character limit holds for the repository as it is requested:
 * a Docker Hub short name gets "library/" first. */
static void test_bundle_ref_length_counts_library_prefix(void **s)
{
	char name[300], full[320], buf[400];
	jf_err err = JF_ERR_INIT;
	jf_bundle_ref r;

	(void)s;
	memset(name, 'a', 247);
	name[247] = '\0';
	assert_int_equal(jf_bundle_ref_parse(&r, name, &err), 0);
	assert_int_equal(strlen(r.repository), 255);
	jf_bundle_ref_format(buf, sizeof(buf), &r);
	jf_bundle_ref_dispose(&r);
	assert_int_equal(jf_bundle_ref_parse(&r, buf, &err), 0); /* round trip */
	jf_bundle_ref_dispose(&r);
	strcat(name, "a");
	assert_int_equal(jf_bundle_ref_parse(&r, name, &err), JF_EINVAL);
	assert_non_null(strstr(err.msg, "longer than 255"));
	snprintf(full, sizeof(full), "docker.io/library/%s", name);
	assert_int_equal(jf_bundle_ref_parse(&r, full, &err), JF_EINVAL);
}

static void test_bundle_ref_format(void **s)
{
	jf_bundle_ref r;
	char buf[256];

	(void)s;
	assert_int_equal(jf_bundle_ref_parse(&r, "oci://127.0.0.1:5/a/b", NULL), 0);
	jf_bundle_ref_format(buf, sizeof(buf), &r);
	assert_string_equal(buf, "127.0.0.1:5/a/b:latest");
	jf_bundle_ref_dispose(&r);
}

static void test_bundle_challenge_bearer(void **s)
{
	jf_auth_challenge c;
	jf_err err = JF_ERR_INIT;

	(void)s;
	assert_int_equal(
	    jf_auth_challenge_parse(&c,
	                            "Bearer realm=\"https://auth.docker.io/token\","
	                            "service=\"registry.docker.io\",scope=\"repository:"
	                            "library/alpine:pull\"",
	                            &err),
	    0);
	assert_string_equal(c.scheme, "Bearer");
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/alpine:pull");
	jf_auth_challenge_dispose(&c);
	/* unquoted values, spaces, escapes, unknown params */
	assert_int_equal(
	    jf_auth_challenge_parse(&c,
	                            "bearer  realm=http://h/t , error=\"invalid_token\","
	                            " service=\"a\\\"b\"",
	                            &err),
	    0);
	assert_string_equal(c.realm, "http://h/t");
	assert_string_equal(c.service, "a\"b");
	assert_null(c.scope);
	jf_auth_challenge_dispose(&c);
}

static void test_bundle_challenge_basic(void **s)
{
	jf_auth_challenge c;

	(void)s;
	assert_int_equal(jf_auth_challenge_parse(&c, "Basic realm=\"Registry Realm\"", NULL), 0);
	assert_string_equal(c.scheme, "Basic");
	assert_string_equal(c.realm, "Registry Realm");
	jf_auth_challenge_dispose(&c);
}

static void test_bundle_challenge_rejects_malformed(void **s)
{
	static const char *bad[] = {
	    "",
	    "   ",
	    "=x",
	    "Bearer realm=\"unterminated",
	    "Bearer service=\"x\"",
	    "Bearer realm=",
	    "Bearer realm=\"\"",
	};
	jf_auth_challenge c;
	jf_err err = JF_ERR_INIT;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jf_auth_challenge_parse(&c, bad[i], &err) == 0)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(err.code, JF_EPROTO);
}

static void test_bundle_auth_docker_config(void **s)
{
	/* dXNlcjpwYTpzcw== is "user:pa:ss" (a colon in the password) */
	const char *json =
	    "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1Yg==\"},"
	    "\"quay.io\":{\"auth\":\"dXNlcjpwYTpzcw==\"},"
	    "\"http://127.0.0.1:5000/v2/\":{\"auth\":\"bG9jYWw6cHc=\"}},"
	    "\"credsStore\":\"desktop\"}";
	jf_auth_cred c;
	test_log t;

	(void)s;
	test_log_init(&t);
	assert_int_equal(jf_auth_file_lookup(&c, json, "cfg", "quay.io", "org/x", &t.log, NULL), 0);
	assert_string_equal(c.username, "user");
	assert_string_equal(c.password, "pa:ss");
	assert_string_equal(c.source, "cfg");
	jf_auth_cred_dispose(&c);
	assert_int_equal(jf_auth_file_lookup(&c, json, "cfg", "registry-1.docker.io",
	                                     "library/alpine", &t.log, NULL),
	                 0);
	assert_string_equal(c.username, "hub");
	jf_auth_cred_dispose(&c);
	assert_int_equal(jf_auth_file_lookup(&c, json, "cfg", "127.0.0.1:5000", "a", &t.log, NULL),
	                 0);
	assert_string_equal(c.password, "pw");
	jf_auth_cred_dispose(&c);
	/* the password is now a registered secret */
	jf_info(&t.log, "t", "password is %s", "pa:ss");
	assert_null(strstr(t.text, "pa:ss"));
	assert_int_equal(jf_auth_file_lookup(&c, json, "cfg", "ghcr.io", "a", &t.log, NULL),
	                 JF_ENOTFOUND);
	test_log_dispose(&t);
}

static void test_bundle_auth_containers_most_specific(void **s)
{
	const char *json = "{\"auths\":{\"quay.io\":{\"auth\":\"Z2VuZXJhbDpn\"},"
	                   "\"quay.io/org\":{\"auth\":\"b3JnOm8=\"},"
	                   "\"quay.io/org/rep\":{\"auth\":\"cmVwOnI=\"}}}";
	jf_auth_cred c;

	(void)s;
	assert_int_equal(jf_auth_file_lookup(&c, json, "a", "quay.io", "org/x", NULL, NULL), 0);
	assert_string_equal(c.username, "org");
	jf_auth_cred_dispose(&c);
	/* "quay.io/org/rep" is no prefix of "org/repo" at a '/' boundary */
	assert_int_equal(jf_auth_file_lookup(&c, json, "a", "quay.io", "org/repo", NULL, NULL), 0);
	assert_string_equal(c.username, "org");
	jf_auth_cred_dispose(&c);
	assert_int_equal(jf_auth_file_lookup(&c, json, "a", "quay.io", "other/x", NULL, NULL), 0);
	assert_string_equal(c.username, "general");
	jf_auth_cred_dispose(&c);
}

/* Found by fuzzing: jansson's message quotes the text near the error, so a
 * token that lost its quotes was shown in the error. */
static void test_bundle_auth_malformed_hides_text(void **s)
{
	static const char *bad[] = {
	    "{\"auths\":{\"quay.io\":{\"identitytoken\":hunter2tok}}}",
	    "{\"auths\":{\"quay.io\":{\"auth\":\"x\" \"hunter2tok\"}}}",
	};
	jf_auth_cred c;
	jf_err err = JF_ERR_INIT;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    jf_auth_file_lookup(&c, bad[i], "auth.json", "quay.io", "x", NULL, &err),
		    JF_EINVAL);
		if (strstr(err.msg, "hunter"))
			fail_msg("the error shows the file's text: %s", err.msg);
		assert_non_null(strstr(err.msg, "line 1, column "));
	}
}

static void test_bundle_auth_rejects_malformed(void **s)
{
	static const struct {
		const char *json;
		int code;
	} cases[] = {
	    {"", JF_EINVAL},
	    {"{", JF_EINVAL},
	    {"[]", JF_EINVAL},
	    {"{\"auths\":[]}", JF_EINVAL},
	    {"{\"auths\":{\"quay.io\":{\"auth\":\"!!!!\"}}}", JF_EINVAL},
	    {"{\"auths\":{\"quay.io\":{\"auth\":\"bm9jb2xvbg==\"}}}", JF_EINVAL}, /* nocolon */
	    {"{\"auths\":{\"quay.io\":{\"auth\":\"abc\"}}}", JF_EINVAL},
	    {"{\"auths\":{\"quay.io\":{}}}", JF_ENOTFOUND},
	    {"{\"auths\":{\"quay.io\":\"str\"}}", JF_ENOTFOUND},
	    {"{}", JF_ENOTFOUND},
	};
	jf_auth_cred c;
	jf_err err = JF_ERR_INIT;

	(void)s;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc =
		    jf_auth_file_lookup(&c, cases[i].json, "f.json", "quay.io", "a", NULL, &err);

		if (rc != cases[i].code)
			fail_msg("case %zu '%s': %d, want %d", i, cases[i].json, rc, cases[i].code);
		assert_null(c.username);
	}
	assert_non_null(strstr(err.msg, "f.json"));
}

static const char *layer(char *buf, size_t size, const char *title, const char *hex)
{
	snprintf(buf, size,
	         "{\"mediaType\":\"application/octet-stream\",\"digest\":\"sha256:%s\",\"size\":3,"
	         "\"annotations\":{\"" JF_OCI_TITLE "\":\"%s\"}}",
	         hex, title);
	return buf;
}

static int parse_two(const char *t1, const char *t2, jf_bundle_info *info, jf_err *err)
{
	char a[512], b[512], json[2048];

	snprintf(json, sizeof(json),
	         "{\"schemaVersion\":2,\"mediaType\":\"" JF_OCI_MANIFEST
	         "\",\"artifactType\":\"" JF_BUNDLE_ARTIFACT
	         "\",\"config\":{},\"layers\":[%s,%s,{\"digest\":\"x\"}]}",
	         layer(a, sizeof(a), t1, HEX64), layer(b, sizeof(b), t2, HEX64));
	memset(info, 0, sizeof(*info));
	return jf_bundle__parse_manifest(info, json, strlen(json), "m", err);
}

static void test_bundle_manifest_layers(void **s)
{
	jf_bundle_info info;

	(void)s;
	assert_int_equal(parse_two("manifest.yaml", "data/a.img", &info, NULL), 0);
	assert_int_equal(info.nlayers, 2); /* the untitled layer is skipped */
	assert_string_equal(info.layers[1].title, "data/a.img");
	assert_int_equal(info.layers[1].size, 3);
	assert_string_equal(info.artifact_type, JF_BUNDLE_ARTIFACT);
	jf_bundle_info_dispose(&info);
}

static void test_bundle_manifest_rejects_dotdot_title(void **s)
{
	static const char *bad[][2] = {
	    {"manifest.yaml", "../etc/passwd"},
	    {"manifest.yaml", "data/../../x"},
	    {"manifest.yaml", "/etc/passwd"},
	    {"manifest.yaml", "data//x"},
	    {"data/x", "data/x"},
	    {"data", "data/x"},
	    {"data/x/y", "data/x"},
	};
	jf_bundle_info info;
	jf_err err = JF_ERR_INIT;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_two(bad[i][0], bad[i][1], &info, &err) != JF_EINVAL)
			fail_msg("titles '%s' '%s' were accepted", bad[i][0], bad[i][1]);
		assert_non_null(strstr(err.msg, "refusing the bundle"));
		jf_bundle_info_dispose(&info);
	}
}

static void test_bundle_manifest_rejects_bad_json(void **s)
{
	static const char *bad[] = {
	    "",
	    "[]",
	    "{\"schemaVersion\":1,\"layers\":[]}",
	    "{\"schemaVersion\":2,\"mediaType\":\"" JF_OCI_INDEX "\",\"layers\":[]}",
	    "{\"schemaVersion\":2,\"layers\":[]}", /* no titled layer */
	    "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:12\",\"size\":1,"
	    "\"annotations\":{\"" JF_OCI_TITLE "\":\"a\"}}]}",
	};
	jf_bundle_info info;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&info, 0, sizeof(info));
		if (jf_bundle__parse_manifest(&info, bad[i], strlen(bad[i]), "m", NULL) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		jf_bundle_info_dispose(&info);
	}
}

static void test_bundle_index_pick(void **s)
{
	const char *one = "{\"schemaVersion\":2,\"mediaType\":\"" JF_OCI_INDEX "\",\"manifests\":"
	                  "[{\"digest\":\"sha256:" HEX64 "\"}]}";
	const char *none =
	    "{\"manifests\":[{\"digest\":\"sha256:" HEX64 "\",\"platform\":"
	    "{\"os\":\"plan9\",\"architecture\":\"x\"}},{\"digest\":\"sha256:" HEX64 "\"}]}";
	char *d = NULL;

	(void)s;
	assert_true(jf_bundle__is_index(one, strlen(one)));
	assert_true(jf_bundle__is_index(none, strlen(none)));
	assert_false(jf_bundle__is_index("{\"layers\":[]}", 13));
	assert_int_equal(jf_bundle__index_pick(&d, one, strlen(one), "i", NULL), 0);
	assert_string_equal(d, "sha256:" HEX64);
	free(d);
	assert_int_equal(jf_bundle__index_pick(&d, none, strlen(none), "i", NULL), JF_ENOTFOUND);
	assert_null(d);
}

static void test_bundle_b64_roundtrip(void **s)
{
	char *e = jf_bundle__b64("user:pass", 9), *d;
	size_t n;

	(void)s;
	assert_string_equal(e, "dXNlcjpwYXNz");
	d = jf_bundle__unb64(e, &n);
	assert_int_equal(n, 9);
	assert_string_equal(d, "user:pass");
	free(d);
	free(e);
	assert_null(jf_bundle__unb64("abc", &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bundle_ref_full),
	    cmocka_unit_test(test_bundle_ref_docker_hub),
	    cmocka_unit_test(test_bundle_ref_rejects_malformed),
	    cmocka_unit_test(test_bundle_ref_format),
	    cmocka_unit_test(test_bundle_ref_length_counts_library_prefix),
	    cmocka_unit_test(test_bundle_challenge_bearer),
	    cmocka_unit_test(test_bundle_challenge_basic),
	    cmocka_unit_test(test_bundle_challenge_rejects_malformed),
	    cmocka_unit_test(test_bundle_auth_docker_config),
	    cmocka_unit_test(test_bundle_auth_containers_most_specific),
	    cmocka_unit_test(test_bundle_auth_rejects_malformed),
	    cmocka_unit_test(test_bundle_auth_malformed_hides_text),
	    cmocka_unit_test(test_bundle_manifest_layers),
	    cmocka_unit_test(test_bundle_manifest_rejects_dotdot_title),
	    cmocka_unit_test(test_bundle_manifest_rejects_bad_json),
	    cmocka_unit_test(test_bundle_index_pick),
	    cmocka_unit_test(test_bundle_b64_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
