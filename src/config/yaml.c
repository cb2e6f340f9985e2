#define _GNU_SOURCE
#include "yaml.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JF_YAML_MAX_SIZE (4u << 20) /* config files are small; refuse a disk image */

int jf_config__yaml_line(const jf_ynode *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

int jf_config__yaml_col(const jf_ynode *n)
{
	return n ? (int)n->start_mark.column + 1 : 0;
}

int jf_config__yaml_error(jf_ydoc *d, jf_err *err, const jf_ynode *at, const char *fmt, ...)
{
	char msg[JF_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		return jf_err_set(err, JF_ECONFIG, "%s:%d:%d: %s", d->name,
		                  jf_config__yaml_line(at), jf_config__yaml_col(at), msg);
	return jf_err_set(err, JF_ECONFIG, "%s: %s", d->name, msg);
}

jf_ynode *jf_config__yaml_node(jf_ydoc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

jf_ynode *jf_config__yaml_root(jf_ydoc *d)
{
	return yaml_document_get_root_node(&d->doc);
}

const char *jf_config__yaml_kind_name(const jf_ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return jf_config__yaml_is_null(n) ? "null" : "a scalar";
	default:
		return "nothing";
	}
}

bool jf_config__yaml_is_null(const jf_ynode *n)
{
	const char *v = NULL;

	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

jf_ynode *jf_config__yaml_get(jf_ydoc *d, jf_ynode *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	jf_config__yaml_foreach_pair (d, map, p) {
		jf_ynode *k = jf_config__yaml_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return jf_config__yaml_node(d, p->value);
	}
	return NULL;
}

int jf_config__yaml_scalar(jf_ydoc *d, jf_ynode *n, const char *what, const char **out, jf_err *err)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return jf_config__yaml_error(d, err, n, "'%s' must be a single value, not %s", what,
		                             jf_config__yaml_kind_name(n));
	*out = (const char *)n->data.scalar.value;
	return 0;
}

int jf_config__yaml_want_map(jf_ydoc *d, jf_ynode *n, const char *what, jf_err *err)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return jf_config__yaml_error(d, err, n,
		                             "'%s' must be a mapping (key: value lines), not %s",
		                             what, jf_config__yaml_kind_name(n));
	return 0;
}

int jf_config__yaml_want_seq(jf_ydoc *d, jf_ynode *n, const char *what, jf_err *err)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return jf_config__yaml_error(d, err, n,
		                             "'%s' must be a list ('- item' lines), not %s", what,
		                             jf_config__yaml_kind_name(n));
	return 0;
}

int jf_config__yaml_str(jf_ydoc *d, jf_ynode *parent, const char *key, const char *what,
                        bool required, char **out, jf_err *err)
{
	jf_ynode *n = jf_config__yaml_get(d, parent, key);
	const char *v = NULL;
	char *copy;
	int error;

	if (!n || jf_config__yaml_is_null(n)) {
		if (required)
			return jf_config__yaml_error(d, err, n ? n : parent,
			                             "'%s' is required; add it", what);
		return 0;
	}
	if ((error = jf_config__yaml_scalar(d, n, what, &v, err)) < 0)
		return error;
	if (!(copy = strdup(v)))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	free(*out);
	*out = copy;
	return 0;
}

int jf_config__yaml_check_header(jf_ydoc *d, const char *kind, const char *what, jf_err *err)
{
	static const char api[] = "jumpstarter.dev/v1alpha1";
	jf_ynode *root = jf_config__yaml_root(d), *n;
	const char *v = NULL, *hint = "";
	int error;

	if ((n = jf_config__yaml_get(d, root, "apiVersion")) && !jf_config__yaml_is_null(n)) {
		if ((error = jf_config__yaml_scalar(d, n, "apiVersion", &v, err)) < 0)
			return error;
		if (strcmp(v, api))
			return jf_config__yaml_error(
			    d, err, n, "apiVersion '%s' is not supported; use %s", v, api);
	}
	if ((n = jf_config__yaml_get(d, root, "kind")) && !jf_config__yaml_is_null(n)) {
		if ((error = jf_config__yaml_scalar(d, n, "kind", &v, err)) < 0)
			return error;
		if (!strcmp(v, kind))
			return 0;
		if (!strcmp(v, "FlashBundleManifest"))
			hint = " (this is a bundle manifest: use 'jmpflash bundle inspect')";
		else if (!strcmp(v, "ExporterConfig"))
			hint = " (this is an exporter config: use 'jmpflash config check')";
		return jf_config__yaml_error(d, err, n, "kind is '%s', but %s has kind: %s%s", v,
		                             what, kind, hint);
	}
	return 0;
}

