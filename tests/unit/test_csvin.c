/* SPDX-License-Identifier: MIT */
/* Unit tests for csvin over source: RFC 4180 fields, line ends, record lines, BOM, delimiter
 * sniffing, byte fidelity, field limit, broken files and gzip. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "read/csvin.h"
#include "read/source.h"

/* One record as the callback saw it, copied out of the borrowed buffers. */
struct row {
    size_t n;
    char **f;
    size_t *len;
    uint64_t line;
    size_t too_long;
};

struct fixture {
    char path[64];
    struct row *rows;
    size_t nrows, cap;
    size_t stop_after; /* > 0: the callback returns stop_status on this row */
    jm_status stop_status;
    char delim;
    uint64_t blank;
    char *err;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    strcpy(f->path, "/tmp/jm-test-csvin-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0) {
        free(f);
        return -1;
    }
    close(fd);
    *state = f;
    return 0;
}

static void clear_rows(struct fixture *f)
{
    for (size_t i = 0; i < f->nrows; i++) {
        for (size_t k = 0; k < f->rows[i].n; k++)
            free(f->rows[i].f[k]);
        free(f->rows[i].f);
        free(f->rows[i].len);
    }
    f->nrows = 0;
    free(f->err);
    f->err = NULL;
    f->blank = 0;
    f->delim = 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    clear_rows(f);
    free(f->rows);
    unlink(f->path);
    free(f);
    return 0;
}

static jm_status collect(void *data, const jm__row *row)
{
    struct fixture *f = data;
    if (f->nrows == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->rows = realloc(f->rows, f->cap * sizeof *f->rows);
        assert_non_null(f->rows);
    }
    struct row *r = &f->rows[f->nrows++];
    r->n = row->n;
    r->line = row->line;
    r->too_long = row->too_long;
    r->f = calloc(row->n ? row->n : 1, sizeof *r->f);
    r->len = calloc(row->n ? row->n : 1, sizeof *r->len);
    for (size_t k = 0; k < row->n; k++) {
        r->len[k] = row->len[k];
        r->f[k] = malloc(row->len[k] + 1);
        memcpy(r->f[k], row->f[k], row->len[k]);
        r->f[k][row->len[k]] = '\0';
        /* The reader promises a NUL after every field. */
        assert_int_equal(row->f[k][row->len[k]], '\0');
    }
    if (f->stop_after != 0 && f->nrows == f->stop_after) return f->stop_status;
    return JM_OK;
}

