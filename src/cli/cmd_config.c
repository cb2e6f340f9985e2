/* jmpflash config check: load an exporter YAML and print its driver tree. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int check_run(cli_ctx *ctx, int argc, char **argv);

static const cli_opt check_opts[] = {CLI_OPT_END};

const cli_cmd cli_config_cmds[] = {
    {"check", "[FILE]",
     "Validate an exporter YAML (-c FILE, or FILE here) and print the resolved driver tree "
     "(secrets shown as ***)",
     check_opts, check_run},
    {NULL, NULL, NULL, NULL, NULL},
};

static void print_param(cli_ctx *ctx, const jf_param *p, int indent)
{
	cli_out(ctx, "%*s%s: ", indent, "", p->key);
	if (p->secret) {
		cli_out(ctx, "***");
	} else if (p->type == JF_PARAM_LIST) {
		cli_out(ctx, "[");
		for (size_t i = 0; i < p->nitems; i++)
			cli_out(ctx, "%s%s", i ? ", " : "", p->items[i]);
		cli_out(ctx, "]");
	} else if (p->type == JF_PARAM_MAP) {
		cli_out(ctx, "{");
		for (size_t i = 0; i + 1 < p->nitems; i += 2)
			cli_out(ctx, "%s%s: %s", i ? ", " : "", p->items[i], p->items[i + 1]);
		cli_out(ctx, "}");
	} else {
		cli_out(ctx, "%s", p->str && *p->str ? p->str : "\"\"");
	}
	cli_out(ctx, "%s\n", p->defaulted ? "  (default)" : "");
}

static void print_driver(cli_ctx *ctx, const jf_driver *d, int indent)
{
	if (d->ref) {
		const jf_driver *t = jf_driver_resolve(d);

		cli_out(ctx, "%*s%s -> %s: %s\n", indent, "", d->name, d->ref,
		        t ? jf_driver_kind_name(t->kind) : "?");
		return;
	}
	cli_out(ctx, "%*s%s: %s", indent, "", d->name, jf_driver_kind_name(d->kind));
	if (d->type)
		cli_out(ctx, " [%s]", d->type);
	if (d->auto_created)
		cli_out(ctx, " (auto-created)");
	else
		cli_out(ctx, " (line %d)", d->line);
	cli_out(ctx, "\n");
	for (size_t i = 0; i < d->nparams; i++)
		print_param(ctx, &d->params[i], indent + 4);
	if (d->opaque)
		cli_out(ctx, "%*sconfig: %s\n", indent + 4, "", d->opaque);
	for (size_t i = 0; i < d->nchildren; i++)
		print_driver(ctx, d->children[i], indent + 2);
}

typedef struct undriven_list {
	cli_ctx *ctx;
	size_t n;
} undriven_list;

static void list_undriven(void *user, const jf_driver *d)
{
	undriven_list *u = user;

	if (!u->n++)
		cli_out(u->ctx, "not driven by jmpflash (kept as they are):\n");
	cli_out(u->ctx, "  %s [%s] (line %d)\n", d->path, d->type, d->line);
}

static int check_run(cli_ctx *ctx, int argc, char **argv)
{
	undriven_list undriven = {ctx, 0};

	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	int c;

	while ((c = cli_getopt("jmpflash config", &cli_config_cmds[0], argc, argv)) != -1) {
		if (c == CLI_HELP_ID)
			return cli_help("jmpflash config", &cli_config_cmds[0]), JF_EXIT_OK;
		return JF_EXIT_USAGE;
	}
	if (optind < argc - 1)
		return cli_usage_error("config check takes at most one file");
	if (optind == argc - 1)
		ctx->config_path = argv[optind];
	if (cli_load_exporter(ctx, &e, &err) < 0)
		return cli_fail(ctx, &err);
	cli_out(ctx, "exporter %s%s%s from %s\n", e.name ? e.name : "(unnamed)",
	        e.namespace_ ? " in namespace " : "", e.namespace_ ? e.namespace_ : "", e.path);
	if (e.endpoint)
		cli_out(ctx, "endpoint: %s\n", e.endpoint);
	if (e.token)
		cli_out(ctx, "token: ***\n");
	cli_out(ctx, "export:\n");
	for (size_t i = 0; i < e.nexports; i++)
		print_driver(ctx, e.exports[i], 2);
	jf_exporter_foreach_undriven(&e, list_undriven, &undriven);
	if (ctx->export_name && !jf_exporter_find(&e, ctx->export_name)) {
		jf_exporter_dispose(&e);
		return cli_usage_error("-e %s: no such export in %s", ctx->export_name,
		                       ctx->config_path ? ctx->config_path : "the config");
	}
	cli_out(ctx, "ok\n");
	jf_exporter_dispose(&e);
	return JF_EXIT_OK;
}
