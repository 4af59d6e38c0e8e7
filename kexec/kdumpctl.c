/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdumpctl: configure, build and load the crash capture (kdump-utils compatible). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "config.h"
#include "crashkernel.h"
#include "kdumpctl.h"
#include "loader.h"

#ifndef KD_CRASHCAP_BIN
#define KD_CRASHCAP_BIN "/usr/sbin/crashcap"
#endif

int kd_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : r;
}

const char *kd_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

void kd_path(const struct kd *kd, const char *p, char *out)
{
	kd_fmt(out, PATH_MAX, "%s%s", kd->root, p);
}

static void env_path(const struct kd *kd, const char *env, const char *def, char *out)
{
	const char *v = getenv(env);

	if (v && *v)
		kd_fmt(out, PATH_MAX, "%s", v);
	else
		kd_path(kd, def, out);
}

int kd_run(char *const argv[])
{
	pid_t pid;
	int st;

	fflush(NULL);   /* our messages before the child's */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "kdumpctl: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int kd_read_text(const char *path, char **ret)
{
	char *buf = malloc(65536);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0) {
		int r = fd < 0 ? -errno : -ENOMEM;

		free(buf);
		if (fd >= 0)
			close(fd);
		return r;
	}
	n = read(fd, buf, 65535);
	close(fd);
	if (n < 0) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*ret = buf;
	return 0;
}

static void kd_init(struct kd *kd)
{
	memset(kd, 0, sizeof(*kd));
	kd->root = kd_env("KDUMP_ROOT", "");
	env_path(kd, "KDUMP_CONF", "/etc/kdump.conf", kd->conf_path);
	env_path(kd, "KDUMP_SYSCONFIG", "/etc/sysconfig/kdump", kd->sysconfig_path);
	env_path(kd, "KDUMP_STATE_DIR", "/var/lib/kdump", kd->state_dir);
	env_path(kd, "KDUMP_DRACUT_MODDIR", "/usr/lib/dracut/modules.d/99crashcap", kd->dracut_moddir);
	env_path(kd, "KDUMP_CRASHCAP", KD_CRASHCAP_BIN, kd->crashcap_bin);
	kd_path(kd, "/sys/kernel", kd->sysfs);
	kd_path(kd, "/proc/cmdline", kd->proc_cmdline);
	kd_path(kd, "/proc/iomem", kd->iomem);
	kd_path(kd, "/proc/meminfo", kd->meminfo);
	kd->dracut = kd_env("KDUMP_DRACUT", "dracut");
	kd->kexec = kd_env("KDUMP_KEXEC", "kexec");
	kd->grubby = kd_env("KDUMP_GRUBBY", "grubby");
	kd->update_grub = kd_env("KDUMP_UPDATE_GRUB", "update-grub");
}

int kd_load_config(struct kd *kd)
{
	struct ec_err err = { 0 };
	char p[PATH_MAX];
	int r;

	r = kc_parse_file(kd->conf_path, &kd->conf, &err);
	if (r == -ENOENT)
		r = kc_conf_defaults(&kd->conf);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.msg[0] ? err.msg : strerror(-r));
		return r;
	}
	memset(&err, 0, sizeof(err));
	r = kc_sysconfig_parse_file(kd->sysconfig_path, &kd->sc, &err);
	if (r == -ENOENT)
		r = kc_sysconfig_defaults(&kd->sc);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.msg[0] ? err.msg : strerror(-r));
		kc_conf_free(&kd->conf);
		return r;
	}
	kd->conf_loaded = true;
	if (kd->sc.kernelver && *kd->sc.kernelver) {
		kd_fmt(kd->kver, sizeof(kd->kver), "%s", kd->sc.kernelver);
	} else if (getenv("KDUMP_KVER") && *getenv("KDUMP_KVER")) {
		kd_fmt(kd->kver, sizeof(kd->kver), "%s", getenv("KDUMP_KVER"));
	} else {
		struct utsname u;

		uname(&u);
		kd_fmt(kd->kver, sizeof(kd->kver), "%s", u.release);
	}
	kd_fmt(p, sizeof(p), "%s/%s-%s%s", kd->sc.bootdir, kd->sc.img, kd->kver, kd->sc.img_ext);
	kd_path(kd, p, kd->kernel);
	kd_fmt(kd->initrd, sizeof(kd->initrd), "%s/initrd-%s-crashcap.img", kd->state_dir, kd->kver);
	kd_fmt(kd->hashfile, sizeof(kd->hashfile), "%s/initrd-%s.hash", kd->state_dir, kd->kver);
	return 0;
}

