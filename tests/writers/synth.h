/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A synthetic dump source for the writer tests: no storage, every page's
 * class and contents are a function of its pfn, so a test can cover many
 * bitmap cycles without allocating the memory it describes.
 *   class: hole, kernel, cache, user, free (by pfn, see synth_class)
 *   content: zero, incompressible (xorshift), or text-like (compressible)
 */
#ifndef SYNTH_H
#define SYNTH_H
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "writer.h"

struct synth {
	struct wr_source src;
	struct ec_load loads[4];
	uint8_t notes[1024];
	size_t notes_len;
	uint64_t reads;                /* read() calls (writer thread) */
	uint64_t worker_reads;         /* reader_read() calls (atomic) */
	unsigned readers_open;         /* reader contexts currently open */
	uint64_t worker_classifies;    /* reader_classify() calls (atomic) */
	bool fail_worker_classify;     /* reader_classify() fails: writer redoes */
	int fail_read_pfn;             /* >= 0: this pfn's read fails with EIO */
	uint64_t maps;                 /* map()/reader_map() calls that mapped (atomic) */
	uint64_t map_calls;            /* all map()/reader_map() calls (atomic) */
	unsigned map_refuse_every;     /* > 0: every Nth map call says -EOPNOTSUPP */
};

enum { SC_HOLE = 0, SC_KERNEL = 1, SC_CACHE = 2, SC_USER = 8, SC_FREE = 16 };

static inline int synth_class(const struct synth *s, uint64_t pfn)
{
	for (size_t i = 0; i < s->src.nr_loads; i++) {
		const struct ec_load *l = &s->loads[i];

		if (pfn >= l->paddr / 4096 && pfn < (l->paddr + l->memsz) / 4096) {
			/* a repeating mix with long runs of each class, so the
			 * ELF writer sees runs both above and below 256 pages */
			uint64_t k = (pfn / 37) % 11, run = (pfn / 300) % 5;

			if (run == 4)
				return SC_FREE;       /* 300-page runs: ELF splits */
			if (k < 5)
				return SC_KERNEL;
			if (k < 7)
				return SC_CACHE;
			if (k < 9)
				return SC_USER;
			return SC_FREE;
		}
	}
	return SC_HOLE;
}

/* 0 zero, 1 random, 2 text */
static inline int synth_content(uint64_t pfn)
{
	uint64_t h = pfn * 0x9e3779b97f4a7c15ull;

	h ^= h >> 29;
	return (int)(h % 3);
}

static inline void synth_page(uint64_t pfn, uint8_t *p)
{
	int c = synth_content(pfn);

	if (c == 0) {
		memset(p, 0, 4096);
	} else if (c == 1) {
		uint64_t x = pfn * 2654435761u + 88172645463325252ull;

		for (int i = 0; i < 4096; i += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(p + i, &x, 8);
		}
	} else {
		for (int i = 0; i < 4096; i++)
			p[i] = (uint8_t)("kernel text for pfn "[i % 20] + (i / 512) + (pfn & 3));
		memcpy(p, &pfn, 8);
	}
}

static int synth_fill(struct synth *s, uint64_t paddr, void *buf, size_t len,
		      struct ec_err *err)
{
	uint8_t *b = buf;

	if (paddr % 4096 || len % 4096)
		return ec_set_err(err, -EINVAL, "unaligned synthetic read");
	for (size_t o = 0; o < len; o += 4096) {
		uint64_t pfn = (paddr + o) / 4096;

		if (s->fail_read_pfn >= 0 && pfn == (uint64_t)s->fail_read_pfn)
			return ec_set_err(err, -EIO, "synthetic read error at pfn %llu",
					  (unsigned long long)pfn);
		if (synth_class(s, pfn) == SC_HOLE)
			return -ENODATA;
		synth_page(pfn, b + o);
	}
	return 0;
}

static int synth_read(void *ctx, uint64_t paddr, void *buf, size_t len,
		      struct ec_err *err)
{
	struct synth *s = ctx;

	s->reads++;
	return synth_fill(s, paddr, buf, len, err);
}

/* Zero-copy reads: the pages are made in a per-thread buffer that stays
 * valid until the thread's next map call (as with an mmap window). Ranges
 * with a hole or the failing pfn, and every map_refuse_every-th call, are
 * refused: the writer must read those. The buffer is filled with a poison
 * pattern first, so a pointer used after the next call shows up as
 * different bytes. */
static __thread uint8_t synth_mapbuf[256 * 4096];

static int synth_map(void *ctx, uint64_t paddr, size_t len, const void **ret)
{
	struct synth *s = ctx;
	uint64_t n = __atomic_add_fetch(&s->map_calls, 1, __ATOMIC_RELAXED);
	struct ec_err e;

	if (len > sizeof(synth_mapbuf) || (s->map_refuse_every && n % s->map_refuse_every == 0))
		return -EOPNOTSUPP;
	memset(synth_mapbuf, 0x5a, sizeof(synth_mapbuf));
	e.code = 0;
	if (synth_fill(s, paddr, synth_mapbuf, len, &e) < 0)
		return -EOPNOTSUPP;
	__atomic_fetch_add(&s->maps, 1, __ATOMIC_RELAXED);
	*ret = synth_mapbuf;
	return 0;
}

/* Worker readers: the context is the synth itself (its reads are pure). */
static int synth_reader_open(void *ctx, void **ret_rctx)
{
	struct synth *s = ctx;

	__atomic_fetch_add(&s->readers_open, 1, __ATOMIC_RELAXED);
	*ret_rctx = s;
	return 0;
}

