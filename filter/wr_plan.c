/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bitmaps in bounded cycles for the writers: which pfns lie in a PT_LOAD
 * (1st bitmap), which are kept (2nd bitmap), and which kept pages are kernel
 * data (kept even at level 30) for the kernel-first write order. Memory is
 * O(cycle) plus, when the whole-dump bitmaps fit in bitmap_cache_bytes, a
 * cache so that later passes do not classify again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "writer.h"

#define DEFAULT_CYCLE_PFNS ((uint64_t)4 << 20 << 3)   /* 4 MiB of bitmap */

void wr_opts_init(struct wr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = WR_KDUMP;
	o->comp = COMP_NONE;
	o->threads = 1;
	o->cycle_pfns = DEFAULT_CYCLE_PFNS;
	o->bitmap_cache_bytes = 64u << 20;
	o->kernel_first = true;
}

uint64_t wr_popcount(const uint8_t *b, uint64_t nbits)
{
	uint64_t n = 0, i = 0, w;

	for (; i + 64 <= nbits; i += 64) {
		memcpy(&w, b + i / 8, 8);
		n += (uint64_t)__builtin_popcountll(w);
	}
	for (; i < nbits; i++)
		n += wr_bit(b, i);
	return n;
}

static void set_range(uint8_t *b, uint64_t from, uint64_t to)
{
	while (from < to && (from & 7))
		b[from >> 3] |= (uint8_t)(1u << (from & 7)), from++;
	if (to - from >= 8 && from < to) {
		memset(b + (from >> 3), 0xff, (to - from) >> 3);
		from += (to - from) & ~(uint64_t)7;
	}
	while (from < to)
		b[from >> 3] |= (uint8_t)(1u << (from & 7)), from++;
}

int wr_plan_init(struct wr_plan *p, const struct wr_source *src,
		 const struct wr_opts *o, bool want_kern, struct ec_err *err)
{
	uint64_t cyc = o->cycle_pfns ? o->cycle_pfns : DEFAULT_CYCLE_PFNS;
	uint64_t bytes;

	memset(p, 0, sizeof(*p));
	p->src = src;
	p->level = o->dump_level;
	/* at a level that already drops cache, user and free pages every kept
	 * page is a kernel page: no second classification needed */
	p->want_kern = want_kern && src->can_classify &&
		       (o->dump_level & WR_LOW_VALUE_LEVEL) != WR_LOW_VALUE_LEVEL;
	p->split = o->split;
	p->split_start = o->split_start;
	p->split_end = o->split_end;
	p->max_mapnr = src->max_mapnr;
	/* whole 4096-byte bitmap blocks per cycle keep the writes aligned */
	cyc = (cyc + 32767) & ~(uint64_t)32767;
	p->cycle = cyc;
	p->nr_cycles = (p->max_mapnr + cyc - 1) / cyc;
	p->cur = UINT64_MAX;
	p->rank = calloc(p->nr_cycles + 1, sizeof(*p->rank));
	if (p->max_mapnr < cyc)
		cyc = (p->max_mapnr + 7) & ~(uint64_t)7;
	p->keep = calloc(1, cyc / 8 + 8);
	p->kern = calloc(1, cyc / 8 + 8);
	p->load = calloc(1, cyc / 8 + 8);
	if (!p->rank || !p->keep || !p->kern || !p->load) {
		wr_plan_fini(p);
		return ec_set_err(err, -ENOMEM, "bitmap cycle buffers: out of memory");
	}
	bytes = (p->max_mapnr + 7) / 8 + 8;
	if (p->nr_cycles > 1 &&
	    bytes * (p->want_kern ? 2 : 1) <= o->bitmap_cache_bytes) {
		p->cache_keep = calloc(1, bytes);
		p->cache_kern = p->want_kern ? calloc(1, bytes) : NULL;
		p->cached = p->cache_keep && (!p->want_kern || p->cache_kern);
		if (!p->cached) {
			free(p->cache_keep);
			free(p->cache_kern);
			p->cache_keep = p->cache_kern = NULL;
		}
	}
	return 0;
}

void wr_plan_fini(struct wr_plan *p)
{
	free(p->rank);
	free(p->keep);
	free(p->kern);
	free(p->load);
	free(p->cache_keep);
	free(p->cache_kern);
	memset(p, 0, sizeof(*p));
}

static void load_bits(struct wr_plan *p, uint64_t start, uint64_t end)
{
	const struct wr_source *s = p->src;
	uint32_t ps = s->page_size;

	memset(p->load, 0, (end - start + 7) / 8);
	for (size_t i = 0; i < s->nr_loads; i++) {
		uint64_t a = s->loads[i].paddr / ps;
		uint64_t b = (s->loads[i].paddr + s->loads[i].memsz) / ps;

		if (a < start)
			a = start;
		if (b > end)
			b = end;
		if (a < b)
			set_range(p->load, a - start, b - start);
	}
}

