/* SPDX-License-Identifier: MIT */
/* Unit tests for the customer's view (customers.c): repeat contact, first-contact resolution,
 * provisional journeys and containment on a hand-made log; its merge law (STYLE "Tests") and
 * its state by names. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "merge_law.h"
#include "model.h"

static int law_setup(void **state)
{
    law *L = law_new(&jm__customers_analysis, 400, 11);
    L->has_customer = true;
    L->opt.self_service = "web,chat";
    *state = L;
    return 0;
}

static int law_teardown(void **state)
{
    law_free(*state);
    return 0;
}

static void test_customers_merge_law(void **state)
{
    law_check(*state);
}

static void test_customers_merge_law_uneven(void **state)
{
    law_check_split(*state, 5, 1, false, false);
}

/* A shorter window: other journeys are followed, others provisional. */
static void test_customers_merge_law_short_window(void **state)
{
    law *L = *state;
    L->opt.repeat_window_ms = 20 * LAW_HOUR;
    law_check_split(L, 3, 1, false, false);
}

static void test_customers_merge_law_half_without_channel(void **state)
{
    law_check_split(*state, 3, 1, false, true);
}

static void test_customers_merge_law_without_column(void **state)
{
    law *L = *state;
    L->has_customer = false;
    law_check(L);
}

static void test_customers_state_by_names(void **state)
{
    law_check_round_trip(*state);
}

static void test_customers_state_sees_a_journey(void **state)
{
    law_check_sensitive(*state);
}

static void test_customers_state_truncated(void **state)
{
    law_check_truncated(*state);
}

/* One journey of the hand-made log: its customer on every event, one channel and step. */
static void put(law_journey *j, const char *cas, const char *cust, size_t n, const char *chan,
                const char *chan2, int64_t start_h, int64_t end_h)
{
    memset(j, 0, sizeof *j);
    snprintf(j->cas, sizeof j->cas, "%s", cas);
    j->n = n;
    for (size_t k = 0; k < n; k++) {
        j->step[k] = k == 0 ? "Web: visit FAQ" : "Call";
        j->chan[k] = k == 0 ? chan : chan2;
        j->cust[k] = cust;
        j->start[k] = start_h * LAW_HOUR + (int64_t)k;
        j->end[k] = k + 1 == n ? end_h * LAW_HOUR : j->start[k];
    }
}

/* The definitions of SPEC §9 on a log small enough to count by hand:
 *   K01: A [0h, 0h] web, 1 event; B [0h, 1h] web, 1 event; C [30h, 31h] phone, 2 events;
 *        D [400h, 400h] web -> web, 2 events (all self-service, not followed: contained)
 *   K02: E [1000h, 1000h] chat, 1 event: the last start, so provisional (window 7d)
 *   F: no customer at all.
 * A and B are followed by C (start 30h > their start, within 7d of their end; A and B start
 * together, so neither repeats the other); C is not followed (D starts 369h after its end).
 * Non-provisional 4, followed 2, FCR: 1-event journeys not followed: none of A, B; D has two
 * events: FCR 0. Gaps 30h (A), 29h (B): median 29h, p90 30h. */
