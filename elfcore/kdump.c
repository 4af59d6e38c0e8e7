/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdump-compressed reader (makedumpfile -c/-l/-p/-z; formats.md §2):
 * disk_dump_header (64-bit or 32-bit layout), kdump_sub_header, notes,
 * 1st/2nd bitmaps, one 24-byte page_desc per dumped page, per-page
 * zlib/lzo/snappy/zstd by the descriptor's flags.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <lzo/lzo1x.h>
#include "config.h"
#include "ec_snappy.h"
#include "priv.h"

#define DH_ZLIB       0x1
#define DH_LZO        0x2
#define DH_SNAPPY     0x4
#define DH_INCOMPLETE 0x8
#define DH_ZSTD       0x20
#define DH_COMPRESSED (DH_ZLIB | DH_LZO | DH_SNAPPY | DH_ZSTD)

#define PD_SIZE    24
#define PD_WINDOW  4096        /* descriptors read at once */
#define RANK_BITS  512
#define DATA_WINDOW (512u << 10)  /* read-ahead for sequential page data */

struct kdump_priv {
	struct ec_kdump_info info;
	uint64_t max_mapnr;
	uint64_t bm_bytes;        /* bytes used of each bitmap */
	uint8_t *bm1, *bm2;       /* bm2 == bm1 for single-bitmap files */
	uint64_t *rank;           /* set bits of bm2 before each RANK_BITS chunk */
	uint64_t pd_off;          /* file offset of page_desc[0] */
	uint64_t nr_pd;           /* descriptors the bitmap promises */
	uint64_t split_start, split_end, rank_base;
	bool split;
	uint64_t present;         /* cached pages_present, UINT64_MAX if unknown */
	uint8_t *pdw;             /* descriptor window */
	uint64_t pdw_first, pdw_n;
	uint8_t *page, *cbuf;     /* decompressed page cache and compressed input */
	uint64_t page_pfn;        /* pfn in page, UINT64_MAX if none */
	uint8_t *dwin;            /* page data read ahead (sequential access) */
	uint64_t dwin_off, dwin_len, last_end;
	ZSTD_DCtx *zstd;
};

static bool bit(const uint8_t *bm, uint64_t pfn)
{
	return bm[pfn >> 3] & (1u << (pfn & 7));
}

static uint64_t rank_of(const struct kdump_priv *kp, uint64_t pfn)
{
	uint64_t c = pfn / RANK_BITS, r = kp->rank[c];
	const uint8_t *b = kp->bm2 + c * (RANK_BITS / 8);

	for (uint64_t i = c * RANK_BITS; i + 8 <= pfn; i += 8)
		r += (unsigned)__builtin_popcount(*b++);
	for (uint64_t i = pfn & ~7ull; i < pfn; i++)
		r += bit(kp->bm2, i);
	return r;
}

static bool sane_block(uint64_t bs)
{
	return bs >= 1024 && bs <= (1u << 20) && !(bs & (bs - 1));
}

static bool is32_machine(const char *m)
{
	return ec__machine_from_name(m) == 3 /* EM_386 */ || !strcmp(m, "ppc") ||
	       !strcmp(m, "s390") || (!strncmp(m, "arm", 3) && strcmp(m, "arm64"));
}

static void copy_uts(char *dst, const uint8_t *src)
{
	memcpy(dst, src, 64);
	dst[64] = '\0';
}

