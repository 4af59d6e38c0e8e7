/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compressor dispatch: picks the backend file for a kdump compression method. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "ec_snappy.h"
#include "comp.h"

struct comp {
	const struct comp_ops *ops;
	void *state;
};

static const struct comp_ops *ops_of(enum comp_method m)
{
	switch (m) {
	case COMP_ZLIB: return &comp_zlib_ops;
	case COMP_LZO: return &comp_lzo_ops;
	case COMP_ZSTD: return &comp_zstd_ops;
	case COMP_SNAPPY: return &comp_snappy_ops;
	default: return NULL;
	}
}

int comp_available(enum comp_method m)
{
	const struct comp_ops *o = ops_of(m);

	if (!o || !o->compress)
		return 0;
	return m != COMP_SNAPPY || ec_snappy_ready(NULL) == 0;
}

const char *comp_why(enum comp_method m)
{
	const struct comp_ops *o = ops_of(m);
	const char *why;

	if (!o)
		return "unknown compression method";
	if (!o->compress) {
		static char buf[64];   /* constant per method: races write the same bytes */

		snprintf(buf, sizeof(buf), "not built with %s", comp_name(m));
		return buf;
	}
	if (m == COMP_SNAPPY && ec_snappy_ready(&why) < 0)
		return why;
	return "";
}

const char *comp_name(enum comp_method m)
{
	switch (m) {
	case COMP_NONE: return "none";
	case COMP_ZLIB: return "zlib";
	case COMP_LZO: return "lzo";
	case COMP_ZSTD: return "zstd";
	case COMP_SNAPPY: return "snappy";
	}
	return "unknown";
}

int comp_create(enum comp_method m, size_t page_size, comp **ret)
{
	return comp_create_level(m, page_size, 0, ret);
}

int comp_create_level(enum comp_method m, size_t page_size, int level, comp **ret)
{
	const struct comp_ops *o = ops_of(m);
	comp *c;
	int r;

	if (!o)
		return -EINVAL;
	if (!o->compress)
		return -ENOSYS;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->ops = o;
	r = o->init(&c->state, page_size, level);
	if (r < 0) {
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void comp_destroy(comp *c)
{
	if (!c)
		return;
	c->ops->fini(c->state);
	free(c);
}

size_t comp_bound(enum comp_method m, size_t page_size)
{
	const struct comp_ops *o = ops_of(m);

	if (!o || !o->bound)
		return page_size;
	return o->bound(page_size);
}

int comp_page(comp *c, const void *src, size_t len, void *dst, size_t dst_cap,
	      size_t *ret_len)
{
	return c->ops->compress(c->state, src, len, dst, dst_cap, ret_len);
}

int comp_unpage(enum comp_method m, const void *src, size_t len, void *dst,
		size_t dst_cap, size_t *ret_len)
{
	const struct comp_ops *o = ops_of(m);

	if (!o)
		return -EINVAL;
	if (!o->decompress)
		return -ENOSYS;
	return o->decompress(src, len, dst, dst_cap, ret_len);
}
