/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The elfcorehdr for the kexec_load(2) path (i386, or x86_64 without
 * kexec_file_load): what kexec-tools' load_crashdump_segments() builds,
 * from the running kernel's /proc/iomem, per-CPU crash_notes and
 * /sys/kernel/vmcoreinfo. Paths are read below a root prefix so tests run
 * on recorded fixtures. No printing; 0 or negative errno with ec_err filled.
 */
#ifndef CRASHCAP_KL_COREHDR_H
#define CRASHCAP_KL_COREHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "elfcore.h"

#define KL_MAX_RANGES 512
#define KL_MAX_CPUS 1024
#define KL_MAX_CRASH 8
/* kexec-tools' MAX_NOTE_BYTES: the note size when crash_notes_size is absent. */
#define KL_DEFAULT_NOTE_BYTES 1024
/* i386 direct map: PAGE_OFFSET and the lowmem limit (896 MiB with the
 * default 3G/1G split); PT_LOADs above the limit get p_vaddr = -1. */
#define KL_I386_PAGE_OFFSET 0xc0000000ull
#define KL_I386_LOWMEM_LIMIT 0x38000000ull
/* The capture kernel boots through the first 640 KiB (real-mode data). */
#define KL_BACKUP_LIMIT 0xa0000ull
/* elfcorehdr alignment (the kernel takes elfcorehdr=<n>K). */
#define KL_COREHDR_ALIGN 1024

/* e820-like range types, as /proc/iomem names them. */
enum kl_range_type { KL_RAM = 1, KL_RESERVED, KL_ACPI, KL_ACPI_NVS, KL_PMEM };

struct kl_range {
	uint64_t start, end;        /* inclusive, like /proc/iomem */
	enum kl_range_type type;
};

/* What the running kernel tells about its memory (all physical addresses). */
struct kl_sysmem {
	struct kl_range r[KL_MAX_RANGES];   /* RAM, reserved, ACPI in iomem order */
	size_t nr;
	struct ec_range crash[KL_MAX_CRASH]; /* "Crash kernel" lines */
	size_t nr_crash;
	uint64_t note_paddr[KL_MAX_CPUS], note_size[KL_MAX_CPUS];
	size_t nr_notes;                    /* CPUs that have crash_notes */
	uint64_t vmci_paddr, vmci_size;     /* 0/0: no /sys/kernel/vmcoreinfo */
	uint64_t acpi_rsdp;                 /* boot_params.acpi_rsdp_addr of the running
					       kernel (sys/kernel/boot_params/data), 0: unknown */
};

/* Read <root>/proc/iomem, <root>/sys/devices/system/cpu/cpuN/crash_notes
 * (+ crash_notes_size) for N = 0, 1, ... while cpuN exists, and
 * <root>/sys/kernel/vmcoreinfo (and the ACPI RSDP address from
 * <root>/sys/kernel/boot_params/data when readable). root "" (or NULL) reads the live system.
 * Needs root on a live system (iomem shows zeros otherwise: -EPERM). */
int kl_sysmem_read(const char *root, struct kl_sysmem *ret, struct ec_err *err);

struct kl_corehdr_opts {
	uint16_t machine;       /* EM_386 or EM_X86_64 */
	int elf_class;          /* 0: automatic (x86_64: 64; i386: 32 unless RAM ends above 4 GiB) */
	uint64_t page_offset;   /* p_vaddr base of RAM; 0 keeps p_vaddr = 0 */
	uint64_t lowmem_limit;  /* RAM at or above: p_vaddr = -1 (i386 highmem); 0: none */
	uint64_t backup_dst;    /* 0: no backup; else where the low RAM range is copied */
};

/* The crash RAM ranges: System RAM minus the crash reservation(s), split at
 * lowmem_limit, in address order. The low backup source is the first RAM
 * range that ends at or below 640 KiB (kexec-tools: [0x1000, 0x9fbff] on
 * most PCs), or [0, 0x9ffff] if none. */
int kl_crash_ram(const struct kl_sysmem *m, uint64_t lowmem_limit,
		 struct ec_range *ret, size_t max, size_t *ret_n, struct ec_err *err);
void kl_backup_src(const struct kl_sysmem *m, struct ec_range *ret);

/* Build the elfcorehdr (malloc'd, zero-padded to KL_COREHDR_ALIGN) and the
 * ELF class chosen. */
int kl_corehdr_make(const struct kl_sysmem *m, const struct kl_corehdr_opts *o,
		    void **ret_buf, size_t *ret_len, int *ret_class, struct ec_err *err);

#endif