static void write_bytes(const char *path, const char *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static void write_gzip(const char *path, const char *mode, const char *data, size_t n)
{
    gzFile gz = gzopen(path, mode);
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* Read the fixture's file with the given delimiter (0: sniff) and field limit. */
static jm_status read_opts(struct fixture *f, char delim, size_t limit)
{
    clear_rows(f);
    char *err = NULL;
    jm__source *src = jm__source_open(f->path, &err);
    if (src == NULL) fail_msg("jm__source_open: %s", err ? err : "(no message)");
    jm__csv_opts opt = {.delimiter = delim, .field_limit = limit};
    jm_status st = jm__csv_read(src, "NAME", &opt, collect, f, &f->delim, &f->blank, &f->err);
    jm__source_close(src);
    return st;
}

static jm_status read_file(struct fixture *f)
{
    return read_opts(f, 0, (size_t)1 << 20);
}

static void put(struct fixture *f, const char *s)
{
    write_bytes(f->path, s, strlen(s));
}

/* Row i has exactly the given fields (NULL-terminated list) and starts on the given line. */
static void check_row(const struct fixture *f, size_t i, uint64_t line, ...)
{
    if (i >= f->nrows) fail_msg("row %zu missing: only %zu rows", i, f->nrows);
    const struct row *r = &f->rows[i];
    va_list ap;
    va_start(ap, line);
    size_t k = 0;
    for (const char *want; (want = va_arg(ap, const char *)) != NULL; k++) {
        if (k >= r->n) fail_msg("row %zu: %zu fields, want more", i, r->n);
        if (r->len[k] != strlen(want) || memcmp(r->f[k], want, r->len[k]) != 0)
            fail_msg("row %zu field %zu: got '%s' (%zu bytes), want '%s'", i, k, r->f[k], r->len[k],
                     want);
    }
    va_end(ap);
    if (k != r->n) fail_msg("row %zu: %zu fields, want %zu", i, r->n, k);
    if (r->line != line)
        fail_msg("row %zu: line %llu, want %llu", i, (unsigned long long)r->line,
                 (unsigned long long)line);
}

/* ---- RFC 4180 fields ------------------------------------------------------ */

static void test_csvin_quoted_delimiter(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b,c\n\"x,y\",z,\",\"\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 2);
    check_row(f, 0, 1, "a", "b", "c", NULL);
    check_row(f, 1, 2, "x,y", "z", ",", NULL);
}

static void test_csvin_doubled_quotes(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n\"\",\"a\"\"\"\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 1, 2, "say \"hi\"", "\"", NULL);
    check_row(f, 2, 3, "", "a\"", NULL);
}

static void test_csvin_line_breaks_in_quoted_fields(void **state)
{
    struct fixture *f = *state;
    /* Line 1 header; 2-3 LF inside; 4-5 CRLF inside; 6-7 lone CR inside; 8 plain. */
    put(f, "a,b\n"
           "\"l1\nl2\",x\n"
           "\"c1\r\nc2\",y\n"
           "\"r1\rr2\",z\n"
           "last,w\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 5);
    check_row(f, 0, 1, "a", "b", NULL);
    check_row(f, 1, 2, "l1\nl2", "x", NULL);
    check_row(f, 2, 4, "c1\r\nc2", "y", NULL);
    check_row(f, 3, 6, "r1\rr2", "z", NULL);
    check_row(f, 4, 8, "last", "w", NULL);
    assert_int_equal(f->blank, 0);
}

static void test_csvin_several_breaks_in_one_field(void **state)
{
    struct fixture *f = *state;
    /* The field spans lines 2-6: LF, CRLF, CR, LF (CR then LF inside a field is one CRLF). */
    put(f, "a,b\n\"1\n2\r\n3\r4\n5\",x\r\nnext,y\r\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 1, 2, "1\n2\r\n3\r4\n5", "x", NULL);
    check_row(f, 2, 7, "next", "y", NULL);
}

/* ---- Line ends and record lines ------------------------------------------ */

static void check_three_lines(struct fixture *f, const char *text)
{
    put(f, text);
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 0, 1, "h1", "h2", NULL);
    check_row(f, 1, 2, "a", "1", NULL);
    check_row(f, 2, 3, "b", "2", NULL);
    assert_int_equal(f->blank, 0);
}

static void test_csvin_line_ends_lf(void **state)
{
    check_three_lines(*state, "h1,h2\na,1\nb,2\n");
}

static void test_csvin_line_ends_crlf(void **state)
{
    check_three_lines(*state, "h1,h2\r\na,1\r\nb,2\r\n");
}

static void test_csvin_line_ends_cr(void **state)
{
    check_three_lines(*state, "h1,h2\ra,1\rb,2\r");
}

static void test_csvin_line_ends_mixed(void **state)
{
    check_three_lines(*state, "h1,h2\r\na,1\rb,2\n");
}

static void test_csvin_record_lines_lf(void **state)
{
    struct fixture *f = *state;
    /* 1 header, 2 blank, 3 x, 4-6 multi-line record, 7 blank, 8 blank, 9 y, 10 z. */
    put(f, "a,b\n\nx,1\n\"m\nu\nl\",2\n\n\ny,3\nz,4\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 5);
    check_row(f, 0, 1, "a", "b", NULL);
    check_row(f, 1, 3, "x", "1", NULL);
    check_row(f, 2, 4, "m\nu\nl", "2", NULL);
    check_row(f, 3, 9, "y", "3", NULL);
    check_row(f, 4, 10, "z", "4", NULL);
    assert_int_equal(f->blank, 3);
}

static void test_csvin_record_lines_crlf(void **state)
{
    struct fixture *f = *state;
    /* The same layout with CRLF everywhere, inside the quoted field too. */
    put(f, "a,b\r\n\r\nx,1\r\n\"m\r\nu\r\nl\",2\r\n\r\n\r\ny,3\r\nz,4\r\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 5);
    check_row(f, 0, 1, "a", "b", NULL);
    check_row(f, 1, 3, "x", "1", NULL);
    check_row(f, 2, 4, "m\r\nu\r\nl", "2", NULL);
    check_row(f, 3, 9, "y", "3", NULL);
    check_row(f, 4, 10, "z", "4", NULL);
    assert_int_equal(f->blank, 3);
}

static void test_csvin_record_lines_cr(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b\r\rx,1\r\"m\ru\rl\",2\r\r\ry,3\rz,4\r");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 5);
    check_row(f, 1, 3, "x", "1", NULL);
    check_row(f, 2, 4, "m\ru\rl", "2", NULL);
    check_row(f, 3, 9, "y", "3", NULL);
    check_row(f, 4, 10, "z", "4", NULL);
    assert_int_equal(f->blank, 3);
}

static void test_csvin_blank_lines_before_header(void **state)
{
    struct fixture *f = *state;
    put(f, "\n\r\na,b\nx,y\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 2);
    check_row(f, 0, 3, "a", "b", NULL);
    check_row(f, 1, 4, "x", "y", NULL);
    assert_int_equal(f->blank, 2);
}

static void test_csvin_blank_lines_counted_not_handed_out(void **state)
{
    struct fixture *f = *state;
    /* Blank lines in the middle and at the end; a line holding a space is a record. */
    put(f, "a\n\n\nb\n \n\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 0, 1, "a", NULL);
    check_row(f, 1, 4, "b", NULL);
    check_row(f, 2, 5, " ", NULL);
    assert_int_equal(f->blank, 3);
}

static void test_csvin_line_numbers_across_chunks(void **state)
{
    struct fixture *f = *state;
    /* About 3 MiB of CRLF rows, so that chunk boundaries fall everywhere, some between a CR
     * and its LF; every fifth row carries a quoted line break. */
    enum { ROWS = 200000 };
    size_t cap = (size_t)ROWS * 24 + 64, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)sprintf(text + n, "id,v\r\n");
    for (unsigned i = 0; i < ROWS; i++) {
        if (i % 5 == 4)
            n += (size_t)sprintf(text + n, "%u,\"p\r\nq\"\r\n", i);
        else
            n += (size_t)sprintf(text + n, "%u,v%u\r\n", i, i % 7);
    }
    write_bytes(f->path, text, n);
    free(text);
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, ROWS + 1);
    uint64_t line = 2;
    for (unsigned i = 0; i < ROWS; i++) {
        const struct row *r = &f->rows[i + 1];
        char want[16];
        snprintf(want, sizeof want, "%u", i);
        if (r->n != 2 || strcmp(r->f[0], want) != 0 || r->line != line)
            fail_msg("row %u: %zu fields, first '%s', line %llu; want '%s' on line %llu", i, r->n,
                     r->f[0], (unsigned long long)r->line, want, (unsigned long long)line);
        line += i % 5 == 4 ? 2 : 1;
    }
    assert_int_equal(f->blank, 0);
}

/* ---- BOM, sniffing, explicit delimiter ------------------------------------ */

static void test_csvin_bom_skipped(void **state)
{
    struct fixture *f = *state;
    put(f, "\xEF\xBB\xBF"
           "case;act\nx;y\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, ';');
    assert_int_equal(f->nrows, 2);
    check_row(f, 0, 1, "case", "act", NULL);
    check_row(f, 1, 2, "x", "y", NULL);
}

static void test_csvin_bom_not_skipped_later(void **state)
{
    struct fixture *f = *state;
    /* Only a BOM at the very start is a BOM; elsewhere its bytes are data. */
    put(f, "a,b\n\xEF\xBB\xBFx,y\n");
    assert_int_equal(read_file(f), JM_OK);
    check_row(f, 1, 2, "\xEF\xBB\xBFx", "y", NULL);
}

static void test_csvin_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        char want;
    } cases[] = {
        {"a,b,c", ','},
        {"a;b;c", ';'},
        {"a\tb\tc", '\t'},
        {"a|b|c", '|'},
        {"a;b;c,d", ';'},         /* most often wins */
        {"a|b|c;d;e,f", ';'},     /* | and ; both twice: the tie goes to ; */
        {"\"a,b,c,d\";x;y", ';'}, /* commas inside quotes are not counted */
        {"\"a;b;c\"|\"d;e\"|f", '|'},
        {"a,b;c", ','},   /* ties: , before ; */
        {"a;b\tc", ';'},  /* ; before TAB */
        {"a\tb|c", '\t'}, /* TAB before | */
        {"a,b;c\td|e", ','},
        {"a;b|c|d;e", ';'},
        {"abc", ','}, /* none at all */
        {"", ','},
        {"\"x|y\",z", ','},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got = jm__csv_sniff(cases[i].line, strlen(cases[i].line));
        char want = cases[i].want;
        if (got != want)
            fail_msg("sniff '%s': got '%c' (%d), want '%c' (%d)", cases[i].line, got, got, want,
                     want);
    }
}

static void test_csvin_sniff_while_reading(void **state)
{
    struct fixture *f = *state;
    put(f, "a;b;c\n1;2,5;3\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, ';');
    check_row(f, 0, 1, "a", "b", "c", NULL);
    check_row(f, 1, 2, "1", "2,5", "3", NULL);

    put(f, "a\tb\tc\n1\t2,x;y\t3\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, '\t');
    check_row(f, 1, 2, "1", "2,x;y", "3", NULL);

    put(f, "a|b\n1|2\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, '|');
    check_row(f, 1, 2, "1", "2", NULL);

    /* The quoted header name holds three commas; the delimiter is ';'. */
    put(f, "\"x,y,z,w\";b\n1;2\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, ';');
    check_row(f, 0, 1, "x,y,z,w", "b", NULL);

    /* Sniffed from the header only: the rows' commas do not count. */
    put(f, "a;b\n1,1,1,1;2\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, ';');
    check_row(f, 1, 2, "1,1,1,1", "2", NULL);

    /* Sniffed after a BOM and leading blank lines. */
    put(f, "\xEF\xBB\xBF\n\na|b,c|d\n1|2|3\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, '|');
    check_row(f, 0, 3, "a", "b,c", "d", NULL);
}

static void test_csvin_explicit_delimiter(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b;c\n1,2;3\n");
    assert_int_equal(read_opts(f, ';', 1024), JM_OK);
    assert_int_equal(f->delim, ';');
    check_row(f, 0, 1, "a,b", "c", NULL);
    check_row(f, 1, 2, "1,2", "3", NULL);

    put(f, "a,b,c\n1,2,3\n");
    assert_int_equal(read_opts(f, '|', 1024), JM_OK);
    assert_int_equal(f->delim, '|');
    check_row(f, 0, 1, "a,b,c", NULL);
}

/* ---- Field bytes ------------------------------------------------------------ */

static void test_csvin_spaces_kept(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b,c\n x , y,\" q \"\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 2);
    assert_int_equal(f->rows[1].n, 3);
    assert_string_equal(f->rows[1].f[0], " x ");
    assert_string_equal(f->rows[1].f[1], " y");
    /* Inside the quotes the spaces are data. */
    assert_memory_equal(f->rows[1].f[2], " q ", 3);
}

static void test_csvin_nul_and_invalid_utf8_kept(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "a,b,c\nx\0y,\xff\xfe\xc0\xaf,\"q\0\x80\"\n";
    write_bytes(f->path, text, sizeof text - 1);
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 2);
    const struct row *r = &f->rows[1];
    assert_int_equal(r->n, 3);
    assert_int_equal(r->len[0], 3);
    assert_memory_equal(r->f[0], "x\0y", 3);
    assert_int_equal(r->len[1], 4);
    assert_memory_equal(r->f[1], "\xff\xfe\xc0\xaf", 4);
    assert_int_equal(r->len[2], 3);
    assert_memory_equal(r->f[2], "q\0\x80", 3);
    assert_int_equal(r->line, 2);
}

static void test_csvin_field_limit(void **state)
{
    struct fixture *f = *state;
    /* Limit 4: "abcd" fits, "abcde" does not; only the first long field is named. */
    put(f, "a,b,c\nabcd,abcde,x\nabcdef,y,abcdefg\nok,\"ab\ncd\",z\n\"ab\"\"cd\",1,2\n");
    assert_int_equal(read_opts(f, 0, 4), JM_OK);
    assert_int_equal(f->nrows, 5);
    assert_int_equal(f->rows[0].too_long, 0);
    assert_int_equal(f->rows[1].too_long, 2);
    assert_int_equal(f->rows[2].too_long, 1);
    assert_int_equal(f->rows[3].too_long, 2); /* "ab\ncd" is 5 bytes */
    assert_int_equal(f->rows[4].too_long, 1); /* ab"cd is 5 bytes once unquoted */
    /* The long fields are still handed out whole. */
    check_row(f, 1, 2, "abcd", "abcde", "x", NULL);
    check_row(f, 3, 4, "ok", "ab\ncd", "z", NULL);
    check_row(f, 4, 6, "ab\"cd", "1", "2", NULL);
    /* The next row's flag starts again at 0. */
    put(f, "a,b\nabcdefgh,x\ny,z\n");
    assert_int_equal(read_opts(f, 0, 4), JM_OK);
    assert_int_equal(f->rows[1].too_long, 1);
    assert_int_equal(f->rows[2].too_long, 0);
}

static void test_csvin_no_trailing_newline(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b\nx,y\nlast,z");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 2, 3, "last", "z", NULL);

    put(f, "a,b\r\nx,\"q\r\nr\"");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 2);
    check_row(f, 1, 2, "x", "q\r\nr", NULL);

    put(f, "a,b");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 1);
    check_row(f, 0, 1, "a", "b", NULL);
}

static void test_csvin_empty_fields(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b,c\n,,\n\"\",x,\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 1, 2, "", "", "", NULL);
    check_row(f, 2, 3, "", "x", "", NULL);
}

/* ---- Broken files --------------------------------------------------------- */

static void test_csvin_empty_file(void **state)
{
    struct fixture *f = *state;
    put(f, "");
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "no header"));
    assert_non_null(strstr(f->err, "NAME"));
    assert_int_equal(f->nrows, 0);
}

static void test_csvin_bom_only_file(void **state)
{
    struct fixture *f = *state;
    put(f, "\xEF\xBB\xBF");
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "no header"));
    assert_int_equal(f->nrows, 0);
}

