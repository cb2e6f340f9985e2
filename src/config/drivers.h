/* jmpflash — the table of driver types jmpflash understands and the schema
 * of each one's `config:`. Private to src/config/. */
#ifndef JF_CONFIG_DRIVERS_H
#define JF_CONFIG_DRIVERS_H

#include "jmpflash/config.h"

enum {
	JF_PSPEC_REQUIRED = 1 << 0,
	JF_PSPEC_SECRET = 1 << 1,
	JF_PSPEC_USER_DIR = 1 << 2, /* a default dir with a per-user fallback */
};

typedef struct jf_param_spec {
	const char *key;
	jf_param_type type;
	const char *def; /* default as text, NULL for none */
	unsigned flags;
	const char *choices; /* "1|2|3|all", or "8..65464" for an integer: allowed
	                      * values, NULL for any */
	const char *hint;    /* what to write, for "required" errors */
} jf_param_spec;

typedef struct jf_driver_spec {
	const char *type; /* exact type string */
	jf_driver_kind kind;
	const jf_param_spec *params; /* terminated by a NULL key */
	const char *preset_bundle;   /* flasher subclasses: default flasher_bundle */
} jf_driver_spec;

/* The spec for @type, or NULL. Flasher subclasses that jmpflash has no
 * preset for still match (as a flasher without a default bundle). */
const jf_driver_spec *jf_config__driver_spec_find(const char *type);
const jf_param_spec *jf_config__param_spec_find(const jf_driver_spec *spec, const char *key);
/* Keys every upstream driver accepts and jmpflash ignores. */
bool jf_config__param_is_common(const char *key);
/* The user-level directory to use instead of @key's default ("cache_dir"). */
int jf_config__user_dir(char *buf, size_t size, const char *key);

#endif
