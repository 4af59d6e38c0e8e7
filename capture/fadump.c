/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Firmware-assisted dump: detect, copy /proc/vmcore, release as we go
 * (owner: security/legacy). Interfaces: see fadump.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fadump.h"

#define COPY_BLOCK (1u << 20)
#define MAX_PHNUM  65535u

const char *fadump_iface_name(enum fadump_iface i)
{
	switch (i) {
	case FADUMP_PHYP: return "hypervisor-assisted dump (release_region)";
	case FADUMP_LEGACY: return "fadump (fadump_release_mem)";
	case FADUMP_SYSFS: return "fadump (/sys/kernel/fadump)";
	default: return "none";
	}
}

static void join(char *out, size_t len, const char *root, const char *rel)
{
	snprintf(out, len, "%s%s", root ? root : "", rel);
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* Read a small sysfs text file; returns bytes or -errno. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - (size_t)got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static bool read_bool(const char *path)
{
	char b[32];

	return read_text(path, b, sizeof(b)) > 0 && strtol(b, NULL, 0) != 0;
}

int fadump_parse_release_region(const char *text, struct fadump_range *ret,
				unsigned max, struct ec_err *err)
{
	const char *p = strstr(text, "DUMP:");
	unsigned n = 0;

	if (!p)
		return ec_set_err(err, -EINVAL, "release_region: no DUMP: field in '%.80s'", text);
	p += 5;
	for (;;) {
		unsigned long long a, s;
		char *end;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == ':' || *p == '\0' || *p == '\n')
			break;
		errno = 0;
		a = strtoull(p, &end, 16);
		if (errno || end == p || *end != '-')
			return ec_set_err(err, -EINVAL, "release_region: bad address at '%.40s'", p);
		p = end + 1;
		s = strtoull(p, &end, 16);
		if (errno || end == p || s == 0 || a + s < a)
			return ec_set_err(err, -EINVAL, "release_region: bad size at '%.40s'", p);
		p = end;
		if (n == max)
			return ec_set_err(err, -EINVAL, "release_region: more than %u DUMP ranges", max);
		ret[n].addr = a;
		ret[n].size = s;
		n++;
	}
	if (!n)
		return ec_set_err(err, -EINVAL, "release_region: empty DUMP field");
	return (int)n;
}

int fadump_detect(const char *root, struct fadump_info *ret, struct ec_err *err)
{
	struct fadump_info fi;
	char p[PATH_MAX];

	memset(&fi, 0, sizeof(fi));
	join(fi.vmcore, sizeof(fi.vmcore), root, "/proc/vmcore");
	join(p, sizeof(p), root, "/sys/kernel/fadump/enabled");
	if (exists(p)) {
		fi.iface = FADUMP_SYSFS;
		fi.enabled = read_bool(p);
		join(p, sizeof(p), root, "/sys/kernel/fadump/registered");
		fi.registered = read_bool(p);
		snprintf(fi.registered_path, sizeof(fi.registered_path), "%s", p);
		join(fi.release_all, sizeof(fi.release_all), root, "/sys/kernel/fadump/release_mem");
	} else if (join(p, sizeof(p), root, "/sys/kernel/fadump_enabled"), exists(p)) {
		fi.iface = FADUMP_LEGACY;
		fi.enabled = read_bool(p);
		join(p, sizeof(p), root, "/sys/kernel/fadump_registered");
		fi.registered = read_bool(p);
		snprintf(fi.registered_path, sizeof(fi.registered_path), "%s", p);
		join(fi.release_all, sizeof(fi.release_all), root, "/sys/kernel/fadump_release_mem");
	} else if (join(p, sizeof(p), root, "/sys/kernel/release_region"), exists(p)) {
		char text[1024];
		ssize_t n;
		int r;

		fi.iface = FADUMP_PHYP;
		fi.enabled = true;
		fi.active = true;
		snprintf(fi.release_range, sizeof(fi.release_range), "%s", p);
		n = read_text(p, text, sizeof(text));
		if (n < 0)
			return ec_set_err(err, (int)n, "%s: %s", p, strerror((int)-n));
		/* the file gets our own release lines appended in the test tree:
		 * parse its first line only */
		text[strcspn(text, "\n")] = '\0';
		r = fadump_parse_release_region(text, fi.dump, FADUMP_MAX_RANGES, err);
		if (r < 0)
			return r;
		fi.nr_dump = (unsigned)r;
	}
	if (fi.release_all[0]) {
		/* the kernel creates release_mem only while a dump waits */
		fi.active = exists(fi.release_all);
		if (!fi.active)
			fi.release_all[0] = '\0';
	}
	*ret = fi;
	return 0;
}

/* ---- ELF core header (either class, either byte order) ---- */

