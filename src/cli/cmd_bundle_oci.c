/* jmpflash bundle pull|push, and the registry half of bundle inspect: the
 * options every registry command shares, the client, the progress bar. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_cli.h"
#include "jmpflash/clock.h"

const cli_opt cli_bundle_pull_opts[] = {
    CLI_BUNDLE_REG_OPTS,
    CLI_OPT_END,
};

const cli_opt cli_bundle_push_opts[] = {
    {"username", 'u', "USER", "Registry user name (else env, then auth files)", CB_USERNAME},
    {"password", 'p', "PASS", "Registry password or token", CB_PASSWORD},
    {"password-stdin", 0, NULL, "Read the password from stdin", CB_PASSWORD_STDIN},
    {"authfile", 0, "FILE", "docker config.json or containers auth.json to use", CB_AUTHFILE},
    {"insecure-tls", 'k', NULL, "Skip TLS certificate verification", 0},
    {"cacert", 0, "FILE", "CA certificate to use for HTTPS", CB_CACERT},
    {"plain-http", 0, NULL, "Use plain http:// (loopback registries fall back to it)",
     CB_PLAIN_HTTP},
    {"no-progress", 0, NULL, "No progress bar", CB_NO_PROGRESS},
    CLI_OPT_END,
};

void cli_bundle_args_dispose(cli_bundle_args *a)
{
	if (a->password_buf) {
		memset(a->password_buf, 0, strlen(a->password_buf));
		free(a->password_buf);
	}
	a->password_buf = NULL;
}

static int read_password(cli_bundle_args *a)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return cli_usage_error("--password-stdin: nothing on stdin");
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	a->password_buf = line;
	a->password = line;
	return 0;
}

/* Parse @cmd's options into @a. Returns -1 to go on, else an exit code. */
int cli_bundle_parse(cli_bundle_args *a, const char *prefix, const cli_cmd *cmd, int argc,
                     char **argv)
{
	char *end;
	int c;

	while ((c = cli_getopt(prefix, cmd, argc, argv)) != -1) {
		switch (c) {
		case CLI_HELP_ID:
			cli_help(prefix, cmd);
			return JF_EXIT_OK;
		case 'm':
			a->manifest = optarg;
			break;
		case CB_CACHE_DIR:
			a->cache_dir = optarg;
			break;
		case CB_OFFLINE:
			a->offline = true;
			break;
		case 'k':
			a->insecure_tls = true;
			break;
		case CB_CACERT:
			a->cacert = optarg;
			break;
		case CB_PLAIN_HTTP:
			a->plain_http = true;
			break;
		case 'u':
			a->username = optarg;
			break;
		case 'p':
			a->password = optarg;
			break;
		case CB_PASSWORD_STDIN:
			a->password_stdin = true;
			break;
		case CB_AUTHFILE:
			a->authfile = optarg;
			break;
		case CB_NO_PROGRESS:
			a->no_progress = true;
			break;
		case CB_LIMIT_RATE:
			errno = 0;
			a->limit_rate = strtoull(optarg, &end, 10);
			if (errno || end == optarg)
				return cli_usage_error(
				    "--limit-rate takes bytes per second, not '%s'", optarg);
			if (*end == 'k' || *end == 'K')
				a->limit_rate <<= 10;
			else if (*end == 'm' || *end == 'M')
				a->limit_rate <<= 20;
			break;
		default:
			return JF_EXIT_USAGE;
		}
	}
	if (a->password_stdin && read_password(a) != 0)
		return JF_EXIT_USAGE;
	if (!a->username != !a->password)
		return cli_usage_error("--username and --password go together");
	return -1;
}

/* --cache-dir, else $JMPFLASH_CACHE_DIR, else a flasher's default cache_dir. */
static int default_cache(char *buf, size_t size, const cli_bundle_args *a, jf_err *err)
{
	const char *env = getenv("JMPFLASH_CACHE_DIR");

	if (a->cache_dir)
		snprintf(buf, size, "%s", a->cache_dir);
	else if (env && *env)
		snprintf(buf, size, "%s", env);
	else if (jf_config_default_dir(buf, size, "cache_dir") < 0)
		return jf_err_set(err, JF_EINVAL,
		                  "no bundle cache: $XDG_CACHE_HOME or $HOME is too long; "
		                  "pass --cache-dir");
	return 0;
}

/* ---- progress bar: stderr, only on a terminal ---- */

static void fmt_mib(char *buf, size_t size, double bytes)
{
	snprintf(buf, size, "%.1f MiB", bytes / (1024.0 * 1024.0));
}

