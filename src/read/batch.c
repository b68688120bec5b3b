/* SPDX-License-Identifier: MIT */
/* Batches: the rows of one stretch of a file turned into events with ids of their own, then
 * merged into the log in file order, so that threads can read stretches side by side. */
#include "batch.h"
#include "store.h"
#include "buckets.h"
#include "../route.h"
#include "../pseudo.h"
#include "roles.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The bytes after the activity and channel in a kind key (see jm__batch.kinds). */
#define KIND_TAIL 5

/* Slots of the memo of kinds (see jm__batch.seen). A slot holds the fingerprint, the key's place
 * and the id together: a hit reads the slot and the key's bytes, where separate arrays of
 * fingerprints and ids and the key through the table's entry read four places (perf showed the
 * first two and the key as the memo's misses). 192 KiB a batch. With a resource column the memo
 * holds (activity, channel) pairs, and the resource is found apart (jm__batch.acs): the 5,600
 * (activity, channel, resource) kinds of a 65,536-row batch of the benchmark log missed a
 * third of its rows when the memo held the three together. */
#define SEEN_BITS 13
#define SEEN_SLOTS ((size_t)1 << SEEN_BITS)
/* Slots of the memo of resources (see jm__batch.ress). */
#define RSEEN_BITS 11
#define RSEEN_SLOTS ((size_t)1 << RSEEN_BITS)
/* The most kinds a batch keeps for the next (see jm__batch.kmap). */
#define KINDS_KEPT 65536
/* Cells of jm__batch.grid at most (4 MiB). */
#define GRID_MAX ((size_t)1 << 20)

/* A batch case's bucket when its events go to another process (jmine-mpi: route.h). */
#define ROUTED UINT32_MAX

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
     * cost a lookup. */
    struct seen {
        uint64_t fp;
        const char *key; /* the kind's key in kinds (its bytes never move until a clear) */
        uint32_t len;    /* its length */
        uint32_t id;     /* kind id + 1 */
    } seen[SEEN_SLOTS];
    /* With a resource column a kind is (activity, channel, resource): thousands in a batch,
     * too many for the memo. The memo then finds the (activity, channel) pair in acs (keys as
     * kinds' without a resource), a memo of its own the resource in ress, and a grid of the two
     * ids the kind: kind id + 1 at ac * gcols + resource (0: not met yet). A batch has tens of
     * pairs and hundreds of resources: the grid is a few dozen KiB and stays in the cache,
     * where a hash table of the pairs (16 bytes a slot, 256 KiB) missed it on most rows. A
     * batch whose ids would need a grid over GRID_MAX cells finds the rest of its kinds in
     * kinds itself. */
    jm__intern *acs, *ress;
    struct seen rseen[RSEEN_SLOTS];
    uint32_t *grid;
    size_t grows, gcols;
    char *key;
    size_t key_cap;
    jm__event *ev;
    size_t nev, cap;
    jm__long_end *long_end; /* ev: index in this batch */
    size_t nlong, long_cap;
    uint64_t rows;
    uint64_t filtered; /* rows a --where dropped */
    uint64_t *filtered_by; /* by row filter, the first that dropped each (f->nwhere) */
    uint64_t lc_rows[JM_LC_COUNT]; /* rows by lifecycle transition (see lifecycle_code) */
    uint64_t first_line; /* the line of the batch's first row */
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
    /* With a customer column: the customers as the batch's cases gave them (an instance each
     * time a case gives another customer than its last row did: a case's rows rarely change
     * customer, so a row compares its field with its case's last and adds nothing when they
     * agree; the merge finds each instance in the log's table), their bytes back to back in
     * cbytes; each event's instance (JM_NO_SIDE where the field is empty); the current row's
     * field (row_ncs 0: none) and instance; and by the batch's case id its last instance. */
    struct cust_inst {
        uint64_t off;  /* in cbytes */
        uint64_t hash; /* jm__hash of its bytes */
        uint32_t len;
    } *ci;
    size_t nci, ci_cap;
    char *cbytes;
    size_t ncbytes, cbytes_cap;
    uint32_t *cust;
    size_t cust_cap;
    const char *row_cs;
    size_t row_ncs;
    uint32_t row_cust;
    struct case_cust {
        uint64_t head, tail; /* its first and last 8 bytes, when it has 8 to 16 */
        uint32_t len;        /* UINT32_MAX: none yet */
        uint32_t id;         /* its instance (ci) */
    } *cc;
    size_t ncc, cc_cap;
    const char *row_res; /* the current row's resource, and its length */
    size_t row_nres;
    uint32_t *map; /* scratch for the merge */
    size_t map_cap;
    /* The log's kind of each of the batch's kinds below nkmap. The kinds, and what finds them
     * (memos, grid), are kept from one batch to the next while they number at most KINDS_KEPT:
     * with a resource column a batch meets thousands (463,000 in all on the benchmark log's
     * 93 batches), each looked up again in the log's tables at every merge. */
    uint32_t *kmap;
    size_t kmap_cap, nkmap;
    char *jcase, *jact; /* case and activity values joined from several columns */
    size_t jcase_cap, jact_cap;
};

/* ---- The file's header ---- */

/* --stages and --stages-date found in the header of row. */
static jm_status find_stages(jm__file *f, const jm__row *row, char **err)
{
    const jm_options *opt = f->opt;
    size_t ns = 0;
    jm_status st = jm__stages_parse(opt->stages, &f->spec, &ns, err);
    if (st != JM_OK)
        return st;
    f->nstages = ns;
    f->stages = jm__xcalloc(ns, sizeof *f->stages);
    for (size_t i = 0; i < ns; i++) {
        jm__file_stage *g = &f->stages[i];
        g->name = f->spec[i].name;
        g->len = strlen(g->name);
        g->end = JM_NO_COLUMN;
        st = jm__roles_column(row->n, row->f, row->len, "--stages", f->spec[i].start, &g->start,
                              err);
        if (st == JM_OK && f->spec[i].end != NULL)
            st = jm__roles_column(row->n, row->f, row->len, "--stages", f->spec[i].end, &g->end,
                                  err);
        if (st != JM_OK)
            return st;
    }
    f->stages_date = JM_NO_COLUMN;
    if (opt->stages_date != NULL)
        st = jm__roles_column(row->n, row->f, row->len, "--stages-date", opt->stages_date,
                              &f->stages_date, err);
    return st;
}

