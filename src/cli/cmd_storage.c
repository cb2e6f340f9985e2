/* jmpflash storage flash | bootloader-shell | busybox-shell: upstream's
 * `j storage`, as a thin user of the flasher library. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jmpflash/flasher.h"
#include "progress.h"

#define JF_EXIT_CANCELED 130
#define MAX_LIST         16

enum {
	O_PARTITION = 0x100,
	O_CHECKSUM,
	O_CHECKSUM_FILE,
	O_FORCE_HTTP,
	O_FORCE_BUNDLE,
	O_CONSOLE_DEBUG,
	O_CACERT,
	O_HEADER,
	O_BEARER,
	O_RETRIES,
	O_METHOD,
	O_BMAP,
	O_FLS_URL,
	O_FLS_VERSION,
	O_POWER_OFF,
	O_NO_POWER_OFF,
	O_VARIANT,
	O_JSON,
	O_TARGET,
	O_KERNEL,
	O_INITRAM,
	O_DTB,
	O_TRANSCRIPT,
	O_UBOOT_TIMEOUT,
	O_BOOT_TIMEOUT,
};

static const cli_opt flash_opts[] = {
    {"target", 0, "NAME", "Target from the manifest's targets (default: default_target)", O_TARGET},
    {"target-file", 't', "PART:FILE", "Flash FILE to partition PART (repeatable)", 0},
    {"partition", 0, "TEXT", "Partition (label) or target name to flash", O_PARTITION},
    {"os-image-checksum", 0, "TEXT", "SHA256 checksum of OS image (direct value)", O_CHECKSUM},
    {"os-image-checksum-file", 0, "FILE", "File containing SHA256 checksum of OS image",
     O_CHECKSUM_FILE},
    {"force-exporter-http", 0, NULL, "Force use of exporter HTTP", O_FORCE_HTTP},
    {"force-flash-bundle", 0, "TEXT", "Force use of a specific flasher OCI bundle", O_FORCE_BUNDLE},
    {"console-debug", 0, NULL, "Enable console debug mode", O_CONSOLE_DEBUG},
    {"cacert", 0, "FILE", "CA certificate to use for HTTPS", O_CACERT},
    {"insecure-tls", 'k', NULL, "Skip TLS certificate verification", 0},
    {"header", 0, "'K: V'", "Extra HTTP header for the image download (repeatable)", O_HEADER},
    {"bearer", 0, "TOKEN", "Bearer token for the image download", O_BEARER},
    {"retries", 0, "N", "Retries after a failed attempt (default {retries})", O_RETRIES},
    {"method", 0, "shell|agent|fls",
     "How the board writes the image (default {method}: "
     "jmpflash-agent, also 'fls'; shell: busybox tools)",
     O_METHOD},
    {"bmap", 0, "FILE", "bmaptool block map: write only mapped blocks (default: IMAGE.bmap)",
     O_BMAP},
    {"fls-binary-url", 0, "URL", "Have the board run this fls binary (upstream's command line)",
     O_FLS_URL},
    {"fls-version", 0, "TEXT", "Accepted for upstream compatibility; the built-in agent is used",
     O_FLS_VERSION},
    {"power-off", 0, NULL, "Power the board off when done (default)", O_POWER_OFF},
    {"no-power-off", 0, NULL, "Leave the board powered when done", O_NO_POWER_OFF},
    {"variant", 0, "DTB", "DTB variant from the bundle manifest", O_VARIANT},
    {"kernel", 0, "FILE", "Boot this kernel instead of the bundle's", O_KERNEL},
    {"initram", 0, "FILE", "Boot this initramfs instead of the bundle's", O_INITRAM},
    {"dtb", 0, "FILE", "Boot this device tree instead of the bundle's", O_DTB},
    {"json", 0, NULL, "Print one JSON event per line (steps, progress, result)", O_JSON},
    {"transcript", 0, "FILE", "Append the console transcript to FILE", O_TRANSCRIPT},
    {"uboot-timeout", 0, "SECONDS",
     "How long to wait for U-Boot after power on (default {flasher.uboot_timeout})",
     O_UBOOT_TIMEOUT},
    {"boot-timeout", 0, "SECONDS",
     "How long to wait from the boot command to the login prompt (default "
     "{flasher.boot_timeout})",
     O_BOOT_TIMEOUT},
    CLI_OPT_END,
};

static const cli_opt shell_opts[] = {
    {"console-debug", 0, NULL, "Enable console debug mode", O_CONSOLE_DEBUG},
    {"force-flash-bundle", 0, "TEXT", "Force use of a specific flasher OCI bundle", O_FORCE_BUNDLE},
    {"variant", 0, "DTB", "DTB variant from the bundle manifest", O_VARIANT},
    {"kernel", 0, "FILE", "Boot this kernel instead of the bundle's", O_KERNEL},
    {"initram", 0, "FILE", "Boot this initramfs instead of the bundle's", O_INITRAM},
    {"dtb", 0, "FILE", "Boot this device tree instead of the bundle's", O_DTB},
    {"uboot-timeout", 0, "SECONDS",
     "How long to wait for U-Boot after power on (default {flasher.uboot_timeout})",
     O_UBOOT_TIMEOUT},
    {"boot-timeout", 0, "SECONDS",
     "How long to wait from the boot command to the login prompt (default "
     "{flasher.boot_timeout})",
     O_BOOT_TIMEOUT},
    CLI_OPT_END,
};

static int flash_run(cli_ctx *ctx, int argc, char **argv);
static int bootloader_run(cli_ctx *ctx, int argc, char **argv);
static int busybox_run(cli_ctx *ctx, int argc, char **argv);

const cli_cmd cli_storage_cmds[] = {
    {"bootloader-shell", "[OPTIONS]", "Start a uboot/bootloader interactive console", shell_opts,
     bootloader_run},
    {"busybox-shell", "[OPTIONS]", "Start a busybox shell", shell_opts, busybox_run},
    {"flash", "[OPTIONS] [FILE]",
     "Flash image to DUT from file (a path, an http(s) URL or -t PART:FILE)", flash_opts,
     flash_run},
    {NULL, NULL, NULL, NULL, NULL},
};

static int exit_code(int code)
{
	switch (code) {
	case JF_OK:
		return JF_EXIT_OK;
	case JF_EINVAL:
	case JF_ECONFIG:
	case JF_ENOTIMPL:
		return JF_EXIT_USAGE;
	case JF_EUNREACHABLE:
		return JF_EXIT_UNREACHABLE;
	case JF_ECANCELED:
		return JF_EXIT_CANCELED;
	default:
		return JF_EXIT_FAILED;
	}
}

/* The options of flash and of the shells (theirs are a subset: getopt
 * returns only what the command's table lists) and the session they run:
 * signals (cli_cancel) cancel the flasher, which powers the board off and
 * frees the ports on its way out. */
