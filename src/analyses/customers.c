/* SPDX-License-Identifier: MIT */
/* The customer's view (SPEC §9): customers, contacts and channels per customer, repeat contact
 * within --repeat-window, first-contact resolution, containment of --self-service channels. */
#include "analysis.h"
#include "../pseudo.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A journey with a customer, as kept until the end: 24 bytes, one per such journey (the
 * largest thing this analysis keeps; SPEC §6). Its events, first step and first channel are
 * one id of the state's table of such triples (customers.firsts: few, where journeys are
 * millions). */
typedef struct cjour {
    int64_t start, end; /* first start, latest end */
    uint32_t cust;      /* id in ctx->custs */
    uint32_t first;     /* id in customers.firsts */
} cjour;

/* A triple of customers.firsts: a journey's events (the top bit: every event in a self-service
 * channel), first step, first channel (JM_NO_CHANNEL when unknown). */
enum { F_N, F_STEP, F_CHAN };

#define ALL_SS 0x80000000u
#define N_OF(x) ((x) & ~ALL_SS)

/* An escalation: the first step outside self-service of a journey that started in it. */
typedef struct escal {
    uint32_t step, chan;
    uint64_t journeys;
} escal;

/* A group of journeys by first channel or first step, for the repeat rankings. */
typedef struct group {
    uint32_t id;
    uint64_t journeys, followed;
} group;

typedef struct customers {
    cjour *j;
    size_t nj, jcap;
    jm__seqtab *firsts; /* (events, first step, first channel) -> id (cjour.first) */
    /* A memo of firsts by a hash of the triple (allocated by the first lookup): journeys
     * repeat a few hundred triples, and a hit costs one load where the table's lookup hashed
     * the triple and compared it in place (half of add()'s time on the benchmark log). */
    struct fmemo {
        uint32_t n, step, chan, id1; /* id1: the id + 1; 0 empty */
    } *fmemo;
    /* (customer << 32 | channel): the known channels of a journey other than its first, each
     * once a journey; with the first channels they give the channels per customer. */
    uint64_t *extra;
    size_t nextra, extra_cap;
    uint64_t without;   /* journeys without a customer */
    int64_t last_start; /* the latest start of any event (INT64_MIN: none) */
    bool *ss;           /* by channel id: a self-service channel (add() only) */
    size_t nss;
    jm__seqtab *esc_ids; /* (step, chan) -> index in esc */
    escal *esc;
    size_t nesc, esc_cap;
    /* A merge's journeys (and extra channels) as runs, each as a state holds them: customers
     * in byte order of their names, a customer's journeys in by_journey order, its channels
     * once each. Run k is j[run[k] .. run[k + 1]) (extra[xrun[k] .. xrun[k + 1])); nrun 0: j
     * is in no such order (journeys added one by one). The finish then walks the runs by name
     * instead of sorting every journey by customer into a copy (fresh memory, dear). */
    size_t *run, *xrun;
    size_t nrun, run_cap, xrun_cap;
    /* Finished. */
    uint64_t ncust;
    jm__vals contacts, channels; /* per customer */
    uint64_t journeys, provisional, followed, fcr;
    jm__vals gap;
    group *by_chan, *by_step;
    size_t nby_chan, nby_step;
    uint32_t *esc_order;
    /* Containment, by the channels of --self-service in their order. */
    size_t nssn;
    char **ss_name;
    uint32_t *ss_id; /* in ctx->chans, UINT32_MAX when the log has no such channel */
    uint64_t *ss_journeys, *ss_contained;
} customers;

/* The --self-service channels, split at commas (each malloc'd into *names). */
static size_t ss_names(const jm_options *opt, char ***names)
{
    *names = NULL;
    if (opt->self_service == NULL)
        return 0;
    size_t n = 0, cap = 0;
    const char *p = opt->self_service;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0) {
            jm__grow((void **)names, &cap, n + 1, sizeof **names);
            (*names)[n++] = jm__xmemdup(p, len);
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
    return n;
}

/* Slots of customers.fmemo (16 KiB). */
#define FMEMO_BITS 10

/* The id of a journey's (events, first step, first channel) in s->firsts. */
static uint32_t first_id(customers *s, uint32_t n, uint32_t step, uint32_t chan)
{
    if (s->fmemo == NULL)
        s->fmemo = jm__xcalloc((size_t)1 << FMEMO_BITS, sizeof *s->fmemo);
    uint64_t h = ((uint64_t)n * 0x9e3779b97f4a7c15ULL ^ (uint64_t)step * 0xc2b2ae3d27d4eb4fULL ^
                  (uint64_t)chan * 0x165667b19e3779f9ULL) *
                 0xff51afd7ed558ccdULL;
    struct fmemo *m = &s->fmemo[h >> (64 - FMEMO_BITS)];
    if (m->id1 != 0 && m->n == n && m->step == step && m->chan == chan)
        return m->id1 - 1;
    uint32_t k[3] = {n, step, chan};
    uint32_t id = jm__seqtab_id(s->firsts, k, 3);
    *m = (struct fmemo){n, step, chan, id + 1};
    return id;
}

/* The triple of id in s->firsts (F_N, F_STEP, F_CHAN). */
static const uint32_t *first_of(const customers *s, uint32_t id)
{
    size_t n;
    return jm__seqtab_get(s->firsts, id, &n);
}

/* Journeys j[0 .. n), come from state b and now in a's array: their firsts made a's. */
static void remap_firsts(customers *a, const customers *b, cjour *j, size_t n)
{
    uint32_t nf = jm__seqtab_count(b->firsts);
    uint32_t *map = jm__xmalloc((nf ? nf : 1) * sizeof *map);
    for (uint32_t i = 0; i < nf; i++) {
        const uint32_t *f = first_of(b, i);
        map[i] = first_id(a, f[F_N], f[F_STEP], f[F_CHAN]);
    }
    for (size_t i = 0; i < n; i++)
        j[i].first = map[j[i].first];
    free(map);
}

static void *cu_begin(const jm__ctx *ctx)
{
    customers *s = jm__xcalloc(1, sizeof *s);
    s->last_start = INT64_MIN;
    s->esc_ids = jm__seqtab_new();
    s->firsts = jm__seqtab_new();
    /* Journeys are rebuilt once every channel is known: which are self-service is settled
     * here. (A merge adds no journeys: it reads what add() found.) */
    char **names;
    size_t n = ss_names(ctx->opt, &names);
    s->nss = jm__intern_count(ctx->chans);
    s->ss = jm__xcalloc(s->nss ? s->nss : 1, sizeof *s->ss);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = jm__intern_find(ctx->chans, names[i], strlen(names[i]));
        if (id != UINT32_MAX && id < s->nss)
            s->ss[id] = true;
        free(names[i]);
    }
    free(names);
    return s;
}

