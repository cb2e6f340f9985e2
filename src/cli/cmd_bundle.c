/* jmpflash bundle inspect|pull|push */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_cli.h"
#include "jmpflash/manifest.h"

static const cli_opt inspect_opts[] = {
    {"manifest", 'm', "NAME", "Manifest file inside the bundle (default {flasher.manifest})", 0},
    CLI_BUNDLE_REG_OPTS,
    CLI_OPT_END,
};

static int inspect_run(cli_ctx *ctx, int argc, char **argv);

const cli_cmd cli_bundle_cmds[] = {
    {"inspect", "[OPTIONS] REF|DIR|MANIFEST",
     "Show a bundle's manifest: targets, variants, files and addresses (a registry "
     "reference is pulled into the cache first; digests and sizes are shown)",
     inspect_opts, inspect_run},
    {"pull", "[OPTIONS] REF [DIR]", "Pull a flasher bundle into the cache (or DIR)",
     cli_bundle_pull_opts, cli_bundle_pull},
    {"push", "[OPTIONS] DIR REF", "Push a bundle directory to a registry as an OCI artifact",
     cli_bundle_push_opts, cli_bundle_push},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Describe @rel under @dir: "12.3 MiB", or why it is unusable (NULL = ok). */
static const char *check_file(const char *dir, const char *rel, char *info, size_t size)
{
	char path[PATH_MAX], real_dir[PATH_MAX], real[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))
		return "PATH TOO LONG";
	if (stat(path, &st) < 0)
		return errno == ENOENT ? "MISSING" : "UNREADABLE";
	if (!S_ISREG(st.st_mode))
		return "NOT A FILE";
	if (!realpath(dir, real_dir) || !realpath(path, real) ||
	    strncmp(real, real_dir, strlen(real_dir)) || real[strlen(real_dir)] != '/')
		return "OUTSIDE THE BUNDLE";
	snprintf(info, size, "%.1f MiB", (double)st.st_size / (1024.0 * 1024.0));
	return NULL;
}

static void show_file(cli_ctx *ctx, const char *dir, const char *label, const char *rel,
                      const char *addr, int *missing)
{
	char info[64];
	const char *bad = check_file(dir, rel, info, sizeof(info));

	if (bad)
		(*missing)++;
	cli_out(ctx, "  %-8s %s%s%s  [%s]\n", label, rel, addr ? " at " : "", addr ? addr : "",
	        bad ? bad : info);
}

static void show(cli_ctx *ctx, const jf_manifest *m, const char *dir, int *missing)
{
	const jf_manifest_login *lg = &m->login;

	cli_out(ctx, "bundle:       %s (%s)\n", dir, m->path);
	cli_out(ctx, "name:         %s\n", m->name ? m->name : "(none)");
	if (m->manufacturer)
		cli_out(ctx, "manufacturer: %s\n", m->manufacturer);
	if (m->link)
		cli_out(ctx, "link:         %s\n", m->link);
	cli_out(ctx, "bootcmd:      %s\n", m->bootcmd);
	cli_out(ctx, "shell:        %s; login prompt \"%s\", user %s, password %s, prompt \"%s\"\n",
	        m->shelltype, lg->login_prompt, lg->username ? lg->username : "(none)",
	        lg->password ? "***" : "(none)", lg->prompt);
	cli_out(ctx, "targets:      (default %s)\n", m->default_target);
	for (size_t i = 0; i < m->ntargets; i++)
		cli_out(ctx, "  %-8s %s%s\n", m->targets[i].name, m->targets[i].device,
		        !strcmp(m->targets[i].name, m->default_target) ? "  (default)" : "");
	cli_out(ctx, "files:\n");
	show_file(ctx, dir, "kernel", m->kernel.file, m->kernel.address_s, missing);
	if (m->has_initram)
		show_file(ctx, dir, "initram", m->initram.file, m->initram.address_s, missing);
	if (m->has_dtb) {
		cli_out(ctx, "dtb:          at %s, default variant %s\n",
		        m->dtb.address_s ? m->dtb.address_s : "(none)", m->dtb_default);
		for (size_t i = 0; i < m->nvariants; i++) {
			const jf_manifest_variant *v = &m->variants[i];

			cli_out(ctx, "  variant %s%s: bootcmd %s%s\n", v->name,
			        !strcmp(v->name, m->dtb_default) ? " (default)" : "",
			        jf_manifest_bootcmd(m, v->name), v->bootcmd ? "" : " (spec)");
			if (v->file)
				show_file(ctx, dir, "dtb", v->file, NULL, missing);
		}
	}
	if (m->npreflash) {
		cli_out(ctx, "preflash commands:\n");
		for (size_t i = 0; i < m->npreflash; i++)
			cli_out(ctx, "  %s\n", m->preflash_commands[i]);
	}
}

