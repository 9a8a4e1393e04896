/*
 * test_report.c: every report figure on a small network, checked against
 * values worked out by hand (the working is in the comments), the reach
 * bound on its own, --round, and the renderers' shape (80 columns, CSV
 * rows, escaped HTML).
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ct.h"
#include "orgname.h"
#include "report.h"
#include "scratchdb.h"
#include "store.h"
#include "util.h"

#define NOW 1775000000

/*
 * Eight members in four organisations:
 *   Alpha: a1 (1), a2 (2), a3 (3)     Beta: b1 (4), b2 (5, paused)
 *   Gamma: c1 (6), c2 (7, erased)     Delta: d1 (8, left)
 * Declared tie: a1-a2. The organisation names sort Alpha, Beta, Delta, Gamma.
 *
 * Round 1, 2026-01-05, sent:
 *   G1 a1 b1        both ACCEPTED; outcome met, rating 5
 *   G2 a2 c1        a2 ACCEPTED, c1 DECLINED; no outcome
 *   G3 a3 b2 d1     trio, nobody answered; outcome did not meet
 *   c2 unpaired (sat out)
 *   outbox: a1 sent (and an older REQUEST that failed), b1 sent, a2 sent,
 *   c1 failed, a3 sent, b2 sent, d1 queued
 * Round 2, 2026-02-02, sent:
 *   G4 a1 c1        both ACCEPTED; no outcome
 *   G5 a2 b1        a2 TENTATIVE, b1 ACCEPTED; outcome met, rating 3
 *   G6 a3 d1        both ACCEPTED; outcome met, rating 4 (they were grouped in
 *                   round 1 but did not meet: still a first meeting)
 *   G7 b2 c2        both ACCEPTED, c2 then left the group; outcome did not meet
 * Round 5, 2026-03-20, cancelled (G12 a2 c1): left out, counted as cancelled.
 * Round 3, 2026-03-02, sent:
 *   G8 a1 b1        again; both ACCEPTED; no outcome
 *   G9 a2 d1        a2 DECLINED, d1 ACCEPTED; no outcome
 *   G10 a3 c1       both ACCEPTED; outcome met, no rating
 *   b2 unpaired (no eligible partner)
 * Round 4, 2026-04-06, planned: G11 b1 c1.
 * Round 6, 2026-04-06, replaced (G13 a1 d1): left out altogether.
 */
