/* SPDX-License-Identifier: MIT */
/* CSV output per RFC 4180: a field is quoted when it holds the delimiter, a quote, CR or LF. */
#include "csvout.h"

#include <jmine/jmine.h>

void jm__csv_field(FILE *out, char delimiter, const char *s, size_t len)
{
    bool quote = false;
    for (size_t k = 0; k < len && !quote; k++)
        quote = s[k] == delimiter || s[k] == '"' || s[k] == '\r' || s[k] == '\n';
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t k = 0; k < len; k++) {
        if (s[k] == '"')
            fputc('"', out);
        fputc(s[k], out);
    }
    fputc('"', out);
}

jm_status jm_write_csv_row(FILE *out, char delimiter, size_t n, const char *const *fields,
                           const size_t *lens)
{
    /* One empty field alone would be an empty line, which reads back as no row at all. */
    if (n == 1 && lens[0] == 0) {
        fputs("\"\"\n", out);
        return ferror(out) ? JM_EIO : JM_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputc(delimiter, out);
        jm__csv_field(out, delimiter, fields[i], lens[i]);
    }
    fputc('\n', out);
    return ferror(out) ? JM_EIO : JM_OK;
}
