/* SPDX-License-Identifier: MIT */
/* String interning: each distinct byte string gets a small integer id, its bytes stored once. */
#include "intern.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (1u << 20)

typedef struct entry {
    const char *s;
    uint32_t len;
    uint32_t hi; /* the hash's high half: all a table needs to place the string */
} entry;

struct jm__intern {
    entry *ent;
    size_t n, cap;
    /* Open addressing with linear probing. A slot holds the hash's high half (its place in the
     * table comes from there too) and id + 1 in its low half; 0 is empty. A probe compares the
     * hash without touching an entry or its bytes, each a cache miss on a big table, and
     * growing the table needs nothing but the slots. */
    uint64_t *slot;
    size_t mask;
    char **blocks; /* every allocation holding strings; never moved, so pointers stay valid */
    size_t nblocks, blocks_cap;
    char *chunk; /* the block short strings are appended to */
    size_t chunk_used;
};

uint64_t jm__hash(const void *p, size_t n)
{
    /* A multiply-xorshift over 8-byte words: fast on short keys and well mixed. */
    const unsigned char *b = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        b += 8;
        n -= 8;
    }
    uint64_t w = 0;
    if (n > 0)
        memcpy(&w, b, n);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 32;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    return h;
}

int jm__bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c;
    return (an > bn) - (an < bn);
}

jm__intern *jm__intern_new(void)
{
    jm__intern *t = jm__xcalloc(1, sizeof *t);
    t->mask = 1023;
    t->slot = jm__xzeroed(t->mask + 1, sizeof *t->slot);
    return t;
}

void jm__intern_free(jm__intern *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nblocks; i++)
        free(t->blocks[i]);
    free(t->blocks);
    free(t->slot);
    free(t->ent);
    free(t);
}

/* Keep an allocation so that jm__intern_free releases it. */
static void keep(jm__intern *t, char *block)
{
    jm__grow((void **)&t->blocks, &t->blocks_cap, t->nblocks + 1, sizeof *t->blocks);
    t->blocks[t->nblocks++] = block;
}

static const char *store(jm__intern *t, const char *s, size_t n)
{
    if (n + 1 > CHUNK_SIZE / 4) {
        /* A long string gets a block of its own so that chunks stay mostly full. */
        char *c = jm__xmemdup(s, n);
        keep(t, c);
        return c;
    }
    if (t->chunk == NULL || t->chunk_used + n + 1 > CHUNK_SIZE) {
        t->chunk = jm__xmalloc(CHUNK_SIZE);
        keep(t, t->chunk);
        t->chunk_used = 0;
    }
    char *d = t->chunk + t->chunk_used;
    memcpy(d, s, n);
    d[n] = '\0';
    t->chunk_used += n + 1;
    return d;
}

#define SLOT_HASH 0xffffffff00000000ULL


static size_t home(uint64_t h, size_t mask)
{
    return (size_t)(h >> 32) & mask;
}

static void rehash(jm__intern *t)
{
    size_t mask = t->mask * 2 + 1;
    uint64_t *slot = jm__xzeroed(mask + 1, sizeof *slot);
    for (size_t k = 0; k <= t->mask; k++) {
        if (t->slot[k] == 0)
            continue;
        size_t i = home(t->slot[k], mask);
        while (slot[i] != 0)
            i = (i + 1) & mask;
        slot[i] = t->slot[k];
    }
    free(t->slot);
    t->slot = slot;
    t->mask = mask;
}

/* The index built again from the entries (after jm__intern_drop_index). */
static void reindex(jm__intern *t)
{
    size_t size = 1024;
    while (size < 2 * t->n)
        size *= 2;
    t->mask = size - 1;
    t->slot = jm__xzeroed(size, sizeof *t->slot);
    for (size_t k = 0; k < t->n; k++) {
        uint64_t h = (uint64_t)t->ent[k].hi << 32;
        size_t i = home(h, t->mask);
        while (t->slot[i] != 0)
            i = (i + 1) & t->mask;
        t->slot[i] = h | ((uint64_t)k + 1);
    }
}

/* The slot holding s, or the empty slot where it belongs. */
static size_t probe(const jm__intern *t, const char *s, size_t n, uint64_t h)
{
    size_t i = home(h, t->mask);
    for (;;) {
        uint64_t v = t->slot[i];
        if (v == 0)
            return i;
        if ((v & SLOT_HASH) == (h & SLOT_HASH)) {
            const entry *e = &t->ent[(uint32_t)v - 1];
            if (e->len == n && jm__bytes_eq(e->s, s, n))
                return i;
        }
        i = (i + 1) & t->mask;
    }
}

