/* SPDX-License-Identifier: MIT */
/* Batches: the rows of one stretch of a file turned into events with ids of their own, then
 * merged into the log in file order, so that threads can read stretches side by side. */
#include "batch.h"
#include "store.h"
#include "buckets.h"
#include "roles.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The bytes after the activity and channel in a kind key (see jm__batch.kinds). */
#define KIND_TAIL 5

/* Slots of the memo of kinds (see jm__batch.seen_fp). */
#define SEEN_SLOTS 256

/* A rejected row, kept until the merge hands it on in file order. */
typedef struct rejection {
    uint64_t line;
    jm_reject_reason reason;
    size_t detail; /* offset of its NUL-terminated detail in text */
    size_t nfields;
    size_t field; /* index of its first field in foff/flen, when rows are kept */
} rejection;

struct jm__batch {
    const jm__file *file;
    jm__intern *cases; /* this batch's own ids */
    /* The activity and channel of a row, looked up together (one hash, one probe): the key is
     * the activity's bytes, the channel's, then KIND_TAIL bytes: the activity's length (4) and
     * whether there is a channel (1). Events hold the pair's id in act until the merge. */
    jm__intern *kinds;
    /* A log holds few kinds, and most rows repeat one seen a few rows before: a memo by a
     * fingerprint of the activity's and channel's ends finds it with neither the hash of the
     * whole key nor a probe. Its bytes are compared in full, so fingerprints that collide only
     * cost a lookup. Entries are kind id + 1; 0 is empty. */
    uint64_t seen_fp[SEEN_SLOTS];
    uint32_t seen_id[SEEN_SLOTS];
    char *key;
    size_t key_cap;
    jm__event *ev;
    size_t nev, cap;
    jm__long_end *long_end; /* ev: index in this batch */
    size_t nlong, long_cap;
    uint64_t rows;
    uint64_t lc_rows[JM_LC_COUNT]; /* rows by lifecycle transition (see lifecycle_code) */
    rejection *rej;
    size_t nrej, rej_cap;
    char *text; /* details and kept fields, back to back */
    size_t ntext, text_cap;
    size_t *foff, *flen;
    size_t nf, f_cap;
    jm__time_memo memo; /* the last date parsed */
    uint64_t key_hash; /* the hash of the case field of row key_row (see jm__batch_key) */
    uint64_t key_row;
    uint64_t not_utf8_line; /* the first line whose activity or channel is not UTF-8, or 0 */
    uint32_t *map; /* scratch for the merge */
    size_t map_cap;
};

/* ---- The file's header ---- */

jm_status jm__file_header(jm__file *f, const jm__row *row)
{
    jm_log *log = f->log;
    char *err = NULL;
    jm_status st = jm__roles_find(row->n, row->f, row->len, log->opt->column, f->col, &err);
    if (st != JM_OK) {
        jm__log_set_error(log,
                          jm__strdupf("%s:%llu: %s", f->name, (unsigned long long)row->line, err));
        free(err);
        return st;
    }
    if (log->opt->step != JM_STEP_ACTIVITY && f->col[JM_ROLE_CHANNEL] == JM_NO_COLUMN) {
        jm__log_set_error(log,
                          jm__strdupf("%s:%llu: --step needs a channel column and none was found "
                                      "(name it with --channel)",
                                      f->name, (unsigned long long)row->line));
        return JM_EINPUT;
    }
    f->nheader = row->n;
    f->header = jm__xcalloc(row->n, sizeof *f->header);
    f->header_len = jm__xcalloc(row->n, sizeof *f->header_len);
    for (size_t i = 0; i < row->n; i++) {
        f->header[i] = jm__xmemdup(row->f[i], row->len[i]);
        f->header_len[i] = row->len[i];
    }
    if (log->stats.files == 1) {
        for (int r = 0; r < JM_ROLE_COUNT; r++)
            if (f->col[r] != JM_NO_COLUMN)
                log->column[r] = jm__xmemdup(row->f[f->col[r]], row->len[f->col[r]]);
    }
    if (!log->opt->reject_rows) {
        /* Only the columns the analyses read are copied from here on (customer and resource
         * are found and reported, not read). Other columns are still counted and measured, so
         * field counts and the field limit are checked on every column. */
        f->keep = jm__xcalloc(row->n, sizeof *f->keep);
        static const jm_role used[] = {JM_ROLE_CASE,  JM_ROLE_ACTIVITY, JM_ROLE_START,
                                       JM_ROLE_END,   JM_ROLE_CHANNEL,  JM_ROLE_LIFECYCLE};
        for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
            if (f->col[used[i]] != JM_NO_COLUMN)
                f->keep[f->col[used[i]]] = true;
        f->copt.keep = f->keep;
        f->copt.nkeep = row->n;
        /* One more than the header: enough to tell a record is too long, not to store it. */
        f->copt.max_fields = row->n + 1;
    }
    log->has_end |= f->col[JM_ROLE_END] != JM_NO_COLUMN;
    log->has_channel |= f->col[JM_ROLE_CHANNEL] != JM_NO_COLUMN;
    log->has_lifecycle |= f->col[JM_ROLE_LIFECYCLE] != JM_NO_COLUMN;
    f->have_header = true;
    return JM_OK;
}

