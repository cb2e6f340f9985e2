/* Exporter YAML (another team's file): load, walk every driver, read the
 * flasher's settings. Oracle: every secret the loader found is registered,
 * so a text of it alone is masked whole. */
#include "fuzz.h"
#include "jmpflash/config.h"

static void silent(void *user, const jf_log_line *line)
{
	(void)user;
	(void)line;
}

static void walk(const jf_log *log, const jf_driver *d, int depth)
{
	jf_err err = JF_ERR_INIT;
	jf_flasher_config fc;

	JF_FUZZ_CHECK(depth < 64);
	for (size_t i = 0; i < d->nparams; i++)
		if (d->params[i].secret)
			jf_fuzz_check_hidden(log->redact, d->params[i].str);
	if (jf_driver_resolve(d) && jf_driver_resolve(d)->kind == JF_DRIVER_FLASHER)
		jf_flasher_config_get(&fc, d, &err);
	jf_driver_str(d, "url");
	jf_driver_int(d, "baudrate", 1);
	jf_driver_bool(d, "disable_hupcl", false);
	for (size_t i = 0; i < d->nchildren; i++)
		walk(log, d->children[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = jf_fuzz_str(data, size);
	jf_exporter e;
	jf_err err = JF_ERR_INIT;
	jf_log log;

	if (jf_log_init(&log) < 0)
		abort();
	jf_log_set_sink(&log, silent, NULL);
	if (jf_exporter_load_string(&e, "fuzz.yaml", text, &log, &err) == 0) {
		jf_fuzz_check_hidden(log.redact, e.token);
		for (size_t i = 0; i < e.nexports; i++)
			walk(&log, e.exports[i], 0);
		jf_exporter_first_flasher(&e);
		jf_exporter_find(&e, "storage.serial");
		jf_exporter_dispose(&e);
	} else {
		JF_FUZZ_CHECK(err.msg[0]);
	}
	jf_log_dispose(&log);
	free(text);
	return 0;
}
