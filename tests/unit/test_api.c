/* SPDX-License-Identifier: MIT */
/* Tests of the public API's promises: each status the header lists, returned where it says. */
#include <jmine/jmine.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define SAMPLE JM_SOURCE_DIR "/sample-logs/contacts.csv"
#define BAD JM_SOURCE_DIR "/sample-logs/contacts-shuffled-bad.csv"

typedef struct fixture {
    jm_options opt;
    jm_log *log;
    jm_report *rep;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    jm_options_init(&f->opt);
    f->opt.threads = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    jm_report_free(f->rep);
    jm_log_free(f->log);
    free(f);
    return 0;
}

static jm_status add(fixture *f, const char *path)
{
    char *err = NULL;
    f->log = jm_log_new(&f->opt, &err);
    assert_non_null(f->log);
    return jm_log_add_file(f->log, path);
}

/* A stream whose writes fail at once: the error indicator is set by the first one. */
static FILE *failing_stream(void)
{
    FILE *s = fopen("/dev/null", "r");
    assert_non_null(s);
    return s;
}

static void test_api_log_new_null_on_bad_options(void **state)
{
    fixture *f = *state;
    f->opt.tz = "Mars/Base";
    char *err = NULL;
    assert_null(jm_log_new(&f->opt, &err));
    assert_non_null(err);
    free(err);
}

static void test_api_add_file_statuses(void **state)
{
    fixture *f = *state;
    assert_int_equal(add(f, JM_SOURCE_DIR "/sample-logs/no-such-file.csv"), JM_EINPUT);
    assert_non_null(strstr(jm_log_error(f->log), "no-such-file.csv"));
    jm_log_free(f->log);
    f->log = NULL;

    f->opt.column[JM_ROLE_CASE] = "no_such_column";
    assert_int_equal(add(f, SAMPLE), JM_EUSAGE);
    assert_non_null(strstr(jm_log_error(f->log), "no_such_column"));
    jm_log_free(f->log);
    f->log = NULL;
    f->opt.column[JM_ROLE_CASE] = NULL;

    f->opt.max_rejects = 3;
    assert_int_equal(add(f, BAD), JM_EREJECTS);
    jm_log_free(f->log);
    f->log = NULL;
    f->opt.max_rejects = UINT64_MAX;

    /* Events past memory_bytes go to $TMPDIR: one that cannot be written is JM_EIO. */
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent/jmine-test", 1);
    f->opt.memory_bytes = 1;
    jm_status s = add(f, SAMPLE);
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TMPDIR");
    }
    assert_int_equal(s, JM_EIO);
    assert_string_not_equal(jm_log_error(f->log), "");
}

static void test_api_report_build_statuses(void **state)
{
    fixture *f = *state;
    assert_int_equal(add(f, SAMPLE), JM_OK);
    assert_string_equal(jm_log_error(f->log), "");
    assert_int_equal(jm_report_build(f->log, &f->rep), JM_OK);
    assert_non_null(f->rep);
    jm_report *again = NULL;
    assert_int_equal(jm_report_build(f->log, &again), JM_EUSAGE);
    assert_null(again);
    assert_int_equal(jm_log_add_file(f->log, SAMPLE), JM_EUSAGE);
    assert_non_null(strstr(jm_log_error(f->log), "consumed"));
}

static void test_api_writer_statuses(void **state)
{
    fixture *f = *state;
    assert_int_equal(add(f, SAMPLE), JM_OK);
    assert_int_equal(jm_report_build(f->log, &f->rep), JM_OK);
    FILE *out = tmpfile();
    assert_non_null(out);
    /* Formats each writer takes, and one it does not (nothing written then). */
    assert_int_equal(jm_write_report(f->rep, JM_FORMAT_TEXT, out), JM_OK);
    assert_int_equal(jm_write_report(f->rep, JM_FORMAT_JSON, out), JM_OK);
    assert_int_equal(jm_write_report(f->rep, JM_FORMAT_MD, out), JM_OK);
    assert_int_equal(jm_write_variants(f->rep, JM_FORMAT_MD, out), JM_OK);
    assert_int_equal(jm_write_variants(f->rep, JM_FORMAT_CSV, out), JM_OK);
    assert_int_equal(jm_write_map(f->rep, JM_FORMAT_DOT, out), JM_OK);
    assert_int_equal(jm_write_map(f->rep, JM_FORMAT_JSON, out), JM_OK);
    long size = ftell(out);
    assert_int_equal(jm_write_report(f->rep, JM_FORMAT_CSV, out), JM_EUSAGE);
    assert_int_equal(jm_write_variants(f->rep, JM_FORMAT_DOT, out), JM_EUSAGE);
    assert_int_equal(jm_write_map(f->rep, JM_FORMAT_TEXT, out), JM_EUSAGE);
    assert_int_equal(jm_write_journeys(f->rep, JM_FORMAT_JSON, out), JM_EUSAGE);
    /* The log was read without keep_journeys. */
    assert_int_equal(jm_write_journeys(f->rep, JM_FORMAT_CSV, out), JM_EUSAGE);
    assert_int_equal(ftell(out), size);
    fclose(out);

    FILE *bad = failing_stream();
    assert_int_equal(jm_write_report(f->rep, JM_FORMAT_JSON, bad), JM_EIO);
    assert_int_equal(jm_write_variants(f->rep, JM_FORMAT_CSV, bad), JM_EIO);
    assert_int_equal(jm_write_map(f->rep, JM_FORMAT_DOT, bad), JM_EIO);
    const char *fields[] = {"a", "b,c"};
    const size_t lens[] = {1, 3};
    assert_int_equal(jm_write_csv_row(bad, ',', 2, fields, lens), JM_EIO);
    fclose(bad);
}

static void test_api_journeys_need_keep_journeys(void **state)
{
    fixture *f = *state;
    f->opt.keep_journeys = true;
    assert_int_equal(add(f, SAMPLE), JM_OK);
    assert_int_equal(jm_report_build(f->log, &f->rep), JM_OK);
    FILE *out = tmpfile();
    assert_int_equal(jm_write_journeys(f->rep, JM_FORMAT_CSV, out), JM_OK);
    assert_true(ftell(out) > 0);
    fclose(out);
    FILE *bad = failing_stream();
    assert_int_equal(jm_write_journeys(f->rep, JM_FORMAT_CSV, bad), JM_EIO);
    fclose(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_api_log_new_null_on_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_add_file_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_report_build_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_writer_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_journeys_need_keep_journeys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