void jm__file_split_fallback(jm__file *f)
{
    f->log->stats.split_fallbacks++;
}

void jm__file_clear(jm__file *f)
{
    for (size_t i = 0; i < f->nheader; i++)
        free(f->header[i]);
    free(f->header);
    free(f->header_len);
    free(f->keep);
}

/* ---- Rows into a batch ---- */

jm__batch *jm__batch_new(const jm__file *f)
{
    jm__batch *b = jm__xcalloc(1, sizeof *b);
    b->file = f;
    b->cases = jm__intern_new();
    b->kinds = jm__intern_new();
    b->memo = JM_TIME_MEMO;
    return b;
}

void jm__batch_free(jm__batch *b)
{
    if (b == NULL)
        return;
    jm__intern_free(b->cases);
    jm__intern_free(b->kinds);
    free(b->key);
    free(b->ev);
    free(b->long_end);
    free(b->rej);
    free(b->text);
    free(b->foff);
    free(b->flen);
    free(b->map);
    free(b);
}

size_t jm__batch_rows(const jm__batch *b)
{
    return b->rows;
}

size_t jm__batch_rejections(const jm__batch *b)
{
    return b->nrej;
}

void jm__batch_key(void *batch, const char *s, size_t n)
{
    jm__batch *b = batch;
    b->key_hash = jm__hash(s, n);
    b->key_row = b->rows + 1; /* jm__batch_row counts the row first */
    jm__intern_prefetch(b->cases, b->key_hash);
}

static size_t put_text(jm__batch *b, const char *s, size_t n)
{
    jm__grow((void **)&b->text, &b->text_cap, b->ntext + n + 1, 1);
    size_t at = b->ntext;
    memcpy(b->text + at, s, n);
    b->text[at + n] = '\0';
    b->ntext += n + 1;
    return at;
}

static jm_status reject(jm__batch *b, const jm__row *row, jm_reject_reason why, const char *detail)
{
    jm__grow((void **)&b->rej, &b->rej_cap, b->nrej + 1, sizeof *b->rej);
    rejection *r = &b->rej[b->nrej++];
    *r = (rejection){row->line, why, put_text(b, detail, strlen(detail)), row->n, b->nf};
    if (b->file->log->opt->reject_rows) {
        size_t cap = b->f_cap;
        jm__grow((void **)&b->foff, &cap, b->nf + row->n, sizeof *b->foff);
        b->flen = jm__xrealloc(b->flen, cap * sizeof *b->flen);
        b->f_cap = cap;
        for (size_t i = 0; i < row->n; i++) {
            b->foff[b->nf + i] = put_text(b, row->f[i], row->len[i]);
            b->flen[b->nf + i] = row->len[i];
        }
        b->nf += row->n;
    }
    return JM_OK;
}

