/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdumpctl estimate, showmem, reset-crashkernel. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "crashkernel.h"
#include "kdumpctl.h"

#define MiB ((uint64_t)1 << 20)

/* RAM as the kernel counts it for crashkernel=: iomem System RAM if visible,
 * else MemTotal + the reservation (MemTotal excludes reserved memory). */
static int system_ram(struct kd *kd, uint64_t reserved, uint64_t *ret, const char **ret_src)
{
	struct ec_err err = { 0 };
	char *mi = NULL, *p;

	if (ck_iomem_system_ram(kd->iomem, ret, &err) == 0) {
		*ret_src = "System RAM in /proc/iomem";
		return 0;
	}
	if (kd_read_text(kd->meminfo, &mi) < 0 || !(p = strstr(mi, "MemTotal:"))) {
		free(mi);
		fprintf(stderr, "kdumpctl: cannot read RAM size from %s or %s\n", kd->iomem, kd->meminfo);
		return -ENOENT;
	}
	*ret = strtoull(p + 9, NULL, 10) * 1024 + reserved;
	*ret_src = "MemTotal + reservation (run as root for /proc/iomem)";
	free(mi);
	return 0;
}

static void sz(uint64_t v, char *buf, size_t n)
{
	if (v >= 10 * MiB || v % MiB == 0)
		kd_fmt(buf, n, "%" PRIu64 " MiB", (v + MiB / 2) / MiB);
	else
		kd_fmt(buf, n, "%" PRIu64 " KiB", v >> 10);
}

int kd_cmd_estimate(struct kd *kd)
{
	struct ck_estimate_in in = { .threads = 1 };
	struct ck_estimate est;
	struct ck_live live = { 0 };
	struct ec_err err = { 0 };
	struct stat st;
	struct ck_spec spec;
	const char *src;
	char a[32], b[32], cur[256] = "", *cmdline = NULL;
	uint64_t sel = 0, off = 0;
	int r;

	ck_read_live(kd->sysfs, NULL, &live, &err);
	if ((r = system_ram(kd, live.size, &in.ram, &src)) < 0)
		return r;
	if (stat(kd->kernel, &st) == 0)
		in.kernel_file = (uint64_t)st.st_size;
	if (ck_bzimage_init_size(kd->kernel, &in.kernel_init_size, &err) < 0) {
		in.kernel_init_size = 0;
		if (!in.kernel_file)
			in.kernel_file = 12 * MiB;
	}
	if (stat(kd->initrd, &st) == 0)
		in.initrd_file = (uint64_t)st.st_size;
	ck_estimate(&in, &est);

	sz(in.ram, a, sizeof(a));
	printf("Memory the capture kernel needs on this machine (%s of RAM, from %s):\n", a, src);
	printf("  kernel image    %s (%s)\n", kd->kernel, in.kernel_init_size ? "bzImage" : "not readable");
	printf("  capture initrd  %s (%s)\n", kd->initrd, in.initrd_file ? "built" : "not built yet");
	for (size_t i = 0; i < est.n; i++) {
		sz(est.item[i].bytes, a, sizeof(a));
		printf("  %-17s %10s  %s\n", est.item[i].what, a, est.item[i].why);
	}
	sz(est.total, a, sizeof(a));
	ck_format_size(est.recommend, b, sizeof(b));
	printf("  %-17s %10s\n", "total", a);
	printf("Recommended reservation: crashkernel=%s (total rounded up to 32 MiB)\n", b);
	if (spec.ranged = false, ck_parse(CK_DEFAULT_X86_64, &spec, &err) == 0 &&
	    ck_select(&spec, in.ram, &sel, &off, &err) == 0) {
		ck_format_size(sel, a, sizeof(a));
		printf("The default crashkernel=%s gives %s on this machine.\n", CK_DEFAULT_X86_64,
		       sel ? a : "nothing");
	}
	if (kd_read_text(kd->proc_cmdline, &cmdline) == 0 &&
	    ck_find_in_cmdline(cmdline, CK_ANY, cur, sizeof(cur)) == 0)
		printf("Current command line: crashkernel=%s\n", cur);
	free(cmdline);
	sz(live.size, a, sizeof(a));
	if (!live.size)
		printf("Current reservation: none. Run 'kdumpctl reset-crashkernel' and reboot.\n");
	else if (live.size < est.total)
		printf("Current reservation: %s, SMALLER than the estimate: the capture may run out of "
		       "memory. Increase crashkernel= (kdumpctl reset-crashkernel --size=%s).\n", a, b);
	else
		printf("Current reservation: %s, enough.\n", a);
	return 0;
}

