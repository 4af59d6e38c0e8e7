/* SPDX-License-Identifier: GPL-2.0-or-later */
/* zlib (-c): one RFC 1950 stream per page at level 1, like makedumpfile's
 * compress2(..., Z_BEST_SPEED); the z_stream is reused with deflateReset. */
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>
#include "comp.h"

static int zl_init(void **state, size_t page_size, int level)
{
	if (level < 0 || level > 9)
		return -EINVAL;
	z_stream *z = calloc(1, sizeof(*z));

	if (!z)
		return -ENOMEM;
	if (deflateInit(z, level ? level : Z_BEST_SPEED) != Z_OK) {
		free(z);
		return -ENOMEM;
	}
	*state = z;
	return 0;
}

static void zl_fini(void *state)
{
	z_stream *z = state;

	if (z)
		deflateEnd(z);
	free(z);
}

static size_t zl_bound(size_t page_size)
{
	return compressBound(page_size);
}

static int zl_compress(void *state, const void *src, size_t len, void *dst,
		       size_t dst_cap, size_t *ret_len)
{
	z_stream *z = state;

	if (deflateReset(z) != Z_OK)
		return -EIO;
	z->next_in = (Bytef *)src;
	z->avail_in = len;
	z->next_out = dst;
	z->avail_out = dst_cap;
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return -ENOBUFS;
	*ret_len = z->total_out;
	return 0;
}

static int zl_decompress(const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *ret_len)
{
	uLongf out = dst_cap;

	if (uncompress(dst, &out, src, len) != Z_OK)
		return -EINVAL;
	*ret_len = out;
	return 0;
}

const struct comp_ops comp_zlib_ops = {
	.init = zl_init, .fini = zl_fini, .bound = zl_bound,
	.compress = zl_compress, .decompress = zl_decompress,
};
