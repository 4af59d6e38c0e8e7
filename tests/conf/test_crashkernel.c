/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crashkernel= parsing and selection (kernel rules), live reservation files,
 * the estimate, the capture command line and the SHA-256 used for rebuilds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crashkernel.h"
#include "loader.h"
#include "sha256.h"
#include "tap.h"

#define M (1ull << 20)
#define G (1ull << 30)

static uint64_t pick(const char *v, uint64_t ram, uint64_t *off)
{
	struct ck_spec s;
	struct ec_err err = { 0 };
	uint64_t size = ~0ull, o = 0;

	if (ck_parse(v, &s, &err) < 0 || ck_select(&s, ram, &size, &o, &err) < 0) {
		diag("%s: %s", v, err.msg);
		return ~0ull;
	}
	if (off)
		*off = o;
	return size;
}

static void bad(const char *v, const char *needle)
{
	struct ck_spec s;
	struct ec_err err = { 0 };

	ok(ck_parse(v, &s, &err) == -EINVAL && strstr(err.msg, needle), "rejects '%s': %s", v, err.msg);
}

static void test_parse(void)
{
	struct ck_spec s;
	struct ec_err err = { 0 };
	uint64_t v, off;
	const char *e;
	char buf[32];

	ok(ck_memparse("64M", &e, &v) == 0 && v == 64 * M && !*e, "memparse 64M");
	ok(ck_memparse("0x1000k", &e, &v) == 0 && v == 0x1000 * 1024, "memparse hex with suffix");
	ok(ck_memparse("1T", &e, &v) == 0 && v == 1024 * G, "memparse 1T");
	ok(ck_memparse("99999999999999999999", &e, &v) == -ERANGE, "memparse overflow");
	ok(ck_memparse("M", &e, &v) == -EINVAL, "memparse needs digits");
	ck_format_size(256 * M, buf, sizeof(buf));
	ok(!strcmp(buf, "256M"), "format 256M");
	ck_format_size(1536 * 1024, buf, sizeof(buf));
	ok(!strcmp(buf, "1536K"), "format 1536K");
	ck_format_size(4 * G, buf, sizeof(buf));
	ok(!strcmp(buf, "4G"), "format 4G");

	ok(pick("64M", 1 * G, &off) == 64 * M && off == 0, "64M");
	ok(pick("64M@16M", 1 * G, &off) == 64 * M && off == 16 * M, "64M@16M: size and offset");
	ok(ck_parse("256M,high", &s, &err) == 0 && s.where == CK_HIGH && s.size == 256 * M, ",high");
	ok(ck_parse("72M,low", &s, &err) == 0 && s.where == CK_LOW && s.size == 72 * M, ",low");
	ok(ck_parse("2G-64G:256M,64G-:512M", &s, &err) == 0 && s.ranged && s.n_ranges == 2 &&
	   s.ranges[1].end == UINT64_MAX, "range list with an open end");

	/* Selection against RAM, including the kernel's 128M round-up. */
	ok(pick("2G-64G:256M,64G-:512M", 1 * G, NULL) == 0, "1G: below every range -> 0");
	ok(pick("2G-64G:256M,64G-:512M", 2 * G, NULL) == 256 * M, "2G -> 256M (start inclusive)");
	ok(pick("2G-64G:256M,64G-:512M", 2 * G - 100 * M, NULL) == 256 * M,
	   "1948M rounds up to 2G like the kernel (firmware holes) -> 256M");
	ok(pick("2G-64G:256M,64G-:512M", 64 * G, NULL) == 512 * M, "64G -> 512M (end exclusive)");
	ok(pick("2G-64G:256M,64G-:512M", 63 * G, NULL) == 256 * M, "63G -> 256M");
	ok(pick("1G-4G:192M,4G-64G:256M,64G-:512M", 3 * G, NULL) == 192 * M, "default table, 3G -> 192M");
	ok(pick("512M-2G:64M,2G-:128M@16M", 4 * G, &off) == 128 * M && off == 16 * M,
	   "ranges with @offset");
	ok(pick("512M-2G:64M,2G-:128M@16M", 256 * M, &off) == 0 && off == 0, "no match: no offset");
	{
		struct ec_err e2 = { 0 };
		uint64_t sz, o;

		ck_parse("0-:2G", &s, &err);
		ok(ck_select(&s, 1 * G, &sz, &o, &e2) == -EINVAL && strstr(e2.msg, "not below"),
		   "a size >= RAM is rejected like the kernel does: %s", e2.msg);
	}
	bad("", "memory value");
	bad("64Q", "unrecognized");
	bad("64M@", "after '@'");
	bad("2G:256M", "'-'");
	bad("2G-1G:256M", "above its start");
	bad("2G-4G=256M,1G-:1M", "':' after the range");
	bad("2G-4G:", "size");
	bad("1G-:64M,high", "no ,high");
	bad("64M@16M,high", "no @offset");
}

