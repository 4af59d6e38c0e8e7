/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF writer (-E) on a synthetic source, checked with libelfcore's reader:
 * every kept page is in the file with its bytes, dropped runs inside a
 * segment are < 256 pages, gaps between segments are >= 256 dropped pages,
 * segments tile each source PT_LOAD; flattened == file after reassembly;
 * an incomplete file (RLIMIT_FSIZE) has e_flags 1, zeroed later phdrs and
 * readable written pages.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include "tap.h"
#include "synth.h"
#include "wtest.h"

#define NPAGES 9000

static bool kept_at(struct synth *s, uint64_t pfn, int level)
{
	int c = synth_class(s, pfn);

	if (c == SC_HOLE || (c == SC_CACHE && (level & 6)) ||
	    (c == SC_USER && (level & 8)) || (c == SC_FREE && (level & 16)))
		return false;
	return !((level & 1) && synth_content(pfn) == 0);
}

static void check(struct synth *s, const char *path, int level, bool incomplete)
{
	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	const struct ec_load *l;
	size_t n;
	uint8_t pg[4096], want[4096];
	uint64_t bad = 0, missing = 0, inrun = 0, shortgap = 0, readable = 0;
	int r = ec_open(path, EC_OPEN_TRUNCATED_OK, &d, &err);

	if (!ok(r == 0, "-d %d%s: opens (%s)", level, incomplete ? " incomplete" : "",
		r ? err.msg : "ok"))
		return;
	ok(ec_incomplete(d) == incomplete, "-d %d: incomplete flag %d", level, ec_incomplete(d));
	l = ec_loads(d, &n);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = l[i].paddr / 4096, b = (l[i].paddr + l[i].filesz) / 4096, run = 0;

		for (uint64_t p = a; p < b; p++) {
			r = ec_read_phys(d, p * 4096, pg, 4096, &err);
			synth_page(p, want);
			if (r || memcmp(pg, want, 4096))
				bad++;
			else
				readable++;
			run = kept_at(s, p, level) ? 0 : run + 1;
			if (run >= 256)
				inrun++;
		}
		/* the gap to the next segment of the same load: >= 256 dropped */
		if (!incomplete && i + 1 < n && l[i + 1].paddr == l[i].paddr + l[i].memsz &&
		    l[i].memsz - l[i].filesz < 256 * 4096)
			shortgap++;
	}
	if (!incomplete)
		for (uint64_t p = 0; p < s->src.max_mapnr; p++)
			if (kept_at(s, p, level) && !ec_pfn_present(d, p))
				missing++;
	ok(bad == 0, "-d %d: %llu pages in file ranges read back with their bytes (%llu bad)",
	   level, (unsigned long long)readable, (unsigned long long)bad);
	ok(inrun == 0, "-d %d: no run of >= 256 dropped pages written", level);
	ok(shortgap == 0, "-d %d: every split drops >= 256 pages", level);
	if (!incomplete)
		ok(missing == 0, "-d %d: every kept page is in the file (%llu missing)", level,
		   (unsigned long long)missing);
	ec_close(d);
}

int main(void)
{
	struct synth s;
	struct wr_result res;
	struct wr_opts o;
	struct ec_err err = { 0 };
	int r;

	synth_init(&s, NPAGES);
	for (int level = 0; level <= 31; level += 31) {
		for (int lv = level; lv <= level + (level ? 0 : 1); lv++) {
			wr_opts_init(&o);
			o.format = WR_ELF;
			o.dump_level = lv;
			r = wt_write(&s.src, &o, wt_path("e"), false, &res, &err);
			ok(r == 0 && !res.incomplete, "-E -d %d written: %llu segments, %llu pages (%s)",
			   lv, (unsigned long long)res.segments, (unsigned long long)res.pages_kept,
			   r ? err.msg : "ok");
			check(&s, wt_path("e"), lv, false);
		}
	}
	ok(res.segments > 2, "-d 31 splits the loads (%llu segments)", (unsigned long long)res.segments);

	/* flattened, reassembled by libelfcore == file */
	wr_opts_init(&o);
	o.format = WR_ELF;
	o.dump_level = 31;
	r = wt_write(&s.src, &o, wt_path("f"), true, &res, &err);
	{
		int in = open(wt_path("f"), O_RDONLY), out = open(wt_path("r"), O_RDWR | O_CREAT | O_TRUNC, 0644);

		r = r ? r : ec_flat_reassemble(in, out, &err);
		close(in);
		close(out);
		ok(r == 0 && wt_same_file(wt_path("e"), wt_path("r")),
		   "-E -F reassembled equals -E (%s)", r ? err.msg : "ok");
	}

	/* incomplete */
	{
		struct rlimit old, lim;

		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &old);
		lim = old;
		lim.rlim_cur = 6 << 20;
		setrlimit(RLIMIT_FSIZE, &lim);
		wr_opts_init(&o);
		o.format = WR_ELF;
		o.dump_level = 0;
		r = wt_write(&s.src, &o, wt_path("i"), false, &res, &err);
		setrlimit(RLIMIT_FSIZE, &old);
		ok(r == 0 && res.incomplete && res.io_error == EFBIG,
		   "full disk: stops cleanly, flagged (%llu of %llu pages)",
		   (unsigned long long)res.pages_written, (unsigned long long)res.pages_kept);
		check(&s, wt_path("i"), 0, true);
	}
	wt_cleanup();
	return tap_done();
}
