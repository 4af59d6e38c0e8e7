/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spec-driven reader test: each argument is a spec (tests/elfcore/specs/).
 * The dump is generated now, opened with libelfcore, and every page (and
 * random unaligned ranges) is compared with the spec's model; a spec with
 * expect-open-error must fail with a message naming the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elfcore.h"
#include "spec.h"
#include "tap.h"

static char tmpl[4096];

static char *tmpfile_with(const uint8_t *buf, size_t len)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path = malloc(4096);
	int fd;

	snprintf(path, 4096, "%s/ec-spec-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror("tmpfile");
		exit(1);
	}
	close(fd);
	return path;
}

static uint64_t rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static void check_memory(const char *what, ec_dump *d, const struct spec *s, const uint64_t *offs)
{
	uint32_t ps = ec_page_size(d);
	uint64_t maxpfn = ec_max_pfn(d), bad = 0, present = 0, st = 0x1234567;
	uint8_t *got = malloc(ps * 4), *want = malloc(ps * 4);
	struct ec_err err;

	for (uint64_t pfn = 0; pfn < maxpfn + 2; pfn++) {
		bool all = true, none = true;
		for (uint32_t i = 0; i < ps; i++) {
			int e = spec_expect(s, offs, offs[SPEC_MAX + 1], pfn * ps + i);
			want[i] = e < 0 ? 0 : (uint8_t)e;
			if (e < 0)
				all = false;
			else
				none = false;
		}
		memset(got, 0xee, ps);
		int r = ec_read_phys(d, pfn * ps, got, ps, &err);
		if ((all ? r != 0 : r != -ENODATA) || memcmp(got, want, ps) ||
		    ec_pfn_present(d, pfn) != all) {
			if (bad++ < 5)
				diag("%s: pfn 0x%llx: read %d (%s), present %d, expected all=%d none=%d",
				     what, (unsigned long long)pfn, r, r ? err.msg : "", ec_pfn_present(d, pfn), all, none);
		}
		present += all;
	}
	ok(bad == 0, "%s: every page of [0, max_pfn+2) reads as the model says (%llu present)",
	   what, (unsigned long long)present);
	if (s->expect_pages >= 0)
		ok(ec_pages_present(d) == (uint64_t)s->expect_pages, "%s: pages present %llu == %ld",
		   what, (unsigned long long)ec_pages_present(d), s->expect_pages);
	bad = 0;
	for (int k = 0; k < 300; k++) {
		uint64_t a = rnd(&st) % ((maxpfn + 1) * ps), len = rnd(&st) % (3 * ps) + 1;
		bool all = true;
		for (uint64_t i = 0; i < len; i++) {
			int e = spec_expect(s, offs, offs[SPEC_MAX + 1], a + i);
			want[i] = e < 0 ? 0 : (uint8_t)e;
			all &= e >= 0;
		}
		int r = ec_read_phys(d, a, got, len, &err);
		if ((all ? r != 0 : r != -ENODATA) || memcmp(got, want, len))
			if (bad++ < 3)
				diag("%s: read 0x%llx+%llu: %d %s", what, (unsigned long long)a,
				     (unsigned long long)len, r, r ? err.msg : "");
	}
	ok(bad == 0, "%s: 300 random unaligned reads match the model", what);
	free(got);
	free(want);
}

