/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Encrypted dump stream (owner: security/legacy). Format: see crypt.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "crypt.h"
#include "fdio.h"

#if HAVE_SODIUM
#include <sodium.h>

/* ---- little helpers ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The 4096-byte makedumpfile flattened header (formats.md §3). */
#define FLAT_HDR_SIZE 4096
static void flat_header(uint8_t *h)
{
	memset(h, 0, FLAT_HDR_SIZE);
	memcpy(h, "makedumpfile", 12);
	put_be64(h + 16, 1);  /* TYPE_FLAT_HEADER */
	put_be64(h + 24, 1);  /* VERSION_FLAT_HEADER */
}

bool crypt_available(void)
{
	return true;
}

static int sodium_ready(struct ec_err *err)
{
	if (sodium_init() < 0)
		return ec_set_err(err, -EIO, "libsodium failed to initialise");
	return 0;
}

int crypt_public_key(const uint8_t sk[CRYPT_KEY_BYTES], uint8_t ret_pk[CRYPT_KEY_BYTES],
		     struct ec_err *err)
{
	int r = sodium_ready(err);

	if (r < 0)
		return r;
	if (crypto_scalarmult_base(ret_pk, sk) != 0)
		return ec_set_err(err, -EINVAL, "not a usable X25519 secret key");
	return 0;
}

void crypt_key_id(const uint8_t pk[CRYPT_KEY_BYTES], char ret_id[17])
{
	uint8_t h[8];

	crypto_generichash(h, sizeof(h), pk, CRYPT_KEY_BYTES, NULL, 0);
	sodium_bin2hex(ret_id, 17, h, sizeof(h));
}

int crypt_key_load(const char *path, uint8_t ret_key[CRYPT_KEY_BYTES],
		   struct ec_err *err)
{
	char text[4096], tok[256];
	uint8_t key[CRYPT_KEY_BYTES];
	size_t tlen = 0, klen = 0;
	ssize_t n;
	int fd, r;