static inline bool is_ss(const customers *s, uint32_t chan)
{
    return chan != JM_NO_CHANNEL && chan < s->nss && s->ss[chan];
}

static escal *esc_of(customers *s, uint32_t step, uint32_t chan)
{
    uint32_t key[2] = {step, chan};
    uint32_t id = jm__seqtab_id(s->esc_ids, key, 2);
    if (id == s->nesc) {
        jm__grow((void **)&s->esc, &s->esc_cap, s->nesc + 1, sizeof *s->esc);
        s->esc[s->nesc++] = (escal){step, chan, 0};
    }
    return &s->esc[id];
}

/* The customer of a journey: that of its first event that has one (SPEC §9). */
static uint32_t journey_customer(const jm__journey *j)
{
    if (j->cust == NULL)
        return JM_NO_SIDE;
    for (size_t i = 0; i < j->n; i++)
        if (j->cust[i] != JM_NO_SIDE)
            return j->cust[i];
    return JM_NO_SIDE;
}

static void cu_add(void *st, const jm__ctx *ctx, const jm__journey *j)
{
    (void)ctx;
    customers *s = st;
    if (j->start[j->n - 1] > s->last_start)
        s->last_start = j->start[j->n - 1];
    uint32_t c = journey_customer(j);
    if (c == JM_NO_SIDE) {
        s->without++;
        return;
    }
    bool all_ss = true;
    size_t out = SIZE_MAX; /* the first event outside self-service */
    for (size_t i = 0; i < j->n; i++) {
        if (!is_ss(s, j->chan[i])) {
            all_ss = false;
            out = i;
            break;
        }
    }
    if (j->n > 0x7fffffff)
        jm__die("a journey of %zu events", j->n);
    jm__grow((void **)&s->j, &s->jcap, s->nj + 1, sizeof *s->j);
    s->j[s->nj++] = (cjour){j->first_start, j->last_end, c,
                            first_id(s, (uint32_t)j->n | (all_ss ? ALL_SS : 0), j->step[0],
                                     j->chan[0])};
    if (out != SIZE_MAX && out > 0) /* started in self-service, then left it */
        esc_of(s, j->step[out], j->chan[out])->journeys++;
    /* The journey's other known channels, each once. */
    for (size_t i = 1; i < j->n; i++) {
        uint32_t ch = j->chan[i];
        if (ch == JM_NO_CHANNEL || ch == j->chan[0])
            continue;
        bool seen = false;
        for (size_t k = 1; k < i && !seen; k++)
            seen = j->chan[k] == ch;
        if (seen)
            continue;
        jm__grow((void **)&s->extra, &s->extra_cap, s->nextra + 1, sizeof *s->extra);
        s->extra[s->nextra++] = (uint64_t)c << 32 | ch;
    }
}

/* b's runs after a's, its journeys and channels placed after a's nj and nextra (called before
 * they are appended); a's runs are lost unless both have them. */
static void append_runs(customers *a, const customers *b)
{
    if (a->nrun == 0 || b->nrun == 0) {
        a->nrun = 0;
        return;
    }
    jm__grow((void **)&a->run, &a->run_cap, a->nrun + b->nrun + 1, sizeof *a->run);
    jm__grow((void **)&a->xrun, &a->xrun_cap, a->nrun + b->nrun + 1, sizeof *a->xrun);
    for (size_t k = 1; k <= b->nrun; k++) {
        a->run[a->nrun + k] = a->nj + b->run[k];
        a->xrun[a->nrun + k] = a->nextra + b->xrun[k];
    }
    a->nrun += b->nrun;
}

static void cu_merge(void *into, const void *from, const jm__ctx *ctx)
{
    (void)ctx;
    customers *a = into;
    const customers *b = from;
    append_runs(a, b);
    if (b->nj) {
        jm__grow((void **)&a->j, &a->jcap, a->nj + b->nj, sizeof *a->j);
        memcpy(a->j + a->nj, b->j, b->nj * sizeof *b->j);
        remap_firsts(a, b, a->j + a->nj, b->nj);
        a->nj += b->nj;
    }
    if (b->nextra) {
        jm__grow((void **)&a->extra, &a->extra_cap, a->nextra + b->nextra, sizeof *a->extra);
        memcpy(a->extra + a->nextra, b->extra, b->nextra * sizeof *b->extra);
        a->nextra += b->nextra;
    }
    a->without += b->without;
    if (b->last_start > a->last_start)
        a->last_start = b->last_start;
    for (size_t i = 0; i < b->nesc; i++)
        esc_of(a, b->esc[i].step, b->esc[i].chan)->journeys += b->esc[i].journeys;
}

/* The *ns elements of src (elem bytes each) appended to *dst (count *nd, capacity *cap), a
 * slice at a time from src's end, each slice's pages given back once copied: the order does
 * not matter (cu_finish sorts), and the two arrays never stand whole side by side. */
static void move_over(void **dst, size_t *nd, size_t *cap, void *src, size_t *ns, size_t elem)
{
    if (*ns == 0)
        return;
    jm__grow(dst, cap, *nd + *ns, elem);
    size_t per = ((size_t)2 << 20) / elem;
    while (*ns > 0) {
        size_t k = *ns < per ? *ns : per;
        *ns -= k;
        memcpy((char *)*dst + *nd * elem, (char *)src + *ns * elem, k * elem);
        *nd += k;
        jm__give_back(src, *ns * elem, (*ns + k) * elem);
    }
}

static void cu_free(void *st);

/* A worker's state taken into the report's: its journeys and extra channels moved over, the
 * rest merged. */
static void cu_absorb(void *into, void *from, const jm__ctx *ctx)
{
    customers *a = into, *b = from;
    size_t before = a->nj;
    a->nrun = 0; /* a worker's journeys are in the order they came */
    move_over((void **)&a->j, &a->nj, &a->jcap, b->j, &b->nj, sizeof *a->j);
    if (a->nj > before)
        remap_firsts(a, b, a->j + before, a->nj - before);
    move_over((void **)&a->extra, &a->nextra, &a->extra_cap, b->extra, &b->nextra,
              sizeof *a->extra);
    cu_merge(into, from, ctx);
    cu_free(from);
}

/* Channel names, unknown (JM_NO_CHANNEL) last. */
static int chan_cmp(const jm__ctx *ctx, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    if (a == JM_NO_CHANNEL || b == JM_NO_CHANNEL)
        return a == JM_NO_CHANNEL ? 1 : -1;
    return jm__intern_cmp(ctx->chans, a, b);
}

/* Journeys by customer, then start, end, events, first step and channel by name: an order that
 * does not depend on the order journeys came in (the state is written in it). */
