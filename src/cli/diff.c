/* SPDX-License-Identifier: MIT */
/* jmine diff: two JSON reports read with json-glib and compared; the diff written; alerts. */
#include "diff.h"

#include <json-glib/json-glib.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- The headline KPIs ----------------------------------------------------------------- */

/* Each KPI is a figure of the report, or the ratio of two (shares are recomputed from the
 * counts, not read rounded). */
static const struct kpi_def {
    const char *name;
    const char *num; /* a path into the report, keys joined by dots */
    const char *den; /* NULL, or the path of the denominator */
} kpi_defs[] = {
    {"journeys", "journeys.count", NULL},
    {"variants", "variants.count", NULL},
    {"median_contacts", "journeys.contacts.median", NULL},
    {"median_duration_s", "journeys.duration_s.median", NULL},
    {"p90_duration_s", "journeys.duration_s.p90", NULL},
    {"mean_duration_s", "journeys.duration_s.mean", NULL},
    {"journeys_with_loop", "loops.journeys_with_loop", NULL},
    {"share_with_loop", "loops.journeys_with_loop", "journeys.count"},
    {"switches", "channels.switches", NULL},
    {"journeys_with_switch", "channels.journeys_with_switch", NULL},
    {"share_with_switch", "channels.journeys_with_switch", "journeys.count"},
    {"long_waits", "waits.long_waits", NULL},
    {"journeys_with_long_wait", "waits.journeys_with_long_wait", NULL},
    {"share_with_long_wait", "waits.journeys_with_long_wait", "journeys.count"},
    {"overlaps", "waits.overlaps", NULL},
};
#define NKPIS (sizeof kpi_defs / sizeof kpi_defs[0])

static const char *const alert_names[] = {"new_variants_share", "vanished_variants_share",
                                          "max_share_change"};
#define NALERT_NAMES (sizeof alert_names / sizeof alert_names[0])

bool jm__alert_parse(const char *expr, jm__alert *a, char **err)
{
    memset(a, 0, sizeof *a);
    a->text = expr;
    size_t n = strcspn(expr, "<>");
    if (expr[n] == '\0' || n == 0 || n >= sizeof a->name) {
        *err = g_strdup_printf("--alert wants NAME>VALUE or NAME<VALUE, not '%s'", expr);
        return false;
    }
    memcpy(a->name, expr, n);
    a->greater = expr[n] == '>';
    const char *v = expr + n + 1;
    char *end = NULL;
    errno = 0;
    a->value = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(a->value)) {
        *err = g_strdup_printf("--alert '%s': '%s' is not a number", expr, v);
        return false;
    }
    for (size_t i = 0; i < NALERT_NAMES; i++)
        if (strcmp(a->name, alert_names[i]) == 0)
            return true;
    for (size_t i = 0; i < NKPIS; i++) {
        size_t k = strlen(kpi_defs[i].name);
        if (n == k + 7 && memcmp(a->name, kpi_defs[i].name, k) == 0 &&
            strcmp(a->name + k, ".change") == 0)
            return true;
    }
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < NALERT_NAMES; i++)
        g_string_append_printf(names, "%s, ", alert_names[i]);
    for (size_t i = 0; i < NKPIS; i++)
        g_string_append_printf(names, "%s.change%s", kpi_defs[i].name, i + 1 < NKPIS ? ", " : "");
    *err = g_strdup_printf("--alert '%s': unknown name '%s' (known: %s)", expr, a->name,
                           names->str);
    g_string_free(names, TRUE);
    return false;
}

/* ---- One report --------------------------------------------------------------------- */

typedef struct variant {
    const char *id;
    JsonArray *steps;
    int64_t count;
} variant;

typedef struct side {
    const char *path;
    JsonParser *parser;
    JsonObject *root;
    int64_t journeys;
    int64_t nvariants; /* variants.count */
    variant *v;        /* the listed variants (variants.top) */
    size_t nv;
    GHashTable *by_id; /* id -> variant * */
    JsonArray *waits;  /* waits.by_transition, or NULL */
    bool folded;       /* a row of variants folded by --min-journeys ("other": true) */
} side;

