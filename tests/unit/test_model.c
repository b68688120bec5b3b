/* SPDX-License-Identifier: MIT */
/* Unit tests for model: building and reading the report model, and the writers that read it
 * (JSON with hidden values left out, the variants CSV, the DOT map). */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "write/writer.h"

#include <math.h>

/* A model and a memory stream a writer prints into. */
struct fixture {
    jm__model *m;
    char *buf;
    size_t len;
    FILE *out;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->m = jm__model_new();
    f->out = open_memstream(&f->buf, &f->len);
    if (f->out == NULL) {
        jm__model_free(f->m);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->out != NULL)
        fclose(f->out);
    free(f->buf);
    jm__model_free(f->m);
    free(f);
    return 0;
}

/* What the writer wrote (the fixture owns it). */
static const char *written(struct fixture *f)
{
    fclose(f->out);
    f->out = NULL;
    return f->buf ? f->buf : "";
}

static void test_model_order_and_lookup(void **state)
{
    struct fixture *f = *state;
    jm__mval *root = jm__model_root(f->m);
    assert_int_equal(root->type, JM__M_OBJ);
    jm__m_uint(f->m, root, "b", 2);
    jm__mval *a = jm__m_obj(f->m, root, "a");
    jm__m_ms(f->m, a, "wait_s", 1500);
    jm__m_time(f->m, a, "at", 86400000);
    jm__mval *arr = jm__m_arr(f->m, root, "list");
    for (uint64_t i = 0; i < 3; i++)
        jm__m_uint(f->m, arr, NULL, i * 10);
    /* Members keep the order they were added in. */
    const char *keys[] = {"b", "a", "list"};
    size_t k = 0;
    for (const jm__mval *v = root->v.kids.first; v != NULL; v = v->next)
        assert_string_equal(v->key, keys[k++]);
    assert_int_equal(k, 3);
    assert_int_equal(root->n, 3);
    assert_int_equal(arr->n, 3);
    assert_int_equal(jm__m_u(arr->v.kids.last), 20);
    /* Lookups by key and by path; a missing one is NULL and reads as 0 or null. */
    assert_int_equal(jm__m_u(jm__m_get(root, "b")), 2);
    assert_int_equal(jm__m_msv(jm__m_at(root, "a.wait_s")), 1500);
    assert_int_equal(jm__m_msv(jm__m_at(root, "a.at")), 86400000);
    assert_null(jm__m_at(root, "a.nothing"));
    assert_null(jm__m_at(root, "a.wait_s.deeper"));
    assert_null(jm__m_at(root, "a.wai"));
    assert_null(jm__m_get(arr, "x"));
    assert_int_equal(jm__m_u(NULL), 0);
    assert_true(jm__m_isnull(NULL));
    assert_true(jm__m_isnull(jm__m_null(f->m, root, "none")));
    assert_false(jm__m_isnull(jm__m_get(root, "b")));
    /* A count is not milliseconds, nor the reverse. */
    assert_int_equal(jm__m_msv(jm__m_get(root, "b")), 0);
    assert_int_equal(jm__m_u(jm__m_at(root, "a.wait_s")), 0);
}

