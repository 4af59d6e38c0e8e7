/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic crash dumps from text specs (tests/elfcore/specs/NAME.spec), shared by
 * the mkcore tool and the spec-driven reader test. One directive per line; see
 * tests/elfcore/specs/README for the language.
 */
#ifndef CRASHCAP_TEST_SPEC_H
#define CRASHCAP_TEST_SPEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPEC_MAX 64

/* Memory content of every synthetic dump: a function of the physical address. */
static inline uint8_t spec_pat(uint64_t p)
{
	uint64_t x = (p >> 2) * 0x9E3779B97F4A7C15ull;
	return (uint8_t)((x >> 56) ^ (p & 3) * 0x55 ^ (p >> 12));
}

struct spec_load { uint64_t paddr, memsz, filesz, vaddr; bool has_vaddr; };
struct spec_range { uint64_t pfn, count; };
struct spec_patch { int kind; uint64_t a, b, c; char field[16]; };  /* 0 raw, 1 phdr, 2 ehdr */

struct spec {
	char format[16];         /* elf | kdump */
	int elf_class;
	uint16_t machine;
	bool packed;
	bool incomplete;
	char compress[16];
	int header_version;
	bool flatten;
	uint64_t flat_chunk;
	struct spec_load loads[SPEC_MAX];
	size_t nr_loads;
	int32_t pids[SPEC_MAX];
	size_t nr_pids;
	struct { char name[32]; uint32_t type, size; } notes[SPEC_MAX];
	size_t nr_notes;
	int32_t psinfo_pid;      /* NT_PRPSINFO, if psinfo_name[0] */
	char psinfo_name[16];
	char *vmci;              /* VMCOREINFO text (malloc'd) */
	size_t vmci_len;
	bool has_vmci;
	struct spec_range excluded[SPEC_MAX], zero[SPEC_MAX];
	size_t nr_excluded, nr_zero;
	uint64_t lose;
	uint64_t split_start, split_end;   /* kdump --split part, if split_end */
	int64_t truncate;        /* -1: none */
	struct spec_patch patches[SPEC_MAX];
	size_t nr_patches;
	/* expectations */
	char expect_error[256];
	bool has_expect_error;
	long expect_cpus, expect_pages, expect_incomplete;
	char expect_release[128];
	char expect_vmci[SPEC_MAX][2][128];
	size_t nr_expect_vmci;
	int32_t expect_pid[SPEC_MAX];
	size_t nr_expect_pid;
};

/* Parse; on error return -1 with msg filled ("file:line: ..."). */
int spec_parse(const char *path, struct spec *s, char *msg, size_t msglen);
void spec_free(struct spec *s);
/* Generate the dump bytes (malloc'd). seg_off (SPEC_MAX + 2 entries) receives
 * each ELF load's data offset, [SPEC_MAX] the first lost kdump pfn and
 * [SPEC_MAX + 1] the length before flattening: the model's inputs. */
int spec_build(const struct spec *s, uint8_t **ret, size_t *ret_len, uint64_t *seg_off,
	       char *msg, size_t msglen);
/* Expected byte at physical p: 0..255, or -1 when not present in the dump.
 * plain_len: file length before flattening (for truncation). */
int spec_expect(const struct spec *s, const uint64_t *seg_off, size_t plain_len, uint64_t p);
#define SPEC_OFFS (SPEC_MAX + 2)

#endif
