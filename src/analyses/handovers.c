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
    jm__vals wait;  /* the wait before the event that takes over, floored at 0 */
} ho;

/* Up to this many resources, pairs are found in a matrix (4 MiB at most); beyond, by hashing. */
#define MATRIX_RESOURCES 1024

/* A handover as add() meets it, kept until PEND_MAX of them are folded into their pairs: a
 * lookup of the pair and a push of its wait per handover missed the cache (3.4 million
 * handovers over 32,580 pairs of 9,336 agents on the benchmark log), so add() appends, and the
 * fold sorts them by pair (one lookup a pair, each pair's waits pushed together). Its key is
 * from << 32 | to; its val the wait, floored at 0, the top bit set for the pair's first
 * handover in its journey. */
typedef jm__key16 pend;

#define FIRST_IN_JOURNEY (UINT64_C(1) << 63)

/* The pairs handed straight back most often that "where to act first" names, at most. */
#define PING_PONG_FINDINGS 3

/* Handovers kept before a fold: 4 MiB, and as much again to sort them. */
#define PEND_MAX ((size_t)1 << 18)

typedef struct handovers {
    uint32_t *cell;  /* (from * nres + to) -> index in h + 1, 0 if none yet; or NULL */
    size_t nres;
    jm__seqtab *ids; /* (from, to) -> index in h, without a matrix */
    ho *h;
    size_t nh, cap;
    pend *p; /* handovers not yet folded into h */
    size_t np, pcap;
    uint64_t *seen; /* add()'s scratch: the pairs of the journey so far */
    size_t seen_cap;
    uint64_t count, journeys, ping_pong, over;
    uint32_t *order;                 /* the pairs, most frequent first (finished) */
    uint32_t pp[PING_PONG_FINDINGS]; /* the first npp pairs by ping-pong (finished) */
    size_t npp;
} handovers;

static void *h_begin(const jm__ctx *ctx)
{
    handovers *s = jm__xcalloc(1, sizeof *s);
    s->ids = jm__seqtab_new();
    /* Journeys are rebuilt once every resource is known, so the matrix has its final size (a
     * merge names resources as states load: it hashes). */
    s->nres = ctx->has_resource && ctx->ress ? jm__intern_count(ctx->ress) : 0;
    if (s->nres > 0 && s->nres <= MATRIX_RESOURCES)
        s->cell = jm__xcalloc(s->nres * s->nres, sizeof *s->cell);
    return s;
}

