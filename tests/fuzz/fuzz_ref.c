/* Image references (user input, manifests, exporter configs). Round trip:
 * a reference that parses formats to text that parses to the same thing. */
#include "fuzz.h"
#include "jmpflash/bundle.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = jf_fuzz_str(data, size), buf[2048];
	jf_bundle_ref r, again;
	jf_err err = JF_ERR_INIT;
	int n;

	if (jf_bundle_ref_parse(&r, text, &err) == 0) {
		JF_FUZZ_CHECK(r.registry && r.repository && (r.tag || r.digest));
		n = jf_bundle_ref_format(buf, sizeof(buf), &r);
		JF_FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf));
		if (jf_bundle_ref_parse(&again, buf, &err) != 0) {
			fprintf(stderr, "'%s' formats as '%s', which does not parse: %s\n", text,
			        buf, err.msg);
			abort();
		}
		JF_FUZZ_CHECK(same(r.registry, again.registry));
		JF_FUZZ_CHECK(same(r.repository, again.repository));
		JF_FUZZ_CHECK(same(r.digest, again.digest));
		if (!r.digest)
			JF_FUZZ_CHECK(same(r.tag, again.tag));
		JF_FUZZ_CHECK(r.loopback == again.loopback);
		jf_bundle_ref_dispose(&again);
		jf_bundle_ref_dispose(&r);
	} else {
		JF_FUZZ_CHECK(err.msg[0]);
	}
	free(text);
	return 0;
}
