/* SPDX-License-Identifier: MIT */
/* The process map: the directly-follows graph of steps, with a start and an end node. */
#include "analysis.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define TERMINAL UINT32_MAX /* the start node as a source, the end node as a target */

/* A channel and the events of a step seen in it. */
typedef struct chan_n {
    uint32_t chan;
    uint64_t events;
} chan_n;

typedef struct node {
    uint64_t events, journeys, stamp;
    chan_n *ch; /* the known channels of its events, first seen first (few a step) */
    size_t nch, chcap;
} node;

typedef struct edge {
    uint32_t from, to;
    uint32_t pair; /* its id in ctx->pairs, between two steps */
    uint64_t count, journeys, stamp;
    int64_t total_ms;
} edge;

typedef struct pmap {
    node *node; /* by step id */
    size_t nnode;
    /* By step id: the edge index + 1 of (TERMINAL, step) and of (step, TERMINAL), 0 if none. */
    uint32_t *from_start, *to_end;
    size_t nfrom_start, nto_end;
    uint32_t *of_pair; /* pair id -> edge index + 1, 0 if none yet */
    size_t nof_pair;
    edge *edge;
    size_t nedge, cap;
    uint64_t journey, events, journeys;
    uint32_t *node_order, *edge_order;
    size_t nnode_rank;
} pmap;

static void *m_begin(const jm__ctx *ctx)
{
    (void)ctx;
    pmap *s = jm__xcalloc(1, sizeof *s);
    return s;
}

static node *node_of(pmap *s, uint32_t step)
{
    if (step >= s->nnode)
        jm__grow_zeroed((void **)&s->node, &s->nnode, (size_t)step + 1, sizeof *s->node);
    return &s->node[step];
}

/* Count n events of a node in channel c. */
static void count_chan(node *nd, uint32_t c, uint64_t n)
{
    for (size_t i = 0; i < nd->nch; i++)
        if (nd->ch[i].chan == c) {
            nd->ch[i].events += n;
            return;
        }
    jm__grow((void **)&nd->ch, &nd->chcap, nd->nch + 1, sizeof *nd->ch);
    nd->ch[nd->nch++] = (chan_n){c, n};
}

static edge *new_edge(pmap *s, uint32_t from, uint32_t to)
{
    jm__grow((void **)&s->edge, &s->cap, s->nedge + 1, sizeof *s->edge);
    edge *e = &s->edge[s->nedge++];
    memset(e, 0, sizeof *e);
    e->from = from;
    e->to = to;
    return e;
}

/* An edge from the start node or to the end node: found by its step. */
static edge *terminal_edge(pmap *s, uint32_t from, uint32_t to)
{
    uint32_t step = from == TERMINAL ? to : from;
    uint32_t **slot = from == TERMINAL ? &s->from_start : &s->to_end;
    size_t *n = from == TERMINAL ? &s->nfrom_start : &s->nto_end;
    if (step >= *n)
        jm__grow_zeroed((void **)slot, n, (size_t)step + 1, sizeof **slot);
    if ((*slot)[step] == 0) {
        new_edge(s, from, to);
        (*slot)[step] = (uint32_t)s->nedge;
    }
    return &s->edge[(*slot)[step] - 1];
}

/* An edge between two steps, found by the pair id the report computed once. */
static edge *pair_edge(pmap *s, const jm__ctx *ctx, uint32_t pair)
{
    if (pair >= s->nof_pair)
        jm__grow_zeroed((void **)&s->of_pair, &s->nof_pair, (size_t)pair + 1,
                        sizeof *s->of_pair);
    if (s->of_pair[pair] == 0) {
        uint32_t a, b;
        jm__pairs_get(ctx->pairs, pair, &a, &b);
        new_edge(s, a, b)->pair = pair;
        s->of_pair[pair] = (uint32_t)s->nedge;
    }
    return &s->edge[s->of_pair[pair] - 1];
}

static void count_edge(edge *e, uint64_t jid)
{
    e->count++;
    if (e->stamp != jid) {
        e->stamp = jid;
        e->journeys++;
    }
}

