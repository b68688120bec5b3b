/* SPDX-License-Identifier: MIT */
/* Unit tests for read/timesample: the time format found by looking at a sample that spans a
 * plain file or reads ahead in a stream, on one thread and several, through the public API. */

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
#include <zlib.h>

#include <jmine/jmine.h>

struct fixture {
    char dir[64];
    char notice[512];
    int notices;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    strcpy(f->dir, "/tmp/jm-test-sample-XXXXXX");
    if (mkdtemp(f->dir) == NULL) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void on_notice(void *data, const char *file, uint64_t line, const char *msg)
{
    struct fixture *f = data;
    (void)file;
    (void)line;
    f->notices++;
    snprintf(f->notice, sizeof f->notice, "%s", msg);
}

/* A log sorted by time, `per_day` rows a day for days first..last of February 2026 (so days 1
 * to 12 read both ways, DD/MM and MM/DD), written as DD/MM/YYYY HH:MM; plain or gzip. */
static void write_log(const char *path, int first, int last, int per_day, bool gz, const char *junk)
{
    size_t cap = (size_t)(last - first + 1) * (size_t)per_day * 40 + 256, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    n += (size_t)snprintf(buf + n, cap - n, "case_id,activity,start\n");
    for (int d = first; d <= last; d++) {
        for (int i = 0; i < per_day; i++)
            n += (size_t)snprintf(buf + n, cap - n, "C%05d,Step%d,%02d/02/2026 %02d:%02d\n", i,
                                  d % 3, d, i / 100 % 24, i % 60);
        if (junk != NULL && d == first)
            n += (size_t)snprintf(buf + n, cap - n, "%s\n", junk);
    }
    if (gz) {
        gzFile g = gzopen(path, "wb1");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, buf, (unsigned)n), (int)n);
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(buf, 1, n, fp), n);
        assert_int_equal(fclose(fp), 0);
    }
    free(buf);
}

/* January 1 to 28, then February 1 to 12, 3000 rows a day, as DD/MM/YYYY HH:MM: both ends of
 * the file read both ways, and only its middle says which way is right. */
static void write_two_months(const char *path)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fprintf(fp, "case_id,activity,start\n");
    for (int m = 1; m <= 2; m++)
        for (int d = 1; d <= (m == 1 ? 28 : 12); d++)
            for (int i = 0; i < 3000; i++)
                fprintf(fp, "C%05d,Step%d,%02d/%02d/2026 %02d:%02d\n", i, d % 3, d, m,
                        i / 100 % 24, i % 60);
    assert_int_equal(fclose(fp), 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* Read the files (NULL-terminated) as one log with `threads` threads and small blocks, so that
 * a plain file of a few MiB is split; returns the status and, on JM_OK, the report as JSON in
 * *json (or the log's error there), malloc'd. */
static jm_status run(struct fixture *f, unsigned threads, const char *time_format,
                     const char *const *files, char **json)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.threads = threads;
    opt.block_bytes = threads > 1 ? 256u << 10 : 0;
    opt.time_format = time_format;
    opt.on_notice = on_notice;
    opt.on_notice_data = f;
    char *err = NULL;
    jm_log *log = jm_log_new(&opt, &err);
    assert_non_null(log);
    jm_status s = JM_OK;
    for (size_t i = 0; files[i] != NULL && s == JM_OK; i++)
        s = jm_log_add_file(log, files[i]);
    jm_report *rep = NULL;
    if (s == JM_OK)
        s = jm_report_build(log, &rep);
    if (s == JM_OK) {
        size_t len = 0;
        FILE *mem = open_memstream(json, &len);
        assert_non_null(mem);
        assert_int_equal(jm_write_report(rep, JM_FORMAT_JSON, mem), JM_OK);
        assert_int_equal(fclose(mem), 0);
    } else {
        *json = strdup(jm_log_error(log));
    }
    jm_report_free(rep);
    jm_log_free(log);
    return s;
}

static void path_of(const struct fixture *f, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->dir, name);
}

