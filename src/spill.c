/* SPDX-License-Identifier: MIT */
/* Spilling: events written out to temporary partitions by case, for logs larger than memory. */
#include "spill.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(JM_BUCKETS % JM_SPILL_PARTS == 0, "a spill partition is a set of whole buckets");

#define BUF_EVENTS 2048 /* events buffered per partition before a write */

struct jm__spill {
    int fd[JM_SPILL_PARTS];
    jm__spilled *buf[JM_SPILL_PARTS];
    size_t nbuf[JM_SPILL_PARTS];
    uint64_t count[JM_SPILL_PARTS]; /* events written out, buffers excluded */
    char *dir;
};

jm__spill *jm__spill_new(char **err)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    jm__spill *sp = jm__xcalloc(1, sizeof *sp);
    sp->dir = jm__xstrdup(dir);
    for (unsigned p = 0; p < JM_SPILL_PARTS; p++)
        sp->fd[p] = -1;
    for (unsigned p = 0; p < JM_SPILL_PARTS; p++) {
        char *path = jm__strdupf("%s/jmine-spill-XXXXXX", dir);
        int fd = mkstemp(path); /* mode 0600 */
        if (fd < 0) {
            *err = jm__strdupf("cannot make a temporary file in %s: %s", dir, strerror(errno));
            free(path);
            jm__spill_free(sp);
            return NULL;
        }
        unlink(path);
        free(path);
        sp->fd[p] = fd;
        sp->buf[p] = jm__xmalloc(BUF_EVENTS * sizeof *sp->buf[p]);
    }
    return sp;
}

static jm_status flush(jm__spill *sp, unsigned p, char **err)
{
    const char *b = (const char *)sp->buf[p];
    size_t n = sp->nbuf[p] * sizeof *sp->buf[p];
    while (n > 0) {
        ssize_t k = write(sp->fd[p], b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            *err = jm__strdupf("cannot write a temporary file in %s (--memory): %s", sp->dir,
                               strerror(errno));
            return JM_EIO;
        }
        b += k;
        n -= (size_t)k;
    }
    sp->count[p] += sp->nbuf[p];
    sp->nbuf[p] = 0;
    return JM_OK;
}

typedef struct writing {
    jm__spill *sp;
    jm_status st;
    char **err;
} writing;

static void write_event(void *ctx, jm__event *e, int64_t end, uint32_t side, unsigned bucket)
{
    writing *w = ctx;
    jm__spill *sp = w->sp;
    unsigned p = bucket % JM_SPILL_PARTS;
    if (w->st != JM_OK)
        return;
    sp->buf[p][sp->nbuf[p]++] = (jm__spilled){e->start, end, e->cas, e->act, e->chan, bucket, side, 0};
    if (sp->nbuf[p] == BUF_EVENTS)
        w->st = flush(sp, p, w->err);
}

jm_status jm__spill_write(jm__spill *sp, jm__buckets *bs, char **err)
{
    writing w = {sp, JM_OK, err};
    for (unsigned b = 0; b < JM_BUCKETS && w.st == JM_OK; b++)
        jm__buckets_each(bs, b, write_event, &w);
    for (unsigned p = 0; p < JM_SPILL_PARTS && w.st == JM_OK; p++)
        if (sp->nbuf[p] > 0)
            w.st = flush(sp, p, err);
    return w.st;
}

jm_status jm__spill_read(jm__spill *sp, unsigned p, jm__spilled **out, size_t *n, char **err)
{
    size_t bytes = sp->count[p] * sizeof **out;
    char *b = jm__xmalloc(bytes ? bytes : 1);
    size_t got = 0;
    while (got < bytes) {
        ssize_t k = pread(sp->fd[p], b + got, bytes - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            *err = jm__strdupf("cannot read a temporary file in %s: %s", sp->dir,
                               k < 0 ? strerror(errno) : "it is shorter than written");
            free(b);
            return JM_EIO;
        }
        got += (size_t)k;
    }
    *out = (jm__spilled *)b;
    *n = sp->count[p];
    return JM_OK;
}

uint64_t jm__spill_bytes(const jm__spill *sp)
{
    uint64_t n = 0;
    for (unsigned p = 0; p < JM_SPILL_PARTS; p++)
        n += sp->count[p] * sizeof(jm__spilled);
    return n;
}

void jm__spill_free(jm__spill *sp)
{
    if (sp == NULL)
        return;
    for (unsigned p = 0; p < JM_SPILL_PARTS; p++) {
        if (sp->fd[p] >= 0)
            close(sp->fd[p]);
        free(sp->buf[p]);
    }
    free(sp->dir);
    free(sp);
}
