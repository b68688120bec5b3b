/* SPDX-License-Identifier: MIT */
/* Tests of what a file is by its bytes (sniff.c), the UTF-8 check (util.c), and the source's
 * conversion of UTF-16 and named encodings to UTF-8 (source.c) against GLib's converter. */
#include "read/sniff.h"
#include "read/source.h"
#include "util.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static jm__bytes_kind kind(const char *s, size_t n)
{
    return jm__sniff((const unsigned char *)s, n, true).kind;
}

#define K(s) kind(s, sizeof s - 1)

static void test_sniff_kinds_by_magic_bytes(void **state)
{
    (void)state;
    assert_int_equal(K("case_id,activity,timestamp\n"), JM_BYTES_TEXT);
    assert_int_equal(K("\xef\xbb\xbf" "case_id\n"), JM_BYTES_TEXT);
    assert_int_equal(K(""), JM_BYTES_TEXT);
    assert_int_equal(K("\x1f\x8b\x08\x00"), JM_BYTES_GZIP);
    assert_int_equal(K("\x28\xb5\x2f\xfd\x00"), JM_BYTES_ZSTD);
    assert_int_equal(K("BZh91AY&SY"), JM_BYTES_BZIP2);
    assert_int_equal(K("BZh0"), JM_BYTES_TEXT); /* no block size: a header named BZh0 */
    assert_int_equal(K("\xfd" "7zXZ\0\0"), JM_BYTES_XZ);
    assert_int_equal(K("PK\x03\x04\x14\x00"), JM_BYTES_ZIP);
    assert_int_equal(K("\xff\xfe" "c\0a\0"), JM_BYTES_UTF16LE);
    assert_int_equal(K("\xfe\xff\0c\0a"), JM_BYTES_UTF16BE);
    assert_int_equal(K("\xff\xfe\0\0" "c\0\0\0"), JM_BYTES_UTF32);
    assert_int_equal(K("\0\0\xfe\xff\0\0\0c"), JM_BYTES_UTF32);
    assert_int_equal(K("<?xml version=\"1.0\"?>"), JM_BYTES_XES);
    assert_int_equal(K("\xef\xbb\xbf\r\n  <log xes.version=\"1.0\">"), JM_BYTES_XES);
    assert_int_equal(K("<logins>,x\n"), JM_BYTES_XES); /* an XML-looking header: XES's to judge */
    assert_int_equal(K("%PDF-1.7\n"), JM_BYTES_BINARY);
    assert_int_equal(K("SQLite format 3"), JM_BYTES_TEXT); /* the magic holds its NUL */
    jm__sniffed s = jm__sniff((const unsigned char *)"SQLite format 3\0xxxx", 20, true);
    assert_int_equal(s.kind, JM_BYTES_BINARY);
    assert_non_null(strstr(s.what, "SQLite"));
}

static void test_sniff_nul_bytes(void **state)
{
    (void)state;
    char buf[4096];
    /* A few NUL bytes in fields are data. */
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = i % 40 == 0 ? '\0' : i % 17 == 0 ? '\n' : 'a';
    assert_int_equal(jm__sniff((unsigned char *)buf, sizeof buf, false).kind, JM_BYTES_TEXT);
    /* UTF-16 without a mark: NULs at odd offsets (LE) or even ones (BE). */
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = i & 1 ? '\0' : 'a';
    jm__sniffed s = jm__sniff((unsigned char *)buf, sizeof buf, false);
    assert_int_equal(s.kind, JM_BYTES_BINARY);
    assert_non_null(strstr(s.what, "--encoding UTF-16LE"));
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = i & 1 ? 'a' : '\0';
    s = jm__sniff((unsigned char *)buf, sizeof buf, false);
    assert_non_null(strstr(s.what, "--encoding UTF-16BE"));
    memset(buf, 0, sizeof buf);
    s = jm__sniff((unsigned char *)buf, sizeof buf, false);
    assert_non_null(strstr(s.what, "mostly NUL"));
}

/* jm__utf8_valid agrees with GLib on random strings of valid and invalid sequences. */
static void test_utf8_valid_matches_glib(void **state)
{
    (void)state;
    static const char *const parts[] = {"a", "bcdefghi", "\xc3\xa5", "\xe2\x82\xac",
                                        "\xf0\x9f\x98\x80", "\xc3", "\xe2\x82", "\xff", "\x80",
                                        "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                        "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "12345678"};
    uint64_t seed = 7;
    char buf[256];
    size_t valid = 0;
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)(seed >> 60);
        for (int i = 0; i < k; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t p = (size_t)(seed >> 33) % (sizeof parts / sizeof parts[0]);
            if (p >= 5 && (seed >> 20) % 4 != 0)
                p %= 5; /* mostly valid pieces, so valid strings are common too */
            size_t len = strlen(parts[p]);
            memcpy(buf + n, parts[p], len);
            n += len;
        }
        bool want = g_utf8_validate(buf, (gssize)n, NULL);
        assert_int_equal(jm__utf8_valid(buf, n), want);
        valid += want;
    }
    assert_true(valid > 1000 && valid < 19000);
}

