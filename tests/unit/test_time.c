/* SPDX-License-Identifier: MIT */
/* Unit tests for timeparse: every automatic format, zones and DST, --time-format, the table of
 * patterns, Excel serial days, finding the format by looking, and output. */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timeparse.h"

/* Expected instants below were computed independently with Python 3's datetime and zoneinfo,
 * as ms(dt) = (dt - datetime(1970, 1, 1, tzinfo=timezone.utc)) in whole milliseconds; each
 * comment gives the datetime that was converted. */

/* Readers are immutable, and the zone table takes some milliseconds to build, so one set of
 * them serves the whole group. */
struct fixture {
    jm__timefmt *utc;
    jm__timefmt *berlin;
    jm__timefmt *dublin;
    jm__timefmt *dmy;        /* '%d/%m/%Y %H:%M', UTC */
    jm__timefmt *dmy_berlin; /* '%d/%m/%Y %H:%M', Europe/Berlin */
    jm__timefmt *with_z;     /* '%Y-%m-%d %H:%M:%S %z', Europe/Berlin */
    jm__timefmt *dmy_yy;     /* '%d/%m/%y %H:%M', UTC: no pattern of the table, so strptime */
    jm__timefmt *excel;      /* 'excel', UTC */
    jm__timefmt *excel_berlin;
};

static jm__timefmt *make(const char *format, const char *tz)
{
    char *err = NULL;
    jm__timefmt *tf = jm__timefmt_new(format, tz, &err);
    if (tf == NULL) {
        fprintf(stderr, "jm__timefmt_new: %s\n", err ? err : "(no message)");
        free(err);
    }
    return tf;
}

static int group_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL) return -1;
    f->utc = make(NULL, NULL);
    f->berlin = make(NULL, "Europe/Berlin");
    f->dublin = make(NULL, "Europe/Dublin");
    f->dmy = make("%d/%m/%Y %H:%M", "UTC");
    f->dmy_berlin = make("%d/%m/%Y %H:%M", "Europe/Berlin");
    f->with_z = make("%Y-%m-%d %H:%M:%S %z", "Europe/Berlin");
    f->dmy_yy = make("%d/%m/%y %H:%M", "UTC");
    f->excel = make("excel", NULL);
    f->excel_berlin = make("excel", "Europe/Berlin");
    *state = f;
    if (!f->utc || !f->berlin || !f->dublin || !f->dmy || !f->dmy_berlin || !f->with_z ||
        !f->dmy_yy || !f->excel || !f->excel_berlin)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    if (f == NULL) return 0;
    jm__timefmt_free(f->utc);
    jm__timefmt_free(f->berlin);
    jm__timefmt_free(f->dublin);
    jm__timefmt_free(f->dmy);
    jm__timefmt_free(f->dmy_berlin);
    jm__timefmt_free(f->with_z);
    jm__timefmt_free(f->dmy_yy);
    jm__timefmt_free(f->excel);
    jm__timefmt_free(f->excel_berlin);
    free(f);
    return 0;
}

static void check_parse(const jm__timefmt *tf, const char *s, int64_t want)
{
    int64_t got = 0;
    if (!jm__time_parse(tf, s, strlen(s), &got))
        fail_msg("'%s' did not parse, want %" PRId64, s, want);
    if (got != want) fail_msg("'%s': got %" PRId64 ", want %" PRId64, s, got, want);
}

static void check_reject(const jm__timefmt *tf, const char *s)
{
    int64_t got = 0;
    if (jm__time_parse(tf, s, strlen(s), &got))
        fail_msg("'%s' parsed as %" PRId64 ", want a rejection", s, got);
}

static void check_format(int64_t ms, const char *want)
{
    char buf[32];
    size_t n = jm__time_format(ms, buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_time_iso_separators(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 3, 4, 10, 20, 30, tzinfo=utc) */
    const int64_t want = INT64_C(1614853230000);
    check_parse(f->utc, "2021-03-04T10:20:30Z", want);
    check_parse(f->utc, "2021-03-04t10:20:30z", want);
    check_parse(f->utc, "2021-03-04 10:20:30", want);
    check_parse(f->utc, "2021-03-04T10:20:30", want);
    /* datetime(2021, 3, 4, 10, 20, tzinfo=utc): seconds are optional. */
    check_parse(f->utc, "2021-03-04T10:20", INT64_C(1614853200000));
    check_parse(f->utc, "2021-03-04 10:20Z", INT64_C(1614853200000));
}

static void test_time_slash_date(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 3, 4, 10, 20, 30, 123000, tzinfo=utc) */
    check_parse(f->utc, "2021/03/04 10:20:30.123", INT64_C(1614853230123));
    check_parse(f->utc, "2021/03/04T10:20:30.123Z", INT64_C(1614853230123));
    /* The two separators must agree. */
    check_reject(f->utc, "2021/03-04 10:20:30");
    check_reject(f->utc, "2021-03/04 10:20:30");
}

static void test_time_date_only(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 3, 4, tzinfo=utc) */
    check_parse(f->utc, "2021-03-04", INT64_C(1614816000000));
    check_parse(f->utc, "2021/03/04", INT64_C(1614816000000));
    /* Midnight in the reader's zone: datetime(2021, 3, 4, tzinfo=ZoneInfo('Europe/Berlin')). */
    check_parse(f->berlin, "2021-03-04", INT64_C(1614812400000));
    /* datetime(2021, 3, 28, tzinfo=ZoneInfo('Europe/Berlin')), the day clocks go forward. */
    check_parse(f->berlin, "2021-03-28", INT64_C(1616886000000));
}

