/* SPDX-License-Identifier: MIT */
/* Text and Markdown: the report model phrased for people, a renderer for each section it knows. */
#include "text.h"
#include "json.h"
#include "timeparse.h"
#include "util.h"
#include "writer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Where a renderer writes, and what it may read besides its section. */
typedef struct out {
    FILE *f;
    bool md;
    const jm__mval *root;
} out;

/* ---- Reading the model ---- */

static const jm__mval *get(const jm__mval *obj, const char *path)
{
    return jm__m_at(obj, path);
}

static uint64_t u(const jm__mval *obj, const char *path)
{
    return jm__m_u(jm__m_at(obj, path));
}

static int64_t ms(const jm__mval *obj, const char *path)
{
    return jm__m_msv(jm__m_at(obj, path));
}

/* A string member's bytes (n its length); "" when it is missing or not a string. */
static const char *str(const jm__mval *obj, const char *path, size_t *n)
{
    const jm__mval *v = jm__m_at(obj, path);
    if (v == NULL || v->type != JM__M_STR) {
        *n = 0;
        return "";
    }
    *n = v->v.str.n;
    return v->v.str.s;
}

/* A row of tb for a pair (a transition, a channel switch, a handover): its "from" and "to"
 * names, then the nc (at most 6) cells c. */
static void pair_row(jm__table *tb, const jm__mval *t, char (*c)[32], size_t nc)
{
    const char *cells[8];
    size_t lens[8];
    cells[0] = str(t, "from", &lens[0]);
    cells[1] = str(t, "to", &lens[1]);
    for (size_t i = 0; i < nc; i++) {
        cells[2 + i] = c[i];
        lens[2 + i] = strlen(c[i]);
    }
    jm__table_row(tb, cells, lens);
}

/* The members of an array (or object); NULL when it is missing, null or empty. */
static const jm__mval *first(const jm__mval *v)
{
    return v != NULL && (v->type == JM__M_ARR || v->type == JM__M_OBJ) ? v->v.kids.first : NULL;
}

static size_t count(const jm__mval *v)
{
    return v != NULL && (v->type == JM__M_ARR || v->type == JM__M_OBJ) ? v->n : 0;
}

/* num / den in percent, 0 when den is 0. */
static double pct(uint64_t num, uint64_t den)
{
    return den ? 100.0 * (double)num / (double)den : 0.0;
}

/* A ratio member in percent. */
static double ratio_pct(const jm__mval *obj, const char *path)
{
    const jm__mval *v = jm__m_at(obj, path);
    if (v == NULL || v->type != JM__M_RATIO)
        return 0.0;
    return pct(v->v.ratio.num, v->v.ratio.den);
}

/* A ratio member's denominator: the whole it is a share of. */
static uint64_t ratio_den(const jm__mval *obj, const char *path)
{
    const jm__mval *v = jm__m_at(obj, path);
    return v != NULL && v->type == JM__M_RATIO ? v->v.ratio.den : 0;
}

/* All journeys of the report. */
static uint64_t journeys(const out *o)
{
    return u(o->root, "journeys.count");
}

/* How many rows of a ranking the tables list: --top (the root's hidden "top"; 0 is all). */
static size_t listed(const out *o, size_t n)
{
    uint64_t top = u(o->root, "top");
    return top && top < n ? (size_t)top : n;
}

/* The noun for a count of n: "1 contact", "2 contacts". */
static const char *pl(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* A duration member for people ("3h 20m"), into buf (32 bytes). */
static char *human(char *buf, const jm__mval *obj, const char *path)
{
    const jm__mval *v = jm__m_at(obj, path);
    if (v != NULL && v->type == JM__M_NULL) { /* a folded row's median (--min-journeys) */
        strcpy(buf, "-");
        return buf;
    }
    return jm__fmt_human(buf, ms(obj, path));
}

/* A string member made safe (malloc'd): see jm__safe. */
static char *safe(const jm__mval *obj, const char *path, bool md)
{
    size_t n;
    const char *s = str(obj, path, &n);
    return jm__safe(s, n, md);
}

static void heading(const out *o, const char *md, const char *text)
{
    fputs(o->md ? md : text, o->f);
}

/* ---- Journeys ---- */

/* Buckets of the small text histogram: 1, 2, 3, 4, 5, 6-10, 11-20, 21+. */
static void hist_text(const out *o, const jm__mval *h, const char *unit)
{
    static const size_t lo[] = {0, 1, 2, 3, 4, 5, 6, 11, 21};
    static const size_t hi[] = {0, 1, 2, 3, 4, 5, 10, 20, SIZE_MAX};
    const char *hd[] = {unit, "journeys", "share", ""};
    const jm__mval *hist = get(h, "histogram");
    uint64_t total = 0;
    for (const jm__mval *e = first(hist); e != NULL; e = e->next)
        total += u(e, "journeys");
    jm__table *tb = jm__table_new(4, hd, "rrrl");
    const jm__mval *e = first(hist);
    for (size_t b = 0; b < sizeof lo / sizeof lo[0]; b++) {
        uint64_t n = 0;
        while (e != NULL && u(e, unit) <= hi[b]) {
            if (u(e, unit) >= lo[b])
                n += u(e, "journeys");
            e = e->next;
        }
        if (n == 0)
            continue;
        char label[32], cnt[24], share[16], bar[41];
        if (lo[b] == hi[b])
            snprintf(label, sizeof label, "%zu", lo[b]);
        else if (hi[b] == SIZE_MAX)
            snprintf(label, sizeof label, "%zu+", lo[b]);
        else
            snprintf(label, sizeof label, "%zu-%zu", lo[b], hi[b]);
        snprintf(cnt, sizeof cnt, "%" PRIu64, n);
        snprintf(share, sizeof share, "%.1f%%", 100.0 * (double)n / (double)total);
        size_t w = (size_t)(40.0 * (double)n / (double)total + 0.5);
        memset(bar, '#', w);
        bar[w] = '\0';
        const char *cells[] = {label, cnt, share, bar};
        jm__table_row(tb, cells, NULL);
    }
    jm__table_print(tb, o->f, o->md);
    jm__table_free(tb);
    fputc('\n', o->f);
}

static void journeys_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    char a[32], b[32], c[32];
    heading(o, "## Journeys\n\n", "Journeys\n--------\n");
    fprintf(f, "%" PRIu64 " %s of %" PRIu64 " %s.\n", u(s, "count"),
            pl(u(s, "count"), "journey", "journeys"), u(s, "cases"),
            pl(u(s, "cases"), "case", "cases"));
    if (u(s, "count") == 0) {
        fputc('\n', f);
        return;
    }
    fprintf(f, "Contacts per journey: median %" PRIu64 ", p90 %" PRIu64 ", max %" PRIu64 ".\n",
            u(s, "contacts.median"), u(s, "contacts.p90"), u(s, "contacts.max"));
    bool chans = !jm__m_isnull(get(s, "channels"));
    if (chans)
        fprintf(f, "Channels per journey: median %" PRIu64 ", p90 %" PRIu64 ", max %" PRIu64 ".\n",
                u(s, "channels.median"), u(s, "channels.p90"), u(s, "channels.max"));
    else
        fputs("Channels: the log has no channel column.\n", f);
    fprintf(f, "Journey duration: median %s, p90 %s, max %s.\n\n", human(a, s, "duration_s.median"),
            human(b, s, "duration_s.p90"), human(c, s, "duration_s.max"));
    hist_text(o, get(s, "contacts"), "contacts");
    if (chans)
        hist_text(o, get(s, "channels"), "channels");
}

