/* SPDX-License-Identifier: MIT */
/* JSON: a streaming writer (pretty-printed, keys in the order written, always valid UTF-8), and
 * the report model written with it. */
#include "json.h"
#include "writer.h"
#include "timeparse.h"
#include "util.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void jm__json_init(jm__json *w, FILE *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = true;
}

static void indent(jm__json *w)
{
    fputc('\n', w->out);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->out);
}

/* The comma, newline, indentation and key before a value. */
static void pre(jm__json *w, const char *key)
{
    if (w->depth > 0) {
        if (!w->first[w->depth])
            fputc(',', w->out);
        indent(w);
    }
    w->first[w->depth] = false;
    if (key != NULL) {
        fputc('"', w->out);
        jm__json_escape(w->out, key, strlen(key));
        fputs("\": ", w->out);
    }
}

static void open(jm__json *w, const char *key, char c)
{
    pre(w, key);
    fputc(c, w->out);
    if (w->depth + 1 >= (int)(sizeof w->first / sizeof w->first[0]))
        jm__die("JSON nested too deep");
    w->first[++w->depth] = true;
}

static void close_(jm__json *w, char c)
{
    bool empty = w->first[w->depth];
    w->depth--;
    if (!empty)
        indent(w);
    fputc(c, w->out);
}

void jm__json_obj(jm__json *w, const char *key)
{
    open(w, key, '{');
}

void jm__json_obj_end(jm__json *w)
{
    close_(w, '}');
}

void jm__json_arr(jm__json *w, const char *key)
{
    open(w, key, '[');
}

void jm__json_arr_end(jm__json *w)
{
    close_(w, ']');
}

size_t jm__utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        k = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        k = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        k = 4, cp = c & 0x07;
    else
        return 0;
    if (k > n)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* No overlong forms, no surrogates, nothing past U+10FFFF. */
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

void jm__json_escape(FILE *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            size_t j = i + 1;
            while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\')
                j++;
            fwrite(s + i, 1, j - i, out);
            i = j;
            continue;
        }
        switch (c) {
        case '"':
            fputs("\\\"", out);
            i++;
            continue;
        case '\\':
            fputs("\\\\", out);
            i++;
            continue;
        case '\n':
            fputs("\\n", out);
            i++;
            continue;
        case '\r':
            fputs("\\r", out);
            i++;
            continue;
        case '\t':
            fputs("\\t", out);
            i++;
            continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
            i++;
            continue;
        }
        size_t k = jm__utf8_len(s + i, n - i);
        if (k == 0) {
            fputs("\xEF\xBF\xBD", out); /* U+FFFD for each byte that is not UTF-8 */
            i++;
        } else {
            fwrite(s + i, 1, k, out);
            i += k;
        }
    }
}

void jm__json_str(jm__json *w, const char *key, const char *s, size_t n)
{
    pre(w, key);
    fputc('"', w->out);
    jm__json_escape(w->out, s, n);
    fputc('"', w->out);
}

void jm__json_cstr(jm__json *w, const char *key, const char *s)
{
    if (s == NULL)
        jm__json_null(w, key);
    else
        jm__json_str(w, key, s, strlen(s));
}

void jm__json_u64(jm__json *w, const char *key, uint64_t v)
{
    pre(w, key);
    fprintf(w->out, "%" PRIu64, v);
}

void jm__json_null(jm__json *w, const char *key)
{
    pre(w, key);
    fputs("null", w->out);
}

void jm__json_bool(jm__json *w, const char *key, bool b)
{
    pre(w, key);
    fputs(b ? "true" : "false", w->out);
}

void jm__json_secs(jm__json *w, const char *key, int64_t ms)
{
    char buf[32];
    pre(w, key);
    fputs(jm__fmt_secs(buf, ms), w->out);
}

void jm__json_mean_secs(jm__json *w, const char *key, int64_t sum_ms, uint64_t count)
{
    if (count == 0)
        jm__json_null(w, key);
    else
        jm__json_secs(w, key, jm__mean_ms(sum_ms, count));
}

void jm__json_ratio(jm__json *w, const char *key, uint64_t num, uint64_t den)
{
    char buf[32];
    pre(w, key);
    fputs(jm__fmt_ratio(buf, num, den), w->out);
}

void jm__json_time(jm__json *w, const char *key, int64_t ms)
{
    char buf[32];
    jm__time_format(ms, buf);
    jm__json_cstr(w, key, buf);
}

void jm__json_end(jm__json *w)
{
    fputc('\n', w->out);
}

/* One value of the model and, for an array or object, its members; hidden ones are left out. */
static void model_value(jm__json *w, const jm__mval *v)
{
    const char *k = v->key;
    switch ((jm__mtype)v->type) {
    case JM__M_NULL: jm__json_null(w, k); break;
    case JM__M_BOOL: jm__json_bool(w, k, v->v.b); break;
    case JM__M_UINT: jm__json_u64(w, k, v->v.u); break;
    case JM__M_MS: jm__json_secs(w, k, v->v.ms); break;
    case JM__M_RATIO: jm__json_ratio(w, k, v->v.ratio.num, v->v.ratio.den); break;
    case JM__M_TIME: jm__json_time(w, k, v->v.ms); break;
    case JM__M_REAL:
        if (isfinite(v->v.d)) {
            /* The shortest of 15 to 17 digits that reads back as the same double. */
            char buf[40];
            for (int p = 15; p <= 17; p++) {
                snprintf(buf, sizeof buf, "%.*g", p, v->v.d);
                if (strtod(buf, NULL) == v->v.d)
                    break;
            }
            pre(w, k);
            fputs(buf, w->out);
        } else {
            jm__json_null(w, k);
        }
        break;
    case JM__M_STR: jm__json_str(w, k, v->v.str.s, v->v.str.n); break;
    case JM__M_ARR:
    case JM__M_OBJ:
        if (v->type == JM__M_ARR)
            jm__json_arr(w, k);
        else
            jm__json_obj(w, k);
        for (const jm__mval *c = v->v.kids.first; c != NULL; c = c->next)
            if (!c->hidden)
                model_value(w, c);
        if (v->type == JM__M_ARR)
            jm__json_arr_end(w);
        else
            jm__json_obj_end(w);
        break;
    }
}

void jm__json_model(const jm__mval *root, FILE *out)
{
    jm__json w;
    jm__json_init(&w, out);
    model_value(&w, root);
    jm__json_end(&w);
}
