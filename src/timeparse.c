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

/* How a reader reads: the automatic formats (ISO 8601 and epoch), strptime, Excel serial days,
 * or one pattern of the table below. */
typedef enum { TF_AUTO, TF_STRPTIME, TF_EXCEL, TF_PATTERN } tf_kind;

/* The order of a date's day, month and year. */
typedef enum { YMD, DMY, MDY } date_order;

/* A spreadsheet or locale pattern: a date of one order and separator, then optionally a time
 * H:MM[:SS[.fff]] with an optional AM/PM (see parse_pattern). */
typedef struct timepat {
    const char *name; /* as named in reports, "DD/MM/YYYY" */
    const char *strp; /* the strptime spelling of its date, "%d/%m/%Y" */
    date_order order;
    char sep;
    bool month_name; /* the month is an English name or abbreviation, not a number */
} timepat;

/* The table tried on a sample when no --time-format is given, after the automatic formats;
 * earlier entries win where two read the same values the same way. */
static const timepat patterns[] = {
    {"DD.MM.YYYY", "%d.%m.%Y", DMY, '.', false}, {"DD/MM/YYYY", "%d/%m/%Y", DMY, '/', false},
    {"MM/DD/YYYY", "%m/%d/%Y", MDY, '/', false}, {"DD-MM-YYYY", "%d-%m-%Y", DMY, '-', false},
    {"MM-DD-YYYY", "%m-%d-%Y", MDY, '-', false}, {"YYYY-MM-DD", "%Y-%m-%d", YMD, '-', false},
    {"YYYY/MM/DD", "%Y/%m/%d", YMD, '/', false}, {"YYYY.MM.DD", "%Y.%m.%d", YMD, '.', false},
    {"DD-Mon-YYYY", "%d-%b-%Y", DMY, '-', true}, {"DD Mon YYYY", "%d %b %Y", DMY, ' ', true},
};
#define NPATTERNS (sizeof patterns / sizeof patterns[0])

/* What a value read by a pattern held (jm__timefmt.need and .forbid, jm__time_guess.seen). */
enum { SEEN_TIME = 1, SEEN_SECS = 2, SEEN_FRAC = 4, SEEN_AMPM = 8 };