static int synth_reader_read(void *rctx, uint64_t paddr, void *buf, size_t len,
			     struct ec_err *err)
{
	struct synth *s = rctx;

	__atomic_fetch_add(&s->worker_reads, 1, __ATOMIC_RELAXED);
	return synth_fill(s, paddr, buf, len, err);
}

static void synth_reader_close(void *rctx)
{
	struct synth *s = rctx;

	__atomic_fetch_sub(&s->readers_open, 1, __ATOMIC_RELAXED);
}

static int synth_classify(void *ctx, int level, uint64_t start, uint64_t end,
			  uint8_t *bits, struct ec_err *err);

static int synth_reader_classify(void *rctx, int level, uint64_t start, uint64_t end,
				 uint8_t *bits, struct ec_err *err)
{
	struct synth *s = rctx;

	__atomic_fetch_add(&s->worker_classifies, 1, __ATOMIC_RELAXED);
	if (s->fail_worker_classify) {
		memset(bits, 0xa5, (end - start + 7) / 8);   /* garbage left behind */
		return ec_set_err(err, -EIO, "synthetic classification failure");
	}
	return synth_classify(s, level, start, end, bits, err);
}

/* Worker threads read (and classify) themselves (on) or the writer does (off). */
static inline void synth_worker_reads(struct synth *s, bool on)
{
	s->src.reader_classify = on ? synth_reader_classify : NULL;
	s->src.reader_open = on ? synth_reader_open : NULL;
	s->src.reader_read = on ? synth_reader_read : NULL;
	s->src.reader_close = on ? synth_reader_close : NULL;
}

/* Offer zero-copy reads (writer thread and worker readers) or not. */
static inline void synth_maps(struct synth *s, bool on)
{
	s->src.map = on ? synth_map : NULL;
	s->src.reader_map = on ? synth_map : NULL;
}

static int synth_classify(void *ctx, int level, uint64_t start, uint64_t end,
			  uint8_t *bits, struct ec_err *err)
{
	struct synth *s = ctx;

	memset(bits, 0, (end - start + 7) / 8);
	for (uint64_t p = start; p < end; p++) {
		int c = synth_class(s, p);
		bool keep = c != SC_HOLE;

		if (c == SC_CACHE && (level & (2 | 4)))
			keep = false;
		if (c == SC_USER && (level & 8))
			keep = false;
		if (c == SC_FREE && (level & 16))
			keep = false;
		if (keep)
			bits[(p - start) / 8] |= (uint8_t)(1u << ((p - start) % 8));
	}
	return 0;
}

static void note_add(struct synth *s, const char *name, uint32_t type,
		     const void *desc, uint32_t dlen)
{
	uint32_t nl = (uint32_t)strlen(name) + 1;
	uint8_t *p = s->notes + s->notes_len;

	memcpy(p, &nl, 4);
	memcpy(p + 4, &dlen, 4);
	memcpy(p + 8, &type, 4);
	memset(p + 12, 0, ((nl + 3) & ~3u) + ((dlen + 3) & ~3u));
	memcpy(p + 12, name, nl);
	memcpy(p + 12 + ((nl + 3) & ~3u), desc, dlen);
	s->notes_len += 12 + ((nl + 3) & ~3u) + ((dlen + 3) & ~3u);
}

#define SYNTH_VMCI "OSRELEASE=6.1.0-synth\nPAGESIZE=4096\nCRASHTIME=1700000000\n"

/* RAM in [1 MiB, 1 MiB + npages) and [4 GiB-ish split], max pfn = top. */
static inline void synth_init(struct synth *s, uint64_t npages)
{
	uint8_t prs[336] = { 0 };

	memset(s, 0, sizeof(*s));
	s->fail_read_pfn = -1;
	s->loads[0] = (struct ec_load){ .paddr = 0x100000, .vaddr = 0xffff888000100000ull,
		.memsz = (npages / 2) * 4096, .filesz = (npages / 2) * 4096, .flags = 7 };
	s->loads[1] = (struct ec_load){ .paddr = 0x100000 + (npages / 2 + 1000) * 4096,
		.memsz = (npages - npages / 2) * 4096, .flags = 7 };
	s->loads[1].vaddr = 0xffff888000000000ull + s->loads[1].paddr;
	s->loads[1].filesz = s->loads[1].memsz;
	note_add(s, "CORE", 1, prs, sizeof(prs));
	note_add(s, "CORE", 1, prs, sizeof(prs));
	note_add(s, "VMCOREINFO", 0, SYNTH_VMCI, sizeof(SYNTH_VMCI) - 1);
	s->src.page_size = 4096;
	s->src.loads = s->loads;
	s->src.nr_loads = 2;
	s->src.max_mapnr = (s->loads[1].paddr + s->loads[1].memsz) / 4096;
	s->src.elf_class = 2;
	s->src.machine = 62;
	s->src.notes = s->notes;
	s->src.notes_len = s->notes_len;
	s->src.note_align = 4;
	strcpy(s->src.utsname[0], "Linux");
	strcpy(s->src.utsname[1], "synthhost");
	strcpy(s->src.utsname[2], "6.1.0-synth");
	strcpy(s->src.utsname[3], "#1 SMP");
	strcpy(s->src.utsname[4], "x86_64");
	strcpy(s->src.utsname[5], "(none)");
	s->src.crashtime = 1700000000;
	s->src.phys_base = 0xfffffffff6000000ull;
	s->src.nr_cpus = 2;
	s->src.ctx = s;
	s->src.read = synth_read;
	s->src.classify = synth_classify;
	s->src.can_classify = true;
	synth_worker_reads(s, true);
}
#endif
