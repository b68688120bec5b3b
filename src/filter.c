/* SPDX-License-Identifier: MIT */
/* Filters (SPEC §12): parsed once, row filters matched as rows stream in, journey filters run in
 * command-line order on each rebuilt journey, --keep-coverage in passes over kept journeys. */
#include "filter.h"
#include "seqtab.h"
#include "timeparse.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Parsing ---- */

/* A percentage "P%" or "P", above 0 and at most 100. */
static bool parse_pct(const char *s, double *pct)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0)
        return false;
    if (*end == '%')
        end++;
    if (*end != '\0' || !(v > 0 && v <= 100))
        return false;
    *pct = v;
    return true;
}

/* A count, digits only. */
static bool parse_count(const char *s, size_t n, int64_t *v)
{
    if (n == 0 || n > 18)
        return false;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static bool parse_dur(const char *s, size_t n, int64_t *v)
{
    char *t = jm__xmemdup(s, n);
    bool ok = jm_parse_duration(t, v);
    free(t);
    return ok;
}

/* MIN..MAX with either bound left out (not both): counts or durations. */
static char *parse_range(const char *opt, const char *arg, bool dur, int64_t *lo, int64_t *hi)
{
    const char *dots = strstr(arg, "..");
    const char *what = dur ? "durations such as 5m..2h" : "counts such as 3..10";
    if (dots == NULL)
        return jm__strdupf("--%s wants MIN..MAX (%s; either bound may be left out), not '%s'",
                           opt, what, arg);
    size_t nl = (size_t)(dots - arg);
    const char *r = dots + 2;
    size_t nr = strlen(r);
    if (nl == 0 && nr == 0)
        return jm__strdupf("--%s '%s' gives neither bound", opt, arg);
    *lo = 0;
    *hi = INT64_MAX;
    bool ok = (nl == 0 || (dur ? parse_dur(arg, nl, lo) : parse_count(arg, nl, lo))) &&
              (nr == 0 || (dur ? parse_dur(r, nr, hi) : parse_count(r, nr, hi)));
    if (!ok)
        return jm__strdupf("--%s wants MIN..MAX (%s; either bound may be left out), not '%s'",
                           opt, what, arg);
    if (*lo > *hi)
        return jm__strdupf("--%s '%s': the minimum is above the maximum", opt, arg);
    return NULL;
}

static void add_where(jm__filters *fs, const char *arg)
{
    jm__where w = {0};
    const char *eq = strchr(arg, '=');
    size_t nc = (size_t)(eq - arg);
    w.negate = nc > 0 && arg[nc - 1] == '!';
    w.col = jm__xmemdup(arg, nc - w.negate);
    w.text = jm__strdupf("--where %s", arg);
    const char *p = eq + 1;
    for (;;) {
        size_t k = strcspn(p, ",");
        w.val = jm__xrealloc(w.val, (w.nval + 1) * sizeof *w.val);
        w.vlen = jm__xrealloc(w.vlen, (w.nval + 1) * sizeof *w.vlen);
        w.val[w.nval] = jm__xmemdup(p, k);
        w.vlen[w.nval++] = k;
        if (p[k] == '\0')
            break;
        p += k + 1;
    }
    fs->where = jm__xrealloc(fs->where, (fs->nwhere + 1) * sizeof *fs->where);
    fs->where[fs->nwhere++] = w;
}

static jm__jfilter *add_journey_filter(jm__filters *fs, jm__fkind kind, char *text)
{
    fs->f = jm__xrealloc(fs->f, (fs->n + 1) * sizeof *fs->f);
    jm__jfilter *f = &fs->f[fs->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->text = text;
    f->step[0] = f->step[1] = UINT32_MAX;
    return f;
}

static const char *const wmodes[] = {"intersecting", "contained", "started", "completed", "trim"};

jm__filters *jm__filters_parse(const jm_options *opt, char **err)
{
    *err = NULL;
    if (opt->nfilters == 0)
        return NULL;
    jm__filters *fs = jm__xcalloc(1, sizeof *fs);
    jm__timefmt *tf = NULL;
    size_t win_at = SIZE_MAX; /* the window's index (fs->f moves as it grows) */
#define win (win_at == SIZE_MAX ? NULL : &fs->f[win_at])
    const char *from = NULL, *to = NULL, *mode = NULL;
    for (size_t i = 0; i < opt->nfilters && *err == NULL; i++) {
        const char *name = opt->filters[i].name, *arg = opt->filters[i].value;
        if (arg == NULL)
            arg = "";
        if (strcmp(name, "where") == 0) {
            const char *eq = strchr(arg, '=');
            if (eq == NULL || eq == arg || (eq == arg + 1 && arg[0] == '!'))
                *err = jm__strdupf("--where wants COLUMN=V1[,V2...] or COLUMN!=V1[,V2...], not "
                                   "'%s'",
                                   arg);
            else
                add_where(fs, arg);
        } else if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
            bool is_from = name[0] == 'f';
            if ((is_from ? from : to) != NULL) {
                *err = jm__strdupf("--%s is given twice ('%s' and '%s')", name,
                                   is_from ? from : to, arg);
                break;
            }
            if (tf == NULL) {
                tf = jm__timefmt_new(NULL, opt->tz, err);
                if (tf == NULL)
                    break;
            }
            int64_t t;
            if (!jm__time_parse(tf, arg, strlen(arg), &t)) {
                *err = jm__strdupf("--%s wants an instant such as 2024-03-01 or "
                                   "2024-03-01T08:00:00Z (read in --tz), not '%s'",
                                   name, arg);
                break;
            }
            if (win == NULL) {
                add_journey_filter(fs, JM__F_WINDOW, NULL);
                win_at = fs->n - 1;
                win->lo = INT64_MIN;
                win->hi = INT64_MAX;
            }
            if (is_from) {
                from = arg;
                win->lo = t;
            } else {
                to = arg;
                win->hi = t;
            }
        } else if (strcmp(name, "window") == 0) {
            if (mode != NULL) {
                *err = jm__strdupf("--window is given twice ('%s' and '%s')", mode, arg);
                break;
            }
            mode = arg;
        } else if (strcmp(name, "with") == 0 || strcmp(name, "without") == 0 ||
                   strcmp(name, "starts-with") == 0 || strcmp(name, "ends-with") == 0) {
            if (arg[0] == '\0') {
                *err = jm__strdupf("--%s wants a step name", name);
                break;
            }
            jm__fkind k = name[0] == 's'          ? JM__F_STARTS
                          : name[0] == 'e'        ? JM__F_ENDS
                          : strlen(name) == 4     ? JM__F_WITH
                                                  : JM__F_WITHOUT;
            jm__jfilter *f = add_journey_filter(fs, k, jm__strdupf("--%s %s", name, arg));
            f->name[0] = jm__xstrdup(arg);
            f->nlen[0] = strlen(arg);
        } else if (strcmp(name, "follows") == 0 || strcmp(name, "eventually") == 0) {
            const char *comma = strchr(arg, ',');
            if (comma == NULL || comma == arg || comma[1] == '\0') {
                *err = jm__strdupf("--%s wants two steps A,B, not '%s'", name, arg);
                break;
            }
            jm__jfilter *f = add_journey_filter(fs, name[0] == 'f' ? JM__F_FOLLOWS
                                                                   : JM__F_EVENTUALLY,
                                                jm__strdupf("--%s %s", name, arg));
            f->nlen[0] = (size_t)(comma - arg);
            f->name[0] = jm__xmemdup(arg, f->nlen[0]);
            f->name[1] = jm__xstrdup(comma + 1);
            f->nlen[1] = strlen(comma + 1);
        } else if (strcmp(name, "size") == 0 || strcmp(name, "duration") == 0) {
            bool dur = name[0] == 'd';
            int64_t lo, hi;
            *err = parse_range(name, arg, dur, &lo, &hi);
            if (*err != NULL)
                break;
            jm__jfilter *f = add_journey_filter(fs, dur ? JM__F_DURATION : JM__F_SIZE,
                                                jm__strdupf("--%s %s", name, arg));
            f->lo = lo;
            f->hi = hi;
        } else if (strcmp(name, "keep-coverage") == 0) {
            double p;
            if (!parse_pct(arg, &p)) {
                *err = jm__strdupf("--keep-coverage wants a percentage above 0 and at most 100 "
                                   "such as 80%%, not '%s'",
                                   arg);
                break;
            }
            jm__jfilter *f = add_journey_filter(fs, JM__F_COVERAGE,
                                                jm__strdupf("--keep-coverage %s", arg));
            f->pct = p;
        } else {
            *err = jm__strdupf("unknown filter '%s'", name);
        }
    }
    jm__timefmt_free(tf);
    if (*err == NULL && mode != NULL) {
        size_t m = 0;
        while (m < 5 && strcmp(wmodes[m], mode) != 0)
            m++;
        if (m == 5)
            *err = jm__strdupf("--window '%s' is not intersecting, contained, started, completed "
                               "or trim",
                               mode);
        else if (win == NULL)
            *err = jm__strdupf("--window %s needs --from or --to", mode);
        else
            win->mode = (jm__wmode)m;
    }
    if (*err == NULL && win != NULL) {
        if (win->lo >= win->hi)
            *err = jm__strdupf("--from %s is not before --to %s: the window is empty", from, to);
        else if (from != NULL && to != NULL)
            win->text = jm__strdupf("--from %s --to %s --window %s", from, to, wmodes[win->mode]);
        else
            win->text = jm__strdupf("--%s %s --window %s", from ? "from" : "to", from ? from : to,
                                    wmodes[win->mode]);
    }
#undef win
    if (*err != NULL) {
        jm__filters_free(fs);
        return NULL;
    }
    fs->first_cover = fs->n;
    for (size_t i = 0; i < fs->n; i++)
        if (fs->f[i].kind == JM__F_COVERAGE) {
            fs->first_cover = i;
            break;
        }
    return fs;
}

void jm__filters_free(jm__filters *fs)
{
    if (fs == NULL)
        return;
    for (size_t i = 0; i < fs->nwhere; i++) {
        jm__where *w = &fs->where[i];
        free(w->text);
        free(w->col);
        for (size_t v = 0; v < w->nval; v++)
            free(w->val[v]);
        free(w->val);
        free(w->vlen);
    }
    free(fs->where);
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->f[i].text);
        free(fs->f[i].name[0]);
        free(fs->f[i].name[1]);
    }
    free(fs->f);
    free(fs);
}

