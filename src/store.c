/* SPDX-License-Identifier: MIT */
/* The journey store: turns CSV rows into events or counted rejections, nothing lost. */
#include "store.h"
#include "csvin.h"
#include "roles.h"
#include "source.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(jm__event) == 24, "an event record is 24 bytes");

/* What one file needs while it is read. */
typedef struct file_state {
    jm_log *log;
    const char *name;
    bool have_header;
    size_t col[JM_ROLE_COUNT];
    size_t nheader;
    char **header;
    size_t *header_len;
    char delim;
    bool *keep; /* the columns read: role columns, or every column for reject_rows */
    jm__csv_opts *copt;
    uint64_t case_hash; /* of the current record's case id, from on_key */
    jm_status st;
} file_state;

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

static void set_error(jm_log *log, char *msg)
{
    free(log->err);
    log->err = msg;
}

/* A field's bytes for a message: at most 40, control bytes shown as '?'. */
static void snippet(char *out, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 40; i++)
        out[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (n > 40) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static jm_status reject(file_state *fs, const jm__row *row, jm_reject_reason why,
                        const char *detail)
{
    jm_log *log = fs->log;
    log->stats.rejected++;
    log->stats.rejected_by_reason[why]++;
    if (log->opt->on_reject) {
        jm_reject r = {
            .file = fs->name,
            .line = row->line,
            .reason = why,
            .detail = detail,
            .nfields = row->n,
            .fields = log->opt->reject_rows ? row->f : NULL,
            .lens = log->opt->reject_rows ? row->len : NULL,
            .nheader = fs->nheader,
            .header = (const char *const *)fs->header,
            .header_lens = fs->header_len,
            .delimiter = fs->delim,
        };
        log->opt->on_reject(log->opt->on_reject_data, &r);
    }
    if (log->stats.rejected > log->opt->max_rejects) {
        set_error(log, jm__strdupf("%s:%llu: more than %llu rows rejected (--max-rejects)",
                                   fs->name, (unsigned long long)row->line,
                                   (unsigned long long)log->opt->max_rejects));
        return JM_EREJECTS;
    }
    return JM_OK;
}

/* The case id arrives before the rest of its row: hash it and fetch its slot in the case table
 * now, so the lookup at the end of the row finds it in the cache. */
static void on_case(void *data, const char *s, size_t n)
{
    file_state *fs = data;
    fs->case_hash = jm__hash(s, n);
    jm__intern_prefetch(fs->log->cases, fs->case_hash);
}

static jm_status take_header(file_state *fs, const jm__row *row)
{
    jm_log *log = fs->log;
    char *err = NULL;
    jm_status st = jm__roles_find(row->n, row->f, row->len, log->opt->column, fs->col, &err);
    if (st != JM_OK) {
        set_error(log, jm__strdupf("%s:%llu: %s", fs->name, (unsigned long long)row->line, err));
        free(err);
        return st;
    }
    if (log->opt->step != JM_STEP_ACTIVITY && fs->col[JM_ROLE_CHANNEL] == JM_NO_COLUMN) {
        set_error(log, jm__strdupf("%s:%llu: --step needs a channel column and none was found "
                                   "(name it with --channel)",
                                   fs->name, (unsigned long long)row->line));
        return JM_EINPUT;
    }
    fs->nheader = row->n;
    fs->header = jm__xcalloc(row->n, sizeof *fs->header);
    fs->header_len = jm__xcalloc(row->n, sizeof *fs->header_len);
    for (size_t i = 0; i < row->n; i++) {
        fs->header[i] = jm__xmemdup(row->f[i], row->len[i]);
        fs->header_len[i] = row->len[i];
    }
    if (log->stats.files == 1) {
        for (int r = 0; r < JM_ROLE_COUNT; r++)
            if (fs->col[r] != JM_NO_COLUMN)
                log->column[r] = jm__xmemdup(row->f[fs->col[r]], row->len[fs->col[r]]);
    }
    if (!log->opt->reject_rows) {
        /* Only the role columns are read from here on. Other columns are still counted and
         * measured, so field counts and the field limit are checked on every column. */
        fs->keep = jm__xcalloc(row->n, sizeof *fs->keep);
        for (int r = 0; r < JM_ROLE_COUNT; r++)
            if (fs->col[r] != JM_NO_COLUMN)
                fs->keep[fs->col[r]] = true;
        fs->copt->keep = fs->keep;
        fs->copt->nkeep = row->n;
    }
    fs->copt->key_col = fs->col[JM_ROLE_CASE];
    fs->copt->on_key = on_case;
    log->has_end |= fs->col[JM_ROLE_END] != JM_NO_COLUMN;
    log->has_channel |= fs->col[JM_ROLE_CHANNEL] != JM_NO_COLUMN;
    fs->have_header = true;
    return JM_OK;
}

static jm_status on_row(void *data, const jm__row *row)
{
    file_state *fs = data;
    jm_log *log = fs->log;
    if (!fs->have_header)
        return take_header(fs, row);

    log->stats.rows++;
    char detail[160], snip[48];
    if (row->too_long) {
        snprintf(detail, sizeof detail, "field %zu is %zu bytes, over the limit of %zu",
                 row->too_long, row->len[row->too_long - 1], log->opt->field_limit);
        return reject(fs, row, JM_REJECT_FIELD_TOO_LONG, detail);
    }
    if (row->n != fs->nheader) {
        snprintf(detail, sizeof detail, "%zu fields, header has %zu", row->n, fs->nheader);
        return reject(fs, row, JM_REJECT_FIELD_COUNT, detail);
    }
    const size_t *c = fs->col;
    if (row->len[c[JM_ROLE_CASE]] == 0)
        return reject(fs, row, JM_REJECT_EMPTY_CASE, "empty case id");
    if (row->len[c[JM_ROLE_ACTIVITY]] == 0)
        return reject(fs, row, JM_REJECT_EMPTY_ACTIVITY, "empty activity");
    jm__event e;
    int64_t end;
    size_t si = c[JM_ROLE_START];
    if (!jm__time_parse(log->tf, row->f[si], row->len[si], &e.start)) {
        snippet(snip, row->f[si], row->len[si]);
        snprintf(detail, sizeof detail, "start time '%s' does not parse", snip);
        return reject(fs, row, JM_REJECT_BAD_START, detail);
    }
    end = e.start;
    size_t ei = c[JM_ROLE_END];
    if (ei != JM_NO_COLUMN && row->len[ei] > 0) {
        if (!jm__time_parse(log->tf, row->f[ei], row->len[ei], &end)) {
            snippet(snip, row->f[ei], row->len[ei]);
            snprintf(detail, sizeof detail, "end time '%s' does not parse", snip);
            return reject(fs, row, JM_REJECT_BAD_END, detail);
        }
        if (end < e.start) {
            snprintf(detail, sizeof detail, "end is %.3f s before start",
                     (double)(e.start - end) / 1000.0);
            return reject(fs, row, JM_REJECT_END_BEFORE_START, detail);
        }
    }
    e.cas = jm__intern_id_hashed(log->cases, row->f[c[JM_ROLE_CASE]], row->len[c[JM_ROLE_CASE]],
                                 fs->case_hash);
    e.act = jm__intern_id(log->acts, row->f[c[JM_ROLE_ACTIVITY]], row->len[c[JM_ROLE_ACTIVITY]]);
    size_t ci = c[JM_ROLE_CHANNEL];
    e.chan = ci == JM_NO_COLUMN || row->len[ci] == 0
                 ? JM_NO_CHANNEL
                 : jm__intern_id(log->chans, row->f[ci], row->len[ci]);
    if (log->nev == UINT32_MAX)
        jm__die("more than 4 billion events");
    if ((uint64_t)(end - e.start) >= JM_DUR_LONG) {
        e.dur = JM_DUR_LONG;
        jm__grow((void **)&log->long_end, &log->long_cap, log->nlong + 1, sizeof *log->long_end);
        log->long_end[log->nlong++] = (jm__long_end){(uint32_t)log->nev, end};
    } else {
        e.dur = (uint32_t)(end - e.start);
    }
    jm__grow((void **)&log->ev, &log->cap, log->nev + 1, sizeof *log->ev);
    log->ev[log->nev++] = e;
    log->stats.events++;
    return JM_OK;
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
        set_error(log, err);
        return JM_EINPUT;
    }
    jm__grow((void **)&log->files, &log->files_cap, log->stats.files + 1,
             sizeof *log->files);
    log->files[log->stats.files++] = jm__xstrdup(path);

    progress_ctx pc = {log, path, jm__source_size(src)};
    jm__csv_opts copt = {
        .delimiter = log->opt->delimiter,
        .field_limit = log->opt->field_limit,
        .progress = log->opt->on_progress ? on_progress : NULL,
        .progress_data = &pc,
        .key_col = SIZE_MAX,
    };
    file_state fs = {.log = log, .name = path, .copt = &copt, .st = JM_OK};
    uint64_t blank = 0;
    jm_status st = jm__csv_read(src, path, &copt, on_row, &fs, &fs.delim, &blank, &err);
    log->stats.blank_lines += blank;
    if (st != JM_OK && err != NULL)
        set_error(log, err);
    jm__source_close(src);
    for (size_t i = 0; i < fs.nheader; i++)
        free(fs.header[i]);
    free(fs.header);
    free(fs.header_len);
    free(fs.keep);
    return st;
}
