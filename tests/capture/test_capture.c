/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture orchestration with fake machine operations: "devices" are
 * directories (mount = rename onto the mount point) or regular files (raw),
 * and the collector is this very binary in fake mode (argv[1] = save/dmesg).
 * The fake collector's behaviour per filesystem comes from marker files at
 * that filesystem's root (three levels above the dump directory): FULL
 * (ENOSPC half-way, exit 3), BROKEN (exit 1, as when the filter fails),
 * UNFILTERED (exit 4). On a raw target, FAKE_MODE in the environment.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "cap_run.h"
#include "cap_savecore.h"
#include "cap_util.h"
#include "diskdump_part.h"
#include "kdumpconf.h"

#define VMCORE_LEN (600u * 1024u)

static char tmp[] = "/tmp/cc-cap-XXXXXX";
static char self[4096], vmcore[512];
static uint8_t *vm;   /* the fake /proc/vmcore contents */

static void make_vm(void)
{
	vm = calloc(1, VMCORE_LEN);
	memcpy(vm, "\177ELF\2\1\1", 7);
	for (size_t i = 4096; i < VMCORE_LEN; i++)
		vm[i] = (i / 4096) % 3 == 0 ? 0 : (uint8_t)(i * 13 + 5);  /* some zero pages */
}

/* ---- the fake crashcap (runs as a child) ---- */

