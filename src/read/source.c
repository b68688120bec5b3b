/* SPDX-License-Identifier: MIT */
/* Byte sources: a file, standard input or a zip member, decompressed on the fly when it is gzip
 * (with Intel's ISA-L where the build found it, three times as fast as zlib; else with zlib),
 * zstd (libzstd), bzip2 (libbz2) or xz (liblzma), and converted to UTF-8 (iconv) when its text
 * is UTF-16 or in the encoding named. Layers: raw bytes (fill) -> decompressed (read_decoded)
 * -> converted (produce, run on a thread of its own when threads are on) -> the reader. */
#include "source.h"
#include "util.h"

#include <bzlib.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <lzma.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#if JM_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#define IN_SIZE (256 * 1024)
#define CIN_SIZE (256 * 1024) /* decompressed bytes waiting to be converted */
#define PEEK_SIZE 4096        /* the first bytes of the content, for jm__source_peek */

/* xz -9 decodes in 65 MiB; a header asking for more is damaged or hostile (zstd has a limit of
 * its own: windows up to 128 MiB). */
#define XZ_MEMLIMIT ((uint64_t)512 << 20)

#define SLOTS 4              /* decompressed buffers in flight between the two threads */
#define SLOT_SIZE (1u << 20)

/* The decompressing thread of a source: it fills slots, the reader empties them in turn. */
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

/* Bytes set aside to be handed out again before the rest. */
typedef struct pushback {
    unsigned char *b;
    size_t len, pos;
    bool eof; /* the layer below ended after them */
} pushback;

struct jm__source {
    char *name;
    int fd;            /* -1: raw bytes come from raw_fn */
    jm__raw_fn raw_fn;
    void *raw_data;
    jm__bytes_kind kind; /* JM_BYTES_TEXT, JM_BYTES_ZIP, or the compression */
    inflater *inf;     /* non-NULL: decompressing on a thread of its own */
    bool in_eof;       /* the file has no more bytes */
    bool member_done;  /* the last compressed member (gzip member, zstd frame...) ended here */
    uint64_t offset;   /* file bytes handed to the decompressor or the caller so far */
    uint64_t size;
    unsigned char *in; /* file bytes read but not yet consumed */
    size_t in_len, in_pos;
#if JM_HAVE_ISAL
    struct inflate_state *z;
#else
    z_stream *z;
#endif
    ZSTD_DStream *zs;
    bz_stream *bz;
    lzma_stream *xz;
    pushback dec;      /* decompressed bytes looked at by jm__source_encode */
    /* Conversion to UTF-8 (conv): decompressed bytes in cin, cin_offset of them done. */
    bool conv;
    iconv_t cd;
    char *cin;
    size_t cin_len, cin_pos;
    bool cin_eof;
    uint64_t cin_offset;
    char part[16];     /* a character converted for a caller with no room for it whole */
    size_t part_len, part_pos;
    char *encoding;    /* NULL: UTF-8 */
    pushback out;      /* content looked at by jm__source_peek */
};

/* What one decompressor call did. */
typedef enum { DEC_MORE, DEC_END, DEC_CORRUPT } dec_result;

/* ---- The inflater: one gzip member after another ---- */


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
static dec_result gz_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
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
        return z->block_state == ISAL_BLOCK_FINISH ? DEC_END : DEC_MORE;
    case ISAL_INCORRECT_CHECKSUM:
        *why = "checksum mismatch";
        return DEC_CORRUPT;
    case ISAL_INVALID_WRAPPER:
    case ISAL_UNSUPPORTED_METHOD:
        *why = "invalid gzip header";
        return DEC_CORRUPT;
    default:
        *why = "invalid deflate data";
        return DEC_CORRUPT;
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

static dec_result gz_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
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
        return DEC_END;
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        return DEC_MORE;
    *why = z->msg ? z->msg : "inflate failed";
    return DEC_CORRUPT;
}

