/* SPDX-License-Identifier: MIT */
/* Channel switches: where a journey hops from one channel to another, and how long it waits. */
#include "analysis.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct hop {
    uint32_t from, to; /* channel ids */
    uint64_t count;
    uint64_t journeys;
    uint64_t stamp; /* the last journey counted */
    jm__vals wait;  /* waits before the switching event, floored at 0 */
} hop;

/* Up to this many channels, hops are found in a matrix; beyond, in a hash table. */
#define MATRIX_CHANNELS 256

typedef struct channels {
    uint32_t *cell;    /* (from * nchan + to) -> index in hop + 1, 0 if none yet; or NULL */
    size_t nchan;
    jm__seqtab *pairs; /* (from, to) -> index in hop, without a matrix */
    hop *hop;
    size_t nhop, cap;
    uint64_t switches, journeys_with_switch, journey;
    uint32_t *order;
} channels;

static void *c_begin(const jm__ctx *ctx)
{
    channels *s = jm__xcalloc(1, sizeof *s);
    /* Journeys are rebuilt once every channel is known, so the matrix has its final size. */
    s->nchan = jm__intern_count(ctx->chans);
    if (s->nchan <= MATRIX_CHANNELS)
        s->cell = jm__xcalloc(s->nchan * s->nchan, sizeof *s->cell);
    else
        s->pairs = jm__seqtab_new();
    return s;
}

static hop *hop_of(channels *s, uint32_t from, uint32_t to)
{
    uint32_t id;
    if (s->cell != NULL) {
        uint32_t *c = &s->cell[(size_t)from * s->nchan + to];
        if (*c == 0)
            *c = (uint32_t)s->nhop + 1;
        id = *c - 1;
    } else {
        uint32_t key[2] = {from, to};
        id = jm__seqtab_id(s->pairs, key, 2);
    }
    if (id == s->nhop) {
        jm__grow((void **)&s->hop, &s->cap, s->nhop + 1, sizeof *s->hop);
        memset(&s->hop[id], 0, sizeof *s->hop);
        s->hop[id].from = from;
        s->hop[id].to = to;
        s->nhop++;
    }
    return &s->hop[id];
}

/* Whether position i > 0 of a journey is a channel switch (SPEC §4): inlined into c_add and
 * jm__journey_switches, the one definition of a switch. */
static inline bool switch_at(const jm__journey *j, size_t i)
{
    uint32_t a = j->chan[i - 1], b = j->chan[i];
    /* An unknown channel is no evidence of a switch either way. */
    return a != JM_NO_CHANNEL && b != JM_NO_CHANNEL && a != b;
}

size_t jm__journey_switches(const jm__journey *j)
{
    size_t n = 0;
    for (size_t i = 1; i < j->n; i++)
        n += switch_at(j, i);
    return n;
}

static void c_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    channels *s = st;
    if (!ctx->has_channel)
        return;
    uint64_t jid = ++s->journey;
    bool any = false;
    for (size_t i = 1; i < j->n; i++) {
        if (!switch_at(j, i))
            continue;
        hop *h = hop_of(s, j->chan[i - 1], j->chan[i]);
        h->count++;
        if (h->stamp != jid) {
            h->stamp = jid;
            h->journeys++;
        }
        jm__vals_push(&h->wait, jm__wait_at(j, i));
        s->switches++;
        any = true;
    }
    if (any)
        s->journeys_with_switch++;
}

static void c_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    channels *a = into;
    const channels *b = from;
    for (size_t i = 0; i < b->nhop; i++) {
        hop *h = hop_of(a, b->hop[i].from, b->hop[i].to);
        h->count += b->hop[i].count;
        h->journeys += b->hop[i].journeys;
        jm__vals_append(&h->wait, &b->hop[i].wait);
    }
    a->switches += b->switches;
    a->journeys_with_switch += b->journeys_with_switch;
}

static int name_cmp(const jm__ctx *ctx, uint32_t a, uint32_t b)
{
    return jm__intern_cmp(ctx->chans, a, b);
}

/* Most frequent first; ties by the channel names. */
static int by_count(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const channels *s = d[0];
    const jm__ctx *ctx = d[1];
    const hop *x = &s->hop[*(const uint32_t *)pa], *y = &s->hop[*(const uint32_t *)pb];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = name_cmp(ctx, x->from, y->from);
    return c ? c : name_cmp(ctx, x->to, y->to);
}

static void c_finish(void *st, const jm__ctx *ctx)
{
    channels *s = st;
    s->order = jm__xmalloc((s->nhop ? s->nhop : 1) * sizeof *s->order);
    for (size_t i = 0; i < s->nhop; i++) {
        s->order[i] = (uint32_t)i;
        jm__vals_sort(&s->hop[i].wait);
    }
    const void *data[2] = {s, ctx};
    jm__sort(s->order, s->nhop, sizeof *s->order, by_count, (void *)data);
}