static void test_time_offsets_converted(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=2))) is 08:00Z. */
    check_parse(f->utc, "2021-03-04T10:00:00+02:00", INT64_C(1614844800000));
    check_parse(f->utc, "2021-03-04T10:00:00+0200", INT64_C(1614844800000));
    check_parse(f->utc, "2021-03-04T10:00:00+02", INT64_C(1614844800000));
    check_parse(f->utc, "2021-03-04T10:00+02:00", INT64_C(1614844800000));
    /* datetime(2021, 3, 4, 10, 0, tzinfo=timezone(-timedelta(hours=5, minutes=30))): 15:30Z. */
    check_parse(f->utc, "2021-03-04T10:00:00-0530", INT64_C(1614871800000));
    check_parse(f->utc, "2021-03-04T10:00:00-05:30", INT64_C(1614871800000));
    /* datetime(2021, 3, 4, 10, 0, tzinfo=utc) */
    check_parse(f->utc, "2021-03-04T10:00:00Z", INT64_C(1614852000000));
    check_parse(f->utc, "2021-03-04T10:00:00+00:00", INT64_C(1614852000000));
    check_parse(f->utc, "2021-03-04T10:00:00-00:00", INT64_C(1614852000000));
}

static void test_time_offset_beats_zone(void **state)
{
    struct fixture *f = *state;
    /* A written offset or Z is the value's own; the reader's zone is only for bare times. */
    check_parse(f->berlin, "2021-03-04T10:00:00+02:00", INT64_C(1614844800000));
    check_parse(f->berlin, "2021-03-04T10:00:00Z", INT64_C(1614852000000));
}

static void test_time_fractions(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 3, 4, 10, 20, 30, 100000 / 123000 / 999000 / 500000, tzinfo=utc) */
    check_parse(f->utc, "2021-03-04T10:20:30.1Z", INT64_C(1614853230100));
    check_parse(f->utc, "2021-03-04T10:20:30.12Z", INT64_C(1614853230120));
    check_parse(f->utc, "2021-03-04T10:20:30.123Z", INT64_C(1614853230123));
    check_parse(f->utc, "2021-03-04T10:20:30.123456789Z", INT64_C(1614853230123));
    check_parse(f->utc, "2021-03-04T10:20:30.123456789012345678901234567890Z",
                INT64_C(1614853230123));
    /* Truncated, never rounded: .9999 stays in second 30. */
    check_parse(f->utc, "2021-03-04T10:20:30.9999", INT64_C(1614853230999));
    check_parse(f->utc, "2021-03-04T10:20:30,5", INT64_C(1614853230500));
    check_parse(f->utc, "2021-03-04 10:20:30.500+00:00", INT64_C(1614853230500));
    check_reject(f->utc, "2021-03-04T10:20:30.Z");
    check_reject(f->utc, "2021-03-04T10:20:30.");
    /* A fraction of a minute is refused, not misread. */
    check_reject(f->utc, "2021-03-04T10:20.5");
}

static void test_time_epoch(void **state)
{
    struct fixture *f = *state;
    check_parse(f->utc, "0", 0);
    check_parse(f->utc, "1614853230", INT64_C(1614853230000));
    check_parse(f->utc, "1614853230.5", INT64_C(1614853230500));
    check_parse(f->utc, "1614853230.123999", INT64_C(1614853230123));
    /* 11 digits are seconds (datetime.fromtimestamp(99999999999, utc) is 5138-11-16), 12 are
     * milliseconds (100000000000 ms is 1973-03-03T09:46:40Z). */
    check_parse(f->utc, "99999999999", INT64_C(99999999999000));
    check_parse(f->utc, "100000000000", INT64_C(100000000000));
    check_parse(f->utc, "99999999999999", INT64_C(99999999999999));
    /* The digit count decides, leading zeros included. */
    check_parse(f->utc, "1614853230123", INT64_C(1614853230123));
    check_parse(f->utc, "000000000001", 1);
    check_parse(f->utc, "00000000001", 1000);
    /* A bare year is a number like any other: 2021 seconds after the epoch. */
    check_parse(f->utc, "2021", INT64_C(2021000));
}

static void test_time_epoch_rejects(void **state)
{
    struct fixture *f = *state;
    check_reject(f->utc, "100000000000000"); /* 15 digits */
    check_reject(f->utc, "1234567890123456789012");
    check_reject(f->utc, "100000000000.5"); /* milliseconds take no fraction */
    check_reject(f->utc, "1614853230.");
    check_reject(f->utc, "-1614853230");
    check_reject(f->utc, "+1614853230");
    check_reject(f->utc, "1614853230s");
    check_reject(f->utc, "16148 53230");
}

static void test_time_year_edges(void **state)
{
    struct fixture *f = *state;
    /* datetime(1, 1, 1, tzinfo=utc) and datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=utc) */
    check_parse(f->utc, "0001-01-01T00:00:00Z", INT64_C(-62135596800000));
    check_parse(f->utc, "0001-01-01", INT64_C(-62135596800000));
    check_parse(f->utc, "9999-12-31T23:59:59.999Z", INT64_C(253402300799999));
    check_format(INT64_C(-62135596800000), "0001-01-01T00:00:00Z");
    check_format(INT64_C(253402300799999), "9999-12-31T23:59:59.999Z");
    check_reject(f->utc, "0000-12-31T23:59:59Z");
    check_reject(f->utc, "10000-01-01T00:00:00Z");
    /* An offset that carries the instant outside years 1 to 9999 in UTC is out of range. */
    check_reject(f->utc, "0001-01-01T00:00:00+01:00");
    check_reject(f->utc, "9999-12-31T23:00:00-02:00");
    check_reject(f->utc, "9999-12-31T23:59:60Z");
    /* The zone table reaches back to year 1: Berlin then kept local mean time, +00:53:28.
     * datetime(1, 1, 2, tzinfo=ZoneInfo('Europe/Berlin')) */
    check_parse(f->berlin, "0001-01-02", INT64_C(-62135513608000));
}

static void test_time_before_1970(void **state)
{
    struct fixture *f = *state;
    /* datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=utc) */
    check_parse(f->utc, "1969-12-31T23:59:59.999Z", -1);
    check_format(-1, "1969-12-31T23:59:59.999Z");
    /* datetime(1900, 2, 28, 12, 0, tzinfo=utc) */
    check_parse(f->utc, "1900-02-28T12:00:00Z", INT64_C(-2203934400000));
    check_format(INT64_C(-2203934400000), "1900-02-28T12:00:00Z");
    /* datetime(1969, 7, 20, 20, 17, 40, tzinfo=utc) */
    check_parse(f->utc, "1969-07-20T20:17:40Z", INT64_C(-14182940000));
    check_format(INT64_C(-14182940000), "1969-07-20T20:17:40Z");
    check_format(-1000, "1969-12-31T23:59:59Z");
    check_format(-999, "1969-12-31T23:59:59.001Z");
}

