/* SPDX-License-Identifier: MIT */
/* CSV output per RFC 4180 (a field is quoted when it holds the delimiter, a quote, CR or LF),
 * and the variants table read from the report model. */
#include "csvout.h"
#include "json.h"
#include "util.h"
#include "writer.h"

#include <jmine/jmine.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

/* Seconds of an MS value, or "" for null (a folded row's median, --min-journeys). */
static const char *secs_or_empty(char buf[32], const jm__mval *v)
{
    if (v != NULL && v->type == JM__M_NULL) {
        buf[0] = '\0';
        return buf;
    }
    return jm__fmt_secs(buf, jm__m_msv(v));
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

void jm__csv_variants(const jm__mval *root, FILE *out)
{
    fputs("rank,id,count,share,cumulative_share,median_duration_s,mean_duration_s,length,"
          "steps\n",
          out);
    const jm__mval *top = jm__m_at(root, "variants.top");
    size_t cap = 64;
    char *buf = jm__xmalloc(cap);
    for (const jm__mval *v = top != NULL && top->type == JM__M_ARR ? top->v.kids.first : NULL;
         v != NULL; v = v->next) {
        const jm__mval *id = jm__m_get(v, "id"), *share = jm__m_get(v, "share");
        const jm__mval *cum = jm__m_get(v, "cumulative_share"), *steps = jm__m_get(v, "steps");
        char a[32], b[32], c[32], d[32];
        fprintf(out, "%" PRIu64 ",%.*s,%" PRIu64 ",%s,%s,%s,%s,%" PRIu32 ",",
                jm__m_u(jm__m_get(v, "rank")), (int)id->v.str.n, id->v.str.s,
                jm__m_u(jm__m_get(v, "count")),
                jm__fmt_ratio(a, share->v.ratio.num, share->v.ratio.den),
                jm__fmt_ratio(b, cum->v.ratio.num, cum->v.ratio.den),
                secs_or_empty(c, jm__m_at(v, "duration_s.median")),
                secs_or_empty(d, jm__m_at(v, "duration_s.mean")), steps->n);
        /* The steps joined with " > ", as one field. */
        size_t k = 0;
        for (const jm__mval *st = steps->v.kids.first; st != NULL; st = st->next) {
            jm__grow((void **)&buf, &cap, k + st->v.str.n + 3, 1);
            if (st != steps->v.kids.first)
                memcpy(buf + k, " > ", 3), k += 3;
            memcpy(buf + k, st->v.str.s, st->v.str.n);
            k += st->v.str.n;
        }
        jm__csv_field(out, ',', buf, k);
        fputc('\n', out);
    }
    free(buf);
}