static void test_csvin_blank_lines_only_file(void **state)
{
    struct fixture *f = *state;
    put(f, "\xEF\xBB\xBF\r\n\n");
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "no header"));
    assert_int_equal(f->nrows, 0);
}

static void test_csvin_header_without_rows(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b\n");
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->nrows, 1);
    check_row(f, 0, 1, "a", "b", NULL);
}

static void check_open_quote(struct fixture *f, const char *text, unsigned line)
{
    put(f, text);
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    char want[32];
    snprintf(want, sizeof want, "NAME:%u: ", line);
    if (strncmp(f->err, want, strlen(want)) != 0)
        fail_msg("message '%s' does not start with '%s'", f->err, want);
}

static void test_csvin_unterminated_quote(void **state)
{
    struct fixture *f = *state;
    check_open_quote(f, "a,b\nx,y\nz,\"open\nmore\n", 3);
    /* After a multi-line record and a blank line: the open record starts on line 6. */
    check_open_quote(f, "a,b\n\"m\nl\",1\n\nx,y\nz,\"open", 6);
    /* CRLF, and the quote opened in the first field. */
    check_open_quote(f, "a,b\r\nx,y\r\n\"open,\r\n\r\nstill\r\n", 3);
    /* A doubled quote at the end does not close the field. */
    check_open_quote(f, "a,b\nx,\"ab\"\"", 2);
    /* In the header. */
    check_open_quote(f, "\"a,b\nx,y\n", 1);
}

