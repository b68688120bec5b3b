/* SPDX-License-Identifier: MIT */
/* The jmine command: dispatch, option parsing and help from one table, messages, exit codes. */
#include "cli.h"
#include "diff.h"
#include "output.h"
#include "paths.h"

#include <jmine/jmine.h>

#include <errno.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

static const command commands[] = {
    {"report", CMD_REPORT, "the whole analysis of a contact log", "text,json,md,html",
     "Reads the logs as one, rebuilds every journey (the events of one case id, ordered by\n"
     "start time) and reports the input accounting, journeys and their variants.\n"
     "--format html -o report.html writes the analyst's page: one self-contained file (no\n"
     "request leaves it) with the summary, where to act first, the process map laid out by\n"
     "Graphviz's libraries (a slider over levels of detail, frequency or performance view),\n"
     "variants, histograms, the channel-switch heat map, waits, loops and the input, as\n"
     "tables and SVG that read without JavaScript, and the JSON report embedded as\n"
     "<script id=\"jmine-report\">."},
    {"variants", CMD_VARIANTS, "the table of journey variants, most common first", "text,csv,json",
     "Lists every variant (a journey's sequence of steps) with its stable id, journey count,\n"
     "share, cumulative share and median and mean duration. All variants are listed unless\n"
     "--top is given; the id is the same across runs and machines, to join nightly results."},
    {"journeys", CMD_JOURNEYS, "one CSV row per journey, to join to other tables", "csv",
     "Writes case_id, start, end (RFC 3339, UTC), events, channels (distinct known channels;\n"
     "empty without a channel column), switches, self_loops, repetitions, longest_wait_s\n"
     "(empty for a one-event journey) and variant_id, sorted by case id, then start."},
    {"map", CMD_MAP, "the process map (directly-follows graph of steps)", "dot,json,svg",
     "Draws the steps as nodes (with event counts) and the transitions between them as edges\n"
     "(count and median wait; width by count), from a start node to an end node. --format svg\n"
     "writes the picture, laid out by Graphviz's libraries inside jmine (the same log gives\n"
     "the same bytes; past 150 transitions its edges are drawn straight, which is fast): by\n"
     "default the map 'report --format html' shows first, at most 30 steps, the cut stated on\n"
     "it (--map-steps or --map-edges draw their cut instead; --map-steps 100 all steps); or\n"
     "render the DOT with Graphviz: jmine map LOG | dot -Tsvg > map.svg. On big logs,\n"
     "--map-steps and --map-edges keep the most frequent steps and transitions; the cut is\n"
     "stated on the map, each step shown keeps its strongest way in and out, and every step\n"
     "shown that journeys end on keeps its edge to the end node."},
    {"merge", CMD_MERGE, "merge the states of logs cut by case (report --state-out)",
     "text,json,md,csv,dot,svg,html",
     "Reads the states that 'jmine report --state-out' wrote for logs whose case ids are\n"
     "disjoint (shards of one export cut by case, or one machine's share each) and writes what\n"
     "the --as command would write for one run over all their files, byte for byte: the input\n"
     "section sums rows, events and rejections and lists every file, in the order the states\n"
     "are given. States made by another jmine version, or with other analysis options\n"
     "(--step, --split-gap, --long-wait, --collapse-loops, the column, delimiter, time and\n"
     "field-limit options, --repeat-window, --self-service, --max-handovers, --calendar,\n"
     "--holidays), are refused with exit code 3, naming the option and both values.\n"
     "The format of a state is in docs/state-format.md."},
    {"diff", CMD_DIFF, "compare two JSON reports or history runs (last night and tonight)",
     "text,md,json",
     "Compares OLD and NEW, two reports written by 'jmine report --format json' (write them\n"
     "with --top 0 so that every variant is listed). Variants are matched by their id: those\n"
     "new in NEW and those vanished from it (count, share), and those whose share changed,\n"
     "largest change first, each with the p-value of the two-proportion z-test (two-sided,\n"
     "pooled: z = (x2/n2 - x1/n1) / sqrt(p(1-p)(1/n1 + 1/n2)), p = (x1+x2)/(n1+n2),\n"
     "p-value = erfc(|z|/sqrt 2), x the variant's journeys and n all journeys of a report).\n"
     "Shares are counts over journeys.count. Then the headline figures old, new and change\n"
     "(journeys, variants, median_contacts, median_duration_s, p90_duration_s,\n"
     "mean_duration_s, journeys_with_loop, share_with_loop, switches, journeys_with_switch,\n"
     "share_with_switch, long_waits, journeys_with_long_wait, share_with_long_wait, overlaps;\n"
     "shares recomputed as counts over journeys), and the transitions found in both whose\n"
     "median wait changed most. Unless both reports list all their variants, only the listed\n"
     "ones are compared, and the diff says so. OLD and NEW may also be runs of a history\n"
     "database (docs/history.md): DB:RUN (a run id), DB:last, DB:last-1 (the run before the\n"
     "last); a history run holds every variant, so every variant is compared.\n\n"
     "Alerts (--alert NAME>VALUE or NAME<VALUE) for nightly jobs: NAME is new_variants_share\n"
     "(the share of NEW's journeys in variants absent from OLD), vanished_variants_share (the\n"
     "share of OLD's journeys in variants absent from NEW), max_share_change (the largest\n"
     "absolute change of one variant's share, new and vanished ones included) or FIGURE.change\n"
     "for a headline figure (share_with_long_wait.change>0.05: five points more journeys with\n"
     "a long wait). A figure missing from either report (no channel column) never alerts."},
    {"trend", CMD_TREND, "headline figures over the runs of a history database", "text,csv,json,md",
     "Reads DB, a history that 'jmine report --history DB' (or merge) appends each run to\n"
     "(docs/history.md), and writes its runs oldest first with their headline figures (text\n"
     "and md: a chosen few; csv and json: every figure the history keeps, by its name in the\n"
     "report, e.g. journeys.count), or with --variant ID one variant's count and share run by\n"
     "run (0 where it is absent)."},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* ---- Options: one table drives parsing and --help -------------------------- */

typedef enum {
    O_HELP,
    O_ALERT,
    O_OUTPUT,
    O_FORMAT,
    O_TOP,
    O_COLLAPSE,
    O_STEP,
    O_SPLIT_GAP,
    O_CASE,
    O_ACTIVITY,
    O_START,
    O_END,
    O_CHANNEL,
    O_CUSTOMER,
    O_RESOURCE,
    O_DELIMITER,
    O_TIME_FORMAT,
    O_ENCODING,
    O_TZ,
    O_FIELD_LIMIT,
    O_REJECTS,
    O_MAX_REJECTS,
    O_QUIET,
    O_LONG_WAIT,
    O_MAP_STEPS,
    O_MAP_EDGES,
    O_THREADS,
    O_BLOCK_SIZE,
    O_MEMORY,
    O_LIFECYCLE,
    O_LIFECYCLE_COLUMN,
    O_STATE_OUT,
    O_AS,
    O_SKIP_LINES,
    O_TRIM_IDS,
    O_STAGES,
    O_STAGES_DATE,
    O_STAGES_EMPTY,
    O_DEDUPE,
    O_PSEUDONYMIZE,
    O_WHERE,
    O_FROM,
    O_TO,
    O_WINDOW,
    O_WITH,
    O_WITHOUT,
    O_STARTS_WITH,
    O_ENDS_WITH,
    O_FOLLOWS,
    O_EVENTUALLY,
    O_SIZE,
    O_DURATION,
    O_KEEP_COVERAGE,
    O_COVERAGE,
    O_REPEAT_WINDOW,
    O_SELF_SERVICE,
    O_MAX_HANDOVERS,
    O_CALENDAR,
    O_HOLIDAYS,
    O_HISTORY, O_LAST, O_VARIANT, O_MIN_JOURNEYS,
} opt_id;

typedef struct opt_def {
    opt_id id;
    const char *name;
    char shortname;
    const char *arg; /* NULL for a flag */
    unsigned cmds;
    const char *help;
} opt_def;

static const opt_def options[] = {
    {O_AS, "as", 0, "COMMAND", CMD_MERGE,
     "write what COMMAND writes: report (default), variants or map"},
    {O_ALERT, "alert", 0, "EXPR", CMD_DIFF,
     "NAME>VALUE or NAME<VALUE (quote it: > and < are the shell's), repeatable: each that "
     "holds is a line on standard error, and the exit code is 5 (the names: above)"},
    {O_OUTPUT, "output", 'o', "FILE", CMD_ALL | CMD_MERGE | CMD_DIFF | CMD_TREND,
     "write to FILE (written whole at the end; never an input) instead of standard output"},
    {O_FORMAT, "format", 'f', "FMT", CMD_ALL | CMD_MERGE | CMD_DIFF | CMD_TREND, "output format: %s (default %s)"},
    {O_STATE_OUT, "state-out", 0, "FILE", CMD_REPORT | CMD_MERGE,
     "also write the analysis state to FILE, for jmine merge (docs/state-format.md)"},
    {O_TOP, "top", 0, "N", CMD_REPORT | CMD_VARIANTS | CMD_MERGE,
     "list the N first rows of each ranking; 0 lists all (default: 10 in report, all in "
     "variants)"},
    {O_COVERAGE, "coverage", 0, "P%", CMD_REPORT | CMD_VARIANTS | CMD_MERGE,
     "list the fewest top variants whose cumulative share of journeys reaches P% (instead of "
     "--top for the variants)"},
    {O_LONG_WAIT, "long-wait", 0, "DURATION", CMD_REPORT,
     "a wait longer than DURATION is a long wait (default 48h)"},
    {O_REPEAT_WINDOW, "repeat-window", 0, "DURATION", CMD_REPORT,
     "with a customer column: a journey is followed by a repeat when the same customer starts "
     "another within DURATION of its end (default 7d)"},
    {O_SELF_SERVICE, "self-service", 0, "CH,...", CMD_REPORT,
     "the self-service channels (web, bot, IVR...): containment of journeys that start in "
     "them, and where they escalate"},
    {O_MAX_HANDOVERS, "max-handovers", 0, "N", CMD_REPORT,
     "with a resource column: count journeys with more than N handovers (default 3)"},
    {O_CALENDAR, "calendar", 0, "SPEC", CMD_REPORT,
     "opening hours per channel, read in --tz, e.g. 'phone=Mon-Fri 08:00-18:00; *=Mon-Fri "
     "08:00-17:00': waits are also measured in business time"},
    {O_HOLIDAYS, "holidays", 0, "FILE", CMD_REPORT,
     "with --calendar: ISO dates (YYYY-MM-DD), one a line, closed all day"},
    {O_MAP_STEPS, "map-steps", 0, "PCT", CMD_MAP | CMD_MERGE,
     "show the most frequent steps that hold PCT% of the events (default 100; --format svg: "
     "the page's default of at most 30 steps)"},
    {O_MAP_EDGES, "map-edges", 0, "PCT", CMD_MAP | CMD_MERGE,
     "show the most frequent transitions that hold PCT% of their count (default 100; --format "
     "svg: the page's default)"},
    {O_COLLAPSE, "collapse-loops", 0, "K", CMD_ALL,
     "in variants, shorten each run of one repeated step to K steps (default: off)"},
    {O_STEP, "step", 0, "MODE", CMD_ALL,
     "what names a step: activity (default), channel, or channel:activity"},
    {O_SPLIT_GAP, "split-gap", 0, "DURATION", CMD_ALL,
     "also start a new journey of a case after a wait longer than DURATION (e.g. 30d, "
     "2d12h, 90m)"},
    {O_CASE, "case", 0, "COLUMN", CMD_ALL,
     "the case id column (default: found by header name); a name, #N (the N-th column), or "
     "columns joined with + (e.g. 'line+call_id')"},
    {O_ACTIVITY, "activity", 0, "COLUMN", CMD_ALL,
     "the activity column, or columns joined with + into one step (e.g. "
     "'concept:name+lifecycle:transition')"},
    {O_START, "start", 0, "COLUMN", CMD_ALL, "the start time column (a name or #N)"},
    {O_END, "end", 0, "COLUMN", CMD_ALL, "the end time column (optional; '' for none, even where the header has one)"},
    {O_CHANNEL, "channel", 0, "COLUMN", CMD_ALL, "the channel column (optional; '' for none)"},
    {O_CUSTOMER, "customer", 0, "COLUMN", CMD_ALL, "the customer id column (optional; '' for none: no customer's view)"},
    {O_RESOURCE, "resource", 0, "COLUMN", CMD_ALL, "the agent or resource column (optional; '' for none: no handovers)"},
    {O_LIFECYCLE_COLUMN, "lifecycle-column", 0, "COLUMN", CMD_ALL,
     "the lifecycle transition column (default: lifecycle:transition, lifecycle, ...; '' for "
     "none)"},
    {O_LIFECYCLE, "lifecycle", 0, "MODE", CMD_ALL,
     "auto (default: pair a start with its complete where every value is an XES transition), "
     "pair, or keep (each row an event)"},
    {O_STAGES, "stages", 0, "SPEC", CMD_ALL,
     "wide call records: 'IVR=vru_entry..vru_exit,Queue=q_start..q_exit' gives one event per "
     "stage whose start is not empty (activity = the stage's name); a row gives all or is "
     "rejected whole"},
    {O_STAGES_DATE, "stages-date", 0, "COLUMN", CMD_ALL,
     "with --stages: the date of stage columns that hold a time of day; a time more than 12 h "
     "before the row's first stage start is on the next day (past midnight)"},
    {O_STAGES_EMPTY, "stages-empty", 0, "VALUE", CMD_ALL,
     "with --stages: a stage time holding VALUE (e.g. 0:00:00) counts as empty"},
    {O_WHERE, "where", 0, "COL=V1[,V2...]", CMD_ALL,
     "filter rows as they are read: keep those whose column COL (a name or #N) holds one of "
     "the values; COL!=V1,... drops them instead; repeatable (all must hold); the rows dropped "
     "are counted in input.filtered_rows"},
    {O_FROM, "from", 0, "TIME", CMD_ALL,
     "time window: journeys with an event starting at or after TIME (an instant as start times "
     "are read, in --tz), as --window says"},
    {O_TO, "to", 0, "TIME", CMD_ALL, "time window: events starting before TIME (exclusive)"},
    {O_WINDOW, "window", 0, "MODE", CMD_ALL,
     "how --from/--to select: intersecting (default: some event starts in the window), "
     "contained (every event), started (the first), completed (the last), or trim (events "
     "outside are removed; journeys left empty are dropped)"},
    {O_WITH, "with", 0, "STEP", CMD_ALL,
     "keep journeys that have the step (a step name as --step makes it); journey filters are "
     "repeatable and applied in the order given, after --split-gap and lifecycle pairing"},
    {O_WITHOUT, "without", 0, "STEP", CMD_ALL, "keep journeys that lack the step"},
    {O_STARTS_WITH, "starts-with", 0, "STEP", CMD_ALL, "keep journeys whose first step is STEP"},
    {O_ENDS_WITH, "ends-with", 0, "STEP", CMD_ALL, "keep journeys whose last step is STEP"},
    {O_FOLLOWS, "follows", 0, "A,B", CMD_ALL,
     "keep journeys where step B comes directly after step A somewhere"},
    {O_EVENTUALLY, "eventually", 0, "A,B", CMD_ALL,
     "keep journeys where step B comes somewhere after step A"},
    {O_SIZE, "size", 0, "MIN..MAX", CMD_ALL,
     "keep journeys of MIN to MAX events (inclusive; 3.. or ..10 leave a bound out)"},
    {O_DURATION, "duration", 0, "MIN..MAX", CMD_ALL,
     "keep journeys lasting MIN to MAX (inclusive; durations such as 5m..2h, 1d..)"},
    {O_KEEP_COVERAGE, "keep-coverage", 0, "P%", CMD_ALL,
     "keep the journeys of the fewest top variants that cover P% of the journeys left by the "
     "filters before it (not with --state-out: it needs every shard's variants)"},
    {O_TRIM_IDS, "trim-ids", 0, NULL, CMD_ALL,
     "strip spaces and tabs around case and customer ids (times are always trimmed)"},
    {O_DEDUPE, "dedupe", 0, NULL, CMD_ALL,
     "drop rows that repeat an earlier row byte for byte in every field (they are counted "
     "either way: input.duplicate_rows)"},
    {O_SKIP_LINES, "skip-lines", 0, "N", CMD_ALL,
     "skip N lines (a title, notes) before the header; Excel's 'sep=;' first line is "
     "recognised without it"},
    {O_DELIMITER, "delimiter", 'd', "CHAR", CMD_ALL,
     "field delimiter: , ; | tab or one character (default: sniffed from the header)"},
    {O_TIME_FORMAT, "time-format", 0, "FMT", CMD_ALL,
     "how start and end times are written: strptime, e.g. '%d/%m/%Y %H:%M', a name the "
     "report gives, e.g. 'DD/MM/YYYY HH:MM', or excel for Excel serial days (default: found by "
     "looking, see above)"},
    {O_ENCODING, "encoding", 0, "NAME", CMD_ALL,
     "text encoding of the files, any iconv name, e.g. WINDOWS-1252 or ISO-8859-1; converted to "
     "UTF-8 as read (default: UTF-8; a UTF-16 byte-order mark is found by itself)"},
    {O_TZ, "tz", 0, "ZONE", CMD_ALL,
     "IANA zone of times written without an offset, e.g. Europe/Berlin (default: UTC)"},
    {O_FIELD_LIMIT, "field-limit", 0, "SIZE", CMD_ALL,
     "reject rows with a field longer than SIZE bytes (default: 1M)"},
    {O_PSEUDONYMIZE, "pseudonymize", 0, "KEYFILE", CMD_ALL | CMD_MERGE,
     "write every case and customer id (report, journeys, rejects, state) as the first 16 hex "
     "digits of HMAC-SHA-256 keyed by KEYFILE's bytes (less one final newline); KEYFILE must "
     "not be readable by group or others (chmod 600)"},
    {O_HISTORY, "history", 0, "DB", CMD_REPORT | CMD_MERGE,
     "also append the run to the SQLite history DB (created if missing; a rerun of the same "
     "inputs and options replaces its run; docs/history.md), for jmine trend and diff"},
    {O_MIN_JOURNEYS, "min-journeys", 0, "K", CMD_ALL | CMD_MERGE,
     "fold every variant, transition, step, map edge and channel switch seen in fewer than K "
     "journeys into one '(other)' row (report, variants, map, history; stated in privacy; "
     "journeys: rare variants' ids written (other))"},
    {O_LAST, "last", 0, "N", CMD_TREND, "the last N runs (default 0: all)"},
    {O_VARIANT, "variant", 0, "ID", CMD_TREND, "one variant's count and share over the runs"},
    {O_REJECTS, "rejects", 0, "FILE", CMD_ALL,
     "write every rejected row to FILE as CSV: the header, then the rows, fields unchanged"},
    {O_MAX_REJECTS, "max-rejects", 0, "N", CMD_ALL,
     "stop with exit code 4 once more than N rows are rejected (default: no limit)"},
    {O_THREADS, "threads", 'j', "N", CMD_ALL,
     "threads reading a plain file (default: one per core); the output is the same for any N"},
    {O_BLOCK_SIZE, "block-size", 0, "SIZE", CMD_ALL,
     "split plain files for threads into blocks of SIZE (default: from the file size; for tests)"},
    {O_MEMORY, "memory", 0, "SIZE", CMD_ALL,
     "keep at most SIZE of events in memory (e.g. 2G); the rest goes to temporary files in "
     "$TMPDIR, and the output is the same (default: no limit)"},
    {O_QUIET, "quiet", 'q', NULL, CMD_ALL,
     "no progress line, no rejected-row messages and no notices"},
    {O_HELP, "help", 'h', NULL, CMD_ALL | CMD_MERGE | CMD_DIFF | CMD_TREND, "show this help and exit"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

/* ---- Run state -------------------------------------------------------------- */

typedef jm__cli run;

static _Noreturn void usage_error(const command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static _Noreturn void usage_error(const command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("jmine: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd != NULL)
        fprintf(stderr, "\nTry 'jmine %s --help'.\n", cmd->name);
    else
        fputs("\nTry 'jmine --help'.\n", stderr);
    exit(2);
}

/* The rest of f's bytes, NUL-terminated (*n of them before the NUL); NULL after a read error.
 * Out of memory ends the program. Closes f. */
static char *read_rest(FILE *f, size_t *n)
{
    size_t cap = 4096, len = 0, got;
    char *t = malloc(cap);
    while (t != NULL && (got = fread(t + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *k = realloc(t, cap *= 2);
            if (k == NULL)
                free(t);
            t = k;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (t == NULL) {
        fputs("jmine: out of memory\n", stderr);
        exit(1);
    }
    if (bad) {
        free(t);
        return NULL;
    }
    t[len] = '\0';
    *n = len;
    return t;
}

/* --holidays FILE: its text, for the library to read (it says which line is no date). */
static void read_holidays(const command *cmd, const char *path, run *r)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        usage_error(cmd, "--holidays: cannot open '%s': %s", path, strerror(errno));
    size_t n;
    char *t = read_rest(f, &n);
    if (t == NULL)
        usage_error(cmd, "--holidays: cannot read '%s'", path);
    free(r->holidays);
    r->holidays = t;
    r->opt.holidays = t;
}

/* --pseudonymize: the key, the bytes of the file at path less one final newline, into r->key
 * and r->opt. A key that group or others may read, cannot be read, or is empty is a usage
 * error: a leaked key lets anyone recompute the pseudonyms of guessed ids. */
static void read_key(const command *cmd, const char *path, run *r)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        usage_error(cmd, "--pseudonymize: cannot open key file '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        usage_error(cmd, "--pseudonymize: key file '%s' is not a regular file", path);
    }
    if ((sb.st_mode & 077) != 0) {
        fclose(f);
        usage_error(cmd,
                    "--pseudonymize: key file '%s' is readable by group or others (mode %03o); "
                    "run chmod 600 '%s'",
                    path, (unsigned)(sb.st_mode & 0777), path);
    }
    size_t n;
    char *key = read_rest(f, &n);
    if (key == NULL)
        usage_error(cmd, "--pseudonymize: cannot read key file '%s'", path);
    if (n > 0 && key[n - 1] == '\n')
        n--;
    if (n == 0) {
        free(key);
        usage_error(cmd, "--pseudonymize: key file '%s' is empty", path);
    }
    free(r->key);
    r->key = key;
    r->opt.pseudo_key = key;
    r->opt.pseudo_key_len = n;
}

static void print_help(const command *cmd)
{
    bool merge = cmd->bit == CMD_MERGE, diff = cmd->bit == CMD_DIFF, trend = cmd->bit == CMD_TREND;
    printf("Usage: jmine %s [OPTION]... %s\n%s.\n\n%s\n\n", cmd->name,
           diff ? "OLD NEW" : merge ? "STATE..." : trend ? "DB" : "FILE...", cmd->summary,
           cmd->about);
    if (diff)
        printf("Example, in the morning: jmine diff --alert 'new_variants_share>0.02'\n"
               "--alert 'share_with_long_wait.change>0.05' last.json tonight.json (exit 5 if one\n"
               "holds).\n\n");
    else if (trend)
        printf("Example: jmine trend --last 7 nightly.db; jmine trend --format csv nightly.db\n"
               "> trend.csv.\n\n");
    else if (merge)
        printf("Example: jmine report --state-out a.state a.csv; jmine report --state-out\n"
               "b.state b.csv; jmine merge --format json a.state b.state (the same bytes as\n"
               "jmine report --format json a.csv b.csv).\n\n");
    else
        printf("FILE may be - for standard input; several files are read as one log. What a file\n"
               "is, is told by its bytes: gzip, zstd, bzip2 and xz are decompressed, each member of a\n"
               "zip archive is read as a file of its own, UTF-16 is converted to UTF-8, XES is read\n"
               "as XES; Excel workbooks and other binary files are refused with a word on what to\n"
               "do. Rows that cannot be read are rejected, counted by reason, and the first %d are\n"
               "named on standard error as FILE:LINE: reason. A DURATION is numbers with units\n"
               "(w, d, h, m, s, ms), added up: 2d12h, 90m, 1h30m, 500ms; a bare number is refused\n"
               "(it is not read as seconds).\n\n",
               SHOWN_REJECTS);
    if (!merge && !diff && !trend)
        printf("Times are found by looking: without --time-format, start times sampled across the\n"
           "file are tried as ISO 8601, epoch seconds or milliseconds, and DD.MM.YYYY,\n"
           "DD/MM/YYYY, MM/DD/YYYY, DD-MM-YYYY, MM-DD-YYYY, YYYY/MM/DD, YYYY.MM.DD, DD-Mon-YYYY\n"
           "and DD Mon YYYY (day and month of one or two digits), each with an optional time\n"
           "H:MM, H:MM:SS or H:MM:SS.fff and AM/PM. The one that reads them all is used and named\n"
           "in the report. When day and month can be read either way, the run stops (exit 3)\n"
           "naming the --time-format of each; a log whose every row is rejected is exit 3 too.\n"
           "Excel serial days (46363.5868) are read only with --time-format excel.\n\n");
    printf("Options:\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        const opt_def *o = &options[i];
        if (!(o->cmds & cmd->bit))
            continue;
        char left[64];
        snprintf(left, sizeof left, "%c%c%s--%s%s%s", o->shortname ? '-' : ' ',
                 o->shortname ? o->shortname : ' ', o->shortname ? ", " : "  ", o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-28s ", left);
        if (o->id == O_FORMAT && merge) {
            fputs("output format of the --as command: report text,json,md,html; variants "
                  "text,csv,json; map dot,json,svg (default: the first)",
                  stdout);
        } else if (o->id == O_FORMAT) {
            char def[16];
            snprintf(def, sizeof def, "%.*s", (int)strcspn(cmd->formats, ","), cmd->formats);
            printf(o->help, cmd->formats, def);
        } else {
            fputs(o->help, stdout);
        }
        putchar('\n');
    }
    if (diff)
        printf("\nExit codes: 0 done; 1 internal or write error; 2 usage error; 3 unusable input\n"
               "(not a jmine JSON report, or no such history run); 5 an alert holds.\n");
    else if (trend)
        printf("\nExit codes: 0 done; 1 internal or write error; 2 usage error; 3 unusable input\n"
               "(not a jmine history database).\n");
    else
        printf("\nExit codes: 0 done; 1 internal or write error; 2 usage error; 3 unusable input;\n"
               "4 too many rejected rows.\n");
}

static void print_main_help(void)
{
    printf("Usage: jmine COMMAND [OPTION]... FILE...\n"
           "Mine customer service journeys from contact-centre and service-desk logs.\n\n"
           "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nRun 'jmine COMMAND --help' for a command's options. 'jmine --version' prints the\n"
           "version.\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *v = x;
    return true;
}

/* The format named s among those `of` takes; a usage error of cmd if it is none of them. */
static jm_format format_among(const command *cmd, const command *of, const char *s)
{
    static const struct {
        const char *name;
        jm_format f;
    } names[] = {{"text", JM_FORMAT_TEXT},
                 {"json", JM_FORMAT_JSON},
                 {"md", JM_FORMAT_MD},
                 {"csv", JM_FORMAT_CSV},
                 {"dot", JM_FORMAT_DOT},
                 {"svg", JM_FORMAT_SVG},
                 {"html", JM_FORMAT_HTML}};
    size_t n = strlen(s);
    const char *p = of->formats;
    while (*p) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, s, n) == 0) {
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                if (strcmp(names[i].name, s) != 0)
                    continue;
                if (!jm_format_built(names[i].f))
                    usage_error(cmd,
                                "--format '%s': this jmine was built without Graphviz "
                                "(libgraphviz-dev); use --format dot and Graphviz's dot",
                                s);
                return names[i].f;
            }
        }
        p += k + (p[k] == ',');
    }
    if (cmd != of)
        usage_error(cmd, "--format '%s' is not one of %s (for --as %s)", s, of->formats,
                    of->name);
    usage_error(cmd, "--format '%s' is not one of %s", s, of->formats);
}

static jm_format format_of(const command *cmd, const char *s)
{
    return format_among(cmd, cmd, s);
}

/* A duration option's value (see jm_parse_duration); a bare number is refused with a word on
 * the unit it lacks, since reading it as seconds would be a guess. */
static void duration_arg(const command *cmd, const opt_def *o, const char *arg, int64_t *ms)
{
    switch (jm_parse_duration_ex(arg, ms)) {
    case JM_DURATION_OK: return;
    case JM_DURATION_NO_UNIT:
        usage_error(cmd,
                    "--%s '%s' needs a unit: %ss, %sm, %sh or %sd, say (a bare number is not "
                    "read as seconds)",
                    o->name, arg, arg, arg, arg, arg);
    default:
        usage_error(cmd,
                    "--%s wants a duration such as 2d12h, 90m, 1h30m, 45s or 500ms, not '%s'",
                    o->name, arg);
    }
}

static void apply(run *r, const opt_def *o, const char *arg)
{
    const command *cmd = r->cmd;
    jm_options *opt = &r->opt;
    uint64_t u = 0;
    switch (o->id) {
    case O_HELP: print_help(cmd); exit(fclose(stdout) == 0 ? 0 : 1);
    case O_OUTPUT: r->output = arg; break;
    case O_ALERT: {
        char *err = NULL;
        r->alerts = realloc(r->alerts, (r->nalerts + 1) * sizeof *r->alerts);
        if (r->alerts == NULL)
            abort();
        if (!jm__alert_parse(arg, &r->alerts[r->nalerts++], &err))
            usage_error(cmd, "%s", err);
        break;
    }
    case O_FORMAT:
        if (cmd->bit == CMD_MERGE)
            r->format_arg = arg;
        else
            r->format = format_of(cmd, arg);
        break;
    case O_STATE_OUT: r->state_path = arg; break;
    case O_AS:
        r->as = NULL;
        for (size_t i = 0; i < NCOMMANDS; i++)
            if (strcmp(commands[i].name, arg) == 0 &&
                (commands[i].bit & (CMD_REPORT | CMD_VARIANTS | CMD_MAP)))
                r->as = &commands[i];
        if (r->as == NULL)
            usage_error(cmd, "--as '%s' is not report, variants or map", arg);
        break;
    case O_TOP:
        if (!parse_u64(arg, &u) || u > SIZE_MAX)
            usage_error(cmd, "--top wants a number, not '%s'", arg);
        opt->top = (size_t)u;
        r->top_set = true;
        break;
    case O_COLLAPSE:
        if (!parse_u64(arg, &u) || u < 1 || u > UINT_MAX)
            usage_error(cmd, "--collapse-loops wants a number of at least 1, not '%s'", arg);
        opt->collapse_loops = (unsigned)u;
        break;
    case O_STEP:
        if (strcmp(arg, "activity") == 0)
            opt->step = JM_STEP_ACTIVITY;
        else if (strcmp(arg, "channel") == 0)
            opt->step = JM_STEP_CHANNEL;
        else if (strcmp(arg, "channel:activity") == 0)
            opt->step = JM_STEP_CHANNEL_ACTIVITY;
        else
            usage_error(cmd, "--step '%s' is not activity, channel or channel:activity", arg);
        break;
    case O_SPLIT_GAP:
        duration_arg(cmd, o, arg, &opt->split_gap_ms);
        if (opt->split_gap_ms == 0)
            usage_error(cmd, "--split-gap wants a positive duration such as 30d, not '%s'", arg);
        break;
    case O_CASE: opt->column[JM_ROLE_CASE] = arg; break;
    case O_ACTIVITY: opt->column[JM_ROLE_ACTIVITY] = arg; break;
    case O_START: opt->column[JM_ROLE_START] = arg; break;
    case O_END: opt->column[JM_ROLE_END] = arg; break;
    case O_CHANNEL: opt->column[JM_ROLE_CHANNEL] = arg; break;
    case O_CUSTOMER: opt->column[JM_ROLE_CUSTOMER] = arg; break;
    case O_RESOURCE: opt->column[JM_ROLE_RESOURCE] = arg; break;
    case O_LIFECYCLE_COLUMN: opt->column[JM_ROLE_LIFECYCLE] = arg; break;
    case O_LIFECYCLE:
        if (strcmp(arg, "auto") == 0)
            opt->lifecycle = JM_LIFECYCLE_AUTO;
        else if (strcmp(arg, "pair") == 0)
            opt->lifecycle = JM_LIFECYCLE_PAIR;
        else if (strcmp(arg, "keep") == 0)
            opt->lifecycle = JM_LIFECYCLE_KEEP;
        else
            usage_error(cmd, "--lifecycle '%s' is not auto, pair or keep", arg);
        break;
    case O_STAGES: opt->stages = arg; break;
    case O_STAGES_DATE: opt->stages_date = arg; break;
    case O_STAGES_EMPTY: opt->stages_empty = arg; break;
    case O_TRIM_IDS: opt->trim_ids = true; break;
    case O_DEDUPE: opt->dedupe = true; break;
    case O_SKIP_LINES:
        if (!parse_u64(arg, &u) || u > 1000000)
            usage_error(cmd, "--skip-lines wants a number of lines, not '%s'", arg);
        opt->skip_lines = (size_t)u;
        break;
    case O_DELIMITER:
        if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
            opt->delimiter = '\t';
        else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\r' && arg[0] != '\n')
            opt->delimiter = arg[0];
        else
            usage_error(cmd, "--delimiter wants one character or 'tab', not '%s'", arg);
        break;
    case O_TIME_FORMAT: opt->time_format = arg; break;
    case O_ENCODING: opt->encoding = arg; break;
    case O_TZ: opt->tz = arg; break;
    case O_FIELD_LIMIT:
        if (!jm_parse_size(arg, &u) || u == 0 || u > SIZE_MAX)
            usage_error(cmd, "--field-limit wants a size such as 1M, not '%s'", arg);
        opt->field_limit = (size_t)u;
        break;
    case O_REJECTS: r->rejects_path = arg; break;
    case O_HISTORY: r->history = arg; break;
    case O_VARIANT: r->variant = arg; break;
    case O_MIN_JOURNEYS:
        if (!parse_u64(arg, &u) || u < 1)
            usage_error(cmd, "--min-journeys wants a number of journeys, not '%s'", arg);
        opt->min_journeys = u;
        break;
    case O_LAST:
        if (!parse_u64(arg, &u) || u > SIZE_MAX)
            usage_error(cmd, "--last wants a number of runs, not '%s'", arg);
        r->last = (size_t)u;
        break;
    case O_PSEUDONYMIZE:
        r->key_path = arg;
        read_key(cmd, arg, r);
        break;
    case O_MAX_REJECTS:
        if (!parse_u64(arg, &u))
            usage_error(cmd, "--max-rejects wants a number, not '%s'", arg);
        opt->max_rejects = u;
        break;
    case O_QUIET: r->quiet = true; break;
    case O_THREADS:
        if (!parse_u64(arg, &u) || u < 1 || u > 1024)
            usage_error(cmd, "--threads wants a number from 1 to 1024, not '%s'", arg);
        opt->threads = (unsigned)u;
        break;
    case O_MEMORY:
        if (!jm_parse_size(arg, &u) || u < 1)
            usage_error(cmd, "--memory wants a size such as 2G, not '%s'", arg);
        opt->memory_bytes = u;
        break;
    case O_BLOCK_SIZE:
        if (!jm_parse_size(arg, &u) || u < 1)
            usage_error(cmd, "--block-size wants a size such as 8M, not '%s'", arg);
        opt->block_bytes = u;
        break;
    case O_LONG_WAIT: duration_arg(cmd, o, arg, &opt->long_wait_ms); break;
    case O_WHERE:
    case O_FROM:
    case O_TO:
    case O_WINDOW:
    case O_WITH:
    case O_WITHOUT:
    case O_STARTS_WITH:
    case O_ENDS_WITH:
    case O_FOLLOWS:
    case O_EVENTUALLY:
    case O_SIZE:
    case O_DURATION:
    case O_KEEP_COVERAGE:
        /* Checked by jm_log_new, in --tz (given anywhere on the line). */
        r->filters = realloc(r->filters, (r->nfilters + 1) * sizeof *r->filters);
        if (r->filters == NULL)
            abort();
        r->filters[r->nfilters++] = (jm_filter_arg){o->name, arg};
        r->opt.filters = r->filters;
        r->opt.nfilters = r->nfilters;
        r->keep_coverage |= o->id == O_KEEP_COVERAGE;
        break;
    case O_COVERAGE: {
        char *end = NULL;
        double v = strtod(arg, &end);
        if (end != arg && *end == '%')
            end++;
        if (end == arg || *end != '\0' || !(v > 0 && v <= 100))
            usage_error(cmd, "--coverage wants a percentage above 0 and at most 100 such as 80%%, "
                        "not '%s'",
                        arg);
        opt->coverage_pct = v;
        break;
    }
    case O_REPEAT_WINDOW: duration_arg(cmd, o, arg, &opt->repeat_window_ms); break;
    case O_SELF_SERVICE: opt->self_service = arg; break;
    case O_MAX_HANDOVERS:
        if (!parse_u64(arg, &u) || u > UINT_MAX)
            usage_error(cmd, "--max-handovers wants a number, not '%s'", arg);
        opt->max_handovers = (unsigned)u;
        break;
    case O_CALENDAR: opt->calendar = arg; break;
    case O_HOLIDAYS:
        opt->holidays_file = arg;
        read_holidays(cmd, arg, r);
        break;
    case O_MAP_STEPS:
    case O_MAP_EDGES: {
        char *end = NULL;
        double v = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(v > 0 && v <= 100))
            usage_error(cmd, "--%s wants a percentage above 0 and at most 100, not '%s'", o->name,
                        arg);
        opt->map_cut = true;
        if (o->id == O_MAP_STEPS)
            opt->map_steps_pct = v;
        else
            opt->map_edges_pct = v;
        break;
    }
    }
}

static const opt_def *find_long(const run *r, const char *name, size_t n)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if ((options[i].cmds & r->cmd->bit) && strlen(options[i].name) == n &&
            memcmp(options[i].name, name, n) == 0)
            return &options[i];
    return NULL;
}

static const opt_def *find_short(const run *r, char c)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if ((options[i].cmds & r->cmd->bit) && options[i].shortname == c)
            return &options[i];
    return NULL;
}

static void parse_args(run *r, int argc, char **argv)
{
    r->files = calloc((size_t)argc, sizeof *r->files);
    if (r->files == NULL)
        abort();
    bool only_files = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            r->files[r->nfiles++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        const opt_def *o;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            o = find_long(r, a + 2, n);
            if (o == NULL)
                usage_error(r->cmd, "unknown option '--%.*s'", (int)n, a + 2);
            if (eq != NULL && o->arg == NULL)
                usage_error(r->cmd, "option '--%s' takes no value", o->name);
            val = eq ? eq + 1 : NULL;
        } else {
            o = find_short(r, a[1]);
            if (o == NULL)
                usage_error(r->cmd, "unknown option '-%c'", a[1]);
            if (a[2] != '\0') {
                if (o->arg == NULL)
                    usage_error(r->cmd, "option '-%c' takes no value", a[1]);
                val = a + 2;
            }
        }
        if (o->arg != NULL && val == NULL) {
            if (i + 1 >= argc)
                usage_error(r->cmd, "option '--%s' needs a value (%s)", o->name, o->arg);
            val = argv[++i];
        }
        apply(r, o, val);
    }
}

