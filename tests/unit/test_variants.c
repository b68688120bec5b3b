/* SPDX-License-Identifier: MIT */
/* Unit tests for variants: ranking, stable ids, shares, durations, --collapse-loops, --step,
 * --split-gap, ties in time, and independence from the input's row order. Logs go through the
 * public API; the JSON report is parsed by a small reader below and checked field by field. */

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyses/analysis.h"
#include "intern.h"
#include "seqtab.h"
#include "merge_law.h"

#include <jmine/jmine.h>

/* ---- A small JSON reader ---------------------------------------------------------- */

typedef struct jv {
    char t;  /* 'o' object, 'a' array, 's' string, 'n' number, 't' 'f' 'z' literals */
    char *s; /* string bytes (decoded) or the number's text */
    size_t len;
    size_t n; /* members or items */
    char **key;
    struct jv *v;
} jv;

static void jv_free(jv *x)
{
    free(x->s);
    for (size_t i = 0; i < x->n; i++) {
        if (x->key != NULL) free(x->key[i]);
        jv_free(&x->v[i]);
    }
    free(x->key);
    free(x->v);
    memset(x, 0, sizeof *x);
}

typedef struct jparse {
    const char *p, *end;
} jparse;

static void ws(jparse *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

static void put_utf8(GString *g, uint32_t cp)
{
    char buf[8];
    gint n = g_unichar_to_utf8((gunichar)cp, buf);
    g_string_append_len(g, buf, n);
}

static bool hex4(jparse *j, uint32_t *v)
{
    if (j->end - j->p < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(j->p[i]);
        if (d < 0) return false;
        *v = *v << 4 | (uint32_t)d;
    }
    j->p += 4;
    return true;
}

static bool jstring(jparse *j, char **out, size_t *len)
{
    if (j->p >= j->end || *j->p != '"') return false;
    j->p++;
    GString *g = g_string_new(NULL);
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p++;
        if (c < 0x20) goto bad;
        if (c != '\\') {
            g_string_append_c(g, (char)c);
            continue;
        }
        if (j->p >= j->end) goto bad;
        char e = *j->p++;
        uint32_t cp;
        switch (e) {
        case '"':
            g_string_append_c(g, '"');
            break;
        case '\\':
            g_string_append_c(g, '\\');
            break;
        case '/':
            g_string_append_c(g, '/');
            break;
        case 'b':
            g_string_append_c(g, '\b');
            break;
        case 'f':
            g_string_append_c(g, '\f');
            break;
        case 'n':
            g_string_append_c(g, '\n');
            break;
        case 'r':
            g_string_append_c(g, '\r');
            break;
        case 't':
            g_string_append_c(g, '\t');
            break;
        case 'u':
            if (!hex4(j, &cp)) goto bad;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') goto bad;
                j->p += 2;
                if (!hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff) goto bad;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (cp == 0)
                g_string_append_c(g, '\0');
            else
                put_utf8(g, cp);
            break;
        default:
            goto bad;
        }
    }
    if (j->p >= j->end) goto bad;
    j->p++;
    if (!g_utf8_validate(g->str, (gssize)g->len, NULL) && memchr(g->str, 0, g->len) == NULL)
        goto bad;
    *len = g->len;
    *out = g_malloc(g->len + 1);
    memcpy(*out, g->str, g->len + 1);
    g_string_free(g, TRUE);
    return true;
bad:
    g_string_free(g, TRUE);
    return false;
}

static bool jvalue(jparse *j, jv *out, int depth);

static bool jcontainer(jparse *j, jv *out, int depth, char close)
{
    j->p++;
    ws(j);
    size_t cap = 0;
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return true;
    }
    for (;;) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->v = realloc(out->v, cap * sizeof *out->v);
            if (close == '}') out->key = realloc(out->key, cap * sizeof *out->key);
        }
        memset(&out->v[out->n], 0, sizeof out->v[0]);
        if (close == '}') {
            size_t kl;
            ws(j);
            out->key[out->n] = NULL;
            if (!jstring(j, &out->key[out->n], &kl)) return false;
            ws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(out->key[out->n]);
                return false;
            }
            j->p++;
        }
        if (!jvalue(j, &out->v[out->n], depth + 1)) {
            if (close == '}') free(out->key[out->n]);
            jv_free(&out->v[out->n]);
            return false;
        }
        out->n++;
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return true;
        }
        return false;
    }
}