/* ---- Gzip ----------------------------------------------------------------- */

static const char gz_text[] = "case,act\r\n"
                              "c1,\"multi\nline\"\r\n"
                              "\r\n"
                              "c2,\"x,y\"\r\n"
                              "c3,last";

static void check_gz_rows(const struct fixture *f)
{
    assert_int_equal(f->nrows, 4);
    check_row(f, 0, 1, "case", "act", NULL);
    check_row(f, 1, 2, "c1", "multi\nline", NULL);
    check_row(f, 2, 5, "c2", "x,y", NULL);
    check_row(f, 3, 6, "c3", "last", NULL);
    assert_int_equal(f->blank, 1);
    assert_int_equal(f->delim, ',');
}

static void test_csvin_gzip_same_as_plain(void **state)
{
    struct fixture *f = *state;
    put(f, gz_text);
    assert_int_equal(read_file(f), JM_OK);
    check_gz_rows(f);
    write_gzip(f->path, "wb", gz_text, strlen(gz_text));
    assert_int_equal(read_file(f), JM_OK);
    check_gz_rows(f);
}

static void test_csvin_gzip_with_bom(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "\xEF\xBB\xBF"
                               "case;act\r\nx;y\r\n";
    write_gzip(f->path, "wb", text, sizeof text - 1);
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, ';');
    assert_int_equal(f->nrows, 2);
    check_row(f, 0, 1, "case", "act", NULL);
    check_row(f, 1, 2, "x", "y", NULL);
}

static void test_csvin_gzip_corrupt(void **state)
{
    struct fixture *f = *state;
    /* Damage the deflate data in the middle: an error naming a byte offset, not silence. */
    enum { ROWS = 5000 };
    size_t cap = (size_t)ROWS * 32 + 64, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)sprintf(text + n, "a,b\n");
    for (unsigned i = 0; i < ROWS; i++)
        n += (size_t)sprintf(text + n, "%u,%u\n", i, i * 2654435761u);
    write_gzip(f->path, "wb", text, n);
    free(text);
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    for (long at = 40; at < size - 40; at += size / 16) {
        fseek(fp, at, SEEK_SET);
        fputc(0xff, fp);
        fputc(0x00, fp);
        fputc(0xff, fp);
    }
    fclose(fp);
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "byte"));
}

static void test_csvin_gzip_two_members(void **state)
{
    struct fixture *f = *state;
    /* Split inside a quoted field, as `cat a.gz b.gz` of two halves would be. */
    size_t half = 15;
    write_gzip(f->path, "wb", gz_text, half);
    write_gzip(f->path, "ab", gz_text + half, strlen(gz_text) - half);
    assert_int_equal(read_file(f), JM_OK);
    check_gz_rows(f);
}

static void test_csvin_gzip_large(void **state)
{
    struct fixture *f = *state;
    /* Several MiB of inflated text: more than one read of the source and of the parser. */
    enum { ROWS = 300000 };
    size_t cap = (size_t)ROWS * 24 + 64, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)sprintf(text + n, "id|v\n");
    for (unsigned i = 0; i < ROWS; i++)
        n += (size_t)sprintf(text + n, "%u|value %u\n", i, i * 7919u % 1000u);
    write_gzip(f->path, "wb", text, n);
    free(text);
    assert_int_equal(read_file(f), JM_OK);
    assert_int_equal(f->delim, '|');
    assert_int_equal(f->nrows, ROWS + 1);
    for (unsigned i = 0; i < ROWS; i += 997) {
        char a[16], b[32];
        snprintf(a, sizeof a, "%u", i);
        snprintf(b, sizeof b, "value %u", i * 7919u % 1000u);
        check_row(f, i + 1, i + 2, a, b, NULL);
    }
}

static void truncate_file(const char *path, size_t drop)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = malloc(1 << 22);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 1 << 22, fp);
    fclose(fp);
    assert_true(n > drop);
    write_bytes(path, buf, n - drop);
    free(buf);
}

static void test_csvin_gzip_truncated(void **state)
{
    struct fixture *f = *state;
    /* Incompressible-ish content so that the deflate data is long. */
    enum { ROWS = 20000 };
    size_t cap = (size_t)ROWS * 32 + 64, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)sprintf(text + n, "a,b\n");
    uint32_t x = 12345;
    for (unsigned i = 0; i < ROWS; i++) {
        x = x * 1103515245u + 12345u;
        n += (size_t)sprintf(text + n, "%u,%08x\n", i, x);
    }
    /* Cut in the middle of the deflate data. */
    write_gzip(f->path, "wb", text, n);
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    truncate_file(f->path, (size_t)size / 2);
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "byte"));
    assert_non_null(strstr(f->err, "truncated"));

    /* Cut in the trailer only: every byte of text inflates, but the stream never ends. */
    write_gzip(f->path, "wb", text, n);
    truncate_file(f->path, 3);
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "byte"));
    assert_non_null(strstr(f->err, "truncated"));
    free(text);

    /* Only the magic bytes. */
    write_bytes(f->path, "\x1f\x8b", 2);
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_non_null(f->err);
    assert_non_null(strstr(f->err, "truncated"));
}

/* Everything a gzip source yields before its end or its error, read `step` bytes at a time
 * (threaded: inflated on a thread of its own). *failed tells whether it ended in an error. */
static char *drain_source(const char *path, size_t step, bool threaded, size_t *len, bool *failed)
{
    char *err = NULL;
    jm__source *src = jm__source_open(path, &err);
    assert_non_null(src);
    if (threaded)
        assert_true(jm__source_thread(src));
    size_t cap = 1 << 16, n = 0;
    char *all = malloc(cap);
    char *buf = malloc(step);
    ssize_t k;
    while ((k = jm__source_read(src, buf, step, &err)) > 0) {
        if (n + (size_t)k > cap) {
            cap = (n + (size_t)k) * 2;
            all = realloc(all, cap);
        }
        memcpy(all + n, buf, (size_t)k);
        n += (size_t)k;
    }
    *failed = k < 0;
    if (k < 0)
        assert_non_null(strstr(err, "truncated gzip data"));
    free(err);
    free(buf);
    jm__source_close(src);
    *len = n;
    return all;
}

/* The inflater may take in more than it has room to write out (ISA-L does): the bytes a gzip
 * yields must not depend on how much is asked for at a time, or on the thread, whole or cut
 * short; a whole file is read whole. */
