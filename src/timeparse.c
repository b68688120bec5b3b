/* SPDX-License-Identifier: MIT */
/* Timestamps: a hand-written reader for the automatic formats, strptime for --time-format,
 * zone arithmetic from a table taken once from GLib, and RFC 3339 output. */

/* strptime() and struct tm's tm_gmtoff need more than POSIX; glibc hides them otherwise. */
#define _GNU_SOURCE

#include "timeparse.h"

#include <glib.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The instants that years 1 to 9999 cover, in seconds and milliseconds since the epoch:
 * 0001-01-01T00:00:00Z is day -719162, and 10000-01-01 would be day 2932897. */
#define JM_DAY_FIRST INT64_C(-719162)
#define JM_DAY_END INT64_C(2932897)
#define JM_MS_MIN (JM_DAY_FIRST * 86400000)
#define JM_MS_MAX (JM_DAY_END * 86400000 - 1)

/* Longest value the --time-format path accepts; real timestamps are far shorter, and a fixed
 * buffer keeps the per-row path free of allocation. */
#define JM_TIMEFMT_MAX 255

struct jm__timefmt {
    char *format; /* strptime format, or NULL for the automatic formats */
    bool has_z;   /* the format holds %z, so each value carries its own offset */
    bool utc;     /* the zone is UTC: local time is universal time, no lookup */
    /* The zone as a table of intervals: interval i starts at start[i - 1] (UTC seconds; the
     * first has no start) and ends where the next begins, and has offset off[i] (seconds east
     * of UTC). n is the number of starts, so off holds n + 1 entries. */
    size_t n;
    int64_t *start;
    int32_t *off;
    int64_t span; /* largest |offset| plus one: how far a local time can be from UTC */
};

/* Write a printf-style message into *err with malloc(), since the caller releases it with
 * free(); out of memory aborts, as everywhere else in jmine. */
static void set_error(char **err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        len = 0;
    char *msg = malloc((size_t)len + 1);
    if (msg == NULL)
        abort();
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    *err = msg;
}

int64_t jm__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Count years from March, so that the leap day is the last day of a year, and split the
     * calendar into 400-year eras of exactly 146097 days each. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                          /* 0 .. 399 */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;    /* 0 .. 365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* 0 .. 146096 */
    return era * 146097 + doe - 719468; /* 719468: days from 0000-03-01 to 1970-01-01 */
}

/* The inverse of jm__days_from_civil, by the same eras. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* 0 .. 146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0 .. 399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0 .. 365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Floor division, because C's / truncates toward zero and times before 1970 are negative. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Write v as exactly w decimal digits. */
static char *put_digits(char *p, unsigned v, int w)
{
    for (int i = w - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + w;
}

size_t jm__time_format(int64_t ms, char *buf)
{
    int64_t secs = floor_div(ms, 1000);
    unsigned frac = (unsigned)(ms - secs * 1000);
    int64_t days = floor_div(secs, 86400);
    unsigned sod = (unsigned)(secs - days * 86400);
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);

    char *p = buf;
    if (y >= 0 && y <= 9999) {
        p = put_digits(p, (unsigned)y, 4);
    } else {
        /* Outside the years jmine reads; still write something faithful rather than wrap. */
        p += snprintf(p, 16, "%04" PRId64, y);
    }
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, sod % 60, 2);
    if (frac != 0) {
        *p++ = '.';
        p = put_digits(p, frac, 3);
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - buf);
}

/* ---- Zones ---- */

