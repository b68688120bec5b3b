/* SPDX-License-Identifier: MIT */
/* Loops: self-loops (a step right after itself) and repetitions (a step seen earlier again). */
#include "analysis.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct step_loops {
    uint64_t self_loops;
    uint64_t repetitions;
    uint64_t journeys;       /* journeys with a self-loop or repetition of this step */
    uint64_t journeys_3x;    /* journeys where the step occurs three times or more */
    uint64_t max_in_journey; /* the most times it occurs in one journey */
} step_loops;

typedef struct loops {
    uint64_t self_loops, repetitions, journeys_with_loop;
    step_loops *by; /* by step id */
    size_t nby;
    jm__seen seen; /* scratch for one journey: the steps it has had so far */
    uint32_t *order; /* ranked step ids after finish */
    size_t nrank;
} loops;

static void *l_begin(const jm__ctx *ctx)
{
    (void)ctx;
    return jm__xcalloc(1, sizeof(loops));
}

typedef enum loop { LOOP_NONE, LOOP_SELF, LOOP_REPEAT } loop;

/* What position i of a journey's steps is (SPEC §4): a self-loop (i > 0 and the same step as
 * the one before), a repetition (i > 0, another step before, and this step seen earlier in the
 * journey), or neither. A journey's positions come in order from 0 (0 starts a new journey);
 * afterwards seen->occ[step[i]] is how often the step occurs in step[0..i]. Inlined into l_add
 * and jm__journey_loops: the one definition of a loop. */
static inline loop loop_at(jm__seen *seen, const uint32_t *step, size_t i)
{
    uint32_t x = step[i];
    if (i == 0)
        seen->journey++;
    if (x >= seen->cap) {
        size_t n = seen->cap, cap = seen->cap;
        jm__grow((void **)&seen->stamp, &cap, (size_t)x + 1, sizeof *seen->stamp);
        seen->occ = jm__xrealloc(seen->occ, cap * sizeof *seen->occ);
        memset(seen->stamp + n, 0, (cap - n) * sizeof *seen->stamp);
        memset(seen->occ + n, 0, (cap - n) * sizeof *seen->occ);
        seen->cap = cap;
    }
    if (seen->stamp[x] != seen->journey) {
        seen->stamp[x] = seen->journey;
        seen->occ[x] = 0;
    }
    seen->occ[x]++;
    if (i == 0 || seen->occ[x] == 1)
        return LOOP_NONE;
    return step[i - 1] == x ? LOOP_SELF : LOOP_REPEAT;
}

void jm__journey_loops(jm__seen *seen, const uint32_t *step, size_t n, uint64_t *self,
                       uint64_t *rep)
{
    *self = *rep = 0;
    for (size_t i = 0; i < n; i++) {
        loop kind = loop_at(seen, step, i);
        *self += kind == LOOP_SELF;
        *rep += kind == LOOP_REPEAT;
    }
}

void jm__seen_free(jm__seen *seen)
{
    free(seen->stamp);
    free(seen->occ);
    memset(seen, 0, sizeof *seen);
}

static void ensure(loops *s, size_t step)
{
    if (step >= s->nby)
        jm__grow_zeroed((void **)&s->by, &s->nby, step + 1, sizeof *s->by);
}

static void l_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    (void)ctx;
    loops *s = st;
    bool any = false;
    for (size_t i = 0; i < j->n; i++) {
        uint32_t x = j->step[i];
        ensure(s, x);
        loop kind = loop_at(&s->seen, j->step, i);
        if (kind == LOOP_NONE)
            continue;
        step_loops *b = &s->by[x];
        if (kind == LOOP_SELF) {
            b->self_loops++;
            s->self_loops++;
        } else {
            b->repetitions++;
            s->repetitions++;
        }
        any = true;
        /* The second occurrence is the first loop of this step in this journey. */
        if (s->seen.occ[x] == 2)
            b->journeys++;
        if (s->seen.occ[x] == 3)
            b->journeys_3x++;
    }
    /* Each step's highest count in this journey, once per step. */
    for (size_t i = 0; i < j->n; i++) {
        uint32_t x = j->step[i];
        if (s->seen.occ[x] > s->by[x].max_in_journey)
            s->by[x].max_in_journey = s->seen.occ[x];
    }
    if (any)
        s->journeys_with_loop++;
}

static void l_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    loops *a = into;
    const loops *b = from;
    a->self_loops += b->self_loops;
    a->repetitions += b->repetitions;
    a->journeys_with_loop += b->journeys_with_loop;
    for (size_t i = 0; i < b->nby; i++) {
        const step_loops *y = &b->by[i];
        if (y->max_in_journey == 0)
            continue;
        ensure(a, i);
        step_loops *x = &a->by[i];
        x->self_loops += y->self_loops;
        x->repetitions += y->repetitions;
        x->journeys += y->journeys;
        x->journeys_3x += y->journeys_3x;
        if (y->max_in_journey > x->max_in_journey)
            x->max_in_journey = y->max_in_journey;
    }
}

/* Repeated steps ranked by the journeys they touch, then by loops, then by name. */
static int by_burden(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const loops *s = d[0];
    const jm__ctx *ctx = d[1];
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const step_loops *x = &s->by[a], *y = &s->by[b];
    if (x->journeys != y->journeys)
        return x->journeys > y->journeys ? -1 : 1;
    uint64_t lx = x->self_loops + x->repetitions, ly = y->self_loops + y->repetitions;
    if (lx != ly)
        return lx > ly ? -1 : 1;
    size_t na, nb;
    const char *sa = jm__intern_str(ctx->steps, a, &na);
    const char *sb = jm__intern_str(ctx->steps, b, &nb);
    return jm__bytes_cmp(sa, na, sb, nb);
}

