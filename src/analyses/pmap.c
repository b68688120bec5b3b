/* SPDX-License-Identifier: MIT */
/* The process map: the directly-follows graph of steps, with a start and an end node. */
#include "analysis.h"
#include "write/text.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TERMINAL UINT32_MAX /* the start node as a source, the end node as a target */

typedef struct node {
    uint64_t events, journeys, stamp;
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
        int64_t w = j->start[i] - j->end[i - 1];
        w = w > 0 ? w : 0;
        e->total_ms += w;
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
    size_t na, nb;
    const char *x = jm__intern_str(ctx->steps, a, &na);
    const char *y = jm__intern_str(ctx->steps, b, &nb);
    return jm__bytes_cmp(x, na, y, nb);
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
     * then each kept step keeps its strongest way in and out, so nothing floats free. */
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
        bool needed =
            (e->to != TERMINAL && !has_in[e->to]) || (e->from != TERMINAL && !has_out[e->from]);
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

/* ---- Writers ---- */

static void edge_json(const pmap *s, const jm__ctx *ctx, jm__json *w, const edge *e)
{
    (void)s;
    jm__json_obj(w, NULL);
    size_t n;
    if (e->from == TERMINAL) {
        jm__json_null(w, "from");
    } else {
        const char *f = jm__intern_str(ctx->steps, e->from, &n);
        jm__json_str(w, "from", f, n);
    }
    if (e->to == TERMINAL) {
        jm__json_null(w, "to");
    } else {
        const char *t = jm__intern_str(ctx->steps, e->to, &n);
        jm__json_str(w, "to", t, n);
    }
    jm__json_u64(w, "count", e->count);
    jm__json_u64(w, "journeys", e->journeys);
    if (e->from == TERMINAL || e->to == TERMINAL) {
        jm__json_null(w, "median_wait_s");
        jm__json_null(w, "mean_wait_s");
    } else {
        jm__json_secs(w, "median_wait_s", jm__vals_pct(&ctx->pair_wait[e->pair], 50));
        jm__json_mean_secs(w, "mean_wait_s", e->total_ms, e->count);
    }
    jm__json_obj_end(w);
}

static void map_json(const pmap *s, const jm__ctx *ctx, jm__json *w, const cut *c)
{
    jm__json_arr(w, "nodes");
    for (size_t r = 0; r < s->nnode_rank; r++) {
        uint32_t x = s->node_order[r];
        if (c && !c->keep_node[x])
            continue;
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x, &n);
        jm__json_obj(w, NULL);
        jm__json_str(w, "step", name, n);
        jm__json_u64(w, "events", s->node[x].events);
        jm__json_u64(w, "journeys", s->node[x].journeys);
        jm__json_obj_end(w);
    }
    jm__json_arr_end(w);
    jm__json_arr(w, "edges");
    for (size_t r = 0; r < s->nedge; r++) {
        uint32_t id = s->edge_order[r];
        if (c && !c->keep_edge[id])
            continue;
        edge_json(s, ctx, w, &s->edge[id]);
    }
    jm__json_arr_end(w);
}

static void m_json(const void *st, const jm__ctx *ctx, jm__json *w)
{
    map_json(st, ctx, w, NULL);
}

static void m_text(const void *st, const jm__ctx *ctx, jm__text *t)
{
    const pmap *s = st;
    FILE *o = t->out;
    fputs(t->md ? "## Process map\n\n" : "Process map\n-----------\n", o);
    fprintf(o,
            "%zu steps and %zu transitions (start and end included); `jmine map` draws it. The "
            "most frequent transitions:\n\n",
            s->nnode_rank, s->nedge);
    static const char *const head[] = {"from", "to", "count", "journeys", "median wait"};
    jm__table *tb = jm__table_new(5, head, "llrrr");
    size_t k = ctx->opt->top && ctx->opt->top < s->nedge ? ctx->opt->top : s->nedge;
    for (size_t r = 0; r < k; r++) {
        const edge *e = &s->edge[s->edge_order[r]];
        char c[3][32];
        snprintf(c[0], 32, "%" PRIu64, e->count);
        snprintf(c[1], 32, "%" PRIu64, e->journeys);
        if (e->from == TERMINAL || e->to == TERMINAL)
            strcpy(c[2], "-");
        else
            jm__fmt_human(c[2], jm__vals_pct(&ctx->pair_wait[e->pair], 50));
        size_t nf = 7, nt = 5;
        const char *f = e->from == TERMINAL ? "(start)" : jm__intern_str(ctx->steps, e->from, &nf);
        const char *to = e->to == TERMINAL ? "(end)" : jm__intern_str(ctx->steps, e->to, &nt);
        const char *cells[] = {f, to, c[0], c[1], c[2]};
        size_t lens[] = {nf, nt, strlen(c[0]), strlen(c[1]), strlen(c[2])};
        jm__table_row(tb, cells, lens);
    }
    jm__table_print(tb, o, t->md);
    jm__table_free(tb);
    fputc('\n', o);
}

/* Text inside a DOT string: made safe (see jm__safe), quotes and backslashes escaped. */
static void dot_escape(FILE *o, const char *s, size_t n)
{
    char *safe = jm__safe(s, n, false);
    for (const char *p = safe; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', o);
        fputc(*p, o);
    }
    free(safe);
}

/* Nodes are named by rank, so the file does not depend on the order the log was read in. */
static void dot_node_id(FILE *o, const uint32_t *rank_of, uint32_t step, bool as_target)
{
    if (step == TERMINAL)
        fputs(as_target ? "end" : "start", o);
    else
        fprintf(o, "n%" PRIu32, rank_of[step] + 1);
}

