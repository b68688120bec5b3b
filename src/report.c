/* SPDX-License-Identifier: MIT */
/* The report: rebuilds journeys from the store, runs every analysis, writes the whole report. */
#include "analyses/analysis.h"
#include "buckets.h"
#include "spill.h"
#include "store.h"
#include "write/writer.h"
#include "util.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The analyses, in report order: a new analysis is a new file plus one line here. */
static const jm__analysis *const analyses[] = {
    &jm__journeys_analysis, &jm__variants_analysis, &jm__loops_analysis,  &jm__channels_analysis,
    &jm__waits_analysis,    &jm__map_analysis,      &jm__export_analysis,
};
#define NANALYSES (sizeof analyses / sizeof analyses[0])

struct grouped;
struct worker;

struct jm_report {
    jm_log *log;
    struct grouped *grouped; /* the build under way */
    pthread_mutex_t variants_lock;
    jm__intern *own_steps; /* step names when they are not the activities */
    jm__seqtab *variants;
    jm__pairs *pairs;
    jm__vals *pair_wait; /* by pair id */
    size_t npair_wait;
    jm__ctx ctx;
    void *st[NANALYSES];
    /* The threads' shares of the journeys, kept over every part of a build and merged once
     * the events are freed. */
    struct worker *workers;
    unsigned nworkers;
};

/* Events are reached by index through chunks of JM_CHUNK_EVENTS (a bucket's, or a contiguous
 * array's cut into chunks). */
static inline const jm__event *ev_at(const jm__event *const *chunk, uint32_t i)
{
    return &chunk[i / JM_CHUNK_EVENTS][i % JM_CHUNK_EVENTS];
}

/* Stable merge sort of event indices by start time: equal times keep input order, which the
 * counting sort by case preserved. */
static void sort_by_start(uint32_t *idx, uint32_t *tmp, size_t n, const jm__event *const *ev)
{
    if (n < 24) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = idx[i];
            int64_t xs = ev_at(ev, x)->start;
            size_t j = i;
            while (j > 0 && ev_at(ev, idx[j - 1])->start > xs) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    sort_by_start(idx, tmp, h, ev);
    sort_by_start(idx + h, tmp, n - h, ev);
    if (ev_at(ev, idx[h - 1])->start <= ev_at(ev, idx[h])->start)
        return;
    memcpy(tmp, idx, h * sizeof *idx);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        idx[k++] = ev_at(ev, idx[j])->start < ev_at(ev, tmp[i])->start ? idx[j++] : tmp[i++];
    while (i < h)
        idx[k++] = tmp[i++];
}

/* The step of an event when steps are channels or channel:activity pairs: its id in the
 * report's own step table, which takes the place of the activity in the event (act is read as
 * the step from here on). */
typedef struct naming {
    jm_report *rep;
    char *buf;
    size_t cap;
} naming;

static void name_step(void *ctx, jm__event *e, int64_t end, unsigned bucket)
{
    (void)end, (void)bucket;
    naming *nm = ctx;
    jm_log *log = nm->rep->log;
    size_t cl = 0, al = 0;
    const char *c = e->chan == JM_NO_CHANNEL ? "" : jm__intern_str(log->chans, e->chan, &cl);
    if (log->opt->step == JM_STEP_CHANNEL) {
        e->act = jm__intern_id(nm->rep->own_steps, c, cl);
        return;
    }
    const char *a = jm__intern_str(log->acts, e->act, &al);
    jm__grow((void **)&nm->buf, &nm->cap, cl + al + 1, 1);
    memcpy(nm->buf, c, cl);
    nm->buf[cl] = ':';
    memcpy(nm->buf + cl + 1, a, al);
    e->act = jm__intern_id(nm->rep->own_steps, nm->buf, cl + 1 + al);
}

/* A thread's share of rebuilding journeys: its scratch arrays, its own analysis states and
 * waits by pair, merged into the report's when all threads are done. */
typedef struct worker {
    jm_report *rep;
    void *st[NANALYSES];
    jm__vals *pair_wait; /* by pair id */
    size_t npair_wait;
    uint64_t journeys;
    /* The variants this thread has met: its own id -> the report's, so that the shared, locked
     * table is asked once per variant and thread, not once per journey. */
    jm__seqtab *seen;
    uint32_t *seen_id;
    size_t nseen_id, seen_cap;
    uint32_t *step, *pair, *chan, *seq, *tmp;
    int64_t *start, *end;
    size_t cap;
    /* A bucket's cases and grouping (see bucket_journeys). */
    uint32_t *border, *boff, *bat, *bsame;
    size_t border_cap, boff_cap, bat_cap, bsame_cap;
    uint64_t *btab;
    size_t btab_cap;
} worker;

