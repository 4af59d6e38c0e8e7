/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compression worker pool. A fixed ring of jobs (memory bounded: about
 * 2 * threads + 2 jobs of pool_batch() pages, in and out buffers each);
 * workers (and the collecting thread while it waits) take queued jobs in
 * submission order and the writer collects them strictly in that order, so
 * the file does not depend on scheduling.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "writer.h"

#define POOL_BATCH 64

enum { J_FREE, J_FILLING, J_QUEUED, J_RUNNING, J_DONE };

struct pool {
	enum comp_method method;
	uint32_t page_size;
	size_t bound;
	bool detect_zero;
	unsigned nthreads, njobs;
	unsigned ncomp;                /* compressors (and readers): workers + 1, the
					  last one the collecting thread's (it runs jobs
					  too whenever there are workers) */
	struct pool_job *jobs;
	comp **comps;                  /* one per worker (or one inline) */
	const struct wr_source *src;   /* with readers: workers read pages */
	void **readers;                /* one read context per worker */
	bool inline_read;              /* inline pool: jobs read through src */
	pthread_t *threads;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	uint64_t next_seq, next_collect, next_run;
	unsigned pending;              /* submitted, not yet collected */
	bool stop;
};

/* An all-zero page? (word-wise; page sizes are multiples of 8) */
static bool page_is_zero(const uint8_t *pg, size_t len)
{
	uint64_t acc = 0, w;

	for (size_t i = 0; i < len; i += 8) {
		memcpy(&w, pg + i, 8);
		acc |= w;
		if ((i & 511) == 504 && acc)
			return false;
	}
	return acc == 0;
}

/* Through the worker's reader, or (inline pool) the source itself. */
static int src_read(pool *p, void *rd, uint64_t paddr, void *buf, size_t len,
		    struct ec_err *e)
{
	return rd ? p->src->reader_read(rd, paddr, buf, len, e)
		  : p->src->read(p->src->ctx, paddr, buf, len, e);
}

static int src_map(pool *p, void *rd, uint64_t paddr, size_t len, const void **ret)
{
	if (rd)
		return p->src->reader_map ? p->src->reader_map(rd, paddr, len, ret) : -EOPNOTSUPP;
	return p->src->map ? p->src->map(p->src->ctx, paddr, len, ret) : -EOPNOTSUPP;
}

/* One page through the reader: absent = zeros; failure = pg->err. */
static void read_one(pool *p, void *rd, struct pool_job *j, unsigned i)
{
	uint32_t ps = p->page_size;
	uint8_t *in = j->in + (size_t)i * ps;
	struct ec_err e;
	int r;

	e.code = 0;
	r = src_read(p, rd, j->pages[i].pfn * ps, in, ps, &e);
	if (r == -ENODATA)
		memset(in, 0, ps), r = 0;
	if (r == -ENOMEM)
		j->status = r;
	j->pages[i].err = r < 0 ? r : 0;
}

/* Read the run [i, e) of consecutive pfns into the job's buffer; if that
 * fails, page by page, so that only the bad pages are lost. */
static void read_run(pool *p, void *rd, struct pool_job *j, unsigned i, unsigned e)
{
	uint32_t ps = p->page_size;
	struct ec_err er;

	er.code = 0;
	if (src_read(p, rd, j->pages[i].pfn * ps, j->in + (size_t)i * ps,
		     (size_t)(e - i) * ps, &er) < 0)
		for (unsigned q = i; q < e; q++)
			read_one(p, rd, j, q);
}

/* Zero check and compression of page i whose bytes are at `in` (the job's
 * buffer, or a mapping of the source that is only valid during this job's
 * run: a page stored as is is then copied into the job's buffer). */
static void do_page(pool *p, comp *c, struct pool_job *j, unsigned i, const uint8_t *in)
{
	uint32_t ps = p->page_size;
	struct pool_page *pg = &j->pages[i];
	uint8_t *buf = j->in + (size_t)i * ps;
	uint8_t *out = j->out + (size_t)i * p->bound;
	size_t len;

	pg->zero = p->detect_zero && page_is_zero(in, ps);
	pg->data = in;
	pg->size = ps;
	pg->flags = 0;
	if (!pg->zero && c) {
		int r = comp_page(c, in, ps, out, p->bound, &len);
		if (r < 0) {
			j->status = r;
		} else if (len < ps) {
			/* keep the compressed form only if strictly smaller (mdf rule) */
			pg->data = out;
			pg->size = (uint32_t)len;
			pg->flags = p->method;
		}
	}
	if (pg->data == in && in != buf) {
		memcpy(buf, in, ps);
		pg->data = buf;
	}
}

