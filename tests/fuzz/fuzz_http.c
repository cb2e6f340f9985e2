/* The HTTP server's request inputs: Range, If-Modified-Since and
 * If-None-Match headers, and the request path (after libmicrohttpd's
 * percent-decoding) as the root confinement checks it. Input: fields
 * separated by NUL: range, path, date, if-none-match, etag.
 * Oracles: a range lies inside the file; an accepted path has no '..'
 * component, is relative and has no control character; escape_path then
 * url_decode gives the path back; a parsed date formats and parses to the
 * same time. */
#include "fuzz.h"
#include "jmpflash/url.h"
#include "net/fsroot.h"
#include "net/http_util.h"

static void check_path(const char *path)
{
	jf_err err = JF_ERR_INIT;
	jf_buf esc = JF_BUF_INIT;

	if (jf_net__check_path(path, &err) == 0) {
		const char *p = path;

		JF_FUZZ_CHECK(*path && *path != '/');
		for (const char *c = path; *c; c++)
			JF_FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
		while (*p) {
			size_t n = strcspn(p, "/");

			JF_FUZZ_CHECK(!(n == 2 && !strncmp(p, "..", 2)));
			p += n + (p[n] == '/');
		}
	}
	if (*path) {
		char *back;

		JF_FUZZ_CHECK(jf_net__http_escape_path(&esc, path) == 0);
		back = jf_url_decode(esc.ptr, esc.len);
		JF_FUZZ_CHECK(back && !strcmp(back, path));
		free(back);
	}
	jf_buf_free(&esc);
}

static void check_date(const char *s)
{
	time_t t, again;
	char buf[64];

	if (!jf_net__http_parse_date(s, &t) || t < 0 || t > (time_t)253402300799) /* year 9999 */
		return;
	jf_net__http_format_date(buf, sizeof(buf), t);
	JF_FUZZ_CHECK(jf_net__http_parse_date(buf, &again));
	JF_FUZZ_CHECK(again == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *range = jf_fuzz_field(&data, &size, 0);
	char *path = jf_fuzz_field(&data, &size, 0);
	char *date = jf_fuzz_field(&data, &size, 0);
	char *inm = jf_fuzz_field(&data, &size, 0);
	char *etag = jf_fuzz_str(data, size);
	uint64_t sizes[] = {0, 1, 512, UINT64_MAX}, first, last;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int kind = jf_net__http_parse_range(range, sizes[i], &first, &last);

		JF_FUZZ_CHECK(kind == JF_RANGE_NONE || kind == JF_RANGE_OK ||
		              kind == JF_RANGE_UNSATISFIABLE);
		if (kind == JF_RANGE_OK)
			JF_FUZZ_CHECK(first <= last && last < sizes[i]);
	}
	check_path(path);
	check_date(date);
	jf_net__http_etag_match(inm, etag);
	free(range);
	free(path);
	free(date);
	free(inm);
	free(etag);
	return 0;
}
