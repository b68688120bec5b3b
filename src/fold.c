/* SPDX-License-Identifier: MIT */
/* --min-journeys K: rows of the report model seen in fewer than K journeys folded into "other". */
#include "fold.h"

#include "util.h"

#include <glib.h>

#include <string.h>

/* The name every folded row takes, and the key that marks the row. */
#define OTHER "(other)"

typedef struct folder {
    jm__model *m;
    uint64_t k;
    GHashTable *step_j;  /* step name -> journeys (map.nodes), as the report gave them */
    GHashTable *trans_j; /* "from\x1fto" -> journeys (map.edges) */
    GHashTable *folded_steps;
    GHashTable *folded_trans;
    jm__mval *stated; /* privacy.folded */
} folder;

/* A string value's bytes as a NUL-terminated key of the tables ("" for null: the start or end
 * node of the map, which is never folded). */
static char *name_of(const jm__mval *v)
{
    if (v == NULL || v->type != JM__M_STR)
        return g_strdup("\x01"); /* null: not a step name */
    return g_strndup(v->v.str.s, v->v.str.n);
}

static char *pair_of(const jm__mval *row)
{
    char *a = name_of(jm__m_get(row, "from")), *b = name_of(jm__m_get(row, "to"));
    char *k = g_strconcat(a, "\x1f", b, NULL);
    g_free(a);
    g_free(b);
    return k;
}

static bool is_other(const jm__mval *row)
{
    const jm__mval *o = jm__m_get(row, "other");
    return o != NULL && o->type == JM__M_BOOL && o->v.b;
}

static bool is_name_key(const char *key)
{
    return strcmp(key, "id") == 0 || strcmp(key, "step") == 0 || strcmp(key, "from") == 0 ||
           strcmp(key, "to") == 0;
}

/* The other row itself: marked other, every name OTHER (a map edge with one end renamed is
 * marked other but is not the other row). */
static bool the_other(const jm__mval *row)
{
    if (!is_other(row))
        return false;
    for (const jm__mval *v = row->v.kids.first; v != NULL; v = v->next)
        if (is_name_key(v->key) &&
            (v->type != JM__M_STR || v->v.str.n != strlen(OTHER) ||
             memcmp(v->v.str.s, OTHER, v->v.str.n) != 0))
            return false;
    return true;
}

/* Set a member's value in place (the model has no setter: values are plain structs). */
static void set_null(jm__mval *v)
{
    v->type = JM__M_NULL;
}

static void set_str(jm__mval *v, const char *s)
{
    v->type = JM__M_STR;
    v->v.str.s = s;
    v->v.str.n = strlen(s);
}

/* Add row's figures into the other row `into`: counts and total milliseconds add, max_* take
 * the larger, shares add their numerators; percentiles, medians and means cannot be told from
 * the rows and become null. */
static void add_into(jm__mval *into, const jm__mval *row)
{
    for (jm__mval *v = into->v.kids.first; v != NULL; v = v->next) {
        const jm__mval *w = jm__m_get(row, v->key);
        if (w == NULL)
            continue;
        if (v->type == JM__M_UINT && w->type == JM__M_UINT) {
            if (strncmp(v->key, "max", 3) == 0)
                v->v.u = v->v.u > w->v.u ? v->v.u : w->v.u;
            else if (strcmp(v->key, "rank") != 0)
                v->v.u += w->v.u;
        } else if (v->type == JM__M_MS && w->type == JM__M_MS && strncmp(v->key, "total", 5) == 0) {
            v->v.ms += w->v.ms;
        } else if (v->type == JM__M_RATIO && w->type == JM__M_RATIO &&
                   strcmp(v->key, "share") == 0) {
            v->v.ratio.num += w->v.ratio.num;
        } else if (v->type == JM__M_OBJ) {
            for (jm__mval *x = v->v.kids.first; x != NULL; x = x->next)
                set_null(x);
        } else if (v->type != JM__M_STR && v->type != JM__M_ARR && v->type != JM__M_BOOL &&
                   strcmp(v->key, "cumulative_share") != 0) {
            set_null(v);
        }
    }
}

