/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firmware-assisted dump against a fake sysfs tree and a generated vmcore.
 * Each run re-executes this program under the faultinj shim with a call log
 * (FAULTINJ_LOG), so the order of the output file's fdatasync calls (with the
 * size on disk) and the writes to the release files is recorded; the test
 * then checks that every saved range is released exactly once, in order, and
 * never before its bytes were written and synced.
 * argv[1] = path of faultinj.so.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "config.h"
#include "crypt.h"
#include "fadump.h"
#include "tap.h"

int cmd_fadump(int argc, char **argv);

static char dir[] = "/tmp/crashcap-fadump-XXXXXX";
static const char *shim;

/* The fake vmcore: 4 PT_LOADs (+ PT_NOTE), given out of paddr order in the
 * program headers to make sure the copy goes by file offset. */
struct load { uint64_t paddr, size; };
static const struct load loads[] = {
	{ 0x0, 0x10000 },      /* low memory: saved by firmware at DUMP pair 0 */
	{ 0x10000, 0x10000 },
	{ 0x20000, 0x20000 },
	{ 0x100000, 0x3000 },  /* outside the DUMP ranges: never released */
};
#define NLOADS 4
static uint64_t seg_end[NLOADS];  /* end offset of each load's data in the file */
static const char rr_text[] =
	"CPU:0x177fee000-0x10000: HPTE:0x177ffe020-0x1000: DUMP:0x177fff020-0x10000, 0x10000-0x30000:\n";
/* what must be released, in order */
static const char *const want_release[] = {
	"0x177fff020 0x10000", "0x10000 0x10000", "0x20000 0x20000",
};

static bool big_endian;   /* ppc64 (BE) cores; ppc64le is the default */

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[big_endian ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static size_t make_vmcore(uint8_t **ret)
{
	const size_t phoff = 64, nph = NLOADS + 1, note_off = phoff + nph * 56;
	static const char vmci[] = "OSRELEASE=6.1.0-fake\nPAGESIZE=4096\n";
	size_t note_len = 12 + 12 + ((sizeof(vmci) + 3) & ~3u);
	size_t off = 0x1000, total;
	uint8_t *b;

	for (int i = 0; i < NLOADS; i++)
		off += loads[i].size;
	total = off;
	b = calloc(1, total);
	memcpy(b, "\177ELF\2\1\1", 7);
	b[5] = big_endian ? 2 : 1;
	put(b + 16, 4, 2);        /* ET_CORE */
	put(b + 18, 21, 2);       /* EM_PPC64 */
	put(b + 20, 1, 4);
	put(b + 32, phoff, 8);
	put(b + 52, 64, 2);
	put(b + 54, 56, 2);
	put(b + 56, nph, 2);
	/* PT_NOTE */
	uint8_t *ph = b + phoff;
	put(ph, 4, 4);
	put(ph + 8, note_off, 8);
	put(ph + 32, note_len, 8);
	put(ph + 40, note_len, 8);
	uint8_t *n = b + note_off;
	put(n, 11, 4);
	put(n + 4, sizeof(vmci), 4);
	put(n + 8, 0, 4);
	memcpy(n + 12, "VMCOREINFO", 11);
	memcpy(n + 24, vmci, sizeof(vmci));
	/* PT_LOADs: file order 0,1,2,3; header order 2,0,3,1 */
	static const int hdr_order[NLOADS] = { 2, 0, 3, 1 };
	uint64_t offs[NLOADS];
	off = 0x1000;
	for (int i = 0; i < NLOADS; i++) {
		offs[i] = off;
		off += loads[i].size;
		seg_end[i] = off;
		for (uint64_t k = 0; k < loads[i].size; k++)
			b[offs[i] + k] = (uint8_t)(i * 37 + k * 7 + (k >> 9));
	}
	for (int j = 0; j < NLOADS; j++) {
		int i = hdr_order[j];
		uint8_t *h = b + phoff + (size_t)(j + 1) * 56;

		put(h, 1, 4);
		put(h + 4, 7, 4);
		put(h + 8, offs[i], 8);
		put(h + 16, 0xc000000000000000ull + loads[i].paddr, 8);
		put(h + 24, loads[i].paddr, 8);
		put(h + 32, loads[i].size, 8);
		put(h + 40, loads[i].size, 8);
	}
	*ret = b;
	return total;
}

static void spit(const char *p, const void *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, b, n) != (ssize_t)n)
		fprintf(stderr, "cannot write %s\n", p);
	if (fd >= 0)
		close(fd);
}