static void test_time_leap_years(void **state)
{
    struct fixture *f = *state;
    /* datetime(2024, 2, 29, tzinfo=utc), datetime(2000, 2, 29, tzinfo=utc),
     * datetime(1600, 2, 29, tzinfo=utc) */
    check_parse(f->utc, "2024-02-29", INT64_C(1709164800000));
    check_parse(f->utc, "2000-02-29T00:00:00Z", INT64_C(951782400000));
    check_parse(f->utc, "1600-02-29", INT64_C(-11670998400000));
    check_reject(f->utc, "2023-02-29");
    check_reject(f->utc, "1900-02-29");
    check_reject(f->utc, "2100-02-29T00:00:00Z");
    check_reject(f->utc, "2024-02-30");
    check_reject(f->utc, "2021-04-31");
    check_parse(f->dmy, "29/02/2024 00:00", INT64_C(1709164800000));
    check_reject(f->dmy, "29/02/2023 00:00");
    check_reject(f->dmy, "31/04/2021 10:00");
}

static void test_time_leap_second(void **state)
{
    struct fixture *f = *state;
    /* 23:59:60 reads as the next midnight: datetime(2017, 1, 1, tzinfo=utc). */
    check_parse(f->utc, "2016-12-31T23:59:60Z", INT64_C(1483228800000));
    check_parse(f->utc, "2016-12-31T23:59:60.5Z", INT64_C(1483228800500));
    check_parse(f->utc, "2016-12-31 23:59:60", INT64_C(1483228800000));
    /* datetime(2016, 12, 31, 23, 59, 59, tzinfo=utc): the second before stays distinct. */
    check_parse(f->utc, "2016-12-31T23:59:59Z", INT64_C(1483228799000));
    check_reject(f->utc, "2016-12-31T23:58:60Z");
    check_reject(f->utc, "2016-12-31T22:59:60Z");
    check_reject(f->utc, "2016-12-31T23:59:61Z");
}

static void test_time_ranges(void **state)
{
    struct fixture *f = *state;
    check_reject(f->utc, "2021-13-01");
    check_reject(f->utc, "2021-00-10");
    check_reject(f->utc, "2021-01-00");
    check_reject(f->utc, "2021-01-32");
    check_reject(f->utc, "2021-03-04T24:00:00Z");
    check_reject(f->utc, "2021-03-04T10:60:00Z");
    check_reject(f->utc, "2021-03-04T10:20:60Z");
    check_reject(f->utc, "2021-03-04T10:00:00+24:00");
    check_reject(f->utc, "2021-03-04T10:00:00+02:60");
    check_reject(f->utc, "2021-03-04T10:00:00+2:00");
    check_reject(f->utc, "2021-03-04T10:00:00+020");
}

static void test_time_dst_berlin_normal(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 1, 15, 12, tzinfo=ZoneInfo('Europe/Berlin')): CET, 11:00Z. */
    check_parse(f->berlin, "2021-01-15 12:00:00", INT64_C(1610708400000));
    /* datetime(2021, 7, 15, 12, tzinfo=ZoneInfo('Europe/Berlin')): CEST, 10:00Z. */
    check_parse(f->berlin, "2021-07-15T12:00", INT64_C(1626343200000));
    /* datetime(2500, 7, 1, 12, tzinfo=ZoneInfo('Europe/Berlin')): the rules hold far ahead. */
    check_parse(f->berlin, "2500-07-01 12:00:00", INT64_C(16740900000000));
}

static void test_time_dst_berlin_gap(void **state)
{
    struct fixture *f = *state;
    /* 02:30 never happened on 2021-03-28; it moves forward by the hour of the gap to 03:30
     * CEST, 01:30Z, as datetime(2021, 3, 28, 2, 30, tzinfo=ZoneInfo('Europe/Berlin')) (fold=0)
     * gives. */
    check_parse(f->berlin, "2021-03-28 02:30:00", INT64_C(1616895000000));
    check_parse(f->dmy_berlin, "28/03/2021 02:30", INT64_C(1616895000000));
    /* Europe/Dublin's gap at 01:00 local: datetime(2021, 3, 28, 1, 30, tzinfo=ZoneInfo(
     * 'Europe/Dublin')), also 01:30Z. */
    check_parse(f->dublin, "2021-03-28 01:30:00", INT64_C(1616895000000));
}

static void test_time_dst_berlin_overlap(void **state)
{
    struct fixture *f = *state;
    /* 02:30 happened twice on 2021-10-31; the earlier instant (CEST, 00:30Z) is taken, as
     * datetime(2021, 10, 31, 2, 30, tzinfo=ZoneInfo('Europe/Berlin')) with fold=0 gives;
     * fold=1 would be 1635643800000. */
    check_parse(f->berlin, "2021-10-31 02:30:00", INT64_C(1635640200000));
    check_parse(f->dmy_berlin, "31/10/2021 02:30", INT64_C(1635640200000));
    /* Dublin marks winter as its daylight-saving time, so the earlier instant is the one not
     * flagged as DST: datetime(2021, 10, 31, 1, 30, tzinfo=ZoneInfo('Europe/Dublin')), fold=0,
     * is 00:30Z. */
    check_parse(f->dublin, "2021-10-31 01:30:00", INT64_C(1635640200000));
}

