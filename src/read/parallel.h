/* SPDX-License-Identifier: MIT */
/* Reading one plain file with several threads: split at record boundaries, parse the ranges side
 * by side, merge their batches in file order. */
#ifndef JM_PARALLEL_H
#define JM_PARALLEL_H

#include "batch.h"

/* Read the records of the file open on fd (f's header already taken) from byte data, at line
 * data_line, to byte size, on `threads` threads. The file is cut into blocks; the quote count
 * of every block before tells whether a block starts inside a quoted field, and so where its
 * first record starts. Each range is parsed by a fresh libcsv parser, and its batch merged into
 * the log only if the parser ended exactly at the range's end on a record boundary; stray quotes
 * that mislead the count make a range fail that test, and then *resume (UINT64_MAX otherwise)
 * and *resume_line say where to go on reading on one thread: everything before is merged.
 * block_bytes is the block size (0: chosen from the size and thread count). Returns JM_OK,
 * JM_EINPUT (read error, a quote open at the end: *err says) or JM_EREJECTS. */
jm_status jm__read_parallel(jm__file *f, int fd, uint64_t data, uint64_t data_line, uint64_t size,
                            unsigned threads, uint64_t block_bytes, uint64_t *resume,
                            uint64_t *resume_line, char **err);

/* Read the records of a stream (gzip, a pipe, standard input; f's header already taken) with
 * `threads` workers: this thread splits the bytes as they come into ranges of about
 * range_bytes (0: 8 MiB) at line ends outside quotes, starting with the nhead bytes at head
 * (malloc'd, taken over) at line `line`. Ranges are merged in order as for a file. If stray
 * quotes misled the split, *rest (malloc'd) and *nrest hold the bytes not merged, from
 * *rest_line on, for the caller to read on one thread before the rest of src; else *rest is
 * NULL. Returns JM_OK, JM_EINPUT (*err) or JM_EREJECTS. */
jm_status jm__read_stream_parallel(jm__file *f, jm__source *src, char *head, size_t nhead,
                                   uint64_t line, unsigned threads, uint64_t range_bytes,
                                   char **rest, size_t *nrest, uint64_t *rest_line, char **err);

#endif