static const char fixture_sql[] =
    "INSERT INTO members (id, email, name, organisation, status, created_at, updated_at) VALUES"
    " (1, 'a1@alpha.org', 'Ann <One>', 'Alpha', 'active', 0, 0),"
    " (2, 'a2@alpha.org', 'Al Two', 'Alpha', 'active', 0, 0),"
    " (3, 'a3@alpha.org', 'Ada Three', 'Alpha', 'active', 0, 0),"
    " (4, 'b1@beta.org', 'Ben One', 'Beta', 'active', 0, 0),"
    " (5, 'b2@beta.org', 'Bea Two', 'Beta', 'paused', 0, 0),"
    " (6, 'c1@gamma.org', 'Cy One', 'Gamma', 'active', 0, 0),"
    " (7, NULL, NULL, 'Gamma', 'erased', 0, 0),"
    " (8, 'd1@delta.org', 'Di One', 'Delta', 'left', 0, 0);"
    "INSERT INTO ties (a, b) VALUES (1, 2);"
    "INSERT INTO rounds (id, date, seed, state, created_at) VALUES"
    " (1, '2026-01-05', 1, 'sent', 0), (2, '2026-02-02', 2, 'sent', 0),"
    " (3, '2026-03-02', 3, 'sent', 0), (4, '2026-04-06', 4, 'planned', 0),"
    " (5, '2026-03-20', 5, 'cancelled', 0), (6, '2026-04-06', 6, 'replaced', 0);"
    "INSERT INTO groups (id, round_id, uid, state) VALUES"
    " (1, 1, 'u1', 'sent'), (2, 1, 'u2', 'sent'), (3, 1, 'u3', 'sent'),"
    " (4, 2, 'u4', 'sent'), (5, 2, 'u5', 'sent'), (6, 2, 'u6', 'sent'), (7, 2, 'u7', 'sent'),"
    " (8, 3, 'u8', 'sent'), (9, 3, 'u9', 'sent'), (10, 3, 'u10', 'sent'),"
    " (11, 4, 'u11', 'planned'), (12, 5, 'u12', 'cancelled'), (13, 6, 'u13', 'planned');"
    "INSERT INTO group_members (group_id, member_id, partstat, removed) VALUES"
    " (1, 1, 'ACCEPTED', 0), (1, 4, 'ACCEPTED', 0),"
    " (2, 2, 'ACCEPTED', 0), (2, 6, 'DECLINED', 0),"
    " (3, 3, 'NEEDS-ACTION', 0), (3, 5, 'NEEDS-ACTION', 0), (3, 8, 'NEEDS-ACTION', 0),"
    " (4, 1, 'ACCEPTED', 0), (4, 6, 'ACCEPTED', 0),"
    " (5, 2, 'TENTATIVE', 0), (5, 4, 'ACCEPTED', 0),"
    " (6, 3, 'ACCEPTED', 0), (6, 8, 'ACCEPTED', 0),"
    " (7, 5, 'ACCEPTED', 0), (7, 7, 'ACCEPTED', 1),"
    " (8, 1, 'ACCEPTED', 0), (8, 4, 'ACCEPTED', 0),"
    " (9, 2, 'DECLINED', 0), (9, 8, 'ACCEPTED', 0),"
    " (10, 3, 'ACCEPTED', 0), (10, 6, 'ACCEPTED', 0),"
    " (11, 4, 'NEEDS-ACTION', 0), (11, 6, 'NEEDS-ACTION', 0),"
    " (12, 2, 'NEEDS-ACTION', 0), (12, 6, 'NEEDS-ACTION', 0),"
    " (13, 1, 'NEEDS-ACTION', 0), (13, 8, 'NEEDS-ACTION', 0);"
    "INSERT INTO unpaired (round_id, member_id, reason, sit_out) VALUES"
    " (1, 7, 'odd number: sat out', 1), (3, 5, 'no eligible partner', 0);"
    "INSERT INTO outcomes (group_id, met, rating, source, recorded_at) VALUES"
    " (1, 1, 5, 'cli', 0), (3, 0, NULL, 'cli', 0), (5, 1, 3, 'cli', 0),"
    " (6, 1, 4, 'cli', 0), (7, 0, NULL, 'cli', 0), (10, 1, NULL, 'cli', 0);"
    "INSERT INTO outbox (message_id, kind, group_id, member_id, recipient, subject, text_body,"
    " message, state, next_attempt_at, created_at) VALUES"
    " ('m1', 'request', 1, 1, 'x', 's', 't', 'm', 'dead', 0, 0),"
    " ('m2', 'request', 1, 1, 'x', 's', 't', 'm', 'sent', 0, 0),"
    " ('m3', 'request', 1, 4, 'x', 's', 't', 'm', 'sent', 0, 0),"
    " ('m4', 'request', 2, 2, 'x', 's', 't', 'm', 'sent', 0, 0),"
    " ('m5', 'request', 2, 6, 'x', 's', 't', 'm', 'dead', 0, 0),"
    " ('m6', 'request', 3, 3, 'x', 's', 't', 'm', 'sent', 0, 0),"
    " ('m7', 'request', 3, 5, 'x', 's', 't', 'm', 'sent', 0, 0),"
    " ('m8', 'request', 3, 8, 'x', 's', 't', 'm', 'queued', 0, 0),"
    " ('m9', 'notice', NULL, 5, 'x', 's', 't', 'm', 'sent', 0, 0);"
    /* a3 proposed another time for G3 (twice); c1's plain decline of G2 proposes nothing */
    "INSERT INTO replies (group_id, member_id, method, partstat, sequence, dtstamp,"
    " proposed_start, received_at) VALUES"
    " (3, 3, 'COUNTER', 'NEEDS-ACTION', 0, 1, 1767600000, 0),"
    " (3, 3, 'COUNTER', 'NEEDS-ACTION', 0, 2, 1767700000, 0),"
    " (2, 6, 'REPLY', 'DECLINED', 0, 1, NULL, 0);";

static int
setup(void **state)
{
    struct scratchdb *f = scratchdb_new("report");

    sql_exec(f->store, fixture_sql);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    scratchdb_free(*state);
    return 0;
}

static struct ct_report *
build(struct scratchdb *f, int64_t round)
{
    struct ct_report *rep = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_report_build(f->store, NULL, round, NOW, &rep, &err) != CT_OK)
        fail_msg("ct_report_build: %s", err.message);
    return rep;
}

#define assert_near(got, want) assert_true(fabs((got) - (want)) < 1e-6)

/* ---- the transportation bound alone ------------------------------------------------ */

static void
test_reach_flow(void **state)
{
    /*
     * Three organisations. X: three members with 2 partners each; Y and Z:
     * one member with 1 partner each. The simple bound lets every X member
     * meet both Y and Z (2 each), Y and Z one each: 8. But Y's one member
     * can be the partner of only one other member, and Z's too, so at most
     * 2 X-members meet a new organisation once each; Y and Z meet one
     * organisation each: 4.
     */
    const size_t org[] = {0, 0, 0, 1, 2};
    const long partners[] = {2, 2, 2, 1, 1};
    long capacity = -1;

    (void)state;
    assert_int_equal(ct_report_reach_flow(org, partners, 5, 3, &capacity), 4);
    assert_int_equal(capacity, 8);
    /* One organisation: no reach to speak of. */
    assert_int_equal(ct_report_reach_flow(org, partners, 3, 1, &capacity), 0);
    /* Plenty of partners everywhere: the bound is everyone meeting everyone else's org. */
    {
        const size_t o2[] = {0, 1, 2, 0, 1, 2};
        const long p2[] = {5, 5, 5, 5, 5, 5};
        assert_int_equal(ct_report_reach_flow(o2, p2, 6, 3, &capacity), 12);
        assert_int_equal(capacity, 12);
    }
}

/*
 * The transportation network member by member (source -> member, cap
 * min(partners, k - 1); member -> every other organisation, cap 1;
 * organisation -> sink, cap the sum of its partner counts), its maximum
 * flow by augmenting paths on a matrix: the reference for the cut.
 */
