/* SPDX-License-Identifier: MIT */
/* The CSV reader: push-parses a byte source through libcsv and hands out rows with their line. */
#include "csvin.h"
#include "util.h"

#include <csv.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CHUNK (1u << 20)
#define PROGRESS_EVERY (8u << 20)

typedef struct reader {
    const jm__csv_opts *opt;
    jm__row_fn fn;
    void *data;
    jm_status status; /* the first non-OK status of the callback */
    /* The record being collected: field bytes back to back, each followed by a NUL. */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *off, *len;
    const char **ptr;
    size_t n, cap;
    size_t too_long, too_long_len;
    /* Line tracking: libcsv does not count lines, so newlines are counted from the fields and
     * the record terminators it reports (CSV_REPALL_NL reports every one). */
    uint64_t cur;       /* line of the parser's position */
    uint64_t rec_start; /* line where the record being collected starts */
    bool pending_cr;    /* the last thing seen was a CR terminator: a LF now completes CRLF */
    bool exact;         /* line breaks inside quoted fields are counted too */
    uint64_t blank;
    uint64_t records;
    uint64_t fp; /* the fingerprint of the record's fields so far (opt->fingerprint) */
} reader;

/* Whether the n bytes at s may hold a CR or LF: true for any byte below 0x0e (tabs too, then
 * counted exactly), tested eight bytes at a time. */
static bool maybe_line_break(const unsigned char *s, size_t n)
{
    const uint64_t below = 0x0e0e0e0e0e0e0e0eULL, high = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* A byte below 0x0e borrows into its high bit; bytes of 0x80 and up are excluded by
         * ~w, and cannot be CR or LF. */
        if ((w - below) & ~w & high)
            return true;
    }
    for (; i < n; i++)
        if (s[i] < 0x0e)
            return true;
    return false;
}

/* A hash of a field's bytes and length, for the row's fingerprint (not for tables): one
 * multiply per 8 bytes, the last 8 (or 4 and 4) read whole. */
static inline uint64_t field_hash(const unsigned char *s, size_t n)
{
    const uint64_t k1 = 0xff51afd7ed558ccdULL, k2 = 0xc4ceb9fe1a85ec53ULL;
    uint64_t w;
    if (n >= 8) {
        uint64_t h = n;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&w, s + i, 8);
            h = (h ^ w) * k1;
        }
        memcpy(&w, s + n - 8, 8);
        return (h ^ w) * k2;
    }
    if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        w = (uint64_t)x << 32 | y;
    } else {
        w = n ? (uint64_t)s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16 : 0;
    }
    return (w ^ (uint64_t)n << 59) * k2;
}

static void on_field(void *field, size_t n, void *data)
{
    reader *r = data;
    if (r->status != JM_OK)
        return;
    const unsigned char *s = field ? field : (const unsigned char *)"";
    /* Only quoted fields can hold line breaks; a cheap test for any byte below 0x0e keeps the
     * exact count off the common path. */
    if (r->exact && maybe_line_break(s, n))
        r->cur += jm__csv_line_ends((const char *)s, n, 0); /* CRLF, CR, LF: one line each */
    r->pending_cr = false;
    if (n > r->opt->field_limit && r->too_long == 0) {
        r->too_long = r->n + 1;
        r->too_long_len = n;
    }
    if (r->opt->max_fields > 0 && r->n >= r->opt->max_fields) {
        r->n++; /* counted only: the record has too many fields to be an event */
        return;
    }
    if (r->n == r->opt->key_col && r->opt->on_key != NULL)
        r->opt->on_key(r->data, (const char *)s, n);
    if (r->opt->fingerprint)
        r->fp = (r->fp ^ field_hash(s, n)) * 0x9e3779b97f4a7c15ULL + 1;
    /* Copying only the columns the caller reads saves a memcpy for most fields. This runs for
     * every field of every row: the common case takes no call. */
    size_t copy = r->opt->keep == NULL || r->n >= r->opt->nkeep || r->opt->keep[r->n] ? n : 0;
    if (r->buf_len + copy + 1 > r->buf_cap)
        jm__grow((void **)&r->buf, &r->buf_cap, r->buf_len + copy + 1, 1);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->off = jm__xrealloc(r->off, r->cap * sizeof *r->off);
        r->len = jm__xrealloc(r->len, r->cap * sizeof *r->len);
        r->ptr = jm__xrealloc(r->ptr, r->cap * sizeof *r->ptr);
    }
    if (copy > 0)
        memcpy(r->buf + r->buf_len, s, copy);
    r->buf[r->buf_len + copy] = '\0';
    r->off[r->n] = r->buf_len;
    r->len[r->n] = n;
    r->n++;
    r->buf_len += copy + 1;
}

