/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kept-pfns: print the pfns crashcap keeps at a dump level, as half-open
 * decimal ranges "START END" one per line, so they can be compared with
 * makedumpfile's bitmap (tests/filter/mdf-kept.py). With level bit 1, kept
 * pages are read and zero-filled ones dropped, as the writers do.
 *   kept-pfns [-c CYCLE_PFNS] [-s] -d LEVEL DUMP
 * -s prints per-class counts, time and peak RSS to stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "filter.h"

int main(int argc, char **argv)
{
	uint64_t cycle = (uint64_t)FL_DEFAULT_CYCLE_BYTES * 8;
	int level = -1, c;
	bool stats = false;

	while ((c = getopt(argc, argv, "c:d:s")) != -1) {
		switch (c) {
		case 'c': cycle = strtoull(optarg, NULL, 0); break;
		case 'd': level = atoi(optarg); break;
		case 's': stats = true; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc || level < 0 || level > DL_MAX || cycle == 0) {
		fprintf(stderr, "usage: kept-pfns [-c CYCLE_PFNS] [-s] -d LEVEL DUMP\n");
		return 2;
	}
	struct ec_err err = { 0 };
	ec_dump *d;
	km *m;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ec_open(argv[optind], 0, &d, &err) < 0 || km_create(d, &m, &err) < 0) {
		fprintf(stderr, "kept-pfns: %s\n", err.msg);
		return 1;
	}
	uint64_t max = ec_max_pfn(d), run = UINT64_MAX;
	uint32_t psz = ec_page_size(d);
	uint8_t *bm = malloc((cycle + 7) / 8), *page = malloc(psz);
	struct fl_stats tot = { 0 }, st;

	if (!bm || !page)
		return 1;
	for (uint64_t s = 0; s < max; s += cycle) {
		uint64_t e = s + cycle < max ? s + cycle : max;

		if (fl_classify(m, level, s, e, bm, &st, &err) < 0) {
			fprintf(stderr, "kept-pfns: %s\n", err.msg);
			return 1;
		}
		tot.total += st.total; tot.kept += st.kept; tot.cache += st.cache;
		tot.cache_priv += st.cache_priv; tot.user += st.user; tot.free += st.free;
		tot.hwpoison += st.hwpoison; tot.offline += st.offline; tot.hole += st.hole;
		tot.unreadable += st.unreadable;
		for (uint64_t p = s; p <= e; p++) {
			bool keep = p < e && (bm[(p - s) >> 3] & (1u << ((p - s) & 7)));

			if (keep && (level & DL_ZERO)) {
				if (ec_read_phys(d, p * psz, page, psz, &err) == 0 &&
				    fl_page_is_zero(page, psz)) {
					keep = false;
					tot.zero++;
				}
			}
			if (p == e)
				break;   /* runs may continue into the next cycle */
			if (keep && run == UINT64_MAX)
				run = p;
			if (!keep && run != UINT64_MAX) {
				printf("%llu %llu\n", (unsigned long long)run, (unsigned long long)p);
				run = UINT64_MAX;
			}
		}
	}
	if (run != UINT64_MAX)
		printf("%llu %llu\n", (unsigned long long)run, (unsigned long long)max);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stats) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "level %d: total %llu hole %llu kept %llu zero %llu cache %llu "
			"cache_priv %llu user %llu free %llu hwpoison %llu offline %llu unreadable %llu\n",
			level, (unsigned long long)tot.total, (unsigned long long)tot.hole,
			(unsigned long long)(tot.kept - tot.zero), (unsigned long long)tot.zero,
			(unsigned long long)tot.cache, (unsigned long long)tot.cache_priv,
			(unsigned long long)tot.user, (unsigned long long)tot.free,
			(unsigned long long)tot.hwpoison, (unsigned long long)tot.offline,
			(unsigned long long)tot.unreadable);
		fprintf(stderr, "seconds %.3f maxrss_kib %ld\n",
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			ru.ru_maxrss);
	}
	free(bm);
	free(page);
	km_destroy(m);
	ec_close(d);
	return 0;
}