static void m_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    pmap *s = st;
    uint64_t jid = ++s->journey;
    s->journeys++;
    s->events += j->n;
    for (size_t i = 0; i < j->n; i++) {
        node *nd = node_of(s, j->step[i]);
        nd->events++;
        if (j->chan != NULL && j->chan[i] != JM_NO_CHANNEL)
            count_chan(nd, j->chan[i], 1);
        if (nd->stamp != jid) {
            nd->stamp = jid;
            nd->journeys++;
        }
        if (i == 0) {
            count_edge(terminal_edge(s, TERMINAL, j->step[0]), jid);
            continue;
        }
        edge *e = pair_edge(s, ctx, j->pair[i]);
        count_edge(e, jid);
        e->total_ms += jm__wait_at(j, i);
    }
    count_edge(terminal_edge(s, j->step[j->n - 1], TERMINAL), jid);
}

static void m_merge(void *into, const void *from, const jm__ctx *ctx)
{
    pmap *a = into;
    const pmap *b = from;
    for (size_t i = 0; i < b->nnode; i++) {
        if (b->node[i].events == 0)
            continue;
        node *nd = node_of(a, (uint32_t)i);
        nd->events += b->node[i].events;
        nd->journeys += b->node[i].journeys;
        for (size_t k = 0; k < b->node[i].nch; k++)
            count_chan(nd, b->node[i].ch[k].chan, b->node[i].ch[k].events);
    }
    for (size_t i = 0; i < b->nedge; i++) {
        const edge *y = &b->edge[i];
        edge *x = y->from == TERMINAL || y->to == TERMINAL ? terminal_edge(a, y->from, y->to)
                                                           : pair_edge(a, ctx, y->pair);
        x->count += y->count;
        x->journeys += y->journeys;
        x->total_ms += y->total_ms;
    }
    a->events += b->events;
    a->journeys += b->journeys;
}

/* Names compare in byte order; the start or end node comes before any step. */
static int step_cmp(const jm__ctx *ctx, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    if (a == TERMINAL || b == TERMINAL)
        return a == TERMINAL ? -1 : 1;
    return jm__intern_cmp(ctx->steps, a, b);
}

static int node_rank(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const pmap *s = d[0];
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (s->node[a].events != s->node[b].events)
        return s->node[a].events > s->node[b].events ? -1 : 1;
    return step_cmp(d[1], a, b);
}

static int edge_rank(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const pmap *s = d[0];
    const edge *x = &s->edge[*(const uint32_t *)pa], *y = &s->edge[*(const uint32_t *)pb];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = step_cmp(d[1], x->from, y->from);
    return c ? c : step_cmp(d[1], x->to, y->to);
}

static void m_finish(void *st, const jm__ctx *ctx)
{
    pmap *s = st;
    const void *data[2] = {s, ctx};
    s->node_order = jm__xmalloc((s->nnode ? s->nnode : 1) * sizeof *s->node_order);
    for (size_t i = 0; i < s->nnode; i++)
        if (s->node[i].events > 0)
            s->node_order[s->nnode_rank++] = (uint32_t)i;
    jm__sort(s->node_order, s->nnode_rank, sizeof *s->node_order, node_rank, (void *)data);
    s->edge_order = jm__xmalloc((s->nedge ? s->nedge : 1) * sizeof *s->edge_order);
    for (size_t i = 0; i < s->nedge; i++)
        s->edge_order[i] = (uint32_t)i;
    jm__sort(s->edge_order, s->nedge, sizeof *s->edge_order, edge_rank, (void *)data);
}

/* ---- The cut: the most frequent steps and edges, as the map command's options ask ---- */

typedef struct cut {
    bool *keep_node; /* by step id */
    bool *keep_edge; /* by edge id */
    size_t nodes, edges;
    uint64_t node_events, edge_count, all_edge_count;
} cut;

static bool kept(const cut *c, uint32_t step)
{
    return step == TERMINAL || c->keep_node[step];
}

