/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap format (owner: capture) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_format(int argc, char **argv)
{
	fprintf(stderr, "crashcap format: not implemented yet\n");
	return EXIT_FAIL;
}
