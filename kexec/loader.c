/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kexec_file_load(2) crash loader and the capture command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "loader.h"

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD       0x00000001
#define KEXEC_FILE_ON_CRASH     0x00000002
#define KEXEC_FILE_NO_INITRAMFS 0x00000004
#endif
#define KL_MAX_CMDLINE 4096

/* Does word (len l) name a parameter in the space-separated list? A list
 * entry "name" matches "name" and "name=..."; "name=value" matches exactly. */
static bool listed(const char *list, const char *word, size_t l)
{
	size_t kl = strcspn(word, "=");

	if (kl > l)
		kl = l;
	while (list && *list) {
		size_t el;

		list += strspn(list, " \t");
		el = strcspn(list, " \t");
		if (el) {
			if (memchr(list, '=', el)) {
				if (el == l && !memcmp(list, word, l))
					return true;
			} else if (el == kl && !memcmp(list, word, kl)) {
				return true;
			}
		}
		list += el;
	}
	return false;
}

/* Append a word to out (n bytes used); false when it would not fit. */
static bool add_word(char *out, size_t *n, const char *w, size_t l)
{
	if (*n + (*n ? 1 : 0) + l > KL_MAX_CMDLINE)
		return false;
	if (*n)
		out[(*n)++] = ' ';
	memcpy(out + *n, w, l);
	*n += l;
	out[*n] = '\0';
	return true;
}

int kl_build_cmdline(const char *base, const char *remove, const char *append,
		     char **ret, struct ec_err *err)
{
	char *out = malloc(KL_MAX_CMDLINE + 1);
	size_t n = 0;
	const char *p = base ? base : "";

	if (!out)
		return -ENOMEM;
	out[0] = '\0';
	while (*p) {
		const char *w, *e;
		bool quoted = false;

		p += strspn(p, " \t\n");
		if (!*p)
			break;
		w = p;
		for (e = p; *e && (quoted || !strchr(" \t\n", *e)); e++)
			if (*e == '"')
				quoted = !quoted;
		p = e;
		if (listed(KL_ALWAYS_REMOVE, w, (size_t)(e - w)) || listed(remove, w, (size_t)(e - w)))
			continue;
		if (!add_word(out, &n, w, (size_t)(e - w)))
			goto toolong;
	}
	if (!add_word(out, &n, KL_CAPTURE_APPEND, strlen(KL_CAPTURE_APPEND)))
		goto toolong;
	if (append) {
		append += strspn(append, " \t");
		if (*append && !add_word(out, &n, append, strlen(append)))
			goto toolong;
	}
	*ret = out;
	return 0;
toolong:
	free(out);
	return ec_set_err(err, -E2BIG, "capture command line longer than %d bytes", KL_MAX_CMDLINE);
}

bool kl_kexec_args_want_tools(const char *a)
{
	while (a && *a) {
		size_t l;

		a += strspn(a, " \t");
		l = strcspn(a, " \t");
		if (l && !(l == 2 && !strncmp(a, "-s", 2)) &&
		    !(l == strlen("--kexec-file-syscall") && !strncmp(a, "--kexec-file-syscall", l)))
			return true;
		a += l;
	}
	return false;
}

const char *kl_explain(int e)
{
	switch (-e) {
	case ENOSYS:
		return "this kernel has no kexec_file_load (CONFIG_KEXEC_FILE off, or i386): use kexec -p";
	case EPERM:
		return "refused: not root, kernel.kexec_load_disabled=1, or the kernel is locked down "
		       "(secure boot) and the image is not signed by a trusted key";
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG:
		return "the kernel image's signature was rejected (secure boot / KEXEC_SIG): "
		       "use a kernel signed by a key in the platform or secondary keyring";
	case EADDRNOTAVAIL:
	case ENOMEM:
		return "no room in the crash kernel reservation: boot with crashkernel= "
		       "(see kdumpctl estimate / reset-crashkernel) or make it larger";
	case ENOEXEC:
		return "the kernel image format is not loadable by kexec_file_load (x86 needs a bzImage)";
	case EBUSY:
		return "another kexec load is in progress, or a crash kernel is loaded and busy";
	case EINVAL:
		return "the kernel rejected the arguments (command line too long, or bad image)";
	}
	return strerror(-e);
}

int kl_load(const char *kernel, const char *initrd, const char *cmdline, struct ec_err *err)
{
	int kfd, ifd = -1, r;
	unsigned long flags = KEXEC_FILE_ON_CRASH;
	size_t len = strlen(cmdline) + 1;

	kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (kfd < 0)
		return ec_set_err(err, -errno, "%s: cannot open kernel: %s", kernel, strerror(errno));
	if (initrd) {
		ifd = open(initrd, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			r = -errno;
			close(kfd);
			return ec_set_err(err, r, "%s: cannot open initrd: %s", initrd, strerror(-r));
		}
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
#ifdef SYS_kexec_file_load
	r = (int)syscall(SYS_kexec_file_load, kfd, ifd, len, cmdline, flags);
	r = r < 0 ? -errno : 0;
#else
	r = -ENOSYS;
#endif
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	if (r < 0)
		return ec_set_err(err, r, "kexec_file_load(%s%s%s): %s: %s", kernel,
				  initrd ? ", " : "", initrd ? initrd : "", strerror(-r), kl_explain(r));
	return 0;
}

int kl_unload(struct ec_err *err)
{
	int r;

#ifdef SYS_kexec_file_load
	r = (int)syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
			 (unsigned long)(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH));
	r = r < 0 ? -errno : 0;
#else
	r = -ENOSYS;
#endif
	if (r < 0)
		return ec_set_err(err, r, "kexec_file_load(unload): %s: %s", strerror(-r), kl_explain(r));
	return 0;
}

int kl_loaded(const char *sysfs_dir)
{
	char path[4096], c = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/kexec_crash_loaded", sysfs_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return c == '1';
}
