/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fault-injection shim's own test: run this program again under
 * LD_PRELOAD=faultinj.so with a fault configured, let the child do a known I/O
 * pattern, and check that exactly the configured fault happened.
 * argv[1] = path of faultinj.so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"

static char dir[] = "/tmp/crashcap-fi-XXXXXX";

/* Child: write 10 blocks of 1000 bytes (looping over short writes), fsync,
 * then pread it back in 100-byte steps. Prints "w <bytes> <errno>",
 * "s <ret> <errno>", "r <bytes> <errno>", "calls <n>". */
static int child(const char *file, int use_pwrite)
{
	char buf[1000], rb[100];
	long long done = 0;
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600), werr = 0, calls = 0;

	memset(buf, 'a', sizeof(buf));
	if (fd < 0)
		return 2;
	for (int i = 0; i < 10 && !werr; i++) {
		size_t left = sizeof(buf);

		while (left) {
			ssize_t n;

			calls++;
			if (use_pwrite == 2) {
				struct iovec v[2] = { { buf, left / 2 }, { buf, left - left / 2 } };
				n = writev(fd, v, 2);
			} else {
				n = use_pwrite ? pwrite(fd, buf, left, done) : write(fd, buf, left);
			}
			if (n < 0) {
				werr = errno;
				break;
			}
			left -= (size_t)n;
			done += n;
		}
	}
	printf("w %lld %d\n", done, werr);
	errno = 0;
	int s = fsync(fd);
	printf("s %d %d\n", s, s ? errno : 0);
	long long got = 0;
	int rerr = 0;
	for (long long off = 0; off < done;) {
		ssize_t n = pread(fd, rb, sizeof(rb), off);

		if (n < 0) {
			rerr = errno;
			break;
		}
		if (n == 0)
			break;
		off += n;
		got += n;
	}
	printf("r %lld %d\ncalls %d\n", got, rerr, calls);
	return 0;
}

/* Run the child with env (NULL-terminated "K=V" list); capture its stdout. */
static int run(const char *shim, const char *const *env, int mode, char *out, size_t outlen,
	       int *ret_sig)
{
	char file[300], modes[16], self[4096];
	int pfd[2], st;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	snprintf(file, sizeof(file), "%s/data", dir);
	snprintf(modes, sizeof(modes), "%d", mode);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || pipe(pfd) < 0)
		return -1;
	self[n] = '\0';
	pid = fork();
	if (pid == 0) {
		char pre[4200];

		dup2(pfd[1], 1);
		close(pfd[0]);
		snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", shim);
		putenv(pre);
		/* an ASan build's runtime must come first; the shim need not */
		putenv((char *)"ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0");
		for (int i = 0; env[i]; i++)
			putenv((char *)env[i]);
		execl(self, self, "child", file, modes, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (got + 1 < outlen && (n = read(pfd[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pfd[0]);
	waitpid(pid, &st, 0);
	*ret_sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct res { long long w; int werr, s, serr; long long r; int rerr, calls; };

static int parse(const char *out, struct res *r)
{
	return sscanf(out, "w %lld %d\ns %d %d\nr %lld %d\ncalls %d", &r->w, &r->werr, &r->s,
		      &r->serr, &r->r, &r->rerr, &r->calls) == 7 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char out[4096], pat[300], rep[300], repenv[320], logf[300], logenv[320];
	struct res r;
	int sig;

	if (argc == 4 && !strcmp(argv[1], "child"))
		return child(argv[2], atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: test_faultinj SHIM.so\n");
		return 2;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(pat, sizeof(pat), "FAULTINJ_PATH=%s/data", dir);
	snprintf(rep, sizeof(rep), "%s/report", dir);
	snprintf(repenv, sizeof(repenv), "FAULTINJ_REPORT=%s", rep);
	snprintf(logf, sizeof(logf), "%s/log", dir);
	snprintf(logenv, sizeof(logenv), "FAULTINJ_LOG=%s", logf);

	{
		const char *env[] = { NULL };
		ok(run(argv[1], env, 0, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 10000 && r.werr == 0 && r.s == 0 && r.r == 10000,
		   "no fault configured: everything passes through");
	}
	for (int mode = 0; mode < 3; mode++) {
		const char *env[] = { pat, "FAULTINJ_OFFSET=4500", "FAULTINJ_ERR=ENOSPC", NULL };
		ok(run(argv[1], env, mode, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 4500 && r.werr == ENOSPC && r.r == 4500,
		   "%s: ENOSPC at byte 4500: 4500 bytes land, then ENOSPC",
		   mode == 0 ? "write" : mode == 1 ? "pwrite" : "writev");
	}
	{
		const char *env[] = { pat, "FAULTINJ_NTH=3", "FAULTINJ_ERR=EIO", repenv, NULL };
		unlink(rep);
		ok(run(argv[1], env, 0, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 2000 && r.werr == EIO, "EIO on the 3rd write");
		struct stat st;
		ok(stat(rep, &st) == 0 && st.st_size > 0, "the injected fault is reported");
	}
	{
		const char *env[] = { pat, "FAULTINJ_NTH=2", "FAULTINJ_ERR=short", NULL };
		ok(run(argv[1], env, 1, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 10000 && r.werr == 0 && r.calls > 20,
		   "short writes from the 2nd on: a looping writer still writes all (%d calls)",
		   r.calls);
	}
	{
		const char *env[] = { pat, "FAULTINJ_NTH=1", "FAULTINJ_COUNT=1", "FAULTINJ_ERR=EIO", NULL };
		ok(run(argv[1], env, 0, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 0 && r.werr == EIO, "COUNT=1: one failure");
	}
	{
		const char *env[] = { pat, "FAULTINJ_OP=fsync", "FAULTINJ_NTH=1", "FAULTINJ_ERR=EIO", NULL };
		ok(run(argv[1], env, 0, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 10000 && r.s == -1 && r.serr == EIO, "fsync fails with EIO");
	}
	{
		const char *env[] = { pat, "FAULTINJ_OP=read", "FAULTINJ_RANGE=2050-3000",
				      "FAULTINJ_ERR=EIO", NULL };
		ok(run(argv[1], env, 0, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 10000 && r.r == 2050 && r.rerr == EIO,
		   "read error on bytes [2050,3000): reads up to 2050, then EIO");
	}
	{
		const char *env[] = { pat, "FAULTINJ_NTH=5", "FAULTINJ_SIGNAL=TERM", NULL };
		run(argv[1], env, 0, out, sizeof(out), &sig);
		ok(sig == SIGTERM, "SIGTERM delivered at the 5th write");
	}
	{
		const char *other = "FAULTINJ_PATH=/nonexistent/*";
		const char *env[] = { other, "FAULTINJ_NTH=1", logenv, NULL };
		unlink(logf);
		ok(run(argv[1], env, 1, out, sizeof(out), &sig) == 0 && !parse(out, &r) &&
		   r.w == 10000, "a pattern that matches nothing injects nothing");
		FILE *f = fopen(logf, "r");
		char line[512];
		int fs = 0, pw = 0;
		long long size = -1;
		while (f && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "pwrite ", 7))
				pw++;
			if (!strncmp(line, "fsync ", 6) && sscanf(strstr(line, "size="), "size=%lld", &size) == 1)
				fs++;
		}
		if (f)
			fclose(f);
		ok(pw == 10 && fs == 1 && size == 10000, "log records 10 pwrites and the fsync with the size");
	}
	if (!getenv("KEEP")) {
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	return tap_done();
}
