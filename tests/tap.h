/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for unit tests: ok(cond, fmt...), then return tap_done(). */
#ifndef CRASHCAP_TAP_H
#define CRASHCAP_TAP_H
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((format(printf, 1, 2), unused))
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* First line of a text test input ('\n' shown as '|'), for a TAP description. */
__attribute__((unused))
static const char *first_line(const char *t)
{
	static char b[48];
	size_t i = 0;

	for (; t[i] && i < sizeof(b) - 1; i++)
		b[i] = t[i] == '\n' ? '|' : t[i];
	b[i] = '\0';
	return b;
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
#endif