/* The node at a dotted path, or NULL. */
static JsonNode *at(JsonObject *o, const char *path)
{
    char key[64];
    for (;;) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        JsonNode *node = json_object_get_member(o, key);
        if (node == NULL || path[n] == '\0')
            return node;
        if (!JSON_NODE_HOLDS_OBJECT(node))
            return NULL;
        o = json_node_get_object(node);
        path += n + 1;
    }
}

static bool is_number(JsonNode *n)
{
    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
        return false;
    GType t = json_node_get_value_type(n);
    return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

/* The number at path, or NAN when it is missing or not a number (null). */
static double number_at(JsonObject *o, const char *path)
{
    JsonNode *n = at(o, path);
    return is_number(n) ? json_node_get_double(n) : NAN;
}

/* A count (a non-negative integer) at path into *v; false if there is none. */
static bool count_of(JsonNode *n, int64_t *v)
{
    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return false;
    *v = json_node_get_int(n);
    return *v >= 0;
}

static bool bad(side *s, const char *why)
{
    fprintf(stderr, "jmine: %s: not a jmine JSON report (jmine report --format json): %s\n",
            s->path, why);
    return false;
}

/* A report nests 6 deep; json-glib's parser recurses once a level, so a file of a million
 * brackets would overflow the stack. */
#define MAX_DEPTH 64

/* The deepest nesting of arrays and objects in JSON text (brackets inside strings skipped). */
static size_t nesting(const char *p, size_t n)
{
    size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest)
                deepest = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

static bool is_variant_id(const char *id)
{
    size_t n = 0;
    for (; id[n] != '\0'; n++)
        if (!g_ascii_isdigit(id[n]) && !(id[n] >= 'a' && id[n] <= 'f'))
            return false;
    return n == 16;
}

char *jm__diff_history_db(const char *arg)
{
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || g_file_test(arg, G_FILE_TEST_EXISTS))
        return NULL;
    char *db = g_strndup(arg, (gsize)(colon - arg));
    if (g_file_test(db, G_FILE_TEST_EXISTS))
        return db;
    g_free(db);
    return NULL;
}

/* A row marked "other": true, the rows folded by --min-journeys. */
static bool is_other(JsonObject *o)
{
    JsonNode *n = json_object_get_member(o, "other");
    return n != NULL && json_node_get_value_type(n) == G_TYPE_BOOLEAN && json_node_get_boolean(n);
}

