/* SPDX-License-Identifier: GPL-2.0-or-later */
/* elfcorehdr inputs from /proc/iomem + sysfs, and the header for kexec_load. */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kl_corehdr.h"

static int rpath(char *out, size_t n, const char *root, const char *p)
{
	int l = snprintf(out, n, "%s%s", root ? root : "", p);
	return l < 0 || (size_t)l >= n ? -ENAMETOOLONG : 0;
}

/* Read a small sysfs file (< 256 bytes) into buf; -ENOENT passes through. */
static int read_small(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t l;

	if (!f)
		return -errno;
	l = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[l] = '\0';
	return 0;
}

static int parse_u64(const char *s, int base, uint64_t *ret, const char **ret_end)
{
	char *e;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, base);
	if (errno || e == s)
		return -EINVAL;
	*ret = v;
	if (ret_end)
		*ret_end = e;
	return 0;
}

static int classify(const char *name, enum kl_range_type *ret)
{
	/* kexec-tools' rules: "System RAM" anywhere in the name (also
	 * "System RAM (kmem)"), the other names exactly. */
	if (strstr(name, "System RAM"))
		*ret = KL_RAM;
	else if (!strcmp(name, "ACPI Tables"))
		*ret = KL_ACPI;
	else if (!strcmp(name, "ACPI Non-volatile Storage"))
		*ret = KL_ACPI_NVS;
	else if (!strcmp(name, "reserved") || !strcmp(name, "Reserved"))
		*ret = KL_RESERVED;
	else if (!strcmp(name, "Persistent Memory") || !strcmp(name, "Persistent Memory (legacy)"))
		*ret = KL_PMEM;
	else
		return 0;
	return 1;
}

static int read_iomem(const char *root, struct kl_sysmem *m, struct ec_err *err)
{
	char path[4096], line[512];
	unsigned lineno = 0;
	bool any_nonzero = false;
	FILE *f;
	int r = 0;

	if ((r = rpath(path, sizeof(path), root, "/proc/iomem")) < 0)
		return ec_set_err(err, r, "%s/proc/iomem: path too long", root);
	f = fopen(path, "re");
	if (!f)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		uint64_t s, e;
		const char *p = line, *name;
		enum kl_range_type t;
		size_t l;

		lineno++;
		if (parse_u64(p, 16, &s, &p) < 0 || *p != '-' || parse_u64(p + 1, 16, &e, &p) < 0 ||
		    strncmp(p, " : ", 3)) {
			r = ec_set_err(err, -EINVAL, "%s:%u: expected 'start-end : name'", path, lineno);
			break;
		}
		if (e < s) {
			r = ec_set_err(err, -EINVAL, "%s:%u: range ends before it starts", path, lineno);
			break;
		}
		if (e)
			any_nonzero = true;
		name = p + 3;
		l = strcspn(name, "\n");
		line[(name - line) + l] = '\0';
		if (!strcmp(name, "Crash kernel")) {
			if (m->nr_crash == KL_MAX_CRASH) {
				r = ec_set_err(err, -E2BIG, "%s:%u: more than %d crash kernel ranges", path, lineno, KL_MAX_CRASH);
				break;
			}
			m->crash[m->nr_crash].start = s;
			m->crash[m->nr_crash++].end = e;
			continue;
		}
		if (!classify(name, &t))
			continue;
		if (m->nr == KL_MAX_RANGES) {
			r = ec_set_err(err, -E2BIG, "%s:%u: more than %d memory ranges", path, lineno, KL_MAX_RANGES);
			break;
		}
		m->r[m->nr].start = s;
		m->r[m->nr].end = e;
		m->r[m->nr++].type = t;
	}
	fclose(f);
	if (r == 0 && !any_nonzero)
		r = ec_set_err(err, -EPERM, "%s shows no addresses (not root?)", path);
	return r;
}

