/*
 * test_grouping.c: groups of three and four ([pairing] group_size): the
 * sizes the remainder makes, every hard rule for every pair of every group
 * (exclusions, ties, past meetings, require_different, common working
 * hours), the rotation of groups of another size, determinism under the
 * seed, and properties over hundreds of random networks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grouping.h"
#include "pairing.h"
#include "rng.h"
#include "worktime.h"

#define MAXM 200

struct net {
    struct ct_pairing_member m[MAXM];
    char label[MAXM][16];
    size_t n;
    struct ct_pairing_pair ties[512], excl[512];
    size_t nties, nexcl;
    struct ct_pairing_meeting hist[2048];
    size_t nhist;
    struct ct_pairing_zone zones[4];
    size_t nzones;
    struct ct_pairing_params p;
};

static void
net_init(struct net *net, unsigned k, uint64_t seed)
{
    memset(net, 0, sizeof(*net));
    ct_pairing_params_defaults(&net->p);
    net->p.seed = seed;
    net->p.group_size = k;
}

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

static void
net_of_orgs(struct net *net, unsigned k, uint32_t count, uint64_t seed)
{
    uint32_t i;

    net_init(net, k, seed);
    for (i = 0; i < count; i++)
        add(net, i + 1);
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

/* A plan and the context it was made in (to check rules), freed by done(). */
struct planned {
    struct ct_pairing_input in;
    struct ct_pairing_ctx *ctx;
    struct ct_pairing_result *r;
};

static void
plan(const struct net *net, struct planned *pl)
{
    struct ct_error err;
    enum ct_status st;

    input(net, &pl->in);
    st = ct_pairing_ctx_new(&pl->in, &net->p, &pl->ctx, &err);
    if (st == CT_OK)
        st = ct_pairing_plan(pl->ctx, &pl->r, &err);
    if (st != CT_OK)
        fail_msg("plan: %s: %s", ct_status_str(st), err.message);
}

static void
done(struct planned *pl)
{
    ct_pairing_result_free(pl->r);
    ct_pairing_ctx_free(pl->ctx);
}

/*
 * Every member at most once, every pair of every group allowed, groups of
 * 2 to 4 with common hours, the total the sum of the pair scores. OUT:
 * sizes[s] groups of each size; returns the members placed.
 */
static size_t
check(const struct planned *pl, size_t sizes[CT_GROUP_MAX + 1])
{
    uint8_t seen[MAXM] = {0};
    double total = 0;
    size_t i, placed = 0;
    unsigned a, b;

    memset(sizes, 0, (CT_GROUP_MAX + 1) * sizeof(*sizes));
    for (i = 0; i < pl->r->group_count; i++) {
        const struct ct_pairing_group *g = &pl->r->groups[i];
        double s = 0;
        assert_true(g->size >= 2 && g->size <= CT_GROUP_MAX);
        sizes[g->size]++;
        for (a = 0; a < g->size; a++) {
            assert_int_equal(seen[g->members[a]]++, 0);
            placed++;
            for (b = a + 1; b < g->size; b++) {
                struct ct_pairing_score ps;
                assert_int_equal(ct_pairing_allowed(pl->ctx, g->members[a], g->members[b]),
                                 CT_RULE_NONE);
                ct_pairing_score_pair(pl->ctx, g->members[a], g->members[b], &ps);
                s += ps.total;
            }
        }
        assert_true(ct_pairing_group_hours(pl->ctx, g->members, g->size));
        assert_true(s - g->score.total < 1e-6 && g->score.total - s < 1e-6);
        total += s;
    }
    for (i = 0; i < pl->r->unpaired_count; i++)
        assert_int_equal(seen[pl->r->unpaired[i].member]++, 0);
    assert_true(total - pl->r->total < 1e-6 && pl->r->total - total < 1e-6);
    return placed;
}

