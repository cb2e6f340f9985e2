/* jmpflash bundle inspect|pull|push */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "jmpflash/manifest.h"

enum { O_MANIFEST = 0x100 };

static const cli_opt inspect_opts[] = {
	{"manifest", 'm', "NAME", "Manifest file inside the bundle (default manifest.yaml)",
	 O_MANIFEST},
	CLI_OPT_END,
};

static int inspect_run(cli_ctx *ctx, int argc, char **argv);

const cli_cmd cli_bundle_cmds[] = {
	{"inspect", "[OPTIONS] DIR|MANIFEST",
	 "Show a local bundle's manifest: targets, variants, files and addresses", inspect_opts,
	 inspect_run},
	{"pull", "[OPTIONS] REF [DIR]", "Pull a flasher bundle into the cache (or DIR)",
	 cli_bundle_pull_opts, cli_bundle_pull},
	{"push", "[OPTIONS] DIR REF", "Push a bundle directory to a registry",
	 cli_bundle_pull_opts, cli_bundle_push},
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

static int inspect_run(cli_ctx *ctx, int argc, char **argv)
{
	const char *name = "manifest.yaml";
	char dir[PATH_MAX], path[PATH_MAX];
	jf_err err = JF_ERR_INIT;
	jf_manifest m;
	struct stat st;
	int c, missing = 0;

	while ((c = cli_getopt("jmpflash bundle", &cli_bundle_cmds[0], argc, argv)) != -1) {
		if (c == CLI_HELP_ID)
			return cli_help("jmpflash bundle", &cli_bundle_cmds[0]), JF_EXIT_OK;
		if (c == O_MANIFEST || c == 'm')
			name = optarg;
		else
			return JF_EXIT_USAGE;
	}
	if (optind != argc - 1)
		return cli_usage_error("bundle inspect takes one bundle directory or manifest; "
				       "see 'jmpflash bundle inspect --help'");
	if (stat(argv[optind], &st) < 0)
		return cli_usage_error("cannot read '%s': %s", argv[optind], strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (!jf_bundle_path_ok(name))
			return cli_usage_error("--manifest '%s' must be a relative path inside the "
					       "bundle",
					       name);
		if (snprintf(dir, sizeof(dir), "%s", argv[optind]) >= (int)sizeof(dir) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
			return cli_usage_error("path too long: %s", argv[optind]);
	} else {
		char *slash;

		if (snprintf(path, sizeof(path), "%s", argv[optind]) >= (int)sizeof(path) ||
		    snprintf(dir, sizeof(dir), "%s", argv[optind]) >= (int)sizeof(dir))
			return cli_usage_error("path too long: %s", argv[optind]);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
	}
	if (jf_manifest_load(&m, path, &ctx->log, &err) < 0)
		return cli_fail(ctx, &err);
	show(ctx, &m, dir, &missing);
	jf_manifest_dispose(&m);
	if (missing) {
		fprintf(stderr,
			"jmpflash: error: %d file%s named by the manifest %s not usable under "
			"%s; add them or fix the paths\n",
			missing, missing == 1 ? "" : "s", missing == 1 ? "is" : "are", dir);
		return JF_EXIT_FAILED;
	}
	return JF_EXIT_OK;
}
