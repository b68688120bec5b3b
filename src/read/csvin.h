/* SPDX-License-Identifier: MIT */
/* The CSV reader: push-parses a byte source through libcsv and hands out rows with their line. */
#ifndef JM_CSVIN_H
#define JM_CSVIN_H

#include "source.h"

#include <jmine/jmine.h>

/* One record. The pointers are borrowed and live only for the duration of the callback. */
typedef struct jm__row {
    size_t n;             /* fields */
    const char *const *f; /* field bytes, each NUL-terminated for convenience */
    const size_t *len;    /* field lengths (a field may hold NUL bytes) */
    uint64_t line;        /* 1-based line where the record starts */
    size_t too_long;      /* 0, or 1 + the index of the first field over the limit */
    size_t too_long_len;  /* that field's length */
    size_t stored;        /* fields in f and len: n, or fewer when n passed opt.max_fields */
    uint64_t fp;          /* with opt.fingerprint: a hash of every stored field's bytes, in order
                             (rows equal byte for byte in every field have equal fp) */
} jm__row;

/* Called for every record, the header first. A status other than JM_OK stops the reading and is
 * returned by jm__csv_read. */
typedef jm_status (*jm__row_fn)(void *data, const jm__row *row);

/* Progress: bytes of the file consumed so far. */
typedef void (*jm__csv_progress_fn)(void *data, uint64_t offset);

typedef struct jm__csv_opts {
    char delimiter;     /* 0: sniff from the header line */
    size_t skip_lines;  /* physical lines before the header (--skip-lines) */
    size_t field_limit; /* fields longer than this are flagged in jm__row.too_long */
    /* Which columns to copy: keep[i] for column i < nkeep; columns at nkeep and beyond are
     * copied. Read at every record, so the row callback may set it after the header. A field
     * not kept is handed out as "" with its true length in len. NULL keeps every field. */
    const bool *keep;
    size_t nkeep;
    /* > 0: fields past this many are counted, not stored (the record is rejected anyway), so a
     * line of millions of fields cannot take memory. Like keep, it may be set after the
     * header. */
    size_t max_fields;
    /* Called with the field of column key_col as soon as it is read, before the rest of its
     * record: room to start a slow lookup early. Like keep, it may be set after the header. */
    size_t key_col;
    void (*on_key)(void *data, const char *s, size_t n);
    bool fingerprint; /* hash every field into jm__row.fp */
    jm__csv_progress_fn progress;
    void *progress_data;
} jm__csv_opts;

/* A push parser: bytes in, rows out through the callback. */
typedef struct jm__csv jm__csv;

/* A parser for delimiter delim whose first byte is at line first_line. */
jm__csv *jm__csv_new(char delim, const jm__csv_opts *opt, jm__row_fn fn, void *data,
                     uint64_t first_line);

/* True when libcsv, testing spaces and tabs itself (and so trimming those around unquoted fields
 * and after closing quotes), reads the n bytes at s, from a record boundary on, into the very
 * same fields as when it keeps every byte: no space or tab outside quotes starts or ends a field,
 * and every quote stands where libcsv reads it as the quote parity says. False when unsure.
 * jm__csv_feed scans with it as it goes: while the bytes pass, libcsv tests spaces inline, not
 * through a call per byte of every unquoted field (a quarter of its time). */
bool jm__csv_spaces_untouched(const char *s, size_t n, char delim);

/* Whether c still lets libcsv test spaces inline: every byte fed so far passed the scan. */
bool jm__csv_spaces_inline(const jm__csv *c);

/* Keep every byte through jmine's own space test from now on, whatever the scan says: for tests,
 * as the parse the scan must agree with. */
void jm__csv_keep_every_byte(jm__csv *c);

/* Parse n more bytes. Returns JM_OK or the callback's first other status, after which nothing
 * more is parsed. */
jm_status jm__csv_feed(jm__csv *c, const char *buf, size_t n);

/* From now on, count lines from record ends only, not from line breaks inside quoted fields:
 * testing every field for them is a good part of the cost of a row. Lines are then exact up to
 * the first such break only; the caller compares jm__csv_line with the line ends the bytes hold
 * (jm__csv_line_ends) and parses again, exactly, when a line number matters. */
void jm__csv_inexact_lines(jm__csv *c);

/* The line of the parser's position: the first line plus the line ends counted so far. */
uint64_t jm__csv_line(const jm__csv *c);

