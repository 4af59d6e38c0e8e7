/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap: the dump tool's single entry point; dispatches to cmd_*.c. */
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "commands.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "save", cmd_save, "filter and write a dump (makedumpfile-compatible options)" },
	{ "info", cmd_info, "describe a dump: format, kernel, CPUs, memory, flags" },
	{ "dmesg", cmd_dmesg, "print the kernel log from a dump" },
	{ "reassemble", cmd_reassemble, "turn a flattened dump (-F) back into a file" },
	{ "verify", cmd_verify, "check a dump's structure and read every page" },
	{ "format", cmd_format, "write diskdump signatures on a raw dump partition" },
	{ "savecore", cmd_savecore, "copy a dump from a raw partition to /var/crash" },
	{ "capture", cmd_capture, "run the capture (in the capture kernel's initrd)" },
	{ "decrypt", cmd_decrypt, "decrypt a dump written with encrypt_to (also --genkey, --encrypt)" },
	{ "fadump", cmd_fadump, "save a firmware-assisted dump, releasing memory as it goes" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: crashcap COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nSee crashcap(8). Run 'crashcap COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("crashcap %s\n", CRASHCAP_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "crashcap: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
