/* SPDX-License-Identifier: MIT */
/* Buckets: case entries merged by compaction name the same cases as before, for every event;
 * side values (customers) kept by entry and exception give every event its own. */
#include "buckets.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct fixture {
    jm__buckets bs;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    jm__buckets_init(&f->bs);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    jm__buckets_clear(&f->bs);
    free(f);
    return 0;
}

/* A case name of the pool: varied lengths, some sharing prefixes, one holding a NUL byte. */
static size_t name_of(unsigned i, char *buf)
{
    int n = snprintf(buf, 32, "case-%u%s", i, i % 7 == 0 ? "-long-suffix" : "");
    if (i % 97 == 0)
        buf[3] = '\0';
    return (size_t)n;
}

/* The next random case of a pool of them. */
static unsigned next_case(unsigned *seed, unsigned pool)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 8) % pool;
}

/* Case c's entry in bucket b for this batch (entry_of, by case), added at its first row. */
static uint32_t entry_for(fixture *f, unsigned b, uint32_t *entry_of, unsigned c)
{
    if (entry_of[c] == UINT32_MAX) {
        char buf[32];
        size_t n = name_of(c, buf);
        entry_of[c] = jm__buckets_add_case(&f->bs, b, buf, n);
    }
    return entry_of[c];
}

/* Batches of random rows of a pool of cases, each batch adding one entry per case it holds (as
 * jm__batch_merge does) and events naming them; compacted between batches, or not. Every event
 * carries its case's number in its start, so the name its entry gives can be checked. */
static void run(fixture *f, unsigned pool, unsigned batches, unsigned rows, bool compact,
                uint32_t *entries_out)
{
    unsigned b = 5;
    uint32_t *entry_of = malloc(pool * sizeof *entry_of);
    unsigned seed = 12345;
    for (unsigned t = 0; t < batches; t++) {
        for (unsigned c = 0; c < pool; c++)
            entry_of[c] = UINT32_MAX;
        for (unsigned r = 0; r < rows; r++) {
            unsigned c = next_case(&seed, pool);
            jm__event e = {
                .start = c, .dur = 0, .cas = entry_for(f, b, entry_of, c), .act = 0, .chan = 0};
            jm__buckets_add(&f->bs, b, &e, e.start);
        }
        if (compact)
            jm__buckets_compact(&f->bs);
    }
    *entries_out = (uint32_t)f->bs.b[b].nentry;
    /* Tell the cases apart as the report does, and check every event's name. */
    jm__bucket *k = &f->bs.b[b];
    uint32_t *same = malloc((k->nentry + 1) * sizeof *same);
    uint64_t *tab = NULL;
    size_t tab_cap = 0;
    jm__buckets_cases(&f->bs, b, same, &tab, &tab_cap);
    for (size_t i = 0; i < k->n; i++) {
        const jm__event *e = &k->chunk[i / JM_CHUNK_EVENTS][i % JM_CHUNK_EVENTS];
        uint32_t cas = same[e->cas] * JM_BUCKETS + b;
        size_t len;
        const char *s = jm__buckets_case_name(&f->bs, cas, &len);
        char want[32];
        size_t n = name_of((unsigned)e->start, want);
        assert_int_equal(len, n);
        assert_memory_equal(s, want, n);
    }
    free(tab);
    free(same);
    free(entry_of);
}

static void test_buckets_compact_keeps_every_name(void **state)
{
    fixture *f = *state;
    uint32_t entries;
    run(f, 3000, 40, 2000, true, &entries);
    /* 40 batches each met about half the pool: compaction keeps entries near the cases. */
    assert_true(entries < 3000 + 3000 / 2);
}

static void test_buckets_uncompacted_agrees(void **state)
{
    fixture *f = *state;
    uint32_t entries;
    run(f, 3000, 40, 2000, false, &entries);
    assert_true(entries > 3000 * 10);
}

static void test_buckets_no_compact_after_spill(void **state)
{
    fixture *f = *state;
    f->bs.no_compact = true;
    uint32_t entries;
    run(f, 3000, 10, 2000, true, &entries);
    assert_true(entries > 3000 * 3);
}

/* The side value row r of case c gives in batch t: mostly the case's, which changes with the
 * batch for some cases (so that compaction merges entries of different values); now and then
 * another, or none. */
static uint32_t side_of(unsigned c, unsigned t, unsigned r)
{
    if (r % 13 == 5)
        return JM_NO_SIDE;
    if (r % 17 == 3)
        return 100000 + r;
    return c % 5 == 0 ? c * 10 + t % 3 : c;
}

typedef struct seen {
    size_t n, bad;
} seen;

static void check_side(void *ctx, jm__event *e, int64_t end, uint32_t side, unsigned bucket)
{
    (void)end;
    (void)bucket;
    seen *s = ctx;
    s->n++;
    s->bad += side != e->chan;
}

/* Rows as run() makes them, each event with a side value (kept in chan, to check), read back
 * through jm__buckets_sides, jm__buckets_copy and jm__buckets_each. */
static void side_run(fixture *f, bool compact)
{
    unsigned b = 9, pool = 2000;
    f->bs.side = true;
    f->bs.no_compact = !compact;
    uint32_t *entry_of = malloc(pool * sizeof *entry_of);
    unsigned seed = 777;
    for (unsigned t = 0; t < 30; t++) {
        for (unsigned c = 0; c < pool; c++)
            entry_of[c] = UINT32_MAX;
        for (unsigned r = 0; r < 1500; r++) {
            unsigned c = next_case(&seed, pool);
            uint32_t v = side_of(c, t, seed >> 20);
            jm__event e = {.start = c, .dur = 0, .cas = entry_for(f, b, entry_of, c), .act = 0,
                           .chan = v};
            jm__buckets_add_side(&f->bs, b, &e, e.start, v);
        }
        jm__buckets_compact(&f->bs);
    }
    const jm__bucket *k = &f->bs.b[b];
    assert_int_equal(k->n, 30 * 1500);
    if (compact)
        assert_true(k->nentry < 2 * pool); /* entries were merged */
    assert_true(k->nsx > 0 && k->nsx < k->n / 2);
    uint32_t *side = malloc(k->n * sizeof *side);
    jm__buckets_sides(&f->bs, b, side);
    size_t bad = 0;
    for (size_t i = 0; i < k->n; i++)
        bad += side[i] != k->chunk[i / JM_CHUNK_EVENTS][i % JM_CHUNK_EVENTS].chan;
    assert_int_equal(bad, 0);
    jm__event *ev = malloc(k->n * sizeof *ev);
    memset(side, 0, k->n * sizeof *side);
    jm__long_end *le = NULL;
    size_t nle = 0, le_cap = 0;
    jm__buckets_copy(&f->bs, b, ev, side, 0, &le, &nle, &le_cap);
    for (size_t i = 0; i < k->n; i++)
        bad += side[i] != ev[i].chan;
    assert_int_equal(bad, 0);
    seen s = {0, 0};
    jm__buckets_each(&f->bs, b, check_side, &s);
    assert_int_equal(s.n, k->n);
    assert_int_equal(s.bad, 0);
    free(le);
    free(ev);
    free(side);
    free(entry_of);
}

static void test_buckets_side_values(void **state)
{
    side_run(*state, true);
}

static void test_buckets_side_values_uncompacted(void **state)
{
    side_run(*state, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_buckets_compact_keeps_every_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_uncompacted_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_no_compact_after_spill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_side_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_side_values_uncompacted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
