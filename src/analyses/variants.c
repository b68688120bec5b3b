/* SPDX-License-Identifier: MIT */
/* Variants: journeys grouped by their sequence of steps, ranked, with stable ids and durations. */
#include "analysis.h"
#include "util.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

typedef struct vstat {
    uint64_t count;
    int64_t sum_ms;
    jm__vals dur; /* every journey's duration: exact medians, and lists concatenate on merge */
} vstat;

typedef struct variants {
    vstat *v; /* by variant id */
    size_t nv;
    uint64_t journeys;
    uint32_t *rank; /* variant ids with journeys, best first, after finish */
    size_t nrank;
} variants;

static void *v_begin(const jm__ctx *ctx)
{
    (void)ctx;
    return jm__xcalloc(1, sizeof(variants));
}

static vstat *slot(variants *s, uint32_t id)
{
    if (id >= s->nv) {
        size_t nv = s->nv;
        jm__grow((void **)&s->v, &nv, (size_t)id + 1, sizeof *s->v);
        memset(s->v + s->nv, 0, (nv - s->nv) * sizeof *s->v);
        s->nv = nv;
    }
    return &s->v[id];
}

static void v_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    (void)ctx;
    variants *s = st;
    vstat *v = slot(s, j->variant);
    int64_t d = j->last_end - j->first_start;
    v->count++;
    v->sum_ms += d;
    jm__vals_push(&v->dur, d);
    s->journeys++;
}

static void v_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    variants *a = into;
    const variants *b = from;
    for (size_t i = 0; i < b->nv; i++) {
        if (b->v[i].count == 0)
            continue;
        vstat *v = slot(a, (uint32_t)i);
        v->count += b->v[i].count;
        v->sum_ms += b->v[i].sum_ms;
        jm__vals_append(&v->dur, &b->v[i].dur);
    }
    a->journeys += b->journeys;
}

/* Ranking: more journeys first; ties by the step names compared step by step, a prefix first. */
static int by_rank(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const variants *s = d[0];
    const jm__ctx *ctx = d[1];
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (s->v[a].count != s->v[b].count)
        return s->v[a].count > s->v[b].count ? -1 : 1;
    size_t na, nb;
    const uint32_t *sa = jm__seqtab_get(ctx->variants, a, &na);
    const uint32_t *sb = jm__seqtab_get(ctx->variants, b, &nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        if (sa[i] == sb[i])
            continue;
        size_t la, lb;
        const char *x = jm__intern_str(ctx->steps, sa[i], &la);
        const char *y = jm__intern_str(ctx->steps, sb[i], &lb);
        int c = jm__bytes_cmp(x, la, y, lb);
        if (c != 0)
            return c;
    }
    return (na > nb) - (na < nb);
}

static size_t listed(const variants *s, const jm__ctx *ctx);

static void v_finish(void *st, const jm__ctx *ctx)
{
    variants *s = st;
    size_t k = 0;
    s->rank = jm__xmalloc((s->nv ? s->nv : 1) * sizeof *s->rank);
    for (size_t i = 0; i < s->nv; i++)
        if (s->v[i].count != 0)
            s->rank[k++] = (uint32_t)i;
    const void *data[2] = {s, ctx};
    jm__sort(s->rank, k, sizeof *s->rank, by_rank, (void *)data);
    s->nrank = k;
    /* Durations are shown for the variants listed only: the others' are not sorted (unless
     * the history keeps them all). */
    for (size_t r = 0; r < (ctx->opt->full_rankings ? k : listed(s, ctx)); r++)
        jm__vals_sort(&s->v[s->rank[r]].dur);
}

static size_t nranked(const variants *s)
{
    return s->nrank;
}

void jm__variant_id(const jm__ctx *ctx, uint32_t variant, char buf[17])
{
    GChecksum *h = g_checksum_new(G_CHECKSUM_SHA256);
    size_t n;
    const uint32_t *steps = jm__seqtab_get(ctx->variants, variant, &n);
    static const guchar sep = 0x1f;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *name = jm__intern_str(ctx->steps, steps[i], &len);
        g_checksum_update(h, (const guchar *)name, (gssize)len);
        g_checksum_update(h, &sep, 1);
    }
    memcpy(buf, g_checksum_get_string(h), 16);
    buf[16] = '\0';
    g_checksum_free(h);
}

