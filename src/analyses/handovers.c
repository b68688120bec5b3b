/* SPDX-License-Identifier: MIT */
/* Handovers (SPEC §9): where a journey passes from one resource (agent) to another, the waits
 * there, handovers straight back (ping-pong), and journeys over --max-handovers. */
#include "analysis.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct ho {
    uint32_t from, to; /* resource ids */
    uint64_t count, journeys, ping_pong;
    uint64_t stamp; /* the last journey counted */
    jm__vals wait;  /* the wait before the event that takes over, floored at 0 */
} ho;

typedef struct handovers {
    jm__seqtab *ids; /* (from, to) -> index in h */
    ho *h;
    size_t nh, cap;
    uint64_t count, journeys, ping_pong, over, journey;
    uint32_t *order;
} handovers;

static void *h_begin(const jm__ctx *ctx)
{
    (void)ctx;
    handovers *s = jm__xcalloc(1, sizeof *s);
    s->ids = jm__seqtab_new();
    return s;
}

static ho *ho_of(handovers *s, uint32_t from, uint32_t to)
{
    uint32_t key[2] = {from, to};
    uint32_t id = jm__seqtab_id(s->ids, key, 2);
    if (id == s->nh) {
        jm__grow((void **)&s->h, &s->cap, s->nh + 1, sizeof *s->h);
        memset(&s->h[id], 0, sizeof *s->h);
        s->h[id].from = from;
        s->h[id].to = to;
        s->nh++;
    }
    return &s->h[id];
}

/* Whether position i > 0 is a handover: both events have a resource, and they differ. */
static inline bool handover_at(const uint32_t *res, size_t i)
{
    return res[i - 1] != JM_NO_SIDE && res[i] != JM_NO_SIDE && res[i - 1] != res[i];
}

static void h_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    handovers *s = st;
    if (j->res == NULL)
        return;
    uint64_t jid = ++s->journey;
    uint64_t n = 0;
    for (size_t i = 1; i < j->n; i++) {
        if (!handover_at(j->res, i))
            continue;
        ho *h = ho_of(s, j->res[i - 1], j->res[i]);
        h->count++;
        if (h->stamp != jid) {
            h->stamp = jid;
            h->journeys++;
        }
        jm__vals_push(&h->wait, jm__wait_at(j, i));
        n++;
        /* A, B, A: the handover back to A at i makes i - 2, i - 1, i a ping-pong of A -> B. */
        if (i >= 2 && handover_at(j->res, i - 1) && j->res[i - 2] == j->res[i]) {
            ho_of(s, j->res[i - 2], j->res[i - 1])->ping_pong++;
            s->ping_pong++;
        }
    }
    s->count += n;
    s->journeys += n > 0;
    s->over += n > ctx->opt->max_handovers;
}

static void h_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    handovers *a = into;
    const handovers *b = from;
    for (size_t i = 0; i < b->nh; i++) {
        ho *h = ho_of(a, b->h[i].from, b->h[i].to);
        h->count += b->h[i].count;
        h->journeys += b->h[i].journeys;
        h->ping_pong += b->h[i].ping_pong;
        jm__vals_append(&h->wait, &b->h[i].wait);
    }
    a->count += b->count;
    a->journeys += b->journeys;
    a->ping_pong += b->ping_pong;
    a->over += b->over;
}

static int names(const jm__ctx *ctx, const ho *x, const ho *y)
{
    int c = jm__intern_cmp(ctx->ress, x->from, y->from);
    return c ? c : jm__intern_cmp(ctx->ress, x->to, y->to);
}

/* Most frequent first; ties by the resources' names. */
static int by_count(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const handovers *s = d[0];
    const ho *x = &s->h[*(const uint32_t *)pa], *y = &s->h[*(const uint32_t *)pb];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return names(d[1], x, y);
}

static int by_names(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const handovers *s = d[0];
    return names(d[1], &s->h[*(const uint32_t *)pa], &s->h[*(const uint32_t *)pb]);
}

static int by_ping_pong(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const handovers *s = d[0];
    const ho *x = &s->h[*(const uint32_t *)pa], *y = &s->h[*(const uint32_t *)pb];
    if (x->ping_pong != y->ping_pong)
        return x->ping_pong > y->ping_pong ? -1 : 1;
    return names(d[1], x, y);
}

static uint32_t *ids_sorted(const handovers *s, const jm__ctx *ctx,
                            int (*cmp)(const void *, const void *, void *))
{
    uint32_t *ids = jm__xmalloc((s->nh ? s->nh : 1) * sizeof *ids);
    for (size_t i = 0; i < s->nh; i++)
        ids[i] = (uint32_t)i;
    const void *data[2] = {s, ctx};
    jm__sort(ids, s->nh, sizeof *ids, cmp, (void *)data);
    return ids;
}

static void h_finish(void *st, const jm__ctx *ctx)
{
    handovers *s = st;
    for (size_t i = 0; i < s->nh; i++)
        jm__vals_sort(&s->h[i].wait);
    s->order = ids_sorted(s, ctx, by_count);
}

