/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdumpctl on i386 (no kexec_file_load): load with our kexec_load loader
 * (kl_x86.c), which builds the elfcorehdr and the low-memory backup itself.
 * KDUMP_ARCH=i386|x86_64 overrides the machine (tests); KDUMP_KLOAD_DRY_RUN=DIR
 * writes the segments to DIR and marks the fake sysfs loaded instead of
 * calling kexec_load (tests on a fake root).
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include "kdumpctl.h"
#include "kl_x86.h"

bool kd_arch_i386(void)
{
	const char *a = getenv("KDUMP_ARCH");
	struct utsname u;

	if (a && *a)
		return !strcmp(a, "i386") || !strcmp(a, "i686");
	return uname(&u) == 0 && u.machine[0] == 'i' && !strcmp(u.machine + 2, "86");
}

/* KEXEC_ARGS words our loader honours; *ret_class: 0, 1 (ELF32) or 2 (ELF64). */
static bool args_ours(const char *a, int *ret_class)
{
	*ret_class = 0;
	while (a && *a) {
		size_t l;

		a += strspn(a, " \t");
		l = strcspn(a, " \t");
		if (!l)
			break;
		if (l == 20 && !strncmp(a, "--elf32-core-headers", l))
			*ret_class = ELFCLASS32;
		else if (l == 20 && !strncmp(a, "--elf64-core-headers", l))
			*ret_class = ELFCLASS64;
		else if (!(l == 2 && !strncmp(a, "-c", 2)) && !(l == 15 && !strncmp(a, "--kexec-syscall", l)))
			return false;
		a += l;
	}
	return true;
}

/* dry run: tell the fake sysfs what a real load would */
static void set_loaded(struct kd *kd, const char *v)
{
	char p[PATH_MAX];
	FILE *f;

	if (kd_fmt(p, sizeof(p), "%s/kexec_crash_loaded", kd->sysfs) < 0)
		return;
	f = fopen(p, "w");
	if (f) {
		fputs(v, f);
		fclose(f);
	}
}

int kd_load_kexec_load(struct kd *kd, const char *kernel, const char *initrd, const char *cmdline)
{
	struct kl_sysmem *m = malloc(sizeof(*m));
	struct ec_err err = { 0 };
	struct kl_x86_result res;
	struct kl_x86_load ld = {
		.kernel = kernel, .initrd = initrd, .cmdline = cmdline,
		.core = { .machine = EM_386, .page_offset = KL_I386_PAGE_OFFSET,
			  .lowmem_limit = KL_I386_LOWMEM_LIMIT },
		.dry_run_dir = getenv("KDUMP_KLOAD_DRY_RUN"),
	};
	int r;

	if (!m)
		return -ENOMEM;
	if (!args_ours(kd->sc.kexec_args, &ld.core.elf_class)) {
		free(m);
		return -EOPNOTSUPP;     /* KEXEC_ARGS needs kexec-tools */
	}
	r = kl_sysmem_read(kd->root, m, &err);
	if (r == 0)
		r = kl_x86_load(m, &ld, &res, &err);
	free(m);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: kexec_load: %s\n", err.msg);
		return r;
	}
	if (ld.dry_run_dir)
		set_loaded(kd, "1\n");
	printf("kdumpctl: loaded %s with kexec_load%s (ELF%d elfcorehdr=%lluK, low 640 KiB backup at 0x%llx)\n",
	       kernel, ld.dry_run_dir ? " (dry run)" : "", res.elf_class == ELFCLASS32 ? 32 : 64,
	       (unsigned long long)(res.corehdr >> 10), (unsigned long long)res.backup_dst);
	return 0;
}

int kd_unload_kexec_load(struct kd *kd)
{
	struct ec_err err = { 0 };
	int r;

	if (getenv("KDUMP_KLOAD_DRY_RUN")) {
		set_loaded(kd, "0\n");
		return 0;
	}
	r = kl_x86_unload(&err);
	if (r < 0)
		fprintf(stderr, "kdumpctl: %s\n", err.msg);
	return r;
}
