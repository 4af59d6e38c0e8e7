/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile input: synthetic dumps whose struct pages are random garbage, whose
 * page tables / mem_section / printk ring are randomly corrupted, and whose
 * VMCOREINFO numbers are randomly absurd. Every call must return 0 or a
 * negative errno with a message, never crash or read out of bounds (run
 * under ASan in the asan build), and a successful classification never keeps
 * a page that is not in the dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "filter.h"
#include "synth.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int sink(void *ctx, const void *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

static const char *const keys[] = {
	"SIZE(page)", "OFFSET(page.flags)", "OFFSET(page._mapcount)", "OFFSET(page.private)",
	"OFFSET(page.compound_head)", "NUMBER(PG_lru)", "NUMBER(PG_head_mask)",
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "LENGTH(zone.free_area)", "SIZE(mem_section)",
	"NUMBER(SECTION_SIZE_BITS)", "NUMBER(MAX_PHYSMEM_BITS)", "LENGTH(mem_section)",
	"NUMBER(phys_base)", "PAGESIZE", "OFFSET(page.compound_order)", "NUMBER(PG_slab)",
};
static const char *const vals[] = {
	"0", "1", "7", "63", "64", "4096", "65535", "-1", "-129", "99999999999",
	"18446744073709551615", "-9223372036854775808", "garbage", "",
};

