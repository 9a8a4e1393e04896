/*
 * rounds_engine.c: the adapter between the rounds module and the pairing
 * engine (lib/pairing.h): the store's snapshot in, groups with their score
 * by rule and reasons out, and the unpaired with the rule that starves
 * them. The one file of the module that knows the engine's types.
 */
#include <stdlib.h>
#include <string.h>

#include "pairing.h"
#include "rounds_snapshot.h"

void
rounds_outcome_clear(struct rounds_outcome *out)
{
    size_t i, j;

    for (i = 0; i < out->group_count; i++) {
        for (j = 0; j < out->groups[i].reason_count; j++)
            free(out->groups[i].reasons[j]);
        free(out->groups[i].reasons);
    }
    free(out->groups);
    for (i = 0; i < out->unpaired_count; i++)
        free(out->unpaired[i].reason);
    free(out->unpaired);
    memset(out, 0, sizeof(*out));
}

/* The engine's score terms: ct_rounds_term_name() names them in the same
 * order, that of weights.h. */
static void
copy_terms(const struct ct_pairing_score *s, double *terms)
{
    size_t i;

    for (i = 0; i < CT_ROUND_TERMS; i++)
        terms[i] = s->term[i];
}

/* The engine's input, borrowing from the snapshot; freed by input_free. */
struct engine_input {
    struct ct_pairing_input in;
    struct ct_pairing_member *members;
    struct ct_pairing_pair *ties;
    struct ct_pairing_pair *exclusions;
    struct ct_pairing_meeting *history;
    struct ct_pairing_zone *zones;
};

static void
input_free(struct engine_input *e)
{
    free(e->members);
    free(e->ties);
    free(e->exclusions);
    free(e->history);
    free(e->zones);
}

/* Past groups of a size other than k (group_size > 2): who had a turn. */
static int
off_size(const struct rounds_member *m, int k)
{
    int s, n = 0;

    for (s = 2; s <= CT_GROUP_MAX; s++)
        n += s != k ? m->by_size[s] : 0;
    return n;
}

static bool
input_build(const struct rounds_snapshot *snap, int group_size, struct engine_input *e)
{
    size_t i;

    memset(e, 0, sizeof(*e));
    e->members = calloc(snap->count + 1, sizeof(*e->members));
    e->ties = calloc(snap->tie_count + 1, sizeof(*e->ties));
    e->exclusions = calloc(snap->exclusion_count + 1, sizeof(*e->exclusions));
    e->history = calloc(snap->history_count + 1, sizeof(*e->history));
    e->zones = calloc(snap->zone_count + 1, sizeof(*e->zones));
    if (!e->members || !e->ties || !e->exclusions || !e->history || !e->zones)
        return false;
    for (i = 0; i < snap->count; i++) {
        const struct rounds_member *m = &snap->members[i];
        struct ct_pairing_member *p = &e->members[i];

        p->id = m->member.id;
        /* Reasons name members: by name, which the organiser reads. */
        p->label = m->member.name && *m->member.name ? m->member.name : m->member.email;
        p->organisation = m->organisation_id;
        p->team = m->team_id;
        p->site = m->site_id;
        p->role = m->role_id;
        p->zone = m->zone;
        /* A member skipping this round is as good as absent from it. */
        p->active =
            (m->member.status == CT_MEMBER_ACTIVE || m->member.status == CT_MEMBER_PAUSED) &&
            !m->skipping;
        p->paused = m->member.status == CT_MEMBER_PAUSED;
        p->paused_until = m->paused_day;
        p->frequency = (int)m->member.frequency;
        p->rounds_since_grouped = m->rounds_since_grouped;
        p->trios = m->trios;
        p->off_size = off_size(m, group_size);
        p->sit_outs = m->sit_outs;
        p->rounds_since_sit_out = m->rounds_since_sit_out;
    }
    for (i = 0; i < snap->tie_count; i++) {
        e->ties[i].a = snap->ties[i].a;
        e->ties[i].b = snap->ties[i].b;
    }
    for (i = 0; i < snap->exclusion_count; i++) {
        e->exclusions[i].a = snap->exclusions[i].a;
        e->exclusions[i].b = snap->exclusions[i].b;
    }
    for (i = 0; i < snap->history_count; i++) {
        e->history[i].a = snap->history[i].a;
        e->history[i].b = snap->history[i].b;
        e->history[i].rounds_ago = snap->history[i].rounds_ago;
    }
    for (i = 0; i < snap->zone_count; i++) {
        e->zones[i].hours = snap->zones[i].hours;
        e->zones[i].count = snap->zones[i].count;
    }
    e->in.members = e->members;
    e->in.member_count = snap->count;
    e->in.ties = e->ties;
    e->in.tie_count = snap->tie_count;
    e->in.exclusions = e->exclusions;
    e->in.exclusion_count = snap->exclusion_count;
    e->in.history = e->history;
    e->in.history_count = snap->history_count;
    e->in.zones = e->zones;
    e->in.zone_count = snap->zone_count;
    e->in.today = snap->day;
    e->in.coordination = snap->coordination;
    e->in.coordination_roles = snap->coordination_roles;
    e->in.coordination_wave = snap->coordination_wave;
    return true;
}

