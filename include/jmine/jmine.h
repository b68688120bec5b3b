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

/* ---- Version -------------------------------------------------------------- */

/* The one place the version is written: CMakeLists.txt reads these three lines. */
#define JM_VERSION_MAJOR 0
#define JM_VERSION_MINOR 1
#define JM_VERSION_PATCH 0

/* MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 100 for 0.1.0: compare with >= in #if. */
#define JM_VERSION_NUMBER (JM_VERSION_MAJOR * 10000 + JM_VERSION_MINOR * 100 + JM_VERSION_PATCH)
/* "MAJOR.MINOR.PATCH", e.g. "0.1.0"; jm_version() returns the same string. */
#define JM_VERSION_STRING                                                                          \
    JM_VERSION_EXPAND_(JM_VERSION_MAJOR)                                                           \
    "." JM_VERSION_EXPAND_(JM_VERSION_MINOR) "." JM_VERSION_EXPAND_(JM_VERSION_PATCH)
#define JM_VERSION_QUOTE_(x) #x
#define JM_VERSION_EXPAND_(x) JM_VERSION_QUOTE_(x)

/*
 * Typical use: read one file, write the report as JSON. tests/api/example.c compiles and runs
 * exactly this code (a test checks that the two agree), with path the file to read:
 *
 *     jm_options opt;
 *     jm_options_init(&opt); // the defaults; change what you need
 *     char *err = NULL;
 *     jm_log *log = jm_log_new(&opt, &err);
 *     if (log == NULL) { // a --tz or --time-format that cannot be used
 *         fprintf(stderr, "%s\n", err);
 *         free(err);
 *         return jm_status_exit_code(JM_EUSAGE);
 *     }
 *     jm_status s = jm_log_add_file(log, path); // once per file: several files are one log
 *     jm_report *rep = NULL;
 *     if (s == JM_OK)
 *         s = jm_report_build(log, &rep);
 *     if (s == JM_OK)
 *         s = jm_write_report(rep, JM_FORMAT_JSON, stdout);
 *     if (s != JM_OK)
 *         fprintf(stderr, "%s: %s\n", jm_strerror(s), jm_log_error(log));
 *     jm_report_free(rep); // the report first: it borrows the log's names
 *     jm_log_free(log);
 *     return jm_status_exit_code(s);
 *
 * The library never prints and never exits. Out of memory aborts.
 */

/* ---- Status codes ------------------------------------------------------ */

/* XX(name, exit code of the tool, message). Each function below lists the statuses it returns;
 * JM_EINTERNAL is returned by none today (the tool's exit code 1 for a bug it catches). */
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
    XX(RESOURCE, "resource")                                                                       \
    XX(LIFECYCLE, "lifecycle")

typedef enum {
#define JM_XX(name, key) JM_ROLE_##name,
    JM_ROLE_MAP(JM_XX)
#undef JM_XX
        JM_ROLE_COUNT
} jm_role;

/* The report key of a role, e.g. "start". Static storage. */
const char *jm_role_key(jm_role r);

/* ---- Options -------------------------------------------------------------- */

/* Lifecycle transitions (SPEC §11): whether a start row and its complete row become one event.
 * JM_LIFECYCLE_AUTO pairs when every value of the lifecycle column is a transition of the XES
 * lifecycle model and at least one is "start"; PAIR always pairs, KEEP never does. NONE is a
 * report's mode only: the log has no lifecycle column. */
typedef enum {
    JM_LIFECYCLE_AUTO,
    JM_LIFECYCLE_PAIR,
    JM_LIFECYCLE_KEEP,
    JM_LIFECYCLE_NONE
} jm_lifecycle_mode;

/* The transitions of the XES lifecycle model, XX(name, value), then JM_LC_OUTSIDE for any other
 * value. Values are compared ignoring case. */
#define JM_LC_MAP(XX)                                                                              \
    XX(SCHEDULE, "schedule")                                                                       \
    XX(ASSIGN, "assign")                                                                           \
    XX(WITHDRAW, "withdraw")                                                                       \
    XX(REASSIGN, "reassign")                                                                       \
    XX(START, "start")                                                                             \
    XX(SUSPEND, "suspend")                                                                         \
    XX(RESUME, "resume")                                                                           \
    XX(PI_ABORT, "pi_abort")                                                                       \
    XX(ATE_ABORT, "ate_abort")                                                                     \
    XX(COMPLETE, "complete")                                                                       \
    XX(AUTOSKIP, "autoskip")                                                                       \
    XX(MANUALSKIP, "manualskip")                                                                   \
    XX(UNKNOWN, "unknown")

