/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Child processes for the capture. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cap_exec.h"

int cap_argv_split(struct cap_argv *a, const char *cmd, const char *self, struct ec_err *err)
{
	char *p;

	memset(a, 0, sizeof(*a));
	a->store = strdup(cmd ? cmd : "");
	if (!a->store)
		return ec_set_err(err, -ENOMEM, "out of memory");
	for (p = a->store; *p; ) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (a->n == CAP_MAX_ARGS) {
			cap_argv_free(a);
			return ec_set_err(err, -E2BIG, "command has more than %d words: %s",
					  CAP_MAX_ARGS, cmd);
		}
		a->v[a->n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (!a->n) {
		cap_argv_free(a);
		return ec_set_err(err, -EINVAL, "empty command");
	}
	if (self && !strcmp(a->v[0], "crashcap"))
		a->v[0] = (char *)self;
	a->v[a->n] = NULL;
	return 0;
}

int cap_argv_add(struct cap_argv *a, const char *arg, struct ec_err *err)
{
	return cap_argv_insert(a, a->n, arg, err);
}

int cap_argv_insert(struct cap_argv *a, size_t pos, const char *arg, struct ec_err *err)
{
	if (a->n == CAP_MAX_ARGS)
		return ec_set_err(err, -E2BIG, "too many arguments");
	if (pos > a->n)
		pos = a->n;
	memmove(&a->v[pos + 1], &a->v[pos], (a->n - pos) * sizeof(a->v[0]));
	a->v[pos] = (char *)arg;
	a->n++;
	a->v[a->n] = NULL;
	return 0;
}

void cap_argv_free(struct cap_argv *a)
{
	free(a->store);
	memset(a, 0, sizeof(*a));
}

int cap_spawn(char *const argv[], int in_fd, int out_fd, int err_fd, int cwd_fd,
	      pid_t *ret_pid, struct ec_err *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return ec_set_err(err, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		int nul = -1;

		if (in_fd < 0)
			in_fd = nul = open("/dev/null", O_RDONLY);
		if (in_fd >= 0 && in_fd != 0)
			dup2(in_fd, 0);
		if (out_fd >= 0 && out_fd != 1)
			dup2(out_fd, 1);
		if (err_fd >= 0 && err_fd != 2)
			dup2(err_fd, 2);
		if (nul > 2)
			close(nul);
		if (cwd_fd >= 0 && fchdir(cwd_fd) < 0)
			_exit(126);
		execvp(argv[0], argv);
		dprintf(2, "crashcap: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	*ret_pid = pid;
	return 0;
}

int cap_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -EIO;
}

int cap_run_cmd(char *const argv[], int in_fd, int out_fd, int err_fd, int cwd_fd,
		struct ec_err *err)
{
	pid_t pid;
	int r = cap_spawn(argv, in_fd, out_fd, err_fd, cwd_fd, &pid, err);

	if (r < 0)
		return r;
	r = cap_wait(pid);
	if (r < 0)
		return ec_set_err(err, r, "wait for %s: %s", argv[0], strerror(-r));
	return r;
}
