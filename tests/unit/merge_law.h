/* SPDX-License-Identifier: MIT */
/* The merge law of an analysis, for its unit test (STYLE "Tests"): a log analysed in two halves
 * by case, each in a process of its own, saved by names, loaded and merged in a third, gives
 * the same state (the same bytes) as the log analysed whole. Included by test_<analysis>.c
 * after cmocka.h; a fixture of its own through setup/teardown, no globals. */
#ifndef JM_TEST_MERGE_LAW_H
#define JM_TEST_MERGE_LAW_H

#include "analyses/analysis.h"
#include "intern.h"
#include "pairs.h"
#include "seqtab.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAW_MAX_EVENTS 12
#define LAW_HOUR INT64_C(3600000)

/* One journey of the log, by names. */
typedef struct law_journey {
    char cas[16];
    size_t n;
    const char *step[LAW_MAX_EVENTS];
    const char *chan[LAW_MAX_EVENTS]; /* NULL: unknown */
    int64_t start[LAW_MAX_EVENTS], end[LAW_MAX_EVENTS];
    const char *cust[LAW_MAX_EVENTS]; /* NULL: none (the customer's view) */
    const char *res[LAW_MAX_EVENTS];  /* NULL: none (handovers) */
} law_journey;

/* The fixture: the analysis under test, the log, and the options of the run. */
typedef struct law {
    const jm__analysis *an;
    law_journey *j;
    size_t n;
    jm_options opt;
    bool has_end, has_channel;
    bool has_customer, has_resource; /* the log has the column (default: no) */
} law;

/* A process: its own tables, filled in its own first-seen order, and its context. */
typedef struct law_proc {
    jm__intern *steps, *chans, *cases, *custs, *ress;
    jm__seqtab *variants;
    jm__pairs *pairs;
    jm__ctx ctx;
    jm__state_tables tables;
} law_proc;

static const char *const law_steps[] = {
    "Call: billing", "Email: follow-up", "Resolved", "Web: visit FAQ",
    "Ticket: open",  "SMS survey",       "Chat",     "Call"};
static const char *const law_chans[] = {"phone", "email", "web", "chat", "sms"};
/* Customers (several journeys each, so that repeats span cases) and resources. */
static const char *const law_custs[] = {"K01", "K02", "K03", "K04", "K05", "K06", "K07",
                                        "K08", "K09", "K10", "K11", "K12", "K13", "K14",
                                        "K15", "K16", "K17", "K18", "K19", "K20"};
static const char *const law_ress[] = {"ann", "bo", "cy", "di", "ed"};
#define LAW_NCUSTS (sizeof law_custs / sizeof law_custs[0])
#define LAW_NRESS (sizeof law_ress / sizeof law_ress[0])
#define LAW_NSTEPS (sizeof law_steps / sizeof law_steps[0])
#define LAW_NCHANS (sizeof law_chans / sizeof law_chans[0])

static uint64_t law_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 33;
}

/* n journeys of 1 to LAW_MAX_EVENTS events: repeated steps (self-loops and repetitions),
 * channel hops and unknown channels, waits of minutes to days, overlaps, equal durations. */