static int read_notes(const char *root, struct kl_sysmem *m, struct ec_err *err)
{
	char path[4096], buf[256];
	size_t ncpu = 0;
	struct dirent *de;
	DIR *d;
	int r;

	if ((r = rpath(path, sizeof(path), root, "/sys/devices/system/cpu")) < 0)
		return ec_set_err(err, r, "cpu directory path too long");
	d = opendir(path);
	if (!d)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	/* kexec-tools looks at cpu0 .. cpu<N-1>, N = the number of cpu<n> directories */
	while ((de = readdir(d))) {
		const char *p = de->d_name + 3;
		if (!strncmp(de->d_name, "cpu", 3) && *p && strspn(p, "0123456789") == strlen(p))
			ncpu++;
	}
	closedir(d);
	if (ncpu > KL_MAX_CPUS)
		return ec_set_err(err, -E2BIG, "%s: %zu CPUs (at most %d)", path, ncpu, KL_MAX_CPUS);
	for (size_t i = 0; i < ncpu; i++) {
		char sub[64];
		uint64_t a, sz = KL_DEFAULT_NOTE_BYTES;

		snprintf(sub, sizeof(sub), "/sys/devices/system/cpu/cpu%zu/crash_notes", i);
		if ((r = rpath(path, sizeof(path), root, sub)) < 0)
			return ec_set_err(err, r, "crash_notes path too long");
		r = read_small(path, buf, sizeof(buf));
		if (r == -ENOENT)
			continue;   /* CPU not present (or no crash notes: handled below) */
		if (r < 0)
			return ec_set_err(err, r, "%s: %s", path, strerror(-r));
		if (parse_u64(buf, 16, &a, NULL) < 0)
			return ec_set_err(err, -EINVAL, "%s: expected a hex address, got '%.40s'", path, buf);
		strcat(path, "_size");
		r = read_small(path, buf, sizeof(buf));
		if (r == 0 && parse_u64(buf, 10, &sz, NULL) < 0)
			return ec_set_err(err, -EINVAL, "%s: expected a byte count, got '%.40s'", path, buf);
		if (r < 0 && r != -ENOENT)
			return ec_set_err(err, r, "%s: %s", path, strerror(-r));
		if (sz == 0 || sz > (1u << 20))
			return ec_set_err(err, -EINVAL, "%s: note size %llu out of range", path, (unsigned long long)sz);
		m->note_paddr[m->nr_notes] = a;
		m->note_size[m->nr_notes++] = sz;
	}
	return 0;
}

static int read_vmci(const char *root, struct kl_sysmem *m, struct ec_err *err)
{
	char path[4096], buf[256];
	const char *p;
	int r;

	if ((r = rpath(path, sizeof(path), root, "/sys/kernel/vmcoreinfo")) < 0)
		return ec_set_err(err, r, "vmcoreinfo path too long");
	r = read_small(path, buf, sizeof(buf));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return ec_set_err(err, r, "%s: %s", path, strerror(-r));
	/* "%pa %x": both hex, the address with 0x */
	if (parse_u64(buf, 16, &m->vmci_paddr, &p) < 0 || parse_u64(p, 16, &m->vmci_size, NULL) < 0 ||
	    m->vmci_size == 0 || m->vmci_size > (1u << 20))
		return ec_set_err(err, -EINVAL, "%s: expected 'address size' in hex, got '%.60s'", path, buf);
	return 0;
}

/* boot_params.acpi_rsdp_addr (u64 at 0x70): the capture kernel gets it too,
 * as kexec-tools passes it (acpi_rsdp=). Optional: 0 when unreadable. */
static void read_rsdp(const char *root, struct kl_sysmem *m)
{
	char path[4096];
	uint8_t b[0x78];
	FILE *f;

	if (rpath(path, sizeof(path), root, "/sys/kernel/boot_params/data") < 0)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fread(b, 1, sizeof(b), f) == sizeof(b))
		for (int i = 7; i >= 0; i--)
			m->acpi_rsdp = m->acpi_rsdp << 8 | b[0x70 + i];
	fclose(f);
}

int kl_sysmem_read(const char *root, struct kl_sysmem *ret, struct ec_err *err)
{
	struct kl_sysmem *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return ec_set_err(err, -ENOMEM, "out of memory");
	if ((r = read_iomem(root, m, err)) < 0 || (r = read_notes(root, m, err)) < 0 ||
	    (r = read_vmci(root, m, err)) < 0) {
		free(m);
		return r;
	}
	read_rsdp(root, m);
	*ret = *m;
	free(m);
	return 0;
}

static int push(struct ec_range *out, size_t max, size_t *n, uint64_t s, uint64_t e, struct ec_err *err)
{
	if (*n == max)
		return ec_set_err(err, -E2BIG, "more than %zu crash memory ranges", max);
	out[*n].start = s;
	out[(*n)++].end = e;
	return 0;
}

/* Add [s, e] minus every crash range. */
static int add_excluding(const struct kl_sysmem *m, uint64_t s, uint64_t e, size_t from,
			 struct ec_range *out, size_t max, size_t *n, struct ec_err *err)
{
	for (size_t i = from; i < m->nr_crash; i++) {
		const struct ec_range *c = &m->crash[i];
		int r;

		if (c->end < s || c->start > e)
			continue;
		if (c->start > s && (r = add_excluding(m, s, c->start - 1, i + 1, out, max, n, err)) < 0)
			return r;
		if (c->end < e)
			return add_excluding(m, c->end + 1, e, i + 1, out, max, n, err);
		return 0;
	}
	return push(out, max, n, s, e, err);
}

int kl_crash_ram(const struct kl_sysmem *m, uint64_t lowmem_limit,
		 struct ec_range *ret, size_t max, size_t *ret_n, struct ec_err *err)
{
	size_t n = 0;
	int r;

