/* SPDX-License-Identifier: MIT */
/* Waits: the time between one event's end and the next one's start, per transition, and the
 * long ones; handling time per step where the log has end times. */
#include "analysis.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LONGEST 10 /* waits listed in waits.longest */

typedef struct transition {
    uint32_t from, to; /* step ids */
    uint64_t count;
    int64_t total_ms;
    uint64_t long_waits;
    uint64_t long_journeys; /* journeys with a long wait on this transition */
    uint64_t stamp;
    uint32_t pair; /* its waits are ctx->pair_wait[pair] */
} transition;

typedef struct long_wait {
    uint32_t cas, from, to;
    int64_t wait, at, until;
} long_wait;

typedef struct handling {
    uint64_t count;
    int64_t total_ms;
    jm__vals dur;
    uint64_t zeros; /* handling times of 0 still to add to dur: from a state of a log without an
                       end column, merged into one with end times */
} handling;

typedef struct waits {
    transition *tr; /* by pair id; a pair this analysis never saw has count 0 */
    size_t ntr;
    size_t nrank; /* transitions with a count, in order after finish */
    uint64_t long_waits, journeys_with_long_wait, overlaps, journey;
    long_wait longest[LONGEST];
    size_t nlongest;
    handling *hd; /* by step id */
    size_t nhd;
    uint32_t *order, *hd_order;
    size_t nhd_rank;
} waits;

static void *w_begin(const jm__ctx *ctx)
{
    (void)ctx;
    return jm__xcalloc(1, sizeof(waits));
}

static transition *tr_at(waits *s, const jm__ctx *ctx, uint32_t pair)
{
    if (pair >= s->ntr)
        jm__grow_zeroed((void **)&s->tr, &s->ntr, (size_t)pair + 1, sizeof *s->tr);
    transition *t = &s->tr[pair];
    if (t->count == 0) {
        jm__pairs_get(ctx->pairs, pair, &t->from, &t->to);
        t->pair = pair;
    }
    return t;
}

/* The order of waits.longest: longer first, then by case id, time and step names, a total order
 * so that the list is the same whatever order journeys arrive in. */
static int longer(const jm__ctx *ctx, const long_wait *a, const long_wait *b)
{
    if (a->wait != b->wait)
        return a->wait > b->wait ? -1 : 1;
    int c = ctx->case_cmp(ctx->case_data, a->cas, b->cas);
    if (c != 0)
        return c;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    c = jm__intern_cmp(ctx->steps, a->from, b->from);
    return c ? c : jm__intern_cmp(ctx->steps, a->to, b->to);
}

static void offer_longest(waits *s, const jm__ctx *ctx, const long_wait *w)
{
    if (s->nlongest == LONGEST && longer(ctx, w, &s->longest[LONGEST - 1]) >= 0)
        return;
    size_t i = s->nlongest < LONGEST ? s->nlongest++ : LONGEST - 1;
    while (i > 0 && longer(ctx, w, &s->longest[i - 1]) < 0) {
        s->longest[i] = s->longest[i - 1];
        i--;
    }
    s->longest[i] = *w;
}

static handling *hd_of(waits *s, uint32_t step)
{
    if (step >= s->nhd)
        jm__grow_zeroed((void **)&s->hd, &s->nhd, (size_t)step + 1, sizeof *s->hd);
    return &s->hd[step];
}

/* The one definition of a gap and a wait (SPEC §4), inlined here and in the functions below. */
static inline int64_t gap_at(const jm__journey *j, size_t i)
{
    return j->start[i] - j->end[i - 1];
}

int64_t jm__wait_at(const jm__journey *j, size_t i)
{
    int64_t w = gap_at(j, i);
    return w > 0 ? w : 0;
}

int64_t jm__journey_longest_wait(const jm__journey *j)
{
    int64_t most = 0;
    for (size_t i = 1; i < j->n; i++)
        if (gap_at(j, i) > most)
            most = gap_at(j, i);
    return most;
}