static void expect_format(struct fixture *f, unsigned threads, const char *file, const char *name,
                          const char *rows)
{
    const char *files[] = {file, NULL};
    char *out = NULL;
    jm_status s = run(f, threads, NULL, files, &out);
    if (s != JM_OK) fail_msg("%s, %u threads: status %d: %s", file, threads, s, out);
    char want[128];
    snprintf(want, sizeof want, "\"time_format\": \"%s\"", name);
    if (strstr(out, want) == NULL) fail_msg("%s, %u threads: no %s in the report", file, threads, want);
    snprintf(want, sizeof want, "\"rejected\": 0,");
    if (strstr(out, want) == NULL) fail_msg("%s, %u threads: rows were rejected", file, threads);
    if (strstr(out, rows) == NULL) fail_msg("%s, %u threads: not %s", file, threads, rows);
    free(out);
}

static void expect_ambiguous(struct fixture *f, unsigned threads, const char *file)
{
    const char *files[] = {file, NULL};
    char *out = NULL;
    jm_status s = run(f, threads, NULL, files, &out);
    if (s != JM_EINPUT) fail_msg("%s, %u threads: status %d, want JM_EINPUT", file, threads, s);
    if (strstr(out, "--time-format '%d/%m/%Y %H:%M'") == NULL ||
        strstr(out, "--time-format '%m/%d/%Y %H:%M'") == NULL || strstr(out, file) == NULL)
        fail_msg("%s, %u threads: message '%s'", file, threads, out);
    free(out);
}

/* Days 1 to 12 take the first 40% of the file, a plain file's first MiB and more: only a sample
 * that spans the file (or, in a stream, reads on past its first MiB) sees day 13. */
static void test_timesample_spans_the_file(void **state)
{
    struct fixture *f = *state;
    char plain[96], gz[96];
    path_of(f, "month.csv", plain, sizeof plain);
    path_of(f, "month.csv.gz", gz, sizeof gz);
    write_log(plain, 1, 28, 5000, false, NULL);
    write_log(gz, 1, 28, 5000, true, NULL);
    for (unsigned threads = 1; threads <= 3; threads += 2) {
        expect_format(f, threads, plain, "DD/MM/YYYY HH:MM", "\"rows\": 140000,");
        expect_format(f, threads, gz, "DD/MM/YYYY HH:MM", "\"rows\": 140000,");
    }
    /* Neither the start nor the end settles it: the places between must. */
    char two[96];
    path_of(f, "two-months.csv", two, sizeof two);
    write_two_months(two);
    for (unsigned threads = 1; threads <= 3; threads += 2)
        expect_format(f, threads, two, "DD/MM/YYYY HH:MM", "\"rows\": 120000,");
}

static void test_timesample_days_1_to_12_are_ambiguous(void **state)
{
    struct fixture *f = *state;
    char plain[96], gz[96];
    path_of(f, "early.csv", plain, sizeof plain);
    path_of(f, "early.csv.gz", gz, sizeof gz);
    /* A line that does not split into the header's fields says nothing, day 25 or not. */
    write_log(plain, 1, 12, 5000, false, "C1,Step1,25/02/2026 10:00,extra");
    write_log(gz, 1, 12, 5000, true, "C1,Step1,25/02/2026 10:00,extra");
    for (unsigned threads = 1; threads <= 3; threads += 2) {
        expect_ambiguous(f, threads, plain);
        expect_ambiguous(f, threads, gz);
    }
}