#define REF_NODES 24
static long
reference_flow(const size_t *org, const long *partners, size_t n, size_t k)
{
    long cap[REF_NODES][REF_NODES] = {{0}}, total = 0;
    size_t src = 0, sink = 1 + n + k, i, p, v;

    for (i = 0; i < n; i++) {
        cap[src][1 + i] = partners[i] < (long)k - 1 ? partners[i] : (long)k - 1;
        for (p = 0; p < k; p++)
            if (p != org[i])
                cap[1 + i][1 + n + p] = 1;
        cap[1 + n + org[i]][sink] += partners[i];
    }
    for (;;) {
        size_t prev[REF_NODES], queue[REF_NODES], qh = 0, qt = 0;
        long push = LONG_MAX;

        for (v = 0; v <= sink; v++)
            prev[v] = SIZE_MAX;
        prev[src] = src;
        queue[qt++] = src;
        while (qh < qt && prev[sink] == SIZE_MAX)
            for (v = 0, i = queue[qh++]; v <= sink; v++)
                if (prev[v] == SIZE_MAX && cap[i][v] > 0) {
                    prev[v] = i;
                    queue[qt++] = v;
                }
        if (prev[sink] == SIZE_MAX)
            return total;
        for (v = sink; v != src; v = prev[v])
            push = cap[prev[v]][v] < push ? cap[prev[v]][v] : push;
        for (v = sink; v != src; v = prev[v]) {
            cap[prev[v]][v] -= push;
            cap[v][prev[v]] += push;
        }
        total += push;
    }
}

/* The bound (a minimum cut, no network built) equals the maximum flow, on random small cases. */
static void
test_reach_flow_random(void **state)
{
    uint64_t seed = 12345;
    int round;

    (void)state;
    for (round = 0; round < 3000; round++) {
        size_t org[16], n, k, i;
        long partners[16];

        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        n = 1 + (size_t)(seed >> 60);       /* 1..16 */
        k = 2 + (size_t)((seed >> 40) % 5); /* 2..6 */
        for (i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            org[i] = (size_t)((seed >> 33) % k);
            partners[i] = (long)((seed >> 20) % 7);
        }
        assert_int_equal(ct_report_reach_flow(org, partners, n, k, NULL),
                         reference_flow(org, partners, n, k));
    }
}

/* ---- every figure -------------------------------------------------------------------- */