static bool jvalue(jparse *j, jv *out, int depth)
{
    ws(j);
    if (j->p >= j->end || depth > 64) return false;
    char c = *j->p;
    if (c == '{') {
        out->t = 'o';
        return jcontainer(j, out, depth, '}');
    }
    if (c == '[') {
        out->t = 'a';
        return jcontainer(j, out, depth, ']');
    }
    if (c == '"') {
        out->t = 's';
        return jstring(j, &out->s, &out->len);
    }
    static const struct {
        const char *word;
        char t;
    } lit[] = {{"true", 't'}, {"false", 'f'}, {"null", 'z'}};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(lit[i].word);
        if ((size_t)(j->end - j->p) >= l && memcmp(j->p, lit[i].word, l) == 0) {
            out->t = lit[i].t;
            j->p += l;
            return true;
        }
    }
    /* A number: -?digits(.digits)?([eE][+-]?digits)? */
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    const char *d = j->p;
    while (j->p < j->end && g_ascii_isdigit(*j->p))
        j->p++;
    if (j->p == d || (j->p - d > 1 && *d == '0')) return false;
    if (j->p < j->end && *j->p == '.') {
        const char *fd = ++j->p;
        while (j->p < j->end && g_ascii_isdigit(*j->p))
            j->p++;
        if (j->p == fd) return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        const char *ed = j->p;
        while (j->p < j->end && g_ascii_isdigit(*j->p))
            j->p++;
        if (j->p == ed) return false;
    }
    out->t = 'n';
    out->len = (size_t)(j->p - s);
    out->s = g_strndup(s, out->len);
    return true;
}

static bool jv_parse(const char *text, size_t n, jv *out)
{
    jparse j = {text, text + n};
    memset(out, 0, sizeof *out);
    if (!jvalue(&j, out, 0)) {
        jv_free(out);
        return false;
    }
    ws(&j);
    return j.p == j.end;
}

/* The member at a dotted path of object keys, or NULL. */
static const jv *jv_at(const jv *x, const char *path)
{
    char *dup = strdup(path), *save = NULL;
    for (char *k = strtok_r(dup, ".", &save); k != NULL && x != NULL;
         k = strtok_r(NULL, ".", &save)) {
        const jv *next = NULL;
        if (x->t == 'o')
            for (size_t i = 0; i < x->n; i++)
                if (strcmp(x->key[i], k) == 0) next = &x->v[i];
        x = next;
    }
    free(dup);
    return x;
}

static const jv *must(const jv *x, const char *path)
{
    const jv *r = jv_at(x, path);
    if (r == NULL) fail_msg("JSON has no '%s'", path);
    return r;
}

/* The text of a number or the bytes of a string at path. */
static const char *text_at(const jv *x, const char *path)
{
    const jv *r = must(x, path);
    if (r->t != 'n' && r->t != 's') fail_msg("'%s' is not a number or a string", path);
    return r->s;
}

/* ---- Fixture: options, temp files, the report and its JSON ------------------------ */

#define MAXFILES 4

struct fixture {
    jm_options opt;
    char path[MAXFILES][64];
    jm_log *log;
    jm_report *rep;
    char *json;
    size_t json_len;
    jv root;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    for (int i = 0; i < MAXFILES; i++) {
        snprintf(f->path[i], sizeof f->path[i], "/tmp/jm-test-var%d-XXXXXX", i);
        int fd = mkstemp(f->path[i]);
        if (fd < 0) return -1;
        close(fd);
    }
    jm_options_init(&f->opt);
    f->opt.threads = 1;
    *state = f;
    return 0;
}