/* A new other row shaped as `like`: names OTHER, the figures of `like`, "other": true. */
static jm__mval *other_row(folder *f, jm__mval *arr, const jm__mval *like)
{
    jm__mval *o = jm__m_obj(f->m, arr, NULL);
    for (const jm__mval *v = like->v.kids.first; v != NULL; v = v->next) {
        if (strcmp(v->key, "other") == 0)
            continue;
        jm__mval *c;
        if (is_name_key(v->key) || strcmp(v->key, "kind") == 0 || strcmp(v->key, "what") == 0) {
            jm__m_cstr(f->m, o, v->key, OTHER);
            continue;
        }
        switch (v->type) {
        case JM__M_STR: jm__m_null(f->m, o, v->key); break;
        case JM__M_ARR: /* steps */
            c = jm__m_arr(f->m, o, v->key);
            jm__m_cstr(f->m, c, NULL, OTHER);
            break;
        case JM__M_OBJ:
            c = jm__m_obj(f->m, o, v->key);
            for (const jm__mval *x = v->v.kids.first; x != NULL; x = x->next)
                jm__m_null(f->m, c, x->key);
            break;
        default:
            c = jm__m_null(f->m, o, v->key);
            *c = *v;
            c->next = NULL;
            break;
        }
    }
    jm__m_bool(f->m, o, "other", true);
    return o;
}

/* The journeys a row was seen in: its own key, or the map's figure for its step or pair. */
typedef enum { J_KEY, J_STEP, J_PAIR } jsource;

static uint64_t journeys_of(const folder *f, const jm__mval *row, jsource src, const char *key)
{
    if (src == J_KEY)
        return jm__m_u(jm__m_get(row, key));
    char *k = src == J_STEP ? name_of(jm__m_get(row, "step")) : pair_of(row);
    GHashTable *t = src == J_STEP ? f->step_j : f->trans_j;
    gpointer v;
    bool found = t != NULL && g_hash_table_lookup_extended(t, k, NULL, &v);
    g_free(k);
    return found ? (uint64_t)GPOINTER_TO_SIZE(v) : UINT64_MAX; /* unknown: kept */
}

/* Fold the rows of arr seen in fewer than k journeys into one other row at its end (or into a
 * row already marked other). Returns the rows folded. `seen` (if not NULL) gets each folded
 * row's step or pair name. */
static uint64_t fold_rows(folder *f, jm__mval *arr, jsource src, const char *key, GHashTable *seen)
{
    if (arr == NULL || arr->type != JM__M_ARR)
        return 0;
    jm__mval *other = NULL, *keep_first = NULL, *keep_last = NULL, *first_folded = NULL;
    jm__mval *last_kept = NULL;
    uint64_t n = 0, kept = 0;
    for (jm__mval *r = arr->v.kids.first, *next; r != NULL; r = next) {
        next = r->next;
        r->next = NULL;
        bool o = the_other(r);
        bool fold = !o && journeys_of(f, r, src, key) < f->k;
        if (!fold) {
            if (keep_last != NULL)
                keep_last->next = r;
            else
                keep_first = r;
            keep_last = r;
            kept++;
            if (o && other == NULL)
                other = r;
            else
                last_kept = r;
            continue;
        }
        n++;
        if (seen != NULL)
            g_hash_table_add(seen, src == J_STEP ? name_of(jm__m_get(r, "step")) : pair_of(r));
        if (first_folded == NULL)
            first_folded = r;
        if (other == NULL) {
            /* Built at the end of arr for now; relinked below. */
            arr->v.kids.first = keep_first;
            arr->v.kids.last = keep_last;
            arr->n = (uint32_t)kept;
            other = other_row(f, arr, r);
            keep_first = arr->v.kids.first;
            keep_last = other;
            kept++;
            const jm__mval *cum = last_kept ? jm__m_get(last_kept, "cumulative_share") : NULL;
            jm__mval *oc = (jm__mval *)jm__m_get(other, "cumulative_share");
            if (oc != NULL) /* the cumulative share before it, then its own share added */
                oc->v.ratio.num = cum ? cum->v.ratio.num : 0;
            jm__mval *rank = (jm__mval *)jm__m_get(other, "rank");
            if (rank != NULL)
                rank->v.u = last_kept ? jm__m_u(jm__m_get(last_kept, "rank")) + 1 : 1;
        } else {
            add_into(other, r);
        }
        jm__mval *oc = (jm__mval *)jm__m_get(other, "cumulative_share");
        const jm__mval *rs = jm__m_get(r, "share");
        if (oc != NULL && rs != NULL && rs->type == JM__M_RATIO)
            oc->v.ratio.num += rs->v.ratio.num;
    }
    /* The other row goes last. */
    if (other != NULL && keep_last != other) {
        jm__mval *p = NULL;
        for (jm__mval *r = keep_first; r != NULL; p = r, r = r->next)
            if (r == other) {
                if (p != NULL)
                    p->next = r->next;
                else
                    keep_first = r->next;
                break;
            }
        other->next = NULL;
        keep_last->next = other;
        keep_last = other;
    }
    arr->v.kids.first = keep_first;
    arr->v.kids.last = keep_last;
    arr->n = (uint32_t)kept;
    (void)first_folded;
    return n;
}

