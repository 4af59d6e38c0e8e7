/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capture targets that are not a mounted directory: raw diskdump partition,
 * ssh (flattened stream into `cat`); and the real machine operations. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "blkid.h"
#include "cap_internal.h"
#include "cap_util.h"
#include "commands.h"
#include "diskdump_part.h"

/* Read a child's stdout into the open partition section; on a write error
 * the child is stopped. Returns the child's exit code; *ret_werr the writer's. */
static int pump_child(struct cap_state *s, struct dp_writer *w, pid_t pid, int rfd, int *ret_werr)
{
	uint8_t *buf = malloc(1 << 16);
	struct ec_err err = { 0 };
	int werr = buf ? 0 : -ENOMEM;

	for (;;) {
		ssize_t n = buf ? read(rfd, buf, 1 << 16) : 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!werr) {
			werr = dp_writer_write(w, buf, (size_t)n, &err);
			if (werr) {
				cap_log(s, "raw partition: %s", err.msg);
				kill(pid, SIGTERM);
			}
		}
	}
	free(buf);
	close(rfd);
	*ret_werr = werr;
	return cap_wait(pid);
}

static enum cap_tres raw_copy_unfiltered(struct cap_state *s, struct dp_writer *w)
{
	uint8_t *buf = malloc(1 << 20);
	struct ec_err err = { 0 };
	enum cap_tres res = T_OK;
	uint64_t done = 0;
	int in = open(s->p->vmcore, O_RDONLY | O_CLOEXEC);

	if (in < 0 || !buf) {
		cap_log(s, "open %s: %s", s->p->vmcore, strerror(errno));
		free(buf);
		if (in >= 0)
			close(in);
		return T_FAIL;
	}
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cap_log(s, "read %s: %s", s->p->vmcore, strerror(errno));
			res = done ? T_INCOMPLETE : T_FAIL;
			break;
		}
		if (n == 0)
			break;
		if (dp_writer_write(w, buf, (size_t)n, &err) < 0) {
			cap_log(s, "raw partition: %s", err.msg);
			res = T_INCOMPLETE;
			break;
		}
		done += (uint64_t)n;
	}
	close(in);
	free(buf);
	return res;
}

enum cap_tres cap_target_raw(struct cap_state *s, const struct kc_target *t, int idx)
{
	const struct cap_ops *o = s->p->ops;
	struct ec_err err = { 0 };
	struct dp_writer w;
	struct dp_header h;
	enum dp_content content;
	enum cap_tres res = T_OK;
	char dev[PATH_MAX];
	uint64_t blocks, bad = 0;
	bool flat = cap_collector_is_crashcap(s);
	int fd, p[2], rc, werr;
	pid_t pid;

