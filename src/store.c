/* SPDX-License-Identifier: MIT */
/* The journey store: turns CSV rows into events or counted rejections, nothing lost. */
#include "store.h"
#include "read/batch.h"
#include "buckets.h"
#include "read/csvin.h"
#include "read/parallel.h"
#include "read/roles.h"
#include "read/source.h"
#include "spill.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

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
    log->acts = jm__intern_new();
    log->chans = jm__intern_new();
    log->events = jm__xmalloc(sizeof *log->events);
    jm__buckets_init(log->events);
    log->err = jm__xstrdup("");
    return log;
}

void jm_log_free(jm_log *log)
{
    if (log == NULL)
        return;
    jm__timefmt_free(log->tf);
    jm__intern_free(log->acts);
    jm__intern_free(log->chans);
    jm__buckets_clear(log->events);
    free(log->events);
    jm__spill_free(log->spill);
    for (size_t i = 0; i < log->stats.files; i++)
        free(log->files[i]);
    free(log->files);
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        free(log->column[r]);
    free(log->err);
    free(log);
}

int64_t jm__end_at(const jm__event *e, const jm__long_end *le, size_t nle, size_t i)
{
    if (e->dur != JM_DUR_LONG)
        return e->start + e->dur;
    size_t lo = 0, hi = nle;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (le[mid].ev < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return le[lo].end;
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

jm_status jm__log_bound(jm_log *log)
{
    uint64_t limit = log->opt->memory_bytes;
    if (limit == 0 || (uint64_t)log->events->n * sizeof(jm__event) <= limit)
        return JM_OK;
    char *err = NULL;
    if (log->spill == NULL && (log->spill = jm__spill_new(&err)) == NULL) {
        jm__log_set_error(log, err);
        return JM_EIO;
    }
    if (jm__spill_write(log->spill, log, &err) != JM_OK) {
        jm__log_set_error(log, err);
        return JM_EIO;
    }
    log->spilled_events += log->events->n;
    jm__buckets_empty(log->events);
    return JM_OK;
}

/* The end of a batch read on this thread: merged when the reading went well, and also when
 * the input broke (a quote open at the end), so that the rows before the break are reported
 * as they are when ranges read by threads were merged before it. A merge that stops on too
 * many rejections comes first, as it would have while reading. */
static jm_status end_batch(jm__batch *b, uint64_t blank, jm_status st, char **err)
{
    if (st != JM_OK && st != JM_EINPUT)
        return st;
    jm_status m = jm__batch_merge(b, blank);
    if (m != JM_OK) {
        free(*err);
        *err = NULL;
        return m;
    }
    return st;
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

/* Plain files smaller than this are read on one thread: starting threads would cost more. */
#define PARALLEL_MIN_BYTES (4u << 20)

/* Take the header from the first n bytes of a file (they hold it whole, see jm__csv_head):
 * its row goes to f, the data's offset and line to *h, blank lines before it to the log. */
static jm_status take_head(jm__file *f, const char *buf, size_t n, bool eof, jm__csv_head_info *h,
                           jm__csv **on, serial *s, char **err)
{
    if (h->too_long) {
        *err = jm__csv_head_error(f->name, buf, n);
        return JM_EINPUT;
    }
    if (!jm__csv_head(buf, n, eof, f->copt.delimiter, h))
        jm__die("take_head without the whole header");
    if (h->empty) {
        *err = jm__strdupf("%s: no header line (the file is empty)", f->name);
        return JM_EINPUT;
    }
    f->delim = h->delim;
    s->file = f;
    s->batch = jm__batch_new(f);
    jm__csv *c = jm__csv_new(h->delim, &f->copt, serial_row, s, 1);
    jm_status st = jm__csv_feed(c, buf + h->skip, (size_t)h->data - h->skip);
    if (st == JM_OK && eof && h->data >= n)
        st = jm__csv_finish(c, f->name, err); /* a header with no line end: the whole file */
    else if (st == JM_OK && (!f->have_header || !jm__csv_at_boundary(c))) {
        /* Quotes in the header misled the quick look for its end: libcsv is inside a record
         * there, the header's or the next. The caller reads on with this parser, on one
         * thread. */
        *on = c;
        return JM_OK;
    }
    if (st == JM_OK)
        st = jm__batch_merge(s->batch, jm__csv_blank(c)); /* rows libcsv saw in the header line */
    jm__csv_free(c);
    return st;
}

/* Read the rest of the input on one thread with the parser the header left mid-record. */
static jm_status read_on_from_head(jm__file *f, jm__source *src, jm__csv *c, serial *s,
                                   const char *pre, size_t npre, char **err)
{
    f->log->stats.split_fallbacks++;
    jm_status st = jm__csv_read_on(c, src, f->name, &f->copt, pre, npre, err);
    st = end_batch(s->batch, jm__csv_blank(c), st, err);
    jm__csv_free(c);
    return st;
}

/* Read on one thread from where a split went wrong: the npre bytes at pre, then src. */
static jm_status read_on(jm__file *f, jm__source *src, uint64_t line, const char *pre,
                         size_t npre, char **err)
{
    f->log->stats.split_fallbacks++;
    serial s = {f, jm__batch_new(f)};
    uint64_t blank = 0;
    jm_status st = jm__csv_read_from(src, f->name, &f->copt, f->delim, line, pre, npre,
                                     serial_row, &s, &blank, err);
    st = end_batch(s.batch, blank, st, err);
    jm__batch_free(s.batch);
    return st;
}

/* A plain file with several threads (see parallel.h), then on one thread from wherever the
 * split went wrong, if it did. */
static jm_status read_parallel(jm__file *f, jm__source *src, unsigned threads, char **err)
{
    int fd = jm__source_fd(src);
    uint64_t size = jm__source_size(src);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    jm__csv_head_info h = {0};
    for (;;) {
        size_t want = n + (1u << 20) < size ? n + (1u << 20) : (size_t)size;
        jm__grow((void **)&buf, &cap, want + 1, 1);
        ssize_t k = pread(fd, buf + n, want - n, (off_t)n);
        if (k < 0) {
            *err = jm__strdupf("%s: read error: %s", f->name, strerror(errno));
            free(buf);
            return JM_EINPUT;
        }
        n += (size_t)k;
        if (jm__csv_head_more(buf, n - (size_t)k, n, n >= size || k == 0, f->copt.delimiter, &h))
            break;
    }
    jm__csv *on = NULL;
    serial hs = {f, NULL};
    jm_status st = take_head(f, buf, n, n >= size, &h, &on, &hs, err);
    if (on != NULL) {
        jm__source_seek(src, n);
        st = read_on_from_head(f, src, on, &hs, buf + h.data, n - (size_t)h.data, err);
    }
    free(buf);
    jm__batch_free(hs.batch);
    if (st != JM_OK || on != NULL || h.data >= size)
        return st;
    uint64_t resume, resume_line;
    st = jm__read_parallel(f, fd, h.data, h.data_line, size, threads, f->log->opt->block_bytes,
                           &resume, &resume_line, err);
    if (st != JM_OK || resume == UINT64_MAX)
        return st;
    jm__source_seek(src, resume);
    return read_on(f, src, resume_line, NULL, 0, err);
}

/* The records of the npre bytes at pre (from line `line`), after which the input broke: read
 * as one thread reads them, so a record the break cut off is not handed out. */
static jm_status read_before_break(jm__file *f, uint64_t line, const char *pre, size_t npre)
{
    f->log->stats.split_fallbacks++;
    serial s = {f, jm__batch_new(f)};
    jm__csv *c = jm__csv_new(f->delim, &f->copt, serial_row, &s, line);
    char *err = NULL;
    jm_status st = jm__csv_feed(c, pre, npre);
    st = end_batch(s.batch, jm__csv_blank(c), st, &err);
    free(err);
    jm__csv_free(c);
    jm__batch_free(s.batch);
    return st;
}

/* A stream (gzip, a pipe) with several threads: inflating on one, splitting on this one, parsing
 * on the others (see parallel.h). */
static jm_status read_stream(jm__file *f, jm__source *src, unsigned threads, char **err)
{
    jm__source_thread(src);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    bool eof = false;
    jm__csv_head_info h = {0};
    for (;;) {
        jm__grow((void **)&buf, &cap, n + (1u << 20), 1);
        ssize_t k = jm__source_read(src, buf + n, 1u << 20, err);
        if (k < 0) {
            free(buf);
            return JM_EINPUT;
        }
        n += (size_t)k;
        eof = k == 0;
        if (jm__csv_head_more(buf, n - (size_t)k, n, eof, f->copt.delimiter, &h))
            break;
    }
    jm__csv *on = NULL;
    serial hs = {f, NULL};
    jm_status st = take_head(f, buf, n, eof, &h, &on, &hs, err);
    if (on != NULL)
        st = read_on_from_head(f, src, on, &hs, buf + h.data, n - (size_t)h.data, err);
    jm__batch_free(hs.batch);
    if (st != JM_OK || on != NULL || (eof && h.data >= n)) {
        free(buf);
        return st;
    }
    size_t nhead = n - (size_t)h.data;
    char *head = jm__xmalloc(nhead + 1);
    memcpy(head, buf + h.data, nhead);
    free(buf);
    char *rest = NULL;
    size_t nrest = 0;
    uint64_t rest_line = 0;
    st = jm__read_stream_parallel(f, src, head, nhead, h.data_line, threads,
                                  f->log->opt->block_bytes, &rest, &nrest, &rest_line, err);
    if (st == JM_OK && rest != NULL) {
        st = read_on(f, src, rest_line, rest, nrest, err);
    } else if (st == JM_EINPUT && rest != NULL) {
        /* The input broke after these bytes: their records first, as one thread reads them;
         * too many rejections among them come before the break. */
        jm_status r = read_before_break(f, rest_line, rest, nrest);
        if (r != JM_OK) {
            free(*err);
            *err = NULL;
            st = r;
        }
    }
    free(rest);
    return st;
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
    jm_status st;
    jm__trace("open");
    unsigned threads = jm__thread_count(log->opt);
    uint64_t min = log->opt->block_bytes ? log->opt->block_bytes : PARALLEL_MIN_BYTES;
    if (threads > 1 && jm__source_fd(src) >= 0 && jm__source_size(src) >= min) {
        st = read_parallel(&f, src, threads, &err);
    } else if (threads > 1 && jm__source_fd(src) < 0) {
        st = read_stream(&f, src, threads, &err);
    } else {
        serial s = {&f, jm__batch_new(&f)};
        uint64_t blank = 0;
        st = jm__csv_read(src, path, &f.copt, serial_row, &s, &f.delim, &blank, &err);
        if (f.have_header)
            st = end_batch(s.batch, blank, st, &err);
        jm__batch_free(s.batch);
    }
    if (st != JM_OK && err != NULL)
        jm__log_set_error(log, err);
    jm__source_close(src);
    jm__file_clear(&f);
    jm__trace("read");
    return st;
}
