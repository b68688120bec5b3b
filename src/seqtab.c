/* SPDX-License-Identifier: MIT */
/* Sequence interning: each distinct sequence of step ids (a variant) gets a dense id. */
#include "seqtab.h"
#include "intern.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

typedef struct seq {
    size_t off; /* into steps */
    size_t n;
    uint64_t hash;
} seq;

struct jm__seqtab {
    seq *seq;
    size_t nseq, seq_cap;
    uint32_t *steps; /* every sequence's steps back to back */
    size_t nsteps, steps_cap;
    uint32_t *slot; /* id + 1, 0 empty */
    size_t mask;
};

jm__seqtab *jm__seqtab_new(void)
{
    jm__seqtab *t = jm__xcalloc(1, sizeof *t);
    t->mask = 255;
    t->slot = jm__xzeroed(t->mask + 1, sizeof *t->slot);
    return t;
}

void jm__seqtab_free(jm__seqtab *t)
{
    if (t == NULL)
        return;
    free(t->seq);
    free(t->steps);
    free(t->slot);
    free(t);
}

static void rehash(jm__seqtab *t)
{
    size_t mask = t->mask * 2 + 1;
    uint32_t *slot = jm__xzeroed(mask + 1, sizeof *slot);
    for (size_t id = 0; id < t->nseq; id++) {
        size_t i = t->seq[id].hash & mask;
        while (slot[i] != 0)
            i = (i + 1) & mask;
        slot[i] = (uint32_t)id + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->mask = mask;
}

uint32_t jm__seqtab_id(jm__seqtab *t, const uint32_t *s, size_t n)
{
    uint64_t h = jm__hash(s, n * sizeof *s);
    size_t i = h & t->mask;
    for (;;) {
        uint32_t v = t->slot[i];
        if (v == 0)
            break;
        const seq *q = &t->seq[v - 1];
        if (q->hash == h && q->n == n && memcmp(t->steps + q->off, s, n * sizeof *s) == 0)
            return v - 1;
        i = (i + 1) & t->mask;
    }
    jm__grow((void **)&t->steps, &t->steps_cap, t->nsteps + n, sizeof *t->steps);
    if (n > 0)
        memcpy(t->steps + t->nsteps, s, n * sizeof *s);
    jm__grow((void **)&t->seq, &t->seq_cap, t->nseq + 1, sizeof *t->seq);
    t->seq[t->nseq] = (seq){t->nsteps, n, h};
    t->nsteps += n;
    t->slot[i] = (uint32_t)++t->nseq;
    if (t->nseq * 4 > (t->mask + 1) * 3)
        rehash(t);
    return (uint32_t)t->nseq - 1;
}

const uint32_t *jm__seqtab_get(const jm__seqtab *t, uint32_t id, size_t *n)
{
    *n = t->seq[id].n;
    return t->steps + t->seq[id].off;
}

uint32_t jm__seqtab_count(const jm__seqtab *t)
{
    return (uint32_t)t->nseq;
}
