/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fl_dump_dmesg() on synthetic printk buffers: the lockless ring (committed,
 * finalized, reserved and wrapped records, escapes, newlines, caller ids) and
 * the 3.5+ log_buf of printk_log records with an end-of-buffer marker. The
 * expected text is what makedumpfile's printk.c / dump_log_entry() produce.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "filter.h"
#include "synth.h"
#include "tap.h"

struct sbuf { char b[8192]; size_t n; };

static int sb_write(void *ctx, const void *p, size_t n)
{
	struct sbuf *s = ctx;

	if (s->n + n > sizeof(s->b))
		return -28;
	memcpy(s->b + s->n, p, n);
	s->n += n;
	return 0;
}

static const char page_keys[] =
	"SIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n";

#define TXT_BITS 9
#define TXT_SIZE (1u << TXT_BITS)

/* one record in the lockless ring: descriptor slot id % 4 */
static void rec(struct synth *s, uint64_t descs, uint64_t infos, uint64_t text, uint64_t id,
		unsigned state, uint64_t begin, uint64_t next, uint64_t ts, uint32_t caller,
		const char *msg, size_t len)
{
	uint64_t d = descs + (id % 4) * 24, in = infos + (id % 4) * 88;

	sy_w64(s, d, (uint64_t)state << 62 | id);
	sy_w64(s, d + 8, begin);
	sy_w64(s, d + 16, next);
	sy_w64(s, in + 0, id);
	sy_w64(s, in + 8, ts);
	sy_w16(s, in + 16, (uint16_t)len);
	sy_w32(s, in + 20, caller);
	uint64_t b = begin % TXT_SIZE;
	if (b > next % TXT_SIZE)
		b = 0;
	sy_w64(s, text + b, id);
	sy_wbytes(s, text + b + 8, msg, len);
}

static void build_lockless(struct synth *s)
{
	uint64_t prbp = sy_alloc(s, 8), rb = sy_alloc(s, 88);
	uint64_t descs = sy_alloc(s, 4 * 24), infos = sy_alloc(s, 4 * 88);
	uint64_t text = sy_alloc(s, TXT_SIZE);

	sy_w64(s, prbp, sy_kva(rb));
	sy_w32(s, rb + 0, 2);                 /* count_bits: 4 descriptors */
	sy_w64(s, rb + 8, sy_kva(descs));
	sy_w64(s, rb + 16, sy_kva(infos));
	sy_w64(s, rb + 24, 8);                /* head_id */
	sy_w64(s, rb + 32, 5);                /* tail_id */
	sy_w32(s, rb + 48, TXT_BITS);
	sy_w64(s, rb + 56, sy_kva(text));
	uint64_t lap = 3 * TXT_SIZE;
	rec(s, descs, infos, text, 5, 2, lap + 16, lap + 32, 1000002000ull, 42, "hello", 5);
	rec(s, descs, infos, text, 6, 1, lap + 32, lap + 56, 12345678999ull, 0x80000001u,
	    "a\nb\xe2\x01", 5);
	rec(s, descs, infos, text, 7, 0, lap + 56, lap + 80, 5, 1, "reserved", 8);
	/* wraps: begin near the end, data at the start of the ring */
	rec(s, descs, infos, text, 8, 2, lap + 500, lap + TXT_SIZE + 16, 99000000000ull, 7,
	    "wrap!!", 6);
	sy_vmci(s, "SYMBOL(prb)=%llx\n", (unsigned long long)sy_kva(prbp));
	sy_vmci(s, "SIZE(printk_ringbuffer)=88\nOFFSET(printk_ringbuffer.desc_ring)=0\n"
		"OFFSET(printk_ringbuffer.text_data_ring)=48\nOFFSET(printk_ringbuffer.fail)=80\n"
		"SIZE(prb_desc_ring)=48\nOFFSET(prb_desc_ring.count_bits)=0\n"
		"OFFSET(prb_desc_ring.descs)=8\nOFFSET(prb_desc_ring.infos)=16\n"
		"OFFSET(prb_desc_ring.head_id)=24\nOFFSET(prb_desc_ring.tail_id)=32\n"
		"SIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\nOFFSET(prb_desc.text_blk_lpos)=8\n"
		"OFFSET(prb_data_blk_lpos.begin)=0\nOFFSET(prb_data_blk_lpos.next)=8\n"
		"SIZE(printk_info)=88\nOFFSET(printk_info.seq)=0\nOFFSET(printk_info.ts_nsec)=8\n"
		"OFFSET(printk_info.text_len)=16\nOFFSET(printk_info.caller_id)=20\n"
		"OFFSET(printk_info.dev_info)=24\nSIZE(prb_data_ring)=32\n"
		"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n"
		"SIZE(atomic_long_t)=8\nOFFSET(atomic_long_t.counter)=0\n");
}