static law *law_new(const jm__analysis *an, size_t n, uint64_t seed)
{
    law *L = calloc(1, sizeof *L);
    L->an = an;
    L->n = n;
    L->j = calloc(n, sizeof *L->j);
    jm_options_init(&L->opt);
    L->opt.threads = 1;
    L->has_end = L->has_channel = true;
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        law_journey *j = &L->j[i];
        snprintf(j->cas, sizeof j->cas, "C%05zu", (size_t)law_rand(&s) % 100000);
        /* Case ids are unique: the index makes them so. */
        snprintf(j->cas + 6, sizeof j->cas - 6, "-%zu", i);
        j->n = 1 + law_rand(&s) % LAW_MAX_EVENTS;
        int64_t t = (int64_t)(law_rand(&s) % 1000) * LAW_HOUR;
        for (size_t k = 0; k < j->n; k++) {
            uint64_t r = law_rand(&s);
            j->step[k] = k > 0 && r % 5 == 0 ? j->step[k - 1] : law_steps[r % LAW_NSTEPS];
            j->chan[k] = r % 11 == 0 ? NULL : law_chans[(r / 7) % LAW_NCHANS];
            uint64_t w = law_rand(&s) % 8;
            int64_t wait = w == 0   ? -(int64_t)(law_rand(&s) % 600000) /* an overlap */
                           : w == 1 ? (int64_t)(law_rand(&s) % 5) * 24 * LAW_HOUR
                                    : (int64_t)(law_rand(&s) % 90) * 60000;
            j->start[k] = k == 0 ? t : j->end[k - 1] + wait;
            if (k > 0 && j->start[k] < j->start[k - 1])
                j->start[k] = j->start[k - 1];
            j->end[k] = j->start[k] + (int64_t)(law_rand(&s) % 4) * 300000;
        }
    }
    /* Customers and resources from a stream of their own (the journeys above stay as they
     * were): a journey's customer mostly on every event, sometimes only on later ones, or
     * none; resources that hand over, and straight back. */
    uint64_t c = seed ^ 0x5eedc0ffeeULL;
    for (size_t i = 0; i < n; i++) {
        law_journey *j = &L->j[i];
        uint64_t r = law_rand(&c);
        const char *cu = r % 13 == 0 ? NULL : law_custs[(r / 13) % LAW_NCUSTS];
        for (size_t k = 0; k < j->n; k++) {
            uint64_t q = law_rand(&c);
            j->cust[k] = q % 9 == 0 ? NULL : q % 31 == 1 ? law_custs[q % LAW_NCUSTS] : cu;
            j->res[k] = q % 7 == 0                    ? NULL
                        : k >= 2 && q % 5 == 0        ? j->res[k - 2]
                        : k >= 1 && q % 3 == 0        ? j->res[k - 1]
                                                      : law_ress[(q / 7) % LAW_NRESS];
        }
    }
    return L;
}

static void law_free(law *L)
{
    if (L == NULL)
        return;
    free(L->j);
    free(L);
}

static const char *law_case_name(const void *data, uint32_t cas, size_t *len)
{
    return jm__intern_str(data, cas, len);
}

static int law_case_cmp(const void *data, uint32_t a, uint32_t b)
{
    size_t na, nb;
    const char *x = jm__intern_str(data, a, &na);
    const char *y = jm__intern_str(data, b, &nb);
    return jm__bytes_cmp(x, na, y, nb);
}

/* A process whose tables first meet the names in the order `rotate` makes (so ids differ
 * between processes), with the given columns. */
static law_proc *law_proc_new(const law *L, size_t rotate, bool has_end, bool has_channel)
{
    law_proc *p = calloc(1, sizeof *p);
    p->steps = jm__intern_new();
    p->chans = jm__intern_new();
    p->cases = jm__intern_new();
    p->custs = jm__intern_new();
    p->ress = jm__intern_new();
    for (size_t i = 0; i < LAW_NRESS; i++)
        jm__intern_id(p->ress, law_ress[(i + rotate) % LAW_NRESS],
                      strlen(law_ress[(i + rotate) % LAW_NRESS]));
    for (size_t i = 0; i < LAW_NCUSTS; i++)
        jm__intern_id(p->custs, law_custs[(LAW_NCUSTS - i + rotate) % LAW_NCUSTS],
                      strlen(law_custs[(LAW_NCUSTS - i + rotate) % LAW_NCUSTS]));
    p->variants = jm__seqtab_new();
    p->pairs = jm__pairs_new(UINT32_MAX);
    for (size_t i = 0; i < LAW_NSTEPS; i++)
        jm__intern_id(p->steps, law_steps[(i + rotate) % LAW_NSTEPS],
                      strlen(law_steps[(i + rotate) % LAW_NSTEPS]));
    for (size_t i = 0; i < LAW_NCHANS; i++)
        jm__intern_id(p->chans, law_chans[(LAW_NCHANS - i + rotate) % LAW_NCHANS],
                      strlen(law_chans[(LAW_NCHANS - i + rotate) % LAW_NCHANS]));
    p->ctx = (jm__ctx){.opt = &L->opt,
                       .steps = p->steps,
                       .chans = p->chans,
                       .case_data = p->cases,
                       .case_name = law_case_name,
                       .case_cmp = law_case_cmp,
                       .variants = p->variants,
                       .pairs = p->pairs,
                       .custs = p->custs,
                       .ress = p->ress,
                       .has_channel = has_channel,
                       .has_end = has_end,
                       .has_customer = L->has_customer,
                       .has_resource = L->has_resource};
    p->tables = (jm__state_tables){p->steps, p->chans, p->cases, p->variants, p->pairs};
    return p;
}

