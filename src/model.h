/* SPDX-License-Identifier: MIT */
/* The report model: an ordered tree of values that the analyses fill and every writer reads. */
#ifndef JM_MODEL_H
#define JM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The model is the JSON report before it is written: objects keep their keys in the order
 * added, and the JSON writer prints the tree as it stands (src/write/json.c). Writers for
 * people (text, Markdown, CSV, DOT) read the same tree. Numbers keep what each writer needs
 * to print them exactly: a count, milliseconds (JSON prints seconds, text "3h 20m"), a ratio
 * as its numerator and denominator (JSON prints 6 decimals, text a percentage), an instant
 * (JSON and text print RFC 3339).
 *
 * A value marked hidden (jm__m_hide) is left out by the JSON writer: it carries what only the
 * writers for people need and the JSON report does not hold. Everything else in the model is
 * in the JSON report, so that a writer that embeds the JSON (an HTML page) sees what the text
 * writer sees. The hidden values today:
 *   - "top" at the root of the report and the variants table: --top (0: all), which text
 *     and Markdown apply to the rankings the JSON lists whole (channel switches, map edges);
 *   - "journeys", "steps_pct" and "edges_pct" in the map command's "cut": the journeys
 *     drawn and the --map-steps and --map-edges that cut it, stated in the DOT label.
 *   - "tz" at the root of the report: --tz, for the page (html.c) to show instants in that zone.
 *   - "step_channels" in the report's "map": each step's most frequent channel (step,
 *     channel, events, of, channels), for the page's variant chips (html.c).
 *
 * Memory: values live in the model's arena and are freed with it (jm__model_free). Strings
 * added with jm__m_str are borrowed and must outlive the model (names from the log's tables
 * do: the model is built and written while the report is alive); jm__m_strcopy copies. Keys
 * are always borrowed: string literals, or names that outlive the model. Building allocates
 * from big blocks, never per value. */

typedef enum jm__mtype {
    JM__M_NULL,
    JM__M_BOOL,
    JM__M_UINT,  /* a count */
    JM__M_MS,    /* a duration or wait in milliseconds (may be negative) */
    JM__M_RATIO, /* num / den (den 0 reads as 0) */
    JM__M_TIME,  /* an instant, UTC milliseconds since the epoch */
    JM__M_REAL,  /* a double (an option's value); JSON prints the shortest of %.15g to %.17g
                  * that reads back the same, null if not finite */
    JM__M_STR,   /* bytes and a length; not necessarily UTF-8 (each writer makes them safe) */
    JM__M_ARR,
    JM__M_OBJ,
} jm__mtype;

typedef struct jm__mval jm__mval;

/* A value. Read the fields; build through the functions below. */
struct jm__mval {
    jm__mval *next;  /* the next member of the same object or array, or NULL */
    const char *key; /* the member's key in an object; NULL in an array and at the root */
    uint8_t type;    /* a jm__mtype */
    bool hidden;     /* left out by the JSON writer (see above) */
    uint32_t n;      /* arrays and objects: members; strings: unused (see v.str.n) */
    union {
        bool b;
        uint64_t u;
        int64_t ms; /* JM__M_MS and JM__M_TIME */
        double d;
        struct {
            uint64_t num, den;
        } ratio;
        struct {
            const char *s;
            size_t n;
        } str;
        struct {
            jm__mval *first, *last;
        } kids;
    } v;
};

typedef struct jm__model jm__model;

/* A new, empty model whose root is an empty object. Free with jm__model_free. */
jm__model *jm__model_new(void);

/* Free a model, its values and the strings it copied. NULL is a no-op. */
void jm__model_free(jm__model *m);

/* The root object. */
jm__mval *jm__model_root(jm__model *m);

/* ---- Building: each adds a value to `parent` (an object: key required; an array: key NULL)
 * as its last member and returns it. */

jm__mval *jm__m_obj(jm__model *m, jm__mval *parent, const char *key);
jm__mval *jm__m_arr(jm__model *m, jm__mval *parent, const char *key);
jm__mval *jm__m_null(jm__model *m, jm__mval *parent, const char *key);
jm__mval *jm__m_bool(jm__model *m, jm__mval *parent, const char *key, bool b);
jm__mval *jm__m_uint(jm__model *m, jm__mval *parent, const char *key, uint64_t u);
jm__mval *jm__m_ms(jm__model *m, jm__mval *parent, const char *key, int64_t ms);
/* The mean of count values summing to sum_ms, rounded to the millisecond (jm__mean_ms);
 * null when count is 0. */
jm__mval *jm__m_mean_ms(jm__model *m, jm__mval *parent, const char *key, int64_t sum_ms,
                        uint64_t count);
jm__mval *jm__m_ratio(jm__model *m, jm__mval *parent, const char *key, uint64_t num, uint64_t den);
jm__mval *jm__m_time(jm__model *m, jm__mval *parent, const char *key, int64_t ms);
jm__mval *jm__m_real(jm__model *m, jm__mval *parent, const char *key, double d);
/* n bytes at s, borrowed (they must outlive the model). */
jm__mval *jm__m_str(jm__model *m, jm__mval *parent, const char *key, const char *s, size_t n);
/* A NUL-terminated string, borrowed; NULL adds null. */
jm__mval *jm__m_cstr(jm__model *m, jm__mval *parent, const char *key, const char *s);
/* n bytes at s, copied into the model (NUL-terminated there). */
jm__mval *jm__m_strcopy(jm__model *m, jm__mval *parent, const char *key, const char *s, size_t n);

/* A copy of the n bytes at s, NUL-terminated, that lives as long as the model: a key that is
 * not a literal (a figure's name read back from the history). */
const char *jm__m_keycopy(jm__model *m, const char *s, size_t n);

/* Mark v hidden: the JSON writer leaves it out. Returns v. */
jm__mval *jm__m_hide(jm__mval *v);

/* ---- How the model's numbers print, for the writers (and for the few phrases an analysis
 * writes itself, such as the details of "where to act first"). */

/* Milliseconds as seconds, exactly ("90061.5"), into buf of 32 bytes; returns buf. */
char *jm__fmt_secs(char *buf, int64_t ms);
/* num/den rounded to 6 decimals in integers, the same on every machine ("0.25"; "0" when den
 * is 0), into buf of 32 bytes; returns buf. */
char *jm__fmt_ratio(char *buf, uint64_t num, uint64_t den);
/* A duration for people, into buf (32 bytes): "42s", "12m 05s", "3h 20m", "2d 04h", and in years
 * of 365 days past one: "366y 10d". */
char *jm__fmt_human(char *buf, int64_t ms);
/* Rounded mean of sum/count (count > 0), for non-negative or negative sums alike. */
int64_t jm__mean_ms(int64_t sum_ms, uint64_t count);

/* ---- Reading */

/* The member of object obj with this key (the first, if several), or NULL: also when obj is
 * NULL or not an object. A linear search: objects are small. */
const jm__mval *jm__m_get(const jm__mval *obj, const char *key);

/* A member found through a path of keys separated by '.', e.g. "duration_s.median"; NULL as
 * jm__m_get. */
const jm__mval *jm__m_at(const jm__mval *obj, const char *path);

/* The value as a count: JM__M_UINT's value, 0 for anything else (NULL included). */
uint64_t jm__m_u(const jm__mval *v);

/* The value in milliseconds: JM__M_MS or JM__M_TIME; 0 for anything else. */
int64_t jm__m_msv(const jm__mval *v);

/* Whether v is missing or null. */
bool jm__m_isnull(const jm__mval *v);

#endif
