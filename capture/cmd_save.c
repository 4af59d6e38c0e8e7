/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crashcap save (owner: writers): a drop-in for makedumpfile as a kdump core
 * collector. Same collector options (-d -c -l -p -z -E -F -f --split
 * --num-threads --message-level --dump-dmesg --cyclic-buffer).
 *
 * Exit status: 0 done; 3 (EXIT_INCOMPLETE) the dump was cut short (disk full,
 * I/O error) and is flagged incomplete but readable; 4 (EXIT_UNFILTERED) the
 * dump is complete but the page filter could not run, so every present page
 * was kept; 1 failure; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fdio.h"
#include "commands.h"
#include "save_src.h"

#define MAX_SPLIT 64

struct save_cfg {
	int level;
	enum wr_format format;
	enum comp_method comp;
	bool flat, force, split, dmesg, progress_forced, no_progress, pfn_order;
	unsigned threads;
	int msg_level, comp_level;
	uint64_t cyclic_kb;
};

/* SIGTERM/SIGINT during the dump: the writer stops at the next batch, flags
 * the file incomplete, syncs it, and we exit 3. */
static volatile sig_atomic_t save_cancel;

static void on_signal(int sig)
{
	save_cancel = sig;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: crashcap save [OPTIONS] VMCORE OUTPUT\n"
"       crashcap save -F [OPTIONS] VMCORE > FLATTENED\n"
"       crashcap save --split [OPTIONS] VMCORE OUTPUT1 OUTPUT2 ...\n"
"       crashcap save --dump-dmesg VMCORE LOGFILE\n"
"Options (makedumpfile's collector options):\n"
"  -d LEVEL            exclude pages: 1 zero, 2 cache, 4 cache+private, 8 user, 16 free (0-31)\n"
"  -c | -l | -p | -z   kdump-compressed with zlib | lzo | snappy | zstd (default: no compression)\n"
"  -E                  ELF output (PT_LOADs split where >= 256 pages are dropped)\n"
"  -F                  flattened format to standard output (for pipes and ssh)\n"
"  -f                  overwrite an existing OUTPUT\n"
"  --split             write several kdump-compressed files, one pfn range each\n"
"  --num-threads N     compression threads (default: online CPUs)\n"
"  --message-level N   0 quiet ... 7 (default); >= 4 shows progress on a tty\n"
"  --progress          show progress even when stderr is not a tty (plain lines)\n"
"  --cyclic-buffer KB  bitmap memory per cycle (default 4096)\n"
"  --dump-dmesg        write the kernel log instead of a dump\n"
"  --compression-level N  -z: zstd level 1-22, -c: zlib level 1-9 (default 1, as\n"
"                      makedumpfile); readers decompress any level\n"
"  --pfn-order         write page data in pfn order like makedumpfile (default:\n"
"                      kernel pages first, so a dump cut short keeps them)\n"
"Exit: 0 ok, 1 error, 2 usage, 3 incomplete (disk full/I/O error), 4 unfiltered\n");
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct save_cfg *c, int *ret_optind)
{
	enum { O_THREADS = 256, O_MSG, O_DMESG, O_CYCLIC, O_SPLIT, O_PROGRESS, O_NOPROGRESS, O_PFNORDER, O_CLEVEL };
	static const struct option opts[] = {
		{ "num-threads", required_argument, NULL, O_THREADS },
		{ "message-level", required_argument, NULL, O_MSG },
		{ "dump-dmesg", no_argument, NULL, O_DMESG },
		{ "cyclic-buffer", required_argument, NULL, O_CYCLIC },
		{ "split", no_argument, NULL, O_SPLIT },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "pfn-order", no_argument, NULL, O_PFNORDER },
		{ "compression-level", required_argument, NULL, O_CLEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ch, ncomp = 0;

	memset(c, 0, sizeof(*c));
	c->format = WR_KDUMP;
	c->comp = COMP_NONE;
	c->msg_level = 7;
	c->threads = cpus > 0 ? (unsigned)cpus : 1;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":d:clpzEFfh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (parse_uint(optarg, 31, &v) < 0) {
				fprintf(stderr, "crashcap save: -d '%s': the dump level is a number 0-31\n", optarg);
				return -1;
			}
			c->level = (int)v;
			break;
		case 'c': c->comp = COMP_ZLIB; ncomp++; break;
		case 'l': c->comp = COMP_LZO; ncomp++; break;
		case 'p': c->comp = COMP_SNAPPY; ncomp++; break;
		case 'z': c->comp = COMP_ZSTD; ncomp++; break;
		case 'E': c->format = WR_ELF; break;
		case 'F': c->flat = true; break;
		case 'f': c->force = true; break;
		case O_THREADS:
			if (parse_uint(optarg, 256, &v) < 0) {
				fprintf(stderr, "crashcap save: --num-threads '%s': expected 0-256\n", optarg);
				return -1;
			}
			c->threads = v ? (unsigned)v : 1;
			break;
		case O_MSG:
			if (parse_uint(optarg, 31, &v) < 0) {
				fprintf(stderr, "crashcap save: --message-level '%s': expected 0-31\n", optarg);
				return -1;
			}
			c->msg_level = (int)v;
			break;
		case O_DMESG: c->dmesg = true; break;
		case O_CYCLIC:
			if (parse_uint(optarg, 1ull << 30, &v) < 0 || v == 0) {
				fprintf(stderr, "crashcap save: --cyclic-buffer '%s': expected a size in KiB\n", optarg);
				return -1;
			}
			c->cyclic_kb = v;
			break;
		case O_SPLIT: c->split = true; break;
		case O_PROGRESS: c->progress_forced = true; break;
		case O_NOPROGRESS: c->no_progress = true; break;
		case O_PFNORDER: c->pfn_order = true; break;
		case O_CLEVEL:
			if (parse_uint(optarg, 22, &v) < 0 || v == 0) {
				fprintf(stderr, "crashcap save: --compression-level '%s': expected 1-9 (-c) or 1-22 (-z)\n", optarg);
				return -1;
			}
			c->comp_level = (int)v;
			break;
		case 'h': usage(stdout); return 1;
		case ':':
			fprintf(stderr, "crashcap save: option '%s' needs an argument\n", argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				fprintf(stderr, "crashcap save: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "crashcap save: unknown option '%s'\n", argv[optind - 1]);
			fprintf(stderr, "Run 'crashcap save --help' for the supported options.\n");
			return -1;
		}
	}
	if (ncomp > 1) {
		fprintf(stderr, "crashcap save: choose one of -c, -l, -p, -z\n");
		return -1;
	}
	if (c->comp_level && c->comp != COMP_ZSTD && !(c->comp == COMP_ZLIB && c->comp_level <= 9)) {
		fprintf(stderr, "crashcap save: --compression-level applies to -z (1-22) and -c (1-9)\n");
		return -1;
	}
	if (c->format == WR_ELF && ncomp) {
		fprintf(stderr, "crashcap save: -E (ELF) cannot be compressed; drop -c/-l/-p/-z\n");
		return -1;
	}
	if (c->split && (c->flat || c->format == WR_ELF)) {
		fprintf(stderr, "crashcap save: --split writes kdump-compressed files; it cannot be combined with -F or -E\n");
		return -1;
	}
	*ret_optind = optind;
	return 0;
}

