/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i386lab guest helper (built -m32 -static, runs in the i386 guest):
 *   i386probe kcore VADDR LEN   copy LEN bytes of kernel virtual memory from
 *                               /proc/kcore (ELF32 or ELF64) to stdout
 * Used to snapshot the low 640 KiB through the direct map (0xc0000000 +
 * paddr) before the panic: /dev/mem reads System RAM below 1 MiB as zeros.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, unsigned long long off, unsigned long long len)
{
	char buf[65536];

	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t r = pread(fd, buf, n, (off_t)off);
		if (r <= 0 || write(1, buf, (size_t)r) != r)
			return 1;
		off += (unsigned long long)r;
		len -= (unsigned long long)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long va, len;
	unsigned char e[64];
	int fd;

	if (argc != 4 || strcmp(argv[1], "kcore")) {
		fprintf(stderr, "usage: i386probe kcore VADDR LEN\n");
		return 2;
	}
	va = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0 || pread(fd, e, sizeof(e), 0) != sizeof(e) || memcmp(e, ELFMAG, SELFMAG)) {
		perror("/proc/kcore");
		return 1;
	}
	if (e[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr h;
		memcpy(&h, e, sizeof(h));
		for (unsigned i = 0; i < h.e_phnum; i++) {
			Elf32_Phdr p;
			if (pread(fd, &p, sizeof(p), (off_t)(h.e_phoff + i * sizeof(p))) != sizeof(p))
				return 1;
			if (p.p_type == PT_LOAD && va >= p.p_vaddr && va + len <= (unsigned long long)p.p_vaddr + p.p_memsz)
				return copy(fd, p.p_offset + (va - p.p_vaddr), len);
		}
	} else {
		Elf64_Ehdr h;
		memcpy(&h, e, sizeof(h));
		for (unsigned i = 0; i < h.e_phnum; i++) {
			Elf64_Phdr p;
			if (pread(fd, &p, sizeof(p), (off_t)(h.e_phoff + i * sizeof(p))) != sizeof(p))
				return 1;
			if (p.p_type == PT_LOAD && va >= p.p_vaddr && va + len <= p.p_vaddr + p.p_memsz)
				return copy(fd, p.p_offset + (va - p.p_vaddr), len);
		}
	}
	fprintf(stderr, "i386probe: 0x%llx+0x%llx not in /proc/kcore\n", va, len);
	return 1;
}