static void w_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    waits *s = st;
    uint64_t jid = ++s->journey;
    bool any_long = false;
    int64_t threshold = ctx->opt->long_wait_ms;
    for (size_t i = 0; i < j->n; i++) {
        /* Steps are counted without an end column too: a state of such a log merged into
         * one with end times gives each of its events a handling time of 0, as one run does. */
        handling *h = hd_of(s, j->step[i]);
        h->count++;
        if (ctx->has_end) {
            h->total_ms += j->end[i] - j->start[i];
            jm__vals_push(&h->dur, j->end[i] - j->start[i]);
        }
        if (i == 0)
            continue;
        int64_t w = gap_at(j, i);
        if (w < 0) {
            s->overlaps++;
            w = 0;
        }
        transition *t = tr_at(s, ctx, j->pair[i]);
        t->count++;
        t->total_ms += w;
        if (w > threshold) {
            s->long_waits++;
            t->long_waits++;
            if (t->stamp != jid) {
                t->stamp = jid;
                t->long_journeys++;
            }
            any_long = true;
        }
        long_wait lw = {j->cas, j->step[i - 1], j->step[i], w, j->end[i - 1], j->start[i]};
        offer_longest(s, ctx, &lw);
    }
    if (any_long)
        s->journeys_with_long_wait++;
}

static void w_merge(void *into, const void *from, const jm__ctx *ctx)
{
    waits *a = into;
    const waits *b = from;
    for (size_t i = 0; i < b->ntr; i++) {
        const transition *y = &b->tr[i];
        if (y->count == 0)
            continue;
        transition *x = tr_at(a, ctx, (uint32_t)i);
        x->count += y->count;
        x->total_ms += y->total_ms;
        x->long_waits += y->long_waits;
        x->long_journeys += y->long_journeys;
    }
    for (size_t i = 0; i < b->nhd; i++) {
        if (b->hd[i].count == 0)
            continue;
        handling *h = hd_of(a, (uint32_t)i);
        h->count += b->hd[i].count;
        h->total_ms += b->hd[i].total_ms;
        jm__vals_append(&h->dur, &b->hd[i].dur);
        h->zeros += b->hd[i].zeros;
    }
    a->long_waits += b->long_waits;
    a->journeys_with_long_wait += b->journeys_with_long_wait;
    a->overlaps += b->overlaps;
    for (size_t i = 0; i < b->nlongest; i++)
        offer_longest(a, ctx, &b->longest[i]);
}

/* Transitions ranked by total wait, then count, then step names. */
static int by_total(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const waits *s = d[0];
    const jm__ctx *ctx = d[1];
    const transition *x = &s->tr[*(const uint32_t *)pa], *y = &s->tr[*(const uint32_t *)pb];
    if (x->total_ms != y->total_ms)
        return x->total_ms > y->total_ms ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = jm__intern_cmp(ctx->steps, x->from, y->from);
    return c ? c : jm__intern_cmp(ctx->steps, x->to, y->to);
}

/* Steps ranked by total handling time, then count, then name. */
static int by_handling(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const waits *s = d[0];
    const jm__ctx *ctx = d[1];
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const handling *x = &s->hd[a], *y = &s->hd[b];
    if (x->total_ms != y->total_ms)
        return x->total_ms > y->total_ms ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return jm__intern_cmp(ctx->steps, a, b);
}

static size_t listed(size_t n, const jm__ctx *ctx)
{
    return ctx->opt->top && ctx->opt->top < n ? ctx->opt->top : n;
}

