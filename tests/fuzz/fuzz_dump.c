/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dump readers (libelfcore): ELF core headers and notes, kdump-compressed,
 * flattened. The input is opened through ec_open() like any dump file (from
 * a memfd), then every accessor is exercised and a bounded number of pages
 * is read (decompression included). With FUZZ_FLAT the input also goes
 * through ec_flat_reassemble() into a second memfd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfcore.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct ec_err err;
	ec_dump *d = NULL;
	int fd = fuzz_memfd(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
#ifdef FUZZ_FLAT
	{
		char opath[64];
		int ofd = fuzz_memfd(NULL, 0, opath, sizeof(opath));

		if (ofd >= 0) {
			lseek(fd, 0, SEEK_SET);
			(void)ec_flat_reassemble(fd, ofd, &err);
			close(ofd);
		}
	}
#endif
	for (unsigned flags = 0; flags <= EC_OPEN_NO_MMAP; flags += EC_OPEN_NO_MMAP) {
		if (ec_open(path, flags, &d, &err) < 0)
			continue;
		size_t nl = 0, nn = 0, ncpu;
		const struct ec_load *l = ec_loads(d, &nl);
		const void *notes = ec_notes(d, &nn);
		const ec_vmcoreinfo *vi = ec_vmcoreinfo_of(d);
		struct ec_kdump_info ki;
		uint8_t page[4096];
		unsigned reads = 0;

		(void)notes;
		(void)ec_format(d);
		(void)ec_inner_format(d);
		(void)ec_elf_class(d);
		(void)ec_machine(d);
		(void)ec_incomplete(d);
		(void)ec_truncated(d);
		(void)ec_page_size(d);
		(void)ec_crash_time(d);
		(void)ec_release(d);
		(void)ec_kdump_info(d, &ki);
		ncpu = ec_nr_cpus(d);
		for (size_t c = 0; c < ncpu && c < 64; c++)
			(void)ec_prstatus(d, c);
		if (vi) {
			size_t tl;
			uint64_t v;

			(void)ec_vmci_text(vi, &tl);
			(void)ec_vmci_get(vi, "OSRELEASE");
			(void)ec_vmci_symbol(vi, "swapper_pg_dir", &v);
		}
		if (ec_max_pfn(d) < (1u << 16))
			(void)ec_pages_present(d);
		/* a few pages from each load: start, middle, last byte */
		for (size_t i = 0; i < nl && reads < 64; i++) {
			uint64_t at[3] = { l[i].paddr, l[i].paddr + l[i].memsz / 2,
					   l[i].memsz ? l[i].paddr + l[i].memsz - 1 : l[i].paddr };

			for (int k = 0; k < 3; k++, reads++) {
				(void)ec_pfn_present(d, at[k] / 4096);
				(void)ec_read_phys(d, at[k] & ~4095ull, page, sizeof(page), &err);
			}
			(void)ec_read_phys(d, at[1], page, 100, &err);
		}
		ec_close(d);
		d = NULL;
	}
	close(fd);
	return 0;
}
