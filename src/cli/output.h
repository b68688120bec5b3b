/* SPDX-License-Identifier: MIT */
/* Output files written whole or not at all: a temporary file renamed into place at the end. */
#ifndef JM_CLI_OUTPUT_H
#define JM_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

typedef struct jm__output jm__output;

/* Open path for writing through a temporary file beside it (mode 0666 less the umask, as a
 * plain file would get; beside the file a symbolic link names, so the link stays); NULL or "-"
 * is standard output. A path that exists and is not a plain file (a device such as /dev/null, a
 * FIFO) is written directly. Returns NULL with a malloc'd message in *err. */
jm__output *jm__output_open(const char *path, char **err);

/* The stream to write to. */
FILE *jm__output_file(jm__output *o);

/* Flush, close and rename into place. Returns false with a malloc'd message in *err (naming
 * the file and the system's reason) if any write failed; the temporary file is removed either
 * way. Frees o. NULL is a no-op that succeeds. */
bool jm__output_commit(jm__output *o, char **err);

/* Drop the output: the temporary file is removed and the target left untouched. Frees o. NULL is
 * a no-op. */
void jm__output_abort(jm__output *o);

/* On SIGINT, SIGTERM, SIGHUP or SIGPIPE, remove every temporary file still open, then die of
 * the same signal (quietly, for SIGPIPE). */
void jm__output_install_signal_handlers(void);

#endif