static void law_proc_free(law_proc *p)
{
    jm__intern_free(p->steps);
    jm__intern_free(p->chans);
    jm__intern_free(p->cases);
    jm__intern_free(p->custs);
    jm__intern_free(p->ress);
    jm__seqtab_free(p->variants);
    jm__pairs_free(p->pairs);
    free(p);
}

/* Hand journey j to the analysis as process p sees it (a log without an end column has
 * end = start; without a channel column, no channel). */
static void law_add(law_proc *p, const law *L, void *st, const law_journey *src)
{
    uint32_t step[LAW_MAX_EVENTS], pair[LAW_MAX_EVENTS], chan[LAW_MAX_EVENTS], seq[LAW_MAX_EVENTS];
    uint32_t cust[LAW_MAX_EVENTS], res[LAW_MAX_EVENTS];
    int64_t end[LAW_MAX_EVENTS];
    jm__journey j = {.cas = jm__intern_id(p->cases, src->cas, strlen(src->cas)),
                     .n = src->n,
                     .step = step,
                     .pair = pair,
                     .chan = chan,
                     .cust = p->ctx.has_customer ? cust : NULL,
                     .res = p->ctx.has_resource ? res : NULL,
                     .start = src->start,
                     .end = end,
                     .first_start = src->start[0]};
    size_t m = 0, run = 0;
    for (size_t i = 0; i < src->n; i++) {
        step[i] = jm__intern_id(p->steps, src->step[i], strlen(src->step[i]));
        chan[i] = p->ctx.has_channel && src->chan[i] != NULL
                      ? jm__intern_id(p->chans, src->chan[i], strlen(src->chan[i]))
                      : JM_NO_CHANNEL;
        end[i] = p->ctx.has_end ? src->end[i] : src->start[i];
        cust[i] = src->cust[i] ? jm__intern_id(p->custs, src->cust[i], strlen(src->cust[i]))
                               : JM_NO_SIDE;
        res[i] = src->res[i] ? jm__intern_id(p->ress, src->res[i], strlen(src->res[i]))
                             : JM_NO_SIDE;
        j.last_end = i == 0 || end[i] > j.last_end ? end[i] : j.last_end;
        pair[i] = i == 0 ? UINT32_MAX : jm__pairs_id(p->pairs, step[i - 1], step[i]);
        run = i > 0 && step[i] == step[i - 1] ? run + 1 : 1;
        if (L->opt.collapse_loops == 0 || run <= L->opt.collapse_loops)
            seq[m++] = step[i];
    }
    j.variant = jm__seqtab_id(p->variants, seq, m);
    L->an->add(st, &p->ctx, &j);
}

/* The variants of every journey, named in process p: a merge names them as it loads the
 * variants analysis beside the others, and the step table of a state is made of them. */
static void law_name_variants(law_proc *p, const law *L)
{
    for (size_t i = 0; i < L->n; i++) {
        const law_journey *src = &L->j[i];
        uint32_t seq[LAW_MAX_EVENTS], prev = UINT32_MAX;
        size_t m = 0, run = 0;
        for (size_t k = 0; k < src->n; k++) {
            uint32_t x = jm__intern_id(p->steps, src->step[k], strlen(src->step[k]));
            run = k > 0 && x == prev ? run + 1 : 1;
            prev = x;
            if (L->opt.collapse_loops == 0 || run <= L->opt.collapse_loops)
                seq[m++] = x;
        }
        jm__seqtab_id(p->variants, seq, m);
    }
}