/* Drop the rows of arr that pred says to (rows that name one journey's case on a folded
 * transition, findings seen in fewer than k journeys). Returns the rows dropped. */
static uint64_t drop_rows(folder *f, jm__mval *arr, bool (*pred)(const folder *, const jm__mval *))
{
    if (arr == NULL || arr->type != JM__M_ARR)
        return 0;
    jm__mval *first = NULL, *last = NULL;
    uint64_t n = 0, kept = 0;
    for (jm__mval *r = arr->v.kids.first, *next; r != NULL; r = next) {
        next = r->next;
        r->next = NULL;
        if (pred(f, r)) {
            n++;
            continue;
        }
        if (last != NULL)
            last->next = r;
        else
            first = r;
        last = r;
        kept++;
    }
    arr->v.kids.first = first;
    arr->v.kids.last = last;
    arr->n = (uint32_t)kept;
    return n;
}

static bool on_folded_transition(const folder *f, const jm__mval *row)
{
    char *k = pair_of(row);
    bool folded = g_hash_table_contains(f->folded_trans, k);
    g_free(k);
    char *a = name_of(jm__m_get(row, "from")), *b = name_of(jm__m_get(row, "to"));
    folded = folded || g_hash_table_contains(f->folded_steps, a) ||
             g_hash_table_contains(f->folded_steps, b);
    g_free(a);
    g_free(b);
    return folded;
}

static bool rare_finding(const folder *f, const jm__mval *row)
{
    return jm__m_u(jm__m_get(row, "journeys")) < f->k;
}

/* The map's edges: an end in a folded step becomes OTHER (and the row is marked other), rows
 * that then name the same pair are added up, and edges seen in fewer than k journeys fold. */
static uint64_t fold_edges(folder *f, jm__mval *edges)
{
    if (edges == NULL || edges->type != JM__M_ARR)
        return 0;
    GHashTable *rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    jm__mval *first = NULL, *last = NULL;
    uint32_t kept = 0;
    uint64_t merged = 0;
    for (jm__mval *r = edges->v.kids.first, *next; r != NULL; r = next) {
        next = r->next;
        r->next = NULL;
        bool renamed = false;
        static const char *const ends[] = {"from", "to"};
        for (int e = 0; e < 2; e++) {
            jm__mval *v = (jm__mval *)jm__m_get(r, ends[e]);
            char *nm = name_of(v);
            if (v != NULL && v->type == JM__M_STR && g_hash_table_contains(f->folded_steps, nm)) {
                set_str(v, OTHER);
                renamed = true;
            }
            g_free(nm);
        }
        if (renamed && !is_other(r))
            jm__m_bool(f->m, r, "other", true);
        char *k = pair_of(r);
        jm__mval *same = g_hash_table_lookup(rows, k);
        if (same != NULL) {
            add_into(same, r);
            merged++;
            g_free(k);
            continue;
        }
        g_hash_table_insert(rows, k, r);
        if (last != NULL)
            last->next = r;
        else
            first = r;
        last = r;
        kept++;
    }
    g_hash_table_destroy(rows);
    edges->v.kids.first = first;
    edges->v.kids.last = last;
    edges->n = kept;
    /* An edge already OTHER -> OTHER takes the rare ones in. */
    return merged + fold_rows(f, edges, J_KEY, "journeys", NULL);
}

