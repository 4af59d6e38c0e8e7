/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap info DUMP [--json] (owner: elfcore): describe a dump. */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "commands.h"
#include "elfcore.h"

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390x";
	case EM_RISCV: return "riscv64";
	default: return "unknown";
	}
}

static const char *format_name(enum ec_format f)
{
	switch (f) {
	case EC_FMT_ELF: return "elf";
	case EC_FMT_KDUMP: return "kdump-compressed";
	case EC_FMT_FLAT: return "flattened";
	case EC_FMT_OLDMEM: return "oldmem";
	}
	return "unknown";
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "unknown");
}

static int cmp_paddr(const void *a, const void *b)
{
	const struct ec_load *x = a, *y = b;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* Physical bytes covered by the ranges, counting overlaps (the kernel text
 * segment inside its RAM segment) once. */
static uint64_t covered_bytes(const struct ec_load *l, size_t n)
{
	struct ec_load *s = malloc((n ? n : 1) * sizeof(*s));
	uint64_t total = 0, end = 0;

	if (!s)
		return 0;
	memcpy(s, l, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_paddr);
	for (size_t i = 0; i < n; i++) {
		uint64_t a = s[i].paddr, b = s[i].paddr + s[i].memsz;
		if (a < end)
			a = end;
		if (b > a)
			total += b - a;
		if (b > end)
			end = b;
	}
	free(s);
	return total;
}

static void print_json(ec_dump *d)
{
	size_t nl, nc = ec_nr_cpus(d);
	const struct ec_load *l = ec_loads(d, &nl);
	const char *rel = ec_release(d);
	int64_t ct = ec_crash_time(d);
	struct ec_kdump_info ki;
	char tbuf[64];

	utc(ct, tbuf, sizeof(tbuf));
	printf("{\n  \"file\": ");
	json_str(ec_path(d));
	printf(",\n  \"format\": \"%s\",\n  \"flattened\": %s,\n", format_name(ec_inner_format(d)),
	       ec_format(d) == EC_FMT_FLAT ? "true" : "false");
	printf("  \"class\": %d,\n  \"machine\": \"%s\",\n  \"e_machine\": %u,\n",
	       ec_elf_class(d) == 1 ? 32 : 64, machine_name(ec_machine(d)), ec_machine(d));
	printf("  \"release\": ");
	if (rel)
		json_str(rel);
	else
		printf("null");
	printf(",\n  \"page_size\": %u,\n  \"cpus\": %zu,\n  \"pids\": [", ec_page_size(d), nc);
	for (size_t i = 0; i < nc; i++)
		printf("%s%d", i ? ", " : "", ec_prstatus(d, i)->pid);
	printf("],\n  \"crash_time\": %" PRId64 ",\n  \"crash_time_utc\": ", ct);
	json_str(tbuf);
	printf(",\n  \"ranges\": [");
	for (size_t i = 0; i < nl; i++)
		printf("%s\n    {\"paddr\": %" PRIu64 ", \"vaddr\": %" PRIu64 ", \"offset\": %" PRIu64
		       ", \"filesz\": %" PRIu64 ", \"memsz\": %" PRIu64 "}",
		       i ? "," : "", l[i].paddr, l[i].vaddr, l[i].offset, l[i].filesz, l[i].memsz);
	printf("%s],\n", nl ? "\n  " : "");
	printf("  \"memory_bytes\": %" PRIu64 ",\n", covered_bytes(l, nl));
	printf("  \"max_pfn\": %" PRIu64 ",\n  \"pages_present\": %" PRIu64 ",\n",
	       ec_max_pfn(d), ec_pages_present(d));
	printf("  \"vmcoreinfo\": %s,\n", ec_vmcoreinfo_of(d) ? "true" : "false");
	if (ec_kdump_info(d, &ki) == 0) {
		printf("  \"kdump\": {\"header_version\": %d, \"status\": %u, \"block_size\": %u, "
		       "\"max_mapnr\": %" PRIu64 ", \"nr_cpus\": %d, \"dump_level\": %d, \"layout32\": %s, \"nodename\": ",
		       ki.header_version, ki.status, ki.block_size, ki.max_mapnr, ki.nr_cpus,
		       ki.dump_level, ki.layout32 ? "true" : "false");
		json_str(ki.nodename);
		printf("},\n");
	}
	printf("  \"truncated\": %s,\n  \"incomplete\": %s\n}\n",
	       ec_truncated(d) ? "true" : "false", ec_incomplete(d) ? "true" : "false");
}

static void print_human(ec_dump *d)
{
	size_t nl, nc = ec_nr_cpus(d);
	const struct ec_load *l = ec_loads(d, &nl);
	const char *rel = ec_release(d);
	int64_t ct = ec_crash_time(d);
	struct ec_kdump_info ki;
	uint64_t mem = 0;
	char tbuf[64];

	utc(ct, tbuf, sizeof(tbuf));
	printf("file:          %s\n", ec_path(d));
	printf("format:        %s%s", ec_format(d) == EC_FMT_FLAT ? "flattened " : "",
	       format_name(ec_inner_format(d)));
	if (ec_kdump_info(d, &ki) == 0)
		printf(" (header version %d, dump level %d, status 0x%x)", ki.header_version,
		       ki.dump_level, ki.status);
	printf("\nclass:         ELF%d\n", ec_elf_class(d) == 1 ? 32 : 64);
	printf("machine:       %s (%u)\n", machine_name(ec_machine(d)), ec_machine(d));
	printf("kernel:        %s\n", rel ? rel : "unknown");
	printf("page size:     %u\n", ec_page_size(d));
	printf("CPUs:          %zu", nc);
	if (nc) {
		printf(" (pids");
		for (size_t i = 0; i < nc; i++)
			printf(" %d", ec_prstatus(d, i)->pid);
		printf(")");
	}
	printf("\ncrash time:    %s\n", tbuf);
	mem = covered_bytes(l, nl);
	printf("memory ranges: %zu (%" PRIu64 " MiB of physical memory)\n", nl, mem >> 20);
	for (size_t i = 0; i < nl && i < 64; i++)
		printf("  %#018" PRIx64 "-%#018" PRIx64 "  %10" PRIu64 " KiB  %s\n", l[i].paddr,
		       l[i].paddr + l[i].memsz - 1, l[i].memsz >> 10,
		       l[i].filesz < l[i].memsz ? "partly excluded" : "");
	if (nl > 64)
		printf("  ... %zu more\n", nl - 64);
	printf("pages present: %" PRIu64 " (max pfn %" PRIu64 ")\n", ec_pages_present(d), ec_max_pfn(d));
	printf("incomplete:    %s%s\n", ec_incomplete(d) ? "yes" : "no",
	       ec_truncated(d) ? " (file is truncated)" : "");
}

int cmd_info(int argc, char **argv)
{
	const char *path = NULL;
	bool json = false;
	struct ec_err err = { 0 };
	ec_dump *d;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: crashcap info DUMP [--json]\n"
			       "Describe a dump: format, class, machine, kernel release, page size,\n"
			       "CPUs, crash time, memory ranges, pages present, incomplete flag.\n");
			return EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "crashcap info: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		} else if (!path)
			path = argv[i];
		else {
			fprintf(stderr, "crashcap info: more than one DUMP given\n");
			return EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: crashcap info DUMP [--json]\n");
		return EXIT_USAGE;
	}
	r = ec_open(path, 0, &d, &err);
	if (r < 0) {
		/* a truncated ELF is still worth describing */
		struct ec_err err2 = { 0 };
		if (ec_open(path, EC_OPEN_TRUNCATED_OK, &d, &err2) < 0) {
			fprintf(stderr, "crashcap info: %s\n", err.msg);
			return EXIT_FAIL;
		}
		fprintf(stderr, "crashcap info: warning: %s\n", err.msg);
	}
	if (json)
		print_json(d);
	else
		print_human(d);
	/* an incomplete dump is described, not an error: the flag is in the output */
	ec_close(d);
	return EXIT_OK;
}
