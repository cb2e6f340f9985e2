/* OCI / Docker image manifests and indexes (registry answers). Oracles:
 * every layer a parsed manifest keeps has a safe title and a sha256 digest;
 * a picked index entry is a digest. */
#include "bundle/bundle_int.h"
#include "fuzz.h"
#include "jmpflash/manifest.h"
#include "jmpflash/sha256.h"

static bool digest_ok(const char *d)
{
	return d && strlen(d) == 71 && !strncmp(d, "sha256:", 7) && jf_sha256_hex_valid(d + 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jf_bundle_info info;
	jf_err err = JF_ERR_INIT;
	char *digest = NULL;

	memset(&info, 0, sizeof(info));
	if (jf_bundle__parse_manifest(&info, (const char *)data, size, "fuzz", &err) == 0) {
		JF_FUZZ_CHECK(info.nlayers > 0);
		for (size_t i = 0; i < info.nlayers; i++) {
			JF_FUZZ_CHECK(jf_bundle_path_ok(info.layers[i].title));
			JF_FUZZ_CHECK(digest_ok(info.layers[i].digest));
			for (size_t j = 0; j < i; j++) /* two layers, one file */
				JF_FUZZ_CHECK(strcmp(info.layers[i].title, info.layers[j].title));
		}
	}
	jf_bundle_info_dispose(&info);
	if (jf_bundle__is_index((const char *)data, size) &&
	    jf_bundle__index_pick(&digest, (const char *)data, size, "fuzz", &err) == 0)
		JF_FUZZ_CHECK(digest_ok(digest));
	free(digest);
	return 0;
}
