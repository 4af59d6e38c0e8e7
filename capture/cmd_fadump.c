/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap fadump (owner: security/legacy): save a firmware-assisted dump in
 * the production kernel and give its memory back as it goes (fadump.h).
 * The dump holds the crashed machine's secrets in clear (seed 003): the
 * directory is 0700, the file 0600, nothing is followed through a symlink,
 * and --encrypt-to streams it through crypt.h instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fdio.h"
#include "commands.h"
#include "crypt.h"
#include "fadump.h"



struct out {
	int fd;
	crypt_writer *cw;
};

static int out_write(void *ctx, const void *buf, size_t len, uint64_t off, struct ec_err *err)
{
	struct out *o = ctx;
	int r;

	if (o->cw) {
		ssize_t n = crypt_pwrite(o->cw, buf, len, off);

		if (n < 0) {
			*err = *crypt_last_error(o->cw);
			return (int)n;
		}
		return 0;
	}
	r = cap_pwrite_all(o->fd, buf, len, off);
	return r < 0 ? ec_set_err(err, r, "writing the dump at offset %llu: %s",
				  (unsigned long long)off, strerror(-r)) : 0;
}

static int out_sync(void *ctx, struct ec_err *err)
{
	struct out *o = ctx;
	int r;

	if (o->cw && (r = crypt_flush(o->cw, err)) < 0)
		return r;
	if (fdatasync(o->fd) < 0)
		return ec_set_err(err, -errno, "syncing the dump: %s", strerror(errno));
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: crashcap fadump [OPTIONS] DIR\n"
		"       crashcap fadump --status\n"
		"Save a firmware-assisted dump (POWER) from /proc/vmcore into DIR/vmcore,\n"
		"releasing each saved region as soon as it is on disk, then invalidate it.\n"
		"  --root DIR        prefix for /sys and /proc (default $CRASHCAP_SYSFS_ROOT or /)\n"
		"  --status          print what the kernel offers; exit 0 if a dump waits\n"
		"  --no-release      copy only: release nothing, keep the dump\n"
		"  --no-invalidate   release saved regions but keep the dump registered\n"
		"  --reregister      after invalidating, arm fadump again for the next crash\n"
		"  --encrypt-to PUB  write DIR/vmcore.enc encrypted to this public key\n"
		"  --chunk-size N    plaintext bytes per encrypted chunk\n");
}

int cmd_fadump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "status", no_argument, NULL, 's' },
		{ "no-release", no_argument, NULL, 'n' },
		{ "no-invalidate", no_argument, NULL, 'N' },
		{ "reregister", no_argument, NULL, 'R' },
		{ "encrypt-to", required_argument, NULL, 'e' },
		{ "chunk-size", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *root = getenv("CRASHCAP_SYSFS_ROOT"), *pub = NULL, *dir;
	struct fadump_sink sink = { .write = out_write, .sync = out_sync };
	struct out o = { .fd = -1 };
	struct fadump_stats st;
	struct fadump_info fi;
	struct ec_err err = { 0 };
	bool status = false;
	unsigned flags = 0;
	uint32_t chunk = 0;
	const char *tmp, *final;
	struct stat sb;
	int c, dfd = -1, r, rc = EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:snNRe:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 's': status = true; break;
		case 'n': flags |= FADUMP_NO_RELEASE; break;
		case 'N': flags |= FADUMP_NO_INVALIDATE; break;
		case 'R': flags |= FADUMP_REREGISTER; break;
		case 'e': pub = optarg; break;
		case 'c': chunk = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (fadump_detect(root, &fi, &err) < 0) {
		fprintf(stderr, "crashcap fadump: %s\n", err.msg);
		return EXIT_FAIL;
	}
	if (status) {
		printf("interface: %s\nenabled: %d\nregistered: %d\ndump waiting: %d\n",
		       fadump_iface_name(fi.iface), fi.enabled, fi.registered, fi.active);
		for (unsigned i = 0; i < fi.nr_dump; i++)
			printf("dump range %u: 0x%llx size 0x%llx\n", i,
			       (unsigned long long)fi.dump[i].addr,
			       (unsigned long long)fi.dump[i].size);
		return fi.active ? EXIT_OK : EXIT_FAIL;
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dir = argv[optind];
	if (!fi.active) {
		fprintf(stderr, "crashcap fadump: no firmware-assisted dump is waiting (%s)\n",
			fadump_iface_name(fi.iface));
		return EXIT_FAIL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "crashcap fadump: %s: %s\n", dir, strerror(errno));
		return EXIT_FAIL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &sb) < 0 || sb.st_uid != geteuid() || fchmod(dfd, 0700) < 0) {
		fprintf(stderr, "crashcap fadump: %s: not a directory of ours (%s)\n", dir,
			errno ? strerror(errno) : "owner");
		goto out;
	}
	tmp = pub ? "vmcore.enc-incomplete" : "vmcore-incomplete";
	final = pub ? "vmcore.enc" : "vmcore";
	o.fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (o.fd < 0) {
		fprintf(stderr, "crashcap fadump: %s/%s: %s\n", dir, tmp, strerror(errno));
		goto out;
	}
	if (pub) {
		uint8_t pk[CRYPT_KEY_BYTES];

		if (crypt_key_load(pub, pk, &err) < 0 ||
		    crypt_writer_create(pk, o.fd, CRYPT_F_FLATTENED, chunk, &o.cw, &err) < 0) {
			fprintf(stderr, "crashcap fadump: %s\n", err.msg);
			goto out;
		}
	}
	sink.ctx = &o;
	r = fadump_save(&fi, &sink, flags, &st, &err);
	if (r == 0 && o.cw && ((r = crypt_finish(o.cw, &err)) == 0) && fdatasync(o.fd) < 0)
		r = ec_set_err(&err, -errno, "sync: %s", strerror(errno));
	if (r < 0) {
		fprintf(stderr, "crashcap fadump: %s\n", err.msg);
		if (st.bytes == 0) {
			/* nothing saved (unreadable vmcore): leave no empty file */
			unlinkat(dfd, tmp, 0);
			goto out;
		}
		fprintf(stderr, "crashcap fadump: kept %s/%s (%llu bytes saved, %u regions released)\n",
			dir, tmp, (unsigned long long)st.bytes, st.releases);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	if (renameat(dfd, tmp, dfd, final) < 0 || fsync(dfd) < 0) {
		fprintf(stderr, "crashcap fadump: %s/%s: %s\n", dir, final, strerror(errno));
		goto out;
	}
	printf("crashcap fadump: %s/%s: %llu bytes, %u segments, %u releases (%llu bytes)%s%s\n",
	       dir, final, (unsigned long long)st.bytes, st.segs, st.releases,
	       (unsigned long long)st.released, st.invalidated ? ", dump invalidated" : "",
	       st.reregistered ? ", fadump registered again" : "");
	rc = EXIT_OK;
out:
	crypt_writer_destroy(o.cw);
	if (o.fd >= 0)
		close(o.fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}