typedef struct storage_session {
	jf_flasher_opts fo;
	jf_flash_opts o;
	const char *kernel, *initram, *dtb;
	bool json;
	const char *headers[MAX_LIST + 1];
	jf_flash_part parts[MAX_LIST];
	size_t nheaders, nparts;
	cli_cancel cancel;
	cli_progress prog;
	jf_exporter e;
	jf_flasher *f;
} storage_session;

static void session_init(storage_session *s)
{
	static const jf_flasher_opts fo = JF_FLASHER_OPTS_INIT;
	static const jf_flash_opts o = JF_FLASH_OPTS_INIT;
	static const cli_cancel cancel = CLI_CANCEL_INIT;

	memset(s, 0, sizeof(*s));
	s->fo = fo;
	s->o = o;
	s->cancel = cancel;
}

static int parse_uint(const char *name, const char *v, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n > max)
		return cli_usage_error("%s takes a whole number from 0 to %u, not '%s'", name, max,
		                       v);
	*out = (unsigned)n;
	return 0;
}

/* Options the shells share with flash: 0, an exit code, or -1 for not one
 * of them. */
static int common_opt(storage_session *s, int c)
{
	unsigned v = 0;

	switch (c) {
	case O_CONSOLE_DEBUG:
		s->fo.console_debug = true;
		return 0;
	case O_FORCE_BUNDLE:
		s->fo.force_bundle = optarg;
		return 0;
	case O_VARIANT:
		s->fo.variant = optarg;
		return 0;
	case O_KERNEL:
		s->kernel = optarg;
		return 0;
	case O_INITRAM:
		s->initram = optarg;
		return 0;
	case O_DTB:
		s->dtb = optarg;
		return 0;
	case O_JSON:
		s->json = true;
		return 0;
	case O_TRANSCRIPT:
		s->fo.transcript = optarg;
		return 0;
	case O_UBOOT_TIMEOUT:
		if (parse_uint("--uboot-timeout", optarg, 86400, &v))
			return JF_EXIT_USAGE;
		s->fo.uboot_timeout_s = v;
		return 0;
	case O_BOOT_TIMEOUT:
		if (parse_uint("--boot-timeout", optarg, 86400, &v))
			return JF_EXIT_USAGE;
		s->fo.boot_timeout_s = v;
		return 0;
	}
	return -1;
}

static int split_part(jf_flash_part *p, char *arg)
{
	char *colon = strchr(arg, ':');

	if (!colon || colon == arg || !colon[1])
		return cli_usage_error("-t takes PART:FILE (a partition label and an image), not "
		                       "'%s'",
		                       arg);
	*colon = '\0';
	p->partition = arg;
	p->image = colon + 1;
	return 0;
}

