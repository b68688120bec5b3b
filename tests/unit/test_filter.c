/* SPDX-License-Identifier: MIT */
/* Unit tests for filter.c: parsing and its refusals, each journey filter, the window's modes,
 * --keep-coverage's passes in order, and the counts the report states. */
#include "filter.h"
#include "intern.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Filters parsed from name/value pairs (a NULL name ends them); *err as jm__filters_parse. */
static jm__filters *parse(const char *const *kv, char **err)
{
    static jm_filter_arg args[32];
    size_t n = 0;
    for (; kv[2 * n] != NULL; n++)
        args[n] = (jm_filter_arg){kv[2 * n], kv[2 * n + 1]};
    jm_options opt;
    jm_options_init(&opt);
    opt.filters = args;
    opt.nfilters = n;
    return jm__filters_parse(&opt, err);
}

static void refused(const char *const *kv, const char *words)
{
    char *err = NULL;
    jm__filters *fs = parse(kv, &err);
    assert_null(fs);
    assert_non_null(err);
    if (strstr(err, words) == NULL)
        fail_msg("'%s' does not say '%s'", err, words);
    free(err);
}

static void test_filter_refusals(void **state)
{
    (void)state;
    refused((const char *[]){"size", "5..2", NULL}, "minimum is above the maximum");
    refused((const char *[]){"size", "..", NULL}, "neither bound");
    refused((const char *[]){"size", "3", NULL}, "MIN..MAX");
    refused((const char *[]){"size", "-1..4", NULL}, "MIN..MAX");
    refused((const char *[]){"duration", "1h..30m", NULL}, "minimum is above");
    refused((const char *[]){"duration", "30..", NULL}, "MIN..MAX");
    refused((const char *[]){"from", "2024-02-30", NULL}, "--from wants an instant");
    refused((const char *[]){"to", "x", NULL}, "--to wants an instant");
    refused((const char *[]){"from", "2024-02-01", "to", "2024-02-01", NULL}, "not before");
    refused((const char *[]){"to", "2024-02-01", "to", "2024-03-01", NULL}, "given twice");
    refused((const char *[]){"window", "trim", NULL}, "needs --from or --to");
    refused((const char *[]){"from", "2024-01-01", "window", "all", NULL}, "is not");
    refused((const char *[]){"where", "x", NULL}, "COLUMN=V1");
    refused((const char *[]){"where", "!=x", NULL}, "COLUMN=V1");
    refused((const char *[]){"follows", "A", NULL}, "two steps");
    refused((const char *[]){"eventually", "A,", NULL}, "two steps");
    refused((const char *[]){"with", "", NULL}, "a step name");
    refused((const char *[]){"keep-coverage", "0%", NULL}, "percentage");
    refused((const char *[]){"keep-coverage", "100.5", NULL}, "percentage");
}

static void test_filter_parse_texts_and_order(void **state)
{
    (void)state;
    char *err = NULL;
    jm__filters *fs = parse((const char *[]){"with", "A", "to", "2024-02-01T00:00:00Z", "where",
                                             "channel!=sms,", "window", "started", "from",
                                             "2024-01-01", "keep-coverage", "80%", NULL},
                            &err);
    assert_null(err);
    assert_non_null(fs);
    assert_int_equal(fs->nwhere, 1);
    assert_true(fs->where[0].negate);
    assert_string_equal(fs->where[0].col, "channel");
    assert_int_equal(fs->where[0].nval, 2); /* "sms" and "" */
    assert_int_equal(fs->where[0].vlen[1], 0);
    assert_int_equal(fs->n, 3);
    assert_string_equal(fs->f[0].text, "--with A");
    /* The window stands where --to first did, with both bounds and its mode. */
    assert_int_equal(fs->f[1].kind, JM__F_WINDOW);
    assert_string_equal(fs->f[1].text,
                        "--from 2024-01-01 --to 2024-02-01T00:00:00Z --window started");
    assert_int_equal(fs->f[1].lo, INT64_C(1704067200000));
    assert_int_equal(fs->f[1].hi, INT64_C(1706745600000));
    assert_int_equal(fs->first_cover, 2);
    char *t = jm__filters_text(fs);
    assert_string_equal(t, "--where channel!=sms,; --with A; --from 2024-01-01 --to "
                           "2024-02-01T00:00:00Z --window started; --keep-coverage 80%");
    free(t);
    jm__filters_free(fs);
    /* None: no filters at all, and no error. */
    assert_null(parse((const char *[]){NULL}, &err));
    assert_null(err);
}

static void test_filter_where_rows(void **state)
{
    (void)state;
    char *err = NULL;
    jm__filters *fs = parse((const char *[]){"where", "c=a,b", "where", "d!=x", NULL}, &err);
    jm__where_col wc[2] = {{&fs->where[0], 0}, {&fs->where[1], 1}};
    const size_t two[] = {1, 1}, one_empty[] = {1, 0};
    assert_true(jm__where_keep(wc, 2, (const char *const[]){"a", "y"}, two));
    assert_true(jm__where_keep(wc, 2, (const char *const[]){"b", ""}, one_empty));
    assert_false(jm__where_keep(wc, 2, (const char *const[]){"c", "y"}, two));
    assert_false(jm__where_keep(wc, 2, (const char *const[]){"a", "x"}, two));
    /* Bytes, not prefixes. */
    const size_t longer[] = {2, 1};
    assert_false(jm__where_keep(wc, 2, (const char *const[]){"ab", "y"}, longer));
    jm__filters_free(fs);
}