static void worker_init(worker *w, jm_report *rep, bool own_states)
{
    memset(w, 0, sizeof *w);
    w->rep = rep;
    for (size_t a = 0; a < NANALYSES; a++)
        w->st[a] = own_states ? analyses[a]->begin(&rep->ctx) : rep->st[a];
    w->seen = jm__seqtab_new();
}

/* Room for a journey of n events. */
static void worker_room(worker *w, size_t n)
{
    if (n <= w->cap)
        return;
    w->cap = n;
    w->step = jm__xrealloc(w->step, n * sizeof *w->step);
    w->pair = jm__xrealloc(w->pair, n * sizeof *w->pair);
    w->chan = jm__xrealloc(w->chan, n * sizeof *w->chan);
    w->seq = jm__xrealloc(w->seq, n * sizeof *w->seq);
    w->tmp = jm__xrealloc(w->tmp, n * sizeof *w->tmp);
    w->start = jm__xrealloc(w->start, n * sizeof *w->start);
    w->end = jm__xrealloc(w->end, n * sizeof *w->end);
}

static void worker_free_scratch(worker *w)
{
    jm__seqtab_free(w->seen);
    free(w->seen_id);
    free(w->step);
    free(w->pair);
    free(w->chan);
    free(w->seq);
    free(w->tmp);
    free(w->start);
    free(w->end);
    free(w->border);
    free(w->boff);
    free(w->bat);
    free(w->bsame);
    free(w->btab);
}

/* Merging the workers' states into the report's: one task per analysis, and the waits by pair
 * in slices, run side by side (analyses share nothing, and the slices are disjoint). */
typedef struct merge_job {
    jm_report *rep;
    worker *w;
    unsigned nw;
} merge_job;

/* The waits by pair are merged and sorted in this many slices of pair ids, side by side. */
#define WAIT_SLICES 8

/* The pair ids of slice i of n pairs: [*from, *to). */
static void wait_slice(size_t n, size_t i, size_t *from, size_t *to)
{
    size_t per = (n + WAIT_SLICES - 1) / WAIT_SLICES;
    *from = i * per < n ? i * per : n;
    *to = (i + 1) * per < n ? (i + 1) * per : n;
}

static void merge_task(void *ctx, size_t i)
{
    merge_job *m = ctx;
    jm_report *rep = m->rep;
    if (i < NANALYSES) {
        for (unsigned t = 0; t < m->nw; t++) {
            worker *w = &m->w[t];
            if (w->st[i] == rep->st[i])
                continue;
            analyses[i]->merge(rep->st[i], w->st[i], &rep->ctx);
            analyses[i]->free(w->st[i]);
        }
        return;
    }
    size_t from, to;
    wait_slice(rep->npair_wait, i - NANALYSES, &from, &to);
    for (unsigned t = 0; t < m->nw; t++) {
        worker *w = &m->w[t];
        for (size_t p = from; p < to && p < w->npair_wait; p++) {
            jm__vals_append(&rep->pair_wait[p], &w->pair_wait[p]);
            jm__vals_free(&w->pair_wait[p]);
        }
    }
}

/* Add the workers' states and waits into the report's, and free them. */
static void merge_workers(jm_report *rep, worker *w, unsigned nw, unsigned threads)
{
    for (unsigned t = 0; t < nw; t++) {
        jm__grow_zeroed((void **)&rep->pair_wait, &rep->npair_wait, w[t].npair_wait,
                        sizeof *rep->pair_wait);
        rep->ctx.journeys += w[t].journeys;
    }
    merge_job m = {rep, w, nw};
    jm__run_tasks(NANALYSES + WAIT_SLICES, threads, merge_task, &m);
    for (unsigned t = 0; t < nw; t++)
        free(w[t].pair_wait);
}