	if ((r = sodium_ready(err)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	n = ec_read_full(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return ec_set_err(err, (int)n, "%s: %s", path, strerror((int)-n));
	text[n] = '\0';
	/* The first line that is neither empty nor a comment holds the key. */
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t' || *line == '\r')
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		while (*line && *line != ' ' && *line != '\t' && *line != '\r' &&
		       tlen < sizeof(tok) - 1)
			tok[tlen++] = *line++;
		break;
	}
	tok[tlen] = '\0';
	if (tlen == 2 * CRYPT_KEY_BYTES &&
	    sodium_hex2bin(key, sizeof(key), tok, tlen, NULL, &klen, NULL) == 0 &&
	    klen == sizeof(key))
		goto good;
	if (sodium_base642bin(key, sizeof(key), tok, tlen, NULL, &klen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) == 0 && klen == sizeof(key))
		goto good;
	sodium_memzero(text, sizeof(text));
	sodium_memzero(tok, sizeof(tok));
	return ec_set_err(err, -EINVAL,
			  "%s: no key found (expected 64 hex digits or 44 base64 characters)",
			  path);
good:
	memcpy(ret_key, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(text, sizeof(text));
	sodium_memzero(tok, sizeof(tok));
	return 0;
}

static int write_key_file(const char *path, const char *what, const uint8_t *key,
			  mode_t mode, struct ec_err *err)
{
	char b64[sodium_base64_ENCODED_LEN(CRYPT_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	char buf[256];
	int fd, r, len;

	sodium_bin2base64(b64, sizeof(b64), key, CRYPT_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
	len = snprintf(buf, sizeof(buf), "# crashcap %s key (X25519, base64)\n%s\n", what, b64);
	sodium_memzero(b64, sizeof(b64));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		sodium_memzero(buf, sizeof(buf));
		return ec_set_err(err, -errno, "%s: %s", path, strerror(errno));
	}
	/* O_CREAT honours the umask; force the mode we promise. */
	if (fchmod(fd, mode) < 0) {
		r = -errno;
	} else {
		r = cap_write_all(fd, buf, (size_t)len);
		if (r == 0 && fsync(fd) < 0)
			r = -errno;
	}
	sodium_memzero(buf, sizeof(buf));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return ec_set_err(err, r, "%s: %s", path, strerror(-r));
	}
	return 0;
}

int crypt_keygen(const char *pub_path, const char *sec_path, struct ec_err *err)
{
	uint8_t pk[crypto_kx_PUBLICKEYBYTES], sk[crypto_kx_SECRETKEYBYTES];
	int r;

	if ((r = sodium_ready(err)) < 0)
		return r;
	crypto_kx_keypair(pk, sk);
	r = write_key_file(sec_path, "secret", sk, 0600, err);
	sodium_memzero(sk, sizeof(sk));
	if (r < 0)
		return r;
	r = write_key_file(pub_path, "public", pk, 0644, err);
	if (r < 0)
		unlink(sec_path);
	return r;
}

/* ---- writer ---- */

struct crypt_writer {
	int fd;
	unsigned flags;
	uint32_t chunk_size;
	uint8_t hdr[CRYPT_HDR_SIZE];
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t *buf;        /* plaintext being gathered, chunk_size */
	size_t len;
	uint8_t *cbuf;       /* le32 length + ciphertext (chunk_size + ABYTES) */
	uint64_t chunks;
	uint64_t out_bytes;
	int failed;          /* sticky negative errno */
	bool finished;
	struct ec_err last;
};

static int push_chunk(crypt_writer *w, unsigned char tag, struct ec_err *err)
{
	unsigned long long clen = 0;
	int r;

	crypto_secretstream_xchacha20poly1305_push(&w->st, w->cbuf + 4, &clen, w->buf, w->len,
		w->chunks == 0 ? w->hdr : NULL, w->chunks == 0 ? 88 : 0, tag);
	sodium_memzero(w->buf, w->len);
	w->len = 0;
	put_le32(w->cbuf, (uint32_t)clen);
	clen += 4;
	r = cap_write_all(w->fd, w->cbuf, (size_t)clen);
	if (r < 0) {
		w->failed = r;
		return ec_set_err(err, r, "encrypted chunk %llu at offset %llu: %s",
				  (unsigned long long)w->chunks,
				  (unsigned long long)w->out_bytes, strerror(-r));
	}
	w->chunks++;
	w->out_bytes += clen;
	return 0;
}

int crypt_writer_create(const uint8_t recipient_pk[CRYPT_KEY_BYTES], int out_fd,
			unsigned flags, uint32_t chunk_size,
			crypt_writer **ret, struct ec_err *err)
{
	uint8_t eph_pk[crypto_kx_PUBLICKEYBYTES], eph_sk[crypto_kx_SECRETKEYBYTES];
	uint8_t rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
	crypt_writer *w;
	int r;

	if ((r = sodium_ready(err)) < 0)
		return r;
	if (chunk_size == 0)
		chunk_size = CRYPT_CHUNK_DEFAULT;
	if (chunk_size < CRYPT_CHUNK_MIN || chunk_size > CRYPT_CHUNK_MAX)
		return ec_set_err(err, -EINVAL, "chunk size %u out of range %u..%u",
				  chunk_size, CRYPT_CHUNK_MIN, CRYPT_CHUNK_MAX);
	if (flags & ~(CRYPT_F_FLATTENED | CRYPT_F_FLAT_INPUT) ||
	    (flags & CRYPT_F_FLATTENED && flags & CRYPT_F_FLAT_INPUT))
		return ec_set_err(err, -EINVAL, "bad flags 0x%x", flags);
	w = calloc(1, sizeof(*w));
	if (!w)
		return ec_set_err(err, -ENOMEM, "out of memory");
	w->buf = malloc(chunk_size);
	w->cbuf = malloc(4 + (size_t)chunk_size + CRYPT_ABYTES);
	if (!w->buf || !w->cbuf) {
		crypt_writer_destroy(w);
		return ec_set_err(err, -ENOMEM, "out of memory for %u-byte chunks", chunk_size);
	}
	w->fd = out_fd;
	w->flags = flags;
	w->chunk_size = chunk_size;

	crypto_kx_keypair(eph_pk, eph_sk);
	r = crypto_kx_client_session_keys(rx, tx, eph_pk, eph_sk, recipient_pk);
	sodium_memzero(eph_sk, sizeof(eph_sk));
	sodium_memzero(rx, sizeof(rx));
	if (r != 0) {
		crypt_writer_destroy(w);
		return ec_set_err(err, -EINVAL, "recipient public key is not usable (weak point)");
	}
	memcpy(w->hdr, CRYPT_MAGIC, 8);
	put_le32(w->hdr + 8, CRYPT_VERSION);
	put_le32(w->hdr + 12, flags & CRYPT_F_FLAT_INPUT ? CRYPT_F_FLATTENED : flags);
	put_le32(w->hdr + 16, chunk_size);
	put_le32(w->hdr + 20, 0);
	memcpy(w->hdr + 24, eph_pk, 32);
	memcpy(w->hdr + 56, recipient_pk, 32);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, w->hdr + 88, tx);
	sodium_memzero(tx, sizeof(tx));

	r = cap_write_all(out_fd, w->hdr, sizeof(w->hdr));
	if (r < 0) {
		crypt_writer_destroy(w);
		return ec_set_err(err, r, "writing encryption header: %s", strerror(-r));
	}
	w->out_bytes = sizeof(w->hdr);
	if (flags & CRYPT_F_FLATTENED) {
		uint8_t fh[FLAT_HDR_SIZE];

		flat_header(fh);
		r = crypt_write(w, fh, sizeof(fh), err);
		if (r < 0) {
			crypt_writer_destroy(w);
			return r;
		}
	}
	*ret = w;
	return 0;
}

int crypt_write(crypt_writer *w, const void *buf, size_t len, struct ec_err *err)
{
	const uint8_t *p = buf;

	if (w->failed)
		return ec_set_err(err, w->failed, "encrypted stream already failed: %s",
				  strerror(-w->failed));
	if (w->finished)
		return ec_set_err(err, -EINVAL, "encrypted stream already finished");
	while (len) {
		size_t take = w->chunk_size - w->len;
		int r;

		if (take > len)
			take = len;
		memcpy(w->buf + w->len, p, take);
		w->len += take;
		p += take;
		len -= take;
		/* A full chunk goes out only when more data follows, so the FINAL
		 * chunk is never empty unless the whole stream is. Simpler: push
		 * full chunks eagerly and let FINAL be empty when it must be. */
		if (w->len == w->chunk_size &&
		    (r = push_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, err)) < 0)
			return r;
	}
	return 0;
}

ssize_t crypt_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
	crypt_writer *w = ctx;
	uint8_t rec[16];
	int r;

	if (!(w->flags & CRYPT_F_FLATTENED))
		return ec_set_err(&w->last, -EINVAL, "crypt_pwrite on a sequential stream");
	if (len == 0)
		return 0;
	if (len > INT64_MAX || off > INT64_MAX)
		return ec_set_err(&w->last, -EINVAL, "record out of range");
	put_be64(rec, off);
	put_be64(rec + 8, len);
	if ((r = crypt_write(w, rec, sizeof(rec), &w->last)) < 0 ||
	    (r = crypt_write(w, buf, len, &w->last)) < 0)
		return r;
	return (ssize_t)len;
}

int crypt_flush(crypt_writer *w, struct ec_err *err)
{
	if (w->failed)
		return ec_set_err(err, w->failed, "encrypted stream already failed: %s",
				  strerror(-w->failed));
	if (w->finished || w->len == 0)
		return 0;
	return push_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_PUSH, err);
}

