/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: bytes -> CSV -> rows -> events -> journeys -> every writer, with invariants. */
/*
 * The input is written to a memfd and read back through jm_log_add_file("/proc/self/fd/N"), so
 * the whole public path runs as the tool runs it: gzip by magic bytes, the CSV reader, roles,
 * times, the store, the report and every writer. Built with -DJM_FUZZ_OPTIONS, the first two
 * bytes choose the options (delimiter, step, split gap, collapsed loops, --tz, --time-format,
 * field limit, max rejects, map cut, two files) and the rest is the log.
 *
 * Besides the sanitizers, it checks what SPEC §2 and §1 promise for any input:
 * - rows = events + rejected, the reasons add up, and the reject callback saw every rejection;
 * - a file-level error names the file ("PATH:...");
 * - every rejected row written as CSV reads back to the same bytes;
 * - JSON output is strict RFC 8259 in valid UTF-8 (no NaN, no raw control bytes, no lone
 *   surrogates, no duplicate keys); CSV output is RFC 4180 with one field count;
 *   text, Markdown and dot hold no control byte but LF and are valid UTF-8; dot strings
 *   close.
 * A broken invariant aborts, which libFuzzer reports as a crash with the input saved.
 */
#define _GNU_SOURCE
#include <jmine/jmine.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int memfd = -1;
static char path[64];

static void die(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void die(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "jm-fuzz: invariant broken (%s): ", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- Strict UTF-8 (RFC 3629) ------------------------------------------------------- */

/* Length of the valid sequence at s, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t k;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf)
        k = 2, cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef)
        k = 3, cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4)
        k = 4, cp = c & 0x07u;
    else
        return 0;
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

static void check_utf8(const char *what, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0)
            die(what, "invalid UTF-8 at byte %zu (0x%02x)", i, s[i]);
        i += k;
    }
}

/* ---- A strict JSON validator (RFC 8259) ------------------------------------------------ */

typedef struct jp {
    const unsigned char *s;
    size_t n, i;
    int depth;
    const char *what;
} jp;

static void jfail(jp *p, const char *why)
{
    die(p->what, "invalid JSON at byte %zu: %s", p->i, why);
}

static void jws(jp *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int hex4(jp *p)
{
    if (p->n - p->i < 4)
        jfail(p, "short \\u escape");
    int v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p->s[p->i++];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            jfail(p, "bad hex digit in \\u escape");
        v = v * 16 + d;
    }
    return v;
}

/* A string; its raw bytes (between the quotes) in *b, *len. */
static void jstring(jp *p, size_t *b, size_t *len)
{
    if (p->i >= p->n || p->s[p->i] != '"')
        jfail(p, "string expected");
    p->i++;
    *b = p->i;
    for (;;) {
        if (p->i >= p->n)
            jfail(p, "unterminated string");
        unsigned char c = p->s[p->i];
        if (c == '"')
            break;
        if (c < 0x20)
            jfail(p, "raw control byte in string");
        if (c == '\\') {
            p->i++;
            if (p->i >= p->n)
                jfail(p, "unterminated escape");
            c = p->s[p->i++];
            if (c == 'u') {
                int v = hex4(p);
                if (v >= 0xdc00 && v <= 0xdfff)
                    jfail(p, "lone low surrogate escape");
                if (v >= 0xd800 && v <= 0xdbff) {
                    if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                        jfail(p, "lone high surrogate escape");
                    p->i += 2;
                    int w = hex4(p);
                    if (w < 0xdc00 || w > 0xdfff)
                        jfail(p, "high surrogate without a low one");
                }
            } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
                jfail(p, "bad escape");
            }
            continue;
        }
        size_t k = utf8_seq(p->s + p->i, p->n - p->i);
        if (k == 0)
            jfail(p, "invalid UTF-8 in string");
        p->i += k;
    }
    *len = p->i - *b;
    p->i++;
}

static void jdigits(jp *p)
{
    if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
        jfail(p, "digit expected");
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++;
}

static void jnumber(jp *p)
{
    if (p->s[p->i] == '-')
        p->i++;
    if (p->i < p->n && p->s[p->i] == '0')
        p->i++;
    else
        jdigits(p);
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        jdigits(p);
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        jdigits(p);
    }
}

static void jvalue(jp *p);

