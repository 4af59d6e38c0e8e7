/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap-kload: the kexec_load(2) crash loader (i386, where kexec_file_load
 * does not exist) and its elfcorehdr.
 *
 *   crashcap-kload corehdr [options] -o FILE   write the elfcorehdr we would load
 *   crashcap-kload load [options] [--initrd F] [--command-line S] KERNEL
 *   crashcap-kload unload
 *
 * Options: --root DIR (read proc/iomem and sys/ below DIR), --arch i386|x86_64,
 * --elf32-core-headers / --elf64-core-headers, --backup-at ADDR (corehdr: the
 * low 640 KiB backup address to describe), --page-offset ADDR,
 * --dry-run DIR (load: write the segments and the entry to DIR instead of
 * calling kexec_load).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "kl_corehdr.h"
#include "kl_x86.h"

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = buf;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		p += w;
		len -= (size_t)w;
	}
	return close(fd) < 0 ? -errno : 0;
}

static void usage(FILE *f)
{
	fputs("usage: crashcap-kload corehdr [--root DIR] [--arch i386|x86_64]\n"
	      "           [--elf32-core-headers|--elf64-core-headers] [--backup-at ADDR]\n"
	      "           [--page-offset ADDR] -o FILE\n"
	      "       crashcap-kload load [--root DIR] [--elf32-core-headers|--elf64-core-headers]\n"
	      "           [--initrd FILE] [--command-line TEXT] [--dry-run DIR] KERNEL\n"
	      "       crashcap-kload unload\n", f);
}

static uint16_t host_machine(void)
{
	struct utsname u;

	if (uname(&u) == 0 && u.machine[0] == 'i' && !strcmp(u.machine + 2, "86"))
		return EM_386;
	return EM_X86_64;
}

static int num(const char *s, uint64_t *ret)
{
	char *e;

	errno = 0;
	*ret = strtoull(s, &e, 0);
	return errno || e == s || *e ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "arch", required_argument, NULL, 'a' },
		{ "elf32-core-headers", no_argument, NULL, '3' },
		{ "elf64-core-headers", no_argument, NULL, '6' },
		{ "backup-at", required_argument, NULL, 'b' },
		{ "page-offset", required_argument, NULL, 'P' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "command-line", required_argument, NULL, 'c' },
		{ "append", required_argument, NULL, 'c' },
		{ "dry-run", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct kl_corehdr_opts co = { .machine = host_machine() };
	const char *root = "", *out = NULL, *initrd = NULL, *cmdline = "", *dry = NULL, *cmd;
	bool po_set = false;
	struct ec_err err = { 0 };
	struct kl_sysmem *m;
	int c, r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'a':
			if (!strcmp(optarg, "i386"))
				co.machine = EM_386;
			else if (!strcmp(optarg, "x86_64"))
				co.machine = EM_X86_64;
			else {
				fprintf(stderr, "crashcap-kload: --arch %s: i386 or x86_64\n", optarg);
				return 2;
			}
			break;
		case '3': co.elf_class = ELFCLASS32; break;
		case '6': co.elf_class = ELFCLASS64; break;
		case 'b':
		case 'P':
			if (num(optarg, c == 'b' ? &co.backup_dst : &co.page_offset) < 0) {
				fprintf(stderr, "crashcap-kload: bad address '%s'\n", optarg);
				return 2;
			}
			po_set |= c == 'P';
			break;
		case 'i': initrd = optarg; break;
		case 'c': cmdline = optarg; break;
		case 'n': dry = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (co.machine == EM_386) {
		co.lowmem_limit = KL_I386_LOWMEM_LIMIT;
		if (!po_set)
			co.page_offset = KL_I386_PAGE_OFFSET;
	}
	if (!strcmp(cmd, "unload")) {
		r = kl_x86_unload(&err);
		if (r < 0)
			fprintf(stderr, "crashcap-kload: %s\n", err.msg);
		return r < 0 ? 1 : 0;
	}
	if (strcmp(cmd, "corehdr") && strcmp(cmd, "load")) {
		usage(stderr);
		return 2;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return 1;
	r = kl_sysmem_read(root, m, &err);
	if (r < 0)
		goto fail;
	if (!strcmp(cmd, "corehdr")) {
		void *hdr;
		size_t len;

		if (!out || optind != argc) {
			usage(stderr);
			free(m);
			return 2;
		}
		r = kl_corehdr_make(m, &co, &hdr, &len, NULL, &err);
		if (r < 0)
			goto fail;
		r = write_file(out, hdr, len);
		free(hdr);
		if (r < 0) {
			fprintf(stderr, "crashcap-kload: %s: %s\n", out, strerror(-r));
			free(m);
			return 1;
		}
		free(m);
		return 0;
	}
	if (optind != argc - 1) {
		usage(stderr);
		free(m);
		return 2;
	}
	{
		struct kl_x86_load ld = {
			.kernel = argv[optind], .initrd = initrd, .cmdline = cmdline,
			.core = co, .dry_run_dir = dry,
		};
		struct kl_x86_result res;

		r = kl_x86_load(m, &ld, &res, &err);
		if (r < 0)
			goto fail;
		printf("crashcap-kload: loaded %s: entry 0x%llx, elfcorehdr=%lluK (ELF%d), backup 0x%llx-0x%llx -> 0x%llx\n",
		       argv[optind], (unsigned long long)res.entry,
		       (unsigned long long)(res.corehdr >> 10), res.elf_class == ELFCLASS32 ? 32 : 64,
		       (unsigned long long)res.backup_src, (unsigned long long)(res.backup_src + res.backup_size - 1),
		       (unsigned long long)res.backup_dst);
	}
	free(m);
	return 0;
fail:
	fprintf(stderr, "crashcap-kload: %s\n", err.msg);
	free(m);
	return 1;
}