static int parse_header(ec_dump *d, struct kdump_priv *kp, const uint8_t *h, struct ec_err *err)
{
	struct ec_kdump_info *in = &kp->info;
	uint8_t machine[65];
	bool ok64, ok32, use32;

	copy_uts((char *)machine, h + 12 + 4 * 65);
	ok64 = sane_block(ec_le32(h + 428)) && (int32_t)ec_le32(h + 432) >= 0;
	ok32 = sane_block(ec_le32(h + 416)) && (int32_t)ec_le32(h + 420) >= 0 &&
	       (uint64_t)ec_le32(h + 424) * ec_le32(h + 416) * 8 >= ec_le32(h + 428);
	if (!ok64 && !ok32)
		return ec_set_err(err, -EBADMSG, "%s: offset 0x1ac: kdump header block_size %u is not a power of two in [1024, 1 MiB]",
				  d->path, ec_le32(h + 428));
	use32 = !ok64 || (ok32 && is32_machine((const char *)machine));
	in->layout32 = use32;
	in->header_version = (int32_t)ec_le32(h + 8);
	if (in->header_version < 1)
		return ec_set_err(err, -EBADMSG, "%s: offset 0x8: kdump header_version %d", d->path, in->header_version);
	copy_uts(in->sysname, h + 12);
	copy_uts(in->nodename, h + 12 + 65);
	copy_uts(in->release, h + 12 + 2 * 65);
	copy_uts(in->version, h + 12 + 3 * 65);
	copy_uts(in->machine, h + 12 + 4 * 65);
	copy_uts(in->domainname, h + 12 + 5 * 65);
	if (use32) {
		in->tv_sec = (int32_t)ec_le32(h + 404);
		in->status = ec_le32(h + 412);
		in->block_size = ec_le32(h + 416);
		kp->max_mapnr = ec_le32(h + 428);
		in->nr_cpus = (int32_t)ec_le32(h + 448);
	} else {
		in->tv_sec = (int64_t)ec_le64(h + 408);
		in->status = ec_le32(h + 424);
		in->block_size = ec_le32(h + 428);
		kp->max_mapnr = ec_le32(h + 440);
		in->nr_cpus = (int32_t)ec_le32(h + 460);
	}
	return 0;
}

/* Sub header (block 1): phys_base, dump_level, split range, notes, max_mapnr_64. */
struct sub {
	uint64_t off_vmci, size_vmci, off_note, size_note, start64, end64, mapnr64;
	uint64_t start32, end32;     /* split range before header version 6 */
	int split;
};

static void parse_sub(struct kdump_priv *kp, const uint8_t *s, struct sub *o)
{
	struct ec_kdump_info *in = &kp->info;

	if (in->layout32) {
		in->phys_base = ec_le32(s);
		in->dump_level = (int32_t)ec_le32(s + 4);
		o->split = (int32_t)ec_le32(s + 8);
		o->start32 = ec_le32(s + 12);
		o->end32 = ec_le32(s + 16);
		o->off_vmci = ec_le64(s + 20);
		o->size_vmci = ec_le32(s + 28);
		o->off_note = ec_le64(s + 32);
		o->size_note = ec_le32(s + 40);
		o->start64 = ec_le64(s + 56);
		o->end64 = ec_le64(s + 64);
		o->mapnr64 = ec_le64(s + 72);
	} else {
		in->phys_base = ec_le64(s);
		in->dump_level = (int32_t)ec_le32(s + 8);
		o->split = (int32_t)ec_le32(s + 12);
		o->start32 = ec_le64(s + 16);
		o->end32 = ec_le64(s + 24);
		o->off_vmci = ec_le64(s + 32);
		o->size_vmci = ec_le64(s + 40);
		o->off_note = ec_le64(s + 48);
		o->size_note = ec_le64(s + 56);
		o->start64 = ec_le64(s + 80);
		o->end64 = ec_le64(s + 88);
		o->mapnr64 = ec_le64(s + 96);
	}
}