static void run_job(pool *p, comp *c, void *rd, struct pool_job *j)
{
	uint32_t ps = p->page_size;
	bool read = j->need_read && (rd || p->inline_read);
	unsigned i = 0;

	j->status = 0;
	if (j->classify) {
		struct ec_err e;

		e.code = 0;
		j->status = rd && p->src->reader_classify ?
			p->src->reader_classify(rd, j->c_level, j->c_start, j->c_end,
						j->c_bits, &e) : -EOPNOTSUPP;
		return;
	}
	while (i < j->n) {
		unsigned e = i + 1;
		const void *m = NULL;

		if (read) {
			while (e < j->n && j->pages[e].pfn == j->pages[e - 1].pfn + 1)
				e++;
			for (unsigned q = i; q < e; q++)
				j->pages[q].err = 0;
			/* compressing: straight from the source's mapping if it
			 * can (no copy); otherwise read into the buffer */
			if (!c || src_map(p, rd, j->pages[i].pfn * ps, (size_t)(e - i) * ps, &m) < 0) {
				m = NULL;
				read_run(p, rd, j, i, e);
			}
		}
		for (unsigned q = i; q < e; q++) {
			struct pool_page *pg = &j->pages[q];

			if (read && pg->err) {
				pg->zero = false;
				pg->data = NULL;
				pg->size = 0;
				pg->flags = 0;
				continue;
			}
			do_page(p, c, j, q, m ? (const uint8_t *)m + (size_t)(q - i) * ps
					      : j->in + (size_t)q * ps);
		}
		i = e;
	}
}

/* The queued job that starts next (jobs start in submission order). */
static struct pool_job *next_runnable(pool *p)
{
	for (unsigned i = 0; i < p->njobs; i++)
		if (p->jobs[i].state == J_QUEUED && p->jobs[i].seq == p->next_run)
			return &p->jobs[i];
	return NULL;
}

