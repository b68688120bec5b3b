/* SPDX-License-Identifier: MIT */
/* Column roles: which header column holds the case, activity, times, channel, and so on. */
#include "roles.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Known spellings per role. Matching ignores case, spaces, '_' and '-', so "Case ID" is case_id;
 * where several columns match, one spelled exactly as listed wins. The lists are disjoint, so
 * one column has one role. */
static const char *const known[JM_ROLE_COUNT][10] = {
    [JM_ROLE_CASE] = {"case_id", "case:concept:name", "ticket_id", "case", "ticket", NULL},
    [JM_ROLE_ACTIVITY] = {"activity", "concept:name", "activity_name", "event_name", NULL},
    [JM_ROLE_START] = {"timestamp", "start_time", "time:timestamp", "start", "start_timestamp",
                       "start_date", "time", "datetime", NULL},
    [JM_ROLE_END] = {"end_time", "complete_time", "end", "end_timestamp", "complete_timestamp",
                     "end_date", "complete_date", NULL},
    [JM_ROLE_CHANNEL] = {"channel", "contact_type", "contact_channel", "contact_channel_id",
                         "case:channel", "channel_id", NULL},
    [JM_ROLE_CUSTOMER] = {"customer_id", "customer", "client_id", "client", NULL},
    [JM_ROLE_RESOURCE] = {"agent", "resource", "org:resource", "agent_id", "agent_name", NULL},
    [JM_ROLE_LIFECYCLE] = {"lifecycle:transition", "lifecycle", "transition", "event_type",
                           NULL},
};

size_t jm__roles_normalise(const char *name, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == ' ' || c == '_' || c == '-')
            continue;
        out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
    return k;
}

/* Spelled exactly, case included, as one of the role's known names: that column wins a tie
 * (SPEC §1: XES exports often carry both `activity` and `Activity`). */
static bool is_exact(jm_role role, const char *name, size_t n)
{
    for (size_t k = 0; known[role][k] != NULL; k++)
        if (strlen(known[role][k]) == n && memcmp(known[role][k], name, n) == 0)
            return true;
    return false;
}

/* "a", "b", "c" — the header for messages, each name cut to 60 bytes. */
static char *list_columns(size_t n, const char *const *name, const size_t *len)
{
    size_t cap = 64, k = 0;
    char *s = jm__xmalloc(cap);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = len[i] > 60 ? 60 : len[i];
        jm__grow((void **)&s, &cap, k + l + 8, 1);
        k += (size_t)snprintf(s + k, cap - k, "%s\"", i ? ", " : "");
        for (size_t j = 0; j < l; j++)
            s[k++] = (unsigned char)name[i][j] < 0x20 ? '?' : name[i][j];
        k += (size_t)snprintf(s + k, cap - k, "%s\"", l < len[i] ? "..." : "");
    }
    return s;
}

/* " (#2, #5)": the 1-based numbers of the columns whose name is ties[0..nt). */
static char *numbers(const size_t *ties, size_t nt)
{
    size_t cap = 16 + nt * 24, k = 0;
    char *s = jm__xmalloc(cap);
    for (size_t i = 0; i < nt; i++)
        k += (size_t)snprintf(s + k, cap - k, "%s#%zu", i ? ", " : "", ties[i] + 1);
    return s;
}

/* The columns whose name is the wl bytes at want: exact bytes first, then the normalised form.
 * Up to max indices go to found; returns how many match (of the kind that matched first). */
static size_t match_name(size_t n, const char *const *name, const size_t *len, const char *want,
                         size_t wl, size_t *found, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (len[i] == wl && memcmp(name[i], want, wl) == 0) {
            if (k < max)
                found[k] = i;
            k++;
        }
    if (k > 0)
        return k;
    char *nw = jm__xmalloc(wl + 1);
    size_t nwl = jm__roles_normalise(want, wl, nw);
    for (size_t i = 0; i < n; i++) {
        char *nn = jm__xmalloc(len[i] + 1);
        size_t nnl = jm__roles_normalise(name[i], len[i], nn);
        /* Compared with their lengths: a name may hold a NUL byte. */
        if (nnl == nwl && memcmp(nn, nw, nnl) == 0) {
            if (k < max)
                found[k] = i;
            k++;
        }
        free(nn);
    }
    free(nw);
    return k;
}

