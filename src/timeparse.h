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

/* A reader for format (NULL: automatic) in zone tz (NULL or "UTC": UTC; else an IANA name).
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

/* Write ms as RFC 3339 in UTC, "YYYY-MM-DDThh:mm:ssZ", with ".mmm" before the Z when the
 * milliseconds are not zero, NUL-terminated, into buf (32 bytes at least). Returns the length. */
size_t jm__time_format(int64_t ms, char *buf);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative before 1970). */
int64_t jm__days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