/* A journey of steps given as letters (step id = letter - 'A'), one event an hour from 0. */
typedef struct jny {
    uint32_t step[16], chan[16], cust[16], res[16];
    int64_t start[16], end[16];
    size_t n;
} jny;

static jny make(const char *steps)
{
    jny j = {.n = strlen(steps)};
    for (size_t i = 0; i < j.n; i++) {
        j.step[i] = (uint32_t)(steps[i] - 'A');
        j.chan[i] = 0;
        j.start[i] = (int64_t)i * 3600000;
        j.end[i] = j.start[i] + 60000;
        j.cust[i] = 100 + (uint32_t)i; /* the event's place, to see that it moves with it */
        j.res[i] = 200 + (uint32_t)i;
    }
    return j;
}

static jm__jarrs arrs(jny *j)
{
    return (jm__jarrs){j->step, j->chan, j->cust, j->res, j->start, j->end};
}

/* Each event's customer and resource still beside its time after a filter moved it. */
static void assert_aligned(const jm__jarrs *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(a->cust[i], 100 + a->start[i] / 3600000);
        assert_int_equal(a->res[i], 200 + a->start[i] / 3600000);
    }
}

static jm__intern *letters(void)
{
    jm__intern *t = jm__intern_new();
    for (char c = 'A'; c <= 'F'; c++)
        jm__intern_id(t, &c, 1);
    return t;
}

/* Whether the journey passes filters kv (resolved against A..F), and its length after. */
static size_t run1(const char *const *kv, const char *steps)
{
    char *err = NULL;
    jm__filters *fs = parse(kv, &err);
    assert_non_null(fs);
    jm__intern *t = letters();
    free(jm__filters_resolve(fs, t));
    jm__fcount c;
    jm__fcount_init(&c, fs);
    jny j = make(steps);
    jm__jarrs a = arrs(&j);
    size_t n = jm__filters_journey(fs, &c, 0, &a, j.n);
    assert_aligned(&a, n);
    jm__fcount_clear(&c);
    jm__intern_free(t);
    jm__filters_free(fs);
    return n;
}

static void test_filter_journey_filters(void **state)
{
    (void)state;
    assert_int_equal(run1((const char *[]){"with", "C", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"with", "D", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"without", "D", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"without", "Nope", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"with", "Nope", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"starts-with", "A", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"starts-with", "B", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"ends-with", "C", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"follows", "A,C", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"follows", "B,C", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"eventually", "A,C", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"eventually", "C,A", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"eventually", "A,A", NULL}, "ABA"), 3);
    assert_int_equal(run1((const char *[]){"eventually", "A,A", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"size", "3..3", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"size", "4..", NULL}, "ABC"), 0);
    assert_int_equal(run1((const char *[]){"size", "..2", NULL}, "ABC"), 0);
    /* ABC lasts 2 h 1 min: bounds are inclusive. */
    assert_int_equal(run1((const char *[]){"duration", "2h1m..", NULL}, "ABC"), 3);
    assert_int_equal(run1((const char *[]){"duration", "..2h", NULL}, "ABC"), 0);
    /* All must hold, in order. */
    assert_int_equal(run1((const char *[]){"with", "A", "with", "F", NULL}, "ABC"), 0);
}

static void test_filter_window_modes(void **state)
{
    (void)state;
    /* Events start at 0 h, 1 h, 2 h, 3 h (1970-01-01); the window is [1 h, 3 h). */
    const char *from = "1970-01-01T01:00:00Z", *to = "1970-01-01T03:00:00Z";
#define W(mode) (const char *[]){"from", from, "to", to, "window", mode, NULL}
    assert_int_equal(run1(W("intersecting"), "ABCD"), 4);
    assert_int_equal(run1(W("contained"), "ABCD"), 0);
    assert_int_equal(run1(W("started"), "ABCD"), 0);
    assert_int_equal(run1(W("completed"), "ABCD"), 0);
    assert_int_equal(run1(W("trim"), "ABCD"), 2);
    assert_int_equal(run1(W("contained"), "A"), 0);
    assert_int_equal(run1(W("trim"), "A"), 0);
#undef W
    /* --to is exclusive, --from inclusive. */
    assert_int_equal(run1((const char *[]){"to", "1970-01-01T00:00:00Z", NULL}, "AB"), 0);
    assert_int_equal(run1((const char *[]){"from", "1970-01-01T01:00:00Z", "window", "started",
                                           NULL},
                          "AB"),
                     0);
    assert_int_equal(run1((const char *[]){"from", "1970-01-01T01:00:00Z", "window", "completed",
                                           NULL},
                          "AB"),
                     2);
}

