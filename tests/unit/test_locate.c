/* SPDX-License-Identifier: MIT */
/* Unit tests for locate: rows found again by fingerprint, from a given line, with their lines. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "read/csvin.h"
#include "read/locate.h"

static void write_bytes(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Every record's line and fingerprint as the reader sees them. */
static uint64_t lines[64];
static uint32_t fps[64];
static size_t nrec;

static jm_status keep(void *data, const jm__row *row)
{
    (void)data;
    assert_true(nrec < 64);
    lines[nrec] = row->line;
    fps[nrec++] = (uint32_t)(row->fp >> 32) | 1u;
    return JM_OK;
}

static void scan(const char *s, size_t n)
{
    jm__csv_opts o = {.field_limit = 1 << 20, .key_col = SIZE_MAX, .fingerprint = true};
    nrec = 0;
    jm__csv *c = jm__csv_new(',', &o, keep, NULL, 1);
    assert_int_equal(jm__csv_feed(c, s, n), JM_OK);
    char *err = NULL;
    assert_int_equal(jm__csv_finish(c, "t", &err), JM_OK);
    jm__csv_free(c);
}

static void test_locate_rows(void **state)
{
    (void)state;
    char path[] = "/tmp/jm-test-locate-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* CRLF, a lone CR, a quoted field over two lines, a blank line; row "1,a,x" three times. */
    static const char t[] = "h1,h2,h3\r\n"          /* 1 */
                            "1,a,x\r\n"             /* 2 */
                            "2,\"b\r\nc\",y\r"      /* 3-4 */
                            "1,a,x\n"               /* 5 */
                            "\n"                    /* 6 */
                            "3,d,z\r\n"             /* 7 */
                            "1,a,x\r\n";            /* 8 */
    write_bytes(path, t, sizeof t - 1);
    scan(t, sizeof t - 1);
    assert_int_equal(nrec, 6);
    assert_int_equal(lines[3], 5); /* the header is record 0 */
    assert_true(fps[1] == fps[3] && fps[1] == fps[5] && fps[1] != fps[2] && fps[1] != fps[4]);
    uint32_t fp = fps[1];
    uint64_t got[2] = {0, 0};
    /* From the first data line: the first two copies. */
    assert_int_equal(jm__locate_rows(path, ',', 2, 5, fp, 2, got), 2);
    assert_int_equal(got[0], 2);
    assert_int_equal(got[1], 5);
    /* From line 5 (after a lone CR, a record boundary): the second and third. */
    assert_int_equal(jm__locate_rows(path, ',', 5, 3, fp, 2, got), 2);
    assert_int_equal(got[0], 5);
    assert_int_equal(got[1], 8);
    /* From line 7: only the third; the stretch's rows bound the search. */
    assert_int_equal(jm__locate_rows(path, ',', 7, 2, fp, 2, got), 1);
    assert_int_equal(got[0], 8);
    assert_int_equal(jm__locate_rows(path, ',', 2, 1, fps[2], 1, got), 0);
    /* Not there, or no file to read again. */
    assert_int_equal(jm__locate_rows(path, ',', 2, 5, fp ^ 2, 2, got), 0);
    assert_int_equal(jm__locate_rows("-", ',', 2, 5, fp, 2, got), 0);
    unlink(path);
    assert_int_equal(jm__locate_rows(path, ',', 2, 5, fp, 2, got), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_locate_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
