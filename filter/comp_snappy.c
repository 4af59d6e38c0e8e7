/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snappy (-p): a raw snappy block per page. Without libsnappy the ops are
 * empty and comp_create() returns -ENOSYS ("not built with snappy"). */
#include <errno.h>
#include "config.h"
#include "comp.h"

#if HAVE_SNAPPY
#include <snappy-c.h>

static int sn_init(void **state, size_t page_size, int level)
{
	*state = NULL;
	return 0;
}

static void sn_fini(void *state)
{
}

static size_t sn_bound(size_t page_size)
{
	return snappy_max_compressed_length(page_size);
}

static int sn_compress(void *state, const void *src, size_t len, void *dst,
		       size_t dst_cap, size_t *ret_len)
{
	size_t out = dst_cap;

	if (snappy_compress(src, len, dst, &out) != SNAPPY_OK)
		return -ENOBUFS;
	*ret_len = out;
	return 0;
}

static int sn_decompress(const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *ret_len)
{
	size_t out;

	if (snappy_uncompressed_length(src, len, &out) != SNAPPY_OK ||
	    out > dst_cap)
		return -EINVAL;
	if (snappy_uncompress(src, len, dst, &out) != SNAPPY_OK)
		return -EINVAL;
	*ret_len = out;
	return 0;
}

const struct comp_ops comp_snappy_ops = {
	.init = sn_init, .fini = sn_fini, .bound = sn_bound,
	.compress = sn_compress, .decompress = sn_decompress,
};
#else
const struct comp_ops comp_snappy_ops = { 0 };
#endif
