/* SPDX-License-Identifier: MIT */
/* The trend of a history database (jmine trend) as text, Markdown and CSV, read from its model. */
#include "csvout.h"
#include "text.h"
#include "writer.h"

#include "../model.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The headline figures text and Markdown show, by their names in run_kpis, with a heading. */
static const struct {
    const char *name, *head;
} headline[] = {
    {"journeys.count", "journeys"},
    {"variants.count", "variants"},
    {"journeys.contacts.median", "median contacts"},
    {"journeys.duration_s.median", "median duration"},
    {"loops.share_with_loop", "with loop"},
    {"channels.share_with_switch", "with switch"},
    {"waits.long_waits", "long waits"},
    {"waits.journeys_with_long_wait", "with long wait"},
    {"input.rejected", "rejected"},
};
#define NHEAD (sizeof headline / sizeof headline[0])

/* A figure as people read it: a count as it is, seconds as a duration, a share as a
 * percentage, "-" when absent. */
static void figure(const char *name, const jm__mval *v, char *buf, size_t n)
{
    if (v == NULL || v->type == JM__M_NULL) {
        snprintf(buf, n, "-");
    } else if (v->type == JM__M_UINT) {
        snprintf(buf, n, "%" PRIu64, v->v.u);
    } else if (v->type == JM__M_REAL && strstr(name, "share") != NULL) {
        snprintf(buf, n, "%.1f%%", v->v.d * 100.0);
    } else if (v->type == JM__M_REAL && strstr(name, "_s") != NULL) {
        char h[32];
        snprintf(buf, n, "%s", jm__fmt_human(h, (int64_t)(v->v.d * 1000.0 + 0.5)));
    } else if (v->type == JM__M_REAL) {
        snprintf(buf, n, "%.6g", v->v.d);
    } else {
        snprintf(buf, n, "?");
    }
}

static void str_of(const jm__mval *v, const char **s, size_t *n)
{
    *s = v != NULL && v->type == JM__M_STR ? v->v.str.s : "";
    *n = v != NULL && v->type == JM__M_STR ? v->v.str.n : 0;
}

static void trend_table(const jm__mval *root, FILE *out, bool md)
{
    const jm__mval *tr = jm__m_get(root, "trend"), *var = jm__m_get(tr, "variant");
    const jm__mval *runs = jm__m_get(tr, "runs");
    const char *db;
    size_t dbn;
    str_of(jm__m_get(tr, "db"), &db, &dbn);
    char *safe = jm__safe(db, dbn, md);
    fprintf(out, "%s%s: %u run%s\n", md ? "# Trend of " : "Trend of ", safe,
            runs ? runs->n : 0, runs && runs->n == 1 ? "" : "s");
    free(safe);
    jm__table *t;
    if (var != NULL) {
        const char *id;
        size_t idn;
        str_of(jm__m_get(var, "id"), &id, &idn);
        safe = jm__safe(id, idn, md);
        fprintf(out, "%sVariant %s:", md ? "\n" : "", safe);
        free(safe);
        const jm__mval *steps = jm__m_get(var, "steps");
        if (steps == NULL || steps->type != JM__M_ARR) {
            fputs(" in none of these runs' histories", out);
        } else {
            const char *sep = " ";
            for (const jm__mval *s = steps->v.kids.first; s != NULL; s = s->next) {
                safe = jm__safe(s->v.str.s, s->v.str.n, md);
                fprintf(out, "%s%s", sep, safe);
                free(safe);
                sep = " > ";
            }
        }
        fputs("\n\n", out);
        static const char *const head[] = {"run", "started at", "journeys", "count", "share"};
        t = jm__table_new(5, head, "llrrr");
        for (const jm__mval *r = runs ? runs->v.kids.first : NULL; r != NULL; r = r->next) {
            char c[5][64];
            figure("run", jm__m_get(r, "run"), c[0], sizeof c[0]);
            const char *st;
            size_t stn;
            str_of(jm__m_get(r, "started_at"), &st, &stn);
            snprintf(c[1], sizeof c[1], "%.*s", (int)stn, st);
            const jm__mval *k = jm__m_get(r, "kpis");
            figure("journeys.count", jm__m_get(k, "journeys.count"), c[2], sizeof c[2]);
            figure("count", jm__m_get(r, "count"), c[3], sizeof c[3]);
            figure("share", jm__m_get(r, "share"), c[4], sizeof c[4]);
            const char *cells[5] = {c[0], c[1], c[2], c[3], c[4]};
            size_t lens[5];
            for (int i = 0; i < 5; i++)
                lens[i] = strlen(cells[i]);
            jm__table_row(t, cells, lens);
        }
    } else {
        fputc('\n', out);
        const char *head[2 + NHEAD] = {"run", "started at"};
        char align[3 + NHEAD] = "ll";
        for (size_t i = 0; i < NHEAD; i++) {
            head[2 + i] = headline[i].head;
            align[2 + i] = 'r';
        }
        align[2 + NHEAD] = '\0';
        t = jm__table_new(2 + NHEAD, head, align);
        for (const jm__mval *r = runs ? runs->v.kids.first : NULL; r != NULL; r = r->next) {
            char c[2 + NHEAD][64];
            const char *cells[2 + NHEAD];
            size_t lens[2 + NHEAD];
            figure("run", jm__m_get(r, "run"), c[0], sizeof c[0]);
            const char *st;
            size_t stn;
            str_of(jm__m_get(r, "started_at"), &st, &stn);
            snprintf(c[1], sizeof c[1], "%.*s", (int)stn, st);
            const jm__mval *k = jm__m_get(r, "kpis");
            for (size_t i = 0; i < NHEAD; i++)
                figure(headline[i].name, jm__m_get(k, headline[i].name), c[2 + i],
                       sizeof c[2 + i]);
            for (size_t i = 0; i < 2 + NHEAD; i++) {
                cells[i] = c[i];
                lens[i] = strlen(c[i]);
            }
            jm__table_row(t, cells, lens);
        }
    }
    jm__table_print(t, out, md);
    jm__table_free(t);
    if (var == NULL)
        fprintf(out, "\nEvery figure of each run: --format csv or json.\n");
}