static void jobject(jp *p)
{
    size_t *keys = NULL, nkeys = 0, cap = 0;
    p->i++;
    jws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return;
    }
    for (;;) {
        jws(p);
        size_t b, len;
        jstring(p, &b, &len);
        for (size_t k = 0; k < nkeys; k++)
            if (keys[2 * k + 1] == len && memcmp(p->s + keys[2 * k], p->s + b, len) == 0)
                jfail(p, "duplicate key");
        if (nkeys == cap) {
            cap = cap ? cap * 2 : 16;
            keys = realloc(keys, cap * 2 * sizeof *keys);
            if (keys == NULL)
                abort();
        }
        keys[2 * nkeys] = b;
        keys[2 * nkeys + 1] = len;
        nkeys++;
        jws(p);
        if (p->i >= p->n || p->s[p->i] != ':')
            jfail(p, "':' expected");
        p->i++;
        jvalue(p);
        jws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
            break;
        }
        jfail(p, "',' or '}' expected");
    }
    free(keys);
}

static void jarray(jp *p)
{
    p->i++;
    jws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return;
    }
    for (;;) {
        jvalue(p);
        jws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            return;
        }
        jfail(p, "',' or ']' expected");
    }
}

static void jvalue(jp *p)
{
    jws(p);
    if (p->i >= p->n)
        jfail(p, "value expected");
    if (++p->depth > 64)
        jfail(p, "nested too deep");
    unsigned char c = p->s[p->i];
    size_t b, len;
    if (c == '{')
        jobject(p);
    else if (c == '[')
        jarray(p);
    else if (c == '"')
        jstring(p, &b, &len);
    else if (c == '-' || (c >= '0' && c <= '9'))
        jnumber(p);
    else if (p->n - p->i >= 4 && memcmp(p->s + p->i, "true", 4) == 0)
        p->i += 4;
    else if (p->n - p->i >= 5 && memcmp(p->s + p->i, "false", 5) == 0)
        p->i += 5;
    else if (p->n - p->i >= 4 && memcmp(p->s + p->i, "null", 4) == 0)
        p->i += 4;
    else
        jfail(p, "value expected");
    p->depth--;
}

static void check_json(const char *what, const char *s, size_t n)
{
    jp p = {(const unsigned char *)s, n, 0, 0, what};
    check_utf8(what, p.s, n);
    jws(&p);
    if (p.i >= n || p.s[p.i] != '{')
        jfail(&p, "a JSON object expected");
    jvalue(&p);
    jws(&p);
    if (p.i != n)
        jfail(&p, "bytes after the value");
}

/* ---- An RFC 4180 reader -------------------------------------------------------------------- */

typedef struct csvrec {
    size_t n, cap;
    char **f;
    size_t *len;
} csvrec;

static void rec_push(csvrec *r, const char *s, size_t n)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->f = realloc(r->f, r->cap * sizeof *r->f);
        r->len = realloc(r->len, r->cap * sizeof *r->len);
        if (r->f == NULL || r->len == NULL)
            abort();
    }
    r->f[r->n] = malloc(n + 1);
    if (r->f[r->n] == NULL)
        abort();
    memcpy(r->f[r->n], s, n);
    r->len[r->n] = n;
    r->n++;
}

static void rec_clear(csvrec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

static void rec_free(csvrec *r)
{
    rec_clear(r);
    free(r->f);
    free(r->len);
}

/* Read one record ending in LF from s at *pos into r (cleared first). */
static void csv_record(const char *what, const char *s, size_t n, size_t *pos, char delim,
                       csvrec *r)
{
    rec_clear(r);
    size_t i = *pos;
    char *tmp = NULL;
    size_t tcap = 0;
    for (;;) {
        size_t tl = 0;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    die(what, "CSV quoted field not closed");
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (tl == tcap) {
                    tcap = tcap ? tcap * 2 : 64;
                    tmp = realloc(tmp, tcap);
                    if (tmp == NULL)
                        abort();
                }
                tmp[tl++] = s[i++];
            }
            if (i < n && s[i] != delim && s[i] != '\n')
                die(what, "CSV bytes after a closing quote at byte %zu", i);
            rec_push(r, tmp ? tmp : "", tl);
        } else {
            size_t b = i;
            while (i < n && s[i] != delim && s[i] != '\n') {
                if (s[i] == '"' || s[i] == '\r')
                    die(what, "CSV field not quoted but holds %s at byte %zu",
                        s[i] == '"' ? "a quote" : "a CR", i);
                i++;
            }
            rec_push(r, s + b, i - b);
        }
        if (i >= n)
            die(what, "CSV record without its LF");
        if (s[i] == '\n') {
            i++;
            break;
        }
        i++; /* the delimiter */
    }
    free(tmp);
    *pos = i;
}

