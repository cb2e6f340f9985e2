/* The exporter's driver tree once parsed: refs resolved, ref cycles refused,
 * and every flasher checked for the children it needs (tftp and http added
 * when absent). Private to src/config/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "exporter_int.h"

typedef jf_exporter_loader loader;

static int nomem(loader *l)
{
	return jf_err_set(l->err, JF_ENOMEM, "out of memory");
}

static jf_driver *find_child(jf_driver **list, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]->name) == len && !strncmp(list[i]->name, name, len))
			return list[i];
	return NULL;
}

/* Walk a dotted path from the exports; refs on the way are followed. */
static jf_driver *walk(const jf_exporter *e, const char *path)
{
	jf_driver **list = e->exports, *d = NULL;
	size_t n = e->nexports;

	for (const char *p = path;;) {
		size_t len = strcspn(p, ".");

		if (!(d = find_child(list, n, p, len)))
			return NULL;
		if (!p[len])
			return d;
		d = (jf_driver *)jf_driver_resolve(d);
		if (!d)
			return NULL;
		list = d->children;
		n = d->nchildren;
		p += len + 1;
	}
}

/* True when @node is @root or lies below it. */
static bool contains(const jf_driver *root, const jf_driver *node)
{
	if (root == node)
		return true;
	for (size_t i = 0; i < root->nchildren; i++)
		if (contains(root->children[i], node))
			return true;
	return false;
}

static int resolve_one(loader *l, jf_driver *d)
{
	jf_driver *t = walk(l->e, d->ref);
	char names[256] = "";

	if (!t) {
		for (size_t i = 0; i < l->e->nexports; i++)
			jf_names_add(names, sizeof(names), l->e->exports[i]->name);
		return jf_err_set(l->err, JF_ECONFIG,
		                  "%s:%d:%d: %s: ref '%s' names no driver; the exports are: %s",
		                  l->doc.name, d->line, d->col, d->path, d->ref,
		                  names[0] ? names : "(none)");
	}
	d->target = t;
	return 0;
}

static int resolve_refs(loader *l, jf_driver *d)
{
	int error;

	if (d->ref && !d->target && (error = resolve_one(l, d)) < 0)
		return error;
	for (size_t i = 0; i < d->nchildren; i++)
		if ((error = resolve_refs(l, d->children[i])) < 0)
			return error;
	return 0;
}

/* A chain of refs that comes back to itself, or a ref to its own ancestor. */
static int check_cycles(loader *l, jf_driver *d)
{
	int error;

	if (d->ref) {
		const jf_driver *t = d;
		size_t steps = 0;

		while (t->ref && t->target) {
			t = t->target;
			if (t == d || ++steps > 64)
				return jf_err_set(l->err, JF_ECONFIG,
				                  "%s:%d:%d: %s: ref cycle: '%s' leads back to "
				                  "itself; point the ref at a real driver",
				                  l->doc.name, d->line, d->col, d->path, d->ref);
		}
		if (t != d && contains(t, d))
			return jf_err_set(l->err, JF_ECONFIG,
			                  "%s:%d:%d: %s: ref cycle: '%s' is a parent of "
			                  "this entry",
			                  l->doc.name, d->line, d->col, d->path, d->ref);
	}
	for (size_t i = 0; i < d->nchildren; i++)
		if ((error = check_cycles(l, d->children[i])) < 0)
			return error;
	return 0;
}

static int add_auto_child(loader *l, jf_driver *f, const char *name, const char *type,
                          const char *dir_key)
{
	const jf_driver_spec *spec = jf_config__driver_spec_find(type);
	jf_driver **c, *d;
	jf_param *p;
	size_t len;

	if (!(c = realloc(f->children, (f->nchildren + 1) * sizeof(*c))))
		return nomem(l);
	f->children = c;
	if (!(d = calloc(1, sizeof(*d))))
		return nomem(l);
	c[f->nchildren++] = d;
	len = strlen(f->path) + strlen(name) + 2;
	d->name = strdup(name);
	d->type = strdup(type);
	d->path = malloc(len);
	if (!d->name || !d->type || !d->path)
		return nomem(l);
	snprintf(d->path, len, "%s.%s", f->path, name);
	d->kind = spec->kind;
	d->auto_created = true;
	d->line = f->line;
	d->col = f->col;
	if (!(p = jf_config__exporter_param_add(d, "root_dir")) ||
	    !(p->str = strdup(jf_driver_str(f, dir_key))))
		return nomem(l);
	p->type = JF_PARAM_STR;
	p->defaulted = true;
	return jf_config__exporter_apply_defaults(l, d, spec, NULL);
}