static void be64(uint8_t *p, int64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static bool marker(const char *name)
{
	char p[64];

	snprintf(p, sizeof(p), "../../../%s", name);
	if (access(p, F_OK) == 0)
		return true;
	return getenv("FAKE_MODE") && !strcmp(getenv("FAKE_MODE"), name);
}

static int fake_main(int argc, char **argv)
{
	const char *pos[2] = { 0 };
	size_t npos = 0, len = VMCORE_LEN;
	bool flat = false;
	int rc = 0, fd;

	make_vm();
	if (!strcmp(argv[1], "dmesg")) {
		printf("[    0.000000] Linux version fake\n[   99.000000] sysrq: Trigger a crash\n");
		return 0;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-F"))
			flat = true;
	/* makedumpfile's order: options, then VMCORE [DUMPFILE] last. */
	npos = flat ? 1 : 2;
	if (argc < 2 + (int)npos)
		return 2;
	for (size_t i = 0; i < npos; i++)
		pos[i] = argv[argc - (int)npos + (int)i];
	/* The dump is the given vmcore's bytes (the fake filters nothing). */
	{
		struct stat st;
		int in = open(pos[0], O_RDONLY);

		if (in < 0 || fstat(in, &st) < 0)
			return 1;
		free(vm);
		len = (size_t)st.st_size;
		vm = malloc(len + 1);
		if (read(in, vm, len) != (ssize_t)len)
			return 1;
		close(in);
	}
	if (marker("BROKEN"))
		return 1;
	if (marker("FULL")) {
		len /= 2;
		vm[48] |= 1;   /* what the real writer does: DUMP_ELF_INCOMPLETE */
		rc = 3;
	}
	if (marker("UNFILTERED"))
		rc = 4;
	if (flat) {
		uint8_t h[4096] = "makedumpfile", r[16];

		be64(h + 16, 1);
		be64(h + 24, 1);
		fwrite(h, 1, sizeof(h), stdout);
		for (size_t o = 0; o < len; o += 65536) {
			size_t k = len - o < 65536 ? len - o : 65536;

			be64(r, (int64_t)o);
			be64(r + 8, (int64_t)k);
			fwrite(r, 1, 16, stdout);
			fwrite(vm + o, 1, k, stdout);
		}
		memset(r, 0xff, 16);
		fwrite(r, 1, 16, stdout);
		fflush(stdout);
		return rc;
	}
	fd = open(pos[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, vm, len) != (ssize_t)len)
		return 1;
	close(fd);
	return rc;
}

/* ---- fake machine ---- */

struct fake {
	int actions[8];
	size_t n_actions;
	int mounts;
	char last_fstype[16];
};

static int f_wait(void *ctx, const char *spec, int timeout_s, char *ret, size_t n, struct ec_err *err)
{
	if (!strncmp(spec, "UUID=", 5))
		snprintf(ret, n, "%s/dev-%s", tmp, spec + 5);
	else
		snprintf(ret, n, "%s", spec);
	if (access(ret, F_OK) < 0)
		return ec_set_err(err, -ENODEV, "%s did not appear within %d s", ret, timeout_s);
	return 0;
}

static int f_mount(void *ctx, const char *fstype, const char *dev, const char *mnt, struct ec_err *err)
{
	struct fake *f = ctx;
	char nfsdev[600];

	snprintf(f->last_fstype, sizeof(f->last_fstype), "%s", fstype);
	if (!strcmp(fstype, "nfs")) {
		/* "server:/export" is the directory tmp/nfs-export. */
		const char *c = strstr(dev, ":/");

		if (!c)
			return ec_set_err(err, -EINVAL, "nfs source %s", dev);
		snprintf(nfsdev, sizeof(nfsdev), "%s/nfs-%s", tmp, c + 2);
		dev = nfsdev;
	}
	if (rename(dev, mnt) < 0)
		return ec_set_err(err, -errno, "rename %s %s: %s", dev, mnt, strerror(errno));
	f->mounts++;
	/* Remember the device name for umount. */
	{
		char p[600];
		FILE *m;

		snprintf(p, sizeof(p), "%s.dev", mnt);
		m = fopen(p, "w");
		fprintf(m, "%s", dev);
		fclose(m);
	}
	return 0;
}

static void f_umount(void *ctx, const char *mnt)
{
	char p[600], dev[600] = "";
	FILE *m;

	snprintf(p, sizeof(p), "%s.dev", mnt);
	m = fopen(p, "r");
	if (m && fgets(dev, sizeof(dev), m))
		rename(mnt, dev);
	if (m)
		fclose(m);
	unlink(p);
	mkdir(mnt, 0755);
}

static int f_action(void *ctx, enum kc_action a)
{
	struct fake *f = ctx;

	if (f->n_actions < 8)
		f->actions[f->n_actions++] = (int)a;
	return 0;
}

/* ---- helpers ---- */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		diag("command failed: %s", cmd);
}

static int run(const char *conftext, struct fake *f, struct cap_result *res)
{
	struct kdump_conf kc;
	struct ec_err err = { 0 };
	struct cap_ops ops = { f_wait, f_mount, f_umount, f_action, f };
	char sysroot[600], mnt[600];
	struct cap_params p;
	FILE *log;
	int r;

	memset(f, 0, sizeof(*f));
	r = kc_parse_buf(conftext, strlen(conftext), "test.conf", &kc, &err);
	if (r < 0) {
		diag("conf: %s", err.msg);
		return r;
	}
	snprintf(sysroot, sizeof(sysroot), "%s/sysroot", tmp);
	snprintf(mnt, sizeof(mnt), "%s/kdumproot", tmp);
	snprintf(self, sizeof(self), "/proc/%d/exe", (int)getpid());
	{
		char buf[600];

		snprintf(buf, sizeof(buf), "%s/console.log", tmp);
		log = fopen(buf, "a");
	}
	p = (struct cap_params){ .conf = &kc, .vmcore = vmcore, .self = self, .sysroot = sysroot,
				 .mnt_base = mnt, .host = "guest", .time = 1700000000,
				 .ops = &ops, .console = log };
	r = cap_run(&p, res);
	fclose(log);
	kc_conf_free(&kc);
	return r;
}

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	uint8_t *b;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	if (read(fd, b, (size_t)st.st_size) != st.st_size) {
		free(b);
		b = NULL;
	}
	*ret_len = (size_t)st.st_size;
	close(fd);
	return b;
}

static bool file_is(const char *path, const uint8_t *want, size_t len)
{
	size_t n;
	uint8_t *b = slurp(path, &n);
	bool same = b && n == len && !memcmp(b, want, len);

	free(b);
	return same;
}

/* exists("dev-a/x/%s", name): a path under tmp. */
static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
	char rel[900], p[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return access(p, F_OK) == 0;
}

static mode_t mode_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static mode_t mode_of(const char *fmt, ...)
{
	char rel[900], p[1200];
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return stat(p, &st) ? 0 : st.st_mode & 07777;
}

#define DIRNAME "guest-2023-11-14-22:13:20"

static void reset_fs(void)
{
	sh("rm -rf %s/dev-* %s/sysroot %s/kdumproot; mkdir -p %s/dev-a %s/dev-b %s/sysroot", tmp, tmp,
	   tmp, tmp, tmp, tmp);
}

