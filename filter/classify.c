/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page classification by dump level, page for page what makedumpfile's
 * __exclude_unnecessary_pages() decides (formats.md §4):
 *  - struct pages are read in chunks of up to 512 (mdf's PGMM_CACHED window,
 *    same alignment, so a compound head in the window's last slot is not
 *    examined as compound, exactly like mdf);
 *  - each mem_map chunk (memory section) is scanned from its first pfn, so a
 *    cycle boundary never changes which pages are examined or skipped;
 *  - a compound page that starts in an earlier section (1 GiB hugetlb) is
 *    found by looking back from the tail page at the cycle's first section.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "km_internal.h"

#define PGMM_CACHED 512u
#define IS_HUGETLB_DTOR UINT64_MAX

enum pclass { PC_KEEP, PC_FREE, PC_CACHE, PC_CACHE_PRIV, PC_USER, PC_HWPOISON, PC_OFFLINE, PC_SKIP };

static void key(km *m, struct km_key *k, const char *name)
{
	*k = km_vi_number(m, name);
}

void km_classify_init(km *m)
{
	struct km_page_layout *pg = &m->pg;
	struct km_flags *f = &m->fl;

	pg->size = km_vi_size(m, "page");
	pg->flags = km_vi_offset(m, "page.flags");
	pg->refcount = km_vi_offset(m, "page._refcount");
	if (pg->refcount == KM_NONE)
		pg->refcount = km_vi_offset(m, "page._count");
	pg->mapping = km_vi_offset(m, "page.mapping");
	pg->mapcount = km_vi_offset(m, "page._mapcount");
	pg->private_ = km_vi_offset(m, "page.private");
	pg->compound_head = km_vi_offset(m, "page.compound_head");
	if (pg->compound_head == KM_NONE)
		pg->compound_head = km_vi_offset(m, "page.compound_info");

	if (pg->size == KM_NONE || pg->flags == KM_NONE || pg->refcount == KM_NONE ||
	    pg->mapping == KM_NONE) {
		snprintf(m->why, sizeof(m->why),
			 "VMCOREINFO lacks SIZE(page) or OFFSET(page.flags|_refcount|mapping)");
		return;
	}
	if (pg->size < 16 || pg->size > 1024) {
		snprintf(m->why, sizeof(m->why), "SIZE(page)=%llu is absurd",
			 (unsigned long long)pg->size);
		return;
	}
	uint64_t ul = (uint64_t)m->arch->ptr_size;
	const struct { uint64_t off, w; const char *n; } chk[] = {
		{ pg->flags, ul, "flags" }, { pg->refcount, 4, "_refcount" },
		{ pg->mapping, ul, "mapping" }, { pg->mapcount, 4, "_mapcount" },
		{ pg->private_, ul, "private" }, { pg->compound_head, ul, "compound_head" },
	};
	for (size_t i = 0; i < sizeof(chk) / sizeof(chk[0]); i++)
		if (chk[i].off != KM_NONE && chk[i].off + chk[i].w > pg->size) {
			snprintf(m->why, sizeof(m->why), "OFFSET(page.%s)=%llu beyond SIZE(page)=%llu",
				 chk[i].n, (unsigned long long)chk[i].off,
				 (unsigned long long)pg->size);
			return;
		}

	/* compound order/dtor location in page[1] (mdf's init_compound_offset) */
	uint64_t o = km_vi_offset(m, "folio._folio_order");
	if (o != KM_NONE && o >= pg->size)
		pg->order_off = o - pg->size;
	else if ((o = km_vi_offset(m, "page.compound_order")) != KM_NONE)
		pg->order_off = o;
	o = km_vi_offset(m, "folio._folio_dtor");
	if (o != KM_NONE && o >= pg->size)
		pg->dtor_off = o - pg->size;
	else if ((o = km_vi_offset(m, "page.compound_dtor")) != KM_NONE)
		pg->dtor_off = o;
	if (m->kver && m->kver < KM_KVER(4, 4, 0)) {
		uint64_t lru = km_vi_offset(m, "page.lru");
		uint64_t nx = km_vi_offset(m, "list_head.next");
		uint64_t pv = km_vi_offset(m, "list_head.prev");

		if (!pg->order_off && lru != KM_NONE && pv != KM_NONE)
			pg->order_off = lru + pv;
		if (!pg->dtor_off && lru != KM_NONE && nx != KM_NONE)
			pg->dtor_off = lru + nx;
		pg->dtor_ulong = true;
	}
	pg->order_u16 = m->kver && m->kver < KM_KVER(4, 16, 0);
	if (pg->order_off + 2 > pg->size || pg->dtor_off + ul > pg->size) {
		snprintf(m->why, sizeof(m->why), "compound order/dtor offsets beyond SIZE(page)");
		return;
	}

	key(m, &f->lru, "PG_lru");
	key(m, &f->private_, "PG_private");
	key(m, &f->swapcache, "PG_swapcache");
	key(m, &f->swapbacked, "PG_swapbacked");
	key(m, &f->slab, "PG_slab");
	key(m, &f->head_mask, "PG_head_mask");
	key(m, &f->hwpoison, "PG_hwpoison");
	key(m, &f->hugetlb, "PG_hugetlb");
	key(m, &f->pg_buddy, "PG_buddy");
	key(m, &f->buddy_mc, "PAGE_BUDDY_MAPCOUNT_VALUE");
	key(m, &f->offline_mc, "PAGE_OFFLINE_MAPCOUNT_VALUE");
	key(m, &f->slab_mc, "PAGE_SLAB_MAPCOUNT_VALUE");
	key(m, &f->hugetlb_mc, "PAGE_HUGETLB_MAPCOUNT_VALUE");
	key(m, &f->unaccepted_mc, "PAGE_UNACCEPTED_MAPCOUNT_VALUE");
	key(m, &f->hugetlb_dtor, "HUGETLB_PAGE_DTOR");
	f->free_area_len = km_vi_length(m, "zone.free_area");
	f->sym_free_huge_page = km_vi_symbol(m, "free_huge_page");
	if (f->free_area_len != KM_NONE && f->free_area_len > 64) {
		snprintf(m->why, sizeof(m->why), "LENGTH(zone.free_area)=%llu is absurd",
			 (unsigned long long)f->free_area_len);
		return;
	}

	/* mdf's get_value_for_old_linux(): pre-2.6.26 defaults for absent keys */
	if (!f->lru.have)
		f->lru = (struct km_key){ true, 5 };
	if (!f->private_.have)
		f->private_ = (struct km_key){ true, 11 };
	if (!f->swapcache.have)
		f->swapcache = (struct km_key){ true, 15 };
	if (!f->swapbacked.have && f->swapcache.v < f->private_.v)
		f->swapbacked = (struct km_key){ true, f->private_.v + 6 };
	if (!f->slab.have)
		f->slab = (struct km_key){ true, 7 };   /* also on 6.12: mdf's quirk */
	if (!f->head_mask.have)
		f->head_mask = (struct km_key){ true, 1ll << 14 };
	if (!f->buddy_mc.have && m->kver >= KM_KVER(2, 6, 39))
		f->buddy_mc = (struct km_key){ true, -128 };
	else if (!f->buddy_mc.have && m->kver == KM_KVER(2, 6, 38))
		f->buddy_mc = (struct km_key){ true, -2 };

	/* mdf's setup_page_is_buddy() */
	m->buddy_by_mapcount = pg->private_ != KM_NONE &&
		((f->buddy_mc.have && pg->mapcount != KM_NONE) || f->pg_buddy.have);
	m->classify_ok = true;
}

