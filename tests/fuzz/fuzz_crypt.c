/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The encrypted dump reader (capture/crypt.h) on hostile input: header,
 * chunk framing, flattened reassembly. The key is fixed (it is the seeds'
 * recipient), so mutated seeds get past the key check. */
#include <string.h>
#include <unistd.h>
#include "crypt.h"
#include "fuzz.h"
#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypt_dec_opts o = { .keep_flat = false };
	struct crypt_dec_stats st;
	struct ec_err err;
	char ip[64], op[64];
	int in = fuzz_memfd(data, size, ip, sizeof(ip));
	int out = fuzz_memfd(NULL, 0, op, sizeof(op));

	if (in >= 0 && out >= 0) {
		lseek(in, 0, SEEK_SET);
		(void)crypt_decrypt(in, fuzz_sk, out, &o, &st, &err);
		lseek(in, 0, SEEK_SET);
		o.keep_flat = true;
		(void)crypt_decrypt(in, fuzz_sk, out, &o, &st, &err);
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return 0;
}
