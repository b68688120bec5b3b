/* SPDX-License-Identifier: MIT */
/* The files a run names, checked before anything is read or written (SPEC §1.1 and §2). */
#include "paths.h"

#include <glib.h>

#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIGEST_SPAN (1u << 20) /* bytes hashed at each end of a file */

/* What a named file is, as far as the checks need to know. */
typedef struct ident {
    bool exists;
    struct stat st;
    char *where; /* for an output that does not exist yet: its directory's real path + name */
} ident;

static char *msg(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *msg(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = g_strdup_vprintf(f, ap);
    va_end(ap);
    char *out = strdup(s); /* the caller frees with free() */
    g_free(s);
    if (out == NULL)
        abort();
    return out;
}

static ident identify(const char *path, bool is_input)
{
    ident id = {0};
    if (strcmp(path, "-") == 0) {
        /* Standard input is the file it is redirected from; standard output is not checked
         * by inode (the shell has truncated a redirected file before we run). */
        if (is_input && fstat(STDIN_FILENO, &id.st) == 0)
            id.exists = true;
        return id;
    }
    if (stat(path, &id.st) == 0) {
        id.exists = true;
        return id;
    }
    if (is_input)
        return id;
    /* An output that does not exist yet is told by its directory and name. */
    char *a = strdup(path), *b = strdup(path);
    if (a == NULL || b == NULL)
        abort();
    char *dir = realpath(dirname(a), NULL);
    id.where = dir ? msg("%s/%s", dir, basename(b)) : strdup(path);
    free(dir);
    free(a);
    free(b);
    return id;
}

static bool same_file(const ident *x, const ident *y)
{
    if (x->exists && y->exists)
        return x->st.st_dev == y->st.st_dev && x->st.st_ino == y->st.st_ino;
    return !x->exists && !y->exists && x->where && y->where && strcmp(x->where, y->where) == 0;
}

/* SHA-256 of the first and last MiB of a regular file (the whole file when it is shorter than
 * two), hex into out (65 bytes). Returns false when the file cannot be read. */
static bool digest(const char *path, const struct stat *st, char out[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    unsigned char *buf = g_malloc(DIGEST_SPAN);
    off_t size = st->st_size;
    off_t spans[2] = {0, size > 2 * (off_t)DIGEST_SPAN ? size - DIGEST_SPAN : DIGEST_SPAN};
    bool ok = true;
    for (int k = 0; k < 2 && ok; k++) {
        off_t at = spans[k];
        off_t stop = k == 0 ? (size < (off_t)DIGEST_SPAN ? size : DIGEST_SPAN) : size;
        while (at < stop) {
            size_t want = (size_t)(stop - at) < DIGEST_SPAN ? (size_t)(stop - at) : DIGEST_SPAN;
            ssize_t got = pread(fd, buf, want, at);
            if (got <= 0) {
                ok = false;
                break;
            }
            g_checksum_update(sum, buf, (gsize)got);
            at += got;
        }
    }
    if (ok)
        snprintf(out, 65, "%s", g_checksum_get_string(sum));
    g_checksum_free(sum);
    g_free(buf);
    close(fd);
    return ok;
}

static const char *shown(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard input" : path;
}

char *jm__paths_check(const char *const *inputs, size_t ninputs, const jm__out_path *outputs,
                      size_t noutputs)
{
    char *err = NULL;
    ident *in = calloc(ninputs + 1, sizeof *in);
    ident *out = calloc(noutputs + 1, sizeof *out);
    char(*sums)[65] = calloc(ninputs + 1, sizeof *sums);
    if (in == NULL || out == NULL || sums == NULL)
        abort();
    for (size_t i = 0; i < ninputs; i++)
        in[i] = identify(inputs[i], true);
    for (size_t i = 0; i < noutputs; i++)
        if (outputs[i].path != NULL)
            out[i] = identify(outputs[i].path, false);

    /* An output that names an input would destroy it: the worst thing this tool could do. */
    for (size_t o = 0; o < noutputs && err == NULL; o++) {
        if (outputs[o].path == NULL || strcmp(outputs[o].path, "-") == 0)
            continue;
        for (size_t i = 0; i < ninputs && err == NULL; i++)
            if (in[i].exists && same_file(&out[o], &in[i]) && !S_ISCHR(in[i].st.st_mode))
                err = msg("%s %s names the input %s: it would be overwritten; write the output "
                          "to another file",
                          outputs[o].flag, outputs[o].path, shown(inputs[i]));
    }
    /* Two outputs in one file: one of them would be lost. */
    for (size_t a = 0; a < noutputs && err == NULL; a++) {
        if (outputs[a].path == NULL)
            continue;
        for (size_t b = a + 1; b < noutputs && err == NULL; b++) {
            if (outputs[b].path == NULL)
                continue;
            bool both_stdout = strcmp(outputs[a].path, "-") == 0 && strcmp(outputs[b].path, "-") == 0;
            bool same = both_stdout ||
                        (strcmp(outputs[a].path, "-") != 0 && strcmp(outputs[b].path, "-") != 0 &&
                         same_file(&out[a], &out[b]) &&
                         !(out[a].exists && S_ISCHR(out[a].st.st_mode)));
            if (same)
                err = msg("%s and %s both name %s: each output needs a file of its own",
                          outputs[a].flag, outputs[b].flag,
                          both_stdout ? "standard output" : outputs[a].path);
        }
    }
    /* An input named twice would count every row twice. */
    for (size_t a = 0; a < ninputs && err == NULL; a++) {
        if (!in[a].exists || S_ISCHR(in[a].st.st_mode) || S_ISFIFO(in[a].st.st_mode))
            continue;
        for (size_t b = a + 1; b < ninputs && err == NULL; b++)
            if (in[b].exists && same_file(&in[a], &in[b]))
                err = msg("%s and %s are the same file: name each input once", shown(inputs[a]),
                          shown(inputs[b]));
    }
    /* The same bytes under two names: a copy, or an export downloaded twice. */
    for (size_t a = 0; a < ninputs && err == NULL; a++) {
        if (!in[a].exists || !S_ISREG(in[a].st.st_mode) || strcmp(inputs[a], "-") == 0)
            continue;
        for (size_t b = a + 1; b < ninputs && err == NULL; b++) {
            if (!in[b].exists || !S_ISREG(in[b].st.st_mode) || strcmp(inputs[b], "-") == 0 ||
                in[a].st.st_size != in[b].st.st_size)
                continue;
            if (!sums[a][0] && !digest(inputs[a], &in[a].st, sums[a]))
                break;
            if (!sums[b][0] && !digest(inputs[b], &in[b].st, sums[b]))
                continue;
            if (strcmp(sums[a], sums[b]) == 0)
                err = msg("%s and %s hold the same bytes (same size, same SHA-256 of their first "
                          "and last MiB): name each input once",
                          inputs[a], inputs[b]);
        }
    }
    for (size_t i = 0; i < noutputs; i++)
        free(out[i].where);
    free(in);
    free(out);
    free(sums);
    return err;
}
