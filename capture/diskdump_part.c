/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw diskdump partition: signatures, header, probe, sequential writer. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "diskdump_part.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

void dp_signature(uint64_t block, uint8_t *out)
{
	uint32_t w = (uint32_t)block;

	memcpy(out, "diskdump", 8);
	put32(out + 8, w);
	for (unsigned i = 3; i < DP_WORDS; i++) {
		w = (w + 3) * 11u;
		put32(out + 4 * i, w);
	}
}

bool dp_is_signature(uint64_t block, const uint8_t *buf)
{
	uint32_t w = (uint32_t)block;

	if (memcmp(buf, "diskdump", 8) || get32(buf + 8) != w)
		return false;
	for (unsigned i = 3; i < DP_WORDS; i++) {
		w = (w + 3) * 11u;
		if (get32(buf + 4 * i) != w)
			return false;
	}
	return true;
}

static size_t hdr_len(uint32_t n_sections)
{
	return DP_HDR_FIXED + (size_t)n_sections * 24;
}

static uint32_t hdr_crc(const uint8_t *b, uint32_t n_sections)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, b, 116);
	c = crc32(c, b + DP_HDR_FIXED, (uInt)(n_sections * 24));
	return (uint32_t)c;
}

void dp_header_encode(const struct dp_header *h, uint8_t *out)
{
	uint32_t n = h->n_sections > DP_MAX_SECTIONS ? DP_MAX_SECTIONS : h->n_sections;

	memset(out, 0, DP_BLOCK);
	memcpy(out, DP_MAGIC, 8);
	put32(out + 8, DP_VERSION);
	put32(out + 12, DP_BLOCK);
	put32(out + 16, h->state);
	put32(out + 20, h->format);
	put64(out + 24, (uint64_t)h->time);
	put64(out + 32, h->part_blocks);
	put64(out + 40, h->used_blocks);
	memcpy(out + 48, h->host, strnlen(h->host, 64));
	put32(out + 112, n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *s = out + DP_HDR_FIXED + 24 * i;

		put32(s, h->sec[i].type);
		put32(s + 4, h->sec[i].flags);
		put64(s + 8, h->sec[i].start);
		put64(s + 16, h->sec[i].bytes);
	}
	put32(out + 116, hdr_crc(out, n));
}

int dp_header_decode(const uint8_t *b, struct dp_header *ret, struct ec_err *err)
{
	struct dp_header h;

	if (memcmp(b, DP_MAGIC, 8))
		return ec_set_err(err, -ENOMSG, "block 0: no crashcap dump header");
	memset(&h, 0, sizeof(h));
	h.version = get32(b + 8);
	h.block_size = get32(b + 12);
	h.state = get32(b + 16);
	h.format = get32(b + 20);
	h.time = (int64_t)get64(b + 24);
	h.part_blocks = get64(b + 32);
	h.used_blocks = get64(b + 40);
	memcpy(h.host, b + 48, 64);
	h.host[64] = 0;
	h.n_sections = get32(b + 112);
	if (h.version != DP_VERSION || h.block_size != DP_BLOCK)
		return ec_set_err(err, -EBADMSG, "block 0: header version %u block size %u not supported",
				  h.version, h.block_size);
	if (h.n_sections > DP_MAX_SECTIONS)
		return ec_set_err(err, -EBADMSG, "block 0 offset 112: %u sections (max %d)",
				  h.n_sections, DP_MAX_SECTIONS);
	if (get32(b + 116) != hdr_crc(b, h.n_sections))
		return ec_set_err(err, -EBADMSG, "block 0 offset 116: header checksum mismatch");
	if (h.state < DP_ST_WRITING || h.state > DP_ST_INCOMPLETE)
		return ec_set_err(err, -EBADMSG, "block 0 offset 16: bad state %u", h.state);
	if (h.used_blocks > h.part_blocks)
		return ec_set_err(err, -EBADMSG, "block 0 offset 40: %llu blocks used of %llu",
				  (unsigned long long)h.used_blocks,
				  (unsigned long long)h.part_blocks);
	for (uint32_t i = 0; i < h.n_sections; i++) {
		const uint8_t *s = b + DP_HDR_FIXED + 24 * i;
		struct dp_section_ent *e = &h.sec[i];
		uint64_t nblk;

		e->type = get32(s);
		e->flags = get32(s + 4);
		e->start = get64(s + 8);
		e->bytes = get64(s + 16);
		nblk = e->bytes / DP_BLOCK + (e->bytes % DP_BLOCK != 0);
		if (e->start < 1 || e->start > h.part_blocks || nblk > h.part_blocks - e->start)
			return ec_set_err(err, -EBADMSG,
					  "block 0 offset %zu: section %u (blocks %llu+%llu) outside the partition of %llu blocks",
					  hdr_len(i), i, (unsigned long long)e->start,
					  (unsigned long long)nblk, (unsigned long long)h.part_blocks);
	}
	*ret = h;
	return 0;
}

