#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jmpflash/flasher.h"

#define MAX_OPTS 48

int cli_getopt(const char *prefix, const cli_cmd *cmd, int argc, char **argv)
{
	struct option longs[MAX_OPTS + 2];
	char shorts[2 * MAX_OPTS + 3] = "+:";
	size_t n = 0, s = 2;
	int c;

	(void)prefix;
	for (const cli_opt *o = cmd->opts; o && o->name && n < MAX_OPTS; o++, n++) {
		longs[n].name = o->name;
		longs[n].has_arg = o->arg ? required_argument : no_argument;
		longs[n].flag = NULL;
		longs[n].val = o->short_name ? o->short_name : o->id;
		if (o->short_name) {
			shorts[s++] = (char)o->short_name;
			if (o->arg)
				shorts[s++] = ':';
		}
	}
	longs[n++] = (struct option){"help", no_argument, NULL, CLI_HELP_ID};
	longs[n] = (struct option){NULL, 0, NULL, 0};
	shorts[s++] = 'h';
	shorts[s] = '\0';
	opterr = 0;
	c = getopt_long(argc, argv, shorts, longs, NULL);
	if (c == 'h')
		return CLI_HELP_ID;
	if (c == '?' || c == ':') {
		const char *bad = argv[optind - 1];

		if (c == ':')
			fprintf(stderr, "jmpflash: option '%s' needs a value; see '%s %s --help'\n",
			        bad, prefix, cmd->name);
		else
			fprintf(stderr, "jmpflash: unknown option '%s'; see '%s %s --help'\n", bad,
			        prefix, cmd->name);
		return '?';
	}
	return c;
}

const char *cli_schema_default(const char *driver, const char *key)
{
	char type[160];
	const char *def = NULL;

	if (snprintf(type, sizeof(type), "jmpflash.%s", driver) < (int)sizeof(type))
		def = jf_config_default(type, key);
	return def ? def : "";
}

/* The text of the default called @name ("flasher.uboot_timeout", "retries"). */
static const char *default_text(char *buf, size_t size, char *name)
{
	static const jf_flash_opts flash = JF_FLASH_OPTS_INIT;
	char *dot = strrchr(name, '.');
	const char *def = NULL;

	if (!strcmp(name, "retries")) {
		snprintf(buf, size, "%d", JF_FLASH_RETRIES_DEFAULT);
		return buf;
	}
	if (!strcmp(name, "method"))
		def = cli_method_names[flash.method];
	else if (!strcmp(name, "power_off_time"))
		def = JF_POWER_OFF_TIME_DEFAULT;
	else if (dot) {
		*dot = '\0';
		def = cli_schema_default(name, dot + 1);
	}
	return def && *def ? def : "?";
}

void cli_help_text(char *buf, size_t size, const char *help)
{
	size_t n = 0;

	for (;;) {
		const char *open = strchr(help, '{'), *close = open ? strchr(open, '}') : NULL;
		char name[128], num[32];

		if (!close) {
			snprintf(buf + n, size - n, "%s", help);
			return;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
		snprintf(buf + n, size - n, "%.*s%s", (int)(open - help), help,
		         default_text(num, sizeof(num), name));
		n += strlen(buf + n);
		help = close + 1;
	}
}

void cli_help(const char *prefix, const cli_cmd *cmd)
{
	printf("Usage: %s %s %s\n\n%s\n\nOptions:\n", prefix, cmd->name, cmd->usage, cmd->summary);
	for (const cli_opt *o = cmd->opts; o && o->name; o++) {
		char left[64], help[512];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		cli_help_text(help, sizeof(help), o->help);
		printf("  %-34s %s\n", left, help);
	}
	printf("  %-34s %s\n", "-h, --help", "Show this message and exit.");
}

void cli_group_help(const char *prefix, const char *summary, const cli_cmd *cmds)
{
	printf("Usage: %s COMMAND [OPTIONS] [ARGS]...\n\n%s\n\nCommands:\n", prefix, summary);
	for (const cli_cmd *c = cmds; c->name; c++)
		printf("  %-18s %s\n", c->name, c->summary);
	printf("\nRun '%s COMMAND --help' for a command's options.\n", prefix);
}

int cli_dispatch(cli_ctx *ctx, const char *prefix, const char *summary, const cli_cmd *cmds,
                 int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		cli_group_help(prefix, summary, cmds);
		return argc < 1 ? JF_EXIT_USAGE : JF_EXIT_OK;
	}
	for (const cli_cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, argv[0])) {
			optind = 1;
			return c->run(ctx, argc, argv);
		}
	fprintf(stderr, "jmpflash: '%s' is not a command of '%s'; see '%s --help'\n", argv[0],
	        prefix, prefix);
	return JF_EXIT_USAGE;
}
