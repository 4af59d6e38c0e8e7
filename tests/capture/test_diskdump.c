/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw diskdump partition on regular files: signatures, format, probe, writer,
 * savecore (copy out + re-format of the used blocks only), truncation. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "cap_savecore.h"
#include "cap_util.h"
#include "diskdump_part.h"

static char tmpdir[] = "/tmp/cc-dp-XXXXXX";

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int mkpart(const char *name, uint64_t blocks, bool format)
{
	char path[256];
	struct ec_err err;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)(blocks * DP_BLOCK)) < 0)
		return -1;
	if (format && dp_format_range(fd, 0, blocks, &err) < 0)
		return -1;
	return fd;
}

/* A fake dump: an ELF64 header followed by a byte pattern. */
static uint8_t *fake_dump(size_t len)
{
	uint8_t *d = malloc(len);

	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)(i * 7 + (i >> 12));
	memset(d, 0, 64);
	memcpy(d, "\177ELF\2\1\1", 7);
	return d;
}

static void be64(uint8_t *p, int64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Flattened stream of `d`: records of `rec` bytes, back to front when
 * `reverse` (offsets matter, not order), then the end marker. */
static size_t flatten(const uint8_t *d, size_t len, size_t rec, bool reverse, uint8_t **ret)
{
	size_t n = (len + rec - 1) / rec, cap = 4096 + n * (16 + rec) + 16, o = 4096;
	uint8_t *s = calloc(1, cap);

	memcpy(s, "makedumpfile", 12);
	be64(s + 16, 1);
	be64(s + 24, 1);
	for (size_t j = 0; j < n; j++) {
		size_t i = reverse ? n - 1 - j : j;
		size_t off = i * rec, k = len - off < rec ? len - off : rec;

		be64(s + o, (int64_t)off);
		be64(s + o + 8, (int64_t)k);
		memcpy(s + o + 16, d + off, k);
		o += 16 + k;
	}
	memset(s + o, 0xff, 16);
	o += 16;
	*ret = s;
	return o;
}

static uint8_t *slurp(int dirfd, const char *name, size_t *ret_len)
{
	int fd = openat(dirfd, name, O_RDONLY);
	struct stat st;
	uint8_t *b;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	if (read(fd, b, (size_t)st.st_size) != st.st_size) {
		free(b);
		b = NULL;
	}
	*ret_len = (size_t)st.st_size;
	close(fd);
	return b;
}

static bool all_signatures(int fd, uint64_t blocks)
{
	uint8_t b[DP_BLOCK];

	for (uint64_t i = 0; i < blocks; i++)
		if (pread(fd, b, DP_BLOCK, (off_t)(i * DP_BLOCK)) != DP_BLOCK || !dp_is_signature(i, b))
			return false;
	return true;
}

static void test_signature(void)
{
	uint8_t b[DP_BLOCK];
	uint32_t w = 0xfffffff0u;

	dp_signature(5, b);
	ok(!memcmp(b, "disk", 4) && !memcmp(b + 4, "dump", 4), "words 0,1 are \"disk\" \"dump\"");
	ok(le32(b + 8) == 5 && le32(b + 12) == 88 && le32(b + 16) == 1001 && le32(b + 20) == 11044,
	   "block 5: words 2-5 = 5, 88, 1001, 11044 (seed formula, +3)");
	dp_signature(0xfffffff0u, b);
	for (int i = 3; i < 6; i++)
		w = (w + 3) * 11u;
	ok(le32(b + 20) == w, "arithmetic is modulo 2^32");
	ok(dp_is_signature(0xfffffff0u, b), "is_signature accepts its own block");
	ok(!dp_is_signature(0xfffffff1u, b), "is_signature rejects another block number");
	b[4000] ^= 1;
	ok(!dp_is_signature(0xfffffff0u, b), "one flipped bit in word 1000 is caught");
}

static void test_probe(void)
{
	struct ec_err err = { 0 };
	enum dp_content c;
	uint64_t bad = 0;
	uint8_t junk[DP_BLOCK];
	int fd;

	fd = mkpart("zero", 64, false);
	ok(dp_probe(fd, 8, &c, &bad, NULL, &err) == 0 && c == DP_FOREIGN && bad == 0,
	   "a never-formatted (zero) device is foreign");
	close(fd);

	fd = mkpart("fmt", 1000, true);
	ok(dp_probe(fd, 8, &c, &bad, NULL, &err) == 0 && c == DP_EMPTY, "formatted device is empty");
	memset(junk, 'x', sizeof(junk));
	ok(pwrite(fd, junk, DP_BLOCK, 512 * DP_BLOCK) == DP_BLOCK, "clobber block 512");
	ok(dp_probe(fd, 8, &c, &bad, NULL, &err) == 0 && c == DP_FOREIGN && bad == 512,
	   "clobbered sampled block 512 makes it foreign (bad=%llu)", (unsigned long long)bad);
	ok(dp_probe(fd, 1024, &c, &bad, NULL, &err) == 0 && c == DP_EMPTY,
	   "sampling every 1024th block misses block 512 (sampling is sampling)");
	ok(pwrite(fd, junk, DP_BLOCK, 999 * DP_BLOCK) == DP_BLOCK, "clobber the last block");
	ok(dp_probe(fd, 1024, &c, &bad, NULL, &err) == 0 && c == DP_FOREIGN && bad == 999,
	   "the last block is always checked");
	close(fd);
}

struct mem_reader { const uint8_t *p; size_t len, off; };

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_reader *m = ctx;

	if (len > m->len - m->off)
		len = m->len - m->off;
	memcpy(buf, m->p + m->off, len);
	m->off += len;
	return (ssize_t)len;
}

