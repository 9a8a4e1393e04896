/*
 * grouping.c: groups of three or four from the matching's pairs (see
 * grouping.h). Pairs are split, their members attached to other pairs
 * (a matching of members to pairs), pairs merged into fours (a matching of
 * pairs to pairs), the groups of another size handed to those who had the
 * fewest, then neighbouring groups dealt again while the score rises.
 */
#include <stdlib.h>
#include <string.h>

#include "grouping.h"
#include "matching.h"
#include "rng.h"

#define NONE         UINT32_MAX
#define SCALE        10000.0 /* score points to matching weight units */
#define ATTACH_TRIES 24      /* pairs a member looks at to join as a third */
#define MERGE_TRIES  12      /* pairs a pair looks at to make a four with */
#define SWAP_TRIES   4       /* groups each group is dealt again with, per pass */
#define SWAP_PASSES  3       /* up to SWAP_LARGE members; one beyond */
#define SWAP_LARGE   20000
#define FAIR_LOOK    256 /* feasible swaps weighed when a group of another size is handed on */

struct pair {
    uint32_t a, b;
    double s;
    bool split;    /* its members join other pairs as thirds */
    uint32_t with; /* a third (member) or another pair (four), or NONE */
    bool merged;   /* part of a four (with is the other pair) */
    bool taken;    /* collected into a group */
};

struct single {
    uint32_t x;
    uint32_t home; /* the pair it came with (a trio, or the pair it was split from); NONE: none */
};

struct state {
    const struct ct_pairing_ctx *c;
    const struct ct_pairing_member *mem;
    unsigned k;
    struct ct_rng rng;
    struct pair *p;
    size_t np;
    struct single *s;
    size_t ns;
    struct ct_grouping_group *g; /* the result */
    size_t ng;
    uint32_t *group_of; /* by member index: the group in g, or NONE */
    double *contrib;    /* by member index: the score it brings its group (swaps) */
    uint32_t *left;
    size_t nleft;
    uint32_t *sat; /* odd = sit_out: who sits out */
    size_t nsat;
    double most; /* no pair scores more (most_score) */
    /* Pairs by their place on the random term's circle (the first member's). */
    uint32_t *order; /* np pair indices, by place */
    double *place;   /* by pair index */
};

/*
 * The most any pair can score under p's weights: every positive weight at
 * its best (novelty 1.5 times its weight, pairing.c novelty_side); repeat
 * only ever subtracts.
 */
static double
most_score(const struct ct_pairing_params *p)
{
    double most = 0;
    size_t i;

    for (i = 0; i < CT_WEIGHT_COUNT; i++)
        if (i != CT_W_REPEAT && p->weight[i] > 0)
            most += i == CT_W_NOVELTY ? 1.5 * p->weight[i] : p->weight[i];
    return most;
}

void
ct_grouping_sizes(size_t n, unsigned k, size_t sizes[CT_GROUP_MAX + 1])
{
    size_t q = k ? n / k : 0, r = k ? n % k : n;

    memset(sizes, 0, (CT_GROUP_MAX + 1) * sizeof(*sizes));
    if (n == 1 || k < 2 || k > CT_GROUP_MAX) {
        sizes[1] = n == 1;
        return;
    }
    if (k == 4 && n == 5) { /* too few for three groups of three */
        sizes[3] = sizes[2] = 1;
        return;
    }
    sizes[k] = q;
    if (r == 0)
        return;
    if (k == 2) { /* odd: one trio */
        sizes[2] = q - 1, sizes[3] = 1;
    } else if (k == 3) {
        if (r == 1)
            sizes[3] = q - 1, sizes[4] = 1;
        else
            sizes[2] = 1;
    } else if (r == 1) { /* k == 4, n >= 9 */
        sizes[4] = q - 2, sizes[3] = 3;
    } else if (r == 2) {
        if (q == 0)
            sizes[2] = 1;
        else
            sizes[4] = q - 1, sizes[3] = 2;
    } else {
        sizes[3] = 1;
    }
}

static double
score(const struct state *st, uint32_t a, uint32_t b)
{
    struct ct_pairing_score s;

    ct_pairing_score_pair(st->c, a, b, &s);
    return s.total;
}

static bool
allowed(const struct state *st, uint32_t a, uint32_t b)
{
    return ct_pairing_allowed(st->c, a, b) == CT_RULE_NONE;
}

static int64_t
weight_of(double x)
{
    x *= SCALE;
    return x >= 0 ? (int64_t)(x + 0.5) : -(int64_t)(-x + 0.5);
}

