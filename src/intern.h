/* SPDX-License-Identifier: MIT */
/* String interning: each distinct byte string gets a small integer id, its bytes stored once. */
#ifndef JM_INTERN_H
#define JM_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Ids are dense, from 0, in first-seen order. Strings may hold any bytes, NUL included. */
typedef struct jm__intern jm__intern;

jm__intern *jm__intern_new(void);

/* Free the table and its strings. NULL is a no-op. */
void jm__intern_free(jm__intern *t);

/* The id of the n bytes at s, added if new. */
uint32_t jm__intern_id(jm__intern *t, const char *s, size_t n);

/* The same with the hash h = jm__hash(s, n) already known. */
uint32_t jm__intern_id_hashed(jm__intern *t, const char *s, size_t n, uint64_t h);

/* Ask the CPU to fetch the table slot where a string of hash h lives, ahead of the lookup: on a
 * table bigger than the cache the lookup is a memory access, which can then overlap other work.
 * A hint only; the table is unchanged. */
void jm__intern_prefetch(const jm__intern *t, uint64_t h);

/* A string to intern in bulk: its bytes, length and jm__hash. */
typedef struct jm__intern_key {
    const char *s;
    uint64_t hash;
    uint32_t len;
} jm__intern_key;

/* Room for n more strings: the index grown once, not step by step as they come. */
void jm__intern_reserve(jm__intern *t, size_t n);

/* The ids of n strings, added if new, into ids[0..n): the same as jm__intern_id_hashed on each
 * in order, but on a table bigger than the cache each lookup's three misses (its slot, the
 * entry the slot names, the entry's bytes) are fetched a stage ahead: key k's slot, k - 8's
 * entry and k - 16's bytes while k - 24 is looked up. */
void jm__intern_ids(jm__intern *t, const jm__intern_key *keys, size_t n, uint32_t *ids);

/* Intern every string of src into dst, in src's id order; map[i] receives the dst id of src's
 * string i (map holds jm__intern_count(src) entries). */
void jm__intern_merge(jm__intern *dst, const jm__intern *src, uint32_t *map);

/* Free the table's index, keeping its strings and ids: for a big table whose lookups are over.
 * A later lookup that may add (jm__intern_id) builds the index again; jm__intern_find looks
 * at every string. */
void jm__intern_drop_index(jm__intern *t);

/* Empty the table for reuse, keeping its memory. Pointers to its strings die. */
void jm__intern_clear(jm__intern *t);

/* The id of the n bytes at s, or UINT32_MAX if absent. */
uint32_t jm__intern_find(const jm__intern *t, const char *s, size_t n);

/* The bytes of id (NUL-terminated for convenience; *len gets the length if len is not NULL).
 * The pointer lives as long as the table. */
const char *jm__intern_str(const jm__intern *t, uint32_t id, size_t *len);

/* The high half of the jm__hash of id's string. */
uint32_t jm__intern_hash_hi(const jm__intern *t, uint32_t id);

/* How many distinct strings the table holds. */
uint32_t jm__intern_count(const jm__intern *t);

/* A 64-bit hash of n bytes (not cryptographic; the same on every machine). */
uint64_t jm__hash(const void *p, size_t n);

/* Byte equality of two n-byte strings, without a library call for the short ids and names
 * that make up most lookups: up to 32 bytes, eight at a time (the last eight overlapping what
 * came before); 4 to 7 bytes as two overlapping words of four (a resource id such as
 * "AG0161"). */
static inline bool jm__bytes_eq(const char *a, const char *b, size_t n)
{
    if (n > 32)
        return memcmp(a, b, n) == 0;
    if (n >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t p, q, r, t;
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        memcpy(&r, a + n - 4, 4);
        memcpy(&t, b + n - 4, 4);
        return p == q && r == t;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Compare two byte strings in byte order, a prefix first. */
int jm__bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

/* Strings a and b of t compared by their bytes, in byte order (0 when the same id). */
int jm__intern_cmp(const jm__intern *t, uint32_t a, uint32_t b);

#endif