static int read_notes(ec_dump *d, const struct sub *s, int hv, struct ec_err *err)
{
	uint64_t off = 0, len = 0;
	bool only_vmci = false;
	uint8_t *buf;
	int r;

	if (hv >= 4 && s->off_note && s->size_note) {
		off = s->off_note;
		len = s->size_note;
	} else if (hv >= 3 && s->off_vmci && s->size_vmci) {
		off = s->off_vmci;
		len = s->size_vmci;
		only_vmci = true;
	} else {
		return 0;
	}
	if (len > EC_MAX_NOTES_BYTES || off > d->io.size || len > d->io.size - off)
		return ec_set_err(err, -EBADMSG, "%s: sub header: %s [0x%llx, +0x%llx) lie outside the file (0x%llx)",
				  d->path, only_vmci ? "VMCOREINFO" : "notes", (unsigned long long)off,
				  (unsigned long long)len, (unsigned long long)d->io.size);
	buf = malloc((size_t)len);
	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	r = ec__io_pread(&d->io, buf, (size_t)len, off, err);
	if (r == 0 && only_vmci) {
		struct ec_err e2 = { 0 };
		r = ec_vmci_parse((const char *)buf, (size_t)len, &d->vmci, &e2);
		if (r < 0)
			ec_set_err(err, r, "%s: VMCOREINFO at offset 0x%llx: %s", d->path,
				   (unsigned long long)off, e2.msg);
	} else if (r == 0) {
		r = ec__notes_add(d, buf, (size_t)len, off, err);
	}
	free(buf);
	return r;
}

static int build_loads(ec_dump *d, struct kdump_priv *kp, struct ec_err *err)
{
	size_t cap = 0;

	for (uint64_t p = 0; p < kp->max_mapnr;) {
		/* skip clear bytes fast */
		if (!(p & 7) && !kp->bm1[p >> 3]) {
			p += 8;
			continue;
		}
		if (!bit(kp->bm1, p)) {
			p++;
			continue;
		}
		uint64_t s = p;
		while (p < kp->max_mapnr && bit(kp->bm1, p))
			p++;
		if (d->nr_loads == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct ec_load *nl;
			if (nc > EC_MAX_RUNS)
				return ec_set_err(err, -EFBIG, "%s: 1st bitmap has more than %u memory ranges",
						  d->path, EC_MAX_RUNS);
			nl = realloc(d->loads, nc * sizeof(*nl));
			if (!nl)
				return ec_set_err(err, -ENOMEM, "out of memory");
			d->loads = nl;
			cap = nc;
		}
		struct ec_load *l = &d->loads[d->nr_loads++];
		memset(l, 0, sizeof(*l));
		l->paddr = s << d->page_shift;
		l->memsz = l->filesz = (p - s) << d->page_shift;
		l->flags = 7;
	}
	return 0;
}

