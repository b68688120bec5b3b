/* SPDX-License-Identifier: MIT */
/* jmine-mpi: jmine's command line with the logs read by MPI ranks, each event sent to the rank
 * that owns its case, journeys rebuilt there, and the ranks' states merged on rank 0. */
#include "cli.h"
#include "dist.h"
#include "intern.h"
#include "report.h"
#include "store.h"
#include "util.h"

#include <jmine/jmine.h>

#include <mpi.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static int rank, nranks;
static int saved_stderr = -1;

/* The most bytes one message carries (SPEC §10: at most 256 MiB, and an int count). */
#define MSG_MAX ((size_t)256 << 20)

/* ---- Bytes between ranks ---- */

/* A message's chunk size: at most MSG_MAX, and n of them within an int (Alltoallv's
 * displacements are ints too). */
static size_t chunk_size(void)
{
    size_t c = (size_t)INT_MAX / (size_t)nranks;
    c &= ~(size_t)7;
    c = c < MSG_MAX ? c : MSG_MAX;
    /* For tests: smaller messages, so that a small log takes many rounds. */
    const char *t = getenv("JMINE_MPI_MSG_BYTES");
    if (t != NULL && strtoull(t, NULL, 10) > 0 && strtoull(t, NULL, 10) < c)
        c = (size_t)strtoull(t, NULL, 10);
    return c;
}