static void add_journey(worker *w, uint32_t cas, size_t n)
{
    jm_report *rep = w->rep;
    jm__journey j = {.cas = cas,
                     .n = n,
                     .step = w->step,
                     .pair = w->pair,
                     .chan = w->chan,
                     .start = w->start,
                     .end = w->end,
                     .first_start = w->start[0],
                     .last_end = w->end[0]};
    w->pair[0] = UINT32_MAX;
    for (size_t i = 1; i < n; i++) {
        if (w->end[i] > j.last_end)
            j.last_end = w->end[i];
        uint32_t p = jm__pairs_id(rep->pairs, w->step[i - 1], w->step[i]);
        w->pair[i] = p;
        if (p >= w->npair_wait)
            jm__grow_zeroed((void **)&w->pair_wait, &w->npair_wait, (size_t)p + 1,
                            sizeof *w->pair_wait);
        jm__vals_push(&w->pair_wait[p], jm__wait_at(&j, i));
    }
    /* --collapse-loops K: a run of one repeated step counts at most K times in the variant. */
    unsigned k = rep->ctx.opt->collapse_loops;
    size_t m = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = i > 0 && w->step[i] == w->step[i - 1] ? run + 1 : 1;
        if (k == 0 || run <= k)
            w->seq[m++] = w->step[i];
    }
    /* Variant ids depend on which thread asks first; nothing written depends on ids. */
    uint32_t local = jm__seqtab_id(w->seen, w->seq, m);
    if (local == w->nseen_id) {
        jm__grow((void **)&w->seen_id, &w->seen_cap, w->nseen_id + 1, sizeof *w->seen_id);
        pthread_mutex_lock(&rep->variants_lock);
        w->seen_id[w->nseen_id++] = jm__seqtab_id(rep->variants, w->seq, m);
        pthread_mutex_unlock(&rep->variants_lock);
    }
    j.variant = w->seen_id[local];
    for (size_t a = 0; a < NANALYSES; a++)
        analyses[a]->add(w->st[a], &rep->ctx, &j);
    w->journeys++;
}

/* The events of one build, grouped by case (see build_part and bucket_journeys). */
typedef struct grouped {
    const jm__event *const *ev; /* by index, through chunks (ev_at) */
    const jm__long_end *le;
    size_t nle;
    const uint32_t *order;   /* event indices, case by case */
    const uint32_t *off;     /* case c's events are order[off[c] .. off[c + 1]) */
    size_t ncase;
    size_t next;             /* the next chunk of cases (or bucket) a thread takes */
    pthread_mutex_t lock;
} grouped;

#define CASES_A_CHUNK 4096

/* Rebuild the journeys of cases [from, to). */
static void journeys_of(worker *w, const grouped *g, size_t from, size_t to)
{
    const jm_options *opt = w->rep->log->opt;
    enum { AHEAD = 4, FETCH = 16 };
    for (size_t c = from; c < to; c++) {
        /* A case's events may lie anywhere among the build's: each can be a cache miss.
         * Fetching those of a case a few ahead lets the misses overlap the work on this one. */
        if (c + AHEAD < g->ncase) {
            size_t a = g->off[c + AHEAD], b = g->off[c + AHEAD + 1];
            for (size_t k = a; k < b && k < a + FETCH; k++)
                __builtin_prefetch(ev_at(g->ev, g->order[k]));
        }
        size_t len = g->off[c + 1] - g->off[c];
        if (len == 0)
            continue;
        worker_room(w, len);
        uint32_t *idx = w->tmp; /* sorted here, the group's order left as it is */
        memcpy(idx, g->order + g->off[c], len * sizeof *idx);
        uint32_t *tmp = w->seq;
        sort_by_start(idx, tmp, len, g->ev);
        uint32_t cas = ev_at(g->ev, idx[0])->cas;
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            const jm__event *e = ev_at(g->ev, idx[i]);
            /* --split-gap: a long enough wait starts a new journey of the same case. */
            if (k > 0 && opt->split_gap_ms > 0 && e->start - w->end[k - 1] > opt->split_gap_ms) {
                add_journey(w, cas, k);
                k = 0;
            }
            w->step[k] = e->act; /* the step (see name_step) */
            w->chan[k] = e->chan;
            w->start[k] = e->start;
            w->end[k] = jm__end_at(e, g->le, g->nle, idx[i]);
            k++;
        }
        add_journey(w, cas, k);
    }
}

static void *journeys_thread(void *arg)
{
    worker *w = arg;
    grouped *g = w->rep->grouped;
    for (;;) {
        pthread_mutex_lock(&g->lock);
        size_t from = g->next;
        g->next += CASES_A_CHUNK;
        pthread_mutex_unlock(&g->lock);
        if (from >= g->ncase)
            return NULL;
        size_t to = from + CASES_A_CHUNK < g->ncase ? from + CASES_A_CHUNK : g->ncase;
        journeys_of(w, g, from, to);
    }
}

/* The workers, made at the first build: the first adds into the report's own states, the
 * others into their own. */
static void make_workers(jm_report *rep)
{
    if (rep->workers != NULL)
        return;
    rep->nworkers = jm__thread_count(rep->log->opt);
    rep->workers = jm__xcalloc(rep->nworkers, sizeof *rep->workers);
    for (unsigned t = 0; t < rep->nworkers; t++)
        worker_init(&rep->workers[t], rep, t > 0);
}