/* The name the report gives role r's column(s) in this file (malloc'd), or NULL for none. */
static char *role_name(const jm__file *f, const jm__row *row, jm_role r)
{
    if (f->stages != NULL && r == JM_ROLE_ACTIVITY)
        return jm__xstrdup(f->opt->stages);
    const jm__roles *ro = &f->roles;
    if (f->col[r] == JM_NO_COLUMN)
        return NULL;
    size_t n = 0;
    for (size_t k = 0; k < ro->npart[r]; k++)
        n += row->len[ro->part[r][k]] + 1;
    char *s = jm__xmalloc(n + 1), *p = s;
    for (size_t k = 0; k < ro->npart[r]; k++) {
        if (k > 0)
            *p++ = '+';
        memcpy(p, row->f[ro->part[r][k]], row->len[ro->part[r][k]]);
        p += row->len[ro->part[r][k]];
    }
    *p = '\0';
    return s;
}

/* Several files are one log only when their headers give the same roles (SPEC §1.1): a role
 * this file lacks, or has alone, against the first file's. */
static jm_status same_roles(jm__file *f, const jm__row *row, char *const name[JM_ROLE_COUNT])
{
    jm_log *log = f->log;
    for (int r = 0; r < JM_ROLE_COUNT; r++) {
        if ((name[r] != NULL) == (log->column[r] != NULL))
            continue;
        const char *first = log->files[0];
        const char *tail = "; several files are one log only when their headers give the same "
                           "roles";
        if (name[r] == NULL)
            jm__log_set_error(log, jm__strdupf("%s:%llu: the header has no %s column, but that "
                                               "of %s has (\"%s\")%s",
                                               f->name, (unsigned long long)row->line,
                                               jm_role_key((jm_role)r), first, log->column[r],
                                               tail));
        else
            jm__log_set_error(log, jm__strdupf("%s:%llu: the header has a %s column (\"%s\"), "
                                               "but that of %s has none%s",
                                               f->name, (unsigned long long)row->line,
                                               jm_role_key((jm_role)r), name[r], first, tail));
        return JM_EINPUT;
    }
    return JM_OK;
}

/* --where: each row filter's column found in the header (a name or #N, as for a role flag),
 * and read from here on. */
static jm_status where_columns(jm__file *f, const jm__row *row)
{
    const jm__filters *fs = f->log->filters;
    f->where = jm__xcalloc(fs->nwhere, sizeof *f->where);
    for (size_t i = 0; i < fs->nwhere; i++) {
        char *err = NULL;
        size_t col;
        jm_status st = jm__roles_column(row->n, row->f, row->len, "--where", fs->where[i].col,
                                        &col, &err);
        if (st != JM_OK) {
            jm__log_set_error(f->log, jm__strdupf("%s:%llu: %s", f->name,
                                                  (unsigned long long)row->line, err));
            free(err);
            return st;
        }
        f->where[i] = (jm__where_col){&fs->where[i], col};
        if (f->keep != NULL)
            f->keep[col] = true;
    }
    f->nwhere = fs->nwhere;
    return JM_OK;
}

jm_status jm__file_header(jm__file *f, const jm__row *row)
{
    jm_log *log = f->log;
    const jm_options *opt = log->opt;
    char *err = NULL;
    jm_status st = jm__roles_find(row->n, row->f, row->len, opt->column,
                                  opt->stages ? JM_ROLES_STAGES : 0, &f->roles, &err);
    if (st == JM_OK && opt->stages != NULL) {
        /* The stages give the activity and the times. */
        static const jm_role given[] = {JM_ROLE_ACTIVITY, JM_ROLE_START, JM_ROLE_END};
        for (size_t i = 0; i < 3; i++) {
            f->roles.col[given[i]] = JM_NO_COLUMN;
            f->roles.npart[given[i]] = 0;
        }
        st = find_stages(f, row, &err);
    }
    if (st != JM_OK) {
        /* A column the first file had and this one lacks: the files disagree (exit 3). */
        bool later = st == JM_EUSAGE && log->stats.files > 1;
        jm__log_set_error(log, jm__strdupf("%s:%llu: %s%s%s%s", f->name,
                                           (unsigned long long)row->line, err,
                                           later ? "; the header of " : "",
                                           later ? log->files[0] : "",
                                           later ? " has it: several files are one log only when "
                                                   "their headers give the same roles"
                                                 : ""));
        free(err);
        return later ? JM_EINPUT : st;
    }
    memcpy(f->col, f->roles.col, sizeof f->col);
    f->key_col = f->roles.npart[JM_ROLE_CASE] == 1 && !opt->trim_ids ? f->col[JM_ROLE_CASE]
                                                                      : SIZE_MAX;
    if (log->opt->step != JM_STEP_ACTIVITY && f->col[JM_ROLE_CHANNEL] == JM_NO_COLUMN) {
        jm__log_set_error(log,
                          jm__strdupf("%s:%llu: --step needs a channel column and none was found "
                                      "(name it with --channel)",
                                      f->name, (unsigned long long)row->line));
        return JM_EINPUT;
    }
    char *name[JM_ROLE_COUNT];
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        name[r] = role_name(f, row, (jm_role)r);
    if (log->stats.files == 1) {
        for (int r = 0; r < JM_ROLE_COUNT; r++) {
            log->column[r] = name[r];
            name[r] = NULL;
        }
    } else {
        st = same_roles(f, row, name);
    }
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        free(name[r]);
    if (st != JM_OK)
        return st;
    f->nheader = row->n;
    f->header = jm__xcalloc(row->n, sizeof *f->header);
    f->header_len = jm__xcalloc(row->n, sizeof *f->header_len);
    for (size_t i = 0; i < row->n; i++) {
        f->header[i] = jm__xmemdup(row->f[i], row->len[i]);
        f->header_len[i] = row->len[i];
    }
    if (!log->opt->reject_rows) {
        /* Only the columns the analyses read are copied from here on. Other columns are still counted and measured, so
         * field counts and the field limit are checked on every column. */
        f->keep = jm__xcalloc(row->n, sizeof *f->keep);
        static const jm_role used[] = {JM_ROLE_CASE,     JM_ROLE_ACTIVITY, JM_ROLE_START,
                                       JM_ROLE_END,      JM_ROLE_CHANNEL,  JM_ROLE_LIFECYCLE,
                                       JM_ROLE_CUSTOMER, JM_ROLE_RESOURCE};
        for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
            for (size_t k = 0; k < f->roles.npart[used[i]]; k++)
                f->keep[f->roles.part[used[i]][k]] = true;
        for (size_t i = 0; i < f->nstages; i++) {
            f->keep[f->stages[i].start] = true;
            if (f->stages[i].end != JM_NO_COLUMN)
                f->keep[f->stages[i].end] = true;
        }
        if (f->stages_date != JM_NO_COLUMN)
            f->keep[f->stages_date] = true;
        f->copt.keep = f->keep;
        f->copt.nkeep = row->n;
        /* One more than the header: enough to tell a record is too long, not to store it. */
        f->copt.max_fields = row->n + 1;
    }
    if (log->filters != NULL && log->filters->nwhere > 0) {
        st = where_columns(f, row);
        if (st != JM_OK)
            return st;
    }
    log->has_end |= f->col[JM_ROLE_END] != JM_NO_COLUMN || f->stages != NULL;
    log->has_channel |= f->col[JM_ROLE_CHANNEL] != JM_NO_COLUMN;
    log->has_lifecycle |= f->col[JM_ROLE_LIFECYCLE] != JM_NO_COLUMN;
    /* Customers are kept beside the events (buckets.h), resources in the kinds: both decided
     * by the first file (later files must give the same roles). */
    if (log->stats.files == 1) {
        log->has_customer = f->col[JM_ROLE_CUSTOMER] != JM_NO_COLUMN;
        log->has_resource = f->col[JM_ROLE_RESOURCE] != JM_NO_COLUMN;
        if (log->events->nblocks == 0 && log->events->nfree == 0)
            log->events->side = log->has_customer;
    }
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
    free(f->where);
    free(f->stages);
    jm__stages_free(f->spec, f->nstages);
}

