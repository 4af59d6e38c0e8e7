/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capture/blkid.c: UUID/LABEL from superblocks, and finding a device by them.
 * ext4 images come from mkfs.ext4; xfs, btrfs and vfat superblocks are laid
 * out here from their on-disk formats (the tools are not installed). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "blkid.h"

static char dir[256], sys[300], dev[300];

static void put(const char *name, long off, const void *buf, size_t len, long size)
{
	char p[400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dev, name);
	f = fopen(p, "r+b");
	if (!f)
		f = fopen(p, "w+b");
	if (!f)
		return;
	if (size && ftruncate(fileno(f), size) != 0)
		perror("ftruncate");
	fseek(f, off, SEEK_SET);
	fwrite(buf, 1, len, f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/%s", sys, name);
	mkdir(p, 0755);
}

static const uint8_t U[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
			       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

int main(void)
{
	struct cap_fsid f;
	char path[512], cmd[1600];
	uint8_t b[1024];
	int r;

	snprintf(dir, sizeof(dir), "%s/blkid.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(dev, sizeof(dev), "%s/dev", dir);
	mkdir(sys, 0755);
	mkdir(dev, 0755);

	/* ext4, by mkfs.ext4 itself */
	snprintf(cmd, sizeof(cmd), "truncate -s 8M %s/vdb && mkfs.ext4 -q -F -L crash-dumps "
		 "-U 0b6c5a39-6f3e-4c55-9d1e-2a7f3f0c9e11 %s/vdb >/dev/null 2>&1 && mkdir %s/vdb",
		 dev, dev, sys);
	r = system(cmd);
	ok(r == 0, "mkfs.ext4 made an image");
	r = cap_blkid_probe(strcat(strcpy(path, dev), "/vdb"), &f);
	ok(r == 0 && !strcmp(f.type, "ext4") && !strcmp(f.uuid, "0b6c5a39-6f3e-4c55-9d1e-2a7f3f0c9e11") &&
	   !strcmp(f.label, "crash-dumps"), "ext4: type %s uuid %s label '%s'", f.type, f.uuid, f.label);

	/* xfs: "XFSB", sb_uuid at 32, sb_fname[12] at 108 */
	memset(b, 0, sizeof(b));
	memcpy(b, "XFSB", 4);
	memcpy(b + 32, U, 16);
	memcpy(b + 108, "xfsdump", 7);
	put("vdc", 0, b, 512, 1 << 20);
	r = cap_blkid_probe(strcat(strcpy(path, dev), "/vdc"), &f);
	ok(r == 0 && !strcmp(f.type, "xfs") && !strcmp(f.uuid, "12345678-9abc-def0-0123-456789abcdef") &&
	   !strcmp(f.label, "xfsdump"), "xfs: type %s uuid %s label '%s'", f.type, f.uuid, f.label);

	/* btrfs: superblock at 64 KiB, fsid at +0x20, magic at +0x40, label at +0x12b */
	memset(b, 0, sizeof(b));
	memcpy(b + 0x20, U, 16);
	memcpy(b + 0x40, "_BHRfS_M", 8);
	memcpy(b + 0x12b, "btr label", 9);
	put("vdd", 0x10000, b, 0x300, 1 << 20);
	r = cap_blkid_probe(strcat(strcpy(path, dev), "/vdd"), &f);
	ok(r == 0 && !strcmp(f.type, "btrfs") && !strcmp(f.label, "btr label"),
	   "btrfs: type %s uuid %s label '%s'", f.type, f.uuid, f.label);

	/* vfat (FAT32): volume id at 0x43, label at 0x47 padded with blanks */
	memset(b, 0, sizeof(b));
	memcpy(b + 0x52, "FAT32   ", 8);
	b[0x43] = 0x78; b[0x44] = 0x56; b[0x45] = 0x34; b[0x46] = 0x12;
	memcpy(b + 0x47, "EFI        ", 11);
	b[510] = 0x55; b[511] = 0xaa;
	put("vde1", 0, b, 512, 1 << 20);
	r = cap_blkid_probe(strcat(strcpy(path, dev), "/vde1"), &f);
	ok(r == 0 && !strcmp(f.type, "vfat") && !strcmp(f.uuid, "1234-5678") && !strcmp(f.label, "EFI"),
	   "vfat: type %s uuid %s label '%s'", f.type, f.uuid, f.label);

	/* nothing known: random bytes */
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 131 + 7);
	put("vdf", 0, b, sizeof(b), 1 << 20);
	r = cap_blkid_probe(strcat(strcpy(path, dev), "/vdf"), &f);
	ok(r == -ENOENT, "unknown content: -ENOENT (%d)", r);
	put("vdg", 0, b, 10, 0);   /* shorter than any superblock */
	r = cap_blkid_probe(strcat(strcpy(path, dev), "/vdg"), &f);
	ok(r == -ENOENT, "a 10-byte device: -ENOENT (%d)", r);

	/* finding by spec */
	r = cap_blkid_find("LABEL=crash-dumps", sys, dev, path, sizeof(path));
	ok(r == 0 && strstr(path, "/vdb"), "LABEL=crash-dumps -> %s", r ? strerror(-r) : path);
	r = cap_blkid_find("UUID=0B6C5A39-6F3E-4C55-9D1E-2A7F3F0C9E11", sys, dev, path, sizeof(path));
	ok(r == 0 && strstr(path, "/vdb"), "UUID (any case) -> %s", r ? strerror(-r) : path);
	r = cap_blkid_find("UUID=12345678-9abc-def0-0123-456789abcdef", sys, dev, path, sizeof(path));
	ok(r == 0 && strstr(path, "/vdc"), "xfs UUID -> %s (first of two with this fsid, sorted)",
	   r ? strerror(-r) : path);
	r = cap_blkid_find("UUID=1234-5678", sys, dev, path, sizeof(path));
	ok(r == 0 && strstr(path, "/vde1"), "vfat volume id -> %s", r ? strerror(-r) : path);
	r = cap_blkid_find("LABEL=crash", sys, dev, path, sizeof(path));
	ok(r == -ENODEV, "a label prefix does not match (%d)", r);
	r = cap_blkid_find("LABEL=", sys, dev, path, sizeof(path));
	ok(r == -EINVAL, "LABEL= with nothing after it: -EINVAL (%d)", r);
	r = cap_blkid_find("PARTUUID=x", sys, dev, path, sizeof(path));
	ok(r == -EINVAL, "other specs: -EINVAL");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return tap_done();
}
