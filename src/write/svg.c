/* SPDX-License-Identifier: MIT */
/* SVG: the process map of the map command, laid out in-process by Graphviz's libraries. */
#include "writer.h"

#ifdef JM_HAVE_GRAPHVIZ

#include "json.h"
#include "util.h"

#include <gvc.h>
#include <gvplugin.h>

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The dot layout and the core renderers (svg among them), linked in: the context is made from
 * this table alone, so nothing depends on Graphviz's run-time plugin configuration. */
extern gvplugin_library_t gvplugin_dot_layout_LTX_library;
extern gvplugin_library_t gvplugin_core_LTX_library;
static const lt_symlist_t builtins[] = {
    {"gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library},
    {"gvplugin_core_LTX_library", &gvplugin_core_LTX_library},
    {NULL, NULL},
};

/* Graphviz's warnings (fonts, layout) are dropped: the library never prints. */
static int quiet(char *msg)
{
    (void)msg;
    return 0;
}

/* A growing string, for labels. */
typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = jm__xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A name in a plain Graphviz label: valid UTF-8 that XML can hold, as the JSON shows it (U+FFFD
 * for each byte that is not UTF-8; control bytes and U+FFFE, U+FFFF, which XML 1.0 refuses,
 * as U+FFFD too), a backslash doubled (a label's escapes are \n, \N, \G and the like) and
 * '&' written as "&amp;" (Graphviz decodes entities in a plain label, so "R&amp;D" would show
 * as "R&D").
 * Graphviz writes the label into the SVG with <, >, " and & escaped as XML. */
static void put_name(buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = jm__utf8_len(u + i, n - i);
        bool bad = k == 0 || (k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
                   (k == 3 && u[i] == 0xef && u[i + 1] == 0xbf && u[i + 2] >= 0xbe);
        if (bad) {
            put(b, "\xEF\xBF\xBD", 3);
            i += k ? k : 1;
            continue;
        }
        if (u[i] == '&') { /* Graphviz reads entities in a label: "&amp;" comes out as '&' */
            put(b, "&amp;", 5);
            i++;
            continue;
        }
        if (u[i] == '\\')
            put(b, s + i, 1);
        put(b, s + i, k);
        i += k;
    }
}

static void set(void *obj, const char *key, const char *value)
{
    agsafeset(obj, (char *)key, (char *)value, "");
}

/* The node an edge end names: start (a null source), end (a null target) or the step of that
 * name among the nodes (the model lists only edges between nodes it lists). */
static Agnode_t *end_node(Agnode_t **node, const jm__mval **step, size_t n, Agnode_t *terminal,
                          const jm__mval *name)
{
    if (name == NULL || name->type != JM__M_STR)
        return terminal;
    for (size_t i = 0; i < n; i++)
        if (step[i] != NULL && step[i]->v.str.n == name->v.str.n &&
            memcmp(step[i]->v.str.s, name->v.str.s, name->v.str.n) == 0)
            return node[i];
    jm__die("map: an edge to a step that is not drawn");
}

/* Graphviz's dot routes curved edges in time that grows steeply with the transitions drawn
 * (50 steps, a random log: 153 transitions 0.18 s, 195 2.7 s, 262 13.4 s; sepsis.csv, 135
 * transitions, 0.24 s). Past this many, the map is drawn with straight edges and bounded
 * ranking and crossing passes (splines=line, nslimit=nslimit1=1, mclimit=0.1): 262
 * transitions 0.13 s, 2,600 9 s. The picture says so. */
enum { CURVED_MAX = 150 };

/* Busier steps get a deeper blue, in five shades of ColorBrewer's sequential Blues (safe for
 * the colour-blind and in grey); the two deepest take white text. */
static const char *const fill[] = {"#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"};

/* Graphviz is not thread safe: this runs on the calling thread (write_model in report.c), and
 * the map command writes one map, so only one thread is ever inside Graphviz. Nodes are named by
 * rank and added in the model's order (nodes by rank, edges by rank, ties broken by names), so
 * the same log gives the same picture, byte for byte. */
void jm__svg_draw(const jm__mval *root, FILE *o, const char *prefix)
{
    const jm__mval *nl = jm__m_at(root, "map.nodes"), *el = jm__m_at(root, "map.edges");
    size_t n = nl != NULL && nl->type == JM__M_ARR ? nl->n : 0;
    const jm__mval *first_edge = el != NULL && el->type == JM__M_ARR ? el->v.kids.first : NULL;
    uint64_t max_count = 1, max_events = 1;
    for (const jm__mval *v = n ? nl->v.kids.first : NULL; v != NULL; v = v->next)
        if (jm__m_u(jm__m_get(v, "events")) > max_events)
            max_events = jm__m_u(jm__m_get(v, "events"));
    size_t nedges = 0;
    for (const jm__mval *e = first_edge; e != NULL; e = e->next, nedges++)
        if (jm__m_u(jm__m_get(e, "count")) > max_count)
            max_count = jm__m_u(jm__m_get(e, "count"));

    agusererrf was = agseterrf(quiet);
    GVC_t *gvc = gvContextPlugins(builtins, 0);
    Agraph_t *g = agopen("jmine", Agdirected, NULL);
    char label[512], num[64];
    const jm__mval *own = jm__m_get(root, "label");
    if (own != NULL && own->type == JM__M_STR)
        snprintf(label, sizeof label, "%.*s", (int)own->v.str.n, own->v.str.s);
    else
        jm__map_cut_label(root, label, sizeof label);
    if (nedges > CURVED_MAX) {
        size_t k = strlen(label);
        snprintf(label + k, sizeof label - k, " Edges drawn straight (over %d transitions).",
                 (int)CURVED_MAX);
        set(g, "splines", "line");
        set(g, "nslimit", "1");
        set(g, "nslimit1", "1");
        set(g, "mclimit", "0.1");
    }
    set(g, "label", label);
    set(g, "labelloc", "t");
    set(g, "rankdir", "TB");
    set(g, "fontname", "Helvetica");
    set(g, "fontsize", "12");
    /* The caller's own settings ("graph": name -> value), after the defaults. */
    for (const jm__mval *v = jm__m_get(root, "graph"), *a = v != NULL && v->type == JM__M_OBJ
                                                             ? v->v.kids.first
                                                             : NULL;
         a != NULL; a = a->next)
        if (a->type == JM__M_STR)
            set(g, a->key, a->v.str.s);

    Agnode_t *start = agnode(g, "start", 1), *end = agnode(g, "end", 1);
    set(start, "label", "start");
    set(start, "shape", "circle");
    set(start, "style", "filled");
    set(start, "fillcolor", "#d9d9d9");
    set(start, "fontname", "Helvetica");
    set(start, "fontsize", "11");
    set(end, "label", "end");
    set(end, "shape", "doublecircle");
    set(end, "style", "filled");
    set(end, "fillcolor", "#d9d9d9");
    set(end, "fontname", "Helvetica");
    set(end, "fontsize", "11");
    if (prefix != NULL) {
        snprintf(num, sizeof num, "%sstart", prefix);
        set(start, "id", num);
        snprintf(num, sizeof num, "%send", prefix);
        set(end, "id", num);
    }

    Agnode_t **node = jm__xmalloc((n ? n : 1) * sizeof *node);
    const jm__mval **step = jm__xmalloc((n ? n : 1) * sizeof *step);
    buf b = {0};
    size_t r = 0;
    for (const jm__mval *v = n ? nl->v.kids.first : NULL; v != NULL; v = v->next, r++) {
        const jm__mval *s = jm__m_get(v, "step");
        step[r] = s != NULL && s->type == JM__M_STR ? s : NULL;
        uint64_t events = jm__m_u(jm__m_get(v, "events"));
        snprintf(num, sizeof num, "n%zu", r + 1);
        node[r] = agnode(g, num, 1);
        b.n = 0;
        puts_(&b, "");
        if (step[r] != NULL)
            put_name(&b, step[r]->v.str.s, step[r]->v.str.n);
        snprintf(num, sizeof num, "\\n%" PRIu64 " events", events);
        puts_(&b, num);
        int level = (int)(4.0 * (double)events / (double)max_events + 0.5);
        set(node[r], "label", b.s);
        set(node[r], "shape", "box");
        /* Graphviz sizes text by Helvetica's metrics; a browser's sans-serif fallback runs
         * wider, so boxes get twice the default side margin. */
        set(node[r], "margin", "0.22,0.055");
        set(node[r], "style", "rounded,filled");
        set(node[r], "fillcolor", fill[level]);
        set(node[r], "fontcolor", level >= 3 ? "#ffffff" : "#000000");
        set(node[r], "fontname", "Helvetica");
        set(node[r], "fontsize", "11");
        if (prefix != NULL) {
            snprintf(num, sizeof num, "%sn%" PRIu64, prefix, jm__m_u(jm__m_get(v, "i")));
            set(node[r], "id", num);
        }
    }
    for (const jm__mval *e = first_edge; e != NULL; e = e->next) {
        const jm__mval *from = jm__m_get(e, "from"), *to = jm__m_get(e, "to");
        uint64_t c = jm__m_u(jm__m_get(e, "count"));
        Agedge_t *ed = agedge(g, end_node(node, step, n, start, from),
                              end_node(node, step, n, end, to), NULL, 1);
        char wait[64] = "", h[32];
        if (!jm__m_isnull(from) && !jm__m_isnull(to) &&
            !jm__m_isnull(jm__m_get(e, "median_wait_s"))) /* null: a folded row's */
            snprintf(wait, sizeof wait, "\\nmedian %s",
                     jm__fmt_human(h, jm__m_msv(jm__m_get(e, "median_wait_s"))));
        snprintf(label, sizeof label, "%" PRIu64 "%s", c, wait);
        set(ed, "label", label);
        snprintf(num, sizeof num, "%.2f", 1.0 + 5.0 * sqrt((double)c / (double)max_count));
        set(ed, "penwidth", num);
        set(ed, "color", "#525252");
        set(ed, "fontname", "Helvetica");
        set(ed, "fontsize", "9");
        if (prefix != NULL) {
            snprintf(num, sizeof num, "%se%" PRIu64, prefix, jm__m_u(jm__m_get(e, "i")));
            set(ed, "id", num);
        }
    }
    free(b.s);
    free(node);
    free(step);

    char *data = NULL;
    unsigned int len = 0;
    if (gvLayout(gvc, g, "dot") != 0 || gvRenderData(gvc, g, "svg", &data, &len) != 0)
        jm__die("map: Graphviz could not lay the map out");
    fwrite(data, 1, len, o);
    gvFreeRenderData(data);
    gvFreeLayout(gvc, g);
    agclose(g);
    gvFreeContext(gvc);
    agseterrf(was);
}

void jm__svg_map(const jm__mval *root, FILE *o)
{
    jm__svg_draw(root, o, NULL);
}

#endif
