/* SPDX-License-Identifier: MIT */
/* Reading one plain file with several threads: split at record boundaries, parse the ranges side
 * by side, merge their batches in file order. */
#include "parallel.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NONE UINT64_MAX

/* ---- Reading bytes ---- */

/* Read n bytes at off into buf; false on a read error or a file that shrank. */
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

/* ---- Finding record boundaries ---- */

/* The offset just after the first line end outside quotes in buf[0..n), the quote state at its
 * start being `quoted` (CRLF taken whole: `next` is the byte after buf, 0 at the end of the
 * file), or NONE; *ends gets the line ends before that offset. A CRLF may end one byte past
 * buf: its CR is then left to its LF, as jm__count_text counts. */
static uint64_t first_boundary(const char *buf, size_t n, char next, bool quoted, uint64_t *ends)
{
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            size_t after = i + 1 + (c == '\r' && (i + 1 < n ? buf[i + 1] : next) == '\n');
            size_t upto = after <= n ? after : n;
            *ends = jm__csv_line_ends(buf, upto, upto < n ? buf[upto] : next) + (after > n);
            return after;
        }
    }
    return NONE;
}

/* A block of a plain file: read, counted and parsed by one worker. Its range starts at its
 * first record boundary (which its quote state at the start tells) and runs to the next block's. */
typedef struct block {
    uint64_t start, end;
    bool counted;       /* quotes and line_ends are in */
    uint64_t quotes;
    uint64_t line_ends;
    bool quoted;        /* at start: inside a quoted field (known once the blocks before are counted) */
    uint64_t line;      /* at start */
} block;

/* ---- Parsing ranges ---- */

typedef struct range {
    uint64_t start, end; /* bytes of the file (of the inflated stream for a source) */
    uint64_t line;
    char *data;          /* the bytes, for a stream; NULL: read them from the file */
    size_t data_cap;     /* the size of data's allocation */
    bool last;           /* the end of the input */
    bool cut_short;      /* the bytes before a read error: parsed, not finished */
    /* Filled by the worker that parsed it. */
    bool done;
    bool at_boundary;
    jm_status st;
    char *err;
    jm__batch *batch;
    uint64_t blank;
} range;

typedef struct shared {
    jm__file *file;
    int fd;
    uint64_t size;
    block *blocks;
    size_t nblocks, next_block;
    size_t known; /* the blocks whose quote state and line at the start are known */
    range **ranges; /* pointers, so that the array may grow while workers hold ranges */
    size_t nranges, ranges_cap;
    bool producing;     /* more ranges may come (a stream being split) */
    size_t next_range;  /* the next range a worker takes */
    size_t next_commit; /* the next range to merge into the log */
    bool committing;    /* a thread is merging ranges */
    jm__batch **pool;   /* merged batches, empty, for the next ranges to fill */
    size_t npool, pool_cap;
    /* A stream's merged ranges' byte buffers, for the splitter to fill again: fresh memory
     * costs a page fault every 4 KiB. */
    struct spare {
        char *p;
        size_t cap;
    } *spare;
    size_t nspare, spare_cap;
    size_t window;      /* ranges parsed ahead of the merge at most */
    bool stop;
    bool fallback; /* a range did not end on a record boundary: read on serially */
    jm_status st;
    char *err;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    jm__csv_progress_fn progress;
    void *progress_data;
} shared;

/* Free what a read held: its ranges, blocks, error and lock. */
static void shared_free(shared *s)
{
    for (size_t i = 0; i < s->nranges; i++) {
        jm__batch_free(s->ranges[i]->batch);
        free(s->ranges[i]->err);
        free(s->ranges[i]->data);
        free(s->ranges[i]);
    }
    free(s->ranges);
    for (size_t i = 0; i < s->npool; i++)
        jm__batch_free(s->pool[i]);
    free(s->pool);
    for (size_t i = 0; i < s->nspare; i++)
        free(s->spare[i].p);
    free(s->spare);
    free(s->blocks);
    free(s->err);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
}