static void test_csvin_gzip_read_sizes_agree(void **state)
{
    struct fixture *f = *state;
    enum { ROWS = 20000 };
    size_t cap = (size_t)ROWS * 48, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (unsigned i = 0; i < ROWS; i++)
        n += (size_t)sprintf(text + n, "C%u,step %u,2024-01-01T00:%02u:00Z\n", i % 97, i % 7,
                             i % 60);
    write_gzip(f->path, "wb", text, n);
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    size_t gz = (size_t)ftell(fp);
    fclose(fp);
    static const size_t steps[] = {1, 100, 4096, 1 << 20};
    for (int cut = 0; cut <= 8; cut++) {
        /* cut 0: the whole file; then cut short at eight points. */
        if (cut > 0)
            truncate_file(f->path, cut == 1 ? 1 : gz / 9);
        size_t len0 = 0;
        bool failed0 = false;
        char *first = drain_source(f->path, 1 << 20, true, &len0, &failed0);
        if (cut == 0) {
            assert_false(failed0);
            assert_int_equal(len0, n);
            assert_memory_equal(first, text, n);
        } else {
            assert_true(failed0);
        }
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            size_t len = 0;
            bool failed = false;
            char *got = drain_source(f->path, steps[s], false, &len, &failed);
            if (len != len0 || failed != failed0)
                fail_msg("cut %d, %zu bytes at a time: %zu bytes%s, on a thread %zu%s", cut,
                         steps[s], len, failed ? " then an error" : "", len0,
                         failed0 ? " then an error" : "");
            assert_memory_equal(got, first, len);
            free(got);
        }
        free(first);
        if (cut == 1)
            gz -= 1;
        else if (cut > 1)
            gz -= gz / 9;
    }
    free(text);
}

/* ---- The push parser underneath -------------------------------------------- */

/* Feed text in pieces of step bytes (0: all at once) to a fresh parser. */
static jm_status feed_pieces(struct fixture *f, const char *text, size_t n, size_t step,
                             uint64_t first_line)
{
    clear_rows(f);
    jm__csv_opts opt = {.field_limit = 4};
    jm__csv *c = jm__csv_new(',', &opt, collect, f, first_line);
    jm_status st = JM_OK;
    size_t piece = step ? step : n;
    for (size_t i = 0; i < n && st == JM_OK; i += piece)
        st = jm__csv_feed(c, text + i, n - i < piece ? n - i : piece);
    if (st == JM_OK) st = jm__csv_finish(c, "NAME", &f->err);
    f->blank = jm__csv_blank(c);
    jm__csv_free(c);
    return st;
}

static void test_csvin_push_any_split(void **state)
{
    struct fixture *f = *state;
    /* Lines: 1 a,b; 2 blank (CRLF); 3-4 quoted CRLF; 5 blank (CR); 6-7 quoted LF with doubled
     * quotes; 8 x,y (CR); 9 "long" field; 10 last, no line end. */
    static const char text[] = "a,b\r\n"
                               "\r\n"
                               "\"p\r\nq\",1\r\n"
                               "\r"
                               "\"say \"\"hi\"\"\n\",2\n"
                               "x,y\r"
                               "abcde,3\n"
                               "last,\"z\"";
    static const size_t steps[] = {0, 1, 2, 3, 4, 5, 7, 11, 13};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        jm_status st = feed_pieces(f, text, sizeof text - 1, steps[s], 1);
        if (st != JM_OK) fail_msg("pieces of %zu: status %d", steps[s], st);
        if (f->nrows != 6) fail_msg("pieces of %zu: %zu rows", steps[s], f->nrows);
        check_row(f, 0, 1, "a", "b", NULL);
        check_row(f, 1, 3, "p\r\nq", "1", NULL);
        check_row(f, 2, 6, "say \"hi\"\n", "2", NULL);
        check_row(f, 3, 8, "x", "y", NULL);
        check_row(f, 4, 9, "abcde", "3", NULL);
        check_row(f, 5, 10, "last", "z", NULL);
        assert_int_equal(f->rows[4].too_long, 1);
        assert_int_equal(f->rows[5].too_long, 0);
        if (f->blank != 2)
            fail_msg("pieces of %zu: %llu blank lines, want 2", steps[s],
                     (unsigned long long)f->blank);
    }
}

static void test_csvin_push_first_line(void **state)
{
    struct fixture *f = *state;
    /* A parser taking over in the middle of a file counts from the line it is given. */
    static const char text[] = "x,1\n\"a\nb\",2\n\ny,3\n";
    assert_int_equal(feed_pieces(f, text, sizeof text - 1, 0, 41), JM_OK);
    assert_int_equal(f->nrows, 3);
    check_row(f, 0, 41, "x", "1", NULL);
    check_row(f, 1, 42, "a\nb", "2", NULL);
    check_row(f, 2, 45, "y", "3", NULL);
    assert_int_equal(f->blank, 1);
}

static void test_csvin_push_open_quote(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "x,1\n\"a\nb,2\n";
    assert_int_equal(feed_pieces(f, text, sizeof text - 1, 3, 7), JM_EINPUT);
    assert_non_null(f->err);
    assert_true(strncmp(f->err, "NAME:8: ", 8) == 0);
}

static void test_csvin_push_at_boundary(void **state)
{
    struct fixture *f = *state;
    jm__csv_opts opt = {.field_limit = 100};
    jm__csv *c = jm__csv_new(',', &opt, collect, f, 1);
    assert_true(jm__csv_at_boundary(c));
    assert_int_equal(jm__csv_feed(c, "a,b\n", 4), JM_OK);
    assert_true(jm__csv_at_boundary(c));
    assert_int_equal(jm__csv_feed(c, "x,", 2), JM_OK);
    assert_false(jm__csv_at_boundary(c));
    assert_int_equal(jm__csv_feed(c, "y\n\"q", 4), JM_OK);
    assert_false(jm__csv_at_boundary(c));
    assert_int_equal(jm__csv_feed(c, "\n", 1), JM_OK); /* inside the quotes */
    assert_false(jm__csv_at_boundary(c));
    assert_int_equal(jm__csv_feed(c, "\",z\n", 4), JM_OK);
    assert_true(jm__csv_at_boundary(c));
    assert_int_equal(jm__csv_finish(c, "NAME", &f->err), JM_OK);
    jm__csv_free(c);
    jm__csv_free(NULL);
    assert_int_equal(f->nrows, 3);
    check_row(f, 2, 3, "q\n", "z", NULL);
}

