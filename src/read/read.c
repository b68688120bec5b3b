/* SPDX-License-Identifier: MIT */
/* Adding a file to the log: open its source, tell what it is by its bytes (refusing what no
 * reader takes), pick its reader, keep its name, encoding and progress. A zip archive adds
 * each member as a file of its own. */
#include "reader.h"
#include "store.h"
#include "util.h"
#include "zip.h"

#include <stdlib.h>
#include <string.h>

/* The readers, asked in turn whether they take a file: CSV last, as it takes every file. */
static const jm__reader *const readers[] = {&jm__xes_reader, &jm__csv_reader};
#define NREADERS (sizeof readers / sizeof readers[0])

typedef struct progress_ctx {
    jm_log *log;
    const char *name;
    uint64_t size;
} progress_ctx;

static void on_progress(void *data, uint64_t offset)
{
    progress_ctx *p = data;
    p->log->opt->on_progress(p->log->opt->on_progress_data, p->name, offset, p->size,
                             p->log->stats.rows);
}

/* Keep the file's encoding in the log's list of those read (each named once, in order). */
static void note_encoding(jm_log *log, const char *enc)
{
    if (log->encoding == NULL) {
        log->encoding = jm__xstrdup(enc);
        return;
    }
    size_t n = strlen(enc);
    for (const char *s = log->encoding; s != NULL; s = strstr(s, ", ")) {
        s += s == log->encoding ? 0 : 2;
        if (strncmp(s, enc, n) == 0 && (s[n] == '\0' || s[n] == ','))
            return;
    }
    char *all = jm__strdupf("%s, %s", log->encoding, enc);
    free(log->encoding);
    log->encoding = all;
}

/* What to say of content that no reader takes (see jm__sniff), or NULL when a reader may. */
static char *refusal(const char *name, const jm__source *src, const jm__sniffed *s)
{
    const char *outer = jm__sniff_compression_name(jm__source_kind(src));
    const char *inner = jm__sniff_compression_name(s->kind);
    if (s->kind == JM_BYTES_BINARY || s->kind == JM_BYTES_UTF32)
        return jm__strdupf("%s: %s", name, s->what);
    if (s->kind == JM_BYTES_ZIP)
        return jm__strdupf("%s: a zip archive inside %s; unpack it first", name,
                           outer ? outer : "a zip archive");
    if (inner != NULL)
        return jm__strdupf("%s: %s data inside %s; decompress it first", name, inner,
                           outer ? outer : "a zip archive");
    return NULL;
}

/* Read the content of src as file name of the log. */
static jm_status add_source(jm_log *log, const char *name, jm__source *src, char **err)
{
    if (!jm__source_encode(src, log->opt->encoding, err))
        return JM_EINPUT;
    const unsigned char *p;
    bool eof;
    ssize_t n = jm__source_peek(src, &p, &eof, err);
    if (n < 0)
        return JM_EINPUT;
    jm__sniffed s = jm__sniff(p, (size_t)n, eof);
    *err = refusal(name, src, &s);
    if (*err != NULL)
        return JM_EINPUT;
    const jm__reader *reader = readers[NREADERS - 1];
    for (size_t i = 0; i < NREADERS; i++)
        if (readers[i]->takes(&s, p, (size_t)n)) {
            reader = readers[i];
            break;
        }
    jm__grow((void **)&log->files, &log->files_cap, log->stats.files + 1, sizeof *log->files);
    log->files[log->stats.files++] = jm__xstrdup(name);
    note_encoding(log, jm__source_encoding(src));

    progress_ctx pc = {log, name, jm__source_size(src)};
    jm__file f = {
        .log = log,
        .opt = log->opt,
        .name = name,
        .copt = {.delimiter = log->opt->delimiter,
                 .skip_lines = log->opt->skip_lines,
                 .fingerprint = true,
                 .field_limit = log->opt->field_limit,
                 .progress = log->opt->on_progress ? on_progress : NULL,
                 .progress_data = &pc,
                 .key_col = SIZE_MAX},
    };
    jm__trace("open");
    jm_status st = reader->read(&f, src, jm__thread_count(log->opt), err);
    jm__file_clear(&f);
    jm__trace("read");
    return st;
}

/* A member of a zip archive, as a file of the log. */
static jm_status add_member(void *data, jm__source *member, char **err)
{
    return add_source(data, jm__source_name(member), member, err);
}

jm_status jm_log_add_file(jm_log *log, const char *path)
{
    if (log->consumed) {
        jm__log_set_error(log,
                          jm__strdupf("%s: the log was already consumed by jm_report_build", path));
        return JM_EUSAGE;
    }
    char *err = NULL;
    jm__source *src = jm__source_open(path, &err);
    if (src == NULL) {
        jm__log_set_error(log, err);
        return JM_EINPUT;
    }
    jm_status st;
    if (jm__source_kind(src) == JM_BYTES_ZIP)
        st = jm__zip_members(src, path, add_member, log, &err);
    else
        st = add_source(log, path, src, &err);
    if (st != JM_OK && err != NULL)
        jm__log_set_error(log, err);
    else
        free(err);
    jm__source_close(src);
    return st;
}