void jm__intern_prefetch(const jm__intern *t, uint64_t h)
{
    if (t->slot == NULL)
        return;
    __builtin_prefetch(&t->slot[home(h, t->mask)]);
}

void jm__intern_prefetch_step(const jm__intern *t, uint64_t h, int step)
{
    if (t->slot == NULL)
        return;
    uint64_t v = t->slot[home(h, t->mask)];
    if (v == 0 || (v & SLOT_HASH) != (h & SLOT_HASH))
        return;
    const entry *e = &t->ent[(uint32_t)v - 1];
    if (step == 1)
        __builtin_prefetch(e);
    else
        __builtin_prefetch(e->s);
}

uint32_t jm__intern_id_hashed(jm__intern *t, const char *s, size_t n, uint64_t h)
{
    if (n > UINT32_MAX)
        jm__die("string of %zu bytes is too long to intern", n);
    if (t->slot == NULL)
        reindex(t);
    size_t i = probe(t, s, n, h);
    if (t->slot[i] != 0)
        return (uint32_t)t->slot[i] - 1;
    if (t->n >= UINT32_MAX - 1)
        jm__die("more than 4 billion distinct strings");
    jm__grow((void **)&t->ent, &t->cap, t->n + 1, sizeof *t->ent);
    t->ent[t->n] = (entry){store(t, s, n), (uint32_t)n, (uint32_t)(h >> 32)};
    t->slot[i] = (h & SLOT_HASH) | ((uint64_t)t->n + 1);
    t->n++;
    if (t->n * 4 > (t->mask + 1) * 3)
        rehash(t);
    return (uint32_t)t->n - 1;
}

uint32_t jm__intern_id(jm__intern *t, const char *s, size_t n)
{
    return jm__intern_id_hashed(t, s, n, jm__hash(s, n));
}

void jm__intern_merge(jm__intern *dst, const jm__intern *src, uint32_t *map)
{
    /* Each lookup in a big table is a cache miss; fetching the slot a few strings ahead lets
     * those misses overlap. */
    enum { AHEAD = 8 };
    for (size_t i = 0; i < src->n && i < AHEAD; i++)
        jm__intern_prefetch(dst, (uint64_t)src->ent[i].hi << 32);
    for (size_t i = 0; i < src->n; i++) {
        if (i + AHEAD < src->n)
            jm__intern_prefetch(dst, (uint64_t)src->ent[i + AHEAD].hi << 32);
        const entry *e = &src->ent[i];
        map[i] = jm__intern_id_hashed(dst, e->s, e->len, (uint64_t)e->hi << 32);
    }
}

void jm__intern_drop_index(jm__intern *t)
{
    free(t->slot);
    t->slot = NULL;
    t->mask = 0;
    t->ent = jm__xrealloc(t->ent, (t->n ? t->n : 1) * sizeof *t->ent);
    t->cap = t->n;
}

void jm__intern_clear(jm__intern *t)
{
    if (t->slot != NULL)
        memset(t->slot, 0, (t->mask + 1) * sizeof *t->slot);
    t->n = 0;
    /* Keep the chunk short strings go to, for reuse; every other block goes. */
    size_t k = 0;
    for (size_t i = 0; i < t->nblocks; i++) {
        if (t->blocks[i] == t->chunk)
            t->blocks[k++] = t->chunk;
        else
            free(t->blocks[i]);
    }
    t->nblocks = k;
    t->chunk_used = 0;
}

uint32_t jm__intern_find(const jm__intern *t, const char *s, size_t n)
{
    if (t->slot == NULL) { /* no index (jm__intern_drop_index): look at every entry */
        for (size_t k = 0; k < t->n; k++)
            if (t->ent[k].len == n && memcmp(t->ent[k].s, s, n) == 0)
                return (uint32_t)k;
        return UINT32_MAX;
    }
    size_t i = probe(t, s, n, jm__hash(s, n));
    return t->slot[i] ? (uint32_t)t->slot[i] - 1 : UINT32_MAX;
}

const char *jm__intern_str(const jm__intern *t, uint32_t id, size_t *len)
{
    if (len != NULL)
        *len = t->ent[id].len;
    return t->ent[id].s;
}

uint32_t jm__intern_hash_hi(const jm__intern *t, uint32_t id)
{
    return t->ent[id].hi;
}

uint32_t jm__intern_count(const jm__intern *t)
{
    return (uint32_t)t->n;
}

int jm__intern_cmp(const jm__intern *t, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    size_t na, nb;
    const char *x = jm__intern_str(t, a, &na);
    const char *y = jm__intern_str(t, b, &nb);
    return jm__bytes_cmp(x, na, y, nb);
}
