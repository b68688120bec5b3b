/* SPDX-License-Identifier: MIT */
/* Output files written whole or not at all: a temporary file renamed into place at the end. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TEMPS 4

struct jm__output {
    FILE *f;
    char *path; /* NULL for standard output */
    char *dest; /* what the temporary file is renamed to: path, or the file a link names */
    char *tmp;  /* NULL when written directly */
    int slot;
};

/* Temporary paths the signal handler removes; a slot is claimed before the file exists and
 * released after it is renamed or removed. */
static char *volatile temps[MAX_TEMPS];

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        abort();
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

jm__output *jm__output_open(const char *path, char **err)
{
    jm__output *o = calloc(1, sizeof *o);
    if (o == NULL)
        abort();
    o->slot = -1;
    if (path == NULL || strcmp(path, "-") == 0) {
        o->f = stdout;
        return o;
    }
    o->path = strdup(path);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or a FIFO (/dev/null, /dev/stdout, a named pipe) is written directly, for a
         * file renamed over it would replace it (as root, even /dev/null). A directory fails
         * here with its own reason. */
        o->f = fopen(path, "w");
        if (o->f == NULL) {
            *err = fmt("cannot write %s: %s", path, strerror(errno));
            jm__output_abort(o);
            return NULL;
        }
        return o;
    }
    /* A symbolic link keeps pointing where it did: the file it names is replaced. */
    o->dest = realpath(path, NULL);
    if (o->dest == NULL)
        o->dest = strdup(path);
    const char *dest = o->dest;
    const char *slash = strrchr(dest, '/');
    size_t dir = slash ? (size_t)(slash - dest) + 1 : 0;
    o->tmp = fmt("%.*s.%s.jmine-XXXXXX", (int)dir, dest, dest + dir);
    for (int i = 0; i < MAX_TEMPS; i++) {
        if (temps[i] == NULL) {
            o->slot = i;
            temps[i] = o->tmp;
            break;
        }
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        *err = fmt("cannot write %s: %s", path, strerror(errno));
        jm__output_abort(o);
        return NULL;
    }
    /* mkstemp makes 0600; the finished file should look like any file the user writes. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        close(fd);
        *err = fmt("cannot write %s: %s", path, strerror(errno));
        jm__output_abort(o);
        return NULL;
    }
    return o;
}

FILE *jm__output_file(jm__output *o)
{
    return o->f;
}

static void release(jm__output *o)
{
    if (o->slot >= 0)
        temps[o->slot] = NULL;
    free(o->tmp);
    free(o->dest);
    free(o->path);
    free(o);
}

bool jm__output_commit(jm__output *o, char **err)
{
    if (o == NULL)
        return true;
    if (o->path == NULL) {
        /* Standard output is closed by main, which checks it. */
        bool ok = fflush(stdout) == 0 && !ferror(stdout);
        if (!ok)
            *err = fmt("write error on standard output: %s", strerror(errno));
        release(o);
        return ok;
    }
    bool ok = fflush(o->f) == 0 && !ferror(o->f);
    int e = errno;
    if (fclose(o->f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    o->f = NULL;
    if (ok && o->tmp != NULL && rename(o->tmp, o->dest) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        *err = fmt("write error on %s: %s", o->path, strerror(e));
        if (o->tmp != NULL)
            unlink(o->tmp);
    }
    release(o);
    return ok;
}

void jm__output_abort(jm__output *o)
{
    if (o == NULL)
        return;
    if (o->path != NULL) {
        if (o->f != NULL)
            fclose(o->f);
        if (o->tmp != NULL)
            unlink(o->tmp);
    }
    release(o);
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_TEMPS; i++)
        if (temps[i] != NULL)
            unlink(temps[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void jm__output_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A closed pipe (jmine ... | head) ends the run quietly, by SIGPIPE, even where the parent
     * left it ignored (then every write would fail with EPIPE and be reported). */
    sigaction(SIGPIPE, &sa, NULL);
}
