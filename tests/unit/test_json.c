/* SPDX-License-Identifier: MIT */
/* Unit tests for json: string escaping, U+FFFD for invalid UTF-8, number formats, and the
 * layout of a small document. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "write/json.h"

#define FFFD "\xEF\xBF\xBD"

/* A memory stream the writer prints into. */
struct fixture {
    char *buf;
    size_t len;
    FILE *out;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    f->out = open_memstream(&f->buf, &f->len);
    if (f->out == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->out != NULL) fclose(f->out);
    free(f->buf);
    free(f);
    return 0;
}

/* What was written since the last call, as a fresh string the fixture owns until the next. */
static const char *taken(struct fixture *f, size_t *len)
{
    fclose(f->out);
    f->out = NULL;
    static const char none[] = "";
    const char *s = f->buf ? f->buf : none;
    if (len != NULL) *len = f->len;
    return s;
}

static void reopen(struct fixture *f)
{
    if (f->out != NULL) fclose(f->out);
    free(f->buf);
    f->buf = NULL;
    f->len = 0;
    f->out = open_memstream(&f->buf, &f->len);
    assert_non_null(f->out);
}

/* Escape the n bytes at in and compare with want (wn bytes). */
static void check_escape(struct fixture *f, const char *in, size_t n, const char *want, size_t wn)
{
    reopen(f);
    jm__json_escape(f->out, in, n);
    size_t len;
    const char *got = taken(f, &len);
    if (len != wn || memcmp(got, want, wn) != 0)
        fail_msg("escape of %zu bytes: got '%.*s' (%zu bytes), want '%.*s' (%zu bytes)", n,
                 (int)len, got, len, (int)wn, want, wn);
}

#define ESC(in, want) check_escape(f, in, sizeof in - 1, want, sizeof want - 1)

/* True if s[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            k = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            k = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + k > n) return false;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += k;
    }
    return true;
}

/* Decode the JSON string body s[0..n) (escapes as RFC 8259 allows) into out; returns its
 * length, or SIZE_MAX if the text is not a valid JSON string body. */
static size_t json_unescape(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"') return SIZE_MAX;
        if (c != '\\') {
            out[k++] = (char)c;
            continue;
        }
        if (++i >= n) return SIZE_MAX;
        switch (s[i]) {
        case '"':
            out[k++] = '"';
            break;
        case '\\':
            out[k++] = '\\';
            break;
        case '/':
            out[k++] = '/';
            break;
        case 'b':
            out[k++] = '\b';
            break;
        case 'f':
            out[k++] = '\f';
            break;
        case 'n':
            out[k++] = '\n';
            break;
        case 'r':
            out[k++] = '\r';
            break;
        case 't':
            out[k++] = '\t';
            break;
        case 'u': {
            if (i + 4 >= n) return SIZE_MAX;
            unsigned v = 0;
            for (int d = 1; d <= 4; d++) {
                char h = s[i + d];
                v <<= 4;
                if (h >= '0' && h <= '9')
                    v |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f')
                    v |= (unsigned)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F')
                    v |= (unsigned)(h - 'A' + 10);
                else
                    return SIZE_MAX;
            }
            /* Only the ASCII range is needed here. */
            if (v > 0x7f) return SIZE_MAX;
            out[k++] = (char)v;
            i += 4;
            break;
        }
        default:
            return SIZE_MAX;
        }
    }
    return k;
}

/* The escaped form of in decodes back to in, and is valid UTF-8 with no raw control bytes. */
static void check_round_trip(struct fixture *f, const char *in, size_t n)
{
    reopen(f);
    jm__json_escape(f->out, in, n);
    size_t len;
    const char *got = taken(f, &len);
    assert_true(valid_utf8((const unsigned char *)got, len));
    char *back = malloc(len + 1);
    size_t bn = json_unescape(got, len, back);
    if (bn == SIZE_MAX || bn != n || memcmp(back, in, n) != 0)
        fail_msg("escape of %zu bytes does not decode back: '%.*s'", n, (int)len, got);
    free(back);
}

/* ---- Escaping ------------------------------------------------------------- */

static void test_json_escape_plain_kept(void **state)
{
    struct fixture *f = *state;
    ESC("hello, world / 42 ~ {}[]", "hello, world / 42 ~ {}[]");
    ESC("", "");
}

static void test_json_escape_quote_backslash(void **state)
{
    struct fixture *f = *state;
    ESC("a\"b", "a\\\"b");
    ESC("a\\b", "a\\\\b");
    ESC("\"\\\"", "\\\"\\\\\\\"");
}

