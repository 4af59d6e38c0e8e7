/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Encrypted dump stream: round trip, tamper, truncation, wrong key, flattened
 * reassembly with the incomplete flag on a cut stream. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "crypt.h"
#include "tap.h"

static char dir[] = "/tmp/crashcap-crypt-XXXXXX";

static char *path(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Deterministic pseudo-random plaintext (xorshift), so failures reproduce. */
static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

static uint8_t *slurp(const char *p, size_t *ret_len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(p, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	if (pread(fd, b, (size_t)st.st_size, 0) != st.st_size) {
		free(b);
		b = NULL;
	}
	close(fd);
	*ret_len = (size_t)st.st_size;
	return b;
}

static int spit(const char *p, const void *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok_ = fd >= 0 && write(fd, b, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok_ ? 0 : -1;
}

/* Encrypt data (sequentially, in uneven pieces) to file out. */
static int encrypt_seq(const uint8_t *pk, const uint8_t *data, size_t n, uint32_t chunk,
		       const char *out)
{
	struct ec_err err = { 0 };
	crypt_writer *w;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), r;
	size_t off = 0, step = 1;

	if (fd < 0)
		return -errno;
	r = crypt_writer_create(pk, fd, 0, chunk, &w, &err);
	if (r < 0)
		goto out;
	while (off < n) {
		size_t take = step < n - off ? step : n - off;

		if ((r = crypt_write(w, data + off, take, &err)) < 0)
			break;
		off += take;
		step = step * 3 + 7;   /* pieces smaller and larger than a chunk */
	}
	if (r == 0)
		r = crypt_finish(w, &err);
	crypt_writer_destroy(w);
out:
	if (r < 0)
		diag("encrypt: %s", err.msg);
	close(fd);
	return r;
}

static int decrypt(const uint8_t *sk, const char *in, const char *out, bool keep_flat,
		   struct crypt_dec_stats *st, struct ec_err *err)
{
	struct crypt_dec_opts o = { .keep_flat = keep_flat };
	int ifd = open(in, O_RDONLY), ofd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600), r;

	memset(err, 0, sizeof(*err));
	r = crypt_decrypt(ifd, sk, ofd, &o, st, err);
	close(ifd);
	close(ofd);
	return r;
}

int main(void)
{
	uint8_t pk[32], sk[32], pk2[32], sk2[32];
	struct crypt_dec_stats st;
	struct ec_err err = { 0 };
	const uint32_t chunk = 4096;
	size_t n = 5 * 4096 + 1234, len, elen;
	uint8_t *data = malloc(n), *got, *enc;
	struct stat sb;
	int r;

	if (!crypt_available()) {
		printf("1..0 # SKIP built without libsodium\n");
		return 77;
	}
	if (!mkdtemp(dir))
		return 1;
	fill(data, n, 42);
	spit(path("plain"), data, n);

	/* keys */
	ok(crypt_keygen(path("k.pub"), path("k.sec"), &err) == 0, "keygen: %s", err.msg);
	ok(stat(path("k.sec"), &sb) == 0 && (sb.st_mode & 0777) == 0600, "secret key file is 0600");
	ok(crypt_keygen(path("k.pub"), path("k.sec"), &err) == -EEXIST,
	   "keygen refuses to overwrite a secret key");
	ok(crypt_key_load(path("k.pub"), pk, &err) == 0, "load public key (base64)");
	ok(crypt_key_load(path("k.sec"), sk, &err) == 0, "load secret key (base64)");
	{
		char hex[65];
		static const char digits[] = "0123456789abcdef";

		for (int i = 0; i < 32; i++) {
			hex[2 * i] = digits[pk[i] >> 4];
			hex[2 * i + 1] = digits[pk[i] & 15];
		}
		hex[64] = '\0';
		char txt[128];
		snprintf(txt, sizeof(txt), "# comment\n\n  %s  \n", hex);
		spit(path("hex.pub"), txt, strlen(txt));
		ok(crypt_key_load(path("hex.pub"), pk2, &err) == 0 && !memcmp(pk, pk2, 32),
		   "hex key with comment and blanks loads to the same key");
		spit(path("bad.pub"), "nonsense\n", 9);
		ok(crypt_key_load(path("bad.pub"), pk2, &err) == -EINVAL, "garbage key rejected: %s",
		   err.msg);
	}
	ok(crypt_keygen(path("k2.pub"), path("k2.sec"), &err) == 0 &&
	   crypt_key_load(path("k2.pub"), pk2, &err) == 0 &&
	   crypt_key_load(path("k2.sec"), sk2, &err) == 0, "second key pair");

	/* round trip, sequential */
	ok(encrypt_seq(pk, data, n, chunk, path("enc")) == 0, "encrypt %zu bytes in %u-byte chunks",
	   n, chunk);
	enc = slurp(path("enc"), &elen);
	ok(enc && elen == CRYPT_HDR_SIZE + 6 * (chunk + (CRYPT_ABYTES + 4)) - (chunk - 1234),
	   "ciphertext size is header + 5 whole chunks + final (%zu)", elen);
	ok(enc && memmem(enc, elen, data, 64) == NULL, "plaintext does not appear in the file");
	r = decrypt(sk, path("enc"), path("dec"), false, &st, &err);
	got = slurp(path("dec"), &len);
	ok(r == 0 && got && len == n && !memcmp(got, data, n),
	   "round trip byte-identical (r=%d%s%s)", r, r ? " " : "", err.msg);
	ok(st.final_seen && st.chunks == 6, "6 chunks, final seen");
	free(got);

	/* empty stream */
	ok(encrypt_seq(pk, data, 0, chunk, path("enc0")) == 0 &&
	   decrypt(sk, path("enc0"), path("dec0"), false, &st, &err) == 0 && st.plain_bytes == 0,
	   "empty stream round trip");

	/* wrong key */
	r = decrypt(sk2, path("enc"), path("decw"), false, &st, &err);
	ok(r == -EKEYREJECTED && strstr(err.msg, "wrong key"), "wrong key rejected: %s", err.msg);

	/* tamper: flip one bit in chunk 2's ciphertext */
	enc[CRYPT_HDR_SIZE + 2 * (chunk + (CRYPT_ABYTES + 4)) + 100] ^= 0x10;
	spit(path("tamp"), enc, elen);
	r = decrypt(sk, path("tamp"), path("dect"), false, &st, &err);
	ok(r == -EBADMSG && st.chunks == 2, "tampered chunk detected at chunk 2: %s", err.msg);
	got = slurp(path("dect"), &len);
	ok(got && len == 2 * chunk && !memcmp(got, data, len), "chunks before it are intact");
	free(got);
	enc[CRYPT_HDR_SIZE + 2 * (chunk + (CRYPT_ABYTES + 4)) + 100] ^= 0x10;

	/* tamper the header's flags (authenticated as additional data) */
	enc[12] ^= 0x1;
	spit(path("tamph"), enc, elen);
	r = decrypt(sk, path("tamph"), path("decth"), false, &st, &err);
	ok(r == -EBADMSG, "tampered header detected: %s", err.msg);
	enc[12] ^= 0x1;

	/* reorder: swap chunks 1 and 2 */
	{
		uint8_t *sw = malloc(elen);
		size_t c1 = CRYPT_HDR_SIZE + (chunk + (CRYPT_ABYTES + 4)), cl = chunk + (CRYPT_ABYTES + 4);

		memcpy(sw, enc, elen);
		memcpy(sw + c1, enc + c1 + cl, cl);
		memcpy(sw + c1 + cl, enc + c1, cl);
		spit(path("swap"), sw, elen);
		r = decrypt(sk, path("swap"), path("decs"), false, &st, &err);
		ok(r == -EBADMSG && st.chunks == 1, "reordered chunks detected: %s", err.msg);
		/* drop a whole chunk */
		memcpy(sw, enc, c1);
		memcpy(sw + c1, enc + c1 + cl, elen - c1 - cl);
		spit(path("drop"), sw, elen - cl);
		r = decrypt(sk, path("drop"), path("decd"), false, &st, &err);
		ok(r == -EBADMSG, "dropped chunk detected: %s", err.msg);
		free(sw);
	}

	/* truncation: at a chunk boundary, and mid-chunk (as ENOSPC leaves it) */
	{
		size_t cut1 = CRYPT_HDR_SIZE + 3 * (chunk + (CRYPT_ABYTES + 4));
		size_t cut2 = cut1 + 1000;

		spit(path("trunc1"), enc, cut1);
		r = decrypt(sk, path("trunc1"), path("dec1"), false, &st, &err);
		got = slurp(path("dec1"), &len);
		ok(r == -ENODATA && strstr(err.msg, "truncated") && got && len == 3 * chunk &&
		   !memcmp(got, data, len), "cut at a chunk boundary: 3 chunks kept, '%s'", err.msg);
		free(got);
		spit(path("trunc2"), enc, cut2);
		r = decrypt(sk, path("trunc2"), path("dec2"), false, &st, &err);
		got = slurp(path("dec2"), &len);
		ok(r == -ENODATA && strstr(err.msg, "truncated") && got && len == 3 * chunk &&
		   !memcmp(got, data, len), "cut mid-chunk: 3 chunks kept, '%s'", err.msg);
		free(got);
		spit(path("trunc3"), enc, elen - 1);
		r = decrypt(sk, path("trunc3"), path("dec3"), false, &st, &err);
		ok(r == -ENODATA && !st.final_seen, "final chunk cut by one byte: truncated");
		spit(path("trunc4"), enc, 50);
		r = decrypt(sk, path("trunc4"), path("dec4"), false, &st, &err);
		ok(r == -ENODATA, "cut inside the header: truncated: %s", err.msg);
		/* trailing garbage */
		uint8_t *tg = malloc(elen + 5);
		memcpy(tg, enc, elen);
		memset(tg + elen, 'x', 5);
		spit(path("trail"), tg, elen + 5);
		r = decrypt(sk, path("trail"), path("dectr"), false, &st, &err);
		ok(r == -EBADMSG, "data after the final chunk rejected: %s", err.msg);
		free(tg);
	}
	free(enc);

	/* not our format */
	spit(path("notenc"), data, 500);
	ok(decrypt(sk, path("notenc"), path("decn"), false, &st, &err) == -EINVAL,
	   "a plain file is rejected: %s", err.msg);

	/* flattened mode: out-of-order records, reassembled; and cut short */
	{
		/* a fake ELF dump: header patched last, as the writers do */
		size_t dn = 3 * 4096;
		uint8_t *dump = malloc(dn);
		crypt_writer *w;
		int fd = open(path("encf"), O_WRONLY | O_CREAT | O_TRUNC, 0600);

		fill(dump, dn, 7);
		memcpy(dump, "\177ELF\2\1\1", 7);
		memset(dump + 48, 0, 4);   /* e_flags */
		memset(&err, 0, sizeof(err));
		r = crypt_writer_create(pk, fd, CRYPT_F_FLATTENED, 1024, &w, &err);
		ok(r == 0, "flattened writer%s%s", r ? ": " : "", err.msg);
		ok(crypt_pwrite(w, dump + 4096, dn - 4096, 4096) == (ssize_t)(dn - 4096) &&
		   crypt_pwrite(w, dump, 4096, 0) == 4096, "records written out of order");
		ok(crypt_finish(w, &err) == 0, "finish");
		crypt_writer_destroy(w);
		close(fd);
		r = decrypt(sk, path("encf"), path("decf"), false, &st, &err);
		got = slurp(path("decf"), &len);
		ok(r == 0 && got && len == dn && !memcmp(got, dump, dn),
		   "flattened stream reassembled byte-identical%s%s", r ? ": " : "", err.msg);
		free(got);
		r = decrypt(sk, path("encf"), path("decff"), true, &st, &err);
		got = slurp(path("decff"), &len);
		ok(r == 0 && got && len == 4096 + 16 + (dn - 4096) + 16 + 4096 + 16 &&
		   !memcmp(got, "makedumpfile", 12), "--flat keeps the flattened stream (%zu bytes)", len);
		free(got);

		/* cut after the data records but before the header record */
		enc = slurp(path("encf"), &elen);
		spit(path("encfc"), enc, CRYPT_HDR_SIZE + 9 * (1024 + (CRYPT_ABYTES + 4)) + 7);
		r = decrypt(sk, path("encfc"), path("decfc"), false, &st, &err);
		got = slurp(path("decfc"), &len);
		ok(r == -ENODATA && st.chunks == 9, "cut flattened stream: truncated after 9 chunks");
		ok(got && len == 9 * 1024 - 16 && !memcmp(got + 4096, dump + 4096, len - 4096),
		   "records before the cut are in place");
		ok(got && !st.marked_incomplete, "no ELF header yet: nothing to mark");
		free(got);
		free(enc);

		/* now header first (as a sequential writer does), cut later */
		fd = open(path("encg"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		crypt_writer_create(pk, fd, CRYPT_F_FLATTENED, 1024, &w, &err);
		crypt_pwrite(w, dump, dn, 0);
		crypt_finish(w, &err);
		crypt_writer_destroy(w);
		close(fd);
		enc = slurp(path("encg"), &elen);
		spit(path("encgc"), enc, CRYPT_HDR_SIZE + 8 * (1024 + (CRYPT_ABYTES + 4)) + 3);
		r = decrypt(sk, path("encgc"), path("decgc"), false, &st, &err);
		got = slurp(path("decgc"), &len);
		ok(r == -ENODATA && st.marked_incomplete && got && (got[48] & 1),
		   "cut ELF stream reassembled with e_flags incomplete bit set");
		free(got);
		free(enc);
		free(dump);
	}

	free(data);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (!getenv("KEEP"))
			(void)!system(cmd);
	}
	return tap_done();
}