static void test_time_strptime_format(void **state)
{
    struct fixture *f = *state;
    /* datetime(2021, 3, 4, 10, 20, tzinfo=utc) */
    check_parse(f->dmy, "04/03/2021 10:20", INT64_C(1614853200000));
    check_parse(f->dmy, "  04/03/2021 10:20 \t", INT64_C(1614853200000));
    /* In the reader's zone: datetime(2021, 1, 15, 12, tzinfo=ZoneInfo('Europe/Berlin')). */
    check_parse(f->dmy_berlin, "15/01/2021 12:00", INT64_C(1610708400000));
    check_reject(f->dmy, "04/03/2021 10:20x");
    check_reject(f->dmy, "04/03/2021 10:20 x");
    check_reject(f->dmy, "04/03/2021");
    check_reject(f->dmy, "2021-03-04T10:20:00Z");
    check_reject(f->dmy, "32/03/2021 10:20");
    check_reject(f->dmy, "04/03/2021 25:20");
    check_reject(f->dmy, "");

    /* Values longer than the parse buffer are refused, not cut. */
    char lng[400];
    memset(lng, ' ', sizeof lng);
    memcpy(lng, "04/03/2021 10:20", 16);
    memset(lng + 16, '0', 300);
    assert_false(jm__time_parse(f->dmy, lng, sizeof lng, &(int64_t){0}));

    /* A format that spells no pattern of the table goes to strptime, with the same checks. */
    check_parse(f->dmy_yy, "04/03/21 10:20", INT64_C(1614853200000));
    check_reject(f->dmy_yy, "04/03/21 10:20x");
    memcpy(lng, "04/03/21 10:20", 14);
    memset(lng + 14, ' ', 300);
    memset(lng + 314, 'x', 86);
    assert_false(jm__time_parse(f->dmy_yy, lng, sizeof lng, &(int64_t){0}));
    assert_string_equal(jm__timefmt_name(f->dmy_yy), "%d/%m/%y %H:%M");
    assert_false(jm__timefmt_undecided(f->dmy_yy));
}

/* A reader for one format in UTC, freed by the caller. */
static jm__timefmt *fmt(const char *format)
{
    jm__timefmt *tf = make(format, NULL);
    assert_non_null(tf);
    return tf;
}

static void test_time_patterns_by_format(void **state)
{
    (void)state;
    /* datetime(2026, 12, 7, 14, 5, tzinfo=utc) and its neighbours */
    const int64_t t1405 = INT64_C(1796652300000), t0905 = INT64_C(1796634300000),
                  day = INT64_C(1796601600000), t140530 = INT64_C(1796652330250);
    jm__timefmt *dot = fmt("%d.%m.%Y %H:%M");
    check_parse(dot, "07.12.2026 14:05", t1405);
    check_parse(dot, "7.12.2026 9:05", t0905); /* single digits, as Excel writes them */
    check_reject(dot, "07.12.2026");           /* the format wants a time */
    check_reject(dot, "07.12.2026 14:05:30");  /* and no seconds */
    check_reject(dot, "07.12.2026 2:05 PM");   /* and no AM/PM */
    check_reject(dot, "32.12.2026 14:05");
    check_reject(dot, "07.13.2026 14:05");
    check_reject(dot, "07.12.26 14:05");
    check_reject(dot, "007.12.2026 14:05");
    check_reject(dot, "07.12.2026 14:5");
    check_reject(dot, "07/12/2026 14:05");
    jm__timefmt_free(dot);

    jm__timefmt *dmy_s = fmt("%d/%m/%Y %H:%M:%S");
    check_parse(dmy_s, "07/12/2026 14:05:30.250", t140530); /* a fraction rides on seconds */
    check_parse(dmy_s, "7/12/2026 14:05:30,25", t140530);
    check_reject(dmy_s, "07/12/2026 14:05");
    jm__timefmt_free(dmy_s);

    jm__timefmt *date = fmt("%m-%d-%Y");
    check_parse(date, "12-07-2026", day);
    check_parse(date, "12-7-2026", day);
    check_reject(date, "12-07-2026 14:05");
    check_reject(date, "13-07-2026");
    jm__timefmt_free(date);

    jm__timefmt *ymd = fmt("%Y/%m/%d %H:%M");
    check_parse(ymd, "2026/12/7 14:05", t1405);
    check_parse(ymd, "2026/12/07 9:05", t0905);
    jm__timefmt_free(ymd);
}

static void test_time_patterns_am_pm(void **state)
{
    (void)state;
    jm__timefmt *us = fmt("%m/%d/%Y %I:%M %p");
    /* datetime(2026, 12, 7, 14, 5), (2026, 12, 7, 12, 0), (2026, 12, 7, 0, 30) in UTC */
    check_parse(us, "12/07/2026 2:05 PM", INT64_C(1796652300000));
    check_parse(us, "12/7/2026 02:05 pm", INT64_C(1796652300000));
    check_parse(us, "12/07/2026 2:05PM", INT64_C(1796652300000));
    check_parse(us, "12/07/2026 12:00 PM", INT64_C(1796644800000)); /* noon */
    check_parse(us, "12/07/2026 12:30 AM", INT64_C(1796603400000)); /* half past midnight */
    check_parse(us, "12/07/2026 12:00 am", INT64_C(1796601600000)); /* midnight */
    check_reject(us, "12/07/2026 13:05 PM");
    check_reject(us, "12/07/2026 0:05 AM");
    check_reject(us, "12/07/2026 2:05");     /* the format wants AM or PM */
    check_reject(us, "12/07/2026 2:05 XM");
    check_reject(us, "12/07/2026 2:05 P.M.");
    check_reject(us, "12/07/2026 2:05:10 PM"); /* no seconds in this format */
    jm__timefmt_free(us);

    /* The names the report gives pick the same readers. */
    jm__timefmt *named = fmt("MM/DD/YYYY h:MM AM/PM");
    check_parse(named, "12/07/2026 2:05 PM", INT64_C(1796652300000));
    check_reject(named, "12/07/2026 14:05");
    jm__timefmt_free(named);
    named = fmt("DD.MM.YYYY HH:MM");
    check_parse(named, "07.12.2026 14:05", INT64_C(1796652300000));
    check_reject(named, "07.12.2026");
    jm__timefmt_free(named);

    jm__timefmt *us_s = fmt("%m/%d/%Y %I:%M:%S %p");
    /* datetime(2026, 1, 2, 23, 59, 59) */
    check_parse(us_s, "1/2/2026 11:59:59 PM", INT64_C(1767398399000));
    jm__timefmt_free(us_s);
}

