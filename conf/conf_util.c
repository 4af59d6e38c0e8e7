/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kdumpconf.h"
#include "conf_util.h"

int kc_line_err(struct ec_err *err, int code, const char *name, unsigned line,
		const char *fmt, ...)
{
	va_list ap;
	char msg[400];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		return ec_set_err(err, code, "%s:%u: %s", name, line, msg);
	return ec_set_err(err, code, "%s: %s", name, msg);
}

int kc_read_file(const char *path, char **ret_buf, size_t *ret_len, struct ec_err *err)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		return ec_set_err(err, r, "%s: cannot open: %s", path, strerror(-r));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ec_set_err(err, -EINVAL, "%s: not a regular file", path);
	}
	if (st.st_size > (off_t)KC_MAX_FILE) {
		close(fd);
		return ec_set_err(err, -E2BIG, "%s: %lld bytes, more than the %u-byte limit",
				  path, (long long)st.st_size, KC_MAX_FILE);
	}
	buf = malloc(KC_MAX_FILE + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, KC_MAX_FILE + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			close(fd);
			return ec_set_err(err, r, "%s: read at offset %zu: %s", path, len, strerror(-r));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > KC_MAX_FILE) {
			free(buf);
			close(fd);
			return ec_set_err(err, -E2BIG, "%s: larger than the %u-byte limit", path, KC_MAX_FILE);
		}
	}
	close(fd);
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int kc_lines_init(struct kc_lines *it, const char *buf, size_t len, const char *name,
		  struct ec_err *err)
{
	memset(it, 0, sizeof(*it));
	if (len > KC_MAX_FILE)
		return ec_set_err(err, -E2BIG, "%s: %zu bytes, more than the %u-byte limit",
				  name, len, KC_MAX_FILE);
	if (memchr(buf, '\0', len)) {
		size_t off = (size_t)((const char *)memchr(buf, '\0', len) - buf);
		unsigned line = 1;

		for (size_t i = 0; i < off; i++)
			line += buf[i] == '\n';
		return kc_line_err(err, -EINVAL, name, line, "NUL byte at offset %zu (expected text)", off);
	}
	it->buf = malloc(KC_MAX_LINE + 1);
	if (!it->buf)
		return -ENOMEM;
	it->p = buf;
	it->end = buf + len;
	it->name = name;
	return 0;
}

int kc_lines_next(struct kc_lines *it, char **ret_line, unsigned *ret_no, struct ec_err *err)
{
	const char *nl;
	size_t l;

	if (it->p >= it->end)
		return 0;
	it->line++;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	l = (size_t)((nl ? nl : it->end) - it->p);
	if (l > KC_MAX_LINE)
		return kc_line_err(err, -E2BIG, it->name, it->line,
				   "line of %zu bytes (expected at most %d)", l, KC_MAX_LINE);
	memcpy(it->buf, it->p, l);
	if (l && it->buf[l - 1] == '\r')
		l--;
	/* A CR or other control byte inside a line would not survive the
	 * normalized form's round trip (found by fuzz_kdumpconf): refuse it. */
	for (size_t i = 0; i < l; i++) {
		unsigned char ch = (unsigned char)it->buf[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return kc_line_err(err, -EINVAL, it->name, it->line,
					   "control character 0x%02x at column %zu (expected printable text)",
					   ch, i + 1);
	}
	it->buf[l] = '\0';
	it->p = nl ? nl + 1 : it->end;
	*ret_line = it->buf;
	*ret_no = it->line;
	return 1;
}

void kc_lines_done(struct kc_lines *it)
{
	free(it->buf);
	it->buf = NULL;
}

char *kc_trim(char *s)
{
	size_t l;

	while (*s == ' ' || *s == '\t')
		s++;
	l = strlen(s);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
		s[--l] = '\0';
	return s;
}

int kc_append(char **dst, const char *val, char sep)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(val);
	char *n = realloc(*dst, a + b + 2);

	if (!n)
		return -ENOMEM;
	if (a)
		n[a++] = sep;
	memcpy(n + a, val, b + 1);
	*dst = n;
	return 0;
}
