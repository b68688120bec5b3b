/* SPDX-License-Identifier: MIT */
/* The reader interface: every input format turns the bytes of a source into rows of the log
 * (through the batches of batch.h), one reader a file. read.c picks the reader. */
#ifndef JM_READER_H
#define JM_READER_H

#include "batch.h"
#include "source.h"

/* A reader. Readers never touch the log itself: rows go to batches (jm__batch_row), batches are
 * merged in file order (jm__batch_merge), and that is all a reader knows of the log. */
typedef struct jm__reader {
    const char *name; /* "csv" */
    /* Whether the reader takes a file whose content (decompressed, converted to UTF-8) begins
     * with the n bytes at p (up to 4 KiB; fewer only when that is all), which jm__sniff judged
     * s. read.c asks the readers in turn; the CSV reader, last, takes whatever is left. */
    bool (*takes)(const jm__sniffed *s, const unsigned char *p, size_t n);
    /* Read the whole source as file f (its name, options and roles; the header not yet taken)
     * on up to `threads` threads. Returns JM_OK, JM_EINPUT (the input as a whole is unusable:
     * *err, malloc'd, names the file and line or byte offset), JM_EREJECTS (too many rejected
     * rows: the log's error says where) or JM_EUSAGE (a column named by option is missing:
     * likewise). */
    jm_status (*read)(jm__file *f, jm__source *src, unsigned threads, char **err);
} jm__reader;

/* RFC 4180 CSV with a header row (csv.c): takes every file. */
extern const jm__reader jm__csv_reader;

/* XES, IEEE 1849-2016 (xes.c): XML starting "<?xml" or "<log"; each event a row whose columns
 * are XES keys, a trace's attributes as case:KEY. */
extern const jm__reader jm__xes_reader;

#endif
