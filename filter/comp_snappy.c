/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snappy (-p): a raw snappy block per page, through elfcore's dlopen'd
 * libsnappy (ec_snappy.h). Not built in, or the library missing at run time:
 * comp_create() returns -ENOSYS and comp_why() says which. */
#include <errno.h>
#include "config.h"
#include "ec_snappy.h"
#include "comp.h"

#if HAVE_SNAPPY
static int sn_init(void **state, size_t page_size, int level)
{
	*state = NULL;
	return ec_snappy_ready(NULL);
}

static void sn_fini(void *state)
{
}

static size_t sn_bound(size_t page_size)
{
	return ec_snappy_bound(page_size);
}

static int sn_compress(void *state, const void *src, size_t len, void *dst,
		       size_t dst_cap, size_t *ret_len)
{
	size_t out = dst_cap;
	int r = ec_snappy_compress(src, len, dst, &out);

	if (r < 0)
		return r;
	*ret_len = out;
	return 0;
}

static int sn_decompress(const void *src, size_t len, void *dst,
			 size_t dst_cap, size_t *ret_len)
{
	size_t out = dst_cap;
	int r = ec_snappy_uncompress(src, len, dst, &out);

	if (r < 0)
		return r;
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