static int by_journey(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const customers *s = d[0];
    const jm__ctx *ctx = d[1];
    const cjour *x = pa, *y = pb;
    if (x->cust != y->cust)
        return x->cust < y->cust ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->first == y->first)
        return 0;
    const uint32_t *fx = first_of(s, x->first), *fy = first_of(s, y->first);
    if (fx[F_N] != fy[F_N])
        return fx[F_N] < fy[F_N] ? -1 : 1;
    if (fx[F_STEP] != fy[F_STEP]) {
        int c = jm__intern_cmp(ctx->steps, fx[F_STEP], fy[F_STEP]);
        if (c)
            return c;
    }
    return chan_cmp(ctx, fx[F_CHAN], fy[F_CHAN]);
}

/* Parts of sort_journeys' counting sort: the sorted array is filled part by part, so it and
 * what is left of the journeys take 1 + 1/SORT_PARTS times their memory at most. */
#define SORT_PARTS 8

/* The journeys in by_journey's order: a counting sort by customer id, then each customer's few
 * journeys sorted. The customers are cut into SORT_PARTS ranges of about as many journeys; in
 * each pass a range's journeys go to their places in the sorted array (only its pages are
 * touched) and the others move down over them, the array shrinking as it empties: a copy of
 * all the journeys at once was the peak of a report's memory (64 MB on the benchmark log, when a
 * journey took 32 bytes). */
static void sort_journeys(customers *s, const jm__ctx *ctx)
{
    size_t ncust = jm__intern_count(ctx->custs);
    uint32_t *at = jm__xcalloc(ncust + 1, sizeof *at);
    for (size_t i = 0; i < s->nj; i++)
        at[s->j[i].cust + 1]++;
    for (size_t c = 0; c < ncust; c++)
        at[c + 1] += at[c];
    cjour *out = jm__xmalloc((s->nj ? s->nj : 1) * sizeof *out);
    size_t left = s->nj, c0 = 0;
    for (unsigned p = 1; p <= SORT_PARTS && left > 0; p++) {
        /* This pass: customers c0 .. c1 - 1, whose journeys end at about p parts of them. */
        size_t goal = p == SORT_PARTS ? s->nj : s->nj / SORT_PARTS * p, c1 = c0;
        while (c1 < ncust && at[c1] < goal)
            c1++;
        if (p == SORT_PARTS)
            c1 = ncust;
        size_t k = 0;
        for (size_t i = 0; i < left; i++) {
            uint32_t c = s->j[i].cust;
            if (c < c1)
                out[at[c]++] = s->j[i];
            else
                s->j[k++] = s->j[i];
        }
        left = k;
        s->j = jm__xrealloc(s->j, (left ? left : 1) * sizeof *s->j);
        c0 = c1;
    }
    free(s->j);
    s->j = out;
    s->jcap = s->nj;
    for (size_t a = 0; a < s->nj;) {
        size_t b = a + 1;
        while (b < s->nj && s->j[b].cust == s->j[a].cust)
            b++;
        if (b - a > 1) {
            const void *d[2] = {s, ctx};
            jm__sort(s->j + a, b - a, sizeof *s->j, by_journey, (void *)d);
        }
        a = b;
    }
    free(at);
}

/* The extra channels grouped by customer id, each customer's in the order they came: a
 * counting sort (a comparison sort of them was a third of cu_finish on the benchmark log). */
static void group_extras(customers *s, const jm__ctx *ctx)
{
    if (s->nextra < 2)
        return;
    size_t ncust = jm__intern_count(ctx->custs);
    size_t *at = jm__xcalloc(ncust + 1, sizeof *at);
    for (size_t i = 0; i < s->nextra; i++)
        at[(uint32_t)(s->extra[i] >> 32) + 1]++;
    for (size_t c = 0; c < ncust; c++)
        at[c + 1] += at[c];
    uint64_t *out = jm__xmalloc(s->nextra * sizeof *out);
    for (size_t i = 0; i < s->nextra; i++)
        out[at[s->extra[i] >> 32]++] = s->extra[i];
    free(s->extra);
    free(at);
    s->extra = out;
    s->extra_cap = s->nextra;
}

/* The group of id (a step or channel id; JM_NO_CHANNEL is slot 0 of *map), found through
 * *map (by id + 1: its index in *g + 1; capacity *mcap). */
static group *group_of(group **g, size_t *n, size_t *cap, uint32_t **map, size_t *mcap,
                       uint32_t id)
{
    size_t slot = id == JM_NO_CHANNEL ? 0 : (size_t)id + 1;
    jm__grow_zeroed((void **)map, mcap, slot + 1, sizeof **map);
    if ((*map)[slot] == 0) {
        jm__grow((void **)g, cap, *n + 1, sizeof **g);
        (*g)[*n] = (group){id, 0, 0};
        (*map)[slot] = (uint32_t)++*n;
    }
    return &(*g)[(*map)[slot] - 1];
}

/* Most journeys followed first, then most journeys, then by name (steps: ctx->steps; channels:
 * ctx->chans, unknown last). */
static int by_followed(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const jm__ctx *ctx = d[0];
    bool steps = d[1] != NULL;
    const group *x = pa, *y = pb;
    if (x->followed != y->followed)
        return x->followed > y->followed ? -1 : 1;
    if (x->journeys != y->journeys)
        return x->journeys > y->journeys ? -1 : 1;
    return steps ? jm__intern_cmp(ctx->steps, x->id, y->id) : chan_cmp(ctx, x->id, y->id);
}

static int esc_cmp(const void *pa, const void *pb, void *data)
{
    const void **d = data;
    const customers *s = d[0];
    const jm__ctx *ctx = d[1];
    const escal *x = &s->esc[*(const uint32_t *)pa], *y = &s->esc[*(const uint32_t *)pb];
    if (x->journeys != y->journeys)
        return x->journeys > y->journeys ? -1 : 1;
    int c = jm__intern_cmp(ctx->steps, x->step, y->step);
    return c ? c : chan_cmp(ctx, x->chan, y->chan);
}

/* The escalations by journeys, then names (esc_order). */
static void order_escalations(customers *s, const jm__ctx *ctx)
{
    s->esc_order = jm__xmalloc((s->nesc ? s->nesc : 1) * sizeof *s->esc_order);
    for (size_t i = 0; i < s->nesc; i++)
        s->esc_order[i] = (uint32_t)i;
    const void *de[2] = {s, ctx};
    jm__sort(s->esc_order, s->nesc, sizeof *s->esc_order, esc_cmp, (void *)de);
}

/* The journeys grouped by customer id and the extra channels likewise: the order the
 * finish's walk by id and the state's writer read (a merge's runs, if any, given up). */
static void group_by_customer(customers *s, const jm__ctx *ctx)
{
    sort_journeys(s, ctx);
    group_extras(s, ctx);
    s->nrun = 0;
}

/* Past customer c: its journeys from j[*a] (within j[.. jend)) and its extra channels from
 * extra[*x] (within extra[.. xend)). Wherever the journeys are grouped by customer, the
 * channels are too, in the same order of customers (each is of a journey with a customer). */
