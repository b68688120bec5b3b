/* SPDX-License-Identifier: MIT */
/* Unit tests for business time in the report (business.c, waits.business): its merge law
 * (STYLE "Tests") and its state by names, with a calendar in a zone with summer time. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "merge_law.h"

static int law_setup(void **state)
{
    law *L = law_new(&jm__business_analysis, 400, 17);
    L->opt.calendar = "phone=Mon-Fri 08:00-18:00; email=Mon-Sun 00:00-24:00; "
                      "*=Mon-Fri 08:00-17:00, Sat 10:00-14:00";
    L->opt.tz = "Europe/Berlin";
    L->opt.holidays = "1970-01-02\n1970-01-05\n";
    *state = L;
    return 0;
}

static int law_teardown(void **state)
{
    law_free(*state);
    return 0;
}

static void test_business_merge_law(void **state)
{
    law_check(*state);
}

static void test_business_merge_law_uneven(void **state)
{
    law_check_split(*state, 5, 1, false, false);
}

static void test_business_merge_law_half_without_channel(void **state)
{
    law_check_split(*state, 3, 1, false, true);
}

static void test_business_state_by_names(void **state)
{
    law_check_round_trip(*state);
}

static void test_business_state_sees_a_journey(void **state)
{
    law_check_sensitive(*state);
}

static void test_business_state_truncated(void **state)
{
    law_check_truncated(*state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_business_merge_law, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_business_merge_law_uneven, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_business_merge_law_half_without_channel, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_business_state_by_names, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_business_state_sees_a_journey, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_business_state_truncated, law_setup, law_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
