/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashkernel= parsing and selection (the kernel's own rules), the live
 * reservation, and the capture's memory estimate. Sizes are bytes.
 * Functions return 0 or a negative errno and fill struct ec_err; no printing.
 */
#ifndef CRASHCAP_CRASHKERNEL_H
#define CRASHCAP_CRASHKERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "elfcore.h"

#define CK_MAX_RANGES 16
/* The kernel rounds System RAM up to this before matching ranges, because
 * firmware keeps some memory (kernel/crash_core.c, parse_crashkernel_mem). */
#define CK_RAM_ROUNDUP (128ull << 20)
/* What reset-crashkernel writes on x86_64 when asked for the default. */
#define CK_DEFAULT_X86_64 "1G-4G:192M,4G-64G:256M,64G-:512M"

enum ck_where { CK_ANY = 0, CK_HIGH, CK_LOW };   /* "", ",high", ",low" */

struct ck_range {
	uint64_t start, end;   /* [start, end); end == UINT64_MAX when open ("64G-") */
	uint64_t size;
};

struct ck_spec {
	bool ranged;                 /* "start-end:size,..." form */
	uint64_t size;               /* simple form */
	struct ck_range ranges[CK_MAX_RANGES];
	size_t n_ranges;
	bool has_offset;
	uint64_t offset;             /* "@offset" */
	enum ck_where where;
};

/* memparse(): digits (0x hex allowed) with optional K/M/G/T/P/E suffix.
 * Sets *ret_end past the parsed text; -EINVAL when no digits, -ERANGE on overflow. */
int ck_memparse(const char *s, const char **ret_end, uint64_t *ret);
/* Format as the shortest exact "<n>[KMG]" ("256M", "1536K", "4G"). */
void ck_format_size(uint64_t v, char *buf, size_t bufsz);

/* Parse the value of one crashkernel= (without the "crashkernel=" prefix). */
int ck_parse(const char *value, struct ck_spec *ret, struct ec_err *err);

/* Size for a machine with system_ram bytes, as the kernel chooses it: simple
 * form → its size; ranges → the first range containing roundup(ram, 128M),
 * size 0 if none. -EINVAL when a listed size >= the rounded RAM (the kernel
 * rejects the whole parameter then). *ret_offset is 0 without "@". */
int ck_select(const struct ck_spec *spec, uint64_t system_ram,
	      uint64_t *ret_size, uint64_t *ret_offset, struct ec_err *err);

/* Find the value of the last crashkernel= on a command line with the given
 * suffix (CK_ANY: the last one without ,high/,low — what the kernel uses).
 * Copies it into out; -ENOENT if absent, -E2BIG if longer than outsz. */
int ck_find_in_cmdline(const char *cmdline, enum ck_where where, char *out, size_t outsz);

/* Live reservation: size from kexec_crash_size (a sysfs file holding a
 * decimal byte count), start/end from iomem's "Crash kernel" lines (summed
 * if there are two, e.g. ,high + ,low). Either path may be NULL. start is 0
 * when iomem hides addresses (non-root). */
struct ck_live {
	uint64_t size;        /* bytes reserved (0: none) */
	uint64_t start, end;  /* first "Crash kernel" range, inclusive end */
	unsigned n_iomem;     /* number of "Crash kernel" lines */
	bool loaded;          /* kexec_crash_loaded was 1 */
};
int ck_read_live(const char *sysfs_dir, const char *iomem_path, struct ck_live *ret,
		 struct ec_err *err);
/* Total "System RAM" from an iomem file (bytes); addresses must be visible. */
int ck_iomem_system_ram(const char *iomem_path, uint64_t *ret, struct ec_err *err);

/* ---- estimate ---- */
struct ck_estimate_in {
	uint64_t ram;              /* first kernel's RAM (bytes) */
	uint64_t kernel_file;      /* bzImage size */
	uint64_t kernel_init_size; /* setup header init_size; 0: unknown (use 4 x file) */
	uint64_t initrd_file;      /* capture initrd size; 0: not built yet (assume 32 MiB) */
	bool initrd_uncompressed;  /* plain cpio: unpacked size == file size */
	unsigned threads;          /* crashcap save compression threads (>= 1) */
};

#define CK_EST_MAX_ITEMS 10
struct ck_estimate {
	struct {
		const char *what;
		uint64_t bytes;
		char why[160];
	} item[CK_EST_MAX_ITEMS];
	size_t n;
	uint64_t total;      /* sum of items */
	uint64_t recommend;  /* total rounded up to 32 MiB */
};
void ck_estimate(const struct ck_estimate_in *in, struct ck_estimate *ret);

/* Read a bzImage's setup header: init_size (bytes the kernel needs to
 * decompress and run, boot protocol >= 2.10). -EINVAL if not a bzImage. */
int ck_bzimage_init_size(const char *path, uint64_t *ret, struct ec_err *err);

#endif