static void test_time_patterns_month_names(void **state)
{
    (void)state;
    jm__timefmt *mon = fmt("%d-%b-%Y %H:%M");
    const int64_t t1405 = INT64_C(1796652300000);
    check_parse(mon, "07-Dec-2026 14:05", t1405);
    check_parse(mon, "07-DEC-2026 14:05", t1405);
    check_parse(mon, "7-dec-2026 14:05", t1405);
    check_parse(mon, "07-December-2026 14:05", t1405);
    check_reject(mon, "07-Dex-2026 14:05");
    check_reject(mon, "07-Decem-2026 14:05");
    check_reject(mon, "07-12-2026 14:05");
    check_reject(mon, "31-Feb-2026 14:05");
    jm__timefmt_free(mon);
    /* Every month, by abbreviation: the first of each in 2026. */
    static const char *const abbr[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    jm__timefmt *sp = fmt("%d %b %Y");
    for (unsigned m = 1; m <= 12; m++) {
        char buf[32];
        snprintf(buf, sizeof buf, "01 %s 2026", abbr[m - 1]);
        check_parse(sp, buf, jm__days_from_civil(2026, m, 1) * 86400000);
    }
    jm__timefmt_free(sp);
}

static void test_time_excel_serial_days(void **state)
{
    struct fixture *f = *state;
    /* datetime(1899, 12, 30) + timedelta(days=46363.586805) = 2026-12-07 14:04:59.952 */
    check_parse(f->excel, "46363.586805", INT64_C(1796652299952));
    check_parse(f->excel, "46363,586805", INT64_C(1796652299952));
    check_parse(f->excel, "46363", INT64_C(1796601600000));
    /* 46363.5868055556: 14:05:00 to the millisecond */
    check_parse(f->excel, "46363.5868055556", INT64_C(1796652300000));
    /* Excel's 1900: serial 1 is 1900-01-01, 59 is 1900-02-28, 60 its 1900-02-29 that never
     * was, 61 is 1900-03-01. datetime(1900, 1, 1), (1900, 2, 28), (1900, 3, 1), and
     * (1900, 1, 1, 18) for 1.75. */
    check_parse(f->excel, "1", INT64_C(-2208988800000));
    check_parse(f->excel, "1.75", INT64_C(-2208924000000));
    check_parse(f->excel, "59", INT64_C(-2203977600000));
    check_reject(f->excel, "60");
    check_parse(f->excel, "61", INT64_C(-2203891200000));
    check_parse(f->excel, "2958465", INT64_C(253402214400000)); /* 9999-12-31 */
    check_reject(f->excel, "2958466");
    check_reject(f->excel, "0.5"); /* a time of day alone */
    check_reject(f->excel, "0");
    check_reject(f->excel, "46363.");
    check_reject(f->excel, "-46363");
    check_reject(f->excel, "46363.5x");
    check_reject(f->excel, "2026-12-07");
    /* In --tz: datetime(2026, 12, 7, 14, 5, tzinfo=ZoneInfo('Europe/Berlin')) */
    check_parse(f->excel_berlin, "46363.5868055556", INT64_C(1796648700000));
    assert_string_equal(jm__timefmt_name(f->excel), "excel");
}

/* Offer the values to a fresh guess and decide for a fresh automatic reader; returns the
 * verdict, the reader in *out (freed by the caller) and any message in *msg. */
static jm__guess_verdict guess(const char *const *v, size_t n, jm__timefmt **out, char **msg)
{
    jm__time_guess *g = jm__time_guess_new();
    for (size_t i = 0; i < n; i++)
        jm__time_guess_add(g, v[i], strlen(v[i]));
    *out = fmt(NULL);
    *msg = NULL;
    jm__guess_verdict r = jm__time_guess_decide(g, *out, msg);
    jm__time_guess_free(g);
    return r;
}

static void expect_pick(const char *const *v, size_t n, const char *name)
{
    jm__timefmt *tf;
    char *msg;
    jm__guess_verdict r = guess(v, n, &tf, &msg);
    if (r != JM_GUESS_PICKED)
        fail_msg("want '%s', got verdict %d (%s)", name, r, msg ? msg : "");
    assert_string_equal(jm__timefmt_name(tf), name);
    assert_false(jm__timefmt_undecided(tf));
    /* The reader picked reads every value it was picked from (the unreadable ones aside). */
    for (size_t i = 0; i < n; i++)
        if (strstr(v[i], "garbage") == NULL)
            assert_true(jm__time_parse(tf, v[i], strlen(v[i]), &(int64_t){0}));
    jm__timefmt_free(tf);
}

#define N(a) (sizeof(a) / sizeof(a)[0])

static void test_time_guess_picks(void **state)
{
    (void)state;
    static const char *const iso[] = {"2026-12-07T14:05:00Z", "2026-12-08 09:00"};
    expect_pick(iso, N(iso), "ISO 8601");
    static const char *const dotted[] = {"01.02.2026 10:00", "03.04.2026 9:15"};
    expect_pick(dotted, N(dotted), "DD.MM.YYYY HH:MM"); /* dotted dates are day-first */
    static const char *const dmy[] = {"01/02/2026 10:00", "03/04/2026 10:00", "13/04/2026 10:00"};
    expect_pick(dmy, N(dmy), "DD/MM/YYYY HH:MM");
    static const char *const mdy[] = {"12/07/2026 2:05 PM", "1/2/2026 11:59 AM",
                                      "12/13/2026 9:00 AM"};
    expect_pick(mdy, N(mdy), "MM/DD/YYYY h:MM AM/PM");
    static const char *const secs[] = {"13-01-2026 10:00", "13-01-2026 10:00:05"};
    expect_pick(secs, N(secs), "DD-MM-YYYY HH:MM[:SS]");
    static const char *const some_time[] = {"13/01/2026", "13/01/2026 10:00:05"};
    expect_pick(some_time, N(some_time), "DD/MM/YYYY [HH:MM:SS]");
    static const char *const mon[] = {"07-Dec-2026 14:05", "08-Dec-2026 9:00"};
    expect_pick(mon, N(mon), "DD-Mon-YYYY HH:MM");
    static const char *const ymd[] = {"2026/1/7 14:05", "2026/12/7 9:00"};
    expect_pick(ymd, N(ymd), "YYYY/MM/DD HH:MM");
    static const char *const epoch[] = {"1796652300", "1796652300.5"};
    expect_pick(epoch, N(epoch), "epoch seconds");
    /* A value nothing reads is left out: its row is rejected later, as bad_start. */
    static const char *const junk[] = {"01/02/2026 10:00", "garbage", "25/02/2026 10:00"};
    expect_pick(junk, N(junk), "DD/MM/YYYY HH:MM");

    /* Mixed formats, as many values each: the reader that guesses least (year first) wins, and
     * the slashed day-or-month value is left to be rejected, not read one way at random. */
    static const char *const mixed[] = {"01/02/2024", "2024-01-02"};
    jm__timefmt *tf;
    char *msg;
    assert_int_equal(guess(mixed, N(mixed), &tf, &msg), JM_GUESS_PICKED);
    assert_null(msg);
    assert_string_equal(jm__timefmt_name(tf), "ISO 8601");
    assert_false(jm__time_parse(tf, mixed[0], strlen(mixed[0]), &(int64_t){0}));
    jm__timefmt_free(tf);
    /* More values of one format win over fewer of another. */
    static const char *const most[] = {"13/02/2024", "14/02/2024", "2024-01-02"};
    assert_int_equal(guess(most, N(most), &tf, &msg), JM_GUESS_PICKED);
    assert_string_equal(jm__timefmt_name(tf), "DD/MM/YYYY");
    jm__timefmt_free(tf);
}

static void test_time_guess_ambiguous(void **state)
{
    (void)state;
    jm__timefmt *tf;
    char *msg;
    /* Days 1 to 12 read both ways. */
    static const char *const both[] = {"01/02/2026 10:00", "03/04/2026 10:00",
                                       "12/12/2026 10:00"};
    assert_int_equal(guess(both, N(both), &tf, &msg), JM_GUESS_AMBIGUOUS);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "DD/MM/YYYY HH:MM"));
    assert_non_null(strstr(msg, "MM/DD/YYYY HH:MM"));
    assert_non_null(strstr(msg, "--time-format '%d/%m/%Y %H:%M'"));
    assert_non_null(strstr(msg, "--time-format '%m/%d/%Y %H:%M'"));
    assert_true(jm__timefmt_undecided(tf)); /* left as it was */
    free(msg);
    jm__timefmt_free(tf);
    /* Each --time-format the message gives picks its reading. */
    jm__timefmt *a = fmt("%d/%m/%Y %H:%M"), *b = fmt("%m/%d/%Y %H:%M");
    int64_t ma, mb;
    assert_true(jm__time_parse(a, both[0], strlen(both[0]), &ma));
    assert_true(jm__time_parse(b, both[0], strlen(both[0]), &mb));
    assert_int_equal(ma, jm__days_from_civil(2026, 2, 1) * 86400000 + 36000000);
    assert_int_equal(mb, jm__days_from_civil(2026, 1, 2) * 86400000 + 36000000);
    jm__timefmt_free(a);
    jm__timefmt_free(b);

    /* With dashes and AM/PM too. */
    static const char *const dash[] = {"01-02-2026 2:05 PM"};
    assert_int_equal(guess(dash, N(dash), &tf, &msg), JM_GUESS_AMBIGUOUS);
    assert_non_null(strstr(msg, "--time-format '%d-%m-%Y %I:%M %p'"));
    assert_non_null(strstr(msg, "--time-format '%m-%d-%Y %I:%M %p'"));
    free(msg);
    jm__timefmt_free(tf);

    /* Nothing readable: no verdict, the reader stays automatic. */
    static const char *const none[] = {"garbage", "", "  "};
    assert_int_equal(guess(none, N(none), &tf, &msg), JM_GUESS_NONE);
    assert_true(jm__timefmt_undecided(tf));
    jm__timefmt_free(tf);
}