/* The column "#N" names (1-based), or JM_NO_COLUMN when want is not of that form. */
static size_t by_number(const char *want, size_t wl)
{
    if (wl < 2 || wl > 12 || want[0] != '#')
        return JM_NO_COLUMN;
    size_t v = 0;
    for (size_t i = 1; i < wl; i++) {
        if (want[i] < '0' || want[i] > '9')
            return JM_NO_COLUMN;
        v = v * 10 + (size_t)(want[i] - '0');
    }
    return v;
}

#define MAX_TIES 8

/* One column spec (the wl bytes at want: a name, or "#N") for option flag. Returns JM_OK with
 * *col; else the status, and when err is not NULL a malloc'd message in *err. */
static jm_status one_column(size_t n, const char *const *name, const size_t *len, const char *flag,
                            const char *want, size_t wl, size_t *col, char **err)
{
    size_t ties[MAX_TIES];
    size_t k = match_name(n, name, len, want, wl, ties, MAX_TIES);
    if (k == 1) {
        *col = ties[0];
        return JM_OK;
    }
    if (k > 1) {
        if (err != NULL) {
            char *cols = list_columns(n, name, len);
            char *nums = numbers(ties, k < MAX_TIES ? k : MAX_TIES);
            *err = jm__strdupf("%s '%.*s' matches several columns (%s%s); name one by its "
                               "number, e.g. %s '#%zu'. The header has: %s",
                               flag, (int)wl, want, nums, k > MAX_TIES ? ", ..." : "", flag,
                               ties[0] + 1, cols);
            free(nums);
            free(cols);
        }
        return JM_EINPUT;
    }
    size_t num = by_number(want, wl);
    if (num != JM_NO_COLUMN && num >= 1 && num <= n) {
        *col = num - 1;
        return JM_OK;
    }
    if (err != NULL) {
        char *cols = list_columns(n, name, len);
        if (num != JM_NO_COLUMN)
            *err = jm__strdupf("%s '%.*s': the header has %zu columns: %s", flag, (int)wl, want,
                               n, cols);
        else
            *err = jm__strdupf("%s '%.*s' names no column; the header has: %s", flag, (int)wl,
                               want, cols);
        free(cols);
    }
    return JM_EUSAGE;
}

jm_status jm__roles_column(size_t n, const char *const *name, const size_t *len, const char *flag,
                           const char *want, size_t *col, char **err)
{
    return one_column(n, name, len, flag, want, strlen(want), col, err);
}

/* The sl bytes at s as columns joined with '+', the longest name that fits first: parts go to
 * part[*np ..). Returns false when no split names a column with every part. */
static bool split_parts(size_t n, const char *const *name, const size_t *len, const char *s,
                        size_t sl, size_t *part, size_t *np)
{
    if (sl == 0 || *np >= JM_PARTS_MAX)
        return false;
    for (size_t k = sl; k > 0; k--) {
        if (k < sl && s[k] != '+')
            continue;
        size_t c;
        if (one_column(n, name, len, "", s, k, &c, NULL) != JM_OK)
            continue;
        part[(*np)++] = c;
        if (k == sl || split_parts(n, name, len, s + k + 1, sl - k - 1, part, np))
            return true;
        (*np)--;
    }
    return false;
}

/* The column(s) of role r that the flag names: one, or for case and activity several joined
 * with '+'. */
