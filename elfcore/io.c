/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte source for the format readers: pread, or mmap in page-aligned windows
 * (the /proc/vmcore fast path: the kernel remaps old memory instead of copying
 * it page by page), or a flattened file through its record map.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "priv.h"

#define PROC_SUPER_MAGIC_ 0x9fa0
#define WIN_SIZE (4u << 20)
/* Zero-copy windows on a regular file are smaller: their pages count in the
 * resident set while mapped (2 MiB per reader; 4 MiB cost 3 MB more peak
 * RSS on a 4 GiB vmcore and no less time). */
#define FILE_WIN_SIZE (2u << 20)

int ec__io_open(struct ec_io *io, const char *path, unsigned flags, struct ec_err *err)
{
	struct stat st;
	struct statfs sfs;

	memset(io, 0, sizeof(*io));
	io->path = path;
	io->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (io->fd < 0)
		return ec_set_err(err, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(io->fd, &st) < 0) {
		int r = -errno;
		close(io->fd);
		io->fd = -1;
		return ec_set_err(err, r, "%s: cannot stat: %s", path, strerror(-r));
	}
	io->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : EC_SIZE_UNKNOWN;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(io->fd, 0, SEEK_END);
		if (end > 0)
			io->size = (uint64_t)end;
	}
	io->win_size = WIN_SIZE;
	/* mmap by default only where it pays: /proc/vmcore (procfs). */
	if (flags & EC_OPEN_MMAP)
		io->use_mmap = true;
	if (fstatfs(io->fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC_) {
		if (!(flags & EC_OPEN_NO_MMAP))
			io->use_mmap = true;
		if (io->size == 0)
			io->size = EC_SIZE_UNKNOWN;   /* a proc file that does not say */
	}
	if (flags & EC_OPEN_NO_MMAP)
		io->use_mmap = false, io->no_map = true;
	if (io->size == EC_SIZE_UNKNOWN)
		io->use_mmap = false;   /* /dev/oldmem: pread only */
	io->phys_size = io->size;
	return 0;
}

void ec__io_close(struct ec_io *io)
{
	if (io->win)
		munmap(io->win, io->win_len);
	io->win = NULL;
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	free(io->recs);
	io->recs = NULL;
}

static int raw_pread(struct ec_io *io, void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(io->fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ec_set_err(err, -errno, "%s: read of %zu bytes at offset 0x%llx failed: %s",
					  io->path, len, (unsigned long long)off, strerror(errno));
		}
		if (n == 0)
			return ec_set_err(err, -EIO, "%s: unexpected end of file at offset 0x%llx",
					  io->path, (unsigned long long)off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Map the window holding [off, off+len): win_size-aligned, or starting at
 * off's page when the range crosses that window's end. populate: the whole
 * window (MAP_POPULATE; /proc/vmcore remaps old memory at mmap anyway). */
static int map_window(struct ec_io *io, uint64_t off, size_t len, bool populate)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t wsz = populate ? io->win_size : FILE_WIN_SIZE;
	uint64_t start = off & ~(wsz - 1);
	uint64_t wlen = wsz;
	void *m;

	if (io->win) {
		munmap(io->win, io->win_len);
		io->win = NULL;
	}
	if (off + len > start + wlen) {
		start = off & ~(pg - 1);
		if (off + len - start > wlen)
			wlen = (off + len - start + pg - 1) & ~(pg - 1);
	}
	if (start + wlen > io->phys_size)
		wlen = io->phys_size - start;
	m = mmap(NULL, (size_t)wlen, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0),
		 io->fd, (off_t)start);
	if (m == MAP_FAILED)
		return -errno;
	io->win = m;
	io->win_off = start;
	io->win_len = (size_t)wlen;
	io->populated = populate;
	return 0;
}

static bool win_holds(const struct ec_io *io, uint64_t off, size_t len)
{
	return io->win && off >= io->win_off && off - io->win_off + len <= io->win_len;
}

int ec__io_map(struct ec_io *io, uint64_t off, size_t len, const void **ret)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);

	if (io->no_map || io->recs || io->size == EC_SIZE_UNKNOWN || io->fd < 0 ||
	    off > io->phys_size || len > io->phys_size - off || len == 0)
		return -EOPNOTSUPP;
	if (!win_holds(io, off, len) || (io->use_mmap && !io->populated)) {
		int r = map_window(io, off, len, io->use_mmap);
		if (r < 0) {
			io->no_map = true;
			return -EOPNOTSUPP;
		}
	}
	if (!io->populated) {
		/* fault the pages in now: an unreadable page is an error here
		 * (EFAULT/EIO), where touching it would be a SIGBUS */
		uint64_t a = off & ~(pg - 1);
		uint64_t e = (off + len + pg - 1) & ~(pg - 1);

		if (e > io->win_off + io->win_len)
			e = io->win_off + io->win_len;
		if (madvise(io->win + (a - io->win_off), (size_t)(e - a), MADV_POPULATE_READ) < 0) {
			if (errno == EINVAL || errno == ENOSYS)
				io->no_map = true;     /* kernel older than 5.14 */
			return -EOPNOTSUPP;
		}
	}
	*ret = io->win + (off - io->win_off);
	return 0;
}

/* Read from the underlying file: mmap windows, falling back to pread. */
static int file_read(struct ec_io *io, void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	uint8_t *p = buf;

	if (!io->use_mmap)
		return raw_pread(io, buf, len, off, err);
	while (len) {
		if (!io->win || !io->populated || off < io->win_off ||
		    off >= io->win_off + io->win_len) {
			if (map_window(io, off, 1, true) < 0) {
				io->use_mmap = false;   /* kernel refused: pread from now on */
				return raw_pread(io, p, len, off, err);
			}
		}
		size_t in = (size_t)(io->win_off + io->win_len - off);
		if (in > len)
			in = len;
		memcpy(p, io->win + (off - io->win_off), in);
		p += in;
		off += in;
		len -= in;
	}
	return 0;
}

/* First record whose end is past off. */
static size_t flat_find(const struct ec_io *io, uint64_t off)
{
	size_t lo = 0, hi = io->nr_recs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (io->recs[mid].off + io->recs[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int flat_read(struct ec_io *io, void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	uint8_t *p = buf;
	size_t i = flat_find(io, off);

	while (len) {
		const struct ec_flat_rec *r = i < io->nr_recs ? &io->recs[i] : NULL;
		if (!r || off < r->off) {
			/* gap between records: reads as zero, like the reassembled file */
			uint64_t gap = r ? r->off - off : len;
			size_t n = gap < len ? (size_t)gap : len;
			memset(p, 0, n);
			p += n;
			off += n;
			len -= n;
			continue;
		}
		uint64_t in = r->off + r->len - off;
		size_t n = in < len ? (size_t)in : len;
		int ret = file_read(io, p, n, r->file_off + (off - r->off), err);
		if (ret < 0)
			return ret;
		p += n;
		off += n;
		len -= n;
		i++;
	}
	return 0;
}

int ec__io_pread(struct ec_io *io, void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	if (io->size != EC_SIZE_UNKNOWN && (off > io->size || len > io->size - off))
		return ec_set_err(err, -ENODATA, "%s: %zu bytes at offset 0x%llx lie past the end of the file (size 0x%llx)",
				  io->path, len, (unsigned long long)off,
				  (unsigned long long)io->size);
	if (io->recs)
		return flat_read(io, buf, len, off, err);
	return file_read(io, buf, len, off, err);
}