typedef enum {
#define JM_XX(name, value) JM_LC_##name,
    JM_LC_MAP(JM_XX)
#undef JM_XX
        JM_LC_OUTSIDE, /* a value outside the model */
    JM_LC_COUNT
} jm_lc_value;

/* The value of a transition, e.g. "complete"; "(outside the XES model)" for JM_LC_OUTSIDE.
 * Static storage. */
const char *jm_lc_name(jm_lc_value v);

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
    bool made_rows; /* the file is not CSV (XES): its rows were made by the reader, one per
                       event, and a rejects file gives each its line and reason as columns */
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

/* One filter of a run (SPEC §12), as the command line gives it: name is the option without its
 * dashes ("where", "from", "to", "window", "with", "without", "starts-with", "ends-with",
 * "follows", "eventually", "size", "duration", "keep-coverage"), value its argument. */
typedef struct jm_filter_arg {
    const char *name;
    const char *value;
} jm_filter_arg;

/* Options of a run. The caller owns the struct and every string it points to; they must outlive
 * the jm_log made from it. Fill with jm_options_init, then change what you need. */
typedef struct jm_options {
    /* Column names set by flag, or NULL to find the role by header name. A name is matched
     * exactly first, then ignoring case, spaces, '_' and '-'; "#N" is the N-th column (from 1).
     * Case and activity may join several columns with '+' ("concept:name+lifecycle"): their
     * values are joined with '+' (empty values left out). An empty name ("") for the end,
     * channel, customer, resource or lifecycle says the log has none: a column the header
     * names like one is then read as any other (e.g. a customer's view left out). */
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
    const char *time_format; /* NULL: found by looking (a sample of the first file's start
                                column tried as ISO 8601, epoch and a table of spreadsheet
                                and locale patterns; see README); "excel": Excel serial days
                                (1900 date system); else a strptime format */
    const char *encoding;    /* iconv name of the files' text encoding (e.g. "WINDOWS-1252"),
                                converted to UTF-8 as read; NULL: UTF-8. A UTF-16 byte-order
                                mark is found by itself and wins, as does a UTF-8 one. */
    const char *tz;          /* IANA zone for times without offset; NULL: UTC */
    size_t field_limit;      /* longest field in bytes (default 1 MiB) */
    uint64_t max_rejects;    /* stop with JM_EREJECTS once more are rejected; UINT64_MAX: never */
    int64_t split_gap_ms;    /* > 0: a wait longer than this starts a new journey */
    jm_step_mode step;
    jm_lifecycle_mode lifecycle; /* AUTO (default), PAIR or KEEP */
    size_t top;              /* variants listed: 0 means all */
    bool full_rankings;      /* finish every row of every ranking whatever top says (the
                                medians of rows not listed are otherwise left unsorted):
                                needed by jm_history_append */
    uint64_t min_journeys;   /* > 1: every variant, transition, map step and edge, channel
                                switch and step seen in fewer than this many journeys is
                                folded into one "(other)" row in the report, variants table,
                                map and history (SPEC §8; privacy.min_journeys says so) */
    unsigned collapse_loops; /* > 0: runs of one repeated step shortened to this many */
    int64_t long_wait_ms;    /* threshold of a long wait (default 48 h) */
    /* The customer's view (SPEC §9), with a customer column: a journey followed by another of
     * the same customer starting within this long after its end is followed by a repeat
     * (default 7 d). */
    int64_t repeat_window_ms;
    const char *self_service; /* "web,bot,...": the self-service channels, or NULL */
    unsigned max_handovers;   /* with a resource column: journeys with more handovers than
                                 this are counted (default 3) */
    /* Business time: "CH=Mon-Fri 08:00-18:00; *=Mon-Fri 08:00-17:00" (opening hours per
     * channel, read in tz), or NULL; and the holidays (ISO dates, closed all day). */
    const char *calendar;
    const char *holidays_file; /* the file the dates came from (named in the state) */
    const char *holidays;      /* its text: ISO dates, one a line (borrowed), or NULL */
    double map_steps_pct;    /* process map: keep the most frequent steps holding this
                                percentage of events (default 100: all) */
    double map_edges_pct;    /* process map: keep the most frequent transitions holding this
                                percentage of the count (default 100: all) */
    bool map_cut;            /* map_steps_pct or map_edges_pct was asked for: jm_write_map's
                                SVG draws that cut; without, the analyst's page's default
                                level (at most 30 steps, SPEC §7) */
    bool keep_journeys;      /* keep one row per journey for jm_write_journeys */
    /* Filters (SPEC §12), applied in this order: "where" filters as rows are read (rows they
     * drop counted in jm_input_stats.filtered_rows), the others on journeys after --split-gap
     * and lifecycle pairing; the time window (from, to, window) stands where "from" or "to"
     * first does. Checked by jm_log_new (a bad value: NULL and a message). */
    const jm_filter_arg *filters;
    size_t nfilters;
    double coverage_pct;     /* > 0: the variants listed are the fewest top ones whose
                                cumulative share reaches this percentage (instead of top) */
    uint64_t memory_bytes;   /* > 0: keep at most this many bytes of events in memory; the
                                rest goes to temporary files in $TMPDIR (unlinked at once,
                                mode 0600), partitioned by case, and journeys are rebuilt
                                one partition at a time. The output is the same. */
    unsigned threads;        /* threads reading a plain file; 0: one per online core. The
                                output is the same for every count. */
    uint64_t block_bytes;    /* a plain file is split for threads into blocks of this size;
                                0: chosen from the file size (files under 4 MiB are read on
                                one thread). Small values exist for tests. */
    const char *pseudo_key;  /* --pseudonymize: the key's bytes (borrowed), or NULL. Every case
                                and customer id the library writes (report, journeys, state,
                                rejected rows' fields, notices) is then its pseudonym: the
                                first 16 hex digits of HMAC-SHA-256(key, id) */
    size_t pseudo_key_len;
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

/* Parse a duration into milliseconds: one or more numbers, each followed by its unit, added up:
 * "2d12h", "90m", "1h30m", "45s", "500ms", "1.5h", "2w". Units: w (weeks), d, h, m or min,
 * s, ms. A bare number ("30") is refused: it has no unit, and seconds are never assumed.
 * Returns false if s is not such a non-negative duration. */
bool jm_parse_duration(const char *s, int64_t *ms);

/* Why jm_parse_duration refused a value, so that a caller can say what is missing. */
typedef enum {
    JM_DURATION_OK,
    JM_DURATION_NO_UNIT, /* a bare number such as "30": a unit is needed */
    JM_DURATION_BAD      /* anything else that is not a duration */
} jm_duration_error;

/* jm_parse_duration, telling a bare number from other mistakes. *ms is set on JM_DURATION_OK. */
jm_duration_error jm_parse_duration_ex(const char *s, int64_t *ms);

/* Parse a size such as "400M", "2G", "64k" or a bare number of bytes. Returns false on error. */
bool jm_parse_size(const char *s, uint64_t *bytes);

/* ---- The log: ingest ------------------------------------------------------ */

typedef struct jm_log jm_log;

/* A new, empty log reading with the given options (borrowed; see jm_options). Returns NULL if the
 * options cannot be used (a tz, time_format or encoding that cannot be read, a filter whose
 * value is malformed: "--size 5..2", an instant that does not parse; the tool exits 2); then *err, if err is not NULL, receives a message the caller frees with free(). */
jm_log *jm_log_new(const jm_options *opt, char **err);

/* Free the log and everything it holds. NULL is a no-op. */
void jm_log_free(jm_log *log);

/* Stream one file into the log; "-" reads standard input. What the file is is told by its bytes:
 * gzip, zstd, bzip2 and xz are decompressed; a zip archive adds each member as a file of its
 * own (named "ARCHIVE:MEMBER"); UTF-16 with a byte-order mark is converted to UTF-8; XES is read
 * by its own reader; an Excel workbook, UTF-32 and other binaries are refused with JM_EINPUT
 * and a message saying what the file is and what to do. Without a time_format, the file's start
 * times are sampled first (until some file's sample reads a time, which fixes the format for
 * the log); a start time that stays ambiguous (day and month read either way) is JM_EINPUT
 * naming the --time-format of each reading, and start times that look like Excel serial days
 * are named through on_notice. Rejected rows are counted (and handed to on_reject), not
 * errors. Returns:
 *   JM_OK        the file was read;
 *   JM_EINPUT    the file is unusable: it cannot be opened or read, its compressed data is
 *                truncated or corrupt, it is of a kind refused above, it has no header or a
 *                header line over 16 MiB, a quoted field is still open at its end, its XML is
 *                malformed, a required role (case, activity, start) has no column or two
 *                columns tie for a role, or the step mode needs a channel column that is not
 *                there, or its start times stay ambiguous;
 *   JM_EUSAGE    a column named in jm_options.column names no column of the header, or
 *                several; or the log was already consumed by jm_report_build;
 *   JM_EREJECTS  more than jm_options.max_rejects rows were rejected;
 *   JM_EIO       the temporary files of memory_bytes could not be written (a full disk, say).
 * On every error jm_log_error says why, naming the file and the line (or the byte offset)
 * where one is known. After an error the log must not be used further but to free it. */
jm_status jm_log_add_file(jm_log *log, const char *path);

/* The message of the last error, "FILE:LINE: reason" where a line is known, or "" if none.
 * Owned by the log; valid until the next call on it. */
const char *jm_log_error(const jm_log *log);

/* ---- The report: every analysis over the log's journeys -------------------- */

typedef struct jm_report jm_report;

/* Rebuild the journeys of the log and run every analysis. The log's events are consumed, and the
 * report borrows the log's names: free the report first, then the log. Returns:
 *   JM_OK      *out receives a report freed with jm_report_free (a log with no rows at all
 *              gives a valid, empty report);
 *   JM_EUSAGE  the log was already consumed by an earlier call;
 *   JM_EINPUT  rows were read and every one was rejected: jm_log_error gives the reasons, and a
 *              --time-format hint when start times did not parse;
 *   JM_EIO     events spilled to temporary files (jm_options.memory_bytes) could not be read
 *              back; jm_log_error says why.
 * On an error *out is left as it was, and the log can only be freed. */
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
    /* Lifecycle (SPEC §11): the mode applied (NONE without a lifecycle column), why, the rows
     * of each transition (empty fields are not counted), and when pairing: the complete rows
     * merged into their start, and the rows of other transitions, which are no events. Then
     * rows = events + rejected + lifecycle_paired + lifecycle_other. */
    jm_lifecycle_mode lifecycle_mode;
    const char *lifecycle_why; /* static storage */
    uint64_t lifecycle_rows[JM_LC_COUNT];
    uint64_t lifecycle_paired;
    uint64_t lifecycle_other;
    uint64_t duplicate_rows;  /* rows that repeat an earlier row of the log byte for byte */
    uint64_t duplicates_dropped; /* of those, dropped (jm_options.dedupe): then rows = events
                                    (or rows kept, with stages) + rejected + dropped */
    uint64_t filtered_rows;   /* rows a row filter (--where) dropped: they add to the right-hand
                                 side of every equation above */
} jm_input_stats;