/* The sizes the remainder makes: k = 3 and 4, every n up to 40. */
static void
test_sizes(void **state)
{
    size_t s[CT_GROUP_MAX + 1], n;
    unsigned k;

    (void)state;
    for (k = 2; k <= 4; k++)
        for (n = 2; n <= 40; n++) {
            ct_grouping_sizes(n, k, s);
            assert_int_equal(2 * s[2] + 3 * s[3] + 4 * s[4], n);
            assert_true(s[2] + s[3] + s[4] - s[k] <= 3); /* at most three of another size */
        }
    ct_grouping_sizes(13, 3, s); /* 3q + 1: one group of four */
    assert_int_equal(s[3], 3);
    assert_int_equal(s[4], 1);
    ct_grouping_sizes(14, 3, s); /* 3q + 2: one pair */
    assert_int_equal(s[3], 4);
    assert_int_equal(s[2], 1);
    ct_grouping_sizes(13, 4, s); /* 4q + 1: three groups of three */
    assert_int_equal(s[4], 1);
    assert_int_equal(s[3], 3);
    ct_grouping_sizes(14, 4, s); /* 4q + 2: two */
    assert_int_equal(s[4], 2);
    assert_int_equal(s[3], 2);
    ct_grouping_sizes(15, 4, s); /* 4q + 3: one */
    assert_int_equal(s[4], 3);
    assert_int_equal(s[3], 1);
    ct_grouping_sizes(5, 4, s); /* a three and a pair */
    assert_int_equal(s[3], 1);
    assert_int_equal(s[2], 1);
    ct_grouping_sizes(6, 4, s);
    assert_int_equal(s[3], 2);
    ct_grouping_sizes(2, 4, s);
    assert_int_equal(s[2], 1);
}

/* Nothing forbids anything: the plan has exactly the sizes of ct_grouping_sizes. */
static void
test_remainder_sizes(void **state)
{
    unsigned k;
    size_t n, want[CT_GROUP_MAX + 1], got[CT_GROUP_MAX + 1];

    (void)state;
    for (k = 3; k <= 4; k++)
        for (n = 4; n <= 41; n++) {
            struct net net;
            struct planned pl;
            net_of_orgs(&net, k, (uint32_t)n, 7 + n);
            plan(&net, &pl);
            assert_int_equal(check(&pl, got), n);
            assert_int_equal(pl.r->unpaired_count, 0);
            ct_grouping_sizes(n, k, want);
            if (memcmp(want, got, sizeof(want)) != 0)
                fail_msg("k %u n %zu: got %zu/%zu/%zu of 2/3/4, want %zu/%zu/%zu", k, n, got[2],
                         got[3], got[4], want[2], want[3], want[4]);
            done(&pl);
        }
}

/* A forbidden pair (excluded, tied, met, same organisation) never shares a group. */
static void
test_rules_every_pair(void **state)
{
    unsigned k;

    (void)state;
    for (k = 3; k <= 4; k++) {
        struct net net;
        struct planned pl;
        size_t sizes[CT_GROUP_MAX + 1], i;
        uint32_t x;

        net_init(&net, k, 3);
        for (x = 0; x < 16; x++)
            add(&net, 1 + x % 8); /* two members in each of eight organisations */
        net.p.require_different = CT_B_ORGANISATION;
        net.excl[net.nexcl].a = 0, net.excl[net.nexcl++].b = 1;
        net.ties[net.nties].a = 2, net.ties[net.nties++].b = 3;
        net.hist[net.nhist].a = 4, net.hist[net.nhist].b = 5, net.hist[net.nhist++].rounds_ago = 1;
        plan(&net, &pl);
        assert_int_equal(check(&pl, sizes), 16);
        assert_int_equal(sizes[k], 16 / k - (k == 3)); /* k = 3: 16 = 3 * 4 + 4 */
        for (i = 0; i < pl.r->group_count; i++) {
            const struct ct_pairing_group *g = &pl.r->groups[i];
            unsigned a, b;
            for (a = 0; a < g->size; a++)
                for (b = a + 1; b < g->size; b++) {
                    uint32_t u = g->members[a], v = g->members[b];
                    assert_false((u == 0 && v == 1) || (u == 2 && v == 3) || (u == 4 && v == 5));
                    assert_int_not_equal(net.m[u].organisation, net.m[v].organisation);
                }
        }
        done(&pl);
    }
}

/*
 * Working hours: zone 0 works 00-05, zone 1 03-09, zone 2 00-01 and 05-06
 * (UTC). Each two share an hour, the three never: no group holds all three.
 */
static void
test_hours_of_the_group(void **state)
{
    static const struct ct_interval z0[1] = {{0, 5 * 3600}}, z1[1] = {{3 * 3600, 9 * 3600}},
                                    z2[2] = {{0, 3600}, {5 * 3600, 6 * 3600}};
    unsigned k;

    (void)state;
    for (k = 3; k <= 4; k++) {
        struct net net;
        struct planned pl;
        size_t sizes[CT_GROUP_MAX + 1], i;
        uint32_t x;

        net_init(&net, k, 5);
        net.p.duration = 3600;
        net.zones[0].hours = z0;
        net.zones[0].count = 1;
        net.zones[1].hours = z1;
        net.zones[1].count = 1;
        net.zones[2].hours = z2;
        net.zones[2].count = 2;
        net.nzones = 3;
        for (x = 0; x < 24; x++)
            net.m[add(&net, x + 1)].zone = x % 3;
        plan(&net, &pl);
        assert_int_equal(check(&pl, sizes) + pl.r->unpaired_count, 24);
        assert_true(sizes[k] > 0);
        for (i = 0; i < pl.r->group_count; i++) {
            const struct ct_pairing_group *g = &pl.r->groups[i];
            unsigned a, seen = 0;
            for (a = 0; a < g->size; a++)
                seen |= 1u << net.m[g->members[a]].zone;
            if (g->size > 2)
                assert_int_not_equal(seen, 7u);
        }
        done(&pl);
    }
}

