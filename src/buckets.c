/* SPDX-License-Identifier: MIT */
/* The log's events and case ids in buckets by the hash of the case id: each bucket holds whole
 * cases, few enough for its case ids to be told apart, and its journeys rebuilt, within the
 * cache. */
#include "buckets.h"
#include "intern.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>


/* Chunks are carved from blocks that start small (a small log touches little memory) and grow
 * to this many chunks: 3 MiB, which asks for big pages. */
#define BLOCK_CHUNKS_MAX 64
/* A chunk's bytes: its events. */
#define CHUNK_BYTES (JM_CHUNK_EVENTS * sizeof(jm__event))

void jm__buckets_init(jm__buckets *bs)
{
    memset(bs, 0, sizeof *bs);
}

void jm__buckets_free_events(jm__buckets *bs)
{
    for (unsigned i = 0; i < JM_BUCKETS; i++) {
        jm__bucket *b = &bs->b[i];
        free(b->chunk);
        free(b->le);
        free(b->sx);
        b->chunk = NULL;
        b->le = NULL;
        b->sx = NULL;
        b->nchunk = b->chunk_cap = b->n = b->nle = b->le_cap = b->room = 0;
        b->nsx = b->sx_cap = 0;
        b->tail = NULL;
    }
    for (size_t k = 0; k < bs->nblocks; k++)
        free(bs->blocks[k]);
    free(bs->blocks);
    free(bs->free_chunk);
    bs->blocks = NULL;
    bs->free_chunk = NULL;
    bs->nblocks = bs->blocks_cap = bs->nfree = bs->free_cap = bs->carve_left = bs->n = 0;
    bs->carve = NULL;
}

void jm__buckets_clear(jm__buckets *bs)
{
    jm__buckets_free_events(bs);
    for (unsigned i = 0; i < JM_BUCKETS; i++) {
        free(bs->b[i].names);
        free(bs->b[i].entry);
        free(bs->b[i].eside);
        free(bs->b[i].name);
    }
    free(bs->ctab);
    free(bs->cmap);
    free(bs->cside);
    free(bs->csx);
    memset(bs, 0, sizeof *bs);
}

void jm__buckets_empty(jm__buckets *bs)
{
    for (unsigned i = 0; i < JM_BUCKETS; i++) {
        jm__bucket *b = &bs->b[i];
        if (b->nchunk > 0) {
            jm__grow((void **)&bs->free_chunk, &bs->free_cap, bs->nfree + b->nchunk,
                     sizeof *bs->free_chunk);
            memcpy(bs->free_chunk + bs->nfree, b->chunk, b->nchunk * sizeof *b->chunk);
            bs->nfree += b->nchunk;
        }
        b->nchunk = b->n = b->nle = b->nsx = b->room = 0;
        b->lead_from = b->lead_to = 0;
        b->tail = NULL;
    }
    bs->n = 0;
}

void jm__buckets_lead(jm__buckets *bs, bool start)
{
    for (unsigned i = 0; i < JM_BUCKETS; i++) {
        jm__bucket *b = &bs->b[i];
        if (start)
            b->lead_from = b->n;
        b->lead_to = b->n;
    }
}

uint32_t jm__buckets_add_case(jm__buckets *bs, unsigned b, const char *s, size_t n)
{
    jm__bucket *k = &bs->b[b];
    if (k->names_len + n + 1 > UINT32_MAX || k->nentry >= UINT32_MAX)
        jm__die("more than 4 GiB of case ids in one bucket");
    jm__grow((void **)&k->names, &k->names_cap, k->names_len + n + 1, 1);
    memcpy(k->names + k->names_len, s, n);
    k->names[k->names_len + n] = '\0';
    if (k->nentry == k->entry_cap) {
        jm__grow((void **)&k->entry, &k->entry_cap, k->nentry + 1, sizeof *k->entry);
        if (bs->side)
            k->eside = jm__xrealloc(k->eside, k->entry_cap * sizeof *k->eside);
    }
    if (bs->side)
        k->eside[k->nentry] = JM_SIDE_UNSET;
    k->entry[k->nentry] = (uint32_t)k->names_len;
    k->names_len += n + 1;
    return (uint32_t)k->nentry++;
}

/* Entry i of bucket k: its bytes, *len their length (the entries lie back to back). */
static const char *entry_bytes(const jm__bucket *k, size_t i, size_t *len)
{
    size_t end = i + 1 < k->nentry ? k->entry[i + 1] : k->names_len;
    *len = end - k->entry[i] - 1;
    return k->names + k->entry[i];
}

