/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-compressed writer on a synthetic source: headers field by field,
 * bitmaps and every page read back through the strict checker, each
 * compressor and dump level, several bitmap cycles (cached and not),
 * threads 1 vs 4 byte-identical, flattened == file after reassembly, and an
 * incomplete dump (RLIMIT_FSIZE stands in for a full disk) that keeps kernel
 * pages first.
 */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include "tap.h"
#include "config.h"
#include "synth.h"
#define WT_WRITER wr_kdump
#include "wtest.h"

#define NPAGES 70000    /* > 2 cycles of 32768 pfns */

static uint8_t page[4096], want[4096];

/* Check one written file against the synthetic source. */
/* The pfn a test made unreadable in the source (-1: none): only it may be lost. */
static int64_t unreadable_pfn = -1;

static void check_file(struct synth *s, const char *path, const struct wr_opts *o,
		       bool expect_incomplete, const char *what)
{
	struct ec_err err = { 0 };
	wr_kdr *r = NULL;
	int fd = open(path, O_RDONLY), e;
	uint64_t bad = 0, lost = 0, kept = 0, written = 0, lost_kernel = 0,
		 written_other = 0, zero_shared = 0;
	const struct wr_kdr_info *in;
	size_t vo, vl;

	e = wr_kdr_open(fd, &r, &err);
	if (!ok(e == 0, "%s: opens in the strict reader (%s)", what, e ? err.msg : "ok")) {
		close(fd);
		return;
	}
	in = wr_kdr_info(r);
	ok(in->header_version == 6 && in->block == 4096 && in->nr_cpus == 2 &&
	   in->timestamp == 1700000000 && in->dump_level == o->dump_level &&
	   in->phys_base == s->src.phys_base && in->max_mapnr == s->src.max_mapnr,
	   "%s: header fields (version %u, cpus %d, time %lld, level %d, max_mapnr %llu)",
	   what, in->header_version, in->nr_cpus, (long long)in->timestamp,
	   in->dump_level, (unsigned long long)in->max_mapnr);
	ok((in->status & ~KDUMP_ST_INCOMPLETE) == (uint32_t)o->comp &&
	   !!(in->status & KDUMP_ST_INCOMPLETE) == expect_incomplete,
	   "%s: status 0x%x", what, in->status);
	ok(!strcmp(in->utsname[0], "Linux") && !strcmp(in->utsname[4], "x86_64"),
	   "%s: utsname copied", what);
	ok(in->notes_len == s->notes_len && in->off_note == 4096 + 104 &&
	   wr_find_vmcoreinfo(s->notes, s->notes_len, &vo, &vl) == 0 &&
	   in->off_vmcoreinfo == 4096 + 104 + vo && in->vmcoreinfo_len == vl,
	   "%s: notes at 4200, VMCOREINFO at %llu (+%zu)", what,
	   (unsigned long long)in->off_vmcoreinfo, in->vmcoreinfo_len);
	for (uint64_t pfn = 0; pfn < s->src.max_mapnr; pfn++) {
		int c = synth_class(s, pfn);
		bool exp_keep = c != SC_HOLE &&
			!(c == SC_CACHE && (o->dump_level & 6)) &&
			!(c == SC_USER && (o->dump_level & 8)) &&
			!(c == SC_FREE && (o->dump_level & 16));

		if (wr_kdr_in_load(r, pfn) != (c != SC_HOLE) ||
		    wr_kdr_kept(r, pfn) != exp_keep) {
			if (bad++ < 3)
				diag("pfn %llu: bitmap bits wrong", (unsigned long long)pfn);
			continue;
		}
		if (!exp_keep)
			continue;
		kept++;
		e = wr_kdr_read(r, pfn, page, &err);
		if (e == -ENOENT) {
			lost++;
			lost_kernel += c == SC_KERNEL && (int64_t)pfn != unreadable_pfn;
			continue;
		}
		written++;
		written_other += c != SC_KERNEL;
		synth_page(pfn, want);
		if (e != 0 || memcmp(page, want, 4096)) {
			if (bad++ < 3)
				diag("pfn %llu: %s", (unsigned long long)pfn,
				     e ? err.msg : "contents differ");
		}
		if ((o->dump_level & 1) && synth_content(pfn) == 0)
			zero_shared++;
	}
	ok(bad == 0, "%s: every bitmap bit and every kept page right (%llu kept, %llu bad)",
	   what, (unsigned long long)kept, (unsigned long long)bad);
	if (expect_incomplete && unreadable_pfn >= 0) {
		ok(lost == 1 && written == kept - 1,
		   "%s: only the unreadable page lost (%llu written, %llu lost)", what,
		   (unsigned long long)written, (unsigned long long)lost);
	} else if (expect_incomplete) {
		ok(lost > 0 && written > 0, "%s: %llu pages written, %llu lost", what,
		   (unsigned long long)written, (unsigned long long)lost);
		ok(!(written_other && lost_kernel),
		   "%s: kernel pages first (%llu non-kernel written, %llu kernel lost)",
		   what, (unsigned long long)written_other,
		   (unsigned long long)lost_kernel);
	} else {
		ok(lost == 0, "%s: no lost pages", what);
	}
	wr_kdr_close(r);
	close(fd);
}

