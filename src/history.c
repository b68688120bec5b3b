/* SPDX-License-Identifier: MIT */
/* The history database (--history, SPEC §8, docs/history.md): each run's figures appended to
 * SQLite in one transaction, and read back as a trend or as a report for jmine diff. */
#include "report.h"
#include "state.h"
#include "util.h"
#include "write/json.h"
#include "write/writer.h"

#include <glib.h>
#include <sqlite3.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* 'jmin': PRAGMA application_id of a history database, so that another SQLite file is told
 * apart from an empty history. */
#define APP_ID 0x6A6D696E
/* PRAGMA user_version of the schema written here. */
#define SCHEMA_VERSION 2
/* How long a writer waits for another's transaction (two nightly jobs at once). */
#define BUSY_MS 120000

/* The schema of version 2 (docs/history.md). Version 1 lacked runs.privacy and run_channels:
 * upgrade() adds them in place. */
static const char schema_v2[] =
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  started_at TEXT NOT NULL,\n"
    "  finished_at TEXT NOT NULL,\n"
    "  version TEXT NOT NULL,\n"
    "  command TEXT NOT NULL,\n"
    "  options TEXT NOT NULL,\n"
    "  inputs_key TEXT,\n"
    "  journeys INTEGER NOT NULL,\n"
    "  privacy TEXT\n"
    ");\n"
    "CREATE INDEX runs_by_inputs ON runs (inputs_key, options);\n"
    "CREATE TABLE run_inputs (run INTEGER NOT NULL, position INTEGER NOT NULL, path TEXT NOT NULL,\n"
    "  size INTEGER, sha256 TEXT, PRIMARY KEY (run, position));\n"
    "CREATE TABLE run_kpis (run INTEGER NOT NULL, name TEXT NOT NULL, value,\n"
    "  PRIMARY KEY (run, name));\n"
    "CREATE TABLE run_variants (run INTEGER NOT NULL, id TEXT NOT NULL, rank INTEGER NOT NULL,\n"
    "  steps TEXT NOT NULL, count INTEGER NOT NULL, share REAL NOT NULL,\n"
    "  median_duration_s REAL, mean_duration_s REAL, PRIMARY KEY (run, id));\n"
    "CREATE TABLE run_transitions (run INTEGER NOT NULL, from_step TEXT NOT NULL,\n"
    "  to_step TEXT NOT NULL, count INTEGER NOT NULL, median_s REAL, p90_s REAL, max_s REAL,\n"
    "  total_s REAL, long_waits INTEGER, PRIMARY KEY (run, from_step, to_step));\n"
    "CREATE TABLE run_steps (run INTEGER NOT NULL, step TEXT NOT NULL, events INTEGER NOT NULL,\n"
    "  journeys INTEGER NOT NULL, self_loops INTEGER NOT NULL, repetitions INTEGER NOT NULL,\n"
    "  PRIMARY KEY (run, step));\n"
    "CREATE TABLE run_channels (run INTEGER NOT NULL, from_channel TEXT NOT NULL,\n"
    "  to_channel TEXT NOT NULL, count INTEGER NOT NULL, journeys INTEGER NOT NULL,\n"
    "  median_wait_s REAL, PRIMARY KEY (run, from_channel, to_channel));\n";

/* The tables holding a run's rows, by the column naming the run. */
static const char *const run_tables[] = {"run_inputs",      "run_kpis",  "run_variants",
                                         "run_transitions", "run_steps", "run_channels"};

/* ---- SQLite, briefly -------------------------------------------------------- */

static char *sql_err(sqlite3 *db, const char *path, const char *what)
{
    int code = sqlite3_errcode(db);
    if (code == SQLITE_NOTADB)
        return jm__strdupf("%s: not a jmine history database (not SQLite)", path);
    return jm__strdupf("%s: %s: %s", path, what, sqlite3_errmsg(db));
}

static bool exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* exec, tried again while the database is busy, for up to the busy timeout: SQLite answers
 * SQLITE_BUSY without waiting in a few cases (another connection turning a new file to WAL,
 * or recovering its WAL), which would fail one of several jobs that start at once. */
static bool exec_busy(sqlite3 *db, const char *sql)
{
    for (int waited = 0;; waited += 10) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return true;
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            return false;
        if (waited >= BUSY_MS)
            return false;
        g_usleep(10 * 1000);
    }
}