static void test_time_guess_settled_and_1970(void **state)
{
    (void)state;
    jm__time_guess *g = jm__time_guess_new();
    assert_false(jm__time_guess_settled(g));
    jm__time_guess_add(g, "05/06/2026 10:00", 16);
    assert_false(jm__time_guess_settled(g)); /* either way */
    jm__time_guess_add(g, "13/06/2026 10:00", 16);
    assert_true(jm__time_guess_settled(g));
    assert_int_equal(jm__time_guess_values(g), 2);
    jm__time_guess_free(g);

    g = jm__time_guess_new();
    jm__time_guess_add(g, "2026-12-07T14:05:00Z", 20);
    assert_true(jm__time_guess_settled(g));
    assert_false(jm__time_guess_epoch_1970(g));
    jm__time_guess_free(g);

    /* Excel serial days read as epoch seconds fall within 1970-01-01. */
    g = jm__time_guess_new();
    jm__time_guess_add(g, "46363.586805", 12);
    jm__time_guess_add(g, "46364.1", 7);
    assert_true(jm__time_guess_epoch_1970(g));
    assert_false(jm__time_guess_settled(g)); /* a stream reads on for a later value */
    jm__time_guess_add(g, "1796652300", 10);
    assert_false(jm__time_guess_epoch_1970(g));
    jm__time_guess_free(g);
}

static void test_time_strptime_offset(void **state)
{
    struct fixture *f = *state;
    /* %z gives each value its own offset, which wins over the reader's zone (Berlin here):
     * datetime(2021, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=2))) is 08:00Z, and with
     * -05:30 it is 15:30Z. */
    check_parse(f->with_z, "2021-03-04 10:00:00 +0200", INT64_C(1614844800000));
    check_parse(f->with_z, "2021-03-04 10:00:00 -05:30", INT64_C(1614871800000));
    check_parse(f->with_z, "2021-03-04 10:00:00 Z", INT64_C(1614852000000));
    check_reject(f->with_z, "2021-03-04 10:00:00");
    check_reject(f->with_z, "2021-03-04 10:00:00 +0200 x");
}