static int kdump_open(ec_dump *d, struct ec_err *err)
{
	struct kdump_priv *kp;
	uint8_t h[464], *sh;
	uint64_t B, S, M, half, need, sub_len;
	struct sub s = { 0 };
	int r;

	if (d->io.size < sizeof(h))
		return ec_set_err(err, -EBADMSG, "%s: truncated: %llu bytes cannot hold a kdump header",
				  d->path, (unsigned long long)d->io.size);
	if ((r = ec__io_pread(&d->io, h, sizeof(h), 0, err)) < 0)
		return r;
	kp = calloc(1, sizeof(*kp));
	if (!kp)
		return ec_set_err(err, -ENOMEM, "out of memory");
	d->fmt = kp;
	kp->page_pfn = UINT64_MAX;
	kp->present = UINT64_MAX;
	if ((r = parse_header(d, kp, h, err)) < 0)
		return r;
	B = kp->info.block_size;
	S = ec_le32(h + (kp->info.layout32 ? 420 : 432));
	M = ec_le32(h + (kp->info.layout32 ? 424 : 436));
	d->elf_class = kp->info.layout32 ? 1 : 2;
	d->machine = ec__machine_from_name(kp->info.machine);
	memcpy(d->release, kp->info.release, sizeof(d->release));
	memcpy(d->machine_name, kp->info.machine, sizeof(d->machine_name));
	d->timestamp = kp->info.tv_sec;
	d->incomplete = kp->info.status & DH_INCOMPLETE;
	d->page_size = (uint32_t)B;
	d->page_shift = (unsigned)__builtin_ctzll(B);

	/* sub header */
	sub_len = S ? B : 0;
	if (S && B * 2 > d->io.size)
		return ec_set_err(err, -EBADMSG, "%s: truncated: sub header block at 0x%llx lies past the end of the file",
				  d->path, (unsigned long long)B);
	if (S) {
		sh = calloc(1, (size_t)sub_len);
		if (!sh)
			return ec_set_err(err, -ENOMEM, "out of memory");
		r = ec__io_pread(&d->io, sh, (size_t)sub_len, B, err);
		if (r == 0)
			parse_sub(kp, sh, &s);
		free(sh);
		if (r < 0)
			return r;
	}
	kp->info.header_version = kp->info.header_version;
	kp->max_mapnr = kp->info.header_version >= 6 && S ? s.mapnr64 : kp->max_mapnr;
	kp->info.max_mapnr = kp->max_mapnr;
	if (kp->max_mapnr > (EC_MAX_PHYS >> d->page_shift))
		return ec_set_err(err, -EBADMSG, "%s: offset 0x%llx: absurd max_mapnr 0x%llx",
				  d->path, (unsigned long long)(kp->info.header_version >= 6 ? B + (kp->info.layout32 ? 72 : 96) : 440),
				  (unsigned long long)kp->max_mapnr);

	/* bitmaps: two halves when each can hold max_mapnr bits, else one */
	need = (1 + S + M) * B;
	if (M == 0 || need > d->io.size)
		return ec_set_err(err, -EBADMSG, "%s: truncated: bitmaps (%llu blocks after %llu header blocks) end at 0x%llx, past the end of the file (0x%llx)",
				  d->path, (unsigned long long)M, (unsigned long long)(1 + S),
				  (unsigned long long)need, (unsigned long long)d->io.size);
	half = M / 2 * B;
	kp->bm_bytes = (kp->max_mapnr + 7) / 8;
	bool two = kp->bm_bytes <= half;
	if (!two && kp->bm_bytes > M * B)
		return ec_set_err(err, -EBADMSG, "%s: offset 0x1b4: %llu bitmap blocks cannot hold max_mapnr %llu bits",
				  d->path, (unsigned long long)M, (unsigned long long)kp->max_mapnr);
	size_t alloc = (size_t)((kp->bm_bytes + 63) & ~63ull) + 64;
	kp->bm1 = calloc(1, alloc);
	kp->bm2 = two ? calloc(1, alloc) : kp->bm1;
	if (!kp->bm1 || !kp->bm2)
		return ec_set_err(err, -ENOMEM, "out of memory for %llu-byte bitmaps",
				  (unsigned long long)kp->bm_bytes);
	if ((r = ec__io_pread(&d->io, kp->bm1, (size_t)kp->bm_bytes, (1 + S) * B, err)) < 0)
		return r;
	if (two && (r = ec__io_pread(&d->io, kp->bm2, (size_t)kp->bm_bytes, (1 + S) * B + half, err)) < 0)
		return r;
	/* bits at and past max_mapnr do not count */
	for (uint64_t p = kp->max_mapnr; p < kp->bm_bytes * 8; p++) {
		kp->bm1[p >> 3] &= (uint8_t)~(1u << (p & 7));
		kp->bm2[p >> 3] &= (uint8_t)~(1u << (p & 7));
	}
	uint64_t chunks = kp->max_mapnr / RANK_BITS + 1;
	kp->rank = malloc(chunks * sizeof(*kp->rank));
	if (!kp->rank)
		return ec_set_err(err, -ENOMEM, "out of memory");
	uint64_t acc = 0;
	for (uint64_t c = 0; c < chunks; c++) {
		kp->rank[c] = acc;
		for (uint64_t b = c * (RANK_BITS / 8); b < (c + 1) * (RANK_BITS / 8) && b < kp->bm_bytes; b++)
			acc += (unsigned)__builtin_popcount(kp->bm2[b]);
	}
	kp->pd_off = need;
	kp->split = kp->info.header_version >= 2 && s.split;
	if (kp->split) {
		bool v6 = kp->info.header_version >= 6;
		kp->split_start = v6 ? s.start64 : s.start32;
		kp->split_end = v6 ? s.end64 : s.end32;
		if (kp->split_end > kp->max_mapnr)
			kp->split_end = kp->max_mapnr;
		if (kp->split_start > kp->split_end)
			return ec_set_err(err, -EBADMSG, "%s: sub header: split range [0x%llx, 0x%llx) is empty",
					  d->path, (unsigned long long)kp->split_start,
					  (unsigned long long)kp->split_end);
		kp->rank_base = rank_of(kp, kp->split_start);
		kp->nr_pd = rank_of(kp, kp->split_end) - kp->rank_base;
	} else {
		kp->nr_pd = acc;
	}
	kp->max_mapnr = kp->max_mapnr;
	d->max_pfn = kp->max_mapnr;
	kp->pdw = malloc(PD_WINDOW * PD_SIZE);
	kp->page = malloc((size_t)B);
	kp->cbuf = malloc((size_t)B);
	kp->zstd = ZSTD_createDCtx();
	kp->dwin = malloc(DATA_WINDOW);
	kp->last_end = UINT64_MAX;
	if (!kp->pdw || !kp->page || !kp->cbuf || !kp->zstd || !kp->dwin)
		return ec_set_err(err, -ENOMEM, "out of memory");
	if (lzo_init() != LZO_E_OK)
		return ec_set_err(err, -EIO, "lzo_init failed");
	if ((r = read_notes(d, &s, kp->info.header_version, err)) < 0)
		return r;
	return build_loads(d, kp, err);
}

