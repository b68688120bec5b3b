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

#endif
