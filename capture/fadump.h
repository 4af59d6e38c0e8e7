/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware-/hypervisor-assisted dump (POWER; seed 003). The dump is taken in
 * the production kernel after the firmware reboot: /proc/vmcore is copied,
 * and the memory that held it goes back to the system as the copy proceeds.
 *
 * Kernel interfaces (all paths below a root prefix, "" = the real system;
 * the front end takes it from --root or CRASHCAP_SYSFS_ROOT):
 *  - FADUMP_PHYP, the 2008 hypervisor-assisted dump (pseries phyp_dump.c):
 *    /sys/kernel/release_region exists while a dump waits. Reading it gives
 *    "CPU:A-S: HPTE:A-S: DUMP:A-S, A-S:" (address-size pairs, hex): the first
 *    DUMP pair is where the firmware saved the low memory (it holds physical
 *    [0, S)), the second the rest of memory, held in place. Writing
 *    "<addr> <size>" (sscanf "%lx %lx") frees that range; the kernel
 *    invalidates the dump by itself once everything is freed. We release each
 *    saved PT_LOAD (mapped through the DUMP pairs, clipped to them) right
 *    after its bytes are written and synced.
 *  - FADUMP_LEGACY (fadump, 3.4 .. 5.5): /sys/kernel/fadump_enabled,
 *    fadump_registered, and fadump_release_mem while a dump waits. The only
 *    release is "1" to fadump_release_mem: it frees all reserved memory,
 *    removes /proc/vmcore and invalidates the dump (release_mem_store() takes
 *    kstrtoint and accepts only 1). So no per-range release exists there; it
 *    is written once, after the whole dump is synced.
 *  - FADUMP_SYSFS (5.6+): /sys/kernel/fadump/{enabled,registered,release_mem}
 *    with the same semantics (the old names remain as symlinks).
 */
#ifndef CRASHCAP_FADUMP_H
#define CRASHCAP_FADUMP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "elfcore.h"

enum fadump_iface {
	FADUMP_NONE = 0,
	FADUMP_PHYP,
	FADUMP_LEGACY,
	FADUMP_SYSFS,
};

#define FADUMP_MAX_RANGES 8

struct fadump_range { uint64_t addr, size; };

struct fadump_info {
	enum fadump_iface iface;
	bool enabled;        /* fadump configured in this kernel */
	bool registered;     /* armed for the next crash */
	bool active;         /* a dump from the previous boot is waiting */
	char release_range[PATH_MAX];  /* per-range release file, "" if none */
	char release_all[PATH_MAX];    /* "echo 1" release file, "" if none */
	char registered_path[PATH_MAX]; /* fadump registered file, "" if none */
	char vmcore[PATH_MAX];
	/* FADUMP_PHYP: the DUMP pairs read from release_region */
	struct fadump_range dump[FADUMP_MAX_RANGES];
	unsigned nr_dump;
};

/* Probe the sysfs files under root. Not finding fadump is not an error:
 * iface = FADUMP_NONE. */
int fadump_detect(const char *root, struct fadump_info *ret, struct ec_err *err);
/* Parse release_region's text ("...DUMP:0x..-0x.., 0x..-0x..:"). Returns the
 * number of pairs or -EINVAL. */
int fadump_parse_release_region(const char *text, struct fadump_range *ret,
				unsigned max, struct ec_err *err);
const char *fadump_iface_name(enum fadump_iface i);

/* One PT_LOAD of the vmcore. */
struct fadump_seg {
	unsigned idx;
	uint64_t paddr, size;   /* physical range; size = p_filesz */
	uint64_t offset;        /* offset in the vmcore (and in a plain copy) */
};

/* Where the dump goes. write gets the vmcore's own offsets (a plain copy has
 * the same layout); sync must make all that was written durable; segment may
 * be NULL, or return 0 to skip (filter) a PT_LOAD, 1 to copy it, <0 to fail.
 * Each returns 0 / a negative errno and fills err. */
struct fadump_sink {
	int (*write)(void *ctx, const void *buf, size_t len, uint64_t off, struct ec_err *err);
	int (*sync)(void *ctx, struct ec_err *err);
	int (*segment)(void *ctx, const struct fadump_seg *seg);
	void *ctx;
};

#define FADUMP_NO_RELEASE     0x1   /* never write to the release files */
#define FADUMP_NO_INVALIDATE  0x2   /* keep the dump (no release_mem "1") */
#define FADUMP_REREGISTER     0x4   /* after invalidating, arm fadump again
				     * ("1" to registered, as kdumpctl start does) */

struct fadump_stats {
	uint64_t bytes;         /* bytes handed to the sink */
	unsigned segs, skipped;
	unsigned releases;      /* writes to the per-range release file */
	uint64_t released;      /* bytes released through it */
	bool invalidated;
	bool reregistered;
};

/* Copy fi->vmcore through sink, releasing memory as described above. On a
 * sink error nothing more is released and the dump is not invalidated (the
 * unsaved memory stays reserved for another try). ret_stats may be NULL. */
int fadump_save(const struct fadump_info *fi, const struct fadump_sink *sink,
		unsigned flags, struct fadump_stats *ret_stats, struct ec_err *err);

#endif