static void drop(struct fixture *f)
{
    jm_report_free(f->rep);
    f->rep = NULL;
    jm_log_free(f->log);
    f->log = NULL;
    free(f->json);
    f->json = NULL;
    jv_free(&f->root);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    drop(f);
    for (int i = 0; i < MAXFILES; i++)
        unlink(f->path[i]);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    size_t n = strlen(text);
    assert_int_equal(fwrite(text, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Read the files (NULL-terminated texts, one per temp file) as one log with f->opt, build the
 * report, and parse its JSON into f->root. */
static void run(struct fixture *f, ...)
{
    drop(f);
    char *err = NULL;
    f->log = jm_log_new(&f->opt, &err);
    if (f->log == NULL) fail_msg("jm_log_new: %s", err ? err : "");
    va_list ap;
    va_start(ap, f);
    int i = 0;
    for (const char *text; (text = va_arg(ap, const char *)) != NULL; i++) {
        assert_true(i < MAXFILES);
        write_text(f->path[i], text);
        jm_status s = jm_log_add_file(f->log, f->path[i]);
        if (s != JM_OK)
            fail_msg("jm_log_add_file: %s: %s", jm_status_name(s), jm_log_error(f->log));
    }
    va_end(ap);
    assert_int_equal(jm_report_build(f->log, &f->rep), JM_OK);
    FILE *out = open_memstream(&f->json, &f->json_len);
    assert_non_null(out);
    assert_int_equal(jm_write_report(f->rep, JM_FORMAT_JSON, out), JM_OK);
    assert_int_equal(fclose(out), 0);
    if (!jv_parse(f->json, f->json_len, &f->root))
        fail_msg("the report is not valid JSON:\n%s", f->json);
}

/* The top variants as an array. */
static const jv *top(const struct fixture *f)
{
    const jv *t = must(&f->root, "variants.top");
    assert_int_equal(t->t, 'a');
    return t;
}

/* Variant at rank r (1-based) has exactly these steps (NULL-terminated) and this count. */
static void check_variant(const struct fixture *f, size_t r, uint64_t count, ...)
{
    const jv *t = top(f);
    if (r > t->n) fail_msg("no variant at rank %zu (%zu listed)", r, t->n);
    const jv *v = &t->v[r - 1];
    char want_rank[24], want_count[24];
    snprintf(want_rank, sizeof want_rank, "%zu", r);
    snprintf(want_count, sizeof want_count, "%llu", (unsigned long long)count);
    assert_string_equal(text_at(v, "rank"), want_rank);
    if (strcmp(text_at(v, "count"), want_count) != 0)
        fail_msg("rank %zu: count %s, want %s", r, text_at(v, "count"), want_count);
    const jv *steps = must(v, "steps");
    va_list ap;
    va_start(ap, count);
    size_t k = 0;
    for (const char *s; (s = va_arg(ap, const char *)) != NULL; k++) {
        if (k >= steps->n) fail_msg("rank %zu: %zu steps, want more", r, steps->n);
        if (steps->v[k].t != 's' || strcmp(steps->v[k].s, s) != 0)
            fail_msg("rank %zu step %zu: '%s', want '%s'", r, k,
                     steps->v[k].s ? steps->v[k].s : "?", s);
    }
    va_end(ap);
    if (k != steps->n) fail_msg("rank %zu: %zu steps, want %zu", r, steps->n, k);
}

/* The first 16 hex digits of SHA-256 over each step followed by 0x1F, computed here from
 * bytes laid out by hand. */
static void expected_id(char out[17], size_t n, const char *const *steps, const size_t *lens)
{
    GByteArray *b = g_byte_array_new();
    static const guint8 sep = 0x1f;
    for (size_t i = 0; i < n; i++) {
        g_byte_array_append(b, (const guint8 *)steps[i], (guint)lens[i]);
        g_byte_array_append(b, &sep, 1);
    }
    gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, b->data, b->len);
    memcpy(out, hex, 16);
    out[16] = '\0';
    g_free(hex);
    g_byte_array_free(b, TRUE);
}

/* Milliseconds since the epoch, as the log writes them (13 digits: epoch milliseconds). */
#define BASE INT64_C(1704067200000) /* 2024-01-01T00:00:00Z */
#define MIN_ INT64_C(60000)
#define HOUR INT64_C(3600000)
#define DAY INT64_C(86400000)

/* A growing text. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->n + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* ---- Ranking and ids ------------------------------------------------------------- */

static void test_variants_ranking(void **state)
{
    struct fixture *f = *state;
    /* Journeys: [C] twice; once each [A], [A,B], [A,C], [AB], [B], [a]. Written in an order
     * unlike the ranking, so that first-seen order cannot pass for it. */
    run(f,
        "case_id,activity,timestamp\n"
        "c4,a,1704067200000\n"
        "c3,B,1704067200000\n"
        "c5,AB,1704067200000\n"
        "c7,C,1704067200000\n"
        "c6,A,1704067200000\n"
        "c6,C,1704067260000\n"
        "c2,A,1704067200000\n"
        "c2,B,1704067260000\n"
        "c1,A,1704067200000\n"
        "c8,C,1704067200000\n",
        NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "7");
    assert_int_equal(top(f)->n, 7);
    check_variant(f, 1, 2, "C", NULL);
    check_variant(f, 2, 1, "A", NULL);      /* a prefix first */
    check_variant(f, 3, 1, "A", "B", NULL); /* step by step: "A" before "AB" */
    check_variant(f, 4, 1, "A", "C", NULL);
    check_variant(f, 5, 1, "AB", NULL);
    check_variant(f, 6, 1, "B", NULL);
    check_variant(f, 7, 1, "a", NULL); /* byte order: 'B' < 'a' */
    /* Ids: checked by hand with `printf 'A\x1f' | sha256sum` and `printf 'A\x1fB\x1f' |
     * sha256sum`. */
    assert_string_equal(text_at(&top(f)->v[1], "id"), "27aca9b836e7ffd5");
    assert_string_equal(text_at(&top(f)->v[2], "id"), "1e5fb7fd898c55f1");
    /* [A,B] and [AB] must differ: the separator is part of the hashed bytes. */
    assert_string_not_equal(text_at(&top(f)->v[4], "id"), text_at(&top(f)->v[2], "id"));
    char want[17];
    const char *ab[] = {"AB"};
    size_t abl[] = {2};
    expected_id(want, 1, ab, abl);
    assert_string_equal(text_at(&top(f)->v[4], "id"), want);
}

static void test_variants_ranking_more_steps(void **state)
{
    struct fixture *f = *state;
    /* Equal counts; the first differing step decides, then the shorter sequence. Multi-byte
     * names compare by their bytes: "Z" (0x5A) < "É" (0xC3 0x89). */
    run(f,
        "case_id,activity,timestamp\n"
        "k1,\xC3\x89,1704067201\nk1,x,1704067202\n"
        "k2,Z,1704067201\nk2,x,1704067202\nk2,x,1704067203\n"
        "k3,Z,1704067201\nk3,x,1704067202\n"
        "k4,Z,1704067201\nk4,w,1704067202\nk4,z,1704067203\n",
        NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "4");
    check_variant(f, 1, 1, "Z", "w", "z", NULL);
    check_variant(f, 2, 1, "Z", "x", NULL);
    check_variant(f, 3, 1, "Z", "x", "x", NULL);
    check_variant(f, 4, 1, "\xC3\x89", "x", NULL);
}

static void test_variants_id_internal(void **state)
{
    (void)state;
    /* jm__variant_id over tables built by hand. */
    jm__intern *steps = jm__intern_new();
    jm__seqtab *seqs = jm__seqtab_new();
    jm_options opt;
    jm_options_init(&opt);
    jm__ctx ctx = {.opt = &opt, .steps = steps, .variants = seqs};
    uint32_t a = jm__intern_id(steps, "A", 1);
    uint32_t b = jm__intern_id(steps, "B", 1);
    uint32_t odd = jm__intern_id(steps, "Call\0back", 9);
    uint32_t e = jm__intern_id(steps, "\xC3\x89mail", 6);
    uint32_t empty = jm__intern_id(steps, "", 0);
    char id[17], want[17];

    uint32_t s_ab[] = {a, b};
    jm__variant_id(&ctx, jm__seqtab_id(seqs, s_ab, 2), id);
    assert_string_equal(id, "1e5fb7fd898c55f1"); /* printf 'A\x1fB\x1f' | sha256sum */

    uint32_t s_a[] = {a};
    jm__variant_id(&ctx, jm__seqtab_id(seqs, s_a, 1), id);
    assert_string_equal(id, "27aca9b836e7ffd5"); /* printf 'A\x1f' | sha256sum */

    jm__variant_id(&ctx, jm__seqtab_id(seqs, s_a, 0), id);
    assert_string_equal(id, "e3b0c44298fc1c14"); /* SHA-256 of nothing */

    uint32_t s_odd[] = {odd, e, empty, a, a};
    jm__variant_id(&ctx, jm__seqtab_id(seqs, s_odd, 5), id);
    const char *names[] = {"Call\0back", "\xC3\x89mail", "", "A", "A"};
    size_t lens[] = {9, 6, 0, 1, 1};
    expected_id(want, 5, names, lens);
    assert_string_equal(id, want);

    /* Sixteen lower-case hex digits. */
    for (int i = 0; i < 16; i++)
        assert_true(g_ascii_isxdigit(id[i]) && !g_ascii_isupper(id[i]));
    assert_int_equal(id[16], '\0');

    jm__seqtab_free(seqs);
    jm__intern_free(steps);
}

/* ---- Shares and durations --------------------------------------------------------- */

static void test_variants_shares(void **state)
{
    struct fixture *f = *state;
    run(f,
        "case_id,activity,timestamp\n"
        "1,Z,1704067210\n2,Y,1704067210\n3,X,1704067210\n4,X,1704067210\n5,Y,1704067210\n6,X,"
        "1704067210\n",
        NULL);
    check_variant(f, 1, 3, "X", NULL);
    check_variant(f, 2, 2, "Y", NULL);
    check_variant(f, 3, 1, "Z", NULL);
    const jv *t = top(f);
    assert_string_equal(text_at(&t->v[0], "share"), "0.5");
    assert_string_equal(text_at(&t->v[1], "share"), "0.333333");
    assert_string_equal(text_at(&t->v[2], "share"), "0.166667");
    assert_string_equal(text_at(&t->v[0], "cumulative_share"), "0.5");
    assert_string_equal(text_at(&t->v[1], "cumulative_share"), "0.833333");
    assert_string_equal(text_at(&t->v[2], "cumulative_share"), "1");
    assert_string_equal(text_at(&f->root, "journeys.count"), "6");

    /* --top 2 lists two, counts all, and the cumulative share goes on from the first. */
    f->opt.top = 2;
    run(f,
        "case_id,activity,timestamp\n"
        "1,Z,1704067210\n2,Y,1704067210\n3,X,1704067210\n4,X,1704067210\n5,Y,1704067210\n6,X,"
        "1704067210\n",
        NULL);
    assert_int_equal(top(f)->n, 2);
    assert_string_equal(text_at(&f->root, "variants.count"), "3");
    assert_string_equal(text_at(&top(f)->v[1], "cumulative_share"), "0.833333");
}

static void test_variants_durations(void **state)
{
    struct fixture *f = *state;
    sbuf b = {0};
    sb_printf(&b, "case_id,activity,start_time,end_time\n");
    /* [A,B] four times: 10 s, 100 s, 20 s, 40 s. Median: the 2nd smallest of 4 = 20 s; mean
     * 170 / 4 = 42.5 s. */
    static const int ab[] = {10, 100, 20, 40};
    for (int i = 0; i < 4; i++)
        sb_printf(&b, "ab%d,A,%lld,\nab%d,B,%lld,\n", i, (long long)BASE, i,
                  (long long)(BASE + ab[i] * 1000));
    /* [A,C] three times: 6 s, 1 s, 5 s: median 5 s, mean 4 s. */
    static const int ac[] = {6, 1, 5};
    for (int i = 0; i < 3; i++)
        sb_printf(&b, "ac%d,A,%lld,\nac%d,C,%lld,\n", i, (long long)BASE, i,
                  (long long)(BASE + ac[i] * 1000));
    /* [D,E] once: D runs an hour, E ends within it: latest end - first start = 3600 s. */
    sb_printf(&b, "de,D,%lld,%lld\nde,E,%lld,%lld\n", (long long)BASE, (long long)(BASE + HOUR),
              (long long)(BASE + 10 * MIN_), (long long)(BASE + 20 * MIN_));
    /* [F] twice: 1 ms and 2 ms: median 0.001 s, mean 1.5 ms rounded to 0.002 s. */
    sb_printf(&b, "f1,F,%lld,%lld\nf2,F,%lld,%lld\n", (long long)BASE, (long long)(BASE + 1),
              (long long)BASE, (long long)(BASE + 2));
    /* [G] once, no duration at all. */
    sb_printf(&b, "g,G,%lld,\n", (long long)BASE);
    run(f, b.s, NULL);
    free(b.s);
    check_variant(f, 1, 4, "A", "B", NULL);
    check_variant(f, 2, 3, "A", "C", NULL);
    check_variant(f, 3, 2, "F", NULL);
    check_variant(f, 4, 1, "D", "E", NULL);
    check_variant(f, 5, 1, "G", NULL);
    const jv *t = top(f);
    assert_string_equal(text_at(&t->v[0], "duration_s.median"), "20");
    assert_string_equal(text_at(&t->v[0], "duration_s.mean"), "42.5");
    assert_string_equal(text_at(&t->v[1], "duration_s.median"), "5");
    assert_string_equal(text_at(&t->v[1], "duration_s.mean"), "4");
    assert_string_equal(text_at(&t->v[2], "duration_s.median"), "0.001");
    assert_string_equal(text_at(&t->v[2], "duration_s.mean"), "0.002");
    assert_string_equal(text_at(&t->v[3], "duration_s.median"), "3600");
    assert_string_equal(text_at(&t->v[3], "duration_s.mean"), "3600");
    assert_string_equal(text_at(&t->v[4], "duration_s.median"), "0");
    assert_string_equal(text_at(&t->v[4], "duration_s.mean"), "0");
}

/* ---- Options that change the steps ------------------------------------------------ */

static const char loops_log[] =
    "case_id,activity,timestamp\n"
    "c1,A,1704067201\nc1,A,1704067202\nc1,A,1704067203\nc1,B,1704067204\n"
    "c2,A,1704067201\nc2,B,1704067202\nc2,B,1704067203\nc2,A,1704067204\n"
    "c3,A,1704067201\nc3,A,1704067202\nc3,A,1704067203\nc3,A,1704067204\n";

static void test_variants_collapse_loops_off(void **state)
{
    struct fixture *f = *state;
    run(f, loops_log, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "3");
    check_variant(f, 1, 1, "A", "A", "A", "A", NULL);
    check_variant(f, 2, 1, "A", "A", "A", "B", NULL);
    check_variant(f, 3, 1, "A", "B", "B", "A", NULL);
}

static void test_variants_collapse_loops_1(void **state)
{
    struct fixture *f = *state;
    f->opt.collapse_loops = 1;
    run(f, loops_log, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "3");
    check_variant(f, 1, 1, "A", NULL);
    check_variant(f, 2, 1, "A", "B", NULL);
    check_variant(f, 3, 1, "A", "B", "A", NULL); /* runs only: a repetition stays */
    /* The journeys themselves keep every contact. */
    assert_string_equal(text_at(&f->root, "journeys.contacts.max"), "4");
    assert_string_equal(text_at(&f->root, "journeys.count"), "3");
}

static void test_variants_collapse_loops_2(void **state)
{
    struct fixture *f = *state;
    f->opt.collapse_loops = 2;
    run(f, loops_log, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "3");
    check_variant(f, 1, 1, "A", "A", NULL);
    check_variant(f, 2, 1, "A", "A", "B", NULL);
    check_variant(f, 3, 1, "A", "B", "B", "A", NULL);
    /* The id is that of the collapsed steps. */
    char want[17];
    const char *s[] = {"A", "A", "B"};
    size_t l[] = {1, 1, 1};
    expected_id(want, 3, s, l);
    assert_string_equal(text_at(&top(f)->v[1], "id"), want);
}

static void test_variants_collapse_loops_merge_variants(void **state)
{
    struct fixture *f = *state;
    /* A A B and A B are one variant once collapsed to 1, two before. */
    static const char text[] = "case_id,activity,timestamp\n"
                               "c1,A,1704067201\nc1,A,1704067202\nc1,B,1704067203\n"
                               "c2,A,1704067201\nc2,B,1704067202\n";
    run(f, text, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "2");
    f->opt.collapse_loops = 1;
    run(f, text, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "1");
    check_variant(f, 1, 2, "A", "B", NULL);
}

static const char chan_log[] = "case_id,activity,timestamp,channel\n"
                               "c1,Call,1704067201,phone\n"
                               "c1,Call,1704067202,email\n"
                               "c1,Reply,1704067203,email\n"
                               "c2,Call,1704067201,phone\n";

static void test_variants_step_activity(void **state)
{
    struct fixture *f = *state;
    run(f, chan_log, NULL);
    check_variant(f, 1, 1, "Call", NULL);
    check_variant(f, 2, 1, "Call", "Call", "Reply", NULL);
}

static void test_variants_step_channel_only(void **state)
{
    struct fixture *f = *state;
    f->opt.step = JM_STEP_CHANNEL;
    run(f, chan_log, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "2");
    check_variant(f, 1, 1, "phone", NULL);
    check_variant(f, 2, 1, "phone", "email", "email", NULL);
    char want[17];
    const char *s[] = {"phone", "email", "email"};
    size_t l[] = {5, 5, 5};
    expected_id(want, 3, s, l);
    assert_string_equal(text_at(&top(f)->v[1], "id"), want);
}

static void test_variants_step_channel_activity(void **state)
{
    struct fixture *f = *state;
    f->opt.step = JM_STEP_CHANNEL_ACTIVITY;
    run(f, chan_log, NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "2");
    check_variant(f, 1, 1, "phone:Call", NULL);
    check_variant(f, 2, 1, "phone:Call", "email:Call", "email:Reply", NULL);
    char want[17];
    const char *s[] = {"phone:Call", "email:Call", "email:Reply"};
    size_t l[] = {10, 10, 11};
    expected_id(want, 3, s, l);
    assert_string_equal(text_at(&top(f)->v[1], "id"), want);
}

static void test_variants_split_gap(void **state)
{
    struct fixture *f = *state;
    sbuf b = {0};
    sb_printf(&b, "case_id,activity,start_time,end_time\n");
    /* c1: A, B two hours in, then C 40 days later: two journeys with a 30-day gap. */
    sb_printf(&b, "c1,A,%lld,%lld\n", (long long)BASE, (long long)(BASE + HOUR));
    sb_printf(&b, "c1,B,%lld,\n", (long long)(BASE + 2 * HOUR));
    sb_printf(&b, "c1,C,%lld,\n", (long long)(BASE + 40 * DAY));
    /* c2: A runs 10 days, B starts 35 days after A's start: the wait is 25 days. */
    sb_printf(&b, "c2,A,%lld,%lld\n", (long long)BASE, (long long)(BASE + 10 * DAY));
    sb_printf(&b, "c2,B,%lld,\n", (long long)(BASE + 35 * DAY));
    /* c3: a wait of exactly 30 days does not exceed the gap. */
    sb_printf(&b, "c3,A,%lld,\n", (long long)BASE);
    sb_printf(&b, "c3,B,%lld,\n", (long long)(BASE + 30 * DAY));
    /* c4: one millisecond more does. */
    sb_printf(&b, "c4,A,%lld,\n", (long long)BASE);
    sb_printf(&b, "c4,B,%lld,\n", (long long)(BASE + 30 * DAY + 1));

    run(f, b.s, NULL);
    assert_string_equal(text_at(&f->root, "journeys.count"), "4");
    check_variant(f, 1, 3, "A", "B", NULL);
    check_variant(f, 2, 1, "A", "B", "C", NULL);

    assert_true(jm_parse_duration("30d", &f->opt.split_gap_ms));
    run(f, b.s, NULL);
    free(b.s);
    assert_string_equal(text_at(&f->root, "journeys.count"), "6");
    assert_string_equal(text_at(&f->root, "variants.count"), "4");
    check_variant(f, 1, 3, "A", "B", NULL); /* c1's first part, c2, c3 */
    check_variant(f, 2, 1, "A", NULL);      /* c4's first part */
    check_variant(f, 3, 1, "B", NULL);      /* c4's second part */
    check_variant(f, 4, 1, "C", NULL);      /* c1's second part */
    /* [A,B] durations: 2 h, 35 d, 30 d: median 30 d. */
    assert_string_equal(text_at(&top(f)->v[0], "duration_s.median"), "2592000");
}

/* ---- Order of events ---------------------------------------------------------------- */

static void test_variants_time_ties_keep_input_order(void **state)
{
    struct fixture *f = *state;
    run(f,
        "case_id,activity,timestamp\n"
        "c1,A,1704067200000\n"
        "c2,B,1704067200000\n"
        "c1,B,1704067200000\n"
        "c2,A,1704067200000\n"
        "c3,X,1704067200000\n"
        "c4,Z,1704067260000\n"
        "c4,X,1704067200000\n"
        "c4,Y,1704067200000\n",
        /* A second file: its rows come after the first file's. */
        "case_id,activity,timestamp\n"
        "c3,Y,1704067200000\n",
        NULL);
    assert_string_equal(text_at(&f->root, "variants.count"), "4");
    check_variant(f, 1, 1, "A", "B", NULL);
    check_variant(f, 2, 1, "B", "A", NULL);
    check_variant(f, 3, 1, "X", "Y", NULL);
    check_variant(f, 4, 1, "X", "Y", "Z", NULL);
}

static void test_variants_time_ties_long_journey(void **state)
{
    struct fixture *f = *state;
    /* 30 events of one case, written in pairs of equal times, the pairs in falling time:
     * sorted, the pairs rise and each pair keeps its input order: e28 e29 e26 e27 ... e0 e1.
     * Long enough for a merge sort rather than an insertion sort. */
    sbuf b = {0};
    sb_printf(&b, "case_id,activity,timestamp\n");
    for (int i = 0; i < 30; i++)
        sb_printf(&b, "c,e%02d,%lld\n", i, (long long)(BASE + (29 - i) / 2 * MIN_));
    /* And 40 events of one case at one instant. */
    for (int i = 0; i < 40; i++)
        sb_printf(&b, "d,s%02d,%lld\n", i, (long long)BASE);
    run(f, b.s, NULL);
    free(b.s);
    const jv *t = top(f);
    assert_int_equal(t->n, 2);
    for (size_t r = 0; r < 2; r++) {
        const jv *steps = must(&t->v[r], "steps");
        const char *first = steps->v[0].s;
        if (strcmp(first, "e28") == 0) {
            assert_int_equal(steps->n, 30);
            for (int k = 0; k < 30; k++) {
                char want[8];
                int pair = 14 - k / 2;
                snprintf(want, sizeof want, "e%02d", 2 * pair + k % 2);
                if (strcmp(steps->v[k].s, want) != 0)
                    fail_msg("step %d: '%s', want '%s'", k, steps->v[k].s, want);
            }
        } else {
            assert_int_equal(steps->n, 40);
            for (int k = 0; k < 40; k++) {
                char want[8];
                snprintf(want, sizeof want, "s%02d", k);
                if (strcmp(steps->v[k].s, want) != 0)
                    fail_msg("step %d: '%s', want '%s'", k, steps->v[k].s, want);
            }
        }
    }
}

/* One generated event. */
typedef struct gev {
    int cas, seq;
    int64_t start, end;
    const char *act, *chan;
} gev;

static int by_time(const void *a, const void *b)
{
    const gev *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->cas != y->cas) return x->cas - y->cas;
    return x->seq - y->seq;
}

static int by_case(const void *a, const void *b)
{
    const gev *x = a, *y = b;
    if (x->cas != y->cas) return x->cas - y->cas;
    return x->seq - y->seq;
}

static char *log_text(const gev *ev, size_t n)
{
    sbuf b = {0};
    sb_printf(&b, "case_id,activity,start_time,end_time,channel\n");
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, "case-%03d,%s,%lld,%lld,%s\n", ev[i].cas, ev[i].act, (long long)ev[i].start,
                  (long long)ev[i].end, ev[i].chan);
    return b.s;
}