static int check_flasher(loader *l, jf_driver *f)
{
	static const struct {
		const char *name;
		jf_driver_role role;
	} needs[] = {{"serial", JF_ROLE_SERIAL},
	             {"power", JF_ROLE_POWER},
	             {"tftp", JF_ROLE_TFTP},
	             {"http", JF_ROLE_HTTP}};
	int error;

	jf_driver *uboot = jf_driver_child(f, "uboot");

	if (uboot && uboot->kind != JF_DRIVER_UBOOT)
		return jf_err_set(l->err, JF_ECONFIG,
		                  "%s:%d:%d: %s.uboot is '%s'; a flasher's uboot must be a %s: %s",
		                  l->doc.name, uboot->line, uboot->col, f->path,
		                  uboot->type ? uboot->type : jf_driver_kind_name(uboot->kind),
		                  jf_driver_role_name(JF_ROLE_UBOOT),
		                  jf_driver_role_types(JF_ROLE_UBOOT));
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		jf_driver *c = jf_driver_child(f, needs[i].name);
		jf_driver_role role;

		/* upstream's UbootConsole carries its own serial and power refs */
		if (!c && uboot)
			c = jf_driver_child(uboot, needs[i].name);

		if (!c && needs[i].role == JF_ROLE_TFTP) {
			if ((error = add_auto_child(l, f, "tftp", "jmpflash.tftp", "tftp_dir")) < 0)
				return error;
			continue;
		}
		if (!c && needs[i].role == JF_ROLE_HTTP) {
			if ((error = add_auto_child(l, f, "http", "jmpflash.http", "http_dir")) < 0)
				return error;
			continue;
		}
		if (!c)
			return jf_err_set(l->err, JF_ECONFIG,
			                  "%s:%d:%d: %s needs a '%s' child (a %s); add "
			                  "'children: {%s: {ref: NAME}}' naming an export",
			                  l->doc.name, f->line, f->col, f->path, needs[i].name,
			                  jf_driver_role_name(needs[i].role), needs[i].name);
		role = jf_driver_kind_role(c->kind);
		if (c->kind == JF_DRIVER_UNDRIVEN)
			return jf_err_set(
			    l->err, JF_ECONFIG,
			    "%s:%d:%d: %s.%s is '%s', a type jmpflash does not drive; "
			    "a flasher's %s must be a %s: %s",
			    l->doc.name, c->line, c->col, f->path, needs[i].name, c->type,
			    needs[i].name, jf_driver_role_name(needs[i].role),
			    jf_driver_role_types(needs[i].role));
		if (role != needs[i].role)
			return jf_err_set(l->err, JF_ECONFIG,
			                  "%s:%d:%d: %s.%s must be a %s, but '%s' is a %s",
			                  l->doc.name, c->line, c->col, f->path, needs[i].name,
			                  jf_driver_role_name(needs[i].role), c->path,
			                  jf_driver_kind_name(c->kind));
	}
	return 0;
}

static int check_flashers(loader *l, jf_driver *d)
{
	int error;

	if (d->ref)
		return 0;
	if (d->kind == JF_DRIVER_FLASHER && (error = check_flasher(l, d)) < 0)
		return error;
	for (size_t i = 0; i < d->nchildren; i++)
		if (!d->children[i]->auto_created &&
		    (error = check_flashers(l, d->children[i])) < 0)
			return error;
	return 0;
}

int jf_config__exporter_check_tree(loader *l)
{
	jf_exporter *e = l->e;
	int error;

	for (size_t i = 0; i < e->nexports; i++)
		if ((error = resolve_refs(l, e->exports[i])) < 0)
			return error;
	for (size_t i = 0; i < e->nexports; i++)
		if ((error = check_cycles(l, e->exports[i])) < 0)
			return error;
	for (size_t i = 0; i < e->nexports; i++)
		if ((error = check_flashers(l, e->exports[i])) < 0)
			return error;
	return 0;
}