static void kd_done(struct kd *kd)
{
	if (kd->conf_loaded) {
		kc_conf_free(&kd->conf);
		kc_sysconfig_free(&kd->sc);
	}
}

/* The capture kernel's command line from sysconfig and /proc/cmdline. */
static int capture_cmdline(struct kd *kd, const char *base_override, const char *extra, char **ret)
{
	struct ec_err err = { 0 };
	char *base = NULL, *append = NULL;
	int r;

	if (base_override) {
		base = strdup(base_override);
	} else if (kd->sc.commandline && *kd->sc.commandline) {
		base = strdup(kd->sc.commandline);
	} else if ((r = kd_read_text(kd->proc_cmdline, &base)) < 0) {
		fprintf(stderr, "kdumpctl: %s: %s\n", kd->proc_cmdline, strerror(-r));
		return r;
	}
	if (!base)
		return -ENOMEM;
	if (asprintf(&append, "%s%s%s", kd->sc.commandline_append ? kd->sc.commandline_append : "",
		     extra ? " " : "", extra ? extra : "") < 0) {
		free(base);
		return -ENOMEM;
	}
	r = kl_build_cmdline(base, kd->sc.commandline_remove, append, ret, &err);
	if (r < 0)
		fprintf(stderr, "kdumpctl: %s\n", err.msg);
	free(base);
	free(append);
	return r;
}

static bool fadump_on(struct kd *kd)
{
	char *c = NULL;
	bool on = false;

	if (kd_read_text(kd->proc_cmdline, &c) == 0) {
		on = strstr(c, "fadump=on") != NULL;
		free(c);
	}
	return on;
}

/* Split s into words (shell quoting), appended to argv[*n], at most max. */
static int split_words(const char *s, char **argv, int *n, int max)
{
	const char *p = s, *end = s + strlen(s), *what;
	char w[4096];

	while (p < end) {
		int l;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		l = kc_shell_word(&p, end, w, sizeof(w), &what);
		if (l < 0) {
			fprintf(stderr, "kdumpctl: cannot split '%s': expected %s\n", s, what);
			return l;
		}
		if (*n >= max)
			return -E2BIG;
		argv[(*n)++] = strdup(w);
	}
	return 0;
}

static int load_with_tools(struct kd *kd, const char *kernel, const char *initrd, const char *cmdline)
{
	char *argv[64] = { 0 };
	int n = 0, r;

	argv[n++] = strdup(kd->kexec);
	argv[n++] = strdup("-p");
	if (kd->sc.kexec_args && split_words(kd->sc.kexec_args, argv, &n, 56) < 0)
		goto out;
	if (initrd && asprintf(&argv[n++], "--initrd=%s", initrd) < 0)
		goto out;
	if (asprintf(&argv[n++], "--command-line=%s", cmdline) < 0)
		goto out;
	argv[n++] = strdup(kernel);
	r = kd_run(argv);
	for (int i = 0; i < n; i++)
		free(argv[i]);
	if (r != 0)
		fprintf(stderr, "kdumpctl: %s -p failed (exit %d)\n", kd->kexec, r);
	return r == 0 ? 0 : -EIO;
out:
	for (int i = 0; i < n; i++)
		free(argv[i]);
	return -EINVAL;
}