enum ct_status
rounds_engine_run(const struct rounds_snapshot *snap, const struct ct_config *cfg, uint64_t seed,
                  struct rounds_outcome *out, struct ct_error *err)
{
    return rounds_engine_plan(snap, cfg, seed, false, out, err);
}

enum ct_status
rounds_engine_plan(const struct rounds_snapshot *snap, const struct ct_config *cfg, uint64_t seed,
                   bool exact, struct rounds_outcome *out, struct ct_error *err)
{
    struct ct_pairing_result *res = NULL;
    struct ct_pairing_params params;
    struct engine_input e;
    enum ct_status st;
    size_t i, j;

    memset(out, 0, sizeof(*out));
    if (!input_build(snap, cfg->pairing.group_size, &e)) {
        input_free(&e);
        return rounds_nomem(err);
    }
    ct_pairing_params_from_config(&params, cfg, seed);
    params.exact = exact;
    st = ct_pairing_run(&e.in, &params, &res, err);
    input_free(&e);
    if (st != CT_OK)
        return ct_error_prefix(err, "pairing");

    out->eligible = res->stats.eligible;
    out->optimal = res->stats.optimal;
    out->groups = calloc(res->group_count + 1, sizeof(*out->groups));
    out->unpaired = calloc(res->unpaired_count + 1, sizeof(*out->unpaired));
    if (out->groups == NULL || out->unpaired == NULL) {
        ct_pairing_result_free(res);
        rounds_outcome_clear(out);
        return rounds_nomem(err);
    }
    /* The strings change hands: the engine's result gives up its reasons. */
    for (i = 0; i < res->group_count; i++) {
        struct ct_pairing_group *pg = &res->groups[i];
        struct rounds_outcome_group *g = &out->groups[i];

        for (j = 0; j < CT_GROUP_MAX; j++)
            g->members[j] = pg->members[j];
        g->size = pg->size;
        g->total = pg->score.total;
        copy_terms(&pg->score, g->terms);
        g->reasons = pg->reasons;
        g->reason_count = pg->reason_count;
        pg->reasons = NULL;
        pg->reason_count = 0;
    }
    out->group_count = res->group_count;
    for (i = 0; i < res->unpaired_count; i++) {
        out->unpaired[i].member = res->unpaired[i].member;
        out->unpaired[i].sit_out = res->unpaired[i].sit_out;
        out->unpaired[i].reason = res->unpaired[i].reason;
        res->unpaired[i].reason = NULL;
    }
    out->unpaired_count = res->unpaired_count;
    ct_pairing_result_free(res);
    return CT_OK;
}
