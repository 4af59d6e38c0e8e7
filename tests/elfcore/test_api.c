/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libelfcore API tests: VMCOREINFO typed lookups, the streaming writer
 * (both layouts, PN_XNUM, incomplete flag, short writes, errors), the
 * elfcorehdr builder read back through ec_open_oldmem (with the i386
 * backup region), and flattened-format error handling.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfcore.h"
#include "spec.h"
#include "tap.h"

static char dir[4096];

static char *tmp(const char *name)
{
	static char p[8][4200];
	static int k;
	char *r = p[k++ % 8];

	snprintf(r, sizeof(p[0]), "%s/%s", dir, name);
	return r;
}

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> 8 * i);
}

static void test_vmci(void)
{
	static const char text[] =
		"OSRELEASE=6.1.0-56-cloud-amd64\n"
		"PAGESIZE=4096\n"
		"SYMBOL(init_top_pgt)=ffffffff97010000\n"
		"SYMBOL(prb)=0xffffffff970622c0\n"
		"SIZE(page)=64\n"
		"OFFSET(page._mapcount)=48\n"
		"LENGTH(zone.free_area)=11\n"
		"NUMBER(phys_base)=-4194304\n"
		"NUMBER(VMALLOC_START)=0xffffc90000000000\n"
		"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
		"NUMBER(bad)=12x\n"
		"SIZE(bad)=-5\n"
		"KERNELOFFSET=14600000\n"
		"\n"
		"OSRELEASE=duplicate\n"
		"CRASHTIME=1795645455";    /* no final newline, as some writers do */
	struct ec_err err = { 0 };
	ec_vmcoreinfo *vi;
	uint64_t u;
	int64_t s;

	ok(ec_vmci_parse(text, sizeof(text) - 1, &vi, &err) == 0, "vmcoreinfo parses (%s)", err.msg);
	ok(!strcmp(ec_vmci_get(vi, "OSRELEASE"), "6.1.0-56-cloud-amd64"), "first of duplicate keys wins");
	ok(ec_vmci_symbol(vi, "init_top_pgt", &u) == 0 && u == 0xffffffff97010000ull, "SYMBOL() hex without 0x");
	ok(ec_vmci_symbol(vi, "prb", &u) == 0 && u == 0xffffffff970622c0ull, "SYMBOL() hex with 0x");
	ok(ec_vmci_size(vi, "page", &u) == 0 && u == 64, "SIZE()");
	ok(ec_vmci_offset(vi, "page._mapcount", &u) == 0 && u == 48, "OFFSET()");
	ok(ec_vmci_length(vi, "zone.free_area", &u) == 0 && u == 11, "LENGTH()");
	ok(ec_vmci_number(vi, "phys_base", &s) == 0 && s == -4194304, "NUMBER() negative");
	ok(ec_vmci_number(vi, "PAGE_BUDDY_MAPCOUNT_VALUE", &s) == 0 && s == -129, "NUMBER() -129");
	ok(ec_vmci_number(vi, "VMALLOC_START", &s) == 0 && (uint64_t)s == 0xffffc90000000000ull, "NUMBER() hex");
	ok(ec_vmci_number(vi, "bad", &s) == -EINVAL, "NUMBER() malformed -> -EINVAL");
	ok(ec_vmci_size(vi, "bad", &u) == -EINVAL, "SIZE() negative -> -EINVAL");
	ok(ec_vmci_size(vi, "nope", &u) == -ENOENT, "absent -> -ENOENT");
	ok(ec_vmci_u64(vi, "KERNELOFFSET", 16, &u) == 0 && u == 0x14600000, "KERNELOFFSET hex");
	ok(ec_vmci_u64(vi, "CRASHTIME", 10, &u) == 0 && u == 1795645455, "last line without newline");
	size_t tl;
	ok(ec_vmci_text(vi, &tl) && tl == sizeof(text) - 1, "raw text kept");
	ec_vmci_free(vi);

	char garbage[64] = "OSRELEASE=x\nPAGE\001SIZE=4096\n";
	ok(ec_vmci_parse(garbage, strlen(garbage), &vi, &err) == -EBADMSG && strstr(err.msg, "line 2"),
	   "control byte rejected naming the line: %s", err.msg);
	ok(ec_vmci_parse("OSRELEASE=x\nnonsense\n", 21, &vi, &err) == -EBADMSG && strstr(err.msg, "line 2"),
	   "line without '=' rejected: %s", err.msg);
	char *longl = malloc(6000);
	memset(longl, 'A', 6000);
	longl[0] = 'K';
	longl[1] = '=';
	ok(ec_vmci_parse(longl, 6000, &vi, &err) == -EBADMSG, "line over 4 KiB rejected: %s", err.msg);
	free(longl);
	ok(ec_vmci_parse("A=1\n\0\0\0", 7, &vi, &err) == 0, "trailing NULs accepted");
	ec_vmci_free(vi);
}

