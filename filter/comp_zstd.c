/* SPDX-License-Identifier: GPL-2.0-or-later */
/* zstd (-z): one frame per page from ZSTD_compressCCtx at level 1. */
#include <errno.h>
#include <zstd.h>
#include "comp.h"

static int zs_init(void **state, size_t page_size, int level)
{
	ZSTD_CCtx *c;

	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return -EINVAL;
	c = ZSTD_createCCtx();
	if (!c)
		return -ENOMEM;
	/* makedumpfile uses ZSTD_compressCCtx(..., 1); the level changes only
	 * the encoder's effort, every reader decompresses any level */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level ? level : 1))) {
		ZSTD_freeCCtx(c);
		return -EINVAL;
	}
	*state = c;
	return 0;
}

static void zs_fini(void *state)
{
	ZSTD_freeCCtx(state);
}

static size_t zs_bound(size_t page_size)
{
	return ZSTD_compressBound(page_size);
}

static int zs_compress(void *state, const void *src, size_t len, void *dst,
		       size_t dst_cap, size_t *ret_len)
{
	size_t r = ZSTD_compress2(state, dst, dst_cap, src, len);

	if (ZSTD_isError(r))
		return -ENOBUFS;
	*ret_len = r;
	return 0;
}

static int zs_decompress(const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *ret_len)
{
	size_t r = ZSTD_decompress(dst, dst_cap, src, len);

	if (ZSTD_isError(r))
		return -EINVAL;
	*ret_len = r;
	return 0;
}

const struct comp_ops comp_zstd_ops = {
	.init = zs_init, .fini = zs_fini, .bound = zs_bound,
	.compress = zs_compress, .decompress = zs_decompress,
};
