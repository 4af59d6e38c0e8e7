/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture initrd: rebuilt by dracut only when the content hash of its inputs
 * changes (never by comparing mtimes). The hash file lists one hash per input
 * so kdumpctl can say what changed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kdumpctl.h"
#include "sha256.h"

#define KD_MAX_INPUTS 64
#define KD_MAX_ARGS 96

struct inputs {
	struct { char label[PATH_MAX + 16]; char hex[65]; } in[KD_MAX_INPUTS];
	int n;
	char total[65];
};

static void add_digest(struct inputs *ins, const char *label, struct sha256 *s)
{
	uint8_t d[32];

	if (ins->n >= KD_MAX_INPUTS)
		return;
	sha256_final(s, d);
	sha256_hex(d, ins->in[ins->n].hex);
	kd_fmt(ins->in[ins->n].label, sizeof(ins->in[0].label), "%s", label);
	ins->n++;
}

/* Hash a file's content; an absent file hashes as "absent" (so appearing counts). */
static void add_file(struct inputs *ins, const char *label, const char *path)
{
	struct sha256 s;
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	sha256_init(&s);
	if (fd < 0) {
		sha256_update(&s, "absent", 6);
	} else {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			sha256_update(&s, buf, (size_t)n);
		close(fd);
	}
	add_digest(ins, label, &s);
}

static void add_text(struct inputs *ins, const char *label, const char *text)
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, text, strlen(text));
	add_digest(ins, label, &s);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under dir (sorted, one level deep as dracut modules are). */
static void add_dir(struct inputs *ins, const char *label, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[256];
	size_t n = 0;
	struct sha256 s;

	sha256_init(&s);
	if (!d) {
		sha256_update(&s, "absent", 6);
		add_digest(ins, label, &s);
		return;
	}
	while ((de = readdir(d)) && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmpstr);
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX], buf[65536];
		int fd;
		ssize_t r;

		kd_fmt(p, sizeof(p), "%s/%s", dir, names[i]);
		sha256_update(&s, names[i], strlen(names[i]) + 1);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				sha256_update(&s, buf, (size_t)r);
			close(fd);
		}
		free(names[i]);
	}
	add_digest(ins, label, &s);
}

static void free_argv(char **argv)
{
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
}

/* The dracut command line; argv is NULL-terminated, strings malloc'd. */
static int dracut_argv(struct kd *kd, const char *normconf, char **argv)
{
	char drivers[4096] = "";
	int n = 0;
	const char *p, *end, *what;
	char w[4096];

	for (size_t i = 0; i < kd->conf.n_targets; i++) {
		const char *fs = kd->conf.targets[i].fstype;

		if (kd->conf.targets[i].type == KC_T_SSH || kd->conf.targets[i].type == KC_T_RAW)
			continue;
		if (!strstr(drivers, fs))
			kd_fmt(drivers + strlen(drivers), sizeof(drivers) - strlen(drivers), "%s%s",
				 drivers[0] ? " " : "", fs);
	}
	if (kd->conf.extra_modules)
		kd_fmt(drivers + strlen(drivers), sizeof(drivers) - strlen(drivers), "%s%s",
			 drivers[0] ? " " : "", kd->conf.extra_modules);
	argv[n++] = strdup(kd->dracut);
	argv[n++] = strdup("--force");
	/* Only this machine's drivers (plus the targets' list below): the
	 * capture kernel boots faster from a small image (kdump-utils does
	 * the same). */
	argv[n++] = strdup("--hostonly");
	argv[n++] = strdup("--hostonly-mode");
	argv[n++] = strdup("strict");
	argv[n++] = strdup("--no-hostonly-cmdline");
	argv[n++] = strdup("-a");
	argv[n++] = strdup("crashcap");
	if (drivers[0]) {
		argv[n++] = strdup("--add-drivers");
		argv[n++] = strdup(drivers);
	}
	argv[n++] = strdup("--omit");
	argv[n++] = strdup("plymouth resume");
	if (kd->conf.dracut_args) {
		p = kd->conf.dracut_args;
		end = p + strlen(p);
		while (p < end) {
			int l;

			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p >= end)
				break;
			l = kc_shell_word(&p, end, w, sizeof(w), &what);
			if (l < 0 || n >= KD_MAX_ARGS - 4) {
				fprintf(stderr, "kdumpctl: %s: dracut_args: expected %s\n", kd->conf_path,
					l < 0 ? what : "fewer arguments");
				argv[n] = NULL;
				free_argv(argv);
				return -EINVAL;
			}
			argv[n++] = strdup(w);
		}
	}
	argv[n++] = strdup(kd->initrd);
	argv[n++] = strdup(kd->kver);
	argv[n] = NULL;
	return 0;
}