static jm_status named(size_t n, const char *const *name, const size_t *len, jm_role r,
                       const char *want, jm__roles *out, char **err)
{
    char flag[32];
    snprintf(flag, sizeof flag, "--%s", jm_role_key(r));
    size_t wl = strlen(want);
    jm_status st = one_column(n, name, len, flag, want, wl, &out->part[r][0], err);
    out->npart[r] = st == JM_OK;
    bool joins = r == JM_ROLE_CASE || r == JM_ROLE_ACTIVITY;
    if (st == JM_OK || !joins || memchr(want, '+', wl) == NULL)
        return st;
    size_t np = 0;
    if (split_parts(n, name, len, want, wl, out->part[r], &np)) {
        free(*err);
        *err = NULL;
        out->npart[r] = np;
        return JM_OK;
    }
    /* No split works: the first part that names no column, or several, says why. */
    for (const char *p = want, *end = want + wl;;) {
        const char *q = memchr(p, '+', (size_t)(end - p));
        size_t pl = q ? (size_t)(q - p) : (size_t)(end - p);
        size_t c;
        char *e2 = NULL;
        jm_status s2 = one_column(n, name, len, flag, p, pl, &c, &e2);
        if (s2 != JM_OK) {
            free(*err);
            *err = e2;
            return s2;
        }
        if (q == NULL)
            break;
        p = q + 1;
    }
    size_t parts = 1;
    for (size_t i = 0; i < wl; i++)
        parts += want[i] == '+';
    if (parts > JM_PARTS_MAX) {
        free(*err);
        *err = jm__strdupf("%s '%s' joins more than %d columns", flag, want, JM_PARTS_MAX);
        return JM_EUSAGE;
    }
    return st;
}

/* The column matching one of the role's known spellings; ties go to an exact spelling. Returns
 * JM_NO_COLUMN and sets *tie (with up to MAX_TIES of the columns in ties, *nt in all) when
 * several match and no single one is exact. */
static size_t find_known(size_t n, const char *const *name, const size_t *len, jm_role role,
                         bool *tie, size_t *ties, size_t *nt)
{
    size_t found = JM_NO_COLUMN, exact_found = JM_NO_COLUMN;
    size_t matches = 0, exacts = 0;
    *tie = false;
    for (size_t i = 0; i < n; i++) {
        char *nn = jm__xmalloc(len[i] + 1);
        size_t nnl = jm__roles_normalise(name[i], len[i], nn);
        for (size_t k = 0; known[role][k] != NULL; k++) {
            char kn[64];
            size_t knl = jm__roles_normalise(known[role][k], strlen(known[role][k]), kn);
            if (nnl == knl && memcmp(nn, kn, knl) == 0) {
                if (matches < MAX_TIES)
                    ties[matches] = i;
                matches++;
                if (found == JM_NO_COLUMN)
                    found = i;
                if (is_exact(role, name[i], len[i])) {
                    exacts++;
                    exact_found = i;
                }
                break;
            }
        }
        free(nn);
    }
    *nt = matches;
    if (matches <= 1)
        return found;
    if (exacts == 1)
        return exact_found;
    *tie = true;
    return JM_NO_COLUMN;
}

