/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libelfcore: read crash dumps (ELF32/ELF64 vmcore, /proc/vmcore, /dev/oldmem +
 * elfcorehdr, and — through one more format file — kdump-compressed), parse their
 * notes and VMCOREINFO, and write ELF cores in a streaming fashion.
 *
 * Conventions (see shared/style.md): no global state; functions return 0 or a
 * negative errno; on failure they fill the caller's struct ec_err with a message
 * naming the file and the offset. Output parameters are named ret_* and written
 * only on success.
 */
#ifndef CRASHCAP_ELFCORE_H
#define CRASHCAP_ELFCORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

/* Threads: an ec_dump keeps read caches (mmap window, page descriptors, the
 * last decompressed page); use one ec_dump from one thread at a time, or open
 * the dump once per thread. */

/* Error object: a human-readable message with file and offset context. */
struct ec_err {
	int code;          /* negative errno of the failure, 0 if none */
	char msg[512];
};

/* Fill err (if non-NULL) with a printf-style message; returns code (negative). */
int ec_set_err(struct ec_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum ec_format {
	EC_FMT_ELF = 1,      /* ELF core: /proc/vmcore, cp'd vmcore, makedumpfile -E */
	EC_FMT_KDUMP,        /* kdump-compressed (makedumpfile -c/-l/-p/-z) */
	EC_FMT_FLAT,         /* flattened (-F): readers reassemble first */
	EC_FMT_OLDMEM,       /* /dev/oldmem + elfcorehdr blob */
};

/* One memory segment (PT_LOAD) as seen in the dump. */
struct ec_load {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t offset;     /* file offset of the data (ELF); 0 for other formats */
	uint64_t filesz;     /* bytes present in the file */
	uint64_t memsz;      /* bytes of memory covered; [filesz, memsz) is excluded */
	uint32_t flags;      /* p_flags */
};

/* Per-CPU NT_PRSTATUS, x86_64 user_regs_struct order (r15 ... gs). */
struct ec_prstatus {
	int32_t pid;
	unsigned nregs;      /* 27 on x86_64, 17 on i386 */
	uint64_t regs[32];
};

typedef struct ec_dump ec_dump;
typedef struct ec_vmcoreinfo ec_vmcoreinfo;

/* Open flags. */
#define EC_OPEN_NO_MMAP   0x1   /* force pread (for /proc/vmcore where mmap fails) */
#define EC_OPEN_MMAP      0x2   /* force mmap windows also on regular files (default:
				   mmap only on procfs, i.e. /proc/vmcore). Faster for
				   page-sized reads, slower for large ones; a file cut
				   short while mapped raises SIGBUS, so it is opt-in. */
#define EC_OPEN_TRUNCATED_OK 0x4 /* accept an ELF whose data runs past EOF without
				   the incomplete flag; missing bytes read as -ENODATA */

/* Open any supported dump by probing its content: ELF32/ELF64 (LSB), kdump-
 * compressed (KDUMP/DISKDUMP, 64- or 32-bit header layout, split files) and
 * flattened files (read in place through their record map; ec_format() then
 * says EC_FMT_FLAT and ec_inner_format() what is inside). Errors name the
 * file and the offset; -EBADMSG for corrupt/truncated input. */
int ec_open(const char *path, unsigned flags, ec_dump **ret, struct ec_err *err);
/* Open the same ELF dump again (same path and flags) so that another thread
 * can read it concurrently through its own caches; -EOPNOTSUPP for other
 * formats. */
int ec_reopen(ec_dump *d, ec_dump **ret, struct ec_err *err);
/* Open from /dev/oldmem (or any raw physical-memory file) described by an
 * elfcorehdr blob (the ELF header the first kernel left for us). When the
 * blob's first PT_LOAD points at a backup region (i386 low 640 KiB), reads of
 * the original range are served from the backup. */
int ec_open_oldmem(const char *oldmem_path, const void *hdr, size_t hdr_len,
		   unsigned flags, ec_dump **ret, struct ec_err *err);
void ec_close(ec_dump *d);

enum ec_format ec_format(const ec_dump *d);
const char *ec_path(const ec_dump *d);
int ec_elf_class(const ec_dump *d);          /* 1 = ELFCLASS32, 2 = ELFCLASS64 */
uint16_t ec_machine(const ec_dump *d);       /* EM_X86_64, EM_386, ... */
uint64_t ec_file_size(const ec_dump *d);
bool ec_incomplete(const ec_dump *d);        /* e_flags & 1 / status & 8 */
uint32_t ec_page_size(const ec_dump *d);     /* PAGESIZE from VMCOREINFO or 4096 */

