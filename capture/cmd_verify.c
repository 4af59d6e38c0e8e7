/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap verify (owner: writers) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_verify(int argc, char **argv)
{
	fprintf(stderr, "crashcap verify: not implemented yet\n");
	return EXIT_FAIL;
}
