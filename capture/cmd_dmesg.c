/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap dmesg (owner: filter) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_dmesg(int argc, char **argv)
{
	fprintf(stderr, "crashcap dmesg: not implemented yet\n");
	return EXIT_FAIL;
}
