/* WWW-Authenticate challenges (registry answers). Oracle: a parsed
 * challenge has a scheme, and a Bearer challenge a realm. */
#include "fuzz.h"
#include "jmpflash/bundle.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = jf_fuzz_str(data, size);
	jf_auth_challenge c;
	jf_err err = JF_ERR_INIT;

	memset(&c, 0, sizeof(c));
	if (jf_auth_challenge_parse(&c, text, &err) == 0) {
		JF_FUZZ_CHECK(c.scheme && *c.scheme);
		if (!strcasecmp(c.scheme, "bearer"))
			JF_FUZZ_CHECK(c.realm);
	} else {
		JF_FUZZ_CHECK(err.msg[0]);
	}
	jf_auth_challenge_dispose(&c);
	free(text);
	return 0;
}