	if (o->wait_device(o->ctx, t->spec, s->p->conf->disk_timeout >= 0 ?
			   s->p->conf->disk_timeout : 180, dev, sizeof(dev), &err) < 0) {
		cap_log(s, "raw %s: %s", t->spec, err.msg);
		return T_FAIL;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC | O_EXCL);
	if (fd < 0) {
		cap_log(s, "raw %s: %s", dev, strerror(errno));
		return T_FAIL;
	}
	if (dp_device_blocks(fd, &blocks, &err) < 0 ||
	    dp_probe(fd, s->p->conf->sample_rate, &content, &bad, &h, &err) < 0) {
		cap_log(s, "raw %s: %s", dev, err.msg);
		close(fd);
		return T_FAIL;
	}
	if (content == DP_HOLDS_DUMP) {
		cap_log(s, "raw %s holds a dump from %s not saved yet (run crashcap savecore): not overwritten",
			dev, h.host);
		close(fd);
		return T_REFUSED;
	}
	if (content != DP_EMPTY) {
		cap_log(s, "raw %s: block %llu has no diskdump signature: not a formatted dump "
			"partition (crashcap format), refused, nothing written",
			dev, (unsigned long long)bad);
		close(fd);
		return T_REFUSED;
	}
	cap_log(s, "raw %s: %llu blocks, signatures intact (every %u blocks checked)", dev,
		(unsigned long long)blocks, s->p->conf->sample_rate);
	snprintf(s->where, sizeof(s->where), "%s", dev);
	if (dp_writer_init(&w, fd, blocks, s->p->host, s->p->time,
			   flat ? DP_FMT_FLAT : DP_FMT_ELF, &err) < 0) {
		cap_log(s, "raw %s: %s", dev, err.msg);
		close(fd);
		return T_FAIL;
	}
	/* 1. the kernel log */
	if (dp_writer_begin(&w, DP_SEC_DMESG, &err) == 0 && pipe2(p, O_CLOEXEC) == 0) {
		rc = cap_spawn_dmesg(s, p[1], &pid, &err);
		close(p[1]);
		rc = rc < 0 ? rc : pump_child(s, &w, pid, p[0], &werr);
		if (rc < 0)
			close(p[0]);
		cap_log(s, "raw %s: dmesg %s", dev, rc ? "failed" : "saved");
		dp_writer_end(&w, &err);
	}
	/* 2. the dump */
	if (dp_writer_begin(&w, DP_SEC_DUMP, &err) < 0) {
		cap_log(s, "raw %s: %s", dev, err.msg);
		res = T_FAIL;
	} else if (flat) {
		struct cap_argv a;

		rc = cap_collector_argv(s, &a, true, NULL, &err);
		if (rc == 0 && pipe2(p, O_CLOEXEC) == 0) {
			cap_log(s, "running %s -F (to the raw partition)", s->p->conf->core_collector);
			rc = cap_spawn(a.v, -1, p[1], -1, -1, &pid, &err);
			close(p[1]);
			rc = rc < 0 ? rc : pump_child(s, &w, pid, p[0], &werr);
		} else {
			rc = -1;
		}
		cap_argv_free(&a);
		if (werr || rc == EXIT_INCOMPLETE) {
			res = T_INCOMPLETE;
		} else if (rc == EXIT_UNFILTERED) {
			s->unfiltered = true;
		} else if (rc) {
			cap_log(s, "core_collector failed (exit %d): unfiltered copy instead", rc);
			s->unfiltered = true;
			res = dp_writer_rewind(&w, DP_FMT_ELF, &err) < 0 ? T_FAIL
								    : raw_copy_unfiltered(s, &w);
		}
	} else {
		res = raw_copy_unfiltered(s, &w);
	}
	dp_writer_end(&w, &err);
	cap_log(s, "raw %s: %s", dev, res == T_OK ? "dump saved" :
		res == T_INCOMPLETE ? "dump incomplete (partition full or I/O error)" : "dump failed");
	/* 3. our log */
	if (dp_writer_begin(&w, DP_SEC_LOG, &err) == 0) {
		dp_writer_write(&w, s->log, s->log_len, &err);
		dp_writer_end(&w, &err);
	}
	if (dp_writer_finish(&w, res != T_OK, &err) < 0) {
		cap_log(s, "raw %s: %s", dev, err.msg);
		if (res == T_OK)
			res = T_INCOMPLETE;
	}
	close(fd);
	return res;
}

/* ---- ssh ---- */

/* ssh argv: ssh -i KEY -o BatchMode=yes ... [$CRASHCAP_SSH_OPTS] DEST CMD */
static int ssh_argv(struct cap_state *s, struct cap_argv *a, struct cap_argv *extra,
		    const char *dest, const char *cmd, struct ec_err *err)
{
	static const char *fixed[] = { "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
				       "-o", "ServerAliveInterval=15" };
	int r = cap_argv_split(a, "ssh", NULL, err);

	if (!r)
		r = cap_argv_add(a, "-i", err);
	if (!r)
		r = cap_argv_add(a, s->p->conf->sshkey, err);
	for (size_t i = 0; !r && i < sizeof(fixed) / sizeof(fixed[0]); i++)
		r = cap_argv_add(a, fixed[i], err);
	for (size_t i = 0; !r && i < extra->n; i++)
		r = cap_argv_add(a, extra->v[i], err);
	/* "--": a destination can never be taken for an option. */
	if (!r)
		r = cap_argv_add(a, "--", err);
	if (!r)
		r = cap_argv_add(a, dest, err);
	if (!r)
		r = cap_argv_add(a, cmd, err);
	if (r)
		cap_argv_free(a);
	return r;
}