/* mdf's test_bit(): an int mask, so bit numbers wrap at 32 */
static inline bool tbit(int64_t nr, uint64_t flags)
{
	return ((uint64_t)(int64_t)(int32_t)(1u << (nr & 0x1f)) & flags) != 0;
}

static inline bool is_slab(const km *m, uint64_t flags, uint32_t mc)
{
	if (m->fl.slab_mc.have && mc == (uint32_t)m->fl.slab_mc.v)
		return true;
	return (flags & (1ull << (m->fl.slab.v & 63))) != 0;
}

static inline bool is_anon(const km *m, uint64_t mapping, uint64_t flags, uint32_t mc)
{
	return (mapping & 1) && !is_slab(m, flags, mc);
}

static inline bool is_cache(const km *m, uint64_t flags)
{
	if (tbit(m->fl.lru.v, flags))
		return true;
	return (!m->fl.swapbacked.have || tbit(m->fl.swapbacked.v, flags)) &&
		tbit(m->fl.swapcache.v, flags);
}

static inline bool is_hugetlb(const km *m, uint64_t dtor)
{
	return dtor == IS_HUGETLB_DTOR ||
		(m->fl.hugetlb_dtor.have && (uint64_t)m->fl.hugetlb_dtor.v == dtor) ||
		(m->fl.sym_free_huge_page != KM_NONE && m->fl.sym_free_huge_page == dtor);
}

/*
 * Decide one page (mdf's loop body). `pc` is its struct page, `next` the
 * following struct page or NULL when mdf would not look at it.
 * Returns the class and the number of pfns it covers (*ret_nr).
 */