static void journeys_summary(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    char a[32];
    if (u(s, "count") == 0) {
        fputs(get(o->root, "filters") != NULL
                  ? "The filters left no journeys: every section below is empty.\n"
                  : "The log holds no journeys.\n",
              f);
        return;
    }
    fprintf(f,
            "%" PRIu64 " %s (of %" PRIu64 " %s) take a median of %" PRIu64 " %s (p90 %" PRIu64 ")",
            u(s, "count"), pl(u(s, "count"), "journey", "journeys"), u(s, "cases"),
            pl(u(s, "cases"), "case", "cases"), u(s, "contacts.median"),
            pl(u(s, "contacts.median"), "contact", "contacts"), u(s, "contacts.p90"));
    if (!jm__m_isnull(get(s, "channels")))
        fprintf(f, " over %" PRIu64 " channel%s (p90 %" PRIu64 ")", u(s, "channels.median"),
                u(s, "channels.median") == 1 ? "" : "s", u(s, "channels.p90"));
    fprintf(f, " and last a median of %s.\n", human(a, s, "duration_s.median"));
}

/* ---- Variants ---- */

/* The variants table's steps column is cut to this many bytes (at a UTF-8 boundary, " ..."
 * added): sepsis.csv's longest variant made a 2,000-character separator line. */
enum { STEPS_SHOWN = 120 };

/* The steps of a variant joined with " > ", malloc'd. */
static char *joined(const jm__mval *steps, size_t *len)
{
    size_t cap = 64, k = 0;
    char *s = jm__xmalloc(cap);
    for (const jm__mval *v = first(steps); v != NULL; v = v->next) {
        size_t l = v->v.str.n;
        jm__grow((void **)&s, &cap, k + l + 4, 1);
        if (v != first(steps))
            memcpy(s + k, " > ", 3), k += 3;
        memcpy(s + k, v->v.str.s, l);
        k += l;
    }
    s[k] = '\0';
    *len = k;
    return s;
}

static void variants_table(const out *o, const jm__mval *top)
{
    static const char *const head[] = {
        "rank",          "journeys", "share", "cumulative", "median duration",
        "mean duration", "id",       "steps"};
    jm__table *t = jm__table_new(8, head, "rrrrrrll");
    bool cut = false;
    for (const jm__mval *v = first(top); v != NULL; v = v->next) {
        char rank[24], cnt[24], share[40], cshare[40], med[32], mean[32];
        snprintf(rank, sizeof rank, "%" PRIu64, u(v, "rank"));
        snprintf(cnt, sizeof cnt, "%" PRIu64, u(v, "count"));
        snprintf(share, sizeof share, "%.1f%%", ratio_pct(v, "share"));
        snprintf(cshare, sizeof cshare, "%.1f%%", ratio_pct(v, "cumulative_share"));
        human(med, v, "duration_s.median");
        human(mean, v, "duration_s.mean");
        size_t idn, sl;
        const char *id = str(v, "id", &idn);
        char *steps = joined(get(v, "steps"), &sl);
        if (sl > STEPS_SHOWN) {
            size_t k = STEPS_SHOWN;
            while (k > 0 && ((unsigned char)steps[k] & 0xC0) == 0x80)
                k--;
            memcpy(steps + k, " ...", 5);
            sl = k + 4;
            cut = true;
        }
        const char *cells[] = {rank, cnt, share, cshare, med, mean, id, steps};
        size_t lens[] = {strlen(rank), strlen(cnt),  strlen(share), strlen(cshare),
                         strlen(med),  strlen(mean), idn,           sl};
        jm__table_row(t, cells, lens);
        free(steps);
    }
    jm__table_print(t, o->f, o->md);
    jm__table_free(t);
    if (cut)
        fprintf(o->f,
                "%sSteps longer than %d characters are cut (...); `jmine variants --format csv` "
                "or `--format json` lists every step.\n",
                o->md ? "\n" : "", (int)STEPS_SHOWN);
}

static void variants_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    const jm__mval *top = get(s, "top");
    size_t k = count(top);
    uint64_t all = journeys(o), cum = 0;
    const jm__mval *folded = NULL;
    for (const jm__mval *v = first(top); v != NULL; v = v->next) {
        cum += u(v, "count");
        if (jm__m_get(v, "other") != NULL && jm__m_get(v, "other")->v.b)
            folded = v; /* --min-journeys: the rare variants in one row */
    }
    k -= folded != NULL;
    heading(o, "## Variants\n\n", "Variants\n--------\n");
    fprintf(f, "%" PRIu64 " %s %" PRIu64 " %s", all,
            all == 1 ? "journey follows" : "journeys follow", u(s, "count"),
            pl(u(s, "count"), "variant", "variants"));
    if (all > 0)
        fprintf(f, "; the %zu listed cover %.1f%% of journeys", k, pct(cum, all));
    if (folded != NULL)
        fprintf(f, " (with the rare ones in one row, (other): variants seen in fewer than %" PRIu64
                   " journeys)",
                jm__m_u(jm__m_at(o->root, "privacy.min_journeys")));
    fputs(".\n\n", f);
    if (k > 0) {
        variants_table(o, top);
        fputc('\n', f);
    }
}

