/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A synthetic x86_64 kernel in a small ELF vmcore, for the filter unit tests:
 * page tables (4/5-level, 4K/2M/1G leaves, optional sme bit), SPARSEMEM_EXTREME
 * mem_section + vmemmap struct pages, VMCOREINFO text, printk buffers.
 * Physical memory: SY_PFNS pages of 4 KiB; sections of 2^SY_SECTION_PFNS_SHIFT
 * pages; section 4 is a hole (no PT_LOAD, no mem_map).
 */
#ifndef SYNTH_H
#define SYNTH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SY_PFNS            8192u
#define SY_SECTION_SHIFT   10u           /* pfns per section = 1024 (SECTION_SIZE_BITS 22) */
#define SY_HOLE_SECTION    4u
#define SY_KIMG_VA         0xffffffff81000000ull
#define SY_KIMG_PA         0x200000ull   /* 2 MiB of kernel image (pfn 512..1023) */
#define SY_MEMMAP_PA       0x100000ull   /* struct pages (pfn 256..383) */
#define SY_PAGE_SIZE_STRUCT 64u

struct synth {
	uint8_t *mem;              /* SY_PFNS * 4096 bytes of "physical memory" */
	int levels;                /* 4 or 5 */
	uint64_t sme;              /* bit OR-ed into every table entry */
	uint64_t page_offset, vmemmap;
	uint64_t next_pa;          /* bump allocator inside the kernel image */
	uint64_t pgd_pa;
	char *vmci;                /* VMCOREINFO text */
	size_t vmci_len, vmci_cap;
	bool no_mem_section;       /* test hooks */
	int ms_layout;             /* 0 EXTREME root array, 1 EXTREME via a pointer
				      (SYMBOL = &pointer, mdf's fallback), 2 classic static array */
};

void sy_init(struct synth *s, int levels, uint64_t sme);
void sy_free(struct synth *s);
/* allocate n zeroed bytes (8-aligned) in the kernel image; returns pa */
uint64_t sy_alloc(struct synth *s, size_t n);
uint64_t sy_kva(uint64_t pa);          /* kernel-image va of pa in the image */
uint64_t sy_dva(const struct synth *s, uint64_t pa);   /* direct-map va */
void sy_map(struct synth *s, uint64_t va, uint64_t pa, uint64_t size, uint64_t leaf);
void sy_w64(struct synth *s, uint64_t pa, uint64_t v);
void sy_w32(struct synth *s, uint64_t pa, uint32_t v);
void sy_w16(struct synth *s, uint64_t pa, uint16_t v);
void sy_w8(struct synth *s, uint64_t pa, uint8_t v);
void sy_wbytes(struct synth *s, uint64_t pa, const void *p, size_t n);
void sy_vmci(struct synth *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Build mem_section (SPARSEMEM_EXTREME, sections 0..7 except the hole) and
 * the standard translation VMCOREINFO lines. */
void sy_memmodel(struct synth *s);
/* Replace the value of VMCOREINFO line KEY (NULL value: drop the line). */
void sy_vmci_set(struct synth *s, const char *key, const char *value);
/* physical address of the struct page of pfn */
uint64_t sy_page_pa(uint64_t pfn);
/* Write the ELF core; returns 0 or -errno. `drop_vmci` omits the note. */
int sy_write(struct synth *s, const char *path);

#endif