/* A field's bytes for a message: at most 40, control bytes shown as '?'. */
static void snippet(char *out, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 40; i++)
        out[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (n > 40) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* The first and last bytes of a string (up to 8 each) and its length, mixed. */
static inline uint64_t ends_of(const char *s, size_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        a = x;
        b = y;
    } else if (n > 0) {
        a = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
            (uint64_t)(unsigned char)s[n - 1] << 16;
    }
    return (a ^ (uint64_t)n << 56) * 0x9e3779b97f4a7c15ULL ^ (b * 0xc2b2ae3d27d4eb4fULL);
}

/* Byte equality of n bytes, eight at a time without a library call up to 32. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 32)
        return memcmp(a, b, n) == 0;
    uint64_t x, y;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return false;
    }
    if (i < n && n >= 8) {
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    for (; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* A kind new to the batch, first seen at line: are its names UTF-8? Checked only here, when a
 * name is first interned in a batch, so the rows pay nothing; the first line of a file whose
 * activity or channel is not UTF-8 is still found, as batches are merged in file order. */
static void check_utf8(jm__batch *b, uint64_t line, const char *act, size_t na, const char *ch,
                       size_t nc)
{
    if (b->not_utf8_line == 0 && (!jm__utf8_valid(act, na) || !jm__utf8_valid(ch, nc)))
        b->not_utf8_line = line;
}

/* The batch's id of the kind (activity act of na bytes, channel ch of nc) of the row at line,
 * added if new. */
static uint32_t kind_id(jm__batch *b, uint64_t line, const char *act, size_t na, const char *ch,
                        size_t nc)
{
    uint64_t fp = ends_of(act, na) ^ ends_of(ch, nc) * 0xff51afd7ed558ccdULL;
    size_t slot = (size_t)(fp >> 56) % SEEN_SLOTS;
    if (b->seen_id[slot] != 0 && b->seen_fp[slot] == fp) {
        uint32_t id = b->seen_id[slot] - 1;
        size_t len;
        const char *k = jm__intern_str(b->kinds, id, &len);
        uint32_t ka;
        memcpy(&ka, k + len - KIND_TAIL, 4);
        if (len == na + nc + KIND_TAIL && ka == na && same_bytes(k, act, na) &&
            same_bytes(k + na, ch, nc))
            return id;
    }
    jm__grow((void **)&b->key, &b->key_cap, na + nc + KIND_TAIL, 1);
    memcpy(b->key, act, na);
    memcpy(b->key + na, nc > 0 ? ch : "", nc);
    uint32_t na32 = (uint32_t)na;
    memcpy(b->key + na + nc, &na32, 4);
    b->key[na + nc + 4] = nc > 0; /* an empty channel is an unknown one */
    uint32_t known = jm__intern_count(b->kinds);
    uint32_t id = jm__intern_id(b->kinds, b->key, na + nc + KIND_TAIL);
    if (id == known)
        check_utf8(b, line, act, na, ch, nc);
    b->seen_fp[slot] = fp;
    b->seen_id[slot] = id + 1;
    return id;
}

/* A lifecycle value's transition, compared ignoring case. */
static jm_lc_value lc_value(const char *s, size_t n)
{
    static const char *const names[] = {
#define JM_XX(name, value) value,
        JM_LC_MAP(JM_XX)
#undef JM_XX
    };
    for (int v = 0; v < JM_LC_OUTSIDE; v++)
        if (strlen(names[v]) == n && strncasecmp(names[v], s, n) == 0)
            return (jm_lc_value)v;
    return JM_LC_OUTSIDE;
}

