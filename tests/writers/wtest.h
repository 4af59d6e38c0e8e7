/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the writer tests: run a writer into a temp file. */
#ifndef WTEST_H
#define WTEST_H
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "writer.h"

static char wt_dir[] = "/tmp/crashcap-wtest-XXXXXX";
static bool wt_made;

static const char *wt_path(const char *name)
{
	static char buf[4][256];
	static int k;

	if (wt_made || (wt_made = mkdtemp(wt_dir) != NULL)) {
		k = (k + 1) % 4;
		snprintf(buf[k], sizeof(buf[k]), "%s/%s", wt_dir, name);
		return buf[k];
	}
	return NULL;
}

typedef int (*wt_fn)(const struct wr_source *, const struct wr_opts *, wr_out *,
		     struct wr_result *, struct ec_err *);
#ifndef WT_WRITER
#define WT_WRITER wr_write
#endif

/* Write src with o into path (flat: as a flattened stream). */
static int wt_write(const struct wr_source *src, const struct wr_opts *o,
		    const char *path, bool flat, struct wr_result *res,
		    struct ec_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	wr_out *out;
	int r;

	if (fd < 0)
		return -1;
	r = flat ? out_flat(fd, &out) : out_file(fd, &out);
	if (r == 0) {
		r = WT_WRITER(src, o, out, res, err);
		out_destroy(out);
	}
	close(fd);
	return r;
}

static bool wt_same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = false;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void wt_cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", wt_dir);
	if (wt_made)
		(void)!system(cmd);
}
#endif
