/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i386 kexec_load layout (kl_x86_load with dry_run_dir) on a recorded fake
 * root and a synthetic bzImage built here from the boot protocol's field
 * list: every segment inside the reservation, page aligned, disjoint; the
 * kernel at kernel_alignment with init_size room; boot_params carries the
 * setup header, loader type, command line (with elfcorehdr=<corehdr>K),
 * initrd and an e820 map that gives the capture kernel the low RAM and the
 * reservation minus backup and elfcorehdr; the elfcorehdr segment is the
 * builder's header for that backup; the purgatory's immediates (checked by
 * objdump in check_x86load.py) are written to PURG.txt.
 *
 * usage: test_x86load ROOT WORKDIR
 *        test_x86load --mkbz PATH     (only write the synthetic bzImage)
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "kl_x86.h"

#define INIT_SIZE 0x1400000u
#define KALIGN 0x1000000u

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rle(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* bzImage: 4 setup sectors + boot sector, then 64 KiB of "protected-mode code". */
static int write_bzimage(const char *path, uint32_t init_size, uint8_t version_lo, int relocatable)
{
	size_t len = 5 * 512 + 65536;
	uint8_t *b = calloc(1, len);
	FILE *f;

	b[0x1f1] = 4;                       /* setup_sects */
	le(b + 0x1fe, 0xaa55, 2);           /* boot_flag */
	b[0x200] = 0xeb;                    /* jump */
	b[0x201] = 0x6a;                    /* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	le(b + 0x206, 0x200 | version_lo, 2);
	b[0x211] = 0x01;                    /* LOADED_HIGH */
	le(b + 0x214, 0x100000, 4);         /* code32_start */
	le(b + 0x22c, 0x37ffffff, 4);       /* initrd_addr_max */
	le(b + 0x230, KALIGN, 4);           /* kernel_alignment */
	b[0x234] = (uint8_t)relocatable;
	b[0x235] = 21;                      /* min_alignment */
	le(b + 0x238, 2047, 4);             /* cmdline_size */
	le(b + 0x260, init_size, 4);
	for (size_t i = 5 * 512; i < len; i++)
		b[i] = (uint8_t)(i * 7);
	f = fopen(path, "w");
	if (!f || fwrite(b, 1, len, f) != len) {
		free(b);
		return -1;
	}
	free(b);
	return fclose(f);
}

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	struct stat st;
	uint8_t *b;
	FILE *f = fopen(path, "r");

	if (!f || fstat(fileno(f), &st) < 0)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	*ret_len = fread(b, 1, (size_t)st.st_size, f);
	fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	static struct kl_sysmem m;
	struct kl_x86_result res;
	struct ec_err err = { 0 };
	char kpath[4096], ipath[4096], p[4096];
	struct kl_x86_load ld = { 0 };
	uint64_t cs, ce;
	int r;

	if (argc == 3 && !strcmp(argv[1], "--mkbz"))   /* for test_kdumpctl_i386.sh */
		return write_bzimage(argv[2], INIT_SIZE, 0x0f, 1) == 0 ? 0 : 1;
	if (argc != 3)
		return 2;
	snprintf(kpath, sizeof(kpath), "%s/bzImage", argv[2]);
	snprintf(ipath, sizeof(ipath), "%s/initrd", argv[2]);
	ok(write_bzimage(kpath, INIT_SIZE, 0x0f, 1) == 0, "synthetic bzImage (protocol 2.15, init_size 0x%x)", INIT_SIZE);
	{
		FILE *f = fopen(ipath, "w");
		for (int i = 0; f && i < 3 * 4096 + 100; i++)
			fputc('I', f);
		ok(f && fclose(f) == 0, "initrd of 12388 bytes");
	}
	r = kl_sysmem_read(argv[1], &m, &err);
	if (!ok(r == 0 && m.nr_crash == 1, "fake root %s: %s", argv[1], r ? err.msg : "one crash kernel range"))
		return tap_done();
	cs = m.crash[0].start;
	ce = m.crash[0].end;
	ld.kernel = kpath;
	ld.initrd = ipath;
	ld.cmdline = "console=ttyS0 irqpoll nr_cpus=1";
	ld.core.machine = EM_386;
	ld.core.page_offset = KL_I386_PAGE_OFFSET;
	ld.core.lowmem_limit = KL_I386_LOWMEM_LIMIT;
	ld.dry_run_dir = argv[2];
	r = kl_x86_load(&m, &ld, &res, &err);
	if (!ok(r == 0, "kl_x86_load (dry run): %s", r ? err.msg : "ok"))
		return tap_done();

	ok(res.nr_segs == 6, "6 segments (kernel, backup, elfcorehdr, boot_params, purgatory, initrd): %zu", res.nr_segs);
	for (size_t i = 0; i < res.nr_segs; i++) {
		const struct kl_x86_seg *s = &res.segs[i];
		bool disjoint = true;

		for (size_t j = 0; j < res.nr_segs; j++)
			if (j != i && s->mem < res.segs[j].mem + res.segs[j].memsz && res.segs[j].mem < s->mem + s->memsz)
				disjoint = false;
		ok(s->mem >= cs && s->mem + s->memsz - 1 <= ce && !(s->mem & 4095) && !(s->memsz & 4095) &&
		   s->bufsz <= s->memsz && disjoint,
		   "%s [0x%llx, +0x%llx): inside [0x%llx, 0x%llx], page aligned, disjoint", s->what,
		   (unsigned long long)s->mem, (unsigned long long)s->memsz, (unsigned long long)cs, (unsigned long long)ce);
	}
	ok(res.kernel_addr % KALIGN == 0 && res.segs[0].memsz >= INIT_SIZE && res.segs[0].bufsz == 65536,
	   "kernel at 0x%llx (kernel_alignment), init_size room, protected-mode part only", (unsigned long long)res.kernel_addr);
	ok(res.entry >= cs && res.entry <= ce, "entry (purgatory) 0x%llx inside the reservation", (unsigned long long)res.entry);
	ok(res.backup_src == 0x1000 && res.backup_size == 0x9ec00, "backup source: the first low RAM range [0x1000, 0x9fbff]");

	/* boot_params */
	snprintf(p, sizeof(p), "%s/seg-3.bin", argv[2]);
	{
		size_t bl = 0, hl = 0, kl = 0;
		uint8_t *bp = slurp(p, &bl), *k;
		char want[128];
		void *hdr = NULL;
		size_t n;
		int cls;
		struct kl_corehdr_opts co = ld.core;
		uint64_t ram = 0;
		bool low = false, holes = true, fw = false;

		snprintf(p, sizeof(p), "%s/bzImage", argv[2]);
		k = slurp(p, &kl);
		ok(bp && bl > 4096 && !memcmp(bp + 0x1f1, k + 0x1f1, 0x210 - 0x1f1) &&
		   !memcmp(bp + 0x22c, k + 0x22c, 0x26c - 0x22c) && bp[0x210] == 0xff,
		   "boot_params: setup header copied, type_of_loader 0xff");
		snprintf(want, sizeof(want), "console=ttyS0 irqpoll nr_cpus=1 %selfcorehdr=%lluK",
			 m.acpi_rsdp ? "acpi_rsdp=" : "", (unsigned long long)(res.corehdr >> 10));
		ok(rle(bp + 0x228, 4) == res.boot_params + 4096 && !m.acpi_rsdp && !strcmp((char *)bp + 4096, want),
		   "command line at cmd_line_ptr: '%s'", (char *)bp + 4096);
		ok(rle(bp + 0x218, 4) == res.initrd_addr && rle(bp + 0x21c, 4) == 12388 &&
		   res.initrd_addr + 12388 - 1 <= ce, "ramdisk_image 0x%llx, ramdisk_size 12388, at the top of the reservation",
		   (unsigned long long)res.initrd_addr);
		n = bp[0x1e8];
		for (size_t i = 0; i < n; i++) {
			uint64_t a = rle(bp + 0x2d0 + 20 * i, 8), sz = rle(bp + 0x2d0 + 20 * i + 8, 8);
			uint32_t t = (uint32_t)rle(bp + 0x2d0 + 20 * i + 16, 4);

			if (t == 1 && a == 0x1000 && sz == 0x9ec00)
				low = true;
			else if (t == 1) {
				ram += sz;
				if ((a < res.backup_dst + res.backup_size && res.backup_dst < a + sz) ||
				    (a < res.boot_params && res.corehdr < a + sz) || a < cs || a + sz - 1 > ce)
					holes = false;
			} else if (t == 2 && a == 0x1ffd7000)
				fw = true;
		}
		ok(low, "e820: the low RAM [0x1000, 0x9fbff] is usable by the capture kernel");
		ok(holes && ram == (ce - cs + 1) - (res.boot_params - res.corehdr) - ((res.backup_size + 4095) & ~4095ull),
		   "e820: RAM = the reservation minus backup and elfcorehdr (%llu MiB)", (unsigned long long)(ram >> 20));
		ok(fw && n == 8, "e820: the firmware's reserved ranges passed on (%zu entries)", n);
		co.backup_dst = res.backup_dst;
		r = kl_corehdr_make(&m, &co, &hdr, &hl, &cls, &err);
		free(bp);
		snprintf(p, sizeof(p), "%s/seg-2.bin", argv[2]);
		bp = slurp(p, &bl);
		ok(r == 0 && bp && bl == hl && !memcmp(bp, hdr, hl) && cls == ELFCLASS32,
		   "elfcorehdr segment = the builder's ELF32 header with backup at 0x%llx", (unsigned long long)res.backup_dst);
		free(bp);
		free(hdr);
		free(k);
	}
	snprintf(p, sizeof(p), "%s/purgatory.txt", argv[2]);
	{
		FILE *f = fopen(p, "w");
		if (f) {
			fprintf(f, "base 0x%llx\nbackup_src 0x%llx\nbackup_dst 0x%llx\nbackup_size 0x%llx\nboot_params 0x%llx\nkernel 0x%llx\n",
				(unsigned long long)res.entry, (unsigned long long)res.backup_src,
				(unsigned long long)res.backup_dst, (unsigned long long)res.backup_size,
				(unsigned long long)res.boot_params, (unsigned long long)res.kernel_addr);
			fclose(f);
		}
	}

	/* refusals */
	ld.dry_run_dir = argv[2];
	ok(write_bzimage(kpath, 0x8000000u, 0x0f, 1) == 0 && kl_x86_load(&m, &ld, &res, &err) == -EADDRNOTAVAIL,
	   "init_size 128 MiB does not fit: %s", err.msg);
	ok(write_bzimage(kpath, INIT_SIZE, 0x0f, 0) == 0 && kl_x86_load(&m, &ld, &res, &err) == -ENOEXEC,
	   "not relocatable: %s", err.msg);
	ok(write_bzimage(kpath, INIT_SIZE, 0x04, 1) == 0 && kl_x86_load(&m, &ld, &res, &err) == -ENOEXEC,
	   "boot protocol 2.04: %s", err.msg);
	ld.core.machine = EM_X86_64;
	ok(kl_x86_load(&m, &ld, &res, &err) == -EOPNOTSUPP, "x86_64: %s", err.msg);
	return tap_done();
}
