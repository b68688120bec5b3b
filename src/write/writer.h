/* SPDX-License-Identifier: MIT */
/* The writers of the report model: each reads only the model (model.h) and writes one format. */
#ifndef JM_WRITER_H
#define JM_WRITER_H

#include "model.h"

#include <stdio.h>

/* A writer: the model's root in, bytes out. A new format is a new file with one of these and
 * a line in the table of writers in report.c. Errors show on the stream (ferror). */
typedef void jm__writer(const jm__mval *root, FILE *out);

/* JSON (json.c): the tree as it stands, keys in their order, hidden values left out. For any
 * model. */
jm__writer jm__json_model;

/* Text and Markdown (report_text.c): the report (summary, input, then a section for each
 * analysis the writer knows, in the model's order), and the variants table alone (the
 * variants command: root holds "journeys" and "variants"). */
jm__writer jm__text_report;
jm__writer jm__md_report;
jm__writer jm__text_variants;
jm__writer jm__md_variants;

/* CSV (csvout.c): the variants table, one row per variant listed. */
jm__writer jm__csv_variants;

/* DOT (dot.c): the process map of the map command (root holds "cut" and "map"). */
jm__writer jm__dot_map;

/* The sentence that states a map's cut on the picture (journeys, steps and transitions shown
 * of all, the options that cut it), for the map writers (dot.c); into buf of size n. */
void jm__map_cut_label(const jm__mval *root, char *buf, size_t n);

/* SVG (svg.c): the process map of the map command, laid out in-process by Graphviz (only in a
 * build with JM_HAVE_GRAPHVIZ). Graphviz is not thread safe: it runs on the calling thread, and
 * no two threads may write SVG at once. */
jm__writer jm__svg_map;

/* The same picture for a page that shows several maps (html.c): root as for jm__svg_map, and
 * besides, a "label" string that replaces the stated cut, and on each node and edge an "i"
 * count (its place in the report's whole map), and a "graph" object of strings (NUL-terminated)
 * set as Graphviz's graph attributes after the defaults. With prefix non-NULL every node and edge gets
 * the SVG id PREFIX "n" i, PREFIX "e" i, and the start and end nodes PREFIX "start" and
 * PREFIX "end", for the page's script. Graphviz's rules as jm__svg_map. */
void jm__svg_draw(const jm__mval *root, FILE *o, const char *prefix);

/* SVG (html.c): the map command's picture without a cut asked for: the analyst's page's
 * default level of the map alone, the same bytes as the page's from "<svg" on (root holds the
 * report's "map" and "variants"). Graphviz's rules as jm__svg_map. */
jm__writer jm__svg_page_map;

/* HTML (html.c): the analyst's page, one self-contained file (SPEC §7): the report's sections
 * as tables and inline SVG, the JSON report embedded, a small script. */
jm__writer jm__html_report;

/* The trend of a history database (trend.c; root holds "trend": db, variant, runs[]): text,
 * Markdown (the headline figures, or one variant's count and share) and CSV (every figure). */
jm__writer jm__text_trend;
jm__writer jm__md_trend;
jm__writer jm__csv_trend;

#endif
