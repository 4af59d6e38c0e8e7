/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-page compressors of the kdump-compressed format, one file per method
 * (comp_zlib.c, comp_lzo.c, comp_zstd.c, comp_snappy.c).
 *
 * A compressor context is owned by one thread. comp_page() compresses one
 * page; comp_unpage() decompresses one page (used by verify and the tests).
 * Errors are negative errno; -ENOSYS when the method was not built in.
 */
#ifndef CRASHCAP_COMP_H
#define CRASHCAP_COMP_H

#include <stddef.h>
#include <stdint.h>

/* Method numbers equal the kdump per-page flag / header status bits. */
enum comp_method {
	COMP_NONE = 0,
	COMP_ZLIB = 0x1,
	COMP_LZO = 0x2,
	COMP_SNAPPY = 0x4,
	COMP_ZSTD = 0x20,
};

typedef struct comp comp;

/* Create a context for `method` (page_size = the largest input). -ENOSYS if
 * the method is not built in, -EINVAL if unknown, -ENOMEM. */
int comp_create(enum comp_method method, size_t page_size, comp **ret);
/* Same with a compression level (0: the method's default, which is what
 * makedumpfile uses; only zstd and zlib take other levels). */
int comp_create_level(enum comp_method method, size_t page_size, int level,
		      comp **ret);
void comp_destroy(comp *c);

/* Bytes of output buffer comp_page() needs (worst case). */
size_t comp_bound(enum comp_method method, size_t page_size);

/* Compress len bytes into dst (dst_cap >= comp_bound()). *ret_len = the
 * compressed size. Returns 0 or a negative errno. */
int comp_page(comp *c, const void *src, size_t len, void *dst, size_t dst_cap,
	      size_t *ret_len);

/* Decompress src into dst; *ret_len = decompressed bytes. -EINVAL if the
 * data is corrupt or would exceed dst_cap. Context-free. */
int comp_unpage(enum comp_method method, const void *src, size_t len,
		void *dst, size_t dst_cap, size_t *ret_len);

const char *comp_name(enum comp_method method);
/* Is the method available (built in, and for snappy: the library loads)? */
int comp_available(enum comp_method method);
/* Why not ("not built with snappy", "libsnappy.so.1 cannot be loaded: ..."). */
const char *comp_why(enum comp_method method);

/* ---- backends (internal) ---- */
struct comp_ops {
	int (*init)(void **state, size_t page_size, int level);
	void (*fini)(void *state);
	size_t (*bound)(size_t page_size);
	int (*compress)(void *state, const void *src, size_t len, void *dst,
			size_t dst_cap, size_t *ret_len);
	int (*decompress)(const void *src, size_t len, void *dst,
			  size_t dst_cap, size_t *ret_len);
};
extern const struct comp_ops comp_zlib_ops, comp_lzo_ops, comp_zstd_ops,
	comp_snappy_ops;

#endif
