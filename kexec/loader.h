/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Crash kernel loading with kexec_file_load(2) (KEXEC_FILE_ON_CRASH), the
 * capture command line, and the kexec-tools fallback decision. No printing;
 * 0 or negative errno with struct ec_err filled.
 */
#ifndef CRASHCAP_LOADER_H
#define CRASHCAP_LOADER_H

#include <stdbool.h>
#include "elfcore.h"

/* Always appended to the capture kernel's command line. The capture issue's
 * initrd needs nothing beyond these: its dracut module starts the capture
 * whenever /proc/vmcore exists. Add capture-side parameters here only. */
#define KL_CAPTURE_APPEND "irqpoll nr_cpus=1 reset_devices"

/* Removed from the running command line (by parameter name), besides
 * KDUMP_COMMANDLINE_REMOVE: reservations, and what KL_CAPTURE_APPEND sets. */
#define KL_ALWAYS_REMOVE "crashkernel BOOT_IMAGE initrd kexec_jump_back_entry " \
	"elfcorehdr irqpoll nr_cpus maxcpus reset_devices fadump hugepages hugepagesz " \
	"default_hugepagesz"

/* Build the capture command line: base (the running /proc/cmdline) minus
 * every parameter named in KL_ALWAYS_REMOVE and `remove` (names, or exact
 * name=value words), plus KL_CAPTURE_APPEND and `append`. Quoted values
 * ("a b") stay one parameter. *ret is malloc'd. -E2BIG past 4096 bytes. */
int kl_build_cmdline(const char *base, const char *remove, const char *append,
		     char **ret, struct ec_err *err);

/* KEXEC_ARGS asks for kexec-tools (`kexec -p`) instead of our loader: any
 * argument other than -s/--kexec-file-syscall (e.g. -c, --kexec-syscall,
 * --elf32-core-headers) needs kexec-tools to honour it. */
bool kl_kexec_args_want_tools(const char *kexec_args);

/* kexec_file_load(kernel, initrd or NULL, cmdline, ON_CRASH). Errors are
 * explained (lockdown/secure boot, no reservation, unsupported). -ENOSYS
 * means: use kexec-tools. */
int kl_load(const char *kernel, const char *initrd, const char *cmdline, struct ec_err *err);
/* Unload the crash kernel (KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH). */
int kl_unload(struct ec_err *err);
/* One sentence explaining a kexec_file_load errno for users. */
const char *kl_explain(int negerrno);

/* 1 if <sysfs_dir>/kexec_crash_loaded says loaded, 0 if not, <0 on error. */
int kl_loaded(const char *sysfs_dir);

#endif