static void test_timesample_first_file_decides(void **state)
{
    struct fixture *f = *state;
    char a[96], b[96], h[96];
    path_of(f, "a.csv", a, sizeof a);
    path_of(f, "b.csv", b, sizeof b);
    path_of(f, "h.csv", h, sizeof h);
    write_text(h, "case_id,activity,start\n");          /* no rows: decides nothing */
    write_text(a, "case_id,activity,start\nC1,A,13/02/2026 10:00\n");
    write_text(b, "case_id,activity,start\nC1,B,01/03/2026 10:00\n"); /* alone: ambiguous */
    const char *files[] = {h, a, b, NULL};
    char *out = NULL;
    assert_int_equal(run(f, 1, NULL, files, &out), JM_OK);
    assert_non_null(strstr(out, "\"time_format\": \"DD/MM/YYYY HH:MM\""));
    /* 1 March, not 3 January: the second file is read as the first was. */
    assert_non_null(strstr(out, "2026-03-01T10:00:00Z"));
    free(out);
}

static void test_timesample_excel_notice(void **state)
{
    struct fixture *f = *state;
    char x[96];
    path_of(f, "excel.csv", x, sizeof x);
    write_text(x, "case_id,activity,start\nC1,A,46363.586805\nC1,B,46364.25\n");
    const char *files[] = {x, NULL};
    char *out = NULL;
    f->notices = 0;
    assert_int_equal(run(f, 1, NULL, files, &out), JM_OK);
    assert_int_equal(f->notices, 1);
    assert_non_null(strstr(f->notice, "Excel serial days"));
    assert_non_null(strstr(f->notice, "--time-format excel"));
    free(out);
    f->notices = 0;
    assert_int_equal(run(f, 1, "excel", files, &out), JM_OK);
    assert_int_equal(f->notices, 0);
    assert_non_null(strstr(out, "\"time_format\": \"excel\""));
    assert_non_null(strstr(out, "2026-12-07T14:04:59.952Z"));
    free(out);
    /* Epoch seconds of today are no Excel days. */
    write_text(x, "case_id,activity,start\nC1,A,1796652300\n");
    f->notices = 0;
    assert_int_equal(run(f, 1, NULL, files, &out), JM_OK);
    assert_int_equal(f->notices, 0);
    assert_non_null(strstr(out, "\"time_format\": \"epoch seconds\""));
    free(out);
}

static void test_timesample_all_rejected(void **state)
{
    struct fixture *f = *state;
    char x[96];
    path_of(f, "bad.csv", x, sizeof x);
    const char *files[] = {x, NULL};
    char *out = NULL;
    write_text(x, "case_id,activity,start\nC1,A,yesterday\nC1,B,today\n");
    assert_int_equal(run(f, 1, NULL, files, &out), JM_EINPUT);
    assert_non_null(strstr(out, "bad.csv: every one of the 2 rows read was rejected (bad_start 2)"));
    const char *hint = "; the start times did not parse: give --time-format, e.g. --time-format "
                       "'%d/%m/%Y %H:%M'";
    assert_string_equal(out + strlen(out) - strlen(hint), hint);
    free(out);
    /* With a --time-format given, the hint names it. */
    assert_int_equal(run(f, 1, "%Y%m%d", files, &out), JM_EINPUT);
    assert_non_null(strstr(out, "did not parse with --time-format '%Y%m%d'"));
    free(out);
    /* Other reasons: no word on times. */
    write_text(x, "case_id,activity,start\n,A,2026-12-07T10:00:00Z\nC1,B\n");
    assert_int_equal(run(f, 1, NULL, files, &out), JM_EINPUT);
    assert_non_null(strstr(out, "(field_count 1, empty_case 1)"));
    assert_null(strstr(out, "--time-format"));
    free(out);
    /* A header with no rows is a valid, empty log. */
    write_text(x, "case_id,activity,start\n");
    assert_int_equal(run(f, 1, NULL, files, &out), JM_OK);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timesample_spans_the_file),
        cmocka_unit_test(test_timesample_days_1_to_12_are_ambiguous),
        cmocka_unit_test(test_timesample_first_file_decides),
        cmocka_unit_test(test_timesample_excel_notice),
        cmocka_unit_test(test_timesample_all_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
