/* SPDX-License-Identifier: MIT */
/* The state file's primitives (docs/state-format.md): everything written by names, read back
 * into a merge's own tables. */
#ifndef JM_STATE_H
#define JM_STATE_H

#include "filter.h"
#include "intern.h"
#include "pairs.h"
#include "seqtab.h"
#include "util.h"

#include <jmine/jmine.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The format's version: a state of another format, or of another jmine version, is refused. */
#define JM_STATE_FORMAT 5

/* ---- Writing ---------------------------------------------------------------- */

/* A state being written: bytes in memory, and the step table that steps are written by. */
typedef struct jm__state_w jm__state_w;

/* A writer whose step table holds every step that occurs in a variant of `variants` (that
 * is, in some journey), named by `steps`, in byte order: a step is written as its index in
 * that table, so the bytes depend on names only. Both tables are borrowed. */
jm__state_w *jm__state_w_new(const jm__intern *steps, const jm__seqtab *variants);

/* Free the writer. NULL is a no-op. */
void jm__state_w_free(jm__state_w *w);

/* Unsigned and signed integers (LEB128; signed ones zigzag), and byte strings (length first). */
void jm__sw_u64(jm__state_w *w, uint64_t v);
void jm__sw_i64(jm__state_w *w, int64_t v);
void jm__sw_bytes(jm__state_w *w, const void *s, size_t n);
void jm__sw_str(jm__state_w *w, const char *s);

/* A value list, sorted here first (in place: only its order changes), then written as
 * ascending runs: each distinct value as its difference from the previous one, with how many
 * times it occurs. */
void jm__sw_vals(jm__state_w *w, jm__vals *l);

/* The step table: its size, then each name. Written once, before anything that names a step. */
void jm__sw_steps(jm__state_w *w);

/* A step (a process id of `steps`) as its index in the table; jm__sw_step_index gives the
 * index, for putting entries in the canonical order (ascending index is byte order of names). */
void jm__sw_step(jm__state_w *w, uint32_t step);
uint32_t jm__sw_step_index(const jm__state_w *w, uint32_t step);

/* Start a section; jm__sw_section_end writes its length before it. Sections do not nest. */
void jm__sw_section(jm__state_w *w, const char *key);
void jm__sw_section_end(jm__state_w *w);

/* The bytes so far, with the checksum appended: the whole file. Ends the writer's use. */
const void *jm__sw_finish(jm__state_w *w, size_t *n);

/* jm__sw_finish's bytes handed over: the caller frees them; the writer keeps none. */
void *jm__sw_take(jm__state_w *w, size_t *n);

/* ---- Reading ---------------------------------------------------------------- */

/* A state being read. Reads never go past its end: a read that would sets the error (sticky)
 * and returns 0 or an empty string, so that loaders may run on and be checked once at the end.
 * Names are interned into the tables it was given (the merge's), so the ids it returns are
 * those tables' ids. */
typedef struct jm__state_r jm__state_r;

/* The merge's tables that a reader interns names into. */
typedef struct jm__state_tables {
    jm__intern *steps, *chans, *cases;
    jm__seqtab *variants;
    jm__pairs *pairs;
} jm__state_tables;

/* A reader over n bytes at p (borrowed) with no header: for a body as jm__sw_finish's, less
 * its checksum, or a part of one (tests). has_end and has_channel say whether the log the
 * state was made from had those columns (analyses need it to load what it left out). */
jm__state_r *jm__state_r_new(const void *p, size_t n, const jm__state_tables *t, bool has_end,
                             bool has_channel);
void jm__state_r_free(jm__state_r *r);

/* Whether the log the state came from had an end column, a channel column. */
bool jm__sr_has_end(const jm__state_r *r);
bool jm__sr_has_channel(const jm__state_r *r);

/* The most values any list of the state may hold, and the most any count of events may be:
 * its events (UINT64_MAX for a reader made by jm__state_r_new). Loaders check counts that
 * would allocate against it. */
uint64_t jm__sr_limit(const jm__state_r *r);

/* Whether every read so far was within bounds and well-formed. */
bool jm__sr_ok(const jm__state_r *r);

/* Mark the state malformed (a loader that finds a value it cannot take). */
void jm__sr_fail(jm__state_r *r);

