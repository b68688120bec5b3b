/* SPDX-License-Identifier: MIT */
/* What a file is, told by its first bytes, never its name: compression, archive, text encoding
 * (byte-order marks), XES, or a binary format that no reader takes. */
#ifndef JM_SNIFF_H
#define JM_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

/* What the first bytes of a file (or of a decompressed stream) say it is. */
typedef enum {
    JM_BYTES_TEXT,     /* none of the below: read as text (CSV) */
    JM_BYTES_GZIP,     /* 1f 8b */
    JM_BYTES_ZSTD,     /* 28 b5 2f fd */
    JM_BYTES_BZIP2,    /* "BZh" and a block size digit */
    JM_BYTES_XZ,       /* fd "7zXZ" 00 */
    JM_BYTES_ZIP,      /* "PK" 03 04 (or the end record of an empty archive) */
    JM_BYTES_UTF16LE,  /* byte-order mark ff fe */
    JM_BYTES_UTF16BE,  /* fe ff */
    JM_BYTES_UTF32,    /* ff fe 00 00 or 00 00 fe ff: refused */
    JM_BYTES_XES,      /* XML: "<?xml" or "<log" after any UTF-8 byte-order mark */
    JM_BYTES_BINARY,   /* a known binary format, or bytes that are mostly NUL: refused */
} jm__bytes_kind;

/* The verdict on some first bytes. */
typedef struct jm__sniffed {
    jm__bytes_kind kind;
    /* For refusals (UTF32, BINARY, and a ZIP or compression found where none may be): what
     * the file is and what to do, one line to follow "FILE: ", e.g. "a PDF document, not a
     * table; export the data as CSV". Static storage; NULL for the kinds that are read. */
    const char *what;
} jm__sniffed;

/* Look at the first n bytes of a file (all of it when eof, else at least 512 where the file
 * has them). Compression and zip are told by their magic bytes; the text encodings by their
 * byte-order marks; XES by its opening; binaries by their magic bytes, or by NUL bytes making
 * up more than a quarter of the first 4 KiB (UTF-16 without a byte-order mark is named as
 * such, with the --encoding that reads it). */
jm__sniffed jm__sniff(const unsigned char *p, size_t n, bool eof);

/* A name for a compression kind ("gzip", "zstd", "bzip2", "xz"), or NULL. */
const char *jm__sniff_compression_name(jm__bytes_kind k);

#endif
