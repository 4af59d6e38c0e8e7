/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Synthetic x86_64 vmcore builder for the filter unit tests (see synth.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "synth.h"

#define START_KERNEL_MAP 0xffffffff80000000ull

void sy_init(struct synth *s, int levels, uint64_t sme)
{
	memset(s, 0, sizeof(*s));
	s->mem = calloc(SY_PFNS, 4096);
	s->levels = levels;
	s->sme = sme;
	s->page_offset = levels == 5 ? 0xff11000000000000ull : 0xffff888000000000ull;
	s->vmemmap = levels == 5 ? 0xffd4000000000000ull : 0xffffea0000000000ull;
	s->next_pa = SY_KIMG_PA;
	s->vmci_cap = 16384;
	s->vmci = calloc(1, s->vmci_cap);
	if (!s->mem || !s->vmci)
		abort();
	s->pgd_pa = sy_alloc(s, 4096);
}

void sy_free(struct synth *s)
{
	free(s->mem);
	free(s->vmci);
}

uint64_t sy_alloc(struct synth *s, size_t n)
{
	uint64_t align = n >= 4096 ? 4096 : 8;
	uint64_t pa = (s->next_pa + align - 1) & ~(align - 1);

	s->next_pa = pa + n;
	if (s->next_pa > SY_KIMG_PA + 0x200000)
		abort();
	return pa;
}

uint64_t sy_kva(uint64_t pa)
{
	return SY_KIMG_VA + (pa - SY_KIMG_PA);
}

uint64_t sy_dva(const struct synth *s, uint64_t pa)
{
	return s->page_offset + pa;
}

void sy_w64(struct synth *s, uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		s->mem[pa + i] = (uint8_t)(v >> (8 * i));
}

void sy_w32(struct synth *s, uint64_t pa, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		s->mem[pa + i] = (uint8_t)(v >> (8 * i));
}

void sy_w16(struct synth *s, uint64_t pa, uint16_t v)
{
	s->mem[pa] = (uint8_t)v;
	s->mem[pa + 1] = (uint8_t)(v >> 8);
}

void sy_w8(struct synth *s, uint64_t pa, uint8_t v)
{
	s->mem[pa] = v;
}

void sy_wbytes(struct synth *s, uint64_t pa, const void *p, size_t n)
{
	memcpy(s->mem + pa, p, n);
}

static uint64_t r64(const struct synth *s, uint64_t pa)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | s->mem[pa + i];
	return v;
}

void sy_map(struct synth *s, uint64_t va, uint64_t pa, uint64_t size, uint64_t leaf)
{
	int leaf_level = leaf == (1ull << 30) ? 2 : leaf == (1ull << 21) ? 1 : 0;

	for (uint64_t off = 0; off < size; off += leaf) {
		uint64_t v = va + off, table = s->pgd_pa;

		for (int l = s->levels - 1; l > leaf_level; l--) {
			uint64_t ep = table + 8 * ((v >> (12 + 9 * l)) & 511);
			uint64_t e = r64(s, ep);

			if (!(e & 1)) {
				e = sy_alloc(s, 4096) | 0x63 | s->sme;
				sy_w64(s, ep, e);
			}
			table = e & 0x000ffffffffff000ull & ~s->sme;
		}
		uint64_t ep = table + 8 * ((v >> (12 + 9 * leaf_level)) & 511);
		sy_w64(s, ep, (pa + off) | 0x63 | s->sme | (leaf_level ? 0x80 : 0));
	}
}

void sy_vmci(struct synth *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(s->vmci + s->vmci_len, s->vmci_cap - s->vmci_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->vmci_cap - s->vmci_len)
		abort();
	s->vmci_len += (size_t)n;
}

void sy_vmci_set(struct synth *s, const char *key, const char *value)
{
	size_t kl = strlen(key);
	char *out = calloc(1, s->vmci_cap), *line = s->vmci;
	size_t o = 0;
	bool found = false;

	if (!out)
		abort();
	while (line < s->vmci + s->vmci_len) {
		char *nl = memchr(line, '\n', (size_t)(s->vmci + s->vmci_len - line));
		size_t ll = nl ? (size_t)(nl - line) + 1 : (size_t)(s->vmci + s->vmci_len - line);

		if (ll > kl && !memcmp(line, key, kl) && line[kl] == '=') {
			found = true;
			if (value)
				o += (size_t)snprintf(out + o, s->vmci_cap - o, "%s=%s\n", key, value);
		} else {
			memcpy(out + o, line, ll);
			o += ll;
		}
		line += ll;
	}
	if (!found && value)
		o += (size_t)snprintf(out + o, s->vmci_cap - o, "%s=%s\n", key, value);
	free(s->vmci);
	s->vmci = out;
	s->vmci_len = o;
}

uint64_t sy_page_pa(uint64_t pfn)
{
	return SY_MEMMAP_PA + pfn * SY_PAGE_SIZE_STRUCT;
}