/* Write dmesg + flattened dump + log onto a partition of `blocks` blocks. */
static const char dm[] = "[    0.000000] Linux version 6.1.0\n[   42.0] sysrq: Trigger a crash\n";

static int write_dump(int fd, uint64_t blocks, const uint8_t *flat, size_t flat_len,
		      bool finish, int *ret_dump_rc)
{
	struct ec_err err = { 0 };
	struct dp_writer w;
	int r;

	if (dp_writer_init(&w, fd, blocks, "guest", 1700000000, DP_FMT_FLAT, &err) ||
	    dp_writer_begin(&w, DP_SEC_DMESG, &err) ||
	    dp_writer_write(&w, dm, strlen(dm), &err) || dp_writer_end(&w, &err) ||
	    dp_writer_begin(&w, DP_SEC_DUMP, &err))
		return -1;
	r = 0;
	for (size_t o = 0; o < flat_len && !r; o += 10000)
		r = dp_writer_write(&w, flat + o, flat_len - o < 10000 ? flat_len - o : 10000, &err);
	*ret_dump_rc = r;
	if (!finish) {
		/* Simulate a capture that died: flush what is buffered, no header. */
		dp_writer_end(&w, &err);
		dp_writer_release(&w);
		return 0;
	}
	dp_writer_end(&w, &err);
	if (dp_writer_begin(&w, DP_SEC_LOG, &err) == 0) {
		dp_writer_write(&w, "capture log\n", 12, &err);
		dp_writer_end(&w, &err);
	}
	return dp_writer_finish(&w, false, &err);
}

