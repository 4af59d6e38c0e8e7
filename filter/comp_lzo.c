/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LZO (-l): a raw lzo1x_1 block per page, as makedumpfile writes it. */
#include <errno.h>
#include <stdlib.h>
#include <lzo/lzo1x.h>
#include "comp.h"

static int lz_init(void **state, size_t page_size, int level)
{
	/* lzo_init() only checks the ABI and keeps no state: call it each time
	 * rather than guarding it with a racy static flag. */
	if (lzo_init() != LZO_E_OK)
		return -EIO;
	*state = malloc(LZO1X_1_MEM_COMPRESS);
	return *state ? 0 : -ENOMEM;
}

static void lz_fini(void *state)
{
	free(state);
}

static size_t lz_bound(size_t page_size)
{
	/* LZO's documented worst case: n + n/16 + 64 + 3 */
	return page_size + page_size / 16 + 64 + 3;
}

static int lz_compress(void *state, const void *src, size_t len, void *dst,
		       size_t dst_cap, size_t *ret_len)
{
	lzo_uint out = dst_cap;

	if (dst_cap < lz_bound(len))
		return -ENOBUFS;
	if (lzo1x_1_compress(src, len, dst, &out, state) != LZO_E_OK)
		return -EIO;
	*ret_len = out;
	return 0;
}

static int lz_decompress(const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *ret_len)
{
	lzo_uint out = dst_cap;

	if (lzo1x_decompress_safe(src, len, dst, &out, NULL) != LZO_E_OK)
		return -EINVAL;
	*ret_len = out;
	return 0;
}

const struct comp_ops comp_lzo_ops = {
	.init = lz_init, .fini = lz_fini, .bound = lz_bound,
	.compress = lz_compress, .decompress = lz_decompress,
};
