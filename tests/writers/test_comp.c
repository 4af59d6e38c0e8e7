/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compressors: round trip, determinism, incompressible input, -ENOSYS. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "config.h"
#include <zstd.h>
#include "comp.h"
#include "synth.h"

int main(void)
{
	static const enum comp_method ms[] = { COMP_ZLIB, COMP_LZO, COMP_ZSTD, COMP_SNAPPY };
	uint8_t in[4096], out[8192], out2[8192], back[4096];

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		enum comp_method m = ms[i];
		comp *c = NULL;
		size_t len, len2, blen;
		int r = comp_create(m, 4096, &c);

		if (m == COMP_SNAPPY && !HAVE_SNAPPY) {
			ok(r == -ENOSYS, "snappy absent: comp_create gives -ENOSYS (%d)", r);
			continue;
		}
		ok(r == 0 && comp_bound(m, 4096) <= sizeof(out), "%s: created, bound %zu",
		   comp_name(m), comp_bound(m, 4096));
		for (uint64_t pfn = 0, seen = 0; seen != 7; pfn++) {
			if (seen & (1u << synth_content(pfn)))
				continue;
			seen |= 1u << synth_content(pfn);
			synth_page(pfn, in);
			r = comp_page(c, in, 4096, out, sizeof(out), &len);
			ok(r == 0, "%s: compress content %d (%zu bytes)", comp_name(m),
			   synth_content(pfn), len);
			r = comp_page(c, in, 4096, out2, sizeof(out2), &len2);
			ok(r == 0 && len2 == len && !memcmp(out, out2, len),
			   "%s: same input gives the same bytes (context reuse)", comp_name(m));
			r = comp_unpage(m, out, len, back, sizeof(back), &blen);
			ok(r == 0 && blen == 4096 && !memcmp(in, back, 4096),
			   "%s: round trip of content %d", comp_name(m), synth_content(pfn));
			if (synth_content(pfn) == 1)
				ok(len >= 4096, "%s: random page does not shrink (%zu)",
				   comp_name(m), len);
			else
				ok(len < 1024, "%s: %s page shrinks (%zu)", comp_name(m),
				   synth_content(pfn) ? "text" : "zero", len);
		}
		out[len / 2] ^= 0x5a;
		r = comp_unpage(m, out, len, back, sizeof(back), &blen);
		ok(r < 0 || blen != 4096 || memcmp(in, back, 4096),
		   "%s: corrupt input is not silently accepted", comp_name(m));
		r = comp_unpage(m, out, 0, back, sizeof(back), &blen);
		ok(r < 0 || blen == 0, "%s: empty input rejected", comp_name(m));
		comp_destroy(c);
	}
	/* zstd at the default level is byte-identical to makedumpfile's
	 * ZSTD_compressCCtx(level 1); other levels still round-trip */
	{
		comp *c = NULL, *c9 = NULL;
		ZSTD_CCtx *z = ZSTD_createCCtx();
		size_t len, len9, ref, blen;

		synth_page(7, in);
		for (uint64_t p = 0; synth_content(p) != 2; p++)
			synth_page(p + 1, in);
		int r1 = comp_create(COMP_ZSTD, 4096, &c);
		int r2 = r1 ? r1 : comp_page(c, in, 4096, out, sizeof(out), &len);

		ref = ZSTD_compressCCtx(z, out2, sizeof(out2), in, 4096, 1);
		ok(r2 == 0 && !ZSTD_isError(ref) && ref == len && !memcmp(out, out2, len),
		   "zstd default level == ZSTD_compressCCtx(level 1) (%zu bytes)", len);
		r1 = comp_create_level(COMP_ZSTD, 4096, 19, &c9);
		r2 = r1 ? r1 : comp_page(c9, in, 4096, out2, sizeof(out2), &len9);
		int r3 = r2 ? r2 : comp_unpage(COMP_ZSTD, out2, len9, back, sizeof(back), &blen);
		ok(r3 == 0 && len9 <= len && blen == 4096 && !memcmp(in, back, 4096),
		   "zstd level 19: round trip, %zu <= %zu bytes", len9, len);
		ok(comp_create_level(COMP_ZSTD, 4096, 99, &(comp *){ NULL }) == -EINVAL,
		   "zstd level 99: -EINVAL");
		comp_destroy(c);
		comp_destroy(c9);
		ZSTD_freeCCtx(z);
	}
	ok(comp_create((enum comp_method)0x40, 4096, &(comp *){ NULL }) == -EINVAL,
	   "unknown method: -EINVAL");
	return tap_done();
}
