/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-compressed writer (formats.md §2, makedumpfile -c/-l/-p/-z).
 *
 * Layout: disk_dump_header @0, kdump_sub_header @B, notes @B+104, 1st and 2nd
 * bitmaps, page_desc_t[N] in pfn order, then page data. Data offsets are free,
 * so the data of kernel pages (those kept even at dump level 30) is written
 * before that of cache/user/free pages: a dump cut short by ENOSPC keeps the
 * pages a crash analysis needs first. A descriptor is written only after its
 * page data reached the file ("pairs", seed 004); descriptors of pages never
 * written stay zero (offset 0 = lost page). On a seekable file the
 * descriptor table is reserved on disk before any data, so writing a
 * descriptor can never be what runs out of space.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "writer.h"


#define WBUF_SIZE (2u << 20)
#define DESC_MAX 8192

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

void wr_kdump_geometry(uint32_t block, size_t notes_len, uint64_t max_mapnr,
		       struct wr_kdump_geom *g)
{
	uint64_t bm = (max_mapnr + 7) / 8;

	g->block = block;
	g->sub_blocks = (uint32_t)((KDUMP_SUB_SIZE + notes_len + block - 1) / block);
	g->bitmap_len = (bm + block - 1) / block * block;
	g->off_bitmap1 = (uint64_t)block * (1 + g->sub_blocks);
	g->off_bitmap2 = g->off_bitmap1 + g->bitmap_len;
	g->off_desc = g->off_bitmap2 + g->bitmap_len;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int wr_find_vmcoreinfo(const void *notes, size_t len, size_t *ret_off,
		       size_t *ret_len)
{
	const uint8_t *n = notes;
	size_t off = 0;

	while (off + 12 <= len) {
		uint64_t nsz = rd32(n + off), dsz = rd32(n + off + 4);
		uint64_t name_end = off + 12 + ((nsz + 3) & ~(uint64_t)3);
		uint64_t desc_end = name_end + ((dsz + 3) & ~(uint64_t)3);

		if (nsz == 0 && dsz == 0)
			break;
		if (name_end > len || name_end + dsz > len)
			return -EINVAL;
		if (nsz == 11 && !memcmp(n + off + 12, "VMCOREINFO", 11)) {
			*ret_off = (size_t)name_end;
			*ret_len = (size_t)dsz;
			return 0;
		}
		off = (size_t)(desc_end < len ? desc_end : len);
	}
	return -ENOENT;
}

struct pend_desc {
	uint64_t idx;
	uint64_t end;                  /* file offset where its data ends */
	uint8_t raw[KDUMP_DESC_SIZE];
};

struct kd {
	const struct wr_source *src;
	const struct wr_opts *o;
	wr_out *out;
	struct wr_result *res;
	struct wr_kdump_geom g;
	uint64_t data_off;             /* next free data offset */
	uint64_t zero_off;             /* shared zero page (0: none) */
	uint8_t *wbuf;
	size_t wlen;
	uint64_t wstart;               /* file offset of wbuf[0] */
	struct pend_desc *pend;
	size_t npend;
	uint8_t *dbuf;                 /* coalesced descriptor run */
	bool stopped;
	int read_err;                  /* the source failed: stop, flag incomplete */
	bool mt_read;                  /* workers read the pages they compress */
	uint64_t total;
};

static void stop(struct kd *k, int negerr)
{
	if (!k->stopped) {
		k->stopped = true;
		k->res->incomplete = true;
		k->res->io_error = -negerr;
	}
}

/* A cancel request (SIGTERM/SIGINT) stops the dump like a full disk. */
static bool cancelled(struct kd *k)
{
	if (k->o->cancel && *k->o->cancel)
		stop(k, -EINTR);
	return k->stopped;
}

/* Write descriptors whose data lies below `limit` (all of them when the data
 * flush succeeded), coalescing consecutive indices into one write. */
static int flush_descs(struct kd *k, uint64_t limit, struct ec_err *err)
{
	size_t i = 0;

	while (i < k->npend) {
		size_t j = i, n;
		int r;

		if (k->pend[i].end > limit) {
			i++;
			continue;
		}
		while (j + 1 < k->npend && k->pend[j + 1].idx == k->pend[j].idx + 1 &&
		       k->pend[j + 1].end <= limit && j + 1 - i < DESC_MAX)
			j++;
		n = j - i + 1;
		for (size_t q = 0; q < n; q++)
			memcpy(k->dbuf + q * KDUMP_DESC_SIZE, k->pend[i + q].raw,
			       KDUMP_DESC_SIZE);
		r = out_write(k->out, k->dbuf, n * KDUMP_DESC_SIZE,
			      k->g.off_desc + k->pend[i].idx * KDUMP_DESC_SIZE, NULL);
		if (r < 0) {
			if (!wr_errno_is_space(r))
				return ec_set_err(err, r, "writing page descriptors: %s",
						  strerror(-r));
			stop(k, r);
			return 0;
		}
		k->res->pages_written += n;
		i = j + 1;
	}
	k->npend = 0;
	return 0;
}

static int flush(struct kd *k, struct ec_err *err)
{
	size_t done = 0;
	int r = 0;

	if (k->stopped)
		return 0;
	if (k->wlen) {
		r = out_write(k->out, k->wbuf, k->wlen, k->wstart, &done);
		if (r < 0 && !wr_errno_is_space(r))
			return ec_set_err(err, r, "writing page data at offset %llu: %s",
					  (unsigned long long)k->wstart, strerror(-r));
	}
	k->wstart += done;
	k->wlen = 0;
	/* pages whose data reached the file get their descriptors */
	int r2 = flush_descs(k, k->wstart, err);
	if (r2 < 0)
		return r2;
	if (r < 0)
		stop(k, r);
	return 0;
}

static int emit_page(struct kd *k, const struct pool_page *pg, struct ec_err *err)
{
	struct pend_desc *d;
	int r;

	if (k->stopped)
		return 0;
	if (k->npend == DESC_MAX || (!pg->zero && k->wlen + pg->size > WBUF_SIZE)) {
		r = flush(k, err);
		if (r < 0 || k->stopped)
			return r;
	}
	d = &k->pend[k->npend++];
	d->idx = pg->tag;
	memset(d->raw, 0, sizeof(d->raw));
	if (pg->zero && k->zero_off) {
		d->end = k->zero_off + k->g.block;
		le64(d->raw, k->zero_off);
		le32(d->raw + 8, k->g.block);
		k->res->pages_zero++;
	} else {
		memcpy(k->wbuf + k->wlen, pg->data, pg->size);
		k->wlen += pg->size;
		le64(d->raw, k->data_off);
		le32(d->raw + 8, pg->size);
		le32(d->raw + 12, pg->flags);
		k->data_off += pg->size;
		d->end = k->data_off;
	}
	return 0;
}

static void progress(struct kd *k, uint64_t done)
{
	if (k->o->progress) {
		struct wr_progress pr = { done, k->total, out_bytes(k->out) + k->wlen };

		k->o->progress(k->o->progress_ctx, &pr);
	}
}

/* A source page that cannot be read: its descriptor stays zero (a lost
 * page, as in an incomplete dump), the file is flagged incomplete at the end,
 * the dump goes on. */
static void lost_page(struct kd *k, uint64_t pfn, int negerr)
{
	struct wr_result *res = k->res;

	if (res->pages_unreadable < sizeof(res->unreadable_pfn) / sizeof(res->unreadable_pfn[0]))
		res->unreadable_pfn[res->pages_unreadable] = pfn;
	res->pages_unreadable++;
	if (!res->incomplete) {
		res->incomplete = true;
		res->io_error = -negerr;
	}
}

static int drain_one(struct kd *k, pool *pl, uint64_t *done, struct ec_err *err)
{
	struct pool_job *j = pool_collect(pl);
	int r = 0;

	if (!j)
		return 0;
	if (j->status < 0)
		r = ec_set_err(err, j->status, "reading or compressing pages: %s",
			       strerror(-j->status));
	for (unsigned i = 0; r == 0 && i < j->n; i++) {
		if (j->need_read && j->pages[i].err) {
			/* unreadable: descriptor stays zero (see lost_page) */
			lost_page(k, j->pages[i].pfn, j->pages[i].err);
			continue;
		}
		r = emit_page(k, &j->pages[i], err);
	}
	*done += j->n;
	pool_release(pl, j);
	progress(k, *done);
	return r;
}

#define PAGE_BAD UINT32_MAX            /* pool_page.size of an unreadable page */

/* Read the run [i, e) of the job page by page: absent = zeros, unreadable =
 * marked PAGE_BAD. Only out-of-memory is fatal. */
static int read_pages(struct kd *k, struct pool_job *j, unsigned i, unsigned e,
		      struct ec_err *err)
{
	uint32_t ps = k->src->page_size;

