/* SPDX-License-Identifier: MIT */
/* The log: its events (in buckets by case, or spilled), names, files and accounting. */
#ifndef JM_STORE_H
#define JM_STORE_H

#include "event.h"
#include "intern.h"
#include "timeparse.h"

#include <jmine/jmine.h>

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
    bool has_lifecycle;          /* likewise: events then carry their transition (event.h) */
    bool consumed;               /* the events went to a report */
    char *encoding;              /* the encodings read, each once: "UTF-8", "UTF-8, UTF-16LE" */
    char *time_format;           /* a merge's: how its states read times (else tf's name) */
    unsigned notices;            /* the kinds of notice given (JM__NOTICE_...) */
    char *err;
};

/* Kinds of notice (jm_options.on_notice), each given at most once per log. */
enum { JM__NOTICE_NOT_UTF8 = 1u << 0 };

/* Give notice msg of kind (one of JM__NOTICE_...) about file at line (0: none) through
 * jm_options.on_notice, unless a notice of that kind was given already. */
void jm__log_notice(jm_log *log, unsigned kind, const char *file, uint64_t line,
                    const char *msg);

/* Replace the log's error message with msg (malloc'd, taken over). */
void jm__log_set_error(jm_log *log, char *msg);


/* Keep the events in memory within jm_options.memory_bytes: beyond it, write them out to the
 * spill partitions and empty the array. Returns JM_OK or JM_EIO (the log's error says why). */
jm_status jm__log_bound(jm_log *log);

#endif