static bool side_load(side *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->parser = json_parser_new_immutable();
    GError *e = NULL;
    gchar *bytes = NULL;
    gsize len = 0;
    char *db = jm__diff_history_db(path);
    if (db != NULL) { /* a history run: its rows written as a report */
        char *err = NULL;
        FILE *f = open_memstream(&bytes, &len);
        jm_status st = f != NULL ? jm_history_write_run(db, path + strlen(db) + 1, f, &err)
                                 : JM_EIO;
        if (f != NULL)
            fclose(f);
        g_free(db);
        if (st != JM_OK) {
            fprintf(stderr, "jmine: %s\n", err ? err : "out of memory");
            free(err);
            free(bytes);
            return false;
        }
    } else if (!g_file_get_contents(path, &bytes, &len, &e)) {
        fprintf(stderr, "jmine: %s\n", e->message);
        g_error_free(e);
        return false;
    }
    size_t depth = nesting(bytes, len);
    if (depth > MAX_DEPTH) {
        g_free(bytes);
        return bad(s, "nested deeper than a report is");
    }
    bool parsed = json_parser_load_from_data(s->parser, bytes, (gssize)len, &e);
    g_free(bytes);
    if (!parsed) {
        /* json-glib names data it was handed "<data>": name the file instead. */
        const char *msg = e->message;
        bool data = g_str_has_prefix(msg, "<data>");
        fprintf(stderr,
                "jmine: %s%s%s (not a JSON report; jmine report --format json writes one)\n",
                path, data ? "" : ": ", data ? msg + 6 : msg);
        g_error_free(e);
        return false;
    }
    JsonNode *root = json_parser_get_root(s->parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return bad(s, "not a JSON object");
    s->root = json_node_get_object(root);
    if (!count_of(at(s->root, "journeys.count"), &s->journeys))
        return bad(s, "no journeys.count");
    if (!count_of(at(s->root, "variants.count"), &s->nvariants))
        return bad(s, "no variants.count");
    JsonNode *top = at(s->root, "variants.top");
    if (top == NULL || !JSON_NODE_HOLDS_ARRAY(top))
        return bad(s, "no variants.top");
    JsonArray *a = json_node_get_array(top);
    s->nv = json_array_get_length(a);
    s->v = g_new0(variant, s->nv + 1);
    s->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    size_t rows = s->nv;
    s->nv = 0;
    for (size_t i = 0; i < rows; i++) {
        JsonNode *row = json_array_get_element(a, (guint)i);
        if (!JSON_NODE_HOLDS_OBJECT(row))
            return bad(s, "a row of variants.top is not an object");
        JsonObject *o = json_node_get_object(row);
        if (is_other(o)) { /* --min-journeys: rare variants folded, so not all are compared */
            s->folded = true;
            continue;
        }
        JsonNode *id = json_object_get_member(o, "id");
        JsonNode *steps = json_object_get_member(o, "steps");
        variant *v = &s->v[s->nv++];
        if (id == NULL || json_node_get_value_type(id) != G_TYPE_STRING || steps == NULL ||
            !JSON_NODE_HOLDS_ARRAY(steps) || !count_of(json_object_get_member(o, "count"), &v->count))
            return bad(s, "a row of variants.top lacks its id, count or steps");
        v->id = json_node_get_string(id);
        v->steps = json_node_get_array(steps);
        if (!is_variant_id(v->id))
            return bad(s, "a variant id is not 16 hex digits");
        if (v->count > s->journeys)
            return bad(s, "a variant has more journeys than the report");
        if (g_hash_table_contains(s->by_id, v->id))
            return bad(s, "a variant id is listed twice");
        g_hash_table_insert(s->by_id, (gpointer)v->id, v);
    }
    JsonNode *w = at(s->root, "waits.by_transition");
    if (w != NULL && JSON_NODE_HOLDS_ARRAY(w))
        s->waits = json_node_get_array(w);
    return true;
}

static void side_free(side *s)
{
    if (s->by_id != NULL)
        g_hash_table_destroy(s->by_id);
    g_free(s->v);
    if (s->parser != NULL)
        g_object_unref(s->parser);
}

/* ---- The comparison ------------------------------------------------------------------- */

typedef struct change {
    const variant *o, *n; /* either may be NULL (new, vanished) */
    double old_share, new_share, change, p_value;
} change;

typedef struct kpi {
    const char *name;
    double old, new_, change; /* NAN: none */
} kpi;

typedef struct wait {
    const char *from, *to;
    int64_t old_count, new_count;
    double old_median, new_median, change;
} wait;

typedef struct diff {
    side a, b;
    bool complete;
    GArray *added, *vanished, *changed; /* of change */
    double added_share, vanished_share, max_share_change;
    kpi kpis[NKPIS];
    GArray *waits; /* of wait */
} diff;

static double share(int64_t count, int64_t journeys)
{
    return journeys > 0 ? (double)count / (double)journeys : 0.0;
}

/* The two-proportion z-test, two-sided, with the pooled proportion:
 * p = (x1 + x2) / (n1 + n2), z = (x2/n2 - x1/n1) / sqrt(p (1 - p) (1/n1 + 1/n2)),
 * p-value = erfc(|z| / sqrt 2); 1 where the standard error is 0 or a side has no journeys. */
static double p_value(int64_t x1, int64_t n1, int64_t x2, int64_t n2)
{
    if (n1 <= 0 || n2 <= 0)
        return 1.0;
    double p = (double)(x1 + x2) / (double)(n1 + n2);
    double se = sqrt(p * (1.0 - p) * (1.0 / (double)n1 + 1.0 / (double)n2));
    if (!(se > 0.0))
        return 1.0;
    double z = ((double)x2 / (double)n2 - (double)x1 / (double)n1) / se;
    return erfc(fabs(z) / sqrt(2.0));
}

static int by_count(const void *x, const void *y)
{
    const change *a = x, *b = y;
    const variant *va = a->n ? a->n : a->o, *vb = b->n ? b->n : b->o;
    if (va->count != vb->count)
        return va->count > vb->count ? -1 : 1;
    return strcmp(va->id, vb->id);
}

static int by_change(const void *x, const void *y)
{
    const change *a = x, *b = y;
    double da = fabs(a->change), db = fabs(b->change);
    if (da != db)
        return da > db ? -1 : 1;
    return strcmp(a->n->id, b->n->id);
}

static int by_wait_change(const void *x, const void *y)
{
    const wait *a = x, *b = y;
    double da = fabs(a->change), db = fabs(b->change);
    if (da != db)
        return da > db ? -1 : 1;
    int c = strcmp(a->from, b->from);
    return c != 0 ? c : strcmp(a->to, b->to);
}

/* A row of waits.by_transition: its from, to, count and median; false if it lacks one. */
static bool wait_row(JsonArray *a, guint i, const char **from, const char **to, int64_t *count,
                     double *median)
{
    JsonNode *row = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_OBJECT(row))
        return false;
    JsonObject *o = json_node_get_object(row);
    if (is_other(o)) /* --min-journeys: the folded transitions, no one transition */
        return false;
    JsonNode *f = json_object_get_member(o, "from"), *t = json_object_get_member(o, "to");
    JsonNode *m = json_object_get_member(o, "median_s");
    if (f == NULL || t == NULL || json_node_get_value_type(f) != G_TYPE_STRING ||
        json_node_get_value_type(t) != G_TYPE_STRING || !is_number(m) ||
        !count_of(json_object_get_member(o, "count"), count))
        return false;
    *from = json_node_get_string(f);
    *to = json_node_get_string(t);
    *median = json_node_get_double(m);
    return true;
}

