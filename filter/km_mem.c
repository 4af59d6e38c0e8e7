/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory model: where the struct page of each pfn lives (formats.md §6).
 * SPARSEMEM / SPARSEMEM_EXTREME: decode every section's section_mem_map once
 * (a few KiB even for huge machines); FLATMEM: one mem_map array.
 * Validation follows makedumpfile: a present section whose mem_map is not a
 * kernel address invalidates the root, and SPARSEMEM_EXTREME then retries
 * with SYMBOL(mem_section) dereferenced once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "km_internal.h"

#define SECTION_MARKED_PRESENT 0x1ull
#define SECTION_MAP_MASK       (~0x1full)
#define MAX_SECTION_BYTES      4096u

struct sparse {
	uint64_t ms_size, ms_map_off;
	uint64_t spr;            /* sections per root */
	bool extreme;
};

/* Decode all sections from the root array at `root_va`. Returns 1 if at
 * least one present section was found and all are plausible, 0 if the
 * layout does not validate, negative errno on a read failure of the array. */
static int try_sections(km *m, const struct sparse *s, uint64_t root_va,
			uint64_t *maps, struct ec_err *err)
{
	uint64_t nroots = (m->nr_sections + s->spr - 1) / s->spr;
	uint8_t *buf = NULL;
	int found = 0, r;

	if (s->extreme) {
		uint64_t *roots = calloc(nroots, 8);

		if (!roots)
			return ec_set_err(err, -ENOMEM, "out of memory");
		buf = malloc(s->spr * s->ms_size);
		if (!buf) {
			free(roots);
			return ec_set_err(err, -ENOMEM, "out of memory");
		}
		for (uint64_t i = 0; i < nroots; i++) {
			r = km_read_ulong(m, root_va + i * (uint64_t)m->arch->ptr_size, &roots[i], err);
			if (r < 0)
				goto out_roots;
		}
		for (uint64_t rt = 0; rt < nroots; rt++) {
			uint64_t first = rt * s->spr;
			uint64_t cnt = m->nr_sections - first < s->spr ? m->nr_sections - first : s->spr;

			for (uint64_t j = 0; j < cnt; j++)
				maps[first + j] = 0;
			if (!roots[rt])
				continue;
			if (!m->arch->is_kvaddr(m, roots[rt])) {
				found = 0;
				r = 0;
				goto out_roots;  /* a root that is no kernel pointer: wrong layout */
			}
			struct ec_err e2 = { 0 };

			r = km_read_virt(m, roots[rt], buf, cnt * s->ms_size, &e2);
			if (r < 0) {
				ec_set_err(err, r, "%s: mem_section root %llu at 0x%llx unreadable: %s",
					   ec_path(m->d), (unsigned long long)rt,
					   (unsigned long long)roots[rt], e2.msg);
				goto out_roots;
			}
			for (uint64_t j = 0; j < cnt; j++) {
				uint64_t smm = km_ulong(m, buf + j * s->ms_size + s->ms_map_off);

				if (!(smm & SECTION_MARKED_PRESENT))
					continue;
				uint64_t mm = (smm & SECTION_MAP_MASK) +
					((first + j) << m->pfn_section_shift) * m->pg.size;
				if (!m->arch->is_kvaddr(m, mm)) {
					found = 0;
					r = 0;
					goto out_roots;
				}
				maps[first + j] = mm;
				found = 1;
			}
		}
		r = found;
out_roots:
		free(roots);
		free(buf);
		return r;
	}
	/* classic SPARSEMEM: a static array of struct mem_section */
	buf = malloc(s->ms_size);
	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	for (uint64_t nr = 0; nr < m->nr_sections; nr++) {
		maps[nr] = 0;
		r = km_read_virt(m, root_va + nr * s->ms_size, buf, s->ms_size, err);
		if (r < 0) {
			free(buf);
			return r;
		}
		uint64_t smm = km_ulong(m, buf + s->ms_map_off);
		if (!(smm & SECTION_MARKED_PRESENT))
			continue;
		uint64_t mm = (smm & SECTION_MAP_MASK) + (nr << m->pfn_section_shift) * m->pg.size;
		if (!m->arch->is_kvaddr(m, mm)) {
			free(buf);
			return 0;
		}
		maps[nr] = mm;
		found = 1;
	}
	free(buf);
	return found;
}

