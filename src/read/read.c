/* SPDX-License-Identifier: MIT */
/* Adding a file to the log: open its source, pick its reader, keep its name and progress. */
#include "reader.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>

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
        .opt = log->opt,
        .name = path,
        .copt = {.delimiter = log->opt->delimiter,
                 .skip_lines = log->opt->skip_lines,
                 .fingerprint = true,
                 .field_limit = log->opt->field_limit,
                 .progress = log->opt->on_progress ? on_progress : NULL,
                 .progress_data = &pc,
                 .key_col = SIZE_MAX},
    };
    const jm__reader *reader = &jm__csv_reader;
    jm__trace("open");
    jm_status st = reader->read(&f, src, jm__thread_count(log->opt), &err);
    if (st != JM_OK && err != NULL)
        jm__log_set_error(log, err);
    jm__source_close(src);
    jm__file_clear(&f);
    jm__trace("read");
    return st;
}
