/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap dmesg (owner: filter): the kernel log from a dump, byte for byte
 * as `makedumpfile --dump-dmesg` (Debian's 1.7.2 by default; --caller-id adds
 * the "[    T123] " field of makedumpfile >= 1.7.5).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fdio.h"
#include "commands.h"
#include "filter.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: crashcap dmesg [-o FILE] [--caller-id] DUMP\n"
		"  -o, --output FILE  write the log to FILE (default: standard output)\n"
		"      --caller-id    add the caller field like makedumpfile >= 1.7.5\n");
}

int cmd_dmesg(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "caller-id", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outpath = NULL;
	unsigned flags = 0;
	int c;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outpath = optarg; break;
		case 'C': flags |= FL_DMESG_CALLER_ID; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	km *m = NULL;
	int fd = STDOUT_FILENO, rc = EXIT_FAIL;

	/* a truncated dump (disk full during capture) still has its log when the
	 * printk buffer landed before the cut: missing bytes read as -ENODATA */
	if (ec_open(argv[optind], EC_OPEN_TRUNCATED_OK, &d, &err) < 0 ||
	    km_create(d, &m, &err) < 0) {
		fprintf(stderr, "crashcap dmesg: %s\n", err.msg);
		goto out;
	}
	if (outpath) {
		fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "crashcap dmesg: %s: %s\n", outpath, strerror(errno));
			goto out;
		}
	}
	struct fl_out out = { cap_fd_write, &fd };
	if (fl_dump_dmesg_ex(m, &out, flags, &err) < 0) {
		fprintf(stderr, "crashcap dmesg: %s\n", err.msg);
		goto out;
	}
	if (outpath && fsync(fd) < 0 && errno != EINVAL) {
		fprintf(stderr, "crashcap dmesg: %s: %s\n", outpath, strerror(errno));
		goto out;
	}
	rc = EXIT_OK;
out:
	if (outpath && fd >= 0 && close(fd) < 0 && rc == EXIT_OK) {
		fprintf(stderr, "crashcap dmesg: %s: %s\n", outpath, strerror(errno));
		rc = EXIT_FAIL;
	}
	km_destroy(m);
	ec_close(d);
	return rc;
}