static void test_customers_by_hand(void **state)
{
    (void)state;
    law *L = law_new(&jm__customers_analysis, 6, 1);
    L->has_customer = true;
    L->opt.self_service = "web,chat";
    put(&L->j[0], "A", "K01", 1, "web", NULL, 0, 0);
    put(&L->j[1], "B", "K01", 1, "web", NULL, 0, 1);
    put(&L->j[2], "C", "K01", 2, "phone", "phone", 30, 31);
    put(&L->j[3], "D", "K01", 2, "web", "web", 400, 400);
    put(&L->j[4], "E", "K02", 1, "chat", NULL, 1000, 1000);
    put(&L->j[5], "F", NULL, 1, "phone", NULL, 5, 5);
    law_proc *p = law_proc_new(L, 0, true, true);
    void *st = L->an->begin(&p->ctx);
    for (size_t i = 0; i < L->n; i++)
        law_add(p, L, st, &L->j[i]);
    p->ctx.journeys = L->n;
    L->an->finish(st, &p->ctx);
    jm__model *m = jm__model_new();
    jm__mval *sec = jm__m_obj(m, jm__model_root(m), "customers");
    L->an->model(st, &p->ctx, m, sec);
    assert_int_equal(jm__m_u(jm__m_at(sec, "count")), 2);
    assert_int_equal(jm__m_u(jm__m_at(sec, "journeys")), 5);
    assert_int_equal(jm__m_u(jm__m_at(sec, "journeys_without_customer")), 1);
    assert_int_equal(jm__m_u(jm__m_at(sec, "contacts.max")), 6);
    assert_int_equal(jm__m_u(jm__m_at(sec, "contacts.median")), 1);
    assert_int_equal(jm__m_u(jm__m_at(sec, "channels.max")), 2);
    assert_int_equal(jm__m_u(jm__m_at(sec, "repeat.journeys")), 4);
    assert_int_equal(jm__m_u(jm__m_at(sec, "repeat.provisional")), 1);
    assert_int_equal(jm__m_u(jm__m_at(sec, "repeat.followed")), 2);
    const jm__mval *fcr = jm__m_at(sec, "repeat.fcr");
    assert_int_equal(fcr->v.ratio.num, 0);
    assert_int_equal(fcr->v.ratio.den, 4);
    assert_int_equal(jm__m_msv(jm__m_at(sec, "repeat.gap_s.median")), 29 * LAW_HOUR);
    assert_int_equal(jm__m_msv(jm__m_at(sec, "repeat.gap_s.p90")), 30 * LAW_HOUR);
    /* web first: A, B, D (2 followed); phone first: C. */
    const jm__mval *first = jm__m_at(sec, "repeat.by_first_channel")->v.kids.first;
    assert_int_equal(jm__m_u(jm__m_get(first, "journeys")), 3);
    assert_int_equal(jm__m_u(jm__m_get(first, "followed")), 2);
    /* Containment: web starts A, B, D; only D stays in self-service and is not followed. */
    const jm__mval *web = jm__m_at(sec, "containment.channels")->v.kids.first;
    assert_int_equal(jm__m_u(jm__m_get(web, "journeys")), 3);
    assert_int_equal(jm__m_u(jm__m_get(web, "contained")), 1);
    assert_int_equal(jm__m_u(jm__m_at(sec, "containment.journeys")), 3);
    jm__model_free(m);
    L->an->free(st);
    law_proc_free(p);
    law_free(L);
}

/* A journey's customer is that of its first event that has one. */
static void test_customers_first_event_with_one(void **state)
{
    (void)state;
    law *L = law_new(&jm__customers_analysis, 2, 1);
    L->has_customer = true;
    put(&L->j[0], "A", "K01", 3, "web", "phone", 0, 5);
    L->j[0].cust[0] = NULL;
    L->j[0].cust[2] = "K02";
    put(&L->j[1], "B", "K01", 1, "web", NULL, 2, 3);
    law_proc *p = law_proc_new(L, 0, true, true);
    void *st = L->an->begin(&p->ctx);
    for (size_t i = 0; i < L->n; i++)
        law_add(p, L, st, &L->j[i]);
    p->ctx.journeys = L->n;
    L->an->finish(st, &p->ctx);
    jm__model *m = jm__model_new();
    jm__mval *sec = jm__m_obj(m, jm__model_root(m), "customers");
    L->an->model(st, &p->ctx, m, sec);
    assert_int_equal(jm__m_u(jm__m_at(sec, "count")), 1); /* both journeys are K01's */
    assert_int_equal(jm__m_u(jm__m_at(sec, "contacts.max")), 4);
    jm__model_free(m);
    L->an->free(st);
    law_proc_free(p);
    law_free(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_customers_merge_law, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_merge_law_uneven, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_merge_law_short_window, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_merge_law_half_without_channel, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_merge_law_without_column, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_state_by_names, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_state_sees_a_journey, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_customers_state_truncated, law_setup, law_teardown),
        cmocka_unit_test(test_customers_by_hand),
        cmocka_unit_test(test_customers_first_event_with_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
