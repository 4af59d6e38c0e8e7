/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snappy, loaded on first use with dlopen("libsnappy.so.1"): libsnappy is C++
 * and would bring libstdc++ and libgcc_s (~2.4 MB) into every crashcap process
 * and every capture initrd, while only -p dumps need it. Thread-safe.
 * Built without snappy (HAVE_SNAPPY 0), every call reports -ENOSYS.
 */
#ifndef CRASHCAP_EC_SNAPPY_H
#define CRASHCAP_EC_SNAPPY_H

#include <stddef.h>

/* 0 when the library is loaded (loading it the first time), else -ENOSYS;
 * *ret_why (optional) says why: not built in, or the dlopen/dlsym error. */
int ec_snappy_ready(const char **ret_why);
/* Worst-case compressed size of len bytes (snappy's own bound). */
size_t ec_snappy_bound(size_t len);
/* 0, -ENOBUFS (*out_len too small), -ENOSYS (no library). */
int ec_snappy_compress(const void *in, size_t len, void *out, size_t *out_len);
/* 0 when in decompresses to at most *out_len bytes (*out_len = that size);
 * -EINVAL for bad data or too small a buffer, -ENOSYS (no library). */
int ec_snappy_uncompress(const void *in, size_t len, void *out, size_t *out_len);

#endif