static void
test_rounds(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep = build(f, 0);
    const struct ct_report_round *r;

    /* Rows: rounds 1, 2, 3 (sent) and 4 (planned), by date; 5 cancelled, 6 replaced. */
    assert_int_equal(rep->rounds_count, 4);
    assert_int_equal(rep->rounds[0].id, 1);
    assert_int_equal(rep->rounds[1].id, 2);
    assert_int_equal(rep->rounds[2].id, 3);
    assert_int_equal(rep->rounds[3].id, 4);
    assert_int_equal(rep->cancelled_rounds, 1);
    assert_int_equal(rep->selected, -1);

    /*
     * Round 1. Grouped a1 b1 a2 c1 a3 b2 d1 = 7, c2 unpaired (sat out):
     * eligible 8. Pairings a1-b1, a2-c1, a3-b2, a3-d1, b2-d1 = 5, all across
     * organisations, none adjacent in the graph {a1-a2}: 5 first meetings.
     * Shared contacts: a1 knows a2, b1 nobody; a2 knows a1, c1 nobody: 0.
     */
    r = &rep->rounds[0];
    assert_string_equal(r->date, "2026-01-05");
    assert_int_equal(r->state, CT_ROUND_SENT);
    assert_int_equal(r->eligible, 8);
    assert_int_equal(r->grouped, 7);
    assert_int_equal(r->groups, 3);
    assert_int_equal(r->trios, 1);
    assert_int_equal(r->unpaired, 1);
    assert_int_equal(r->sat_out, 1);
    assert_int_equal(r->pairings, 5);
    assert_int_equal(r->cross_org, 5);
    assert_near(r->cross_org_share, 1.0);
    assert_int_equal(r->first_meetings, 5);
    assert_near(r->first_meeting_share, 1.0);
    assert_near(r->mean_shared_contacts, 0.0);
    /*
     * Invitations, per member and group: a1 (one failed, one sent: sent),
     * b1, a2, a3, b2 sent; c1 failed; d1 queued. The notice is no invitation.
     */
    assert_int_equal(r->invites, 7);
    assert_int_equal(r->invites_sent, 5);
    assert_int_equal(r->invites_failed, 1);
    assert_int_equal(r->invites_pending, 1);
    assert_int_equal(r->accepted, 3);
    assert_int_equal(r->declined, 1);
    assert_int_equal(r->tentative, 0);
    /* a3 proposed another time (two COUNTERs, one member); c1 only declined. */
    assert_int_equal(r->proposed, 1);
    /* Outcomes: G1 met (5), G3 did not; G2 has none (and c1 declined). */
    assert_int_equal(r->outcomes, 2);
    assert_int_equal(r->met, 1);
    assert_int_equal(r->not_met, 1);
    assert_int_equal(r->ratings, 1);
    assert_near(r->mean_rating, 5.0);
    assert_int_equal(r->awaiting, 1);
    assert_int_equal(r->awaiting_accepted, 0);
    /*
     * Contacts: only a1-b1 (G2: c1 declined; G3: did not meet). Everyone
     * took part: 8 members, 4 organisations, 3 others each.
     * Met: a1 {Beta}, b1 {Alpha}: reach = 2 / (8 x 3) = 0.083333.
     * Partners: a1 1, b1 1, a2 1, c1 1, a3 2, b2 2, d1 2, c2 0; each capped
     * at 3: 10; simple bound 10/24.
     * Transport: supply Alpha 1+1+2 = 4, Beta 1+2 = 3, Gamma 1+0 = 1,
     * Delta 2 (total 10). Alpha <- b1 b2 c1 d1, Beta <- a1 a2 d1,
     * Delta <- a3 b2, Gamma <- a3 reaches 10: bound 10/24 too.
     */
    assert_int_equal(r->new_ties, 1);
    assert_int_equal(r->ties, 1);
    assert_int_equal(r->participants, 8);
    assert_int_equal(r->organisations, 4);
    assert_near(r->reach, 2.0 / 24);
    assert_near(r->reach_capacity, 10.0 / 24);
    assert_near(r->reach_bound, 10.0 / 24);

    /*
     * Round 2. Eight grouped (c2 counts though she left G7 later), no
     * unpaired. Pairings a1-c1, a2-b1, a3-d1, b2-c2: 4, all across, all
     * first (a3-d1 were grouped in round 1 but did not meet).
     * Graph before: a1-a2 (tie), a1-b1. Shared: a1-c1: 0; a2-b1: both know
     * a1: 1; a3-d1 0; b2-c2 0. Mean 1/4.
     */
    r = &rep->rounds[1];
    assert_int_equal(r->eligible, 8);
    assert_int_equal(r->grouped, 8);
    assert_int_equal(r->trios, 0);
    assert_int_equal(r->unpaired, 0);
    assert_int_equal(r->pairings, 4);
    assert_int_equal(r->cross_org, 4);
    assert_int_equal(r->first_meetings, 4);
    assert_near(r->mean_shared_contacts, 0.25);
    /* No invitations in the outbox for this round. */
    assert_int_equal(r->invites, 0);
    /* Answers of members still in their group: c2 (removed) is not counted. */
    assert_int_equal(r->accepted, 6);
    assert_int_equal(r->tentative, 1);
    assert_int_equal(r->declined, 0);
    assert_int_equal(r->proposed, 0);
    /* G5 met (3), G6 met (4), G7 did not; G4 open, both accepted. */
    assert_int_equal(r->outcomes, 3);
    assert_int_equal(r->met, 2);
    assert_int_equal(r->not_met, 1);
    assert_near(r->mean_rating, 3.5);
    assert_int_equal(r->awaiting, 1);
    assert_int_equal(r->awaiting_accepted, 1);
    /*
     * Contacts: a1-c1 (no outcome, nobody declined), a2-b1, a3-d1; b2-c2
     * did not meet. 3 new, 4 in all.
     * Met: a1 {Beta, Gamma} 2, b1 {Alpha} 1, a2 {Beta} 1, c1 {Alpha} 1,
     * a3 {Delta} 1, d1 {Alpha} 1, b2 0, c2 0: 7. Reach 7/24.
     * Partners: a1 2, b1 2, a2 2, c1 2, a3 3, b2 2 (c2 left G7), d1 3,
     * c2 0. Capped at 3: 16; simple bound 16/24.
     * Transport: supply Alpha 2+2+3 = 7, Beta 4, Gamma 2, Delta 3. Into
     * Alpha at most 4 (b1 b2 c1 d1), Beta 4, Gamma 2, Delta 3: 13, reached
     * by Alpha <- b1 b2 c1 d1; Beta <- a1 a2 a3 d1; Gamma <- b1 b2;
     * Delta <- a1 a2 a3. Bound 13/24.
     */
    assert_int_equal(r->new_ties, 3);
    assert_int_equal(r->ties, 4);
    assert_near(r->reach, 7.0 / 24);
    assert_near(r->reach_capacity, 16.0 / 24);
    assert_near(r->reach_bound, 13.0 / 24);

    /*
     * Round 3. Grouped a1 b1 a2 d1 a3 c1 = 6, b2 unpaired (not a sit-out):
     * eligible 7. Pairings 3, all across. Graph before: a1-a2, a1-b1,
     * a1-c1, a2-b1, a3-d1. a1-b1 met before: 2 first meetings of 3.
     * Shared: a1-b1: both know a2: 1; a2-d1: 0; a3-c1: 0. Mean 1/3.
     */
    r = &rep->rounds[2];
    assert_int_equal(r->eligible, 7);
    assert_int_equal(r->grouped, 6);
    assert_int_equal(r->unpaired, 1);
    assert_int_equal(r->sat_out, 0);
    assert_int_equal(r->pairings, 3);
    assert_int_equal(r->first_meetings, 2);
    assert_near(r->first_meeting_share, 2.0 / 3);
    assert_near(r->mean_shared_contacts, 1.0 / 3);
    assert_int_equal(r->accepted, 5);
    assert_int_equal(r->declined, 1);
    assert_int_equal(r->outcomes, 1);
    assert_int_equal(r->met, 1);
    assert_int_equal(r->ratings, 0);
    assert_true(isnan(r->mean_rating));
    assert_int_equal(r->awaiting, 2);
    assert_int_equal(r->awaiting_accepted, 1);
    /*
     * Contacts: a1-b1 (again, not new), a3-c1 (new); a2 declined G9.
     * Met: a1 2, b1 1, a2 1, d1 1, a3 {Delta, Gamma} 2, c1 1, b2 0, c2 0:
     * 8. Reach 8/24. Partners: a1 3, b1 3, a2 3, d1 4, a3 4, c1 3, b2 2,
     * c2 0; capped: 3+3+3+3+3+3+2+0 = 20.
     * Transport: supply Alpha 3+3+4 = 10, Beta 3+2 = 5, Gamma 3, Delta 4.
     * Into Alpha at most 4 (b1 b2 c1 d1), Beta 5 (a1 a2 a3 c1 d1), Gamma 3,
     * Delta 4: 16, reached by Alpha <- b1 b2 c1 d1; Beta <- a1 a2 a3 c1 d1;
     * Gamma <- a1 a2 a3; Delta <- b1 b2 c1 a1. Bound 16/24.
     */
    assert_int_equal(r->new_ties, 1);
    assert_int_equal(r->ties, 5);
    assert_near(r->reach, 8.0 / 24);
    assert_near(r->reach_capacity, 20.0 / 24);
    assert_near(r->reach_bound, 16.0 / 24);

    /*
     * Round 4, planned: b1-c1, across, first (not adjacent), both know a1:
     * shared 1. Nothing sent, so no answers and no over-time figures.
     */
    r = &rep->rounds[3];
    assert_int_equal(r->state, CT_ROUND_PLANNED);
    assert_int_equal(r->eligible, 2);
    assert_int_equal(r->pairings, 1);
    assert_int_equal(r->first_meetings, 1);
    assert_near(r->mean_shared_contacts, 1.0);
    assert_int_equal(r->accepted, 0);
    assert_int_equal(r->outcomes, 0);
    assert_true(isnan(r->reach));
    ct_report_free(rep);
}