/* Add a range; called with the lock held. */
static void push_range(shared *s, range r)
{
    jm__grow((void **)&s->ranges, &s->ranges_cap, s->nranges + 1, sizeof *s->ranges);
    s->ranges[s->nranges] = jm__xmalloc(sizeof **s->ranges);
    *s->ranges[s->nranges++] = r;
}

/* Merge every parsed range that is next in file order. Called with the lock held, which is let
 * go during each merge so that the other threads go on parsing; one thread merges at a time,
 * and picks up the ranges that others finish meanwhile. */
static void commit(shared *s)
{
    if (s->committing)
        return;
    s->committing = true;
    while (!s->stop && s->next_commit < s->nranges && s->ranges[s->next_commit]->done) {
        range *r = s->ranges[s->next_commit];
        if (!r->at_boundary && r->st == JM_OK) {
            s->fallback = true;
            s->stop = true;
            break;
        }
        jm_status st = r->st;
        pthread_mutex_unlock(&s->lock);
        /* Rows before a break in the input (a quote open at the end) are merged too, as when
         * one thread reads. */
        bool merged = (st == JM_OK || st == JM_EINPUT) && r->batch != NULL;
        if (merged) {
            jm_status m = jm__batch_merge(r->batch, r->blank);
            if (m != JM_OK) {
                st = m;
                free(r->err);
                r->err = NULL;
            }
        }
        if (s->progress && r->batch != NULL)
            s->progress(s->progress_data, r->end);
        pthread_mutex_lock(&s->lock);
        if (st != JM_OK) {
            s->st = st;
            s->err = r->err;
            r->err = NULL;
            s->stop = true;
        }
        /* A merged batch is empty again: the next range takes it, with the memory it grew. */
        if (merged) {
            jm__grow((void **)&s->pool, &s->pool_cap, s->npool + 1, sizeof *s->pool);
            s->pool[s->npool++] = r->batch;
        } else {
            jm__batch_free(r->batch);
        }
        r->batch = NULL;
        if (r->data != NULL) {
            jm__grow((void **)&s->spare, &s->spare_cap, s->nspare + 1, sizeof *s->spare);
            s->spare[s->nspare++] = (struct spare){r->data, r->data_cap};
            r->data = NULL;
        }
        s->next_commit++;
        pthread_cond_broadcast(&s->cond);
    }
    s->committing = false;
    pthread_cond_broadcast(&s->cond);
}

/* Parse n bytes of range r into its batch; exact: count line breaks inside quoted fields too.
 * Returns the line reached. */
static uint64_t parse_bytes(shared *s, range *r, const char *bytes, size_t n, bool exact)
{
    /* The case field is hashed, and its slot fetched, as soon as it is read. */
    jm__csv_opts opt = s->file->copt;
    opt.key_col = s->file->key_col;
    opt.on_key = jm__batch_key;
    jm__csv *c = jm__csv_new(s->file->delim, &opt, jm__batch_row, r->batch, r->line);
    if (!exact)
        jm__csv_inexact_lines(c);
    r->st = jm__csv_feed(c, bytes, n);
    r->at_boundary = false;
    if (r->st == JM_OK) {
        if (r->cut_short) {
            r->at_boundary = true; /* the records before the break, as one thread reads them */
        } else if (r->last) {
            r->st = jm__csv_finish(c, s->file->name, &r->err);
            r->at_boundary = true;
        } else {
            r->at_boundary = jm__csv_at_boundary(c);
        }
    }
    r->blank = jm__csv_blank(c);
    uint64_t line = jm__csv_line(c);
    jm__csv_free(c);
    return line;
}

/* Parse the n bytes of range r into a batch (a merged one, or new). */
static void parse_range(shared *s, range *r, const char *bytes, size_t n)
{
    pthread_mutex_lock(&s->lock);
    r->batch = s->npool > 0 ? s->pool[--s->npool] : jm__batch_new(s->file);
    pthread_mutex_unlock(&s->lock);
    /* Lines are counted from record ends only, which is exact unless a quoted field holds a
     * line break. When something names a line (a rejection, an error) and one did, the range
     * is parsed again counting every line. */
    uint64_t line = parse_bytes(s, r, bytes, n, false);
    if ((r->st != JM_OK || jm__batch_rejections(r->batch) > 0) &&
        line - r->line != jm__csv_line_ends(bytes, n, 0)) {
        jm__batch_reset(r->batch);
        free(r->err);
        r->err = NULL;
        parse_bytes(s, r, bytes, n, true);
    }
}

