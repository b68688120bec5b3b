/* SPDX-License-Identifier: MIT */
/* Events written for the process that owns their case (jmine-mpi), as the batches they were
 * read in merge: one buffer per owner, in the wire format that jm__dist_import (dist.h) reads.
 * The events never enter the reading process's buckets. */
#ifndef JM_ROUTE_H
#define JM_ROUTE_H

#include "event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The wire. A buffer is a sequence of records, each starting with a 4-byte word:
 * - JM_WIRE_DEF names something: a 4-byte tag (JM_WIRE_CASE, _KIND, _CUSTOMER), a 4-byte
 *   length and the bytes. A kind's bytes are its activity's, then its channel's length and
 *   bytes and its resource's (JM_WIRE_NONE for none, without bytes). Cases, kinds and
 *   customers are numbered from 0 in the order they are named, each kind once per buffer, a
 *   case and a customer once per buffer and batch (the receiver merges a case's entries as it
 *   merges a batch's: buckets.h).
 * - Anything else is an event: that word its case's number, then its kind's number (4), start
 *   (8), duration (4), row fingerprint (4) and customer's number (4, JM_WIRE_NONE: none): 28
 *   bytes; a JM_DUR_LONG duration is followed by the end (8).
 * Integers are in the machine's byte order: every rank of a job runs the same build. */
#define JM_WIRE_DEF UINT32_MAX
#define JM_WIRE_NONE UINT32_MAX
enum { JM_WIRE_CASE, JM_WIRE_KIND, JM_WIRE_CUSTOMER };

/* A byte buffer. */
typedef struct jm__dist_buf {
    char *p;
    size_t n, cap;
} jm__dist_buf;

typedef struct jm__route jm__route;

/* Buffers for n owners (n >= 1). The events of owner `keep` (JM_WIRE_NONE: none) are not
 * written: the log keeps them in its buckets (jmine-mpi: a rank's own; dist.h's jm__dist_lead
 * puts them in their place among those it imports). */
jm__route *jm__route_new(unsigned n, unsigned keep);

/* Free the route and its buffers. NULL is a no-op. */
void jm__route_free(jm__route *rt);

/* Owner 0's share of the cases against each other owner's, in twentieths. jmine-mpi's rank 0
 * also merges its own state while the others save theirs (rank 1 then waited 0.23-0.28 s for
 * it in mpirun -np 2 on the benchmark log, where a rank's work from the shuffle to its state
 * took 1.5 s): it owns a little less. */
#define OWNER_0 18

/* The owner (of n) of a case id: a hash of its bytes, the same in every process; owner 0
 * takes OWNER_0 / 20 of the share of each of the others. */
unsigned jm__route_owner(const char *id, size_t len, unsigned n);

/* Kind id `kind` of the log is new: its activity, channel (NULL: none) and resource (NULL:
 * none). Kinds are given in id order, each once, before an event of theirs. */
void jm__route_kind(jm__route *rt, uint32_t kind, const char *act, size_t nact,
                    const char *chan, size_t nchan, const char *res, size_t nres);

/* A batch of ncases case ids and ncusts customer instances (ids from 0 each) begins: its
 * events follow, in input order. */
void jm__route_batch(jm__route *rt, size_t ncases, size_t ncusts);

/* Whether the events of the batch's case `cas`, whose id is id[0..nid), stay in the log (its
 * owner is the route's keep). Call once per case of the batch, before its events. */
bool jm__route_keeps(jm__route *rt, uint32_t cas, const char *id, size_t nid);

/* An event of the batch to the owner of its case (one jm__route_keeps said is not kept): e->cas is the batch's case id, whose bytes
 * are id[0..nid); e->act the log's kind; cu the batch's customer instance (JM_NO_SIDE: none),
 * whose bytes are cub[0..ncub); end its end when its duration is JM_DUR_LONG. */
void jm__route_event(jm__route *rt, const jm__event *e, int64_t end, const char *id, size_t nid,
                     uint32_t cu, const char *cub, size_t ncub);

/* Hand the buffers over: out[0..n) receive them (out's own memory is not freed), and the
 * route holds none. Returns the events written. */
uint64_t jm__route_take(jm__route *rt, jm__dist_buf *out);

#endif
