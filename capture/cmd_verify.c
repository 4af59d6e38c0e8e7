/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap verify (owner: writers): check a dump's structure and read every
 * page back. kdump-compressed files go through the strict checker of
 * filter/wr_check.c (every header field, both bitmaps, every descriptor and
 * every page's decompression); ELF and flattened dumps through libelfcore.
 * Exit: 0 sound and complete, 3 sound but flagged incomplete, 1 corrupt.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "writer.h"

static int verify_kdump(const char *path, int fd, bool quiet)
{
	struct ec_err err = { 0 };
	const struct wr_kdr_info *in;
	wr_kdr *r;
	uint8_t *buf;
	uint64_t ok = 0, lost = 0, bad = 0;
	int e;

	e = wr_kdr_open(fd, &r, &err);
	if (e < 0) {
		fprintf(stderr, "crashcap verify: %s: %s\n", path, err.msg);
		return EXIT_FAIL;
	}
	in = wr_kdr_info(r);
	buf = malloc(in->block);
	if (!buf) {
		wr_kdr_close(r);
		return EXIT_FAIL;
	}
	for (uint64_t pfn = 0; pfn < in->max_mapnr; pfn++) {
		if (!wr_kdr_kept(r, pfn))
			continue;
		e = wr_kdr_read(r, pfn, buf, &err);
		if (e == 0)
			ok++;
		else if (e == -ENOENT)
			lost++;
		else if (bad++ < 10)
			fprintf(stderr, "crashcap verify: %s: %s\n", path, err.msg);
	}
	if (!quiet)
		printf("%s: kdump-compressed, header v%u, %s %s, status 0x%x%s, dump level %d, "
		       "%llu pfns, %llu in memory, %llu kept: %llu read back, %llu lost, %llu bad\n",
		       path, in->header_version, in->utsname[2], in->utsname[4], in->status,
		       in->status & KDUMP_ST_INCOMPLETE ? " (INCOMPLETE)" : "", in->dump_level,
		       (unsigned long long)in->max_mapnr, (unsigned long long)in->present,
		       (unsigned long long)in->kept, (unsigned long long)ok,
		       (unsigned long long)lost, (unsigned long long)bad);
	e = bad ? EXIT_FAIL : (in->status & KDUMP_ST_INCOMPLETE) ? EXIT_INCOMPLETE : EXIT_OK;
	free(buf);
	wr_kdr_close(r);
	return e;
}

static int verify_other(const char *path, bool quiet)
{
	struct ec_err err = { 0 };
	const struct ec_load *l;
	ec_dump *d;
	uint8_t *buf;
	size_t n;
	uint32_t ps;
	uint64_t ok = 0, absent = 0, bad = 0;
	int e;

	e = ec_open(path, EC_OPEN_TRUNCATED_OK, &d, &err);
	if (e < 0) {
		fprintf(stderr, "crashcap verify: %s\n", err.msg);
		return EXIT_FAIL;
	}
	ps = ec_page_size(d);
	buf = malloc(ps);
	l = ec_loads(d, &n);
	for (size_t i = 0; buf && i < n; i++) {
		for (uint64_t pa = l[i].paddr / ps * ps; pa < l[i].paddr + l[i].memsz; pa += ps) {
			uint64_t a = pa < l[i].paddr ? l[i].paddr : pa;
			uint64_t b = pa + ps < l[i].paddr + l[i].memsz ? pa + ps : l[i].paddr + l[i].memsz;

			e = ec_read_phys(d, a, buf, (size_t)(b - a), &err);
			if (e == 0)
				ok++;
			else if (e == -ENODATA)
				absent++;
			else if (bad++ < 10)
				fprintf(stderr, "crashcap verify: %s\n", err.msg);
		}
	}
	if (!quiet)
		printf("%s: %s%s%s, %zu segments, %llu pages read back, %llu not in the file, %llu bad\n",
		       path, ec_format(d) == EC_FMT_FLAT ? "flattened " : "",
		       (ec_format(d) == EC_FMT_FLAT ? ec_inner_format(d) : ec_format(d)) == EC_FMT_ELF
		       ? "ELF" : "kdump-compressed",
		       ec_incomplete(d) ? " (INCOMPLETE)" : "", n,
		       (unsigned long long)ok, (unsigned long long)absent, (unsigned long long)bad);
	e = bad || !buf ? EXIT_FAIL : ec_incomplete(d) ? EXIT_INCOMPLETE : EXIT_OK;
	free(buf);
	ec_close(d);
	return e;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false;
	char sig[8];
	int c, fd, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = true; break;
		case 'h':
			printf("usage: crashcap verify [-q] DUMP\n");
			return EXIT_OK;
		default:
			fprintf(stderr, "crashcap verify: unknown option '%s'\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: crashcap verify [-q] DUMP\n");
		return EXIT_USAGE;
	}
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "crashcap verify: %s: %s\n", argv[optind], strerror(errno));
		return EXIT_FAIL;
	}
	if (pread(fd, sig, 8, 0) == 8 && !memcmp(sig, KDUMP_SIGNATURE, 8))
		rc = verify_kdump(argv[optind], fd, quiet);
	else
		rc = verify_other(argv[optind], quiet);
	close(fd);
	return rc;
}