static void test_json_escape_control_characters(void **state)
{
    struct fixture *f = *state;
    ESC("a\nb", "a\\nb");
    ESC("a\rb", "a\\rb");
    ESC("a\tb", "a\\tb");
    ESC("\r\n", "\\r\\n");
    /* Every other control byte as \u00XX (either case of hex digit is valid JSON). */
    for (unsigned c = 0; c < 0x20; c++) {
        if (c == '\n' || c == '\r' || c == '\t') continue;
        char in[3] = {'x', (char)c, 'y'};
        reopen(f);
        jm__json_escape(f->out, in, 3);
        size_t len;
        const char *got = taken(f, &len);
        char lo[16], up[16];
        snprintf(lo, sizeof lo, "x\\u%04xy", c);
        snprintf(up, sizeof up, "x\\u%04Xy", c);
        bool named = (c == '\b' && len == 4 && memcmp(got, "x\\by", 4) == 0) ||
                     (c == '\f' && len == 4 && memcmp(got, "x\\fy", 4) == 0);
        bool ok = named || (len == 8 && (memcmp(got, lo, 8) == 0 || memcmp(got, up, 8) == 0));
        if (!ok) fail_msg("control byte 0x%02x: got '%.*s'", c, (int)len, got);
        check_round_trip(f, in, 3);
    }
}

static void test_json_escape_del(void **state)
{
    struct fixture *f = *state;
    reopen(f);
    jm__json_escape(f->out,
                    "a\x7f"
                    "b",
                    3);
    size_t len;
    const char *got = taken(f, &len);
    /* DEL may stand as it is in JSON; escaped, it must be \u007f. */
    bool ok = (len == 3 && memcmp(got,
                                  "a\x7f"
                                  "b",
                                  3) == 0) ||
              (len == 8 && (memcmp(got, "a\\u007fb", 8) == 0 || memcmp(got, "a\\u007Fb", 8) == 0));
    if (!ok) fail_msg("DEL: got '%.*s'", (int)len, got);
    check_round_trip(f,
                     "a\x7f"
                     "b",
                     3);
}

static void test_json_escape_nul_inside(void **state)
{
    struct fixture *f = *state;
    static const char in[] = "a\0b\0";
    reopen(f);
    jm__json_escape(f->out, in, 4);
    size_t len;
    const char *got = taken(f, &len);
    /* Both NULs escaped, the byte between them and after kept. */
    bool ok = (len == 14 && memcmp(got, "a\\u0000b\\u0000", 14) == 0);
    if (!ok) fail_msg("NUL: got '%.*s' (%zu bytes)", (int)len, got, len);
    check_round_trip(f, in, 4);
}

static void test_json_escape_utf8_kept(void **state)
{
    struct fixture *f = *state;
    /* 2, 3 and 4 byte forms, and the edges: U+0080, U+07FF, U+0800, U+FFFF, U+10000,
     * U+10FFFF, and U+E000 just after the surrogates. */
    ESC("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    ESC("\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\xEE\x80\x80",
        "\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\xEE\x80\x80");
    ESC("\xED\x9F\xBF", "\xED\x9F\xBF"); /* U+D7FF, just before the surrogates */
}