/* A single integer from sql (0 if it gives no row); false on an error. */
static bool int_of(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static sqlite3 *db_open(const char *path, bool write, char **err)
{
    sqlite3 *db = NULL;
    int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (!write) {
        struct stat sb;
        if (stat(path, &sb) != 0) {
            *err = jm__strdupf("%s: cannot open history database: %s", path, strerror(errno));
            return NULL;
        }
    }
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        *err = jm__strdupf("%s: cannot open history database: %s", path,
                           db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    return db;
}

/* Check what the database holds: a history of a schema this jmine reads (or, when writing,
 * an empty database, which gets the schema; when check_only, an empty database passes).
 * Inside the write transaction when writing.
 * Returns the schema version, or 0 with *err set. */
static int schema_check(sqlite3 *db, const char *path, bool write, bool check_only, char **err)
{
    /* One statement, so one snapshot: read one by one, outside a transaction, the three could
     * straddle another writer's commit of a new history (its tables, but not yet its ids). */
    int64_t version = 0, app = 0, tables = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT user_version FROM pragma_user_version), "
                                "(SELECT application_id FROM pragma_application_id), "
                                "(SELECT count(*) FROM sqlite_master)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        version = sqlite3_column_int64(st, 0);
        app = sqlite3_column_int64(st, 1);
        tables = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        *err = sql_err(db, path, "cannot read");
        return 0;
    }
    if (tables == 0 && version == 0 && app == 0) {
        if (check_only)
            return SCHEMA_VERSION; /* empty: the run will create the tables */
        if (!write) {
            *err = jm__strdupf("%s: an empty history database (no runs)", path);
            return 0;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", APP_ID);
        if (!exec(db, schema_v2) || !exec(db, sql) ||
            !exec(db, "PRAGMA user_version = " G_STRINGIFY(SCHEMA_VERSION))) {
            *err = sql_err(db, path, "cannot create the history's tables");
            return 0;
        }
        return SCHEMA_VERSION;
    }
    if (app != APP_ID) {
        *err = jm__strdupf("%s: a SQLite database, but not a jmine history (its application_id "
                           "is not jmine's)",
                           path);
        return 0;
    }
    if (version < 1 || version > SCHEMA_VERSION) {
        *err = jm__strdupf("%s: history schema version %" PRId64 ", and this jmine reads 1 to %d%s",
                           path, version, SCHEMA_VERSION,
                           version > SCHEMA_VERSION ? " (written by a newer jmine)" : "");
        return 0;
    }
    return (int)version;
}

/* Upgrade a history of an older schema in place, inside the write transaction. */
static bool upgrade(sqlite3 *db, int version)
{
    if (version == 1) {
        /* Version 2: the privacy policy of each run, and the channel-switch matrix. */
        if (!exec(db, "ALTER TABLE runs ADD COLUMN privacy TEXT;"
                      "CREATE TABLE run_channels (run INTEGER NOT NULL, from_channel TEXT NOT "
                      "NULL, to_channel TEXT NOT NULL, count INTEGER NOT NULL, journeys INTEGER "
                      "NOT NULL, median_wait_s REAL, PRIMARY KEY (run, from_channel, "
                      "to_channel));"
                      "PRAGMA user_version = 2;"))
            return false;
        version = 2;
    }
    return version == SCHEMA_VERSION;
}

/* ---- Appending a run ------------------------------------------------------------ */

/* An input file's size and SHA-256 (hex into sha, 65 bytes); false for standard input or a
 * file that cannot be read again (its digest is then unknown, and the run never replaces). */
static bool digest_file(const char *path, int64_t *size, char sha[65])
{
    if (strcmp(path, "-") == 0)
        return false;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    unsigned char *buf = jm__xmalloc(1 << 20);
    size_t n;
    int64_t total = 0;
    while ((n = fread(buf, 1, 1 << 20, f)) > 0) {
        g_checksum_update(c, buf, n);
        total += (int64_t)n;
    }
    bool ok = !ferror(f);
    fclose(f);
    free(buf);
    if (ok) {
        snprintf(sha, 65, "%s", g_checksum_get_string(c));
        *size = total;
    }
    g_checksum_free(c);
    return ok;
}

static void rfc3339(int64_t ms, char buf[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A compact JSON text written into memory (open_memstream), for the options and the steps:
 * strings escaped by the JSON writer's rules (always valid UTF-8). */
typedef struct memjson {
    char *buf;
    size_t len;
    FILE *f;
    bool first;
} memjson;

static void mj_open(memjson *m, char open)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    if (m->f == NULL)
        jm__die("out of memory");
    fputc(open, m->f);
    m->first = true;
}

/* A member: "key": (key NULL in an array). */
static void mj_key(memjson *m, const char *key)
{
    if (!m->first)
        fputc(',', m->f);
    m->first = false;
    if (key != NULL) {
        fputc('"', m->f);
        jm__json_escape(m->f, key, strlen(key));
        fputs("\":", m->f);
    }
}

static void mj_str(memjson *m, const char *key, const char *s, size_t n)
{
    mj_key(m, key);
    fputc('"', m->f);
    jm__json_escape(m->f, s, n);
    fputc('"', m->f);
}

/* Close with `close` and return the text (the caller frees it). */
static char *mj_close(memjson *m, char close)
{
    fputc(close, m->f);
    fclose(m->f);
    return m->buf;
}

typedef struct appender {
    sqlite3 *db;
    int64_t run;
    bool ok;
    /* Statements prepared once, by their SQL text (literals: compared by address). */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[16];
    size_t ncache;
    bool cache_off; /* SQL built at run time (freed after): never cached by its address */
} appender;

/* The prepared statement of sql, from the cache (reset, bindings cleared) or prepared now. */
static sqlite3_stmt *prepared(appender *a, const char *sql)
{
    for (size_t i = 0; i < a->ncache; i++)
        if (a->cache[i].sql == sql) {
            sqlite3_reset(a->cache[i].st);
            sqlite3_clear_bindings(a->cache[i].st);
            return a->cache[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (a->cache_off == false && a->ncache < sizeof a->cache / sizeof a->cache[0]) {
        a->cache[a->ncache].sql = sql;
        a->cache[a->ncache++].st = st;
    }
    return st;
}

static void release(appender *a, sqlite3_stmt *st)
{
    for (size_t i = 0; i < a->ncache; i++)
        if (a->cache[i].st == st)
            return;
    sqlite3_finalize(st);
}

/* Prepare sql, bind the run as ?1, then the given values, step once. Values: 'i' int64,
 * 'r' double, 's' NUL-terminated text, 'b' bytes (const char *, size_t) as text, 'n' null,
 * 'm' a model value (UINT bound as an integer, MS as seconds, RATIO as a double, else null). */
static void row(appender *a, const char *sql, const char *types, ...)
{
    if (!a->ok)
        return;
    sqlite3_stmt *st = prepared(a, sql);
    if (st == NULL) {
        a->ok = false;
        return;
    }
    sqlite3_bind_int64(st, 1, a->run);
    char buf[32];
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        int k = i + 2;
        switch (types[i]) {
        case 'i': sqlite3_bind_int64(st, k, va_arg(ap, int64_t)); break;
        case 'r': sqlite3_bind_double(st, k, va_arg(ap, double)); break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                sqlite3_bind_null(st, k);
            else
                sqlite3_bind_text(st, k, s, -1, SQLITE_TRANSIENT);
            break;
        }
        case 'b': {
            const char *s = va_arg(ap, const char *);
            size_t n = va_arg(ap, size_t);
            sqlite3_bind_text(st, k, s, (int)n, SQLITE_TRANSIENT);
            break;
        }
        case 'm': {
            const jm__mval *v = va_arg(ap, const jm__mval *);
            if (v == NULL)
                sqlite3_bind_null(st, k);
            else if (v->type == JM__M_UINT)
                sqlite3_bind_int64(st, k, (int64_t)v->v.u);
            else if (v->type == JM__M_MS)
                sqlite3_bind_double(st, k, (double)v->v.ms / 1000.0);
            else if (v->type == JM__M_RATIO) /* as the JSON report writes it: 6 decimals */
                sqlite3_bind_double(st, k,
                                    strtod(jm__fmt_ratio(buf, v->v.ratio.num, v->v.ratio.den),
                                           NULL));
            else if (v->type == JM__M_REAL)
                sqlite3_bind_double(st, k, v->v.d);
            else
                sqlite3_bind_null(st, k);
            break;
        }
        default: sqlite3_bind_null(st, k); break;
        }
    }
    va_end(ap);
    a->ok = sqlite3_step(st) == SQLITE_DONE;
    release(a, st);
}

static bool is_number(const jm__mval *v)
{
    return v != NULL && !v->hidden &&
           (v->type == JM__M_UINT || v->type == JM__M_MS || v->type == JM__M_RATIO ||
            v->type == JM__M_REAL);
}

/* Every headline figure: each number reached from the root through objects only (never
 * through a list), named by its path of keys joined by '.'. */
static void kpis(appender *a, const jm__mval *obj, GString *path)
{
    for (const jm__mval *v = obj->v.kids.first; v != NULL && a->ok; v = v->next) {
        if (v->hidden || v->key == NULL)
            continue;
        size_t len = path->len;
        if (len > 0)
            g_string_append_c(path, '.');
        g_string_append(path, v->key);
        if (v->type == JM__M_OBJ)
            kpis(a, v, path);
        else if (is_number(v))
            row(a, "INSERT INTO run_kpis (run, name, value) VALUES (?1, ?2, ?3)", "sm", path->str,
                v);
        g_string_truncate(path, len);
    }
}

static void str_arg(const jm__mval *v, const char **s, size_t *n)
{
    if (v != NULL && v->type == JM__M_STR) {
        *s = v->v.str.s;
        *n = v->v.str.n;
    } else {
        *s = "";
        *n = 0;
    }
}

static void variants(appender *a, const jm__mval *root)
{
    const jm__mval *top = jm__m_at(root, "variants.top");
    for (const jm__mval *v = top ? top->v.kids.first : NULL; v != NULL && a->ok; v = v->next) {
        memjson mj;
        mj_open(&mj, '[');
        const jm__mval *steps = jm__m_get(v, "steps");
        for (const jm__mval *s = steps ? steps->v.kids.first : NULL; s != NULL; s = s->next)
            mj_str(&mj, NULL, s->v.str.s, s->v.str.n);
        char *text = mj_close(&mj, ']');
        const jm__mval *id = jm__m_get(v, "id");
        const char *ids;
        size_t idn;
        str_arg(id, &ids, &idn);
        row(a,
            "INSERT INTO run_variants (run, id, rank, steps, count, share, median_duration_s, "
            "mean_duration_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            "bmsmmmm", ids, idn, jm__m_get(v, "rank"), text, jm__m_get(v, "count"),
            jm__m_get(v, "share"), jm__m_at(v, "duration_s.median"),
            jm__m_at(v, "duration_s.mean"));
        free(text);
    }
}

static void transitions(appender *a, const jm__mval *root)
{
    const jm__mval *arr = jm__m_at(root, "waits.by_transition");
    for (const jm__mval *t = arr ? arr->v.kids.first : NULL; t != NULL && a->ok; t = t->next) {
        const char *f, *to;
        size_t fn, tn;
        str_arg(jm__m_get(t, "from"), &f, &fn);
        str_arg(jm__m_get(t, "to"), &to, &tn);
        row(a,
            "INSERT INTO run_transitions (run, from_step, to_step, count, median_s, p90_s, max_s, "
            "total_s, long_waits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            "bbmmmmmm", f, fn, to, tn, jm__m_get(t, "count"), jm__m_get(t, "median_s"),
            jm__m_get(t, "p90_s"), jm__m_get(t, "max_s"), jm__m_get(t, "total_s"),
            jm__m_get(t, "long_waits"));
    }
}

/* Steps: the map's nodes (events, journeys) joined with loops.by_step by name. */
static void steps(appender *a, const jm__mval *root)
{
    const jm__mval *nodes = jm__m_at(root, "map.nodes"), *loops = jm__m_at(root, "loops.by_step");
    for (const jm__mval *n = nodes ? nodes->v.kids.first : NULL; n != NULL && a->ok; n = n->next) {
        const char *s;
        size_t sn;
        str_arg(jm__m_get(n, "step"), &s, &sn);
        uint64_t self = 0, rep = 0;
        for (const jm__mval *l = loops ? loops->v.kids.first : NULL; l != NULL; l = l->next) {
            const jm__mval *ls = jm__m_get(l, "step");
            if (ls != NULL && ls->type == JM__M_STR && ls->v.str.n == sn &&
                memcmp(ls->v.str.s, s, sn) == 0) {
                self = jm__m_u(jm__m_get(l, "self_loops"));
                rep = jm__m_u(jm__m_get(l, "repetitions"));
                break;
            }
        }
        row(a,
            "INSERT INTO run_steps (run, step, events, journeys, self_loops, repetitions) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6)",
            "bmmii", s, sn, jm__m_get(n, "events"), jm__m_get(n, "journeys"), (int64_t)self,
            (int64_t)rep);
    }
}

static void channels(appender *a, const jm__mval *root)
{
    const jm__mval *arr = jm__m_at(root, "channels.matrix");
    for (const jm__mval *t = arr ? arr->v.kids.first : NULL; t != NULL && a->ok; t = t->next) {
        const char *f, *to;
        size_t fn, tn;
        str_arg(jm__m_get(t, "from"), &f, &fn);
        str_arg(jm__m_get(t, "to"), &to, &tn);
        row(a,
            "INSERT INTO run_channels (run, from_channel, to_channel, count, journeys, "
            "median_wait_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            "bbmmm", f, fn, to, tn, jm__m_get(t, "count"), jm__m_get(t, "journeys"),
            jm__m_get(t, "median_wait_s"));
    }
}

/* The analysis options as a JSON object, by their flags (the state's head), and the privacy
 * policy as another. */
static char *options_json(const jm_report *rep, const jm__mval *root, char **privacy)
{
    jm__state_head own;
    const jm__state_head *h = jm__report_head(rep, &own);
    memjson mj;
    mj_open(&mj, '{');
    for (size_t i = 0; i < JM_STATE_NOPTS; i++)
        mj_str(&mj, jm__state_opt_name(i), h->opt_value[i], strlen(h->opt_value[i]));
    const jm__mval *mj_k = jm__m_at(root, "privacy.min_journeys");
    if (mj_k != NULL) {
        mj_key(&mj, "--min-journeys");
        fprintf(mj.f, "%" PRIu64, jm__m_u(mj_k));
    }
    char *text = mj_close(&mj, '}');
    if (h == &own)
        jm__state_head_free(&own);
    mj_open(&mj, '{');
    const jm__mval *pv = jm__m_get(root, "privacy");
    for (const jm__mval *v = pv ? pv->v.kids.first : NULL; v != NULL; v = v->next) {
        if (v->type == JM__M_BOOL) {
            mj_key(&mj, v->key);
            fputs(v->v.b ? "true" : "false", mj.f);
        } else if (v->type == JM__M_UINT) {
            mj_key(&mj, v->key);
            fprintf(mj.f, "%" PRIu64, v->v.u);
        }
    }
    *privacy = mj_close(&mj, '}');
    return text;
}

jm_status jm_history_append(const jm_report *rep, const char *db_path, const jm_history_run *run,
                            int64_t *run_id, char **err)
{
    *err = NULL;
    if (!jm__report_full_rankings(rep)) {
        *err = jm__xstrdup("the history needs a report made with jm_options.full_rankings");
        return JM_EUSAGE;
    }
    /* The inputs first, outside any lock: hashing a big log takes a while. */
    size_t n = run->ninputs;
    int64_t *sizes = jm__xcalloc(n ? n : 1, sizeof *sizes);
    char (*sha)[65] = jm__xcalloc(n ? n : 1, sizeof *sha);
    bool *known = jm__xcalloc(n ? n : 1, sizeof *known);
    GChecksum *key = g_checksum_new(G_CHECKSUM_SHA256);
    bool all_known = true;
    for (size_t i = 0; i < n; i++) {
        known[i] = digest_file(run->inputs[i], &sizes[i], sha[i]);
        all_known = all_known && known[i];
        if (known[i]) {
            g_checksum_update(key, (const guchar *)sha[i], 64);
            g_checksum_update(key, (const guchar *)"\n", 1);
        }
    }
    char *inputs_key = all_known && n > 0 ? jm__xstrdup(g_checksum_get_string(key)) : NULL;
    g_checksum_free(key);

    jm__model *m = jm__model_new();
    jm__report_full_model(rep, m);
    const jm__mval *root = jm__model_root(m);
    char *privacy = NULL;
    char *options = options_json(rep, root, &privacy);

    jm_status s = JM_EIO;
    appender a = {.db = db_open(db_path, true, err), .ok = true};
    if (a.db == NULL)
        goto done;
    /* WAL: readers never block the writer, and a writer waits for another (busy timeout). The
     * mode is kept in the file; setting it needs no transaction. */
    if (!exec_busy(a.db, "PRAGMA journal_mode = WAL") || !exec_busy(a.db, "BEGIN IMMEDIATE")) {
        *err = sql_err(a.db, db_path, "cannot start a transaction");
        goto done;
    }
    int version = schema_check(a.db, db_path, true, false, err);
    if (version == 0) {
        s = JM_EINPUT;
        exec(a.db, "ROLLBACK");
        goto done;
    }
    if (version < SCHEMA_VERSION && !upgrade(a.db, version)) {
        *err = sql_err(a.db, db_path, "cannot upgrade the history's schema");
        exec(a.db, "ROLLBACK");
        goto done;
    }
    /* A rerun (the same command, input digests and options) replaces its run, under its id. */
    int64_t old = 0;
    if (inputs_key != NULL) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(a.db,
                               "SELECT id FROM runs WHERE inputs_key = ?1 AND options = ?2 AND "
                               "command = ?3 ORDER BY id LIMIT 1",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, inputs_key, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, options, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, run->command, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                old = sqlite3_column_int64(st, 0);
            else if (sqlite3_errcode(a.db) != SQLITE_DONE && sqlite3_errcode(a.db) != SQLITE_OK)
                a.ok = false;
        } else {
            a.ok = false;
        }
        sqlite3_finalize(st);
    }
    if (old != 0) {
        a.run = old;
        a.cache_off = true;
        for (size_t i = 0; i < sizeof run_tables / sizeof run_tables[0]; i++) {
            char *sql = jm__strdupf("DELETE FROM %s WHERE run = ?1", run_tables[i]);
            row(&a, sql, "");
            free(sql);
        }
        a.cache_off = false;
        row(&a, "DELETE FROM runs WHERE id = ?1", "");
    } else {
        int64_t next = 0;
        a.ok = a.ok && int_of(a.db, "SELECT coalesce(max(id), 0) + 1 FROM runs", &next);
        a.run = next;
    }
    char started[32], finished[32];
    rfc3339(run->started_ms, started);
    rfc3339((int64_t)g_get_real_time() / 1000, finished);
    row(&a,
        "INSERT INTO runs (id, started_at, finished_at, version, command, options, inputs_key, "
        "journeys, privacy) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        "ssssssms", started, finished, jm_version(), run->command, options, inputs_key,
        jm__m_at(root, "journeys.count"), privacy);
    for (size_t i = 0; i < n; i++) {
        if (known[i])
            row(&a,
                "INSERT INTO run_inputs (run, position, path, size, sha256) VALUES (?1, ?2, ?3, "
                "?4, ?5)",
                "isis", (int64_t)i, run->inputs[i], sizes[i], sha[i]);
        else
            row(&a, "INSERT INTO run_inputs (run, position, path) VALUES (?1, ?2, ?3)", "is",
                (int64_t)i, run->inputs[i]);
    }
    GString *path = g_string_new(NULL);
    kpis(&a, root, path);
    g_string_free(path, TRUE);
    variants(&a, root);
    transitions(&a, root);
    steps(&a, root);
    channels(&a, root);
    if (!a.ok || !exec(a.db, "COMMIT")) {
        *err = sql_err(a.db, db_path, "cannot write the run");
        exec(a.db, "ROLLBACK");
        goto done;
    }
    if (run_id != NULL)
        *run_id = a.run;
    s = JM_OK;
done:
    for (size_t i = 0; i < a.ncache; i++)
        sqlite3_finalize(a.cache[i].st);
    sqlite3_close(a.db);
    jm__model_free(m);
    free(options);
    free(privacy);
    free(inputs_key);
    free(sizes);
    free(sha);
    free(known);
    return s;
}

jm_status jm_history_check(const char *db_path, char **err)
{
    *err = NULL;
    struct stat sb;
    if (stat(db_path, &sb) != 0 && errno == ENOENT)
        return JM_OK;
    if (stat(db_path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        *err = jm__strdupf("%s: not a regular file (a history is a SQLite database file)",
                           db_path);
        return JM_EINPUT;
    }
    if (stat(db_path, &sb) == 0 && sb.st_size == 0)
        return JM_OK;
    sqlite3 *db = db_open(db_path, false, err);
    if (db == NULL)
        return JM_EINPUT;
    int version = schema_check(db, db_path, false, true, err);
    sqlite3_close(db);
    if (version == 0 && *err == NULL)
        *err = jm__strdupf("%s: not a jmine history database", db_path);
    return version == 0 ? JM_EINPUT : JM_OK;
}

/* ---- Reading runs back ---------------------------------------------------------- */

/* Open a history to read and check its schema. */
static sqlite3 *open_read(const char *path, char **err)
{
    sqlite3 *db = db_open(path, false, err);
    if (db == NULL)
        return NULL;
    if (schema_check(db, path, false, false, err) == 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* The run named by spec: a run id, "last", or "last-K" (the K-th before the last, by id).
 * Returns the id, or 0 with *err set. */
static int64_t find_run(sqlite3 *db, const char *path, const char *spec, char **err)
{
    char *end = NULL;
    int64_t back = -1, id = 0;
    if (strcmp(spec, "last") == 0) {
        back = 0;
    } else if (strncmp(spec, "last-", 5) == 0 && spec[5] >= '0' && spec[5] <= '9') {
        errno = 0;
        back = strtoll(spec + 5, &end, 10);
        if (*end != '\0' || errno != 0 || back < 0)
            back = -2;
    } else if (spec[0] >= '1' && spec[0] <= '9') {
        errno = 0;
        id = strtoll(spec, &end, 10);
        if (*end != '\0' || errno != 0)
            back = -2;
    } else {
        back = -2;
    }
    if (back == -2) {
        *err = jm__strdupf("%s:%s: a run is a number, last or last-K", path, spec);
        return 0;
    }
    sqlite3_stmt *st = NULL;
    int rc = back >= 0 ? sqlite3_prepare_v2(db, "SELECT id FROM runs ORDER BY id DESC LIMIT 1 "
                                                "OFFSET ?1", -1, &st, NULL)
                       : sqlite3_prepare_v2(db, "SELECT id FROM runs WHERE id = ?1", -1, &st,
                                            NULL);
    if (rc != SQLITE_OK) {
        *err = sql_err(db, path, "cannot read runs");
        return 0;
    }
    sqlite3_bind_int64(st, 1, back >= 0 ? back : id);
    int64_t found = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (found == 0) {
        int64_t count = 0;
        int_of(db, "SELECT count(*) FROM runs", &count);
        *err = jm__strdupf("%s:%s: no such run (the history holds %" PRId64 " run%s)", path, spec,
                           count, count == 1 ? "" : "s");
    }
    return found;
}

/* An object member of parent named key (copied into the model), created if missing. */
static jm__mval *obj_at(jm__model *m, jm__mval *parent, const char *key, size_t n)
{
    for (jm__mval *v = parent->v.kids.first; v != NULL; v = v->next)
        if (v->type == JM__M_OBJ && strlen(v->key) == n && memcmp(v->key, key, n) == 0)
            return v;
    return jm__m_obj(m, parent, jm__m_keycopy(m, key, n));
}

/* A column as a model value: an integer as a count, a real as a real, NULL as null. */
static void column_value(jm__model *m, jm__mval *parent, const char *key, sqlite3_stmt *st,
                         int col)
{
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER: {
        int64_t v = sqlite3_column_int64(st, col);
        if (v >= 0)
            jm__m_uint(m, parent, key, (uint64_t)v);
        else
            jm__m_real(m, parent, key, (double)v);
        break;
    }
    case SQLITE_FLOAT: jm__m_real(m, parent, key, sqlite3_column_double(st, col)); break;
    case SQLITE_TEXT:
        jm__m_strcopy(m, parent, key, (const char *)sqlite3_column_text(st, col),
                      (size_t)sqlite3_column_bytes(st, col));
        break;
    default: jm__m_null(m, parent, key); break;
    }
}

/* The KPIs of run id nested by their paths into obj. */
static bool kpis_model(sqlite3 *db, int64_t id, jm__model *m, jm__mval *obj)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name, value FROM run_kpis WHERE run = ?1 ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        jm__mval *parent = obj;
        const char *p = name;
        size_t k;
        while (p[k = strcspn(p, ".")] == '.') {
            parent = obj_at(m, parent, p, k);
            p += k + 1;
        }
        column_value(m, parent, jm__m_keycopy(m, p, strlen(p)), st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
}

/* The run's own row: when, which jmine, which command, as the "history" object. */
static bool run_model(sqlite3 *db, const char *path, int64_t id, jm__model *m, jm__mval *parent)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT started_at, finished_at, version, command FROM runs WHERE id "
                           "= ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, id);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) {
        jm__mval *h = jm__m_obj(m, parent, "history");
        jm__m_strcopy(m, h, "db", path, strlen(path));
        jm__m_uint(m, h, "run", (uint64_t)id);
        column_value(m, h, "started_at", st, 0);
        column_value(m, h, "finished_at", st, 1);
        column_value(m, h, "version", st, 2);
        column_value(m, h, "command", st, 3);
    }
    sqlite3_finalize(st);
    return ok;
}

/* A variant's steps, a JSON array of strings as run_variants keeps it, into arr. */
static bool steps_model(sqlite3 *db, sqlite3_stmt *each, const char *json, jm__model *m,
                        jm__mval *arr)
{
    (void)db;
    sqlite3_reset(each);
    sqlite3_bind_text(each, 1, json, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(each)) == SQLITE_ROW)
        jm__m_strcopy(m, arr, NULL, (const char *)sqlite3_column_text(each, 0),
                      (size_t)sqlite3_column_bytes(each, 0));
    return rc == SQLITE_DONE;
}

