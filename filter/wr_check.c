/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A strict reader of kdump-compressed files, for `crashcap verify` and the
 * writer tests: every header field, both bitmaps and every page descriptor
 * are checked against the file before use (formats.md §2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "writer.h"

struct wr_kdr {
	int fd;
	struct wr_kdr_info i;
	uint8_t *bm1, *bm2;
	uint64_t *rank;                /* set 2nd-bitmap bits before each 4096-bit block */
	uint8_t *notes;
	uint8_t *cbuf;
};

static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t g64(const uint8_t *p)
{
	return (uint64_t)g32(p) | (uint64_t)g32(p + 4) << 32;
}

static int rd(wr_kdr *r, void *buf, size_t len, uint64_t off, const char *what,
	      struct ec_err *err)
{
	size_t done = 0;

	if (off + len > r->i.file_size || off + len < off)
		return ec_set_err(err, -EINVAL, "%s at offset %llu (+%zu) is past the end of the file (%llu bytes)",
				  what, (unsigned long long)off, len,
				  (unsigned long long)r->i.file_size);
	while (done < len) {
		ssize_t n = pread(r->fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ec_set_err(err, n < 0 ? -errno : -EIO,
					  "reading %s at offset %llu failed", what,
					  (unsigned long long)(off + done));
		done += (size_t)n;
	}
	return 0;
}

void wr_kdr_close(wr_kdr *r)
{
	if (!r)
		return;
	free(r->bm1);
	free(r->bm2);
	free(r->rank);
	free(r->notes);
	free(r->cbuf);
	free(r);
}

const struct wr_kdr_info *wr_kdr_info(const wr_kdr *r)
{
	return &r->i;
}

const void *wr_kdr_notes(const wr_kdr *r, size_t *ret_len)
{
	*ret_len = r->i.notes_len;
	return r->notes;
}

bool wr_kdr_in_load(const wr_kdr *r, uint64_t pfn)
{
	return pfn < r->i.max_mapnr && wr_bit(r->bm1, pfn);
}

bool wr_kdr_kept(const wr_kdr *r, uint64_t pfn)
{
	return pfn < r->i.max_mapnr && wr_bit(r->bm2, pfn);
}

int wr_kdr_open(int fd, wr_kdr **ret, struct ec_err *err)
{
	uint8_t h[KDUMP_HDR_SIZE], sub[KDUMP_SUB_SIZE];
	struct wr_kdump_geom g;
	struct stat st;
	wr_kdr *r;
	uint64_t bmlen, nblk;
	int e;

	if (fstat(fd, &st) < 0)
		return ec_set_err(err, -errno, "fstat: %s", strerror(errno));
	r = calloc(1, sizeof(*r));
	if (!r)
		return ec_set_err(err, -ENOMEM, "out of memory");
	r->fd = fd;
	r->i.file_size = (uint64_t)st.st_size;
	if ((e = rd(r, h, sizeof(h), 0, "disk_dump_header", err)) < 0)
		goto fail;
	if (memcmp(h, KDUMP_SIGNATURE, 8)) {
		e = ec_set_err(err, -EINVAL, "offset 0: signature is not \"KDUMP   \"");
		goto fail;
	}
	r->i.header_version = g32(h + 8);
	for (int k = 0; k < 6; k++) {
		memcpy(r->i.utsname[k], h + 12 + 65 * k, 65);
		r->i.utsname[k][64] = 0;
	}
	r->i.timestamp = (int64_t)g64(h + 408);
	r->i.status = g32(h + 424);
	r->i.block = g32(h + 428);
	r->i.sub_blocks = g32(h + 432);
	r->i.bitmap_blocks = g32(h + 436);
	r->i.nr_cpus = (int)g32(h + 460);
	if (r->i.header_version < 6) {
		e = ec_set_err(err, -EINVAL, "offset 8: header_version %u (this checker needs 6)",
			       r->i.header_version);
		goto fail;
	}
	if (r->i.block < 1024 || r->i.block > 262144 || (r->i.block & (r->i.block - 1))) {
		e = ec_set_err(err, -EINVAL, "offset 428: bad block_size %u", r->i.block);
		goto fail;
	}
	if (g64(h + 416) != 0) {
		e = ec_set_err(err, -EINVAL, "offset 416: tv_usec is not 0 (confuses libkdumpfile)");
		goto fail;
	}
	if ((e = rd(r, sub, sizeof(sub), r->i.block, "kdump_sub_header", err)) < 0)
		goto fail;
	r->i.phys_base = g64(sub);
	r->i.dump_level = (int)g32(sub + 8);
	r->i.split = (int)g32(sub + 12);
	r->i.off_vmcoreinfo = g64(sub + 32);
	r->i.vmcoreinfo_len = (size_t)g64(sub + 40);
	r->i.off_note = g64(sub + 48);
	r->i.notes_len = (size_t)g64(sub + 56);
	r->i.start_pfn = g64(sub + 80);
	r->i.end_pfn = g64(sub + 88);
	r->i.max_mapnr = g64(sub + 96);
	if (r->i.max_mapnr == 0 || r->i.max_mapnr > ((uint64_t)1 << 52)) {
		e = ec_set_err(err, -EINVAL, "sub header: max_mapnr_64 %llu out of range",
			       (unsigned long long)r->i.max_mapnr);
		goto fail;
	}
	if (g32(h + 440) != (r->i.max_mapnr > 0xffffffffu ? 0xffffffffu : r->i.max_mapnr)) {
		e = ec_set_err(err, -EINVAL, "offset 440: max_mapnr %u disagrees with max_mapnr_64",
			       g32(h + 440));
		goto fail;
	}
	wr_kdump_geometry(r->i.block, r->i.notes_len, r->i.max_mapnr, &g);
	if (r->i.sub_blocks != g.sub_blocks ||
	    r->i.bitmap_blocks != 2 * g.bitmap_len / r->i.block) {
		e = ec_set_err(err, -EINVAL, "sub_hdr_size %u / bitmap_blocks %u do not match the notes size and max_mapnr (%u / %llu expected)",
			       r->i.sub_blocks, r->i.bitmap_blocks, g.sub_blocks,
			       (unsigned long long)(2 * g.bitmap_len / r->i.block));
		goto fail;
	}
	if (r->i.notes_len) {
		if (r->i.off_note != (uint64_t)r->i.block + KDUMP_SUB_SIZE) {
			e = ec_set_err(err, -EINVAL, "sub header: offset_note %llu is not block + 104",
				       (unsigned long long)r->i.off_note);
			goto fail;
		}
		if (r->i.vmcoreinfo_len &&
		    (r->i.off_vmcoreinfo < r->i.off_note ||
		     r->i.off_vmcoreinfo + r->i.vmcoreinfo_len > r->i.off_note + r->i.notes_len)) {
			e = ec_set_err(err, -EINVAL, "sub header: VMCOREINFO (%llu +%zu) is not inside the notes",
				       (unsigned long long)r->i.off_vmcoreinfo, r->i.vmcoreinfo_len);
			goto fail;
		}
		r->notes = malloc(r->i.notes_len);
		if (!r->notes) {
			e = ec_set_err(err, -ENOMEM, "out of memory");
			goto fail;
		}
		if ((e = rd(r, r->notes, r->i.notes_len, r->i.off_note, "notes", err)) < 0)
			goto fail;
	}
	bmlen = g.bitmap_len;
	/* check before allocating: a forged max_mapnr must not make us try */
	if (g.off_desc > r->i.file_size) {
		e = ec_set_err(err, -EINVAL, "the bitmaps (%llu bytes each at %llu) end past the end of the file (%llu bytes)",
			       (unsigned long long)bmlen, (unsigned long long)g.off_bitmap1,
			       (unsigned long long)r->i.file_size);
		goto fail;
	}
	r->bm1 = malloc(bmlen);
	r->bm2 = malloc(bmlen);
	nblk = (r->i.max_mapnr + 4095) / 4096;
	r->rank = calloc(nblk + 1, sizeof(*r->rank));
	r->cbuf = malloc(r->i.block);
	if (!r->bm1 || !r->bm2 || !r->rank || !r->cbuf) {
		e = ec_set_err(err, -ENOMEM, "out of memory for bitmaps");
		goto fail;
	}
	if ((e = rd(r, r->bm1, bmlen, g.off_bitmap1, "1st bitmap", err)) < 0 ||
	    (e = rd(r, r->bm2, bmlen, g.off_bitmap2, "2nd bitmap", err)) < 0)
		goto fail;
	for (uint64_t b = 0; b < bmlen; b++) {
		if (r->bm2[b] & ~r->bm1[b]) {
			e = ec_set_err(err, -EINVAL, "2nd bitmap byte %llu (offset %llu) has pfns not in the 1st bitmap",
				       (unsigned long long)b,
				       (unsigned long long)(g.off_bitmap2 + b));
			goto fail;
		}
		if (b * 8 + 8 > r->i.max_mapnr) {
			uint64_t valid = b * 8 >= r->i.max_mapnr ? 0 : r->i.max_mapnr - b * 8;
			uint8_t m = valid >= 8 ? 0xff : (uint8_t)((1u << valid) - 1);

			if ((r->bm1[b] | r->bm2[b]) & ~m) {
				e = ec_set_err(err, -EINVAL, "bitmap byte %llu has bits at or past max_mapnr %llu",
					       (unsigned long long)b,
					       (unsigned long long)r->i.max_mapnr);
				goto fail;
			}
		}
	}
	for (uint64_t k = 0; k < nblk; k++) {
		uint64_t bits = r->i.max_mapnr - k * 4096;

		r->rank[k + 1] = r->rank[k] + wr_popcount(r->bm2 + k * 512, bits > 4096 ? 4096 : bits);
	}
	r->i.kept = r->rank[nblk];
	r->i.present = wr_popcount(r->bm1, r->i.max_mapnr);
	r->i.off_desc = g.off_desc;
	if (r->i.off_desc + r->i.kept * KDUMP_DESC_SIZE > r->i.file_size &&
	    !(r->i.status & KDUMP_ST_INCOMPLETE)) {
		e = ec_set_err(err, -EINVAL, "the page descriptor table (%llu entries at %llu) ends past the end of the file",
			       (unsigned long long)r->i.kept,
			       (unsigned long long)r->i.off_desc);
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	wr_kdr_close(r);
	return e;
}

int wr_kdr_read(wr_kdr *r, uint64_t pfn, void *buf, struct ec_err *err)
{
	uint64_t idx, off, data_start;
	uint8_t d[KDUMP_DESC_SIZE];
	uint32_t size, flags, B = r->i.block;
	size_t outlen;
	int e;

	if (!wr_kdr_kept(r, pfn))
		return -ENODATA;
	idx = r->rank[pfn / 4096] + wr_popcount(r->bm2 + (pfn / 4096) * 512, pfn % 4096);
	off = r->i.off_desc + idx * KDUMP_DESC_SIZE;
	data_start = r->i.off_desc + r->i.kept * KDUMP_DESC_SIZE;
	if (off + KDUMP_DESC_SIZE > r->i.file_size) {
		if (r->i.status & KDUMP_ST_INCOMPLETE)
			return -ENOENT;
		return ec_set_err(err, -EINVAL, "pfn 0x%llx: descriptor %llu past the end of the file",
				  (unsigned long long)pfn, (unsigned long long)idx);
	}
	if ((e = rd(r, d, sizeof(d), off, "page descriptor", err)) < 0)
		return e;
	off = g64(d);
	size = g32(d + 8);
	flags = g32(d + 12);
	if (off == 0) {
		if (r->i.status & KDUMP_ST_INCOMPLETE)
			return -ENOENT;
		return ec_set_err(err, -EINVAL, "pfn 0x%llx: descriptor %llu is empty in a dump not flagged incomplete",
				  (unsigned long long)pfn, (unsigned long long)idx);
	}
	if (off < data_start || size == 0 || size > B || g64(d + 16) != 0)
		return ec_set_err(err, -EINVAL, "pfn 0x%llx: descriptor %llu {offset %llu, size %u, page_flags %llu} is invalid",
				  (unsigned long long)pfn, (unsigned long long)idx,
				  (unsigned long long)off, size,
				  (unsigned long long)g64(d + 16));
	if (flags == 0) {
		if (size != B)
			return ec_set_err(err, -EINVAL, "pfn 0x%llx: raw page of %u bytes (block is %u)",
					  (unsigned long long)pfn, size, B);
		return rd(r, buf, B, off, "page data", err);
	}
	if (flags != COMP_ZLIB && flags != COMP_LZO && flags != COMP_SNAPPY &&
	    flags != COMP_ZSTD)
		return ec_set_err(err, -EINVAL, "pfn 0x%llx: unknown compression flags 0x%x",
				  (unsigned long long)pfn, flags);
	if ((e = rd(r, r->cbuf, size, off, "page data", err)) < 0)
		return e;
	e = comp_unpage(flags, r->cbuf, size, buf, B, &outlen);
	if (e < 0 || outlen != B)
		return ec_set_err(err, e < 0 ? e : -EINVAL,
				  "pfn 0x%llx: %s data at offset %llu does not decompress to one page%s",
				  (unsigned long long)pfn, comp_name(flags),
				  (unsigned long long)off,
				  e == -ENOSYS ? " (method not built in)" : "");
	return 0;
}
