/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashcap capture (owner: capture): the capture kernel's job. Runs as a systemd
 * unit in the dracut-built initrd (or as init when there is no systemd): read
 * the normalized kdump.conf, save the dump to the first target that works,
 * then final_action / failure_action. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "commands.h"
#include "cap_run.h"
#include "cap_util.h"
#include "kdumpconf.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: crashcap capture [-c KDUMP.CONF] [--vmcore PATH] [--sysroot DIR]\n"
		"                        [--mnt DIR] [--host NAME] [--no-action]\n"
		"       crashcap capture --print-conf [-c KDUMP.CONF]\n"
		"Save /proc/vmcore to the configured targets (in order, until one works),\n"
		"then run final_action (or failure_action when nothing could be saved).\n"
		"--no-action prints the action instead of rebooting. --print-conf prints the\n"
		"normalized conf the capture initrd carries. Environment:\n"
		"CRASHCAP_VMCORE, CRASHCAP_SELF (binary for 'crashcap ...' commands),\n"
		"CRASHCAP_SSH_OPTS (extra ssh options).\n");
}

static int print_action(void *ctx, enum kc_action a)
{
	printf("crashcap capture: action %s (not taken: --no-action)\n", kc_action_name(a));
	return 0;
}

static void pick_host(char *out, size_t n)
{
	FILE *f;

	cap_hostname(out, n);
	if (strcmp(out, "localhost"))
		return;
	/* The initrd often has no hostname set; the dracut module copies /etc/hostname. */
	f = fopen("/etc/hostname", "re");
	if (f) {
		char line[128];

		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, " \t\r\n")] = 0;
			if (line[0])
				snprintf(out, n, "%s", line);
		}
		fclose(f);
	}
}

/* As init without systemd: the API filesystems. */
static void setup_as_init(void)
{
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

int cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "vmcore", required_argument, NULL, 'v' },
		{ "sysroot", required_argument, NULL, 's' },
		{ "mnt", required_argument, NULL, 'm' },
		{ "host", required_argument, NULL, 'H' },
		{ "no-action", no_argument, NULL, 'n' },
		{ "print-conf", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *conf_path = SYSCONFDIR "/kdump.conf", *host = NULL;
	struct cap_params p = { 0 };
	struct cap_ops ops = cap_real_ops;
	struct cap_result res;
	struct kdump_conf kc;
	struct ec_err err = { 0 };
	char hostbuf[128], self[4096];
	ssize_t n;
	bool print_conf = false;
	int c, r;

	p.vmcore = getenv("CRASHCAP_VMCORE") ? getenv("CRASHCAP_VMCORE") : "/proc/vmcore";
	p.sysroot = "/sysroot";
	p.mnt_base = "/kdumproot";
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:v:s:m:H:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'v': p.vmcore = optarg; break;
		case 's': p.sysroot = optarg; break;
		case 'm': p.mnt_base = optarg; break;
		case 'H': host = optarg; break;
		case 'n': ops.action = print_action; break;
		case 'P': print_conf = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (getpid() == 1)
		setup_as_init();
	r = kc_parse_file(conf_path, &kc, &err);
	if (r == -ENOENT) {
		fprintf(stderr, "crashcap capture: %s missing, using the defaults\n", conf_path);
		r = kc_conf_defaults(&kc);
	}
	if (r < 0) {
		fprintf(stderr, "crashcap capture: %s\n", err.msg);
		if (getpid() == 1)   /* as init, returning would panic the capture kernel */
			cap_real_ops.action(NULL, KC_ACT_REBOOT);
		return EXIT_FAIL;
	}
	if (print_conf) {
		char *text = NULL;

		r = kc_serialize(&kc, &text, &err);
		kc_conf_free(&kc);
		if (r < 0) {
			fprintf(stderr, "crashcap capture: %s\n", err.msg);
			return EXIT_FAIL;
		}
		fputs(text, stdout);
		free(text);
		return EXIT_OK;
	}
	if (access(p.vmcore, R_OK) < 0) {
		fprintf(stderr, "crashcap capture: %s: %s (not in a capture kernel?)\n",
			p.vmcore, strerror(errno));
		kc_conf_free(&kc);
		return EXIT_FAIL;
	}
	if (getenv("CRASHCAP_SELF")) {
		snprintf(self, sizeof(self), "%s", getenv("CRASHCAP_SELF"));
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = 0;
	} else {
		snprintf(self, sizeof(self), "crashcap");
	}
	if (!host) {
		pick_host(hostbuf, sizeof(hostbuf));
		host = hostbuf;
	}
	p.conf = &kc;
	p.self = self;
	p.host = host;
	p.time = (int64_t)time(NULL);
	p.ops = &ops;
	p.console = stderr;
	if (ops.action != print_action)
		p.kmsg = fopen("/dev/kmsg", "we");
	umask(077);
	r = cap_run(&p, &res);
	if (p.kmsg)
		fclose(p.kmsg);
	kc_conf_free(&kc);
	if (r < 0)
		return EXIT_FAIL;
	return res.outcome == CAP_SAVED ? (res.unfiltered ? EXIT_UNFILTERED : EXIT_OK) :
	       res.outcome == CAP_INCOMPLETE ? EXIT_INCOMPLETE : EXIT_FAIL;
}