/* Classify [start, end) into bits: in pieces on the pool's workers when the
 * pool is idle and the source classifies through its readers (every piece a
 * whole number of bitmap bytes, so no two workers write the same byte);
 * a piece a worker could not classify is done again here with classify(),
 * which knows the fallbacks. The result does not depend on the split. */
#define PIECE_MIN 16384u

static int plan_classify(struct wr_plan *p, int level, uint64_t start, uint64_t end,
			 uint8_t *bits, struct ec_err *err)
{
	pool *po = p->pool;
	uint64_t n = end - start, piece;
	unsigned workers;

	if (!po || !pool_can_classify(po) || pool_pending(po) || n < 2 * PIECE_MIN)
		return p->src->classify(p->src->ctx, level, start, end, bits, err);
	workers = pool_threads(po);
	piece = n / (4 * (uint64_t)(workers ? workers : 1));   /* 4 per worker: balance */
	if (piece < PIECE_MIN)
		piece = PIECE_MIN;
	piece = (piece + 63) & ~(uint64_t)63;

	uint64_t next = start;
	unsigned out = 0;
	int r = 0;

	while (next < end || out) {
		struct pool_job *j = NULL;

		if (next < end && (j = pool_get(po)) != NULL) {
			uint64_t e = end - next > piece ? next + piece : end;

			j->classify = true;
			j->c_level = level;
			j->c_start = next;
			j->c_end = e;
			j->c_bits = bits + (next - start) / 8;
			j->n = 0;
			pool_submit(po, j);
			out++;
			next = e;
			continue;
		}
		j = pool_collect(po);
		if (!j)
			break;
		out--;
		if (j->status < 0 && r == 0) {
			/* again, here, with the fallbacks */
			uint64_t a = j->c_start, b = j->c_end;

			memset(bits + (a - start) / 8, 0, (b - a + 7) / 8);
			r = p->src->classify(p->src->ctx, level, a, b,
					     bits + (a - start) / 8, err);
		}
		pool_release(po, j);
	}
	return r;
}

int wr_plan_cycle(struct wr_plan *p, uint64_t i, uint64_t *ret_start,
		  uint64_t *ret_end, struct ec_err *err)
{
	uint64_t start = i * p->cycle, end = start + p->cycle;
	size_t nbytes;
	int r;

	if (i >= p->nr_cycles)
		return ec_set_err(err, -EINVAL, "bitmap cycle %llu out of range",
				  (unsigned long long)i);
	if (end > p->max_mapnr)
		end = p->max_mapnr;
	*ret_start = start;
	*ret_end = end;
	if (p->cur == i)
		return 0;
	nbytes = (end - start + 7) / 8;
	load_bits(p, start, end);
	if (p->cached && i < p->cached_upto) {
		memcpy(p->keep, p->cache_keep + start / 8, nbytes);
		if (p->want_kern)
			memcpy(p->kern, p->cache_kern + start / 8, nbytes);
		p->cur = i;
		return 0;
	}
	memset(p->keep, 0, nbytes);
	r = plan_classify(p, p->level, start, end, p->keep, err);
	if (r < 0)
		return r;
	if (p->want_kern) {
		memset(p->kern, 0, nbytes);
		r = plan_classify(p, p->level | WR_LOW_VALUE_LEVEL, start, end, p->kern, err);
		if (r < 0)
			return r;
	}
	for (size_t b = 0; b < nbytes; b++) {
		p->keep[b] &= p->load[b];
		p->kern[b] &= p->keep[b];
	}
	if ((end - start) & 7) {
		uint8_t m = (uint8_t)((1u << ((end - start) & 7)) - 1);

		p->keep[nbytes - 1] &= m;
		p->kern[nbytes - 1] &= m;
	}
	if (p->split) {
		for (uint64_t pfn = start; pfn < end; pfn++)
			if (pfn < p->split_start || pfn >= p->split_end) {
				p->keep[(pfn - start) >> 3] &=
					(uint8_t)~(1u << ((pfn - start) & 7));
				p->kern[(pfn - start) >> 3] &=
					(uint8_t)~(1u << ((pfn - start) & 7));
			}
	}
	if (!p->want_kern)
		memcpy(p->kern, p->keep, nbytes);
	if (p->cached && i == p->cached_upto) {
		memcpy(p->cache_keep + start / 8, p->keep, nbytes);
		if (p->want_kern)
			memcpy(p->cache_kern + start / 8, p->kern, nbytes);
		p->cached_upto = i + 1;
	}
	if (!p->have_ranks)
		p->rank[i + 1] = p->rank[i] + wr_popcount(p->keep, end - start);
	if (i + 1 == p->nr_cycles)
		p->have_ranks = true;
	p->cur = i;
	return 0;
}
