/* SPDX-License-Identifier: MIT */
/* Text and Markdown helpers: aligned tables, safe cell text. */
#ifndef JM_TEXT_H
#define JM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jm__table jm__table;

/* A table of ncols columns with the given headings; align holds one 'l' or 'r' per column. */
jm__table *jm__table_new(size_t ncols, const char *const *head, const char *align);

/* Add a row of ncols cells (copied; bytes made safe for a terminal, see jm__safe). */
void jm__table_row(jm__table *t, const char *const *cells, const size_t *lens);

/* Print the table: columns padded with two spaces between (text), or as a Markdown table (md).
 * Frees nothing; call jm__table_free. */
void jm__table_print(const jm__table *t, FILE *out, bool md);

/* Free a table. NULL is a no-op. */
void jm__table_free(jm__table *t);

/* A malloc'd copy of n bytes made safe to show: control bytes as '?', invalid UTF-8 as '?',
 * and, for Markdown, '|' escaped. */
char *jm__safe(const char *s, size_t n, bool md);

#endif
