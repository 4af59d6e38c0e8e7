/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ecread: libelfcore's physical-memory view for scripts.
 *   ecread pages DUMP        pfns on stdin (one per line) -> for each, on stdout:
 *                            'D' + page bytes | 'X' (not in dump) | 'E' msg '\n'
 *   ecread seq DUMP [mmap|pread] [CHUNK]
 *                            read every PT_LOAD range in order; prints
 *                            "bytes SECONDS" (the benchmark's libelfcore side)
 *   ecread reassemble IN OUT  flattened IN -> OUT (ec_flat_reassemble)
 *   ecread cmp DUMP SOURCE   every page DUMP holds must equal SOURCE's page;
 *                            prints "same N absent M differ K", exit 1 if K
 *   ecread copy DUMP OUT [packed]
 *                            rewrite DUMP through ec_writer (vmcore-like or
 *                            makedumpfile -E packed layout), all PT_LOAD data
 */
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "elfcore.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pages(ec_dump *d)
{
	uint32_t ps = ec_page_size(d);
	uint8_t *buf = malloc(ps);
	char line[64];
	struct ec_err err;

	while (fgets(line, sizeof(line), stdin)) {
		uint64_t pfn = strtoull(line, NULL, 0);
		int r = ec_read_phys(d, pfn * ps, buf, ps, &err);
		if (r == 0) {
			putchar('D');
			fwrite(buf, 1, ps, stdout);
		} else if (r == -ENODATA) {
			putchar('X');
		} else {
			printf("E%s\n", err.msg);
		}
	}
	free(buf);
	return 0;
}

static int seq(ec_dump *d, size_t chunk)
{
	size_t n;
	const struct ec_load *l = ec_loads(d, &n);
	uint8_t *buf = malloc(chunk);
	uint64_t total = 0, sum = 0;
	struct ec_err err;
	double t0 = now();

	for (size_t i = 0; i < n; i++) {
		for (uint64_t off = 0; off < l[i].filesz; off += chunk) {
			size_t len = l[i].filesz - off < chunk ? (size_t)(l[i].filesz - off) : chunk;
			int r = ec_read_phys(d, l[i].paddr + off, buf, len, &err);
			if (r < 0 && r != -ENODATA) {
				fprintf(stderr, "ecread: %s\n", err.msg);
				return 1;
			}
			sum += buf[0] + buf[len - 1];   /* keep the reads observable */
			total += len;
		}
	}
	printf("%llu %.6f %llu\n", (unsigned long long)total, now() - t0, (unsigned long long)sum % 7);
	free(buf);
	return 0;
}

static int cmp(ec_dump *a, const char *src)
{
	struct ec_err err = { 0 };
	ec_dump *b;
	uint32_t ps = ec_page_size(a);
	uint8_t *x = malloc(ps), *y = malloc(ps);
	uint64_t same = 0, absent = 0, differ = 0;

	if (ec_open(src, 0, &b, &err) < 0) {
		fprintf(stderr, "ecread: %s\n", err.msg);
		return 1;
	}
	for (uint64_t p = 0; p < ec_max_pfn(a); p++) {
		int ra = ec_read_phys(a, p * ps, x, ps, &err);
		if (ra == -ENODATA) {
			absent++;
			continue;
		}
		int rb = ec_read_phys(b, p * ps, y, ps, &err);
		if (ra < 0 || rb < 0 || memcmp(x, y, ps)) {
			if (differ++ < 5)
				fprintf(stderr, "ecread: pfn 0x%llx differs (%d/%d)\n", (unsigned long long)p, ra, rb);
		} else {
			same++;
		}
	}
	printf("same %llu absent %llu differ %llu\n", (unsigned long long)same,
	       (unsigned long long)absent, (unsigned long long)differ);
	ec_close(b);
	free(x);
	free(y);
	return differ != 0;
}

static ssize_t fd_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(*(int *)ctx, buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

static int copy(ec_dump *d, const char *out, bool packed)
{
	size_t n, nl;
	const struct ec_load *l = ec_loads(d, &n);
	const void *notes = ec_notes(d, &nl);
	struct ec_writer_params p = {
		.elf_class = ec_elf_class(d), .machine = ec_machine(d), .notes = notes,
		.notes_len = nl, .note_align = ec_note_align(d), .loads = l, .nr_loads = n,
		.page_align_data = !packed,
	};
	struct ec_writer_ops ops = { .pwrite = fd_pwrite };
	struct ec_err err = { 0 };
	ec_writer *w = NULL;
	uint8_t *buf = malloc(1 << 20);
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600), r;

	r = ec_writer_create(&p, &ops, &fd, &w, &err);
	if (r == 0)
		r = ec_writer_begin(w, &err);
	for (size_t i = 0; r == 0 && i < n; i++)
		for (uint64_t o = 0; r == 0 && o < l[i].filesz; o += 1 << 20) {
			size_t k = l[i].filesz - o < (1 << 20) ? (size_t)(l[i].filesz - o) : (1 << 20);
			r = ec_read_phys(d, l[i].paddr + o, buf, k, &err);
			if (r == 0)
				r = ec_writer_data(w, buf, k, &err);
		}
	if (r == 0)
		r = ec_writer_finish(w, &err);
	if (r < 0)
		fprintf(stderr, "ecread: %s\n", err.msg);
	if (w)
		ec_writer_destroy(w);
	free(buf);
	close(fd);
	return r < 0;
}

int main(int argc, char **argv)
{
	struct ec_err err = { 0 };
	unsigned flags = 0;
	ec_dump *d;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: ecread pages|seq DUMP [mmap|pread] [CHUNK]\n");
		return 2;
	}
	if (!strcmp(argv[1], "reassemble") && argc == 4) {
		int in = open(argv[2], O_RDONLY), out = open(argv[3], O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0) {
			perror("ecread");
			return 1;
		}
		r = ec_flat_reassemble(in, out, &err);
		if (r < 0)
			fprintf(stderr, "ecread: %s\n", err.msg);
		return r < 0 || close(out) < 0;
	}
	if (argc > 3 && (!strcmp(argv[1], "copy") || !strcmp(argv[1], "cmp")))
		flags = 0;
	else if (argc > 3 && !strcmp(argv[3], "mmap"))
		flags = EC_OPEN_MMAP;
	else if (argc > 3 && !strcmp(argv[3], "pread"))
		flags = EC_OPEN_NO_MMAP;
	if (ec_open(argv[2], flags, &d, &err) < 0) {
		fprintf(stderr, "ecread: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(argv[1], "pages"))
		r = pages(d);
	else if (!strcmp(argv[1], "cmp") && argc > 3)
		r = cmp(d, argv[3]);
	else if (!strcmp(argv[1], "copy") && argc > 3)
		r = copy(d, argv[3], argc > 4 && !strcmp(argv[4], "packed"));
	else
		r = seq(d, argc > 4 ? strtoul(argv[4], NULL, 0) : (1u << 20));
	ec_close(d);
	return r;
}