/* Whether x may join members m[0 .. n): every pair allowed, common hours. */
static bool
may_join(const struct state *st, const uint32_t *m, size_t n, uint32_t x)
{
    uint32_t all[CT_GROUP_MAX];
    size_t i;

    if (n + 1 > CT_GROUP_MAX)
        return false;
    for (i = 0; i < n; i++) {
        if (!allowed(st, m[i], x))
            return false;
        all[i] = m[i];
    }
    all[n] = x;
    return n + 1 < 3 || ct_pairing_group_hours(st->c, all, n + 1);
}

/* ---- pairs and singles from the plan ------------------------------------ */

/* Each pair of the plan, and each trio as its best pair plus a single. */
static bool
decompose(struct state *st, const struct ct_grouping_group *in, size_t n)
{
    size_t i;

    st->p = calloc(2 * n + 1, sizeof(*st->p)); /* room for pairs of singles (pair_singles) */
    st->s = calloc(2 * n + 1, sizeof(*st->s));
    if (!st->p || !st->s)
        return false;
    for (i = 0; i < n; i++) {
        const uint32_t *m = in[i].m;
        struct pair *p = &st->p[st->np];
        unsigned drop = 0, j;
        double best = -1e300;

        if (in[i].size == 1) { /* the pairs' sit-out (odd = sit_out): back in the pool */
            st->s[st->ns].x = m[0];
            st->s[st->ns++].home = NONE;
            continue;
        }
        if (in[i].size == 3)
            for (j = 0; j < 3; j++) {
                double sc = score(st, m[(j + 1) % 3], m[(j + 2) % 3]);
                if (sc > best)
                    best = sc, drop = j;
            }
        else
            drop = 2;
        p->a = in[i].size == 2 ? m[0] : m[(drop + 1) % 3];
        p->b = in[i].size == 2 ? m[1] : m[(drop + 2) % 3];
        p->s = score(st, p->a, p->b);
        p->with = NONE;
        if (in[i].size == 3) {
            st->s[st->ns].x = m[drop];
            st->s[st->ns].home = (uint32_t)st->np;
            st->ns++;
        }
        st->np++;
    }
    return true;
}

static int
off_above(const struct state *st, uint32_t x, int min_off)
{
    return st->mem[x].off_size > min_off;
}

static int min_off_of(const struct state *st);

/* Pairs ordered for splitting: fewest members already owed nothing, lowest score. */
struct split_key {
    int above;
    double s;
    uint32_t i;
};

static int
cmp_split(const void *x, const void *y)
{
    const struct split_key *a = x, *b = y;

    if (a->above != b->above)
        return a->above - b->above;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Split d pairs (not a trio's home) into singles. */
static bool
split_pairs(struct state *st, size_t d)
{
    struct split_key *keys = calloc(st->np + 1, sizeof(*keys));
    uint8_t *home = calloc(st->np + 1, 1);
    int min_off = min_off_of(st);
    size_t i, nk = 0;

    if (!keys || !home) {
        free(keys);
        free(home);
        return false;
    }
    for (i = 0; i < st->ns; i++)
        if (st->s[i].home != NONE)
            home[st->s[i].home] = 1;
    for (i = 0; i < st->np; i++) {
        if (home[i])
            continue;
        keys[nk].i = (uint32_t)i;
        keys[nk].s = st->p[i].s;
        /* With fours, the thirds are in groups of another size: fairness first. */
        keys[nk].above =
            st->k == 4 ? off_above(st, st->p[i].a, min_off) + off_above(st, st->p[i].b, min_off)
                       : 0;
        nk++;
    }
    if (nk > 1)
        qsort(keys, nk, sizeof(*keys), cmp_split);
    for (i = 0; i < d && i < nk; i++) {
        struct pair *p = &st->p[keys[i].i];
        p->split = true;
        st->s[st->ns].x = p->a;
        st->s[st->ns++].home = keys[i].i;
        st->s[st->ns].x = p->b;
        st->s[st->ns++].home = keys[i].i;
    }
    free(keys);
    free(home);
    return true;
}

/* ---- singles join pairs: a matching of singles (0 .. ns) to pairs -------- */

struct edges {
    struct ct_matching_edge *v;
    size_t n, cap;
};

static bool
edge_add(struct edges *e, uint32_t u, uint32_t v, int64_t w)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 1024;
        struct ct_matching_edge *nv = realloc(e->v, cap * sizeof(*nv));
        if (nv == NULL)
            return false;
        e->v = nv;
        e->cap = cap;
    }
    e->v[e->n].u = u;
    e->v[e->n].v = v;
    e->v[e->n++].w = w;
    return true;
}