/* Run fn on `threads` of the report's workers, this thread being the first. */
static void run_workers(jm_report *rep, unsigned threads, void *(*fn)(void *))
{
    pthread_t *tid = jm__xcalloc(threads, sizeof *tid);
    bool *running = jm__xcalloc(threads, sizeof *running);
    /* A thread that cannot be started leaves its share to the others. */
    for (unsigned t = 1; t < threads; t++)
        running[t] = pthread_create(&tid[t], NULL, fn, &rep->workers[t]) == 0;
    fn(&rep->workers[0]);
    for (unsigned t = 1; t < threads; t++)
        if (running[t])
            pthread_join(tid[t], NULL);
    free(running);
    free(tid);
}

/* Grouping events by case: a counting sort whose slices of the events are counted, then placed,
 * side by side. at[t][c] is first how many events of case c slice t holds, then where its
 * next one goes. */
typedef struct grouping {
    const jm__event *ev;
    size_t n;
    uint32_t parts;
    unsigned slices;
    uint32_t **at;
    uint32_t *order;
    bool placing;
} grouping;

static void group_task(void *ctx, size_t t)
{
    grouping *g = ctx;
    size_t from = g->n * t / g->slices, to = g->n * (t + 1) / g->slices;
    uint32_t *at = g->at[t];
    if (!g->placing)
        for (size_t i = from; i < to; i++)
            at[g->ev[i].cas / g->parts]++;
    else
        for (size_t i = from; i < to; i++)
            g->order[at[g->ev[i].cas / g->parts]++] = (uint32_t)i;
}

/* Rebuild the journeys of n events (in input order; long ends le[0..nle)) and hand them to the
 * analyses. The events hold whole cases, all with case id % parts == the same value: their
 * journeys are grouped by case id / parts, which is below ncase. Threads take chunks of cases, each with analysis
 * states of its own, merged at the end: aggregates are mergeable, rankings break ties by name,
 * so the result is the same for any thread count. */
static void build_part(jm_report *rep, const jm__event *ev, size_t n, const jm__long_end *le,
                       size_t nle, uint32_t parts, size_t ncase)
{
    const jm_options *opt = rep->log->opt;

    /* Group by case with a counting sort (stable, so input order survives within a case). */
    unsigned threads = jm__thread_count(opt);
    uint32_t *order = jm__xmalloc((n ? n : 1) * sizeof *order);
    uint32_t *off = jm__xmalloc((ncase + 1) * sizeof *off);
    grouping gr = {ev, n, parts, threads, jm__xcalloc(threads, sizeof *gr.at), order, false};
    for (unsigned t = 0; t < threads; t++)
        gr.at[t] = jm__xzeroed(ncase ? ncase : 1, sizeof **gr.at);
    jm__run_tasks(threads, threads, group_task, &gr);
    /* Case c's events go to order[off[c] ..), slice by slice in input order. */
    uint32_t base = 0;
    for (size_t c = 0; c < ncase; c++) {
        off[c] = base;
        for (unsigned t = 0; t < threads; t++) {
            uint32_t k = gr.at[t][c];
            gr.at[t][c] = base;
            base += k;
        }
    }
    off[ncase] = base;
    gr.placing = true;
    jm__run_tasks(threads, threads, group_task, &gr);
    for (unsigned t = 0; t < threads; t++)
        free(gr.at[t]);
    free(gr.at);

    /* The array seen as chunks, as ev_at reads events. */
    size_t nchunk = n / JM_CHUNK_EVENTS + 1;
    const jm__event **chunk = jm__xmalloc(nchunk * sizeof *chunk);
    for (size_t k = 0; k < nchunk; k++)
        chunk[k] = ev + k * JM_CHUNK_EVENTS;

    if (threads > 1 && ncase < 2 * CASES_A_CHUNK)
        threads = 1; /* too few cases to share */
    grouped g = {chunk, le, nle, order, off, ncase, 0, PTHREAD_MUTEX_INITIALIZER};
    rep->grouped = &g;
    make_workers(rep);
    run_workers(rep, threads, journeys_thread);
    rep->grouped = NULL;
    free(chunk);
    free(order);
    free(off);
}

/* A thread's share of the buckets: each bucket's events grouped by case (a counting sort by
 * case id / JM_BUCKETS, stable), then its journeys rebuilt. A bucket holds a 256th of the cases,
 * so its events, its grouping and its cases' journeys stay within the cache. */