/* Every byte of a source through jm__source_peek and then jm__source_read. */
static char *read_all(const char *path, const char *enc, size_t *n, char **err, char **used)
{
    jm__source *src = jm__source_open(path, err);
    if (src == NULL)
        return NULL;
    char *out = NULL;
    const unsigned char *p;
    bool eof;
    if (!jm__source_encode(src, enc, err) || jm__source_peek(src, &p, &eof, err) < 0)
        goto out;
    size_t cap = 1 << 16, len = 0;
    out = malloc(cap);
    for (;;) {
        if (cap - len < 64) {
            cap *= 2;
            out = realloc(out, cap);
        }
        /* Reads of odd sizes, down to one byte (a character handed out in parts). */
        size_t want = 1 + (len * 7) % 57;
        if (want > cap - len)
            want = cap - len;
        ssize_t k = jm__source_read(src, out + len, want, err);
        if (k < 0) {
            free(out);
            out = NULL;
            goto out;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    *n = len;
    *used = strdup(jm__source_encoding(src));
out:
    jm__source_close(src);
    return out;
}

static void check_converted(const char *bytes, size_t nbytes, const char *enc, const char *from,
                            const char *want_enc)
{
    char path[] = "/tmp/jm-sniff-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, nbytes), (ssize_t)nbytes);
    close(fd);
    size_t n = 0, wn = 0;
    char *err = NULL, *used = NULL;
    char *got = read_all(path, enc, &n, &err, &used);
    unlink(path);
    if (got == NULL)
        fail_msg("read: %s", err ? err : "?");
    size_t skip = strncmp(from, "UTF-16", 6) == 0 ? 2 : 0; /* the UTF-16 mark is dropped */
    char *want = NULL;
    if (strcmp(from, "UTF-8") == 0) { /* bytes as they are, valid or not */
        want = g_malloc(nbytes + 1);
        memcpy(want, bytes, nbytes);
        wn = nbytes;
    } else {
        want = g_convert(bytes + skip, (gssize)(nbytes - skip), "UTF-8", from, NULL, &wn, NULL);
    }
    assert_non_null(want);
    assert_int_equal(n, wn);
    assert_memory_equal(got, want, n);
    assert_string_equal(used, want_enc);
    g_free(want);
    free(got);
    free(used);
}

static void test_source_converts_like_glib(void **state)
{
    (void)state;
    GString *s = g_string_new("case_id,activity,timestamp\n");
    for (int i = 0; i < 5000; i++)
        g_string_append_printf(s, "%d,Glömt lösenord %d ÅÄÖ €,2024-01-01\n", i, i % 7);
    gsize n;
    char *le = g_convert(s->str, (gssize)s->len, "UTF-16LE", "UTF-8", NULL, &n, NULL);
    char *buf = malloc(n + 2);
    memcpy(buf, "\xff\xfe", 2);
    memcpy(buf + 2, le, n);
    check_converted(buf, n + 2, NULL, "UTF-16LE", "UTF-16LE");
    check_converted(buf, n + 2, "WINDOWS-1252", "UTF-16LE", "UTF-16LE"); /* the mark wins */
    g_free(le);
    free(buf);
    char *be = g_convert(s->str, (gssize)s->len, "UTF-16BE", "UTF-8", NULL, &n, NULL);
    buf = malloc(n + 2);
    memcpy(buf, "\xfe\xff", 2);
    memcpy(buf + 2, be, n);
    check_converted(buf, n + 2, NULL, "UTF-16BE", "UTF-16BE");
    g_free(be);
    free(buf);
    char *w = g_convert(s->str, (gssize)s->len, "WINDOWS-1252", "UTF-8", NULL, &n, NULL);
    check_converted(w, n, "windows-1252", "WINDOWS-1252", "WINDOWS-1252");
    check_converted(w, n, "utf8", "UTF-8", "UTF-8"); /* no conversion: bytes as they are */
    g_free(w);
    g_string_free(s, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff_kinds_by_magic_bytes),
        cmocka_unit_test(test_sniff_nul_bytes),
        cmocka_unit_test(test_utf8_valid_matches_glib),
        cmocka_unit_test(test_source_converts_like_glib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
