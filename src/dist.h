/* SPDX-License-Identifier: MIT */
/* A run spread over processes (jmine-mpi, src/mpi/): what each process reads, its events sent
 * to the process that owns their case by name, and its log made a share whose state merges.
 * Nothing here knows MPI: the caller moves the bytes. */
#ifndef JM_DIST_H
#define JM_DIST_H

#include "route.h"

#include <jmine/jmine.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Cutting plain files at record boundaries ---- */

/* Whether path is a plain file that may be read in byte ranges (not standard input, not
 * compressed, zip, XES or UTF-16, no --encoding); *size gets its size. False for a file that
 * cannot be opened (its reader will say why). */
bool jm__dist_splittable(const jm_options *opt, const char *path, uint64_t *size);

/* The quotes and line ends (LF, CRLF, a lone CR) in bytes [lo, hi) of path, a CR at hi - 1
 * left to a LF at hi as jm__count_text does. False on a read error. */
bool jm__dist_count(const char *path, uint64_t lo, uint64_t hi, uint64_t *quotes,
                    uint64_t *ends);

/* The first record start at or after byte x of path (size bytes), the quote state at x being
 * `quoted`: the offset after the first line end outside quotes at or after x - 1 (x itself
 * when the byte before it ends a line), or size; *ends gets the line ends in [x, that offset).
 * 0 for x == 0. False on a read error. This is the rule the threads of one process cut a file
 * by (parallel.c): a cut that stray quotes mislead is caught when the range is parsed. */
bool jm__dist_boundary(const char *path, uint64_t x, bool quoted, uint64_t size, uint64_t *at,
                       uint64_t *ends);

/* Read the next file added to log (jm_log_add_file) from byte lo (a record boundary, at line
 * `line`; 0: from its header on) to byte hi only: its header is taken and its times sampled
 * as for the whole file. Once a range was misled (stray quotes), jm__dist_range_failed says
 * so and jm_log_add_file returned JM_EINPUT: read the file whole instead. */
void jm__dist_range(jm_log *log, uint64_t lo, uint64_t hi, uint64_t line);
bool jm__dist_range_failed(const jm_log *log);

/* ---- Events sent to the owner of their case ---- */

/* Send the log's events to their owners (of n processes, by jm__route_owner of their case id)
 * from now on: each batch read is written to one buffer per owner (route.h) as it merges,
 * instead of to the log's buckets, but for the events of owner `keep` (JM_WIRE_NONE: none),
 * which stay in the buckets (the process's own: see jm__dist_lead). Call before the first
 * file is added; read with memory_bytes 0. */
void jm__dist_route(jm_log *log, unsigned n, unsigned keep);

/* Hand the buffers of a routed log over: out[0..n) (n as given to jm__dist_route) receive
 * them, one per owner (keep's empty), the events of each case in input order. Returns the
 * events written; the log's event count is then those it kept, and grows as events are
 * imported. */
uint64_t jm__dist_export(jm_log *log, jm__dist_buf *out);

/* Add the events of one process's buffer (jm__dist_export) to the log, after those added
 * before: add them in process order, so that a case's events are in input order. Returns
 * JM_OK, JM_EINPUT for bytes that are not such a buffer, or JM_EIO (--memory's files). */
jm_status jm__dist_import(jm_log *log, const void *p, size_t n);

/* The same, one process's buffer read in pieces as they arrive: a reader of it for the log
 * (one at a time, in process order), fed the pieces in order. */
typedef struct jm__dist_in jm__dist_in;
jm__dist_in *jm__dist_in_new(jm_log *log);

/* Add the whole records of p[0..n) to the log; *used is their bytes. The rest is the start of
 * a record the next piece ends: hand it again, followed by that piece. Returns as
 * jm__dist_import; after an error, every later call fails too. */
jm_status jm__dist_in_add(jm__dist_in *in, const void *p, size_t n, size_t *used);

/* The buffer ended with `left` bytes not yet used: JM_OK when none, else JM_EINPUT (the log's
 * error says so). */
jm_status jm__dist_in_end(jm__dist_in *in, size_t left);

void jm__dist_in_free(jm__dist_in *in);

/* A log that kept its own events (jm__dist_route): call with true before importing the
 * buffers of the processes before it, and with false after them (before those after it), so
 * that the journeys read its events after theirs, in input order. A log that may spill
 * (--memory) must not keep its events unless no process comes before it: the spill writes
 * them in the order they were added. */
void jm__dist_lead(jm_log *log, bool start);

/* ---- The log as a share of the run ---- */

/* What a share needs to know of the whole run before jm_report_build: whether some file had an
 * end, channel or lifecycle column, and the lifecycle rows of every process (the pairing mode
 * is decided on them). jm_report_build then leaves "every row rejected" to the caller, and
 * notices of repeated rows are not given (their rows are elsewhere). */
void jm__dist_share(jm_log *log, bool has_end, bool has_channel, bool has_lifecycle,
                    const uint64_t lc_rows[JM_LC_COUNT]);

/* The log's own end, channel and lifecycle flags and input accounting. */
void jm__dist_flags(const jm_log *log, bool *has_end, bool *has_channel, bool *has_lifecycle);
const jm_input_stats *jm__dist_stats(const jm_log *log);

/* The files the log's state lists: names[0..n) (copied), instead of those it read. */
void jm__dist_set_files(jm_log *log, char *const *names, size_t n);

/* The role columns of the first file the log read, or NULL each, as one string "role=name\n"
 * per role found (malloc'd); and the same set on a log that read no file, with its encoding. */
char *jm__dist_columns(const jm_log *log);
void jm__dist_set_columns(jm_log *log, const char *cols);
bool jm__dist_read_any(const jm_log *log);

/* Set the log's accounting to st (for the message of a run whose every row was rejected). */
void jm__dist_set_stats(jm_log *log, const jm_input_stats *st);

#endif