static void w_finish(void *st, const jm__ctx *ctx)
{
    waits *s = st;
    const void *data[2] = {s, ctx};
    s->order = jm__xmalloc((s->ntr ? s->ntr : 1) * sizeof *s->order);
    for (size_t i = 0; i < s->ntr; i++) {
        if (s->tr[i].count == 0)
            continue;
        s->order[s->nrank++] = (uint32_t)i;
    }
    jm__sort(s->order, s->nrank, sizeof *s->order, by_total, (void *)data);
    for (size_t i = 0; ctx->has_end && i < s->nhd; i++) {
        for (; s->hd[i].zeros > 0; s->hd[i].zeros--)
            jm__vals_push(&s->hd[i].dur, 0);
    }
    s->hd_order = jm__xmalloc((s->nhd ? s->nhd : 1) * sizeof *s->hd_order);
    for (size_t i = 0; i < s->nhd; i++)
        if (s->hd[i].count != 0)
            s->hd_order[s->nhd_rank++] = (uint32_t)i;
    jm__sort(s->hd_order, s->nhd_rank, sizeof *s->hd_order, by_handling, (void *)data);
    /* Handling times are shown for the steps listed only: the others' are not sorted. */
    for (size_t r = 0; r < (ctx->opt->full_rankings ? s->nhd_rank : listed(s->nhd_rank, ctx));
         r++)
        jm__vals_sort(&s->hd[s->hd_order[r]].dur);
}

static void w_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const waits *s = st;
    jm__m_ms(m, sec, "threshold_s", ctx->opt->long_wait_ms);
    jm__m_uint(m, sec, "long_waits", s->long_waits);
    jm__m_uint(m, sec, "journeys_with_long_wait", s->journeys_with_long_wait);
    jm__m_uint(m, sec, "overlaps", s->overlaps);
    jm__mval *a = jm__m_arr(m, sec, "by_transition");
    for (size_t r = 0; r < listed(s->nrank, ctx); r++) {
        const transition *t = &s->tr[s->order[r]];
        const jm__vals *pw = &ctx->pair_wait[t->pair];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->steps, t->from, &nf);
        const char *to = jm__intern_str(ctx->steps, t->to, &nt);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "from", f, nf);
        jm__m_str(m, o, "to", to, nt);
        jm__m_uint(m, o, "count", t->count);
        jm__m_ms(m, o, "median_s", jm__vals_pct(pw, 50));
        jm__m_ms(m, o, "p90_s", jm__vals_pct(pw, 90));
        jm__m_ms(m, o, "max_s", jm__vals_pct(pw, 100));
        jm__m_ms(m, o, "total_s", t->total_ms);
        jm__m_uint(m, o, "long_waits", t->long_waits);
        jm__m_uint(m, o, "journeys_with_long_wait", t->long_journeys);
    }
    a = jm__m_arr(m, sec, "longest");
    for (size_t i = 0; i < s->nlongest; i++) {
        const long_wait *l = &s->longest[i];
        size_t nc, nf, nt;
        const char *c = ctx->case_name(ctx->case_data, l->cas, &nc);
        const char *f = jm__intern_str(ctx->steps, l->from, &nf);
        const char *t = jm__intern_str(ctx->steps, l->to, &nt);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "case", c, nc);
        jm__m_str(m, o, "from", f, nf);
        jm__m_str(m, o, "to", t, nt);
        jm__m_ms(m, o, "wait_s", l->wait);
        jm__m_time(m, o, "at", l->at);
        jm__m_time(m, o, "until", l->until);
    }
    if (!ctx->has_end) {
        jm__m_null(m, sec, "handling_by_step");
        return;
    }
    a = jm__m_arr(m, sec, "handling_by_step");
    for (size_t r = 0; r < (ctx->opt->full_rankings ? s->nhd_rank : listed(s->nhd_rank, ctx));
         r++) {
        uint32_t x = s->hd_order[r];
        const handling *h = &s->hd[x];
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x, &n);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "step", name, n);
        jm__m_uint(m, o, "count", h->count);
        jm__m_ms(m, o, "median_s", jm__vals_pct(&h->dur, 50));
        jm__m_ms(m, o, "p90_s", jm__vals_pct(&h->dur, 90));
        jm__m_ms(m, o, "total_s", h->total_ms);
    }
}

