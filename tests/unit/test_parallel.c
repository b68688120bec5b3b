/* SPDX-License-Identifier: MIT */
/* Tests of reading with several threads: the same log, events and messages for every thread
 * count and block size, including splits inside quoted line breaks and the stray-quote fallback. */
#include <jmine/jmine.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

typedef struct fixture {
    char path[64];
    char gz[72]; /* the same log gzipped: read as a stream, split as it is inflated */
} fixture;

static void gzip_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    gzFile out = gzopen(to, "wb");
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        gzwrite(out, buf, (unsigned)n);
    gzclose(out);
    fclose(in);
}

/* Every rejection as "line:reason" lines, in the order they were handed on. */
typedef struct seen {
    char *text;
    size_t len;
    FILE *f;
} seen;

static void on_reject(void *data, const jm_reject *r)
{
    seen *s = data;
    fprintf(s->f, "%llu:%s:%s\n", (unsigned long long)r->line, jm_reject_key(r->reason),
            r->detail);
}

/* The JSON report and the rejections of one run, in *json and *rejects (free both). */
static void run(const char *path, unsigned threads, uint64_t block, char **json, char **rejects,
                jm_input_stats *st)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.threads = threads;
    opt.block_bytes = block;
    opt.top = 0;
    seen s = {0};
    size_t n = 0;
    s.f = open_memstream(rejects, &n);
    opt.on_reject = on_reject;
    opt.on_reject_data = &s;
    char *err = NULL;
    jm_log *log = jm_log_new(&opt, &err);
    assert_non_null(log);
    assert_int_equal(jm_log_add_file(log, path), JM_OK);
    jm_report *rep = NULL;
    assert_int_equal(jm_report_build(log, &rep), JM_OK);
    size_t jn = 0;
    FILE *out = open_memstream(json, &jn);
    assert_int_equal(jm_write_report(rep, JM_FORMAT_JSON, out), JM_OK);
    fclose(out);
    fclose(s.f);
    jm_report_input_stats(rep, st);
    jm_report_free(rep);
    jm_log_free(log);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->path, "/tmp/jm-test-parallel-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(f->gz, sizeof f->gz, "%s.gz", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unlink(f->path);
    unlink(f->gz);
    free(f);
    return 0;
}

/* A log whose notes hold quoted line breaks, commas and doubled quotes on most rows, so that
 * small blocks often start inside a quoted field; some rows are bad. CRLF when crlf. */
static void write_log(const char *path, bool crlf, bool stray)
{
    FILE *f = fopen(path, "w");
    const char *nl = crlf ? "\r\n" : "\n";
    fprintf(f, "case_id,activity,start_time,end_time,channel,notes%s", nl);
    for (int i = 0; i < 3000; i++) {
        int c = (i * 7919) % 500;
        fprintf(f, "C%d,step %d,2024-01-%02dT%02d:%02d:00Z,,%s,", c, i % 5, 1 + i % 28,
                (i / 60) % 24, i % 60, i % 3 ? "phone" : "email");
        if (i % 4 == 0)
            fprintf(f, "\"line one,%sline \"\"two\"\"%s%s\"", nl, nl, nl);
        else if (stray && i == 1501)
            fprintf(f, "he said \"hi");
        else
            fprintf(f, "plain note %d", i);
        if (i % 97 == 0)
            fprintf(f, ",extra");
        fputs(nl, f);
    }
    fclose(f);
}

/* Same report and rejections for the plain file and its gzip, split as it is inflated, for
 * several range sizes (the report is compared from "rows" on: the file names differ). */