static void make_cut(const pmap *s, const jm__ctx *ctx, cut *c)
{
    double sp = ctx->opt->map_steps_pct, ep = ctx->opt->map_edges_pct;
    memset(c, 0, sizeof *c);
    c->keep_node = jm__xcalloc(s->nnode ? s->nnode : 1, sizeof *c->keep_node);
    c->keep_edge = jm__xcalloc(s->nedge ? s->nedge : 1, sizeof *c->keep_edge);
    /* Steps, most frequent first, until they hold the share of events asked for. */
    for (size_t r = 0; r < s->nnode_rank; r++) {
        if (c->nodes > 0 && (double)c->node_events * 100.0 >= sp * (double)s->events)
            break;
        uint32_t x = s->node_order[r];
        c->keep_node[x] = true;
        c->nodes++;
        c->node_events += s->node[x].events;
    }
    /* Edges between kept nodes, most frequent first, until they hold the share asked for;
     * then each kept step keeps its strongest way in and out, so nothing floats free, and the
     * end node keeps its edges: every kept step that journeys end on keeps its edge to the
     * end (SPEC §7), so a cut map never leaves "end" alone. */
    uint64_t eligible = 0;
    for (size_t i = 0; i < s->nedge; i++)
        if (kept(c, s->edge[i].from) && kept(c, s->edge[i].to))
            eligible += s->edge[i].count;
    c->all_edge_count = eligible;
    bool *has_in = jm__xcalloc(s->nnode ? s->nnode : 1, sizeof *has_in);
    bool *has_out = jm__xcalloc(s->nnode ? s->nnode : 1, sizeof *has_out);
    uint64_t taken = 0;
    for (size_t r = 0; r < s->nedge; r++) {
        uint32_t id = s->edge_order[r];
        const edge *e = &s->edge[id];
        if (!kept(c, e->from) || !kept(c, e->to))
            continue;
        bool enough = (double)taken * 100.0 >= ep * (double)eligible;
        bool needed = (e->to != TERMINAL && !has_in[e->to]) ||
                      (e->from != TERMINAL && !has_out[e->from]) ||
                      (e->to == TERMINAL && e->from != TERMINAL);
        if (enough && !needed)
            continue;
        c->keep_edge[id] = true;
        c->edges++;
        taken += e->count;
        if (e->to != TERMINAL)
            has_in[e->to] = true;
        if (e->from != TERMINAL)
            has_out[e->from] = true;
    }
    c->edge_count = taken;
    free(has_in);
    free(has_out);
}

static void free_cut(cut *c)
{
    free(c->keep_node);
    free(c->keep_edge);
}

/* ---- The model ---- */

static void edge_model(const jm__ctx *ctx, jm__model *m, jm__mval *arr, const edge *e)
{
    jm__mval *o = jm__m_obj(m, arr, NULL);
    size_t n;
    if (e->from == TERMINAL) {
        jm__m_null(m, o, "from");
    } else {
        const char *f = jm__intern_str(ctx->steps, e->from, &n);
        jm__m_str(m, o, "from", f, n);
    }
    if (e->to == TERMINAL) {
        jm__m_null(m, o, "to");
    } else {
        const char *t = jm__intern_str(ctx->steps, e->to, &n);
        jm__m_str(m, o, "to", t, n);
    }
    jm__m_uint(m, o, "count", e->count);
    jm__m_uint(m, o, "journeys", e->journeys);
    if (e->from == TERMINAL || e->to == TERMINAL) {
        jm__m_null(m, o, "median_wait_s");
        jm__m_null(m, o, "mean_wait_s");
    } else {
        jm__m_ms(m, o, "median_wait_s", jm__vals_pct(&ctx->pair_wait[e->pair], 50));
        jm__m_mean_ms(m, o, "mean_wait_s", e->total_ms, e->count);
    }
}

/* Nodes by rank (the most events first) and edges by rank, those the cut keeps (all without
 * one). A cut keeps a prefix of the nodes' ranking, so a node's place in the list is its rank
 * among all. */
static void map_model(const pmap *s, const jm__ctx *ctx, jm__model *m, jm__mval *sec,
                      const cut *c)
{
    jm__mval *a = jm__m_arr(m, sec, "nodes");
    for (size_t r = 0; r < s->nnode_rank; r++) {
        uint32_t x = s->node_order[r];
        if (c && !c->keep_node[x])
            continue;
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x, &n);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "step", name, n);
        jm__m_uint(m, o, "events", s->node[x].events);
        jm__m_uint(m, o, "journeys", s->node[x].journeys);
    }
    a = jm__m_arr(m, sec, "edges");
    for (size_t r = 0; r < s->nedge; r++) {
        uint32_t id = s->edge_order[r];
        if (c && !c->keep_edge[id])
            continue;
        edge_model(ctx, m, a, &s->edge[id]);
    }
}

