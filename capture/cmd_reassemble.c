/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap reassemble (owner: writers): flattened (-F) -> a normal dump
 * file, like `makedumpfile -R OUT < FLAT`.
 *   crashcap reassemble [-f] OUT < FLAT
 *   crashcap reassemble [-f] IN OUT
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "elfcore.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: crashcap reassemble [-f] OUTPUT < FLATTENED\n"
		   "       crashcap reassemble [-f] FLATTENED OUTPUT\n"
		   "  -f  overwrite an existing OUTPUT\n");
}

int cmd_reassemble(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ec_err err = { 0 };
	const char *in = NULL, *outp;
	bool force = false;
	int c, ifd = STDIN_FILENO, ofd, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default:
			fprintf(stderr, "crashcap reassemble: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind == 1) {
		outp = argv[optind];
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, "crashcap reassemble: standard input is a terminal; pipe the flattened dump in\n");
			return EXIT_USAGE;
		}
	} else if (argc - optind == 2) {
		in = argv[optind];
		outp = argv[optind + 1];
	} else {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (in) {
		ifd = open(in, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			fprintf(stderr, "crashcap reassemble: %s: %s\n", in, strerror(errno));
			return EXIT_FAIL;
		}
	}
	ofd = open(outp, O_RDWR | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
	if (ofd < 0) {
		fprintf(stderr, "crashcap reassemble: %s: %s%s\n", outp, strerror(errno),
			errno == EEXIST ? " (use -f to overwrite)" : "");
		if (in)
			close(ifd);
		return EXIT_FAIL;
	}
	r = ec_flat_reassemble(ifd, ofd, &err);
	if (close(ofd) < 0 && r == 0)
		r = ec_set_err(&err, -errno, "%s: %s", outp, strerror(errno));
	if (in)
		close(ifd);
	if (r < 0) {
		fprintf(stderr, "crashcap reassemble: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
