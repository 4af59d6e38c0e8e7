/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump.conf parser (Fedora/RHEL syntax + crashcap extensions, see kdumpconf.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kdumpconf.h"
#include "conf_util.h"

static const char *const fs_types[] = {
	"ext2", "ext3", "ext4", "xfs", "btrfs", "minix", "vfat",
};

static const struct {
	const char *name;
	enum kc_action act;
	bool final_ok;
} actions[] = {
	{ "reboot", KC_ACT_REBOOT, true },
	{ "halt", KC_ACT_HALT, true },
	{ "poweroff", KC_ACT_POWEROFF, true },
	{ "shell", KC_ACT_SHELL, false },
	{ "dump_to_rootfs", KC_ACT_DUMP_TO_ROOTFS, false },
};

const char *kc_action_name(enum kc_action a)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].act == a)
			return actions[i].name;
	return "?";
}

const char *kc_target_type_name(enum kc_target_type t)
{
	switch (t) {
	case KC_T_RAW: return "raw";
	case KC_T_FS: return "fs";
	case KC_T_NFS: return "nfs";
	case KC_T_SSH: return "ssh";
	}
	return "?";
}

bool kc_needs_network(const struct kdump_conf *c)
{
	for (size_t i = 0; i < c->n_targets; i++)
		if (c->targets[i].type == KC_T_NFS || c->targets[i].type == KC_T_SSH)
			return true;
	return false;
}

void kc_conf_free(struct kdump_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_targets; i++)
		free(c->targets[i].spec);
	free(c->path);
	free(c->sshkey);
	free(c->core_collector);
	free(c->kdump_pre);
	free(c->kdump_post);
	free(c->extra_bins);
	free(c->extra_modules);
	free(c->dracut_args);
	free(c->blacklist);
	free(c->options);
	free(c->fence_kdump_args);
	free(c->fence_kdump_nodes);
	free(c->encrypt_to);
	memset(c, 0, sizeof(*c));
}

static void conf_init(struct kdump_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->failure_action = KC_ACT_REBOOT;
	c->final_action = KC_ACT_REBOOT;
	c->sample_rate = KC_DEFAULT_SAMPLE_RATE;
	c->link_delay = -1;
	c->disk_timeout = -1;
}

/* Fill unset strings with defaults; -ENOMEM on failure. */
static int conf_finish(struct kdump_conf *c)
{
	if (!c->path && !(c->path = strdup(KC_DEFAULT_PATH)))
		return -ENOMEM;
	if (!c->sshkey && !(c->sshkey = strdup(KC_DEFAULT_SSHKEY)))
		return -ENOMEM;
	if (!c->core_collector) {
		if (!(c->core_collector = strdup(KC_DEFAULT_COLLECTOR)))
			return -ENOMEM;
		c->collector_kind = KC_COLL_CRASHCAP;
	}
	return 0;
}

int kc_conf_defaults(struct kdump_conf *ret)
{
	struct kdump_conf c;
	int r;

	conf_init(&c);
	r = conf_finish(&c);
	if (r < 0) {
		kc_conf_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

/* Parser state for one file. */
struct pstate {
	const char *name;
	unsigned line;
	struct ec_err *err;
};

#define PERR(ps, code, ...) kc_line_err((ps)->err, code, (ps)->name, (ps)->line, __VA_ARGS__)

static int set_once(struct pstate *ps, char **dst, const char *key, const char *val)
{
	if (*dst)
		return PERR(ps, -EINVAL, "'%s' given twice (expected at most one)", key);
	if (!(*dst = strdup(val)))
		return -ENOMEM;
	return 0;
}

static int need_word(struct pstate *ps, const char *key, const char *val, const char *what)
{
	if (!*val)
		return PERR(ps, -EINVAL, "'%s' needs %s", key, what);
	return 0;
}

static int one_word(struct pstate *ps, const char *key, const char *val, const char *what)
{
	int r = need_word(ps, key, val, what);

	if (r < 0)
		return r;
	if (strpbrk(val, " \t"))
		return PERR(ps, -EINVAL, "'%s' takes one argument (%s), got '%s'", key, what, val);
	return 0;
}

static int parse_bool01(struct pstate *ps, const char *key, const char *val, bool *ret)
{
	if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "true"))
		*ret = true;
	else if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "false"))
		*ret = false;
	else
		return PERR(ps, -EINVAL, "'%s' expects 0 or 1, got '%s'", key, val);
	return 0;
}

