/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copy a dump from a raw diskdump partition into <crashdir>/<host>-<date>/ and
 * re-format the blocks it used. Returns 0 / negative errno with err filled. */
#ifndef CRASHCAP_CAP_SAVECORE_H
#define CRASHCAP_CAP_SAVECORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "elfcore.h"

struct cap_saved {
	char dir[512];          /* directory name created under crashdir */
	bool found;             /* false: the partition holds no dump (nothing done) */
	bool incomplete;        /* dump saved as vmcore-incomplete */
	uint64_t dump_bytes;    /* size of the saved vmcore file */
	uint64_t used_blocks;   /* blocks re-formatted */
};

/* dev_fd: the partition, opened O_RDWR (O_RDONLY when !reformat).
 * crashdir_fd: an open directory (e.g. /var/crash). */
int cap_savecore(int dev_fd, int crashdir_fd, bool reformat, struct cap_saved *ret,
		 struct ec_err *err);

#endif
