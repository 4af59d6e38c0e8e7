/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spec parser and dump builder for synthetic test cores (see spec.h). */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <lzo/lzo1x.h>
#include "config.h"
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif
#include "elfcore.h"
#include "spec.h"

#define PS 4096u

static void ec_put32_(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> 8 * i);
}

static void ec_put64_(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> 8 * i);
}

static int fail(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t num(const char *s, bool *ok)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		*ok = false;
	return v;
}

static void vmci_append(struct spec *s, const char *text, size_t len)
{
	s->vmci = realloc(s->vmci, s->vmci_len + len + 1);
	if (!s->vmci)
		abort();
	memcpy(s->vmci + s->vmci_len, text, len);
	s->vmci_len += len;
	s->has_vmci = true;
}

int spec_parse(const char *path, struct spec *s, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int ln = 0;

	memset(s, 0, sizeof(*s));
	strcpy(s->format, "elf");
	strcpy(s->compress, "none");
	s->elf_class = 2;
	s->machine = EM_X86_64;
	s->header_version = 6;
	s->truncate = -1;
	s->expect_cpus = s->expect_pages = s->expect_incomplete = -1;
	s->flat_chunk = 1000;
	if (!f)
		return fail(msg, msglen, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *w[8] = { 0 }, *rest = NULL, *p = line, restbuf[1024];
		int n = 0;
		bool ok = true;

		ln++;
		line[strcspn(line, "\n")] = '\0';
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		while (n < 8 && *p) {
			w[n++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (*p)
				*p++ = '\0';
			while (*p && isspace((unsigned char)*p))
				p++;
			if (n == 1) {
				snprintf(restbuf, sizeof(restbuf), "%s", p);
				rest = restbuf;
			}
		}
#define NEED(k) do { if (n < (k)) { fclose(f); return fail(msg, msglen, "%s:%d: %s needs %d arguments", path, ln, w[0], (k) - 1); } } while (0)
#define ROOM(c) do { if ((c) >= SPEC_MAX) { fclose(f); return fail(msg, msglen, "%s:%d: too many %s", path, ln, w[0]); } } while (0)
		if (!strcmp(w[0], "format")) {
			NEED(2);
			snprintf(s->format, sizeof(s->format), "%s", w[1]);
		} else if (!strcmp(w[0], "class")) {
			NEED(2);
			s->elf_class = !strcmp(w[1], "32") ? 1 : 2;
		} else if (!strcmp(w[0], "machine")) {
			NEED(2);
			s->machine = !strcmp(w[1], "i386") ? EM_386 : !strcmp(w[1], "x86_64") ? EM_X86_64 : (uint16_t)num(w[1], &ok);
		} else if (!strcmp(w[0], "layout")) {
			NEED(2);
			s->packed = !strcmp(w[1], "packed");
		} else if (!strcmp(w[0], "incomplete")) {
			s->incomplete = true;
		} else if (!strcmp(w[0], "compress")) {
			NEED(2);
			snprintf(s->compress, sizeof(s->compress), "%s", w[1]);
		} else if (!strcmp(w[0], "header_version")) {
			NEED(2);
			s->header_version = (int)num(w[1], &ok);
		} else if (!strcmp(w[0], "flatten")) {
			s->flatten = true;
			if (n > 1)
				s->flat_chunk = num(w[1], &ok);
		} else if (!strcmp(w[0], "prstatus")) {
			NEED(2);
			ROOM(s->nr_pids);
			s->pids[s->nr_pids++] = (int32_t)num(w[1], &ok);
		} else if (!strcmp(w[0], "prpsinfo")) {
			NEED(3);
			s->psinfo_pid = (int32_t)num(w[1], &ok);
			snprintf(s->psinfo_name, sizeof(s->psinfo_name), "%.15s", w[2]);
		} else if (!strcmp(w[0], "note")) {
			NEED(4);
			ROOM(s->nr_notes);
			snprintf(s->notes[s->nr_notes].name, sizeof(s->notes[0].name), "%s", w[1]);
			s->notes[s->nr_notes].type = (uint32_t)num(w[2], &ok);
			s->notes[s->nr_notes].size = (uint32_t)num(w[3], &ok);
			s->nr_notes++;
		} else if (!strcmp(w[0], "vmcoreinfo")) {
			NEED(2);
			vmci_append(s, rest, strlen(rest));
			vmci_append(s, "\n", 1);
		} else if (!strcmp(w[0], "vmcoreinfo-garbage")) {
			NEED(3);
			uint64_t len = num(w[1], &ok), seed = num(w[2], &ok);
			char *g = malloc(len + 1);
			for (uint64_t i = 0; i < len; i++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				g[i] = (char)(seed >> 56);
			}
			vmci_append(s, g, len);
			free(g);
		} else if (!strcmp(w[0], "load")) {
			NEED(3);
			ROOM(s->nr_loads);
			struct spec_load *l = &s->loads[s->nr_loads++];
			l->paddr = num(w[1], &ok);
			l->memsz = num(w[2], &ok);
			l->filesz = n > 3 ? num(w[3], &ok) : l->memsz;
			if (n > 4) {
				l->vaddr = num(w[4], &ok);
				l->has_vaddr = true;
			}
		} else if (!strcmp(w[0], "exclude") || !strcmp(w[0], "zero")) {
			NEED(3);
			bool ex = w[0][0] == 'e';
			ROOM(ex ? s->nr_excluded : s->nr_zero);
			struct spec_range *r = ex ? &s->excluded[s->nr_excluded++] : &s->zero[s->nr_zero++];
			r->pfn = num(w[1], &ok);
			r->count = num(w[2], &ok);
		} else if (!strcmp(w[0], "split")) {
			NEED(3);
			s->split_start = num(w[1], &ok);
			s->split_end = num(w[2], &ok);
		} else if (!strcmp(w[0], "lose")) {
			NEED(2);
			s->lose = num(w[1], &ok);
		} else if (!strcmp(w[0], "truncate")) {
			NEED(2);
			s->truncate = (int64_t)num(w[1], &ok);
		} else if (!strcmp(w[0], "patch") || !strcmp(w[0], "patch-phdr") || !strcmp(w[0], "patch-ehdr")) {
			ROOM(s->nr_patches);
			struct spec_patch *pt = &s->patches[s->nr_patches++];
			if (w[0][5] == '\0') {
				NEED(4);
				pt->kind = 0;
				pt->a = num(w[1], &ok);
				pt->b = num(w[2], &ok);
				pt->c = num(w[3], &ok);
			} else if (w[0][6] == 'p') {
				NEED(4);
				pt->kind = 1;
				pt->a = num(w[1], &ok);
				snprintf(pt->field, sizeof(pt->field), "%s", w[2]);
				pt->c = num(w[3], &ok);
			} else {
				NEED(3);
				pt->kind = 2;
				snprintf(pt->field, sizeof(pt->field), "%s", w[1]);
				pt->c = num(w[2], &ok);
			}
		} else if (!strcmp(w[0], "expect-open-error")) {
			s->has_expect_error = true;
			snprintf(s->expect_error, sizeof(s->expect_error), "%.255s", rest ? rest : "");
		} else if (!strcmp(w[0], "expect-cpus")) {
			NEED(2);
			s->expect_cpus = (long)num(w[1], &ok);
		} else if (!strcmp(w[0], "expect-pid")) {
			NEED(2);
			ROOM(s->nr_expect_pid);
			s->expect_pid[s->nr_expect_pid++] = (int32_t)num(w[1], &ok);
		} else if (!strcmp(w[0], "expect-pages")) {
			NEED(2);
			s->expect_pages = (long)num(w[1], &ok);
		} else if (!strcmp(w[0], "expect-incomplete")) {
			NEED(2);
			s->expect_incomplete = (long)num(w[1], &ok);
		} else if (!strcmp(w[0], "expect-release")) {
			NEED(2);
			snprintf(s->expect_release, sizeof(s->expect_release), "%s", w[1]);
		} else if (!strcmp(w[0], "expect-vmci")) {
			NEED(3);
			ROOM(s->nr_expect_vmci);
			snprintf(s->expect_vmci[s->nr_expect_vmci][0], 128, "%s", w[1]);
			snprintf(s->expect_vmci[s->nr_expect_vmci][1], 128, "%s", w[2]);
			s->nr_expect_vmci++;
		} else {
			fclose(f);
			return fail(msg, msglen, "%s:%d: unknown directive '%s'", path, ln, w[0]);
		}
		if (!ok) {
			fclose(f);
			return fail(msg, msglen, "%s:%d: bad number", path, ln);
		}
	}
	fclose(f);
	return 0;
}

void spec_free(struct spec *s)
{
	free(s->vmci);
	s->vmci = NULL;
}

/* growable output buffer */
struct buf { uint8_t *p; size_t len, cap; };

static void buf_put(struct buf *b, const void *data, size_t len, uint64_t off)
{
	if (off + len > b->cap) {
		size_t nc = b->cap ? b->cap : 65536;
		while (nc < off + len)
			nc *= 2;
		b->p = realloc(b->p, nc);
		if (!b->p)
			abort();
		memset(b->p + b->cap, 0, nc - b->cap);
		b->cap = nc;
	}
	memcpy(b->p + off, data, len);
	if (off + len > b->len)
		b->len = off + len;
}

static ssize_t buf_pwrite(void *ctx, const void *data, size_t len, uint64_t off)
{
	buf_put(ctx, data, len, off);
	return (ssize_t)len;
}

static void note(struct buf *n, const char *name, uint32_t type, const void *desc, uint32_t descsz)
{
	uint8_t h[12];
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	static const uint8_t zero[4];

	ec_put32_(h, namesz);
	ec_put32_(h + 4, descsz);
	ec_put32_(h + 8, type);
	buf_put(n, h, 12, n->len);
	buf_put(n, name, namesz, n->len);
	buf_put(n, zero, (4 - namesz % 4) % 4, n->len);
	buf_put(n, desc, descsz, n->len);
	buf_put(n, zero, (4 - descsz % 4) % 4, n->len);
}

static void build_notes(const struct spec *s, struct buf *n)
{
	for (size_t i = 0; i < s->nr_pids; i++) {
		uint8_t d[336] = { 0 };
		if (s->machine == EM_386) {
			ec_put32_(d + 24, (uint32_t)s->pids[i]);
			for (int r = 0; r < 17; r++)
				ec_put32_(d + 72 + 4 * r, (uint32_t)(0x1000 * i + r));
			note(n, "CORE", NT_PRSTATUS, d, 144);
		} else {
			ec_put32_(d + 32, (uint32_t)s->pids[i]);
			for (int r = 0; r < 27; r++)
				ec_put64_(d + 112 + 8 * r, 0x1000 * i + r);
			note(n, "CORE", NT_PRSTATUS, d, 336);
		}
	}
	if (s->psinfo_name[0]) {
		uint8_t d[136] = { 0 };
		bool i386 = s->machine == EM_386;
		ec_put32_(d + (i386 ? 12 : 24), (uint32_t)s->psinfo_pid);
		memcpy(d + (i386 ? 28 : 40), s->psinfo_name, strlen(s->psinfo_name));
		memcpy(d + (i386 ? 44 : 56), "crash --args", 12);
		note(n, "CORE", NT_PRPSINFO, d, i386 ? 124 : 136);
	}
	for (size_t i = 0; i < s->nr_notes; i++) {
		uint8_t *d = malloc(s->notes[i].size + 1);
		memset(d, 0x5a, s->notes[i].size);
		note(n, s->notes[i].name, s->notes[i].type, d, s->notes[i].size);
		free(d);
	}
	if (s->has_vmci)
		note(n, "VMCOREINFO", 0, s->vmci, (uint32_t)s->vmci_len);
}

static void fill(uint8_t *d, uint64_t paddr, size_t len)
{
	for (size_t i = 0; i < len; i++)
		d[i] = spec_pat(paddr + i);
}

static int build_elf(const struct spec *s, struct buf *out, const struct buf *notes,
		     uint64_t *seg_off, char *msg, size_t msglen)
{
	struct ec_load loads[SPEC_MAX];
	struct ec_writer_params p = {
		.elf_class = s->elf_class, .machine = s->machine, .notes = notes->p,
		.notes_len = notes->len, .note_align = 4, .loads = loads,
		.nr_loads = s->nr_loads, .page_align_data = !s->packed,
	};
	struct ec_writer_ops ops = { .pwrite = buf_pwrite };
	struct ec_err err = { 0 };
	ec_writer *w;
	uint8_t chunk[PS * 3 + 1];

	for (size_t i = 0; i < s->nr_loads; i++) {
		loads[i] = (struct ec_load){
			.paddr = s->loads[i].paddr, .memsz = s->loads[i].memsz,
			.filesz = s->loads[i].filesz, .flags = 7,
			.vaddr = s->loads[i].has_vaddr ? s->loads[i].vaddr :
				 (s->elf_class == 1 ? 0xc0000000u : 0xffff888000000000ull) + s->loads[i].paddr,
		};
	}
	if (ec_writer_create(&p, &ops, out, &w, &err) < 0 || ec_writer_begin(w, &err) < 0)
		return fail(msg, msglen, "writer: %s", err.msg);
	for (size_t i = 0; i < s->nr_loads; i++) {
		seg_off[i] = ec_writer_seg_offset(w, i);
		/* odd chunk sizes exercise the writer's segment crossing */
		for (uint64_t done = 0; done < loads[i].filesz;) {
			size_t n = sizeof(chunk) - (done % 7);
			if (n > loads[i].filesz - done)
				n = (size_t)(loads[i].filesz - done);
			fill(chunk, loads[i].paddr + done, n);
			if (ec_writer_data(w, chunk, n, &err) < 0) {
				ec_writer_destroy(w);
				return fail(msg, msglen, "writer: %s", err.msg);
			}
			done += n;
		}
	}
	if (ec_writer_finish(w, &err) < 0 || (s->incomplete && ec_writer_mark_incomplete(w, &err) < 0)) {
		ec_writer_destroy(w);
		return fail(msg, msglen, "writer: %s", err.msg);
	}
	ec_writer_destroy(w);
	return 0;
}

static bool in_ranges(const struct spec_range *r, size_t n, uint64_t pfn)
{
	for (size_t i = 0; i < n; i++)
		if (pfn >= r[i].pfn && pfn - r[i].pfn < r[i].count)
			return true;
	return false;
}

/* kdump model: 1 = in memory, 2 = dumped */
static int kd_state(const struct spec *s, uint64_t pfn)
{
	for (size_t i = 0; i < s->nr_loads; i++) {
		const struct spec_load *l = &s->loads[i];
		if (pfn >= l->paddr / PS && pfn < (l->paddr + l->memsz) / PS) {
			if (pfn * PS >= l->paddr + l->filesz || in_ranges(s->excluded, s->nr_excluded, pfn))
				return 1;
			return 2;   /* in the 2nd bitmap (split files: of the whole dump) */
		}
	}
	return 0;
}

static uint64_t kd_max_mapnr(const struct spec *s)
{
	uint64_t m = 0;

	for (size_t i = 0; i < s->nr_loads; i++) {
		uint64_t e = (s->loads[i].paddr + s->loads[i].memsz + PS - 1) / PS;
		if (e > m)
			m = e;
	}
	return m;
}

static size_t compress_page(const char *m, const uint8_t *in, uint8_t *out, uint32_t *flags)
{
	size_t n = 0;

	*flags = 0;
	if (!strcmp(m, "zlib")) {
		uLongf l = compressBound(PS);
		if (compress2(out, &l, in, PS, 1) == Z_OK)
			n = l, *flags = 1;
	} else if (!strcmp(m, "lzo")) {
		static uint8_t wrk[LZO1X_1_MEM_COMPRESS];
		lzo_uint l = 0;
		if (lzo1x_1_compress(in, PS, out, &l, wrk) == LZO_E_OK)
			n = l, *flags = 2;
	} else if (!strcmp(m, "zstd")) {
		size_t l = ZSTD_compress(out, ZSTD_compressBound(PS), in, PS, 1);
		if (!ZSTD_isError(l))
			n = l, *flags = 0x20;
#if HAVE_SNAPPY
	} else if (!strcmp(m, "snappy")) {
		size_t l = snappy_max_compressed_length(PS);
		if (snappy_compress((const char *)in, PS, (char *)out, &l) == SNAPPY_OK)
			n = l, *flags = 4;
#endif
	}
	if (!*flags || n >= PS) {      /* not smaller: stored raw */
		memcpy(out, in, PS);
		*flags = 0;
		return PS;
	}
	return n;
}

static int build_kdump(const struct spec *s, struct buf *out, const struct buf *notes,
		       uint64_t *seg_off, char *msg, size_t msglen)
{
	bool l32 = s->elf_class == 1;
	uint64_t mapnr = kd_max_mapnr(s), bmb = (mapnr + 7) / 8, half = (bmb + PS - 1) / PS;
	uint64_t S = (104 + notes->len + PS - 1) / PS, M = 2 * (half ? half : 1), ndump = 0;
	uint8_t h[PS] = { 0 }, sub[PS] = { 0 }, page[PS], cpage[PS * 2];
	uint8_t *bm1 = calloc(1, M / 2 * PS), *bm2 = calloc(1, M / 2 * PS);
	uint64_t pd_off, data_off, zero_off = 0, idx = 0;
	bool zeros = s->nr_zero > 0;

	memcpy(h, "KDUMP   ", 8);
	ec_put32_(h + 8, (uint32_t)s->header_version);
	strcpy((char *)h + 12, "Linux");
	strcpy((char *)h + 12 + 65, "testhost");
	strcpy((char *)h + 12 + 130, s->expect_release[0] ? s->expect_release : "6.1.0-test");
	strcpy((char *)h + 12 + 195, "#1 SMP");
	strcpy((char *)h + 12 + 260, s->machine == EM_386 ? "i686" : "x86_64");
	uint32_t status = (!strcmp(s->compress, "zlib") ? 1 : !strcmp(s->compress, "lzo") ? 2 :
			   !strcmp(s->compress, "snappy") ? 4 : !strcmp(s->compress, "zstd") ? 0x20 : 0) |
			  (s->incomplete || s->lose ? 8 : 0);
	if (l32) {
		ec_put32_(h + 404, 1700000000);
		ec_put32_(h + 412, status);
		ec_put32_(h + 416, PS);
		ec_put32_(h + 420, (uint32_t)S);
		ec_put32_(h + 424, (uint32_t)M);
		ec_put32_(h + 428, (uint32_t)mapnr);
		ec_put32_(h + 448, (uint32_t)s->nr_pids);
	} else {
		ec_put64_(h + 408, 1700000000);
		ec_put32_(h + 424, status);
		ec_put32_(h + 428, PS);
		ec_put32_(h + 432, (uint32_t)S);
		ec_put32_(h + 436, (uint32_t)M);
		ec_put32_(h + 440, (uint32_t)mapnr);
		ec_put32_(h + 460, (uint32_t)s->nr_pids);
	}
	buf_put(out, h, 464, 0);
	/* sub header + notes */
	uint64_t vmci_off = 0;
	{
		/* the VMCOREINFO desc is the last note: its desc ends the notes (padded) */
		if (s->has_vmci)
			vmci_off = PS + 104 + notes->len - ((s->vmci_len + 3) & ~3ull);
	}
	if (l32) {
		ec_put32_(sub + 4, zeros ? 1 : 0);
		ec_put64_(sub + 20, vmci_off);
		ec_put32_(sub + 28, (uint32_t)(s->has_vmci ? s->vmci_len : 0));
		ec_put64_(sub + 32, PS + 104);
		ec_put32_(sub + 40, (uint32_t)notes->len);
		ec_put64_(sub + 72, mapnr);
	} else {
		ec_put32_(sub + 8, zeros ? 1 : 0);
		ec_put64_(sub + 32, vmci_off);
		ec_put64_(sub + 40, s->has_vmci ? s->vmci_len : 0);
		ec_put64_(sub + 48, PS + 104);
		ec_put64_(sub + 56, notes->len);
		ec_put64_(sub + 96, mapnr);
		if (s->split_end) {
			ec_put32_(sub + 12, 1);
			ec_put64_(sub + 16, s->split_start);   /* obsolete copies, used before v6 */
			ec_put64_(sub + 24, s->split_end);
			ec_put64_(sub + 80, s->header_version >= 6 ? s->split_start : 0);
			ec_put64_(sub + 88, s->header_version >= 6 ? s->split_end : 0);
		}
	}
	buf_put(out, sub, 104, PS);
	if (notes->len)
		buf_put(out, notes->p, notes->len, PS + 104);
	for (uint64_t p = 0; p < mapnr; p++) {
		int st = kd_state(s, p);
		if (st >= 1)
			bm1[p / 8] |= (uint8_t)(1 << (p % 8));
		if (st == 2) {
			bm2[p / 8] |= (uint8_t)(1 << (p % 8));
			if (!s->split_end || (p >= s->split_start && p < s->split_end))
				ndump++;
		}
	}
	buf_put(out, bm1, M / 2 * PS, (1 + S) * PS);
	buf_put(out, bm2, M / 2 * PS, (1 + S + M / 2) * PS);
	pd_off = (1 + S + M) * PS;
	data_off = pd_off + 24 * ndump;
	if (zeros) {
		memset(page, 0, PS);
		zero_off = data_off;
		buf_put(out, page, PS, data_off);
		data_off += PS;
	}
	seg_off[SPEC_MAX] = UINT64_MAX;   /* first lost pfn */
	for (uint64_t p = 0; p < mapnr; p++) {
		uint8_t pd[24] = { 0 };
		uint32_t flags, size;
		if (kd_state(s, p) != 2 || (s->split_end && (p < s->split_start || p >= s->split_end)))
			continue;
		if (idx >= ndump - s->lose && s->lose) {
			if (seg_off[SPEC_MAX] == UINT64_MAX)
				seg_off[SPEC_MAX] = p;
			idx++;
			continue;          /* descriptor and data never written */
		}
		if (in_ranges(s->zero, s->nr_zero, p)) {
			ec_put64_(pd, zero_off);
			ec_put32_(pd + 8, PS);
		} else {
			fill(page, p * PS, PS);
			size = (uint32_t)compress_page(s->compress, page, cpage, &flags);
			ec_put64_(pd, data_off);
			ec_put32_(pd + 8, size);
			ec_put32_(pd + 12, flags);
			buf_put(out, cpage, size, data_off);
			data_off += size;
		}
		buf_put(out, pd, 24, pd_off + 24 * idx);
		idx++;
	}
	if (out->len < pd_off + 24 * ndump) {    /* lost tail descriptors read as zero */
		uint8_t z = 0;
		buf_put(out, &z, 1, pd_off + 24 * ndump - 1);
	}
	free(bm1);
	free(bm2);
	(void)msg;
	(void)msglen;
	return 0;
}

static void apply_patches(const struct spec *s, struct buf *out)
{
	bool is64 = s->elf_class == 2;

	for (size_t i = 0; i < s->nr_patches; i++) {
		const struct spec_patch *p = &s->patches[i];
		uint8_t v[8];
		uint64_t off = p->a, w = p->b;
		if (p->kind == 1) {
			static const char *f[] = { "type", "flags", "offset", "vaddr", "paddr", "filesz", "memsz", "align" };
			static const uint8_t o64[] = { 0, 4, 8, 16, 24, 32, 40, 48 }, o32[] = { 0, 24, 4, 8, 12, 16, 20, 28 };
			size_t k = 0;
			while (k < 8 && strcmp(f[k], p->field))
				k++;
			if (k == 8)
				continue;
			off = (is64 ? 64 + 56 * p->a + o64[k] : 52 + 32 * p->a + o32[k]);
			w = (is64 && k >= 2) ? 8 : 4;
		} else if (p->kind == 2) {
			if (!strcmp(p->field, "phnum"))
				off = is64 ? 56 : 44, w = 2;
			else if (!strcmp(p->field, "phoff"))
				off = is64 ? 32 : 28, w = is64 ? 8 : 4;
			else if (!strcmp(p->field, "flags"))
				off = is64 ? 48 : 36, w = 4;
			else if (!strcmp(p->field, "type"))
				off = 16, w = 2;
			else
				continue;
		}
		for (unsigned b = 0; b < 8; b++)
			v[b] = (uint8_t)(p->c >> 8 * b);
		buf_put(out, v, (size_t)w, off);
	}
}

static void flatten(const struct spec *s, struct buf *out)
{
	struct buf f = { 0 };
	uint8_t h[4096] = { 0 }, rh[16];
	uint64_t chunk = s->flat_chunk ? s->flat_chunk : 1000, n = (out->len + chunk - 1) / chunk;

	memcpy(h, "makedumpfile", 12);
	h[23] = 1;
	h[31] = 1;
	buf_put(&f, h, sizeof(h), 0);
	/* a stale record first (garbage over bytes 0..15), overwritten later */
	for (int i = 0; i < 8; i++) {
		rh[i] = 0;
		rh[8 + i] = i == 7 ? 16 : 0;
	}
	buf_put(&f, rh, 16, f.len);
	buf_put(&f, "GARBAGEGARBAGE!!", 16, f.len);
	/* records in reverse order, zero chunks skipped (they stay holes) */
	for (uint64_t k = n; k-- > 0;) {
		uint64_t off = k * chunk, len = out->len - off < chunk ? out->len - off : chunk;
		bool allzero = true;
		for (uint64_t i = 0; i < len && allzero; i++)
			allzero = !out->p[off + i];
		if (allzero && k)
			continue;
		for (int i = 0; i < 8; i++) {
			rh[i] = (uint8_t)(off >> (56 - 8 * i));
			rh[8 + i] = (uint8_t)(len >> (56 - 8 * i));
		}
		buf_put(&f, rh, 16, f.len);
		buf_put(&f, out->p + off, (size_t)len, f.len);
	}
	/* the last byte of the file must exist for the logical size */
	memset(rh, 0xff, 16);
	buf_put(&f, rh, 16, f.len);
	free(out->p);
	*out = f;
}

int spec_build(const struct spec *s, uint8_t **ret, size_t *ret_len, uint64_t *seg_off,
	       char *msg, size_t msglen)
{
	struct buf out = { 0 }, notes = { 0 };
	int r;

	build_notes(s, &notes);
	if (!strcmp(s->format, "kdump"))
		r = build_kdump(s, &out, &notes, seg_off, msg, msglen);
	else
		r = build_elf(s, &out, &notes, seg_off, msg, msglen);
	free(notes.p);
	if (r < 0) {
		free(out.p);
		return r;
	}
	apply_patches(s, &out);
	if (s->truncate >= 0 && (size_t)s->truncate < out.len)
		out.len = (size_t)s->truncate;
	seg_off[SPEC_MAX + 1] = out.len;
	if (s->flatten)
		flatten(s, &out);
	*ret = out.p;
	*ret_len = out.len;
	return 0;
}

int spec_expect(const struct spec *s, const uint64_t *seg_off, size_t plain_len, uint64_t p)
{
	if (!strcmp(s->format, "kdump")) {
		uint64_t pfn = p / PS;
		if (kd_state(s, pfn) != 2 || pfn >= seg_off[SPEC_MAX] ||
		    (s->split_end && (pfn < s->split_start || pfn >= s->split_end)))
			return -1;
		return in_ranges(s->zero, s->nr_zero, pfn) ? 0 : spec_pat(p);
	}
	for (size_t i = 0; i < s->nr_loads; i++) {
		const struct spec_load *l = &s->loads[i];
		if (p >= l->paddr && p - l->paddr < l->filesz && seg_off[i] + (p - l->paddr) < plain_len)
			return spec_pat(p);
	}
	return -1;
}