static void skip_customer(const customers *s, uint32_t c, size_t *a, size_t jend, size_t *x,
                          size_t xend)
{
    while (*a < jend && s->j[*a].cust == c)
        (*a)++;
    while (*x < xend && (uint32_t)(s->extra[*x] >> 32) == c)
        (*x)++;
}

/* What the finish keeps while it walks the customers. */
typedef struct cu_walk {
    customers *s;
    const jm__ctx *ctx;
    int64_t w; /* --repeat-window */
    size_t cap_c, cap_s, mcap_c, mcap_s;
    uint32_t *map_c, *map_s;
    uint32_t *chs;
    size_t chs_cap;
} cu_walk;

/* One customer's journeys J[0 .. n) (by_journey order) and extra channels X[0 .. nx) into the
 * figures: contacts and channels per customer, repeat contact, first-contact resolution,
 * containment. */
static void finish_customer(cu_walk *cw, const cjour *J, size_t n, const uint64_t *X, size_t nx)
{
    customers *s = cw->s;
    /* Contacts and channels. */
    uint64_t events = 0;
    size_t nch = 0;
    jm__grow((void **)&cw->chs, &cw->chs_cap, n + nx, sizeof *cw->chs);
    for (size_t i = 0; i < n; i++) {
        const uint32_t *f = first_of(s, J[i].first);
        events += N_OF(f[F_N]);
        if (f[F_CHAN] != JM_NO_CHANNEL)
            cw->chs[nch++] = f[F_CHAN];
    }
    for (size_t i = 0; i < nx; i++)
        cw->chs[nch++] = (uint32_t)X[i];
    jm__sort_u32(cw->chs, nch);
    size_t distinct = 0;
    for (size_t i = 0; i < nch; i++)
        distinct += i == 0 || cw->chs[i] != cw->chs[i - 1];
    jm__vals_push(&s->contacts, (int64_t)events);
    jm__vals_push(&s->channels, (int64_t)distinct);
    s->ncust++;
    /* Repeat contact: the first journey that starts later, within the window. */
    for (size_t i = 0; i < n; i++) {
        const uint32_t *f = first_of(s, J[i].first);
        uint32_t jn = f[F_N], fstep = f[F_STEP], fchan = f[F_CHAN];
        size_t k = i + 1;
        while (k < n && J[k].start == J[i].start)
            k++;
        bool followed = k < n && J[k].start <= J[i].end + cw->w;
        if (J[i].end + cw->w > s->last_start) {
            s->provisional++;
            continue;
        }
        s->journeys++;
        group *gc = group_of(&s->by_chan, &s->nby_chan, &cw->cap_c, &cw->map_c, &cw->mcap_c,
                             fchan);
        group *gs = group_of(&s->by_step, &s->nby_step, &cw->cap_s, &cw->map_s, &cw->mcap_s,
                             fstep);
        gc->journeys++;
        gs->journeys++;
        if (followed) {
            s->followed++;
            gc->followed++;
            gs->followed++;
            int64_t gap = J[k].start - J[i].end;
            jm__vals_push(&s->gap, gap > 0 ? gap : 0);
        } else if (N_OF(jn) == 1) {
            s->fcr++;
        }
        for (size_t q = 0; q < s->nssn; q++) {
            if (s->ss_id[q] == fchan && fchan != JM_NO_CHANNEL) {
                s->ss_journeys[q]++;
                s->ss_contained[q] += (jn & ALL_SS) && !followed;
            }
        }
    }
}

/* A run's next customer before another's: by name, then by run. */
static bool run_before(const customers *s, const jm__ctx *ctx, const size_t *at, size_t x,
                       size_t y)
{
    int c = jm__intern_cmp(ctx->custs, s->j[at[x]].cust, s->j[at[y]].cust);
    return c < 0 || (c == 0 && x < y);
}

/* The heap h[0 .. n) of runs by their next customer: h[i] sifted down. */
static void run_sift(const customers *s, const jm__ctx *ctx, const size_t *at, size_t *h,
                     size_t n, size_t i)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && run_before(s, ctx, at, h[l], h[m]))
            m = l;
        if (r < n && run_before(s, ctx, at, h[r], h[m]))
            m = r;
        if (m == i)
            return;
        size_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The customers of a merge's runs in name order, each once: a customer in one run is read
 * where it lies; one in several has its journeys (sorted) and channels gathered first. */
static void walk_runs(cu_walk *cw)
{
    customers *s = cw->s;
    size_t k = s->nrun, nh = 0;
    /* By run: where it is (journeys, channels); the heap; by run met: where the customer's
     * journeys and channels begin and end in it. */
    size_t *at = jm__xmalloc(7 * k * sizeof *at), *xat = at + k, *h = at + 2 * k;
    size_t *seg = at + 3 * k;
    for (size_t r = 0; r < k; r++) {
        at[r] = s->run[r];
        xat[r] = s->xrun[r];
        if (at[r] < s->run[r + 1])
            h[nh++] = r;
    }
    for (size_t i = nh; i-- > 0;)
        run_sift(s, cw->ctx, at, h, nh, i);
    cjour *jb = NULL;
    uint64_t *xb = NULL;
    size_t jcap = 0, xcap = 0;
    while (nh > 0) {
        uint32_t c = s->j[at[h[0]]].cust;
        size_t nseg = 0;
        while (nh > 0 && s->j[at[h[0]]].cust == c) {
            size_t r = h[0], *g = seg + 4 * nseg++;
            g[0] = at[r];
            g[2] = xat[r];
            skip_customer(s, c, &at[r], s->run[r + 1], &xat[r], s->xrun[r + 1]);
            g[1] = at[r];
            g[3] = xat[r];
            if (at[r] == s->run[r + 1])
                h[0] = h[--nh];
            run_sift(s, cw->ctx, at, h, nh, 0);
        }
        if (nseg == 1) { /* read where it lies */
            finish_customer(cw, s->j + seg[0], seg[1] - seg[0],
                            seg[3] > seg[2] ? s->extra + seg[2] : NULL, seg[3] - seg[2]);
            continue;
        }
        size_t n = 0, nx = 0;
        for (size_t q = 0; q < nseg; q++) {
            const size_t *g = seg + 4 * q;
            jm__grow((void **)&jb, &jcap, n + g[1] - g[0], sizeof *jb);
            memcpy(jb + n, s->j + g[0], (g[1] - g[0]) * sizeof *jb);
            n += g[1] - g[0];
            if (g[3] > g[2]) {
                jm__grow((void **)&xb, &xcap, nx + g[3] - g[2], sizeof *xb);
                memcpy(xb + nx, s->extra + g[2], (g[3] - g[2]) * sizeof *xb);
                nx += g[3] - g[2];
            }
        }
        const void *d[2] = {s, cw->ctx};
        jm__sort(jb, n, sizeof *jb, by_journey, (void *)d);
        finish_customer(cw, jb, n, nx > 0 ? xb : NULL, nx);
    }
    free(jb);
    free(xb);
    free(at);
}

