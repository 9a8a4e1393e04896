/*
 * test_pairing.c: the pairing engine on small fixed networks, one rule at a
 * time and all together (SPEC.md "Pairing rules"), trio and sit-out
 * rotation, starvation reasons, working hours across time zones, fading
 * repeat penalties, reproducibility, optimality against brute force, and
 * properties over hundreds of seeds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "matching.h"
#include "pairing.h"
#include "rng.h"
#include "worktime.h"

#define MAXM 64

/* A small network built up by the tests. */
struct net {
    struct ct_pairing_member m[MAXM];
    char label[MAXM][16];
    size_t n;
    struct ct_pairing_pair ties[256], excl[256];
    size_t nties, nexcl;
    struct ct_pairing_meeting hist[1024];
    size_t nhist;
    struct ct_pairing_zone zones[4];
    size_t nzones;
    struct ct_pairing_params p;
};

static void
net_init(struct net *net)
{
    memset(net, 0, sizeof(*net));
    ct_pairing_params_defaults(&net->p);
    net->p.seed = 1;
}

/* Add a member of organisation org (other boundaries distinct by default). */
static uint32_t
add(struct net *net, uint32_t org)
{
    uint32_t i = (uint32_t)net->n++;
    struct ct_pairing_member *m = &net->m[i];

    snprintf(net->label[i], sizeof(net->label[i]), "m%u@o%u.org", i, org);
    m->id = 100 + i;
    m->label = net->label[i];
    m->organisation = org;
    m->team = 1000 + i;
    m->site = 2000 + org;
    m->role = 1 + i % 3;
    m->active = true;
    m->frequency = 1;
    return i;
}

/* A fresh network of count members, member i in organisation i + 1. */
static void
net_of_orgs(struct net *net, uint32_t count)
{
    uint32_t i;

    net_init(net);
    for (i = 0; i < count; i++)
        add(net, i + 1);
}

static void
tie(struct net *net, uint32_t a, uint32_t b)
{
    net->ties[net->nties].a = a;
    net->ties[net->nties++].b = b;
}

static void
exclude(struct net *net, uint32_t a, uint32_t b)
{
    net->excl[net->nexcl].a = a;
    net->excl[net->nexcl++].b = b;
}

static void
met(struct net *net, uint32_t a, uint32_t b, uint32_t ago)
{
    net->hist[net->nhist].a = a;
    net->hist[net->nhist].b = b;
    net->hist[net->nhist++].rounds_ago = ago;
}

static void
input(const struct net *net, struct ct_pairing_input *in)
{
    memset(in, 0, sizeof(*in));
    in->members = net->m;
    in->member_count = net->n;
    in->ties = net->ties;
    in->tie_count = net->nties;
    in->exclusions = net->excl;
    in->exclusion_count = net->nexcl;
    in->history = net->hist;
    in->history_count = net->nhist;
    in->zones = net->nzones ? net->zones : NULL;
    in->zone_count = net->nzones;
    in->today = 20500;
}

static struct ct_pairing_result *
plan(const struct net *net)
{
    struct ct_pairing_input in;
    struct ct_pairing_result *r = NULL;
    struct ct_error err;
    enum ct_status st;

    input(net, &in);
    st = ct_pairing_run(&in, &net->p, &r, &err);
    if (st != CT_OK)
        fail_msg("plan: %s: %s", ct_status_str(st), err.message);
    return r;
}

/* The group holding member x, or NULL. */
static const struct ct_pairing_group *
group_of(const struct ct_pairing_result *r, uint32_t x)
{
    size_t i;
    unsigned k;

    for (i = 0; i < r->group_count; i++)
        for (k = 0; k < r->groups[i].size; k++)
            if (r->groups[i].members[k] == x)
                return &r->groups[i];
    return NULL;
}

static bool
together(const struct ct_pairing_result *r, uint32_t a, uint32_t b)
{
    const struct ct_pairing_group *g = group_of(r, a);
    unsigned k;

    if (g == NULL)
        return false;
    for (k = 0; k < g->size; k++)
        if (g->members[k] == b)
            return true;
    return false;
}

static const struct ct_pairing_unpaired *
unpaired(const struct ct_pairing_result *r, uint32_t x)
{
    size_t i;

    for (i = 0; i < r->unpaired_count; i++)
        if (r->unpaired[i].member == x)
            return &r->unpaired[i];
    return NULL;
}

/* Every eligible member exactly once; returns the number placed. */
static size_t
check_partition(const struct net *net, const struct ct_pairing_result *r)
{
    int seen[MAXM] = {0};
    size_t i, placed = 0;
    unsigned k;

    for (i = 0; i < r->group_count; i++) {
        assert_true(r->groups[i].size == 2 || r->groups[i].size == 3);
        for (k = 0; k < r->groups[i].size; k++) {
            assert_true(r->groups[i].members[k] < net->n);
            seen[r->groups[i].members[k]]++;
        }
    }
    for (i = 0; i < r->unpaired_count; i++)
        seen[r->unpaired[i].member]++;
    for (i = 0; i < net->n; i++) {
        bool eligible = ct_pairing_member_eligible(&net->m[i], 20500);
        assert_int_equal(seen[i], eligible ? 1 : 0);
        placed += seen[i];
    }
    return placed;
}

/* ---- eligibility -------------------------------------------------------- */

static void
test_eligibility(void **state)
{
    struct ct_pairing_member m;

    memset(&m, 0, sizeof(m));
    m.active = true;
    m.frequency = 1;
    assert_true(ct_pairing_member_eligible(&m, 100)); /* never grouped */
    m.rounds_since_grouped = 1;
    assert_true(ct_pairing_member_eligible(&m, 100));
    m.frequency = 2; /* bimonthly: every second round */
    assert_false(ct_pairing_member_eligible(&m, 100));
    m.rounds_since_grouped = 2;
    assert_true(ct_pairing_member_eligible(&m, 100));
    m.frequency = 3;
    assert_false(ct_pairing_member_eligible(&m, 100));
    m.rounds_since_grouped = 3;
    assert_true(ct_pairing_member_eligible(&m, 100));
    m.paused = true; /* until resumed */
    assert_false(ct_pairing_member_eligible(&m, 100));
    m.paused_until = 101;
    assert_false(ct_pairing_member_eligible(&m, 100));
    m.paused_until = 100; /* the pause ends today */
    assert_true(ct_pairing_member_eligible(&m, 100));
    m.active = false;
    assert_false(ct_pairing_member_eligible(&m, 100));
}

