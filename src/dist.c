/* SPDX-License-Identifier: MIT */
/* A run spread over processes: plain files cut at record boundaries, events sent by the name of
 * their case, a log made a share of the run (dist.h). */
#include "dist.h"
#include "buckets.h"
#include "read/sniff.h"
#include "read/source.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Cutting plain files ---- */

bool jm__dist_splittable(const jm_options *opt, const char *path, uint64_t *size)
{
    *size = 0;
    if (strcmp(path, "-") == 0 || opt->encoding != NULL)
        return false;
    char *err = NULL;
    jm__source *src = jm__source_open(path, &err);
    if (src == NULL) {
        free(err);
        return false;
    }
    bool ok = jm__source_fd(src) >= 0 && jm__source_kind(src) == JM_BYTES_TEXT &&
              jm__source_encode(src, NULL, &err) &&
              strcmp(jm__source_encoding(src), "UTF-8") == 0;
    if (ok) {
        const unsigned char *p;
        bool eof;
        ssize_t n = jm__source_peek(src, &p, &eof, &err);
        ok = n >= 0 && jm__sniff(p, (size_t)n, eof).kind == JM_BYTES_TEXT;
        *size = jm__source_size(src);
    }
    free(err);
    jm__source_close(src);
    return ok;
}

/* Read n bytes at off into buf; false on a read error or a short file. */
static bool read_at(int fd, char *buf, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t k = pread(fd, buf, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        buf += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return true;
}

#define SCAN (4u << 20)

bool jm__dist_count(const char *path, uint64_t lo, uint64_t hi, uint64_t *quotes,
                    uint64_t *ends)
{
    *quotes = *ends = 0;
    if (lo >= hi)
        return true;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    /* Mapped: the bytes counted where the page cache holds them, not copied first. */
    long page = sysconf(_SC_PAGESIZE);
    uint64_t base = lo - lo % (uint64_t)(page > 0 ? page : 4096);
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_size >= hi) {
        size_t len = (size_t)(hi - base);
        void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)base);
        if (m != MAP_FAILED) {
            madvise(m, len, MADV_SEQUENTIAL);
            char next = 0;
            if ((uint64_t)sb.st_size > hi && pread(fd, &next, 1, (off_t)hi) != 1)
                next = 0;
            jm__count_text((const char *)m + (lo - base), (size_t)(hi - lo), next, quotes, ends);
            munmap(m, len);
            close(fd);
            return true;
        }
    }
    char *buf = jm__xmalloc(SCAN + 1);
    bool ok = true;
    for (uint64_t at = lo; at < hi && ok;) {
        size_t n = hi - at < SCAN ? (size_t)(hi - at) : SCAN;
        /* One byte more: a CR last is half of a CRLF when a LF follows. */
        ok = read_at(fd, buf, n, at);
        char next = 0;
        if (ok && pread(fd, &next, 1, (off_t)(at + n)) != 1)
            next = 0;
        uint64_t q = 0, e = 0;
        if (ok)
            jm__count_text(buf, n, next, &q, &e);
        *quotes += q;
        *ends += e;
        at += n;
    }
    free(buf);
    close(fd);
    return ok;
}