/* ---- Callbacks from the library ------------------------------------------------ */

static void clear_progress(run *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        r->progress_shown = false;
    }
}

/* One row of the rejects file: the fields as read, and for rows a reader made from another
 * format (XES) the line and the reason as two more columns. */
static jm_status write_reject_row(FILE *f, const jm_reject *rj, size_t n,
                                  const char *const *fields, const size_t *lens, const char *line,
                                  const char *reason)
{
    if (!rj->made_rows)
        return jm_write_csv_row(f, rj->delimiter, n, fields, lens);
    const char **all = malloc((n + 2) * sizeof *all);
    size_t *all_lens = malloc((n + 2) * sizeof *all_lens);
    if (all == NULL || all_lens == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        all[i] = fields[i];
        all_lens[i] = lens[i];
    }
    all[n] = line;
    all_lens[n] = strlen(line);
    all[n + 1] = reason;
    all_lens[n + 1] = strlen(reason);
    jm_status s = jm_write_csv_row(f, rj->delimiter, n + 2, all, all_lens);
    free(all);
    free(all_lens);
    return s;
}

void jm__cli_on_reject(void *data, const jm_reject *rj)
{
    run *r = data;
    r->rejects_seen++;
    if (!r->quiet && r->rejects_seen <= SHOWN_REJECTS) {
        clear_progress(r);
        fprintf(r->msg, "%sjmine: %s:%" PRIu64 ": rejected (%s): %s\n", r->msg_tag ? "R" : "",
                rj->file, rj->line, jm_reject_key(rj->reason), rj->detail);
    }
    FILE *f = r->rejects_file;
    if (f == NULL && r->rejects_out != NULL)
        f = jm__output_file(r->rejects_out);
    if (f != NULL && !r->rejects_io_error) {
        jm_status s = JM_OK;
        if (!r->rejects_header_done) {
            s = write_reject_row(f, rj, rj->nheader, rj->header, rj->header_lens, "line",
                                 "reason");
            r->rejects_header_done = true;
            r->rejects_header_len = ftello(f);
        }
        if (s == JM_OK) {
            char line[24];
            snprintf(line, sizeof line, "%" PRIu64, rj->line);
            s = write_reject_row(f, rj, rj->nfields, rj->fields, rj->lens, line,
                                 jm_reject_key(rj->reason));
        }
        r->rejects_io_error = s != JM_OK;
    }
}