int crypt_finish(crypt_writer *w, struct ec_err *err)
{
	int r;

	if (w->failed)
		return ec_set_err(err, w->failed, "encrypted stream already failed: %s",
				  strerror(-w->failed));
	if (w->finished)
		return 0;
	if (w->flags & CRYPT_F_FLATTENED) {
		uint8_t end[16];

		memset(end, 0xff, sizeof(end));
		if ((r = crypt_write(w, end, sizeof(end), err)) < 0)
			return r;
	}
	r = push_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, err);
	if (r < 0)
		return r;
	w->finished = true;
	return 0;
}

uint64_t crypt_bytes_out(const crypt_writer *w)
{
	return w->out_bytes;
}

const struct ec_err *crypt_last_error(const crypt_writer *w)
{
	return &w->last;
}

void crypt_writer_destroy(crypt_writer *w)
{
	if (!w)
		return;
	if (w->buf) {
		sodium_memzero(w->buf, w->chunk_size);
		free(w->buf);
	}
	free(w->cbuf);
	sodium_memzero(&w->st, sizeof(w->st));
	free(w);
}

/* ---- reader ---- */

/* Streaming applier for the flattened plaintext (formats.md §3). */
struct flat_state {
	int fd;
	bool passthrough;
	int stage;           /* 0 header, 1 record header, 2 record data, 3 ended */
	uint8_t acc[FLAT_HDR_SIZE];
	size_t acc_len;
	uint64_t rec_off, rec_left;
	uint64_t max_end;    /* highest byte written + 1 */
};

