/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * present_pfns DUMP: the pfns whose page a dump holds with non-zero bytes, as
 * half-open decimal ranges "START END" per line (through libelfcore, so it
 * reads kdump files of either header layout, e.g. an i386 makedumpfile's).
 * All-zero pages are left out: makedumpfile may keep late-found zero pages
 * as references to its shared zero page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfcore.h"

int main(int argc, char **argv)
{
	struct ec_err err = { 0 };
	static uint8_t page[65536];
	uint64_t run = 0, maxpfn;
	bool in = false;
	uint32_t ps;
	ec_dump *d;

	if (argc != 2) {
		fprintf(stderr, "usage: present_pfns DUMP\n");
		return 2;
	}
	if (ec_open(argv[1], 0, &d, &err) < 0) {
		fprintf(stderr, "present_pfns: %s\n", err.msg);
		return 1;
	}
	ps = ec_page_size(d);
	maxpfn = ec_max_pfn(d);
	if (ps > sizeof(page)) {
		ec_close(d);
		return 1;
	}
	for (uint64_t pfn = 0; pfn <= maxpfn; pfn++) {
		bool have = pfn < maxpfn && ec_pfn_present(d, pfn) &&
			    ec_read_phys(d, pfn * ps, page, ps, &err) == 0;
		if (have) {
			have = false;
			for (uint32_t i = 0; i < ps && !have; i++)
				have = page[i] != 0;
		}
		if (have && !in) {
			run = pfn;
			in = true;
		} else if (!have && in) {
			printf("%llu %llu\n", (unsigned long long)run, (unsigned long long)pfn);
			in = false;
		}
	}
	ec_close(d);
	return 0;
}
