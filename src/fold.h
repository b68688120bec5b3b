/* SPDX-License-Identifier: MIT */
/* --min-journeys K (SPEC §8): the report model's rare rows folded into one "other" row. */
#ifndef JM_FOLD_H
#define JM_FOLD_H

#include "model.h"

#include <stdint.h>

/* Fold, in the model under root (a report's, the variants table's or the map's), every row seen
 * in fewer than k journeys into one row named "(other)" and marked "other": true at the end of
 * its list: the map's steps (map.nodes; an edge's end in a folded step becomes "(other)", and
 * edges that then join the same pair are added up), map edges, variants (journeys: the count),
 * transitions (waits.by_transition, journeys from the map's edge), channel switches
 * (channels.matrix), and the steps of loops.by_step and waits.handling_by_step (journeys from
 * the map's node). The other row's counts and totals are the sums of the rows folded (its
 * journeys the sum of theirs: a journey in two folded rows counts twice), maxima the largest,
 * shares the sum; medians, percentiles and means become null (they cannot be told from the
 * rows) unless one row was folded. The longest waits on a folded transition or step, and the
 * "where to act first" findings of fewer than k journeys, are dropped. privacy.min_journeys and
 * privacy.folded{steps, map_edges, variants, transitions, channel_switches,
 * longest_waits_dropped} (for the lists present) state it. k of 0 or 1 changes nothing. */
void jm__model_fold(jm__model *m, jm__mval *root, uint64_t k);

#endif
