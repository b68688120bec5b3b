/* SPDX-License-Identifier: MIT */
/* The CSV reader: a file's header, then its records on one thread or several (parallel.c),
 * each row into a batch (batch.h) merged into the log in file order. */
#include "reader.h"
#include "batch.h"
#include "csvin.h"
#include "parallel.h"
#include "timesample.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows go to a batch, merged into the log every this many rows: small enough for the batch's
 * tables to stay in the cache, big enough to make the merge a tight loop. */
#define SERIAL_BATCH_ROWS 65536

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
    int sample_fd; /* a plain file to sample the times of once its header is taken, or -1 */
    uint64_t sample_size;
    bool not_first; /* a range past the file's first (dist.h): blank lines of the header are
                       the first range's to count */
} serial;

static jm_status serial_row(void *data, const jm__row *row)
{
    serial *s = data;
    if (!s->file->have_header) {
        jm_status st = jm__file_header(s->file, row);
        /* The time format is fixed before any row is parsed (timesample.h). */
        if (st == JM_OK && s->sample_fd >= 0)
            st = jm__time_sample_file(s->file, s->sample_fd, s->sample_size);
        return st;
    }
    jm_status st = jm__batch_row(s->batch, row);
    if (st == JM_OK && jm__batch_rows(s->batch) >= SERIAL_BATCH_ROWS)
        st = jm__batch_merge(s->batch, 0);
    return st;
}

/* Plain files smaller than this are read on one thread: starting threads would cost more. */
#define PARALLEL_MIN_BYTES (4u << 20)

/* Take the header from the first n bytes of a file (they hold it whole, see jm__csv_head):
 * its row goes to f, the data's offset and line to *h, blank lines before it to the log. */
static jm_status take_head(jm__file *f, const char *buf, size_t n, bool eof, jm__csv_head_info *h,
                           jm__csv **on, serial *s, char **err)
{
    if (h->too_long) {
        *err = jm__csv_head_error(f->name, buf, n, f->copt.skip_lines);
        return JM_EINPUT;
    }
    if (!jm__csv_head(buf, n, eof, f->copt.delimiter, f->copt.skip_lines, h))
        jm__die("take_head without the whole header");
    if (h->empty) {
        *err = jm__csv_no_header(f->name, f->copt.skip_lines);
        return JM_EINPUT;
    }
    f->delim = h->delim;
    s->file = f;
    s->batch = jm__batch_new(f);
    jm__csv *c = jm__csv_new(h->delim, &f->copt, serial_row, s, h->skip_line);
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
        st = jm__batch_merge(s->batch, s->not_first ? 0 : jm__csv_blank(c)); /* rows libcsv saw
                                                                   in the header line */
    jm__csv_free(c);
    return st;
}

/* Read the rest of the input on one thread with the parser the header left mid-record. */
static jm_status read_on_from_head(jm__file *f, jm__source *src, jm__csv *c, serial *s,
                                   const char *pre, size_t npre, char **err)
{
    jm__file_split_fallback(f);
    jm_status st = jm__csv_read_on(c, src, f->name, &f->copt, pre, npre, err);
    st = end_batch(s->batch, jm__csv_blank(c), st, err);
    jm__csv_free(c);
    return st;
}

/* Read on one thread from where a split went wrong: the npre bytes at pre, then src. */
static jm_status read_on(jm__file *f, jm__source *src, uint64_t line, const char *pre,
                         size_t npre, char **err)
{
    jm__file_split_fallback(f);
    serial s = {f, jm__batch_new(f), -1, 0, false};
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
    /* A range of the file only (dist.h): its header and sample as for the whole file. */
    uint64_t lo = 0, hi = size, lo_line = 0;
    bool ranged = jm__file_range(f, &lo, &hi, &lo_line);
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
        if (jm__csv_head_more(buf, n - (size_t)k, n, n >= size || k == 0, f->copt.delimiter,
                              f->copt.skip_lines, &h))
            break;
    }
    jm__csv *on = NULL;
    serial hs = {f, NULL, fd, size, ranged && lo > 0};
    jm_status st = take_head(f, buf, n, n >= size, &h, &on, &hs, err);
    if (on != NULL && ranged) {
        /* Quotes in the header: no range can be trusted; the whole file, one thread. */
        jm__csv_free(on);
        jm__file_range_failed(f);
        *err = jm__strdupf("%s: the cut of the file was misled by quotes", f->name);
        st = JM_EINPUT;
        on = NULL;
        h.data = size;
    } else if (on != NULL) {
        jm__source_seek(src, n);
        st = read_on_from_head(f, src, on, &hs, buf + h.data, n - (size_t)h.data, err);
    }
    free(buf);
    jm__batch_free(hs.batch);
    if (st != JM_OK || on != NULL || h.data >= size)
        return st;
    uint64_t data = h.data, data_line = h.data_line;
    if (ranged) {
        /* Cuts in the header or the lines before it fall on its end. */
        if (lo > data) {
            data = lo;
            data_line = lo_line;
        }
        size = hi > data ? hi : data;
        if (data >= size)
            return JM_OK;
    }
    uint64_t resume, resume_line;
    st = jm__read_parallel(f, fd, data, data_line, size, threads, f->opt->block_bytes,
                           &resume, &resume_line, err);
    if (st != JM_OK || resume == UINT64_MAX)
        return st;
    if (ranged) {
        jm__file_range_failed(f);
        *err = jm__strdupf("%s: the cut of the file was misled by quotes", f->name);
        return JM_EINPUT;
    }
    jm__source_seek(src, resume);
    return read_on(f, src, resume_line, NULL, 0, err);
}

