/* Checksum files and options (downloaded next to an image). Input: file
 * name hint NUL text. Oracle: a digest found is 64 lowercase hex digits
 * that appear (in some case) in the text. */
#include "fuzz.h"
#include "jmpflash/image.h"
#include "jmpflash/sha256.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *hint = jf_fuzz_field(&data, &size, 0);
	char *text = jf_fuzz_str(data, size);
	char out[JF_SHA256_HEX_LEN + 1];
	jf_err err = JF_ERR_INIT;

	if (jf_checksum_parse(out, text, *hint ? hint : NULL, &err) == 0) {
		bool found = false;

		JF_FUZZ_CHECK(strlen(out) == JF_SHA256_HEX_LEN && jf_sha256_hex_valid(out));
		for (const char *c = out; *c; c++)
			JF_FUZZ_CHECK(!(*c >= 'A' && *c <= 'F'));
		for (const char *p = text; *p && !found; p++)
			found = !strncasecmp(p, out, JF_SHA256_HEX_LEN);
		JF_FUZZ_CHECK(found);
	} else {
		JF_FUZZ_CHECK(err.msg[0]);
	}
	free(hint);
	free(text);
	return 0;
}