/* Over rounds, a group of another size goes to those who had the fewest. */
static void
test_rotation(void **state)
{
    unsigned k;

    (void)state;
    for (k = 3; k <= 4; k++) {
        struct net net;
        int round;
        size_t total_off = 0;

        net_of_orgs(&net, k, 13, 11); /* k 3: one four; k 4: three threes */
        for (round = 0; round < 8; round++) {
            struct planned pl;
            size_t sizes[CT_GROUP_MAX + 1], i;
            int min = INT32_MAX;
            uint32_t x;
            unsigned a;

            net.p.seed = 100 + (uint64_t)round;
            for (x = 0; x < net.n; x++)
                if (net.m[x].off_size < min)
                    min = net.m[x].off_size;
            plan(&net, &pl);
            assert_int_equal(check(&pl, sizes), 13);
            /* Everyone with the fewest goes first; with more seats than such
             * members, the next fill the rest. */
            {
                size_t at_min = 0, seats = k == 3 ? 4 : 9, got = 0;
                for (x = 0; x < net.n; x++)
                    at_min += net.m[x].off_size == min;
                for (i = 0; i < pl.r->group_count; i++)
                    for (a = 0; pl.r->groups[i].size != k && a < pl.r->groups[i].size; a++)
                        got += net.m[pl.r->groups[i].members[a]].off_size == min;
                assert_int_equal(got, at_min < seats ? at_min : seats);
            }
            for (i = 0; i < pl.r->group_count; i++)
                if (pl.r->groups[i].size != k)
                    for (a = 0; a < pl.r->groups[i].size; a++) {
                        net.m[pl.r->groups[i].members[a]].off_size++;
                        total_off++;
                    }
            done(&pl);
        }
        {
            int lo = INT32_MAX, hi = 0;
            uint32_t x;
            for (x = 0; x < net.n; x++) {
                lo = net.m[x].off_size < lo ? net.m[x].off_size : lo;
                hi = net.m[x].off_size > hi ? net.m[x].off_size : hi;
            }
            assert_true(hi - lo <= 1); /* spread evenly */
            assert_int_equal(total_off, 8 * (k == 3 ? 4 : 9));
        }
    }
}

/* odd = sit_out: the members left over sit out, the fewest sit-outs first. */
static void
test_sit_out(void **state)
{
    unsigned k;

    (void)state;
    for (k = 3; k <= 4; k++) {
        size_t n;
        for (n = 12; n <= 17; n++) {
            struct net net;
            int round;

            net_of_orgs(&net, k, (uint32_t)n, 21);
            net.p.odd = CT_ODD_SIT_OUT;
            for (round = 0; round < 6; round++) {
                struct planned pl;
                size_t sizes[CT_GROUP_MAX + 1], i, at_min = 0, got = 0;
                int min = INT32_MAX;
                uint8_t sat[MAXM] = {0};
                uint32_t x;

                net.p.seed = 300 + (uint64_t)round;
                for (x = 0; x < net.n; x++)
                    min = net.m[x].sit_outs < min ? net.m[x].sit_outs : min;
                for (x = 0; x < net.n; x++)
                    at_min += net.m[x].sit_outs == min;
                plan(&net, &pl);
                assert_int_equal(check(&pl, sizes) + n % k, n);
                assert_int_equal(sizes[k] * k, n - n % k); /* every group of k */
                assert_int_equal(pl.r->unpaired_count, n % k);
                for (i = 0; i < pl.r->unpaired_count; i++) {
                    assert_true(pl.r->unpaired[i].sit_out);
                    sat[pl.r->unpaired[i].member] = 1;
                    got += net.m[pl.r->unpaired[i].member].sit_outs == min;
                }
                assert_int_equal(got, at_min < n % k ? at_min : n % k);
                for (x = 0; x < net.n; x++) {
                    net.m[x].sit_outs += sat[x];
                    net.m[x].rounds_since_sit_out = sat[x] ? 1 : net.m[x].sit_outs ? 2 : 0;
                }
                done(&pl);
            }
        }
    }
}

