/*
 * rounds_engine.c: the adapter between the rounds module and the pairing
 * engine: the store's snapshot in, groups with scores and reasons out.
 *
 * STAND-IN: until the engine (lib/pairing.h) is merged, this file holds a
 * small greedy pairing with the same hard rules, so that the rest of the
 * module (store, slots, invitations, CLI, daemon) can be built and tested.
 * It is replaced by the call into the engine when that lands.
 */
#include <stdlib.h>
#include <string.h>

#include "rounds_impl.h"
#include "worktime.h"

static uint64_t
mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static bool
eligible(const struct rounds_member *m, int32_t day)
{
    if (m->status != 'a' && m->status != 'p')
        return false;
    if (m->status == 'p' && !(m->paused_until > 0 && m->paused_until <= day))
        return false;
    return m->rounds_since_grouped == 0 || m->rounds_since_grouped >= m->frequency;
}

static bool
pair_listed(const struct rounds_pair *v, size_t n, uint32_t a, uint32_t b)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((v[i].a == a && v[i].b == b) || (v[i].a == b && v[i].b == a))
            return true;
    return false;
}

static bool
met(const struct rounds_snapshot *s, const struct ct_config *cfg, uint32_t a, uint32_t b)
{
    size_t i;

    for (i = 0; i < s->history_count; i++) {
        const struct rounds_meeting *h = &s->history[i];
        if ((h->a == a && h->b == b) || (h->a == b && h->b == a))
            if (cfg->pairing.avoid_repeats == 0 || (int)h->rounds_ago <= cfg->pairing.avoid_repeats)
                return true;
    }
    return false;
}

static bool
hours_overlap(const struct rounds_snapshot *s, const struct ct_config *cfg, uint32_t a, uint32_t b)
{
    const struct rounds_zone *za = &s->zones[s->members[a].zone];
    const struct rounds_zone *zb = &s->zones[s->members[b].zone];
    struct ct_interval *both;
    size_t n;
    int64_t longest;

    if (za == zb)
        return ct_intervals_longest(za->hours, za->count) >= cfg->schedule.duration;
    both = calloc(za->count + zb->count + 1, sizeof(*both));
    if (both == NULL)
        return false;
    n = ct_intervals_intersect(za->hours, za->count, zb->hours, zb->count, both);
    longest = ct_intervals_longest(both, n);
    free(both);
    return longest >= cfg->schedule.duration;
}

static bool
allowed(const struct rounds_snapshot *s, const struct ct_config *cfg, uint32_t a, uint32_t b)
{
    const struct rounds_member *ma = &s->members[a], *mb = &s->members[b];
    unsigned rd = cfg->pairing.require_different;

    if (pair_listed(s->ties, s->tie_count, a, b) ||
        pair_listed(s->exclusions, s->exclusion_count, a, b) || met(s, cfg, a, b))
        return false;
    if (((rd & CT_B_ORGANISATION) && ma->organisation_id == mb->organisation_id) ||
        ((rd & CT_B_TEAM) && ma->team_id == mb->team_id) ||
        ((rd & CT_B_SITE) && ma->site_id == mb->site_id) ||
        ((rd & CT_B_ROLE) && ma->role_id == mb->role_id))
        return false;
    return hours_overlap(s, cfg, a, b);
}

static void
score_pair(const struct rounds_snapshot *s, const struct ct_config *cfg, uint64_t seed, uint32_t a,
           uint32_t b, double *terms)
{
    const struct rounds_member *ma = &s->members[a], *mb = &s->members[b];

    terms[0] += ma->organisation_id != mb->organisation_id ? cfg->pairing.weight_organisation : 0;
    terms[1] += ma->team_id != mb->team_id ? cfg->pairing.weight_team : 0;
    terms[2] += ma->site_id != mb->site_id ? cfg->pairing.weight_site : 0;
    terms[3] += ma->role_id != mb->role_id ? cfg->pairing.weight_role : 0;
    terms[8] += cfg->pairing.randomness *
                (double)(mix64(seed ^ mix64((uint64_t)ma->id * 31 + (uint64_t)mb->id)) >> 11) /
                9007199254740992.0;
}

static bool
add_reason(struct rounds_outcome_group *g, const char *text)
{
    char **v = realloc(g->reasons, (g->reason_count + 1) * sizeof(*v));

    if (v == NULL)
        return false;
    g->reasons = v;
    if ((v[g->reason_count] = strdup(text)) == NULL)
        return false;
    g->reason_count++;
    return true;
}