/* ---- Rows into a batch ---- */

jm__batch *jm__batch_new(const jm__file *f)
{
    jm__batch *b = jm__xcalloc(1, sizeof *b);
    b->file = f;
    b->cases = jm__intern_new();
    b->kinds = jm__intern_new();
    b->acs = jm__intern_new();
    b->ress = jm__intern_new();
    b->memo = JM_TIME_MEMO;
    return b;
}

void jm__batch_free(jm__batch *b)
{
    if (b == NULL)
        return;
    jm__intern_free(b->cases);
    jm__intern_free(b->kinds);
    jm__intern_free(b->acs);
    jm__intern_free(b->ress);
    free(b->grid);
    free(b->ci);
    free(b->cbytes);
    free(b->cust);
    free(b->cc);
    free(b->key);
    free(b->ev);
    free(b->long_end);
    free(b->rej);
    free(b->text);
    free(b->foff);
    free(b->flen);
    free(b->map);
    free(b->kmap);
    free(b->jcase);
    free(b->jact);
    free(b->filtered_by);
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

/* A kind new to the batch, first seen at line: are its names UTF-8? Checked only here, when a
 * name is first interned in a batch, so the rows pay nothing; the first line of a file whose
 * activity or channel is not UTF-8 is still found, as batches are merged in file order. */
static void check_utf8(jm__batch *b, uint64_t line, const char *act, size_t na, const char *ch,
                       size_t nc)
{
    if (b->not_utf8_line == 0 && (!jm__utf8_valid(act, na) || !jm__utf8_valid(ch, nc)))
        b->not_utf8_line = line;
}

/* The id in t (kinds, or acs with a resource column) of the (activity act of na bytes, channel
 * ch of nc) pair of the row at line, added if new; found through the memo when a row a little
 * before had it. */
static uint32_t memo_kind(jm__batch *b, jm__intern *t, uint64_t line, const char *act, size_t na,
                          const char *ch, size_t nc)
{
    uint64_t fp = ends_of(act, na) ^ ends_of(ch, nc) * 0xff51afd7ed558ccdULL;
    size_t slot = (size_t)((fp * 0x9e3779b97f4a7c15ULL) >> (64 - SEEN_BITS));
    const struct seen *m = &b->seen[slot];
    if (m->id != 0 && m->fp == fp) {
        uint32_t id = m->id - 1;
        size_t len = m->len;
        const char *k = m->key;
        uint32_t ka;
        memcpy(&ka, k + len - KIND_TAIL, 4);
        if (len == na + nc + KIND_TAIL && ka == na && jm__bytes_eq(k, act, na) &&
            jm__bytes_eq(k + na, ch, nc))
            return id;
    }
    jm__grow((void **)&b->key, &b->key_cap, na + nc + KIND_TAIL, 1);
    memcpy(b->key, act, na);
    memcpy(b->key + na, nc > 0 ? ch : "", nc);
    uint32_t na32 = (uint32_t)na;
    memcpy(b->key + na + nc, &na32, 4);
    b->key[na + nc + 4] = nc > 0; /* an empty channel is an unknown one */
    uint32_t known = jm__intern_count(t);
    uint32_t id = jm__intern_id(t, b->key, na + nc + KIND_TAIL);
    if (id == known)
        check_utf8(b, line, act, na, ch, nc);
    size_t len;
    const char *k = jm__intern_str(t, id, &len);
    b->seen[slot] = (struct seen){fp, k, (uint32_t)len, id + 1};
    return id;
}

/* The id in ress of a resource's n bytes, through a memo of its own. */
static uint32_t res_id(jm__batch *b, const char *res, size_t n)
{
    uint64_t fp = ends_of(res, n);
    size_t slot = (size_t)((fp * 0x9e3779b97f4a7c15ULL) >> (64 - RSEEN_BITS));
    const struct seen *m = &b->rseen[slot];
    if (m->id != 0 && m->fp == fp && m->len == n && jm__bytes_eq(m->key, res, n))
        return m->id - 1;
    uint32_t id = jm__intern_id(b->ress, n > 0 ? res : "", n);
    size_t len;
    const char *k = jm__intern_str(b->ress, id, &len);
    b->rseen[slot] = (struct seen){fp, k, (uint32_t)len, id + 1};
    return id;
}

/* A power of two of at least n and at least least. */
static size_t pow2_at_least(size_t n, size_t least)
{
    size_t p = least;
    while (p < n)
        p *= 2;
    return p;
}

/* Whether the grid has (or now has, grown) a cell for pair ac and resource r. */
static bool grid_fits(jm__batch *b, uint32_t ac, uint32_t r)
{
    if (ac < b->grows && r < b->gcols)
        return true;
    size_t rows = pow2_at_least((size_t)ac + 1, b->grows ? b->grows : 16);
    size_t cols = pow2_at_least((size_t)r + 1, b->gcols ? b->gcols : 256);
    if (rows * cols > GRID_MAX)
        return false;
    uint32_t *g = jm__xzeroed(rows * cols, sizeof *g);
    for (size_t i = 0; i < b->grows; i++)
        memcpy(g + i * cols, b->grid + i * b->gcols, b->gcols * sizeof *g);
    free(b->grid);
    b->grid = g;
    b->grows = rows;
    b->gcols = cols;
    return true;
}

/* The batch's id of the kind of the row at line: its activity and channel, and with a resource
 * column its resource too (see jm__batch.acs; the key of kinds is then the activity's bytes,
 * the channel's, the resource's and its length (4), then KIND_TAIL bytes). */
static uint32_t kind_id(jm__batch *b, uint64_t line, const char *act, size_t na, const char *ch,
                        size_t nc, const char *res, size_t nr)
{
    if (b->file->col[JM_ROLE_RESOURCE] == JM_NO_COLUMN)
        return memo_kind(b, b->kinds, line, act, na, ch, nc);
    uint32_t ac = memo_kind(b, b->acs, line, act, na, ch, nc), r = res_id(b, res, nr);
    uint32_t *cell = NULL;
    if (grid_fits(b, ac, r)) {
        cell = &b->grid[(size_t)ac * b->gcols + r];
        if (*cell != 0)
            return *cell - 1;
    }
    size_t rx = nr + 4;
    jm__grow((void **)&b->key, &b->key_cap, na + nc + rx + KIND_TAIL, 1);
    memcpy(b->key, act, na);
    memcpy(b->key + na, nc > 0 ? ch : "", nc);
    uint32_t nr32 = (uint32_t)nr, na32 = (uint32_t)na;
    memcpy(b->key + na + nc, nr > 0 ? res : "", nr);
    memcpy(b->key + na + nc + nr, &nr32, 4);
    memcpy(b->key + na + nc + rx, &na32, 4);
    b->key[na + nc + rx + 4] = nc > 0;
    uint32_t id = jm__intern_id(b->kinds, b->key, na + nc + rx + KIND_TAIL);
    if (cell != NULL)
        *cell = id + 1;
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

/* The n bytes at *s without the spaces and tabs around them. */
static void trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t l = *n;
    while (l > 0 && (*p == ' ' || *p == '\t'))
        p++, l--;
    while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
        l--;
    *s = p;
    *n = l;
}

/* role_value for a role of several columns: their values joined in *buf. */
static void joined_value(const jm__file *f, const jm__row *row, jm_role r, bool strip, char **buf,
                         size_t *cap, const char **s, size_t *n)
{
    const jm__roles *ro = &f->roles;
    size_t k = 0;
    for (size_t i = 0; i < ro->npart[r]; i++) {
        const char *p = row->f[ro->part[r][i]];
        size_t l = row->len[ro->part[r][i]];
        if (strip)
            trim(&p, &l);
        if (l == 0)
            continue;
        jm__grow((void **)buf, cap, k + l + 2, 1);
        if (k > 0)
            (*buf)[k++] = '+';
        memcpy(*buf + k, p, l);
        k += l;
    }
    *s = k ? *buf : "";
    *n = k;
}

/* The value of role r in row: its column's bytes, or its columns' joined with '+' (empty ones
 * left out) in *buf (capacity *cap); spaces and tabs around each trimmed with strip. */
static inline void role_value(const jm__file *f, const jm__row *row, jm_role r, bool strip,
                              char **buf, size_t *cap, const char **s, size_t *n)
{
    const jm__roles *ro = &f->roles;
    if (ro->npart[r] != 1) {
        joined_value(f, row, r, strip, buf, cap, s, n);
        return;
    }
    *s = row->f[ro->part[r][0]];
    *n = row->len[ro->part[r][0]];
    if (strip)
        trim(s, n);
}

/* The row's customer field (its id comes with the case's: row_customer) and resource (its
 * bytes; empty when none), for the events the row gives. */
static void side_values(jm__batch *b, const jm__row *row)
{
    const jm__file *f = b->file;
    size_t cu = f->col[JM_ROLE_CUSTOMER], rs = f->col[JM_ROLE_RESOURCE];
    b->row_cust = JM_NO_SIDE;
    b->row_ncs = 0;
    if (cu != JM_NO_COLUMN) {
        b->row_cs = row->f[cu];
        b->row_ncs = row->len[cu];
        if (f->opt->trim_ids)
            trim(&b->row_cs, &b->row_ncs);
    }
    b->row_res = "";
    b->row_nres = 0;
    if (rs != JM_NO_COLUMN) {
        b->row_res = row->f[rs];
        b->row_nres = row->len[rs];
    }
}

/* The instance (jm__batch.ci) of the current row's customer (JM_NO_SIDE: none), whose case has
 * the batch's id cas: that of the case's last row when the bytes are the same, else a new one
 * (remembered for the case). */
static uint32_t row_customer(jm__batch *b, uint32_t cas)
{
    size_t n = b->row_ncs;
    if (n == 0)
        return JM_NO_SIDE;
    if (cas >= b->ncc) {
        jm__grow((void **)&b->cc, &b->cc_cap, (size_t)cas + 1, sizeof *b->cc);
        for (size_t k = b->ncc; k <= cas; k++)
            b->cc[k].len = UINT32_MAX;
        b->ncc = (size_t)cas + 1;
    }
    struct case_cust *c = &b->cc[cas];
    const char *s = b->row_cs;
    uint64_t head = 0, tail = 0;
    bool words = n >= 8 && n <= 16; /* the usual id: compared without reaching its bytes */
    if (words) {
        memcpy(&head, s, 8);
        memcpy(&tail, s + n - 8, 8);
    }
    if (c->len == n && (words ? c->head == head && c->tail == tail
                              : jm__bytes_eq(b->cbytes + b->ci[c->id].off, s, n)))
        return c->id;
    if (n > UINT32_MAX || b->nci >= UINT32_MAX - 1)
        jm__die("a customer id of %zu bytes, or too many in one batch", n);
    jm__grow((void **)&b->cbytes, &b->cbytes_cap, b->ncbytes + n, 1);
    memcpy(b->cbytes + b->ncbytes, s, n);
    jm__grow((void **)&b->ci, &b->ci_cap, b->nci + 1, sizeof *b->ci);
    b->ci[b->nci] = (struct cust_inst){b->ncbytes, jm__hash(s, n), (uint32_t)n};
    b->ncbytes += n;
    c->id = (uint32_t)b->nci++;
    c->len = (uint32_t)n;
    c->head = head;
    c->tail = tail;
    return c->id;
}

/* Append event e (its end time end) to the batch. */
static void push_event(jm__batch *b, jm__event e, int64_t end)
{
    if ((uint64_t)(end - e.start) >= JM_DUR_LONG) {
        e.dur = JM_DUR_LONG;
        jm__grow((void **)&b->long_end, &b->long_cap, b->nlong + 1, sizeof *b->long_end);
        b->long_end[b->nlong++] = (jm__long_end){(uint32_t)b->nev, end};
    } else {
        e.dur = (uint32_t)(end - e.start);
    }
    if (b->nev == b->cap)
        jm__grow((void **)&b->ev, &b->cap, b->nev + 1, sizeof *b->ev);
    if (b->file->col[JM_ROLE_CUSTOMER] != JM_NO_COLUMN) {
        if (b->cust_cap < b->cap) {
            b->cust_cap = b->cap;
            b->cust = jm__xrealloc(b->cust, b->cust_cap * sizeof *b->cust);
        }
        b->cust[b->nev] = b->row_cust;
    }
    b->ev[b->nev++] = e;
}

/* The row's fingerprint as the event keeps it (jm__event.chan until the report): its high 32
 * bits, the lowest set on the first event of its row only (a row of stages gives several). */
static inline uint32_t row_fp(const jm__row *row, bool first)
{
    uint32_t fp = (uint32_t)(row->fp >> 32);
    return first ? fp | 1u : fp & ~1u;
}

#define DAY_MS 86400000LL
#define HALF_DAY_MS 43200000LL

/* A time of day "H:MM", "HH:MM:SS" or "HH:MM:SS.fff" (spaces around allowed) in milliseconds
 * since midnight; false if it is not one. */
static bool time_of_day(const char *s, size_t n, int64_t *ms)
{
    trim(&s, &n);
    size_t i = 0;
    int v[3] = {0, 0, 0}, k = 0, frac = 0, fd = 0;
    for (;;) {
        size_t d = 0;
        int x = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && d < 2)
            x = x * 10 + (s[i++] - '0'), d++;
        if (d == 0 || (k > 0 && d != 2))
            return false;
        v[k++] = x;
        if (i < n && s[i] == ':' && k < 3) {
            i++;
            continue;
        }
        break;
    }
    if (k < 2)
        return false;
    if (k == 3 && i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (fd < 3)
                frac = frac * 10 + (s[i] - '0'), fd++;
            i++;
        }
        while (fd > 0 && fd < 3)
            frac *= 10, fd++;
    }
    if (i != n || v[0] > 23 || v[1] > 59 || v[2] > 60)
        return false;
    *ms = ((int64_t)v[0] * 3600 + v[1] * 60 + v[2]) * 1000 + frac;
    return true;
}