static void gz_free(jm__source *src)
{
    inflateEnd(src->z);
    free(src->z);
}
#endif

/* ---- zstd, bzip2, xz: the same steps ---- */

static dec_result zstd_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
                            size_t *nout, const char **why)
{
    ZSTD_inBuffer ib = {*in, *nin, 0};
    ZSTD_outBuffer ob = {*out, *nout, 0};
    size_t r = ZSTD_decompressStream(src->zs, &ob, &ib);
    *in += ib.pos;
    *nin -= ib.pos;
    *out += ob.pos;
    *nout -= ob.pos;
    if (ZSTD_isError(r)) {
        *why = ZSTD_getErrorName(r);
        return DEC_CORRUPT;
    }
    return r == 0 ? DEC_END : DEC_MORE; /* 0: a frame decoded and flushed whole */
}

static void bz_begin(jm__source *src)
{
    if (src->bz == NULL)
        src->bz = jm__xcalloc(1, sizeof *src->bz);
    else
        BZ2_bzDecompressEnd(src->bz);
    memset(src->bz, 0, sizeof *src->bz);
    if (BZ2_bzDecompressInit(src->bz, 0, 0) != BZ_OK)
        jm__die("libbz2: BZ2_bzDecompressInit failed");
}

static dec_result bz_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
                          size_t *nout, const char **why)
{
    bz_stream *s = src->bz;
    unsigned ni = *nin > UINT32_MAX ? UINT32_MAX : (unsigned)*nin;
    unsigned no = *nout > UINT32_MAX ? UINT32_MAX : (unsigned)*nout;
    s->next_in = (char *)*in;
    s->avail_in = ni;
    s->next_out = (char *)*out;
    s->avail_out = no;
    int rc = BZ2_bzDecompress(s);
    *in += ni - s->avail_in;
    *nin -= ni - s->avail_in;
    *out += no - s->avail_out;
    *nout -= no - s->avail_out;
    switch (rc) {
    case BZ_STREAM_END:
        return DEC_END;
    case BZ_OK:
        return DEC_MORE;
    case BZ_DATA_ERROR_MAGIC:
        *why = "not bzip2 data";
        return DEC_CORRUPT;
    case BZ_DATA_ERROR:
        *why = "damaged data";
        return DEC_CORRUPT;
    default:
        *why = "bzip2 error";
        return DEC_CORRUPT;
    }
}

static void xz_begin(jm__source *src)
{
    if (src->xz == NULL)
        src->xz = jm__xmalloc(sizeof *src->xz);
    else
        lzma_end(src->xz);
    *src->xz = (lzma_stream)LZMA_STREAM_INIT;
    if (lzma_stream_decoder(src->xz, XZ_MEMLIMIT, 0) != LZMA_OK)
        jm__die("liblzma: lzma_stream_decoder failed");
}

static dec_result xz_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
                          size_t *nout, bool at_end, const char **why)
{
    lzma_stream *s = src->xz;
    s->next_in = *in;
    s->avail_in = *nin;
    s->next_out = *out;
    s->avail_out = *nout;
    lzma_ret rc = lzma_code(s, at_end ? LZMA_FINISH : LZMA_RUN);
    *in += *nin - s->avail_in;
    *nin = s->avail_in;
    *out += *nout - s->avail_out;
    *nout = s->avail_out;
    switch (rc) {
    case LZMA_STREAM_END:
        return DEC_END;
    case LZMA_OK:
    case LZMA_BUF_ERROR: /* no progress: more input needed (at the end: truncated) */
        return DEC_MORE;
    case LZMA_FORMAT_ERROR:
        *why = "not xz data";
        return DEC_CORRUPT;
    case LZMA_OPTIONS_ERROR:
        *why = "unsupported xz options";
        return DEC_CORRUPT;
    case LZMA_DATA_ERROR:
        *why = "damaged data";
        return DEC_CORRUPT;
    case LZMA_MEMLIMIT_ERROR:
        *why = "it asks for more than 512 MiB of memory to decompress";
        return DEC_CORRUPT;
    case LZMA_MEM_ERROR:
        jm__die("liblzma: out of memory");
    default:
        *why = "xz error";
        return DEC_CORRUPT;
    }
}