static enum pclass decide(const km *m, int level, uint64_t pfn, const uint8_t *pc,
			  const uint8_t *next, uint64_t *ret_nr)
{
	const struct km_page_layout *pg = &m->pg;
	const struct km_flags *f = &m->fl;
	uint64_t flags = km_ulong(m, pc + pg->flags);
	uint64_t mapping = km_ulong(m, pc + pg->mapping);
	uint32_t mc = pg->mapcount != KM_NONE ? km_le32(pc + pg->mapcount) : 0;
	uint64_t private_ = pg->private_ != KM_NONE ? km_ulong(m, pc + pg->private_) : 0;
	uint64_t chead = pg->compound_head != KM_NONE ? km_ulong(m, pc + pg->compound_head) : 0;
	uint64_t order = 0, dtor = 0;

	if (next && (flags & (uint64_t)f->head_mask.v)) {
		if (f->hugetlb_mc.have) {
			order = km_ulong(m, next + pg->flags) & 0xff;
			if (mc == (uint32_t)f->hugetlb_mc.v)
				dtor = IS_HUGETLB_DTOR;
		} else if (f->hugetlb.have) {
			uint64_t f1 = km_ulong(m, next + pg->flags);

			order = f1 & 0xff;
			if (f1 & (1ull << (f->hugetlb.v & 63)))
				dtor = IS_HUGETLB_DTOR;
		} else {
			if (pg->order_off)
				order = pg->order_u16 ? km_le16(next + pg->order_off)
						      : next[pg->order_off];
			if (pg->dtor_off)
				dtor = pg->dtor_ulong ? km_ulong(m, next + pg->dtor_off)
				     : pg->order_u16 ? km_le16(next + pg->dtor_off)
						     : next[pg->dtor_off];
		}
		if (order >= 64 || (pfn & ((1ull << order) - 1)))
			order = 0;
	}
	/* mdf computes `1 << order` in int; orders that large never validate */
	*ret_nr = order < 31 ? 1ull << order : 1;

	if (chead & 1)
		return PC_SKIP;
	if ((level & DL_FREE) && m->buddy_by_mapcount) {
		bool buddy = f->buddy_mc.have
			? (!is_slab(m, flags, mc) && mc == (uint32_t)f->buddy_mc.v)
			: (flags & (1ull << (f->pg_buddy.v & 63))) != 0;
		if (buddy) {
			if (f->free_area_len != KM_NONE && private_ >= f->free_area_len)
				return PC_SKIP;   /* mdf warns and keeps it */
			*ret_nr = private_ < 31 ? 1ull << private_ : 1;
			return PC_FREE;
		}
	}
	if ((level & DL_FREE) && f->unaccepted_mc.have && mc == (uint32_t)f->unaccepted_mc.v) {
		uint64_t o2 = f->free_area_len != KM_NONE && f->free_area_len ? f->free_area_len - 1 : 0;

		*ret_nr = o2 < 31 ? 1ull << o2 : 1;
		return PC_FREE;
	}
	bool anon = is_anon(m, mapping, flags, mc);
	bool cache = is_cache(m, flags);
	bool priv = tbit(f->private_.v, flags);
	if ((level & DL_CACHE) && cache && !priv && !anon)
		return PC_CACHE;
	if ((level & DL_CACHE_PRIV) && cache && !anon)
		return priv ? PC_CACHE_PRIV : PC_CACHE;
	if ((level & DL_USER) && (anon || is_hugetlb(m, dtor)))
		return PC_USER;
	if (f->hwpoison.have && tbit(f->hwpoison.v, flags))
		return PC_HWPOISON;
	if (f->offline_mc.have && !is_slab(m, flags, mc) && mc == (uint32_t)f->offline_mc.v)
		return PC_OFFLINE;
	return PC_KEEP;
}

struct scan {
	km *m;
	int level;
	uint64_t start, end;     /* the caller's bitmap range */
	uint8_t *keep;
	struct fl_stats *st;
	uint8_t *cache;          /* PGMM_CACHED struct pages */
	uint8_t *valid;          /* which cache slots hold data read for this window */
};

static void count_class(struct fl_stats *st, enum pclass c, uint64_t n)
{
	if (!st)
		return;
	switch (c) {
	case PC_FREE: st->free += n; break;
	case PC_CACHE: st->cache += n; break;
	case PC_CACHE_PRIV: st->cache_priv += n; break;
	case PC_USER: st->user += n; break;
	case PC_HWPOISON: st->hwpoison += n; break;
	case PC_OFFLINE: st->offline += n; break;
	default: break;
	}
}