static void compare(diff *d)
{
    side *a = &d->a, *b = &d->b;
    d->complete = (int64_t)a->nv == a->nvariants && (int64_t)b->nv == b->nvariants;
    d->added = g_array_new(FALSE, TRUE, sizeof(change));
    d->vanished = g_array_new(FALSE, TRUE, sizeof(change));
    d->changed = g_array_new(FALSE, TRUE, sizeof(change));
    int64_t added = 0, vanished = 0;
    for (size_t i = 0; i < b->nv; i++) {
        const variant *n = &b->v[i], *o = g_hash_table_lookup(a->by_id, n->id);
        change c = {o, n, o ? share(o->count, a->journeys) : 0.0, share(n->count, b->journeys),
                    0.0, 1.0};
        c.change = c.new_share - c.old_share;
        if (o == NULL) {
            added += n->count;
            g_array_append_val(d->added, c);
        } else if ((double)o->count * (double)b->journeys !=
                   (double)n->count * (double)a->journeys) {
            c.p_value = p_value(o->count, a->journeys, n->count, b->journeys);
            g_array_append_val(d->changed, c);
        }
    }
    for (size_t i = 0; i < a->nv; i++) {
        const variant *o = &a->v[i];
        if (g_hash_table_contains(b->by_id, o->id))
            continue;
        change c = {o, NULL, share(o->count, a->journeys), 0.0, 0.0, 1.0};
        c.change = -c.old_share;
        vanished += o->count;
        g_array_append_val(d->vanished, c);
    }
    /* An empty GArray may hold no data at all: qsort must not see its NULL. */
    if (d->added->len > 1)
        qsort(d->added->data, d->added->len, sizeof(change), by_count);
    if (d->vanished->len > 1)
        qsort(d->vanished->data, d->vanished->len, sizeof(change), by_count);
    if (d->changed->len > 1)
        qsort(d->changed->data, d->changed->len, sizeof(change), by_change);
    d->added_share = share(added, b->journeys);
    d->vanished_share = share(vanished, a->journeys);
    /* The largest change of one variant's share: new and vanished ones change too. */
    d->max_share_change = 0.0;
    GArray *all[] = {d->added, d->vanished, d->changed};
    for (size_t k = 0; k < 3; k++)
        for (guint i = 0; i < all[k]->len; i++)
            d->max_share_change =
                fmax(d->max_share_change, fabs(g_array_index(all[k], change, i).change));

    for (size_t i = 0; i < NKPIS; i++) {
        kpi *k = &d->kpis[i];
        k->name = kpi_defs[i].name;
        side *s[2] = {a, b};
        double v[2];
        for (int j = 0; j < 2; j++) {
            v[j] = number_at(s[j]->root, kpi_defs[i].num);
            if (kpi_defs[i].den != NULL) {
                double den = number_at(s[j]->root, kpi_defs[i].den);
                v[j] = den > 0 ? v[j] / den : NAN;
            }
        }
        k->old = v[0];
        k->new_ = v[1];
        k->change = v[1] - v[0]; /* NAN where either is */
    }

    d->waits = g_array_new(FALSE, TRUE, sizeof(wait));
    if (a->waits != NULL && b->waits != NULL) {
        GHashTable *old = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < json_array_get_length(a->waits); i++) {
            wait w;
            if (wait_row(a->waits, i, &w.from, &w.to, &w.old_count, &w.old_median))
                g_hash_table_insert(old, g_strconcat(w.from, "\x1f", w.to, NULL),
                                    GUINT_TO_POINTER(i + 1));
        }
        for (guint i = 0; i < json_array_get_length(b->waits); i++) {
            wait w;
            if (!wait_row(b->waits, i, &w.from, &w.to, &w.new_count, &w.new_median))
                continue;
            char *key = g_strconcat(w.from, "\x1f", w.to, NULL);
            guint j = GPOINTER_TO_UINT(g_hash_table_lookup(old, key));
            g_free(key);
            const char *f, *t;
            if (j == 0 || !wait_row(a->waits, j - 1, &f, &t, &w.old_count, &w.old_median))
                continue;
            w.change = w.new_median - w.old_median;
            g_array_append_val(d->waits, w);
        }
        g_hash_table_destroy(old);
        if (d->waits->len > 1)
            qsort(d->waits->data, d->waits->len, sizeof(wait), by_wait_change);
    }
}

