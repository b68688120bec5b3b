/* SPDX-License-Identifier: MIT */
/* Column roles: which header column holds the case, activity, times, channel, and so on. */
#ifndef JM_ROLES_H
#define JM_ROLES_H

#include <jmine/jmine.h>

#define JM_NO_COLUMN SIZE_MAX

/* Columns one role may join with '+' (--activity 'A+B'). */
#define JM_PARTS_MAX 8

/* The columns of a header that hold each role. */
typedef struct jm__roles {
    size_t col[JM_ROLE_COUNT];   /* the role's column (a joined role's first), or JM_NO_COLUMN */
    size_t npart[JM_ROLE_COUNT]; /* 0 (no column), 1, or the columns joined with '+' */
    size_t part[JM_ROLE_COUNT][JM_PARTS_MAX];
} jm__roles;

/* jm__roles_find: the header's times come from --stages, so activity and start are not
 * required. */
#define JM_ROLES_STAGES 1u

/* Find each role's column in a header of n fields. set[r] is what the flag for role r says, or
 * NULL to match by the known spellings: a column name (matched exactly first, then ignoring
 * case, spaces, '_' and '-'), "#N" (the N-th column, from 1), or for case and activity several
 * of those joined with '+' (a name that holds '+' itself is taken whole first, and the longest
 * name that fits first when split). On success *out holds the columns and JM_OK is returned. A
 * flag naming no column is JM_EUSAGE; a name matching several columns (the message suggests the
 * #N of each), a required role (case, activity, start; case only with JM_ROLES_STAGES) not
 * found, or a tie no exact name settles, is JM_EINPUT. Either way *err receives a malloc'd
 * message listing the header's columns. If no start column is found but an end column is, the
 * end column serves as the start and the end role is left empty. */
jm_status jm__roles_find(size_t n, const char *const *name, const size_t *len,
                         const char *const set[JM_ROLE_COUNT], unsigned flags, jm__roles *out,
                         char **err);

/* One column named by an option (flag, e.g. "--stages-date"): a name or "#N", as for a role
 * flag. Returns JM_OK with *col set, or JM_EUSAGE / JM_EINPUT with a malloc'd *err as
 * jm__roles_find. */
jm_status jm__roles_column(size_t n, const char *const *name, const size_t *len, const char *flag,
                           const char *want, size_t *col, char **err);

/* The name normalised for matching: lower case without spaces, '_' and '-'. The result is
 * written to out (room for n + 1 bytes) and NUL-terminated; returns its length. */
size_t jm__roles_normalise(const char *name, size_t n, char *out);

/* One stage of --stages: its name (the activity of its events) and the columns of its start
 * and end, as given (NULL end: the stage is an instant). */
typedef struct jm__stage {
    char *name;
    char *start;
    char *end;
} jm__stage;

/* Parse --stages 'NAME=START..END,NAME=START..END,...' (END may be left out with its '..').
 * Returns JM_OK with *out (n stages, free with jm__stages_free), or JM_EUSAGE with a malloc'd
 * *err. */
jm_status jm__stages_parse(const char *spec, jm__stage **out, size_t *n, char **err);

/* Free n stages. */
void jm__stages_free(jm__stage *s, size_t n);

#endif
