/* SPDX-License-Identifier: MIT */
/* Column roles: which header column holds the case, activity, times, channel, and so on. */
#ifndef JM_ROLES_H
#define JM_ROLES_H

#include <jmine/jmine.h>

#define JM_NO_COLUMN SIZE_MAX

/* Find each role's column in a header of n fields. set[r] is the name given by flag for role r,
 * or NULL to match by the known spellings. On success col[r] is the column index or
 * JM_NO_COLUMN and JM_OK is returned. A flag naming no column is JM_EUSAGE; a required role
 * (case, activity, start) not found, or a tie no exact name settles, is JM_EINPUT. Either way
 * *err receives a malloc'd message listing the header's columns. If no start column is found
 * but an end column is, the end column serves as the start and the end role is left empty. */
jm_status jm__roles_find(size_t n, const char *const *name, const size_t *len,
                         const char *const set[JM_ROLE_COUNT], size_t col[JM_ROLE_COUNT],
                         char **err);

/* The name normalised for matching: lower case without spaces, '_' and '-'. The result is
 * written to out (room for n + 1 bytes) and NUL-terminated; returns its length. */
size_t jm__roles_normalise(const char *name, size_t n, char *out);

#endif
