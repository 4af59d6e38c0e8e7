/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snappy through dlopen (see ec_snappy.h). */
#include <errno.h>
#include <stdio.h>
#include "config.h"
#include "ec_snappy.h"

#if HAVE_SNAPPY
#include <dlfcn.h>
#include <pthread.h>
#include <snappy-c.h>

static struct {
	snappy_status (*compress)(const char *, size_t, char *, size_t *);
	snappy_status (*uncompress)(const char *, size_t, char *, size_t *);
	snappy_status (*ulen)(const char *, size_t, size_t *);
	size_t (*bound)(size_t);
	char why[300];
	int ok;
} sn;
static pthread_once_t sn_once = PTHREAD_ONCE_INIT;

static void sn_load(void)
{
	void *h = dlopen("libsnappy.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(sn.why, sizeof(sn.why), "libsnappy.so.1 cannot be loaded: %s", dlerror());
		return;
	}
	*(void **)&sn.compress = dlsym(h, "snappy_compress");
	*(void **)&sn.uncompress = dlsym(h, "snappy_uncompress");
	*(void **)&sn.ulen = dlsym(h, "snappy_uncompressed_length");
	*(void **)&sn.bound = dlsym(h, "snappy_max_compressed_length");
	if (!sn.compress || !sn.uncompress || !sn.ulen || !sn.bound) {
		snprintf(sn.why, sizeof(sn.why), "libsnappy.so.1 lacks the snappy-c functions");
		return;
	}
	sn.ok = 1;
}

int ec_snappy_ready(const char **ret_why)
{
	pthread_once(&sn_once, sn_load);
	if (ret_why)
		*ret_why = sn.ok ? "" : sn.why;
	return sn.ok ? 0 : -ENOSYS;
}

size_t ec_snappy_bound(size_t len)
{
	if (ec_snappy_ready(NULL) == 0)
		return sn.bound(len);
	return 32 + len + len / 6;     /* snappy's documented bound */
}

int ec_snappy_compress(const void *in, size_t len, void *out, size_t *out_len)
{
	if (ec_snappy_ready(NULL) < 0)
		return -ENOSYS;
	return sn.compress(in, len, out, out_len) == SNAPPY_OK ? 0 : -ENOBUFS;
}

int ec_snappy_uncompress(const void *in, size_t len, void *out, size_t *out_len)
{
	size_t n;

	if (ec_snappy_ready(NULL) < 0)
		return -ENOSYS;
	if (sn.ulen(in, len, &n) != SNAPPY_OK || n > *out_len)
		return -EINVAL;
	if (sn.uncompress(in, len, out, &n) != SNAPPY_OK)
		return -EINVAL;
	*out_len = n;
	return 0;
}
#else
int ec_snappy_ready(const char **ret_why)
{
	if (ret_why)
		*ret_why = "not built with snappy";
	return -ENOSYS;
}

size_t ec_snappy_bound(size_t len)
{
	return 32 + len + len / 6;
}

int ec_snappy_compress(const void *in, size_t len, void *out, size_t *out_len)
{
	return -ENOSYS;
}

int ec_snappy_uncompress(const void *in, size_t len, void *out, size_t *out_len)
{
	return -ENOSYS;
}
#endif