static void bucket_journeys(worker *w, unsigned i)
{
    jm__buckets *bs = w->rep->log->events;
    const jm__bucket *b = &bs->b[i];
    if (b->n == 0)
        return;
    /* The bucket's case entries told apart: same[entry] is the case's number in the bucket. */
    jm__grow((void **)&w->bsame, &w->bsame_cap, b->nentry, sizeof *w->bsame);
    jm__buckets_cases(bs, i, w->bsame, &w->btab, &w->btab_cap);
    size_t ncase = b->ncase;
    jm__grow((void **)&w->border, &w->border_cap, b->n, sizeof *w->border);
    jm__grow((void **)&w->boff, &w->boff_cap, ncase + 1, sizeof *w->boff);
    jm__grow((void **)&w->bat, &w->bat_cap, ncase + 1, sizeof *w->bat);
    uint32_t *off = w->boff, *at = w->bat;
    memset(at, 0, (ncase + 1) * sizeof *at);
    /* Events take their case ids (number * JM_BUCKETS + bucket) as they are counted. */
    for (size_t k = 0; k < b->nchunk; k++) {
        size_t m = jm__chunk_len(b->n, k);
        jm__event *c = b->chunk[k];
        for (size_t j = 0; j < m; j++) {
            uint32_t num = w->bsame[c[j].cas];
            at[num]++;
            c[j].cas = num * JM_BUCKETS + i;
        }
    }
    uint32_t base = 0;
    for (size_t c = 0; c < ncase; c++) {
        off[c] = base;
        base += at[c];
        at[c] = off[c];
    }
    off[ncase] = base;
    const jm__event *const *ev = (const jm__event *const *)b->chunk;
    for (size_t k = 0; k < b->nchunk; k++) {
        size_t m = jm__chunk_len(b->n, k);
        for (size_t j = 0; j < m; j++)
            w->border[at[ev[k][j].cas / JM_BUCKETS]++] = (uint32_t)(k * JM_CHUNK_EVENTS + j);
    }
    grouped g = {ev, b->le, b->nle, w->border, off, ncase, 0, PTHREAD_MUTEX_INITIALIZER};
    journeys_of(w, &g, 0, ncase);
}

static void *buckets_thread(void *arg)
{
    worker *w = arg;
    grouped *g = w->rep->grouped;
    for (;;) {
        pthread_mutex_lock(&g->lock);
        size_t i = g->next++;
        pthread_mutex_unlock(&g->lock);
        if (i >= JM_BUCKETS)
            return NULL;
        bucket_journeys(w, (unsigned)i);
    }
}

/* The journeys of the log's buckets, threads taking buckets one at a time. */
static void build_buckets(jm_report *rep)
{
    grouped g = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rep->grouped = &g;
    make_workers(rep);
    unsigned threads = jm__thread_count(rep->log->opt);
    if (rep->log->events->n < 2 * CASES_A_CHUNK)
        threads = 1; /* too few events to share */
    run_workers(rep, threads, buckets_thread);
    rep->grouped = NULL;
}

/* Journeys of a log that spilled: partition by partition, each read back and joined by the
 * events of its cases still in memory, which came later in the input. */
static jm_status build_spilled(jm_report *rep)
{
    enum { PER = JM_BUCKETS / JM_SPILL_PARTS }; /* the buckets of a partition */
    jm_log *log = rep->log;
    jm__buckets *bs = log->events;
    jm__event *ev = NULL;
    jm__long_end *le = NULL;
    size_t ev_cap = 0, le_cap = 0;
    uint32_t *same[PER] = {NULL};
    size_t same_cap[PER] = {0};
    uint64_t *tab = NULL;
    size_t tab_cap = 0;
    jm_status st = JM_OK;
    naming nm = {rep, NULL, 0};
    for (unsigned p = 0; p < JM_SPILL_PARTS && st == JM_OK; p++) {
        jm__spilled *rec = NULL;
        size_t nrec = 0, n = 0, nle = 0;
        char *err = NULL;
        st = jm__spill_read(log->spill, p, &rec, &nrec, &err);
        if (st != JM_OK) {
            jm__log_set_error(log, err);
            break;
        }
        /* The partition's cases told apart, bucket by bucket; case numbers within a bucket,
         * case ids (number * JM_BUCKETS + bucket) all == p modulo JM_SPILL_PARTS. */
        size_t inmem = 0, most = 0;
        for (unsigned k = 0; k < PER; k++) {
            unsigned b = p + k * JM_SPILL_PARTS;
            jm__grow((void **)&same[k], &same_cap[k], bs->b[b].nentry, sizeof *same[k]);
            jm__buckets_cases(bs, b, same[k], &tab, &tab_cap);
            inmem += bs->b[b].n;
            most = bs->b[b].ncase > most ? bs->b[b].ncase : most;
        }
        jm__grow((void **)&ev, &ev_cap, nrec + inmem + 1, sizeof *ev);
        for (size_t i = 0; i < nrec; i++) {
            int64_t dur = rec[i].end - rec[i].start;
            unsigned b = rec[i].bucket;
            uint32_t cas = same[b / JM_SPILL_PARTS][rec[i].cas] * JM_BUCKETS + b;
            ev[n] = (jm__event){rec[i].start, dur >= JM_DUR_LONG ? JM_DUR_LONG : (uint32_t)dur,
                                cas, rec[i].act, rec[i].chan};
            if (dur >= JM_DUR_LONG) {
                jm__grow((void **)&le, &le_cap, nle + 1, sizeof *le);
                le[nle++] = (jm__long_end){(uint32_t)n, rec[i].end};
            }
            n++;
        }
        free(rec);
        /* The buckets of this partition, each in input order; a case lies in one bucket. */
        for (unsigned k = 0; k < PER; k++) {
            unsigned b = p + k * JM_SPILL_PARTS;
            size_t from = n;
            jm__buckets_copy(bs, b, ev + n, n, &le, &nle, &le_cap);
            n += bs->b[b].n;
            for (size_t i = from; i < n; i++)
                ev[i].cas = same[k][ev[i].cas] * JM_BUCKETS + b;
        }
        if (log->opt->step != JM_STEP_ACTIVITY)
            for (size_t i = 0; i < n; i++)
                name_step(&nm, &ev[i], 0, 0);
        build_part(rep, ev, n, le, nle, JM_SPILL_PARTS, most * PER);
    }
    for (unsigned k = 0; k < PER; k++)
        free(same[k]);
    free(tab);
    free(nm.buf);
    free(ev);
    free(le);
    return st;
}

