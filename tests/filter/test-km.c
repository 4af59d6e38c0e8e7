/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel model on synthetic vmcores: 4- and 5-level translation with 4K/2M/1G
 * leaves and an SME bit in every entry, negative phys_base, SPARSEMEM_EXTREME
 * decode, and clear errors for bad VMCOREINFO (never a silent drop).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "filter.h"
#include "synth.h"
#include "tap.h"

static const char page_keys[] =
	"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\n"
	"OFFSET(page.mapping)=24\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\n"
	"OFFSET(page.compound_head)=8\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
	"LENGTH(zone.free_area)=11\n";

typedef void (*mutate_fn)(struct synth *s);

/* Build, write and open a synthetic dump; returns 0 and the model or the
 * km_create() error. */
static int ms_layout;   /* passed to sy_memmodel() */

static int open_synth(int levels, uint64_t sme, mutate_fn mut, char *path,
		      struct synth *s, ec_dump **d, km **m, struct ec_err *err)
{
	int fd = mkstemp(path);

	close(fd);
	sy_init(s, levels, sme);
	s->ms_layout = ms_layout;
	sy_memmodel(s);
	sy_vmci(s, "%s", page_keys);
	if (mut)
		mut(s);
	if (sy_write(s, path) < 0)
		return -EIO;
	*d = NULL;
	*m = NULL;
	int r = ec_open(path, 0, d, err);
	if (r < 0)
		return r;
	return km_create(*d, m, err);
}

static void closeall(struct synth *s, ec_dump *d, km *m, const char *path)
{
	km_destroy(m);
	ec_close(d);
	sy_free(s);
	unlink(path);
}

/* 200 bytes around a 4 KiB boundary of the vmemmap (pfn 5184 starts a page) */
#define EDGE_PFN 5184ull
static uint8_t edge_bytes[200];
static void put_edge(struct synth *s)
{
	for (int i = 0; i < 200; i++)
		edge_bytes[i] = (uint8_t)(i * 7 + 1);
	sy_wbytes(s, sy_page_pa(EDGE_PFN) - 100, edge_bytes, 200);
}

static void test_translate(int levels, uint64_t sme)
{
	struct synth s;
	char path[] = "/tmp/crashcap-km-XXXXXX";
	struct ec_err err = { 0 };
	ec_dump *d;
	km *m;
	uint64_t pa = 0;
	int r = open_synth(levels, sme, put_edge, path, &s, &d, &m, &err);

	ok(r == 0, "%d-level sme=%llx: model built: %s", levels, (unsigned long long)sme, err.msg);
	if (r < 0)
		goto out;
	/* kernel image through a 2 MiB leaf (negative phys_base) */
	uint64_t mark = sy_alloc(&s, 16);
	ok(km_vtop(m, sy_kva(mark), &pa, &err) == 0 && pa == mark,
	   "%d-level: image va -> pa 0x%llx (want 0x%llx)", levels,
	   (unsigned long long)pa, (unsigned long long)mark);
	/* direct map through a 1 GiB leaf */
	ok(km_vtop(m, s.page_offset + 0x1234567, &pa, &err) == 0 && pa == 0x1234567,
	   "%d-level: direct map 1G leaf -> 0x%llx", levels, (unsigned long long)pa);
	/* vmemmap through 4 KiB leaves */
	uint64_t va = s.vmemmap + 6000ull * 64 + 8;
	ok(km_vtop(m, va, &pa, &err) == 0 && pa == sy_page_pa(6000) + 8,
	   "%d-level: vmemmap 4K leaf -> 0x%llx", levels, (unsigned long long)pa);
	/* the hole section's struct pages are not mapped */
	r = km_vtop(m, s.vmemmap + 4ull * 1024 * 64, &pa, &err);
	ok(r == -EFAULT && strstr(err.msg, "not mapped"), "%d-level: unmapped -> -EFAULT (%s)",
	   levels, err.msg);
	r = km_vtop(m, 0x1000, &pa, &err);
	ok(r == -EFAULT, "%d-level: user address rejected", levels);
	/* a read crossing 4 KiB leaves gathers the right bytes (put_edge) */
	uint8_t got[200];
	r = km_read_virt(m, s.vmemmap + EDGE_PFN * 64 - 100, got, 200, &err);
	ok(r == 0 && !memcmp(edge_bytes, got, 200), "%d-level: read across 4K leaves", levels);
	ok(km_can_classify(m, &err), "%d-level: mem_section decodes: %s", levels, err.msg);
out:
	closeall(&s, d, m, path);
}