/* Index of the interval that holds the UTC instant u: the number of starts at or before u. */
static size_t interval_of(const jm__timefmt *tf, int64_t u)
{
    size_t lo = 0, hi = tf->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tf->start[mid] <= u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Turn a local wall-clock time (seconds, counted as if it were UTC) into UTC seconds.
 *
 * A local time belongs to interval i when subtracting that interval's offset lands inside the
 * interval. Around a transition that can hold for two intervals or for none:
 * - Overlap (clocks go back, the time happens twice): the earlier instant wins, which in the
 *   usual autumn change is daylight time (Berlin 2021-10-31 02:30 is 00:30Z, not 01:30Z).
 * - Gap (clocks go forward, the time never happens): the time is read with the offset in force
 *   before the gap, which moves it forward by the length of the gap (Berlin 2021-03-28 02:30
 *   reads as 03:30 CEST, 01:30Z), as Python's fold=0 and java.time do. A row is kept rather
 *   than rejected for a clock that a person or a system set by hand. */
static int64_t local_to_utc(const jm__timefmt *tf, int64_t local)
{
    if (tf->utc)
        return local;
    if (tf->n == 0)
        return local - tf->off[0];

    /* Every candidate instant lies within span of the local time, so only the intervals that
     * meet [local - span, local + span] can hold it: usually one or two. */
    size_t lo = interval_of(tf, local - tf->span);
    size_t hi = interval_of(tf, local + tf->span);
    for (size_t i = lo; i <= hi; i++) {
        int64_t u = local - tf->off[i];
        if ((i == 0 || u >= tf->start[i - 1]) && (i == tf->n || u < tf->start[i]))
            return u;
    }
    /* No interval holds it, so it sits in a gap: find the interval whose offset carries it past
     * its end while the next interval's offset puts it before that interval's start. */
    for (size_t i = lo; i < hi; i++) {
        if (local - tf->off[i] >= tf->start[i] && local - tf->off[i + 1] < tf->start[i])
            return local - tf->off[i];
    }
    return local - tf->off[hi]; /* not reached for a consistent table */
}

struct zone_build {
    GTimeZone *tz;
    GArray *start; /* int64_t */
    GArray *off;   /* int32_t */
};

/* Record the UTC instants in (a, b] where GLib's interval changes, in order, by bisection:
 * GLib's interval index never decreases with time, so equal ends mean nothing changes between. */
static void find_transitions(struct zone_build *zb, int64_t a, gint ia, int64_t b, gint ib)
{
    if (ia == ib)
        return;
    if (b - a == 1) {
        gint32 off = g_time_zone_get_offset(zb->tz, ib);
        /* Skip changes of name or DST flag that keep the offset: they move no clock. */
        if (off != g_array_index(zb->off, gint32, zb->off->len - 1)) {
            gint64 t = b;
            g_array_append_val(zb->start, t);
            g_array_append_val(zb->off, off);
        }
        return;
    }
    int64_t mid = a + (b - a) / 2;
    gint im = g_time_zone_find_interval(zb->tz, G_TIME_TYPE_UNIVERSAL, mid);
    find_transitions(zb, a, ia, mid, im);
    find_transitions(zb, mid, im, b, ib);
}

/* Copy the zone's transitions out of GLib once. GLib's own lookups scan its transitions one by
 * one (more than a hundred steps for a date in 2021 in Europe/Berlin, since GLib spells the
 * rules out up to the year 3000), which costs more per row than parsing the timestamp; a sorted
 * table answers in a binary search, needs no GLib call per row and is never written after this,
 * so threads share it freely. Building it costs some tens of milliseconds once. */
static bool load_zone(jm__timefmt *tf, const char *name)
{
    if (name == NULL || strcmp(name, "UTC") == 0) {
        tf->utc = true;
        return true;
    }
    GTimeZone *tz = g_time_zone_new_identifier(name);
    if (tz == NULL)
        return false;

    /* Local times of years 1 to 9999 lie within a day or so of these instants. */
    int64_t a = (JM_DAY_FIRST - 2) * 86400, b = (JM_DAY_END + 2) * 86400;
    struct zone_build zb = {tz, g_array_new(FALSE, FALSE, sizeof(gint64)),
                            g_array_new(FALSE, FALSE, sizeof(gint32))};
    gint ia = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, a);
    gint ib = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, b);
    gint32 off0 = g_time_zone_get_offset(tz, ia);
    g_array_append_val(zb.off, off0);
    find_transitions(&zb, a, ia, b, ib);
    g_time_zone_unref(tz);

    tf->n = zb.start->len;
    tf->start = (int64_t *)(void *)g_array_free(zb.start, FALSE);
    tf->off = (int32_t *)(void *)g_array_free(zb.off, FALSE);
    tf->span = 0;
    for (size_t i = 0; i <= tf->n; i++) {
        int64_t o = tf->off[i] < 0 ? -(int64_t)tf->off[i] : tf->off[i];
        if (o + 1 > tf->span)
            tf->span = o + 1;
    }
    /* Etc/UTC, Z, +00:00 and the like take the same path as UTC. */
    tf->utc = tf->n == 0 && tf->off[0] == 0;
    return true;
}

/* ---- Readers ---- */

/* Check a strptime format: it must convert something, and %s is refused because glibc fills
 * struct tm from it through the process's local zone, which would make results depend on TZ. */