int kd_cmd_showmem(struct kd *kd)
{
	struct ck_live live;
	struct ec_err err = { 0 };
	int r = ck_read_live(kd->sysfs, kd->iomem, &live, &err);

	if (r < 0) {
		/* iomem may be unreadable; the size alone is enough. */
		fprintf(stderr, "kdumpctl: note: %s\n", err.msg);
		memset(&err, 0, sizeof(err));
		r = ck_read_live(kd->sysfs, NULL, &live, &err);
	}
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.msg);
		return r;
	}
	if (!live.size) {
		printf("No memory reserved for the crash kernel (no crashkernel= on the command line, "
		       "or the reservation failed: see dmesg | grep -i crashkernel)\n");
		return 0;
	}
	printf("Reserved %" PRIu64 "MB memory for crash kernel\n", live.size >> 20);
	if (live.n_iomem && live.start)
		printf("  at 0x%" PRIx64 "-0x%" PRIx64 " (%s)\n", live.start, live.end, kd->iomem);
	printf("  crash kernel %s\n", live.loaded ? "loaded" : "not loaded");
	return 0;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char p[PATH_MAX];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	while (path && *path) {
		size_t l = strcspn(path, ":");

		kd_fmt(p, sizeof(p), "%.*s/%s", (int)l, path, prog);
		if (l && access(p, X_OK) == 0)
			return true;
		path += l + (path[l] == ':');
	}
	return false;
}

/* Rewrite GRUB_CMDLINE_LINUX_DEFAULT in an /etc/default/grub text: drop
 * every crashkernel= word, add ours. *ret malloc'd. */
