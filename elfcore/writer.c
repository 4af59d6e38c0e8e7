/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming ELF core writer (formats.md §1): Ehdr + phdrs (+ PN_XNUM shdr),
 * notes, then segment data strictly in order. Two layouts: /proc/vmcore-like
 * (headers and notes padded to 4096, each PT_LOAD in its own page-aligned
 * chunk with p_offset ≡ p_paddr mod 4096) and packed (makedumpfile -E).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include "priv.h"

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~(uint64_t)((a) - 1))

struct ec_writer {
	struct ec_writer_params p;
	struct ec_load *loads;       /* copy with offsets assigned */
	uint8_t *notes;
	const struct ec_writer_ops *ops;
	void *ctx;
	uint64_t notes_off, hdr_len;
	size_t nphdr;
	bool xnum;
	size_t seg;                  /* current segment */
	uint64_t seg_pos;            /* bytes written into it */
	uint64_t bytes;
	bool begun;
};

static int put_all(ec_writer *w, const void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = w->ops->pwrite(w->ctx, p, len, off);
		if (n <= 0) {
			int r = n < 0 ? (int)n : -EIO;
			return ec_set_err(err, r, "ELF writer: write of %zu bytes at offset 0x%llx failed: %s",
					  len, (unsigned long long)off, strerror(-r));
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
		w->bytes += (uint64_t)n;
	}
	return 0;
}

