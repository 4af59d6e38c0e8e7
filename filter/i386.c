/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i386 address translation: 2-level (4 KiB / 4 MiB pages) and PAE 3-level
 * (4 KiB / 2 MiB pages) tables rooted at swapper_pg_dir, whose physical
 * address is its virtual address minus PAGE_OFFSET (0xc0000000).
 * PAE is announced by VMCOREINFO's CONFIG_X86_PAE=y.
 */
#include <errno.h>
#include <elf.h>
#include "km_internal.h"

#define I386_PAGE_OFFSET 0xc0000000ull

static bool i386_is_kvaddr(const km *m, uint64_t va)
{
	return va >= I386_PAGE_OFFSET && va <= 0xffffffffull;
}

static int i386_vtop(km *m, uint64_t va, uint64_t *ret_pa, uint64_t *ret_leaf,
		     struct ec_err *err)
{
	struct ec_err e2 = { 0 };
	uint8_t b[8];
	uint64_t e, table = m->x.pgd_pa;
	int r;

	if (!i386_is_kvaddr(m, va))
		return ec_set_err(err, -EFAULT, "%s: 0x%llx is not a kernel address",
				  ec_path(m->d), (unsigned long long)va);
	if (m->x.levels == 3) {
		/* PAE: pgd (2 bits) -> pmd (9) -> pte (9), 8-byte entries */
		static const unsigned shifts[] = { 30, 21, 12 };

		for (int l = 0; l < 3; l++) {
			unsigned idx = (unsigned)(va >> shifts[l]) & (l ? 511 : 3);

			r = km_read_phys(m, table + 8ull * idx, b, 8, &e2);
			if (r < 0)
				return ec_set_err(err, r == -ENODATA ? -EFAULT : r,
						  "%s: va 0x%llx: table at pa 0x%llx unreadable: %s",
						  ec_path(m->d), (unsigned long long)va,
						  (unsigned long long)table, e2.msg);
			e = km_le64(b);
			if (!(e & 1))
				return ec_set_err(err, -EFAULT, "%s: va 0x%llx not mapped",
						  ec_path(m->d), (unsigned long long)va);
			uint64_t next = e & 0x000ffffffffff000ull;
			if (l == 2 || (l == 1 && (e & 0x80))) {
				uint64_t size = 1ull << shifts[l];

				*ret_pa = (next & ~(size - 1)) + (va & (size - 1));
				*ret_leaf = size;
				return 0;
			}
			table = next;
		}
		return -EFAULT;
	}
	/* non-PAE: pgd (10 bits) -> pte (10), 4-byte entries */
	for (int l = 0; l < 2; l++) {
		unsigned shift = l ? 12 : 22;
		unsigned idx = (unsigned)(va >> shift) & 1023;

		r = km_read_phys(m, table + 4ull * idx, b, 4, &e2);
		if (r < 0)
			return ec_set_err(err, r == -ENODATA ? -EFAULT : r,
					  "%s: va 0x%llx: table at pa 0x%llx unreadable: %s",
					  ec_path(m->d), (unsigned long long)va,
					  (unsigned long long)table, e2.msg);
		e = km_le32(b);
		if (!(e & 1))
			return ec_set_err(err, -EFAULT, "%s: va 0x%llx not mapped",
					  ec_path(m->d), (unsigned long long)va);
		if (l == 1 || (e & 0x80)) {
			uint64_t size = 1ull << shift;

			*ret_pa = (e & 0xfffff000u & ~(size - 1)) + (va & (size - 1));
			*ret_leaf = size;
			return 0;
		}
		table = e & 0xfffff000u;
	}
	return -EFAULT;
}

static int i386_init(km *m, struct ec_err *err)
{
	uint64_t top = km_vi_symbol(m, "swapper_pg_dir");
	const char *pae = ec_vmci_get(m->vi, "CONFIG_X86_PAE");

	if (top == KM_NONE || top < I386_PAGE_OFFSET)
		return ec_set_err(err, -ENOENT,
				  "%s: VMCOREINFO has no usable SYMBOL(swapper_pg_dir)",
				  ec_path(m->d));
	m->x.levels = (pae && pae[0] == 'y') ? 3 : 2;
	m->x.page_offset = I386_PAGE_OFFSET;
	m->x.pgd_pa = top - I386_PAGE_OFFSET;
	m->x.entry_mask = m->x.levels == 3 ? 0x000ffffffffff000ull : 0xfffff000ull;
	return 0;
}

const struct km_arch_ops km_arch_i386 = {
	.name = "i386",
	.machine = EM_386,
	.ptr_size = 4,
	.init = i386_init,
	.vtop = i386_vtop,
	.is_kvaddr = i386_is_kvaddr,
};
