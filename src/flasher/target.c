/* Which block device to write: chosen from the options and the manifest
 * (pure), then found on the board (a /sys/class/block#ADDRESS target, a
 * partition label). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flasher_int.h"
#include "target.h"

static int unknown_target(const jf_manifest *m, const char *name, jf_err *err)
{
	char names[256] = "";

	for (size_t i = 0; i < m->ntargets; i++)
		jf_names_add(names, sizeof(names), m->targets[i].name);
	return jf_err_set(err, JF_ECONFIG, "target '%s' is not in the bundle's targets (%s)", name,
	                  names);
}

int jf_flasher__target_pick(jf_target *out, const jf_manifest *m, const char *config_default,
                            const char *target, const char *partition, jf_err *err)
{
	const char *name;

	memset(out, 0, sizeof(*out));
	/* upstream: a partition that names a target means that target */
	if (partition && jf_manifest_target_device(m, partition)) {
		name = partition;
		partition = NULL;
	} else {
		name = target ? target : config_default ? config_default : m->default_target;
	}
	if (!jf_manifest_target_device(m, name))
		return unknown_target(m, name, err);
	if (partition && (!*partition || strpbrk(partition, "/'\"\\ \t\n$`")))
		return jf_err_set(err, JF_EINVAL,
		                  "partition label '%s' has characters a label cannot have",
		                  partition);
	out->name = name;
	out->device = jf_manifest_target_device(m, name);
	out->partlabel = partition;
	return 0;
}

int jf_flasher__target_sysfs_address(const char *device, const char **address)
{
	static const char prefix[] = "/sys/class/block#";

	if (strncmp(device, prefix, sizeof(prefix) - 1))
		return 0;
	*address = device + sizeof(prefix) - 1;
	return 1;
}

int jf_flasher__target_find_disk_cmd(jf_buf *out, const char *address)
{
	/* whole disks only: a partition has a "partition" attribute */
	return jf_buf_printf(
	    out,
	    "for d in /sys/class/block/*; do [ -e $d/partition ] && continue; "
	    "case $(readlink -f $d) in *'%s'*) echo jf-dev=${d##*/};; esac; done; true",
	    address);
}

int jf_flasher__target_find_part_cmd(jf_buf *out, const char *disk, const char *label)
{
	/* no udev on a flasher initramfs: the kernel's uevent names GPT
	 * partitions (PARTNAME) */
	return jf_buf_printf(out,
	                     "if [ -e /dev/disk/by-partlabel/%s ]; then echo "
	                     "jf-dev=$(basename $(readlink -f /dev/disk/by-partlabel/%s)); else "
	                     "for p in /sys/class/block/%s*; do grep -qx PARTNAME=%s $p/uevent "
	                     "2>/dev/null && echo jf-dev=${p##*/}; done; fi; true",
	                     label, label, disk, label);
}

/* The first "jf-dev=NAME" in @text as "/dev/NAME". */
int jf_flasher__target_parse_dev(char *dev, size_t size, const char *text)
{
	const char *p = text ? strstr(text, "jf-dev=") : NULL;
	size_t len;

	if (!p)
		return -1;
	p += 7;
	len = strcspn(p, "\r\n \t");
	if (!len || memchr(p, '/', len))
		return -1;
	return snprintf(dev, size, "/dev/%.*s", (int)len, p) < (int)size ? 0 : -1;
}

/* Resolve @t to a device path on the board. */
int jf_flasher__target_resolve(jf_flasher *f, const jf_target *t, char *dev, size_t size,
                               jf_err *err)
{
	jf_buf cmd = JF_BUF_INIT, out = JF_BUF_INIT;
	const char *addr, *disk;
	int error = 0;

	if (jf_flasher__target_sysfs_address(t->device, &addr)) {
		if ((error = jf_flasher__target_find_disk_cmd(&cmd, addr)) < 0 ||
		    (error = jf_flasher__shell_run(f, cmd.ptr, 30, &out, err)) < 0)
			goto done;
		if (jf_flasher__target_parse_dev(dev, size, out.ptr) < 0) {
			error = jf_err_set(err, JF_ENOTFOUND,
			                   "target '%s': the board has no block device at %s",
			                   t->name, addr);
			goto done;
		}
	} else if (snprintf(dev, size, "%s", t->device) >= (int)size) {
		error = jf_err_set(err, JF_EINVAL, "device path too long");
		goto done;
	}
	jf_info(f->log, JF_COMPONENT, "Using target block device: %s", dev);
	if (!t->partlabel)
		goto done;
	disk = strrchr(dev, '/') + 1;
	jf_buf_clear(&cmd);
	jf_buf_clear(&out);
	if ((error = jf_flasher__target_find_part_cmd(&cmd, disk, t->partlabel)) < 0 ||
	    (error = jf_flasher__shell_run(f, cmd.ptr, 30, &out, err)) < 0)
		goto done;
	if (jf_flasher__target_parse_dev(dev, size, out.ptr) < 0) {
		error =
		    jf_err_set(err, JF_ENOTFOUND, "no partition labelled '%s' on %s (target %s)",
		               t->partlabel, disk, t->name);
		goto done;
	}
	jf_info(f->log, JF_COMPONENT, "Using partition %s: %s", t->partlabel, dev);
done:
	jf_buf_free(&cmd);
	jf_buf_free(&out);
	return error;
}