int ec_writer_create(const struct ec_writer_params *p, const struct ec_writer_ops *ops,
		     void *ctx, ec_writer **ret, struct ec_err *err)
{
	bool is64 = p->elf_class == ELFCLASS64;
	uint64_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32, sh = is64 ? 64 : 40, cur;
	ec_writer *w;

	if (p->elf_class != ELFCLASS32 && p->elf_class != ELFCLASS64)
		return ec_set_err(err, -EINVAL, "ELF writer: class %d is not 1 or 2", p->elf_class);
	if (p->nr_loads >= EC_MAX_PHNUM)
		return ec_set_err(err, -E2BIG, "ELF writer: %zu segments are too many", p->nr_loads);
	if (p->note_align == 8)
		return ec_set_err(err, -EINVAL, "ELF writer: PT_NOTE p_align 8 would make drgn misparse kernel notes");
	for (size_t i = 0; i < p->nr_loads; i++) {
		const struct ec_load *l = &p->loads[i];
		if (l->filesz > l->memsz || l->paddr > UINT64_MAX - l->memsz)
			return ec_set_err(err, -EINVAL, "ELF writer: segment %zu: filesz 0x%llx > memsz 0x%llx or wraps",
					  i, (unsigned long long)l->filesz, (unsigned long long)l->memsz);
		if (!is64 && (l->paddr + l->memsz > UINT32_MAX + 1ull || l->vaddr > UINT32_MAX))
			return ec_set_err(err, -EOVERFLOW, "ELF writer: segment %zu at 0x%llx does not fit ELF32",
					  i, (unsigned long long)l->paddr);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return ec_set_err(err, -ENOMEM, "out of memory");
	w->p = *p;
	w->ops = ops;
	w->ctx = ctx;
	w->loads = calloc(p->nr_loads + 1, sizeof(*w->loads));
	w->notes = malloc(p->notes_len + 1);
	if (!w->loads || !w->notes) {
		ec_writer_destroy(w);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	if (p->nr_loads)
		memcpy(w->loads, p->loads, p->nr_loads * sizeof(*w->loads));
	if (p->notes_len)
		memcpy(w->notes, p->notes, p->notes_len);
	w->p.loads = w->loads;
	w->p.notes = w->notes;
	w->nphdr = 1 + p->nr_loads;
	w->xnum = w->nphdr >= PN_XNUM;
	w->hdr_len = eh + w->nphdr * ph + (w->xnum ? sh : 0);
	if (p->page_align_data) {
		w->notes_off = ALIGN_UP(w->hdr_len, 4096);
		cur = w->notes_off + ALIGN_UP(p->notes_len, 4096);
	} else {
		w->notes_off = w->hdr_len;
		cur = w->notes_off + p->notes_len;
	}
	for (size_t i = 0; i < p->nr_loads; i++) {
		struct ec_load *l = &w->loads[i];
		if (p->page_align_data) {
			uint64_t start = l->paddr & ~4095ull, end = ALIGN_UP(l->paddr + l->filesz, 4096);
			l->offset = cur + (l->paddr & 4095);
			cur += end - start;
		} else {
			l->offset = l->filesz ? cur : 0;
			cur += l->filesz;
		}
		if (!is64 && l->offset + l->filesz > UINT32_MAX) {
			ec_writer_destroy(w);
			return ec_set_err(err, -EOVERFLOW, "ELF writer: segment %zu data would end past 4 GiB in an ELF32 file", i);
		}
	}
	*ret = w;
	return 0;
}

void ec__put_phdr(uint8_t *b, bool is64, uint32_t type, uint32_t flags, uint64_t off,
		  uint64_t vaddr, uint64_t paddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	if (is64) {
		ec_put32(b, type);
		ec_put32(b + 4, flags);
		ec_put64(b + 8, off);
		ec_put64(b + 16, vaddr);
		ec_put64(b + 24, paddr);
		ec_put64(b + 32, filesz);
		ec_put64(b + 40, memsz);
		ec_put64(b + 48, align);
	} else {
		ec_put32(b, type);
		ec_put32(b + 4, (uint32_t)off);
		ec_put32(b + 8, (uint32_t)vaddr);
		ec_put32(b + 12, (uint32_t)paddr);
		ec_put32(b + 16, (uint32_t)filesz);
		ec_put32(b + 20, (uint32_t)memsz);
		ec_put32(b + 24, flags);
		ec_put32(b + 28, (uint32_t)align);
	}
}

/* Ehdr at b; shared with the elfcorehdr builder. */
void ec__put_ehdr(uint8_t *b, int cls, uint16_t machine, size_t nphdr, uint64_t *ret_shoff)
{
	bool is64 = cls == ELFCLASS64, xnum = nphdr >= PN_XNUM;
	uint64_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32;
	uint64_t shoff = xnum ? eh + nphdr * ph : 0;

	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = (uint8_t)cls;
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	ec_put16(b + 16, ET_CORE);
	ec_put16(b + 18, machine);
	ec_put32(b + 20, EV_CURRENT);
	if (is64) {
		ec_put64(b + 32, eh);            /* e_phoff */
		ec_put64(b + 40, shoff);
		ec_put16(b + 52, (uint16_t)eh);
		ec_put16(b + 54, (uint16_t)ph);
		ec_put16(b + 56, xnum ? PN_XNUM : (uint16_t)nphdr);
		ec_put16(b + 58, xnum ? 64 : 0);
		ec_put16(b + 60, xnum ? 1 : 0);
	} else {
		ec_put32(b + 28, (uint32_t)eh);
		ec_put32(b + 32, (uint32_t)shoff);
		ec_put16(b + 40, (uint16_t)eh);
		ec_put16(b + 42, (uint16_t)ph);
		ec_put16(b + 44, xnum ? PN_XNUM : (uint16_t)nphdr);
		ec_put16(b + 46, xnum ? 40 : 0);
		ec_put16(b + 48, xnum ? 1 : 0);
	}
	if (xnum) {
		uint8_t *s = b + shoff;          /* SHT_NULL section 0 carries the count */
		if (is64) {
			ec_put64(s + 32, 1);             /* sh_size */
			ec_put32(s + 44, (uint32_t)nphdr); /* sh_info */
		} else {
			ec_put32(s + 20, 1);
			ec_put32(s + 28, (uint32_t)nphdr);
		}
	}
	if (ret_shoff)
		*ret_shoff = shoff;
}

int ec_writer_begin(ec_writer *w, struct ec_err *err)
{
	bool is64 = w->p.elf_class == ELFCLASS64;
	uint64_t ph = is64 ? 56 : 32, eh = is64 ? 64 : 52;
	uint8_t *b;
	int r;

	if (w->begun)
		return ec_set_err(err, -EINVAL, "ELF writer: begin called twice");
	b = calloc(1, (size_t)w->hdr_len);
	if (!b)
		return ec_set_err(err, -ENOMEM, "out of memory");
	ec__put_ehdr(b, w->p.elf_class, w->p.machine, w->nphdr, NULL);
	ec__put_phdr(b + eh, is64, PT_NOTE, 0, w->notes_off, 0, 0, w->p.notes_len, w->p.notes_len,
		 w->p.note_align);
	for (size_t i = 0; i < w->p.nr_loads; i++) {
		const struct ec_load *l = &w->loads[i];
		ec__put_phdr(b + eh + (i + 1) * ph, is64, PT_LOAD, l->flags, l->offset, l->vaddr,
			 l->paddr, l->filesz, l->memsz, 0);
	}
	r = put_all(w, b, (size_t)w->hdr_len, 0, err);
	free(b);
	if (r == 0 && w->p.notes_len)
		r = put_all(w, w->notes, w->p.notes_len, w->notes_off, err);
	if (r == 0)
		w->begun = true;
	return r;
}

int ec_writer_data(ec_writer *w, const void *buf, size_t len, struct ec_err *err)
{
	const uint8_t *p = buf;

	if (!w->begun)
		return ec_set_err(err, -EINVAL, "ELF writer: data before begin");
	while (len) {
		while (w->seg < w->p.nr_loads && w->seg_pos == w->loads[w->seg].filesz) {
			w->seg++;
			w->seg_pos = 0;
		}
		if (w->seg >= w->p.nr_loads)
			return ec_set_err(err, -EINVAL, "ELF writer: %zu bytes more than the segments hold", len);
		const struct ec_load *l = &w->loads[w->seg];
		uint64_t rem = l->filesz - w->seg_pos;
		size_t n = rem < len ? (size_t)rem : len;
		int r = put_all(w, p, n, l->offset + w->seg_pos, err);
		if (r < 0)
			return r;
		w->seg_pos += n;
		p += n;
		len -= n;
	}
	return 0;
}

int ec_writer_finish(ec_writer *w, struct ec_err *err)
{
	if (!w->begun)
		return ec_set_err(err, -EINVAL, "ELF writer: finish before begin");
	while (w->seg < w->p.nr_loads && w->seg_pos == w->loads[w->seg].filesz) {
		w->seg++;
		w->seg_pos = 0;
	}
	if (w->seg < w->p.nr_loads)
		return ec_set_err(err, -EINVAL, "ELF writer: finished with segment %zu short by 0x%llx bytes",
				  w->seg, (unsigned long long)(w->loads[w->seg].filesz - w->seg_pos));
	return 0;
}

int ec_writer_set_incomplete(ec_writer *w, bool on, struct ec_err *err)
{
	uint8_t f[4];

	ec_put32(f, on ? 1 : 0);   /* DUMP_ELF_INCOMPLETE; the writer never sets other e_flags */
	return put_all(w, f, 4, w->p.elf_class == ELFCLASS64 ? 48 : 36, err);
}

int ec_writer_mark_incomplete(ec_writer *w, struct ec_err *err)
{
	return ec_writer_set_incomplete(w, true, err);
}

uint64_t ec_writer_bytes(const ec_writer *w)
{
	return w->bytes;
}

uint64_t ec_writer_seg_offset(const ec_writer *w, size_t idx)
{
	return idx < w->p.nr_loads ? w->loads[idx].offset : 0;
}

void ec_writer_destroy(ec_writer *w)
{
	if (!w)
		return;
	free(w->loads);
	free(w->notes);
	free(w);
}
