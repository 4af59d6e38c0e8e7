/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A raw dump partition in the diskdump style (seeds 000/001, formats.md §8).
 *
 * Formatted ("empty") partition: every 4096-byte block b holds 1024 u32 LE
 * words: "disk", "dump", b, (b+3)*11, then w[n] = (w[n-1]+3)*11, mod 2^32.
 *
 * A partition holding a dump (written by `crashcap capture`):
 *   block 0            struct dp_header, encoded little-endian (below);
 *                      the rest of block 0 is zero
 *   blocks 1 ...       sections, each starting on a block boundary, in the
 *                      order written: DP_SEC_DMESG (vmcore-dmesg.txt), DP_SEC_DUMP
 *                      (the collector's stream, normally the flattened format),
 *                      DP_SEC_LOG (kexec-dmesg.log); the tail of a section's last
 *                      block is zero
 *
 * Header (block 0), all integers little-endian:
 *   0   8  magic "CCDPART1"
 *   8   4  version (1)
 *   12  4  block size (4096)
 *   16  4  state: 1 writing, 2 complete, 3 incomplete (cut short: ENOSPC/EIO)
 *   20  4  dump format: DP_FMT_*
 *   24  8  capture time, seconds since the epoch (UTC)
 *   32  8  partition size in blocks at capture time
 *   40  8  blocks used (header included); re-formatting covers [0, used)
 *   48  64 host name, NUL-padded
 *   112 4  number of sections (<= DP_MAX_SECTIONS)
 *   116 4  crc32 (zlib) of bytes [0, 116) followed by the section table
 *   120 DP_MAX_SECTIONS x 24: {u32 type, u32 flags, u64 start block, u64 bytes}
 *
 * While writing, the header says "writing" with the sections known so far; it is
 * rewritten with the final sizes at the end. savecore treats a "writing"
 * header as a capture that died: the last section runs up to the first block
 * whose signature is still intact.
 *
 * All functions return 0 or a negative errno with err filled; none print.
 */
#ifndef CRASHCAP_DISKDUMP_PART_H
#define CRASHCAP_DISKDUMP_PART_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "elfcore.h"

#define DP_BLOCK        4096u
#define DP_WORDS        (DP_BLOCK / 4)
#define DP_MAGIC        "CCDPART1"
#define DP_VERSION      1
#define DP_MAX_SECTIONS 8
#define DP_HDR_FIXED    120   /* bytes before the section table */

enum dp_state { DP_ST_WRITING = 1, DP_ST_COMPLETE = 2, DP_ST_INCOMPLETE = 3 };
enum dp_format { DP_FMT_FLAT = 1, DP_FMT_ELF = 2, DP_FMT_KDUMP = 3, DP_FMT_RAW = 4 };
enum dp_section { DP_SEC_DMESG = 1, DP_SEC_DUMP = 2, DP_SEC_LOG = 3 };
#define DP_SECF_TRUNCATED 0x1   /* section cut short (no room / write error) */

struct dp_section_ent {
	uint32_t type, flags;
	uint64_t start;   /* block */
	uint64_t bytes;
};

struct dp_header {
	uint32_t version, block_size, state, format;
	int64_t time;
	uint64_t part_blocks, used_blocks;
	char host[65];
	uint32_t n_sections;
	struct dp_section_ent sec[DP_MAX_SECTIONS];
};

/* The signature of block `block` (DP_BLOCK bytes). */
void dp_signature(uint64_t block, uint8_t *out);
/* Does buf (DP_BLOCK bytes) hold exactly block `block`'s signature? */
bool dp_is_signature(uint64_t block, const uint8_t *buf);

/* Encode/decode block 0. Decoding checks magic, version, CRC, counts and that
 * every section lies inside [1, part_blocks); -EBADMSG / -ENOMSG (no magic). */
void dp_header_encode(const struct dp_header *h, uint8_t *out /* DP_BLOCK */);
int dp_header_decode(const uint8_t *buf, struct dp_header *ret, struct ec_err *err);

/* Size of a block device or regular file in whole blocks. */
int dp_device_blocks(int fd, uint64_t *ret_blocks, struct ec_err *err);

/* Write signatures on blocks [first, first + n). */
int dp_format_range(int fd, uint64_t first, uint64_t n, struct ec_err *err);

/* What a partition holds, judged by reading block 0 and sampling. */
enum dp_content {
	DP_EMPTY = 1,   /* formatted, signatures intact where sampled: safe to write */
	DP_HOLDS_DUMP,  /* a crashcap dump not yet saved: do not overwrite */
	DP_FOREIGN,     /* anything else: never write */
};
/* Check every `step`-th block (step >= 1; 0 means only the fixed ones) plus the
 * first 16 and the last block. ret_bad is the first block whose signature
 * failed (DP_FOREIGN only). */
int dp_probe(int fd, uint64_t step, enum dp_content *ret,
	     uint64_t *ret_bad, struct dp_header *ret_hdr, struct ec_err *err);

/* Sequential section writer over a probed-empty partition. */
struct dp_writer {
	int fd;
	struct dp_header hdr;
	uint64_t next_block;      /* first block after the open section's data */
	uint8_t *buf;             /* one block being filled */
	size_t fill;
	bool open, full;
};
int dp_writer_init(struct dp_writer *w, int fd, uint64_t part_blocks,
		   const char *host, int64_t time, enum dp_format fmt,
		   struct ec_err *err);
int dp_writer_begin(struct dp_writer *w, enum dp_section type, struct ec_err *err);
/* Appends to the open section. -ENOSPC when the partition is full: what fit
 * was written and the section is flagged truncated. */
int dp_writer_write(struct dp_writer *w, const void *buf, size_t len, struct ec_err *err);
int dp_writer_end(struct dp_writer *w, struct ec_err *err);
/* Throw away what the open section holds and start it again (the collector
 * failed; an unfiltered copy replaces it), now in format fmt. */
int dp_writer_rewind(struct dp_writer *w, enum dp_format fmt, struct ec_err *err);
/* Close any open section, write the final header (complete unless
 * `incomplete` or a section was truncated), fsync. Frees the buffer. */
int dp_writer_finish(struct dp_writer *w, bool incomplete, struct ec_err *err);
void dp_writer_release(struct dp_writer *w);

/* For a header left in DP_ST_WRITING: extend the last section up to the first
 * block (after its start) that still holds its signature. */
int dp_recover_writing(int fd, struct dp_header *h, struct ec_err *err);

/* Find a section; NULL if absent. */
const struct dp_section_ent *dp_find(const struct dp_header *h, enum dp_section t);

#endif
