/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mkcore SPEC OUT: build a synthetic crash dump from a text spec (spec.h). */
#include <stdio.h>
#include <stdlib.h>
#include "spec.h"

int main(int argc, char **argv)
{
	struct spec s;
	char msg[512];
	uint8_t *buf;
	size_t len;
	uint64_t offs[SPEC_OFFS];
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: mkcore SPEC OUT\n");
		return 2;
	}
	if (spec_parse(argv[1], &s, msg, sizeof(msg)) < 0 ||
	    spec_build(&s, &buf, &len, offs, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "mkcore: %s\n", msg);
		return 1;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(argv[2]);
		return 1;
	}
	free(buf);
	spec_free(&s);
	return 0;
}
