/* Exporter YAML -> a tree of jf_driver with validated parameters. */
#include "jmpflash/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "exporter_int.h"
#include "jmpflash/redact.h"
#include "yaml.h"

#define MAX_DEPTH 16

typedef jf_exporter_loader loader;

static void warn_at(loader *l, const jf_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn_at(loader *l, const jf_ynode *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!l->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jf_warn(l->log, "config", "%s:%d:%d: %s", l->doc.name, jf_config__yaml_line(at),
	        jf_config__yaml_col(at), msg);
}

static int nomem(loader *l)
{
	return jf_err_set(l->err, JF_ENOMEM, "out of memory");
}

static const char *key_of(loader *l, yaml_node_pair_t *p, jf_ynode **knode)
{
	jf_ynode *k = jf_config__yaml_node(&l->doc, p->key);

	*knode = k;
	return k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
}

/* ---- drivers ---------------------------------------------------------- */

static void param_dispose(jf_param *p)
{
	if (p->secret && p->str)
		memset(p->str, 0, strlen(p->str));
	free(p->key);
	free(p->str);
	for (size_t i = 0; i < p->nitems; i++)
		free(p->items[i]);
	free(p->items);
}

static void driver_free(jf_driver *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nparams; i++)
		param_dispose(&d->params[i]);
	for (size_t i = 0; i < d->nchildren; i++)
		driver_free(d->children[i]);
	free(d->params);
	free(d->children);
	free(d->name);
	free(d->path);
	free(d->type);
	free(d->description);
	free(d->ref);
	free(d->opaque);
	free(d);
}

jf_param *jf_config__exporter_param_add(jf_driver *d, const char *key)
{
	jf_param *p = realloc(d->params, (d->nparams + 1) * sizeof(*p));

	if (!p)
		return NULL;
	d->params = p;
	p = &d->params[d->nparams];
	memset(p, 0, sizeof(*p));
	if (!(p->key = strdup(key)))
		return NULL;
	d->nparams++;
	return p;
}

static int list_push(jf_param *p, const char *s)
{
	char **items = realloc(p->items, (p->nitems + 1) * sizeof(*items));

	if (!items)
		return JF_ENOMEM;
	p->items = items;
	if (!(items[p->nitems] = strdup(s)))
		return JF_ENOMEM;
	p->nitems++;
	return 0;
}

/* Check a range "lo..hi" (both included). */
static bool in_range(const char *range, int64_t v)
{
	long long lo, hi;

	return sscanf(range, "%lld..%lld", &lo, &hi) == 2 && v >= lo && v <= hi;
}

/* Check a choice list "a|b|c". */
static bool in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *c = choices; *c;) {
		size_t len = strcspn(c, "|");

		if (len == n && !strncmp(c, v, n))
			return true;
		c += len + (c[len] == '|');
	}
	return false;
}

/* Parse scalar text @v into @p per its type. */
static int scalar_value(loader *l, jf_param *p, const jf_param_spec *s, const char *v,
                        const jf_ynode *at, const char *path)
{
	static const char *const type_words[] = {"text", "a whole number", "true or false",
	                                         "a number"};

	if ((s->type == JF_PARAM_INT && jf_config__yaml_parse_int(v, &p->i) < 0) ||
	    (s->type == JF_PARAM_BOOL && jf_config__yaml_parse_bool(v, &p->b) < 0) ||
	    (s->type == JF_PARAM_FLOAT && jf_config__yaml_parse_double(v, &p->f) < 0))
		return jf_config__yaml_error(&l->doc, l->err, at, "%s.%s must be %s, not '%s'",
		                             path, s->key, type_words[s->type],
		                             p->secret ? "***" : v);
	if (s->choices && s->type == JF_PARAM_INT && strstr(s->choices, "..")) {
		if (!in_range(s->choices, p->i))
			return jf_config__yaml_error(&l->doc, l->err, at, "%s.%s: %s is not in %s",
			                             path, s->key, v, s->choices);
	} else if (s->choices && !in_choices(s->choices, v))
		return jf_config__yaml_error(&l->doc, l->err, at, "%s.%s: '%s' is not one of %s",
		                             path, s->key, v, s->choices);
	if (!(p->str = strdup(v)))
		return nomem(l);
	return 0;
}

