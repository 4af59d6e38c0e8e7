/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VMCOREINFO: "KEY=VALUE\n" text into a sorted table with typed lookups. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "priv.h"

#define VMCI_MAX_BYTES (1u << 20)
#define VMCI_MAX_LINE  4096

struct vmci_entry {
	const char *key;
	const char *val;
	size_t idx;          /* line order, so the first of duplicates wins */
};

struct ec_vmcoreinfo {
	char *text;          /* verbatim copy (NUL-terminated for convenience) */
	size_t len;
	char *store;         /* split copy: keys and values point in here */
	struct vmci_entry *e;
	size_t n;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct vmci_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void ec_vmci_free(ec_vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->text);
	free(vi->store);
	free(vi->e);
	free(vi);
}

int ec_vmci_parse(const char *text, size_t len, ec_vmcoreinfo **ret, struct ec_err *err)
{
	ec_vmcoreinfo *vi;
	size_t nlines = 0, line = 1, line_start = 0;

	if (len > VMCI_MAX_BYTES)
		return ec_set_err(err, -E2BIG, "VMCOREINFO is %zu bytes, more than the %u allowed",
				  len, VMCI_MAX_BYTES);
	/* Trailing NULs are padding some writers leave; anything else must be text. */
	while (len && text[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			nlines++;
			line++;
			line_start = i + 1;
			continue;
		}
		if (c < 0x20 && c != '\t')
			return ec_set_err(err, -EBADMSG, "VMCOREINFO line %zu (byte %zu): control byte 0x%02x",
					  line, i, c);
		if (c >= 0x7f)
			return ec_set_err(err, -EBADMSG, "VMCOREINFO line %zu (byte %zu): non-ASCII byte 0x%02x",
					  line, i, c);
		if (i - line_start >= VMCI_MAX_LINE)
			return ec_set_err(err, -EBADMSG, "VMCOREINFO line %zu (byte %zu): longer than %u bytes",
					  line, line_start, VMCI_MAX_LINE);
	}
	nlines++;

	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return ec_set_err(err, -ENOMEM, "out of memory");
	vi->text = malloc(len + 1);
	vi->store = malloc(len + 1);
	vi->e = calloc(nlines, sizeof(*vi->e));
	if (!vi->text || !vi->store || !vi->e) {
		ec_vmci_free(vi);
		return ec_set_err(err, -ENOMEM, "out of memory");
	}
	memcpy(vi->text, text, len);
	vi->text[len] = '\0';
	memcpy(vi->store, text, len);
	vi->store[len] = '\0';
	vi->len = len;

	line = 0;
	for (char *p = vi->store; p < vi->store + len;) {
		char *nl = memchr(p, '\n', (size_t)(vi->store + len - p));
		char *end = nl ? nl : vi->store + len;
		char *eq;

		line++;
		*end = '\0';
		if (end == p) {                 /* empty line */
			p = end + 1;
			continue;
		}
		eq = strchr(p, '=');
		if (!eq && !nl)
			break;          /* a last line cut short (the kernel's buffer was full) */
		if (!eq || eq == p) {
			size_t at = (size_t)(p - vi->store);
			ec_vmci_free(vi);
			return ec_set_err(err, -EBADMSG, "VMCOREINFO line %zu (byte %zu): not KEY=VALUE",
					  line, at);
		}
		*eq = '\0';
		vi->e[vi->n].key = p;
		vi->e[vi->n].val = eq + 1;
		vi->e[vi->n].idx = vi->n;
		vi->n++;
		p = end + 1;
	}
	qsort(vi->e, vi->n, sizeof(*vi->e), entry_cmp);
	*ret = vi;
	return 0;
}

const char *ec_vmci_text(const ec_vmcoreinfo *vi, size_t *ret_len)
{
	if (ret_len)
		*ret_len = vi->len;
	return vi->text;
}

const char *ec_vmci_get(const ec_vmcoreinfo *vi, const char *key)
{
	size_t lo = 0, hi;

	if (!vi)
		return NULL;
	hi = vi->n;
	while (lo < hi) {                       /* lower bound: first duplicate */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(vi->e[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < vi->n && !strcmp(vi->e[lo].key, key))
		return vi->e[lo].val;
	return NULL;
}

static int parse_u64(const char *s, int base, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (base == 16 && (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		s += 2;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int ec_vmci_u64(const ec_vmcoreinfo *vi, const char *key, int base, uint64_t *ret)
{
	const char *v = ec_vmci_get(vi, key);
	uint64_t x;
	int r;

	if (!v)
		return -ENOENT;
	r = parse_u64(v, base, &x);
	if (r < 0)
		return r;
	*ret = x;
	return 0;
}

static int wrapped(const ec_vmcoreinfo *vi, const char *kind, const char *name,
		   int base, uint64_t *ret)
{
	char key[256];

	if ((size_t)snprintf(key, sizeof(key), "%s(%s)", kind, name) >= sizeof(key))
		return -ENOENT;
	return ec_vmci_u64(vi, key, base, ret);
}

int ec_vmci_symbol(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret)
{
	return wrapped(vi, "SYMBOL", name, 16, ret);
}

int ec_vmci_size(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret)
{
	return wrapped(vi, "SIZE", name, 10, ret);
}

int ec_vmci_offset(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret)
{
	return wrapped(vi, "OFFSET", name, 10, ret);
}

int ec_vmci_length(const ec_vmcoreinfo *vi, const char *name, uint64_t *ret)
{
	return wrapped(vi, "LENGTH", name, 10, ret);
}

int ec_vmci_number(const ec_vmcoreinfo *vi, const char *name, int64_t *ret)
{
	char key[256];
	const char *v, *s;
	char *end;
	bool neg = false;
	uint64_t mag;

	if ((size_t)snprintf(key, sizeof(key), "NUMBER(%s)", name) >= sizeof(key))
		return -ENOENT;
	v = ec_vmci_get(vi, key);
	if (!v)
		return -ENOENT;
	s = v;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		/* hex prints an unsigned value (NUMBER(VMALLOC_START)=0x...) */
		mag = strtoull(s + 2, &end, 16);
		if (errno || end == s + 2 || *end)
			return -EINVAL;
		*ret = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return 0;
	}
	mag = strtoull(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return -EINVAL;
		*ret = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return -EINVAL;
		*ret = (int64_t)mag;
	}
	return 0;
}
