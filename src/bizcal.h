/* SPDX-License-Identifier: MIT */
/* Business time (SPEC §9): opening hours per channel (--calendar), read in a time zone, with
 * holidays; the part of an interval that falls inside them. */
#ifndef JM_BIZCAL_H
#define JM_BIZCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A calendar: its entries (a channel name, or "*" for the rest) and each one's opening hours by
 * weekday, the zone they are read in, and the holidays (closed all day). Immutable once made,
 * so threads may share one. */
typedef struct jm__bizcal jm__bizcal;

/* Parse spec ("phone=Mon-Fri 08:00-18:00; email=Mon-Sun 00:00-24:00; *=Mon-Fri 08:00-17:00";
 * an entry may list several day and hour ranges, separated by ',': "Mon-Fri 08:00-12:00,
 * Mon-Fri 13:00-17:00, Sat 10:00-14:00"; days Mon..Sun, a single day or a range that may wrap,
 * "Sat-Mon"; hours HH:MM-HH:MM with 24:00 for the end of the day), in zone tz (NULL or "UTC":
 * UTC; else an IANA name), with holidays (text of ISO dates, one a line; '#' starts a comment
 * line; NULL: none). NULL with a malloc'd one-line message in *err when something does not
 * parse. */
jm__bizcal *jm__bizcal_new(const char *spec, const char *tz, const char *holidays, char **err);

void jm__bizcal_free(jm__bizcal *c);

/* The entry for a channel name (n bytes at ch; NULL: an event without a channel): its own, or
 * "*"; -1 when neither (then the channel is always open: business time is wall-clock time). */
int jm__bizcal_entry(const jm__bizcal *c, const char *ch, size_t n);

/* The milliseconds of [a, b) (UTC ms) inside entry e's opening hours, holidays closed; b <= a
 * gives 0. Entry -1: b - a. */
int64_t jm__bizcal_ms(const jm__bizcal *c, int e, int64_t a, int64_t b);

/* The holidays' text (ISO dates, one a line; blank lines and spaces ignored) as one canonical
 * line: the dates sorted and each once, joined by ','; malloc'd. Lines that are no date are
 * left out (jm__bizcal_new refuses them). */
char *jm__holidays_canon(const char *text);

#endif