static int param_from_node(loader *l, jf_driver *d, const jf_param_spec *s, jf_ynode *n,
                           const char *path)
{
	jf_param *p = jf_config__exporter_param_add(d, s->key);
	const char *v = NULL;
	int error;

	if (!p)
		return nomem(l);
	p->type = s->type;
	p->line = jf_config__yaml_line(n);
	p->col = jf_config__yaml_col(n);
	p->secret = (s->flags & JF_PSPEC_SECRET) != 0;
	if (s->type == JF_PARAM_LIST && n->type == YAML_SEQUENCE_NODE) {
		jf_config__yaml_foreach_item (&l->doc, n, it) {
			jf_ynode *item = jf_config__yaml_node(&l->doc, *it);

			if (!item || item->type != YAML_SCALAR_NODE)
				return jf_config__yaml_error(
				    &l->doc, l->err, item,
				    "%s.%s: every list item must be a single value", path, s->key);
			if (list_push(p, (const char *)item->data.scalar.value) < 0)
				return nomem(l);
		}
		return 0;
	}
	if (s->type == JF_PARAM_MAP) {
		if ((error = jf_config__yaml_want_map(&l->doc, n, s->key, l->err)) < 0)
			return error;
		jf_config__yaml_foreach_pair (&l->doc, n, pair) {
			jf_ynode *k, *val = jf_config__yaml_node(&l->doc, pair->value);
			const char *key = key_of(l, pair, &k);

			/* upstream Shell allows {command: ...} per method */
			if (val && val->type == YAML_MAPPING_NODE)
				val = jf_config__yaml_get(&l->doc, val, "command");
			if (!key || !val || val->type != YAML_SCALAR_NODE)
				return jf_config__yaml_error(
				    &l->doc, l->err, val ? val : k,
				    "%s.%s: each entry must be 'name: value'", path, s->key);
			if (list_push(p, key) < 0 ||
			    list_push(p, (const char *)val->data.scalar.value) < 0)
				return nomem(l);
		}
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return jf_config__yaml_error(&l->doc, l->err, n,
		                             "%s.%s must be a single value, not %s", path, s->key,
		                             jf_config__yaml_kind_name(n));
	v = (const char *)n->data.scalar.value;
	if (p->secret && *v && strlen(v) < JF_REDACT_MIN_LEN)
		return jf_config__yaml_error(
		    &l->doc, l->err, n,
		    "%s.%s: a secret of %zu character%s is too short to keep out of "
		    "messages (every occurrence would be masked); use %d or more",
		    path, s->key, strlen(v), strlen(v) == 1 ? "" : "s", JF_REDACT_MIN_LEN);
	if (p->secret && l->log && jf_log_secret(l->log, v) < 0)
		return nomem(l);
	if ((error = scalar_value(l, p, s, v, n, path)) < 0)
		return error;
	if (s->type == JF_PARAM_LIST && list_push(p, v) < 0)
		return nomem(l);
	return 0;
}

/* Add the default of every key the file did not give; fail on required. */
int jf_config__exporter_apply_defaults(loader *l, jf_driver *d, const jf_driver_spec *spec,
                                       const jf_ynode *at)
{
	for (const jf_param_spec *s = spec->params; s->key; s++) {
		const char *def = s->def;
		char dir[1024];
		jf_param *p;

		if (jf_driver_param(d, s->key))
			continue;
		if (!strcmp(s->key, "flasher_bundle") && spec->preset_bundle)
			def = spec->preset_bundle;
		if (!def && (s->flags & JF_PSPEC_REQUIRED))
			return jf_err_set(l->err, JF_ECONFIG,
			                  "%s:%d:%d: %s: '%s' is required for %s; add it under "
			                  "config:, e.g. %s",
			                  l->doc.name, at ? jf_config__yaml_line(at) : d->line,
			                  at ? jf_config__yaml_col(at) : d->col, d->path, s->key,
			                  d->type, s->hint ? s->hint : s->key);
		if (!def)
			continue;
		if ((s->flags & JF_PSPEC_USER_DIR) && !jf_dir_usable(def) &&
		    jf_config__user_dir(dir, sizeof(dir), s->key) == 0) {
			if (l->log)
				jf_info(l->log, "config",
				        "%s: %s %s is not writable by this user; using %s", d->path,
				        s->key, def, dir);
			def = dir;
		}
		if (!(p = jf_config__exporter_param_add(d, s->key)))
			return nomem(l);
		p->type = s->type;
		p->defaulted = true;
		if (s->type == JF_PARAM_LIST || s->type == JF_PARAM_MAP) {
			char *copy = strdup(def), *save = NULL;

			if (!copy)
				return nomem(l);
			for (char *t = strtok_r(copy, " ", &save); t;
			     t = strtok_r(NULL, " ", &save))
				if (list_push(p, t) < 0) {
					free(copy);
					return nomem(l);
				}
			free(copy);
			continue;
		}
		if (scalar_value(l, p, s, def, at, d->path) < 0)
			return JF_ECONFIG;
	}
	return 0;
}

static int parse_config(loader *l, jf_driver *d, const jf_driver_spec *spec, jf_ynode *cfg)
{
	int error;

	if (cfg && !jf_config__yaml_is_null(cfg)) {
		char what[300];

		snprintf(what, sizeof(what), "%.280s.config", d->path);
		if ((error = jf_config__yaml_want_map(&l->doc, cfg, what, l->err)) < 0)
			return error;
		jf_config__yaml_foreach_pair (&l->doc, cfg, pair) {
			jf_ynode *k, *v = jf_config__yaml_node(&l->doc, pair->value);
			const char *key = key_of(l, pair, &k);
			const jf_param_spec *s;

			if (!key)
				return jf_config__yaml_error(
				    &l->doc, l->err, k, "%s: config keys must be text", d->path);
			if (!(s = jf_config__param_spec_find(spec, key))) {
				if (!jf_config__param_is_common(key))
					warn_at(l, k, "%s: unknown config key '%s' for %s, ignored",
					        d->path, key, d->type);
				continue;
			}
			if (jf_config__yaml_is_null(v))
				continue; /* key: ~ means "use the default" */
			if ((error = param_from_node(l, d, s, v, d->path)) < 0)
				return error;
		}
	}
	return jf_config__exporter_apply_defaults(
	    l, d, spec, cfg && !jf_config__yaml_is_null(cfg) ? cfg : NULL);
}

static int parse_driver(loader *l, jf_driver **out, const char *name, const char *parent_path,
                        jf_ynode *n, int depth);

/* Parse a mapping of name -> driver entry (export: or children:) and append
 * the drivers to *list. */
static int parse_entries(loader *l, jf_driver ***list, size_t *n, const char *parent_path,
                         jf_ynode *map, const char *what, int depth)
{
	int error;

	if ((error = jf_config__yaml_want_map(&l->doc, map, what, l->err)) < 0)
		return error;
	jf_config__yaml_foreach_pair (&l->doc, map, pair) {
		jf_ynode *k;
		const char *key = key_of(l, pair, &k);
		jf_driver **grown = realloc(*list, (*n + 1) * sizeof(**list));

		if (!grown)
			return nomem(l);
		*list = grown;
		if (!key)
			return jf_config__yaml_error(&l->doc, l->err, k, "%s: names must be text",
			                             what);
		/* counted before checking, so that a half-parsed entry is freed too */
		error = parse_driver(l, &grown[*n], key, parent_path,
		                     jf_config__yaml_node(&l->doc, pair->value), depth);
		(*n)++;
		if (error < 0)
			return error;
	}
	return 0;
}

static int parse_driver(loader *l, jf_driver **out, const char *name, const char *parent_path,
                        jf_ynode *n, int depth)
{
	static const char *const entry_keys[] = {"type", "config",      "children",
	                                         "ref",  "description", "methods_description"};
	const jf_driver_spec *spec = NULL;
	jf_ynode *type, *ref, *cfg;
	jf_driver *d;
	int error;

	*out = NULL;
	if (depth > MAX_DEPTH)
		return jf_config__yaml_error(&l->doc, l->err, n,
		                             "drivers nested deeper than %d levels", MAX_DEPTH);
	if (!(d = calloc(1, sizeof(*d))))
		return nomem(l);
	*out = d;
	d->line = jf_config__yaml_line(n);
	d->col = jf_config__yaml_col(n);
	if (!(d->name = strdup(name)))
		return nomem(l);
	if (parent_path) {
		size_t len = strlen(parent_path) + strlen(name) + 2;

		if (!(d->path = malloc(len)))
			return nomem(l);
		snprintf(d->path, len, "%s.%s", parent_path, name);
	} else if (!(d->path = strdup(name))) {
		return nomem(l);
	}
	if ((error = jf_config__yaml_want_map(&l->doc, n, d->path, l->err)) < 0)
		return error;
	jf_config__yaml_foreach_pair (&l->doc, n, pair) {
		jf_ynode *k;
		const char *key = key_of(l, pair, &k);
		size_t i;

		for (i = 0; key && i < sizeof(entry_keys) / sizeof(entry_keys[0]); i++)
			if (!strcmp(key, entry_keys[i]))
				break;
		if (!key || i == sizeof(entry_keys) / sizeof(entry_keys[0]))
			warn_at(l, k,
			        "%s: unknown key '%s' ignored (a driver entry has type, "
			        "config, children or ref)",
			        d->path, key ? key : "?");
	}
	type = jf_config__yaml_get(&l->doc, n, "type");
	ref = jf_config__yaml_get(&l->doc, n, "ref");
	cfg = jf_config__yaml_get(&l->doc, n, "config");
	if ((error = jf_config__yaml_str(&l->doc, n, "description", "description", false,
	                                 &d->description, l->err)) < 0)
		return error;

	if (ref) {
		if (type)
			return jf_config__yaml_error(&l->doc, l->err, ref,
			                             "%s has both 'type' and 'ref'; keep one",
			                             d->path);
		if (jf_config__yaml_get(&l->doc, n, "children") || cfg)
			return jf_config__yaml_error(
			    &l->doc, l->err, ref,
			    "%s: a 'ref' entry takes no config or children; "
			    "configure the driver it refers to",
			    d->path);
		return jf_config__yaml_str(&l->doc, n, "ref", "ref", true, &d->ref, l->err);
	}
	if (type) {
		const char *t = NULL;

		if ((error = jf_config__yaml_scalar(&l->doc, type, "type", &t, l->err)) < 0)
			return error;
		if (!(d->type = strdup(t)))
			return nomem(l);
		if ((spec = jf_config__driver_spec_find(t))) {
			d->kind = spec->kind;
			if ((error = parse_config(l, d, spec, cfg)) < 0)
				return error;
		} else {
			/* video, CAN, GPIO, ssh ...: kept, shown, never driven */
			d->kind = JF_DRIVER_UNDRIVEN;
			if (cfg && !jf_config__yaml_is_null(cfg) &&
			    jf_config__yaml_flow(&l->doc, cfg, &d->opaque) < 0)
				return nomem(l);
		}
	} else if (cfg && !jf_config__yaml_is_null(cfg)) {
		return jf_config__yaml_error(
		    &l->doc, l->err, cfg,
		    "%s has a config but no type; add 'type:' naming its driver", d->path);
	} else {
		d->kind = JF_DRIVER_COMPOSITE;
	}
	n = jf_config__yaml_get(&l->doc, n, "children");
	if (jf_config__yaml_is_null(n))
		return 0;
	return parse_entries(l, &d->children, &d->nchildren, d->path, n, "children", depth + 1);
}

/* ---- the exporter ----------------------------------------------------- */

static int parse_top(loader *l)
{
	static const char *const known[] = {
	    "apiVersion",     "kind",        "metadata", "endpoint", "token", "tls",
	    "grpcOptions",    "description", "motd",     "export",   "hooks", "failureDetection",
	    "exitOnLeaseEnd", "alias",       "path"};
	jf_ynode *root = jf_config__yaml_root(&l->doc), *meta, *exp;
	jf_exporter *e = l->e;
	int error;

	jf_config__yaml_foreach_pair (&l->doc, root, pair) {
		jf_ynode *k;
		const char *key = key_of(l, pair, &k);
		size_t i;

		for (i = 0; key && i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(key, known[i]))
				break;
		if (!key || i == sizeof(known) / sizeof(known[0]))
			warn_at(l, k, "unknown top-level key '%s' ignored", key ? key : "?");
	}
	if ((error = jf_config__yaml_check_header(&l->doc, "ExporterConfig", "an exporter file",
	                                          l->err)) < 0 ||
	    (error = jf_config__yaml_str(&l->doc, root, "apiVersion", "apiVersion", false,
	                                 &e->api_version, l->err)) < 0)
		return error;
	if ((meta = jf_config__yaml_get(&l->doc, root, "metadata")) &&
	    !jf_config__yaml_is_null(meta)) {
		if ((error = jf_config__yaml_want_map(&l->doc, meta, "metadata", l->err)) < 0 ||
		    (error = jf_config__yaml_str(&l->doc, meta, "name", "metadata.name", false,
		                                 &e->name, l->err)) < 0 ||
		    (error = jf_config__yaml_str(&l->doc, meta, "namespace", "metadata.namespace",
		                                 false, &e->namespace_, l->err)) < 0)
			return error;
	}
	if ((error = jf_config__yaml_str(&l->doc, root, "endpoint", "endpoint", false, &e->endpoint,
	                                 l->err)) < 0 ||
	    (error = jf_config__yaml_str(&l->doc, root, "token", "token", false, &e->token,
	                                 l->err)) < 0 ||
	    (error = jf_config__yaml_str(&l->doc, root, "description", "description", false,
	                                 &e->description, l->err)) < 0)
		return error;
	if (e->token && *e->token && strlen(e->token) < JF_REDACT_MIN_LEN)
		return jf_config__yaml_error(
		    &l->doc, l->err, jf_config__yaml_get(&l->doc, root, "token"),
		    "token: a secret of %zu character%s is too short to keep out "
		    "of messages (every occurrence would be masked); use %d or more",
		    strlen(e->token), strlen(e->token) == 1 ? "" : "s", JF_REDACT_MIN_LEN);
	if (e->token && l->log && jf_log_secret(l->log, e->token) < 0)
		return nomem(l);

	exp = jf_config__yaml_get(&l->doc, root, "export");
	if (!exp || jf_config__yaml_is_null(exp))
		return jf_config__yaml_error(
		    &l->doc, l->err, exp ? exp : root,
		    "there is no 'export:' section; add the drivers this exporter "
		    "offers under it");
	if ((error = parse_entries(l, &e->exports, &e->nexports, NULL, exp, "export", 0)) < 0)
		return error;
	return jf_config__exporter_check_tree(l);
}

static int load(jf_exporter *out, jf_log *log, jf_err *err, int loaded, loader *l)
{
	int error = loaded;

	if (error == 0) {
		l->e = out;
		l->log = log;
		l->err = err;
		error = parse_top(l);
	}
	jf_config__yaml_dispose(&l->doc);
	if (error < 0) {
		jf_exporter_dispose(out);
		if (log)
			jf_log_redact_err(log, err);
	}
	return error;
}

int jf_exporter_load(jf_exporter *out, const char *path, jf_log *log, jf_err *err)
{
	loader l;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if (!(out->path = strdup(path)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return load(out, log, err, jf_config__yaml_load_file(&l.doc, path, err), &l);
}

int jf_exporter_load_string(jf_exporter *out, const char *name, const char *text, jf_log *log,
                            jf_err *err)
{
	loader l;

	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	if (!(out->path = strdup(name)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	return load(out, log, err,
	            jf_config__yaml_load_string(&l.doc, name, text, strlen(text), err), &l);
}

void jf_exporter_dispose(jf_exporter *e)
{
	for (size_t i = 0; i < e->nexports; i++)
		driver_free(e->exports[i]);
	free(e->exports);
	if (e->token)
		memset(e->token, 0, strlen(e->token));
	free(e->token);
	free(e->path);
	free(e->api_version);
	free(e->name);
	free(e->namespace_);
	free(e->endpoint);
	free(e->description);
	memset(e, 0, sizeof(*e));
}