static void check_dump(const char *what, const char *path, unsigned flags, const struct spec *s,
		       const uint64_t *offs)
{
	struct ec_err err = { 0 };
	ec_dump *d;
	int r = ec_open(path, flags, &d, &err);

	if (s->has_expect_error) {
		ok(r < 0 && strstr(err.msg, s->expect_error) && strstr(err.msg, path),
		   "%s: open fails naming the file and '%s': %s", what, s->expect_error, err.msg);
		if (r == 0)
			ec_close(d);
		return;
	}
	if (!ok(r == 0, "%s: opens (%s)", what, r ? err.msg : "ok"))
		return;
	if (s->expect_cpus >= 0)
		ok(ec_nr_cpus(d) == (size_t)s->expect_cpus, "%s: %zu CPUs", what, ec_nr_cpus(d));
	for (size_t i = 0; i < s->nr_expect_pid; i++)
		ok(ec_prstatus(d, i) && ec_prstatus(d, i)->pid == s->expect_pid[i] &&
		   ec_prstatus(d, i)->regs[1] == 0x1000 * i + 1,
		   "%s: CPU %zu pid %d and registers", what, i, s->expect_pid[i]);
	if (s->psinfo_name[0]) {
		const struct ec_prpsinfo *ps = ec_prpsinfo(d);
		ok(ps && ps->pid == s->psinfo_pid && !strcmp(ps->fname, s->psinfo_name) &&
		   !strcmp(ps->psargs, "crash --args"), "%s: NT_PRPSINFO pid %d fname %s", what,
		   ps ? ps->pid : -1, ps ? ps->fname : "(none)");
	}
	if (s->expect_release[0])
		ok(ec_release(d) && !strcmp(ec_release(d), s->expect_release), "%s: release %s",
		   what, ec_release(d) ? ec_release(d) : "(none)");
	if (s->expect_incomplete >= 0)
		ok(ec_incomplete(d) == (s->expect_incomplete != 0), "%s: incomplete flag %d", what,
		   ec_incomplete(d));
	for (size_t i = 0; i < s->nr_expect_vmci; i++) {
		const char *v = ec_vmci_get(ec_vmcoreinfo_of(d), s->expect_vmci[i][0]);
		ok(v && !strcmp(v, s->expect_vmci[i][1]), "%s: VMCOREINFO %s=%s", what,
		   s->expect_vmci[i][0], v ? v : "(absent)");
	}
	if (s->has_vmci && !strcmp(s->format, "kdump") && s->header_version < 4) {
		size_t off;
		ok(ec_vmcoreinfo_note_offset(d, &off) == -ENOENT &&
		   (s->header_version >= 3) == (ec_vmcoreinfo_of(d) != NULL),
		   "%s: header version %d: VMCOREINFO %s, no notes", what, s->header_version,
		   ec_vmcoreinfo_of(d) ? "read on its own" : "absent");
	} else if (s->has_vmci) {
		size_t off, nl;
		const uint8_t *n = ec_notes(d, &nl);
		ok(ec_vmcoreinfo_note_offset(d, &off) == 0 && off + s->vmci_len <= nl &&
		   !memcmp(n + off, s->vmci, s->vmci_len), "%s: VMCOREINFO offset inside the notes", what);
	}
	check_memory(what, d, s, offs);
	ec_close(d);
}

int main(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		struct spec s;
		char msg[512], what[600];
		uint8_t *buf;
		size_t len;
		uint64_t offs[SPEC_OFFS];
		const char *name = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];

		if (!ok(spec_parse(argv[a], &s, msg, sizeof(msg)) == 0 &&
			spec_build(&s, &buf, &len, offs, msg, sizeof(msg)) == 0, "%s: builds", name)) {
			diag("%s", msg);
			continue;
		}
		char *path = tmpfile_with(buf, len);
		snprintf(what, sizeof(what), "%s (pread)", name);
		check_dump(what, path, EC_OPEN_NO_MMAP, &s, offs);
		if (!s.has_expect_error) {
			snprintf(what, sizeof(what), "%s (mmap)", name);
			check_dump(what, path, EC_OPEN_MMAP, &s, offs);
		}
		if (s.flatten && !s.has_expect_error) {
			/* the same file reassembled must read the same */
			snprintf(tmpl, sizeof(tmpl), "%s.re", path);
			int in = open(path, O_RDONLY), out = open(tmpl, O_RDWR | O_CREAT | O_TRUNC, 0600);
			struct ec_err err = { 0 };
			int r = ec_flat_reassemble(in, out, &err);
			close(in);
			close(out);
			ok(r == 0, "%s: ec_flat_reassemble (%s)", name, r ? err.msg : "ok");
			snprintf(what, sizeof(what), "%s (reassembled)", name);
			check_dump(what, tmpl, 0, &s, offs);
			unlink(tmpl);
		}
		unlink(path);
		free(path);
		free(buf);
		spec_free(&s);
	}
	return tap_done();
}
