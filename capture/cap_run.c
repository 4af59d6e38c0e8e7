/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture orchestration: targets in order, dump directory, actions. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cap_internal.h"
#include "cap_util.h"
#include "commands.h"

void cap_log(struct cap_state *s, const char *fmt, ...)
{
	struct timespec now;
	char line[1024];
	va_list ap;
	int n;
	size_t k;

	clock_gettime(CLOCK_MONOTONIC, &now);
	n = snprintf(line, sizeof(line), "[%7.3f] crashcap: ",
		     (double)(now.tv_sec - s->t0.tv_sec) + (now.tv_nsec - s->t0.tv_nsec) / 1e9);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	k = strlen(line);
	line[k++] = '\n';
	line[k] = 0;
	if (s->p->console) {
		fputs(line, s->p->console);
		fflush(s->p->console);
	}
	if (s->to_kmsg && s->p->kmsg) {
		fprintf(s->p->kmsg, "<5>%s", line);
		fflush(s->p->kmsg);
	}
	if (s->log_len + k + 1 > s->log_cap) {
		size_t nc = s->log_cap ? s->log_cap * 2 : 8192;
		char *nl;

		while (nc < s->log_len + k + 1)
			nc *= 2;
		nl = realloc(s->log, nc);
		if (!nl)
			return;
		s->log = nl;
		s->log_cap = nc;
	}
	memcpy(s->log + s->log_len, line, k + 1);
	s->log_len += k;
}

bool cap_collector_is_crashcap(const struct cap_state *s)
{
	return s->p->conf->collector_kind == KC_COLL_CRASHCAP;
}

int cap_collector_argv(struct cap_state *s, struct cap_argv *a, bool flat,
		       const char *out, struct ec_err *err)
{
	int r = cap_argv_split(a, s->p->conf->core_collector, s->p->self, err);

	if (r < 0)
		return r;
	/* "crashcap save ..." / "makedumpfile ...": -F streams the flattened format. */
	if (flat && cap_collector_is_crashcap(s))
		r = cap_argv_insert(a, a->n >= 2 && !strcmp(a->v[1], "save") ? 2 : 1, "-F", err);
	if (!r)
		r = cap_argv_add(a, s->p->vmcore, err);
	if (!r && out)
		r = cap_argv_add(a, out, err);
	if (r < 0)
		cap_argv_free(a);
	return r;
}