static void
test_ineligible_left_out(void **state)
{
    struct net net;
    struct ct_pairing_result *r;

    net_of_orgs(&net, 4);
    net.m[3].paused = true;
    net.m[2].frequency = 2;
    net.m[2].rounds_since_grouped = 1;
    r = plan(&net);
    assert_int_equal(check_partition(&net, r), 2);
    assert_int_equal(r->group_count, 1);
    assert_true(together(r, 0, 1));
    assert_int_equal(r->stats.eligible, 2);
    ct_pairing_result_free(r);
}

/* ---- hard rules, one at a time ------------------------------------------- */

/* Four members; a rule forbids 0-1: 0 must go with 2 or 3. */
static void
check_forbidden_01(struct net *net, enum ct_pairing_rule rule)
{
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_result *r;
    uint64_t seed;

    input(net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net->p, &ctx, NULL), CT_OK);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 1), rule);
    assert_int_equal(ct_pairing_allowed(ctx, 1, 0), rule);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 2), CT_RULE_NONE);
    assert_int_equal(ct_pairing_allowed(ctx, 3, 3), CT_RULE_SELF);
    ct_pairing_ctx_free(ctx);
    for (seed = 0; seed < 30; seed++) {
        net->p.seed = seed;
        r = plan(net);
        assert_int_equal(check_partition(net, r), 4);
        assert_int_equal(r->unpaired_count, 0);
        assert_false(together(r, 0, 1));
        ct_pairing_result_free(r);
    }
}

static void
test_rule_exclusion(void **state)
{
    struct net net;

    net_of_orgs(&net, 4);
    exclude(&net, 1, 0);
    check_forbidden_01(&net, CT_RULE_EXCLUDED);
}

static void
test_rule_ties(void **state)
{
    struct net net;

    net_of_orgs(&net, 4);
    tie(&net, 0, 1);
    check_forbidden_01(&net, CT_RULE_TIE);
}

static void
test_rule_repeat_always(void **state)
{
    struct net net;

    net_of_orgs(&net, 4);
    met(&net, 0, 1, 40); /* long ago: still never again */
    check_forbidden_01(&net, CT_RULE_REPEAT);
}

static void
test_rule_repeat_window(void **state)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;

    net_of_orgs(&net, 4);
    net.p.avoid_repeats = 2;
    met(&net, 0, 1, 2); /* within the window */
    met(&net, 2, 3, 3); /* just outside */
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    assert_int_equal(ct_pairing_allowed(ctx, 2, 3), CT_RULE_NONE);
    ct_pairing_ctx_free(ctx);
    check_forbidden_01(&net, CT_RULE_REPEAT);
}

static void
test_rule_require_different(void **state)
{
    struct net net;

    net_init(&net);
    add(&net, 1);
    add(&net, 1);
    add(&net, 2);
    add(&net, 3);
    net.p.require_different = CT_B_ORGANISATION;
    check_forbidden_01(&net, CT_RULE_SAME_ORGANISATION);

    net_of_orgs(&net, 4);
    net.m[0].role = net.m[1].role = 7;
    net.m[2].role = 8;
    net.m[3].role = 0; /* unknown: never blocks */
    net.p.require_different = CT_B_ROLE;
    check_forbidden_01(&net, CT_RULE_SAME_ROLE);

    net_of_orgs(&net, 4);
    net.m[0].team = net.m[1].team = 9;
    net.p.require_different = CT_B_TEAM;
    check_forbidden_01(&net, CT_RULE_SAME_TEAM);

    net_of_orgs(&net, 4);
    net.m[1].site = net.m[0].site;
    net.p.require_different = CT_B_SITE;
    check_forbidden_01(&net, CT_RULE_SAME_SITE);
}

/* 2026-03-02 (Monday) 00:00 UTC; a two-week meeting window. */
#define WINDOW_START INT64_C(1772409600)

static struct ct_interval *zone_hours[4];

static void
add_zone(struct net *net, const char *tz)
{
    const struct ct_worktime wt = {9 * 60, 17 * 60, 0x1f};
    size_t count, z = net->nzones++;

    free(zone_hours[z]);
    assert_int_equal(ct_worktime_intervals(tz, &wt, WINDOW_START, WINDOW_START + 14 * 86400,
                                           &zone_hours[z], &count, NULL),
                     CT_OK);
    net->zones[z].hours = zone_hours[z];
    net->zones[z].count = count;
}

static void
free_zones(void)
{
    size_t z;

    for (z = 0; z < 4; z++) {
        free(zone_hours[z]);
        zone_hours[z] = NULL;
    }
}

static void
test_rule_hours(void **state)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_result *r;
    uint64_t seed;

    net_of_orgs(&net, 4);
    add_zone(&net, "Europe/London");    /* 09-17 UTC in March */
    add_zone(&net, "Asia/Tokyo");       /* 00-08 UTC: no hour in common with London */
    add_zone(&net, "America/New_York"); /* 13/14-21/22 UTC: 3-4 hours with London */
    net.m[0].zone = 0;
    net.m[1].zone = 1;
    net.m[2].zone = 0;
    net.m[3].zone = 1;
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 1), CT_RULE_HOURS);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 2), CT_RULE_NONE);
    assert_int_equal(ct_pairing_allowed(ctx, 1, 3), CT_RULE_NONE);
    ct_pairing_ctx_free(ctx);
    for (seed = 0; seed < 10; seed++) {
        net.p.seed = seed;
        r = plan(&net);
        assert_true(together(r, 0, 2));
        assert_true(together(r, 1, 3));
        ct_pairing_result_free(r);
    }
    /* London, Tokyo and New York: no trio, though London fits both. */
    net.m[2].zone = 2;
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 2), CT_RULE_NONE);
    assert_int_equal(ct_pairing_allowed(ctx, 1, 2), CT_RULE_HOURS);
    assert_false(ct_pairing_trio_hours(ctx, 0, 1, 2));
    net.m[3].zone = 0;
    ct_pairing_ctx_free(ctx);
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    assert_true(ct_pairing_trio_hours(ctx, 0, 2, 3));
    ct_pairing_ctx_free(ctx);
    /* A meeting longer than the overlap: London and New York no longer fit. */
    net.p.duration = 5 * 3600;
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 2), CT_RULE_HOURS);
    assert_int_equal(ct_pairing_allowed(ctx, 0, 3), CT_RULE_NONE);
    ct_pairing_ctx_free(ctx);
    free_zones();
}

