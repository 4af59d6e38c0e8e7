/* SPDX-License-Identifier: GPL-2.0-or-later */
/* zstd (-z): one frame per page from ZSTD_compressCCtx at level 1. */
#include <errno.h>
#include <zstd.h>
#include "comp.h"

static int zs_init(void **state, size_t page_size)
{
	*state = ZSTD_createCCtx();
	return *state ? 0 : -ENOMEM;
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
	size_t r = ZSTD_compressCCtx(state, dst, dst_cap, src, len, 1);

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
