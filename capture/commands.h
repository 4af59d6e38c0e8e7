/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One front end per `crashcap` sub-command; each returns the process exit code. */
#ifndef CRASHCAP_COMMANDS_H
#define CRASHCAP_COMMANDS_H

/* Exit codes shared by all sub-commands. */
#define EXIT_OK          0
#define EXIT_FAIL        1
#define EXIT_USAGE       2
#define EXIT_INCOMPLETE  3   /* dump written but marked incomplete (ENOSPC, EIO) */
#define EXIT_UNFILTERED  4   /* dump complete, but the filter failed: all pages kept */

int cmd_info(int argc, char **argv);        /* owner: elfcore */
int cmd_dmesg(int argc, char **argv);       /* owner: filter */
int cmd_save(int argc, char **argv);        /* owner: writers */
int cmd_reassemble(int argc, char **argv);  /* owner: writers */
int cmd_verify(int argc, char **argv);      /* owner: writers */
int cmd_format(int argc, char **argv);      /* owner: capture */
int cmd_savecore(int argc, char **argv);    /* owner: capture */
int cmd_capture(int argc, char **argv);     /* owner: capture */
int cmd_decrypt(int argc, char **argv);     /* owner: security */
int cmd_fadump(int argc, char **argv);      /* owner: security (firmware-assisted dump) */

#endif
