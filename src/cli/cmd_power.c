/* jmpflash power on|off|cycle|state: switch the board's power with the
 * driver named in the exporter YAML. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jmpflash/power.h"

enum { O_EXPORT = 0x200, O_OFF_TIME };

static const cli_opt power_opts[] = {
    {"export", 0, "NAME", "Export to use: a power driver, or a flasher (its power child)",
     O_EXPORT},
    {"off-time", 0, "SECONDS",
     "cycle: how long to stay off (default: the driver's, {power_off_time} s)", O_OFF_TIME},
    CLI_OPT_END,
};

static int power_on_run(cli_ctx *ctx, int argc, char **argv);
static int power_off_run(cli_ctx *ctx, int argc, char **argv);
static int power_cycle_run(cli_ctx *ctx, int argc, char **argv);
static int power_state_run(cli_ctx *ctx, int argc, char **argv);

const cli_cmd cli_power_cmds[] = {
    {"on", "[OPTIONS]", "Power the board on", power_opts, power_on_run},
    {"off", "[OPTIONS]", "Power the board off", power_opts, power_off_run},
    {"cycle", "[OPTIONS]", "Power off, wait, power on", power_opts, power_cycle_run},
    {"state", "[OPTIONS]", "Print whether the board is on or off (when the driver can tell)",
     power_opts, power_state_run},
    {NULL, NULL, NULL, NULL, NULL},
};

/* A flasher's child, or its uboot child's (upstream's UbootConsole). */
static const jf_driver *flasher_child(const jf_driver *f, const char *name)
{
	const jf_driver *c = jf_driver_child(f, name);

	return c ? c : jf_driver_child(jf_driver_child(f, "uboot"), name);
}

/* The driver with @role for this command: -e/--export names it directly or
 * names a flasher whose child @child it is; without a name, the first
 * flasher's child, else the only export with that role. */
int cli_find_driver(cli_ctx *ctx, const jf_exporter *e, jf_driver_role role, const char *child,
                    const jf_driver **out, jf_err *err)
{
	const jf_driver *d = NULL, *only = NULL;
	size_t n = 0;

	*out = NULL;
	if (ctx->export_name) {
		if (!(d = jf_exporter_find(e, ctx->export_name)))
			return jf_err_set(err, JF_ENOTFOUND, "no export '%s' in %s",
			                  ctx->export_name, e->path);
		if (jf_driver_kind_role(d->kind) == JF_ROLE_FLASHER)
			d = flasher_child(d, child);
	} else if ((d = jf_exporter_first_flasher(e))) {
		d = flasher_child(d, child);
	} else {
		for (size_t i = 0; i < e->nexports; i++) {
			const jf_driver *x = jf_driver_resolve(e->exports[i]);

			if (x && jf_driver_kind_role(x->kind) == role && !e->exports[i]->ref) {
				only = x;
				n++;
			}
		}
		if (n > 1)
			return jf_err_set(err, JF_ECONFIG,
			                  "%s has %zu %s drivers; pick one with -e NAME", e->path,
			                  n, jf_driver_role_name(role));
		d = only;
	}
	if (d && d->kind == JF_DRIVER_UNDRIVEN)
		return jf_err_set(err, JF_ECONFIG,
		                  "export '%s' is '%s', which jmpflash does not drive; name a %s "
		                  "(%s) with -e NAME",
		                  d->path, d->type, jf_driver_role_name(role),
		                  jf_driver_role_types(role));
	if (!d || jf_driver_kind_role(d->kind) != role)
		return jf_err_set(err, JF_ECONFIG, "no %s found%s%s in %s; name one with -e NAME",
		                  jf_driver_role_name(role), ctx->export_name ? " under " : "",
		                  ctx->export_name ? ctx->export_name : "", e->path);
	*out = d;
	return 0;
}

static int parse_opts(cli_ctx *ctx, const cli_cmd *cmd, int argc, char **argv, double *off_time)
{
	int c;

	*off_time = -1;
	while ((c = cli_getopt("jmpflash power", cmd, argc, argv)) != -1) {
		char *end;

		switch (c) {
		case CLI_HELP_ID:
			cli_help("jmpflash power", cmd);
			return JF_EXIT_OK;
		case O_EXPORT:
			ctx->export_name = optarg;
			break;
		case O_OFF_TIME:
			*off_time = strtod(optarg, &end);
			if (*end || *off_time < 0 || *off_time > 3600)
				return cli_usage_error(
				    "--off-time takes seconds (0 to 3600), not '%s'", optarg);
			break;
		default:
			return JF_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("'jmpflash power %s' takes no arguments", cmd->name);
	return -1;
}

typedef enum { ACT_ON, ACT_OFF, ACT_CYCLE, ACT_STATE } action;

static int power_run(cli_ctx *ctx, action act, int argc, char **argv)
{
	static const char *const names[] = {"on", "off", "cycle", "state"};
	static const char *const power_owner[] = {"jmpflash power on", "jmpflash power off",
	                                          "jmpflash power cycle", NULL};
	jf_err err = JF_ERR_INIT;
	jf_exporter e;
	const jf_driver *d;
	jf_power *p = NULL;
	jf_power_state st;
	double off_time;
	int rc;

	if ((rc = parse_opts(ctx, &cli_power_cmds[act], argc, argv, &off_time)) >= 0)
		return rc;
	if (cli_load_exporter(ctx, &e, &err) < 0)
		return cli_fail(ctx, &err);
	if ((rc = cli_find_driver(ctx, &e, JF_ROLE_POWER, "power", &d, &err)) < 0)
		goto fail;
	if ((act != ACT_STATE &&
	     (rc = cli_lock_board(ctx, &e, NULL, NULL, d, power_owner[act], &err)) < 0) ||
	    (rc = jf_power_open(&p, d, &ctx->log, &err)) < 0)
		goto fail;
	/* The board stays as switched after we exit (QEMU outlives us). */
	if ((act == ACT_ON || act == ACT_CYCLE) && (rc = jf_power_keep(p, &err)) < 0) {
		jf_err_wrap(&err, "power %s: %s", names[act], d->path);
		goto fail;
	}
	if (off_time >= 0)
		jf_power_set_off_time(p, (unsigned)(off_time * 1000 + 0.5));
	switch (act) {
	case ACT_ON:
		rc = jf_power_on(p, &err);
		break;
	case ACT_OFF:
		rc = jf_power_off(p, &err);
		break;
	case ACT_CYCLE:
		rc = jf_power_cycle(p, &err);
		break;
	case ACT_STATE:
		if ((rc = jf_power_state_get(p, &st, &err)) == 0)
			cli_out(ctx, "%s\n",
			        st == JF_POWER_ON    ? "on"
			        : st == JF_POWER_OFF ? "off"
			                             : "unknown");
		break;
	}
	if (rc < 0)
		goto fail;
	jf_power_close(p);
	jf_exporter_dispose(&e);
	return JF_EXIT_OK;
fail:
	jf_power_close(p);
	jf_exporter_dispose(&e);
	return cli_fail(ctx, &err);
}

static int power_on_run(cli_ctx *ctx, int argc, char **argv)
{
	return power_run(ctx, ACT_ON, argc, argv);
}

static int power_off_run(cli_ctx *ctx, int argc, char **argv)
{
	return power_run(ctx, ACT_OFF, argc, argv);
}

static int power_cycle_run(cli_ctx *ctx, int argc, char **argv)
{
	return power_run(ctx, ACT_CYCLE, argc, argv);
}

static int power_state_run(cli_ctx *ctx, int argc, char **argv)
{
	return power_run(ctx, ACT_STATE, argc, argv);
}