struct jm__timefmt {
    tf_kind kind;
    const timepat *pat;    /* TF_PATTERN: its pattern */
    unsigned need, forbid; /* TF_PATTERN: SEEN_ bits a value must hold, or must not */
    char name[96];         /* the format's name in reports */
    bool decided;          /* given by --time-format, or picked by jm__time_guess_decide */
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

/* The time parts of a pattern's strptime spellings (see pattern_of_format), with the SEEN_
 * bits a value must hold; every other bit is forbidden. */
static const struct {
    const char *strp;
    const char *name; /* as the report names it */
    unsigned need;
} time_spellings[] = {
    {"", "", 0},
    {" %H:%M", " HH:MM", SEEN_TIME},
    {" %H:%M:%S", " HH:MM:SS", SEEN_TIME | SEEN_SECS},
    {" %I:%M %p", " h:MM AM/PM", SEEN_TIME | SEEN_AMPM},
    {" %I:%M:%S %p", " h:MM:SS AM/PM", SEEN_TIME | SEEN_SECS | SEEN_AMPM},
};

/* A --time-format that spells a pattern of the table in strptime ("%d/%m/%Y %H:%M"), or names
 * it as the report does ("DD/MM/YYYY HH:MM"), is read by the pattern's own parser: the same
 * values, many times faster than strptime. Returns false for any other format. */
static bool pattern_of_format(jm__timefmt *tf, const char *format)
{
    for (size_t i = 0; i < NPATTERNS * 2; i++) {
        const timepat *pt = &patterns[i % NPATTERNS];
        bool by_name = i >= NPATTERNS;
        const char *date = by_name ? pt->name : pt->strp;
        size_t k = strlen(date);
        if (strncmp(format, date, k) != 0)
            continue;
        for (size_t j = 0; j < sizeof time_spellings / sizeof time_spellings[0]; j++) {
            if (strcmp(format + k, by_name ? time_spellings[j].name : time_spellings[j].strp) ==
                0) {
                tf->kind = TF_PATTERN;
                tf->pat = pt;
                tf->need = time_spellings[j].need;
                /* A fraction is allowed wherever seconds are. */
                tf->forbid = (SEEN_TIME | SEEN_SECS | SEEN_FRAC | SEEN_AMPM) & ~tf->need;
                if (tf->need & SEEN_SECS)
                    tf->forbid &= ~(unsigned)SEEN_FRAC;
                return true;
            }
        }
    }
    return false;
}

jm__timefmt *jm__timefmt_new(const char *format, const char *tz, char **err)
{
    jm__timefmt *tf = g_new0(jm__timefmt, 1);
    snprintf(tf->name, sizeof tf->name, "%s", "ISO 8601 or epoch");
    tf->decided = format != NULL;
    if (format != NULL && strcmp(format, "excel") == 0) {
        tf->kind = TF_EXCEL;
        snprintf(tf->name, sizeof tf->name, "%s", format);
    } else if (format != NULL && pattern_of_format(tf, format)) {
        snprintf(tf->name, sizeof tf->name, "%.*s", (int)sizeof tf->name - 1, format);
    } else if (format != NULL) {
        if (!check_format(format, &tf->has_z, err))
            goto fail;
        tf->format = g_strdup(format);
        tf->kind = TF_STRPTIME;
        snprintf(tf->name, sizeof tf->name, "%.*s", (int)sizeof tf->name - 1, format);
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

/* 1 to maxd digits at *p (at least mind), as a number; *p moves past them. */
static bool read_num(const char **p, const char *e, int mind, int maxd, int *v)
{
    const char *q = *p;
    int x = 0, k = 0;
    while (q < e && k < maxd && is_digit(*q)) {
        x = x * 10 + (*q++ - '0');
        k++;
    }
    if (k < mind || (q < e && is_digit(*q)))
        return false;
    *v = x;
    *p = q;
    return true;
}

static inline char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* An English month name or its three-letter abbreviation, any case, at *p. */
static bool read_month_name(const char **p, const char *e, int *mo)
{
    static const char *const names[12] = {"january", "february", "march",     "april",
                                          "may",     "june",     "july",      "august",
                                          "september", "october", "november", "december"};
    const char *q = *p;
    if (e - q < 3)
        return false;
    for (int m = 0; m < 12; m++) {
        const char *nm = names[m];
        if (lower(q[0]) != nm[0] || lower(q[1]) != nm[1] || lower(q[2]) != nm[2])
            continue;
        size_t k = 3;
        /* The full name, when the rest of it follows; else the abbreviation alone. */
        size_t full = strlen(nm);
        if ((size_t)(e - q) >= full) {
            size_t j = 3;
            while (j < full && lower(q[j]) == nm[j])
                j++;
            if (j == full)
                k = full;
        }
        if (q + k < e && ((q[k] >= 'a' && q[k] <= 'z') || (q[k] >= 'A' && q[k] <= 'Z')))
            return false;
        *mo = m + 1;
        *p = q + k;
        return true;
    }
    return false;
}

/* A value of pattern pt, as local wall-clock seconds (counted as if UTC) and milliseconds:
 * the date (day and month of one or two digits, as spreadsheets write them; a four-digit
 * year), then nothing, or one space and a time H:MM, H:MM:SS or H:MM:SS.fff (hours of one or
 * two digits), then optionally AM or PM (any case, a space before it optional; hours 1 to 12,
 * 12 AM being midnight). *seen receives what the value held (SEEN_ bits). */
static bool parse_pattern_local(const timepat *pt, const char *p, const char *e, int64_t *local,
                                int64_t *frac, unsigned *seen)
{
    int y, mo, d;
    *seen = 0;
    *frac = 0;
    if (pt->order == YMD) {
        if (!read_num(&p, e, 4, 4, &y) || p == e || *p++ != pt->sep ||
            !read_num(&p, e, 1, 2, &mo) || p == e || *p++ != pt->sep || !read_num(&p, e, 1, 2, &d))
            return false;
    } else {
        int a;
        if (!read_num(&p, e, 1, 2, &a) || p == e || *p++ != pt->sep)
            return false;
        if (pt->month_name) {
            d = a;
            if (!read_month_name(&p, e, &mo))
                return false;
        } else {
            int b;
            if (!read_num(&p, e, 1, 2, &b))
                return false;
            d = pt->order == DMY ? a : b;
            mo = pt->order == DMY ? b : a;
        }
        if (p == e || *p++ != pt->sep || !read_num(&p, e, 4, 4, &y))
            return false;
    }
    int h = 0, mi = 0, sec = 0;
    if (p < e) {
        if (*p++ != ' ' || !read_num(&p, e, 1, 2, &h) || p == e || *p++ != ':' ||
            !read_num(&p, e, 2, 2, &mi))
            return false;
        *seen |= SEEN_TIME;
        if (p < e && *p == ':') {
            p++;
            if (!read_num(&p, e, 2, 2, &sec))
                return false;
            *seen |= SEEN_SECS;
            if (p < e && (*p == '.' || *p == ',')) {
                p = read_fraction(p + 1, e, frac);
                if (p == NULL)
                    return false;
                *seen |= SEEN_FRAC;
            }
        }
        if (p < e && *p == ' ')
            p++;
        if (e - p == 2 && (lower(p[1]) == 'm') && (lower(p[0]) == 'a' || lower(p[0]) == 'p')) {
            if (h < 1 || h > 12)
                return false;
            h = h % 12 + (lower(p[0]) == 'p' ? 12 : 0);
            *seen |= SEEN_AMPM;
            p += 2;
        }
        if (p != e)
            return false;
    }
    return civil_seconds(y, mo, d, h, mi, sec, local);
}

/* Excel serial days in the 1900 date system: day 1 is 1900-01-01, and day 60 is the
 * 1900-02-29 that never was (kept by Excel from Lotus 1-2-3), so from day 61 (1900-03-01) on a
 * serial counts from 1899-12-30. The fraction is the time of day (a point or a comma before
 * it), rounded to the millisecond. Days 1 to 2958465 (9999-12-31); day 60 and times of day
 * alone (below 1) are refused. */
static bool parse_excel_local(const char *p, const char *e, int64_t *local_ms)
{
    int64_t n = 0;
    const char *q = p;
    for (; q < e && is_digit(*q); q++) {
        if (q - p >= 7)
            return false;
        n = n * 10 + (*q - '0');
    }
    if (q == p || n < 1 || n == 60 || n > 2958465)
        return false;
    int64_t fnum = 0, fden = 1;
    if (q < e) {
        if (*q != '.' && *q != ',')
            return false;
        q++;
        if (q == e)
            return false;
        /* Ten digits keep the time to a hundredth of a millisecond; the rest are dropped. */
        for (int k = 0; q < e; q++, k++) {
            if (!is_digit(*q))
                return false;
            if (k < 10) {
                fnum = fnum * 10 + (*q - '0');
                fden *= 10;
            }
        }
    }
    int64_t days = (n < 60 ? jm__days_from_civil(1899, 12, 31) : jm__days_from_civil(1899, 12, 30)) + n;
    *local_ms = days * 86400000 + (fnum * 86400000 + fden / 2) / fden;
    return true;
}

/* The readers other than the automatic one. */
static bool parse_other(const jm__timefmt *tf, const char *p, const char *e, int64_t *ms)
{
    if (tf->kind == TF_STRPTIME)
        return parse_format(tf, p, (size_t)(e - p), ms);
    if (tf->kind == TF_EXCEL) {
        int64_t lms;
        if (!parse_excel_local(p, e, &lms))
            return false;
        int64_t secs = floor_div(lms, 1000);
        return finish(local_to_utc(tf, secs), lms - secs * 1000, ms);
    }
    int64_t local, frac;
    unsigned seen;
    if (!parse_pattern_local(tf->pat, p, e, &local, &frac, &seen) ||
        (seen & tf->need) != tf->need || (seen & tf->forbid) != 0)
        return false;
    return finish(local_to_utc(tf, local), frac, ms);
}

const char *jm__timefmt_name(const jm__timefmt *tf)
{
    return tf->name;
}

bool jm__timefmt_undecided(const jm__timefmt *tf)
{
    return !tf->decided;
}

/* ---- Finding the format by looking ---- */

/* Candidates: 0 is the automatic reader (ISO 8601 and epoch), 1 + i is patterns[i]. */
#define NCAND (1 + NPATTERNS)

struct jm__time_guess {
    uint64_t readable;     /* values that some candidate reads */
    uint64_t read[NCAND];  /* values each candidate reads */
    unsigned any[NCAND];   /* SEEN_ bits held by some value a candidate read */
    unsigned all[NCAND];   /* SEEN_ bits held by every value it read */
    unsigned all_t[NCAND]; /* SEEN_ bits held by every value with a time it read */
    uint64_t iso, epoch_s, epoch_ms, epoch_1970; /* what the automatic reader read */
};

jm__time_guess *jm__time_guess_new(void)
{
    jm__time_guess *g = g_new0(jm__time_guess, 1);
    for (size_t c = 0; c < NCAND; c++)
        g->all[c] = g->all_t[c] = ~0u;
    return g;
}

void jm__time_guess_free(jm__time_guess *g)
{
    g_free(g);
}

uint64_t jm__time_guess_values(const jm__time_guess *g)
{
    return g->readable;
}

void jm__time_guess_add(jm__time_guess *g, const char *s, size_t n)
{
    static const jm__timefmt utc = {.kind = TF_AUTO, .utc = true};
    const char *p = s, *e = s + n;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (p == e)
        return;
    bool any = false;
    int64_t ms;
    if (parse_auto(&utc, NULL, p, e, &ms)) {
        any = true;
        g->read[0]++;
        if (e - p > 4 && is_digit(p[0]) && (p[4] == '-' || p[4] == '/')) {
            g->iso++;
        } else {
            const char *q = p;
            while (q < e && is_digit(*q))
                q++;
            if (q - p >= 12)
                g->epoch_ms++;
            else
                g->epoch_s++;
            if (ms >= 0 && ms < 86400000)
                g->epoch_1970++;
        }
    }
    for (size_t i = 0; i < NPATTERNS; i++) {
        int64_t local, frac;
        unsigned seen;
        if (parse_pattern_local(&patterns[i], p, e, &local, &frac, &seen)) {
            any = true;
            g->read[1 + i]++;
            g->any[1 + i] |= seen;
            g->all[1 + i] &= seen;
            if (seen & SEEN_TIME)
                g->all_t[1 + i] &= seen;
        }
    }
    g->readable += any;
}

bool jm__time_guess_epoch_1970(const jm__time_guess *g)
{
    return g->read[0] > 0 && g->epoch_1970 == g->read[0];
}

/* The order a candidate reads dates in, for telling ambiguity from agreement: candidates of
 * one order read a value they both read the same way. */
static date_order cand_order(size_t c)
{
    return c == 0 ? YMD : patterns[c - 1].order;
}

/* Among the candidates that read the most values (every readable one, when some candidate
 * does): the first that reads dates year first (the automatic reader before the table), since
 * no question of day and month arises there; else the first, and in *other the first of the
 * other order of day and month when one reads as many values (SIZE_MAX when none does: the
 * pick is clear). A file of mixed formats thus keeps to the reader that guesses least. Returns
 * false when nothing was read. */
static bool guess_best(const jm__time_guess *g, size_t *first, size_t *other)
{
    uint64_t best = 0;
    for (size_t c = 0; c < NCAND; c++)
        if (g->read[c] > best)
            best = g->read[c];
    if (best == 0)
        return false;
    *first = *other = SIZE_MAX;
    for (size_t c = 0; c < NCAND; c++) {
        if (g->read[c] == best && cand_order(c) == YMD) {
            *first = c;
            return true;
        }
    }
    for (size_t c = 0; c < NCAND; c++) {
        if (g->read[c] != best)
            continue;
        if (*first == SIZE_MAX)
            *first = c;
        else if (*other == SIZE_MAX && cand_order(c) != cand_order(*first))
            *other = c;
    }
    return true;
}

bool jm__time_guess_settled(const jm__time_guess *g)
{
    size_t first, other;
    if (!guess_best(g, &first, &other) || g->read[first] != g->readable || other != SIZE_MAX)
        return false;
    return !(first == 0 && jm__time_guess_epoch_1970(g));
}

/* A candidate's name in reports, from what the values it read held. */
static void cand_name(const jm__time_guess *g, size_t c, char *buf, size_t cap)
{
    if (c == 0) {
        uint64_t epoch = g->epoch_s + g->epoch_ms;
        snprintf(buf, cap, "%s",
                 epoch == 0                       ? "ISO 8601"
                 : g->iso > 0                     ? "ISO 8601 or epoch"
                 : g->epoch_ms == 0               ? "epoch seconds"
                 : g->epoch_s == 0                ? "epoch milliseconds"
                                                  : "epoch seconds or milliseconds");
        return;
    }
    unsigned any = g->any[c], all = g->all_t[c];
    char t[48];
    snprintf(t, sizeof t, "%s%s%s%s%s%s", any & SEEN_AMPM ? "h:MM" : "HH:MM",
             !(any & SEEN_SECS) ? "" : all & SEEN_SECS ? ":SS" : "[:SS",
             any & SEEN_FRAC ? ".fff" : "", (any & SEEN_SECS) && !(all & SEEN_SECS) ? "]" : "",
             !(any & SEEN_AMPM) ? "" : all & SEEN_AMPM ? " AM/PM" : " [AM/PM]", "");
    const char *date = patterns[c - 1].name;
    if (!(any & SEEN_TIME))
        snprintf(buf, cap, "%s", date);
    else if (g->all[c] & SEEN_TIME)
        snprintf(buf, cap, "%s %s", date, t);
    else
        snprintf(buf, cap, "%s [%s]", date, t);
}

/* The --time-format that picks candidate c (a pattern), as the values showed it. */
static void cand_strp(const jm__time_guess *g, size_t c, char *buf, size_t cap)
{
    unsigned all = g->all_t[c], any = g->any[c];
    const char *t = "";
    if (any & SEEN_TIME) {
        bool secs = all & SEEN_SECS, ampm = any & SEEN_AMPM;
        t = ampm ? (secs ? " %I:%M:%S %p" : " %I:%M %p") : (secs ? " %H:%M:%S" : " %H:%M");
    }
    snprintf(buf, cap, "%s%s", patterns[c - 1].strp, t);
}

jm__guess_verdict jm__time_guess_decide(const jm__time_guess *g, jm__timefmt *tf, char **msg)
{
    size_t first, other;
    if (!guess_best(g, &first, &other))
        return JM_GUESS_NONE;
    if (other != SIZE_MAX) {
        char n1[96], n2[96], s1[64], s2[64];
        cand_name(g, first, n1, sizeof n1);
        cand_name(g, other, n2, sizeof n2);
        cand_strp(g, first, s1, sizeof s1);
        cand_strp(g, other, s2, sizeof s2);
        set_error(msg,
                  "the start times read both as %s and as %s (no sampled value has a day above "
                  "12 to tell them apart); give --time-format '%s' or --time-format '%s'",
                  n1, n2, s1, s2);
        return JM_GUESS_AMBIGUOUS;
    }
    cand_name(g, first, tf->name, sizeof tf->name);
    tf->decided = true;
    if (first > 0) {
        tf->kind = TF_PATTERN;
        tf->pat = &patterns[first - 1];
        tf->need = tf->forbid = 0;
    }
    return JM_GUESS_PICKED;
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
    if (tf->kind != TF_AUTO)
        return parse_other(tf, p, e, ms);
    return parse_auto(tf, memo, p, e, ms);
}