static bool check_format(const char *format, bool *has_z, char **err)
{
    bool any = false;
    *has_z = false;
    if (format[0] == '\0') {
        set_error(err, "empty time format (give a strptime format such as '%%d/%%m/%%Y %%H:%%M')");
        return false;
    }
    for (const char *p = format; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        p++;
        /* glibc's strptime skips strftime's flags, a field width and the E and O modifiers. */
        while (*p == '-' || *p == '_' || *p == '0' || *p == '^' || *p == '#')
            p++;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p == 'E' || *p == 'O')
            p++;
        if (*p == '\0') {
            set_error(err, "time format '%s' ends inside a %% conversion", format);
            return false;
        }
        if (*p == '%')
            continue;
        if (*p == 's') {
            set_error(err,
                      "time format '%s' uses %%s, which strptime reads in the process's local "
                      "zone; epoch seconds are read without --time-format",
                      format);
            return false;
        }
        if (*p == 'z')
            *has_z = true;
        any = true;
    }
    if (!any) {
        set_error(err, "time format '%s' has no conversion such as %%Y or %%H", format);
        return false;
    }
    return true;
}

jm__timefmt *jm__timefmt_new(const char *format, const char *tz, char **err)
{
    jm__timefmt *tf = g_new0(jm__timefmt, 1);
    if (format != NULL) {
        if (!check_format(format, &tf->has_z, err))
            goto fail;
        tf->format = g_strdup(format);
    }
    if (!load_zone(tf, tz)) {
        set_error(err, "unknown time zone '%s' (use an IANA name such as Europe/Berlin)", tz);
        goto fail;
    }
    return tf;

fail:
    jm__timefmt_free(tf);
    return NULL;
}

void jm__timefmt_free(jm__timefmt *tf)
{
    if (tf == NULL)
        return;
    g_free(tf->format);
    g_free(tf->start);
    g_free(tf->off);
    g_free(tf);
}

/* ---- Parsing ---- */

static inline bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* The two digits at p as a number, or -1. */
static inline int two_digits(const char *p)
{
    if (!is_digit(p[0]) || !is_digit(p[1]))
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Read a fraction's digits from p (the separator already passed): keep milliseconds, drop the
 * rest unrounded so that a time never moves into the next second. At least one digit. */
static const char *read_fraction(const char *p, const char *e, int64_t *ms)
{
    if (p == e || !is_digit(*p))
        return NULL;
    int64_t v = 0;
    int k = 0;
    for (; p < e && is_digit(*p); p++, k++) {
        if (k < 3)
            v = v * 10 + (*p - '0');
    }
    for (; k < 3; k++)
        v *= 10;
    *ms = v;
    return p;
}

/* Validate a date and count its days since 1970-01-01. */
static bool civil_day(int64_t y, int mo, int d, int64_t *days)
{
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        (unsigned)d > days_in_month(y, (unsigned)mo))
        return false;
    *days = jm__days_from_civil(y, (unsigned)mo, (unsigned)d);
    return true;
}

/* Validate a time of day and count its seconds. The leap second 23:59:60 is read as the first
 * second of the next day, as POSIX's timegm normalises it: jmine counts in POSIX time, which
 * has no leap seconds. */
static bool clock_seconds(int h, int mi, int s, int64_t *secs)
{
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
        (s == 60 && (h != 23 || mi != 59)))
        return false;
    *secs = h * 3600 + mi * 60 + s;
    return true;
}

/* Validate a wall-clock date and time and count it as seconds since 1970 read as UTC. */
static bool civil_seconds(int64_t y, int mo, int d, int h, int mi, int s, int64_t *out)
{
    int64_t days, secs;
    if (!civil_day(y, mo, d, &days) || !clock_seconds(h, mi, s, &secs))
        return false;
    *out = days * 86400 + secs;
    return true;
}

/* Seconds and milliseconds to the result, refusing instants outside years 1 to 9999 in UTC
 * (an offset can push a time at either end of the range over the edge). */
static bool finish(int64_t utc, int64_t frac, int64_t *ms)
{
    int64_t v = utc * 1000 + frac;
    if (v < JM_MS_MIN || v > JM_MS_MAX)
        return false;
    *ms = v;
    return true;
}

/* Epoch seconds (1 to 11 digits, optionally with a fraction) or milliseconds (12 to 14). */
static bool parse_epoch(const char *p, const char *e, int64_t *ms)
{
    int64_t v = 0;
    const char *q = p;
    for (; q < e && is_digit(*q); q++) {
        if (q - p >= 14)
            return false;
        v = v * 10 + (*q - '0');
    }
    size_t k = (size_t)(q - p);
    if (k == 0)
        return false;
    if (k >= 12) {
        if (q != e)
            return false;
        *ms = v;
        return true;
    }
    int64_t frac = 0;
    if (q < e) {
        if (*q != '.')
            return false;
        q = read_fraction(q + 1, e, &frac);
        if (q != e)
            return false;
    }
    *ms = v * 1000 + frac;
    return true;
}

/* ISO 8601 / RFC 3339 and the slash-dated variant. p is at the 4-digit year, and p[4] is the
 * date separator. */