/* For the page's step chips (html.c), hidden from the JSON: each step seen in a known channel,
 * by rank, with its most frequent channel (ties: the first name in byte order), that
 * channel's events, all the step's events ("of") and how many channels it was seen in. */
static void step_channels(const pmap *s, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    jm__mval *a = NULL;
    for (size_t r = 0; r < s->nnode_rank; r++) {
        const node *nd = &s->node[s->node_order[r]];
        if (nd->nch == 0)
            continue;
        const chan_n *best = &nd->ch[0];
        for (size_t i = 1; i < nd->nch; i++)
            if (nd->ch[i].events > best->events ||
                (nd->ch[i].events == best->events &&
                 jm__intern_cmp(ctx->chans, nd->ch[i].chan, best->chan) < 0))
                best = &nd->ch[i];
        if (a == NULL)
            a = jm__m_hide(jm__m_arr(m, sec, "step_channels"));
        size_t n, cn;
        const char *name = jm__intern_str(ctx->steps, s->node_order[r], &n);
        const char *c = jm__intern_str(ctx->chans, best->chan, &cn);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "step", name, n);
        jm__m_str(m, o, "channel", c, cn);
        jm__m_uint(m, o, "events", best->events);
        jm__m_uint(m, o, "of", nd->events);
        jm__m_uint(m, o, "channels", nd->nch);
    }
}

static void m_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    map_model(st, ctx, m, sec, NULL);
    step_channels(st, ctx, m, sec);
}

void jm__map_cut_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *root)
{
    const pmap *s = st;
    cut c;
    make_cut(s, ctx, &c);
    jm__mval *o = jm__m_obj(m, root, "cut");
    jm__m_uint(m, o, "steps", c.nodes);
    jm__m_uint(m, o, "steps_all", s->nnode_rank);
    jm__m_ratio(m, o, "event_share", c.node_events, s->events);
    jm__m_uint(m, o, "edges", c.edges);
    jm__m_uint(m, o, "edges_all", s->nedge);
    jm__m_ratio(m, o, "transition_share", c.edge_count, c.all_edge_count);
    /* For the map's label (DOT): the journeys drawn and the options that cut it. */
    jm__m_hide(jm__m_uint(m, o, "journeys", s->journeys));
    jm__m_hide(jm__m_real(m, o, "steps_pct", ctx->opt->map_steps_pct));
    jm__m_hide(jm__m_real(m, o, "edges_pct", ctx->opt->map_edges_pct));
    map_model(s, ctx, m, jm__m_obj(m, root, "map"), &c);
    free_cut(&c);
}

/* An edge's place in the state: from the start node first, then to the end node, then between
 * two steps; each by its steps' indices in the state's table. */
static void edge_key(const edge *e, const jm__state_w *w, uint32_t key[3])
{
    key[0] = e->from == TERMINAL ? 0 : e->to == TERMINAL ? 1 : 2;
    key[1] = e->from == TERMINAL ? jm__sw_step_index(w, e->to) : jm__sw_step_index(w, e->from);
    key[2] = key[0] == 2 ? jm__sw_step_index(w, e->to) : 0;
}

