/* SPDX-License-Identifier: MIT */
/* Journey counts and distributions: contacts and channels per journey, durations. */
#include "analysis.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* A histogram of small non-negative integers: exact quantiles, and histograms add on merge. */
typedef struct hist {
    uint64_t *n; /* n[k]: journeys with value k */
    size_t cap;
    uint64_t total;
} hist;

typedef struct jstats {
    uint64_t journeys;
    hist contacts, channels;
    jm__vals dur;
    int64_t sum_ms;
    /* Journeys from states of logs without a channel column, merged into a log with one:
     * none of their events has a channel, so they count at 0 channels when finished. */
    uint64_t nochan;
} jstats;

static void hist_add(hist *h, size_t k, uint64_t count)
{
    if (k >= h->cap)
        jm__grow_zeroed((void **)&h->n, &h->cap, k + 1, sizeof *h->n);
    h->n[k] += count;
    h->total += count;
}

/* The nearest-rank pct-th percentile; h must not be empty. */
static size_t hist_pct(const hist *h, unsigned pct)
{
    uint64_t want = jm__rank(h->total, pct), seen = 0;
    for (size_t k = 0; k < h->cap; k++) {
        seen += h->n[k];
        if (seen >= want)
            return k;
    }
    return h->cap - 1;
}

static size_t hist_max(const hist *h)
{
    size_t k = h->cap;
    while (k > 0 && h->n[k - 1] == 0)
        k--;
    return k ? k - 1 : 0;
}

static void *j_begin(const jm__ctx *ctx)
{
    (void)ctx;
    return jm__xcalloc(1, sizeof(jstats));
}

/* jm__journey_channels, inlined into j_add. Journeys are short, so a small list of the
 * channels seen does. */
static inline size_t channels_of(const uint32_t *chan, size_t n)
{
    uint32_t seen[16];
    size_t k = 0;
    uint32_t *big = NULL;
    uint32_t *list = seen;
    size_t cap = 16;
    for (size_t i = 0; i < n; i++) {
        if (chan[i] == JM_NO_CHANNEL)
            continue;
        size_t j = 0;
        while (j < k && list[j] != chan[i])
            j++;
        if (j < k)
            continue;
        if (k == cap) {
            big = jm__xmalloc(n * sizeof *big);
            memcpy(big, list, k * sizeof *big);
            list = big;
            cap = n;
        }
        list[k++] = chan[i];
    }
    free(big);
    return k;
}

size_t jm__journey_channels(const uint32_t *chan, size_t n)
{
    return channels_of(chan, n);
}

static void j_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    jstats *s = st;
    s->journeys++;
    hist_add(&s->contacts, j->n, 1);
    if (ctx->has_channel)
        hist_add(&s->channels, channels_of(j->chan, j->n), 1);
    int64_t d = j->last_end - j->first_start;
    jm__vals_push(&s->dur, d);
    s->sum_ms += d;
}

static void j_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    jstats *a = into;
    const jstats *b = from;
    a->journeys += b->journeys;
    for (size_t k = 0; k < b->contacts.cap; k++)
        if (b->contacts.n[k])
            hist_add(&a->contacts, k, b->contacts.n[k]);
    for (size_t k = 0; k < b->channels.cap; k++)
        if (b->channels.n[k])
            hist_add(&a->channels, k, b->channels.n[k]);
    jm__vals_append(&a->dur, &b->dur);
    a->sum_ms += b->sum_ms;
    a->nochan += b->nochan;
}

static void j_finish(void *st, const jm__ctx *ctx)
{
    jstats *s = st;
    if (ctx->has_channel && s->nochan > 0) {
        hist_add(&s->channels, 0, s->nochan);
        s->nochan = 0;
    }
    jm__vals_sort(&s->dur);
}

static void hist_save(const hist *h, jm__state_w *w)
{
    size_t n = 0;
    for (size_t k = 0; k < h->cap; k++)
        n += h->n[k] != 0;
    jm__sw_u64(w, n);
    for (size_t k = 0; k < h->cap; k++) {
        if (h->n[k] == 0)
            continue;
        jm__sw_u64(w, k);
        jm__sw_u64(w, h->n[k]);
    }
}

static void hist_load(hist *h, jm__state_r *r)
{
    size_t n = jm__sr_count(r);
    for (size_t i = 0; i < n && jm__sr_ok(r); i++) {
        uint64_t k = jm__sr_u64(r), c = jm__sr_u64(r);
        /* A journey's contacts or channels: never more than the events of a state. */
        if (k > UINT32_MAX || k > jm__sr_limit(r) || c == 0) {
            jm__sr_fail(r);
            return;
        }
        hist_add(h, (size_t)k, c);
    }
}

/* journeys, sum of durations, contacts per journey, channels per journey (without a channel
 * column: none), durations. */
