/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcrashcapconf: kdump.conf (Fedora/RHEL syntax plus crashcap extensions) and
 * /etc/sysconfig/kdump (shell-style KEY=VALUE) parsing.
 *
 * One parser, used by kdumpctl (first kernel) and by `crashcap capture` (capture
 * initrd). Functions return 0 or a negative errno and fill struct ec_err with
 * "FILE:LINE: what was expected". Nothing here prints or exits. Strings inside
 * the structs are owned by the struct and freed by *_free().
 *
 * Limits: files larger than KC_MAX_FILE bytes, lines longer than KC_MAX_LINE
 * bytes, more than KC_MAX_TARGETS targets, and NUL bytes are rejected (-E2BIG /
 * -EINVAL).
 *
 * kdump.conf extensions over Fedora:
 *  - several target lines (raw, ext4/xfs/btrfs/..., nfs, ssh) form a fallback
 *    chain, tried in file order (Fedora allows one);
 *  - `encrypt_to <public key file>`: encrypt the dump to that key;
 *  - `sample_rate <N>`: on a raw diskdump partition, check every Nth block's
 *    signature before writing (default KC_DEFAULT_SAMPLE_RATE).
 *
 * core_collector: `makedumpfile ARGS` (any path ending in /makedumpfile) is
 * rewritten to `crashcap save ARGS`; `crashcap save ARGS` is kept; anything
 * else (cp, scp, cat, a script) is kept verbatim as KC_COLL_EXTERNAL.
 *
 * Normalized form (kc_serialize): the capture initrd gets the parsed conf as a
 * plain file that is itself valid kdump.conf, with every default spelled out:
 *     # crashcap normalized kdump.conf v1
 *     <target lines, in fallback order>
 *     path /var/crash
 *     core_collector crashcap save -l --message-level 7 -d 31
 *     failure_action reboot
 *     final_action reboot
 *     sample_rate 8
 *     ...  (optional directives only when set)
 * One directive per line, no comments besides the first, no quoting; reading it
 * back with kc_parse_buf() yields an equal struct (tested), so the capture side
 * needs no second parser. Directives used only by the first kernel
 * (force_rebuild, dracut_args, extra_*) are included too, for diagnostics.
 */
#ifndef CRASHCAP_KDUMPCONF_H
#define CRASHCAP_KDUMPCONF_H

#include <stdbool.h>
#include <stddef.h>
#include "elfcore.h"   /* struct ec_err */

#define KC_MAX_FILE     (1u << 20)   /* bytes */
#define KC_MAX_LINE     4096         /* bytes, excluding the newline */
#define KC_MAX_TARGETS  8
#define KC_DEFAULT_PATH "/var/crash"
#define KC_DEFAULT_SSHKEY "/root/.ssh/kdump_id_rsa"
#define KC_DEFAULT_COLLECTOR "crashcap save -l --message-level 7 -d 31"
#define KC_DEFAULT_SAMPLE_RATE 8
#define KC_NORMALIZED_MAGIC "# crashcap normalized kdump.conf v1"
/* Where the normalized form sits inside the capture initrd: the dracut
 * module (initramfs/99crashcap) writes it there with `crashcap capture
 * --print-conf -c $CRASHCAP_CONF`; kdumpctl sets CRASHCAP_CONF for dracut. */
#define KC_INITRD_CONF_PATH "/etc/kdump.conf"

enum kc_target_type {
	KC_T_RAW = 1,   /* raw <device>: diskdump partition */
	KC_T_FS,        /* <fstype> <device|UUID=|LABEL=> */
	KC_T_NFS,       /* nfs <host:/export> */
	KC_T_SSH,       /* ssh <user@host> */
};

struct kc_target {
	enum kc_target_type type;
	char fstype[16];   /* "ext4", "xfs", ... for KC_T_FS; "nfs"/"raw"/"ssh" else */
	char *spec;        /* device path, UUID=..., LABEL=..., host:/dir, user@host */
	unsigned line;     /* where it was configured (0 if not from a file) */
};

enum kc_action {
	KC_ACT_REBOOT = 1,
	KC_ACT_HALT,
	KC_ACT_POWEROFF,
	KC_ACT_SHELL,          /* failure_action only */
	KC_ACT_DUMP_TO_ROOTFS, /* failure_action only */
};

