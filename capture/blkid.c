/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Superblock probing for UUID=/LABEL= targets without udev (see blkid.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "blkid.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }

/* Read exactly len bytes at off; -ENOENT when the device is shorter. */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (uint8_t *)buf + got, len - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENOENT;
		got += (size_t)r;
	}
	return 0;
}

static void fmt_uuid(char out[40], const uint8_t u[16])
{
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

/* A fixed-size label field: up to the first NUL, trailing blanks dropped. */
static void fmt_label(char *out, size_t cap, const uint8_t *p, size_t len)
{
	size_t n = strnlen((const char *)p, len);

	while (n && p[n - 1] == ' ')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int probe_ext(int fd, struct cap_fsid *f)
{
	uint8_t sb[256];
	int r = read_at(fd, sb, sizeof(sb), 1024);

	if (r < 0)
		return r;
	if (le16(sb + 0x38) != 0xef53)
		return -ENOENT;
	snprintf(f->type, sizeof(f->type), "ext4");
	fmt_uuid(f->uuid, sb + 0x68);
	fmt_label(f->label, sizeof(f->label), sb + 0x78, 16);
	return 0;
}

static int probe_xfs(int fd, struct cap_fsid *f)
{
	uint8_t sb[128];
	int r = read_at(fd, sb, sizeof(sb), 0);

	if (r < 0)
		return r;
	if (memcmp(sb, "XFSB", 4))
		return -ENOENT;
	snprintf(f->type, sizeof(f->type), "xfs");
	fmt_uuid(f->uuid, sb + 32);
	fmt_label(f->label, sizeof(f->label), sb + 108, 12);
	return 0;
}

static int probe_btrfs(int fd, struct cap_fsid *f)
{
	uint8_t sb[0x22b];
	int r = read_at(fd, sb, sizeof(sb), 0x10000);

	if (r < 0)
		return r;
	if (memcmp(sb + 0x40, "_BHRfS_M", 8))
		return -ENOENT;
	snprintf(f->type, sizeof(f->type), "btrfs");
	fmt_uuid(f->uuid, sb + 0x20);
	fmt_label(f->label, sizeof(f->label), sb + 0x12b, 256);
	return 0;
}

static int probe_vfat(int fd, struct cap_fsid *f)
{
	uint8_t bs[512];
	const uint8_t *id, *label;
	uint32_t v;
	int r = read_at(fd, bs, sizeof(bs), 0);

	if (r < 0)
		return r;
	if (bs[510] != 0x55 || bs[511] != 0xaa)
		return -ENOENT;
	if (!memcmp(bs + 0x52, "FAT32   ", 8)) {
		id = bs + 0x43;
		label = bs + 0x47;
	} else if (!memcmp(bs + 0x36, "FAT1", 4)) {
		id = bs + 0x27;
		label = bs + 0x2b;
	} else {
		return -ENOENT;
	}
	v = le32(id);
	snprintf(f->type, sizeof(f->type), "vfat");
	snprintf(f->uuid, sizeof(f->uuid), "%04X-%04X", v >> 16, v & 0xffff);
	fmt_label(f->label, sizeof(f->label), label, 11);
	if (!strcmp(f->label, "NO NAME"))
		f->label[0] = '\0';
	return 0;
}

int cap_blkid_probe(const char *path, struct cap_fsid *ret)
{
	static int (*const probes[])(int, struct cap_fsid *) = {
		probe_ext, probe_xfs, probe_btrfs, probe_vfat,
	};
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int r = -ENOENT;

	if (fd < 0)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		r = probes[i](fd, ret);
		if (r != -ENOENT)
			break;
	}
	close(fd);
	return r;
}

int cap_blkid_find(const char *spec, const char *sysblock, const char *devdir,
		   char *ret_path, size_t n)
{
	bool uuid = !strncmp(spec, "UUID=", 5), label = !strncmp(spec, "LABEL=", 6);
	const char *want = uuid ? spec + 5 : spec + 6;
	struct dirent **de = NULL;
	int nde, r = -ENODEV;

	if ((!uuid && !label) || !*want)
		return -EINVAL;
	nde = scandir(sysblock, &de, NULL, alphasort);   /* sorted: vda before vda1 */
	if (nde < 0)
		return -errno;
	for (int i = 0; i < nde; i++) {
		char dev[512];
		struct cap_fsid f;

		if (r != -ENODEV || de[i]->d_name[0] == '.')
			continue;
		snprintf(dev, sizeof(dev), "%s/%s", devdir, de[i]->d_name);
		if (cap_blkid_probe(dev, &f) < 0)
			continue;
		if (uuid ? strcasecmp(f.uuid, want) : strcmp(f.label, want))
			continue;
		if (strlen(dev) >= n)
			r = -ENAMETOOLONG;
		else
			r = 0, snprintf(ret_path, n, "%s", dev);
	}
	for (int i = 0; i < nde; i++)
		free(de[i]);
	free(de);
	return r;
}