static int open_output(const char *path, bool force)
{
	/* -f never follows a symbolic link (a link planted where the dump goes
	 * would make us truncate its target); O_EXCL already refuses one */
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
		      (force ? O_TRUNC | O_NOFOLLOW : O_EXCL), 0600);

	if (fd < 0 && errno == EEXIST)
		fprintf(stderr, "crashcap save: %s already exists (use -f to overwrite)\n", path);
	else if (fd < 0 && errno == ELOOP)
		fprintf(stderr, "crashcap save: %s is a symbolic link; refusing to write through it\n",
			path);
	else if (fd < 0)
		fprintf(stderr, "crashcap save: %s: %s\n", path, strerror(errno));
	return fd;
}

static int save_dmesg(const struct save_cfg *c, struct save_src *s, const char *out)
{
	struct ec_err err = { 0 };
	int fd, r;

	if (!s->m) {
		fprintf(stderr, "crashcap save: --dump-dmesg: %s\n", s->why);
		return EXIT_FAIL;
	}
	fd = c->flat ? STDOUT_FILENO : open_output(out, c->force);
	if (fd < 0)
		return EXIT_FAIL;
	struct fl_out fo = { .write = cap_fd_write, .ctx = &fd };

	r = fl_dump_dmesg(s->m, &fo, &err);
	if (fd != STDOUT_FILENO && close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "crashcap save: --dump-dmesg: %s\n",
			err.msg[0] ? err.msg : strerror(-r));
		return EXIT_FAIL;
	}
	if (c->msg_level >= 4 && out)
		fprintf(stderr, "crashcap save: kernel log written to %s\n", out);
	return EXIT_OK;
}