/* The report's JSON with the file names replaced, so that only the content is compared. */
static char *report_without_files(struct fixture *f, const char *text)
{
    run(f, text, NULL);
    gchar **parts = g_strsplit(f->json, f->path[0], -1);
    gchar *joined = g_strjoinv("FILE", parts);
    g_strfreev(parts);
    char *out = strdup(joined);
    g_free(joined);
    return out;
}

static void check_orders(struct fixture *f)
{
    static const char *const acts[] = {"Call", "Email", "Chat", "Visit", "Call back"};
    static const char *const chans[] = {"phone", "email", "web"};
    enum { CASES = 60 };
    gev ev[CASES * 8];
    size_t n = 0;
    uint32_t x = 88172645u;
#define RND() (x ^= x << 13, x ^= x >> 17, x ^= x << 5, x)
    for (int c = 0; c < CASES; c++) {
        int k = 1 + (int)(RND() % 7);
        int64_t t = BASE + (int64_t)(RND() % 1000) * MIN_;
        for (int s = 0; s < k; s++) {
            /* Distinct times within a case, so that no tie needs the input order. */
            t += 1 + (int64_t)(RND() % 5000) * MIN_;
            int64_t dur = (int64_t)(RND() % 4) * 17 * MIN_;
            ev[n++] = (gev){c, s, t, t + dur, acts[RND() % 5], chans[RND() % 3]};
        }
    }
    qsort(ev, n, sizeof *ev, by_time);
    char *a_text = log_text(ev, n);
    qsort(ev, n, sizeof *ev, by_case);
    char *b_text = log_text(ev, n);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = RND() % (i + 1);
        gev tmp = ev[i];
        ev[i] = ev[j];
        ev[j] = tmp;
    }