/* Load kernel+initrd with our loader, or kexec -p when asked or needed. */
static int do_load(struct kd *kd, const char *kernel, const char *initrd, const char *cmdline)
{
	struct ec_err err = { 0 };
	struct ck_live live;
	int r;

	if (ck_read_live(kd->sysfs, NULL, &live, &err) == 0 && live.size == 0) {
		fprintf(stderr, "kdumpctl: no memory is reserved for the crash kernel "
			"(%s/kexec_crash_size is 0): boot with crashkernel=, see "
			"'kdumpctl estimate' and 'kdumpctl reset-crashkernel'\n", kd->sysfs);
		return -EADDRNOTAVAIL;
	}
	if (kd_arch_i386()) {
		/* i386 has no kexec_file_load: our kexec_load loader, kexec-tools
		 * when KEXEC_ARGS needs it or the image is not a relocatable bzImage */
		r = kd_load_kexec_load(kd, kernel, initrd, cmdline);
		if (r != -EOPNOTSUPP && r != -ENOEXEC)
			return r;
		printf("kdumpctl: loading with %s -p\n", kd->kexec);
		return load_with_tools(kd, kernel, initrd, cmdline);
	}
	if (kl_kexec_args_want_tools(kd->sc.kexec_args)) {
		printf("kdumpctl: KEXEC_ARGS=\"%s\": loading with %s -p\n", kd->sc.kexec_args, kd->kexec);
		return load_with_tools(kd, kernel, initrd, cmdline);
	}
	r = kl_load(kernel, initrd, cmdline, &err);
	if (r == -ENOSYS) {
		printf("kdumpctl: kexec_file_load is not available; loading with %s -p\n", kd->kexec);
		return load_with_tools(kd, kernel, initrd, cmdline);
	}
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.msg);
		return r;
	}
	printf("kdumpctl: loaded %s with kexec_file_load\n", kernel);
	return 0;
}

/* The capture initrd carries the ssh key: refuse one others can read or replace,
 * as ssh itself does ("UNPROTECTED PRIVATE KEY FILE"), before it is copied. */
static int check_sshkey(const struct kd *kd)
{
	const char *key = kd->conf.sshkey;
	struct stat st;
	bool ssh = false;

	for (size_t i = 0; i < kd->conf.n_targets; i++)
		ssh |= kd->conf.targets[i].type == KC_T_SSH;
	if (!ssh)
		return 0;
	if (stat(key, &st) < 0) {
		fprintf(stderr, "kdumpctl: sshkey %s: %s (run 'kdumpctl propagate' first)\n",
			key, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "kdumpctl: sshkey %s is not a regular file\n", key);
		return -EINVAL;
	}
	if (st.st_mode & 077) {
		fprintf(stderr, "kdumpctl: sshkey %s has mode %04o: it must not be accessible "
			"by group or others (chmod 600 %s)\n", key, (unsigned)(st.st_mode & 07777), key);
		return -EPERM;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "kdumpctl: sshkey %s is owned by uid %u, not by uid %u\n",
			key, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

static int cmd_start(struct kd *kd, bool force_build)
{
	char *cmdline = NULL;
	bool built = false;
	int r;

	if (fadump_on(kd))
		printf("kdumpctl: fadump=on is set: firmware-assisted dump takes the crash "
		       "(fadump support is limited; loading the kdump kernel anyway)\n");
	if (!force_build && kl_loaded(kd->sysfs) == 1) {
		printf("kdumpctl: kdump is already loaded (use restart to reload)\n");
		return 0;
	}
	if (access(kd->kernel, R_OK) < 0) {
		fprintf(stderr, "kdumpctl: kernel image %s: %s (set KDUMP_KERNELVER/KDUMP_IMG)\n",
			kd->kernel, strerror(errno));
		return -ENOENT;
	}
	r = check_sshkey(kd);
	if (r < 0)
		return r;
	r = kd_initrd_ensure(kd, force_build, &built);
	if (r < 0)
		return r;
	r = capture_cmdline(kd, NULL, NULL, &cmdline);
	if (r < 0)
		return r;
	r = do_load(kd, kd->kernel, kd->initrd, cmdline);
	free(cmdline);
	if (r == 0)
		printf("kdumpctl: kdump started\n");
	return r;
}

static int cmd_stop(struct kd *kd)
{
	struct ec_err err = { 0 };
	int r;

	if (kl_loaded(kd->sysfs) == 0) {
		printf("kdumpctl: kdump is not loaded\n");
		return 0;
	}
	if (kl_kexec_args_want_tools(kd->sc.kexec_args) && !kd_arch_i386()) {
		char *argv[] = { (char *)kd->kexec, (char *)"-p", (char *)"-u", NULL };

		return kd_run(argv) == 0 ? 0 : -EIO;
	}
	/* i386: kexec_load unloads whatever loaded it (ours or kexec-tools) */
	r = kd_arch_i386() ? kd_unload_kexec_load(kd) : kl_unload(&err);
	if (r == -ENOSYS) {
		char *argv[] = { (char *)kd->kexec, (char *)"-p", (char *)"-u", NULL };

		r = kd_run(argv) == 0 ? 0 : -EIO;
	} else if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.msg);
	}
	if (r == 0)
		printf("kdumpctl: kdump stopped\n");
	return r;
}

