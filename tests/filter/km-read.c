/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * km-read: answer read requests through the kernel model, for comparing its
 * translation with another implementation (tests/filter/xlat-check.py).
 * stdin lines:  "v VADDR LEN"  -> "v VADDR HEX" (or "v VADDR ERR")
 *               "p PFN"        -> "p PFN VADDR HEX" of its struct page (or ERR)
 * Numbers are hex (0x optional).  usage: km-read DUMP
 */
#include <stdio.h>
#include <stdlib.h>
#include "km_internal.h"

static void hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
}

int main(int argc, char **argv)
{
	struct ec_err err = { 0 };
	ec_dump *d;
	km *m;
	char line[256];
	uint8_t buf[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: km-read DUMP < requests\n");
		return 2;
	}
	if (ec_open(argv[1], 0, &d, &err) < 0 || km_create(d, &m, &err) < 0) {
		fprintf(stderr, "km-read: %s\n", err.msg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long a, n;

		if (sscanf(line, "v %llx %llx", &a, &n) == 2 && n <= sizeof(buf)) {
			printf("v %llx ", a);
			if (km_read_virt(m, a, buf, n, &err) == 0)
				hex(buf, n);
			else
				printf("ERR");
		} else if (sscanf(line, "p %llx", &a) == 1) {
			uint64_t va = m->classify_ok ? km_pfn_to_page(m, a) : 0;

			printf("p %llx %llx ", a, (unsigned long long)va);
			if (va && m->pg.size <= sizeof(buf) &&
			    km_read_virt(m, va, buf, m->pg.size, &err) == 0)
				hex(buf, m->pg.size);
			else
				printf("ERR");
		} else {
			continue;
		}
		printf("\n");
	}
	km_destroy(m);
	ec_close(d);
	return 0;
}
