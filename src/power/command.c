/* Power by shell commands: jmpflash.power.command (on/off/cycle/state
 * strings) and upstream's jumpstarter_driver_shell Shell driver (a methods
 * map with on/off and optionally cycle/state, its shell and cwd). */
#include "power_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jmpflash/proc.h"

typedef struct command_power {
	char *cmd[4]; /* on, off, cycle, state; NULL when not configured */
	char **shell; /* argv prefix: {"sh", "-c"} */
	size_t nshell;
	char *cwd;
	unsigned long timeout_ms;
	jf_log *log;
} command_power;

enum { C_ON, C_OFF, C_CYCLE, C_STATE };
static const char *const verbs[] = {"on", "off", "cycle", "state"};

#define MAX_OUTPUT (64 * 1024)

static void command_free(void *impl)
{
	command_power *c = impl;

	for (int i = 0; i < 4; i++)
		free(c->cmd[i]);
	for (size_t i = 0; i < c->nshell; i++)
		free(c->shell[i]);
	free(c->shell);
	free(c->cwd);
	free(c);
}

/* The first line of @b, trimmed, for an error message. */
static const char *first_line(jf_buf *b)
{
	char *s = b->ptr ? b->ptr : (char *)"";
	char *nl;

	while (*s && isspace((unsigned char)*s))
		s++;
	if ((nl = strchr(s, '\n')))
		*nl = '\0';
	for (size_t n = strlen(s); n && isspace((unsigned char)s[n - 1]); n--)
		s[n - 1] = '\0';
	return *s ? s : "(nothing on stderr)";
}

/* Run the @which command; its stdout goes to @out when given. */
static int run(command_power *c, int which, jf_buf *out, jf_err *err)
{
	const char *argv[16];
	size_t n = 0;
	jf_proc_result r;
	int error;

	if (c->cwd) {
		/* cd first, then exec the shell with the command as its argument:
		 * no quoting of either is needed. */
		argv[n++] = "sh";
		argv[n++] = "-c";
		argv[n++] = "cd -- \"$1\" && shift && exec \"$@\"";
		argv[n++] = "sh";
		argv[n++] = c->cwd;
	}
	for (size_t i = 0; i < c->nshell && n < 14; i++)
		argv[n++] = c->shell[i];
	argv[n++] = c->cmd[which];
	argv[n] = NULL;
	jf_debug(c->log, "power", "running %s command: %s", verbs[which], c->cmd[which]);
	if ((error = jf_proc_run(&r, argv, NULL, c->timeout_ms, MAX_OUTPUT, err)) < 0)
		return jf_err_wrap(err, "power %s command", verbs[which]);
	if (r.timed_out)
		error = jf_err_set(err, JF_ETIMEOUT,
		                   "power %s command '%s' did not finish within %lu s",
		                   verbs[which], c->cmd[which], c->timeout_ms / 1000);
	else if (r.exit_code != 0)
		error = jf_err_set(
		    err, JF_EIO, "power %s command '%s' failed (%s %d): %s", verbs[which],
		    c->cmd[which], r.exit_code < 0 ? "signal" : "exit code",
		    r.exit_code < 0 ? r.term_signal : r.exit_code, first_line(&r.err));
	else if (out && r.out.len)
		error = jf_buf_put(out, r.out.ptr, r.out.len);
	jf_proc_result_free(&r);
	return error;
}

static int command_on(void *impl, jf_err *err)
{
	return run(impl, C_ON, NULL, err);
}

static int command_off(void *impl, jf_err *err)
{
	return run(impl, C_OFF, NULL, err);
}

static int command_cycle(void *impl, unsigned off_ms, jf_err *err)
{
	command_power *c = impl;

	(void)off_ms; /* the command does its own waiting */
	return run(c, C_CYCLE, NULL, err);
}

