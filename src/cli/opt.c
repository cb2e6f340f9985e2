#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

void cli_help(const char *prefix, const cli_cmd *cmd)
{
	printf("Usage: %s %s %s\n\n%s\n\nOptions:\n", prefix, cmd->name, cmd->usage, cmd->summary);
	for (const cli_opt *o = cmd->opts; o && o->name; o++) {
		char left[64];

		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			         o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		printf("  %-34s %s\n", left, o->help);
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
