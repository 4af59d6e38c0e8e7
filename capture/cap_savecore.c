/* SPDX-License-Identifier: GPL-2.0-or-later */
/* savecore: raw partition -> /var/crash/<host>-<date>/{vmcore,vmcore-dmesg.txt}. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cap_savecore.h"
#include "cap_util.h"
#include "diskdump_part.h"

struct sec_reader {
	int fd;
	uint64_t off, end;   /* byte offsets on the device */
};

static ssize_t sec_read(void *ctx, void *buf, size_t len)
{
	struct sec_reader *s = ctx;
	ssize_t r;

	if (s->off >= s->end)
		return 0;
	if (len > s->end - s->off)
		len = (size_t)(s->end - s->off);
	do
		r = pread(s->fd, buf, len, (off_t)s->off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	s->off += (uint64_t)r;
	return r;
}

static void sec_init(struct sec_reader *s, int fd, const struct dp_section_ent *e)
{
	s->fd = fd;
	s->off = e->start * DP_BLOCK;
	s->end = s->off + e->bytes;
}

/* Copy a section verbatim into name (0600); trailing NULs of text dropped. */
static int copy_section(int dev_fd, int dir_fd, const struct dp_section_ent *e,
			const char *name, bool text, struct ec_err *err)
{
	struct sec_reader s;
	uint8_t *buf = malloc(1 << 20);
	int out, r = 0;

	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	out = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		free(buf);
		return ec_set_err(err, -errno, "create %s: %s", name, strerror(errno));
	}
	sec_init(&s, dev_fd, e);
	for (;;) {
		ssize_t n = sec_read(&s, buf, 1 << 20);
		size_t k;

		if (n < 0) {
			r = ec_set_err(err, (int)n, "read partition at %llu: %s",
				       (unsigned long long)s.off, strerror((int)-n));
			break;
		}
		if (n == 0)
			break;
		k = (size_t)n;
		if (text)
			while (k && !buf[k - 1])
				k--;
		if (write(out, buf, k) != (ssize_t)k) {
			r = ec_set_err(err, -errno, "write %s: %s", name, strerror(errno));
			break;
		}
	}
	if (!r && fsync(out) < 0)
		r = ec_set_err(err, -errno, "fsync %s: %s", name, strerror(errno));
	close(out);
	free(buf);
	return r;
}

static int save_dump(int dev_fd, int dir_fd, const struct dp_header *h,
		     const struct dp_section_ent *e, struct cap_saved *ret, struct ec_err *err)
{
	bool truncated = h->state != DP_ST_COMPLETE || (e->flags & DP_SECF_TRUNCATED);
	struct sec_reader s;
	int out, r;

	if (h->format != DP_FMT_FLAT) {
		r = copy_section(dev_fd, dir_fd, e, "vmcore-incomplete", false, err);
		out = r < 0 ? -1 : openat(dir_fd, "vmcore-incomplete", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (r < 0)
			return r;
		ret->dump_bytes = e->bytes;
	} else {
		bool t = false;

		out = openat(dir_fd, "vmcore-incomplete",
			     O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return ec_set_err(err, -errno, "create vmcore-incomplete: %s", strerror(errno));
		sec_init(&s, dev_fd, e);
		r = cap_flat_reassemble(sec_read, &s, out, &t, &ret->dump_bytes, err);
		if (r < 0) {
			close(out);
			return r;
		}
		truncated |= t;
	}
	if (out < 0)
		return ec_set_err(err, -errno, "open vmcore-incomplete: %s", strerror(errno));
	if (truncated) {
		struct ec_err e2;

		/* Best effort: a stream cut before its header has nothing to flag. */
		(void)cap_mark_incomplete(out, &e2);
	}
	r = fsync(out) < 0 ? ec_set_err(err, -errno, "fsync vmcore: %s", strerror(errno)) : 0;
	close(out);
	if (r < 0)
		return r;
	ret->incomplete = truncated;
	if (!truncated && renameat(dir_fd, "vmcore-incomplete", dir_fd, "vmcore") < 0)
		return ec_set_err(err, -errno, "rename to vmcore: %s", strerror(errno));
	return 0;
}

int cap_savecore(int dev_fd, int crashdir_fd, bool reformat, struct cap_saved *ret,
		 struct ec_err *err)
{
	struct cap_saved res = { 0 };
	struct dp_header h;
	const struct dp_section_ent *e;
	uint8_t *blk = malloc(DP_BLOCK);
	char name[256];
	ssize_t n;
	int dir_fd = -1, r;

	if (!blk)
		return ec_set_err(err, -ENOMEM, "out of memory");
	n = pread(dev_fd, blk, DP_BLOCK, 0);
	if (n != DP_BLOCK) {
		free(blk);
		return ec_set_err(err, n < 0 ? -errno : -EIO, "read block 0: %s",
				  n < 0 ? strerror(errno) : "short read");
	}
	r = dp_header_decode(blk, &h, err);
	free(blk);
	if (r == -ENOMSG) {
		*ret = res;     /* no dump: nothing to do */
		return 0;
	}
	if (r < 0)
		return r;
	res.found = true;
	r = dp_recover_writing(dev_fd, &h, err);
	if (r < 0)
		return r;
	cap_dump_dir_name(h.host[0] ? h.host : "localhost", h.time, name, sizeof(name));
	r = cap_make_dump_dir(crashdir_fd, name, &dir_fd, res.dir, sizeof(res.dir), err);
	if (r < 0)
		return r;
	/* The cheap, most useful part first. */
	if ((e = dp_find(&h, DP_SEC_DMESG)) && e->bytes)
		r = copy_section(dev_fd, dir_fd, e, "vmcore-dmesg.txt", true, err);
	if (!r && (e = dp_find(&h, DP_SEC_DUMP)) && e->bytes)
		r = save_dump(dev_fd, dir_fd, &h, e, &res, err);
	if (!r && (e = dp_find(&h, DP_SEC_LOG)) && e->bytes)
		r = copy_section(dev_fd, dir_fd, e, "kexec-dmesg.log", true, err);
	if (!r && fsync(dir_fd) < 0)
		r = ec_set_err(err, -errno, "fsync %s: %s", res.dir, strerror(errno));
	close(dir_fd);
	if (r < 0)
		return r;
	res.used_blocks = h.used_blocks;
	if (reformat) {
		/* Data blocks first, the header block last: a crash in between
		 * leaves a dump that will be saved again, never a lost one. */
		if (h.used_blocks > 1)
			r = dp_format_range(dev_fd, 1, h.used_blocks - 1, err);
		if (!r)
			r = dp_format_range(dev_fd, 0, 1, err);
		if (r < 0)
			return r;
	}
	*ret = res;
	return 0;
}
