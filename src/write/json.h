/* SPDX-License-Identifier: MIT */
/* A streaming JSON writer: pretty-printed, keys in the order written, always valid UTF-8. */
#ifndef JM_JSON_H
#define JM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jm__json {
    FILE *out;
    int depth;
    bool first[64]; /* nothing written yet at this depth */
} jm__json;

void jm__json_init(jm__json *w, FILE *out);

/* In objects pass the member's key; in arrays pass NULL. */
void jm__json_obj(jm__json *w, const char *key);
void jm__json_obj_end(jm__json *w);
void jm__json_arr(jm__json *w, const char *key);
void jm__json_arr_end(jm__json *w);
/* Bytes as a JSON string: control characters escaped, invalid UTF-8 as U+FFFD. */
void jm__json_str(jm__json *w, const char *key, const char *s, size_t n);
void jm__json_cstr(jm__json *w, const char *key, const char *s); /* NULL writes null */
void jm__json_u64(jm__json *w, const char *key, uint64_t v);
void jm__json_null(jm__json *w, const char *key);
void jm__json_bool(jm__json *w, const char *key, bool b);
/* Milliseconds written as seconds, exactly: 90061500 -> 90061.5 */
void jm__json_secs(jm__json *w, const char *key, int64_t ms);
/* sum/count milliseconds as seconds, rounded to the millisecond; null when count is 0 */
void jm__json_mean_secs(jm__json *w, const char *key, int64_t sum_ms, uint64_t count);
/* num/den rounded to 6 decimals, computed in integers so it is the same on every machine */
void jm__json_ratio(jm__json *w, const char *key, uint64_t num, uint64_t den);
/* An instant as an RFC 3339 string in UTC */
void jm__json_time(jm__json *w, const char *key, int64_t ms);
/* Finish the document with a newline. */
void jm__json_end(jm__json *w);

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0 if it is not valid: no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
size_t jm__utf8_len(const unsigned char *s, size_t n);

/* Write s to out with JSON escaping, without the quotes. */
void jm__json_escape(FILE *out, const char *s, size_t n);


#endif