/* ---- Writing ------------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A number: an integer where it is one, else fifteen significant digits; null for NAN. */
static void json_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("null", f);
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.15g", v);
}

static void json_steps(FILE *f, JsonArray *steps)
{
    fputc('[', f);
    for (guint i = 0; i < json_array_get_length(steps); i++) {
        JsonNode *n = json_array_get_element(steps, i);
        if (i > 0)
            fputs(", ", f);
        if (json_node_get_value_type(n) == G_TYPE_STRING)
            json_str(f, json_node_get_string(n));
        else
            fputs("null", f);
    }
    fputc(']', f);
}

static void json_list(FILE *f, const char *key, GArray *a, bool changed, bool last)
{
    fprintf(f, "      \"%s\": [", key);
    for (guint i = 0; i < a->len; i++) {
        const change *c = &g_array_index(a, change, i);
        const variant *v = c->n ? c->n : c->o;
        fprintf(f, "%s\n        {\"id\": ", i ? "," : "");
        json_str(f, v->id);
        fputs(", \"steps\": ", f);
        json_steps(f, v->steps);
        if (changed) {
            fprintf(f, ", \"old_count\": %" PRId64 ", \"new_count\": %" PRId64 ", \"old_share\": ",
                    c->o->count, c->n->count);
            json_num(f, c->old_share);
            fputs(", \"new_share\": ", f);
            json_num(f, c->new_share);
            fputs(", \"change\": ", f);
            json_num(f, c->change);
            fputs(", \"p_value\": ", f);
            json_num(f, c->p_value);
        } else {
            fprintf(f, ", \"count\": %" PRId64 ", \"share\": ", v->count);
            json_num(f, c->n ? c->new_share : c->old_share);
        }
        fputc('}', f);
    }
    fprintf(f, "%s]%s\n", a->len ? "\n      " : "", last ? "" : ",");
}

