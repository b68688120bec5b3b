/* SPDX-License-Identifier: MIT */
/* Rows found again: a stretch of a file parsed once more to name the lines of rows that repeat. */
#include "locate.h"
#include "csvin.h"
#include "source.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct finder {
    uint32_t fp;
    uint64_t rows, seen;
    size_t want, found;
    uint64_t *line;
} finder;

/* Each record: its line kept when its fingerprint is the one sought; enough of them, or the
 * stretch's end, stops the parse (any status but JM_OK does). */
static jm_status on_row(void *data, const jm__row *row)
{
    finder *f = data;
    f->seen++;
    if (((uint32_t)(row->fp >> 32) | 1u) == f->fp)
        f->line[f->found++] = row->line;
    return f->found == f->want || f->seen >= f->rows ? JM_EREJECTS : JM_OK;
}

size_t jm__locate_rows(const char *path, char delim, uint64_t first_line, uint64_t rows,
                       uint32_t fp, size_t want, uint64_t *line)
{
    if (strcmp(path, "-") == 0 || want == 0 || rows == 0)
        return 0;
    char *err = NULL;
    jm__source *src = jm__source_open(path, &err);
    if (src == NULL) {
        free(err);
        return 0;
    }
    enum { CHUNK = 1 << 20 };
    char *buf = jm__xmalloc(CHUNK);
    finder fd = {fp, rows, 0, want, 0, line};
    jm__csv_opts o = {.field_limit = SIZE_MAX, .key_col = SIZE_MAX, .fingerprint = true};
    jm__csv *c = NULL;
    uint64_t ln = 1;
    bool cr = false;       /* the last byte counted was a CR */
    bool skip_lf = false;  /* the parser starts after a CR whose LF may come next */
    jm_status st = JM_OK;
    for (;;) {
        ssize_t k = jm__source_read(src, buf, CHUNK, &err);
        if (k <= 0)
            break;
        size_t at = 0, n = (size_t)k;
        if (c == NULL) {
            /* Lines as the parser counts them: LF, CRLF or a lone CR, quotes or not; a chunk
             * that ends before the line sought is counted whole (a LF after the last chunk's
             * CR was counted with that CR). */
            uint64_t ends = jm__csv_line_ends(buf, n, 0) - (cr && buf[0] == '\n');
            if (ln + ends < first_line) {
                ln += ends;
                cr = buf[n - 1] == '\r';
                continue;
            }
            for (; at < n && ln < first_line; at++) {
                if (buf[at] == '\n') {
                    ln += !cr;
                    cr = false;
                } else if (buf[at] == '\r') {
                    ln++;
                    cr = true;
                } else {
                    cr = false;
                }
            }
            if (ln < first_line)
                continue;
            skip_lf = cr;
            c = jm__csv_new(delim, &o, on_row, &fd, first_line);
        }
        if (skip_lf && at < n) {
            at += buf[at] == '\n';
            skip_lf = false;
        }
        if ((st = jm__csv_feed(c, buf + at, n - at)) != JM_OK)
            break;
    }
    if (c != NULL && st == JM_OK)
        jm__csv_finish(c, path, &err);
    free(err);
    jm__csv_free(c);
    free(buf);
    jm__source_close(src);
    return fd.found;
}
