/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Free pages from the zones' free_area lists, for kernels whose VMCOREINFO has
 * no buddy marker usable from struct page (makedumpfile's _exclude_free_page):
 * online nodes (node_online_map + node_data[], or contig_page_data), their
 * zones with spanned pages, every order from the highest down and every
 * migrate type; each list entry is the lru of a free block of 2^order pages.
 * A list whose prev pointer does not match, or that does not come back to its
 * head within max_mapnr steps, is an error (nothing is dropped).
 */
#include <errno.h>
#include <stdlib.h>
#include "km_internal.h"

#define MAX_NODES  1024
#define MAX_ZONES  16

struct fl_keys {
	uint64_t zone_size, zone_free_area, zone_spanned, node_zones, nr_zones;
	uint64_t fa_size, fa_free_list, fa_types, lh_size, lh_next, lh_prev, page_lru;
};

static int get_keys(km *m, struct fl_keys *k, struct ec_err *err)
{
	k->zone_size = km_vi_size(m, "zone");
	k->zone_free_area = km_vi_offset(m, "zone.free_area");
	k->zone_spanned = km_vi_offset(m, "zone.spanned_pages");
	k->node_zones = km_vi_offset(m, "pglist_data.node_zones");
	k->nr_zones = km_vi_offset(m, "pglist_data.nr_zones");
	k->fa_size = km_vi_size(m, "free_area");
	k->fa_free_list = km_vi_offset(m, "free_area.free_list");
	k->fa_types = km_vi_length(m, "free_area.free_list");
	k->lh_size = km_vi_size(m, "list_head");
	k->lh_next = km_vi_offset(m, "list_head.next");
	k->lh_prev = km_vi_offset(m, "list_head.prev");
	k->page_lru = km_vi_offset(m, "page.lru");
	if (k->fa_types == KM_NONE)
		k->fa_types = 1;
	if (k->lh_size == KM_NONE)
		k->lh_size = 2ull * (uint64_t)m->arch->ptr_size;
	if (k->zone_size == KM_NONE || k->zone_free_area == KM_NONE || k->zone_spanned == KM_NONE ||
	    k->node_zones == KM_NONE || k->nr_zones == KM_NONE || k->fa_size == KM_NONE ||
	    k->fa_free_list == KM_NONE || k->lh_next == KM_NONE || k->lh_prev == KM_NONE ||
	    k->page_lru == KM_NONE || m->fl.free_area_len == KM_NONE)
		return ec_set_err(err, -ENOTSUP,
				  "%s: VMCOREINFO has neither a buddy marker in struct page nor the zone/free_area/list_head keys to walk the free lists",
				  ec_path(m->d));
	if (k->fa_types > 64 || k->zone_size > (1u << 20) || k->fa_size > 4096 ||
	    m->fl.free_area_len > 64)
		return ec_set_err(err, -EINVAL, "%s: absurd zone/free_area sizes in VMCOREINFO",
				  ec_path(m->d));
	return 0;
}

/* struct page address -> pfn (mdf's page_to_pfn) */
static bool page_to_pfn(const km *m, uint64_t page, uint64_t *ret)
{
	if (m->mm == KM_MM_FLAT) {
		if (page < m->flat_mem_map || (page - m->flat_mem_map) % m->pg.size)
			return false;
		*ret = (page - m->flat_mem_map) / m->pg.size;
		return *ret < m->max_mapnr;
	}
	uint64_t pps = 1ull << m->pfn_section_shift;

	/* vmemmap: every section's map is base + start_pfn * size; try that first */
	for (uint64_t nr = 0; nr < m->nr_sections; nr++) {
		if (!m->sec_mem_map[nr])
			continue;
		uint64_t base = m->sec_mem_map[nr] - nr * pps * m->pg.size;
		if (page >= base) {
			uint64_t pfn = (page - base) / m->pg.size, snr = pfn >> m->pfn_section_shift;

			if (snr < m->nr_sections && m->sec_mem_map[snr] &&
			    page - m->sec_mem_map[snr] < pps * m->pg.size) {
				*ret = pfn;
				return true;
			}
		}
		break;
	}
	for (uint64_t nr = 0; nr < m->nr_sections; nr++) {
		uint64_t mm = m->sec_mem_map[nr];

		if (mm && page >= mm && page - mm < pps * m->pg.size) {
			*ret = (nr << m->pfn_section_shift) + (page - mm) / m->pg.size;
			return true;
		}
	}
	return false;
}

static int walk_zone(km *m, const struct fl_keys *k, uint64_t zone,
		     void (*cb)(void *, uint64_t, uint64_t), void *ctx, uint64_t *budget,
		     struct ec_err *err)
{
	for (int64_t order = (int64_t)m->fl.free_area_len - 1; order >= 0; order--) {
		for (uint64_t mt = 0; mt < k->fa_types; mt++) {
			uint64_t head = zone + k->zone_free_area + k->fa_size * (uint64_t)order +
				k->fa_free_list + k->lh_size * mt;
			uint64_t prev = head, curr, cprev;
			int r = km_read_ulong(m, head + k->lh_next, &curr, err);

			if (r < 0)
				return r;
			while (curr != head) {
				uint64_t pfn;

				if (!(*budget)--)
					return ec_set_err(err, -ELOOP, "%s: free list of zone 0x%llx order %lld does not end",
							  ec_path(m->d), (unsigned long long)zone, (long long)order);
				if (!page_to_pfn(m, curr - k->page_lru, &pfn))
					return ec_set_err(err, -EINVAL, "%s: free list entry 0x%llx is no struct page",
							  ec_path(m->d), (unsigned long long)curr);
				if ((r = km_read_ulong(m, curr + k->lh_prev, &cprev, err)) < 0)
					return r;
				if (cprev != prev)
					return ec_set_err(err, -EINVAL, "%s: the free list is broken at 0x%llx",
							  ec_path(m->d), (unsigned long long)curr);
				cb(ctx, pfn, 1ull << order);
				prev = curr;
				if ((r = km_read_ulong(m, curr + k->lh_next, &curr, err)) < 0)
					return r;
			}
		}
	}
	return 0;
}

static int walk_node(km *m, const struct fl_keys *k, uint64_t pgdat,
		     void (*cb)(void *, uint64_t, uint64_t), void *ctx, uint64_t *budget,
		     struct ec_err *err)
{
	uint8_t b4[4];
	int r = km_read_virt(m, pgdat + k->nr_zones, b4, 4, err);

	if (r < 0)
		return r;
	int32_t nz = (int32_t)km_le32(b4);
	if (nz < 0 || nz > MAX_ZONES)
		return ec_set_err(err, -EINVAL, "%s: pglist_data 0x%llx has %d zones",
				  ec_path(m->d), (unsigned long long)pgdat, nz);
	for (int32_t i = 0; i < nz; i++) {
		uint64_t zone = pgdat + k->node_zones + (uint64_t)i * k->zone_size, spanned;

		if ((r = km_read_ulong(m, zone + k->zone_spanned, &spanned, err)) < 0)
			return r;
		if (!spanned)
			continue;
		if ((r = walk_zone(m, k, zone, cb, ctx, budget, err)) < 0)
			return r;
	}
	return 0;
}

int km_walk_free_lists(km *m, void (*cb)(void *ctx, uint64_t pfn, uint64_t n), void *ctx,
		       struct ec_err *err)
{
	struct fl_keys k;
	uint64_t budget = m->max_mapnr + 1;
	int r = get_keys(m, &k, err);

	if (r < 0)
		return r;
	uint64_t nd = km_vi_symbol(m, "node_data"), ndlen = km_vi_length(m, "node_data");
	if (nd != KM_NONE && ndlen != KM_NONE) {
		uint64_t map = km_vi_symbol(m, "node_online_map");
		uint64_t msz = km_vi_size(m, "nodemask_t");
		uint8_t mask[MAX_NODES / 8] = { 0 };

		if (ndlen > MAX_NODES)
			ndlen = MAX_NODES;
		if (msz == KM_NONE || msz > sizeof(mask))
			msz = (uint64_t)m->arch->ptr_size;
		if (map == KM_NONE)
			mask[0] = 1;
		else if ((r = km_read_virt(m, map, mask, msz, err)) < 0)
			return r;
		for (uint64_t n = 0; n < ndlen && n < msz * 8; n++) {
			uint64_t pgdat;

			if (!(mask[n >> 3] & (1u << (n & 7))))
				continue;
			if ((r = km_read_ulong(m, nd + n * (uint64_t)m->arch->ptr_size, &pgdat, err)) < 0)
				return r;
			if (!m->arch->is_kvaddr(m, pgdat))
				return ec_set_err(err, -EINVAL, "%s: node_data[%llu] = 0x%llx is no kernel address",
						  ec_path(m->d), (unsigned long long)n,
						  (unsigned long long)pgdat);
			if ((r = walk_node(m, &k, pgdat, cb, ctx, &budget, err)) < 0)
				return r;
		}
		return 0;
	}
	uint64_t contig = km_vi_symbol(m, "contig_page_data");
	if (contig != KM_NONE)
		return walk_node(m, &k, contig, cb, ctx, &budget, err);
	return ec_set_err(err, -ENOTSUP, "%s: VMCOREINFO has neither SYMBOL(node_data) nor SYMBOL(contig_page_data)",
			  ec_path(m->d));
}
