/* SPDX-License-Identifier: MIT */
/* Business time (SPEC §9): each wait also measured inside the opening hours of --calendar (in
 * --tz, --holidays closed), by the channel of the event that ends it; waits.business. */
#include "analysis.h"
#include "../bizcal.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* "Long even in business hours": a median business wait of a working day or more. */
#define LONG_BUSINESS_MS (8 * INT64_C(3600000))

typedef struct business {
    jm__bizcal *cal;  /* NULL without --calendar (or a calendar that does not parse) */
    int *entry;       /* by channel id + 1 (0: no channel): the calendar's entry */
    size_t nentry;
    jm__vals *w;      /* by pair id: the business part of each wait */
    size_t nw;
    uint64_t long_waits; /* business part over --long-wait */
    uint32_t *order;     /* pair ids with waits, by total business wait */
    int64_t *total;      /* by pair id, once finished */
    size_t norder;
} business;

static void *b_begin(const jm__ctx *ctx)
{
    business *s = jm__xcalloc(1, sizeof *s);
    const jm_options *opt = ctx->opt;
    if (opt->calendar == NULL)
        return s;
    char *err = NULL;
    s->cal = jm__bizcal_new(opt->calendar, opt->tz, opt->holidays, &err);
    free(err); /* jm_log_new refused it already */
    if (s->cal == NULL)
        return s;
    /* Journeys are rebuilt once every channel is known: each one's entry is settled here. */
    s->nentry = (size_t)jm__intern_count(ctx->chans) + 1;
    s->entry = jm__xmalloc(s->nentry * sizeof *s->entry);
    s->entry[0] = jm__bizcal_entry(s->cal, NULL, 0);
    for (size_t c = 1; c < s->nentry; c++) {
        size_t n;
        const char *name = jm__intern_str(ctx->chans, (uint32_t)(c - 1), &n);
        s->entry[c] = jm__bizcal_entry(s->cal, name, n);
    }
    return s;
}

static jm__vals *vals_of(business *s, uint32_t pair)
{
    if (pair >= s->nw)
        jm__grow_zeroed((void **)&s->w, &s->nw, (size_t)pair + 1, sizeof *s->w);
    return &s->w[pair];
}

static void b_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    business *s = st;
    if (s->cal == NULL)
        return;
    for (size_t i = 1; i < j->n; i++) {
        uint32_t ch = j->chan[i];
        size_t slot = ch == JM_NO_CHANNEL || ch + 1 >= s->nentry ? 0 : (size_t)ch + 1;
        /* The wait as waits.c has it: from the end before to this start, floored at 0. */
        int64_t a = j->end[i - 1], b = j->start[i];
        int64_t ms = jm__bizcal_ms(s->cal, s->entry[slot], a, b);
        jm__vals_push(vals_of(s, j->pair[i]), ms);
        s->long_waits += ms > ctx->opt->long_wait_ms;
    }
}

static void b_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    business *a = into;
    const business *b = from;
    for (size_t p = 0; p < b->nw; p++)
        if (jm__vals_count(&b->w[p]) > 0)
            jm__vals_append(vals_of(a, (uint32_t)p), &b->w[p]);
    a->long_waits += b->long_waits;
}

static int pair_name_cmp(const jm__ctx *ctx, uint32_t x, uint32_t y)
{
    uint32_t a1, a2, b1, b2;
    jm__pairs_get(ctx->pairs, x, &a1, &a2);
    jm__pairs_get(ctx->pairs, y, &b1, &b2);
    int c = jm__intern_cmp(ctx->steps, a1, b1);
    return c ? c : jm__intern_cmp(ctx->steps, a2, b2);
}

/* Most business time in all first; ties by the steps' names. */
static int by_total(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const business *s = d[0];
    uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    if (s->total[x] != s->total[y])
        return s->total[x] > s->total[y] ? -1 : 1;
    return pair_name_cmp(d[1], x, y);
}

static int64_t vals_sum(const jm__vals *l)
{
    int64_t t = 0;
    for (size_t i = 0; i < l->n; i++)
        t += l->small[i];
    for (size_t i = 0; i < l->nbig; i++)
        t += l->big[i];
    return t;
}

static void b_finish(void *st, const jm__ctx *ctx)
{
    business *s = st;
    s->order = jm__xmalloc((s->nw ? s->nw : 1) * sizeof *s->order);
    s->total = jm__xcalloc(s->nw ? s->nw : 1, sizeof *s->total);
    s->norder = 0;
    for (size_t p = 0; p < s->nw; p++) {
        if (jm__vals_count(&s->w[p]) == 0)
            continue;
        jm__vals_sort(&s->w[p]);
        s->total[p] = vals_sum(&s->w[p]);
        s->order[s->norder++] = (uint32_t)p;
    }
    const void *data[2] = {s, ctx};
    jm__sort(s->order, s->norder, sizeof *s->order, by_total, (void *)data);
}

