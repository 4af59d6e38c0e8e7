/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF note parsing: NT_PRSTATUS per CPU, NT_PRPSINFO, VMCOREINFO. Name and
 * desc are padded to 4 bytes (also in ELF64 cores; the kernel writes them so).
 * Any other note (Xen, vmcoredd, ...) is skipped after its bounds are checked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include "priv.h"

#define ALIGN4(x) (((x) + 3) & ~(uint64_t)3)

size_t ec__notes_real_len(const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint64_t namesz = ec_le32(buf + off), descsz = ec_le32(buf + off + 4);
		uint64_t sz;
		if (namesz == 0)
			break;
		sz = 12 + ALIGN4(namesz) + ALIGN4(descsz);
		if (sz > len - off)
			break;
		off += (size_t)sz;
	}
	return off;
}

static bool name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t wl = strlen(want);

	/* namesz counts the NUL; tolerate a writer that forgot it */
	if (namesz == wl + 1)
		return !memcmp(name, want, wl) && name[wl] == '\0';
	return namesz == wl && !memcmp(name, want, wl);
}

static void parse_prstatus(ec_dump *d, const uint8_t *desc, uint32_t descsz,
			   struct ec_prstatus *p)
{
	memset(p, 0, sizeof(*p));
	/* Layout by the kernel's word size: 336-byte x86_64 or 144-byte i386
	 * elf_prstatus. An ELF32 header over a 64-bit kernel still has 64-bit notes. */
	if (descsz >= 336 && (d->machine == EM_X86_64 || d->machine == 0)) {
		p->pid = (int32_t)ec_le32(desc + 32);
		p->nregs = 27;
		for (unsigned i = 0; i < 27; i++)
			p->regs[i] = ec_le64(desc + 112 + 8 * i);
	} else if (descsz >= 144 && (d->machine == EM_386 || d->machine == 0)) {
		p->pid = (int32_t)ec_le32(desc + 24);
		p->nregs = 17;
		for (unsigned i = 0; i < 17; i++)
			p->regs[i] = ec_le32(desc + 72 + 4 * i);
	} else if (descsz >= 36) {
		/* unknown machine: pid sits after siginfo, cursig, sigpend, sighold */
		p->pid = (int32_t)ec_le32(desc + (d->elf_class == ELFCLASS32 ? 24 : 32));
	}
}

/* elf_prpsinfo: 136 bytes on x86_64 (pid @24, fname @40, psargs @56),
 * 124 on i386 (16-bit uid/gid: pid @12, fname @28, psargs @44). */
static void parse_prpsinfo(ec_dump *d, const uint8_t *desc, uint32_t descsz)
{
	size_t pid, fname;

	if (descsz >= 136 && d->machine != EM_386) {
		pid = 24;
		fname = 40;
	} else if (descsz >= 124) {
		pid = 12;
		fname = 28;
	} else {
		return;
	}
	d->psinfo.pid = (int32_t)ec_le32(desc + pid);
	memcpy(d->psinfo.fname, desc + fname, 16);
	d->psinfo.fname[16] = '\0';
	memcpy(d->psinfo.psargs, desc + fname + 16, 80);
	d->psinfo.psargs[80] = '\0';
	d->has_psinfo = true;
}

int ec__notes_add(ec_dump *d, const uint8_t *buf, size_t len, uint64_t file_off,
		  struct ec_err *err)
{
	size_t base = d->notes_len, off = 0;
	uint8_t *nn;

	if (len > EC_MAX_NOTES_BYTES || d->notes_len + len > EC_MAX_NOTES_BYTES)
		return ec_set_err(err, -EFBIG, "%s: notes at offset 0x%llx: %zu bytes is more than the %llu allowed",
				  d->path, (unsigned long long)file_off, d->notes_len + len,
				  (unsigned long long)EC_MAX_NOTES_BYTES);
	nn = realloc(d->notes, d->notes_len + len + 1);
	if (!nn)
		return ec_set_err(err, -ENOMEM, "out of memory");
	d->notes = nn;
	memcpy(d->notes + d->notes_len, buf, len);
	d->notes_len += len;

