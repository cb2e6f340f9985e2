/* Flasher bundle manifest YAML (from a registry): load and query it.
 * Oracles: every file it names is a safe bundle path, every target has a
 * device, the default variant exists, and the password is registered. */
#include "fuzz.h"
#include "jmpflash/manifest.h"

static void silent(void *user, const jf_log_line *line)
{
	(void)user;
	(void)line;
}

static void check_file(const char *file)
{
	if (file)
		JF_FUZZ_CHECK(jf_bundle_path_ok(file));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = jf_fuzz_str(data, size);
	jf_manifest m;
	jf_err err = JF_ERR_INIT;
	jf_log log;

	if (jf_log_init(&log) < 0)
		abort();
	jf_log_set_sink(&log, silent, NULL);
	if (jf_manifest_load_string(&m, "manifest.yaml", text, &log, &err) == 0) {
		check_file(m.kernel.file);
		if (m.has_initram)
			check_file(m.initram.file);
		for (size_t i = 0; i < m.nvariants; i++) {
			check_file(m.variants[i].file);
			JF_FUZZ_CHECK(jf_manifest_bootcmd(&m, m.variants[i].name));
		}
		for (size_t i = 0; i < m.ntargets; i++)
			JF_FUZZ_CHECK(jf_manifest_target_device(&m, m.targets[i].name));
		if (m.nvariants)
			JF_FUZZ_CHECK(jf_manifest_variant_get(&m, NULL));
		jf_manifest_target_device(&m, m.default_target ? m.default_target : "");
		jf_fuzz_check_hidden(log.redact, m.login.password);
		jf_manifest_dispose(&m);
	} else {
		JF_FUZZ_CHECK(err.msg[0]);
	}
	jf_log_dispose(&log);
	free(text);
	return 0;
}