/* ---- all rules together ------------------------------------------------------ */

/*
 * Six members whose rules leave exactly one perfect grouping:
 * 0-3, 1-4, 2-5. Every other pair is forbidden by one rule or another.
 */
static void
test_rules_together(void **state)
{
    struct net net;
    struct ct_pairing_result *r;
    uint64_t seed;

    net_init(&net);
    add(&net, 1);                                /* 0 */
    add(&net, 1);                                /* 1 */
    add(&net, 1);                                /* 2 */
    add(&net, 2);                                /* 3 */
    add(&net, 3);                                /* 4 */
    add(&net, 4);                                /* 5 */
    net.p.require_different = CT_B_ORGANISATION; /* 0, 1, 2 never together */
    tie(&net, 0, 4);
    exclude(&net, 0, 5);
    met(&net, 1, 3, 5);
    met(&net, 1, 5, 1);
    tie(&net, 2, 3);
    exclude(&net, 2, 4);
    met(&net, 3, 4, 2);
    tie(&net, 3, 5);
    exclude(&net, 4, 5);
    for (seed = 0; seed < 20; seed++) {
        net.p.seed = seed;
        r = plan(&net);
        check_partition(&net, r);
        assert_int_equal(r->group_count, 3);
        assert_true(together(r, 0, 3));
        assert_true(together(r, 1, 4));
        assert_true(together(r, 2, 5));
        ct_pairing_result_free(r);
    }
}

/* ---- starvation ------------------------------------------------------------- */

static void
test_starvation_reasons(void **state)
{
    struct net net;
    struct ct_pairing_result *r;
    const struct ct_pairing_unpaired *u;

    /* 0 has met everyone: all 3 possible partners already met. */
    net_of_orgs(&net, 5);
    met(&net, 0, 1, 1);
    met(&net, 0, 2, 2);
    met(&net, 0, 3, 3);
    met(&net, 0, 4, 4);
    r = plan(&net);
    check_partition(&net, r);
    u = unpaired(r, 0);
    assert_non_null(u);
    assert_false(u->sit_out);
    assert_int_equal(u->rule, CT_RULE_REPEAT);
    assert_string_equal(u->reason, "all 4 possible partners already met");
    assert_int_equal(r->unpaired_count, 1);
    ct_pairing_result_free(r);

    /* A mix of rules. */
    net_init(&net);
    add(&net, 1);
    add(&net, 1);
    add(&net, 2);
    add(&net, 3);
    add(&net, 4);
    net.p.require_different = CT_B_ORGANISATION;
    tie(&net, 0, 2);
    exclude(&net, 0, 3);
    met(&net, 0, 4, 2);
    r = plan(&net);
    u = unpaired(r, 0);
    assert_non_null(u);
    assert_string_equal(u->reason, "no eligible partner among 4: 1 excluded, 1 close colleague "
                                   "(ties), 1 already met, 1 in the same organisation "
                                   "(require_different)");
    ct_pairing_result_free(r);

    /* Possible partners exist but are all taken by the only grouping. */
    net_of_orgs(&net, 4);
    net.p.odd = CT_ODD_SIT_OUT;
    /* 0 may only meet 1; 1, 2 and 3 may meet only each other and 0-1. */
    exclude(&net, 0, 2);
    exclude(&net, 0, 3);
    exclude(&net, 2, 3);
    r = plan(&net);
    check_partition(&net, r);
    /* Max cardinality: 0-1 and 2-3 impossible together; one of them left. */
    assert_int_equal(r->group_count, 1);
    assert_int_equal(r->unpaired_count, 2);
    ct_pairing_result_free(r);

    /* The only other member: no one to meet. */
    net_of_orgs(&net, 1);
    r = plan(&net);
    u = unpaired(r, 0);
    assert_non_null(u);
    assert_string_equal(u->reason, "no other member is eligible this round");
    ct_pairing_result_free(r);

    /* Nobody eligible at all. */
    net_init(&net);
    r = plan(&net);
    assert_int_equal(r->group_count, 0);
    assert_int_equal(r->unpaired_count, 0);
    ct_pairing_result_free(r);
}

/* ---- odd counts ---------------------------------------------------------------- */

/* Age the network by one round and record r; meetings go to the history
 * only when remember is set. */
static void
record_round(struct net *net, const struct ct_pairing_result *r, bool remember)
{
    size_t i, h;
    unsigned a, b;

    for (h = 0; h < net->nhist; h++)
        net->hist[h].rounds_ago++;
    for (i = 0; i < net->n; i++) {
        if (net->m[i].rounds_since_grouped > 0)
            net->m[i].rounds_since_grouped++;
        if (net->m[i].rounds_since_sit_out > 0)
            net->m[i].rounds_since_sit_out++;
    }
    for (i = 0; i < r->group_count; i++) {
        const struct ct_pairing_group *g = &r->groups[i];
        for (a = 0; a < g->size; a++) {
            net->m[g->members[a]].rounds_since_grouped = 1;
            net->m[g->members[a]].trios += g->size == 3;
            for (b = a + 1; b < g->size && remember; b++)
                met(net, g->members[a], g->members[b], 1);
        }
    }
    for (i = 0; i < r->unpaired_count; i++)
        if (r->unpaired[i].sit_out) {
            net->m[r->unpaired[i].member].sit_outs++;
            net->m[r->unpaired[i].member].rounds_since_sit_out = 1;
        }
}

/* Nobody is in a second trio while others have had none. */
static void
test_trio_rotation(void **state)
{
    struct net net;
    int round;

    net_of_orgs(&net, 7);
    /* Repeats are not recorded here: this is about trios alone. */
    for (round = 0; round < 21; round++) {
        struct ct_pairing_result *r;
        const struct ct_pairing_group *trio = NULL;
        int min = 1 << 20, at_min = 0;
        size_t i;
        unsigned k;

        for (i = 0; i < net.n; i++)
            if (net.m[i].trios < min)
                min = net.m[i].trios;
        for (i = 0; i < net.n; i++)
            at_min += net.m[i].trios == min;
        net.p.seed = (uint64_t)round;
        r = plan(&net);
        assert_int_equal(check_partition(&net, r), 7);
        assert_int_equal(r->unpaired_count, 0);
        for (i = 0; i < r->group_count; i++)
            if (r->groups[i].size == 3)
                trio = &r->groups[i];
        assert_non_null(trio);
        /* The trio draws from those with the fewest trios first. */
        {
            int from_min = 0;
            for (k = 0; k < 3; k++)
                from_min += net.m[trio->members[k]].trios == min;
            assert_int_equal(from_min, at_min < 3 ? at_min : 3);
        }
        record_round(&net, r, false);
        ct_pairing_result_free(r);
    }
    /* 21 rounds, 3 trio places each, 7 members: 9 trios each. */
    for (round = 0; round < 7; round++)
        assert_int_equal(net.m[round].trios, 9);
}

