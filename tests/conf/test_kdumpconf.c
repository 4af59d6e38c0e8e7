/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kdump.conf parser: every directive, the fallback chain, errors with line numbers,
 * limits, and the normalized form's round trip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kdumpconf.h"
#include "tap.h"

static int parse(const char *text, struct kdump_conf *c, struct ec_err *err)
{
	memset(err, 0, sizeof(*err));
	return kc_parse_buf(text, strlen(text), "kdump.conf", c, err);
}

/* Expect a parse error whose message contains every needle. */
static void bad(const char *text, const char *needle1, const char *needle2)
{
	struct kdump_conf c;
	struct ec_err err;
	int r = parse(text, &c, &err);

	ok(r < 0 && strstr(err.msg, needle1) && (!needle2 || strstr(err.msg, needle2)),
	   "rejects %s -> %s", first_line(text), err.msg);
	if (r == 0)
		kc_conf_free(&c);
}

static void test_defaults(void)
{
	struct kdump_conf c;
	struct ec_err err;

	ok(parse("# only a comment\n\n   \n", &c, &err) == 0, "empty conf parses");
	ok(c.n_targets == 0 && !strcmp(c.path, "/var/crash"), "default path /var/crash, no target");
	ok(!strcmp(c.core_collector, KC_DEFAULT_COLLECTOR) && c.collector_kind == KC_COLL_CRASHCAP,
	   "default collector %s", c.core_collector);
	ok(c.failure_action == KC_ACT_REBOOT && c.final_action == KC_ACT_REBOOT, "default actions reboot");
	ok(c.sample_rate == KC_DEFAULT_SAMPLE_RATE && !strcmp(c.sshkey, KC_DEFAULT_SSHKEY),
	   "default sample_rate and sshkey");
	ok(!kc_needs_network(&c), "no network needed");
	kc_conf_free(&c);
}

static const char full[] =
	"# a Fedora-style file with every directive\n"
	"ext4 UUID=03138356-5e61-4ab3-b58e-27507ac41937   # trailing comment\n"
	"xfs LABEL=dumps\n"
	"btrfs /dev/vdc1\n"
	"raw /dev/vdd\n"
	"nfs server:/export/crash\n"
	"ssh kdump@10.0.2.2\n"
	"sshkey /root/.ssh/other\n"
	"\tpath   /dumps  \n"
	"core_collector makedumpfile -l --message-level 7 -d 31\n"
	"kdump_pre /bin/pre\n"
	"kdump_post /bin/post\n"
	"extra_bins /bin/a /bin/b\n"
	"extra_bins /bin/c\n"
	"extra_modules mlx5_core\n"
	"dracut_args --add-drivers nvme\n"
	"dracut_args --omit plymouth\n"
	"blacklist floppy\n"
	"options bnx2 disable_msi=1\n"
	"options e1000 debug=2\n"
	"failure_action shell\n"
	"final_action poweroff\n"
	"force_rebuild 1\n"
	"auto_reset_crashkernel yes\n"
	"fence_kdump_args -p 7410 -f auto\n"
	"fence_kdump_nodes node1 node2\n"
	"encrypt_to /etc/kdump/key.pub\n"
	"sample_rate 16\n"
	"link_delay 5\n"
	"disk_timeout 30\n";

