/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/sysconfig/kdump parser (shell-style assignments, never executed). */
#include "kdumpconf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kc_sysconfig s;
	struct ec_err err;

	if (kc_sysconfig_parse_buf((const char *)data, size, "fuzz", &s, &err) == 0)
		kc_sysconfig_free(&s);
	return 0;
}
