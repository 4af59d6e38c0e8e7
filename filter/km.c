/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel model: VMCOREINFO lookups, segment list, virtual reads through
 * the architecture's page-table walker, and the top-level km_create().
 */
#include <errno.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include "km_internal.h"

static const struct km_arch_ops *const arches[] = {
	&km_arch_x86_64,
	&km_arch_i386,
};

uint64_t km_vi_offset(const km *m, const char *name)
{
	uint64_t v;

	return ec_vmci_offset(m->vi, name, &v) == 0 ? v : KM_NONE;
}

uint64_t km_vi_size(const km *m, const char *name)
{
	uint64_t v;

	return ec_vmci_size(m->vi, name, &v) == 0 ? v : KM_NONE;
}

uint64_t km_vi_length(const km *m, const char *name)
{
	uint64_t v;

	return ec_vmci_length(m->vi, name, &v) == 0 ? v : KM_NONE;
}

uint64_t km_vi_symbol(const km *m, const char *name)
{
	uint64_t v;

	return ec_vmci_symbol(m->vi, name, &v) == 0 ? v : KM_NONE;
}

struct km_key km_vi_number(const km *m, const char *name)
{
	struct km_key k = { false, 0 };

	if (ec_vmci_number(m->vi, name, &k.v) == 0)
		k.have = true;
	return k;
}

uint64_t km_ulong(const km *m, const void *p)
{
	return m->arch->ptr_size == 8 ? km_le64(p) : km_le32(p);
}

int km_read_phys(km *m, uint64_t pa, void *buf, size_t len, struct ec_err *err)
{
	return ec_read_phys(m->d, pa, buf, len, err);
}

ec_dump *km_dump(km *m)
{
	return m->d;
}

int km_vtop(km *m, uint64_t vaddr, uint64_t *ret_paddr, struct ec_err *err)
{
	uint64_t pa, leaf;
	int r;

	if (m->tlb.valid && vaddr - m->tlb.va < m->tlb.size) {
		*ret_paddr = m->tlb.pa + (vaddr - m->tlb.va);
		return 0;
	}
	r = m->arch->vtop(m, vaddr, &pa, &leaf, err);
	if (r < 0)
		return r;
	m->tlb.valid = true;
	m->tlb.va = vaddr & ~(leaf - 1);
	m->tlb.pa = pa & ~(leaf - 1);
	m->tlb.size = leaf;
	*ret_paddr = pa;
	return 0;
}

int km_read_virt(km *m, uint64_t vaddr, void *buf, size_t len, struct ec_err *err)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t pa;
		int r = km_vtop(m, vaddr, &pa, err);

		if (r < 0)
			return r;
		/* the cache now holds the leaf mapping containing vaddr */
		uint64_t room = m->tlb.va + m->tlb.size - vaddr;
		size_t n = len < room ? len : (size_t)room;

		r = ec_read_phys(m->d, pa, out, n, err);
		if (r < 0)
			return r;
		out += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}

int km_read_ulong(km *m, uint64_t va, uint64_t *ret, struct ec_err *err)
{
	uint8_t b[8];
	int r = km_read_virt(m, va, b, m->arch->ptr_size, err);

	if (r < 0)
		return r;
	*ret = km_ulong(m, b);
	return 0;
}