static int flat_feed(struct flat_state *fs, const uint8_t *p, size_t len,
		     uint64_t plain_pos, struct ec_err *err)
{
	int r;

	if (fs->passthrough) {
		r = cap_write_all(fs->fd, p, len);
		return r < 0 ? ec_set_err(err, r, "writing output: %s", strerror(-r)) : 0;
	}
	while (len) {
		if (fs->stage == 3)
			return ec_set_err(err, -EBADMSG,
					  "flattened stream: data after the end marker at plaintext offset %llu",
					  (unsigned long long)plain_pos);
		if (fs->stage == 2) {
			size_t take = len < fs->rec_left ? len : (size_t)fs->rec_left;

			r = cap_pwrite_all(fs->fd, p, take, fs->rec_off);
			if (r < 0)
				return ec_set_err(err, r, "writing output at %llu: %s",
						  (unsigned long long)fs->rec_off, strerror(-r));
			fs->rec_off += take;
			fs->rec_left -= take;
			if (fs->rec_off > fs->max_end)
				fs->max_end = fs->rec_off;
			p += take;
			len -= take;
			plain_pos += take;
			if (!fs->rec_left)
				fs->stage = 1;
			continue;
		}
		size_t need = (fs->stage == 0 ? FLAT_HDR_SIZE : 16) - fs->acc_len;
		size_t take = len < need ? len : need;

		memcpy(fs->acc + fs->acc_len, p, take);
		fs->acc_len += take;
		p += take;
		len -= take;
		plain_pos += take;
		if (take < need)
			break;
		fs->acc_len = 0;
		if (fs->stage == 0) {
			if (memcmp(fs->acc, "makedumpfile\0\0\0\0", 16) || get_be64(fs->acc + 16) != 1)
				return ec_set_err(err, -EBADMSG,
						  "plaintext is not a flattened dump (bad header)");
			fs->stage = 1;
			continue;
		}
		uint64_t off = get_be64(fs->acc), size = get_be64(fs->acc + 8);

		if (off == UINT64_MAX && size == UINT64_MAX) {
			fs->stage = 3;
			continue;
		}
		if (off > INT64_MAX || size == 0 || size > INT64_MAX || off + size > INT64_MAX)
			return ec_set_err(err, -EBADMSG,
					  "flattened record at plaintext offset %llu: bad offset %llu / size %llu",
					  (unsigned long long)(plain_pos - 16),
					  (unsigned long long)off, (unsigned long long)size);
		fs->rec_off = off;
		fs->rec_left = size;
		fs->stage = 2;
	}
	return 0;
}

/* After a truncated reassembly, set the dump's own incomplete flag so readers
 * treat missing pages as such (ELF e_flags bit 0, kdump status 0x8). */
static bool mark_incomplete(int fd)
{
	uint8_t h[464];
	ssize_t n = pread(fd, h, sizeof(h), 0);

	if (n >= 52 && !memcmp(h, "\177ELF", 4)) {
		size_t at = h[4] == 2 ? 48 : 36;
		bool be = h[5] == 2;
		int i = be ? 3 : 0;

		if ((size_t)n < at + 4)
			return false;
		h[at + i] |= 1;
		return cap_pwrite_all(fd, h + at, 4, at) == 0;
	}
	if (n >= 428 && !memcmp(h, "KDUMP   ", 8)) {
		/* header_version is small: tells the header's byte order. */
		bool be = h[8] == 0 && h[11] != 0;

		h[424 + (be ? 3 : 0)] |= 0x8;
		return cap_pwrite_all(fd, h + 424, 4, 424) == 0;
	}
	return false;
}

int crypt_decrypt(int in_fd, const uint8_t sk[CRYPT_KEY_BYTES], int out_fd,
		  const struct crypt_dec_opts *opts, struct crypt_dec_stats *ret_stats,
		  struct ec_err *err)
{
	uint8_t hdr[CRYPT_HDR_SIZE], pk[32], rx[32], tx[32];
	crypto_secretstream_xchacha20poly1305_state st;
	struct crypt_dec_stats s = { 0 };
	struct flat_state *fs = NULL;
	uint8_t *cbuf = NULL, *pbuf = NULL;
	uint64_t in_off;
	uint32_t version;
	size_t cmax;
	ssize_t n;
	int r;