/* Edge single i - pair j when the single may join the pair (and j is new). */
static bool
attach_edge(struct state *st, struct edges *e, size_t i, uint32_t j, uint8_t *seen)
{
    const struct pair *p = &st->p[j];
    uint32_t x = st->s[i].x, m[2];

    if (p->split || seen[j])
        return true;
    seen[j] = 1;
    m[0] = p->a, m[1] = p->b;
    if (!may_join(st, m, 2, x))
        return true;
    return edge_add(e, (uint32_t)i, (uint32_t)(st->ns + j),
                    weight_of(score(st, x, p->a) + score(st, x, p->b)));
}

/* The rank in st->order of the first pair at place x or after it. */
static size_t
place_rank(const struct state *st, double x)
{
    size_t lo = 0, hi = st->np;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->place[st->order[mid]] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The t-th neighbour (t >= 1) of rank at on a circle of n: at, at + 1, at - 1, at + 2, ... */
static size_t
near(size_t at, size_t t, size_t n)
{
    size_t step;

    if (n == 0 || t <= 1)
        return n ? at % n : 0;
    step = (t / 2) % n;
    return t % 2 == 0 ? (at + step) % n : (at + n - step) % n;
}

struct placed {
    double place;
    uint32_t i;
};

static int
cmp_place(const void *x, const void *y)
{
    const struct placed *a = x, *b = y;

    if (a->place != b->place)
        return a->place < b->place ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* st->order and st->place: the pairs by place on the circle. */
static bool
order_pairs(struct state *st)
{
    struct placed *v = malloc((st->np + 1) * sizeof(*v));
    size_t i;

    st->order = malloc((st->np + 1) * sizeof(*st->order));
    st->place = malloc((st->np + 1) * sizeof(*st->place));
    if (!v || !st->order || !st->place) {
        free(v);
        return false;
    }
    for (i = 0; i < st->np; i++) {
        v[i].i = (uint32_t)i;
        v[i].place = st->place[i] = ct_pairing_place(st->c, st->p[i].a);
    }
    if (st->np > 1)
        qsort(v, st->np, sizeof(*v), cmp_place);
    for (i = 0; i < st->np; i++)
        st->order[i] = v[i].i;
    free(v);
    return true;
}

/* A single no matching placed: back to its home, else any pair that takes it. */
static void
attach_fallback(struct state *st, size_t i)
{
    struct pair *home = st->s[i].home != NONE ? &st->p[st->s[i].home] : NULL;
    uint32_t x = st->s[i].x, m[2];
    size_t j;

    if (home && !home->split && home->with == NONE) {
        home->with = x;
        return;
    }
    for (j = 0; j < st->np; j++) {
        struct pair *p = &st->p[j];
        if (p->split || p->with != NONE)
            continue;
        m[0] = p->a, m[1] = p->b;
        if (may_join(st, m, 2, x)) {
            p->with = x;
            return;
        }
    }
    st->left[st->nleft++] = x;
}

static enum ct_status
attach_singles(struct state *st, struct ct_error *err)
{
    struct edges e = {NULL, 0, 0};
    uint8_t *seen = calloc(st->np + 1, 1);
    uint32_t *mate = malloc((st->ns + st->np + 1) * sizeof(*mate));
    enum ct_status status = CT_OK;
    size_t i, t;

    if (!seen || !mate)
        goto nomem;
    for (i = 0; i < st->ns; i++) {
        uint32_t tried[ATTACH_TRIES + 1];
        size_t at = place_rank(st, ct_pairing_place(st->c, st->s[i].x));
        tried[0] = st->s[i].home != NONE ? st->s[i].home : st->order[near(at, 1, st->np)];
        /* Its neighbours on the circle (a high random term), and a few at random. */
        for (t = 1; t <= ATTACH_TRIES; t++)
            tried[t] = t <= ATTACH_TRIES - 4 ? st->order[near(at, t, st->np)]
                                             : (uint32_t)ct_rng_below(&st->rng, st->np);
        for (t = 0; t <= ATTACH_TRIES; t++)
            if (!attach_edge(st, &e, i, tried[t], seen))
                goto nomem;
        for (t = 0; t <= ATTACH_TRIES; t++) /* forget what this single saw */
            seen[tried[t]] = 0;
    }
    status = ct_matching_solve(st->ns + st->np, e.v, e.n, 0, mate, NULL, NULL, err);
    if (status != CT_OK)
        goto done;
    for (i = 0; i < st->ns; i++)
        if (mate[i] != CT_MATCHING_NONE)
            st->p[mate[i] - st->ns].with = st->s[i].x;
    /* Split pairs whose two members both stayed out are whole again. */
    for (i = 0; i < st->ns; i++) {
        struct pair *h = st->s[i].home != NONE ? &st->p[st->s[i].home] : NULL;
        if (mate[i] != CT_MATCHING_NONE || h == NULL || !h->split)
            continue;
        for (t = i + 1; t < st->ns; t++)
            if (st->s[t].home == st->s[i].home && mate[t] == CT_MATCHING_NONE) {
                h->split = false;
                mate[i] = mate[t] = NONE - 1; /* placed: the pair itself */
            }
    }
    for (i = 0; i < st->ns; i++)
        if (mate[i] == CT_MATCHING_NONE)
            attach_fallback(st, i);
    goto done;
nomem:
    status = ct_error_set(err, CT_ENOMEM, "grouping: out of memory");
done:
    free(e.v);
    free(seen);
    free(mate);
    return status;
}

/* ---- pairs merge into fours: a matching of free pairs -------------------- */

/* Whether pairs i and j may make a four; OUT: *w the four cross pairs' score. */
static bool
four_ok(const struct state *st, uint32_t i, uint32_t j, int64_t *w)
{
    const struct pair *p = &st->p[i], *q = &st->p[j];
    uint32_t m[CT_GROUP_MAX] = {p->a, p->b, q->a, q->b};

    if (!allowed(st, p->a, q->a) || !allowed(st, p->a, q->b) || !allowed(st, p->b, q->a) ||
        !allowed(st, p->b, q->b) || !ct_pairing_group_hours(st->c, m, 4))
        return false;
    *w = weight_of(score(st, p->a, q->a) + score(st, p->a, q->b) + score(st, p->b, q->a) +
                   score(st, p->b, q->b));
    return true;
}

static int
cmp_edge_w(const void *x, const void *y)
{
    const struct ct_matching_edge *a = x, *b = y;

    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->u != b->u)
        return a->u < b->u ? -1 : 1;
    return (a->v > b->v) - (a->v < b->v);
}

/* Free pairs (not split, no third) in free[]; merge them into at most max fours. */
static enum ct_status
merge_pairs(struct state *st, size_t max, struct ct_error *err)
{
    uint32_t *fr = malloc((st->np + 1) * sizeof(*fr));
    uint32_t *mate = NULL;
    struct edges e = {NULL, 0, 0};
    enum ct_status status = CT_OK;
    size_t i, t, nf = 0, made = 0;
    int64_t w;

    if (fr == NULL)
        goto nomem;
    for (i = 0; i < st->np; i++) /* by place on the circle */
        if (!st->p[st->order[i]].split && st->p[st->order[i]].with == NONE)
            fr[nf++] = st->order[i];
    if (nf < 2 || max == 0)
        goto done;
    for (i = 0; i < nf; i++) {
        if (nf <= 2 * MERGE_TRIES) {
            for (t = i + 1; t < nf; t++)
                if (four_ok(st, fr[i], fr[t], &w) && !edge_add(&e, (uint32_t)i, (uint32_t)t, w))
                    goto nomem;
            continue;
        }
        for (t = 2; t < MERGE_TRIES + 2; t++) {
            /* Neighbours on the circle first, two at random. */
            size_t j = t < MERGE_TRIES ? near(i, t, nf) : (size_t)ct_rng_below(&st->rng, nf);
            if (j != i && four_ok(st, fr[i], fr[j], &w) &&
                !edge_add(&e, (uint32_t)i, (uint32_t)j, w))
                goto nomem;
        }
    }
    mate = malloc((nf + 1) * sizeof(*mate));
    if (mate == NULL)
        goto nomem;
    /* The same edge drawn twice makes no difference to the matching. */
    status = ct_matching_solve(nf, e.v, e.n, 0, mate, NULL, NULL, err);
    if (status != CT_OK)
        goto done;
    /* Keep the best max fours (k = 3 wants at most one). */
    e.n = 0;
    for (i = 0; i < nf; i++)
        if (mate[i] != CT_MATCHING_NONE && mate[i] > i && four_ok(st, fr[i], fr[mate[i]], &w) &&
            !edge_add(&e, (uint32_t)i, mate[i], w))
            goto nomem;
    /* qsort and memcpy want a real pointer even for nothing to move. */
    if (e.n > 1)
        qsort(e.v, e.n, sizeof(*e.v), cmp_edge_w);
    for (i = 0; i < e.n && made < max; i++, made++) {
        st->p[fr[e.v[i].u]].with = fr[e.v[i].v];
        st->p[fr[e.v[i].u]].merged = true;
        st->p[fr[e.v[i].v]].merged = true;
        st->p[fr[e.v[i].v]].with = fr[e.v[i].u];
    }
    goto done;
nomem:
    status = ct_error_set(err, CT_ENOMEM, "grouping: out of memory");
done:
    free(fr);
    free(mate);
    free(e.v);
    return status;
}

/* The groups from the pairs: a pair with its third, two merged pairs, a pair. */
static void
collect(struct state *st)
{
    size_t i;

    for (i = 0; i < st->np; i++) { /* by place: neighbouring groups are close on the circle */
        const struct pair *p = &st->p[st->order[i]];
        struct ct_grouping_group *g;
        unsigned j;

        if (p->split || p->taken)
            continue;
        g = &st->g[st->ng];
        g->size = 0;
        g->m[g->size++] = p->a;
        g->m[g->size++] = p->b;
        if (p->merged) {
            st->p[p->with].taken = true;
            g->m[g->size++] = st->p[p->with].a;
            g->m[g->size++] = st->p[p->with].b;
        } else if (p->with != NONE) {
            g->m[g->size++] = p->with;
        }
        for (j = 0; j < g->size; j++)
            st->group_of[g->m[j]] = (uint32_t)st->ng;
        st->ng++;
    }
}

/* ---- swaps ---------------------------------------------------------------- */

/* The score member x brings group g, leaving out member skip (NONE: none). */
static double
contribution(const struct state *st, const struct ct_grouping_group *g, uint32_t x, uint32_t skip)
{
    double s = 0;
    unsigned j;

    for (j = 0; j < g->size; j++)
        if (g->m[j] != x && g->m[j] != skip)
            s += score(st, x, g->m[j]);
    return s;
}

/* Whether x may take the place of member out in group g. */
static bool
may_replace(const struct state *st, const struct ct_grouping_group *g, uint32_t out, uint32_t x)
{
    uint32_t rest[CT_GROUP_MAX];
    size_t n = 0;
    unsigned j;

    for (j = 0; j < g->size; j++)
        if (g->m[j] != out)
            rest[n++] = g->m[j];
    return may_join(st, rest, n, x);
}

/* Each member's share of group gi's score, into contrib. */
static void
contributions(struct state *st, uint32_t gi)
{
    const struct ct_grouping_group *g = &st->g[gi];
    unsigned j;

    for (j = 0; j < g->size; j++)
        st->contrib[g->m[j]] = contribution(st, g, g->m[j], NONE);
}

static void
swap_members(struct state *st, uint32_t gu, unsigned iu, uint32_t gv, unsigned iv)
{
    uint32_t u = st->g[gu].m[iu], v = st->g[gv].m[iv];

    st->g[gu].m[iu] = v;
    st->g[gv].m[iv] = u;
    st->group_of[v] = gu;
    st->group_of[u] = gv;
    contributions(st, gu);
    contributions(st, gv);
}

/*
 * The gain of swapping u (g[gu].m[iu]) and v (g[gv].m[iv]), when both
 * groups stay within the rules; false when not allowed.
 */
static bool
swap_gain(const struct state *st, uint32_t gu, unsigned iu, uint32_t gv, unsigned iv, double *gain)
{
    const struct ct_grouping_group *a = &st->g[gu], *b = &st->g[gv];
    uint32_t u = a->m[iu], v = b->m[iv];

    *gain = contribution(st, a, v, u) - st->contrib[u] - st->contrib[v];
    if (*gain <= 1e-9 - (double)(b->size - 1) * st->most)
        return true; /* u cannot bring b enough: not worth scoring */
    *gain += contribution(st, b, u, v);
    if (*gain <= 1e-9)
        return true;
    return may_replace(st, a, u, v) && may_replace(st, b, v, u);
}

/* A deal of 2s members into two groups of s: the bits of the first (member 0 always in it). */
struct deal {
    unsigned mask;
    double value;
};

static int
cmp_deal(const void *x, const void *y)
{
    const struct deal *a = x, *b = y;

    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    return (a->mask > b->mask) - (a->mask < b->mask);
}

/* The score of the group of u[] members in mask (n members), or false if a pair is not allowed. */
static bool
deal_value(const double sc[][2 * CT_GROUP_MAX], const bool ok[][2 * CT_GROUP_MAX], unsigned n,
           unsigned mask, double *value)
{
    unsigned i, j;
    double v = 0;

    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (((mask >> i) & 1) == ((mask >> j) & 1)) {
                if (!ok[i][j])
                    return false;
                v += sc[i][j];
            }
    *value = v;
    return true;
}

/* The members of u[] in mask (or out of it) as group g. */
static void
deal_group(struct state *st, uint32_t gi, const uint32_t *u, unsigned n, unsigned mask,
           unsigned want)
{
    struct ct_grouping_group *g = &st->g[gi];
    unsigned i;

    g->size = 0;
    for (i = 0; i < n; i++)
        if (((mask >> i) & 1) == want) {
            g->m[g->size++] = u[i];
            st->group_of[u[i]] = gi;
        }
}

/*
 * The members of groups ga and gb (of the same size s) dealt again into two
 * groups of s, the best way every rule allows, if that raises their score:
 * every one of the C(2s - 1, s - 1) deals is weighed (35 for fours).
 */
static void
redeal(struct state *st, uint32_t ga, uint32_t gb)
{
    unsigned s = st->g[ga].size, n = 2 * s, i, j, mask, nd = 0;
    uint32_t u[2 * CT_GROUP_MAX], m[CT_GROUP_MAX];
    double sc[2 * CT_GROUP_MAX][2 * CT_GROUP_MAX], cur, v;
    bool ok[2 * CT_GROUP_MAX][2 * CT_GROUP_MAX];
    struct deal d[64];

    for (i = 0; i < s; i++) {
        u[i] = st->g[ga].m[i];
        u[s + i] = st->g[gb].m[i];
    }
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++) {
            bool same = (i < s) == (j < s);
            ok[i][j] = same || allowed(st, u[i], u[j]);
            sc[i][j] = ok[i][j] ? score(st, u[i], u[j]) : 0;
        }
    if (!deal_value(sc, ok, n, (1u << s) - 1, &cur))
        return;
    for (mask = 1; mask < (1u << n); mask += 2) /* member 0 in the first group */
        if ((unsigned)__builtin_popcount(mask) == s && mask != (1u << s) - 1 &&
            deal_value(sc, ok, n, mask, &v) && v > cur + 1e-9 && nd < 64) {
            d[nd].mask = mask;
            d[nd++].value = v;
        }
    qsort(d, nd, sizeof(*d), cmp_deal);
    for (i = 0; i < nd; i++) {
        bool hours = true;
        unsigned side, k;
        for (side = 0; side < 2 && hours && s >= 3; side++) {
            for (j = 0, k = 0; j < n; j++)
                if (((d[i].mask >> j) & 1) == 1 - side)
                    m[k++] = u[j];
            hours = ct_pairing_group_hours(st->c, m, k);
        }
        if (hours) {
            deal_group(st, ga, u, n, d[i].mask, 1);
            deal_group(st, gb, u, n, d[i].mask, 0);
            return;
        }
    }
}

