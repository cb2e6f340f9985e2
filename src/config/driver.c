/* Lookups over a loaded driver tree, and the flasher's settings. */
#include "jmpflash/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const jf_driver *jf_driver_resolve(const jf_driver *d)
{
	size_t steps = 0;

	while (d && d->ref && steps++ < 64)
		d = d->target;
	return d && !d->ref ? d : NULL;
}

jf_driver *jf_driver_child(const jf_driver *d, const char *name)
{
	if (!(d = jf_driver_resolve(d)))
		return NULL;
	for (size_t i = 0; i < d->nchildren; i++)
		if (!strcmp(d->children[i]->name, name))
			return (jf_driver *)jf_driver_resolve(d->children[i]);
	return NULL;
}

const jf_param *jf_driver_param(const jf_driver *d, const char *key)
{
	for (size_t i = 0; d && i < d->nparams; i++)
		if (!strcmp(d->params[i].key, key))
			return &d->params[i];
	return NULL;
}

const char *jf_driver_str(const jf_driver *d, const char *key)
{
	const jf_param *p = jf_driver_param(d, key);

	return p ? p->str : NULL;
}

int64_t jf_driver_int(const jf_driver *d, const char *key, int64_t def)
{
	const jf_param *p = jf_driver_param(d, key);

	return p && p->type == JF_PARAM_INT ? p->i : def;
}

bool jf_driver_bool(const jf_driver *d, const char *key, bool def)
{
	const jf_param *p = jf_driver_param(d, key);

	return p && p->type == JF_PARAM_BOOL ? p->b : def;
}

jf_driver *jf_exporter_find(const jf_exporter *e, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	jf_driver *d = NULL;

	for (size_t i = 0; i < e->nexports; i++)
		if (strlen(e->exports[i]->name) == len && !strncmp(e->exports[i]->name, path, len))
			d = (jf_driver *)jf_driver_resolve(e->exports[i]);
	while (d && dot) {
		char name[256];

		path = dot + 1;
		dot = strchr(path, '.');
		len = dot ? (size_t)(dot - path) : strlen(path);
		if (len >= sizeof(name))
			return NULL;
		memcpy(name, path, len);
		name[len] = '\0';
		d = jf_driver_child(d, name);
	}
	return d;
}

jf_driver *jf_exporter_first_flasher(const jf_exporter *e)
{
	for (size_t i = 0; i < e->nexports; i++)
		if (!e->exports[i]->ref && e->exports[i]->kind == JF_DRIVER_FLASHER)
			return e->exports[i];
	return NULL;
}

static void server_config(jf_server_config *out, const jf_driver *d)
{
	out->host = jf_driver_str(d, "host");
	out->bind = jf_driver_str(d, "bind");
	out->port = (uint16_t)jf_driver_int(d, "port", 0);
	out->remove_created = jf_driver_bool(d, "remove_created_on_close", false);
}

int jf_flasher_config_get(jf_flasher_config *out, const jf_driver *f, jf_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!(f = jf_driver_resolve(f)) || f->kind != JF_DRIVER_FLASHER)
		return jf_err_set(err, JF_EINVAL, "'%s' is not a flasher",
		                  f ? f->path : "(dangling ref)");
	out->flasher_bundle = jf_driver_str(f, "flasher_bundle");
	out->cache_dir = jf_driver_str(f, "cache_dir");
	out->tftp_dir = jf_driver_str(f, "tftp_dir");
	out->http_dir = jf_driver_str(f, "http_dir");
	out->variant = jf_driver_str(f, "variant");
	out->manifest = jf_driver_str(f, "manifest");
	out->default_target = jf_driver_str(f, "default_target");
	out->cacert = jf_driver_str(f, "cacert");
	out->shared_server = jf_driver_bool(f, "shared_server", false);
	out->board_dir = jf_driver_str(f, "board_dir");
	out->uboot = jf_driver_child(f, "uboot");
	if (out->uboot && out->uboot->kind != JF_DRIVER_UBOOT)
		out->uboot = NULL;
	out->uboot_prompt = out->uboot ? jf_driver_str(out->uboot, "prompt") : NULL;
	if (!out->uboot_prompt || !*out->uboot_prompt)
		out->uboot_prompt = JF_UBOOT_PROMPT_DEFAULT;
	out->serial = jf_driver_child(f, "serial");
	out->power = jf_driver_child(f, "power");
	/* upstream's UbootConsole carries its own serial and power refs */
	if (!out->serial)
		out->serial = jf_driver_child(out->uboot, "serial");
	if (!out->power)
		out->power = jf_driver_child(out->uboot, "power");
	out->tftp = jf_driver_child(f, "tftp");
	out->http = jf_driver_child(f, "http");
	if (!out->flasher_bundle || !out->serial || !out->power || !out->tftp || !out->http)
		return jf_err_set(err, JF_EINVAL, "%s: flasher config is incomplete", f->path);
	out->tftp_blocksize = (unsigned)jf_driver_int(f, "tftp_blocksize", 0);
	out->tftp_windowsize = (unsigned)jf_driver_int(f, "tftp_windowsize", 0);
	out->uboot_timeout_s = (unsigned)jf_driver_int(f, "uboot_timeout", 0);
	out->boot_timeout_s = (unsigned)jf_driver_int(f, "boot_timeout", 0);
	out->board_ipaddr = jf_driver_str(f, "board_ipaddr");
	out->board_netmask = jf_driver_str(f, "board_netmask");
	out->board_gatewayip = jf_driver_str(f, "board_gatewayip");
	server_config(&out->tftp_server, out->tftp);
	server_config(&out->http_server, out->http);
	return 0;
}

static void each_undriven(const jf_driver *d, void (*fn)(void *user, const jf_driver *d),
                          void *user)
{
	if (d->ref)
		return;
	if (d->kind == JF_DRIVER_UNDRIVEN)
		fn(user, d);
	for (size_t i = 0; i < d->nchildren; i++)
		each_undriven(d->children[i], fn, user);
}

void jf_exporter_foreach_undriven(const jf_exporter *e, void (*fn)(void *user, const jf_driver *d),
                                  void *user)
{
	for (size_t i = 0; i < e->nexports; i++)
		each_undriven(e->exports[i], fn, user);
}

bool jf_dir_usable(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (!len || len >= sizeof(path))
		return false;
	memcpy(path, dir, len + 1);
	for (;;) {
		if (access(path, F_OK) == 0)
			return access(path, W_OK | X_OK) == 0;
		if (errno != ENOENT)
			return false;
		char *slash = strrchr(path, '/');

		if (!slash)
			return access(".", W_OK | X_OK) == 0;
		if (slash == path) {
			path[1] = '\0';
			return access(path, W_OK | X_OK) == 0;
		}
		*slash = '\0';
	}
}
