/* SPDX-License-Identifier: MIT */
/* Timestamps: parse the formats of SPEC §1 into UTC milliseconds, and format them back. */
#ifndef JM_TIMEPARSE_H
#define JM_TIMEPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How to read times: the automatic formats or one strptime format, and the zone of times that
 * carry no offset. Immutable once made, so threads may share one. */
typedef struct jm__timefmt jm__timefmt;

/* A reader for format in zone tz (NULL or "UTC": UTC; else an IANA name). format is NULL for
 * the automatic formats, "excel" for Excel serial days (1900 date system, the fraction the
 * time of day), a strptime format, of which those that spell a pattern of the table below
 * ("%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M %p", ...) are read by the pattern's own parser.
 * Returns NULL on an unknown zone or an unusable format; then *err, if err is not NULL,
 * receives a one-line message the caller frees with free(). */
jm__timefmt *jm__timefmt_new(const char *format, const char *tz, char **err);

/* Free a reader. NULL is a no-op. */
void jm__timefmt_free(jm__timefmt *tf);

/* Parse the n bytes at s (not NUL-terminated; ASCII spaces around are ignored) into
 * milliseconds since 1970-01-01T00:00:00Z, truncating finer fractions. Returns false if the
 * text is not a time in the reader's formats or is out of range (years 1 to 9999). */
bool jm__time_parse(const jm__timefmt *tf, const char *s, size_t n, int64_t *ms);

/* What one thread's parsing remembers between calls: the last date read and its day number,
 * so that a date seen again is neither validated nor counted again. Start from JM_TIME_MEMO. */
typedef struct jm__time_memo {
    int64_t y;
    int mo, d;
    int64_t days;
} jm__time_memo;

#define JM_TIME_MEMO ((jm__time_memo){0, 0, 0, 0}) /* year 0 never matches: years are 1-9999 */

/* jm__time_parse with a memo (NULL: none); the same results. */
bool jm__time_parse_memo(const jm__timefmt *tf, jm__time_memo *memo, const char *s, size_t n,
                         int64_t *ms);

/* The reader's name in reports: "ISO 8601", "DD.MM.YYYY HH:MM", the --time-format given, ...
 * Static storage of the reader. */
const char *jm__timefmt_name(const jm__timefmt *tf);

/* Whether the format is still to be found: no --time-format was given and no sample has been
 * decided on (jm__time_guess_decide). The reader then reads the automatic formats. */
bool jm__timefmt_undecided(const jm__timefmt *tf);

/* ---- Finding the format by looking (SPEC §1.1) ----
 * Values of the start column are offered one by one; each is tried by the automatic reader
 * (ISO 8601, epoch) and by every pattern of a table of spreadsheet and locale formats
 * (DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY, DD-MM-YYYY, MM-DD-YYYY, YYYY-MM-DD, YYYY/MM/DD,
 * YYYY.MM.DD, DD-Mon-YYYY, DD Mon YYYY; each with an optional time H:MM[:SS[.fff]] and
 * AM/PM). The reader that reads them all is picked; values no reader takes are left out. */
typedef struct jm__time_guess jm__time_guess;

jm__time_guess *jm__time_guess_new(void);

/* Free a guess. NULL is a no-op. */
void jm__time_guess_free(jm__time_guess *g);

/* Offer one value (n bytes at s; spaces around are ignored, an empty value is not counted). */
void jm__time_guess_add(jm__time_guess *g, const char *s, size_t n);

/* Values offered that some reader reads. */
uint64_t jm__time_guess_values(const jm__time_guess *g);

/* True when one reader reads every value offered so far and no reader of another order of day
 * and month does, so that more values could only take readers away (and the automatic reader's
 * values are not all within 1970-01-01): a stream's sample may stop there. */
bool jm__time_guess_settled(const jm__time_guess *g);

/* True when the automatic reader read values and every one of them is an epoch time within
 * 1970-01-01: more likely Excel serial days than times of the first day of 1970. */
bool jm__time_guess_epoch_1970(const jm__time_guess *g);

typedef enum {
    JM_GUESS_NONE,     /* no value was read by any reader: tf is left as it is */
    JM_GUESS_PICKED,   /* tf now reads with the reader that read the most values, and is named
                          after it */
    JM_GUESS_AMBIGUOUS /* two readers that order day and month differently read the same,
                          most, values: *msg (malloc'd) names both and the --time-format of
                          each */
} jm__guess_verdict;

/* Decide, and set the automatic reader tf to the reader picked. Call before tf is shared by
 * threads. Among readers that read as many values, the automatic reader comes first, then the
 * table in its order; readers of one order of day and month read a value they share alike. */
jm__guess_verdict jm__time_guess_decide(const jm__time_guess *g, jm__timefmt *tf, char **msg);

/* Write ms as RFC 3339 in UTC, "YYYY-MM-DDThh:mm:ssZ", with ".mmm" before the Z when the
 * milliseconds are not zero, NUL-terminated, into buf (32 bytes at least). Returns the length. */
size_t jm__time_format(int64_t ms, char *buf);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative before 1970). */
int64_t jm__days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
