/* SPDX-License-Identifier: MIT */
/* Unit tests for the state file (state.c) and the merge API: integers, names and value lists
 * read back as written, reads bounded by the bytes, and a report saved and merged in memory. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "intern.h"
#include "pairs.h"
#include "seqtab.h"
#include "state.h"
#include "util.h"

#include <jmine/jmine.h>

/* The fixture: a merge's tables, and a writer over an empty step table. */
typedef struct fixture {
    jm__state_tables t;
    jm__intern *names;
    jm__seqtab *none;
    jm__state_w *w;
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->t = (jm__state_tables){jm__intern_new(), jm__intern_new(), jm__intern_new(),
                              jm__seqtab_new(), jm__pairs_new(UINT32_MAX)};
    f->names = jm__intern_new();
    f->none = jm__seqtab_new();
    f->w = jm__state_w_new(f->names, f->none);
    snprintf(f->dir, sizeof f->dir, "/tmp/jm-test-state-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    jm__intern_free(f->t.steps);
    jm__intern_free(f->t.chans);
    jm__intern_free(f->t.cases);
    jm__seqtab_free(f->t.variants);
    jm__pairs_free(f->t.pairs);
    jm__intern_free(f->names);
    jm__seqtab_free(f->none);
    jm__state_w_free(f->w);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* A reader over what the fixture's writer wrote (its checksum left out). */
static jm__state_r *reader(fixture *f, size_t *n)
{
    const void *b = jm__sw_finish(f->w, n);
    *n -= 4;
    return jm__state_r_new(b, *n, &f->t, true, true);
}

static void test_state_integers_round_trip(void **state)
{
    fixture *f = *state;
    static const uint64_t u[] = {0, 1, 127, 128, 300, UINT32_MAX, UINT64_MAX};
    static const int64_t i[] = {0, -1, 1, -64, 64, INT64_MIN, INT64_MAX};
    for (size_t k = 0; k < 7; k++) {
        jm__sw_u64(f->w, u[k]);
        jm__sw_i64(f->w, i[k]);
    }
    jm__sw_bytes(f->w, "a\0b", 3);
    size_t n;
    jm__state_r *r = reader(f, &n);
    for (size_t k = 0; k < 7; k++) {
        assert_true(jm__sr_u64(r) == u[k]);
        assert_true(jm__sr_i64(r) == i[k]);
    }
    size_t len;
    const char *s = jm__sr_bytes(r, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a\0b", 3);
    assert_true(jm__sr_ok(r) && jm__sr_at_end(r));
    jm__state_r_free(r);
}

/* Values of every kind (negative, small, from 2^32 - 1 up, repeated) come back sorted, and a
 * list of unique close values takes about a byte a value. */
static void test_state_vals_round_trip(void **state)
{
    fixture *f = *state;
    static const int64_t v[] = {5,          -3, INT64_C(1) << 40, 0,      5, 5, UINT32_MAX, -3,
                                4294967294, 7,  INT64_C(1) << 40, 1000000};
    jm__vals l = {0}, close = {0};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        jm__vals_push(&l, v[k]);
    for (int64_t k = 0; k < 1000; k++)
        jm__vals_push(&close, 1000 - 3 * k);
    jm__sw_vals(f->w, &l);
    jm__sw_vals(f->w, &close);
    size_t n;
    jm__state_r *r = reader(f, &n);
    jm__vals back = {0}, back2 = {0};
    jm__sr_vals(r, &back);
    jm__sr_vals(r, &back2);
    assert_true(jm__sr_ok(r) && jm__sr_at_end(r));
    assert_int_equal(jm__vals_count(&back), jm__vals_count(&l));
    for (unsigned p = 1; p <= 100; p++)
        assert_true(jm__vals_pct(&back, p) == jm__vals_pct(&l, p));
    assert_int_equal(jm__vals_count(&back2), 1000);
    assert_true(jm__vals_pct(&back2, 100) == 1000);
    assert_true(jm__vals_pct(&back2, 1) == 1000 - 3 * 999 + 3 * 9); /* the 10th smallest */
    assert_true(n < 1100 + 100);
    jm__state_r_free(r);
    jm__vals_free(&l);
    jm__vals_free(&close);
    jm__vals_free(&back);
    jm__vals_free(&back2);
}

/* Reads never pass the end: a cut anywhere sets the error, and a count larger than the bytes
 * left is refused before anything is allocated for it. */
static void test_state_reads_bounded(void **state)
{
    fixture *f = *state;
    jm__sw_u64(f->w, UINT64_C(1) << 40); /* a count no file of this size can hold */
    jm__sw_str(f->w, "name");
    size_t n;
    jm__state_r *r = reader(f, &n);
    assert_int_equal(jm__sr_count(r), 0);
    assert_false(jm__sr_ok(r));
    jm__state_r_free(r);
    const void *b = jm__sw_finish(f->w, &n); /* finished again: one more checksum, no matter */
    for (size_t cut = 0; cut < 7; cut++) {
        r = jm__state_r_new(b, cut, &f->t, true, true);
        jm__sr_u64(r);
        size_t len;
        jm__sr_bytes(r, &len);
        assert_false(jm__sr_ok(r));
        jm__state_r_free(r);
    }
}

/* A section is read whole, by its length; the reader after it goes on. */
static void test_state_sections(void **state)
{
    fixture *f = *state;
    jm__sw_section(f->w, "first");
    for (int k = 0; k < 200; k++)
        jm__sw_u64(f->w, (uint64_t)k * 1000);
    jm__sw_section_end(f->w);
    jm__sw_u64(f->w, 42);
    size_t n;
    jm__state_r *r = reader(f, &n);
    const char *key;
    size_t klen;
    jm__state_r *s = jm__sr_section(r, &key, &klen);
    assert_non_null(s);
    assert_int_equal(klen, 5);
    assert_memory_equal(key, "first", 5);
    for (int k = 0; k < 200; k++)
        assert_true(jm__sr_u64(s) == (uint64_t)k * 1000);
    assert_true(jm__sr_ok(s) && jm__sr_at_end(s));
    assert_true(jm__sr_u64(r) == 42);
    assert_true(jm__sr_ok(r) && jm__sr_at_end(r));
    jm__state_r_free(s);
    jm__state_r_free(r);
}

/* Write text to dir/name; returns the path (malloc'd). */
static char *write_file(const fixture *f, const char *name, const char *text)
{
    char *path = jm__strdupf("%s/%s", f->dir, name);
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs(text, o);
    fclose(o);
    return path;
}

/* The report of the files, and its state, in memory. */
static void report_of(char *const *paths, size_t n, jm_format fmt, char **out, size_t *nout,
                      char **st, size_t *nst)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.threads = 1;
    opt.top = 10;
    jm_log *log = jm_log_new(&opt, NULL);
    assert_non_null(log);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(jm_log_add_file(log, paths[i]), JM_OK);
    jm_report *rep = NULL;
    assert_int_equal(jm_report_build(log, &rep), JM_OK);
    FILE *o = open_memstream(out, nout);
    assert_int_equal(jm_write_report(rep, fmt, o), JM_OK);
    fclose(o);
    if (st != NULL) {
        o = open_memstream(st, nst);
        assert_int_equal(jm_report_save_state(rep, o), JM_OK);
        fclose(o);
    }
    jm_report_free(rep);
    jm_log_free(log);
}

static const char LOG_A[] = "case_id,activity,start_time,end_time,channel\n"
                            "A1,Call,2024-01-01T10:00:00Z,2024-01-01T10:05:00Z,phone\n"
                            "A1,Email,2024-01-03T10:00:00Z,,email\n"
                            "A1,Call,2024-01-04T09:00:00Z,2024-01-04T09:01:00Z,phone\n"
                            "A2,Call,2024-01-01T11:00:00Z,2024-01-01T11:02:00Z,phone\n"
                            "A2,,2024-01-01T11:00:00Z,,phone\n";
static const char LOG_B[] = "case_id,activity,start_time,end_time,channel\n"
                            "B1,Web,2024-02-01T10:00:00Z,2024-02-01T10:01:00Z,web\n"
                            "B1,Call,2024-02-01T12:00:00Z,2024-02-01T12:30:00Z,phone\n"
                            "B1,Call,2024-02-06T12:00:00Z,2024-02-06T12:30:00Z,phone\n"
                            "B2,Email,not a time,,email\n";

/* jm_merge_add_state: two logs' states merged in memory give the report of one run. */
static void test_state_merge_in_memory(void **state)
{
    fixture *f = *state;
    char *a = write_file(f, "a.csv", LOG_A), *b = write_file(f, "b.csv", LOG_B);
    char *both[] = {a, b};
    char *whole, *ra, *rb, *sa, *sb;
    size_t nwhole, nra, nrb, nsa, nsb;
    report_of(both, 2, JM_FORMAT_JSON, &whole, &nwhole, NULL, NULL);
    report_of(&a, 1, JM_FORMAT_JSON, &ra, &nra, &sa, &nsa);
    report_of(&b, 1, JM_FORMAT_JSON, &rb, &nrb, &sb, &nsb);
    jm_options opt;
    jm_options_init(&opt);
    opt.top = 10;
    jm_merge *m = jm_merge_new(&opt, NULL);
    assert_non_null(m);
    assert_int_equal(jm_merge_add_state(m, "a.state", sa, nsa), JM_OK);
    assert_int_equal(jm_merge_add_state(m, "b.state", sb, nsb), JM_OK);
    jm_report *rep = NULL;
    assert_int_equal(jm_merge_report(m, &rep), JM_OK);
    char *merged;
    size_t nmerged;
    FILE *o = open_memstream(&merged, &nmerged);
    assert_int_equal(jm_write_report(rep, JM_FORMAT_JSON, o), JM_OK);
    fclose(o);
    assert_int_equal(nmerged, nwhole);
    assert_memory_equal(merged, whole, nwhole);
    /* Once taken, the report is the caller's; the merge takes no more. */
    assert_int_equal(jm_merge_add_state(m, "a.state", sa, nsa), JM_EUSAGE);
    jm_report_free(rep);
    jm_merge_free(m);

    /* A state cut short is refused with its name, and the merge then only frees. */
    m = jm_merge_new(&opt, NULL);
    assert_int_equal(jm_merge_add_state(m, "cut.state", sa, nsa / 2), JM_EINPUT);
    assert_non_null(strstr(jm_merge_error(m), "cut.state"));
    assert_int_equal(jm_merge_report(m, &rep), JM_EUSAGE);
    jm_merge_free(m);
    free(a), free(b), free(whole), free(ra), free(rb), free(sa), free(sb), free(merged);
}

/* Other analysis options are refused, naming the option and both values. */
static void test_state_merge_refuses_other_options(void **state)
{
    fixture *f = *state;
    char *a = write_file(f, "a.csv", LOG_A);
    jm_options opt;
    jm_options_init(&opt);
    char *st[2];
    size_t nst[2];
    for (int k = 0; k < 2; k++) {
        opt.long_wait_ms = k ? 3600000 : 172800000;
        jm_log *log = jm_log_new(&opt, NULL);
        assert_int_equal(jm_log_add_file(log, a), JM_OK);
        jm_report *rep = NULL;
        assert_int_equal(jm_report_build(log, &rep), JM_OK);
        FILE *o = open_memstream(&st[k], &nst[k]);
        assert_int_equal(jm_report_save_state(rep, o), JM_OK);
        fclose(o);
        jm_report_free(rep);
        jm_log_free(log);
    }
    jm_options_init(&opt);
    jm_merge *m = jm_merge_new(&opt, NULL);
    assert_int_equal(jm_merge_add_state(m, "x.state", st[0], nst[0]), JM_OK);
    assert_int_equal(jm_merge_add_state(m, "y.state", st[1], nst[1]), JM_EINPUT);
    const char *e = jm_merge_error(m);
    assert_non_null(strstr(e, "--long-wait 1h"));
    assert_non_null(strstr(e, "--long-wait 48h"));
    assert_non_null(strstr(e, "x.state"));
    assert_non_null(strstr(e, "y.state"));
    jm_merge_free(m);
    free(a), free(st[0]), free(st[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_state_integers_round_trip), T(test_state_vals_round_trip),
        T(test_state_reads_bounded),       T(test_state_sections),
        T(test_state_merge_in_memory),     T(test_state_merge_refuses_other_options),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
