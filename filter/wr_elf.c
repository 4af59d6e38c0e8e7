/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF writer (makedumpfile -E rules, formats.md §1): each source PT_LOAD is
 * split where >= 256 consecutive pages are dropped; shorter dropped runs are
 * written with their real contents; p_memsz of a segment includes the
 * dropped run that ends it. Zero pages (dump level bit 1) are dropped before
 * the layout is computed, which costs one extra read of the kept pages.
 * The file itself is produced by libelfcore's streaming writer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "writer.h"

#define PFN_EXCLUDED 256
#define ZWIN 256                       /* pages per zero-detection read */
#define CHUNK (1u << 20)

struct segs {
	struct ec_load *v;
	size_t n, cap;
};

static int seg_add(struct segs *s, const struct ec_load *l)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct ec_load *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *l;
	return 0;
}

struct zwin {
	uint8_t *buf;
	uint64_t start, n;             /* window of pfns held in buf */
	uint64_t lim;                  /* never read at or past this pfn */
	uint8_t bad[ZWIN / 8];         /* pages of the window that cannot be read */
};

static void note_unreadable(struct wr_result *res, uint64_t pfn, int negerr)
{
	if (res->pages_unreadable < sizeof(res->unreadable_pfn) / sizeof(res->unreadable_pfn[0]))
		res->unreadable_pfn[res->pages_unreadable] = pfn;
	res->pages_unreadable++;
	if (!res->io_error)
		res->io_error = -negerr;
}

