/* SPDX-License-Identifier: MIT */
/* The interface every analysis shares: begin, add a journey, merge, finish, fill its section
 * of the report model. */
#ifndef JM_ANALYSIS_H
#define JM_ANALYSIS_H

#include "intern.h"
#include "model.h"
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
    const jm__intern *custs;    /* customer ids (case ids' privacy: see pseudo_key) */
    const jm__intern *ress;     /* resources */
    bool has_channel;
    bool has_end;
    bool has_customer, has_resource; /* the log has the column */
    /* --pseudonymize on a log: customers are named in the state by their pseudonyms under this
     * key (NULL: by their ids, or a merge's names, which are already what the states hold). */
    const char *cust_key;
    size_t cust_key_len;
    uint64_t journeys; /* all journeys: set before finish() */
    /* The report is a share of a run spread over processes (dist.h): it is never shown, only
     * saved as a state for a merge, so finish() need do only what the state's writer reads. */
    bool share;
} jm__ctx;

/* One journey, as analyses see it. The arrays hold n entries and are borrowed for the call. */
typedef struct jm__journey {
    uint32_t cas;
    size_t n;
    const uint32_t *step;
    const uint32_t *pair; /* pair[i], i >= 1: the id of (step[i-1], step[i]) in ctx->pairs */
    const uint32_t *chan; /* JM_NO_CHANNEL where unknown */
    /* Each event's customer (an id in ctx->custs) and resource (in ctx->ress), JM_NO_SIDE where
     * the field is empty; NULL when the log has no such column. */
    const uint32_t *cust;
    const uint32_t *res;
    const int64_t *start; /* UTC ms, non-decreasing */
    const int64_t *end;   /* >= start */
    int64_t first_start;
    int64_t last_end; /* the latest end of any event: duration = last_end - first_start */
    uint32_t variant; /* id in ctx->variants, after --collapse-loops */
} jm__journey;

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
 * `from` into `into`, both made by begin() with the same context.
 *
 * Output: model() fills the analysis's section of the report model (model.h) from its finished
 * state: an object whose members are the JSON report's keys, in their order. The writers
 * (src/write/) read only the model, so an analysis writes no format itself; what only the
 * writers for people need goes in hidden values (jm__m_hide). The text and Markdown writer
 * phrases each section, and the summary, from the model (src/write/report_text.c). */
typedef struct jm__analysis {
    const char *key; /* the section's key in the JSON report */
    void *(*begin)(const jm__ctx *ctx);
    void (*add)(void *st, const jm__ctx *ctx, const jm__journey *j);
    void (*merge)(void *into, const void *from, const jm__ctx *ctx);
    void (*finish)(void *st, const jm__ctx *ctx);
    /* Fill `section`, an empty object under the key `key`, from the finished state, which it
     * only reads (it may run more than once). NULL when the analysis is not part of the report
     * (the per-journey export). */
    void (*model)(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *section);
    /* Optional: candidates for "where to act first". NULL when the analysis has none. */
    void (*findings)(const void *st, const jm__ctx *ctx, jm__findings *out);
    void (*free)(void *st);
    /* Optional (NULL: merge(), then free()): merge `from` into `into` and free `from`, giving
     * its memory back as it is copied, so that big arrays of the two never stand whole side by
     * side (the report merges its workers' states so). */
    void (*absorb)(void *into, void *from, const jm__ctx *ctx);
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

/* The analyses, in report order. Adding one:
 *  - a new file here with its state, begin/add/merge/finish/free, and model(), which fills its
 *    section of the report model with the keys its JSON section holds (model.h; writers for
 *    people that need more than the JSON shows get it as hidden values);
 *  - its declaration below, and one line in report.c's table (the order of the report);
 *  - one line in write/report_text.c's table of section renderers, with the function that
 *    phrases the section (and, if it has one, its summary sentence) for text and Markdown;
 *    until then the text shows the section plainly.
 * The JSON writer needs nothing: it writes any section as the model holds it. A figure of
 * one journey that another room needs (the journeys export) is defined here, once, and
 * declared in the block "One definition of each figure" below. */
extern const jm__analysis jm__journeys_analysis;
extern const jm__analysis jm__variants_analysis;
extern const jm__analysis jm__loops_analysis;
extern const jm__analysis jm__channels_analysis;
extern const jm__analysis jm__waits_analysis;
extern const jm__analysis jm__map_analysis;
extern const jm__analysis jm__customers_analysis;
/* Its key, "waits.business", names a member of the waits section (report.c). */
extern const jm__analysis jm__business_analysis;
extern const jm__analysis jm__handovers_analysis;
extern const jm__analysis jm__export_analysis;

/* The map command's model: under root, "cut" (how much of the map is shown) and "map" (the
 * nodes and edges kept), as the map options ask. */
void jm__map_cut_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *root);

/* One CSV row per journey, for the journeys command: streamed, not through the model (a log
 * may hold millions of journeys). */
jm_status jm__export_write(const void *st, const jm__ctx *ctx, FILE *out);

/* ---- One definition of each figure (SPEC §4): each is defined in the analysis that owns it,
 * by the same code its add() runs; the per-journey export (export.c) and the report take it
 * from there, never from a copy. */

/* The wait before position i > 0 of a journey: start[i] - end[i - 1] floored at 0 (a negative
 * gap is an overlap, which waits.c counts apart) (waits.c). */
int64_t jm__wait_at(const jm__journey *j, size_t i);

/* The longest wait of a journey, 0 when it has none (waits.c). */
int64_t jm__journey_longest_wait(const jm__journey *j);

/* The channel switches of a journey: positions i > 0 whose channel and the one before are
 * both known and differ (channels.c). */
size_t jm__journey_switches(const jm__journey *j);

/* The distinct known channels among a journey's n events (jstats.c). */
size_t jm__journey_channels(const uint32_t *chan, size_t n);

/* Which steps a journey has had so far, by step id: scratch for telling loops apart (loops.c).
 * Zeroed to begin; jm__seen_free frees it. */
typedef struct jm__seen {
    uint64_t *stamp; /* by step id: the journey it was last seen in (1 for the first) */
    uint32_t *occ;   /* by step id: its occurrences so far in that journey */
    size_t cap;
    uint64_t journey;
} jm__seen;

/* The self-loops (positions i > 0 with the same step as the one before) and repetitions
 * (positions i > 0 with another step before and this step seen earlier in the journey) of a
 * journey's n steps, into *self and *rep (loops.c). */
void jm__journey_loops(jm__seen *seen, const uint32_t *step, size_t n, uint64_t *self,
                       uint64_t *rep);
void jm__seen_free(jm__seen *seen);

/* A variant's stable id: the first 16 hex digits of SHA-256 over each step name followed by
 * 0x1F (SPEC §4), NUL-terminated into buf (17 bytes). */
void jm__variant_id(const jm__ctx *ctx, uint32_t variant, char buf[17]);

#endif