/* Split ranges with about the same number of kept pages each. */
static int split_ranges(struct save_src *s, int level, unsigned n, uint64_t *bounds,
			struct ec_err *err)
{
	const uint64_t chunk = 32768;
	uint64_t max = s->src.max_mapnr, total = 0, acc = 0;
	uint64_t nch = (max + chunk - 1) / chunk;
	uint64_t *cnt = calloc(nch, sizeof(*cnt));
	uint8_t *bits = malloc(chunk / 8);
	unsigned k = 1;
	int r = 0;

	if (!cnt || !bits) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	s->count_stats = false;
	for (uint64_t i = 0; i < nch; i++) {
		uint64_t a = i * chunk, b = a + chunk < max ? a + chunk : max;

		r = s->src.classify(s, level, a, b, bits, err);
		if (r < 0)
			goto out;
		cnt[i] = wr_popcount(bits, b - a);
		total += cnt[i];
	}
	bounds[0] = 0;
	for (uint64_t i = 0; i < nch && k < n; i++) {
		acc += cnt[i];
		if (acc * n >= total * k)
			bounds[k++] = (i + 1) * chunk < max ? (i + 1) * chunk : max;
	}
	while (k <= n)
		bounds[k++] = max;
out:
	s->count_stats = true;
	free(cnt);
	free(bits);
	return r;
}