static uint8_t *slurp(const char *p, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(p, O_RDONLY);

	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	*len = (size_t)pread(fd, b, (size_t)st.st_size, 0);
	b[*len] = 0;
	close(fd);
	return b;
}

static void mkdirs(const char *root, const char *rel)
{
	char p[512], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

/* dir + "/" + printf(fmt, ...), from a small ring of buffers */
__attribute__((format(printf, 1, 2)))
static char *pth(const char *fmt, ...)
{
	static char buf[8][512];
	static int i;
	va_list ap;
	int n;

	i = (i + 1) % 8;
	n = snprintf(buf[i], sizeof(buf[i]), "%s/", dir);
	va_start(ap, fmt);
	vsnprintf(buf[i] + n, sizeof(buf[i]) - (size_t)n, fmt, ap);
	va_end(ap);
	return buf[i];
}

/* Build a fake root of the given kind. */
static void make_root(const char *name, enum fadump_iface kind, bool waiting,
		      const uint8_t *core, size_t clen)
{
	char root[400];

	snprintf(root, sizeof(root), "%s/%s", dir, name);
	mkdirs(root, "proc");
	mkdirs(root, "sys/kernel/fadump");
	spit(pth("%s/proc/vmcore", name), core, clen);
	if (kind == FADUMP_PHYP) {
		rmdir(pth("%s/sys/kernel/fadump", name));
		spit(pth("%s/sys/kernel/release_region", name), rr_text, strlen(rr_text));
	} else if (kind == FADUMP_SYSFS) {
		spit(pth("%s/sys/kernel/fadump/enabled", name), "1\n", 2);
		spit(pth("%s/sys/kernel/fadump/registered", name), "1\n", 2);
		if (waiting)
			spit(pth("%s/sys/kernel/fadump/release_mem", name), "", 0);
	} else {
		rmdir(pth("%s/sys/kernel/fadump", name));
		spit(pth("%s/sys/kernel/fadump_enabled", name), "1\n", 2);
		spit(pth("%s/sys/kernel/fadump_registered", name), "1\n", 2);
		if (waiting)
			spit(pth("%s/sys/kernel/fadump_release_mem", name), "", 0);
	}
}

/* Run `crashcap fadump --root ROOT [extra] OUT` in a child under the shim. */
static int run(const char *name, const char *out, const char *extra, const char *extra2,
	       const char *const *env)
{
	char self[4096], logenv[600], matchenv[600], rootp[400];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int st;
	pid_t pid;

	if (n < 0)
		return -1;
	self[n] = 0;
	snprintf(rootp, sizeof(rootp), "%s/%s", dir, name);
	unlink(pth("%s.log", name));
	pid = fork();
	if (pid == 0) {
		char pre[4200];

		dup2(2, 1);   /* the command's report is not TAP */
		snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", shim);
		snprintf(logenv, sizeof(logenv), "FAULTINJ_LOG=%s/%s.log", dir, name);
		snprintf(matchenv, sizeof(matchenv), "FAULTINJ_LOG_MATCH=%s/*", dir);
		putenv(pre);
		putenv(logenv);
		putenv(matchenv);
		putenv((char *)"ASAN_OPTIONS=verify_asan_link_order=0");
		for (int i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execl(self, self, "child", rootp, out, extra ? extra : "", extra2 ? extra2 : "",
		      (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int child(int argc, char **argv)
{
	char *av[8];
	int ac = 0;

	av[ac++] = (char *)"fadump";
	av[ac++] = (char *)"--root";
	av[ac++] = argv[2];
	for (int i = 4; i < argc; i++)
		if (argv[i][0])
			av[ac++] = argv[i];
	av[ac++] = argv[3];
	av[ac] = NULL;
	return cmd_fadump(ac, av);
}

/*
 * Check the log: each write to release_file must come after a sync of
 * out_file whose on-disk size covered the segment, releases in the given
 * order, each exactly once. Returns the number of releases seen, or -1.
 */
static int check_log(const char *name, const char *release_file, const char *out_file,
		     const char *const *want, int nwant, const uint64_t *need_size, char *why,
		     size_t whylen)
{
	FILE *f = fopen(pth("%s.log", name), "r");
	char line[1200];
	long long synced = -1;
	int seen = 0;

	snprintf(why, whylen, "ok");
	if (!f) {
		snprintf(why, whylen, "no log");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char op[32], path[900];
		long long off, ret, size;
		size_t len;

		if (sscanf(line, "%31s %899s off=%lld len=%zu ret=%lld size=%lld", op, path, &off,
			   &len, &ret, &size) != 6)
			continue;
		size_t pl = strlen(path), ol = strlen(out_file), rl = strlen(release_file);
		if ((!strcmp(op, "fdatasync") || !strcmp(op, "fsync")) && pl >= ol &&
		    !strcmp(path + pl - ol, out_file) && ret == 0)
			synced = size;
		if (!strcmp(op, "write") && pl >= rl && !strcmp(path + pl - rl, release_file)) {
			if (seen >= nwant) {
				snprintf(why, whylen, "extra release #%d", seen + 1);
				fclose(f);
				return -1;
			}
			if (synced < 0 || (uint64_t)synced < need_size[seen]) {
				snprintf(why, whylen, "release #%d before its data was synced "
					 "(synced %lld, need %" PRIu64 ")", seen + 1, synced,
					 need_size[seen]);
				fclose(f);
				return -1;
			}
			seen++;
		}
	}
	fclose(f);
	(void)want;
	return seen;
}

static bool release_lines(const char *file, const char *first, const char *const *want,
			  int nwant)
{
	size_t len;
	char *t = (char *)slurp(file, &len), *p, *save = NULL;
	int i = 0;
	bool good = t != NULL;

	if (!t)
		return false;
	p = strtok_r(t, "\n", &save);
	if (first) {
		good = p && !strncmp(p, first, strlen(first) - 1);
		p = strtok_r(NULL, "\n", &save);
	}
	for (; good && p; p = strtok_r(NULL, "\n", &save), i++)
		good = i < nwant && !strcmp(p, want[i]);
	free(t);
	return good && i == nwant;
}

int main(int argc, char **argv)
{
	uint8_t *core, *got;
	size_t clen, glen;
	struct stat sb;
	char why[300];
	int r;

	if (argc >= 4 && !strcmp(argv[1], "child"))
		return child(argc, argv);
	if (argc != 2) {
		fprintf(stderr, "usage: test_fadump SHIM.so\n");
		return 2;
	}
	shim = argv[1];
	if (!mkdtemp(dir))
		return 1;
	clen = make_vmcore(&core);

	/* parsing release_region */
	{
		struct fadump_range rg[8];
		struct ec_err err;

		r = fadump_parse_release_region(rr_text, rg, 8, &err);
		ok(r == 2 && rg[0].addr == 0x177fff020 && rg[0].size == 0x10000 &&
		   rg[1].addr == 0x10000 && rg[1].size == 0x30000, "release_region DUMP pairs parsed");
		ok(fadump_parse_release_region("CPU:0x1-0x2: HPTE:0x1-0x1:", rg, 8, &err) == -EINVAL,
		   "no DUMP field rejected: %s", err.msg);
		ok(fadump_parse_release_region("DUMP:0x1-zz:", rg, 8, &err) == -EINVAL,
		   "bad size rejected: %s", err.msg);
	}

	/* 1. hypervisor-assisted dump: per-range release */
	make_root("phyp", FADUMP_PHYP, true, core, clen);
	r = run("phyp", pth("%s", "out-phyp"), NULL, NULL, NULL);
	ok(r == 0, "phyp: saved (exit %d)", r);
	got = slurp(pth("%s/vmcore", "out-phyp"), &glen);
	ok(got && glen == clen && !memcmp(got, core, clen), "phyp: vmcore copy byte-identical");
	free(got);
	ok(stat(pth("%s/vmcore", "out-phyp"), &sb) == 0 && (sb.st_mode & 0777) == 0600,
	   "dump file is 0600");
	ok(stat(pth("%s", "out-phyp"), &sb) == 0 && (sb.st_mode & 0777) == 0700,
	   "dump directory is 0700");
	ok(release_lines(pth("%s/sys/kernel/release_region", "phyp"), rr_text, want_release, 3),
	   "phyp: each saved range released exactly once, in order, mapped through DUMP pairs");
	{
		const uint64_t need[] = { seg_end[0], seg_end[1], seg_end[2] };
		r = check_log("phyp", "release_region", "vmcore-incomplete", want_release, 3, need, why,
			      sizeof(why));
		ok(r == 3, "phyp: no release before its bytes were written and synced (%s)", why);
	}

	/* 2. ENOSPC in the middle of segment 1: only segment 0 released, dump kept */
	make_root("phyp-enospc", FADUMP_PHYP, true, core, clen);
	{
		char off[64];
		snprintf(off, sizeof(off), "FAULTINJ_OFFSET=%" PRIu64, seg_end[0] + 0x8000);
		const char *env[] = { "FAULTINJ_PATH=*/vmcore-incomplete", off, NULL };
		r = run("phyp-enospc", pth("%s", "out-enospc"), NULL, NULL, env);
	}
	ok(r == 3 /* EXIT_INCOMPLETE */, "ENOSPC: exit %d (incomplete)", r);
	ok(stat(pth("%s/vmcore-incomplete", "out-enospc"), &sb) == 0 &&
	   (uint64_t)sb.st_size == seg_end[0] + 0x8000, "ENOSPC: partial dump kept as vmcore-incomplete");
	ok(release_lines(pth("%s/sys/kernel/release_region", "phyp-enospc"), rr_text,
			 want_release, 1), "ENOSPC: only the saved segment was released");

	/* 3. modern fadump: release_mem "1" once, after everything is synced */
	for (int legacy = 0; legacy < 2; legacy++) {
		const char *name = legacy ? "legacy" : "sysfs";
		const char *rel = legacy ? "sys/kernel/fadump_release_mem" : "sys/kernel/fadump/release_mem";
		const char *const one[] = { "1" };
		const uint64_t need[] = { clen };
		char out[64];

		snprintf(out, sizeof(out), "out-%s", name);
		make_root(name, legacy ? FADUMP_LEGACY : FADUMP_SYSFS, true, core, clen);
		r = run(name, pth("%s", out), legacy ? NULL : "--reregister", NULL, NULL);
		got = slurp(pth("%s/vmcore", out), &glen);
		ok(r == 0 && got && glen == clen && !memcmp(got, core, clen),
		   "%s: saved byte-identical", name);
		free(got);
		snprintf(why, sizeof(why), "%s/%s", name, rel);
		ok(release_lines(pth("%s", why), NULL, one, 1),
		   "%s: dump released and invalidated with one '1'", name);
		r = check_log(name, legacy ? "fadump_release_mem" : "release_mem", "vmcore-incomplete",
			      one, 1, need, why, sizeof(why));
		ok(r == 1, "%s: invalidated only after the whole dump was synced (%s)", name, why);
		{
			const char *const two[] = { "1", "1" };
			const char *reg = legacy ? "sys/kernel/fadump_registered" : "sys/kernel/fadump/registered";
			char rp[256];

			snprintf(rp, sizeof(rp), "%s/%s", name, reg);
			/* the fake file starts with "1"; --reregister appends one more */
			ok(release_lines(pth("%s", rp), NULL, two, legacy ? 1 : 2),
			   "%s: %s", name, legacy ? "not registered again without --reregister"
						  : "--reregister arms fadump again after the release");
		}
	}

	/* 3b. a big-endian (ppc64) vmcore: same releases */
	{
		uint8_t *be;
		size_t belen;

		big_endian = true;
		belen = make_vmcore(&be);
		big_endian = false;
		make_root("phyp-be", FADUMP_PHYP, true, be, belen);
		r = run("phyp-be", pth("%s", "out-be"), NULL, NULL, NULL);
		got = slurp(pth("%s/vmcore", "out-be"), &glen);
		ok(r == 0 && got && glen == belen && !memcmp(got, be, belen) &&
		   release_lines(pth("%s/sys/kernel/release_region", "phyp-be"), rr_text,
				 want_release, 3), "big-endian vmcore: copied and released alike");
		free(got);
		free(be);
	}

	/* 3c. a corrupt vmcore (a PT_LOAD past the end of the file): refused
	 * before anything is written or released */
	{
		uint8_t *bad = malloc(clen);

		memcpy(bad, core, clen);
		put(bad + 64 + 2 * 56 + 32, 0x7fffffff, 8);   /* 2nd PT_LOAD's p_filesz */
		make_root("corrupt", FADUMP_PHYP, true, bad, clen);
		r = run("corrupt", pth("%s", "out-corrupt"), NULL, NULL, NULL);
		ok(r == 1 && release_lines(pth("%s/sys/kernel/release_region", "corrupt"), rr_text,
					   NULL, 0) && stat(pth("%s/vmcore-incomplete", "out-corrupt"), &sb) < 0,
		   "corrupt vmcore: refused (exit %d), nothing released, no empty file", r);
		free(bad);
	}

	/* 4. nothing waiting: no release_mem file */
	make_root("idle", FADUMP_SYSFS, false, core, clen);
	r = run("idle", pth("%s", "out-idle"), NULL, NULL, NULL);
	ok(r == 1 && stat(pth("%s", "out-idle"), &sb) < 0, "no dump waiting: refused, nothing created");
	r = run("idle", pth("%s", "x"), "--status", NULL, NULL);
	ok(r == 1, "--status says no dump waits");

	/* 5. --no-release copies but gives nothing back */
	make_root("norel", FADUMP_PHYP, true, core, clen);
	r = run("norel", pth("%s", "out-norel"), "--no-release", NULL, NULL);
	ok(r == 0 && release_lines(pth("%s/sys/kernel/release_region", "norel"), rr_text, NULL, 0),
	   "--no-release: nothing released");

	/* 6. the output directory is a symlink: refused */
	make_root("sym", FADUMP_PHYP, true, core, clen);
	mkdir(pth("%s", "elsewhere"), 0755);
	(void)!symlink(pth("%s", "elsewhere"), pth("%s", "out-sym"));
	r = run("sym", pth("%s", "out-sym"), NULL, NULL, NULL);
	ok(r != 0 && stat(pth("%s/vmcore", "elsewhere"), &sb) < 0 &&
	   release_lines(pth("%s/sys/kernel/release_region", "sym"), rr_text, NULL, 0),
	   "symlinked output directory refused, nothing released");

	/* 7. encrypted: same releases, decrypts to the vmcore */
	if (crypt_available()) {
		struct ec_err err;
		uint8_t sk[32];

		make_root("enc", FADUMP_PHYP, true, core, clen);
		crypt_keygen(pth("%s", "k.pub"), pth("%s", "k.sec"), &err);
		r = run("enc", pth("%s", "out-enc"), "--encrypt-to", pth("%s", "k.pub"), NULL);
		ok(r == 0, "encrypted fadump saved (exit %d)", r);
		ok(release_lines(pth("%s/sys/kernel/release_region", "enc"), rr_text, want_release, 3),
		   "encrypted: same releases in the same order");
		/* synced ciphertext covers each segment: plain end + records + tags */
		const uint64_t need[] = { seg_end[0], seg_end[1], seg_end[2] };
		r = check_log("enc", "release_region", "vmcore.enc-incomplete", want_release, 3, need,
			      why, sizeof(why));
		ok(r == 3, "encrypted: releases follow syncs (%s)", why);
		crypt_key_load(pth("%s", "k.sec"), sk, &err);
		int ifd = open(pth("%s/vmcore.enc", "out-enc"), O_RDONLY);
		int ofd = open(pth("%s", "dec"), O_RDWR | O_CREAT | O_TRUNC, 0600);
		struct crypt_dec_stats ds;
		r = crypt_decrypt(ifd, sk, ofd, NULL, &ds, &err);
		close(ifd);
		close(ofd);
		got = slurp(pth("%s", "dec"), &glen);
		ok(r == 0 && got && glen == clen && !memcmp(got, core, clen),
		   "encrypted fadump decrypts to the vmcore (%s)", r ? err.msg : "ok");
		free(got);
	}

	free(core);
	if (!getenv("KEEP")) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)!system(cmd);
	}
	return tap_done();
}
