/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * faultinj: an LD_PRELOAD shim that makes I/O on chosen files fail, for the
 * fault matrix (issue 9). It wraps write/pwrite/writev/pwritev, read/pread/
 * readv/preadv, fsync/fdatasync, and (optionally) mmap of the matched files.
 *
 * Configuration (environment; nothing set = the shim only passes through):
 *   FAULTINJ_PATH=glob     fnmatch(3) pattern on the fd's path
 *                          (readlink of /proc/self/fd/N); required to inject
 *   FAULTINJ_OP=write|read|fsync    which class of call fails (default write)
 *   FAULTINJ_ERR=ENOSPC|EIO|EDQUOT|EFBIG|EPIPE|short   (default ENOSPC)
 *                          "short": the call transfers half (at least 1 byte)
 *                          of what was asked and returns that count; callers
 *                          must loop.
 *   FAULTINJ_NTH=N         fail from the Nth matching call on (1-based)
 *   FAULTINJ_OFFSET=K      fail calls that reach byte offset K of the file;
 *                          a write crossing K first writes up to K (short),
 *                          as a filling disk does
 *   FAULTINJ_RANGE=A-B     (read) fail reads overlapping file bytes [A, B)
 *   FAULTINJ_COUNT=C       fail C calls, then succeed again (default: all,
 *                          i.e. the disk stays full)
 *   FAULTINJ_NO_MMAP=1     mmap of a matched fd fails with ENODEV, so readers
 *                          fall back to pread (where faults can be injected)
 *   FAULTINJ_SIGNAL=TERM|INT|KILL  raise this signal instead of failing, at the
 *                          point chosen by NTH/OFFSET
 *   FAULTINJ_LOG=file      append one line per call on a file matching
 *                          FAULTINJ_LOG_MATCH (glob, default "*"):
 *                          "<op> <path> off=<o> len=<n> ret=<r> size=<st_size>"
 *                          (size after the call; for fsync it is what is on
 *                          disk when fsync returns)
 *   FAULTINJ_REPORT=file   append "injected <op> <path> off=<o> err=<e>" once
 *                          per injected fault (lets a test prove the cell hit)
 *
 * Why a shim and not an internal I/O layer: it tests the real, unmodified
 * crashcap binary at the exact boundary where the kernel reports ENOSPC and
 * EIO, it covers every module's writes (writers, elfcore, capture targets)
 * without threading a test hook through each, and production code carries no
 * test-only indirection. Its limits: it cannot see I/O done through mmap
 * stores, io_uring or glibc-internal stdio writes, nor a static binary.
 */
/* define pwrite and pwrite64 separately: no off_t redirection here */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

enum opclass { OP_WRITE, OP_READ, OP_FSYNC };

static struct {
	bool init, active;
	const char *path, *log, *log_match, *report;
	enum opclass op;
	int err;            /* errno, or 0 for "short" */
	bool is_short;
	long nth;
	long long offset;   /* -1 = unset */
	long long ra, rb;   /* read range, ra < 0 = unset */
	long count;         /* -1 = unlimited */
	bool no_mmap;
	int sig;
	long calls;         /* matching calls of the op class seen */
	long injected;
} cfg;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name) real_##name
#define DECL_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)
DECL_REAL(ssize_t, write, int, const void *, size_t);
DECL_REAL(ssize_t, pwrite64, int, const void *, size_t, off_t);
DECL_REAL(ssize_t, writev, int, const struct iovec *, int);
DECL_REAL(ssize_t, pwritev, int, const struct iovec *, int, off_t);
DECL_REAL(ssize_t, read, int, void *, size_t);
DECL_REAL(ssize_t, pread64, int, void *, size_t, off_t);
DECL_REAL(ssize_t, readv, int, const struct iovec *, int);
DECL_REAL(ssize_t, preadv, int, const struct iovec *, int, off_t);
DECL_REAL(int, fsync, int);
DECL_REAL(int, fdatasync, int);
DECL_REAL(void *, mmap64, void *, size_t, int, int, int, off_t);

static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int errno_of(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT },
		{ "EFBIG", EFBIG }, { "EPIPE", EPIPE }, { "ENODEV", ENODEV },
		{ "EINTR", EINTR }, { "ENXIO", ENXIO },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].n))
			return t[i].e;
	return atoi(s) > 0 ? atoi(s) : ENOSPC;
}

