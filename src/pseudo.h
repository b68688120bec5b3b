/* SPDX-License-Identifier: MIT */
/* Pseudonyms for case and customer ids (--pseudonymize): keyed HMAC-SHA-256 through GLib. */
#ifndef JM_PSEUDO_H
#define JM_PSEUDO_H

#include <stddef.h>

/* The pseudonym of the n bytes at id under the klen bytes of key: the first 16 hex digits
 * (lower case) of HMAC-SHA-256(key, id), written NUL-terminated to out. */
void jm__pseudonym(const char *key, size_t klen, const char *id, size_t n, char out[17]);

/* What a state file records of the key (so that states made with other keys are not merged):
 * the pseudonym of a fixed text, "key " and 16 hex digits, NUL-terminated, in out. */
void jm__pseudo_key_check(const char *key, size_t klen, char out[21]);

#endif