static void test_csvin_line_ends(void **state)
{
    (void)state;
    assert_int_equal(jm__csv_line_ends("", 0, 0), 0);
    assert_int_equal(jm__csv_line_ends("abc", 3, 0), 0);
    assert_int_equal(jm__csv_line_ends("a\nb\r\nc\rd", 9, 0), 3);
    assert_int_equal(jm__csv_line_ends("\r\n\r\n", 4, 0), 2);
    assert_int_equal(jm__csv_line_ends("\r\r\n\n", 4, 0), 3);
    /* A CR at the end: a LF next completes it (counted with that LF), anything else ends it. */
    assert_int_equal(jm__csv_line_ends("a\r", 2, '\n'), 0);
    assert_int_equal(jm__csv_line_ends("a\r", 2, 'b'), 1);
    assert_int_equal(jm__csv_line_ends("a\r", 2, 0), 1);
}

/* A header with no end within JM_HEADER_MAX bytes is refused, naming its line; one that ends
 * within it is taken, however long the buffer; a quote open across the cap counts as no end. */
static void test_csvin_head_too_long(void **state)
{
    (void)state;
    size_t n = JM_HEADER_MAX + 2;
    char *buf = malloc(n);
    assert_non_null(buf);
    memset(buf, 'h', n);
    memcpy(buf, "\n\r\ncase,", 7); /* two blank lines: the header is on line 3 */
    jm__csv_head_info h;
    memset(&h, 0, sizeof h);
    assert_false(jm__csv_head_more(buf, 0, JM_HEADER_MAX, false, 0, 0, &h));
    assert_false(h.too_long);
    assert_true(jm__csv_head_more(buf, JM_HEADER_MAX, n, false, 0, 0, &h));
    assert_true(h.too_long);
    char *msg = jm__csv_head_error("f.csv", buf, n, 0);
    assert_non_null(strstr(msg, "f.csv:3: the header line is longer than 16 MiB"));
    free(msg);

    /* A quote never closed: the line ends below are inside it. */
    buf[7] = '"';
    buf[100] = '\n';
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head_more(buf, JM_HEADER_MAX, n, false, 0, 0, &h));
    assert_true(h.too_long);

    /* The header ends early (all bytes new to the call): taken, not too long. */
    buf[7] = 'x';
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head_more(buf, 0, n, false, 0, 0, &h));
    assert_false(h.too_long);
    assert_int_equal(h.data, 101);
    free(buf);
}

static void test_csvin_head(void **state)
{
    (void)state;
    jm__csv_head_info h;
    /* Not whole yet: no line end, or a CR whose LF may follow. */
    assert_false(jm__csv_head("a,b", 3, false, 0, 0, &h));
    assert_false(jm__csv_head("a,b\r", 4, false, 0, 0, &h));
    assert_false(jm__csv_head("\"a\nb\",c", 8, false, 0, 0, &h));

    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head("a,b\r\nx", 6, false, 0, 0, &h));
    assert_false(h.empty);
    assert_int_equal(h.skip, 0);
    assert_int_equal(h.delim, ',');
    assert_int_equal(h.data, 5);
    assert_int_equal(h.data_line, 2);

    /* BOM, blank lines, a quoted line break in the header, ';' */
    static const char t[] = "\xEF\xBB\xBF\n\r\n\"a\nb\";c;d\nx";
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head(t, sizeof t - 1, false, 0, 0, &h));
    assert_false(h.empty);
    assert_int_equal(h.skip, 3);
    assert_int_equal(h.delim, ';');
    assert_int_equal(h.data, sizeof t - 2);
    assert_int_equal(h.data_line, 5); /* blank 1, blank 2, header 3-4, data 5 */

    /* An explicit delimiter is kept. */
    assert_true(jm__csv_head("a;b,c\n", 6, true, '|', 0, &h));
    assert_int_equal(h.delim, '|');

    /* At the end of the file the header needs no line end. */
    assert_true(jm__csv_head("a|b", 3, true, 0, 0, &h));
    assert_false(h.empty);
    assert_int_equal(h.delim, '|');

    /* No header at all. */
    static const char *const empty[] = {"", "\xEF\xBB\xBF", "\r\n\n", "\xEF\xBB\xBF\r"};
    for (size_t i = 0; i < 4; i++) {
        memset(&h, 0, sizeof h);
        assert_true(jm__csv_head(empty[i], strlen(empty[i]), true, 0, 0, &h));
        assert_true(h.empty);
    }
}

/* --skip-lines and Excel's sep= line: physical lines before the header, quotes or not. */
static void test_csvin_head_skip_and_sep(void **state)
{
    (void)state;
    jm__csv_head_info h;
    /* Two lines skipped (a quote in a title does not open a field), CRLF and a lone CR. */
    static const char t[] = "Report \"Q3\r\nmade today\rcase;b,c,d\nx";
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head(t, sizeof t - 1, false, 0, 2, &h));
    assert_int_equal(h.skip, 23);
    assert_int_equal(h.skip_line, 3);
    assert_int_equal(h.sep, 0);
    assert_int_equal(h.delim, ','); /* sniffed from the header: 3 commas, 1 semicolon */
    assert_int_equal(h.data_line, 4);
    /* Not yet whole: the skipped lines, or a CR a LF may follow. */
    assert_false(jm__csv_head(t, 10, false, 0, 2, &h));
    assert_false(jm__csv_head(t, 16, false, 0, 2, &h));
    /* Fewer lines than skipped: no header. */
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head(t, sizeof t - 1, true, 0, 5, &h));
    assert_true(h.empty);

    /* sep=; sets the delimiter over the sniff, and is skipped without --skip-lines. */
    static const char s[] = "\xEF\xBB\xBFsep=;\r\ncase;b,c,d\nx";
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head(s, sizeof s - 1, false, 0, 0, &h));
    assert_int_equal(h.sep, ';');
    assert_int_equal(h.delim, ';');
    assert_int_equal(h.skip, 3 + 7);
    assert_int_equal(h.skip_line, 2);
    assert_int_equal(h.data_line, 3);
    /* With --skip-lines 1 the sep= line is the line skipped, and still sets the delimiter. */
    memset(&h, 0, sizeof h);
    assert_true(jm__csv_head(s, sizeof s - 1, false, 0, 1, &h));
    assert_int_equal(h.delim, ';');
    assert_int_equal(h.skip_line, 2);
    /* --delimiter wins over sep=. */
    assert_true(jm__csv_head(s, sizeof s - 1, false, '|', 0, &h));
    assert_int_equal(h.delim, '|');
    /* Not a sep= line: longer, or a quote. */
    static const char *const no[] = {"sep=;;\na,b\n", "sep=\"\na,b\n", "sep=\na,b\n"};
    for (size_t i = 0; i < 3; i++) {
        memset(&h, 0, sizeof h);
        assert_true(jm__csv_head(no[i], strlen(no[i]), true, 0, 0, &h));
        assert_int_equal(h.sep, 0);
        assert_int_equal(h.skip, 0);
    }
}