struct core {
	int fd;
	uint64_t size;
	bool be;
	int cls;
	struct fadump_seg *segs;
	unsigned nsegs;
};

static uint64_t get(const uint8_t *p, unsigned n, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct fadump_seg *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int core_open(struct core *c, const char *path, struct ec_err *err)
{
	uint8_t eh[64], *ph = NULL;
	uint64_t phoff;
	unsigned phnum, phent;
	struct stat st;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(c->fd, &st) < 0)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	c->size = (uint64_t)st.st_size;
	r = pread_all(c->fd, eh, 52, 0);
	if (r < 0)
		return ec_set_err(err, r, "%s: ELF header: %s", path, strerror(-r));
	if (memcmp(eh, "\177ELF", 4) || (eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2))
		return ec_set_err(err, -EINVAL, "%s: not an ELF file", path);
	c->cls = eh[4];
	c->be = eh[5] == 2;
	if (c->cls == 2 && (r = pread_all(c->fd, eh, 64, 0)) < 0)
		return ec_set_err(err, r, "%s: ELF header: %s", path, strerror(-r));
	if (get(eh + 16, 2, c->be) != 4)
		return ec_set_err(err, -EINVAL, "%s: not an ELF core (e_type %" PRIu64 ")", path,
				  get(eh + 16, 2, c->be));
	if (c->cls == 2) {
		phoff = get(eh + 32, 8, c->be);
		phent = (unsigned)get(eh + 54, 2, c->be);
		phnum = (unsigned)get(eh + 56, 2, c->be);
	} else {
		phoff = get(eh + 28, 4, c->be);
		phent = (unsigned)get(eh + 42, 2, c->be);
		phnum = (unsigned)get(eh + 44, 2, c->be);
	}
	if (phent != (c->cls == 2 ? 56u : 32u) || phnum == 0 || phnum > MAX_PHNUM ||
	    phoff > c->size || (uint64_t)phnum * phent > c->size - phoff)
		return ec_set_err(err, -EINVAL,
				  "%s: program headers (offset %" PRIu64 ", %u x %u) outside the %" PRIu64
				  "-byte file", path, phoff, phnum, phent, c->size);
	ph = malloc((size_t)phnum * phent);
	c->segs = calloc(phnum, sizeof(*c->segs));
	if (!ph || !c->segs) {
		free(ph);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	r = pread_all(c->fd, ph, (size_t)phnum * phent, phoff);
	if (r < 0) {
		free(ph);
		return ec_set_err(err, r, "%s: program headers: %s", path, strerror(-r));
	}
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *h = ph + (size_t)i * phent;
		uint64_t type = get(h, 4, c->be), off, paddr, filesz;

		if (type != 1)  /* PT_LOAD */
			continue;
		if (c->cls == 2) {
			off = get(h + 8, 8, c->be);
			paddr = get(h + 24, 8, c->be);
			filesz = get(h + 32, 8, c->be);
		} else {
			off = get(h + 4, 4, c->be);
			paddr = get(h + 12, 4, c->be);
			filesz = get(h + 16, 4, c->be);
		}
		if (!filesz)
			continue;
		if (off > c->size || filesz > c->size - off || paddr + filesz < paddr) {
			free(ph);
			return ec_set_err(err, -EINVAL,
					  "%s: PT_LOAD %u (offset %" PRIu64 ", size %" PRIu64
					  ") outside the %" PRIu64 "-byte file", path, i, off, filesz,
					  c->size);
		}
		c->segs[c->nsegs++] = (struct fadump_seg){ .idx = i, .paddr = paddr,
							   .size = filesz, .offset = off };
	}
	free(ph);
	qsort(c->segs, c->nsegs, sizeof(*c->segs), cmp_seg);
	for (unsigned i = 1; i < c->nsegs; i++)
		if (c->segs[i].offset < c->segs[i - 1].offset + c->segs[i - 1].size)
			return ec_set_err(err, -EINVAL, "%s: PT_LOADs %u and %u overlap in the file",
					  path, c->segs[i - 1].idx, c->segs[i].idx);
	return 0;
}

static void core_close(struct core *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->segs);
}

/* Copy [off, off+len) of the vmcore to the sink. */
static int copy_range(struct core *c, const struct fadump_sink *sink, uint8_t *buf,
		      uint64_t off, uint64_t len, struct fadump_stats *st, struct ec_err *err)
{
	while (len) {
		size_t take = len < COPY_BLOCK ? (size_t)len : COPY_BLOCK;
		int r = pread_all(c->fd, buf, take, off);

		if (r < 0)
			return ec_set_err(err, r, "vmcore: read at offset %" PRIu64 ": %s", off,
					  strerror(-r));
		r = sink->write(sink->ctx, buf, take, off, err);
		if (r < 0)
			return r;
		st->bytes += take;
		off += take;
		len -= take;
	}
	return 0;
}

