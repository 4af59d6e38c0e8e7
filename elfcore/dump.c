/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ec_dump: open by probing, accessors, and the generic physical-memory view. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include "priv.h"

static const char flat_sig[16] = "makedumpfile";

static int probe_and_open(ec_dump *d, struct ec_err *err)
{
	uint8_t head[16] = { 0 };
	size_t n = sizeof(head);
	int r;

	if (d->io.size != EC_SIZE_UNKNOWN && d->io.size < n)
		n = (size_t)d->io.size;
	r = ec__io_pread(&d->io, head, n, 0, err);
	if (r < 0)
		return r;
	if (!d->io.recs && n == 16 && !memcmp(head, flat_sig, 16)) {
		r = ec__flat_map(&d->io, err);
		if (r < 0)
			return r;
		d->format = EC_FMT_FLAT;
		return probe_and_open(d, err);
	}
	if (n >= 4 && !memcmp(head, ELFMAG, SELFMAG)) {
		d->ops = &ec__elf_ops;
		d->inner = EC_FMT_ELF;
	} else if (n >= 8 && (!memcmp(head, "KDUMP   ", 8) || !memcmp(head, "DISKDUMP", 8))) {
		d->ops = &ec__kdump_ops;
		d->inner = EC_FMT_KDUMP;
	} else {
		return ec_set_err(err, -EPROTONOSUPPORT,
				  "%s: not a crash dump (no ELF, KDUMP, DISKDUMP or makedumpfile signature at offset 0)",
				  d->path);
	}
	if (!d->format)
		d->format = d->inner;
	return d->ops->open(d, err);
}