/* Each group dealt again with its neighbours on the circle and one group at random. */
static void
improve(struct state *st)
{
    size_t pass, i;
    unsigned t;

    if (st->ng < 2)
        return;
    for (pass = 0; pass < (st->np * 2 > SWAP_LARGE ? 1 : SWAP_PASSES); pass++)
        for (i = 0; i < st->ng; i++)
            for (t = 0; t < SWAP_TRIES; t++) {
                uint32_t gv = t + 1 < SWAP_TRIES ? (uint32_t)near(i, t + 2, st->ng)
                                                 : (uint32_t)ct_rng_below(&st->rng, st->ng);
                if (gv != i && st->g[gv].size == st->g[i].size)
                    redeal(st, (uint32_t)i, gv);
            }
}

/* ---- fairness: groups of another size go to those who had the fewest ----- */

static int
min_off_of(const struct state *st)
{
    int min = INT32_MAX;
    size_t i;
    unsigned j;

    for (i = 0; i < st->np; i++) {
        if (st->mem[st->p[i].a].off_size < min)
            min = st->mem[st->p[i].a].off_size;
        if (st->mem[st->p[i].b].off_size < min)
            min = st->mem[st->p[i].b].off_size;
    }
    for (i = 0; i < st->ns; i++)
        if (st->mem[st->s[i].x].off_size < min)
            min = st->mem[st->s[i].x].off_size;
    for (i = 0; i < st->ng; i++)
        for (j = 0; j < st->g[i].size; j++)
            if (st->mem[st->g[i].m[j]].off_size < min)
                min = st->mem[st->g[i].m[j]].off_size;
    return min;
}

