/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap format (owner: capture): write diskdump signatures on a raw dump
 * partition so the capture may use it (seeds 000/001, formats.md §8). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "diskdump_part.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: crashcap format [--force] DEVICE\n"
		"Write a diskdump signature into every 4096-byte block of DEVICE.\n"
		"Everything on DEVICE is lost. A device holding a dump that savecore has not\n"
		"copied yet is refused unless --force is given.\n");
}

int cmd_format(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ec_err err = { 0 };
	bool force = false;
	enum dp_content content;
	uint64_t blocks;
	int c, fd, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* O_EXCL: a mounted block device (EBUSY) is never formatted. */
	fd = open(argv[optind], O_RDWR | O_CLOEXEC | O_EXCL);
	if (fd < 0) {
		fprintf(stderr, "crashcap format: %s: %s\n", argv[optind], strerror(errno));
		return EXIT_FAIL;
	}
	r = dp_device_blocks(fd, &blocks, &err);
	if (!r)
		r = dp_probe(fd, 0, &content, NULL, NULL, &err);
	if (!r && content == DP_HOLDS_DUMP && !force) {
		fprintf(stderr, "crashcap format: %s holds a dump not saved yet; run "
			"'crashcap savecore %s' first, or use --force\n", argv[optind], argv[optind]);
		close(fd);
		return EXIT_FAIL;
	}
	if (!r)
		r = dp_format_range(fd, 0, blocks, &err);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "crashcap format: %s: %s\n", argv[optind], err.msg);
		return EXIT_FAIL;
	}
	printf("%s: %llu blocks of %u bytes formatted\n", argv[optind],
	       (unsigned long long)blocks, DP_BLOCK);
	return EXIT_OK;
}
