/* SPDX-License-Identifier: GPL-2.0-or-later */
/* i386 bzImage crash loading through kexec_load(2); see kl_x86.h. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kl_x86.h"

#define PAGE 4096ull
#define KEXEC_ON_CRASH 0x00000001
#define KEXEC_ARCH_386 (3 << 16)
#define KL_MAX_IMAGE (256u << 20)
#define KL_MIN_COREHDR (16u << 10)  /* kexec-tools' minimum elfcorehdr segment */

/* boot_params (zero page) offsets, Documentation/arch/x86/zero-page.rst */
#define BP_VIDEO_COLS 0x007
#define BP_VIDEO_LINES 0x00e
#define BP_VIDEO_ISVGA 0x00f
#define BP_VIDEO_POINTS 0x010
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR 0x1f1
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128
/* setup header fields (offsets in the bzImage and in boot_params alike) */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_END 0x201
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE 0x260

enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4, E820_PMEM = 7 };

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)v);
	set16(p + 2, (uint16_t)(v >> 16));
}

static void set64(uint8_t *p, uint64_t v)
{
	set32(p, (uint32_t)v);
	set32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

uint32_t kl_x86_sum32(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i + 4 <= len; i += 4)
		sum += get32(b + i);
	return sum;
}

void kl_x86_purgatory(uint8_t out[KL_PURGATORY_SIZE], uint32_t base, uint32_t backup_src,
		      uint32_t backup_dst, uint32_t backup_size, uint32_t boot_params,
		      uint32_t kernel_entry, const struct kl_x86_sum *sums, size_t nsums)
{
	/* Entered from relocate_kernel_32 in protected mode, paging off, all
	 * general registers zero, the old kernel's segments cached but its GDT
	 * gone. Hand-assembled (i386); gdt at +0xe0, gdtr at +0x100, the sum
	 * table at +0x110 ({addr, words, sum} each, ended by words == 0):
	 *       lgdt  gdtr                ; flat 4 GiB __BOOT_CS 0x10 / __BOOT_DS 0x18
	 *       ljmp  $0x10, $1f
	 *   1:  mov   $0x18, %eax ; mov %eax, %ds/%es/%ss/%fs/%gs
	 *       mov   $table, %esi
	 *   next: mov (%esi), %edi ; mov 4(%esi), %ecx ; test %ecx, %ecx ; jz done
	 *       xor   %eax, %eax
	 *   sum: add (%edi), %eax ; add $4, %edi ; dec %ecx ; jnz sum
	 *       cmp   8(%esi), %eax ; jne bad ; add $12, %esi ; jmp next
	 *   bad: cli ; hlt ; jmp bad
	 *   done: cld ; mov $src, %esi ; mov $dst, %edi ; mov $size, %ecx ; rep movsb
	 *       mov   $boot_params, %esi ; xor %ebp/%edi/%ebx
	 *       mov   $entry, %eax ; jmp *%eax
	 */
	static const uint8_t check[] = {
		0x8b, 0x3e,             /* next: mov (%esi), %edi */
		0x8b, 0x4e, 0x04,       /* mov 4(%esi), %ecx */
		0x85, 0xc9,             /* test %ecx, %ecx */
		0x74, 0x18,             /* jz done (+24) */
		0x31, 0xc0,             /* xor %eax, %eax */
		0x03, 0x07,             /* sum: add (%edi), %eax */
		0x83, 0xc7, 0x04,       /* add $4, %edi */
		0x49,                   /* dec %ecx */
		0x75, 0xf8,             /* jnz sum (-8) */
		0x3b, 0x46, 0x08,       /* cmp 8(%esi), %eax */
		0x75, 0x05,             /* jne bad (+5) */
		0x83, 0xc6, 0x0c,       /* add $12, %esi */
		0xeb, 0xe3,             /* jmp next (-29) */
		0xfa, 0xf4, 0xeb, 0xfc, /* bad: cli; hlt; jmp bad */
	};
	static const uint8_t sregs[] = { 0xd8, 0xc0, 0xd0, 0xe0, 0xe8 };  /* ds es ss fs gs */
	/* GDT: null, null, code 0x10 (base 0, limit 4 GiB, 32-bit, exec/read), data 0x18 */
	static const uint8_t gdt[32] = {
		0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0,
		0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0,
	};
	uint8_t *p = out;
	uint32_t after_ljmp;

	memset(out, 0, KL_PURGATORY_SIZE);
	*p++ = 0x0f; *p++ = 0x01; *p++ = 0x15; set32(p, base + 0x100); p += 4;
	after_ljmp = base + (uint32_t)(p - out) + 7;
	*p++ = 0xea; set32(p, after_ljmp); p += 4; set16(p, 0x10); p += 2;
	*p++ = 0xb8; set32(p, 0x18); p += 4;
	for (size_t i = 0; i < sizeof(sregs); i++) {
		*p++ = 0x8e;
		*p++ = sregs[i];
	}
	*p++ = 0xbe; set32(p, base + KL_PURGATORY_TABLE); p += 4;
	memcpy(p, check, sizeof(check));
	p += sizeof(check);
	*p++ = 0xfc;
	*p++ = 0xbe; set32(p, backup_src); p += 4;
	*p++ = 0xbf; set32(p, backup_dst); p += 4;
	*p++ = 0xb9; set32(p, backup_size); p += 4;
	*p++ = 0xf3; *p++ = 0xa4;
	*p++ = 0xbe; set32(p, boot_params); p += 4;
	*p++ = 0x31; *p++ = 0xed;
	*p++ = 0x31; *p++ = 0xff;
	*p++ = 0x31; *p++ = 0xdb;
	*p++ = 0xb8; set32(p, kernel_entry); p += 4;
	*p++ = 0xff; *p++ = 0xe0;
	memcpy(out + 0xe0, gdt, sizeof(gdt));
	set16(out + 0x100, sizeof(gdt) - 1);
	set32(out + 0x102, base + 0xe0);
	for (size_t i = 0; i < nsums && i < KL_MAX_SUMS; i++) {
		set32(out + KL_PURGATORY_TABLE + 12 * i, sums[i].addr);
		set32(out + KL_PURGATORY_TABLE + 12 * i + 4, sums[i].words);
		set32(out + KL_PURGATORY_TABLE + 12 * i + 8, sums[i].sum);
	}
}