int jf_config__yaml_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int base = 10;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -1;
	}
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno || *end ? -1 : 0;
}

int jf_config__yaml_parse_int(const char *s, int64_t *out)
{
	uint64_t v;
	int neg = s && *s == '-';

	if (jf_config__yaml_parse_u64(neg ? s + 1 : s, &v) < 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int jf_config__yaml_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "y"};
	static const char *const no[] = {"false", "no", "off", "n"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(s, no[i]))
			return *out = false, 0;
	}
	return -1;
}

int jf_config__yaml_parse_double(const char *s, double *out)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return errno || *end || !isfinite(*out) ? -1 : 0;
}

/* Find a duplicate key in any mapping: YAML forbids them, libyaml keeps both. */
static int check_duplicates(jf_ydoc *d, jf_err *err)
{
	for (yaml_node_t *n = d->doc.nodes.start; n < d->doc.nodes.top; n++) {
		if (n->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
		     a < n->data.mapping.pairs.top; a++) {
			jf_ynode *ka = jf_config__yaml_node(d, a->key);

			if (!ka || ka->type != YAML_SCALAR_NODE)
				continue;
			for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
				jf_ynode *kb = jf_config__yaml_node(d, b->key);

				if (kb && kb->type == YAML_SCALAR_NODE &&
				    !strcmp((char *)ka->data.scalar.value,
				            (char *)kb->data.scalar.value))
					return jf_config__yaml_error(
					    d, err, ka,
					    "duplicate key '%s' (first at line %d); "
					    "keep only one",
					    (char *)ka->data.scalar.value,
					    jf_config__yaml_line(kb));
			}
		}
	}
	return 0;
}

/* Turn libyaml's complaint into one line a user can act on. */
static int parser_error(jf_ydoc *d, yaml_parser_t *p, const char *text, size_t len, jf_err *err)
{
	yaml_mark_t m = p->problem_mark;
	size_t at = m.index;

	if (p->error == YAML_MEMORY_ERROR)
		return jf_err_set(err, JF_ENOMEM, "%s: out of memory", d->name);
	if (at < len && text[at] == '\t')
		return jf_err_set(err, JF_ECONFIG,
		                  "%s:%zu:%zu: tab character; YAML indents with spaces only, "
		                  "replace the tab with spaces",
		                  d->name, m.line + 1, m.column + 1);
	if (p->error == YAML_READER_ERROR)
		return jf_err_set(
		    err, JF_ECONFIG, "%s: byte %zu: %s; this does not look like a YAML text file",
		    d->name, p->problem_offset, p->problem ? p->problem : "bad input");
	return jf_err_set(err, JF_ECONFIG, "%s:%zu:%zu: invalid YAML: %s%s%s", d->name, m.line + 1,
	                  m.column + 1, p->problem ? p->problem : "syntax error",
	                  p->context ? " " : "", p->context ? p->context : "");
}

int jf_config__yaml_load_string(jf_ydoc *d, const char *name, const char *text, size_t len,
                                jf_err *err)
{
	yaml_parser_t parser;
	const char *nul;
	int error = 0;

	memset(d, 0, sizeof(*d));
	if (!(d->name = strdup(name ? name : "<string>")))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	if ((nul = memchr(text, '\0', len)))
		return jf_err_set(
		    err, JF_ECONFIG,
		    "%s: byte %zu is a NUL byte; this is binary data, not a YAML file", d->name,
		    (size_t)(nul - text));
	if (!yaml_parser_initialize(&parser))
		return jf_err_set(err, JF_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		error = parser_error(d, &parser, text, len, err);
		yaml_parser_delete(&parser);
		return error;
	}
	yaml_parser_delete(&parser);
	d->loaded = true;
	if (!jf_config__yaml_root(d))
		return jf_err_set(err, JF_ECONFIG, "%s: the file is empty; it needs YAML content",
		                  d->name);
	if ((error = check_duplicates(d, err)) < 0)
		return error;
	if (jf_config__yaml_root(d)->type != YAML_MAPPING_NODE)
		return jf_config__yaml_error(
		    d, err, jf_config__yaml_root(d),
		    "the top level must be a mapping (key: value lines), not %s",
		    jf_config__yaml_kind_name(jf_config__yaml_root(d)));
	return 0;
}

