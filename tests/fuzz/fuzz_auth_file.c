/* docker config.json / containers auth.json. Input: registry NUL
 * repository NUL file. Oracles: a password found is registered with the
 * log, so no log line can show it; an error never quotes the file. */
#include "fuzz.h"
#include "jmpflash/bundle.h"

static void silent(void *user, const jf_log_line *line)
{
	(void)user;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *registry = jf_fuzz_field(&data, &size, 0);
	char *repository = jf_fuzz_field(&data, &size, 0);
	char *json = jf_fuzz_str(data, size);
	jf_auth_cred cred;
	jf_err err = JF_ERR_INIT;
	jf_log log;

	if (jf_log_init(&log) < 0)
		abort();
	jf_log_set_sink(&log, silent, NULL);
	memset(&cred, 0, sizeof(cred));
	if (jf_auth_file_lookup(&cred, json, "auth.json", registry, repository, &log, &err) == 0) {
		JF_FUZZ_CHECK(cred.password);
		jf_fuzz_check_hidden(log.redact, cred.password);
		jf_auth_cred_dispose(&cred);
	} else {
		/* no quoting of the file's text, which may hold a secret (the
		 * registry named in other errors is ours, not the file's: its
		 * text proves nothing) */
		JF_FUZZ_CHECK(err.msg[0]);
		if (!strstr(registry, " near ") && !strstr(repository, " near "))
			JF_FUZZ_CHECK(!strstr(err.msg, "not a JSON object") ||
			              !strstr(err.msg, " near "));
	}
	jf_log_dispose(&log);
	free(registry);
	free(repository);
	free(json);
	return 0;
}
