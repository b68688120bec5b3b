/* SPDX-License-Identifier: MIT */
/* Unit tests for options.c: durations with compound units, and a bare number refused. */
#include <jmine/jmine.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_options_duration_units_and_compounds(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t ms;
    } ok[] = {{"500ms", 500},         {"45s", 45000},          {"90m", 5400000},
              {"90min", 5400000},     {"2h", 7200000},         {"1h30m", 5400000},
              {"2d12h", 216000000},   {"1w", 604800000},       {"1w2d", 777600000},
              {"1.5h", 5400000},      {"0s", 0},               {"1m30s", 90000},
              {"1h0m5s250ms", 3605250}, {".5s", 500},          {"30d", 2592000000}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t ms = -1;
        assert_int_equal(jm_parse_duration_ex(ok[i].s, &ms), JM_DURATION_OK);
        assert_int_equal(ms, ok[i].ms);
        ms = -1;
        assert_true(jm_parse_duration(ok[i].s, &ms));
        assert_int_equal(ms, ok[i].ms);
    }
}

static void test_options_duration_bare_number_needs_a_unit(void **state)
{
    (void)state;
    static const char *const bare[] = {"30", "0", "1.5", "86400"};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        int64_t ms = 7;
        assert_int_equal(jm_parse_duration_ex(bare[i], &ms), JM_DURATION_NO_UNIT);
        assert_false(jm_parse_duration(bare[i], &ms));
        assert_int_equal(ms, 7); /* untouched on failure */
    }
}

static void test_options_duration_refuses_the_rest(void **state)
{
    (void)state;
    static const char *const bad[] = {"",     "h",    "1h30", "-1s",  "+1s",   "1e3s", "0x10s",
                                      "inf",  "1 h",  "1hh",  "30x",  "1.5.3h", "1hour", "1sm",
                                      "1s ", " 1s", "99999999999999w"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 7;
        assert_int_equal(jm_parse_duration_ex(bad[i], &ms), JM_DURATION_BAD);
        assert_int_equal(ms, 7);
    }
    int64_t ms;
    assert_int_equal(jm_parse_duration_ex(NULL, &ms), JM_DURATION_BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_duration_units_and_compounds),
        cmocka_unit_test(test_options_duration_bare_number_needs_a_unit),
        cmocka_unit_test(test_options_duration_refuses_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