static int write_sysfs(const char *path, const char *text, struct ec_err *err)
{
	/* sysfs takes one write per store; O_APPEND keeps a test tree's regular
	 * file a log of what we wrote (sysfs ignores it). No O_NOFOLLOW: the
	 * legacy fadump names are symlinks into /sys/kernel/fadump. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	do
		n = write(fd, text, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return ec_set_err(err, (int)n, "%s: writing '%.*s': %s", path, (int)len - 1, text,
				  strerror((int)-n));
	}
	if (close(fd) < 0 || (size_t)n != len)
		return ec_set_err(err, -EIO, "%s: short write of '%.*s'", path, (int)len - 1, text);
	return 0;
}

/* Release the physical range of a saved segment through release_region,
 * mapped and clipped by the DUMP pairs (see fadump.h). */
static int release_seg(const struct fadump_info *fi, const struct fadump_seg *s,
		       struct fadump_stats *st, struct ec_err *err)
{
	uint64_t lo0 = s->paddr, hi0 = s->paddr + s->size;

	for (unsigned i = 0; i < fi->nr_dump; i++) {
		/* pair 0 holds the copy of physical [0, size); the rest are in place */
		uint64_t base = i == 0 ? 0 : fi->dump[i].addr;
		uint64_t lo = lo0 > base ? lo0 : base;
		uint64_t hi = hi0 < base + fi->dump[i].size ? hi0 : base + fi->dump[i].size;
		char line[64];
		int r;

		if (lo >= hi)
			continue;
		snprintf(line, sizeof(line), "0x%" PRIx64 " 0x%" PRIx64 "\n",
			 fi->dump[i].addr + (lo - base), hi - lo);
		r = write_sysfs(fi->release_range, line, err);
		if (r < 0)
			return r;
		st->releases++;
		st->released += hi - lo;
	}
	return 0;
}

int fadump_save(const struct fadump_info *fi, const struct fadump_sink *sink,
		unsigned flags, struct fadump_stats *ret_stats, struct ec_err *err)
{
	struct fadump_stats st = { 0 };
	struct core c;
	uint8_t *buf = NULL;
	uint64_t pos = 0;
	int r;

	if (fi->iface == FADUMP_NONE || !fi->active)
		return ec_set_err(err, -ENOENT, "no firmware-assisted dump is waiting (%s)",
				  fadump_iface_name(fi->iface));
	r = core_open(&c, fi->vmcore, err);
	if (r < 0)
		goto out;
	buf = malloc(COPY_BLOCK);
	if (!buf) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < c.nsegs; i++) {
		const struct fadump_seg *s = &c.segs[i];
		int keep = 1;

		/* headers, notes and any gap before this segment */
		if (pos < s->offset && (r = copy_range(&c, sink, buf, pos, s->offset - pos, &st, err)) < 0)
			goto out;
		if (sink->segment && (keep = sink->segment(sink->ctx, s)) < 0) {
			r = ec_set_err(err, keep, "segment %u rejected by the writer", s->idx);
			goto out;
		}
		if (keep) {
			if ((r = copy_range(&c, sink, buf, s->offset, s->size, &st, err)) < 0)
				goto out;
			st.segs++;
		} else {
			st.skipped++;
		}
		pos = s->offset + s->size;
		/* only what is durable may be given back */
		if ((r = sink->sync(sink->ctx, err)) < 0)
			goto out;
		if (fi->release_range[0] && !(flags & FADUMP_NO_RELEASE) &&
		    (r = release_seg(fi, s, &st, err)) < 0)
			goto out;
	}
	if (pos < c.size && (r = copy_range(&c, sink, buf, pos, c.size - pos, &st, err)) < 0)
		goto out;
	if ((r = sink->sync(sink->ctx, err)) < 0)
		goto out;
	core_close(&c);
	c.fd = -1;
	c.segs = NULL;
	if (fi->release_all[0] && !(flags & (FADUMP_NO_RELEASE | FADUMP_NO_INVALIDATE))) {
		r = write_sysfs(fi->release_all, "1\n", err);
		if (r < 0)
			goto out;
		st.invalidated = true;
		if ((flags & FADUMP_REREGISTER) && fi->registered_path[0]) {
			r = write_sysfs(fi->registered_path, "1\n", err);
			if (r < 0)
				goto out;
			st.reregistered = true;
		}
	}
	r = 0;
out:
	if (r < 0 || c.fd >= 0)
		core_close(&c);
	free(buf);
	if (ret_stats)
		*ret_stats = st;
	return r;
}