/* Sit-outs rotate: never twice in a row, nobody twice before everyone once. */
static void
test_sit_out_rotation(void **state)
{
    struct net net;
    int round, last = -1;

    net_of_orgs(&net, 5);
    net.p.odd = CT_ODD_SIT_OUT;
    for (round = 0; round < 15; round++) {
        struct ct_pairing_result *r;
        int min = 1 << 20, sat = -1;
        size_t i;

        for (i = 0; i < net.n; i++)
            if (net.m[i].sit_outs < min)
                min = net.m[i].sit_outs;
        net.p.seed = (uint64_t)round;
        r = plan(&net);
        assert_int_equal(check_partition(&net, r), 5);
        assert_int_equal(r->group_count, 2);
        assert_int_equal(r->unpaired_count, 1);
        assert_true(r->unpaired[0].sit_out);
        assert_non_null(strstr(r->unpaired[0].reason, "first in line next round"));
        sat = (int)r->unpaired[0].member;
        assert_int_equal(net.m[sat].sit_outs, min);
        assert_true(sat != last);
        last = sat;
        record_round(&net, r, false);
        ct_pairing_result_free(r);
    }
    for (round = 0; round < 5; round++)
        assert_int_equal(net.m[round].sit_outs, 3);
    /* Equal counts: whoever sat out last round is first in line now. */
    net_of_orgs(&net, 3);
    net.p.odd = CT_ODD_SIT_OUT;
    for (round = 0; round < 3; round++)
        net.m[round].sit_outs = 1;
    net.m[2].rounds_since_sit_out = 1;
    for (round = 0; round < 30; round++) {
        struct ct_pairing_result *r;
        net.p.seed = (uint64_t)round;
        r = plan(&net);
        assert_int_equal(r->unpaired_count, 1);
        assert_true(r->unpaired[0].member != 2);
        ct_pairing_result_free(r);
    }
}

/* With avoid_repeats = always, nobody meets anyone twice over many rounds. */
static void
test_no_repeats_over_rounds(void **state)
{
    struct net net;
    struct ct_pairing_result *r;
    int round, i, j;
    int pairs[24][24];

    net_init(&net);
    for (i = 0; i < 24; i++)
        add(&net, 1 + (uint32_t)i % 6);
    memset(pairs, 0, sizeof(pairs));
    for (round = 0; round < 12; round++) {
        size_t g;
        net.p.seed = (uint64_t)round;
        r = plan(&net);
        check_partition(&net, r);
        for (g = 0; g < r->group_count; g++)
            for (i = 0; i < (int)r->groups[g].size; i++)
                for (j = i + 1; j < (int)r->groups[g].size; j++)
                    assert_int_equal(pairs[r->groups[g].members[i]][r->groups[g].members[j]]++, 0);
        assert_int_equal(r->unpaired_count, 0);
        record_round(&net, r, true);
        ct_pairing_result_free(r);
    }
}

/* ---- scores -------------------------------------------------------------------- */

/* The terms of a score added up (they must give its total). */
static double
term_sum(const struct ct_pairing_score *s)
{
    double sum = 0;
    size_t t;

    for (t = 0; t < CT_WEIGHT_COUNT; t++)
        sum += s->term[t];
    return sum;
}

/* The engine's defaults are the weights of weights.h, the derived ones too. */
static void
test_params_defaults(void **state)
{
    struct ct_pairing_params p;
    size_t t;

    ct_pairing_params_defaults(&p);
    for (t = 0; t < CT_WEIGHT_COUNT; t++)
        if (ct_weights[t].key != NULL)
            assert_true(p.weight[t] == ct_weights[t].default_value);
    assert_true(p.weight[CT_W_REPEAT] == ct_weights[CT_W_ORGANISATION].default_value);
    assert_true(p.weight[CT_W_TEAM] == 1.0 && p.weight[CT_W_SITE] == 0.5);
    assert_true(p.repeat_halflife == 2.0);
    assert_int_equal(p.duration, 30 * 60);
    assert_int_equal(p.avoid_repeats, 0);
}

static void
test_fading_penalty(void **state)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_score s;

    net_of_orgs(&net, 5);
    net.p.avoid_repeats = 1;
    net.p.weight[CT_W_REPEAT] = 4.0;
    net.p.repeat_halflife = 2.0;
    met(&net, 0, 1, 2); /* just outside the window: the full penalty */
    met(&net, 0, 2, 4); /* two rounds later: half */
    met(&net, 0, 3, 2);
    met(&net, 0, 3, 4); /* twice: both count */
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    ct_pairing_score_pair(ctx, 0, 1, &s);
    assert_float_equal(s.term[CT_W_REPEAT], -4.0, 1e-9);
    ct_pairing_score_pair(ctx, 0, 2, &s);
    assert_float_equal(s.term[CT_W_REPEAT], -2.0, 1e-9);
    ct_pairing_score_pair(ctx, 0, 3, &s);
    assert_float_equal(s.term[CT_W_REPEAT], -6.0, 1e-9);
    ct_pairing_score_pair(ctx, 0, 4, &s);
    assert_float_equal(s.term[CT_W_REPEAT], 0.0, 1e-9);
    ct_pairing_ctx_free(ctx);
}

