/* SPDX-License-Identifier: MIT */
/* Run options: their defaults, and the duration and size syntax the options use. */
#include <jmine/jmine.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void jm_options_init(jm_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->field_limit = (size_t)1 << 20;
    opt->max_rejects = UINT64_MAX;
    opt->step = JM_STEP_ACTIVITY;
    opt->long_wait_ms = 48LL * 3600 * 1000;
    opt->repeat_window_ms = 7LL * 86400 * 1000;
    opt->max_handovers = 3;
    opt->map_steps_pct = 100.0;
    opt->map_edges_pct = 100.0;
}

/* A non-negative decimal number followed by a unit from the table; the value times the unit's
 * scale, rounded to an integer, must fit in an int64. */
static bool parse_scaled(const char *s, const char *const *units, const double *scales, double max,
                         int64_t *out)
{
    if (s == NULL || (!isdigit((unsigned char)s[0]) && s[0] != '.'))
        return false;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0)
        return false;
    for (size_t i = 0; units[i] != NULL; i++) {
        if (strcmp(end, units[i]) == 0) {
            double r = v * scales[i];
            if (r > max)
                return false;
            *out = (int64_t)llround(r);
            return true;
        }
    }
    return false;
}

unsigned jm__thread_count(const jm_options *opt)
{
    if (opt->threads > 0)
        return opt->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* The units of a duration, longest spelling first where one is a prefix of another ("ms"
 * before "m", "min" before "m"). */
static const struct {
    const char *name;
    int64_t ms;
} duration_units[] = {{"ms", 1},        {"min", 60000},     {"s", 1000}, {"m", 60000},
                      {"h", 3600000},   {"d", 86400000},    {"w", 604800000}};

jm_duration_error jm_parse_duration_ex(const char *s, int64_t *ms)
{
    if (s == NULL || s[0] == '\0')
        return JM_DURATION_BAD;
    double total = 0;
    const char *p = s;
    bool any_unit = false;
    while (*p != '\0') {
        if (!isdigit((unsigned char)p[0]) && !(p[0] == '.' && isdigit((unsigned char)p[1])))
            return JM_DURATION_BAD;
        char *end = NULL;
        double v = strtod(p, &end);
        /* strtod also reads signs, exponents, hex and "inf": only digits and one point here. */
        for (const char *q = p; q < end; q++)
            if (!isdigit((unsigned char)*q) && *q != '.')
                return JM_DURATION_BAD;
        if (end == p || !isfinite(v) || v < 0)
            return JM_DURATION_BAD;
        p = end;
        if (*p == '\0')
            return any_unit ? JM_DURATION_BAD : JM_DURATION_NO_UNIT;
        size_t u = 0, nu = sizeof duration_units / sizeof duration_units[0];
        for (; u < nu; u++) {
            size_t k = strlen(duration_units[u].name);
            if (strncmp(p, duration_units[u].name, k) == 0 && !isalpha((unsigned char)p[k]))
                break;
        }
        if (u == nu)
            return JM_DURATION_BAD;
        total += v * (double)duration_units[u].ms;
        if (total > 9.0e18)
            return JM_DURATION_BAD;
        p += strlen(duration_units[u].name);
        any_unit = true;
    }
    *ms = (int64_t)llround(total);
    return JM_DURATION_OK;
}

bool jm_parse_duration(const char *s, int64_t *ms)
{
    return jm_parse_duration_ex(s, ms) == JM_DURATION_OK;
}

bool jm_parse_size(const char *s, uint64_t *bytes)
{
    static const char *const units[] = {"",   "k",   "K", "KB", "KiB", "M",
                                        "MB", "MiB", "G", "GB", "GiB", NULL};
    static const double scales[] = {1,           1024.0,    1024.0,    1024.0,       1024.0,
                                    1048576.0,   1048576.0, 1048576.0, 1073741824.0, 1073741824.0,
                                    1073741824.0};
    int64_t v = 0;
    if (!parse_scaled(s, units, scales, 9.0e18, &v))
        return false;
    *bytes = (uint64_t)v;
    return true;
}
