/* jmpflash — a thin layer over libyaml's document API for config/.
 *
 * Every accessor that finds a problem writes "file:line:col: message" into
 * the caller's jf_err, so each config error points at its place. Private to
 * src/config/. */
#ifndef JF_CONFIG_YAML_H
#define JF_CONFIG_YAML_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "jmpflash/buf.h"
#include "jmpflash/error.h"

typedef struct jf_ydoc {
	yaml_document_t doc;
	bool loaded;
	char *name; /* file name for messages */
} jf_ydoc;

typedef yaml_node_t jf_ynode;

/* Load one YAML document. An empty file, a file with NUL bytes, tabs in
 * indentation, duplicate keys and a top level that is not a mapping are
 * errors with a line and column. */
int jf_config__yaml_load_file(jf_ydoc *d, const char *path, jf_err *err);
int jf_config__yaml_load_string(jf_ydoc *d, const char *name, const char *text, size_t len,
                                jf_err *err);
void jf_config__yaml_dispose(jf_ydoc *d);

/* @n as one line of flow YAML ("{url: x, list: [a, b]}") into *out (the
 * caller frees it). A value under a key that looks like a secret (password,
 * token, key, secret, community) is written as ***; so is every value of a
 * key-less scalar when @n is one. Deeper than 16 levels is cut off as "...". */
int jf_config__yaml_flow(jf_ydoc *d, jf_ynode *n, char **out);

jf_ynode *jf_config__yaml_root(jf_ydoc *d);
jf_ynode *jf_config__yaml_node(jf_ydoc *d, int id);

/* Child @key of mapping @map, or NULL when absent (or @map is not a map). */
jf_ynode *jf_config__yaml_get(jf_ydoc *d, jf_ynode *map, const char *key);

/* Write "name:line:col: fmt" into @err and return JF_ECONFIG. */
int jf_config__yaml_error(jf_ydoc *d, jf_err *err, const jf_ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int jf_config__yaml_line(const jf_ynode *n);
int jf_config__yaml_col(const jf_ynode *n);

/* A plain scalar spelled null: "", "~", "null", "Null", "NULL". */
bool jf_config__yaml_is_null(const jf_ynode *n);
const char *jf_config__yaml_kind_name(const jf_ynode *n);

/* Scalar accessors. @what names the field in messages ("spec.bootcmd").
 * A missing or null node leaves *out untouched and returns 0 unless
 * @required, in which case it is an error that names @what. @parent is
 * used for the position of "missing" errors. */
int jf_config__yaml_str(jf_ydoc *d, jf_ynode *parent, const char *key, const char *what,
                        bool required, char **out, jf_err *err);
int jf_config__yaml_scalar(jf_ydoc *d, jf_ynode *n, const char *what, const char **out,
                           jf_err *err);
int jf_config__yaml_want_map(jf_ydoc *d, jf_ynode *n, const char *what, jf_err *err);
int jf_config__yaml_want_seq(jf_ydoc *d, jf_ynode *n, const char *what, jf_err *err);

/* Check the Jumpstarter header: apiVersion (when given) must be
 * jumpstarter.dev/v1alpha1 and kind (when given) must be @kind. @what names
 * the file type in the message ("an exporter file"). */
int jf_config__yaml_check_header(jf_ydoc *d, const char *kind, const char *what, jf_err *err);

/* Parse YAML-1.1-style values: integers (decimal, 0x hex), booleans
 * (true/false/yes/no/on/off), numbers. 0 or -1. */
int jf_config__yaml_parse_int(const char *s, int64_t *out);
int jf_config__yaml_parse_u64(const char *s, uint64_t *out);
int jf_config__yaml_parse_bool(const char *s, bool *out);
int jf_config__yaml_parse_double(const char *s, double *out);

#define jf_config__yaml_foreach_pair(d, map, pair)                                                 \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start;                             \
	     pair < (map)->data.mapping.pairs.top; pair++)
#define jf_config__yaml_foreach_item(d, seq, item)                                                 \
	for (yaml_node_item_t *item = (seq)->data.sequence.items.start;                            \
	     item < (seq)->data.sequence.items.top; item++)

#endif
