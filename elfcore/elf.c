/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF32/ELF64 core reader (files, /proc/vmcore, /dev/oldmem + elfcorehdr).
 * Header fields needed to size the header image are checked by hand first;
 * libelf then decodes the (bounded, in-memory) image. For /dev/oldmem the file
 * offset of a PT_LOAD is the old physical address of its data, so a low-memory
 * segment whose p_offset points at the i386 backup region reads from there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <gelf.h>
#include "priv.h"

struct elf_priv {
	size_t *idx;          /* load indices sorted by paddr, contained ones dropped */
	size_t n;
	uint64_t *avail;      /* per load: bytes of p_filesz actually in the file */
	uint64_t pages;
};

static int cmp_paddr_ctx(const void *a, const void *b, void *ctx)
{
	const struct ec_load *l = ctx;
	const struct ec_load *x = &l[*(const size_t *)a], *y = &l[*(const size_t *)b];

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	if (x->memsz != y->memsz)        /* the bigger (container) first */
		return x->memsz > y->memsz ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int cmp_off_ctx(const void *a, const void *b, void *ctx)
{
	const struct ec_load *l = ctx;
	const struct ec_load *x = &l[*(const size_t *)a], *y = &l[*(const size_t *)b];

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Read (or, for oldmem, copy) the Ehdr + phdrs (+ PN_XNUM shdr) image. */
static int header_image(ec_dump *d, uint8_t **ret_img, size_t *ret_len, struct ec_err *err)
{
	uint8_t eh[64] = { 0 };
	uint64_t avail = d->oldmem_hdr ? d->oldmem_hdr_len : d->io.size;
	const char *what = d->oldmem_hdr ? "elfcorehdr" : d->path;
	size_t ehsize, phentsize, shentsize;
	uint64_t phoff, shoff, phnum, need;
	int cls;
	uint8_t *img;

	if (avail < EI_NIDENT + 8)
		return ec_set_err(err, -EBADMSG, "%s: truncated: %llu bytes cannot hold an ELF header",
				  what, (unsigned long long)avail);
	size_t first = avail < sizeof(eh) ? (size_t)avail : sizeof(eh);
	if (d->oldmem_hdr)
		memcpy(eh, d->oldmem_hdr, first);
	else {
		int r = ec__io_pread(&d->io, eh, first, 0, err);
		if (r < 0)
			return r;
	}
	cls = eh[EI_CLASS];
	if (cls != ELFCLASS32 && cls != ELFCLASS64)
		return ec_set_err(err, -EBADMSG, "%s: offset 0x%x: unsupported ELF class %d", what, EI_CLASS, cls);
	if (eh[EI_DATA] != ELFDATA2LSB)
		return ec_set_err(err, -EPROTONOSUPPORT, "%s: offset 0x%x: only little-endian ELF cores are supported",
				  what, EI_DATA);
	ehsize = cls == ELFCLASS64 ? 64 : 52;
	phentsize = cls == ELFCLASS64 ? 56 : 32;
	shentsize = cls == ELFCLASS64 ? 64 : 40;
	if (avail < ehsize)
		return ec_set_err(err, -EBADMSG, "%s: truncated: %llu bytes cannot hold an ELF%d header",
				  what, (unsigned long long)avail, cls == ELFCLASS64 ? 64 : 32);
	if (ec_le16(eh + 16) != ET_CORE)
		return ec_set_err(err, -EBADMSG, "%s: offset 0x10: e_type %u is not ET_CORE", what, ec_le16(eh + 16));
	if (cls == ELFCLASS64) {
		phoff = ec_le64(eh + 32);
		shoff = ec_le64(eh + 40);
		d->incomplete = ec_le32(eh + 48) & 1;
		if (ec_le16(eh + 54) != phentsize)
			return ec_set_err(err, -EBADMSG, "%s: offset 0x36: e_phentsize %u, expected %zu",
					  what, ec_le16(eh + 54), phentsize);
		phnum = ec_le16(eh + 56);
	} else {
		phoff = ec_le32(eh + 28);
		shoff = ec_le32(eh + 32);
		d->incomplete = ec_le32(eh + 36) & 1;
		if (ec_le16(eh + 42) != phentsize)
			return ec_set_err(err, -EBADMSG, "%s: offset 0x2a: e_phentsize %u, expected %zu",
					  what, ec_le16(eh + 42), phentsize);
		phnum = ec_le16(eh + 44);
	}
	d->elf_class = cls;
	d->machine = ec_le16(eh + 18);
	need = phoff;
	if (phnum == 0)
		return ec_set_err(err, -EBADMSG, "%s: ELF core has no program headers", what);
	if (phnum == PN_XNUM) {
		uint8_t sh[64];
		if (shoff < ehsize || shoff > avail || avail - shoff < shentsize)
			return ec_set_err(err, -EBADMSG, "%s: e_phnum is PN_XNUM but section header 0 at offset 0x%llx is outside the file",
					  what, (unsigned long long)shoff);
		if (d->oldmem_hdr)
			memcpy(sh, (const uint8_t *)d->oldmem_hdr + shoff, shentsize);
		else {
			int r = ec__io_pread(&d->io, sh, shentsize, shoff, err);
			if (r < 0)
				return r;
		}
		phnum = ec_le32(sh + (cls == ELFCLASS64 ? 44 : 28));   /* sh_info */
		if (shoff + shentsize > need)
			need = shoff + shentsize;
	}
	if (phnum > EC_MAX_PHNUM)
		return ec_set_err(err, -EBADMSG, "%s: %llu program headers is more than the %u allowed",
				  what, (unsigned long long)phnum, EC_MAX_PHNUM);
	if (phoff < ehsize || phoff > avail || (avail - phoff) / phentsize < phnum)
		return ec_set_err(err, -EBADMSG, "%s: %llu program headers at offset 0x%llx run past the end (0x%llx)",
				  what, (unsigned long long)phnum, (unsigned long long)phoff,
				  (unsigned long long)avail);
	if (phoff + phnum * phentsize > need)
		need = phoff + phnum * phentsize;
	if (need > EC_MAX_HDR_BYTES)
		return ec_set_err(err, -EFBIG, "%s: ELF headers of %llu bytes are too big",
				  what, (unsigned long long)need);
	img = malloc((size_t)need);
	if (!img)
		return ec_set_err(err, -ENOMEM, "out of memory");
	if (d->oldmem_hdr)
		memcpy(img, d->oldmem_hdr, (size_t)need);
	else {
		int r = ec__io_pread(&d->io, img, (size_t)need, 0, err);
		if (r < 0) {
			free(img);
			return r;
		}
	}
	*ret_img = img;
	*ret_len = (size_t)need;
	return 0;
}

static int read_notes(ec_dump *d, const GElf_Phdr *ph, size_t i, struct ec_err *err)
{
	uint64_t len = d->oldmem_hdr ? ph->p_memsz : ph->p_filesz;
	uint8_t *buf;
	int r;

	if (len == 0)
		return 0;
	if (len > EC_MAX_NOTES_BYTES)
		return ec_set_err(err, -EFBIG, "%s: PT_NOTE %zu at offset 0x%llx: %llu bytes is too big",
				  d->path, i, (unsigned long long)ph->p_offset, (unsigned long long)len);
	if (d->io.size != EC_SIZE_UNKNOWN &&
	    (ph->p_offset > d->io.size || len > d->io.size - ph->p_offset))
		return ec_set_err(err, -EBADMSG, "%s: PT_NOTE %zu data [0x%llx, 0x%llx) runs past the end of the file (0x%llx)",
				  d->path, i, (unsigned long long)ph->p_offset,
				  (unsigned long long)(ph->p_offset + len), (unsigned long long)d->io.size);
	buf = malloc((size_t)len);
	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	r = ec__io_pread(&d->io, buf, (size_t)len, ph->p_offset, err);
	if (r == 0) {
		/* elfcorehdr p_memsz is the buffer size; the notes end at a null header */
		if (d->format == EC_FMT_OLDMEM)
			len = ec__notes_real_len(buf, (size_t)len);
		r = ec__notes_add(d, buf, (size_t)len, ph->p_offset, err);
	}
	free(buf);
	return r;
}

static int check_loads(ec_dump *d, struct elf_priv *ep, struct ec_err *err)
{
	size_t *tmp, n = 0;

	tmp = malloc((d->nr_loads + 1) * sizeof(*tmp));
	if (!tmp)
		return ec_set_err(err, -ENOMEM, "out of memory");
	/* file ranges must not overlap (except in /dev/oldmem, where they are memory) */
	if (d->format != EC_FMT_OLDMEM) {
		for (size_t i = 0; i < d->nr_loads; i++)
			if (d->loads[i].filesz)
				tmp[n++] = i;
		qsort_r(tmp, n, sizeof(*tmp), cmp_off_ctx, d->loads);
		for (size_t k = 1; k < n; k++) {
			const struct ec_load *a = &d->loads[tmp[k - 1]], *b = &d->loads[tmp[k]];
			if (a->offset + a->filesz > b->offset) {
				int r = ec_set_err(err, -EBADMSG, "%s: PT_LOAD data at offset 0x%llx+0x%llx overlaps PT_LOAD data at offset 0x%llx",
						   d->path, (unsigned long long)a->offset, (unsigned long long)a->filesz,
						   (unsigned long long)b->offset);
				free(tmp);
				return r;
			}
		}
	}
	/* physical ranges: disjoint, or one inside another (the kernel text
	 * segment lies inside its System RAM segment) */
	n = 0;
	for (size_t i = 0; i < d->nr_loads; i++)
		if (d->loads[i].memsz)
			tmp[n++] = i;
	qsort_r(tmp, n, sizeof(*tmp), cmp_paddr_ctx, d->loads);
	ep->idx = tmp;
	ep->n = 0;
	uint64_t outer_end = 0;
	for (size_t k = 0; k < n; k++) {
		const struct ec_load *l = &d->loads[tmp[k]];
		uint64_t end = l->paddr + l->memsz;
		if (ep->n == 0 || l->paddr >= outer_end) {
			tmp[ep->n++] = tmp[k];
			outer_end = end;
		} else if (end > outer_end) {
			const struct ec_load *o = &d->loads[tmp[ep->n - 1]];
			return ec_set_err(err, -EBADMSG, "%s: PT_LOAD at physical [0x%llx, 0x%llx) partially overlaps PT_LOAD at [0x%llx, 0x%llx)",
					  d->path, (unsigned long long)l->paddr, (unsigned long long)end,
					  (unsigned long long)o->paddr, (unsigned long long)outer_end);
		}
	}
	ep->pages = 0;
	for (size_t k = 0; k < ep->n; k++) {
		size_t i = ep->idx[k];
		uint64_t a = (d->loads[i].paddr + d->page_size - 1) / d->page_size;
		uint64_t b = (d->loads[i].paddr + ep->avail[i]) / d->page_size;
		if (b > a)
			ep->pages += b - a;
	}
	return 0;
}

static int elf_open(ec_dump *d, struct ec_err *err)
{
	struct elf_priv *ep;
	uint8_t *img = NULL;
	size_t img_len = 0, phnum;
	uint64_t phoff;
	Elf *e;
	int r;

	r = header_image(d, &img, &img_len, err);
	if (r < 0)
		return r;
	ep = calloc(1, sizeof(*ep));
	if (!ep) {
		free(img);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	d->fmt = ep;
	elf_version(EV_CURRENT);
	e = elf_memory((char *)img, img_len);
	if (!e || elf_getphdrnum(e, &phnum) != 0) {
		r = ec_set_err(err, -EBADMSG, "%s: libelf cannot parse the ELF header: %s",
			       d->path, elf_errmsg(-1));
		goto out;
	}
	{
		GElf_Ehdr eh;
		phoff = gelf_getehdr(e, &eh) ? eh.e_phoff : 0;
	}
	d->loads = calloc(phnum ? phnum : 1, sizeof(*d->loads));
	ep->avail = calloc(phnum ? phnum : 1, sizeof(*ep->avail));
	if (!d->loads || !ep->avail) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	/* page size may come from VMCOREINFO: read the notes first */
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			r = ec_set_err(err, -EBADMSG, "%s: program header %zu: %s", d->path, i, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type != PT_NOTE)
			continue;
		if (!d->note_align_set) {
			d->note_align = ph.p_align > 0xffffffffu ? 0xffffffffu : (uint32_t)ph.p_align;
			d->note_align_set = true;
		}
		if ((r = read_notes(d, &ph, i, err)) < 0)
			goto out;
	}
	if (d->vmci) {
		uint64_t ps;
		if (ec_vmci_u64(d->vmci, "PAGESIZE", 10, &ps) == 0 && ps >= 512 &&
		    ps <= (1u << 20) && !(ps & (ps - 1))) {
			d->page_size = (uint32_t)ps;
			d->page_shift = (unsigned)__builtin_ctzll(ps);
		}
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		struct ec_load *l;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_memsz > EC_MAX_PHYS ||
		    ph.p_paddr > EC_MAX_PHYS - ph.p_memsz ||
		    ph.p_offset > UINT64_MAX - ph.p_filesz) {
			r = ec_set_err(err, -EBADMSG, "%s: program header %zu (at offset 0x%llx): absurd PT_LOAD: paddr 0x%llx memsz 0x%llx filesz 0x%llx offset 0x%llx",
				       d->path, i, (unsigned long long)(phoff + i * (d->elf_class == ELFCLASS64 ? 56 : 32)),
				       (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz,
				       (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_offset);
			goto out;
		}
		l = &d->loads[d->nr_loads];
		l->paddr = ph.p_paddr;
		l->vaddr = ph.p_vaddr;
		l->offset = ph.p_offset;
		l->filesz = ph.p_filesz;
		l->memsz = ph.p_memsz;
		l->flags = ph.p_flags;
		ep->avail[d->nr_loads] = ph.p_filesz;
		if (d->io.size != EC_SIZE_UNKNOWN && ph.p_filesz &&
		    ph.p_offset + ph.p_filesz > d->io.size) {
			if (!d->incomplete && !(d->flags & EC_OPEN_TRUNCATED_OK)) {
				r = ec_set_err(err, -EBADMSG, "%s: truncated: PT_LOAD %zu data [0x%llx, 0x%llx) runs past the end of the file (0x%llx)",
					       d->path, i, (unsigned long long)ph.p_offset,
					       (unsigned long long)(ph.p_offset + ph.p_filesz),
					       (unsigned long long)d->io.size);
				goto out;
			}
			d->truncated = true;
			ep->avail[d->nr_loads] = ph.p_offset >= d->io.size ? 0 : d->io.size - ph.p_offset;
		}
		d->nr_loads++;
	}
	r = check_loads(d, ep, err);
out:
	if (e)
		elf_end(e);
	free(img);
	return r;
}

/* Position in ep->idx of the segment containing paddr, or of the next one
 * (ep->n if none) with *inside false. */
static size_t find_seg(const ec_dump *d, const struct elf_priv *ep, uint64_t paddr, bool *inside)
{
	size_t lo = 0, hi = ep->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->loads[ep->idx[mid]].paddr <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo = first segment starting after paddr */
	if (lo > 0) {
		const struct ec_load *l = &d->loads[ep->idx[lo - 1]];
		if (paddr - l->paddr < l->memsz) {
			*inside = true;
			return lo - 1;
		}
	}
	*inside = false;
	return lo;
}

static uint64_t elf_span(ec_dump *d, uint64_t paddr)
{
	const struct elf_priv *ep = d->fmt;
	bool in;
	size_t k = find_seg(d, ep, paddr, &in);

	if (!in)
		return k < ep->n ? d->loads[ep->idx[k]].paddr - paddr
				 : (paddr == UINT64_MAX ? 1 : UINT64_MAX - paddr);
	const struct ec_load *l = &d->loads[ep->idx[k]];
	uint64_t rel = paddr - l->paddr, av = ep->avail[ep->idx[k]];
	return rel < av ? av - rel : l->memsz - rel;
}

static int elf_read(ec_dump *d, uint64_t paddr, void *buf, size_t len, struct ec_err *err)
{
	const struct elf_priv *ep = d->fmt;
	bool in;
	size_t k = find_seg(d, ep, paddr, &in);

	if (!in)
		return ec_set_err(err, -ENODATA, "%s: physical 0x%llx is in no PT_LOAD (not in this dump)",
				  d->path, (unsigned long long)paddr);
	size_t i = ep->idx[k];
	const struct ec_load *l = &d->loads[i];
	uint64_t rel = paddr - l->paddr;
	if (rel >= ep->avail[i])
		return ec_set_err(err, -ENODATA, "%s: physical 0x%llx is excluded (PT_LOAD %zu holds data only up to 0x%llx)%s",
				  d->path, (unsigned long long)paddr, i,
				  (unsigned long long)(l->paddr + ep->avail[i]),
				  rel < l->filesz ? ", the file is truncated" : "");
	return ec__io_pread(&d->io, buf, len, l->offset + rel, err);
}

static int elf_map(ec_dump *d, uint64_t paddr, size_t len, const void **ret)
{
	const struct elf_priv *ep = d->fmt;
	bool in;
	size_t k = find_seg(d, ep, paddr, &in);

	if (!in)
		return -EOPNOTSUPP;
	size_t i = ep->idx[k];
	const struct ec_load *l = &d->loads[i];
	uint64_t rel = paddr - l->paddr;
	if (rel >= ep->avail[i] || len > ep->avail[i] - rel)
		return -EOPNOTSUPP;
	return ec__io_map(&d->io, l->offset + rel, len, ret);
}

static bool elf_pfn_present(ec_dump *d, uint64_t pfn)
{
	const struct elf_priv *ep = d->fmt;
	uint64_t a = pfn << d->page_shift;
	bool in;
	size_t k = find_seg(d, ep, a, &in);

	if (!in)
		return false;
	size_t i = ep->idx[k];
	return a - d->loads[i].paddr + d->page_size <= ep->avail[i];
}

static uint64_t elf_pages_present(ec_dump *d)
{
	return ((const struct elf_priv *)d->fmt)->pages;
}

static void elf_cleanup(ec_dump *d)
{
	struct elf_priv *ep = d->fmt;

	if (!ep)
		return;
	free(ep->idx);
	free(ep->avail);
	free(ep);
	d->fmt = NULL;
}

const struct ec_fmt_ops ec__elf_ops = {
	.name = "elf",
	.open = elf_open,
	.read = elf_read,
	.span = elf_span,
	.map = elf_map,
	.pfn_present = elf_pfn_present,
	.pages_present = elf_pages_present,
	.cleanup = elf_cleanup,
};