static int ssh_cmd(struct cap_state *s, struct cap_argv *extra, const char *dest,
		   const char *cmd, int in_fd)
{
	struct ec_err err = { 0 };
	struct cap_argv a;
	int rc;

	if (ssh_argv(s, &a, extra, dest, cmd, &err) < 0)
		return -1;
	rc = cap_run_cmd(a.v, in_fd, -1, -1, -1, &err);
	cap_argv_free(&a);
	return rc;
}

/* producer (a child writing to a pipe, or our own bytes) -> ssh "cat > file" */
/* producer [| filter] | ssh DEST CMD (or the given bytes | ssh). Returns
 * ssh's exit code; the producer's in *ret_prod_rc, the filter's (0 when
 * there is none) in *ret_filt_rc. */
static int ssh_pipe_filtered(struct cap_state *s, struct cap_argv *extra, const char *dest,
			     const char *cmd, char *const producer[], char *const filter[],
			     const void *bytes, size_t len, int *ret_prod_rc, int *ret_filt_rc)
{
	struct ec_err err = { 0 };
	struct cap_argv a;
	pid_t ppid = -1, fpid = -1, spid;
	int p[2], q[2], rc, in;

	*ret_prod_rc = 0;
	*ret_filt_rc = 0;
	if (ssh_argv(s, &a, extra, dest, cmd, &err) < 0 || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	rc = cap_spawn(a.v, p[0], -1, -1, -1, &spid, &err);
	cap_argv_free(&a);
	close(p[0]);
	if (rc < 0) {
		close(p[1]);
		return -1;
	}
	in = p[1];
	if (filter) {
		if (pipe2(q, O_CLOEXEC) < 0) {
			close(p[1]);
			cap_wait(spid);
			return -1;
		}
		if (cap_spawn(filter, q[0], p[1], -1, -1, &fpid, &err) < 0) {
			cap_log(s, "%s: %s", filter[0], err.msg);
			*ret_filt_rc = -1;
		}
		close(q[0]);
		close(p[1]);
		in = q[1];
	}
	if (producer) {
		if (cap_spawn(producer, -1, in, -1, -1, &ppid, &err) < 0)
			*ret_prod_rc = -1;
		close(in);
		if (ppid > 0)
			*ret_prod_rc = cap_wait(ppid);
	} else {
		signal(SIGPIPE, SIG_IGN);
		if (write(in, bytes, len) != (ssize_t)len)
			*ret_prod_rc = -1;
		close(in);
	}
	if (fpid > 0)
		*ret_filt_rc = cap_wait(fpid);
	return cap_wait(spid);
}

static int ssh_pipe(struct cap_state *s, struct cap_argv *extra, const char *dest,
		    const char *cmd, char *const producer[], const void *bytes, size_t len,
		    int *ret_prod_rc)
{
	int frc;

	return ssh_pipe_filtered(s, extra, dest, cmd, producer, NULL, bytes, len, ret_prod_rc, &frc);
}

/* Remote file names: the directory quoted for the remote shell + a fixed name. */
static int remote_cmd(char *cmd, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int remote_cmd(char *cmd, size_t n, const char *fmt, ...)
{
	va_list ap;
	int l;

	va_start(ap, fmt);
	l = vsnprintf(cmd, n, fmt, ap);
	va_end(ap);
	return l < 0 || (size_t)l >= n ? -ENAMETOOLONG : 0;
}

enum cap_tres cap_target_ssh(struct cap_state *s, const struct kc_target *t, int idx)
{
	struct ec_err err = { 0 };
	struct cap_argv extra = { 0 }, coll;
	const char *opts = getenv("CRASHCAP_SSH_OPTS");
	char name[320], dir[1024], qdir[4200], cmd[8800];
	char *dm[] = { (char *)s->p->self, (char *)"dmesg", (char *)s->p->vmcore, NULL };
	enum cap_tres res = T_OK;
	int timeout = s->p->conf->link_delay > 0 ? s->p->conf->link_delay : 0, rc, prc;
	bool flat = false, enc = s->p->conf->encrypt_to != NULL;
	/* encrypt_to: the stream goes through `crashcap decrypt --encrypt` on its
	 * way to ssh; only ciphertext leaves the machine. */
	char *encf[] = { (char *)s->p->self, (char *)"decrypt", (char *)"--encrypt",
			 (char *)s->p->conf->encrypt_to, (char *)"--flat-input", (char *)"-", (char *)"-", NULL };
	char *encp[] = { (char *)s->p->self, (char *)"decrypt", (char *)"--encrypt",
			 (char *)s->p->conf->encrypt_to, (char *)"-", (char *)"-", NULL };
	const char *final;
	int frc = 0;
	struct timespec t0, now;

	timeout += s->p->conf->disk_timeout >= 0 ? s->p->conf->disk_timeout : 180;
	if (opts && *opts && cap_argv_split(&extra, opts, NULL, &err) < 0) {
		cap_log(s, "CRASHCAP_SSH_OPTS: %s", err.msg);
		return T_FAIL;
	}
	cap_dump_dir_name(s->p->host, s->p->time, name, sizeof(name));
	/* Every remote path goes through the remote user's shell: single-quoted. */
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", s->p->conf->path, name) >= sizeof(dir) ||
	    cap_shell_quote(dir, qdir, sizeof(qdir)) < 0) {
		cap_log(s, "ssh %s: path %s is too long", t->spec, dir);
		cap_argv_free(&extra);
		return T_FAIL;
	}
	/* Wait for the network and the server. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int tries = 0;; tries++) {
		rc = ssh_cmd(s, &extra, t->spec, "true", -1);
		if (rc == 0)
			break;
		if (tries % 10 == 0)
			cap_log(s, "ssh %s: not reachable yet (ssh exit %d), waiting up to %d s",
				t->spec, rc, timeout);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= timeout) {
			cap_log(s, "ssh %s: not reachable after %d s", t->spec, timeout);
			cap_argv_free(&extra);
			return T_FAIL;
		}
		sleep(2);
	}
	remote_cmd(cmd, sizeof(cmd), "umask 077 && mkdir -p -- %s", qdir);
	if (ssh_cmd(s, &extra, t->spec, cmd, -1) != 0) {
		cap_log(s, "ssh %s: cannot create %s", t->spec, dir);
		cap_argv_free(&extra);
		return T_FAIL;
	}
	if (snprintf(s->where, sizeof(s->where), "%s:%s", t->spec, dir) < 0)
		s->where[0] = 0;
	cap_log(s, "saving to %s", s->where);
	remote_cmd(cmd, sizeof(cmd), "umask 077 && cat > %s/vmcore-dmesg.txt", qdir);
	rc = ssh_pipe(s, &extra, t->spec, cmd, dm, NULL, 0, &prc);
	cap_log(s, "vmcore-dmesg.txt %s", rc == 0 && prc == 0 ? "saved" : "failed");

	/* The stream lands as vmcore-incomplete and is renamed only after the
	 * collector and ssh both ended well: a cut connection leaves the name
	 * saying so (a flattened stream has no header flag to set remotely). */
	remote_cmd(cmd, sizeof(cmd), "umask 077 && cat > %s/vmcore-incomplete", qdir);
	if (cap_collector_is_crashcap(s) && cap_collector_argv(s, &coll, true, NULL, &err) == 0) {
		cap_log(s, "running %s -F |%s ssh %s", s->p->conf->core_collector,
			enc ? " crashcap decrypt --encrypt |" : "", t->spec);
		flat = true;
		rc = ssh_pipe_filtered(s, &extra, t->spec, cmd, coll.v, enc ? encf : NULL, NULL, 0, &prc, &frc);
		cap_argv_free(&coll);
	} else {
		char *cat[] = { (char *)"cat", (char *)s->p->vmcore, NULL };

		rc = ssh_pipe_filtered(s, &extra, t->spec, cmd, cat, enc ? encp : NULL, NULL, 0, &prc, &frc);
	}
	if (frc != 0) {
		cap_log(s, "encryption failed (exit %d): vmcore-incomplete kept", frc);
		rc = rc ? rc : -1;
	}
	if (prc == EXIT_UNFILTERED) {
		s->unfiltered = true;
		prc = 0;
	}
	if (rc != 0) {
		cap_log(s, "ssh %s: remote write failed (exit %d): vmcore-incomplete kept", t->spec, rc);
		res = T_INCOMPLETE;
	} else if (prc == EXIT_INCOMPLETE) {
		res = T_INCOMPLETE;
	} else if (prc != 0) {
		char *cat[] = { (char *)"cat", (char *)s->p->vmcore, NULL };

		cap_log(s, "core_collector failed (exit %d): unfiltered copy instead", prc);
		s->unfiltered = true;
		flat = false;
		rc = ssh_pipe_filtered(s, &extra, t->spec, cmd, cat, enc ? encp : NULL, NULL, 0, &prc, &frc);
		res = rc == 0 && prc == 0 && frc == 0 ? T_OK : T_INCOMPLETE;
	}
	/* makedumpfile -F output is named vmcore.flat, as kdump-utils does
	 * (`crashcap reassemble` turns it into a plain dump file); encrypted,
	 * vmcore.enc (`crashcap decrypt` reassembles it). */
	final = enc ? "vmcore.enc" : flat ? "vmcore.flat" : "vmcore";
	if (res == T_OK) {
		if (remote_cmd(cmd, sizeof(cmd), "mv -- %s/vmcore-incomplete %s/%s", qdir, qdir, final) < 0 ||
		    ssh_cmd(s, &extra, t->spec, cmd, -1) != 0)
			res = T_INCOMPLETE;
	}
	cap_log(s, "%s: %s%s", s->where, res == T_OK ? final : "vmcore-incomplete",
		res == T_OK ? " saved" : " kept");
	remote_cmd(cmd, sizeof(cmd), "umask 077 && cat > %s/kexec-dmesg.log", qdir);
	ssh_pipe(s, &extra, t->spec, cmd, NULL, s->log, s->log_len, &prc);
	cap_argv_free(&extra);
	return res;
}

/* ---- the real machine ---- */

static int real_wait_device(void *ctx, const char *spec, int timeout_s,
			    char *ret_path, size_t n, struct ec_err *err)
{
	static const struct { const char *key, *dir; } by[] = {
		{ "UUID=", "/dev/disk/by-uuid/" }, { "LABEL=", "/dev/disk/by-label/" },
		{ "PARTUUID=", "/dev/disk/by-partuuid/" }, { "PARTLABEL=", "/dev/disk/by-partlabel/" },
	};
	char path[PATH_MAX];
	struct timespec t0, now;

	snprintf(path, sizeof(path), "%s", spec);
	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++)
		if (!strncmp(spec, by[i].key, strlen(by[i].key)))
			snprintf(path, sizeof(path), "%s%s", by[i].dir, spec + strlen(by[i].key));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (access(path, F_OK) < 0) {
		/* no udev (crashcap as init): read the superblocks ourselves */
		if (strcmp(path, spec) &&
		    cap_blkid_find(spec, "/sys/class/block", "/dev", ret_path, n) == 0)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= timeout_s)
			return ec_set_err(err, -ENODEV, "%s did not appear within %d s", path, timeout_s);
		usleep(200 * 1000);
	}
	if (!realpath(path, ret_path) || strlen(ret_path) >= n)
		snprintf(ret_path, n, "%s", path);
	return 0;
}