/* Entries a bucket gathers before its first compaction. */
#define COMPACT_FIRST 1024

/* Bucket k's exceptions once its entries are merged by map (their values were was[], now
 * k->eside[map[]]): each event since the last compaction whose entry's value changed, and that
 * had no exception, gets one with its old entry's value; in event order, as before. */
static void side_exceptions(jm__buckets *bs, jm__bucket *k, const uint32_t *was,
                            const uint32_t *map)
{
    size_t from = k->nsx; /* the exceptions of the events since the last compaction */
    while (from > 0 && k->sx[from - 1].ev >= k->canon_events)
        from--;
    size_t n = 0, q = from;
    for (size_t e = k->canon_events; e < k->n; e++) {
        uint32_t o = k->chunk[e / JM_CHUNK_EVENTS][e % JM_CHUNK_EVENTS].cas;
        jm__side_exc x;
        if (q < k->nsx && k->sx[q].ev == e)
            x = k->sx[q++];
        else if (was[o] != k->eside[map[o]])
            x = (jm__side_exc){(uint32_t)e, was[o]};
        else
            continue;
        jm__grow((void **)&bs->csx, &bs->csx_cap, n + 1, sizeof *bs->csx);
        bs->csx[n++] = x;
    }
    if (n == 0)
        return;
    jm__grow((void **)&k->sx, &k->sx_cap, from + n, sizeof *k->sx);
    memcpy(k->sx + from, bs->csx, n * sizeof *k->sx);
    k->nsx = from + n;
}

/* Bucket b's entries told apart (as jm__buckets_cases does) and the duplicates merged: the
 * distinct ones keep the order they came in, their names moved down over the duplicates', and
 * the events since the last compaction renumbered. */
static void compact_bucket(jm__buckets *bs, unsigned b)
{
    jm__bucket *k = &bs->b[b];
    size_t size = 64;
    while (size < 2 * k->nentry)
        size *= 2;
    if (bs->ctab_cap < size) {
        free(bs->ctab);
        bs->ctab = jm__xmalloc(size * sizeof *bs->ctab);
        bs->ctab_cap = size;
    }
    if (bs->cmap_cap < k->nentry) {
        free(bs->cmap);
        bs->cmap = jm__xmalloc(k->nentry * sizeof *bs->cmap);
        bs->cmap_cap = k->nentry;
    }
    uint64_t *t = bs->ctab;
    uint32_t *map = bs->cmap;
    memset(t, 0, size * sizeof *t);
    uint32_t next = 0;
    size_t w = 0, before = k->nentry;
    /* The entries' side values as they were: the distinct ones move down with their names. */
    uint32_t *was = NULL;
    if (bs->side) {
        if (bs->cside_cap < before) {
            free(bs->cside);
            bs->cside = jm__xmalloc(before * sizeof *bs->cside);
            bs->cside_cap = before;
        }
        was = bs->cside;
        memcpy(was, k->eside, before * sizeof *was);
    }
    for (size_t i = 0; i < before; i++) {
        size_t len;
        const char *s = entry_bytes(k, i, &len); /* read before anything below i moves */
        uint64_t h = jm__hash(s, len);
        size_t at = (size_t)(h >> 40) & (size - 1);
        for (;;) {
            uint64_t v = t[at];
            if (v == 0) {
                /* A case not met before: its name moves down to the distinct ones'. */
                memmove(k->names + w, s, len + 1);
                k->entry[next] = (uint32_t)w;
                if (was != NULL)
                    k->eside[next] = was[i];
                w += len + 1;
                t[at] = (h & 0xffffffff00000000ULL) | (uint64_t)(next + 1);
                map[i] = next++;
                break;
            }
            if ((v >> 32) == (h >> 32)) {
                uint32_t c = (uint32_t)v - 1;
                size_t end = k->entry[c] + len + 1;
                if (end <= w && k->names[end - 1] == '\0' &&
                    (c + 1 == next ? end == w : k->entry[c + 1] == end) &&
                    memcmp(k->names + k->entry[c], s, len) == 0) {
                    map[i] = c;
                    if (was != NULL && k->eside[c] == JM_SIDE_UNSET)
                        k->eside[c] = was[i]; /* c has no event yet: i's first is its first */
                    break;
                }
            }
            at = (at + 1) & (size - 1);
        }
    }
    k->nentry = next;
    k->names_len = w;
    /* An entry merged into one whose side value differs: its events that took its value
     * take it as exceptions now. */
    bool differ = false;
    for (size_t i = 0; was != NULL && i < before && !differ; i++)
        differ = was[i] != JM_SIDE_UNSET && was[i] != k->eside[map[i]];
    if (differ)
        side_exceptions(bs, k, was, map);
    /* Events since the last compaction name entries by their old numbers. */
    for (size_t e = k->canon_events; e < k->n; e++)
        k->chunk[e / JM_CHUNK_EVENTS][e % JM_CHUNK_EVENTS].cas =
            map[k->chunk[e / JM_CHUNK_EVENTS][e % JM_CHUNK_EVENTS].cas];
    k->ncanon = next;
    k->canon_events = k->n;
    /* Where few entries were duplicates (a log in time order, or the start of one in random
     * order), compacting again soon would cost without saving: wait until they double; where
     * many were, compact again after a quarter more. */
    size_t dups = before - next;
    size_t gap = dups * 8 < before ? next : next / 4;
    k->compact_at = next + (gap > COMPACT_FIRST ? gap : COMPACT_FIRST);
}

