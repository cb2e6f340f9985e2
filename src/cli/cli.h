/* jmpflash CLI — shared context, option tables and output. The CLI is the
 * only part of jmpflash that prints to the user or exits. */
#ifndef JF_CLI_H
#define JF_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "jmpflash/config.h"
#include "jmpflash/error.h"
#include "jmpflash/lock.h"
#include "jmpflash/log.h"

/* Exit codes (docs/DESIGN.md). */
enum {
	JF_EXIT_OK = 0,
	JF_EXIT_FAILED = 1,      /* the flash (or the action) failed */
	JF_EXIT_USAGE = 2,       /* bad usage or configuration */
	JF_EXIT_UNREACHABLE = 3, /* the board does not answer */
};

typedef struct cli_ctx {
	jf_log log;
	const char *config_path; /* -c; NULL: the default search */
	const char *export_name; /* -e */
	int wait_lock_ms;        /* --wait-lock: 0 fail at once, -1 forever */
	jf_lock *locks[3];       /* held until main() returns */
	size_t nlocks;
} cli_ctx;

/* One option of a command, for both getopt_long and --help. */
typedef struct cli_opt {
	const char *name; /* long name without "--" */
	int short_name;   /* 0 for none; also the getopt return value when set */
	const char *arg;  /* argument name ("FILE"), NULL for a flag */
	const char *help; /* a default in it is a {name} (cli_help_text) */
	int id;           /* value getopt returns when short_name is 0 */
} cli_opt;

typedef struct cli_cmd {
	const char *name;
	const char *usage;   /* "[OPTIONS] FILE" */
	const char *summary; /* one line */
	const cli_opt *opts; /* terminated by a NULL name; --help is implied */
	int (*run)(cli_ctx *ctx, int argc, char **argv);
} cli_cmd;

#define CLI_OPT_END                                                                                \
	{                                                                                          \
		NULL, 0, NULL, NULL, 0                                                             \
	}
#define CLI_HELP_ID 0x1000

/* getopt_long over @cmd's table. Returns the option id, -1 at the end,
 * '?' on a bad option (already reported). --help returns CLI_HELP_ID. */
int cli_getopt(const char *prefix, const cli_cmd *cmd, int argc, char **argv);
void cli_help(const char *prefix, const cli_cmd *cmd);
/* @help with its defaults filled in from where each is defined, so that a
 * help text never spells one: "{DRIVER.KEY}" ("{flasher.uboot_timeout}") is
 * cli_schema_default(DRIVER, KEY); "{retries}" and "{method}" are
 * jf_flash()'s, "{power_off_time}" the power drivers'. "?" for any other
 * name (tests/unit/test_cli_help.c catches it). */
void cli_help_text(char *buf, size_t size, const char *help);
/* The config schema's default of @key for driver jmpflash.@driver ("flasher",
 * "manifest"); "" when it has none (a bug test_cli_help catches). */
const char *cli_schema_default(const char *driver, const char *key);
/* --method's names by jf_flash_method ("fls" is another name for agent). */
extern const char *const cli_method_names[2];
/* For a command group: list its subcommands. */
void cli_group_help(const char *prefix, const char *summary, const cli_cmd *cmds);
/* Find @name among @cmds (NULL-name terminated) and run it. */
int cli_dispatch(cli_ctx *ctx, const char *prefix, const char *summary, const cli_cmd *cmds,
                 int argc, char **argv);

/* stdout, with every registered secret masked. */
void cli_out(cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "jmpflash: error: MESSAGE" on stderr (redacted); returns the exit code
 * for @err's code. */
int cli_fail(cli_ctx *ctx, const jf_err *err);
/* "jmpflash: MESSAGE" usage error on stderr; returns JF_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_exit_code(int jf_code);

/* Load the exporter named by -c (or found in the default places). */
int cli_load_exporter(cli_ctx *ctx, jf_exporter *out, jf_err *err);
/* The driver with @role (its flasher's child @child, or -e NAME itself). */
int cli_find_driver(cli_ctx *ctx, const jf_exporter *e, jf_driver_role role, const char *child,
                    const jf_driver **out, jf_err *err);

/* Lock the board before touching it: the flasher export (may be NULL), its
 * serial device and power port (each may be NULL). "board X is in use by
 * pid N" when another process has one; waits per --wait-lock. */
int cli_lock_board(cli_ctx *ctx, const jf_exporter *e, const jf_driver *flasher,
                   const jf_driver *serial, const jf_driver *power, const char *owner, jf_err *err);
void cli_unlock_all(cli_ctx *ctx);
/* Signals as cancellation (cancel.c): between cli_cancel_begin and
 * cli_cancel_end, SIGINT, SIGTERM, SIGHUP and SIGQUIT make fds[0] readable
 * (one byte: the signal's number); hand it to whatever waits as its cancel
 * fd. One at a time per process. */
#define CLI_CANCEL_NSIG 4
typedef struct cli_cancel {
	int fds[2];
	struct sigaction old[CLI_CANCEL_NSIG];
} cli_cancel;
#define CLI_CANCEL_INIT                                                                            \
	{                                                                                          \
		.fds = { -1, -1 }                                                                  \
	}

int cli_cancel_begin(cli_cancel *c, jf_err *err);
/* Block until one of the signals arrives; returns its number. */
int cli_cancel_wait(cli_cancel *c);
/* Restore the previous handlers and close the pipe (safe on an unstarted
 * CLI_CANCEL_INIT). */
void cli_cancel_end(cli_cancel *c);
/* The signals above, for a thread that must never take them. */
void cli_cancel_sigset(sigset_t *set);
/* "SIGINT" for the number cli_cancel_wait returned. */
const char *cli_cancel_signal_name(int sig);

extern const cli_cmd cli_config_cmds[];
extern const cli_cmd cli_bundle_cmds[];
extern const cli_cmd cli_storage_cmds[];
extern const cli_cmd cli_power_cmds[];
int cli_serial_run(cli_ctx *ctx, int argc, char **argv);
int cli_serve_run(cli_ctx *ctx, int argc, char **argv);
extern const cli_opt cli_serial_opts[];
extern const cli_opt cli_serve_opts[];
extern const cli_opt cli_bundle_pull_opts[];
int cli_bundle_pull(cli_ctx *ctx, int argc, char **argv);
int cli_bundle_push(cli_ctx *ctx, int argc, char **argv);

#endif
