/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap save (owner: writers) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_save(int argc, char **argv)
{
	fprintf(stderr, "crashcap save: not implemented yet\n");
	return EXIT_FAIL;
}