/* ---- Loops ---- */

static void loops_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    heading(o, "## Loops and repeats\n\n", "Loops and repeats\n-----------------\n");
    fprintf(f,
            "%" PRIu64 " self-loops (a step right after itself) and %" PRIu64
            " repetitions (a step seen earlier again) in %" PRIu64 " of %" PRIu64
            " journeys (%.1f%%).\n\n",
            u(s, "self_loops"), u(s, "repetitions"), u(s, "journeys_with_loop"),
            ratio_den(s, "share_with_loop"), ratio_pct(s, "share_with_loop"));
    const jm__mval *by = get(s, "by_step");
    if (count(by) == 0)
        return;
    static const char *const head[] = {"step",        "journeys",   "3+ times",
                                       "most in one", "self-loops", "repetitions"};
    jm__table *tb = jm__table_new(6, head, "lrrrrr");
    size_t k = listed(o, count(by)), r = 0;
    for (const jm__mval *b = first(by); b != NULL && r < k; b = b->next, r++) {
        char c[5][24];
        snprintf(c[0], 24, "%" PRIu64, u(b, "journeys"));
        snprintf(c[1], 24, "%" PRIu64, u(b, "journeys_3_or_more"));
        snprintf(c[2], 24, "%" PRIu64, u(b, "max_in_journey"));
        snprintf(c[3], 24, "%" PRIu64, u(b, "self_loops"));
        snprintf(c[4], 24, "%" PRIu64, u(b, "repetitions"));
        size_t n;
        const char *name = str(b, "step", &n);
        const char *cells[] = {name, c[0], c[1], c[2], c[3], c[4]};
        size_t lens[] = {n, strlen(c[0]), strlen(c[1]), strlen(c[2]), strlen(c[3]), strlen(c[4])};
        jm__table_row(tb, cells, lens);
    }
    jm__table_print(tb, f, o->md);
    jm__table_free(tb);
    fputc('\n', f);
}

static void loops_summary(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    if (ratio_den(s, "share_with_loop") == 0)
        return;
    fprintf(f, "%.0f%% of journeys come back to a step they already had",
            ratio_pct(s, "share_with_loop"));
    const jm__mval *b = first(get(s, "by_step"));
    if (b != NULL) {
        char *name = safe(b, "step", false);
        fprintf(f, "; most often '%s' (%" PRIu64 " %s, %" PRIu64 " of them three times or more)",
                name, u(b, "journeys"), pl(u(b, "journeys"), "journey", "journeys"),
                u(b, "journeys_3_or_more"));
        free(name);
    }
    fputs(".\n", f);
}

/* ---- Channels ---- */

static void channels_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    heading(o, "## Channel switches\n\n", "Channel switches\n----------------\n");
    const jm__mval *present = get(s, "present");
    if (present == NULL || present->type != JM__M_BOOL || !present->v.b) {
        fputs("Absent: the log has no channel column (name one with --channel).\n\n", f);
        return;
    }
    fprintf(f, "%" PRIu64 " %s in %" PRIu64 " of %" PRIu64 " %s (%.1f%%).\n\n", u(s, "switches"),
            pl(u(s, "switches"), "switch", "switches"), u(s, "journeys_with_switch"),
            ratio_den(s, "share_with_switch"),
            pl(ratio_den(s, "share_with_switch"), "journey", "journeys"),
            ratio_pct(s, "share_with_switch"));
    const jm__mval *matrix = get(s, "matrix");
    if (count(matrix) == 0)
        return;
    static const char *const head[] = {"from", "to", "switches", "journeys", "median wait"};
    jm__table *tb = jm__table_new(5, head, "llrrr");
    size_t k = listed(o, count(matrix)), r = 0;
    for (const jm__mval *h = first(matrix); h != NULL && r < k; h = h->next, r++) {
        char c[3][32];
        snprintf(c[0], 32, "%" PRIu64, u(h, "count"));
        snprintf(c[1], 32, "%" PRIu64, u(h, "journeys"));
        human(c[2], h, "median_wait_s");
        pair_row(tb, h, c, 3);
    }
    jm__table_print(tb, f, o->md);
    jm__table_free(tb);
    fputc('\n', f);
}

static void channels_summary(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    const jm__mval *present = get(s, "present");
    if (present == NULL || present->type != JM__M_BOOL || !present->v.b ||
        ratio_den(s, "share_with_switch") == 0)
        return;
    fprintf(f, "%.0f%% of journeys switch channel", ratio_pct(s, "share_with_switch"));
    size_t r = 0;
    for (const jm__mval *h = first(get(s, "matrix")); h != NULL && r < 3; h = h->next, r++) {
        char *sf = safe(h, "from", false), *st = safe(h, "to", false);
        fprintf(f, "%s%s -> %s (%" PRIu64 ")", r == 0 ? "; the most common hops: " : ", ", sf, st,
                u(h, "count"));
        free(sf);
        free(st);
    }
    fputs(".\n", f);
}

/* ---- Waits ---- */

