/* SPDX-License-Identifier: MIT */
/* Unit tests for intern and seqtab: dense first-seen ids, any bytes, growth, long strings,
 * byte order, and sequences. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intern.h"
#include "seqtab.h"

struct fixture {
    jm__intern *t;
    jm__seqtab *q;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    f->t = jm__intern_new();
    f->q = jm__seqtab_new();
    *state = f;
    return f->t && f->q ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    jm__intern_free(f->t);
    jm__seqtab_free(f->q);
    free(f);
    return 0;
}

/* id holds exactly the n bytes at s, NUL-terminated. */
static void check_str(const jm__intern *t, uint32_t id, const char *s, size_t n)
{
    size_t len = 12345;
    const char *got = jm__intern_str(t, id, &len);
    if (len != n || memcmp(got, s, n) != 0) fail_msg("id %u: %zu bytes, want %zu", id, len, n);
    assert_int_equal(got[n], '\0');
    assert_ptr_equal(jm__intern_str(t, id, NULL), got);
}

/* ---- intern ------------------------------------------------------------------ */

static void test_intern_dense_first_seen(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(jm__intern_count(f->t), 0);
    assert_int_equal(jm__intern_id(f->t, "b", 1), 0);
    assert_int_equal(jm__intern_id(f->t, "a", 1), 1);
    assert_int_equal(jm__intern_id(f->t, "b", 1), 0);
    assert_int_equal(jm__intern_id(f->t, "ab", 2), 2);
    assert_int_equal(jm__intern_id(f->t, "a", 1), 1);
    assert_int_equal(jm__intern_id(f->t, "abc", 2), 2); /* the first 2 bytes: "ab" */
    assert_int_equal(jm__intern_count(f->t), 3);
    check_str(f->t, 0, "b", 1);
    check_str(f->t, 1, "a", 1);
    check_str(f->t, 2, "ab", 2);
    assert_int_equal(jm__intern_find(f->t, "ab", 2), 2);
    assert_int_equal(jm__intern_find(f->t, "c", 1), UINT32_MAX);
    assert_int_equal(jm__intern_find(f->t, "abc", 3), UINT32_MAX);
    /* find adds nothing */
    assert_int_equal(jm__intern_count(f->t), 3);
}

static void test_intern_same_bytes_same_id(void **state)
{
    struct fixture *f = *state;
    /* Different buffers, same bytes. */
    char a[] = "Call back";
    char *b = strdup("Call back");
    assert_non_null(b);
    uint32_t ia = jm__intern_id(f->t, a, 9);
    uint32_t ib = jm__intern_id(f->t, b, 9);
    assert_int_equal(ia, ib);
    /* The table keeps its own copy. */
    memset(a, 'x', 9);
    free(b);
    check_str(f->t, ia, "Call back", 9);
    /* Case matters. */
    assert_int_not_equal(jm__intern_id(f->t, "call back", 9), ia);
}

static void test_intern_nul_bytes_and_empty(void **state)
{
    struct fixture *f = *state;
    uint32_t e = jm__intern_id(f->t, "", 0);
    uint32_t a = jm__intern_id(f->t, "a", 1);
    uint32_t a0 = jm__intern_id(f->t, "a\0", 2);
    uint32_t a0b = jm__intern_id(f->t, "a\0b", 3);
    uint32_t a0c = jm__intern_id(f->t, "a\0c", 3);
    uint32_t z = jm__intern_id(f->t, "\0", 1);
    uint32_t zz = jm__intern_id(f->t, "\0\0", 2);
    uint32_t ids[] = {e, a, a0, a0b, a0c, z, zz};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(ids[i], i);
    }
    assert_int_equal(jm__intern_count(f->t), 7);
    check_str(f->t, e, "", 0);
    check_str(f->t, a0, "a\0", 2);
    check_str(f->t, a0b, "a\0b", 3);
    check_str(f->t, a0c, "a\0c", 3);
    check_str(f->t, zz, "\0\0", 2);
    assert_int_equal(jm__intern_find(f->t, "", 0), e);
    assert_int_equal(jm__intern_find(f->t, "a\0b", 3), a0b);
    assert_int_equal(jm__intern_find(f->t, "\0\0\0", 3), UINT32_MAX);
    assert_int_equal(jm__intern_id(f->t, "", 0), e);
    assert_int_equal(jm__intern_id(f->t, "a\0c", 3), a0c);
}