static void dec_begin(jm__source *src)
{
    switch (src->kind) {
    case JM_BYTES_GZIP:
        gz_begin(src);
        break;
    case JM_BYTES_ZSTD:
        src->zs = ZSTD_createDStream();
        if (src->zs == NULL || ZSTD_isError(ZSTD_initDStream(src->zs)))
            jm__die("libzstd: ZSTD_createDStream failed");
        break;
    case JM_BYTES_BZIP2:
        bz_begin(src);
        break;
    case JM_BYTES_XZ:
        xz_begin(src);
        break;
    default:
        break;
    }
}

static dec_result dec_step(jm__source *src, unsigned char **in, size_t *nin, unsigned char **out,
                           size_t *nout, bool at_end, const char **why)
{
    switch (src->kind) {
    case JM_BYTES_GZIP:
        return gz_step(src, in, nin, out, nout, why);
    case JM_BYTES_ZSTD:
        return zstd_step(src, in, nin, out, nout, why);
    case JM_BYTES_BZIP2:
        return bz_step(src, in, nin, out, nout, why);
    default:
        return xz_step(src, in, nin, out, nout, at_end, why);
    }
}

/* Another member follows the one that ended (as `cat a.gz b.gz` makes, or pbzip2, or zstd's
 * frames); false with *err when the bytes there cannot start one. */
static bool dec_next(jm__source *src, char **err)
{
    unsigned char b = src->in[src->in_pos];
    const char *name = jm__sniff_compression_name(src->kind);
    bool ok = true;
    switch (src->kind) {
    case JM_BYTES_GZIP:
        ok = b == 0x1f;
        if (ok)
            gz_next_member(src);
        break;
    case JM_BYTES_ZSTD:
        break; /* a frame, or a skippable frame: libzstd goes on by itself */
    case JM_BYTES_BZIP2:
        ok = b == 'B';
        if (ok)
            bz_begin(src);
        break;
    default:
        ok = b == 0xfd;
        if (ok)
            xz_begin(src);
        break;
    }
    if (!ok)
        *err = jm__strdupf("%s: byte %llu: data after the end of the %s stream is not %s",
                           src->name, (unsigned long long)src->offset, name, name);
    return ok;
}

static void dec_free(jm__source *src)
{
    if (src->kind == JM_BYTES_GZIP)
        gz_free(src);
    ZSTD_freeDStream(src->zs);
    if (src->bz != NULL) {
        BZ2_bzDecompressEnd(src->bz);
        free(src->bz);
    }
    if (src->xz != NULL) {
        lzma_end(src->xz);
        free(src->xz);
    }
}

/* ---- Raw bytes ---- */