void jm__buckets_compact(jm__buckets *bs)
{
    if (bs->no_compact)
        return;
    for (unsigned b = 0; b < JM_BUCKETS; b++) {
        jm__bucket *k = &bs->b[b];
        size_t at = k->compact_at ? k->compact_at : COMPACT_FIRST;
        if (k->nentry >= at)
            compact_bucket(bs, b);
    }
}

#define PAGE ((size_t)4096)

void jm__buckets_release(jm__buckets *bs, unsigned i)
{
    const jm__bucket *b = &bs->b[i];
    for (size_t k = 0; k < b->nchunk; k++)
        jm__give_back(b->chunk[k], 0, CHUNK_BYTES);
}

static jm__event *new_chunk(jm__buckets *bs)
{
    if (bs->nfree > 0)
        return bs->free_chunk[--bs->nfree];
    if (bs->carve_left == 0) {
        size_t chunks = bs->nblocks < 6 ? (size_t)1 << bs->nblocks : BLOCK_CHUNKS_MAX;
        jm__grow((void **)&bs->blocks, &bs->blocks_cap, bs->nblocks + 1, sizeof *bs->blocks);
        /* Page-aligned: a chunk is a whole number of pages (2,048 events of 24 bytes), so
         * jm__buckets_release gives each back whole. */
        bs->carve = jm__xmalloc_aligned(PAGE, chunks * CHUNK_BYTES);
        bs->blocks[bs->nblocks++] = bs->carve;
        bs->carve_left = chunks;
    }
    jm__event *c = (jm__event *)bs->carve;
    bs->carve += CHUNK_BYTES;
    bs->carve_left--;
    return c;
}

void jm__buckets_add_slow(jm__buckets *bs, unsigned b, const jm__event *e, int64_t end)
{
    jm__bucket *k = &bs->b[b];
    if (k->room == 0) {
        jm__grow((void **)&k->chunk, &k->chunk_cap, k->nchunk + 1, sizeof *k->chunk);
        k->tail = k->chunk[k->nchunk++] = new_chunk(bs);
        k->room = JM_CHUNK_EVENTS;
    }
    if (e->dur == JM_DUR_LONG) {
        jm__grow((void **)&k->le, &k->le_cap, k->nle + 1, sizeof *k->le);
        k->le[k->nle++] = (jm__long_end){(uint32_t)k->n, end};
    }
    *k->tail++ = *e;
    k->room--;
    k->n++;
    bs->n++;
}

void jm__buckets_side_slow(jm__buckets *bs, unsigned b, uint32_t entry, uint32_t v)
{
    jm__bucket *k = &bs->b[b];
    if (k->eside[entry] == JM_SIDE_UNSET) {
        k->eside[entry] = v;
        return;
    }
    jm__grow((void **)&k->sx, &k->sx_cap, k->nsx + 1, sizeof *k->sx);
    k->sx[k->nsx++] = (jm__side_exc){(uint32_t)(k->n - 1), v};
}

void jm__buckets_sides(const jm__buckets *bs, unsigned i, uint32_t *side)
{
    const jm__bucket *b = &bs->b[i];
    for (size_t c = 0; c < b->nchunk; c++) {
        const jm__event *e = b->chunk[c];
        uint32_t *d = side + c * JM_CHUNK_EVENTS;
        for (size_t j = 0, m = jm__chunk_len(b->n, c); j < m; j++)
            d[j] = b->eside[e[j].cas];
    }
    for (size_t q = 0; q < b->nsx; q++)
        side[b->sx[q].ev] = b->sx[q].v;
}