/* Rows equal byte for byte in every field have equal fingerprints; any change of a byte, or of
 * where a field ends, changes it (with these inputs). */
static uint64_t fps[16];
static size_t nfps;

static jm_status keep_fp(void *data, const jm__row *row)
{
    (void)data;
    if (nfps < 16)
        fps[nfps++] = row->fp;
    return JM_OK;
}

static void test_csvin_fingerprint(void **state)
{
    (void)state;
    /* 0-1 equal (quotes are not field bytes); 2: one byte differs in a field of 20 bytes; 3: a
     * field boundary moved; 4: fields swapped; 5: equal to 0 but for an empty last field; 6: the
     * last byte of a long field; and the same with 'keep' leaving columns uncopied (every field is hashed all the same). */
    static const char in[] = "1,abcdefghijklmnopqrst,x\n"
                             "\"1\",abcdefghijklmnopqrst,\"x\"\n"
                             "1,abcdefghijklmnopqrsT,x\n"
                             "1,abcdefghijklmnopqrs,tx\n"
                             "abcdefghijklmnopqrst,1,x\n"
                             "1,abcdefghijklmnopqrst,x,\n"
                             "1,abcdefghijklmnopqrst,y\n";
    bool keep[3] = {true, false, false};
    uint64_t first[7] = {0};
    for (int pass = 0; pass < 2; pass++) {
        jm__csv_opts o = {.field_limit = 1 << 20, .key_col = SIZE_MAX, .fingerprint = true};
        if (pass == 1) {
            o.keep = keep;
            o.nkeep = 3;
        }
        nfps = 0;
        jm__csv *c = jm__csv_new(',', &o, keep_fp, NULL, 1);
        assert_int_equal(jm__csv_feed(c, in, sizeof in - 1), JM_OK);
        char *err = NULL;
        assert_int_equal(jm__csv_finish(c, "t", &err), JM_OK);
        jm__csv_free(c);
        assert_int_equal(nfps, 7);
        for (size_t i = 0; i < 7; i++) {
            if (pass == 0)
                first[i] = fps[i];
            else
                assert_true(fps[i] == first[i]);
        }
        assert_true(fps[0] == fps[1]);
        for (size_t i = 2; i < 7; i++)
            for (size_t j = 0; j < i; j++)
                if (fps[i] == fps[j] && !(j == 0 && i == 1))
                    fail_msg("rows %zu and %zu share a fingerprint", j, i);
    }
    /* Without the option, no fingerprint. */
    jm__csv_opts o = {.field_limit = 1 << 20, .key_col = SIZE_MAX};
    nfps = 0;
    jm__csv *c = jm__csv_new(',', &o, keep_fp, NULL, 1);
    assert_int_equal(jm__csv_feed(c, in, sizeof in - 1), JM_OK);
    jm__csv_free(c);
    assert_true(nfps > 0 && fps[0] == 0);
}

/* ---- Callback status ------------------------------------------------------ */

static void test_csvin_callback_stops(void **state)
{
    struct fixture *f = *state;
    put(f, "a,b\n1,2\n3,4\n5,6\n7,8\n");
    f->stop_after = 2;
    f->stop_status = JM_EREJECTS;
    assert_int_equal(read_file(f), JM_EREJECTS);
    assert_int_equal(f->nrows, 2);

    /* Stopping on the header stops everything. */
    f->stop_after = 1;
    f->stop_status = JM_EUSAGE;
    assert_int_equal(read_file(f), JM_EUSAGE);
    assert_int_equal(f->nrows, 1);

    /* Stopping on the last record, which has no newline, still returns the status. */
    put(f, "a,b\n1,2\n3,4");
    f->stop_after = 3;
    f->stop_status = JM_EINPUT;
    assert_int_equal(read_file(f), JM_EINPUT);
    assert_int_equal(f->nrows, 3);
}

/* ---- When libcsv may test spaces itself ---------------------------------- */

/* Fields and record ends, serialised: what a parse read. */
struct sink {
    char *s;
    size_t n, cap;
};

static void sink_put(struct sink *k, const void *p, size_t n)
{
    if (k->n + n > k->cap) {
        k->cap = (k->n + n) * 2;
        k->s = realloc(k->s, k->cap);
        assert_non_null(k->s);
    }
    memcpy(k->s + k->n, p, n);
    k->n += n;
}

static jm_status sink_row(void *data, const jm__row *row)
{
    struct sink *k = data;
    for (size_t i = 0; i < row->n; i++) {
        sink_put(k, &row->len[i], sizeof row->len[i]);
        sink_put(k, row->f[i], row->len[i]);
    }
    sink_put(k, "|", 1);
    return JM_OK;
}

/* Parse n bytes at text with delimiter delim into k: keeping every byte all along (the
 * reference), or as jm__csv_feed chooses, fed in pieces of step bytes (0: all at once). Returns
 * whether libcsv was testing spaces inline at the end. */
