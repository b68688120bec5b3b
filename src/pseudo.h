/* SPDX-License-Identifier: MIT */
/* Pseudonyms for case and customer ids (--pseudonymize): keyed HMAC-SHA-256 through GLib. */
#ifndef JM_PSEUDO_H
#define JM_PSEUDO_H

#include <stddef.h>
#include <stdint.h>

/* The first 8 bytes of HMAC-SHA-256(key, id) (the klen bytes of key, the n bytes at id), read
 * big-endian: pseudonyms compare as these numbers do. */
uint64_t jm__pseudonym64(const char *key, size_t klen, const char *id, size_t n);

/* A pseudonym as written: p as 16 lower-case hex digits, NUL-terminated, in out. */
void jm__pseudonym_hex(uint64_t p, char out[17]);

/* The pseudonym of the n bytes at id under the klen bytes of key: the first 16 hex digits
 * (lower case) of HMAC-SHA-256(key, id), written NUL-terminated to out. */
void jm__pseudonym(const char *key, size_t klen, const char *id, size_t n, char out[17]);

/* What a state file records of the key (so that states made with other keys are not merged):
 * the pseudonym of a fixed text, "key " and 16 hex digits, NUL-terminated, in out. */
void jm__pseudo_key_check(const char *key, size_t klen, char out[21]);

#endif