static bool nfs_net_error(int e)
{
	return e == ECONNREFUSED || e == ENETUNREACH || e == EHOSTUNREACH || e == ETIMEDOUT ||
	       e == ECONNRESET;
}

static void modprobe_quiet(const char *mod)
{
	char *argv[] = { (char *)"modprobe", (char *)"-q", (char *)mod, NULL };
	struct ec_err e2;

	cap_run_cmd(argv, -1, -1, -1, -1, &e2);
}

/* NFS with mount(2) itself (no mount.nfs needed in the initrd): v4.2, 4.1,
 * 4.0, then v3; network errors (link still coming up, server not yet
 * answering) retry the whole list for up to 60 s. A server name that cannot
 * be resolved here falls back to the mount helper when there is one. */
static int nfs_mount(const char *spec, const char *mnt, struct ec_err *err)
{
	char host[256], exp[PATH_MAX], addr[INET6_ADDRSTRLEN] = "", fstype[8], opts[512];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct timespec t0, now;
	int r, e = EIO;

	r = cap_nfs_split(spec, host, sizeof(host), exp, sizeof(exp), err);
	if (r < 0)
		return r;
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai) {
		const void *a = ai->ai_family == AF_INET6 ?
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;

		if (!inet_ntop(ai->ai_family, a, addr, sizeof(addr)))
			addr[0] = 0;
	}
	if (ai)
		freeaddrinfo(ai);
	if (!addr[0]) {
		if (access("/sbin/mount.nfs", X_OK) == 0 || access("/usr/sbin/mount.nfs", X_OK) == 0) {
			char *argv[] = { (char *)"mount", (char *)"-t", (char *)"nfs", (char *)"-o",
					 (char *)"nolock", (char *)spec, (char *)mnt, NULL };
			int rc = cap_run_cmd(argv, -1, -1, -1, -1, err);

			return rc == 0 ? 0 : ec_set_err(err, -EIO, "mount -t nfs %s: exit %d", spec, rc);
		}
		return ec_set_err(err, -EHOSTUNREACH, "nfs server '%s': cannot resolve the name "
				  "(and no mount.nfs)", host);
	}
	modprobe_quiet("nfsv4");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		bool net = false;

		for (int i = 0; cap_nfs_attempt(i, addr, fstype, sizeof(fstype), opts, sizeof(opts)) == 0; i++) {
			if (mount(spec, mnt, fstype, 0, opts) == 0)
				return 0;
			e = errno;
			if (e == ENODEV) {
				modprobe_quiet(i < 3 ? "nfsv4" : "nfsv3");
				if (mount(spec, mnt, fstype, 0, opts) == 0)
					return 0;
				e = errno;
			}
			ec_set_err(err, -e, "mount -t %s -o %s %s: %s", fstype, opts, spec, strerror(e));
			if (nfs_net_error(e)) {
				net = true;
				break;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!net || now.tv_sec - t0.tv_sec >= 60)
			return -e;
		sleep(1);
	}
}

