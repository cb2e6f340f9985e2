/* jmpflash — flash OS images onto embedded boards through U-Boot, TFTP and
 * HTTP. Global options, then a command (see --help). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char summary[] =
    "jmpflash: flash OS images onto embedded boards through U-Boot, TFTP and HTTP.\n"
    "A drop-in for Jumpstarter's software-defined flasher: it reads the same\n"
    "exporter YAML and flasher bundles.";

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: jmpflash [-c EXPORTER.yaml] [-e EXPORT] [-v|-q] COMMAND [ARGS]...\n\n"
	        "%s\n\n"
	        "Global options:\n"
	        "  -c, --config FILE      exporter YAML (default: "
	        "~/.config/jumpstarter/exporters/default.yaml,\n"
	        "                         then /etc/jumpstarter/exporters/default.yaml)\n"
	        "  -e, --export NAME      which export to use (default: the first flasher)\n"
	        "  -v, --verbose          more log output (debug)\n"
	        "  -q, --quiet            only warnings and errors\n"
	        "      --log-level LEVEL  debug, info, warn or error\n"
	        "      --wait-lock[=SECONDS]  wait for a board another jmpflash is using\n"
	        "                         (default: fail at once; no SECONDS: wait forever)\n"
	        "  -V, --version          print the version and exit\n"
	        "  -h, --help             show this message and exit\n\n"
	        "Commands:\n"
	        "  storage   flash an image, or open the bootloader or busybox shell\n"
	        "  power     switch the board: on, off, cycle\n"
	        "  serial    attach to the board's serial console\n"
	        "  serve     run the TFTP and HTTP servers only\n"
	        "  bundle    pull, push and inspect flasher bundles\n"
	        "  config    check an exporter YAML\n\n"
	        "Run 'jmpflash COMMAND --help' for more. Exit codes: 0 ok, 1 failed, 2 usage or\n"
	        "configuration error, 3 board unreachable, 130 interrupted (board powered off).\n",
	        summary);
}

static int run_serial(cli_ctx *ctx, int argc, char **argv)
{
	return cli_serial_run(ctx, argc, argv);
}

static int run_serve(cli_ctx *ctx, int argc, char **argv)
{
	return cli_serve_run(ctx, argc, argv);
}

/* --wait-lock[=SECONDS]: no value waits forever. */
static int parse_wait(cli_ctx *ctx, const char *v)
{
	char *end;
	long n;

	if (!v) {
		ctx->wait_lock_ms = -1;
		return 0;
	}
	n = strtol(v, &end, 10);
	if (!*v || *end || n < 0 || n > 86400)
		return cli_usage_error("--wait-lock takes seconds (0 to 86400), not '%s'", v);
	ctx->wait_lock_ms = (int)n * 1000;
	return 0;
}

/* The options before the command; -1 to go on, else the exit code. */
static int global_opts(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longs[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"export", required_argument, NULL, 'e'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"log-level", required_argument, NULL, 'L'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {"wait-lock", optional_argument, NULL, 'W'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:e:vqVh", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx->config_path = optarg;
			break;
		case 'e':
			ctx->export_name = optarg;
			break;
		case 'v':
			ctx->log.threshold = JF_LOG_DEBUG;
			break;
		case 'q':
			ctx->log.threshold = JF_LOG_WARN;
			break;
		case 'L':
			if ((rc = jf_log_level_parse(optarg)) < 0)
				return cli_usage_error("--log-level takes debug, info, warn or "
				                       "error, not '%s'",
				                       optarg);
			ctx->log.threshold = (jf_log_level)rc;
			break;
		case 'W':
			if ((rc = parse_wait(ctx, optarg)) != 0)
				return rc;
			break;
		case 'V':
			printf("jmpflash %s\n", JF_VERSION);
			return JF_EXIT_OK;
		case 'h':
			usage(stdout);
			return JF_EXIT_OK;
		default:
			return cli_usage_error(
			    "unknown or incomplete option '%s'; see 'jmpflash --help'",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return JF_EXIT_USAGE;
	}
	return -1;
}

/* @argv[0] is the command. */
static int run_command(cli_ctx *ctx, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "storage"))
		return cli_dispatch(ctx, "jmpflash storage", "Software-defined flasher interface.",
		                    cli_storage_cmds, argc - 1, argv + 1);
	if (!strcmp(cmd, "power"))
		return cli_dispatch(ctx, "jmpflash power", "Switch the board's power.",
		                    cli_power_cmds, argc - 1, argv + 1);
	if (!strcmp(cmd, "bundle"))
		return cli_dispatch(ctx, "jmpflash bundle",
		                    "Pull, push and inspect flasher bundles.", cli_bundle_cmds,
		                    argc - 1, argv + 1);
	if (!strcmp(cmd, "config"))
		return cli_dispatch(ctx, "jmpflash config", "Exporter configuration.",
		                    cli_config_cmds, argc - 1, argv + 1);
	optind = 1;
	if (!strcmp(cmd, "serial"))
		return run_serial(ctx, argc, argv);
	if (!strcmp(cmd, "serve"))
		return run_serve(ctx, argc, argv);
	return cli_usage_error("'%s' is not a jmpflash command; see 'jmpflash --help'", cmd);
}

int main(int argc, char **argv)
{
	cli_ctx ctx;
	int rc;

	/* A peer that hangs up must give EPIPE, not kill us mid-cleanup. */
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof(ctx));
	if (jf_log_init(&ctx.log) < 0) {
		fputs("jmpflash: out of memory\n", stderr);
		return JF_EXIT_FAILED;
	}
	jf_log_set_sink(&ctx.log, jf_log_stderr_sink, NULL);
	if ((rc = global_opts(&ctx, argc, argv)) < 0)
		rc = run_command(&ctx, argc - optind, argv + optind);
	cli_unlock_all(&ctx);
	jf_log_dispose(&ctx.log);
	return rc;
}