jm_status jm__batch_row(void *batch, const jm__row *row)
{
    jm__batch *b = batch;
    const jm__file *f = b->file;
    const jm_options *opt = f->log->opt;
    b->rows++;
    char detail[160], snip[48];
    if (row->too_long) {
        snprintf(detail, sizeof detail, "field %zu is %zu bytes, over the limit of %zu",
                 row->too_long, row->too_long_len, opt->field_limit);
        return reject(b, row, JM_REJECT_FIELD_TOO_LONG, detail);
    }
    if (row->n != f->nheader) {
        snprintf(detail, sizeof detail, "%zu fields, header has %zu", row->n, f->nheader);
        return reject(b, row, JM_REJECT_FIELD_COUNT, detail);
    }
    const size_t *c = f->col;
    if (row->len[c[JM_ROLE_CASE]] == 0)
        return reject(b, row, JM_REJECT_EMPTY_CASE, "empty case id");
    if (row->len[c[JM_ROLE_ACTIVITY]] == 0)
        return reject(b, row, JM_REJECT_EMPTY_ACTIVITY, "empty activity");
    jm__event e;
    int64_t end;
    size_t si = c[JM_ROLE_START];
    if (!jm__time_parse_memo(f->log->tf, &b->memo, row->f[si], row->len[si], &e.start)) {
        snippet(snip, row->f[si], row->len[si]);
        snprintf(detail, sizeof detail, "start time '%s' does not parse", snip);
        return reject(b, row, JM_REJECT_BAD_START, detail);
    }
    end = e.start;
    size_t ei = c[JM_ROLE_END];
    if (ei != JM_NO_COLUMN && row->len[ei] > 0) {
        if (!jm__time_parse_memo(f->log->tf, &b->memo, row->f[ei], row->len[ei], &end)) {
            snippet(snip, row->f[ei], row->len[ei]);
            snprintf(detail, sizeof detail, "end time '%s' does not parse", snip);
            return reject(b, row, JM_REJECT_BAD_END, detail);
        }
        if (end < e.start) {
            snprintf(detail, sizeof detail, "end is %.3f s before start",
                     (double)(e.start - end) / 1000.0);
            return reject(b, row, JM_REJECT_END_BEFORE_START, detail);
        }
    }
    const char *cas = row->f[c[JM_ROLE_CASE]];
    size_t ncas = row->len[c[JM_ROLE_CASE]];
    e.cas = jm__intern_id_hashed(b->cases, cas, ncas,
                                 b->key_row == b->rows ? b->key_hash : jm__hash(cas, ncas));
    size_t ai = c[JM_ROLE_ACTIVITY], ci = c[JM_ROLE_CHANNEL];
    size_t na = row->len[ai], nc = ci == JM_NO_COLUMN ? 0 : row->len[ci];
    if (na > UINT32_MAX)
        jm__die("activity of %zu bytes", na);
    e.act = kind_id(b, row->line, row->f[ai], na, nc > 0 ? row->f[ci] : "", nc);
    e.chan = 0;
    size_t li = c[JM_ROLE_LIFECYCLE];
    if (li != JM_NO_COLUMN && ei == JM_NO_COLUMN && row->len[li] > 0) {
        /* No end column, so the duration is 0: it carries the transition instead, for the
         * report to pair starts with completes (jm__lifecycle_code). */
        jm_lc_value v = lc_value(row->f[li], row->len[li]);
        b->lc_rows[v]++;
        end = e.start + jm__lifecycle_code(v);
    }
    if ((uint64_t)(end - e.start) >= JM_DUR_LONG) {
        e.dur = JM_DUR_LONG;
        jm__grow((void **)&b->long_end, &b->long_cap, b->nlong + 1, sizeof *b->long_end);
        b->long_end[b->nlong++] = (jm__long_end){(uint32_t)b->nev, end};
    } else {
        e.dur = (uint32_t)(end - e.start);
    }
    if (b->nev == b->cap)
        jm__grow((void **)&b->ev, &b->cap, b->nev + 1, sizeof *b->ev);
    b->ev[b->nev++] = e;
    return JM_OK;
}

void jm__batch_clear(jm__batch *b)
{
    jm__intern_clear(b->cases);
    jm__intern_clear(b->kinds);
    memset(b->seen_id, 0, sizeof b->seen_id);
    b->nev = b->nlong = b->nrej = b->ntext = b->nf = 0;
    memset(b->lc_rows, 0, sizeof b->lc_rows);
    b->rows = 0;
    b->key_row = 0;
    b->not_utf8_line = 0;
}

/* ---- Merging into the log ---- */

