/* SPDX-License-Identifier: MIT */
/* The log: its events (in buckets by case, or spilled), names, files and accounting. */
#ifndef JM_STORE_H
#define JM_STORE_H

#include "buckets.h"
#include "event.h"
#include "filter.h"
#include "intern.h"
#include "timeparse.h"

#include <jmine/jmine.h>

/* Where a merged batch's events went, so that an event can be traced back to the rows it came
 * from (the lines of rows that repeat, for their notice): the batch's file, its first row's
 * line (exact: a record boundary), its rows, and each bucket's event count before it. */
typedef struct jm__mark {
    uint32_t file; /* index in jm_log.files */
    char delim;
    uint64_t first_line;
    uint64_t rows;
    uint32_t before[JM_BUCKETS];
} jm__mark;

struct jm_log {
    const jm_options *opt;
    jm__timefmt *tf;
    jm__filters *filters;  /* jm_options.filters parsed, or NULL when there are none */
    jm__fresults fres;     /* what the filters did (the report's, or a merge's sums) */
    uint64_t *where_rows;  /* by row filter: the rows it dropped */
    jm__intern *acts, *chans; /* case ids are kept in the buckets */
    /* Kinds: (activity, channel) pairs, 8 bytes each. An event in the buckets holds its kind in
     * act and the fingerprint of its row in chan (see batch.c); the report reads them back
     * through kind_act and kind_chan. */
    jm__intern *kinds;
    uint32_t *kind_act, *kind_chan;
    /* Each kind's resource (JM_NO_SIDE: none): with a resource column, a kind is (activity,
     * channel, resource). */
    uint32_t *kind_res;
    jm__intern *custs, *ress; /* customer ids, resources */
    bool has_customer, has_resource; /* the first file had the column */
    size_t kind_cap;
    struct jm__buckets *events; /* in buckets by case (buckets.h) */
    struct jm__spill *spill; /* events written out by --memory, or NULL */
    uint64_t spilled_events; /* events out there; the buckets hold the ones read since */
    jm_input_stats stats;
    char **files; /* names as given, in order */
    size_t files_cap;
    char *column[JM_ROLE_COUNT]; /* the role columns of the first file, or NULL */
    bool has_end, has_channel;   /* some file had the column */
    bool has_lifecycle;          /* likewise: events then carry their transition (event.h) */
    bool consumed;               /* the events went to a report */
    char *encoding;              /* the encodings read, each once: "UTF-8", "UTF-8, UTF-16LE" */
    char *time_format;           /* a merge's: how its states read times (else tf's name) */
    unsigned notices;            /* the kinds of notice given (JM__NOTICE_...) */
    jm__mark *marks;             /* one per merged batch with events, in file order */
    size_t nmarks, marks_cap;
    bool marks_lost;             /* events were spilled: bucket indices no longer tell */
    char *err;
    /* A share of a run spread over processes (dist.h, jmine-mpi): the next plain file is read
     * from byte range.lo (a record boundary, at line range.line) to range.hi only. */
    struct {
        bool on;
        uint64_t lo, hi, line;
    } range;
    bool range_failed; /* stray quotes misled the cut of a range: read the file whole */
    /* A share's events, written for the processes that own their cases as batches merge
     * (dist.h: jm__dist_route), or NULL: they go to the buckets. */
    struct jm__route *route;
    /* jm_report_build of a share: no "every row rejected" check (the run decides that over
     * every share), and the lifecycle mode decided from the whole run's rows. */
    bool share;
    uint64_t share_lc_rows[JM_LC_COUNT];
};

/* Kinds of notice (jm_options.on_notice), each given at most once per log. */
enum { JM__NOTICE_NOT_UTF8 = 1u << 0, JM__NOTICE_UNKNOWN_STEP = 1u << 1 };

/* Give notice msg of kind (one of JM__NOTICE_...) about file at line (0: none) through
 * jm_options.on_notice, unless a notice of that kind was given already. */
void jm__log_notice(jm_log *log, unsigned kind, const char *file, uint64_t line,
                    const char *msg);

/* Replace the log's error message with msg (malloc'd, taken over). */
void jm__log_set_error(jm_log *log, char *msg);


/* The log's id of the kind of activity act (na bytes), channel chan (nc bytes; NULL: unknown)
 * and, with a resource column, resource res (nr bytes; NULL: none), the names interned into the
 * log's tables and the kind added if new (*added then true). */
uint32_t jm__log_kind(jm_log *log, const char *act, size_t na, const char *chan, size_t nc,
                      const char *res, size_t nr, bool *added);

/* Keep the events in memory within jm_options.memory_bytes: beyond it, write them out to the
 * spill partitions and empty the array. Returns JM_OK or JM_EIO (the log's error says why). */
jm_status jm__log_bound(jm_log *log);

#endif
