/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i386 crash kernel loading with kexec_load(2): the bzImage's protected-mode
 * part, boot_params (zero page) with the capture kernel's e820 map and
 * command line (+ elfcorehdr=<n>K), the initrd, the elfcorehdr, the low
 * 640 KiB backup segment, and a purgatory of a few instructions that copies
 * the low memory into the backup, loads a flat GDT and enters the kernel's
 * 32-bit entry with %esi = boot_params (boot protocol 2.05+, relocatable).
 * No printing; 0 or negative errno with ec_err filled.
 */
#ifndef CRASHCAP_KL_X86_H
#define CRASHCAP_KL_X86_H

#include "kl_corehdr.h"

#define KL_X86_MAX_SEGS 8

struct kl_x86_load {
	const char *kernel;         /* bzImage */
	const char *initrd;         /* NULL: none */
	const char *cmdline;        /* capture command line (elfcorehdr= is appended) */
	struct kl_corehdr_opts core; /* machine must be EM_386; backup_dst is ignored (chosen here) */
	const char *dry_run_dir;    /* non-NULL: write segments there instead of loading */
};

struct kl_x86_seg {
	const void *buf;            /* NULL: zero-filled */
	size_t bufsz;
	uint64_t mem, memsz;        /* page-aligned, inside the reservation */
	const char *what;
};

struct kl_x86_result {
	uint64_t entry;             /* purgatory */
	uint64_t corehdr;           /* elfcorehdr address (1 KiB aligned) */
	uint64_t boot_params, kernel_addr, initrd_addr;
	uint64_t backup_src, backup_size, backup_dst;
	int elf_class;
	size_t nr_segs;
	struct kl_x86_seg segs[KL_X86_MAX_SEGS];  /* bufs are freed before return */
};

/* Lay out and load (or, with dry_run_dir, write seg-<n>.bin + segments.txt).
 * -ENOSYS: kexec_load missing; -EADDRNOTAVAIL: no/too small reservation;
 * -ENOEXEC: not a relocatable bzImage (protocol >= 2.05). */
int kl_x86_load(const struct kl_sysmem *m, const struct kl_x86_load *ld,
		struct kl_x86_result *ret, struct ec_err *err);
/* Unload the crash kernel (kexec_load with no segments, KEXEC_ON_CRASH). */
int kl_x86_unload(struct ec_err *err);

/* Purgatory bytes for one page at `base` (exposed for the unit test). Before
 * the backup copy and the jump it re-adds every checked segment as 32-bit
 * little-endian words and halts (cli; hlt) on a mismatch: a capture kernel
 * whose image was overwritten after loading is not entered. (kexec-tools'
 * purgatory checks SHA-256 digests; an additive sum is cheaper to hand-code
 * and catches stray writes, not deliberate ones.) */
#define KL_PURGATORY_SIZE 0x160
#define KL_PURGATORY_TABLE 0x110
#define KL_MAX_SUMS 5
struct kl_x86_sum {
	uint32_t addr;      /* physical, 4-byte aligned */
	uint32_t words;     /* number of 32-bit words checked (> 0) */
	uint32_t sum;       /* their sum mod 2^32 */
};
/* Sum of the whole 32-bit little-endian words of buf (a trailing partial word is not covered). */
uint32_t kl_x86_sum32(const void *buf, size_t len);
void kl_x86_purgatory(uint8_t out[KL_PURGATORY_SIZE], uint32_t base, uint32_t backup_src,
		      uint32_t backup_dst, uint32_t backup_size, uint32_t boot_params,
		      uint32_t kernel_entry, const struct kl_x86_sum *sums, size_t nsums);

#endif
