/* SPDX-License-Identifier: MIT */
/* Business time (SPEC §9): opening hours per channel (--calendar), read in a time zone, with
 * holidays; the part of an interval that falls inside them. */
#ifndef JM_BIZCAL_H
#define JM_BIZCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The holidays' text (ISO dates, one a line; blank lines and spaces ignored) as one canonical
 * line: the dates sorted and each once, joined by ','; malloc'd. Lines that are no date are
 * left out (jm__bizcal_new refuses them). */
char *jm__holidays_canon(const char *text);

#endif
