#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jmpflash/buf.h"

/* Standard output: the format's own words are written as they are and every
 * %s value is redacted on its own (jf_redact_vformat), so a secret that
 * happens to be a word jmpflash uses ("password") masks only the value. */
void cli_out(cli_ctx *ctx, const char *fmt, ...)
{
	jf_buf out = JF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (jf_redact_vformat(ctx->log.redact, &out, fmt, ap) == 0)
		fwrite(out.ptr, 1, out.len, stdout);
	va_end(ap);
	jf_buf_free(&out);
}

int cli_exit_code(int code)
{
	switch (code) {
	case JF_OK:
		return JF_EXIT_OK;
	case JF_EINVAL:
	case JF_ECONFIG:
	case JF_ENOTFOUND:
	case JF_ENOTIMPL:
		return JF_EXIT_USAGE;
	case JF_EUNREACHABLE:
		return JF_EXIT_UNREACHABLE;
	default:
		return JF_EXIT_FAILED;
	}
}

int cli_fail(cli_ctx *ctx, const jf_err *err)
{
	jf_err copy = *err;

	jf_log_redact_err(&ctx->log, &copy);
	fprintf(stderr, "jmpflash: error: %s\n", copy.msg[0] ? copy.msg : jf_strerror(copy.code));
	return cli_exit_code(copy.code);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("jmpflash: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return JF_EXIT_USAGE;
}

/* As upstream: $JMP_CLIENT_CONFIG_HOME or $XDG_CONFIG_HOME/jumpstarter (else
 * ~/.config/jumpstarter), then /etc/jumpstarter, each + exporters/default.yaml. */
static int find_default_config(char *buf, size_t size)
{
	const char *home = getenv("JMP_CLIENT_CONFIG_HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *user = getenv("HOME");
	FILE *f;

	if (home && *home)
		snprintf(buf, size, "%s/exporters/default.yaml", home);
	else if (xdg && *xdg)
		snprintf(buf, size, "%s/jumpstarter/exporters/default.yaml", xdg);
	else
		snprintf(buf, size, "%s/.config/jumpstarter/exporters/default.yaml",
		         user ? user : "");
	if ((f = fopen(buf, "r"))) {
		fclose(f);
		return 0;
	}
	snprintf(buf, size, "/etc/jumpstarter/exporters/default.yaml");
	if ((f = fopen(buf, "r"))) {
		fclose(f);
		return 0;
	}
	return -1;
}

int cli_load_exporter(cli_ctx *ctx, jf_exporter *out, jf_err *err)
{
	char path[4096];

	if (ctx->config_path)
		return jf_exporter_load(out, ctx->config_path, &ctx->log, err);
	if (find_default_config(path, sizeof(path)) < 0)
		return jf_err_set(err, JF_ENOTFOUND,
		                  "no exporter config given; pass -c exporter.yaml (or create "
		                  "~/.config/jumpstarter/exporters/default.yaml)");
	return jf_exporter_load(out, path, &ctx->log, err);
}