static void check_gzip_alike(const char *path, const char *gz, bool expect_fallback)
{
    gzip_copy(path, gz);
    char *json1 = NULL, *rej1 = NULL;
    jm_input_stats st1;
    run(path, 1, 0, &json1, &rej1, &st1);
    static const uint64_t blocks[] = {64, 1000, 65536, 0};
    uint64_t fallbacks = 0;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        char *json = NULL, *rej = NULL;
        jm_input_stats st;
        run(gz, 3, blocks[b], &json, &rej, &st);
        assert_string_equal(strstr(json1, "\"rows\""), strstr(json, "\"rows\""));
        fallbacks += st.split_fallbacks;
        assert_string_equal(rej1, rej);
        free(json);
        free(rej);
    }
    if (expect_fallback)
        assert_true(fallbacks > 0);
    free(json1);
    free(rej1);
}

static void check_all_alike(const char *path, bool expect_fallback)
{
    char *json1 = NULL, *rej1 = NULL;
    jm_input_stats st1;
    run(path, 1, 0, &json1, &rej1, &st1);
    assert_int_equal(st1.rows, st1.events + st1.rejected);
    assert_true(st1.rejected > 0);
    static const uint64_t blocks[] = {64, 1000, 4096, 65536};
    static const unsigned threads[] = {2, 3, 8};
    uint64_t fallbacks = 0;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            char *json = NULL, *rej = NULL;
            jm_input_stats st;
            run(path, threads[t], blocks[b], &json, &rej, &st);
            assert_string_equal(json1, json);
            assert_string_equal(rej1, rej);
            fallbacks += st.split_fallbacks;
            free(json);
            free(rej);
        }
    }
    if (expect_fallback)
        assert_true(fallbacks > 0);
    else
        assert_int_equal(fallbacks, 0);
    free(json1);
    free(rej1);
}

static void test_parallel_quoted_line_breaks_same_output(void **state)
{
    fixture *f = *state;
    write_log(f->path, false, false);
    check_all_alike(f->path, false);
    check_gzip_alike(f->path, f->gz, false);
}

static void test_parallel_crlf_same_output(void **state)
{
    fixture *f = *state;
    write_log(f->path, true, false);
    check_all_alike(f->path, false);
    check_gzip_alike(f->path, f->gz, false);
}

static void test_parallel_stray_quote_falls_back(void **state)
{
    fixture *f = *state;
    write_log(f->path, false, true);
    check_all_alike(f->path, true);
    check_gzip_alike(f->path, f->gz, true);
}

/* Quoted notes of a few hundred bytes, full of line breaks (a lone CR on some), so that many
 * small blocks hold no record boundary at all and a range runs past several blocks; the last
 * row has no line end. */
static void test_parallel_blocks_without_boundary_same_output(void **state)
{
    fixture *f = *state;
    FILE *o = fopen(f->path, "w");
    fputs("case_id,activity,start_time,end_time,channel,notes\n", o);
    for (int i = 0; i < 800; i++) {
        fprintf(o, "C%d,step %d,2024-03-%02dT10:%02d:00Z,,web,", (i * 31) % 90, i % 4,
                1 + i % 28, i % 60);
        if (i % 3 == 0) {
            fputc('"', o);
            for (int k = 0; k < 12 + i % 7; k++)
                fprintf(o, "part %d, \"\"q\"\"%s", k, k % 4 == 3 ? "\r" : "\n");
            fputc('"', o);
        } else {
            fprintf(o, "short %d", i);
        }
        if (i % 101 == 0)
            fputs(",extra", o);
        if (i + 1 < 800)
            fputs(i % 5 == 0 ? "\r\n" : "\n", o);
    }
    fclose(o);
    check_all_alike(f->path, false);
    check_gzip_alike(f->path, f->gz, false);
}

/* The status, the error and the rejections of reading path (which fails or not). */
static jm_status run_failing(const char *path, unsigned threads, uint64_t block, uint64_t max_rejects,
                             char **rejects, char **error)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.threads = threads;
    opt.block_bytes = block;
    opt.reject_rows = true;
    opt.max_rejects = max_rejects;
    seen s = {0};
    size_t n = 0;
    s.f = open_memstream(rejects, &n);
    opt.on_reject = on_reject;
    opt.on_reject_data = &s;
    char *err = NULL;
    jm_log *log = jm_log_new(&opt, &err);
    assert_non_null(log);
    jm_status st = jm_log_add_file(log, path);
    *error = strdup(st == JM_OK ? "" : jm_log_error(log));
    fclose(s.f);
    jm_log_free(log);
    return st;
}

