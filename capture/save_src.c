/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap save (owner: writers): dump + kernel model -> struct wr_source,
 * and the progress line. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>
#include "save_src.h"

static int src_read(void *ctx, uint64_t paddr, void *buf, size_t len,
		    struct ec_err *err)
{
	struct save_src *s = ctx;

	return ec_read_phys(s->d, paddr, buf, len, err);
}

/* Worker threads read (and classify) through their own opening of the dump
 * and their own kernel model (ELF only: /proc/vmcore or an ELF file; see
 * ec_reopen). */
struct src_reader {
	struct save_src *s;
	ec_dump *d;
	km *m;                         /* NULL: this reader does not classify */
	struct fl_stats stats;         /* merged into s->stats on close */
};

static int src_reader_open(void *ctx, void **ret_rctx)
{
	struct save_src *s = ctx;
	struct src_reader *rd = calloc(1, sizeof(*rd));
	int r;

	if (!rd)
		return -ENOMEM;
	rd->s = s;
	r = ec_reopen(s->d, &rd->d, NULL);
	if (r < 0) {
		free(rd);
		return r;
	}
	if (s->m && !s->unfiltered && km_create(rd->d, &rd->m, NULL) < 0)
		rd->m = NULL;
	*ret_rctx = rd;
	return 0;
}

static int src_reader_read(void *rctx, uint64_t paddr, void *buf, size_t len,
			   struct ec_err *err)
{
	struct src_reader *rd = rctx;

	return ec_read_phys(rd->d, paddr, buf, len, err);
}

static int src_map(void *ctx, uint64_t paddr, size_t len, const void **ret)
{
	return ec_map_phys(((struct save_src *)ctx)->d, paddr, len, ret);
}

static int src_reader_map(void *rctx, uint64_t paddr, size_t len, const void **ret)
{
	return ec_map_phys(((struct src_reader *)rctx)->d, paddr, len, ret);
}

static void stats_add(struct fl_stats *to, const struct fl_stats *st)
{
	to->total += st->total;
	to->kept += st->kept;
	to->hole += st->hole;
	to->cache += st->cache;
	to->cache_priv += st->cache_priv;
	to->user += st->user;
	to->free += st->free;
	to->hwpoison += st->hwpoison;
	to->offline += st->offline;
	to->unreadable += st->unreadable;
}

/* No fallbacks here: a failure sends the range back to src_classify(). */
static int src_reader_classify(void *rctx, int level, uint64_t start, uint64_t end,
			       uint8_t *bits, struct ec_err *err)
{
	struct src_reader *rd = rctx;
	struct fl_stats st;
	int r;

	if (!rd->m)
		return ec_set_err(err, -EOPNOTSUPP, "no kernel model in this reader");
	r = fl_classify(rd->m, level, start, end, bits, &st, err);
	if (r == 0 && level == rd->s->level && rd->s->count_stats) {
		stats_add(&rd->stats, &st);
	}
	return r;
}

/* Called once the workers have stopped. */
static void src_reader_close(void *rctx)
{
	struct src_reader *rd = rctx;

	stats_add(&rd->s->stats, &rd->stats);
	if (rd->m)
		km_destroy(rd->m);
	ec_close(rd->d);
	free(rd);
}

static int src_classify(void *ctx, int level, uint64_t start, uint64_t end,
			uint8_t *bits, struct ec_err *err)
{
	struct save_src *s = ctx;
	struct fl_stats st;
	struct ec_err e2 = { 0 };
	int r;

	if (s->m) {
		r = fl_classify(s->m, level, start, end, bits, &st, &e2);
		if (r == 0) {
			if (level == s->level && s->count_stats) {
				stats_add(&s->stats, &st);
			}
			return 0;
		}
		/* Never lose the dump because of the filter: keep every
		 * present page of this range and remember why. */
		if (level == s->level && !s->unfiltered) {
			s->unfiltered = true;
			snprintf(s->why, sizeof(s->why), "%s", e2.msg);
		}
	} else if (level == s->level && (level & ~DL_ZERO)) {
		s->unfiltered = true;
	}
	memset(bits, 0, (end - start + 7) / 8);
	return fl_keep_present(s->d, start, end, bits) < 0 ?
		ec_set_err(err, -EINVAL, "bad pfn range %llu..%llu",
			   (unsigned long long)start, (unsigned long long)end) : 0;
}

static void copy_field(char dst[65], const char *src)
{
	size_t n = src ? strnlen(src, 64) : 0;

	memset(dst, 0, 65);
	memcpy(dst, src ? src : "", n);
}

static void read_utsname(struct save_src *s)
{
	const ec_vmcoreinfo *vi = ec_vmcoreinfo_of(s->d);
	struct ec_kdump_info ki;
	uint64_t sym, off;
	char buf[6 * 65];

	if (s->m && vi && ec_vmci_symbol(vi, "init_uts_ns", &sym) == 0 &&
	    ec_vmci_offset(vi, "uts_namespace.name", &off) == 0 &&
	    km_read_virt(s->m, sym + off, buf, sizeof(buf), NULL) == 0 &&
	    !memcmp(buf, "Linux", 6)) {
		for (int i = 0; i < 6; i++) {
			memcpy(s->src.utsname[i], buf + 65 * i, 65);
			s->src.utsname[i][64] = 0;
		}
		return;
	}
	if (ec_kdump_info(s->d, &ki) == 0 && ki.sysname[0]) {
		copy_field(s->src.utsname[0], ki.sysname);
		copy_field(s->src.utsname[1], ki.nodename);
		copy_field(s->src.utsname[2], ki.release);
		copy_field(s->src.utsname[3], ki.version);
		copy_field(s->src.utsname[4], ki.machine);
		copy_field(s->src.utsname[5], ki.domainname);
		return;
	}
	/* no memory image of init_uts_ns: what VMCOREINFO tells (readers
	 * need sysname "Linux" and non-empty release/version/machine) */
	copy_field(s->src.utsname[0], "Linux");
	copy_field(s->src.utsname[1], "(unknown)");
	copy_field(s->src.utsname[2], ec_release(s->d) ? ec_release(s->d) : "unknown");
	copy_field(s->src.utsname[3], "unknown");
	copy_field(s->src.utsname[4], ec_machine(s->d) == 3 ? "i686" : "x86_64");
	copy_field(s->src.utsname[5], "(none)");
}

