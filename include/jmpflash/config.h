/* jmpflash — exporter configuration.
 *
 * Reads a Jumpstarter exporter YAML (kind: ExporterConfig) as it is and turns
 * its `export:` tree into drivers jmpflash knows, each with validated
 * parameters. Nothing here opens a device or prints: errors name the file,
 * line and column and say what would fix them. */
#ifndef JMPFLASH_CONFIG_H
#define JMPFLASH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jf_driver_kind {
	JF_DRIVER_COMPOSITE = 0, /* only children */
	JF_DRIVER_FLASHER,
	JF_DRIVER_SERIAL,
	JF_DRIVER_POWER_COMMAND,
	JF_DRIVER_POWER_YKUSH,
	JF_DRIVER_POWER_SNMP,
	JF_DRIVER_POWER_QEMU,
	JF_DRIVER_POWER_MOCK,
	JF_DRIVER_TFTP,
	JF_DRIVER_HTTP,
	JF_DRIVER_UBOOT,    /* upstream's UbootConsole: the flasher's U-Boot prompt */
	JF_DRIVER_UNDRIVEN, /* a type jmpflash does not drive (video, CAN, ...): kept as is */
} jf_driver_kind;

/* The role a driver plays for the flasher. */
typedef enum jf_driver_role {
	JF_ROLE_NONE = 0,
	JF_ROLE_FLASHER,
	JF_ROLE_SERIAL,
	JF_ROLE_POWER,
	JF_ROLE_TFTP,
	JF_ROLE_HTTP,
	JF_ROLE_UBOOT,
} jf_driver_role;

typedef enum jf_param_type {
	JF_PARAM_STR,
	JF_PARAM_INT,
	JF_PARAM_BOOL,
	JF_PARAM_FLOAT,
	JF_PARAM_LIST, /* a list of strings (or one string, taken as a one-item list) */
	JF_PARAM_MAP,  /* a mapping of strings to strings */
} jf_param_type;

/* One config value, validated against its driver's schema. Scalars keep
 * their text in `str` (and the parsed number in i/f/b). */
typedef struct jf_param {
	char *key;
	jf_param_type type;
	char *str;      /* scalars */
	int64_t i;      /* JF_PARAM_INT */
	double f;       /* JF_PARAM_FLOAT */
	bool b;         /* JF_PARAM_BOOL */
	char **items;   /* LIST: values; MAP: alternating key, value */
	size_t nitems;  /* LIST: count; MAP: 2 * pairs */
	bool secret;    /* registered with the log; shown as *** */
	bool defaulted; /* not in the file: the schema's default */
	int line, col;  /* 0 when defaulted */
} jf_param;

typedef struct jf_driver jf_driver;

struct jf_driver {
	char *name; /* the key under export: or children: */
	char *path; /* "storage.serial" for messages */
	char *type; /* the type string as written; NULL for composites */
	jf_driver_kind kind;
	char *description;
	char *ref;         /* set for a `ref:` entry */
	jf_driver *target; /* what `ref` resolves to (not owned) */
	bool auto_created; /* tftp/http children added for a flasher */
	char *opaque;      /* UNDRIVEN: its config: as one line of flow YAML, secret-looking
	                    * values shown as ***; NULL when it has none */
	jf_param *params;
	size_t nparams;
	jf_driver **children;
	size_t nchildren;
	int line, col;
};

typedef struct jf_exporter {
	char *path;
	char *api_version;
	char *name;
	char *namespace_;
	char *endpoint;
	char *token; /* secret */
	char *description;
	jf_driver **exports;
	size_t nexports;
} jf_exporter;

/* Load and validate @path. Warnings (unknown keys) and secrets (token,
 * passwords, keys) go to @log, which may be NULL. On failure @out is empty
 * and @err says file:line:col and what to change. */
int jf_exporter_load(jf_exporter *out, const char *path, jf_log *log, jf_err *err);
int jf_exporter_load_string(jf_exporter *out, const char *name, const char *text, jf_log *log,
                            jf_err *err);
void jf_exporter_dispose(jf_exporter *e);

/* Look up an export by name ("storage"), or by a dotted path through
 * children ("storage.serial"); refs are followed. NULL when absent. */
jf_driver *jf_exporter_find(const jf_exporter *e, const char *path);
/* The first export whose kind is a flasher, or NULL. */
jf_driver *jf_exporter_first_flasher(const jf_exporter *e);