/* A gzip cut short after a stray quote that misleads the split: the bytes before the break are
 * read on one thread, so the rejections before the error, and the error, are those of one
 * thread; with a rejection limit, the limit is met before the break, as on one thread. */
static void test_parallel_truncated_gzip_after_fallback(void **state)
{
    fixture *f = *state;
    write_log(f->path, false, true);
    gzip_copy(f->path, f->gz);
    FILE *fp = fopen(f->gz, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    char *all = malloc((size_t)size);
    fseek(fp, 0, SEEK_SET);
    assert_int_equal(fread(all, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    fp = fopen(f->gz, "wb");
    fwrite(all, 1, (size_t)(size * 3 / 4), fp); /* past the stray quote of row 1501 */
    fclose(fp);
    free(all);
    static const uint64_t limits[] = {UINT64_MAX, 10};
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        char *rej1 = NULL, *err1 = NULL;
        jm_status st1 = run_failing(f->gz, 1, 0, limits[l], &rej1, &err1);
        assert_int_equal(st1, limits[l] == UINT64_MAX ? JM_EINPUT : JM_EREJECTS);
        static const uint64_t blocks[] = {64, 1000, 65536};
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            char *rej = NULL, *err = NULL;
            jm_status st = run_failing(f->gz, 3, blocks[b], limits[l], &rej, &err);
            assert_int_equal(st, st1);
            assert_string_equal(err, err1);
            assert_string_equal(rej, rej1);
            free(rej);
            free(err);
        }
        free(rej1);
        free(err1);
    }
}

/* Enough cases (over 8192) that journeys are rebuilt on several threads too: every writer gives
 * the same bytes for 1 and 3 threads. */
static void test_parallel_journey_threads_same_output(void **state)
{
    fixture *f = *state;
    FILE *o = fopen(f->path, "w");
    fputs("case_id,activity,start_time,end_time,channel\n", o);
    for (int i = 0; i < 60000; i++)
        fprintf(o, "K%d,a%d,2024-02-%02dT%02d:%02d:%02dZ,,%s\n", (i * 7919) % 20000, i % 9,
                1 + i % 28, (i / 3600) % 24, (i / 60) % 60, i % 60, i % 4 ? "web" : "phone");
    fclose(o);
    char *out[2][4];
    for (int t = 0; t < 2; t++) {
        jm_options opt;
        jm_options_init(&opt);
        opt.threads = t ? 3 : 1;
        opt.top = 0;
        opt.keep_journeys = true;
        char *err = NULL;
        jm_log *log = jm_log_new(&opt, &err);
        assert_int_equal(jm_log_add_file(log, f->path), JM_OK);
        jm_report *rep = NULL;
        assert_int_equal(jm_report_build(log, &rep), JM_OK);
        for (int k = 0; k < 4; k++) {
            size_t n = 0;
            FILE *m = open_memstream(&out[t][k], &n);
            jm_status st = k == 0   ? jm_write_report(rep, JM_FORMAT_JSON, m)
                           : k == 1 ? jm_write_report(rep, JM_FORMAT_TEXT, m)
                           : k == 2 ? jm_write_journeys(rep, JM_FORMAT_CSV, m)
                                    : jm_write_map(rep, JM_FORMAT_DOT, m);
            assert_int_equal(st, JM_OK);
            fclose(m);
        }
        jm_report_free(rep);
        jm_log_free(log);
    }
    for (int k = 0; k < 4; k++) {
        assert_string_equal(out[0][k], out[1][k]);
        free(out[0][k]);
        free(out[1][k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parallel_quoted_line_breaks_same_output, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parallel_crlf_same_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_stray_quote_falls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_blocks_without_boundary_same_output, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parallel_truncated_gzip_after_fallback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parallel_journey_threads_same_output, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