static void drop_top(struct synth *s) { sy_vmci_set(s, "SYMBOL(init_top_pgt)", NULL); }
static void bad_base(struct synth *s) { sy_vmci_set(s, "NUMBER(phys_base)", "-14675968"); }
static void no_page(struct synth *s) { sy_vmci_set(s, "SIZE(page)", NULL); }
static void big_ms(struct synth *s) { sy_vmci_set(s, "SIZE(mem_section)", "100000"); }
static void ms_nowhere(struct synth *s)
{
	sy_vmci_set(s, "SYMBOL(mem_section)", "ffffffff9f000000");
}
static void ms_garbage(struct synth *s)
{
	/* root pointer at a mapped address full of non-kernel garbage */
	uint64_t junk = sy_alloc(s, 64);

	for (int i = 0; i < 8; i++)
		sy_w64(s, junk + 8 * i, 0x4141414141414141ull);
	char v[32];
	snprintf(v, sizeof(v), "%llx", (unsigned long long)sy_kva(junk));
	sy_vmci_set(s, "SYMBOL(mem_section)", v);
}
static void bad_vmemmap(struct synth *s)
{
	char v[32];

	snprintf(v, sizeof(v), "%llx", (unsigned long long)(s->vmemmap + 0x200000));
	sy_vmci_set(s, "SYMBOL(vmemmap)", v);
}
static void good_vmemmap(struct synth *s)
{
	char v[32];

	snprintf(v, sizeof(v), "%llx", (unsigned long long)s->vmemmap);
	sy_vmci_set(s, "SYMBOL(vmemmap)", v);
}
static void no_buddy(struct synth *s) { sy_vmci_set(s, "OFFSET(page.private)", NULL); }

/* a free order-3 block at pfn 6000 (section 5): -d 16 must drop exactly it,
 * whatever the mem_section layout */
static void put_buddy(struct synth *s)
{
	sy_w32(s, sy_page_pa(6000) + 48, (uint32_t)-129);
	sy_w64(s, sy_page_pa(6000) + 40, 3);
}

static void test_layout(int layout, const char *what)
{
	struct synth s;
	char path[] = "/tmp/crashcap-km-XXXXXX";
	struct ec_err err = { 0 };
	ec_dump *d;
	km *m;
	uint8_t bm[SY_PFNS / 8];

	ms_layout = layout;
	int r = open_synth(4, 0, put_buddy, path, &s, &d, &m, &err);
	ms_layout = 0;
	ok(r == 0 && km_can_classify(m, &err), "%s: mem_section decodes: %s", what, err.msg);
	if (r == 0 && fl_classify(m, 16, 0, SY_PFNS, bm, NULL, &err) == 0) {
		uint64_t wrong = 0;

		for (uint64_t p = 0; p < SY_PFNS; p++) {
			bool want = (p >> SY_SECTION_SHIFT) != SY_HOLE_SECTION && (p < 6000 || p >= 6008);

			wrong += want != !!(bm[p >> 3] & (1u << (p & 7)));
		}
		ok(wrong == 0, "%s: -d 16 drops exactly the free block (%llu wrong)", what,
		   (unsigned long long)wrong);
	} else {
		ok(0, "%s: fl_classify: %s", what, err.msg);
	}
	closeall(&s, d, m, path);
}

