/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap savecore (owner: capture) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_savecore(int argc, char **argv)
{
	fprintf(stderr, "crashcap savecore: not implemented yet\n");
	return EXIT_FAIL;
}
