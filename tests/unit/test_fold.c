/* SPDX-License-Identifier: MIT */
/* Unit tests for fold: --min-journeys on a hand-made report model (variants, map, transitions). */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold.h"
#include "model.h"

static bool str_is(const jm__mval *v, const char *s)
{
    return v != NULL && v->type == JM__M_STR && v->v.str.n == strlen(s) &&
           memcmp(v->v.str.s, s, v->v.str.n) == 0;
}

static void variant(jm__model *m, jm__mval *top, uint64_t rank, const char *id, uint64_t count,
                    uint64_t cum, int64_t median)
{
    jm__mval *o = jm__m_obj(m, top, NULL);
    jm__m_uint(m, o, "rank", rank);
    jm__m_cstr(m, o, "id", id);
    jm__m_uint(m, o, "count", count);
    jm__m_ratio(m, o, "share", count, 20);
    jm__m_ratio(m, o, "cumulative_share", cum, 20);
    jm__m_cstr(m, jm__m_arr(m, o, "steps"), NULL, id);
    jm__mval *d = jm__m_obj(m, o, "duration_s");
    jm__m_ms(m, d, "median", median);
    jm__m_ms(m, d, "mean", median);
}

static void node(jm__model *m, jm__mval *nodes, const char *step, uint64_t events, uint64_t j)
{
    jm__mval *o = jm__m_obj(m, nodes, NULL);
    jm__m_cstr(m, o, "step", step);
    jm__m_uint(m, o, "events", events);
    jm__m_uint(m, o, "journeys", j);
}

static void edge(jm__model *m, jm__mval *edges, const char *from, const char *to, uint64_t count,
                 uint64_t j)
{
    jm__mval *o = jm__m_obj(m, edges, NULL);
    jm__m_cstr(m, o, "from", from);
    jm__m_cstr(m, o, "to", to);
    jm__m_uint(m, o, "count", count);
    jm__m_uint(m, o, "journeys", j);
    jm__m_ms(m, o, "median_wait_s", 1000);
}

/* Variants of 10, 6, 2, 1 and 1 journeys with K = 3: two kept, three in one (other) row of 4
 * journeys, ranked third, cumulative share 20/20, medians null. */
static void test_fold_variants(void **state)
{
    (void)state;
    jm__model *m = jm__model_new();
    jm__mval *root = jm__model_root(m);
    jm__mval *top = jm__m_arr(m, jm__m_obj(m, root, "variants"), "top");
    variant(m, top, 1, "a", 10, 10, 5);
    variant(m, top, 2, "b", 6, 16, 5);
    variant(m, top, 3, "c", 2, 18, 5);
    variant(m, top, 4, "d", 1, 19, 5);
    variant(m, top, 5, "e", 1, 20, 5);
    jm__model_fold(m, root, 3);
    assert_int_equal(top->n, 3);
    const jm__mval *o = top->v.kids.last;
    assert_true(str_is(jm__m_get(o, "id"), "(other)"));
    assert_int_equal(jm__m_u(jm__m_get(o, "count")), 4);
    assert_int_equal(jm__m_u(jm__m_get(o, "rank")), 3);
    assert_int_equal(jm__m_get(o, "share")->v.ratio.num, 4);
    assert_int_equal(jm__m_get(o, "cumulative_share")->v.ratio.num, 20);
    assert_true(jm__m_isnull(jm__m_at(o, "duration_s.median")));
    assert_true(jm__m_get(o, "other")->v.b);
    assert_int_equal(jm__m_u(jm__m_at(root, "privacy.min_journeys")), 3);
    assert_int_equal(jm__m_u(jm__m_at(root, "privacy.folded.variants")), 3);
    uint64_t sum = 0;
    for (const jm__mval *v = top->v.kids.first; v != NULL; v = v->next)
        sum += jm__m_u(jm__m_get(v, "count"));
    assert_int_equal(sum, 20);
    jm__model_free(m);
}

/* A rare step: its edges get (other) as an end, edges that then meet add up, rare edges fold
 * into (other) -> (other); the (other) node holds the step's events. */
static void test_fold_map(void **state)
{
    (void)state;
    jm__model *m = jm__model_new();
    jm__mval *root = jm__model_root(m);
    jm__mval *map = jm__m_obj(m, root, "map");
    jm__mval *nodes = jm__m_arr(m, map, "nodes"), *edges = jm__m_arr(m, map, "edges");
    node(m, nodes, "A", 9, 9);
    node(m, nodes, "B", 8, 8);
    node(m, nodes, "R", 2, 2); /* rare */
    edge(m, edges, "A", "B", 6, 6);
    edge(m, edges, "A", "R", 1, 1);
    edge(m, edges, "B", "R", 1, 1);
    edge(m, edges, "B", "A", 1, 1); /* rare, no rare end */
    jm__model_fold(m, root, 3);
    assert_int_equal(nodes->n, 3);
    assert_true(str_is(jm__m_get(nodes->v.kids.last, "step"), "(other)"));
    assert_int_equal(jm__m_u(jm__m_get(nodes->v.kids.last, "events")), 2);
    /* A->B kept; A->(other), B->(other) and B->A all under 3 journeys: one (other) edge. */
    assert_int_equal(edges->n, 2);
    const jm__mval *o = edges->v.kids.last;
    assert_true(str_is(jm__m_get(o, "from"), "(other)") && str_is(jm__m_get(o, "to"), "(other)"));
    assert_int_equal(jm__m_u(jm__m_get(o, "count")), 3);
    assert_true(jm__m_isnull(jm__m_get(o, "median_wait_s")));
    jm__model_free(m);
}

/* K of 1 changes nothing, and no privacy object appears. */
static void test_fold_off(void **state)
{
    (void)state;
    jm__model *m = jm__model_new();
    jm__mval *root = jm__model_root(m);
    jm__mval *top = jm__m_arr(m, jm__m_obj(m, root, "variants"), "top");
    variant(m, top, 1, "a", 1, 1, 5);
    jm__model_fold(m, root, 1);
    assert_int_equal(top->n, 1);
    assert_null(jm__m_get(root, "privacy"));
    jm__model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_variants),
        cmocka_unit_test(test_fold_map),
        cmocka_unit_test(test_fold_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