/* The rows of one query for run id as an array of objects, one key per column (keys: the
 * column names, or `names` where given). A column named "steps" is a JSON array of names. */
static bool rows_model(sqlite3 *db, const char *sql, int64_t id, const char *const *names,
                       jm__model *m, jm__mval *arr)
{
    sqlite3_stmt *st = NULL, *each = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT value FROM json_each(?1) ORDER BY key", -1, &each,
                           NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return false;
    }
    sqlite3_bind_int64(st, 1, id);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        jm__mval *o = jm__m_obj(m, arr, NULL);
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *name = names ? names[c] : sqlite3_column_name(st, c);
            const char *dot = strchr(name, '.');
            if (strcmp(name, "steps") == 0) {
                ok = steps_model(db, each, (const char *)sqlite3_column_text(st, c), m,
                                 jm__m_arr(m, o, "steps"));
            } else if (dot != NULL) { /* "duration_s.median": one level down */
                jm__mval *sub = obj_at(m, o, name, (size_t)(dot - name));
                column_value(m, sub, dot + 1, st, c);
            } else {
                column_value(m, o, name, st, c);
            }
        }
        /* The row of rows folded by --min-journeys is named "(other)": mark it, as the report
         * does. */
        const jm__mval *n = jm__m_get(o, names && strcmp(names[0], "rank") == 0 ? "id" : names ? names[0] : "");
        if (n != NULL && n->type == JM__M_STR && n->v.str.n == 7 && memcmp(n->v.str.s, "(other)", 7) == 0)
            jm__m_bool(m, o, "other", true);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(each);
    return ok && rc == SQLITE_DONE;
}