static void test_roundtrip(void)
{
	struct ec_err err = { 0 };
	struct cap_saved s;
	enum dp_content c;
	struct dp_header h;
	size_t dlen = 300000, flen, got_len;
	uint8_t *d = fake_dump(dlen), *flat, *got;
	uint64_t blocks = 4096;
	int fd, crash, dir, rc;
	char crashdir[256];

	flen = flatten(d, dlen, 65536, true, &flat);
	fd = mkpart("part", blocks, true);
	ok(write_dump(fd, blocks, flat, flen, true, &rc) == 0 && rc == 0, "dump written to partition");
	ok(dp_probe(fd, 8, &c, NULL, &h, &err) == 0 && c == DP_HOLDS_DUMP && h.state == DP_ST_COMPLETE,
	   "probe sees an unsaved complete dump (capture must not overwrite it)");
	ok(!strcmp(h.host, "guest") && h.n_sections == 3 && h.used_blocks == 1 + 1 + (flen + 4095) / 4096 + 1,
	   "header: host, 3 sections, %llu used blocks", (unsigned long long)h.used_blocks);

	snprintf(crashdir, sizeof(crashdir), "%s/crash", tmpdir);
	mkdir(crashdir, 0755);
	crash = open(crashdir, O_RDONLY | O_DIRECTORY);
	ok(cap_savecore(fd, crash, true, &s, &err) == 0 && s.found && !s.incomplete,
	   "savecore: %s", err.msg);
	ok(!strcmp(s.dir, "guest-2023-11-14-22:13:20"), "directory <host>-<date> (%s)", s.dir);
	dir = openat(crash, s.dir, O_RDONLY | O_DIRECTORY);
	got = slurp(dir, "vmcore", &got_len);
	ok(got && got_len == dlen && !memcmp(got, d, dlen), "vmcore equals the original dump");
	free(got);
	got = slurp(dir, "vmcore-dmesg.txt", &got_len);
	ok(got && got_len == strlen(dm) && !memcmp(got, dm, got_len), "vmcore-dmesg.txt copied, padding dropped");
	free(got);
	got = slurp(dir, "kexec-dmesg.log", &got_len);
	ok(got && got_len == 12, "kexec-dmesg.log copied");
	free(got);
	{
		struct stat st;

		ok(fstat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "dump dir is 0700");
		ok(fstatat(dir, "vmcore", &st, 0) == 0 && (st.st_mode & 0777) == 0600, "vmcore is 0600");
	}
	close(dir);
	ok(all_signatures(fd, blocks), "after savecore every block carries its signature again");
	ok(cap_savecore(fd, crash, true, &s, &err) == 0 && !s.found, "second savecore: no dump");

	/* Only the used blocks are re-formatted: a marker beyond them survives. */
	{
		uint8_t m[DP_BLOCK], b[DP_BLOCK];

		write_dump(fd, blocks, flat, flen, true, &rc);
		memset(m, 'M', sizeof(m));
		pwrite(fd, m, DP_BLOCK, 4000 * DP_BLOCK);
		cap_savecore(fd, crash, true, &s, &err);
		pread(fd, b, DP_BLOCK, 4000 * DP_BLOCK);
		ok(!memcmp(b, m, DP_BLOCK) && s.used_blocks < 4000,
		   "re-format touches only the %llu used blocks", (unsigned long long)s.used_blocks);
	}
	close(fd);

	/* Too small: ENOSPC, flagged incomplete, saved as vmcore-incomplete. */
	free(flat);
	flen = flatten(d, dlen, 65536, false, &flat);
	blocks = 40;
	fd = mkpart("small", blocks, true);
	ok(write_dump(fd, blocks, flat, flen, true, &rc) != 0 || rc == -ENOSPC, "small partition: ENOSPC");
	ok(rc == -ENOSPC, "writer reported ENOSPC");
	ok(dp_probe(fd, 8, &c, NULL, &h, &err) == 0 && c == DP_HOLDS_DUMP && h.state == DP_ST_INCOMPLETE,
	   "header says incomplete");
	ok(cap_savecore(fd, crash, true, &s, &err) == 0 && s.found && s.incomplete, "savecore of a truncated dump");
	dir = openat(crash, s.dir, O_RDONLY | O_DIRECTORY);
	got = slurp(dir, "vmcore-incomplete", &got_len);
	ok(got && got_len > 0 && got_len < dlen, "vmcore-incomplete kept (%zu bytes)", got_len);
	ok(got && (le32(got + 48) & 1), "ELF e_flags has DUMP_ELF_INCOMPLETE");
	ok(got && !memcmp(got + 64, d + 64, got_len - 64 > 1000 ? 1000 : got_len - 64) ,
	   "what was kept matches the original");
	free(got);
	close(dir);
	ok(all_signatures(fd, blocks), "small partition re-formatted");
	close(fd);

	/* Capture died mid-dump: header still "writing"; recovery finds the end. */
	blocks = 4096;
	fd = mkpart("died", blocks, true);
	write_dump(fd, blocks, flat, flen / 2, false, &rc);
	ok(cap_savecore(fd, crash, true, &s, &err) == 0 && s.found && s.incomplete,
	   "capture that died: saved as incomplete (%s)", err.msg);
	dir = openat(crash, s.dir, O_RDONLY | O_DIRECTORY);
	got = slurp(dir, "vmcore-incomplete", &got_len);
	ok(got && got_len > 0, "partial dump recovered (%zu bytes)", got_len);
	free(got);
	close(dir);
	ok(all_signatures(fd, blocks), "re-formatted after recovery");
	close(fd);
	close(crash);
	free(flat);
	free(d);
}