/* Member g[gu].m[iu], in a group of another size, trades places with the
 * best of those in a group of the right size who had the fewest. */
static void
hand_on(struct state *st, uint32_t gu, unsigned iu, int min_off)
{
    size_t start = st->ng ? (size_t)ct_rng_below(&st->rng, st->ng) : 0, i, looked = 0;
    double best = -1e300, gain;
    uint32_t bg = NONE;
    unsigned bi = 0, j;

    for (i = 0; i < st->ng && looked < FAIR_LOOK; i++) {
        uint32_t gv = (uint32_t)((start + i) % st->ng);
        if (st->g[gv].size != st->k)
            continue;
        for (j = 0; j < st->g[gv].size; j++) {
            uint32_t u = st->g[gu].m[iu], v = st->g[gv].m[j];
            if (st->mem[v].off_size != min_off || !may_replace(st, &st->g[gu], u, v) ||
                !may_replace(st, &st->g[gv], v, u))
                continue;
            looked++;
            (void)swap_gain(st, gu, iu, gv, j, &gain);
            if (gain > best)
                best = gain, bg = gv, bi = j;
        }
    }
    if (bg != NONE)
        swap_members(st, gu, iu, bg, bi);
}

static void
rotate(struct state *st)
{
    int min_off = min_off_of(st);
    size_t i;
    unsigned j;

    for (i = 0; i < st->ng; i++) {
        if (st->g[i].size == st->k)
            continue;
        for (j = 0; j < st->g[i].size; j++)
            if (st->mem[st->g[i].m[j]].off_size > min_off)
                hand_on(st, (uint32_t)i, j, min_off);
    }
}