bool jm__dist_boundary(const char *path, uint64_t x, bool quoted, uint64_t size, uint64_t *at,
                       uint64_t *ends)
{
    *ends = 0;
    *at = x;
    if (x == 0 || x >= size) {
        *at = x >= size ? size : 0;
        return true;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    /* The byte before x: a line end outside quotes there makes x a record start (a CR there
     * with a LF at x is half of a CRLF: the record starts after the LF). */
    char prev = 0, c0 = 0;
    bool ok = pread(fd, &prev, 1, (off_t)(x - 1)) == 1 && pread(fd, &c0, 1, (off_t)x) == 1;
    if (ok && !quoted && (prev == '\n' || (prev == '\r' && c0 != '\n'))) {
        close(fd);
        return true;
    }
    char *buf = jm__xmalloc(SCAN + 1);
    uint64_t pos = x;
    *at = size;
    while (ok && pos < size) {
        size_t n = size - pos < SCAN ? (size_t)(size - pos) : SCAN;
        ok = read_at(fd, buf, n, pos);
        char next = 0;
        if (ok && pos + n < size && pread(fd, &next, 1, (off_t)(pos + n)) != 1)
            ok = false;
        size_t i = 0;
        for (; ok && i < n; i++) {
            char c = buf[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                bool crlf = c == '\r' && (i + 1 < n ? buf[i + 1] : next) == '\n';
                size_t after = i + 1 + crlf;
                uint64_t q;
                size_t upto = after <= n ? after : n;
                uint64_t e = 0;
                jm__count_text(buf, upto, upto < n ? buf[upto] : next, &q, &e);
                *ends += e + (after > n);
                *at = pos + after;
                break;
            }
        }
        if (i < n)
            break;
        uint64_t q = 0, e = 0;
        if (ok)
            jm__count_text(buf, n, next, &q, &e);
        *ends += e;
        pos += n;
    }
    free(buf);
    close(fd);
    return ok;
}

void jm__dist_range(jm_log *log, uint64_t lo, uint64_t hi, uint64_t line)
{
    log->range.on = true;
    log->range.lo = lo;
    log->range.hi = hi;
    log->range.line = line;
}

bool jm__dist_range_failed(const jm_log *log)
{
    return log->range_failed;
}

/* ---- Events sent to their owner ---- */

void jm__dist_route(jm_log *log, unsigned n, unsigned keep)
{
    jm__route_free(log->route);
    log->route = jm__route_new(n, keep);
    log->marks_lost = true; /* the buckets hold few or none of the events read */
}

uint64_t jm__dist_export(jm_log *log, jm__dist_buf *out)
{
    if (log->route == NULL)
        jm__die("jm__dist_export without jm__dist_route");
    uint64_t events = jm__route_take(log->route, out);
    jm__route_free(log->route);
    log->route = NULL;
    log->nmarks = 0;
    log->marks_lost = true;
    /* The log's events are now those it kept and those its owners send it (a state's event
     * count bounds what it may hold: docs/state-format.md). */
    log->stats.events = log->events->n;
    return events;
}

/* Read 4 bytes, or fail. */
static inline bool get32(const char **p, const char *end, uint32_t *v)
{
    if (end - *p < 4)
        return false;
    memcpy(v, *p, 4);
    *p += 4;
    return true;
}

/* Skip a length and that many bytes (JM_WIRE_NONE: none) at *p, or fail. */
static bool skip_name(const char **p, const char *end)
{
    uint32_t len;
    if (!get32(p, end, &len))
        return false;
    if (len == JM_WIRE_NONE)
        return true;
    if ((size_t)(end - *p) < len)
        return false;
    *p += len;
    return true;
}

/* The customers a buffer names, in order, as keys for one bulk lookup (*keys malloc'd):
 * the log's table of them is big, and a lookup one at a time waits on each miss. Stops at the
 * first record that is not whole; the import then says so. */
static size_t wire_customers(const char *p, const char *end, jm__intern_key **keys)
{
    size_t n = 0, cap = 0;
    *keys = NULL;
    uint32_t a;
    while (get32(&p, end, &a)) {
        if (a != JM_WIRE_DEF) {
            /* An event: kind, start, duration, fingerprint, customer; a long end. */
            uint32_t dur;
            if (end - p < 24)
                break;
            memcpy(&dur, p + 12, 4);
            size_t len = dur == JM_DUR_LONG ? 32 : 24;
            if ((size_t)(end - p) < len)
                break;
            p += len;
            continue;
        }
        uint32_t what, len;
        if (!get32(&p, end, &what) || !get32(&p, end, &len) || (size_t)(end - p) < len)
            break;
        const char *s = p;
        p += len;
        if (what == JM_WIRE_KIND && !(skip_name(&p, end) && skip_name(&p, end)))
            break;
        if (what == JM_WIRE_CUSTOMER) {
            jm__grow((void **)keys, &cap, n + 1, sizeof **keys);
            (*keys)[n++] = (jm__intern_key){s, jm__hash(s, len), len};
        }
    }
    return n;
}

struct jm__dist_in {
    jm_log *log;
    uint32_t *cb, *ce, *kd, *cu; /* wire case -> bucket, entry; wire kind; wire customer */
    size_t ncase, ccap, ecap, nkind, kcap, ncu, nkeys, cucap;
    bool failed;
};

jm__dist_in *jm__dist_in_new(jm_log *log)
{
    jm__dist_in *in = jm__xcalloc(1, sizeof *in);
    in->log = log;
    return in;
}

void jm__dist_in_free(jm__dist_in *in)
{
    if (in == NULL)
        return;
    free(in->cb);
    free(in->ce);
    free(in->kd);
    free(in->cu);
    free(in);
}

static jm_status in_malformed(jm__dist_in *in)
{
    in->failed = true;
    jm__log_set_error(in->log, jm__xstrdup("events from another process are malformed"));
    return JM_EINPUT;
}

/* A kind's names at p (the activity's len bytes, then its channel and resource), made one of
 * the log's kinds (jm__log_kind). False when not whole. */
static bool in_kind(jm__dist_in *in, const char **pp, const char *end, uint32_t len)
{
    jm_log *log = in->log;
    const char *p = *pp, *act = p;
    p += len;
    uint32_t cl, rl;
    if (!get32(&p, end, &cl) || (cl != JM_WIRE_NONE && (size_t)(end - p) < cl))
        return false;
    const char *chan = p;
    if (cl != JM_WIRE_NONE)
        p += cl;
    if (!get32(&p, end, &rl) || (rl != JM_WIRE_NONE && (size_t)(end - p) < rl))
        return false;
    bool added;
    uint32_t id = jm__log_kind(log, act, len, cl == JM_WIRE_NONE ? NULL : chan, cl,
                               rl == JM_WIRE_NONE ? NULL : p, rl, &added);
    if (rl != JM_WIRE_NONE)
        p += rl;
    jm__grow((void **)&in->kd, &in->kcap, in->nkind + 1, sizeof *in->kd);
    in->kd[in->nkind++] = id;
    *pp = p;
    return true;
}

jm_status jm__dist_in_add(jm__dist_in *in, const void *bytes, size_t n, size_t *used)
{
    jm_log *log = in->log;
    const char *p = bytes, *end = p + n;
    *used = 0;
    if (in->failed)
        return JM_EINPUT;
    /* Wire customer -> the log's: the whole records' customers looked up first, in bulk. */
    jm__intern_key *keys;
    size_t nkeys = wire_customers(p, end, &keys);
    jm__grow((void **)&in->cu, &in->cucap, in->nkeys + nkeys + 1, sizeof *in->cu);
    jm__intern_ids(log->custs, keys, nkeys, in->cu + in->nkeys);
    in->nkeys += nkeys;
    free(keys);
    bool ok = true;
    const char *rec = p; /* the record being read: the end of the whole ones */
    for (; ok; rec = p) {
        uint32_t a;
        if (!get32(&p, end, &a))
            break;
        if (a == JM_WIRE_DEF) {
            uint32_t what, len;
            if (!get32(&p, end, &what) || !get32(&p, end, &len) || (size_t)(end - p) < len)
                break;
            if (what == JM_WIRE_CASE) {
                unsigned b = jm__bucket_of((uint32_t)(jm__hash(p, len) >> 32));
                jm__grow((void **)&in->cb, &in->ccap, in->ncase + 1, sizeof *in->cb);
                jm__grow((void **)&in->ce, &in->ecap, in->ncase + 1, sizeof *in->ce);
                in->cb[in->ncase] = b;
                in->ce[in->ncase++] = jm__buckets_add_case(log->events, b, p, len);
                p += len;
            } else if (what == JM_WIRE_KIND) {
                if (!in_kind(in, &p, end, len))
                    break;
            } else if (what == JM_WIRE_CUSTOMER) {
                ok = in->ncu < in->nkeys; /* cu[ncu] is its id */
                in->ncu++;
                p += len;
            } else {
                ok = false;
            }
            continue;
        }
        jm__event e;
        uint32_t kind, side;
        if (!get32(&p, end, &kind) || end - p < 20)
            break;
        memcpy(&e.start, p, 8);
        memcpy(&e.dur, p + 8, 4);
        memcpy(&e.chan, p + 12, 4);
        memcpy(&side, p + 16, 4);
        int64_t fin = 0;
        if (e.dur == JM_DUR_LONG) {
            if (end - p < 28)
                break;
            memcpy(&fin, p + 20, 8);
            p += 8;
        }
        p += 20;
        ok = a < in->ncase && kind < in->nkind && (side == JM_WIRE_NONE || side < in->ncu);
        if (!ok)
            break;
        if (log->events->n >= UINT32_MAX)
            jm__die("more than 4 billion events");
        e.cas = in->ce[a];
        e.act = in->kd[kind];
        if (log->events->side)
            jm__buckets_add_side(log->events, in->cb[a], &e, fin,
                                 side == JM_WIRE_NONE ? JM_NO_SIDE : in->cu[side]);
        else
            jm__buckets_add(log->events, in->cb[a], &e, fin);
        log->stats.events++;
    }
    if (!ok)
        return in_malformed(in);
    *used = (size_t)(rec - (const char *)bytes);
    return JM_OK;
}

jm_status jm__dist_in_end(jm__dist_in *in, size_t left)
{
    if (in->failed)
        return JM_EINPUT;
    if (left > 0)
        return in_malformed(in);
    /* As between batches: merge repeated case entries, keep within --memory (not before the
     * end: the reader names cases by the entries it added). */
    jm__buckets_compact(in->log->events);
    return jm__log_bound(in->log);
}

jm_status jm__dist_import(jm_log *log, const void *bytes, size_t n)
{
    jm__dist_in *in = jm__dist_in_new(log);
    size_t used = 0;
    jm_status st = jm__dist_in_add(in, bytes, n, &used);
    if (st == JM_OK)
        st = jm__dist_in_end(in, n - used);
    jm__dist_in_free(in);
    return st;
}

void jm__dist_lead(jm_log *log, bool start)
{
    jm__buckets_lead(log->events, start);
}

/* ---- The log as a share ---- */

void jm__dist_share(jm_log *log, bool has_end, bool has_channel, bool has_lifecycle,
                    const uint64_t lc_rows[JM_LC_COUNT])
{
    log->share = true;
    log->has_end = has_end;
    log->has_channel = has_channel;
    log->has_lifecycle = has_lifecycle;
    memcpy(log->share_lc_rows, lc_rows, sizeof log->share_lc_rows);
}

void jm__dist_flags(const jm_log *log, bool *has_end, bool *has_channel, bool *has_lifecycle)
{
    *has_end = log->has_end;
    *has_channel = log->has_channel;
    *has_lifecycle = log->has_lifecycle;
}

const jm_input_stats *jm__dist_stats(const jm_log *log)
{
    return &log->stats;
}

void jm__dist_set_files(jm_log *log, char *const *names, size_t n)
{
    for (size_t i = 0; i < log->stats.files; i++)
        free(log->files[i]);
    log->stats.files = 0;
    jm__grow((void **)&log->files, &log->files_cap, n + 1, sizeof *log->files);
    for (size_t i = 0; i < n; i++)
        log->files[i] = jm__xstrdup(names[i]);
    log->stats.files = n;
}

bool jm__dist_read_any(const jm_log *log)
{
    return log->column[JM_ROLE_CASE] != NULL;
}

char *jm__dist_columns(const jm_log *log)
{
    char *s = jm__strdupf("encoding=%s\ncustomer=%d\nresource=%d\n",
                          log->encoding ? log->encoding : "UTF-8", log->has_customer,
                          log->has_resource);
    for (int r = 0; r < JM_ROLE_COUNT; r++) {
        if (log->column[r] == NULL)
            continue;
        char *t = jm__strdupf("%s%d=%s\n", s, r, log->column[r]);
        free(s);
        s = t;
    }
    return s;
}

void jm__dist_set_columns(jm_log *log, const char *cols)
{
    for (const char *p = cols; *p;) {
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        const char *eq = strchr(p, '=');
        if (eq != NULL && eq < nl) {
            char *val = jm__strdupf("%.*s", (int)(nl - eq - 1), eq + 1);
            if (strncmp(p, "encoding=", 9) == 0) {
                free(log->encoding);
                log->encoding = val;
            } else if (strncmp(p, "customer=", 9) == 0 || strncmp(p, "resource=", 9) == 0) {
                *(p[0] == 'c' ? &log->has_customer : &log->has_resource) = val[0] == '1';
                if (p[0] == 'c' && log->events->n == 0)
                    log->events->side = log->has_customer;
                free(val);
            } else {
                int r = atoi(p);
                if (r >= 0 && r < JM_ROLE_COUNT) {
                    free(log->column[r]);
                    log->column[r] = val;
                } else {
                    free(val);
                }
            }
        }
        p = nl + 1;
    }
}

void jm__dist_set_stats(jm_log *log, const jm_input_stats *st)
{
    log->stats = *st;
}
