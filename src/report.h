/* SPDX-License-Identifier: MIT */
/* What a built report hands the rooms above it (the history): its whole model and its options. */
#ifndef JM_REPORT_H
#define JM_REPORT_H

#include <jmine/jmine.h>

#include "model.h"
#include "state.h"

/* Fill m with the report's model as jm_write_report's JSON holds it, but with every row of
 * every ranking listed (--top taken as 0): what the history database keeps of a run. */
void jm__report_full_model(const jm_report *rep, jm__model *m);

/* Whether every ranking's rows were finished (jm_options.full_rankings): the history's rows
 * are then all exact. */
bool jm__report_full_rankings(const jm_report *rep);

/* The head a state of this report would carry: its analysis options (opt_value, by
 * jm__state_opt_name), accounting and names. A report of merged states returns the merge's
 * head; otherwise *own is filled and returned, and the caller frees it with
 * jm__state_head_free. */
const jm__state_head *jm__report_head(const jm_report *rep, jm__state_head *own);

/* The bytes jm_report_save_state writes, in *bytes (malloc'd, the caller frees them), *n
 * their count: for a caller that sends them on rather than to a file (jmine-mpi). JM_EUSAGE
 * as jm_report_save_state. */
jm_status jm__report_state_bytes(jm_report *rep, void **bytes, size_t *n);

#endif
