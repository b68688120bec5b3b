/* SPDX-License-Identifier: MIT */
/* String interning: each distinct byte string gets a small integer id, its bytes stored once. */
#include "intern.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (1u << 20)

/* A string's entry: its bytes, which its length precedes (one byte below 255, else 255 after
 * four bytes of length) and a NUL follows. 8 bytes: a table of a million customer ids is 8 MB
 * smaller than with the length and hash beside the pointer. */
typedef const char *entry;

/* The length of the string of entry e. */
static inline size_t entry_len(entry e)
{
    unsigned char b = (unsigned char)e[-1];
    if (b < 255)
        return b;
    uint32_t n;
    memcpy(&n, e - 5, 4);
    return n;
}

struct jm__intern {
    entry *ent;
    size_t n, cap;
    /* Open addressing with linear probing. A slot holds the hash's high half (its place in the
     * table comes from there too) and id + 1 in its low half; 0 is empty. A probe compares the
     * hash without touching an entry or its bytes, each a cache miss on a big table, and
     * growing the table needs nothing but the slots. The table grows by half (its size need
     * not be a power of two: a place is the hash's high half scaled to it), so that it is at
     * most a third larger than a load of 3/4 asks, not twice: 1.04 million customers take
     * 1.5 million slots (12 MB), where doubling gave 2.1 million (16.8 MB). */
    uint64_t *slot;
    size_t size; /* slots; 0 when there is no index (jm__intern_drop_index) */
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
    t->size = 1024;
    t->slot = jm__xzeroed(t->size, sizeof *t->slot);
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

/* The n bytes at s stored after their length (see entry), NUL-terminated; returns where the
 * bytes start. */
static const char *store(jm__intern *t, const char *s, size_t n)
{
    size_t pre = n < 255 ? 1 : 5, need = pre + n + 1;
    char *d;
    if (need > CHUNK_SIZE / 4) {
        /* A long string gets a block of its own so that chunks stay mostly full. */
        d = jm__xmalloc(need);
        keep(t, d);
    } else {
        if (t->chunk == NULL || t->chunk_used + need > CHUNK_SIZE) {
            t->chunk = jm__xmalloc(CHUNK_SIZE);
            keep(t, t->chunk);
            t->chunk_used = 0;
        }
        d = t->chunk + t->chunk_used;
        t->chunk_used += need;
    }
    if (pre == 1) {
        d[0] = (char)(unsigned char)n;
    } else {
        uint32_t n32 = (uint32_t)n;
        memcpy(d, &n32, 4);
        d[4] = (char)255;
    }
    memcpy(d + pre, s, n);
    d[pre + n] = '\0';
    return d + pre;
}

#define SLOT_HASH 0xffffffff00000000ULL


/* The place of a hash in a table of size slots: its high half scaled to [0, size). */
static inline size_t home(uint64_t h, size_t size)
{
    return (size_t)(((h >> 32) * (uint64_t)size) >> 32);
}

/* The slot after slot i of a table of size slots, the first after the last. */
static inline size_t next_slot(size_t i, size_t size)
{
    return i + 1 == size ? 0 : i + 1;
}

/* Slot value v (hash's high half | id + 1) put in the first empty slot from its home, in a
 * table of size slots known to hold no string equal to its. */
static void place(uint64_t *slot, size_t size, uint64_t v)
{
    size_t i = home(v, size);
    while (slot[i] != 0)
        i = next_slot(i, size);
    slot[i] = v;
}

/* The index moved to size slots. */
static void resize(jm__intern *t, size_t size)
{
    uint64_t *slot = jm__xzeroed(size, sizeof *slot);
    for (size_t k = 0; k < t->size; k++)
        if (t->slot[k] != 0)
            place(slot, size, t->slot[k]);
    free(t->slot);
    t->slot = slot;
    t->size = size;
}

static void rehash(jm__intern *t)
{
    resize(t, t->size + t->size / 2);
}

/* The index built again from the entries (after jm__intern_drop_index). */
static void reindex(jm__intern *t)
{
    size_t size = 1024;
    while (size < 2 * t->n)
        size += size / 2;
    t->size = size;
    t->slot = jm__xzeroed(size, sizeof *t->slot);
    for (size_t k = 0; k < t->n; k++)
        place(t->slot, size,
              (jm__hash(t->ent[k], entry_len(t->ent[k])) & SLOT_HASH) | ((uint64_t)k + 1));
}

/* The slot holding s, or the empty slot where it belongs. */
static size_t probe(const jm__intern *t, const char *s, size_t n, uint64_t h)
{
    size_t i = home(h, t->size);
    for (;;) {
        uint64_t v = t->slot[i];
        if (v == 0)
            return i;
        if ((v & SLOT_HASH) == (h & SLOT_HASH)) {
            entry e = t->ent[(uint32_t)v - 1];
            if (entry_len(e) == n && jm__bytes_eq(e, s, n))
                return i;
        }
        i = next_slot(i, t->size);
    }
}

void jm__intern_prefetch(const jm__intern *t, uint64_t h)
{
    if (t->slot == NULL)
        return;
    __builtin_prefetch(&t->slot[home(h, t->size)]);
}

/* The next steps of a lookup of hash h fetched ahead, each once the one before has arrived:
 * step 1 reads h's home slot and fetches the entry it names (where the slot holds h's high
 * half), step 2 reads that entry and fetches its bytes. Hints only: nothing changes. */
static void prefetch_step(const jm__intern *t, uint64_t h, int step)
{
    if (t->slot == NULL)
        return;
    uint64_t v = t->slot[home(h, t->size)];
    if (v == 0 || (v & SLOT_HASH) != (h & SLOT_HASH))
        return;
    if (step == 1)
        __builtin_prefetch(&t->ent[(uint32_t)v - 1]);
    else
        __builtin_prefetch(t->ent[(uint32_t)v - 1] - 1);
}

void jm__intern_ids(jm__intern *t, const jm__intern_key *keys, size_t n, uint32_t *ids)
{
    enum { AHEAD = 8 };
    for (size_t k = 0; k < n + 3 * AHEAD; k++) {
        if (k >= 3 * AHEAD) {
            const jm__intern_key *q = &keys[k - 3 * AHEAD];
            ids[k - 3 * AHEAD] = jm__intern_id_hashed(t, q->s, q->len, q->hash);
        }
        if (k >= 2 * AHEAD && k - 2 * AHEAD < n)
            prefetch_step(t, keys[k - 2 * AHEAD].hash, 2);
        if (k >= AHEAD && k - AHEAD < n)
            prefetch_step(t, keys[k - AHEAD].hash, 1);
        if (k < n)
            jm__intern_prefetch(t, keys[k].hash);
    }
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
    t->ent[t->n] = store(t, s, n);
    t->slot[i] = (h & SLOT_HASH) | ((uint64_t)t->n + 1);
    t->n++;
    if (t->n * 4 > t->size * 3)
        rehash(t);
    return (uint32_t)t->n - 1;
}

void jm__intern_reserve(jm__intern *t, size_t n)
{
    if (t->slot == NULL)
        reindex(t);
    size_t want = t->n + n, size = t->size;
    while (want * 4 > size * 3)
        size += size / 2;
    if (size != t->size)
        resize(t, size);
    jm__grow((void **)&t->ent, &t->cap, want, sizeof *t->ent);
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
    uint64_t h[AHEAD];
    for (size_t i = 0; i < src->n + AHEAD; i++) {
        if (i >= AHEAD) {
            entry e = src->ent[i - AHEAD];
            map[i - AHEAD] = jm__intern_id_hashed(dst, e, entry_len(e), h[i % AHEAD]);
        }
        if (i < src->n) {
            h[i % AHEAD] = jm__hash(src->ent[i], entry_len(src->ent[i]));
            jm__intern_prefetch(dst, h[i % AHEAD]);
        }
    }
}

void jm__intern_drop_index(jm__intern *t)
{
    free(t->slot);
    t->slot = NULL;
    t->size = 0;
    t->ent = jm__xrealloc(t->ent, (t->n ? t->n : 1) * sizeof *t->ent);
    t->cap = t->n;
}

void jm__intern_clear(jm__intern *t)
{
    if (t->slot != NULL)
        memset(t->slot, 0, t->size * sizeof *t->slot);
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
            if (entry_len(t->ent[k]) == n && memcmp(t->ent[k], s, n) == 0)
                return (uint32_t)k;
        return UINT32_MAX;
    }
    size_t i = probe(t, s, n, jm__hash(s, n));
    return t->slot[i] ? (uint32_t)t->slot[i] - 1 : UINT32_MAX;
}

const char *jm__intern_str(const jm__intern *t, uint32_t id, size_t *len)
{
    if (len != NULL)
        *len = entry_len(t->ent[id]);
    return t->ent[id];
}

uint32_t jm__intern_hash_hi(const jm__intern *t, uint32_t id)
{
    entry e = t->ent[id];
    return (uint32_t)(jm__hash(e, entry_len(e)) >> 32);
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