static void cu_finish(void *st, const jm__ctx *ctx)
{
    customers *s = st;
    const jm_options *opt = ctx->opt;
    if (s->nrun == 0 || ctx->share)
        group_by_customer(s, ctx);
    if (ctx->share) {
        /* A share's state holds the journeys by customer and the escalations: what is worked
         * out of them below is worked out again once the shares have merged. */
        order_escalations(s, ctx);
        return;
    }
    /* Containment: the --self-service channels by name. */
    s->nssn = ss_names(opt, &s->ss_name);
    s->ss_id = jm__xmalloc((s->nssn ? s->nssn : 1) * sizeof *s->ss_id);
    s->ss_journeys = jm__xcalloc(s->nssn ? s->nssn : 1, sizeof *s->ss_journeys);
    s->ss_contained = jm__xcalloc(s->nssn ? s->nssn : 1, sizeof *s->ss_contained);
    for (size_t i = 0; i < s->nssn; i++)
        s->ss_id[i] = jm__intern_find(ctx->chans, s->ss_name[i], strlen(s->ss_name[i]));
    cu_walk cw = {.s = s, .ctx = ctx, .w = opt->repeat_window_ms};
    if (s->nrun > 0) {
        walk_runs(&cw);
    } else {
        /* By customer id. */
        for (size_t a = 0, x = 0; a < s->nj;) {
            size_t a0 = a, x0 = x;
            skip_customer(s, s->j[a].cust, &a, s->nj, &x, s->nextra);
            finish_customer(&cw, s->j + a0, a - a0, x > x0 ? s->extra + x0 : NULL, x - x0);
        }
    }
    free(cw.chs);
    free(cw.map_c);
    free(cw.map_s);
    jm__vals_sort(&s->contacts);
    jm__vals_sort(&s->channels);
    jm__vals_sort(&s->gap);
    const void *dc[2] = {ctx, NULL}, *ds[2] = {ctx, ctx};
    jm__sort(s->by_chan, s->nby_chan, sizeof *s->by_chan, by_followed, (void *)dc);
    jm__sort(s->by_step, s->nby_step, sizeof *s->by_step, by_followed, (void *)ds);
    order_escalations(s, ctx);
}

static void dist(jm__model *m, jm__mval *sec, const char *key, const jm__vals *v)
{
    jm__mval *o = jm__m_obj(m, sec, key);
    bool any = jm__vals_count(v) > 0;
    jm__m_uint(m, o, "median", any ? (uint64_t)jm__vals_pct(v, 50) : 0);
    jm__m_uint(m, o, "p90", any ? (uint64_t)jm__vals_pct(v, 90) : 0);
    jm__m_uint(m, o, "max", any ? (uint64_t)jm__vals_pct(v, 100) : 0);
}

static void chan_str(jm__model *m, jm__mval *o, const char *key, const jm__ctx *ctx, uint32_t c)
{
    if (c == JM_NO_CHANNEL) {
        jm__m_null(m, o, key);
        return;
    }
    size_t n;
    const char *s = jm__intern_str(ctx->chans, c, &n);
    jm__m_str(m, o, key, s, n);
}

static void cu_model(const void *st, const jm__ctx *ctx, jm__model *m, jm__mval *sec)
{
    const customers *s = st;
    jm__m_bool(m, sec, "present", ctx->has_customer);
    if (!ctx->has_customer) {
        jm__m_cstr(m, sec, "note", "the log has no customer column");
        jm__m_null(m, sec, "count");
        jm__m_null(m, sec, "repeat");
        jm__m_null(m, sec, "containment");
        return;
    }
    jm__m_uint(m, sec, "count", s->ncust);
    jm__m_uint(m, sec, "journeys", s->nj);
    jm__m_uint(m, sec, "journeys_without_customer", s->without);
    dist(m, sec, "contacts", &s->contacts);
    if (ctx->has_channel)
        dist(m, sec, "channels", &s->channels);
    else
        jm__m_null(m, sec, "channels");
    jm__mval *r = jm__m_obj(m, sec, "repeat");
    jm__m_ms(m, r, "window_s", ctx->opt->repeat_window_ms);
    jm__m_uint(m, r, "journeys", s->journeys);
    jm__m_uint(m, r, "provisional", s->provisional);
    jm__m_uint(m, r, "followed", s->followed);
    jm__m_ratio(m, r, "rate", s->followed, s->journeys);
    jm__m_ratio(m, r, "fcr", s->fcr, s->journeys);
    jm__mval *g = jm__m_obj(m, r, "gap_s");
    if (jm__vals_count(&s->gap) > 0) {
        jm__m_ms(m, g, "median", jm__vals_pct(&s->gap, 50));
        jm__m_ms(m, g, "p90", jm__vals_pct(&s->gap, 90));
    } else {
        jm__m_null(m, g, "median");
        jm__m_null(m, g, "p90");
    }
    if (ctx->has_channel) {
        jm__mval *a = jm__m_arr(m, r, "by_first_channel");
        for (size_t i = 0; i < s->nby_chan; i++) {
            const group *x = &s->by_chan[i];
            jm__mval *o = jm__m_obj(m, a, NULL);
            chan_str(m, o, "channel", ctx, x->id);
            jm__m_uint(m, o, "journeys", x->journeys);
            jm__m_uint(m, o, "followed", x->followed);
            jm__m_ratio(m, o, "rate", x->followed, x->journeys);
        }
    } else {
        jm__m_null(m, r, "by_first_channel");
    }
    jm__mval *a = jm__m_arr(m, r, "by_first_step");
    for (size_t i = 0; i < s->nby_step; i++) {
        const group *x = &s->by_step[i];
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x->id, &n);
        jm__mval *o = jm__m_obj(m, a, NULL);
        jm__m_str(m, o, "step", name, n);
        jm__m_uint(m, o, "journeys", x->journeys);
        jm__m_uint(m, o, "followed", x->followed);
        jm__m_ratio(m, o, "rate", x->followed, x->journeys);
    }
    if (s->nssn == 0 || !ctx->has_channel) {
        jm__m_null(m, sec, "containment");
        return;
    }
    jm__mval *c = jm__m_obj(m, sec, "containment");
    jm__mval *ca = jm__m_arr(m, c, "channels");
    uint64_t tj = 0, tc = 0;
    for (size_t i = 0; i < s->nssn; i++) {
        jm__mval *o = jm__m_obj(m, ca, NULL);
        jm__m_cstr(m, o, "channel", s->ss_name[i]);
        jm__m_uint(m, o, "journeys", s->ss_journeys[i]);
        jm__m_uint(m, o, "contained", s->ss_contained[i]);
        jm__m_ratio(m, o, "rate", s->ss_contained[i], s->ss_journeys[i]);
        tj += s->ss_journeys[i];
        tc += s->ss_contained[i];
    }
    jm__m_uint(m, c, "journeys", tj);
    jm__m_uint(m, c, "contained", tc);
    jm__m_ratio(m, c, "rate", tc, tj);
    jm__mval *ea = jm__m_arr(m, c, "escalations");
    for (size_t i = 0; i < s->nesc; i++) {
        const escal *e = &s->esc[s->esc_order[i]];
        size_t n;
        const char *name = jm__intern_str(ctx->steps, e->step, &n);
        jm__mval *o = jm__m_obj(m, ea, NULL);
        jm__m_str(m, o, "step", name, n);
        chan_str(m, o, "channel", ctx, e->chan);
        jm__m_uint(m, o, "journeys", e->journeys);
    }
}

