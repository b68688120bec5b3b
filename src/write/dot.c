/* SPDX-License-Identifier: MIT */
/* DOT: the process map of the map command for Graphviz, read from the report model. */
#include "intern.h"
#include "text.h"
#include "util.h"
#include "writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The map's nodes, for finding an edge's ends by name: nodes in rank order, and their indices
 * sorted by name. */
typedef struct nodes {
    const jm__mval **node;
    size_t n;
    uint32_t *by_name;
} nodes;

static const jm__mval *step_of(const jm__mval *node)
{
    const jm__mval *s = jm__m_get(node, "step");
    return s != NULL && s->type == JM__M_STR ? s : NULL;
}

static int name_cmp(const jm__mval *a, const jm__mval *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return jm__bytes_cmp(a->v.str.s, a->v.str.n, b->v.str.s, b->v.str.n);
}

static int by_name(const void *pa, const void *pb, void *data)
{
    const nodes *ns = data;
    return name_cmp(step_of(ns->node[*(const uint32_t *)pa]),
                    step_of(ns->node[*(const uint32_t *)pb]));
}

/* Nodes are named by rank, so the file does not depend on the order the log was read in: the
 * start node as a source, the end node as a target, a step by its place in the node list (the
 * cut keeps a prefix of the ranking, so that place is its rank among all steps). */
static void node_id(FILE *o, const nodes *ns, const jm__mval *end, bool as_target)
{
    if (end == NULL || end->type != JM__M_STR) {
        fputs(as_target ? "end" : "start", o);
        return;
    }
    size_t lo = 0, hi = ns->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (name_cmp(step_of(ns->node[ns->by_name[mid]]), end) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ns->n || name_cmp(step_of(ns->node[ns->by_name[lo]]), end) != 0)
        jm__die("map: an edge to a step that is not drawn");
    fprintf(o, "n%" PRIu32, ns->by_name[lo] + 1);
}

static double share_or_all(const jm__mval *r)
{
    if (r == NULL || r->type != JM__M_RATIO || r->v.ratio.den == 0)
        return 100.0;
    return 100.0 * (double)r->v.ratio.num / (double)r->v.ratio.den;
}

static double real(const jm__mval *v)
{
    return v != NULL && v->type == JM__M_REAL ? v->v.d : 0.0;
}

void jm__map_cut_label(const jm__mval *root, char *buf, size_t n)
{
    const jm__mval *cut = jm__m_get(root, "cut");
    snprintf(buf, n,
             "%" PRIu64 " journeys. Steps shown: %" PRIu64 " of %" PRIu64
             " (%.1f%% of events); transitions shown: %" PRIu64 " of %" PRIu64
             " (%.1f%% of their count). Cut with --map-steps %g --map-edges %g.",
             jm__m_u(jm__m_get(cut, "journeys")), jm__m_u(jm__m_get(cut, "steps")),
             jm__m_u(jm__m_get(cut, "steps_all")), share_or_all(jm__m_get(cut, "event_share")),
             jm__m_u(jm__m_get(cut, "edges")), jm__m_u(jm__m_get(cut, "edges_all")),
             share_or_all(jm__m_get(cut, "transition_share")), real(jm__m_get(cut, "steps_pct")),
             real(jm__m_get(cut, "edges_pct")));
}

void jm__dot_map(const jm__mval *root, FILE *o)
{
    const jm__mval *nl = jm__m_at(root, "map.nodes"), *el = jm__m_at(root, "map.edges");
    nodes ns = {0};
    ns.n = nl != NULL && nl->type == JM__M_ARR ? nl->n : 0;
    ns.node = jm__xmalloc((ns.n ? ns.n : 1) * sizeof *ns.node);
    ns.by_name = jm__xmalloc((ns.n ? ns.n : 1) * sizeof *ns.by_name);
    uint64_t max_count = 1, max_events = 1;
    size_t i = 0;
    for (const jm__mval *v = ns.n ? nl->v.kids.first : NULL; v != NULL; v = v->next, i++) {
        ns.node[i] = v;
        ns.by_name[i] = (uint32_t)i;
        uint64_t ev = jm__m_u(jm__m_get(v, "events"));
        if (ev > max_events)
            max_events = ev;
    }
    jm__sort(ns.by_name, ns.n, sizeof *ns.by_name, by_name, &ns);
    const jm__mval *first_edge = el != NULL && el->type == JM__M_ARR ? el->v.kids.first : NULL;
    for (const jm__mval *e = first_edge; e != NULL; e = e->next) {
        uint64_t c = jm__m_u(jm__m_get(e, "count"));
        if (c > max_count)
            max_count = c;
    }

    fputs("digraph jmine {\n", o);
    char label[512];
    jm__map_cut_label(root, label, sizeof label);
    fputs("  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\"", o);
    dot_escape(o, label, strlen(label));
    fputs("\"];\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
          "fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n",
          o);
    fputs("  start [label=\"start\", shape=circle, fillcolor=\"#b7e1b0\"];\n"
          "  end [label=\"end\", shape=doublecircle, fillcolor=\"#f2b8b5\"];\n",
          o);
    for (size_t r = 0; r < ns.n; r++) {
        const jm__mval *step = step_of(ns.node[r]);
        uint64_t events = jm__m_u(jm__m_get(ns.node[r], "events"));
        /* Busier steps get a deeper blue, in five shades. */
        static const char *const shade[] = {"#eef4fb", "#d6e6f5", "#b9d3ee", "#94bce4", "#6fa3d8"};
        int level = (int)(4.0 * (double)events / (double)max_events + 0.5);
        fprintf(o, "  n%zu [label=\"", r + 1);
        if (step != NULL)
            dot_escape(o, step->v.str.s, step->v.str.n);
        fprintf(o, "\\n%" PRIu64 " events\", fillcolor=\"%s\"];\n", events, shade[level]);
    }
    for (const jm__mval *e = first_edge; e != NULL; e = e->next) {
        const jm__mval *from = jm__m_get(e, "from"), *to = jm__m_get(e, "to");
        uint64_t c = jm__m_u(jm__m_get(e, "count"));
        fputs("  ", o);
        node_id(o, &ns, from, false);
        fputs(" -> ", o);
        node_id(o, &ns, to, true);
        char wait[32] = "";
        if (!jm__m_isnull(from) && !jm__m_isnull(to) &&
            !jm__m_isnull(jm__m_get(e, "median_wait_s"))) { /* null: a folded row's */
            char h[32];
            snprintf(wait, sizeof wait, "\\nmedian %s",
                     jm__fmt_human(h, jm__m_msv(jm__m_get(e, "median_wait_s"))));
        }
        double pen = 1.0 + 5.0 * sqrt((double)c / (double)max_count);
        fprintf(o, " [label=\"%" PRIu64 "%s\", penwidth=%.2f];\n", c, wait, pen);
    }
    fputs("}\n", o);
    free(ns.node);
    free(ns.by_name);
}
