/* SPDX-License-Identifier: MIT */
/* The report model: values carved from big blocks, members kept in the order added. */
#include "model.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values and copied strings come from blocks of this size (or one block of its own for a
 * bigger string): a report of 50,000 variants is a million values, so no value is malloc'd
 * alone. */
#define BLOCK (256u * 1024u)

typedef struct block {
    struct block *prev;
    size_t used, size;
    max_align_t data[];
} block;

struct jm__model {
    block *top;
    jm__mval root;
};

jm__model *jm__model_new(void)
{
    jm__model *m = jm__xcalloc(1, sizeof *m);
    m->root.type = JM__M_OBJ;
    return m;
}

void jm__model_free(jm__model *m)
{
    if (m == NULL)
        return;
    for (block *b = m->top, *prev; b != NULL; b = prev) {
        prev = b->prev;
        free(b);
    }
    free(m);
}

jm__mval *jm__model_root(jm__model *m)
{
    return &m->root;
}

/* n bytes from the arena, aligned for any value. */
static void *carve(jm__model *m, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    block *b = m->top;
    if (b == NULL || b->size - b->used < n) {
        bool alone = n > BLOCK / 4;
        size_t size = alone ? n : BLOCK - sizeof *b;
        block *nb = jm__xmalloc(sizeof *nb + size);
        nb->used = 0;
        nb->size = size;
        if (alone && b != NULL) {
            /* A big string gets a block of its own, kept below the current one so that
             * the current block's room is not lost. */
            nb->prev = b->prev;
            b->prev = nb;
        } else {
            nb->prev = b;
            m->top = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

static jm__mval *add(jm__model *m, jm__mval *parent, const char *key, jm__mtype type)
{
    if (parent->type != JM__M_OBJ && parent->type != JM__M_ARR)
        jm__die("model: a value added to a %s", "scalar");
    if ((parent->type == JM__M_OBJ) != (key != NULL))
        jm__die("model: %s", key ? "a key in an array" : "an object member without a key");
    jm__mval *v = carve(m, sizeof *v);
    memset(v, 0, sizeof *v);
    v->key = key;
    v->type = (uint8_t)type;
    if (parent->v.kids.last == NULL)
        parent->v.kids.first = v;
    else
        parent->v.kids.last->next = v;
    parent->v.kids.last = v;
    parent->n++;
    return v;
}

jm__mval *jm__m_obj(jm__model *m, jm__mval *parent, const char *key)
{
    return add(m, parent, key, JM__M_OBJ);
}

jm__mval *jm__m_arr(jm__model *m, jm__mval *parent, const char *key)
{
    return add(m, parent, key, JM__M_ARR);
}

jm__mval *jm__m_null(jm__model *m, jm__mval *parent, const char *key)
{
    return add(m, parent, key, JM__M_NULL);
}

jm__mval *jm__m_bool(jm__model *m, jm__mval *parent, const char *key, bool b)
{
    jm__mval *v = add(m, parent, key, JM__M_BOOL);
    v->v.b = b;
    return v;
}

jm__mval *jm__m_uint(jm__model *m, jm__mval *parent, const char *key, uint64_t u)
{
    jm__mval *v = add(m, parent, key, JM__M_UINT);
    v->v.u = u;
    return v;
}

jm__mval *jm__m_ms(jm__model *m, jm__mval *parent, const char *key, int64_t ms)
{
    jm__mval *v = add(m, parent, key, JM__M_MS);
    v->v.ms = ms;
    return v;
}

int64_t jm__mean_ms(int64_t sum_ms, uint64_t count)
{
    int64_t c = (int64_t)count;
    if (sum_ms >= 0)
        return (sum_ms + c / 2) / c;
    return -((-sum_ms + c / 2) / c);
}

/* ---- How the model's numbers print ---- */

char *jm__fmt_secs(char *buf, int64_t ms)
{
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    int k = snprintf(buf, 32, "%s%" PRIu64, ms < 0 ? "-" : "", a / 1000);
    unsigned frac = (unsigned)(a % 1000);
    if (frac != 0) {
        snprintf(buf + k, 32 - (size_t)k, ".%03u", frac);
        size_t l = strlen(buf);
        while (buf[l - 1] == '0')
            buf[--l] = '\0';
    }
    return buf;
}

char *jm__fmt_ratio(char *buf, uint64_t num, uint64_t den)
{
    if (den == 0) {
        strcpy(buf, "0");
        return buf;
    }
    /* Rounded to 1e-6 in integers; num <= den in every use, so this cannot overflow for any
     * count below 1.8e13. */
    uint64_t r = (num * 1000000u + den / 2) / den;
    int k = snprintf(buf, 32, "%" PRIu64, r / 1000000u);
    unsigned frac = (unsigned)(r % 1000000u);
    if (frac != 0) {
        snprintf(buf + k, 32 - (size_t)k, ".%06u", frac);
        size_t l = strlen(buf);
        while (buf[l - 1] == '0')
            buf[--l] = '\0';
    }
    return buf;
}

char *jm__fmt_human(char *buf, int64_t ms)
{
    const char *sign = ms < 0 ? "-" : "";
    uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    uint64_t s = a / 1000;
    /* Two units at most, the smaller one left out when it is zero: "2d", "3h 20m", "42s";
     * years of 365 days past a year ("366y 10d", not "133897d"). */
    static const uint64_t unit[] = {365 * 86400, 86400, 3600, 60, 1};
    static const char *const name[] = {"y", "d", "h", "m", "s"};
    if (s < 10 && a % 1000 != 0) {
        snprintf(buf, 32, "%s%" PRIu64 ".%01" PRIu64 "s", sign, s, a % 1000 / 100);
        return buf;
    }
    int i = 0;
    while (i < 4 && s < unit[i])
        i++;
    uint64_t big = s / unit[i], rest = i < 4 ? s % unit[i] / unit[i + 1] : 0;
    if (rest == 0)
        snprintf(buf, 32, "%s%" PRIu64 "%s", sign, big, name[i]);
    else
        snprintf(buf, 32, i == 0 ? "%s%" PRIu64 "%s %" PRIu64 "%s" : "%s%" PRIu64 "%s %02" PRIu64 "%s",
                 sign, big, name[i], rest, name[i + 1]);
    return buf;
}

jm__mval *jm__m_mean_ms(jm__model *m, jm__mval *parent, const char *key, int64_t sum_ms,
                        uint64_t count)
{
    if (count == 0)
        return jm__m_null(m, parent, key);
    return jm__m_ms(m, parent, key, jm__mean_ms(sum_ms, count));
}

jm__mval *jm__m_ratio(jm__model *m, jm__mval *parent, const char *key, uint64_t num, uint64_t den)
{
    jm__mval *v = add(m, parent, key, JM__M_RATIO);
    v->v.ratio.num = num;
    v->v.ratio.den = den;
    return v;
}

jm__mval *jm__m_time(jm__model *m, jm__mval *parent, const char *key, int64_t ms)
{
    jm__mval *v = add(m, parent, key, JM__M_TIME);
    v->v.ms = ms;
    return v;
}

jm__mval *jm__m_real(jm__model *m, jm__mval *parent, const char *key, double d)
{
    jm__mval *v = add(m, parent, key, JM__M_REAL);
    v->v.d = d;
    return v;
}

jm__mval *jm__m_str(jm__model *m, jm__mval *parent, const char *key, const char *s, size_t n)
{
    jm__mval *v = add(m, parent, key, JM__M_STR);
    v->v.str.s = s;
    v->v.str.n = n;
    return v;
}

jm__mval *jm__m_cstr(jm__model *m, jm__mval *parent, const char *key, const char *s)
{
    if (s == NULL)
        return jm__m_null(m, parent, key);
    return jm__m_str(m, parent, key, s, strlen(s));
}

jm__mval *jm__m_strcopy(jm__model *m, jm__mval *parent, const char *key, const char *s, size_t n)
{
    char *c = carve(m, n + 1);
    if (n > 0)
        memcpy(c, s, n);
    c[n] = '\0';
    return jm__m_str(m, parent, key, c, n);
}

const char *jm__m_keycopy(jm__model *m, const char *s, size_t n)
{
    char *c = carve(m, n + 1);
    if (n > 0)
        memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

jm__mval *jm__m_hide(jm__mval *v)
{
    v->hidden = true;
    return v;
}

const jm__mval *jm__m_get(const jm__mval *obj, const char *key)
{
    if (obj == NULL || obj->type != JM__M_OBJ)
        return NULL;
    for (const jm__mval *v = obj->v.kids.first; v != NULL; v = v->next)
        if (strcmp(v->key, key) == 0)
            return v;
    return NULL;
}

const jm__mval *jm__m_at(const jm__mval *obj, const char *path)
{
    const jm__mval *v = obj;
    while (v != NULL) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        const jm__mval *next = NULL;
        if (v->type == JM__M_OBJ)
            for (const jm__mval *k = v->v.kids.first; k != NULL && next == NULL; k = k->next)
                if (strncmp(k->key, path, n) == 0 && k->key[n] == '\0')
                    next = k;
        v = next;
        if (dot == NULL)
            break;
        path = dot + 1;
    }
    return v;
}

uint64_t jm__m_u(const jm__mval *v)
{
    return v != NULL && v->type == JM__M_UINT ? v->v.u : 0;
}

int64_t jm__m_msv(const jm__mval *v)
{
    return v != NULL && (v->type == JM__M_MS || v->type == JM__M_TIME) ? v->v.ms : 0;
}

bool jm__m_isnull(const jm__mval *v)
{
    return v == NULL || v->type == JM__M_NULL;
}