static void test_simple(void)
{
	struct cap_result res;
	struct fake f;
	char p[600];

	reset_fs();
	ok(run("ext4 UUID=a\ncore_collector makedumpfile -l -d 31\nfinal_action poweroff\n", &f, &res) == 0,
	   "cap_run with one ext4 target");
	ok(res.outcome == CAP_SAVED && res.target == 0, "outcome saved on target 1");
	snprintf(p, sizeof(p), "%s/dev-a/var/crash/" DIRNAME "/vmcore", tmp);
	ok(file_is(p, vm, VMCORE_LEN), "vmcore written by the collector, renamed from vmcore-incomplete");
	ok(!exists("dev-a/var/crash/%s/vmcore-incomplete", DIRNAME), "no vmcore-incomplete left");
	ok(exists("dev-a/var/crash/%s/vmcore-dmesg.txt", DIRNAME), "vmcore-dmesg.txt written");
	ok(exists("dev-a/var/crash/%s/kexec-dmesg.log", DIRNAME), "kexec-dmesg.log written");
	ok(mode_of("dev-a/var/crash/%s", DIRNAME) == 0700, "dump dir 0700");
	ok(mode_of("dev-a/var/crash/%s/vmcore", DIRNAME) == 0600, "vmcore 0600");
	ok(f.n_actions == 1 && f.actions[0] == KC_ACT_POWEROFF, "final_action poweroff taken");
	ok(f.mounts == 1, "one mount");
}

static void test_nfs_helpers(void)
{
	char host[64], exp[64], fst[8], opts[128];
	struct ec_err err = { 0 };

	ok(cap_nfs_split("10.0.2.2:/export", host, sizeof(host), exp, sizeof(exp), &err) == 0 &&
	   !strcmp(host, "10.0.2.2") && !strcmp(exp, "/export"), "nfs split host:/export");
	ok(cap_nfs_split("[fd00::2]:/a/b", host, sizeof(host), exp, sizeof(exp), &err) == 0 &&
	   !strcmp(host, "fd00::2") && !strcmp(exp, "/a/b"), "nfs split [v6]:/path");
	ok(cap_nfs_split("server", host, sizeof(host), exp, sizeof(exp), &err) == -EINVAL,
	   "nfs split: no colon refused");
	ok(cap_nfs_split("server:export", host, sizeof(host), exp, sizeof(exp), &err) == -EINVAL,
	   "nfs split: relative export refused");
	ok(cap_nfs_split(":/x", host, sizeof(host), exp, sizeof(exp), &err) == -EINVAL,
	   "nfs split: empty host refused");
	ok(cap_nfs_split("[fd00::2/x", host, sizeof(host), exp, sizeof(exp), &err) == -EINVAL,
	   "nfs split: unclosed bracket refused");
	ok(cap_nfs_split("averyveryveryveryveryveryveryveryveryveryveryveryveryverylonghostname:/x",
			 host, sizeof(host), exp, sizeof(exp), &err) == -ENAMETOOLONG, "nfs split: long host");
	ok(cap_nfs_attempt(0, "10.0.2.2", fst, sizeof(fst), opts, sizeof(opts)) == 0 &&
	   !strcmp(fst, "nfs4") && !strcmp(opts, "vers=4.2,addr=10.0.2.2"), "nfs attempt 0: v4.2 with addr");
	ok(cap_nfs_attempt(2, "10.0.2.2", fst, sizeof(fst), opts, sizeof(opts)) == 0 &&
	   !strcmp(fst, "nfs4") && !strcmp(opts, "vers=4.0,addr=10.0.2.2"), "nfs attempt 2: v4.0");
	ok(cap_nfs_attempt(3, "fd00::2", fst, sizeof(fst), opts, sizeof(opts)) == 0 &&
	   !strcmp(fst, "nfs") && !strcmp(opts, "vers=3,nolock,addr=fd00::2"), "nfs attempt 3: v3 nolock");
	ok(cap_nfs_attempt(4, "10.0.2.2", fst, sizeof(fst), opts, sizeof(opts)) == -ENOENT,
	   "nfs attempts end after v3");
	ok(cap_nfs_attempt(0, "10.0.2.2", fst, sizeof(fst), opts, 10) == -ENAMETOOLONG,
	   "nfs attempt: short buffer refused");
}