/* A stage time: the n bytes at s as a full time, or with --stages-date as a time of day on the
 * row's date (date, nd bytes): read as "DATE HH:MM:SS" (".mmm" added when not zero), so that
 * --time-format, if given, reads the two. *tod gets the time of day (-1 without a date). */
static bool stage_time(jm__batch *b, const char *s, size_t n, const char *date, size_t nd,
                       int64_t *ms, int64_t *tod)
{
    const jm__file *f = b->file;
    *tod = -1;
    if (date == NULL)
        return jm__time_parse_memo(f->log->tf, &b->memo, s, n, ms);
    if (!time_of_day(s, n, tod))
        return false;
    char buf[96];
    if (nd > 60)
        return false;
    int64_t t = *tod;
    /* Milliseconds only where there are some, so that a --time-format ending in %S reads it. */
    int k = snprintf(buf, sizeof buf, "%.*s %02d:%02d:%02d", (int)nd, date, (int)(t / 3600000),
                     (int)(t / 60000 % 60), (int)(t / 1000 % 60));
    if (t % 1000)
        k += snprintf(buf + k, sizeof buf - (size_t)k, ".%03d", (int)(t % 1000));
    return jm__time_parse_memo(f->log->tf, &b->memo, buf, (size_t)k, ms);
}

