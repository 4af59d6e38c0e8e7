/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel log from a dump, byte for byte as `makedumpfile --dump-dmesg`
 * writes it (formats.md §7): the lockless ring (5.10+), the 3.5+ log_buf of
 * struct printk_log records, and the raw pre-3.5 character buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "km_internal.h"

#define MAX_DESC_BITS 24     /* 16 M descriptors */
#define MAX_TEXT_BITS 30     /* 1 GiB of text */
#define MAX_ARRAY_BYTES (512ull << 20)

struct obuf {
	char *p;
	size_t len, cap;
	const struct fl_out *out;
	int err;
};

static void ob_flush(struct obuf *o)
{
	if (o->len && !o->err) {
		int r = o->out->write(o->out->ctx, o->p, o->len);

		if (r < 0)
			o->err = r;
	}
	o->len = 0;
}

static void ob_put(struct obuf *o, const char *s, size_t n)
{
	if (o->len + n > o->cap)
		ob_flush(o);
	if (n > o->cap) {
		if (!o->err) {
			int r = o->out->write(o->out->ctx, s, n);

			if (r < 0)
				o->err = r;
		}
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* One record: "[%5lld.%06ld] " [caller] text, with mdf's escaping. */
static void put_record(struct obuf *o, uint64_t ts_nsec, bool caller, uint32_t cid,
		       const uint8_t *text, size_t len)
{
	char pre[96];
	int n = snprintf(pre, sizeof(pre), "[%5llu.%06lu] ",
			 (unsigned long long)(ts_nsec / 1000000000ull),
			 (unsigned long)(ts_nsec % 1000000000ull / 1000));

	if (caller) {
		char cb[16];

		snprintf(cb, sizeof(cb), "%c%u", (cid & 0x80000000u) ? 'C' : 'T',
			 cid & 0x7fffffffu);
		n += snprintf(pre + n, sizeof(pre) - (size_t)n, "[%8s] ", cb);
	}
	ob_put(o, pre, (size_t)n);
	for (size_t i = 0; i < len; i++) {
		/* C locale isprint()/isspace() on a signed char */
		signed char c = (signed char)text[i];

		if (c == '\n') {
			char sp[96];

			sp[0] = '\n';
			memset(sp + 1, ' ', (size_t)n);
			ob_put(o, sp, (size_t)n + 1);
		} else if ((c >= 0x20 && c < 0x7f) || c == ' ' || (c >= '\t' && c <= '\r')) {
			ob_put(o, (const char *)&text[i], 1);
		} else {
			char hx[16];
			int k = snprintf(hx, sizeof(hx), "\\x%02x", (int)c);

			ob_put(o, hx, (size_t)k);
		}
	}
	ob_put(o, "\n", 1);
}

static uint64_t need_off(km *m, const char *name, bool *bad)
{
	uint64_t v = km_vi_offset(m, name);

	if (v == KM_NONE)
		*bad = true;
	return v;
}

static uint64_t need_size(km *m, const char *name, bool *bad)
{
	uint64_t v = km_vi_size(m, name);

	if (v == KM_NONE)
		*bad = true;
	return v;
}

static int lockless(km *m, struct obuf *o, bool caller, struct ec_err *err)
{
	bool bad = false;
	uint64_t sz_rb = need_size(m, "printk_ringbuffer", &bad);
	uint64_t o_desc_ring = need_off(m, "printk_ringbuffer.desc_ring", &bad);
	uint64_t o_text_ring = need_off(m, "printk_ringbuffer.text_data_ring", &bad);
	uint64_t o_count_bits = need_off(m, "prb_desc_ring.count_bits", &bad);
	uint64_t o_descs = need_off(m, "prb_desc_ring.descs", &bad);
	uint64_t o_infos = need_off(m, "prb_desc_ring.infos", &bad);
	uint64_t o_head = need_off(m, "prb_desc_ring.head_id", &bad);
	uint64_t o_tail = need_off(m, "prb_desc_ring.tail_id", &bad);
	uint64_t sz_desc = need_size(m, "prb_desc", &bad);
	uint64_t o_state = need_off(m, "prb_desc.state_var", &bad);
	uint64_t o_lpos = need_off(m, "prb_desc.text_blk_lpos", &bad);
	uint64_t o_begin = need_off(m, "prb_data_blk_lpos.begin", &bad);
	uint64_t o_next = need_off(m, "prb_data_blk_lpos.next", &bad);
	uint64_t sz_info = need_size(m, "printk_info", &bad);
	uint64_t o_ts = need_off(m, "printk_info.ts_nsec", &bad);
	uint64_t o_tlen = need_off(m, "printk_info.text_len", &bad);
	uint64_t o_sizebits = need_off(m, "prb_data_ring.size_bits", &bad);
	uint64_t o_data = need_off(m, "prb_data_ring.data", &bad);
	uint64_t o_counter = need_off(m, "atomic_long_t.counter", &bad);
	uint64_t o_cid = km_vi_offset(m, "printk_info.caller_id");
	uint64_t sym = km_vi_symbol(m, "prb");
	uint8_t *rb = NULL, *descs = NULL, *infos = NULL, *text = NULL;
	uint64_t rbva;
	int r;

	if (bad)
		return ec_set_err(err, -ENOENT, "%s: VMCOREINFO lacks printk ring buffer SIZE/OFFSET keys",
				  ec_path(m->d));
	if (caller && o_cid == KM_NONE)
		caller = false;
	uint64_t ul = (uint64_t)m->arch->ptr_size;
	if (sz_rb > 4096 || sz_desc > 4096 || sz_info > 4096 ||
	    o_desc_ring + o_tail + o_counter + ul > sz_rb ||
	    o_desc_ring + o_count_bits + 4 > sz_rb ||
	    o_desc_ring + o_descs + ul > sz_rb || o_desc_ring + o_infos + ul > sz_rb ||
	    o_desc_ring + o_head + o_counter + ul > sz_rb ||
	    o_text_ring + o_sizebits + 4 > sz_rb || o_text_ring + o_data + ul > sz_rb ||
	    o_state + o_counter + ul > sz_desc || o_lpos + o_begin + ul > sz_desc ||
	    o_lpos + o_next + ul > sz_desc || o_ts + 8 > sz_info || o_tlen + 2 > sz_info ||
	    (o_cid != KM_NONE && o_cid + 4 > sz_info))
		return ec_set_err(err, -EINVAL, "%s: printk ring buffer layout in VMCOREINFO is inconsistent",
				  ec_path(m->d));
	r = km_read_ulong(m, sym, &rbva, err);
	if (r < 0)
		return r;
	rb = malloc(sz_rb);
	if (!rb)
		return ec_set_err(err, -ENOMEM, "out of memory");
	r = km_read_virt(m, rbva, rb, sz_rb, err);
	if (r < 0)
		goto out;
	const uint8_t *dr = rb + o_desc_ring, *tr = rb + o_text_ring;
	uint32_t cbits = km_le32(dr + o_count_bits), sbits = km_le32(tr + o_sizebits);
	if (cbits > MAX_DESC_BITS || sbits > MAX_TEXT_BITS || sbits < 3) {
		r = ec_set_err(err, -EINVAL, "%s: printk ring sizes absurd (count_bits %u, size_bits %u)",
			       ec_path(m->d), cbits, sbits);
		goto out;
	}
	uint64_t count = 1ull << cbits, tsize = 1ull << sbits;
	/* whole arrays are read at once, like makedumpfile; keep them sane (and
	 * representable in a 32-bit size_t) */
	if (count * sz_desc > MAX_ARRAY_BYTES || count * sz_info > MAX_ARRAY_BYTES ||
	    tsize > MAX_ARRAY_BYTES) {
		r = ec_set_err(err, -E2BIG, "%s: printk ring too large (%llu descriptors of %llu+%llu bytes, %llu bytes of text)",
			       ec_path(m->d), (unsigned long long)count, (unsigned long long)sz_desc,
			       (unsigned long long)sz_info, (unsigned long long)tsize);
		goto out;
	}
	descs = malloc(count * sz_desc);
	infos = malloc(count * sz_info);
	text = malloc(tsize);
	if (!descs || !infos || !text) {
		r = ec_set_err(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((r = km_read_virt(m, km_ulong(m, dr + o_descs), descs, count * sz_desc, err)) < 0 ||
	    (r = km_read_virt(m, km_ulong(m, dr + o_infos), infos, count * sz_info, err)) < 0 ||
	    (r = km_read_virt(m, km_ulong(m, tr + o_data), text, tsize, err)) < 0)
		goto out;

	uint64_t idmask = ul == 8 ? (~0ull >> 2) : (0xffffffffull >> 2);
	unsigned sv_shift = ul == 8 ? 62 : 30;
	uint64_t tail = km_ulong(m, dr + o_tail + o_counter);
	uint64_t head = km_ulong(m, dr + o_head + o_counter);
	for (uint64_t id = tail, steps = 0;; id = (id + 1) & idmask, steps++) {
		if (steps > count + 1) {
			r = ec_set_err(err, -ELOOP, "%s: printk ring: head_id %llu not reached from tail_id %llu",
				       ec_path(m->d), (unsigned long long)head,
				       (unsigned long long)tail);
			goto out;
		}
		const uint8_t *d = descs + (id % count) * sz_desc;
		uint64_t sv = km_ulong(m, d + o_state + o_counter);
		unsigned state = (unsigned)(sv >> sv_shift) & 3;

		if ((sv & idmask) == id && (state == 1 || state == 2)) {
			uint64_t begin = km_ulong(m, d + o_lpos + o_begin) % tsize;
			uint64_t next = km_ulong(m, d + o_lpos + o_next) % tsize;

			if (begin != next) {
				const uint8_t *inf = infos + (id % count) * sz_info;
				uint64_t tlen = km_le16(inf + o_tlen);

				if (begin > next)
					begin = 0;
				begin += ul;
				if (next - begin < tlen)   /* unsigned, as mdf */
					tlen = next - begin;
				if (begin + tlen > tsize)  /* mdf would read past its buffer */
					tlen = begin < tsize ? tsize - begin : 0;
				put_record(o, km_le64(inf + o_ts), caller,
					   o_cid != KM_NONE ? km_le32(inf + o_cid) : 0,
					   text + (begin < tsize ? begin : 0), (size_t)tlen);
			}
		}
		if (id == head)
			break;
	}
	r = 0;
out:
	free(rb);
	free(descs);
	free(infos);
	free(text);
	return r;
}

static int logbuf(km *m, struct obuf *o, bool caller, struct ec_err *err)
{
	uint64_t s_buf = km_vi_symbol(m, "log_buf"), s_len = km_vi_symbol(m, "log_buf_len");
	uint64_t s_first = km_vi_symbol(m, "log_first_idx"), s_next = km_vi_symbol(m, "log_next_idx");
	uint64_t s_end = km_vi_symbol(m, "log_end");
	uint64_t bufva;
	uint8_t b4[4];
	uint8_t *lb = NULL;
	int r;

	if (s_buf == KM_NONE || s_len == KM_NONE)
		return ec_set_err(err, -ENOENT, "%s: VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)/SYMBOL(log_buf_len)",
				  ec_path(m->d));
	if ((r = km_read_ulong(m, s_buf, &bufva, err)) < 0 ||
	    (r = km_read_virt(m, s_len, b4, 4, err)) < 0)
		return r;
	int32_t blen = (int32_t)km_le32(b4);
	if (blen <= 0 || blen > (1 << 30))
		return ec_set_err(err, -EINVAL, "%s: log_buf_len %d is absurd", ec_path(m->d), blen);
	lb = malloc((size_t)blen);
	if (!lb)
		return ec_set_err(err, -ENOMEM, "out of memory");

	if (s_end != KM_NONE) {
		/* before 3.5: a plain character ring, written out raw */
		uint64_t end;

		if (m->kver >= KM_KVER(2, 6, 25)) {
			r = km_read_virt(m, s_end, b4, 4, err);
			end = km_le32(b4);
		} else {
			r = km_read_ulong(m, s_end, &end, err);
		}
		if (r < 0)
			goto out;
		if (end < (uint64_t)blen) {
			r = km_read_virt(m, bufva, lb, (size_t)end, err);
			if (r == 0)
				ob_put(o, (const char *)lb, (size_t)end);
		} else {
			uint64_t idx = end & ((uint64_t)blen - 1);

			r = km_read_virt(m, bufva + idx, lb, (size_t)((uint64_t)blen - idx), err);
			if (r == 0)
				r = km_read_virt(m, bufva, lb + blen - idx, (size_t)idx, err);
			if (r == 0)
				ob_put(o, (const char *)lb, (size_t)blen);
		}
		goto out;
	}

	bool bad = false;
	const char *st = km_vi_size(m, "printk_log") != KM_NONE ? "printk_log" : "log";
	char k1[64], k2[64], k3[64], k4[64];
	snprintf(k1, sizeof(k1), "%s.len", st);
	snprintf(k2, sizeof(k2), "%s.text_len", st);
	snprintf(k3, sizeof(k3), "%s.ts_nsec", st);
	snprintf(k4, sizeof(k4), "%s.caller_id", st);
	uint64_t sz = need_size(m, st, &bad), o_len = need_off(m, k1, &bad);
	uint64_t o_tlen = need_off(m, k2, &bad), o_ts = need_off(m, k3, &bad);
	uint64_t o_cid = km_vi_offset(m, k4);
	if (bad || s_first == KM_NONE || s_next == KM_NONE) {
		r = ec_set_err(err, -ENOENT, "%s: VMCOREINFO lacks the printk_log record keys",
			       ec_path(m->d));
		goto out;
	}
	if (sz > 256 || o_len + 2 > sz || o_tlen + 2 > sz || o_ts + 8 > sz ||
	    (o_cid != KM_NONE && o_cid + 4 > sz)) {
		r = ec_set_err(err, -EINVAL, "%s: printk_log layout in VMCOREINFO is inconsistent",
			       ec_path(m->d));
		goto out;
	}
	if (caller && o_cid == KM_NONE)
		caller = false;
	uint32_t first, next;
	if ((r = km_read_virt(m, s_first, b4, 4, err)) < 0)
		goto out;
	first = km_le32(b4);
	if ((r = km_read_virt(m, s_next, b4, 4, err)) < 0)
		goto out;
	next = km_le32(b4);
	if ((r = km_read_virt(m, bufva, lb, (size_t)blen, err)) < 0)
		goto out;
	uint64_t ptr = first, limit = (uint64_t)blen / (sz ? sz : 1) + 2;
	for (uint64_t n = 0; ptr != next; n++) {
		if (n > limit || ptr + sz > (uint64_t)blen) {
			r = ec_set_err(err, -EINVAL, "%s: log_buf record chain broken at index %llu",
				       ec_path(m->d), (unsigned long long)ptr);
			goto out;
		}
		uint64_t rec = ptr;
		uint16_t len = km_le16(lb + ptr + o_len);
		if (!len)
			rec = 0;    /* end-of-buffer marker: the record is at the start */
		uint16_t tlen = km_le16(lb + rec + o_tlen);
		if (rec + sz + tlen > (uint64_t)blen) {
			r = ec_set_err(err, -EINVAL, "%s: log_buf record at %llu runs past the buffer",
				       ec_path(m->d), (unsigned long long)rec);
			goto out;
		}
		put_record(o, km_le64(lb + rec + o_ts), caller,
			   o_cid != KM_NONE ? km_le32(lb + rec + o_cid) : 0, lb + rec + sz, tlen);
		ptr = len ? ptr + len : km_le16(lb + o_len);
	}
	r = 0;
out:
	free(lb);
	return r;
}

int fl_dump_dmesg_ex(km *m, const struct fl_out *out, unsigned flags, struct ec_err *err)
{
	struct obuf o = { .out = out, .cap = 1 << 16 };
	int r;

	o.p = malloc(o.cap);
	if (!o.p)
		return ec_set_err(err, -ENOMEM, "out of memory");
	if (km_vi_symbol(m, "prb") != KM_NONE)
		r = lockless(m, &o, flags & FL_DMESG_CALLER_ID, err);
	else
		r = logbuf(m, &o, flags & FL_DMESG_CALLER_ID, err);
	if (r == 0) {
		ob_flush(&o);
		if (o.err)
			r = ec_set_err(err, o.err, "writing the log: %s", strerror(-o.err));
	}
	free(o.p);
	return r;
}

int fl_dump_dmesg(km *m, const struct fl_out *out, struct ec_err *err)
{
	return fl_dump_dmesg_ex(m, out, 0, err);
}