/* A dropped invitation (outbox drop) counts as none: not sent, failed or pending. */
static void
test_dropped_invitation(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep;

    sql_exec(f->store, "UPDATE outbox SET state = 'dropped' WHERE message_id = 'm8'");
    rep = build(f, 0);
    assert_int_equal(rep->rounds[0].invites_sent, 5);
    assert_int_equal(rep->rounds[0].invites_failed, 1);
    assert_int_equal(rep->rounds[0].invites_pending, 0);
    ct_report_free(rep);
}

/*
 * Spellings of one organisation are one organisation in the report, as in
 * pairing: folded ("ALPHA" is "Alpha", named by its commonest spelling),
 * then mapped through the [roster] aliases ("Delta = Beta").
 */
static void
test_org_spellings(void **state)
{
    static const char text[] = "Delta = Beta\n";
    struct scratchdb *f = *state;
    struct ct_orgname_aliases *aliases = NULL;
    struct ct_report *rep;
    struct ct_diags diags;
    struct ct_error err;

    sql_exec(f->store, "UPDATE members SET organisation = 'ALPHA' WHERE id = 3;"
                       "UPDATE members SET organisation = 'gamma.' WHERE id = 7");
    rep = build(f, 0);
    assert_int_equal(rep->orgs_count, 4);
    assert_string_equal(rep->orgs[0].name, "Alpha");
    assert_int_equal(rep->orgs[0].members, 3);
    assert_string_equal(rep->orgs[3].name, "Gamma");
    assert_int_equal(rep->orgs[3].members, 2);
    assert_int_equal(rep->cross_org, 12);
    ct_report_free(rep);

    ct_diags_init(&diags);
    assert_int_equal(ct_orgname_aliases_parse("aliases", text, strlen(text), &aliases, &diags),
                     CT_OK);
    ct_error_clear(&err);
    assert_int_equal(ct_report_build(f->store, aliases, 0, NOW, &rep, &err), CT_OK);
    assert_int_equal(rep->orgs_count, 3);
    assert_string_equal(rep->orgs[1].name, "Beta");
    assert_int_equal(rep->orgs[1].members, 3); /* b1, b2 and d1 */
    /* Of the 12 pairs across organisations, only b2-d1 (in the trio G3) is now within one. */
    assert_int_equal(rep->cross_org, 11);
    ct_report_free(rep);
    ct_orgname_aliases_free(aliases);
    ct_diags_free(&diags);
}

