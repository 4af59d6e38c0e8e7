/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oldmem_cmp VMCORE OLDMEM HDR: open OLDMEM (a raw physical-memory image, as
 * /dev/oldmem gives it) with the elfcorehdr HDR through ec_open_oldmem(), and
 * VMCORE (/proc/vmcore as saved) through ec_open(); both must describe the
 * same memory: class, machine, ranges, CPUs (pid and registers), VMCOREINFO,
 * and every page's bytes. TAP on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "elfcore.h"

int main(int argc, char **argv)
{
	struct ec_err err = { 0 };
	ec_dump *v = NULL, *o = NULL;
	static uint8_t hdr[1 << 20];
	uint8_t a[4096], b[4096];
	const struct ec_load *lv, *lo;
	size_t nv, no, hl;
	uint64_t pages = 0, same = 0, first_bad = UINT64_MAX;
	int fd, r;

	if (argc != 4) {
		fprintf(stderr, "usage: oldmem_cmp VMCORE OLDMEM HDR\n");
		return 2;
	}
	fd = open(argv[3], O_RDONLY);
	r = fd < 0 ? -1 : (int)read(fd, hdr, sizeof(hdr));
	if (fd >= 0)
		close(fd);
	if (!ok(r > 0, "read elfcorehdr %s (%d bytes)", argv[3], r))
		return tap_done();
	hl = (size_t)r;
	r = ec_open(argv[1], 0, &v, &err);
	if (!ok(r == 0, "ec_open %s: %s", argv[1], r ? err.msg : "ok"))
		return tap_done();
	r = ec_open_oldmem(argv[2], hdr, hl, 0, &o, &err);
	if (!ok(r == 0, "ec_open_oldmem %s: %s", argv[2], r ? err.msg : "ok"))
		return tap_done();
	ok(ec_elf_class(o) == ec_elf_class(v) && ec_machine(o) == ec_machine(v),
	   "class %d machine %u (vmcore: %d %u)", ec_elf_class(o), ec_machine(o), ec_elf_class(v), ec_machine(v));
	lv = ec_loads(v, &nv);
	lo = ec_loads(o, &no);
	r = nv == no;
	for (size_t i = 0; r && i < nv; i++)
		r = lv[i].paddr == lo[i].paddr && lv[i].memsz == lo[i].memsz && lv[i].vaddr == lo[i].vaddr;
	ok(r, "%zu memory ranges, same paddr/vaddr/size as the vmcore's %zu", no, nv);
	ok(ec_nr_cpus(o) == ec_nr_cpus(v), "%zu CPUs (vmcore %zu)", ec_nr_cpus(o), ec_nr_cpus(v));
	for (size_t c = 0; c < ec_nr_cpus(o) && c < ec_nr_cpus(v); c++) {
		const struct ec_prstatus *x = ec_prstatus(o, c), *y = ec_prstatus(v, c);
		ok(x->pid == y->pid && x->nregs == y->nregs && !memcmp(x->regs, y->regs, sizeof(x->regs)),
		   "cpu %zu: pid %d, %u registers equal", c, x->pid, x->nregs);
	}
	ok(ec_release(o) && ec_release(v) && !strcmp(ec_release(o), ec_release(v)),
	   "VMCOREINFO OSRELEASE %s", ec_release(o) ? ec_release(o) : "(none)");
	for (size_t i = 0; i < nv; i++) {
		for (uint64_t p = lv[i].paddr; p < lv[i].paddr + lv[i].memsz; p += sizeof(a)) {
			size_t n = sizeof(a);
			int r1, r2;

			if (p + n > lv[i].paddr + lv[i].memsz)
				n = (size_t)(lv[i].paddr + lv[i].memsz - p);
			r1 = ec_read_phys(v, p, a, n, &err);
			r2 = ec_read_phys(o, p, b, n, &err);
			pages++;
			if (r1 == 0 && r2 == 0 && !memcmp(a, b, n))
				same++;
			else if (first_bad == UINT64_MAX)
				first_bad = p;
		}
	}
	ok(pages && same == pages, "%llu of %llu pages read equal through /dev/oldmem+elfcorehdr and /proc/vmcore%s",
	   (unsigned long long)same, (unsigned long long)pages, same == pages ? "" : " (first difference below)");
	if (first_bad != UINT64_MAX)
		diag("first differing page at paddr 0x%llx", (unsigned long long)first_bad);
	ec_close(o);
	ec_close(v);
	return tap_done();
}