static GHashTable *journeys_table(const jm__mval *arr, bool pairs)
{
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (const jm__mval *r = arr && arr->type == JM__M_ARR ? arr->v.kids.first : NULL; r != NULL;
         r = r->next)
        g_hash_table_insert(t, pairs ? pair_of(r) : name_of(jm__m_get(r, "step")),
                            GSIZE_TO_POINTER((gsize)jm__m_u(jm__m_get(r, "journeys"))));
    return t;
}

void jm__model_fold(jm__model *m, jm__mval *root, uint64_t k)
{
    if (k <= 1)
        return;
    folder f = {m, k, NULL, NULL, NULL, NULL, NULL};
    jm__mval *map = (jm__mval *)jm__m_get(root, "map");
    const jm__mval *nodes = jm__m_get(map, "nodes"), *edges = jm__m_get(map, "edges");
    if (nodes != NULL)
        f.step_j = journeys_table(nodes, false);
    if (edges != NULL)
        f.trans_j = journeys_table(edges, true);
    f.folded_steps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    f.folded_trans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    jm__mval *pv = (jm__mval *)jm__m_get(root, "privacy");
    if (pv == NULL)
        pv = jm__m_obj(m, root, "privacy");
    jm__m_uint(m, pv, "min_journeys", k);
    jm__mval *st = jm__m_obj(m, pv, "folded");

    uint64_t n;
    n = fold_rows(&f, (jm__mval *)jm__m_get(map, "nodes"), J_KEY, "journeys", f.folded_steps);
    if (nodes != NULL)
        jm__m_uint(m, st, "steps", n);
    if (edges != NULL) {
        jm__m_uint(m, st, "map_edges", fold_edges(&f, (jm__mval *)jm__m_get(map, "edges")));
        /* An edge to or from "(other)" needs its node, even when no step was folded. */
        bool named = false, drawn = false;
        for (const jm__mval *e = edges->v.kids.first; e != NULL; e = e->next)
            named = named || is_other(e);
        for (const jm__mval *v = nodes ? nodes->v.kids.first : NULL; v != NULL; v = v->next)
            drawn = drawn || the_other(v);
        if (named && !drawn && nodes != NULL) {
            jm__mval *o = jm__m_obj(m, (jm__mval *)nodes, NULL);
            for (const jm__mval *v = nodes->v.kids.first->v.kids.first; v != NULL; v = v->next) {
                if (strcmp(v->key, "step") == 0)
                    jm__m_cstr(m, o, "step", OTHER);
                else if (v->type == JM__M_UINT)
                    jm__m_uint(m, o, v->key, 0);
                else
                    jm__m_null(m, o, v->key);
            }
            jm__m_bool(m, o, "other", true);
        }
    }
    jm__mval *v = (jm__mval *)jm__m_at(root, "variants.top");
    if (v != NULL)
        jm__m_uint(m, st, "variants", fold_rows(&f, v, J_KEY, "count", NULL));
    v = (jm__mval *)jm__m_at(root, "waits.by_transition");
    if (v != NULL)
        jm__m_uint(m, st, "transitions", fold_rows(&f, v, J_PAIR, NULL, f.folded_trans));
    v = (jm__mval *)jm__m_at(root, "channels.matrix");
    if (v != NULL)
        jm__m_uint(m, st, "channel_switches", fold_rows(&f, v, J_KEY, "journeys", NULL));
    v = (jm__mval *)jm__m_at(root, "loops.by_step");
    if (v != NULL)
        fold_rows(&f, v, J_STEP, NULL, NULL);
    v = (jm__mval *)jm__m_at(root, "waits.handling_by_step");
    if (v != NULL)
        fold_rows(&f, v, J_STEP, NULL, NULL);
    v = (jm__mval *)jm__m_at(root, "waits.longest");
    if (v != NULL)
        jm__m_uint(m, st, "longest_waits_dropped", drop_rows(&f, v, on_folded_transition));
    v = (jm__mval *)jm__m_get(root, "act_first");
    if (v != NULL)
        drop_rows(&f, v, rare_finding);

    if (f.step_j)
        g_hash_table_destroy(f.step_j);
    if (f.trans_j)
        g_hash_table_destroy(f.trans_j);
    g_hash_table_destroy(f.folded_steps);
    g_hash_table_destroy(f.folded_trans);
}
