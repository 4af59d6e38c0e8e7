/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture orchestration (`crashcap capture`): for each configured target
 * in order, wait for it, create <path>/<host>-<date>/, write vmcore-dmesg.txt,
 * then the dump as vmcore-incomplete (renamed to vmcore when complete), then
 * kexec-dmesg.log; stop at the first target that received a complete dump.
 * A dump cut short (ENOSPC, EIO) is kept, marked incomplete, and the next
 * target gets a full one. Then final_action, or failure_action if no target
 * got a dump at all.
 *
 * Everything that touches the machine (devices, mounts, actions) goes through
 * struct cap_ops so the logic is unit-tested without root; collectors run as
 * child processes (their command line comes from the conf).
 */
#ifndef CRASHCAP_CAP_RUN_H
#define CRASHCAP_CAP_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "kdumpconf.h"

struct cap_ops {
	/* Wait up to timeout_s for a device spec (path, UUID=, LABEL=,
	 * PARTUUID=, PARTLABEL=) to appear; its path goes to ret_path. */
	int (*wait_device)(void *ctx, const char *spec, int timeout_s,
			   char *ret_path, size_t n, struct ec_err *err);
	/* Mount dev (a device path, or host:/export for nfs) of fstype on mnt. */
	int (*mount)(void *ctx, const char *fstype, const char *dev, const char *mnt,
		     struct ec_err *err);
	void (*umount)(void *ctx, const char *mnt);
	/* Reboot, halt, poweroff, shell. Returns only if it could not act (or in tests). */
	int (*action)(void *ctx, enum kc_action a);
	void *ctx;
};

/* The real operations (udev paths, mount(2)/mount.nfs, reboot(2)). */
extern const struct cap_ops cap_real_ops;

struct cap_params {
	const struct kdump_conf *conf;
	const char *vmcore;     /* "/proc/vmcore" */
	const char *self;       /* crashcap binary run for "crashcap ..." commands */
	const char *sysroot;    /* root fs of the crashed system ("/sysroot" in dracut) */
	const char *mnt_base;   /* where targets get mounted ("/kdumproot") */
	const char *host;       /* for directory names */
	int64_t time;           /* capture start, seconds since the epoch */
	const struct cap_ops *ops;
	FILE *console;          /* progress lines; NULL: quiet */
	FILE *kmsg;             /* the outcome and the action also go here (/dev/kmsg:
				 * reaches the console before the reboot, unlike a
				 * journal); NULL: not */
};

enum cap_outcome {
	CAP_SAVED = 0,          /* a complete dump on some target */
	CAP_INCOMPLETE,         /* only incomplete dumps */
	CAP_FAILED,             /* nothing saved */
};

struct cap_result {
	enum cap_outcome outcome;
	int target;             /* index of the target holding the best dump, -1 none */
	char where[PATH_MAX];   /* its directory (or device, or user@host:dir) */
	enum kc_action action;  /* the action taken (or attempted) */
	bool unfiltered;        /* the filter failed; all pages were kept */
};

/* Run the whole capture. Returns 0 when the orchestration ran (see
 * ret->outcome), a negative errno only for setup errors. */
int cap_run(const struct cap_params *p, struct cap_result *ret);

#endif