static void run(struct synth *s, enum comp_method m, int level, unsigned threads,
		const char *path, struct wr_result *res)
{
	struct wr_opts o;
	struct ec_err err = { 0 };
	char what[128];
	int r;

	wr_opts_init(&o);
	o.comp = m;
	o.dump_level = level;
	o.threads = threads;
	o.cycle_pfns = 32768;
	r = wt_write(&s->src, &o, path, false, res, &err);
	snprintf(what, sizeof(what), "%s -d %d, %u thread(s)", comp_name(m), level, threads);
	ok(r == 0 && !res->incomplete, "%s: written (%s), %llu kept, %llu bytes", what,
	   r ? err.msg : "ok", (unsigned long long)res->pages_kept,
	   (unsigned long long)res->bytes);
	check_file(s, path, &o, false, what);
}

int main(void)
{
	static const enum comp_method ms[] = { COMP_NONE, COMP_ZLIB, COMP_LZO, COMP_ZSTD, COMP_SNAPPY };
	struct synth s;
	struct wr_result res, res2;
	struct wr_opts o;
	struct ec_err err = { 0 };
	const char *a, *b;
	int r;

	synth_init(&s, NPAGES);
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		if (ms[i] == COMP_SNAPPY && !HAVE_SNAPPY)
			continue;
		run(&s, ms[i], 31, 1, wt_path("a"), &res);
	}
	run(&s, COMP_LZO, 0, 1, wt_path("a"), &res);
	run(&s, COMP_ZSTD, 1, 2, wt_path("a"), &res);
	ok(res.pages_zero > 0, "-d 1: zero pages share one descriptor (%llu)",
	   (unsigned long long)res.pages_zero);

	/* threads: byte-identical */
	a = wt_path("t1");
	b = wt_path("t4");
	run(&s, COMP_ZLIB, 1, 1, a, &res);
	run(&s, COMP_ZLIB, 1, 4, b, &res2);
	ok(wt_same_file(a, b), "zlib -d 1: --num-threads 1 and 4 give the same bytes");
	/* with 4 threads the workers read the pages, not the writer thread */
	s.reads = s.worker_reads = 0;
	run(&s, COMP_ZLIB, 1, 4, b, &res2);
	ok(s.worker_reads > 0 && s.reads == 0 && s.readers_open == 0,
	   "4 threads: pages read by the workers (%llu worker reads, %llu in the writer, %u readers left open)",
	   (unsigned long long)s.worker_reads, (unsigned long long)s.reads, s.readers_open);
	/* classification split over the workers: same bytes; a failing worker
	 * classification is redone by the writer, same bytes again */
	s.worker_classifies = 0;
	run(&s, COMP_ZLIB, 1, 4, b, &res2);
	ok(wt_same_file(a, b) && s.worker_classifies > 1,
	   "4 threads: %llu pieces classified by the workers, same bytes",
	   (unsigned long long)s.worker_classifies);
	s.fail_worker_classify = true;
	s.worker_classifies = 0;
	run(&s, COMP_ZLIB, 1, 4, b, &res2);
	ok(wt_same_file(a, b) && s.worker_classifies > 1,
	   "workers' classification fails: the writer classifies again, same bytes");
	s.fail_worker_classify = false;
	synth_worker_reads(&s, false);
	s.reads = s.worker_reads = 0;
	run(&s, COMP_ZLIB, 1, 4, b, &res2);
	ok(wt_same_file(a, b) && s.worker_reads == 0 && s.reads > 0,
	   "4 threads, source without worker readers: the writer reads, same bytes");
	synth_worker_reads(&s, true);

	/* zero-copy reads (pages compressed straight from the source's
	 * mapping): the same bytes, inline and with workers, also when some
	 * map calls are refused and those runs are read instead */
	synth_maps(&s, true);
	for (unsigned t = 1; t <= 4; t += 3) {
		s.maps = s.map_calls = 0;
		run(&s, COMP_ZLIB, 1, t, b, &res2);
		ok(wt_same_file(a, b) && s.maps > 0,
		   "%u thread(s), pages compressed from the source's mapping (%llu maps): same bytes",
		   t, (unsigned long long)s.maps);
		s.map_refuse_every = 3;
		s.maps = s.map_calls = 0;
		run(&s, COMP_ZLIB, 1, t, b, &res2);
		ok(wt_same_file(a, b) && s.maps > 0 && s.maps < s.map_calls,
		   "%u thread(s), every 3rd map refused (%llu of %llu mapped): same bytes",
		   t, (unsigned long long)s.maps, (unsigned long long)s.map_calls);
		s.map_refuse_every = 0;
	}
	/* lzo -d 0 keeps incompressible pages as they are: copied out of the
	 * mapping before the next run replaces it */
	{
		const char *m0 = wt_path("m0"), *m1 = wt_path("m1");

		synth_maps(&s, false);
		run(&s, COMP_LZO, 0, 2, m0, &res2);
		synth_maps(&s, true);
		s.maps = 0;
		run(&s, COMP_LZO, 0, 2, m1, &res2);
		ok(wt_same_file(m0, m1) && s.maps > 0,
		   "lzo -d 0 with raw (incompressible) pages: mapped = read, same bytes");
	}
	synth_maps(&s, false);

	/* no bitmap cache: classify again per pass, same bytes */
	wr_opts_init(&o);
	o.comp = COMP_ZLIB;
	o.dump_level = 1;
	o.threads = 3;
	o.cycle_pfns = 32768;
	o.bitmap_cache_bytes = 0;
	r = wt_write(&s.src, &o, b, false, &res2, &err);
	ok(r == 0 && wt_same_file(a, b), "no bitmap cache: same bytes (%s)", r ? err.msg : "ok");

	/* flattened == file after reassembly */
	r = wt_write(&s.src, &o, b, true, &res2, &err);
	{
		char cmd[600];
		const char *c = wt_path("re");

		ok(r == 0, "flattened written (%s)", r ? err.msg : "ok");
		snprintf(cmd, sizeof(cmd), "makedumpfile -R '%s' < '%s' >/dev/null 2>&1", c, b);
		if (system("command -v makedumpfile >/dev/null 2>&1") == 0) {
			ok(system(cmd) == 0 && wt_same_file(a, c),
			   "flattened, reassembled by makedumpfile -R, equals the file output");
		}
	}

	/* snappy absent: clear error */
	if (!HAVE_SNAPPY) {
		o.comp = COMP_SNAPPY;
		r = wt_write(&s.src, &o, b, false, &res2, &err);
		ok(r == -ENOSYS && strstr(err.msg, "not built with snappy"),
		   "snappy absent: -ENOSYS, \"%s\"", err.msg);
	}

	/* incomplete: the file may not grow past a limit (EFBIG, like ENOSPC) */
	{
		struct rlimit old, lim;
		const char *c = wt_path("inc");

		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &old);
		lim = old;
		lim.rlim_cur = 30 << 20;
		setrlimit(RLIMIT_FSIZE, &lim);
		wr_opts_init(&o);
		o.comp = COMP_LZO;
		o.dump_level = 0;
		o.threads = 2;
		o.cycle_pfns = 32768;
		r = wt_write(&s.src, &o, c, false, &res, &err);
		setrlimit(RLIMIT_FSIZE, &old);
		ok(r == 0 && res.incomplete && res.io_error == EFBIG &&
		   res.pages_written < res.pages_kept,
		   "full disk: stops cleanly, flagged (%llu of %llu pages, %s)",
		   (unsigned long long)res.pages_written,
		   (unsigned long long)res.pages_kept, r ? err.msg : strerror(res.io_error));
		check_file(&s, c, &o, true, "incomplete lzo -d 0");

		/* a read error on one page: that page is lost, the dump goes on, flagged */
		s.fail_read_pfn = 20000;
		o.threads = 1;
		r = wt_write(&s.src, &o, c, false, &res, &err);
		ok(r == 0 && res.incomplete && res.io_error == EIO && res.pages_unreadable == 1 &&
		   res.unreadable_pfn[0] == 20000,
		   "source read error: incomplete, %llu unreadable page(s), first pfn %llu",
		   (unsigned long long)res.pages_unreadable, (unsigned long long)res.unreadable_pfn[0]);
		unreadable_pfn = 20000;
		check_file(&s, c, &o, true, "read error lzo -d 0");

		/* the same with the workers reading */
		o.threads = 3;
		s.worker_reads = 0;
		r = wt_write(&s.src, &o, b, false, &res2, &err);
		ok(r == 0 && res2.incomplete && res2.io_error == EIO &&
		   res2.pages_unreadable == 1 && res2.unreadable_pfn[0] == 20000 &&
		   s.worker_reads > 0,
		   "source read error in a worker: incomplete, %llu unreadable page(s), first pfn %llu",
		   (unsigned long long)res2.pages_unreadable,
		   (unsigned long long)res2.unreadable_pfn[0]);
		check_file(&s, b, &o, true, "read error in a worker, lzo -d 0");
		ok(wt_same_file(b, c), "read error: workers reading = writer reading, same bytes");

		/* and with zero-copy reads offered (the bad run is not mappable) */
		synth_maps(&s, true);
		for (unsigned t = 1; t <= 3; t += 2) {
			o.threads = t;
			s.maps = 0;
			r = wt_write(&s.src, &o, b, false, &res2, &err);
			ok(r == 0 && res2.incomplete && res2.pages_unreadable == 1 &&
			   res2.unreadable_pfn[0] == 20000 && s.maps > 0 && wt_same_file(b, c),
			   "read error, %u thread(s), mapped reads: that page lost, same bytes", t);
		}
		synth_maps(&s, false);
		unreadable_pfn = -1;
		s.fail_read_pfn = -1;
	}
	/* the checker rejects broken files (each mutation of a good one) */
	{
		const char *good = wt_path("good"), *m = wt_path("mut");
		static const struct { uint64_t off; uint8_t val; const char *what; } mut[] = {
			{ 0, 'X', "signature" },
			{ 416, 1, "tv_usec (libkdumpfile would misread the layout)" },
			{ 436, 0x7f, "bitmap_blocks" },
			{ 4096 + 96, 0xff, "max_mapnr_64" },
		};

		wr_opts_init(&o);
		o.comp = COMP_ZLIB;
		o.dump_level = 31;
		r = wt_write(&s.src, &o, good, false, &res, &err);
		for (size_t i = 0; i < sizeof(mut) / sizeof(mut[0]); i++) {
			char cmd[600];
			int fd;
			wr_kdr *kr = NULL;

			snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", good, m);
			(void)!system(cmd);
			fd = open(m, O_RDWR);
			(void)!pwrite(fd, &mut[i].val, 1, (off_t)mut[i].off);
			r = wr_kdr_open(fd, &kr, &err);
			ok(r < 0, "corrupt %s: rejected (%s)", mut[i].what, r < 0 ? err.msg : "accepted!");
			wr_kdr_close(kr);
			close(fd);
		}
		/* truncated in the middle of the data, without the flag */
		{
			struct stat st;
			int fd;
			wr_kdr *kr = NULL;
			uint64_t bad = 0;

			stat(good, &st);
			if (truncate(good, st.st_size / 2) == 0 && (fd = open(good, O_RDONLY)) >= 0) {
				if (wr_kdr_open(fd, &kr, &err) == 0) {
					for (uint64_t p = 0; p < s.src.max_mapnr; p++)
						if (wr_kdr_kept(kr, p) && wr_kdr_read(kr, p, page, &err) < 0)
							bad++;
					wr_kdr_close(kr);
				}
				close(fd);
				ok(bad > 0, "truncated file without the flag: %llu pages reported bad",
				   (unsigned long long)bad);
			}
		}
	}

	/* --split: two files, each with its pfn range in the sub header and
	 * only its range's pages; together they hold every kept page */
	{
		uint64_t mid = s.src.max_mapnr / 2, got = 0, bad = 0, want_kept = 0;
		const char *f[2] = { wt_path("s1"), wt_path("s2") };

		for (int k = 0; k < 2; k++) {
			wr_opts_init(&o);
			o.comp = COMP_ZSTD;
			o.dump_level = 31;
			o.cycle_pfns = 32768;
			o.split = true;
			o.split_start = k ? mid : 0;
			o.split_end = k ? s.src.max_mapnr : mid;
			r = wt_write(&s.src, &o, f[k], false, &res, &err);
			ok(r == 0, "split file %d written (%s)", k, r ? err.msg : "ok");
		}
		for (int k = 0; k < 2; k++) {
			int fd = open(f[k], O_RDONLY);
			wr_kdr *kr = NULL;

			if (!ok(wr_kdr_open(fd, &kr, &err) == 0, "split file %d opens", k)) {
				close(fd);
				continue;
			}
			ok(wr_kdr_info(kr)->split == 1 &&
			   wr_kdr_info(kr)->start_pfn == (k ? mid : 0) &&
			   wr_kdr_info(kr)->end_pfn == (k ? s.src.max_mapnr : mid),
			   "split file %d: split 1, range %llu..%llu", k,
			   (unsigned long long)wr_kdr_info(kr)->start_pfn,
			   (unsigned long long)wr_kdr_info(kr)->end_pfn);
			for (uint64_t p = 0; p < s.src.max_mapnr; p++) {
				if (!wr_kdr_kept(kr, p))
					continue;
				if ((p >= mid) != k)
					bad++;
				got++;
				synth_page(p, want);
				if (wr_kdr_read(kr, p, page, &err) || memcmp(page, want, 4096))
					bad++;
			}
			wr_kdr_close(kr);
			close(fd);
		}
		for (uint64_t p = 0; p < s.src.max_mapnr; p++)
			want_kept += synth_class(&s, p) == SC_KERNEL;
		ok(bad == 0 && got == want_kept, "split files hold %llu pages of %llu, %llu bad",
		   (unsigned long long)got, (unsigned long long)want_kept, (unsigned long long)bad);
	}
	wt_cleanup();
	return tap_done();
}
