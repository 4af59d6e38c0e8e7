/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output sinks for the writers: a seekable file (pwrite) or a flattened
 * stream (formats.md §3: 4096-byte "makedumpfile" header, then big-endian
 * {offset, size} records, then the -1/-1 end marker).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "writer.h"

#define FLAT_HDR_SIZE 4096

struct wr_out {
	int fd;
	bool flat;
	bool failed;                   /* flat: the stream is broken */
	uint64_t bytes;
	/* writeback kicker (seekable files only) */
	uint64_t unkicked;             /* bytes written since the last kick */
	pthread_t kicker;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool kicker_up, kick, kick_stop, no_kick;
};

/* Start writeback of what has been written so far, in a helper thread so
 * that the writer never waits for it (on ext4 the block allocation happens
 * in the caller of sync_file_range): the final fsync() then has little left
 * to do, and the disk works while we compress. Errors are left for fsync()
 * to report. */
#define KICK_BYTES (8u << 20)

static void *kicker(void *arg)
{
	wr_out *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		while (!o->kick && !o->kick_stop)
			pthread_cond_wait(&o->cond, &o->lock);
		if (o->kick_stop)
			break;
		o->kick = false;
		pthread_mutex_unlock(&o->lock);
		if (sync_file_range(o->fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0 &&
		    (errno == ESPIPE || errno == EINVAL || errno == ENOSYS)) {
			pthread_mutex_lock(&o->lock);
			o->no_kick = true;
			break;
		}
		pthread_mutex_lock(&o->lock);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

static void kick_writeback(wr_out *o)
{
	o->unkicked = 0;
	if (o->no_kick)
		return;
	if (!o->kicker_up) {
		if (pthread_create(&o->kicker, NULL, kicker, o) != 0) {
			o->no_kick = true;
			return;
		}
		o->kicker_up = true;
	}
	pthread_mutex_lock(&o->lock);
	o->kick = true;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

static void kicker_stop(wr_out *o)
{
	if (!o->kicker_up)
		return;
	pthread_mutex_lock(&o->lock);
	o->kick_stop = true;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->kicker, NULL);
	o->kicker_up = false;
}

bool wr_errno_is_space(int negerr)
{
	return negerr == -ENOSPC || negerr == -EIO || negerr == -EFBIG ||
	       negerr == -EDQUOT || negerr == -EPIPE || negerr == -ENXIO ||
	       negerr == -ENODEV || negerr == -ESHUTDOWN;
}

static int mk(int fd, bool flat, wr_out **ret)
{
	wr_out *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->flat = flat;
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	*ret = o;
	return 0;
}

int out_file(int fd, wr_out **ret)
{
	return mk(fd, false, ret);
}

int out_flat(int fd, wr_out **ret)
{
	return mk(fd, true, ret);
}

bool out_is_flat(const wr_out *o)
{
	return o->flat;
}

void out_destroy(wr_out *o)
{
	if (!o)
		return;
	kicker_stop(o);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	free(o);
}

int out_sync(wr_out *o)
{
	kicker_stop(o);
	while (fsync(o->fd) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EINVAL || errno == EROFS)
			return 0;         /* a pipe or socket (-F): nothing to sync */
		return -errno;
	}
	return 0;
}

uint64_t out_bytes(const wr_out *o)
{
	return o->bytes;
}

/* write() all of buf; *done = bytes written. A zero-byte write counts as
 * ENOSPC (the kernel's way of saying "no more room" on some devices). */
static int write_all(int fd, const void *buf, size_t len, bool seek,
		     uint64_t off, size_t *done)
{
	const uint8_t *p = buf;

	*done = 0;
	while (*done < len) {
		ssize_t n = seek ? pwrite(fd, p + *done, len - *done,
					  (off_t)(off + *done))
				 : write(fd, p + *done, len - *done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		*done += (size_t)n;
	}
	return 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int out_begin(wr_out *o)
{
	uint8_t hdr[FLAT_HDR_SIZE] = { 0 };
	size_t done;
	int r;

	if (!o->flat)
		return 0;
	memcpy(hdr, "makedumpfile", 12);
	put_be64(hdr + 16, 1);         /* TYPE_FLAT_HEADER */
	put_be64(hdr + 24, 1);         /* VERSION_FLAT_HEADER */
	r = write_all(o->fd, hdr, sizeof(hdr), false, 0, &done);
	if (r < 0)
		o->failed = true;
	return r;
}

int out_write(wr_out *o, const void *buf, size_t len, uint64_t off,
	      size_t *ret_done)
{
	size_t done = 0;
	int r;

	if (ret_done)
		*ret_done = 0;
	if (len == 0)
		return 0;
	if (!o->flat) {
		r = write_all(o->fd, buf, len, true, off, &done);
	} else {
		uint8_t rec[16];

		if (o->failed)
			return -EPIPE;
		put_be64(rec, off);
		put_be64(rec + 8, len);
		r = write_all(o->fd, rec, sizeof(rec), false, 0, &done);
		done = 0;
		if (r == 0)
			r = write_all(o->fd, buf, len, false, 0, &done);
		if (r < 0) {
			/* a torn record cannot be resynchronised by readers */
			o->failed = true;
			done = 0;
		}
	}
	o->bytes += done;
	if (!o->flat) {
		o->unkicked += done;
		if (o->unkicked >= KICK_BYTES)
			kick_writeback(o);
	}
	if (ret_done)
		*ret_done = done;
	return r;
}

int out_reserve(wr_out *o, uint64_t off, uint64_t len)
{
	static const uint8_t zero[65536];
	int r;

	if (o->flat || len == 0)
		return 0;
	/* Real zeros, not fallocate(): the descriptors are later overwritten
	 * in many small pieces, and on ext4 every such write into a fallocated
	 * (unwritten) extent splits the extent tree. */
	while (len) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero), done;

		r = write_all(o->fd, zero, n, true, off, &done);
		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

int out_end(wr_out *o)
{
	uint8_t end[16];
	size_t done;
	int r;

	if (!o->flat)
		return 0;
	if (o->failed)
		return -EPIPE;
	memset(end, 0xff, sizeof(end));
	r = write_all(o->fd, end, sizeof(end), false, 0, &done);
	if (r < 0)
		o->failed = true;
	return r;
}

ssize_t out_ec_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
	size_t done;
	int r = out_write(ctx, buf, len, off, &done);

	if (r < 0 && done == 0)
		return r;
	return (ssize_t)done;
}
