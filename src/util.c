/* SPDX-License-Identifier: MIT */
/* Small shared helpers: allocation that aborts on exhaustion, formatted strings, growable arrays.
 */
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static _Noreturn void oom(size_t n)
{
    fprintf(stderr, "jmine: out of memory (allocating %zu bytes)\n", n);
    abort();
}

/* Blocks of 1 MiB and more ask for 2 MiB pages. A fresh page costs a fault when first touched, and where
 * faults are dear (a virtual machine that traps each one) the 4 KiB pages of the event array,
 * the case table and the value lists cost a tenth of the run; a 2 MiB page is one fault. A hint:
 * the kernel may refuse it (transparent huge pages off), and nothing changes but the time. */
#define HUGE_MIN ((size_t)1 << 20)

static void *huge_hint(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_MIN) {
        /* The whole pages the block touches: a block this big is a mapping of its own, which
         * realloc moves with mremap, and that fails (and copies) once it spans two. */
        uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095;
        uintptr_t b = ((uintptr_t)p + n + 4095) & ~(uintptr_t)4095;
        madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

void jm__give_back(void *p, size_t from, size_t to)
{
#ifdef MADV_DONTNEED
    uintptr_t a = ((uintptr_t)p + from + 4095) & ~(uintptr_t)4095;
    uintptr_t b = ((uintptr_t)p + to) & ~(uintptr_t)4095;
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
#else
    (void)p;
    (void)from;
    (void)to;
#endif
}

void *jm__xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return huge_hint(p, n);
}

void *jm__xmalloc_aligned(size_t align, size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, align, n ? n : 1) != 0)
        oom(n);
    return huge_hint(p, n);
}

void *jm__xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom(n * size);
    return p;
}

void *jm__xzeroed(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        oom(SIZE_MAX);
    size_t bytes = n * size;
    void *p = jm__xmalloc(bytes > 0 ? bytes : 1);
    memset(p, 0, bytes);
    return p;
}

void *jm__xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return huge_hint(q, n);
}

char *jm__xstrdup(const char *s)
{
    return jm__xmemdup(s, strlen(s) + 1);
}