static void c_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const channels *s = st;
    jm__m_bool(m, sec, "present", ctx->has_channel);
    if (!ctx->has_channel) {
        jm__m_cstr(m, sec, "note", "the log has no channel column");
        jm__m_null(m, sec, "switches");
        jm__m_null(m, sec, "journeys_with_switch");
        jm__m_null(m, sec, "matrix");
        return;
    }
    jm__m_uint(m, sec, "switches", s->switches);
    jm__m_uint(m, sec, "journeys_with_switch", s->journeys_with_switch);
    jm__m_ratio(m, sec, "share_with_switch", s->journeys_with_switch, ctx->journeys);
    jm__mval *a = jm__m_arr(m, sec, "matrix");
    for (size_t r = 0; r < s->nhop; r++) {
        const hop *h = &s->hop[s->order[r]];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->chans, h->from, &nf);
        const char *t = jm__intern_str(ctx->chans, h->to, &nt);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "from", f, nf);
        jm__m_str(m, o, "to", t, nt);
        jm__m_uint(m, o, "count", h->count);
        jm__m_uint(m, o, "journeys", h->journeys);
        jm__m_ms(m, o, "median_wait_s", jm__vals_pct(&h->wait, 50));
    }
}

static void c_findings(const void *st, const jm__ctx *ctx, jm__findings *out)
{
    const channels *s = st;
    for (size_t r = 0; r < s->nhop && r < 5; r++) {
        const hop *h = &s->hop[s->order[r]];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->chans, h->from, &nf);
        const char *t = jm__intern_str(ctx->chans, h->to, &nt);
        char med[32];
        jm__fmt_human(med, jm__vals_pct(&h->wait, 50));
        jm__findings_add(out, "hop", h->journeys, jm__arrow(f, nf, t, nt),
                         jm__strdupf("customers switch channel here (median wait %s)", med));
    }
}

static int by_names(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const channels *s = d[0];
    const jm__ctx *ctx = d[1];
    const hop *x = &s->hop[*(const uint32_t *)pa], *y = &s->hop[*(const uint32_t *)pb];
    int c = name_cmp(ctx, x->from, y->from);
    return c ? c : name_cmp(ctx, x->to, y->to);
}

/* Totals; then each hop, by the names of its channels: from, to, count, journeys, waits. */
static void c_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    channels *s = st;
    jm__sw_u64(w, s->switches);
    jm__sw_u64(w, s->journeys_with_switch);
    uint32_t *ids = jm__xmalloc((s->nhop ? s->nhop : 1) * sizeof *ids);
    for (size_t i = 0; i < s->nhop; i++)
        ids[i] = (uint32_t)i;
    const void *data[2] = {s, ctx};
    jm__sort(ids, s->nhop, sizeof *ids, by_names, (void *)data);
    jm__sw_u64(w, s->nhop);
    for (size_t r = 0; r < s->nhop; r++) {
        hop *h = &s->hop[ids[r]];
        size_t nf, nt;
        const char *f = jm__intern_str(ctx->chans, h->from, &nf);
        const char *t = jm__intern_str(ctx->chans, h->to, &nt);
        jm__sw_bytes(w, f, nf);
        jm__sw_bytes(w, t, nt);
        jm__sw_u64(w, h->count);
        jm__sw_u64(w, h->journeys);
        jm__sw_vals(w, &h->wait);
    }
    free(ids);
}

static void *c_load(const jm__ctx *ctx, jm__state_r *r)
{
    (void)ctx;
    /* Channels are still being named as states load: hops are found by hashing. */
    channels *s = jm__xcalloc(1, sizeof *s);
    s->pairs = jm__seqtab_new();
    s->switches = jm__sr_u64(r);
    s->journeys_with_switch = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        uint32_t from = jm__sr_chan(r), to = jm__sr_chan(r);
        hop *h = hop_of(s, from, to);
        if (h->count != 0)
            jm__sr_fail(r); /* a hop listed twice */
        h->count = jm__sr_u64(r);
        h->journeys = jm__sr_u64(r);
        jm__sr_vals(r, &h->wait);
        if (h->count == 0 || jm__vals_count(&h->wait) != h->count)
            jm__sr_fail(r);
    }
    return s;
}

static void c_free(void *st)
{
    channels *s = st;
    for (size_t i = 0; i < s->nhop; i++)
        jm__vals_free(&s->hop[i].wait);
    free(s->hop);
    free(s->order);
    free(s->cell);
    jm__seqtab_free(s->pairs);
    free(s);
}

const jm__analysis jm__channels_analysis = {
    .key = "channels",
    .begin = c_begin,
    .add = c_add,
    .merge = c_merge,
    .finish = c_finish,
    .model = c_model,
    .findings = c_findings,
    .free = c_free,
    .save = c_save,
    .load = c_load,
};