int dp_device_blocks(int fd, uint64_t *ret_blocks, struct ec_err *err)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st) < 0)
		return ec_set_err(err, -errno, "fstat: %s", strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			return ec_set_err(err, -errno, "BLKGETSIZE64: %s", strerror(errno));
	} else if (S_ISREG(st.st_mode)) {
		bytes = (uint64_t)st.st_size;
	} else {
		return ec_set_err(err, -ENOTBLK, "not a block device or regular file");
	}
	if (bytes / DP_BLOCK < 2)
		return ec_set_err(err, -ENOSPC, "%llu bytes: too small for a dump partition",
				  (unsigned long long)bytes);
	*ret_blocks = bytes / DP_BLOCK;
	return 0;
}

static int pread_block(int fd, uint64_t block, uint8_t *buf, struct ec_err *err)
{
	size_t done = 0;

	while (done < DP_BLOCK) {
		ssize_t r = pread(fd, buf + done, DP_BLOCK - done,
				  (off_t)(block * DP_BLOCK + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ec_set_err(err, -errno, "read block %llu: %s",
					  (unsigned long long)block, strerror(errno));
		if (r == 0)
			return ec_set_err(err, -EIO, "read block %llu: unexpected end",
					  (unsigned long long)block);
		done += (size_t)r;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ec_set_err(err, -errno, "write at offset %llu: %s",
					  (unsigned long long)off, strerror(errno));
		if (r == 0)
			return ec_set_err(err, -ENOSPC, "write at offset %llu: no space",
					  (unsigned long long)off);
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int dp_format_range(int fd, uint64_t first, uint64_t n, struct ec_err *err)
{
	enum { BATCH = 64 };
	uint8_t *buf = malloc((size_t)DP_BLOCK * BATCH);
	int r = 0;

	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	for (uint64_t b = first; b < first + n && !r; ) {
		unsigned k = 0;

		for (; k < BATCH && b + k < first + n; k++)
			dp_signature(b + k, buf + (size_t)k * DP_BLOCK);
		r = pwrite_all(fd, buf, (size_t)k * DP_BLOCK, b * DP_BLOCK, err);
		b += k;
	}
	free(buf);
	if (!r && fdatasync(fd) < 0 && errno != EINVAL)
		r = ec_set_err(err, -errno, "fdatasync: %s", strerror(errno));
	return r;
}

int dp_probe(int fd, uint64_t step, enum dp_content *ret,
	     uint64_t *ret_bad, struct dp_header *ret_hdr, struct ec_err *err)
{
	uint8_t *buf = malloc(DP_BLOCK);
	uint64_t n, b;
	int r;

	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	r = dp_device_blocks(fd, &n, err);
	if (r < 0)
		goto out;
	r = pread_block(fd, 0, buf, err);
	if (r < 0)
		goto out;
	if (!memcmp(buf, DP_MAGIC, 8)) {
		struct dp_header h;
		struct ec_err e2;

		/* A valid header: an unsaved dump. A damaged one: not ours to judge. */
		if (dp_header_decode(buf, &h, &e2) == 0) {
			if (ret_hdr)
				*ret_hdr = h;
			*ret = DP_HOLDS_DUMP;
		} else {
			if (ret_bad)
				*ret_bad = 0;
			*ret = DP_FOREIGN;
		}
		goto out;
	}
	if (!step || step > n)
		step = n;
	for (b = 0; b < n; ) {
		r = pread_block(fd, b, buf, err);
		if (r < 0)
			goto out;
		if (!dp_is_signature(b, buf)) {
			if (ret_bad)
				*ret_bad = b;
			*ret = DP_FOREIGN;
			goto out;
		}
		if (b < 15)
			b++;
		else if (b == n - 1)
			break;
		else
			b = (b / step + 1) * step < n ? (b / step + 1) * step : n - 1;
	}
	*ret = DP_EMPTY;
out:
	free(buf);
	return r;
}

static int write_header(struct dp_writer *w, struct ec_err *err)
{
	uint8_t *b = malloc(DP_BLOCK);
	int r;

	if (!b)
		return ec_set_err(err, -ENOMEM, "out of memory");
	w->hdr.used_blocks = w->next_block;
	dp_header_encode(&w->hdr, b);
	r = pwrite_all(w->fd, b, DP_BLOCK, 0, err);
	free(b);
	return r;
}

int dp_writer_init(struct dp_writer *w, int fd, uint64_t part_blocks,
		   const char *host, int64_t time, enum dp_format fmt,
		   struct ec_err *err)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->buf = calloc(1, DP_BLOCK);
	if (!w->buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	w->hdr.version = DP_VERSION;
	w->hdr.block_size = DP_BLOCK;
	w->hdr.state = DP_ST_WRITING;
	w->hdr.format = fmt;
	w->hdr.time = time;
	w->hdr.part_blocks = part_blocks;
	snprintf(w->hdr.host, sizeof(w->hdr.host), "%s", host ? host : "");
	w->next_block = 1;
	return write_header(w, err);
}

int dp_writer_begin(struct dp_writer *w, enum dp_section type, struct ec_err *err)
{
	struct dp_section_ent *e;

	if (w->open)
		return ec_set_err(err, -EBUSY, "a section is already open");
	if (w->hdr.n_sections >= DP_MAX_SECTIONS)
		return ec_set_err(err, -E2BIG, "too many sections");
	if (w->next_block >= w->hdr.part_blocks) {
		w->full = true;
		return ec_set_err(err, -ENOSPC, "partition full (%llu blocks)",
				  (unsigned long long)w->hdr.part_blocks);
	}
	e = &w->hdr.sec[w->hdr.n_sections++];
	e->type = type;
	e->flags = 0;
	e->start = w->next_block;
	e->bytes = 0;
	w->fill = 0;
	w->open = true;
	w->full = false;
	/* The header names the section before any data, for dp_recover_writing. */
	return write_header(w, err);
}

static int flush_block(struct dp_writer *w, struct ec_err *err)
{
	struct dp_section_ent *e = &w->hdr.sec[w->hdr.n_sections - 1];
	uint64_t blk = e->start + e->bytes / DP_BLOCK;
	int r;

	if (blk >= w->hdr.part_blocks) {
		w->full = true;
		e->flags |= DP_SECF_TRUNCATED;
		return ec_set_err(err, -ENOSPC, "partition full after %llu bytes of section %u",
				  (unsigned long long)e->bytes, e->type);
	}
	if (w->fill < DP_BLOCK)
		memset(w->buf + w->fill, 0, DP_BLOCK - w->fill);
	r = pwrite_all(w->fd, w->buf, DP_BLOCK, blk * DP_BLOCK, err);
	if (r < 0) {
		e->flags |= DP_SECF_TRUNCATED;
		w->full = true;
		return r;
	}
	e->bytes += w->fill;
	w->next_block = blk + 1;
	w->fill = 0;
	return 0;
}

int dp_writer_write(struct dp_writer *w, const void *buf, size_t len, struct ec_err *err)
{
	const uint8_t *p = buf;

	if (!w->open)
		return ec_set_err(err, -EINVAL, "no open section");
	if (w->full)
		return ec_set_err(err, -ENOSPC, "partition full");
	while (len) {
		size_t k = DP_BLOCK - w->fill;

		if (k > len)
			k = len;
		memcpy(w->buf + w->fill, p, k);
		w->fill += k;
		p += k;
		len -= k;
		if (w->fill == DP_BLOCK) {
			int r = flush_block(w, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int dp_writer_end(struct dp_writer *w, struct ec_err *err)
{
	int r = 0;

	if (!w->open)
		return 0;
	if (w->fill && !w->full)
		r = flush_block(w, err);
	w->open = false;
	w->fill = 0;
	return r;
}

int dp_writer_rewind(struct dp_writer *w, enum dp_format fmt, struct ec_err *err)
{
	struct dp_section_ent *e;

	if (!w->open)
		return ec_set_err(err, -EINVAL, "no open section");
	e = &w->hdr.sec[w->hdr.n_sections - 1];
	e->bytes = 0;
	e->flags = 0;
	w->next_block = e->start;
	w->fill = 0;
	w->full = false;
	w->hdr.format = fmt;
	return write_header(w, err);
}

int dp_writer_finish(struct dp_writer *w, bool incomplete, struct ec_err *err)
{
	int r = dp_writer_end(w, err);

	for (uint32_t i = 0; i < w->hdr.n_sections; i++)
		if (w->hdr.sec[i].flags & DP_SECF_TRUNCATED)
			incomplete = true;
	/* Data first, then the header that makes it visible. */
	if (fdatasync(w->fd) < 0 && errno != EINVAL && !r)
		r = ec_set_err(err, -errno, "fdatasync: %s", strerror(errno));
	w->hdr.state = incomplete || r ? DP_ST_INCOMPLETE : DP_ST_COMPLETE;
	{
		struct ec_err e2;
		int r2 = write_header(w, r ? &e2 : err);

		if (!r)
			r = r2;
	}
	if (fdatasync(w->fd) < 0 && errno != EINVAL && !r)
		r = ec_set_err(err, -errno, "fdatasync: %s", strerror(errno));
	dp_writer_release(w);
	return r;
}

void dp_writer_release(struct dp_writer *w)
{
	free(w->buf);
	w->buf = NULL;
}

int dp_recover_writing(int fd, struct dp_header *h, struct ec_err *err)
{
	uint8_t *buf;
	struct dp_section_ent *e;
	uint64_t b;
	int r = 0;

	if (h->state != DP_ST_WRITING || !h->n_sections)
		return 0;
	buf = malloc(DP_BLOCK);
	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	e = &h->sec[h->n_sections - 1];
	for (b = e->start; b < h->part_blocks; b++) {
		r = pread_block(fd, b, buf, err);
		if (r < 0)
			break;
		if (dp_is_signature(b, buf))
			break;
	}
	if (!r) {
		e->bytes = (b - e->start) * DP_BLOCK;
		e->flags |= DP_SECF_TRUNCATED;
		h->used_blocks = b;
		h->state = DP_ST_INCOMPLETE;
	}
	free(buf);
	return r;
}

const struct dp_section_ent *dp_find(const struct dp_header *h, enum dp_section t)
{
	for (uint32_t i = 0; i < h->n_sections && i < DP_MAX_SECTIONS; i++)
		if (h->sec[i].type == (uint32_t)t)
			return &h->sec[i];
	return NULL;
}