/* Sink that writes short pieces to a file, or fails after a byte budget. */
struct sink { int fd; uint64_t budget; unsigned calls; };

static ssize_t sink_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
	struct sink *s = ctx;

	if (s->budget < len) {
		if (!s->budget)
			return -ENOSPC;
		len = (size_t)s->budget;
	}
	if (len > 1000 && (s->calls++ & 1))
		len = len / 2 + 1;     /* short write: the writer must continue */
	ssize_t n = pwrite(s->fd, buf, len, (off_t)off);
	if (n > 0)
		s->budget -= (uint64_t)n;
	return n < 0 ? -errno : n;
}

static int write_core(const char *path, int cls, bool packed, const struct ec_load *loads, size_t n,
		      const void *notes, size_t nl, bool incomplete, struct ec_err *err, uint64_t *offs)
{
	struct sink s = { .budget = UINT64_MAX };
	struct ec_writer_params p = {
		.elf_class = cls, .machine = cls == 2 ? EM_X86_64 : EM_386, .notes = notes,
		.notes_len = nl, .note_align = 4, .loads = loads, .nr_loads = n,
		.page_align_data = !packed,
	};
	struct ec_writer_ops ops = { .pwrite = sink_pwrite };
	ec_writer *w;
	uint8_t buf[5000];
	int r;

	s.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	r = ec_writer_create(&p, &ops, &s, &w, err);
	if (r < 0)
		return r;
	r = ec_writer_begin(w, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i < 8)
			offs[i] = ec_writer_seg_offset(w, i);
		for (uint64_t d = 0; r == 0 && d < loads[i].filesz;) {
			size_t k = loads[i].filesz - d < sizeof(buf) ? (size_t)(loads[i].filesz - d) : sizeof(buf);
			for (size_t j = 0; j < k; j++)
				buf[j] = spec_pat(loads[i].paddr + d + j);
			r = ec_writer_data(w, buf, k, err);
			d += k;
		}
	}
	if (r == 0)
		r = ec_writer_finish(w, err);
	if (r == 0 && incomplete)
		r = ec_writer_mark_incomplete(w, err);
	ec_writer_destroy(w);
	close(s.fd);
	return r;
}

static bool reads_back(ec_dump *d, const struct ec_load *l, size_t n)
{
	uint8_t b[4096];
	struct ec_err err;

	for (size_t i = 0; i < n; i++)
		for (uint64_t o = 0; o < l[i].filesz; o += 777) {
			size_t k = l[i].filesz - o < sizeof(b) ? (size_t)(l[i].filesz - o) : sizeof(b);
			if (ec_read_phys(d, l[i].paddr + o, b, k, &err) != 0)
				return false;
			for (size_t j = 0; j < k; j++)
				if (b[j] != spec_pat(l[i].paddr + o + j))
					return false;
		}
	return true;
}

