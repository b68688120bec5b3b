/* SPDX-License-Identifier: MIT */
/* Unit tests for a run spread over processes (dist.c), without MPI: cuts at record boundaries,
 * ranges read apart, events sent to the owners of their cases and back, shares merged: the same
 * report as one log. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dist.h"
#include "util.h"

#include <jmine/jmine.h>

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/jm-test-dist-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *write_file(const char *name, const char *text, size_t n)
{
    char *path = jm__strdupf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
    return path;
}

/* The boundary after a cut: a line end outside quotes, CRLF whole, a lone CR, a cut right
 * after a line end, the line ends on the way counted. */
static void test_boundary(void **state)
{
    (void)state;
    const char text[] = "h1,h2\r\na,\"x\ny\"\rb,c\r\nd,e\n";
    char *p = write_file("b.csv", text, sizeof text - 1);
    uint64_t size = sizeof text - 1, at, ends;
    /* Inside the header: the record after it starts at 7 (after the CRLF). */
    assert_true(jm__dist_boundary(p, 2, false, size, &at, &ends));
    assert_int_equal(at, 7);
    assert_int_equal(ends, 1);
    /* Between CR and LF: the LF ends the line. */
    assert_true(jm__dist_boundary(p, 6, false, size, &at, &ends));
    assert_int_equal(at, 7);
    assert_int_equal(ends, 1);
    /* At a record start (the byte before ends a line): there. */
    assert_true(jm__dist_boundary(p, 7, false, size, &at, &ends));
    assert_int_equal(at, 7);
    assert_int_equal(ends, 0);
    /* Inside the quoted field: its line break is no boundary; the lone CR after it is. */
    assert_true(jm__dist_boundary(p, 11, true, size, &at, &ends));
    assert_int_equal(at, 15);
    assert_int_equal(ends, 2);
    /* The start and the end of the file. */
    assert_true(jm__dist_boundary(p, 0, false, size, &at, &ends));
    assert_int_equal(at, 0);
    assert_true(jm__dist_boundary(p, size, false, size, &at, &ends));
    assert_int_equal(at, size);
    uint64_t quotes, all;
    assert_true(jm__dist_count(p, 0, size, &quotes, &all));
    assert_int_equal(quotes, 2);
    assert_int_equal(all, 5);
    /* A CR last in a slice followed by a LF is left to the LF. */
    assert_true(jm__dist_count(p, 0, 6, &quotes, &all));
    assert_int_equal(all, 0);
    assert_true(jm__dist_count(p, 6, size, &quotes, &all));
    assert_int_equal(all, 5);
    free(p);
}

/* The owner of a case: by its bytes only, within the count. */
static void test_owner(void **state)
{
    (void)state;
    for (unsigned n = 1; n < 9; n++) {
        unsigned seen = 0;
        for (int i = 0; i < 200; i++) {
            char id[16];
            int k = snprintf(id, sizeof id, "case%d", i);
            unsigned o = jm__route_owner(id, (size_t)k, n);
            assert_true(o < n);
            assert_int_equal(o, jm__route_owner(id, (size_t)k, n));
            seen |= 1u << o;
        }
        assert_int_equal(seen, (1u << n) - 1); /* 200 cases reach every owner */
    }
}

/* The report of path in JSON, read whole by one log (malloc'd). */
static char *one_report(const char *path, size_t *n)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.threads = 1;
    jm_log *log = jm_log_new(&opt, NULL);
    assert_int_equal(jm_log_add_file(log, path), JM_OK);
    jm_report *rep = NULL;
    assert_int_equal(jm_report_build(log, &rep), JM_OK);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);
    assert_int_equal(jm_write_report(rep, JM_FORMAT_JSON, f), JM_OK);
    fclose(f);
    jm_report_free(rep);
    jm_log_free(log);
    return buf;
}

/* A process's buffer added in pieces of 1 to 41 bytes through a reader, as jmine-mpi's shuffle
 * adds what each round brings: a record cut between pieces is handed again with the next. */
static jm_status import_pieces(jm_log *log, const char *p, size_t n)
{
    jm__dist_in *in = jm__dist_in_new(log);
    char *acc = jm__xmalloc(n + 1);
    size_t nacc = 0, piece = 1;
    jm_status st = JM_OK;
    for (size_t at = 0; at < n && st == JM_OK; at += piece, piece = piece % 41 + 1) {
        size_t k = n - at < piece ? n - at : piece;
        memcpy(acc + nacc, p + at, k);
        nacc += k;
        size_t used = 99999;
        st = jm__dist_in_add(in, acc, nacc, &used);
        if (st == JM_OK) {
            assert_true(used <= nacc);
            memmove(acc, acc + used, nacc - used);
            nacc -= used;
        }
    }
    if (st == JM_OK)
        st = jm__dist_in_end(in, nacc);
    jm__dist_in_free(in);
    free(acc);
    return st;
}

/* Three "processes" in one: the file cut into three ranges read apart, every event sent to its
 * owner (or kept by a process that owns it: keep_own 1, process 0 only; 2, every process; 3,
 * every process, the others' buffers added in pieces) and added in process order, each
 * share's state merged: the report of one log. A case's events share their starts three at a
 * time, so that input order decides their steps' order. */