/* Fill *st with the input accounting of the report. */
void jm_report_input_stats(const jm_report *rep, jm_input_stats *st);

/* Output formats. Not every writer takes every format; see each one. */
typedef enum {
    JM_FORMAT_TEXT,
    JM_FORMAT_JSON,
    JM_FORMAT_MD,
    JM_FORMAT_CSV,
    JM_FORMAT_DOT,
    /* The process map as an SVG picture, laid out in-process by Graphviz's libraries (libgvc,
     * libcgraph); only in a build that found them (jm_format_built). */
    JM_FORMAT_SVG,
    /* The analyst's page (jm_write_report only): one self-contained HTML file, the JSON report
     * embedded, the map laid out by Graphviz where the build has it (SPEC §7). */
    JM_FORMAT_HTML
} jm_format;

/* Whether this build has a writer for fmt: false for JM_FORMAT_SVG in a build made without
 * Graphviz's libraries, true for every other format. */
bool jm_format_built(jm_format fmt);

/* Write the whole report: JM_FORMAT_TEXT, JM_FORMAT_JSON (docs/report.schema.json),
 * JM_FORMAT_MD or JM_FORMAT_HTML (Graphviz runs on the calling thread, as for the map's SVG). Returns JM_OK; JM_EUSAGE for another format (nothing is written); JM_EIO if
 * the stream's error indicator is set after writing (ferror), the caller's to report. */
