/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap decrypt (owner: security/legacy): decrypt a dump written with
 * encrypt_to, make a key pair, or encrypt an existing file (for dumps saved
 * in the clear, and for tests). Format and errors: crypt.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "crypt.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: crashcap decrypt --key SECRETKEYFILE [--flat] IN OUT\n"
		"       crashcap decrypt --genkey PUBFILE SECFILE\n"
		"       crashcap decrypt --encrypt PUBFILE [--flat|--flat-input] [--chunk-size N] IN OUT\n"
		"\n"
		"  --key FILE       the recipient's secret key (base64 or hex text)\n"
		"  --flat           decrypt: keep a flattened dump flattened (else it is\n"
		"                   reassembled); encrypt: carry IN as flattened records\n"
		"  --genkey         write a new key pair; put PUBFILE in kdump.conf as\n"
		"                   'encrypt_to PUBFILE', keep SECFILE off the crashing host\n"
		"  --encrypt FILE   encrypt IN to the public key in FILE\n"
		"  --flat-input     encrypt: IN is already flattened (crashcap save -F ...);\n"
		"                   decrypt will reassemble it\n"
		"  --chunk-size N   plaintext bytes per chunk (default %u)\n"
		"IN or OUT may be '-' (stdin/stdout). Exit 3 when the input is truncated:\n"
		"every whole chunk is still written, and a reassembled dump is marked incomplete.\n",
		CRYPT_CHUNK_DEFAULT);
}