static void test_model_strings(void **state)
{
    struct fixture *f = *state;
    jm__mval *root = jm__model_root(f->m);
    char src[] = "Call\0back";
    jm__mval *c = jm__m_strcopy(f->m, root, "copied", src, 9);
    jm__mval *b = jm__m_str(f->m, root, "borrowed", src, 9);
    memset(src, 'x', sizeof src - 1);
    /* The copy keeps the bytes, a NUL included, and ends with one; the borrowed one sees the
     * change. */
    assert_int_equal(c->v.str.n, 9);
    assert_memory_equal(c->v.str.s, "Call\0back", 9);
    assert_int_equal(c->v.str.s[9], '\0');
    assert_ptr_equal(b->v.str.s, src);
    assert_int_equal(jm__m_cstr(f->m, root, "nil", NULL)->type, JM__M_NULL);
    /* A string bigger than a quarter block gets a block of its own; values added after it
     * still come from the current block, and everything stays readable. */
    size_t big = 200 * 1024;
    char *s = malloc(big);
    assert_non_null(s);
    memset(s, 'a', big);
    jm__mval *bv = jm__m_strcopy(f->m, root, "big", s, big);
    free(s);
    jm__mval *arr = jm__m_arr(f->m, root, "many");
    for (uint64_t i = 0; i < 100000; i++)
        jm__m_uint(f->m, arr, NULL, i);
    assert_int_equal(bv->v.str.n, big);
    assert_int_equal(bv->v.str.s[0], 'a');
    assert_int_equal(bv->v.str.s[big - 1], 'a');
    assert_int_equal(bv->v.str.s[big], '\0');
    uint64_t sum = 0, n = 0;
    for (const jm__mval *v = arr->v.kids.first; v != NULL; v = v->next, n++)
        sum += jm__m_u(v);
    assert_int_equal(n, 100000);
    assert_int_equal(sum, (uint64_t)99999 * 100000 / 2);
}

static void test_model_json(void **state)
{
    struct fixture *f = *state;
    jm__model *m = f->m;
    jm__mval *root = jm__model_root(m);
    jm__mval *o = jm__m_obj(m, root, "s");
    jm__m_uint(m, o, "count", 3);
    jm__m_ms(m, o, "secs", 90061500);
    jm__m_ms(m, o, "neg", -1500);
    jm__m_mean_ms(m, o, "mean", 10, 3);
    jm__m_mean_ms(m, o, "no_mean", 10, 0);
    jm__m_ratio(m, o, "share", 1, 3);
    jm__m_ratio(m, o, "of_none", 0, 0);
    jm__m_time(m, o, "at", 0);
    jm__m_real(m, o, "pct", 12.5);
    jm__m_real(m, o, "tenth", 0.1);
    jm__m_real(m, o, "third", 1.0 / 3);
    jm__m_real(m, o, "inf", INFINITY);
    jm__m_bool(m, o, "yes", true);
    jm__m_str(m, o, "name", "a\"b\n\xff", 5);
    jm__m_hide(jm__m_uint(m, o, "hidden", 7));
    jm__mval *arr = jm__m_arr(m, root, "empty");
    jm__m_hide(jm__m_obj(m, arr, NULL));
    jm__m_obj(m, root, "none");
    jm__m_hide(jm__m_uint(m, root, "top", 10));
    jm__json_model(root, f->out);
    assert_string_equal(written(f), "{\n"
                                    "  \"s\": {\n"
                                    "    \"count\": 3,\n"
                                    "    \"secs\": 90061.5,\n"
                                    "    \"neg\": -1.5,\n"
                                    "    \"mean\": 0.003,\n"
                                    "    \"no_mean\": null,\n"
                                    "    \"share\": 0.333333,\n"
                                    "    \"of_none\": 0,\n"
                                    "    \"at\": \"1970-01-01T00:00:00Z\",\n"
                                    "    \"pct\": 12.5,\n"
                                    "    \"tenth\": 0.1,\n"
                                    "    \"third\": 0.3333333333333333,\n"
                                    "    \"inf\": null,\n"
                                    "    \"yes\": true,\n"
                                    "    \"name\": \"a\\\"b\\n\xEF\xBF\xBD\"\n"
                                    "  },\n"
                                    "  \"empty\": [],\n"
                                    "  \"none\": {}\n"
                                    "}\n");
    /* Hidden values are still there for the other writers. */
    assert_int_equal(jm__m_u(jm__m_get(root, "top")), 10);
    assert_true(jm__m_get(root, "top")->hidden);
}

