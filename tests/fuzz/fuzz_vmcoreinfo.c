/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VMCOREINFO text parser (ec_vmci_parse) and its typed lookups. */
#include <stdlib.h>
#include "elfcore.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "swapper_pg_dir", "mem_section", "page", "PG_lru",
					     "page.flags", "phys_base", "KERNELOFFSET" };
	ec_vmcoreinfo *vi;
	struct ec_err err;
	size_t tl;

	if (ec_vmci_parse((const char *)data, size, &vi, &err) < 0)
		return 0;
	(void)ec_vmci_text(vi, &tl);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t u;
		int64_t s;

		(void)ec_vmci_get(vi, names[i]);
		(void)ec_vmci_symbol(vi, names[i], &u);
		(void)ec_vmci_size(vi, names[i], &u);
		(void)ec_vmci_offset(vi, names[i], &u);
		(void)ec_vmci_length(vi, names[i], &u);
		(void)ec_vmci_number(vi, names[i], &s);
		(void)ec_vmci_u64(vi, names[i], 16, &u);
		(void)ec_vmci_u64(vi, names[i], 10, &u);
	}
	(void)ec_vmci_get(vi, "OSRELEASE");
	ec_vmci_free(vi);
	return 0;
}
