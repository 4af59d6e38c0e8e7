/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fadump (capture/fadump.h): the release_region text parser, and the vmcore
 * ELF header walk + copy of fadump_save() with a sink that discards. */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include "fadump.h"
#include "fuzz.h"

static int sink_write(void *ctx, const void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	return 0;
}

static int sink_sync(void *ctx, struct ec_err *err)
{
	return 0;
}

static int sink_segment(void *ctx, const struct fadump_seg *seg)
{
	return seg->idx & 1;   /* keep every other PT_LOAD */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fadump_sink sink = { .write = sink_write, .sync = sink_sync, .segment = sink_segment };
	struct fadump_range rg[FADUMP_MAX_RANGES];
	struct fadump_info fi;
	struct fadump_stats st;
	struct ec_err err;
	char *text = malloc(size + 1);
	int fd;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)fadump_parse_release_region(text, rg, FADUMP_MAX_RANGES, &err);
	free(text);

	memset(&fi, 0, sizeof(fi));
	fi.iface = FADUMP_LEGACY;   /* no release file: nothing is written anywhere */
	fi.active = true;
	fd = fuzz_memfd(data, size, fi.vmcore, sizeof(fi.vmcore));
	if (fd < 0)
		return 0;
	(void)fadump_save(&fi, &sink, FADUMP_NO_RELEASE, &st, &err);
	close(fd);
	return 0;
}