/* waits.business (--calendar): the waits per transition in business time. */
static void business_text(const out *o, const jm__mval *b)
{
    if (b == NULL || b->type != JM__M_OBJ)
        return;
    FILE *f = o->f;
    heading(o, "### Waits in business time\n\n", "Waits in business time:\n");
    size_t nc, nz;
    const char *cal = str(b, "calendar", &nc), *tz = str(b, "time_zone", &nz);
    char *sc = jm__safe(cal, nc, o->md), *sz = jm__safe(tz, nz, o->md);
    fprintf(f, "Opening hours %s (in %s)%s; %" PRIu64 " waits are long even in business time.\n\n",
            sc, sz, jm__m_isnull(get(b, "holidays")) ? "" : ", holidays closed",
            u(b, "long_waits"));
    free(sc);
    free(sz);
    const jm__mval *bt = get(b, "by_transition");
    if (count(bt) == 0)
        return;
    static const char *const head[] = {"from", "to", "count", "median", "p90", "total"};
    jm__table *tb = jm__table_new(6, head, "llrrrr");
    size_t k = listed(o, count(bt)), r = 0;
    for (const jm__mval *t = first(bt); t != NULL && r < k; t = t->next, r++) {
        char c[4][32];
        snprintf(c[0], 32, "%" PRIu64, u(t, "count"));
        human(c[1], t, "median_s");
        human(c[2], t, "p90_s");
        human(c[3], t, "total_s");
        pair_row(tb, t, c, 4);
    }
    jm__table_print(tb, f, o->md);
    jm__table_free(tb);
    fputc('\n', f);
}

static void waits_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    char th[32];
    human(th, s, "threshold_s");
    heading(o, "## Waits\n\n", "Waits\n-----\n");
    fprintf(f,
            "%" PRIu64 " %s longer than %s in %" PRIu64 " %s (%.1f%%); %" PRIu64
            " %s (an event starting before the previous one ended) counted as no wait.\n\n",
            u(s, "long_waits"), pl(u(s, "long_waits"), "wait", "waits"), th,
            u(s, "journeys_with_long_wait"),
            pl(u(s, "journeys_with_long_wait"), "journey", "journeys"),
            pct(u(s, "journeys_with_long_wait"), journeys(o)), u(s, "overlaps"),
            pl(u(s, "overlaps"), "overlap", "overlaps"));
    const jm__mval *by = get(s, "by_transition");
    if (count(by) > 0) {
        static const char *const head[] = {"from", "to",  "count", "median",
                                           "p90",  "max", "total", "long"};
        jm__table *tb = jm__table_new(8, head, "llrrrrrr");
        size_t k = listed(o, count(by)), r = 0;
        for (const jm__mval *t = first(by); t != NULL && r < k; t = t->next, r++) {
            char c[6][32];
            snprintf(c[0], 32, "%" PRIu64, u(t, "count"));
            human(c[1], t, "median_s");
            human(c[2], t, "p90_s");
            human(c[3], t, "max_s");
            human(c[4], t, "total_s");
            snprintf(c[5], 32, "%" PRIu64, u(t, "long_waits"));
            pair_row(tb, t, c, 6);
        }
        jm__table_print(tb, f, o->md);
        jm__table_free(tb);
        fputc('\n', f);
    }
    const jm__mval *longest = get(s, "longest");
    if (count(longest) > 0) {
        heading(o, "### Longest waits\n\n", "Longest waits:\n");
        static const char *const head[] = {"case", "from", "to", "wait", "from time"};
        jm__table *tb = jm__table_new(5, head, "lllrl");
        for (const jm__mval *l = first(longest); l != NULL; l = l->next) {
            char wait[32], at[32];
            human(wait, l, "wait_s");
            jm__time_format(ms(l, "at"), at);
            size_t nc, nf, nt;
            const char *c = str(l, "case", &nc);
            const char *fr = str(l, "from", &nf);
            const char *to = str(l, "to", &nt);
            const char *cells[] = {c, fr, to, wait, at};
            size_t lens[] = {nc, nf, nt, strlen(wait), strlen(at)};
            jm__table_row(tb, cells, lens);
        }
        jm__table_print(tb, f, o->md);
        jm__table_free(tb);
        fputc('\n', f);
    }
    const jm__mval *hd = get(s, "handling_by_step");
    if (count(hd) > 0) {
        heading(o, "### Handling time per step\n\n", "Handling time per step:\n");
        static const char *const head[] = {"step", "count", "median", "p90", "total"};
        jm__table *tb = jm__table_new(5, head, "lrrrr");
        size_t k = listed(o, count(hd)), r = 0;
        for (const jm__mval *h = first(hd); h != NULL && r < k; h = h->next, r++) {
            char c[4][32];
            snprintf(c[0], 32, "%" PRIu64, u(h, "count"));
            human(c[1], h, "median_s");
            human(c[2], h, "p90_s");
            human(c[3], h, "total_s");
            size_t n;
            const char *name = str(h, "step", &n);
            const char *cells[] = {name, c[0], c[1], c[2], c[3]};
            size_t lens[] = {n, strlen(c[0]), strlen(c[1]), strlen(c[2]), strlen(c[3])};
            jm__table_row(tb, cells, lens);
        }
        jm__table_print(tb, f, o->md);
        jm__table_free(tb);
        fputc('\n', f);
    }
    business_text(o, get(s, "business"));
}

static void waits_summary(const out *o, const jm__mval *s)
{
    const jm__mval *t = first(get(s, "by_transition"));
    if (t == NULL)
        return;
    char *fr = safe(t, "from", false), *to = safe(t, "to", false);
    char med[32], total[32], th[32];
    human(med, t, "median_s");
    human(total, t, "total_s");
    human(th, s, "threshold_s");
    fprintf(o->f,
            "Customers wait longest in all between '%s' and '%s' (%s in all, median %s); "
            "%" PRIu64 " %s longer than %s, in %.0f%% of journeys.\n",
            fr, to, total, med, u(s, "long_waits"),
            u(s, "long_waits") == 1 ? "wait is" : "waits are", th,
            pct(u(s, "journeys_with_long_wait"), journeys(o)));
    free(fr);
    free(to);
    const jm__mval *bt = first(get(s, "business.by_transition"));
    if (bt != NULL) {
        char *bf = safe(bt, "from", false), *bto = safe(bt, "to", false);
        char bm[32], btot[32];
        fprintf(o->f,
                "In business hours, the most waiting is between '%s' and '%s' (%s in all, median "
                "%s).\n",
                bf, bto, human(btot, bt, "total_s"), human(bm, bt, "median_s"));
        free(bf);
        free(bto);
    }
}

/* ---- The process map ---- */