static void test_writer(void)
{
	struct ec_load loads[] = {
		{ .paddr = 0x1000000, .vaddr = 0xffffffff81000000ull, .filesz = 0x3000, .memsz = 0x3000, .flags = 7 },
		{ .paddr = 0x100000, .vaddr = 0xffff888000100000ull, .filesz = 0x10000, .memsz = 0x10000, .flags = 7 },
		{ .paddr = 0x200123, .vaddr = 0xffff888000200123ull, .filesz = 0x1000, .memsz = 0x5000, .flags = 7 },
		{ .paddr = 0x300000, .vaddr = 0xffff888000300000ull, .filesz = 0, .memsz = 0x2000, .flags = 7 },
	};
	uint8_t notes[12 + 12 + 20] = { 0 };
	struct ec_err err = { 0 };
	uint64_t offs[8];
	ec_dump *d;

	put32(notes, 11);
	put32(notes + 4, 20);
	memcpy(notes + 12, "VMCOREINFO", 11);
	memcpy(notes + 24, "OSRELEASE=9.9\nPAGESI", 20);

	for (int packed = 0; packed < 2; packed++) {
		const char *name = packed ? "packed" : "vmcore";
		char *path = tmp(packed ? "w-packed.elf" : "w-vmcore.elf");
		ok(write_core(path, 2, packed, loads, 4, notes, sizeof(notes), packed, &err, offs) == 0,
		   "%s: writer succeeds through short writes (%s)", name, err.msg);
		if (!packed)
			ok(offs[0] % 4096 == 0 && offs[2] % 4096 == 0x123 && offs[1] % 4096 == 0,
			   "vmcore layout: p_offset ≡ p_paddr mod 4096");
		else
			ok(offs[0] == 64 + 5 * 56 + sizeof(notes) && offs[1] == offs[0] + 0x3000 &&
			   offs[2] == offs[1] + 0x10000 && offs[3] == 0,
			   "packed layout: data back to back after the notes, empty segment at offset 0");
		ok(ec_open(path, 0, &d, &err) == 0, "%s: reads back (%s)", name, err.msg);
		if (!d)
			continue;
		size_t n;
		const struct ec_load *l = ec_loads(d, &n);
		bool same = n == 4;
		for (size_t i = 0; same && i < n; i++)
			same = l[i].paddr == loads[i].paddr && l[i].vaddr == loads[i].vaddr &&
			       l[i].filesz == loads[i].filesz && l[i].memsz == loads[i].memsz &&
			       l[i].offset == offs[i];
		ok(same, "%s: PT_LOADs round trip", name);
		ok(reads_back(d, loads, 4), "%s: data round trips", name);
		ok(ec_incomplete(d) == (packed != 0), "%s: e_flags incomplete bit %d", name, ec_incomplete(d));
		ok(ec_release(d) && !strcmp(ec_release(d), "9.9"), "%s: notes copied verbatim", name);
		ok(ec_note_align(d) == 4, "%s: PT_NOTE p_align 4 as written", name);
		ec_close(d);
		d = NULL;
	}

	/* mmap windows (4 MiB): reads that cross a window edge */
	struct ec_load lbig[] = { { .paddr = 0x100000, .filesz = 0xc00000, .memsz = 0xc00000, .flags = 7 } };
	ok(write_core(tmp("wbig.elf"), 2, false, lbig, 1, notes, sizeof(notes), false, &err, offs) == 0,
	   "12 MiB core written");
	for (int fl = 0; fl < 2; fl++) {
		unsigned flags = fl ? EC_OPEN_MMAP : EC_OPEN_NO_MMAP;
		bool good = ec_open(tmp("wbig.elf"), flags, &d, &err) == 0;
		uint8_t *b = malloc(0x500000);
		/* file offsets 4 MiB and 8 MiB fall inside the segment */
		uint64_t edges[] = { 0x400000, 0x800000 };
		for (size_t k = 0; good && k < 2; k++) {
			uint64_t pa = lbig[0].paddr + (edges[k] - offs[0]) - 100;
			size_t lens[] = { 200, 4096, 0x480000 };
			for (size_t j = 0; good && j < 3; j++) {
				if (pa + lens[j] > lbig[0].paddr + lbig[0].filesz)
					continue;
				good = ec_read_phys(d, pa, b, lens[j], &err) == 0;
				for (size_t i = 0; good && i < lens[j]; i++)
					good = b[i] == spec_pat(pa + i);
			}
		}
		ok(good, "%s: reads across 4 MiB window edges are exact", fl ? "mmap" : "pread");
		free(b);
		ec_close(d);
		d = NULL;
	}

	/* ec_map_phys: the same bytes as ec_read_phys, across window edges
	 * (default regular-file mode and the populated mmap mode), the pointer
	 * good until the next call; refused where only a read can answer */
	for (int fl = 0; fl < 2; fl++) {
		bool good = ec_open(tmp("wbig.elf"), fl ? EC_OPEN_MMAP : 0, &d, &err) == 0;
		uint64_t seg_end = lbig[0].paddr + lbig[0].filesz;
		/* around 2 and 4 MiB file offsets, a long run, the segment's last page */
		uint64_t pas[] = { lbig[0].paddr + (0x200000 - offs[0]) - 4096,
				   lbig[0].paddr + (0x400000 - offs[0]) - 8192,
				   lbig[0].paddr + 0x10000, seg_end - 4096 };
		size_t lens[] = { 8192, 3 * 4096, 0x300000, 4096 };
		size_t mapped = 0;
		for (size_t k = 0; good && k < 4; k++) {
			const void *m = NULL;
			int r = ec_map_phys(d, pas[k], lens[k], &m);
			if (r == -EOPNOTSUPP)
				continue;
			good = r == 0 && m;
			for (size_t i = 0; good && i < lens[k]; i++)
				good = ((const uint8_t *)m)[i] == spec_pat(pas[k] + i);
			mapped += good;
		}
		const void *m = NULL;
		ok(good && mapped == 4, "%s: ec_map_phys gives the file's bytes without a copy (%zu of 4 ranges)",
		   fl ? "mmap" : "default", mapped);
		ok(ec_map_phys(d, seg_end - 4096, 8192, &m) == -EOPNOTSUPP &&
		   ec_map_phys(d, 0x10000, 4096, &m) == -EOPNOTSUPP,
		   "%s: ranges leaving the segment or outside it are refused (read them)",
		   fl ? "mmap" : "default");
		ec_close(d);
		d = NULL;
	}
	ok(ec_open(tmp("wbig.elf"), EC_OPEN_NO_MMAP, &d, &err) == 0, "opened with EC_OPEN_NO_MMAP");
	{
		const void *m = NULL;
		ok(d && ec_map_phys(d, lbig[0].paddr, 4096, &m) == -EOPNOTSUPP,
		   "EC_OPEN_NO_MMAP: ec_map_phys refuses");
	}
	ec_close(d);
	d = NULL;

	/* ELF32 */
	struct ec_load l32[] = { { .paddr = 0x100000, .vaddr = 0xc0100000, .filesz = 0x2000, .memsz = 0x2000, .flags = 7 } };
	ok(write_core(tmp("w32.elf"), 1, false, l32, 1, notes, sizeof(notes), false, &err, offs) == 0 &&
	   ec_open(tmp("w32.elf"), 0, &d, &err) == 0 && ec_elf_class(d) == 1 && ec_machine(d) == EM_386 &&
	   reads_back(d, l32, 1), "ELF32 round trip (%s)", err.msg);
	ec_close(d);
	d = NULL;
	struct ec_load big32[] = { { .paddr = 0xfffff000, .filesz = 0, .memsz = 0x2000 } };
	ok(write_core(tmp("w32b.elf"), 1, false, big32, 1, NULL, 0, false, &err, offs) == -EOVERFLOW,
	   "ELF32 refuses memory above 4 GiB: %s", err.msg);

	/* PN_XNUM: 70000 segments */
	size_t nx = 70000;
	struct ec_load *lx = calloc(nx, sizeof(*lx));
	for (size_t i = 0; i < nx; i++) {
		lx[i].paddr = 0x100000 + i * 0x2000;
		lx[i].memsz = 0x2000;
		lx[i].filesz = i % 1000 ? 0 : 0x1000;
		lx[i].flags = 7;
	}
	ok(write_core(tmp("wx.elf"), 2, true, lx, nx, notes, sizeof(notes), false, &err, offs) == 0 &&
	   ec_open(tmp("wx.elf"), 0, &d, &err) == 0, "PN_XNUM core with %zu segments writes and opens (%s)",
	   nx + 1, err.msg);
	if (d) {
		size_t n;
		ec_loads(d, &n);
		ok(n == nx && reads_back(d, lx, nx) && ec_pages_present(d) == nx / 1000,
		   "PN_XNUM: all %zu segments seen, data reads back", n);
		ec_close(d);
		d = NULL;
	}
	free(lx);

	/* errors */
	struct sink s = { .budget = 5000 };
	struct ec_writer_params p = { .elf_class = 2, .machine = EM_X86_64, .loads = loads, .nr_loads = 2,
				      .page_align_data = false };
	struct ec_writer_ops ops = { .pwrite = sink_pwrite };
	ec_writer *w;
	uint8_t z[0x14000] = { 0 };
	s.fd = open(tmp("werr.elf"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(ec_writer_create(&p, &ops, &s, &w, &err) == 0 && ec_writer_begin(w, &err) == 0, "writer for errors");
	ok(ec_writer_data(w, z, 0x3000 + 0x10000 + 1, &err) == -ENOSPC && strstr(err.msg, "offset"),
	   "ENOSPC from the sink surfaces with the offset: %s", err.msg);
	s.budget = UINT64_MAX;
	ok(ec_writer_mark_incomplete(w, &err) == 0, "incomplete flag patched after ENOSPC");
	ec_writer_destroy(w);
	close(s.fd);
	ok(ec_open(tmp("werr.elf"), EC_OPEN_TRUNCATED_OK, &d, &err) == 0 && ec_incomplete(d),
	   "cut file opens as incomplete (%s)", err.msg);
	ec_close(d);
	d = NULL;
	s = (struct sink){ .budget = UINT64_MAX, .fd = open(tmp("werr2.elf"), O_RDWR | O_CREAT | O_TRUNC, 0600) };
	ec_writer_create(&p, &ops, &s, &w, &err);
	ec_writer_begin(w, &err);
	ok(ec_writer_data(w, z, 0x100, &err) == 0 && ec_writer_finish(w, &err) == -EINVAL,
	   "finish with data missing fails: %s", err.msg);
	ok(ec_writer_data(w, z, 0x13000, &err) == -EINVAL, "more data than segments fails: %s", err.msg);
	ec_writer_destroy(w);
	close(s.fd);
	p.note_align = 8;
	ok(ec_writer_create(&p, &ops, &s, &w, &err) == -EINVAL, "PT_NOTE p_align 8 refused");
}

static void put_note(uint8_t *b, const char *name, uint32_t type, const void *desc, uint32_t dl)
{
	uint32_t nl = (uint32_t)strlen(name) + 1;

	put32(b, nl);
	put32(b + 4, dl);
	put32(b + 8, type);
	memcpy(b + 12, name, nl);
	memcpy(b + 12 + ((nl + 3) & ~3u), desc, dl);
}

static void test_corehdr(int cls)
{
	const char *tag = cls == 2 ? "ELF64" : "ELF32";
	struct ec_range ram[] = { { 0x1000, 0x9ffff }, { 0x100000, 0x2fffff }, { 0x400000, 0x47ffff } };
	uint64_t np[] = { 0x3f0000, 0x3f1000 }, ns[] = { 0x400, 0x400 };
	struct ec_corehdr_params p = {
		.elf_class = cls, .machine = cls == 2 ? EM_X86_64 : EM_386, .ram = ram, .nr_ram = 3,
		.note_paddr = np, .note_size = ns, .nr_notes = 2,
		.vmcoreinfo_paddr = 0x3f2000, .vmcoreinfo_size = 0x1000,
		.page_offset = cls == 2 ? 0xffff888000000000ull : 0xc0000000,
		.text_vaddr = cls == 2 ? 0xffffffff81000000ull : 0, .text_paddr = 0x200000,
		.text_size = cls == 2 ? 0x10000 : 0,
		/* i386: the low range is read from its backup copy at 0x380000 */
		.backup_src = cls == 1 ? 0x1000 : 0, .backup_dst = cls == 1 ? 0x381000 : 0,
		.backup_size = cls == 1 ? 0x9f000 : 0,
	};
	struct ec_err err = { 0 };
	void *hdr;
	size_t hl;
	ec_dump *d = NULL;

	ok(ec_corehdr_build(&p, &hdr, &hl, &err) == 0, "%s elfcorehdr builds (%s)", tag, err.msg);
	/* fake old memory: pattern everywhere, notes at their addresses; the
	 * low range itself holds garbage (the capture kernel overwrote it) */
	size_t memsz = 0x480000;
	uint8_t *m = malloc(memsz);
	for (size_t i = 0; i < memsz; i++)
		m[i] = spec_pat(i);
	if (cls == 1) {
		memset(m + 0x1000, 0xaa, 0x9f000);
		for (size_t i = 0; i < 0x9f000; i++)
			m[0x381000 + i] = spec_pat(0x1000 + i);
	}
	memset(m + 0x3f0000, 0, 0x3000);
	uint8_t pr[336] = { 0 };
	put32(pr + (cls == 2 ? 32 : 24), 4242);
	put_note(m + 0x3f0000, "CORE", NT_PRSTATUS, pr, cls == 2 ? 336 : 144);
	put32(pr + (cls == 2 ? 32 : 24), 4343);
	put_note(m + 0x3f1000, "CORE", NT_PRSTATUS, pr, cls == 2 ? 336 : 144);
	put_note(m + 0x3f2000, "VMCOREINFO", 0, "OSRELEASE=old\nPAGESIZE=4096\n", 28);
	int fd = open(tmp("oldmem"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(write(fd, m, memsz) == (ssize_t)memsz, "fake /dev/oldmem written");
	close(fd);

	ok(ec_open_oldmem(tmp("oldmem"), hdr, hl, 0, &d, &err) == 0, "%s: ec_open_oldmem (%s)", tag, err.msg);
	if (d) {
		uint8_t b[0x2000];
		bool good = true;
		ok(ec_format(d) == EC_FMT_OLDMEM && ec_nr_cpus(d) == 2 && ec_prstatus(d, 0)->pid == 4242 &&
		   ec_prstatus(d, 1)->pid == 4343, "%s: notes read from old memory up to their terminator", tag);
		ok(ec_release(d) && !strcmp(ec_release(d), "old"), "%s: VMCOREINFO from old memory", tag);
		size_t n;
		const struct ec_load *l = ec_loads(d, &n);
		ok(n == (cls == 2 ? 4u : 3u) && l[n - 1].vaddr == p.page_offset + 0x400000,
		   "%s: %zu PT_LOADs with vaddr = page_offset + paddr", tag, n);
		uint64_t probe[] = { 0x1000, 0x50000, 0x9e000, 0x100000, 0x200000, 0x2fe000, 0x47e000 };
		for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
			if (ec_read_phys(d, probe[i], b, sizeof(b), &err) != 0) {
				good = false;
				continue;
			}
			for (size_t j = 0; j < sizeof(b); j++)
				good &= b[j] == spec_pat(probe[i] + j);
		}
		ok(good, "%s: physical reads (incl. low memory%s) return old memory", tag,
		   cls == 1 ? " from the backup region" : "");
		ok(ec_read_phys(d, 0x0, b, 16, &err) == -ENODATA && ec_read_phys(d, 0xa0000, b, 16, &err) == -ENODATA,
		   "%s: page 0 and the ISA hole are not in the dump", tag);
		ec_close(d);
	}
	/* hostile elfcorehdr blobs: refused with a message or read safely */
	uint8_t *mh = malloc(hl);
	uint64_t st = 0x1234567 + (uint64_t)cls;
	unsigned refused = 0, opened = 0, silent = 0;
	for (int it = 0; it < 300; it++) {
		memcpy(mh, hdr, hl);
		for (int f = 0; f < 1 + it % 6; f++) {
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			mh[st % hl] = (uint8_t)(st >> 32);
		}
		size_t ml = it % 17 == 0 ? (size_t)(st % hl) : hl;
		struct ec_err e2 = { 0 };
		if (ec_open_oldmem(tmp("oldmem"), mh, ml, 0, &d, &e2) < 0) {
			refused++;
			silent += !e2.msg[0];
			continue;
		}
		opened++;
		uint8_t pg[4096];
		for (uint64_t pfn = 0; pfn < ec_max_pfn(d) && pfn < 2048; pfn += 7)
			(void)ec_read_phys(d, pfn * 4096, pg, sizeof(pg), &e2);
		ec_close(d);
	}
	free(mh);
	ok(silent == 0, "%s: 300 mutated elfcorehdr blobs: %u opened and read, %u refused, %u without a message",
	   tag, opened, refused, silent);
	free(m);
	free(hdr);
	struct ec_range bad[] = { { 0x0, 0x2fffff } };
	p.ram = bad;
	p.nr_ram = 1;
	p.backup_size = 0x9f000;
	ok(ec_corehdr_build(&p, &hdr, &hl, &err) == -EINVAL, "%s: range straddling the backup region refused: %s",
	   tag, err.msg);
}

static void test_flat_errors(void)
{
	uint8_t h[4096 + 32] = { 0 };
	struct ec_err err = { 0 };
	ec_dump *d;
	int fds[2];

	memcpy(h, "makedumpfile", 12);
	h[23] = 1;
	h[31] = 1;
	h[4096 + 15] = 4;          /* record: offset 0, size 4, then data cut short */
	int fd = open(tmp("bad.flat"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(write(fd, h, 4096 + 18) == 4096 + 18, "bad flat written");
	close(fd);
	ok(ec_open(tmp("bad.flat"), 0, &d, &err) == -EBADMSG && strstr(err.msg, "bad.flat") &&
	   strstr(err.msg, "0x1000"), "flattened record past EOF: %s", err.msg);
	int in = open(tmp("bad.flat"), O_RDONLY), out = open(tmp("bad.re"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(ec_flat_reassemble(in, out, &err) == -EBADMSG, "reassemble of cut record fails: %s", err.msg);
	close(in);
	close(out);
	/* from a pipe, without end marker */
	ok(pipe(fds) == 0, "pipe");
	h[4096 + 15] = 2;
	if (fork() == 0) {
		close(fds[0]);
		ssize_t w = write(fds[1], h, 4096 + 18);
		_exit(w == 4096 + 18 ? 0 : 1);
	}
	close(fds[1]);
	out = open(tmp("bad2.re"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(ec_flat_reassemble(fds[0], out, &err) == -EBADMSG && strstr(err.msg, "end marker"),
	   "pipe without end marker: %s", err.msg);
	close(fds[0]);
	close(out);
	memset(h, 0, 16);
	memcpy(h, "makedumpfilX", 12);
	fd = open(tmp("bad3.flat"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(write(fd, h, 4096) == 4096, "bad3 written");
	close(fd);
	ok(ec_open(tmp("bad3.flat"), 0, &d, &err) == -EPROTONOSUPPORT && strstr(err.msg, "bad3.flat"),
	   "unknown format: %s", err.msg);
}

int main(void)
{
	const char *t = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(dir, sizeof(dir), "%s/ec-api-XXXXXX", t);
	if (!mkdtemp(dir))
		return 1;
	test_vmci();
	test_writer();
	test_corehdr(2);
	test_corehdr(1);
	test_flat_errors();
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cleanup failed");
	return tap_done();
}
