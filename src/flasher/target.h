/* Target selection (src/flasher/target.c); the pure parts are unit tested. */
#ifndef JF_FLASHER_TARGET_H
#define JF_FLASHER_TARGET_H

#include <stddef.h>

#include "jmpflash/buf.h"
#include "jmpflash/error.h"
#include "jmpflash/manifest.h"

typedef struct jf_target {
	const char *name;      /* the manifest's target name */
	const char *device;    /* "/dev/vda" or "/sys/class/block#ADDRESS" */
	const char *partlabel; /* NULL: the whole device */
} jf_target;

/* Upstream's rules: a @partition that names a target is that target;
 * otherwise the target is @target, else @config_default, else the
 * manifest's default_target, and @partition is a partition label on it. */
int jf_flasher__target_pick(jf_target *out, const jf_manifest *m, const char *config_default,
                            const char *target, const char *partition, jf_err *err);
/* 1 and *address for "/sys/class/block#ADDRESS", else 0. */
int jf_flasher__target_sysfs_address(const char *device, const char **address);
/* Board shell commands that print "jf-dev=NAME". */
int jf_flasher__target_find_disk_cmd(jf_buf *out, const char *address);
int jf_flasher__target_find_part_cmd(jf_buf *out, const char *disk, const char *label);
int jf_flasher__target_parse_dev(char *dev, size_t size, const char *text);

struct jf_flasher;
int jf_flasher__target_resolve(struct jf_flasher *f, const jf_target *t, char *dev, size_t size,
                               jf_err *err);

#endif