static int init_sparse(km *m, struct ec_err *err)
{
	struct sparse s;
	struct km_key k;
	int64_t ssb, mpb;
	uint64_t sym = km_vi_symbol(m, "mem_section");

	s.ms_size = km_vi_size(m, "mem_section");
	s.ms_map_off = km_vi_offset(m, "mem_section.section_mem_map");
	k = km_vi_number(m, "SECTION_SIZE_BITS");
	ssb = k.have ? k.v : (m->arch->ptr_size == 8 ? 27 : (m->x.levels == 3 ? 29 : 26));
	k = km_vi_number(m, "MAX_PHYSMEM_BITS");
	mpb = k.have ? k.v : (m->arch->ptr_size == 8 ? (m->x.levels == 5 ? 52 : 46)
				  : (m->x.levels == 3 ? 36 : 32));
	if (ssb <= (int64_t)m->page_shift || ssb > 40 || mpb < ssb || mpb > 64)
		return ec_set_err(err, -EINVAL,
				  "%s: absurd SECTION_SIZE_BITS=%lld / MAX_PHYSMEM_BITS=%lld",
				  ec_path(m->d), (long long)ssb, (long long)mpb);
	if (s.ms_size == 0 || s.ms_size > MAX_SECTION_BYTES || s.ms_size % m->arch->ptr_size ||
	    s.ms_map_off + m->arch->ptr_size > s.ms_size)
		return ec_set_err(err, -EINVAL,
				  "%s: absurd SIZE(mem_section)=%llu / OFFSET(mem_section.section_mem_map)=%llu",
				  ec_path(m->d), (unsigned long long)s.ms_size,
				  (unsigned long long)s.ms_map_off);
	m->pfn_section_shift = (unsigned)ssb - m->page_shift;
	m->nr_sections = (m->max_mapnr + (1ull << m->pfn_section_shift) - 1) >> m->pfn_section_shift;
	if (m->nr_sections > (1ull << 24))
		return ec_set_err(err, -E2BIG, "%s: %llu memory sections is absurd",
				  ec_path(m->d), (unsigned long long)m->nr_sections);

	/* mdf's is_sparsemem_extreme(): LENGTH(mem_section) equals the number of
	 * roots for the whole physical space, or is absent. */
	uint64_t spr_ex = m->page_size / s.ms_size;
	uint64_t nr_all = 1ull << (mpb - ssb);
	uint64_t len = km_vi_length(m, "mem_section");
	s.extreme = len == KM_NONE || len == (nr_all + spr_ex - 1) / spr_ex;
	s.spr = s.extreme ? spr_ex : 1;

	m->sec_mem_map = calloc(m->nr_sections ? m->nr_sections : 1, sizeof(uint64_t));
	if (!m->sec_mem_map)
		return ec_set_err(err, -ENOMEM, "out of memory");
	struct ec_err e1 = { 0 }, e2 = { 0 };
	int r = try_sections(m, &s, sym, m->sec_mem_map, &e1);
	if (r <= 0 && s.extreme) {
		uint64_t ptr;

		if (km_read_ulong(m, sym, &ptr, &e2) == 0 && m->arch->is_kvaddr(m, ptr))
			r = try_sections(m, &s, ptr, m->sec_mem_map, &e2);
	}
	if (r <= 0)
		return ec_set_err(err, r < 0 ? r : -EINVAL,
				  "%s: mem_section at 0x%llx does not validate (no present section with a kernel-address mem_map)%s%s",
				  ec_path(m->d), (unsigned long long)sym,
				  e1.msg[0] ? ": " : "", e1.msg[0] ? e1.msg : e2.msg);
	/* 6.12+ also exports vmemmap_base: with SPARSEMEM_VMEMMAP every decoded
	 * mem_map must be vmemmap + start_pfn * SIZE(page); a mismatch means the
	 * mem_section data (or our reading of it) is wrong */
	uint64_t vmemmap = km_vi_symbol(m, "vmemmap");
	if (vmemmap != KM_NONE)
		for (uint64_t nr = 0; nr < m->nr_sections; nr++)
			if (m->sec_mem_map[nr] &&
			    m->sec_mem_map[nr] != vmemmap + (nr << m->pfn_section_shift) * m->pg.size)
				return ec_set_err(err, -EINVAL,
						  "%s: mem_section %llu maps struct pages at 0x%llx, not at SYMBOL(vmemmap)=0x%llx + offset",
						  ec_path(m->d), (unsigned long long)nr,
						  (unsigned long long)m->sec_mem_map[nr],
						  (unsigned long long)vmemmap);
	m->mm = KM_MM_SPARSE;
	return 0;
}

int km_mem_init(km *m, struct ec_err *err)
{
	if (km_vi_symbol(m, "mem_section") != KM_NONE &&
	    km_vi_size(m, "mem_section") != KM_NONE &&
	    km_vi_offset(m, "mem_section.section_mem_map") != KM_NONE)
		return init_sparse(m, err);
	uint64_t sym = km_vi_symbol(m, "mem_map");
	if (sym != KM_NONE) {
		uint64_t mm;
		int r = km_read_ulong(m, sym, &mm, err);

		if (r < 0)
			return r;
		if (!mm || !m->arch->is_kvaddr(m, mm))
			return ec_set_err(err, -EINVAL, "%s: mem_map pointer 0x%llx is not a kernel address",
					  ec_path(m->d), (unsigned long long)mm);
		m->flat_mem_map = mm;
		m->mm = KM_MM_FLAT;
		return 0;
	}
	return ec_set_err(err, -ENOENT,
			  "%s: VMCOREINFO describes no memory model (no SYMBOL(mem_section) with SIZE/OFFSET, no SYMBOL(mem_map))",
			  ec_path(m->d));
}

uint64_t km_pfn_to_page(const km *m, uint64_t pfn)
{
	if (pfn >= m->max_mapnr)
		return 0;
	if (m->mm == KM_MM_FLAT)
		return m->flat_mem_map + pfn * m->pg.size;
	if (m->mm != KM_MM_SPARSE)
		return 0;
	uint64_t nr = pfn >> m->pfn_section_shift;
	if (nr >= m->nr_sections || !m->sec_mem_map[nr])
		return 0;
	return m->sec_mem_map[nr] + (pfn - (nr << m->pfn_section_shift)) * m->pg.size;
}

void km_chunk_of(const km *m, uint64_t pfn, uint64_t *ret_start, uint64_t *ret_end)
{
	if (m->mm == KM_MM_SPARSE) {
		uint64_t s = pfn >> m->pfn_section_shift << m->pfn_section_shift;
		uint64_t e = s + (1ull << m->pfn_section_shift);

		*ret_start = s;
		*ret_end = e < m->max_mapnr ? e : m->max_mapnr;
	} else {
		/* FLATMEM is one array; scan it in 2^15-page pieces so a cycle
		 * does not rescan from pfn 0 */
		uint64_t s = pfn & ~0x7fffull, e = s + 0x8000;

		*ret_start = s;
		*ret_end = e < m->max_mapnr ? e : m->max_mapnr;
	}
}