bool km_pfn_in_segs(const km *m, uint64_t pfn)
{
	uint64_t pa = pfn << m->page_shift;
	size_t lo = 0, hi = m->nr_segs;

	/* segs are sorted by start and merged, so binary search works */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pa < m->segs[mid].start)
			hi = mid;
		else if (pa >= m->segs[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static int seg_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int init_segs(km *m, struct ec_err *err)
{
	size_t n;
	const struct ec_load *l = ec_loads(m->d, &n);
	uint64_t max_end = 0;

	m->segs = calloc(n ? n : 1, sizeof(*m->segs));
	if (!m->segs)
		return ec_set_err(err, -ENOMEM, "%s: out of memory", ec_path(m->d));
	for (size_t i = 0; i < n; i++) {
		if (l[i].paddr + l[i].memsz < l[i].paddr)
			return ec_set_err(err, -EINVAL, "%s: PT_LOAD %zu wraps around",
					  ec_path(m->d), i);
		if (l[i].paddr + l[i].memsz > max_end)
			max_end = l[i].paddr + l[i].memsz;
		if (!l[i].filesz)
			continue;
		m->segs[m->nr_segs].start = l[i].paddr;
		m->segs[m->nr_segs].end = l[i].paddr + l[i].filesz;
		m->nr_segs++;
	}
	qsort(m->segs, m->nr_segs, sizeof(*m->segs), seg_cmp);
	/* merge overlaps (the kernel text segment lies inside a RAM one) */
	size_t w = 0;
	for (size_t i = 0; i < m->nr_segs; i++) {
		if (w && m->segs[i].start <= m->segs[w - 1].end) {
			if (m->segs[i].end > m->segs[w - 1].end)
				m->segs[w - 1].end = m->segs[i].end;
		} else {
			m->segs[w++] = m->segs[i];
		}
	}
	m->nr_segs = w;
	m->max_mapnr = (max_end + m->page_size - 1) >> m->page_shift;
	return 0;
}

static unsigned parse_kver(const char *rel)
{
	unsigned a = 0, b = 0, c = 0;

	if (!rel || sscanf(rel, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	if (b > 255)
		b = 255;
	if (c > 255)
		c = 255;
	return KM_KVER(a, b, c);
}

int km_create(ec_dump *d, km **ret, struct ec_err *err)
{
	km *m;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return ec_set_err(err, -ENOMEM, "out of memory");
	m->d = d;
	m->vi = ec_vmcoreinfo_of(d);
	if (!m->vi) {
		r = ec_set_err(err, -ENOENT, "%s: no VMCOREINFO note: cannot model the kernel",
			       ec_path(d));
		goto fail;
	}
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i]->machine == ec_machine(d))
			m->arch = arches[i];
	if (!m->arch) {
		r = ec_set_err(err, -EOPNOTSUPP, "%s: machine %u is not supported",
			       ec_path(d), ec_machine(d));
		goto fail;
	}
	uint64_t ps;
	if (ec_vmci_u64(m->vi, "PAGESIZE", 10, &ps) < 0)
		ps = ec_page_size(d);
	if (ps < 4096 || ps > (1u << 18) || (ps & (ps - 1))) {
		r = ec_set_err(err, -EINVAL, "%s: VMCOREINFO PAGESIZE=%llu is absurd",
			       ec_path(d), (unsigned long long)ps);
		goto fail;
	}
	m->page_size = (uint32_t)ps;
	m->page_shift = (unsigned)__builtin_ctzll(ps);
	m->kver = parse_kver(ec_vmci_get(m->vi, "OSRELEASE"));

	r = init_segs(m, err);
	if (r < 0)
		goto fail;
	r = m->arch->init(m, err);
	if (r < 0)
		goto fail;
	/* The memory model is needed only for classification: a failure there
	 * leaves a model that can still translate (dmesg works). */
	km_classify_init(m);
	if (m->classify_ok) {
		struct ec_err e2 = { 0 };

		if (km_mem_init(m, &e2) < 0) {
			m->classify_ok = false;
			memcpy(m->why, e2.msg, sizeof(m->why));
			m->why[sizeof(m->why) - 1] = 0;
		}
	}
	*ret = m;
	return 0;
fail:
	km_destroy(m);
	return r;
}

void km_destroy(km *m)
{
	if (!m)
		return;
	free(m->segs);
	free(m->sec_mem_map);
	free(m);
}

const char *km_why(const km *m)
{
	const char *p = ec_path(m->d), *w = m->why;
	size_t n = p ? strlen(p) : 0;

	/* messages from deeper layers already start with "path: " */
	if (n && !strncmp(w, p, n) && w[n] == ':' && w[n + 1] == ' ')
		w += n + 2;
	return w;
}

bool km_can_classify(const km *m, struct ec_err *why)
{
	if (!m->classify_ok && why)
		ec_set_err(why, -ENOTSUP, "%s: cannot classify pages: %s",
			   ec_path(m->d), km_why(m));
	return m->classify_ok;
}
