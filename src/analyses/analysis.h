/* SPDX-License-Identifier: MIT */
/* The interface every analysis shares: begin, add a journey, finish, write its section. */
#ifndef JM_ANALYSIS_H
#define JM_ANALYSIS_H

#include "intern.h"
#include "write/json.h"
#include "pairs.h"
#include "seqtab.h"
#include "state.h"
#include "event.h"
#include <jmine/jmine.h>
#include "util.h"

#include <stdbool.h>
#include <stdio.h>

/* What every analysis may read: the options and the name tables. Read-only while journeys are
 * added. */
typedef struct jm__ctx {
    const jm_options *opt;
    const jm__intern *steps;    /* step names (activity, channel or channel:activity) */
    const jm__intern *chans;    /* channel names */
    /* Case ids, named through hooks the report fills (the analyses never see how the log
     * keeps them): the bytes of case id cas (NUL-terminated, *len its length), two ids compared
     * by their bytes in byte order (0 when the same case), and the number of distinct cases
     * (set before finish()). */
    const void *case_data;
    const char *(*case_name)(const void *case_data, uint32_t cas, size_t *len);
    int (*case_cmp)(const void *case_data, uint32_t a, uint32_t b);
    uint64_t cases;
    const jm__seqtab *variants; /* variant id -> step sequence */
    const jm__pairs *pairs;     /* pair id -> (step, next step) */
    /* By pair id, every wait on that transition (floored at 0), gathered once by the report
     * for the analyses that need its distribution; sorted before finish() is called. */
    const jm__vals *pair_wait;
    bool has_channel;
    bool has_end;
    uint64_t journeys; /* all journeys: set before finish() */
} jm__ctx;

/* One journey, as analyses see it. The arrays hold n entries and are borrowed for the call. */
typedef struct jm__journey {
    uint32_t cas;
    size_t n;
    const uint32_t *step;
    const uint32_t *pair; /* pair[i], i >= 1: the id of (step[i-1], step[i]) in ctx->pairs */
    const uint32_t *chan; /* JM_NO_CHANNEL where unknown */
    const int64_t *start; /* UTC ms, non-decreasing */
    const int64_t *end;   /* >= start */
    int64_t first_start;
    int64_t last_end; /* the latest end of any event: duration = last_end - first_start */
    uint32_t variant; /* id in ctx->variants, after --collapse-loops */
} jm__journey;

/* Where text and Markdown writers put their sections. */
typedef struct jm__text {
    FILE *out;
    bool md;
} jm__text;

/* A candidate for "where to act first": something that burdens this many journeys. */
typedef struct jm__finding {
    const char *kind; /* "repeat", "hop", "wait" */
    uint64_t journeys;
    char *what;   /* e.g. the step or transition, raw bytes (writers escape them) */
    char *detail; /* one short clause, plain ASCII plus names */
} jm__finding;

typedef struct jm__findings {
    jm__finding *f;
    size_t n, cap;
} jm__findings;

/* Add a finding; what and detail are taken over (malloc'd). */
void jm__findings_add(jm__findings *l, const char *kind, uint64_t journeys, char *what,
                      char *detail);

/* An analysis. Its state is private to its file. Aggregates must be mergeable (counts that add,
 * value lists that concatenate), so that shards of journeys can be analysed apart: merge() adds
 * `from` into `into`, both made by begin() with the same context. */
typedef struct jm__analysis {
    const char *key; /* the section's key in the JSON report */
    void *(*begin)(const jm__ctx *ctx);
    void (*add)(void *st, const jm__ctx *ctx, const jm__journey *j);
    void (*merge)(void *into, const void *from, const jm__ctx *ctx);
    void (*finish)(void *st, const jm__ctx *ctx);
    void (*json)(const void *st, const jm__ctx *ctx, jm__json *w);
    void (*text)(const void *st, const jm__ctx *ctx, jm__text *t);
    /* Optional: sentences for the report's opening summary, and candidates for "where to act
     * first". NULL when the analysis has none. */
    void (*summary)(const void *st, const jm__ctx *ctx, FILE *out);
    void (*findings)(const void *st, const jm__ctx *ctx, jm__findings *out);
    void (*free)(void *st);
    /* Optional (NULL: nothing of it travels; a merge makes it with begin()): the state by
     * names (SPEC §10, docs/state-format.md). save() writes a finished state canonically:
     * entries in the order of their names (steps by their index in the writer's table), value
     * lists sorted (in place; nothing else changes), so that equal states give equal bytes.
     * load() builds a fresh state from what save() wrote, its ids from the reader's tables
     * (ctx names the same tables), ready for merge() and finish(); the reader's error is set
     * (and the state freed by the caller as any other) when the bytes are malformed. */
    void (*save)(void *st, const jm__ctx *ctx, jm__state_w *w);
    void *(*load)(const jm__ctx *ctx, jm__state_r *r);
} jm__analysis;

/* The analyses, in report order. Adding one is a new file plus one line in report.c's table. */
extern const jm__analysis jm__journeys_analysis;
extern const jm__analysis jm__variants_analysis;
extern const jm__analysis jm__loops_analysis;
extern const jm__analysis jm__channels_analysis;
extern const jm__analysis jm__waits_analysis;
extern const jm__analysis jm__map_analysis;
extern const jm__analysis jm__export_analysis;

/* A step's name made safe for text (malloc'd): see jm__safe. */
char *jm__step_text(const jm__ctx *ctx, uint32_t step, bool md);

/* The process map alone, for the map command (dot or json). */
jm_status jm__map_write(const void *st, const jm__ctx *ctx, jm_format fmt, FILE *out);

/* One CSV row per journey, for the journeys command. */
jm_status jm__export_write(const void *st, const jm__ctx *ctx, FILE *out);

/* Variants, for the variants command: write the table alone (text, csv or json). */
jm_status jm__variants_write(const void *st, const jm__ctx *ctx, jm_format fmt, FILE *out);

/* A variant's stable id: the first 16 hex digits of SHA-256 over each step name followed by
 * 0x1F (SPEC §4), NUL-terminated into buf (17 bytes). */
void jm__variant_id(const jm__ctx *ctx, uint32_t variant, char buf[17]);

#endif
