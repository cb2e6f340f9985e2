/* jmpflash — what exporter.c (parsing) and exporter_tree.c (refs, flasher
 * children) share. Private to src/config/. */
#ifndef JF_CONFIG_EXPORTER_INT_H
#define JF_CONFIG_EXPORTER_INT_H

#include "drivers.h"
#include "jmpflash/config.h"
#include "yaml.h"

typedef struct jf_exporter_loader {
	jf_ydoc doc;
	jf_exporter *e;
	jf_log *log;
	jf_err *err;
} jf_exporter_loader;

/* A new empty param @key on @d; NULL when out of memory. */
jf_param *jf_config__exporter_param_add(jf_driver *d, const char *key);
/* Add the default of every key of @spec that @d lacks; a required key
 * without a default is an error pointing at @at (else at @d). */
int jf_config__exporter_apply_defaults(jf_exporter_loader *l, jf_driver *d,
                                       const jf_driver_spec *spec, const jf_ynode *at);
/* Resolve refs, refuse cycles, check each flasher's children. */
int jf_config__exporter_check_tree(jf_exporter_loader *l);

#endif