jm_status jm__batch_merge(jm__batch *b, uint64_t blank_lines)
{
    const jm__file *f = b->file;
    jm_log *log = f->log;
    const jm_options *opt = log->opt;
    jm_status st = JM_OK;

    /* Rejections first, in line order, with the rows they interleave: a batch's rejections
     * and events are each in file order, and nothing downstream depends on their mix. */
    for (size_t i = 0; i < b->nrej && st == JM_OK; i++) {
        const rejection *r = &b->rej[i];
        log->stats.rejected++;
        log->stats.rejected_by_reason[r->reason]++;
        if (opt->on_reject) {
            const char **fields = NULL;
            if (opt->reject_rows) {
                fields = jm__xmalloc((r->nfields ? r->nfields : 1) * sizeof *fields);
                for (size_t k = 0; k < r->nfields; k++)
                    fields[k] = b->text + b->foff[r->field + k];
            }
            jm_reject rj = {
                .file = f->name,
                .line = r->line,
                .reason = r->reason,
                .detail = b->text + r->detail,
                .nfields = r->nfields,
                .fields = fields,
                .lens = opt->reject_rows ? b->flen + r->field : NULL,
                .nheader = f->nheader,
                .header = (const char *const *)f->header,
                .header_lens = f->header_len,
                .delimiter = f->delim,
                .made_rows = f->made_rows,
            };
            opt->on_reject(opt->on_reject_data, &rj);
            free(fields);
        }
        if (log->stats.rejected > opt->max_rejects) {
            jm__log_set_error(log,
                              jm__strdupf("%s:%llu: more than %llu rows rejected (--max-rejects)",
                                          f->name, (unsigned long long)r->line,
                                          (unsigned long long)opt->max_rejects));
            st = JM_EREJECTS;
        }
    }

    size_t nc = jm__intern_count(b->cases), nk = jm__intern_count(b->kinds);
    jm__grow((void **)&b->map, &b->map_cap, 2 * nc + 2 * nk + 1, sizeof *b->map);
    /* Each case of the batch becomes an entry of the bucket its id's hash names: which entries
     * are the same case is found bucket by bucket, when journeys are rebuilt (buckets.h). */
    uint32_t *mc = b->map, *mb = b->map + nc;
    for (size_t k = 0; k < nc; k++) {
        size_t len;
        const char *id = jm__intern_str(b->cases, (uint32_t)k, &len);
        mb[k] = jm__bucket_of(jm__intern_hash_hi(b->cases, (uint32_t)k));
        mc[k] = jm__buckets_add_case(log->events, mb[k], id, len);
    }
    uint32_t *ma = b->map + 2 * nc, *mh = b->map + 2 * nc + nk;
    for (size_t k = 0; k < nk; k++) {
        size_t len;
        const char *key = jm__intern_str(b->kinds, (uint32_t)k, &len);
        uint32_t na;
        memcpy(&na, key + len - KIND_TAIL, 4);
        size_t nchan = len - KIND_TAIL - na;
        ma[k] = jm__intern_id(log->acts, key, na);
        mh[k] = key[len - 1] ? jm__intern_id(log->chans, key + na, nchan) : JM_NO_CHANNEL;
    }
    if (log->events->n + b->nev > UINT32_MAX)
        jm__die("more than 4 billion events");
    /* Each event goes to the bucket of its case; the long ends, in event order, go along. */
    size_t l = 0;
    for (size_t i = 0; i < b->nev; i++) {
        jm__event e = b->ev[i];
        int64_t end = 0;
        if (e.dur == JM_DUR_LONG)
            end = b->long_end[l++].end;
        unsigned bucket = mb[e.cas];
        e.cas = mc[e.cas];
        e.chan = mh[e.act];
        e.act = ma[e.act];
        jm__buckets_add(log->events, bucket, &e, end);
    }
    log->stats.events += b->nev;
    log->stats.rows += b->rows;
    log->stats.blank_lines += blank_lines;
    for (int v = 0; v < JM_LC_COUNT; v++)
        log->stats.lifecycle_rows[v] += b->lc_rows[v];
    if (b->not_utf8_line != 0)
        jm__log_notice(log, JM__NOTICE_NOT_UTF8, f->name, b->not_utf8_line,
                       "bytes that are not UTF-8 (Windows-1252?); names keep those bytes; "
                       "--encoding WINDOWS-1252 converts them");

    jm__batch_clear(b);
    if (st == JM_OK)
        st = jm__log_bound(log);
    return st;
}
