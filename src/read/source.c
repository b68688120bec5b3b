/* SPDX-License-Identifier: MIT */
/* Byte sources: a file or standard input, inflated on the fly when it is gzip (with Intel's
 * ISA-L where the build found it, three times as fast as zlib; else with zlib). */
#include "source.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if JM_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#define IN_SIZE (256 * 1024)

#define SLOTS 4              /* inflated buffers in flight between the two threads */
#define SLOT_SIZE (1u << 20)

/* The inflater thread of a gzip source: it fills slots, the reader empties them in turn. */
typedef struct inflater {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned char *slot[SLOTS];
    size_t len[SLOTS];
    bool full[SLOTS];
    size_t head, tail, pos; /* the next slot to fill, to read, and where in it */
    bool done;              /* no more slots will be filled */
    bool stop;              /* the reader went away */
    ssize_t status;         /* 0, or -1 with err */
    char *err;
    uint64_t offset;        /* compressed bytes consumed, as of the last slot filled */
} inflater;

struct jm__source {
    char *name;
    int fd;
    bool gzip;
    inflater *inf;    /* non-NULL: inflating on a thread of its own */
    bool in_eof;      /* the file has no more bytes */
    bool member_done; /* the last gzip member ended exactly here */
    uint64_t offset;  /* file bytes handed to zlib or the caller so far */
    uint64_t size;
    unsigned char *back; /* bytes peeked at (jm__source_peek), handed out first */
    size_t back_len, back_pos;
    unsigned char *in; /* file bytes read but not yet consumed */
    size_t in_len, in_pos;
#if JM_HAVE_ISAL
    struct inflate_state *z;
#else
    z_stream *z;
#endif
};

/* ---- The inflater: one gzip member after another ---- */

/* What one inflate call did. */
typedef enum { GZ_MORE, GZ_MEMBER_END, GZ_CORRUPT } gz_result;

#if JM_HAVE_ISAL
#if defined(__x86_64__)
#include <immintrin.h>
/* ISA-L's AVX code returns with the upper halves of the vector registers in use; until they
 * are cleared, every SSE instruction of this thread (our code, libcsv's, libc's) pays for
 * mixing the two (measured: parsing 40% slower on one thread). */
__attribute__((target("avx"))) static void clear_upper(void)
{
    _mm256_zeroupper();
}
#endif

static void after_isal(void)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx"))
        clear_upper();
#endif
}

static void gz_begin(jm__source *src)
{
    src->z = jm__xmalloc(sizeof *src->z);
    isal_inflate_init(src->z);
    src->z->crc_flag = ISAL_GZIP; /* the header parsed, the CRC and length checked */
}

static void gz_next_member(jm__source *src)
{
    isal_inflate_reset(src->z);
    src->z->crc_flag = ISAL_GZIP;
}

/* Inflate from *in (*nin bytes) into *out (*nout bytes room), advancing both. */
static gz_result gz_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
                         size_t *nout, const char **why)
{
    struct inflate_state *z = src->z;
    z->next_in = *in;
    z->avail_in = (uint32_t)(*nin > UINT32_MAX ? UINT32_MAX : *nin);
    z->next_out = *out;
    z->avail_out = (uint32_t)(*nout > UINT32_MAX ? UINT32_MAX : *nout);
    uint32_t in0 = z->avail_in, out0 = z->avail_out;
    int rc = isal_inflate(z);
    after_isal();
    *in += in0 - z->avail_in;
    *nin -= in0 - z->avail_in;
    *out += out0 - z->avail_out;
    *nout -= out0 - z->avail_out;
    switch (rc) {
    case ISAL_DECOMP_OK:
        return z->block_state == ISAL_BLOCK_FINISH ? GZ_MEMBER_END : GZ_MORE;
    case ISAL_INCORRECT_CHECKSUM:
        *why = "checksum mismatch";
        return GZ_CORRUPT;
    case ISAL_INVALID_WRAPPER:
    case ISAL_UNSUPPORTED_METHOD:
        *why = "invalid gzip header";
        return GZ_CORRUPT;
    default:
        *why = "invalid deflate data";
        return GZ_CORRUPT;
    }
}

static void gz_free(jm__source *src)
{
    free(src->z);
}
#else
static void gz_begin(jm__source *src)
{
    src->z = jm__xcalloc(1, sizeof *src->z);
    if (inflateInit2(src->z, 15 + 16) != Z_OK)
        jm__die("zlib: inflateInit2 failed");
}

static void gz_next_member(jm__source *src)
{
    inflateReset(src->z);
}

