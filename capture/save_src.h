/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap save (owner: writers): the writers' page source built from an
 * opened dump and, when it can be built, the kernel model; and the progress
 * line. */
#ifndef CRASHCAP_SAVE_SRC_H
#define CRASHCAP_SAVE_SRC_H

#include <stdio.h>
#include "filter.h"
#include "writer.h"

struct save_src {
	struct wr_source src;
	ec_dump *d;
	km *m;                         /* NULL: unfiltered (the filter failed) */
	int level;                     /* requested dump level */
	bool unfiltered;               /* some cycle was written unfiltered */
	char why[600];                 /* why the filter failed */
	struct fl_stats stats;         /* summed over classify() at `level` */
	bool count_stats;
};

/* Fill s from d (takes no ownership of d). Never fails because of the
 * filter: without a usable model, every present page is kept and s->why
 * says why. Returns negative errno only for unusable dumps. */
int save_src_init(struct save_src *s, ec_dump *d, int level, struct ec_err *err);
void save_src_fini(struct save_src *s);

/* Progress reporting on stderr (tty: one updated line; else plain lines). */
struct save_progress {
	FILE *f;
	bool tty;
	double t0, last;
	int last_pct;
	const char *what;
};
void save_progress_init(struct save_progress *p, const char *what, bool tty);
void save_progress_cb(void *ctx, const struct wr_progress *pr);
void save_progress_done(struct save_progress *p);
double save_now(void);

#endif