static int read_whole(const char *path, uint8_t **ret, size_t *ret_len, struct ec_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *b;
	size_t got = 0;

	if (fd < 0)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > KL_MAX_IMAGE) {
		close(fd);
		return ec_set_err(err, -EINVAL, "%s: empty, unreadable or larger than %u MiB", path, KL_MAX_IMAGE >> 20);
	}
	b = malloc((size_t)st.st_size);
	if (!b) {
		close(fd);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r <= 0) {
			int e = r < 0 ? -errno : -EIO;
			free(b);
			close(fd);
			return ec_set_err(err, e, "%s: read failed at offset %zu", path, got);
		}
		got += (size_t)r;
	}
	close(fd);
	*ret = b;
	*ret_len = got;
	return 0;
}

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

static int e820_add(struct e820 *t, size_t *n, uint64_t s, uint64_t e, uint32_t type, struct ec_err *err)
{
	if (e < s)
		return 0;
	if (*n == BP_E820_MAX)
		return ec_set_err(err, -E2BIG, "more than %d e820 entries for the capture kernel", BP_E820_MAX);
	t[*n].addr = s;
	t[*n].size = e - s + 1;
	t[(*n)++].type = type;
	return 0;
}

/* RAM for the capture kernel: [s, e] minus the holes (sorted, inside). */
static int e820_add_minus(struct e820 *t, size_t *n, uint64_t s, uint64_t e,
			  const uint64_t (*holes)[2], size_t nh, struct ec_err *err)
{
	for (size_t i = 0; i < nh; i++) {
		int r;
		if (holes[i][0] > s && (r = e820_add(t, n, s, holes[i][0] - 1, E820_RAM, err)) < 0)
			return r;
		s = holes[i][1] + 1;
	}
	return e820_add(t, n, s, e, E820_RAM, err);
}