/* "Where to act first": the first steps whose journeys come back most. */
static void cu_findings(const void *st, const jm__ctx *ctx, jm__findings *out)
{
    const customers *s = st;
    if (!ctx->has_customer || s->journeys == 0)
        return;
    for (size_t i = 0, k = 0; i < s->nby_step && k < 3; i++) {
        const group *x = &s->by_step[i];
        /* A first step whose repeat rate is at least a tenth above the overall rate, with at
         * least 5 journeys followed. */
        if (x->followed < 5 || 10 * x->followed * s->journeys <= 11 * s->followed * x->journeys)
            continue;
        size_t n;
        const char *name = jm__intern_str(ctx->steps, x->id, &n);
        char rate[32], all[32];
        jm__fmt_ratio(rate, x->followed * 100, x->journeys);
        jm__fmt_ratio(all, s->followed * 100, s->journeys);
        jm__findings_add(out, "repeat_contact", x->followed, jm__xmemdup(name, n),
                         jm__strdupf("customers who start here come back within the repeat "
                                     "window: %.4s%% of journeys, against %.4s%% overall",
                                     rate, all));
        k++;
    }
}

/* The name a customer is written under in the state: its id, or its pseudonym. */
static const char *cust_name(const jm__ctx *ctx, uint32_t c, size_t *n, char buf[17])
{
    const char *s = jm__intern_str(ctx->custs, c, n);
    if (ctx->cust_key != NULL) {
        jm__pseudonym(ctx->cust_key, ctx->cust_key_len, s, *n, buf);
        *n = 16;
        return buf;
    }
    return s;
}

/* A customer's journeys s->j[a, b) and its extra channels s->extra[xa, xb), under name (in the
 * table of customers, or a pseudonym in cu_save's arena); head: the name's first 8 bytes read
 * big-endian, so that most comparisons need not reach the bytes. */
typedef struct span {
    uint64_t head;
    size_t a, b, xa, xb;
    const char *name;
    size_t n;
} span;

static uint64_t name_head(const char *s, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++)
        h = h << 8 | (i < n ? (unsigned char)s[i] : 0);
    return h;
}

/* Spans by name, in byte order (the tie-break of spans whose heads are equal). */
static int span_cmp(const void *pa, const void *pb, void *data)
{
    const span *sp = data;
    const span *x = &sp[*(const uint32_t *)pa], *y = &sp[*(const uint32_t *)pb];
    return jm__bytes_cmp(x->name, x->n, y->name, y->n);
}

/* The order of the ns spans by name, in byte order: a radix sort of their heads (util.h), then
 * each run of equal heads (names that share their first 8 bytes) by the whole name. A qsort of
 * the spans themselves took a quarter of a state's writing on the benchmark log (1 million
 * customers). */
static uint32_t *spans_by_name(const span *sp, size_t ns)
{
    if (ns > UINT32_MAX)
        jm__die("more than 4 billion customers");
    jm__key16 *a = jm__xmalloc((ns ? ns : 1) * sizeof *a);
    jm__key16 *t = jm__xmalloc((ns ? ns : 1) * sizeof *t);
    for (size_t i = 0; i < ns; i++)
        a[i] = (jm__key16){sp[i].head, i};
    jm__key16 *sorted = jm__sort_key16(a, t, ns);
    uint32_t *ord = jm__xmalloc((ns ? ns : 1) * sizeof *ord);
    for (size_t i = 0; i < ns; i++)
        ord[i] = (uint32_t)sorted[i].val;
    for (size_t i = 0; i < ns;) {
        size_t j = i + 1;
        while (j < ns && sorted[j].key == sorted[i].key)
            j++;
        if (j - i > 1)
            jm__sort(ord + i, j - i, sizeof *ord, span_cmp, (void *)sp);
        i = j;
    }
    free(a);
    free(t);
    return ord;
}

/* The section's tables (docs/state-format.md): the channels it names, in byte order of their
 * names, and the journeys' (events, first step, first channel) triples, in order of events,
 * step index and channel index. Each journey then names its triple by index, and each channel
 * is an index: where a journey spelt its channel's name, the section took 32 bytes a journey on
 * the benchmark log. */
typedef struct cu_tables {
    uint32_t *cidx; /* by channel id: index in the table + 1 (0: none, or JM_NO_CHANNEL) */
    uint32_t *chan; /* the table: channel ids in name order */
    size_t nchan;
    uint32_t *fidx; /* by id in customers.firsts: index in the table (UINT32_MAX: unused) */
    uint32_t *first; /* the table: ids in customers.firsts, in order */
    size_t nfirst;
} cu_tables;

static int chan_name_cmp(const void *pa, const void *pb, void *data)
{
    const jm__ctx *ctx = data;
    return jm__intern_cmp(ctx->chans, *(const uint32_t *)pa, *(const uint32_t *)pb);
}

/* Triples by events, then step and channel by their indexes in the state (both in name
 * order). */
static int first_cmp(const void *pa, const void *pb, void *data)
{
    void **d = data;
    const customers *s = d[0];
    const jm__state_w *w = d[1];
    const cu_tables *t = d[2];
    const uint32_t *x = first_of(s, *(const uint32_t *)pa), *y = first_of(s, *(const uint32_t *)pb);
    if (x[F_N] != y[F_N])
        return x[F_N] < y[F_N] ? -1 : 1;
    uint32_t sx = jm__sw_step_index(w, x[F_STEP]), sy = jm__sw_step_index(w, y[F_STEP]);
    if (sx != sy)
        return sx < sy ? -1 : 1;
    uint32_t cx = x[F_CHAN] == JM_NO_CHANNEL ? 0 : t->cidx[x[F_CHAN]];
    uint32_t cy = y[F_CHAN] == JM_NO_CHANNEL ? 0 : t->cidx[y[F_CHAN]];
    return cx < cy ? -1 : cx > cy;
}

/* The tables of what s names (its journeys' triples, their channels, the extra channels and
 * the escalations'), written to w. */
