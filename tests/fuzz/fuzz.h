/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the fuzz targets: the libFuzzer entry point and a helper that
 * turns an input into a file descriptor (memfd) for path-based readers. */
#ifndef CRASHCAP_FUZZ_H
#define CRASHCAP_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A memfd holding data, or -1. *ret_path gets "/proc/self/fd/N". */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *ret_path, size_t len);

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static inline int fuzz_memfd(const uint8_t *data, size_t size, char *ret_path, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	snprintf(ret_path, len, "/proc/self/fd/%d", fd);
	return fd;
}
#endif
