/* jmpflash — flasher bundle manifests (FlashBundleManifest v1alpha1).
 *
 * The manifest tells how to boot a board into its flasher shell: what to
 * load where, the boot command per DTB variant, how to log in, which block
 * device each target name means. */
#ifndef JMPFLASH_MANIFEST_H
#define JMPFLASH_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jf_manifest_file {
	char *file;      /* relative path inside the bundle ("data/Image") */
	char *address_s; /* as written ("0x82000000") */
	uint64_t address;
} jf_manifest_file;

typedef struct jf_manifest_variant {
	char *name;
	char *file;    /* NULL: this variant only changes the boot command */
	char *bootcmd; /* NULL: the spec's bootcmd */
} jf_manifest_variant;

typedef struct jf_manifest_target {
	char *name;
	char *device; /* "/dev/mmcblk0" or "/sys/class/block#4fb0000" */
} jf_manifest_target;

typedef struct jf_manifest_login {
	char *type;         /* "busybox" */
	char *login_prompt; /* "login:" */
	char *username;     /* NULL: no login needed */
	char *password;     /* NULL: none; a secret */
	char *prompt;       /* "#" */
} jf_manifest_login;

typedef struct jf_manifest {
	char *path;
	char *api_version;
	char *kind;
	char *name;
	char *manufacturer;
	char *link;
	char *bootcmd;
	char *shelltype; /* "busybox" */
	char *default_target;
	jf_manifest_target *targets;
	size_t ntargets;
	jf_manifest_login login;
	char **preflash_commands;
	size_t npreflash;
	jf_manifest_file kernel;
	bool has_initram;
	jf_manifest_file initram;
	bool has_dtb;
	jf_manifest_file dtb; /* dtb.file is unused; variants carry files */
	char *dtb_default;
	jf_manifest_variant *variants;
	size_t nvariants;
} jf_manifest;

/* Load and validate. The password is registered with @log (may be NULL).
 * Errors name file:line:col and the fix. */
int jf_manifest_load(jf_manifest *out, const char *path, jf_log *log, jf_err *err);
int jf_manifest_load_string(jf_manifest *out, const char *name, const char *text, jf_log *log,
                            jf_err *err);
void jf_manifest_dispose(jf_manifest *m);

/* @name NULL or "" means the default variant. NULL when unknown. */
const jf_manifest_variant *jf_manifest_variant_get(const jf_manifest *m, const char *name);
/* The boot command for a variant (its override, else spec.bootcmd); NULL
 * when the variant is unknown. */
const char *jf_manifest_bootcmd(const jf_manifest *m, const char *variant);
/* The device for a target name, NULL when unknown. */
const char *jf_manifest_target_device(const jf_manifest *m, const char *name);

/* A bundle-relative file path is acceptable: relative, no "..", no empty
 * parts, no control characters. */
bool jf_bundle_path_ok(const char *path);

#ifdef __cplusplus
}
#endif

#endif