static void sort_waits_task(void *ctx, size_t i)
{
    jm_report *rep = ctx;
    size_t from, to;
    wait_slice(rep->npair_wait, i, &from, &to);
    for (size_t p = from; p < to; p++)
        jm__vals_sort(&rep->pair_wait[p]);
}

static void finish_task(void *ctx, size_t i)
{
    jm_report *rep = ctx;
    analyses[i]->finish(rep->st[i], &rep->ctx);
}

/* The analyses' hooks for case ids (analysis.h): the log keeps them in its buckets. */
static const char *case_name(const void *data, uint32_t cas, size_t *len)
{
    return jm__buckets_case_name(data, cas, len);
}

static int case_cmp(const void *data, uint32_t a, uint32_t b)
{
    return jm__buckets_case_cmp(data, a, b);
}

jm_status jm_report_build(jm_log *log, jm_report **out)
{
    if (log->consumed)
        return JM_EUSAGE;
    log->consumed = true;
    jm_report *rep = jm__xcalloc(1, sizeof *rep);
    rep->log = log;
    rep->variants = jm__seqtab_new();
    pthread_mutex_init(&rep->variants_lock, NULL);
    const jm_options *opt = log->opt;
    if (opt->step == JM_STEP_ACTIVITY) {
        rep->ctx.steps = log->acts;
    } else {
        rep->own_steps = jm__intern_new();
        rep->ctx.steps = rep->own_steps;
    }
    rep->ctx.opt = opt;
    rep->ctx.chans = log->chans;
    rep->ctx.case_data = log->events;
    rep->ctx.case_name = case_name;
    rep->ctx.case_cmp = case_cmp;
    rep->ctx.variants = rep->variants;
    /* Channel steps are named as journeys are built; until then their count is unknown, and
     * the pair table sizes itself by the channels and activities that can form them. */
    uint32_t nsteps = opt->step == JM_STEP_ACTIVITY ? jm__intern_count(log->acts)
                      : opt->step == JM_STEP_CHANNEL
                          ? jm__intern_count(log->chans) + 1
                          : (jm__intern_count(log->chans) + 1) * jm__intern_count(log->acts);
    rep->pairs = jm__pairs_new(nsteps);
    rep->ctx.pairs = rep->pairs;
    rep->ctx.has_channel = log->has_channel;
    rep->ctx.has_end = log->has_end;
    for (size_t a = 0; a < NANALYSES; a++)
        rep->st[a] = analyses[a]->begin(&rep->ctx);

    jm_status st = JM_OK;
    if (log->spill != NULL) {
        st = build_spilled(rep);
    } else {
        if (opt->step != JM_STEP_ACTIVITY) {
            naming nm = {rep, NULL, 0};
            for (unsigned b = 0; b < JM_BUCKETS; b++)
                jm__buckets_each(log->events, b, name_step, &nm);
            free(nm.buf);
        }
        build_buckets(rep);
    }
    jm__trace("journeys");
    /* The events are no longer needed: give their memory back before the analyses finish
     * (the case ids stay, to name cases by). */
    jm__buckets_free_events(log->events);
    if (rep->workers != NULL) {
        merge_workers(rep, rep->workers, rep->nworkers, jm__thread_count(opt));
        for (unsigned t = 0; t < rep->nworkers; t++)
            worker_free_scratch(&rep->workers[t]);
        free(rep->workers);
        rep->workers = NULL;
    }
    jm__trace("merged");
    rep->ctx.cases = jm__buckets_case_count(log->events);
    if (st != JM_OK) {
        jm_report_free(rep);
        return st;
    }

    /* The waits by pair are sorted first (the analyses read them), in slices side by side;
     * then every analysis finishes, side by side. */
    unsigned threads = jm__thread_count(opt);
    jm__run_tasks(WAIT_SLICES, threads, sort_waits_task, rep);
    rep->ctx.pair_wait = rep->pair_wait;
    jm__trace("waits sorted");
    jm__run_tasks(NANALYSES, threads, finish_task, rep);
    jm__trace("finished");
    *out = rep;
    return JM_OK;
}