typedef struct emitted {
    size_t n;
    uint32_t cas[64];
} emitted;

static void collect(void *data, uint32_t cas, const jm__jarrs *a, size_t n)
{
    if (a != NULL)
        assert_aligned(a, n);
    emitted *e = data;
    e->cas[e->n++] = cas;
}

/* The journeys (by their case = index) that filters kv keep of those given, over two
 * threads' counts; the counts of each filter in res. */
static emitted cover(const char *const *kv, const char *const *journeys, jm__fresults *res)
{
    char *err = NULL;
    jm__filters *fs = parse(kv, &err);
    assert_non_null(fs);
    jm__intern *t = letters();
    free(jm__filters_resolve(fs, t));
    jm__fcount c[2];
    jm__fcount_init(&c[0], fs);
    jm__fcount_init(&c[1], fs);
    emitted e = {0};
    for (uint32_t i = 0; journeys[i] != NULL; i++) {
        jny j = make(journeys[i]);
        jm__jarrs a = arrs(&j);
        size_t n = jm__filters_journey(fs, &c[i % 2], i, &a, j.n);
        if (n > 0)
            collect(&e, i, &a, n);
    }
    jm__filters_coverage(fs, c, 2, t, 0, collect, &e);
    jm__fcount_add(&c[0], &c[1], fs);
    jm__filters_results(fs, &c[0], NULL, res);
    jm__fcount_clear(&c[0]);
    jm__fcount_clear(&c[1]);
    jm__intern_free(t);
    jm__filters_free(fs);
    return e;
}

static void test_filter_keep_coverage_order_matters(void **state)
{
    (void)state;
    /* AB x4, AC x3, B x2, ABA x1: 10 journeys. */
    const char *const js[] = {"AB", "AC", "AB", "B", "AC", "AB", "ABA", "AC", "B", "AB", NULL};
    jm__fresults res = {0};
    /* 50 %: AB (4) is 40 %, AB + AC (7) reaches it. */
    emitted e = cover((const char *[]){"keep-coverage", "50%", NULL}, js, &res);
    assert_int_equal(e.n, 7);
    assert_int_equal(res.r[0].before, 10);
    assert_int_equal(res.r[0].after, 7);
    /* 40 % is reached by AB alone (exactly). */
    e = cover((const char *[]){"keep-coverage", "40", NULL}, js, &res);
    assert_int_equal(e.n, 4);
    /* --with B first leaves AB x4, B x2, ABA: 50 % of 7 is AB alone (4 of 7). */
    e = cover((const char *[]){"with", "B", "keep-coverage", "50%", NULL}, js, &res);
    assert_int_equal(e.n, 4);
    assert_int_equal(res.r[1].before, 7);
    /* The other order: 50 % of all keeps AB and AC, then --with B keeps AB: 4 too, but the
     * counts differ. */
    e = cover((const char *[]){"keep-coverage", "50%", "with", "B", NULL}, js, &res);
    assert_int_equal(e.n, 4);
    assert_int_equal(res.r[0].after, 7);
    assert_int_equal(res.r[1].before, 7);
    assert_int_equal(res.r[1].after, 4);
    /* A tie at the cut (B x2 against ABA x1 is no tie; AC x3 against AB x4 is none either):
     * 80 % of 10 needs AB, AC and B (9); ties break by names, "AB" before "AC". */
    e = cover((const char *[]){"keep-coverage", "80%", NULL}, js, &res);
    assert_int_equal(e.n, 9);
    /* --without A, then 50 %: B x2 alone. */
    e = cover((const char *[]){"without", "A", "keep-coverage", "50%", "size", "2..", NULL}, js,
              &res);
    assert_int_equal(e.n, 0);
    assert_int_equal(res.r[2].before, 2);
    assert_int_equal(res.r[2].after, 0);
    jm__fresults_clear(&res);
}

static void test_filter_coverage_ties_by_name(void **state)
{
    (void)state;
    /* C x2 and B x2 tie: 50 % keeps one variant, the one whose name comes first (B). */
    const char *const js[] = {"C", "B", "C", "B", NULL};
    jm__fresults res = {0};
    emitted e = cover((const char *[]){"keep-coverage", "50%", NULL}, js, &res);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.cas[0] % 2, 1);
    assert_int_equal(e.cas[1] % 2, 1);
    /* A prefix first: A before AB at equal counts. */
    const char *const ps[] = {"AB", "A", NULL};
    e = cover((const char *[]){"keep-coverage", "50%", NULL}, ps, &res);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.cas[0], 1);
    jm__fresults_clear(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_refusals),
        cmocka_unit_test(test_filter_parse_texts_and_order),
        cmocka_unit_test(test_filter_where_rows),
        cmocka_unit_test(test_filter_journey_filters),
        cmocka_unit_test(test_filter_window_modes),
        cmocka_unit_test(test_filter_keep_coverage_order_matters),
        cmocka_unit_test(test_filter_coverage_ties_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