static void h_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const handovers *s = st;
    jm__m_bool(m, sec, "present", ctx->has_resource);
    if (!ctx->has_resource) {
        jm__m_cstr(m, sec, "note", "the log has no resource column");
        jm__m_null(m, sec, "count");
        jm__m_null(m, sec, "matrix");
        return;
    }
    jm__m_uint(m, sec, "count", s->count);
    jm__m_uint(m, sec, "journeys", s->journeys);
    jm__m_ratio(m, sec, "share_with_handover", s->journeys, ctx->journeys);
    jm__m_uint(m, sec, "ping_pong", s->ping_pong);
    jm__m_uint(m, sec, "max_handovers", ctx->opt->max_handovers);
    jm__m_uint(m, sec, "journeys_over_max", s->over);
    jm__mval *a = jm__m_arr(m, sec, "matrix");
    for (size_t r = 0; r < s->nh; r++) {
        const ho *h = &s->h[s->order[r]];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->ress, h->from, &nf);
        const char *t = jm__intern_str(ctx->ress, h->to, &nt);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "from", f, nf);
        jm__m_str(m, o, "to", t, nt);
        jm__m_uint(m, o, "count", h->count);
        jm__m_uint(m, o, "journeys", h->journeys);
        jm__m_uint(m, o, "ping_pong", h->ping_pong);
        jm__m_ms(m, o, "median_wait_s", jm__vals_pct(&h->wait, 50));
    }
}

/* "Where to act first": the pairs that hand work straight back most often. */
static void h_findings(const void *st, const jm__ctx *ctx, jm__findings *out)
{
    const handovers *s = st;
    if (!ctx->has_resource || s->ping_pong == 0)
        return;
    uint32_t *ids = ids_sorted(s, ctx, by_ping_pong);
    for (size_t r = 0; r < s->nh && r < 3; r++) {
        const ho *h = &s->h[ids[r]];
        if (h->ping_pong == 0)
            break;
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->ress, h->from, &nf);
        const char *t = jm__intern_str(ctx->ress, h->to, &nt);
        char med[32];
        jm__fmt_human(med, jm__vals_pct(&h->wait, 50));
        jm__findings_add(out, "ping_pong", h->ping_pong, jm__arrow(f, nf, t, nt),
                         jm__strdupf("work handed over and straight back %" PRIu64
                                     " times (median wait at the handover %s)",
                                     h->ping_pong, med));
    }
    free(ids);
}

/* Totals; then each pair by the names of its resources: from, to, count, journeys, ping-pong,
 * waits. */
static void h_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    handovers *s = st;
    jm__sw_u64(w, s->count);
    jm__sw_u64(w, s->journeys);
    jm__sw_u64(w, s->ping_pong);
    jm__sw_u64(w, s->over);
    uint32_t *ids = ids_sorted(s, ctx, by_names);
    jm__sw_u64(w, s->nh);
    for (size_t r = 0; r < s->nh; r++) {
        ho *h = &s->h[ids[r]];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->ress, h->from, &nf);
        const char *t = jm__intern_str(ctx->ress, h->to, &nt);
        jm__sw_bytes(w, f, nf);
        jm__sw_bytes(w, t, nt);
        jm__sw_u64(w, h->count);
        jm__sw_u64(w, h->journeys);
        jm__sw_u64(w, h->ping_pong);
        jm__sw_vals(w, &h->wait);
    }
    free(ids);
}

static void *h_load(const jm__ctx *ctx, jm__state_r *r)
{
    handovers *s = h_begin(ctx);
    jm__intern *ress = (jm__intern *)ctx->ress; /* a merge's own table, named as it loads */
    s->count = jm__sr_u64(r);
    s->journeys = jm__sr_u64(r);
    s->ping_pong = jm__sr_u64(r);
    s->over = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        size_t nf, nt;
        const char *f = jm__sr_bytes(r, &nf);
        uint32_t from = jm__intern_id(ress, f, nf);
        const char *t = jm__sr_bytes(r, &nt);
        uint32_t to = jm__intern_id(ress, t, nt);
        ho *h = ho_of(s, from, to);
        if (h->count != 0)
            jm__sr_fail(r); /* a pair listed twice */
        h->count = jm__sr_u64(r);
        h->journeys = jm__sr_u64(r);
        h->ping_pong = jm__sr_u64(r);
        jm__sr_vals(r, &h->wait);
        if (h->count == 0 || jm__vals_count(&h->wait) != h->count)
            jm__sr_fail(r);
    }
    return s;
}

static void h_free(void *st)
{
    handovers *s = st;
    for (size_t i = 0; i < s->nh; i++)
        jm__vals_free(&s->h[i].wait);
    free(s->h);
    free(s->order);
    jm__seqtab_free(s->ids);
    free(s);
}

const jm__analysis jm__handovers_analysis = {
    .key = "handovers",
    .begin = h_begin,
    .add = h_add,
    .merge = h_merge,
    .finish = h_finish,
    .model = h_model,
    .findings = h_findings,
    .free = h_free,
    .save = h_save,
    .load = h_load,
};