static int cmd_status(struct kd *kd)
{
	int r = kl_loaded(kd->sysfs);

	if (fadump_on(kd))
		printf("fadump=on is set on the kernel command line\n");
	if (r < 0) {
		printf("kdump: unknown (%s/kexec_crash_loaded: %s)\n", kd->sysfs, strerror(-r));
		return KD_EXIT_NOT_LOADED;
	}
	printf("kdump: %s\n", r ? "loaded: operational" : "not loaded");
	return r ? KD_EXIT_OK : KD_EXIT_NOT_LOADED;
}

/* `kdumpctl load`: load a given kernel/initrd without building (lab, debugging). */
static int cmd_load(struct kd *kd, int argc, char **argv)
{
	const char *kernel = kd->kernel, *initrd = NULL, *base = NULL, *extra = NULL;
	char *cmdline = NULL;
	bool print_only = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--kernel=", 9))
			kernel = argv[i] + 9;
		else if (!strncmp(argv[i], "--initrd=", 9))
			initrd = argv[i] + 9;
		else if (!strncmp(argv[i], "--command-line=", 15))
			base = argv[i] + 15;
		else if (!strncmp(argv[i], "--append=", 9))
			extra = argv[i] + 9;
		else if (!strcmp(argv[i], "--print"))
			print_only = true;
		else {
			fprintf(stderr, "kdumpctl load: unknown option %s\n", argv[i]);
			return -EINVAL;
		}
	}
	r = capture_cmdline(kd, base, extra, &cmdline);
	if (r < 0)
		return r;
	if (print_only)
		printf("%s\n", cmdline);
	else
		r = do_load(kd, kernel, initrd, cmdline);
	free(cmdline);
	return r;
}

static int cmd_propagate(struct kd *kd)
{
	const char *key = kd->conf.sshkey;
	char pub[PATH_MAX + 8];
	int n = 0, r;

	for (size_t i = 0; i < kd->conf.n_targets; i++) {
		if (kd->conf.targets[i].type != KC_T_SSH)
			continue;
		if (n++ == 0 && access(key, R_OK) < 0) {
			char *kg[] = { (char *)"ssh-keygen", (char *)"-t", (char *)"ed25519", (char *)"-N",
				       (char *)"", (char *)"-f", (char *)key, NULL };

			printf("kdumpctl: generating %s\n", key);
			if ((r = kd_run(kg)) != 0) {
				fprintf(stderr, "kdumpctl: ssh-keygen failed (%d)\n", r);
				return -EIO;
			}
		}
		kd_fmt(pub, sizeof(pub), "%s.pub", key);
		{
			char *cp[] = { (char *)"ssh-copy-id", (char *)"-i", pub,
				       kd->conf.targets[i].spec, NULL };

			if ((r = kd_run(cp)) != 0) {
				fprintf(stderr, "kdumpctl: ssh-copy-id to %s failed (%d)\n",
					kd->conf.targets[i].spec, r);
				return -EIO;
			}
		}
		printf("kdumpctl: %s authorized on %s\n", pub, kd->conf.targets[i].spec);
	}
	if (!n)
		printf("kdumpctl: no ssh target in %s: nothing to propagate\n", kd->conf_path);
	return 0;
}