static void on_record(int c, void *data)
{
    reader *r = data;
    if (r->n > 0 && r->status == JM_OK) {
        size_t stored = r->n < r->cap ? r->n : r->cap;
        if (r->opt->max_fields > 0 && stored > r->opt->max_fields)
            stored = r->opt->max_fields;
        for (size_t i = 0; i < stored; i++)
            r->ptr[i] = r->buf + r->off[i];
        jm__row row = {r->n,        r->ptr,           r->len, r->rec_start,
                       r->too_long, r->too_long_len, stored, r->fp};
        r->records++;
        r->status = r->fn(r->data, &row);
    } else if (r->n == 0 && !(c == '\n' && r->pending_cr) && c != -1) {
        r->blank++;
    }
    if (c == '\r') {
        r->cur++;
        r->pending_cr = true;
    } else if (c == '\n') {
        if (!(r->n == 0 && r->pending_cr))
            r->cur++;
        r->pending_cr = false;
    }
    r->n = 0;
    r->fp = 0;
    r->buf_len = 0;
    r->too_long = r->too_long_len = 0;
    r->rec_start = r->cur;
}

char jm__csv_sniff(const char *line, size_t n)
{
    static const char cand[] = {',', ';', '\t', '|'};
    size_t count[4] = {0, 0, 0, 0};
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        char c = line[i];
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted)
            continue;
        for (int k = 0; k < 4; k++)
            count[k] += c == cand[k];
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

/* The end of the first non-blank line outside quotes in buf, or n if it is not complete. */
static size_t header_end(const char *buf, size_t n, size_t *begin)
{
    size_t i = 0;
    while (i < n && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    *begin = i;
    bool quoted = false;
    for (; i < n; i++) {
        if (buf[i] == '"')
            quoted = !quoted;
        else if (!quoted && (buf[i] == '\r' || buf[i] == '\n'))
            return i;
    }
    return n;
}

static int never_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* libcsv grows its field buffer by a fixed block (4 KiB here) each time it fills: on a field of
 * 100 MB that is 25,000 reallocs, each a copy where realloc cannot move pages (sanitizers), and
 * the parse turns quadratic. Granting half as much again each time it asks, and answering from
 * what the block already holds, makes it linear. */
static void *field_realloc(void *p, size_t n)
{
    if (p != NULL && malloc_usable_size(p) >= n)
        return p;
    return jm__xrealloc(p, n < 65536 ? n : n + n / 2);
}

/* ---- When libcsv may test spaces itself ----
 *
 * libcsv trims spaces and tabs (those that are not the delimiter) at the start and end of an
 * unquoted field and after a closing quote. jmine keeps field bytes as they are, so it hands
 * libcsv a space test that always says no; but libcsv then calls it for every byte of every
 * unquoted field, which costs a quarter of libcsv's own time. Where no such space occurs,
 * libcsv's inline test reads the same fields, and the call can be left out.
 *
 * Whether one occurs depends on which bytes are inside quotes, and libcsv opens a quoted field
 * only at the start of a field. So the scan takes the quote parity as the quoting, and accepts
 * the bytes only where every quote stands where libcsv reads it the same way: an opening quote
 * (even parity before it) at the start of the bytes or after a delimiter, CR, LF or a closing
 * quote (""); a closing quote before a delimiter, CR, LF, a quote, or the end. Then parity is
 * libcsv's quoting, and the bytes are refused if a space outside quotes follows a delimiter,
 * CR, LF or the start, or comes before a delimiter, CR, LF or the end. A closing quote before a
 * space is already refused. */

/* The bytes that matter among 64, a bit each. */
typedef struct masks {
    uint64_t quote, sep, space; /* sep: delimiter, CR, LF; space: space or tab, not delimiter */
} masks;

/* The masks of the n <= 64 bytes at s (bits past n clear). */
static masks masks_of(const unsigned char *s, size_t n, unsigned char delim)
{
    masks m = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        uint64_t bit = (uint64_t)1 << i;
        if (c == '"')
            m.quote |= bit;
        else if (c == delim || c == '\r' || c == '\n')
            m.sep |= bit;
        else if (c == ' ' || c == '\t')
            m.space |= bit;
    }
    return m;
}

