/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump.conf parser (kc_parse_buf) and the normalized form it serializes to;
 * a parsed conf must serialize, and its serialization must parse again. */
#include <stdlib.h>
#include <string.h>
#include "kdumpconf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kdump_conf c, c2;
	struct ec_err err;
	char *text = NULL;

	if (kc_parse_buf((const char *)data, size, "fuzz", &c, &err) < 0)
		return 0;
	(void)kc_needs_network(&c);
	if (kc_serialize(&c, &text, &err) == 0) {
		if (kc_parse_buf(text, strlen(text), "normalized", &c2, &err) == 0)
			kc_conf_free(&c2);
		else
			abort();   /* our own output must parse */
		free(text);
	}
	kc_conf_free(&c);
	return 0;
}