static void
test_score_breakdown(void **state)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_score s, t;
    struct ct_pairing_result *r;
    size_t i, j;
    bool first = false, neworg = false, difforg = false;

    net_init(&net);
    add(&net, 1);       /* 0 */
    add(&net, 2);       /* 1 */
    add(&net, 1);       /* 2 */
    add(&net, 2);       /* 3 */
    met(&net, 0, 3, 1); /* 0 has met organisation 2 */
    tie(&net, 0, 2);
    input(&net, &in);
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    ct_pairing_score_pair(ctx, 0, 1, &s);
    ct_pairing_score_pair(ctx, 1, 0, &t);
    assert_memory_equal(&s, &t, sizeof(s)); /* symmetric */
    assert_float_equal(s.term[CT_W_ORGANISATION], net.p.weight[CT_W_ORGANISATION], 1e-12);
    assert_float_equal(s.term[CT_W_TEAM], net.p.weight[CT_W_TEAM], 1e-12);
    /* For 0: 1's team and role are new, its organisation is not (0.5); for
     * 1: all three are (1.5); novelty is the mean of the two sides. */
    assert_float_equal(s.term[CT_W_NOVELTY], net.p.weight[CT_W_NOVELTY] * 0.5 * (0.5 + 1.5), 1e-12);
    assert_true(s.term[CT_W_RANDOM] >= 0 && s.term[CT_W_RANDOM] <= net.p.weight[CT_W_RANDOM]);
    assert_float_equal(s.total, term_sum(&s), 1e-9);
    ct_pairing_ctx_free(ctx);

    r = plan(&net);
    for (i = 0; i < r->group_count; i++) {
        const struct ct_pairing_group *g = &r->groups[i];
        assert_float_equal(g->score.total, term_sum(&g->score), 1e-9);
        for (j = 0; j < g->reason_count; j++) {
            first |= strcmp(g->reasons[j], "first meeting") == 0;
            difforg |= strcmp(g->reasons[j], "different organisation") == 0;
            neworg |= strstr(g->reasons[j], "new organisation for m") != NULL;
        }
    }
    assert_true(first && difforg && neworg);
    ct_pairing_result_free(r);
}

/* ---- relational coordination ------------------------------------------------------ */

/*
 * Four members of four organisations, roles 1..4, sites 1 2 1 2: without
 * a survey the site term keeps 0-2 and 1-3 (same site) apart; a survey
 * where roles 1-3 and 2-4 coordinate weakly (1 of 5) brings them together
 * with weight_coordination, and says why.
 */
static void
test_coordination_weight(void **state)
{
    float rc[5 * 5] = {0};
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_score s;
    struct ct_pairing_result *r;
    struct net net;
    bool said = false;
    size_t i, j;

    (void)state;
    net_init(&net);
    for (i = 0; i < 4; i++) {
        uint32_t m = add(&net, (uint32_t)i + 1);
        net.m[m].role = (uint32_t)i + 1;
        net.m[m].site = 1 + (uint32_t)i % 2;
    }
    net.p.weight[CT_W_RANDOM] = 0;
    rc[1 * 5 + 3] = rc[3 * 5 + 1] = 1.0f;
    rc[2 * 5 + 4] = rc[4 * 5 + 2] = 1.0f;
    rc[1 * 5 + 2] = rc[2 * 5 + 1] = 4.6f; /* strong: little effect */

    /* No survey: the weak pairs are not chosen. */
    r = plan(&net);
    assert_false(together(r, 0, 2));
    assert_false(together(r, 1, 3));
    ct_pairing_result_free(r);

    /* The survey, weight 0: the same answer. */
    input(&net, &in);
    in.coordination = rc;
    in.coordination_roles = 5;
    in.coordination_wave = "March";
    net.p.weight[CT_W_COORDINATION] = 0;
    assert_int_equal(ct_pairing_run(&in, &net.p, &r, NULL), CT_OK);
    assert_false(together(r, 0, 2));
    ct_pairing_result_free(r);

    /* The default weight: the weak links meet. */
    net.p.weight[CT_W_COORDINATION] = 1.0;
    assert_int_equal(ct_pairing_run(&in, &net.p, &r, NULL), CT_OK);
    assert_true(together(r, 0, 2));
    assert_true(together(r, 1, 3));
    for (i = 0; i < r->group_count; i++)
        for (j = 0; j < r->groups[i].reason_count; j++)
            said |= strcmp(r->groups[i].reasons[j],
                           "your roles coordinate weakly: 1.0 of 5 in the March survey") == 0;
    assert_true(said);
    ct_pairing_result_free(r);

    /* The term: w * (5 - s) / 4; nothing where there is no data (roles 1-4). */
    assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
    ct_pairing_score_pair(ctx, 0, 2, &s);
    assert_float_equal(s.term[CT_W_COORDINATION], 1.0, 1e-9);
    ct_pairing_score_pair(ctx, 0, 1, &s);
    assert_float_equal(s.term[CT_W_COORDINATION], (5.0 - 4.6) / 4.0, 1e-6);
    ct_pairing_score_pair(ctx, 0, 3, &s);
    assert_float_equal(s.term[CT_W_COORDINATION], 0.0, 1e-12);
    ct_pairing_ctx_free(ctx);
}

/* ---- reproducibility ------------------------------------------------------------ */

static void
random_net(struct net *net, struct ct_rng *rng, size_t n, size_t norgs)
{
    size_t i, k;

    net_init(net);
    for (i = 0; i < n; i++) {
        uint32_t x = add(net, 1 + (uint32_t)ct_rng_below(rng, norgs));
        net->m[x].role = 1 + (uint32_t)ct_rng_below(rng, 4);
        net->m[x].team = 10 * net->m[x].organisation + (uint32_t)ct_rng_below(rng, 2);
    }
    for (k = 0; k < n / 2; k++)
        tie(net, (uint32_t)ct_rng_below(rng, n), (uint32_t)ct_rng_below(rng, n));
    for (k = 0; k < n / 4; k++)
        exclude(net, (uint32_t)ct_rng_below(rng, n), (uint32_t)ct_rng_below(rng, n));
    for (k = 0; k < n; k++)
        met(net, (uint32_t)ct_rng_below(rng, n), (uint32_t)ct_rng_below(rng, n),
            1 + (uint32_t)ct_rng_below(rng, 6));
}

static bool
same_groups(const struct ct_pairing_result *a, const struct ct_pairing_result *b)
{
    size_t i;

    if (a->group_count != b->group_count || a->unpaired_count != b->unpaired_count)
        return false;
    for (i = 0; i < a->group_count; i++)
        if (a->groups[i].size != b->groups[i].size ||
            memcmp(a->groups[i].members, b->groups[i].members,
                   a->groups[i].size * sizeof(uint32_t)) != 0)
            return false;
    return true;
}