static void test_json_escape_invalid_utf8(void **state)
{
    struct fixture *f = *state;
    /* Each byte that is not part of a valid sequence becomes one U+FFFD; the bytes around
     * are kept. (Every case below is also what Unicode's "maximal subpart" practice gives.) */
    ESC("x\x80y", "x" FFFD "y"); /* lone continuation */
    ESC("\xBF", FFFD);
    ESC("x\xC0\xAFy", "x" FFFD FFFD "y");          /* overlong '/' */
    ESC("\xC1\xBF", FFFD FFFD);                    /* overlong DEL */
    ESC("\xE0\x80\xAF", FFFD FFFD FFFD);           /* overlong 3-byte */
    ESC("\xF0\x80\x80\xAF", FFFD FFFD FFFD FFFD);  /* overlong 4-byte */
    ESC("x\xED\xA0\x80y", "x" FFFD FFFD FFFD "y"); /* surrogate U+D800 */
    ESC("\xED\xBF\xBF", FFFD FFFD FFFD);           /* surrogate U+DFFF */
    ESC("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);  /* U+110000 */
    ESC("\xF5", FFFD);
    ESC("a\xF8\xFE\xFFz", "a" FFFD FFFD FFFD "z");
    ESC("\xC3(", FFFD "(");               /* lead byte, then ASCII */
    ESC("\xC3\xA9\x80", "\xC3\xA9" FFFD); /* valid, then a stray byte */
}

static void test_json_escape_truncated_at_end(void **state)
{
    struct fixture *f = *state;
    /* A sequence cut by the end of the string: U+FFFD for it (one for the whole valid prefix,
     * or one per byte; both are sound) and nothing else. */
    static const struct {
        const char *in;
        size_t n;
        size_t bytes; /* of the cut sequence */
    } cases[] = {
        {"a\xE2\x82", 3, 2},
        {"a\xE2", 2, 1},
        {"a\xF0\x9F\x98", 4, 3},
        {"a\xC3", 2, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reopen(f);
        jm__json_escape(f->out, cases[i].in, cases[i].n);
        size_t len;
        const char *got = taken(f, &len);
        bool ok =
            len >= 4 && got[0] == 'a' && (len - 1) % 3 == 0 && (len - 1) / 3 <= cases[i].bytes;
        for (size_t k = 1; ok && k < len; k += 3)
            ok = memcmp(got + k, FFFD, 3) == 0;
        if (!ok) fail_msg("case %zu: got '%.*s' (%zu bytes)", i, (int)len, got, len);
    }
}

static void test_json_escape_random_bytes_stay_valid(void **state)
{
    struct fixture *f = *state;
    /* Whatever the bytes, the output is valid UTF-8 without raw control characters. */
    uint32_t x = 2463534242u;
    for (int round = 0; round < 2000; round++) {
        char in[24];
        size_t n = (size_t)(round % 24);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            in[i] = (char)(x & 0xff);
        }
        reopen(f);
        jm__json_escape(f->out, in, n);
        size_t len;
        const char *got = taken(f, &len);
        if (!valid_utf8((const unsigned char *)got, len))
            fail_msg("round %d: output is not valid UTF-8", round);
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)got[i] < 0x20)
                fail_msg("round %d: raw control byte 0x%02x in output", round,
                         (unsigned char)got[i]);
        for (size_t i = 0; i < len; i++)
            if (got[i] == '"' && (i == 0 || got[i - 1] != '\\'))
                fail_msg("round %d: unescaped quote", round);
    }
}

/* ---- Number formats --------------------------------------------------------- */

static void test_json_fmt_secs(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        const char *want;
    } cases[] = {
        {0, "0"},
        {1500, "1.5"},
        {90061500, "90061.5"},
        {1, "0.001"},
        {10, "0.01"},
        {100, "0.1"},
        {999, "0.999"},
        {1000, "1"},
        {60000, "60"},
        {1010, "1.01"},
        {-1500, "-1.5"},
        {-1, "-0.001"},
        {-1000, "-1"},
        {INT64_MAX, "9223372036854775.807"},
        {INT64_MIN, "-9223372036854775.808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        const char *got = jm__fmt_secs(buf, cases[i].ms);
        assert_ptr_equal(got, buf);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%lld ms: got '%s', want '%s'", (long long)cases[i].ms, got, cases[i].want);
    }
}

static void test_json_fmt_ratio(void **state)
{
    (void)state;
    static const struct {
        uint64_t num, den;
        const char *want;
    } cases[] = {
        {1, 3, "0.333333"},
        {2, 3, "0.666667"},
        {1, 1, "1"},
        {0, 5, "0"},
        {1, 2, "0.5"},
        {1, 8, "0.125"},
        {1, 7, "0.142857"},
        {5, 7, "0.714286"},
        {999999, 1000000, "0.999999"},
        {9999995, 10000000, "1"}, /* rounds up to one */
        {1, 2000000, "0.000001"}, /* half a millionth rounds up */
        {1, 2000001, "0"},        /* under half a millionth */
        {3, 3, "1"},
        {1000000000000ULL, 3000000000000ULL, "0.333333"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        const char *got = jm__fmt_ratio(buf, cases[i].num, cases[i].den);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%llu/%llu: got '%s', want '%s'", (unsigned long long)cases[i].num,
                     (unsigned long long)cases[i].den, got, cases[i].want);
    }
}

static void test_json_mean_ms(void **state)
{
    (void)state;
    assert_int_equal(jm__mean_ms(0, 5), 0);
    assert_int_equal(jm__mean_ms(7, 1), 7);
    assert_int_equal(jm__mean_ms(10, 3), 3); /* 3.33 */
    assert_int_equal(jm__mean_ms(11, 3), 4); /* 3.67 */
    assert_int_equal(jm__mean_ms(3, 2), 2);  /* 1.5: a half rounds away from zero */
    assert_int_equal(jm__mean_ms(5, 2), 3);  /* 2.5 */
    assert_int_equal(jm__mean_ms(10, 4), 3); /* 2.5 */
    assert_int_equal(jm__mean_ms(9, 4), 2);  /* 2.25 */
    assert_int_equal(jm__mean_ms(1, 3), 0);  /* 0.33 */
    assert_int_equal(jm__mean_ms(2, 3), 1);  /* 0.67 */
    /* Negative sums round alike: the mean of -x is minus the mean of x. */
    static const int64_t sums[] = {1, 2, 3, 5, 10, 11, 1000001, 7777777};
    static const uint64_t counts[] = {1, 2, 3, 4, 7};
    for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++)
        for (size_t j = 0; j < sizeof counts / sizeof counts[0]; j++)
            assert_int_equal(jm__mean_ms(-sums[i], counts[j]), -jm__mean_ms(sums[i], counts[j]));
    assert_int_equal(jm__mean_ms(-10, 3), -3);
    assert_int_equal(jm__mean_ms(-11, 3), -4);
    /* Large sums: a year of milliseconds over a million journeys. */
    assert_int_equal(jm__mean_ms(INT64_C(31536000000000000), 1000000), INT64_C(31536000000));
}

