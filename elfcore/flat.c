/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flattened format (makedumpfile -F): a 4096-byte header "makedumpfile",
 * type 1, version 1 (big-endian s64), then {s64 offset, s64 size} records
 * each followed by its data, ending with a (-1, -1) marker. Later records
 * overwrite earlier ones; gaps read as zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "priv.h"

#define FLAT_HDR 4096
#define FLAT_SIG "makedumpfile"

static int check_header(const uint8_t *h, const char *what, struct ec_err *err)
{
	static const char sig[16] = FLAT_SIG;

	if (memcmp(h, sig, 16))
		return ec_set_err(err, -EBADMSG, "%s: offset 0: no flattened-format signature", what);
	if (ec_be64(h + 16) != 1)
		return ec_set_err(err, -EBADMSG, "%s: offset 0x10: flattened header type %lld, expected 1",
				  what, (long long)ec_be64(h + 16));
	return 0;
}

struct tmp_rec {
	uint64_t off, len, file_off;
	size_t seq;
};

static int cmp_rec(const void *a, const void *b)
{
	const struct tmp_rec *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* max-heap on seq */
static void heap_push(size_t *h, size_t *n, const struct tmp_rec *r, size_t v)
{
	size_t i = (*n)++;
	h[i] = v;
	while (i && r[h[(i - 1) / 2]].seq < r[h[i]].seq) {
		size_t p = (i - 1) / 2, t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static void heap_pop(size_t *h, size_t *n, const struct tmp_rec *r)
{
	size_t i = 0;

	h[0] = h[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < *n && r[h[l]].seq > r[h[m]].seq)
			m = l;
		if (l + 1 < *n && r[h[l + 1]].seq > r[h[m]].seq)
			m = l + 1;
		if (m == i)
			break;
		size_t t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
}

/* Overlapping records: cut into elementary intervals, newest record wins. */
static int resolve_overlaps(struct tmp_rec *r, size_t n, struct ec_io *io, struct ec_err *err)
{
	uint64_t *b = malloc(2 * n * sizeof(*b));
	size_t *heap = malloc(n * sizeof(*heap)), hn = 0, nb = 0, j = 0, out = 0;
	struct ec_flat_rec *o = malloc(2 * n * sizeof(*o));

	if (!b || !heap || !o) {
		free(b);
		free(heap);
		free(o);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		b[nb++] = r[i].off;
		b[nb++] = r[i].off + r[i].len;
	}
	qsort(b, nb, sizeof(*b), cmp_u64);
	for (size_t k = 0; k + 1 < nb; k++) {
		uint64_t s = b[k], e = b[k + 1];
		if (s == e)
			continue;
		while (j < n && r[j].off <= s)
			heap_push(heap, &hn, r, j++);
		while (hn && r[heap[0]].off + r[heap[0]].len <= s)
			heap_pop(heap, &hn, r);   /* lazily drop ended records */
		if (!hn)
			continue;
		const struct tmp_rec *t = &r[heap[0]];
		uint64_t fo = t->file_off + (s - t->off);
		if (out && o[out - 1].off + o[out - 1].len == s &&
		    o[out - 1].file_off + o[out - 1].len == fo) {
			o[out - 1].len += e - s;
		} else {
			o[out].off = s;
			o[out].len = e - s;
			o[out].file_off = fo;
			out++;
		}
	}
	free(b);
	free(heap);
	io->recs = o;
	io->nr_recs = out;
	return 0;
}

int ec__flat_map(struct ec_io *io, struct ec_err *err)
{
	uint8_t h[FLAT_HDR];
	struct tmp_rec *r = NULL;
	size_t n = 0, cap = 0;
	uint64_t pos = FLAT_HDR, end = 0;
	bool overlap = false;
	int ret;

	if (io->phys_size == EC_SIZE_UNKNOWN || io->phys_size < FLAT_HDR)
		return ec_set_err(err, -EBADMSG, "%s: flattened file shorter than its 4096-byte header", io->path);
	ret = ec__io_pread(io, h, FLAT_HDR, 0, err);
	if (ret < 0 || (ret = check_header(h, io->path, err)) < 0)
		return ret;
	for (;;) {
		uint8_t rh[16];
		int64_t off, len;
		if (io->phys_size - pos < 16) {
			free(r);
			return ec_set_err(err, -EBADMSG, "%s: offset 0x%llx: flattened file ends without the end marker",
					  io->path, (unsigned long long)pos);
		}
		ret = ec__io_pread(io, rh, 16, pos, err);
		if (ret < 0) {
			free(r);
			return ret;
		}
		off = (int64_t)ec_be64(rh);
		len = (int64_t)ec_be64(rh + 8);
		if (off == -1 && len == -1)
			break;
		if (off < 0 || len <= 0 || (uint64_t)len > io->phys_size - pos - 16 ||
		    (uint64_t)off > (uint64_t)INT64_MAX - (uint64_t)len) {
			free(r);
			return ec_set_err(err, -EBADMSG, "%s: offset 0x%llx: bad flattened record (offset %lld, size %lld)",
					  io->path, (unsigned long long)pos, (long long)off, (long long)len);
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct tmp_rec *nr = realloc(r, nc * sizeof(*nr));
			if (!nr) {
				free(r);
				return ec_set_err(err, -ENOMEM, "out of memory");
			}
			r = nr;
			cap = nc;
		}
		r[n].off = (uint64_t)off;
		r[n].len = (uint64_t)len;
		r[n].file_off = pos + 16;
		r[n].seq = n;
		n++;
		if ((uint64_t)off + (uint64_t)len > end)
			end = (uint64_t)off + (uint64_t)len;
		pos += 16 + (uint64_t)len;
	}
	if (n)	/* qsort(NULL, 0) is undefined (fuzz_flat) */
		qsort(r, n, sizeof(*r), cmp_rec);
	for (size_t i = 1; i < n; i++)
		if (r[i - 1].off + r[i - 1].len > r[i].off)
			overlap = true;
	if (overlap) {
		ret = resolve_overlaps(r, n, io, err);
		free(r);
		if (ret < 0)
			return ret;
	} else {
		io->recs = malloc((n ? n : 1) * sizeof(*io->recs));
		if (!io->recs) {
			free(r);
			return ec_set_err(err, -ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < n; i++) {
			io->recs[i].off = r[i].off;
			io->recs[i].len = r[i].len;
			io->recs[i].file_off = r[i].file_off;
		}
		io->nr_recs = n;
		free(r);
	}
	if (!io->recs) {   /* no records at all: an empty file */
		io->recs = malloc(sizeof(*io->recs));
		if (!io->recs)
			return ec_set_err(err, -ENOMEM, "out of memory");
		io->nr_recs = 0;
	}
	io->size = end;
	return 0;
}

ssize_t ec_read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int read_full(int fd, void *buf, size_t len, size_t *ret_got)
{
	ssize_t n = ec_read_full(fd, buf, len);

	*ret_got = n < 0 ? 0 : (size_t)n;
	if (n < 0)
		return (int)n;
	return 0;
}

int ec_flat_reassemble(int in_fd, int out_fd, struct ec_err *err)
{
	uint8_t h[FLAT_HDR];
	size_t got, bufsz = 1u << 20;
	uint64_t pos = 0, end = 0;
	uint8_t *buf;
	struct stat st;
	int r;

	r = read_full(in_fd, h, FLAT_HDR, &got);
	if (r < 0)
		return ec_set_err(err, r, "flattened input: read failed at offset 0: %s", strerror(-r));
	if (got < FLAT_HDR)
		return ec_set_err(err, -EBADMSG, "flattened input: only %zu bytes, shorter than the 4096-byte header", got);
	if ((r = check_header(h, "flattened input", err)) < 0)
		return r;
	pos = FLAT_HDR;
	buf = malloc(bufsz);
	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	for (;;) {
		uint8_t rh[16];
		int64_t off, len;

		r = read_full(in_fd, rh, 16, &got);
		if (r < 0 || got < 16) {
			r = r < 0 ? ec_set_err(err, r, "flattened input: read failed at offset 0x%llx: %s",
					       (unsigned long long)pos, strerror(-r))
				  : ec_set_err(err, -EBADMSG, "flattened input: offset 0x%llx: ends without the end marker",
					       (unsigned long long)pos);
			goto out;
		}
		off = (int64_t)ec_be64(rh);
		len = (int64_t)ec_be64(rh + 8);
		if (off == -1 && len == -1)
			break;
		if (off < 0 || len <= 0 || (uint64_t)off > (uint64_t)INT64_MAX - (uint64_t)len) {
			r = ec_set_err(err, -EBADMSG, "flattened input: offset 0x%llx: bad record (offset %lld, size %lld)",
				       (unsigned long long)pos, (long long)off, (long long)len);
			goto out;
		}
		pos += 16;
		for (uint64_t done = 0; done < (uint64_t)len;) {
			size_t want = (uint64_t)len - done < bufsz ? (size_t)((uint64_t)len - done) : bufsz;
			r = read_full(in_fd, buf, want, &got);
			if (r < 0 || got < want) {
				r = r < 0 ? ec_set_err(err, r, "flattened input: read failed at offset 0x%llx: %s",
						       (unsigned long long)pos, strerror(-r))
					  : ec_set_err(err, -EBADMSG, "flattened input: offset 0x%llx: record data cut short",
						       (unsigned long long)pos);
				goto out;
			}
			for (size_t w = 0; w < want;) {
				ssize_t n = pwrite(out_fd, buf + w, want - w, (off_t)((uint64_t)off + done + w));
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					r = n < 0 ? -errno : -EIO;
					ec_set_err(err, r, "reassembled output: write at offset 0x%llx failed: %s",
						   (unsigned long long)((uint64_t)off + done + w), strerror(-r));
					goto out;
				}
				w += (size_t)n;
			}
			done += want;
			pos += want;
		}
		if ((uint64_t)off + (uint64_t)len > end)
			end = (uint64_t)off + (uint64_t)len;
	}
	r = 0;
	if (fstat(out_fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < end &&
	    ftruncate(out_fd, (off_t)end) < 0)
		r = ec_set_err(err, -errno, "reassembled output: cannot extend to 0x%llx bytes: %s",
			       (unsigned long long)end, strerror(errno));
out:
	free(buf);
	return r;
}
