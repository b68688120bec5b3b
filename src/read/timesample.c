/* SPDX-License-Identifier: MIT */
/* Time formats found by looking: a sample of the start column across a file, before its rows
 * are read (threads need the format fixed first), decides the log's time format once. */
#include "timesample.h"
#include "csvin.h"
#include "roles.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Stops the sample parser early; never leaves this file. */
#define SAMPLE_STOP JM_EINTERNAL

typedef struct sampler {
    const jm__file *f;
    jm__time_guess *g;
    bool skip_first; /* the first record is the header */
    bool stop_when_settled;
} sampler;

static jm_status sample_row(void *data, const jm__row *row)
{
    sampler *s = data;
    if (s->skip_first) {
        s->skip_first = false;
        return JM_OK;
    }
    size_t si = s->f->col[JM_ROLE_START];
    /* A line that is not a whole record (a place fell inside a quoted field) or a row that
     * would be rejected anyway says nothing of the format. */
    if (row->n != s->f->nheader || row->too_long || si >= row->stored)
        return JM_OK;
    jm__time_guess_add(s->g, row->f[si], row->len[si]);
    if (s->stop_when_settled && jm__time_guess_settled(s->g))
        return SAMPLE_STOP;
    return JM_OK;
}

/* A parser of sample records with the file's delimiter and limits. */
static jm__csv *sample_parser(const jm__file *f, jm__csv_opts *copt, sampler *s)
{
    *copt = (jm__csv_opts){.field_limit = f->copt.field_limit,
                           .keep = f->keep,
                           .nkeep = f->keep ? f->nheader : 0,
                           .max_fields = f->nheader + 1,
                           .key_col = SIZE_MAX};
    return jm__csv_new(f->delim, copt, sample_row, s, 1);
}

bool jm__time_sample_wanted(const jm__file *f)
{
    return jm__timefmt_undecided(f->log->tf) && f->col[JM_ROLE_START] != JM_NO_COLUMN;
}

/* Decide the log's format from the sample: the reader that reads every value (see
 * jm__time_guess_decide), named in the report; two readings of day and month stop the run. */
static jm_status decide(jm__file *f, jm__time_guess *g)
{
    jm_log *log = f->log;
    char *msg = NULL;
    jm__guess_verdict v = jm__time_guess_decide(g, log->tf, &msg);
    if (v == JM_GUESS_AMBIGUOUS) {
        jm__log_set_error(log, jm__strdupf("%s: %s", f->name, msg));
        free(msg);
        return JM_EINPUT;
    }
    if (v == JM_GUESS_PICKED && jm__time_guess_epoch_1970(g) && log->opt->on_notice != NULL)
        log->opt->on_notice(log->opt->on_notice_data, f->name, 0,
                            "the start times all fall within 1970-01-01 when read as epoch "
                            "seconds: they are probably Excel serial days; --time-format excel "
                            "reads them as such");
    return JM_OK;
}

jm_status jm__time_sample_file(jm__file *f, int fd, uint64_t size)
{
    if (!jm__time_sample_wanted(f))
        return JM_OK;
    jm__time_guess *g = jm__time_guess_new();
    size_t chunk = JM_SAMPLE_CHUNK;
    unsigned places = JM_SAMPLE_PLACES;
    if (size <= (uint64_t)chunk * places) {
        chunk = (size_t)size; /* small: the whole file, once */
        places = 1;
    }
    char *buf = jm__xmalloc(chunk + 1);
    for (unsigned k = 0; k < places; k++) {
        uint64_t at = places == 1 ? 0 : (size - chunk) / (places - 1) * k;
        ssize_t got = pread(fd, buf, chunk, (off_t)at);
        if (got <= 0)
            continue; /* the reading proper will say what is wrong */
        size_t n = (size_t)got, p = 0;
        if (k > 0) {
            /* From the start of the next line. */
            while (p < n && buf[p] != '\n' && buf[p] != '\r')
                p++;
            if (p < n && buf[p] == '\r')
                p++;
            if (p < n && buf[p] == '\n')
                p++;
        }
        sampler s = {f, g, k == 0, false};
        jm__csv_opts copt;
        jm__csv *c = sample_parser(f, &copt, &s);
        jm_status st = jm__csv_feed(c, buf + p, n - p);
        if (st == JM_OK && at + n >= size) {
            char *err = NULL; /* the last record has no line end; an open quote is not ours */
            jm__csv_finish(c, f->name, &err);
            free(err);
        }
        jm__csv_free(c);
    }
    free(buf);
    jm_status st = decide(f, g);
    jm__time_guess_free(g);
    return st;
}

jm_status jm__time_sample_stream(jm__file *f, jm__source *src, char **buf, size_t *n, size_t *cap,
                                 size_t from, bool *eof, char **err)
{
    if (!jm__time_sample_wanted(f))
        return JM_OK;
    jm__time_guess *g = jm__time_guess_new();
    sampler s = {f, g, false, true};
    jm__csv_opts copt;
    jm__csv *c = sample_parser(f, &copt, &s);
    /* Exactly the first JM_SAMPLE_STREAM_MAX bytes at most, however the reads fall, so that
     * the sample (and the format) is the same on one thread and on several. */
    size_t fed = *n - from < JM_SAMPLE_STREAM_MAX ? *n - from : JM_SAMPLE_STREAM_MAX;
    jm_status st = jm__csv_feed(c, *buf + from, fed);
    while (st == JM_OK && !*eof && fed < JM_SAMPLE_STREAM_MAX) {
        jm__grow((void **)buf, cap, *n + (1u << 20) + 1, 1);
        ssize_t k = jm__source_read(src, *buf + *n, 1u << 20, err);
        if (k < 0) {
            jm__csv_free(c);
            jm__time_guess_free(g);
            return JM_EINPUT;
        }
        *eof = k == 0;
        size_t take = (size_t)k < JM_SAMPLE_STREAM_MAX - fed ? (size_t)k : JM_SAMPLE_STREAM_MAX - fed;
        st = jm__csv_feed(c, *buf + *n, take);
        fed += take;
        *n += (size_t)k;
    }
    if (st == JM_OK && *eof && *n - from == fed) {
        char *e = NULL;
        jm__csv_finish(c, f->name, &e);
        free(e);
    }
    jm__csv_free(c);
    st = decide(f, g);
    jm__time_guess_free(g);
    return st;
}
