/* SPDX-License-Identifier: MIT */
/* The journey store: the log's events as compact records of interned ids, and its accounting. */
#ifndef JM_STORE_H
#define JM_STORE_H

#include "intern.h"
#include "timeparse.h"

#include <jmine/jmine.h>

/* The channel id of an event whose channel is unknown (no column, or an empty field). */
#define JM_NO_CHANNEL UINT32_MAX

/* One event, 24 bytes: with millions of them, their size is both the memory and much of the
 * time (fresh memory costs to touch). Its place in its bucket is its input order (file order,
 * then line order) among the events of its cases. */
typedef struct jm__event {
    int64_t start; /* UTC milliseconds */
    uint32_t dur;  /* end - start in ms; JM_DUR_LONG: look the end up with jm__event_end */
    uint32_t cas;  /* id in jm_log.cases */
    uint32_t act;  /* id in jm_log.acts */
    uint32_t chan; /* id in jm_log.chans, or JM_NO_CHANNEL */
} jm__event;

/* A duration of 49.7 days or more does not fit the record; its end is kept aside. */
#define JM_DUR_LONG UINT32_MAX

/* An end kept aside, for the event at index ev. */
typedef struct jm__long_end {
    uint32_t ev;
    int64_t end;
} jm__long_end;

struct jm_log {
    const jm_options *opt;
    jm__timefmt *tf;
    jm__intern *acts, *chans; /* case ids are kept in the buckets */
    struct jm__buckets *events; /* in buckets by case (buckets.h) */
    struct jm__spill *spill; /* events written out by --memory, or NULL */
    uint64_t spilled_events; /* events out there; the buckets hold the ones read since */
    jm_input_stats stats;
    char **files; /* names as given, in order */
    size_t files_cap;
    char *column[JM_ROLE_COUNT]; /* the role columns of the first file, or NULL */
    bool has_end, has_channel;   /* some file had the column */
    bool consumed;               /* the events went to a report */
    char *err;
};

/* Replace the log's error message with msg (malloc'd, taken over). */
void jm__log_set_error(jm_log *log, char *msg);

/* The end time of event e, which is event i of a set whose long ends are le[0..nle) (ascending
 * by event index). */
int64_t jm__end_at(const jm__event *e, const jm__long_end *le, size_t nle, size_t i);

/* Keep the events in memory within jm_options.memory_bytes: beyond it, write them out to the
 * spill partitions and empty the array. Returns JM_OK or JM_EIO (the log's error says why). */
jm_status jm__log_bound(jm_log *log);

#endif