static const char *const variant_cols[] = {"rank",  "id",    "count",           "share",
                                           "steps", "duration_s.median", "duration_s.mean"};
static const char *const transition_cols[] = {"from",  "to",    "count",   "median_s",
                                              "p90_s", "max_s", "total_s", "long_waits"};
static const char *const step_cols[] = {"step", "events", "journeys", "self_loops",
                                        "repetitions"};
static const char *const channel_cols[] = {"from", "to", "count", "journeys", "median_wait_s"};

jm_status jm_history_write_run(const char *db_path, const char *run, FILE *out, char **err)
{
    *err = NULL;
    sqlite3 *db = open_read(db_path, err);
    if (db == NULL)
        return JM_EINPUT;
    jm__model *m = jm__model_new();
    jm__mval *root = jm__model_root(m);
    int64_t id = find_run(db, db_path, run, err);
    bool ok = id != 0 && run_model(db, db_path, id, m, root) && kpis_model(db, id, m, root);
    if (ok) {
        ok = rows_model(db,
                        "SELECT rank, id, count, share, steps, median_duration_s, mean_duration_s "
                        "FROM run_variants WHERE run = ?1 ORDER BY rank",
                        id, variant_cols, m, jm__m_arr(m, obj_at(m, root, "variants", 8), "top")) &&
             rows_model(db,
                        "SELECT from_step, to_step, count, median_s, p90_s, max_s, total_s, "
                        "long_waits FROM run_transitions WHERE run = ?1 ORDER BY total_s DESC, "
                        "from_step, to_step",
                        id, transition_cols, m,
                        jm__m_arr(m, obj_at(m, root, "waits", 5), "by_transition")) &&
             rows_model(db,
                        "SELECT step, events, journeys, self_loops, repetitions FROM run_steps "
                        "WHERE run = ?1 ORDER BY events DESC, step",
                        id, step_cols, m, jm__m_arr(m, root, "steps"));
        if (ok && sqlite3_table_column_metadata(db, NULL, "run_channels", "run", NULL, NULL,
                                                NULL, NULL, NULL) == SQLITE_OK)
            ok = rows_model(db,
                            "SELECT from_channel, to_channel, count, journeys, median_wait_s FROM "
                            "run_channels WHERE run = ?1 ORDER BY count DESC, from_channel, "
                            "to_channel",
                            id, channel_cols, m,
                            jm__m_arr(m, obj_at(m, root, "channels", 8), "matrix"));
        if (!ok)
            *err = sql_err(db, db_path, "cannot read the run");
    }
    if (ok)
        jm__json_model(root, out);
    jm__model_free(m);
    sqlite3_close(db);
    if (!ok)
        return JM_EINPUT;
    return ferror(out) ? JM_EIO : JM_OK;
}

