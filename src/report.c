/* SPDX-License-Identifier: MIT */
/* The report: rebuilds journeys from the store, runs every analysis, writes the whole report. */
#include "report.h"

#include "analyses/analysis.h"
#include "buckets.h"
#include "fold.h"
#include "pseudo.h"
#include "read/locate.h"
#include "spill.h"
#include "store.h"
#include "write/text.h"
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
    &jm__waits_analysis,    &jm__map_analysis,      &jm__customers_analysis,
    &jm__handovers_analysis, &jm__business_analysis, &jm__export_analysis,
};
#define NANALYSES (sizeof analyses / sizeof analyses[0])

struct grouped;
struct worker;

/* --pseudonymize: the analyses' case hooks wrapped so that every case id they name (in the
 * model, the journeys export and the state) is its pseudonym. One place for all of them: the
 * analyses never see an id. Pseudonyms are interned, since the model borrows what it names. */
typedef struct pseudo_cases {
    const void *data; /* the hooks wrapped, and their data */
    const char *(*name)(const void *data, uint32_t cas, size_t *len);
    const char *key;
    size_t klen;
    jm__intern *names; /* the pseudonyms handed out */
    /* By case id, its pseudonym as a number (jm__pseudonym64), 0 until computed: rankings
     * compare cases many times each (the journeys export sorts them all). */
    uint64_t *memo;
    size_t nmemo;
    pthread_mutex_t lock;
} pseudo_cases;

/* Case cas's pseudonym as a number; p->lock held. */
static uint64_t pseudo_of(pseudo_cases *p, uint32_t cas)
{
    if (cas >= p->nmemo) {
        size_t n = p->nmemo ? p->nmemo : 1024;
        while (n <= cas)
            n *= 2;
        p->memo = jm__xrealloc(p->memo, n * sizeof *p->memo);
        memset(p->memo + p->nmemo, 0, (n - p->nmemo) * sizeof *p->memo);
        p->nmemo = n;
    }
    if (p->memo[cas] == 0) {
        size_t n;
        const char *id = p->name(p->data, cas, &n);
        p->memo[cas] = jm__pseudonym64(p->key, p->klen, id, n);
    }
    return p->memo[cas];
}

static const char *pseudo_name(const void *data, uint32_t cas, size_t *len)
{
    pseudo_cases *p = (pseudo_cases *)data;
    char h[17];
    pthread_mutex_lock(&p->lock);
    jm__pseudonym_hex(pseudo_of(p, cas), h);
    const char *s = jm__intern_str(p->names, jm__intern_id(p->names, h, 16), len);
    pthread_mutex_unlock(&p->lock);
    return s;
}

/* Rankings break ties by the pseudonyms, as a merge of pseudonymized states does (their hex
 * digits compare as the numbers do). */
static int pseudo_cmp(const void *data, uint32_t a, uint32_t b)
{
    pseudo_cases *p = (pseudo_cases *)data;
    pthread_mutex_lock(&p->lock);
    uint64_t x = pseudo_of(p, a), y = pseudo_of(p, b);
    pthread_mutex_unlock(&p->lock);
    return x != y ? (x > y) - (x < y) : (a > b) - (a < b);
}

/* Wrap ctx's case hooks in p (the key from opt). */
static void pseudo_wrap(pseudo_cases *p, jm__ctx *ctx, const jm_options *opt)
{
    p->data = ctx->case_data;
    p->name = ctx->case_name;
    p->key = opt->pseudo_key;
    p->klen = opt->pseudo_key_len;
    p->names = jm__intern_new();
    pthread_mutex_init(&p->lock, NULL);
    ctx->case_data = p;
    ctx->case_name = pseudo_name;
    ctx->case_cmp = pseudo_cmp;
}

struct jm_report {
    jm_log *log;
    struct grouped *grouped; /* the build under way */
    pthread_mutex_t variants_lock;
    jm__intern *own_steps; /* step names when they are not the activities */
    /* Each kind's step (an activity id, or one of own_steps) and channel: events hold kinds
     * (store.h). */
    uint32_t *kind_step;
    const uint32_t *kind_chan;
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
    /* A report of merged states: the merge's head (options, accounting), which its state
     * repeats; NULL for a report of a log. */
    const jm__state_head *merged;
    pseudo_cases ps;    /* names NULL unless the case hooks are wrapped */
    bool pseudonymized; /* every case id written is a pseudonym (privacy.pseudonymized) */
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

/* Each kind's step: its activity, its channel, or channel:activity in the report's own step
 * table (--step). */
static void name_steps(jm_report *rep)
{
    jm_log *log = rep->log;
    uint32_t nk = jm__intern_count(log->kinds);
    rep->kind_chan = log->kind_chan;
    if (log->opt->step == JM_STEP_ACTIVITY) {
        rep->kind_step = NULL;
        return;
    }
    rep->kind_step = jm__xmalloc((nk ? nk : 1) * sizeof *rep->kind_step);
    char *buf = NULL;
    size_t cap = 0;
    for (uint32_t k = 0; k < nk; k++) {
        size_t cl = 0, al = 0;
        uint32_t chan = log->kind_chan[k];
        const char *c = chan == JM_NO_CHANNEL ? "" : jm__intern_str(log->chans, chan, &cl);
        if (log->opt->step == JM_STEP_CHANNEL) {
            rep->kind_step[k] = jm__intern_id(rep->own_steps, c, cl);
            continue;
        }
        const char *a = jm__intern_str(log->acts, log->kind_act[k], &al);
        jm__grow((void **)&buf, &cap, cl + al + 1, 1);
        memcpy(buf, c, cl);
        buf[cl] = ':';
        memcpy(buf + cl + 1, a, al);
        rep->kind_step[k] = jm__intern_id(rep->own_steps, buf, cl + 1 + al);
    }
    free(buf);
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
    uint32_t *step, *pair, *chan, *seq, *tmp, *cust, *res;
    int64_t *start, *end;
    size_t cap;
    /* A bucket's cases and grouping (see bucket_journeys). */
    uint32_t *border, *boff, *bat, *bsame;
    size_t border_cap, boff_cap, bat_cap, bsame_cap;
    uint32_t *bside; /* the bucket's events' customers (buckets.h: side values) */
    size_t bside_cap;
    uint64_t *btab;
    size_t btab_cap;
    /* Lifecycle pairing (see lifecycle_case): a case's kept events in input order, their ends,
     * the starts still open; and what was paired and dropped. */
    uint32_t *lc_idx, *lc_open;
    int64_t *lc_end;
    size_t lc_cap;
    uint64_t lc_paired, lc_other;
    /* Rows that repeat an earlier row (see journeys_of), and the first by case and time. */
    uint64_t dup_rows, dup_events_dropped;
    bool dup_seen;
    uint32_t dup_cas, dup_kind, dup_fp;
    int64_t dup_start;
    int dup_bucket;            /* its bucket, or -1 (spilled: no way back to its rows) */
    uint32_t dup_at, twin_at; /* its index in the bucket, and the earlier row's */
    jm__fcount fc;             /* the journey filters' counts (filter.h), when there are any */
} worker;

static void worker_init(worker *w, jm_report *rep, bool own_states)
{
    memset(w, 0, sizeof *w);
    w->rep = rep;
    for (size_t a = 0; a < NANALYSES; a++)
        w->st[a] = own_states ? analyses[a]->begin(&rep->ctx) : rep->st[a];
    w->seen = jm__seqtab_new();
    if (rep->log->filters != NULL)
        jm__fcount_init(&w->fc, rep->log->filters);
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
    w->cust = jm__xrealloc(w->cust, n * sizeof *w->cust);
    w->res = jm__xrealloc(w->res, n * sizeof *w->res);
    w->seq = jm__xrealloc(w->seq, n * sizeof *w->seq);
    w->tmp = jm__xrealloc(w->tmp, n * sizeof *w->tmp);
    w->start = jm__xrealloc(w->start, n * sizeof *w->start);
    w->end = jm__xrealloc(w->end, n * sizeof *w->end);
}

static void worker_lc_room(worker *w, size_t n)
{
    if (n <= w->lc_cap)
        return;
    w->lc_cap = n;
    w->lc_idx = jm__xrealloc(w->lc_idx, n * sizeof *w->lc_idx);
    w->lc_open = jm__xrealloc(w->lc_open, n * sizeof *w->lc_open);
    w->lc_end = jm__xrealloc(w->lc_end, n * sizeof *w->lc_end);
}

static void worker_free_scratch(worker *w)
{
    jm__seqtab_free(w->seen);
    free(w->seen_id);
    free(w->step);
    free(w->pair);
    free(w->chan);
    free(w->cust);
    free(w->res);
    free(w->seq);
    free(w->tmp);
    free(w->start);
    free(w->end);
    free(w->border);
    free(w->boff);
    free(w->bat);
    free(w->bsame);
    free(w->bside);
    free(w->btab);
    free(w->lc_idx);
    free(w->lc_open);
    free(w->lc_end);
    jm__fcount_clear(&w->fc);
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
            if (analyses[i]->absorb != NULL) {
                analyses[i]->absorb(rep->st[i], w->st[i], &rep->ctx);
            } else {
                analyses[i]->merge(rep->st[i], w->st[i], &rep->ctx);
                analyses[i]->free(w->st[i]);
            }
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
        rep->log->stats.lifecycle_paired += w[t].lc_paired;
        rep->log->stats.lifecycle_other += w[t].lc_other;
    }
    merge_job m = {rep, w, nw};
    jm__run_tasks(NANALYSES + WAIT_SLICES, threads, merge_task, &m);
    for (unsigned t = 0; t < nw; t++)
        free(w[t].pair_wait);
}

