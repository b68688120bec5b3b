/* SPDX-License-Identifier: MIT */
/* Zip archives through libarchive: its zip reader (stored and deflated members, data
 * descriptors, the central directory where the file can seek) over the bytes of a source. */
#include "zip.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BUF_SIZE (256 * 1024)

typedef struct zip {
    jm__source *src;
    struct archive *a;
    unsigned char *buf;
    char *err; /* a read error of the source, kept for the message */
} zip;

static la_ssize_t zip_read(struct archive *a, void *data, const void **buf)
{
    zip *z = data;
    ssize_t k = jm__source_read(z->src, z->buf, BUF_SIZE, &z->err);
    if (k < 0) {
        archive_set_error(a, -1, "%s", z->err ? z->err : "read error");
        return -1;
    }
    *buf = z->buf;
    return (la_ssize_t)k;
}

static la_int64_t zip_seek(struct archive *a, void *data, la_int64_t off, int whence)
{
    (void)a;
    zip *z = data;
    uint64_t size = jm__source_size(z->src), cur = jm__source_offset(z->src);
    int64_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ? (int64_t)cur + off
                                                               : (int64_t)size + off;
    if (to < 0 || (uint64_t)to > size)
        return ARCHIVE_FATAL;
    jm__source_seek(z->src, (uint64_t)to);
    return to;
}

/* A member's bytes, for jm__source_open_fn. */
static ssize_t member_read(void *data, void *buf, size_t n, char **err)
{
    zip *z = data;
    la_ssize_t k = archive_read_data(z->a, buf, n);
    if (k < 0) {
        const char *why = archive_error_string(z->a);
        *err = jm__strdupf("a damaged zip member (%s)", why ? why : "unreadable");
        return -1;
    }
    return (ssize_t)k;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What an archive whose member is named path is, when it is an office file; else NULL. */
static const char *office(zip *z, const char *path)
{
    if (starts(path, "xl/"))
        return "an Excel workbook (xlsx); save it as CSV UTF-8";
    if (starts(path, "word/"))
        return "a Word document (docx), not a table; export the data as CSV UTF-8";
    if (starts(path, "ppt/"))
        return "a PowerPoint presentation (pptx), not a table; export the data as CSV UTF-8";
    if (strcmp(path, "mimetype") == 0) {
        char m[64] = {0};
        la_ssize_t k = archive_read_data(z->a, m, sizeof m - 1);
        if (k > 0 && starts(m, "application/vnd.oasis.opendocument.spreadsheet"))
            return "an OpenDocument spreadsheet (ods); save it as CSV UTF-8";
        if (k > 0 && starts(m, "application/vnd.oasis.opendocument"))
            return "an OpenDocument file, not a table; export the data as CSV UTF-8";
    }
    return NULL;
}

/* Members that are not data: directories, hidden files, macOS resource forks, the parts of an
 * office file that say nothing of its kind. */
static bool skipped(struct archive_entry *e, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return archive_entry_filetype(e) != AE_IFREG || *base == '\0' || *base == '.' ||
           starts(path, "__MACOSX/") || strcmp(path, "[Content_Types].xml") == 0 ||
           starts(path, "_rels/") || starts(path, "docProps/") || strcmp(path, "mimetype") == 0;
}

jm_status jm__zip_members(jm__source *src, const char *name, jm__member_fn fn, void *data,
                          char **err)
{
    zip z = {src, archive_read_new(), jm__xmalloc(BUF_SIZE), NULL};
    jm_status st = JM_OK;
    size_t members = 0;
    archive_read_support_format_zip(z.a);
    archive_read_set_callback_data(z.a, &z);
    archive_read_set_read_callback(z.a, zip_read);
    if (jm__source_size(src) > 0)
        archive_read_set_seek_callback(z.a, zip_seek);
    if (archive_read_open1(z.a) != ARCHIVE_OK) {
        *err = jm__strdupf("%s: a damaged zip archive (%s)", name, archive_error_string(z.a));
        st = JM_EINPUT;
        goto out;
    }
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(z.a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            *err = jm__strdupf("%s: a damaged zip archive (%s)", name, archive_error_string(z.a));
            st = JM_EINPUT;
            goto out;
        }
        const char *path = archive_entry_pathname(e);
        if (path == NULL)
            path = "?";
        const char *what = office(&z, path);
        if (what != NULL) {
            *err = jm__strdupf("%s: %s", name, what);
            st = JM_EINPUT;
            goto out;
        }
        if (skipped(e, path))
            continue;
        char *mname = jm__strdupf("%s:%s", name, path);
        if (archive_entry_is_encrypted(e)) {
            *err = jm__strdupf("%s: an encrypted member; unzip it and give the CSV file", mname);
            free(mname);
            st = JM_EINPUT;
            goto out;
        }
        jm__source *m = jm__source_open_fn(mname, member_read, &z, err);
        free(mname);
        if (m == NULL) {
            st = JM_EINPUT;
            goto out;
        }
        members++;
        st = fn(data, m, err);
        jm__source_close(m);
        if (st != JM_OK)
            goto out;
    }
    if (members == 0) {
        *err = jm__strdupf("%s: a zip archive with no member to read", name);
        st = JM_EINPUT;
    }
out:
    archive_read_free(z.a);
    free(z.buf);
    free(z.err);
    return st;
}
