/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CRASHCAP_FDIO_H
#define CRASHCAP_FDIO_H

#include <stddef.h>
#include <stdint.h>

/* write()/pwrite() all of buf, retrying EINTR and short writes. 0, or a
 * negative errno; a write that moves nothing counts as -ENOSPC (how some
 * devices say "no more room"). */
int cap_write_all(int fd, const void *buf, size_t len);
int cap_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/* cap_write_all() with a fl_out-style signature: ctx points to the fd. */
int cap_fd_write(void *ctx, const void *buf, size_t len);

#endif
