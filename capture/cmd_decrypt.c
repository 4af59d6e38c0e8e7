/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap decrypt (owner: capture) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_decrypt(int argc, char **argv)
{
	fprintf(stderr, "crashcap decrypt: not implemented yet\n");
	return EXIT_FAIL;
}