char *jm__xmemdup(const void *p, size_t n)
{
    char *q = jm__xmalloc(n + 1);
    memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

char *jm__strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        jm__die("vsnprintf failed");
    char *s = jm__xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *jm__arrow(const char *a, size_t na, const char *b, size_t nb)
{
    char *s = jm__xmalloc(na + nb + 5);
    memcpy(s, a, na);
    memcpy(s + na, " -> ", 4);
    memcpy(s + na + 4, b, nb);
    s[na + nb + 4] = '\0';
    return s;
}

void jm__die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("jmine: internal error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void jm__grow_to(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c += c / 2 + 16;
    if (c > SIZE_MAX / elem)
        oom(SIZE_MAX);
    *p = jm__xrealloc(*p, c * elem);
    *cap = c;
}

void jm__grow_zeroed(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t old = *cap;
    if (need <= old)
        return;
    jm__grow(p, cap, need, elem);
    memset((char *)*p + old * elem, 0, (*cap - old) * elem);
}

size_t jm__rank(size_t n, unsigned pct)
{
    size_t r = (size_t)(((uint64_t)n * pct + 99) / 100);
    return r < 1 ? 1 : r;
}

bool jm__radix_places(size_t *count, size_t digits, size_t n)
{
    size_t sum = 0;
    bool trivial = false;
    for (size_t d = 0; d < digits; d++) {
        trivial |= count[d] == n;
        size_t c = count[d];
        count[d] = sum;
        sum += c;
    }
    return trivial;
}

/* Insertion sort for short lists, where radix passes cost more than they save. */
static void insertion_i64(int64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int64_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* LSD radix sort, 8 bits a pass on the sign-flipped keys; a pass in which every key has the
 * same byte is skipped, so times in milliseconds take about five passes. */
void jm__sort_i64(int64_t *v, size_t n)
{
    if (n < 64) {
        insertion_i64(v, n);
        return;
    }
    size_t(*count)[256] = jm__xcalloc(8, sizeof *count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = (uint64_t)v[i] ^ (UINT64_C(1) << 63);
        for (int b = 0; b < 8; b++)
            count[b][(k >> (8 * b)) & 0xff]++;
    }
    uint64_t *a = (uint64_t *)v, *t = jm__xmalloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        a[i] ^= UINT64_C(1) << 63;
    for (int b = 0; b < 8; b++) {
        if (jm__radix_places(count[b], 256, n))
            continue;
        for (size_t i = 0; i < n; i++)
            t[count[b][(a[i] >> (8 * b)) & 0xff]++] = a[i];
        uint64_t *x = a;
        a = t;
        t = x;
    }
    if (a != (uint64_t *)v) {
        memcpy(v, a, n * sizeof *a);
        t = a;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (int64_t)((uint64_t)v[i] ^ (UINT64_C(1) << 63));
    free(t);
    free(count);
}

static void merge_sort(char *a, char *tmp, size_t n, size_t elem,
                       int (*cmp)(const void *, const void *, void *), void *ctx)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(a, tmp, h, elem, cmp, ctx);
    merge_sort(a + h * elem, tmp, n - h, elem, cmp, ctx);
    if (cmp(a + (h - 1) * elem, a + h * elem, ctx) <= 0)
        return;
    memcpy(tmp, a, h * elem);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (cmp(a + j * elem, tmp + i * elem, ctx) < 0)
            memcpy(a + k++ * elem, a + j++ * elem, elem);
        else
            memcpy(a + k++ * elem, tmp + i++ * elem, elem);
    }
    memcpy(a + k * elem, tmp + i * elem, (h - i) * elem);
}

void jm__sort(void *base, size_t n, size_t elem, int (*cmp)(const void *, const void *, void *),
              void *ctx)
{
    if (n < 2)
        return;
    /* A short array sorts through a buffer on the stack, not malloc's: some callers sort a few
     * elements a million times (each customer's journeys). */
    char small[1024];
    size_t need = (n / 2 + 1) * elem;
    char *tmp = need <= sizeof small ? small : jm__xmalloc(need);
    merge_sort(base, tmp, n, elem, cmp, ctx);
    if (tmp != small)
        free(tmp);
}

void jm__vals_push(jm__vals *l, int64_t x)
{
    if (x >= 0 && x < (int64_t)UINT32_MAX) {
        if (l->n == l->cap)
            jm__grow((void **)&l->small, &l->cap, l->n + 1, sizeof *l->small);
        l->small[l->n++] = (uint32_t)x;
    } else {
        if (l->nbig == l->bigcap)
            jm__grow((void **)&l->big, &l->bigcap, l->nbig + 1, sizeof *l->big);
        l->big[l->nbig++] = x;
    }
}

void jm__vals_append(jm__vals *into, const jm__vals *from)
{
    jm__grow((void **)&into->small, &into->cap, into->n + from->n, sizeof *into->small);
    if (from->n > 0)
        memcpy(into->small + into->n, from->small, from->n * sizeof *from->small);
    into->n += from->n;
    jm__grow((void **)&into->big, &into->bigcap, into->nbig + from->nbig, sizeof *into->big);
    if (from->nbig > 0)
        memcpy(into->big + into->nbig, from->big, from->nbig * sizeof *from->big);
    into->nbig += from->nbig;
}

/* The end of a sort that passed n values between v and a scratch array: the sorted ones are in
 * a (v or the scratch), the other is t. Leaves them in v and frees the scratch. */
static void settle_u32(uint32_t *v, uint32_t *a, uint32_t *t, size_t n)
{
    if (a != v) {
        memcpy(v, a, n * sizeof *a);
        t = a;
    }
    free(t);
}

/* The sorted runs a[lo..mid) and a[mid..hi) merged into t[lo..hi), stably. */
static void merge_u32(const uint32_t *a, uint32_t *t, size_t lo, size_t mid, size_t hi)
{
    size_t i = lo, j = mid, o = lo;
    while (i < mid && j < hi)
        t[o++] = a[j] < a[i] ? a[j++] : a[i++];
    while (i < mid)
        t[o++] = a[i++];
    while (j < hi)
        t[o++] = a[j++];
}

/* Runs that sort_runs merges at most; a list of more is radix-sorted. */
#define MAX_RUNS 8

/* If v's n values are a few ascending runs (sorted lists appended one after another: states
 * merged, ranks' states gathered), sort them by merging the runs, and return true; false,
 * touching nothing, where there are more than MAX_RUNS (found within the first descents). */
static bool sort_runs(uint32_t *v, size_t n)
{
    size_t at[MAX_RUNS + 1], k = 0;
    at[k++] = 0;
    for (size_t i = 1; i < n; i++) {
        if (v[i] >= v[i - 1])
            continue;
        if (k == MAX_RUNS)
            return false;
        at[k++] = i;
    }
    if (k == 1)
        return true;
    at[k] = n;
    uint32_t *a = v, *t = jm__xmalloc(n * sizeof *t);
    while (k > 1) { /* merge runs pairwise: 2j and 2j + 1 into run j */
        size_t m = 0;
        for (size_t r = 0; r < k; r += 2) {
            /* at[k] is n: a last run without a partner is copied (mid = hi). */
            size_t lo = at[r], mid = at[r + 1], hi = r + 1 < k ? at[r + 2] : mid;
            merge_u32(a, t, lo, mid, hi);
            at[m++] = lo;
        }
        at[m] = n;
        k = m;
        uint32_t *x = a;
        a = t;
        t = x;
    }
    settle_u32(v, a, t, n);
    return true;
}

void jm__vals_sort(jm__vals *l)
{
    /* Lists loaded from states arrive sorted, one run per state. */
    if (l->n < 64 || !sort_runs(l->small, l->n))
        jm__sort_u32(l->small, l->n);
    jm__sort_i64(l->big, l->nbig);
}

size_t jm__vals_count(const jm__vals *l)
{
    return l->n + l->nbig;
}

int64_t jm__vals_pct(const jm__vals *l, unsigned pct)
{
    /* In order: the negative big values, the small ones, the big ones from 2^32 - 1 up. */
    size_t k = jm__rank(l->n + l->nbig, pct) - 1;
    size_t neg = 0;
    while (neg < l->nbig && l->big[neg] < 0)
        neg++;
    if (k < neg)
        return l->big[k];
    if (k < neg + l->n)
        return l->small[k - neg];
    return l->big[k - l->n];
}

void jm__vals_free(jm__vals *l)
{
    free(l->small);
    free(l->big);
    memset(l, 0, sizeof *l);
}

/* Long lists: three passes of 11, 11 and 10 bits, so that values under 2^22 (waits and
 * durations of up to 70 minutes in ms, most of them) take two passes instead of three. */
static void sort_u32_long(uint32_t *v, size_t n)
{
    enum { BITS = 11, BUCKETS = 1 << BITS };
    static const int shift[3] = {0, 11, 22};
    size_t *count = jm__xcalloc(3 * BUCKETS, sizeof *count);
    for (size_t i = 0; i < n; i++) {
        uint32_t x = v[i];
        count[x & (BUCKETS - 1)]++;
        count[BUCKETS + ((x >> 11) & (BUCKETS - 1))]++;
        count[2 * BUCKETS + (x >> 22)]++;
    }
    uint32_t *a = v, *t = jm__xmalloc(n * sizeof *t);
    for (int p = 0; p < 3; p++) {
        size_t *c = count + (size_t)p * BUCKETS;
        if (jm__radix_places(c, BUCKETS, n))
            continue;
        for (size_t i = 0; i < n; i++)
            t[c[(a[i] >> shift[p]) & (BUCKETS - 1)]++] = a[i];
        uint32_t *x = a;
        a = t;
        t = x;
    }
    settle_u32(v, a, t, n);
    free(count);
}

jm__key16 *jm__sort_key16(jm__key16 *a, jm__key16 *tmp, size_t n)
{
    size_t count[8][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 8; d++)
            count[d][(a[i].key >> (8 * d)) & 0xff]++;
    for (int d = 0; d < 8; d++) {
        if (jm__radix_places(count[d], 256, n))
            continue;
        for (size_t i = 0; i < n; i++)
            tmp[count[d][(a[i].key >> (8 * d)) & 0xff]++] = a[i];
        jm__key16 *x = a;
        a = tmp;
        tmp = x;
    }
    return a;
}

/* Insertion sort: for a few values. */
static void insertion_u32(uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Up to MID_MAX values: runs of 16 sorted by insertion, then merged pairwise through a buffer
 * on the stack. For a hundred values this is a third of the radix sort's time, whose count
 * tables (8 KiB cleared, 1,024 places summed) and scratch cost more than the values: the
 * handovers' waits are tens of thousands of such lists. */
#define MID_MAX 1024
static void sort_u32_mid(uint32_t *v, size_t n)
{
    uint32_t buf[MID_MAX];
    for (size_t lo = 0; lo < n; lo += 16)
        insertion_u32(v + lo, n - lo < 16 ? n - lo : 16);
    uint32_t *a = v, *t = buf;
    for (size_t w = 16; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge_u32(a, t, lo, mid, hi);
        }
        uint32_t *x = a;
        a = t;
        t = x;
    }
    if (a != v)
        memcpy(v, a, n * sizeof *v);
}

void jm__sort_u32(uint32_t *v, size_t n)
{
    if (n < 64) {
        insertion_u32(v, n);
        return;
    }
    if (n < MID_MAX) {
        sort_u32_mid(v, n);
        return;
    }
    if (n >= (1u << 16)) {
        sort_u32_long(v, n);
        return;
    }
    size_t count[4][256];
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 4; b++)
            count[b][(v[i] >> (8 * b)) & 0xff]++;
    uint32_t *a = v, *t = jm__xmalloc(n * sizeof *t);
    for (int b = 0; b < 4; b++) {
        if (jm__radix_places(count[b], 256, n))
            continue;
        for (size_t i = 0; i < n; i++)
            t[count[b][(a[i] >> (8 * b)) & 0xff]++] = a[i];
        uint32_t *x = a;
        a = t;
        t = x;
    }
    settle_u32(v, a, t, n);
}

