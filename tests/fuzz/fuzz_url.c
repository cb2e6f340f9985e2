/* URLs and endpoint addresses (user input, exporter configs, manifests).
 * Round trip: a parsed URL formats (without credentials) to text that
 * parses to the same scheme, host, port, path and query; the password is
 * never part of the formatted text's userinfo. */
#include "fuzz.h"
#include "jmpflash/url.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = jf_fuzz_str(data, size), *buf;
	jf_url u, again;
	jf_err err = JF_ERR_INIT;
	int n;

	if (jf_url_parse(&u, text, &err) != 0) {
		JF_FUZZ_CHECK(err.msg[0]);
		free(text);
		return 0;
	}
	JF_FUZZ_CHECK(u.path);
	n = jf_url_format(NULL, 0, &u);
	JF_FUZZ_CHECK(n >= 0);
	if (!(buf = malloc((size_t)n + 1)))
		abort();
	jf_url_format(buf, (size_t)n + 1, &u);
	if (u.scheme != JF_URL_FILE) {
		const char *host = strstr(buf, "://");

		JF_FUZZ_CHECK(host && !memchr(host, '@', strcspn(host + 3, "/?") + 3) ==
		                          !(u.host && strchr(u.host, '@')));
	}
	if (jf_url_parse(&again, buf, &err) != 0) {
		fprintf(stderr, "'%s' formats as '%s', which does not parse: %s\n", text, buf,
		        err.msg);
		abort();
	}
	JF_FUZZ_CHECK(again.scheme == u.scheme);
	JF_FUZZ_CHECK(same(again.host, u.host));
	JF_FUZZ_CHECK(again.port == u.port);
	JF_FUZZ_CHECK(same(again.path, u.path));
	JF_FUZZ_CHECK(same(again.query, u.query));
	jf_url_dispose(&again);
	jf_url_dispose(&u);
	free(buf);
	free(text);
	return 0;
}
