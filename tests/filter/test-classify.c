/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page classification on synthetic kernels of three eras (6.1: PG_slab +
 * compound_dtor; 6.6-6.8: PG_hugetlb in folio flags; 6.12+: page types in
 * _mapcount, no PG_slab). The page spec below lists each page's kind; the
 * expected exclusion per dump level follows makedumpfile's rules
 * (formats.md §4), and every cycle size must give the same bitmap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "filter.h"
#include "synth.h"
#include "tap.h"

enum kind {
	K_NONE, K_ANON, K_CACHE, K_CACHE_PRIV, K_SWAPCACHE, K_SWAPCACHE_NB, K_SLAB_ANONBIT,
	K_HWPOISON, K_OFFLINE, K_OFFLINE_SLAB, K_WAITERS_ANON, K_RESERVED, K_BUDDY,
	K_BUDDY_BADORDER, K_BUDDY_SLAB, K_THP, K_HUGETLB, K_FOLIO_CACHE, K_UNACCEPTED,
	K_TAIL,
};

struct era {
	const char *name;
	int lru, priv, swapcache, swapbacked, slab /* -1: no key */, hwpoison, hugetlb_bit;
	int64_t head_mask, buddy, offline, slab_mc, hugetlb_mc, unaccepted_mc; /* 0: no key */
	bool dtor;
	bool freelist;      /* no OFFSET(page.private): free pages from the zone lists */
	bool old414;        /* 4.14: u16 dtor/order, no buddy/offline keys (mdf's defaults) */
};

static const struct era eras[] = {
	{ "6.1", 4, 13, 10, 19, 9, 23, -1, 1 << 16, -129, -257, 0, 0, 0, true, false, false },
	{ "6.6", 4, 13, 10, 19, 9, 23, 22, 1 << 16, -129, -257, 0, 0, 0, false, false, false },
	{ "6.12", 5, 14, 10, 17, -1, 20, -1, 64, -268435456, -251658240, -184549376,
	  -201326592, 0, false, false, false },
	{ "6.14-unaccepted", 5, 14, 10, 17, -1, 20, -1, 64, -268435456, -251658240, -184549376,
	  -201326592, -234881024, false, false, false },
	{ "6.1-freelist", 4, 13, 10, 19, 9, 23, -1, 1 << 16, -129, -257, 0, 0, 0, true, true, false },
	{ "4.14", 5, 11, 15, 19, 8, 22, -1, 1 << 15, -128, 0, 0, 0, 0, true, false, true },
};

struct spec { uint64_t pfn; enum kind k; unsigned order; };

static const struct spec specs[] = {
	{ 2048, K_ANON, 0 }, { 2049, K_CACHE, 0 }, { 2050, K_CACHE_PRIV, 0 },
	{ 2051, K_SWAPCACHE, 0 }, { 2052, K_SWAPCACHE_NB, 0 }, { 2053, K_SLAB_ANONBIT, 0 },
	{ 2054, K_HWPOISON, 0 }, { 2055, K_OFFLINE, 0 }, { 2056, K_OFFLINE_SLAB, 0 },
	{ 2057, K_WAITERS_ANON, 0 }, { 2058, K_RESERVED, 0 }, { 2060, K_BUDDY_BADORDER, 0 },
	{ 2061, K_BUDDY_SLAB, 0 }, { 2064, K_THP, 2 }, { 2072, K_HUGETLB, 3 },
	{ 2080, K_FOLIO_CACHE, 4 }, { 2112, K_BUDDY, 5 }, { 3072, K_BUDDY, 3 },
	{ 3583, K_CACHE, 0 }, { 3584, K_ANON, 0 },   /* both sides of a 512-page window */
	{ 5120, K_UNACCEPTED, 10 },                  /* buddy order 10 in older eras */
	{ 6144, K_HUGETLB, 11 },                     /* spans sections 6 and 7 */
};

#define NPFN SY_PFNS
static enum kind kind_of[NPFN];

