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

/* The column the user named: exact bytes first, then the normalised form; a normalised match
 * must be unique. */
static size_t find_named(size_t n, const char *const *name, const size_t *len, const char *want,
                         size_t *ties)
{
    size_t wl = strlen(want);
    size_t exact = JM_NO_COLUMN;
    *ties = 0;
    for (size_t i = 0; i < n; i++) {
        if (len[i] == wl && memcmp(name[i], want, wl) == 0) {
            if (exact != JM_NO_COLUMN)
                (*ties)++; /* two columns of that very name: which one is meant is unknown */
            else
                exact = i;
        }
    }
    if (*ties)
        return JM_NO_COLUMN;
    if (exact != JM_NO_COLUMN)
        return exact;
    char *nw = jm__xmalloc(wl + 1);
    size_t nwl = jm__roles_normalise(want, wl, nw);
    size_t found = JM_NO_COLUMN;
    *ties = 0;
    for (size_t i = 0; i < n; i++) {
        char *nn = jm__xmalloc(len[i] + 1);
        size_t nnl = jm__roles_normalise(name[i], len[i], nn);
        /* Compared with their lengths: a name may hold a NUL byte. */
        if (nnl == nwl && memcmp(nn, nw, nnl) == 0) {
            if (found == JM_NO_COLUMN)
                found = i;
            else
                (*ties)++;
        }
        free(nn);
    }
    free(nw);
    return *ties ? JM_NO_COLUMN : found;
}

/* The column matching one of the role's known spellings; ties go to an exact spelling. Returns
 * JM_NO_COLUMN and sets *tie when several match and no single one is exact. */
static size_t find_known(size_t n, const char *const *name, const size_t *len, jm_role role,
                         bool *tie)
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
    if (matches <= 1)
        return found;
    if (exacts == 1)
        return exact_found;
    *tie = true;
    return JM_NO_COLUMN;
}

jm_status jm__roles_find(size_t n, const char *const *name, const size_t *len,
                         const char *const set[JM_ROLE_COUNT], size_t col[JM_ROLE_COUNT],
                         char **err)
{
    for (int r = 0; r < JM_ROLE_COUNT; r++) {
        col[r] = JM_NO_COLUMN;
        if (set[r] != NULL) {
            size_t ties = 0;
            col[r] = find_named(n, name, len, set[r], &ties);
            if (col[r] == JM_NO_COLUMN) {
                char *cols = list_columns(n, name, len);
                *err = jm__strdupf(ties ? "--%s '%s' matches several columns; the header has: %s"
                                        : "--%s '%s' names no column; the header has: %s",
                                   jm_role_key((jm_role)r), set[r], cols);
                free(cols);
                return JM_EUSAGE;
            }
            continue;
        }
        bool tie = false;
        col[r] = find_known(n, name, len, (jm_role)r, &tie);
        if (tie) {
            char *cols = list_columns(n, name, len);
            *err = jm__strdupf("several columns could be the %s; name one with --%s. The header "
                               "has: %s",
                               jm_role_key((jm_role)r), jm_role_key((jm_role)r), cols);
            free(cols);
            return JM_EINPUT;
        }
    }
    /* A log with only a completion time (many XES exports) is read as instantaneous events. */
    if (col[JM_ROLE_START] == JM_NO_COLUMN && set[JM_ROLE_START] == NULL &&
        col[JM_ROLE_END] != JM_NO_COLUMN && set[JM_ROLE_END] == NULL) {
        col[JM_ROLE_START] = col[JM_ROLE_END];
        col[JM_ROLE_END] = JM_NO_COLUMN;
    }
    static const jm_role required[] = {JM_ROLE_CASE, JM_ROLE_ACTIVITY, JM_ROLE_START};
    for (size_t i = 0; i < 3; i++) {
        jm_role r = required[i];
        if (col[r] == JM_NO_COLUMN) {
            char *cols = list_columns(n, name, len);
            *err = jm__strdupf("no %s column found (name it with --%s); the header has: %s",
                               jm_role_key(r), jm_role_key(r), cols);
            free(cols);
            return JM_EINPUT;
        }
    }
    return JM_OK;
}