	while (off < len) {
		uint64_t at = file_off + off;
		uint32_t namesz, descsz, type;
		uint64_t name_end, desc_end;
		const uint8_t *name, *desc;

		if (len - off < 12) {
			/* trailing zero padding is fine, anything else is a cut note */
			for (size_t i = off; i < len; i++)
				if (buf[i])
					return ec_set_err(err, -EBADMSG, "%s: note at offset 0x%llx: header cut short by the end of the note segment",
							  d->path, (unsigned long long)at);
			break;
		}
		namesz = ec_le32(buf + off);
		descsz = ec_le32(buf + off + 4);
		type = ec_le32(buf + off + 8);
		if (namesz == 0 && descsz == 0 && type == 0)
			break;                  /* terminator */
		name_end = off + 12 + ALIGN4((uint64_t)namesz);
		if (name_end > len)
			return ec_set_err(err, -EBADMSG, "%s: note at offset 0x%llx: name size %u runs past the note segment end (0x%llx)",
					  d->path, (unsigned long long)at, namesz,
					  (unsigned long long)(file_off + len));
		desc_end = name_end + ALIGN4((uint64_t)descsz);
		if (desc_end > len) {
			/* an unpadded last desc that ends exactly at the segment is fine */
			if (name_end + descsz != len)
				return ec_set_err(err, -EBADMSG, "%s: note at offset 0x%llx: desc size %u runs past the note segment end (0x%llx)",
						  d->path, (unsigned long long)at, descsz,
						  (unsigned long long)(file_off + len));
			desc_end = len;
		}
		name = buf + off + 12;
		desc = buf + name_end;

		if (name_is(name, namesz, "CORE") && type == NT_PRSTATUS) {
			struct ec_prstatus *nc;
			if (d->nr_cpus >= EC_MAX_CPUS)
				return ec_set_err(err, -EBADMSG, "%s: note at offset 0x%llx: more than %u NT_PRSTATUS notes",
						  d->path, (unsigned long long)at, EC_MAX_CPUS);
			nc = realloc(d->cpus, (d->nr_cpus + 1) * sizeof(*nc));
			if (!nc)
				return ec_set_err(err, -ENOMEM, "out of memory");
			d->cpus = nc;
			parse_prstatus(d, desc, descsz, &d->cpus[d->nr_cpus++]);
		} else if (name_is(name, namesz, "VMCOREINFO") && !d->vmci) {
			struct ec_err e2 = { 0 };
			int r = ec_vmci_parse((const char *)desc, descsz, &d->vmci, &e2);
			if (r < 0)
				return ec_set_err(err, r, "%s: VMCOREINFO note at offset 0x%llx: %s",
						  d->path, (unsigned long long)at, e2.msg);
			d->vmci_off = base + (size_t)name_end;
			d->vmci_in_notes = true;
		} else if (name_is(name, namesz, "CORE") && type == NT_PRPSINFO && !d->has_psinfo) {
			parse_prpsinfo(d, desc, descsz);
		}
		/* Xen, vmcoredd and others: bounds checked above, skipped */
		off = (size_t)desc_end;
	}
	return 0;
}

uint16_t ec__machine_from_name(const char *m)
{
	if (!strcmp(m, "x86_64"))
		return EM_X86_64;
	if (!strcmp(m, "i386") || !strcmp(m, "i486") || !strcmp(m, "i586") || !strcmp(m, "i686"))
		return EM_386;
	if (!strcmp(m, "aarch64") || !strcmp(m, "arm64"))
		return EM_AARCH64;
	if (!strncmp(m, "arm", 3))
		return EM_ARM;
	if (!strcmp(m, "s390x") || !strcmp(m, "s390"))
		return EM_S390;
	if (!strcmp(m, "ppc64") || !strcmp(m, "ppc64le"))
		return EM_PPC64;
	if (!strcmp(m, "ppc"))
		return EM_PPC;
	if (!strcmp(m, "riscv64"))
		return EM_RISCV;
	return 0;
}