const char *const cli_method_names[2] = {
    [JF_METHOD_SHELL] = "shell",
    [JF_METHOD_AGENT] = "agent",
};

static int parse_method(jf_flash_opts *o, const char *v)
{
	if (!strcmp(v, "fls"))
		v = cli_method_names[JF_METHOD_AGENT];
	for (size_t i = 0; i < sizeof(cli_method_names) / sizeof(cli_method_names[0]); i++)
		if (!strcmp(v, cli_method_names[i])) {
			o->method = (jf_flash_method)i;
			return 0;
		}
	return cli_usage_error("--method takes shell, agent or fls, not '%s'", v);
}

/* Options only flash has: 0 or an exit code. */
static int flash_opt(cli_ctx *ctx, storage_session *s, int c)
{
	jf_flash_opts *o = &s->o;
	unsigned v = 0;

	switch (c) {
	case O_TARGET:
		o->target = optarg;
		return 0;
	case 't':
		if (s->nparts == MAX_LIST)
			return cli_usage_error("at most %d -t options", MAX_LIST);
		return split_part(&s->parts[s->nparts++], optarg);
	case O_PARTITION:
		o->partition = optarg;
		return 0;
	case O_CHECKSUM:
		o->checksum = optarg;
		return 0;
	case O_CHECKSUM_FILE:
		o->checksum_file = optarg;
		return 0;
	case O_FORCE_HTTP:
		o->force_exporter_http = true;
		return 0;
	case O_CACERT:
		o->cacert = optarg;
		return 0;
	case 'k':
		o->insecure_tls = true;
		return 0;
	case O_HEADER:
		if (s->nheaders == MAX_LIST)
			return cli_usage_error("at most %d --header options", MAX_LIST);
		s->headers[s->nheaders++] = optarg;
		return 0;
	case O_BEARER:
		o->bearer = optarg;
		return 0;
	case O_RETRIES:
		if (parse_uint("--retries", optarg, 20, &v))
			return JF_EXIT_USAGE;
		o->retries = (int)v;
		return 0;
	case O_METHOD:
		return parse_method(o, optarg);
	case O_BMAP:
		o->bmap = optarg;
		return 0;
	case O_FLS_URL:
		o->fls_binary_url = optarg;
		o->method = JF_METHOD_AGENT;
		return 0;
	case O_FLS_VERSION:
		jf_warn(&ctx->log, "cli",
		        "--fls-version %s: ignored, the built-in "
		        "jmpflash-agent is used",
		        optarg);
		return 0;
	case O_POWER_OFF:
		o->no_power_off = false;
		return 0;
	case O_NO_POWER_OFF:
		o->no_power_off = true;
		return 0;
	}
	return JF_EXIT_USAGE;
}

/* @cmd's options into @s. True to go on; false to exit with *code (--help
 * printed, or a usage error reported). */
static bool parse_opts(cli_ctx *ctx, const cli_cmd *cmd, int argc, char **argv, storage_session *s,
                       int *code)
{
	static const char *const prefix = "jmpflash storage";
	int c, rc;

	while ((c = cli_getopt(prefix, cmd, argc, argv)) != -1) {
		if (c == CLI_HELP_ID) {
			cli_help(prefix, cmd);
			*code = JF_EXIT_OK;
			return false;
		}
		if (c == '?')
			rc = JF_EXIT_USAGE;
		else if ((rc = common_opt(s, c)) < 0)
			rc = flash_opt(ctx, s, c);
		if (rc) {
			*code = rc;
			return false;
		}
	}
	return true;
}

/* The flasher export's board, serial line and power port are ours until
 * exit. A wrong export name is left for jf_flasher_new() to report. */
static int lock_board(cli_ctx *ctx, const jf_exporter *e, const char *owner, jf_err *err)
{
	const jf_driver *d =
	    ctx->export_name ? jf_exporter_find(e, ctx->export_name) : jf_exporter_first_flasher(e);

	if (!d || d->kind != JF_DRIVER_FLASHER)
		return 0;
	return cli_lock_board(ctx, e, d, jf_driver_child(d, "serial"), jf_driver_child(d, "power"),
	                      owner, err);
}

static int report(cli_ctx *ctx, int error, jf_err *err)
{
	if (error < 0) {
		jf_log_redact_err(&ctx->log, err);
		fprintf(stderr, "jmpflash: error: %s\n", err->msg);
	}
	return exit_code(error);
}

static int finish(cli_ctx *ctx, storage_session *s, int error, jf_err *err)
{
	/* still under cli_cancel: a second Ctrl-C cannot cut the power-off short */
	jf_flasher_free(s->f); /* powers off what we powered on, frees the ports */
	jf_exporter_dispose(&s->e);
	cli_cancel_end(&s->cancel);
	return report(ctx, error, err);
}

