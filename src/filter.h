/* SPDX-License-Identifier: MIT */
/* Filters (SPEC §12): row filters applied as rows are read, journey filters applied in order as
 * journeys are rebuilt, and --keep-coverage, which needs the variants of what came before it. */
#ifndef JM_FILTER_H
#define JM_FILTER_H

#include "intern.h"

#include <jmine/jmine.h>
#include <stdbool.h>
#include <stdint.h>

/* The kinds of filter, in the words of their options. */
typedef enum {
    JM__F_WINDOW,     /* --from / --to with --window */
    JM__F_WITH,
    JM__F_WITHOUT,
    JM__F_STARTS,     /* --starts-with */
    JM__F_ENDS,       /* --ends-with */
    JM__F_FOLLOWS,
    JM__F_EVENTUALLY,
    JM__F_SIZE,
    JM__F_DURATION,
    JM__F_COVERAGE    /* --keep-coverage */
} jm__fkind;

/* --window's modes. */
typedef enum {
    JM__W_INTERSECTING,
    JM__W_CONTAINED,
    JM__W_STARTED,
    JM__W_COMPLETED,
    JM__W_TRIM
} jm__wmode;

/* One journey filter. */
typedef struct jm__jfilter {
    jm__fkind kind;
    char *text;          /* as the report states it, e.g. "--follows Web,Call" */
    char *name[2];       /* step names (with, without, starts, ends: name[0]) */
    size_t nlen[2];
    uint32_t step[2];    /* their step ids once resolved; UINT32_MAX: no such step */
    int64_t lo, hi;      /* size, duration (inclusive), window [lo, hi) in UTC ms */
    jm__wmode mode;
    double pct;          /* --keep-coverage */
} jm__jfilter;

/* One row filter, --where COL=V1,V2 (or COL!=...). */
typedef struct jm__where {
    char *text;   /* "--where COL=V1,V2" */
    char *col;    /* the column as given: a name or #N */
    bool negate;  /* != : rows holding one of the values are dropped */
    char **val;
    size_t *vlen;
    size_t nval;
} jm__where;

/* Every filter of a run, parsed from jm_options.filters. */
typedef struct jm__filters {
    jm__where *where;
    size_t nwhere;
    jm__jfilter *f; /* journey filters in command-line order (the window where --from or --to
                       first stands) */
    size_t n;
    size_t first_cover; /* index of the first --keep-coverage, or n */
} jm__filters;

/* Parse opt->filters (in --tz for instants). Returns NULL when there are none at all (no cost
 * downstream), else the filters; on a usage error NULL with *err a malloc'd message (the
 * caller tells the two apart by *err). */
jm__filters *jm__filters_parse(const jm_options *opt, char **err);

/* Free. NULL is a no-op. */
void jm__filters_free(jm__filters *fs);

/* Text of every filter in order, "; " between them, for the state's options ("off": none).
 * Malloc'd. */
char *jm__filters_text(const jm__filters *fs);

/* Resolve the journey filters' step names against the step table. Returns a malloc'd list of
 * the names that name no step ("'A', 'B'"), or NULL when every name is known. */
char *jm__filters_resolve(jm__filters *fs, const jm__intern *steps);

/* What each filter did, as the report states it (filters[]): journeys before and after it, and
 * the events --window trim removed. The row filters come first (journeys: none, their rows are
 * in jm_input_stats.filtered_rows). */
typedef struct jm__fresult {
    char *text;
    bool rows; /* a row filter */
    uint64_t before, after;
    uint64_t removed; /* a row filter: the rows it dropped (the first that drops a row counts
                         it); --window trim: the events it removed; else 0 */
} jm__fresult;

typedef struct jm__fresults {
    jm__fresult *r;
    size_t n;
} jm__fresults;

/* A deep copy of from into to. */
void jm__fresults_copy(jm__fresults *to, const jm__fresults *from);

/* Free the results' memory (not res itself). */
void jm__fresults_clear(jm__fresults *res);

/* ---- Row filters, per file ---- */

/* A row filter with its column found in one file's header. */
typedef struct jm__where_col {
    const jm__where *w;
    size_t col;
} jm__where_col;

/* The first row filter that drops a row of fields f, lengths len, or n when every one keeps
 * it. */
static inline size_t jm__where_drops(const jm__where_col *wc, size_t n, const char *const *f,
                                     const size_t *len)
{
    for (size_t i = 0; i < n; i++) {
        const jm__where *w = wc[i].w;
        const char *s = f[wc[i].col];
        size_t sl = len[wc[i].col];
        bool hit = false;
        for (size_t v = 0; v < w->nval && !hit; v++)
            hit = w->vlen[v] == sl && (sl == 0 || __builtin_memcmp(w->val[v], s, sl) == 0);
        if (hit == w->negate)
            return i;
    }
    return n;
}

/* Whether a row passes every row filter. */
static inline bool jm__where_keep(const jm__where_col *wc, size_t n, const char *const *f,
                                  const size_t *len)
{
    return jm__where_drops(wc, n, f, len) == n;
}

/* ---- Journey filters ---- */

/* A journey's arrays as the report builds them, one entry an event, sorted by start; cust and
 * res are NULL where the log has no customer or resource column. */
typedef struct jm__jarrs {
    uint32_t *step, *chan, *cust, *res;
    int64_t *start, *end;
} jm__jarrs;

/* What one thread counts, and, with --keep-coverage, the journeys it keeps for the later passes
 * (a journey: its case, its first event in the arrays, its length). */
typedef struct jm__fcount {
    uint64_t entered;   /* journeys that reached the first filter */
    uint64_t *pass;     /* by filter: journeys it let through */
    uint64_t *trimmed;  /* by filter: events --window trim removed */
    uint32_t *jcas;
    size_t *joff;
    size_t nj, jcap;
    uint32_t *step, *chan, *cust, *res;
    int64_t *start, *end;
    size_t ne, ecap;
} jm__fcount;

/* A thread's counts for fs (zeroed; free with jm__fcount_clear). */
void jm__fcount_init(jm__fcount *c, const jm__filters *fs);
void jm__fcount_clear(jm__fcount *c);

/* Add b's counts into a (their kept journeys stay where they are). */
void jm__fcount_add(jm__fcount *a, const jm__fcount *b, const jm__filters *fs);

/* Run the filters before the first --keep-coverage on the journey of n events in a (trimmed in
 * place by --window trim). Returns its new length, or 0 when it is dropped or kept in c for the
 * passes of jm__filters_coverage. */
size_t jm__filters_journey(const jm__filters *fs, jm__fcount *c, uint32_t cas,
                           const jm__jarrs *a, size_t n);

/* The results of fs from the merged counts c and the rows each row filter dropped (where_rows,
 * by row filter) into res (replacing what it held). */
void jm__filters_results(const jm__filters *fs, const jm__fcount *c, const uint64_t *where_rows,
                         jm__fresults *res);

/* The journeys kept by the threads' counts c[0..nc), through every --keep-coverage and the
 * filters after it, a pass each: the variants (steps with runs cut to collapse steps, 0: none)
 * of what is left are ranked as the report ranks them (more journeys first, ties by step names
 * in byte order, a prefix first) and the journeys of the fewest top ones covering pct % kept.
 * Each journey left is handed to emit with its arrays (borrowed for the call). Counts go to
 * c[0]. */
void jm__filters_coverage(const jm__filters *fs, jm__fcount *c, size_t nc,
                          const jm__intern *steps, unsigned collapse,
                          void (*emit)(void *data, uint32_t cas, const jm__jarrs *a,
                                       size_t n),
                          void *data);

#endif