static void test_intern_many_strings(void **state)
{
    struct fixture *f = *state;
    enum { N = 200000 };
    char buf[32];
    const char *first = NULL;
    for (uint32_t i = 0; i < N; i++) {
        /* Varied lengths, so that words and tails of the hash are both exercised. */
        int n = snprintf(buf, sizeof buf, "%u-%.*s", i, (int)(i % 13), "abcdefghijklm");
        uint32_t id = jm__intern_id(f->t, buf, (size_t)n);
        if (id != i) fail_msg("string %u got id %u", i, id);
        if (i == 0) first = jm__intern_str(f->t, 0, NULL);
    }
    assert_int_equal(jm__intern_count(f->t), N);
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "%u-%.*s", i, (int)(i % 13), "abcdefghijklm");
        uint32_t id = jm__intern_find(f->t, buf, (size_t)n);
        if (id != i) fail_msg("string %u found as %u", i, id);
        size_t len;
        const char *s = jm__intern_str(f->t, i, &len);
        if (len != (size_t)n || memcmp(s, buf, len) != 0) fail_msg("string %u: bytes differ", i);
        assert_int_equal(jm__intern_id(f->t, buf, (size_t)n), i);
    }
    assert_int_equal(jm__intern_count(f->t), N);
    /* Pointers handed out early stay valid through every rehash and new block. */
    assert_ptr_equal(jm__intern_str(f->t, 0, NULL), first);
    assert_string_equal(first, "0-");
    /* Strings that differ only in the last byte of a word or the tail are distinct. */
    assert_int_equal(jm__intern_find(f->t, "12345678", 8), UINT32_MAX);
}

static void fill_pattern(char *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (char)(x >> 24);
    }
}

static void test_intern_long_strings(void **state)
{
    struct fixture *f = *state;
    /* Around the 256 KiB point where strings get blocks of their own, and well beyond, with
     * short strings between them so that chunks fill and new ones start. */
    static const size_t lens[] = {262142,  262143,  262144,          262145, 300 * 1024, 1048575,
                                  1048576, 1048577, 3 * 1048576 + 7, 100000, 700000};
    enum { NL = sizeof lens / sizeof lens[0] };
    char *data[NL];
    uint32_t ids[NL];
    for (size_t i = 0; i < NL; i++) {
        data[i] = malloc(lens[i]);
        assert_non_null(data[i]);
        fill_pattern(data[i], lens[i], (unsigned)i);
        ids[i] = jm__intern_id(f->t, data[i], lens[i]);
        char small[16];
        int n = snprintf(small, sizeof small, "s%zu", i);
        jm__intern_id(f->t, small, (size_t)n);
    }
    for (size_t i = 0; i < NL; i++) {
        assert_int_equal(ids[i], 2 * i);
        check_str(f->t, ids[i], data[i], lens[i]);
        assert_int_equal(jm__intern_find(f->t, data[i], lens[i]), ids[i]);
        /* One byte changed at the end is another string. */
        data[i][lens[i] - 1] ^= 1;
        assert_int_equal(jm__intern_find(f->t, data[i], lens[i]), UINT32_MAX);
        data[i][lens[i] - 1] ^= 1;
        /* A prefix is another string. */
        assert_int_equal(jm__intern_find(f->t, data[i], lens[i] - 1), UINT32_MAX);
    }
    for (size_t i = 0; i < NL; i++) {
        char small[16];
        int n = snprintf(small, sizeof small, "s%zu", i);
        assert_int_equal(jm__intern_find(f->t, small, (size_t)n), 2 * i + 1);
        free(data[i]);
    }
}

/* Every length from 0 to 600 (a string's length is kept in one byte below 255, in five from
 * there), each string found again by id and by bytes; the same after the index is dropped
 * (found by looking at every string), and again once a new string builds it anew. */