enum kc_collector_kind {
	KC_COLL_CRASHCAP = 1,  /* crashcap save (maybe rewritten from makedumpfile) */
	KC_COLL_EXTERNAL,      /* cp, scp, cat, ...: run as configured */
};

struct kdump_conf {
	struct kc_target targets[KC_MAX_TARGETS];
	size_t n_targets;          /* 0: dump to the root filesystem's `path` */
	char *path;                /* never NULL after parse */
	char *sshkey;              /* never NULL after parse */
	char *core_collector;      /* normalized command line, never NULL */
	enum kc_collector_kind collector_kind;
	bool collector_from_makedumpfile; /* the line said makedumpfile */
	char *kdump_pre, *kdump_post;     /* NULL if unset */
	char *extra_bins;          /* space-separated, accumulated; NULL if unset */
	char *extra_modules;       /* space-separated, accumulated */
	char *dracut_args;         /* accumulated, in order */
	char *blacklist;           /* modules, accumulated */
	char *options;             /* "module opts" lines joined with '\n' */
	char *fence_kdump_args, *fence_kdump_nodes;
	char *encrypt_to;          /* public key file, NULL if unset */
	enum kc_action failure_action;
	enum kc_action final_action;
	bool force_rebuild, force_no_rebuild;
	bool auto_reset_crashkernel;
	unsigned sample_rate;      /* >= 1 */
	int link_delay, disk_timeout; /* seconds, -1 when unset */
};

/* Parse kdump.conf text (len bytes, need not be NUL-terminated). name is used
 * in messages. *ret is filled only on success; free with kc_conf_free(). */
int kc_parse_buf(const char *buf, size_t len, const char *name,
		 struct kdump_conf *ret, struct ec_err *err);
/* Read and parse a file; -ENOENT leaves *ret untouched (callers may use
 * kc_conf_defaults()). */
int kc_parse_file(const char *path, struct kdump_conf *ret, struct ec_err *err);
/* A conf with every default set (no targets: dump to rootfs path). */
int kc_conf_defaults(struct kdump_conf *ret);
void kc_conf_free(struct kdump_conf *c);

/* Normalized form (see above) into a malloc'd NUL-terminated string. */
int kc_serialize(const struct kdump_conf *c, char **ret, struct ec_err *err);

const char *kc_action_name(enum kc_action a);
const char *kc_target_type_name(enum kc_target_type t);
/* True when any target needs the network (nfs, ssh). */
bool kc_needs_network(const struct kdump_conf *c);

/* ---- /etc/sysconfig/kdump ---- */

struct kc_sysconfig {
	char *kernelver;            /* KDUMP_KERNELVER, NULL: running kernel */
	char *commandline;          /* KDUMP_COMMANDLINE, NULL: /proc/cmdline */
	char *commandline_append;   /* KDUMP_COMMANDLINE_APPEND */
	char *commandline_remove;   /* KDUMP_COMMANDLINE_REMOVE (space-separated keys) */
	char *kexec_args;           /* KEXEC_ARGS */
	char *img;                  /* KDUMP_IMG, default "vmlinuz" */
	char *img_ext;              /* KDUMP_IMG_EXT, default "" */
	char *bootdir;              /* KDUMP_BOOTDIR, default "/boot" */
	size_t n_other;             /* other KEY=VALUE pairs, kept but unused */
};

/* Shell-style assignments: KEY=value, KEY="value", KEY='value', optional
 * `export`, # comments, backslash escapes. No $ expansion or command
 * substitution (rejected with the line number, never executed). */
int kc_sysconfig_parse_buf(const char *buf, size_t len, const char *name,
			   struct kc_sysconfig *ret, struct ec_err *err);
int kc_sysconfig_parse_file(const char *path, struct kc_sysconfig *ret,
			    struct ec_err *err);
int kc_sysconfig_defaults(struct kc_sysconfig *ret);
void kc_sysconfig_free(struct kc_sysconfig *s);

/* Split one shell-quoted value into a word: used by the parser and exposed for
 * tests. Reads from *pp (stops at unquoted whitespace, '#' at word start, or
 * end), writes the unquoted word into out (outsz bytes incl. NUL). Returns the
 * word length, -EINVAL with *ret_what set to what was expected. */
int kc_shell_word(const char **pp, const char *end, char *out, size_t outsz,
		  const char **ret_what);

#endif