/* Memory segments (pointer valid until ec_close). */
const struct ec_load *ec_loads(const ec_dump *d, size_t *ret_n);
/* One past the highest pfn covered by any segment. */
uint64_t ec_max_pfn(const ec_dump *d);

/* Read len bytes of physical memory at paddr.
 * Returns 0, -ENODATA if some byte is not present in this dump (hole or
 * excluded page), or another negative errno on I/O error / corruption.
 * On -ENODATA the present bytes are filled in and the absent ones zeroed, and
 * err describes the first absent byte (hole, excluded, lost in an incomplete
 * dump). Contiguous ELF data is read with one pread/memcpy per run. */
int ec_read_phys(ec_dump *d, uint64_t paddr, void *buf, size_t len,
		 struct ec_err *err);
/* Point at len bytes of physical memory at paddr where the dump's file holds
 * them contiguously, without copying (an mmap window whose pages are already
 * resident). The pointer stays valid until the next ec_map_phys() or
 * ec_read_phys() on d. -EOPNOTSUPP whenever that is not possible (not ELF,
 * opened with EC_OPEN_NO_MMAP, a device, flattened, the range leaves its
 * segment, is absent or cannot be read): use ec_read_phys(), which also says
 * why a byte is missing. */
int ec_map_phys(ec_dump *d, uint64_t paddr, size_t len, const void **ret);
/* Is the page with this pfn present (readable) in the dump? */
bool ec_pfn_present(ec_dump *d, uint64_t pfn);

/* Notes. The raw PT_NOTE bytes (as in the file), for writers that copy them. */
const void *ec_notes(const ec_dump *d, size_t *ret_len);
size_t ec_nr_cpus(const ec_dump *d);         /* count of NT_PRSTATUS notes */
const struct ec_prstatus *ec_prstatus(const ec_dump *d, size_t cpu);
/* NULL if the dump has no VMCOREINFO. */
const ec_vmcoreinfo *ec_vmcoreinfo_of(const ec_dump *d);

/* ---- Extensions (elfcore issue 3) ---- */
/* For EC_FMT_FLAT: the format inside (EC_FMT_ELF or EC_FMT_KDUMP); else = ec_format. */
enum ec_format ec_inner_format(const ec_dump *d);
/* Data runs past EOF (opened with EC_OPEN_TRUNCATED_OK or incomplete). */
bool ec_truncated(const ec_dump *d);
/* CRASHTIME from VMCOREINFO, else the kdump header timestamp; -1 if none. */
int64_t ec_crash_time(const ec_dump *d);
/* OSRELEASE from VMCOREINFO, else kdump utsname.release; NULL if none. */
const char *ec_release(const ec_dump *d);
/* Number of whole pages readable from the dump. */
uint64_t ec_pages_present(ec_dump *d);
/* p_align of the (first) source PT_NOTE: 0 (6.1) or 4 (6.12) as found in an ELF
 * dump, so writers can copy it as makedumpfile does; 4 for other formats. */
uint32_t ec_note_align(const ec_dump *d);
/* Offset of the VMCOREINFO note's desc inside ec_notes(); -ENOENT if none. */
int ec_vmcoreinfo_note_offset(const ec_dump *d, size_t *ret_off);

/* kdump-compressed header facts (EC_FMT_KDUMP / flattened kdump); -EINVAL otherwise. */
struct ec_kdump_info {
	int header_version;
	uint32_t status;         /* DUMP_DH_* flags */
	uint32_t block_size;
	uint64_t max_mapnr;
	int32_t nr_cpus;         /* header field */
	int dump_level;          /* sub header */
	uint64_t phys_base;
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
	int64_t tv_sec;
	bool layout32;           /* 32-bit header layout (i386 writer) */
};
int ec_kdump_info(const ec_dump *d, struct ec_kdump_info *ret);

/* NT_PRPSINFO (process info; /proc/vmcore has none, user cores do). */
struct ec_prpsinfo {
	int32_t pid;
	char fname[17];          /* pr_fname, NUL-terminated */
	char psargs[81];         /* pr_psargs */
};
/* NULL if the dump has no NT_PRPSINFO note (the first one counts). */
const struct ec_prpsinfo *ec_prpsinfo(const ec_dump *d);

/* Flattened format (-F): copy the records of in_fd (a file or pipe, read
 * sequentially) to their offsets in out_fd (seekable), which is extended to
 * the end of the last record. Requires the end marker. */
/* Read until len bytes or end of file (retrying EINTR and short reads);
 * returns the bytes read (< len only at EOF) or a negative errno. */
ssize_t ec_read_full(int fd, void *buf, size_t len);
int ec_flat_reassemble(int in_fd, int out_fd, struct ec_err *err);

/* ---- VMCOREINFO ---- */
/* Parse VMCOREINFO text (not NUL-terminated). Rejects > 1 MiB, lines > 4 KiB,
 * binary garbage; err names the line. */