void jm_report_free(jm_report *rep)
{
    if (rep == NULL)
        return;
    for (size_t a = 0; a < NANALYSES; a++)
        if (rep->st[a] != NULL)
            analyses[a]->free(rep->st[a]);
    jm__intern_free(rep->own_steps);
    jm__seqtab_free(rep->variants);
    pthread_mutex_destroy(&rep->variants_lock);
    jm__pairs_free(rep->pairs);
    for (size_t p = 0; p < rep->npair_wait; p++)
        jm__vals_free(&rep->pair_wait[p]);
    free(rep->pair_wait);
    free(rep);
}

void jm_report_input_stats(const jm_report *rep, jm_input_stats *st)
{
    *st = rep->log->stats;
}

/* ---- The report model, and the writers that read it ---- */

void jm__findings_add(jm__findings *l, const char *kind, uint64_t journeys, char *what,
                      char *detail)
{
    jm__grow((void **)&l->f, &l->cap, l->n + 1, sizeof *l->f);
    l->f[l->n++] = (jm__finding){kind, journeys, what, detail};
}

/* More journeys first; ties by kind, then by what, so the list never depends on input order. */
static int by_journeys(const void *pa, const void *pb, void *data)
{
    (void)data;
    const jm__finding *a = pa, *b = pb;
    if (a->journeys != b->journeys)
        return a->journeys > b->journeys ? -1 : 1;
    int c = strcmp(a->kind, b->kind);
    return c ? c : strcmp(a->what, b->what);
}

#define ACT_FIRST 5

/* "Where to act first": every analysis's candidates, ranked by the journeys they burden, the
 * first ACT_FIRST of them. */
static void act_first_model(const jm_report *rep, jm__model *m, jm__mval *root)
{
    jm__findings l = {0};
    for (size_t a = 0; a < NANALYSES; a++)
        if (analyses[a]->findings != NULL)
            analyses[a]->findings(rep->st[a], &rep->ctx, &l);
    jm__sort(l.f, l.n, sizeof *l.f, by_journeys, NULL);
    jm__mval *arr = jm__m_arr(m, root, "act_first");
    for (size_t i = 0; i < l.n && i < ACT_FIRST; i++) {
        jm__mval *o = jm__m_obj(m, arr, NULL);
        jm__m_uint(m, o, "rank", i + 1);
        jm__m_cstr(m, o, "kind", l.f[i].kind);
        jm__m_strcopy(m, o, "what", l.f[i].what, strlen(l.f[i].what));
        jm__m_uint(m, o, "journeys", l.f[i].journeys);
        jm__m_ratio(m, o, "share", l.f[i].journeys, rep->ctx.journeys);
        jm__m_strcopy(m, o, "detail", l.f[i].detail, strlen(l.f[i].detail));
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.f[i].what);
        free(l.f[i].detail);
    }
    free(l.f);
}

/* The input section: what was read, what was rejected and why, which columns played which
 * role. Every key of the section is added here (and phrased for people in
 * write/report_text.c, input_text). */
static void input_model(const jm_report *rep, jm__model *m, jm__mval *root)
{
    const jm_log *log = rep->log;
    const jm_input_stats *st = &log->stats;
    jm__mval *in = jm__m_obj(m, root, "input");
    jm__mval *files = jm__m_arr(m, in, "files");
    for (size_t i = 0; i < st->files; i++)
        jm__m_cstr(m, files, NULL, log->files[i]);
    jm__m_uint(m, in, "rows", st->rows);
    jm__m_uint(m, in, "events", st->events);
    jm__m_uint(m, in, "rejected", st->rejected);
    jm__mval *why = jm__m_obj(m, in, "rejected_by_reason");
    for (int r = 0; r < JM_REJECT_COUNT; r++)
        jm__m_uint(m, why, jm_reject_key((jm_reject_reason)r), st->rejected_by_reason[r]);
    jm__m_uint(m, in, "blank_lines", st->blank_lines);
    jm__mval *cols = jm__m_obj(m, in, "columns");
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        jm__m_cstr(m, cols, jm_role_key((jm_role)r), log->column[r]);
}

