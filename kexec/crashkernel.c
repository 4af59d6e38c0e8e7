/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel= parsing/selection with the kernel's rules, live reservation, estimate. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crashkernel.h"
#include "filter.h"   /* FL_DEFAULT_CYCLE_BYTES: crashcap's bitmap cap */

#define MiB ((uint64_t)1 << 20)

int ck_memparse(const char *s, const char **ret_end, uint64_t *ret)
{
	const char *p = s;
	uint64_t v = 0;
	unsigned base = 10, shift = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return -EINVAL;
	for (;;) {
		unsigned d;

		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
		p++;
	}
	switch (*p) {
	case 'E': case 'e': shift = 60; break;
	case 'P': case 'p': shift = 50; break;
	case 'T': case 't': shift = 40; break;
	case 'G': case 'g': shift = 30; break;
	case 'M': case 'm': shift = 20; break;
	case 'K': case 'k': shift = 10; break;
	}
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
		p++;
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

void ck_format_size(uint64_t v, char *buf, size_t bufsz)
{
	static const char suf[] = { 'K', 'M', 'G', 'T' };
	int i = -1;

	while (v && i < 3 && (v & 1023) == 0) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, bufsz, "%" PRIu64, v);
	else
		snprintf(buf, bufsz, "%" PRIu64 "%c", v, suf[i]);
}

static int perr(struct ec_err *err, const char *value, const char *at, const char *what)
{
	return ec_set_err(err, -EINVAL, "crashkernel=%s: at offset %td: expected %s",
			  value, at - value, what);
}

int ck_parse(const char *value, struct ck_spec *ret, struct ec_err *err)
{
	struct ck_spec s;
	const char *p = value, *colon = strchr(value, ':');
	size_t vl = strlen(value);
	int r;

	memset(&s, 0, sizeof(s));
	if (vl >= 6 && !strcmp(value + vl - 5, ",high"))
		s.where = CK_HIGH, vl -= 5;
	else if (vl >= 5 && !strcmp(value + vl - 4, ",low"))
		s.where = CK_LOW, vl -= 4;
	if (colon && (size_t)(colon - value) < vl) {
		if (s.where != CK_ANY)
			return perr(err, value, value + vl, "no ,high/,low after a range list");
		s.ranged = true;
		for (;;) {
			struct ck_range *rg;
			uint64_t start, end = UINT64_MAX, size;

			if (s.n_ranges >= CK_MAX_RANGES)
				return perr(err, value, p, "at most 16 ranges");
			if ((r = ck_memparse(p, &p, &start)) < 0)
				return perr(err, value, p, "a memory value (range start)");
			if (*p != '-')
				return perr(err, value, p, "'-' after the range start");
			p++;
			if (*p != ':') {
				if ((r = ck_memparse(p, &p, &end)) < 0)
					return perr(err, value, p, "a memory value (range end) or ':'");
				if (end <= start)
					return perr(err, value, p, "a range end above its start");
			}
			if (*p != ':')
				return perr(err, value, p, "':' after the range");
			p++;
			if ((r = ck_memparse(p, &p, &size)) < 0)
				return perr(err, value, p, "a memory value (size)");
			rg = &s.ranges[s.n_ranges++];
			rg->start = start;
			rg->end = end;
			rg->size = size;
			if (*p != ',')
				break;
			p++;
		}
	} else {
		if ((r = ck_memparse(p, &p, &s.size)) < 0)
			return perr(err, value, p, "a memory value such as 256M");
	}
	if (*p == '@') {
		p++;
		if (s.where != CK_ANY)
			return perr(err, value, p, "no @offset together with ,high/,low");
		if ((r = ck_memparse(p, &p, &s.offset)) < 0)
			return perr(err, value, p, "a memory value after '@'");
		s.has_offset = true;
	}
	if ((size_t)(p - value) != vl)
		return perr(err, value, p, "end of value (unrecognized character)");
	*ret = s;
	return 0;
}

int ck_select(const struct ck_spec *spec, uint64_t system_ram,
	      uint64_t *ret_size, uint64_t *ret_offset, struct ec_err *err)
{
	uint64_t total = (system_ram + CK_RAM_ROUNDUP - 1) / CK_RAM_ROUNDUP * CK_RAM_ROUNDUP;
	uint64_t size = 0;

	if (!spec->ranged) {
		size = spec->size;
	} else {
		/* The kernel validates each range up to the first match, in order. */
		for (size_t i = 0; i < spec->n_ranges; i++) {
			const struct ck_range *rg = &spec->ranges[i];

			if (rg->size >= total) {
				char a[32], b[32];

				ck_format_size(rg->size, a, sizeof(a));
				ck_format_size(total, b, sizeof(b));
				return ec_set_err(err, -EINVAL,
						  "crashkernel: range %zu asks %s, not below the %s of RAM "
						  "(the kernel rejects the parameter)", i + 1, a, b);
			}
			if (total >= rg->start && total < rg->end) {
				size = rg->size;
				break;
			}
		}
	}
	*ret_size = size;
	*ret_offset = size && spec->has_offset ? spec->offset : 0;
	return 0;
}