static void write_json(const diff *d, FILE *f)
{
    fputs("{\n  \"diff\": {\n    \"old\": ", f);
    json_str(f, d->a.path);
    fputs(",\n    \"new\": ", f);
    json_str(f, d->b.path);
    fprintf(f, ",\n    \"all_variants_compared\": %s,\n", d->complete ? "true" : "false");
    fprintf(f, "    \"variants\": {\n      \"old_listed\": %zu,\n      \"new_listed\": %zu,\n",
            d->a.nv, d->b.nv);
    fputs("      \"new_variants_share\": ", f);
    json_num(f, d->added_share);
    fputs(",\n      \"vanished_variants_share\": ", f);
    json_num(f, d->vanished_share);
    fputs(",\n      \"max_share_change\": ", f);
    json_num(f, d->max_share_change);
    fputs(",\n", f);
    json_list(f, "new", d->added, false, false);
    json_list(f, "vanished", d->vanished, false, false);
    json_list(f, "changed", d->changed, true, true);
    fputs("    },\n    \"kpis\": [", f);
    for (size_t i = 0; i < NKPIS; i++) {
        const kpi *k = &d->kpis[i];
        fprintf(f, "%s\n      {\"name\": \"%s\", \"old\": ", i ? "," : "", k->name);
        json_num(f, k->old);
        fputs(", \"new\": ", f);
        json_num(f, k->new_);
        fputs(", \"change\": ", f);
        json_num(f, k->change);
        fputc('}', f);
    }
    fputs("\n    ],\n    \"transitions\": [", f);
    for (guint i = 0; i < d->waits->len; i++) {
        const wait *w = &g_array_index(d->waits, wait, i);
        fprintf(f, "%s\n      {\"from\": ", i ? "," : "");
        json_str(f, w->from);
        fputs(", \"to\": ", f);
        json_str(f, w->to);
        fprintf(f, ", \"old_count\": %" PRId64 ", \"new_count\": %" PRId64 ", \"old_median_s\": ",
                w->old_count, w->new_count);
        json_num(f, w->old_median);
        fputs(", \"new_median_s\": ", f);
        json_num(f, w->new_median);
        fputs(", \"change_s\": ", f);
        json_num(f, w->change);
        fputc('}', f);
    }
    fprintf(f, "%s]\n  }\n}\n", d->waits->len ? "\n    " : "");
}

/* Text made safe for a terminal (control characters shown as '?'); md also escapes '|'. */
static void put_safe(FILE *f, const char *s, bool md)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fputc('?', f);
        else if (md && (*p == '|' || *p == '\\'))
            fprintf(f, "\\%c", *p);
        else
            fputc(*p, f);
    }
}

static void put_steps(FILE *f, JsonArray *steps, bool md)
{
    for (guint i = 0; i < json_array_get_length(steps); i++) {
        JsonNode *n = json_array_get_element(steps, i);
        if (i > 0)
            fputs(" > ", f);
        put_safe(f, json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n) : "?",
                 md);
    }
}