static int open_in(const char *path)
{
	if (!strcmp(path, "-"))
		return dup(STDIN_FILENO);
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

static int open_out(const char *path)
{
	if (!strcmp(path, "-"))
		return dup(STDOUT_FILENO);
	/* A decrypted dump holds the crashed machine's secrets: 0600, no symlinks. */
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int do_encrypt(const char *pubfile, bool flat, bool flat_input, uint32_t chunk,
		      const char *in, const char *out)
{
	uint8_t pk[CRYPT_KEY_BYTES];
	struct ec_err err = { 0 };
	crypt_writer *w = NULL;
	static uint8_t buf[1 << 16];
	uint64_t off = 0;
	int ifd = -1, ofd = -1, r, rc = EXIT_FAIL;

	if (crypt_key_load(pubfile, pk, &err) < 0)
		goto fail;
	ifd = open_in(in);
	if (ifd < 0) {
		ec_set_err(&err, -errno, "%s: %s", in, strerror(errno));
		goto fail;
	}
	ofd = open_out(out);
	if (ofd < 0) {
		ec_set_err(&err, -errno, "%s: %s", out, strerror(errno));
		goto fail;
	}
	if (crypt_writer_create(pk, ofd, flat ? CRYPT_F_FLATTENED : flat_input ? CRYPT_F_FLAT_INPUT : 0,
				chunk, &w, &err) < 0)
		goto fail;
	for (;;) {
		ssize_t n = read(ifd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ec_set_err(&err, -errno, "%s: read at %llu: %s", in,
				   (unsigned long long)off, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (flat) {
			ssize_t m = crypt_pwrite(w, buf, (size_t)n, off);

			if (m < 0) {
				err = *crypt_last_error(w);
				goto fail;
			}
		} else if (crypt_write(w, buf, (size_t)n, &err) < 0) {
			goto fail;
		}
		off += (uint64_t)n;
	}
	if (crypt_finish(w, &err) < 0)
		goto fail;
	if (fsync(ofd) < 0 && errno != EINVAL && errno != EROFS) {
		ec_set_err(&err, -errno, "%s: fsync: %s", out, strerror(errno));
		goto fail;
	}
	r = close(ofd);
	ofd = -1;
	if (r < 0) {
		ec_set_err(&err, -errno, "%s: close: %s", out, strerror(errno));
		goto fail;
	}
	rc = EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "crashcap decrypt: %s\n", err.msg);
out:
	crypt_writer_destroy(w);
	if (ifd >= 0)
		close(ifd);
	if (ofd >= 0)
		close(ofd);
	return rc;
}

static int do_decrypt(const char *keyfile, bool flat, const char *in, const char *out)
{
	struct crypt_dec_opts opts = { .keep_flat = flat };
	struct crypt_dec_stats st = { 0 };
	uint8_t sk[CRYPT_KEY_BYTES];
	struct ec_err err = { 0 };
	int ifd = -1, ofd = -1, r;

	r = crypt_key_load(keyfile, sk, &err);
	if (r < 0)
		goto fail;
	ifd = open_in(in);
	if (ifd < 0) {
		r = ec_set_err(&err, -errno, "%s: %s", in, strerror(errno));
		goto fail;
	}
	ofd = open_out(out);
	if (ofd < 0) {
		r = ec_set_err(&err, -errno, "%s: %s", out, strerror(errno));
		goto fail;
	}
	r = crypt_decrypt(ifd, sk, ofd, &opts, &st, &err);
	explicit_bzero(sk, sizeof(sk));
	if (r == 0 || r == -ENODATA) {
		if (fsync(ofd) < 0 && errno != EINVAL && errno != EROFS && r == 0)
			r = ec_set_err(&err, -errno, "%s: fsync: %s", out, strerror(errno));
		if (close(ofd) < 0 && r == 0)
			r = ec_set_err(&err, -errno, "%s: close: %s", out, strerror(errno));
		ofd = -1;
	}
	if (r < 0)
		goto fail;
	close(ifd);
	fprintf(stderr, "crashcap decrypt: %llu bytes in %llu chunks, authenticated\n",
		(unsigned long long)st.plain_bytes, (unsigned long long)st.chunks);
	return EXIT_OK;
fail:
	fprintf(stderr, "crashcap decrypt: %s\n", err.msg);
	if (r == -ENODATA && st.marked_incomplete)
		fprintf(stderr, "crashcap decrypt: %s: kept what was decrypted and marked it incomplete\n",
			out);
	if (ifd >= 0)
		close(ifd);
	if (ofd >= 0)
		close(ofd);
	return r == -ENODATA ? EXIT_INCOMPLETE : EXIT_FAIL;
}

int cmd_decrypt(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "genkey", no_argument, NULL, 'g' },
		{ "encrypt", required_argument, NULL, 'e' },
		{ "flat", no_argument, NULL, 'F' },
		{ "flat-input", no_argument, NULL, 'I' },
		{ "chunk-size", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *key = NULL, *pub = NULL;
	bool genkey = false, flat = false, flat_input = false;
	unsigned long chunk = 0;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:ge:FIc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'g': genkey = true; break;
		case 'e': pub = optarg; break;
		case 'F': flat = true; break;
		case 'I': flat_input = true; break;
		case 'c':
			errno = 0;
			chunk = strtoul(optarg, &end, 0);
			if (errno || *end || chunk < CRYPT_CHUNK_MIN || chunk > CRYPT_CHUNK_MAX) {
				fprintf(stderr, "crashcap decrypt: bad --chunk-size '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (!crypt_available()) {
		fprintf(stderr, "crashcap decrypt: built without libsodium: no encryption support\n");
		return EXIT_FAIL;
	}
	if (argc - optind != 2 || (genkey + !!key + !!pub) != 1 || (flat && flat_input) ||
	    (flat_input && !pub)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (genkey) {
		struct ec_err err = { 0 };

		if (crypt_keygen(argv[optind], argv[optind + 1], &err) < 0) {
			fprintf(stderr, "crashcap decrypt: %s\n", err.msg);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (pub)
		return do_encrypt(pub, flat, flat_input, (uint32_t)chunk, argv[optind],
				  argv[optind + 1]);
	return do_decrypt(key, flat, argv[optind], argv[optind + 1]);
}