static int parse_uint(struct pstate *ps, const char *key, const char *val,
		      unsigned long min, unsigned long max, unsigned long *ret)
{
	char *e;
	unsigned long v;

	errno = 0;
	if (!isdigit((unsigned char)val[0]))
		goto bad;
	v = strtoul(val, &e, 10);
	if (errno || *e || v < min || v > max)
		goto bad;
	*ret = v;
	return 0;
bad:
	return PERR(ps, -EINVAL, "'%s' expects an integer in %lu..%lu, got '%s'", key, min, max, val);
}

static int add_target(struct pstate *ps, struct kdump_conf *c, enum kc_target_type t,
		      const char *fstype, const char *spec)
{
	struct kc_target *tg;

	if (c->n_targets >= KC_MAX_TARGETS)
		return PERR(ps, -E2BIG, "too many dump targets (at most %d in the fallback chain)",
			    KC_MAX_TARGETS);
	for (size_t i = 0; i < c->n_targets; i++)
		if (c->targets[i].type == t && !strcmp(c->targets[i].spec, spec) &&
		    !strcmp(c->targets[i].fstype, fstype))
			return PERR(ps, -EINVAL, "target '%s %s' repeats line %u", fstype, spec,
				    c->targets[i].line);
	tg = &c->targets[c->n_targets];
	tg->type = t;
	snprintf(tg->fstype, sizeof(tg->fstype), "%s", fstype);
	tg->line = ps->line;
	if (!(tg->spec = strdup(spec)))
		return -ENOMEM;
	c->n_targets++;
	return 0;
}

static int parse_target(struct pstate *ps, struct kdump_conf *c, const char *key, const char *val)
{
	int r;

	if (!strcmp(key, "raw")) {
		if ((r = one_word(ps, key, val, "a device such as /dev/sdb1")) < 0)
			return r;
		if (val[0] != '/' && strncmp(val, "UUID=", 5) && strncmp(val, "LABEL=", 6) &&
		    strncmp(val, "PARTUUID=", 9) && strncmp(val, "PARTLABEL=", 10))
			return PERR(ps, -EINVAL, "'raw' expects a device path, UUID= or LABEL=, got '%s'", val);
		return add_target(ps, c, KC_T_RAW, "raw", val);
	}
	if (!strcmp(key, "nfs") || !strcmp(key, "nfs4")) {
		const char *colon;

		if ((r = one_word(ps, key, val, "host:/export")) < 0)
			return r;
		/* host:/export, [v6addr]:/export */
		colon = val[0] == '[' ? strstr(val, "]:") : strchr(val, ':');
		if (colon && val[0] == '[')
			colon++;
		if (!colon || colon == val || colon[1] != '/')
			return PERR(ps, -EINVAL, "'nfs' expects host:/export, got '%s'", val);
		return add_target(ps, c, KC_T_NFS, "nfs", val);
	}
	if (!strcmp(key, "ssh")) {
		const char *at;

		if ((r = one_word(ps, key, val, "user@host")) < 0)
			return r;
		at = strchr(val, '@');
		if (!at || at == val || !at[1])
			return PERR(ps, -EINVAL, "'ssh' expects user@host, got '%s'", val);
		return add_target(ps, c, KC_T_SSH, "ssh", val);
	}
	/* filesystem type */
	if ((r = one_word(ps, key, val, "a device, UUID=... or LABEL=...")) < 0)
		return r;
	if (val[0] != '/' && strncmp(val, "UUID=", 5) && strncmp(val, "LABEL=", 6) &&
	    strncmp(val, "PARTUUID=", 9) && strncmp(val, "PARTLABEL=", 10))
		return PERR(ps, -EINVAL, "'%s' expects a device path, UUID= or LABEL=, got '%s'", key, val);
	if (val[strcspn(val, "=")] == '=' && !val[strcspn(val, "=") + 1] && val[0] != '/')
		return PERR(ps, -EINVAL, "'%s': empty %.*s value", key, (int)strcspn(val, "=") + 1, val);
	return add_target(ps, c, KC_T_FS, key, val);
}