static void l_finish(void *st, const jm__ctx *ctx)
{
    loops *s = st;
    s->order = jm__xmalloc((s->nby ? s->nby : 1) * sizeof *s->order);
    for (size_t i = 0; i < s->nby; i++)
        if (s->by[i].journeys > 0)
            s->order[s->nrank++] = (uint32_t)i;
    const void *data[2] = {s, ctx};
    jm__sort(s->order, s->nrank, sizeof *s->order, by_burden, (void *)data);
}

static size_t listed(const loops *s, const jm__ctx *ctx)
{
    return ctx->opt->top && ctx->opt->top < s->nrank ? ctx->opt->top : s->nrank;
}

static void l_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const loops *s = st;
    jm__m_uint(m, sec, "self_loops", s->self_loops);
    jm__m_uint(m, sec, "repetitions", s->repetitions);
    jm__m_uint(m, sec, "journeys_with_loop", s->journeys_with_loop);
    jm__m_ratio(m, sec, "share_with_loop", s->journeys_with_loop, ctx->journeys);
    jm__mval *a = jm__m_arr(m, sec, "by_step");
    for (size_t r = 0; r < listed(s, ctx); r++) {
        uint32_t x = s->order[r];
        const step_loops *b = &s->by[x];
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x, &n);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "step", name, n);
        jm__m_uint(m, o, "self_loops", b->self_loops);
        jm__m_uint(m, o, "repetitions", b->repetitions);
        jm__m_uint(m, o, "journeys", b->journeys);
        jm__m_uint(m, o, "journeys_3_or_more", b->journeys_3x);
        jm__m_uint(m, o, "max_in_journey", b->max_in_journey);
    }
}

static void l_findings(const void *st, const jm__ctx *ctx, jm__findings *out)
{
    const loops *s = st;
    for (size_t r = 0; r < s->nrank && r < 5; r++) {
        uint32_t x = s->order[r];
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x, &n);
        jm__findings_add(out, "repeat", s->by[x].journeys, jm__xmemdup(name, n),
                         jm__strdupf("customers repeat this step (%" PRIu64
                                     " %s three times or more)",
                                     s->by[x].journeys_3x,
                                     s->by[x].journeys_3x == 1 ? "journey" : "journeys"));
    }
}

static int by_index(const void *pa, const void *pb, void *data)
{
    const jm__state_w *w = data;
    uint32_t a = jm__sw_step_index(w, *(const uint32_t *)pa);
    uint32_t b = jm__sw_step_index(w, *(const uint32_t *)pb);
    return (a > b) - (a < b);
}

/* Totals; then each step that occurs: self-loops, repetitions, journeys, journeys with it three
 * times or more, the most in one journey. */
static void l_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    (void)ctx;
    loops *s = st;
    jm__sw_u64(w, s->self_loops);
    jm__sw_u64(w, s->repetitions);
    jm__sw_u64(w, s->journeys_with_loop);
    uint32_t *ids = jm__xmalloc((s->nby ? s->nby : 1) * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < s->nby; i++)
        if (s->by[i].max_in_journey > 0)
            ids[k++] = (uint32_t)i;
    jm__sort(ids, k, sizeof *ids, by_index, w);
    jm__sw_u64(w, k);
    for (size_t r = 0; r < k; r++) {
        const step_loops *b = &s->by[ids[r]];
        jm__sw_step(w, ids[r]);
        jm__sw_u64(w, b->self_loops);
        jm__sw_u64(w, b->repetitions);
        jm__sw_u64(w, b->journeys);
        jm__sw_u64(w, b->journeys_3x);
        jm__sw_u64(w, b->max_in_journey);
    }
    free(ids);
}

static void *l_load(const jm__ctx *ctx, jm__state_r *r)
{
    loops *s = l_begin(ctx);
    s->self_loops = jm__sr_u64(r);
    s->repetitions = jm__sr_u64(r);
    s->journeys_with_loop = jm__sr_u64(r);
    size_t k = jm__sr_count(r);
    for (size_t i = 0; i < k && jm__sr_ok(r); i++) {
        uint32_t x = jm__sr_step(r);
        ensure(s, x);
        step_loops *b = &s->by[x];
        if (b->max_in_journey != 0)
            jm__sr_fail(r); /* a step listed twice */
        b->self_loops = jm__sr_u64(r);
        b->repetitions = jm__sr_u64(r);
        b->journeys = jm__sr_u64(r);
        b->journeys_3x = jm__sr_u64(r);
        b->max_in_journey = jm__sr_u64(r);
        if (b->max_in_journey == 0)
            jm__sr_fail(r);
    }
    return s;
}

static void l_free(void *st)
{
    loops *s = st;
    free(s->by);
    jm__seen_free(&s->seen);
    free(s->order);
    free(s);
}

const jm__analysis jm__loops_analysis = {
    .key = "loops",
    .begin = l_begin,
    .add = l_add,
    .merge = l_merge,
    .finish = l_finish,
    .model = l_model,
    .findings = l_findings,
    .free = l_free,
    .save = l_save,
    .load = l_load,
};