static void
test_over_time(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep = build(f, 0);
    /* Alpha, Beta, Delta, Gamma. */
    static const long mixing[4][4] = {
        /*
         * Sent groups, members still in them: A-B: a1-b1 (r1), a3-b2 (r1),
         * a2-b1 (r2), a1-b1 (r3) = 4; A-G: a2-c1, a1-c1, a3-c1 = 3;
         * A-D: a3-d1 (r1), a3-d1 (r2), a2-d1 (r3) = 3; B-D: b2-d1 = 1;
         * b2-c2 does not count (c2 left the group).
         */
        {0, 4, 3, 3},
        {4, 0, 1, 0},
        {3, 1, 0, 0},
        {3, 0, 0, 0},
    };
    size_t i, j;

    assert_int_equal(rep->rounds_sent, 3);
    /* 5 + 4 + 3 pairings, all across. */
    assert_int_equal(rep->pairings, 12);
    assert_int_equal(rep->cross_org, 12);
    /* a1b1 a2c1 a3b2 a3d1 b2d1 a1c1 a2b1 a2d1 a3c1: 9 distinct pairs. */
    assert_int_equal(rep->distinct_pairs, 9);
    assert_int_equal(rep->ties, 5);
    assert_int_equal(rep->outcomes, 6);
    assert_int_equal(rep->met, 4);
    assert_int_equal(rep->ratings, 3);
    assert_near(rep->mean_rating, 4.0); /* (5 + 3 + 4) / 3 */
    assert_near(rep->reach, 8.0 / 24);
    assert_near(rep->reach_bound, 16.0 / 24);
    assert_near(rep->reach_capacity, 20.0 / 24);

    assert_int_equal(rep->orgs_count, 4);
    assert_string_equal(rep->orgs[0].name, "Alpha");
    assert_string_equal(rep->orgs[1].name, "Beta");
    assert_string_equal(rep->orgs[2].name, "Delta");
    assert_string_equal(rep->orgs[3].name, "Gamma");
    assert_int_equal(rep->orgs[0].members, 3);
    assert_int_equal(rep->orgs[3].members, 2); /* c2 erased, still counted */
    for (i = 0; i < 4; i++)
        for (j = 0; j < 4; j++)
            if (rep->mixing[i * 4 + j] != mixing[i][j])
                fail_msg("mixing[%zu][%zu] = %ld, want %ld", i, j, rep->mixing[i * 4 + j],
                         mixing[i][j]);

    /* Other organisations met: b2, c2: 0; b1, a2, d1, c1: 1; a1, a3: 2. */
    assert_int_equal(rep->orgs_met_histogram[0], 2);
    assert_int_equal(rep->orgs_met_histogram[1], 4);
    assert_int_equal(rep->orgs_met_histogram[2], 2);
    assert_int_equal(rep->orgs_met_histogram[3], 0);

    /* Members: all eight took part; the erased one without name or e-mail. */
    assert_int_equal(rep->members_count, 8);
    assert_null(rep->members[6].member.email);
    assert_null(rep->members[6].member.name);
    assert_int_equal(rep->members[6].rounds, 2);
    assert_int_equal(rep->members[0].rounds, 3);
    assert_int_equal(rep->members[0].partners, 3);
    assert_int_equal(rep->members[0].orgs_met, 2);

    /*
     * Waits, current members only (d1 left, c2 erased): b2 took part in all
     * three rounds without meeting anyone (G3, G7 did not meet; unpaired in
     * round 3): 3, never. a2 last met across in round 2 (b1), declined in
     * round 3: 1. a1, a3, b1, c1 met across in their last round: 0, not
     * listed. d1 (also 1) has left.
     */
    assert_int_equal(rep->waits_count, 2);
    assert_string_equal(rep->members[rep->waits[0]].member.email, "b2@beta.org");
    assert_int_equal(rep->members[rep->waits[0]].waited, 3);
    assert_true(rep->members[rep->waits[0]].never_crossed);
    assert_int_equal(rep->members[rep->waits[0]].member.status, CT_MEMBER_PAUSED);
    assert_string_equal(rep->members[rep->waits[1]].member.email, "a2@alpha.org");
    assert_int_equal(rep->members[rep->waits[1]].waited, 1);
    assert_false(rep->members[rep->waits[1]].never_crossed);
    assert_string_equal(rep->members[rep->waits[1]].last_cross, "2026-02-02");
    ct_report_free(rep);
}

static void
test_as_of_round(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep = build(f, 2);
    struct ct_error err;

    /* As of round 2: rows 1 and 2, figures of round 2, no later round counted. */
    assert_int_equal(rep->rounds_count, 2);
    assert_int_equal(rep->selected, 1);
    assert_int_equal(rep->cancelled_rounds, 0);
    assert_int_equal(rep->rounds_sent, 2);
    assert_int_equal(rep->ties, 4);
    assert_near(rep->reach, 7.0 / 24);
    assert_near(rep->reach_bound, 13.0 / 24);
    ct_report_free(rep);

    ct_error_clear(&err);
    rep = (struct ct_report *)1;
    assert_int_equal(ct_report_build(f->store, NULL, 99, NOW, &rep, &err), CT_ENOTFOUND);
    assert_null(rep);
    assert_string_equal(err.message, "no round 99 (see coffeetrial round list)");
    assert_int_equal(ct_report_build(f->store, NULL, 6, NOW, &rep, &err), CT_ENOTFOUND);
    assert_int_equal(ct_report_build(f->store, NULL, 5, NOW, &rep, &err), CT_ESTATE);
    assert_string_equal(err.message, "round 5 was cancelled; nothing to report");
}

/* Fail with the whole output when needle is not in it. */
static void
assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fputs("--- output:\n", stderr);
        fputs(haystack, stderr);
        fail_msg("output lacks:\n%s", needle);
    }
}

static void
test_empty(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep;
    struct ct_buf b;

    sql_exec(f->store, "DELETE FROM outbox; DELETE FROM outcomes; DELETE FROM unpaired;"
                       " DELETE FROM group_members; DELETE FROM groups; DELETE FROM rounds;");
    rep = build(f, 0);
    assert_int_equal(rep->rounds_count, 0);
    assert_int_equal(rep->members_count, 0);
    assert_true(isnan(rep->reach));
    ct_buf_init(&b);
    assert_true(ct_report_render_text(rep, NULL, &b));
    assert_contains(b.data, "No rounds yet");
    ct_buf_reset(&b);
    assert_true(ct_report_render_html(rep, NULL, &b));
    assert_contains(b.data, "No rounds yet");
    ct_buf_reset(&b);
    assert_true(ct_report_render_json(rep, NULL, &b));
    assert_contains(b.data, "\"rounds\": []");
    ct_buf_free(&b);
    ct_report_free(rep);
}