/* The stages of a row (--stages): one event per stage whose start is present, or the row
 * rejected whole. With --stages-date, a time of day more than 12 hours before the row's first
 * stage start is on the next day (a call that crosses midnight). */
static jm_status stage_row(jm__batch *b, const jm__row *row, const char *cas, size_t ncas,
                           const char *ch, size_t nc)
{
    const jm__file *f = b->file;
    const jm_options *opt = f->opt;
    char detail[320], snip[48];
    const char *date = NULL;
    size_t nd = 0;
    if (f->stages_date != JM_NO_COLUMN) {
        date = row->f[f->stages_date];
        nd = row->len[f->stages_date];
        trim(&date, &nd);
    }
    size_t nempty = opt->stages_empty ? strlen(opt->stages_empty) : 0;
    int64_t anchor = -1;
    size_t first = b->nev, firstlong = b->nlong;
    for (size_t i = 0; i < f->nstages; i++) {
        const jm__file_stage *g = &f->stages[i];
        const char *s = row->f[g->start];
        size_t n = row->len[g->start];
        trim(&s, &n);
        if (n == 0 || (opt->stages_empty && n == nempty && memcmp(s, opt->stages_empty, n) == 0))
            continue;
        jm__event e;
        int64_t tod, end;
        jm_reject_reason why = JM_REJECT_BAD_START;
        if (!stage_time(b, s, n, date, nd, &e.start, &tod)) {
            snippet(snip, s, n);
            if (date != NULL) {
                char dsnip[48];
                snippet(dsnip, date, nd);
                snprintf(detail, sizeof detail,
                         "stage '%.40s': start time '%s' on date '%s' does not parse (read as "
                         "'DATE HH:MM:SS')",
                         g->name, snip, dsnip);
            } else {
                snprintf(detail, sizeof detail, "stage '%.40s': start time '%s' does not parse",
                         g->name, snip);
            }
            goto bad;
        }
        if (tod >= 0) {
            if (anchor < 0)
                anchor = tod;
            else if (tod + HALF_DAY_MS < anchor)
                e.start += DAY_MS;
        }
        end = e.start;
        if (g->end != JM_NO_COLUMN) {
            const char *t = row->f[g->end];
            size_t m = row->len[g->end];
            trim(&t, &m);
            bool none = m == 0 || (opt->stages_empty && m == nempty &&
                                   memcmp(t, opt->stages_empty, m) == 0);
            if (!none) {
                why = JM_REJECT_BAD_END;
                if (!stage_time(b, t, m, date, nd, &end, &tod)) {
                    snippet(snip, t, m);
                    snprintf(detail, sizeof detail, "stage '%.40s': end time '%s' does not parse",
                             g->name, snip);
                    goto bad;
                }
                if (tod >= 0 && tod + HALF_DAY_MS < anchor)
                    end += DAY_MS;
                if (end < e.start) {
                    why = JM_REJECT_END_BEFORE_START;
                    snprintf(detail, sizeof detail, "stage '%.40s': end is %.3f s before start",
                             g->name, (double)(e.start - end) / 1000.0);
                    goto bad;
                }
            }
        }
        e.cas = 0; /* set below, once the row is kept */
        e.act = kind_id(b, row->line, g->name, g->len, ch, nc, b->row_res, b->row_nres);
        e.chan = row_fp(row, b->nev == first);
        push_event(b, e, end);
        continue;
    bad:
        b->nev = first; /* the row is rejected whole */
        b->nlong = firstlong;
        return reject(b, row, why, detail);
    }
    if (b->nev == first)
        return reject(b, row, JM_REJECT_EMPTY_ACTIVITY, "no stage has a start time");
    uint32_t id = jm__intern_id_hashed(
        b->cases, cas, ncas,
        b->key_row == b->rows && f->key_col != SIZE_MAX ? b->key_hash : jm__hash(cas, ncas));
    uint32_t cu = f->col[JM_ROLE_CUSTOMER] != JM_NO_COLUMN ? row_customer(b, id) : JM_NO_SIDE;
    for (size_t i = first; i < b->nev; i++) {
        b->ev[i].cas = id;
        if (b->cust != NULL && f->col[JM_ROLE_CUSTOMER] != JM_NO_COLUMN)
            b->cust[i] = cu;
    }
    return JM_OK;
}