static uint64_t pg_va(const struct synth *s, uint64_t pfn)
{
	return s->vmemmap + pfn * SY_PAGE_SIZE_STRUCT;
}

/* struct page layout (all eras): flags@0 compound_head@8 dtor@16 order@17
 * mapping@24 private@40 _mapcount@48 _refcount@52 */
static void wpage(struct synth *s, uint64_t pfn, uint64_t flags, uint64_t mapping,
		  uint64_t priv, uint32_t mapcount)
{
	uint64_t pa = sy_page_pa(pfn);

	sy_w64(s, pa + 0, flags);
	sy_w64(s, pa + 24, mapping);
	sy_w64(s, pa + 40, priv);
	sy_w32(s, pa + 48, mapcount);
	sy_w32(s, pa + 52, 1);
}

static uint64_t bit(int n) { return n < 0 ? 0 : 1ull << n; }

static void compound(struct synth *s, const struct era *e, uint64_t pfn, unsigned order,
		     bool hugetlb)
{
	if (e->old414) {   /* u16 compound_dtor @16, u16 compound_order @18 */
		for (uint64_t i = 1; i < (1ull << order); i++) {
			sy_w64(s, sy_page_pa(pfn + i) + 8, pg_va(s, pfn) | 1);
			sy_w32(s, sy_page_pa(pfn + i) + 48, 0xffffffffu);
			kind_of[pfn + i] = K_TAIL;
		}
		sy_w16(s, sy_page_pa(pfn + 1) + 16, hugetlb ? 2 : 1);
		sy_w16(s, sy_page_pa(pfn + 1) + 18, (uint16_t)order);
		return;
	}
	for (uint64_t i = 1; i < (1ull << order); i++) {
		sy_w64(s, sy_page_pa(pfn + i) + 8, pg_va(s, pfn) | 1);
		sy_w32(s, sy_page_pa(pfn + i) + 48, 0xffffffffu);
		kind_of[pfn + i] = K_TAIL;
	}
	uint64_t p1 = sy_page_pa(pfn + 1);
	if (e->dtor) {
		sy_w8(s, p1 + 16, hugetlb ? 2 : 1);
		sy_w8(s, p1 + 17, (uint8_t)order);
	} else {
		sy_w64(s, p1, order | (hugetlb && e->hugetlb_bit >= 0 ? bit(e->hugetlb_bit) : 0));
	}
	if (hugetlb && e->hugetlb_mc)
		sy_w32(s, sy_page_pa(pfn) + 48, (uint32_t)e->hugetlb_mc);
}

/* node_data[0] -> pglist_data with 2 zones; zone 1 spans memory and its
 * free_area[order].free_list[mt] lists hold the buddy blocks of the spec
 * (linked through page.lru @8/@16). Zone 0 spans nothing and is skipped. */
