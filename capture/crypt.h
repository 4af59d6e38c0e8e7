/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encryption at rest for dumps (kdump.conf `encrypt_to <public key file>`).
 *
 * The capture side holds only the recipient's X25519 *public* key; the secret
 * key never has to be in the initrd. Per dump an ephemeral X25519 key pair is
 * made, a session key is derived with libsodium's crypto_kx (BLAKE2b-512 of the
 * shared point and both public keys; the writer is the kx "client", the
 * recipient the "server", the client's tx key encrypts), and the plaintext is
 * streamed through crypto_secretstream_xchacha20poly1305 in fixed-size chunks.
 * Each chunk is authenticated; the stream's nonce advances per chunk, so
 * tampering, reordering, dropping and truncation are all detected; the last
 * chunk carries TAG_FINAL (a file without it is truncated).
 *
 * File format (version 1; all integers little-endian):
 *
 *   off  size  field
 *     0     8  magic "CCENCDMP" (CRYPT_MAGIC, no NUL)
 *     8     4  version = 1
 *    12     4  flags: bit 0 CRYPT_F_FLATTENED (plaintext is a makedumpfile
 *              flattened stream, see shared/formats.md §3); other bits 0
 *    16     4  chunk_size: plaintext bytes per chunk (512 .. 64 MiB)
 *    20     4  reserved, 0
 *    24    32  ephemeral public key (X25519)
 *    56    32  recipient public key (X25519; lets decrypt name a wrong key)
 *    88    24  secretstream header (nonce material)
 *   112        chunks, each: le32 L, then L bytes of ciphertext. L is
 *              chunk_size + 17 (libsodium's tag + MAC) for every chunk but the
 *              last, which holds 0 .. chunk_size plaintext bytes and is tagged
 *              FINAL, and chunks tagged PUSH (crypt_flush), which may be
 *              short. L is not secret; changing it fails authentication, and
 *              it lets the reader tell a cut file from trailing garbage.
 *
 * Bytes 0..87 are the additional data of the first chunk, so the header is
 * authenticated too (the secretstream header is the stream's nonce, so it is
 * covered implicitly).
 *
 * Why the flattened format inside: the dump writers seek back once (the ELF
 * incomplete flag, the kdump header/bitmaps after the pages). An encrypted
 * stream is sequential, so writers hand their (offset, data) writes to
 * crypt_pwrite(), which emits flattened records; `crashcap decrypt` reassembles
 * them into the plain file (or keeps them flattened with --flat, which
 * `crashcap reassemble` and `makedumpfile -R` accept). Writers that are already
 * sequential may use crypt_write() with flags 0 instead.
 *
 * Truncation (ENOSPC mid-dump): every whole chunk still decrypts; decrypt
 * writes them out, marks a reassembled ELF/kdump file incomplete (e_flags |= 1
 * / status |= 8) and fails with -ENODATA and a message that says "truncated".
 *
 * Errors: functions return 0 / a count, or a negative errno and fill err:
 * -ENOTSUP without libsodium, -EINVAL bad argument/key file/not our format,
 * -EBADMSG a chunk fails authentication (tampered, reordered, trailing data),
 * -ENODATA truncated, -EKEYREJECTED the secret key is not the recipient's,
 * other -errno from read/write.
 */
#ifndef CRASHCAP_CRYPT_H
#define CRASHCAP_CRYPT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "elfcore.h"

#define CRYPT_MAGIC          "CCENCDMP"
#define CRYPT_VERSION        1
#define CRYPT_F_FLATTENED    0x1u
/* Writer-only: the caller passes an already flattened stream (e.g. the output
 * of `crashcap save -F`) through crypt_write(); the file is marked
 * CRYPT_F_FLATTENED so decrypt reassembles it, but no flattened header or end
 * marker is added. */
#define CRYPT_F_FLAT_INPUT   0x100u
#define CRYPT_HDR_SIZE       112
#define CRYPT_ABYTES         17
#define CRYPT_KEY_BYTES      32
#define CRYPT_CHUNK_DEFAULT  (1u << 20)
#define CRYPT_CHUNK_MIN      512u
#define CRYPT_CHUNK_MAX      (64u << 20)

/* Is encryption compiled in (libsodium found at build time)? */
bool crypt_available(void);

/* Read a 32-byte key from a text file: 64 hex digits or standard base64 (44
 * chars), surrounding whitespace and '#' comment lines ignored. */
int crypt_key_load(const char *path, uint8_t ret_key[CRYPT_KEY_BYTES],
		   struct ec_err *err);
/* Make a key pair; writes base64 text files. The secret file is created 0600
 * with O_EXCL|O_NOFOLLOW (never overwritten), the public one 0644. */
int crypt_keygen(const char *pub_path, const char *sec_path, struct ec_err *err);
/* The public key of a secret key (to check a pair, or name a key). */
int crypt_public_key(const uint8_t sk[CRYPT_KEY_BYTES], uint8_t ret_pk[CRYPT_KEY_BYTES],
		     struct ec_err *err);
/* Short printable id of a public key (first 8 bytes of its BLAKE2b, hex). */
void crypt_key_id(const uint8_t pk[CRYPT_KEY_BYTES], char ret_id[17]);

/* ---- writer: a sink the dump writers stream through ---- */
typedef struct crypt_writer crypt_writer;

/* Start an encrypted stream on out_fd (not owned, not closed). chunk_size 0
 * means CRYPT_CHUNK_DEFAULT. With CRYPT_F_FLATTENED the flattened header is
 * emitted at once and data goes through crypt_pwrite(). Writes the header. */
int crypt_writer_create(const uint8_t recipient_pk[CRYPT_KEY_BYTES], int out_fd,
			unsigned flags, uint32_t chunk_size,
			crypt_writer **ret, struct ec_err *err);
/* Append plaintext (sequential mode). */
int crypt_write(crypt_writer *w, const void *buf, size_t len, struct ec_err *err);
/* Flattened mode: data destined for offset off of the plain file. Signature
 * matches struct ec_writer_ops.pwrite (ctx = the crypt_writer); returns len
 * or a negative errno (message via crypt_last_error()). */
ssize_t crypt_pwrite(void *ctx, const void *buf, size_t len, uint64_t off);
/* Push what is buffered now as a short chunk (tagged PUSH), so that after
 * the caller's fsync every byte given so far is on disk (fadump releases
 * memory only then). Costs 21 bytes per call; 0 if nothing is buffered. */
int crypt_flush(crypt_writer *w, struct ec_err *err);
/* Emit the end marker (flattened) and the FINAL chunk. The stream is complete
 * only after this returns 0; fsync is the caller's (it owns the fd). */
int crypt_finish(crypt_writer *w, struct ec_err *err);
/* Ciphertext bytes written so far, including the file header. */
uint64_t crypt_bytes_out(const crypt_writer *w);
const struct ec_err *crypt_last_error(const crypt_writer *w);
/* Wipes key material; does not close the fd. NULL is fine. */
void crypt_writer_destroy(crypt_writer *w);

/* ---- reader ---- */
struct crypt_dec_opts {
	bool keep_flat;      /* write the flattened plaintext as is */
};
struct crypt_dec_stats {
	unsigned flags;      /* header flags */
	uint32_t chunk_size;
	uint64_t chunks;     /* whole chunks authenticated */
	uint64_t plain_bytes;
	bool final_seen;
	bool marked_incomplete; /* reassembled dump got its incomplete flag set */
};

/* Decrypt in_fd into out_fd with the recipient's secret key. Flattened
 * plaintext is reassembled with pwrite() unless opts->keep_flat or out_fd is
 * not seekable (then passed through). ret_stats may be NULL; it is filled even
 * on failure (how far it got). */
int crypt_decrypt(int in_fd, const uint8_t sk[CRYPT_KEY_BYTES], int out_fd,
		  const struct crypt_dec_opts *opts, struct crypt_dec_stats *ret_stats,
		  struct ec_err *err);

#endif