/* A variants section as the variants analysis fills it, two variants of the given steps. */
static void variants_model(jm__model *m, const char *const *a, size_t na, const char *const *b,
                           size_t nb)
{
    jm__mval *root = jm__model_root(m);
    jm__m_uint(m, jm__m_obj(m, root, "journeys"), "count", 4);
    jm__mval *sec = jm__m_obj(m, root, "variants");
    jm__m_uint(m, sec, "count", 2);
    jm__mval *top = jm__m_arr(m, sec, "top");
    const char *const *steps[] = {a, b};
    size_t nsteps[] = {na, nb};
    uint64_t cum = 0;
    for (int r = 0; r < 2; r++) {
        uint64_t count = r == 0 ? 3 : 1;
        cum += count;
        jm__mval *o = jm__m_obj(m, top, NULL);
        jm__m_uint(m, o, "rank", (uint64_t)r + 1);
        jm__m_cstr(m, o, "id", r == 0 ? "0123456789abcdef" : "fedcba9876543210");
        jm__m_uint(m, o, "count", count);
        jm__m_ratio(m, o, "share", count, 4);
        jm__m_ratio(m, o, "cumulative_share", cum, 4);
        jm__mval *s = jm__m_arr(m, o, "steps");
        for (size_t i = 0; i < nsteps[r]; i++)
            jm__m_cstr(m, s, NULL, steps[r][i]);
        jm__mval *d = jm__m_obj(m, o, "duration_s");
        jm__m_ms(m, d, "median", 60000);
        jm__m_mean_ms(m, d, "mean", 3 * 90000 + 1, count);
    }
}

static void test_model_variants_csv(void **state)
{
    struct fixture *f = *state;
    const char *a[] = {"Call", "Email, \"urgent\""};
    const char *b[] = {"Web"};
    variants_model(f->m, a, 2, b, 1);
    jm__csv_variants(jm__model_root(f->m), f->out);
    assert_string_equal(written(f),
                        "rank,id,count,share,cumulative_share,median_duration_s,mean_duration_s,"
                        "length,steps\n"
                        "1,0123456789abcdef,3,0.75,0.75,60,90,2,\"Call > Email, \"\"urgent\"\"\"\n"
                        "2,fedcba9876543210,1,0.25,1,60,270.001,1,Web\n");
}

static void test_model_variants_text(void **state)
{
    struct fixture *f = *state;
    const char *a[] = {"Call", "Email"};
    const char *b[] = {"Web"};
    variants_model(f->m, a, 2, b, 1);
    jm__text_variants(jm__model_root(f->m), f->out);
    assert_string_equal(written(f),
                        "Variants\n"
                        "--------\n"
                        "4 journeys follow 2 variants; the 2 listed cover 100.0% of journeys.\n\n"
                        "rank  journeys  share  cumulative  median duration  mean duration  id"
                        "                steps\n"
                        "----  --------  -----  ----------  ---------------  -------------  "
                        "----------------  ------------\n"
                        "   1         3  75.0%       75.0%               1m         1m 30s  "
                        "0123456789abcdef  Call > Email\n"
                        "   2         1  25.0%      100.0%               1m         4m 30s  "
                        "fedcba9876543210  Web\n\n");
}