char *jm__filters_text(const jm__filters *fs)
{
    if (fs == NULL)
        return jm__xstrdup("off");
    char *s = jm__xstrdup("");
    for (size_t i = 0; i < fs->nwhere + fs->n; i++) {
        const char *t = i < fs->nwhere ? fs->where[i].text : fs->f[i - fs->nwhere].text;
        char *n = jm__strdupf("%s%s%s", s, i ? "; " : "", t);
        free(s);
        s = n;
    }
    return s;
}

char *jm__filters_resolve(jm__filters *fs, const jm__intern *steps)
{
    char *unknown = NULL;
    uint32_t ns = jm__intern_count(steps);
    for (size_t i = 0; i < fs->n; i++) {
        jm__jfilter *f = &fs->f[i];
        for (int k = 0; k < 2; k++) {
            if (f->name[k] == NULL)
                continue;
            f->step[k] = UINT32_MAX;
            for (uint32_t s = 0; s < ns; s++) {
                size_t len;
                const char *name = jm__intern_str(steps, s, &len);
                if (len == f->nlen[k] && memcmp(name, f->name[k], len) == 0) {
                    f->step[k] = s;
                    break;
                }
            }
            if (f->step[k] != UINT32_MAX)
                continue;
            char *n = jm__strdupf("%s%s'%s'", unknown ? unknown : "", unknown ? ", " : "",
                                  f->name[k]);
            free(unknown);
            unknown = n;
        }
    }
    return unknown;
}

