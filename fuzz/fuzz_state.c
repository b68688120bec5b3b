/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a state file's body -> jm_merge -> every writer and the state again. */
/*
 * The input is a state's body after its version (docs/state-format.md): the harness puts the
 * magic, the format and this jmine's version before it and the CRC-32 after it, so that the
 * fuzzer explores the head and every analysis's section rather than the checksum. Besides the
 * sanitizers, it checks:
 * - jm_merge_add_state returns JM_OK or JM_EINPUT, the message naming the state;
 * - on JM_OK, jm_merge_report returns JM_OK or JM_EINPUT; every writer (report json, text, md;
 *   variants text, csv, json; map dot, json) succeeds;
 * - the state saved from the merged report loads again, and saving that gives the same bytes
 *   (a state that was accepted has a canonical form, a fixed point of load and save).
 * A broken invariant aborts, which libFuzzer reports as a crash with the input saved.
 */
#define _GNU_SOURCE
#include <jmine/jmine.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void die(const char *what)
{
    fprintf(stderr, "jm-fuzz-state: invariant broken: %s\n", what);
    abort();
}

/* A whole state file around the body (malloc'd). */
static unsigned char *wrap(const uint8_t *body, size_t n, size_t *len)
{
    const char *v = jm_version();
    size_t vl = strlen(v);
    unsigned char *b = malloc(12 + 2 + vl + n + 4);
    if (b == NULL)
        abort();
    size_t k = 0;
    memcpy(b, "jmine-state\n", 12), k = 12;
    b[k++] = 1;          /* the format */
    b[k++] = (unsigned char)vl; /* versions are short */
    memcpy(b + k, v, vl), k += vl;
    memcpy(b + k, body, n), k += n;
    uLong crc = crc32(0L, b, (uInt)k);
    for (int i = 0; i < 4; i++)
        b[k++] = (unsigned char)(crc >> (8 * i));
    *len = k;
    return b;
}

/* Merge the state and take its report; NULL when it is refused. */
static jm_report *merged(jm_merge *m, const void *st, size_t n)
{
    jm_status s = jm_merge_add_state(m, "fuzz.state", st, n);
    if (s != JM_OK) {
        if (s != JM_EINPUT || strncmp(jm_merge_error(m), "fuzz.state: ", 12) != 0)
            die("a refused state is JM_EINPUT naming it");
        return NULL;
    }
    jm_report *rep = NULL;
    s = jm_merge_report(m, &rep);
    if (s != JM_OK && s != JM_EINPUT)
        die("jm_merge_report gives JM_OK or JM_EINPUT");
    return rep;
}

static char *save(jm_report *rep, size_t *n)
{
    char *b = NULL;
    FILE *o = open_memstream(&b, n);
    if (o == NULL || jm_report_save_state(rep, o) != JM_OK)
        die("the state is written");
    fclose(o);
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    unsigned char *st = wrap(data, size, &n);
    jm_options opt;
    jm_options_init(&opt);
    opt.threads = 1;
    opt.top = size > 0 && data[0] % 2 ? 0 : 10;
    jm_merge *m = jm_merge_new(&opt, NULL);
    jm_report *rep = merged(m, st, n);
    free(st);
    if (rep == NULL) {
        jm_merge_free(m);
        return 0;
    }
    static const jm_format report[] = {JM_FORMAT_JSON, JM_FORMAT_TEXT, JM_FORMAT_MD};
    static const jm_format variants[] = {JM_FORMAT_TEXT, JM_FORMAT_CSV, JM_FORMAT_JSON};
    static const jm_format map[] = {JM_FORMAT_DOT, JM_FORMAT_JSON};
    FILE *null = fopen("/dev/null", "w");
    for (int i = 0; i < 3; i++)
        if (jm_write_report(rep, report[i], null) != JM_OK ||
            jm_write_variants(rep, variants[i], null) != JM_OK ||
            (i < 2 && jm_write_map(rep, map[i], null) != JM_OK))
            die("every writer succeeds");
    fclose(null);
    size_t n1, n2;
    char *s1 = save(rep, &n1);
    jm_report_free(rep);
    jm_merge_free(m);
    m = jm_merge_new(&opt, NULL);
    rep = merged(m, s1, n1);
    if (rep == NULL)
        die("a saved state loads");
    char *s2 = save(rep, &n2);
    if (n1 != n2 || memcmp(s1, s2, n1) != 0)
        die("load and save are a fixed point");
    jm_report_free(rep);
    jm_merge_free(m);
    free(s1);
    free(s2);
    return 0;
}
