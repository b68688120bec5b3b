/* SPDX-License-Identifier: MIT */
/* CSV output per RFC 4180, one field at a time. */
#ifndef JM_CSVOUT_H
#define JM_CSVOUT_H

#include <stddef.h>
#include <stdio.h>

/* Write one field, quoted when it holds the delimiter, a quote, CR or LF, bytes kept. */
void jm__csv_field(FILE *out, char delimiter, const char *s, size_t len);

#endif