jm_status jm__batch_row(void *batch, const jm__row *row)
{
    jm__batch *b = batch;
    const jm__file *f = b->file;
    const jm_options *opt = f->log->opt;
    if (b->rows++ == 0)
        b->first_line = row->line;
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
    /* --where: a row it drops is counted, and nothing more is done with it. */
    if (f->nwhere != 0) {
        size_t w = jm__where_drops(f->where, f->nwhere, row->f, row->len);
        if (w < f->nwhere) {
            if (b->filtered_by == NULL)
                b->filtered_by = jm__xcalloc(f->nwhere, sizeof *b->filtered_by);
            b->filtered_by[w]++;
            b->filtered++;
            return JM_OK;
        }
    }
    const size_t *c = f->col;
    const char *cas, *act = NULL;
    size_t ncas, na = 0;
    role_value(f, row, JM_ROLE_CASE, opt->trim_ids, &b->jcase, &b->jcase_cap, &cas, &ncas);
    if (ncas == 0)
        return reject(b, row, JM_REJECT_EMPTY_CASE, "empty case id");
    size_t ci = c[JM_ROLE_CHANNEL];
    size_t nc = ci == JM_NO_COLUMN ? 0 : row->len[ci];
    const char *ch = nc > 0 ? row->f[ci] : "";
    if (f->stages == NULL) {
        role_value(f, row, JM_ROLE_ACTIVITY, false, &b->jact, &b->jact_cap, &act, &na);
        if (na == 0)
            return reject(b, row, JM_REJECT_EMPTY_ACTIVITY, "empty activity");
    }
    side_values(b, row);
    if (f->stages != NULL)
        return stage_row(b, row, cas, ncas, ch, nc);
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
    e.cas = jm__intern_id_hashed(b->cases, cas, ncas,
                                 b->key_row == b->rows ? b->key_hash : jm__hash(cas, ncas));
    b->row_cust = row_customer(b, e.cas);
    if (na > UINT32_MAX)
        jm__die("activity of %zu bytes", na);
    e.act = kind_id(b, row->line, act, na, ch, nc, b->row_res, b->row_nres);
    e.chan = row_fp(row, true);
    size_t li = c[JM_ROLE_LIFECYCLE];
    if (li != JM_NO_COLUMN && ei == JM_NO_COLUMN && row->len[li] > 0) {
        /* No end column, so the duration is 0: it carries the transition instead, for the
         * report to pair starts with completes (jm__lifecycle_code). */
        jm_lc_value v = lc_value(row->f[li], row->len[li]);
        b->lc_rows[v]++;
        end = e.start + jm__lifecycle_code(v);
    }
    push_event(b, e, end);
    return JM_OK;
}