/* Clear [a, b) ∩ [start, end) in the bitmap, counting bits that were set. */
static void exclude(struct scan *s, uint64_t a, uint64_t b, enum pclass c)
{
	uint64_t n = 0;

	if (a < s->start)
		a = s->start;
	if (b > s->end)
		b = s->end;
	for (uint64_t p = a; p < b; p++) {
		uint64_t i = p - s->start;
		uint8_t bit = (uint8_t)(1u << (i & 7));

		if (s->keep[i >> 3] & bit) {
			s->keep[i >> 3] &= (uint8_t)~bit;
			n++;
		}
	}
	count_class(s->st, c, n);
}

static void free_block(void *ctx, uint64_t pfn, uint64_t n)
{
	struct scan *s = ctx;

	if (pfn < s->end && pfn + n > s->start)
		exclude(s, pfn, pfn + n, PC_FREE);
}

/* Scan one mem_map chunk [cs, ce) from cs up to `stop`. */
static int scan_chunk(struct scan *s, uint64_t cs, uint64_t ce, uint64_t stop)
{
	km *m = s->m;
	uint64_t psz = m->pg.size;
	uint64_t base = km_pfn_to_page(m, cs);
	uint64_t rd_start = UINT64_MAX, rd_end = 0;

	if (!base)
		return 0;   /* no mem_map: pages stay as they are (mdf) */
	for (uint64_t pfn = cs; pfn < stop && pfn < ce; pfn++) {
		if (!km_pfn_in_segs(m, pfn))
			continue;
		uint64_t idx = pfn % PGMM_CACHED;
		uint8_t *pc = s->cache + idx * psz;

		if (pfn < rd_start || rd_end < pfn) {
			uint64_t up = (pfn + 1 + PGMM_CACHED - 1) / PGMM_CACHED * PGMM_CACHED;
			uint64_t n = up < ce ? PGMM_CACHED - idx : ce - pfn;
			struct ec_err e2 = { 0 };

			memset(s->valid, 0, PGMM_CACHED);
			if (km_read_virt(m, base + (pfn - cs) * psz, pc, n * psz, &e2) < 0) {
				/* unreadable struct pages: keep those pfns (mdf would abort) */
				if (s->st)
					s->st->unreadable += n;
				pfn += n - 1;
				continue;
			}
			memset(s->valid + idx, 1, n);
			rd_start = pfn;
			rd_end = pfn + n - 1;
		}
		const uint8_t *next = (idx < PGMM_CACHED - 1 && s->valid[idx + 1]) ? pc + psz : NULL;
		uint64_t nr;
		enum pclass c = decide(m, s->level, pfn, pc, next, &nr);

		if (c == PC_KEEP || c == PC_SKIP)
			continue;
		exclude(s, pfn, pfn + nr, c);
		pfn += nr - 1;
	}
	return 0;
}

/*
 * A compound page whose head lies in an earlier chunk and whose tail reaches
 * chunk `cs` (1 GiB hugetlb pages span 8 sections): find its head, decide it
 * as mdf would at the start of the head's own chunk, and apply the result.
 */
static void lookback(struct scan *s, uint64_t cs)
{
	km *m = s->m;
	uint64_t psz = m->pg.size, pa = km_pfn_to_page(m, cs), chead;
	uint8_t buf[2048];
	struct ec_err e2 = { 0 };

	if (!pa || m->pg.compound_head == KM_NONE || 2 * psz > sizeof(buf) ||
	    km_read_virt(m, pa, buf, psz, &e2) < 0)
		return;
	chead = km_ulong(m, buf + m->pg.compound_head);
	if (!(chead & 1))
		return;
	for (unsigned o = m->pfn_section_shift + 1; o < 31; o++) {
		uint64_t h = cs & ~((1ull << o) - 1), nr;

		if (h == cs)
			continue;
		if (km_pfn_to_page(m, h) != chead - 1)
			continue;
		if (!km_pfn_in_segs(m, h) || km_read_virt(m, km_pfn_to_page(m, h), buf, 2 * psz, &e2) < 0)
			return;
		enum pclass c = decide(m, s->level, h, buf, buf + psz, &nr);
		if (c != PC_KEEP && c != PC_SKIP && h + nr > cs)
			exclude(s, cs, h + nr, c);
		return;
	}
}

