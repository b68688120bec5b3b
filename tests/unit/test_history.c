/* SPDX-License-Identifier: MIT */
/* Unit tests for history: a run appended, replaced on rerun, read back; files that are not one. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <jmine/jmine.h>

#define TINY JM_SOURCE_DIR "/tests/cli/data/tiny.csv"

/* A report of tiny.csv, the log kept in *log. */
static jm_report *build(jm_options *opt, jm_log **log)
{
    *log = jm_log_new(opt, NULL);
    assert_non_null(*log);
    assert_int_equal(jm_log_add_file(*log, TINY), JM_OK);
    jm_report *rep = NULL;
    assert_int_equal(jm_report_build(*log, &rep), JM_OK);
    return rep;
}

static char *run_json(const char *db, const char *run)
{
    char *buf = NULL, *err = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    jm_status s = jm_history_write_run(db, run, f, &err);
    fclose(f);
    if (s != JM_OK) {
        free(buf);
        free(err);
        return NULL;
    }
    return buf;
}

static void test_history_append_replace(void **state)
{
    (void)state;
    char dir[] = "/tmp/jm-history-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[64];
    snprintf(db, sizeof db, "%s/h.db", dir);
    char *err = NULL;
    assert_int_equal(jm_history_check(db, &err), JM_OK); /* missing: fine */

    jm_options opt;
    jm_options_init(&opt);
    jm_log *log;
    jm_report *rep = build(&opt, &log);
    const char *inputs[] = {TINY};
    jm_history_run hr = {1733540400000, "report", inputs, 1};
    int64_t id = 0;
    /* Without full_rankings the rows past --top would be unfinished: refused. */
    assert_int_equal(jm_history_append(rep, db, &hr, &id, &err), JM_EUSAGE);
    free(err);
    jm_report_free(rep);
    jm_log_free(log);

    opt.full_rankings = true;
    for (int i = 0; i < 2; i++) { /* the same inputs and options: one run, id 1 */
        rep = build(&opt, &log);
        assert_int_equal(jm_history_append(rep, db, &hr, &id, &err), JM_OK);
        assert_int_equal(id, 1);
        jm_report_free(rep);
        jm_log_free(log);
    }
    opt.long_wait_ms = 3600000; /* other options: a new run */
    rep = build(&opt, &log);
    assert_int_equal(jm_history_append(rep, db, &hr, &id, &err), JM_OK);
    assert_int_equal(id, 2);
    jm_report_free(rep);
    jm_log_free(log);

    char *last = run_json(db, "last"), *first = run_json(db, "last-1");
    assert_non_null(last);
    assert_non_null(first);
    assert_non_null(strstr(last, "\"run\": 2"));
    assert_non_null(strstr(first, "\"run\": 1"));
    assert_non_null(strstr(last, "\"started_at\": \"2024-12-07T03:00:00Z\""));
    assert_non_null(strstr(last, "\"threshold_s\": 3600"));
    assert_null(run_json(db, "last-2"));
    assert_null(run_json(db, "3"));
    assert_null(run_json(db, "first"));
    free(last);
    free(first);
    assert_int_equal(jm_history_check(db, &err), JM_OK);

    /* Not a history: refused, by check and by append. */
    assert_int_equal(jm_history_check(TINY, &err), JM_EINPUT);
    assert_non_null(err);
    free(err);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_append_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
