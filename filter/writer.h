/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dump writers: kdump-compressed (wr_kdump.c), ELF (wr_elf.c, through the
 * libelfcore streaming writer), both to a seekable file or as a flattened
 * stream (out.c). Compression runs in a worker pool (pool.c) whose results
 * are emitted strictly in submission order, so the output is byte-identical
 * for any thread count.
 *
 * The writers read through a struct wr_source (a table of callbacks plus the
 * facts the headers need), so they can be driven by a real dump (capture/
 * cmd_save.c builds one from ec_dump + km) or by a synthetic one in tests.
 *
 * Errors: negative errno + struct ec_err. Running out of space or losing the
 * target (ENOSPC, EIO, EFBIG, EDQUOT, ENXIO, ENODEV, ESHUTDOWN, a short write),
 * a failed fsync of the output, or a cancel request (opts.cancel, io_error
 * EINTR) is NOT an error: the writer stops, marks the file incomplete, and
 * returns 0 with res->incomplete set.
 */
#ifndef CRASHCAP_WRITER_H
#define CRASHCAP_WRITER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "elfcore.h"
#include "comp.h"

/* ---- output sink (out.c) ---- */
typedef struct wr_out wr_out;

/* A seekable file (pwrite at offsets). fd stays owned by the caller. */
int out_file(int fd, wr_out **ret);
/* A flattened stream (formats.md §3) on fd; the 4096-byte header is written
 * by out_begin(). */
int out_flat(int fd, wr_out **ret);
bool out_is_flat(const wr_out *o);
/* Write len bytes at off. *ret_done = bytes that reached the file (all of
 * them on success). Returns 0 or a negative errno (-ENOSPC etc.). A failed
 * flat stream refuses every later write. */
int out_write(wr_out *o, const void *buf, size_t len, uint64_t off,
	      size_t *ret_done);
/* Make [off, off+len) allocated on disk (file: fallocate or zeros), so later
 * overwrites cannot fail for lack of space. No-op for flat streams. */
int out_reserve(wr_out *o, uint64_t off, uint64_t len);
int out_begin(wr_out *o);
/* Flat: writes the end marker. File: nothing. */
int out_end(wr_out *o);
uint64_t out_bytes(const wr_out *o);     /* bytes written so far (payload) */
/* fsync the output. 0 when the fd cannot be synced (pipe, socket: EINVAL,
 * EROFS); otherwise 0 or the negative errno of fsync. */
int out_sync(wr_out *o);
void out_destroy(wr_out *o);
/* ec_writer adapter: ctx is a wr_out *. */
ssize_t out_ec_pwrite(void *ctx, const void *buf, size_t len, uint64_t off);

/* Is this errno "the disk is full / broken", i.e. stop and mark incomplete? */
bool wr_errno_is_space(int negerr);

/* ---- what the writers read ---- */
struct wr_source {
	uint32_t page_size;
	uint64_t max_mapnr;            /* one past the highest pfn */
	const struct ec_load *loads;   /* PT_LOADs of the source, in file order */
	size_t nr_loads;
	int elf_class;                 /* for the ELF writer: 1 or 2 */
	uint16_t machine;
	const void *notes;             /* PT_NOTE payload, copied verbatim */
	size_t notes_len;
	uint32_t note_align;           /* 0 or 4 */
	char utsname[6][65];           /* sysname ... domainname */
	int64_t crashtime;             /* seconds, from VMCOREINFO CRASHTIME */
	uint64_t phys_base;
	int nr_cpus;
	void *ctx;
	/* Read physical memory (called from the writer's main thread only).
	 * 0, -ENODATA when absent, other negative errno on failure. */
	int (*read)(void *ctx, uint64_t paddr, void *buf, size_t len,
		    struct ec_err *err);
	/* Bit (pfn - start) of `bits` = pfn present and kept at `level`
	 * (zero-page detection excluded). bits holds (end-start+7)/8 bytes. */
	int (*classify)(void *ctx, int level, uint64_t start, uint64_t end,
			uint8_t *bits, struct ec_err *err);
	/* False when classify() cannot tell page classes apart (filter failed):
	 * then there is no kernel-first ordering. */
	bool can_classify;
	/* Optional: an independent read context for one worker thread, so that
	 * pages are read where they are compressed (reader_open NULL or failing:
	 * the writer's thread reads everything through read()). Each context is
	 * used by one thread at a time; reader_read() returns like read(). */
	int (*reader_open)(void *ctx, void **ret_rctx);
	int (*reader_read)(void *rctx, uint64_t paddr, void *buf, size_t len,
			   struct ec_err *err);
	void (*reader_close)(void *rctx);
	/* Optional zero-copy reads, for pages that are compressed: point at len
	 * bytes at paddr (valid until the next call on the same context), or
	 * -EOPNOTSUPP, and the pages are read with read()/reader_read(). map()
	 * is used by the writer's thread, reader_map() by the reader's worker. */
	int (*map)(void *ctx, uint64_t paddr, size_t len, const void **ret);
	int (*reader_map)(void *rctx, uint64_t paddr, size_t len, const void **ret);
	/* Optional, with the readers: classify() through a reader context, so
	 * that workers classify parts of a cycle in parallel. On failure the
	 * writer classifies that range again with classify(). */
	int (*reader_classify)(void *rctx, int level, uint64_t start, uint64_t end,
			       uint8_t *bits, struct ec_err *err);
};