void sy_memmodel(struct synth *s)
{
	uint64_t pfns_per_sec = 1ull << SY_SECTION_SHIFT;
	uint64_t sec_bytes = pfns_per_sec * SY_PAGE_SIZE_STRUCT;

	/* kernel image (2M leaf), direct map (1G leaf), vmemmap (4K leaves) */
	sy_map(s, SY_KIMG_VA, SY_KIMG_PA, 0x200000, 1ull << 21);
	sy_map(s, s->page_offset, 0, 1ull << 30, 1ull << 30);
	for (uint64_t sec = 0; sec < SY_PFNS / pfns_per_sec; sec++)
		if (sec != SY_HOLE_SECTION)
			sy_map(s, s->vmemmap + sec * sec_bytes, SY_MEMMAP_PA + sec * sec_bytes,
			       sec_bytes, 4096);

	/* SPARSEMEM_EXTREME: 4 roots (2^(32-22) sections / 256 per root);
	 * classic SPARSEMEM: one static array of all 1024 sections */
	uint64_t roots = sy_alloc(s, 4 * 8), sym = roots;
	uint64_t secs = sy_alloc(s, s->ms_layout == 2 ? 1024 * 16 : 4096);
	sy_w64(s, roots, sy_dva(s, secs));
	for (uint64_t sec = 0; sec < SY_PFNS / pfns_per_sec; sec++)
		if (sec != SY_HOLE_SECTION)
			sy_w64(s, secs + 16 * sec, s->vmemmap | 0x7);
	if (s->ms_layout == 1) {
		sym = sy_alloc(s, 8);
		sy_w64(s, sym, sy_kva(roots));
	} else if (s->ms_layout == 2) {
		sym = secs;
	}

	sy_vmci(s, "OSRELEASE=6.1.0-synth\nPAGESIZE=4096\n");
	sy_vmci(s, "SYMBOL(init_top_pgt)=%llx\n", (unsigned long long)sy_kva(s->pgd_pa));
	sy_vmci(s, "NUMBER(phys_base)=%lld\n",
		(long long)(SY_KIMG_PA - (SY_KIMG_VA - START_KERNEL_MAP)));
	sy_vmci(s, "NUMBER(pgtable_l5_enabled)=%d\n", s->levels == 5);
	if (s->sme)
		sy_vmci(s, "NUMBER(sme_mask)=%lld\n", (long long)s->sme);
	if (!s->no_mem_section)
		sy_vmci(s, "SYMBOL(mem_section)=%llx\n", (unsigned long long)sy_kva(sym));
	sy_vmci(s, "LENGTH(mem_section)=%d\nSIZE(mem_section)=16\n"
		"OFFSET(mem_section.section_mem_map)=0\n"
		"NUMBER(SECTION_SIZE_BITS)=22\nNUMBER(MAX_PHYSMEM_BITS)=32\n",
		s->ms_layout == 2 ? 1024 : 4);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }

int sy_write(struct synth *s, const char *path)
{
	/* PT_LOADs: [0, hole) and (hole, end) in pfns */
	const uint64_t ld[2][2] = {
		{ 0, SY_HOLE_SECTION << SY_SECTION_SHIFT },
		{ (SY_HOLE_SECTION + 1) << SY_SECTION_SHIFT, SY_PFNS },
	};
	size_t nphdr = 3, hdr = 64 + 56 * nphdr;
	size_t note_len = 12 + 12 + ((s->vmci_len + 3) & ~3ul);
	uint64_t note_off = (hdr + 4095) & ~4095ul;
	uint64_t data_off = (note_off + note_len + 4095) & ~4095ul;
	uint8_t *h = calloc(1, data_off);
	int fd, r = 0;

	if (!h)
		return -ENOMEM;
	memcpy(h, ELFMAG, 4);
	h[EI_CLASS] = ELFCLASS64;
	h[EI_DATA] = ELFDATA2LSB;
	h[EI_VERSION] = EV_CURRENT;
	put16(h + 16, ET_CORE);
	put16(h + 18, EM_X86_64);
	put32(h + 20, EV_CURRENT);
	put64(h + 32, 64);
	put16(h + 52, 64);
	put16(h + 54, 56);
	put16(h + 56, (uint16_t)nphdr);
	uint8_t *ph = h + 64;
	put32(ph, PT_NOTE);
	put64(ph + 8, note_off);
	put64(ph + 32, note_len);
	put64(ph + 40, note_len);
	uint64_t off = data_off;
	for (int i = 0; i < 2; i++) {
		uint8_t *p = ph + 56 * (i + 1);
		uint64_t pa = ld[i][0] * 4096, sz = (ld[i][1] - ld[i][0]) * 4096;

		put32(p, PT_LOAD);
		put32(p + 4, 7);
		put64(p + 8, off);
		put64(p + 16, s->page_offset + pa);
		put64(p + 24, pa);
		put64(p + 32, sz);
		put64(p + 40, sz);
		off += sz;
	}
	uint8_t *n = h + note_off;
	put32(n, 11);
	put32(n + 4, (uint32_t)s->vmci_len);
	put32(n + 8, 0);
	memcpy(n + 12, "VMCOREINFO", 11);
	memcpy(n + 24, s->vmci, s->vmci_len);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		free(h);
		return -errno;
	}
	if (write(fd, h, data_off) != (ssize_t)data_off)
		r = -EIO;
	for (int i = 0; i < 2 && !r; i++) {
		size_t sz = (ld[i][1] - ld[i][0]) * 4096;

		if (write(fd, s->mem + ld[i][0] * 4096, sz) != (ssize_t)sz)
			r = -EIO;
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	free(h);
	return r;
}