int cap_spawn_dmesg(struct cap_state *s, int out_fd, pid_t *ret_pid, struct ec_err *err)
{
	char *argv[] = { (char *)s->p->self, (char *)"dmesg", (char *)s->p->vmcore, NULL };

	return cap_spawn(argv, -1, out_fd, -1, -1, ret_pid, err);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

enum cap_tres cap_copy_vmcore(struct cap_state *s, int out_fd, bool sparse)
{
	enum { CHUNK = 1 << 20, PG = 4096 };
	uint8_t *buf = malloc(CHUNK);
	uint64_t off = 0;
	struct ec_err err;
	enum cap_tres res = T_OK;
	int in;

	if (!buf)
		return T_FAIL;
	in = open(s->p->vmcore, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		cap_log(s, "open %s: %s", s->p->vmcore, strerror(errno));
		free(buf);
		return T_FAIL;
	}
	for (;;) {
		ssize_t n = read(in, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cap_log(s, "read %s at %llu: %s", s->p->vmcore,
				(unsigned long long)off, strerror(errno));
			res = off ? T_INCOMPLETE : T_FAIL;
			break;
		}
		if (n == 0)
			break;
		for (size_t o = 0; o < (size_t)n; o += PG) {
			size_t k = (size_t)n - o < PG ? (size_t)n - o : PG;
			ssize_t w;

			if (sparse && off > 0 && all_zero(buf + o, k)) {
				off += k;
				continue;
			}
			w = pwrite(out_fd, buf + o, k, (off_t)off);
			if (w != (ssize_t)k) {
				cap_log(s, "write at %llu: %s", (unsigned long long)off,
					w < 0 ? strerror(errno) : "no space");
				res = off ? T_INCOMPLETE : T_FAIL;
				goto out;
			}
			off += k;
		}
	}
out:
	close(in);
	free(buf);
	if (res == T_OK && ftruncate(out_fd, (off_t)off) < 0) {
		cap_log(s, "extend to %llu: %s", (unsigned long long)off, strerror(errno));
		res = T_INCOMPLETE;
	}
	if (res == T_INCOMPLETE && cap_mark_incomplete(out_fd, &err) < 0)
		cap_log(s, "mark incomplete: %s", err.msg);
	return res;
}

/* Write the capture's log so far as kexec-dmesg.log (best effort). */
static void write_log_file(struct cap_state *s, int dfd)
{
	int fd = openat(dfd, "kexec-dmesg.log", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	if (s->log_len && write(fd, s->log, s->log_len) != (ssize_t)s->log_len)
		cap_log(s, "write kexec-dmesg.log: %s", strerror(errno));
	fsync(fd);
	close(fd);
}

static void write_dmesg_file(struct cap_state *s, int dfd)
{
	struct ec_err err = { 0 };
	pid_t pid;
	int fd, rc;

	fd = openat(dfd, "vmcore-dmesg.txt", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cap_log(s, "create vmcore-dmesg.txt: %s", strerror(errno));
		return;
	}
	rc = cap_spawn_dmesg(s, fd, &pid, &err);
	rc = rc < 0 ? rc : cap_wait(pid);
	if (rc)
		cap_log(s, "vmcore-dmesg.txt: dmesg exited with %d", rc);
	else
		cap_log(s, "vmcore-dmesg.txt saved");
	fsync(fd);
	close(fd);
}

/* The dump into an open dump directory: collector, then the fallbacks. */
/* One `producer | crashcap decrypt --encrypt PUB [--flat-input] - vmcore-incomplete`
 * run in dfd. Returns the producer's exit code; *ret_erc the encryptor's. */
static int encrypt_pipe(struct cap_state *s, int dfd, char *const producer[], bool flat, int *ret_erc)
{
	char *enc[] = { (char *)s->p->self, (char *)"decrypt", (char *)"--encrypt",
			(char *)s->p->conf->encrypt_to, (char *)"--flat-input", (char *)"-",
			(char *)"vmcore-incomplete", NULL };
	struct ec_err err = { 0 };
	pid_t ep, pp;
	int p[2], prc;

	if (!flat) {
		/* no --flat-input: shift the rest down over it */
		enc[4] = enc[5];
		enc[5] = enc[6];
		enc[6] = NULL;
	}
	*ret_erc = -1;
	unlinkat(dfd, "vmcore-incomplete", 0);
	if (pipe2(p, O_CLOEXEC) < 0) {
		cap_log(s, "pipe: %s", strerror(errno));
		return -1;
	}
	if (cap_spawn(enc, p[0], -1, -1, dfd, &ep, &err) < 0) {
		cap_log(s, "encrypt: %s", err.msg);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[0]);
	if (cap_spawn(producer, -1, p[1], -1, -1, &pp, &err) < 0) {
		cap_log(s, "%s: %s", producer[0], err.msg);
		close(p[1]);
		cap_wait(ep);
		return -1;
	}
	close(p[1]);
	prc = cap_wait(pp);
	*ret_erc = cap_wait(ep);
	return prc;
}

/* encrypt_to: the collector writes the flattened format (-F) into crashcap's
 * stream encryption (crypt.h); the file is vmcore-incomplete until both
 * ended well, then vmcore.enc (`crashcap decrypt --key SEC vmcore.enc OUT`
 * gives the plain dump). A collector that is not crashcap, or a filter that
 * fails, gives an encrypted unfiltered copy of the vmcore instead. */
static enum cap_tres dump_encrypted(struct cap_state *s, int dfd)
{
	struct ec_err err = { 0 };
	struct cap_argv a;
	char *cat[] = { (char *)"cat", (char *)s->p->vmcore, NULL };
	struct stat st;
	int prc = -1, erc = -1;
	bool done = false;

	cap_log(s, "encrypting the dump to %s", s->p->conf->encrypt_to);
	if (cap_collector_is_crashcap(s) && cap_collector_argv(s, &a, true, NULL, &err) == 0) {
		cap_log(s, "running %s -F | crashcap decrypt --encrypt", s->p->conf->core_collector);
		prc = encrypt_pipe(s, dfd, a.v, true, &erc);
		cap_argv_free(&a);
		if (prc == EXIT_UNFILTERED) {
			s->unfiltered = true;
			cap_log(s, "the filter failed: the dump keeps every page");
			prc = EXIT_OK;
		}
		if (erc == 0 && prc == EXIT_INCOMPLETE) {
			cap_log(s, "the dump is incomplete (no space or I/O error): kept as vmcore-incomplete");
			return T_INCOMPLETE;
		}
		done = erc == 0 && prc == EXIT_OK;
		if (!done)
			cap_log(s, "core_collector exit %d, encryption exit %d", prc, erc);
	} else {
		cap_log(s, "core_collector '%s' cannot stream: encrypting an unfiltered copy",
			s->p->conf->core_collector);
	}
	if (!done && erc != 0 && prc == EXIT_OK) {
		/* The encryption side failed (no space, bad key): nothing else to try. */
		goto incomplete;
	}
	if (!done) {
		cap_log(s, "falling back to an encrypted unfiltered copy of %s", s->p->vmcore);
		s->unfiltered = true;
		prc = encrypt_pipe(s, dfd, cat, false, &erc);
		done = erc == 0 && prc == 0;
	}
	if (!done)
		goto incomplete;
	if (renameat(dfd, "vmcore-incomplete", dfd, "vmcore.enc") < 0) {
		cap_log(s, "rename vmcore-incomplete to vmcore.enc: %s", strerror(errno));
		return T_INCOMPLETE;
	}
	fchmodat(dfd, "vmcore.enc", 0600, 0);
	return T_OK;
incomplete:
	cap_log(s, "encrypted dump not complete (collector exit %d, encryption exit %d)", prc, erc);
	if (fstatat(dfd, "vmcore-incomplete", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0)
		return T_INCOMPLETE;
	return T_FAIL;
}

static enum cap_tres dump_into_dir(struct cap_state *s, int dfd)
{
	struct ec_err err = { 0 };
	struct cap_argv a;
	enum cap_tres res;
	int rc, fd;

	if (s->p->conf->encrypt_to)
		return dump_encrypted(s, dfd);

	if (cap_collector_argv(s, &a, false, "vmcore-incomplete", &err) < 0) {
		cap_log(s, "core_collector: %s", err.msg);
		return T_FAIL;
	}
	cap_log(s, "running %s", s->p->conf->core_collector);
	rc = cap_run_cmd(a.v, -1, -1, -1, dfd, &err);
	cap_argv_free(&a);
	if (rc == EXIT_OK || rc == EXIT_UNFILTERED) {
		if (rc == EXIT_UNFILTERED) {
			s->unfiltered = true;
			cap_log(s, "the filter failed: the dump keeps every page");
		}
		res = T_OK;
	} else if (rc == EXIT_INCOMPLETE) {
		cap_log(s, "the dump is incomplete (no space or I/O error): kept as vmcore-incomplete");
		return T_INCOMPLETE;
	} else {
		struct stat st;

		cap_log(s, "core_collector failed (exit %d)", rc);
		if (!cap_collector_is_crashcap(s)) {
			/* cp, scp, a script: we cannot tell why; keep what it wrote. */
			if (fstatat(dfd, "vmcore-incomplete", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_size > 0)
				return T_INCOMPLETE;
			return T_FAIL;
		}
		/* An unfiltered dump rather than nothing. */
		cap_log(s, "falling back to an unfiltered copy of %s", s->p->vmcore);
		unlinkat(dfd, "vmcore-incomplete", 0);
		fd = openat(dfd, "vmcore-incomplete",
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			cap_log(s, "create vmcore-incomplete: %s", strerror(errno));
			return T_FAIL;
		}
		s->unfiltered = true;
		res = cap_copy_vmcore(s, fd, true);
		fsync(fd);
		close(fd);
		if (res != T_OK)
			return res;
	}
	if (renameat(dfd, "vmcore-incomplete", dfd, "vmcore") < 0) {
		cap_log(s, "rename vmcore-incomplete to vmcore: %s", strerror(errno));
		return T_INCOMPLETE;
	}
	fchmodat(dfd, "vmcore", 0600, 0);
	return T_OK;
}

/* A directory-based target: base_fd is the filesystem's root (mounted). */
static enum cap_tres dump_to_fs(struct cap_state *s, int base_fd, const char *label)
{
	struct ec_err err = { 0 };
	char name[320], made[512];
	enum cap_tres res;
	int pfd, dfd;

	if (cap_open_dir(base_fd, s->p->conf->path[0] == '/' ? s->p->conf->path + 1 : s->p->conf->path,
			 true, &pfd, &err) < 0) {
		cap_log(s, "%s: %s", label, err.msg);
		return T_FAIL;
	}
	cap_dump_dir_name(s->p->host, s->p->time, name, sizeof(name));
	if (cap_make_dump_dir(pfd, name, &dfd, made, sizeof(made), &err) < 0) {
		cap_log(s, "%s: %s", label, err.msg);
		close(pfd);
		return T_FAIL;
	}
	close(pfd);
	snprintf(s->where, sizeof(s->where), "%s%s/%s", label, s->p->conf->path, made);
	cap_log(s, "saving to %s", s->where);
	write_dmesg_file(s, dfd);
	res = dump_into_dir(s, dfd);
	cap_log(s, "%s: %s", s->where,
		res == T_OK ? (s->p->conf->encrypt_to ? "vmcore.enc saved" : "vmcore saved") :
		res == T_INCOMPLETE ? "vmcore-incomplete kept" : "no dump");
	write_log_file(s, dfd);
	fsync(dfd);
	close(dfd);
	return res;
}

static int target_timeout(const struct cap_state *s)
{
	return s->p->conf->disk_timeout >= 0 ? s->p->conf->disk_timeout : 180;
}

static enum cap_tres target_mounted(struct cap_state *s, const struct kc_target *t, int idx)
{
	const struct cap_ops *o = s->p->ops;
	struct ec_err err = { 0 };
	char dev[PATH_MAX], mnt[PATH_MAX], label[PATH_MAX + 8];
	enum cap_tres res;
	int base;

	snprintf(mnt, sizeof(mnt), "%s/%d", s->p->mnt_base, idx);
	if (t->type == KC_T_NFS) {
		snprintf(dev, sizeof(dev), "%s", t->spec);
	} else if (o->wait_device(o->ctx, t->spec, target_timeout(s), dev, sizeof(dev), &err) < 0) {
		cap_log(s, "target %d (%s %s): %s", idx + 1, t->fstype, t->spec, err.msg);
		return T_FAIL;
	}
	if (cap_open_dir(AT_FDCWD, mnt, true, &base, &err) < 0) {
		cap_log(s, "mount point %s: %s", mnt, err.msg);
		return T_FAIL;
	}
	close(base);
	if (o->mount(o->ctx, t->type == KC_T_NFS ? "nfs" : t->fstype, dev, mnt, &err) < 0) {
		cap_log(s, "target %d: mount %s (%s) on %s: %s", idx + 1, dev, t->fstype, mnt, err.msg);
		return T_FAIL;
	}
	if (cap_open_dir(AT_FDCWD, mnt, false, &base, &err) < 0) {
		cap_log(s, "%s: %s", mnt, err.msg);
		o->umount(o->ctx, mnt);
		return T_FAIL;
	}
	snprintf(label, sizeof(label), "%s:", t->spec);
	res = dump_to_fs(s, base, label);
	close(base);
	o->umount(o->ctx, mnt);
	return res;
}

static enum cap_tres target_rootfs(struct cap_state *s)
{
	struct ec_err err = { 0 };
	enum cap_tres res;
	int base;

	if (cap_open_dir(AT_FDCWD, s->p->sysroot, false, &base, &err) < 0) {
		cap_log(s, "root filesystem: %s", err.msg);
		return T_FAIL;
	}
	res = dump_to_fs(s, base, s->p->sysroot);
	close(base);
	return res;
}

static int run_hook(struct cap_state *s, const char *what, const char *cmd, const char *arg)
{
	char *argv[] = { (char *)cmd, (char *)arg, NULL };
	struct ec_err err = { 0 };
	int rc;

	cap_log(s, "running %s %s", what, cmd);
	rc = cap_run_cmd(argv, -1, -1, -1, -1, &err);
	if (rc)
		cap_log(s, "%s %s exited with %d%s%s", what, cmd, rc, rc < 0 ? ": " : "",
			rc < 0 ? err.msg : "");
	return rc;
}

static void act(struct cap_state *s, struct cap_result *res, enum kc_action a)
{
	const struct cap_ops *o = s->p->ops;

	res->action = a;
	cap_log(s, "%s", kc_action_name(a));
	o->action(o->ctx, a);
}

int cap_run(const struct cap_params *p, struct cap_result *ret)
{
	const struct kdump_conf *c = p->conf;
	struct cap_state s = { .p = p };
	struct cap_result res = { .outcome = CAP_FAILED, .target = -1 };
	bool pre_failed = false;
	size_t n = c->n_targets;

	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	cap_log(&s, "capture of %s for %s, %zu target%s", p->vmcore, p->host, n ? n : 1,
		n == 1 || !n ? "" : "s");
	if (c->kdump_pre && run_hook(&s, "kdump_pre", c->kdump_pre, NULL) != 0)
		pre_failed = true;
	for (size_t i = 0; !pre_failed && i < (n ? n : 1); i++) {
		const struct kc_target *t = n ? &c->targets[i] : NULL;
		enum cap_tres r;

		s.where[0] = 0;
		if (!t) {
			cap_log(&s, "target: root filesystem %s", p->sysroot);
			r = target_rootfs(&s);
		} else {
			cap_log(&s, "target %zu/%zu: %s %s", i + 1, n, t->fstype, t->spec);
			if (t->type == KC_T_RAW)
				r = cap_target_raw(&s, t, (int)i);
			else if (t->type == KC_T_SSH)
				r = cap_target_ssh(&s, t, (int)i);
			else
				r = target_mounted(&s, t, (int)i);
		}
		if (r == T_OK || (r == T_INCOMPLETE && res.outcome == CAP_FAILED)) {
			res.outcome = r == T_OK ? CAP_SAVED : CAP_INCOMPLETE;
			res.target = t ? (int)i : -1;
			snprintf(res.where, sizeof(res.where), "%s", s.where);
		}
		if (r == T_OK)
			break;
		if (r == T_REFUSED)
			cap_log(&s, "target %zu refused, trying the next one", i + 1);
		else if (r == T_INCOMPLETE)
			cap_log(&s, "target %zu holds an incomplete dump, trying the next one", i + 1);
		else
			cap_log(&s, "target %zu failed, trying the next one", i + 1);
	}
	if (res.outcome == CAP_FAILED && c->failure_action == KC_ACT_DUMP_TO_ROOTFS && n) {
		enum cap_tres r;

		cap_log(&s, "failure_action dump_to_rootfs");
		r = target_rootfs(&s);
		if (r == T_OK || r == T_INCOMPLETE) {
			res.outcome = r == T_OK ? CAP_SAVED : CAP_INCOMPLETE;
			snprintf(res.where, sizeof(res.where), "%s", s.where);
		}
	}
	res.unfiltered = s.unfiltered;
	s.to_kmsg = true;
	cap_log(&s, "%s%s%s", res.outcome == CAP_SAVED ? "dump saved: " :
		res.outcome == CAP_INCOMPLETE ? "only an incomplete dump was saved: " :
		"no dump was saved", res.where, s.unfiltered ? " (unfiltered)" : "");
	if (c->kdump_post)
		run_hook(&s, "kdump_post", c->kdump_post,
			 res.outcome == CAP_SAVED ? "0" : res.outcome == CAP_INCOMPLETE ? "3" : "1");
	if (res.outcome == CAP_FAILED && c->failure_action == KC_ACT_SHELL) {
		act(&s, &res, KC_ACT_SHELL);
		act(&s, &res, c->final_action);
	} else if (res.outcome == CAP_FAILED && c->failure_action != KC_ACT_DUMP_TO_ROOTFS) {
		act(&s, &res, c->failure_action);
	} else {
		act(&s, &res, c->final_action);
	}
	free(s.log);
	*ret = res;
	return 0;
}