static bool parse_iso(const jm__timefmt *tf, jm__time_memo *memo, const char *p, const char *e,
                      int64_t *ms)
{
    size_t n = (size_t)(e - p);
    if (n < 10)
        return false;
    int yc = two_digits(p), yy = two_digits(p + 2);
    int mo = two_digits(p + 5), d = two_digits(p + 8);
    /* Both date separators must agree: 2021/03-04 is more likely damage than a date. */
    if (yc < 0 || yy < 0 || mo < 0 || d < 0 || p[7] != p[4])
        return false;
    int y = yc * 100 + yy;
    p += 10;

    int h = 0, mi = 0, s = 0;
    int64_t frac = 0;
    bool has_off = false;
    int64_t off = 0;
    if (p < e) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return false;
        p++;
        if (e - p < 5 || p[2] != ':')
            return false;
        h = two_digits(p);
        mi = two_digits(p + 3);
        if (h < 0 || mi < 0)
            return false;
        p += 5;
        if (p < e && *p == ':') {
            if (e - p < 3 || (s = two_digits(p + 1)) < 0)
                return false;
            p += 3;
            /* A fraction belongs to the seconds; after minutes ISO would mean a fraction of a
             * minute, which no log writes, so it is refused rather than misread. */
            if (p < e && (*p == '.' || *p == ',')) {
                p = read_fraction(p + 1, e, &frac);
                if (p == NULL)
                    return false;
            }
        }
        if (p < e && (*p == 'Z' || *p == 'z')) {
            has_off = true;
            p++;
        } else if (p < e && (*p == '+' || *p == '-')) {
            int sign = *p == '-' ? -1 : 1;
            p++;
            int oh, om = 0;
            if (e - p < 2 || (oh = two_digits(p)) < 0)
                return false;
            p += 2;
            if (p < e && *p == ':') {
                if (e - p < 3 || (om = two_digits(p + 1)) < 0)
                    return false;
                p += 3;
            } else if (p < e) {
                if (e - p < 2 || (om = two_digits(p)) < 0)
                    return false;
                p += 2;
            }
            if (oh > 23 || om > 59)
                return false;
            has_off = true;
            off = sign * (oh * 3600 + om * 60);
        }
        if (p != e)
            return false;
    }

    /* Logs come mostly in time order: the date is nearly always the last one's. */
    int64_t days, secs;
    if (memo != NULL && y == memo->y && mo == memo->mo && d == memo->d) {
        days = memo->days;
    } else {
        if (!civil_day(y, mo, d, &days))
            return false;
        if (memo != NULL)
            *memo = (jm__time_memo){y, mo, d, days};
    }
    if (!clock_seconds(h, mi, s, &secs))
        return false;
    int64_t local = days * 86400 + secs;
    return finish(has_off ? local - off : local_to_utc(tf, local), frac, ms);
}

static bool parse_auto(const jm__timefmt *tf, jm__time_memo *memo, const char *p, const char *e,
                       int64_t *ms)
{
    if (e - p > 4 && is_digit(p[0]) && (p[4] == '-' || p[4] == '/'))
        return parse_iso(tf, memo, p, e, ms);
    return parse_epoch(p, e, ms);
}

static bool parse_format(const jm__timefmt *tf, const char *p, size_t n, int64_t *ms)
{
    char buf[JM_TIMEFMT_MAX + 1];
    if (n > JM_TIMEFMT_MAX)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';

    /* Fields the format leaves out default to 1970-01-01 00:00:00. */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 70;
    tm.tm_mday = 1;
    const char *end = strptime(buf, tf->format, &tm);
    /* The value must be used up; a NUL inside it stops strptime short and fails here too. */
    if (end == NULL || end != buf + n)
        return false;

    int64_t local;
    if (!civil_seconds((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, &local))
        return false;
    /* With %z, glibc leaves the value's own offset in tm_gmtoff; it wins over the zone. */
    return finish(tf->has_z ? local - tm.tm_gmtoff : local_to_utc(tf, local), 0, ms);
}

bool jm__time_parse(const jm__timefmt *tf, const char *s, size_t n, int64_t *ms)
{
    return jm__time_parse_memo(tf, NULL, s, n, ms);
}

bool jm__time_parse_memo(const jm__timefmt *tf, jm__time_memo *memo, const char *s, size_t n,
                         int64_t *ms)
{
    const char *p = s, *e = s + n;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (p == e)
        return false;
    if (tf->format != NULL)
        return parse_format(tf, p, (size_t)(e - p), ms);
    return parse_auto(tf, memo, p, e, ms);
}
