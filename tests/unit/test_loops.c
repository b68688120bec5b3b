/* SPDX-License-Identifier: MIT */
/* Unit tests for the loops analysis (loops.c): self-loops and repetitions, per step: its merge law
 * (STYLE "Tests") and its state by names. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "merge_law.h"

static int law_setup(void **state)
{
    *state = law_new(&jm__loops_analysis, 400, 7);
    return 0;
}

static int law_teardown(void **state)
{
    law_free(*state);
    return 0;
}

/* Two halves by case, each analysed in a process with other ids, merged: the whole. */
static void test_loops_merge_law(void **state)
{
    law_check(*state);
}

/* A fifth and the rest. */
static void test_loops_merge_law_uneven(void **state)
{
    law_check_split(*state, 5, 1, false, false);
}

/* --collapse-loops changes variants, not loops: the law holds either way. */
static void test_loops_merge_law_collapse_loops(void **state)
{
    law *L = *state;
    L->opt.collapse_loops = 1;
    law_check(L);
}

/* Saved, loaded in a process with other ids, saved again: the same bytes. */
static void test_loops_state_by_names(void **state)
{
    law_check_round_trip(*state);
}

/* One journey less is another state: the bytes hold what the analysis keeps. */
static void test_loops_state_sees_a_journey(void **state)
{
    law_check_sensitive(*state);
}

/* A state cut short anywhere is refused by the loader, which never reads past it. */
static void test_loops_state_truncated(void **state)
{
    law_check_truncated(*state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loops_merge_law, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_loops_merge_law_uneven, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_loops_merge_law_collapse_loops, law_setup,
                                        law_teardown),
        cmocka_unit_test_setup_teardown(test_loops_state_by_names, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_loops_state_sees_a_journey, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_loops_state_truncated, law_setup, law_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