static void map_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    const jm__mval *edges = get(s, "edges");
    heading(o, "## Process map\n\n", "Process map\n-----------\n");
    fprintf(f,
            "%zu steps and %zu transitions (start and end included); `jmine map` draws it. The "
            "most frequent transitions:\n\n",
            count(get(s, "nodes")), count(edges));
    static const char *const head[] = {"from", "to", "count", "journeys", "median wait"};
    jm__table *tb = jm__table_new(5, head, "llrrr");
    size_t k = listed(o, count(edges)), r = 0;
    for (const jm__mval *e = first(edges); e != NULL && r < k; e = e->next, r++) {
        char c[3][32];
        snprintf(c[0], 32, "%" PRIu64, u(e, "count"));
        snprintf(c[1], 32, "%" PRIu64, u(e, "journeys"));
        bool start = jm__m_isnull(get(e, "from")), end = jm__m_isnull(get(e, "to"));
        if (start || end)
            strcpy(c[2], "-");
        else
            human(c[2], e, "median_wait_s");
        size_t nf = 7, nt = 5;
        const char *fr = start ? "(start)" : str(e, "from", &nf);
        const char *to = end ? "(end)" : str(e, "to", &nt);
        const char *cells[] = {fr, to, c[0], c[1], c[2]};
        size_t lens[] = {nf, nt, strlen(c[0]), strlen(c[1]), strlen(c[2])};
        jm__table_row(tb, cells, lens);
    }
    jm__table_print(tb, f, o->md);
    jm__table_free(tb);
    fputc('\n', f);
}

/* ---- A section no renderer knows ---- */

/* A scalar for people, malloc'd and safe to show: counts, durations ("3h 20m"), shares in
 * percent, instants, strings, yes or no, "-" for null; NULL for an array or object. */
static char *scalar_text(const jm__mval *v, bool md)
{
    char buf[40];
    switch ((jm__mtype)v->type) {
    case JM__M_NULL: return jm__xstrdup("-");
    case JM__M_BOOL: return jm__xstrdup(v->v.b ? "yes" : "no");
    case JM__M_UINT: snprintf(buf, sizeof buf, "%" PRIu64, v->v.u); break;
    case JM__M_MS: jm__fmt_human(buf, v->v.ms); break;
    case JM__M_RATIO:
        snprintf(buf, sizeof buf, "%.1f%%", pct(v->v.ratio.num, v->v.ratio.den));
        break;
    case JM__M_TIME: jm__time_format(v->v.ms, buf); break;
    case JM__M_REAL: snprintf(buf, sizeof buf, "%g", v->v.d); break;
    case JM__M_STR: return jm__safe(v->v.str.s, v->v.str.n, md);
    default: return NULL;
    }
    return jm__xstrdup(buf);
}

/* The scalars of an object as "name: value" lines, those of objects inside it as
 * "name.inner: value"; arrays of scalars joined with commas. */
static void generic_lines(const out *o, const jm__mval *obj, const char *prefix)
{
    for (const jm__mval *v = first(obj); v != NULL; v = v->next) {
        if (v->hidden)
            continue;
        if (v->type == JM__M_OBJ) {
            char p[128];
            snprintf(p, sizeof p, "%s%s.", prefix, v->key);
            generic_lines(o, v, p);
            continue;
        }
        if (v->type == JM__M_ARR && first(v) != NULL && first(v)->type == JM__M_OBJ)
            continue; /* a table, below */
        fprintf(o->f, "%s%s%s: ", o->md ? "- " : "", prefix, v->key);
        if (v->type == JM__M_ARR) {
            for (const jm__mval *e = first(v); e != NULL; e = e->next) {
                char *t = scalar_text(e, o->md);
                fprintf(o->f, "%s%s", e == first(v) ? "" : ", ", t ? t : "...");
                free(t);
            }
        } else {
            char *t = scalar_text(v, o->md);
            fputs(t, o->f);
            free(t);
        }
        fputc('\n', o->f);
    }
}

/* An array of objects as a table: a column for each scalar member of the first, --top rows. */
static void generic_table(const out *o, const jm__mval *arr)
{
    const jm__mval *head = first(arr);
    const char *cols[32];
    char align[33];
    size_t nc = 0;
    for (const jm__mval *c = first(head); c != NULL && nc < 32; c = c->next)
        if (!c->hidden && c->type != JM__M_ARR && c->type != JM__M_OBJ) {
            align[nc] = c->type == JM__M_STR ? 'l' : 'r';
            cols[nc++] = c->key;
        }
    align[nc] = '\0';
    if (nc == 0)
        return;
    fprintf(o->f, o->md ? "### %s\n\n" : "%s:\n", arr->key);
    jm__table *tb = jm__table_new(nc, cols, align);
    char *cells[32];
    size_t k = listed(o, count(arr)), r = 0;
    for (const jm__mval *e = head; e != NULL && r < k; e = e->next, r++) {
        for (size_t i = 0; i < nc; i++) {
            const jm__mval *v = jm__m_get(e, cols[i]);
            cells[i] = v != NULL ? scalar_text(v, false) : NULL;
            if (cells[i] == NULL)
                cells[i] = jm__xstrdup("");
        }
        jm__table_row(tb, (const char *const *)cells, NULL);
        for (size_t i = 0; i < nc; i++)
            free(cells[i]);
    }
    jm__table_print(tb, o->f, o->md);
    jm__table_free(tb);
    fputc('\n', o->f);
}

/* A section of an analysis that write/report_text.c has no renderer for: its key as the
 * heading, its scalars as lines, its arrays of objects as tables. Not phrased, but not lost. */
static void generic_text(const out *o, const jm__mval *s)
{
    char title[64];
    size_t n = 0;
    for (const char *k = s->key; *k && n < sizeof title - 1; k++, n++)
        title[n] = n == 0 && *k >= 'a' && *k <= 'z' ? (char)(*k - 'a' + 'A') : *k == '_' ? ' ' : *k;
    title[n] = '\0';
    if (o->md) {
        fprintf(o->f, "## %s\n\n", title);
    } else {
        fprintf(o->f, "%s\n", title);
        for (size_t i = 0; i < n; i++)
            fputc('-', o->f);
        fputc('\n', o->f);
    }
    generic_lines(o, s, "");
    fputc('\n', o->f);
    for (const jm__mval *v = first(s); v != NULL; v = v->next)
        if (!v->hidden && v->type == JM__M_ARR && first(v) != NULL && first(v)->type == JM__M_OBJ)
            generic_table(o, v);
}