/* The whole output: records of one field count. Returns the number of records. */
static size_t check_csv(const char *what, const char *s, size_t n, char delim)
{
    csvrec r = {0};
    size_t pos = 0, recs = 0, width = 0;
    while (pos < n) {
        csv_record(what, s, n, &pos, delim, &r);
        if (recs == 0)
            width = r.n;
        else if (r.n != width)
            die(what, "CSV record %zu has %zu fields, the first has %zu", recs + 1, r.n, width);
        recs++;
    }
    rec_free(&r);
    return recs;
}

/* ---- Text, Markdown, dot ------------------------------------------------------------------ */

/* Text output must be valid UTF-8 too (src/text.c writes '?' for each invalid byte). Build
 * with -DJM_FUZZ_STRICT_TEXT=0 to check only for control bytes. */
#ifndef JM_FUZZ_STRICT_TEXT
#define JM_FUZZ_STRICT_TEXT 1
#endif

static void check_text(const char *what, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            die(what, "control byte 0x%02x at byte %zu", c, i);
    }
    if (JM_FUZZ_STRICT_TEXT)
        check_utf8(what, (const unsigned char *)s, n);
}

static void check_dot(const char *what, const char *s, size_t n)
{
    check_text(what, s, n);
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        if (in && s[i] == '\\') {
            i++;
            if (i >= n || s[i] == '\n')
                die(what, "dot escape at a line end, byte %zu", i);
            continue;
        }
        if (s[i] == '"')
            in = !in;
        else if (in && s[i] == '\n')
            die(what, "dot string not closed on its line, byte %zu", i);
    }
    if (in)
        die(what, "dot string not closed");
    if (n < 2 || memcmp(s + n - 2, "}\n", 2) != 0)
        die(what, "dot output does not end with '}'");
}

/* ---- The run --------------------------------------------------------------------------------- */

typedef struct seen {
    uint64_t rejects;
    uint64_t hash; /* of the lines and reasons in the order they came */
    const char *path;
} seen;

static void on_reject(void *data, const jm_reject *r)
{
    seen *sn = data;
    sn->rejects++;
    sn->hash = (sn->hash ^ (r->line * 8 + (uint64_t)r->reason)) * 0x100000001b3u;
    if (strcmp(r->file, sn->path) != 0)
        die("reject", "file '%s', expected '%s'", r->file, sn->path);
    if (r->line == 0)
        die("reject", "line 0");
    if ((unsigned)r->reason >= JM_REJECT_COUNT || r->detail == NULL || strchr(r->detail, '\n'))
        die("reject", "bad reason or detail");
    if (r->fields == NULL)
        return;
    /* The row as the rejects file holds it must read back byte for byte. A row of one empty
     * field is left out: written as an empty line, it reads back as a blank line (see
     * tests/hostile: rejects-one-empty-field). */
    if (r->nfields == 1 && r->lens[0] == 0)
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL || jm_write_csv_row(f, r->delimiter, r->nfields, r->fields, r->lens) != JM_OK)
        die("reject", "jm_write_csv_row failed");
    fclose(f);
    csvrec rec = {0};
    size_t pos = 0;
    csv_record("rejects row", buf, len, &pos, r->delimiter, &rec);
    if (pos != len || rec.n != r->nfields)
        die("reject", "row of %zu fields reads back as %zu", r->nfields, rec.n);
    for (size_t i = 0; i < rec.n; i++)
        if (rec.len[i] != r->lens[i] || memcmp(rec.f[i], r->fields[i], rec.len[i]) != 0)
            die("reject", "field %zu does not read back", i + 1);
    rec_free(&rec);
    free(buf);
}

typedef jm_status (*writer_fn)(const jm_report *, jm_format, FILE *);