/* The state's bytes as save() writes them, after the step table (malloc'd). */
static unsigned char *law_save(law_proc *p, const law *L, void *st, size_t *n)
{
    jm__state_w *w = jm__state_w_new(p->steps, p->variants);
    jm__sw_steps(w);
    L->an->save(st, &p->ctx, w);
    size_t k;
    const void *b = jm__sw_finish(w, &k);
    unsigned char *out = malloc(k);
    memcpy(out, b, k);
    *n = k;
    jm__state_w_free(w);
    return out;
}

/* Analyse the journeys that `pick` keeps in process p, finish, and save. */
static unsigned char *law_analyse(law_proc *p, const law *L, bool (*pick)(size_t i, void *data),
                                  void *data, size_t *n)
{
    void *st = L->an->begin(&p->ctx);
    uint64_t journeys = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (!pick(i, data))
            continue;
        law_add(p, L, st, &L->j[i]);
        journeys++;
    }
    p->ctx.journeys = journeys;
    p->ctx.cases = journeys;
    L->an->finish(st, &p->ctx);
    unsigned char *b = law_save(p, L, st, n);
    L->an->free(st);
    return b;
}

/* Load a saved state into process p (which had the given columns when it was saved). */
static void *law_load(law_proc *p, const law *L, const unsigned char *b, size_t n, bool has_end,
                      bool has_channel)
{
    jm__state_r *r = jm__state_r_new(b, n - 4, &p->tables, has_end, has_channel);
    jm__sr_steps(r);
    void *st = L->an->load(&p->ctx, r);
    assert_true(jm__sr_ok(r));
    assert_true(jm__sr_at_end(r));
    jm__state_r_free(r);
    return st;
}

static bool law_all(size_t i, void *data)
{
    (void)i, (void)data;
    return true;
}

/* A half: journeys whose index modulo `mod` is below `cut` (data points to {mod, cut, side}). */
static bool law_half(size_t i, void *data)
{
    const size_t *d = data;
    return ((i % d[0]) < d[1]) == (d[2] == 0);
}

/* The law: whole == load(half 0) merged with load(half 1), each half analysed in a process of
 * its own (other first-seen orders); half 1's log lacks the end or channel column if asked
 * (the whole log then has those columns' values missing for half 1's journeys). An analysis
 * with absorb() is merged through it where mod is odd, through merge() where it is even. */
static void law_check_split(law *L, size_t mod, size_t cut, bool h1_no_end, bool h1_no_channel)
{
    size_t d0[3] = {mod, cut, 0}, d1[3] = {mod, cut, 1};
    /* The whole run sees half 1's journeys as its log shows them. */
    law whole_log = *L;
    whole_log.j = calloc(L->n, sizeof *L->j);
    memcpy(whole_log.j, L->j, L->n * sizeof *L->j);
    for (size_t i = 0; i < L->n; i++) {
        if (!law_half(i, d1))
            continue;
        for (size_t k = 0; k < L->j[i].n; k++) {
            if (h1_no_end)
                whole_log.j[i].end[k] = whole_log.j[i].start[k];
            if (h1_no_channel)
                whole_log.j[i].chan[k] = NULL;
        }
    }
    law_proc *pw = law_proc_new(L, 0, L->has_end, L->has_channel);
    size_t nw;
    unsigned char *bw = law_analyse(pw, &whole_log, law_all, NULL, &nw);

    law_proc *p0 = law_proc_new(L, 3, L->has_end, L->has_channel);
    law_proc *p1 = law_proc_new(L, 5, L->has_end && !h1_no_end, L->has_channel && !h1_no_channel);
    size_t n0, n1;
    unsigned char *b0 = law_analyse(p0, L, law_half, d0, &n0);
    unsigned char *b1 = law_analyse(p1, L, law_half, d1, &n1);

    law_proc *pm = law_proc_new(L, 1, L->has_end, L->has_channel);
    void *s0 = law_load(pm, L, b0, n0, p0->ctx.has_end, p0->ctx.has_channel);
    void *s1 = law_load(pm, L, b1, n1, p1->ctx.has_end, p1->ctx.has_channel);
    law_name_variants(pm, L);
    if (L->an->absorb != NULL && mod % 2 == 1) {
        L->an->absorb(s0, s1, &pm->ctx); /* the way a report takes its workers' states */
    } else {
        L->an->merge(s0, s1, &pm->ctx);
        L->an->free(s1);
    }
    pm->ctx.journeys = pw->ctx.journeys;
    pm->ctx.cases = pw->ctx.cases;
    L->an->finish(s0, &pm->ctx);
    size_t nm;
    unsigned char *bm = law_save(pm, L, s0, &nm);
    L->an->free(s0);

    assert_int_equal(nm, nw);
    assert_memory_equal(bm, bw, nw);
    free(bw);
    free(b0);
    free(b1);
    free(bm);
    free(whole_log.j);
    law_proc_free(pw);
    law_proc_free(p0);
    law_proc_free(p1);
    law_proc_free(pm);
}