	for (unsigned q = i; q < e; q++) {
		int r = k->src->read(k->src->ctx, j->pages[q].pfn * ps,
				     j->in + (size_t)q * ps, ps, err);

		if (r == -ENODATA)
			memset(j->in + (size_t)q * ps, 0, ps), r = 0;
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			j->pages[q].size = PAGE_BAD;
			lost_page(k, j->pages[q].pfn, r);
		}
	}
	return 0;
}

/* Read the job's pages (runs of consecutive pfns in one call each). A run
 * that fails is read again page by page; pages that still fail are taken
 * out of the job (their descriptors stay zero). */
static int read_job(struct kd *k, struct pool_job *j, struct ec_err *err)
{
	uint32_t ps = k->src->page_size;
	unsigned i = 0, w = 0;
	bool bad = false;

	for (unsigned q = 0; q < j->n; q++)
		j->pages[q].size = 0;

	while (i < j->n) {
		unsigned e = i + 1;
		int r;

		while (e < j->n && j->pages[e].pfn == j->pages[e - 1].pfn + 1)
			e++;
		r = k->src->read(k->src->ctx, j->pages[i].pfn * ps,
				 j->in + (size_t)i * ps, (size_t)(e - i) * ps, err);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			/* partly present or partly unreadable: page by page */
			r = read_pages(k, j, i, e, err);
			if (r < 0)
				return r;
			bad = true;
		}
		i = e;
	}
	if (!bad)
		return 0;
	for (unsigned q = 0; q < j->n; q++) {
		if (j->pages[q].size == PAGE_BAD)
			continue;
		if (w != q) {
			j->pages[w] = j->pages[q];
			memcpy(j->in + (size_t)w * ps, j->in + (size_t)q * ps, ps);
		}
		w++;
	}
	j->n = w;
	return 0;
}

