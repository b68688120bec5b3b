/* SPDX-License-Identifier: MIT */
/* Tests of the shared helpers: exact percentiles over compact value lists, sorts, byte counts. */
#include "util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct fixture {
    uint64_t seed;
} fixture;

static uint64_t next(fixture *f)
{
    f->seed = f->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return f->seed >> 11;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->seed = 42;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentiles of a list mixing negative, 32-bit and large values agree with a plain qsort and
 * the nearest-rank rule ceil(p * n / 100), also after a merge. */
static void test_util_vals_percentiles_match_sorted_copy(void **state)
{
    fixture *f = *state;
    for (size_t n = 1; n < 3000; n = n * 3 + 1) {
        jm__vals a = {0}, b = {0};
        int64_t *copy = malloc(n * sizeof *copy);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next(f);
            int64_t x;
            switch (r % 5) {
            case 0: x = -(int64_t)(r % 1000000); break;
            case 1: x = (int64_t)UINT32_MAX + (int64_t)(r % 1000); break; /* just past 32 bits */
            case 2: x = (int64_t)(r % 100); break;                        /* many ties */
            default: x = (int64_t)(r % 4000000000u); break;
            }
            copy[i] = x;
            jm__vals_push(i % 2 ? &a : &b, x);
        }
        jm__vals_append(&a, &b);
        jm__vals_sort(&a);
        qsort(copy, n, sizeof *copy, cmp_i64);
        assert_int_equal(jm__vals_count(&a), n);
        static const unsigned pcts[] = {1, 10, 50, 90, 99, 100};
        for (size_t k = 0; k < sizeof pcts / sizeof pcts[0]; k++) {
            size_t rank = (n * pcts[k] + 99) / 100;
            assert_int_equal(jm__vals_pct(&a, pcts[k]), copy[(rank ? rank : 1) - 1]);
        }
        jm__vals_free(&a);
        jm__vals_free(&b);
        free(copy);
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorted lists appended one after another (states merged: a run each) sort as a qsort does,
 * for 1 to 12 runs (past the runs util.c merges, it radix-sorts), runs of any length
 * (one value, ties across runs), in lists long enough to take either path. */
static void test_util_vals_sorted_runs_match_qsort(void **state)
{
    fixture *f = *state;
    for (size_t runs = 1; runs <= 12; runs++) {
        for (size_t len = 1; len < 5000; len = len * 7 + 3) {
            jm__vals all = {0};
            size_t n = 0;
            uint32_t *copy = NULL;
            for (size_t r = 0; r < runs; r++) {
                jm__vals one = {0};
                size_t k = r % 3 == 1 ? 1 : len + r; /* some runs of one value */
                for (size_t i = 0; i < k; i++)
                    jm__vals_push(&one, (int64_t)(next(f) % (r % 2 ? 50 : 100000)));
                jm__vals_sort(&one); /* a run, as a state holds it */
                jm__vals_append(&all, &one);
                copy = realloc(copy, (n + one.n) * sizeof *copy);
                memcpy(copy + n, one.small, one.n * sizeof *copy);
                n += one.n;
                jm__vals_free(&one);
            }
            jm__vals_sort(&all);
            qsort(copy, n, sizeof *copy, cmp_u32);
            assert_int_equal(all.n, n);
            assert_memory_equal(all.small, copy, n * sizeof *copy);
            jm__vals_free(&all);
            free(copy);
        }
    }
}

static void test_util_radix_sorts_match_qsort(void **state)
{
    fixture *f = *state;
    size_t n = 100000;
    int64_t *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        v[i] = w[i] = (int64_t)next(f) - (int64_t)(UINT64_C(1) << 52);
    jm__sort_i64(v, n);
    qsort(w, n, sizeof *w, cmp_i64);
    assert_memory_equal(v, w, n * sizeof *v);
    free(v);
    free(w);
    /* uint32: a few (insertion), up to 1,023 (merged runs of 16: sizes around a run's and a
     * power of two's edges), short lists (8-bit digits) and long ones (11-bit digits), with
     * values of every width, so that each pass is taken and skipped somewhere. */
    static const size_t sizes[] = {3,   63,   64,   70,    100,   255,   256,
                                   257, 1023, 1024, 5000, 65535, 65536, 300000};
    static const unsigned widths[] = {7, 20, 22, 23, 32};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
            size_t m = sizes[s];
            uint32_t *a = malloc(m * sizeof *a), *b = malloc(m * sizeof *b);
            for (size_t i = 0; i < m; i++) {
                uint64_t r = next(f);
                a[i] = b[i] = (uint32_t)(widths[k] == 32 ? r : r & ((1u << widths[k]) - 1));
            }
            jm__sort_u32(a, m);
            qsort(b, m, sizeof *b, cmp_u32);
            assert_memory_equal(a, b, m * sizeof *a);
            free(a);
            free(b);
        }
    }
}

/* By key, then by val: with val the record's place, the order a stable sort by key gives. */
static int cmp_key16(const void *pa, const void *pb)
{
    const jm__key16 *x = pa, *y = pb;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->val > y->val) - (x->val < y->val);
}

/* Keyed records against qsort by (key, place): keys with bytes every record shares (so that
 * passes are skipped), others spread over every byte, and many equal keys (stability). */
static void test_util_sort_key16_matches_qsort(void **state)
{
    fixture *f = *state;
    static const uint64_t masks[] = {0xff, 0xffff000000ULL, 0x00ff00ff00ff00ffULL, UINT64_MAX};
    for (size_t k = 0; k < sizeof masks / sizeof masks[0]; k++) {
        size_t n = 20000;
        jm__key16 *a = malloc(n * sizeof *a), *t = malloc(n * sizeof *t), *b = malloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (jm__key16){(next(f) & masks[k]) | 0x4300000000000000ULL, i};
        jm__key16 *got = jm__sort_key16(a, t, n);
        qsort(b, n, sizeof *b, cmp_key16);
        assert_memory_equal(got, b, n * sizeof *b);
        free(a);
        free(t);
        free(b);
    }
}

/* The one-pass count against a byte-at-a-time reading of its definition, at every alignment and
 * length near the 16-byte steps, over a buffer long enough for the byte counters to be summed
 * more than once (255 steps), with CRs and LFs next to each other and next to the end. */
static void test_util_count_text_matches_naive_count(void **state)
{
    (void)state;
    enum { N = 255 * 16 * 2 + 100 };
    char *buf = malloc(N);
    assert_non_null(buf);
    static const char pick[] = {'"', '\n', '\r', 'a', (char)0xe9, '\r', '\n', ','};
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = pick[(x >> 16) % sizeof pick];
    }
    for (size_t off = 0; off < 17; off++) {
        for (size_t n = 0; n + off <= N; n += n < 40 ? 1 : 509) {
            for (int t = 0; t < 3; t++) {
                char next = t == 0 ? 0 : t == 1 ? '\n' : 'x';
                uint64_t q = 0, l = 0;
                for (size_t i = 0; i < n; i++) {
                    char c = buf[off + i];
                    char after = i + 1 < n ? buf[off + i + 1] : next;
                    q += c == '"';
                    l += c == '\n' || (c == '\r' && after != '\n');
                }
                uint64_t gq, gl;
                jm__count_text(buf + off, n, next, &gq, &gl);
                assert_int_equal(gq, q);
                assert_int_equal(gl, l);
            }
        }
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_util_vals_percentiles_match_sorted_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_util_radix_sorts_match_qsort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_util_sort_key16_matches_qsort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_util_vals_sorted_runs_match_qsort, setup, teardown),
        cmocka_unit_test(test_util_count_text_matches_naive_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