/* ---- odd = sit_out: the remainder sits out, in rotation ------------------ */

struct sit_key {
    int last;     /* sat out the previous round: last in line */
    int sit_outs; /* fewest first */
    uint64_t draw;
    uint32_t x;
};

static int
cmp_sit(const void *x, const void *y)
{
    const struct sit_key *a = x, *b = y;

    if (a->last != b->last)
        return a->last - b->last;
    if (a->sit_outs != b->sit_outs)
        return a->sit_outs - b->sit_outs;
    if (a->draw != b->draw)
        return a->draw < b->draw ? -1 : 1;
    return (a->x > b->x) - (a->x < b->x);
}

/* Remove member x from its pair: the pair is split, its partner a single. */
static void
take_out(struct state *st, uint32_t pi, uint32_t x)
{
    struct pair *p = &st->p[pi];
    uint32_t other = p->a == x ? p->b : p->a;
    size_t i;

    st->sat[st->nsat++] = x;
    if (p->split) { /* its partner went first: drop the partner's single */
        for (i = 0; i < st->ns; i++)
            if (st->s[i].x == x) {
                st->s[i] = st->s[--st->ns];
                return;
            }
        return;
    }
    p->split = true;
    st->s[st->ns].x = other;
    st->s[st->ns++].home = pi;
}

