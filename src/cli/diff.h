/* SPDX-License-Identifier: MIT */
/* jmine diff: two JSON reports compared (variants by id, headline KPIs, waits), and alerts. */
#ifndef JM_CLI_DIFF_H
#define JM_CLI_DIFF_H

#include <jmine/jmine.h>

#include <stdbool.h>
#include <stdio.h>

/* One --alert: NAME>VALUE or NAME<VALUE. */
typedef struct jm__alert {
    const char *text; /* the expression as given (borrowed) */
    char name[64];    /* new_variants_share, vanished_variants_share, max_share_change, KPI.change */
    bool greater;     /* '>' (else '<') */
    double value;
} jm__alert;

/* Parse expr into *a. Returns false with a malloc'd message in *err if it is not NAME>VALUE or
 * NAME<VALUE with a known NAME and a finite number. */
bool jm__alert_parse(const char *expr, jm__alert *a, char **err);

/* When arg names a history run, DB:RUN (DB an existing file, and arg as a whole not one), the
 * DB part (g_free it); else NULL. */
char *jm__diff_history_db(const char *arg);

/* Compare the JSON reports (or history runs, DB:RUN) at old_path and new_path and write the diff to out in format (text,
 * md or json); then check the alerts, each that holds one line on standard error. Returns the
 * exit code: 0, 3 (a file that is not a jmine JSON report, said on standard error), 5 (an alert
 * holds). A write error on out is left for the caller's commit to find. */
int jm__diff_run(const char *old_path, const char *new_path, jm_format format, FILE *out,
                 const jm__alert *alerts, size_t nalerts);

#endif