#if defined(__SSE2__)
/* The sum of the sixteen byte counters of v. */
static inline uint64_t sum_bytes(__m128i v)
{
    __m128i s = _mm_sad_epu8(v, _mm_setzero_si128());
    return (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s));
}
#endif

void jm__count_text(const char *s, size_t n, char next, uint64_t *quotes, uint64_t *line_ends)
{
    uint64_t q = 0, l = 0;
    size_t i = 0;
#if defined(__SSE2__)
    /* Sixteen bytes a step, each compared with '"', LF and CR; the byte after each is loaded
     * too, to tell a CR of a CRLF (its LF counts) from a lone CR. A matching byte compares to
     * -1, so subtracting the comparison counts it, in byte counters that are summed before
     * they can overflow. */
    const __m128i vq = _mm_set1_epi8('"'), vlf = _mm_set1_epi8('\n'), vcr = _mm_set1_epi8('\r');
    while (i + 17 <= n) {
        size_t steps = (n - i - 1) / 16;
        if (steps > 255)
            steps = 255;
        __m128i aq = _mm_setzero_si128(), al = _mm_setzero_si128();
        for (size_t k = 0; k < steps; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
            __m128i lf = _mm_cmpeq_epi8(v, vlf);
            __m128i lone_cr = _mm_andnot_si128(_mm_cmpeq_epi8(w, vlf), _mm_cmpeq_epi8(v, vcr));
            aq = _mm_sub_epi8(aq, _mm_cmpeq_epi8(v, vq));
            al = _mm_sub_epi8(al, _mm_or_si128(lf, lone_cr));
        }
        q += sum_bytes(aq);
        l += sum_bytes(al);
    }
#endif
    for (; i < n; i++) {
        char c = s[i];
        q += c == '"';
        l += c == '\n' || (c == '\r' && (i + 1 < n ? s[i + 1] : next) != '\n');
    }
    *quotes = q;
    *line_ends = l;
}