/* ---- The customer's view ---- */

/* A generic ranking table: for each row of arr, the string key (null: "(unknown)") and three
 * counts and a ratio. */
static void group_table(const out *o, const jm__mval *arr, const char *key, const char *head0)
{
    if (count(arr) == 0)
        return;
    const char *head[] = {head0, "journeys", "followed", "repeat rate"};
    jm__table *tb = jm__table_new(4, head, "lrrr");
    size_t k = listed(o, count(arr)), r = 0;
    for (const jm__mval *g = first(arr); g != NULL && r < k; g = g->next, r++) {
        char c[3][32];
        snprintf(c[0], 32, "%" PRIu64, u(g, "journeys"));
        snprintf(c[1], 32, "%" PRIu64, u(g, "followed"));
        snprintf(c[2], 32, "%.1f%%", ratio_pct(g, "rate"));
        size_t n;
        const char *name = str(g, key, &n);
        if (jm__m_isnull(get(g, key))) {
            name = "(unknown)";
            n = 9;
        }
        const char *cells[] = {name, c[0], c[1], c[2]};
        size_t lens[] = {n, strlen(c[0]), strlen(c[1]), strlen(c[2])};
        jm__table_row(tb, cells, lens);
    }
    jm__table_print(tb, o->f, o->md);
    jm__table_free(tb);
    fputc('\n', o->f);
}

static void customers_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    heading(o, "## Customers\n\n", "Customers\n---------\n");
    fprintf(f,
            "%" PRIu64 " customers in %" PRIu64 " journeys (%" PRIu64
            " journeys without a customer id left out). Contacts per customer: median %" PRIu64
            ", p90 %" PRIu64 ", max %" PRIu64 ".",
            u(s, "count"), u(s, "journeys"), u(s, "journeys_without_customer"),
            u(s, "contacts.median"), u(s, "contacts.p90"), u(s, "contacts.max"));
    if (!jm__m_isnull(get(s, "channels")))
        fprintf(f, " Channels per customer: median %" PRIu64 ", p90 %" PRIu64 ", max %" PRIu64 ".",
                u(s, "channels.median"), u(s, "channels.p90"), u(s, "channels.max"));
    fputs("\n\n", f);
    const jm__mval *r = get(s, "repeat");
    char win[32], g50[32], g90[32];
    human(win, r, "window_s");
    fprintf(f,
            "Repeat contact within %s: %" PRIu64 " of %" PRIu64
            " journeys followed by another of the same customer (%.1f%%); first-contact "
            "resolution %.1f%%; %" PRIu64 " %s too recent to tell (provisional, left out).",
            win, u(r, "followed"), u(r, "journeys"), ratio_pct(r, "rate"), ratio_pct(r, "fcr"),
            u(r, "provisional"), pl(u(r, "provisional"), "journey", "journeys"));
    if (!jm__m_isnull(get(r, "gap_s.median")))
        fprintf(f, " Gap to the first repeat: median %s, p90 %s.", human(g50, r, "gap_s.median"),
                human(g90, r, "gap_s.p90"));
    fputs("\n\n", f);
    if (!jm__m_isnull(get(r, "by_first_channel"))) {
        heading(o, "By first channel:\n\n", "By first channel:\n");
        group_table(o, get(r, "by_first_channel"), "channel", "first channel");
    }
    heading(o, "By first step:\n\n", "By first step:\n");
    group_table(o, get(r, "by_first_step"), "step", "first step");
    const jm__mval *c = get(s, "containment");
    if (jm__m_isnull(c))
        return;
    fprintf(f,
            "Containment in self-service: %" PRIu64 " of %" PRIu64
            " journeys that start there stay there and do not come back (%.1f%%).\n\n",
            u(c, "contained"), u(c, "journeys"), ratio_pct(c, "rate"));
    {
        static const char *const head[] = {"starting channel", "journeys", "contained", "rate"};
        jm__table *tb = jm__table_new(4, head, "lrrr");
        for (const jm__mval *g = first(get(c, "channels")); g != NULL; g = g->next) {
            char x[3][32];
            snprintf(x[0], 32, "%" PRIu64, u(g, "journeys"));
            snprintf(x[1], 32, "%" PRIu64, u(g, "contained"));
            snprintf(x[2], 32, "%.1f%%", ratio_pct(g, "rate"));
            size_t n;
            const char *name = str(g, "channel", &n);
            const char *cells[] = {name, x[0], x[1], x[2]};
            size_t lens[] = {n, strlen(x[0]), strlen(x[1]), strlen(x[2])};
            jm__table_row(tb, cells, lens);
        }
        jm__table_print(tb, f, o->md);
        jm__table_free(tb);
        fputc('\n', f);
    }
    const jm__mval *esc = get(c, "escalations");
    if (count(esc) == 0)
        return;
    heading(o, "Escalations (the first step outside self-service):\n\n",
            "Escalations (the first step outside self-service):\n");
    static const char *const head[] = {"step", "channel", "journeys"};
    jm__table *tb = jm__table_new(3, head, "llr");
    size_t k = listed(o, count(esc)), i = 0;
    for (const jm__mval *e = first(esc); e != NULL && i < k; e = e->next, i++) {
        char x[32];
        snprintf(x, 32, "%" PRIu64, u(e, "journeys"));
        size_t ns, nc;
        const char *st = str(e, "step", &ns);
        const char *ch = str(e, "channel", &nc);
        if (jm__m_isnull(get(e, "channel"))) {
            ch = "(unknown)";
            nc = 9;
        }
        const char *cells[] = {st, ch, x};
        size_t lens[] = {ns, nc, strlen(x)};
        jm__table_row(tb, cells, lens);
    }
    jm__table_print(tb, f, o->md);
    jm__table_free(tb);
    fputc('\n', f);
}