/* ---- the renderers ------------------------------------------------------------------- */

/* Columns a line takes on a terminal: one per code point. */
static size_t
columns(const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            n++;
    return n;
}

static void
test_render_text(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report_options opts = {.title = "Riverside Health and Care Coffee Trial Network "
                                              "with a very long name indeed"};
    struct ct_report *rep;
    struct ct_buf b;
    const char *line, *end;

    /* A long name, to see that cells are cut and lines stay within 80 columns. */
    sql_exec(f->store, "UPDATE members SET name = 'Bea Wilhelmina Theodora Featherstonehaugh-"
                       "Ffolkes' WHERE id = 5");
    rep = build(f, 0);
    ct_buf_init(&b);
    assert_true(ct_report_render_text(rep, &opts, &b));
    for (line = b.data; *line; line = end + 1) {
        end = strchr(line, '\n');
        assert_non_null(end);
        if (columns(line, (size_t)(end - line)) > 80)
            fail_msg("line wider than 80 columns:\n%.*s", (int)(end - line), line);
    }
    assert_contains(b.data, "    1 2026-01-05 sent           8       7     1        1"
                            "   100%  100%   0.00\n");
    assert_contains(b.data, "    3 2026-03-02 sent           7       6     0        1"
                            "   100%   67%   0.33\n");
    /* Answers: accepted, tentative, declined, proposed; outcomes in a table of their own. */
    assert_contains(b.data, "    1 2026-01-05     5      1       1        3         0"
                            "        1        1\n");
    assert_contains(b.data, "    1 2026-01-05    1       1    5.0\n");
    assert_contains(b.data,
                    "    2 2026-02-02        3        4       8    4    29%    54%     67%\n");
    assert_contains(b.data, "    4 2026-04-06  (not sent yet)\n");
    assert_contains(b.data, "  distinct ties made         5\n");
    assert_contains(b.data, "   1 Alpha                         3       0      10"
                            "     3 of 3\n");
    assert_contains(b.data, "   1 Alpha                     0    4    3    3\n");
    assert_contains(b.data,
                    "      3  Bea Wilhelmina Theodora Feat~ Beta                 never (paused)\n");
    assert_contains(b.data, "never (paused)\n");
    /* Erased and left members never appear by name. */
    assert_null(strstr(b.data, "d1@delta.org"));
    ct_buf_free(&b);
    ct_report_free(rep);
}

