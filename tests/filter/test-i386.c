/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i386 kernel model on a synthetic ELF32 vmcore: 2-level (4 MiB + 4 KiB
 * pages) and PAE (2 MiB + 4 KiB pages) translation from swapper_pg_dir, a
 * FLATMEM mem_map reached through vmalloc space, 4-byte longs in struct page.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "filter.h"
#include "tap.h"

#define NPFN      4096u                 /* 16 MiB */
#define PGD_PA    0x100000u
#define PT_PA     0x101000u             /* PAE: pmd; non-PAE: pte for vmalloc */
#define PT2_PA    0x103000u             /* PAE: pte for vmalloc */
#define VAR_PA    0x104000u             /* the mem_map pointer variable */
#define MAP_PA    0x200000u             /* struct pages, 32 bytes each */
#define VMAP_VA   0xf8000000u

static uint8_t *mem;

static void w32(uint32_t pa, uint32_t v) { for (int i = 0; i < 4; i++) mem[pa + i] = (uint8_t)(v >> 8 * i); }
static void w64(uint32_t pa, uint64_t v) { w32(pa, (uint32_t)v); w32(pa + 4, (uint32_t)(v >> 32)); }

static void tables(bool pae)
{
	if (!pae) {
		for (uint32_t i = 0; i < 4; i++)   /* 0xc0000000 + 16 MiB: 4 MiB pages */
			w32(PGD_PA + 4 * (768 + i), (i << 22) | 0x83);
		w32(PGD_PA + 4 * (VMAP_VA >> 22), PT_PA | 0x3);
		for (uint32_t i = 0; i < 32; i++)
			w32(PT_PA + 4 * (((VMAP_VA >> 12) & 1023) + i), (MAP_PA + 4096 * i) | 0x3);
		return;
	}
	w64(PGD_PA + 8 * 3, PT_PA | 0x1);
	for (uint32_t i = 0; i < 8; i++)      /* 2 MiB pages */
		w64(PT_PA + 8 * (((0xc0000000u >> 21) & 511) + i), ((uint64_t)i << 21) | 0x83);
	w64(PT_PA + 8 * ((VMAP_VA >> 21) & 511), PT2_PA | 0x3);
	for (uint32_t i = 0; i < 32; i++)
		w64(PT2_PA + 8 * (((VMAP_VA >> 12) & 511) + i), (MAP_PA + 4096ull * i) | 0x3);
}

/* struct page: flags@0 compound_head@4 dtor@8 order@9 (page[1]) mapping@12
 * private@20 _mapcount@24 _refcount@28 */
static void page(uint32_t pfn, uint32_t flags, uint32_t mapping, uint32_t priv, uint32_t mc)
{
	uint32_t pa = MAP_PA + 32 * pfn;

	w32(pa, flags);
	w32(pa + 12, mapping);
	w32(pa + 20, priv);
	w32(pa + 24, mc);
}

static int write_core(const char *path, bool pae)
{
	char vi[2048];
	int n = snprintf(vi, sizeof(vi),
		"OSRELEASE=6.1.0-synth-686\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=c0100000\n%s"
		"SYMBOL(mem_map)=%x\nSIZE(page)=32\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=28\n"
		"OFFSET(page.mapping)=12\nOFFSET(page.lru)=4\nOFFSET(page._mapcount)=24\n"
		"OFFSET(page.private)=20\nOFFSET(page.compound_head)=4\n"
		"OFFSET(page.compound_dtor)=8\nOFFSET(page.compound_order)=9\n"
		"LENGTH(zone.free_area)=11\nNUMBER(PG_lru)=4\nNUMBER(PG_private)=13\n"
		"NUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\n"
		"NUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
		"NUMBER(HUGETLB_PAGE_DTOR)=2\n",
		pae ? "CONFIG_X86_PAE=y\n" : "", 0xc0000000u + VAR_PA);
	uint8_t h[4096] = { 0 };
	uint32_t note_off = 52 + 2 * 32, note_len = 24 + (((uint32_t)n + 3) & ~3u);

	memcpy(h, ELFMAG, 4);
	h[EI_CLASS] = ELFCLASS32;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	h[16] = ET_CORE;
	h[18] = EM_386;
	h[20] = EV_CURRENT;
	h[28] = 52;             /* e_phoff */
	h[40] = 52;             /* e_ehsize */
	h[42] = 32;             /* e_phentsize */
	h[44] = 2;              /* e_phnum */
	uint8_t *ph = h + 52;
	ph[0] = PT_NOTE;
	memcpy(ph + 4, &note_off, 4);
	memcpy(ph + 16, &note_len, 4);
	memcpy(ph + 20, &note_len, 4);
	ph += 32;
	uint32_t v[] = { PT_LOAD, 4096, 0xc0000000u, 0, NPFN * 4096, NPFN * 4096, 7, 0 };
	memcpy(ph, v, sizeof(v));
	uint32_t nh[] = { 11, (uint32_t)n, 0 };
	memcpy(h + note_off, nh, 12);
	memcpy(h + note_off + 12, "VMCOREINFO", 11);
	memcpy(h + note_off + 24, vi, (size_t)n);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	int r = fwrite(h, 1, 4096, f) == 4096 && fwrite(mem, 1, NPFN * 4096, f) == NPFN * 4096 ? 0 : -EIO;
	if (fclose(f) != 0)
		r = -EIO;
	return r;
}