static void test_time_new_errors(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(jm__timefmt_new("", NULL, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "empty time format"));
    free(err);

    err = NULL;
    assert_null(jm__timefmt_new("day month", NULL, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "no conversion"));
    free(err);

    err = NULL;
    assert_null(jm__timefmt_new("100%%", NULL, &err));
    assert_non_null(strstr(err, "no conversion"));
    free(err);

    err = NULL;
    assert_null(jm__timefmt_new("%Y-%m-%", NULL, &err));
    assert_non_null(err);
    free(err);

    err = NULL;
    assert_null(jm__timefmt_new("%s", NULL, &err));
    assert_non_null(strstr(err, "%s"));
    free(err);

    err = NULL;
    assert_null(jm__timefmt_new(NULL, "Mars/Base", &err));
    assert_string_equal(err,
                        "unknown time zone 'Mars/Base' (use an IANA name such as Europe/Berlin)");
    free(err);

    err = NULL;
    assert_null(jm__timefmt_new("%d/%m/%Y", "", &err));
    assert_non_null(err);
    free(err);

    /* A NULL err is allowed. */
    assert_null(jm__timefmt_new(NULL, "Mars/Base", NULL));
    jm__timefmt_free(NULL);
}

static void test_time_utc_spellings(void **state)
{
    (void)state;
    const char *names[] = {"UTC", "Etc/UTC", "+02:00"};
    /* datetime(2021, 3, 4, 10, 20, 30, tzinfo=utc), and two hours earlier at +02:00. */
    const int64_t want[] = {INT64_C(1614853230000), INT64_C(1614853230000), INT64_C(1614846030000)};
    for (size_t i = 0; i < 3; i++) {
        jm__timefmt *tf = jm__timefmt_new(NULL, names[i], NULL);
        assert_non_null(tf);
        check_parse(tf, "2021-03-04 10:20:30", want[i]);
        jm__timefmt_free(tf);
    }
}

static void test_time_garbage(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"",
                         "   ",
                         "abc",
                         "yesterday",
                         "2021-",
                         "2021-03",
                         "2021-3-4",
                         "21-03-04",
                         "2021-03-04T",
                         "2021-03-04T10",
                         "2021-03-04T10:2",
                         "2021-03-04T1:20",
                         "2021-03-04  10:20",
                         "2021-03-04_10:20",
                         "2021-03-04T10:20:3",
                         "2021-03-04T10:20:30+",
                         "2021-03-04T10:20:30+02:",
                         "2021-03-04T10:20:30 +02:00",
                         "2021-03-04T10:20:30 Z",
                         "2021-03-04T10:20:30UTC",
                         "2O21-03-04",
                         "-2021-03-04",
                         "+2021-03-04"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        check_reject(f->utc, bad[i]);
}

static void test_time_trailing_garbage(void **state)
{
    struct fixture *f = *state;
    check_reject(f->utc, "2021-03-04x");
    check_reject(f->utc, "2021-03-04T10:20:30Zx");
    check_reject(f->utc, "2021-03-04T10:20:30ZZ");
    check_reject(f->utc, "2021-03-04T10:20:30.123x");
    check_reject(f->utc, "2021-03-04T10:20:30+02:00:00");
    check_reject(f->utc, "2021-03-04T10:20:30+02:00x");
    check_reject(f->utc, "1614853230x");
    /* A NUL inside the value is not its end. */
    assert_false(jm__time_parse(f->utc, "2021-03-04\0Z", 12, &(int64_t){0}));
    assert_false(jm__time_parse(f->dmy, "04/03/2021 10:20\0", 17, &(int64_t){0}));
}

static void test_time_spaces_trimmed(void **state)
{
    struct fixture *f = *state;
    check_parse(f->utc, " 2021-03-04T10:20:30Z", INT64_C(1614853230000));
    check_parse(f->utc, "2021-03-04T10:20:30Z  ", INT64_C(1614853230000));
    check_parse(f->utc, "\t 2021-03-04 10:20:30 \t", INT64_C(1614853230000));
    check_parse(f->utc, " 1614853230 ", INT64_C(1614853230000));
    check_parse(f->utc, "2021-03-04 ", INT64_C(1614816000000));
    check_reject(f->utc, "\n2021-03-04");
}

static void test_time_length_bounded(void **state)
{
    struct fixture *f = *state;
    /* Only the n bytes count, whatever follows them. */
    const char *s = "2021-03-04T10:20:30Zgarbage";
    int64_t ms = 0;
    assert_true(jm__time_parse(f->utc, s, 20, &ms));
    assert_true(ms == INT64_C(1614853230000));
    assert_true(jm__time_parse(f->utc, s, 10, &ms));
    assert_true(ms == INT64_C(1614816000000));
    assert_false(jm__time_parse(f->utc, s, 21, &ms));
    assert_false(jm__time_parse(f->utc, s, 0, &ms));
}

static void test_time_format_output(void **state)
{
    (void)state;
    check_format(0, "1970-01-01T00:00:00Z");
    check_format(1, "1970-01-01T00:00:00.001Z");
    check_format(1500, "1970-01-01T00:00:01.500Z");
    check_format(INT64_C(1614853230123), "2021-03-04T10:20:30.123Z");
    check_format(INT64_C(1709164800000), "2024-02-29T00:00:00Z");
    check_format(INT64_C(-11670998400000), "1600-02-29T00:00:00Z");
}

static void test_time_days_from_civil(void **state)
{
    (void)state;
    /* (date(y, m, d) - date(1970, 1, 1)).days in Python. */
    assert_true(jm__days_from_civil(1970, 1, 1) == 0);
    assert_true(jm__days_from_civil(1969, 12, 31) == -1);
    assert_true(jm__days_from_civil(2000, 3, 1) == 11017);
    assert_true(jm__days_from_civil(1600, 2, 29) == -135081);
    assert_true(jm__days_from_civil(1, 1, 1) == -719162);
    assert_true(jm__days_from_civil(9999, 12, 31) == 2932896);
}

