/* SPDX-License-Identifier: MIT */
/* Pseudonyms for case and customer ids: HMAC-SHA-256 from GLib (GHmac), never by hand. */
#include "pseudo.h"

#include <glib.h>
#include <string.h>

void jm__pseudonym(const char *key, size_t klen, const char *id, size_t n, char out[17])
{
    GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)key, klen);
    g_hmac_update(h, (const guchar *)id, (gssize)n);
    const gchar *hex = g_hmac_get_string(h);
    memcpy(out, hex, 16);
    out[16] = '\0';
    g_hmac_unref(h);
}

void jm__pseudo_key_check(const char *key, size_t klen, char out[21])
{
    static const char probe[] = "jmine key check";
    memcpy(out, "key ", 4);
    jm__pseudonym(key, klen, probe, sizeof probe - 1, out + 4);
}