static void one(unsigned iter)
{
	struct synth s;
	char path[] = "/tmp/crashcap-robust-XXXXXX";
	int fd = mkstemp(path);
	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	km *m = NULL;
	unsigned mode = iter % 4;

	close(fd);
	sy_init(&s, iter & 1 ? 5 : 4, 0);
	sy_memmodel(&s);
	sy_vmci(&s, "SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
		"OFFSET(page.mapping)=24\nOFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\n"
		"OFFSET(page.private)=40\nOFFSET(page.compound_head)=8\n"
		"OFFSET(page.compound_dtor)=16\nOFFSET(page.compound_order)=17\n"
		"LENGTH(zone.free_area)=11\nNUMBER(PG_lru)=4\nNUMBER(PG_private)=13\n"
		"NUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\n"
		"NUMBER(PG_head_mask)=65536\nNUMBER(PG_hwpoison)=23\n"
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n"
		"NUMBER(HUGETLB_PAGE_DTOR)=2\n");
	/* a printk ring whose pointers and sizes are random */
	uint64_t prbp = sy_alloc(&s, 8), rb = sy_alloc(&s, 88), junk = sy_alloc(&s, 4096);
	for (unsigned i = 0; i < 11; i++)
		sy_w64(&s, rb + 8 * i, rnd() & (i & 1 ? ~0ull : 0x3f));
	if (iter % 3) {   /* plausible sizes, pointers into the junk page */
		sy_w32(&s, rb + 0, (uint32_t)(rnd() % 8));
		sy_w64(&s, rb + 8, sy_kva(junk));
		sy_w64(&s, rb + 16, sy_kva(junk));
		sy_w32(&s, rb + 48, (uint32_t)(3 + rnd() % 10));
		sy_w64(&s, rb + 56, sy_kva(junk));
		uint64_t tail = rnd() % 64;
		sy_w64(&s, rb + 32, tail);
		sy_w64(&s, rb + 24, tail + rnd() % 8);
	}
	sy_w64(&s, prbp, sy_kva(rb));
	sy_vmci(&s, "SYMBOL(prb)=%llx\nSIZE(printk_ringbuffer)=88\n"
		"OFFSET(printk_ringbuffer.desc_ring)=0\nOFFSET(printk_ringbuffer.text_data_ring)=48\n"
		"OFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=8\n"
		"OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\n"
		"OFFSET(prb_desc_ring.tail_id)=32\nSIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\n"
		"OFFSET(prb_desc.text_blk_lpos)=8\nOFFSET(prb_data_blk_lpos.begin)=0\n"
		"OFFSET(prb_data_blk_lpos.next)=8\nSIZE(printk_info)=88\n"
		"OFFSET(printk_info.ts_nsec)=8\nOFFSET(printk_info.text_len)=16\n"
		"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n"
		"OFFSET(atomic_long_t.counter)=0\n", (unsigned long long)sy_kva(prbp));
	for (unsigned i = 0; i < 4096; i++)
		sy_w8(&s, junk + i, (uint8_t)rnd());

	/* struct pages: random garbage with a bias to the interesting values */
	for (uint64_t pfn = 0; pfn < SY_PFNS; pfn++) {
		uint64_t pa = sy_page_pa(pfn), r = rnd();

		sy_w64(&s, pa, r & 0x10000000010ffffull);
		sy_w64(&s, pa + 8, (r >> 7) & 1 ? s.vmemmap + (rnd() % SY_PFNS) * 64 + 1 : 0);
		sy_w8(&s, pa + 17, (uint8_t)(rnd() % 70));
		sy_w64(&s, pa + 24, rnd() & 0xffff888000000001ull);
		sy_w64(&s, pa + 40, rnd() % 16);
		sy_w32(&s, pa + 48, (r >> 9) & 1 ? (uint32_t)-129 : (uint32_t)rnd());
	}
	if (mode == 1)   /* corrupt page tables and mem_section in the image */
		for (unsigned i = 0; i < 64; i++)
			sy_w8(&s, SY_KIMG_PA + rnd() % (s.next_pa - SY_KIMG_PA), (uint8_t)rnd());
	if (mode == 2)   /* absurd VMCOREINFO values */
		for (unsigned i = 0; i < 3; i++)
			sy_vmci_set(&s, keys[rnd() % (sizeof(keys) / sizeof(keys[0]))],
				    vals[rnd() % (sizeof(vals) / sizeof(vals[0]))]);
	if (mode == 3)   /* corrupt the vmemmap backing's page-table leaves too */
		for (unsigned i = 0; i < 16; i++)
			sy_w64(&s, SY_KIMG_PA + 8 * (rnd() % ((s.next_pa - SY_KIMG_PA) / 8)), rnd());

	bool fine = true;
	if (sy_write(&s, path) < 0 || ec_open(path, 0, &d, &err) < 0) {
		ok(0, "iteration %u: synthetic dump opens: %s", iter, err.msg);
		goto out;
	}
	int r = km_create(d, &m, &err);
	if (r < 0) {
		fine = err.msg[0] != 0;
		diag("iteration %u: km_create: %s", iter, err.msg);
		goto done;
	}
	if (!km_can_classify(m, &err))
		diag("iteration %u: %s", iter, err.msg);
	static const int levels[] = { 0, 1, 8, 16, 31 };
	uint8_t bm[SY_PFNS / 8], pres[SY_PFNS / 8];
	fl_keep_present(d, 0, SY_PFNS, pres);
	for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		for (uint64_t st = 0; st < SY_PFNS; st += 700) {
			uint64_t en = st + 700 < SY_PFNS ? st + 700 : SY_PFNS;

			err.msg[0] = 0;
			r = fl_classify(m, levels[li], st, en, bm, NULL, &err);
			if (r < 0) {
				fine &= err.msg[0] != 0;
				if (levels[li] == 31 && st == 0)
					diag("iteration %u: -d 31: %s", iter, err.msg);
				break;
			}
			for (uint64_t p = st; p < en; p++) {
				bool k = bm[(p - st) >> 3] & (1u << ((p - st) & 7));

				fine &= !k || (pres[p >> 3] & (1u << (p & 7)));
			}
		}
	}
	size_t n = 0;
	struct fl_out o = { sink, &n };
	err.msg[0] = 0;
	r = fl_dump_dmesg(m, &o, &err);
	fine &= r == 0 || err.msg[0] != 0;
	if (r < 0)
		diag("iteration %u: dmesg: %s", iter, err.msg);
	else
		diag("iteration %u: dmesg: %zu bytes", iter, n);
done:
	ok(fine, "iteration %u (mode %u): errors explained, nothing absent kept", iter, mode);
out:
	km_destroy(m);
	ec_close(d);
	sy_free(&s);
	unlink(path);
}

int main(void)
{
	for (unsigned i = 0; i < 24; i++)
		one(i);
	return tap_done();
}
