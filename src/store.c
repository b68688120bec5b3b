/* SPDX-License-Identifier: MIT */
/* The log: its events (in buckets by case, or spilled past --memory), names and accounting.
 * Readers (read/) fill it through batches; the report (report.c) consumes it. */
#include "store.h"
#include "bizcal.h"
#include "buckets.h"
#include "route.h"
#include "spill.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(jm__event) == 24, "an event record is 24 bytes");

jm_log *jm_log_new(const jm_options *opt, char **err)
{
    if (opt->encoding != NULL) {
        iconv_t cd = opt->encoding[0] ? iconv_open("UTF-8", opt->encoding) : (iconv_t)-1;
        if (cd == (iconv_t)-1) {
            if (err != NULL)
                *err = jm__strdupf("--encoding: '%s' is not an encoding iconv knows (e.g. "
                                   "WINDOWS-1252, ISO-8859-1, UTF-16LE; iconv -l lists them)",
                                   opt->encoding);
            return NULL;
        }
        iconv_close(cd);
    }
    if (opt->calendar != NULL) {
        /* Checked here, before any work; each analysis state parses its own copy. */
        char *e = NULL;
        jm__bizcal *cal = jm__bizcal_new(opt->calendar, opt->tz, opt->holidays, &e);
        if (cal == NULL) {
            if (err != NULL)
                *err = e;
            else
                free(e);
            return NULL;
        }
        jm__bizcal_free(cal);
    }
    char *ferr = NULL;
    jm__filters *filters = jm__filters_parse(opt, &ferr);
    if (ferr != NULL) {
        if (err != NULL)
            *err = ferr;
        else
            free(ferr);
        return NULL;
    }
    jm__timefmt *tf = jm__timefmt_new(opt->time_format, opt->tz, err);
    if (tf == NULL) {
        jm__filters_free(filters);
        return NULL;
    }
    jm_log *log = jm__xcalloc(1, sizeof *log);
    log->opt = opt;
    log->tf = tf;
    log->filters = filters;
    if (filters != NULL)
        log->where_rows = jm__xcalloc(filters->nwhere + 1, sizeof *log->where_rows);
    log->acts = jm__intern_new();
    log->chans = jm__intern_new();
    log->kinds = jm__intern_new();
    log->custs = jm__intern_new();
    log->ress = jm__intern_new();
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
    jm__filters_free(log->filters);
    jm__fresults_clear(&log->fres);
    free(log->where_rows);
    jm__intern_free(log->acts);
    jm__intern_free(log->chans);
    jm__intern_free(log->kinds);
    free(log->kind_act);
    free(log->kind_chan);
    free(log->kind_res);
    jm__intern_free(log->custs);
    jm__intern_free(log->ress);
    free(log->marks);
    jm__buckets_clear(log->events);
    free(log->events);
    jm__spill_free(log->spill);
    jm__route_free(log->route);
    for (size_t i = 0; i < log->stats.files; i++)
        free(log->files[i]);
    free(log->files);
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        free(log->column[r]);
    free(log->err);
    free(log->encoding);
    free(log->time_format);
    free(log);
}

const char *jm_log_error(const jm_log *log)
{
    return log->err;
}

void jm__log_notice(jm_log *log, unsigned kind, const char *file, uint64_t line,
                    const char *msg)
{
    if (log->notices & kind)
        return;
    log->notices |= kind;
    if (log->opt->on_notice != NULL)
        log->opt->on_notice(log->opt->on_notice_data, file, line, msg);
}

void jm__log_set_error(jm_log *log, char *msg)
{
    free(log->err);
    log->err = msg;
}

uint32_t jm__log_kind(jm_log *log, const char *act, size_t na, const char *chan, size_t nc,
                      const char *res, size_t nr, bool *added)
{
    uint32_t kind[3] = {jm__intern_id(log->acts, act, na),
                        chan != NULL ? jm__intern_id(log->chans, chan, nc) : JM_NO_CHANNEL,
                        res != NULL ? jm__intern_id(log->ress, res, nr) : JM_NO_SIDE};
    uint32_t before = jm__intern_count(log->kinds);
    uint32_t id = jm__intern_id(log->kinds, (const char *)kind,
                                log->has_resource ? sizeof kind : 2 * sizeof *kind);
    *added = id == before;
    if (*added) {
        jm__grow((void **)&log->kind_act, &log->kind_cap, before + 1, sizeof *log->kind_act);
        log->kind_chan = jm__xrealloc(log->kind_chan, log->kind_cap * sizeof *log->kind_chan);
        log->kind_res = jm__xrealloc(log->kind_res, log->kind_cap * sizeof *log->kind_res);
        log->kind_act[before] = kind[0];
        log->kind_chan[before] = kind[1];
        log->kind_res[before] = kind[2];
    }
    return id;
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
    if (jm__spill_write(log->spill, log->events, &err) != JM_OK) {
        jm__log_set_error(log, err);
        return JM_EIO;
    }
    log->spilled_events += log->events->n;
    log->marks_lost = true;
    jm__buckets_empty(log->events);
    /* The events written out name case entries by number: they must keep their numbers. */
    log->events->no_compact = true;
    return JM_OK;
}

