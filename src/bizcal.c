/* SPDX-License-Identifier: MIT */
/* Business time (SPEC §9): opening hours per channel, holidays, and business milliseconds. */
#include "bizcal.h"
#include "util.h"

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
