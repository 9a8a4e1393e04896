/*
 * pairing.c: the pairing engine: eligibility, hard rules, the soft score by
 * rule, candidate generation, the matching with its pricing check, trios and
 * sit-outs folded into the matching, an improvement phase, reasons, and a
 * final check of every hard rule; see pairing.h and docs/pairing.md.
 */
#include "pairing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grouping.h"
#include "matching.h"
#include "par.h"
#include "rc.h"
#include "rng.h"
#include "tiegraph.h"
#include "util.h"

#define SCALE               10000.0 /* score points to matching weight units */
#define DEFAULT_CANDIDATES  16
#define DEFAULT_EXACT_LIMIT 6000
#define SMALL_ALL_EDGES     160 /* up to this many: every allowed pair is an edge */
#define RANDOM_EXTRA        4   /* random allowed partners kept besides the best */
#define MAX_PRICING_ROUNDS  40
#define PRICE_PER_MEMBER    6 /* most violated pairs added per member and round */
#define NONE                UINT32_MAX
#define ORG_NEIGHBOURS      1 /* circle neighbours on each side in each organisation sampled */

#define PF_TIE      1u
#define PF_EXCLUDED 2u
#define PF_MET      4u

/* Salts so that the streams drawn from one round seed are independent. */
#define SALT_CANDIDATES UINT64_C(0x63616e6469646174)
#define SALT_SIT_OUT    UINT64_C(0x7369742d6f757421)
#define SALT_IMPROVE    UINT64_C(0x696d70726f766521)
#define SALT_CIRCLE     UINT64_C(0x636972636c652121)
#define SALT_BLOCKS     UINT64_C(0x626c6f636b732121)
#define BLOCK_SIZE      4000 /* members per block in large rounds */
#define BOUND_CACHE     2048 /* up to this many members, pair bounds are kept */

struct pair_slot {
    uint64_t key; /* (min << 32 | max), 0 = empty */
    uint32_t last_ago;
    uint32_t flags;
};

struct met_lists {
    size_t *off;   /* n + 1 */
    uint32_t *v;   /* sorted per member */
    uint64_t *bit; /* n: the same as a bit set, when every id is below 64 */
};

struct ct_pairing_ctx {
    const struct ct_pairing_input *in;
    struct ct_pairing_params p;
    size_t n;
    struct pair_slot *pairs;
    size_t pair_mask;
    double *penalty;           /* per slot, repeat penalty (numeric avoid_repeats only) */
    uint64_t *filter;          /* one bit per hash bucket: most absent pairs stop here */
    size_t filter_mask;        /* in bits */
    struct ct_tiegraph *graph; /* declared ties + everyone grouped together */
    uint32_t *community;
    struct met_lists met_org, met_team, met_role;
    uint8_t *zone_ok; /* zone_count^2: overlap >= duration */
    size_t nz;
    double *rho; /* each member's seeded place on the circle of the random term */
};

/* ---- parameters --------------------------------------------------------- */

void
ct_pairing_params_defaults(struct ct_pairing_params *p)
{
    struct ct_config *cfg = ct_config_new_defaults();
    size_t i;

    memset(p, 0, sizeof(*p));
    if (cfg != NULL) {
        ct_pairing_params_from_config(p, cfg, 0);
        ct_config_free(cfg);
        return;
    }
    /* Out of memory for the config: the same values, from the same table. */
    for (i = 0; i < CT_WEIGHT_COUNT; i++)
        p->weight[i] = ct_weights[i].default_value;
    p->weight[CT_W_REPEAT] = ct_weight_repeat_of(p->weight[CT_W_ORGANISATION]);
    p->repeat_halflife = CT_WEIGHT_REPEAT_HALFLIFE;
    p->duration = 30 * 60;
}

void
ct_pairing_params_from_config(struct ct_pairing_params *p, const struct ct_config *cfg,
                              uint64_t seed)
{
    size_t i;

    memset(p, 0, sizeof(*p));
    p->avoid_repeats = cfg->pairing.avoid_repeats;
    p->require_different = cfg->pairing.require_different;
    for (i = 0; i < CT_WEIGHT_COUNT; i++)
        p->weight[i] = cfg->pairing.weight[i];
    p->weight[CT_W_REPEAT] = ct_weight_repeat_of(cfg->pairing.weight[CT_W_ORGANISATION]);
    p->repeat_halflife = CT_WEIGHT_REPEAT_HALFLIFE;
    p->odd = cfg->pairing.odd;
    p->group_size = (unsigned)cfg->pairing.group_size;
    p->duration = cfg->schedule.duration;
    p->seed = seed;
}

/* A short name for a rule ("excluded", "ties", "avoid_repeats", ...). */
static const char *
rule_str(enum ct_pairing_rule rule)
{
    switch (rule) {
    case CT_RULE_NONE: return "none";
    case CT_RULE_SELF: return "self";
    case CT_RULE_EXCLUDED: return "excluded";
    case CT_RULE_TIE: return "ties";
    case CT_RULE_REPEAT: return "avoid_repeats";
    case CT_RULE_SAME_ORGANISATION: return "require_different organisation";
    case CT_RULE_SAME_TEAM: return "require_different team";
    case CT_RULE_SAME_SITE: return "require_different site";
    case CT_RULE_SAME_ROLE: return "require_different role";
    case CT_RULE_HOURS: return "working hours";
    case CT_RULE_COUNT: break;
    }
    return "unknown";
}

bool
ct_pairing_member_eligible(const struct ct_pairing_member *m, int32_t today)
{
    int frequency = m->frequency < 1 ? 1 : m->frequency;

    if (!m->active)
        return false;
    if (m->paused && !(m->paused_until > 0 && m->paused_until <= today))
        return false;
    return m->rounds_since_grouped == 0 || m->rounds_since_grouped >= frequency;
}

/* ---- the pair table ----------------------------------------------------- */

static uint64_t
pair_key(uint32_t a, uint32_t b)
{
    if (a > b) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    return (uint64_t)a << 32 | b;
}

/* Low bits pick the slot, bits 32 and up the filter bit. */
static size_t
pair_hash(uint64_t key)
{
    return (size_t)ct_rng_mix64(key);
}

static struct pair_slot *
pair_find(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b)
{
    uint64_t key = pair_key(a, b);
    size_t h = pair_hash(key), i = h & c->pair_mask, f = (h >> 32) & c->filter_mask;

    if (!((c->filter[f >> 6] >> (f & 63)) & 1))
        return NULL;
    for (;;) {
        struct pair_slot *s = &c->pairs[i];
        if (s->key == key)
            return s;
        if (s->key == 0)
            return NULL;
        i = (i + 1) & c->pair_mask;
    }
}

static struct pair_slot *
pair_get(struct ct_pairing_ctx *c, uint32_t a, uint32_t b)
{
    uint64_t key = pair_key(a, b);
    size_t i = pair_hash(key) & c->pair_mask;

    for (;;) {
        struct pair_slot *s = &c->pairs[i];
        if (s->key == key)
            return s;
        if (s->key == 0) {
            s->key = key;
            s->last_ago = UINT32_MAX;
            return s;
        }
        i = (i + 1) & c->pair_mask;
    }
}

/* ---- context ------------------------------------------------------------ */

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

#define ATTR2(m, field) (*(const uint32_t *)((const char *)(m) + (field)))

/* Which organisations (teams, roles) each member has been grouped with. */
static bool
build_met(struct ct_pairing_ctx *c, struct met_lists *ml, size_t field)
{
    const struct ct_pairing_input *in = c->in;
    size_t i, v, total = 0;
    size_t *fill;

#define ATTR(m) (*(const uint32_t *)((const char *)(m) + field))
    ml->off = calloc(c->n + 1, sizeof(*ml->off));
    fill = calloc(c->n + 1, sizeof(*fill));
    if (!ml->off || !fill) {
        free(fill);
        return false;
    }
    for (i = 0; i < in->history_count; i++) {
        const struct ct_pairing_meeting *h = &in->history[i];
        if (ATTR(&in->members[h->b]) != 0)
            ml->off[h->a + 1]++;
        if (ATTR(&in->members[h->a]) != 0)
            ml->off[h->b + 1]++;
    }
    for (v = 0; v < c->n; v++)
        ml->off[v + 1] += ml->off[v];
    ml->v = malloc((ml->off[c->n] ? ml->off[c->n] : 1) * sizeof(*ml->v));
    if (!ml->v) {
        free(fill);
        return false;
    }
    memcpy(fill, ml->off, (c->n + 1) * sizeof(*fill));
    for (i = 0; i < in->history_count; i++) {
        const struct ct_pairing_meeting *h = &in->history[i];
        if (ATTR(&in->members[h->b]) != 0)
            ml->v[fill[h->a]++] = ATTR(&in->members[h->b]);
        if (ATTR(&in->members[h->a]) != 0)
            ml->v[fill[h->b]++] = ATTR(&in->members[h->a]);
    }
#undef ATTR
    /* Sort and squeeze each list in place. */
    for (v = 0; v < c->n; v++) {
        size_t from = ml->off[v], to = ml->off[v + 1], start = total;
        qsort(ml->v + from, to - from, sizeof(*ml->v), cmp_u32);
        for (i = from; i < to; i++)
            if (total == start || ml->v[total - 1] != ml->v[i])
                ml->v[total++] = ml->v[i];
        ml->off[v] = start;
    }
    ml->off[c->n] = total;
    free(fill);
    /* Small id spaces (organisations, roles) get a bit set per member. */
    for (i = 0; i < total; i++)
        if (ml->v[i] >= 64)
            return true;
    for (v = 0; v < c->n; v++)
        if (ATTR2(&in->members[v], field) >= 64)
            return true;
    ml->bit = calloc(c->n ? c->n : 1, sizeof(*ml->bit));
    if (ml->bit == NULL)
        return false;
    for (v = 0; v < c->n; v++)
        for (i = ml->off[v]; i < ml->off[v + 1]; i++)
            ml->bit[v] |= UINT64_C(1) << ml->v[i];
    return true;
}