/* The masks of k blocks of 64 bytes at s, into out. */
static void masks_blocks(const unsigned char *s, size_t k, unsigned char delim, masks *out)
{
#if defined(__SSE2__)
    const __m128i vq = _mm_set1_epi8('"'), vd = _mm_set1_epi8((char)delim),
                  vcr = _mm_set1_epi8('\r'), vlf = _mm_set1_epi8('\n'), vsp = _mm_set1_epi8(' '),
                  vtab = _mm_set1_epi8('\t');
    for (size_t b = 0; b < k; b++, s += 64) {
        masks m = {0, 0, 0};
        for (int j = 0; j < 4; j++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * j));
            __m128i q = _mm_cmpeq_epi8(v, vq);
            __m128i sep = _mm_or_si128(_mm_cmpeq_epi8(v, vd),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, vcr), _mm_cmpeq_epi8(v, vlf)));
            __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(v, vsp), _mm_cmpeq_epi8(v, vtab));
            m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(q) << (16 * j);
            m.sep |= (uint64_t)(uint16_t)_mm_movemask_epi8(sep) << (16 * j);
            m.space |= (uint64_t)(uint16_t)_mm_movemask_epi8(sp) << (16 * j);
        }
        m.sep &= ~m.quote;
        m.space &= ~(m.sep | m.quote);
        out[b] = m;
    }
#else
    for (size_t b = 0; b < k; b++, s += 64)
        out[b] = masks_of(s, 64, delim);
#endif
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The same, 32 bytes a step, where the CPU has AVX2: the scan then costs half as much. */
__attribute__((target("avx2"))) static void masks_blocks_avx2(const unsigned char *s, size_t k,
                                                                unsigned char delim, masks *out)
{
    const __m256i vq = _mm256_set1_epi8('"'), vd = _mm256_set1_epi8((char)delim),
                  vcr = _mm256_set1_epi8('\r'), vlf = _mm256_set1_epi8('\n'),
                  vsp = _mm256_set1_epi8(' '), vtab = _mm256_set1_epi8('\t');
    for (size_t b = 0; b < k; b++, s += 64) {
        masks m = {0, 0, 0};
        for (int j = 0; j < 2; j++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32 * j));
            __m256i q = _mm256_cmpeq_epi8(v, vq);
            __m256i sep = _mm256_or_si256(
                _mm256_cmpeq_epi8(v, vd),
                _mm256_or_si256(_mm256_cmpeq_epi8(v, vcr), _mm256_cmpeq_epi8(v, vlf)));
            __m256i sp = _mm256_or_si256(_mm256_cmpeq_epi8(v, vsp), _mm256_cmpeq_epi8(v, vtab));
            m.quote |= (uint64_t)(uint32_t)_mm256_movemask_epi8(q) << (32 * j);
            m.sep |= (uint64_t)(uint32_t)_mm256_movemask_epi8(sep) << (32 * j);
            m.space |= (uint64_t)(uint32_t)_mm256_movemask_epi8(sp) << (32 * j);
        }
        m.sep &= ~m.quote;
        m.space &= ~(m.sep | m.quote);
        out[b] = m;
    }
}
#endif

/* What the scan carries from one block of 64 bytes to the next: whether the byte before ends a
 * field (a separator, or the start), is a space outside quotes, is a closing quote; and the
 * quote parity so far (all ones when odd). */
typedef struct scan_state {
    uint64_t prev_sep, prev_space, prev_close, odd;
} scan_state;

/* Whether the n <= 64 bytes with masks m hold nothing that libcsv would trim or read otherwise
 * than the quote parity says (see above); st carries on. */