/* Hand a filled job to the pool (read here first unless the workers read).
 * The job is the pool's or released either way; a read failure is kept in
 * k->read_err. */
static int submit(struct kd *k, pool *po, struct pool_job *j, struct ec_err *err)
{
	int r = k->mt_read ? 0 : read_job(k, j, err);

	if (r < 0) {
		k->read_err = r;
		pool_release(po, j);
		return r;
	}
	j->need_read = k->mt_read;
	pool_submit(po, j);
	return 0;
}

/* One pass over all kept pages; pass 0 = kernel pages, pass 1 = the rest
 * (or, without kernel-first ordering, pass -1 = all of them). */
static int data_pass(struct kd *k, struct wr_plan *pl, pool *po, int pass,
		     uint64_t *done, struct ec_err *err)
{
	struct pool_job *j = NULL;
	int r = 0;

	for (uint64_t c = 0; c < pl->nr_cycles && !k->stopped; c++) {
		uint64_t start, end, idx;

		r = wr_plan_cycle(pl, c, &start, &end, err);
		if (r < 0)
			break;
		idx = pl->rank[c];
		for (uint64_t pfn = start; pfn < end && !cancelled(k); pfn++) {
			uint64_t b = pfn - start;

			if (!(pl->keep[b >> 3] & (1u << (b & 7))))
				continue;
			idx++;
			if (pass >= 0 && wr_bit(pl->kern, b) != (pass == 0))
				continue;
			while (!j) {
				j = pool_get(po);
				if (!j && (r = drain_one(k, po, done, err)) < 0)
					goto out;
			}
			j->pages[j->n].pfn = pfn;
			j->pages[j->n].tag = idx - 1;
			if (++j->n == pool_batch(po)) {
				r = submit(k, po, j, err);
				j = NULL;
				if (r < 0)
					goto out;
			}
		}
	}
	if (j && j->n && !k->stopped) {
		r = submit(k, po, j, err);
		j = NULL;
	}
out:
	if (j)
		pool_release(po, j);
	while (pool_pending(po)) {
		int r2 = drain_one(k, po, done, err);

		if (r2 < 0 && (r == 0 || k->read_err))
			r = r2, k->read_err = 0;
	}
	if (k->read_err) {
		/* keep everything before the unreadable page; err says which */
		r = flush(k, err);
		if (r == 0)
			stop(k, k->read_err);
		k->read_err = 0;
	}
	return r;
}