static void run(bool pae)
{
	const char *what = pae ? "PAE" : "2-level";
	char path[] = "/tmp/crashcap-i386-XXXXXX";
	int fd = mkstemp(path);
	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	km *m = NULL;
	uint64_t pa = 0;

	close(fd);
	mem = calloc(NPFN, 4096);
	tables(pae);
	w32(VAR_PA, VMAP_VA);
	page(3000, 1u << 4 | 1u << 19, 0xc1000001u, 0, 0);            /* anon */
	page(3001, 1u << 4, 0xc1000040u, 0, 0xffffffffu);              /* cache */
	page(3008, 0, 0, 3, (uint32_t)-129);                           /* free, order 3 */
	page(3016, 65536 | 1u << 4 | 1u << 19, 0xc1000001u, 0, 0);      /* THP head, order 2 */
	for (uint32_t i = 1; i < 4; i++)
		w32(MAP_PA + 32 * (3016 + i) + 4, (VMAP_VA + 32 * 3016) | 1);
	mem[MAP_PA + 32 * 3017 + 9] = 2;
	int r = write_core(path, pae);
	if (!r)
		r = ec_open(path, 0, &d, &err);
	if (!r)
		r = km_create(d, &m, &err);
	ok(r == 0, "%s: ELF32 model built: %s", what, err.msg);
	if (r)
		goto out;
	r = km_vtop(m, 0xc0123456u, &pa, &err);
	ok(r == 0 && pa == 0x123456, "%s: lowmem large page -> 0x%llx", what, (unsigned long long)pa);
	r = km_vtop(m, VMAP_VA + 0x1234, &pa, &err);
	ok(r == 0 && pa == MAP_PA + 0x1234, "%s: vmalloc 4K page -> 0x%llx", what,
	   (unsigned long long)pa);
	r = km_vtop(m, 0xe0000000u, &pa, &err);
	ok(r == -EFAULT, "%s: unmapped -> -EFAULT (%s)", what, err.msg);
	err.msg[0] = 0;
	ok(km_can_classify(m, &err), "%s: FLATMEM mem_map %s", what, err.msg);
	uint8_t bm[NPFN / 8];
	r = fl_classify(m, 31, 0, NPFN, bm, NULL, &err);
	uint64_t wrong = 0;
	for (uint32_t p = 0; p < NPFN && r == 0; p++) {
		bool drop = p == 3000 || p == 3001 || (p >= 3008 && p < 3016) || (p >= 3016 && p < 3020);

		wrong += drop == !!(bm[p >> 3] & (1u << (p & 7)));
	}
	ok(r == 0 && wrong == 0, "%s: -d 31 drops anon, cache, the free block and the THP (%llu wrong)",
	   what, (unsigned long long)wrong);
out:
	km_destroy(m);
	ec_close(d);
	free(mem);
	unlink(path);
}

int main(void)
{
	run(false);
	run(true);
	return tap_done();
}
