/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Child processes for the capture: command lines from the conf, spawn, wait. */
#ifndef CRASHCAP_CAP_EXEC_H
#define CRASHCAP_CAP_EXEC_H

#include <stddef.h>
#include <sys/types.h>
#include "elfcore.h"

#define CAP_MAX_ARGS 64

struct cap_argv {
	char *v[CAP_MAX_ARGS + 1];  /* NULL-terminated */
	size_t n;
	char *store;                /* owned copies of the split words */
};

/* Split a whitespace-separated command (the normalized conf has no quoting).
 * A first word "crashcap" is replaced by `self` so the initrd's own binary runs. */
int cap_argv_split(struct cap_argv *a, const char *cmd, const char *self, struct ec_err *err);
/* Append one argument (copied by pointer: must outlive the argv). */
int cap_argv_add(struct cap_argv *a, const char *arg, struct ec_err *err);
/* Insert after position pos (e.g. "-F" after "save"). */
int cap_argv_insert(struct cap_argv *a, size_t pos, const char *arg, struct ec_err *err);
void cap_argv_free(struct cap_argv *a);

/* fork+exec. in_fd/out_fd/err_fd: -1 means /dev/null for stdin, inherit for
 * the others. cwd_fd >= 0: fchdir there first. */
int cap_spawn(char *const argv[], int in_fd, int out_fd, int err_fd, int cwd_fd,
	      pid_t *ret_pid, struct ec_err *err);
/* Wait: the exit code, 128+signal when killed, negative errno on error. */
int cap_wait(pid_t pid);
/* spawn + wait. */
int cap_run_cmd(char *const argv[], int in_fd, int out_fd, int err_fd, int cwd_fd,
		struct ec_err *err);

#endif