void jm__text_trend(const jm__mval *root, FILE *out)
{
    trend_table(root, out, false);
}

void jm__md_trend(const jm__mval *root, FILE *out)
{
    trend_table(root, out, true);
}

/* A number for CSV: a count as it is, a real in the shortest form that reads back the same. */
static void csv_number(FILE *out, const jm__mval *v)
{
    if (v == NULL || v->type == JM__M_NULL)
        return;
    if (v->type == JM__M_UINT) {
        fprintf(out, "%" PRIu64, v->v.u);
        return;
    }
    if (v->type != JM__M_REAL)
        return;
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v->v.d);
        if (strtod(buf, NULL) == v->v.d)
            break;
    }
    fputs(buf, out);
}

/* CSV: run, started_at, then (with a variant) count and share, then every figure: the columns
 * are the names of all runs' figures, in the order first seen. */
void jm__csv_trend(const jm__mval *root, FILE *out)
{
    const jm__mval *tr = jm__m_get(root, "trend"), *var = jm__m_get(tr, "variant");
    const jm__mval *runs = jm__m_get(tr, "runs");
    size_t n = 0, cap = 64;
    const char **names = malloc(cap * sizeof *names);
    if (names == NULL)
        abort();
    for (const jm__mval *r = runs ? runs->v.kids.first : NULL; r != NULL; r = r->next) {
        const jm__mval *k = jm__m_get(r, "kpis");
        for (const jm__mval *v = k ? k->v.kids.first : NULL; v != NULL; v = v->next) {
            size_t i = 0;
            while (i < n && strcmp(names[i], v->key) != 0)
                i++;
            if (i < n)
                continue;
            if (n == cap) {
                const char **g = realloc(names, (cap *= 2) * sizeof *names);
                if (g == NULL)
                    abort();
                names = g;
            }
            names[n++] = v->key;
        }
    }
    fputs(var ? "run,started_at,count,share" : "run,started_at", out);
    for (size_t i = 0; i < n; i++) {
        fputc(',', out);
        jm__csv_field(out, ',', names[i], strlen(names[i]));
    }
    fputc('\n', out);
    for (const jm__mval *r = runs ? runs->v.kids.first : NULL; r != NULL; r = r->next) {
        csv_number(out, jm__m_get(r, "run"));
        const char *st;
        size_t stn;
        str_of(jm__m_get(r, "started_at"), &st, &stn);
        fputc(',', out);
        jm__csv_field(out, ',', st, stn);
        if (var != NULL) {
            fputc(',', out);
            csv_number(out, jm__m_get(r, "count"));
            fputc(',', out);
            csv_number(out, jm__m_get(r, "share"));
        }
        const jm__mval *k = jm__m_get(r, "kpis");
        for (size_t i = 0; i < n; i++) {
            fputc(',', out);
            csv_number(out, jm__m_get(k, names[i]));
        }
        fputc('\n', out);
    }
    free(names);
}