int ec_vmci_parse(const char *text, size_t len, ec_vmcoreinfo **ret,
		  struct ec_err *err);
void ec_vmci_free(ec_vmcoreinfo *vi);
/* Raw text and its offset inside the notes (for kdump sub header). */
const char *ec_vmci_text(const ec_vmcoreinfo *vi, size_t *ret_len);
/* Exact key lookup ("OSRELEASE", "SYMBOL(init_top_pgt)"); NULL if absent. */
const char *ec_vmci_get(const ec_vmcoreinfo *vi, const char *key);
/* Typed lookups: 0 on success, -ENOENT if absent, -EINVAL if malformed. */
int ec_vmci_symbol(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret);   /* SYMBOL(name), hex */
int ec_vmci_size(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret);     /* SIZE(name) */
int ec_vmci_offset(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret);   /* OFFSET(s.f) */
int ec_vmci_length(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret);   /* LENGTH(name) */
int ec_vmci_number(const ec_vmcoreinfo *vi, const char *name, int64_t *ret);    /* NUMBER(name), signed dec or 0x hex */
int ec_vmci_u64(const ec_vmcoreinfo *vi, const char *key, int base, uint64_t *ret); /* any key */

/* ---- Streaming ELF core writer ---- */
/* Writes headers first, then segment data strictly in order. The only seek
 * back is ec_writer_set_incomplete(), which patches e_flags (1 = incomplete,
 * makedumpfile's DUMP_ELF_INCOMPLETE). */
typedef struct ec_writer ec_writer;

struct ec_writer_ops {
	/* write len bytes at absolute offset off; returns bytes written (may be
	 * short) or negative errno. Streaming sinks (flattened) receive offsets. */
	ssize_t (*pwrite)(void *ctx, const void *buf, size_t len, uint64_t off);
};

struct ec_writer_params {
	int elf_class;        /* 1 or 2 */
	uint16_t machine;
	const void *notes;    /* PT_NOTE payload, copied verbatim */
	size_t notes_len;
	uint32_t note_align;  /* p_align for PT_NOTE (0 or 4; never 8) */
	const struct ec_load *loads;   /* offsets are assigned by the writer */
	size_t nr_loads;
	bool page_align_data; /* /proc/vmcore-like layout (true) or packed like mdf -E (false) */
};

int ec_writer_create(const struct ec_writer_params *p,
		     const struct ec_writer_ops *ops, void *ctx,
		     ec_writer **ret, struct ec_err *err);
/* Write ELF header + program headers + notes. */
int ec_writer_begin(ec_writer *w, struct ec_err *err);
/* Append data for the current segment (segments are filled in order). */
int ec_writer_data(ec_writer *w, const void *buf, size_t len, struct ec_err *err);
int ec_writer_finish(ec_writer *w, struct ec_err *err);
int ec_writer_mark_incomplete(ec_writer *w, struct ec_err *err);   /* set_incomplete(true) */
/* e_flags = 1 (on) or 0: a writer that cannot seek back to clear it (a
 * stream) should leave it alone until the end. */
int ec_writer_set_incomplete(ec_writer *w, bool on, struct ec_err *err);
uint64_t ec_writer_bytes(const ec_writer *w);
void ec_writer_destroy(ec_writer *w);
/* File offset where a segment's data will be written (after begin). */
uint64_t ec_writer_seg_offset(const ec_writer *w, size_t idx);

/* ---- elfcorehdr builder (loader, legacy path) ---- */
struct ec_range { uint64_t start, end; };  /* [start, end] inclusive, like /proc/iomem */

struct ec_corehdr_params {
	int elf_class;              /* 1 or 2 */
	uint16_t machine;
	const struct ec_range *ram; /* System RAM minus crash kernel */
	size_t nr_ram;
	const uint64_t *note_paddr; /* per-CPU crash_notes physical addresses */
	const uint64_t *note_size;
	size_t nr_notes;
	uint64_t vmcoreinfo_paddr, vmcoreinfo_size;
	uint64_t page_offset;       /* p_vaddr = page_offset + paddr (0: vaddr = 0) */
	/* kernel text segment (x86_64), 0 = none */
	uint64_t text_vaddr, text_paddr, text_size;
	/* i386 low-memory backup: if backup_size, the PT_LOAD covering
	 * [backup_src, backup_src+backup_size) gets p_offset = backup_dst. */
	uint64_t backup_src, backup_dst, backup_size;
};

/* Build into a malloc'd buffer. */
int ec_corehdr_build(const struct ec_corehdr_params *p, void **ret_buf,
		     size_t *ret_len, struct ec_err *err);

#endif