static int collect(struct kd *kd, const char *normconf, struct inputs *ins, char **argv)
{
	char p[PATH_MAX], *text = NULL, joined[16384] = "";
	struct ec_err err = { 0 };
	struct sha256 s;
	uint8_t d[32];
	int r;

	memset(ins, 0, sizeof(*ins));
	add_file(ins, "kernel", kd->kernel);
	add_file(ins, "sysconfig", kd->sysconfig_path);
	add_file(ins, "crashcap", kd->crashcap_bin);
	add_dir(ins, "dracut-module", kd->dracut_moddir);
	kd_fmt(p, sizeof(p), "%s/lib/modules/%s/modules.dep", kd->root, kd->kver);
	add_file(ins, "modules.dep", p);
	if (kd->conf.kdump_pre)
		add_file(ins, "kdump_pre", kd->conf.kdump_pre);
	if (kd->conf.kdump_post)
		add_file(ins, "kdump_post", kd->conf.kdump_post);
	if (kd->conf.encrypt_to)
		add_file(ins, "encrypt_to", kd->conf.encrypt_to);
	for (size_t i = 0; i < kd->conf.n_targets; i++)
		if (kd->conf.targets[i].type == KC_T_SSH) {
			add_file(ins, "sshkey", kd->conf.sshkey);
			break;
		}
	if (kd->conf.extra_bins) {
		char *dup = strdup(kd->conf.extra_bins), *save = NULL;

		for (char *t = strtok_r(dup, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			char label[PATH_MAX + 16];

			kd_fmt(label, sizeof(label), "extra_bins:%s", t);
			add_file(ins, label, t);
		}
		free(dup);
	}
	r = kc_serialize(&kd->conf, &text, &err);
	if (r < 0)
		return r;
	add_text(ins, "kdump.conf", text);   /* normalized: comment edits do not count */
	free(text);
	r = dracut_argv(kd, normconf, argv);
	if (r < 0)
		return r;
	/* Root-relative, so an initrd prebuilt through KDUMP_ROOT matches. */
	for (int i = 0; argv[i]; i++) {
		size_t rl = strlen(kd->root);
		const char *a = rl && !strncmp(argv[i], kd->root, rl) ? argv[i] + rl : argv[i];

		kd_fmt(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%c", a, 0x1f);
	}
	add_text(ins, "dracut-command", joined);
	sha256_init(&s);
	for (int i = 0; i < ins->n; i++) {
		sha256_update(&s, ins->in[i].label, strlen(ins->in[i].label) + 1);
		sha256_update(&s, ins->in[i].hex, 64);
	}
	sha256_final(&s, d);
	sha256_hex(d, ins->total);
	return 0;
}

int kd_initrd_hash(struct kd *kd, char out[65])
{
	struct inputs *ins = malloc(sizeof(*ins));
	char *argv[KD_MAX_ARGS], norm[PATH_MAX];
	int r;

	if (!ins)
		return -ENOMEM;
	kd_fmt(norm, sizeof(norm), "%s/kdump-%s.conf", kd->state_dir, kd->kver);
	r = collect(kd, norm, ins, argv);
	if (r == 0) {
		memcpy(out, ins->total, 65);
		free_argv(argv);
	}
	free(ins);
	return r;
}

static int mkdir_p(const char *dir)
{
	char p[PATH_MAX];

	kd_fmt(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int kd_initrd_ensure(struct kd *kd, bool force, bool *ret_built)
{
	struct inputs *ins = malloc(sizeof(*ins));
	char *argv[KD_MAX_ARGS] = { 0 }, norm[PATH_MAX], *old = NULL;
	char changed[1024] = "";
	bool have_initrd;
	int r;
	FILE *f;

	*ret_built = false;
	if (!ins)
		return -ENOMEM;
	kd_fmt(norm, sizeof(norm), "%s/kdump-%s.conf", kd->state_dir, kd->kver);
	r = collect(kd, norm, ins, argv);
	if (r < 0)
		goto out_noargv;
	have_initrd = access(kd->initrd, R_OK) == 0;
	if (kd_read_text(kd->hashfile, &old) < 0)
		old = NULL;
	if (!force && have_initrd && old && !strncmp(old, ins->total, 64) && !kd->conf.force_rebuild) {
		printf("kdumpctl: %s is up to date\n", kd->initrd);
		goto out;
	}
	if (!force && have_initrd && kd->conf.force_no_rebuild) {
		printf("kdumpctl: force_no_rebuild is set: keeping %s\n", kd->initrd);
		goto out;
	}
	/* Say why. */
	if (force || kd->conf.force_rebuild)
		kd_fmt(changed, sizeof(changed), "forced");
	else if (!have_initrd)
		kd_fmt(changed, sizeof(changed), "no initrd yet");
	else if (!old)
		kd_fmt(changed, sizeof(changed), "no hash recorded");
	else {
		kd_fmt(changed, sizeof(changed), "changed:");
		for (int i = 0; i < ins->n; i++) {
			char line[PATH_MAX + 96];

			kd_fmt(line, sizeof(line), "\n%s %s\n", ins->in[i].hex, ins->in[i].label);
			if (!strstr(old, line))
				kd_fmt(changed + strlen(changed), sizeof(changed) - strlen(changed),
				       "%s %s", changed[8] ? "," : "", ins->in[i].label);
		}
	}
	printf("kdumpctl: building %s (%s)\n", kd->initrd, changed);
	if ((r = mkdir_p(kd->state_dir)) < 0) {
		fprintf(stderr, "kdumpctl: mkdir %s: %s\n", kd->state_dir, strerror(-r));
		goto out;
	}
	unlink(kd->hashfile);   /* a failed build must not look current */
	/* The dracut module (initramfs/99crashcap) normalizes this conf into the
	 * initrd's KC_INITRD_CONF_PATH with `crashcap capture --print-conf`. */
	setenv("CRASHCAP_CONF", kd->conf_path, 1);
	setenv("CRASHCAP_BIN", kd->crashcap_bin, 1);
	r = kd_run(argv);
	if (r != 0 || access(kd->initrd, R_OK) < 0) {
		fprintf(stderr, "kdumpctl: %s failed (exit %d); %s not built\n", kd->dracut, r, kd->initrd);
		r = -EIO;
		goto out;
	}
	*ret_built = true;
	kd_fmt(norm, sizeof(norm), "%s.tmp", kd->hashfile);
	f = fopen(norm, "we");
	if (!f) {
		r = -errno;
		goto out;
	}
	fprintf(f, "%s total\n", ins->total);
	for (int i = 0; i < ins->n; i++)
		fprintf(f, "%s %s\n", ins->in[i].hex, ins->in[i].label);
	if (fclose(f) != 0 || rename(norm, kd->hashfile) < 0) {
		r = -errno;
		goto out;
	}
	r = 0;
out:
	free_argv(argv);
out_noargv:
	free(old);
	free(ins);
	return r;
}
