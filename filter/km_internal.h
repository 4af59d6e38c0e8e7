/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal state of the kernel model (filter/km*.c, x86_64.c, i386.c,
 * classify.c, dmesg.c). Not part of the public API (filter.h).
 */
#ifndef CRASHCAP_KM_INTERNAL_H
#define CRASHCAP_KM_INTERNAL_H

#include <endian.h>
#include <string.h>
#include "filter.h"

#define KM_NONE UINT64_MAX   /* "key absent" for offsets/sizes */

/* Little-endian field accessors (every architecture we model is LE). */
static inline uint64_t km_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline uint32_t km_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static inline uint16_t km_le16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

/* One architecture: a table of operations, one file each. */
struct km_arch_ops {
	const char *name;
	uint16_t machine;
	int ptr_size;
	/* Set up translation from VMCOREINFO; fill m->arch. */
	int (*init)(km *m, struct ec_err *err);
	/* Translate; on success also report the size of the leaf mapping
	 * (4 KiB, 2 MiB, 1 GiB ...) so callers can cache it. -EFAULT if unmapped. */
	int (*vtop)(km *m, uint64_t va, uint64_t *ret_pa, uint64_t *ret_leaf,
		    struct ec_err *err);
	/* Is this a kernel virtual address at all (mdf's is_kvaddr)? */
	bool (*is_kvaddr)(const km *m, uint64_t va);
};

extern const struct km_arch_ops km_arch_x86_64;
extern const struct km_arch_ops km_arch_i386;

/* struct page layout and page-flag numbers, all from VMCOREINFO. */
struct km_page_layout {
	uint64_t size, flags, refcount, mapping, mapcount, private_, compound_head;
	uint64_t order_off, dtor_off;  /* in page[1]; 0 = unknown (mdf's meaning) */
	bool order_u16;                /* kernels < 4.16: u16 order/dtor */
	bool dtor_ulong;               /* kernels < 4.4: dtor is a pointer */
};

struct km_key { bool have; int64_t v; };

struct km_flags {
	struct km_key lru, private_, swapcache, swapbacked, slab, head_mask, hwpoison,
		hugetlb, buddy_mc, offline_mc, slab_mc, hugetlb_mc, unaccepted_mc,
		hugetlb_dtor, pg_buddy;
	uint64_t free_area_len;        /* LENGTH(zone.free_area) or KM_NONE */
	uint64_t sym_free_huge_page;   /* old kernels: dtor is this address */
};

enum km_memmodel { KM_MM_NONE, KM_MM_SPARSE, KM_MM_FLAT };

struct km {
	ec_dump *d;
	const ec_vmcoreinfo *vi;
	const struct km_arch_ops *arch;
	uint32_t page_size;
	unsigned page_shift;
	unsigned kver;                 /* KERNEL_VERSION(a,b,c) from OSRELEASE, 0 unknown */

	/* arch private state */
	struct {
		uint64_t pgd_pa;           /* top-level table (physical) */
		int64_t phys_base;
		uint64_t entry_mask;       /* with sme_mask removed */
		int levels;                /* 4/5 (x86_64), 2/3 (i386) */
		uint64_t page_offset;      /* direct map base (0 = unknown) */
	} x;
	/* one-entry translation cache (vmemmap reads are sequential) */
	struct { bool valid; uint64_t va, pa, size; } tlb;

	/* segments (copied, sorted by paddr) for mdf's is_in_segs() */
	struct { uint64_t start, end; } *segs;   /* [start, end) paddr with file data */
	size_t nr_segs;
	uint64_t max_mapnr;

	/* memory model */
	enum km_memmodel mm;
	unsigned pfn_section_shift;    /* SECTION_SIZE_BITS - page_shift */
	uint64_t nr_sections;          /* covering max_mapnr */
	uint64_t *sec_mem_map;         /* vaddr of struct page of section's first pfn, 0 = none */
	uint64_t flat_mem_map;         /* FLATMEM: vaddr of mem_map[0] */

	struct km_page_layout pg;
	struct km_flags fl;
	bool buddy_by_mapcount;        /* mdf's page_is_buddy_v3 / v2 selected */
	bool classify_ok;
	char why[512];                 /* why classification is impossible */
};

/* VMCOREINFO helpers: value or KM_NONE / have=false. */
uint64_t km_vi_offset(const km *m, const char *name);
uint64_t km_vi_size(const km *m, const char *name);
uint64_t km_vi_length(const km *m, const char *name);
uint64_t km_vi_symbol(const km *m, const char *name);
struct km_key km_vi_number(const km *m, const char *name);

/* Read a pointer-sized value at a kernel virtual address. */
int km_read_ulong(km *m, uint64_t va, uint64_t *ret, struct ec_err *err);
uint64_t km_ulong(const km *m, const void *p);
/* Read physical memory (pass-through to the dump). */
int km_read_phys(km *m, uint64_t pa, void *buf, size_t len, struct ec_err *err);

/* mdf's is_in_segs(): paddr backed by file data of some PT_LOAD. */
bool km_pfn_in_segs(const km *m, uint64_t pfn);

/* Memory model (km_mem.c). */
int km_mem_init(km *m, struct ec_err *err);
/* vaddr of the struct page of pfn, 0 if no mem_map for it. */
uint64_t km_pfn_to_page(const km *m, uint64_t pfn);
/* First pfn and end pfn of the mem_map chunk that contains pfn
 * (mdf's mem_map_data entry: one per section, or the whole range). */
void km_chunk_of(const km *m, uint64_t pfn, uint64_t *ret_start, uint64_t *ret_end);

/* Walk the zones' free lists (freelist.c): cb(pfn, npages) per free block. */
int km_walk_free_lists(km *m, void (*cb)(void *ctx, uint64_t pfn, uint64_t n), void *ctx,
		       struct ec_err *err);

/* Why classification is impossible, without a leading "path: ". */
const char *km_why(const km *m);

/* Classification setup (classify.c). */
void km_classify_init(km *m);

#define KM_KVER(a, b, c) (((a) << 16) + ((b) << 8) + (c))

#endif