static int parse_action(struct pstate *ps, const char *key, const char *val, bool final,
			enum kc_action *ret)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(val, actions[i].name)) {
			if (final && !actions[i].final_ok)
				break;
			*ret = actions[i].act;
			return 0;
		}
	return PERR(ps, -EINVAL, "'%s' expects %s, got '%s'", key,
		    final ? "reboot, halt or poweroff" :
			    "reboot, halt, poweroff, shell or dump_to_rootfs", val);
}

/* core_collector: rewrite makedumpfile to crashcap save. */
static int parse_collector(struct pstate *ps, struct kdump_conf *c, const char *val)
{
	const char *sp = val + strcspn(val, " \t");
	const char *base = val;
	char *out;

	if (c->core_collector)
		return PERR(ps, -EINVAL, "'core_collector' given twice (expected at most one)");
	for (const char *p = val; p < sp; p++)
		if (*p == '/')
			base = p + 1;
	if ((size_t)(sp - base) == 12 && !strncmp(base, "makedumpfile", 12)) {
		if (asprintf(&out, "crashcap save%s", sp) < 0)
			return -ENOMEM;
		c->collector_kind = KC_COLL_CRASHCAP;
		c->collector_from_makedumpfile = true;
	} else if ((size_t)(sp - base) == 8 && !strncmp(base, "crashcap", 8)) {
		const char *rest = sp + strspn(sp, " \t");

		if (strncmp(rest, "save", 4) || (rest[4] && rest[4] != ' ' && rest[4] != '\t'))
			return PERR(ps, -EINVAL, "'core_collector crashcap' expects the 'save' sub-command");
		if (asprintf(&out, "crashcap %s", rest) < 0)
			return -ENOMEM;
		c->collector_kind = KC_COLL_CRASHCAP;
	} else {
		if (!(out = strdup(val)))
			return -ENOMEM;
		c->collector_kind = KC_COLL_EXTERNAL;
	}
	c->core_collector = out;
	return 0;
}

