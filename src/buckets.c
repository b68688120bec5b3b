/* SPDX-License-Identifier: MIT */
/* The log's events in buckets by case id: each bucket holds whole cases, small enough for its
 * journeys to be rebuilt within the cache. */
#include "buckets.h"
#include "spill.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(JM_BUCKETS % JM_SPILL_PARTS == 0, "a spill partition is a set of whole buckets");

/* Chunks are carved from blocks that start small (a small log touches little memory) and grow
 * to this many chunks: 3 MiB, which asks for big pages. */
#define BLOCK_CHUNKS_MAX 64
#define CHUNK_BYTES (JM_CHUNK_EVENTS * sizeof(jm__event))

void jm__buckets_init(jm__buckets *bs)
{
    memset(bs, 0, sizeof *bs);
}

void jm__buckets_clear(jm__buckets *bs)
{
    for (unsigned i = 0; i < JM_BUCKETS; i++) {
        free(bs->b[i].chunk);
        free(bs->b[i].le);
    }
    for (size_t k = 0; k < bs->nblocks; k++)
        free(bs->blocks[k]);
    free(bs->blocks);
    free(bs->free_chunk);
    memset(bs, 0, sizeof *bs);
}

void jm__buckets_empty(jm__buckets *bs)
{
    for (unsigned i = 0; i < JM_BUCKETS; i++) {
        jm__bucket *b = &bs->b[i];
        jm__grow((void **)&bs->free_chunk, &bs->free_cap, bs->nfree + b->nchunk,
                 sizeof *bs->free_chunk);
        memcpy(bs->free_chunk + bs->nfree, b->chunk, b->nchunk * sizeof *b->chunk);
        bs->nfree += b->nchunk;
        b->nchunk = b->n = b->nle = b->room = 0;
        b->tail = NULL;
    }
    bs->n = 0;
}

static jm__event *new_chunk(jm__buckets *bs)
{
    if (bs->nfree > 0)
        return bs->free_chunk[--bs->nfree];
    if (bs->carve_left == 0) {
        size_t chunks = bs->nblocks < 6 ? (size_t)1 << bs->nblocks : BLOCK_CHUNKS_MAX;
        jm__grow((void **)&bs->blocks, &bs->blocks_cap, bs->nblocks + 1, sizeof *bs->blocks);
        bs->carve = jm__xmalloc(chunks * CHUNK_BYTES);
        bs->blocks[bs->nblocks++] = bs->carve;
        bs->carve_left = chunks;
    }
    jm__event *c = (jm__event *)bs->carve;
    bs->carve += CHUNK_BYTES;
    bs->carve_left--;
    return c;
}

void jm__buckets_add_slow(jm__buckets *bs, const jm__event *e, int64_t end)
{
    jm__bucket *b = &bs->b[e->cas % JM_BUCKETS];
    if (b->room == 0) {
        jm__grow((void **)&b->chunk, &b->chunk_cap, b->nchunk + 1, sizeof *b->chunk);
        b->tail = b->chunk[b->nchunk++] = new_chunk(bs);
        b->room = JM_CHUNK_EVENTS;
    }
    if (e->dur == JM_DUR_LONG) {
        jm__grow((void **)&b->le, &b->le_cap, b->nle + 1, sizeof *b->le);
        b->le[b->nle++] = (jm__long_end){(uint32_t)b->n, end};
    }
    *b->tail++ = *e;
    b->room--;
    b->n++;
    bs->n++;
}

void jm__buckets_copy(const jm__buckets *bs, unsigned i, jm__event *ev, size_t base,
                      jm__long_end **le, size_t *nle, size_t *le_cap)
{
    const jm__bucket *b = &bs->b[i];
    for (size_t k = 0; k < b->nchunk; k++) {
        size_t from = k * JM_CHUNK_EVENTS;
        size_t n = b->n - from < JM_CHUNK_EVENTS ? b->n - from : JM_CHUNK_EVENTS;
        memcpy(ev + from, b->chunk[k], n * sizeof *ev);
    }
    jm__grow((void **)le, le_cap, *nle + b->nle, sizeof **le);
    for (size_t k = 0; k < b->nle; k++)
        (*le)[(*nle)++] = (jm__long_end){(uint32_t)(base + b->le[k].ev), b->le[k].end};
}

void jm__buckets_each(jm__buckets *bs, unsigned i,
                      void (*fn)(void *ctx, jm__event *e, int64_t end), void *ctx)
{
    jm__bucket *b = &bs->b[i];
    size_t l = 0;
    for (size_t k = 0; k < b->n; k++) {
        jm__event *e = &b->chunk[k / JM_CHUNK_EVENTS][k % JM_CHUNK_EVENTS];
        int64_t end = e->start + e->dur;
        if (e->dur == JM_DUR_LONG)
            end = b->le[l++].end;
        fn(ctx, e, end);
    }
}
