/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap reassemble (owner: writers) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_reassemble(int argc, char **argv)
{
	fprintf(stderr, "crashcap reassemble: not implemented yet\n");
	return EXIT_FAIL;
}