static int dump_new(const char *path, unsigned flags, ec_dump **ret, struct ec_err *err)
{
	ec_dump *d = calloc(1, sizeof(*d));

	if (!d || !(d->path = strdup(path))) {
		free(d);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	d->flags = flags;
	d->io.fd = -1;
	d->timestamp = -1;
	d->page_size = 4096;
	d->page_shift = 12;
	*ret = d;
	return 0;
}

static void set_page_size(ec_dump *d)
{
	uint64_t ps;

	if (d->inner == EC_FMT_KDUMP)
		return;  /* block_size decides */
	if (d->vmci && ec_vmci_u64(d->vmci, "PAGESIZE", 10, &ps) == 0 &&
	    ps >= 512 && ps <= (1u << 20) && !(ps & (ps - 1))) {
		d->page_size = (uint32_t)ps;
		d->page_shift = (unsigned)__builtin_ctzll(ps);
	}
}

static void compute_max_pfn(ec_dump *d)
{
	uint64_t m = 0;

	for (size_t i = 0; i < d->nr_loads; i++) {
		uint64_t end = d->loads[i].paddr + d->loads[i].memsz;
		uint64_t pfn = (end + d->page_size - 1) >> d->page_shift;
		if (pfn > m)
			m = pfn;
	}
	if (d->inner != EC_FMT_KDUMP || !d->max_pfn)
		d->max_pfn = m;
}

int ec_open(const char *path, unsigned flags, ec_dump **ret, struct ec_err *err)
{
	ec_dump *d;
	int r = dump_new(path, flags, &d, err);

	if (r < 0)
		return r;
	r = ec__io_open(&d->io, d->path, flags, err);
	if (r == 0)
		r = probe_and_open(d, err);
	if (r < 0) {
		ec_close(d);
		return r;
	}
	set_page_size(d);
	compute_max_pfn(d);
	*ret = d;
	return 0;
}

int ec_reopen(ec_dump *d, ec_dump **ret, struct ec_err *err)
{
	/* other formats keep per-dump state (bitmaps, record maps) whose copy
	 * would cost memory in proportion to the dump; oldmem's header blob is
	 * borrowed only while opening */
	if (d->format != EC_FMT_ELF)
		return ec_set_err(err, -EOPNOTSUPP, "%s: only ELF dumps are opened twice",
				  d->path);
	return ec_open(d->path, d->flags, ret, err);
}

int ec_open_oldmem(const char *oldmem_path, const void *hdr, size_t hdr_len,
		   unsigned flags, ec_dump **ret, struct ec_err *err)
{
	ec_dump *d;
	int r = dump_new(oldmem_path, flags, &d, err);

	if (r < 0)
		return r;
	d->format = EC_FMT_OLDMEM;
	d->inner = EC_FMT_ELF;
	d->ops = &ec__elf_ops;
	d->oldmem_hdr = hdr;
	d->oldmem_hdr_len = hdr_len;
	r = ec__io_open(&d->io, d->path, flags | EC_OPEN_NO_MMAP, err);
	if (r == 0)
		r = d->ops->open(d, err);
	d->oldmem_hdr = NULL;           /* borrowed only during open */
	if (r < 0) {
		ec_close(d);
		return r;
	}
	set_page_size(d);
	compute_max_pfn(d);
	*ret = d;
	return 0;
}

void ec_close(ec_dump *d)
{
	if (!d)
		return;
	if (d->ops && d->ops->cleanup)
		d->ops->cleanup(d);
	ec__io_close(&d->io);
	ec_vmci_free(d->vmci);
	free(d->loads);
	free(d->notes);
	free(d->cpus);
	free(d->path);
	free(d);
}

enum ec_format ec_format(const ec_dump *d) { return d->format; }
enum ec_format ec_inner_format(const ec_dump *d) { return d->inner; }
const char *ec_path(const ec_dump *d) { return d->path; }
int ec_elf_class(const ec_dump *d) { return d->elf_class; }
uint16_t ec_machine(const ec_dump *d) { return d->machine; }
uint64_t ec_file_size(const ec_dump *d) { return d->io.phys_size == EC_SIZE_UNKNOWN ? 0 : d->io.phys_size; }
bool ec_incomplete(const ec_dump *d) { return d->incomplete; }
bool ec_truncated(const ec_dump *d) { return d->truncated; }
uint32_t ec_page_size(const ec_dump *d) { return d->page_size; }
uint64_t ec_max_pfn(const ec_dump *d) { return d->max_pfn; }
size_t ec_nr_cpus(const ec_dump *d) { return d->nr_cpus; }
const ec_vmcoreinfo *ec_vmcoreinfo_of(const ec_dump *d) { return d->vmci; }

const struct ec_load *ec_loads(const ec_dump *d, size_t *ret_n)
{
	*ret_n = d->nr_loads;
	return d->loads;
}

const void *ec_notes(const ec_dump *d, size_t *ret_len)
{
	*ret_len = d->notes_len;
	return d->notes;
}

const struct ec_prstatus *ec_prstatus(const ec_dump *d, size_t cpu)
{
	return cpu < d->nr_cpus ? &d->cpus[cpu] : NULL;
}

uint32_t ec_note_align(const ec_dump *d)
{
	return d->note_align_set ? d->note_align : 4;
}

const struct ec_prpsinfo *ec_prpsinfo(const ec_dump *d)
{
	return d->has_psinfo ? &d->psinfo : NULL;
}

int ec_vmcoreinfo_note_offset(const ec_dump *d, size_t *ret_off)
{
	if (!d->vmci || !d->vmci_in_notes)
		return -ENOENT;
	*ret_off = d->vmci_off;
	return 0;
}

int64_t ec_crash_time(const ec_dump *d)
{
	uint64_t t;

	if (d->vmci && ec_vmci_u64(d->vmci, "CRASHTIME", 10, &t) == 0 && t <= INT64_MAX)
		return (int64_t)t;
	return d->timestamp;
}

const char *ec_release(const ec_dump *d)
{
	const char *r = d->vmci ? ec_vmci_get(d->vmci, "OSRELEASE") : NULL;

	if (r)
		return r;
	return d->release[0] ? d->release : NULL;
}

uint64_t ec_pages_present(ec_dump *d)
{
	return d->ops->pages_present(d);
}

bool ec_pfn_present(ec_dump *d, uint64_t pfn)
{
	if (pfn >= d->max_pfn)
		return false;
	return d->ops->pfn_present(d, pfn);
}

int ec_map_phys(ec_dump *d, uint64_t paddr, size_t len, const void **ret)
{
	if (!d->ops->map || (d->flags & EC_OPEN_NO_MMAP) || paddr > UINT64_MAX - len)
		return -EOPNOTSUPP;
	return d->ops->map(d, paddr, len, ret);
}

int ec_read_phys(ec_dump *d, uint64_t paddr, void *buf, size_t len, struct ec_err *err)
{
	uint8_t *p = buf;
	int nodata = 0;
	struct ec_err first = { 0 };

	if (paddr > UINT64_MAX - len)
		return ec_set_err(err, -EINVAL, "%s: read of %zu bytes at physical 0x%llx wraps around",
				  d->path, len, (unsigned long long)paddr);
	while (len) {
		uint64_t span = d->ops->span(d, paddr);   /* >= 1 */
		size_t n = len < span ? len : (size_t)span;
		struct ec_err e;        /* not zeroed whole: this is the per-page hot path */
		int r;

		e.code = 0;
		e.msg[0] = '\0';
		r = d->ops->read(d, paddr, p, n, &e);

		if (r == -ENODATA) {
			memset(p, 0, n);
			if (!nodata)
				first = e;
			nodata = 1;
		} else if (r < 0) {
			if (err)
				*err = e;
			return r;
		}
		p += n;
		paddr += n;
		len -= n;
	}
	if (nodata) {
		if (err)
			*err = first;
		return -ENODATA;
	}
	return 0;
}
