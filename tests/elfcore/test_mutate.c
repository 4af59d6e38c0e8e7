/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile-input smoke test: build each spec given as argument, then open and
 * read mutated copies (bytes flipped in the headers, notes, bitmaps and page
 * descriptors; cuts at random lengths). Every open must either fail with a
 * message or succeed and read every page without crashing; run under ASan
 * this catches out-of-bounds reads. Deterministic (fixed seed), bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfcore.h"
#include "spec.h"
#include "tap.h"

static uint64_t st = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return st;
}

int main(int argc, char **argv)
{
	const char *t = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int iters = getenv("EC_MUTATE_ITERS") ? atoi(getenv("EC_MUTATE_ITERS")) : 150;
	char path[4096];

	snprintf(path, sizeof(path), "%s/ec-mutate-%d", t, (int)getpid());
	for (int a = 1; a < argc; a++) {
		struct spec s;
		char msg[512];
		uint8_t *buf, *m;
		size_t len;
		uint64_t offs[SPEC_OFFS];
		unsigned opened = 0, failed_msg = 0, failed_nomsg = 0, read_err_nomsg = 0;

		if (spec_parse(argv[a], &s, msg, sizeof(msg)) < 0 ||
		    spec_build(&s, &buf, &len, offs, msg, sizeof(msg)) < 0) {
			ok(0, "%s: %s", argv[a], msg);
			continue;
		}
		m = malloc(len);
		for (int i = 0; i < iters; i++) {
			size_t mlen = len;
			memcpy(m, buf, len);
			int kind = (int)(rnd() % 4);
			if (kind == 3) {
				mlen = (size_t)(rnd() % len);
			} else {
				/* most structure lives in the first 16 KiB; bias there */
				size_t region = kind == 0 ? (len < 512 ? len : 512) : kind == 1 ? (len < 16384 ? len : 16384) : len;
				int flips = 1 + (int)(rnd() % 8);
				for (int f = 0; f < flips; f++) {
					size_t at = (size_t)(rnd() % region);
					m[at] = rnd() % 3 ? (uint8_t)rnd() : (rnd() & 1 ? 0xff : 0);
				}
			}
			int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
			if (fd < 0 || write(fd, m, mlen) != (ssize_t)mlen) {
				perror(path);
				return 1;
			}
			close(fd);
			for (unsigned fl = 0; fl < 2; fl++) {
				struct ec_err err = { 0 };
				ec_dump *d;
				int r = ec_open(path, fl ? EC_OPEN_TRUNCATED_OK | EC_OPEN_MMAP : 0, &d, &err);
				if (r < 0) {
					if (err.msg[0] && err.code == r)
						failed_msg++;
					else
						failed_nomsg++;
					continue;
				}
				opened++;
				uint64_t maxpfn = ec_max_pfn(d);
				uint32_t ps = ec_page_size(d);
				uint8_t *page = malloc(ps);
				size_t nl;
				ec_loads(d, &nl);
				(void)ec_pages_present(d);
				for (uint64_t p = 0; p < maxpfn && p < 4096; p++) {
					struct ec_err e2 = { 0 };
					int rr = ec_read_phys(d, p * ps, page, ps, &e2);
					if (rr < 0 && !e2.msg[0])
						read_err_nomsg++;
					(void)ec_pfn_present(d, p);
				}
				free(page);
				ec_close(d);
			}
		}
		ok(failed_nomsg == 0 && read_err_nomsg == 0,
		   "%s: %d mutants: %u opened and read, %u refused with a message, %u without; %u read errors without message",
		   strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a], iters, opened, failed_msg,
		   failed_nomsg, read_err_nomsg);
		free(m);
		free(buf);
		spec_free(&s);
	}
	unlink(path);
	return tap_done();
}