static void test_intern_length_edges(void **state)
{
    struct fixture *f = *state;
    enum { MAXLEN = 600 };
    char *buf = malloc(MAXLEN + 1);
    assert_non_null(buf);
    for (size_t n = 0; n <= MAXLEN; n++) {
        fill_pattern(buf, n, (unsigned)n);
        assert_int_equal(jm__intern_id(f->t, buf, n), n);
    }
    for (int round = 0; round < 3; round++) {
        if (round == 1)
            jm__intern_drop_index(f->t);
        if (round == 2)
            assert_int_equal(jm__intern_id(f->t, "new", 3), MAXLEN + 1);
        for (size_t n = 0; n <= MAXLEN; n++) {
            fill_pattern(buf, n, (unsigned)n);
            check_str(f->t, (uint32_t)n, buf, n);
            assert_int_equal(jm__intern_find(f->t, buf, n), n);
            assert_int_equal(jm__intern_hash_hi(f->t, (uint32_t)n), jm__hash(buf, n) >> 32);
        }
    }
    free(buf);
}

static void test_intern_id_hashed(void **state)
{
    struct fixture *f = *state;
    uint32_t a = jm__intern_id_hashed(f->t, "alpha", 5, jm__hash("alpha", 5));
    jm__intern_prefetch(f->t, jm__hash("beta", 4)); /* a hint: changes nothing */
    uint32_t b = jm__intern_id(f->t, "beta", 4);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(jm__intern_id(f->t, "alpha", 5), 0);
    assert_int_equal(jm__intern_id_hashed(f->t, "beta", 4, jm__hash("beta", 4)), 1);
    assert_int_equal(jm__intern_find(f->t, "alpha", 5), 0);
    assert_int_equal(jm__intern_count(f->t), 2);
}

static void test_intern_merge(void **state)
{
    struct fixture *f = *state;
    jm__intern *src = jm__intern_new();
    assert_int_equal(jm__intern_id(f->t, "a", 1), 0);
    assert_int_equal(jm__intern_id(f->t, "b", 1), 1);
    /* src: "b", "c", "a", "", "x\0y" */
    jm__intern_id(src, "b", 1);
    jm__intern_id(src, "c", 1);
    jm__intern_id(src, "a", 1);
    jm__intern_id(src, "", 0);
    jm__intern_id(src, "x\0y", 3);
    uint32_t map[5] = {99, 99, 99, 99, 99};
    jm__intern_merge(f->t, src, map);
    static const uint32_t want[] = {1, 2, 0, 3, 4};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(map[i], want[i]);
    assert_int_equal(jm__intern_count(f->t), 5);
    check_str(f->t, 2, "c", 1);
    check_str(f->t, 3, "", 0);
    check_str(f->t, 4, "x\0y", 3);
    /* src is unchanged. */
    assert_int_equal(jm__intern_count(src), 5);
    check_str(src, 0, "b", 1);
    /* An empty source maps nothing and adds nothing. */
    jm__intern *none = jm__intern_new();
    jm__intern_merge(f->t, none, map);
    assert_int_equal(jm__intern_count(f->t), 5);
    jm__intern_free(none);
    jm__intern_free(src);
}

static void test_intern_merge_many(void **state)
{
    struct fixture *f = *state;
    /* Half of src is new to dst; dst grows through rehashes during the merge. */
    enum { N = 30000 };
    jm__intern *src = jm__intern_new();
    char buf[32];
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "k%u", i);
        if (i % 2 == 0) jm__intern_id(f->t, buf, (size_t)n);
    }
    for (uint32_t i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "k%u", N - 1 - i);
        jm__intern_id(src, buf, (size_t)n);
    }
    uint32_t *map = malloc(N * sizeof *map);
    assert_non_null(map);
    jm__intern_merge(f->t, src, map);
    assert_int_equal(jm__intern_count(f->t), N);
    uint32_t next = N / 2;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t k = N - 1 - i;
        /* Old strings keep their ids; new ones get the next ids in src's order. */
        uint32_t want = k % 2 == 0 ? k / 2 : next++;
        if (map[i] != want) fail_msg("src id %u (k%u): mapped to %u, want %u", i, k, map[i], want);
        int n = snprintf(buf, sizeof buf, "k%u", k);
        check_str(f->t, map[i], buf, (size_t)n);
    }
    free(map);
    jm__intern_free(src);
}

