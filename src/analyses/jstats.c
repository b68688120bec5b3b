/* SPDX-License-Identifier: MIT */
/* Journey counts and distributions: contacts and channels per journey, durations. */
#include "analysis.h"
#include "write/text.h"
#include "util.h"

#include <inttypes.h>
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

/* Distinct known channels among n events; journeys are short, so a small list does. */
static size_t distinct_channels(const uint32_t *chan, size_t n)
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

static void j_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    jstats *s = st;
    s->journeys++;
    hist_add(&s->contacts, j->n, 1);
    if (ctx->has_channel)
        hist_add(&s->channels, distinct_channels(j->chan, j->n), 1);
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

static void hist_json(jm__json *w, const char *key, const hist *h, const char *unit)
{
    jm__json_obj(w, key);
    if (h->total == 0) {
        jm__json_null(w, "median");
        jm__json_null(w, "p90");
        jm__json_null(w, "max");
    } else {
        jm__json_u64(w, "median", hist_pct(h, 50));
        jm__json_u64(w, "p90", hist_pct(h, 90));
        jm__json_u64(w, "max", hist_max(h));
    }
    jm__json_arr(w, "histogram");
    for (size_t k = 0; k < h->cap; k++) {
        if (h->n[k] == 0)
            continue;
        jm__json_obj(w, NULL);
        jm__json_u64(w, unit, k);
        jm__json_u64(w, "journeys", h->n[k]);
        jm__json_obj_end(w);
    }
    jm__json_arr_end(w);
    jm__json_obj_end(w);
}

static void j_json(const void *st, const jm__ctx *ctx, jm__json *w)
{
    const jstats *s = st;
    jm__json_u64(w, "count", s->journeys);
    jm__json_u64(w, "cases", ctx->cases);
    hist_json(w, "contacts", &s->contacts, "contacts");
    if (ctx->has_channel)
        hist_json(w, "channels", &s->channels, "channels");
    else
        jm__json_null(w, "channels");
    jm__json_obj(w, "duration_s");
    if (jm__vals_count(&s->dur) == 0) {
        jm__json_null(w, "median");
        jm__json_null(w, "p90");
        jm__json_null(w, "max");
    } else {
        jm__json_secs(w, "median", jm__vals_pct(&s->dur, 50));
        jm__json_secs(w, "p90", jm__vals_pct(&s->dur, 90));
        jm__json_secs(w, "max", jm__vals_pct(&s->dur, 100));
    }
    jm__json_mean_secs(w, "mean", s->sum_ms, jm__vals_count(&s->dur));
    jm__json_obj_end(w);
}

/* Buckets of the small text histogram: 1, 2, 3, 4, 5, 6-10, 11-20, 21+. */
static void hist_text(const hist *h, const char *what, jm__text *t)
{
    static const size_t lo[] = {0, 1, 2, 3, 4, 5, 6, 11, 21};
    static const size_t hi[] = {0, 1, 2, 3, 4, 5, 10, 20, SIZE_MAX};
    static const char *const head[] = {"", "journeys", "share", ""};
    char title[64];
    snprintf(title, sizeof title, "%s", what);
    const char *hd[] = {title, head[1], head[2], head[3]};
    jm__table *tb = jm__table_new(4, hd, "rrrl");
    for (size_t b = 0; b < sizeof lo / sizeof lo[0]; b++) {
        uint64_t n = 0;
        for (size_t k = lo[b]; k < h->cap && k <= hi[b]; k++)
            n += h->n[k];
        if (n == 0)
            continue;
        char label[32], count[24], share[16], bar[41];
        if (lo[b] == hi[b])
            snprintf(label, sizeof label, "%zu", lo[b]);
        else if (hi[b] == SIZE_MAX)
            snprintf(label, sizeof label, "%zu+", lo[b]);
        else
            snprintf(label, sizeof label, "%zu-%zu", lo[b], hi[b]);
        snprintf(count, sizeof count, "%" PRIu64, n);
        snprintf(share, sizeof share, "%.1f%%", 100.0 * (double)n / (double)h->total);
        size_t w = (size_t)(40.0 * (double)n / (double)h->total + 0.5);
        memset(bar, '#', w);
        bar[w] = '\0';
        const char *cells[] = {label, count, share, bar};
        jm__table_row(tb, cells, NULL);
    }
    jm__table_print(tb, t->out, t->md);
    jm__table_free(tb);
    fputc('\n', t->out);
}

static void j_text(const void *st, const jm__ctx *ctx, jm__text *t)
{
    const jstats *s = st;
    FILE *o = t->out;
    char a[32], b[32], c[32];
    fputs(t->md ? "## Journeys\n\n" : "Journeys\n--------\n", o);
    fprintf(o, "%" PRIu64 " journeys of %" PRIu64 " cases.\n", s->journeys,
            ctx->cases);
    if (s->journeys == 0) {
        fputc('\n', o);
        return;
    }
    fprintf(o, "Contacts per journey: median %zu, p90 %zu, max %zu.\n", hist_pct(&s->contacts, 50),
            hist_pct(&s->contacts, 90), hist_max(&s->contacts));
    if (ctx->has_channel)
        fprintf(o, "Channels per journey: median %zu, p90 %zu, max %zu.\n",
                hist_pct(&s->channels, 50), hist_pct(&s->channels, 90), hist_max(&s->channels));
    else
        fputs("Channels: the log has no channel column.\n", o);
    fprintf(o, "Journey duration: median %s, p90 %s, max %s.\n\n",
            jm__fmt_human(a, jm__vals_pct(&s->dur, 50)),
            jm__fmt_human(b, jm__vals_pct(&s->dur, 90)),
            jm__fmt_human(c, jm__vals_pct(&s->dur, 100)));
    hist_text(&s->contacts, "contacts", t);
    if (ctx->has_channel)
        hist_text(&s->channels, "channels", t);
}

static void j_summary(const void *st, const jm__ctx *ctx, FILE *o)
{
    const jstats *s = st;
    char a[32];
    if (s->journeys == 0) {
        fputs("The log holds no journeys.\n", o);
        return;
    }
    fprintf(o,
            "%" PRIu64 " journeys (of %" PRIu64 " cases) take a median of %zu contacts (p90 %zu)",
            s->journeys, ctx->cases, hist_pct(&s->contacts, 50),
            hist_pct(&s->contacts, 90));
    if (ctx->has_channel)
        fprintf(o, " over %zu channel%s (p90 %zu)", hist_pct(&s->channels, 50),
                hist_pct(&s->channels, 50) == 1 ? "" : "s", hist_pct(&s->channels, 90));
    fprintf(o, " and last a median of %s.\n", jm__fmt_human(a, jm__vals_pct(&s->dur, 50)));
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
    .json = j_json,
    .text = j_text,
    .summary = j_summary,
    .free = j_free,
    .save = j_save,
    .load = j_load,
};