static int edge_by_index(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const pmap *s = d[0];
    uint32_t x[3], y[3];
    edge_key(&s->edge[*(const uint32_t *)pa], d[1], x);
    edge_key(&s->edge[*(const uint32_t *)pb], d[1], y);
    for (int i = 0; i < 3; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

static int chan_by_name(const void *pa, const void *pb, void *data)
{
    return jm__intern_cmp(data, ((const chan_n *)pa)->chan, ((const chan_n *)pb)->chan);
}

static int node_by_index(const void *pa, const void *pb, void *data)
{
    uint32_t a = jm__sw_step_index(data, *(const uint32_t *)pa);
    uint32_t b = jm__sw_step_index(data, *(const uint32_t *)pb);
    return (a > b) - (a < b);
}

/* Events and journeys; each node (step, events, journeys; its channels, each by name, with its
 * events, in byte order of the names); each edge (kind: 0 from the start,
 * 1 to the end, 2 between steps; its step or steps; count, journeys, total wait). */
static void m_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    pmap *s = st;
    jm__sw_u64(w, s->events);
    jm__sw_u64(w, s->journeys);
    size_t most = s->nnode > s->nedge ? s->nnode : s->nedge;
    uint32_t *ids = jm__xmalloc((most ? most : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < s->nnode; i++)
        if (s->node[i].events != 0)
            ids[k++] = (uint32_t)i;
    jm__sort(ids, k, sizeof *ids, node_by_index, w);
    jm__sw_u64(w, k);
    for (size_t r = 0; r < k; r++) {
        jm__sw_step(w, ids[r]);
        node *nd = &s->node[ids[r]];
        jm__sw_u64(w, nd->events);
        jm__sw_u64(w, nd->journeys);
        jm__sort(nd->ch, nd->nch, sizeof *nd->ch, chan_by_name, (void *)ctx->chans);
        jm__sw_u64(w, nd->nch);
        for (size_t i = 0; i < nd->nch; i++) {
            size_t cn;
            const char *c = jm__intern_str(ctx->chans, nd->ch[i].chan, &cn);
            jm__sw_bytes(w, c, cn);
            jm__sw_u64(w, nd->ch[i].events);
        }
    }
    for (size_t i = 0; i < s->nedge; i++)
        ids[i] = (uint32_t)i;
    const void *data[2] = {s, w};
    jm__sort(ids, s->nedge, sizeof *ids, edge_by_index, (void *)data);
    jm__sw_u64(w, s->nedge);
    for (size_t r = 0; r < s->nedge; r++) {
        const edge *e = &s->edge[ids[r]];
        uint32_t key[3];
        edge_key(e, w, key);
        jm__sw_u64(w, key[0]);
        jm__sw_u64(w, key[1]);
        if (key[0] == 2)
            jm__sw_u64(w, key[2]);
        jm__sw_u64(w, e->count);
        jm__sw_u64(w, e->journeys);
        jm__sw_i64(w, e->total_ms);
    }
    free(ids);
}

static void *m_load(const jm__ctx *ctx, jm__state_r *r)
{
    pmap *s = m_begin(ctx);
    s->events = jm__sr_u64(r);
    s->journeys = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        node *nd = node_of(s, jm__sr_step(r));
        if (nd->events != 0)
            jm__sr_fail(r); /* a step listed twice */
        nd->events = jm__sr_u64(r);
        nd->journeys = jm__sr_u64(r);
        if (nd->events == 0)
            jm__sr_fail(r);
        size_t nc = jm__sr_count(r);
        for (size_t c = 0; c < nc && jm__sr_ok(r); c++) {
            uint32_t ch = jm__sr_chan(r);
            uint64_t ev = jm__sr_u64(r);
            size_t before = nd->nch;
            count_chan(nd, ch, ev);
            if (ev == 0 || nd->nch == before) /* none, or a channel listed twice */
                jm__sr_fail(r);
        }
    }
    k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        uint64_t kind = jm__sr_u64(r);
        edge *e;
        if (kind == 2) {
            e = pair_edge(s, ctx, jm__sr_pair(r, NULL, NULL));
        } else {
            uint32_t step = jm__sr_step(r);
            if (kind > 1)
                jm__sr_fail(r);
            e = kind == 0 ? terminal_edge(s, TERMINAL, step) : terminal_edge(s, step, TERMINAL);
        }
        if (e->count != 0)
            jm__sr_fail(r); /* an edge listed twice */
        e->count = jm__sr_u64(r);
        e->journeys = jm__sr_u64(r);
        e->total_ms = jm__sr_i64(r);
        if (e->count == 0)
            jm__sr_fail(r);
    }
    return s;
}

static void m_free(void *st)
{
    pmap *s = st;
    for (size_t i = 0; i < s->nnode; i++)
        free(s->node[i].ch);
    free(s->node);
    free(s->edge);
    free(s->node_order);
    free(s->edge_order);
    free(s->from_start);
    free(s->to_end);
    free(s->of_pair);
    free(s);
}

const jm__analysis jm__map_analysis = {
    .key = "map",
    .begin = m_begin,
    .add = m_add,
    .merge = m_merge,
    .finish = m_finish,
    .model = m_model,
    .free = m_free,
    .save = m_save,
    .load = m_load,
};
