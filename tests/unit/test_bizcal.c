/* SPDX-License-Identifier: MIT */
/* Unit tests for business time (bizcal.c): opening hours read in a time zone across the
 * changes to and from summer time (Europe/Stockholm, Europe/Berlin: the last Sundays of March
 * and October), holidays, the entry of a channel, and what does not parse. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bizcal.h"
#include "timeparse.h"

#include <stdlib.h>
#include <string.h>

#define H INT64_C(3600000)

static int64_t at(const char *iso)
{
    jm__timefmt *tf = jm__timefmt_new(NULL, NULL, NULL);
    int64_t ms = 0;
    assert_true(jm__time_parse(tf, iso, strlen(iso), &ms));
    jm__timefmt_free(tf);
    return ms;
}

static jm__bizcal *cal(const char *spec, const char *tz, const char *hol)
{
    char *err = NULL;
    jm__bizcal *c = jm__bizcal_new(spec, tz, hol, &err);
    if (c == NULL)
        fail_msg("%s", err);
    return c;
}

static const char *const office = "phone=Mon-Fri 08:00-18:00; email=Mon-Sun 00:00-24:00; "
                                  "*=Mon-Fri 08:00-17:00";

/* Friday 17:00 to Monday 09:00 local over the change to summer time (Stockholm, 31 March
 * 2024): one hour on Friday, one on Monday. Read at a fixed offset, Monday would open an hour
 * off. */
static void test_stockholm_spring_weekend(void **state)
{
    (void)state;
    jm__bizcal *c = cal(office, "Europe/Stockholm", NULL);
    int phone = jm__bizcal_entry(c, "phone", 5);
    int64_t a = at("2024-03-29T16:00:00Z"), b = at("2024-04-01T07:00:00Z"); /* 17:00 CET, 09:00 CEST */
    assert_int_equal(b - a, 63 * H);
    assert_int_equal(jm__bizcal_ms(c, phone, a, b), 2 * H);
    /* Monday 07:30 to 08:30 CEST: half an hour open. */
    assert_int_equal(jm__bizcal_ms(c, phone, at("2024-04-01T05:30:00Z"), at("2024-04-01T06:30:00Z")),
                     H / 2);
    /* The whole Sunday of the change, open all day: 23 hours. */
    int email = jm__bizcal_entry(c, "email", 5);
    assert_int_equal(
        jm__bizcal_ms(c, email, at("2024-03-30T23:00:00Z"), at("2024-03-31T22:00:00Z")), 23 * H);
    jm__bizcal_free(c);
}

/* The change back (Berlin, 27 October 2024): the Sunday holds 25 hours; Friday 17:00 CEST to
 * Monday 09:00 CET is two business hours of phone. */
static void test_berlin_autumn_weekend(void **state)
{
    (void)state;
    jm__bizcal *c = cal(office, "Europe/Berlin", NULL);
    int email = jm__bizcal_entry(c, "email", 5);
    assert_int_equal(
        jm__bizcal_ms(c, email, at("2024-10-26T22:00:00Z"), at("2024-10-27T23:00:00Z")), 25 * H);
    int phone = jm__bizcal_entry(c, "phone", 5);
    assert_int_equal(
        jm__bizcal_ms(c, phone, at("2024-10-25T15:00:00Z"), at("2024-10-28T08:00:00Z")), 2 * H);
    /* Monday 08:00-18:00 CET is 07:00-17:00 UTC. */
    assert_int_equal(
        jm__bizcal_ms(c, phone, at("2024-10-28T00:00:00Z"), at("2024-10-28T07:00:00Z")), 0);
    assert_int_equal(
        jm__bizcal_ms(c, phone, at("2024-10-28T00:00:00Z"), at("2024-10-28T23:00:00Z")), 10 * H);
    jm__bizcal_free(c);
}

/* Christmas closed: Monday 23 December 17:00 to Friday 27 December 09:00 (Stockholm, CET) is an
 * hour on Monday and one on Friday. */
static void test_holidays(void **state)
{
    (void)state;
    jm__bizcal *c = cal(office, "Europe/Stockholm", "2024-12-26\n# Christmas\n 2024-12-24 \n\n2024-12-25\n");
    int phone = jm__bizcal_entry(c, "phone", 5);
    int64_t a = at("2024-12-23T16:00:00Z"), b = at("2024-12-27T08:00:00Z");
    assert_int_equal(jm__bizcal_ms(c, phone, a, b), 2 * H);
    jm__bizcal_free(c);
    jm__bizcal *open = cal(office, "Europe/Stockholm", NULL);
    assert_int_equal(jm__bizcal_ms(open, phone, a, b), 32 * H);
    jm__bizcal_free(open);
    char *canon = jm__holidays_canon("2024-12-26\n2024-12-24\n2024-12-26\r\n");
    assert_string_equal(canon, "2024-12-24,2024-12-26");
    free(canon);
}

/* Entries: a channel's own, else "*"; none at all: wall-clock time. Several ranges a day. */
static void test_entries_and_ranges(void **state)
{
    (void)state;
    jm__bizcal *c = cal("chat=Mon-Fri 08:00-12:00, Mon-Fri 13:00-17:00, Sat-Sun 10:00-12:00", NULL,
                        NULL);
    int chat = jm__bizcal_entry(c, "chat", 4);
    assert_true(chat >= 0);
    assert_int_equal(jm__bizcal_entry(c, "web", 3), -1);
    assert_int_equal(jm__bizcal_entry(c, NULL, 0), -1);
    int64_t a = at("2024-06-07T11:00:00Z"), b = at("2024-06-08T11:00:00Z"); /* Fri 11 - Sat 11 */
    assert_int_equal(jm__bizcal_ms(c, chat, a, b), H + 4 * H + H);
    assert_int_equal(jm__bizcal_ms(c, -1, a, b), 24 * H);
    assert_int_equal(jm__bizcal_ms(c, chat, b, a), 0);
    jm__bizcal_free(c);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"phone=Mon-Fry 08:00-18:00", "phone Mon-Fri 08:00-18:00",
                                      "phone=Mon-Fri 18:00-08:00", "phone=Mon-Fri 08:00-25:00",
                                      "phone=Mon 08:00-09:00; phone=Tue 08:00-09:00", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        assert_null(jm__bizcal_new(bad[i], NULL, NULL, &err));
        assert_non_null(err);
        free(err);
    }
    char *err = NULL;
    assert_null(jm__bizcal_new(office, NULL, "2024-02-30\n", &err));
    assert_non_null(strstr(err, "2024-02-30"));
    free(err);
    err = NULL;
    assert_null(jm__bizcal_new(office, "Mars/Olympus", NULL, &err));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stockholm_spring_weekend),
        cmocka_unit_test(test_berlin_autumn_weekend),
        cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_entries_and_ranges),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
