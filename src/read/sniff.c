/* SPDX-License-Identifier: MIT */
/* What a file is, told by its first bytes: magic numbers, byte-order marks, NUL bytes. */
#include "sniff.h"

#include <string.h>

/* A binary format no reader takes, told by the bytes at offset 0, and what to do with it. */
typedef struct magic {
    const char *bytes;
    size_t n;
    const char *what;
} magic;

#define M(s) s, sizeof s - 1
static const magic binaries[] = {
    {M("%PDF-"), "a PDF document, not a table; export the data as CSV UTF-8"},
    {M("\x7f" "ELF"), "an executable program (ELF), not a table; give the CSV export"},
    {M("\x89PNG\r\n\x1a\n"), "a PNG image, not a table; give the CSV export"},
    {M("\xff\xd8\xff"), "a JPEG image, not a table; give the CSV export"},
    {M("GIF8"), "a GIF image, not a table; give the CSV export"},
    {M("SQLite format 3\0"),
     "an SQLite database; export the table as CSV (sqlite3 -header -csv DB 'SELECT ...')"},
    {M("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
     "an old Excel workbook (xls) or other Office file; save it as CSV UTF-8"},
    {M("PAR1"), "a Parquet file; export it as CSV"},
    {M("Rar!\x1a\x07"), "a RAR archive; unpack it and give the CSV files"},
    {M("7z\xbc\xaf\x27\x1c"), "a 7-Zip archive; unpack it and give the CSV files"},
    {M("{\\rtf"), "an RTF document, not a table; export the data as CSV UTF-8"},
};
#undef M

static bool starts(const unsigned char *p, size_t n, const char *s, size_t k)
{
    return n >= k && memcmp(p, s, k) == 0;
}

jm__sniffed jm__sniff(const unsigned char *p, size_t n, bool eof)
{
    (void)eof;
    if (starts(p, n, "\x1f\x8b", 2))
        return (jm__sniffed){JM_BYTES_GZIP, NULL};
    if (starts(p, n, "\x28\xb5\x2f\xfd", 4))
        return (jm__sniffed){JM_BYTES_ZSTD, NULL};
    if (n >= 4 && starts(p, n, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
        return (jm__sniffed){JM_BYTES_BZIP2, NULL};
    if (starts(p, n, "\xfd" "7zXZ\0", 6))
        return (jm__sniffed){JM_BYTES_XZ, NULL};
    if (starts(p, n, "PK\x03\x04", 4) || starts(p, n, "PK\x05\x06", 4))
        return (jm__sniffed){JM_BYTES_ZIP, NULL};
    if (starts(p, n, "\xff\xfe\0\0", 4) || starts(p, n, "\0\0\xfe\xff", 4))
        return (jm__sniffed){JM_BYTES_UTF32,
                             "UTF-32 text; jmine reads UTF-8 and UTF-16: save it as CSV UTF-8"};
    if (starts(p, n, "\xff\xfe", 2))
        return (jm__sniffed){JM_BYTES_UTF16LE, NULL};
    if (starts(p, n, "\xfe\xff", 2))
        return (jm__sniffed){JM_BYTES_UTF16BE, NULL};
    const unsigned char *t = p;
    size_t m = n;
    if (starts(t, m, "\xef\xbb\xbf", 3)) {
        t += 3;
        m -= 3;
    }
    while (m > 0 && (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')) {
        t++;
        m--;
    }
    if (starts(t, m, "<?xml", 5) || starts(t, m, "<log", 4))
        return (jm__sniffed){JM_BYTES_XES, NULL};
    for (size_t i = 0; i < sizeof binaries / sizeof binaries[0]; i++)
        if (starts(p, n, binaries[i].bytes, binaries[i].n))
            return (jm__sniffed){JM_BYTES_BINARY, binaries[i].what};
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
        return (jm__sniffed){JM_BYTES_BINARY, "a tar archive; unpack it and give the CSV files"};
    /* NUL bytes: a few may sit in fields (they are kept), but text is not made of them. NULs
     * at odd offsets only are UTF-16 LE without a byte-order mark, at even ones UTF-16 BE. */
    size_t k = n < 4096 ? n : 4096, even = 0, odd = 0;
    for (size_t i = 0; i < k; i++)
        if (p[i] == 0) {
            if (i & 1)
                odd++;
            else
                even++;
        }
    if (k >= 16 && (even + odd) * 4 > k) {
        if (odd * 10 > k * 4 && even * 50 < k)
            return (jm__sniffed){JM_BYTES_BINARY,
                                 "UTF-16 LE text without a byte-order mark; --encoding UTF-16LE "
                                 "reads it"};
        if (even * 10 > k * 4 && odd * 50 < k)
            return (jm__sniffed){JM_BYTES_BINARY,
                                 "UTF-16 BE text without a byte-order mark; --encoding UTF-16BE "
                                 "reads it"};
        return (jm__sniffed){JM_BYTES_BINARY,
                             "binary data (mostly NUL bytes), not a CSV file; give the CSV "
                             "export"};
    }
    return (jm__sniffed){JM_BYTES_TEXT, NULL};
}

const char *jm__sniff_compression_name(jm__bytes_kind k)
{
    switch (k) {
    case JM_BYTES_GZIP:
        return "gzip";
    case JM_BYTES_ZSTD:
        return "zstd";
    case JM_BYTES_BZIP2:
        return "bzip2";
    case JM_BYTES_XZ:
        return "xz";
    default:
        return NULL;
    }
}