static void build_free_lists(struct synth *s)
{
	const uint64_t zsz = 512, fa_off = 64, fa_sz = 40;
	uint64_t pgdat = sy_alloc(s, 4096), nd = sy_alloc(s, 4 * 8), online = sy_alloc(s, 8);
	uint64_t zone = pgdat + zsz;   /* node_zones @0, zone 1 */

	sy_w64(s, nd, sy_kva(pgdat));
	sy_w64(s, online, 1);
	sy_w32(s, pgdat + 2048, 2);             /* nr_zones */
	sy_w64(s, zone + 8, SY_PFNS);           /* spanned_pages */
	for (unsigned o = 0; o < 11; o++)
		for (unsigned mt = 0; mt < 2; mt++) {
			uint64_t h = zone + fa_off + fa_sz * o + 16 * mt;

			sy_w64(s, h, sy_kva(h));
			sy_w64(s, h + 8, sy_kva(h));
		}
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		if (specs[i].k != K_BUDDY && specs[i].k != K_UNACCEPTED)
			continue;
		unsigned o = specs[i].order, mt = (unsigned)(i & 1);
		uint64_t h = zone + fa_off + fa_sz * o + 16 * mt, hva = sy_kva(h);
		uint64_t lru = pg_va(s, specs[i].pfn) + 8, lpa = sy_page_pa(specs[i].pfn) + 8;
		uint64_t last = 0;

		/* append at the tail: read the current prev of the head */
		for (int b = 7; b >= 0; b--)
			last = last << 8 | s->mem[h + 8 + (unsigned)b];
		sy_w64(s, lpa, hva);
		sy_w64(s, lpa + 8, last);
		if (last == hva)
			sy_w64(s, h, lru);
		else
			sy_w64(s, sy_page_pa((last - 8 - s->vmemmap) / SY_PAGE_SIZE_STRUCT) + 8, lru);
		sy_w64(s, h + 8, lru);
	}
	sy_vmci(s, "SYMBOL(node_data)=%llx\nLENGTH(node_data)=4\nSYMBOL(node_online_map)=%llx\n"
		"SIZE(nodemask_t)=8\nSIZE(pglist_data)=4096\nOFFSET(pglist_data.node_zones)=0\n"
		"OFFSET(pglist_data.nr_zones)=2048\nSIZE(zone)=512\nOFFSET(zone.free_area)=64\n"
		"OFFSET(zone.spanned_pages)=8\nOFFSET(zone.vm_stat)=16\nSIZE(free_area)=40\n"
		"OFFSET(free_area.free_list)=0\nLENGTH(free_area.free_list)=2\nSIZE(list_head)=16\n"
		"OFFSET(list_head.next)=0\nOFFSET(list_head.prev)=8\n",
		(unsigned long long)sy_kva(nd), (unsigned long long)sy_kva(online));
}