static void setup(void)
{
	const char *s;

	if (cfg.init)
		return;
	real_write = next("write");
	real_pwrite64 = next("pwrite64");
	real_writev = next("writev");
	real_pwritev = next("pwritev64");
	if (!real_pwritev)
		real_pwritev = next("pwritev");
	real_read = next("read");
	real_pread64 = next("pread64");
	real_readv = next("readv");
	real_preadv = next("preadv64");
	if (!real_preadv)
		real_preadv = next("preadv");
	real_fsync = next("fsync");
	real_fdatasync = next("fdatasync");
	real_mmap64 = next("mmap64");
	if (!real_mmap64)
		real_mmap64 = next("mmap");

	cfg.path = getenv("FAULTINJ_PATH");
	cfg.log = getenv("FAULTINJ_LOG");
	cfg.log_match = getenv("FAULTINJ_LOG_MATCH");
	if (!cfg.log_match)
		cfg.log_match = "*";
	cfg.report = getenv("FAULTINJ_REPORT");
	s = getenv("FAULTINJ_OP");
	cfg.op = !s || !strcmp(s, "write") ? OP_WRITE : !strcmp(s, "read") ? OP_READ : OP_FSYNC;
	s = getenv("FAULTINJ_ERR");
	cfg.is_short = s && !strcmp(s, "short");
	cfg.err = s && !cfg.is_short ? errno_of(s) : ENOSPC;
	s = getenv("FAULTINJ_NTH");
	cfg.nth = s ? atol(s) : 0;
	s = getenv("FAULTINJ_OFFSET");
	cfg.offset = s ? atoll(s) : -1;
	cfg.ra = -1;
	s = getenv("FAULTINJ_RANGE");
	if (s && sscanf(s, "%lld-%lld", &cfg.ra, &cfg.rb) != 2)
		cfg.ra = -1;
	s = getenv("FAULTINJ_COUNT");
	cfg.count = s ? atol(s) : -1;
	cfg.no_mmap = getenv("FAULTINJ_NO_MMAP") != NULL;
	s = getenv("FAULTINJ_SIGNAL");
	cfg.sig = !s ? 0 : !strcmp(s, "TERM") ? SIGTERM : !strcmp(s, "INT") ? SIGINT :
		  !strcmp(s, "KILL") ? SIGKILL : atoi(s);
	cfg.active = cfg.path && (cfg.nth || cfg.offset >= 0 || cfg.ra >= 0 || cfg.no_mmap);
	cfg.init = true;
}

/* Read the configuration once libc is up (see mmap64). */
__attribute__((constructor)) static void faultinj_init(void)
{
	setup();
}

static bool fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static void append_line(const char *file, const char *fmt, ...)
{
	char line[PATH_MAX + 256];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!real_write(fd, line, (size_t)n);
	close(fd);
}

static void log_call(const char *op, int fd, long long off, size_t len, long long ret)
{
	char p[PATH_MAX];
	struct stat st;
	int saved = errno;

	if (!cfg.log || !fd_path(fd, p, sizeof(p)) || fnmatch(cfg.log_match, p, 0)) {
		errno = saved;
		return;
	}
	if (fstat(fd, &st) < 0)
		st.st_size = -1;
	append_line(cfg.log, "%s %s off=%lld len=%zu ret=%lld size=%lld\n", op, p, off, len,
		    ret, (long long)st.st_size);
	errno = saved;
}

/*
 * Decide whether this call is hit. *len may be cut (short write up to the
 * offset, or "short" mode). Returns 0 to go on (possibly with a smaller len),
 * or an errno to fail with.
 */
static int decide(enum opclass op, int fd, long long off, size_t *len)
{
	char p[PATH_MAX];
	int e = 0;

	setup();
	if (!cfg.active || op != cfg.op || !fd_path(fd, p, sizeof(p)) ||
	    fnmatch(cfg.path, p, 0))
		return 0;
	pthread_mutex_lock(&lock);
	cfg.calls++;
	if (cfg.count >= 0 && cfg.injected >= cfg.count)
		goto out;
	bool hit = false;
	if (cfg.nth && cfg.calls >= cfg.nth)
		hit = true;
	if (cfg.offset >= 0 && off >= 0) {
		if (off >= cfg.offset) {
			hit = true;
		} else if (op == OP_WRITE && (long long)(off + (long long)*len) > cfg.offset) {
			/* the disk fills inside this write: the part before K lands */
			*len = (size_t)(cfg.offset - off);
			goto out;
		}
	}
	if (cfg.ra >= 0 && off >= 0 && off < cfg.rb && off + (long long)*len > cfg.ra) {
		if (off < cfg.ra) {
			*len = (size_t)(cfg.ra - off);  /* the readable part first */
			goto out;
		}
		hit = true;
	}
	if (!hit)
		goto out;
	cfg.injected++;
	if (cfg.report)
		append_line(cfg.report, "injected %s %s off=%lld err=%s\n",
			    op == OP_WRITE ? "write" : op == OP_READ ? "read" : "fsync", p, off,
			    cfg.sig ? "signal" : cfg.is_short ? "short" : strerror(cfg.err));
	if (cfg.sig) {
		pthread_mutex_unlock(&lock);
		raise(cfg.sig);
		return 0;
	}
	if (cfg.is_short && op != OP_FSYNC) {
		if (*len > 1)
			*len /= 2;
		goto out;
	}
	e = cfg.err;
out:
	pthread_mutex_unlock(&lock);
	return e;
}

static long long cur_off(int fd)
{
	int saved = errno;
	off_t o = lseek(fd, 0, SEEK_CUR);

	errno = saved;
	return o;
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t t = 0;

	for (int i = 0; i < cnt; i++)
		t += iov[i].iov_len;
	return t;
}

