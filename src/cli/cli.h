/* SPDX-License-Identifier: MIT */
/* The command line shared by jmine and jmine-mpi: commands, the parsed run, and the steps of
 * running a command that a program reading its logs elsewhere (MPI ranks) reuses. */
#ifndef JM_CLI_H
#define JM_CLI_H

#include "diff.h"
#include "output.h"

#include <jmine/jmine.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---- Commands ------------------------------------------------------------ */

enum {
    CMD_REPORT = 1u << 0,
    CMD_VARIANTS = 1u << 1,
    CMD_JOURNEYS = 1u << 2,
    CMD_MAP = 1u << 3,
    CMD_MERGE = 1u << 4,
    CMD_DIFF = 1u << 5,
    CMD_TREND = 1u << 6
};
/* The commands that read logs. */
#define CMD_ALL (CMD_REPORT | CMD_VARIANTS | CMD_JOURNEYS | CMD_MAP)

typedef struct command {
    const char *name;
    unsigned bit;
    const char *summary;
    const char *formats; /* accepted --format values, the first the default */
    const char *about;   /* a paragraph for --help */
} command;

/* Rejected rows named on standard error at most. */
#define SHOWN_REJECTS 10

/* A run of a command, as parsed from its arguments. */
typedef struct jm__cli {
    const command *cmd;
    const command *as; /* what is written: the command itself, or merge's --as */
    const char *format_arg; /* merge's --format, checked once --as is known */
    const char *state_path;
    jm__output *state_out;
    jm_options opt;
    jm_format format;
    bool top_set;
    bool quiet;
    const char *output;
    const char *rejects_path;
    const char *key_path; /* --pseudonymize */
    char *key;
    char *holidays; /* --holidays: the file's text */
    jm__output *out, *rejects_out;
    FILE *rejects_file; /* where rejected rows go instead of rejects_out, or NULL */
    long long rejects_header_len; /* bytes of the rejects file's header row, once written */
    bool rejects_header_done;
    uint64_t rejects_seen;
    bool rejects_io_error;
    FILE *msg;    /* where rejected rows and notices are named: stderr */
    bool msg_tag; /* each such line starts with R (a rejected row) or N, the notice, TAB */
    const char *body; /* written instead of a report by jm__cli_write (nbody bytes) */
    size_t nbody;
    char **files;
    size_t nfiles;
    jm_filter_arg *filters; /* the filters in command-line order (SPEC §12) */
    size_t nfilters;
    bool keep_coverage;
    const char *history, *variant; /* --history; trend's --variant */
    size_t last;                   /* trend's --last */
    jm__alert *alerts; /* diff's --alert, parsed */
    size_t nalerts;
    bool progress_shown;
    struct timespec t0;
    int64_t started_ms; /* the wall clock at the start, for the history */
} jm__cli;

/* A program's way of running a command that reads logs (report, variants, journeys, map),
 * given the parsed run once its paths are checked; returns the exit code. */
typedef int (*jm__cli_runner)(jm__cli *r);

/* The whole command line: parse argv, check paths, run the command (with `logs` for the
 * commands that read logs when it is not NULL, else in this process; merge and diff only when
 * `others`), close standard output. Returns the exit code; a usage error exits 2. */
int jm__cli_main(int argc, char **argv, jm__cli_runner logs, bool others);

/* jm_options.on_reject and on_notice of the tool: data is the run. */
void jm__cli_on_reject(void *data, const jm_reject *rj);
void jm__cli_on_notice(void *data, const char *file, uint64_t line, const char *msg);

/* Open -o, --rejects and --state-out. Returns false after saying why. */
bool jm__cli_open_outputs(jm__cli *r);

/* Drop every output opened; returns code. */
int jm__cli_fail(jm__cli *r, int code);

/* Write what the command writes from rep (or r->body when rep is NULL), the state if asked,
 * commit every output, then the rejection summary of st (when not NULL). Returns the exit
 * code after saying why it is not 0. */
int jm__cli_write(jm__cli *r, jm_report *rep, const jm_input_stats *st);

/* --history: append the run of rep to the history database (after the outputs are written);
 * returns code, or the exit code of a failure after saying why. */
int jm__cli_history(jm__cli *r, jm_report *rep, int code);

/* The line "N of M rows rejected (...)" on standard error, unless quiet or none. */
void jm__cli_reject_summary(jm__cli *r, const jm_input_stats *st);

#endif