static void test_full(void)
{
	struct kdump_conf c;
	struct ec_err err;

	ok(parse(full, &c, &err) == 0, "full conf parses (%s)", err.msg);
	ok(c.n_targets == 6, "six targets in the fallback chain (%zu)", c.n_targets);
	ok(c.targets[0].type == KC_T_FS && !strcmp(c.targets[0].fstype, "ext4") &&
	   !strcmp(c.targets[0].spec, "UUID=03138356-5e61-4ab3-b58e-27507ac41937") &&
	   c.targets[0].line == 2, "target 1 ext4 UUID= at line 2");
	ok(c.targets[1].type == KC_T_FS && !strcmp(c.targets[1].fstype, "xfs") &&
	   !strcmp(c.targets[1].spec, "LABEL=dumps"), "target 2 xfs LABEL=");
	ok(!strcmp(c.targets[2].fstype, "btrfs") && !strcmp(c.targets[2].spec, "/dev/vdc1"),
	   "target 3 btrfs device");
	ok(c.targets[3].type == KC_T_RAW && !strcmp(c.targets[3].spec, "/dev/vdd"), "target 4 raw");
	ok(c.targets[4].type == KC_T_NFS && !strcmp(c.targets[4].spec, "server:/export/crash"),
	   "target 5 nfs");
	ok(c.targets[5].type == KC_T_SSH && !strcmp(c.targets[5].spec, "kdump@10.0.2.2") &&
	   c.targets[5].line == 7, "target 6 ssh at line 7");
	ok(!strcmp(c.sshkey, "/root/.ssh/other"), "sshkey");
	ok(!strcmp(c.path, "/dumps"), "path trimmed");
	ok(!strcmp(c.core_collector, "crashcap save -l --message-level 7 -d 31") &&
	   c.collector_kind == KC_COLL_CRASHCAP && c.collector_from_makedumpfile,
	   "makedumpfile mapped to crashcap save with the same options");
	ok(!strcmp(c.kdump_pre, "/bin/pre") && !strcmp(c.kdump_post, "/bin/post"), "kdump_pre/post");
	ok(!strcmp(c.extra_bins, "/bin/a /bin/b /bin/c"), "extra_bins accumulate");
	ok(!strcmp(c.extra_modules, "mlx5_core"), "extra_modules");
	ok(!strcmp(c.dracut_args, "--add-drivers nvme --omit plymouth"), "dracut_args accumulate");
	ok(!strcmp(c.blacklist, "floppy"), "blacklist");
	ok(!strcmp(c.options, "bnx2 disable_msi=1\ne1000 debug=2"), "options lines kept");
	ok(c.failure_action == KC_ACT_SHELL && c.final_action == KC_ACT_POWEROFF, "actions");
	ok(c.force_rebuild && !c.force_no_rebuild && c.auto_reset_crashkernel, "booleans");
	ok(!strcmp(c.fence_kdump_args, "-p 7410 -f auto") && !strcmp(c.fence_kdump_nodes, "node1 node2"),
	   "fence_kdump_* accepted");
	ok(!strcmp(c.encrypt_to, "/etc/kdump/key.pub"), "encrypt_to");
	ok(c.sample_rate == 16 && c.link_delay == 5 && c.disk_timeout == 30, "numbers");
	ok(kc_needs_network(&c), "nfs/ssh need the network");
	kc_conf_free(&c);
}

static void test_collectors(void)
{
	struct kdump_conf c;
	struct ec_err err;

	ok(parse("core_collector /usr/sbin/makedumpfile -F -c -d 31\n", &c, &err) == 0 &&
	   !strcmp(c.core_collector, "crashcap save -F -c -d 31"), "path/makedumpfile -> crashcap save");
	kc_conf_free(&c);
	ok(parse("core_collector crashcap   save -z -d 17\n", &c, &err) == 0 &&
	   !strcmp(c.core_collector, "crashcap save -z -d 17") && !c.collector_from_makedumpfile,
	   "crashcap save kept");
	kc_conf_free(&c);
	ok(parse("core_collector cp --sparse=always\n", &c, &err) == 0 &&
	   !strcmp(c.core_collector, "cp --sparse=always") && c.collector_kind == KC_COLL_EXTERNAL,
	   "cp kept as-is");
	kc_conf_free(&c);
	ok(parse("ssh a@b\ncore_collector scp\n", &c, &err) == 0 &&
	   c.collector_kind == KC_COLL_EXTERNAL, "scp kept as-is");
	kc_conf_free(&c);
	ok(parse("nfs [fd00::1]:/export\n", &c, &err) == 0 && !strcmp(c.targets[0].spec, "[fd00::1]:/export"),
	   "nfs with a bracketed IPv6 address");
	kc_conf_free(&c);
	ok(parse("default halt\n", &c, &err) == 0 && c.failure_action == KC_ACT_HALT,
	   "'default' is the old name of failure_action");
	kc_conf_free(&c);
	ok(parse("failure_action dump_to_rootfs\r\nforce_no_rebuild 1\r\n", &c, &err) == 0 &&
	   c.failure_action == KC_ACT_DUMP_TO_ROOTFS && c.force_no_rebuild, "CRLF lines, dump_to_rootfs");
	kc_conf_free(&c);
}