/* The whole report: input, a section per analysis in the table's order, "where to act first";
 * and, hidden, --top, which the writers for people apply to rankings the JSON lists whole. */
static void report_model(const jm_report *rep, jm__model *m)
{
    jm__mval *root = jm__model_root(m);
    input_model(rep, m, root);
    for (size_t a = 0; a < NANALYSES; a++)
        if (analyses[a]->model != NULL)
            analyses[a]->model(rep->st[a], &rep->ctx, m, jm__m_obj(m, root, analyses[a]->key));
    act_first_model(rep, m, root);
    jm__m_hide(jm__m_uint(m, root, "top", rep->ctx.opt->top));
}

static const void *state_of(const jm_report *rep, const jm__analysis *an)
{
    for (size_t a = 0; a < NANALYSES; a++)
        if (analyses[a] == an)
            return rep->st[a];
    return NULL;
}

/* The variants command: the journeys counted and the variants section. */
static void variants_model(const jm_report *rep, jm__model *m)
{
    jm__mval *root = jm__model_root(m);
    jm__m_uint(m, jm__m_obj(m, root, "journeys"), "count", rep->ctx.journeys);
    jm__m_hide(jm__m_uint(m, root, "top", rep->ctx.opt->top));
    jm__variants_analysis.model(state_of(rep, &jm__variants_analysis), &rep->ctx, m,
                                jm__m_obj(m, root, "variants"));
}

/* The map command: the map as the options cut it. */
static void map_model(const jm_report *rep, jm__model *m)
{
    jm__map_cut_model(state_of(rep, &jm__map_analysis), &rep->ctx, m, jm__model_root(m));
}

/* The writers, by what they write and in which format: a new format is a writer file
 * (src/write/writer.h) and a line here. */
enum { W_REPORT, W_VARIANTS, W_MAP };
static const struct {
    int what;
    jm_format fmt;
    jm__writer *write;
} writers[] = {
    {W_REPORT, JM_FORMAT_JSON, jm__json_model},     {W_REPORT, JM_FORMAT_TEXT, jm__text_report},
    {W_REPORT, JM_FORMAT_MD, jm__md_report},        {W_VARIANTS, JM_FORMAT_JSON, jm__json_model},
    {W_VARIANTS, JM_FORMAT_TEXT, jm__text_variants}, {W_VARIANTS, JM_FORMAT_MD, jm__md_variants},
    {W_VARIANTS, JM_FORMAT_CSV, jm__csv_variants},  {W_MAP, JM_FORMAT_JSON, jm__json_model},
    {W_MAP, JM_FORMAT_DOT, jm__dot_map},
};

/* Build the model of `what` and write it in fmt; JM_EUSAGE when no writer takes fmt. */
static jm_status write_model(const jm_report *rep, int what, jm_format fmt, FILE *out)
{
    jm__writer *write = NULL;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        if (writers[i].what == what && writers[i].fmt == fmt)
            write = writers[i].write;
    if (write == NULL)
        return JM_EUSAGE;
    jm__model *m = jm__model_new();
    if (what == W_REPORT)
        report_model(rep, m);
    else if (what == W_VARIANTS)
        variants_model(rep, m);
    else
        map_model(rep, m);
    write(jm__model_root(m), out);
    jm__model_free(m);
    return ferror(out) ? JM_EIO : JM_OK;
}

jm_status jm_write_report(const jm_report *rep, jm_format fmt, FILE *out)
{
    jm_status s = write_model(rep, W_REPORT, fmt, out);
    if (s != JM_EUSAGE)
        jm__trace("written");
    return s;
}

jm_status jm_write_journeys(const jm_report *rep, jm_format fmt, FILE *out)
{
    if (fmt != JM_FORMAT_CSV)
        return JM_EUSAGE;
    jm_status s = jm__export_write(state_of(rep, &jm__export_analysis), &rep->ctx, out);
    return s == JM_OK && ferror(out) ? JM_EIO : s;
}

jm_status jm_write_map(const jm_report *rep, jm_format fmt, FILE *out)
{
    return write_model(rep, W_MAP, fmt, out);
}

jm_status jm_write_variants(const jm_report *rep, jm_format fmt, FILE *out)
{
    return write_model(rep, W_VARIANTS, fmt, out);
}
