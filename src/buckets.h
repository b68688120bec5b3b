/* SPDX-License-Identifier: MIT */
/* The log's events and case ids in buckets by the hash of the case id: each bucket holds whole
 * cases, few enough for its case ids to be told apart, and its journeys rebuilt, within the
 * cache. */
#ifndef JM_BUCKETS_H
#define JM_BUCKETS_H

#include "event.h"

#include <stdbool.h>

/* Buckets: the events of a case go to the bucket its id's hash names, in input order. A multiple
 * of JM_SPILL_PARTS, so that a spill partition is a set of whole buckets. */
#define JM_BUCKETS 256

/* The bucket of a case id whose jm__hash has high half hi. */
static inline unsigned jm__bucket_of(uint32_t hi)
{
    return hi % JM_BUCKETS;
}

/* An event whose side value is not its case entry's (jm__bucket.eside): its index in the
 * bucket, and its value. */
typedef struct jm__side_exc {
    uint32_t ev;
    uint32_t v;
} jm__side_exc;

/* The side value of an entry with no event yet. */
#define JM_SIDE_UNSET (UINT32_MAX - 1)

/* Events a chunk holds: a bucket's events are a list of chunks, carved from blocks of many, so
 * that a bucket that grows copies nothing and fresh memory comes in big pages (see util.c). */
#define JM_CHUNK_EVENTS 2048

/* The events chunk k of a bucket of n events holds. */
static inline size_t jm__chunk_len(size_t n, size_t k)
{
    size_t left = n - k * JM_CHUNK_EVENTS;
    return left < JM_CHUNK_EVENTS ? left : JM_CHUNK_EVENTS;
}

/* While the log is read, an event's case (jm__event.cas) is a case *entry* of its bucket: one
 * entry per case and merged batch, in input order, the id's bytes kept in the bucket's names.
 * Telling which entries are the same case waits until the journeys are rebuilt, bucket by
 * bucket (jm__buckets_cases): a lookup in one table of every case would miss the cache at each
 * entry. After that, cas is a case id: the case's number in its bucket * JM_BUCKETS + the
 * bucket. */
typedef struct jm__bucket {
    jm__event **chunk; /* chunk k holds events k * JM_CHUNK_EVENTS ... */
    size_t nchunk, chunk_cap;
    size_t n;              /* events */
    jm__long_end *le;      /* ends kept aside, ev: index in the bucket, ascending */
    size_t nle, le_cap;
    jm__event *tail;       /* where the next event goes in the last chunk */
    size_t room;           /* events the last chunk still takes */
    char *names;           /* case id bytes, each followed by a NUL */
    size_t names_len, names_cap;
    uint32_t *entry;       /* offset in names of each case entry */
    size_t nentry, entry_cap;
    /* With side values (jm__buckets.side): each entry's, the value of its first event
     * (JM_SIDE_UNSET before it has one; capacity entry_cap); an event whose value is not its
     * entry's is an exception, kept here in event order (a case's customer rarely changes, so
     * a side value costs about 4 bytes a case entry, not 4 an event). */
    uint32_t *eside;
    jm__side_exc *sx;
    size_t nsx, sx_cap;
    uint32_t *name;        /* offset in names of each case, once told apart */
    uint32_t ncase;
    /* Compaction (jm__buckets_compact): entries 0 .. ncanon-1 are distinct cases, and events
     * 0 .. canon_events-1 name them only; compacted again once nentry reaches compact_at. */
    uint32_t ncanon;
    size_t canon_events;
    size_t compact_at;
    /* Events [lead_from, lead_to) come first in input order, then [0, lead_from), then the
     * rest (jm__buckets_lead); both 0: index order is input order. */
    size_t lead_from, lead_to;
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
    /* Each event has a side value (the customer id, event.h's JM_NO_SIDE where none), kept
     * by its case entry (jm__bucket.eside): set before the first case entry is added, when the
     * log has a customer column. */
    bool side;
    bool no_compact;  /* entries are named by events written out (spill.c): keep them */
    uint64_t *ctab;   /* scratch of jm__buckets_compact */
    uint32_t *cmap, *cside;
    jm__side_exc *csx;
    size_t ctab_cap, cmap_cap, cside_cap, csx_cap;
} jm__buckets;

/* The events added from now on (start true) until the call with start false come before
 * those added so far in input order, and those added after that come last (jmine-mpi: a share
 * keeps its own events as it reads them, then imports those of the shares before and after
 * it). The journeys read the events in that order; a bucket emptied (spilled) forgets it. */
void jm__buckets_lead(jm__buckets *bs, bool start);

/* Empty buckets, in *bs (zeroed first). */
void jm__buckets_init(jm__buckets *bs);

