/* SPDX-License-Identifier: MIT */
/* Step pairs: a dense id for each directly-follows pair (a, b) of step ids. */
#ifndef JM_PAIRS_H
#define JM_PAIRS_H

#include <stddef.h>
#include <stdint.h>

typedef struct jm__pairs jm__pairs;

/* A table for pairs of ids below nsteps. */
jm__pairs *jm__pairs_new(uint32_t nsteps);

/* Free the table. NULL is a no-op. */
void jm__pairs_free(jm__pairs *t);

/* The id of the pair (a, b), added if new; dense from 0 in first-seen order. */
uint32_t jm__pairs_id(jm__pairs *t, uint32_t a, uint32_t b);

/* The pair of an id. */
void jm__pairs_get(const jm__pairs *t, uint32_t id, uint32_t *a, uint32_t *b);

/* How many pairs the table holds. */
uint32_t jm__pairs_count(const jm__pairs *t);

#endif