static int write_headers(struct kd *k, const struct wr_plan *pl, struct ec_err *err)
{
	const struct wr_source *s = k->src;
	const struct wr_opts *o = k->o;
	uint8_t h[KDUMP_HDR_SIZE] = { 0 };
	uint8_t *sub;
	size_t sublen = KDUMP_SUB_SIZE + s->notes_len, vo, vl;
	uint64_t max = s->max_mapnr;
	int r;

	memcpy(h, KDUMP_SIGNATURE, 8);
	le32(h + 8, 6);
	for (int i = 0; i < 6; i++)
		memcpy(h + 12 + 65 * i, s->utsname[i], 65);
	le64(h + 408, (uint64_t)s->crashtime);
	le64(h + 416, 0);
	/* a file says "incomplete" until its data is on disk (see wr_kdump()) */
	le32(h + 424, o->comp | (out_is_flat(k->out) ? 0 : KDUMP_ST_INCOMPLETE));
	le32(h + 428, k->g.block);
	le32(h + 432, k->g.sub_blocks);
	le32(h + 436, (uint32_t)(2 * k->g.bitmap_len / k->g.block));
	le32(h + 440, max > UINT_MAX ? UINT_MAX : (uint32_t)max);
	le32(h + 460, (uint32_t)s->nr_cpus);
	r = out_write(k->out, h, sizeof(h), 0, NULL);
	if (r < 0)
		return ec_set_err(err, r, "writing the dump header: %s", strerror(-r));

	sub = calloc(1, sublen);
	if (!sub)
		return ec_set_err(err, -ENOMEM, "out of memory");
	le64(sub, s->phys_base);
	le32(sub + 8, (uint32_t)o->dump_level);
	if (o->split) {
		le32(sub + 12, 1);
		le64(sub + 16, o->split_start > UINT_MAX ? UINT_MAX : o->split_start);
		le64(sub + 24, o->split_end > UINT_MAX ? UINT_MAX : o->split_end);
		le64(sub + 80, o->split_start);
		le64(sub + 88, o->split_end);
	}
	if (s->notes_len) {
		uint64_t off_note = k->g.block + KDUMP_SUB_SIZE;

		if (wr_find_vmcoreinfo(s->notes, s->notes_len, &vo, &vl) == 0) {
			le64(sub + 32, off_note + vo);
			le64(sub + 40, vl);
		}
		le64(sub + 48, off_note);
		le64(sub + 56, s->notes_len);
		memcpy(sub + KDUMP_SUB_SIZE, s->notes, s->notes_len);
	}
	le64(sub + 96, max);
	r = out_write(k->out, sub, sublen, k->g.block, NULL);
	free(sub);
	if (r < 0)
		return ec_set_err(err, r, "writing the sub header: %s", strerror(-r));
	(void)pl;
	return 0;
}

/* Bitmap pass: classify every cycle once, write both bitmaps, count N.
 * The output failing (disk full, target gone) stops the dump (k->stopped). */
static int write_bitmaps(struct kd *k, struct wr_plan *pl, struct ec_err *err)
{
	uint8_t *pad = NULL;

	for (uint64_t c = 0; c < pl->nr_cycles; c++) {
		uint64_t start, end;
		size_t n;
		int r;

		r = wr_plan_cycle(pl, c, &start, &end, err);
		if (r < 0)
			return r;
		n = (size_t)((end - start + 7) / 8);
		if (c + 1 == pl->nr_cycles) {
			/* last cycle: pad to the block so the bitmap is complete */
			size_t full = (size_t)(k->g.bitmap_len - start / 8);

			pad = calloc(1, full);
			if (!pad)
				return ec_set_err(err, -ENOMEM, "out of memory");
			memcpy(pad, pl->load, n);
			r = out_write(k->out, pad, full, k->g.off_bitmap1 + start / 8, NULL);
			if (r == 0) {
				memset(pad, 0, full);
				memcpy(pad, pl->keep, n);
				r = out_write(k->out, pad, full,
					      k->g.off_bitmap2 + start / 8, NULL);
			}
			free(pad);
		} else {
			r = out_write(k->out, pl->load, n, k->g.off_bitmap1 + start / 8, NULL);
			if (r == 0)
				r = out_write(k->out, pl->keep, n,
					      k->g.off_bitmap2 + start / 8, NULL);
		}
		if (r < 0 && wr_errno_is_space(r)) {
			ec_set_err(err, r, "writing the bitmaps");
			stop(k, r);
			return 0;
		}
		if (r < 0)
			return ec_set_err(err, r, "writing the bitmaps: %s", strerror(-r));
		if (cancelled(k))
			return 0;
	}
	return 0;
}

/* The status word in block 0 with or without the incomplete bit: an
 * overwrite of a block already on disk, so it succeeds even on a full disk. */
static int set_status(struct kd *k, bool incomplete)
{
	uint8_t st[4];

	le32(st, k->o->comp | (incomplete ? KDUMP_ST_INCOMPLETE : 0));
	return out_write(k->out, st, 4, 424, NULL);
}