static void
test_render_csv_json(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep = build(f, 0);
    struct ct_buf b;
    const char *p;
    size_t lines = 0;

    ct_buf_init(&b);
    assert_true(ct_report_render_csv(rep, NULL, &b));
    for (p = b.data; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    assert_int_equal(lines, 1 + 4);
    assert_true(strncmp(b.data, "round,date,state,eligible,grouped,", 34) == 0);
    assert_contains(
        b.data, "\r\n2,2026-02-02,sent,8,8,4,0,0,0,0,4,4,1.0000,4,1.0000,0.2500,"
                "0,0,0,0,6,0,1,3,2,1,2,3.5000,1,1,3,4,8,4,0.2917,0.5417,0.6667,0,,0,0,0,0,0\r\n");
    assert_contains(b.data,
                    "\r\n4,2026-04-06,planned,2,2,1,0,0,0,0,1,1,1.0000,1,1.0000,1.0000,0,0,0,"
                    "0,0,0,0,0,0,0,0,,0,0,,,,,,,,0,,0,0,0,0,0\r\n");
    assert_contains(b.data, "\r\n1,2026-01-05,");
    assert_true(strstr(b.data,
                       "reach_simple_bound,proposed,weak_link_meetings,skips,pauses,stops,checkins,"
                       "rematches\r\n") != NULL);
    ct_buf_reset(&b);
    assert_true(ct_report_render_json(rep, NULL, &b));
    assert_contains(b.data, "\"round\": null");
    assert_contains(b.data, "\"mixing\": [\n   [0, 4, 3, 3],\n   [4, 0, 1, 0],");
    assert_contains(b.data, "{\"email\": null, \"name\": null, \"organisation\": \"Gamma\"");
    assert_contains(b.data, "\"name\": \"Ann <One>\"");
    assert_contains(b.data, "\"reach\": 0.3333, \"reach_bound\": 0.6667");
    assert_contains(b.data, "\"declined\": 1, \"tentative\": 0, \"proposed\": 1,");
    ct_buf_free(&b);
    ct_report_free(rep);
}

/*
 * The Relational Coordination section: roles for a1 (Nurse), b1
 * (Pharmacist), c1 (Social Worker); two waves. Nurse-Pharmacist met in
 * G1 (round 1) and G8 (round 3), Nurse-Social Worker in G4 (round 2);
 * G11 (planned) and G12 (cancelled) do not count.
 */
static void
test_rc_section(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report *rep;
    struct ct_buf b;

    sql_exec(f->store, "UPDATE members SET role = 'Nurse' WHERE id = 1;"
                       "UPDATE members SET role = 'Pharmacist' WHERE id = 4;"
                       "UPDATE members SET role = 'Social Worker' WHERE id = 6;"
                       "INSERT INTO rc_waves (id, date, source, rows, imported_at) VALUES"
                       " (1, '2026-01-01', 'jan.csv', 2, 0), (2, '2026-02-15', 'feb.csv', 2, 0);"
                       "INSERT INTO rc_links (wave_id, role_a, role_b, strength) VALUES"
                       " (1, 'Nurse', 'Pharmacist', 2.0), (1, 'Nurse', 'Social Worker', 3.5),"
                       " (2, 'Nurse', 'Pharmacist', 2.6), (2, 'Nurse', 'Social Worker', 2.8);");
    rep = build(f, 0);
    assert_string_equal(rep->rc_wave, "2026-02-15");
    assert_string_equal(rep->rc_previous, "2026-01-01");
    assert_int_equal(rep->rc_count, 2);
    ct_buf_init(&b);
    assert_true(ct_report_render_json(rep, NULL, &b));
    assert_contains(b.data, "\"relational_coordination\": {\"wave\": \"2026-02-15\", "
                            "\"previous_wave\": \"2026-01-01\", \"weak_below\": 3.0");
    assert_contains(b.data, "{\"role_a\": \"Nurse\", \"role_b\": \"Pharmacist\", "
                            "\"strength\": 2.6000, \"previous_strength\": 2.0000, "
                            "\"change\": 0.6000, \"meetings_between_waves\": 1, "
                            "\"meetings_per_round\": [{\"round\": 1, \"meetings\": 1}, "
                            "{\"round\": 2, \"meetings\": 0}, {\"round\": 3, \"meetings\": 1}, "
                            "{\"round\": 4, \"meetings\": 0}]}");
    assert_contains(b.data, "\"change\": -0.7000, \"meetings_between_waves\": 1");
    ct_buf_reset(&b);
    assert_true(ct_report_render_text(rep, NULL, &b));
    assert_contains(b.data,
                    "Relational Coordination: weak links (below 3.0), wave of 2026-02-15\n");
    assert_contains(b.data, "      2.60   +0.60        1  Nurse <-> Pharmacist\n"
                            "            meetings per round: 1 0 1 0\n");
    assert_contains(b.data, "      2.80   -0.70        1  Nurse <-> Social Worker\n");
    ct_buf_reset(&b);
    assert_true(ct_report_render_csv(rep, NULL, &b));
    /* One column: meetings across the weak links per round, here 1 1 1 0. */
    assert_contains(b.data, ",proposed,weak_link_meetings,skips,");
    assert_contains(b.data, "\r\n1,2026-01-05,sent,");
    assert_contains(b.data, ",0.4167,1,1,0,0,0,0,0\r\n2,2026-02-02,");
    assert_contains(b.data, ",0.8333,0,1,0,0,0,0,0\r\n4,2026-04-06,");
    assert_contains(b.data, ",,0,0,0,0,0,0,0\r\n");
    ct_buf_free(&b);
    ct_report_free(rep);
}

static size_t
count(const char *s, const char *needle)
{
    size_t n = 0;

    for (; (s = strstr(s, needle)) != NULL; s++)
        n++;
    return n;
}

static void
test_render_html(void **state)
{
    struct scratchdb *f = *state;
    struct ct_report_options opts = {.title = "Net & <Work> \"quoted\""};
    struct ct_report *rep;
    struct ct_buf b;

    sql_exec(f->store, "UPDATE members SET organisation = 'Beta <script>alert(1)</script>'"
                       " WHERE organisation = 'Beta'");
    sql_exec(f->store, "UPDATE members SET name = 'Bea \"B\" <b>' WHERE id = 5");
    rep = build(f, 0);
    ct_buf_init(&b);
    assert_true(ct_report_render_html(rep, &opts, &b));
    assert_true(strncmp(b.data, "<!DOCTYPE html>", 15) == 0);
    /* Nothing from the data becomes markup, nothing is fetched. */
    assert_null(strstr(b.data, "<script"));
    assert_null(strstr(b.data, "<b>"));
    assert_int_equal(count(b.data, "http:") + count(b.data, "https:"),
                     count(b.data, "http://www.w3.org/2000/svg\""));
    assert_null(strstr(b.data, "src="));
    assert_contains(b.data, "Net &amp; &lt;Work&gt; &quot;quoted&quot;");
    assert_contains(b.data, "Beta &lt;script&gt;alert(1)&lt;/script&gt;");
    assert_contains(b.data, "Bea &quot;B&quot; &lt;b&gt;");
    /* The charts are there. */
    assert_contains(b.data, "aria-label=\"mixing matrix\"");
    assert_contains(b.data, "aria-label=\"reach over time\"");
    assert_contains(b.data, "aria-label=\"longest waits\"");
    assert_contains(b.data, "aria-label=\"members per round\"");
    assert_contains(b.data, "aria-label=\"outcomes per round\"");
    ct_buf_free(&b);
    ct_report_free(rep);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reach_flow),
        cmocka_unit_test(test_reach_flow_random),
        cmocka_unit_test_setup_teardown(test_rounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_invitation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_over_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_org_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_as_of_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_csv_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_html, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rc_section, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