static gz_result gz_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
                         size_t *nout, const char **why)
{
    z_stream *z = src->z;
    z->next_in = *in;
    z->avail_in = (uInt)(*nin > UINT32_MAX ? UINT32_MAX : *nin);
    z->next_out = *out;
    z->avail_out = (uInt)(*nout > UINT32_MAX ? UINT32_MAX : *nout);
    uInt in0 = z->avail_in, out0 = z->avail_out;
    int rc = inflate(z, Z_NO_FLUSH);
    *in += in0 - z->avail_in;
    *nin -= in0 - z->avail_in;
    *out += out0 - z->avail_out;
    *nout -= out0 - z->avail_out;
    if (rc == Z_STREAM_END)
        return GZ_MEMBER_END;
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        return GZ_MORE;
    *why = z->msg ? z->msg : "inflate failed";
    return GZ_CORRUPT;
}

static void gz_free(jm__source *src)
{
    inflateEnd(src->z);
    free(src->z);
}
#endif

/* Top up the input buffer; false on a read error. */
static bool fill(jm__source *src, char **err)
{
    if (src->in_pos == src->in_len)
        src->in_pos = src->in_len = 0;
    if (src->in_eof || src->in_len == IN_SIZE)
        return true;
    for (;;) {
        ssize_t r = read(src->fd, src->in + src->in_len, IN_SIZE - src->in_len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *err = jm__strdupf("%s: read error at byte %llu: %s", src->name,
                               (unsigned long long)src->offset, strerror(errno));
            return false;
        }
        if (r == 0)
            src->in_eof = true;
        src->in_len += (size_t)r;
        return true;
    }
}

jm__source *jm__source_open(const char *path, char **err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = jm__strdupf("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        *err = jm__strdupf("%s: cannot read: is a directory", path);
        if (!is_stdin)
            close(fd);
        return NULL;
    }
    jm__source *src = jm__xcalloc(1, sizeof *src);
    src->name = jm__xstrdup(path);
    src->fd = fd;
    src->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    src->in = jm__xmalloc(IN_SIZE);
    /* Gzip is known by its magic bytes, not its name; read until two bytes or the end. */
    while (src->in_len < 2 && !src->in_eof) {
        if (!fill(src, err)) {
            jm__source_close(src);
            return NULL;
        }
    }
    if (src->in_len >= 2 && src->in[0] == 0x1f && src->in[1] == 0x8b) {
        src->gzip = true;
        gz_begin(src);
    }
    return src;
}

static ssize_t read_plain(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    if (src->in_pos == src->in_len && !fill(src, err))
        return -1;
    size_t k = src->in_len - src->in_pos;
    if (k > n)
        k = n;
    memcpy(buf, src->in + src->in_pos, k);
    src->in_pos += k;
    src->offset += k;
    return (ssize_t)k;
}

static ssize_t read_gzip(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    unsigned char *out = buf;
    size_t room = n;
    while (room == n) {
        if (src->in_pos == src->in_len && !fill(src, err))
            return -1;
        /* No input left means the end of the file; the inflater may still hold decoded bytes
         * (ISA-L takes in more than it has room to write out), so it is asked once more. */
        bool at_end = src->in_pos == src->in_len;
        if (at_end && src->member_done)
            return 0;
        if (src->member_done) {
            /* Another member follows (as `cat a.gz b.gz` makes); anything else is junk. */
            if (src->in[src->in_pos] != 0x1f) {
                *err = jm__strdupf("%s: byte %llu: data after the end of the gzip stream is "
                                   "not gzip",
                                   src->name, (unsigned long long)src->offset);
                return -1;
            }
            gz_next_member(src);
            src->member_done = false;
        }
        unsigned char *in = src->in + src->in_pos;
        size_t avail = src->in_len - src->in_pos;
        const char *why = NULL;
        gz_result r = gz_step(src, &in, &avail, &out, &room, &why);
        size_t used = (src->in_len - src->in_pos) - avail;
        src->in_pos += used;
        src->offset += used;
        if (r == GZ_MEMBER_END) {
            src->member_done = true;
        } else if (r == GZ_CORRUPT) {
            *err = jm__strdupf("%s: byte %llu: corrupt gzip data (%s)", src->name,
                               (unsigned long long)src->offset, why);
            return -1;
        } else if (at_end && room == n) {
            *err = jm__strdupf("%s: byte %llu: truncated gzip data", src->name,
                               (unsigned long long)src->offset);
            return -1;
        }
    }
    return (ssize_t)(n - room);
}

static void *inflate_thread(void *arg)
{
    jm__source *src = arg;
    inflater *f = src->inf;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        while (f->full[f->head] && !f->stop)
            pthread_cond_wait(&f->cond, &f->lock);
        bool stop = f->stop;
        size_t i = f->head;
        pthread_mutex_unlock(&f->lock);
        if (stop)
            return NULL;
        char *err = NULL;
        /* Fill a whole slot, unless the stream ends first. */
        size_t got = 0;
        ssize_t k = 1;
        while (got < SLOT_SIZE && (k = read_gzip(src, f->slot[i] + got, SLOT_SIZE - got, &err)) > 0)
            got += (size_t)k;
        pthread_mutex_lock(&f->lock);
        f->len[i] = got;
        f->full[i] = got > 0;
        f->offset = src->offset;
        if (got > 0)
            f->head = (f->head + 1) % SLOTS;
        if (k <= 0) {
            f->done = true;
            f->status = k < 0 ? -1 : 0;
            f->err = err;
        }
        bool done = f->done;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
        if (done)
            return NULL;
    }
}