/* Run job j (taken with the lock held; returns with it held). */
static void run_locked(pool *p, struct pool_job *j, unsigned me)
{
	j->state = J_RUNNING;
	p->next_run++;
	/* another queued job may now be runnable */
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	run_job(p, p->comps[me], p->readers ? p->readers[me] : NULL, j);
	pthread_mutex_lock(&p->lock);
	j->state = J_DONE;
	pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
	pool *p = arg;
	unsigned me;

	pthread_mutex_lock(&p->lock);
	me = 0;
	for (unsigned i = 0; i < p->nthreads; i++)
		if (pthread_equal(p->threads[i], pthread_self()))
			me = i;
	for (;;) {
		struct pool_job *j = NULL;

		while (!p->stop && !(j = next_runnable(p)))
			pthread_cond_wait(&p->work, &p->lock);
		if (!j)
			break;
		run_locked(p, j, me);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void pool_destroy(pool *p)
{
	if (!p)
		return;
	if (p->threads) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_broadcast(&p->work);
		pthread_mutex_unlock(&p->lock);
		for (unsigned i = 0; i < p->nthreads; i++)
			pthread_join(p->threads[i], NULL);
		free(p->threads);
	}
	if (p->readers) {
		for (unsigned i = 0; i < p->ncomp; i++)
			if (p->readers[i])
				p->src->reader_close(p->readers[i]);
		free(p->readers);
	}
	if (p->comps) {
		for (unsigned i = 0; i < p->ncomp; i++)
			comp_destroy(p->comps[i]);
		free(p->comps);
	}
	if (p->jobs) {
		for (unsigned i = 0; i < p->njobs; i++) {
			free(p->jobs[i].in);
			free(p->jobs[i].out);
			free(p->jobs[i].pages);
		}
		free(p->jobs);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}

int pool_create(unsigned threads, enum comp_method m, int level,
		uint32_t page_size, bool detect_zero, pool **ret)
{
	pool *p = calloc(1, sizeof(*p));
	unsigned ncomp;
	int r;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->method = m;
	p->page_size = page_size;
	p->detect_zero = detect_zero;
	p->bound = m == COMP_NONE ? page_size : comp_bound(m, page_size);
	/* N threads compress: N - 1 workers, and the collecting (writer's)
	 * thread runs queued jobs while it waits, so that on N CPUs N
	 * threads are busy rather than N workers plus a writer that keeps
	 * preempting them (5-7 % less CPU on 2 CPUs) */
	p->nthreads = threads > 1 ? threads - 1 : 0;
	ncomp = p->nthreads + 1;
	p->njobs = p->nthreads ? 2 * ncomp + 2 : 1;
	p->ncomp = ncomp;
	p->jobs = calloc(p->njobs, sizeof(*p->jobs));
	p->comps = calloc(ncomp, sizeof(*p->comps));
	if (!p->jobs || !p->comps) {
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < p->njobs; i++) {
		struct pool_job *j = &p->jobs[i];

		j->in = malloc((size_t)POOL_BATCH * page_size);
		j->out = malloc((size_t)POOL_BATCH * p->bound);
		j->pages = calloc(POOL_BATCH, sizeof(*j->pages));
		if (!j->in || !j->out || !j->pages) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (m != COMP_NONE)
		for (unsigned i = 0; i < ncomp; i++) {
			r = comp_create_level(m, page_size, level, &p->comps[i]);
			if (r < 0)
				goto fail;
		}
	if (p->nthreads) {
		p->threads = calloc(p->nthreads, sizeof(*p->threads));
		if (!p->threads) {
			r = -ENOMEM;
			goto fail;
		}
		/* hold the lock so workers see the complete threads[] array */
		pthread_mutex_lock(&p->lock);
		for (unsigned i = 0; i < p->nthreads; i++) {
			r = -pthread_create(&p->threads[i], NULL, worker, p);
			if (r < 0) {
				p->nthreads = i;
				pthread_mutex_unlock(&p->lock);
				goto fail;
			}
		}
		pthread_mutex_unlock(&p->lock);
	}
	*ret = p;
	return 0;
fail:
	pool_destroy(p);
	return r;
}

bool pool_set_readers(pool *p, const struct wr_source *src)
{
	void **rd;

	if (!p->nthreads) {
		/* inline: the writer's thread reads, through the source itself */
		if (p->inline_read || !src->read)
			return false;
		p->src = src;
		p->inline_read = true;
		return true;
	}
	if (!src->reader_open || !src->reader_read || !src->reader_close || p->readers)
		return false;
	rd = calloc(p->ncomp, sizeof(*rd));
	if (!rd)
		return false;
	for (unsigned i = 0; i < p->ncomp; i++)
		if (src->reader_open(src->ctx, &rd[i]) < 0) {
			while (i--)
				src->reader_close(rd[i]);
			free(rd);
			return false;
		}
	/* no job is queued yet: workers see readers before any need_read job */
	pthread_mutex_lock(&p->lock);
	p->src = src;
	p->readers = rd;
	pthread_mutex_unlock(&p->lock);
	return true;
}

unsigned pool_threads(const pool *p)
{
	return p->nthreads ? p->nthreads + 1 : 0;
}

bool pool_can_classify(const pool *p)
{
	return p->readers && p->src->reader_classify;
}

unsigned pool_batch(const pool *p)
{
	return POOL_BATCH;
}

unsigned pool_pending(const pool *p)
{
	return p->pending;
}

struct pool_job *pool_get(pool *p)
{
	struct pool_job *j = NULL;

	pthread_mutex_lock(&p->lock);
	for (unsigned i = 0; i < p->njobs; i++)
		if (p->jobs[i].state == J_FREE) {
			j = &p->jobs[i];
			j->state = J_FILLING;
			j->n = 0;
			j->need_read = false;
			j->classify = false;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	return j;
}

void pool_submit(pool *p, struct pool_job *j)
{
	pthread_mutex_lock(&p->lock);
	j->seq = p->next_seq++;
	p->pending++;
	if (!p->nthreads) {
		pthread_mutex_unlock(&p->lock);
		run_job(p, p->comps[0], NULL, j);   /* inline_read: through p->src */
		pthread_mutex_lock(&p->lock);
		p->next_run++;
		j->state = J_DONE;
	} else {
		j->state = J_QUEUED;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
}

struct pool_job *pool_collect(pool *p)
{
	struct pool_job *j = NULL;

	pthread_mutex_lock(&p->lock);
	if (!p->pending)
		goto out;
	for (;;) {
		for (unsigned i = 0; i < p->njobs; i++)
			if (p->jobs[i].state >= J_QUEUED &&
			    p->jobs[i].seq == p->next_collect) {
				j = &p->jobs[i];
				break;
			}
		if (j && j->state == J_DONE)
			break;
		j = NULL;
		/* help with the next queued job while waiting: with its own
		 * reader when the workers read; without readers (a source
		 * the writer reads itself) only jobs that just compress */
		struct pool_job *h = p->nthreads ? next_runnable(p) : NULL;
		if (h && !p->readers && (h->need_read || h->classify))
			h = NULL;
		if (h)
			run_locked(p, h, p->nthreads);
		else
			pthread_cond_wait(&p->done, &p->lock);
	}
	p->next_collect++;
	p->pending--;
out:
	pthread_mutex_unlock(&p->lock);
	return j;
}

void pool_release(pool *p, struct pool_job *j)
{
	pthread_mutex_lock(&p->lock);
	j->state = J_FREE;
	pthread_mutex_unlock(&p->lock);
}