void jm__fresults_copy(jm__fresults *to, const jm__fresults *from)
{
    to->n = from->n;
    to->r = jm__xcalloc(from->n ? from->n : 1, sizeof *to->r);
    for (size_t i = 0; i < from->n; i++) {
        to->r[i] = from->r[i];
        to->r[i].text = jm__xstrdup(from->r[i].text);
    }
}

void jm__fresults_clear(jm__fresults *res)
{
    for (size_t i = 0; i < res->n; i++)
        free(res->r[i].text);
    free(res->r);
    res->r = NULL;
    res->n = 0;
}

void jm__filters_results(const jm__filters *fs, const jm__fcount *c, const uint64_t *where_rows,
                         jm__fresults *res)
{
    jm__fresults_clear(res);
    res->n = fs->nwhere + fs->n;
    res->r = jm__xcalloc(res->n ? res->n : 1, sizeof *res->r);
    for (size_t i = 0; i < fs->nwhere; i++) {
        res->r[i].text = jm__xstrdup(fs->where[i].text);
        res->r[i].rows = true;
        res->r[i].removed = where_rows[i];
    }
    uint64_t before = c->entered;
    for (size_t i = 0; i < fs->n; i++) {
        jm__fresult *r = &res->r[fs->nwhere + i];
        r->text = jm__xstrdup(fs->f[i].text);
        r->before = before;
        r->after = c->pass[i];
        r->removed = c->trimmed[i];
        before = r->after;
    }
}

