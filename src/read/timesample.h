/* SPDX-License-Identifier: MIT */
/* Time formats found by looking (SPEC §1.1): a sample of a file's start column, taken across
 * the file before its rows are read, decides the log's time format once. */
#ifndef JM_TIMESAMPLE_H
#define JM_TIMESAMPLE_H

#include "batch.h"
#include "source.h"

/* Places of a plain file the sample is taken from, evenly spaced from its start to its end. */
#define JM_SAMPLE_PLACES 17

/* Bytes parsed at each place (the whole file when it is smaller than the places together). */
#define JM_SAMPLE_CHUNK ((size_t)64 << 10)

/* The most of a stream the sample reads ahead of its rows. */
#define JM_SAMPLE_STREAM_MAX ((size_t)64 << 20)

/* Whether the log's time format is still to be found, so that file f must be sampled: no
 * --time-format, and no earlier file's sample read a time. */
bool jm__time_sample_wanted(const jm__file *f);

/* Sample the plain file f (its header taken) through fd, size bytes long, without moving its
 * offset: the records at JM_SAMPLE_PLACES evenly spaced places (each from the line start after
 * it; the first record at offset 0, the header, left out), JM_SAMPLE_CHUNK bytes at each; rows
 * whose field count is not the header's are left out. Then decide (see jm__time_sample_decide).
 * Returns JM_OK or JM_EINPUT (the log's error says why). */
jm_status jm__time_sample_file(jm__file *f, int fd, uint64_t size);

/* Sample a stream: the bytes *buf[from..*n) (f's data, after its header) and, while the sample
 * is not settled and fewer than JM_SAMPLE_STREAM_MAX bytes are held, more bytes read from src
 * and appended to *buf (grown through *cap; *eof set at the end of src), so that the caller
 * reads them as it would have read them from src. Then decide. Returns JM_OK, or JM_EINPUT
 * (*err malloc'd on a read error; else the log's error says why). */
jm_status jm__time_sample_stream(jm__file *f, jm__source *src, char **buf, size_t *n, size_t *cap,
                                 size_t from, bool *eof, char **err);

#endif