static void test_shell_quote(void)
{
	char out[64];

	ok(cap_shell_quote("/var/crash/h-2024", out, sizeof(out)) == 0 && !strcmp(out, "'/var/crash/h-2024'"),
	   "shell quote: plain path wrapped (%s)", out);
	ok(cap_shell_quote("it's", out, sizeof(out)) == 0 && !strcmp(out, "'it'\\''s'"),
	   "shell quote: ' becomes '\\'' (%s)", out);
	ok(cap_shell_quote("$(id)`x`;a b\n", out, sizeof(out)) == 0 && !strcmp(out, "'$(id)`x`;a b\n'"),
	   "shell quote: $() ` ; space newline stay inside the quotes");
	ok(cap_shell_quote("", out, sizeof(out)) == 0 && !strcmp(out, "''"), "shell quote: empty string");
	ok(cap_shell_quote("abcdef", out, 9) == 0 && !strcmp(out, "'abcdef'"), "shell quote: exact fit");
	ok(cap_shell_quote("abcdef", out, 8) == -ENAMETOOLONG && out[0] == 0, "shell quote: one byte short refused");
	ok(cap_shell_quote("''", out, 10) == -ENAMETOOLONG, "shell quote: expansion counted");
	ok(cap_shell_quote("''", out, 11) == 0 && strlen(out) == 10, "shell quote: two quotes take 10 bytes");
}

static void test_nfs(void)
{
	struct cap_result res;
	struct fake f;
	char p[600];

	reset_fs();
	sh("rm -rf %s/nfs-export; mkdir -p %s/nfs-export", tmp, tmp);
	ok(run("nfs 10.0.2.2:/export\npath /dumps\ncore_collector makedumpfile -l -d 31\n", &f, &res) == 0,
	   "cap_run with an nfs target");
	ok(res.outcome == CAP_SAVED && res.target == 0, "nfs: outcome saved on target 1");
	ok(!strcmp(f.last_fstype, "nfs"), "nfs: mounted as nfs (got %s)", f.last_fstype);
	snprintf(p, sizeof(p), "%s/nfs-export/dumps/" DIRNAME "/vmcore", tmp);
	ok(file_is(p, vm, VMCORE_LEN), "nfs: vmcore in <export>/<path>/<host>-<date>/");
	ok(exists("nfs-export/dumps/%s/vmcore-dmesg.txt", DIRNAME), "nfs: vmcore-dmesg.txt");
	ok(mode_of("nfs-export/dumps/%s", DIRNAME) == 0700, "nfs: dump dir 0700");
	ok(strstr(res.where, "10.0.2.2:/export") != NULL, "nfs: result names the server (%s)", res.where);
}

static void test_fallback_full(void)
{
	struct cap_result res;
	struct fake f;
	char p[600];
	size_t n;
	uint8_t *b;

	reset_fs();
	sh("touch %s/dev-a/FULL", tmp);
	run("ext4 UUID=a\nxfs UUID=b\ncore_collector makedumpfile -l -d 31\n", &f, &res);
	ok(res.outcome == CAP_SAVED && res.target == 1, "first target full: saved on target 2");
	snprintf(p, sizeof(p), "%s/dev-a/var/crash/" DIRNAME "/vmcore-incomplete", tmp);
	b = slurp(p, &n);
	ok(b && n == VMCORE_LEN / 2 && (b[48] & 1), "target 1 keeps vmcore-incomplete (%zu bytes, flagged)", n);
	free(b);
	ok(!exists("dev-a/var/crash/%s/vmcore", DIRNAME), "target 1 has no vmcore");
	snprintf(p, sizeof(p), "%s/dev-b/var/crash/" DIRNAME "/vmcore", tmp);
	ok(file_is(p, vm, VMCORE_LEN), "target 2 has the full vmcore");
	ok(f.n_actions == 1 && f.actions[0] == KC_ACT_REBOOT, "final_action defaults to reboot");

	reset_fs();
	sh("touch %s/dev-a/FULL %s/dev-b/FULL", tmp, tmp);
	run("ext4 UUID=a\next4 UUID=b\nfailure_action halt\n", &f, &res);
	ok(res.outcome == CAP_INCOMPLETE && res.target == 0,
	   "every target full: incomplete, best is the first (%d)", res.target);
	ok(f.n_actions == 1 && f.actions[0] == KC_ACT_REBOOT,
	   "an incomplete dump is a dump: final_action, not failure_action");
}