/* Descriptor idx into *pd (offset, size, flags); lost (beyond the file) -> offset 0. */
static int get_pd(ec_dump *d, struct kdump_priv *kp, uint64_t idx, uint64_t *off,
		  uint32_t *size, uint32_t *flags, struct ec_err *err)
{
	if (idx < kp->pdw_first || idx >= kp->pdw_first + kp->pdw_n) {
		uint64_t n = PD_WINDOW, at = kp->pd_off + idx * PD_SIZE;
		if (n > kp->nr_pd - idx)
			n = kp->nr_pd - idx;
		if (at >= d->io.size) {
			*off = 0;
			*size = 0;
			*flags = 0;
			return 0;
		}
		if ((d->io.size - at) / PD_SIZE < n)
			n = (d->io.size - at) / PD_SIZE;
		if (n == 0) {
			*off = 0;
			*size = 0;
			*flags = 0;
			return 0;
		}
		int r = ec__io_pread(&d->io, kp->pdw, (size_t)(n * PD_SIZE), at, err);
		if (r < 0)
			return r;
		kp->pdw_first = idx;
		kp->pdw_n = n;
	}
	const uint8_t *p = kp->pdw + (idx - kp->pdw_first) * PD_SIZE;
	*off = ec_le64(p);
	*size = ec_le32(p + 8);
	*flags = ec_le32(p + 12);
	return 0;
}

static int decompress(ec_dump *d, struct kdump_priv *kp, uint64_t pfn, uint32_t flags,
		      uint32_t size, uint64_t off, struct ec_err *err)
{
	uint32_t B = d->page_size;
	const char *m = "?";
	bool good = false;

	if (flags == DH_ZLIB) {
		uLongf dl = B;
		m = "zlib";
		good = uncompress(kp->page, &dl, kp->cbuf, size) == Z_OK && dl == B;
	} else if (flags == DH_LZO) {
		lzo_uint dl = B;
		m = "lzo";
		good = lzo1x_decompress_safe(kp->cbuf, size, kp->page, &dl, NULL) == LZO_E_OK && dl == B;
	} else if (flags == DH_ZSTD) {
		size_t dl = ZSTD_decompressDCtx(kp->zstd, kp->page, B, kp->cbuf, size);
		m = "zstd";
		good = !ZSTD_isError(dl) && dl == B;
	} else if (flags == DH_SNAPPY) {
		const char *why;
		size_t dl = B;

		m = "snappy";
		if (ec_snappy_ready(&why) < 0)
			return ec_set_err(err, -EPROTONOSUPPORT, "%s: pfn 0x%llx: snappy-compressed page, but %s",
					  d->path, (unsigned long long)pfn, why);
		good = ec_snappy_uncompress(kp->cbuf, size, kp->page, &dl) == 0 && dl == B;
	} else {
		return ec_set_err(err, -EBADMSG, "%s: pfn 0x%llx: page data at offset 0x%llx has unknown compression flags 0x%x",
				  d->path, (unsigned long long)pfn, (unsigned long long)off, flags);
	}
	if (!good)
		return ec_set_err(err, -EBADMSG, "%s: pfn 0x%llx: %s data at offset 0x%llx (%u bytes) does not decompress to one %u-byte page",
				  d->path, (unsigned long long)pfn, m, (unsigned long long)off, size, B);
	return 0;
}