/* Whether the reader is at the end of its bytes. */
bool jm__sr_at_end(const jm__state_r *r);

uint64_t jm__sr_u64(jm__state_r *r);
int64_t jm__sr_i64(jm__state_r *r);
/* A byte string, borrowed from the reader's bytes (not NUL-terminated); *n its length. */
const char *jm__sr_bytes(jm__state_r *r, size_t *n);
/* A count of entries that each take at least one byte: more than the bytes left is an error
 * (and 0 is returned), so that no loader allocates for a count the file cannot hold. */
size_t jm__sr_count(jm__state_r *r);
/* A value list, appended to l (which stays sorted if it was empty). */
void jm__sr_vals(jm__state_r *r, jm__vals *l);

/* The step table (jm__sw_steps), interned into the steps table. */
void jm__sr_steps(jm__state_r *r);
/* A step, as the steps table's id. */
uint32_t jm__sr_step(jm__state_r *r);
/* A pair of steps: its id in the pairs table (a and b, if not NULL, get the steps). */
uint32_t jm__sr_pair(jm__state_r *r, uint32_t *a, uint32_t *b);
/* A variant (a count of steps, then the steps): its id in the variants table. */
uint32_t jm__sr_variant(jm__state_r *r);
/* A channel, a case id: a name, interned into the chans, cases table. */
uint32_t jm__sr_chan(jm__state_r *r);
uint32_t jm__sr_case(jm__state_r *r);

/* Read a section's key and length, and give a reader of its bytes alone (freed by the
 * caller); NULL with the error set when the bytes are short. *key, *klen: the key. */
jm__state_r *jm__sr_section(jm__state_r *r, const char **key, size_t *klen);

/* ---- The file's head: version, options, input ---------------------------------- */

/* The options that change the analysis, in the order the file lists them. */
#define JM_STATE_NOPTS 29
/* The option that says whether case ids are pseudonyms, and of which key: "off" or "key"
 * and 16 hex digits (jm__pseudo_key_check). */
#define JM_STATE_OPT_PSEUDO 22

/* What a state file says before its body. */
typedef struct jm__state_head {
    uint64_t format;
    char *version;
    char *opt_value[JM_STATE_NOPTS]; /* each option's value as text (canonical) */
    jm_input_stats stats;
    char **files; /* stats.files names */
    char *column[JM_ROLE_COUNT];
    bool has_end, has_channel;
    bool has_lifecycle; /* the log had a lifecycle column (stats then hold its counts) */
    char *encoding;     /* the encodings read, as input.encoding gives them */
    char *time_format;  /* how times were read, as input.time_format gives it */
    bool time_decided;  /* a sample settled it (or --time-format gave it) */
    uint64_t cases, journeys;
    jm__fresults fres; /* what each filter did (SPEC §12); none without filters */
} jm__state_head;

/* The option's name, e.g. "--long-wait". */
const char *jm__state_opt_name(size_t i);

/* The head of a run: opt's analysis options, the log's accounting and names. Strings are
 * copied. */
void jm__state_head_of(jm__state_head *h, const jm_options *opt, const jm_input_stats *stats,
                       char *const *files, char *const *column, bool has_end, bool has_channel,
                       uint64_t cases, uint64_t journeys);
void jm__state_head_free(jm__state_head *h);

/* Write the magic, the format, the version and the head. */
void jm__sw_head(jm__state_w *w, const jm__state_head *h);

/* Set opt's analysis options (--step, --split-gap, --long-wait, --collapse-loops) to the head's. */
void jm__state_head_apply(const jm__state_head *h, jm_options *opt);

/* Read a state from the n bytes at bytes (borrowed: they must outlive *r), named path in
 * messages: its magic, format, checksum, version and head, as jm__state_open. */
jm_status jm__state_read(const char *path, const void *bytes, size_t n, const jm__state_tables *t,
                         jm__state_head *h, jm__state_r **r, char **err);

/* Open a state file: read it whole, check its magic, format, checksum and version, and read
 * its head into *h. On JM_OK *r reads the body that follows (free it, then *buf, with
 * jm__state_r_free and free()). On JM_EINPUT *err gets a malloc'd message naming the file. */
jm_status jm__state_open(const char *path, const jm__state_tables *t, jm__state_head *h,
                         jm__state_r **r, void **buf, char **err);

#endif