	for (size_t i = 0; i < m->nr; i++) {
		uint64_t s = m->r[i].start, e = m->r[i].end;

		if (m->r[i].type != KL_RAM || (s == 0 && e == 0))
			continue;
		if (n && s <= ret[n - 1].end)
			return ec_set_err(err, -EINVAL, "System RAM [0x%llx, 0x%llx] overlaps or precedes the previous one",
					  (unsigned long long)s, (unsigned long long)e);
		/* i386: lowmem and highmem get separate headers (vaddr differs) */
		if (lowmem_limit && s < lowmem_limit && e >= lowmem_limit) {
			if ((r = add_excluding(m, s, lowmem_limit - 1, 0, ret, max, &n, err)) < 0)
				return r;
			s = lowmem_limit;
		}
		if ((r = add_excluding(m, s, e, 0, ret, max, &n, err)) < 0)
			return r;
	}
	*ret_n = n;
	return 0;
}

void kl_backup_src(const struct kl_sysmem *m, struct ec_range *ret)
{
	for (size_t i = 0; i < m->nr; i++) {
		if (m->r[i].type == KL_RAM && m->r[i].end <= KL_BACKUP_LIMIT) {
			ret->start = m->r[i].start;
			ret->end = m->r[i].end;
			return;
		}
	}
	ret->start = 0;
	ret->end = KL_BACKUP_LIMIT - 1;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int kl_corehdr_make(const struct kl_sysmem *m, const struct kl_corehdr_opts *o,
		    void **ret_buf, size_t *ret_len, int *ret_class, struct ec_err *err)
{
	struct ec_range *ram = calloc(KL_MAX_RANGES * 2, sizeof(*ram));
	struct ec_corehdr_params p = { 0 };
	struct ec_range bk;
	size_t nram = 0, len, padded, first_load;
	void *buf = NULL;
	uint8_t *nb;
	int r, cls = o->elf_class;

	if (!ram)
		return ec_set_err(err, -ENOMEM, "out of memory");
	r = kl_crash_ram(m, o->lowmem_limit, ram, KL_MAX_RANGES * 2, &nram, err);
	if (r < 0)
		goto out;
	if (nram == 0) {
		r = ec_set_err(err, -EINVAL, "no System RAM outside the crash kernel reservation");
		goto out;
	}
	if (cls == 0) {
		/* kexec-tools: x86_64 always ELF64; i386 ELF64 only when the
		 * highest range it read (any type) ends above 4 GiB */
		cls = ELFCLASS32;
		if (o->machine != EM_386 || (m->nr && m->r[m->nr - 1].end > UINT32_MAX))
			cls = ELFCLASS64;
	}
	p.elf_class = cls;
	p.machine = o->machine;
	p.ram = ram;
	p.nr_ram = nram;
	p.note_paddr = m->note_paddr;
	p.note_size = m->note_size;
	p.nr_notes = m->nr_notes;
	p.vmcoreinfo_paddr = m->vmci_paddr;
	p.vmcoreinfo_size = m->vmci_size;
	p.page_offset = 0;   /* p_vaddr is patched below (highmem: -1) */
	if (o->backup_dst) {
		kl_backup_src(m, &bk);
		/* only a RAM range that is exactly the backup source is redirected
		 * (kexec-tools compares start and size) */
		for (size_t i = 0; i < nram; i++)
			if (ram[i].start == bk.start && ram[i].end == bk.end) {
				p.backup_src = bk.start;
				p.backup_size = bk.end - bk.start + 1;
				p.backup_dst = o->backup_dst;
			}
	}
	r = ec_corehdr_build(&p, &buf, &len, err);
	if (r < 0)
		goto out;
	padded = (len + KL_COREHDR_ALIGN - 1) / KL_COREHDR_ALIGN * KL_COREHDR_ALIGN;
	nb = realloc(buf, padded);
	if (!nb) {
		free(buf);
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	memset(nb + len, 0, padded - len);
	/* p_vaddr: page_offset + paddr; highmem has no direct-map address,
	 * -1 there (kexec-tools) */
	first_load = m->nr_notes + (m->vmci_size ? 1 : 0);
	for (size_t i = 0; o->page_offset && i < nram; i++) {
		uint64_t va = o->page_offset + ram[i].start;

		if (o->lowmem_limit && ram[i].end >= o->lowmem_limit)
			va = UINT64_MAX;
		else if (cls == ELFCLASS32 && o->page_offset + ram[i].end > UINT32_MAX) {
			free(nb);
			r = ec_set_err(err, -EINVAL, "RAM [0x%llx, 0x%llx] has no 32-bit virtual address at page offset 0x%llx",
				       (unsigned long long)ram[i].start, (unsigned long long)ram[i].end,
				       (unsigned long long)o->page_offset);
			goto out;
		}
		if (cls == ELFCLASS64)
			put64(nb + 64 + 56 * (first_load + i) + 16, va);
		else
			put32(nb + 52 + 32 * (first_load + i) + 8, (uint32_t)va);
	}
	*ret_buf = nb;
	*ret_len = padded;
	if (ret_class)
		*ret_class = cls;
out:
	free(ram);
	return r;
}
