/* SPDX-License-Identifier: MIT */
/* The files a run names, checked before anything is read or written (SPEC §1.1 and §2). */
#ifndef JM_CLI_PATHS_H
#define JM_CLI_PATHS_H

#include <stddef.h>

/* A file the run will write, with the option that names it ("-o", "--rejects", ...). */
typedef struct jm__out_path {
    const char *flag;
    const char *path; /* NULL: not given; "-": standard output */
} jm__out_path;

/* Check the run's files:
 * - an input named twice: the same file (device and inode, links followed; "-" is standard
 *   input and counts as the file it is redirected from), or the same bytes (the same size and
 *   the same SHA-256 of the first and last MiB);
 * - an output that names an input (device and inode, links followed);
 * - two outputs naming one file (device and inode where it exists, else the same directory and
 *   name; "-" twice). Character devices (/dev/null) may be named by several outputs.
 * Inputs that cannot be opened are left for the reader to report. Returns NULL when all is
 * well, else a malloc'd one-line message (a usage error) that the caller frees. */
char *jm__paths_check(const char *const *inputs, size_t ninputs, const jm__out_path *outputs,
                      size_t noutputs);

#endif
