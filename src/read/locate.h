/* SPDX-License-Identifier: MIT */
/* Rows found again: the lines of rows with a given fingerprint, among a stretch of a file read
 * once more (for the notice that names rows that repeat, see report.c). */
#ifndef JM_LOCATE_H
#define JM_LOCATE_H

#include <stddef.h>
#include <stdint.h>

/* Read file path (not standard input) again from line first_line, which starts a record, with
 * delimiter delim, through at most rows records, and put in line[] the lines of the first
 * `want` records whose fingerprint (jm__row.fp's high 32 bits, the lowest bit set) is fp.
 * Returns how many were found: fewer than want when the file cannot be read again or the rows
 * are not there. */
size_t jm__locate_rows(const char *path, char delim, uint64_t first_line, uint64_t rows,
                       uint32_t fp, size_t want, uint64_t *line);

#endif