static void customers_summary(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    const jm__mval *r = get(s, "repeat");
    if (u(r, "journeys") == 0)
        return;
    char win[32];
    fprintf(f,
            "%" PRIu64 " customers need a median of %" PRIu64 " contacts; %.0f%% of journeys are "
            "followed by a repeat contact within %s, and %.0f%% are resolved in one contact",
            u(s, "count"), u(s, "contacts.median"), ratio_pct(r, "rate"),
            human(win, r, "window_s"), ratio_pct(r, "fcr"));
    const jm__mval *top = first(get(r, "by_first_step"));
    if (top != NULL && u(top, "followed") > 0) {
        char *st = safe(top, "step", false);
        fprintf(f, "; most repeats follow journeys that start with '%s' (%.0f%% of them)", st,
                ratio_pct(top, "rate"));
        free(st);
    }
    const jm__mval *c = get(s, "containment");
    if (!jm__m_isnull(c) && u(c, "journeys") > 0)
        fprintf(f, "; self-service contains %.0f%% of the journeys that start there",
                ratio_pct(c, "rate"));
    fputs(".\n", f);
}

/* ---- Handovers ---- */

static void handovers_text(const out *o, const jm__mval *s)
{
    FILE *f = o->f;
    heading(o, "## Handovers\n\n", "Handovers\n---------\n");
    fprintf(f,
            "%" PRIu64 " handovers between resources in %" PRIu64 " of %" PRIu64
            " journeys (%.1f%%); %" PRIu64 " handed straight back (ping-pong); %" PRIu64
            " journeys with more than %" PRIu64 " handovers; %" PRIu64
            " pairs of resources.\n\n",
            u(s, "count"), u(s, "journeys"), ratio_den(s, "share_with_handover"),
            ratio_pct(s, "share_with_handover"), u(s, "ping_pong"), u(s, "journeys_over_max"),
            u(s, "max_handovers"), u(s, "pairs"));
    const jm__mval *matrix = get(s, "matrix");
    if (count(matrix) == 0)
        return;
    static const char *const head[] = {"from", "to", "handovers", "journeys", "ping-pong",
                                       "median wait"};
    jm__table *tb = jm__table_new(6, head, "llrrrr");
    size_t k = listed(o, count(matrix)), r = 0;
    for (const jm__mval *h = first(matrix); h != NULL && r < k; h = h->next, r++) {
        char c[4][32];
        snprintf(c[0], 32, "%" PRIu64, u(h, "count"));
        snprintf(c[1], 32, "%" PRIu64, u(h, "journeys"));
        snprintf(c[2], 32, "%" PRIu64, u(h, "ping_pong"));
        human(c[3], h, "median_wait_s");
        pair_row(tb, h, c, 4);
    }
    jm__table_print(tb, f, o->md);
    jm__table_free(tb);
    fputc('\n', f);
}

static void handovers_summary(const out *o, const jm__mval *s)
{
    if (ratio_den(s, "share_with_handover") == 0)
        return;
    fprintf(o->f,
            "%.0f%% of journeys pass from one agent to another (%" PRIu64
            " handovers, %" PRIu64 " straight back).\n",
            ratio_pct(s, "share_with_handover"), u(s, "count"), u(s, "ping_pong"));
}

/* ---- The report ---- */

/* The renderers, by the key of the section they phrase. A new analysis adds its line here; until
 * it does, its section is shown plainly (generic_text). */
static const struct {
    const char *key;
    void (*text)(const out *o, const jm__mval *section);
    void (*summary)(const out *o, const jm__mval *section); /* NULL: no sentence */
} sections[] = {
    {"journeys", journeys_text, journeys_summary}, {"variants", variants_text, NULL},
    {"loops", loops_text, loops_summary},          {"channels", channels_text, channels_summary},
    {"waits", waits_text, waits_summary},          {"map", map_text, NULL},
    {"customers", customers_text, customers_summary},
    {"handovers", handovers_text, handovers_summary},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static size_t section_of(const char *key)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        if (strcmp(sections[i].key, key) == 0)
            return i;
    return NSECTIONS;
}

/* The opening summary: each section's sentence, then "where to act first" (act_first). */
static void summary_text(const out *o)
{
    FILE *f = o->f;
    heading(o, "## Summary\n\n", "Summary\n-------\n");
    for (const jm__mval *v = first(o->root); v != NULL; v = v->next) {
        size_t i = section_of(v->key);
        if (i < NSECTIONS && sections[i].summary != NULL)
            sections[i].summary(o, v);
    }
    const jm__mval *act = get(o->root, "act_first");
    if (count(act) > 0) {
        heading(o, "\n**Where to act first** (by the journeys each burdens):\n\n",
                "\nWhere to act first (by the journeys each burdens):\n");
        for (const jm__mval *a = first(act); a != NULL; a = a->next) {
            char *what = safe(a, "what", o->md);
            size_t nk, nd;
            const char *kind = str(a, "kind", &nk);
            const char *detail = str(a, "detail", &nd);
            fprintf(f, "%s%" PRIu64 ". %.*s '%s': %" PRIu64 " %s (%.1f%%); %.*s.\n",
                    o->md ? "" : "  ", u(a, "rank"), (int)nk, kind, what, u(a, "journeys"),
                    pl(u(a, "journeys"), "journey", "journeys"), ratio_pct(a, "share"), (int)nd,
                    detail);
            free(what);
        }
    }
    fputc('\n', f);
}

/* The input section: rows, rejections and columns. Keys the writer does not know are left to
 * the JSON report. */
/* A string of the model as text made safe for people (malloc'd); "" where absent. */
static char *safe_str(const out *o, const jm__mval *v)
{
    if (v == NULL || v->type != JM__M_STR)
        return jm__safe("", 0, o->md);
    return jm__safe(v->v.str.s, v->v.str.n, o->md);
}

/* The filters (SPEC §12), in the order applied, each with what it removed. */
static void filters_text(const out *o)
{
    const jm__mval *fl = get(o->root, "filters");
    if (fl == NULL)
        return;
    FILE *f = o->f;
    fprintf(f, "%sFilters, in the order applied:\n", o->md ? "- " : "");
    for (const jm__mval *v = first(fl); v != NULL; v = v->next) {
        char *text = safe_str(o, get(v, "filter"));
        fprintf(f, "%s%s%s%s: ", o->md ? "  - " : "  ", o->md ? "`" : "", text, o->md ? "`" : "");
        free(text);
        if (get(v, "journeys_before") == NULL) {
            fprintf(f, "%" PRIu64 " rows removed as read\n", u(v, "rows_removed"));
            continue;
        }
        uint64_t b = u(v, "journeys_before"), a = u(v, "journeys_after");
        fprintf(f, "%" PRIu64 " of %" PRIu64 " journeys kept (%" PRIu64 " removed)", a, b, b - a);
        if (get(v, "events_removed") != NULL)
            fprintf(f, ", %" PRIu64 " events outside the window removed", u(v, "events_removed"));
        fputc('\n', f);
    }
}