/* The law for two halves by case (even and odd journeys). */
static void law_check(law *L)
{
    law_check_split(L, 2, 1, false, false);
}

/* A state saved, loaded and saved again in a process with other ids gives the same bytes. */
static void law_check_round_trip(law *L)
{
    law_proc *a = law_proc_new(L, 0, L->has_end, L->has_channel);
    size_t na;
    unsigned char *ba = law_analyse(a, L, law_all, NULL, &na);
    law_proc *b = law_proc_new(L, 6, L->has_end, L->has_channel);
    void *st = law_load(b, L, ba, na, L->has_end, L->has_channel);
    law_name_variants(b, L);
    b->ctx.journeys = a->ctx.journeys;
    b->ctx.cases = a->ctx.cases;
    L->an->finish(st, &b->ctx);
    size_t nb;
    unsigned char *bb = law_save(b, L, st, &nb);
    L->an->free(st);
    assert_int_equal(na, nb);
    assert_memory_equal(ba, bb, na);
    free(ba);
    free(bb);
    law_proc_free(a);
    law_proc_free(b);
}

/* A state one journey short differs: the comparison sees what the analysis keeps. */
static bool law_all_but_last(size_t i, void *data)
{
    const law *L = data;
    return i + 1 < L->n;
}

static void law_check_sensitive(law *L)
{
    law_proc *a = law_proc_new(L, 0, L->has_end, L->has_channel);
    law_proc *b = law_proc_new(L, 0, L->has_end, L->has_channel);
    size_t na, nb;
    unsigned char *ba = law_analyse(a, L, law_all, NULL, &na);
    unsigned char *bb = law_analyse(b, L, law_all_but_last, L, &nb);
    assert_true(na != nb || memcmp(ba, bb, na) != 0);
    free(ba);
    free(bb);
    law_proc_free(a);
    law_proc_free(b);
}

/* A malformed state (cut short anywhere) is refused, never crashes the loader. */
static void law_check_truncated(law *L)
{
    law_proc *a = law_proc_new(L, 0, L->has_end, L->has_channel);
    size_t na;
    unsigned char *ba = law_analyse(a, L, law_all, NULL, &na);
    size_t body = na - 4;
    for (size_t cut = 0; cut < body; cut += 1 + cut / 16) {
        law_proc *b = law_proc_new(L, 2, L->has_end, L->has_channel);
        jm__state_r *r = jm__state_r_new(ba, cut, &b->tables, L->has_end, L->has_channel);
        jm__sr_steps(r);
        void *st = L->an->load(&b->ctx, r);
        assert_false(jm__sr_ok(r) && jm__sr_at_end(r));
        L->an->free(st);
        jm__state_r_free(r);
        law_proc_free(b);
    }
    free(ba);
    law_proc_free(a);
}

#endif