/* Page data: pages of consecutive pfns lie back to back, so when a read
 * starts where the last one ended, read a window ahead instead of one
 * syscall per page; random access reads just the page. */
static int read_data(ec_dump *d, struct kdump_priv *kp, uint8_t *dst, uint32_t size,
		     uint64_t off, struct ec_err *err)
{
	if (off >= kp->dwin_off && off - kp->dwin_off + size <= kp->dwin_len) {
		memcpy(dst, kp->dwin + (off - kp->dwin_off), size);
	} else if (off == kp->last_end && kp->dwin) {
		uint64_t len = d->io.size - off < DATA_WINDOW ? d->io.size - off : DATA_WINDOW;
		int r;
		kp->dwin_len = 0;
		r = ec__io_pread(&d->io, kp->dwin, (size_t)len, off, err);
		if (r < 0)
			return r;
		kp->dwin_off = off;
		kp->dwin_len = len;
		memcpy(dst, kp->dwin, size);
	} else {
		int r = ec__io_pread(&d->io, dst, size, off, err);
		if (r < 0)
			return r;
	}
	kp->last_end = off + size;
	return 0;
}

static int load_page(ec_dump *d, struct kdump_priv *kp, uint64_t pfn, struct ec_err *err)
{
	uint64_t off, idx;
	uint32_t size, flags;
	int r;

	if (pfn == kp->page_pfn)
		return 0;
	if (pfn >= kp->max_mapnr)
		return ec_set_err(err, -ENODATA, "%s: pfn 0x%llx is past max_mapnr (not in this dump)",
				  d->path, (unsigned long long)pfn);
	if (!bit(kp->bm1, pfn))
		return ec_set_err(err, -ENODATA, "%s: pfn 0x%llx is not in memory (1st bitmap clear)",
				  d->path, (unsigned long long)pfn);
	if (!bit(kp->bm2, pfn))
		return ec_set_err(err, -ENODATA, "%s: pfn 0x%llx is excluded from this dump",
				  d->path, (unsigned long long)pfn);
	if (kp->split && (pfn < kp->split_start || pfn >= kp->split_end))
		return ec_set_err(err, -ENODATA, "%s: pfn 0x%llx is in another file of this split dump",
				  d->path, (unsigned long long)pfn);
	idx = rank_of(kp, pfn) - kp->rank_base;
	if ((r = get_pd(d, kp, idx, &off, &size, &flags, err)) < 0)
		return r;
	if (off == 0)
		return ec_set_err(err, -ENODATA, "%s: pfn 0x%llx was lost: its page_desc at offset 0x%llx is empty (%s dump)",
				  d->path, (unsigned long long)pfn,
				  (unsigned long long)(kp->pd_off + idx * PD_SIZE),
				  d->incomplete ? "incomplete" : "corrupt or truncated");
	if (size == 0 || size > d->page_size)
		return ec_set_err(err, -EBADMSG, "%s: pfn 0x%llx: page_desc at offset 0x%llx has size %u (page size %u)",
				  d->path, (unsigned long long)pfn,
				  (unsigned long long)(kp->pd_off + idx * PD_SIZE), size, d->page_size);
	if (off > d->io.size || size > d->io.size - off) {
		if (d->incomplete)
			return ec_set_err(err, -ENODATA, "%s: pfn 0x%llx was lost: data at 0x%llx lies past the end of the incomplete dump",
					  d->path, (unsigned long long)pfn, (unsigned long long)off);
		return ec_set_err(err, -EBADMSG, "%s: pfn 0x%llx: data [0x%llx, +%u) lies past the end of the file (0x%llx)",
				  d->path, (unsigned long long)pfn, (unsigned long long)off, size,
				  (unsigned long long)d->io.size);
	}
	kp->page_pfn = UINT64_MAX;
	if (!(flags & DH_COMPRESSED) && size != d->page_size)
		return ec_set_err(err, -EBADMSG, "%s: pfn 0x%llx: raw page at offset 0x%llx has size %u, not %u",
				  d->path, (unsigned long long)pfn, (unsigned long long)off, size, d->page_size);
	r = read_data(d, kp, flags & DH_COMPRESSED ? kp->cbuf : kp->page, size, off, err);
	if (r == 0 && (flags & DH_COMPRESSED))
		r = decompress(d, kp, pfn, flags & DH_COMPRESSED, size, off, err);
	if (r < 0)
		return r;
	kp->page_pfn = pfn;
	return 0;
}

