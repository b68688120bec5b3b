/* SPDX-License-Identifier: MIT */
/* Small shared helpers: allocation that aborts on exhaustion, formatted strings, growable arrays.
 */
#ifndef JM_UTIL_H
#define JM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Give the whole pages of bytes [from, to) of the block at p back to the system (their
 * contents lost; the block stays allocated, and reads as zeros where touched again): for a
 * big array emptied part by part before it is freed. Does nothing where madvise is missing. */
void jm__give_back(void *p, size_t from, size_t to);

/* Allocation that never returns NULL: out of memory prints one line and aborts. */
void *jm__xmalloc(size_t n);
/* Like jm__xmalloc, the block aligned to align (a power of two, a multiple of sizeof(void *));
 * freed with free(). */
void *jm__xmalloc_aligned(size_t align, size_t n);
void *jm__xcalloc(size_t n, size_t size);

/* Like jm__xcalloc, but the zeros are written here, for a big table that is read and written at
 * random: calloc's fresh pages all map one shared zero page when first read, and the first
 * write to each then costs a second fault and a TLB flush on every core the process runs on. */
void *jm__xzeroed(size_t n, size_t size);
void *jm__xrealloc(void *p, size_t n);
char *jm__xstrdup(const char *s);
char *jm__xmemdup(const void *p, size_t n);

/* A malloc'd string formatted as printf does. */
char *jm__strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "a -> b" from two byte strings, malloc'd and NUL-terminated: how findings name a hop or a
 * transition. */
char *jm__arrow(const char *a, size_t na, const char *b, size_t nb);

struct jm_options;

/* The threads a run uses: jm_options.threads, or one per online core when it is 0. */
unsigned jm__thread_count(const struct jm_options *opt);

/* Call fn(ctx, i) for every i in [0, n), on up to `threads` threads (the calling one included),
 * each thread taking the next i as it gets free; returns when all calls have returned. The
 * calls must not depend on one another. A thread that cannot be started leaves its share to
 * the others. */
void jm__run_tasks(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx);

/* Print "jmine: internal error: ..." and abort: for broken invariants only. */
_Noreturn void jm__die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *p (an array of elements of size elem with capacity *cap) to hold at least need: by
 * half again each time, so appending one at a time costs amortized constant time. */
void jm__grow_to(void **p, size_t *cap, size_t need, size_t elem);

/* jm__grow_to when need exceeds *cap: inline, so that the many calls that find room (one an
 * appended element) cost a compare, not a call. */
static inline void jm__grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need > *cap)
        jm__grow_to(p, cap, need, elem);
}

/* jm__grow for an array indexed by id, whose entries past the old capacity start as zeros. */
void jm__grow_zeroed(void **p, size_t *cap, size_t need, size_t elem);

/* Nearest-rank percentile (SPEC §4) of n sorted values: the ceil(p*n)-th smallest, p in (0, 1];
 * the 1-based rank is computed in integers as ceil(pct*n/100). n must be > 0. */
size_t jm__rank(size_t n, unsigned pct);

/* Stable merge sort of n elements of size elem with a comparator that takes a context. */
void jm__sort(void *base, size_t n, size_t elem, int (*cmp)(const void *, const void *, void *),
              void *ctx);

/* Sort int64 values ascending. */
void jm__sort_i64(int64_t *v, size_t n);

/* A radix pass over n keys: count[0 .. digits) holds how many keys have each value of the
 * pass's digit; it becomes where the first key with that value goes. True when all keys share
 * one value, so that the pass can be skipped. */
bool jm__radix_places(size_t *count, size_t digits, size_t n);

/* In one pass over the n bytes at s (sixteen at a time where the CPU has SSE2, as every x86-64
 * does): how many are '"', and how many line ends they hold (LF, CRLF and a lone CR each count
 * once). next is the byte after them (0 at the end): a CR last followed by a LF is left to that
 * LF. For scans over whole files. */
void jm__count_text(const char *s, size_t n, char next, uint64_t *quotes, uint64_t *line_ends);

/* A list of int64 values for exact percentiles: lists concatenate on merge, then sort once.
 * Most values (waits and durations in ms under 49.7 days) are kept in 32 bits, the rest apart:
 * the lists are the largest thing an analysis keeps. */
typedef struct jm__vals {
    uint32_t *small; /* values in [0, UINT32_MAX) */
    size_t n, cap;
    int64_t *big; /* the others */
    size_t nbig, bigcap;
} jm__vals;

void jm__vals_push(jm__vals *l, int64_t x);
void jm__vals_append(jm__vals *into, const jm__vals *from);
void jm__vals_sort(jm__vals *l);
/* How many values the list holds. */
size_t jm__vals_count(const jm__vals *l);
/* The nearest-rank pct-th percentile (100: the largest) of a sorted, non-empty list. */
int64_t jm__vals_pct(const jm__vals *l, unsigned pct);
void jm__vals_free(jm__vals *l);

/* Sort uint32 values ascending. */
void jm__sort_u32(uint32_t *v, size_t n);

/* A record sorted by its 64-bit key (jm__sort_key16): what it carries is the caller's. */
typedef struct jm__key16 {
    uint64_t key;
    uint64_t val;
} jm__key16;

/* Sort a[0 .. n) by key, ascending and stable: a radix sort, a byte of the key a pass, the
 * passes whose byte every key shares skipped. tmp has room for n records. Returns a or tmp,
 * whichever holds the sorted records; the other holds no meaning. */
jm__key16 *jm__sort_key16(jm__key16 *a, jm__key16 *tmp, size_t n);

/* For measuring: with JMINE_TRACE set in the environment, one line to standard error saying that
 * a phase ended, with the monotonic clock, the process's CPU time so far (user + system) and its
 * peak resident memory so far. */
void jm__trace(const char *phase);

/* True when the n bytes at s are valid UTF-8 (no overlong forms, surrogates or code points
 * past U+10FFFF). ASCII is checked eight bytes at a time. */
bool jm__utf8_valid(const char *s, size_t n);

#endif
