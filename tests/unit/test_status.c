/* SPDX-License-Identifier: MIT */
/* Tests of the status, reason and role names and of the version the public header states. */
#include <jmine/jmine.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#if JM_VERSION_NUMBER < 100
#error "JM_VERSION_NUMBER must be usable in #if"
#endif

static void test_status_version_is_the_header_macros(void **state)
{
    (void)state;
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", JM_VERSION_MAJOR, JM_VERSION_MINOR, JM_VERSION_PATCH);
    assert_string_equal(JM_VERSION_STRING, want);
    assert_string_equal(jm_version(), want);
    assert_int_equal(JM_VERSION_NUMBER,
                     JM_VERSION_MAJOR * 10000 + JM_VERSION_MINOR * 100 + JM_VERSION_PATCH);
    assert_true(JM_VERSION_MINOR < 100 && JM_VERSION_PATCH < 100);
}

static void test_status_names_and_exit_codes(void **state)
{
    (void)state;
    /* The exit codes of SPEC §2; every status has a name and a message. */
    static const struct {
        jm_status s;
        const char *name;
        int code;
    } want[] = {{JM_OK, "OK", 0},         {JM_EINTERNAL, "EINTERNAL", 1},
                {JM_EIO, "EIO", 1},       {JM_EUSAGE, "EUSAGE", 2},
                {JM_EINPUT, "EINPUT", 3}, {JM_EREJECTS, "EREJECTS", 4}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(jm_status_name(want[i].s), want[i].name);
        assert_int_equal(jm_status_exit_code(want[i].s), want[i].code);
        assert_true(strlen(jm_strerror(want[i].s)) > 0);
    }
    assert_string_equal(jm_status_name((jm_status)99), "UNKNOWN");
    assert_int_equal(jm_status_exit_code((jm_status)99), 1);
}

static void test_status_reason_and_role_keys(void **state)
{
    (void)state;
    /* The keys of input.rejected_by_reason and input.columns in the JSON report. */
    assert_string_equal(jm_reject_key(JM_REJECT_FIELD_TOO_LONG), "field_too_long");
    assert_string_equal(jm_reject_key(JM_REJECT_END_BEFORE_START), "end_before_start");
    assert_string_equal(jm_reject_key(JM_REJECT_COUNT), "unknown");
    assert_string_equal(jm_role_key(JM_ROLE_CASE), "case");
    assert_string_equal(jm_role_key(JM_ROLE_RESOURCE), "resource");
    assert_string_equal(jm_role_key(JM_ROLE_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_version_is_the_header_macros),
        cmocka_unit_test(test_status_names_and_exit_codes),
        cmocka_unit_test(test_status_reason_and_role_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
