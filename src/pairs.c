/* SPDX-License-Identifier: MIT */
/* Step pairs: a dense id for each directly-follows pair (a, b) of step ids. */
#include "pairs.h"
#include "seqtab.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Below this many steps a full matrix (at most 4 MiB) answers with one load; beyond it, a hash
 * table of sequences does. Every transition of every journey asks, so this is a hot path. */
#define MATRIX_STEPS 1024

struct jm__pairs {
    uint32_t nsteps;
    /* id + 1, 0 for none; NULL when hashing. Read without the lock: a cell is written once,
     * under the lock, after its pair is stored. */
    _Atomic uint32_t *matrix;
    jm__seqtab *hash;
    uint32_t *from, *to; /* by id; with a matrix, allocated whole so readers need no lock */
    size_t n, cap;
    pthread_mutex_t lock;
};

jm__pairs *jm__pairs_new(uint32_t nsteps)
{
    jm__pairs *t = jm__xcalloc(1, sizeof *t);
    t->nsteps = nsteps;
    pthread_mutex_init(&t->lock, NULL);
    if (nsteps <= MATRIX_STEPS) {
        size_t cells = (size_t)nsteps * nsteps + 1;
        t->matrix = jm__xcalloc(cells, sizeof *t->matrix);
        t->from = jm__xmalloc(cells * sizeof *t->from);
        t->to = jm__xmalloc(cells * sizeof *t->to);
        t->cap = cells;
    } else {
        t->hash = jm__seqtab_new();
    }
    return t;
}

void jm__pairs_free(jm__pairs *t)
{
    if (t == NULL)
        return;
    free((void *)t->matrix);
    jm__seqtab_free(t->hash);
    free(t->from);
    free(t->to);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* Store a new pair; called with the lock held. */
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
        _Atomic uint32_t *cell = &t->matrix[(size_t)a * t->nsteps + b];
        uint32_t v = atomic_load_explicit(cell, memory_order_acquire);
        if (v != 0)
            return v - 1;
        pthread_mutex_lock(&t->lock);
        v = atomic_load_explicit(cell, memory_order_relaxed);
        if (v == 0) {
            v = add(t, a, b) + 1;
            atomic_store_explicit(cell, v, memory_order_release);
        }
        pthread_mutex_unlock(&t->lock);
        return v - 1;
    }
    uint32_t key[2] = {a, b};
    pthread_mutex_lock(&t->lock);
    uint32_t id = jm__seqtab_id(t->hash, key, 2);
    if (id == t->n)
        add(t, a, b);
    pthread_mutex_unlock(&t->lock);
    return id;
}

void jm__pairs_get(const jm__pairs *t, uint32_t id, uint32_t *a, uint32_t *b)
{
    if (t->matrix != NULL) {
        *a = t->from[id];
        *b = t->to[id];
        return;
    }
    pthread_mutex_lock((pthread_mutex_t *)&t->lock);
    *a = t->from[id];
    *b = t->to[id];
    pthread_mutex_unlock((pthread_mutex_t *)&t->lock);
}

uint32_t jm__pairs_count(const jm__pairs *t)
{
    return (uint32_t)t->n;
}
