/* SPDX-License-Identifier: MIT */
/* jmine's public API: stream contact logs into journeys, analyse them, write the results. */
#ifndef JMINE_H
#define JMINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Typical use (see src/cli/ for the real thing):
 *
 *     jm_options opt;
 *     jm_options_init(&opt);
 *     jm_log *log = jm_log_new(&opt);
 *     jm_status s = jm_log_add_file(log, "contacts.csv");   // repeat per file
 *     jm_report *rep = NULL;
 *     if (s == JM_OK) s = jm_report_build(log, &rep);
 *     if (s == JM_OK) s = jm_write_report(rep, JM_FORMAT_JSON, stdout);
 *     jm_report_free(rep);
 *     jm_log_free(log);
 *
 * The library never prints and never exits. Out of memory aborts.
 */

/* ---- Status codes ------------------------------------------------------ */

/* XX(name, exit code of the tool, message) */
#define JM_STATUS_MAP(XX)                                                                          \
    XX(OK, 0, "success")                                                                           \
    XX(EINTERNAL, 1, "internal error")                                                             \
    XX(EIO, 1, "write error")                                                                      \
    XX(EUSAGE, 2, "invalid option or argument")                                                    \
    XX(EINPUT, 3, "unusable input")                                                                \
    XX(EREJECTS, 4, "too many rejected rows")

typedef enum {
#define JM_XX(name, code, msg) JM_##name,
    JM_STATUS_MAP(JM_XX)
#undef JM_XX
} jm_status;

/* The enum value's name without its prefix, e.g. "EINPUT". Static storage. */
const char *jm_status_name(jm_status s);
/* A short English description of the status. Static storage. */
const char *jm_strerror(jm_status s);
/* The exit code the command-line tool uses for this status (SPEC §2). */
int jm_status_exit_code(jm_status s);

/* ---- Why a row is rejected ------------------------------------------------ */

/* XX(name, key in reports, description). A row with several faults is rejected for the first
 * in this order. */
#define JM_REJECT_MAP(XX)                                                                          \
    XX(FIELD_TOO_LONG, "field_too_long", "field longer than the field limit")                      \
    XX(FIELD_COUNT, "field_count", "field count differs from the header")                          \
    XX(EMPTY_CASE, "empty_case", "empty case id")                                                  \
    XX(EMPTY_ACTIVITY, "empty_activity", "empty activity")                                         \
    XX(BAD_START, "bad_start", "start time does not parse")                                        \
    XX(BAD_END, "bad_end", "end time does not parse")                                              \
    XX(END_BEFORE_START, "end_before_start", "end is before start")

typedef enum {
#define JM_XX(name, key, msg) JM_REJECT_##name,
    JM_REJECT_MAP(JM_XX)
#undef JM_XX
        JM_REJECT_COUNT
} jm_reject_reason;

/* The report key of a reason, e.g. "bad_start". Static storage. */
const char *jm_reject_key(jm_reject_reason r);

/* ---- Column roles --------------------------------------------------------- */

/* XX(name, key in reports) */
#define JM_ROLE_MAP(XX)                                                                            \
    XX(CASE, "case")                                                                               \
    XX(ACTIVITY, "activity")                                                                       \
    XX(START, "start")                                                                             \
    XX(END, "end")                                                                                 \
    XX(CHANNEL, "channel")                                                                         \
    XX(CUSTOMER, "customer")                                                                       \
    XX(RESOURCE, "resource")

typedef enum {
#define JM_XX(name, key) JM_ROLE_##name,
    JM_ROLE_MAP(JM_XX)
#undef JM_XX
        JM_ROLE_COUNT
} jm_role;

/* The report key of a role, e.g. "start". Static storage. */
const char *jm_role_key(jm_role r);

/* ---- Options -------------------------------------------------------------- */

/* What names a step of a journey (SPEC §3). */
typedef enum { JM_STEP_ACTIVITY, JM_STEP_CHANNEL, JM_STEP_CHANNEL_ACTIVITY } jm_step_mode;

/* One rejected row, handed to jm_options.on_reject. Every pointer is borrowed and lives only for
 * the duration of the call. */
typedef struct jm_reject {
    const char *file; /* the file name as given, "-" for standard input */
    uint64_t line;    /* 1-based line where the record starts */
    jm_reject_reason reason;
    const char *detail; /* one line, e.g. "5 fields, header has 7" */
    size_t nfields;     /* the row's fields, bytes as they are (may hold NUL); fields
                           and lens are NULL unless jm_options.reject_rows is set */
    const char *const *fields;
    const size_t *lens;
    size_t nheader; /* the file's header fields, likewise */
    const char *const *header;
    const size_t *header_lens;
    char delimiter; /* the delimiter the file was read with */
} jm_reject;