/* ---- Documents -------------------------------------------------------------- */

static void test_json_document_layout(void **state)
{
    struct fixture *f = *state;
    reopen(f);
    jm__json w;
    jm__json_init(&w, f->out);
    jm__json_obj(&w, NULL);
    jm__json_str(&w, "name", "a\"b\n", 4);
    jm__json_u64(&w, "n", 42);
    jm__json_arr(&w, "list");
    jm__json_u64(&w, NULL, 1);
    jm__json_obj(&w, NULL);
    jm__json_null(&w, "x");
    jm__json_bool(&w, "t", true);
    jm__json_bool(&w, "f", false);
    jm__json_obj_end(&w);
    jm__json_cstr(&w, NULL, NULL);
    jm__json_arr_end(&w);
    jm__json_arr(&w, "empty");
    jm__json_arr_end(&w);
    jm__json_obj(&w, "eo");
    jm__json_obj_end(&w);
    jm__json_secs(&w, "secs", 1500);
    jm__json_mean_secs(&w, "mean", 3000, 2);
    jm__json_mean_secs(&w, "none", 0, 0);
    jm__json_ratio(&w, "share", 1, 3);
    jm__json_time(&w, "at", 1500);
    jm__json_cstr(&w, "k\"ey", "v");
    jm__json_obj_end(&w);
    jm__json_end(&w);
    size_t len;
    const char *got = taken(f, &len);
    static const char want[] = "{\n"
                               "  \"name\": \"a\\\"b\\n\",\n"
                               "  \"n\": 42,\n"
                               "  \"list\": [\n"
                               "    1,\n"
                               "    {\n"
                               "      \"x\": null,\n"
                               "      \"t\": true,\n"
                               "      \"f\": false\n"
                               "    },\n"
                               "    null\n"
                               "  ],\n"
                               "  \"empty\": [],\n"
                               "  \"eo\": {},\n"
                               "  \"secs\": 1.5,\n"
                               "  \"mean\": 1.5,\n"
                               "  \"none\": null,\n"
                               "  \"share\": 0.333333,\n"
                               "  \"at\": \"1970-01-01T00:00:01.500Z\",\n"
                               "  \"k\\\"ey\": \"v\"\n"
                               "}\n";
    if (len != sizeof want - 1 || memcmp(got, want, len) != 0)
        fail_msg("document:\n%s\nwant:\n%s", got, want);
}

static void test_json_document_top_level_array(void **state)
{
    struct fixture *f = *state;
    reopen(f);
    jm__json w;
    jm__json_init(&w, f->out);
    jm__json_arr(&w, NULL);
    jm__json_str(&w, NULL, "\xff", 1);
    jm__json_arr(&w, NULL);
    jm__json_arr_end(&w);
    jm__json_time(&w, NULL, 0);
    jm__json_arr_end(&w);
    jm__json_end(&w);
    size_t len;
    const char *got = taken(f, &len);
    static const char want[] = "[\n"
                               "  \"" FFFD "\",\n"
                               "  [],\n"
                               "  \"1970-01-01T00:00:00Z\"\n"
                               "]\n";
    if (len != sizeof want - 1 || memcmp(got, want, len) != 0)
        fail_msg("document:\n%s\nwant:\n%s", got, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_json_escape_plain_kept),
        T(test_json_escape_quote_backslash),
        T(test_json_escape_control_characters),
        T(test_json_escape_del),
        T(test_json_escape_nul_inside),
        T(test_json_escape_utf8_kept),
        T(test_json_escape_invalid_utf8),
        T(test_json_escape_truncated_at_end),
        T(test_json_escape_random_bytes_stay_valid),
        T(test_json_fmt_secs),
        T(test_json_fmt_ratio),
        T(test_json_mean_ms),
        T(test_json_document_layout),
        T(test_json_document_top_level_array),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
