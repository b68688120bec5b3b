/* SPDX-License-Identifier: MIT */
/* Business time (SPEC §9): opening hours per channel, holidays, and business milliseconds. */
#include "bizcal.h"
#include "util.h"

#include <glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The date at s (YYYY-MM-DD) as days since 1970-01-01 into *day; false if it is none. */
static bool iso_day(const char *s, size_t n, int64_t *day)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[3] = {0, 0, 0};
    static const int at[3][2] = {{0, 4}, {5, 2}, {8, 2}};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < at[k][1]; i++) {
            char c = s[at[k][0] + i];
            if (c < '0' || c > '9')
                return false;
            v[k] = v[k] * 10 + (c - '0');
        }
    int y = v[0], m = v[1], d = v[2];
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    /* Days from civil (H. Hinnant). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *day = era * 146097 + doe - 719468;
    return true;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The dates of text, each as days since the epoch, sorted and unique; *bad gets the first line
 * that is no date (NULL if none). */
static int64_t *holiday_days(const char *text, size_t *n, const char **bad)
{
    int64_t *d = NULL;
    size_t k = 0, cap = 0;
    *bad = NULL;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *s = p;
        size_t m = len;
        while (m > 0 && (*s == ' ' || *s == '\t' || *s == '\r')) {
            s++;
            m--;
        }
        while (m > 0 && (s[m - 1] == ' ' || s[m - 1] == '\t' || s[m - 1] == '\r'))
            m--;
        int64_t day;
        if (m > 0 && s[0] != '#') {
            if (iso_day(s, m, &day)) {
                jm__grow((void **)&d, &cap, k + 1, sizeof *d);
                d[k++] = day;
            } else if (*bad == NULL) {
                *bad = p;
            }
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
    if (k > 0)
        qsort(d, k, sizeof *d, i64_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || d[i] != d[u - 1])
            d[u++] = d[i];
    *n = u;
    return d;
}

char *jm__holidays_canon(const char *text)
{
    size_t n;
    const char *bad;
    int64_t *d = holiday_days(text, &n, &bad);
    char *out = jm__xmalloc(n * 11 + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* Civil from days (H. Hinnant). */
        int64_t z = d[i] + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int64_t dd = doy - (153 * mp + 2) / 5 + 1;
        int64_t mm = mp < 10 ? mp + 3 : mp - 9;
        y += mm <= 2;
        k += (size_t)snprintf(out + k, 12, "%s%04d-%02d-%02d", i ? "," : "", (int)y, (int)mm,
                              (int)dd);
    }
    out[k] = '\0';
    free(d);
    return out;
}

/* ---- Calendars ---- */

#define DAY_MS INT64_C(86400000)
#define MIN_MS INT64_C(60000)

typedef struct span {
    uint8_t days;     /* bit k: weekday k (0 Monday .. 6 Sunday) */
    uint16_t from, to; /* minutes from local midnight, from < to <= 1440 */
} span;

typedef struct entry {
    char *chan; /* "*" for the rest */
    span *s;
    size_t ns;
} entry;

struct jm__bizcal {
    GTimeZone *tz; /* NULL: UTC */
    entry *e;
    size_t ne;
    int64_t *hol; /* days since the epoch, sorted */
    size_t nhol;
};

static const char *const wdays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static void skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static int weekday(const char **p)
{
    for (int k = 0; k < 7; k++) {
        const char *w = wdays[k];
        const char *q = *p;
        int i = 0;
        while (i < 3 && q[i] && (q[i] | 0x20) == w[i])
            i++;
        if (i == 3) {
            *p += 3;
            return k;
        }
    }
    return -1;
}

static int hhmm(const char **p)
{
    const char *q = *p;
    if (q[0] < '0' || q[0] > '9' || q[1] < '0' || q[1] > '9' || q[2] != ':' || q[3] < '0' ||
        q[3] > '9' || q[4] < '0' || q[4] > '9')
        return -1;
    int h = (q[0] - '0') * 10 + (q[1] - '0'), m = (q[3] - '0') * 10 + (q[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    *p += 5;
    return h * 60 + m;
}

/* One "DAYS HH:MM-HH:MM" at *p into *out. */
static bool parse_span(const char **p, span *out)
{
    skip_space(p);
    int a = weekday(p), b = a;
    if (a < 0)
        return false;
    if (**p == '-') {
        (*p)++;
        b = weekday(p);
        if (b < 0)
            return false;
    }
    out->days = 0;
    for (int k = a;; k = (k + 1) % 7) {
        out->days |= (uint8_t)(1u << k);
        if (k == b)
            break;
    }
    skip_space(p);
    int f = hhmm(p);
    if (f < 0 || **p != '-')
        return false;
    (*p)++;
    int t = hhmm(p);
    if (t < 0 || t <= f)
        return false;
    out->from = (uint16_t)f;
    out->to = (uint16_t)t;
    skip_space(p);
    return true;
}

void jm__bizcal_free(jm__bizcal *c)
{
    if (c == NULL)
        return;
    if (c->tz != NULL)
        g_time_zone_unref(c->tz);
    for (size_t i = 0; i < c->ne; i++) {
        free(c->e[i].chan);
        free(c->e[i].s);
    }
    free(c->e);
    free(c->hol);
    free(c);
}

jm__bizcal *jm__bizcal_new(const char *spec, const char *tz, const char *holidays, char **err)
{
    jm__bizcal *c = jm__xcalloc(1, sizeof *c);
    size_t cap = 0;
    if (tz != NULL && strcmp(tz, "UTC") != 0) {
        c->tz = g_time_zone_new_identifier(tz);
        if (c->tz == NULL) {
            *err = jm__strdupf("--calendar: unknown time zone '%s'", tz);
            jm__bizcal_free(c);
            return NULL;
        }
    }
    const char *p = spec;
    while (*p) {
        skip_space(&p);
        if (*p == ';') {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        const char *eq = strchr(p, '=');
        const char *semi = strchr(p, ';');
        if (eq == NULL || (semi != NULL && semi < eq)) {
            *err = jm__strdupf("--calendar: '%.40s' is not CHANNEL=DAYS HH:MM-HH:MM (e.g. "
                               "'phone=Mon-Fri 08:00-18:00; *=Mon-Fri 08:00-17:00')",
                               p);
            jm__bizcal_free(c);
            return NULL;
        }
        size_t n = (size_t)(eq - p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        jm__grow((void **)&c->e, &cap, c->ne + 1, sizeof *c->e);
        entry *e = &c->e[c->ne++];
        memset(e, 0, sizeof *e);
        e->chan = jm__xmemdup(p, n);
        for (size_t i = 0; i + 1 < c->ne; i++)
            if (strcmp(c->e[i].chan, e->chan) == 0) {
                *err = jm__strdupf("--calendar: channel '%s' given twice", e->chan);
                jm__bizcal_free(c);
                return NULL;
            }
        p = eq + 1;
        size_t scap = 0;
        for (;;) {
            span sp;
            const char *at = p;
            if (!parse_span(&p, &sp) || (*p != ',' && *p != ';' && *p != '\0')) {
                *err = jm__strdupf("--calendar: '%.40s' is not DAYS HH:MM-HH:MM (days Mon..Sun "
                                   "or a range such as Mon-Fri; hours 00:00 to 24:00)",
                                   at);
                jm__bizcal_free(c);
                return NULL;
            }
            jm__grow((void **)&e->s, &scap, e->ns + 1, sizeof *e->s);
            e->s[e->ns++] = sp;
            if (*p != ',')
                break;
            p++;
        }
    }
    if (c->ne == 0) {
        *err = jm__strdupf("--calendar: no opening hours given");
        jm__bizcal_free(c);
        return NULL;
    }
    if (holidays != NULL) {
        const char *bad;
        c->hol = holiday_days(holidays, &c->nhol, &bad);
        if (bad != NULL) {
            const char *nl = strchr(bad, '\n');
            int len = nl ? (int)(nl - bad) : (int)strlen(bad);
            *err = jm__strdupf("--holidays: '%.*s' is not a date YYYY-MM-DD", len > 40 ? 40 : len,
                               bad);
            jm__bizcal_free(c);
            return NULL;
        }
    }
    return c;
}

int jm__bizcal_entry(const jm__bizcal *c, const char *ch, size_t n)
{
    int star = -1;
    for (size_t i = 0; i < c->ne; i++) {
        const char *k = c->e[i].chan;
        if (strcmp(k, "*") == 0)
            star = (int)i;
        else if (ch != NULL && strlen(k) == n && memcmp(k, ch, n) == 0)
            return (int)i;
    }
    return star;
}

/* The zone's offset (ms) at UTC instant t. */
static int64_t offset_at(const jm__bizcal *c, int64_t t)
{
    if (c->tz == NULL)
        return 0;
    int64_t s = t >= 0 ? t / 1000 : -((-t + 999) / 1000);
    gint iv = g_time_zone_find_interval(c->tz, G_TIME_TYPE_UNIVERSAL, s);
    return (int64_t)g_time_zone_get_offset(c->tz, iv) * 1000;
}

/* The UTC instant of local time `local` (ms since the epoch as a wall clock); a local time
 * skipped by a change to summer time is read as the instant the clock jumps past it. */
static int64_t utc_of(const jm__bizcal *c, int64_t local)
{
    if (c->tz == NULL)
        return local;
    gint64 s = local / 1000; /* opening hours are whole minutes, days from 1970 on */
    gint64 adj = s;
    gint iv = g_time_zone_adjust_time(c->tz, G_TIME_TYPE_STANDARD, &adj);
    int64_t off = (int64_t)g_time_zone_get_offset(c->tz, iv);
    /* adjust_time moves a skipped time forward; the instant is then that moved time. */
    return (adj - off) * 1000 + (local - s * 1000);
}

static bool holiday(const jm__bizcal *c, int64_t day)
{
    size_t lo = 0, hi = c->nhol;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->hol[mid] < day)
            lo = mid + 1;
        else if (c->hol[mid] > day)
            hi = mid;
        else
            return true;
    }
    return false;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t jm__bizcal_ms(const jm__bizcal *c, int e, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    if (e < 0)
        return b - a;
    const entry *en = &c->e[e];
    int64_t da = floor_div(a + offset_at(c, a), DAY_MS);
    int64_t db = floor_div(b + offset_at(c, b), DAY_MS);
    int64_t sum = 0;
    for (int64_t d = da; d <= db; d++) {
        if (c->nhol > 0 && holiday(c, d))
            continue;
        int wd = (int)(((d % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday (3) */
        for (size_t i = 0; i < en->ns; i++) {
            const span *s = &en->s[i];
            if (!(s->days & (1u << wd)))
                continue;
            int64_t u1 = utc_of(c, d * DAY_MS + s->from * MIN_MS);
            int64_t u2 = utc_of(c, d * DAY_MS + s->to * MIN_MS);
            int64_t lo = u1 > a ? u1 : a, hi = u2 < b ? u2 : b;
            if (hi > lo)
                sum += hi - lo;
        }
    }
    return sum;
}