static void map_dot(const pmap *s, const jm__ctx *ctx, FILE *o, const cut *c)
{
    uint64_t max_count = 1, max_events = 1;
    for (size_t i = 0; i < s->nedge; i++)
        if (c->keep_edge[i] && s->edge[i].count > max_count)
            max_count = s->edge[i].count;
    for (size_t i = 0; i < s->nnode; i++)
        if (c->keep_node[i] && s->node[i].events > max_events)
            max_events = s->node[i].events;
    uint32_t *rank_of = jm__xcalloc(s->nnode ? s->nnode : 1, sizeof *rank_of);
    for (size_t r = 0; r < s->nnode_rank; r++)
        rank_of[s->node_order[r]] = (uint32_t)r;
    fputs("digraph jmine {\n", o);
    char label[512];
    snprintf(label, sizeof label,
             "%" PRIu64 " journeys. Steps shown: %zu of %zu (%.1f%% of events); transitions "
             "shown: %zu of %zu (%.1f%% of their count). Cut with --map-steps %g --map-edges %g.",
             s->journeys, c->nodes, s->nnode_rank,
             s->events ? 100.0 * (double)c->node_events / (double)s->events : 100.0, c->edges,
             s->nedge,
             c->all_edge_count ? 100.0 * (double)c->edge_count / (double)c->all_edge_count : 100.0,
             ctx->opt->map_steps_pct, ctx->opt->map_edges_pct);
    fputs("  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\"", o);
    dot_escape(o, label, strlen(label));
    fputs("\"];\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
          "fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n",
          o);
    fputs("  start [label=\"start\", shape=circle, fillcolor=\"#b7e1b0\"];\n"
          "  end [label=\"end\", shape=doublecircle, fillcolor=\"#f2b8b5\"];\n",
          o);
    for (size_t r = 0; r < s->nnode_rank; r++) {
        uint32_t x = s->node_order[r];
        if (!c->keep_node[x])
            continue;
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x, &n);
        /* Busier steps get a deeper blue, in five shades. */
        static const char *const shade[] = {"#eef4fb", "#d6e6f5", "#b9d3ee", "#94bce4", "#6fa3d8"};
        int level = (int)(4.0 * (double)s->node[x].events / (double)max_events + 0.5);
        fprintf(o, "  n%zu [label=\"", r + 1);
        dot_escape(o, name, n);
        fprintf(o, "\\n%" PRIu64 " events\", fillcolor=\"%s\"];\n", s->node[x].events,
                shade[level]);
    }
    for (size_t r = 0; r < s->nedge; r++) {
        uint32_t id = s->edge_order[r];
        if (!c->keep_edge[id])
            continue;
        const edge *e = &s->edge[id];
        fputs("  ", o);
        dot_node_id(o, rank_of, e->from, false);
        fputs(" -> ", o);
        dot_node_id(o, rank_of, e->to, true);
        char wait[32] = "";
        if (e->from != TERMINAL && e->to != TERMINAL) {
            char h[32];
            snprintf(wait, sizeof wait, "\\nmedian %s",
                     jm__fmt_human(h, jm__vals_pct(&ctx->pair_wait[e->pair], 50)));
        }
        double pen = 1.0 + 5.0 * sqrt((double)e->count / (double)max_count);
        fprintf(o, " [label=\"%" PRIu64 "%s\", penwidth=%.2f];\n", e->count, wait, pen);
    }
    fputs("}\n", o);
    free(rank_of);
}

jm_status jm__map_write(const void *st, const jm__ctx *ctx, jm_format fmt, FILE *out)
{
    const pmap *s = st;
    cut c;
    make_cut(s, ctx, &c);
    if (fmt == JM_FORMAT_DOT) {
        map_dot(s, ctx, out, &c);
    } else if (fmt == JM_FORMAT_JSON) {
        jm__json w;
        jm__json_init(&w, out);
        jm__json_obj(&w, NULL);
        jm__json_obj(&w, "cut");
        jm__json_u64(&w, "steps", c.nodes);
        jm__json_u64(&w, "steps_all", s->nnode_rank);
        jm__json_ratio(&w, "event_share", c.node_events, s->events);
        jm__json_u64(&w, "edges", c.edges);
        jm__json_u64(&w, "edges_all", s->nedge);
        jm__json_ratio(&w, "transition_share", c.edge_count, c.all_edge_count);
        jm__json_obj_end(&w);
        jm__json_obj(&w, "map");
        map_json(s, ctx, &w, &c);
        jm__json_obj_end(&w);
        jm__json_obj_end(&w);
        jm__json_end(&w);
    } else {
        free_cut(&c);
        return JM_EUSAGE;
    }
    free_cut(&c);
    return JM_OK;
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

static int node_by_index(const void *pa, const void *pb, void *data)
{
    uint32_t a = jm__sw_step_index(data, *(const uint32_t *)pa);
    uint32_t b = jm__sw_step_index(data, *(const uint32_t *)pb);
    return (a > b) - (a < b);
}

/* Events and journeys; each node (step, events, journeys); each edge (kind: 0 from the start,
 * 1 to the end, 2 between steps; its step or steps; count, journeys, total wait). */
static void m_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    (void)ctx;
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
        jm__sw_u64(w, s->node[ids[r]].events);
        jm__sw_u64(w, s->node[ids[r]].journeys);
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
    .json = m_json,
    .text = m_text,
    .free = m_free,
    .save = m_save,
    .load = m_load,
};