static void test_intern_clear(void **state)
{
    struct fixture *f = *state;
    char *big = malloc(400000);
    assert_non_null(big);
    fill_pattern(big, 400000, 7);
    jm__intern_id(f->t, "a", 1);
    jm__intern_id(f->t, big, 400000);
    for (uint32_t i = 0; i < 5000; i++) {
        char buf[16];
        int n = snprintf(buf, sizeof buf, "s%u", i);
        jm__intern_id(f->t, buf, (size_t)n);
    }
    jm__intern_clear(f->t);
    assert_int_equal(jm__intern_count(f->t), 0);
    assert_int_equal(jm__intern_find(f->t, "a", 1), UINT32_MAX);
    assert_int_equal(jm__intern_find(f->t, big, 400000), UINT32_MAX);
    assert_int_equal(jm__intern_find(f->t, "s17", 3), UINT32_MAX);
    /* Ids start again from 0, and the table works as new. */
    assert_int_equal(jm__intern_id(f->t, "s17", 3), 0);
    assert_int_equal(jm__intern_id(f->t, big, 400000), 1);
    assert_int_equal(jm__intern_id(f->t, "a", 1), 2);
    check_str(f->t, 0, "s17", 3);
    check_str(f->t, 1, big, 400000);
    check_str(f->t, 2, "a", 1);
    for (uint32_t i = 0; i < 5000; i++) {
        char buf[16];
        int n = snprintf(buf, sizeof buf, "t%u", i);
        assert_int_equal(jm__intern_id(f->t, buf, (size_t)n), 3 + i);
    }
    check_str(f->t, 0, "s17", 3);
    /* Clearing an empty table, twice, is fine. */
    jm__intern_clear(f->t);
    jm__intern_clear(f->t);
    assert_int_equal(jm__intern_count(f->t), 0);
    assert_int_equal(jm__intern_id(f->t, "", 0), 0);
    free(big);
}

static void test_intern_tables_independent(void **state)
{
    struct fixture *f = *state;
    jm__intern *u = jm__intern_new();
    assert_int_equal(jm__intern_id(f->t, "x", 1), 0);
    assert_int_equal(jm__intern_id(u, "y", 1), 0);
    assert_int_equal(jm__intern_id(u, "x", 1), 1);
    assert_int_equal(jm__intern_find(f->t, "y", 1), UINT32_MAX);
    jm__intern_free(u);
    jm__intern_free(NULL);
}