/* Top up the input buffer; false on a read error. */
static bool fill(jm__source *src, char **err)
{
    if (src->in_pos == src->in_len)
        src->in_pos = src->in_len = 0;
    if (src->in_eof || src->in_len == IN_SIZE)
        return true;
    for (;;) {
        ssize_t r;
        char *why = NULL;
        if (src->fd >= 0) {
            r = read(src->fd, src->in + src->in_len, IN_SIZE - src->in_len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                why = jm__xstrdup(strerror(errno));
        } else {
            r = src->raw_fn(src->raw_data, src->in + src->in_len, IN_SIZE - src->in_len, &why);
        }
        if (r < 0 && src->fd < 0) {
            *err = jm__strdupf("%s: %s", src->name, why ? why : "read error");
            free(why);
            return false;
        }
        if (r < 0) {
            *err = jm__strdupf("%s: read error at byte %llu: %s", src->name,
                               (unsigned long long)src->offset, why ? why : "?");
            free(why);
            return false;
        }
        if (r == 0)
            src->in_eof = true;
        src->in_len += (size_t)r;
        return true;
    }
}

/* Read until the input buffer holds n bytes or the file ends. */
static bool fill_to(jm__source *src, size_t n, char **err)
{
    while (src->in_len - src->in_pos < n && !src->in_eof) {
        if (src->in_pos > 0 && src->in_len == IN_SIZE) {
            memmove(src->in, src->in + src->in_pos, src->in_len - src->in_pos);
            src->in_len -= src->in_pos;
            src->in_pos = 0;
        }
        if (!fill(src, err))
            return false;
    }
    return true;
}

/* Look at the first raw bytes: compressed or a zip archive. */
static jm__source *begin(jm__source *src, char **err)
{
    src->in = jm__xmalloc(IN_SIZE);
    if (!fill_to(src, 8, err)) {
        jm__source_close(src);
        return NULL;
    }
    jm__sniffed s = jm__sniff(src->in, src->in_len, src->in_eof);
    if (jm__sniff_compression_name(s.kind) != NULL || s.kind == JM_BYTES_ZIP)
        src->kind = s.kind;
    dec_begin(src);
    return src;
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
    return begin(src, err);
}

jm__source *jm__source_open_fn(const char *name, jm__raw_fn fn, void *data, char **err)
{
    jm__source *src = jm__xcalloc(1, sizeof *src);
    src->name = jm__xstrdup(name);
    src->fd = -1;
    src->raw_fn = fn;
    src->raw_data = data;
    return begin(src, err);
}

const char *jm__source_name(const jm__source *src)
{
    return src->name;
}

jm__bytes_kind jm__source_kind(const jm__source *src)
{
    return src->kind;
}

/* ---- Decompressed bytes ---- */

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

static ssize_t read_compressed(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    const char *name = jm__sniff_compression_name(src->kind);
    unsigned char *out = buf;
    size_t room = n;
    while (room == n) {
        if (src->in_pos == src->in_len && !fill(src, err))
            return -1;
        /* No input left means the end of the file; the decompressor may still hold decoded
         * bytes (ISA-L takes in more than it has room to write out), so it is asked once
         * more. */
        bool at_end = src->in_pos == src->in_len;
        if (at_end && src->member_done)
            return 0;
        if (src->member_done) {
            if (!dec_next(src, err))
                return -1;
            src->member_done = false;
        }
        unsigned char *in = src->in + src->in_pos;
        size_t avail = src->in_len - src->in_pos;
        const char *why = NULL;
        dec_result r = dec_step(src, &in, &avail, &out, &room, at_end, &why);
        size_t used = (src->in_len - src->in_pos) - avail;
        src->in_pos += used;
        src->offset += used;
        if (r == DEC_END) {
            src->member_done = true;
        } else if (r == DEC_CORRUPT) {
            *err = jm__strdupf("%s: byte %llu: corrupt %s data (%s)", src->name,
                               (unsigned long long)src->offset, name, why);
            return -1;
        } else if (at_end && room == n) {
            *err = jm__strdupf("%s: byte %llu: truncated %s data", src->name,
                               (unsigned long long)src->offset, name);
            return -1;
        }
    }
    return (ssize_t)(n - room);
}

/* Up to n decompressed bytes, past those set aside. */
static ssize_t read_uncompressed(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    return jm__sniff_compression_name(src->kind) ? read_compressed(src, buf, n, err)
                                                 : read_plain(src, buf, n, err);
}

/* Up to n decompressed bytes: those set aside first. */
static ssize_t read_decoded(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    pushback *p = &src->dec;
    if (p->pos < p->len) {
        size_t k = p->len - p->pos < n ? p->len - p->pos : n;
        memcpy(buf, p->b + p->pos, k);
        p->pos += k;
        return (ssize_t)k;
    }
    if (p->eof)
        return 0;
    return read_uncompressed(src, buf, n, err);
}

/* ---- Converted bytes ---- */

static ssize_t read_converted(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    if (src->part_pos < src->part_len) {
        size_t k = src->part_len - src->part_pos < n ? src->part_len - src->part_pos : n;
        memcpy(buf, src->part + src->part_pos, k);
        src->part_pos += k;
        return (ssize_t)k;
    }
    bool need = src->cin_pos == src->cin_len;
    for (;;) {
        if (need && !src->cin_eof) {
            if (src->cin_pos > 0) {
                memmove(src->cin, src->cin + src->cin_pos, src->cin_len - src->cin_pos);
                src->cin_len -= src->cin_pos;
                src->cin_pos = 0;
            }
            ssize_t k = read_decoded(src, (unsigned char *)src->cin + src->cin_len,
                                     CIN_SIZE - src->cin_len, err);
            if (k < 0)
                return -1;
            src->cin_eof = k == 0;
            src->cin_len += (size_t)k;
        }
        char *ip = src->cin + src->cin_pos, *op = (char *)buf;
        size_t il = src->cin_len - src->cin_pos, ol = n;
        size_t r = il > 0 ? iconv(src->cd, &ip, &il, &op, &ol) : 0;
        int e = errno;
        size_t used = (size_t)(ip - (src->cin + src->cin_pos)), made = n - ol;
        src->cin_pos += used;
        src->cin_offset += used;
        if (made > 0)
            return (ssize_t)made;
        const char *where = jm__sniff_compression_name(src->kind) ? " after decompression" : "";
        if (r == (size_t)-1 && e == EILSEQ) {
            *err = jm__strdupf("%s: byte %llu%s: bytes that are not valid %s (--encoding names "
                               "the file's encoding)",
                               src->name, (unsigned long long)src->cin_offset, where,
                               src->encoding);
            return -1;
        }
        if (r == (size_t)-1 && e == E2BIG) {
            /* No room for the next character whole: convert a few aside, hand out the start. */
            if (n >= sizeof src->part)
                jm__die("iconv: no room for a character in %zu bytes", n);
            ip = src->cin + src->cin_pos;
            il = src->cin_len - src->cin_pos;
            op = src->part;
            ol = sizeof src->part;
            iconv(src->cd, &ip, &il, &op, &ol); /* as many whole characters as fit */
            used = (size_t)(ip - (src->cin + src->cin_pos));
            src->cin_pos += used;
            src->cin_offset += used;
            src->part_len = sizeof src->part - ol;
            src->part_pos = 0;
            return read_converted(src, buf, n, err);
        }
        if (src->cin_eof && src->cin_pos < src->cin_len) {
            *err = jm__strdupf("%s: byte %llu%s: the file ends inside a %s character", src->name,
                               (unsigned long long)src->cin_offset, where, src->encoding);
            return -1;
        }
        if (src->cin_eof) {
            r = iconv(src->cd, NULL, NULL, &op, &ol);
            return (ssize_t)(n - ol);
        }
        need = true;
    }
}

/* The content: decompressed, then converted where it must be. */
static ssize_t produce(jm__source *src, unsigned char *buf, size_t n, char **err)
{
    return src->conv ? read_converted(src, buf, n, err) : read_decoded(src, buf, n, err);
}

/* The UTF-8 spelling of an encoding name: no case, '-' or '_' ("utf8", "UTF_8"). */
static bool is_utf8(const char *name)
{
    char k[8];
    size_t j = 0;
    for (const char *s = name; *s && j < sizeof k; s++)
        if (*s != '-' && *s != '_')
            k[j++] = (char)toupper((unsigned char)*s);
    return j == 4 && memcmp(k, "UTF8", 4) == 0;
}

bool jm__source_encode(jm__source *src, const char *encoding, char **err)
{
    pushback *p = &src->dec;
    p->b = jm__xmalloc(8);
    while (p->len < 4 && !p->eof) {
        ssize_t k = read_uncompressed(src, p->b + p->len, 4 - p->len, err);
        if (k < 0)
            return false;
        p->eof = k == 0;
        p->len += (size_t)k;
    }
    jm__sniffed s = jm__sniff(p->b, p->len, p->eof);
    const char *from = NULL;
    if (s.kind == JM_BYTES_UTF32) {
        *err = jm__strdupf("%s: %s", src->name, s.what);
        return false;
    } else if (s.kind == JM_BYTES_UTF16LE || s.kind == JM_BYTES_UTF16BE) {
        from = s.kind == JM_BYTES_UTF16LE ? "UTF-16LE" : "UTF-16BE";
        p->pos = 2;
    } else if (encoding != NULL && !is_utf8(encoding) && !(p->len >= 3 &&
                                                           memcmp(p->b, "\xef\xbb\xbf", 3) == 0)) {
        from = encoding;
    }
    if (from == NULL)
        return true;
    src->cd = iconv_open("UTF-8", from);
    if (src->cd == (iconv_t)-1) {
        *err = jm__strdupf("%s: the encoding '%s' is not known to iconv", src->name, from);
        return false;
    }
    src->conv = true;
    src->encoding = jm__xstrdup(from);
    for (char *c = src->encoding; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    src->cin = jm__xmalloc(CIN_SIZE);
    src->cin_offset = p->pos;
    return true;
}

const char *jm__source_encoding(const jm__source *src)
{
    return src->encoding ? src->encoding : "UTF-8";
}

ssize_t jm__source_peek(jm__source *src, const unsigned char **p, bool *eof, char **err)
{
    pushback *o = &src->out;
    if (o->b == NULL)
        o->b = jm__xmalloc(PEEK_SIZE);
    while (o->len < PEEK_SIZE && !o->eof) {
        ssize_t k = produce(src, o->b + o->len, PEEK_SIZE - o->len, err);
        if (k < 0)
            return -1;
        o->eof = k == 0;
        o->len += (size_t)k;
    }
    *p = o->b + o->pos;
    *eof = o->eof;
    return (ssize_t)(o->len - o->pos);
}

/* ---- The decompressing thread ---- */

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
        while (got < SLOT_SIZE && (k = produce(src, f->slot[i] + got, SLOT_SIZE - got, &err)) > 0)
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
    bool work = jm__sniff_compression_name(src->kind) != NULL || src->conv || src->fd < 0;
    if (!work || src->inf != NULL || src->out.eof)
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

/* Copy out of the decompressing thread's slots. */
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

/* ---- The reader's side ---- */

ssize_t jm__source_read(jm__source *src, void *buf, size_t n, char **err)
{
    if (n == 0)
        return 0;
    pushback *o = &src->out;
    if (o->pos < o->len) {
        size_t k = o->len - o->pos < n ? o->len - o->pos : n;
        memcpy(buf, o->b + o->pos, k);
        o->pos += k;
        return (ssize_t)k;
    }
    if (o->eof)
        return 0;
    if (src->inf != NULL)
        return read_thread(src, buf, n, err);
    return produce(src, buf, n, err);
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
    return src->kind != JM_BYTES_TEXT || src->conv || src->size == 0 ? -1 : src->fd;
}

void jm__source_seek(jm__source *src, uint64_t off)
{
    lseek(src->fd, (off_t)off, SEEK_SET);
    src->in_len = src->in_pos = 0;
    src->in_eof = false;
    src->offset = off;
    src->dec.len = src->dec.pos = 0;
    src->dec.eof = false;
    src->out.len = src->out.pos = 0;
    src->out.eof = false;
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
    dec_free(src);
    if (src->conv)
        iconv_close(src->cd);
    if (src->fd >= 0 && src->fd != STDIN_FILENO)
        close(src->fd);
    free(src->cin);
    free(src->encoding);
    free(src->dec.b);
    free(src->out.b);
    free(src->in);
    free(src->name);
    free(src);
}