static void
test_reproducible(void **state)
{
    struct net net;
    struct ct_rng rng;
    struct ct_pairing_result *a, *b, *c;
    uint64_t seed;
    int differ = 0;

    ct_rng_seed(&rng, 5);
    random_net(&net, &rng, 41, 6);
    for (seed = 1; seed <= 10; seed++) {
        net.p.seed = seed;
        a = plan(&net);
        b = plan(&net);
        assert_true(same_groups(a, b));
        assert_float_equal(a->total, b->total, 0);
        net.p.seed = seed + 1000;
        c = plan(&net);
        differ += !same_groups(a, c);
        ct_pairing_result_free(a);
        ct_pairing_result_free(b);
        ct_pairing_result_free(c);
    }
    assert_true(differ >= 9); /* another seed, other groups */
}

/* ---- optimality ------------------------------------------------------------------ */

/* The best total over every perfect grouping into pairs, or -1e300. */
static double
brute_best(struct ct_pairing_ctx *ctx, uint32_t *left, size_t n)
{
    double best = -1e300;
    size_t j;

    if (n == 0)
        return 0;
    for (j = 1; j < n; j++) {
        struct ct_pairing_score s;
        uint32_t rest[MAXM];
        size_t k, m = 0;
        double sub;

        if (ct_pairing_allowed(ctx, left[0], left[j]) != CT_RULE_NONE)
            continue;
        for (k = 1; k < n; k++)
            if (k != j)
                rest[m++] = left[k];
        sub = brute_best(ctx, rest, m);
        if (sub <= -1e299)
            continue;
        ct_pairing_score_pair(ctx, left[0], left[j], &s);
        if (sub + s.total > best)
            best = sub + s.total;
    }
    return best;
}

/* The engine's total equals the best of all groupings (even counts). */
static void
test_optimal_small(void **state)
{
    struct ct_rng rng;
    int t, checked = 0;

    ct_rng_seed(&rng, 9);
    for (t = 0; t < 150; t++) {
        struct net net;
        struct ct_pairing_input in;
        struct ct_pairing_ctx *ctx;
        struct ct_pairing_result *r;
        uint32_t all[MAXM];
        size_t n = 2 * (1 + (size_t)ct_rng_below(&rng, 5)), i;
        double best;

        random_net(&net, &rng, n, 1 + (size_t)ct_rng_below(&rng, 4));
        net.p.seed = (uint64_t)t;
        input(&net, &in);
        assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
        for (i = 0; i < n; i++)
            all[i] = (uint32_t)i;
        best = brute_best(ctx, all, n);
        r = plan(&net);
        if (best > -1e299) {
            assert_int_equal(r->unpaired_count, 0);
            assert_float_equal(r->total, best, 1e-3 * (double)n);
            checked++;
        }
        ct_pairing_result_free(r);
        ct_pairing_ctx_free(ctx);
    }
    assert_true(checked > 50);
}

/* A generated network of n members in 12 organisations with history. */
static void
big_net(struct ct_pairing_member *m, char (*labels)[16], size_t n, struct ct_pairing_meeting *hist,
        size_t *nhist, unsigned rounds, uint64_t seed)
{
    struct ct_rng rng;
    uint32_t *order = malloc(n * sizeof(*order));
    size_t i, r;

    assert_non_null(order);
    ct_rng_seed(&rng, seed);
    for (i = 0; i < n; i++) {
        memset(&m[i], 0, sizeof(m[i]));
        snprintf(labels[i], 16, "b%zu", i);
        m[i].id = (int64_t)i + 1;
        m[i].label = labels[i];
        m[i].organisation = 1 + (uint32_t)ct_rng_below(&rng, 12);
        m[i].team = 100 * m[i].organisation + (uint32_t)ct_rng_below(&rng, 8);
        m[i].role = 1 + (uint32_t)ct_rng_below(&rng, 6);
        m[i].active = true;
        m[i].frequency = 1;
        order[i] = (uint32_t)i;
    }
    *nhist = 0;
    for (r = 0; r < rounds; r++) {
        ct_rng_shuffle_u32(&rng, order, n);
        for (i = 0; i + 1 < n; i += 2) {
            hist[*nhist].a = order[i];
            hist[*nhist].b = order[i + 1];
            hist[(*nhist)++].rounds_ago = (uint32_t)(rounds - r);
        }
    }
    free(order);
}

/*
 * Mid-size rounds go through candidates and pricing: the total must equal
 * the optimum of a direct solve on every allowed pair.
 */
static void
test_optimal_priced(void **state)
{
    const size_t n = 300;
    struct ct_pairing_member *m = calloc(n, sizeof(*m));
    char(*labels)[16] = calloc(n, sizeof(*labels));
    struct ct_pairing_meeting *hist = calloc(n * 4, sizeof(*hist));
    struct ct_matching_edge *edges = calloc(n * n / 2, sizeof(*edges));
    uint32_t *mate = calloc(n, sizeof(*mate));
    uint64_t seed;

    assert_non_null(m);
    assert_non_null(edges);
    for (seed = 1; seed <= 3; seed++) {
        struct ct_pairing_input in;
        struct ct_pairing_params p;
        struct ct_pairing_ctx *ctx;
        struct ct_pairing_result *r;
        size_t nhist, ne = 0, a, b, i;
        int64_t direct = 0, engine = 0;

        big_net(m, labels, n, hist, &nhist, 4, seed);
        memset(&in, 0, sizeof(in));
        in.members = m;
        in.member_count = n;
        in.history = hist;
        in.history_count = nhist;
        ct_pairing_params_defaults(&p);
        p.seed = seed;
        assert_int_equal(ct_pairing_ctx_new(&in, &p, &ctx, NULL), CT_OK);
        for (a = 0; a < n; a++)
            for (b = a + 1; b < n; b++) {
                struct ct_pairing_score s;
                if (ct_pairing_allowed(ctx, (uint32_t)a, (uint32_t)b) != CT_RULE_NONE)
                    continue;
                ct_pairing_score_pair(ctx, (uint32_t)a, (uint32_t)b, &s);
                edges[ne].u = (uint32_t)a;
                edges[ne].v = (uint32_t)b;
                edges[ne++].w = (int64_t)(s.total * 10000.0 + 0.5);
            }
        assert_int_equal(ct_matching_solve(n, edges, ne, 0, mate, NULL, NULL, NULL), CT_OK);
        for (i = 0; i < ne; i++)
            if (mate[edges[i].u] == edges[i].v)
                direct += edges[i].w;
        assert_int_equal(ct_pairing_plan(ctx, &r, NULL), CT_OK);
        assert_true(r->stats.optimal);
        assert_true(r->stats.pricing_rounds >= 1);
        for (i = 0; i < r->group_count; i++) {
            struct ct_pairing_score s;
            assert_int_equal(r->groups[i].size, 2);
            ct_pairing_score_pair(ctx, r->groups[i].members[0], r->groups[i].members[1], &s);
            engine += (int64_t)(s.total * 10000.0 + 0.5);
        }
        assert_true(engine == direct);
        ct_pairing_result_free(r);
        ct_pairing_ctx_free(ctx);
    }
    free(m);
    free(labels);
    free(hist);
    free(edges);
    free(mate);
}