static void build(struct synth *s, const struct era *e)
{
	const uint64_t anon = 0xffff888000123001ull, file = 0xffff888000456780ull;
	uint64_t slabflag = e->slab >= 0 ? bit(e->slab) : bit(7);  /* 7: mdf's substitute */

	memset(kind_of, 0, sizeof(kind_of));
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct spec *sp = &specs[i];
		uint64_t p = sp->pfn;
		uint32_t none = 0xffffffffu;

		kind_of[p] = sp->k;
		switch (sp->k) {
		case K_ANON: wpage(s, p, bit(e->lru) | bit(e->swapbacked), anon, 0, 0); break;
		case K_CACHE: wpage(s, p, bit(e->lru), file, 0, none); break;
		case K_CACHE_PRIV: wpage(s, p, bit(e->lru) | bit(e->priv), file, 0x1234, none); break;
		case K_SWAPCACHE: wpage(s, p, bit(e->swapcache) | bit(e->swapbacked), 0, 7, none); break;
		case K_SWAPCACHE_NB: wpage(s, p, bit(e->swapcache), 0, 0, none); break;
		case K_SLAB_ANONBIT:
			wpage(s, p, e->slab >= 0 ? bit(e->slab) : 0, anon, 0,
			      e->slab_mc ? (uint32_t)e->slab_mc : none);
			break;
		case K_HWPOISON: wpage(s, p, bit(e->hwpoison), 0, 0, none); break;
		case K_OFFLINE: wpage(s, p, 0, 0, 0, (uint32_t)e->offline); break;
		case K_OFFLINE_SLAB: wpage(s, p, slabflag, 0, 0, (uint32_t)e->offline); break;
		case K_WAITERS_ANON: wpage(s, p, bit(7) | bit(e->lru), anon, 0, 0); break;
		case K_RESERVED: wpage(s, p, bit(e->slab >= 0 ? 11 : 12), 0, 0, none); break;
		case K_BUDDY:
			wpage(s, p, 0, 0, sp->order, (uint32_t)e->buddy);
			for (uint64_t i2 = 1; i2 < (1ull << sp->order); i2++)
				kind_of[p + i2] = K_TAIL;
			break;
		case K_BUDDY_BADORDER: wpage(s, p, 0, 0, 11, (uint32_t)e->buddy); break;
		case K_BUDDY_SLAB: wpage(s, p, slabflag, 0, 0, (uint32_t)e->buddy); break;
		case K_THP:
			wpage(s, p, (uint64_t)e->head_mask | bit(e->lru) | bit(e->swapbacked), anon, 0, 0);
			compound(s, e, p, sp->order, false);
			break;
		case K_HUGETLB:
			wpage(s, p, (uint64_t)e->head_mask, file, 0, none);
			compound(s, e, p, sp->order, true);
			break;
		case K_FOLIO_CACHE:
			wpage(s, p, (uint64_t)e->head_mask | bit(e->lru), file, 0, none);
			compound(s, e, p, sp->order, false);
			break;
		case K_UNACCEPTED:
			if (e->unaccepted_mc)
				wpage(s, p, 0, 0, 0, (uint32_t)e->unaccepted_mc);
			else
				wpage(s, p, 0, 0, sp->order, (uint32_t)e->buddy);
			for (uint64_t i2 = 1; i2 < (1ull << sp->order); i2++)
				kind_of[p + i2] = K_TAIL;
			break;
		default: break;
		}
	}
	sy_vmci(s, "SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
		"OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\n"
		"OFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\n");
	if (e->freelist)
		build_free_lists(s);
	else
		sy_vmci(s, "OFFSET(page.private)=40\n");
	sy_vmci(s, "NUMBER(PG_lru)=%d\nNUMBER(PG_private)=%d\nNUMBER(PG_swapcache)=%d\n"
		"NUMBER(PG_swapbacked)=%d\nNUMBER(PG_head_mask)=%lld\nNUMBER(PG_hwpoison)=%d\n",
		e->lru, e->priv, e->swapcache, e->swapbacked, (long long)e->head_mask, e->hwpoison);
	if (!e->old414)
		sy_vmci(s, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%lld\n", (long long)e->buddy);
	if (e->offline)
		sy_vmci(s, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%lld\n", (long long)e->offline);
	if (e->slab >= 0)
		sy_vmci(s, "NUMBER(PG_slab)=%d\n", e->slab);
	if (e->old414)
		sy_vmci(s, "OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=18\n"
			"NUMBER(HUGETLB_PAGE_DTOR)=2\n");
	else if (e->dtor)
		sy_vmci(s, "OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
			"NUMBER(HUGETLB_PAGE_DTOR)=2\n");
	if (e->hugetlb_bit >= 0)
		sy_vmci(s, "NUMBER(PG_hugetlb)=%d\n", e->hugetlb_bit);
	if (e->slab_mc)
		sy_vmci(s, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%lld\n", (long long)e->slab_mc);
	if (e->hugetlb_mc)
		sy_vmci(s, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%lld\n", (long long)e->hugetlb_mc);
	if (e->unaccepted_mc)
		sy_vmci(s, "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=%lld\n", (long long)e->unaccepted_mc);
}

/* The rule book: is a page of this kind excluded at this level? */
static bool excluded(enum kind k, int lv, const struct era *e)
{
	switch (k) {
	case K_ANON: case K_THP: case K_HUGETLB: return lv & DL_USER;
	case K_WAITERS_ANON:
		/* 6.12 has no PG_slab key: mdf takes bit 7 (PG_waiters there) as slab,
		 * so this anon LRU page is "not anon" and counts as page cache */
		return e->slab >= 0 ? (lv & DL_USER) : (lv & (DL_CACHE | DL_CACHE_PRIV));
	case K_CACHE: case K_SWAPCACHE: case K_FOLIO_CACHE: return lv & (DL_CACHE | DL_CACHE_PRIV);
	case K_CACHE_PRIV: return lv & DL_CACHE_PRIV;
	case K_HWPOISON: return true;
	case K_OFFLINE: return e->offline != 0;   /* key absent before 5.0 */
	case K_BUDDY: case K_UNACCEPTED: return lv & DL_FREE;
	default: return false;
	}
}

static bool in_hole(uint64_t pfn)
{
	return (pfn >> SY_SECTION_SHIFT) == SY_HOLE_SECTION;
}

static int run_cycles(km *m, int lv, uint64_t cyc, uint8_t *out, struct ec_err *err)
{
	uint8_t *b = malloc((cyc + 7) / 8 + 1);

	memset(out, 0, NPFN / 8);
	for (uint64_t st = 0; st < NPFN; st += cyc) {
		uint64_t en = st + cyc < NPFN ? st + cyc : NPFN;
		int r = fl_classify(m, lv, st, en, b, NULL, err);

		if (r < 0) {
			free(b);
			return r;
		}
		for (uint64_t p = st; p < en; p++)
			if (b[(p - st) >> 3] & (1u << ((p - st) & 7)))
				out[p >> 3] |= (uint8_t)(1u << (p & 7));
	}
	free(b);
	return 0;
}

static void test_era(const struct era *e)
{
	static const int levels[] = { 0, 1, 2, 4, 6, 8, 16, 24, 31 };
	struct synth s;
	char path[] = "/tmp/crashcap-classify-XXXXXX";
	int fd = mkstemp(path);
	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	km *m = NULL;

	close(fd);
	sy_init(&s, 4, 0);
	sy_memmodel(&s);
	if (e->old414)
		sy_vmci_set(&s, "OSRELEASE", "4.14.0-synth");
	build(&s, e);
	ok(sy_write(&s, path) == 0, "%s: synthetic vmcore written", e->name);
	if (ec_open(path, 0, &d, &err) < 0 || km_create(d, &m, &err) < 0) {
		ok(0, "%s: open + model: %s", e->name, err.msg);
		goto out;
	}
	ok(km_can_classify(m, &err), "%s: model can classify %s", e->name, err.msg);

	for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		int lv = levels[li];
		uint8_t one[NPFN / 8], many[NPFN / 8];
		struct fl_stats st;
		uint64_t bad = 0, first_bad = 0;
		enum kind owner = K_NONE;

		if (fl_classify(m, lv, 0, NPFN, one, &st, &err) < 0) {
			ok(0, "%s -d %d: %s", e->name, lv, err.msg);
			continue;
		}
		for (uint64_t p = 0; p < NPFN; p++) {
			enum kind k = kind_of[p];

			if (k != K_TAIL)
				owner = k;   /* tails follow their head / buddy block */
			bool want = !in_hole(p) && !excluded(k == K_TAIL ? owner : k, lv, e);
			bool got = one[p >> 3] & (1u << (p & 7));
			if (want != got && !bad++)
				first_bad = p;
		}
		ok(!bad, "%s -d %d: kept set follows the rules (%llu wrong, first pfn %llu)",
		   e->name, lv, (unsigned long long)bad, (unsigned long long)first_bad);
		ok(st.total == NPFN && st.hole == 1024 && st.kept + st.cache + st.cache_priv +
		   st.user + st.free + st.hwpoison + st.offline == NPFN - 1024,
		   "%s -d %d: stats add up (kept %llu)", e->name, lv, (unsigned long long)st.kept);
		static const uint64_t cycles[] = { 1000, 1024, 3000, 511 };
		for (size_t c = 0; c < sizeof(cycles) / sizeof(cycles[0]); c++) {
			int r = run_cycles(m, lv, cycles[c], many, &err);

			ok(r == 0 && !memcmp(one, many, sizeof(one)),
			   "%s -d %d: cycles of %llu pfns give the same bitmap", e->name, lv,
			   (unsigned long long)cycles[c]);
		}
	}
out:
	km_destroy(m);
	ec_close(d);
	sy_free(&s);
	unlink(path);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++)
		test_era(&eras[i]);
	return tap_done();
}