/* Send n bytes to rank 0, in chunks (rank 0 calls recv_bytes). */
static void send_bytes(const void *p, size_t n)
{
    uint64_t len = n;
    MPI_Send(&len, 1, MPI_UINT64_T, 0, 1, MPI_COMM_WORLD);
    for (size_t at = 0; at < n;) {
        size_t k = n - at < MSG_MAX ? n - at : MSG_MAX;
        MPI_Send((const char *)p + at, (int)k, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
        at += k;
    }
}

/* Receive the bytes rank src sends with send_bytes (malloc'd, *n of them). */
static char *recv_bytes(int src, size_t *n)
{
    uint64_t len;
    MPI_Recv(&len, 1, MPI_UINT64_T, src, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    char *p = jm__xmalloc(len + 1);
    for (size_t at = 0; at < len;) {
        size_t k = len - at < MSG_MAX ? (size_t)(len - at) : MSG_MAX;
        MPI_Recv(p + at, (int)k, MPI_BYTE, src, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        at += k;
    }
    p[len] = '\0';
    *n = (size_t)len;
    return p;
}

/* On rank 0, the bytes of ranks 0 .. upto in order, each in out[i] (malloc'd); on the others,
 * their own sent to rank 0 (when rank <= upto). */
static void gather_bytes(const char *p, size_t n, int upto, char **out, size_t *nout)
{
    if (rank == 0) {
        out[0] = jm__xmalloc(n + 1);
        memcpy(out[0], p, n);
        out[0][n] = '\0';
        nout[0] = n;
        for (int s = 1; s <= upto; s++)
            out[s] = recv_bytes(s, &nout[s]);
    } else if (rank <= upto) {
        send_bytes(p, n);
    }
}

/* A string from rank `from` to every rank (malloc'd). */
static char *bcast_str(const char *s, int from)
{
    uint64_t n = rank == from ? strlen(s) : 0;
    MPI_Bcast(&n, 1, MPI_UINT64_T, from, MPI_COMM_WORLD);
    char *p = jm__xmalloc(n + 1);
    if (rank == from)
        memcpy(p, s, n);
    for (uint64_t at = 0; at < n;) {
        size_t k = n - at < MSG_MAX ? (size_t)(n - at) : MSG_MAX;
        MPI_Bcast(p + at, (int)k, MPI_BYTE, from, MPI_COMM_WORLD);
        at += k;
    }
    p[n] = '\0';
    return p;
}

/* A memory stream. */
typedef struct mem {
    char *p;
    size_t n;
    FILE *f;
} mem;

static void mem_open(mem *m)
{
    m->p = NULL;
    m->n = 0;
    m->f = open_memstream(&m->p, &m->n);
    if (m->f == NULL)
        jm__die("open_memstream failed");
}

static void mem_close(mem *m)
{
    if (m->f != NULL)
        fclose(m->f);
    m->f = NULL;
}

static void mem_free(mem *m)
{
    mem_close(m);
    free(m->p);
    m->p = NULL;
    m->n = 0;
}

/* ---- Phases, timed for the benchmark (JMINE_MPI_TRACE=1) ---- */

static struct {
    bool on;
    double t0, last, cpu_last;
    uint64_t sent, events; /* bytes this rank sent in the shuffle; events it read */
    char text[1024];
    size_t len;
} trace;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The end of a phase: its wall-clock time and CPU time (in parentheses) on this rank. */
static void phase(const char *name)
{
    if (!trace.on)
        return;
    double t = MPI_Wtime(), c = cpu_now();
    if (trace.len < sizeof trace.text)
        trace.len += (size_t)snprintf(trace.text + trace.len, sizeof trace.text - trace.len,
                                      " %s %.2f (%.2f)", name, t - trace.last, c - trace.cpu_last);
    trace.last = t;
    trace.cpu_last = c;
}

/* Rank 0 prints the bytes shuffled per event and every rank's phases, one line each (at the
 * end: a collective between phases would time one rank's wait for another as its work). */
static void trace_report(void)
{
    if (!trace.on)
        return;
    uint64_t v[2] = {trace.sent, trace.events}, t[2];
    MPI_Allreduce(v, t, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        fprintf(stderr, "jmine-mpi: %" PRIu64 " bytes shuffled for %" PRIu64
                " events: %.1f bytes per event\n", t[0], t[1],
                t[1] ? (double)t[0] / (double)t[1] : 0.0);
    char line[1200];
    snprintf(line, sizeof line, "jmine-mpi: rank %d: s (cpu s):%s; total %.2f (%.2f)\n", rank,
             trace.text, MPI_Wtime() - trace.t0, cpu_now());
    char **all = jm__xcalloc((size_t)nranks, sizeof *all);
    size_t *n = jm__xcalloc((size_t)nranks, sizeof *n);
    gather_bytes(line, strlen(line), nranks - 1, all, n);
    for (int i = 0; rank == 0 && i < nranks; i++) {
        fputs(all[i], stderr);
        free(all[i]);
    }
    free(all);
    free(n);
}

/* ---- The plan: what each rank reads ---- */

typedef struct item {
    size_t file;
    bool ranged;
    uint64_t lo, hi, line; /* lo 0: from the header on */
} item;

typedef struct plan {
    item *it;
    size_t n;
    /* The first file is plain and this rank's share does not start with it: its header is
     * taken first (an empty range at its end), so that the roles of every file are held to
     * the first file's and the first file's sample fixes the time format, as in one process. */
    bool seed;
    uint64_t seed_at;
} plan;

/* The slice of the files' concatenation (total bytes) that starts rank r's share. */
static uint64_t slice_at(int r, uint64_t total)
{
    uint64_t n = (uint64_t)nranks, k = (uint64_t)r;
    return total / n * k + total % n * k / n;
}

/* Plan the reading: plain files cut at record boundaries into one range per rank, other files
 * whole to the rank whose share holds their middle, so that the ranks' shares, in rank order,
 * are the input in order. Returns false after a read error (message in *err). */
static bool make_plan(jm__cli *r, bool whole, plan *pl, char **err)
{
    size_t nf = r->nfiles;
    uint64_t *size = jm__xcalloc(nf + 1, sizeof *size);
    int *split = jm__xcalloc(nf + 1, sizeof *split);
    if (rank == 0)
        for (size_t i = 0; i < nf; i++) {
            uint64_t s = 0;
            split[i] = !whole && jm__dist_splittable(&r->opt, r->files[i], &s);
            struct stat sb;
            if (!split[i])
                s = strcmp(r->files[i], "-") != 0 && stat(r->files[i], &sb) == 0 &&
                            S_ISREG(sb.st_mode)
                        ? (uint64_t)sb.st_size
                        : 0;
            size[i] = s;
        }
    MPI_Bcast(size, (int)nf, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(split, (int)nf, MPI_INT, 0, MPI_COMM_WORLD);
    /* Standard input reaches rank 0 only: then rank 0 reads every file, so that the input
     * stays in order (the journeys are still rebuilt on every rank). */
    bool all_on_0 = false;
    for (size_t i = 0; i < nf; i++)
        all_on_0 |= strcmp(r->files[i], "-") == 0;
    uint64_t total = 0;
    for (size_t i = 0; i < nf; i++) {
        split[i] &= !all_on_0;
        total += size[i];
    }

    /* Each split file: the ranks' cuts, their slices' quotes and line ends counted. */
    size_t ns = 0;
    for (size_t i = 0; i < nf; i++)
        ns += split[i] != 0;
    uint64_t *mine = jm__xcalloc(2 * ns + 1, sizeof *mine);
    uint64_t *all = jm__xcalloc((2 * ns + 1) * (size_t)nranks, sizeof *all);
    int bad = 0;
    uint64_t g = 0;
    for (size_t i = 0, k = 0; i < nf; g += size[i], i++) {
        if (!split[i])
            continue;
        uint64_t a = slice_at(rank, total), b = slice_at(rank + 1, total);
        uint64_t lo = a > g ? a - g : 0, hi = b > g ? b - g : 0;
        lo = lo < size[i] ? lo : size[i];
        hi = hi < size[i] ? hi : size[i];
        if (!jm__dist_count(r->files[i], lo, hi, &mine[2 * k], &mine[2 * k + 1]))
            bad = 1;
        k++;
    }
    MPI_Allgather(mine, (int)(2 * ns + 1), MPI_UINT64_T, all, (int)(2 * ns + 1), MPI_UINT64_T,
                  MPI_COMM_WORLD);
    /* Each rank's boundary in each split file, and its line. */
    uint64_t *at = jm__xcalloc(2 * ns + 1, sizeof *at);
    uint64_t *ats = jm__xcalloc((2 * ns + 1) * (size_t)nranks, sizeof *ats);
    g = 0;
    for (size_t i = 0, k = 0; i < nf; g += size[i], i++) {
        if (!split[i])
            continue;
        uint64_t a = slice_at(rank, total);
        uint64_t cut = a > g ? a - g : 0;
        cut = cut < size[i] ? cut : size[i];
        uint64_t quotes = 0, ends = 0;
        for (int q = 0; q < rank; q++) {
            quotes += all[(size_t)q * (2 * ns + 1) + 2 * k];
            ends += all[(size_t)q * (2 * ns + 1) + 2 * k + 1];
        }
        uint64_t e = 0;
        if (!jm__dist_boundary(r->files[i], cut, quotes & 1, size[i], &at[2 * k], &e))
            bad = 1;
        at[2 * k + 1] = 1 + ends + e;
        k++;
    }
    at[2 * ns] = (uint64_t)bad;
    MPI_Allgather(at, (int)(2 * ns + 1), MPI_UINT64_T, ats, (int)(2 * ns + 1), MPI_UINT64_T,
                  MPI_COMM_WORLD);
    bool failed = false;
    for (int q = 0; q < nranks; q++)
        failed |= ats[(size_t)q * (2 * ns + 1) + 2 * ns] != 0;
    pl->it = jm__xcalloc(nf + 1, sizeof *pl->it);
    pl->n = 0;
    g = 0;
    for (size_t i = 0, k = 0; i < nf && !failed; g += size[i], i++) {
        if (split[i]) {
            size_t w = 2 * ns + 1;
            uint64_t lo = ats[(size_t)rank * w + 2 * k];
            uint64_t line = ats[(size_t)rank * w + 2 * k + 1];
            uint64_t hi = rank + 1 < nranks ? ats[(size_t)(rank + 1) * w + 2 * k] : size[i];
            /* The rank whose range starts the file reads its header (and says what is wrong
             * with it); the others read it only for a range of their own. */
            bool head = lo == 0 && (rank + 1 == nranks || slice_at(rank + 1, total) > g);
            if (head || hi > lo)
                pl->it[pl->n++] = (item){i, true, lo, hi, lo == 0 ? 0 : line};
            k++;
            continue;
        }
        int owner = 0;
        if (!all_on_0 && total > 0) {
            uint64_t mid = g + size[i] / 2;
            while (owner + 1 < nranks && slice_at(owner + 1, total) <= mid)
                owner++;
        }
        if (owner == rank)
            pl->it[pl->n++] = (item){i, false, 0, 0, 0};
    }
    pl->seed = nf > 0 && split[0] && (pl->n == 0 || pl->it[0].file != 0);
    pl->seed_at = size[0];
    if (failed)
        *err = jm__strdupf("a file could not be read to cut it at record boundaries");
    free(size);
    free(split);
    free(mine);
    free(all);
    free(at);
    free(ats);
    return !failed;
}

/* ---- Agreeing on errors ---- */

/* Every rank calls this with its status (JM_OK or not) and message: returns the first failing
 * rank in input order (or nranks), with its exit code in *code and message in *msg (malloc'd,
 * every rank). */
static int first_failure(int my_code, const char *my_msg, int *code, char **msg)
{
    int me = my_code != 0 ? rank : nranks, f;
    MPI_Allreduce(&me, &f, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    *code = 0;
    *msg = NULL;
    if (f == nranks)
        return f;
    *code = my_code;
    MPI_Bcast(code, 1, MPI_INT, f, MPI_COMM_WORLD);
    *msg = bcast_str(rank == f ? my_msg : "", f);
    return f;
}

/* ---- Messages: rejected rows and notices, in input order, as one process gives them ---- */

/* Rank 0 prints the lines ranks 0 .. upto gathered (cli.h's tagged lines): the first
 * SHOWN_REJECTS rejected rows, each notice once. */
static void print_messages(mem *msgs, int upto)
{
    mem_close(msgs);
    char **all = jm__xcalloc((size_t)nranks, sizeof *all);
    size_t *n = jm__xcalloc((size_t)nranks, sizeof *n);
    gather_bytes(msgs->p ? msgs->p : "", msgs->n, upto, all, n);
    if (rank == 0) {
        int shown = 0;
        char **seen = NULL;
        size_t nseen = 0, seen_cap = 0;
        for (int s = 0; s <= upto; s++) {
            for (char *p = all[s]; p < all[s] + n[s];) {
                char *nl = memchr(p, '\n', (size_t)(all[s] + n[s] - p));
                char *end = nl ? nl + 1 : all[s] + n[s];
                if (*p == 'R' && shown < SHOWN_REJECTS) {
                    fwrite(p + 1, 1, (size_t)(end - p - 1), stderr);
                    shown++;
                } else if (*p == 'N') {
                    char *tab = memchr(p, '\t', (size_t)(end - p));
                    if (tab != NULL) {
                        *tab = '\0';
                        bool have = false;
                        for (size_t i = 0; i < nseen && !have; i++)
                            have = strcmp(seen[i], p + 1) == 0;
                        if (!have) {
                            jm__grow((void **)&seen, &seen_cap, nseen + 1, sizeof *seen);
                            seen[nseen++] = p + 1;
                            fwrite(tab + 1, 1, (size_t)(end - tab - 1), stderr);
                        }
                    }
                }
                p = end;
            }
        }
        free(seen);
        for (int s = 0; s <= upto; s++)
            free(all[s]);
    }
    free(all);
    free(n);
    mem_free(msgs);
    mem_open(msgs);
}

/* ---- The accounting of the whole run ---- */

typedef struct globals {
    jm_input_stats st;
    bool has_end, has_channel, has_lifecycle;
} globals;

static void sum_stats(const jm_log *log, globals *g)
{
    const jm_input_stats *s = jm__dist_stats(log);
    enum { N = 6 + JM_REJECT_COUNT + JM_LC_COUNT + 3 };
    uint64_t v[N], t[N];
    size_t k = 0;
    v[k++] = s->rows;
    v[k++] = s->events;
    v[k++] = s->rejected;
    v[k++] = s->blank_lines;
    v[k++] = s->split_fallbacks;
    v[k++] = s->files;
    for (int i = 0; i < JM_REJECT_COUNT; i++)
        v[k++] = s->rejected_by_reason[i];
    for (int i = 0; i < JM_LC_COUNT; i++)
        v[k++] = s->lifecycle_rows[i];
    bool e, c, l;
    jm__dist_flags(log, &e, &c, &l);
    v[k++] = e;
    v[k++] = c;
    v[k++] = l;
    MPI_Allreduce(v, t, N, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    memset(g, 0, sizeof *g);
    k = 0;
    g->st.rows = t[k++];
    g->st.events = t[k++];
    g->st.rejected = t[k++];
    g->st.blank_lines = t[k++];
    g->st.split_fallbacks = t[k++];
    g->st.files = t[k++];
    for (int i = 0; i < JM_REJECT_COUNT; i++)
        g->st.rejected_by_reason[i] = t[k++];
    for (int i = 0; i < JM_LC_COUNT; i++)
        g->st.lifecycle_rows[i] = t[k++];
    g->has_end = t[k++] != 0;
    g->has_channel = t[k++] != 0;
    g->has_lifecycle = t[k++] != 0;
}

/* ---- The shuffle: each event to the rank owning its case ---- */

/* The bytes of one message of the shuffle, at most: a rank receives into one small buffer used
 * again, not into a block as big as all it receives (80-88 MB a rank on the benchmark log),
 * and rounds stay few. (The run is no faster for it: the pages that block faulted in were
 * then reused by the state's writer, which now faults in its own; see the README.) */
#define ROUND_BYTES ((size_t)8 << 20)

/* The shuffle's receiving end. The events of the ranks are imported in rank order (a case's
 * events in input order, jm__dist_lead): the bytes of the lowest rank not yet whole (`cur`) as
 * they arrive, through one reader; the others' kept in in[] until their turn. */
typedef struct intake {
    jm_log *log;
    jm__dist_buf *in, *own; /* by rank: bytes kept until its turn; this rank's own buffer */
    const uint64_t *rz;     /* by rank: the bytes it sends in all */
    uint64_t *got;          /* by rank: received so far */
    size_t cur;
    jm__dist_in *rd; /* cur's reader */
    char *carry;     /* the start of cur's record that the next bytes end */
    size_t ncarry, carry_cap;
    jm_status st;
} intake;

/* Bytes of rank cur to its reader, after the carry: room bytes before p are free for it (else
 * the two are copied together). */
static void intake_take(intake *t, char *p, size_t n, size_t room)
{
    if (t->st != JM_OK)
        return;
    char *both = NULL;
    if (t->ncarry > 0) {
        if (room >= t->ncarry) {
            p -= t->ncarry;
        } else {
            both = jm__xmalloc(t->ncarry + n);
            memcpy(both + t->ncarry, p, n);
            p = both;
        }
        memcpy(p, t->carry, t->ncarry);
        n += t->ncarry;
        t->ncarry = 0;
    }
    size_t used = 0;
    t->st = jm__dist_in_add(t->rd, p, n, &used);
    if (t->st == JM_OK && used < n) {
        jm__grow((void **)&t->carry, &t->carry_cap, n - used, 1);
        memcpy(t->carry, p + used, n - used);
        t->ncarry = n - used;
    }
    free(both);
}

/* Move cur on past every rank whose bytes are all in: this rank's own (its buffer imported
 * whole, and the events it kept placed after the ranks before it), the others' readers ended;
 * a new cur's kept bytes handed to its reader. */
static void intake_settle(intake *t)
{
    size_t n = (size_t)nranks;
    while (t->cur < n) {
        size_t d = t->cur;
        if (d == (size_t)rank) {
            jm__dist_lead(t->log, false);
            if (t->st == JM_OK)
                t->st = jm__dist_import(t->log, t->own->p, t->own->n);
            t->cur++;
            continue;
        }
        if (t->rd == NULL) {
            t->rd = jm__dist_in_new(t->log);
            if (t->in[d].n > 0)
                intake_take(t, t->in[d].p, t->in[d].n, 0);
            free(t->in[d].p);
            t->in[d] = (jm__dist_buf){0};
        }
        if (t->got[d] < t->rz[d])
            return;
        if (t->st == JM_OK)
            t->st = jm__dist_in_end(t->rd, t->ncarry);
        jm__dist_in_free(t->rd);
        t->rd = NULL;
        t->ncarry = 0;
        t->cur++;
    }
}

/* Send every rank its buffer (out[], freed) and import what the others send into the log, in
 * rounds of at most chunk_size() and ROUND_BYTES bytes per message. Returns the bytes this rank sent; *st the
 * import's status. */
static uint64_t shuffle(jm_log *log, jm__dist_buf *out, jm_status *st)
{
    size_t n = (size_t)nranks;
    uint64_t *sz = jm__xmalloc(n * sizeof *sz), *rz = jm__xmalloc(n * sizeof *rz);
    jm__dist_buf own = out[rank];
    out[rank] = (jm__dist_buf){0};
    uint64_t sent = 0;
    for (size_t d = 0; d < n; d++) {
        sz[d] = out[d].n;
        sent += out[d].n;
    }
    MPI_Alltoall(sz, 1, MPI_UINT64_T, rz, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    rz[rank] = 0;
    size_t chunk = chunk_size();
    chunk = chunk < ROUND_BYTES ? chunk : ROUND_BYTES;
    uint64_t most = 0, rounds;
    for (size_t d = 0; d < n; d++) {
        most = sz[d] > most ? sz[d] : most;
        most = rz[d] > most ? rz[d] : most;
    }
    uint64_t mine = (most + chunk - 1) / chunk;
    MPI_Allreduce(&mine, &rounds, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    intake t = {.log = log, .in = jm__xcalloc(n, sizeof *t.in), .own = &own, .rz = rz,
                .got = jm__xcalloc(n, sizeof *t.got), .st = JM_OK};
    jm__dist_lead(log, true); /* the events of the ranks before this one come first */
    intake_settle(&t);
    int *sc = jm__xmalloc(n * sizeof *sc), *sd = jm__xmalloc(n * sizeof *sd);
    int *rc = jm__xmalloc(n * sizeof *rc), *rd = jm__xmalloc(n * sizeof *rd);
    /* A round that sends to one rank only (always so with two ranks) sends from that rank's
     * buffer in place; else the round's bytes are copied into one send buffer. */
    size_t senders = 0;
    for (size_t d = 0; d < n; d++)
        senders += sz[d] > 0;
    char *sbuf = senders > 1 ? jm__xmalloc(n * chunk + 1) : NULL;
    char *rbuf = NULL;
    size_t rcap = 0;
    for (uint64_t k = 0; k < rounds; k++) {
        uint64_t off = k * chunk;
        /* cur's bytes first, after room for its carry (counts and displacements stay ints:
         * each count at most chunk, chunk * ranks at most INT_MAX). */
        size_t first = t.cur, room = t.ncarry;
        if (room > (size_t)INT_MAX - n * chunk)
            room = 0;
        size_t s = 0, r = room;
        const char *from = sbuf;
        for (size_t d = 0; d < n; d++) {
            size_t c = sz[d] > off ? (size_t)(sz[d] - off < chunk ? sz[d] - off : chunk) : 0;
            if (c > 0 && sbuf != NULL)
                memcpy(sbuf + s, out[d].p + off, c);
            else if (c > 0)
                from = out[d].p + off;
            sc[d] = (int)c;
            sd[d] = sbuf != NULL ? (int)s : 0;
            s += c;
            size_t e = rz[d] > off ? (size_t)(rz[d] - off < chunk ? rz[d] - off : chunk) : 0;
            rc[d] = (int)e;
        }
        if (first < n) {
            rd[first] = (int)r;
            r += (size_t)rc[first];
        }
        for (size_t d = 0; d < n; d++) {
            if (d != first) {
                rd[d] = (int)r;
                r += (size_t)rc[d];
            }
        }
        if (r + 1 > rcap) {
            free(rbuf);
            rcap = r + 1;
            rbuf = jm__xmalloc(rcap);
        }
        MPI_Alltoallv(from != NULL ? from : "", sc, sd, MPI_BYTE, rbuf, rc, rd, MPI_BYTE,
                      MPI_COMM_WORLD);
        for (size_t d = 0; d < n; d++) {
            if (rc[d] == 0)
                continue;
            size_t e = (size_t)rc[d];
            t.got[d] += e;
            if (d == t.cur) {
                intake_take(&t, rbuf + rd[d], e, d == first ? room : 0);
            } else if (t.st == JM_OK) {
                if (t.in[d].p == NULL)
                    t.in[d].p = jm__xmalloc(rz[d] + 1);
                memcpy(t.in[d].p + t.in[d].n, rbuf + rd[d], e);
                t.in[d].n += e;
            }
            intake_settle(&t);
        }
    }
    intake_settle(&t); /* ranks that sent nothing, and this rank's own after the last */
    *st = t.st;
    for (size_t d = 0; d < n; d++) {
        free(out[d].p);
        free(t.in[d].p);
    }
    jm__dist_in_free(t.rd);
    free(t.in);
    free(t.got);
    free(t.carry);
    free(own.p);
    free(rbuf);
    free(sbuf);
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    free(sz);
    free(rz);
    return sent;
}

/* ---- Journeys: each rank's rows, merged by case id on rank 0 ---- */

/* The record at p (up to end) of a CSV: its first field unquoted into *id (malloc'd, *nid), and
 * the offset after its line end. */
static const char *csv_record(const char *p, const char *end, char **id, size_t *nid)
{
    size_t cap = 64, n = 0;
    char *s = jm__xmalloc(cap);
    bool quoted = p < end && *p == '"', first = true;
    const char *q = p + quoted;
    for (; q < end; q++) {
        char c = *q;
        if (quoted) {
            if (c == '"' && q + 1 < end && q[1] == '"') {
                q++;
            } else if (c == '"') {
                quoted = false;
                continue;
            }
        } else if (c == '\n') {
            q++;
            break;
        } else if (c == ',') {
            first = false;
        } else if (c == '"') {
            quoted = true;
            continue;
        }
        if (first && (quoted || c != ',')) {
            jm__grow((void **)&s, &cap, n + 1, 1);
            s[n++] = c;
        }
    }
    *id = s;
    *nid = n;
    return q;
}

/* Merge the journeys CSVs of every rank (header, then rows by case id) into one. */
static char *merge_journeys(char **part, size_t *npart, size_t *n)
{
    size_t k = (size_t)nranks, total = 0;
    const char **at = jm__xcalloc(k, sizeof *at), **end = jm__xcalloc(k, sizeof *end);
    char **id = jm__xcalloc(k, sizeof *id);
    size_t *nid = jm__xcalloc(k, sizeof *nid);
    const char **next = jm__xcalloc(k, sizeof *next);
    for (size_t i = 0; i < k; i++)
        total += npart[i];
    char *out = jm__xmalloc(total + 1);
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        at[i] = part[i];
        end[i] = part[i] + npart[i];
        /* The header: written once. */
        const char *nl = memchr(at[i], '\n', npart[i]);
        const char *h = nl ? nl + 1 : end[i];
        if (i == 0) {
            memcpy(out, at[i], (size_t)(h - at[i]));
            o = (size_t)(h - at[i]);
        }
        at[i] = h;
        if (at[i] < end[i])
            next[i] = csv_record(at[i], end[i], &id[i], &nid[i]);
    }
    for (;;) {
        size_t best = k;
        for (size_t i = 0; i < k; i++)
            if (at[i] < end[i] &&
                (best == k || jm__bytes_cmp(id[i], nid[i], id[best], nid[best]) < 0))
                best = i;
        if (best == k)
            break;
        size_t len = (size_t)(next[best] - at[best]);
        memcpy(out + o, at[best], len);
        o += len;
        at[best] = next[best];
        free(id[best]);
        id[best] = NULL;
        if (at[best] < end[best])
            next[best] = csv_record(at[best], end[best], &id[best], &nid[best]);
    }
    for (size_t i = 0; i < k; i++)
        free(id[i]);
    free(at);
    free(end);
    free(id);
    free(nid);
    free(next);
    *n = o;
    return out;
}

/* ---- The run ---- */

/* Read this rank's share of the plan into log. Returns the status, *failed_range when a range
 * was misled by stray quotes. */
static jm_status read_share(jm__cli *r, jm_log *log, const plan *pl, bool *failed_range)
{
    jm_status s = JM_OK;
    if (pl->seed) {
        jm__dist_range(log, pl->seed_at, pl->seed_at, 0);
        s = jm_log_add_file(log, r->files[0]);
    }
    for (size_t i = 0; i < pl->n && s == JM_OK; i++) {
        const item *it = &pl->it[i];
        if (it->ranged)
            jm__dist_range(log, it->lo, it->hi, it->line);
        s = jm_log_add_file(log, r->files[it->file]);
    }
    *failed_range = jm__dist_range_failed(log);
    return s;
}

/* Where the (max + 1)-th rejected row is, for --max-rejects: kept as rows are rejected. */
typedef struct reject_watch {
    jm__cli *r;
    uint64_t max; /* the option's value */
    uint64_t seen;
    char *where;  /* "FILE:LINE" of each of the first max + 1, joined by NUL bytes */
    size_t nwhere, cap;
} reject_watch;

static void watch_reject(void *data, const jm_reject *rj)
{
    reject_watch *w = data;
    if (w->max != UINT64_MAX && w->seen <= w->max) {
        char buf[64];
        int k = snprintf(buf, sizeof buf, ":%" PRIu64, rj->line);
        size_t fl = strlen(rj->file);
        jm__grow((void **)&w->where, &w->cap, w->nwhere + fl + (size_t)k + 1, 1);
        memcpy(w->where + w->nwhere, rj->file, fl);
        memcpy(w->where + w->nwhere + fl, buf, (size_t)k + 1);
        w->nwhere += fl + (size_t)k + 1;
    }
    w->seen++;
    jm__cli_on_reject(w->r, rj);
}

/* The i-th "FILE:LINE" (0-based) a watch kept. */
static const char *watch_at(const reject_watch *w, uint64_t i)
{
    const char *p = w->where;
    while (i-- > 0)
        p += strlen(p) + 1;
    return p;
}

static int run_mpi(jm__cli *r)
{
    /* The command line was checked alike on every rank: from here on, every rank speaks
     * through rank 0. */
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        saved_stderr = -1;
    }
    trace.on = getenv("JMINE_MPI_TRACE") != NULL && *getenv("JMINE_MPI_TRACE") != '\0';
    trace.t0 = trace.last = MPI_Wtime();
    trace.cpu_last = cpu_now();
    int code = 0, f;
    char *msg = NULL;
    if (r->keep_coverage) {
        /* Its passes rank the variants of every journey of the run: no rank holds them. */
        if (rank == 0)
            fprintf(stderr, "jmine: --keep-coverage is not available in jmine-mpi (its passes need "
                            "every journey's variant in one process); run jmine\nTry 'jmine %s "
                            "--help'.\n", r->cmd->name);
        return 2;
    }

    /* Rank 0 opens the outputs, before anything is read (as one process does). */
    int opened = rank != 0 || jm__cli_open_outputs(r);
    MPI_Bcast(&opened, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!opened)
        return jm__cli_fail(r, 1);

    uint64_t memory = r->opt.memory_bytes;
    reject_watch w = {.r = r, .max = r->opt.max_rejects};
    r->opt.max_rejects = UINT64_MAX; /* decided over every rank's rows */
    r->opt.memory_bytes = 0;         /* the shares are read whole, then bounded */
    r->opt.on_reject = watch_reject;
    r->opt.on_reject_data = &w;
    r->opt.reject_rows = r->rejects_path != NULL;
    r->opt.on_notice = jm__cli_on_notice;
    r->opt.on_notice_data = r;
    mem msgs, rej = {0};
    mem_open(&msgs);
    r->msg = msgs.f;
    r->msg_tag = true;

    jm_log *log = NULL;
    jm_report *rep = NULL;
    jm_status s = JM_OK;
    bool whole = false;
    for (;;) {
        if (r->rejects_path != NULL) {
            mem_free(&rej);
            mem_open(&rej);
            r->rejects_file = rej.f;
            r->rejects_header_done = false;
        }
        char *err = NULL;
        log = jm_log_new(&r->opt, &err);
        if (log != NULL)
            jm__dist_route(log, (unsigned)nranks,
                           rank == 0 || memory == 0 ? (unsigned)rank : JM_WIRE_NONE);
        int ok = log != NULL;
        f = first_failure(ok ? 0 : 2, err ? err : "", &code, &msg);
        free(err);
        if (f < nranks) {
            if (rank == 0)
                fprintf(stderr, "jmine: %s\nTry 'jmine %s --help'.\n", msg, r->cmd->name);
            goto fail;
        }
        plan pl;
        if (!make_plan(r, whole, &pl, &err)) {
            s = JM_EINPUT;
            jm__dist_set_files(log, NULL, 0);
        }
        bool misled = false;
        phase("plan");
        if (s == JM_OK)
            s = read_share(r, log, &pl, &misled);
        free(pl.it);
        int any, mine = misled;
        MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (!any || whole) {
            if (err != NULL)
                jm__log_set_error(log, err);
            break;
        }
        /* Stray quotes misled a cut: read every file whole instead (as one process falls back
         * to one thread). */
        free(err);
        jm_log_free(log);
        mem_free(&msgs);
        mem_open(&msgs);
        r->msg = msgs.f;
        w.seen = w.nwhere = 0;
        r->rejects_seen = 0;
        s = JM_OK;
        whole = true;
    }
    phase("read");

    /* --max-rejects over every rank's rows: the (max + 1)-th rejected row in input order. */
    uint64_t *seen = jm__xcalloc((size_t)nranks, sizeof *seen);
    MPI_Allgather(&w.seen, 1, MPI_UINT64_T, seen, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    int my_code = s == JM_OK ? 0 : jm_status_exit_code(s);
    const char *my_msg = s == JM_OK ? "" : jm_log_error(log);
    char *rej_msg = NULL;
    if (w.max != UINT64_MAX) {
        uint64_t before = 0;
        for (int q = 0; q < rank; q++)
            before += seen[q];
        /* Only rows read before this rank's own failure count (one process stops there). */
        if (before + w.seen > w.max && before <= w.max) {
            rej_msg = jm__strdupf("%s: more than %" PRIu64 " rows rejected (--max-rejects)",
                                  watch_at(&w, w.max - before), w.max);
            my_code = jm_status_exit_code(JM_EREJECTS);
            my_msg = rej_msg;
        }
    }
    free(seen);
    f = first_failure(my_code, my_msg, &code, &msg);
    free(rej_msg);
    print_messages(&msgs, f < nranks ? f : nranks - 1);
    if (f < nranks) {
        if (rank == 0)
            fprintf(stderr, "jmine: %s\n", msg);
        goto fail;
    }

    globals g;
    sum_stats(log, &g);
    /* The files of the run, listed once (by rank 0's state); columns for ranks that read none. */
    if (rank == 0)
        jm__dist_set_files(log, r->files, r->nfiles);
    else
        jm__dist_set_files(log, NULL, 0);
    int have = jm__dist_read_any(log) ? rank : nranks, first;
    MPI_Allreduce(&have, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first < nranks) {
        char *cols = rank == first ? jm__dist_columns(log) : NULL;
        char *all = bcast_str(cols ? cols : "", first);
        if (!jm__dist_read_any(log))
            jm__dist_set_columns(log, all);
        free(all);
        free(cols);
    }
    if (g.st.rows > 0 && g.st.events == 0) {
        /* Every row of the run rejected: rank 0 says so as one process does. */
        if (rank == 0) {
            jm_input_stats st = g.st;
            st.files = r->nfiles;
            jm__dist_set_stats(log, &st);
            s = jm_report_build(log, &rep);
            fprintf(stderr, "jmine: %s\n", jm_log_error(log));
        }
        code = jm_status_exit_code(JM_EINPUT);
        goto fail;
    }

    /* The shuffle. */
    size_t n = (size_t)nranks;
    jm__dist_buf *out = jm__xcalloc(n, sizeof *out);
    uint64_t events = jm__dist_export(log, out);
    trace.events = events + jm__dist_stats(log)->events; /* routed and kept */
    phase("export");
    r->opt.memory_bytes = memory;
    s = JM_OK;
    trace.sent = shuffle(log, out, &s);
    free(out);
    phase("shuffle");

    /* Journeys rebuilt where they landed; the ranks' results to rank 0. */
    if (s == JM_OK) {
        jm__dist_share(log, g.has_end, g.has_channel, g.has_lifecycle, g.st.lifecycle_rows);
        s = jm_report_build(log, &rep);
    }
    phase("journeys");
    mem res;
    mem_open(&res);
    if (s == JM_OK && r->cmd->bit == CMD_JOURNEYS)
        s = jm_write_journeys(rep, JM_FORMAT_CSV, res.f);
    mem_close(&res);
    if (s == JM_OK && r->cmd->bit != CMD_JOURNEYS) {
        /* The state's bytes as its writer made them (through a memory stream, a copy of them
         * took 0.25 s on the benchmark log). */
        void *bytes;
        size_t nbytes;
        s = jm__report_state_bytes(rep, &bytes, &nbytes);
        if (s == JM_OK) {
            free(res.p);
            res.p = bytes;
            res.n = nbytes;
        }
    }
    const char *err = s == JM_OK ? "" : jm_strerror(s);
    /* The report and the log's events are done with: their memory goes back before rank 0
     * merges the states (its peak). */
    jm_report_free(rep);
    rep = NULL;
    jm_log_free(log);
    log = NULL;
    phase("save");
    /* Rank 0 merges its own state while the others still finish theirs (before the ranks
     * agree that all went well: the states are then merged as they arrive, in rank order, not
     * all held at once). */
    jm_merge *m = NULL;
    char *merr = NULL;
    jm_status ms = JM_OK;
    if (rank == 0 && s == JM_OK && r->cmd->bit != CMD_JOURNEYS) {
        m = jm_merge_new(&r->opt, &merr);
        ms = m != NULL ? jm_merge_add_state(m, "rank 0", res.p ? res.p : "", res.n) : JM_EUSAGE;
        mem_free(&res);
    }
    phase("own");
    f = first_failure(s == JM_OK ? 0 : jm_status_exit_code(s), err, &code, &msg);
    if (f < nranks) {
        if (rank == 0)
            fprintf(stderr, "jmine: %s\n", msg);
        mem_free(&res);
        jm_merge_free(m);
        free(merr);
        goto fail;
    }
    char **part = jm__xcalloc(n, sizeof *part);
    size_t *npart = jm__xcalloc(n, sizeof *npart);
    if (r->cmd->bit == CMD_JOURNEYS) {
        gather_bytes(res.p ? res.p : "", res.n, nranks - 1, part, npart);
    } else if (rank == 0) {
        for (int i = 1; i < nranks; i++) {
            size_t len;
            char *st = recv_bytes(i, &len);
            char name[32];
            snprintf(name, sizeof name, "rank %d", i);
            if (ms == JM_OK)
                ms = jm_merge_add_state(m, name, st, len);
            free(st);
        }
    } else {
        send_bytes(res.p ? res.p : "", res.n);
    }
    mem_free(&res);
    phase("gather");

    /* Rank 0 writes: the merged states, or the journeys merged by case id. */
    if (rank == 0) {
        if (r->rejects_path != NULL) {
            /* Every rank's rejected rows, after the one header. */
            mem_close(&rej);
            r->rejects_file = NULL;
            FILE *rf = jm__output_file(r->rejects_out);
            char **rr = jm__xcalloc(n, sizeof *rr);
            size_t *nr = jm__xcalloc(n, sizeof *nr);
            gather_bytes(rej.p ? rej.p : "", rej.n, nranks - 1, rr, nr);
            bool header = false;
            for (size_t i = 0; i < n; i++) {
                long long hl = 0;
                if (i > 0 && nr[i] > 0)
                    MPI_Recv(&hl, 1, MPI_LONG_LONG, (int)i, 3, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
                else if (i == 0)
                    hl = r->rejects_header_len;
                size_t skip = header ? (size_t)hl : 0;
                if (nr[i] > skip && fwrite(rr[i] + skip, 1, nr[i] - skip, rf) != nr[i] - skip)
                    r->rejects_io_error = true;
                header |= nr[i] > 0;
                free(rr[i]);
            }
            free(rr);
            free(nr);
        }
        jm_input_stats st = g.st;
        if (r->cmd->bit == CMD_JOURNEYS) {
            r->body = merge_journeys(part, npart, &r->nbody);
            code = jm__cli_write(r, NULL, &st);
            free((char *)r->body);
        } else {
            s = ms;
            if (s == JM_OK)
                s = jm_merge_report(m, &rep);
            if (s != JM_OK) {
                fprintf(stderr, "jmine: %s\n", m ? jm_merge_error(m) : merr);
                code = jm__cli_fail(r, jm_status_exit_code(s));
            } else {
                jm_report_input_stats(rep, &st);
                code = jm__cli_write(r, rep, &st);
                code = jm__cli_history(r, rep, code);
            }
            jm_report_free(rep);
            rep = NULL;
        }
    } else if (r->rejects_path != NULL) {
        mem_close(&rej);
        send_bytes(rej.p ? rej.p : "", rej.n);
        if (rej.n > 0)
            MPI_Send(&r->rejects_header_len, 1, MPI_LONG_LONG, 0, 3, MPI_COMM_WORLD);
    }
    for (size_t i = 0; i < n; i++)
        free(part[i]);
    free(part);
    free(npart);
    jm_merge_free(m);
    free(merr);
    phase("write");
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    trace_report();
    mem_free(&rej);
    mem_free(&msgs);
    r->msg = stderr;
    jm_log_free(log);
    free(msg);
    free(w.where);
    return code;

fail:
    if (rank == 0)
        jm__cli_fail(r, code);
    jm_report_free(rep);
    jm_log_free(log);
    mem_free(&rej);
    mem_free(&msgs);
    r->msg = stderr;
    free(msg);
    free(w.where);
    return code;
}

static void finish(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done) {
        fflush(stdout);
        MPI_Finalize();
    }
}

int main(int argc, char **argv)
{
    /* A rank waiting in a collective gives its core up rather than spin (unless the user
     * says otherwise): ranks often share cores with other work, and spinning slows the rank
     * that is still reading. */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
#ifdef __GLIBC__
    /* A rank's big blocks (its events' buffers, what it receives, its state) come and go one
     * after another: taken from the heap and kept there when freed, not mapped and unmapped,
     * the next one reuses the pages of the last instead of fresh ones, which the kernel must
     * clear (and which cost 3 to 13 us each on the machine of the benchmark). mpirun -np 2 on
     * the benchmark log, paired, 3 rounds: 6.53 -> 6.26 s; a rank's peak 393 -> 393-480 MB. */
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    /* A usage error exits on every rank alike: MPI is finalized on the way out. */
    atexit(finish);
    if (rank != 0) {
        /* Only rank 0 speaks: help, version and usage errors are the same on every rank. */
        int null = open("/dev/null", O_WRONLY);
        saved_stderr = dup(STDERR_FILENO);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    return jm__cli_main(argc, argv, run_mpi, rank == 0);
}
