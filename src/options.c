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

bool jm_parse_duration(const char *s, int64_t *ms)
{
    static const char *const units[] = {"", "ms", "s", "m", "min", "h", "d", "w", NULL};
    static const double scales[] = {1e3, 1, 1e3, 6e4, 6e4, 3.6e6, 8.64e7, 6.048e8};
    return parse_scaled(s, units, scales, 9.0e18, ms);
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