	if ((r = sodium_ready(err)) < 0)
		return r;
	n = ec_read_full(in_fd, hdr, sizeof(hdr));
	if (n < 0)
		return ec_set_err(err, (int)n, "reading header: %s", strerror((int)-n));
	if (n < 8 || memcmp(hdr, CRYPT_MAGIC, 8))
		return ec_set_err(err, -EINVAL, "not an encrypted crashcap dump (no %s magic)",
				  CRYPT_MAGIC);
	if (n < (ssize_t)sizeof(hdr))
		return ec_set_err(err, -ENODATA, "truncated: file ends inside the %d-byte header",
				  CRYPT_HDR_SIZE);
	version = get_le32(hdr + 8);
	s.flags = get_le32(hdr + 12);
	s.chunk_size = get_le32(hdr + 16);
	if (version != CRYPT_VERSION)
		return ec_set_err(err, -ENOTSUP, "encrypted dump version %u, this crashcap reads %u",
				  version, CRYPT_VERSION);
	if ((s.flags & ~CRYPT_F_FLATTENED) || s.chunk_size < CRYPT_CHUNK_MIN ||
	    s.chunk_size > CRYPT_CHUNK_MAX)
		return ec_set_err(err, -EBADMSG, "header: bad flags 0x%x or chunk size %u",
				  s.flags, s.chunk_size);
	crypto_scalarmult_base(pk, sk);
	if (sodium_memcmp(pk, hdr + 56, 32) != 0) {
		char want[17], have[17];

		crypt_key_id(hdr + 56, want);
		crypt_key_id(pk, have);
		if (ret_stats)
			*ret_stats = s;
		return ec_set_err(err, -EKEYREJECTED,
				  "wrong key: dump is encrypted to key %s, this secret key is %s",
				  want, have);
	}
	if (crypto_kx_server_session_keys(rx, tx, pk, sk, hdr + 24) != 0)
		return ec_set_err(err, -EBADMSG, "header: unusable ephemeral key");
	sodium_memzero(tx, sizeof(tx));
	r = crypto_secretstream_xchacha20poly1305_init_pull(&st, hdr + 88, rx);
	sodium_memzero(rx, sizeof(rx));
	if (r != 0)
		return ec_set_err(err, -EBADMSG, "header: bad stream header");

	cmax = (size_t)s.chunk_size + CRYPT_ABYTES;
	cbuf = malloc(cmax);
	pbuf = malloc(s.chunk_size);
	fs = calloc(1, sizeof(*fs));
	if (!cbuf || !pbuf || !fs) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	fs->fd = out_fd;
	fs->passthrough = !(s.flags & CRYPT_F_FLATTENED) || (opts && opts->keep_flat) ||
			  lseek(out_fd, 0, SEEK_CUR) < 0;
	in_off = sizeof(hdr);
	for (;;) {
		unsigned long long plen = 0;
		unsigned char tag = 0;

		uint8_t lenb[4];
		uint32_t clen;

		n = ec_read_full(in_fd, lenb, 4);
		if (n < 0) {
			r = ec_set_err(err, (int)n, "reading at offset %llu: %s",
				       (unsigned long long)in_off, strerror((int)-n));
			goto out;
		}
		if (n < 4) {
			r = ec_set_err(err, -ENODATA,
				       "truncated: file ends at offset %llu before the final chunk; "
				       "%llu whole chunks (%llu bytes) decrypted",
				       (unsigned long long)(in_off + (uint64_t)n),
				       (unsigned long long)s.chunks,
				       (unsigned long long)s.plain_bytes);
			goto out;
		}
		clen = get_le32(lenb);
		if (clen < CRYPT_ABYTES || clen > cmax) {
			r = ec_set_err(err, -EBADMSG, "chunk %llu at offset %llu: bad length %u",
				       (unsigned long long)s.chunks, (unsigned long long)in_off, clen);
			goto out;
		}
		n = ec_read_full(in_fd, cbuf, clen);
		if (n < 0) {
			r = ec_set_err(err, (int)n, "reading at offset %llu: %s",
				       (unsigned long long)in_off, strerror((int)-n));
			goto out;
		}
		if ((size_t)n < clen) {
			r = ec_set_err(err, -ENODATA,
				       "truncated: last chunk at offset %llu is incomplete (%zd of %u bytes); "
				       "%llu whole chunks (%llu bytes) decrypted",
				       (unsigned long long)in_off, n, clen,
				       (unsigned long long)s.chunks,
				       (unsigned long long)s.plain_bytes);
			goto out;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, pbuf, &plen, &tag, cbuf,
				clen, s.chunks == 0 ? hdr : NULL, s.chunks == 0 ? 88 : 0) != 0) {
			r = ec_set_err(err, -EBADMSG,
				       "chunk %llu at offset %llu fails authentication "
				       "(tampered, reordered or not this stream)",
				       (unsigned long long)s.chunks, (unsigned long long)in_off);
			goto out;
		}
		r = flat_feed(fs, pbuf, (size_t)plen, s.plain_bytes, err);
		sodium_memzero(pbuf, (size_t)plen);
		if (r < 0)
			goto out;
		s.chunks++;
		s.plain_bytes += plen;
		in_off += 4 + (uint64_t)clen;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			uint8_t extra;