/* ---- Journey filters ---- */

void jm__fcount_init(jm__fcount *c, const jm__filters *fs)
{
    memset(c, 0, sizeof *c);
    c->pass = jm__xcalloc(fs->n + 1, sizeof *c->pass);
    c->trimmed = jm__xcalloc(fs->n + 1, sizeof *c->trimmed);
}

void jm__fcount_clear(jm__fcount *c)
{
    free(c->pass);
    free(c->trimmed);
    free(c->jcas);
    free(c->joff);
    free(c->step);
    free(c->chan);
    free(c->cust);
    free(c->res);
    free(c->start);
    free(c->end);
    memset(c, 0, sizeof *c);
}

void jm__fcount_add(jm__fcount *a, const jm__fcount *b, const jm__filters *fs)
{
    a->entered += b->entered;
    for (size_t i = 0; i < fs->n; i++) {
        a->pass[i] += b->pass[i];
        a->trimmed[i] += b->trimmed[i];
    }
}

static bool has_step(const uint32_t *step, size_t n, uint32_t s)
{
    for (size_t i = 0; i < n; i++)
        if (step[i] == s)
            return true;
    return false;
}

/* Filter f on a journey: its new length (trim), or 0 when it is dropped. */
static size_t apply_one(const jm__jfilter *f, uint64_t *trimmed, const jm__jarrs *a, size_t n)
{
    const uint32_t *step = a->step;
    const int64_t *start = a->start, *end = a->end;
    switch (f->kind) {
    case JM__F_WITH: return has_step(step, n, f->step[0]) ? n : 0;
    case JM__F_WITHOUT: return has_step(step, n, f->step[0]) ? 0 : n;
    case JM__F_STARTS: return step[0] == f->step[0] ? n : 0;
    case JM__F_ENDS: return step[n - 1] == f->step[0] ? n : 0;
    case JM__F_FOLLOWS:
        for (size_t i = 1; i < n; i++)
            if (step[i - 1] == f->step[0] && step[i] == f->step[1])
                return n;
        return 0;
    case JM__F_EVENTUALLY: {
        size_t i = 0;
        while (i < n && step[i] != f->step[0])
            i++;
        for (i++; i < n; i++)
            if (step[i] == f->step[1])
                return n;
        return 0;
    }
    case JM__F_SIZE: return (int64_t)n >= f->lo && (int64_t)n <= f->hi ? n : 0;
    case JM__F_DURATION: {
        int64_t last = end[0];
        for (size_t i = 1; i < n; i++)
            last = end[i] > last ? end[i] : last;
        int64_t d = last - start[0];
        return d >= f->lo && d <= f->hi ? n : 0;
    }
    case JM__F_WINDOW: {
#define IN(t) ((t) >= f->lo && (t) < f->hi)
        switch (f->mode) {
        case JM__W_INTERSECTING:
            for (size_t i = 0; i < n; i++)
                if (IN(start[i]))
                    return n;
            return 0;
        case JM__W_CONTAINED:
            for (size_t i = 0; i < n; i++)
                if (!IN(start[i]))
                    return 0;
            return n;
        case JM__W_STARTED: return IN(start[0]) ? n : 0;
        case JM__W_COMPLETED: return IN(start[n - 1]) ? n : 0;
        case JM__W_TRIM: {
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (!IN(start[i]))
                    continue;
                a->step[k] = a->step[i];
                a->chan[k] = a->chan[i];
                if (a->cust != NULL)
                    a->cust[k] = a->cust[i];
                if (a->res != NULL)
                    a->res[k] = a->res[i];
                a->start[k] = a->start[i];
                a->end[k] = a->end[i];
                k++;
            }
            *trimmed += n - k;
            return k;
        }
        }
#undef IN
        return n;
    }
    case JM__F_COVERAGE: return n; /* never run here */
    }
    return n;
}