static int grub_edit(const char *text, const char *value, char **ret)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *p = text;
	bool done = false;

	if (!f)
		return -ENOMEM;
	while (*p) {
		size_t l = strcspn(p, "\n");
		const char *key = "GRUB_CMDLINE_LINUX_DEFAULT=";
		size_t kl = strlen(key);

		if (!done && l > kl && !strncmp(p, key, kl) && (p[kl] == '"' || p[kl] == '\'')) {
			char q = p[kl];
			const char *v = p + kl + 1, *ve = memchr(v, q, l - kl - 1);
			bool first = true;

			if (!ve) {
				fclose(f);
				free(out);
				return -EINVAL;
			}
			fprintf(f, "%s%c", key, q);
			while (v < ve) {
				size_t wl;

				v += strspn(v, " \t");
				wl = strcspn(v, " \t");
				if (v + wl > ve)
					wl = (size_t)(ve - v);
				if (wl && strncmp(v, "crashkernel=", 12)) {
					fprintf(f, "%s%.*s", first ? "" : " ", (int)wl, v);
					first = false;
				}
				v += wl;
			}
			fprintf(f, "%scrashkernel=%s%c%.*s\n", first ? "" : " ", value, q,
				(int)(l - (size_t)(ve + 1 - p)), ve + 1);
			done = true;
		} else {
			fprintf(f, "%.*s\n", (int)l, p);
		}
		p += l + (p[l] == '\n');
	}
	if (!done)
		fprintf(f, "GRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=%s\"\n", value);
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = out;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* grub-mkconfig sources the .cfg files in /etc/default/grub.d after /etc/default/grub,
 * and the kernel honours the last crashkernel= on its command line: a
 * snippet that sets one (Debian's kdump-tools ships such a file) silently
 * overrides ours. Returns how many such files were named. */
static int warn_grub_d(struct kd *kd, const char *grub)
{
	char dir[PATH_MAX], p[PATH_MAX + 256], *text;
	struct dirent **ents = NULL;
	int n, found = 0;

	kd_path(kd, "/etc/default/grub.d", dir);
	n = scandir(dir, &ents, NULL, by_name);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (l > 4 && !strcmp(ents[i]->d_name + l - 4, ".cfg")) {
			kd_fmt(p, sizeof(p), "%s/%s", dir, ents[i]->d_name);
			if (kd_read_text(p, &text) == 0) {
				if (strstr(text, "crashkernel=")) {
					fprintf(stderr, "kdumpctl: warning: %s also sets crashkernel= and grub reads it "
						"after %s; the kernel uses the last one, so that value wins: "
						"remove it from there\n", p, grub);
					found++;
				}
				free(text);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return found;
}

int kd_cmd_reset_crashkernel(struct kd *kd, int argc, char **argv)
{
	const char *value = CK_DEFAULT_X86_64, *kernel = NULL;
	struct ck_spec spec;
	struct ec_err err = { 0 };
	char grub[PATH_MAX], *text = NULL, *edited = NULL, tmp[PATH_MAX + 8], arg[512];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--kernel=", 9))
			kernel = argv[i] + 9;
		else if (!strncmp(argv[i], "--size=", 7))
			value = argv[i] + 7;
		else if (!strncmp(argv[i], "--fadump=", 9))
			fprintf(stderr, "kdumpctl: --fadump is not supported on this architecture; ignored\n");
		else {
			fprintf(stderr, "kdumpctl reset-crashkernel: unknown option %s\n", argv[i]);
			return -EINVAL;
		}
	}
	if (ck_parse(value, &spec, &err) < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.msg);
		return -EINVAL;
	}
	kd_fmt(arg, sizeof(arg), "crashkernel=%s", value);
	if (in_path(kd->grubby)) {
		char upd[PATH_MAX + 32], args[600];
		char *gv[] = { (char *)kd->grubby, upd, args, NULL };

		kd_fmt(upd, sizeof(upd), "--update-kernel=%s", kernel ? kernel : "ALL");
		kd_fmt(args, sizeof(args), "--args=%s", arg);
		r = kd_run(gv);
		if (r != 0) {
			fprintf(stderr, "kdumpctl: %s failed (exit %d)\n", kd->grubby, r);
			return -EIO;
		}
		printf("kdumpctl: %s set for %s with %s; reboot to apply\n", arg,
		       kernel ? kernel : "all kernels", kd->grubby);
		return 0;
	}
	kd_path(kd, "/etc/default/grub", grub);
	if (kd_read_text(grub, &text) == 0) {
		if (kernel)
			printf("kdumpctl: note: %s applies to every kernel, not only %s\n", grub, kernel);
		r = grub_edit(text, value, &edited);
		free(text);
		if (r < 0) {
			fprintf(stderr, "kdumpctl: %s: GRUB_CMDLINE_LINUX_DEFAULT: expected a closing quote\n", grub);
			return r;
		}
		kd_fmt(tmp, sizeof(tmp), "%s.tmp", grub);
		{
			FILE *f = fopen(tmp, "we");

			if (!f || fputs(edited, f) < 0 || fclose(f) != 0 || rename(tmp, grub) < 0) {
				r = -errno;
				fprintf(stderr, "kdumpctl: cannot write %s: %s\n", grub, strerror(errno));
				free(edited);
				return r ? r : -EIO;
			}
		}
		free(edited);
		printf("kdumpctl: %s: GRUB_CMDLINE_LINUX_DEFAULT now has %s\n", grub, arg);
		warn_grub_d(kd, grub);
		if (in_path(kd->update_grub)) {
			char *uv[] = { (char *)kd->update_grub, NULL };

			r = kd_run(uv);
			if (r != 0) {
				fprintf(stderr, "kdumpctl: %s failed (exit %d)\n", kd->update_grub, r);
				return -EIO;
			}
			printf("kdumpctl: ran %s; reboot to apply\n", kd->update_grub);
		} else {
			printf("kdumpctl: %s not found: regenerate your grub.cfg, then reboot\n", kd->update_grub);
		}
		return 0;
	}
	printf("kdumpctl: neither grubby nor %s found.\n"
	       "Add this to the kernel command line of your boot loader, then reboot:\n  %s\n", grub, arg);
	return 0;
}
