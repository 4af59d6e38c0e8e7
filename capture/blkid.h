/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Filesystem UUID and LABEL of a block device, read from its superblock
 * (ext2/3/4, xfs, btrfs, vfat), so that a capture running as init without
 * udev (no /dev/disk/by-*) still finds "UUID=..." and "LABEL=..." targets.
 */
#ifndef CRASHCAP_BLKID_H
#define CRASHCAP_BLKID_H

#include <stddef.h>

struct cap_fsid {
	char type[8];                  /* "ext4", "xfs", "btrfs", "vfat" */
	char uuid[40];                 /* as blkid prints it (lowercase; vfat XXXX-XXXX) */
	char label[257];               /* "" when none */
};

/* Probe one device or image file. 0, -ENOENT (no known filesystem), or a
 * negative errno from open/read. */
int cap_blkid_probe(const char *path, struct cap_fsid *ret);

/* The first device under sysblock (normally /sys/class/block; partitions
 * included) whose filesystem matches spec, "UUID=..." (case-insensitive) or
 * "LABEL=..." (exact), as devdir/<name> in ret_path. -ENODEV when none does,
 * -EINVAL for another kind of spec. */
int cap_blkid_find(const char *spec, const char *sysblock, const char *devdir,
		   char *ret_path, size_t n);

#endif
