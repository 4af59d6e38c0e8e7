/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/sysconfig/kdump: shell-style KEY=VALUE assignments, parsed, never run. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kdumpconf.h"
#include "conf_util.h"

int kc_shell_word(const char **pp, const char *end, char *out, size_t outsz,
		  const char **ret_what)
{
	const char *p = *pp;
	size_t n = 0;

#define PUT(ch) do { if (n + 1 >= outsz) { *ret_what = "a shorter value"; return -E2BIG; } \
		     out[n++] = (ch); } while (0)
	while (p < end && *p != ' ' && *p != '\t') {
		if (*p == '\'') {
			p++;
			while (p < end && *p != '\'')
				PUT(*p++);
			if (p >= end) {
				*ret_what = "a closing ' (values cannot span lines)";
				return -EINVAL;
			}
			p++;
		} else if (*p == '"') {
			p++;
			while (p < end && *p != '"') {
				if (*p == '$' || *p == '`') {
					*ret_what = "no $ or ` (expansion is not supported; use '...')";
					return -EINVAL;
				}
				if (*p == '\\' && p + 1 < end && strchr("\"\\$`", p[1]))
					p++;
				PUT(*p++);
			}
			if (p >= end) {
				*ret_what = "a closing \" (values cannot span lines)";
				return -EINVAL;
			}
			p++;
		} else if (*p == '\\') {
			if (p + 1 >= end) {
				*ret_what = "a character after \\ (line continuation is not supported)";
				return -EINVAL;
			}
			PUT(p[1]);
			p += 2;
		} else if (strchr("$`;&|<>()", *p)) {
			*ret_what = "a plain value (shell expansion, substitution and operators are not supported; quote with '...')";
			return -EINVAL;
		} else {
			PUT(*p++);
		}
	}
#undef PUT
	out[n] = '\0';
	*pp = p;
	return (int)n;
}

void kc_sysconfig_free(struct kc_sysconfig *s)
{
	if (!s)
		return;
	free(s->kernelver);
	free(s->commandline);
	free(s->commandline_append);
	free(s->commandline_remove);
	free(s->kexec_args);
	free(s->img);
	free(s->img_ext);
	free(s->bootdir);
	memset(s, 0, sizeof(*s));
}

static int sc_finish(struct kc_sysconfig *s)
{
	if (!s->img && !(s->img = strdup("vmlinuz")))
		return -ENOMEM;
	if (!s->img_ext && !(s->img_ext = strdup("")))
		return -ENOMEM;
	if (!s->bootdir && !(s->bootdir = strdup("/boot")))
		return -ENOMEM;
	return 0;
}

int kc_sysconfig_defaults(struct kc_sysconfig *ret)
{
	struct kc_sysconfig s;
	int r;

	memset(&s, 0, sizeof(s));
	r = sc_finish(&s);
	if (r < 0) {
		kc_sysconfig_free(&s);
		return r;
	}
	*ret = s;
	return 0;
}

static char **sc_field(struct kc_sysconfig *s, const char *key, size_t klen)
{
	static const struct { const char *k; size_t off; } map[] = {
		{ "KDUMP_KERNELVER", offsetof(struct kc_sysconfig, kernelver) },
		{ "KDUMP_COMMANDLINE", offsetof(struct kc_sysconfig, commandline) },
		{ "KDUMP_COMMANDLINE_APPEND", offsetof(struct kc_sysconfig, commandline_append) },
		{ "KDUMP_COMMANDLINE_REMOVE", offsetof(struct kc_sysconfig, commandline_remove) },
		{ "KEXEC_ARGS", offsetof(struct kc_sysconfig, kexec_args) },
		{ "KDUMP_IMG", offsetof(struct kc_sysconfig, img) },
		{ "KDUMP_IMG_EXT", offsetof(struct kc_sysconfig, img_ext) },
		{ "KDUMP_BOOTDIR", offsetof(struct kc_sysconfig, bootdir) },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].k) == klen && !memcmp(map[i].k, key, klen))
			return (char **)((char *)s + map[i].off);
	return NULL;
}

int kc_sysconfig_parse_buf(const char *buf, size_t len, const char *name,
			   struct kc_sysconfig *ret, struct ec_err *err)
{
	struct kc_sysconfig s;
	struct kc_lines it;
	char *line, *word = NULL;
	unsigned no = 0;
	int r;

	name = name ? name : "sysconfig";
	r = kc_lines_init(&it, buf, len, name, err);
	if (r < 0)
		return r;
	memset(&s, 0, sizeof(s));
	word = malloc(KC_MAX_LINE + 1);
	if (!word)
		r = -ENOMEM;
	while (word && (r = kc_lines_next(&it, &line, &no, err)) > 0) {
		char *p = kc_trim(line), *key;
		const char *v, *end, *what = NULL;
		size_t klen;
		char **field;
		int n;

		if (!*p || *p == '#')
			continue;
		if (!strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t'))
			p = kc_trim(p + 6);
		key = p;
		if (!isalpha((unsigned char)*p) && *p != '_') {
			r = kc_line_err(err, -EINVAL, name, no, "expected KEY=value, got '%.40s'", line);
			break;
		}
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		klen = (size_t)(p - key);
		if (*p != '=') {
			r = kc_line_err(err, -EINVAL, name, no,
					"expected '=' right after %.*s (no spaces around '=')", (int)klen, key);
			break;
		}
		v = p + 1;
		end = v + strlen(v);
		n = kc_shell_word(&v, end, word, KC_MAX_LINE + 1, &what);
		if (n < 0) {
			r = kc_line_err(err, n, name, no, "%.*s: expected %s", (int)klen, key, what);
			break;
		}
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v < end && *v != '#') {
			r = kc_line_err(err, -EINVAL, name, no,
					"%.*s: expected one value (quote values that contain spaces)",
					(int)klen, key);
			break;
		}
		field = sc_field(&s, key, klen);
		if (!field) {
			s.n_other++;
			continue;
		}
		free(*field);   /* shell semantics: the last assignment wins */
		if (!(*field = strdup(word))) {
			r = -ENOMEM;
			break;
		}
	}
	free(word);
	kc_lines_done(&it);
	if (r == 0)
		r = sc_finish(&s);
	if (r < 0) {
		kc_sysconfig_free(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int kc_sysconfig_parse_file(const char *path, struct kc_sysconfig *ret, struct ec_err *err)
{
	char *buf;
	size_t len;
	int r = kc_read_file(path, &buf, &len, err);

	if (r < 0)
		return r;
	r = kc_sysconfig_parse_buf(buf, len, path, ret, err);
	free(buf);
	return r;
}