/* Pull @source (a reference or an OCI layout) and resolve it to its
 * extracted directory in @dir; prints digests and sizes. */
static int inspect_pull(cli_ctx *ctx, cli_bundle_args *a, const char *source, char *dir,
                        size_t size)
{
	cli_progress prog = {0};
	jf_bundle_client *c = NULL;
	jf_bundle_info info = {0};
	jf_err err = JF_ERR_INIT;
	int rc = -1;

	if (cli_bundle_client(ctx, a, &prog, &c, &err) < 0 ||
	    jf_bundle_pull(&info, c, source, NULL, &err) < 0) {
		cli_progress_end(&prog);
		rc = cli_fail(ctx, &err);
		goto done;
	}
	cli_progress_end(&prog);
	cli_out(ctx, "reference:    %s\n", source);
	cli_bundle_show_layers(ctx, &info);
	if (snprintf(dir, size, "%s", info.dir) >= (int)size)
		rc = cli_usage_error("path too long: %s", info.dir);
done:
	jf_bundle_info_dispose(&info);
	jf_bundle_client_free(c);
	return rc;
}

static int inspect_run(cli_ctx *ctx, int argc, char **argv)
{
	const char *name = cli_schema_default("flasher", "manifest");
	char dir[PATH_MAX], path[PATH_MAX];
	cli_bundle_args a = {0};
	jf_err err = JF_ERR_INIT;
	jf_manifest m;
	struct stat st;
	int rc, missing = 0;
	bool local;

	if ((rc = cli_bundle_parse(&a, "jmpflash bundle", &cli_bundle_cmds[0], argc, argv)) >= 0)
		goto done;
	if (a.manifest)
		name = a.manifest;
	if (optind != argc - 1) {
		rc = cli_usage_error("bundle inspect takes one bundle directory, manifest or OCI "
		                     "reference; see 'jmpflash bundle inspect --help'");
		goto done;
	}
	if (!jf_bundle_path_ok(name)) {
		rc = cli_usage_error("--manifest '%s' must be a relative path inside the bundle",
		                     name);
		goto done;
	}
	local = stat(argv[optind], &st) == 0;
	if (local && S_ISDIR(st.st_mode) &&
	    snprintf(path, sizeof(path), "%s/oci-layout", argv[optind]) < (int)sizeof(path) &&
	    access(path, F_OK) == 0)
		local = false; /* an OCI layout: extract it like a pull */
	if (!local) {
		if ((rc = inspect_pull(ctx, &a, argv[optind], dir, sizeof(dir))) >= 0)
			goto done;
		if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
			rc = cli_usage_error("path too long: %s", dir);
			goto done;
		}
	} else if (S_ISDIR(st.st_mode)) {
		if (snprintf(dir, sizeof(dir), "%s", argv[optind]) >= (int)sizeof(dir) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
			rc = cli_usage_error("path too long: %s", argv[optind]);
			goto done;
		}
	} else {
		char *slash;

		if (snprintf(path, sizeof(path), "%s", argv[optind]) >= (int)sizeof(path) ||
		    snprintf(dir, sizeof(dir), "%s", argv[optind]) >= (int)sizeof(dir)) {
			rc = cli_usage_error("path too long: %s", argv[optind]);
			goto done;
		}
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}
	if (jf_manifest_load(&m, path, &ctx->log, &err) < 0) {
		rc = cli_fail(ctx, &err);
		goto done;
	}
	show(ctx, &m, dir, &missing);
	jf_manifest_dispose(&m);
	rc = JF_EXIT_OK;
	if (missing) {
		fprintf(stderr,
		        "jmpflash: error: %d file%s named by the manifest %s not usable under "
		        "%s; add them or fix the paths\n",
		        missing, missing == 1 ? "" : "s", missing == 1 ? "is" : "are", dir);
		rc = JF_EXIT_FAILED;
	}
done:
	cli_bundle_args_dispose(&a);
	return rc;
}