/* An obviously correct calendar, one day at a time, checks every date of years 1 to 9999. */
static void test_time_days_from_civil_every_day(void **state)
{
    (void)state;
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y = 1, want = -719162;
    unsigned m = 1, d = 1;
    char buf[32], date[32];
    while (y <= 9999) {
        if (jm__days_from_civil(y, m, d) != want)
            fail_msg("%04" PRId64 "-%02u-%02u: got %" PRId64 ", want %" PRId64, y, m, d,
                     jm__days_from_civil(y, m, d), want);
        if (want % 97 == 0) {
            jm__time_format(want * 86400000, buf);
            snprintf(date, sizeof date, "%04" PRId64 "-%02u-%02u", y, m, d);
            assert_memory_equal(buf, date, 10);
        }
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        unsigned last = m == 2 && leap ? 29 : dim[m - 1];
        want++;
        if (++d > last) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_true(want == 2932897);
}

/* Format then parse gives back the same instant, for instants spread over years 1 to 9999. */
static void test_time_round_trip_property(void **state)
{
    struct fixture *f = *state;
    const int64_t lo = INT64_C(-62135596800000), hi = INT64_C(253402300799999);
    uint64_t x = 42;
    char buf[32];
    for (int i = 0; i < 20000; i++) {
        /* Knuth's MMIX LCG; the high bits are the well-mixed ones. */
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        int64_t ms = lo + (int64_t)((x >> 11) % (uint64_t)(hi - lo + 1));
        /* Every fourth value on a whole second, to cover the form without a fraction. */
        if (i % 4 == 0) ms -= ((ms % 1000) + 1000) % 1000;
        size_t n = jm__time_format(ms, buf);
        int64_t back = 0;
        if (!jm__time_parse(f->utc, buf, n, &back) || back != ms)
            fail_msg("%" PRId64 " -> '%s' -> %" PRId64, ms, buf, back);
        /* A Z in the text makes the reader's zone irrelevant. */
        if (!jm__time_parse(f->berlin, buf, n, &back) || back != ms)
            fail_msg("Berlin: %" PRId64 " -> '%s' -> %" PRId64, ms, buf, back);
    }
    const int64_t edges[] = {lo, lo + 1, -1, 0, 1, hi - 1, hi};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        size_t n = jm__time_format(edges[i], buf);
        int64_t back = 0;
        assert_true(jm__time_parse(f->utc, buf, n, &back));
        assert_true(back == edges[i]);
    }
}

/* A memo changes nothing: texts whose dates repeat, alternate, turn invalid on the same or the
 * next day, or carry zones and times of day out of range, read with one memo through the whole
 * list, give what they give without one (the same validity, the same instant). */
static void test_time_memo_same_results(void **state)
{
    struct fixture *f = *state;
    static const char *const texts[] = {
        "2024-02-29T10:00:00Z", "2024-02-29T23:59:60Z", "2024-02-29T24:00:00Z",
        "2024-02-29 10:61", "2024-02-30T00:00:00Z", "2024-02-30T01:00:00Z",
        "2024-02-29T00:00:01.5+01:00",
        "2023-02-29T00:00:00Z", "2023-02-28T12:00:00Z", "2023-02-28T12:00:00-0530",
        "2024-02-29", "2024/02/29 08:00", "2024-02-29T10:00:00Z", "2024-13-01T00:00:00Z",
        "2024-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-00:01", "2024-03-31T02:30:00",
        "2024-03-31T02:30:00", "1700000000", "2024-03-31T02:30:00",
    };
    const jm__timefmt *readers[] = {f->utc, f->berlin, f->dublin};
    for (size_t r = 0; r < sizeof readers / sizeof *readers; r++) {
        jm__time_memo memo = JM_TIME_MEMO;
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
                int64_t want = -1, got = -2;
                bool ok = jm__time_parse(readers[r], texts[i], strlen(texts[i]), &want);
                bool memo_ok = jm__time_parse_memo(readers[r], &memo, texts[i], strlen(texts[i]),
                                                   &got);
                if (ok != memo_ok || (ok && want != got))
                    fail_msg("reader %zu, '%s': %d %" PRId64 " without a memo, %d %" PRId64
                             " with one",
                             r, texts[i], ok, want, memo_ok, got);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_iso_separators),
        cmocka_unit_test(test_time_memo_same_results),
        cmocka_unit_test(test_time_slash_date),
        cmocka_unit_test(test_time_date_only),
        cmocka_unit_test(test_time_offsets_converted),
        cmocka_unit_test(test_time_offset_beats_zone),
        cmocka_unit_test(test_time_fractions),
        cmocka_unit_test(test_time_epoch),
        cmocka_unit_test(test_time_epoch_rejects),
        cmocka_unit_test(test_time_year_edges),
        cmocka_unit_test(test_time_before_1970),
        cmocka_unit_test(test_time_leap_years),
        cmocka_unit_test(test_time_leap_second),
        cmocka_unit_test(test_time_ranges),
        cmocka_unit_test(test_time_dst_berlin_normal),
        cmocka_unit_test(test_time_dst_berlin_gap),
        cmocka_unit_test(test_time_dst_berlin_overlap),
        cmocka_unit_test(test_time_strptime_format),
        cmocka_unit_test(test_time_strptime_offset),
        cmocka_unit_test(test_time_patterns_by_format),
        cmocka_unit_test(test_time_patterns_am_pm),
        cmocka_unit_test(test_time_patterns_month_names),
        cmocka_unit_test(test_time_excel_serial_days),
        cmocka_unit_test(test_time_guess_picks),
        cmocka_unit_test(test_time_guess_ambiguous),
        cmocka_unit_test(test_time_guess_settled_and_1970),
        cmocka_unit_test(test_time_new_errors),
        cmocka_unit_test(test_time_utc_spellings),
        cmocka_unit_test(test_time_garbage),
        cmocka_unit_test(test_time_trailing_garbage),
        cmocka_unit_test(test_time_spaces_trimmed),
        cmocka_unit_test(test_time_length_bounded),
        cmocka_unit_test(test_time_format_output),
        cmocka_unit_test(test_time_days_from_civil),
        cmocka_unit_test(test_time_days_from_civil_every_day),
        cmocka_unit_test(test_time_round_trip_property),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
