/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfcorehdr builder test on a recorded fake root (proc/iomem, per-CPU
 * crash_notes, sys/kernel/vmcoreinfo):
 *   1. kl_corehdr_make() equals the bytes encoded here, independently, from
 *      the expected spec (class, machine, one line per program header);
 *   2. round trip: a sparse "old memory" image gets the notes at their
 *      physical addresses, page tags in every PT_LOAD, the backup copy of
 *      the low RAM at the backup address (and different bytes at the
 *      original place), and the header itself in page 0 (not RAM);
 *      ec_open_oldmem() on it must give the spec's segments, CPUs,
 *      VMCOREINFO and the backed-up low memory.
 * The image is left at IMAGE for check_corehdr.py (readelf -l -n).
 *
 * usage: test_corehdr ROOT SPEC IMAGE [--arch A] [--elf32|--elf64]
 *                     [--backup-at ADDR] [--page-offset ADDR] [--expect-error]
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "kl_corehdr.h"

#define MAXPH 64

struct spec {
	int cls;
	uint16_t machine;
	size_t n, nnotes;
	struct { int load; uint64_t off, vaddr, paddr, size; } ph[MAXPH];
	uint64_t pad;
};

static int parse_spec(const char *path, struct spec *s)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f)) {
		char kw[16], v[5][32];
		int n = sscanf(line, "%15s %31s %31s %31s %31s", kw, v[0], v[1], v[2], v[3]);

		if (n < 1 || kw[0] == '#')
			continue;
		if (!strcmp(kw, "class") && n == 2)
			s->cls = atoi(v[0]) == 32 ? ELFCLASS32 : ELFCLASS64;
		else if (!strcmp(kw, "machine") && n == 2)
			s->machine = (uint16_t)strtoul(v[0], NULL, 0);
		else if (!strcmp(kw, "pad") && n == 2)
			s->pad = strtoull(v[0], NULL, 0);
		else if (!strcmp(kw, "note") && n == 3 && s->n < MAXPH) {
			s->ph[s->n].paddr = s->ph[s->n].off = strtoull(v[0], NULL, 0);
			s->ph[s->n++].size = strtoull(v[1], NULL, 0);
			s->nnotes++;
		} else if (!strcmp(kw, "load") && n == 5 && s->n < MAXPH) {
			s->ph[s->n].load = 1;
			s->ph[s->n].off = strtoull(v[0], NULL, 0);
			s->ph[s->n].vaddr = !strcmp(v[1], "-1") ? UINT64_MAX : strtoull(v[1], NULL, 0);
			s->ph[s->n].paddr = strtoull(v[2], NULL, 0);
			s->ph[s->n++].size = strtoull(v[3], NULL, 0);
		} else {
			fclose(f);
			fprintf(stderr, "%s: bad line: %s", path, line);
			return -EINVAL;
		}
	}
	fclose(f);
	return s->cls ? 0 : -EINVAL;
}

static void le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The ELF header and program headers as the ELF spec lays them out. */
static uint8_t *encode(const struct spec *s, size_t *ret_len)
{
	int w = s->cls == ELFCLASS64 ? 8 : 4;
	size_t eh = w == 8 ? 64 : 52, ph = w == 8 ? 56 : 32, len = eh + s->n * ph;
	uint8_t *b;

	if (s->pad)
		len = (len + s->pad - 1) / s->pad * s->pad;
	b = calloc(1, len);
	memcpy(b, "\177ELF", 4);
	b[4] = (uint8_t)s->cls;
	b[5] = 1;     /* little endian */
	b[6] = 1;     /* EV_CURRENT */
	le(b + 16, 4, 2);                  /* ET_CORE */
	le(b + 18, s->machine, 2);
	le(b + 20, 1, 4);
	le(b + 24 + w, eh, w);             /* e_phoff after e_entry */
	le(b + 24 + 3 * w + 4, eh, 2);     /* e_ehsize after e_shoff, e_flags */
	le(b + 24 + 3 * w + 6, ph, 2);
	le(b + 24 + 3 * w + 8, s->n, 2);
	for (size_t i = 0; i < s->n; i++) {
		uint8_t *p = b + eh + i * ph;
		uint32_t flags = s->ph[i].load ? 7 : 0;

		le(p, s->ph[i].load ? 1 : 4, 4);
		if (w == 8) {
			le(p + 4, flags, 4);
			le(p + 8, s->ph[i].off, 8);
			le(p + 16, s->ph[i].vaddr, 8);
			le(p + 24, s->ph[i].paddr, 8);
			le(p + 32, s->ph[i].size, 8);
			le(p + 40, s->ph[i].size, 8);
		} else {
			le(p + 4, s->ph[i].off, 4);
			le(p + 8, s->ph[i].vaddr, 4);
			le(p + 12, s->ph[i].paddr, 4);
			le(p + 16, s->ph[i].size, 4);
			le(p + 20, s->ph[i].size, 4);
			le(p + 24, flags, 4);
		}
	}
	*ret_len = len;
	return b;
}