jm_status jm__roles_find(size_t n, const char *const *name, const size_t *len,
                         const char *const set[JM_ROLE_COUNT], unsigned flags, jm__roles *out,
                         char **err)
{
    for (int r = 0; r < JM_ROLE_COUNT; r++) {
        out->col[r] = JM_NO_COLUMN;
        out->npart[r] = 0;
        if (set[r] != NULL && set[r][0] == '\0') { /* "none", where the role may be absent */
            if (r == JM_ROLE_CASE || r == JM_ROLE_ACTIVITY || r == JM_ROLE_START) {
                *err = jm__strdupf("--%s '' names no column: a log must have its %s column",
                                   jm_role_key((jm_role)r), jm_role_key((jm_role)r));
                return JM_EUSAGE;
            }
            continue;
        }
        if (set[r] != NULL) {
            jm_status st = named(n, name, len, (jm_role)r, set[r], out, err);
            if (st != JM_OK)
                return st;
            out->col[r] = out->part[r][0];
            continue;
        }
        bool tie = false;
        size_t ties[MAX_TIES], nt = 0;
        out->col[r] = find_known(n, name, len, (jm_role)r, &tie, ties, &nt);
        if (tie) {
            char *cols = list_columns(n, name, len);
            char *nums = numbers(ties, nt < MAX_TIES ? nt : MAX_TIES);
            *err = jm__strdupf("several columns could be the %s (%s%s); name one with --%s, "
                               "e.g. --%s '#%zu'. The header has: %s",
                               jm_role_key((jm_role)r), nums, nt > MAX_TIES ? ", ..." : "",
                               jm_role_key((jm_role)r), jm_role_key((jm_role)r), ties[0] + 1,
                               cols);
            free(nums);
            free(cols);
            return JM_EINPUT;
        }
        if (out->col[r] != JM_NO_COLUMN) {
            out->npart[r] = 1;
            out->part[r][0] = out->col[r];
        }
    }
    /* A log with only a completion time (many XES exports) is read as instantaneous events. */
    if (out->col[JM_ROLE_START] == JM_NO_COLUMN && set[JM_ROLE_START] == NULL &&
        out->col[JM_ROLE_END] != JM_NO_COLUMN && set[JM_ROLE_END] == NULL &&
        !(flags & JM_ROLES_STAGES)) {
        out->col[JM_ROLE_START] = out->col[JM_ROLE_END];
        out->npart[JM_ROLE_START] = 1;
        out->part[JM_ROLE_START][0] = out->col[JM_ROLE_START];
        out->col[JM_ROLE_END] = JM_NO_COLUMN;
        out->npart[JM_ROLE_END] = 0;
    }
    static const jm_role required[] = {JM_ROLE_CASE, JM_ROLE_ACTIVITY, JM_ROLE_START};
    size_t nreq = flags & JM_ROLES_STAGES ? 1 : 3;
    for (size_t i = 0; i < nreq; i++) {
        jm_role r = required[i];
        if (out->col[r] == JM_NO_COLUMN) {
            char *cols = list_columns(n, name, len);
            *err = jm__strdupf("no %s column found (name it with --%s); the header has: %s",
                               jm_role_key(r), jm_role_key(r), cols);
            free(cols);
            return JM_EINPUT;
        }
    }
    return JM_OK;
}

void jm__stages_free(jm__stage *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].start);
        free(s[i].end);
    }
    free(s);
}

jm_status jm__stages_parse(const char *spec, jm__stage **out, size_t *n, char **err)
{
    jm__stage *s = NULL;
    size_t ns = 0, cap = 0;
    const char *p = spec;
    for (;;) {
        size_t l = strcspn(p, ",");
        const char *eq = memchr(p, '=', l);
        const char *dots = eq ? strstr(eq, "..") : NULL;
        if (dots != NULL && dots >= p + l)
            dots = NULL;
        if (eq == NULL || eq == p || eq + 1 == (dots ? dots : p + l) ||
            (dots != NULL && dots + 2 == p + l)) {
            *err = jm__strdupf("--stages: '%.*s' is not NAME=START_COLUMN..END_COLUMN (e.g. "
                               "IVR=vru_entry..vru_exit)",
                               (int)l, p);
            jm__stages_free(s, ns);
            return JM_EUSAGE;
        }
        jm__grow((void **)&s, &cap, ns + 1, sizeof *s);
        const char *se = dots ? dots : p + l;
        s[ns].name = jm__xmemdup(p, (size_t)(eq - p));
        s[ns].start = jm__xmemdup(eq + 1, (size_t)(se - eq - 1));
        s[ns].end = dots ? jm__xmemdup(dots + 2, (size_t)(p + l - dots - 2)) : NULL;
        ns++;
        if (p[l] == '\0')
            break;
        p += l + 1;
    }
    *out = s;
    *n = ns;
    return JM_OK;
}
