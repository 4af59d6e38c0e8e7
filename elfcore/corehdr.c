/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcorehdr builder: the ELF header block the first kernel leaves for the
 * capture kernel (what crash_prepare_elf64_headers / kexec-tools build).
 * p_offset of every segment is the physical address of its data in old
 * memory; the i386 low-memory range points at its backup copy instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include "priv.h"


/* A PT_NOTE/PT_LOAD of the elfcorehdr: filesz = memsz, p_align 0. */
static void phdr(uint8_t *b, bool is64, uint32_t type, uint64_t off, uint64_t vaddr,
		 uint64_t paddr, uint64_t size, uint32_t flags)
{
	ec__put_phdr(b, is64, type, flags, off, vaddr, paddr, size, size, 0);
}

int ec_corehdr_build(const struct ec_corehdr_params *p, void **ret_buf, size_t *ret_len,
		     struct ec_err *err)
{
	bool is64 = p->elf_class == ELFCLASS64;
	uint64_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32, sh = is64 ? 64 : 40;
	uint64_t lim = is64 ? UINT64_MAX : UINT32_MAX;
	size_t n, k = 0;
	uint64_t len;
	uint8_t *b;

	if (p->elf_class != ELFCLASS32 && p->elf_class != ELFCLASS64)
		return ec_set_err(err, -EINVAL, "elfcorehdr: class %d is not 1 or 2", p->elf_class);
	if (p->nr_ram > EC_MAX_PHNUM || p->nr_notes > EC_MAX_CPUS)
		return ec_set_err(err, -E2BIG, "elfcorehdr: %zu ranges / %zu notes are too many",
				  p->nr_ram, p->nr_notes);
	n = p->nr_notes + (p->vmcoreinfo_size ? 1 : 0) + (p->text_size ? 1 : 0) + p->nr_ram;
	if (n == 0)
		return ec_set_err(err, -EINVAL, "elfcorehdr: nothing to describe");
	for (size_t i = 0; i < p->nr_ram; i++) {
		const struct ec_range *r = &p->ram[i];
		if (r->end < r->start || r->end > lim || (p->page_offset && p->page_offset + r->end > lim))
			return ec_set_err(err, -EINVAL, "elfcorehdr: RAM range %zu [0x%llx, 0x%llx] is empty or does not fit ELF%d",
					  i, (unsigned long long)r->start, (unsigned long long)r->end, is64 ? 64 : 32);
		if (p->backup_size) {
			uint64_t bs = p->backup_src, be = p->backup_src + p->backup_size - 1;
			bool inside = r->start >= bs && r->end <= be;
			bool apart = r->end < bs || r->start > be;
			if (!inside && !apart)
				return ec_set_err(err, -EINVAL, "elfcorehdr: RAM range %zu [0x%llx, 0x%llx] straddles the backup region [0x%llx, 0x%llx]; split it",
						  i, (unsigned long long)r->start, (unsigned long long)r->end,
						  (unsigned long long)bs, (unsigned long long)be);
		}
	}
	len = eh + n * ph + (n >= PN_XNUM ? sh : 0);
	b = calloc(1, (size_t)len);
	if (!b)
		return ec_set_err(err, -ENOMEM, "out of memory");
	ec__put_ehdr(b, p->elf_class, p->machine, n, NULL);
	for (size_t i = 0; i < p->nr_notes; i++)
		phdr(b + eh + ph * k++, is64, PT_NOTE, p->note_paddr[i], 0, p->note_paddr[i],
		     p->note_size[i], 0);
	if (p->vmcoreinfo_size)
		phdr(b + eh + ph * k++, is64, PT_NOTE, p->vmcoreinfo_paddr, 0, p->vmcoreinfo_paddr,
		     p->vmcoreinfo_size, 0);
	if (p->text_size)
		phdr(b + eh + ph * k++, is64, PT_LOAD, p->text_paddr, p->text_vaddr, p->text_paddr,
		     p->text_size, PF_R | PF_W | PF_X);
	for (size_t i = 0; i < p->nr_ram; i++) {
		const struct ec_range *r = &p->ram[i];
		uint64_t off = r->start;
		if (p->backup_size && r->start >= p->backup_src &&
		    r->start - p->backup_src < p->backup_size)
			off = p->backup_dst + (r->start - p->backup_src);
		phdr(b + eh + ph * k++, is64, PT_LOAD, off,
		     p->page_offset ? p->page_offset + r->start : 0, r->start,
		     r->end - r->start + 1, PF_R | PF_W | PF_X);
	}
	*ret_buf = b;
	*ret_len = (size_t)len;
	return 0;
}
