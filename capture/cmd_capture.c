/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap capture (owner: capture) — not implemented yet. */
#include <stdio.h>
#include "commands.h"

int cmd_capture(int argc, char **argv)
{
	fprintf(stderr, "crashcap capture: not implemented yet\n");
	return EXIT_FAIL;
}