/* The records of the npre bytes at pre (from line `line`), after which the input broke: read
 * as one thread reads them, so a record the break cut off is not handed out. */
static jm_status read_before_break(jm__file *f, uint64_t line, const char *pre, size_t npre)
{
    jm__file_split_fallback(f);
    serial s = {f, jm__batch_new(f), -1, 0, false};
    jm__csv *c = jm__csv_new(f->delim, &f->copt, serial_row, &s, line);
    char *err = NULL;
    jm_status st = jm__csv_feed(c, pre, npre);
    st = end_batch(s.batch, jm__csv_blank(c), st, &err);
    free(err);
    jm__csv_free(c);
    jm__batch_free(s.batch);
    return st;
}

/* The first bytes of a stream, read until they hold its header whole, into *buf (malloc'd, n
 * bytes, cap allocated; *eof at the end of src); where the header is in *h. Returns JM_OK or
 * JM_EINPUT (a read error: *err, and *buf freed). */
static jm_status read_head(jm__file *f, jm__source *src, char **buf, size_t *n, size_t *cap,
                           bool *eof, jm__csv_head_info *h, char **err)
{
    for (;;) {
        jm__grow((void **)buf, cap, *n + (1u << 20), 1);
        ssize_t k = jm__source_read(src, *buf + *n, 1u << 20, err);
        if (k < 0) {
            free(*buf);
            *buf = NULL;
            return JM_EINPUT;
        }
        *n += (size_t)k;
        *eof = k == 0;
        if (jm__csv_head_more(*buf, *n - (size_t)k, *n, *eof, f->copt.delimiter,
                              f->copt.skip_lines, h))
            return JM_OK;
    }
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
    if (read_head(f, src, &buf, &n, &cap, &eof, &h, err) != JM_OK)
        return JM_EINPUT;
    jm__csv *on = NULL;
    serial hs = {f, NULL, -1, 0, false};
    jm_status st = take_head(f, buf, n, eof, &h, &on, &hs, err);
    if (on != NULL)
        st = read_on_from_head(f, src, on, &hs, buf + h.data, n - (size_t)h.data, err);
    jm__batch_free(hs.batch);
    if (st == JM_OK && on == NULL && !(eof && h.data >= n))
        st = jm__time_sample_stream(f, src, &buf, &n, &cap, h.data, &eof, err);
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
                                  f->opt->block_bytes, &rest, &nrest, &rest_line, err);
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

/* A stream on this thread: its header, a sample of its times (timesample.h), then its rows,
 * the sampled bytes first. */
static jm_status read_serial_stream(jm__file *f, jm__source *src, char **err)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    bool eof = false;
    jm__csv_head_info h = {0};
    if (read_head(f, src, &buf, &n, &cap, &eof, &h, err) != JM_OK)
        return JM_EINPUT;
    jm__csv *on = NULL;
    serial s = {f, NULL, -1, 0, false};
    jm_status st = take_head(f, buf, n, eof, &h, &on, &s, err);
    if (on != NULL) {
        /* Quotes in the header: read on with the parser that took it (no sample). */
        st = jm__csv_read_on(on, src, f->name, &f->copt, buf + h.data, n - (size_t)h.data, err);
        st = end_batch(s.batch, jm__csv_blank(on), st, err);
        jm__csv_free(on);
    } else if (st == JM_OK && !(eof && h.data >= n)) {
        st = jm__time_sample_stream(f, src, &buf, &n, &cap, h.data, &eof, err);
        if (st == JM_OK) {
            uint64_t blank = 0;
            st = jm__csv_read_from(src, f->name, &f->copt, f->delim, h.data_line, buf + h.data,
                                   n - (size_t)h.data, serial_row, &s, &blank, err);
            st = end_batch(s.batch, blank, st, err);
        }
    }
    jm__batch_free(s.batch);
    free(buf);
    return st;
}

static jm_status csv_read(jm__file *f, jm__source *src, unsigned threads, char **err)
{
    uint64_t min = f->opt->block_bytes ? f->opt->block_bytes : PARALLEL_MIN_BYTES;
    int fd = jm__source_fd(src);
    if (fd >= 0 && jm__file_ranged(f))
        return read_parallel(f, src, threads, err);
    if (threads > 1 && fd >= 0 && jm__source_size(src) >= min)
        return read_parallel(f, src, threads, err);
    if (threads > 1 && fd < 0)
        return read_stream(f, src, threads, err);
    if (fd < 0)
        return read_serial_stream(f, src, err);
    serial s = {f, jm__batch_new(f), fd, jm__source_size(src), false};
    uint64_t blank = 0;
    jm_status st = jm__csv_read(src, f->name, &f->copt, serial_row, &s, &f->delim, &blank, err);
    if (f->have_header)
        st = end_batch(s.batch, blank, st, err);
    jm__batch_free(s.batch);
    return st;
}

static bool csv_takes(const jm__sniffed *s, const unsigned char *p, size_t n)
{
    (void)s;
    (void)p;
    (void)n;
    return true;
}

const jm__reader jm__csv_reader = {"csv", csv_takes, csv_read};