#undef RND
    char *c_text = log_text(ev, n);
    assert_string_not_equal(a_text, b_text);
    assert_string_not_equal(a_text, c_text);

    char *a = report_without_files(f, a_text);
    char *b = report_without_files(f, b_text);
    char *c = report_without_files(f, c_text);
    char rows[24];
    snprintf(rows, sizeof rows, "%zu", n);
    assert_string_equal(text_at(&f->root, "input.rows"), rows);
    if (strcmp(a, b) != 0) fail_msg("sorted by time and by case differ:\n%s\n----\n%s", a, b);
    if (strcmp(a, c) != 0) fail_msg("sorted by time and shuffled differ:\n%s\n----\n%s", a, c);
    free(a);
    free(b);
    free(c);
    free(a_text);
    free(b_text);
    free(c_text);
}

static void test_variants_row_order_does_not_matter(void **state)
{
    check_orders(*state);
}

static void test_variants_row_order_does_not_matter_with_options(void **state)
{
    struct fixture *f = *state;
    f->opt.collapse_loops = 1;
    f->opt.split_gap_ms = 2 * DAY;
    f->opt.top = 5;
    f->opt.step = JM_STEP_CHANNEL_ACTIVITY;
    check_orders(f);
}

/* ---- The merge law and the state by names ------------------------------------ */