static int pw(int fd, const void *b, size_t n, uint64_t off)
{
	return pwrite(fd, b, n, (off_t)off) == (ssize_t)n ? 0 : -1;
}

static void tag(char *t, const char *what, uint64_t paddr)
{
	memset(t, 0, 64);
	snprintf(t, 64, "%s@%llx", what, (unsigned long long)paddr);
}

#define OSREL "6.1.0-legacy-test"

int main(int argc, char **argv)
{
	struct kl_corehdr_opts o = { .machine = EM_386 };
	struct ec_err err = { 0 };
	static struct kl_sysmem m_store;
	static struct spec s_store;
	struct kl_sysmem *m = &m_store;
	struct spec *s = &s_store;
	bool expect_error = false, po_set = false;
	uint8_t *want, *got = NULL;
	size_t wlen, glen = 0;
	int r, fd, cls = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: test_corehdr ROOT SPEC IMAGE [options]\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc)
			o.machine = !strcmp(argv[++i], "x86_64") ? EM_X86_64 : EM_386;
		else if (!strcmp(argv[i], "--elf32"))
			o.elf_class = ELFCLASS32;
		else if (!strcmp(argv[i], "--elf64"))
			o.elf_class = ELFCLASS64;
		else if (!strcmp(argv[i], "--backup-at") && i + 1 < argc)
			o.backup_dst = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--page-offset") && i + 1 < argc) {
			o.page_offset = strtoull(argv[++i], NULL, 0);
			po_set = true;
		} else if (!strcmp(argv[i], "--expect-error"))
			expect_error = true;
	}
	if (o.machine == EM_386) {
		o.lowmem_limit = KL_I386_LOWMEM_LIMIT;
		if (!po_set)
			o.page_offset = KL_I386_PAGE_OFFSET;
	}
	r = kl_sysmem_read(argv[1], m, &err);
	ok(r == 0, "read fake root %s: %s", argv[1], r ? err.msg : "ok");
	if (r)
		return tap_done();
	r = kl_corehdr_make(m, &o, (void **)&got, &glen, &cls, &err);
	if (expect_error) {
		ok(r < 0, "refused as expected: %s", r < 0 ? err.msg : "(built a header)");
		free(got);
		return tap_done();
	}
	ok(r == 0, "kl_corehdr_make: %s", r ? err.msg : "ok");
	if (r)
		return tap_done();
	ok(parse_spec(argv[2], s) == 0, "parse spec %s", argv[2]);
	want = encode(s, &wlen);
	ok(cls == s->cls, "ELF class %d, spec %d", cls == ELFCLASS32 ? 32 : 64, s->cls == ELFCLASS32 ? 32 : 64);
	ok(glen == wlen, "header length %zu, spec %zu", glen, wlen);
	{
		size_t i = 0, n = glen < wlen ? glen : wlen;
		while (i < n && got[i] == want[i])
			i++;
		ok(i == n && glen == wlen, "header bytes %s the spec's encoding (first difference at byte %zu)",
		   i == n && glen == wlen ? "equal" : "DIFFER from", i);
	}

	/* ---- round trip through ec_open_oldmem ---- */
	fd = open(argv[3], O_RDWR | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0, "create image %s", argv[3]);
	if (fd < 0)
		return tap_done();
	{
		bool is64 = o.machine == EM_X86_64;
		size_t prsz = is64 ? 336 : 144;
		uint64_t maxend = 0, bsrc = 0, bsize = 0;
		char t[64];
		uint8_t note[4096];
		const char *vtext = "OSRELEASE=" OSREL "\nPAGESIZE=4096\nCRASHTIME=1700000000\n";
		ec_dump *d = NULL;
		size_t nl;
		const struct ec_load *lo;

		for (size_t i = 0; i < s->n; i++)
			if (s->ph[i].paddr + s->ph[i].size > maxend)
				maxend = s->ph[i].paddr + s->ph[i].size;
		for (size_t i = 0; i < m->nr_notes; i++)
			if (m->note_paddr[i] + m->note_size[i] > maxend)
				maxend = m->note_paddr[i] + m->note_size[i];
		r = ftruncate(fd, (off_t)maxend + (2u << 20));
		/* CPU notes: CORE/NT_PRSTATUS with pid 100+cpu, then a zero terminator */
		for (size_t i = 0; i < m->nr_notes && r == 0; i++) {
			memset(note, 0, sizeof(note));
			le(note, 5, 4);
			le(note + 4, prsz, 4);
			le(note + 8, NT_PRSTATUS, 4);
			memcpy(note + 12, "CORE", 5);
			le(note + 20 + (is64 ? 32 : 24), 100 + i, 4);
			r = pw(fd, note, m->note_size[i] < sizeof(note) ? m->note_size[i] : sizeof(note), m->note_paddr[i]);
		}
		memset(note, 0, sizeof(note));
		le(note, 11, 4);
		le(note + 4, strlen(vtext), 4);
		memcpy(note + 12, "VMCOREINFO", 11);
		memcpy(note + 24, vtext, strlen(vtext));
		if (r == 0 && m->vmci_size)
			r = pw(fd, note, m->vmci_size < sizeof(note) ? m->vmci_size : sizeof(note), m->vmci_paddr);
		/* a tag in the first and last page of every PT_LOAD; the backed-up
		 * range gets its tags at the backup and junk at the original place */
		for (size_t i = 0; i < s->n && r == 0; i++) {
			uint64_t pg[2] = { s->ph[i].paddr, (s->ph[i].paddr + s->ph[i].size - 1) & ~4095ull };
			if (!s->ph[i].load)
				continue;
			if (pg[0] < 4096)   /* page 0 holds the header below */
				pg[0] = 4096;
			for (int k = 0; k < 2 && r == 0; k++) {
				uint64_t at = s->ph[i].off + (pg[k] - s->ph[i].paddr);
				tag(t, s->ph[i].off != s->ph[i].paddr ? "BACKUP" : "PAGE", pg[k]);
				r = pw(fd, t, sizeof(t), at);
				if (r == 0 && s->ph[i].off != s->ph[i].paddr) {
					tag(t, "CLOBBERED", pg[k]);
					r = pw(fd, t, sizeof(t), pg[k]);
					bsrc = s->ph[i].paddr;
					bsize = s->ph[i].size;
				}
			}
		}
		if (r == 0)
			r = pw(fd, got, glen, 0);
		ok(r == 0, "image written (%llu MiB sparse)", (unsigned long long)(maxend >> 20));
		close(fd);

		r = ec_open_oldmem(argv[3], got, glen, 0, &d, &err);
		ok(r == 0, "ec_open_oldmem: %s", r ? err.msg : "ok");
		if (r) {
			free(got);
			free(want);
			return tap_done();
		}
		ok(ec_format(d) == EC_FMT_OLDMEM, "format is oldmem");
		ok(ec_elf_class(d) == s->cls, "reader sees ELF%d", ec_elf_class(d) == ELFCLASS32 ? 32 : 64);
		ok(ec_machine(d) == s->machine, "machine %u", ec_machine(d));
		lo = ec_loads(d, &nl);
		ok(nl == s->n - s->nnotes, "%zu PT_LOADs (spec %zu)", nl, s->n - s->nnotes);
		for (size_t i = 0, j = s->nnotes; i < nl && j < s->n; i++, j++)
			ok(lo[i].paddr == s->ph[j].paddr && lo[i].memsz == s->ph[j].size && lo[i].filesz == s->ph[j].size,
			   "load %zu: paddr 0x%llx size 0x%llx", i, (unsigned long long)lo[i].paddr,
			   (unsigned long long)lo[i].memsz);
		ok(ec_nr_cpus(d) == m->nr_notes, "%zu CPUs (crash_notes files: %zu)", ec_nr_cpus(d), m->nr_notes);
		for (size_t i = 0; i < ec_nr_cpus(d); i++)
			ok(ec_prstatus(d, i)->pid == (int32_t)(100 + i), "cpu %zu pid %d", i, ec_prstatus(d, i)->pid);
		ok(ec_release(d) && !strcmp(ec_release(d), OSREL), "VMCOREINFO OSRELEASE %s", ec_release(d) ? ec_release(d) : "(none)");
		for (size_t j = s->nnotes; j < s->n; j++) {
			uint64_t pa = s->ph[j].paddr < 4096 ? 4096 : s->ph[j].paddr;
			char buf[64];

			tag(t, s->ph[j].off != s->ph[j].paddr ? "BACKUP" : "PAGE", pa);
			r = ec_read_phys(d, pa, buf, sizeof(buf), &err);
			ok(r == 0 && !memcmp(buf, t, sizeof(t)), "read 0x%llx gives '%s' (got '%.20s' r=%d)",
			   (unsigned long long)pa, t, r == 0 ? buf : "", r);
		}
		if (bsize) {
			char buf[64];
			uint64_t last = (bsrc + bsize - 1) & ~4095ull;
			tag(t, "BACKUP", last);
			r = ec_read_phys(d, last, buf, sizeof(buf), &err);
			ok(r == 0 && !memcmp(buf, t, sizeof(t)), "backed-up low page 0x%llx comes from the backup",
			   (unsigned long long)last);
		}
		if (m->nr_crash) {
			char buf[16];
			r = ec_read_phys(d, m->crash[0].start, buf, sizeof(buf), &err);
			ok(r == -ENODATA, "crash kernel reservation 0x%llx is not in the dump (r=%d)",
			   (unsigned long long)m->crash[0].start, r);
		}
		ec_close(d);
	}
	free(got);
	free(want);
	return tap_done();
}