int ck_find_in_cmdline(const char *cmdline, enum ck_where where, char *out, size_t outsz)
{
	const char *p = cmdline, *found = NULL;
	size_t found_len = 0;

	while (*p) {
		const char *w, *e;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		w = p;
		for (e = p; *e && (quoted || (*e != ' ' && *e != '\t' && *e != '\n')); e++)
			if (*e == '"')
				quoted = !quoted;
		p = e;
		if ((size_t)(e - w) > 12 && !strncmp(w, "crashkernel=", 12)) {
			const char *v = w + 12;
			size_t l = (size_t)(e - v);
			enum ck_where wh = CK_ANY;

			if (l >= 5 && !strncmp(e - 5, ",high", 5))
				wh = CK_HIGH;
			else if (l >= 4 && !strncmp(e - 4, ",low", 4))
				wh = CK_LOW;
			if (wh == where) {
				found = v;
				found_len = l;
			}
		}
	}
	if (!found)
		return -ENOENT;
	if (found_len + 1 > outsz)
		return -E2BIG;
	memcpy(out, found, found_len);
	out[found_len] = '\0';
	return 0;
}

static int read_small(const char *path, char *buf, size_t bufsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, bufsz - 1);
	if (n < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

/* Iterate iomem lines "  start-end : name"; calls fn for top-level and nested. */
static int iomem_scan(const char *path, struct ec_err *err,
		      void (*fn)(void *, uint64_t, uint64_t, const char *, int), void *ctx)
{
	FILE *f = fopen(path, "re");
	char line[512];
	unsigned no = 0;

	if (!f)
		return ec_set_err(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e, *name;
		uint64_t a, b;
		int depth = 0;

		no++;
		while (*p == ' ')
			p++, depth++;
		errno = 0;
		a = strtoull(p, &e, 16);
		if (e == p || *e != '-')
			goto bad;
		p = e + 1;
		b = strtoull(p, &e, 16);
		if (e == p || errno)
			goto bad;
		name = strstr(e, " : ");
		if (!name)
			goto bad;
		name += 3;
		name[strcspn(name, "\n")] = '\0';
		fn(ctx, a, b, name, depth / 2);
		continue;
bad:
		fclose(f);
		return ec_set_err(err, -EINVAL, "%s:%u: expected 'start-end : name'", path, no);
	}
	fclose(f);
	return 0;
}

static void live_cb(void *ctx, uint64_t a, uint64_t b, const char *name, int depth)
{
	struct ck_live *l = ctx;

	if (strcmp(name, "Crash kernel"))
		return;
	if (!l->n_iomem++) {
		l->start = a;
		l->end = b;
	}
}

int ck_read_live(const char *sysfs_dir, const char *iomem_path, struct ck_live *ret,
		 struct ec_err *err)
{
	struct ck_live l;
	char path[4096], buf[64];
	int r;

	memset(&l, 0, sizeof(l));
	if (sysfs_dir) {
		char *e;

		snprintf(path, sizeof(path), "%s/kexec_crash_size", sysfs_dir);
		r = read_small(path, buf, sizeof(buf));
		if (r < 0)
			return ec_set_err(err, r, "%s: %s", path, strerror(-r));
		errno = 0;
		l.size = strtoull(buf, &e, 10);
		if (e == buf || errno || (*e && *e != '\n'))
			return ec_set_err(err, -EINVAL, "%s: expected a decimal byte count, got '%.*s'",
					  path, (int)strcspn(buf, "\n"), buf);
		snprintf(path, sizeof(path), "%s/kexec_crash_loaded", sysfs_dir);
		if (read_small(path, buf, sizeof(buf)) > 0)
			l.loaded = buf[0] == '1';
	}
	if (iomem_path) {
		r = iomem_scan(iomem_path, err, live_cb, &l);
		if (r < 0)
			return r;
		if (!sysfs_dir && l.n_iomem && l.end >= l.start)
			l.size = l.end - l.start + 1;
	}
	*ret = l;
	return 0;
}

static void ram_cb(void *ctx, uint64_t a, uint64_t b, const char *name, int depth)
{
	uint64_t *sum = ctx;

	if (depth == 0 && !strcmp(name, "System RAM") && b > a)   /* 0-0: hidden from non-root */
		*sum += b - a + 1;
}

int ck_iomem_system_ram(const char *iomem_path, uint64_t *ret, struct ec_err *err)
{
	uint64_t sum = 0;
	int r = iomem_scan(iomem_path, err, ram_cb, &sum);

	if (r < 0)
		return r;
	if (!sum)
		return ec_set_err(err, -EPERM, "%s: no System RAM addresses (need root to see them)",
				  iomem_path);
	*ret = sum;
	return 0;
}

int ck_bzimage_init_size(const char *path, uint64_t *ret, struct ec_err *err)
{
	unsigned char h[0x270];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	unsigned version;

	if (fd < 0)
		return ec_set_err(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h + 0x202, "HdrS", 4))
		return ec_set_err(err, -EINVAL, "%s: not a bzImage (no 'HdrS' at offset 0x202)", path);
	version = h[0x206] | (unsigned)h[0x207] << 8;
	if (version < 0x20a)
		return ec_set_err(err, -EINVAL, "%s: boot protocol %u.%02u has no init_size (offset 0x260)",
				  path, version >> 8, version & 0xff);
	*ret = (uint64_t)h[0x260] | (uint64_t)h[0x261] << 8 | (uint64_t)h[0x262] << 16 |
	       (uint64_t)h[0x263] << 24;
	return 0;
}

