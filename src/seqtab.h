/* SPDX-License-Identifier: MIT */
/* Sequence interning: each distinct sequence of step ids (a variant) gets a dense id. */
#ifndef JM_SEQTAB_H
#define JM_SEQTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct jm__seqtab jm__seqtab;

jm__seqtab *jm__seqtab_new(void);

/* Free the table. NULL is a no-op. */
void jm__seqtab_free(jm__seqtab *t);

/* The id of the n step ids at s, added if new. Ids are dense from 0 in first-seen order. */
uint32_t jm__seqtab_id(jm__seqtab *t, const uint32_t *s, size_t n);

/* The steps of id; *n gets their count. The pointer lives as long as the table. */
const uint32_t *jm__seqtab_get(const jm__seqtab *t, uint32_t id, size_t *n);

/* How many distinct sequences the table holds. */
uint32_t jm__seqtab_count(const jm__seqtab *t);

#endif
