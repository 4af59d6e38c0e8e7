/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86_64 address translation from VMCOREINFO alone (formats.md §6):
 * 4- and 5-level page tables rooted at init_top_pgt, 1 GiB / 2 MiB leaves,
 * sme_mask removed from table entries.
 */
#include <errno.h>
#include <elf.h>
#include "km_internal.h"

#define START_KERNEL_MAP 0xffffffff80000000ull
#define ENTRY_MASK       0x000ffffffffff000ull   /* bits 12..51 */
#define PG_PRESENT       0x1ull
#define PG_PSE           0x80ull

static bool x86_64_is_kvaddr(const km *m, uint64_t va)
{
	return m->x.levels == 5 ? va >= 0xff00000000000000ull
				: va >= 0xffff800000000000ull;
}

static int read_entry(km *m, uint64_t table, unsigned idx, uint64_t *ret,
		      struct ec_err *err)
{
	uint8_t b[8];
	int r = km_read_phys(m, table + 8ull * idx, b, 8, err);

	if (r < 0)
		return r;
	*ret = km_le64(b);
	return 0;
}

static int x86_64_vtop(km *m, uint64_t va, uint64_t *ret_pa, uint64_t *ret_leaf,
		       struct ec_err *err)
{
	static const char *const lvl5[] = { "pte", "pmd", "pud", "p4d", "pgd" };
	static const char *const lvl4[] = { "pte", "pmd", "pud", "pgd" };
	const char *const *lvl = m->x.levels == 5 ? lvl5 : lvl4;
	uint64_t table = m->x.pgd_pa, e = 0;
	int r;

	if (!x86_64_is_kvaddr(m, va))
		return ec_set_err(err, -EFAULT, "%s: 0x%llx is not a kernel address",
				  ec_path(m->d), (unsigned long long)va);
	for (int l = m->x.levels - 1; l >= 0; l--) {
		unsigned shift = 12 + 9 * (unsigned)l;
		unsigned idx = (unsigned)(va >> shift) & 511;

		struct ec_err e2 = { 0 };

		r = read_entry(m, table, idx, &e, &e2);
		if (r < 0)
			return ec_set_err(err, r == -ENODATA ? -EFAULT : r,
					  "%s: va 0x%llx: %s table at pa 0x%llx unreadable: %s",
					  ec_path(m->d), (unsigned long long)va, lvl[l],
					  (unsigned long long)table, e2.msg);
		if (!(e & PG_PRESENT))
			return ec_set_err(err, -EFAULT, "%s: va 0x%llx not mapped (%s entry 0x%llx)",
					  ec_path(m->d), (unsigned long long)va, lvl[l],
					  (unsigned long long)e);
		uint64_t next = e & m->x.entry_mask;
		if (l == 0 || ((l == 1 || l == 2) && (e & PG_PSE))) {
			uint64_t size = 1ull << shift;

			*ret_pa = (next & ~(size - 1)) + (va & (size - 1));
			*ret_leaf = size;
			return 0;
		}
		table = next;
	}
	return -EFAULT; /* not reached */
}

static int x86_64_init(km *m, struct ec_err *err)
{
	uint64_t top = km_vi_symbol(m, "init_top_pgt");
	struct km_key k;

	if (top == KM_NONE)
		top = km_vi_symbol(m, "init_level4_pgt");
	if (top == KM_NONE)
		top = km_vi_symbol(m, "swapper_pg_dir");
	if (top == KM_NONE)
		return ec_set_err(err, -ENOENT,
				  "%s: VMCOREINFO has no SYMBOL(init_top_pgt): cannot walk page tables",
				  ec_path(m->d));
	if (top < START_KERNEL_MAP)
		return ec_set_err(err, -EINVAL, "%s: SYMBOL(init_top_pgt)=%llx is outside the kernel image",
				  ec_path(m->d), (unsigned long long)top);

	size_t n;
	const struct ec_load *l = ec_loads(m->d, &n);
	k = km_vi_number(m, "phys_base");
	if (k.have) {
		m->x.phys_base = k.v;
	} else {
		m->x.phys_base = 0;
		for (size_t i = 0; i < n; i++)
			if (l[i].vaddr >= START_KERNEL_MAP) {
				m->x.phys_base = (int64_t)(l[i].paddr - (l[i].vaddr - START_KERNEL_MAP));
				break;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (l[i].vaddr && l[i].vaddr < START_KERNEL_MAP && l[i].vaddr >= l[i].paddr) {
			m->x.page_offset = l[i].vaddr - l[i].paddr;
			break;
		}
	k = km_vi_number(m, "pgtable_l5_enabled");
	m->x.levels = (k.have && k.v == 1) ? 5 : 4;
	m->x.entry_mask = ENTRY_MASK;
	k = km_vi_number(m, "sme_mask");
	if (k.have)
		m->x.entry_mask &= ~(uint64_t)k.v;
	m->x.pgd_pa = top - START_KERNEL_MAP + (uint64_t)m->x.phys_base;

	/* Sanity: the kernel image must translate to itself through the tables. */
	uint64_t pa;
	struct ec_err e2 = { 0 };
	int r = x86_64_vtop(m, top, &pa, &(uint64_t){ 0 }, &e2);
	if (r < 0)
		return ec_set_err(err, -EINVAL,
				  "%s: page tables unusable (phys_base %lld, %d-level): %s",
				  ec_path(m->d), (long long)m->x.phys_base, m->x.levels, e2.msg);
	if (pa != m->x.pgd_pa)
		return ec_set_err(err, -EINVAL,
				  "%s: init_top_pgt translates to 0x%llx, expected 0x%llx: phys_base or paging mode wrong",
				  ec_path(m->d), (unsigned long long)pa, (unsigned long long)m->x.pgd_pa);
	return 0;
}

const struct km_arch_ops km_arch_x86_64 = {
	.name = "x86_64",
	.machine = EM_X86_64,
	.ptr_size = 8,
	.init = x86_64_init,
	.vtop = x86_64_vtop,
	.is_kvaddr = x86_64_is_kvaddr,
};
