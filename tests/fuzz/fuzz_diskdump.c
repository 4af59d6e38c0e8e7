/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The raw dump partition's header block (capture/diskdump_part.h): decode,
 * and a decoded header must encode back to a block that decodes the same. */
#include <stdlib.h>
#include <string.h>
#include "diskdump_part.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blk[DP_BLOCK], again[DP_BLOCK];
	struct dp_header h, h2;
	struct ec_err err;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, data, size < DP_BLOCK ? size : DP_BLOCK);
	(void)dp_is_signature(0, blk);
	if (dp_header_decode(blk, &h, &err) < 0)
		return 0;
	dp_header_encode(&h, again);
	if (dp_header_decode(again, &h2, &err) < 0 || h2.n_sections != h.n_sections ||
	    h2.part_blocks != h.part_blocks)
		abort();   /* our own encoding must decode to the same header */
	return 0;
}
