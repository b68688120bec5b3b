/* SPDX-License-Identifier: MIT */
/* The CSV reader: push-parses a byte source through libcsv and hands out rows with their line. */
#ifndef JM_CSVIN_H
#define JM_CSVIN_H

#include "source.h"

#include <jmine/jmine.h>

/* One record. The pointers are borrowed and live only for the duration of the callback. */
typedef struct jm__row {
    size_t n;                 /* fields */
    const char *const *f;     /* field bytes, each NUL-terminated for convenience */
    const size_t *len;        /* field lengths (a field may hold NUL bytes) */
    uint64_t line;            /* 1-based line where the record starts */
    size_t too_long;          /* 0, or 1 + the index of the first field over the limit */
} jm__row;

/* Called for every record, the header first. A status other than JM_OK stops the reading and is
 * returned by jm__csv_read. */
typedef jm_status (*jm__row_fn)(void *data, const jm__row *row);

/* Progress: bytes of the file consumed so far. */
typedef void (*jm__csv_progress_fn)(void *data, uint64_t offset);

typedef struct jm__csv_opts {
    char delimiter;      /* 0: sniff from the header line */
    size_t field_limit;  /* fields longer than this are flagged in jm__row.too_long */
    /* Which columns to copy: keep[i] for column i < nkeep; columns at nkeep and beyond are
     * copied. Read at every record, so the row callback may set it after the header. A field
     * not kept is handed out as "" with its true length in len. NULL keeps every field. */
    const bool *keep;
    size_t nkeep;
    /* Called with the field of column key_col as soon as it is read, before the rest of its
     * record: room to start a slow lookup early. Like keep, it may be set after the header. */
    size_t key_col;
    void (*on_key)(void *data, const char *s, size_t n);
    jm__csv_progress_fn progress;
    void *progress_data;
} jm__csv_opts;

/* Read every record of src (named name in messages). A UTF-8 byte-order mark at the start is
 * skipped; LF, CRLF and lone CR end lines; blank lines are counted in *blank, not handed out.
 * The delimiter used is stored in *delim. Returns JM_OK, the callback's status, or JM_EINPUT
 * with a malloc'd message in *err ("no header", a quoted field open at the end of the file,
 * a source error). */
jm_status jm__csv_read(jm__source *src, const char *name, const jm__csv_opts *opt,
                       jm__row_fn fn, void *data, char *delim, uint64_t *blank, char **err);

/* The delimiter of a header line: the one of , ; TAB | found most often outside quotes (ties
 * in that order; ',' if none). */
char jm__csv_sniff(const char *line, size_t n);

#endif
