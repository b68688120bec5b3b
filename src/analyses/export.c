/* SPDX-License-Identifier: MIT */
/* The per-journey export: one CSV row per journey, for joining to other tables. */
#include "analysis.h"
#include "timeparse.h"
#include "write/csvout.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
    uint32_t cas, variant;
    int64_t start, end, longest_wait; /* the longest wait, 0 without one */
    uint32_t events, channels, switches, self_loops, repetitions;
} row;

typedef struct export
{
    bool on;
    row *row;
    size_t n, cap;
    jm__seen seen; /* scratch: the steps of the journey so far (loops.c) */
}
export;

static void *x_begin(const jm__ctx *ctx)
{
    export *s = jm__xcalloc(1, sizeof *s);
    s->on = ctx->opt->keep_journeys;
    return s;
}

/* A journey's figures, each taken from the analysis that defines it (analysis.h): loops from
 * loops.c, switches from channels.c, waits from waits.c, channels from jstats.c. */
static void x_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    export *s = st;
    if (!s->on)
        return;
    row r = {.cas = j->cas,
             .variant = j->variant,
             .start = j->first_start,
             .end = j->last_end,
             .events = (uint32_t)j->n};
    if (ctx->has_channel)
        r.channels = (uint32_t)jm__journey_channels(j->chan, j->n);
    uint64_t self, rep;
    jm__journey_loops(&s->seen, j->step, j->n, &self, &rep);
    r.self_loops = (uint32_t)self;
    r.repetitions = (uint32_t)rep;
    r.switches = (uint32_t)jm__journey_switches(j);
    r.longest_wait = jm__journey_longest_wait(j);
    jm__grow((void **)&s->row, &s->cap, s->n + 1, sizeof *s->row);
    s->row[s->n++] = r;
}

static void x_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    export *a = into;
    const export *b = from;
    jm__grow((void **)&a->row, &a->cap, a->n + b->n, sizeof *a->row);
    if (b->n > 0)
        memcpy(a->row + a->n, b->row, b->n * sizeof *b->row);
    a->n += b->n;
}

/* By case id in byte order, then by start: independent of the order the log was read in. */
static int by_case(const void *pa, const void *pb, void *data)
{
    const jm__ctx *ctx = data;
    const row *x = pa, *y = pb;
    int c = ctx->case_cmp(ctx->case_data, x->cas, y->cas);
    if (c != 0)
        return c;
    return (x->start > y->start) - (x->start < y->start);
}

static void x_finish(void *st, const jm__ctx *ctx)
{
    export *s = st;
    jm__sort(s->row, s->n, sizeof *s->row, by_case, (void *)ctx);
}

jm_status jm__export_write(const void *st, const jm__ctx *ctx, FILE *out)
{
    const export *s = st;
    if (!s->on)
        return JM_EUSAGE;
    fputs("case_id,start,end,events,channels,switches,self_loops,repetitions,longest_wait_s,"
          "variant_id\n",
          out);
    /* Variant ids are computed once per variant, not per journey. */
    uint32_t nv = jm__seqtab_count(ctx->variants);
    char(*ids)[17] = jm__xcalloc(nv ? nv : 1, sizeof *ids);
    /* --min-journeys: a variant of fewer journeys is written "(other)", as the report folds it
     * (its journeys: the rows that have it). */
    if (ctx->opt->min_journeys > 1) {
        uint64_t *count = jm__xcalloc(nv ? nv : 1, sizeof *count);
        for (size_t i = 0; i < s->n; i++)
            count[s->row[i].variant]++;
        for (uint32_t v = 0; v < nv; v++)
            if (count[v] > 0 && count[v] < ctx->opt->min_journeys)
                memcpy(ids[v], "(other)", 8);
        free(count);
    }
    for (size_t i = 0; i < s->n; i++) {
        const row *r = &s->row[i];
        size_t n;
        const char *c = ctx->case_name(ctx->case_data, r->cas, &n);
        jm__csv_field(out, ',', c, n);
        char a[32], b[32], w[32];
        jm__time_format(r->start, a);
        jm__time_format(r->end, b);
        if (ids[r->variant][0] == '\0')
            jm__variant_id(ctx, r->variant, ids[r->variant]);
        fprintf(out, ",%s,%s,%" PRIu32 ",", a, b, r->events);
        if (ctx->has_channel)
            fprintf(out, "%" PRIu32 ",%" PRIu32, r->channels, r->switches);
        else
            fputs(",", out);
        fprintf(out, ",%" PRIu32 ",%" PRIu32 ",%s,%s\n", r->self_loops, r->repetitions,
                r->events > 1 ? jm__fmt_secs(w, r->longest_wait) : "",
                ids[r->variant]);
    }
    free(ids);
    return JM_OK;
}

static void x_free(void *st)
{
    export *s = st;
    free(s->row);
    jm__seen_free(&s->seen);
    free(s);
}

const jm__analysis jm__export_analysis = {
    .key = NULL, /* not part of the report: the journeys command writes it */
    .begin = x_begin,
    .add = x_add,
    .merge = x_merge,
    .finish = x_finish,
    .free = x_free,
};