static void test_cmdline_find(void)
{
	char v[64];

	ok(ck_find_in_cmdline("root=/dev/vda crashkernel=128M quiet crashkernel=256M", CK_ANY, v, sizeof(v)) == 0 &&
	   !strcmp(v, "256M"), "the last crashkernel= wins");
	ok(ck_find_in_cmdline("crashkernel=512M,high crashkernel=64M,low", CK_ANY, v, sizeof(v)) == -ENOENT,
	   "suffixed ones are not the plain one");
	ok(ck_find_in_cmdline("crashkernel=512M,high crashkernel=64M,low", CK_HIGH, v, sizeof(v)) == 0 &&
	   !strcmp(v, "512M,high"), ",high found");
	ok(ck_find_in_cmdline("crashkernel=512M,high crashkernel=64M,low", CK_LOW, v, sizeof(v)) == 0 &&
	   !strcmp(v, "64M,low"), ",low found");
	ok(ck_find_in_cmdline("xcrashkernel=1M", CK_ANY, v, sizeof(v)) == -ENOENT, "word boundary");
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
	static char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static void test_live(void)
{
	char dir[] = "/tmp/cktestXXXXXX";
	struct ck_live l;
	struct ec_err err = { 0 };
	uint64_t ram;
	char iomem[512];
	int r;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	write_tmp(dir, "kexec_crash_size", "268435456\n");
	write_tmp(dir, "kexec_crash_loaded", "1\n");
	snprintf(iomem, sizeof(iomem), "%s",
		 write_tmp(dir, "iomem",
			   "00000000-00000fff : Reserved\n"
			   "00001000-0009fbff : System RAM\n"
			   "00100000-3ffdffff : System RAM\n"
			   "  01000000-01e00000 : Kernel code\n"
			   "  2f000000-3effffff : Crash kernel\n"
			   "fec00000-fec003ff : IOAPIC 0\n"));
	ok(ck_read_live(dir, iomem, &l, &err) == 0 && l.size == 256 * M && l.loaded &&
	   l.n_iomem == 1 && l.start == 0x2f000000 && l.end == 0x3effffff, "live reservation from sysfs + iomem");
	ram = 0;
	r = ck_iomem_system_ram(iomem, &ram, &err);
	ok(r == 0 && ram == 0x9ec00 + 0x3fee0000, "System RAM summed from top-level lines (%llu)",
	   (unsigned long long)ram);
	write_tmp(dir, "kexec_crash_size", "lots\n");
	ok(ck_read_live(dir, NULL, &l, &err) == -EINVAL && strstr(err.msg, "decimal"), "bad size: %s", err.msg);
	write_tmp(dir, "iomem", "garbage\n");
	ok(ck_iomem_system_ram(iomem, &ram, &err) == -EINVAL && strstr(err.msg, ":1:"), "bad iomem: %s", err.msg);
	write_tmp(dir, "iomem", "00000000-00000000 : System RAM\n");
	ok(ck_iomem_system_ram(iomem, &ram, &err) == -EPERM, "hidden addresses (non-root) -> -EPERM");
	{
		/* A minimal bzImage header: "HdrS", protocol 2.15, init_size 0x2345000. */
		unsigned char h[0x300] = { 0 };
		char p[512];
		FILE *f;
		uint64_t is = 0;

		memcpy(h + 0x202, "HdrS", 4);
		h[0x206] = 0x0f;
		h[0x207] = 0x02;
		h[0x260] = 0x00; h[0x261] = 0x50; h[0x262] = 0x34; h[0x263] = 0x02;
		snprintf(p, sizeof(p), "%s/bz", dir);
		f = fopen(p, "w");
		fwrite(h, 1, sizeof(h), f);
		fclose(f);
		ok(ck_bzimage_init_size(p, &is, &err) == 0 && is == 0x2345000, "bzImage init_size");
		write_tmp(dir, "bz", "not a kernel");
		ok(ck_bzimage_init_size(p, &is, &err) == -EINVAL && strstr(err.msg, "HdrS"), "not a bzImage");
		unlink(p);
	}
	unlink(iomem);
	snprintf(iomem, sizeof(iomem), "%s/kexec_crash_size", dir);
	unlink(iomem);
	snprintf(iomem, sizeof(iomem), "%s/kexec_crash_loaded", dir);
	unlink(iomem);
	rmdir(dir);
}

static void test_estimate(void)
{
	struct ck_estimate_in in = { .ram = 4 * G, .kernel_file = 8 * M, .kernel_init_size = 40 * M,
				     .initrd_file = 20 * M, .threads = 1 };
	struct ck_estimate a, b;
	uint64_t sum = 0;

	ck_estimate(&in, &a);
	for (size_t i = 0; i < a.n; i++)
		sum += a.item[i].bytes;
	ok(a.n >= 6 && sum == a.total, "items add up to the total");
	ok(a.recommend >= a.total && a.recommend % (32 * M) == 0 && a.recommend - a.total < 32 * M,
	   "recommendation rounds the total up to 32 MiB");
	ok(a.item[0].bytes == 40 * M, "kernel counted by init_size");
	ok(a.item[1].bytes == 20 * M + 60 * M, "compressed initrd: file + 3x unpacked");
	ok(a.item[3].bytes == 2 * (4 * G / 4096 / 8), "4G RAM: bitmaps 2 bits per page (256 KiB)");
	in.ram = 1024 * G;
	ck_estimate(&in, &b);
	ok(b.item[3].bytes == 4 * M, "1T RAM: bitmaps capped at FL_DEFAULT_CYCLE_BYTES");
	ok(b.total - a.total < 5 * M, "the estimate barely grows with RAM (cycles): %llu -> %llu MiB",
	   (unsigned long long)(a.total / M), (unsigned long long)(b.total / M));
	in.threads = 4;
	ck_estimate(&in, &b);
	ok(b.item[4].bytes == a.item[4].bytes + 3 * 2 * M, "each extra thread adds 2 MiB");
	in.initrd_uncompressed = true;
	ck_estimate(&in, &b);
	ok(b.item[1].bytes == 40 * M, "plain cpio initrd: file + same size unpacked");
	in.kernel_init_size = 0;
	ck_estimate(&in, &b);
	ok(b.item[0].bytes == 32 * M, "no init_size: 4 x the file");
}

static void test_cmdline_build(void)
{
	char *c = NULL;
	struct ec_err err = { 0 };
	char big[5000];
	int r;

	ok(kl_build_cmdline("BOOT_IMAGE=/boot/vmlinuz-6.1 root=UUID=abc ro crashkernel=256M "
			    "crashkernel=512M,high quiet hugepages=10 nr_cpus=4 x=\"a b\" console=ttyS0\n",
			    "quiet hugepages", "panic=10", &c, &err) == 0, "build");
	ok(c && !strcmp(c, "root=UUID=abc ro x=\"a b\" console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10"),
	   "crashkernel=, BOOT_IMAGE, removed names and our own params dropped; append last: %s", c);
	free(c);
	c = NULL;
	r = kl_build_cmdline("a=1 a=2 b", "a=2", NULL, &c, &err);
	ok(r == 0 && !strcmp(c, "a=1 b " KL_CAPTURE_APPEND), "name=value removes only the exact word: %s", c);
	free(c);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(kl_build_cmdline(big, NULL, NULL, &c, &err) == -E2BIG, "too long: %s", err.msg);
	ok(!kl_kexec_args_want_tools("") && !kl_kexec_args_want_tools("-s") &&
	   !kl_kexec_args_want_tools(" --kexec-file-syscall "), "-s keeps our loader");
	ok(kl_kexec_args_want_tools("-c") && kl_kexec_args_want_tools("--kexec-syscall") &&
	   kl_kexec_args_want_tools("-s --elf32-core-headers"), "-c / other options -> kexec -p");
	ok(strstr(kl_explain(-EPERM), "locked down") && strstr(kl_explain(-EKEYREJECTED), "signature") &&
	   strstr(kl_explain(-EADDRNOTAVAIL), "crashkernel="), "errors explained");
}

static void test_sha256(void)
{
	struct sha256 s;
	uint8_t d[32];
	char hex[65];
	static char million[1000000];

	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	ok(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256(abc)");
	sha256_init(&s);
	sha256_update(&s, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	ok(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"), "sha256 two blocks");
	memset(million, 'a', sizeof(million));
	sha256_init(&s);
	for (int i = 0; i < 10; i++)
		sha256_update(&s, million + i * 100000, 100000);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	ok(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "sha256 million a");
}

int main(void)
{
	test_parse();
	test_cmdline_find();
	test_live();
	test_estimate();
	test_cmdline_build();
	test_sha256();
	return tap_done();
}
