/* SPDX-License-Identifier: MIT */
/* The journey store: turns CSV rows into events or counted rejections, nothing lost. */
#include "store.h"
#include "batch.h"
#include "csvin.h"
#include "roles.h"
#include "source.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(jm__event) == 24, "an event record is 24 bytes");

/* Rows go to a batch, merged into the log every this many rows: small enough for the batch's
 * tables to stay in the cache, big enough to make the merge a tight loop. */
#define SERIAL_BATCH_ROWS 65536

jm_log *jm_log_new(const jm_options *opt, char **err)
{
    jm__timefmt *tf = jm__timefmt_new(opt->time_format, opt->tz, err);
    if (tf == NULL)
        return NULL;
    jm_log *log = jm__xcalloc(1, sizeof *log);
    log->opt = opt;
    log->tf = tf;
    log->cases = jm__intern_new();
    log->acts = jm__intern_new();
    log->chans = jm__intern_new();
    log->err = jm__xstrdup("");
    return log;
}

void jm_log_free(jm_log *log)
{
    if (log == NULL)
        return;
    jm__timefmt_free(log->tf);
    jm__intern_free(log->cases);
    jm__intern_free(log->acts);
    jm__intern_free(log->chans);
    free(log->ev);
    free(log->long_end);
    for (size_t i = 0; i < log->stats.files; i++)
        free(log->files[i]);
    free(log->files);
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        free(log->column[r]);
    free(log->err);
    free(log);
}

int64_t jm__event_end(const jm_log *log, size_t i)
{
    const jm__event *e = &log->ev[i];
    if (e->dur != JM_DUR_LONG)
        return e->start + e->dur;
    size_t lo = 0, hi = log->nlong;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->long_end[mid].ev < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return log->long_end[lo].end;
}

const char *jm_log_error(const jm_log *log)
{
    return log->err;
}

void jm__log_set_error(jm_log *log, char *msg)
{
    free(log->err);
    log->err = msg;
}

/* Reading one file from start to end on this thread. */
typedef struct serial {
    jm__file *file;
    jm__batch *batch;
} serial;

static jm_status serial_row(void *data, const jm__row *row)
{
    serial *s = data;
    if (!s->file->have_header)
        return jm__file_header(s->file, row);
    jm_status st = jm__batch_row(s->batch, row);
    if (st == JM_OK && jm__batch_rows(s->batch) >= SERIAL_BATCH_ROWS)
        st = jm__batch_merge(s->batch, 0);
    return st;
}

typedef struct progress_ctx {
    jm_log *log;
    const char *name;
    uint64_t size;
} progress_ctx;

static void on_progress(void *data, uint64_t offset)
{
    progress_ctx *p = data;
    p->log->opt->on_progress(p->log->opt->on_progress_data, p->name, offset, p->size,
                             p->log->stats.rows);
}

jm_status jm_log_add_file(jm_log *log, const char *path)
{
    char *err = NULL;
    jm__source *src = jm__source_open(path, &err);
    if (src == NULL) {
        jm__log_set_error(log, err);
        return JM_EINPUT;
    }
    jm__grow((void **)&log->files, &log->files_cap, log->stats.files + 1, sizeof *log->files);
    log->files[log->stats.files++] = jm__xstrdup(path);

    progress_ctx pc = {log, path, jm__source_size(src)};
    jm__file f = {
        .log = log,
        .name = path,
        .copt = {.delimiter = log->opt->delimiter,
                 .field_limit = log->opt->field_limit,
                 .progress = log->opt->on_progress ? on_progress : NULL,
                 .progress_data = &pc,
                 .key_col = SIZE_MAX},
    };
    serial s = {&f, jm__batch_new(&f)};
    uint64_t blank = 0;
    jm_status st = jm__csv_read(src, path, &f.copt, serial_row, &s, &f.delim, &blank, &err);
    if (st == JM_OK)
        st = jm__batch_merge(s.batch, blank);
    if (st != JM_OK && err != NULL)
        jm__log_set_error(log, err);
    jm__batch_free(s.batch);
    jm__source_close(src);
    jm__file_clear(&f);
    return st;
}