static void test_flat_bad(void)
{
	struct ec_err err = { 0 };
	uint8_t s[4096 + 16] = "not a flat header";
	struct mem_reader m = { s, sizeof(s), 0 };
	bool t;
	char p[256];
	int out;

	snprintf(p, sizeof(p), "%s/flatout", tmpdir);
	out = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(cap_flat_reassemble(mem_read, &m, out, &t, NULL, &err) == -EBADMSG, "non-flat stream rejected");
	memset(s, 0, sizeof(s));
	memcpy(s, "makedumpfile", 12);
	be64(s + 16, 1);
	be64(s + 4096, -5);
	be64(s + 4104, 10);
	m.off = 0;
	ok(cap_flat_reassemble(mem_read, &m, out, &t, NULL, &err) == -EBADMSG,
	   "negative record offset rejected: %s", err.msg);
	close(out);
}

static void test_dirs(void)
{
	struct ec_err err = { 0 };
	char p[256], l[256];
	int fd, d2;
	char name[64];

	snprintf(p, sizeof(p), "%s/a/b/c", tmpdir);
	ok(cap_open_dir(AT_FDCWD, p, true, &fd, &err) == 0, "cap_open_dir creates a/b/c");
	close(fd);
	snprintf(l, sizeof(l), "%s/link", tmpdir);
	snprintf(p, sizeof(p), "%s/a", tmpdir);
	symlink(p, l);
	snprintf(p, sizeof(p), "%s/link/b", tmpdir);
	ok(cap_open_dir(AT_FDCWD, p, true, &fd, &err) == -ELOOP || err.code == -ENOTDIR,
	   "a symlink in the path is refused: %s", err.msg);
	snprintf(p, sizeof(p), "%s/a", tmpdir);
	cap_open_dir(AT_FDCWD, p, false, &fd, &err);
	ok(cap_make_dump_dir(fd, "h-x", &d2, name, sizeof(name), &err) == 0 && !strcmp(name, "h-x"), "dump dir");
	close(d2);
	ok(cap_make_dump_dir(fd, "h-x", &d2, name, sizeof(name), &err) == 0 && !strcmp(name, "h-x.1"),
	   "existing dump dir: .1 (%s)", name);
	close(d2);
	symlinkat("/tmp", fd, "h-y");
	ok(cap_make_dump_dir(fd, "h-y", &d2, name, sizeof(name), &err) == 0 && !strcmp(name, "h-y.1"),
	   "a symlink named like the dump dir is not followed (%s)", name);
	close(d2);
	close(fd);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 99;
	test_signature();
	test_probe();
	test_roundtrip();
	test_flat_bad();
	test_dirs();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("cleanup of %s failed", tmpdir);
	return tap_done();
}