static size_t listed(const variants *s, const jm__ctx *ctx)
{
    size_t k = nranked(s);
    if (ctx->opt->coverage_pct > 0) {
        /* --coverage P: the fewest top variants whose cumulative share reaches P %. */
        uint64_t cum = 0;
        size_t r = 0;
        while (r < k && (double)cum * 100.0 < ctx->opt->coverage_pct * (double)s->journeys)
            cum += s->v[s->rank[r++]].count;
        return r;
    }
    return ctx->opt->top && ctx->opt->top < k ? ctx->opt->top : k;
}

static void v_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const variants *s = st;
    size_t k = listed(s, ctx);
    uint64_t cum = 0;
    jm__m_uint(m, sec, "count", nranked(s));
    jm__mval *top = jm__m_arr(m, sec, "top");
    for (size_t r = 0; r < k; r++) {
        const vstat *v = &s->v[s->rank[r]];
        char id[17];
        jm__variant_id(ctx, s->rank[r], id);
        cum += v->count;
        jm__mval *o = jm__m_obj(m, top, NULL);
        jm__m_uint(m, o, "rank", r + 1);
        jm__m_strcopy(m, o, "id", id, 16);
        jm__m_uint(m, o, "count", v->count);
        jm__m_ratio(m, o, "share", v->count, s->journeys);
        jm__m_ratio(m, o, "cumulative_share", cum, s->journeys);
        jm__mval *a = jm__m_arr(m, o, "steps");
        size_t n;
        const uint32_t *steps = jm__seqtab_get(ctx->variants, s->rank[r], &n);
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *name = jm__intern_str(ctx->steps, steps[i], &len);
            jm__m_str(m, a, NULL, name, len);
        }
        jm__mval *d = jm__m_obj(m, o, "duration_s");
        jm__m_ms(m, d, "median", jm__vals_pct(&v->dur, 50));
        jm__m_mean_ms(m, d, "mean", v->sum_ms, v->count);
    }
}

/* Variants in the order of their steps' indices in the state's table, step by step, a prefix
 * first: the byte order of their names. */
static int by_steps(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const jm__ctx *ctx = d[0];
    const jm__state_w *w = d[1];
    size_t na, nb;
    const uint32_t *sa = jm__seqtab_get(ctx->variants, *(const uint32_t *)pa, &na);
    const uint32_t *sb = jm__seqtab_get(ctx->variants, *(const uint32_t *)pb, &nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        uint32_t x = jm__sw_step_index(w, sa[i]), y = jm__sw_step_index(w, sb[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return (na > nb) - (na < nb);
}

/* journeys; then each variant: its steps, count, sum of durations, durations. */
static void v_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    variants *s = st;
    uint32_t *ids = jm__xmalloc((s->nv ? s->nv : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < s->nv; i++)
        if (s->v[i].count != 0)
            ids[k++] = (uint32_t)i;
    const void *data[2] = {ctx, w};
    jm__sort(ids, k, sizeof *ids, by_steps, (void *)data);
    jm__sw_u64(w, s->journeys);
    jm__sw_u64(w, k);
    for (size_t r = 0; r < k; r++) {
        vstat *v = &s->v[ids[r]];
        size_t n;
        const uint32_t *steps = jm__seqtab_get(ctx->variants, ids[r], &n);
        jm__sw_u64(w, n);
        for (size_t i = 0; i < n; i++)
            jm__sw_step(w, steps[i]);
        jm__sw_u64(w, v->count);
        jm__sw_i64(w, v->sum_ms);
        jm__sw_vals(w, &v->dur);
    }
    free(ids);
}

static void *v_load(const jm__ctx *ctx, jm__state_r *r)
{
    variants *s = v_begin(ctx);
    s->journeys = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        vstat *v = slot(s, jm__sr_variant(r));
        if (v->count != 0)
            jm__sr_fail(r); /* a variant listed twice */
        v->count = jm__sr_u64(r);
        v->sum_ms = jm__sr_i64(r);
        jm__sr_vals(r, &v->dur);
        if (v->count == 0 || jm__vals_count(&v->dur) != v->count)
            jm__sr_fail(r);
    }
    return s;
}

static void v_free(void *st)
{
    variants *s = st;
    for (size_t i = 0; i < s->nv; i++)
        jm__vals_free(&s->v[i].dur);
    free(s->v);
    free(s->rank);
    free(s);
}

const jm__analysis jm__variants_analysis = {
    .key = "variants",
    .begin = v_begin,
    .add = v_add,
    .merge = v_merge,
    .finish = v_finish,
    .model = v_model,
    .free = v_free,
    .save = v_save,
    .load = v_load,
};