static void shares(int keep_own)
{
    size_t cap = 1 << 16, len = 0;
    char *text = jm__xmalloc(cap);
    len += (size_t)snprintf(text, cap, "case,activity,start,end,channel\n");
    for (int i = 0; i < 600; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "c%d,\"Step, %d\",2024-01-%02dT10:00:00Z,2024-03-%02dT10:00:00Z,"
                                "%s\n", i % 53, i % 7, 1 + i / 159, 1 + i % 27,
                                i % 3 ? "phone" : "email");
    len += (size_t)snprintf(text + len, cap - len, "bad,row\n");
    char *path = write_file("s.csv", text, len);
    size_t n1;
    char *want = one_report(path, &n1);

    enum { N = 3 };
    jm_options opt[N];
    jm_log *log[N];
    jm__dist_buf out[N][N];
    memset(out, 0, sizeof out);
    uint64_t cut[N + 1], at[N + 1], line[N + 1], quotes = 0, ends = 0;
    for (int r = 0; r <= N; r++)
        cut[r] = len * (uint64_t)r / N;
    for (int r = 0; r < N; r++) {
        uint64_t q, e, a, e2;
        assert_true(jm__dist_boundary(path, cut[r], quotes & 1, len, &a, &e2));
        at[r] = a;
        line[r] = 1 + ends + e2;
        assert_true(jm__dist_count(path, cut[r], cut[r + 1], &q, &e));
        quotes += q;
        ends += e;
    }
    at[N] = len;
    jm_input_stats sum = {0};
    uint64_t lc[JM_LC_COUNT] = {0};
    unsigned keep[N];
    for (int r = 0; r < N; r++)
        keep[r] = keep_own >= 2 || (keep_own == 1 && r == 0) ? (unsigned)r : JM_WIRE_NONE;
    for (int r = 0; r < N; r++) {
        jm_options_init(&opt[r]);
        opt[r].threads = 1;
        log[r] = jm_log_new(&opt[r], NULL);
        jm__dist_route(log[r], N, keep[r]);
        jm__dist_range(log[r], at[r], at[r + 1], at[r] == 0 ? 0 : line[r]);
        assert_int_equal(jm_log_add_file(log[r], path), JM_OK);
        assert_false(jm__dist_range_failed(log[r]));
        const jm_input_stats *st = jm__dist_stats(log[r]);
        sum.rows += st->rows;
        sum.rejected += st->rejected;
        jm__dist_export(log[r], out[r]);
    }
    assert_int_equal(sum.rows, 601);
    assert_int_equal(sum.rejected, 1);
    jm_merge *m = jm_merge_new(&opt[0], NULL);
    for (int r = 0; r < N; r++) {
        jm__dist_lead(log[r], true);
        for (int s = 0; s < N; s++) {
            if (s == r)
                jm__dist_lead(log[r], false);
            if (keep_own == 3)
                assert_int_equal(import_pieces(log[r], out[s][r].p, out[s][r].n), JM_OK);
            else
                assert_int_equal(jm__dist_import(log[r], out[s][r].p, out[s][r].n), JM_OK);
            free(out[s][r].p);
        }
        char *files[] = {path};
        jm__dist_set_files(log[r], files, r == 0 ? 1 : 0);
        jm__dist_share(log[r], true, true, false, lc);
        jm_report *rep = NULL;
        assert_int_equal(jm_report_build(log[r], &rep), JM_OK);
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        assert_int_equal(jm_report_save_state(rep, f), JM_OK);
        fclose(f);
        assert_int_equal(jm_merge_add_state(m, "share", buf, n), JM_OK);
        free(buf);
        jm_report_free(rep);
        jm_log_free(log[r]);
    }
    jm_report *rep = NULL;
    assert_int_equal(jm_merge_report(m, &rep), JM_OK);
    char *got = NULL;
    size_t n2 = 0;
    FILE *f = open_memstream(&got, &n2);
    assert_int_equal(jm_write_report(rep, JM_FORMAT_JSON, f), JM_OK);
    fclose(f);
    jm_report_free(rep);
    jm_merge_free(m);
    assert_int_equal(n1, n2);
    assert_memory_equal(want, got, n1);
    /* Bytes that are not an export are refused. */
    jm_options o;
    jm_options_init(&o);
    jm_log *bad = jm_log_new(&o, NULL);
    const char junk[] = "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff";
    assert_int_equal(jm__dist_import(bad, junk, sizeof junk - 1), JM_EINPUT);
    jm_log_free(bad);
    /* A buffer cut short: its last record is never whole. */
    bad = jm_log_new(&o, NULL);
    jm__dist_in *in = jm__dist_in_new(bad);
    size_t used = 0;
    assert_int_equal(jm__dist_in_add(in, junk, 6, &used), JM_OK);
    assert_int_equal(used, 0);
    assert_int_equal(jm__dist_in_end(in, 6 - used), JM_EINPUT);
    jm__dist_in_free(in);
    jm_log_free(bad);
    free(want);
    free(got);
    free(text);
    free(path);
}

static void test_shares(void **state)
{
    (void)state;
    for (int keep_own = 0; keep_own <= 3; keep_own++)
        shares(keep_own);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_shares),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
