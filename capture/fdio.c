/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing a whole buffer to a file descriptor (shared by the capture/
 * commands, the encryption stream and the fadump release). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include "fdio.h"

static int write_loop(int fd, const void *buf, size_t len, bool seek, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = seek ? pwrite(fd, p, len, (off_t)off) : write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int cap_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return write_loop(fd, buf, len, true, off);
}

int cap_write_all(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, false, 0);
}

int cap_fd_write(void *ctx, const void *buf, size_t len)
{
	return cap_write_all(*(int *)ctx, buf, len);
}