static void progress(void *user, const char *what, uint64_t done, uint64_t total)
{
	cli_progress *p = user;
	uint64_t now = jf_clock_mono_ms();
	char d[32], t[32], eta[32] = "--:--", bar[31];
	double rate;
	int fill;

	if (!p->what || strcmp(p->what, what)) {
		if (p->what && p->drawn)
			fputc('\n', stderr);
		free(p->what);
		p->what = strdup(what);
		p->start_ms = now;
		p->start_bytes = done;
		p->last_ms = 0;
		p->drawn = false;
	}
	if (now - p->last_ms < 100 && done < total)
		return;
	p->last_ms = now;
	rate = now > p->start_ms
	           ? (double)(done - p->start_bytes) * 1000.0 / (double)(now - p->start_ms)
	           : 0.0;
	if (rate > 0 && total >= done)
		jf_format_duration(eta, sizeof(eta), (uint64_t)((double)(total - done) / rate));
	fill = total ? (int)(30.0 * (double)done / (double)total) : 30;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, ' ', (size_t)(30 - fill));
	bar[30] = '\0';
	fmt_mib(d, sizeof(d), (double)done);
	fmt_mib(t, sizeof(t), (double)total);
	fprintf(stderr, "\r%-28.28s [%s] %s / %s  %.1f MiB/s  ETA %s \033[K", what, bar, d, t,
	        rate / (1024.0 * 1024.0), eta);
	p->drawn = true;
	if (done >= total) {
		fputc('\n', stderr);
		free(p->what);
		p->what = NULL;
		p->drawn = false;
	}
}

void cli_progress_end(cli_progress *p)
{
	if (p->drawn)
		fputc('\n', stderr);
	free(p->what);
	memset(p, 0, sizeof(*p));
}

int cli_bundle_client(cli_ctx *ctx, cli_bundle_args *a, cli_progress *prog, jf_bundle_client **out,
                      jf_err *err)
{
	jf_bundle_opts o;
	int error;

	if ((error = default_cache(a->cache_buf, sizeof(a->cache_buf), a, err)) < 0)
		return error;
	memset(&o, 0, sizeof(o));
	o.cache_dir = a->cache_buf;
	o.username = a->username;
	o.password = a->password;
	o.auth_file = a->authfile;
	o.cacert = a->cacert;
	o.insecure_tls = a->insecure_tls;
	o.plain_http = a->plain_http;
	o.offline = a->offline;
	o.max_rate = a->limit_rate;
	o.log = &ctx->log;
	if (a->password && jf_log_secret(&ctx->log, a->password) < 0)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	if (!a->no_progress && isatty(STDERR_FILENO) && ctx->log.threshold <= JF_LOG_INFO) {
		o.progress = progress;
		o.progress_user = prog;
	}
	return jf_bundle_client_new(out, &o, err);
}

void cli_bundle_show_layers(cli_ctx *ctx, const jf_bundle_info *info)
{
	if (!info->manifest_digest)
		return;
	cli_out(ctx, "manifest:     %s (%llu bytes)\n", info->manifest_digest,
	        (unsigned long long)info->manifest_size);
	if (info->artifact_type)
		cli_out(ctx, "artifactType: %s\n", info->artifact_type);
	cli_out(ctx, "layers:\n");
	for (size_t i = 0; i < info->nlayers; i++) {
		const jf_bundle_layer *l = &info->layers[i];

		cli_out(ctx, "  %s  %12llu  %-24s %s\n", l->digest, (unsigned long long)l->size,
		        l->media_type, l->title);
	}
}

static int run(cli_ctx *ctx, int argc, char **argv, bool push)
{
	const cli_cmd *cmd = &cli_bundle_cmds[push ? 2 : 1];
	cli_bundle_args a = {0};
	cli_progress prog = {0};
	jf_bundle_client *c = NULL;
	jf_bundle_info info = {0};
	jf_err err = JF_ERR_INIT;
	int rc, n;

	if ((rc = cli_bundle_parse(&a, "jmpflash bundle", cmd, argc, argv)) >= 0)
		goto done;
	n = argc - optind;
	if (push ? n != 2 : (n < 1 || n > 2)) {
		rc =
		    cli_usage_error("usage: jmpflash bundle %s %s; see 'jmpflash bundle %s --help'",
		                    cmd->name, cmd->usage, cmd->name);
		goto done;
	}
	if (cli_bundle_client(ctx, &a, &prog, &c, &err) < 0) {
		rc = cli_fail(ctx, &err);
		goto done;
	}
	if (push ? jf_bundle_push(&info, c, argv[optind], argv[optind + 1], &err) < 0
	         : jf_bundle_pull(&info, c, argv[optind], n == 2 ? argv[optind + 1] : NULL, &err) <
	               0) {
		cli_progress_end(&prog);
		rc = cli_fail(ctx, &err);
		goto done;
	}
	cli_progress_end(&prog);
	if (push) {
		cli_out(ctx, "pushed %s\n", argv[optind + 1]);
		cli_bundle_show_layers(ctx, &info);
	} else {
		cli_out(ctx, "%s\n", info.dir);
		jf_info(&ctx->log, "bundle", "%s: %s%s", argv[optind],
		        info.manifest_digest ? info.manifest_digest : "local directory",
		        info.from_cache ? " (from the cache)" : "");
	}
	rc = JF_EXIT_OK;
done:
	jf_bundle_info_dispose(&info);
	jf_bundle_client_free(c);
	cli_bundle_args_dispose(&a);
	return rc;
}

int cli_bundle_pull(cli_ctx *ctx, int argc, char **argv)
{
	return run(ctx, argc, argv, false);
}

int cli_bundle_push(cli_ctx *ctx, int argc, char **argv)
{
	return run(ctx, argc, argv, true);
}