static inline bool block_untouched(masks m, size_t n, scan_state *st)
{
    /* in: bit i set when the quotes up to byte i and with it are odd; for a byte that is not a
     * quote, that is being inside quotes. */
    uint64_t in = m.quote;
    in ^= in << 1;
    in ^= in << 2;
    in ^= in << 4;
    in ^= in << 8;
    in ^= in << 16;
    in ^= in << 32;
    in ^= st->odd;
    uint64_t open = m.quote & in, close = m.quote & ~in, space_out = m.space & ~in;
    uint64_t sep_before = m.sep << 1 | st->prev_sep;
    uint64_t space_before = space_out << 1 | st->prev_space;
    uint64_t close_before = close << 1 | st->prev_close;
    /* Before an opening quote, a quote can only be a closing one (""). */
    uint64_t quote_before = m.quote << 1 | st->prev_close;
    uint64_t bad = (space_out & sep_before) | (m.sep & space_before) |
                   (open & ~(sep_before | quote_before)) | (close_before & ~(m.sep | m.quote));
    if (n < 64)
        bad &= ((uint64_t)1 << n) - 1;
    st->prev_sep = m.sep >> (n - 1) & 1;
    st->prev_space = space_out >> (n - 1) & 1;
    st->prev_close = close >> (n - 1) & 1;
    st->odd = (uint64_t)0 - (in >> (n - 1) & 1);
    return bad == 0;
}

/* Scan n more bytes with st carried on: false at the first thing refused. */
static bool scan_bytes(const unsigned char *u, size_t n, unsigned char delim, scan_state *st)
{
    if (delim == '"')
        return false;
#if defined(__x86_64__) && defined(__GNUC__)
    bool avx2 = __builtin_cpu_supports("avx2");
#endif
    enum { PIECE = 256 }; /* blocks of 64 bytes: the masks stay in the first-level cache */
    masks m[PIECE];
    size_t blocks = n / 64, at = 0;
    while (at < blocks) {
        size_t k = blocks - at < PIECE ? blocks - at : PIECE;
#if defined(__x86_64__) && defined(__GNUC__)
        if (avx2)
            masks_blocks_avx2(u + 64 * at, k, delim, m);
        else
#endif
            masks_blocks(u + 64 * at, k, delim, m);
        for (size_t i = 0; i < k; i++)
            if (!block_untouched(m[i], 64, st))
                return false;
        at += k;
    }
    return n % 64 == 0 || block_untouched(masks_of(u + 64 * blocks, n % 64, delim), n % 64, st);
}

/* Whether the scan is cheaper than the calls it saves: with SIMD. Byte by byte it would cost
 * about what libcsv's call per byte does, so elsewhere every byte goes through our test. */
#if defined(__SSE2__)
#define SCAN_PAYS 1
#else
#define SCAN_PAYS 0
#endif

/* The state at the start of the input: the byte before ends a field. */
#define SCAN_START ((scan_state){1, 0, 0, 0})

bool jm__csv_spaces_untouched(const char *s, size_t n, char delim)
{
    scan_state st = SCAN_START;
    /* A space last would end the last field. */
    return scan_bytes((const unsigned char *)s, n, (unsigned char)delim, &st) && !st.prev_space;
}

struct jm__csv {
    struct csv_parser p;
    reader r;
    /* Every byte so far passed the scan (scan carries its state): libcsv tests spaces inline. */
    bool scanning;
    scan_state scan;
};

/* From here on, libcsv calls our test that keeps every byte. Its count of spaces that would be
 * trimmed is then always 0 (no byte is a space to it); every byte before passed the scan, so
 * that count is all that differs from a parser that kept every byte from the start. */
static void keep_every_byte(jm__csv *c)
{
    c->scanning = false;
    csv_set_space_func(&c->p, never_space);
    c->p.spaces = 0;
}