static void b_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const business *s = st;
    jm__m_cstr(m, sec, "calendar", ctx->opt->calendar);
    jm__m_cstr(m, sec, "time_zone", ctx->opt->tz ? ctx->opt->tz : "UTC");
    jm__m_cstr(m, sec, "holidays", ctx->opt->holidays_file);
    jm__m_uint(m, sec, "long_waits", s->long_waits);
    jm__mval *a = jm__m_arr(m, sec, "by_transition");
    for (size_t r = 0; r < s->norder; r++) {
        uint32_t p = s->order[r], x, y;
        jm__pairs_get(ctx->pairs, p, &x, &y);
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->steps, x, &nf);
        const char *t = jm__intern_str(ctx->steps, y, &nt);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "from", f, nf);
        jm__m_str(m, o, "to", t, nt);
        jm__m_uint(m, o, "count", jm__vals_count(&s->w[p]));
        jm__m_ms(m, o, "median_s", jm__vals_pct(&s->w[p], 50));
        jm__m_ms(m, o, "p90_s", jm__vals_pct(&s->w[p], 90));
        jm__m_ms(m, o, "total_s", s->total[p]);
    }
}

/* "Where to act first": transitions whose median wait is a working day or more even counted
 * in business hours; journeys: the waits there of that length or more. */
static void b_findings(const void *st, const jm__ctx *ctx, jm__findings *out)
{
    const business *s = st;
    for (size_t r = 0, k = 0; r < s->norder && k < 3; r++) {
        uint32_t p = s->order[r], x, y;
        const jm__vals *l = &s->w[p];
        int64_t med = jm__vals_pct(l, 50);
        if (med < LONG_BUSINESS_MS)
            continue;
        /* Waits of a working day or more. */
        uint64_t n = 0;
        for (size_t i = 0; i < l->n; i++)
            n += l->small[i] >= LONG_BUSINESS_MS;
        for (size_t i = 0; i < l->nbig; i++)
            n += l->big[i] >= LONG_BUSINESS_MS;
        jm__pairs_get(ctx->pairs, p, &x, &y);
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->steps, x, &nf);
        const char *t = jm__intern_str(ctx->steps, y, &nt);
        char mb[32];
        jm__fmt_human(mb, med);
        jm__findings_add(out, "business_wait", n, jm__arrow(f, nf, t, nt),
                         jm__strdupf("customers wait here a median of %s even counting only "
                                     "opening hours",
                                     mb));
        k++;
    }
}

typedef struct pair_order {
    const jm__ctx *ctx;
    const jm__state_w *w;
} pair_order;

static int pair_by_index(const void *pa, const void *pb, void *data)
{
    const pair_order *d = data;
    uint32_t a1, a2, b1, b2;
    jm__pairs_get(d->ctx->pairs, *(const uint32_t *)pa, &a1, &a2);
    jm__pairs_get(d->ctx->pairs, *(const uint32_t *)pb, &b1, &b2);
    uint32_t x = jm__sw_step_index(d->w, a1), y = jm__sw_step_index(d->w, b1);
    if (x == y) {
        x = jm__sw_step_index(d->w, a2);
        y = jm__sw_step_index(d->w, b2);
    }
    return (x > y) - (x < y);
}

/* u long waits; u transitions; each (in step-table order): step from, step to, list. */
static void b_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    business *s = st;
    jm__sw_u64(w, s->long_waits);
    uint32_t *ids = jm__xmalloc((s->nw ? s->nw : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t p = 0; p < s->nw; p++)
        if (jm__vals_count(&s->w[p]) > 0)
            ids[k++] = (uint32_t)p;
    pair_order po = {ctx, w};
    jm__sort(ids, k, sizeof *ids, pair_by_index, &po);
    jm__sw_u64(w, k);
    for (size_t i = 0; i < k; i++) {
        uint32_t a, b;
        jm__pairs_get(ctx->pairs, ids[i], &a, &b);
        jm__sw_step(w, a);
        jm__sw_step(w, b);
        jm__sw_vals(w, &s->w[ids[i]]);
    }
    free(ids);
}

static void *b_load(const jm__ctx *ctx, jm__state_r *r)
{
    (void)ctx;
    business *s = jm__xcalloc(1, sizeof *s);
    s->long_waits = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        uint32_t p = jm__sr_pair(r, NULL, NULL);
        jm__vals *l = vals_of(s, p);
        size_t before = jm__vals_count(l);
        jm__sr_vals(r, l);
        if (before != 0 || jm__vals_count(l) == 0)
            jm__sr_fail(r);
    }
    return s;
}

static void b_free(void *st)
{
    business *s = st;
    jm__bizcal_free(s->cal);
    free(s->entry);
    for (size_t p = 0; p < s->nw; p++)
        jm__vals_free(&s->w[p]);
    free(s->w);
    free(s->order);
    free(s->total);
    free(s);
}

const jm__analysis jm__business_analysis = {
    .key = "waits.business",
    .begin = b_begin,
    .add = b_add,
    .merge = b_merge,
    .finish = b_finish,
    .model = b_model,
    .findings = b_findings,
    .free = b_free,
    .save = b_save,
    .load = b_load,
};
