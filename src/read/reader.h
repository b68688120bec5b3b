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
    /* Read the whole source as file f (its name, options and roles; the header not yet taken)
     * on up to `threads` threads. Returns JM_OK, JM_EINPUT (the input as a whole is unusable:
     * *err, malloc'd, names the file and line or byte offset), JM_EREJECTS (too many rejected
     * rows: the log's error says where) or JM_EUSAGE (a column named by option is missing:
     * likewise). */
    jm_status (*read)(jm__file *f, jm__source *src, unsigned threads, char **err);
} jm__reader;

/* RFC 4180 CSV with a header row (csv.c): the reader of any content no other reader takes. */
extern const jm__reader jm__csv_reader;

/* XES, IEEE 1849-2016 (xes.c): each event a row whose columns are XES keys, a trace's
 * attributes as case:KEY. */
extern const jm__reader jm__xes_reader;

/* Whether the n bytes at head begin an XML document or an XES <log> (after a UTF-8 BOM and
 * white space). */
bool jm__xes_sniff(const void *head, size_t n);

#endif