void jm__trace(const char *phase)
{
    static int on = -1; /* set by the first call, which comes before any thread starts */
    if (on < 0)
        on = getenv("JMINE_TRACE") != NULL;
    if (!on)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    double cpu = (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                 (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    /* Resident now (Linux; 0 where /proc is not there), beside the peak so far. */
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%*s %ld", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    fprintf(stderr, "jmine: trace: %-14s at %.3f s, cpu %.3f s, peak %ld MB, now %ld MB\n",
            phase, (double)t.tv_sec + (double)t.tv_nsec / 1e9, cpu, u.ru_maxrss / 1024,
            pages * (sysconf(_SC_PAGESIZE) / 1024) / 1024);
}

typedef struct tasks {
    size_t n;
    atomic_size_t next;
    void (*fn)(void *ctx, size_t i);
    void *ctx;
} tasks;

static void *task_thread(void *arg)
{
    tasks *t = arg;
    for (size_t i; (i = atomic_fetch_add(&t->next, 1)) < t->n;)
        t->fn(t->ctx, i);
    return NULL;
}

void jm__run_tasks(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx)
{
    tasks t = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&t.next, 0);
    if (threads > n)
        threads = (unsigned)n;
    pthread_t *tid = jm__xcalloc(threads, sizeof *tid);
    unsigned started = 0;
    for (unsigned k = 1; k < threads; k++)
        if (pthread_create(&tid[started], NULL, task_thread, &t) == 0)
            started++;
    task_thread(&t);
    for (unsigned k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
    free(tid);
}

bool jm__utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}