static int cmp_e820(const void *a, const void *b)
{
	const struct e820 *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int dry_run(const char *dir, const struct kl_x86_result *res, struct ec_err *err)
{
	char path[4096];
	FILE *f;

	for (size_t i = 0; i < res->nr_segs; i++) {
		const struct kl_x86_seg *s = &res->segs[i];
		snprintf(path, sizeof(path), "%s/seg-%zu.bin", dir, i);
		f = fopen(path, "we");
		if (!f || (s->bufsz && fwrite(s->buf, 1, s->bufsz, f) != s->bufsz)) {
			if (f)
				fclose(f);
			return ec_set_err(err, -EIO, "%s: cannot write", path);
		}
		if (fclose(f) != 0)
			return ec_set_err(err, -EIO, "%s: cannot write", path);
	}
	snprintf(path, sizeof(path), "%s/segments.txt", dir);
	f = fopen(path, "we");
	if (!f)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	fprintf(f, "entry 0x%llx\ncorehdr 0x%llx\nboot_params 0x%llx\nbackup 0x%llx 0x%llx 0x%llx\n",
		(unsigned long long)res->entry, (unsigned long long)res->corehdr,
		(unsigned long long)res->boot_params, (unsigned long long)res->backup_src,
		(unsigned long long)res->backup_size, (unsigned long long)res->backup_dst);
	for (size_t i = 0; i < res->nr_segs; i++)
		fprintf(f, "seg %zu %s 0x%llx 0x%llx 0x%zx\n", i, res->segs[i].what,
			(unsigned long long)res->segs[i].mem, (unsigned long long)res->segs[i].memsz,
			res->segs[i].bufsz);
	return fclose(f) == 0 ? 0 : ec_set_err(err, -EIO, "%s: cannot write", path);
}

struct kexec_segment_native {
	const void *buf;
	size_t bufsz;
	const void *mem;
	size_t memsz;
};

static const char *explain(int e)
{
	switch (-e) {
	case ENOSYS: return "this kernel has no kexec_load (CONFIG_KEXEC off)";
	case EPERM: return "not root, kernel.kexec_load_disabled=1, or the kernel is locked down";
	case EADDRNOTAVAIL: return "a segment or the entry lies outside the crash kernel reservation";
	case EBUSY: return "a crash kernel is being loaded or used";
	case EINVAL: return "the kernel rejected the segment list (overlap, alignment or count)";
	}
	return strerror(-e);
}

static int do_load(const struct kl_x86_result *res, struct ec_err *err)
{
	struct kexec_segment_native ks[KL_X86_MAX_SEGS];
	long r;

	for (size_t i = 0; i < res->nr_segs; i++) {
		if (res->segs[i].mem > SIZE_MAX || res->segs[i].memsz > SIZE_MAX)
			return ec_set_err(err, -EOVERFLOW, "segment %zu above this process' address size", i);
		ks[i].buf = res->segs[i].buf;
		ks[i].bufsz = res->segs[i].bufsz;
		ks[i].mem = (const void *)(uintptr_t)res->segs[i].mem;
		ks[i].memsz = (size_t)res->segs[i].memsz;
	}
#ifdef SYS_kexec_load
	r = syscall(SYS_kexec_load, (unsigned long)res->entry, (unsigned long)res->nr_segs, ks,
		    (unsigned long)(KEXEC_ON_CRASH | KEXEC_ARCH_386));
	r = r < 0 ? -errno : 0;
#else
	r = -ENOSYS;
#endif
	if (r < 0)
		return ec_set_err(err, (int)r, "kexec_load: %s: %s", strerror((int)-r), explain((int)r));
	return 0;
}

int kl_x86_unload(struct ec_err *err)
{
	long r;
#ifdef SYS_kexec_load
	r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, (unsigned long)(KEXEC_ON_CRASH | KEXEC_ARCH_386));
	r = r < 0 ? -errno : 0;
#else
	r = -ENOSYS;
#endif
	if (r < 0)
		return ec_set_err(err, (int)r, "kexec_load(unload): %s: %s", strerror((int)-r), explain((int)r));
	return 0;
}

