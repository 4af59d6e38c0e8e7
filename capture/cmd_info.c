/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap info (owner: elfcore) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_info(int argc, char **argv)
{
	fprintf(stderr, "crashcap info: not implemented yet\n");
	return EXIT_FAIL;
}