/* Filters [from, to) on a journey; its new length or 0. */
static size_t run_filters(const jm__filters *fs, jm__fcount *c, size_t from, size_t to,
                          const jm__jarrs *a, size_t n)
{
    for (size_t i = from; i < to && n > 0; i++) {
        n = apply_one(&fs->f[i], &c->trimmed[i], a, n);
        if (n > 0)
            c->pass[i]++;
    }
    return n;
}

/* Keep a journey in c for the coverage passes. */
static void keep(jm__fcount *c, uint32_t cas, const jm__jarrs *a, size_t n)
{
    if (c->nj + 2 > c->jcap) {
        c->jcap = c->jcap ? 2 * c->jcap : 1024;
        c->jcas = jm__xrealloc(c->jcas, c->jcap * sizeof *c->jcas);
        c->joff = jm__xrealloc(c->joff, (c->jcap + 1) * sizeof *c->joff);
    }
    if (c->ne + n > c->ecap) {
        c->ecap = c->ne + n > 2 * c->ecap ? c->ne + n : 2 * c->ecap;
        c->step = jm__xrealloc(c->step, c->ecap * sizeof *c->step);
        c->chan = jm__xrealloc(c->chan, c->ecap * sizeof *c->chan);
        if (a->cust != NULL)
            c->cust = jm__xrealloc(c->cust, c->ecap * sizeof *c->cust);
        if (a->res != NULL)
            c->res = jm__xrealloc(c->res, c->ecap * sizeof *c->res);
        c->start = jm__xrealloc(c->start, c->ecap * sizeof *c->start);
        c->end = jm__xrealloc(c->end, c->ecap * sizeof *c->end);
    }
    c->jcas[c->nj] = cas;
    c->joff[c->nj] = c->ne;
    memcpy(c->step + c->ne, a->step, n * sizeof *c->step);
    memcpy(c->chan + c->ne, a->chan, n * sizeof *c->chan);
    if (a->cust != NULL)
        memcpy(c->cust + c->ne, a->cust, n * sizeof *c->cust);
    if (a->res != NULL)
        memcpy(c->res + c->ne, a->res, n * sizeof *c->res);
    memcpy(c->start + c->ne, a->start, n * sizeof *c->start);
    memcpy(c->end + c->ne, a->end, n * sizeof *c->end);
    c->ne += n;
    c->nj++;
    c->joff[c->nj] = c->ne;
}

size_t jm__filters_journey(const jm__filters *fs, jm__fcount *c, uint32_t cas,
                           const jm__jarrs *a, size_t n)
{
    c->entered++;
    n = run_filters(fs, c, 0, fs->first_cover, a, n);
    if (n > 0 && fs->first_cover < fs->n) {
        keep(c, cas, a, n);
        return 0;
    }
    return n;
}

/* ---- --keep-coverage: passes over the journeys kept ---- */

/* The arrays of the journey kept in c from event o. */
static jm__jarrs kept_at(const jm__fcount *c, size_t o)
{
    return (jm__jarrs){.step = c->step + o,
                       .chan = c->chan + o,
                       .cust = c->cust != NULL ? c->cust + o : NULL,
                       .res = c->res != NULL ? c->res + o : NULL,
                       .start = c->start + o,
                       .end = c->end + o};
}

typedef struct rank_ctx {
    const jm__seqtab *seqs;
    const uint64_t *count;
    const jm__intern *steps;
} rank_ctx;

/* The report's ranking of variants (variants.c): more journeys first, ties by step names. */
static int by_rank(const void *pa, const void *pb, void *data)
{
    const rank_ctx *r = data;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (r->count[a] != r->count[b])
        return r->count[a] > r->count[b] ? -1 : 1;
    size_t na, nb;
    const uint32_t *sa = jm__seqtab_get(r->seqs, a, &na);
    const uint32_t *sb = jm__seqtab_get(r->seqs, b, &nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        if (sa[i] == sb[i])
            continue;
        size_t la, lb;
        const char *x = jm__intern_str(r->steps, sa[i], &la);
        const char *y = jm__intern_str(r->steps, sb[i], &lb);
        int c = jm__bytes_cmp(x, la, y, lb);
        if (c != 0)
            return c;
    }
    return (na > nb) - (na < nb);
}

/* The variant of a journey, runs of one step cut to collapse (0: kept whole), in seq. */
static size_t variant_of(const uint32_t *step, size_t n, unsigned collapse, uint32_t *seq)
{
    size_t m = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = i > 0 && step[i] == step[i - 1] ? run + 1 : 1;
        if (collapse == 0 || run <= collapse)
            seq[m++] = step[i];
    }
    return m;
}

