/* SPDX-License-Identifier: MIT */
/* Events written for the process that owns their case, as batches merge (route.h). */
#include "route.h"
#include "intern.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct jm__route {
    unsigned n, keep;
    jm__dist_buf *out;                /* by owner */
    uint32_t *ncases, *nkinds, *ncusts; /* by owner: names sent so far */
    /* Kinds: each one's named record in defs, back to back (kind k's from def_at[k] to
     * def_at[k + 1]), and by (kind, owner) its number in that owner's buffer, or
     * JM_WIRE_NONE. */
    jm__dist_buf defs;
    uint64_t *def_at;
    uint32_t *kind_wire;
    size_t nkind, def_cap, wire_cap;
    /* The batch being written: by its case id the owner and the number in the owner's buffer
     * (JM_WIRE_NONE: not named there yet); by (customer instance, owner) the number there. */
    uint32_t *case_owner, *case_wire, *cust_wire;
    size_t case_cap, cust_cap;
    uint64_t events;
};

unsigned jm__route_owner(const char *id, size_t len, unsigned n)
{
    /* The low half of the hash (the bucket takes the high one) scaled to the owners' weights:
     * OWNER_0 for owner 0, 20 for each of the others. */
    uint64_t w = OWNER_0 + 20 * (uint64_t)(n - 1);
    uint64_t x = (uint64_t)(uint32_t)jm__hash(id, len) * w >> 32;
    return x < OWNER_0 ? 0 : 1 + (unsigned)((x - OWNER_0) / 20);
}

jm__route *jm__route_new(unsigned n, unsigned keep)
{
    jm__route *rt = jm__xcalloc(1, sizeof *rt);
    rt->n = n;
    rt->keep = keep;
    rt->out = jm__xcalloc(n, sizeof *rt->out);
    rt->ncases = jm__xcalloc(n, sizeof *rt->ncases);
    rt->nkinds = jm__xcalloc(n, sizeof *rt->nkinds);
    rt->ncusts = jm__xcalloc(n, sizeof *rt->ncusts);
    return rt;
}

void jm__route_free(jm__route *rt)
{
    if (rt == NULL)
        return;
    for (unsigned o = 0; o < rt->n; o++)
        free(rt->out[o].p);
    free(rt->out);
    free(rt->ncases);
    free(rt->nkinds);
    free(rt->ncusts);
    free(rt->defs.p);
    free(rt->def_at);
    free(rt->kind_wire);
    free(rt->case_owner);
    free(rt->case_wire);
    free(rt->cust_wire);
    free(rt);
}

static inline void put(jm__dist_buf *b, const void *p, size_t n)
{
    if (b->cap - b->n < n)
        jm__grow((void **)&b->p, &b->cap, b->n + n, 1);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static inline void put32(jm__dist_buf *b, uint32_t v)
{
    put(b, &v, 4);
}

/* A named record: JM_WIRE_DEF, what, the length and the bytes. */
static void put_name(jm__dist_buf *b, uint32_t what, const char *s, size_t n)
{
    put32(b, JM_WIRE_DEF);
    put32(b, what);
    put32(b, (uint32_t)n);
    put(b, s, n);
}

void jm__route_kind(jm__route *rt, uint32_t kind, const char *act, size_t nact,
                    const char *chan, size_t nchan, const char *res, size_t nres)
{
    if (kind != rt->nkind)
        jm__die("jm__route_kind: kind %u given out of order", kind);
    jm__grow((void **)&rt->def_at, &rt->def_cap, rt->nkind + 2, sizeof *rt->def_at);
    jm__grow((void **)&rt->kind_wire, &rt->wire_cap, (rt->nkind + 1) * rt->n,
             sizeof *rt->kind_wire);
    for (unsigned o = 0; o < rt->n; o++)
        rt->kind_wire[rt->nkind * rt->n + o] = JM_WIRE_NONE;
    rt->def_at[rt->nkind] = rt->defs.n;
    put_name(&rt->defs, JM_WIRE_KIND, act, nact);
    put32(&rt->defs, chan == NULL ? JM_WIRE_NONE : (uint32_t)nchan);
    if (chan != NULL)
        put(&rt->defs, chan, nchan);
    put32(&rt->defs, res == NULL ? JM_WIRE_NONE : (uint32_t)nres);
    if (res != NULL)
        put(&rt->defs, res, nres);
    rt->def_at[++rt->nkind] = rt->defs.n;
}

void jm__route_batch(jm__route *rt, size_t ncases, size_t ncusts)
{
    jm__grow((void **)&rt->case_owner, &rt->case_cap, ncases + 1, sizeof *rt->case_owner);
    rt->case_wire = jm__xrealloc(rt->case_wire, rt->case_cap * sizeof *rt->case_wire);
    memset(rt->case_wire, 0xff, ncases * sizeof *rt->case_wire);
    size_t nw = ncusts * rt->n;
    if (nw > 0) {
        jm__grow((void **)&rt->cust_wire, &rt->cust_cap, nw, sizeof *rt->cust_wire);
        memset(rt->cust_wire, 0xff, nw * sizeof *rt->cust_wire);
    }
}

bool jm__route_keeps(jm__route *rt, uint32_t cas, const char *id, size_t nid)
{
    rt->case_owner[cas] = jm__route_owner(id, nid, rt->n);
    return rt->case_owner[cas] == rt->keep;
}

void jm__route_event(jm__route *rt, const jm__event *e, int64_t end, const char *id, size_t nid,
                     uint32_t cu, const char *cub, size_t ncub)
{
    uint32_t o = rt->case_owner[e->cas];
    if (rt->case_wire[e->cas] == JM_WIRE_NONE) {
        put_name(&rt->out[o], JM_WIRE_CASE, id, nid);
        rt->case_wire[e->cas] = rt->ncases[o]++;
    }
    jm__dist_buf *b = &rt->out[o];
    uint32_t *kw = &rt->kind_wire[(size_t)e->act * rt->n + o];
    if (*kw == JM_WIRE_NONE) {
        put(b, rt->defs.p + rt->def_at[e->act], rt->def_at[e->act + 1] - rt->def_at[e->act]);
        *kw = rt->nkinds[o]++;
    }
    uint32_t cw = JM_WIRE_NONE;
    if (cu != JM_NO_SIDE) {
        uint32_t *w = &rt->cust_wire[(size_t)cu * rt->n + o];
        if (*w == JM_WIRE_NONE) {
            put_name(b, JM_WIRE_CUSTOMER, cub, ncub);
            *w = rt->ncusts[o]++;
        }
        cw = *w;
    }
    /* The record built whole, then copied once. */
    unsigned char rec[36];
    memcpy(rec, &rt->case_wire[e->cas], 4);
    memcpy(rec + 4, kw, 4);
    memcpy(rec + 8, &e->start, 8);
    memcpy(rec + 16, &e->dur, 4);
    memcpy(rec + 20, &e->chan, 4);
    memcpy(rec + 24, &cw, 4);
    if (e->dur == JM_DUR_LONG) {
        memcpy(rec + 28, &end, 8);
        put(b, rec, 36);
    } else {
        put(b, rec, 28);
    }
    rt->events++;
}

uint64_t jm__route_take(jm__route *rt, jm__dist_buf *out)
{
    for (unsigned o = 0; o < rt->n; o++) {
        out[o] = rt->out[o];
        rt->out[o] = (jm__dist_buf){0};
    }
    return rt->events;
}
