/* The CLI's board locks: which keys guard a board (its export, its serial
 * device, its power port), taken before anything is opened and held until
 * the process exits (main() releases them; kill -9 releases them too). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "jmpflash/buf.h"

/* A relative path is the same file from wherever jmpflash runs only once it
 * is made absolute. URLs and device names are taken as written. */
static int add_value(jf_buf *b, const char *v)
{
	char cwd[PATH_MAX];

	if (v[0] != '/' && strchr(v, '/') && !strstr(v, "://") && getcwd(cwd, sizeof(cwd)))
		return jf_buf_printf(b, "%s/%s", cwd, v);
	return jf_buf_puts(b, v);
}

/* The power port: the driver type and every non-secret setting of it. Two
 * exporters that name the same outlet, monitor socket or command share it. */
static int power_key(jf_buf *b, const jf_driver *d)
{
	int error = jf_buf_printf(b, "power:%s", d->type ? d->type : "");

	for (size_t i = 0; !error && i < d->nparams; i++) {
		const jf_param *p = &d->params[i];

		if (p->secret || p->defaulted)
			continue;
		error = jf_buf_printf(b, ";%s=", p->key);
		if (!error && p->str)
			error = add_value(b, p->str);
		for (size_t j = 0; !error && j < p->nitems; j++)
			if (!(error = jf_buf_puts(b, j ? "," : "")))
				error = add_value(b, p->items[j]);
	}
	return error;
}

static const char *board_name(const jf_exporter *e)
{
	return e->name ? e->name : e->path;
}

static int take(cli_ctx *ctx, const char *key, const char *what, const char *owner, jf_err *err)
{
	jf_lock_opts o = JF_LOCK_OPTS_INIT;
	int error;

	if (ctx->nlocks == sizeof(ctx->locks) / sizeof(ctx->locks[0]))
		return jf_err_set(err, JF_EINVAL, "too many locks");
	o.owner = owner;
	/* Try first: say we wait (and for whom) only when we do. */
	error = jf_lock_acquire(&ctx->locks[ctx->nlocks], key, what, &o, err);
	if (error == JF_EEXISTS && !ctx->wait_lock_ms) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, "; wait for it with --wait-lock");
	}
	if (error == JF_EEXISTS && ctx->wait_lock_ms) {
		jf_info(&ctx->log, "lock", "Waiting: %s", err->msg);
		o.wait_ms = ctx->wait_lock_ms;
		error = jf_lock_acquire(&ctx->locks[ctx->nlocks], key, what, &o, err);
	}
	ctx->nlocks += error == 0;
	return error;
}

int cli_lock_board(cli_ctx *ctx, const jf_exporter *e, const jf_driver *flasher,
                   const jf_driver *serial, const jf_driver *power, const char *owner, jf_err *err)
{
	jf_buf key = JF_BUF_INIT, what = JF_BUF_INIT;
	const char *url = serial ? jf_driver_str(serial, "url") : NULL;
	int error = 0;

	if (flasher) {
		jf_buf_clear(&key);
		if ((error =
		         jf_buf_printf(&key, "board:%s/%s/%s", e->namespace_ ? e->namespace_ : "",
		                       board_name(e), flasher->name)) < 0 ||
		    (error = jf_buf_printf(&what, "board %s", board_name(e))) < 0 ||
		    (error = take(ctx, key.ptr, what.ptr, owner, err)) < 0)
			goto done;
	}
	if (url) {
		jf_buf_clear(&key);
		jf_buf_clear(&what);
		if ((error = jf_buf_puts(&key, "serial:")) < 0 ||
		    (error = add_value(&key, url)) < 0 ||
		    (error = jf_buf_printf(&what, "board %s (serial %s)", board_name(e), url)) <
		        0 ||
		    (error = take(ctx, key.ptr, what.ptr, owner, err)) < 0)
			goto done;
	}
	if (power) {
		jf_buf_clear(&key);
		jf_buf_clear(&what);
		if ((error = power_key(&key, power)) < 0 ||
		    (error = jf_buf_printf(&what, "board %s (power %s)", board_name(e),
		                           power->path)) < 0 ||
		    (error = take(ctx, key.ptr, what.ptr, owner, err)) < 0)
			goto done;
	}
done:
	if (error == JF_ENOMEM && !err->msg[0])
		jf_err_set(err, JF_ENOMEM, "out of memory");
	jf_buf_free(&key);
	jf_buf_free(&what);
	return error;
}

void cli_unlock_all(cli_ctx *ctx)
{
	while (ctx->nlocks > 0)
		jf_lock_release(ctx->locks[--ctx->nlocks]);
}