/* A driver's child by name with refs followed, or NULL. */
jf_driver *jf_driver_child(const jf_driver *d, const char *name);
/* Follow refs to the real driver. */
const jf_driver *jf_driver_resolve(const jf_driver *d);

const jf_param *jf_driver_param(const jf_driver *d, const char *key);
/* Shortcuts: the value, or NULL / @def when the key is absent. */
const char *jf_driver_str(const jf_driver *d, const char *key);
int64_t jf_driver_int(const jf_driver *d, const char *key, int64_t def);
bool jf_driver_bool(const jf_driver *d, const char *key, bool def);

const char *jf_driver_kind_name(jf_driver_kind kind);
jf_driver_role jf_driver_kind_role(jf_driver_kind kind);
const char *jf_driver_role_name(jf_driver_role role);
/* The types that can fill @role ("a, b, c"), for messages. */
const char *jf_driver_role_types(jf_driver_role role);
/* Every export jmpflash loaded but does not drive, depth first, refs
 * not followed: calls @fn for each. */
void jf_exporter_foreach_undriven(const jf_exporter *e, void (*fn)(void *user, const jf_driver *d),
                                  void *user);

/* The flasher's settings with the seed's defaults applied. Strings are owned
 * by the driver. A default directory that is not writable by this user is
 * replaced by a per-user one (see docs/config.md), noted in *_fallback. */
/* U-Boot's prompt when the flasher has no uboot child with its own. */
#define JF_UBOOT_PROMPT_DEFAULT "=> "
/* Seconds a power cycle stays off when the power driver's config does not
 * say (its off_time; jmpflash.power.qemu: 0). */
#define JF_POWER_OFF_TIME_DEFAULT "2"

/* The schema's default for @key of driver type @type ("jmpflash.flasher",
 * "uboot_timeout") as the YAML would spell it, or NULL when the type or
 * key is unknown or has no default. Each default is written once, in
 * src/config/drivers.c; --help and the CLI read it from here. */
const char *jf_config_default(const char *type, const char *key);
/* The directory a flasher that does not set @key ("cache_dir", "tftp_dir",
 * "http_dir") uses: the schema's default when this user can write there,
 * else the per-user one (docs/config.md). JF_EINVAL when it does not fit. */
int jf_config_default_dir(char *buf, size_t size, const char *key);

/* A flasher's tftp or http child, as the flasher uses it. */
typedef struct jf_server_config {
	const char *host;    /* the address boards reach it at; NULL or "": find it */
	const char *bind;    /* where to listen: an address, "all"; NULL: host if local */
	uint16_t port;       /* 0: an ephemeral port */
	bool remove_created; /* remove_created_on_close */
} jf_server_config;

/* Every value is filled from the exporter (its schema defaults included):
 * each default is written once, in src/config/drivers.c. */
typedef struct jf_flasher_config {
	const char *flasher_bundle;
	const char *cache_dir;
	const char *tftp_dir;
	const char *http_dir;
	const char *variant;        /* NULL: the manifest's default */
	const char *manifest;       /* "manifest.yaml" */
	const char *default_target; /* NULL: the manifest's default */
	const char *cacert;         /* NULL: none */
	bool shared_server;         /* a `jmpflash serve` owns the ports; stage per board */
	const char *board_dir;      /* shared_server: subdirectory; NULL: the exporter's name */
	const char *uboot_prompt;   /* the uboot child's prompt, else "=> " */
	unsigned tftp_blocksize;    /* what U-Boot asks the TFTP server for */
	unsigned tftp_windowsize;
	unsigned uboot_timeout_s; /* power on to U-Boot's prompt */
	unsigned boot_timeout_s;  /* boot command to the login prompt */
	const char *board_ipaddr; /* static U-Boot addressing; NULL: dhcp */
	const char *board_netmask;
	const char *board_gatewayip;
	jf_server_config tftp_server;
	jf_server_config http_server;
	const jf_driver *serial;
	const jf_driver *power;
	const jf_driver *tftp;
	const jf_driver *http;
	const jf_driver *uboot; /* NULL when the flasher has no uboot child */
} jf_flasher_config;

int jf_flasher_config_get(jf_flasher_config *out, const jf_driver *flasher, jf_err *err);

/* True when this user can create files in @dir, or create @dir itself
 * (the nearest existing parent is writable). */
bool jf_dir_usable(const char *dir);

#ifdef __cplusplus
}
#endif

#endif