/* Free everything the buckets hold (not bs itself). */
void jm__buckets_clear(jm__buckets *bs);

/* Free the events only: the case ids stay, for the report to name its cases by. */
void jm__buckets_free_events(jm__buckets *bs);

/* Empty every bucket of its events (their case entries stay), keeping the memory for the
 * events to come. */
void jm__buckets_empty(jm__buckets *bs);

/* Add a case entry for the n bytes at s to bucket b; returns its index there. */
uint32_t jm__buckets_add_case(jm__buckets *bs, unsigned b, const char *s, size_t n);

/* Merge the duplicate case entries of every bucket that has gathered enough of them since it
 * was last compacted: a case met in many batches (a log in random order meets each case in
 * several) then takes one entry, not one per batch, and its events are renumbered. Entries and
 * events that were distinct already keep their numbers, so the work is on what came since.
 * Call between batches (entries handed out by jm__buckets_add_case are renumbered); does
 * nothing once no_compact is set. */
void jm__buckets_compact(jm__buckets *bs);

/* The slow half of jm__buckets_add: a new chunk, or an end kept aside. */
void jm__buckets_add_slow(jm__buckets *bs, unsigned b, const jm__event *e, int64_t end);

/* Append event e to bucket b; end is its end time, kept aside when e->dur is JM_DUR_LONG. */
static inline void jm__buckets_add(jm__buckets *bs, unsigned b, const jm__event *e, int64_t end)
{
    jm__bucket *k = &bs->b[b];
    if (k->room == 0 || e->dur == JM_DUR_LONG) {
        jm__buckets_add_slow(bs, b, e, end);
        return;
    }
    *k->tail++ = *e;
    k->room--;
    k->n++;
    bs->n++;
}

/* The slow half of jm__buckets_add_side: an entry's first value, or an exception. */
void jm__buckets_side_slow(jm__buckets *bs, unsigned b, uint32_t entry, uint32_t v);

/* Append event e with side value v to bucket b (the buckets have side values). */
static inline void jm__buckets_add_side(jm__buckets *bs, unsigned b, const jm__event *e,
                                        int64_t end, uint32_t v)
{
    jm__buckets_add(bs, b, e, end);
    if (bs->b[b].eside[e->cas] != v)
        jm__buckets_side_slow(bs, b, e->cas, v);
}

/* The side values of bucket i's events, in order, to side[0 .. bs->b[i].n): each its entry's
 * or its exception's. The events' cas must still be case entries (before the report numbers
 * its cases). */
void jm__buckets_sides(const jm__buckets *bs, unsigned i, uint32_t *side);

/* Tell bucket b's cases apart: same[i] (room for its case entries, supplied) gets the case
 * number of entry i, numbers going from 0 in the order cases first came. The scratch table
 * (*tab, capacity *tab_cap) is grown as needed. Sets the bucket's ncase and names its cases. */
void jm__buckets_cases(jm__buckets *bs, unsigned b, uint32_t *same, uint64_t **tab,
                       size_t *tab_cap);

/* The bytes of case id cas (see jm__bucket), *len its length; NUL-terminated. */
const char *jm__buckets_case_name(const jm__buckets *bs, uint32_t cas, size_t *len);

/* Case ids a and b compared by their bytes, in byte order (0 when the same case). */
int jm__buckets_case_cmp(const jm__buckets *bs, uint32_t a, uint32_t b);

/* Cases told apart so far, in every bucket. */
uint32_t jm__buckets_case_count(const jm__buckets *bs);

/* Give the memory of bucket i's events back to the system (their pages, not their blocks):
 * once its journeys are rebuilt, nothing reads them again (jm__buckets_free_events frees the
 * blocks). Their contents are lost; the case ids stay. */
void jm__buckets_release(jm__buckets *bs, unsigned i);

/* Copy bucket i's events to ev (room for bs->b[i].n), their side values to side (likewise; NULL
 * or no side values: none copied; the events' cas must be case entries), and append its long
 * ends to *le (capacity *le_cap, count *nle), their indices moved up by base: the position of
 * ev[0] in the array the caller fills. */
void jm__buckets_copy(const jm__buckets *bs, unsigned i, jm__event *ev, uint32_t *side,
                      size_t base, jm__long_end **le, size_t *nle, size_t *le_cap);

/* Call fn on every event of bucket i in order, with its end time, side value (JM_NO_SIDE
 * without side values; the events' cas must be case entries) and bucket; fn may change the
 * event's act and chan only. */
void jm__buckets_each(jm__buckets *bs, unsigned i,
                      void (*fn)(void *ctx, jm__event *e, int64_t end, uint32_t side,
                                 unsigned bucket),
                      void *ctx);

#endif
