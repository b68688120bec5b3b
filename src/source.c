/* SPDX-License-Identifier: MIT */
/* Byte sources: a file or standard input, inflated on the fly when it is gzip. */
#include "source.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IN_SIZE (256 * 1024)

struct jm__source {
    char *name;
    int fd;
    bool gzip;
    bool in_eof;      /* the file has no more bytes */
    bool member_done; /* the last gzip member ended exactly here */
    uint64_t offset;  /* file bytes handed to zlib or the caller so far */
    uint64_t size;
    unsigned char *in; /* file bytes read but not yet consumed */
    size_t in_len, in_pos;
    z_stream z;
};

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
        if (inflateInit2(&src->z, 15 + 16) != Z_OK)
            jm__die("zlib: inflateInit2 failed");
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
    src->z.next_out = buf;
    src->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    while (src->z.avail_out == n) {
        if (src->in_pos == src->in_len && !fill(src, err))
            return -1;
        if (src->in_pos == src->in_len) {
            if (src->member_done)
                return 0;
            *err = jm__strdupf("%s: byte %llu: truncated gzip data", src->name,
                               (unsigned long long)src->offset);
            return -1;
        }
        if (src->member_done) {
            /* Another member follows (as `cat a.gz b.gz` makes); anything else is junk. */
            if (src->in[src->in_pos] != 0x1f) {
                *err = jm__strdupf("%s: byte %llu: data after the end of the gzip stream is "
                                   "not gzip",
                                   src->name, (unsigned long long)src->offset);
                return -1;
            }
            inflateReset(&src->z);
            src->member_done = false;
        }
        src->z.next_in = src->in + src->in_pos;
        src->z.avail_in = (uInt)(src->in_len - src->in_pos);
        int rc = inflate(&src->z, Z_NO_FLUSH);
        size_t used = (src->in_len - src->in_pos) - src->z.avail_in;
        src->in_pos += used;
        src->offset += used;
        if (rc == Z_STREAM_END) {
            src->member_done = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            *err = jm__strdupf("%s: byte %llu: corrupt gzip data (%s)", src->name,
                               (unsigned long long)src->offset,
                               src->z.msg ? src->z.msg : "inflate failed");
            return -1;
        }
    }
    return (ssize_t)(n - src->z.avail_out);
}

ssize_t jm__source_read(jm__source *src, void *buf, size_t n, char **err)
{
    if (n == 0)
        return 0;
    return src->gzip ? read_gzip(src, buf, n, err) : read_plain(src, buf, n, err);
}

uint64_t jm__source_offset(const jm__source *src)
{
    return src->offset;
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
    src->in_len = src->in_pos = 0;
    src->in_eof = false;
    src->offset = off;
}

void jm__source_close(jm__source *src)
{
    if (src == NULL)
        return;
    if (src->gzip)
        inflateEnd(&src->z);
    if (src->fd != STDIN_FILENO)
        close(src->fd);
    free(src->in);
    free(src->name);
    free(src);
}