static void build_logbuf(struct synth *s)
{
	uint64_t bufp = sy_alloc(s, 8), lenp = sy_alloc(s, 4);
	uint64_t firstp = sy_alloc(s, 4), nextp = sy_alloc(s, 4);
	uint64_t buf = sy_alloc(s, 256);

	sy_w64(s, bufp, sy_kva(buf));
	sy_w32(s, lenp, 256);
	/* records: @128 "late" (first), @160 end marker, @0 "wrapped", next @32 */
	sy_w64(s, buf + 128, 3000000ull);
	sy_w16(s, buf + 136, 32);
	sy_w16(s, buf + 138, 4);
	sy_wbytes(s, buf + 144, "late", 4);
	sy_w16(s, buf + 160 + 8, 0);
	sy_w64(s, buf + 0, 4000000000ull);
	sy_w16(s, buf + 8, 32);
	sy_w16(s, buf + 10, 7);
	sy_wbytes(s, buf + 16, "wrapped", 7);
	sy_w32(s, firstp, 128);
	sy_w32(s, nextp, 32);
	sy_vmci(s, "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\n"
		"SYMBOL(log_first_idx)=%llx\nSYMBOL(log_next_idx)=%llx\n",
		(unsigned long long)sy_kva(bufp), (unsigned long long)sy_kva(lenp),
		(unsigned long long)sy_kva(firstp), (unsigned long long)sy_kva(nextp));
	sy_vmci(s, "SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n"
		"OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n");
}

/* before 3.5: a character ring written out raw, oldest byte at log_end % len */
static char raw_text[257];

static void build_rawlog(struct synth *s)
{
	uint64_t bufp = sy_alloc(s, 8), lenp = sy_alloc(s, 4), endp = sy_alloc(s, 4);
	uint64_t buf = sy_alloc(s, 256);

	for (int j = 0; j < 256; j++)
		raw_text[j] = j % 32 == 31 ? '\n' : (char)('a' + j % 26);
	sy_w64(s, bufp, sy_kva(buf));
	sy_w32(s, lenp, 256);
	sy_w32(s, endp, 300);          /* wrapped: the oldest byte is at 300 % 256 = 44 */
	for (int j = 0; j < 256; j++)
		sy_w8(s, buf + (uint64_t)((44 + j) % 256), (uint8_t)raw_text[j]);
	sy_vmci(s, "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\nSYMBOL(log_end)=%llx\n",
		(unsigned long long)sy_kva(bufp), (unsigned long long)sy_kva(lenp),
		(unsigned long long)sy_kva(endp));
}

static void check(const char *what, void (*build)(struct synth *), unsigned flags,
		  const char *want)
{
	struct synth s;
	char path[] = "/tmp/crashcap-dmesg-XXXXXX";
	int fd = mkstemp(path);
	struct ec_err err = { 0 };
	ec_dump *d = NULL;
	km *m = NULL;
	struct sbuf out = { .n = 0 };
	struct fl_out o = { sb_write, &out };

	close(fd);
	sy_init(&s, 4, 0);
	sy_memmodel(&s);
	sy_vmci(&s, "%s", page_keys);
	build(&s);
	int r = sy_write(&s, path);
	if (!r)
		r = ec_open(path, 0, &d, &err);
	if (!r)
		r = km_create(d, &m, &err);
	if (!r)
		r = fl_dump_dmesg_ex(m, &o, flags, &err);
	ok(r == 0, "%s: dumped: %s", what, err.msg);
	ok(out.n == strlen(want) && !memcmp(out.b, want, out.n), "%s: text as makedumpfile", what);
	if (out.n != strlen(want) || memcmp(out.b, want, out.n))
		diag("got [%.*s]", (int)out.n, out.b);
	km_destroy(m);
	ec_close(d);
	sy_free(&s);
	unlink(path);
}

int main(void)
{
	check("lockless (1.7.2 format)", build_lockless, 0,
	      "[    1.000002] hello\n"
	      "[   12.345678] a\n               b\\xffffffe2\\x01\n"
	      "[   99.000000] wrap!!\n");
	check("lockless --caller-id", build_lockless, FL_DMESG_CALLER_ID,
	      "[    1.000002] [     T42] hello\n"
	      "[   12.345678] [      C1] a\n                          b\\xffffffe2\\x01\n"
	      "[   99.000000] [      T7] wrap!!\n");
	check("log_buf records", build_logbuf, 0,
	      "[    0.003000] late\n[    4.000000] wrapped\n");
	for (int j = 0; j < 256; j++)   /* the expected text is fixed before the build */
		raw_text[j] = j % 32 == 31 ? '\n' : (char)('a' + j % 26);
	check("pre-3.5 raw log_buf, wrapped", build_rawlog, 0, raw_text);
	return tap_done();
}