static void cu_tables_write(cu_tables *t, const customers *s, const jm__ctx *ctx, jm__state_w *w)
{
    size_t nc = jm__intern_count(ctx->chans), nf = jm__seqtab_count(s->firsts);
    t->cidx = jm__xcalloc(nc + 1, sizeof *t->cidx);
    t->fidx = jm__xmalloc((nf ? nf : 1) * sizeof *t->fidx);
    memset(t->fidx, 0xff, (nf ? nf : 1) * sizeof *t->fidx);
    t->first = jm__xmalloc((nf ? nf : 1) * sizeof *t->first);
    t->nfirst = 0;
    for (size_t i = 0; i < s->nj; i++) {
        uint32_t f = s->j[i].first;
        if (t->fidx[f] == UINT32_MAX) {
            t->fidx[f] = 0;
            t->first[t->nfirst++] = f;
        }
    }
    /* Channels: marked 1, then numbered. */
    for (size_t i = 0; i < t->nfirst; i++) {
        uint32_t c = first_of(s, t->first[i])[F_CHAN];
        if (c != JM_NO_CHANNEL)
            t->cidx[c] = 1;
    }
    for (size_t i = 0; i < s->nextra; i++)
        t->cidx[(uint32_t)s->extra[i]] = 1;
    for (size_t i = 0; i < s->nesc; i++)
        if (s->esc[i].chan != JM_NO_CHANNEL)
            t->cidx[s->esc[i].chan] = 1;
    t->chan = jm__xmalloc((nc ? nc : 1) * sizeof *t->chan);
    t->nchan = 0;
    for (size_t c = 0; c < nc; c++)
        if (t->cidx[c])
            t->chan[t->nchan++] = (uint32_t)c;
    jm__sort(t->chan, t->nchan, sizeof *t->chan, chan_name_cmp, (void *)ctx);
    jm__sw_u64(w, t->nchan);
    for (size_t i = 0; i < t->nchan; i++) {
        t->cidx[t->chan[i]] = (uint32_t)i + 1;
        size_t n;
        const char *name = jm__intern_str(ctx->chans, t->chan[i], &n);
        jm__sw_bytes(w, name, n);
    }
    void *d[3] = {(void *)s, w, t};
    jm__sort(t->first, t->nfirst, sizeof *t->first, first_cmp, d);
    jm__sw_u64(w, t->nfirst);
    for (size_t i = 0; i < t->nfirst; i++) {
        const uint32_t *f = first_of(s, t->first[i]);
        t->fidx[t->first[i]] = (uint32_t)i;
        jm__sw_u64(w, f[F_N]);
        jm__sw_step(w, f[F_STEP]);
        jm__sw_u64(w, f[F_CHAN] == JM_NO_CHANNEL ? 0 : t->cidx[f[F_CHAN]]);
    }
}

static void cu_tables_free(cu_tables *t)
{
    free(t->cidx);
    free(t->chan);
    free(t->fidx);
    free(t->first);
}

/* The totals and tables; each customer by its name (or pseudonym): its journeys (start, end,
 * triple) and its channels; the escalations. */
static void cu_save(void *st, const jm__ctx *ctx, jm__state_w *w)
{
    customers *s = st;
    if (s->nrun > 0) /* a merge's runs: one customer may be in several */
        group_by_customer(s, ctx);
    jm__sw_u64(w, s->without);
    jm__sw_i64(w, s->last_start);
    cu_tables t;
    cu_tables_write(&t, s, ctx, w);
    size_t ns = 0, cap = 0, x = 0;
    span *sp = NULL;
    char *arena = NULL; /* the pseudonyms, 16 bytes each, with --pseudonymize */
    if (ctx->cust_key != NULL) {
        size_t nc = 0;
        for (size_t a = 0; a < s->nj; a++)
            nc += a == 0 || s->j[a].cust != s->j[a - 1].cust;
        arena = jm__xmalloc((nc ? nc : 1) * 16);
    }
    for (size_t a = 0; a < s->nj;) { /* by customer id, as the journeys and extras are */
        size_t b = a, xa = x;
        uint32_t c = s->j[a].cust;
        skip_customer(s, c, &b, s->nj, &x, s->nextra);
        char buf[17];
        size_t n;
        const char *name = cust_name(ctx, c, &n, buf);
        if (arena != NULL) {
            memcpy(arena + 16 * ns, name, 16);
            name = arena + 16 * ns;
        }
        jm__grow((void **)&sp, &cap, ns + 1, sizeof *sp);
        sp[ns++] = (span){name_head(name, n), a, b, xa, x, name, n};
        a = b;
    }
    uint32_t *ord = spans_by_name(sp, ns);
    jm__sw_u64(w, s->nj);
    jm__sw_u64(w, ns);
    uint32_t *chs = NULL;
    size_t chs_cap = 0;
    for (size_t o = 0; o < ns; o++) {
        /* In name order the spans, journeys, extra channels and names are met at random:
         * each is fetched ahead (the span 32 customers ahead, what it points to 16 ahead). */
        if (o + 32 < ns)
            __builtin_prefetch(&sp[ord[o + 32]]);
        if (o + 16 < ns) {
            const span *q = &sp[ord[o + 16]];
            __builtin_prefetch(&s->j[q->a]);
            __builtin_prefetch(q->name);
            if (q->xb > q->xa)
                __builtin_prefetch(&s->extra[q->xa]);
        }
        const span *p = &sp[ord[o]];
        jm__sw_bytes(w, p->name, p->n);
        jm__sw_u64(w, p->b - p->a);
        for (size_t k = p->a; k < p->b; k++) {
            const cjour *J = &s->j[k];
            if (k == p->a)
                jm__sw_i64(w, J->start);
            else
                jm__sw_u64(w, (uint64_t)J->start - (uint64_t)J[-1].start);
            jm__sw_u64(w, (uint64_t)J->end - (uint64_t)J->start);
            jm__sw_u64(w, t.fidx[J->first]);
        }
        /* The channels of its journeys past their first, each once, in name order (their
         * indexes in the table). */
        size_t nch = 0;
        for (size_t q = p->xa; q < p->xb; q++) {
            jm__grow((void **)&chs, &chs_cap, nch + 1, sizeof *chs);
            chs[nch++] = t.cidx[(uint32_t)s->extra[q]];
        }
        jm__sort_u32(chs, nch);
        size_t d = 0;
        for (size_t k = 0; k < nch; k++)
            if (k == 0 || chs[k] != chs[k - 1])
                chs[d++] = chs[k];
        jm__sw_u64(w, d);
        for (size_t k = 0; k < d; k++)
            jm__sw_u64(w, chs[k]);
    }
    free(chs);
    free(ord);
    free(sp);
    free(arena);
    jm__sw_u64(w, s->nesc);
    for (size_t i = 0; i < s->nesc; i++) { /* esc_order: by journeys, then names */
        const escal *e = &s->esc[s->esc_order[i]];
        jm__sw_step(w, e->step);
        jm__sw_u64(w, e->chan == JM_NO_CHANNEL ? 0 : t.cidx[e->chan]);
        jm__sw_u64(w, e->journeys);
    }
    cu_tables_free(&t);
}