jm_status jm_write_report(const jm_report *rep, jm_format fmt, FILE *out);

/* Write the variant table: JM_FORMAT_TEXT, JM_FORMAT_MD, JM_FORMAT_CSV or JM_FORMAT_JSON
 * (docs/variants.schema.json; the CSV columns in docs/outputs.md). Returns JM_OK, JM_EUSAGE for
 * another format (nothing is written) or JM_EIO, as jm_write_report. */
jm_status jm_write_variants(const jm_report *rep, jm_format fmt, FILE *out);

/* Write one CSV row per journey (JM_FORMAT_CSV only): case id, start, end, events, channels,
 * switches, self-loops, repetitions, longest wait, variant id; sorted by case id, then start
 * (docs/outputs.md). Returns JM_OK; JM_EUSAGE for another format or when the log was read
 * without jm_options.keep_journeys (nothing is written); JM_EIO as jm_write_report. */
jm_status jm_write_journeys(const jm_report *rep, jm_format fmt, FILE *out);

/* Write the process map, JM_FORMAT_DOT, JM_FORMAT_JSON (docs/map.schema.json) or JM_FORMAT_SVG
 * (laid out by Graphviz on the calling thread: Graphviz is not thread safe, so never call this
 * with JM_FORMAT_SVG from two threads at once), cut to the share of steps and transitions the
 * options ask for, the cut stated on it; JM_FORMAT_SVG without jm_options.map_cut draws the
 * analyst's page's default level instead (at most 30 steps, the cut stated). Returns JM_OK, JM_EUSAGE for another format or for
 * JM_FORMAT_SVG in a build without Graphviz (nothing is written) or JM_EIO, as
 * jm_write_report. */