static void test_broken_filter(void)
{
	struct cap_result res;
	struct fake f;
	char p[600];
	struct stat st;

	reset_fs();
	sh("touch %s/dev-a/BROKEN", tmp);
	run("ext4 UUID=a\n", &f, &res);
	ok(res.outcome == CAP_SAVED && res.unfiltered, "collector failed: unfiltered dump saved");
	snprintf(p, sizeof(p), "%s/dev-a/var/crash/" DIRNAME "/vmcore", tmp);
	ok(file_is(p, vm, VMCORE_LEN), "unfiltered vmcore equals /proc/vmcore");
	ok(stat(p, &st) == 0 && (uint64_t)st.st_blocks * 512 < VMCORE_LEN,
	   "zero pages left as holes (%lld bytes allocated)", (long long)st.st_blocks * 512);

	reset_fs();
	sh("touch %s/dev-a/UNFILTERED", tmp);
	run("ext4 UUID=a\n", &f, &res);
	ok(res.outcome == CAP_SAVED && res.unfiltered, "collector exit 4: saved, reported unfiltered");
}

static void test_failure_actions(void)
{
	struct cap_result res;
	struct fake f;
	char conf[600], p[600];

	reset_fs();
	run("ext4 UUID=missing\ndisk_timeout 0\nfailure_action poweroff\nfinal_action halt\n", &f, &res);
	ok(res.outcome == CAP_FAILED && f.n_actions == 1 && f.actions[0] == KC_ACT_POWEROFF,
	   "no target works: failure_action poweroff");
	run("ext4 UUID=missing\ndisk_timeout 0\nfailure_action dump_to_rootfs\n", &f, &res);
	ok(res.outcome == CAP_SAVED && exists("sysroot/var/crash/%s/vmcore", DIRNAME),
	   "failure_action dump_to_rootfs saves under the sysroot");
	ok(f.n_actions == 1 && f.actions[0] == KC_ACT_REBOOT, "then final_action");
	reset_fs();
	run("path /var/crash\n", &f, &res);
	ok(res.outcome == CAP_SAVED && exists("sysroot/var/crash/%s/vmcore", DIRNAME),
	   "no target: the root filesystem's path");

	/* kdump_pre failing: no dump, failure_action; kdump_post gets the status. */
	reset_fs();
	snprintf(p, sizeof(p), "%s/post.out", tmp);
	sh("printf '#!/bin/sh\\nexit 5\\n' > %s/pre; printf '#!/bin/sh\\necho \"$1\" > %s\\n' > %s/post; chmod +x %s/pre %s/post",
	   tmp, p, tmp, tmp, tmp);
	snprintf(conf, sizeof(conf), "ext4 UUID=a\nkdump_pre %s/pre\nkdump_post %s/post\nfailure_action shell\n",
		 tmp, tmp);
	run(conf, &f, &res);
	ok(res.outcome == CAP_FAILED && f.n_actions == 2 && f.actions[0] == KC_ACT_SHELL &&
	   f.actions[1] == KC_ACT_REBOOT, "kdump_pre failed: shell, then final_action");
	ok(file_is(p, (const uint8_t *)"1\n", 2), "kdump_post got status 1");
	snprintf(conf, sizeof(conf), "ext4 UUID=a\nkdump_post %s/post\n", tmp);
	run(conf, &f, &res);
	ok(file_is(p, (const uint8_t *)"0\n", 2), "kdump_post got status 0 after a saved dump");
}