static void test_errors(void)
{
	bad("path /var/crash\nbogus 1\n", "kdump.conf:2:", "unknown directive 'bogus'");
	bad("\n\next4\n", "kdump.conf:3:", "'ext4' needs");
	bad("ext4 sda1\n", ":1:", "UUID= or LABEL=");
	bad("xfs UUID=\n", ":1:", "empty UUID");
	bad("raw /dev/a /dev/b\n", ":1:", "one argument");
	bad("nfs server\n", ":1:", "host:/export");
	bad("ssh hostonly\n", ":1:", "user@host");
	bad("path var/crash\n", ":1:", "absolute");
	bad("path /a\npath /b\n", ":2:", "given twice");
	bad("sshkey rel\n", ":1:", "absolute");
	bad("kdump_pre pre.sh\n", ":1:", "absolute");
	bad("core_collector\n", ":1:", "needs a command");
	bad("core_collector crashcap info\n", ":1:", "'save'");
	bad("core_collector cp\ncore_collector cp\n", ":2:", "twice");
	bad("failure_action explode\n", ":1:", "reboot, halt, poweroff, shell or dump_to_rootfs");
	bad("final_action shell\n", ":1:", "reboot, halt or poweroff");
	bad("force_rebuild maybe\n", ":1:", "0 or 1");
	bad("force_rebuild 1\nforce_no_rebuild 1\n", "mutually exclusive", NULL);
	bad("sample_rate 0\n", ":1:", "1..1000000");
	bad("sample_rate 12x\n", ":1:", "integer");
	bad("link_delay -1\n", ":1:", "integer");
	bad("options bnx2\n", ":1:", "module name and its options");
	bad("encrypt_to key.pub\n", ":1:", "absolute");
	bad("ext4 /dev/a\next4 /dev/a\n", ":2:", "repeats line 1");
	bad("core_collector cp\n\nraw /dev/vdd\n", ":3:", "raw diskdump target needs");
	{
		char many[512] = "";
		for (int i = 0; i <= KC_MAX_TARGETS; i++)
			sprintf(many + strlen(many), "ext4 /dev/vd%c\n", 'a' + i);
		bad(many, ":9:", "too many dump targets");
	}
}

static void test_limits(void)
{
	struct kdump_conf c;
	struct ec_err err;
	size_t n = KC_MAX_LINE + 10;
	char *big = malloc(KC_MAX_FILE + 2);
	int r;

	memset(big, 'x', n);
	memcpy(big, "\npath /", 7);
	big[n] = '\0';
	r = parse(big, &c, &err);
	ok(r == -E2BIG && strstr(err.msg, ":2:") && strstr(err.msg, "at most 4096"),
	   "overlong line rejected with its number: %s", err.msg);
	memset(big, '\n', KC_MAX_FILE + 1);
	r = kc_parse_buf(big, KC_MAX_FILE + 1, "big", &c, &err);
	ok(r == -E2BIG, "file over %u bytes rejected: %s", KC_MAX_FILE, err.msg);
	r = kc_parse_buf("path /a\n\0x", 10, "nul", &c, &err);
	ok(r == -EINVAL && strstr(err.msg, "nul:2:") && strstr(err.msg, "NUL"), "NUL byte rejected: %s", err.msg);
	free(big);
	r = kc_parse_file("/nonexistent/kdump.conf", &c, &err);
	ok(r == -ENOENT && strstr(err.msg, "/nonexistent/kdump.conf"), "missing file: %s", err.msg);
}