jm__csv *jm__csv_new(char delim, const jm__csv_opts *opt, jm__row_fn fn, void *data,
                     uint64_t first_line)
{
    jm__csv *c = jm__xcalloc(1, sizeof *c);
    if (csv_init(&c->p, CSV_REPALL_NL) != 0)
        jm__die("csv_init failed");
    csv_set_delim(&c->p, (unsigned char)delim);
    /* Field bytes are kept as they are: libcsv's own space test trims spaces and tabs around
     * unquoted fields, and is left to it only while the bytes hold none that it would trim (a
     * quote for delimiter fails the first scan). */
    c->scanning = SCAN_PAYS;
    c->scan = SCAN_START;
    if (!c->scanning)
        csv_set_space_func(&c->p, never_space);
    csv_set_realloc_func(&c->p, field_realloc);
    csv_set_blk_size(&c->p, 4096);
    c->r = (reader){.opt = opt,
                    .fn = fn,
                    .data = data,
                    .status = JM_OK,
                    .cur = first_line,
                    .rec_start = first_line,
                    .exact = true};
    return c;
}

jm_status jm__csv_feed(jm__csv *c, const char *buf, size_t n)
{
    /* In pieces, each scanned and then parsed while still in the cache. */
    enum { PIECE = 64 << 10 };
    for (size_t at = 0; at < n && c->r.status == JM_OK; at += PIECE) {
        size_t k = n - at < PIECE ? n - at : PIECE;
        if (c->scanning &&
            !scan_bytes((const unsigned char *)buf + at, k, (unsigned char)c->p.delim_char,
                        &c->scan))
            keep_every_byte(c);
        size_t done = csv_parse(&c->p, buf + at, k, on_field, on_record, &c->r);
        if (done != k)
            jm__die("libcsv stopped: %s", csv_strerror(csv_error(&c->p)));
    }
    return c->r.status;
}

void jm__csv_keep_every_byte(jm__csv *c)
{
    keep_every_byte(c);
}

bool jm__csv_spaces_inline(const jm__csv *c)
{
    return c->scanning;
}

void jm__csv_inexact_lines(jm__csv *c)
{
    c->r.exact = false;
}

uint64_t jm__csv_line(const jm__csv *c)
{
    return c->r.cur;
}

bool jm__csv_at_boundary(const jm__csv *c)
{
    return c->p.pstate == 0 /* ROW_NOT_BEGUN */ && c->r.n == 0;
}

jm_status jm__csv_finish(jm__csv *c, const char *name, char **err)
{
    if (c->r.status != JM_OK)
        return c->r.status;
    /* libcsv would close an open quoted field silently; that is a broken file (SPEC §2). */
    if (c->p.pstate == 2 /* FIELD_BEGUN */ && c->p.quoted) {
        *err = jm__strdupf("%s:%llu: quoted field not closed at end of file", name,
                           (unsigned long long)c->r.rec_start);
        return JM_EINPUT;
    }
    if (c->scanning && c->scan.prev_space)
        keep_every_byte(c); /* a space last ends the last field: it stays */
    csv_fini(&c->p, on_field, on_record, &c->r);
    return c->r.status;
}

uint64_t jm__csv_blank(const jm__csv *c)
{
    return c->r.blank;
}

void jm__csv_free(jm__csv *c)
{
    if (c == NULL)
        return;
    csv_free(&c->p);
    free(c->r.buf);
    free(c->r.off);
    free(c->r.len);
    free(c->r.ptr);
    free(c);
}

uint64_t jm__csv_line_ends(const char *s, size_t n, char next)
{
    uint64_t quotes, ends;
    jm__count_text(s, n, next, &quotes, &ends);
    return ends;
}

