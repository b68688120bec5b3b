/* SPDX-License-Identifier: MIT */
/* XES event logs (IEEE 1849): recognised by content and named; no reader yet. */
#include "reader.h"
#include "util.h"

static bool xes_takes(const jm__sniffed *s, const unsigned char *p, size_t n)
{
    (void)p;
    (void)n;
    return s->kind == JM_BYTES_XES;
}

static jm_status xes_read(jm__file *f, jm__source *src, unsigned threads, char **err)
{
    (void)src;
    (void)threads;
    *err = jm__strdupf("%s: an XES event log; jmine reads CSV (XES support is coming)", f->name);
    return JM_EINPUT;
}

const jm__reader jm__xes_reader = {"xes", xes_takes, xes_read};
