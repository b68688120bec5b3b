/* SPDX-License-Identifier: MIT */
/* Spilling: events written out to temporary partitions by case, for logs larger than memory. */
#ifndef JM_SPILL_H
#define JM_SPILL_H

#include "buckets.h"

#include <jmine/jmine.h>

/* Partitions: all events of a case go to partition (its bucket % JM_SPILL_PARTS), so each
 * partition holds whole journeys. */
#define JM_SPILL_PARTS 64

/* An event as written out: its end spelled out, and its side value (buckets.h). */
typedef struct jm__spilled {
    int64_t start, end;
    uint32_t cas, act, chan; /* cas: a case entry of the bucket (buckets.h) */
    uint32_t bucket;
    uint32_t side;
    uint32_t pad; /* 0: no byte of the record is left unset */
} jm__spilled;

typedef struct jm__spill jm__spill;

/* Temporary files for the partitions, under $TMPDIR (else /tmp), mode 0600. Each is unlinked
 * as soon as it is open, so none is left behind whatever way the process ends. Returns NULL
 * with a malloc'd message in *err if they cannot be made. */
jm__spill *jm__spill_new(char **err);

/* Append the events in the buckets to their partitions. Returns JM_OK or JM_EIO
 * with a malloc'd message in *err (a full disk, say). */
jm_status jm__spill_write(jm__spill *sp, jm__buckets *bs, char **err);

/* Read partition p back, in the order written: *out (malloc'd) gets its events, *n their
 * count. Returns JM_OK or JM_EIO with *err. */
jm_status jm__spill_read(jm__spill *sp, unsigned p, jm__spilled **out, size_t *n, char **err);

/* Bytes written so far. */
uint64_t jm__spill_bytes(const jm__spill *sp);

/* Close the files. NULL is a no-op. */
void jm__spill_free(jm__spill *sp);

#endif