/* Whether value is in the sorted list ml->v[lo .. hi). */
static bool
met_in(const struct met_lists *ml, size_t lo, size_t hi, uint32_t value)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ml->v[mid] == value)
            return true;
        if (ml->v[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool
has_met(const struct met_lists *ml, uint32_t u, uint32_t value)
{
    size_t lo = ml->off[u], hi = ml->off[u + 1];

    if (ml->bit != NULL)
        return (ml->bit[u] >> value) & 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ml->v[mid] == value)
            return true;
        if (ml->v[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void
ct_pairing_ctx_free(struct ct_pairing_ctx *c)
{
    if (c == NULL)
        return;
    free(c->pairs);
    free(c->penalty);
    free(c->filter);
    ct_tiegraph_free(c->graph);
    free(c->community);
    free(c->met_org.off);
    free(c->met_org.v);
    free(c->met_org.bit);
    free(c->met_team.off);
    free(c->met_team.v);
    free(c->met_team.bit);
    free(c->met_role.off);
    free(c->met_role.v);
    free(c->met_role.bit);
    free(c->zone_ok);
    free(c->rho);
    free(c);
}

/* Every index of the input in range: CT_EUSAGE naming the first that is not. */
static enum ct_status
ctx_check_input(const struct ct_pairing_input *in, struct ct_error *err)
{
    size_t i;

    if (in->member_count >= UINT32_MAX / 4)
        return ct_error_set(err, CT_EUSAGE, "pairing: too many members (%zu)", in->member_count);
    for (i = 0; i < in->member_count; i++)
        if (in->zone_count > 0 && in->members[i].zone >= in->zone_count)
            return ct_error_set(err, CT_EUSAGE, "pairing: member %lld has zone %u of %zu",
                                (long long)in->members[i].id, in->members[i].zone, in->zone_count);
    for (i = 0; i < in->tie_count; i++)
        if (in->ties[i].a >= in->member_count || in->ties[i].b >= in->member_count)
            return ct_error_set(err, CT_EUSAGE, "pairing: tie %zu names no member", i);
    for (i = 0; i < in->exclusion_count; i++)
        if (in->exclusions[i].a >= in->member_count || in->exclusions[i].b >= in->member_count)
            return ct_error_set(err, CT_EUSAGE, "pairing: exclusion %zu names no member", i);
    for (i = 0; i < in->history_count; i++)
        if (in->history[i].a >= in->member_count || in->history[i].b >= in->member_count ||
            in->history[i].rounds_ago == 0)
            return ct_error_set(err, CT_EUSAGE,
                                "pairing: past meeting %zu names no member or no round", i);
    return CT_OK;
}

/* Pairs with something to say (ties, exclusions, past meetings), the
 * repeat penalties and the filter in front of them; false when out of memory. */
static bool
ctx_pairs(struct ct_pairing_ctx *c)
{
    const struct ct_pairing_input *in = c->in;
    size_t i, cap = 16;

    while (cap < 2 * (in->tie_count + in->exclusion_count + in->history_count) + 16)
        cap *= 2;
    c->pairs = calloc(cap, sizeof(*c->pairs));
    if (c->pairs == NULL)
        return false;
    c->pair_mask = cap - 1;
    if (c->p.avoid_repeats > 0) {
        c->penalty = calloc(cap, sizeof(*c->penalty));
        if (c->penalty == NULL)
            return false;
    }
    for (i = 0; i < in->tie_count; i++)
        if (in->ties[i].a != in->ties[i].b)
            pair_get(c, in->ties[i].a, in->ties[i].b)->flags |= PF_TIE;
    for (i = 0; i < in->exclusion_count; i++)
        if (in->exclusions[i].a != in->exclusions[i].b)
            pair_get(c, in->exclusions[i].a, in->exclusions[i].b)->flags |= PF_EXCLUDED;
    for (i = 0; i < in->history_count; i++) {
        const struct ct_pairing_meeting *h = &in->history[i];
        struct pair_slot *s;

        if (h->a == h->b)
            continue;
        s = pair_get(c, h->a, h->b);
        s->flags |= PF_MET;
        if (h->rounds_ago < s->last_ago)
            s->last_ago = h->rounds_ago;
        /* Outside a numeric window, each past meeting counts against the
         * pair, halving every repeat_halflife rounds. */
        if (c->p.avoid_repeats > 0 && h->rounds_ago > (uint32_t)c->p.avoid_repeats)
            c->penalty[s - c->pairs] +=
                c->p.weight[CT_W_REPEAT] *
                pow(0.5, (double)(h->rounds_ago - (uint32_t)c->p.avoid_repeats - 1) /
                             c->p.repeat_halflife);
    }
    /* The filter: 16 bits per slot, about one false hit in ten lookups. */
    c->filter_mask = 16 * cap - 1;
    c->filter = calloc(cap / 4 + 1, sizeof(*c->filter));
    if (c->filter == NULL)
        return false;
    for (i = 0; i <= c->pair_mask; i++)
        if (c->pairs[i].key != 0) {
            size_t f = (pair_hash(c->pairs[i].key) >> 32) & c->filter_mask;
            c->filter[f >> 6] |= UINT64_C(1) << (f & 63);
        }
    return true;
}

/* The tie graph (declared ties and everyone grouped together) and its
 * communities. */
static enum ct_status
ctx_graph(struct ct_pairing_ctx *c, struct ct_error *err)
{
    const struct ct_pairing_input *in = c->in;
    struct ct_tiegraph_edge *edges;
    enum ct_status st;
    size_t i, ncomm;

    edges = malloc((in->tie_count + in->history_count + 1) * sizeof(*edges));
    if (edges == NULL)
        return ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
    for (i = 0; i < in->tie_count; i++) {
        edges[i].a = in->ties[i].a;
        edges[i].b = in->ties[i].b;
    }
    for (i = 0; i < in->history_count; i++) {
        edges[in->tie_count + i].a = in->history[i].a;
        edges[in->tie_count + i].b = in->history[i].b;
    }
    st = ct_tiegraph_new(c->n, edges, in->tie_count + in->history_count, &c->graph, err);
    free(edges);
    if (st != CT_OK)
        return st;
    c->community = malloc((c->n ? c->n : 1) * sizeof(*c->community));
    if (c->community == NULL)
        return ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
    return ct_tiegraph_communities(c->graph, c->community, &ncomm, err);
}

/* Which zones share enough working hours: once per pair of zones. */
static bool
ctx_zones(struct ct_pairing_ctx *c)
{
    const struct ct_pairing_input *in = c->in;
    struct ct_interval *scratch;
    size_t a, b, maxhours = 0;

    c->nz = in->zone_count;
    if (c->nz == 0)
        return true;
    c->zone_ok = malloc(c->nz * c->nz);
    for (a = 0; a < c->nz; a++)
        if (in->zones[a].count > maxhours)
            maxhours = in->zones[a].count;
    scratch = malloc((2 * maxhours + 1) * sizeof(*scratch));
    if (c->zone_ok == NULL || scratch == NULL) {
        free(scratch);
        return false;
    }
    for (a = 0; a < c->nz; a++)
        for (b = a; b < c->nz; b++) {
            size_t k = ct_intervals_intersect(in->zones[a].hours, in->zones[a].count,
                                              in->zones[b].hours, in->zones[b].count, scratch);
            uint8_t ok = ct_intervals_longest(scratch, k) >= c->p.duration;
            c->zone_ok[a * c->nz + b] = c->zone_ok[b * c->nz + a] = ok;
        }
    free(scratch);
    return true;
}

enum ct_status
ct_pairing_ctx_new(const struct ct_pairing_input *in, const struct ct_pairing_params *params,
                   struct ct_pairing_ctx **out, struct ct_error *err)
{
    struct ct_pairing_ctx *c;
    enum ct_status st;
    size_t i;

    *out = NULL;
    st = ctx_check_input(in, err);
    if (st != CT_OK)
        return st;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
    c->in = in;
    c->p = *params;
    if (c->p.candidates == 0)
        c->p.candidates = DEFAULT_CANDIDATES;
    if (c->p.exact_limit == 0)
        c->p.exact_limit = DEFAULT_EXACT_LIMIT;
    if (!(c->p.repeat_halflife > 0))
        c->p.repeat_halflife = CT_WEIGHT_REPEAT_HALFLIFE;
    c->n = in->member_count;
    if (!ctx_pairs(c))
        goto nomem;
    st = ctx_graph(c, err);
    if (st != CT_OK)
        goto fail;

    /* The random term's circle: a seeded place per member and round. */
    c->rho = malloc((c->n ? c->n : 1) * sizeof(*c->rho));
    if (c->rho == NULL)
        goto nomem;
    for (i = 0; i < c->n; i++)
        c->rho[i] = ct_rng_hash_double(c->p.seed ^ SALT_CIRCLE, (uint64_t)in->members[i].id, 0);

    if (!build_met(c, &c->met_org, offsetof(struct ct_pairing_member, organisation)) ||
        !build_met(c, &c->met_team, offsetof(struct ct_pairing_member, team)) ||
        !build_met(c, &c->met_role, offsetof(struct ct_pairing_member, role)) || !ctx_zones(c))
        goto nomem;
    *out = c;
    return CT_OK;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
fail:
    ct_pairing_ctx_free(c);
    return st;
}

/* ---- rules and scores --------------------------------------------------- */

static bool
same_known(uint32_t x, uint32_t y)
{
    return x != 0 && x == y;
}

static bool
differ_known(uint32_t x, uint32_t y)
{
    return x != 0 && y != 0 && x != y;
}

enum ct_pairing_rule
ct_pairing_allowed(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b)
{
    const struct ct_pairing_member *ma = &c->in->members[a], *mb = &c->in->members[b];
    const struct pair_slot *s;
    unsigned rd = c->p.require_different;

    if (a == b)
        return CT_RULE_SELF;
    s = pair_find(c, a, b);
    if (s != NULL) {
        if (s->flags & PF_EXCLUDED)
            return CT_RULE_EXCLUDED;
        if (s->flags & PF_TIE)
            return CT_RULE_TIE;
        if ((s->flags & PF_MET) &&
            (c->p.avoid_repeats <= 0 || s->last_ago <= (uint32_t)c->p.avoid_repeats))
            return CT_RULE_REPEAT;
    }
    if ((rd & CT_B_ORGANISATION) && same_known(ma->organisation, mb->organisation))
        return CT_RULE_SAME_ORGANISATION;
    if ((rd & CT_B_TEAM) && same_known(ma->team, mb->team))
        return CT_RULE_SAME_TEAM;
    if ((rd & CT_B_SITE) && same_known(ma->site, mb->site))
        return CT_RULE_SAME_SITE;
    if ((rd & CT_B_ROLE) && same_known(ma->role, mb->role))
        return CT_RULE_SAME_ROLE;
    if (c->nz > 0 && !c->zone_ok[ma->zone * c->nz + mb->zone])
        return CT_RULE_HOURS;
    return CT_RULE_NONE;
}

bool
ct_pairing_trio_hours(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, uint32_t x)
{
    const struct ct_pairing_zone *z = c->in->zones;
    uint32_t za, zb, zx;
    struct ct_interval *ab, *abx;
    size_t nab, nabx;
    bool ok;

    if (c->nz == 0)
        return true;
    za = c->in->members[a].zone;
    zb = c->in->members[b].zone;
    zx = c->in->members[x].zone;
    if (!c->zone_ok[za * c->nz + zb] || !c->zone_ok[za * c->nz + zx] ||
        !c->zone_ok[zb * c->nz + zx])
        return false;
    if (za == zb || za == zx)
        return true; /* two zones only: the pair table answered */
    if (zb == zx)
        return true;
    ab = malloc((z[za].count + z[zb].count + 1) * sizeof(*ab));
    abx = malloc((z[za].count + z[zb].count + z[zx].count + 1) * sizeof(*abx));
    if (ab == NULL || abx == NULL) {
        free(ab);
        free(abx);
        return false; /* refuse rather than guess */
    }
    nab = ct_intervals_intersect(z[za].hours, z[za].count, z[zb].hours, z[zb].count, ab);
    nabx = ct_intervals_intersect(ab, nab, z[zx].hours, z[zx].count, abx);
    ok = ct_intervals_longest(abx, nabx) >= c->p.duration;
    free(ab);
    free(abx);
    return ok;
}

/*
 * The random term of a pair: 1 - 2 d, d the distance of the two members'
 * places on a circle of circumference 1. The places are drawn from the round
 * seed, so for any pair it is uniform on [0, 1) and new every round, and a
 * member's most serendipitous partners are its neighbours on the circle,
 * which large rounds find without scoring every pair.
 */
static double
circle_closeness(double x, double y)
{
    double d = x > y ? x - y : y - x;

    if (d > 0.5)
        d = 1.0 - d;
    return 1.0 - 2.0 * d;
}

/* The novelty of meeting v, seen from u: new organisation 1, team and role 1/4. */
static double
novelty_side(const struct ct_pairing_ctx *c, uint32_t u, uint32_t v)
{
    const struct ct_pairing_member *mu = &c->in->members[u], *mv = &c->in->members[v];
    double s = 0;

    if (differ_known(mu->organisation, mv->organisation) &&
        !has_met(&c->met_org, u, mv->organisation))
        s += 1.0;
    if (differ_known(mu->team, mv->team) && !has_met(&c->met_team, u, mv->team))
        s += 0.25;
    if (differ_known(mu->role, mv->role) && !has_met(&c->met_role, u, mv->role))
        s += 0.25;
    return s;
}

/*
 * ---- score terms ----------------------------------------------------------
 * One function per row of CT_WEIGHT_LIST (weights.h): term_NAME gives the
 * term of pair a-b for weight w (only called when w != 0), bound_NAME a
 * cheap upper bound of it (below, with the planning state) and
 * reasons_NAME its reasons in words (with the other reasons).
 */

/* A difference across a boundary earns the weight. */
static inline double
term_boundary(uint32_t x, uint32_t y, double w)
{
    return differ_known(x, y) ? w : 0;
}

static inline double
term_organisation(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return term_boundary(c->in->members[a].organisation, c->in->members[b].organisation, w);
}

static inline double
term_team(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return term_boundary(c->in->members[a].team, c->in->members[b].team, w);
}

static inline double
term_site(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return term_boundary(c->in->members[a].site, c->in->members[b].site, w);
}

static inline double
term_role(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return term_boundary(c->in->members[a].role, c->in->members[b].role, w);
}

/* Few shared contacts: the weight times one minus their overlap. */
static inline double
term_weak_tie(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return w * (1.0 - ct_tiegraph_overlap(c->graph, a, b));
}

/* Two members with contacts, in different communities of the tie graph. */
static inline bool
bridges(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b)
{
    return ct_tiegraph_degree(c->graph, a) > 0 && ct_tiegraph_degree(c->graph, b) > 0 &&
           c->community[a] != c->community[b];
}

static inline double
term_bridge(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return bridges(c, a, b) ? w : 0;
}

static inline double
term_novelty(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return w * 0.5 * (novelty_side(c, a, b) + novelty_side(c, b, a));
}

/* The survey strength of roles x and y (1 to 5), 0 where there is no data. */
static inline double
coordination_of(const struct ct_pairing_input *in, uint32_t x, uint32_t y)
{
    if (in->coordination == NULL || x == 0 || y == 0 || x >= in->coordination_roles ||
        y >= in->coordination_roles)
        return 0;
    return in->coordination[(size_t)x * in->coordination_roles + y];
}

/* Weak coordination between the roles: w at strength 1, none at 5, linear between. */
static inline double
coordination_term(double strength, double w)
{
    return strength > 0 ? w * (5.0 - strength) / 4.0 : 0;
}

static inline double
term_coordination(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return coordination_term(coordination_of(c->in, c->in->members[a].role, c->in->members[b].role),
                             w);
}

/* The penalty of past meetings outside the window (the weight is in it). */
static inline double
term_repeat(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    const struct pair_slot *slot;

    (void)w;
    if (c->penalty == NULL)
        return 0;
    slot = pair_find(c, a, b);
    if (slot != NULL && c->penalty[slot - c->pairs] > 0)
        return -c->penalty[slot - c->pairs];
    return 0;
}

static inline double
term_random(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, double w)
{
    return w * circle_closeness(c->rho[a], c->rho[b]);
}

/* The terms added up in the order of the list. */
static double
score_sum(const struct ct_pairing_score *s)
{
    double total = s->term[0];
    size_t i;

    for (i = 1; i < CT_WEIGHT_COUNT; i++)
        total += s->term[i];
    return total;
}

/* Each term's function, called directly so that the compiler inlines it. */
#define SCORE_TERM(ID, name, ...)                                                                  \
    s->term[CT_W_##ID] = w[CT_W_##ID] != 0 ? term_##name(c, a, b, w[CT_W_##ID]) : 0;

void
ct_pairing_score_pair(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b,
                      struct ct_pairing_score *s)
{
    const double *w = c->p.weight;

    CT_WEIGHT_LIST(SCORE_TERM)
    s->total = score_sum(s);
}

#undef SCORE_TERM

/* Score points to integer weight, rounded half away from zero. */
static int64_t
weight_of(double score)
{
    double x = score * SCALE;

    return x >= 0 ? (int64_t)(x + 0.5) : -(int64_t)(-x + 0.5);
}

static int64_t
pair_weight(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b)
{
    struct ct_pairing_score s;

    ct_pairing_score_pair(c, a, b, &s);
    return weight_of(s.total);
}

/* ---- candidate edges ------------------------------------------------------ */

/* An edge between eligible positions u < v with its weight. */
struct cand {
    uint64_t key; /* u << 32 | v */
    int64_t w;
};

struct cand_list {
    struct cand *v;
    size_t n, cap;
};

static bool
cand_push(struct cand_list *l, uint32_t u, uint32_t v, int64_t w)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 1024;
        struct cand *nv = realloc(l->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return false;
        l->v = nv;
        l->cap = ncap;
    }
    if (u > v) {
        uint32_t t = u;
        u = v;
        v = t;
    }
    l->v[l->n].key = (uint64_t)u << 32 | v;
    l->v[l->n++].w = w;
    return true;
}

/* Sort by key (LSD radix, 16 bits a pass) and drop duplicate keys. */
static bool
cand_sort_unique(struct cand_list *l)
{
    struct cand *tmp;
    size_t *count, i, n = l->n, out;
    uint64_t maxkey = 0;
    int shift;

    if (n < 2)
        return true;
    /* The buffers swap roles: both keep the list's capacity. */
    tmp = malloc(l->cap * sizeof(*tmp));
    count = malloc(65537 * sizeof(*count));
    if (tmp == NULL || count == NULL) {
        free(tmp);
        free(count);
        return false;
    }
    for (i = 0; i < n; i++)
        if (l->v[i].key > maxkey)
            maxkey = l->v[i].key;
    for (shift = 0; shift < 64 && (maxkey >> shift) != 0; shift += 16) {
        struct cand *swap;
        memset(count, 0, 65537 * sizeof(*count));
        for (i = 0; i < n; i++)
            count[((l->v[i].key >> shift) & 0xffff) + 1]++;
        for (i = 0; i < 65536; i++)
            count[i + 1] += count[i];
        for (i = 0; i < n; i++)
            tmp[count[(l->v[i].key >> shift) & 0xffff]++] = l->v[i];
        swap = l->v;
        l->v = tmp;
        tmp = swap;
    }
    out = 0;
    for (i = 0; i < n; i++)
        if (out == 0 || l->v[out - 1].key != l->v[i].key)
            l->v[out++] = l->v[i];
    l->n = out;
    free(tmp);
    free(count);
    return true;
}

static bool
cand_contains(const struct cand_list *l, uint32_t u, uint32_t v)
{
    uint64_t key;
    size_t lo = 0, hi = l->n;

    if (u > v) {
        uint32_t t = u;
        u = v;
        v = t;
    }
    key = (uint64_t)u << 32 | v;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].key == key)
            return true;
        if (l->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The k best partners of one member, as a min-heap on (weight, position). */
struct topk {
    uint32_t *who;
    int64_t *w;
    size_t n, k;
};

static bool
topk_less(const struct topk *t, size_t i, size_t j)
{
    return t->w[i] < t->w[j] || (t->w[i] == t->w[j] && t->who[i] > t->who[j]);
}

static void
topk_swap(struct topk *t, size_t i, size_t j)
{
    uint32_t who = t->who[i];
    int64_t w = t->w[i];

    t->who[i] = t->who[j];
    t->w[i] = t->w[j];
    t->who[j] = who;
    t->w[j] = w;
}

static void
topk_offer(struct topk *t, uint32_t who, int64_t w)
{
    size_t i;

    if (t->n < t->k) {
        i = t->n++;
        t->who[i] = who;
        t->w[i] = w;
        while (i > 0 && topk_less(t, i, (i - 1) / 2)) {
            topk_swap(t, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    if (w < t->w[0] || (w == t->w[0] && who > t->who[0]))
        return;
    t->who[0] = who;
    t->w[0] = w;
    i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < t->n && topk_less(t, l, m))
            m = l;
        if (l + 1 < t->n && topk_less(t, l + 1, m))
            m = l + 1;
        if (m == i)
            break;
        topk_swap(t, i, m);
        i = m;
    }
}

/* ---- planning state ------------------------------------------------------- */

/* What the pair bound needs of one eligible member, packed together. */
struct prow {
    int64_t id;
    double rho;
    uint64_t met_org, met_team, met_role; /* bit sets, when the ids are small */
    size_t met_org_lo, met_org_hi;        /* else the organisations met, in met_org.v */
    uint32_t member;
    uint32_t org, team, site, role, comm;
    uint32_t contacts; /* has a contact in the tie graph */
};

struct plan {
    struct ct_pairing_ctx *c;
    uint32_t *elig; /* eligible member indices, ascending */
    size_t ne;
    struct prow *row;      /* per position */
    uint32_t *pos;         /* member -> position in elig, or NONE */
    uint8_t *full;         /* per position: candidates came from a full scan */
    struct cand_list cand; /* candidate edges between positions */
    struct cand_list all;  /* every allowed pair, when known (small rounds) */
    bool all_known;
    uint32_t *vmap;         /* matching vertex -> position */
    uint32_t *vof;          /* position -> matching vertex, or NONE (no partner at all) */
    size_t nv;              /* matching vertices, dummy excluded */
    uint32_t dummy;         /* matching vertex of the odd-count dummy, or NONE */
    uint8_t *no_dummy;      /* per position: not offered to the dummy */
    uint32_t *mate;         /* per position: partner position, or NONE */
    uint32_t dummy_partner; /* position, or NONE */
    uint32_t *block;        /* per position, large rounds only (else NULL) */
    int64_t *bcache;        /* every pair's bound (rounds up to BOUND_CACHE members) */
    struct ct_pairing_stats stats;
};

/*
 * Upper bounds of the terms of positions i and j, cheap enough to run on
 * every pair: bound_NAME(pl, a, b, w) for each row of CT_WEIGHT_LIST. All
 * are exact but the weak-tie term (taken at its maximum), the repeat
 * penalty (taken as zero) and, when team ids are too many for a bit set,
 * the team novelty (taken as new).
 */
static inline double
bound_organisation(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    return differ_known(a->org, b->org) ? w : 0;
}

static inline double
bound_team(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    return differ_known(a->team, b->team) ? w : 0;
}

static inline double
bound_site(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    return differ_known(a->site, b->site) ? w : 0;
}

static inline double
bound_role(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    return differ_known(a->role, b->role) ? w : 0;
}

/* The ceiling of a term that never exceeds its weight (weak tie, say). */
static inline double
bound_weight_ceiling(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    (void)a;
    (void)b;
    return w > 0 ? w : 0; /* fmax(w, 0), without the library call */
}

static inline double
bound_weak_tie(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    return bound_weight_ceiling(pl, a, b, w);
}

static inline double
bound_bridge(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    return a->contacts && b->contacts && a->comm != b->comm ? w : 0;
}

static inline double
bound_novelty(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    const struct ct_pairing_ctx *c = pl->c;
    double nov = 0;

    if (differ_known(a->org, b->org)) {
        if (c->met_org.bit != NULL)
            nov += (double)(!((a->met_org >> b->org) & 1) + !((b->met_org >> a->org) & 1));
        else
            nov += !met_in(&c->met_org, a->met_org_lo, a->met_org_hi, b->org) +
                   !met_in(&c->met_org, b->met_org_lo, b->met_org_hi, a->org);
    }
    if (differ_known(a->team, b->team)) {
        if (c->met_team.bit != NULL)
            nov += 0.25 * (!((a->met_team >> b->team) & 1) + !((b->met_team >> a->team) & 1));
        else
            nov += 0.5; /* a bound: taken as new */
    }
    if (differ_known(a->role, b->role)) {
        if (c->met_role.bit != NULL)
            nov += 0.25 * (!((a->met_role >> b->role) & 1) + !((b->met_role >> a->role) & 1));
        else
            nov += 0.25 * (!has_met(&c->met_role, a->member, b->role) +
                           !has_met(&c->met_role, b->member, a->role));
    }
    return w * 0.5 * nov;
}

/* Exact: the survey is a lookup. */
static inline double
bound_coordination(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    return coordination_term(coordination_of(pl->c->in, a->role, b->role), w);
}

static inline double
bound_repeat(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    (void)a;
    (void)b;
    (void)w;
    return 0;
}

static inline double
bound_random(const struct plan *pl, const struct prow *a, const struct prow *b, double w)
{
    (void)pl;
    return w * circle_closeness(a->rho, b->rho);
}

#define BOUND_TERM(ID, name, ...) s += bound_##name(pl, a, b, w[CT_W_##ID]);

/* An upper bound on the score of positions i and j: the terms' bounds. */
static double
bound_pair(const struct plan *pl, uint32_t i, uint32_t j)
{
    const double *w = pl->c->p.weight;
    const struct prow *a = &pl->row[i], *b = &pl->row[j];
    double s = 0;

    CT_WEIGHT_LIST(BOUND_TERM)
    return s;
}

#undef BOUND_TERM

/* The bound in weight units, rounded up so that it never undercuts. */
static int64_t
bound_weight(const struct plan *pl, uint32_t i, uint32_t j)
{
    return weight_of(bound_pair(pl, i, j)) + 1;
}

/* Where pair i < j sits in the triangular cache. */
static size_t
bcache_index(const struct plan *pl, uint32_t i, uint32_t j)
{
    return (size_t)i * (2 * pl->ne - i - 1) / 2 + (j - i - 1);
}

/* The bound of any pair, from the cache when there is one. */
static int64_t
bound_cached(const struct plan *pl, uint32_t i, uint32_t j)
{
    if (pl->bcache == NULL)
        return bound_weight(pl, i, j);
    return pl->bcache[i < j ? bcache_index(pl, i, j) : bcache_index(pl, j, i)];
}

static bool
pos_pair_allowed(const struct plan *pl, uint32_t i, uint32_t j)
{
    return ct_pairing_allowed(pl->c, pl->row[i].member, pl->row[j].member) == CT_RULE_NONE;
}

/*
 * Every pair once: each member keeps the k allowed partners with the best
 * bound (a pair whose bound cannot beat the k-th best of either member is
 * skipped before the hard rules are checked), plus a few at random; only
 * those edges are scored in full. Pricing then makes the result exact.
 */
static bool
candidates_full(struct plan *pl)
{
    struct ct_pairing_ctx *c = pl->c;
    size_t k = c->p.candidates, i, j, e;
    struct topk *tk = calloc(pl->ne + 1, sizeof(*tk));
    uint32_t *who = malloc((pl->ne * k + 1) * sizeof(*who));
    int64_t *w = malloc((pl->ne * k + 1) * sizeof(*w));
    bool ok = false;

    if (!tk || !who || !w)
        goto done;
    if (pl->ne <= BOUND_CACHE && pl->ne >= 2) {
        pl->bcache = malloc(pl->ne * (pl->ne - 1) / 2 * sizeof(*pl->bcache));
        if (pl->bcache == NULL)
            goto done;
    }
    for (i = 0; i < pl->ne; i++) {
        tk[i].who = who + i * k;
        tk[i].w = w + i * k;
        tk[i].k = k;
    }
    for (i = 0; i < pl->ne; i++) {
        pl->full[i] = 1;
        for (j = i + 1; j < pl->ne; j++) {
            int64_t b = bound_weight(pl, (uint32_t)i, (uint32_t)j);

            if (pl->bcache != NULL)
                pl->bcache[bcache_index(pl, (uint32_t)i, (uint32_t)j)] = b;
            if (tk[i].n == k && tk[j].n == k && b < tk[i].w[0] && b < tk[j].w[0])
                continue;
            if (!pos_pair_allowed(pl, (uint32_t)i, (uint32_t)j))
                continue;
            topk_offer(&tk[i], (uint32_t)j, b);
            topk_offer(&tk[j], (uint32_t)i, b);
        }
    }
    for (i = 0; i < pl->ne; i++) {
        struct ct_rng rng;
        size_t extra = 0, tries;

        for (j = 0; j < tk[i].n; j++)
            if (!cand_push(&pl->cand, (uint32_t)i, tk[i].who[j], 0))
                goto done;
        /* A few partners at random: popular members would otherwise be
         * everyone's best and the graph could lack a perfect matching. */
        ct_rng_seed(&rng, ct_rng_hash(c->p.seed ^ SALT_CANDIDATES, (uint64_t)pl->row[i].id, 1));
        for (tries = 0; extra < RANDOM_EXTRA && tries < 8 * RANDOM_EXTRA; tries++) {
            j = (size_t)ct_rng_below(&rng, pl->ne);
            if (j == i || !pos_pair_allowed(pl, (uint32_t)i, (uint32_t)j))
                continue;
            if (!cand_push(&pl->cand, (uint32_t)i, (uint32_t)j, 0))
                goto done;
            extra++;
        }
    }
    if (!cand_sort_unique(&pl->cand))
        goto done;
    for (e = 0; e < pl->cand.n; e++)
        pl->cand.v[e].w = pair_weight(c, pl->elig[pl->cand.v[e].key >> 32],
                                      pl->elig[(uint32_t)pl->cand.v[e].key]);
    ok = true;
done:
    free(tk);
    free(who);
    free(w);
    return ok;
}

/* Every allowed pair, scored: small rounds, and the fallback when the
 * candidates cannot group everyone who could be. */
static bool
collect_all(struct plan *pl)
{
    size_t i, j;

    pl->all.n = 0;
    for (i = 0; i < pl->ne; i++)
        for (j = i + 1; j < pl->ne; j++)
            if (pos_pair_allowed(pl, (uint32_t)i, (uint32_t)j) &&
                !cand_push(&pl->all, (uint32_t)i, (uint32_t)j,
                           pair_weight(pl->c, pl->elig[i], pl->elig[j])))
                return false;
    pl->all_known = true;
    return cand_sort_unique(&pl->all);
}

/* One member's candidates from every eligible member (starved samples), into l. */
static bool
scan_member(struct plan *pl, uint32_t i, struct topk *t, struct cand_list *l)
{
    struct ct_pairing_ctx *c = pl->c;
    size_t j;

    t->n = 0;
    pl->full[i] = 1;
    for (j = 0; j < pl->ne; j++) {
        if (j == i || ct_pairing_allowed(c, pl->elig[i], pl->elig[j]) != CT_RULE_NONE)
            continue;
        topk_offer(t, (uint32_t)j, pair_weight(c, pl->elig[i], pl->elig[j]));
    }
    for (j = 0; j < t->n; j++)
        if (!cand_push(l, i, t->who[j], t->w[j]))
            return false;
    return true;
}

/*
 * A position and its place on the random term's circle, in a list sorted
 * by segment (org, then from) and by place within each segment. The
 * circle lists use org for the member's organisation (0 in the list of
 * everyone) and from = 0; the fresh list files a member under each
 * organisation org (dense index) still new to it, with from its own.
 */
struct ring_key {
    uint32_t org, from;
    uint32_t pos;
    double rho;
};

static int
cmp_ring(const void *x, const void *y)
{
    const struct ring_key *a = x, *b = y;

    if (a->org != b->org)
        return a->org < b->org ? -1 : 1;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->rho != b->rho)
        return a->rho < b->rho ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Append the r members on each side of rho in the segment keys[from, to) (a circle). */
static size_t
ring_neighbours(const struct ring_key *keys, size_t from, size_t to, double rho, size_t r,
                uint32_t *out, size_t nout, size_t cap)
{
    size_t lo = from, hi = to, len = to - from, i, want;

    if (len == 0)
        return nout;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid].rho < rho)
            lo = mid + 1;
        else
            hi = mid;
    }
    want = 2 * r < len ? 2 * r : len;
    for (i = 0; i < want && nout < cap; i++) {
        /* Alternate right and left of the insertion point, wrapping. */
        size_t step = i / 2, idx;
        if (i % 2 == 0)
            idx = from + (lo - from + step) % len;
        else
            idx = from + (lo - from + len - 1 - step) % len;
        out[nout++] = keys[idx].pos;
    }
    return nout;
}

/* Member by chose member who, with that bound. */
struct choice {
    uint32_t by, who;
    int64_t bound;
};

/* By chosen member, then best bound first, then chooser. */
static int
cmp_choice(const void *x, const void *y)
{
    const struct choice *a = x, *b = y;

    if (a->who != b->who)
        return a->who < b->who ? -1 : 1;
    if (a->bound != b->bound)
        return a->bound > b->bound ? -1 : 1;
    return (a->by > b->by) - (a->by < b->by);
}

/* A member's place in the deal of blocks. */
struct block_key {
    uint32_t org;
    uint32_t pos;
    uint64_t h;
};

static int
cmp_block_key(const void *x, const void *y)
{
    const struct block_key *a = x, *b = y;

    if (a->org != b->org)
        return a->org < b->org ? -1 : 1;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Scratch shared by the blocks of one round's candidate search. */
struct sampler {
    struct plan *pl;
    size_t k;
    struct ring_key *byorg, *all, *fresh;
    uint32_t *orgstart, *dense, *stamp, *sample, *freshstart;
    struct choice *chosen;
    size_t nchosen, cap;
    struct cand_list cand; /* the random picks and full scans of its blocks */
    size_t norg;           /* organisations in the current block */
    struct topk t;
};

/* The block's members on the circle, overall (all) and by organisation
 * (byorg, organisation o at orgstart[o], dense index dense[pos]). */
static void
block_rings(struct sampler *sm, const uint32_t *mem, size_t nb)
{
    const struct plan *pl = sm->pl;
    size_t i;

    sm->norg = 0;
    for (i = 0; i < nb; i++) {
        sm->byorg[i].org = pl->row[mem[i]].org;
        sm->byorg[i].from = 0;
        sm->byorg[i].pos = mem[i];
        sm->byorg[i].rho = pl->row[mem[i]].rho;
        sm->all[i] = sm->byorg[i];
        sm->all[i].org = 0;
    }
    qsort(sm->byorg, nb, sizeof(*sm->byorg), cmp_ring);
    qsort(sm->all, nb, sizeof(*sm->all), cmp_ring);
    for (i = 0; i < nb; i++) {
        if (i == 0 || sm->byorg[i].org != sm->byorg[i - 1].org)
            sm->orgstart[sm->norg++] = (uint32_t)i;
        sm->dense[sm->byorg[i].pos] = (uint32_t)(sm->norg - 1);
    }
    sm->orgstart[sm->norg] = (uint32_t)nb;
}

/* For few organisations: who still has organisation p to discover (fresh,
 * segment p * norg + o from organisation o); false when out of memory. */
static bool
block_fresh(struct sampler *sm, const uint32_t *mem, size_t nb)
{
    const struct plan *pl = sm->pl;
    size_t i, p, nf = 0, norg = sm->norg;

    free(sm->fresh);
    free(sm->freshstart);
    sm->fresh = NULL;
    sm->freshstart = NULL;
    if (norg < 2 || norg > 64)
        return true;
    sm->fresh = malloc((nb * (norg - 1) + 1) * sizeof(*sm->fresh));
    sm->freshstart = calloc(norg * norg + 1, sizeof(*sm->freshstart));
    if (!sm->fresh || !sm->freshstart)
        return false;
    for (i = 0; i < nb; i++)
        for (p = 0; p < norg; p++) {
            uint32_t porg = sm->byorg[sm->orgstart[p]].org;
            if (p == sm->dense[mem[i]] ||
                (porg != 0 && has_met(&pl->c->met_org, pl->row[mem[i]].member, porg)))
                continue;
            sm->fresh[nf].org = (uint32_t)p;
            sm->fresh[nf].from = sm->dense[mem[i]];
            sm->fresh[nf].pos = mem[i];
            sm->fresh[nf++].rho = pl->row[mem[i]].rho;
        }
    qsort(sm->fresh, nf, sizeof(*sm->fresh), cmp_ring);
    /* Segment p * norg + o is fresh[freshstart[seg] .. freshstart[seg + 1]). */
    for (i = 0; i < nf; i++)
        sm->freshstart[sm->fresh[i].org * norg + sm->fresh[i].from + 1]++;
    for (p = 0; p < norg * norg; p++)
        sm->freshstart[p + 1] += sm->freshstart[p];
    return true;
}

/* The members position u considers (into sm->sample; returns how many),
 * the last two of them drawn at random. */
static size_t
member_sample(struct sampler *sm, const uint32_t *mem, size_t nb, uint32_t u)
{
    const struct ct_pairing_ctx *c = sm->pl->c;
    const struct prow *ru = &sm->pl->row[u];
    size_t ns = 0, extra = 0, o, picked = 0, norg = sm->norg, cap = sm->cap;
    struct ct_rng rng;

    ct_rng_seed(&rng, ct_rng_hash(c->p.seed ^ SALT_CANDIDATES, (uint64_t)ru->id, 0));
    ns = ring_neighbours(sm->all, 0, nb, ru->rho, 5, sm->sample, ns, cap);
    if (sm->fresh != NULL) {
        size_t p = sm->dense[u];
        for (o = 0; o < norg; o++) {
            uint32_t org = sm->byorg[sm->orgstart[o]].org;
            size_t seg = p * norg + o;
            bool unmet = org == 0 || !has_met(&c->met_org, ru->member, org);
            if (o == p)
                continue;
            ns = ring_neighbours(sm->fresh, sm->freshstart[seg], sm->freshstart[seg + 1], ru->rho,
                                 unmet ? 6 : 2, sm->sample, ns, cap);
        }
        picked = norg;
    }
    for (o = 0; o < norg && picked < 16; o++) {
        size_t oi = norg <= 16 ? o : (size_t)ct_rng_below(&rng, norg);
        uint32_t org = sm->byorg[sm->orgstart[oi]].org;
        if (org == ru->org && org != 0)
            continue;
        if (norg > 16 && org != 0 && has_met(&c->met_org, ru->member, org) &&
            ct_rng_below(&rng, 4) != 0)
            continue;
        ns = ring_neighbours(sm->byorg, sm->orgstart[oi], sm->orgstart[oi + 1], ru->rho,
                             ORG_NEIGHBOURS, sm->sample, ns, cap);
        picked++;
    }
    while (ns < cap && extra < 2) {
        sm->sample[ns++] = mem[ct_rng_below(&rng, nb)];
        extra++;
    }
    return ns;
}

/* Position u keeps its k best of sample[0 .. ns) by the bound as choices,
 * and the two random ones as candidates; false when out of memory. */
static bool
member_choose(struct sampler *sm, uint32_t u, size_t ns)
{
    struct plan *pl = sm->pl;
    size_t s;

    sm->t.n = 0;
    sm->stamp[u] = u + 1;
    for (s = 0; s < ns; s++) {
        uint32_t j = sm->sample[s];
        int64_t b;

        if (sm->stamp[j] == u + 1)
            continue; /* u itself, or already seen */
        sm->stamp[j] = u + 1;
        b = bound_weight(pl, u, j);
        if (sm->t.n == sm->t.k && b < sm->t.w[0] && s + 2 < ns)
            continue;
        if (!pos_pair_allowed(pl, u, j))
            continue;
        /* The two random members go in whatever their score: the graph
         * stays well connected. */
        if (s + 2 >= ns) {
            if (!cand_push(&sm->cand, u, j, 0))
                return false;
            continue;
        }
        topk_offer(&sm->t, j, b);
    }
    if (sm->t.n == 0)
        return scan_member(pl, u, &sm->t, &sm->cand);
    for (s = 0; s < sm->t.n; s++) {
        sm->chosen[sm->nchosen].by = u;
        sm->chosen[sm->nchosen].who = sm->t.who[s];
        sm->chosen[sm->nchosen++].bound = sm->t.w[s];
    }
    return true;
}

/*
 * The candidates of one block of members (positions mem[0 .. nb)). Each
 * member considers its neighbours on the random term's circle: overall;
 * and in every other organisation, among the members to whom its own
 * organisation is still new (up to 64 organisations; beyond, plainly in 16
 * organisations drawn with a preference for those it has not met); and two
 * members at random. It keeps its k best by the bound, and the random ones.
 * Members left with nobody allowed are scanned in full.
 */
static bool
sample_block(struct sampler *sm, const uint32_t *mem, size_t nb)
{
    size_t i;

    block_rings(sm, mem, nb);
    if (!block_fresh(sm, mem, nb))
        return false;
    for (i = 0; i < nb; i++)
        if (!member_choose(sm, mem[i], member_sample(sm, mem, nb, mem[i])))
            return false;
    return true;
}

static void
sampler_free(struct sampler *sm)
{
    free(sm->byorg);
    free(sm->all);
    free(sm->orgstart);
    free(sm->dense);
    free(sm->stamp);
    free(sm->sample);
    free(sm->chosen);
    free(sm->fresh);
    free(sm->freshstart);
    free(sm->t.who);
    free(sm->t.w);
    free(sm->cand.v);
    memset(sm, 0, sizeof(*sm)); /* freeing again is harmless */
}

/* The sampler's scratch for a round of pl->ne members, of whom it samples
 * up to nmem; false when out of memory. */
static bool
sampler_init(struct sampler *sm, struct plan *pl, size_t nmem)
{
    memset(sm, 0, sizeof(*sm));
    sm->pl = pl;
    sm->k = pl->c->p.candidates / 2 < 8 ? 8 : pl->c->p.candidates / 2;
    sm->cap = 192;
    sm->byorg = malloc((pl->ne + 1) * sizeof(*sm->byorg));
    sm->all = malloc((pl->ne + 1) * sizeof(*sm->all));
    sm->orgstart = malloc((pl->ne + 2) * sizeof(*sm->orgstart));
    sm->dense = malloc((pl->ne + 1) * sizeof(*sm->dense));
    sm->stamp = calloc(pl->ne + 1, sizeof(*sm->stamp));
    sm->sample = malloc(sm->cap * sizeof(*sm->sample));
    sm->chosen = malloc((nmem * sm->k + 1) * sizeof(*sm->chosen));
    sm->t.who = malloc(pl->ne * sizeof(*sm->t.who) + 1);
    sm->t.w = malloc(pl->ne * sizeof(*sm->t.w) + 1);
    sm->t.k = sm->k;
    return sm->byorg && sm->all && sm->orgstart && sm->dense && sm->stamp && sm->sample &&
           sm->chosen && sm->t.who && sm->t.w;
}

/*
 * Blocks: members sorted by (organisation, seeded hash) and dealt round
 * robin two at a time, so that every block but one has an even number of
 * members (the odd one, if any, gets the dummy); pl->block stays NULL for
 * one block. OUT: order, the members in dealing order. False when out of memory.
 */
static bool
deal_blocks(struct plan *pl, size_t nblocks, struct block_key *order)
{
    size_t i;

    for (i = 0; i < pl->ne; i++) {
        order[i].org = pl->row[i].org;
        order[i].h = ct_rng_hash(pl->c->p.seed ^ SALT_BLOCKS, (uint64_t)pl->row[i].id, 0);
        order[i].pos = (uint32_t)i;
    }
    qsort(order, pl->ne, sizeof(*order), cmp_block_key);
    if (nblocks > 1) {
        pl->block = malloc((pl->ne + 1) * sizeof(*pl->block));
        if (pl->block == NULL)
            return false;
        for (i = 0; i < pl->ne; i++)
            pl->block[order[i].pos] = (uint32_t)((i / 2) % nblocks);
    }
    return true;
}

/*
 * Popular members would be everyone's choice, and their hundreds of edges
 * slow the matching while only one can be used: each member keeps the best
 * 2k of the choices that fell on it, but nobody is left with fewer than two
 * of their own choices. The kept choices become the sampler's candidates.
 * The choices are sorted by cmp_choice. A member chooses inside its block,
 * so the choices by and of a member are all one sampler's: each sampler
 * keeps its own, as one sampler keeping everyone's would.
 */
static bool
keep_choices(struct sampler *sm)
{
    struct plan *pl = sm->pl;
    size_t i, run = 0;

    memset(sm->stamp, 0, (pl->ne + 1) * sizeof(*sm->stamp)); /* now: choices kept per member */
    for (i = 0; i < sm->nchosen; i++) {
        if (i > 0 && sm->chosen[i].who == sm->chosen[i - 1].who)
            run++;
        else
            run = 0;
        if (run >= 2 * sm->k)
            continue;
        sm->chosen[i].bound = INT64_MIN; /* kept */
        sm->stamp[sm->chosen[i].by]++;
        if (!cand_push(&sm->cand, sm->chosen[i].by, sm->chosen[i].who, 0))
            return false;
    }
    for (i = 0; i < sm->nchosen; i++) {
        if (sm->chosen[i].bound == INT64_MIN || sm->stamp[sm->chosen[i].by] >= 2)
            continue;
        sm->stamp[sm->chosen[i].by]++;
        if (!cand_push(&sm->cand, sm->chosen[i].by, sm->chosen[i].who, 0))
            return false;
    }
    return true;
}

/*
 * Large rounds: no pair table of everyone. Above BLOCK_SIZE * 3 members the
 * round is split into blocks of about BLOCK_SIZE, balanced by organisation
 * and drawn afresh every round, and members find candidates inside their
 * block: the matching then works on graphs of bounded size (its trees cannot
 * wander across the whole network), at a cost in the total score of a few
 * hundredths of a percent (docs/pairing.md).
 */
/* The blocks of a round's candidate search, shared by two samplers: block b
 * is sampled by sampler b % 2. */
struct sample_job {
    struct plan *pl;
    const uint32_t *bmem; /* members by block, in dealing order */
    const size_t *bstart; /* block b is bmem[bstart[b] .. bstart[b + 1]) */
    size_t nblocks;
    struct sampler sm[2];
    bool ok[2];
};

/*
 * Sampler half takes blocks half, half + 2, ...; then keeps its choices
 * and sorts its candidates (without duplicates). The candidates' weights
 * are not final: they are scored once both halves are joined.
 */
static void
sample_worker(void *arg, unsigned half)
{
    struct sample_job *j = arg;
    struct sampler *sm = &j->sm[half];
    size_t b;

    j->ok[half] = true;
    for (b = half; b < j->nblocks && j->ok[half]; b += 2)
        j->ok[half] = sample_block(sm, j->bmem + j->bstart[b], j->bstart[b + 1] - j->bstart[b]);
    if (!j->ok[half])
        return;
    qsort(sm->chosen, sm->nchosen, sizeof(*sm->chosen), cmp_choice);
    j->ok[half] = keep_choices(sm) && cand_sort_unique(&sm->cand);
    /* The choices (128 MB at 1M members) are spent. */
    free(sm->chosen);
    sm->chosen = NULL;
    sm->nchosen = 0;
}

/* The members of each block in dealing order (OUT: bmem, bstart); false
 * when out of memory. */
static bool
bucket_blocks(const struct plan *pl, const struct block_key *order, size_t nblocks, uint32_t **bmem,
              size_t **bstart)
{
    size_t i, b;

    *bmem = malloc((pl->ne + 1) * sizeof(**bmem));
    *bstart = calloc(nblocks + 2, sizeof(**bstart));
    if (*bmem == NULL || *bstart == NULL)
        return false;
    for (i = 0; i < pl->ne; i++)
        (*bstart)[(nblocks == 1 ? 0 : pl->block[i]) + 1]++;
    for (b = 0; b < nblocks; b++)
        (*bstart)[b + 1] += (*bstart)[b];
    for (i = 0; i < pl->ne; i++) {
        uint32_t p = order[i].pos;
        (*bmem)[(*bstart)[nblocks == 1 ? 0 : pl->block[p]]++] = p;
    }
    for (b = nblocks; b > 0; b--)
        (*bstart)[b] = (*bstart)[b - 1];
    (*bstart)[0] = 0;
    return true;
}

/* The samplers' candidates, each sorted without duplicates, into the
 * empty list l likewise; false when out of memory. */
static bool
cand_merge(struct cand_list *l, const struct cand_list *a, const struct cand_list *b)
{
    size_t i = 0, k = 0, n = 0;

    l->cap = a->n + b->n + 1;
    l->v = malloc(l->cap * sizeof(*l->v));
    if (l->v == NULL)
        return false;
    while (i < a->n || k < b->n) {
        const struct cand *next =
            k >= b->n || (i < a->n && a->v[i].key <= b->v[k].key) ? &a->v[i++] : &b->v[k++];
        if (n == 0 || l->v[n - 1].key != next->key)
            l->v[n++] = *next;
    }
    l->n = n;
    return true;
}

/* Score candidates [half * n / 2, (half + 1) * n / 2) in full. */
static void
score_worker(void *arg, unsigned half)
{
    struct plan *pl = arg;
    size_t i, from = half * (pl->cand.n / 2), to = half ? pl->cand.n : pl->cand.n / 2;

    for (i = from; i < to; i++)
        pl->cand.v[i].w = pair_weight(pl->c, pl->elig[pl->cand.v[i].key >> 32],
                                      pl->elig[(uint32_t)pl->cand.v[i].key]);
}

/*
 * Large rounds: no pair table of everyone. Above BLOCK_SIZE * 3 members the
 * round is split into blocks of about BLOCK_SIZE, balanced by organisation
 * and drawn afresh every round, and members find candidates inside their
 * block: the matching then works on graphs of bounded size (its trees cannot
 * wander across the whole network), at a cost in the total score of a few
 * hundredths of a percent (docs/pairing.md). Two samplers take alternate
 * blocks on two threads; their results are joined before anything depends
 * on their order.
 */
static bool
candidates_sampled(struct plan *pl)
{
    struct sample_job job;
    size_t nblocks = pl->ne >= 3 * BLOCK_SIZE ? (pl->ne + BLOCK_SIZE / 2) / BLOCK_SIZE : 1;
    struct block_key *order = malloc((pl->ne + 1) * sizeof(*order));
    size_t share[2] = {0, 0}, i, *bstart = NULL;
    uint32_t *bmem = NULL;
    bool ok = false;

    memset(&job, 0, sizeof(job));
    if (!order || !deal_blocks(pl, nblocks, order) ||
        !bucket_blocks(pl, order, nblocks, &bmem, &bstart))
        goto done;
    for (i = 0; i < pl->ne; i++)
        share[nblocks == 1 ? 0 : pl->block[i] % 2]++;
    if (!sampler_init(&job.sm[0], pl, share[0]) || !sampler_init(&job.sm[1], pl, share[1]))
        goto done;
    job.pl = pl;
    job.bmem = bmem;
    job.bstart = bstart;
    job.nblocks = nblocks;
    if (nblocks > 1)
        ct_par_run2(sample_worker, &job);
    else
        sample_worker(&job, 0);
    if (!job.ok[0] || (nblocks > 1 && !job.ok[1]) ||
        !cand_merge(&pl->cand, &job.sm[0].cand, &job.sm[1].cand))
        goto done;
    /* The samplers' scratch is spent. */
    sampler_free(&job.sm[0]);
    sampler_free(&job.sm[1]);
    ct_par_run2(score_worker, pl);
    ok = true;
done:
    sampler_free(&job.sm[0]);
    sampler_free(&job.sm[1]);
    free(order);
    free(bmem);
    free(bstart);
    return ok;
}

/* ---- the matching --------------------------------------------------------- */

/* The two best candidate weights of position i: its estimated trio gain. */
static int64_t
trio_gain(const int64_t *best1, const int64_t *best2, uint32_t i)
{
    if (best2[i] == INT64_MIN)
        return best1[i] == INT64_MIN ? 0 : best1[i];
    return best1[i] + best2[i];
}

/* Members offered to the dummy vertex when the count is odd. */
static void
dummy_tier(const struct plan *pl, uint8_t *tier)
{
    const struct ct_pairing_member *m = pl->c->in->members;
    size_t i;
    int best = INT32_MAX;
    bool any = false;

    memset(tier, 0, pl->ne);
    if (pl->c->p.odd == CT_ODD_TRIO) {
        /* Nobody is in a second trio while others have had none. */
        for (i = 0; i < pl->ne; i++)
            if (pl->vof[i] != NONE && !pl->no_dummy[i] && m[pl->elig[i]].trios < best)
                best = m[pl->elig[i]].trios;
        for (i = 0; i < pl->ne; i++)
            tier[i] = pl->vof[i] != NONE && !pl->no_dummy[i] && m[pl->elig[i]].trios == best;
        return;
    }
    /* Sit-outs rotate: fewest sit-outs first, never twice in a row. */
    for (i = 0; i < pl->ne; i++) {
        const struct ct_pairing_member *mi = &m[pl->elig[i]];
        if (pl->vof[i] != NONE && !pl->no_dummy[i] && mi->rounds_since_sit_out != 1 &&
            mi->sit_outs < best)
            best = mi->sit_outs;
    }
    for (i = 0; i < pl->ne; i++) {
        const struct ct_pairing_member *mi = &m[pl->elig[i]];
        tier[i] = pl->vof[i] != NONE && !pl->no_dummy[i] && mi->rounds_since_sit_out != 1 &&
                  mi->sit_outs == best;
        any |= tier[i];
    }
    if (!any)
        for (i = 0; i < pl->ne; i++)
            tier[i] = pl->vof[i] != NONE && !pl->no_dummy[i];
}

/* The components of a graph, solved by two workers (see solve_components). */
struct comp_job {
    const struct ct_matching_edge *ce; /* edges bucketed by component, local numbers */
    const size_t *vstart, *estart;     /* per component */
    const uint32_t *global;            /* local vertex -> graph vertex */
    const uint8_t *owner;              /* per component: the worker that solves it */
    size_t ncomp;
    unsigned flags;
    uint32_t *mate;
    uint32_t *cmate[2];
    struct ct_matching_stats ms[2];
    struct ct_error err[2];
    enum ct_status st[2];
};

/* Worker half's components, in order; mate[] entries are disjoint between halves. */
static void
comp_worker(void *arg, unsigned half)
{
    struct comp_job *j = arg;
    struct ct_matching_stats *ms = &j->ms[half];
    size_t c;

    memset(ms, 0, sizeof(*ms));
    ms->certified = true;
    j->st[half] = CT_OK;
    for (c = 0; c < j->ncomp; c++) {
        struct ct_matching_stats cs;
        size_t nv = j->vstart[c + 1] - j->vstart[c], v;
        const uint32_t *global = j->global + j->vstart[c];

        if (j->owner[c] != half)
            continue;
        j->st[half] = ct_matching_solve(nv, j->ce + j->estart[c], j->estart[c + 1] - j->estart[c],
                                        j->flags, j->cmate[half], NULL, &cs, &j->err[half]);
        if (j->st[half] != CT_OK)
            return;
        for (v = 0; v < nv; v++)
            j->mate[global[v]] = j->cmate[half][v] == CT_MATCHING_NONE ? CT_MATCHING_NONE
                                                                       : global[j->cmate[half][v]];
        ms->stages += cs.stages;
        ms->dual_updates += cs.dual_updates;
        ms->blossoms += cs.blossoms;
        ms->expansions += cs.expansions;
        ms->exposed += cs.exposed;
        ms->initial += cs.initial;
        ms->certified = ms->certified && cs.certified;
        ms->exact_pass = ms->exact_pass || cs.exact_pass;
    }
}

/* Solve the components on two threads, each taking the next component to
 * the one with less work so far (edges, then vertices); the matchings are
 * those of a solve in order. */
static enum ct_status
solve_comp_jobs(struct comp_job *j, size_t n, struct ct_matching_stats *ms, struct ct_error *err)
{
    uint8_t *owner = malloc(j->ncomp + 1);
    size_t load[2] = {0, 0}, c;
    enum ct_status st;

    j->cmate[0] = malloc((n + 1) * sizeof(*j->cmate[0]));
    j->cmate[1] = malloc((n + 1) * sizeof(*j->cmate[1]));
    if (!owner || !j->cmate[0] || !j->cmate[1]) {
        st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
        goto done;
    }
    for (c = 0; c < j->ncomp; c++) {
        unsigned h = load[1] < load[0];
        owner[c] = (uint8_t)h;
        load[h] += (j->estart[c + 1] - j->estart[c]) + (j->vstart[c + 1] - j->vstart[c]);
    }
    j->owner = owner;
    if (j->ncomp > 1)
        ct_par_run2(comp_worker, j);
    else {
        comp_worker(j, 0);
        comp_worker(j, 1);
    }
    st = j->st[0] != CT_OK ? j->st[0] : j->st[1];
    if (st != CT_OK) {
        *err = j->err[j->st[0] != CT_OK ? 0 : 1];
        goto done;
    }
    *ms = j->ms[0];
    ms->stages += j->ms[1].stages;
    ms->dual_updates += j->ms[1].dual_updates;
    ms->blossoms += j->ms[1].blossoms;
    ms->expansions += j->ms[1].expansions;
    ms->exposed += j->ms[1].exposed;
    ms->initial += j->ms[1].initial;
    ms->certified = ms->certified && j->ms[1].certified;
    ms->exact_pass = ms->exact_pass || j->ms[1].exact_pass;
done:
    free(owner);
    free(j->cmate[0]);
    free(j->cmate[1]);
    return st;
}

/*
 * Solve a graph one connected component at a time: large rounds' blocks are
 * separate graphs, and solving each alone keeps the work in cache.
 */
static enum ct_status
solve_components(size_t n, const struct ct_matching_edge *edges, size_t m, unsigned flags,
                 uint32_t *mate, struct ct_matching_stats *ms, struct ct_error *err)
{
    uint32_t *parent = malloc((n + 1) * sizeof(*parent)), *comp = malloc((n + 1) * sizeof(*comp));
    uint32_t *local = malloc((n + 1) * sizeof(*local)), *global = malloc((n + 1) * sizeof(*global));
    size_t *vstart = NULL, *estart = NULL, ncomp = 0, i, c;
    struct ct_matching_edge *ce = malloc((m + 1) * sizeof(*ce));
    struct comp_job job;
    enum ct_status st = CT_OK;

    memset(ms, 0, sizeof(*ms));
    ms->certified = true;
    if (!parent || !comp || !local || !global || !ce)
        goto nomem;
    for (i = 0; i < n; i++)
        parent[i] = (uint32_t)i;
    for (i = 0; i < m; i++) {
        uint32_t a = edges[i].u, b = edges[i].v;
        while (parent[a] != a)
            a = parent[a] = parent[parent[a]];
        while (parent[b] != b)
            b = parent[b] = parent[parent[b]];
        if (a != b)
            parent[a < b ? b : a] = a < b ? a : b;
    }
    for (i = 0; i < n; i++) {
        uint32_t a = (uint32_t)i;
        while (parent[a] != a)
            a = parent[a];
        comp[i] = a == i ? (uint32_t)ncomp++ : comp[a];
    }
    vstart = calloc(ncomp + 1, sizeof(*vstart));
    estart = calloc(ncomp + 1, sizeof(*estart));
    if (!vstart || !estart)
        goto nomem;
    /* Vertices and edges bucketed by component, in their original order. */
    for (i = 0; i < n; i++)
        vstart[comp[i] + 1]++;
    for (i = 0; i < m; i++)
        estart[comp[edges[i].u] + 1]++;
    for (c = 0; c < ncomp; c++) {
        vstart[c + 1] += vstart[c];
        estart[c + 1] += estart[c];
    }
    for (i = 0; i < n; i++) {
        local[i] = (uint32_t)(vstart[comp[i]]++);
        global[local[i]] = (uint32_t)i;
    }
    for (c = ncomp; c > 0; c--)
        vstart[c] = vstart[c - 1];
    vstart[0] = 0;
    for (i = 0; i < m; i++) {
        size_t at = estart[comp[edges[i].u]]++;
        ce[at].u = local[edges[i].u] - (uint32_t)vstart[comp[edges[i].u]];
        ce[at].v = local[edges[i].v] - (uint32_t)vstart[comp[edges[i].u]];
        ce[at].w = edges[i].w;
    }
    for (c = ncomp; c > 0; c--)
        estart[c] = estart[c - 1];
    estart[0] = 0;
    memset(&job, 0, sizeof(job));
    job.ce = ce;
    job.vstart = vstart;
    job.estart = estart;
    job.global = global;
    job.ncomp = ncomp;
    job.flags = flags;
    job.mate = mate;
    st = solve_comp_jobs(&job, n, ms, err);
    goto done;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
done:
    free(parent);
    free(comp);
    free(local);
    free(global);
    free(vstart);
    free(estart);
    free(ce);
    return st;
}

/*
 * Build the matching graph from the candidate list (every allowed pair when
 * use_all), with a dummy vertex when the number of members who can be grouped
 * is odd, and solve it. OUT: mate per matching vertex, duals, stats.
 */
static enum ct_status
solve_graph(struct plan *pl, bool use_all, unsigned flags, const struct ct_matching_start *start,
            uint32_t *mate, struct ct_matching_duals *duals, struct ct_matching_stats *ms,
            struct ct_error *err)
{
    const struct cand_list *l = use_all ? &pl->all : &pl->cand;
    struct ct_matching_edge *edges = NULL;
    int64_t *best1 = NULL, *best2 = NULL;
    uint8_t *tier = NULL;
    size_t e, i, m = 0;
    enum ct_status st;

    edges = malloc((l->n + pl->ne + 1) * sizeof(*edges));
    best1 = malloc((pl->ne + 1) * sizeof(*best1));
    best2 = malloc((pl->ne + 1) * sizeof(*best2));
    tier = malloc(pl->ne + 1);
    if (!edges || !best1 || !best2 || !tier) {
        st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
        goto done;
    }
    for (i = 0; i < pl->ne; i++)
        best1[i] = best2[i] = INT64_MIN;
    for (e = 0; e < l->n; e++) {
        uint32_t u = (uint32_t)(l->v[e].key >> 32), v = (uint32_t)l->v[e].key;
        int64_t w = l->v[e].w;
        uint32_t ends[2] = {u, v};
        int s;

        for (s = 0; s < 2; s++) {
            uint32_t x = ends[s];
            if (w > best1[x]) {
                best2[x] = best1[x];
                best1[x] = w;
            } else if (w > best2[x]) {
                best2[x] = w;
            }
        }
        edges[m].u = pl->vof[u];
        edges[m].v = pl->vof[v];
        edges[m++].w = w;
    }
    pl->dummy = NONE;
    if (pl->nv % 2 == 1) {
        pl->dummy = (uint32_t)pl->nv;
        dummy_tier(pl, tier);
        /* Large rounds: keep the dummy inside a block with an odd number
         * of members to group, and someone of the tier, so that the blocks
         * stay separate graphs. */
        if (pl->block != NULL && !use_all) {
            uint32_t *count = calloc(pl->ne + 1, sizeof(*count)), odd = NONE;
            if (count != NULL) {
                for (i = 0; i < pl->ne; i++)
                    if (pl->vof[i] != NONE)
                        count[pl->block[i]]++;
                for (i = 0; i < pl->ne && odd == NONE; i++)
                    if (tier[i] && count[pl->block[i]] % 2 == 1)
                        odd = pl->block[i];
                for (i = 0; i < pl->ne && odd != NONE; i++)
                    tier[i] = tier[i] && pl->block[i] == odd;
                free(count);
            }
        }
        for (i = 0; i < pl->ne; i++) {
            int64_t w;
            if (!tier[i])
                continue;
            if (pl->c->p.odd == CT_ODD_TRIO)
                w = trio_gain(best1, best2, (uint32_t)i);
            else
                w = weight_of(pl->c->p.weight[CT_W_RANDOM] *
                              ct_rng_hash_double(pl->c->p.seed ^ SALT_SIT_OUT,
                                                 (uint64_t)pl->c->in->members[pl->elig[i]].id, 0));
            edges[m].u = pl->vof[i];
            edges[m].v = pl->dummy;
            edges[m++].w = w;
        }
    }
    pl->stats.candidate_edges = m;
    pl->stats.solves++;
    if (duals == NULL) {
        st = solve_components(pl->nv + (pl->dummy != NONE), edges, m, flags, mate, ms, err);
        goto done;
    }
    st = ct_matching_solve_from(pl->nv + (pl->dummy != NONE), edges, m, flags, start, mate, duals,
                                ms, err);
done:
    free(edges);
    free(best1);
    free(best2);
    free(tier);
    return st;
}

/* Offer a violated pair to both members' lists of the most violated. */
static void
price_offer(struct topk *tk, uint32_t a, uint32_t b, int64_t violation)
{
    topk_offer(&tk[a], b, violation);
    topk_offer(&tk[b], a, violation);
}

/* ---- pricing by slices of the circle ---------------------------------------- */

#define SLICE     64         /* members per slice */
#define SLICE_MIX UINT32_MAX /* a slice whose members differ on a boundary */

/*
 * A run of matching vertices next to each other on the random term's
 * circle, those with contacts and those without apart: what every pair
 * with one of them can score at most is known from the slice alone, so
 * that a member's pricing skips every slice whose bound its duals cover.
 */
struct slice {
    uint32_t first, count;          /* into the sorted order */
    uint32_t org, team, site, role; /* the members' value, or SLICE_MIX */
    int64_t min_dual;
    double rho_lo, rho_hi;
    bool contacts; /* its members have contacts */
};

/* Slice order: without contacts first, then by place on the circle. */
static int
cmp_slice_key(const void *x, const void *y)
{
    const struct ring_key *a = x, *b = y;

    if (a->org != b->org)
        return a->org < b->org ? -1 : 1;
    if (a->rho != b->rho)
        return a->rho < b->rho ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* A slice's common value of a boundary: v for everyone, else SLICE_MIX. */
static void
slice_merge(uint32_t *common, uint32_t v, bool first)
{
    if (first)
        *common = v;
    else if (*common != v)
        *common = SLICE_MIX;
}

/* Whether a's boundary value x can differ (both known) from a slice's common value. */
static bool
slice_differs(uint32_t x, uint32_t common)
{
    return x != 0 && (common == SLICE_MIX || differ_known(x, common));
}

/* The best closeness on the circle of rho to a slice spanning [lo, hi]. */
static double
slice_closeness(double rho, double lo, double hi)
{
    double a, b;

    if (rho >= lo && rho <= hi)
        return 1.0;
    a = circle_closeness(rho, lo);
    b = circle_closeness(rho, hi);
    return a > b ? a : b;
}

/* An upper bound of the score of position a with anyone in slice sl. */
static double
slice_bound(const struct plan *pl, const struct prow *a, const struct slice *sl)
{
    const double *w = pl->c->p.weight;
    bool org = slice_differs(a->org, sl->org), team = slice_differs(a->team, sl->team);
    bool role = slice_differs(a->role, sl->role);
    double s = 0, nov_a = 0, nov_b = 0;

    s += org ? w[CT_W_ORGANISATION] : 0;
    s += team ? w[CT_W_TEAM] : 0;
    s += slice_differs(a->site, sl->site) ? w[CT_W_SITE] : 0;
    s += role ? w[CT_W_ROLE] : 0;
    s += w[CT_W_WEAK_TIE] > 0 ? w[CT_W_WEAK_TIE] : 0;
    s += a->contacts && sl->contacts && w[CT_W_BRIDGE] > 0 ? w[CT_W_BRIDGE] : 0;
    if (org)
        nov_a += sl->org == SLICE_MIX || !has_met(&pl->c->met_org, a->member, sl->org);
    nov_a += team ? 0.25 : 0;
    if (role)
        nov_a +=
            sl->role == SLICE_MIX || !has_met(&pl->c->met_role, a->member, sl->role) ? 0.25 : 0;
    nov_b = (org ? 1 : 0) + (team ? 0.25 : 0) + (role ? 0.25 : 0);
    s += w[CT_W_NOVELTY] > 0 ? w[CT_W_NOVELTY] * 0.5 * (nov_a + nov_b) : 0;
    if (pl->c->in->coordination != NULL && w[CT_W_COORDINATION] > 0)
        s += sl->role != SLICE_MIX
                 ? coordination_term(coordination_of(pl->c->in, a->role, sl->role),
                                     w[CT_W_COORDINATION])
                 : w[CT_W_COORDINATION];
    if (w[CT_W_RANDOM] > 0)
        s += w[CT_W_RANDOM] * slice_closeness(a->rho, sl->rho_lo, sl->rho_hi);
    return s;
}

/* The matching vertices in slices (OUT: *order, *slices, *count); false when out of memory. */
static bool
slices_build(const struct plan *pl, const int64_t *dual, struct ring_key **order,
             struct slice **slices, size_t *count)
{
    size_t v, i, ns = 0;
    struct ring_key *o = malloc((pl->nv + 1) * sizeof(*o));
    struct slice *sl = malloc((pl->nv / SLICE + 3) * sizeof(*sl));

    *order = o;
    *slices = sl;
    if (!o || !sl)
        return false;
    for (v = 0; v < pl->nv; v++) {
        o[v].org = pl->row[pl->vmap[v]].contacts != 0;
        o[v].from = 0;
        o[v].pos = (uint32_t)v; /* the matching vertex */
        o[v].rho = pl->row[pl->vmap[v]].rho;
    }
    qsort(o, pl->nv, sizeof(*o), cmp_slice_key);
    for (i = 0; i < pl->nv; i++) {
        const struct prow *r = &pl->row[pl->vmap[o[i].pos]];
        bool first = i == 0 || sl[ns - 1].count == SLICE || o[i].org != o[i - 1].org;
        struct slice *cur;

        if (first) {
            cur = &sl[ns++];
            cur->first = (uint32_t)i;
            cur->count = 0;
            cur->min_dual = INT64_MAX;
            cur->rho_lo = o[i].rho;
            cur->contacts = o[i].org != 0;
        }
        cur = &sl[ns - 1];
        slice_merge(&cur->org, r->org, first);
        slice_merge(&cur->team, r->team, first);
        slice_merge(&cur->site, r->site, first);
        slice_merge(&cur->role, r->role, first);
        if (dual[o[i].pos] < cur->min_dual)
            cur->min_dual = dual[o[i].pos];
        cur->rho_hi = o[i].rho;
        cur->count++;
    }
    *count = ns;
    return true;
}

/* One pricing pass over the slices, shared by two workers: worker h prices
 * the vertices a with a % 2 == h into its own lists tk[h] (top-k lists keep
 * the k best under a total order, so joining the two gives what one pass
 * would have found). */

/*
 * A matching vertex as the pricing's pair test reads it, copied in slice
 * order so that the test walks memory in order: its dual and what the
 * bound needs.
 */
struct crow {
    int64_t dual;
    double rho;
    uint64_t met_org, met_team, met_role;
    uint32_t org, team, site, role, comm, contacts;
    uint32_t top;   /* outermost blossom, or NONE */
    uint32_t inner; /* innermost blossom, or NONE */
    int64_t coord;  /* its role's best coordination term, in weight units */
};

/* The terms' weights in weight units, rounded up, for crow_bound. */
struct cweights {
    int64_t org, team, site, role, bridge, nov1, nov4, weak;
    double random;
    bool bits_org, bits_team, bits_role;
};

/* Every term of CT_WEIGHT_LIST is bounded in crow_bound: a new term needs its bound there. */
_Static_assert(CT_WEIGHT_COUNT == 10, "crow_bound bounds every score term");

/* Weight units above x * SCALE for x >= 0 (truncation, plus one). */
static int64_t
units_up(double x)
{
    return (int64_t)(x * SCALE) + 1;
}

static void
cweights_init(const struct plan *pl, struct cweights *cw)
{
    const double *w = pl->c->p.weight;

    cw->org = units_up(w[CT_W_ORGANISATION]);
    cw->team = units_up(w[CT_W_TEAM]);
    cw->site = units_up(w[CT_W_SITE]);
    cw->role = units_up(w[CT_W_ROLE]);
    cw->bridge = units_up(w[CT_W_BRIDGE]);
    cw->nov1 = units_up(w[CT_W_NOVELTY] * 0.5);
    cw->nov4 = units_up(w[CT_W_NOVELTY] * 0.125);
    cw->weak = units_up(w[CT_W_WEAK_TIE]);
    cw->random = w[CT_W_RANDOM] * SCALE;
    cw->bits_org = pl->c->met_org.bit != NULL;
    cw->bits_team = pl->c->met_team.bit != NULL;
    cw->bits_role = pl->c->met_role.bit != NULL;
}

/*
 * An upper bound of bound_weight for a and b in whole weight units, in
 * integer arithmetic but for the random term: at least as large as the
 * pair bound (every term rounded up, two units to spare), and cheap.
 * Weights are never negative (weights.h bounds them at 0).
 */
static inline int64_t
crow_bound(const struct cweights *cw, const struct crow *a, const struct crow *b)
{
    int64_t s = cw->weak + (a->coord > b->coord ? a->coord : b->coord) + 2;
    double d = a->rho > b->rho ? a->rho - b->rho : b->rho - a->rho;

    if (differ_known(a->org, b->org)) {
        s += cw->org;
        s += cw->nov1 * ((cw->bits_org ? !((a->met_org >> b->org) & 1) : 1) +
                         (cw->bits_org ? !((b->met_org >> a->org) & 1) : 1));
    }
    if (differ_known(a->team, b->team))
        s += cw->team + cw->nov4 * ((cw->bits_team ? !((a->met_team >> b->team) & 1) : 1) +
                                    (cw->bits_team ? !((b->met_team >> a->team) & 1) : 1));
    if (differ_known(a->site, b->site))
        s += cw->site;
    if (differ_known(a->role, b->role))
        s += cw->role + cw->nov4 * ((cw->bits_role ? !((a->met_role >> b->role) & 1) : 1) +
                                    (cw->bits_role ? !((b->met_role >> a->role) & 1) : 1));
    if (a->contacts && b->contacts && a->comm != b->comm)
        s += cw->bridge;
    if (d > 0.5)
        d = 1.0 - d;
    return s + (int64_t)(cw->random * (1.0 - 2.0 * d)) + 1;
}

/* Vertex v's crow. */
static void
crow_fill(const struct plan *pl, const struct ct_matching_duals *duals, const uint32_t *top,
          uint32_t v, struct crow *r)
{
    const struct prow *p = &pl->row[pl->vmap[v]];
    const struct ct_pairing_input *in = pl->c->in;
    double w = pl->c->p.weight[CT_W_COORDINATION], best = 0;
    size_t k;

    r->dual = duals->vertex[v];
    r->rho = p->rho;
    r->met_org = p->met_org;
    r->met_team = p->met_team;
    r->met_role = p->met_role;
    r->org = p->org;
    r->team = p->team;
    r->site = p->site;
    r->role = p->role;
    r->comm = p->comm;
    r->contacts = p->contacts;
    r->top = top[v];
    r->inner = duals->parent[v];
    /* Over every role of a partner: the term is symmetric, so the larger
     * of both ends' values bounds the pair. */
    if (in->coordination != NULL && w > 0)
        for (k = 0; k < in->coordination_roles; k++) {
            double t = coordination_term(coordination_of(in, p->role, (uint32_t)k), w);
            best = t > best ? t : best;
        }
    r->coord = best > 0 ? units_up(best) : 0;
}

struct price_job {
    struct plan *pl;
    const struct ct_matching_duals *duals;
    const uint32_t *top; /* per vertex: outermost blossom, or NONE */
    const struct ring_key *order;
    const struct crow *crow; /* per vertex, in slice order */
    struct cweights cw;
    const struct slice *sl;
    size_t ns;
    struct topk *tk[2];
    size_t priced[2];
};

/*
 * For a pair whose vertex duals fall short of 4w: whether the blossom duals
 * both ends share leave it violated. The shared blossoms run from the
 * outermost down to the innermost common one, whose running sum (zsum)
 * lies between the outermost's and the smaller of the two ends' innermost
 * (blossom duals are never negative): only between those two is the
 * nesting walked.
 */
static bool
blossoms_leave_violated(const struct ct_matching_duals *duals, uint32_t u, uint32_t v,
                        const struct crow *a, const struct crow *b, int64_t w)
{
    int64_t need = 4 * w - a->dual - b->dual, low, high;

    if (a->top == NONE || a->top != b->top)
        return true;
    low = duals->zsum[a->top];
    high = duals->zsum[a->inner] < duals->zsum[b->inner] ? duals->zsum[a->inner]
                                                         : duals->zsum[b->inner];
    if (need <= low)
        return false;
    if (need > high)
        return true;
    return ct_matching_duals_improves(duals, u, v, w);
}

/* Price the pairs of vertex a with the later vertices of every slice
 * its duals do not cover; offers go to tk. Returns the pairs priced. */
static size_t
price_member(const struct price_job *j, uint32_t a, struct topk *tk)
{
    const struct plan *pl = j->pl;
    const struct ct_matching_duals *duals = j->duals;
    const int64_t *dual = duals->vertex;
    uint32_t pa = pl->vmap[a];
    const struct prow *ra = &pl->row[pa];
    size_t s, i, priced = 0;
    int64_t da = dual[a];
    struct crow ca;

    crow_fill(pl, duals, j->top, a, &ca);
    for (s = 0; s < j->ns; s++) {
        const struct slice *sl = &j->sl[s];
        /* The slice's bound holds for each of its members: against their
         * own duals it rules out most pairs before anything else is read. */
        int64_t sb = 4 * (weight_of(slice_bound(pl, ra, sl)) + 1) - da;

        if (sb <= sl->min_dual)
            continue;
        for (i = sl->first; i < sl->first + sl->count; i++) {
            uint32_t b, pb;
            int64_t w;

            if (sb <= j->crow[i].dual ||
                4 * crow_bound(&j->cw, &ca, &j->crow[i]) <=
                    da + j->crow[i].dual +
                        (ca.top != NONE && ca.top == j->crow[i].top ? duals->zsum[ca.top] : 0))
                continue;
            b = j->order[i].pos;
            if (b <= a)
                continue;
            pb = pl->vmap[b];
            priced++;
            /* The outermost blossom both ends share adds at least its dual. */
            if (4 * bound_cached(pl, pa, pb) <= da + dual[b] +
                                                    (j->top[a] != NONE && j->top[a] == j->top[b]
                                                         ? duals->zsum[j->top[a]]
                                                         : 0) ||
                !pos_pair_allowed(pl, pa, pb))
                continue;
            w = pair_weight(pl->c, pl->elig[pa], pl->elig[pb]);
            /* Ends in different outermost blossoms share no blossom dual:
             * the vertex duals decide, without walking the nesting. */
            if (4 * w <= da + dual[b] ||
                !blossoms_leave_violated(duals, a, b, &ca, &j->crow[i], w) ||
                cand_contains(&pl->cand, pa, pb))
                continue;
            price_offer(tk, pa, pb, 4 * w - da - dual[b]);
        }
    }
    return priced;
}

/* Worker half prices vertices half, half + 2, ... into its own lists. */
static void
price_worker(void *arg, unsigned half)
{
    struct price_job *j = arg;
    size_t a;

    j->priced[half] = 0;
    for (a = half; a < j->pl->nv; a += 2)
        j->priced[half] += price_member(j, (uint32_t)a, j->tk[half]);
}

/* Top-k lists for ne positions, k each, in one allocation (NULL when out of memory). */
static struct topk *
price_lists(size_t ne, size_t k)
{
    struct topk *tk = calloc(ne + 1, sizeof(*tk));
    uint32_t *who = malloc((ne * k + 1) * sizeof(*who));
    int64_t *viol = malloc((ne * k + 1) * sizeof(*viol));
    size_t a;

    if (!tk || !who || !viol) {
        free(tk);
        free(who);
        free(viol);
        return NULL;
    }
    for (a = 0; a < ne; a++) {
        tk[a].who = who + a * k;
        tk[a].w = viol + a * k;
        tk[a].k = k;
    }
    tk[ne].who = who; /* for price_lists_free */
    tk[ne].w = viol;
    return tk;
}

static void
price_lists_free(struct topk *tk, size_t ne)
{
    if (tk == NULL)
        return;
    free(tk[ne].who);
    free(tk[ne].w);
    free(tk);
}

/* The slice pass on two threads, its offers joined into tk; false when out of memory. */
static bool
price_slices(struct plan *pl, const struct ct_matching_duals *duals, struct topk *tk)
{
    struct price_job j;
    struct ring_key *order = NULL;
    struct slice *sl = NULL;
    uint32_t *top = malloc((pl->nv + 1) * sizeof(*top));
    struct crow *crow = malloc((pl->nv + 1) * sizeof(*crow));
    struct topk *tk1 = price_lists(pl->ne, PRICE_PER_MEMBER);
    size_t a, b, ns = 0;
    bool ok = false;

    if (!top || !crow || !tk1 || !slices_build(pl, duals->vertex, &order, &sl, &ns))
        goto done;
    for (a = 0; a < pl->nv; a++) {
        uint32_t t = duals->parent[a];
        while (t != NONE && duals->parent[t] != NONE)
            t = duals->parent[t];
        top[a] = t;
    }
    for (a = 0; a < pl->nv; a++) {
        crow_fill(pl, duals, top, order[a].pos, &crow[a]);
    }
    memset(&j, 0, sizeof(j));
    j.pl = pl;
    j.duals = duals;
    j.top = top;
    j.order = order;
    j.crow = crow;
    cweights_init(pl, &j.cw);
    j.sl = sl;
    j.ns = ns;
    j.tk[0] = tk;
    j.tk[1] = tk1;
    ct_par_run2(price_worker, &j);
    pl->stats.priced_pairs += j.priced[0] + j.priced[1];
    for (a = 0; a < pl->ne; a++)
        for (b = 0; b < tk1[a].n; b++)
            topk_offer(&tk[a], tk1[a].who[b], tk1[a].w[b]);
    ok = true;
done:
    free(top);
    free(crow);
    free(order);
    free(sl);
    price_lists_free(tk1, pl->ne);
    return ok;
}

/*
 * Check every allowed pair left out of the graph against the duals: a pair
 * with a negative reduced cost could improve the matching. The bound rules
 * out most pairs before they are scored. Each member's most violated pairs
 * are added (column generation); when none is left, the matching is
 * optimal over every allowed pair. Returns the number added (or SIZE_MAX on
 * allocation failure).
 */
static size_t
price(struct plan *pl, const struct ct_matching_duals *duals)
{
    const int64_t *dual = duals->vertex;
    struct ct_pairing_ctx *c = pl->c;
    size_t a, b, added = SIZE_MAX, before;
    struct topk *tk = price_lists(pl->ne, PRICE_PER_MEMBER);

    if (tk == NULL)
        goto done;
    pl->stats.pricing_rounds++;
    if (pl->all_known) {
        size_t e;
        for (e = 0; e < pl->all.n; e++) {
            uint32_t u = (uint32_t)(pl->all.v[e].key >> 32), v = (uint32_t)pl->all.v[e].key;
            int64_t w = pl->all.v[e].w;
            pl->stats.priced_pairs++;
            if (4 * w <= dual[pl->vof[u]] + dual[pl->vof[v]] ||
                !ct_matching_duals_improves(duals, pl->vof[u], pl->vof[v], w) ||
                cand_contains(&pl->cand, u, v))
                continue;
            price_offer(tk, u, v, 4 * w - dual[pl->vof[u]] - dual[pl->vof[v]]);
        }
    } else if (!price_slices(pl, duals, tk)) {
        goto done;
    }
    before = pl->cand.n;
    for (a = 0; a < pl->ne; a++)
        for (b = 0; b < tk[a].n; b++) {
            uint32_t x = tk[a].who[b];
            int64_t w = pair_weight(c, pl->elig[a], pl->elig[x]);
            if (!cand_push(&pl->cand, (uint32_t)a, x, w))
                goto done;
        }
    if (pl->cand.n > before && !cand_sort_unique(&pl->cand))
        goto done;
    added = pl->cand.n - before;
    pl->stats.priced_added += added;
done:
    price_lists_free(tk, pl->ne);
    return added;
}

/* Widen the exposed members of a large round to every allowed partner. */
static size_t
widen_exposed(struct plan *pl, const uint32_t *vmate)
{
    struct topk t;
    size_t v, added = 0, before = pl->cand.n;

    t.k = pl->ne;
    t.who = malloc(pl->ne * sizeof(*t.who) + 1);
    t.w = malloc(pl->ne * sizeof(*t.w) + 1);
    if (!t.who || !t.w) {
        free(t.who);
        free(t.w);
        return SIZE_MAX;
    }
    for (v = 0; v < pl->nv && added < 2000; v++) {
        if (vmate[v] != CT_MATCHING_NONE)
            continue;
        if (!scan_member(pl, pl->vmap[v], &t, &pl->cand)) {
            added = SIZE_MAX;
            break;
        }
        added++;
    }
    free(t.who);
    free(t.w);
    if (added == SIZE_MAX || !cand_sort_unique(&pl->cand))
        return SIZE_MAX;
    return pl->cand.n - before;
}

/* Map positions with at least one edge in l to matching vertices. */
static void
map_vertices(struct plan *pl, const struct cand_list *l)
{
    size_t i, e;

    for (i = 0; i < pl->ne; i++)
        pl->vof[i] = NONE;
    for (e = 0; e < l->n; e++) {
        pl->vof[l->v[e].key >> 32] = 0;
        pl->vof[(uint32_t)l->v[e].key] = 0;
    }
    pl->nv = 0;
    for (i = 0; i < pl->ne; i++)
        if (pl->vof[i] != NONE) {
            pl->vof[i] = (uint32_t)pl->nv;
            pl->vmap[pl->nv++] = (uint32_t)i;
        }
}

/* Whether the round's left-out pairs are priced against the duals. */
static bool
priced(const struct plan *pl)
{
    return pl->c->p.exact || pl->ne <= pl->c->p.exact_limit;
}

/* Solve, check left-out pairs, widen, solve again: see docs/pairing.md. */
static enum ct_status
match(struct plan *pl, struct ct_error *err)
{
    uint32_t *vmate = malloc((pl->ne + 2) * sizeof(*vmate));
    uint32_t *prev_mate = malloc((pl->ne + 2) * sizeof(*prev_mate));
    int64_t *prev_dual = malloc((pl->ne + 2) * sizeof(*prev_dual));
    struct ct_matching_start start;
    size_t prev_n = SIZE_MAX;
    struct ct_matching_duals duals;
    struct ct_matching_stats ms;
    bool use_all = false, widened = false;
    enum ct_status st = CT_OK;
    size_t v, round;

    memset(&duals, 0, sizeof(duals));
    start.mate = prev_mate;
    start.dual = prev_dual;
    if (!vmate || !prev_mate || !prev_dual) {
        st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
        goto done;
    }
    pl->stats.optimal = false;
    for (round = 0;; round++) {
        map_vertices(pl, use_all ? &pl->all : &pl->cand);
        ct_matching_duals_free(&duals);
        /* Duals are needed for pricing only (rounds up to exact_limit);
         * after pricing, the last solution is where the next one starts. */
        st = solve_graph(pl, use_all, use_all ? CT_MATCHING_EXACT : 0,
                         !use_all && prev_n == pl->nv + (pl->nv % 2) ? &start : NULL, vmate,
                         priced(pl) ? &duals : NULL, &ms, err);
        if (st != CT_OK)
            goto done;
        if (use_all) {
            pl->stats.optimal = true;
            break;
        }
        if (!ms.certified) {
            /* Someone could not be matched on the candidates: give those
             * members every allowed partner; if that is not enough, use
             * every allowed pair (up to exact_limit members). */
            if (!widened) {
                size_t added = widen_exposed(pl, vmate);
                widened = true;
                if (added == SIZE_MAX) {
                    st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
                    goto done;
                }
                if (added > 0)
                    continue;
            }
            if (pl->ne <= pl->c->p.exact_limit) {
                if (!pl->all_known && !collect_all(pl)) {
                    st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
                    goto done;
                }
                use_all = true;
                continue;
            }
            break;
        }
        if (!priced(pl) || (round >= MAX_PRICING_ROUNDS && !pl->c->p.exact))
            break;
        v = price(pl, &duals);
        prev_n = pl->nv + (pl->nv % 2);
        memcpy(prev_mate, vmate, prev_n * sizeof(*prev_mate));
        ct_matching_duals_fold(&duals, prev_dual);
        if (v == SIZE_MAX) {
            st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
            goto done;
        }
        if (v == 0) {
            pl->stats.optimal = true;
            break;
        }
    }
    /* Back to positions. */
    for (v = 0; v < pl->ne; v++)
        pl->mate[v] = NONE;
    pl->dummy_partner = NONE;
    for (v = 0; v < pl->nv; v++) {
        uint32_t w = vmate[v];
        if (w == CT_MATCHING_NONE)
            continue;
        if (w == pl->dummy)
            pl->dummy_partner = pl->vmap[v];
        else
            pl->mate[pl->vmap[v]] = pl->vmap[w];
    }
done:
    ct_matching_duals_free(&duals);
    free(vmate);
    free(prev_mate);
    free(prev_dual);
    return st;
}

/* ---- groups ------------------------------------------------------------- */

struct group_build {
    uint32_t m[CT_GROUP_MAX]; /* positions */
    unsigned size;
};

static int64_t
pos_weight(struct plan *pl, uint32_t a, uint32_t b)
{
    return pair_weight(pl->c, pl->elig[a], pl->elig[b]);
}

static bool
pos_allowed(struct plan *pl, uint32_t a, uint32_t b)
{
    return ct_pairing_allowed(pl->c, pl->elig[a], pl->elig[b]) == CT_RULE_NONE;
}

static int
above_min_trios(struct plan *pl, uint32_t a, int min_trios)
{
    return pl->c->in->members[pl->elig[a]].trios > min_trios;
}

/*
 * Attach position x as the third member of a pair. Prefers, in order, a
 * group whose members have had no more trios than anyone, then the largest
 * gain. When fair is set and no such group exists, it also tries to form
 * the trio from two of x's candidates who had the fewest trios, re-pairing
 * their partners together. Returns false when no group can take x.
 */
static bool
attach_third(struct plan *pl, struct group_build *g, size_t ng, uint32_t x, bool fair,
             int min_trios, uint32_t *group_of)
{
    size_t i, best = SIZE_MAX;
    int best_unfair = 3;
    int64_t best_gain = INT64_MIN;

    for (i = 0; i < ng; i++) {
        uint32_t a = g[i].m[0], b = g[i].m[1];
        int unfair;
        int64_t gain;

        if (g[i].size != 2 || !pos_allowed(pl, x, a) || !pos_allowed(pl, x, b) ||
            !ct_pairing_trio_hours(pl->c, pl->elig[a], pl->elig[b], pl->elig[x]))
            continue;
        unfair = above_min_trios(pl, a, min_trios) + above_min_trios(pl, b, min_trios);
        gain = pos_weight(pl, x, a) + pos_weight(pl, x, b);
        if (unfair < best_unfair || (unfair == best_unfair && gain > best_gain)) {
            best = i;
            best_unfair = unfair;
            best_gain = gain;
        }
    }
    if (fair && best_unfair > 0) {
        /* Try {x, a, b} from x's candidates, and pair their partners. */
        size_t e, f, ba = SIZE_MAX, bb = SIZE_MAX;
        int64_t bgain = INT64_MIN;
        uint32_t *cands = malloc(pl->ne * sizeof(*cands));
        size_t nc = 0;

        if (cands == NULL)
            return false;
        for (e = 0; e < pl->cand.n; e++) {
            uint32_t u = (uint32_t)(pl->cand.v[e].key >> 32), v = (uint32_t)pl->cand.v[e].key;
            uint32_t other = u == x ? v : v == x ? u : NONE;
            if (other != NONE && group_of[other] != NONE && g[group_of[other]].size == 2 &&
                !above_min_trios(pl, other, min_trios))
                cands[nc++] = other;
        }
        for (e = 0; e < nc; e++)
            for (f = e + 1; f < nc; f++) {
                uint32_t a = cands[e], b = cands[f], ga = group_of[a], gb = group_of[b];
                uint32_t pa, pb;
                int64_t gain;

                if (ga == gb)
                    continue;
                pa = g[ga].m[0] == a ? g[ga].m[1] : g[ga].m[0];
                pb = g[gb].m[0] == b ? g[gb].m[1] : g[gb].m[0];
                if (!pos_allowed(pl, a, b) || !pos_allowed(pl, pa, pb) ||
                    !ct_pairing_trio_hours(pl->c, pl->elig[a], pl->elig[b], pl->elig[x]))
                    continue;
                gain = pos_weight(pl, x, a) + pos_weight(pl, x, b) + pos_weight(pl, a, b) +
                       pos_weight(pl, pa, pb) - pos_weight(pl, a, pa) - pos_weight(pl, b, pb);
                if (gain > bgain) {
                    bgain = gain;
                    ba = e;
                    bb = f;
                }
            }
        if (ba != SIZE_MAX) {
            uint32_t a = cands[ba], b = cands[bb], ga = group_of[a], gb = group_of[b];
            uint32_t pa = g[ga].m[0] == a ? g[ga].m[1] : g[ga].m[0];
            uint32_t pb = g[gb].m[0] == b ? g[gb].m[1] : g[gb].m[0];

            g[ga].m[0] = x;
            g[ga].m[1] = a;
            g[ga].m[2] = b;
            g[ga].size = 3;
            g[gb].m[0] = pa;
            g[gb].m[1] = pb;
            g[gb].size = 2;
            group_of[x] = group_of[a] = group_of[b] = ga;
            group_of[pa] = group_of[pb] = gb;
            free(cands);
            return true;
        }
        free(cands);
    }
    if (best == SIZE_MAX)
        return false;
    g[best].m[2] = x;
    g[best].size = 3;
    group_of[x] = (uint32_t)best;
    return true;
}

/*
 * Improvement for rounds too large to price every pair: for each pair, try
 * swapping partners with a few random other pairs (2-opt), keeping a swap
 * only if it raises the total and breaks no hard rule.
 */
static void
improve(struct plan *pl, struct group_build *g, size_t ng, uint32_t *group_of)
{
    struct ct_rng rng;
    size_t i, tries;
    int64_t *gw; /* each pair's weight, kept up to date across swaps */

    if (ng < 2 || (gw = malloc(ng * sizeof(*gw))) == NULL)
        return;
    for (i = 0; i < ng; i++)
        gw[i] = g[i].size == 2 ? pos_weight(pl, g[i].m[0], g[i].m[1]) : 0;
    ct_rng_seed(&rng, pl->c->p.seed ^ SALT_IMPROVE);
    for (i = 0; i < ng; i++) {
        if (g[i].size != 2)
            continue;
        for (tries = 0; tries < 4; tries++) {
            size_t j = (size_t)ct_rng_below(&rng, ng);
            uint32_t a = g[i].m[0], b = g[i].m[1], x, y;
            int64_t now, alt1 = INT64_MIN, alt2 = INT64_MIN, ax = 0, by = 0, ay = 0, bx = 0;

            if (j == i || g[j].size != 2)
                continue;
            x = g[j].m[0];
            y = g[j].m[1];
            now = gw[i] + gw[j];
            /* The bounds rule out most swaps before anything is scored. */
            if (bound_weight(pl, a, x) + bound_weight(pl, b, y) > now && pos_allowed(pl, a, x) &&
                pos_allowed(pl, b, y)) {
                ax = pos_weight(pl, a, x);
                by = pos_weight(pl, b, y);
                alt1 = ax + by;
            }
            if (bound_weight(pl, a, y) + bound_weight(pl, b, x) > now && pos_allowed(pl, a, y) &&
                pos_allowed(pl, b, x)) {
                ay = pos_weight(pl, a, y);
                bx = pos_weight(pl, b, x);
                alt2 = ay + bx;
            }
            if (alt1 > now && alt1 >= alt2) {
                g[i].m[1] = x;
                g[j].m[0] = b;
                group_of[x] = (uint32_t)i;
                group_of[b] = (uint32_t)j;
                gw[i] = ax;
                gw[j] = by;
                pl->stats.improvements++;
            } else if (alt2 > now) {
                g[i].m[1] = y;
                g[j].m[1] = b;
                group_of[y] = (uint32_t)i;
                group_of[b] = (uint32_t)j;
                gw[i] = ay;
                gw[j] = bx;
                pl->stats.improvements++;
            }
        }
    }
    free(gw);
}

/* ---- reasons -------------------------------------------------------------- */

static char *
member_label(const struct ct_pairing_ctx *c, uint32_t m)
{
    const struct ct_pairing_member *mm = &c->in->members[m];

    if (mm->label && *mm->label)
        return ct_strdup(mm->label);
    return ct_asprintf("member #%lld", (long long)mm->id);
}

struct reasons {
    char **v;
    size_t n, cap;
    bool failed;
};

static void
reason_add(struct reasons *r, char *s)
{
    if (s == NULL) {
        r->failed = true;
        return;
    }
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 8;
        char **nv = realloc(r->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            free(s);
            r->failed = true;
            return;
        }
        r->v = nv;
        r->cap = ncap;
    }
    r->v[r->n++] = s;
}

/* What the reasons of one pair are written from. */
struct pair_words {
    const struct ct_pairing_ctx *c;
    uint32_t a, b;
    const struct ct_pairing_member *ma, *mb;
    const char *la, *lb; /* the members' labels */
    const char *pre;     /* "A & B: " in a trio, else "" */
};

/* "different team" for a term that rewards a difference across a boundary. */
static void
reasons_boundary(const struct pair_words *pw, double w, uint32_t x, uint32_t y, enum ct_weight t,
                 struct reasons *r)
{
    if (w != 0 && differ_known(x, y))
        reason_add(r, ct_asprintf("%sdifferent %s", pw->pre, ct_weights[t].label));
}

static void
reasons_organisation(const struct pair_words *pw, double w, struct reasons *r)
{
    reasons_boundary(pw, w, pw->ma->organisation, pw->mb->organisation, CT_W_ORGANISATION, r);
}

static void
reasons_team(const struct pair_words *pw, double w, struct reasons *r)
{
    reasons_boundary(pw, w, pw->ma->team, pw->mb->team, CT_W_TEAM, r);
}

static void
reasons_site(const struct pair_words *pw, double w, struct reasons *r)
{
    reasons_boundary(pw, w, pw->ma->site, pw->mb->site, CT_W_SITE, r);
}

static void
reasons_role(const struct pair_words *pw, double w, struct reasons *r)
{
    reasons_boundary(pw, w, pw->ma->role, pw->mb->role, CT_W_ROLE, r);
}

static void
reasons_weak_tie(const struct pair_words *pw, double w, struct reasons *r)
{
    const struct ct_pairing_ctx *c = pw->c;
    size_t shared;

    if (w == 0 ||
        (ct_tiegraph_degree(c->graph, pw->a) == 0 && ct_tiegraph_degree(c->graph, pw->b) == 0))
        return;
    shared = ct_tiegraph_shared(c->graph, pw->a, pw->b);
    if (shared == 0)
        reason_add(r, ct_asprintf("%sno shared contacts", pw->pre));
    else
        reason_add(r,
                   ct_asprintf("%s%zu shared contact%s", pw->pre, shared, shared == 1 ? "" : "s"));
}

static void
reasons_bridge(const struct pair_words *pw, double w, struct reasons *r)
{
    if (w != 0 && bridges(pw->c, pw->a, pw->b))
        reason_add(r, ct_asprintf("%sbridges two communities", pw->pre));
}

static void
reasons_novelty(const struct pair_words *pw, double w, struct reasons *r)
{
    const struct ct_pairing_ctx *c = pw->c;
    uint32_t who[2] = {pw->a, pw->b}, other[2] = {pw->b, pw->a};
    const char *lab[2] = {pw->la, pw->lb};
    int s;

    if (w == 0)
        return;
    for (s = 0; s < 2; s++) {
        const struct ct_pairing_member *mu = &c->in->members[who[s]];
        const struct ct_pairing_member *mv = &c->in->members[other[s]];
        if (differ_known(mu->organisation, mv->organisation) &&
            !has_met(&c->met_org, who[s], mv->organisation))
            reason_add(r, ct_asprintf("%snew organisation for %s", pw->pre, lab[s]));
        else if (differ_known(mu->role, mv->role) && !has_met(&c->met_role, who[s], mv->role))
            reason_add(r, ct_asprintf("%snew role for %s", pw->pre, lab[s]));
    }
}

/* "your roles coordinate weakly: 2.1 of 5 in the March survey", for a weak link. */
static void
reasons_coordination(const struct pair_words *pw, double w, struct reasons *r)
{
    const struct ct_pairing_input *in = pw->c->in;
    double s = coordination_of(in, pw->ma->role, pw->mb->role);
    const char *wave = in->coordination_wave ? in->coordination_wave : "";

    if (w != 0 && s > 0 && s < CT_RC_WEAK)
        reason_add(r, ct_asprintf("%syour roles coordinate weakly: %.1f of 5 in the %s%ssurvey",
                                  pw->pre, s, wave, *wave ? " " : ""));
}

/* Whatever the weight: when (or whether) the two last met. */
static void
reasons_repeat(const struct pair_words *pw, double w, struct reasons *r)
{
    const struct pair_slot *slot = pair_find(pw->c, pw->a, pw->b);

    (void)w;
    if (slot == NULL || !(slot->flags & PF_MET))
        reason_add(r, ct_asprintf("%sfirst meeting", pw->pre));
    else
        reason_add(r, ct_asprintf("%slast met %u round%s ago", pw->pre, slot->last_ago,
                                  slot->last_ago == 1 ? "" : "s"));
}

/* For a term with no words of its own (random). */
static void
reasons_none(const struct pair_words *pw, double w, struct reasons *r)
{
    (void)pw;
    (void)w;
    (void)r;
}

static void
reasons_random(const struct pair_words *pw, double w, struct reasons *r)
{
    reasons_none(pw, w, r);
}

typedef void reasons_fn(const struct pair_words *pw, double w, struct reasons *r);

#define REASONS_TERM(ID, name, ...) [CT_W_##ID] = reasons_##name,
static reasons_fn *const term_reasons[CT_WEIGHT_COUNT] = {CT_WEIGHT_LIST(REASONS_TERM)};
#undef REASONS_TERM

/* The reasons for one pair, prefixed with "A & B: " in a trio, in reason_order. */
static void
pair_reasons(const struct ct_pairing_ctx *c, uint32_t a, uint32_t b, bool prefix, struct reasons *r)
{
    struct pair_words pw = {c, a, b, &c->in->members[a], &c->in->members[b], NULL, NULL, NULL};
    char *la = member_label(c, a), *lb = member_label(c, b), *pre;
    unsigned order;
    size_t t;

    pre = prefix ? ct_asprintf("%s & %s: ", la ? la : "?", lb ? lb : "?") : ct_strdup("");
    if (!la || !lb || !pre) {
        r->failed = true;
        goto done;
    }
    pw.la = la;
    pw.lb = lb;
    pw.pre = pre;
    for (order = 0; order < CT_WEIGHT_COUNT; order++)
        for (t = 0; t < CT_WEIGHT_COUNT; t++)
            if (ct_weights[t].reason_order == order)
                term_reasons[t](&pw, c->p.weight[t], r);
done:
    free(la);
    free(lb);
    free(pre);
}

static const char *
rule_phrase(enum ct_pairing_rule r, size_t n)
{
    switch (r) {
    case CT_RULE_REPEAT: return "already met";
    case CT_RULE_TIE: return n == 1 ? "close colleague (ties)" : "close colleagues (ties)";
    case CT_RULE_EXCLUDED: return "excluded";
    case CT_RULE_SAME_ORGANISATION: return "in the same organisation (require_different)";
    case CT_RULE_SAME_TEAM: return "in the same team (require_different)";
    case CT_RULE_SAME_SITE: return "at the same site (require_different)";
    case CT_RULE_SAME_ROLE: return "in the same role (require_different)";
    case CT_RULE_HOURS: return "without common working hours";
    default: return "not allowed";
    }
}

/* Why eligible member u could not be grouped: OUT *rule, returns the text. */
static char *
starvation(struct plan *pl, uint32_t u, bool busy_possible, enum ct_pairing_rule *rule)
{
    size_t counts[CT_RULE_COUNT] = {0}, i, others = pl->ne - 1, allowed;
    enum ct_pairing_rule r, top = CT_RULE_NONE;
    struct ct_buf b;

    for (i = 0; i < pl->ne; i++)
        if (pl->elig[i] != u)
            counts[ct_pairing_allowed(pl->c, u, pl->elig[i])]++;
    allowed = counts[CT_RULE_NONE];
    for (r = CT_RULE_EXCLUDED; r < CT_RULE_COUNT; r++)
        if (counts[r] > 0 && (top == CT_RULE_NONE || counts[r] > counts[top]))
            top = r;
    *rule = top;
    if (others == 0)
        return ct_strdup("no other member is eligible this round");
    if (allowed == 0 && top != CT_RULE_NONE && counts[top] == others) {
        switch (top) {
        case CT_RULE_REPEAT:
            return others == 1 ? ct_strdup("the only possible partner already met")
                               : ct_asprintf("all %zu possible partners already met", others);
        case CT_RULE_HOURS:
            return ct_asprintf("no working hours in common with any of the %zu possible "
                               "partner%s",
                               others, others == 1 ? "" : "s");
        default:
            return ct_asprintf("%s %zu possible partner%s %s %s", others == 1 ? "the" : "all",
                               others, others == 1 ? "" : "s", others == 1 ? "is" : "are",
                               rule_phrase(top, others));
        }
    }
    ct_buf_init(&b);
    if (allowed == 0)
        ct_buf_printf(&b, "no eligible partner among %zu: ", others);
    else if (busy_possible)
        ct_buf_printf(&b,
                      "only %zu possible partner%s, all grouped with others (the rest: ", allowed,
                      allowed == 1 ? "" : "s");
    else
        ct_buf_printf(&b, "odd number of members and no group can take a third (the rest: ");
    {
        bool first = true;
        for (r = CT_RULE_EXCLUDED; r < CT_RULE_COUNT; r++) {
            if (counts[r] == 0)
                continue;
            ct_buf_printf(&b, "%s%zu %s", first ? "" : ", ", counts[r], rule_phrase(r, counts[r]));
            first = false;
        }
        if (first)
            ct_buf_puts(&b, "none");
    }
    if (allowed > 0)
        ct_buf_putc(&b, ')');
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}

/* ---- the plan ------------------------------------------------------------- */

static void
plan_free(struct plan *pl)
{
    free(pl->bcache);
    free(pl->block);
    free(pl->row);
    free(pl->elig);
    free(pl->pos);
    free(pl->full);
    free(pl->cand.v);
    free(pl->all.v);
    free(pl->vmap);
    free(pl->vof);
    free(pl->no_dummy);
    free(pl->mate);
}

void
ct_pairing_result_free(struct ct_pairing_result *r)
{
    size_t i, j;

    if (r == NULL)
        return;
    for (i = 0; i < r->group_count; i++) {
        for (j = 0; j < r->groups[i].reason_count; j++)
            free(r->groups[i].reasons[j]);
        free(r->groups[i].reasons);
    }
    for (i = 0; i < r->unpaired_count; i++)
        free(r->unpaired[i].reason);
    free(r->groups);
    free(r->unpaired);
    free(r);
}

static int
cmp_groups(const void *x, const void *y)
{
    const struct ct_pairing_group *a = x, *b = y;

    return (a->members[0] > b->members[0]) - (a->members[0] < b->members[0]);
}

static void
sort3(uint32_t *v, unsigned n)
{
    unsigned i, j;

    for (i = 1; i < n; i++)
        for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* Every eligible member exactly once, every group within the hard rules. */
static enum ct_status
validate(const struct ct_pairing_ctx *c, const struct plan *pl, const struct ct_pairing_result *r,
         struct ct_error *err)
{
    uint8_t *seen = calloc(c->n ? c->n : 1, 1);
    size_t i;
    unsigned a, b;
    enum ct_status st = CT_OK;

    if (seen == NULL)
        return ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
    for (i = 0; i < r->group_count && st == CT_OK; i++) {
        const struct ct_pairing_group *g = &r->groups[i];
        if (g->size < 2 || g->size > CT_GROUP_MAX || (g->size > 3 && c->p.group_size < 3))
            st = ct_error_set(err, CT_EINTERNAL, "pairing: a group of %u", g->size);
        for (a = 0; a < g->size && st == CT_OK; a++) {
            uint32_t x = g->members[a];
            if (x >= c->n || pl->pos[x] == NONE || seen[x]++)
                st = ct_error_set(err, CT_EINTERNAL,
                                  "pairing: member %u placed twice or not eligible", x);
            for (b = a + 1; b < g->size && st == CT_OK; b++) {
                enum ct_pairing_rule rule = ct_pairing_allowed(c, x, g->members[b]);
                if (rule != CT_RULE_NONE)
                    st = ct_error_set(err, CT_EINTERNAL,
                                      "pairing: group breaks the %s rule (internal error)",
                                      rule_str(rule));
            }
        }
        if (st == CT_OK && g->size >= 3 && !ct_pairing_group_hours(c, g->members, g->size))
            st = ct_error_set(err, CT_EINTERNAL, "pairing: group without common working hours");
    }
    for (i = 0; i < r->unpaired_count && st == CT_OK; i++) {
        uint32_t x = r->unpaired[i].member;
        if (x >= c->n || pl->pos[x] == NONE || seen[x]++)
            st = ct_error_set(err, CT_EINTERNAL, "pairing: unpaired member %u listed twice", x);
    }
    for (i = 0; i < pl->ne && st == CT_OK; i++)
        if (!seen[pl->elig[i]])
            st = ct_error_set(err, CT_EINTERNAL, "pairing: eligible member %u left out",
                              pl->elig[i]);
    free(seen);
    return st;
}

/* The groups being built: positions, and each position's group or NONE. */
struct grouping {
    struct group_build *g;
    size_t ng;
    uint32_t *group_of;
    int min_trios; /* fewest trios any eligible member has been in */
};

/* Who is eligible, and what the bound needs of each: pl->elig, pos, row. */
static bool
plan_positions(struct plan *pl, struct ct_pairing_ctx *c)
{
    const struct ct_pairing_member *m = c->in->members;
    size_t i;

    memset(pl, 0, sizeof(*pl));
    pl->c = c;
    pl->elig = malloc((c->n + 1) * sizeof(*pl->elig));
    pl->pos = malloc((c->n + 1) * sizeof(*pl->pos));
    if (!pl->elig || !pl->pos)
        return false;
    for (i = 0; i < c->n; i++) {
        pl->pos[i] = NONE;
        if (ct_pairing_member_eligible(&m[i], c->in->today)) {
            pl->pos[i] = (uint32_t)pl->ne;
            pl->elig[pl->ne++] = (uint32_t)i;
        }
    }
    pl->stats.eligible = pl->ne;
    pl->full = calloc(pl->ne + 1, 1);
    pl->vmap = malloc((pl->ne + 1) * sizeof(*pl->vmap));
    pl->vof = malloc((pl->ne + 1) * sizeof(*pl->vof));
    pl->no_dummy = calloc(pl->ne + 1, 1);
    pl->mate = malloc((pl->ne + 1) * sizeof(*pl->mate));
    pl->row = malloc((pl->ne + 1) * sizeof(*pl->row));
    if (!pl->full || !pl->vmap || !pl->vof || !pl->no_dummy || !pl->mate || !pl->row)
        return false;
    for (i = 0; i < pl->ne; i++) {
        const struct ct_pairing_member *mi = &m[pl->elig[i]];
        struct prow *rw = &pl->row[i];
        rw->id = mi->id;
        rw->rho = c->rho[pl->elig[i]];
        rw->met_org = c->met_org.bit ? c->met_org.bit[pl->elig[i]] : 0;
        rw->met_team = c->met_team.bit ? c->met_team.bit[pl->elig[i]] : 0;
        rw->met_role = c->met_role.bit ? c->met_role.bit[pl->elig[i]] : 0;
        rw->met_org_lo = c->met_org.off[pl->elig[i]];
        rw->met_org_hi = c->met_org.off[pl->elig[i] + 1];
        rw->member = pl->elig[i];
        rw->org = mi->organisation;
        rw->team = mi->team;
        rw->site = mi->site;
        rw->role = mi->role;
        rw->comm = c->community[pl->elig[i]];
        rw->contacts = ct_tiegraph_degree(c->graph, pl->elig[i]) > 0;
    }
    return true;
}

/* Small rounds: every allowed pair is an edge. Up to exact_limit: the k
 * best partners of everyone, then pricing. Beyond: samples. */
static bool
plan_candidates(struct plan *pl)
{
    size_t i;

    if (pl->ne <= SMALL_ALL_EDGES) {
        if (!collect_all(pl))
            return false;
        for (i = 0; i < pl->all.n; i++)
            if (!cand_push(&pl->cand, (uint32_t)(pl->all.v[i].key >> 32),
                           (uint32_t)pl->all.v[i].key, pl->all.v[i].w))
                return false;
        return cand_sort_unique(&pl->cand);
    }
    if (pl->ne <= pl->c->p.exact_limit)
        return candidates_full(pl);
    return candidates_sampled(pl);
}

/*
 * The matching, and for an odd count the dummy's partner as a third member
 * or the one who sits out; a dummy partner no group can take is withheld
 * from the dummy and the matching solved again.
 */
static enum ct_status
plan_match(struct plan *pl, struct grouping *gr, struct ct_error *err)
{
    enum ct_status st;
    size_t i;
    int attempt;

    for (attempt = 0;; attempt++) {
        st = match(pl, err);
        if (st != CT_OK)
            return st;
        gr->ng = 0;
        for (i = 0; i < pl->ne; i++)
            gr->group_of[i] = NONE;
        for (i = 0; i < pl->ne; i++) {
            if (pl->mate[i] != NONE && pl->mate[i] > i) {
                gr->g[gr->ng].m[0] = (uint32_t)i;
                gr->g[gr->ng].m[1] = pl->mate[i];
                gr->g[gr->ng].size = 2;
                gr->group_of[i] = gr->group_of[pl->mate[i]] = (uint32_t)gr->ng++;
            }
        }
        if (pl->dummy_partner == NONE || pl->c->p.odd != CT_ODD_TRIO)
            break;
        if (attach_third(pl, gr->g, gr->ng, pl->dummy_partner, true, gr->min_trios, gr->group_of))
            break;
        if (attempt >= 3)
            break; /* left unpaired below, with the reason */
        pl->no_dummy[pl->dummy_partner] = 1;
    }
    if (!pl->stats.optimal)
        improve(pl, gr->g, gr->ng, gr->group_of);
    return CT_OK;
}

/* Whether position i is the one who sits out (odd = sit_out). */
static bool
sits_out(const struct plan *pl, size_t i)
{
    return i == pl->dummy_partner && pl->c->p.odd == CT_ODD_SIT_OUT;
}

/* Two left-over members who may meet make a pair (the retries of
 * plan_match can leave such a pair behind). */
static void
plan_pair_leftovers(struct plan *pl, struct grouping *gr)
{
    size_t i, j;

    for (i = 0; i < pl->ne; i++) {
        if (gr->group_of[i] != NONE || sits_out(pl, i))
            continue;
        for (j = i + 1; j < pl->ne; j++) {
            if (gr->group_of[j] != NONE || sits_out(pl, j) ||
                !pos_allowed(pl, (uint32_t)i, (uint32_t)j))
                continue;
            gr->g[gr->ng].m[0] = (uint32_t)i;
            gr->g[gr->ng].m[1] = (uint32_t)j;
            gr->g[gr->ng].size = 2;
            gr->group_of[i] = gr->group_of[j] = (uint32_t)gr->ng++;
            break;
        }
    }
}

/*
 * Members the matching left out: a third member where the rules allow
 * (odd = trio), else unpaired with the rule that starves them, or the one
 * who sits out. Fills r->unpaired; false when out of memory.
 */
static bool
plan_unpaired(struct plan *pl, struct grouping *gr, struct ct_pairing_result *r)
{
    const struct ct_pairing_params *p = &pl->c->p;
    size_t i, nunp = 0;

    r->unpaired = calloc(pl->ne + 1, sizeof(*r->unpaired));
    if (r->unpaired == NULL)
        return false;
    for (i = 0; i < pl->ne; i++) {
        const struct ct_pairing_member *mx = &pl->c->in->members[pl->elig[i]];
        struct ct_pairing_unpaired *u = &r->unpaired[nunp];
        uint32_t x = (uint32_t)i;

        if (gr->group_of[x] != NONE)
            continue;
        if (sits_out(pl, x)) {
            u->reason = ct_asprintf("sits out this round: odd number of members (odd = sit_out; "
                                    "sat out %d time%s before); first in line next round",
                                    mx->sit_outs, mx->sit_outs == 1 ? "" : "s");
            u->sit_out = true;
            u->rule = CT_RULE_NONE;
        } else if (p->odd == CT_ODD_TRIO && x != pl->dummy_partner &&
                   attach_third(pl, gr->g, gr->ng, x, false, gr->min_trios, gr->group_of)) {
            continue;
        } else {
            u->reason = starvation(pl, pl->elig[x], x != pl->dummy_partner, &u->rule);
        }
        if (u->reason == NULL)
            return false;
        u->member = pl->elig[x];
        r->unpaired_count = ++nunp;
    }
    return true;
}

/* One group as member indices, with its score and reasons; false when out of memory. */
static bool
group_result(const struct plan *pl, const struct group_build *gb, struct ct_pairing_group *og)
{
    const struct ct_pairing_ctx *c = pl->c;
    struct reasons rs = {NULL, 0, 0, false};
    unsigned a, b;
    size_t t;

    og->size = gb->size;
    for (a = 0; a < og->size; a++)
        og->members[a] = pl->elig[gb->m[a]];
    sort3(og->members, og->size);
    for (a = 0; a < og->size; a++)
        for (b = a + 1; b < og->size; b++) {
            struct ct_pairing_score s;
            ct_pairing_score_pair(c, og->members[a], og->members[b], &s);
            for (t = 0; t < CT_WEIGHT_COUNT; t++)
                og->score.term[t] += s.term[t];
            pair_reasons(c, og->members[a], og->members[b], og->size >= 3, &rs);
        }
    og->score.total = score_sum(&og->score);
    og->reasons = rs.v;
    og->reason_count = rs.n;
    return !rs.failed;
}

/* The groups of a plan, their results written by two workers. */
struct groups_job {
    const struct plan *pl;
    const struct grouping *gr;
    struct ct_pairing_result *r;
    bool failed[2];
};

/* Groups [half * ng / 2, (half + 1) * ng / 2): each touches only its own result. */
static void
groups_worker(void *arg, unsigned half)
{
    struct groups_job *j = arg;
    size_t i, ng = j->gr->ng, to = half ? ng : ng / 2;

    for (i = half ? ng / 2 : 0; i < to && !j->failed[half]; i++)
        j->failed[half] = !group_result(j->pl, &j->gr->g[i], &j->r->groups[i]);
}

/* Rounds with fewer groups than this write them on one thread. */
#define PAR_GROUPS 1024

/* The groups as member indices, with scores and reasons, sorted; false
 * when out of memory. */
static bool
plan_groups(const struct plan *pl, const struct grouping *gr, struct ct_pairing_result *r)
{
    struct groups_job job = {pl, gr, r, {false, false}};
    size_t i;

    r->groups = calloc(gr->ng + 1, sizeof(*r->groups));
    if (r->groups == NULL)
        return false;
    if (gr->ng >= PAR_GROUPS) {
        ct_par_run2(groups_worker, &job);
    } else {
        groups_worker(&job, 0);
        groups_worker(&job, 1);
    }
    r->group_count = gr->ng; /* those not reached have no reasons to free */
    if (job.failed[0] || job.failed[1])
        return false;
    /* Added in the groups' order, as one thread would. */
    for (i = 0; i < gr->ng; i++)
        r->total += r->groups[i].score.total;
    qsort(r->groups, r->group_count, sizeof(*r->groups), cmp_groups);
    return true;
}

/* ---- groups of 3 or 4 ([pairing] group_size; the algorithm is grouping.c) ---- */

const struct ct_pairing_input *
ct_pairing_ctx_input(const struct ct_pairing_ctx *c)
{
    return c->in;
}

const struct ct_pairing_params *
ct_pairing_ctx_params(const struct ct_pairing_ctx *c)
{
    return &c->p;
}

double
ct_pairing_place(const struct ct_pairing_ctx *c, uint32_t member)
{
    return c->rho[member];
}

bool
ct_pairing_group_hours(const struct ct_pairing_ctx *c, const uint32_t *m, size_t n)
{
    const struct ct_pairing_zone *z = c->in->zones;
    uint32_t zs[CT_GROUP_MAX];
    struct ct_interval *acc, *tmp;
    size_t i, j, nz = 0, cap = 1, na;
    bool ok;

    if (c->nz == 0)
        return true;
    for (i = 0; i < n && i < CT_GROUP_MAX; i++) {
        uint32_t zi = c->in->members[m[i]].zone;
        for (j = 0; j < nz && zs[j] != zi; j++)
            ;
        if (j == nz)
            zs[nz++] = zi;
    }
    for (i = 0; i < nz; i++)
        for (j = i + 1; j < nz; j++)
            if (!c->zone_ok[zs[i] * c->nz + zs[j]])
                return false;
    if (nz <= 2)
        return true; /* two zones only: the pair table answered */
    for (i = 0; i < nz; i++)
        cap += z[zs[i]].count;
    acc = malloc(cap * sizeof(*acc));
    tmp = malloc(cap * sizeof(*tmp));
    ok = acc != NULL && tmp != NULL; /* out of memory: refuse rather than guess */
    if (ok) {
        na = ct_intervals_intersect(z[zs[0]].hours, z[zs[0]].count, z[zs[1]].hours, z[zs[1]].count,
                                    acc);
        for (i = 2; i < nz; i++) {
            size_t nt = ct_intervals_intersect(acc, na, z[zs[i]].hours, z[zs[i]].count, tmp);
            memcpy(acc, tmp, nt * sizeof(*acc));
            na = nt;
        }
        ok = ct_intervals_longest(acc, na) >= c->p.duration;
    }
    free(acc);
    free(tmp);
    return ok;
}

/*
 * group_size 3 or 4: the matching's pairs (and trios) become groups of that
 * size through grouping.c; members it cannot place join the unpaired.
 */
static enum ct_status
plan_regroup(struct plan *pl, struct grouping *gr, struct ct_pairing_result *r,
             struct ct_error *err)
{
    struct ct_grouping_group *g = calloc(gr->ng + r->unpaired_count + 1, sizeof(*g));
    uint32_t *left = malloc((2 * pl->ne + 1) * sizeof(*left));
    size_t i, j, ng = gr->ng, nleft = 0, nsat = 0;
    enum ct_status st = CT_OK;

    if (g == NULL || left == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
        goto done;
    }
    for (i = 0; i < ng; i++) {
        g[i].size = gr->g[i].size;
        for (j = 0; j < g[i].size; j++)
            g[i].m[j] = pl->elig[gr->g[i].m[j]];
    }
    /* The pairs' sit-out joins the pool: the groups decide who sits out. */
    for (i = j = 0; i < r->unpaired_count; i++) {
        if (r->unpaired[i].sit_out) {
            g[ng].size = 1;
            g[ng++].m[0] = r->unpaired[i].member;
            free(r->unpaired[i].reason);
        } else {
            r->unpaired[j++] = r->unpaired[i];
        }
    }
    r->unpaired_count = j;
    st = ct_grouping_form(pl->c, g, &ng, left, &nleft, left + pl->ne, &nsat, err);
    if (st != CT_OK)
        goto done;
    for (i = 0; i < pl->ne; i++)
        gr->group_of[i] = NONE;
    for (i = 0; i < ng; i++) {
        gr->g[i].size = g[i].size;
        for (j = 0; j < g[i].size; j++) {
            gr->g[i].m[j] = pl->pos[g[i].m[j]];
            gr->group_of[gr->g[i].m[j]] = (uint32_t)i;
        }
    }
    gr->ng = ng;
    for (i = 0; i < nleft + nsat; i++) {
        struct ct_pairing_unpaired *u = &r->unpaired[r->unpaired_count];
        uint32_t x = i < nleft ? left[i] : left[pl->ne + i - nleft]; /* sat[] follows */
        const struct ct_pairing_member *m = &pl->c->in->members[x];
        u->member = x;
        u->rule = CT_RULE_NONE;
        u->sit_out = i >= nleft;
        u->reason =
            u->sit_out
                ? ct_asprintf("sits out this round: the members left over from groups of %u "
                              "(odd = sit_out; sat out %d time%s before); first in line next round",
                              pl->c->p.group_size, m->sit_outs, m->sit_outs == 1 ? "" : "s")
                : ct_asprintf("no group of %u could take them within the rules",
                              pl->c->p.group_size);
        if (u->reason == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
            goto done;
        }
        r->unpaired_count++;
    }
done:
    free(g);
    free(left);
    return st;
}

enum ct_status
ct_pairing_plan(struct ct_pairing_ctx *c, struct ct_pairing_result **out, struct ct_error *err)
{
    struct plan pl;
    struct grouping gr = {NULL, 0, NULL, INT32_MAX};
    struct ct_pairing_result *r = NULL;
    enum ct_status st = CT_OK;
    size_t i;

    *out = NULL;
    if (!plan_positions(&pl, c))
        goto nomem;
    gr.g = calloc(pl.ne / 2 + 2, sizeof(*gr.g));
    gr.group_of = malloc((pl.ne + 1) * sizeof(*gr.group_of));
    r = calloc(1, sizeof(*r));
    if (!gr.g || !gr.group_of || !r || !plan_candidates(&pl))
        goto nomem;
    for (i = 0; i < pl.ne; i++)
        if (c->in->members[pl.elig[i]].trios < gr.min_trios)
            gr.min_trios = c->in->members[pl.elig[i]].trios;
    st = plan_match(&pl, &gr, err);
    if (st != CT_OK)
        goto fail;
    plan_pair_leftovers(&pl, &gr);
    if (!plan_unpaired(&pl, &gr, r))
        goto nomem;
    if (c->p.group_size > 2 && (st = plan_regroup(&pl, &gr, r, err)) != CT_OK)
        goto fail;
    if (!plan_groups(&pl, &gr, r))
        goto nomem;
    r->stats = pl.stats;
    st = validate(c, &pl, r, err);
    if (st != CT_OK)
        goto fail;
    *out = r;
    r = NULL;
    goto done;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "pairing: out of memory");
fail:
    ct_pairing_result_free(r);
done:
    plan_free(&pl);
    free(gr.g);
    free(gr.group_of);
    return st;
}

enum ct_status
ct_pairing_run(const struct ct_pairing_input *in, const struct ct_pairing_params *params,
               struct ct_pairing_result **out, struct ct_error *err)
{
    struct ct_pairing_ctx *c;
    enum ct_status st;

    *out = NULL;
    st = ct_pairing_ctx_new(in, params, &c, err);
    if (st != CT_OK)
        return st;
    st = ct_pairing_plan(c, out, err);
    ct_pairing_ctx_free(c);
    return st;
}
