/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seed corpus generator for the binary fuzz targets (run at build time, so no
 * binary blobs are checked in): small dumps written by our own writers from
 * the writers' synthetic source (tests/writers/synth.h), and raw-partition
 * header blocks from dp_header_encode().
 *   mkseed OUTDIR  ->  OUTDIR/{elf,kdump,flat,diskdump}/<name>
 *   mkseed --core NPAGES FILE  ->  one ELF64 vmcore with every page (for the
 *                                  fault matrix in tests/security)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "../writers/synth.h"
#include "diskdump_part.h"
#include "crypt.h"
#include "fuzz_key.h"

static const char *outdir;

static int open_seed(const char *sub, const char *name)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", outdir, sub);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", outdir, sub, name);
	return open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
}

static int dump(struct synth *s, const char *sub, const char *name, enum wr_format f,
		enum comp_method m, int level, bool flat)
{
	struct wr_opts o;
	struct wr_result res;
	struct ec_err err = { 0 };
	wr_out *out = NULL;
	int fd = open_seed(sub, name), r;

	if (fd < 0)
		return -errno;
	wr_opts_init(&o);
	o.format = f;
	o.comp = m;
	o.dump_level = level;
	r = flat ? out_flat(fd, &out) : out_file(fd, &out);
	if (r == 0)
		r = wr_write(&s->src, &o, out, &res, &err);
	out_destroy(out);
	close(fd);
	if (r < 0)
		fprintf(stderr, "mkseed: %s/%s: %s\n", sub, name, err.msg);
	return r;
}

int main(int argc, char **argv)
{
	static const struct { enum comp_method m; const char *n; } cm[] = {
		{ COMP_NONE, "raw" }, { COMP_ZLIB, "zlib" }, { COMP_LZO, "lzo" },
		{ COMP_ZSTD, "zstd" }, { COMP_SNAPPY, "snappy" },
	};
	struct synth s;
	char name[64];
	int bad = 0;

	if (argc == 4 && !strcmp(argv[1], "--core")) {
		/* mkseed --core NPAGES FILE: one ELF64 vmcore (all pages), the
		 * fault matrix's source */
		char *slash = strrchr(argv[3], '/');

		synth_init(&s, strtoull(argv[2], NULL, 0));
		outdir = ".";
		if (slash) {
			*slash = '\0';
			outdir = argv[3];
			argv[3] = slash + 1;
		}
		return dump(&s, ".", argv[3], WR_ELF, COMP_NONE, 0, false) ? 1 : 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: mkseed OUTDIR | mkseed --core NPAGES FILE\n");
		return 2;
	}
	outdir = argv[1];
	mkdir(outdir, 0755);
	synth_init(&s, 40);
	bad |= dump(&s, "elf", "elf64-d0", WR_ELF, COMP_NONE, 0, false);
	bad |= dump(&s, "elf", "elf64-d31", WR_ELF, COMP_NONE, 31, false);
	for (size_t i = 0; i < sizeof(cm) / sizeof(cm[0]); i++) {
		if (cm[i].m == COMP_SNAPPY && !HAVE_SNAPPY)
			continue;
		snprintf(name, sizeof(name), "kdump-%s-d31", cm[i].n);
		bad |= dump(&s, "kdump", name, WR_KDUMP, cm[i].m, 31, false);
	}
	bad |= dump(&s, "kdump", "kdump-zlib-d0", WR_KDUMP, COMP_ZLIB, 0, false);
	bad |= dump(&s, "flat", "flat-kdump-zlib", WR_KDUMP, COMP_ZLIB, 31, true);
	bad |= dump(&s, "flat", "flat-elf64", WR_ELF, COMP_NONE, 1, true);
	/* ELF32 (i386) */
	s.src.elf_class = 1;
	s.src.machine = 3;
	for (int i = 0; i < 2; i++)
		s.loads[i].vaddr = 0xc0000000u + s.loads[i].paddr;
	bad |= dump(&s, "elf", "elf32-d0", WR_ELF, COMP_NONE, 0, false);

	/* raw partition header blocks */
	for (int v = 0; v < 3; v++) {
		struct dp_header h;
		uint8_t blk[DP_BLOCK];
		int fd;

		memset(&h, 0, sizeof(h));
		h.version = 1;
		h.block_size = DP_BLOCK;
		h.state = v == 0 ? DP_ST_COMPLETE : v == 1 ? DP_ST_WRITING : DP_ST_INCOMPLETE;
		h.format = v == 2 ? DP_FMT_FLAT : DP_FMT_KDUMP;
		h.time = 1700000000;
		h.part_blocks = 4096;
		h.used_blocks = 300;
		snprintf(h.host, sizeof(h.host), "host%d", v);
		h.n_sections = (uint32_t)v + 1;
		for (uint32_t k = 0; k < h.n_sections; k++)
			h.sec[k] = (struct dp_section_ent){ .type = k == 0 ? DP_SEC_DUMP : DP_SEC_DMESG,
				.flags = v == 2 ? DP_SECF_TRUNCATED : 0, .start = 1 + 100 * k,
				.bytes = 4096 * 50 + k };
		dp_header_encode(&h, blk);
		snprintf(name, sizeof(name), "hdr-%d", v);
		fd = open_seed("diskdump", name);
		if (fd < 0 || write(fd, blk, sizeof(blk)) != (ssize_t)sizeof(blk))
			bad = 1;
		if (fd >= 0)
			close(fd);
	}
	{
		uint8_t blk[DP_BLOCK];
		int fd = open_seed("diskdump", "signature-block-0");

		dp_signature(0, blk);
		if (fd < 0 || write(fd, blk, sizeof(blk)) != (ssize_t)sizeof(blk))
			bad = 1;
		if (fd >= 0)
			close(fd);
	}
	/* encrypted streams to the fuzz key: sequential, flattened, with a PUSH */
	if (crypt_available()) {
		static const struct { const char *n; unsigned flags; bool push; } cs[] = {
			{ "seq", 0, false }, { "flat", CRYPT_F_FLATTENED, false },
			{ "pushed", CRYPT_F_FLATTENED, true },
		};
		struct ec_err err;
		uint8_t pk[32], buf[1500];

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(i * 7 + (i >> 8));
		if (crypt_public_key(fuzz_sk, pk, &err) < 0)
			return 1;
		for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
			crypt_writer *w;
			int fd = open_seed("crypt", cs[i].n);

			if (fd < 0 || crypt_writer_create(pk, fd, cs[i].flags, 512, &w, &err) < 0)
				return 1;
			if (cs[i].flags) {
				crypt_pwrite(w, buf, 700, 4096);
				if (cs[i].push)
					crypt_flush(w, &err);
				crypt_pwrite(w, buf, 300, 0);
			} else {
				crypt_write(w, buf, sizeof(buf), &err);
			}
			bad |= crypt_finish(w, &err) < 0;
			crypt_writer_destroy(w);
			close(fd);
		}
	}
	return bad ? 1 : 0;
}
