/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libelfcore internals: the I/O layer, the per-format operations table and
 * the ec_dump object shared by all format readers. Not installed.
 */
#ifndef CRASHCAP_ELFCORE_PRIV_H
#define CRASHCAP_ELFCORE_PRIV_H

#include "elfcore.h"

/* Sane limits for values read from files. */
#define EC_MAX_PHNUM        (1u << 22)          /* program headers */
#define EC_MAX_HDR_BYTES    (256ull << 20)      /* ELF header image */
#define EC_MAX_NOTES_BYTES  (64ull << 20)       /* all notes together */
#define EC_MAX_PHYS         (1ull << 52)        /* physical address space */
#define EC_MAX_CPUS         65536
#define EC_MAX_RUNS         (1u << 20)          /* memory ranges of a kdump bitmap */

#define EC_SIZE_UNKNOWN     UINT64_MAX

/* A flattened-format record mapped to the reassembled ("logical") file. */
struct ec_flat_rec {
	uint64_t off;        /* logical offset */
	uint64_t len;
	uint64_t file_off;   /* where the bytes are in the flattened file */
};

/* Byte source: a plain file (pread or mmap windows) or a flattened file
 * seen through its record map. Offsets are logical (reassembled) ones. */
struct ec_io {
	int fd;
	const char *path;    /* borrowed from the dump */
	uint64_t size;       /* logical size, EC_SIZE_UNKNOWN for devices */
	uint64_t phys_size;  /* size of the underlying file */
	bool use_mmap;
	bool no_map;         /* ec__io_map refused once: pread only */
	bool populated;      /* window mapped with MAP_POPULATE (procfs) */
	uint8_t *win;        /* current mmap window */
	uint64_t win_off;
	size_t win_len;
	size_t win_size;
	struct ec_flat_rec *recs; /* sorted, non-overlapping; NULL if not flat */
	size_t nr_recs;
};

int ec__io_open(struct ec_io *io, const char *path, unsigned flags, struct ec_err *err);
/* Read exactly len bytes at off. -ENODATA if [off, off+len) passes the end
 * of a file of known size, -EIO (message set) on a failed or short read. */
int ec__io_pread(struct ec_io *io, void *buf, size_t len, uint64_t off, struct ec_err *err);
/* Point at [off, off+len) through the mmap window, its pages resident
 * (valid until the next read or map on io). -EOPNOTSUPP when the file cannot
 * be mapped (device, flattened, kernel refuses, or a page cannot be read:
 * then pread reports the error properly instead of a SIGBUS). */
int ec__io_map(struct ec_io *io, uint64_t off, size_t len, const void **ret);
void ec__io_close(struct ec_io *io);
/* Parse the flattened records of io (header already verified) into io->recs;
 * io->size becomes the logical size. */
int ec__flat_map(struct ec_io *io, struct ec_err *err);

struct ec_fmt_ops {
	const char *name;
	/* Fill the dump from its header (d->io is open). */
	int (*open)(ec_dump *d, struct ec_err *err);
	/* Read len bytes at paddr that lie within one page. */
	int (*read)(ec_dump *d, uint64_t paddr, void *buf, size_t len, struct ec_err *err);
	/* Bytes from paddr on that the same read could serve at once (>= 1). */
	uint64_t (*span)(ec_dump *d, uint64_t paddr);
	/* Optional: point at len bytes at paddr in the file's mapping (no copy);
	 * 0, or -EOPNOTSUPP whenever read() must be used instead. */
	int (*map)(ec_dump *d, uint64_t paddr, size_t len, const void **ret);
	bool (*pfn_present)(ec_dump *d, uint64_t pfn);
	uint64_t (*pages_present)(ec_dump *d);
	void (*cleanup)(ec_dump *d);
};

extern const struct ec_fmt_ops ec__elf_ops;
extern const struct ec_fmt_ops ec__kdump_ops;

struct ec_dump {
	const struct ec_fmt_ops *ops;
	enum ec_format format;       /* as reported by ec_format() */
	enum ec_format inner;        /* ELF or KDUMP, even when flattened */
	unsigned flags;
	char *path;
	struct ec_io io;
	int elf_class;
	uint16_t machine;
	bool incomplete;
	bool truncated;              /* data ends past EOF (accepted by flag) */
	uint32_t page_size;
	unsigned page_shift;
	struct ec_load *loads;
	size_t nr_loads;
	uint64_t max_pfn;
	uint8_t *notes;
	size_t notes_len;
	struct ec_prstatus *cpus;
	size_t nr_cpus;
	ec_vmcoreinfo *vmci;
	struct ec_prpsinfo psinfo;
	bool has_psinfo;
	uint32_t note_align;         /* first PT_NOTE p_align (ELF), else 4 */
	bool note_align_set;
	size_t vmci_off;             /* offset of VMCOREINFO desc inside notes */
	bool vmci_in_notes;          /* false: read on its own (kdump header v3) */
	int64_t timestamp;           /* kdump header tv_sec, -1 if none */
	char release[65];            /* kdump utsname.release */
	char machine_name[65];       /* kdump utsname.machine */
	const void *oldmem_hdr;      /* elfcorehdr blob (ec_open_oldmem only) */
	size_t oldmem_hdr_len;
	void *fmt;                   /* format private data */
};

/* Parse one note segment (raw bytes, as in the file at file_off) and append
 * it to d->notes; fills cpus and vmci. */
int ec__notes_add(ec_dump *d, const uint8_t *buf, size_t len, uint64_t file_off,
		  struct ec_err *err);
/* Length of a note buffer up to its terminator (n_namesz == 0) or end. */
size_t ec__notes_real_len(const uint8_t *buf, size_t len);
uint16_t ec__machine_from_name(const char *uts_machine);

/* Little-endian accessors (the only byte order supported). */
static inline uint16_t ec_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t ec_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t ec_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)ec_le32(b) | (uint64_t)ec_le32(b + 4) << 32;
}
static inline uint64_t ec_be64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}
static inline void ec_put16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
static inline void ec_put32(void *p, uint32_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> 8 * i);
}
static inline void ec_put64(void *p, uint64_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> 8 * i);
}

/* ELF header and program header encoders shared by writer.c and corehdr.c. */
void ec__put_ehdr(uint8_t *b, int cls, uint16_t machine, size_t nphdr, uint64_t *ret_shoff);
void ec__put_phdr(uint8_t *b, bool is64, uint32_t type, uint32_t flags, uint64_t off,
		  uint64_t vaddr, uint64_t paddr, uint64_t filesz, uint64_t memsz, uint64_t align);

#endif