/* The byte after the first line end outside quotes from buf[from] on, the quote state there
 * being `quoted`, reading on past the n bytes in *buf as needed (*buf grows): the end of block
 * b's range. The end of the file if there is none; false on a read error. */
static bool range_end(shared *s, const block *b, char **buf, size_t *cap, size_t n, size_t from,
                      bool quoted, uint64_t *end)
{
    enum { MORE = 1 << 16 };
    size_t i = from;
    for (;;) {
        for (; i < n; i++) {
            char c = (*buf)[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                if (c == '\r' && i + 1 == n && b->start + n < s->size)
                    break; /* a CR last: read on to see whether a LF follows */
                *end = b->start + i + 1 + (c == '\r' && i + 1 < n && (*buf)[i + 1] == '\n');
                return true;
            }
        }
        if (b->start + n >= s->size) {
            *end = s->size;
            return true;
        }
        size_t k = s->size - (b->start + n) < MORE ? (size_t)(s->size - (b->start + n)) : MORE;
        jm__grow((void **)buf, cap, n + k + 1, 1);
        if (!read_at(s->fd, *buf + n, k, b->start + n))
            return false;
        n += k;
    }
}

/* Mark the blocks whose start state follows from those before; called with the lock held. */
static void advance_known(shared *s)
{
    while (s->known < s->nblocks && s->blocks[s->known - 1].counted) {
        const block *p = &s->blocks[s->known - 1];
        block *b = &s->blocks[s->known];
        b->quoted = p->quoted ^ (p->quotes & 1);
        b->line = p->line + p->line_ends;
        s->known++;
    }
}

/* Block i of a plain file: read once; its quotes and line ends counted and published; once those
 * of the blocks before are in, its range found and parsed. A block with no record boundary
 * (inside a long quoted field) has an empty range: the range before runs past it. */
static void read_block(shared *s, size_t i, char **buf, size_t *cap)
{
    block *b = &s->blocks[i];
    range *r = s->ranges[i];
    size_t n = (size_t)(b->end - b->start);
    /* One byte more, to see whether a CR at the end is half of a CRLF. */
    size_t look = b->end < s->size ? n + 1 : n;
    jm__grow((void **)buf, cap, look + 1, 1);
    bool ok = read_at(s->fd, *buf, look, b->start);
    char next = ok && look > n ? (*buf)[n] : 0;
    uint64_t quotes = 0, ends = 0;
    if (ok)
        jm__count_text(*buf, n, next, &quotes, &ends);

    pthread_mutex_lock(&s->lock);
    b->quotes = quotes;
    b->line_ends = ends;
    b->counted = true;
    advance_known(s);
    pthread_cond_broadcast(&s->cond);
    while (!s->stop && s->known <= i)
        pthread_cond_wait(&s->cond, &s->lock);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    if (stop)
        return; /* nothing more is merged */

    r->start = r->end = b->start;
    if (ok) {
        uint64_t from = 0, before = 0;
        if (i > 0)
            from = first_boundary(*buf, n, next, b->quoted, &before);
        if (from == NONE || b->start + from >= s->size) {
            r->at_boundary = true; /* empty: the range before runs past this block */
            return;
        }
        r->start = b->start + from;
        r->line = b->line + before;
        bool quoted = b->quoted ^ (quotes & 1);
        if (i + 1 == s->nblocks)
            r->end = s->size;
        else
            ok = range_end(s, b, buf, cap, look, n, quoted, &r->end);
        r->last = r->end == s->size;
    }
    if (!ok) {
        r->st = JM_EINPUT;
        r->err = jm__strdupf("%s: read error at byte %llu: %s", s->file->name,
                             (unsigned long long)b->start, errno ? strerror(errno) : "short read");
        return;
    }
    parse_range(s, r, *buf + (r->start - b->start), (size_t)(r->end - r->start));
}