enum wr_format { WR_KDUMP = 1, WR_ELF };

/* Dump level bits that mark a page as "not kernel data" (cache, user, free). */
#define WR_LOW_VALUE_LEVEL 30

struct wr_progress {
	uint64_t done, total;          /* pages */
	uint64_t bytes;                /* bytes written to the output */
};

struct wr_opts {
	enum wr_format format;
	enum comp_method comp;         /* WR_KDUMP only; COMP_NONE = raw pages */
	int comp_level;                /* 0: makedumpfile's level for the method */
	int dump_level;                /* 0..31 */
	unsigned threads;              /* compression workers; 0 or 1 = inline */
	uint64_t cycle_pfns;           /* pfns per bitmap cycle (0: default) */
	uint64_t bitmap_cache_bytes;   /* keep whole bitmaps in memory up to this */
	bool kernel_first;             /* WR_KDUMP: kernel pages' data first */
	bool split;                    /* --split: this file holds [split_start, split_end) */
	uint64_t split_start, split_end;
	void (*progress)(void *ctx, const struct wr_progress *p);
	void *progress_ctx;
	/* When non-NULL and set non-zero (from a signal handler), the writer
	 * stops at the next page batch, flags the file incomplete
	 * (io_error EINTR), syncs it and returns 0. */
	volatile sig_atomic_t *cancel;
};

/* Defaults: kdump, no compression, level 0, 1 thread, 4 MiB-bitmap cycles,
 * 64 MiB bitmap cache, kernel first. */
void wr_opts_init(struct wr_opts *o);

struct wr_result {
	uint64_t pages_kept;           /* pages selected for the dump */
	uint64_t pages_written;        /* of those, pages whose data is in the file */
	uint64_t pages_zero;           /* stored as the shared zero page */
	uint64_t bytes;                /* output size */
	bool incomplete;               /* flagged incomplete (ENOSPC ...) */
	int io_error;                  /* the errno that stopped it, if incomplete */
	uint64_t segments;             /* ELF: PT_LOADs written */
	uint64_t pages_unreadable;     /* source pages that could not be read
					* and were left out (kdump: descriptor
					* zero; ELF: hole in the PT_LOADs) */
	uint64_t unreadable_pfn[8];    /* the first of them */
};

int wr_kdump(const struct wr_source *src, const struct wr_opts *o, wr_out *out,
	     struct wr_result *res, struct ec_err *err);
int wr_elf(const struct wr_source *src, const struct wr_opts *o, wr_out *out,
	   struct wr_result *res, struct ec_err *err);
/* Dispatch on o->format. */
int wr_write(const struct wr_source *src, const struct wr_opts *o, wr_out *out,
	     struct wr_result *res, struct ec_err *err);

/* ---- kdump-compressed layout (shared with verify/tests) ---- */
#define KDUMP_SIGNATURE "KDUMP   "
#define KDUMP_HDR_SIZE 464
#define KDUMP_SUB_SIZE 104
#define KDUMP_DESC_SIZE 24
#define KDUMP_ST_INCOMPLETE 0x8

/* Offsets into the 1st bitmap of pfn ranges; both bitmaps are block-aligned. */
struct wr_kdump_geom {
	uint32_t block;
	uint32_t sub_blocks;           /* S */
	uint64_t bitmap_len;           /* bytes of ONE bitmap (M/2 blocks) */
	uint64_t off_bitmap1, off_bitmap2, off_desc;
};
void wr_kdump_geometry(uint32_t block, size_t notes_len, uint64_t max_mapnr,
		       struct wr_kdump_geom *g);

/* Find the VMCOREINFO note's desc inside a PT_NOTE payload. */
int wr_find_vmcoreinfo(const void *notes, size_t len, size_t *ret_off,
		       size_t *ret_len);

/* ---- bitmap cycles shared by the writers (wr_plan.c) ---- */
struct wr_plan {
	const struct wr_source *src;
	int level;
	bool want_kern;                /* also compute the kernel-page bitmap */
	bool split;
	uint64_t split_start, split_end;
	uint64_t max_mapnr, cycle, nr_cycles;
	uint64_t *rank;                /* kept pages before cycle i; [nr_cycles] = total */
	bool cached, have_ranks;
	uint8_t *cache_keep, *cache_kern;      /* whole bitmaps when cached */
	uint8_t *keep, *kern, *load;   /* current cycle: kept, kernel, in-PT_LOAD */
	uint64_t cur;                  /* cycle held in keep/kern, or UINT64_MAX */
	uint64_t cached_upto;          /* cycles [0, cached_upto) are in the cache */
	struct pool *pool;             /* set by the writer: classify in parallel
					  while no page job is outstanding */
};
int wr_plan_init(struct wr_plan *p, const struct wr_source *src,
		 const struct wr_opts *o, bool want_kern, struct ec_err *err);