static bool parse_into(struct sink *k, const char *text, size_t n, char delim, bool reference,
                       size_t step)
{
    k->n = 0;
    jm__csv_opts opt = {.field_limit = SIZE_MAX};
    jm__csv *c = jm__csv_new(delim, &opt, sink_row, k, 1);
    if (reference)
        jm__csv_keep_every_byte(c);
    size_t piece = step ? step : n;
    for (size_t i = 0; i < n; i += piece)
        jm__csv_feed(c, text + i, n - i < piece ? n - i : piece);
    bool fast = jm__csv_spaces_inline(c);
    char *err = NULL;
    jm_status st = jm__csv_finish(c, "NAME", &err);
    free(err);
    sink_put(k, &st, sizeof st);
    jm__csv_free(c);
    return fast;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* A well-formed record set: unquoted fields with no space or tab at either end, quoted fields
 * holding anything (quotes doubled), any line ends. */
static size_t well_formed(char *out, size_t cap, char delim, uint64_t *x)
{
    static const char inner[] = "ab \t,;\r\n";
    size_t n = 0;
    while (n + 40 < cap) {
        size_t fields = 1 + rnd(x) % 4;
        for (size_t f = 0; f < fields; f++) {
            if (f > 0)
                out[n++] = delim;
            size_t len = rnd(x) % 6;
            if (rnd(x) % 3 == 0) {
                out[n++] = '"';
                for (size_t i = 0; i < len; i++) {
                    char c = rnd(x) % 5 == 0 ? '"' : inner[rnd(x) % 8];
                    out[n++] = c;
                    if (c == '"')
                        out[n++] = '"';
                }
                out[n++] = '"';
            } else {
                for (size_t i = 0; i < len; i++) {
                    char c = i == 0 || i + 1 == len ? 'a' + (char)(rnd(x) % 3)
                                                    : "ab \t"[rnd(x) % 4];
                    out[n++] = c == delim ? 'c' : c;
                }
            }
        }
        static const char *const ends[] = {"\n", "\r\n", "\r"};
        const char *e = ends[rnd(x) % 3];
        memcpy(out + n, e, strlen(e));
        n += strlen(e);
    }
    return n;
}

static void test_csvin_spaces_untouched(void **state)
{
    (void)state;
    /* Whatever the bytes and however they are fed, the fields are those of a parser that keeps
     * every byte: libcsv itself is the oracle. Random bytes over the characters that matter,
     * and well-formed records, some with one byte changed, across the scan's 64-byte blocks;
     * the scan must take the well-formed ones whole. */
    static const char alphabet[] = "a \t,;\"\r\n";
    static const char delims[] = {',', ';', '\t', ' '};
    struct sink keep = {0}, fast = {0};
    char text[400];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    size_t inline_all_along = 0, with_quotes_and_spaces = 0;
    for (int round = 0; round < 40000; round++) {
        char delim = delims[round % 4];
        size_t n;
        bool intact = false;
        if (round % 2 == 0) {
            n = rnd(&x) % (round % 8 == 0 ? 300 : 70);
            for (size_t i = 0; i < n; i++)
                text[i] = alphabet[rnd(&x) % 8];
        } else {
            n = well_formed(text, 40 + rnd(&x) % 300, delim, &x);
            intact = round % 4 == 3;
            if (!intact && n > 0)
                text[rnd(&x) % n] = alphabet[rnd(&x) % 8];
        }
        size_t step = round % 3 == 0 ? 0 : 1 + rnd(&x) % 80;
        parse_into(&keep, text, n, delim, true, 0);
        bool was_inline = parse_into(&fast, text, n, delim, false, step);
        if (keep.n != fast.n || memcmp(keep.s, fast.s, keep.n) != 0)
            fail_msg("round %d, delimiter %d, pieces of %zu: the fields differ: %.*s", round,
                     delim, step, (int)n, text);
#if defined(__SSE2__) /* elsewhere jmine does not scan: every byte goes through its test */
        if (intact && !was_inline)
            fail_msg("round %d: well-formed records refused: %.*s", round, (int)n, text);
#endif
        if (intact && !jm__csv_spaces_untouched(text, n, delim))
            fail_msg("round %d: well-formed records refused whole: %.*s", round, (int)n, text);
        inline_all_along += was_inline;
        with_quotes_and_spaces += was_inline && memchr(text, '"', n) && memchr(text, ' ', n);
    }
#if defined(__SSE2__)
    assert_true(inline_all_along > 10000);
    assert_true(with_quotes_and_spaces > 5000);
#endif

    /* Every string of up to JM_EXHAUSTIVE (default 5) of those characters, whole and in two
     * pieces. */
    const char *env = getenv("JM_EXHAUSTIVE");
    size_t longest = env ? (size_t)atoi(env) : 5;
    for (size_t n = 0; n <= longest && n < sizeof text; n++) {
        size_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= 8;
        for (size_t code = 0; code < total; code++) {
            size_t c = code;
            for (size_t i = 0; i < n; i++, c /= 8)
                text[i] = alphabet[c % 8];
            for (size_t d = 0; d < 4; d++) {
                parse_into(&keep, text, n, delims[d], true, 0);
                parse_into(&fast, text, n, delims[d], false, n > 1 ? 1 + code % (n - 1) : 0);
                if (keep.n != fast.n || memcmp(keep.s, fast.s, keep.n) != 0)
                    fail_msg("delimiter %d: the fields differ: %.*s", delims[d], (int)n, text);
            }
        }
    }

    /* Each way that libcsv would trim or read quotes otherwise is refused. */
    static const char *const no[] = {
        " a,b\n",   "a, b\n",     "a ,b\n",    "a,b \n",    "a,b ",      "a,\tb\n",
        "a\n b\n",  "\"a\" ,b\n", "\"a\"\t\n", "\"a\" b\n", "a\"b, c\n", "x, \"a\"\n",
        "\"a\"b,c\n", "a,b\r c\n",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (jm__csv_spaces_untouched(no[i], strlen(no[i]), ','))
            fail_msg("said yes to: %s", no[i]);
    static const char *const yes[] = {
        "a b,c\n", "\"a, b\",c\n", "\" a \",\"\"\" b\"\n", "a,\"x\r\n y\"\r\n", "a\tb;c\n",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!jm__csv_spaces_untouched(yes[i], strlen(yes[i]), ','))
            fail_msg("said no to: %s", yes[i]);
    free(keep.s);
    free(fast.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_csvin_quoted_delimiter),
        T(test_csvin_doubled_quotes),
        T(test_csvin_line_breaks_in_quoted_fields),
        T(test_csvin_several_breaks_in_one_field),
        T(test_csvin_line_ends_lf),
        T(test_csvin_line_ends_crlf),
        T(test_csvin_line_ends_cr),
        T(test_csvin_line_ends_mixed),
        T(test_csvin_record_lines_lf),
        T(test_csvin_record_lines_crlf),
        T(test_csvin_record_lines_cr),
        T(test_csvin_blank_lines_before_header),
        T(test_csvin_blank_lines_counted_not_handed_out),
        T(test_csvin_line_numbers_across_chunks),
        T(test_csvin_bom_skipped),
        T(test_csvin_bom_not_skipped_later),
        T(test_csvin_sniff),
        T(test_csvin_sniff_while_reading),
        T(test_csvin_explicit_delimiter),
        T(test_csvin_spaces_kept),
        T(test_csvin_nul_and_invalid_utf8_kept),
        T(test_csvin_field_limit),
        T(test_csvin_no_trailing_newline),
        T(test_csvin_empty_fields),
        T(test_csvin_empty_file),
        T(test_csvin_bom_only_file),
        T(test_csvin_blank_lines_only_file),
        T(test_csvin_header_without_rows),
        T(test_csvin_unterminated_quote),
        T(test_csvin_gzip_same_as_plain),
        T(test_csvin_gzip_with_bom),
        T(test_csvin_gzip_corrupt),
        T(test_csvin_gzip_two_members),
        T(test_csvin_gzip_large),
        T(test_csvin_gzip_truncated),
        T(test_csvin_gzip_read_sizes_agree),
        T(test_csvin_callback_stops),
        T(test_csvin_push_any_split),
        T(test_csvin_push_first_line),
        T(test_csvin_push_open_quote),
        T(test_csvin_push_at_boundary),
        T(test_csvin_line_ends),
        T(test_csvin_head),
        T(test_csvin_head_skip_and_sep),
        T(test_csvin_fingerprint),
        T(test_csvin_head_too_long),
        T(test_csvin_spaces_untouched),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