static void set_present(ec_dump *d, uint32_t page_size, uint64_t start, uint64_t end,
			uint8_t *keep, uint64_t *ret_n)
{
	size_t n;
	const struct ec_load *l = ec_loads(d, &n);
	unsigned shift = (unsigned)__builtin_ctz(page_size);
	uint64_t cnt = 0;

	memset(keep, 0, (end - start + 7) / 8);
	for (size_t i = 0; i < n; i++) {
		/* mdf's 1st bitmap: [floor(start), floor(end)) of the data present */
		uint64_t a = l[i].paddr >> shift, b = (l[i].paddr + l[i].filesz) >> shift;

		if (a < start)
			a = start;
		if (b > end)
			b = end;
		for (uint64_t p = a; p < b; p++) {
			uint64_t j = p - start;

			if (!(keep[j >> 3] & (1u << (j & 7)))) {
				keep[j >> 3] |= (uint8_t)(1u << (j & 7));
				cnt++;
			}
		}
	}
	/* kdump-compressed input (re-filtering): the 1st bitmap gives the loads,
	 * the 2nd says which pages the file really holds */
	if (ec_format(d) != EC_FMT_ELF && ec_format(d) != EC_FMT_OLDMEM) {
		for (uint64_t p = start; p < end; p++) {
			uint64_t j = p - start;

			if ((keep[j >> 3] & (1u << (j & 7))) && !ec_pfn_present(d, p)) {
				keep[j >> 3] &= (uint8_t)~(1u << (j & 7));
				cnt--;
			}
		}
	}
	if (ret_n)
		*ret_n = cnt;
}

int fl_keep_present(ec_dump *d, uint64_t start_pfn, uint64_t end_pfn, uint8_t *keep)
{
	if (!keep || end_pfn < start_pfn)
		return -EINVAL;
	set_present(d, ec_page_size(d), start_pfn, end_pfn, keep, NULL);
	return 0;
}

bool fl_page_is_zero(const void *page, size_t len)
{
	const uint8_t *p = page;
	uint64_t acc = 0;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		acc |= v;
		if ((i & 511) == 504 && acc)
			return false;
	}
	for (; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

int fl_classify(km *m, int dump_level, uint64_t start_pfn, uint64_t end_pfn,
		uint8_t *keep, struct fl_stats *stats, struct ec_err *err)
{
	struct scan s = { m, dump_level, start_pfn, end_pfn, keep, stats, NULL, NULL };
	uint64_t present;
	int r = 0;

	if (!keep || end_pfn < start_pfn || dump_level < 0 || dump_level > DL_MAX)
		return ec_set_err(err, -EINVAL, "fl_classify: bad arguments (level %d, pfns %llu..%llu)",
				  dump_level, (unsigned long long)start_pfn,
				  (unsigned long long)end_pfn);
	if (stats)
		memset(stats, 0, sizeof(*stats));
	set_present(m->d, m->page_size, start_pfn, end_pfn, keep, &present);
	if (stats) {
		stats->total = end_pfn - start_pfn;
		stats->hole = stats->total - present;
	}
	bool free_by_map = (dump_level & DL_FREE) && m->buddy_by_mapcount;
	bool scan = (dump_level & (DL_CACHE | DL_CACHE_PRIV | DL_USER)) ||
		m->fl.hwpoison.have || free_by_map;
	if (!m->classify_ok) {
		if (!(dump_level & ~DL_ZERO))
			goto done;   /* nothing to decide from struct pages */
		return ec_set_err(err, -ENOTSUP, "%s: cannot classify pages: %s",
				  ec_path(m->d), km_why(m));
	}
	if (start_pfn == end_pfn)
		goto done;
	if ((dump_level & DL_FREE) && !m->buddy_by_mapcount) {
		/* no buddy marker in struct page: the zones' free lists instead */
		r = km_walk_free_lists(m, free_block, &s, err);
		if (r < 0)
			goto out;
	}
	if (!scan)
		goto done;

	s.cache = malloc(PGMM_CACHED * m->pg.size);
	s.valid = calloc(PGMM_CACHED, 1);
	if (!s.cache || !s.valid) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	uint64_t cs, ce;
	km_chunk_of(m, start_pfn, &cs, &ce);
	if (cs >= m->max_mapnr)
		goto done;
	lookback(&s, cs);
	while (cs < end_pfn && cs < m->max_mapnr) {
		km_chunk_of(m, cs, &cs, &ce);
		r = scan_chunk(&s, cs, ce, end_pfn);
		if (r < 0)
			goto out;
		cs = ce;
	}
done:
	if (stats) {
		uint64_t k = 0;

		for (uint64_t i = 0; i < (end_pfn - start_pfn + 7) / 8; i++)
			k += (uint64_t)__builtin_popcount(keep[i]);
		stats->kept = k;
	}
out:
	free(s.cache);
	free(s.valid);
	return r;
}