static int by_long_journeys(const void *pa, const void *pb, void *data)
{
    const waits *s = data;
    uint64_t x = s->tr[*(const uint32_t *)pa].long_journeys;
    uint64_t y = s->tr[*(const uint32_t *)pb].long_journeys;
    return (x < y) - (x > y);
}

static void w_findings(const void *st, const jm__ctx *ctx, jm__findings *out)
{
    const waits *s = st;
    /* The transitions whose long waits touch the most journeys; a stable sort keeps the
     * ranking by total wait among equals. */
    uint32_t *cand = jm__xmalloc((s->nrank ? s->nrank : 1) * sizeof *cand);
    size_t nc = 0;
    for (size_t r = 0; r < s->nrank; r++)
        if (s->tr[s->order[r]].long_journeys > 0)
            cand[nc++] = s->order[r];
    jm__sort(cand, nc, sizeof *cand, by_long_journeys, (void *)s);
    size_t nb = nc < 5 ? nc : 5;
    const uint32_t *best = cand;
    for (size_t i = 0; i < nb; i++) {
        const transition *t = &s->tr[best[i]];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->steps, t->from, &nf);
        const char *to = jm__intern_str(ctx->steps, t->to, &nt);
        char *what = jm__arrow(f, nf, to, nt);
        char med[32], th[32];
        jm__fmt_human(med, jm__vals_pct(&ctx->pair_wait[t->pair], 50));
        jm__fmt_human(th, ctx->opt->long_wait_ms);
        /* How many of the waits are long, beside the median of them all: "median 37s" alone
         * read as a contradiction of "wait over 2d". */
        jm__findings_add(out, "wait", t->long_journeys, what,
                         jm__strdupf("%" PRIu64 " of %" PRIu64 " wait%s here %s over %s (the "
                                     "median wait here is %s)",
                                     t->long_waits, t->count, t->count == 1 ? "" : "s",
                                     t->long_waits == 1 ? "is" : "are", th, med));
    }
    free(cand);
}

/* Transitions and steps in the order of their steps' indices in the state's table. */
typedef struct save_ctx {
    const waits *s;
    const jm__state_w *w;
} save_ctx;

static int tr_by_index(const void *pa, const void *pb, void *data)
{
    const save_ctx *d = data;
    const transition *x = &d->s->tr[*(const uint32_t *)pa], *y = &d->s->tr[*(const uint32_t *)pb];
    uint32_t a = jm__sw_step_index(d->w, x->from), b = jm__sw_step_index(d->w, y->from);
    if (a == b) {
        a = jm__sw_step_index(d->w, x->to);
        b = jm__sw_step_index(d->w, y->to);
    }
    return (a > b) - (a < b);
}

static int step_by_index(const void *pa, const void *pb, void *data)
{
    const save_ctx *d = data;
    uint32_t a = jm__sw_step_index(d->w, *(const uint32_t *)pa);
    uint32_t b = jm__sw_step_index(d->w, *(const uint32_t *)pb);
    return (a > b) - (a < b);
}

/* Totals; each transition (from, to, count, total, long waits, journeys with one); the longest
 * waits (case, from, to, wait, at, until); each step's handling (count; with an end column,
 * total and times). */
