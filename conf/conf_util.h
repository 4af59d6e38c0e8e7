/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal helpers shared by the conf parsers: bounded file reading, line
 * iteration with limits, error formatting. Not installed. */
#ifndef CRASHCAP_CONF_UTIL_H
#define CRASHCAP_CONF_UTIL_H

#include <stddef.h>
#include "elfcore.h"

/* "NAME:LINE: message" into err; returns code. */
int kc_line_err(struct ec_err *err, int code, const char *name, unsigned line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Read a whole regular file of at most KC_MAX_FILE bytes into a malloc'd,
 * NUL-terminated buffer. */
int kc_read_file(const char *path, char **ret_buf, size_t *ret_len, struct ec_err *err);

/* Line iterator over a buffer; each line is copied into an internal buffer
 * (NUL-terminated, '\r' and '\n' stripped). Rejects NUL bytes, lines longer
 * than KC_MAX_LINE and buffers larger than KC_MAX_FILE. */
struct kc_lines {
	const char *p, *end, *name;
	unsigned line;
	char *buf;
};
int kc_lines_init(struct kc_lines *it, const char *buf, size_t len, const char *name,
		  struct ec_err *err);
/* 1 with *ret_line and *ret_no set, 0 at end, negative errno on error. */
int kc_lines_next(struct kc_lines *it, char **ret_line, unsigned *ret_no, struct ec_err *err);
void kc_lines_done(struct kc_lines *it);

/* Strip leading/trailing blanks in place; returns the new start. */
char *kc_trim(char *s);
/* Append val to *dst (malloc'd), separated by sep when *dst is non-empty. */
int kc_append(char **dst, const char *val, char sep);

#endif