static int cmd_test(struct kd *kd, int argc, char **argv)
{
	char answer[16] = "", path[PATH_MAX];
	FILE *f;

	if (kl_loaded(kd->sysfs) != 1) {
		fprintf(stderr, "kdumpctl: kdump is not loaded: run 'kdumpctl start' first\n");
		return -ENOENT;
	}
	if (!(argc > 1 && !strcmp(argv[1], "--force"))) {
		printf("kdumpctl test panics this machine now to check the capture.\n"
		       "Type 'yes' to continue: ");
		fflush(stdout);
		if (!fgets(answer, sizeof(answer), stdin) || strcmp(answer, "yes\n")) {
			printf("kdumpctl: not confirmed, nothing done\n");
			return -ECANCELED;
		}
	}
	kd_fmt(path, sizeof(path), "%s", kd_env("KDUMP_SYSRQ", "/proc/sysrq-trigger"));
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "kdumpctl: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	sync();
	fputs("c\n", f);
	fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kdumpctl COMMAND\n"
		"  start             build the capture initrd if its inputs changed, load the crash kernel\n"
		"  stop              unload the crash kernel\n"
		"  status            exit 0 when loaded, 3 when not\n"
		"  restart | reload  unload, then start\n"
		"  rebuild           rebuild the capture initrd\n"
		"  propagate         create the ssh key if needed and install it on the ssh targets\n"
		"  estimate          memory the capture needs on this machine, with the reasoning\n"
		"  showmem           the current crash kernel reservation\n"
		"  reset-crashkernel [--kernel=PATH|ALL] [--size=VALUE]   set crashkernel= for the boot loader\n"
		"  test [--force]    panic the machine now (asks for 'yes')\n"
		"  load [--kernel=K] [--initrd=I] [--command-line=C] [--append=A] [--print]\n"
		"                    load without building (or print the capture command line)\n"
		"See kdumpctl(8).\n");
}

int main(int argc, char **argv)
{
	struct kd kd;
	const char *cmd;
	int r;

	if (argc < 2) {
		usage(stderr);
		return KD_EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("kdumpctl (crashcap) %s\n", CRASHCAP_VERSION);
		return 0;
	}
	kd_init(&kd);
	if (!strcmp(cmd, "status"))
		return cmd_status(&kd);
	if (!strcmp(cmd, "showmem"))
		return kd_cmd_showmem(&kd) < 0 ? KD_EXIT_FAIL : 0;
	if (kd_load_config(&kd) < 0)
		return KD_EXIT_FAIL;
	if (!strcmp(cmd, "start"))
		r = cmd_start(&kd, false);
	else if (!strcmp(cmd, "stop"))
		r = cmd_stop(&kd);
	else if (!strcmp(cmd, "restart") || !strcmp(cmd, "reload"))
		r = cmd_stop(&kd) ?: cmd_start(&kd, false);
	else if (!strcmp(cmd, "rebuild")) {
		bool built;

		r = kd_initrd_ensure(&kd, true, &built);
	} else if (!strcmp(cmd, "propagate"))
		r = cmd_propagate(&kd);
	else if (!strcmp(cmd, "estimate"))
		r = kd_cmd_estimate(&kd);
	else if (!strcmp(cmd, "reset-crashkernel"))
		r = kd_cmd_reset_crashkernel(&kd, argc - 1, argv + 1);
	else if (!strcmp(cmd, "test"))
		r = cmd_test(&kd, argc - 1, argv + 1);
	else if (!strcmp(cmd, "load"))
		r = cmd_load(&kd, argc - 1, argv + 1);
	else {
		fprintf(stderr, "kdumpctl: unknown command '%s'\n", cmd);
		usage(stderr);
		kd_done(&kd);
		return KD_EXIT_USAGE;
	}
	kd_done(&kd);
	return r < 0 ? KD_EXIT_FAIL : 0;
}
