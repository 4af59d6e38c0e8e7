/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /etc/sysconfig/kdump parser: quoting, defaults, rejected shell constructs. */
#include <errno.h>
#include <string.h>
#include "kdumpconf.h"
#include "tap.h"

static int parse(const char *text, struct kc_sysconfig *s, struct ec_err *err)
{
	memset(err, 0, sizeof(*err));
	return kc_sysconfig_parse_buf(text, strlen(text), "sysconfig", s, err);
}

static void bad(const char *text, const char *n1, const char *n2)
{
	struct kc_sysconfig s;
	struct ec_err err;
	int r = parse(text, &s, &err);

	ok(r < 0 && strstr(err.msg, n1) && (!n2 || strstr(err.msg, n2)), "rejects %s -> %s", first_line(text), err.msg);
	if (r == 0)
		kc_sysconfig_free(&s);
}

int main(void)
{
	struct kc_sysconfig s;
	struct ec_err err;

	ok(parse("", &s, &err) == 0 && !strcmp(s.img, "vmlinuz") && !strcmp(s.img_ext, "") &&
	   !strcmp(s.bootdir, "/boot") && !s.kernelver && !s.commandline, "defaults");
	kc_sysconfig_free(&s);

	ok(parse("# comment\n"
		 "KDUMP_KERNELVER=\"6.1.0-13-cloud-amd64\"\n"
		 "KDUMP_COMMANDLINE=''\n"
		 "  export KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 \\\"q\\\" x\"   # why\n"
		 "KDUMP_COMMANDLINE_REMOVE='hugepages hugepagesz $notexpanded'\n"
		 "KEXEC_ARGS=-s\n"
		 "KDUMP_IMG=vmlinuz\n"
		 "KDUMP_IMG_EXT=.efi\n"
		 "KDUMP_BOOTDIR=/boot/efi\n"
		 "MKDUMPRD_ARGS=\"--foo\"\n"
		 "KEXEC_ARGS=a\\ b\"c d\"'e'\n", &s, &err) == 0, "Fedora-style file parses (%s)", err.msg);
	ok(!strcmp(s.kernelver, "6.1.0-13-cloud-amd64"), "KDUMP_KERNELVER");
	ok(s.commandline && !strcmp(s.commandline, ""), "KDUMP_COMMANDLINE empty string");
	ok(!strcmp(s.commandline_append, "irqpoll nr_cpus=1 \"q\" x"), "double quotes with escapes: %s",
	   s.commandline_append);
	ok(!strcmp(s.commandline_remove, "hugepages hugepagesz $notexpanded"), "single quotes literal");
	ok(!strcmp(s.kexec_args, "a bc de"), "last assignment wins; word concatenation: %s", s.kexec_args);
	ok(!strcmp(s.img_ext, ".efi") && !strcmp(s.bootdir, "/boot/efi"), "KDUMP_IMG_EXT, KDUMP_BOOTDIR");
	ok(s.n_other == 1, "unknown keys kept aside (%zu)", s.n_other);
	kc_sysconfig_free(&s);

	bad("A=1\nKEXEC_ARGS=$(reboot)\n", "sysconfig:2:", "not supported");
	bad("KEXEC_ARGS=\"$HOME\"\n", ":1:", "expansion");
	bad("KEXEC_ARGS=\"open\n", ":1:", "closing \"");
	bad("\n\nKEXEC_ARGS='open\n", ":3:", "closing '");
	bad("KEXEC_ARGS = x\n", ":1:", "'='");
	bad("KEXEC_ARGS=a b\n", ":1:", "one value");
	bad("1KEY=x\n", ":1:", "KEY=value");
	bad("KEXEC_ARGS=a;reboot\n", ":1:", "not supported");
	bad("KEXEC_ARGS=x\\\n", ":1:", "continuation");
	return tap_done();
}