static void test_intern_hash_deterministic(void **state)
{
    (void)state;
    /* Same bytes, same hash, wherever they lie in memory. */
    char a[40], b[48];
    memcpy(a, "customer journey 0123456789", 27);
    memcpy(b + 5, "customer journey 0123456789", 27);
    assert_true(jm__hash(a, 27) == jm__hash(b + 5, 27));
    /* Only the first n bytes count. */
    assert_true(jm__hash("abcdefghij", 9) == jm__hash("abcdefghiX", 9));
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void test_intern_bytes_cmp(void **state)
{
    (void)state;
    static const struct {
        const char *a;
        size_t an;
        const char *b;
        size_t bn;
        int want;
    } cases[] = {
        {"A", 1, "AB", 2, -1}, /* a prefix first */
        {"AB", 2, "A", 1, 1},       {"AB", 2, "AB", 2, 0},    {"", 0, "A", 1, -1},
        {"", 0, "", 0, 0},          {"B", 1, "AB", 2, 1},  /* byte order before length */
        {"B", 1, "a", 1, -1},                              /* byte order, not alphabetical */
        {"\x80", 1, "\x7f", 1, 1},                         /* bytes compare unsigned */
        {"\xC3\xA9", 2, "z", 1, 1}, {"a\0", 2, "a", 1, 1}, /* NUL is a byte like any other */
        {"a\0b", 3, "a\0c", 3, -1}, {"a\0b", 3, "a\0", 2, 1}, {"ab", 2, "a\xff", 2, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = sign(jm__bytes_cmp(cases[i].a, cases[i].an, cases[i].b, cases[i].bn));
        if (got != cases[i].want) fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
        int rev = sign(jm__bytes_cmp(cases[i].b, cases[i].bn, cases[i].a, cases[i].an));
        assert_int_equal(rev, -cases[i].want);
    }
}

/* ---- seqtab ------------------------------------------------------------------ */

static void check_seq(const jm__seqtab *q, uint32_t id, const uint32_t *want, size_t n)
{
    size_t got_n = 12345;
    const uint32_t *got = jm__seqtab_get(q, id, &got_n);
    if (got_n != n) fail_msg("sequence %u: %zu steps, want %zu", id, got_n, n);
    if (n > 0 && memcmp(got, want, n * sizeof *want) != 0)
        fail_msg("sequence %u: steps differ", id);
}

static void test_intern_seqtab_ids(void **state)
{
    struct fixture *f = *state;
    static const uint32_t ab[] = {1, 2}, a[] = {1}, ba[] = {2, 1}, zero[] = {0}, zz[] = {0, 0};
    assert_int_equal(jm__seqtab_count(f->q), 0);
    assert_int_equal(jm__seqtab_id(f->q, ab, 2), 0);
    assert_int_equal(jm__seqtab_id(f->q, a, 1), 1);
    assert_int_equal(jm__seqtab_id(f->q, ba, 0), 2); /* the empty sequence */
    assert_int_equal(jm__seqtab_id(f->q, ab, 2), 0);
    assert_int_equal(jm__seqtab_id(f->q, ba, 2), 3);
    assert_int_equal(jm__seqtab_id(f->q, ab, 0), 2); /* empty again, another pointer */
    assert_int_equal(jm__seqtab_id(f->q, zero, 1), 4);
    assert_int_equal(jm__seqtab_id(f->q, zz, 2), 5);
    assert_int_equal(jm__seqtab_id(f->q, ab, 1), 1); /* the prefix {1} */
    assert_int_equal(jm__seqtab_count(f->q), 6);
    check_seq(f->q, 0, ab, 2);
    check_seq(f->q, 1, a, 1);
    check_seq(f->q, 2, NULL, 0);
    check_seq(f->q, 3, ba, 2);
    check_seq(f->q, 4, zero, 1);
    check_seq(f->q, 5, zz, 2);
}

static void test_intern_seqtab_empty_first(void **state)
{
    struct fixture *f = *state;
    static const uint32_t one[] = {7};
    assert_int_equal(jm__seqtab_id(f->q, one + 1, 0), 0);
    assert_int_equal(jm__seqtab_id(f->q, one, 1), 1);
    assert_int_equal(jm__seqtab_id(f->q, one, 0), 0);
    check_seq(f->q, 0, NULL, 0);
    check_seq(f->q, 1, one, 1);
}

static void test_intern_seqtab_many(void **state)
{
    struct fixture *f = *state;
    /* Enough sequences to grow the table many times; steps are copied, the caller's buffer
     * is reused. */
    enum { N = 50000 };
    uint32_t buf[12];
    for (uint32_t i = 0; i < N; i++) {
        size_t n = i % 12;
        for (size_t k = 0; k < n; k++)
            buf[k] = i * 31u + (uint32_t)k;
        uint32_t id = jm__seqtab_id(f->q, buf, n);
        /* i % 12 == 0 is the empty sequence, first met at i = 0. */
        uint32_t want = n == 0 ? 0 : i - i / 12;
        if (id != want) fail_msg("sequence %u: id %u, want %u", i, id, want);
    }
    /* The empty sequence, and every i in [1, N) that is not a multiple of 12. */
    assert_int_equal(jm__seqtab_count(f->q), 1 + (N - 1) - (N - 1) / 12);
    for (uint32_t i = 1; i < N; i++) {
        size_t n = i % 12;
        if (n == 0) continue;
        for (size_t k = 0; k < n; k++)
            buf[k] = i * 31u + (uint32_t)k;
        check_seq(f->q, i - i / 12, buf, n);
        assert_int_equal(jm__seqtab_id(f->q, buf, n), i - i / 12);
    }
    jm__seqtab_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_intern_dense_first_seen),
        T(test_intern_same_bytes_same_id),
        T(test_intern_nul_bytes_and_empty),
        T(test_intern_many_strings),
        T(test_intern_long_strings),
        T(test_intern_length_edges),
        T(test_intern_id_hashed),
        T(test_intern_merge),
        T(test_intern_merge_many),
        T(test_intern_clear),
        T(test_intern_tables_independent),
        T(test_intern_hash_deterministic),
        T(test_intern_bytes_cmp),
        T(test_intern_seqtab_ids),
        T(test_intern_seqtab_empty_first),
        T(test_intern_seqtab_many),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