/* A journey that passed the filters (or all of them, without filters) to every analysis. */
static void analyse_journey(worker *w, uint32_t cas, size_t n)
{
    jm_report *rep = w->rep;
    jm__journey j = {.cas = cas,
                     .n = n,
                     .step = w->step,
                     .pair = w->pair,
                     .chan = w->chan,
                     .cust = rep->log->has_customer ? w->cust : NULL,
                     .res = rep->log->has_resource ? w->res : NULL,
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

/* A journey rebuilt in the worker's arrays: through the filters (filter.h; trimmed in place,
 * or kept for --keep-coverage's passes), then to the analyses. */
static void add_journey(worker *w, uint32_t cas, size_t n)
{
    const jm__filters *fs = w->rep->log->filters;
    if (fs != NULL && fs->n > 0) {
        const jm_log *log = w->rep->log;
        jm__jarrs a = {.step = w->step,
                       .chan = w->chan,
                       .cust = log->has_customer ? w->cust : NULL,
                       .res = log->has_resource ? w->res : NULL,
                       .start = w->start,
                       .end = w->end};
        n = jm__filters_journey(fs, &w->fc, cas, &a, n);
        if (n == 0)
            return;
    }
    analyse_journey(w, cas, n);
}

/* jm__filters_coverage's emit: a journey that passed every filter, into the first worker. */
static void emit_journey(void *data, uint32_t cas, const jm__jarrs *a, size_t n)
{
    worker *w = data;
    worker_room(w, n);
    memcpy(w->step, a->step, n * sizeof *w->step);
    memcpy(w->chan, a->chan, n * sizeof *w->chan);
    if (a->cust != NULL)
        memcpy(w->cust, a->cust, n * sizeof *w->cust);
    if (a->res != NULL)
        memcpy(w->res, a->res, n * sizeof *w->res);
    memcpy(w->start, a->start, n * sizeof *w->start);
    memcpy(w->end, a->end, n * sizeof *w->end);
    analyse_journey(w, cas, n);
}

/* The filters once every journey is rebuilt: --keep-coverage's passes over the journeys kept
 * (the first worker analyses those left), and the counts of every filter for the report. */
static void finish_filters(jm_report *rep)
{
    jm_log *log = rep->log;
    const jm__filters *fs = log->filters;
    if (fs == NULL)
        return;
    jm__fcount none;
    jm__fcount_init(&none, fs);
    jm__fcount *c0 = &none;
    if (rep->workers != NULL && fs->n > 0) {
        jm__fcount *all = jm__xmalloc(rep->nworkers * sizeof *all);
        for (unsigned t = 0; t < rep->nworkers; t++)
            all[t] = rep->workers[t].fc;
        jm__filters_coverage(fs, all, rep->nworkers, rep->ctx.steps, log->opt->collapse_loops,
                             emit_journey, &rep->workers[0]);
        rep->workers[0].fc = all[0];
        free(all);
        for (unsigned t = 1; t < rep->nworkers; t++)
            jm__fcount_add(&rep->workers[0].fc, &rep->workers[t].fc, fs);
        c0 = &rep->workers[0].fc;
    }
    jm__filters_results(fs, c0, log->where_rows, &log->fres);
    jm__fcount_clear(&none);
}

/* The events of one build, grouped by case (see build_part and bucket_journeys). */
typedef struct grouped {
    const jm__event *const *ev; /* by index, through chunks (ev_at) */
    /* Customers by index (buckets.h: side values), or NULL. */
    const uint32_t *side;
    const jm__long_end *le;
    size_t nle;
    const uint32_t *order;   /* event indices, case by case */
    const uint32_t *off;     /* case c's events are order[off[c] .. off[c + 1]) */
    size_t ncase;
    size_t next;             /* the next chunk of cases (or bucket) a thread takes */
    pthread_mutex_t lock;
    int bucket;              /* the events are this bucket's, indices its own; -1: not one */
} grouped;

#define CASES_A_CHUNK 4096

/* Whether kinds a and b are the same activity in the same channel (a kind also holds the
 * resource, which pairing does not look at). */
static inline bool same_step(const jm_log *log, uint32_t a, uint32_t b)
{
    return a == b || (log->has_resource && log->kind_act[a] == log->kind_act[b] &&
                      log->kind_chan[a] == log->kind_chan[b]);
}

/* Lifecycle (SPEC §11) of one case whose events idx[0..len) are in input order and carry their
 * transition (event.h). Pairing: a start opens an instance of its step, a complete closes the
 * oldest open one of the same step that started no later (one event: the start's place and
 * time, the complete's time as its end), a complete with none open and a start never completed
 * stay instant events, other transitions are no events. Without pairing every event stays,
 * instant. The kept events are left in idx (input order, so ascending) and w->lc_idx, their
 * ends in w->lc_end; returns their count. */
static size_t lifecycle_case(worker *w, const grouped *g, uint32_t *idx, size_t len, bool pair)
{
    worker_lc_room(w, len);
    size_t k = 0, nopen = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t at = idx[i];
        const jm__event *e = ev_at(g->ev, at);
        unsigned code = (unsigned)(jm__end_at(e, g->le, g->nle, at) - e->start);
        if (pair && code == JM_LCC_OTHER) {
            w->lc_other++;
            continue;
        }
        if (pair && code == JM_LCC_COMPLETE) {
            size_t o = 0;
            while (o < nopen && (!same_step(w->rep->log, ev_at(g->ev, idx[w->lc_open[o]])->act,
                                            e->act) ||
                                 ev_at(g->ev, idx[w->lc_open[o]])->start > e->start))
                o++;
            if (o < nopen) {
                w->lc_end[w->lc_open[o]] = e->start;
                memmove(w->lc_open + o, w->lc_open + o + 1, (nopen - o - 1) * sizeof *w->lc_open);
                nopen--;
                w->lc_paired++;
                continue;
            }
        }
        if (pair && code == JM_LCC_START)
            w->lc_open[nopen++] = (uint32_t)k;
        idx[k] = at;
        w->lc_idx[k] = at;
        w->lc_end[k] = e->start;
        k++;
    }
    return k;
}

/* The end lifecycle_case gave event `at` (a binary search of its kept events). */
static int64_t lifecycle_end(const worker *w, size_t n, uint32_t at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->lc_idx[mid] < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return w->lc_end[lo];
}

/* A row that repeats an earlier one (event e at index at, its twin at twin, in grouping g):
 * counted, and the first by case id and start kept for the notice. */
static void note_dup(worker *w, const grouped *g, const jm__event *e, uint32_t at, uint32_t twin)
{
    w->dup_rows++;
    if (w->dup_seen) {
        int c = jm__buckets_case_cmp(w->rep->log->events, e->cas, w->dup_cas);
        if (c > 0 || (c == 0 && e->start >= w->dup_start))
            return;
    }
    w->dup_seen = true;
    w->dup_cas = e->cas;
    w->dup_kind = e->act;
    w->dup_fp = e->chan;
    w->dup_start = e->start;
    w->dup_bucket = g->bucket;
    w->dup_at = at;
    w->twin_at = twin;
}

/* Rebuild the journeys of cases [from, to). */
static void journeys_of(worker *w, const grouped *g, size_t from, size_t to)
{
    const jm_log *log = w->rep->log;
    const jm_options *opt = log->opt;
    /* Events carry their transition (event.h) where the log has a lifecycle column and no end
     * column. */
    bool lifecycle = log->has_lifecycle && !log->has_end;
    bool pair = log->stats.lifecycle_mode == JM_LIFECYCLE_PAIR;
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
        size_t kept = len;
        if (lifecycle) {
            kept = len = lifecycle_case(w, g, idx, len, pair);
            if (len == 0)
                continue; /* every row of the case was another transition: no journey */
        }
        uint32_t *tmp = w->seq;
        sort_by_start(idx, tmp, len, g->ev);
        uint32_t cas = ev_at(g->ev, idx[0])->cas;
        size_t k = 0, run = 0;
        const uint32_t *kact = w->rep->log->kind_act, *kchan = w->rep->kind_chan;
        const uint32_t *kstep = w->rep->kind_step ? w->rep->kind_step : kact;
        const uint32_t *kres = log->has_resource ? log->kind_res : NULL;
        for (size_t i = 0; i < len; i++) {
            const jm__event *e = ev_at(g->ev, idx[i]);
            /* A row that repeats an earlier row byte for byte: an event of the same case with
             * the same start, kind, end and row fingerprint (chan) came before it. Equal
             * starts are neighbours once sorted. */
            if (i > 0 && e->start != ev_at(g->ev, idx[i - 1])->start)
                run = i;
            bool dup = false;
            size_t j = run;
            for (; j < i; j++) {
                const jm__event *d = ev_at(g->ev, idx[j]);
                dup = d->act == e->act && d->chan == e->chan && d->dur == e->dur &&
                      (e->dur != JM_DUR_LONG || jm__end_at(d, g->le, g->nle, idx[j]) ==
                                                    jm__end_at(e, g->le, g->nle, idx[i]));
                if (dup)
                    break;
            }
            if (dup) {
                if (e->chan & 1) /* the first event of its row: the row counts once */
                    note_dup(w, g, e, idx[i], idx[j]);
                if (opt->dedupe) {
                    w->dup_events_dropped++;
                    continue;
                }
            }
            /* --split-gap: a long enough wait starts a new journey of the same case. */
            if (k > 0 && opt->split_gap_ms > 0 && e->start - w->end[k - 1] > opt->split_gap_ms) {
                add_journey(w, cas, k);
                k = 0;
            }
            w->step[k] = kstep[e->act];
            w->chan[k] = kchan[e->act];
            if (g->side != NULL)
                w->cust[k] = g->side[idx[i]];
            else if (log->has_customer) /* events that came without theirs (dist.c) */
                w->cust[k] = JM_NO_SIDE;
            if (kres != NULL)
                w->res[k] = kres[e->act];
            w->start[k] = e->start;
            w->end[k] = lifecycle ? lifecycle_end(w, kept, idx[i])
                                  : jm__end_at(e, g->le, g->nle, idx[i]);
            k++;
        }
        if (k > 0)
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
static void build_part(jm_report *rep, const jm__event *ev, const uint32_t *side, size_t n,
                       const jm__long_end *le, size_t nle, uint32_t parts, size_t ncase)
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
    grouped g = {chunk, side, le, nle, order, off, ncase, 0, PTHREAD_MUTEX_INITIALIZER, -1};
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
    /* The events' customers, read while their cas still names case entries. */
    const uint32_t *side = NULL;
    if (bs->side) {
        jm__grow((void **)&w->bside, &w->bside_cap, b->n, sizeof *w->bside);
        jm__buckets_sides(bs, i, w->bside);
        side = w->bside;
    }
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
    /* Placed in input order (stable): the lead, if any, first (buckets.h). */
    const jm__event *const *ev = (const jm__event *const *)b->chunk;
    size_t part[3][2] = {{b->lead_from, b->lead_to}, {0, b->lead_from}, {b->lead_to, b->n}};
    for (int p = 0; p < 3; p++) {
        for (size_t x = part[p][0]; x < part[p][1];) {
            size_t k = x / JM_CHUNK_EVENTS, j = x % JM_CHUNK_EVENTS;
            size_t m = jm__chunk_len(b->n, k), stop = part[p][1] - k * JM_CHUNK_EVENTS;
            if (stop < m)
                m = stop;
            for (; j < m; j++)
                w->border[at[ev[k][j].cas / JM_BUCKETS]++] = (uint32_t)(k * JM_CHUNK_EVENTS + j);
            x = k * JM_CHUNK_EVENTS + m;
        }
    }
    grouped g = {ev,   side,   b->le, b->nle, w->border, off, ncase, 0, PTHREAD_MUTEX_INITIALIZER,
                 (int)i};
    journeys_of(w, &g, 0, ncase);
    /* Nothing reads the bucket's events again: their pages go back now, so that the analyses'
     * states grow into them rather than on top of the whole log. */
    jm__buckets_release(bs, i);
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
    grouped g = {.lock = PTHREAD_MUTEX_INITIALIZER, .bucket = -1};
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
    uint32_t *side = NULL; /* the events' customers, where the log has them */
    jm__long_end *le = NULL;
    size_t ev_cap = 0, le_cap = 0, side_cap = 0;
    uint32_t *same[PER] = {NULL};
    size_t same_cap[PER] = {0};
    uint64_t *tab = NULL;
    size_t tab_cap = 0;
    jm_status st = JM_OK;
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
        if (bs->side)
            jm__grow((void **)&side, &side_cap, nrec + inmem + 1, sizeof *side);
        for (size_t i = 0; i < nrec; i++) {
            int64_t dur = rec[i].end - rec[i].start;
            unsigned b = rec[i].bucket;
            uint32_t cas = same[b / JM_SPILL_PARTS][rec[i].cas] * JM_BUCKETS + b;
            ev[n] = (jm__event){rec[i].start, dur >= JM_DUR_LONG ? JM_DUR_LONG : (uint32_t)dur,
                                cas, rec[i].act, rec[i].chan};
            if (side)
                side[n] = rec[i].side;
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
            jm__buckets_copy(bs, b, ev + n, side ? side + n : NULL, n, &le, &nle, &le_cap);
            n += bs->b[b].n;
            for (size_t i = from; i < n; i++)
                ev[i].cas = same[k][ev[i].cas] * JM_BUCKETS + b;
        }
        build_part(rep, ev, side, n, le, nle, JM_SPILL_PARTS, most * PER);
    }
    for (unsigned k = 0; k < PER; k++)
        free(same[k]);
    free(tab);
    free(ev);
    free(side);
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

/* The analyses finish on the threads longest first: the customers' view sorts every journey by
 * customer (0.3-0.4 s on the benchmark log, longer than the others together), so it starts at
 * once and the others share the other threads meanwhile. Task i finishes analyses[at], at the
 * i-th of that order. */
static void finish_task(void *ctx, size_t i)
{
    jm_report *rep = ctx;
    size_t first = 0;
    while (first + 1 < NANALYSES && analyses[first] != &jm__customers_analysis)
        first++;
    size_t at = i == 0 ? first : i <= first ? i - 1 : i;
    analyses[at]->finish(rep->st[at], &rep->ctx);
}

/* The waits by pair are sorted first (the analyses read them), in slices side by side; then
 * every analysis finishes, side by side. */
static void finish_report(jm_report *rep)
{
    unsigned threads = jm__thread_count(rep->ctx.opt);
    jm__run_tasks(WAIT_SLICES, threads, sort_waits_task, rep);
    rep->ctx.pair_wait = rep->pair_wait;
    jm__trace("waits sorted");
    jm__run_tasks(NANALYSES, threads, finish_task, rep);
    jm__trace("finished");
}

/* The batch (jm_log.marks) that put event `at` of bucket b there. */
static const jm__mark *mark_of(const jm_log *log, unsigned b, uint32_t at)
{
    size_t lo = 0, hi = log->nmarks; /* the last mark whose count before is <= at */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->marks[mid].before[b] <= at)
            lo = mid;
        else
            hi = mid;
    }
    return log->marks[lo].before[b] <= at ? &log->marks[lo] : NULL;
}