/* Empty the batch; its kinds too when `kinds` or when there are over KINDS_KEPT. */
static void clear(jm__batch *b, bool kinds)
{
    jm__intern_clear(b->cases);
    if (kinds || jm__intern_count(b->kinds) > KINDS_KEPT) {
        jm__intern_clear(b->kinds);
        jm__intern_clear(b->acs);
        jm__intern_clear(b->ress);
        memset(b->rseen, 0, sizeof b->rseen);
        if (b->grid != NULL)
            memset(b->grid, 0, b->grows * b->gcols * sizeof *b->grid);
        memset(b->seen, 0, sizeof b->seen);
        b->nkmap = 0;
    }
    b->nci = b->ncbytes = 0;
    b->nev = b->nlong = b->nrej = b->ntext = b->nf = 0;
    memset(b->lc_rows, 0, sizeof b->lc_rows);
    b->rows = 0;
    b->filtered = 0;
    if (b->filtered_by != NULL) /* a range parsed again (exact lines) counts its rows anew */
        memset(b->filtered_by, 0, b->file->nwhere * sizeof *b->filtered_by);
    b->key_row = 0;
    b->ncc = 0;
    b->not_utf8_line = 0;
}

void jm__batch_clear(jm__batch *b)
{
    clear(b, false);
}

void jm__batch_reset(jm__batch *b)
{
    clear(b, true);
}

/* ---- Merging into the log ---- */

/* With --pseudonymize, the fields of rejected row r that hold ids, each replaced by its
 * pseudonym (17 bytes a field in *buf, malloc'd): the case column (each column of a joined
 * case id apart; trimmed as the log trims it with --trim-ids, so that a single case column's
 * pseudonym is the one the report gives) and the customer column. A row whose field count is
 * not the header's (its columns may have moved), or of a file whose case column is unknown,
 * has every field replaced, so that no id can leak through a rejects file. */
static void pseudo_fields(const jm__file *f, const jm_options *opt, size_t nfields,
                          const char **fields, size_t *lens, char **buf)
{
    const jm__roles *ro = &f->roles;
    bool all = nfields != f->nheader || ro->npart[JM_ROLE_CASE] == 0;
    *buf = jm__xmalloc((nfields ? nfields : 1) * 17);
    for (size_t k = 0; k < nfields; k++) {
        bool id = all || k == ro->col[JM_ROLE_CUSTOMER];
        for (size_t p = 0; p < ro->npart[JM_ROLE_CASE] && !id; p++)
            id = k == ro->part[JM_ROLE_CASE][p];
        if (!id || lens[k] == 0)
            continue;
        const char *s = fields[k];
        size_t n = lens[k];
        if (opt->trim_ids)
            trim(&s, &n);
        char *out = *buf + 17 * k;
        jm__pseudonym(opt->pseudo_key, opt->pseudo_key_len, s, n, out);
        fields[k] = out;
        lens[k] = 16;
    }
}


bool jm__file_range(jm__file *f, uint64_t *lo, uint64_t *hi, uint64_t *line)
{
    jm_log *log = f->log;
    if (!log->range.on)
        return false;
    log->range.on = false;
    *lo = log->range.lo;
    *hi = log->range.hi;
    *line = log->range.line;
    return true;
}

bool jm__file_ranged(const jm__file *f)
{
    return f->log->range.on;
}

