/* SPDX-License-Identifier: MIT */
/* Batches: the rows of one stretch of a file turned into events with ids of their own, then
 * merged into the log in file order, so that threads can read stretches side by side. */
#ifndef JM_BATCH_H
#define JM_BATCH_H

#include "csvin.h"
#include "roles.h"
#include "../filter.h"
#include <jmine/jmine.h>

/* One stage of --stages, found in a file's header. */
typedef struct jm__file_stage {
    const char *name; /* the activity of its events */
    size_t len;
    size_t start, end; /* columns; end JM_NO_COLUMN: an instant */
} jm__file_stage;

/* What every batch of one file shares; read-only once the header is taken. */
typedef struct jm__file {
    jm_log *log;              /* only batch.c looks inside */
    const jm_options *opt;
    const char *name;
    bool have_header;
    size_t col[JM_ROLE_COUNT];
    jm__roles roles;          /* col, and the columns case and activity join with '+' */
    size_t key_col;           /* the case column when it is one and read as it is, else SIZE_MAX */
    jm__stage *spec;          /* --stages as parsed, or NULL */
    jm__file_stage *stages;   /* --stages: each row gives one event per stage present */
    size_t nstages;
    size_t stages_date;       /* --stages-date's column, or JM_NO_COLUMN */
    size_t nheader;
    char **header;
    size_t *header_len;
    char delim;
    bool made_rows;    /* rows made by the reader from another format (XES), see jm_reject */
    bool *keep;        /* the columns read (role columns), or NULL for all */
    jm__where_col *where; /* --where, each with its column in this file's header */
    size_t nwhere;
    jm__csv_opts copt; /* how its bytes are parsed */
} jm__file;

/* Take the file's header row: find the roles (messages go to the log's error). Returns JM_OK,
 * JM_EINPUT or JM_EUSAGE (see jm__roles_find). */
jm_status jm__file_header(jm__file *f, const jm__row *row);

/* Count a split for threads that stray quotes misled (the file is read on from there on one
 * thread; the output is the same). */
void jm__file_split_fallback(jm__file *f);

/* The byte range the log reads of this file (dist.h): true with [*lo, *hi) from line *line
 * (lo 0: from the header on), once; false to read it whole. */
bool jm__file_range(jm__file *f, uint64_t *lo, uint64_t *hi, uint64_t *line);

/* Whether the log reads only a range of this file (jm__file_range will say which). */
bool jm__file_ranged(const jm__file *f);

/* The range was misled by stray quotes (the process must read the file whole). */
void jm__file_range_failed(jm__file *f);

/* Free what the file holds (not f itself). */
void jm__file_clear(jm__file *f);

typedef struct jm__batch jm__batch;

/* An empty batch for rows of f. */
jm__batch *jm__batch_new(const jm__file *f);

/* Free a batch. NULL is a no-op. */
void jm__batch_free(jm__batch *b);

/* A jm__row_fn: one data row into the batch, as an event or a recorded rejection. */
jm_status jm__batch_row(void *batch, const jm__row *row);

/* Rows in the batch. */
size_t jm__batch_rows(const jm__batch *b);

/* Rejected rows in the batch. */
size_t jm__batch_rejections(const jm__batch *b);

/* For jm__csv_opts.on_key, with the batch as data: the case field of the row being read, hashed
 * and its slot in the batch's case table fetched while the rest of the row is parsed; the row
 * then uses the hash. */
void jm__batch_key(void *batch, const char *s, size_t n);

/* Empty the batch for the next range, keeping its memory and the kinds it met (their ids,
 * which a range after it finds again). */
void jm__batch_clear(jm__batch *b);

/* Empty the batch for its range parsed again: its kinds too, so that the range meets its own
 * anew (the first line of a kind that is not UTF-8 is noticed as a kind is added). */
void jm__batch_reset(jm__batch *b);

/* Merge the batch into its log, after every batch before it in file order: ids become the log's,
 * events are appended, rejections are handed to on_reject in order and counted, blank lines
 * added. Returns JM_OK or JM_EREJECTS (more than max_rejects; the log's error says where). The
 * batch is left empty, ready for reuse. */
jm_status jm__batch_merge(jm__batch *b, uint64_t blank_lines);

#endif
