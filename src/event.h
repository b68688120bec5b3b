/* SPDX-License-Identifier: MIT */
/* An event as the log keeps it: a compact record of interned ids and its times. */
#ifndef JM_EVENT_H
#define JM_EVENT_H

#include <jmine/jmine.h>

#include <stddef.h>
#include <stdint.h>

/* The channel id of an event whose channel is unknown (no column, or an empty field). */
#define JM_NO_CHANNEL UINT32_MAX

/* An event's customer id where it has none (or the log has no customer column); its resource
 * likewise. Customer ids are kept beside the events only when the log has a customer column
 * (buckets.h: side values); resources are part of an event's kind (store.h). */
#define JM_NO_SIDE UINT32_MAX

/* One event, 24 bytes: with millions of them, their size is both the memory and much of the
 * time (fresh memory costs to touch). Its place in its bucket is its input order (file order,
 * then line order) among the events of its cases. */
typedef struct jm__event {
    int64_t start; /* UTC milliseconds */
    uint32_t dur;  /* end - start in ms; JM_DUR_LONG: look the end up with jm__event_end */
    uint32_t cas;  /* id in jm_log.cases */
    uint32_t act;  /* in the log: its kind, an id in jm_log.kinds (activity and channel) */
    uint32_t chan; /* in the log: the fingerprint of its row (batch.c), read by the report to
                      find rows that repeat */
} jm__event;

/* A duration of 49.7 days or more does not fit the record; its end is kept aside. */
#define JM_DUR_LONG UINT32_MAX

/* An end kept aside, for the event at index ev. */
typedef struct jm__long_end {
    uint32_t ev;
    int64_t end;
} jm__long_end;

/* With a lifecycle column and no end column, an event's duration is always 0, so it carries
 * the row's transition instead (the report pairs starts with completes, or drops the
 * duration): 0 no transition, 1 start, 2 complete, 3 any other. */
enum { JM_LCC_NONE, JM_LCC_START, JM_LCC_COMPLETE, JM_LCC_OTHER };

static inline unsigned jm__lifecycle_code(jm_lc_value v)
{
    return v == JM_LC_START ? JM_LCC_START : v == JM_LC_COMPLETE ? JM_LCC_COMPLETE : JM_LCC_OTHER;
}

/* The end time of event e, which is event i of a set whose long ends are le[0..nle) (ascending
 * by event index). */
static inline int64_t jm__end_at(const jm__event *e, const jm__long_end *le, size_t nle,
                                 size_t i)
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

#endif