static void test_raw(void)
{
	struct cap_result res;
	struct fake f;
	struct ec_err err = { 0 };
	struct cap_saved saved;
	char conf[700], part[600], p[600];
	uint8_t *before, *after;
	size_t nb, na;
	int fd, crash;

	/* Never formatted: refused, untouched, the next target used. */
	reset_fs();
	snprintf(part, sizeof(part), "%s/rawdev", tmp);
	sh("head -c 2097152 /dev/urandom > %s", part);
	before = slurp(part, &nb);
	snprintf(conf, sizeof(conf), "raw %s\next4 UUID=a\n", part);
	run(conf, &f, &res);
	after = slurp(part, &na);
	ok(res.outcome == CAP_SAVED && res.target == 1, "unformatted raw refused, target 2 used");
	ok(before && after && nb == na && !memcmp(before, after, nb), "the unformatted device is untouched");
	free(before);
	free(after);

	/* Formatted: the dump goes there; savecore gets it back. */
	reset_fs();
	fd = open(part, O_RDWR);
	dp_format_range(fd, 0, 2097152 / DP_BLOCK, &err);
	close(fd);
	run(conf, &f, &res);
	ok(res.outcome == CAP_SAVED && res.target == 0, "formatted raw: saved on it (%s)", res.where);
	ok(!exists("dev-a/var/crash/%s", DIRNAME), "second target not used");
	run(conf, &f, &res);
	ok(res.outcome == CAP_SAVED && res.target == 1, "a raw partition holding an unsaved dump is not overwritten");
	fd = open(part, O_RDWR);
	snprintf(p, sizeof(p), "%s/crash", tmp);
	mkdir(p, 0755);
	crash = open(p, O_RDONLY | O_DIRECTORY);
	ok(cap_savecore(fd, crash, true, &saved, &err) == 0 && saved.found && !saved.incomplete,
	   "savecore: %s", err.msg);
	snprintf(p, sizeof(p), "%s/crash/%s/vmcore", tmp, saved.dir);
	ok(file_is(p, vm, VMCORE_LEN), "savecore's vmcore equals /proc/vmcore (flattened through the partition)");
	ok(exists("crash/%s/vmcore-dmesg.txt", saved.dir) && exists("crash/%s/kexec-dmesg.log", saved.dir),
	   "dmesg and the capture log saved from the partition");
	close(crash);
	close(fd);

	/* A partition too small: incomplete there, full dump on the next target. */
	reset_fs();
	sh("truncate -s 262144 %s", part);
	fd = open(part, O_RDWR);
	dp_format_range(fd, 0, 64, &err);
	close(fd);
	run(conf, &f, &res);
	ok(res.outcome == CAP_SAVED && res.target == 1, "raw too small: incomplete, then target 2");
	snprintf(p, sizeof(p), "%s/dev-a/var/crash/" DIRNAME "/vmcore", tmp);
	ok(file_is(p, vm, VMCORE_LEN), "target 2 has the full vmcore");

	/* Collector broken on raw: unfiltered ELF copy on the partition. */
	reset_fs();
	sh("truncate -s 2097152 %s", part);
	fd = open(part, O_RDWR);
	dp_format_range(fd, 0, 512, &err);
	setenv("FAKE_MODE", "BROKEN", 1);
	run(conf, &f, &res);
	unsetenv("FAKE_MODE");
	ok(res.outcome == CAP_SAVED && res.target == 0 && res.unfiltered, "raw + broken filter: unfiltered copy");
	snprintf(p, sizeof(p), "%s/crash2", tmp);
	mkdir(p, 0755);
	crash = open(p, O_RDONLY | O_DIRECTORY);
	cap_savecore(fd, crash, true, &saved, &err);
	snprintf(p, sizeof(p), "%s/crash2/%s/vmcore", tmp, saved.dir);
	ok(file_is(p, vm, VMCORE_LEN), "savecore of the ELF copy equals /proc/vmcore");
	close(crash);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "save") || !strcmp(argv[1], "dmesg")))
		return fake_main(argc, argv);
	/* encrypt_to runs "crashcap decrypt --encrypt": the real one (test_encrypt.sh). */
	if (argc > 1 && !strcmp(argv[1], "decrypt") && getenv("FAKE_REAL_CRASHCAP")) {
		execv(getenv("FAKE_REAL_CRASHCAP"), argv);
		return 127;
	}
	if (!mkdtemp(tmp))
		return 99;
	make_vm();
	snprintf(vmcore, sizeof(vmcore), "%s/vmcore-src", tmp);
	{
		int fd = open(vmcore, O_WRONLY | O_CREAT, 0600);

		if (fd < 0 || write(fd, vm, VMCORE_LEN) != VMCORE_LEN)
			return 99;
		close(fd);
	}
	test_simple();
	test_fallback_full();
	test_broken_filter();
	test_failure_actions();
	test_raw();
	test_nfs_helpers();
	test_shell_quote();
	test_nfs();
	if (!getenv("KEEP"))
		sh("rm -rf %s", tmp);
	else
		diag("kept %s", tmp);
	free(vm);
	return tap_done();
}