static const struct {
    writer_fn fn;
    jm_format fmt;
    const char *what;
} writers[] = {
    {jm_write_report, JM_FORMAT_JSON, "report json"},
    {jm_write_report, JM_FORMAT_TEXT, "report text"},
    {jm_write_report, JM_FORMAT_MD, "report md"},
    {jm_write_variants, JM_FORMAT_TEXT, "variants text"},
    {jm_write_variants, JM_FORMAT_CSV, "variants csv"},
    {jm_write_variants, JM_FORMAT_JSON, "variants json"},
    {jm_write_journeys, JM_FORMAT_CSV, "journeys csv"},
    {jm_write_map, JM_FORMAT_DOT, "map dot"},
    {jm_write_map, JM_FORMAT_JSON, "map json"},
};
#define NWRITERS (sizeof writers / sizeof writers[0])

/* What one run left: its status, the error message or every writer's output. */
typedef struct result {
    jm_status status;
    char *error;
    uint64_t rejects, reject_hash;
    char *out[NWRITERS];
    size_t len[NWRITERS];
} result;

static void result_free(result *r)
{
    free(r->error);
    for (size_t i = 0; i < NWRITERS; i++)
        free(r->out[i]);
}

static void write_check(const jm_report *rep, size_t w, result *res)
{
    const char *what = writers[w].what;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        abort();
    jm_status s = writers[w].fn(rep, writers[w].fmt, f);
    if (fclose(f) != 0)
        abort();
    if (s != JM_OK)
        die(what, "writer returned %s", jm_status_name(s));
    switch (writers[w].fmt) {
    case JM_FORMAT_JSON: check_json(what, buf, len); break;
    case JM_FORMAT_CSV: check_csv(what, buf, len, ','); break;
    case JM_FORMAT_DOT: check_dot(what, buf, len); break;
    default: check_text(what, buf, len); break;
    }
    res->out[w] = buf;
    res->len[w] = len;
}