static void test_model_dot(void **state)
{
    struct fixture *f = *state;
    jm__model *m = f->m;
    jm__mval *root = jm__model_root(m);
    jm__mval *cut = jm__m_obj(m, root, "cut");
    jm__m_uint(m, cut, "steps", 2);
    jm__m_uint(m, cut, "steps_all", 3);
    jm__m_ratio(m, cut, "event_share", 9, 10);
    jm__m_uint(m, cut, "edges", 2);
    jm__m_uint(m, cut, "edges_all", 4);
    jm__m_ratio(m, cut, "transition_share", 0, 0);
    jm__m_hide(jm__m_uint(m, cut, "journeys", 5));
    jm__m_hide(jm__m_real(m, cut, "steps_pct", 90));
    jm__m_hide(jm__m_real(m, cut, "edges_pct", 100));
    jm__mval *map = jm__m_obj(m, root, "map");
    jm__mval *nodes = jm__m_arr(m, map, "nodes");
    /* Ranked by events; the edge list names them, and the DOT ids follow the ranks. */
    const char *names[] = {"Zeta \"z\"", "Alpha"};
    for (int i = 0; i < 2; i++) {
        jm__mval *n = jm__m_obj(m, nodes, NULL);
        jm__m_cstr(m, n, "step", names[i]);
        jm__m_uint(m, n, "events", i == 0 ? 8 : 1);
        jm__m_uint(m, n, "journeys", 5);
    }
    jm__mval *edges = jm__m_arr(m, map, "edges");
    jm__mval *e = jm__m_obj(m, edges, NULL);
    jm__m_cstr(m, e, "from", "Alpha");
    jm__m_cstr(m, e, "to", "Zeta \"z\"");
    jm__m_uint(m, e, "count", 4);
    jm__m_uint(m, e, "journeys", 4);
    jm__m_ms(m, e, "median_wait_s", 3600000);
    jm__m_ms(m, e, "mean_wait_s", 3600000);
    e = jm__m_obj(m, edges, NULL);
    jm__m_null(m, e, "from");
    jm__m_cstr(m, e, "to", "Alpha");
    jm__m_uint(m, e, "count", 1);
    jm__m_uint(m, e, "journeys", 1);
    jm__m_null(m, e, "median_wait_s");
    jm__m_null(m, e, "mean_wait_s");
    jm__dot_map(root, f->out);
    const char *dot = written(f);
    assert_non_null(strstr(dot, "label=\"5 journeys. Steps shown: 2 of 3 (90.0% of events); "
                                "transitions shown: 2 of 4 (100.0% of their count). Cut with "
                                "--map-steps 90 --map-edges 100.\""));
    assert_non_null(strstr(dot, "  n1 [label=\"Zeta \\\"z\\\"\\n8 events\", "
                                "fillcolor=\"#6fa3d8\"];\n"));
    assert_non_null(strstr(dot, "  n2 [label=\"Alpha\\n1 events\", fillcolor=\"#d6e6f5\"];\n"));
    assert_non_null(strstr(dot, "  n2 -> n1 [label=\"4\\nmedian 1h\", penwidth=6.00];\n"));
    assert_non_null(strstr(dot, "  start -> n2 [label=\"1\", penwidth=3.50];\n"));
}

/* A section no renderer knows is shown plainly in text and Markdown, --top applied. */
static void test_model_text_unknown_section(void **state)
{
    struct fixture *f = *state;
    jm__model *m = f->m;
    jm__mval *root = jm__model_root(m);
    jm__mval *s = jm__m_obj(m, root, "queue_times");
    jm__m_uint(m, s, "count", 3);
    jm__m_ms(m, s, "median_s", 90000);
    jm__m_ratio(m, s, "share", 1, 4);
    jm__mval *steps = jm__m_arr(m, s, "steps");
    jm__m_cstr(m, steps, NULL, "a");
    jm__m_cstr(m, steps, NULL, "b\x01");
    jm__m_hide(jm__m_uint(m, s, "secret", 9));
    jm__mval *by = jm__m_arr(m, s, "by_queue");
    const char *names[] = {"A", "B|x"};
    for (int i = 0; i < 2; i++) {
        jm__mval *o = jm__m_obj(m, by, NULL);
        jm__m_cstr(m, o, "queue", names[i]);
        jm__m_uint(m, o, "waits", 2 - (uint64_t)i);
    }
    jm__m_hide(jm__m_uint(m, root, "top", 1));
    jm__text_report(root, f->out);
    assert_string_equal(written(f), "Journey report\n"
                                    "==============\n\n"
                                    "Summary\n"
                                    "-------\n\n"
                                    "Queue times\n"
                                    "-----------\n"
                                    "count: 3\n"
                                    "median_s: 1m 30s\n"
                                    "share: 25.0%\n"
                                    "steps: a, b?\n\n"
                                    "by_queue:\n"
                                    "queue  waits\n"
                                    "-----  -----\n"
                                    "A          2\n\n");
}