/* The length of a UTF-8 byte-order mark at the start of the n bytes at buf: 3 or 0. */
static size_t bom_length(const char *buf, size_t n)
{
    return n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* The end of the line that starts at i (the first CR or LF from there), or n. */
static size_t line_end(const char *buf, size_t n, size_t i)
{
    while (i < n && buf[i] != '\r' && buf[i] != '\n')
        i++;
    return i;
}

/* The bytes before the header: a UTF-8 byte-order mark, then skip_lines physical lines (LF,
 * CRLF or a lone CR ends each, quotes or not). Excel's "sep=X" as the first line sets the
 * delimiter (*sep, else 0) and is never the header: it is skipped even when skip_lines is 0.
 * Returns false when more bytes are needed to see those lines whole; else *skip and *line are
 * where the rest starts, and *short_of is true when the input ended before skip_lines lines. */
static bool prefix(const char *buf, size_t n, bool eof, size_t skip_lines, size_t *skip,
                   uint64_t *line, char *sep, bool *short_of)
{
    size_t i = bom_length(buf, n);
    *sep = 0;
    *short_of = false;
    size_t e = line_end(buf, n, i);
    if (e == n && !eof)
        return false;
    if (e - i == 5 && (memcmp(buf + i, "sep=", 4) == 0 || memcmp(buf + i, "SEP=", 4) == 0) &&
        buf[i + 4] != '"')
        *sep = buf[i + 4];
    size_t want = skip_lines > 0 ? skip_lines : *sep ? 1 : 0;
    uint64_t ln = 1;
    for (size_t k = 0; k < want; k++) {
        e = line_end(buf, n, i);
        if (e == n) {
            if (!eof)
                return false;
            *short_of = true;
            i = n;
            break;
        }
        if (buf[e] == '\r' && e + 1 == n && !eof)
            return false; /* a CR that a LF may follow */
        i = e + (buf[e] == '\r' && e + 1 < n && buf[e + 1] == '\n' ? 2 : 1);
        ln++;
    }
    *skip = i;
    *line = ln;
    return true;
}

bool jm__csv_head(const char *buf, size_t n, bool eof, char delimiter, size_t skip_lines,
                  jm__csv_head_info *h)
{
    size_t skip;
    uint64_t skip_line;
    char sep;
    bool short_of;
    if (!prefix(buf, n, eof, skip_lines, &skip, &skip_line, &sep, &short_of))
        return false;
    size_t begin;
    size_t end = skip + header_end(buf + skip, n - skip, &begin);
    begin += skip;
    if (!eof && (end == n || (buf[end] == '\r' && end + 1 == n)))
        return false; /* the header line (or its CRLF) is not whole yet */
    h->skip = skip;
    h->skip_line = skip_line;
    h->sep = sep;
    h->empty = begin >= n;
    if (h->empty)
        return true;
    h->delim = delimiter ? delimiter : sep ? sep : jm__csv_sniff(buf + begin, end - begin);
    /* The data start after the header's line end, CRLF taken whole. */
    size_t data = end;
    if (data < n)
        data += buf[data] == '\r' && data + 1 < n && buf[data + 1] == '\n' ? 2 : 1;
    h->data = data;
    h->data_line =
        skip_line + jm__csv_line_ends(buf + skip, data - skip, data < n ? buf[data] : 0);
    return true;
}

char *jm__csv_no_header(const char *name, size_t skip_lines)
{
    if (skip_lines > 0)
        return jm__strdupf("%s: no header line after the %zu line%s skipped (--skip-lines)",
                           name, skip_lines, skip_lines == 1 ? "" : "s");
    return jm__strdupf("%s: no header line (the file is empty)", name);
}

/* Parse what is in chunk from pos, then the rest of src, and finish. */
static jm_status read_rest(jm__source *src, const char *name, const jm__csv_opts *opt, jm__csv *c,
                           char *chunk, size_t chunk_len, size_t pos, bool eof, char **err)
{
    uint64_t next_progress = jm__source_offset(src) + PROGRESS_EVERY;
    for (;;) {
        if (jm__csv_feed(c, chunk + pos, chunk_len - pos) != JM_OK || eof)
            break;
        if (opt->progress && jm__source_offset(src) >= next_progress) {
            opt->progress(opt->progress_data, jm__source_offset(src));
            next_progress = jm__source_offset(src) + PROGRESS_EVERY;
        }
        pos = 0;
        ssize_t k = jm__source_read(src, chunk, CHUNK, err);
        if (k < 0)
            return JM_EINPUT;
        chunk_len = (size_t)k;
        eof = k == 0;
    }
    jm_status st = jm__csv_finish(c, name, err);
    if (st == JM_OK && opt->progress)
        opt->progress(opt->progress_data, jm__source_offset(src));
    return st;
}

bool jm__csv_head_more(const char *buf, size_t old, size_t n, bool eof, char delimiter,
                       size_t skip_lines, jm__csv_head_info *h)
{
    /* No line end came in (the byte before included, a CR waiting for its LF): the header is
     * not whole yet, and looking again from its start each time would be quadratic. */
    size_t from = old > 0 ? old - 1 : 0;
    h->too_long = false;
    if (!eof && memchr(buf + from, '\n', n - from) == NULL &&
        memchr(buf + from, '\r', n - from) == NULL) {
        h->too_long = n > JM_HEADER_MAX;
        return h->too_long;
    }
    if (jm__csv_head(buf, n, eof, delimiter, skip_lines, h))
        return true;
    h->too_long = n > JM_HEADER_MAX;
    return h->too_long;
}

char *jm__csv_head_error(const char *name, const char *buf, size_t n, size_t skip_lines)
{
    size_t skip = 0;
    uint64_t line = 1;
    char sep;
    bool short_of;
    prefix(buf, n, true, skip_lines, &skip, &line, &sep, &short_of);
    if (short_of)
        return jm__strdupf("%s: the first %zu lines are longer than %zu MiB in all (a binary "
                           "file?)",
                           name, skip_lines, JM_HEADER_MAX >> 20);
    size_t begin;
    header_end(buf + skip, n - skip, &begin);
    char next = skip + begin < n ? buf[skip + begin] : 0;
    line += jm__csv_line_ends(buf + skip, begin, next);
    return jm__strdupf("%s:%llu: the header line is longer than %zu MiB (a binary file, or a "
                       "quote that is never closed?)",
                       name, (unsigned long long)line, JM_HEADER_MAX >> 20);
}

jm_status jm__csv_read(jm__source *src, const char *name, const jm__csv_opts *opt, jm__row_fn fn,
                       void *data, char *delim, uint64_t *blank, char **err)
{
    jm_status st = JM_OK;
    jm__csv *c = NULL;
    char *chunk = NULL;
    size_t chunk_len = 0, chunk_cap = 0;

    /* Read until the header line is whole, so the delimiter can be sniffed from it. */
    bool eof = false;
    jm__csv_head_info h = {0};
    for (;;) {
        jm__grow((void **)&chunk, &chunk_cap, chunk_len + CHUNK, 1);
        ssize_t k = jm__source_read(src, chunk + chunk_len, CHUNK, err);
        if (k < 0) {
            st = JM_EINPUT;
            goto out;
        }
        chunk_len += (size_t)k;
        eof = k == 0;
        if (jm__csv_head_more(chunk, chunk_len - (size_t)k, chunk_len, eof, opt->delimiter,
                              opt->skip_lines, &h))
            break;
    }
    if (h.too_long) {
        *err = jm__csv_head_error(name, chunk, chunk_len, opt->skip_lines);
        st = JM_EINPUT;
        goto out;
    }
    if (h.empty) {
        *err = jm__csv_no_header(name, opt->skip_lines);
        st = JM_EINPUT;
        goto out;
    }
    *delim = h.delim;
    c = jm__csv_new(h.delim, opt, fn, data, h.skip_line);
    st = read_rest(src, name, opt, c, chunk, chunk_len, h.skip, eof, err);
out:
    if (blank != NULL)
        *blank = c ? jm__csv_blank(c) : 0;
    jm__csv_free(c);
    free(chunk);
    return st;
}

jm_status jm__csv_read_on(jm__csv *c, jm__source *src, const char *name, const jm__csv_opts *opt,
                          const char *pre, size_t npre, char **err)
{
    char *chunk = jm__xmalloc(npre > CHUNK ? npre : CHUNK);
    if (npre > 0)
        memcpy(chunk, pre, npre);
    jm_status st = read_rest(src, name, opt, c, chunk, npre, 0, false, err);
    free(chunk);
    return st;
}

jm_status jm__csv_read_from(jm__source *src, const char *name, const jm__csv_opts *opt,
                            char delim, uint64_t first_line, const char *pre, size_t npre,
                            jm__row_fn fn, void *data, uint64_t *blank, char **err)
{
    char *chunk = jm__xmalloc(npre > CHUNK ? npre : CHUNK);
    if (npre > 0)
        memcpy(chunk, pre, npre);
    jm__csv *c = jm__csv_new(delim, opt, fn, data, first_line);
    jm_status st = read_rest(src, name, opt, c, chunk, npre, 0, false, err);
    *blank = jm__csv_blank(c);
    jm__csv_free(c);
    free(chunk);
    return st;
}
