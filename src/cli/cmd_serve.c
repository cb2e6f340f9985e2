/* jmpflash serve: run the TFTP and HTTP servers until Ctrl-C or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jmpflash/http.h"
#include "jmpflash/tftp.h"

enum {
	O_TFTP_ROOT = 0x100,
	O_HTTP_ROOT,
	O_TFTP_PORT,
	O_HTTP_PORT,
	O_BIND,
	O_UPLOAD,
	O_TOKEN,
	O_MAX_UPLOAD
};

const cli_opt cli_serve_opts[] = {
    {"tftp-root", 0, "DIR", "Serve DIR over TFTP", O_TFTP_ROOT},
    {"http-root", 0, "DIR", "Serve DIR over HTTP", O_HTTP_ROOT},
    {"tftp-port", 0, "N", "TFTP port (default {tftp.port}; 0 picks a free one)", O_TFTP_PORT},
    {"http-port", 0, "N", "HTTP port (default {http.port}; 0 picks a free one)", O_HTTP_PORT},
    {"bind", 0, "ADDR", "Address to listen on (default: all, IPv4 and IPv6)", O_BIND},
    {"allow-upload", 0, NULL, "Accept uploads (TFTP WRQ, HTTP PUT)", O_UPLOAD},
    {"http-token", 0, "TOKEN", "HTTP PUT needs 'Authorization: Bearer TOKEN'", O_TOKEN},
    {"max-upload", 0, "BYTES", "Largest upload accepted (default: no limit)", O_MAX_UPLOAD},
    CLI_OPT_END,
};

static const cli_cmd serve_cmd = {
    "serve", "[OPTIONS]", "Run the TFTP and HTTP servers until Ctrl-C", cli_serve_opts, NULL};

typedef struct serve_args {
	const char *tftp_root, *http_root, *bind, *token;
	long tftp_port, http_port;
	bool upload;
	unsigned long long max_upload;
} serve_args;

static int parse_port(const char *s, const char *what, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 65535)
		return cli_usage_error("%s takes a port number 0..65535, not '%s'", what, s);
	*out = v;
	return 0;
}

static int parse_args(serve_args *a, int argc, char **argv)
{
	int c;

	/* serve listens where an exporter's tftp and http servers do */
	if (parse_port(cli_schema_default("tftp", "port"), "--tftp-port", &a->tftp_port) ||
	    parse_port(cli_schema_default("http", "port"), "--http-port", &a->http_port))
		return JF_EXIT_USAGE;

	while ((c = cli_getopt("jmpflash", &serve_cmd, argc, argv)) != -1) {
		switch (c) {
		case CLI_HELP_ID:
			cli_help("jmpflash", &serve_cmd);
			return 1;
		case O_TFTP_ROOT:
			a->tftp_root = optarg;
			break;
		case O_HTTP_ROOT:
			a->http_root = optarg;
			break;
		case O_BIND:
			a->bind = optarg;
			break;
		case O_UPLOAD:
			a->upload = true;
			break;
		case O_TOKEN:
			a->token = optarg;
			break;
		case O_MAX_UPLOAD: {
			char *end;

			errno = 0;
			a->max_upload = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg)
				return cli_usage_error(
				    "--max-upload takes a number of bytes, not '%s'", optarg);
			break;
		}
		case O_TFTP_PORT:
			if (parse_port(optarg, "--tftp-port", &a->tftp_port))
				return JF_EXIT_USAGE;
			break;
		case O_HTTP_PORT:
			if (parse_port(optarg, "--http-port", &a->http_port))
				return JF_EXIT_USAGE;
			break;
		default:
			return JF_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("serve takes no arguments, got '%s'", argv[optind]);
	if (!a->tftp_root && !a->http_root)
		return cli_usage_error("serve needs --tftp-root DIR, --http-root DIR or both");
	return 0;
}

/* Start the servers @a asks for, with @ctx's log. */
static int start_servers(cli_ctx *ctx, const serve_args *a, jf_tftp_server **tftp,
                         jf_http_server **http)
{
	jf_http_opts ho = JF_HTTP_OPTS_INIT;
	jf_tftp_opts to = JF_TFTP_OPTS_INIT;
	jf_err err = JF_ERR_INIT;

	if (a->tftp_root) {
		to.root = a->tftp_root;
		to.bind = a->bind;
		to.port = (uint16_t)a->tftp_port;
		to.allow_write = a->upload;
		to.max_upload = a->max_upload;
		to.log = &ctx->log;
		if (jf_tftp_server_start(tftp, &to, &err) < 0)
			return cli_fail(ctx, &err);
		cli_out(ctx, "tftp: listening on port %u, root %s\n", jf_tftp_server_port(*tftp),
		        a->tftp_root);
	}
	if (a->http_root) {
		ho.root = a->http_root;
		ho.bind = a->bind;
		ho.port = (uint16_t)a->http_port;
		ho.allow_upload = a->upload;
		ho.token = a->token;
		ho.max_upload = a->max_upload;
		ho.log = &ctx->log;
		if (jf_http_server_start(http, &ho, &err) < 0)
			return cli_fail(ctx, &err);
		cli_out(ctx, "http: listening on port %u, root %s\n", jf_http_server_port(*http),
		        a->http_root);
	}
	return JF_EXIT_OK;
}

/* Serve until a signal (cli_cancel). The servers' threads start with the
 * signals blocked, so only this thread takes them and their system calls
 * are never interrupted. */
int cli_serve_run(cli_ctx *ctx, int argc, char **argv)
{
	serve_args a = {0};
	cli_cancel cancel = CLI_CANCEL_INIT;
	jf_http_server *http = NULL;
	jf_tftp_server *tftp = NULL;
	jf_err err = JF_ERR_INIT;
	sigset_t set;
	int rc, sig;

	if ((rc = parse_args(&a, argc, argv)) != 0)
		return rc == 1 ? JF_EXIT_OK : rc;
	if (cli_cancel_begin(&cancel, &err) < 0)
		return cli_fail(ctx, &err);
	cli_cancel_sigset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rc = start_servers(ctx, &a, &tftp, &http);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (rc != JF_EXIT_OK)
		goto done;
	cli_out(ctx, "ready\n"); /* scripts wait for this line */
	fflush(stdout);
	sig = cli_cancel_wait(&cancel);
	jf_info(&ctx->log, "serve", "stopping on %s", cli_cancel_signal_name(sig));
	rc = JF_EXIT_OK;
done:
	jf_http_server_stop(http);
	jf_tftp_server_stop(tftp);
	cli_cancel_end(&cancel);
	return rc;
}
