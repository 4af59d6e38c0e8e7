/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the capture orchestration (cap_run.c, cap_targets.c). */
#ifndef CRASHCAP_CAP_INTERNAL_H
#define CRASHCAP_CAP_INTERNAL_H

#include <time.h>
#include "cap_exec.h"
#include "cap_run.h"

/* What one target attempt produced. */
enum cap_tres {
	T_OK = 0,        /* complete dump */
	T_INCOMPLETE,    /* dump kept, marked incomplete: try the next target */
	T_FAIL,          /* nothing usable written */
	T_REFUSED,       /* target refused before writing (unformatted raw, ...) */
};

struct cap_state {
	const struct cap_params *p;
	char *log;              /* our own log (kexec-dmesg.log) */
	size_t log_len, log_cap;
	struct timespec t0;
	bool unfiltered;
	bool to_kmsg;           /* cap_log also writes to p->kmsg */
	char where[PATH_MAX];
};

void cap_log(struct cap_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The collector's argv: conf core_collector (+ "-F" when flat) + vmcore (+ out). */
int cap_collector_argv(struct cap_state *s, struct cap_argv *a, bool flat,
		       const char *out, struct ec_err *err);
bool cap_collector_is_crashcap(const struct cap_state *s);
/* Spawn `crashcap dmesg VMCORE` writing to out_fd. */
int cap_spawn_dmesg(struct cap_state *s, int out_fd, pid_t *ret_pid, struct ec_err *err);
/* Copy the vmcore unfiltered into out_fd (ELF, zero pages left as holes when
 * sparse). ENOSPC/EIO: returns T_INCOMPLETE after marking the file. */
enum cap_tres cap_copy_vmcore(struct cap_state *s, int out_fd, bool sparse);

/* Targets in cap_targets.c. */
enum cap_tres cap_target_raw(struct cap_state *s, const struct kc_target *t, int idx);
enum cap_tres cap_target_ssh(struct cap_state *s, const struct kc_target *t, int idx);

#endif
