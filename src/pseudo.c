/* SPDX-License-Identifier: MIT */
/* Pseudonyms for case and customer ids: HMAC-SHA-256 from GLib (GHmac), never by hand. */
#include "pseudo.h"

#include <glib.h>
#include <string.h>

uint64_t jm__pseudonym64(const char *key, size_t klen, const char *id, size_t n)
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)key, klen);
    g_hmac_update(h, (const guchar *)id, (gssize)n);
    guint8 d[32];
    gsize dn = sizeof d;
    g_hmac_get_digest(h, d, &dn);
    g_hmac_unref(h);
    uint64_t p = 0;
    for (int i = 0; i < 8; i++)
        p = p << 8 | d[i];
    return p;
}

void jm__pseudonym_hex(uint64_t p, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, p >>= 4)
        out[i] = hex[p & 15];
    out[16] = '\0';
}

void jm__pseudonym(const char *key, size_t klen, const char *id, size_t n, char out[17])
{
    jm__pseudonym_hex(jm__pseudonym64(key, klen, id, n), out);
}

void jm__pseudo_key_check(const char *key, size_t klen, char out[21])
{
    static const char probe[] = "jmine key check";
    memcpy(out, "key ", 4);
    jm__pseudonym(key, klen, probe, sizeof probe - 1, out + 4);
}