/* The same seed gives the same groups; another seed, others. */
static void
test_deterministic(void **state)
{
    unsigned k;

    (void)state;
    for (k = 3; k <= 4; k++) {
        struct net net;
        struct planned a, b, c;
        size_t i, differ = 0;

        net_of_orgs(&net, k, 61, 9);
        plan(&net, &a);
        plan(&net, &b);
        net.p.seed = 10;
        plan(&net, &c);
        assert_int_equal(a.r->group_count, b.r->group_count);
        for (i = 0; i < a.r->group_count; i++)
            assert_memory_equal(&a.r->groups[i].members, &b.r->groups[i].members,
                                sizeof(a.r->groups[i].members));
        for (i = 0; i < a.r->group_count && i < c.r->group_count; i++)
            differ += memcmp(a.r->groups[i].members, c.r->groups[i].members,
                             sizeof(a.r->groups[i].members)) != 0;
        assert_true(differ > 0);
        done(&a);
        done(&b);
        done(&c);
    }
}

/* Random networks: organisations, ties, exclusions, history, require_different. */
static void
test_random_networks(void **state)
{
    uint64_t seed;

    (void)state;
    for (seed = 1; seed <= 300; seed++) {
        struct ct_rng rng;
        struct net net;
        struct planned pl;
        size_t sizes[CT_GROUP_MAX + 1], n, i, placed;
        unsigned k = 3 + (unsigned)(seed % 2);

        ct_rng_seed(&rng, seed);
        n = 6 + ct_rng_below(&rng, 60);
        net_init(&net, k, seed);
        for (i = 0; i < n; i++)
            add(&net, 1 + (uint32_t)ct_rng_below(&rng, 6));
        for (i = 0; i < n / 3; i++) {
            uint32_t a = (uint32_t)ct_rng_below(&rng, n), b = (uint32_t)ct_rng_below(&rng, n);
            if (a == b)
                continue;
            switch (ct_rng_below(&rng, 3)) {
            case 0: net.excl[net.nexcl].a = a, net.excl[net.nexcl++].b = b; break;
            case 1: net.ties[net.nties].a = a, net.ties[net.nties++].b = b; break;
            default:
                net.hist[net.nhist].a = a, net.hist[net.nhist].b = b;
                net.hist[net.nhist++].rounds_ago = 1 + (uint32_t)ct_rng_below(&rng, 4);
            }
        }
        if (seed % 3 == 0)
            net.p.require_different = CT_B_ORGANISATION;
        if (seed % 5 == 0)
            net.p.avoid_repeats = 2;
        plan(&net, &pl);
        placed = check(&pl, sizes); /* every rule, every pair */
        assert_int_equal(placed + pl.r->unpaired_count, n);
        done(&pl);
    }
}

/* group_size 2 is the engine as it was: pairs and at most one trio. */
static void
test_two_is_pairs(void **state)
{
    struct net net;
    struct planned pl;
    size_t sizes[CT_GROUP_MAX + 1];

    (void)state;
    net_of_orgs(&net, 2, 13, 4);
    plan(&net, &pl);
    assert_int_equal(check(&pl, sizes), 13);
    assert_int_equal(sizes[2], 5);
    assert_int_equal(sizes[3], 1);
    assert_int_equal(sizes[4], 0);
    done(&pl);
}

/* The bench's bound is above every plan's total. */
static void
test_bound(void **state)
{
    unsigned k;

    (void)state;
    for (k = 3; k <= 4; k++) {
        struct net net;
        struct planned pl;
        uint32_t all[MAXM], x;
        double bound = 0, next[MAXM];
        size_t sizes[CT_GROUP_MAX + 1];

        net_of_orgs(&net, k, 40, 2);
        for (x = 0; x < 40; x++)
            net.m[x].organisation = 1 + x % 5;
        plan(&net, &pl);
        check(&pl, sizes);
        for (x = 0; x < 40; x++)
            all[x] = x;
        for (x = 0; x < 40; x++)
            bound += ct_grouping_member_best(pl.ctx, all, 40, x, k, &next[x]) / 2;
        if (sizes[4] > 0 && k == 3) { /* the four's members have a third partner */
            unsigned j;
            for (j = 0; j < 4; j++) {
                uint32_t top = 0;
                for (x = 1; x < 40; x++)
                    top = next[x] > next[top] ? x : top;
                bound += next[top] / 2;
                next[top] = -1;
            }
        }
        assert_true(pl.r->total <= bound + 1e-9);
        assert_true(pl.r->total > 0.7 * bound);
        done(&pl);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_remainder_sizes),
        cmocka_unit_test(test_rules_every_pair),
        cmocka_unit_test(test_hours_of_the_group),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_sit_out),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_random_networks),
        cmocka_unit_test(test_two_is_pairs),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