/* Cut an iovec array to at most len bytes (into a copy). */
static int iov_cut(const struct iovec *iov, int cnt, size_t len, struct iovec *out, int max)
{
	int n = 0;

	for (int i = 0; i < cnt && len && n < max; i++) {
		out[n] = iov[i];
		if (out[n].iov_len > len)
			out[n].iov_len = len;
		len -= out[n].iov_len;
		n++;
	}
	return n;
}

#define FAIL_WITH(e) do { errno = (e); return -1; } while (0)

ssize_t write(int fd, const void *buf, size_t len)
{
	long long off;
	ssize_t r;
	int e;

	setup();
	off = cfg.active || cfg.log ? cur_off(fd) : -1;
	if ((e = decide(OP_WRITE, fd, off, &len)))
		FAIL_WITH(e);
	r = real_write(fd, buf, len);
	if (cfg.log)
		log_call("write", fd, off, len, r);
	return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t r;
	int e;

	if ((e = decide(OP_WRITE, fd, off, &len)))
		FAIL_WITH(e);
	r = real_pwrite64(fd, buf, len, off);
	if (cfg.log)
		log_call("pwrite", fd, off, len, r);
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite64(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct iovec cut[64];
	size_t len, want;
	long long off;
	ssize_t r;
	int e;

	setup();
	len = want = iov_total(iov, cnt);
	off = cfg.active || cfg.log ? cur_off(fd) : -1;
	if ((e = decide(OP_WRITE, fd, off, &len)))
		FAIL_WITH(e);
	if (len < want)
		r = real_writev(fd, cut, iov_cut(iov, cnt, len, cut, 64));
	else
		r = real_writev(fd, iov, cnt);
	if (cfg.log)
		log_call("writev", fd, off, len, r);
	return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct iovec cut[64];
	size_t len, want;
	ssize_t r;
	int e;

	setup();
	len = want = iov_total(iov, cnt);
	if ((e = decide(OP_WRITE, fd, off, &len)))
		FAIL_WITH(e);
	if (len < want)
		r = real_pwritev(fd, cut, iov_cut(iov, cnt, len, cut, 64), off);
	else
		r = real_pwritev(fd, iov, cnt, off);
	if (cfg.log)
		log_call("pwritev", fd, off, len, r);
	return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return pwritev(fd, iov, cnt, off);
}

ssize_t read(int fd, void *buf, size_t len)
{
	long long off;
	int e;

	setup();
	off = cfg.active && cfg.op == OP_READ ? cur_off(fd) : -1;
	if ((e = decide(OP_READ, fd, off, &len)))
		FAIL_WITH(e);
	return real_read(fd, buf, len);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	int e;

	setup();
	if ((e = decide(OP_READ, fd, off, &len)))
		FAIL_WITH(e);
	return real_pread64(fd, buf, len, off);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	return pread64(fd, buf, len, off);
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct iovec cut[64];
	size_t len, want;
	long long off;
	int e;

	setup();
	len = want = iov_total(iov, cnt);
	off = cfg.active && cfg.op == OP_READ ? cur_off(fd) : -1;
	if ((e = decide(OP_READ, fd, off, &len)))
		FAIL_WITH(e);
	if (len < want)
		return real_readv(fd, cut, iov_cut(iov, cnt, len, cut, 64));
	return real_readv(fd, iov, cnt);
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	struct iovec cut[64];
	size_t len, want;
	int e;

	setup();
	len = want = iov_total(iov, cnt);
	if ((e = decide(OP_READ, fd, off, &len)))
		FAIL_WITH(e);
	if (len < want)
		return real_preadv(fd, cut, iov_cut(iov, cnt, len, cut, 64), off);
	return real_preadv(fd, iov, cnt, off);
}

ssize_t preadv64(int fd, const struct iovec *iov, int cnt, off_t off)
{
	return preadv(fd, iov, cnt, off);
}

static int sync_common(const char *name, int (*fn)(int), int fd)
{
	size_t dummy = 0;
	int e, r;

	if ((e = decide(OP_FSYNC, fd, -1, &dummy)))
		FAIL_WITH(e);
	/* NTH/COUNT apply to fsync; OFFSET does not (no offset) */
	r = fn(fd);
	if (cfg.log)
		log_call(name, fd, -1, 0, r);
	return r;
}

int fsync(int fd)
{
	setup();
	return sync_common("fsync", real_fsync, fd);
}

int fdatasync(int fd)
{
	setup();
	return sync_common("fdatasync", real_fdatasync, fd);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	char p[PATH_MAX];

	/* A sanitizer runtime maps memory before libc (and the environment) is
	 * ready: no dlsym or getenv then, go straight to the kernel. */
	if (!cfg.init)
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (cfg.no_mmap && fd >= 0 && cfg.path && fd_path(fd, p, sizeof(p)) &&
	    !fnmatch(cfg.path, p, 0)) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	return real_mmap64(addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap64(addr, len, prot, flags, fd, off);
}