static int kdump_read(ec_dump *d, uint64_t paddr, void *buf, size_t len, struct ec_err *err)
{
	struct kdump_priv *kp = d->fmt;
	int r = load_page(d, kp, paddr >> d->page_shift, err);

	if (r < 0)
		return r;
	memcpy(buf, kp->page + (paddr & (d->page_size - 1)), len);
	return 0;
}

static uint64_t kdump_span(ec_dump *d, uint64_t paddr)
{
	return d->page_size - (paddr & (d->page_size - 1));
}

static bool kdump_pfn_present(ec_dump *d, uint64_t pfn)
{
	struct kdump_priv *kp = d->fmt;

	if (pfn >= kp->max_mapnr || !bit(kp->bm2, pfn) ||
	    (kp->split && (pfn < kp->split_start || pfn >= kp->split_end)))
		return false;
	if (d->incomplete) {
		uint64_t off;
		uint32_t size, flags;
		if (get_pd(d, kp, rank_of(kp, pfn) - kp->rank_base, &off, &size, &flags, NULL) < 0)
			return false;
		return off != 0 && off <= d->io.size && size <= d->io.size - off;
	}
	return true;
}

static uint64_t kdump_pages_present(ec_dump *d)
{
	struct kdump_priv *kp = d->fmt;

	if (kp->present != UINT64_MAX)
		return kp->present;
	if (!d->incomplete) {
		kp->present = kp->nr_pd;
		return kp->present;
	}
	/* incomplete: count descriptors whose data made it into the file */
	uint64_t n = 0;
	for (uint64_t i = 0; i < kp->nr_pd; i++) {
		uint64_t off;
		uint32_t size, flags;
		if (get_pd(d, kp, i, &off, &size, &flags, NULL) < 0)
			break;
		if (off && off <= d->io.size && size <= d->io.size - off)
			n++;
	}
	kp->present = n;
	return n;
}

static void kdump_cleanup(ec_dump *d)
{
	struct kdump_priv *kp = d->fmt;

	if (!kp)
		return;
	if (kp->bm2 != kp->bm1)
		free(kp->bm2);
	free(kp->bm1);
	free(kp->rank);
	free(kp->pdw);
	free(kp->page);
	free(kp->cbuf);
	free(kp->dwin);
	ZSTD_freeDCtx(kp->zstd);
	free(kp);
	d->fmt = NULL;
}

int ec_kdump_info(const ec_dump *d, struct ec_kdump_info *ret)
{
	if (d->inner != EC_FMT_KDUMP || !d->fmt)
		return -EINVAL;
	*ret = ((const struct kdump_priv *)d->fmt)->info;
	return 0;
}

const struct ec_fmt_ops ec__kdump_ops = {
	.name = "kdump",
	.open = kdump_open,
	.read = kdump_read,
	.span = kdump_span,
	.pfn_present = kdump_pfn_present,
	.pages_present = kdump_pages_present,
	.cleanup = kdump_cleanup,
};