/* A worker on a plain file: takes the blocks in order, within a window of the merge so that
 * parsed batches do not pile up in memory. */
static void *file_worker(void *arg)
{
    shared *s = arg;
    char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->stop && s->next_block < s->nblocks &&
               s->next_block >= s->next_commit + s->window)
            pthread_cond_wait(&s->cond, &s->lock);
        size_t i = s->next_block;
        bool go = !s->stop && i < s->nblocks;
        if (go)
            s->next_block++;
        pthread_mutex_unlock(&s->lock);
        if (!go)
            break;
        read_block(s, i, &buf, &cap);
        pthread_mutex_lock(&s->lock);
        s->ranges[i]->done = true;
        commit(s);
        pthread_mutex_unlock(&s->lock);
    }
    free(buf);
    return NULL;
}

/* A worker on a stream: takes the ranges the splitter hands on, in order. */
static void *parse_worker(void *arg)
{
    shared *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        /* Wait for a range, staying within a window of the merge so that parsed batches do not
         * pile up in memory. */
        while (!s->stop && ((s->next_range == s->nranges && s->producing) ||
                            (s->next_range < s->nranges &&
                             s->next_range >= s->next_commit + s->window)))
            pthread_cond_wait(&s->cond, &s->lock);
        size_t i = s->next_range;
        bool go = !s->stop && i < s->nranges;
        if (go)
            s->next_range++;
        range *r = go ? s->ranges[i] : NULL;
        pthread_mutex_unlock(&s->lock);
        if (!go)
            break;
        parse_range(s, r, r->data, (size_t)(r->end - r->start));
        pthread_mutex_lock(&s->lock);
        r->done = true;
        commit(s);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

/* Run fn on `threads` threads, this one included. */
static void run_threads(unsigned threads, void *(*fn)(void *), shared *s)
{
    pthread_t *t = jm__xcalloc(threads, sizeof *t);
    unsigned started = 0;
    /* A thread that cannot be started leaves its share to the others. */
    for (unsigned i = 1; i < threads; i++)
        if (pthread_create(&t[started], NULL, fn, s) == 0)
            started++;
    fn(s);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
}

jm_status jm__read_parallel(jm__file *f, int fd, uint64_t data, uint64_t data_line, uint64_t size,
                            unsigned threads, uint64_t block_bytes, uint64_t *resume,
                            uint64_t *resume_line, char **err)
{
    shared s = {.file = f, .fd = fd, .size = size, .st = JM_OK};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    s.progress = f->copt.progress;
    s.progress_data = f->copt.progress_data;
    *resume = NONE;

    /* Blocks: several per thread so that threads that finish early take more. */
    uint64_t len = size - data;
    uint64_t bsize = block_bytes;
    if (bsize == 0) {
        bsize = len / ((uint64_t)threads * 8);
        if (bsize < (1u << 20))
            bsize = 1u << 20;
        /* Each thread holds a range's bytes and its batch until merged: small ranges keep
         * that memory small, while the merges stay few enough to cost nothing. */
        if (bsize > (8u << 20))
            bsize = 8u << 20;
    }
    s.nblocks = (size_t)((len + bsize - 1) / bsize);
    s.blocks = jm__xcalloc(s.nblocks, sizeof *s.blocks);
    for (size_t i = 0; i < s.nblocks; i++) {
        s.blocks[i].start = data + i * bsize;
        s.blocks[i].end = i + 1 == s.nblocks ? size : data + (i + 1) * bsize;
        push_range(&s, (range){.line = data_line});
    }
    s.known = 1;
    s.window = (size_t)threads * 3;
    if (s.nblocks > 0) {
        s.blocks[0].line = data_line;
        run_threads(threads, file_worker, &s);
    }
    if (s.fallback && s.st == JM_OK) {
        /* Stray quotes misled the split: the ranges merged so far are right, the rest is read
         * on one thread from the first range that is not. */
        *resume = s.ranges[s.next_commit]->start;
        *resume_line = s.ranges[s.next_commit]->line;
    }
    if (s.st != JM_OK && s.err != NULL) {
        *err = s.err;
        s.err = NULL;
    }
    shared_free(&s);
    return s.st;
}

/* ---- Streams: split as the bytes arrive ---- */

#define STREAM_CHUNK (1u << 20)
/* A stream's range: the window of ranges parsed ahead of the merge holds their bytes and their
 * batches. At 8 MiB the report on the benchmark log's gzip peaked at 429 MB (434 MB on the wide
 * log), 55-60 MB above the plain file; at 2 MiB 384 and 374 MB, in the same time. */
#define STREAM_RANGE (2u << 20)

/* Hand a range of the stream (and its bytes) to the workers, waiting while the window is full.
 * Returns false once the workers stopped (an error, or the split went wrong); the bytes are
 * then still the caller's. */
static bool publish(shared *s, range r)
{
    pthread_mutex_lock(&s->lock);
    while (!s->stop && s->nranges >= s->next_commit + s->window)
        pthread_cond_wait(&s->cond, &s->lock);
    bool ok = !s->stop;
    if (ok)
        push_range(s, r);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* A buffer of at least *cap bytes (*cap gets its size): a merged range's, grown if none is big
 * enough (ranges differ in size by the bytes left over at their cut: a spare a little too small
 * left aside for a new buffer each time piled up to 70 MB on a 156 MB gzip), or a new one. */
static char *take_spare(shared *s, size_t *cap)
{
    char *p = NULL;
    pthread_mutex_lock(&s->lock);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < s->nspare; i++)
        if (best == SIZE_MAX || s->spare[i].cap > s->spare[best].cap)
            best = i;
    if (best != SIZE_MAX) {
        p = s->spare[best].p;
        if (s->spare[best].cap >= *cap)
            *cap = s->spare[best].cap;
        else
            p = jm__xrealloc(p, *cap);
        s->spare[best] = s->spare[--s->nspare];
    }
    pthread_mutex_unlock(&s->lock);
    return p != NULL ? p : jm__xmalloc(*cap);
}

/* Read more of the stream into *buf (growing it); false at its end or on an error. */
static bool more(jm__source *src, char **buf, size_t *len, size_t *cap, bool *eof,
                 jm_status *st, char **err)
{
    jm__grow((void **)buf, cap, *len + STREAM_CHUNK, 1);
    ssize_t k = jm__source_read(src, *buf + *len, STREAM_CHUNK, err);
    if (k < 0) {
        *st = JM_EINPUT;
        return false;
    }
    *eof = k == 0;
    *len += (size_t)k;
    return k > 0;
}

/* Split the stream into ranges of about `want` bytes at line ends outside quotes, the quote
 * state known from the start since every byte passes here. Runs on the calling thread; what it
 * did not hand on (the workers stopped) is left in *rest. */
static void produce(shared *s, jm__source *src, char *buf, size_t len, uint64_t pos,
                    uint64_t line, size_t want, char **rest, size_t *nrest, jm_status *st,
                    char **err)
{
    size_t cap = len;
    bool eof = false;
    for (;;) {
        while (len <= want && !eof && *st == JM_OK)
            more(src, &buf, &len, &cap, &eof, st, err);
        if (*st != JM_OK)
            break;
        /* The first line end outside quotes after `want` bytes; reading on as needed. */
        size_t cut = 0;
        uint64_t quotes = 0, ends = 0; /* in the first `want` bytes */
        if (len > want) {
            jm__count_text(buf, want, buf[want], &quotes, &ends);
            bool quoted = quotes & 1;
            size_t i = want;
            for (;;) {
                for (; i < len; i++) {
                    char c = buf[i];
                    if (c == '"') {
                        quoted = !quoted;
                    } else if (!quoted && (c == '\n' || c == '\r')) {
                        if (c == '\r' && i + 1 == len && !eof)
                            break; /* a CR last: read on to see whether a LF follows */
                        cut = i + 1 + (c == '\r' && i + 1 < len && buf[i + 1] == '\n');
                        break;
                    }
                }
                if (cut > 0 || eof || *st != JM_OK)
                    break;
                more(src, &buf, &len, &cap, &eof, st, err);
            }
            if (*st != JM_OK)
                break;
        }
        if (cut == 0) {
            /* The end of the stream with no line end left to cut at: the last range. */
            if (publish(s, (range){.start = pos, .end = pos + len, .line = line, .data = buf,
                                   .data_cap = cap, .last = true})) {
                buf = NULL;
                len = 0;
            }
            break;
        }
        ends += jm__csv_line_ends(buf + want, cut - want, cut < len ? buf[cut] : 0);
        size_t left = len - cut;
        size_t next_cap = want + STREAM_CHUNK + left + 1;
        char *next = take_spare(s, &next_cap);
        memcpy(next, buf + cut, left);
        if (!publish(s, (range){.start = pos, .end = pos + cut, .line = line, .data = buf,
                                .data_cap = cap})) {
            free(next); /* the workers stopped: all of buf is the caller's */
            break;
        }
        buf = next;
        len = left;
        cap = next_cap;
        pos += cut;
        line += ends;
        if (s->progress)
            s->progress(s->progress_data, jm__source_offset(src));
    }
    if (*st != JM_OK && buf != NULL &&
        publish(s, (range){.start = pos, .end = pos + len, .line = line, .data = buf,
                           .data_cap = cap,
                           .cut_short = true})) {
        /* The input broke: the records before the break are parsed as on one thread. */
        buf = NULL;
        len = 0;
    }
    *rest = buf;
    *nrest = len;
}

jm_status jm__read_stream_parallel(jm__file *f, jm__source *src, char *head, size_t nhead,
                                   uint64_t line, unsigned threads, uint64_t range_bytes,
                                   char **rest, size_t *nrest, uint64_t *rest_line, char **err)
{
    shared s = {.file = f, .fd = -1, .st = JM_OK, .producing = true};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    s.window = (size_t)threads * 3;
    *rest = NULL;
    *nrest = 0;

    pthread_t *tid = jm__xcalloc(threads, sizeof *tid);
    bool *running = jm__xcalloc(threads, sizeof *running);
    for (unsigned t = 0; t < threads; t++)
        running[t] = pthread_create(&tid[t], NULL, parse_worker, &s) == 0;
    jm_status st = JM_OK;
    char *left = NULL;
    size_t nleft = 0;
    s.progress = f->copt.progress;
    s.progress_data = f->copt.progress_data;
    produce(&s, src, head, nhead, 0, line, range_bytes ? (size_t)range_bytes : STREAM_RANGE,
            &left, &nleft, &st, err);
    /* Even after a read error the workers finish and merge every range handed on, so what
     * is reported before the error does not depend on timing. */
    pthread_mutex_lock(&s.lock);
    s.producing = false;
    pthread_cond_broadcast(&s.cond);
    pthread_mutex_unlock(&s.lock);
    parse_worker(&s); /* this thread helps with what is left */
    for (unsigned t = 0; t < threads; t++)
        if (running[t])
            pthread_join(tid[t], NULL);
    free(tid);
    free(running);

    if (s.st != JM_OK) {
        /* A range's error (too many rejections, say) comes before any break in the input. */
        if (st != JM_OK)
            free(*err);
        st = s.st;
        *err = s.err;
        s.err = NULL;
    } else if (s.fallback) {
        /* Stray quotes misled the split: the ranges from the first that did not end on a record
         * boundary, and whatever the producer held, are read on one thread by the caller (up to
         * the break in the input, if there was one: st and *err then tell it). */
        size_t n = nleft;
        for (size_t i = s.next_commit; i < s.nranges; i++)
            n += (size_t)(s.ranges[i]->end - s.ranges[i]->start);
        char *b = jm__xmalloc(n + 1);
        size_t k = 0;
        for (size_t i = s.next_commit; i < s.nranges; i++) {
            size_t m = (size_t)(s.ranges[i]->end - s.ranges[i]->start);
            memcpy(b + k, s.ranges[i]->data, m);
            k += m;
        }
        if (nleft > 0)
            memcpy(b + k, left, nleft);
        *rest = b;
        *nrest = n;
        *rest_line = s.ranges[s.next_commit]->line;
    }
    free(left);
    shared_free(&s);
    return st;
}
