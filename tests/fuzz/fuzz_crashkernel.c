/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel= values and command lines (kexec/crashkernel.h). */
#include <stdlib.h>
#include <string.h>
#include "crashkernel.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t rams[] = { 0, 512ull << 20, 2ull << 30, 17ull << 30, UINT64_MAX };
	char *s = malloc(size + 1), out[256], fmt[32];
	struct ck_spec spec;
	struct ec_err err;
	const char *end;
	uint64_t v, sz, off;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ck_memparse(s, &end, &v) == 0) {
		if (end < s || end > s + size)
			abort();
		ck_format_size(v, fmt, sizeof(fmt));
	}
	if (ck_parse(s, &spec, &err) == 0)
		for (size_t i = 0; i < sizeof(rams) / sizeof(rams[0]); i++)
			(void)ck_select(&spec, rams[i], &sz, &off, &err);
	for (int w = CK_ANY; w <= CK_LOW; w++)
		if (ck_find_in_cmdline(s, (enum ck_where)w, out, sizeof(out)) == 0 &&
		    ck_parse(out, &spec, &err) == 0)
			(void)ck_select(&spec, 4ull << 30, &sz, &off, &err);
	free(s);
	return 0;
}