void jm__file_range_failed(jm__file *f)
{
    f->log->range_failed = true;
}

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
            size_t *lens = opt->reject_rows ? b->flen + r->field : NULL;
            char *pseudo = NULL;
            if (opt->reject_rows) {
                fields = jm__xmalloc((r->nfields ? r->nfields : 1) * sizeof *fields);
                for (size_t k = 0; k < r->nfields; k++)
                    fields[k] = b->text + b->foff[r->field + k];
                if (opt->pseudo_key != NULL) {
                    lens =
                        (size_t *)jm__xmemdup(lens, (r->nfields ? r->nfields : 1) * sizeof *lens);
                    pseudo_fields(f, opt, r->nfields, fields, lens, &pseudo);
                }
            }
            jm_reject rj = {
                .file = f->name,
                .line = r->line,
                .reason = r->reason,
                .detail = b->text + r->detail,
                .nfields = r->nfields,
                .fields = fields,
                .lens = lens,
                .nheader = f->nheader,
                .header = (const char *const *)f->header,
                .header_lens = f->header_len,
                .delimiter = f->delim,
                .made_rows = f->made_rows,
            };
            opt->on_reject(opt->on_reject_data, &rj);
            free(fields);
            if (pseudo != NULL) {
                free(pseudo);
                free(lens);
            }
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
    size_t ncu = b->nci;
    jm__grow((void **)&b->map, &b->map_cap, 2 * nc + ncu + 1, sizeof *b->map);
    /* Each case of the batch becomes an entry of the bucket its id's hash names: which entries
     * are the same case is found bucket by bucket, when journeys are rebuilt (buckets.h). */
    uint32_t *mc = b->map, *mb = b->map + nc;
    /* jmine-mpi: the events go to their owners instead, but for those the log keeps (their
     * mb is ROUTED). */
    jm__route *route = log->route;
    if (route != NULL)
        jm__route_batch(route, nc, ncu);
    for (size_t k = 0; k < nc; k++) {
        size_t len;
        const char *id = jm__intern_str(b->cases, (uint32_t)k, &len);
        if (route != NULL && !jm__route_keeps(route, (uint32_t)k, id, len)) {
            mb[k] = ROUTED;
            continue;
        }
        mb[k] = jm__bucket_of(jm__intern_hash_hi(b->cases, (uint32_t)k));
        mc[k] = jm__buckets_add_case(log->events, mb[k], id, len);
    }
    /* An event keeps its kind (activity and channel) as one id of the log's, and the
     * fingerprint of its row in chan, until the report looks for rows that repeat (report.c). */
    jm__grow((void **)&b->kmap, &b->kmap_cap, nk + 1, sizeof *b->kmap);
    uint32_t *mk = b->kmap;
    for (size_t k = b->nkmap; k < nk; k++) {
        size_t len;
        const char *key = jm__intern_str(b->kinds, (uint32_t)k, &len);
        uint32_t na, nr = 0;
        memcpy(&na, key + len - KIND_TAIL, 4);
        size_t rx = 0; /* with a resource column: its bytes and their length (see kind_id) */
        if (f->col[JM_ROLE_RESOURCE] != JM_NO_COLUMN) {
            memcpy(&nr, key + len - KIND_TAIL - 4, 4);
            rx = nr + 4;
        }
        size_t nchan = len - KIND_TAIL - rx - na;
        const char *chan = key[len - 1] ? key + na : NULL, *res = nr > 0 ? key + na + nchan : NULL;
        bool added;
        mk[k] = jm__log_kind(log, key, na, chan, nchan, res, nr, &added);
        if (added && route != NULL)
            jm__route_kind(route, mk[k], key, na, chan, nchan, res, nr);
    }
    b->nkmap = nk;
    /* Customers become the log's ids, looked up in bulk (a customer is met in many batches:
     * the table is big, and jm__intern_ids fetches each lookup's misses ahead). */
    uint32_t *mcu = b->map + 2 * nc;
    if (route != NULL && ncu > 0) {
        /* Only the customers of events the log keeps (mcu 0: wanted). */
        memset(mcu, 0xff, ncu * sizeof *mcu);
        for (size_t i = 0; i < b->nev; i++)
            if (mb[b->ev[i].cas] != ROUTED && b->cust[i] != JM_NO_SIDE)
                mcu[b->cust[i]] = 0;
    }
    for (size_t q = 0; q < ncu;) {
        jm__intern_key keys[1024];
        uint32_t at[1024], ids[1024];
        size_t k = 0;
        for (; k < 1024 && q < ncu; q++) {
            if (route != NULL && mcu[q] != 0)
                continue;
            const struct cust_inst *c = &b->ci[q];
            at[k] = (uint32_t)q;
            keys[k++] = (jm__intern_key){b->cbytes + c->off, c->hash, c->len};
        }
        jm__intern_ids(log->custs, keys, k, ids);
        for (size_t i = 0; i < k; i++)
            mcu[at[i]] = ids[i];
    }
    if (log->events->n + b->nev > UINT32_MAX)
        jm__die("more than 4 billion events");
    if (b->nev > 0 && !log->marks_lost) {
        jm__grow((void **)&log->marks, &log->marks_cap, log->nmarks + 1, sizeof *log->marks);
        jm__mark *m = &log->marks[log->nmarks++];
        m->file = (uint32_t)(log->stats.files - 1);
        m->delim = f->delim;
        m->first_line = b->first_line;
        m->rows = b->rows;
        for (unsigned k = 0; k < JM_BUCKETS; k++)
            m->before[k] = (uint32_t)log->events->b[k].n;
    }
    /* Each event goes to the bucket of its case (or, routed, to its case's owner); the long
     * ends, in event order, go along. */
    size_t l = 0;
    for (size_t i = 0; i < b->nev; i++) {
        jm__event e = b->ev[i];
        int64_t end = 0;
        if (e.dur == JM_DUR_LONG)
            end = b->long_end[l++].end;
        e.act = mk[e.act];
        uint32_t cu = b->cust != NULL ? b->cust[i] : JM_NO_SIDE;
        unsigned bucket = mb[e.cas];
        if (bucket == ROUTED) {
            size_t len;
            const char *id = jm__intern_str(b->cases, e.cas, &len);
            jm__route_event(route, &e, end, id, len, cu,
                            cu != JM_NO_SIDE ? b->cbytes + b->ci[cu].off : NULL,
                            cu != JM_NO_SIDE ? b->ci[cu].len : 0);
            continue;
        }
        e.cas = mc[e.cas];
        if (log->events->side)
            jm__buckets_add_side(log->events, bucket, &e, end,
                                 cu != JM_NO_SIDE ? mcu[cu] : JM_NO_SIDE);
        else
            jm__buckets_add(log->events, bucket, &e, end);
    }
    log->stats.events += b->nev;
    log->stats.rows += b->rows;
    log->stats.filtered_rows += b->filtered;
    if (b->filtered != 0) {
        for (size_t w = 0; w < f->nwhere; w++) {
            log->where_rows[w] += b->filtered_by[w];
            b->filtered_by[w] = 0;
        }
    }
    log->stats.blank_lines += blank_lines;
    for (int v = 0; v < JM_LC_COUNT; v++)
        log->stats.lifecycle_rows[v] += b->lc_rows[v];
    if (b->not_utf8_line != 0)
        jm__log_notice(log, JM__NOTICE_NOT_UTF8, f->name, b->not_utf8_line,
                       "bytes that are not UTF-8 (Windows-1252?); names keep those bytes; "
                       "--encoding WINDOWS-1252 converts them");

    jm__batch_clear(b);
    /* Between batches: merge the case entries that batches have repeated (buckets.h). */
    jm__buckets_compact(log->events);
    if (st == JM_OK)
        st = jm__log_bound(log);
    return st;
}
