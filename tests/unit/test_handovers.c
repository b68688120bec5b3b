/* SPDX-License-Identifier: MIT */
/* Unit tests for handovers (handovers.c): the from-to matrix of resources, ping-pong, journeys
 * over --max-handovers on a hand-made journey; its merge law (STYLE "Tests") and its state by
 * names. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "merge_law.h"
#include "model.h"

static int law_setup(void **state)
{
    law *L = law_new(&jm__handovers_analysis, 400, 13);
    L->has_resource = true;
    *state = L;
    return 0;
}

static int law_teardown(void **state)
{
    law_free(*state);
    return 0;
}

static void test_handovers_merge_law(void **state)
{
    law_check(*state);
}

static void test_handovers_merge_law_uneven(void **state)
{
    law_check_split(*state, 5, 1, false, false);
}

static void test_handovers_merge_law_without_column(void **state)
{
    law *L = *state;
    L->has_resource = false;
    law_check(L);
}

static void test_handovers_state_by_names(void **state)
{
    law_check_round_trip(*state);
}

static void test_handovers_state_sees_a_journey(void **state)
{
    law_check_sensitive(*state);
}

static void test_handovers_state_truncated(void **state)
{
    law_check_truncated(*state);
}

/* ann, bo, ann, (none), bo, cy, cy: handovers ann->bo, bo->ann (a ping-pong of ann->bo), cy
 * after bo (the event without a resource breaks nothing but its own two positions): 3
 * handovers, one ping-pong, counted for ann -> bo; over --max-handovers 2. */
static void test_handovers_by_hand(void **state)
{
    (void)state;
    law *L = law_new(&jm__handovers_analysis, 1, 1);
    L->has_resource = true;
    L->opt.max_handovers = 2;
    static const char *const res[] = {"ann", "bo", "ann", NULL, "bo", "cy", "cy"};
    law_journey *j = &L->j[0];
    j->n = 7;
    for (size_t k = 0; k < j->n; k++) {
        j->res[k] = res[k];
        j->step[k] = "Call";
        j->chan[k] = "phone";
        j->start[k] = (int64_t)k * LAW_HOUR;
        j->end[k] = j->start[k];
    }
    law_proc *p = law_proc_new(L, 0, true, true);
    void *st = L->an->begin(&p->ctx);
    law_add(p, L, st, j);
    p->ctx.journeys = 1;
    L->an->finish(st, &p->ctx);
    jm__model *m = jm__model_new();
    jm__mval *sec = jm__m_obj(m, jm__model_root(m), "handovers");
    L->an->model(st, &p->ctx, m, sec);
    assert_int_equal(jm__m_u(jm__m_at(sec, "count")), 3);
    assert_int_equal(jm__m_u(jm__m_at(sec, "journeys")), 1);
    assert_int_equal(jm__m_u(jm__m_at(sec, "ping_pong")), 1);
    assert_int_equal(jm__m_u(jm__m_at(sec, "journeys_over_max")), 1);
    const jm__mval *first = jm__m_at(sec, "matrix")->v.kids.first;
    assert_int_equal(first->v.kids.first->v.str.n, 3); /* ann -> bo first (by names) */
    assert_memory_equal(first->v.kids.first->v.str.s, "ann", 3);
    assert_int_equal(jm__m_u(jm__m_get(first, "ping_pong")), 1);
    assert_int_equal(jm__m_msv(jm__m_get(first, "median_wait_s")), LAW_HOUR);
    jm__model_free(m);
    L->an->free(st);
    law_proc_free(p);
    law_free(L);
}

/* More handovers than handovers.c keeps before it folds them into their pairs (2^18): 100,000
 * journeys ann, bo, ann, bo, the waits 1, 2 or 3 hours by journey. Every handover must be
 * counted once, with its journey and its wait, whichever fold it fell in. */
static void test_handovers_many_folds(void **state)
{
    (void)state;
    enum { JOURNEYS = 100000 };
    law *L = law_new(&jm__handovers_analysis, 1, 1);
    L->has_resource = true;
    L->opt.max_handovers = 2;
    static const char *const res[] = {"ann", "bo", "ann", "bo"};
    law_journey *j = &L->j[0];
    j->n = 4;
    law_proc *p = law_proc_new(L, 0, true, true);
    void *st = L->an->begin(&p->ctx);
    for (int64_t k = 0; k < JOURNEYS; k++) {
        for (size_t i = 0; i < j->n; i++) {
            j->res[i] = res[i];
            j->step[i] = "Call";
            j->chan[i] = "phone";
            j->start[i] = (int64_t)i * (k % 3 + 1) * LAW_HOUR;
            j->end[i] = j->start[i];
        }
        law_add(p, L, st, j);
    }
    p->ctx.journeys = JOURNEYS;
    L->an->finish(st, &p->ctx);
    jm__model *m = jm__model_new();
    jm__mval *sec = jm__m_obj(m, jm__model_root(m), "handovers");
    L->an->model(st, &p->ctx, m, sec);
    assert_int_equal(jm__m_u(jm__m_at(sec, "count")), 3 * JOURNEYS);
    assert_int_equal(jm__m_u(jm__m_at(sec, "journeys")), JOURNEYS);
    assert_int_equal(jm__m_u(jm__m_at(sec, "ping_pong")), 2 * JOURNEYS);
    assert_int_equal(jm__m_u(jm__m_at(sec, "journeys_over_max")), JOURNEYS);
    const jm__mval *ab = jm__m_at(sec, "matrix")->v.kids.first; /* the most frequent */
    assert_memory_equal(jm__m_get(ab, "from")->v.str.s, "ann", 3);
    assert_int_equal(jm__m_u(jm__m_get(ab, "count")), 2 * JOURNEYS);
    assert_int_equal(jm__m_u(jm__m_get(ab, "journeys")), JOURNEYS);
    assert_int_equal(jm__m_u(jm__m_get(ab, "ping_pong")), JOURNEYS);
    assert_int_equal(jm__m_msv(jm__m_get(ab, "median_wait_s")), 2 * LAW_HOUR);
    const jm__mval *ba = ab->next;
    assert_memory_equal(jm__m_get(ba, "from")->v.str.s, "bo", 2);
    assert_int_equal(jm__m_u(jm__m_get(ba, "count")), JOURNEYS);
    assert_int_equal(jm__m_u(jm__m_get(ba, "journeys")), JOURNEYS);
    assert_null(ba->next);
    jm__model_free(m);
    L->an->free(st);
    law_proc_free(p);
    law_free(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handovers_merge_law, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_handovers_merge_law_uneven, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_handovers_merge_law_without_column, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_handovers_state_by_names, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_handovers_state_sees_a_journey, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_handovers_state_truncated, law_setup, law_teardown),
        cmocka_unit_test(test_handovers_by_hand),
        cmocka_unit_test(test_handovers_many_folds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