			s.final_seen = true;
			n = ec_read_full(in_fd, &extra, 1);
			if (n != 0) {
				r = ec_set_err(err, -EBADMSG,
					       "data after the final chunk at offset %llu",
					       (unsigned long long)in_off);
				goto out;
			}
			if (!fs->passthrough && fs->stage != 3) {
				r = ec_set_err(err, -EBADMSG,
					       "flattened stream has no end marker");
				goto out;
			}
			r = 0;
			break;
		}
		if ((size_t)plen != s.chunk_size &&
		    tag != crypto_secretstream_xchacha20poly1305_TAG_PUSH) {
			r = ec_set_err(err, -EBADMSG, "chunk %llu is short but not final",
				       (unsigned long long)s.chunks - 1);
			goto out;
		}
	}
out:
	if (r == -ENODATA && fs && !fs->passthrough && fs->stage >= 1)
		s.marked_incomplete = mark_incomplete(out_fd);
	sodium_memzero(&st, sizeof(st));
	if (pbuf) {
		sodium_memzero(pbuf, s.chunk_size);
		free(pbuf);
	}
	free(cbuf);
	free(fs);
	if (ret_stats)
		*ret_stats = s;
	return r;
}

#else /* !HAVE_SODIUM */

#define NOSODIUM(err) ec_set_err(err, -ENOTSUP, "crashcap was built without libsodium: no encryption")

bool crypt_available(void)
{
	return false;
}

void crypt_key_id(const uint8_t pk[CRYPT_KEY_BYTES], char ret_id[17])
{
	strcpy(ret_id, "?");
}

int crypt_public_key(const uint8_t sk[CRYPT_KEY_BYTES], uint8_t ret_pk[CRYPT_KEY_BYTES],
		     struct ec_err *err)
{
	return NOSODIUM(err);
}

int crypt_key_load(const char *path, uint8_t ret_key[CRYPT_KEY_BYTES], struct ec_err *err)
{
	return NOSODIUM(err);
}

int crypt_keygen(const char *pub_path, const char *sec_path, struct ec_err *err)
{
	return NOSODIUM(err);
}

int crypt_writer_create(const uint8_t recipient_pk[CRYPT_KEY_BYTES], int out_fd,
			unsigned flags, uint32_t chunk_size, crypt_writer **ret,
			struct ec_err *err)
{
	return NOSODIUM(err);
}

int crypt_write(crypt_writer *w, const void *buf, size_t len, struct ec_err *err)
{
	return NOSODIUM(err);
}

ssize_t crypt_pwrite(void *ctx, const void *buf, size_t len, uint64_t off)
{
	return -ENOTSUP;
}

int crypt_flush(crypt_writer *w, struct ec_err *err)
{
	return NOSODIUM(err);
}

int crypt_finish(crypt_writer *w, struct ec_err *err)
{
	return NOSODIUM(err);
}

uint64_t crypt_bytes_out(const crypt_writer *w)
{
	return 0;
}

const struct ec_err *crypt_last_error(const crypt_writer *w)
{
	return NULL;
}

void crypt_writer_destroy(crypt_writer *w)
{
}

int crypt_decrypt(int in_fd, const uint8_t sk[CRYPT_KEY_BYTES], int out_fd,
		  const struct crypt_dec_opts *opts, struct crypt_dec_stats *ret_stats,
		  struct ec_err *err)
{
	return NOSODIUM(err);
}
#endif