static void test_roundtrip(void)
{
	struct kdump_conf a, b;
	struct ec_err err;
	char *s1 = NULL, *s2 = NULL;

	ok(parse(full, &a, &err) == 0, "parse full");
	ok(kc_serialize(&a, &s1, &err) == 0 && !strncmp(s1, KC_NORMALIZED_MAGIC, strlen(KC_NORMALIZED_MAGIC)),
	   "serialize starts with the magic line");
	ok(kc_parse_buf(s1, strlen(s1), "normalized", &b, &err) == 0, "normalized form parses back (%s)", err.msg);
	ok(kc_serialize(&b, &s2, &err) == 0 && !strcmp(s1, s2), "serialize(parse(serialize(x))) is stable");
	ok(b.n_targets == a.n_targets && !strcmp(b.targets[5].spec, a.targets[5].spec) &&
	   !strcmp(b.targets[0].fstype, "ext4") && b.failure_action == a.failure_action &&
	   b.final_action == a.final_action && b.sample_rate == a.sample_rate &&
	   !strcmp(b.options, a.options) && !strcmp(b.core_collector, a.core_collector) &&
	   !strcmp(b.encrypt_to, a.encrypt_to) && b.force_rebuild && b.link_delay == 5,
	   "round trip keeps every field");
	ok(strstr(s1, "\nraw /dev/vdd\nnfs server:/export/crash\n") != NULL, "targets keep their order");
	if (s1) {
		char *dup = strdup(s1), *save = NULL;

		for (char *l = strtok_r(dup, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			diag("%s", l);
		free(dup);
	}
	free(s1);
	free(s2);
	kc_conf_free(&a);
	kc_conf_free(&b);
}

/* Property: whatever parses, serializes to a form that parses back to the
 * same serialization. Inputs are random lines built from directive names,
 * values and noise (deterministic LCG, so failures reproduce). */
static void test_roundtrip_random(void)
{
	static const char *keys[] = { "ext4", "xfs", "raw", "nfs", "ssh", "path", "sshkey",
		"core_collector", "kdump_pre", "kdump_post", "extra_bins", "extra_modules",
		"dracut_args", "failure_action", "final_action", "force_rebuild", "sample_rate",
		"encrypt_to", "options", "blacklist", "default", "link_delay", "#", "" };
	static const char *vals[] = { "/dev/vdb", "UUID=ab-cd", "LABEL=x", "h:/e", "u@h", "/var/crash",
		"makedumpfile -l -d 31", "crashcap save -F", "cp", "reboot", "shell", "halt", "1", "0",
		"8", "/k.pub", "m a=1", "", "  ", "\t#c", "x y", "\"q\"" };
	unsigned long seed = 12345;
	int parsed = 0, bad_rt = 0;

	for (int iter = 0; iter < 3000; iter++) {
		char text[2048] = "";
		int lines = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 8;
		struct kdump_conf a, b;
		struct ec_err err;
		char *s1 = NULL, *s2 = NULL;

		for (int l = 0; l < lines; l++) {
			seed = seed * 1103515245 + 12345;
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s %s\n",
				 keys[(seed >> 16) % (sizeof(keys) / sizeof(keys[0]))],
				 vals[(seed >> 24) % (sizeof(vals) / sizeof(vals[0]))]);
		}
		if (parse(text, &a, &err) < 0)
			continue;
		parsed++;
		if (kc_serialize(&a, &s1, &err) < 0 || kc_parse_buf(s1, strlen(s1), "n", &b, &err) < 0) {
			if (!bad_rt++)
				diag("round trip failed for:\n%s-> %s", text, err.msg);
			kc_conf_free(&a);
			free(s1);
			continue;
		}
		if (kc_serialize(&b, &s2, &err) < 0 || strcmp(s1, s2)) {
			if (!bad_rt++)
				diag("unstable serialization for: %s", text);
		}
		free(s1);
		free(s2);
		kc_conf_free(&a);
		kc_conf_free(&b);
	}
	ok(parsed > 100 && bad_rt == 0, "3000 random confs: %d parsed, %d failed the round trip", parsed, bad_rt);
}

/* The default files we install must parse (paths from meson). */
static void test_shipped(const char *conf, const char *sysconfig)
{
	struct kdump_conf c;
	struct kc_sysconfig s;
	struct ec_err err = { 0 };

	ok(kc_parse_file(conf, &c, &err) == 0, "shipped %s parses (%s)", conf, err.msg);
	ok(c.n_targets == 0 && !strcmp(c.core_collector, "crashcap save -l --message-level 7 -d 31") &&
	   c.collector_from_makedumpfile, "shipped conf: rootfs, makedumpfile line mapped");
	kc_conf_free(&c);
	ok(kc_sysconfig_parse_file(sysconfig, &s, &err) == 0, "shipped %s parses (%s)", sysconfig, err.msg);
	ok(s.commandline_remove && strstr(s.commandline_remove, "hugepages") && s.kexec_args &&
	   !strcmp(s.kexec_args, ""), "shipped sysconfig values");
	kc_sysconfig_free(&s);
}

int main(int argc, char **argv)
{
	test_defaults();
	test_full();
	test_collectors();
	test_errors();
	test_limits();
	test_roundtrip();
	test_roundtrip_random();
	if (argc == 3)
		test_shipped(argv[1], argv[2]);
	else
		ok(0, "usage: test_kdumpconf KDUMP.CONF SYSCONFIG");
	return tap_done();
}