typedef void (*jm_reject_fn)(void *data, const jm_reject *r);

/* A notice: something the user should know that is neither an error nor a rejected row (bytes
 * that are not UTF-8, start times that look like Excel serial days, rows that repeat earlier
 * rows). file names the input ("-" for standard input) and line the record's first line, or 0
 * when no line applies; msg is one line without the file and line. Each kind of notice is given
 * at most once per log. Borrowed for the call. */
typedef void (*jm_notice_fn)(void *data, const char *file, uint64_t line, const char *msg);

/* Progress, called about every 8 MiB of input: bytes read so far in the current file, its size
 * (0 when unknown, as for a pipe), and rows read so far in the whole log. */
typedef void (*jm_progress_fn)(void *data, const char *file, uint64_t bytes, uint64_t size,
                               uint64_t rows);

/* Options of a run. The caller owns the struct and every string it points to; they must outlive
 * the jm_log made from it. Fill with jm_options_init, then change what you need. */
typedef struct jm_options {
    /* Column names set by flag, or NULL to find the role by header name. A name is matched
     * exactly first, then ignoring case, spaces, '_' and '-'; "#N" is the N-th column (from 1).
     * Case and activity may join several columns with '+' ("concept:name+lifecycle"): their
     * values are joined with '+' (empty values left out). */
    const char *column[JM_ROLE_COUNT];
    char delimiter;          /* 0: sniff from the header line (',' ';' TAB '|'), or take it
                                from an Excel "sep=X" first line */
    size_t skip_lines;       /* physical lines before the header, skipped unread */
    bool trim_ids;           /* strip spaces and tabs around case and customer ids */
    /* Wide call records: "NAME=START..END,..." turns each row into one event per stage whose
     * start is neither empty nor stages_empty (activity NAME, times from the two columns, each
     * a name or #N). A row gives all its stages or is rejected whole: rows = rows kept +
     * rejected, and events counts the stages of the rows kept. NULL: one event a row. */
    const char *stages;
    const char *stages_date; /* the column of the date when stage columns hold a time of day */
    const char *stages_empty; /* a stage start holding this is empty (e.g. "0:00:00") */
    bool dedupe;             /* drop rows that repeat an earlier row byte for byte (they are
                                counted either way: jm_input_stats.duplicate_rows) */
    const char *time_format; /* strptime format, or NULL for the automatic formats */
    const char *tz;          /* IANA zone for times without offset; NULL: UTC */
    size_t field_limit;      /* longest field in bytes (default 1 MiB) */
    uint64_t max_rejects;    /* stop with JM_EREJECTS once more are rejected; UINT64_MAX: never */
    int64_t split_gap_ms;    /* > 0: a wait longer than this starts a new journey */
    jm_step_mode step;
    size_t top;              /* variants listed: 0 means all */
    unsigned collapse_loops; /* > 0: runs of one repeated step shortened to this many */
    int64_t long_wait_ms;    /* threshold of a long wait (default 48 h) */
    double map_steps_pct;    /* process map: keep the most frequent steps holding this
                                percentage of events (default 100: all) */
    double map_edges_pct;    /* process map: keep the most frequent transitions holding this
                                percentage of the count (default 100: all) */
    bool keep_journeys;      /* keep one row per journey for jm_write_journeys */
    uint64_t memory_bytes;   /* > 0: keep at most this many bytes of events in memory; the
                                rest goes to temporary files in $TMPDIR (unlinked at once,
                                mode 0600), partitioned by case, and journeys are rebuilt
                                one partition at a time. The output is the same. */
    unsigned threads;        /* threads reading a plain file; 0: one per online core. The
                                output is the same for every count. */
    uint64_t block_bytes;    /* a plain file is split for threads into blocks of this size;
                                0: chosen from the file size (files under 4 MiB are read on
                                one thread). Small values exist for tests. */
    jm_reject_fn on_reject;  /* called for every rejected row, or NULL */
    bool reject_rows;        /* on_reject needs the rows' fields (else jm_reject.fields is
                                NULL): every field is then copied as it is read */
    void *on_reject_data;
    jm_notice_fn on_notice;  /* or NULL */
    void *on_notice_data;
    jm_progress_fn on_progress; /* or NULL */
    void *on_progress_data;
} jm_options;

/* Fill opt with the defaults. */
void jm_options_init(jm_options *opt);

/* Parse a duration such as "30d", "48h", "90m", "45s", "1500ms", "1.5h" or a bare number of
 * seconds into milliseconds. Returns false if s is not a non-negative duration. */