void jm__filters_coverage(const jm__filters *fs, jm__fcount *c, size_t nc,
                          const jm__intern *steps, unsigned collapse,
                          void (*emit)(void *data, uint32_t cas, const jm__jarrs *a,
                                       size_t n),
                          void *data)
{
    if (fs->first_cover >= fs->n)
        return;
    size_t total = 0, most = 1;
    for (size_t t = 0; t < nc; t++) {
        total += c[t].nj;
        for (size_t j = 0; j < c[t].nj; j++) {
            size_t len = c[t].joff[j + 1] - c[t].joff[j];
            most = len > most ? len : most;
        }
    }
    /* Every kept journey, by thread and index; alive ones are compacted to the front. */
    size_t *who = jm__xmalloc((total ? total : 1) * sizeof *who);
    uint32_t *var = jm__xmalloc((total ? total : 1) * sizeof *var);
    size_t *len = jm__xmalloc((total ? total : 1) * sizeof *len);
    uint32_t *seq = jm__xmalloc(most * sizeof *seq);
    size_t alive = 0;
    for (size_t t = 0; t < nc; t++)
        for (size_t j = 0; j < c[t].nj; j++) {
            who[alive] = t << 40 | j; /* thread in the high bits */
            len[alive] = c[t].joff[j + 1] - c[t].joff[j];
            alive++;
        }
    jm__fcount *c0 = &c[0];
    size_t at = fs->first_cover;
    while (at < fs->n) {
        /* Pass: the variants of the journeys alive, ranked; the top ones to pct % kept. */
        const jm__jfilter *cf = &fs->f[at];
        jm__seqtab *seqs = jm__seqtab_new();
        uint64_t *count = NULL;
        size_t ncount = 0;
        for (size_t a = 0; a < alive; a++) {
            jm__fcount *ct = &c[who[a] >> 40];
            size_t j = who[a] & (((size_t)1 << 40) - 1);
            size_t m = variant_of(ct->step + ct->joff[j], len[a], collapse, seq);
            var[a] = jm__seqtab_id(seqs, seq, m);
            if (var[a] >= ncount)
                jm__grow_zeroed((void **)&count, &ncount, (size_t)var[a] + 1, sizeof *count);
            count[var[a]]++;
        }
        uint32_t nv = jm__seqtab_count(seqs);
        uint32_t *rank = jm__xmalloc((nv ? nv : 1) * sizeof *rank);
        for (uint32_t v = 0; v < nv; v++)
            rank[v] = v;
        rank_ctx rc = {seqs, count, steps};
        jm__sort(rank, nv, sizeof *rank, by_rank, &rc);
        bool *kept = jm__xcalloc(nv ? nv : 1, sizeof *kept);
        uint64_t cum = 0;
        for (uint32_t r = 0; r < nv && (double)cum * 100.0 < cf->pct * (double)alive; r++) {
            kept[rank[r]] = true;
            cum += count[rank[r]];
        }
        /* The next --keep-coverage, and the filters up to it. */
        size_t next = at + 1;
        while (next < fs->n && fs->f[next].kind != JM__F_COVERAGE)
            next++;
        size_t k = 0;
        for (size_t a = 0; a < alive; a++) {
            if (!kept[var[a]])
                continue;
            c0->pass[at]++;
            jm__fcount *ct = &c[who[a] >> 40];
            size_t j = who[a] & (((size_t)1 << 40) - 1);
            size_t o = ct->joff[j];
            jm__jarrs ja = kept_at(ct, o);
            size_t n = run_filters(fs, c0, at + 1, next, &ja, len[a]);
            if (n == 0)
                continue;
            who[k] = who[a];
            len[k] = n;
            k++;
        }
        alive = k;
        free(kept);
        free(rank);
        free(count);
        jm__seqtab_free(seqs);
        at = next;
    }
    for (size_t a = 0; a < alive; a++) {
        jm__fcount *ct = &c[who[a] >> 40];
        size_t j = who[a] & (((size_t)1 << 40) - 1);
        size_t o = ct->joff[j];
        jm__jarrs ja = kept_at(ct, o);
        emit(data, ct->jcas[j], &ja, len[a]);
    }
    free(who);
    free(var);
    free(len);
    free(seq);
}