static bool page_zero(const uint8_t *p, size_t len)
{
	uint64_t acc = 0, w;

	for (size_t i = 0; i < len; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	return acc == 0;
}

/* *ret: the page is all zeros; *ret_bad: it cannot be read (-ENOMEM is the
 * only fatal error). */
static int is_zero(const struct wr_source *s, struct zwin *z, uint64_t pfn,
		   bool *ret, bool *ret_bad, struct ec_err *err)
{
	uint32_t ps = s->page_size;
	int r;

	if (pfn < z->start || pfn >= z->start + z->n) {
		uint64_t n = ZWIN;

		if (pfn + n > z->lim)
			n = z->lim - pfn;
		memset(z->bad, 0, sizeof(z->bad));
		r = s->read(s->ctx, pfn * ps, z->buf, n * ps, err);
		if (r < 0 && r != -ENOMEM) {
			/* partly present or partly unreadable: page by page */
			for (uint64_t i = 0; i < n; i++) {
				r = s->read(s->ctx, (pfn + i) * ps, z->buf + i * ps, ps, err);
				if (r == -ENODATA)
					memset(z->buf + i * ps, 0, ps), r = 0;
				if (r == -ENOMEM)
					break;
				if (r < 0) {
					z->bad[i >> 3] |= (uint8_t)(1u << (i & 7));
					r = 0;
				}
			}
		}
		if (r < 0)
			return r;
		z->start = pfn;
		z->n = n;
	}
	*ret_bad = wr_bit(z->bad, pfn - z->start);
	*ret = !*ret_bad && page_zero(z->buf + (pfn - z->start) * ps, ps);
	return 0;
}

static int dumpable(const struct wr_source *s, struct wr_plan *pl, struct zwin *z,
		    int level, uint64_t pfn, bool *ret, bool *ret_bad, struct ec_err *err)
{
	uint64_t start, end;
	int r;

	*ret = *ret_bad = false;
	if (pfn >= pl->max_mapnr)
		return 0;
	r = wr_plan_cycle(pl, pfn / pl->cycle, &start, &end, err);
	if (r < 0)
		return r;
	if (!wr_bit(pl->keep, pfn - start))
		return 0;
	if (level & 1) {
		bool zero;

		r = is_zero(s, z, pfn, &zero, ret_bad, err);
		if (r < 0)
			return r;
		*ret = !zero && !*ret_bad;
		return 0;
	}
	*ret = true;
	return 0;
}

/* The segment layout of makedumpfile's write_elf_pages_cyclic(). A page
 * found unreadable here (only zero detection reads, dump level bit 1) is
 * left out and always ends its segment, so the file has a hole there. */
static int layout(const struct wr_source *s, struct wr_plan *pl, int level,
		  struct segs *out, uint64_t *ret_pages, struct wr_result *res,
		  struct ec_err *err)
{
	uint64_t ps = s->page_size;
	uint64_t no_vaddr = s->elf_class == 1 ? UINT32_MAX : UINT64_MAX;
	struct zwin z = { .buf = NULL };
	int r = 0;

	if (level & 1) {
		z.buf = malloc(ZWIN * ps);
		if (!z.buf)
			return ec_set_err(err, -ENOMEM, "out of memory");
	}
	*ret_pages = 0;
	for (size_t i = 0; i < s->nr_loads; i++) {
		struct ec_load l = s->loads[i];
		uint64_t pfn_start = l.paddr / ps, pfn_end = (l.paddr + l.memsz) / ps;
		uint64_t frac_head = ps - l.paddr % ps, frac_tail = (l.paddr + l.memsz) % ps;
		uint64_t excluded = 0, memsz = 0, filesz = 0;
		bool hole = false;             /* the excluded run holds a lost page */
		uint64_t hole_memsz = 0;       /* memsz up to the first lost page */

		if (l.paddr == UINT64_MAX)
			continue;
		if (frac_head && frac_head != ps) {
			memsz = filesz = frac_head;
			pfn_start++;
		}
		if (frac_tail)
			pfn_end++;
		z.start = z.n = 0;
		z.lim = pfn_end;
		for (uint64_t pfn = pfn_start; pfn < pfn_end; pfn++) {
			uint64_t sz = (pfn == pfn_end - 1 && frac_tail) ? frac_tail : ps;
			bool keep, bad;

			r = dumpable(s, pl, &z, level, pfn, &keep, &bad, err);
			if (r < 0)
				goto out;
			if (bad) {
				note_unreadable(res, pfn, -EIO);
				if (!hole)
					hole_memsz = memsz;
				hole = true;
			}
			if (!keep) {
				excluded++;
				memsz += sz;
				continue;
			}
			(*ret_pages)++;
			if (!excluded) {
				memsz += sz;
				filesz += sz;
				continue;
			}
			if (excluded < PFN_EXCLUDED && !hole) {
				memsz += sz;
				filesz += ps * excluded + sz;
				*ret_pages += excluded;
				excluded = 0;
				continue;
			}
			/* p_memsz stops before a lost page, so readers
			 * report it missing rather than zero-fill it */
			l.memsz = hole ? hole_memsz : memsz;
			l.filesz = filesz;
			r = seg_add(out, &l);
			if (r < 0)
				goto nomem;
			l.paddr += memsz;
			/* all ones = "no direct-map address" (i386 highmem,
			 * as kexec-tools writes it): every piece keeps it,
			 * like makedumpfile for p_paddr >= MAXMEM */
			if (l.vaddr != no_vaddr)
				l.vaddr += memsz;
			excluded = 0;
			hole = false;
			memsz = filesz = ps;
		}
		l.memsz = hole ? hole_memsz : memsz;
		l.filesz = filesz;
		r = seg_add(out, &l);
		if (r < 0)
			goto nomem;
	}
out:
	free(z.buf);
	return r;
nomem:
	free(z.buf);
	return ec_set_err(err, -ENOMEM, "out of memory for the segment table");
}

/*
 * After a write failed in segment `fail` (having written `written` bytes of
 * it): shrink that segment's p_filesz to the whole pages that reached the
 * file, and zero the program headers of all later segments, as makedumpfile
 * does (seed 004: "the PT_LOADs after N don't exist"). A zeroed header is
 * PT_NULL to libkdumpfile and drgn and an empty range to crash, so no reader
 * looks past the end of the file or prefers an empty RAM segment over the
 * kernel-text one. These are overwrites inside the header block, which is
 * already on disk, so they cannot run out of space.
 */
static void truncate_phdrs(const struct wr_source *src, wr_out *out,
			   const struct segs *sg, size_t fail, uint64_t written)
{
	bool is64 = (src->elf_class ? src->elf_class : 2) == 2;
	uint64_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32;
	uint64_t fs = written / src->page_size * src->page_size;
	uint8_t b[56] = { 0 };

	if (fail < sg->n && fs < sg->v[fail].filesz) {
		uint64_t base = eh + (fail + 1) * ph;

		for (int k = 0; k < (is64 ? 8 : 4); k++)
			b[k] = (uint8_t)(fs >> (8 * k));
		(void)out_write(out, b, is64 ? 8 : 4, base + (is64 ? 32 : 16), NULL);
		if (!fs) {
			memset(b, 0, 8);
			(void)out_write(out, b, is64 ? 8 : 4, base + (is64 ? 8 : 4), NULL);
		}
	}
	memset(b, 0, sizeof(b));
	for (size_t j = fail + 1; j < sg->n; j++)
		(void)out_write(out, b, (size_t)ph, eh + (j + 1) * ph, NULL);
}

int wr_elf(const struct wr_source *src, const struct wr_opts *o, wr_out *out,
	   struct wr_result *res, struct ec_err *err)
{
	struct ec_writer_ops ops = { .pwrite = out_ec_pwrite };
	struct ec_writer_params prm = { 0 };
	struct segs sg = { 0 };
	struct wr_plan pl;
	ec_writer *w = NULL;
	uint8_t *buf = NULL;
	uint64_t done = 0, total = 0, fail_done = 0;
	bool zeroed = false;
	size_t fail_seg = 0;
	int r;

	memset(res, 0, sizeof(*res));
	r = wr_plan_init(&pl, src, o, false, err);
	if (r < 0)
		return r;
	r = layout(src, &pl, o->dump_level, &sg, &total, res, err);
	if (r < 0)
		goto out;
	res->pages_kept = total;
	res->segments = sg.n;
	buf = malloc(CHUNK);
	if (!buf) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	prm.elf_class = src->elf_class ? src->elf_class : 2;
	prm.machine = src->machine;
	prm.notes = src->notes;
	prm.notes_len = src->notes_len;
	prm.note_align = src->note_align;
	prm.loads = sg.v;
	prm.nr_loads = sg.n;
	prm.page_align_data = false;
	r = ec_writer_create(&prm, &ops, out, &w, err);
	if (r < 0)
		goto out;
	r = out_begin(out);
	if (r < 0) {
		ec_set_err(err, r, "writing the flattened header: %s", strerror(-r));
		goto out;
	}
	r = ec_writer_begin(w, err);
	/* A file says "incomplete" until the end: a capture that dies on the
	 * way (killed, out of memory, watchdog reset, power cut) leaves a dump
	 * that readers treat as incomplete (a stream cannot seek back: the
	 * receiver flags a stream that ends early) */
	if (r == 0 && !out_is_flat(out))
		r = ec_writer_set_incomplete(w, true, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < sg.n && !res->incomplete; i++) {
		uint64_t pos = sg.v[i].paddr, left = sg.v[i].filesz;

		fail_seg = i;
		fail_done = 0;
		while (left) {
			size_t n = left < CHUNK ? (size_t)left : CHUNK;

			if (o->cancel && *o->cancel) {
				res->incomplete = true;
				res->io_error = EINTR;
				break;
			}

			r = src->read(src->ctx, pos, buf, n, err);
			if (r < 0 && r != -ENOMEM) {
				/* some page is absent (a short dropped run) or
				 * unreadable (not seen by the layout pass): zeros
				 * in its place, logged, the file flagged incomplete */
				for (size_t q = 0; q < n; q += src->page_size) {
					size_t m = n - q < src->page_size ? n - q : src->page_size;

					r = src->read(src->ctx, pos + q, buf + q, m, err);
					if (r == -ENODATA)
						memset(buf + q, 0, m), r = 0;
					if (r == -ENOMEM)
						break;
					if (r < 0) {
						memset(buf + q, 0, m);
						note_unreadable(res, (pos + q) / src->page_size, r);
						zeroed = true;
						r = 0;
					}
				}
			}
			if (r < 0)
				goto out;
			uint64_t before = ec_writer_bytes(w);

			r = ec_writer_data(w, buf, n, err);
			if (r < 0) {
				if (!wr_errno_is_space(r))
					goto out;
				/* a short write: the whole pages that landed count */
				uint64_t got = ec_writer_bytes(w) - before;

				if (got > n)
					got = 0;
				fail_done += got;
				done += got / src->page_size;
				res->incomplete = true;
				res->io_error = -r;
				break;
			}
			pos += n;
			left -= n;
			fail_done += n;
			done += n / src->page_size;
			if (o->progress) {
				struct wr_progress p = { done, total, ec_writer_bytes(w) };

				o->progress(o->progress_ctx, &p);
			}
		}
	}
	if (!res->incomplete) {
		r = ec_writer_finish(w, err);
		if (r < 0) {
			if (!wr_errno_is_space(r))
				goto out;
			res->incomplete = true;
			res->io_error = -r;
		}
	}
	if (res->incomplete) {
		struct ec_err e2;

		truncate_phdrs(src, out, &sg, fail_seg, fail_done);
		(void)ec_writer_mark_incomplete(w, &e2);
	} else if (res->pages_unreadable) {
		/* pages left out (holes) or written as zeros: not the full dump */
		struct ec_err e2;

		res->incomplete = true;
		if (!res->io_error)
			res->io_error = EIO;
		(void)ec_writer_mark_incomplete(w, &e2);
	}
	(void)zeroed;
	(void)out_end(out);
	r = out_sync(out);
	if (r < 0 && !res->incomplete) {
		/* the data may not be on disk: say so in e_flags, try again */
		struct ec_err e2;

		ec_set_err(err, r, "fsync of the output");
		res->incomplete = true;
		res->io_error = -r;
		(void)ec_writer_mark_incomplete(w, &e2);
		(void)out_sync(out);
	} else if (r == 0 && !res->incomplete && !out_is_flat(out)) {
		/* the data is on disk: now clear the flag, and sync that too */
		struct ec_err e2;

		r = ec_writer_set_incomplete(w, false, &e2);
		if (r == 0)
			r = out_sync(out);
		if (r < 0) {
			ec_set_err(err, r, "clearing the incomplete flag");
			res->incomplete = true;
			res->io_error = -r;
			(void)ec_writer_mark_incomplete(w, &e2);
			(void)out_sync(out);
		}
	}
	r = 0;
	res->pages_written = done;
	res->bytes = ec_writer_bytes(w);
out:
	if (w)
		ec_writer_destroy(w);
	free(buf);
	free(sg.v);
	wr_plan_fini(&pl);
	return r;
}

int wr_write(const struct wr_source *src, const struct wr_opts *o, wr_out *out,
	     struct wr_result *res, struct ec_err *err)
{
	if (o->format == WR_ELF)
		return wr_elf(src, o, out, res, err);
	return wr_kdump(src, o, out, res, err);
}