/* The rows that repeat earlier rows, summed over the workers into the log's accounting, and
 * the first (by case id, then start) named in a notice. */
static void duplicates(jm_report *rep)
{
    jm_log *log = rep->log;
    const worker *first = NULL;
    uint64_t rows = 0, dropped = 0;
    for (unsigned t = 0; t < rep->nworkers; t++) {
        const worker *w = &rep->workers[t];
        rows += w->dup_rows;
        dropped += w->dup_events_dropped;
        if (w->dup_seen &&
            (first == NULL ||
             jm__buckets_case_cmp(log->events, w->dup_cas, first->dup_cas) < 0 ||
             (w->dup_cas == first->dup_cas && w->dup_start < first->dup_start)))
            first = w;
    }
    log->stats.duplicate_rows = rows;
    if (log->opt->dedupe) {
        log->stats.duplicates_dropped = rows;
        log->stats.events -= dropped;
    }
    if (first == NULL || log->opt->on_notice == NULL)
        return;
    const char *how = log->opt->dedupe ? "dropped (--dedupe)"
                                       : "counted in input.duplicate_rows and kept; --dedupe "
                                         "drops them";
    uint64_t line[2];
    const jm__mark *md = NULL, *mt = NULL;
    if (first->dup_bucket >= 0 && !log->marks_lost && log->nmarks > 0) {
        mt = mark_of(log, (unsigned)first->dup_bucket, first->twin_at);
        md = mark_of(log, (unsigned)first->dup_bucket, first->dup_at);
    }
    bool found = false;
    if (mt != NULL && md == mt) {
        found = jm__locate_rows(log->files[mt->file], mt->delim, mt->first_line, mt->rows,
                                first->dup_fp, 2, line) == 2;
    } else if (mt != NULL && md != NULL) {
        found = jm__locate_rows(log->files[mt->file], mt->delim, mt->first_line, mt->rows,
                                first->dup_fp, 1, &line[0]) == 1 &&
                jm__locate_rows(log->files[md->file], md->delim, md->first_line, md->rows,
                                first->dup_fp, 1, &line[1]) == 1;
    }
    if (found) {
        const char *tf = log->files[mt->file], *df = log->files[md->file];
        char *msg = jm__strdupf(
            "repeats line %" PRIu64 "%s%s byte for byte in every field (exports that overlap?); "
            "%" PRIu64 " row%s in all repeat%s an earlier row: %s",
            line[0], tf == df ? "" : " of ", tf == df ? "" : tf, rows, rows == 1 ? "" : "s",
            rows == 1 ? "s" : "", how);
        log->opt->on_notice(log->opt->on_notice_data, df, line[1], msg);
        free(msg);
        return;
    }
    /* The rows cannot be read again (standard input, a spill): named by case and time. */
    size_t cl, al;
    const char *cas = jm__buckets_case_name(log->events, first->dup_cas, &cl);
    char ps[17];
    if (log->opt->pseudo_key != NULL) {
        jm__pseudonym(log->opt->pseudo_key, log->opt->pseudo_key_len, cas, cl, ps);
        cas = ps;
        cl = 16;
    }
    const char *act = jm__intern_str(log->acts, log->kind_act[first->dup_kind], &al);
    char when[40];
    jm__time_format(first->dup_start, when);
    char *cs = jm__safe(cas, cl > 60 ? 60 : cl, false), *as = jm__safe(act, al > 60 ? 60 : al, false);
    char *msg = jm__strdupf(
        "%" PRIu64 " row%s repeat%s an earlier row byte for byte in every field (exports that "
        "overlap?), the first in case '%s': '%s' at %s; %s",
        rows, rows == 1 ? "" : "s", rows == 1 ? "s" : "", cs, as, when, how);
    log->opt->on_notice(log->opt->on_notice_data,
                        log->stats.files == 1 ? log->files[0] : "the input", 0, msg);
    free(msg);
    free(cs);
    free(as);
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

/* Whether starts and completes are paired (SPEC §11), and why. */
static void lifecycle_mode(jm_log *log)
{
    jm_input_stats *st = &log->stats;
    const uint64_t *v = log->share ? log->share_lc_rows : st->lifecycle_rows;
    if (!log->has_lifecycle) {
        st->lifecycle_mode = JM_LIFECYCLE_NONE;
        st->lifecycle_why = "no lifecycle column";
    } else if (log->has_end) {
        st->lifecycle_mode = JM_LIFECYCLE_KEEP;
        st->lifecycle_why = "the log has an end column: each row is an event with its own end";
    } else if (log->opt->lifecycle == JM_LIFECYCLE_KEEP) {
        st->lifecycle_mode = JM_LIFECYCLE_KEEP;
        st->lifecycle_why = "--lifecycle keep: each row is an event";
    } else if (log->opt->lifecycle == JM_LIFECYCLE_PAIR) {
        st->lifecycle_mode = JM_LIFECYCLE_PAIR;
        st->lifecycle_why = "--lifecycle pair";
    } else if (v[JM_LC_OUTSIDE] > 0) {
        st->lifecycle_mode = JM_LIFECYCLE_KEEP;
        st->lifecycle_why = "values outside the XES lifecycle model (sub-statuses?): each row is "
                            "an event; --lifecycle pair pairs all the same";
    } else if (v[JM_LC_START] == 0) {
        st->lifecycle_mode = JM_LIFECYCLE_KEEP;
        st->lifecycle_why = "no start transition: each row is an event";
    } else {
        st->lifecycle_mode = JM_LIFECYCLE_PAIR;
        st->lifecycle_why = "every value is an XES lifecycle transition, and some are start";
    }
}

/* The message for a log whose every row was rejected: the reasons, and when start times did not
 * parse, what to give instead. malloc'd. */
static char *all_rejected(const jm_log *log)
{
    const jm_input_stats *st = &log->stats;
    char reasons[512];
    size_t k = 0;
    reasons[0] = '\0';
    for (int r = 0; r < JM_REJECT_COUNT; r++)
        if (st->rejected_by_reason[r] && k < sizeof reasons)
            k += (size_t)snprintf(reasons + k, sizeof reasons - k, "%s%s %" PRIu64,
                                  k ? ", " : "", jm_reject_key((jm_reject_reason)r),
                                  st->rejected_by_reason[r]);
    const char *hint = "";
    char *given = NULL;
    if (st->rejected_by_reason[JM_REJECT_BAD_START]) {
        if (log->opt->time_format == NULL) {
            hint = "; the start times did not parse: give --time-format, e.g. --time-format "
                   "'%d/%m/%Y %H:%M'";
        } else {
            given = jm__strdupf("; the start times did not parse with --time-format '%s'",
                                log->opt->time_format);
            hint = given;
        }
    }
    char rows[64];
    if (st->rows == 1)
        snprintf(rows, sizeof rows, "the one row read was rejected");
    else
        snprintf(rows, sizeof rows, "every one of the %" PRIu64 " rows read was rejected",
                 st->rows);
    char *msg = jm__strdupf("%s%s%s (%s), so there is nothing to report%s",
                            st->files == 1 ? log->files[0] : "", st->files == 1 ? ": " : "", rows,
                            reasons, hint);
    free(given);
    return msg;
}

jm_status jm_report_build(jm_log *log, jm_report **out)
{
    if (log->consumed)
        return JM_EUSAGE;
    if (!log->share && log->stats.rows > 0 && log->stats.events == 0) {
        /* A log of rejections is no result (SPEC §1.1); a header with no rows is. */
        jm__log_set_error(log, all_rejected(log));
        return JM_EINPUT;
    }
    log->consumed = true;
    /* The log is read: its customers are named by id from here on, and the index of the big
     * table (16 MB for a million customers) goes back before the analyses grow. */
    jm__intern_drop_index(log->custs);
    lifecycle_mode(log);
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
    if (opt->pseudo_key != NULL) {
        pseudo_wrap(&rep->ps, &rep->ctx, opt);
        rep->pseudonymized = true;
    }
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
    rep->ctx.custs = log->custs;
    rep->ctx.ress = log->ress;
    rep->ctx.has_customer = log->has_customer;
    rep->ctx.has_resource = log->has_resource;
    if (opt->pseudo_key != NULL) {
        rep->ctx.cust_key = opt->pseudo_key;
        rep->ctx.cust_key_len = opt->pseudo_key_len;
    }
    /* Paired starts and completes have ends of their own. */
    rep->ctx.has_end = log->has_end || log->stats.lifecycle_mode == JM_LIFECYCLE_PAIR;
    rep->ctx.share = log->share;
    for (size_t a = 0; a < NANALYSES; a++)
        rep->st[a] = analyses[a]->begin(&rep->ctx);

    jm_status st = JM_OK;
    name_steps(rep);
    if (log->filters != NULL) {
        char *unknown = jm__filters_resolve(log->filters, rep->ctx.steps);
        if (unknown != NULL) {
            char *msg = jm__strdupf("no step is named %s: the filters that name it match no "
                                    "journey (--with, --starts-with, --ends-with, --follows, "
                                    "--eventually) or every one (--without)",
                                    unknown);
            jm__log_notice(log, JM__NOTICE_UNKNOWN_STEP, "", 0, msg);
            free(msg);
            free(unknown);
        }
    }
    if (log->spill != NULL)
        st = build_spilled(rep);
    else
        build_buckets(rep);
    jm__trace("journeys");
    /* The events are no longer needed: give their memory back before the analyses finish
     * (the case ids stay, to name cases by). */
    jm__buckets_free_events(log->events);
    finish_filters(rep);
    if (rep->workers != NULL) {
        duplicates(rep);
        merge_workers(rep, rep->workers, rep->nworkers, jm__thread_count(opt));
        for (unsigned t = 0; t < rep->nworkers; t++)
            worker_free_scratch(&rep->workers[t]);
        free(rep->workers);
        rep->workers = NULL;
    }
    jm__trace("merged");
    /* Completes merged into their starts and other transitions are rows, not events. */
    log->stats.events -= log->stats.lifecycle_paired + log->stats.lifecycle_other;
    rep->ctx.cases = jm__buckets_case_count(log->events);
    if (st != JM_OK) {
        jm_report_free(rep);
        return st;
    }

    finish_report(rep);
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
    free(rep->kind_step);
    jm__seqtab_free(rep->variants);
    pthread_mutex_destroy(&rep->variants_lock);
    if (rep->ps.names != NULL) {
        jm__intern_free(rep->ps.names);
        free(rep->ps.memo);
        pthread_mutex_destroy(&rep->ps.lock);
    }
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

/* How the log's times were read: its time format's name, or a merge's (from its states). */
static const char *log_time_format(const jm_log *log)
{
    return log->time_format ? log->time_format : jm__timefmt_name(log->tf);
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
    jm__m_cstr(m, in, "encoding", log->encoding ? log->encoding : "UTF-8");
    jm__m_uint(m, in, "rows", st->rows);
    jm__m_uint(m, in, "events", st->events);
    jm__m_uint(m, in, "rejected", st->rejected);
    jm__mval *why = jm__m_obj(m, in, "rejected_by_reason");
    for (int r = 0; r < JM_REJECT_COUNT; r++)
        jm__m_uint(m, why, jm_reject_key((jm_reject_reason)r), st->rejected_by_reason[r]);
    jm__m_uint(m, in, "blank_lines", st->blank_lines);
    if (st->lifecycle_mode != JM_LIFECYCLE_NONE) {
        static const char *const modes[] = {"auto", "pair", "keep", "none"};
        jm__mval *lc = jm__m_obj(m, in, "lifecycle");
        jm__m_cstr(m, lc, "mode", modes[st->lifecycle_mode]);
        jm__m_cstr(m, lc, "why", st->lifecycle_why);
        jm__m_uint(m, lc, "paired", st->lifecycle_paired);
        jm__m_uint(m, lc, "other", st->lifecycle_other);
        jm__mval *by = jm__m_obj(m, lc, "rows_by_value");
        for (int v = 0; v < JM_LC_COUNT; v++)
            if (st->lifecycle_rows[v] > 0)
                jm__m_uint(m, by, jm_lc_name((jm_lc_value)v), st->lifecycle_rows[v]);
    }
    jm__m_uint(m, in, "duplicate_rows", st->duplicate_rows);
    jm__m_uint(m, in, "duplicates_dropped", st->duplicates_dropped);
    if ((rep->merged != NULL ? rep->merged->fres.n : log->fres.n) > 0)
        jm__m_uint(m, in, "filtered_rows", st->filtered_rows);
    jm__mval *cols = jm__m_obj(m, in, "columns");
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        jm__m_cstr(m, cols, jm_role_key((jm_role)r), log->column[r]);
    jm__m_cstr(m, in, "time_format", log_time_format(log));
    /* For the text: rows read as wide call records (--stages) are counted as rows kept. */
    jm__m_hide(jm__m_bool(m, in, "stages", log->opt->stages != NULL));
}

/* filters[] (SPEC §12), only when the run had filters: each as given, in order, with the
 * journeys before and after it (row filters: their rows are input.filtered_rows). */
static void filters_model(const jm_report *rep, jm__model *m, jm__mval *root)
{
    const jm__fresults *res = rep->merged != NULL ? &rep->merged->fres : &rep->log->fres;
    if (res->n == 0)
        return;
    jm__mval *arr = jm__m_arr(m, root, "filters");
    for (size_t i = 0; i < res->n; i++) {
        const jm__fresult *r = &res->r[i];
        jm__mval *o = jm__m_obj(m, arr, NULL);
        jm__m_cstr(m, o, "filter", r->text);
        jm__m_cstr(m, o, "on", r->rows ? "rows" : "journeys");
        if (r->rows) {
            jm__m_uint(m, o, "rows_removed", r->removed);
            continue;
        }
        jm__m_uint(m, o, "journeys_before", r->before);
        jm__m_uint(m, o, "journeys_after", r->after);
        if (strstr(r->text, "--window trim") != NULL)
            jm__m_uint(m, o, "events_removed", r->removed);
    }
}

/* Whether an analysis has a section in the report: the customer's view and the handovers only
 * where the log has their column (a report of a log without one is as it was before them). */
static bool section_shown(const jm_report *rep, const jm__analysis *an)
{
    if (an == &jm__customers_analysis)
        return rep->ctx.has_customer;
    if (an == &jm__handovers_analysis)
        return rep->ctx.has_resource;
    if (an == &jm__business_analysis)
        return rep->ctx.opt->calendar != NULL;
    return true;
}

/* The object an analysis fills: a section of the report under its key, or, for a key
 * "SECTION.MEMBER", a member of a section made before it. */
static jm__mval *section_of(jm__model *m, jm__mval *root, const char *key)
{
    const char *dot = strchr(key, '.');
    if (dot == NULL)
        return jm__m_obj(m, root, key);
    for (jm__mval *v = root->v.kids.first; v != NULL; v = v->next)
        if (strlen(v->key) == (size_t)(dot - key) && memcmp(v->key, key, (size_t)(dot - key)) == 0)
            return jm__m_obj(m, v, dot + 1);
    return jm__m_obj(m, root, key);
}

/* The whole report: input, a section per analysis in the table's order, "where to act first";
 * and, hidden, --top, which the writers for people apply to rankings the JSON lists whole.
 * ctx is the report's, or a copy with other output options (the history's: --top 0). */
static void report_model(const jm_report *rep, const jm__ctx *ctx, jm__model *m)
{
    jm__mval *root = jm__model_root(m);
    input_model(rep, m, root);
    filters_model(rep, m, root);
    for (size_t a = 0; a < NANALYSES; a++)
        if (analyses[a]->model != NULL && section_shown(rep, analyses[a]))
            analyses[a]->model(rep->st[a], ctx, m, section_of(m, root, analyses[a]->key));
    act_first_model(rep, m, root);
    jm__mval *pv = jm__m_obj(m, root, "privacy");
    jm__m_bool(m, pv, "pseudonymized", rep->pseudonymized);
    jm__m_hide(jm__m_uint(m, root, "top", ctx->opt->top));
    /* For the page (html.c): the zone that --tz named, to show instants in. */
    if (rep->ctx.opt->tz != NULL)
        jm__m_hide(jm__m_cstr(m, root, "tz", rep->ctx.opt->tz));
}

void jm__report_full_model(const jm_report *rep, jm__model *m)
{
    jm_options o = *rep->ctx.opt;
    o.top = 0;
    jm__ctx c = rep->ctx;
    c.opt = &o;
    report_model(rep, &c, m);
    jm__model_fold(m, jm__model_root(m), o.min_journeys);
}

bool jm__report_full_rankings(const jm_report *rep)
{
    return rep->ctx.opt->full_rankings;
}

const jm__state_head *jm__report_head(const jm_report *rep, jm__state_head *own)
{
    if (rep->merged != NULL)
        return rep->merged;
    const jm_log *log = rep->log;
    jm__state_head_of(own, rep->ctx.opt, &log->stats, log->files, log->column, log->has_end,
                      log->has_channel, rep->ctx.cases, rep->ctx.journeys);
    own->has_lifecycle = log->has_lifecycle;
    own->encoding = jm__xstrdup(log->encoding ? log->encoding : "UTF-8");
    own->time_format = jm__xstrdup(jm__timefmt_name(log->tf));
    own->time_decided = !jm__timefmt_undecided(log->tf);
    jm__fresults_copy(&own->fres, &log->fres);
    return own;
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

/* The map command's SVG without --map-steps or --map-edges: what the page draws its map from,
 * the report's "map" and "variants" sections, for the page's default level. */
static void page_map_model(const jm_report *rep, jm__model *m)
{
    jm__mval *root = jm__model_root(m);
    jm__map_analysis.model(state_of(rep, &jm__map_analysis), &rep->ctx, m,
                           jm__m_obj(m, root, "map"));
    jm__variants_analysis.model(state_of(rep, &jm__variants_analysis), &rep->ctx, m,
                                jm__m_obj(m, root, "variants"));
}

/* The writers, by what they write and in which format: a new format is a writer file
 * (src/write/writer.h) and a line here. */
enum { W_REPORT, W_VARIANTS, W_MAP, W_MAP_PAGE };
static const struct {
    int what;
    jm_format fmt;
    jm__writer *write;
} writers[] = {
    {W_REPORT, JM_FORMAT_JSON, jm__json_model},     {W_REPORT, JM_FORMAT_TEXT, jm__text_report},
    {W_REPORT, JM_FORMAT_MD, jm__md_report},        {W_VARIANTS, JM_FORMAT_JSON, jm__json_model},
    {W_VARIANTS, JM_FORMAT_TEXT, jm__text_variants}, {W_VARIANTS, JM_FORMAT_MD, jm__md_variants},
    {W_VARIANTS, JM_FORMAT_CSV, jm__csv_variants},  {W_MAP, JM_FORMAT_JSON, jm__json_model},
    {W_MAP, JM_FORMAT_DOT, jm__dot_map},       {W_REPORT, JM_FORMAT_HTML, jm__html_report},
#ifdef JM_HAVE_GRAPHVIZ
    {W_MAP, JM_FORMAT_SVG, jm__svg_map},       {W_MAP_PAGE, JM_FORMAT_SVG, jm__svg_page_map},
#endif
};

bool jm_format_built(jm_format fmt)
{
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        if (writers[i].fmt == fmt)
            return true;
    return false;
}

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
        report_model(rep, &rep->ctx, m);
    else if (what == W_VARIANTS)
        variants_model(rep, m);
    else if (what == W_MAP_PAGE)
        page_map_model(rep, m);
    else
        map_model(rep, m);
    jm__model_fold(m, jm__model_root(m), rep->ctx.opt->min_journeys);
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
    /* SVG: the page's default level (SPEC §7), unless --map-steps or --map-edges cut it. */
    bool page = fmt == JM_FORMAT_SVG && !rep->ctx.opt->map_cut;
    return write_model(rep, page ? W_MAP_PAGE : W_MAP, fmt, out);
}

jm_status jm_write_variants(const jm_report *rep, jm_format fmt, FILE *out)
{
    return write_model(rep, W_VARIANTS, fmt, out);
}

/* ---- States by names: save, and merge (SPEC §10, docs/state-format.md) ---- */

typedef struct pair_order {
    const jm__pairs *pairs;
    const jm__state_w *w;
} pair_order;

static int pair_by_index(const void *pa, const void *pb, void *data)
{
    const pair_order *d = data;
    uint32_t a1, a2, b1, b2;
    jm__pairs_get(d->pairs, *(const uint32_t *)pa, &a1, &a2);
    jm__pairs_get(d->pairs, *(const uint32_t *)pb, &b1, &b2);
    uint32_t x = jm__sw_step_index(d->w, a1), y = jm__sw_step_index(d->w, b1);
    if (x == y) {
        x = jm__sw_step_index(d->w, a2);
        y = jm__sw_step_index(d->w, b2);
    }
    return (x > y) - (x < y);
}

jm_status jm__report_state_bytes(jm_report *rep, void **bytes, size_t *n)
{
    const jm_log *log = rep->log;
    /* --keep-coverage depends on every shard's variants: no partial state can hold it. */
    if (log->filters != NULL && log->filters->first_cover < log->filters->n)
        return JM_EUSAGE;
    jm__state_head own;
    const jm__state_head *h = jm__report_head(rep, &own);
    jm__state_w *w = jm__state_w_new(rep->ctx.steps, rep->variants);
    jm__sw_head(w, h);
    jm__sw_steps(w);
    /* Every wait of each transition, by its steps. */
    jm__sw_section(w, "pair_waits");
    uint32_t *ids = jm__xmalloc((rep->npair_wait ? rep->npair_wait : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t p = 0; p < rep->npair_wait; p++)
        if (jm__vals_count(&rep->pair_wait[p]) > 0)
            ids[k++] = (uint32_t)p;
    pair_order po = {rep->pairs, w};
    jm__sort(ids, k, sizeof *ids, pair_by_index, &po);
    jm__sw_u64(w, k);
    for (size_t i = 0; i < k; i++) {
        uint32_t a, b;
        jm__pairs_get(rep->pairs, ids[i], &a, &b);
        jm__sw_step(w, a);
        jm__sw_step(w, b);
        jm__sw_vals(w, &rep->pair_wait[ids[i]]);
    }
    free(ids);
    jm__sw_section_end(w);
    for (size_t a = 0; a < NANALYSES; a++) {
        if (analyses[a]->save == NULL)
            continue;
        jm__sw_section(w, analyses[a]->key);
        analyses[a]->save(rep->st[a], &rep->ctx, w);
        jm__sw_section_end(w);
    }
    *bytes = jm__sw_take(w, n);
    jm__state_w_free(w);
    if (h == &own)
        jm__state_head_free(&own);
    return JM_OK;
}

jm_status jm_report_save_state(jm_report *rep, FILE *out)
{
    void *bytes;
    size_t n;
    jm_status st = jm__report_state_bytes(rep, &bytes, &n);
    if (st != JM_OK)
        return st;
    size_t wrote = fwrite(bytes, 1, n, out);
    free(bytes);
    return wrote == n && !ferror(out) ? JM_OK : JM_EIO;
}

struct jm_merge {
    jm_options opt; /* the caller's, with the analysis options of the first state */
    jm_log *log;    /* names and accounting for the writers; it holds no events */
    jm__intern *cases;
    jm__state_tables tables;
    jm_report *rep;
    jm__state_head head; /* the first state's options; accounting summed; files in order */
    size_t nstates;
    char *first; /* the first state's file name */
    char *states_pseudo; /* the first state's --pseudonymize value, which every state repeats */
    bool failed;
    char *err;
};

/* The merge's hooks for case ids: its own table, filled by the states' names. */
static const char *merge_case_name(const void *data, uint32_t cas, size_t *len)
{
    return jm__intern_str(data, cas, len);
}

static int merge_case_cmp(const void *data, uint32_t a, uint32_t b)
{
    return jm__intern_cmp(data, a, b);
}

jm_merge *jm_merge_new(const jm_options *opt, char **err)
{
    jm_merge *m = jm__xcalloc(1, sizeof *m);
    m->opt = *opt;
    m->opt.on_reject = NULL;
    m->opt.on_notice = NULL;
    m->opt.on_progress = NULL;
    m->log = jm_log_new(&m->opt, err);
    if (m->log == NULL) {
        free(m);
        return NULL;
    }
    m->log->consumed = true;
    m->cases = jm__intern_new();
    m->err = jm__xstrdup("");
    jm_report *rep = jm__xcalloc(1, sizeof *rep);
    m->rep = rep;
    rep->log = m->log;
    rep->variants = jm__seqtab_new();
    pthread_mutex_init(&rep->variants_lock, NULL);
    rep->own_steps = jm__intern_new();
    /* Steps are named as states load, their number unknown: pairs are found by hashing. */
    rep->pairs = jm__pairs_new(UINT32_MAX);
    rep->ctx.opt = &m->opt;
    rep->ctx.steps = rep->own_steps;
    rep->ctx.chans = m->log->chans;
    rep->ctx.custs = m->log->custs;
    rep->ctx.ress = m->log->ress;
    rep->ctx.case_data = m->cases;
    rep->ctx.case_name = merge_case_name;
    rep->ctx.case_cmp = merge_case_cmp;
    rep->ctx.variants = rep->variants;
    rep->ctx.pairs = rep->pairs;
    rep->merged = &m->head;
    m->tables = (jm__state_tables){rep->own_steps, m->log->chans, m->cases, rep->variants,
                                   rep->pairs};
    return m;
}

void jm_merge_free(jm_merge *m)
{
    if (m == NULL)
        return;
    jm_report_free(m->rep);
    jm_log_free(m->log);
    jm__intern_free(m->cases);
    jm__state_head_free(&m->head);
    free(m->first);
    free(m->states_pseudo);
    free(m->err);
    free(m);
}

const char *jm_merge_error(const jm_merge *m)
{
    return m->err;
}

static jm_status merge_fail(jm_merge *m, char *msg)
{
    free(m->err);
    m->err = msg;
    m->failed = true;
    return JM_EINPUT;
}

/* The state's accounting added to the merge's: counts summed, files in order, the columns of
 * the first file, a column that some log had. */
static void merge_head(jm_merge *m, jm__state_head *h)
{
    jm__state_head *a = &m->head;
    if (m->nstates == 0) {
        for (size_t i = 0; i < JM_STATE_NOPTS; i++) {
            a->opt_value[i] = h->opt_value[i];
            h->opt_value[i] = NULL;
        }
        a->format = h->format;
        a->version = h->version;
        h->version = NULL;
        for (int r = 0; r < JM_ROLE_COUNT; r++) {
            a->column[r] = h->column[r];
            h->column[r] = NULL;
        }
    }
    jm_input_stats *x = &a->stats;
    const jm_input_stats *y = &h->stats;
    a->files = jm__xrealloc(a->files, (x->files + y->files + 1) * sizeof *a->files);
    for (size_t i = 0; i < y->files; i++) {
        a->files[x->files + i] = h->files[i];
        h->files[i] = NULL;
    }
    x->files += y->files;
    x->rows += y->rows;
    x->events += y->events;
    x->rejected += y->rejected;
    for (int r = 0; r < JM_REJECT_COUNT; r++)
        x->rejected_by_reason[r] += y->rejected_by_reason[r];
    x->blank_lines += y->blank_lines;
    x->split_fallbacks += y->split_fallbacks;
    for (int v = 0; v < JM_LC_COUNT; v++)
        x->lifecycle_rows[v] += y->lifecycle_rows[v];
    x->lifecycle_mode = y->lifecycle_mode; /* the same in every state (its option says so) */
    x->lifecycle_paired += y->lifecycle_paired;
    x->duplicate_rows += y->duplicate_rows; /* a row's repeats share its case: never split */
    x->duplicates_dropped += y->duplicates_dropped;
    x->lifecycle_other += y->lifecycle_other;
    x->filtered_rows += y->filtered_rows;
    /* The filters are the same in every state (their option says so): their counts add. */
    if (m->nstates == 0) {
        a->fres = h->fres;
        h->fres = (jm__fresults){NULL, 0};
    } else {
        for (size_t i = 0; i < a->fres.n && i < h->fres.n; i++) {
            a->fres.r[i].before += h->fres.r[i].before;
            a->fres.r[i].after += h->fres.r[i].after;
            a->fres.r[i].removed += h->fres.r[i].removed;
        }
    }
    a->has_lifecycle |= h->has_lifecycle;
    /* Encodings: each named once, in the order met (as one run lists them). */
    for (char *e = h->encoding; e != NULL && *e;) {
        char *next = strstr(e, ", ");
        size_t n = next ? (size_t)(next - e) : strlen(e);
        bool have = false;
        for (const char *s = a->encoding; s != NULL && *s;) {
            const char *sn = strstr(s, ", ");
            size_t k = sn ? (size_t)(sn - s) : strlen(s);
            have |= k == n && memcmp(s, e, n) == 0;
            s = sn ? sn + 2 : NULL;
        }
        if (!have) {
            char *all = a->encoding ? jm__strdupf("%s, %.*s", a->encoding, (int)n, e)
                                    : jm__strdupf("%.*s", (int)n, e);
            free(a->encoding);
            a->encoding = all;
        }
        e = next ? next + 2 : NULL;
    }
    /* Times: the first state whose sample settled them fixes the log's format (as the first
     * file's sample does in one run); merge_state refuses states settled otherwise. */
    if (a->time_format == NULL || (!a->time_decided && h->time_decided)) {
        free(a->time_format);
        a->time_format = h->time_format;
        a->time_decided = h->time_decided;
        h->time_format = NULL;
    }
    a->has_end |= h->has_end;
    a->has_channel |= h->has_channel;
    a->cases += h->cases;
    a->journeys += h->journeys;
}

/* The body of a state: the step table, the waits by pair, each analysis's section. */
static bool merge_body(jm_merge *m, jm__state_r *r, const char **where)
{
    jm_report *rep = m->rep;
    *where = "its steps";
    jm__sr_steps(r);
    const char *key;
    size_t klen;
    jm__state_r *sec = jm__sr_section(r, &key, &klen);
    *where = "its waits by transition";
    if (sec == NULL || klen != 10 || memcmp(key, "pair_waits", 10) != 0) {
        jm__state_r_free(sec);
        return false;
    }
    size_t k = jm__sr_count(sec);
    for (size_t i = 0; i < k && jm__sr_ok(sec); i++) {
        uint32_t p = jm__sr_pair(sec, NULL, NULL);
        if (p >= rep->npair_wait)
            jm__grow_zeroed((void **)&rep->pair_wait, &rep->npair_wait, (size_t)p + 1,
                            sizeof *rep->pair_wait);
        size_t before = jm__vals_count(&rep->pair_wait[p]);
        jm__sr_vals(sec, &rep->pair_wait[p]);
        if (jm__vals_count(&rep->pair_wait[p]) == before)
            jm__sr_fail(sec);
    }
    bool ok = jm__sr_ok(sec) && jm__sr_at_end(sec);
    jm__state_r_free(sec);
    if (!ok)
        return false;
    for (size_t a = 0; a < NANALYSES; a++) {
        if (analyses[a]->save == NULL)
            continue;
        *where = analyses[a]->key;
        sec = jm__sr_section(r, &key, &klen);
        if (sec == NULL || klen != strlen(analyses[a]->key) ||
            memcmp(key, analyses[a]->key, klen) != 0) {
            jm__state_r_free(sec);
            return false;
        }
        void *st = analyses[a]->load(&rep->ctx, sec);
        ok = jm__sr_ok(sec) && jm__sr_at_end(sec);
        jm__state_r_free(sec);
        if (!ok) {
            analyses[a]->free(st);
            return false;
        }
        if (rep->st[a] == NULL) {
            rep->st[a] = st;
        } else {
            analyses[a]->merge(rep->st[a], st, &rep->ctx);
            analyses[a]->free(st);
        }
    }
    *where = "its end";
    return jm__sr_ok(r) && jm__sr_at_end(r);
}

/* Merge the state that r reads (its head h), named path in messages. */
static jm_status merge_state(jm_merge *m, const char *path, jm__state_head *h, jm__state_r *r)
{
    char *err = NULL;
    if (m->nstates > 0) {
        for (size_t i = 0; i < JM_STATE_NOPTS; i++) {
            /* The merge's own --pseudonymize may have changed the head's value. */
            const char *was = i == JM_STATE_OPT_PSEUDO ? m->states_pseudo : m->head.opt_value[i];
            if (strcmp(h->opt_value[i], was) == 0)
                continue;
            const char *name = jm__state_opt_name(i);
            err = jm__strdupf("%s: made with %s %s, but %s with %s %s: states merge only when "
                              "made with the same analysis options",
                              path, name, h->opt_value[i], m->first, name, was);
            return merge_fail(m, err);
        }
    } else {
        /* States of pseudonymized ids keep them (made with the merge's key, if it has one);
         * with --pseudonymize, the ids of states that are not are pseudonymized as named. */
        const char *pv = h->opt_value[JM_STATE_OPT_PSEUDO];
        char chk[21] = "off";
        if (m->opt.pseudo_key != NULL) {
            jm__pseudo_key_check(m->opt.pseudo_key, m->opt.pseudo_key_len, chk);
            if (strcmp(pv, "off") != 0 && strcmp(pv, chk) != 0)
                return merge_fail(m, jm__strdupf("%s: its ids were pseudonymized with another "
                                                 "--pseudonymize key (%s; this key is %s)",
                                                 path, pv, chk));
        }
        jm__state_head_apply(h, &m->opt);
        m->first = jm__xstrdup(path);
        m->states_pseudo = jm__xstrdup(pv);
        jm_report *rep = m->rep;
        if (m->opt.pseudo_key != NULL && strcmp(pv, "off") == 0) {
            pseudo_wrap(&rep->ps, &rep->ctx, &m->opt);
            rep->ctx.cust_key = m->opt.pseudo_key;
            rep->ctx.cust_key_len = m->opt.pseudo_key_len;
        }
        rep->pseudonymized = m->opt.pseudo_key != NULL || strcmp(pv, "off") != 0;
        if (m->opt.pseudo_key != NULL) {
            free(h->opt_value[JM_STATE_OPT_PSEUDO]);
            h->opt_value[JM_STATE_OPT_PSEUDO] = jm__xstrdup(chk);
        }
    }
    for (int role = 0; m->nstates > 0 && role < JM_ROLE_COUNT; role++) {
        if ((h->column[role] != NULL) == (m->head.column[role] != NULL))
            continue;
        /* One run refuses files whose headers give other roles (SPEC §1.1): so does a merge. */
        const jm__state_head *has = h->column[role] ? h : &m->head;
        return merge_fail(m, jm__strdupf("%s: its log %s a %s column (\"%s\"), but %s's %s; "
                                         "several files are one log only when their headers give "
                                         "the same roles",
                                         path, h->column[role] ? "has" : "has no",
                                         jm_role_key((jm_role)role), has->column[role], m->first,
                                         h->column[role] ? "has none" : "has"));
    }
    if (m->nstates > 0 && h->time_decided && m->head.time_decided &&
        strcmp(h->time_format, m->head.time_format) != 0)
        return merge_fail(m, jm__strdupf("%s: its times were read as %s, but %s's as %s: one run "
                                         "would read them all one way; make the states with the "
                                         "same --time-format",
                                         path, h->time_format, m->first, m->head.time_format));
    const char *where = NULL;
    if (!merge_body(m, r, &where))
        return merge_fail(m, jm__strdupf("%s: malformed jmine state (%s)", path, where));
    merge_head(m, h);
    m->nstates++;
    return JM_OK;
}

jm_status jm_merge_add_file(jm_merge *m, const char *path)
{
    if (m->failed || m->rep == NULL)
        return JM_EUSAGE;
    jm__state_head h;
    jm__state_r *r = NULL;
    void *buf = NULL;
    char *err = NULL;
    if (jm__state_open(path, &m->tables, &h, &r, &buf, &err) != JM_OK)
        return merge_fail(m, err);
    jm_status st = merge_state(m, path, &h, r);
    jm__state_r_free(r);
    free(buf);
    jm__state_head_free(&h);
    return st;
}

jm_status jm_merge_add_state(jm_merge *m, const char *name, const void *bytes, size_t n)
{
    if (m->failed || m->rep == NULL)
        return JM_EUSAGE;
    jm__state_head h;
    jm__state_r *r = NULL;
    char *err = NULL;
    if (jm__state_read(name, bytes, n, &m->tables, &h, &r, &err) != JM_OK)
        return merge_fail(m, err);
    jm_status st = merge_state(m, name, &h, r);
    jm__state_r_free(r);
    jm__state_head_free(&h);
    return st;
}

jm_status jm_merge_report(jm_merge *m, jm_report **out)
{
    if (m->failed || m->rep == NULL || m->nstates == 0)
        return JM_EUSAGE;
    jm_report *rep = m->rep;
    jm_log *log = m->log;
    /* Every transition has its waits: else the state lied, and percentiles would have none. */
    uint32_t npairs = jm__pairs_count(rep->pairs);
    for (uint32_t p = 0; p < npairs; p++) {
        if (p >= rep->npair_wait || jm__vals_count(&rep->pair_wait[p]) == 0) {
            free(m->err);
            m->err = jm__strdupf("%s: malformed jmine state (a transition without waits)",
                                 m->first);
            m->failed = true;
            return JM_EINPUT;
        }
    }
    /* The writers read the accounting from the log. */
    const jm__state_head *h = &m->head;
    log->stats = h->stats;
    log->files = jm__xcalloc(h->stats.files ? h->stats.files : 1, sizeof *log->files);
    log->files_cap = h->stats.files;
    for (size_t i = 0; i < h->stats.files; i++)
        log->files[i] = jm__xstrdup(h->files[i]);
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        log->column[r] = h->column[r] ? jm__xstrdup(h->column[r]) : NULL;
    log->has_end = h->has_end;
    log->has_channel = h->has_channel;
    log->has_lifecycle = h->has_lifecycle;
    free(log->encoding);
    log->encoding = jm__xstrdup(h->encoding ? h->encoding : "UTF-8");
    free(log->time_format);
    log->time_format = jm__xstrdup(h->time_format ? h->time_format : jm__timefmt_name(log->tf));
    lifecycle_mode(log); /* the mode and its reason, as one run over every state's rows */
    rep->ctx.has_end = h->has_end || log->stats.lifecycle_mode == JM_LIFECYCLE_PAIR;
    rep->ctx.has_channel = h->has_channel;
    rep->ctx.has_customer = h->column[JM_ROLE_CUSTOMER] != NULL;
    rep->ctx.has_resource = h->column[JM_ROLE_RESOURCE] != NULL;
    rep->ctx.cases = h->cases;
    rep->ctx.journeys = h->journeys;
    for (size_t a = 0; a < NANALYSES; a++)
        if (rep->st[a] == NULL)
            rep->st[a] = analyses[a]->begin(&rep->ctx);
    finish_report(rep);
    *out = rep;
    m->rep = NULL;
    return JM_OK;
}