void jm__cli_on_notice(void *data, const char *file, uint64_t line, const char *msg)
{
    run *r = data;
    if (r->quiet)
        return;
    clear_progress(r);
    if (r->msg_tag) /* the message by itself first, for a notice to be given once per run */
        fprintf(r->msg, "N%s\t", msg);
    if (line > 0)
        fprintf(r->msg, "jmine: %s:%" PRIu64 ": %s\n", file, line, msg);
    else if (file == NULL || file[0] == '\0')
        fprintf(r->msg, "jmine: %s\n", msg);
    else
        fprintf(r->msg, "jmine: %s: %s\n", file, msg);
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void on_progress(void *data, const char *file, uint64_t bytes, uint64_t size, uint64_t rows)
{
    run *r = data;
    double t = since(&r->t0);
    if (t < 1.0)
        return;
    fprintf(stderr, "\r\033[Kjmine: %s: %.0f MB", file, (double)bytes / 1e6);
    if (size > 0)
        fprintf(stderr, " of %.0f MB", (double)size / 1e6);
    fprintf(stderr, ", %.2fM rows/s", (double)rows / t / 1e6);
    if (size > bytes && bytes > 0)
        fprintf(stderr, ", ETA %.0fs", t * (double)(size - bytes) / (double)bytes);
    r->progress_shown = true;
}

/* ---- Running a command --------------------------------------------------------------- */

int jm__cli_fail(run *r, int code)
{
    jm__output_abort(r->out);
    jm__output_abort(r->rejects_out);
    jm__output_abort(r->state_out);
    r->out = r->rejects_out = r->state_out = NULL;
    return code;
}

void jm__cli_reject_summary(run *r, const jm_input_stats *st)
{
    if (r->quiet || st->rejected == 0)
        return;
    fprintf(stderr, "jmine: %" PRIu64 " of %" PRIu64 " rows rejected (", st->rejected, st->rows);
    const char *sep = "";
    for (int i = 0; i < JM_REJECT_COUNT; i++) {
        if (st->rejected_by_reason[i] == 0)
            continue;
        fprintf(stderr, "%s%s %" PRIu64, sep, jm_reject_key((jm_reject_reason)i),
                st->rejected_by_reason[i]);
        sep = ", ";
    }
    fprintf(stderr, ")%s%s\n", st->rejected > SHOWN_REJECTS ? "; the first 10 are shown above" : "",
            r->rejects_path ? "" : "; --rejects FILE keeps them all");
}

/* Merge the states named as files into a report. Returns 0, or the exit code after saying why. */
static int merge_states(run *r, jm_merge *m, jm_report **rep)
{
    jm_status s = JM_OK;
    for (size_t i = 0; i < r->nfiles && s == JM_OK; i++)
        s = jm_merge_add_file(m, r->files[i]);
    if (s == JM_OK)
        s = jm_merge_report(m, rep);
    if (s != JM_OK) {
        fprintf(stderr, "jmine: %s\n", jm_merge_error(m));
        return jm__cli_fail(r, jm_status_exit_code(s));
    }
    return 0;
}

/* Open the outputs: -o, --rejects, --state-out. Returns false after saying why. */
bool jm__cli_open_outputs(run *r)
{
    char *err = NULL;
    r->out = jm__output_open(r->output, &err);
    if (r->out != NULL && r->rejects_path != NULL)
        r->rejects_out = jm__output_open(r->rejects_path, &err);
    if (r->out != NULL && err == NULL && r->state_path != NULL)
        r->state_out = jm__output_open(r->state_path, &err);
    if (err != NULL) {
        fprintf(stderr, "jmine: %s\n", err);
        free(err);
        return false;
    }
    return true;
}

int jm__cli_write(run *r, jm_report *rep, const jm_input_stats *st)
{
    jm_status s = JM_OK;
    char *err = NULL;
    if (rep == NULL) {
        FILE *f = jm__output_file(r->out);
        if (r->nbody > 0 && fwrite(r->body, 1, r->nbody, f) != r->nbody)
            s = JM_EIO;
    } else {
        FILE *f = jm__output_file(r->out);
        switch (r->as->bit) {
        case CMD_REPORT: s = jm_write_report(rep, r->format, f); break;
        case CMD_VARIANTS: s = jm_write_variants(rep, r->format, f); break;
        case CMD_JOURNEYS: s = jm_write_journeys(rep, r->format, f); break;
        default: s = jm_write_map(rep, r->format, f); break;
        }
        if (s == JM_OK && r->state_out != NULL)
            s = jm_report_save_state(rep, jm__output_file(r->state_out));
    }
    if (s != JM_OK || r->rejects_io_error) {
        /* A write error is reported with the file's own errno by the commit below. */
        if (s != JM_EIO && !r->rejects_io_error) {
            fprintf(stderr, "jmine: %s\n", jm_strerror(s));
            return jm__cli_fail(r, jm_status_exit_code(s));
        }
    }
    /* Commit releases each output; if the rejects file or the state fails, the output is
     * dropped too (its temporary file removed), so a failed run leaves none behind. */
    bool committed = jm__output_commit(r->rejects_out, &err);
    r->rejects_out = NULL;
    if (committed)
        committed = jm__output_commit(r->state_out, &err);
    else
        jm__output_abort(r->state_out);
    r->state_out = NULL;
    if (committed)
        committed = jm__output_commit(r->out, &err);
    else
        jm__output_abort(r->out);
    r->out = NULL;
    if (!committed) {
        fprintf(stderr, "jmine: %s\n", err);
        free(err);
        return 1;
    }
    if (st != NULL)
        jm__cli_reject_summary(r, st);
    return 0;
}

int jm__cli_history(run *r, jm_report *rep, int code)
{
    if (r->history == NULL) /* last: a run that failed before adds nothing */
        return code;
    char *err = NULL;
    jm_history_run hr = {r->started_ms, r->cmd->name, (const char *const *)r->files, r->nfiles};
    jm_status s = jm_history_append(rep, r->history, &hr, NULL, &err);
    if (s != JM_OK) {
        fprintf(stderr, "jmine: --history: %s\n", err);
        free(err);
        code = jm_status_exit_code(s);
    }
    return code;
}

static int run_command(run *r)
{
    jm_log *log = NULL;
    jm_merge *merge = NULL;
    jm_report *rep = NULL;
    char *err = NULL;
    int code = 0;
    jm_status s = JM_OK;

    if (r->cmd->bit == CMD_MERGE) {
        merge = jm_merge_new(&r->opt, &err);
        if (merge == NULL) {
            fprintf(stderr, "jmine: %s\n", err);
            free(err);
            return jm__cli_fail(r, 2);
        }
        if (!jm__cli_open_outputs(r)) {
            code = jm__cli_fail(r, 1);
            goto out;
        }
        code = merge_states(r, merge, &rep);
        if (code != 0)
            goto out;
        goto write;
    }

    r->opt.on_reject = jm__cli_on_reject;
    r->opt.on_reject_data = r;
    r->opt.reject_rows = r->rejects_path != NULL;
    r->opt.on_notice = jm__cli_on_notice;
    r->opt.on_notice_data = r;
    if (!r->quiet && isatty(STDERR_FILENO)) {
        r->opt.on_progress = on_progress;
        r->opt.on_progress_data = r;
    }
    log = jm_log_new(&r->opt, &err);
    if (log == NULL) {
        fprintf(stderr, "jmine: %s\nTry 'jmine %s --help'.\n", err, r->cmd->name);
        free(err);
        return jm__cli_fail(r, 2);
    }
    if (!jm__cli_open_outputs(r)) {
        code = jm__cli_fail(r, 1);
        goto out;
    }
    for (size_t i = 0; i < r->nfiles && s == JM_OK; i++)
        s = jm_log_add_file(log, r->files[i]);
    clear_progress(r);
    if (s != JM_OK) {
        fprintf(stderr, "jmine: %s\n", jm_log_error(log));
        code = jm__cli_fail(r, jm_status_exit_code(s));
        goto out;
    }
    s = jm_report_build(log, &rep);
    if (s != JM_OK) {
        fprintf(stderr, "jmine: %s\n", jm_log_error(log));
        code = jm__cli_fail(r, jm_status_exit_code(s));
        goto out;
    }
write: {
        jm_input_stats st;
        if (merge == NULL)
            jm_report_input_stats(rep, &st);
        code = jm__cli_write(r, rep, merge == NULL ? &st : NULL);
    }
    code = jm__cli_history(r, rep, code);
out:
    jm_report_free(rep);
    jm_merge_free(merge);
    jm_log_free(log);
    return code;
}

/* jmine trend DB: the history's runs (history.c in the library), written through -o. */
static int run_trend(run *r)
{
    if (r->nfiles != 1)
        usage_error(r->cmd, "trend reads one history database (%zu given)", r->nfiles);
    const jm__out_path outs[] = {{"-o", r->output ? r->output : "-"}};
    char *bad = jm__paths_check((const char *const *)r->files, 1, outs, 1);
    if (bad != NULL)
        usage_error(r->cmd, "%s", bad);
    jm__output_install_signal_handlers();
    char *err = NULL;
    r->out = jm__output_open(r->output, &err);
    int code = 1;
    if (r->out != NULL) {
        jm_status s = jm_history_trend(r->files[0], r->last, r->variant, r->format,
                                       jm__output_file(r->out), &err);
        code = jm_status_exit_code(s);
        if (s != JM_OK && s != JM_EIO)
            jm__output_abort(r->out);
        else if (!jm__output_commit(r->out, &err))
            code = 1;
    }
    if (err != NULL) {
        fprintf(stderr, "jmine: %s\n", err);
        free(err);
    }
    free(r->files);
    if (fclose(stdout) != 0 && code != 1) {
        fprintf(stderr, "jmine: write error on standard output: %s\n", strerror(errno));
        code = 1;
    }
    return code;
}

/* jmine diff OLD NEW: two JSON reports compared (diff.c), written through -o. */
static int run_diff(run *r)
{
    if (r->nfiles != 2)
        usage_error(r->cmd, "diff compares two JSON reports: OLD NEW (%zu given)", r->nfiles);
    const jm__out_path outs[] = {{"-o", r->output ? r->output : "-"}};
    for (size_t i = 0; i < 2; i++) { /* one at a time: a report may be diffed with itself */
        char *db = jm__diff_history_db(r->files[i]); /* DB:RUN: the database is the input */
        const char *in = db != NULL ? db : r->files[i];
        char *bad = jm__paths_check(&in, 1, outs, 1);
        free(db);
        if (bad != NULL)
            usage_error(r->cmd, "%s", bad);
    }
    jm__output_install_signal_handlers();
    char *err = NULL;
    r->out = jm__output_open(r->output, &err);
    int code = 1;
    if (r->out != NULL) {
        code = jm__diff_run(r->files[0], r->files[1], r->format, jm__output_file(r->out),
                            r->alerts, r->nalerts);
        if (code == 3)
            jm__output_abort(r->out);
        else if (!jm__output_commit(r->out, &err))
            code = 1;
    }
    if (err != NULL) {
        fprintf(stderr, "jmine: %s\n", err);
        free(err);
    }
    free(r->files);
    free(r->alerts);
    if (fclose(stdout) != 0 && code != 1) {
        fprintf(stderr, "jmine: write error on standard output: %s\n", strerror(errno));
        code = 1;
    }
    return code;
}

int jm__cli_main(int argc, char **argv, jm__cli_runner logs, bool others)
{
#if defined(__GLIBC__)
    /* Blocks of 256 KiB and more come straight from the kernel. glibc's own threshold rises
     * to 32 MiB as big blocks are freed; below it, value lists that grow by realloc are copied
     * and leave holes in the heap. Measured on the 770 MB benchmark log: peak 443 -> 413 MB,
     * and less CPU time (realloc of a mapped block moves no bytes). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    if (argc < 2)
        usage_error(NULL, "no command given");
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_main_help();
        return fclose(stdout) == 0 ? 0 : 1;
    }
    if (strcmp(name, "--version") == 0) {
        printf("jmine %s\n", jm_version());
        return fclose(stdout) == 0 ? 0 : 1;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.msg = stderr;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            r.cmd = &commands[i];
    if (r.cmd == NULL)
        usage_error(NULL, "'%s' is not a command", name);
    jm_options_init(&r.opt);
    char def[16]; /* the command's default format: the first it lists */
    snprintf(def, sizeof def, "%.*s", (int)strcspn(r.cmd->formats, ","), r.cmd->formats);
    if (r.cmd->bit != CMD_MERGE)
        r.format = format_of(r.cmd, def);
    r.as = r.cmd;
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    r.started_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    parse_args(&r, argc - 2, argv + 2);
    if (!others && (r.cmd->bit & CMD_ALL) == 0)
        return 0;
    if (r.cmd->bit == CMD_DIFF)
        return run_diff(&r);
    if (r.cmd->bit == CMD_TREND)
        return run_trend(&r);
    if (r.cmd->bit == CMD_MERGE) {
        if (r.as == r.cmd)
            r.as = &commands[0]; /* report */
        if (r.format_arg == NULL)
            snprintf(def, sizeof def, "%.*s", (int)strcspn(r.as->formats, ","), r.as->formats);
        r.format = format_among(r.cmd, r.as, r.format_arg ? r.format_arg : def);
    }
    if (r.nfiles == 0)
        usage_error(r.cmd, r.cmd->bit == CMD_MERGE
                               ? "no state given (jmine report --state-out FILE writes one)"
                               : "no input file given (use - for standard input)");
    if (r.opt.stages != NULL) {
        static const jm_role given[] = {JM_ROLE_ACTIVITY, JM_ROLE_START, JM_ROLE_END};
        for (size_t i = 0; i < 3; i++)
            if (r.opt.column[given[i]] != NULL)
                usage_error(r.cmd, "--stages gives the activity and the times: leave out --%s",
                            jm_role_key(given[i]));
    } else if (r.opt.stages_date != NULL || r.opt.stages_empty != NULL) {
        usage_error(r.cmd, "--%s goes with --stages",
                    r.opt.stages_date ? "stages-date" : "stages-empty");
    }
    if (r.keep_coverage && r.state_path != NULL)
        usage_error(r.cmd, "--keep-coverage cannot go with --state-out: which variants cover P%% "
                    "depends on every shard's journeys, so partial states could not be merged "
                    "into what one run gives; filter the merged run's journeys instead, or use "
                    "the other filters");
    if (r.opt.holidays_file != NULL && r.opt.calendar == NULL)
        usage_error(r.cmd, "--holidays goes with --calendar");
    if (!r.top_set && r.as->bit == CMD_REPORT)
        r.opt.top = 10;
    r.opt.keep_journeys = r.cmd->bit == CMD_JOURNEYS;
    r.opt.full_rankings = r.history != NULL;
    {
        /* Before anything is read or written: no output may name an input (SPEC §2). */
        const jm__out_path outs[] = {{"-o", r.output ? r.output : "-"},
                                     {"--rejects", r.rejects_path},
                                     {"--state-out", r.state_path},
                                     {"--history", r.history}};
        /* The key file is an input too. */
        const char **ins = malloc((r.nfiles + 2) * sizeof *ins);
        if (ins == NULL) {
            fputs("jmine: out of memory\n", stderr);
            return 1;
        }
        for (size_t i = 0; i < r.nfiles; i++)
            ins[i] = r.files[i];
        size_t nins = r.nfiles;
        if (r.key_path != NULL)
            ins[nins++] = r.key_path;
        if (r.opt.holidays_file != NULL)
            ins[nins++] = r.opt.holidays_file;
        char *bad = jm__paths_check(ins, nins, outs, sizeof outs / sizeof outs[0]);
        free(ins);
        if (bad != NULL)
            usage_error(r.cmd, "%s", bad);
    }
    if (r.history != NULL) { /* not a history: said before anything is read */
        char *err = NULL;
        if (jm_history_check(r.history, &err) != JM_OK)
            usage_error(r.cmd, "--history: %s", err);
    }
    jm__output_install_signal_handlers();
    int code = logs != NULL && r.cmd->bit != CMD_MERGE ? logs(&r) : run_command(&r);
    free(r.files);
    free(r.filters);
    free(r.key);
    free(r.holidays);
    if (fclose(stdout) != 0 && code == 0) {
        fprintf(stderr, "jmine: write error on standard output: %s\n", strerror(errno));
        code = 1;
    }
    return code;
}
