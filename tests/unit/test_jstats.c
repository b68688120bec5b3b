/* SPDX-License-Identifier: MIT */
/* Unit tests for the journeys analysis (jstats.c): counts, contacts and channels per journey,
 * durations: its merge law (STYLE "Tests") and its state by names. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "merge_law.h"

static int law_setup(void **state)
{
    *state = law_new(&jm__journeys_analysis, 400, 7);
    return 0;
}

static int law_teardown(void **state)
{
    law_free(*state);
    return 0;
}

/* Two halves by case, each analysed in a process with other ids, merged: the whole. */
static void test_jstats_merge_law(void **state)
{
    law_check(*state);
}

/* A fifth and the rest. */
static void test_jstats_merge_law_uneven(void **state)
{
    law_check_split(*state, 5, 1, false, false);
}

/* Half the log from files without a channel column: its journeys count at 0 channels. */
static void test_jstats_merge_law_half_without_channel(void **state)
{
    law_check_split(*state, 2, 1, false, true);
}

/* A log with no channel column at all. */
static void test_jstats_merge_law_without_channel(void **state)
{
    law *L = *state;
    L->has_channel = false;
    law_check(L);
}

/* Saved, loaded in a process with other ids, saved again: the same bytes. */
static void test_jstats_state_by_names(void **state)
{
    law_check_round_trip(*state);
}

/* One journey less is another state: the bytes hold what the analysis keeps. */
static void test_jstats_state_sees_a_journey(void **state)
{
    law_check_sensitive(*state);
}

/* A state cut short anywhere is refused by the loader, which never reads past it. */
static void test_jstats_state_truncated(void **state)
{
    law_check_truncated(*state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jstats_merge_law, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_jstats_merge_law_uneven, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_jstats_merge_law_half_without_channel, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_jstats_merge_law_without_channel, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_jstats_state_by_names, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_jstats_state_sees_a_journey, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_jstats_state_truncated, law_setup, law_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