void jm__buckets_cases(jm__buckets *bs, unsigned b, uint32_t *same, uint64_t **tab,
                       size_t *tab_cap)
{
    jm__bucket *k = &bs->b[b];
    /* Open addressing over the entries: a slot holds the hash's high half and the entry's index
     * + 1 of the case's first entry; at most half full. */
    size_t size = 64;
    while (size < 2 * k->nentry)
        size *= 2;
    if (*tab_cap < size) {
        free(*tab);
        *tab = jm__xmalloc(size * sizeof **tab);
        *tab_cap = size;
    }
    uint64_t *t = *tab;
    memset(t, 0, size * sizeof *t);
    free(k->name);
    k->name = NULL;
    size_t name_cap = 0;
    uint32_t ncase = 0;
    for (size_t i = 0; i < k->nentry; i++) {
        size_t len;
        const char *s = entry_bytes(k, i, &len);
        uint64_t h = jm__hash(s, len);
        size_t at = (size_t)(h >> 40) & (size - 1);
        for (;;) {
            uint64_t v = t[at];
            if (v == 0) {
                t[at] = (h & 0xffffffff00000000ULL) | (uint64_t)(i + 1);
                if (ncase >= (1u << 24))
                    jm__die("more than 16 million cases in one bucket");
                jm__grow((void **)&k->name, &name_cap, ncase + 1, sizeof *k->name);
                k->name[ncase] = (uint32_t)i;
                same[i] = ncase++;
                break;
            }
            if ((v >> 32) == (h >> 32)) {
                size_t first = (uint32_t)v - 1, flen;
                const char *f = entry_bytes(k, first, &flen);
                if (flen == len && memcmp(f, s, len) == 0) {
                    same[i] = same[first];
                    break;
                }
            }
            at = (at + 1) & (size - 1);
        }
    }
    k->ncase = ncase;
}

const char *jm__buckets_case_name(const jm__buckets *bs, uint32_t cas, size_t *len)
{
    const jm__bucket *k = &bs->b[cas % JM_BUCKETS];
    size_t n;
    const char *s = entry_bytes(k, k->name[cas / JM_BUCKETS], &n);
    if (len != NULL)
        *len = n;
    return s;
}

int jm__buckets_case_cmp(const jm__buckets *bs, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    size_t na, nb;
    const char *x = jm__buckets_case_name(bs, a, &na);
    const char *y = jm__buckets_case_name(bs, b, &nb);
    return jm__bytes_cmp(x, na, y, nb);
}

uint32_t jm__buckets_case_count(const jm__buckets *bs)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < JM_BUCKETS; i++)
        n += bs->b[i].ncase;
    return n;
}

void jm__buckets_copy(const jm__buckets *bs, unsigned i, jm__event *ev, uint32_t *side,
                      size_t base, jm__long_end **le, size_t *nle, size_t *le_cap)
{
    const jm__bucket *b = &bs->b[i];
    for (size_t k = 0; k < b->nchunk; k++)
        memcpy(ev + k * JM_CHUNK_EVENTS, b->chunk[k], jm__chunk_len(b->n, k) * sizeof *ev);
    if (bs->side && side != NULL)
        jm__buckets_sides(bs, i, side);
    jm__grow((void **)le, le_cap, *nle + b->nle, sizeof **le);
    for (size_t k = 0; k < b->nle; k++)
        (*le)[(*nle)++] = (jm__long_end){(uint32_t)(base + b->le[k].ev), b->le[k].end};
}

void jm__buckets_each(jm__buckets *bs, unsigned i,
                      void (*fn)(void *ctx, jm__event *e, int64_t end, uint32_t side,
                                 unsigned bucket),
                      void *ctx)
{
    jm__bucket *b = &bs->b[i];
    size_t l = 0, q = 0;
    for (size_t k = 0; k < b->n; k++) {
        jm__event *e = &b->chunk[k / JM_CHUNK_EVENTS][k % JM_CHUNK_EVENTS];
        int64_t end = e->start + e->dur;
        if (e->dur == JM_DUR_LONG)
            end = b->le[l++].end;
        uint32_t v = JM_NO_SIDE;
        if (bs->side) {
            v = b->eside[e->cas];
            if (q < b->nsx && b->sx[q].ev == k)
                v = b->sx[q++].v;
        }
        fn(ctx, e, end, v, i);
    }
}