static ho *ho_of(handovers *s, uint32_t from, uint32_t to)
{
    uint32_t id;
    if (s->cell != NULL && from < s->nres && to < s->nres) {
        uint32_t *c = &s->cell[(size_t)from * s->nres + to];
        if (*c == 0) {
            uint32_t key[2] = {from, to};
            *c = jm__seqtab_id(s->ids, key, 2) + 1;
        }
        id = *c - 1;
    } else {
        uint32_t key[2] = {from, to};
        id = jm__seqtab_id(s->ids, key, 2);
    }
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

/* The handovers kept (s->p), sorted by pair (a radix sort on the key, bytes that are the same
 * in every key skipped), then added to their pairs: one lookup a pair. */
static void fold(handovers *s)
{
    if (s->np == 0)
        return;
    pend *t = jm__xmalloc(s->np * sizeof *t);
    pend *a = jm__sort_key16(s->p, t, s->np);
    for (size_t i = 0; i < s->np;) {
        size_t e = i;
        while (e < s->np && a[e].key == a[i].key)
            e++;
        ho *h = ho_of(s, (uint32_t)(a[i].key >> 32), (uint32_t)a[i].key);
        h->count += e - i;
        for (; i < e; i++) {
            h->journeys += (a[i].val & FIRST_IN_JOURNEY) != 0;
            jm__vals_push(&h->wait, (int64_t)(a[i].val & ~FIRST_IN_JOURNEY));
        }
    }
    free(a == s->p ? t : a); /* p's room is kept for the next ones */
    s->np = 0;
}

/* Keep handover x for the next fold (folding the ones kept when there are PEND_MAX). */
static inline void keep(handovers *s, pend x)
{
    if (s->np == PEND_MAX)
        fold(s);
    if (s->np == s->pcap)
        jm__grow((void **)&s->p, &s->pcap, s->np + 1, sizeof *s->p);
    s->p[s->np++] = x;
}

static void h_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    handovers *s = st;
    if (j->res == NULL)
        return;
    uint64_t n = 0;
    for (size_t i = 1; i < j->n; i++) {
        if (!handover_at(j->res, i))
            continue;
        uint64_t key = (uint64_t)j->res[i - 1] << 32 | j->res[i];
        bool first = true; /* the pair's first handover in this journey (a few at most) */
        for (size_t k = 0; k < n && first; k++)
            first = s->seen[k] != key;
        if (n == s->seen_cap)
            jm__grow((void **)&s->seen, &s->seen_cap, n + 1, sizeof *s->seen);
        s->seen[n++] = key;
        keep(s, (pend){key, (uint64_t)jm__wait_at(j, i) | (first ? FIRST_IN_JOURNEY : 0)});
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
    for (size_t i = 0; i < b->np; i++)
        keep(a, b->p[i]);
    a->count += b->count;
    a->journeys += b->journeys;
    a->ping_pong += b->ping_pong;
    a->over += b->over;
}

static int res_by_name(const void *pa, const void *pb, void *data)
{
    return jm__intern_cmp(data, *(const uint32_t *)pa, *(const uint32_t *)pb);
}

/* Each resource's place in byte order of the names (malloc'd, by resource id). */
static uint32_t *name_ranks(const jm__ctx *ctx)
{
    size_t n = jm__intern_count(ctx->ress);
    uint32_t *ids = jm__xmalloc((n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)i;
    jm__sort(ids, n, sizeof *ids, res_by_name, (void *)ctx->ress);
    uint32_t *rank = jm__xmalloc((n ? n : 1) * sizeof *rank);
    for (size_t i = 0; i < n; i++)
        rank[ids[i]] = (uint32_t)i;
    free(ids);
    return rank;
}

/* The orders of pairs: by the resources' names (from, then to); or most frequent first (most
 * handovers, most handed straight back), ties by the names. */
enum { BY_NAMES, BY_COUNT, BY_PING_PONG };

/* The pairs' indexes in that order (malloc'd): radix sorts, by the places of the names, then,
 * stable, by the count. A comparison sort that compared the names was most of a report's extra
 * work with a resource column (ties of counts are many). */
static uint32_t *ids_sorted(const handovers *s, const uint32_t *rank, int by)
{
    size_t n = s->nh;
    jm__key16 *a = jm__xmalloc((n ? n : 1) * sizeof *a), *t = jm__xmalloc((n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++)
        a[i] = (jm__key16){(uint64_t)rank[s->h[i].from] << 32 | rank[s->h[i].to], i};
    jm__key16 *r = jm__sort_key16(a, t, n);
    if (by != BY_NAMES) {
        for (size_t i = 0; i < n; i++) {
            const ho *h = &s->h[r[i].val];
            r[i].key = ~(by == BY_COUNT ? h->count : h->ping_pong);
        }
        r = jm__sort_key16(r, r == a ? t : a, n);
    }
    uint32_t *ids = jm__xmalloc((n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)r[i].val;
    free(a);
    free(t);
    return ids;
}

/* The pairs the report lists: the first --top (all with --top 0, as the history asks). */
static size_t shown_pairs(const handovers *s, const jm__ctx *ctx)
{
    return ctx->opt->top && ctx->opt->top < s->nh ? ctx->opt->top : s->nh;
}

static void h_finish(void *st, const jm__ctx *ctx)
{
    handovers *s = st;
    fold(s);
    free(s->p);
    s->p = NULL;
    s->pcap = 0;
    uint32_t *rank = name_ranks(ctx);
    s->order = ids_sorted(s, rank, BY_COUNT);
    /* The waits are read where a median is shown: the first --top pairs (all with --top 0,
     * as the history asks) and the pairs "where to act first" names. The others stay as they
     * came (a state's writer sorts what it writes): sorting every pair's was most of this
     * finish on the benchmark log (3.4 million waits over 32,580 pairs, 0.09 s). */
    size_t shown = ctx->opt->full_rankings ? s->nh : shown_pairs(s, ctx);
    for (size_t r = 0; r < shown; r++)
        jm__vals_sort(&s->h[s->order[r]].wait);
    uint32_t *pp = ids_sorted(s, rank, BY_PING_PONG);
    for (s->npp = 0; s->npp < s->nh && s->npp < PING_PONG_FINDINGS; s->npp++) {
        s->pp[s->npp] = pp[s->npp];
        jm__vals_sort(&s->h[pp[s->npp]].wait);
    }
    free(pp);
    free(rank);
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
    jm__m_uint(m, sec, "pairs", s->nh);
    /* Not every pair: every pair of 9,336 agents was 3.5 MB of the benchmark log's report,
     * and of its page. */
    size_t shown = shown_pairs(s, ctx);
    jm__mval *a = jm__m_arr(m, sec, "matrix");
    for (size_t r = 0; r < shown; r++) {
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
    for (size_t r = 0; r < s->npp; r++) {
        const ho *h = &s->h[s->pp[r]];
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
    uint32_t *rank = name_ranks(ctx);
    uint32_t *ids = ids_sorted(s, rank, BY_NAMES);
    free(rank);
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
    free(s->p);
    free(s->seen);
    free(s->order);
    free(s->cell);
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
