/* SPDX-License-Identifier: MIT */
/* Buckets: case entries merged by compaction name the same cases as before, for every event. */
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
            seed = seed * 1103515245u + 12345u;
            unsigned c = (seed >> 8) % pool;
            if (entry_of[c] == UINT32_MAX) {
                char buf[32];
                size_t n = name_of(c, buf);
                entry_of[c] = jm__buckets_add_case(&f->bs, b, buf, n);
            }
            jm__event e = {.start = c, .dur = 0, .cas = entry_of[c], .act = 0, .chan = 0};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_buckets_compact_keeps_every_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_uncompacted_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_no_compact_after_spill, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