/* count members sit out: the fewest sit-outs first, never the last round's
 * if others can (the same order as the pairs' dummy, pairing.c). */
static bool
sit_out_rest(struct state *st, size_t count, uint64_t seed)
{
    struct sit_key *k = calloc(2 * st->np + st->ns + 1, sizeof(*k));
    size_t i, n = 0;

    if (k == NULL)
        return false;
    for (i = 0; i < 2 * st->np + st->ns; i++) {
        const struct pair *p = i < 2 * st->np ? &st->p[i / 2] : NULL;
        uint32_t x = p == NULL ? st->s[i - 2 * st->np].x : i % 2 ? p->b : p->a;
        const struct ct_pairing_member *m = &st->mem[x];
        if (p && p->split)
            continue;
        k[n].last = m->rounds_since_sit_out == 1;
        k[n].sit_outs = m->sit_outs;
        k[n].draw = ct_rng_hash(seed, (uint64_t)m->id, 0x5175);
        k[n++].x = x;
    }
    if (n > 1)
        qsort(k, n, sizeof(*k), cmp_sit);
    for (i = 0; i < count && i < n; i++) {
        bool single = false;
        size_t j;
        for (j = 0; j < st->ns && !single; j++)
            if (st->s[j].x == k[i].x) { /* a single (the pairs' own sit-out) */
                st->sat[st->nsat++] = k[i].x;
                st->s[j] = st->s[--st->ns];
                single = true;
            }
        for (j = 0; j < st->np && !single; j++)
            if (st->p[j].a == k[i].x || st->p[j].b == k[i].x) {
                take_out(st, (uint32_t)j, k[i].x);
                break;
            }
    }
    free(k);
    return true;
}

/* Singles beyond the thirds wanted pair up with each other where the rules allow. */
static void
pair_singles(struct state *st, size_t want)
{
    size_t i, j;

    for (i = 0; i < st->ns && st->ns > want; i++)
        for (j = i + 1; j < st->ns && st->ns > want; j++) {
            struct pair *p = &st->p[st->np];
            if (!allowed(st, st->s[i].x, st->s[j].x))
                continue;
            p->a = st->s[i].x;
            p->b = st->s[j].x;
            p->s = score(st, p->a, p->b);
            p->with = NONE;
            st->np++;
            st->s[j] = st->s[--st->ns];
            st->s[i] = st->s[--st->ns];
            i--; /* look at the single moved into place i */
            break;
        }
}