/* Build the flasher, watching the CLI's signals from here on; on failure
 * print and return the exit code, with nothing left to clean up. */
static int make_flasher(cli_ctx *ctx, storage_session *s, const char *owner)
{
	jf_err err = JF_ERR_INIT;

	cli_progress_init(&s->prog, s->json);
	jf_log_set_sink(&ctx->log, cli_progress_log_sink, &s->prog);
	if (cli_load_exporter(ctx, &s->e, &err) < 0)
		return cli_fail(ctx, &err);
	if (lock_board(ctx, &s->e, owner, &err) < 0) {
		jf_exporter_dispose(&s->e);
		return cli_fail(ctx, &err);
	}
	if (cli_cancel_begin(&s->cancel, &err) < 0) {
		jf_exporter_dispose(&s->e);
		return cli_usage_error("cannot set up signal handling");
	}
	s->fo.export_name = ctx->export_name;
	s->fo.cancel_fd = s->cancel.fds[0];
	s->fo.on_event = cli_progress_event;
	s->fo.user = &s->prog;
	if (jf_flasher_new(&s->f, &s->e, &s->fo, &ctx->log, &err) < 0 ||
	    (s->kernel && jf_use_kernel(s->f, s->kernel, &err) < 0) ||
	    (s->initram && jf_use_initram(s->f, s->initram, &err) < 0) ||
	    (s->dtb && jf_use_dtb(s->f, s->dtb, &err) < 0)) {
		int code = finish(ctx, s, err.code, &err);

		return code ? code : JF_EXIT_FAILED;
	}
	return 0;
}

/* The image argument and the checks getopt cannot make. */
static int flash_args(cli_ctx *ctx, storage_session *s, int argc, char **argv)
{
	jf_flash_opts *o = &s->o;

	if (o->bearer)
		jf_log_secret(&ctx->log, o->bearer);
	if (optind < argc - 1)
		return cli_usage_error(
		    "flash takes one image; see 'jmpflash storage flash --help'");
	if (optind == argc - 1)
		o->image = argv[optind];
	if (!o->image && !s->nparts)
		return cli_usage_error("flash needs an image (FILE or URL) or -t PART:FILE; see "
		                       "'jmpflash storage flash --help'");
	if (o->checksum && o->checksum_file)
		return cli_usage_error("give --os-image-checksum or --os-image-checksum-file, not "
		                       "both");
	o->headers = s->nheaders ? s->headers : NULL;
	o->parts = s->parts;
	o->nparts = s->nparts;
	return 0;
}

static int flash_run(cli_ctx *ctx, int argc, char **argv)
{
	storage_session s;
	jf_err err = JF_ERR_INIT;
	int rc, error;

	session_init(&s);
	if (!parse_opts(ctx, &cli_storage_cmds[2], argc, argv, &s, &rc))
		return rc;
	if ((rc = flash_args(ctx, &s, argc, argv)) ||
	    (rc = make_flasher(ctx, &s, "jmpflash storage flash")))
		return rc;
	error = jf_flash(s.f, &s.o, &err);
	return finish(ctx, &s, error, &err);
}

static int shell_run(cli_ctx *ctx, int argc, char **argv, const cli_cmd *cmd, bool busybox)
{
	storage_session s;
	jf_interact_opts io = {STDIN_FILENO, STDOUT_FILENO, -1, 0, 0, false};
	jf_err err = JF_ERR_INIT;
	char esc[64];
	int rc, error;

	session_init(&s);
	if (!parse_opts(ctx, cmd, argc, argv, &s, &rc))
		return rc;
	if (optind != argc)
		return cli_usage_error("%s takes no arguments", cmd->name);
	if ((rc = make_flasher(ctx, &s,
	                       busybox ? "jmpflash storage busybox-shell"
	                               : "jmpflash storage bootloader-shell")))
		return rc;
	io.cancel_fd = s.cancel.fds[0];
	jf_info(&ctx->log, "cli", "Leave the %s with %s", busybox ? "shell" : "bootloader",
	        jf_interact_escape_text(&io, esc, sizeof(esc)));
	error = busybox ? jf_busybox_shell(s.f, &io, &err) : jf_bootloader_shell(s.f, &io, &err);
	return finish(ctx, &s, error, &err);
}

static int bootloader_run(cli_ctx *ctx, int argc, char **argv)
{
	return shell_run(ctx, argc, argv, &cli_storage_cmds[0], false);
}

static int busybox_run(cli_ctx *ctx, int argc, char **argv)
{
	return shell_run(ctx, argc, argv, &cli_storage_cmds[1], true);
}