jm_status jm_write_map(const jm_report *rep, jm_format fmt, FILE *out);

/* ---- States: partial analyses that merge (SPEC §10, docs/state-format.md) ---- */

/* Write the report's complete partial state: every analysis's aggregates keyed by names (steps,
 * channels, case ids), the input accounting, and the options that change the analysis, in
 * the versioned binary format of docs/state-format.md. Equal states give equal bytes. Value
 * lists in the report are sorted in place (nothing it writes changes). Returns JM_OK, JM_EIO
 * if the stream reports an error, or JM_EUSAGE (nothing written) for a log read with a
 * "keep-coverage" filter: which variants cover P % depends on every shard's journeys, so no
 * partial state can hold it. */
jm_status jm_report_save_state(jm_report *rep, FILE *out);

/* A merge of states made from logs whose case ids are disjoint: its report is the report of
 * one run over all their files, in the order the states were added. */
typedef struct jm_merge jm_merge;

/* A new merge. opt gives what only the output depends on (top, map_steps_pct, map_edges_pct,
 * threads); the analysis options come from the states. opt is copied. Returns NULL (with a
 * message in *err, freed by the caller, if err is not NULL) as jm_log_new does. */
jm_merge *jm_merge_new(const jm_options *opt, char **err);

/* Free the merge. Free a report it gave first. NULL is a no-op. */
void jm_merge_free(jm_merge *m);

/* Read a state file ("-": standard input) and merge it in. Returns JM_OK; JM_EINPUT when the
 * file cannot be read, is not a state, is truncated or malformed, is of another format or
 * jmine version, or was made with other analysis options than the first (jm_merge_error
 * names the file, and the option with both values); JM_EUSAGE after an error or once the
 * report was taken. After an error the merge can only be freed. */
jm_status jm_merge_add_file(jm_merge *m, const char *path);

/* The same for a state held in memory: the n bytes at bytes (borrowed for the call), named
 * name in messages (as an MPI rank's or a database's state would be). */