/* makedumpfile copies the source PT_NOTE header, so its p_align (0 on 6.1,
 * 4 on 6.12) carries over; anything else (or another format) gets 4. */
static uint32_t source_note_align(ec_dump *d)
{
	uint32_t a = ec_note_align(d);

	if (ec_format(d) != EC_FMT_ELF || ec_elf_class(d) != ELFCLASS64)
		return 4;
	return a == 0 || a == 4 ? a : 4;
}

int save_src_init(struct save_src *s, ec_dump *d, int level, struct ec_err *err)
{
	const ec_vmcoreinfo *vi = ec_vmcoreinfo_of(d);
	struct ec_kdump_info ki;
	struct ec_err e2 = { 0 };
	int64_t pb;
	int r;

	memset(s, 0, sizeof(*s));
	s->d = d;
	s->level = level;
	s->count_stats = true;
	r = km_create(d, &s->m, &e2);
	if (r < 0) {
		s->m = NULL;
		snprintf(s->why, sizeof(s->why), "%s", e2.msg);
	} else if ((level & ~DL_ZERO) && !km_can_classify(s->m, &e2)) {
		snprintf(s->why, sizeof(s->why), "%s", e2.msg);
	}
	s->src.page_size = ec_page_size(d);
	s->src.max_mapnr = ec_max_pfn(d);
	s->src.loads = ec_loads(d, &s->src.nr_loads);
	s->src.elf_class = ec_elf_class(d) == 1 ? 1 : 2;
	s->src.machine = ec_machine(d);
	s->src.notes = ec_notes(d, &s->src.notes_len);
	s->src.note_align = source_note_align(d);
	s->src.crashtime = ec_crash_time(d);
	if (s->src.crashtime < 0)
		s->src.crashtime = 0;
	if (vi && ec_vmci_number(vi, "phys_base", &pb) == 0)
		s->src.phys_base = (uint64_t)pb;
	else if (ec_kdump_info(d, &ki) == 0)
		s->src.phys_base = ki.phys_base;
	s->src.nr_cpus = (int)ec_nr_cpus(d);
	s->src.ctx = s;
	s->src.read = src_read;
	s->src.map = src_map;
	s->src.classify = src_classify;
	s->src.reader_open = src_reader_open;
	s->src.reader_read = src_reader_read;
	s->src.reader_map = src_reader_map;
	s->src.reader_close = src_reader_close;
	s->src.reader_classify = src_reader_classify;
	s->src.can_classify = s->m && !s->why[0];
	if (!s->src.max_mapnr || !s->src.nr_loads)
		return ec_set_err(err, -EINVAL, "%s: the dump has no memory segments", ec_path(d));
	read_utsname(s);
	if (s->why[0] && (level & ~DL_ZERO))
		s->unfiltered = true;
	return 0;
}

void save_src_fini(struct save_src *s)
{
	if (s->m)
		km_destroy(s->m);
	s->m = NULL;
}

double save_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void save_progress_init(struct save_progress *p, const char *what, bool tty)
{
	memset(p, 0, sizeof(*p));
	p->f = stderr;
	p->tty = tty;
	p->t0 = p->last = save_now();
	p->last_pct = -1;
	p->what = what;
}

static void fmt_eta(char *buf, size_t n, double s)
{
	if (s < 0 || s > 359999)
		snprintf(buf, n, "--:--");
	else if (s >= 3600)
		snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
	else
		snprintf(buf, n, "%02d:%02d", (int)s / 60, (int)s % 60);
}

void save_progress_cb(void *ctx, const struct wr_progress *pr)
{
	struct save_progress *p = ctx;
	double now = save_now(), el = now - p->t0, rate, eta;
	int pct = pr->total ? (int)(pr->done * 100 / pr->total) : 100;
	char e[16];

	/* tty: redraw at most 4 times a second; serial/log: a line per 10 %
	 * or per 10 s, never control characters */
	if (p->tty ? now - p->last < 0.25 && pct != 100
		   : pct / 10 == p->last_pct / 10 && now - p->last < 10)
		return;
	if (pct == p->last_pct && now - p->last < 10)
		return;
	p->last = now;
	p->last_pct = pct;
	rate = el > 0 ? pr->bytes / el / 1048576.0 : 0;
	eta = pr->done && el > 0 ? el * (double)(pr->total - pr->done) / (double)pr->done : -1;
	fmt_eta(e, sizeof(e), eta);
	fprintf(p->f, "%s%s: %3d%% %llu/%llu pages, %.1f MiB written, %.1f MiB/s, ETA %s%s",
		p->tty ? "\r" : "", p->what, pct, (unsigned long long)pr->done,
		(unsigned long long)pr->total, pr->bytes / 1048576.0, rate, e,
		p->tty ? "  " : "\n");
	fflush(p->f);
}

void save_progress_done(struct save_progress *p)
{
	if (p->tty && p->last_pct >= 0)
		fputc('\n', p->f);
}