static int real_mount(void *ctx, const char *fstype, const char *dev, const char *mnt,
		      struct ec_err *err)
{
	if (!strcmp(fstype, "nfs") || !strcmp(fstype, "nfs4"))
		return nfs_mount(dev, mnt, err);
	int e;

	if (mount(dev, mnt, fstype, 0, NULL) == 0)
		return 0;
	e = errno;
	if (e == ENODEV) {
		/* The kernel asks modprobe itself, but not from every initrd. */
		modprobe_quiet(fstype);
		if (mount(dev, mnt, fstype, 0, NULL) == 0)
			return 0;
		e = errno;
	}
	return ec_set_err(err, -e, "%s", strerror(e));
}

static void real_umount(void *ctx, const char *mnt)
{
	sync();
	umount2(mnt, 0);
}

static int real_action(void *ctx, enum kc_action a)
{
	if (a == KC_ACT_SHELL) {
		char *argv[] = { (char *)"/bin/sh", (char *)"-i", NULL };
		struct ec_err err;
		int con = open("/dev/console", O_RDWR | O_CLOEXEC);

		cap_run_cmd(argv, con, con, con, -1, &err);
		if (con >= 0)
			close(con);
		return 0;
	}
	sync();
	if (a == KC_ACT_HALT)
		reboot(RB_HALT_SYSTEM);
	else if (a == KC_ACT_POWEROFF)
		reboot(RB_POWER_OFF);
	else
		reboot(RB_AUTOBOOT);
	return -errno;
}

const struct cap_ops cap_real_ops = {
	.wait_device = real_wait_device,
	.mount = real_mount,
	.umount = real_umount,
	.action = real_action,
};