/*
 * --exact on the large-round path (sampled candidates, forced here with
 * exact_limit 1 on 300 members): pricing must reach the optimum of a direct
 * solve on every allowed pair and say it is proven; without exact, the same
 * path is not proven (and never above the optimum).
 */
static void
test_exact_sampled(void **state)
{
    const size_t n = 300;
    struct ct_pairing_member *m = calloc(n, sizeof(*m));
    char(*labels)[16] = calloc(n, sizeof(*labels));
    struct ct_pairing_meeting *hist = calloc(n * 4, sizeof(*hist));
    struct ct_matching_edge *edges = calloc(n * n / 2, sizeof(*edges));
    uint32_t *mate = calloc(n, sizeof(*mate));
    uint64_t seed;

    (void)state;
    assert_non_null(m);
    assert_non_null(edges);
    for (seed = 1; seed <= 4; seed++) {
        struct ct_pairing_input in;
        struct ct_pairing_params p;
        struct ct_pairing_ctx *ctx;
        struct ct_pairing_result *r, *plain;
        size_t nhist, ne = 0, a, b, i;
        int64_t direct = 0;

        big_net(m, labels, n, hist, &nhist, 3, seed + 40);
        memset(&in, 0, sizeof(in));
        in.members = m;
        in.member_count = n;
        in.history = hist;
        in.history_count = nhist;
        ct_pairing_params_defaults(&p);
        p.seed = seed;
        p.exact_limit = 1;
        p.candidates = 4;
        assert_int_equal(ct_pairing_ctx_new(&in, &p, &ctx, NULL), CT_OK);
        for (a = 0; a < n; a++)
            for (b = a + 1; b < n; b++) {
                struct ct_pairing_score s;
                if (ct_pairing_allowed(ctx, (uint32_t)a, (uint32_t)b) != CT_RULE_NONE)
                    continue;
                ct_pairing_score_pair(ctx, (uint32_t)a, (uint32_t)b, &s);
                edges[ne].u = (uint32_t)a;
                edges[ne].v = (uint32_t)b;
                edges[ne++].w = (int64_t)(s.total * 10000.0 + 0.5);
            }
        assert_int_equal(ct_matching_solve(n, edges, ne, 0, mate, NULL, NULL, NULL), CT_OK);
        for (i = 0; i < ne; i++)
            if (mate[edges[i].u] == edges[i].v)
                direct += edges[i].w;
        assert_int_equal(ct_pairing_plan(ctx, &plain, NULL), CT_OK);
        assert_false(plain->stats.optimal);
        ct_pairing_ctx_free(ctx);
        p.exact = true;
        assert_int_equal(ct_pairing_ctx_new(&in, &p, &ctx, NULL), CT_OK);
        assert_int_equal(ct_pairing_plan(ctx, &r, NULL), CT_OK);
        assert_true(r->stats.optimal);
        assert_true(r->stats.pricing_rounds >= 1);
        assert_int_equal(r->unpaired_count, 0);
        assert_true(fabs(r->total - (double)direct / 10000.0) < 1e-4 * (double)n);
        assert_true(plain->total <= r->total + 1e-6);
        ct_pairing_result_free(r);
        ct_pairing_result_free(plain);
        ct_pairing_ctx_free(ctx);
    }
    free(m);
    free(labels);
    free(hist);
    free(edges);
    free(mate);
}

/* --exact on small rounds agrees with brute force over every grouping. */
static void
test_exact_small(void **state)
{
    struct ct_rng rng;
    int t, checked = 0;

    (void)state;
    ct_rng_seed(&rng, 19);
    for (t = 0; t < 100; t++) {
        struct net net;
        struct ct_pairing_input in;
        struct ct_pairing_ctx *ctx;
        struct ct_pairing_result *r;
        uint32_t all[MAXM];
        size_t n = 2 * (1 + (size_t)ct_rng_below(&rng, 5)), i;
        double best;

        random_net(&net, &rng, n, 1 + (size_t)ct_rng_below(&rng, 4));
        net.p.seed = (uint64_t)t;
        net.p.exact = true;
        input(&net, &in);
        assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
        for (i = 0; i < n; i++)
            all[i] = (uint32_t)i;
        best = brute_best(ctx, all, n);
        r = plan(&net);
        if (best > -1e299) {
            assert_int_equal(r->unpaired_count, 0);
            assert_true(r->stats.optimal);
            assert_float_equal(r->total, best, 1e-3 * (double)n);
            checked++;
        }
        ct_pairing_result_free(r);
        ct_pairing_ctx_free(ctx);
    }
    assert_true(checked > 30);
}

/*
 * A large round takes the sampled path with blocks: an odd count, its dummy
 * in the odd block; everyone grouped, no rule broken.
 */