int jf_config__yaml_load_file(jf_ydoc *d, const char *path, jf_err *err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int error;

	memset(d, 0, sizeof(*d));
	if (!f)
		return jf_err_sys(err, errno == ENOENT ? JF_ENOTFOUND : JF_EIO, errno,
		                  "cannot open '%s'", path);
	do {
		if (len == cap) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > JF_YAML_MAX_SIZE + 1 || !(p = realloc(text, cap))) {
				error =
				    cap > JF_YAML_MAX_SIZE + 1
				        ? jf_err_set(err, JF_ECONFIG,
				                     "%s: larger than %u MiB; not a config file",
				                     path, JF_YAML_MAX_SIZE >> 20)
				        : jf_err_set(err, JF_ENOMEM, "out of memory");
				goto done;
			}
			text = p;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot read '%s'", path);
		goto done;
	}
	error = jf_config__yaml_load_string(d, path, text ? text : "", len, err);
done:
	fclose(f);
	free(text);
	return error;
}

static bool secret_key(const char *k)
{
	static const char *const words[] = {"password", "passwd",    "token",     "secret",
	                                    "key",      "community", "credential"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(k, words[i]))
			return true;
	return false;
}

/* A plain scalar when that reads back the same, else double-quoted. */
static void flow_scalar(jf_buf *b, const char *v)
{
	bool plain = *v && !strpbrk(v, ",:{}[]#&*!|>'\"%@`\n\r\t") && v[0] != '-' && v[0] != '?' &&
	             v[0] != ' ' && v[strlen(v) - 1] != ' ';

	if (plain) {
		jf_buf_puts(b, v);
		return;
	}
	jf_buf_puts(b, "\"");
	for (const char *c = v; *c; c++) {
		if (*c == '"' || *c == '\\')
			jf_buf_printf(b, "\\%c", *c);
		else if ((unsigned char)*c < 0x20)
			jf_buf_printf(b, "\\x%02x", (unsigned char)*c);
		else
			jf_buf_put(b, c, 1);
	}
	jf_buf_puts(b, "\"");
}

static void flow_node(jf_ydoc *d, jf_buf *b, jf_ynode *n, bool hide, int depth)
{
	bool first = true;

	if (!n || depth > 16) {
		jf_buf_puts(b, "...");
		return;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (hide)
			jf_buf_puts(b, "***");
		else
			flow_scalar(b, (const char *)n->data.scalar.value);
		return;
	case YAML_SEQUENCE_NODE:
		jf_buf_puts(b, "[");
		jf_config__yaml_foreach_item (d, n, it) {
			jf_buf_puts(b, first ? "" : ", ");
			flow_node(d, b, jf_config__yaml_node(d, *it), hide, depth + 1);
			first = false;
		}
		jf_buf_puts(b, "]");
		return;
	case YAML_MAPPING_NODE:
		jf_buf_puts(b, "{");
		jf_config__yaml_foreach_pair (d, n, pair) {
			jf_ynode *k = jf_config__yaml_node(d, pair->key);
			const char *key = k && k->type == YAML_SCALAR_NODE
			                      ? (const char *)k->data.scalar.value
			                      : "?";

			jf_buf_puts(b, first ? "" : ", ");
			flow_scalar(b, key);
			jf_buf_puts(b, ": ");
			flow_node(d, b, jf_config__yaml_node(d, pair->value),
			          hide || secret_key(key), depth + 1);
			first = false;
		}
		jf_buf_puts(b, "}");
		return;
	default:
		jf_buf_puts(b, "~");
	}
}

int jf_config__yaml_flow(jf_ydoc *d, jf_ynode *n, char **out)
{
	jf_buf b = JF_BUF_INIT;

	flow_node(d, &b, n, false, 0);
	if (jf_buf_puts(&b, "") < 0 || !b.ptr) {
		jf_buf_free(&b);
		*out = NULL;
		return JF_ENOMEM;
	}
	*out = jf_buf_detach(&b);
	return *out ? 0 : JF_ENOMEM;
}

void jf_config__yaml_dispose(jf_ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	free(d->name);
	memset(d, 0, sizeof(*d));
}