static void test_bad(const char *what, mutate_fn mut, bool create_fails, const char *needle)
{
	struct synth s;
	char path[] = "/tmp/crashcap-km-XXXXXX";
	struct ec_err err = { 0 };
	ec_dump *d;
	km *m;
	int r = open_synth(4, 0, mut, path, &s, &d, &m, &err);

	if (create_fails) {
		ok(r < 0 && strstr(err.msg, needle), "%s: km_create fails: %s", what, err.msg);
		goto out;
	}
	ok(r == 0, "%s: model still built for translation: %s", what, err.msg);
	if (r < 0)
		goto out;
	struct ec_err why = { 0 };
	ok(!km_can_classify(m, &why) && strstr(why.msg, needle), "%s: cannot classify: %s",
	   what, why.msg);
	uint8_t bm[SY_PFNS / 8], all[SY_PFNS / 8];
	r = fl_classify(m, 31, 0, SY_PFNS, bm, NULL, &err);
	ok(r < 0 && err.msg[0], "%s: fl_classify -d 31 refuses: %s", what, err.msg);
	ok(fl_keep_present(d, 0, SY_PFNS, all) == 0, "%s: fl_keep_present works", what);
	uint64_t n = 0;
	for (size_t i = 0; i < sizeof(all); i++)
		n += (uint64_t)__builtin_popcount(all[i]);
	ok(n == SY_PFNS - 1024, "%s: keep_present keeps every present page (%llu)", what,
	   (unsigned long long)n);
	r = fl_classify(m, 1, 0, SY_PFNS, bm, NULL, &err);
	ok(r == 0 && !memcmp(bm, all, sizeof(bm)), "%s: -d 1 still possible (zero pages only)", what);
out:
	closeall(&s, d, m, path);
}

int main(void)
{
	test_translate(4, 0);
	test_translate(5, 0);
	test_translate(4, 1ull << 47);
	test_translate(5, 1ull << 51);
	test_layout(0, "SPARSEMEM_EXTREME");
	test_layout(1, "SPARSEMEM_EXTREME, SYMBOL(mem_section) = &root pointer");
	test_layout(2, "classic SPARSEMEM");
	test_bad("no init_top_pgt", drop_top, true, "init_top_pgt");
	test_bad("wrong phys_base", bad_base, true, "page tables");
	test_bad("no SIZE(page)", no_page, false, "SIZE(page)");
	test_bad("absurd SIZE(mem_section)", big_ms, false, "SIZE(mem_section)");
	test_bad("mem_section into nowhere", ms_nowhere, false, "mem_section");
	test_bad("mem_section garbage", ms_garbage, false, "mem_section");
	test_bad("mem_section disagrees with SYMBOL(vmemmap)", bad_vmemmap, false, "SYMBOL(vmemmap)");
	{
		struct synth s2;
		char p2[] = "/tmp/crashcap-km-XXXXXX";
		struct ec_err e2 = { 0 };
		ec_dump *d2;
		km *m2;
		int r2 = open_synth(4, 0, good_vmemmap, p2, &s2, &d2, &m2, &e2);

		ok(r2 == 0 && km_can_classify(m2, &e2), "SYMBOL(vmemmap) agreeing with mem_section: %s", e2.msg);
		closeall(&s2, d2, m2, p2);
	}

	/* free pages without a buddy marker: a clear refusal, other levels work */
	struct synth s;
	char path[] = "/tmp/crashcap-km-XXXXXX";
	struct ec_err err = { 0 };
	ec_dump *d;
	km *m;
	uint8_t bm[SY_PFNS / 8];
	int r = open_synth(4, 0, no_buddy, path, &s, &d, &m, &err);
	ok(r == 0 && fl_classify(m, 16, 0, SY_PFNS, bm, NULL, &err) < 0 &&
	   strstr(err.msg, "buddy"), "no page.private: -d 16 refused: %s", err.msg);
	ok(r == 0 && fl_classify(m, 8, 0, SY_PFNS, bm, NULL, &err) == 0, "no page.private: -d 8 works");
	closeall(&s, d, m, path);
	return tap_done();
}
