/* SPDX-License-Identifier: MIT */
/* Step pairs: a dense id for each directly-follows pair (a, b) of step ids. */
#include "pairs.h"
#include "seqtab.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Below this many steps a full matrix (at most 4 MiB) answers with one load; beyond it, a hash
 * table of sequences does. Every transition of every journey asks, so this is a hot path. */
#define MATRIX_STEPS 1024

struct jm__pairs {
    uint32_t nsteps;
    uint32_t *matrix; /* id + 1, 0 for none; NULL when hashing */
    jm__seqtab *hash;
    uint32_t *from, *to;
    size_t n, cap;
};

jm__pairs *jm__pairs_new(uint32_t nsteps)
{
    jm__pairs *t = jm__xcalloc(1, sizeof *t);
    t->nsteps = nsteps;
    if (nsteps <= MATRIX_STEPS)
        t->matrix = jm__xcalloc((size_t)nsteps * nsteps + 1, sizeof *t->matrix);
    else
        t->hash = jm__seqtab_new();
    return t;
}

void jm__pairs_free(jm__pairs *t)
{
    if (t == NULL)
        return;
    free(t->matrix);
    jm__seqtab_free(t->hash);
    free(t->from);
    free(t->to);
    free(t);
}

static uint32_t add(jm__pairs *t, uint32_t a, uint32_t b)
{
    if (t->n == t->cap) {
        size_t cap = t->cap;
        jm__grow((void **)&t->from, &cap, t->n + 1, sizeof *t->from);
        t->to = jm__xrealloc(t->to, cap * sizeof *t->to);
        t->cap = cap;
    }
    t->from[t->n] = a;
    t->to[t->n] = b;
    return (uint32_t)t->n++;
}

uint32_t jm__pairs_id(jm__pairs *t, uint32_t a, uint32_t b)
{
    if (t->matrix != NULL) {
        uint32_t *cell = &t->matrix[(size_t)a * t->nsteps + b];
        if (*cell == 0)
            *cell = add(t, a, b) + 1;
        return *cell - 1;
    }
    uint32_t key[2] = {a, b};
    uint32_t id = jm__seqtab_id(t->hash, key, 2);
    if (id == t->n)
        add(t, a, b);
    return id;
}

void jm__pairs_get(const jm__pairs *t, uint32_t id, uint32_t *a, uint32_t *b)
{
    *a = t->from[id];
    *b = t->to[id];
}

uint32_t jm__pairs_count(const jm__pairs *t)
{
    return (uint32_t)t->n;
}