/* Durations for people: two units at most; years of 365 days past one, days unpadded after them. */
static void test_model_fmt_human(void **state)
{
    (void)state;
    char b[32];
    const int64_t day = 86400000;
    assert_string_equal(jm__fmt_human(b, 42000), "42s");
    assert_string_equal(jm__fmt_human(b, 2500), "2.5s");
    assert_string_equal(jm__fmt_human(b, 12 * 60000 + 5000), "12m 05s");
    assert_string_equal(jm__fmt_human(b, 2 * day + 4 * 3600000), "2d 04h");
    assert_string_equal(jm__fmt_human(b, 364 * day), "364d");
    assert_string_equal(jm__fmt_human(b, 365 * day), "1y");
    assert_string_equal(jm__fmt_human(b, 133897 * day), "366y 307d");
    assert_string_equal(jm__fmt_human(b, (366 * 365 + 10) * day), "366y 10d");
    assert_string_equal(jm__fmt_human(b, -(400 * day)), "-1y 35d");
}

/* The page shows a section it has no renderer for (as the customers' or filters' sections of
 * other analyses) with a heading and its numbers marked for the JSON; a "filters" section goes
 * first, before the summary; a name with markup stays text. */
static void test_model_html_unknown_section(void **state)
{
    struct fixture *f = *state;
    jm__mval *root = jm__model_root(f->m);
    jm__mval *flt = jm__m_obj(f->m, root, "filters");
    jm__m_cstr(f->m, flt, "case", "c<1>");
    jm__m_uint(f->m, flt, "journeys_kept", 7);
    jm__mval *s = jm__m_obj(f->m, root, "business_time");
    jm__m_ms(f->m, s, "median_s", 90000);
    jm__mval *arr = jm__m_arr(f->m, s, "by_queue");
    jm__mval *row = jm__m_obj(f->m, arr, NULL);
    jm__m_cstr(f->m, row, "queue", "</script>");
    jm__m_uint(f->m, row, "waits", 2);
    jm__m_hide(jm__m_uint(f->m, root, "top", 0));
    jm__html_report(root, f->out);
    const char *h = written(f);
    const char *filters = strstr(h, "<section id=\"s-filters\" class=filters><h2>Filters</h2>");
    const char *summary = strstr(h, "<section id=\"summary\">");
    const char *bt = strstr(h, "<section id=\"s-business_time\"><h2>Business time</h2>");
    const char *input = strstr(h, "<section id=\"input\">");
    assert_non_null(filters);
    assert_non_null(summary);
    assert_non_null(bt);
    assert_non_null(input);
    assert_true(filters < summary && summary < bt && bt < input);
    assert_non_null(strstr(h, "c&lt;1&gt;"));
    assert_non_null(strstr(h, "data-k=\"filters.journeys_kept\" data-v=\"7\""));
    assert_non_null(strstr(h, "data-k=\"business_time.median_s\" data-v=\"90\">1m 30s<"));
    assert_non_null(strstr(h, "data-k=\"business_time.by_queue.0.waits\" data-v=\"2\""));
    assert_non_null(strstr(h, "<td>&lt;/script&gt;</td>"));
    /* In the embedded JSON, '<' is escaped: "</script>" occurs only where scripts end. */
    assert_non_null(strstr(h, "\"\\u003c/script>\""));
    size_t ends = 0;
    for (const char *x = h; (x = strstr(x, "</script>")) != NULL; x++)
        ends++;
    assert_int_equal(ends, 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_model_order_and_lookup),     T(test_model_strings),       T(test_model_json),
        T(test_model_variants_csv),         T(test_model_variants_text), T(test_model_dot),
        T(test_model_text_unknown_section), T(test_model_html_unknown_section),
        T(test_model_fmt_human),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