jm_status jm_merge_add_state(jm_merge *m, const char *name, const void *bytes, size_t n);

/* The message of the last error, or "". Owned by the merge; valid until the next call. */
const char *jm_merge_error(const jm_merge *m);

/* Finish the merge: on JM_OK *out receives the report of the merged states, written with the
 * jm_write_* functions and freed with jm_report_free before the merge (it borrows the merge's
 * names); JM_EUSAGE if no state was added, after an error, or if the report was taken;
 * JM_EINPUT if the states do not hold together (jm_merge_error says so). */
jm_status jm_merge_report(jm_merge *m, jm_report **out);

/* ---- History: runs kept in a SQLite database (SPEC §8, docs/history.md) ---------- */

/* What the caller knows of a run that the report does not: when it started, which command
 * made it ("report" or "merge"), and the files it read (logs, or states), as named. */
typedef struct jm_history_run {
    int64_t started_ms; /* UTC milliseconds since the epoch */
    const char *command;
    const char *const *inputs; /* "-" is standard input (its digest is unknown) */
    size_t ninputs;
} jm_history_run;

/* Append the report to the history database at db_path (created if missing, its schema
 * upgraded in place if older), in one transaction: the run (its times, jmine version, the
 * analysis options, each input's size and SHA-256, which are hashed here), every headline
 * figure, and every variant, transition, step and channel switch, whatever --top says. A run of
 * the same command, input digests and options replaces the earlier one under its id. The
 * database is put in WAL mode and a writer waits up to two minutes for another's transaction.
 * The log (or merge) must have been made with jm_options.full_rankings, else JM_EUSAGE. On JM_OK *run_id (if not NULL) receives the run's id. Returns JM_EINPUT when the file is not
 * a jmine history (another SQLite database, another file) or its schema is newer than this
 * jmine; JM_EIO when it cannot be written (nothing of the run is then kept); *err then
 * receives a message the caller frees with free(). */
jm_status jm_history_append(const jm_report *rep, const char *db_path, const jm_history_run *run,
                            int64_t *run_id, char **err);

/* Whether db_path can take a run: JM_OK when it does not exist, is empty, or is a jmine
 * history of a schema this jmine writes or upgrades; JM_EINPUT (with *err, freed by the caller)
 * for any other file. Reads only: a run checks its --history before it reads its inputs. */
jm_status jm_history_check(const char *db_path, char **err);

/* Write run (its id, "last", or "last-K": the K-th run before the last, by id) of the history
 * at db_path as a JSON report: "history" (db, run, started_at, finished_at, version,
 * command), every headline figure at its place in the report (journeys.count, ...), and every
 * row the history keeps: variants.top (all), waits.by_transition, steps, channels.matrix.
 * jmine diff reads it as it reads a report. Returns JM_OK; JM_EINPUT when the file is not a
 * readable history or holds no such run (*err says which, freed by the caller); JM_EIO on a
 * write error (ferror). */
jm_status jm_history_write_run(const char *db_path, const char *run, FILE *out, char **err);

/* Write the trend of the history at db_path: its last `last` runs (0: all), oldest first, each
 * with every headline figure (trend.runs[]{run, started_at, kpis{}}); with variant (an id), that
 * variant's count and share in each run too (0 where it is absent). fmt: JM_FORMAT_TEXT,
 * JM_FORMAT_MD, JM_FORMAT_CSV or JM_FORMAT_JSON (docs/trend.schema.json); JM_EUSAGE for another.
 * JM_EINPUT and JM_EIO as jm_history_write_run. */
jm_status jm_history_trend(const char *db_path, size_t last, const char *variant, jm_format fmt,
                           FILE *out, char **err);

/* Write one row as RFC 4180 CSV with the given delimiter, quoting the fields that need it and
 * keeping their bytes, then a LF. Used for the rejects file. Returns JM_OK, or JM_EIO if the
 * stream's error indicator is set after writing. */
jm_status jm_write_csv_row(FILE *out, char delimiter, size_t n, const char *const *fields,
                           const size_t *lens);

/* The library's version, JM_VERSION_STRING as the library was built, e.g. "0.1.0". Static
 * storage. */
const char *jm_version(void);

#ifdef __cplusplus
}
#endif

#endif /* JMINE_H */
