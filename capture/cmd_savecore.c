/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap savecore (owner: capture): after the reboot, copy a dump from a raw
 * diskdump partition to /var/crash/<host>-<date>/ and re-format the blocks used. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "commands.h"
#include "cap_run.h"
#include "cap_savecore.h"
#include "cap_util.h"
#include "kdumpconf.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: crashcap savecore [-d DIR] [-c KDUMP.CONF] [--no-format] [DEVICE...]\n"
		"Copy a dump from each raw dump partition (default: the conf's raw targets)\n"
		"to DIR/<host>-<date>/ (default: the conf's path, /var/crash), then\n"
		"re-format the blocks the dump used.\n");
}

static int save_one(const char *dev, const char *dir, bool reformat)
{
	struct ec_err err = { 0 };
	struct cap_saved s;
	int fd, dfd, r;

	fd = open(dev, (reformat ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "crashcap savecore: %s: %s\n", dev, strerror(errno));
		return EXIT_FAIL;
	}
	r = cap_open_dir(AT_FDCWD, dir, true, &dfd, &err);
	if (!r) {
		r = cap_savecore(fd, dfd, reformat, &s, &err);
		close(dfd);
	}
	close(fd);
	if (r < 0) {
		fprintf(stderr, "crashcap savecore: %s: %s\n", dev, err.msg);
		return EXIT_FAIL;
	}
	if (!s.found)
		printf("%s: no dump\n", dev);
	else
		printf("%s: saved %s/%s/%s (%llu bytes)%s\n", dev, dir, s.dir,
		       s.incomplete ? "vmcore-incomplete" : "vmcore",
		       (unsigned long long)s.dump_bytes,
		       reformat ? ", partition re-formatted" : "");
	return EXIT_OK;
}

int cmd_savecore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "conf", required_argument, NULL, 'c' },
		{ "no-format", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = NULL, *conf = SYSCONFDIR "/kdump.conf";
	struct kdump_conf kc;
	struct ec_err err = { 0 };
	bool reformat = true, have_conf = false;
	int c, rc = EXIT_OK, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c': conf = optarg; break;
		case 'n': reformat = false; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!dir || optind == argc) {
		r = kc_parse_file(conf, &kc, &err);
		if (r == -ENOENT)
			r = kc_conf_defaults(&kc);
		if (r < 0) {
			fprintf(stderr, "crashcap savecore: %s\n", err.msg);
			return EXIT_FAIL;
		}
		have_conf = true;
	}
	if (!dir)
		dir = have_conf ? kc.path : "/var/crash";
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			if (save_one(argv[i], dir, reformat) != EXIT_OK)
				rc = EXIT_FAIL;
	} else {
		bool any = false;

		for (size_t i = 0; i < kc.n_targets; i++) {
			if (kc.targets[i].type != KC_T_RAW)
				continue;
			char dev[4096];
			struct ec_err e2 = { 0 };

			any = true;
			/* UUID=, LABEL=, ... through /dev/disk/by-*; udev is up at boot. */
			if (cap_real_ops.wait_device(NULL, kc.targets[i].spec, 10, dev, sizeof(dev), &e2) < 0) {
				fprintf(stderr, "crashcap savecore: %s\n", e2.msg);
				rc = EXIT_FAIL;
				continue;
			}
			if (save_one(dev, dir, reformat) != EXIT_OK)
				rc = EXIT_FAIL;
		}
		if (!any)
			printf("crashcap savecore: no raw target in %s\n", conf);
	}
	if (have_conf)
		kc_conf_free(&kc);
	return rc;
}