/* ---- the whole ------------------------------------------------------------ */

static enum ct_status
form(struct state *st, struct ct_error *err)
{
    size_t sizes[CT_GROUP_MAX + 1], n = 2 * st->np + st->ns, d = 0, i;
    enum ct_status status;

    if (st->sat != NULL && n % st->k != 0) { /* odd = sit_out */
        if (!sit_out_rest(st, n % st->k, ct_pairing_ctx_params(st->c)->seed))
            return ct_error_set(err, CT_ENOMEM, "grouping: out of memory");
        n -= n % st->k;
    }
    ct_grouping_sizes(n, st->k, sizes);
    if (st->ns > sizes[3])
        pair_singles(st, sizes[3]);
    if (sizes[3] > st->ns)
        d = (sizes[3] - st->ns) / 2;
    if (!order_pairs(st) || !split_pairs(st, d))
        return ct_error_set(err, CT_ENOMEM, "grouping: out of memory");
    if ((status = attach_singles(st, err)) != CT_OK)
        return status;
    if ((status = merge_pairs(st, st->k == 4 ? st->np : sizes[4], err)) != CT_OK)
        return status;
    collect(st);
    for (i = 0; i < st->ng; i++)
        contributions(st, (uint32_t)i);
    rotate(st);
    improve(st);
    return CT_OK;
}

enum ct_status
ct_grouping_form(const struct ct_pairing_ctx *ctx, struct ct_grouping_group *groups, size_t *count,
                 uint32_t *left, size_t *left_count, uint32_t *sat, size_t *sat_count,
                 struct ct_error *err)
{
    const struct ct_pairing_params *p = ct_pairing_ctx_params(ctx);
    const struct ct_pairing_input *in = ct_pairing_ctx_input(ctx);
    struct state st;
    enum ct_status status;

    *left_count = 0;
    *sat_count = 0;
    if (p->group_size < 3 || p->group_size > CT_GROUP_MAX)
        return ct_error_set(err, CT_EUSAGE, "grouping: group size %u is not 3 or 4", p->group_size);
    memset(&st, 0, sizeof(st));
    st.c = ctx;
    st.mem = in->members;
    st.k = p->group_size;
    st.left = left;
    st.sat = p->odd == CT_ODD_SIT_OUT ? sat : NULL;
    ct_rng_seed(&st.rng, ct_rng_splitmix(p->seed ^ UINT64_C(0x67726f7570696e67)));
    st.group_of = malloc((in->member_count + 1) * sizeof(*st.group_of));
    st.contrib = calloc(in->member_count + 1, sizeof(*st.contrib));
    st.most = most_score(p);
    st.g = calloc(*count + 1, sizeof(*st.g));
    if (!st.group_of || !st.contrib || !st.g || !decompose(&st, groups, *count)) {
        status = ct_error_set(err, CT_ENOMEM, "grouping: out of memory");
        goto done;
    }
    status = form(&st, err);
    if (status == CT_OK) {
        if (st.ng > 0)
            memcpy(groups, st.g, st.ng * sizeof(*groups));
        *count = st.ng;
        *left_count = st.nleft;
        *sat_count = st.nsat;
    }
done:
    free(st.p);
    free(st.s);
    free(st.g);
    free(st.group_of);
    free(st.contrib);
    free(st.order);
    free(st.place);
    return status;
}

double
ct_grouping_member_best(const struct ct_pairing_ctx *ctx, const uint32_t *members, size_t n,
                        uint32_t x, unsigned k, double *next)
{
    struct state st;
    double best[CT_GROUP_MAX] = {0}, sum = 0;
    unsigned j;
    size_t i;

    memset(&st, 0, sizeof(st));
    st.c = ctx;
    if (k < 2 || k > CT_GROUP_MAX)
        k = 2;
    /* best[0 .. k): the k best positive scores, largest first (0: none). */
    for (i = 0; i < n; i++) {
        double s;
        if (members[i] == x || !allowed(&st, x, members[i]))
            continue;
        s = score(&st, x, members[i]);
        if (s <= best[k - 1])
            continue;
        for (j = k - 1; j > 0 && best[j - 1] < s; j--)
            best[j] = best[j - 1];
        best[j] = s;
    }
    for (j = 0; j + 1 < k; j++)
        sum += best[j];
    if (next)
        *next = best[k - 1];
    return sum;
}