static void mark_incomplete(struct kd *k)
{
	(void)set_status(k, true);
}

int wr_kdump(const struct wr_source *src, const struct wr_opts *o, wr_out *out,
	     struct wr_result *res, struct ec_err *err)
{
	struct kd k = { .src = src, .o = o, .out = out, .res = res };
	struct wr_plan pl;
	pool *po = NULL;
	uint64_t done = 0;
	int r;

	memset(res, 0, sizeof(*res));
	if (src->page_size < 1024 || (src->page_size & (src->page_size - 1)))
		return ec_set_err(err, -EINVAL, "unsupported page size %u", src->page_size);
	if (o->comp != COMP_NONE && !comp_available(o->comp))
		return ec_set_err(err, -ENOSYS, "%s", comp_why(o->comp));
	wr_kdump_geometry(src->page_size, src->notes_len, src->max_mapnr, &k.g);
	r = wr_plan_init(&pl, src, o, o->kernel_first, err);
	if (r < 0)
		return r;
	k.wbuf = malloc(WBUF_SIZE);
	k.pend = malloc(DESC_MAX * sizeof(*k.pend));
	k.dbuf = malloc(DESC_MAX * KDUMP_DESC_SIZE);
	if (!k.wbuf || !k.pend || !k.dbuf) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = pool_create(o->threads, o->comp, o->comp_level, src->page_size,
			(o->dump_level & 1) != 0, &po);
	if (r < 0) {
		ec_set_err(err, r, "starting %u compression workers: %s",
			   o->threads, strerror(-r));
		goto out;
	}
	k.mt_read = pool_set_readers(po, src);
	pl.pool = po;                  /* classify on the workers too */
	r = out_begin(out);
	if (r < 0) {
		ec_set_err(err, r, "writing the flattened header: %s", strerror(-r));
		goto out;
	}
	r = write_headers(&k, &pl, err);
	if (r < 0)
		goto out;
	r = write_bitmaps(&k, &pl, err);
	if (r < 0)
		goto out;
	if (!k.stopped)
		k.total = res->pages_kept = pl.rank[pl.nr_cycles];
	k.data_off = k.wstart = k.g.off_desc + k.total * KDUMP_DESC_SIZE;
	r = k.stopped ? 0 : out_reserve(out, k.g.off_desc, k.total * KDUMP_DESC_SIZE);
	if (r < 0) {
		if (!wr_errno_is_space(r)) {
			ec_set_err(err, r, "reserving the page descriptor table: %s",
				   strerror(-r));
			goto out;
		}
		stop(&k, r);
	}
	if (o->dump_level & 1 && !k.stopped) {
		/* the shared zero page comes first in the data area */
		memset(k.wbuf, 0, src->page_size);
		k.wlen = src->page_size;
		k.zero_off = k.data_off;
		k.data_off += src->page_size;
	}
	if (pl.want_kern) {
		r = data_pass(&k, &pl, po, 0, &done, err);
		if (r == 0)
			r = data_pass(&k, &pl, po, 1, &done, err);
	} else {
		r = data_pass(&k, &pl, po, -1, &done, err);
	}
	if (r == 0)
		r = flush(&k, err);
	if (r < 0)
		goto out;
	if (res->incomplete)
		mark_incomplete(&k);
	(void)out_end(out);
	r = out_sync(out);
	if (r < 0 && !k.stopped) {
		/* the data may not be on disk: say so in the header, try again */
		ec_set_err(err, r, "fsync of the output");
		stop(&k, r);
		mark_incomplete(&k);
		(void)out_sync(out);
	} else if (r == 0 && !res->incomplete && !out_is_flat(out)) {
		/* A file is flagged incomplete from its first write on, so that
		 * one left by a capture that died on the way (killed, out of
		 * memory, watchdog reset, power cut) reads as incomplete. The
		 * data is on disk now: clear the flag, and sync that too. */
		r = set_status(&k, false);
		if (r == 0)
			r = out_sync(out);
		if (r < 0) {
			ec_set_err(err, r, "clearing the incomplete flag");
			stop(&k, r);
			mark_incomplete(&k);
			(void)out_sync(out);
		}
	}
	r = 0;
	res->bytes = k.stopped ? k.wstart : k.data_off;
out:
	pool_destroy(po);
	free(k.wbuf);
	free(k.pend);
	free(k.dbuf);
	wr_plan_fini(&pl);
	(void)le16;
	return r;
}