/* A channel of the section (0: unknown; i: the table's channel i - 1), as the merge's id. */
static uint32_t sr_chan_at(jm__state_r *r, const uint32_t *chan, size_t nchan)
{
    uint64_t i = jm__sr_u64(r);
    if (i > nchan) {
        jm__sr_fail(r);
        return JM_NO_CHANNEL;
    }
    return i == 0 ? JM_NO_CHANNEL : chan[i - 1];
}

static void *cu_load(const jm__ctx *ctx, jm__state_r *r)
{
    customers *s = jm__xcalloc(1, sizeof *s);
    s->esc_ids = jm__seqtab_new();
    s->firsts = jm__seqtab_new();
    s->without = jm__sr_u64(r);
    s->last_start = jm__sr_i64(r);
    size_t nchan = jm__sr_count(r);
    uint32_t *chan = jm__xmalloc((nchan ? nchan : 1) * sizeof *chan);
    for (size_t i = 0; i < nchan; i++)
        chan[i] = jm__sr_chan(r);
    size_t nfirst = jm__sr_count(r);
    uint32_t *first = jm__xmalloc((nfirst ? nfirst : 1) * sizeof *first);
    for (size_t i = 0; i < nfirst; i++) {
        uint64_t nev = jm__sr_u64(r);
        uint32_t fstep = jm__sr_step(r);
        uint32_t fchan = sr_chan_at(r, chan, nchan);
        if (N_OF(nev) == 0 || nev > UINT32_MAX)
            jm__sr_fail(r);
        first[i] = jm__sr_ok(r) ? first_id(s, (uint32_t)nev, fstep, fchan) : 0;
    }
    /* The customers' names are looked up a chunk at a time (jm__intern_ids fetches each
     * lookup's misses ahead), their journeys and channels taking the chunk's numbers until
     * then. */
    jm__intern *custs = (jm__intern *)ctx->custs; /* a merge's own table, named as it loads */
    size_t nj = jm__sr_count(r);
    s->j = jm__xmalloc((nj ? nj : 1) * sizeof *s->j);
    s->jcap = nj ? nj : 1;
    size_t ns = jm__sr_count(r);
    jm__intern_reserve(custs, ns);
    enum { CHUNK = 1024 };
    jm__intern_key keys[CHUNK];
    uint32_t ids[CHUNK];
    size_t nk = 0, j0 = 0, x0 = 0;
    const char *prev = NULL;
    size_t nprev = 0;
    for (size_t i = 0; i < ns && jm__sr_ok(r); i++) {
        size_t n;
        const char *name = jm__sr_bytes(r, &n);
        /* In byte order, each once: a merge's finish walks its states' customers so. */
        if (prev != NULL && jm__bytes_cmp(prev, nprev, name, n) >= 0)
            jm__sr_fail(r);
        prev = name;
        nprev = n;
        keys[nk] = (jm__intern_key){name, jm__hash(name, n), (uint32_t)n};
        uint32_t c = (uint32_t)nk++;
        size_t k = jm__sr_count(r);
        if (k == 0 || k > nj - s->nj)
            jm__sr_fail(r);
        for (size_t q = 0; q < k && jm__sr_ok(r); q++) {
            cjour J;
            uint64_t d = q == 0 ? 0 : jm__sr_u64(r);
            J.start = q == 0 ? jm__sr_i64(r) : s->j[s->nj - 1].start;
            uint64_t len = jm__sr_u64(r);
            uint64_t f = jm__sr_u64(r);
            if (d > INT64_MAX || len > INT64_MAX || f >= nfirst ||
                __builtin_add_overflow(J.start, (int64_t)d, &J.start) ||
                __builtin_add_overflow(J.start, (int64_t)len, &J.end)) {
                jm__sr_fail(r);
                break;
            }
            J.cust = c;
            J.first = first[f];
            s->j[s->nj++] = J;
        }
        size_t d = jm__sr_count(r);
        for (size_t q = 0; q < d && jm__sr_ok(r); q++) {
            uint32_t ch = sr_chan_at(r, chan, nchan);
            if (ch == JM_NO_CHANNEL)
                jm__sr_fail(r);
            jm__grow((void **)&s->extra, &s->extra_cap, s->nextra + 1, sizeof *s->extra);
            s->extra[s->nextra++] = (uint64_t)c << 32 | ch;
        }
        if (nk == CHUNK || i + 1 == ns || !jm__sr_ok(r)) {
            jm__intern_ids(custs, keys, nk, ids);
            for (; j0 < s->nj; j0++)
                s->j[j0].cust = ids[s->j[j0].cust];
            for (; x0 < s->nextra; x0++)
                s->extra[x0] = (uint64_t)ids[s->extra[x0] >> 32] << 32 | (uint32_t)s->extra[x0];
            nk = 0;
        }
    }
    if (s->nj != nj)
        jm__sr_fail(r);
    s->run = jm__xmalloc(2 * sizeof *s->run);
    s->xrun = jm__xmalloc(2 * sizeof *s->xrun);
    s->run_cap = s->xrun_cap = 2;
    s->run[0] = s->xrun[0] = 0;
    s->run[1] = s->nj;
    s->xrun[1] = s->nextra;
    s->nrun = 1;
    size_t ne = jm__sr_count(r);
    for (size_t i = 0; i < ne && jm__sr_ok(r); i++) {
        uint32_t step = jm__sr_step(r);
        uint32_t ch = sr_chan_at(r, chan, nchan);
        escal *e = esc_of(s, step, ch);
        if (e->journeys != 0)
            jm__sr_fail(r);
        e->journeys = jm__sr_u64(r);
    }
    free(chan);
    free(first);
    return s;
}

static void cu_free(void *st)
{
    customers *s = st;
    free(s->j);
    free(s->extra);
    free(s->run);
    free(s->xrun);
    free(s->ss);
    jm__seqtab_free(s->esc_ids);
    jm__seqtab_free(s->firsts);
    free(s->fmemo);
    free(s->esc);
    jm__vals_free(&s->contacts);
    jm__vals_free(&s->channels);
    jm__vals_free(&s->gap);
    free(s->by_chan);
    free(s->by_step);
    free(s->esc_order);
    for (size_t i = 0; i < s->nssn; i++)
        free(s->ss_name[i]);
    free(s->ss_name);
    free(s->ss_id);
    free(s->ss_journeys);
    free(s->ss_contained);
    free(s);
}

const jm__analysis jm__customers_analysis = {
    .key = "customers",
    .begin = cu_begin,
    .add = cu_add,
    .merge = cu_merge,
    .absorb = cu_absorb,
    .finish = cu_finish,
    .model = cu_model,
    .findings = cu_findings,
    .free = cu_free,
    .save = cu_save,
    .load = cu_load,
};