static bool
finish_group(const struct rounds_snapshot *s, const struct ct_config *cfg, uint64_t seed,
             struct rounds_outcome_group *g)
{
    size_t i, j;

    memset(g->terms, 0, sizeof(g->terms));
    for (i = 0; i < g->size; i++)
        for (j = i + 1; j < g->size; j++)
            score_pair(s, cfg, seed, g->members[i], g->members[j], g->terms);
    g->total = 0;
    for (i = 0; i < CT_ROUND_TERMS; i++)
        g->total += g->terms[i];
    if (g->terms[0] > 0 && !add_reason(g, "different organisation"))
        return false;
    if (g->terms[3] > 0 && !add_reason(g, "different role"))
        return false;
    return add_reason(g, "first meeting");
}

enum ct_status
rounds_engine_run(const struct rounds_snapshot *snap, const struct ct_config *cfg, uint64_t seed,
                  struct rounds_outcome *out, struct ct_error *err)
{
    uint32_t *order = NULL;
    bool *taken = NULL;
    size_t n = 0, i, j;

    memset(out, 0, sizeof(*out));
    order = calloc(snap->count + 1, sizeof(*order));
    taken = calloc(snap->count + 1, sizeof(*taken));
    out->groups = calloc(snap->count / 2 + 1, sizeof(*out->groups));
    out->unpaired = calloc(snap->count + 1, sizeof(*out->unpaired));
    if (!order || !taken || !out->groups || !out->unpaired)
        goto nomem;
    for (i = 0; i < snap->count; i++)
        if (eligible(&snap->members[i], snap->day))
            order[n++] = (uint32_t)i;
    out->eligible = n;
    for (i = n; i > 1; i--) {
        size_t k = mix64(seed ^ i) % i;
        uint32_t t = order[i - 1];
        order[i - 1] = order[k];
        order[k] = t;
    }
    for (i = 0; i < n; i++) {
        if (taken[i])
            continue;
        for (j = i + 1; j < n; j++) {
            if (!taken[j] && allowed(snap, cfg, order[i], order[j]))
                break;
        }
        if (j < n) {
            struct rounds_outcome_group *g = &out->groups[out->group_count++];
            g->members[0] = order[i] < order[j] ? order[i] : order[j];
            g->members[1] = order[i] < order[j] ? order[j] : order[i];
            g->size = 2;
            taken[i] = taken[j] = true;
        }
    }
    for (i = 0; i < n; i++) {
        struct rounds_outcome_group *g;
        if (taken[i])
            continue;
        /* One leftover joins a pair it may meet, as a trio; else unpaired. */
        for (j = 0; j < out->group_count; j++) {
            g = &out->groups[j];
            if (g->size == 2 && allowed(snap, cfg, order[i], g->members[0]) &&
                allowed(snap, cfg, order[i], g->members[1]) && cfg->pairing.odd == CT_ODD_TRIO)
                break;
        }
        if (j < out->group_count && out->group_count > 0) {
            g = &out->groups[j];
            g->members[2] = order[i];
            g->size = 3;
        } else {
            struct rounds_outcome_unpaired *u = &out->unpaired[out->unpaired_count++];
            u->member = order[i];
            u->sit_out = cfg->pairing.odd == CT_ODD_SIT_OUT;
            u->reason = strdup(u->sit_out ? "sits out this round: odd number of members"
                                          : "no eligible partner");
            if (u->reason == NULL)
                goto nomem;
        }
        taken[i] = true;
    }
    for (i = 0; i < out->group_count; i++) {
        struct rounds_outcome_group *g = &out->groups[i];
        if (g->size == 3) {
            uint32_t t;
            if (g->members[2] < g->members[1]) {
                t = g->members[2];
                g->members[2] = g->members[1];
                g->members[1] = t;
            }
            if (g->members[1] < g->members[0]) {
                t = g->members[1];
                g->members[1] = g->members[0];
                g->members[0] = t;
            }
        }
        if (!finish_group(snap, cfg, seed, g))
            goto nomem;
    }
    free(order);
    free(taken);
    return CT_OK;
nomem:
    free(order);
    free(taken);
    rounds_outcome_clear(out);
    return rounds_nomem(err);
}