static void
test_large_round(void **state)
{
    const size_t n = 13001;
    struct ct_pairing_member *m = calloc(n, sizeof(*m));
    char(*labels)[16] = calloc(n, sizeof(*labels));
    struct ct_pairing_meeting *hist = calloc(n * 3, sizeof(*hist));
    uint8_t *seen = calloc(n, 1);
    struct ct_pairing_input in;
    struct ct_pairing_params p;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_result *r;
    size_t nhist, i, trios = 0;
    unsigned a, b;

    assert_non_null(m);
    assert_non_null(seen);
    big_net(m, labels, n, hist, &nhist, 3, 77);
    memset(&in, 0, sizeof(in));
    in.members = m;
    in.member_count = n;
    in.history = hist;
    in.history_count = nhist;
    ct_pairing_params_defaults(&p);
    p.seed = 5;
    assert_int_equal(ct_pairing_ctx_new(&in, &p, &ctx, NULL), CT_OK);
    assert_int_equal(ct_pairing_plan(ctx, &r, NULL), CT_OK);
    assert_false(r->stats.optimal); /* beyond exact_limit: not priced */
    assert_int_equal(r->unpaired_count, 0);
    for (i = 0; i < r->group_count; i++) {
        const struct ct_pairing_group *g = &r->groups[i];
        trios += g->size == 3;
        for (a = 0; a < g->size; a++) {
            assert_int_equal(seen[g->members[a]]++, 0);
            for (b = a + 1; b < g->size; b++)
                assert_int_equal(ct_pairing_allowed(ctx, g->members[a], g->members[b]),
                                 CT_RULE_NONE);
        }
    }
    assert_int_equal(trios, 1);
    for (i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    ct_pairing_result_free(r);
    ct_pairing_ctx_free(ctx);
    free(m);
    free(labels);
    free(hist);
    free(seen);
}

/* ---- properties over many seeds ---------------------------------------------------- */

static void
test_properties(void **state)
{
    struct ct_rng rng;
    int t;

    ct_rng_seed(&rng, 2024);
    for (t = 0; t < 500; t++) {
        struct net net;
        struct ct_pairing_input in;
        struct ct_pairing_ctx *ctx;
        struct ct_pairing_result *r;
        size_t n = 1 + (size_t)ct_rng_below(&rng, 48), i, j;
        unsigned a, b;

        random_net(&net, &rng, n, 1 + (size_t)ct_rng_below(&rng, 8));
        net.p.seed = (uint64_t)t * 7919;
        net.p.odd = ct_rng_below(&rng, 2) ? CT_ODD_TRIO : CT_ODD_SIT_OUT;
        net.p.avoid_repeats = ct_rng_below(&rng, 2) ? 0 : (int)(1 + ct_rng_below(&rng, 3));
        net.p.require_different = (unsigned)ct_rng_below(&rng, 16);
        for (i = 0; i < n; i++) {
            net.m[i].paused = ct_rng_below(&rng, 10) == 0;
            net.m[i].trios = (int)ct_rng_below(&rng, 2);
            net.m[i].sit_outs = (int)ct_rng_below(&rng, 2);
        }
        r = plan(&net);
        input(&net, &in);
        assert_int_equal(ct_pairing_ctx_new(&in, &net.p, &ctx, NULL), CT_OK);
        check_partition(&net, r);
        /* No group breaks a hard rule. */
        for (i = 0; i < r->group_count; i++) {
            const struct ct_pairing_group *g = &r->groups[i];
            for (a = 0; a < g->size; a++)
                for (b = a + 1; b < g->size; b++)
                    assert_int_equal(ct_pairing_allowed(ctx, g->members[a], g->members[b]),
                                     CT_RULE_NONE);
            if (g->size == 3) {
                assert_true(
                    ct_pairing_trio_hours(ctx, g->members[0], g->members[1], g->members[2]));
            }
        }
        /* Grouped unless impossible: no two members left out could have met,
         * and with odd = trio no one left out fits a pair as a third. */
        for (i = 0; i < r->unpaired_count; i++) {
            uint32_t x = r->unpaired[i].member;
            assert_non_null(r->unpaired[i].reason);
            for (j = i + 1; j < r->unpaired_count; j++)
                if (!r->unpaired[i].sit_out && !r->unpaired[j].sit_out)
                    assert_int_not_equal(ct_pairing_allowed(ctx, x, r->unpaired[j].member),
                                         CT_RULE_NONE);
            if (net.p.odd == CT_ODD_TRIO)
                for (j = 0; j < r->group_count; j++) {
                    const struct ct_pairing_group *g = &r->groups[j];
                    if (g->size == 2)
                        assert_false(ct_pairing_allowed(ctx, x, g->members[0]) == CT_RULE_NONE &&
                                     ct_pairing_allowed(ctx, x, g->members[1]) == CT_RULE_NONE);
                }
        }
        /* At most one sit-out, only for odd = sit_out. */
        {
            size_t sat = 0;
            for (i = 0; i < r->unpaired_count; i++)
                sat += r->unpaired[i].sit_out;
            assert_true(sat <= (net.p.odd == CT_ODD_SIT_OUT ? 1u : 0u));
        }
        ct_pairing_ctx_free(ctx);
        ct_pairing_result_free(r);
    }
}

/* ---- input checks ---------------------------------------------------------------- */

static void
test_bad_input(void **state)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_result *r;
    struct ct_error err;

    net_of_orgs(&net, 2);
    tie(&net, 0, 5);
    input(&net, &in);
    assert_int_equal(ct_pairing_run(&in, &net.p, &r, &err), CT_EUSAGE);
    assert_null(r);
    net_of_orgs(&net, 1);
    met(&net, 0, 0, 0);
    input(&net, &in);
    assert_int_equal(ct_pairing_run(&in, &net.p, &r, &err), CT_EUSAGE);
    net_of_orgs(&net, 1);
    net.m[0].zone = 3; /* no zones given: the rule is off, any zone is fine */
    input(&net, &in);
    assert_int_equal(ct_pairing_run(&in, &net.p, &r, &err), CT_OK);
    ct_pairing_result_free(r);
    add_zone(&net, "UTC");
    input(&net, &in);
    assert_int_equal(ct_pairing_run(&in, &net.p, &r, &err), CT_EUSAGE);
    assert_non_null(strstr(err.message, "zone"));
    free_zones();
    ct_pairing_result_free(NULL);
    ct_pairing_ctx_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eligibility),
        cmocka_unit_test(test_ineligible_left_out),
        cmocka_unit_test(test_rule_exclusion),
        cmocka_unit_test(test_rule_ties),
        cmocka_unit_test(test_rule_repeat_always),
        cmocka_unit_test(test_rule_repeat_window),
        cmocka_unit_test(test_rule_require_different),
        cmocka_unit_test(test_rule_hours),
        cmocka_unit_test(test_rules_together),
        cmocka_unit_test(test_starvation_reasons),
        cmocka_unit_test(test_trio_rotation),
        cmocka_unit_test(test_sit_out_rotation),
        cmocka_unit_test(test_no_repeats_over_rounds),
        cmocka_unit_test(test_params_defaults),
        cmocka_unit_test(test_fading_penalty),
        cmocka_unit_test(test_score_breakdown),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_coordination_weight),
        cmocka_unit_test(test_optimal_small),
        cmocka_unit_test(test_optimal_priced),
        cmocka_unit_test(test_exact_sampled),
        cmocka_unit_test(test_exact_small),
        cmocka_unit_test(test_large_round),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_bad_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