static int law_setup(void **state)
{
    *state = law_new(&jm__variants_analysis, 400, 7);
    return 0;
}

static int law_teardown(void **state)
{
    law_free(*state);
    return 0;
}

/* Two halves by case, each analysed in a process with other ids, merged: the whole. */
static void test_variants_merge_law(void **state)
{
    law_check(*state);
}

/* A fifth and the rest. */
static void test_variants_merge_law_uneven(void **state)
{
    law_check_split(*state, 5, 1, false, false);
}

/* Variants of collapsed sequences, keyed by their step names. */
static void test_variants_merge_law_collapse_loops(void **state)
{
    law *L = *state;
    L->opt.collapse_loops = 1;
    law_check(L);
}

/* Saved, loaded in a process with other ids, saved again: the same bytes. */
static void test_variants_state_by_names(void **state)
{
    law_check_round_trip(*state);
}

/* One journey less is another state: the bytes hold what the analysis keeps. */
static void test_variants_state_sees_a_journey(void **state)
{
    law_check_sensitive(*state);
}

/* A state cut short anywhere is refused by the loader, which never reads past it. */
static void test_variants_state_truncated(void **state)
{
    law_check_truncated(*state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_variants_ranking),
        T(test_variants_ranking_more_steps),
        T(test_variants_id_internal),
        T(test_variants_shares),
        T(test_variants_durations),
        T(test_variants_collapse_loops_off),
        T(test_variants_collapse_loops_1),
        T(test_variants_collapse_loops_2),
        T(test_variants_collapse_loops_merge_variants),
        T(test_variants_step_activity),
        T(test_variants_step_channel_only),
        T(test_variants_step_channel_activity),
        T(test_variants_split_gap),
        T(test_variants_time_ties_keep_input_order),
        T(test_variants_time_ties_long_journey),
        T(test_variants_row_order_does_not_matter),
        T(test_variants_row_order_does_not_matter_with_options),
#undef T
        cmocka_unit_test_setup_teardown(test_variants_merge_law, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_variants_merge_law_uneven, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_variants_merge_law_collapse_loops, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_variants_state_by_names, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_variants_state_sees_a_journey, law_setup, law_teardown),
        cmocka_unit_test_setup_teardown(test_variants_state_truncated, law_setup, law_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