/* True when the bytes so far end exactly at the end of a record: nothing is pending, so a new
 * parser could take over from here and read the same records. */
bool jm__csv_at_boundary(const jm__csv *c);

/* The end of the input: the last record without a line end is handed out. Returns JM_OK, the
 * callback's status, or JM_EINPUT with a malloc'd message in *err if a quoted field is still
 * open (naming name and the line where that record starts). */
jm_status jm__csv_finish(jm__csv *c, const char *name, char **err);

/* Blank lines seen (lines with no field at all: not records). */
uint64_t jm__csv_blank(const jm__csv *c);

/* Free a parser. NULL is a no-op. */
void jm__csv_free(jm__csv *c);

/* A header line longer than this is refused: no header is that long, and a file with no line
 * end (binary, or a quote never closed) would otherwise be held whole. */
#define JM_HEADER_MAX ((size_t)16 << 20)

/* Where a file's header is, from its first bytes. */
typedef struct jm__csv_head_info {
    bool empty;         /* no header at all (empty, only a BOM, only blank lines) */
    bool too_long;      /* no end within JM_HEADER_MAX bytes (see jm__csv_head_error) */
    size_t skip;        /* bytes before the header: a UTF-8 byte-order mark, lines skipped */
    uint64_t skip_line; /* the line number there */
    char sep;           /* the delimiter an Excel "sep=X" first line set, or 0 */
    char delim;         /* as given, or sniffed from the header line */
    size_t data;        /* offset of the first byte after the header line */
    uint64_t data_line; /* the line number there */
} jm__csv_head_info;

/* Find the header in the n bytes at buf (eof: they are the whole file), after a byte-order mark
 * and skip_lines physical lines (--skip-lines); Excel's "sep=X" first line sets the delimiter
 * (unless delimiter is given) and is skipped even when skip_lines is 0. Returns false when more
 * bytes are needed to see the whole header line. */
bool jm__csv_head(const char *buf, size_t n, bool eof, char delimiter, size_t skip_lines,
                  jm__csv_head_info *h);

/* The message for a file with no header line, malloc'd (skip_lines: as --skip-lines). */
char *jm__csv_no_header(const char *name, size_t skip_lines);

/* jm__csv_head after bytes old..n came in: false at once when none of them ends a line. True
 * with h->too_long set when the header is not whole within JM_HEADER_MAX bytes. */
bool jm__csv_head_more(const char *buf, size_t old, size_t n, bool eof, char delimiter,
                       size_t skip_lines, jm__csv_head_info *h);

/* The message for a header that is too long, malloc'd: "NAME:LINE: ...", from the n bytes read. */
char *jm__csv_head_error(const char *name, const char *buf, size_t n, size_t skip_lines);

/* Line ends in n bytes: LF, CRLF and a lone CR each count once. next is the byte after them (0
 * at the end), so a CR at the end followed by a LF is left to that LF. */
uint64_t jm__csv_line_ends(const char *s, size_t n, char next);

/* Read every record of src (named name in messages). A UTF-8 byte-order mark at the start is
 * skipped; LF, CRLF and lone CR end lines; blank lines are counted in *blank, not handed out.
 * The delimiter used is stored in *delim. Returns JM_OK, the callback's status, or JM_EINPUT
 * with a malloc'd message in *err ("no header", a quoted field open at the end of the file,
 * a source error). */
jm_status jm__csv_read(jm__source *src, const char *name, const jm__csv_opts *opt, jm__row_fn fn,
                       void *data, char *delim, uint64_t *blank, char **err);

/* Go on with parser c: the npre bytes at pre, then src from where it stands to its end, then
 * the end of input. Status and *err as jm__csv_read. */
jm_status jm__csv_read_on(jm__csv *c, jm__source *src, const char *name, const jm__csv_opts *opt,
                          const char *pre, size_t npre, char **err);

/* Read the records of the npre bytes at pre, then of src from where it stands to its end, the
 * first byte at line first_line, with delimiter delim (no header is looked for). Status and
 * *err as jm__csv_read. */
jm_status jm__csv_read_from(jm__source *src, const char *name, const jm__csv_opts *opt,
                            char delim, uint64_t first_line, const char *pre, size_t npre,
                            jm__row_fn fn, void *data, uint64_t *blank, char **err);

/* The delimiter of a header line: the one of , ; TAB | found most often outside quotes (ties
 * in that order; ',' if none). */
char jm__csv_sniff(const char *line, size_t n);

#endif
