/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * filter/: the VMCOREINFO-driven kernel model (address translation, memory
 * model, struct page decoding) and page classification by dump level.
 * Same conventions as elfcore.h: negative errno + struct ec_err.
 */
#ifndef CRASHCAP_FILTER_H
#define CRASHCAP_FILTER_H

#include "elfcore.h"

/* Dump level bits, makedumpfile's meaning. */
#define DL_ZERO        1   /* zero-filled pages */
#define DL_CACHE       2   /* page cache without private */
#define DL_CACHE_PRIV  4   /* page cache with private */
#define DL_USER        8   /* anon + hugetlb */
#define DL_FREE       16   /* free (buddy) pages */
#define DL_MAX        31

typedef struct km km;  /* kernel model built from one dump */

/* Build the model (architecture chosen from ec_machine(): x86_64, i386).
 * Fails with a clear message when VMCOREINFO lacks what translation needs. */
int km_create(ec_dump *d, km **ret, struct ec_err *err);
void km_destroy(km *m);

/* Virtual -> physical (page-table walk). -EFAULT when not mapped. */
int km_vtop(km *m, uint64_t vaddr, uint64_t *ret_paddr, struct ec_err *err);
/* Read kernel virtual memory (crosses pages). */
int km_read_virt(km *m, uint64_t vaddr, void *buf, size_t len, struct ec_err *err);
ec_dump *km_dump(km *m);

/* Can this model classify pages (mem_map walk possible, struct page keys)? */
bool km_can_classify(const km *m, struct ec_err *why);

/*
 * Page classification in bounded cycles.
 * fl_classify() fills `keep` (1 bit per pfn, LSB first, bit (pfn - start_pfn))
 * for pfns [start_pfn, end_pfn): bit set = page present in the source and kept
 * at `dump_level`, EXCEPT zero-page detection (DL_ZERO), which needs page
 * contents and is done by the writers (fl_page_is_zero()).
 * The bitmap must hold (end_pfn - start_pfn + 7) / 8 bytes.
 * Memory used is O(end_pfn - start_pfn), so the caller bounds it by cycle size.
 * The kept set equals makedumpfile's 2nd bitmap for the same level (page for
 * page, whatever the cycle boundaries; HW-poisoned and offline pages are
 * dropped at every level, as makedumpfile does). Struct pages that cannot be
 * read are kept (stats->unreadable). Fails with -ENOTSUP when the model cannot
 * classify (see km_can_classify) and the level needs it; -d 0/1 always work.
 */
struct fl_stats {
	uint64_t total, kept;
	uint64_t zero, cache, cache_priv, user, free, hwpoison, offline, hole;
	uint64_t unreadable;   /* pfns kept because their struct page could not be read */
};
int fl_classify(km *m, int dump_level, uint64_t start_pfn, uint64_t end_pfn,
		uint8_t *keep, struct fl_stats *stats, struct ec_err *err);

/* Fallback when the model cannot be built: every present pfn kept. */
int fl_keep_present(ec_dump *d, uint64_t start_pfn, uint64_t end_pfn,
		    uint8_t *keep);

bool fl_page_is_zero(const void *page, size_t len);

/* Default memory cap (bytes) for per-cycle structures. */
#define FL_DEFAULT_CYCLE_BYTES (4u << 20)

/* ---- dmesg: the printk ring (lockless 5.10+ and log_buf variants) ---- */
/* Write the kernel log exactly as `makedumpfile --dump-dmesg` does. */
struct fl_out {
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};
int fl_dump_dmesg(km *m, const struct fl_out *out, struct ec_err *err);
/* Same with options: FL_DMESG_CALLER_ID adds "[    T123] " after the
 * timestamp, as makedumpfile >= 1.7.5 does (1.7.2, the default, does not). */
#define FL_DMESG_CALLER_ID 0x1
int fl_dump_dmesg_ex(km *m, const struct fl_out *out, unsigned flags,
		     struct ec_err *err);

#endif
