/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashlab guest workload: puts memory into known page classes before the
 * guest is crashed.  Built static by scripts/crashlab and run by the guest's
 * /init (scripts/lab/init.sh).
 *
 *   workload fill PATH MB [sync]   write MB of non-zero pseudo-random data to
 *                                  PATH (page cache / tmpfs); "sync" fsyncs it
 *                                  so the cached pages end up clean
 *   workload hold READYFILE ANON_MB ZERO_MB THP_MB HUGE_PAGES
 *                                  allocate and touch: ANON_MB of 4 KiB
 *                                  anonymous pages (random data, THP off),
 *                                  ZERO_MB of anonymous pages written with
 *                                  zeros, THP_MB in 2 MiB transparent huge
 *                                  pages, HUGE_PAGES hugetlb pages; then create
 *                                  READYFILE and sleep forever.
 * Exit status 0 on success; a message on stderr otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define HUGE_2M (2UL * MIB)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	/* xorshift64*: cheap under TCG and never yields a zero word run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void fill_random(void *buf, size_t len)
{
	uint64_t *p = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		p[i] = next_rand() | 1;
}

static int do_fill(const char *path, unsigned long mb, int want_sync)
{
	static uint64_t buf[MIB / sizeof(uint64_t)];
	unsigned long i;
	const char *c;
	int fd;

	for (c = path; *c; c++)	/* a different stream per file */
		rng_state = (rng_state ^ (unsigned char)*c) * 0x100000001b3ULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "workload: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < mb; i++) {
		fill_random(buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			fprintf(stderr, "workload: write %s: %s\n", path, strerror(errno));
			close(fd);
			return 1;
		}
	}
	if (want_sync && fsync(fd) < 0) {
		fprintf(stderr, "workload: fsync %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static void *map_anon(size_t len, int extra_flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int do_hold(const char *ready, unsigned long anon_mb, unsigned long zero_mb,
		   unsigned long thp_mb, unsigned long huge_pages)
{
	size_t i;
	int fd;

	if (anon_mb) {
		size_t len = anon_mb * MIB;
		char *p = map_anon(len, 0);

		if (!p) {
			perror("workload: mmap anon");
			return 1;
		}
		madvise(p, len, MADV_NOHUGEPAGE);
		fill_random(p, len);
	}
	if (zero_mb) {
		size_t len = zero_mb * MIB;
		char *p = map_anon(len, 0);

		if (!p) {
			perror("workload: mmap zero");
			return 1;
		}
		madvise(p, len, MADV_NOHUGEPAGE);
		for (i = 0; i < len; i += 4096)
			((volatile char *)p)[i] = 0;
	}
	if (thp_mb) {
		size_t len = (thp_mb * MIB + HUGE_2M - 1) & ~(HUGE_2M - 1);
		char *raw = map_anon(len + HUGE_2M, 0);
		char *p;

		if (!raw) {
			perror("workload: mmap thp");
			return 1;
		}
		p = (char *)(((uintptr_t)raw + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
		if (madvise(p, len, MADV_HUGEPAGE) < 0)
			perror("workload: madvise(MADV_HUGEPAGE)");
		fill_random(p, len);
	}
	if (huge_pages) {
		size_t len = huge_pages * HUGE_2M;
		char *p = map_anon(len, MAP_HUGETLB);

		if (!p) {
			perror("workload: mmap MAP_HUGETLB");
			return 1;
		}
		fill_random(p, len);
	}
	fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "workload: create %s: %s\n", ready, strerror(errno));
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "fill"))
		return do_fill(argv[2], strtoul(argv[3], NULL, 0),
			       argc >= 5 && !strcmp(argv[4], "sync"));
	if (argc == 7 && !strcmp(argv[1], "hold"))
		return do_hold(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0),
			       strtoul(argv[5], NULL, 0), strtoul(argv[6], NULL, 0));
	fprintf(stderr, "usage: workload fill PATH MB [sync] | "
		"workload hold READY ANON_MB ZERO_MB THP_MB HUGE_PAGES\n");
	return 2;
}