static struct kl_x86_seg *add_seg(struct kl_x86_result *res, const void *buf, size_t bufsz,
				  uint64_t mem, uint64_t memsz, const char *what)
{
	struct kl_x86_seg *s = &res->segs[res->nr_segs++];

	s->buf = buf;
	s->bufsz = bufsz;
	s->mem = mem;
	s->memsz = up(memsz, PAGE);
	s->what = what;
	return s;
}

int kl_x86_load(const struct kl_sysmem *m, const struct kl_x86_load *ld,
		struct kl_x86_result *ret, struct ec_err *err)
{
	struct kl_x86_result res = { 0 };
	uint8_t *k = NULL, *rd = NULL, *bp = NULL, *purg = NULL;
	void *hdr = NULL;
	size_t klen, rdlen = 0, hdrlen, kern16, cmdlen, hdrsz, ne = 0;
	uint64_t cs, ce, kalign, kmem, next, holes[2][2], imax;
	struct kl_corehdr_opts co = ld->core;
	struct ec_range bk;
	struct e820 *tab = NULL;
	char *cmd = NULL, rsdp[48] = "";
	unsigned setup_sects;
	uint32_t cmdmax;
	int r;

	if (co.machine != EM_386)
		return ec_set_err(err, -EOPNOTSUPP, "kexec_load loading is implemented for i386 only "
				  "(x86_64 uses kexec_file_load)");
	if (m->nr_crash == 0)
		return ec_set_err(err, -EADDRNOTAVAIL, "no \"Crash kernel\" range in /proc/iomem: boot with crashkernel=");
	/* the kernel refuses the low reservation for the image: use the highest */
	cs = m->crash[m->nr_crash - 1].start;
	ce = m->crash[m->nr_crash - 1].end;
	if ((r = read_whole(ld->kernel, &k, &klen, err)) < 0)
		return r;
	if (klen < 0x1000 || k[HDR_BOOT_FLAG] != 0x55 || k[HDR_BOOT_FLAG + 1] != 0xaa ||
	    memcmp(k + HDR_MAGIC, "HdrS", 4) || (k[HDR_VERSION] | k[HDR_VERSION + 1] << 8) < 0x20a ||
	    !k[HDR_RELOCATABLE] || !(k[HDR_LOADFLAGS] & 1)) {
		r = ec_set_err(err, -ENOEXEC, "%s: not a relocatable bzImage with boot protocol >= 2.10", ld->kernel);
		goto out;
	}
	setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
	kern16 = (setup_sects + 1) * 512u;
	kalign = get32(k + HDR_KERNEL_ALIGNMENT);
	cmdmax = get32(k + HDR_CMDLINE_SIZE);
	imax = get32(k + HDR_INITRD_ADDR_MAX);
	if (kern16 >= klen || kalign < PAGE || (kalign & (kalign - 1))) {
		r = ec_set_err(err, -ENOEXEC, "%s: setup size %zu / kernel_alignment 0x%llx make no sense",
			       ld->kernel, kern16, (unsigned long long)kalign);
		goto out;
	}
	kmem = up(get32(k + HDR_INIT_SIZE) > klen - kern16 ? get32(k + HDR_INIT_SIZE) : klen - kern16, PAGE);
	if (ld->initrd && (r = read_whole(ld->initrd, &rd, &rdlen, err)) < 0)
		goto out;

