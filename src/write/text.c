/* SPDX-License-Identifier: MIT */
/* Text and Markdown helpers: aligned tables, safe cell text. */
#include "text.h"
#include "json.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct jm__table {
    size_t ncols;
    char **head;
    char *align;
    char **cell; /* row-major */
    size_t nrows, cap;
};

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

char *jm__safe(const char *s, size_t n, bool md)
{
    char *o = jm__xmalloc(n * 2 + 1);
    size_t k = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c < 0x20 || c == 0x7f) {
            o[k++] = '?';
            i++;
        } else if (c < 0x80) {
            if (md && c == '|')
                o[k++] = '\\';
            o[k++] = (char)c;
            i++;
        } else {
            /* The same test as JSON output: overlong forms and surrogates are not text. */
            size_t len = jm__utf8_len(u + i, n - i);
            if (len > 0) {
                memcpy(o + k, u + i, len);
                k += len;
                i += len;
            } else {
                o[k++] = '?';
                i++;
            }
        }
    }
    o[k] = '\0';
    return o;
}

jm__table *jm__table_new(size_t ncols, const char *const *head, const char *align)
{
    jm__table *t = jm__xcalloc(1, sizeof *t);
    t->ncols = ncols;
    t->head = jm__xcalloc(ncols, sizeof *t->head);
    for (size_t i = 0; i < ncols; i++)
        t->head[i] = jm__xstrdup(head[i]);
    t->align = jm__xstrdup(align);
    return t;
}

void jm__table_row(jm__table *t, const char *const *cells, const size_t *lens)
{
    jm__grow((void **)&t->cell, &t->cap, (t->nrows + 1) * t->ncols, sizeof *t->cell);
    for (size_t i = 0; i < t->ncols; i++) {
        /* Made safe here, with the length: a NUL byte in a name must not end the cell. */
        size_t n = lens ? lens[i] : strlen(cells[i]);
        t->cell[t->nrows * t->ncols + i] = jm__safe(cells[i], n, false);
    }
    t->nrows++;
}

/* Append n bytes to a growing line buffer. */
static void put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    jm__grow((void **)buf, cap, *len + n + 1, 1);
    memcpy(*buf + *len, s, n);
    *len += n;
}

static void put_pad(char **buf, size_t *len, size_t *cap, size_t n)
{
    jm__grow((void **)buf, cap, *len + n + 1, 1);
    memset(*buf + *len, ' ', n);
    *len += n;
}

/* One row, padded to the column widths; text rows carry no trailing spaces. */
static void print_row(const jm__table *t, FILE *out, bool md, char **row, const size_t *w)
{
    char *line = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        char *s = jm__safe(row[i], strlen(row[i]), md);
        size_t sw = width(s);
        if (md)
            put(&line, &len, &cap, i == 0 ? "| " : " | ", i == 0 ? 2 : 3);
        else if (i > 0)
            put(&line, &len, &cap, "  ", 2);
        if (t->align[i] == 'r')
            put_pad(&line, &len, &cap, w[i] - sw);
        put(&line, &len, &cap, s, strlen(s));
        if (t->align[i] != 'r')
            put_pad(&line, &len, &cap, w[i] - sw);
        free(s);
    }
    if (md)
        put(&line, &len, &cap, " |", 2);
    while (!md && len > 0 && line[len - 1] == ' ')
        len--;
    fwrite(line, 1, len, out);
    fputc('\n', out);
    free(line);
}

void jm__table_print(const jm__table *t, FILE *out, bool md)
{
    size_t *w = jm__xcalloc(t->ncols, sizeof *w);
    for (size_t i = 0; i < t->ncols; i++) {
        char *s = jm__safe(t->head[i], strlen(t->head[i]), md);
        w[i] = width(s);
        free(s);
        for (size_t r = 0; r < t->nrows; r++) {
            const char *c = t->cell[r * t->ncols + i];
            s = jm__safe(c, strlen(c), md);
            size_t cw = width(s);
            if (cw > w[i])
                w[i] = cw;
            free(s);
        }
        if (md && w[i] < 3)
            w[i] = 3;
    }
    print_row(t, out, md, t->head, w);
    for (size_t i = 0; i < t->ncols; i++) {
        if (md) {
            fputs(i == 0 ? "| " : " | ", out);
            for (size_t k = 0; k < w[i]; k++)
                fputc(k + 1 == w[i] && t->align[i] == 'r' ? ':' : '-', out);
        } else {
            if (i > 0)
                fputs("  ", out);
            for (size_t k = 0; k < w[i]; k++)
                fputc('-', out);
        }
    }
    fputs(md ? " |\n" : "\n", out);
    for (size_t r = 0; r < t->nrows; r++)
        print_row(t, out, md, t->cell + r * t->ncols, w);
    free(w);
}

void jm__table_free(jm__table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->head[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cell[i]);
    free(t->head);
    free(t->cell);
    free(t->align);
    free(t);
}