static void input_text(const out *o, const jm__mval *in)
{
    FILE *f = o->f;
    heading(o, "## Input\n\n", "Input\n-----\n");
    uint64_t files = count(get(in, "files"));
    const jm__mval *stages = get(in, "stages");
    uint64_t rows = u(in, "rows"), rejected = u(in, "rejected");
    uint64_t dropped = u(in, "duplicates_dropped"), dups = u(in, "duplicate_rows");
    if (stages != NULL && stages->v.b)
        fprintf(f,
                "%sRows read %" PRIu64 " = %" PRIu64 " kept (%" PRIu64 " stage events) + %" PRIu64
                " rejected",
                o->md ? "- " : "", rows, rows - rejected - dropped, u(in, "events"), rejected);
    else
        fprintf(f, "%sRows read %" PRIu64 " = %" PRIu64 " events + %" PRIu64 " rejected",
                o->md ? "- " : "", rows, u(in, "events"), rejected);
    const jm__mval *lc = get(in, "lifecycle");
    bool paired = false;
    if (lc != NULL) {
        const jm__mval *mode = get(lc, "mode");
        paired = mode != NULL && mode->v.str.n == 4 && memcmp(mode->v.str.s, "pair", 4) == 0;
    }
    if (paired)
        fprintf(f,
                " + %" PRIu64 " completes paired with their start + %" PRIu64 " other transitions",
                u(lc, "paired"), u(lc, "other"));
    if (dropped)
        fprintf(f, " + %" PRIu64 " duplicate%s dropped", dropped, dropped == 1 ? "" : "s");
    /* Rows a --where dropped: a term of the equation where there is a row filter. */
    bool row_filters = false;
    for (const jm__mval *v = first(get(o->root, "filters")); v != NULL; v = v->next)
        row_filters |= get(v, "journeys_before") == NULL;
    if (row_filters)
        fprintf(f, " + %" PRIu64 " filtered out (--where)", u(in, "filtered_rows"));
    char *enc = safe_str(o, get(in, "encoding"));
    fprintf(f, " (%" PRIu64 " file%s, %s", files, files == 1 ? "" : "s", enc);
    free(enc);
    if (u(in, "blank_lines"))
        fprintf(f, "; %" PRIu64 " blank lines skipped", u(in, "blank_lines"));
    fprintf(f, ")\n");
    if (dups > dropped)
        fprintf(f,
                "%s%" PRIu64 " row%s repeat%s an earlier row byte for byte (kept; --dedupe drops "
                "them)\n",
                o->md ? "- " : "", dups, dups == 1 ? "" : "s", dups == 1 ? "s" : "");
    for (const jm__mval *r = first(get(in, "rejected_by_reason")); r != NULL; r = r->next)
        if (jm__m_u(r))
            fprintf(f, "%s  rejected, %s: %" PRIu64 "\n", o->md ? "  -" : "", r->key, jm__m_u(r));
    if (lc != NULL) {
        char *why = safe_str(o, get(lc, "why"));
        fprintf(f, "%sLifecycle: %s (%s)\n", o->md ? "- " : "",
                paired ? "starts paired with completes" : "not paired", why);
        free(why);
    }
    fprintf(f, "%sColumns:", o->md ? "- " : "");
    for (const jm__mval *c = first(get(in, "columns")); c != NULL; c = c->next) {
        if (c->type != JM__M_STR)
            continue;
        char *s = jm__safe(c->v.str.s, c->v.str.n, o->md);
        fprintf(f, " %s=%s", c->key, s);
        free(s);
    }
    char *tf = safe_str(o, get(in, "time_format"));
    fprintf(f, "\n%sTime format: %s\n", o->md ? "- " : "", tf);
    free(tf);
    filters_text(o);
    /* The privacy policy (the report's privacy section), said only when it is on. */
    const jm__mval *pv = get(o->root, "privacy.pseudonymized");
    if (pv != NULL && pv->type == JM__M_BOOL && pv->v.b)
        fprintf(f, "%sCase and customer ids: pseudonymized (keyed HMAC-SHA-256)\n",
                o->md ? "- " : "");
    const jm__mval *mj = get(o->root, "privacy.min_journeys");
    if (mj != NULL)
        fprintf(f,
                "%sRows seen in fewer than %" PRIu64 " journeys (variants, transitions, steps, "
                "map edges, channel switches) folded into one (other) row\n",
                o->md ? "- " : "", jm__m_u(mj));
    fputc('\n', f);
}

static void report(const jm__mval *root, FILE *f, bool md)
{
    out o = {f, md, root};
    fputs(md ? "# Journey report\n\n" : "Journey report\n==============\n\n", f);
    summary_text(&o);
    const jm__mval *in = get(root, "input");
    if (in != NULL)
        input_text(&o, in);
    for (const jm__mval *v = first(root); v != NULL; v = v->next) {
        size_t i = section_of(v->key);
        if (i < NSECTIONS)
            sections[i].text(&o, v);
        else if (v->type == JM__M_OBJ && !v->hidden && strcmp(v->key, "input") != 0 &&
                 strcmp(v->key, "privacy") != 0)
            generic_text(&o, v);
    }
}

void jm__text_report(const jm__mval *root, FILE *f)
{
    report(root, f, false);
}

void jm__md_report(const jm__mval *root, FILE *f)
{
    report(root, f, true);
}

void jm__text_variants(const jm__mval *root, FILE *f)
{
    out o = {f, false, root};
    variants_text(&o, get(root, "variants"));
}

void jm__md_variants(const jm__mval *root, FILE *f)
{
    out o = {f, true, root};
    variants_text(&o, get(root, "variants"));
}