static void j_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    jstats *s = st;
    jm__sw_u64(w, s->journeys);
    jm__sw_i64(w, s->sum_ms);
    hist_save(&s->contacts, w);
    if (ctx->has_channel)
        hist_save(&s->channels, w);
    jm__sw_vals(w, &s->dur);
}

static void *j_load(const jm__ctx *ctx, jm__state_r *r)
{
    jstats *s = j_begin(ctx);
    s->journeys = jm__sr_u64(r);
    s->sum_ms = jm__sr_i64(r);
    hist_load(&s->contacts, r);
    if (jm__sr_has_channel(r))
        hist_load(&s->channels, r);
    else
        s->nochan = s->journeys;
    jm__sr_vals(r, &s->dur);
    if (jm__vals_count(&s->dur) != s->journeys)
        jm__sr_fail(r);
    return s;
}

static void hist_model(jm__model *m, jm__mval *sec, const char *key, const hist *h,
                       const char *unit)
{
    jm__mval *o = jm__m_obj(m, sec, key);
    if (h->total == 0) {
        jm__m_null(m, o, "median");
        jm__m_null(m, o, "p90");
        jm__m_null(m, o, "max");
    } else {
        jm__m_uint(m, o, "median", hist_pct(h, 50));
        jm__m_uint(m, o, "p90", hist_pct(h, 90));
        jm__m_uint(m, o, "max", hist_max(h));
    }
    jm__mval *a = jm__m_arr(m, o, "histogram");
    for (size_t k = 0; k < h->cap; k++) {
        if (h->n[k] == 0)
            continue;
        jm__mval *row = jm__m_obj(m, a, NULL);
        jm__m_uint(m, row, unit, k);
        jm__m_uint(m, row, "journeys", h->n[k]);
    }
}

/* The durations' histogram on a log scale (the analyst's page draws it): journeys by bucket,
 * each from its bound (inclusive) to the next (exclusive), the last open; in milliseconds. */
static const int64_t dur_bound[] = {0,
                                    1000,
                                    10000,
                                    60000,
                                    600000,
                                    3600000,
                                    6 * 3600000LL,
                                    86400000LL,
                                    7 * 86400000LL,
                                    30 * 86400000LL,
                                    365 * 86400000LL};
#define NDUR (sizeof dur_bound / sizeof dur_bound[0])

static size_t dur_bucket(int64_t ms)
{
    size_t b = 0;
    while (b + 1 < NDUR && ms >= dur_bound[b + 1])
        b++;
    return b;
}

static void dur_histogram(jm__model *m, jm__mval *d, const jm__vals *v)
{
    uint64_t n[NDUR] = {0};
    for (size_t i = 0; i < v->n; i++)
        n[dur_bucket(v->small[i])]++;
    for (size_t i = 0; i < v->nbig; i++)
        n[dur_bucket(v->big[i])]++;
    jm__mval *a = jm__m_arr(m, d, "histogram");
    if (jm__vals_count(v) == 0)
        return;
    for (size_t b = 0; b < NDUR; b++) {
        jm__mval *row = jm__m_obj(m, a, NULL);
        jm__m_ms(m, row, "from_s", dur_bound[b]);
        if (b + 1 < NDUR)
            jm__m_ms(m, row, "to_s", dur_bound[b + 1]);
        else
            jm__m_null(m, row, "to_s");
        jm__m_uint(m, row, "journeys", n[b]);
    }
}

static void j_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const jstats *s = st;
    jm__m_uint(m, sec, "count", s->journeys);
    jm__m_uint(m, sec, "cases", ctx->cases);
    hist_model(m, sec, "contacts", &s->contacts, "contacts");
    if (ctx->has_channel)
        hist_model(m, sec, "channels", &s->channels, "channels");
    else
        jm__m_null(m, sec, "channels");
    jm__mval *d = jm__m_obj(m, sec, "duration_s");
    if (jm__vals_count(&s->dur) == 0) {
        jm__m_null(m, d, "median");
        jm__m_null(m, d, "p90");
        jm__m_null(m, d, "max");
    } else {
        jm__m_ms(m, d, "median", jm__vals_pct(&s->dur, 50));
        jm__m_ms(m, d, "p90", jm__vals_pct(&s->dur, 90));
        jm__m_ms(m, d, "max", jm__vals_pct(&s->dur, 100));
    }
    jm__m_mean_ms(m, d, "mean", s->sum_ms, jm__vals_count(&s->dur));
    dur_histogram(m, d, &s->dur);
}

static void j_free(void *st)
{
    jstats *s = st;
    free(s->contacts.n);
    free(s->channels.n);
    jm__vals_free(&s->dur);
    free(s);
}

const jm__analysis jm__journeys_analysis = {
    .key = "journeys",
    .begin = j_begin,
    .add = j_add,
    .merge = j_merge,
    .finish = j_finish,
    .model = j_model,
    .free = j_free,
    .save = j_save,
    .load = j_load,
};