int cmd_save(int argc, char **argv)
{
	struct save_cfg c;
	struct save_src s;
	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	const char *vmcore, *outs[MAX_SPLIT];
	unsigned nout = 0;
	uint64_t bounds[MAX_SPLIT + 1];
	int oi, r, rc = EXIT_FAIL;
	bool incomplete = false, src_ok = false;
	double t0 = save_now();

	r = parse_args(argc, argv, &c, &oi);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (oi >= argc) {
		fprintf(stderr, "crashcap save: missing VMCORE\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	vmcore = argv[oi++];
	for (; oi < argc; oi++) {
		if (nout == MAX_SPLIT) {
			fprintf(stderr, "crashcap save: at most %d outputs\n", MAX_SPLIT);
			return EXIT_USAGE;
		}
		outs[nout++] = argv[oi];
	}
	if (c.flat ? nout != 0 : c.split ? nout < 2 : nout != 1) {
		fprintf(stderr, c.flat ? "crashcap save: -F writes to standard output; give only VMCORE\n"
			: c.split ? "crashcap save: --split needs two or more outputs\n"
			: "crashcap save: need VMCORE and OUTPUT\n");
		return EXIT_USAGE;
	}
	/* a reader that goes away (ssh dropped) must give EPIPE, an incomplete
	 * dump and a message, not a silent death by SIGPIPE */
	if (c.flat)
		signal(SIGPIPE, SIG_IGN);
	if (c.flat && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "crashcap save: -F: standard output is a terminal; redirect it to a file or pipe\n");
		return EXIT_USAGE;
	}
	if (!c.dmesg && c.comp != COMP_NONE && !comp_available(c.comp)) {
		fprintf(stderr, "crashcap save: %s\n", comp_why(c.comp));
		return EXIT_FAIL;
	}

	r = ec_open(vmcore, 0, &d, &err);
	if (r < 0) {
		fprintf(stderr, "crashcap save: %s\n", err.msg);
		return EXIT_FAIL;
	}
	r = save_src_init(&s, d, c.level, &err);
	if (r < 0) {
		fprintf(stderr, "crashcap save: %s\n", err.msg);
		goto out;
	}
	src_ok = true;
	if (c.dmesg) {
		rc = save_dmesg(&c, &s, c.flat ? NULL : outs[0]);
		goto out;
	}
	if (s.why[0] && (c.level & ~DL_ZERO) && c.msg_level >= 1)
		fprintf(stderr, "crashcap save: warning: cannot filter pages (%s); "
			"writing every present page instead of dump level %d\n", s.why, c.level);

	if (c.split) {
		r = split_ranges(&s, c.level, nout, bounds, &err);
		if (r < 0) {
			fprintf(stderr, "crashcap save: %s\n", err.msg);
			goto out;
		}
	}
	catch_signals();
	rc = EXIT_OK;
	for (unsigned k = 0; k < (c.flat ? 1 : nout); k++) {
		struct wr_opts o;
		struct wr_result res;
		struct save_progress pg;
		wr_out *out = NULL;
		const char *name = c.flat ? "<stdout>" : outs[k];
		int fd = c.flat ? STDOUT_FILENO : open_output(outs[k], c.force);
		bool show = c.msg_level >= 4 && !c.no_progress &&
			    (c.progress_forced || isatty(STDERR_FILENO));

		if (fd < 0) {
			rc = EXIT_FAIL;
			break;
		}
		wr_opts_init(&o);
		o.format = c.format;
		o.comp = c.comp;
		o.comp_level = c.comp_level;
		o.dump_level = c.level;
		/* without a page filter only the zero-page bit can be honoured:
		 * say so in the header rather than claim a level not applied */
		if (s.why[0])
			o.dump_level &= DL_ZERO;
		o.threads = c.threads;
		o.kernel_first = !c.pfn_order;
		o.cancel = &save_cancel;
		if (c.cyclic_kb)
			o.cycle_pfns = c.cyclic_kb * 1024 * 8;
		if (c.split) {
			o.split = true;
			o.split_start = bounds[k];
			o.split_end = bounds[k + 1];
		}
		save_progress_init(&pg, name, isatty(STDERR_FILENO));
		if (show) {
			o.progress = save_progress_cb;
			o.progress_ctx = &pg;
		}
		r = c.flat ? out_flat(fd, &out) : out_file(fd, &out);
		if (r == 0)
			r = wr_write(&s.src, &o, out, &res, &err);
		if (show)
			save_progress_done(&pg);
		out_destroy(out);
		if (r == 0 && res.pages_unreadable && c.msg_level >= 1) {
			fprintf(stderr, "crashcap save: %s: %llu page(s) of %s could not be read and are left out of the dump (pfn",
				name, (unsigned long long)res.pages_unreadable, vmcore);
			for (uint64_t q = 0; q < res.pages_unreadable && q < 8; q++)
				fprintf(stderr, " 0x%llx", (unsigned long long)res.unreadable_pfn[q]);
			fprintf(stderr, "%s)\n", res.pages_unreadable > 8 ? " ..." : "");
		}
		if (!c.flat && close(fd) < 0 && r == 0 && !res.incomplete) {
			res.incomplete = true;
			res.io_error = errno;
		}
		if (r < 0) {
			fprintf(stderr, "crashcap save: %s: %s\n", name,
				err.msg[0] ? err.msg : strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
		if (res.incomplete && save_cancel && res.io_error == EINTR) {
			incomplete = true;
			fprintf(stderr, "crashcap save: %s is INCOMPLETE: stopped by %s after %llu of %llu pages, %.1f MiB; %s\n",
				name, strsignal(save_cancel),
				(unsigned long long)res.pages_written,
				(unsigned long long)res.pages_kept, res.bytes / 1048576.0,
				c.flat ? "the stream was cut, so the receiver has no end marker"
				       : "the file is flagged incomplete and readable up to there");
			break;
		}
		if (res.incomplete) {
			incomplete = true;
			fprintf(stderr, "crashcap save: %s is INCOMPLETE (%s%s%s): saved %llu of %llu pages, %.1f MiB; %s\n",
				name, strerror(res.io_error), err.msg[0] ? ": " : "", err.msg,
				(unsigned long long)res.pages_written,
				(unsigned long long)res.pages_kept, res.bytes / 1048576.0,
				c.flat ? "the stream was cut, so the receiver has no end marker"
				       : "the file is flagged incomplete and readable up to there");
			break;
		}
		if (c.msg_level >= 4)
			fprintf(stderr, "crashcap save: %s: %llu pages kept of %llu present%s, %.1f MiB written in %.1f s\n",
				name, (unsigned long long)res.pages_kept,
				(unsigned long long)ec_pages_present(d),
				res.pages_zero ? " (zero pages shared)" : "",
				res.bytes / 1048576.0, save_now() - t0);
	}
	if (rc == EXIT_OK && incomplete)
		rc = EXIT_INCOMPLETE;
	else if (rc == EXIT_OK && s.unfiltered && (c.level & ~DL_ZERO)) {
		if (c.msg_level >= 1)
			fprintf(stderr, "crashcap save: the dump is complete but unfiltered (%s)\n",
				s.why[0] ? s.why : "the page filter failed");
		rc = EXIT_UNFILTERED;
	}
out:
	if (src_ok)
		save_src_fini(&s);
	ec_close(d);
	return rc;
}