/* ---- The trend ------------------------------------------------------------------ */

jm_status jm_history_trend(const char *db_path, size_t last, const char *variant, jm_format fmt,
                           FILE *out, char **err)
{
    *err = NULL;
    jm__writer *write = fmt == JM_FORMAT_JSON   ? jm__json_model
                        : fmt == JM_FORMAT_TEXT ? jm__text_trend
                        : fmt == JM_FORMAT_MD   ? jm__md_trend
                        : fmt == JM_FORMAT_CSV  ? jm__csv_trend
                                                : NULL;
    if (write == NULL)
        return JM_EUSAGE;
    sqlite3 *db = open_read(db_path, err);
    if (db == NULL)
        return JM_EINPUT;
    jm__model *m = jm__model_new();
    jm__mval *tr = jm__m_obj(m, jm__model_root(m), "trend");
    jm__m_strcopy(m, tr, "db", db_path, strlen(db_path));
    sqlite3_stmt *runs = NULL, *var = NULL, *each = NULL;
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT id, started_at FROM (SELECT id, started_at FROM runs "
                                 "ORDER BY id DESC LIMIT ?1) ORDER BY id",
                                 -1, &runs, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db,
                                 "SELECT count, share FROM run_variants WHERE run = ?1 AND id = ?2",
                                 -1, &var, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(db, "SELECT value FROM json_each(?1) ORDER BY key", -1, &each,
                                 NULL) == SQLITE_OK;
    if (ok && variant != NULL) {
        jm__mval *v = jm__m_obj(m, tr, "variant");
        jm__m_strcopy(m, v, "id", variant, strlen(variant));
        sqlite3_stmt *st = NULL;
        ok = sqlite3_prepare_v2(db,
                                "SELECT steps FROM run_variants WHERE id = ?1 ORDER BY run DESC "
                                "LIMIT 1",
                                -1, &st, NULL) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_text(st, 1, variant, -1, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW)
                ok = steps_model(db, each, (const char *)sqlite3_column_text(st, 0), m,
                                 jm__m_arr(m, v, "steps"));
            else if (rc == SQLITE_DONE)
                jm__m_null(m, v, "steps"); /* in none of the runs */
            else
                ok = false;
        }
        sqlite3_finalize(st);
    }
    jm__mval *arr = jm__m_arr(m, tr, "runs");
    if (ok) {
        sqlite3_bind_int64(runs, 1, last > 0 && last < INT64_MAX ? (int64_t)last : -1);
        int rc;
        while (ok && (rc = sqlite3_step(runs)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(runs, 0);
            jm__mval *o = jm__m_obj(m, arr, NULL);
            jm__m_uint(m, o, "run", (uint64_t)id);
            column_value(m, o, "started_at", runs, 1);
            /* kpis{}: every figure by its full name, flat. */
            jm__mval *k = jm__m_obj(m, o, "kpis");
            sqlite3_stmt *st = NULL;
            ok = sqlite3_prepare_v2(db,
                                    "SELECT name, value FROM run_kpis WHERE run = ?1 ORDER BY "
                                    "rowid",
                                    -1, &st, NULL) == SQLITE_OK;
            if (ok) {
                sqlite3_bind_int64(st, 1, id);
                while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                    column_value(m, k,
                                 jm__m_keycopy(m, (const char *)sqlite3_column_text(st, 0),
                                               (size_t)sqlite3_column_bytes(st, 0)),
                                 st, 1);
                ok = rc == SQLITE_DONE;
            }
            sqlite3_finalize(st);
            if (ok && variant != NULL) {
                sqlite3_reset(var);
                sqlite3_bind_int64(var, 1, id);
                sqlite3_bind_text(var, 2, variant, -1, SQLITE_STATIC);
                rc = sqlite3_step(var);
                if (rc == SQLITE_ROW) {
                    column_value(m, o, "count", var, 0);
                    column_value(m, o, "share", var, 1);
                } else {
                    jm__m_uint(m, o, "count", 0);
                    jm__m_real(m, o, "share", 0.0);
                    ok = rc == SQLITE_DONE;
                }
            }
        }
        ok = ok && rc == SQLITE_DONE;
    }
    if (!ok)
        *err = sql_err(db, db_path, "cannot read the runs");
    sqlite3_finalize(runs);
    sqlite3_finalize(var);
    sqlite3_finalize(each);
    sqlite3_close(db);
    if (ok)
        write(jm__model_root(m), out);
    jm__model_free(m);
    if (!ok)
        return JM_EINPUT;
    return ferror(out) ? JM_EIO : JM_OK;
}
