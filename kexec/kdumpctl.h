/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdumpctl internals. Every system path goes through kd_path(), which
 * prefixes $KDUMP_ROOT, so the whole command runs on a fake root in tests.
 * Environment overrides (all optional):
 *   KDUMP_ROOT          prefix for every path below ("" by default)
 *   KDUMP_CONF          kdump.conf            (default /etc/kdump.conf)
 *   KDUMP_SYSCONFIG     sysconfig file        (default /etc/sysconfig/kdump)
 *   KDUMP_STATE_DIR     initrds and hashes    (default /var/lib/kdump)
 *   KDUMP_DRACUT        dracut command        (default dracut)
 *   KDUMP_DRACUT_MODDIR our dracut module     (default /usr/lib/dracut/modules.d/99crashcap)
 *   KDUMP_CRASHCAP      crashcap binary       (default <sbindir>/crashcap)
 *   KDUMP_KEXEC         kexec-tools' kexec    (default kexec)
 *   KDUMP_GRUBBY, KDUMP_UPDATE_GRUB  bootloader tools (default grubby, update-grub)
 *   KDUMP_KVER          kernel version when KDUMP_KERNELVER is empty (default uname -r)
 *   KDUMP_SYSRQ         sysrq trigger for `test` (default /proc/sysrq-trigger)
 *   KDUMP_ARCH          i386 or x86_64 instead of uname's machine
 *   KDUMP_KLOAD_DRY_RUN i386: write the kexec_load segments to this directory
 *                       and mark the fake sysfs loaded instead of loading
 */
#ifndef CRASHCAP_KDUMPCTL_H
#define CRASHCAP_KDUMPCTL_H

#include <limits.h>
#include <stdbool.h>
#include "kdumpconf.h"

#define KD_EXIT_OK 0
#define KD_EXIT_FAIL 1
#define KD_EXIT_USAGE 2
#define KD_EXIT_NOT_LOADED 3   /* status: as kdump-utils */

struct kd {
	const char *root;
	char conf_path[PATH_MAX], sysconfig_path[PATH_MAX], state_dir[PATH_MAX];
	char sysfs[PATH_MAX], proc_cmdline[PATH_MAX], iomem[PATH_MAX], meminfo[PATH_MAX];
	char dracut_moddir[PATH_MAX], crashcap_bin[PATH_MAX];
	const char *dracut, *kexec, *grubby, *update_grub;
	struct kdump_conf conf;
	struct kc_sysconfig sc;
	bool conf_loaded;
	char kver[256];
	char kernel[PATH_MAX], initrd[PATH_MAX], hashfile[PATH_MAX];
};

/* snprintf that reports truncation (-ENAMETOOLONG) instead of warning. */
int kd_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* root + p into out (PATH_MAX). */
void kd_path(const struct kd *kd, const char *p, char *out);
const char *kd_env(const char *name, const char *def);
/* Load kdump.conf (defaults if missing) and sysconfig; fills kver, kernel,
 * initrd and hashfile paths. Prints errors; returns 0 or -errno. */
int kd_load_config(struct kd *kd);
/* Run argv (argv[0] looked up in PATH); returns the exit status, or -errno. */
int kd_run(char *const argv[]);
/* Read a whole small file (< 64 KiB) into a malloc'd string. */
int kd_read_text(const char *path, char **ret);

/* kd_initrd.c */
/* Content hash of every input of the capture initrd, as 64 hex digits. */
int kd_initrd_hash(struct kd *kd, char out[65]);
/* Build the initrd if needed (force: always). *ret_built tells if dracut ran. */
int kd_initrd_ensure(struct kd *kd, bool force, bool *ret_built);

/* kd_mem.c */
int kd_cmd_estimate(struct kd *kd);
int kd_cmd_showmem(struct kd *kd);
int kd_cmd_reset_crashkernel(struct kd *kd, int argc, char **argv);

/* kd_legacy.c: i386, where only kexec_load exists */
bool kd_arch_i386(void);
/* Load with crashcap's kexec_load loader; -EOPNOTSUPP when KEXEC_ARGS asks
 * for something only kexec-tools does, -ENOEXEC for an image it cannot load. */
int kd_load_kexec_load(struct kd *kd, const char *kernel, const char *initrd, const char *cmdline);
int kd_unload_kexec_load(struct kd *kd);

#endif