static void w_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    waits *s = st;
    save_ctx d = {s, w};
    jm__sw_u64(w, s->long_waits);
    jm__sw_u64(w, s->journeys_with_long_wait);
    jm__sw_u64(w, s->overlaps);
    size_t most = s->ntr > s->nhd ? s->ntr : s->nhd;
    uint32_t *ids = jm__xmalloc((most ? most : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < s->ntr; i++)
        if (s->tr[i].count != 0)
            ids[k++] = (uint32_t)i;
    jm__sort(ids, k, sizeof *ids, tr_by_index, &d);
    jm__sw_u64(w, k);
    for (size_t r = 0; r < k; r++) {
        const transition *t = &s->tr[ids[r]];
        jm__sw_step(w, t->from);
        jm__sw_step(w, t->to);
        jm__sw_u64(w, t->count);
        jm__sw_i64(w, t->total_ms);
        jm__sw_u64(w, t->long_waits);
        jm__sw_u64(w, t->long_journeys);
    }
    jm__sw_u64(w, s->nlongest);
    for (size_t i = 0; i < s->nlongest; i++) {
        const long_wait *l = &s->longest[i];
        size_t nc;
        const char *c = ctx->case_name(ctx->case_data, l->cas, &nc);
        jm__sw_bytes(w, c, nc);
        jm__sw_step(w, l->from);
        jm__sw_step(w, l->to);
        jm__sw_i64(w, l->wait);
        jm__sw_i64(w, l->at);
        jm__sw_i64(w, l->until);
    }
    k = 0;
    for (size_t i = 0; i < s->nhd; i++)
        if (s->hd[i].count != 0)
            ids[k++] = (uint32_t)i;
    jm__sort(ids, k, sizeof *ids, step_by_index, &d);
    jm__sw_u64(w, k);
    for (size_t r = 0; r < k; r++) {
        handling *h = &s->hd[ids[r]];
        jm__sw_step(w, ids[r]);
        jm__sw_u64(w, h->count);
        if (ctx->has_end) {
            jm__sw_i64(w, h->total_ms);
            jm__sw_vals(w, &h->dur);
        }
    }
    free(ids);
}

static void *w_load(const jm__ctx *ctx, jm__state_r *r)
{
    waits *s = w_begin(ctx);
    s->long_waits = jm__sr_u64(r);
    s->journeys_with_long_wait = jm__sr_u64(r);
    s->overlaps = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        transition *t = tr_at(s, ctx, jm__sr_pair(r, NULL, NULL));
        if (t->count != 0)
            jm__sr_fail(r); /* a transition listed twice */
        t->count = jm__sr_u64(r);
        t->total_ms = jm__sr_i64(r);
        t->long_waits = jm__sr_u64(r);
        t->long_journeys = jm__sr_u64(r);
        if (t->count == 0)
            jm__sr_fail(r);
    }
    k = jm__sr_count(r);
    if (k > LONGEST)
        jm__sr_fail(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        long_wait lw;
        lw.cas = jm__sr_case(r);
        lw.from = jm__sr_step(r);
        lw.to = jm__sr_step(r);
        lw.wait = jm__sr_i64(r);
        lw.at = jm__sr_i64(r);
        lw.until = jm__sr_i64(r);
        offer_longest(s, ctx, &lw);
    }
    k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        handling *h = hd_of(s, jm__sr_step(r));
        if (h->count != 0)
            jm__sr_fail(r); /* a step listed twice */
        h->count = jm__sr_u64(r);
        if (jm__sr_has_end(r)) {
            h->total_ms = jm__sr_i64(r);
            jm__sr_vals(r, &h->dur);
            if (jm__vals_count(&h->dur) != h->count)
                jm__sr_fail(r);
        } else {
            h->zeros = h->count;
        }
        if (h->count == 0 || h->count > jm__sr_limit(r))
            jm__sr_fail(r);
    }
    return s;
}

static void w_free(void *st)
{
    waits *s = st;
    for (size_t i = 0; i < s->nhd; i++)
        jm__vals_free(&s->hd[i].dur);
    free(s->tr);
    free(s->hd);
    free(s->order);
    free(s->hd_order);
    free(s);
}

const jm__analysis jm__waits_analysis = {
    .key = "waits",
    .begin = w_begin,
    .add = w_add,
    .merge = w_merge,
    .finish = w_finish,
    .model = w_model,
    .findings = w_findings,
    .free = w_free,
    .save = w_save,
    .load = w_load,
};
