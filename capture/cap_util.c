/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dump directory creation, flattened reassembly, incomplete flag. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "cap_util.h"
#include "fdio.h"

void cap_dump_dir_name(const char *host, int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(out, outsz, "%s-%04d-%02d-%02d-%02d:%02d:%02d", host,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

void cap_hostname(char *out, size_t outsz)
{
	struct utsname u;

	if (uname(&u) == 0 && u.nodename[0] && strcmp(u.nodename, "(none)"))
		snprintf(out, outsz, "%s", u.nodename);
	else
		snprintf(out, outsz, "localhost");
}

int cap_nfs_split(const char *spec, char *ret_host, size_t hostsz, char *ret_export,
		  size_t exportsz, struct ec_err *err)
{
	const char *h = spec, *colon;
	size_t hl;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			return ec_set_err(err, -EINVAL, "nfs target '%s': expected [address]:/export", spec);
		h = spec + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strchr(spec, ':');
		if (!colon)
			return ec_set_err(err, -EINVAL, "nfs target '%s': expected host:/export", spec);
		hl = (size_t)(colon - spec);
	}
	if (!hl || colon[1] != '/')
		return ec_set_err(err, -EINVAL, "nfs target '%s': expected host:/export", spec);
	if (hl >= hostsz || strlen(colon + 1) >= exportsz)
		return ec_set_err(err, -ENAMETOOLONG, "nfs target '%s': too long", spec);
	memcpy(ret_host, h, hl);
	ret_host[hl] = 0;
	snprintf(ret_export, exportsz, "%s", colon + 1);
	return 0;
}

int cap_nfs_attempt(int attempt, const char *addr, char *ret_fstype, size_t fstypesz,
		    char *ret_opts, size_t optsz)
{
	static const char *const v4[] = { "4.2", "4.1", "4.0" };
	int n;

	if (attempt < 0 || attempt > 3)
		return -ENOENT;
	if (attempt < 3) {
		snprintf(ret_fstype, fstypesz, "nfs4");
		n = snprintf(ret_opts, optsz, "vers=%s,addr=%s", v4[attempt], addr);
	} else {
		/* v3: the kernel asks the server's rpcbind for mountd itself;
		 * no statd in a capture initrd, so no NLM locking. */
		snprintf(ret_fstype, fstypesz, "nfs");
		n = snprintf(ret_opts, optsz, "vers=3,nolock,addr=%s", addr);
	}
	return n < 0 || (size_t)n >= optsz ? -ENAMETOOLONG : 0;
}

int cap_shell_quote(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	if (!outsz)
		return -ENAMETOOLONG;
#define PUT(c) do { if (o + 1 >= outsz) goto full; out[o++] = (c); } while (0)
	PUT('\'');
	for (; *in; in++) {
		if (*in == '\'') {
			PUT('\'');
			PUT('\\');
			PUT('\'');
			PUT('\'');
		} else {
			PUT(*in);
		}
	}
	PUT('\'');
#undef PUT
	out[o] = 0;
	return 0;
full:
	out[0] = 0;
	return -ENAMETOOLONG;
}

int cap_open_dir(int dirfd, const char *path, bool create, int *ret_fd, struct ec_err *err)
{
	char comp[256];
	const char *p = path;
	int fd;

	fd = openat(*path == '/' ? AT_FDCWD : dirfd, *path == '/' ? "/" : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	while (*p) {
		size_t n;
		int nfd;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n >= sizeof(comp)) {
			close(fd);
			return ec_set_err(err, -ENAMETOOLONG, "%s: component too long", path);
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		if (!strcmp(comp, "..")) {
			close(fd);
			return ec_set_err(err, -EINVAL, "%s: '..' not allowed", path);
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int e = errno;

				close(fd);
				return ec_set_err(err, -e, "%s: mkdir %s: %s", path, comp, strerror(e));
			}
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0) {
			int e = errno;

			close(fd);
			/* O_NOFOLLOW|O_DIRECTORY on a symlink gives ELOOP or ENOTDIR. */
			return ec_set_err(err, -e, "%s: %s: %s", path, comp,
					  e == ELOOP ? "is a symlink (refused)" : strerror(e));
		}
		close(fd);
		fd = nfd;
	}
	*ret_fd = fd;
	return 0;
}

int cap_make_dump_dir(int parent, const char *name, int *ret_fd, char *ret_name,
		      size_t namesz, struct ec_err *err)
{
	char n[512];

	for (int i = 0; i < 10; i++) {
		int fd;

		if (i)
			snprintf(n, sizeof(n), "%s.%d", name, i);
		else
			snprintf(n, sizeof(n), "%s", name);
		if (mkdirat(parent, n, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return ec_set_err(err, -errno, "mkdir %s: %s", n, strerror(errno));
		}
		fd = openat(parent, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ec_set_err(err, -errno, "open %s: %s", n, strerror(errno));
		/* mkdir honours the umask; the dump directory must be 0700 exactly. */
		if (fchmod(fd, 0700) < 0) {
			int e = errno;

			close(fd);
			return ec_set_err(err, -e, "chmod %s: %s", n, strerror(e));
		}
		*ret_fd = fd;
		if (ret_name)
			snprintf(ret_name, namesz, "%s", n);
		return 0;
	}
	return ec_set_err(err, -EEXIST, "%s: exists (and .1 ... .9)", name);
}

static int64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* Read exactly len bytes; returns bytes read (< len only at the end). */
static ssize_t read_full(cap_read_fn rd, void *ctx, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = rd(ctx, (uint8_t *)buf + done, len - done);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int cap_flat_reassemble(cap_read_fn rd, void *ctx, int out_fd, bool *ret_truncated,
			uint64_t *ret_size, struct ec_err *err)
{
	enum { CHUNK = 1 << 20 };
	uint8_t hdr[4096];
	uint8_t *buf = NULL;
	uint64_t pos = 4096, size = 0;
	bool truncated = false;
	ssize_t n;
	int r = 0;

	n = read_full(rd, ctx, hdr, sizeof(hdr));
	if (n < 0)
		return ec_set_err(err, (int)n, "flattened stream: read header: %s", strerror((int)-n));
	if (n < (ssize_t)sizeof(hdr) || memcmp(hdr, "makedumpfile", 13) || be64(hdr + 16) != 1)
		return ec_set_err(err, -EBADMSG, "flattened stream offset 0: no makedumpfile flat header");
	buf = malloc(CHUNK);
	if (!buf)
		return ec_set_err(err, -ENOMEM, "out of memory");
	for (;;) {
		uint8_t rh[16];
		int64_t off, len;

		n = read_full(rd, ctx, rh, sizeof(rh));
		if (n < 0) {
			r = ec_set_err(err, (int)n, "flattened stream offset %llu: %s",
				       (unsigned long long)pos, strerror((int)-n));
			break;
		}
		if (n < (ssize_t)sizeof(rh)) {
			truncated = true;
			break;
		}
		off = be64(rh);
		len = be64(rh + 8);
		if (off == -1 && len == -1)
			break;
		if (off == 0 && len == 0) {
			/* Zero padding after a stream cut short (raw partition tail). */
			truncated = true;
			break;
		}
		if (off < 0 || len <= 0) {
			r = ec_set_err(err, -EBADMSG, "flattened stream offset %llu: bad record {%lld, %lld}",
				       (unsigned long long)pos, (long long)off, (long long)len);
			break;
		}
		pos += 16;
		while (len > 0) {
			size_t k = len > CHUNK ? CHUNK : (size_t)len;
			ssize_t got = read_full(rd, ctx, buf, k);

			if (got < 0) {
				r = ec_set_err(err, (int)got, "flattened stream offset %llu: %s",
					       (unsigned long long)pos, strerror((int)-got));
				goto out;
			}
			if (got > 0) {
				int w = cap_pwrite_all(out_fd, buf, (size_t)got, (uint64_t)off);

				if (w < 0) {
					r = ec_set_err(err, w, "write output at %lld: %s",
						       (long long)off, strerror(-w));
					goto out;
				}
				if ((uint64_t)off + (uint64_t)got > size)
					size = (uint64_t)off + (uint64_t)got;
			}
			pos += (uint64_t)got;
			if ((size_t)got < k) {
				truncated = true;
				goto out;
			}
			off += got;
			len -= got;
		}
	}
out:
	free(buf);
	if (r < 0)
		return r;
	*ret_truncated = truncated;
	if (ret_size)
		*ret_size = size;
	return 0;
}

int cap_mark_incomplete(int fd, struct ec_err *err)
{
	uint8_t h[464];
	ssize_t n = pread(fd, h, sizeof(h), 0);

	if (n < 0)
		return ec_set_err(err, -errno, "read header: %s", strerror(errno));
	if (n >= 52 && !memcmp(h, "\177ELF", 4)) {
		off_t o = h[4] == 2 ? 48 : 36;   /* e_flags of ELF64 / ELF32 */
		int be = h[5] == 2;
		uint8_t *f = h + o;
		uint8_t bit = be ? 3 : 0;        /* byte holding bit 0 */

		f[bit] |= 1;
		if (pwrite(fd, f, 4, o) != 4)
			return ec_set_err(err, -errno, "write e_flags: %s", strerror(errno));
		return 0;
	}
	if (n >= 432 && (!memcmp(h, "KDUMP   ", 8) || !memcmp(h, "DISKDUMP", 8))) {
		/* header_version 6 read as LE tells us the byte order. */
		int be = h[8] == 0 && h[11] != 0;
		uint8_t *s = h + 424;

		s[be ? 3 : 0] |= 8;
		if (pwrite(fd, s, 4, 424) != 4)
			return ec_set_err(err, -errno, "write status: %s", strerror(errno));
		return 0;
	}
	return ec_set_err(err, -ENOMSG, "neither an ELF nor a kdump-compressed file");
}
