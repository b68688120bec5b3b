/* SPDX-License-Identifier: MIT */
/* The state file (docs/state-format.md): integers, names and value lists written compactly and
 * by names, read back with every read bounded, into a merge's own tables. */
#include "state.h"
#include "bizcal.h"
#include "pseudo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char MAGIC[] = "jmine-state\n";
#define MAGIC_LEN (sizeof MAGIC - 1)

/* ---- Writing ---------------------------------------------------------------- */

struct jm__state_w {
    unsigned char *b;
    size_t n, cap;
    const jm__intern *steps;
    uint32_t *index; /* by step id: its index in the table, UINT32_MAX if in no journey */
    uint32_t *table; /* step ids in byte order of their names */
    size_t ntable, nsteps;
    size_t section; /* where the open section's payload starts */
};

static inline void put(jm__state_w *w, const void *p, size_t n)
{
    jm__grow((void **)&w->b, &w->cap, w->n + n, 1);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

void jm__sw_u64(jm__state_w *w, uint64_t v)
{
    /* Straight into the buffer: 10 bytes hold any value. */
    jm__grow((void **)&w->b, &w->cap, w->n + 10, 1);
    unsigned char *d = w->b + w->n;
    size_t k = 0;
    while (v >= 0x80) {
        d[k++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    d[k++] = (unsigned char)v;
    w->n += k;
}

void jm__sw_i64(jm__state_w *w, int64_t v)
{
    jm__sw_u64(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void jm__sw_bytes(jm__state_w *w, const void *s, size_t n)
{
    jm__sw_u64(w, n);
    put(w, s, n);
}

void jm__sw_str(jm__state_w *w, const char *s)
{
    jm__sw_bytes(w, s, strlen(s));
}

static int by_name(const void *pa, const void *pb, void *data)
{
    const jm__intern *t = data;
    size_t na, nb;
    const char *a = jm__intern_str(t, *(const uint32_t *)pa, &na);
    const char *b = jm__intern_str(t, *(const uint32_t *)pb, &nb);
    return jm__bytes_cmp(a, na, b, nb);
}

jm__state_w *jm__state_w_new(const jm__intern *steps, const jm__seqtab *variants)
{
    jm__state_w *w = jm__xcalloc(1, sizeof *w);
    w->steps = steps;
    w->nsteps = jm__intern_count(steps);
    w->index = jm__xmalloc((w->nsteps ? w->nsteps : 1) * sizeof *w->index);
    memset(w->index, 0xff, (w->nsteps ? w->nsteps : 1) * sizeof *w->index);
    /* Every step of every journey is in some variant (--collapse-loops keeps one of each run). */
    uint32_t nv = jm__seqtab_count(variants);
    for (uint32_t v = 0; v < nv; v++) {
        size_t n;
        const uint32_t *s = jm__seqtab_get(variants, v, &n);
        for (size_t i = 0; i < n; i++)
            w->index[s[i]] = 0;
    }
    w->table = jm__xmalloc((w->nsteps ? w->nsteps : 1) * sizeof *w->table);
    for (size_t i = 0; i < w->nsteps; i++)
        if (w->index[i] == 0)
            w->table[w->ntable++] = (uint32_t)i;
    jm__sort(w->table, w->ntable, sizeof *w->table, by_name, (void *)steps);
    for (size_t i = 0; i < w->ntable; i++)
        w->index[w->table[i]] = (uint32_t)i;
    return w;
}

void jm__state_w_free(jm__state_w *w)
{
    if (w == NULL)
        return;
    free(w->b);
    free(w->index);
    free(w->table);
    free(w);
}

void jm__sw_steps(jm__state_w *w)
{
    jm__sw_u64(w, w->ntable);
    for (size_t i = 0; i < w->ntable; i++) {
        size_t n;
        const char *s = jm__intern_str(w->steps, w->table[i], &n);
        jm__sw_bytes(w, s, n);
    }
}

uint32_t jm__sw_step_index(const jm__state_w *w, uint32_t step)
{
    if (step >= w->nsteps || w->index[step] == UINT32_MAX)
        jm__die("state: step %" PRIu32 " is in no journey", step);
    return w->index[step];
}

void jm__sw_step(jm__state_w *w, uint32_t step)
{
    jm__sw_u64(w, jm__sw_step_index(w, step));
}

/* The values of a sorted list in ascending order: the negative big ones, the small ones, then
 * the big ones from 2^32 - 1 up. */
typedef struct vals_iter {
    const jm__vals *l;
    size_t neg, i;
} vals_iter;

static int64_t vals_at(const vals_iter *it, size_t k)
{
    const jm__vals *l = it->l;
    if (k < it->neg)
        return l->big[k];
    if (k < it->neg + l->n)
        return l->small[k - it->neg];
    return l->big[k - l->n];
}

void jm__sw_vals(jm__state_w *w, jm__vals *l)
{
    jm__vals_sort(l);
    vals_iter it = {l, 0, 0};
    while (it.neg < l->nbig && l->big[it.neg] < 0)
        it.neg++;
    size_t n = jm__vals_count(l);
    size_t runs = 0;
    for (size_t k = 0; k < n; k++)
        runs += k == 0 || vals_at(&it, k) != vals_at(&it, k - 1);
    jm__sw_u64(w, n);
    jm__sw_u64(w, runs);
    /* Each run: the first as its value, the others as their distance from the previous run
     * less one, doubled, plus one when more than one value runs (then the run's length less
     * two follows). Values are milliseconds of real times: distances are far below 2^62. */
    uint64_t prev = 0;
    for (size_t k = 0; k < n;) {
        int64_t v = vals_at(&it, k);
        size_t e = k + 1;
        while (e < n && vals_at(&it, e) == v)
            e++;
        uint64_t run = e - k;
        if (k == 0) {
            jm__sw_i64(w, v);
            jm__sw_u64(w, run - 1);
        } else {
            uint64_t d = (uint64_t)v - prev - 1;
            if (d >= (UINT64_C(1) << 62))
                jm__die("state: values too far apart");
            jm__sw_u64(w, d << 1 | (run > 1));
            if (run > 1)
                jm__sw_u64(w, run - 2);
        }
        prev = (uint64_t)v;
        k = e;
    }
}

void jm__sw_section(jm__state_w *w, const char *key)
{
    jm__sw_str(w, key);
    w->section = w->n;
}

void jm__sw_section_end(jm__state_w *w)
{
    size_t len = w->n - w->section;
    jm__state_w tmp = {0};
    jm__sw_u64(&tmp, len);
    jm__grow((void **)&w->b, &w->cap, w->n + tmp.n, 1);
    memmove(w->b + w->section + tmp.n, w->b + w->section, len);
    memcpy(w->b + w->section, tmp.b, tmp.n);
    w->n += tmp.n;
    free(tmp.b);
}

const void *jm__sw_finish(jm__state_w *w, size_t *n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < w->n;) {
        size_t k = w->n - off < (1u << 30) ? w->n - off : (1u << 30);
        crc = crc32(crc, w->b + off, (uInt)k);
        off += k;
    }
    unsigned char c[4] = {(unsigned char)crc, (unsigned char)(crc >> 8), (unsigned char)(crc >> 16),
                          (unsigned char)(crc >> 24)};
    put(w, c, 4);
    *n = w->n;
    return w->b;
}

void *jm__sw_take(jm__state_w *w, size_t *n)
{
    jm__sw_finish(w, n);
    void *b = w->b;
    w->b = NULL;
    w->n = w->cap = 0;
    return b;
}

/* ---- Reading ---------------------------------------------------------------- */

struct jm__state_r {
    const unsigned char *p, *end;
    const jm__state_tables *t;
    bool has_end, has_channel;
    bool err;
    uint64_t limit;
    uint32_t *step; /* the table's index -> the steps table's id */
    size_t nstep;
    bool own_step; /* step is this reader's (not a section's borrowed one) */
    /* The channels read lately, by a hash of their length and ends: a state names a channel
     * once per journey (a million times for the customers of the benchmark log), and a hit
     * compares a few bytes where the table hashed and probed. */
    struct chan_seen {
        const unsigned char *s; /* in the bytes read (they stay while the reader does) */
        size_t n;
        uint32_t id;
    } chan_seen[16];
};

jm__state_r *jm__state_r_new(const void *p, size_t n, const jm__state_tables *t, bool has_end,
                             bool has_channel)
{
    jm__state_r *r = jm__xcalloc(1, sizeof *r);
    r->p = p;
    r->end = r->p + n;
    r->t = t;
    r->has_end = has_end;
    r->has_channel = has_channel;
    r->own_step = true;
    r->limit = UINT64_MAX;
    return r;
}

void jm__state_r_free(jm__state_r *r)
{
    if (r == NULL)
        return;
    if (r->own_step)
        free(r->step);
    free(r);
}

bool jm__sr_has_end(const jm__state_r *r)
{
    return r->has_end;
}

bool jm__sr_has_channel(const jm__state_r *r)
{
    return r->has_channel;
}

uint64_t jm__sr_limit(const jm__state_r *r)
{
    return r->limit;
}

bool jm__sr_ok(const jm__state_r *r)
{
    return !r->err;
}

void jm__sr_fail(jm__state_r *r)
{
    r->err = true;
    r->p = r->end;
}

bool jm__sr_at_end(const jm__state_r *r)
{
    return r->p == r->end;
}

uint64_t jm__sr_u64(jm__state_r *r)
{
    if (r->end - r->p >= 10) {
        /* Ten bytes hold any value: no check of the end per byte. */
        const unsigned char *p = r->p;
        uint64_t v = 0;
        for (unsigned shift = 0; shift < 63; shift += 7) {
            unsigned char c = *p++;
            v |= (uint64_t)(c & 0x7f) << shift;
            if (!(c & 0x80)) {
                r->p = p;
                return v;
            }
        }
        if (*p > 1) {
            jm__sr_fail(r);
            return 0;
        }
        r->p = p + 1;
        return v | (uint64_t)*p << 63;
    }
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end) {
            jm__sr_fail(r);
            return 0;
        }
        unsigned char c = *r->p++;
        if (shift == 63 && c > 1) {
            jm__sr_fail(r);
            return 0;
        }
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    jm__sr_fail(r);
    return 0;
}

int64_t jm__sr_i64(jm__state_r *r)
{
    uint64_t u = jm__sr_u64(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

const char *jm__sr_bytes(jm__state_r *r, size_t *n)
{
    uint64_t len = jm__sr_u64(r);
    if (len > (uint64_t)(r->end - r->p)) {
        jm__sr_fail(r);
        len = 0;
    }
    const char *s = (const char *)r->p;
    r->p += len;
    *n = (size_t)len;
    return s;
}

size_t jm__sr_count(jm__state_r *r)
{
    uint64_t n = jm__sr_u64(r);
    if (n > (uint64_t)(r->end - r->p)) {
        jm__sr_fail(r);
        return 0;
    }
    return (size_t)n;
}

void jm__sr_vals(jm__state_r *r, jm__vals *l)
{
    uint64_t n = jm__sr_u64(r);
    size_t runs = jm__sr_count(r);
    if (runs > n || (n > 0 && runs == 0) || n > r->limit) {
        jm__sr_fail(r);
        return;
    }
    /* Room for them all among the small values (n is bounded by the state's events), which
     * are then written in place, a run at a time. */
    jm__grow((void **)&l->small, &l->cap, l->n + (size_t)n, sizeof *l->small);
    uint64_t seen = 0, prev = 0;
    for (size_t i = 0; i < runs && !r->err; i++) {
        uint64_t v, run;
        if (i == 0) {
            v = (uint64_t)jm__sr_i64(r);
            run = jm__sr_u64(r) + 1;
        } else {
            uint64_t tok = jm__sr_u64(r);
            v = prev + (tok >> 1) + 1;
            run = tok & 1 ? jm__sr_u64(r) + 2 : 1;
        }
        /* More values than the list said is malformed: it bounds what is allocated. */
        if (run == 0 || run > n - seen) {
            jm__sr_fail(r);
            return;
        }
        seen += run;
        if ((int64_t)v >= 0 && (int64_t)v < (int64_t)UINT32_MAX) {
            uint32_t *d = l->small + l->n;
            for (uint64_t k = 0; k < run; k++)
                d[k] = (uint32_t)v;
            l->n += (size_t)run;
        } else {
            for (uint64_t k = 0; k < run; k++)
                jm__vals_push(l, (int64_t)v);
        }
        prev = v;
    }
    if (seen != n)
        jm__sr_fail(r);
}

void jm__sr_steps(jm__state_r *r)
{
    size_t n = jm__sr_count(r);
    free(r->step);
    r->step = jm__xmalloc((n ? n : 1) * sizeof *r->step);
    r->nstep = n;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *s = jm__sr_bytes(r, &len);
        r->step[i] = jm__intern_id(r->t->steps, s, len);
    }
}

uint32_t jm__sr_step(jm__state_r *r)
{
    uint64_t i = jm__sr_u64(r);
    if (i >= r->nstep) {
        jm__sr_fail(r);
        /* Some id that names a step, so that a loader can run on harmlessly. */
        return jm__intern_id(r->t->steps, "", 0);
    }
    return r->step[i];
}

uint32_t jm__sr_pair(jm__state_r *r, uint32_t *a, uint32_t *b)
{
    uint32_t x = jm__sr_step(r);
    uint32_t y = jm__sr_step(r);
    if (a != NULL)
        *a = x;
    if (b != NULL)
        *b = y;
    return jm__pairs_id(r->t->pairs, x, y);
}

uint32_t jm__sr_variant(jm__state_r *r)
{
    size_t n = jm__sr_count(r);
    uint32_t buf[64] = {0};
    uint32_t *s = n <= 64 ? buf : jm__xmalloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = jm__sr_step(r);
    uint32_t id = jm__seqtab_id(r->t->variants, s, n);
    if (s != buf)
        free(s);
    return id;
}

uint32_t jm__sr_chan(jm__state_r *r)
{
    size_t n;
    const char *s = jm__sr_bytes(r, &n);
    size_t k = n == 0 ? 0 : (n ^ (unsigned char)s[0] ^ (size_t)(unsigned char)s[n - 1] << 2) & 15;
    struct chan_seen *c = &r->chan_seen[k];
    if (c->s != NULL && c->n == n && memcmp(c->s, s, n) == 0)
        return c->id;
    uint32_t id = jm__intern_id(r->t->chans, s, n);
    if (!r->err)
        *c = (struct chan_seen){(const unsigned char *)s, n, id};
    return id;
}

uint32_t jm__sr_case(jm__state_r *r)
{
    size_t n;
    const char *s = jm__sr_bytes(r, &n);
    return jm__intern_id(r->t->cases, s, n);
}

jm__state_r *jm__sr_section(jm__state_r *r, const char **key, size_t *klen)
{
    *key = jm__sr_bytes(r, klen);
    uint64_t len = jm__sr_u64(r);
    if (r->err || len > (uint64_t)(r->end - r->p)) {
        jm__sr_fail(r);
        return NULL;
    }
    jm__state_r *s = jm__state_r_new(r->p, (size_t)len, r->t, r->has_end, r->has_channel);
    s->step = r->step;
    s->nstep = r->nstep;
    s->own_step = false;
    s->limit = r->limit;
    r->p += len;
    return s;
}

/* ---- The head ----------------------------------------------------------------- */

static const char *const opt_names[JM_STATE_NOPTS] = {
    "--step",        "--split-gap", "--long-wait",  "--collapse-loops", "--case",     "--activity",
    "--start",       "--end",       "--channel",    "--customer",       "--resource", "--delimiter",
    "--time-format", "--tz",        "--field-limit", "--lifecycle", "--lifecycle-column",
    "--dedupe",      "--trim-ids",  "--stages",     "--stages-date",    "--stages-empty",
    "--pseudonymize", "--filters", "--repeat-window", "--self-service", "--max-handovers",
    "--calendar", "--holidays"};

const char *jm__state_opt_name(size_t i)
{
    return opt_names[i];
}

/* A duration as a text jm_parse_duration reads back to the same milliseconds: in the largest
 * unit it is a whole number of (days only from a week up: 48h, not 2d). */
static char *duration_text(int64_t ms)
{
    if (ms >= 7 * INT64_C(86400000) && ms % 86400000 == 0)
        return jm__strdupf("%" PRId64 "d", ms / 86400000);
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{3600000, "h"}, {60000, "m"}, {1000, "s"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms > 0 && ms % units[i].ms == 0)
            return jm__strdupf("%" PRId64 "%s", ms / units[i].ms, units[i].unit);
    return jm__strdupf("%" PRId64 "ms", ms);
}

void jm__state_head_of(jm__state_head *h, const jm_options *opt, const jm_input_stats *stats,
                       char *const *files, char *const *column, bool has_end, bool has_channel,
                       uint64_t cases, uint64_t journeys)
{
    memset(h, 0, sizeof *h);
    h->format = JM_STATE_FORMAT;
    h->version = jm__xstrdup(jm_version());
    static const char *const steps[] = {"activity", "channel", "channel:activity"};
    h->opt_value[0] = jm__xstrdup(steps[opt->step]);
    h->opt_value[1] = opt->split_gap_ms > 0 ? duration_text(opt->split_gap_ms) : jm__xstrdup("off");
    h->opt_value[2] = duration_text(opt->long_wait_ms);
    h->opt_value[3] =
        opt->collapse_loops ? jm__strdupf("%u", opt->collapse_loops) : jm__xstrdup("off");
    static const jm_role roles[] = {JM_ROLE_CASE,    JM_ROLE_ACTIVITY, JM_ROLE_START,   JM_ROLE_END,
                                    JM_ROLE_CHANNEL, JM_ROLE_CUSTOMER, JM_ROLE_RESOURCE};
    for (size_t i = 0; i < 7; i++)
        h->opt_value[4 + i] =
            jm__xstrdup(opt->column[roles[i]] ? opt->column[roles[i]] : "(by header name)");
    h->opt_value[11] = opt->delimiter == 0      ? jm__xstrdup("(sniffed)")
                       : opt->delimiter == '\t' ? jm__xstrdup("tab")
                                                : jm__strdupf("%c", opt->delimiter);
    h->opt_value[12] = jm__xstrdup(opt->time_format ? opt->time_format : "(automatic)");
    h->opt_value[13] = jm__xstrdup(opt->tz ? opt->tz : "UTC");
    h->opt_value[14] = jm__strdupf("%zu", opt->field_limit);
    /* The lifecycle option as given and the mode it resolved to: states whose pairing differs
     * cannot merge into what one run would give. States that all resolved alike merge into the
     * mode one run over all their rows would take (pairing needs every value in the XES model
     * and a start: true of the whole when true of each part, and false of the whole when false
     * of each). */
    static const char *const modes[] = {"auto", "pair", "keep", "none"};
    h->opt_value[15] = jm__strdupf("%s (%s)", modes[opt->lifecycle],
                                   modes[stats->lifecycle_mode]);
    h->opt_value[16] = jm__xstrdup(opt->column[JM_ROLE_LIFECYCLE] ? opt->column[JM_ROLE_LIFECYCLE]
                                                                   : "(by header name)");
    h->opt_value[17] = jm__xstrdup(opt->dedupe ? "on" : "off");
    h->opt_value[18] = jm__xstrdup(opt->trim_ids ? "on" : "off");
    h->opt_value[19] = jm__xstrdup(opt->stages ? opt->stages : "off");
    h->opt_value[20] = jm__xstrdup(opt->stages_date ? opt->stages_date : "off");
    h->opt_value[21] = jm__xstrdup(opt->stages_empty ? opt->stages_empty : "off");
    char chk[21];
    if (opt->pseudo_key != NULL)
        jm__pseudo_key_check(opt->pseudo_key, opt->pseudo_key_len, chk);
    h->opt_value[JM_STATE_OPT_PSEUDO] = jm__xstrdup(opt->pseudo_key != NULL ? chk : "off");
    /* The filters, in order, as given (SPEC §12): states filtered otherwise do not merge. */
    char *ft = jm__xstrdup(opt->nfilters ? "" : "off");
    for (size_t i = 0; i < opt->nfilters; i++) {
        char *t = jm__strdupf("%s%s--%s %s", ft, i ? "; " : "", opt->filters[i].name,
                             opt->filters[i].value ? opt->filters[i].value : "");
        free(ft);
        ft = t;
    }
    h->opt_value[23] = ft;
    h->opt_value[24] = duration_text(opt->repeat_window_ms);
    h->opt_value[25] = jm__xstrdup(opt->self_service ? opt->self_service : "off");
    h->opt_value[26] = jm__strdupf("%u", opt->max_handovers);
    h->opt_value[27] = jm__xstrdup(opt->calendar ? opt->calendar : "off");
    h->opt_value[28] = opt->holidays ? jm__holidays_canon(opt->holidays) : jm__xstrdup("off");
    h->stats = *stats;
    h->files = jm__xcalloc(stats->files ? stats->files : 1, sizeof *h->files);
    for (size_t i = 0; i < stats->files; i++)
        h->files[i] = jm__xstrdup(files[i]);
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        h->column[r] = column[r] ? jm__xstrdup(column[r]) : NULL;
    h->has_end = has_end;
    h->has_channel = has_channel;
    h->cases = cases;
    h->journeys = journeys;
}

void jm__state_head_free(jm__state_head *h)
{
    free(h->version);
    for (size_t i = 0; i < JM_STATE_NOPTS; i++)
        free(h->opt_value[i]);
    for (size_t i = 0; h->files != NULL && i < h->stats.files; i++)
        free(h->files[i]);
    free(h->files);
    for (int r = 0; r < JM_ROLE_COUNT; r++)
        free(h->column[r]);
    free(h->encoding);
    free(h->time_format);
    jm__fresults_clear(&h->fres);
    memset(h, 0, sizeof *h);
}

void jm__sw_head(jm__state_w *w, const jm__state_head *h)
{
    put(w, MAGIC, MAGIC_LEN);
    jm__sw_u64(w, JM_STATE_FORMAT);
    jm__sw_str(w, h->version);
    jm__sw_u64(w, JM_STATE_NOPTS);
    for (size_t i = 0; i < JM_STATE_NOPTS; i++) {
        jm__sw_str(w, opt_names[i]);
        jm__sw_str(w, h->opt_value[i]);
    }
    jm__sw_u64(w, h->stats.files);
    for (size_t i = 0; i < h->stats.files; i++)
        jm__sw_str(w, h->files[i]);
    jm__sw_u64(w, h->stats.rows);
    jm__sw_u64(w, h->stats.events);
    jm__sw_u64(w, h->stats.rejected);
    jm__sw_u64(w, JM_REJECT_COUNT);
    for (int i = 0; i < JM_REJECT_COUNT; i++) {
        jm__sw_str(w, jm_reject_key((jm_reject_reason)i));
        jm__sw_u64(w, h->stats.rejected_by_reason[i]);
    }
    jm__sw_u64(w, h->stats.blank_lines);
    jm__sw_u64(w, h->stats.split_fallbacks);
    jm__sw_str(w, h->encoding ? h->encoding : "UTF-8");
    jm__sw_str(w, h->time_format ? h->time_format : "");
    jm__sw_u64(w, h->time_decided);
    jm__sw_u64(w, h->has_lifecycle);
    jm__sw_u64(w, h->stats.lifecycle_mode);
    jm__sw_u64(w, JM_LC_COUNT);
    for (int i = 0; i < JM_LC_COUNT; i++)
        jm__sw_u64(w, h->stats.lifecycle_rows[i]);
    jm__sw_u64(w, h->stats.lifecycle_paired);
    jm__sw_u64(w, h->stats.lifecycle_other);
    jm__sw_u64(w, h->stats.duplicate_rows);
    jm__sw_u64(w, h->stats.duplicates_dropped);
    jm__sw_u64(w, h->stats.filtered_rows);
    jm__sw_u64(w, h->fres.n);
    for (size_t i = 0; i < h->fres.n; i++) {
        const jm__fresult *f = &h->fres.r[i];
        jm__sw_str(w, f->text);
        jm__sw_u64(w, f->rows);
        jm__sw_u64(w, f->before);
        jm__sw_u64(w, f->after);
        jm__sw_u64(w, f->removed);
    }
    size_t ncol = 0;
    for (int i = 0; i < JM_ROLE_COUNT; i++)
        ncol += h->column[i] != NULL;
    jm__sw_u64(w, ncol);
    for (int i = 0; i < JM_ROLE_COUNT; i++) {
        if (h->column[i] == NULL)
            continue;
        jm__sw_str(w, jm_role_key((jm_role)i));
        jm__sw_str(w, h->column[i]);
    }
    jm__sw_u64(w, h->has_end);
    jm__sw_u64(w, h->has_channel);
    jm__sw_u64(w, h->cases);
    jm__sw_u64(w, h->journeys);
}

void jm__state_head_apply(const jm__state_head *h, jm_options *opt)
{
    const char *step = h->opt_value[0];
    opt->step = strcmp(step, "channel") == 0            ? JM_STEP_CHANNEL
                : strcmp(step, "channel:activity") == 0 ? JM_STEP_CHANNEL_ACTIVITY
                                                        : JM_STEP_ACTIVITY;
    if (strcmp(h->opt_value[1], "off") == 0 ||
        !jm_parse_duration(h->opt_value[1], &opt->split_gap_ms))
        opt->split_gap_ms = 0;
    if (!jm_parse_duration(h->opt_value[2], &opt->long_wait_ms))
        opt->long_wait_ms = 0;
    opt->collapse_loops =
        strcmp(h->opt_value[3], "off") == 0 ? 0 : (unsigned)strtoul(h->opt_value[3], NULL, 10);
    if (!jm_parse_duration(h->opt_value[24], &opt->repeat_window_ms))
        opt->repeat_window_ms = 0;
    opt->self_service = strcmp(h->opt_value[25], "off") == 0 ? NULL : h->opt_value[25];
    opt->max_handovers = (unsigned)strtoul(h->opt_value[26], NULL, 10);
    opt->calendar = strcmp(h->opt_value[27], "off") == 0 ? NULL : h->opt_value[27];
    opt->holidays = strcmp(h->opt_value[28], "off") == 0 ? NULL : h->opt_value[28];
    opt->lifecycle = strncmp(h->opt_value[15], "pair", 4) == 0   ? JM_LIFECYCLE_PAIR
                     : strncmp(h->opt_value[15], "keep", 4) == 0 ? JM_LIFECYCLE_KEEP
                                                                 : JM_LIFECYCLE_AUTO;
}

/* A string of the head, copied NUL-terminated; NULL when it holds a NUL (no name or option
 * value does). */
static char *head_str(jm__state_r *r)
{
    size_t n;
    const char *s = jm__sr_bytes(r, &n);
    if (memchr(s, '\0', n) != NULL) {
        jm__sr_fail(r);
        return NULL;
    }
    return jm__xmemdup(s, n);
}

static bool read_head(jm__state_r *r, jm__state_head *h)
{
    uint64_t nopt = jm__sr_u64(r);
    if (nopt != JM_STATE_NOPTS)
        return false;
    for (size_t i = 0; i < JM_STATE_NOPTS; i++) {
        size_t n;
        const char *name = jm__sr_bytes(r, &n);
        if (n != strlen(opt_names[i]) || memcmp(name, opt_names[i], n) != 0)
            return false;
        h->opt_value[i] = head_str(r);
        if (h->opt_value[i] == NULL)
            return false;
    }
    size_t nfiles = jm__sr_count(r);
    h->files = jm__xcalloc(nfiles ? nfiles : 1, sizeof *h->files);
    for (size_t i = 0; i < nfiles; i++) {
        h->files[i] = head_str(r);
        if (h->files[i] == NULL)
            return false;
        h->stats.files = i + 1;
    }
    h->stats.rows = jm__sr_u64(r);
    h->stats.events = jm__sr_u64(r);
    h->stats.rejected = jm__sr_u64(r);
    if (jm__sr_u64(r) != JM_REJECT_COUNT)
        return false;
    for (int i = 0; i < JM_REJECT_COUNT; i++) {
        size_t n;
        const char *key = jm__sr_bytes(r, &n);
        const char *want = jm_reject_key((jm_reject_reason)i);
        if (n != strlen(want) || memcmp(key, want, n) != 0)
            return false;
        h->stats.rejected_by_reason[i] = jm__sr_u64(r);
    }
    h->stats.blank_lines = jm__sr_u64(r);
    h->stats.split_fallbacks = jm__sr_u64(r);
    h->encoding = head_str(r);
    h->time_format = head_str(r);
    uint64_t decided = jm__sr_u64(r);
    if (h->encoding == NULL || h->time_format == NULL || decided > 1)
        return false;
    h->time_decided = decided;
    uint64_t hl = jm__sr_u64(r), mode = jm__sr_u64(r);
    if (hl > 1 || mode > JM_LIFECYCLE_NONE || jm__sr_u64(r) != JM_LC_COUNT)
        return false;
    h->has_lifecycle = hl;
    h->stats.lifecycle_mode = (jm_lifecycle_mode)mode;
    for (int i = 0; i < JM_LC_COUNT; i++)
        h->stats.lifecycle_rows[i] = jm__sr_u64(r);
    h->stats.lifecycle_paired = jm__sr_u64(r);
    h->stats.lifecycle_other = jm__sr_u64(r);
    h->stats.duplicate_rows = jm__sr_u64(r);
    h->stats.duplicates_dropped = jm__sr_u64(r);
    h->stats.filtered_rows = jm__sr_u64(r);
    size_t nres = jm__sr_count(r);
    h->fres.r = jm__xcalloc(nres ? nres : 1, sizeof *h->fres.r);
    for (size_t i = 0; i < nres && jm__sr_ok(r); i++) {
        jm__fresult *f = &h->fres.r[i];
        f->text = head_str(r);
        if (f->text == NULL)
            return false;
        h->fres.n = i + 1;
        uint64_t rows = jm__sr_u64(r);
        if (rows > 1)
            return false;
        f->rows = rows;
        f->before = jm__sr_u64(r);
        f->after = jm__sr_u64(r);
        f->removed = jm__sr_u64(r);
    }
    size_t ncol = jm__sr_count(r);
    for (size_t k = 0; k < ncol && jm__sr_ok(r); k++) {
        size_t n;
        const char *key = jm__sr_bytes(r, &n);
        int role = -1;
        for (int i = 0; i < JM_ROLE_COUNT; i++)
            if (n == strlen(jm_role_key((jm_role)i)) &&
                memcmp(key, jm_role_key((jm_role)i), n) == 0)
                role = i;
        if (role < 0 || h->column[role] != NULL)
            return false;
        h->column[role] = head_str(r);
        if (h->column[role] == NULL)
            return false;
    }
    uint64_t he = jm__sr_u64(r), hc = jm__sr_u64(r);
    if (he > 1 || hc > 1)
        return false;
    h->has_end = he;
    h->has_channel = hc;
    h->cases = jm__sr_u64(r);
    h->journeys = jm__sr_u64(r);
    return jm__sr_ok(r);
}

/* Read a whole file ("-" standard input) into memory. */
static bool slurp(const char *path, unsigned char **buf, size_t *n, char **err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        *err = jm__strdupf("%s: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *b = jm__xmalloc(cap);
    for (;;) {
        if (len == cap)
            jm__grow((void **)&b, &cap, len + 1, 1);
        size_t k = fread(b + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    int e = errno;
    if (f != stdin)
        fclose(f);
    if (bad) {
        *err = jm__strdupf("%s: %s", path, strerror(e));
        free(b);
        return false;
    }
    *buf = b;
    *n = len;
    return true;
}

jm_status jm__state_read(const char *path, const void *bytes, size_t n, const jm__state_tables *t,
                         jm__state_head *h, jm__state_r **out, char **err)
{
    memset(h, 0, sizeof *h);
    *out = NULL;
    const unsigned char *buf = bytes;
    jm__state_r *r = NULL;
    if (n < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0) {
        *err = jm__strdupf("%s: not a jmine state (written by jmine report --state-out)", path);
        goto bad;
    }
    r = jm__state_r_new(buf + MAGIC_LEN, n - MAGIC_LEN, t, false, false);
    h->format = jm__sr_u64(r);
    if (!jm__sr_ok(r)) {
        *err = jm__strdupf("%s: truncated jmine state", path);
        goto bad;
    }
    if (h->format != JM_STATE_FORMAT) {
        *err = jm__strdupf("%s: a state of format %" PRIu64 "; jmine %s reads format %d: "
                           "make the states again with this version",
                           path, h->format, jm_version(), JM_STATE_FORMAT);
        goto bad;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    bool crc_ok = n >= MAGIC_LEN + 5;
    if (crc_ok) {
        for (size_t off = 0; off < n - 4;) {
            size_t k = n - 4 - off < (1u << 30) ? n - 4 - off : (1u << 30);
            crc = crc32(crc, buf + off, (uInt)k);
            off += k;
        }
        const unsigned char *c = buf + n - 4;
        crc_ok = (uint32_t)crc == ((uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
                                   (uint32_t)c[3] << 24);
    }
    if (!crc_ok) {
        *err =
            jm__strdupf("%s: truncated or damaged jmine state (its checksum does not match)", path);
        goto bad;
    }
    /* From here on the body, its checksum left out. */
    const unsigned char *after_format = r->p;
    jm__state_r_free(r);
    r = jm__state_r_new(after_format, (size_t)(buf + n - 4 - after_format), t, false, false);
    h->version = head_str(r);
    if (h->version == NULL) {
        *err = jm__strdupf("%s: malformed jmine state (its version)", path);
        goto bad;
    }
    if (strcmp(h->version, jm_version()) != 0) {
        *err = jm__strdupf("%s: a state of jmine %s; this is jmine %s: make the states again "
                           "with one version",
                           path, h->version, jm_version());
        goto bad;
    }
    if (!read_head(r, h)) {
        *err = jm__strdupf("%s: malformed jmine state (its head)", path);
        goto bad;
    }
    /* Paired starts and completes have ends: the analyses kept what an end column gives. */
    r->has_end = h->has_end || h->stats.lifecycle_mode == JM_LIFECYCLE_PAIR;
    r->has_channel = h->has_channel;
    r->limit = h->stats.events;
    *out = r;
    return JM_OK;
bad:
    jm__state_r_free(r);
    jm__state_head_free(h);
    return JM_EINPUT;
}

jm_status jm__state_open(const char *path, const jm__state_tables *t, jm__state_head *h,
                         jm__state_r **out, void **bufp, char **err)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    *out = NULL;
    *bufp = NULL;
    memset(h, 0, sizeof *h);
    if (!slurp(path, &buf, &n, err))
        return JM_EINPUT;
    jm_status st = jm__state_read(path, buf, n, t, h, out, err);
    if (st != JM_OK)
        free(buf);
    else
        *bufp = buf;
    return st;
}