bool jm_parse_duration(const char *s, int64_t *ms);

/* Parse a size such as "400M", "2G", "64k" or a bare number of bytes. Returns false on error. */
bool jm_parse_size(const char *s, uint64_t *bytes);

/* ---- The log: ingest ------------------------------------------------------ */

typedef struct jm_log jm_log;

/* A new, empty log reading with the given options (borrowed; see jm_options). Returns NULL if the
 * options cannot be used (bad --tz or --time-format); then *err, if err is not NULL, receives a
 * message the caller frees with free(). */
jm_log *jm_log_new(const jm_options *opt, char **err);

/* Free the log and everything it holds. NULL is a no-op. */
void jm_log_free(jm_log *log);

/* Stream one file into the log; "-" reads standard input. Gzip is recognised by its magic bytes.
 * Returns JM_OK, JM_EINPUT (file unusable: jm_log_error says why, naming file and line or byte
 * offset), JM_EREJECTS (more than max_rejects rows rejected), JM_EUSAGE (a column named by
 * option is not in the header) or JM_EIO (the temporary files of memory_bytes could not be
 * written: a full disk, say). After an error the log must not be used further but to free it. */
jm_status jm_log_add_file(jm_log *log, const char *path);

/* The message of the last error, "FILE:LINE: reason" where a line is known, or "" if none.
 * Owned by the log; valid until the next call on it. */
const char *jm_log_error(const jm_log *log);

/* ---- The report: every analysis over the log's journeys -------------------- */

typedef struct jm_report jm_report;

/* Rebuild the journeys of the log and run every analysis. The log's events are consumed, and the
 * report borrows the log's names: free the report first, then the log. On JM_OK *out receives a
 * report freed with jm_report_free; JM_EUSAGE if the log was already consumed. */
jm_status jm_report_build(jm_log *log, jm_report **out);

/* Free a report. NULL is a no-op. */
void jm_report_free(jm_report *rep);

/* Input accounting: rows read = events + rejected, always. */
typedef struct jm_input_stats {
    uint64_t files;
    uint64_t rows;
    uint64_t events;
    uint64_t rejected;
    uint64_t rejected_by_reason[JM_REJECT_COUNT];
    uint64_t blank_lines;     /* lines with no fields at all: not rows */
    uint64_t split_fallbacks; /* files whose split for threads was misled by stray quotes and
                                 read on from there on one thread (the output is the same) */
    uint64_t duplicate_rows;  /* rows that repeat an earlier row of the log byte for byte */
    uint64_t duplicates_dropped; /* of those, dropped (jm_options.dedupe): then rows = events
                                    (or rows kept, with stages) + rejected + dropped */
} jm_input_stats;

/* Fill *st with the input accounting of the report. */
void jm_report_input_stats(const jm_report *rep, jm_input_stats *st);

/* Output formats. Not every writer takes every format; see each one. */
typedef enum {
    JM_FORMAT_TEXT,
    JM_FORMAT_JSON,
    JM_FORMAT_MD,
    JM_FORMAT_CSV,
    JM_FORMAT_DOT
} jm_format;

/* Write the whole report (text, json or md). Returns JM_OK, JM_EUSAGE for a format it does not
 * take, or JM_EIO if the stream reports an error. */
jm_status jm_write_report(const jm_report *rep, jm_format fmt, FILE *out);

/* Write the variant table (text, csv or json). Errors as jm_write_report. */
jm_status jm_write_variants(const jm_report *rep, jm_format fmt, FILE *out);

/* Write one CSV row per journey (csv only): case id, start, end, events, channels, switches,
 * self-loops, repetitions, longest wait, variant id; sorted by case id, then start. Needs
 * jm_options.keep_journeys, else JM_EUSAGE. Errors as jm_write_report. */
jm_status jm_write_journeys(const jm_report *rep, jm_format fmt, FILE *out);

/* Write the process map (dot or json), cut to the share of steps and transitions the options
 * ask for, the cut stated on it. Errors as jm_write_report. */
jm_status jm_write_map(const jm_report *rep, jm_format fmt, FILE *out);

/* Write one row as RFC 4180 CSV with the given delimiter, quoting the fields that need it and
 * keeping their bytes, then a LF. Used for the rejects file. Returns JM_OK or JM_EIO. */
jm_status jm_write_csv_row(FILE *out, char delimiter, size_t n, const char *const *fields,
                           const size_t *lens);

/* The library's version, e.g. "0.1.0". Static storage. */
const char *jm_version(void);

#ifdef __cplusplus
}
#endif

#endif /* JMINE_H */