static int parse_line(struct pstate *ps, struct kdump_conf *c, char *key, char *val)
{
	int r;
	unsigned long u;

	for (size_t i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
		if (!strcmp(key, fs_types[i]))
			return parse_target(ps, c, key, val);
	if (!strcmp(key, "raw") || !strcmp(key, "nfs") || !strcmp(key, "nfs4") ||
	    !strcmp(key, "ssh"))
		return parse_target(ps, c, key, val);
	if (!strcmp(key, "path")) {
		if ((r = one_word(ps, key, val, "an absolute directory")) < 0)
			return r;
		if (val[0] != '/')
			return PERR(ps, -EINVAL, "'path' expects an absolute directory, got '%s'", val);
		return set_once(ps, &c->path, key, val);
	}
	if (!strcmp(key, "sshkey")) {
		if ((r = one_word(ps, key, val, "a private key file")) < 0)
			return r;
		if (val[0] != '/')
			return PERR(ps, -EINVAL, "'sshkey' expects an absolute file name, got '%s'", val);
		return set_once(ps, &c->sshkey, key, val);
	}
	if (!strcmp(key, "encrypt_to")) {
		if ((r = one_word(ps, key, val, "a public key file")) < 0)
			return r;
		if (val[0] != '/')
			return PERR(ps, -EINVAL, "'encrypt_to' expects an absolute file name, got '%s'", val);
		return set_once(ps, &c->encrypt_to, key, val);
	}
	if (!strcmp(key, "core_collector")) {
		if ((r = need_word(ps, key, val, "a command")) < 0)
			return r;
		return parse_collector(ps, c, val);
	}
	if (!strcmp(key, "kdump_pre") || !strcmp(key, "kdump_post")) {
		if ((r = need_word(ps, key, val, "an executable")) < 0)
			return r;
		if (val[0] != '/')
			return PERR(ps, -EINVAL, "'%s' expects an absolute path, got '%s'", key, val);
		return set_once(ps, key[7] == 'r' ? &c->kdump_pre : &c->kdump_post, key, val);
	}
	if (!strcmp(key, "extra_bins"))
		return need_word(ps, key, val, "file names") ?: kc_append(&c->extra_bins, val, ' ');
	if (!strcmp(key, "extra_modules"))
		return need_word(ps, key, val, "module names") ?: kc_append(&c->extra_modules, val, ' ');
	if (!strcmp(key, "dracut_args"))
		return need_word(ps, key, val, "arguments") ?: kc_append(&c->dracut_args, val, ' ');
	if (!strcmp(key, "blacklist"))
		return need_word(ps, key, val, "module names") ?: kc_append(&c->blacklist, val, ' ');
	if (!strcmp(key, "options")) {
		if ((r = need_word(ps, key, val, "a module name and its options")) < 0)
			return r;
		if (!strpbrk(val, " \t"))
			return PERR(ps, -EINVAL, "'options' expects a module name and its options");
		return kc_append(&c->options, val, '\n');
	}
	if (!strcmp(key, "fence_kdump_args"))
		return need_word(ps, key, val, "arguments") ?: set_once(ps, &c->fence_kdump_args, key, val);
	if (!strcmp(key, "fence_kdump_nodes"))
		return need_word(ps, key, val, "node names") ?: set_once(ps, &c->fence_kdump_nodes, key, val);
	if (!strcmp(key, "failure_action") || !strcmp(key, "default"))
		return parse_action(ps, key, val, false, &c->failure_action);
	if (!strcmp(key, "final_action"))
		return parse_action(ps, key, val, true, &c->final_action);
	if (!strcmp(key, "force_rebuild"))
		return parse_bool01(ps, key, val, &c->force_rebuild);
	if (!strcmp(key, "force_no_rebuild"))
		return parse_bool01(ps, key, val, &c->force_no_rebuild);
	if (!strcmp(key, "auto_reset_crashkernel"))
		return parse_bool01(ps, key, val, &c->auto_reset_crashkernel);
	if (!strcmp(key, "sample_rate")) {
		if ((r = parse_uint(ps, key, val, 1, 1000000, &u)) < 0)
			return r;
		c->sample_rate = (unsigned)u;
		return 0;
	}
	if (!strcmp(key, "link_delay") || !strcmp(key, "disk_timeout")) {
		if ((r = parse_uint(ps, key, val, 0, 3600, &u)) < 0)
			return r;
		*(key[0] == 'l' ? &c->link_delay : &c->disk_timeout) = (int)u;
		return 0;
	}
	return PERR(ps, -EINVAL, "unknown directive '%s' (expected a target such as ext4/xfs/raw/nfs/ssh, "
		    "or path, core_collector, failure_action, ... see kdump.conf(5))", key);
}

int kc_parse_buf(const char *buf, size_t len, const char *name,
		 struct kdump_conf *ret, struct ec_err *err)
{
	struct kdump_conf c;
	struct pstate ps = { .name = name ? name : "kdump.conf", .err = err };
	struct kc_lines it;
	char *line;
	int r;

	r = kc_lines_init(&it, buf, len, ps.name, err);
	if (r < 0)
		return r;
	conf_init(&c);
	while ((r = kc_lines_next(&it, &line, &ps.line, err)) > 0) {
		char *key, *val, *hash;

		/* Fedora: everything after '#' is a comment, anywhere on the line. */
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		key = kc_trim(line);
		if (!*key)
			continue;
		val = key + strcspn(key, " \t");
		if (*val) {
			*val++ = '\0';
			val = kc_trim(val);
		}
		r = parse_line(&ps, &c, key, val);
		if (r < 0)
			break;
	}
	if (r == 0 && c.force_rebuild && c.force_no_rebuild)
		r = kc_line_err(err, -EINVAL, ps.name, ps.line,
				"force_rebuild and force_no_rebuild are mutually exclusive (expected one of them)");
	if (r == 0 && c.collector_kind == KC_COLL_EXTERNAL) {
		for (size_t i = 0; i < c.n_targets; i++)
			if (c.targets[i].type == KC_T_RAW) {
				r = kc_line_err(err, -EINVAL, ps.name, c.targets[i].line,
						"a raw diskdump target needs core_collector makedumpfile or crashcap save");
				break;
			}
	}
	if (r == 0)
		r = conf_finish(&c);
	kc_lines_done(&it);
	if (r < 0) {
		kc_conf_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int kc_parse_file(const char *path, struct kdump_conf *ret, struct ec_err *err)
{
	char *buf;
	size_t len;
	int r = kc_read_file(path, &buf, &len, err);

	if (r < 0)
		return r;
	r = kc_parse_buf(buf, len, path, ret, err);
	free(buf);
	return r;
}
