/* The bundle commands' shared registry options and progress bar. */
#ifndef JF_BUNDLE_CLI_H
#define JF_BUNDLE_CLI_H

#include <stdint.h>

#include "cli.h"
#include "jmpflash/bundle.h"

enum {
	CB_CACHE_DIR = 0x200,
	CB_OFFLINE,
	CB_CACERT,
	CB_PLAIN_HTTP,
	CB_USERNAME,
	CB_PASSWORD,
	CB_PASSWORD_STDIN,
	CB_AUTHFILE,
	CB_NO_PROGRESS,
	CB_LIMIT_RATE,
};

/* The options of pull and inspect (push takes the registry half). */
#define CLI_BUNDLE_REG_OPTS                                                                        \
	{"cache-dir", 0, "DIR",                                                                    \
	 "Bundle cache (default: $JMPFLASH_CACHE_DIR, "                                            \
	 "{flasher.cache_dir} or ~/.cache/jmpflash/flasher)",                                      \
	 CB_CACHE_DIR},                                                                            \
	    {"offline", 0, NULL, "Use only the local cache", CB_OFFLINE},                          \
	    {"username", 'u', "USER", "Registry user name (else env, then auth files)", 0},        \
	    {"password", 'p', "PASS", "Registry password or token", 0},                            \
	    {"password-stdin", 0, NULL, "Read the password from stdin", CB_PASSWORD_STDIN},        \
	    {"authfile", 0, "FILE", "docker config.json or containers auth.json to use",           \
	     CB_AUTHFILE},                                                                         \
	    {"insecure-tls", 'k', NULL, "Skip TLS certificate verification", 0},                   \
	    {"cacert", 0, "FILE", "CA certificate to use for HTTPS", CB_CACERT},                   \
	    {"plain-http", 0, NULL, "Use plain http:// (loopback registries fall back to it)",     \
	     CB_PLAIN_HTTP},                                                                       \
	    {"limit-rate", 0, "BYTES", "Download at most BYTES per second (k, M suffixes)",        \
	     CB_LIMIT_RATE},                                                                       \
	{                                                                                          \
		"no-progress", 0, NULL, "No progress bar", CB_NO_PROGRESS                          \
	}

typedef struct cli_bundle_args {
	const char *manifest;
	const char *cache_dir;
	bool offline, insecure_tls, plain_http, password_stdin, no_progress;
	const char *cacert, *username, *password, *authfile;
	uint64_t limit_rate;
	char *password_buf;
	char cache_buf[4096];
} cli_bundle_args;

typedef struct cli_progress {
	char *what;
	uint64_t start_ms, last_ms, start_bytes;
	bool drawn;
} cli_progress;

extern const cli_opt cli_bundle_push_opts[];

int cli_bundle_parse(cli_bundle_args *a, const char *prefix, const cli_cmd *cmd, int argc,
                     char **argv);
void cli_bundle_args_dispose(cli_bundle_args *a);
int cli_bundle_client(cli_ctx *ctx, cli_bundle_args *a, cli_progress *prog, jf_bundle_client **out,
                      jf_err *err);
void cli_progress_end(cli_progress *p);
void cli_bundle_show_layers(cli_ctx *ctx, const jf_bundle_info *info);

#endif
