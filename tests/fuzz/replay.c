/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Without libFuzzer (meson option fuzz=false): run a fuzz target over every
 * file of the corpus directories given as arguments, so the seed corpus is
 * replayed in `meson test`. TAP: one line per input.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

static int n;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* a crash or sanitizer report aborts the whole test: that is the failure */
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	fflush(stdout);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char **names = NULL;
		size_t nn = 0;

		if (stat(argv[i], &st) < 0) {
			printf("not ok %d - %s: missing\n", ++n, argv[i]);
			failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed += run_file(argv[i]) < 0;
			continue;
		}
		d = opendir(argv[i]);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			names = realloc(names, (nn + 1) * sizeof(*names));
			names[nn] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
			sprintf(names[nn], "%s/%s", argv[i], e->d_name);
			nn++;
		}
		if (d)
			closedir(d);
		qsort(names, nn, sizeof(*names), cmp);
		for (size_t k = 0; k < nn; k++) {
			if (run_file(names[k]) < 0) {
				printf("not ok %d - %s: unreadable\n", ++n, names[k]);
				failed++;
			}
			free(names[k]);
		}
		free(names);
	}
	if (n == 0) {
		printf("not ok 1 - empty corpus\n");
		n = 1;
		failed++;
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