/* Load cycle i (its bitmaps in p->keep/p->kern/p->load, bit 0 = pfn start). */
int wr_plan_cycle(struct wr_plan *p, uint64_t i, uint64_t *ret_start,
		  uint64_t *ret_end, struct ec_err *err);
/* Number of set bits in b[0 .. nbits). */
uint64_t wr_popcount(const uint8_t *b, uint64_t nbits);
void wr_plan_fini(struct wr_plan *p);
static inline bool wr_bit(const uint8_t *b, uint64_t i)
{
	return b[i >> 3] & (1u << (i & 7));
}

/* ---- kdump-compressed reader/checker (wr_check.c; verify and tests) ---- */
typedef struct wr_kdr wr_kdr;
struct wr_kdr_info {
	uint32_t status, block, sub_blocks, bitmap_blocks, header_version;
	int dump_level, split, nr_cpus;
	uint64_t max_mapnr, kept, present;     /* kept: 2nd-bitmap bits */
	uint64_t phys_base, off_desc, file_size;
	uint64_t start_pfn, end_pfn;
	int64_t timestamp;
	char utsname[6][65];
	size_t notes_len, vmcoreinfo_len;
	uint64_t off_note, off_vmcoreinfo;
};
/* Read and check headers and bitmaps (fd owned by the caller). */
int wr_kdr_open(int fd, wr_kdr **ret, struct ec_err *err);
void wr_kdr_close(wr_kdr *r);
const struct wr_kdr_info *wr_kdr_info(const wr_kdr *r);
/* Page data of pfn (block bytes). -ENODATA: not in the dump (hole or
 * excluded); -ENOENT: kept but lost (incomplete dump, descriptor zero);
 * -EINVAL: corrupt (err says which page and why). */
int wr_kdr_read(wr_kdr *r, uint64_t pfn, void *buf, struct ec_err *err);
/* Is pfn set in the 1st / 2nd bitmap? */
bool wr_kdr_in_load(const wr_kdr *r, uint64_t pfn);
bool wr_kdr_kept(const wr_kdr *r, uint64_t pfn);
/* Notes as stored (pointer valid until close). */
const void *wr_kdr_notes(const wr_kdr *r, size_t *ret_len);

/* ---- worker pool (pool.c): compress pages, results in order ---- */
struct pool_page {
	uint64_t pfn;
	uint64_t tag;                  /* caller's (descriptor index) */
	uint32_t size;                 /* stored bytes */
	uint32_t flags;                /* method bit or 0 (raw) */
	bool zero;                     /* all-zero page */
	int err;                       /* worker read failed (negative errno): the
					  page holds nothing, skip it */
	const uint8_t *data;           /* stored bytes (into the job's buffers) */
};
struct pool_job {
	uint64_t seq;
	unsigned n;                    /* pages in this job */
	uint8_t *in;                   /* n * page_size raw bytes (filled by caller) */
	uint8_t *out;                  /* n * bound compressed bytes */
	struct pool_page *pages;
	bool need_read;                /* workers read the pages (pool_set_readers) */
	/* a classification job instead of pages (pool_can_classify) */
	bool classify;
	int c_level;
	uint64_t c_start, c_end;
	uint8_t *c_bits;
	int status;                    /* 0 or negative errno from a compressor,
					  or -ENOMEM from a worker read */
	int state;                     /* internal */
};
typedef struct pool pool;
/* threads 0 or 1: jobs are processed inline by pool_submit(); N > 1: N - 1
 * worker threads, and pool_collect() runs queued jobs while it waits. */
int pool_create(unsigned threads, enum comp_method m, int level,
		uint32_t page_size, bool detect_zero, pool **ret);
void pool_destroy(pool *p);
/* Let every worker read its jobs' pages itself (jobs submitted with
 * need_read): opens one reader per worker through src->reader_open; an
 * inline pool reads them in pool_submit() through src->read (and src->map).
 * Returns false (and nothing changes) when a reader cannot be opened. The
 * readers are closed by pool_destroy(). */
bool pool_set_readers(pool *p, const struct wr_source *src);
/* Readers are set and the source can classify through them. */
bool pool_can_classify(const pool *p);
unsigned pool_threads(const pool *p);   /* threads running jobs; 0 = inline */
/* A free job with room for pool_batch() pages (blocks until one is free;
 * NULL only when every job is waiting to be collected: call pool_collect). */
struct pool_job *pool_get(pool *p);
unsigned pool_batch(const pool *p);
void pool_submit(pool *p, struct pool_job *j);
/* The oldest submitted job once it is done (blocking); NULL if none is
 * outstanding. The job stays valid until pool_release(). */
struct pool_job *pool_collect(pool *p);
void pool_release(pool *p, struct pool_job *j);
unsigned pool_pending(const pool *p);

#endif
