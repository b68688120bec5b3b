/* SPDX-License-Identifier: MIT */
/* Byte sources: a file, standard input or a zip member; gzip, zstd, bzip2 and xz decompressed
 * on the fly (told by their magic bytes), then converted to UTF-8 where the text is not. */
#ifndef JM_SOURCE_H
#define JM_SOURCE_H

#include "sniff.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct jm__source jm__source;

/* Open path ("-" is standard input) and look at its first bytes: gzip (1f 8b, concatenated
 * members included), zstd, bzip2 and xz are decompressed as they are read. A zip archive is
 * left as it is (jm__source_kind says so: its members are read through jm__source_open_fn).
 * Returns NULL with a malloc'd message in *err (naming the file) if it cannot be opened. */
jm__source *jm__source_open(const char *path, char **err);

/* Raw bytes of a source that is not a file descriptor (a zip member): up to n bytes into buf;
 * the count, 0 at the end, or -1 with a malloc'd message in *err, which the source's name
 * will precede ("NAME: message"). */
typedef ssize_t (*jm__raw_fn)(void *data, void *buf, size_t n, char **err);

/* A source named name over the bytes fn hands out (decompressed like a file when they are
 * compressed). Returns NULL with *err on a read error. */
jm__source *jm__source_open_fn(const char *name, jm__raw_fn fn, void *data, char **err);

/* The name given at opening. Owned by the source. */
const char *jm__source_name(const jm__source *src);

/* What the source's raw bytes are: JM_BYTES_ZIP for a zip archive, the compression kind
 * (JM_BYTES_GZIP, ...) when it is decompressed, JM_BYTES_TEXT otherwise. */
jm__bytes_kind jm__source_kind(const jm__source *src);

/* Settle the text encoding from the first decompressed bytes: a UTF-16 LE or BE byte-order
 * mark is converted to UTF-8 from here on (the mark dropped); a UTF-8 mark is kept (the
 * readers skip it); otherwise encoding (an iconv name, or NULL) is converted from unless it is
 * UTF-8. A byte-order mark wins over encoding. Returns false with a malloc'd message in *err
 * naming the file (a UTF-32 file; an encoding iconv does not know; a read error). */
bool jm__source_encode(jm__source *src, const char *encoding, char **err);

/* The encoding the text is read in: "UTF-8" unless jm__source_encode chose another (the iconv
 * name as given, in capitals: "UTF-16LE", "WINDOWS-1252"). Static or the source's storage. */
const char *jm__source_encoding(const jm__source *src);

/* The first bytes of the content (decompressed and converted), not consumed: *p receives up to
 * 4 KiB (fewer only at the end, flagged in *eof). Returns the count, or -1 with *err. */
ssize_t jm__source_peek(jm__source *src, const unsigned char **p, bool *eof, char **err);

/* Read up to n bytes of (decompressed, converted) content into buf. Returns the count, 0 at the
 * end, or -1 with a malloc'd message in *err naming the file and the byte offset in it
 * (truncated or corrupt data, bytes not valid in the encoding, a read error). */
ssize_t jm__source_read(jm__source *src, void *buf, size_t n, char **err);

/* Decompress (and convert) on a thread of its own from now on, a few MiB ahead of the reader,
 * so that decompressing and parsing overlap. Returns false (and changes nothing) for a plain
 * file or pipe, or when no thread can be started. */
bool jm__source_thread(jm__source *src);

/* Bytes of the file consumed so far (compressed bytes when compressed), and its size (0 if
 * unknown). */
uint64_t jm__source_offset(const jm__source *src);
uint64_t jm__source_size(const jm__source *src);

/* The file descriptor of a plain regular file (neither compressed nor converted), for reading
 * it at any offset; -1 otherwise (compressed, converted, pipes, standard input, zip members). */
int jm__source_fd(const jm__source *src);

/* Go on reading a plain regular file from byte off. */
void jm__source_seek(jm__source *src, uint64_t off);

/* Close the source. Standard input is not closed. NULL is a no-op. */
void jm__source_close(jm__source *src);

#endif