/* Read the memfd `files` times into one log, build the report, write and check everything. */
static void run(jm_options *opt, int files, bool named, result *res)
{
    memset(res, 0, sizeof *res);
    seen sn = {0, 0xcbf29ce484222325u, path};
    opt->on_reject = on_reject;
    opt->on_reject_data = &sn;
    opt->reject_rows = true;

    char *err = NULL;
    jm_log *log = jm_log_new(opt, &err);
    if (log == NULL) {
        /* Only a zone missing from the system may stop it here. */
        if (opt->tz == NULL)
            die("jm_log_new", "%s", err ? err : "(no message)");
        res->status = JM_EUSAGE;
        res->error = err;
        return;
    }
    jm_status s = JM_OK;
    for (int i = 0; i < files && s == JM_OK; i++)
        s = jm_log_add_file(log, path);
    res->rejects = sn.rejects;
    res->reject_hash = sn.hash;
    if (s != JM_OK) {
        const char *msg = jm_log_error(log);
        if (s != JM_EINPUT && s != JM_EREJECTS && !(s == JM_EUSAGE && named))
            die("jm_log_add_file", "status %s: %s", jm_status_name(s), msg);
        if (strncmp(msg, path, strlen(path)) != 0 || msg[strlen(path)] != ':')
            die("jm_log_add_file", "the message does not name the file: '%s'", msg);
        if (s == JM_EREJECTS && sn.rejects <= opt->max_rejects)
            die("jm_log_add_file", "EREJECTS after %llu rejects", (unsigned long long)sn.rejects);
        res->status = s;
        res->error = strdup(msg);
        jm_log_free(log);
        return;
    }
    jm_report *rep = NULL;
    s = jm_report_build(log, &rep);
    if (s == JM_EINPUT) {
        /* Only a log whose every row was rejected (SPEC §1.1: a log of rejections is no
         * result), and the message says so. */
        const char *msg = jm_log_error(log);
        if (sn.rejects == 0 || strstr(msg, "rejected") == NULL)
            die("jm_report_build", "EINPUT after %llu rejects: '%s'",
                (unsigned long long)sn.rejects, msg);
        res->status = s;
        res->error = strdup(msg);
        jm_log_free(log);
        return;
    }
    if (s != JM_OK)
        die("jm_report_build", "%s", jm_status_name(s));

    jm_input_stats st;
    jm_report_input_stats(rep, &st);
    /* Rows merged into another row's event (a complete paired with its start), rows of other
     * lifecycle transitions and repeats dropped by --dedupe are rows too. */
    uint64_t folded = st.lifecycle_paired + st.lifecycle_other + st.duplicates_dropped;
    if (st.rows != st.events + st.rejected + folded)
        die("accounting", "rows %llu != events %llu + rejected %llu + folded %llu",
            (unsigned long long)st.rows, (unsigned long long)st.events,
            (unsigned long long)st.rejected, (unsigned long long)folded);
    uint64_t sum = 0;
    for (int i = 0; i < JM_REJECT_COUNT; i++)
        sum += st.rejected_by_reason[i];
    if (sum != st.rejected || sn.rejects != st.rejected)
        die("accounting", "rejected %llu, by reason %llu, callbacks %llu",
            (unsigned long long)st.rejected, (unsigned long long)sum,
            (unsigned long long)sn.rejects);
    if (st.files != (uint64_t)files)
        die("accounting", "files %llu", (unsigned long long)st.files);
    for (size_t w = 0; w < NWRITERS; w++)
        write_check(rep, w, res);
    jm_report_free(rep);
    jm_log_free(log);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memfd = memfd_create("jm-fuzz", MFD_CLOEXEC);
    if (memfd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jm_options opt;
    jm_options_init(&opt);
    opt.keep_journeys = true;
    int files = 1;
    bool named = false;   /* a column is named by option: JM_EUSAGE is then allowed */
    bool threads = false; /* also run on two threads: the output must be the same */
    uint64_t block = 64;  /* with blocks of this many bytes */
#ifdef JM_FUZZ_OPTIONS
    if (size < 2)
        return 0;
    unsigned a = data[0], b = data[1];
    data += 2;
    size -= 2;
    opt.threads = 1;
    static const char delims[] = {0, ',', ';', '\t'};
    opt.delimiter = delims[a & 3];
    unsigned step = a >> 2 & 3;
    opt.step = step == 3 ? JM_STEP_ACTIVITY : (jm_step_mode)step;
    threads = step == 3;
    block = 16 + (b >> 2 & 0x3f);
    if (a & 0x10)
        opt.split_gap_ms = 3600 * 1000;
    /* A zone costs a transition table per log: one input in four has one. */
    unsigned tf = a >> 5;
    /* A pattern of the table (its own parser), strptime proper, and Excel serial days. */
    if (tf == 4)
        opt.time_format = "%d/%m/%Y %H:%M";
    else if (tf == 5)
        opt.time_format = "%d/%m/%y %H:%M";
    else if (tf == 7)
        opt.time_format = "excel";
    if (tf >= 6)
        opt.tz = "Europe/Berlin";
    if (b & 1)
        opt.collapse_loops = 1 + (a >> 4 & 1);
    opt.top = (b >> 1) & 3;
    if (b & 0x08)
        opt.field_limit = 8;
    if (b & 0x10)
        opt.max_rejects = 2;
    if (b & 0x20) {
        opt.map_steps_pct = 50;
        opt.map_edges_pct = 30;
        opt.long_wait_ms = 60 * 1000;
    }
    if (b & 0x40) {
        opt.column[JM_ROLE_CASE] = "c";
        opt.column[JM_ROLE_CHANNEL] = "ch";
        named = true;
    }
    if (b & 0x80)
        files = 2;
#endif
    if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
        abort();
    result one;
    run(&opt, files, named, &one);
    if (threads) {
        /* Tiny blocks, so that even a small input is split between the threads (plain files;
         * gzip is read by the streaming reader). */
        result two;
        opt.threads = 2;
        opt.block_bytes = block;
        run(&opt, files, named, &two);
        if (two.status != one.status || two.rejects != one.rejects ||
            two.reject_hash != one.reject_hash ||
            strcmp(two.error ? two.error : "", one.error ? one.error : "") != 0)
            die("threads", "1 thread: %s '%s', %llu rejects; 2 threads: %s '%s', %llu rejects",
                jm_status_name(one.status), one.error ? one.error : "",
                (unsigned long long)one.rejects, jm_status_name(two.status),
                two.error ? two.error : "", (unsigned long long)two.rejects);
        for (size_t w = 0; w < NWRITERS; w++)
            if (two.len[w] != one.len[w] ||
                (one.len[w] && memcmp(two.out[w], one.out[w], one.len[w]) != 0))
                die("threads", "%s differs between 1 and 2 threads", writers[w].what);
        result_free(&two);
    }
    result_free(&one);
    return 0;
}