/* The state command prints on/off (or 1/0, true/false). */
static int command_state(void *impl, jf_power_state *st, jf_err *err)
{
	static const char *const on[] = {"on", "1", "true", "yes"}, *const off[] = {"off", "0",
	                                                                            "false", "no"};
	command_power *c = impl;
	jf_buf out = JF_BUF_INIT;
	const char *word;
	int error;

	*st = JF_POWER_UNKNOWN;
	if (!c->cmd[C_STATE])
		return jf_err_set(err, JF_ENOTIMPL,
		                  "no 'state' command configured for this power switch");
	if ((error = run(c, C_STATE, &out, err)) < 0)
		goto done;
	word = first_line(&out);
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(word, on[i]))
			*st = JF_POWER_ON;
		if (!strcasecmp(word, off[i]))
			*st = JF_POWER_OFF;
	}
	if (*st == JF_POWER_UNKNOWN)
		error =
		    jf_err_set(err, JF_EPROTO,
		               "power state command printed '%s'; it should print on or off", word);
done:
	jf_buf_free(&out);
	return error;
}

static const jf_power_ops ops = {"command",     command_on, command_off,  command_cycle,
                                 command_state, NULL,       command_free, NULL};
static const jf_power_ops ops_no_cycle = {"command",     command_on, command_off,  NULL,
                                          command_state, NULL,       command_free, NULL};

static int dup_list(command_power *c, const jf_param *p)
{
	if (!(c->shell = calloc(p->nitems ? p->nitems : 1, sizeof(*c->shell))))
		return JF_ENOMEM;
	for (size_t i = 0; i < p->nitems; i++, c->nshell++)
		if (!(c->shell[i] = strdup(p->items[i])))
			return JF_ENOMEM;
	return 0;
}

static int from_shell_driver(command_power *c, const jf_driver *d, jf_err *err)
{
	const jf_param *methods = jf_driver_param(d, "methods"),
	               *shell = jf_driver_param(d, "shell");
	int64_t timeout = jf_driver_int(d, "timeout", 300);

	for (size_t i = 0; methods && i + 1 < methods->nitems; i += 2)
		for (int v = 0; v < 4; v++)
			if (!strcmp(methods->items[i], verbs[v]) &&
			    !(c->cmd[v] = strdup(methods->items[i + 1])))
				return jf_err_set(err, JF_ENOMEM, "out of memory");
	if (!c->cmd[C_ON] || !c->cmd[C_OFF])
		return jf_err_set(err, JF_ECONFIG,
		                  "%s: a Shell driver used as power needs methods 'on' and 'off' "
		                  "(methods: {on: '...', off: '...'})",
		                  d->path);
	if (shell && shell->nitems && dup_list(c, shell) < 0)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	c->timeout_ms = timeout > 0 ? (unsigned long)timeout * 1000 : 0;
	if (jf_driver_str(d, "cwd") && !(c->cwd = strdup(jf_driver_str(d, "cwd"))))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return 0;
}

int jf_power__command_open(jf_power **out, const jf_driver *d, jf_log *log, jf_err *err)
{
	command_power *c = calloc(1, sizeof(*c));
	int error = 0;

	*out = NULL;
	if (!c)
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	c->log = log;
	if (jf_driver_param(d, "methods")) {
		if ((error = from_shell_driver(c, d, err)) < 0)
			goto fail;
	} else {
		for (int v = 0; v < 4; v++)
			if (jf_driver_str(d, verbs[v]) &&
			    !(c->cmd[v] = strdup(jf_driver_str(d, verbs[v]))))
				goto nomem;
		c->timeout_ms = jf_power__param_ms(d, "timeout", 30000);
	}
	if (!c->nshell) {
		if (!(c->shell = calloc(2, sizeof(*c->shell))))
			goto nomem;
		c->nshell = 2;
		if (!(c->shell[0] = strdup("sh")) || !(c->shell[1] = strdup("-c")))
			goto nomem;
	}
	return jf_power_new(out, c->cmd[C_CYCLE] ? &ops : &ops_no_cycle, c, d->path, log, err);
nomem:
	error = jf_err_set(err, JF_ENOMEM, "out of memory");
fail:
	command_free(c);
	return error;
}
