/* SPDX-License-Identifier: MIT */
/* Byte sources: a file or standard input, inflated on the fly when it is gzip. */
#ifndef JM_SOURCE_H
#define JM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct jm__source jm__source;

/* Open path ("-" is standard input) and look at its first bytes: gzip (1f 8b) is inflated as it
 * is read, concatenated members included. Returns NULL with a malloc'd message in *err (naming
 * the file) if it cannot be opened. */
jm__source *jm__source_open(const char *path, char **err);

/* Read up to n bytes of (inflated) content into buf. Returns the count, 0 at the end, or -1 with a
 * malloc'd message in *err naming the file and the byte offset in it (truncated or corrupt
 * gzip, read error). */
ssize_t jm__source_read(jm__source *src, void *buf, size_t n, char **err);

/* Look at the first n bytes of (inflated) content still to be read, without consuming them:
 * *head points at them (valid until the next call on src). Returns how many there are (fewer
 * than n only at the end), or -1 with *err as jm__source_read. */
ssize_t jm__source_peek(jm__source *src, const void **head, size_t n, char **err);

/* Inflate a gzip source on a thread of its own from now on, a few MiB ahead of the reader, so
 * that inflating and parsing overlap. Returns false (and changes nothing) for a plain source or
 * when no thread can be started. */
bool jm__source_thread(jm__source *src);

/* Bytes of the file consumed so far (compressed bytes for gzip), and its size (0 if unknown). */
uint64_t jm__source_offset(const jm__source *src);
uint64_t jm__source_size(const jm__source *src);

/* The file descriptor of a plain (not gzip) regular file, for reading it at any offset; -1 for
 * gzip, pipes and standard input. */
int jm__source_fd(const jm__source *src);

/* Go on reading a plain regular file from byte off. */
void jm__source_seek(jm__source *src, uint64_t off);

/* Close the source. Standard input is not closed. NULL is a no-op. */
void jm__source_close(jm__source *src);

#endif
