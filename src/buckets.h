/* SPDX-License-Identifier: MIT */
/* The log's events in buckets by case id: each bucket holds whole cases, small enough for its
 * journeys to be rebuilt within the cache. */
#ifndef JM_BUCKETS_H
#define JM_BUCKETS_H

#include "store.h"

/* Buckets: the events of case c go to bucket c % JM_BUCKETS, in input order. A multiple of
 * JM_SPILL_PARTS, so that a spill partition is a set of whole buckets. */
#define JM_BUCKETS 256

/* Events a chunk holds: a bucket is a list of chunks, carved from blocks of many, so that a
 * bucket that grows copies nothing and fresh memory comes in big pages (see util.c). */
#define JM_CHUNK_EVENTS 2048

typedef struct jm__bucket {
    jm__event **chunk; /* chunk k holds events k * JM_CHUNK_EVENTS ... */
    size_t nchunk, chunk_cap;
    size_t n;              /* events */
    jm__long_end *le;      /* ends kept aside, ev: index in the bucket, ascending */
    size_t nle, le_cap;
    jm__event *tail;       /* where the next event goes in the last chunk */
    size_t room;           /* events the last chunk still takes */
} jm__bucket;

typedef struct jm__buckets {
    jm__bucket b[JM_BUCKETS];
    size_t n;        /* events in all buckets */
    char **blocks;   /* the allocations chunks are carved from */
    size_t nblocks, blocks_cap;
    jm__event **free_chunk; /* chunks of emptied buckets, for reuse */
    size_t nfree, free_cap;
    char *carve;     /* the block chunks are being carved from, and what is left of it */
    size_t carve_left;
} jm__buckets;

/* Empty buckets, in *bs (zeroed first). */
void jm__buckets_init(jm__buckets *bs);

/* Free what the buckets hold (not bs itself). */
void jm__buckets_clear(jm__buckets *bs);

/* Empty every bucket, keeping the memory for the events to come. */
void jm__buckets_empty(jm__buckets *bs);

/* The slow half of jm__buckets_add: a new chunk, or an end kept aside. */
void jm__buckets_add_slow(jm__buckets *bs, const jm__event *e, int64_t end);

/* Append event e to its bucket; end is its end time, kept aside when e->dur is JM_DUR_LONG. */
static inline void jm__buckets_add(jm__buckets *bs, const jm__event *e, int64_t end)
{
    jm__bucket *b = &bs->b[e->cas % JM_BUCKETS];
    if (b->room == 0 || e->dur == JM_DUR_LONG) {
        jm__buckets_add_slow(bs, e, end);
        return;
    }
    *b->tail++ = *e;
    b->room--;
    b->n++;
    bs->n++;
}

/* Copy bucket i's events to ev (room for bs->b[i].n) and append its long ends to *le (capacity
 * *le_cap, count *nle), their indices moved up by base: the position of ev[0] in the array the
 * caller fills. */
void jm__buckets_copy(const jm__buckets *bs, unsigned i, jm__event *ev, size_t base,
                      jm__long_end **le, size_t *nle, size_t *le_cap);

/* Call fn on every event of bucket i in order, with its end time; fn may change the event's
 * act and chan only. */
void jm__buckets_each(jm__buckets *bs, unsigned i,
                      void (*fn)(void *ctx, jm__event *e, int64_t end), void *ctx);

#endif
