/* SPDX-License-Identifier: MIT */
/* The journey store: the log's events as compact records of interned ids, and its accounting. */
#ifndef JM_STORE_H
#define JM_STORE_H

#include "intern.h"
#include "timeparse.h"

#include <jmine/jmine.h>

/* The channel id of an event whose channel is unknown (no column, or an empty field). */
#define JM_NO_CHANNEL UINT32_MAX

/* One event. Its place in the log's array is its input order (file order, then line order). */
typedef struct jm__event {
    int64_t start; /* UTC milliseconds */
    int64_t end;   /* >= start */
    uint32_t cas;  /* id in jm_log.cases */
    uint32_t act;  /* id in jm_log.acts */
    uint32_t chan; /* id in jm_log.chans, or JM_NO_CHANNEL */
} jm__event;

struct jm_log {
    const jm_options *opt;
    jm__timefmt *tf;
    jm__intern *cases, *acts, *chans;
    jm__event *ev;
    size_t nev, cap;
    jm_input_stats stats;
    char **files; /* names as given, in order */
    size_t files_cap;
    char *column[JM_ROLE_COUNT]; /* the role columns of the first file, or NULL */
    bool has_end, has_channel;   /* some file had the column */
    bool consumed;               /* the events went to a report */
    char *err;
};

#endif