static void est_add(struct ck_estimate *e, const char *what, uint64_t bytes, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void est_add(struct ck_estimate *e, const char *what, uint64_t bytes, const char *fmt, ...)
{
	va_list ap;

	if (e->n >= CK_EST_MAX_ITEMS)
		return;
	e->item[e->n].what = what;
	e->item[e->n].bytes = bytes;
	va_start(ap, fmt);
	vsnprintf(e->item[e->n].why, sizeof(e->item[e->n].why), fmt, ap);
	va_end(ap);
	e->n++;
	e->total += bytes;
}

/* Constants of the estimate, each explained where it is used. */
#define CK_RUNTIME_BASE     (48 * MiB)
#define CK_CRASHCAP_BASE    (8 * MiB)
#define CK_THREAD_BUF       (2 * MiB)
#define CK_INITRD_GUESS     (16 * MiB)
#define CK_INITRD_RATIO     3

void ck_estimate(const struct ck_estimate_in *in, struct ck_estimate *e)
{
	uint64_t kernel, unpacked, bitmap, pages, memmap, sub;
	unsigned threads = in->threads ? in->threads : 1;

	memset(e, 0, sizeof(*e));
	kernel = in->kernel_init_size ? in->kernel_init_size : 4 * in->kernel_file;
	est_add(e, "kernel", kernel, in->kernel_init_size ?
		"bzImage init_size: decompressed text+data+bss and the decompressor's room" :
		"4 x the compressed image (no init_size in the header)");
	if (in->initrd_file) {
		unpacked = in->initrd_uncompressed ? in->initrd_file : CK_INITRD_RATIO * in->initrd_file;
		est_add(e, "initrd", in->initrd_file + unpacked,
			"%" PRIu64 " KiB file kept until unpacked + %" PRIu64 " KiB in rootfs (%s)",
			in->initrd_file >> 10, unpacked >> 10,
			in->initrd_uncompressed ? "plain cpio" : "compressed: x3 assumed");
	} else {
		est_add(e, "initrd", CK_INITRD_GUESS + CK_INITRD_RATIO * CK_INITRD_GUESS,
			"not built yet: a 16 MiB dracut initrd assumed, x3 when unpacked");
	}
	est_add(e, "kernel runtime", CK_RUNTIME_BASE,
		"slab, per-CPU areas, page tables, udev and the initrd's processes with nr_cpus=1");
	pages = (in->ram + 4095) / 4096;
	bitmap = 2 * ((pages + 7) / 8);
	if (bitmap > FL_DEFAULT_CYCLE_BYTES)
		bitmap = FL_DEFAULT_CYCLE_BYTES;
	est_add(e, "filter bitmaps", bitmap,
		"2 bits per 4 KiB page of %" PRIu64 " MiB RAM, capped at %u KiB (crashcap filters in cycles)",
		in->ram >> 20, FL_DEFAULT_CYCLE_BYTES >> 10);
	est_add(e, "crashcap buffers", CK_CRASHCAP_BASE + threads * CK_THREAD_BUF,
		"8 MiB process (binary, libs, heap) + %u thread(s) x 2 MiB (page batch, compressor state)",
		threads);
	/* The capture kernel's own struct page array covers the reservation:
	 * 64 bytes per 4 KiB page, i.e. 1/64 of whatever we end up reserving. */
	sub = e->total;
	memmap = (sub + 62) / 63;
	est_add(e, "capture mem_map", memmap,
		"64-byte struct page per 4 KiB of the reservation itself (1/64)");
	e->recommend = (e->total + 32 * MiB - 1) / (32 * MiB) * (32 * MiB);
}