static void put_num(FILE *f, double v, const char *fmt)
{
    if (isnan(v))
        fputs("-", f);
    else if (v == floor(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, fmt, v);
}

static void put_pct(FILE *f, double v, bool sign)
{
    fprintf(f, sign ? "%+.2f%%" : "%.2f%%", 100.0 * v);
}

static void list_variants(FILE *f, const char *title, GArray *a, double total, bool md,
                          const char *of)
{
    fprintf(f, "%s%s: %u (", md ? "## " : "", title, a->len);
    put_pct(f, total, false);
    fprintf(f, " of %s journeys)\n", of);
    if (a->len == 0) {
        fputc('\n', f);
        return;
    }
    if (md)
        fputs("\n| id | count | share | steps |\n|---|---:|---:|---|\n", f);
    else
        fprintf(f, "  %-16s  %8s  %8s  %s\n", "id", "count", "share", "steps");
    for (guint i = 0; i < a->len; i++) {
        const change *c = &g_array_index(a, change, i);
        const variant *v = c->n ? c->n : c->o;
        if (md)
            fprintf(f, "| %s | %" PRId64 " | ", v->id, v->count);
        else
            fprintf(f, "  %-16s  %8" PRId64 "  ", v->id, v->count);
        char pct[32];
        snprintf(pct, sizeof pct, "%.2f%%", 100.0 * (c->n ? c->new_share : c->old_share));
        fprintf(f, md ? "%s | " : "%8s  ", pct);
        put_steps(f, v->steps, md);
        fputs(md ? " |\n" : "\n", f);
    }
    fputc('\n', f);
}

static void write_text(const diff *d, FILE *f, bool md)
{
    fprintf(f, "%s", md ? "# jmine diff\n\n" : "jmine diff\n\n");
    fputs(md ? "- old: " : "Old: ", f);
    put_safe(f, d->a.path, md);
    fprintf(f, " (%" PRId64 " journeys, %" PRId64 " variants)\n", d->a.journeys, d->a.nvariants);
    fputs(md ? "- new: " : "New: ", f);
    put_safe(f, d->b.path, md);
    fprintf(f, " (%" PRId64 " journeys, %" PRId64 " variants)\n", d->b.journeys, d->b.nvariants);
    if (d->complete)
        fprintf(f, "%sAll variants compared.\n\n", md ? "\n" : "");
    else
        fprintf(f,
                "%sOnly the listed variants are compared (old lists %zu of %" PRId64
                ", new %zu of %" PRId64 "): %s.\n\n",
                md ? "\n" : "", d->a.nv, d->a.nvariants, d->b.nv, d->b.nvariants,
                d->a.folded || d->b.folded
                    ? "rare variants were folded into (other) by --min-journeys"
                    : "write both reports with --top 0 to compare all");
    list_variants(f, "New variants", d->added, d->added_share, md, "new");
    list_variants(f, "Vanished variants", d->vanished, d->vanished_share, md, "old");

    fprintf(f, "%sShare changes, largest first: %u (largest ", md ? "## " : "", d->changed->len);
    put_pct(f, d->max_share_change, false);
    fputs(" of journeys, new and vanished variants included)\n", f);
    if (d->changed->len > 0) {
        if (md)
            fputs("\n| id | old | new | change | p-value | steps |\n|---|---:|---:|---:|---:|---|\n",
                  f);
        else
            fprintf(f, "  %-16s  %8s  %8s  %8s  %8s  %s\n", "id", "old", "new", "change", "p-value",
                    "steps");
        for (guint i = 0; i < d->changed->len; i++) {
            const change *c = &g_array_index(d->changed, change, i);
            char o[32], n[32], ch[32], p[32];
            snprintf(o, sizeof o, "%.2f%%", 100.0 * c->old_share);
            snprintf(n, sizeof n, "%.2f%%", 100.0 * c->new_share);
            snprintf(ch, sizeof ch, "%+.2f%%", 100.0 * c->change);
            snprintf(p, sizeof p, "%.2g", c->p_value);
            if (md)
                fprintf(f, "| %s | %s | %s | %s | %s | ", c->n->id, o, n, ch, p);
            else
                fprintf(f, "  %-16s  %8s  %8s  %8s  %8s  ", c->n->id, o, n, ch, p);
            put_steps(f, c->n->steps, md);
            fputs(md ? " |\n" : "\n", f);
        }
    }
    fputs("\n", f);

    fprintf(f, "%sHeadline figures\n", md ? "## " : "");
    if (md)
        fputs("\n| figure | old | new | change |\n|---|---:|---:|---:|\n", f);
    else
        fprintf(f, "  %-24s  %12s  %12s  %12s\n", "figure", "old", "new", "change");
    for (size_t i = 0; i < NKPIS; i++) {
        const kpi *k = &d->kpis[i];
        char cells[3][48];
        const double v[3] = {k->old, k->new_, k->change};
        for (int j = 0; j < 3; j++) {
            if (isnan(v[j]))
                snprintf(cells[j], sizeof cells[j], "-");
            else if (kpi_defs[i].den != NULL)
                snprintf(cells[j], sizeof cells[j], j == 2 ? "%+.2f%%" : "%.2f%%", 100.0 * v[j]);
            else if (v[j] == floor(v[j]) && fabs(v[j]) < 1e15)
                snprintf(cells[j], sizeof cells[j], j == 2 ? "%+.0f" : "%.0f", v[j]);
            else
                snprintf(cells[j], sizeof cells[j], j == 2 ? "%+.3f" : "%.3f", v[j]);
        }
        if (md)
            fprintf(f, "| %s | %s | %s | %s |\n", k->name, cells[0], cells[1], cells[2]);
        else
            fprintf(f, "  %-24s  %12s  %12s  %12s\n", k->name, cells[0], cells[1], cells[2]);
    }
    fputs("\n", f);

    fprintf(f, "%sMedian waits changed most: %u transitions in both\n", md ? "## " : "",
            d->waits->len);
    if (d->waits->len > 0) {
        if (md)
            fputs("\n| from | to | old median s | new median s | change s |\n"
                  "|---|---|---:|---:|---:|\n",
                  f);
        for (guint i = 0; i < d->waits->len; i++) {
            const wait *w = &g_array_index(d->waits, wait, i);
            fputs(md ? "| " : "  ", f);
            put_safe(f, w->from, md);
            fputs(md ? " | " : " -> ", f);
            put_safe(f, w->to, md);
            fputs(md ? " | " : ": ", f);
            put_num(f, w->old_median, "%.3f");
            fputs(md ? " | " : " s -> ", f);
            put_num(f, w->new_median, "%.3f");
            fputs(md ? " | " : " s (", f);
            if (w->change >= 0)
                fputc('+', f);
            put_num(f, w->change, "%.3f");
            fputs(md ? " |\n" : " s)\n", f);
        }
    }
}

/* ---- Alerts ------------------------------------------------------------------------- */

static double alert_value(const diff *d, const jm__alert *a)
{
    if (strcmp(a->name, "new_variants_share") == 0)
        return d->added_share;
    if (strcmp(a->name, "vanished_variants_share") == 0)
        return d->vanished_share;
    if (strcmp(a->name, "max_share_change") == 0)
        return d->max_share_change;
    for (size_t i = 0; i < NKPIS; i++) {
        size_t k = strlen(d->kpis[i].name);
        if (strncmp(a->name, d->kpis[i].name, k) == 0 && strcmp(a->name + k, ".change") == 0)
            return d->kpis[i].change;
    }
    return NAN;
}

int jm__diff_run(const char *old_path, const char *new_path, jm_format format, FILE *out,
                 const jm__alert *alerts, size_t nalerts)
{
    diff d;
    memset(&d, 0, sizeof d);
    int code = 0;
    if (!side_load(&d.a, old_path) || !side_load(&d.b, new_path)) {
        code = 3;
        goto out;
    }
    compare(&d);
    if (format == JM_FORMAT_JSON)
        write_json(&d, out);
    else
        write_text(&d, out, format == JM_FORMAT_MD);
    for (size_t i = 0; i < nalerts; i++) {
        double v = alert_value(&d, &alerts[i]);
        bool holds = !isnan(v) && (alerts[i].greater ? v > alerts[i].value : v < alerts[i].value);
        if (holds) {
            fprintf(stderr, "jmine: alert: %s (it is %.10g)\n", alerts[i].text, v);
            code = 5;
        }
    }
    g_array_free(d.added, TRUE);
    g_array_free(d.vanished, TRUE);
    g_array_free(d.changed, TRUE);
    g_array_free(d.waits, TRUE);
out:
    side_free(&d.a);
    side_free(&d.b);
    return code;
}