bool jm__source_thread(jm__source *src)
{
    if (!src->gzip || src->inf != NULL)
        return false;
    inflater *f = jm__xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    for (int i = 0; i < SLOTS; i++)
        f->slot[i] = jm__xmalloc(SLOT_SIZE);
    src->inf = f;
    if (pthread_create(&f->thread, NULL, inflate_thread, src) != 0) {
        src->inf = NULL;
        for (int i = 0; i < SLOTS; i++)
            free(f->slot[i]);
        free(f);
        return false;
    }
    return true;
}

/* Copy out of the inflater's slots. */
static ssize_t read_thread(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    inflater *f = src->inf;
    pthread_mutex_lock(&f->lock);
    while (!f->full[f->tail] && !f->done)
        pthread_cond_wait(&f->cond, &f->lock);
    if (!f->full[f->tail]) {
        ssize_t st = f->status;
        if (st < 0) {
            *err = f->err;
            f->err = NULL;
        }
        pthread_mutex_unlock(&f->lock);
        return st;
    }
    size_t i = f->tail;
    pthread_mutex_unlock(&f->lock);
    size_t k = f->len[i] - f->pos;
    if (k > n)
        k = n;
    memcpy(buf, f->slot[i] + f->pos, k);
    f->pos += k;
    if (f->pos == f->len[i]) {
        pthread_mutex_lock(&f->lock);
        f->full[i] = false;
        f->pos = 0;
        f->tail = (f->tail + 1) % SLOTS;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
    }
    return (ssize_t)k;
}

static ssize_t read_any(jm__source *src, void *buf, size_t n, char **err)
{
    if (src->inf != NULL)
        return read_thread(src, buf, n, err);
    return src->gzip ? read_gzip(src, buf, n, err) : read_plain(src, buf, n, err);
}

ssize_t jm__source_peek(jm__source *src, const void **head, size_t n, char **err)
{
    if (src->back_len - src->back_pos < n) {
        /* Keep what is left unread, then read on until n bytes or the end. */
        size_t have = src->back_len - src->back_pos;
        unsigned char *b = jm__xmalloc(n);
        if (have > 0)
            memcpy(b, src->back + src->back_pos, have);
        free(src->back);
        src->back = b;
        src->back_pos = 0;
        src->back_len = have;
        while (src->back_len < n) {
            ssize_t k = read_any(src, b + src->back_len, n - src->back_len, err);
            if (k < 0)
                return -1;
            if (k == 0)
                break;
            src->back_len += (size_t)k;
        }
    }
    *head = src->back + src->back_pos;
    size_t have = src->back_len - src->back_pos;
    return (ssize_t)(have < n ? have : n);
}

ssize_t jm__source_read(jm__source *src, void *buf, size_t n, char **err)
{
    if (n == 0)
        return 0;
    if (src->back_pos < src->back_len) {
        size_t k = src->back_len - src->back_pos;
        if (k > n)
            k = n;
        memcpy(buf, src->back + src->back_pos, k);
        src->back_pos += k;
        return (ssize_t)k;
    }
    return read_any(src, buf, n, err);
}

uint64_t jm__source_offset(const jm__source *src)
{
    if (src->inf == NULL)
        return src->offset;
    pthread_mutex_lock(&src->inf->lock);
    uint64_t off = src->inf->offset;
    pthread_mutex_unlock(&src->inf->lock);
    return off;
}

uint64_t jm__source_size(const jm__source *src)
{
    return src->size;
}

int jm__source_fd(const jm__source *src)
{
    return src->gzip || src->size == 0 ? -1 : src->fd;
}

void jm__source_seek(jm__source *src, uint64_t off)
{
    lseek(src->fd, (off_t)off, SEEK_SET);
    src->back_len = src->back_pos = 0;
    src->in_len = src->in_pos = 0;
    src->in_eof = false;
    src->offset = off;
}

void jm__source_close(jm__source *src)
{
    if (src == NULL)
        return;
    if (src->inf != NULL) {
        inflater *f = src->inf;
        pthread_mutex_lock(&f->lock);
        f->stop = true;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
        pthread_join(f->thread, NULL);
        for (int i = 0; i < SLOTS; i++)
            free(f->slot[i]);
        free(f->err);
        pthread_mutex_destroy(&f->lock);
        pthread_cond_destroy(&f->cond);
        free(f);
    }
    if (src->gzip)
        gz_free(src);
    if (src->fd != STDIN_FILENO)
        close(src->fd);
    free(src->in);
    free(src->back);
    free(src->name);
    free(src);
}