	/* layout, bottom-up: kernel (init_size), backup, elfcorehdr, boot
	 * params + command line, purgatory; the initrd at the top */
	res.kernel_addr = up(cs, kalign);
	next = res.kernel_addr + kmem;
	kl_backup_src(m, &bk);
	res.backup_src = bk.start;
	res.backup_size = bk.end - bk.start + 1;
	res.backup_dst = next;
	next += up(res.backup_size, PAGE);
	co.backup_dst = res.backup_dst;
	if ((r = kl_corehdr_make(m, &co, &hdr, &hdrlen, &res.elf_class, err)) < 0)
		goto out;
	res.corehdr = next;
	next += up(hdrlen > KL_MIN_COREHDR ? hdrlen : KL_MIN_COREHDR, PAGE);
	if (m->acpi_rsdp)
		snprintf(rsdp, sizeof(rsdp), "acpi_rsdp=0x%llx ", (unsigned long long)m->acpi_rsdp);
	if (asprintf(&cmd, "%s%s%selfcorehdr=%lluK", ld->cmdline ? ld->cmdline : "",
		     ld->cmdline && *ld->cmdline ? " " : "", rsdp, (unsigned long long)(res.corehdr >> 10)) < 0) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		cmd = NULL;
		goto out;
	}
	cmdlen = strlen(cmd) + 1;
	if (cmdmax && cmdlen > cmdmax) {
		r = ec_set_err(err, -E2BIG, "capture command line is %zu bytes, the kernel takes %u", cmdlen - 1, cmdmax - 1);
		goto out;
	}
	res.boot_params = next;
	next += up(PAGE + cmdlen, PAGE);
	res.entry = next;
	next += PAGE;
	if (rd) {
		res.initrd_addr = (ce + 1 - rdlen) & ~(PAGE - 1);
		if (res.initrd_addr + rdlen - 1 > imax)
			res.initrd_addr = (imax + 1 - rdlen) & ~(PAGE - 1);
	} else {
		res.initrd_addr = ce + 1;
	}
	if (res.kernel_addr < cs || next > res.initrd_addr || res.initrd_addr < cs || next - 1 > UINT32_MAX) {
		r = ec_set_err(err, -EADDRNOTAVAIL,
			       "the crash kernel reservation [0x%llx, 0x%llx] is too small: kernel (init_size %llu KiB at 0x%llx), "
			       "backup, headers and %zu KiB initrd need %llu MiB",
			       (unsigned long long)cs, (unsigned long long)ce, (unsigned long long)(kmem >> 10),
			       (unsigned long long)res.kernel_addr, rdlen >> 10,
			       (unsigned long long)((next - cs + up(rdlen, PAGE)) >> 20) + 1);
		goto out;
	}

	/* boot_params: setup header from the image, our loader fields, e820 */
	bp = calloc(1, PAGE + cmdlen);
	purg = malloc(KL_PURGATORY_SIZE);
	tab = calloc(BP_E820_MAX, sizeof(*tab));
	if (!bp || !purg || !tab) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	hdrsz = (size_t)k[HDR_JUMP_END] + 0x202 - BP_HDR;
	if (hdrsz > 0x7f)
		hdrsz = 0x7f;
	memcpy(bp + BP_HDR, k + BP_HDR, hdrsz);
	bp[BP_VIDEO_COLS] = 80;
	bp[BP_VIDEO_LINES] = 25;
	bp[BP_VIDEO_ISVGA] = 1;
	set16(bp + BP_VIDEO_POINTS, 16);
	bp[HDR_TYPE_OF_LOADER] = 0xff;
	set32(bp + HDR_CMD_LINE_PTR, (uint32_t)(res.boot_params + PAGE));
	set32(bp + HDR_RAMDISK_IMAGE, rd ? (uint32_t)res.initrd_addr : 0);
	set32(bp + HDR_RAMDISK_SIZE, (uint32_t)rdlen);
	set64(bp + BP_ACPI_RSDP, m->acpi_rsdp);
	memcpy(bp + PAGE, cmd, cmdlen);
	/* the capture kernel's memory: the low RAM (backed up, so free to use),
	 * the reservation minus backup and elfcorehdr, and the firmware ranges */
	if ((r = e820_add(tab, &ne, bk.start, bk.end, E820_RAM, err)) < 0)
		goto out;
	holes[0][0] = res.backup_dst;
	holes[0][1] = res.backup_dst + up(res.backup_size, PAGE) - 1;
	holes[1][0] = res.corehdr;
	holes[1][1] = res.boot_params - 1;
	for (size_t i = 0; i < m->nr_crash; i++) {
		bool mine = i == m->nr_crash - 1;
		r = e820_add_minus(tab, &ne, m->crash[i].start, m->crash[i].end, holes, mine ? 2 : 0, err);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < m->nr; i++) {
		static const uint32_t type[] = { [KL_RESERVED] = E820_RESERVED, [KL_ACPI] = E820_ACPI,
						 [KL_ACPI_NVS] = E820_NVS, [KL_PMEM] = E820_PMEM };
		if (m->r[i].type != KL_RAM &&
		    (r = e820_add(tab, &ne, m->r[i].start, m->r[i].end, type[m->r[i].type], err)) < 0)
			goto out;
	}
	qsort(tab, ne, sizeof(*tab), cmp_e820);
	bp[BP_E820_ENTRIES] = (uint8_t)ne;
	for (size_t i = 0; i < ne; i++) {
		set64(bp + BP_E820_TABLE + 20 * i, tab[i].addr);
		set64(bp + BP_E820_TABLE + 20 * i + 8, tab[i].size);
		set32(bp + BP_E820_TABLE + 20 * i + 16, tab[i].type);
	}
	{
		/* what purgatory re-adds before entering the capture kernel */
		struct kl_x86_sum sums[KL_MAX_SUMS];
		size_t ns = 0;
		const struct { uint64_t at; const void *buf; size_t len; } chk[] = {
			{ res.kernel_addr, k + kern16, klen - kern16 },
			{ res.corehdr, hdr, hdrlen },
			{ res.boot_params, bp, PAGE + cmdlen },
			{ res.initrd_addr, rd, rdlen },
		};
		for (size_t i = 0; i < sizeof(chk) / sizeof(chk[0]); i++) {
			if (!chk[i].buf || chk[i].len < 4)
				continue;
			sums[ns].addr = (uint32_t)chk[i].at;
			sums[ns].words = (uint32_t)(chk[i].len / 4);
			sums[ns++].sum = kl_x86_sum32(chk[i].buf, chk[i].len);
		}
		kl_x86_purgatory(purg, (uint32_t)res.entry, (uint32_t)res.backup_src, (uint32_t)res.backup_dst,
				 (uint32_t)res.backup_size, (uint32_t)res.boot_params, (uint32_t)res.kernel_addr,
				 sums, ns);
	}

	add_seg(&res, k + kern16, klen - kern16, res.kernel_addr, kmem, "kernel");
	add_seg(&res, NULL, 0, res.backup_dst, res.backup_size, "backup");
	add_seg(&res, hdr, hdrlen, res.corehdr, res.boot_params - res.corehdr, "elfcorehdr");
	add_seg(&res, bp, PAGE + cmdlen, res.boot_params, PAGE + cmdlen, "boot_params");
	add_seg(&res, purg, KL_PURGATORY_SIZE, res.entry, PAGE, "purgatory");
	if (rd)
		add_seg(&res, rd, rdlen, res.initrd_addr, rdlen, "initrd");
	r = ld->dry_run_dir ? dry_run(ld->dry_run_dir, &res, err) : do_load(&res, err);
	for (size_t i = 0; i < res.nr_segs; i++)
		res.segs[i].buf = NULL;
	if (r == 0)
		*ret = res;
out:
	free(k);
	free(rd);
	free(hdr);
	free(bp);
	free(purg);
	free(tab);
	free(cmd);
	return r;
}
