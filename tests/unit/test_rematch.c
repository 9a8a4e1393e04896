/*
 * test_rematch.c: after a round is sent, partners left alone by a decline
 * or a pause are paired again (new group, REQUEST), a lone remainder
 * joins a pair as a third or is told, nobody is paired with someone they
 * met before, a dry run writes nothing, and a second run changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "ct.h"
#include "members.h"
#include "rematch.h"
#include "roster.h"
#include "rounds.h"
#include "scratchdb.h"
#include "store.h"
#include "util.h"

/* Monday 2026-03-02T12:00:00Z */
#define NOW 1772452800
#define DAY 86400

struct fixture {
    struct scratchdb *db;
    struct ct_store *store;
    struct ct_config *cfg;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->db = scratchdb_new("rematch");
    f->store = f->db->store;
    f->cfg = ct_config_new_defaults();
    assert_non_null(f->cfg);
    ct_clock_set(NOW);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    ct_config_free(f->cfg);
    scratchdb_free(f->db);
    free(f);
    ct_clock_set(0);
    return 0;
}

/* n members m0@o0.org ..., each in their own organisation. */
static void
import_many(struct fixture *f, int n)
{
    scratchdb_import_many(f->store, n, ct_now());
}

/* Plan and send the round of date with seed. OUT: the round as loaded after the send. */
static struct ct_round *
plan_send(struct fixture *f, const char *date, uint64_t seed)
{
    struct ct_round_plan_options opts = {date, seed, CT_ROUND_CLI, 0, false, false, false};
    struct ct_round *round = NULL;
    struct ct_error err;
    int64_t id;

    ct_error_clear(&err);
    if (ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &round, &err) != CT_OK)
        fail_msg("plan: %s", err.message);
    id = round->id;
    ct_round_free(round);
    if (ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err) != CT_OK)
        fail_msg("send: %s", err.message);
    round = NULL;
    assert_int_equal(ct_rounds_load(f->store, id, &round, &err), CT_OK);
    return round;
}

static void
decline(struct fixture *f, int64_t group_id, int64_t member_id)
{
    char sql[200];

    snprintf(sql, sizeof(sql),
             "UPDATE group_members SET partstat = 'DECLINED' WHERE group_id = %lld"
             " AND member_id = %lld",
             (long long)group_id, (long long)member_id);
    sql_exec(f->store, sql);
}

/* Pause the member and withdraw them from their sent group (what `member pause` does). */
static void
pause_member(struct fixture *f, const struct ct_member *m)
{
    struct ct_error err;
    char sql[200];

    snprintf(sql, sizeof(sql), "UPDATE members SET status = 'paused' WHERE id = %lld",
             (long long)m->id);
    sql_exec(f->store, sql);
    ct_error_clear(&err);
    if (ct_rounds_withdraw(f->store, f->cfg, m->email, NULL, ct_now(), NULL, &err) != CT_OK)
        fail_msg("withdraw: %s", err.message);
}

static struct ct_rematch_result
rematch(struct fixture *f, int64_t round_id, bool dry_run)
{
    struct ct_rematch_result res;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_rematch(f->store, f->cfg, round_id, dry_run, ct_now(), &res, &err) != CT_OK)
        fail_msg("rematch: %s", err.message);
    return res;
}

/* Everything groups, their members, changes and the outbox hold, as one string. */
static char *
dump(struct fixture *f)
{
    return sql_text(f->store,
                    "SELECT (SELECT count(*) || ':' || group_concat(id || state || sequence)"
                    " FROM groups) || '#' || (SELECT count(*) || ':' || sum(removed) FROM"
                    " group_members) || '#' || (SELECT count(*) FROM round_changes) || '#' ||"
                    " (SELECT count(*) FROM outbox)");
}

static long long
q(struct fixture *f, const char *sql, long long a, long long b)
{
    char as[24], bs[24];

    snprintf(as, sizeof(as), "%lld", a);
    snprintf(bs, sizeof(bs), "%lld", b);
    return sql_int(f->store, sql, as, bs);
}

static void
test_decline_and_pause_are_repaired(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    struct ct_rematch_result res;
    int64_t a1, a2, b2, ga, gb, newest;
    char *before, *after;

    import_many(f, 8);
    r = plan_send(f, "2026-03-02", 7);
    assert_int_equal(r->group_count, 4);
    ga = r->groups[0].id;
    gb = r->groups[1].id;
    a1 = r->groups[0].members[0].member.id;
    a2 = r->groups[0].members[1].member.id;
    b2 = r->groups[1].members[1].member.id;
    decline(f, ga, a1);
    pause_member(f, &r->groups[1].members[0].member);
    ct_clock_set(NOW + DAY);

    /* A dry run decides the same and writes nothing. */
    before = dump(f);
    res = rematch(f, r->id, true);
    assert_int_equal(res.alone, 2);
    assert_int_equal(res.regrouped, 2);
    after = dump(f);
    assert_string_equal(before, after);
    free(before);
    free(after);

    res = rematch(f, r->id, false);
    assert_int_equal(res.alone, 2);
    assert_int_equal(res.regrouped, 2);
    assert_int_equal(res.trios + res.told, 0);
    newest = q(f, "SELECT max(id) FROM groups WHERE round_id = ?1 AND ?2 = ?2", r->id, 0);
    assert_true(newest > gb);
    /* The two left alone meet each other, sent, with a slot after now inside the window. */
    assert_int_equal(q(f,
                       "SELECT count(*) FROM group_members WHERE group_id = ?1 AND member_id"
                       " IN (?2, (SELECT min(member_id) FROM group_members WHERE group_id ="
                       " ?1 AND member_id <> ?2))",
                       newest, a2),
                     2);
    assert_int_equal(q(f,
                       "SELECT count(*) FROM group_members WHERE group_id = ?1 AND"
                       " member_id = ?2",
                       newest, b2),
                     1);
    assert_int_equal(q(f, "SELECT state = 'sent' AND slot_start >= ?2 FROM groups WHERE id = ?1",
                       newest, NOW + DAY),
                     1);
    assert_int_equal(
        q(f, "SELECT slot_start < ?2 FROM groups WHERE id = ?1", newest, NOW + 14 * DAY), 1);
    /* Each gets the new REQUEST; the declined pair is cancelled for a2, never for a1. */
    assert_int_equal(q(f,
                       "SELECT count(*) FROM outbox WHERE group_id = ?1 AND kind = 'request'"
                       " AND ?2 = ?2",
                       newest, 0),
                     2);
    assert_int_equal(q(f,
                       "SELECT state = 'cancelled' AND sequence = 1 FROM groups WHERE id = ?1"
                       " AND ?2 = ?2",
                       ga, 0),
                     1);
    assert_int_equal(q(f,
                       "SELECT count(*) FROM outbox WHERE group_id = ?1 AND member_id = ?2"
                       " AND kind = 'cancel'",
                       ga, a2),
                     1);
    assert_int_equal(q(f,
                       "SELECT count(*) FROM outbox WHERE group_id = ?1 AND member_id = ?2"
                       " AND kind = 'cancel'",
                       ga, a1),
                     0);

    /* A second run finds nobody alone and changes nothing. */
    before = dump(f);
    res = rematch(f, r->id, false);
    assert_int_equal(res.alone, 0);
    after = dump(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    ct_round_free(r);
}

static void
test_remainder_joins_a_pair(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    struct ct_rematch_result res;
    int64_t b2, joined;

    import_many(f, 8);
    r = plan_send(f, "2026-03-02", 7);
    b2 = r->groups[1].members[1].member.id;
    pause_member(f, &r->groups[1].members[0].member);
    ct_clock_set(NOW + DAY);
    res = rematch(f, r->id, false);
    assert_int_equal(res.alone, 1);
    assert_int_equal(res.trios, 1);
    assert_int_equal(res.regrouped + res.told, 0);
    joined = q(f,
               "SELECT g.id FROM groups g JOIN group_members gm ON gm.group_id = g.id WHERE"
               " gm.member_id = ?1 AND g.state = 'sent' AND g.round_id = ?2",
               b2, r->id);
    assert_int_not_equal(joined, r->groups[1].id);
    /* The pair became a trio: an updated REQUEST (SEQUENCE 1) to all three. */
    assert_int_equal(
        q(f, "SELECT count(*) FROM group_members WHERE group_id = ?1 AND ?2 = ?2", joined, 0), 3);
    assert_int_equal(q(f, "SELECT sequence FROM groups WHERE id = ?1 AND ?2 = ?2", joined, 0), 1);
    /* Two REQUESTs at the send, then the update to all three. */
    assert_int_equal(q(f,
                       "SELECT count(*) FROM outbox WHERE group_id = ?1 AND kind = 'request'"
                       " AND ?2 = ?2",
                       joined, 0),
                     5);
    ct_round_free(r);
}

static void
test_remainder_told(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    struct ct_rematch_result res;
    int64_t b2;
    char *before, *after;

    f->cfg->pairing.odd = CT_ODD_SIT_OUT;
    import_many(f, 8);
    r = plan_send(f, "2026-03-02", 7);
    b2 = r->groups[1].members[1].member.id;
    pause_member(f, &r->groups[1].members[0].member);
    ct_clock_set(NOW + DAY);
    res = rematch(f, r->id, false);
    assert_int_equal(res.alone, 1);
    assert_int_equal(res.told, 1);
    assert_int_equal(q(f,
                       "SELECT count(*) FROM outbox WHERE member_id = ?1 AND kind = 'notice'"
                       " AND subject LIKE '%no partner this time' AND ?2 = ?2",
                       b2, 0),
                     1);
    /* Told once: the next run leaves them be. */
    before = dump(f);
    res = rematch(f, r->id, false);
    assert_int_equal(res.alone, 0);
    after = dump(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    ct_round_free(r);
}

/* The group of round r holding member_id (index), or -1. */
static int
group_of(const struct ct_round *r, int64_t member_id)
{
    size_t i, j;

    for (i = 0; i < r->group_count; i++)
        for (j = 0; j < r->groups[i].member_count; j++)
            if (r->groups[i].members[j].member.id == member_id)
                return (int)i;
    return -1;
}

static void
test_no_repeats(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r1, *r2;
    struct ct_rematch_result res;
    int64_t x, y;
    int gx, gy;

    f->cfg->pairing.odd = CT_ODD_SIT_OUT;
    import_many(f, 8);
    r1 = plan_send(f, "2026-03-02", 7);
    x = r1->groups[0].members[0].member.id;
    y = r1->groups[0].members[1].member.id;
    ct_clock_set(NOW + 35 * DAY);
    r2 = plan_send(f, "2026-04-06", 9);
    gx = group_of(r2, x);
    gy = group_of(r2, y);
    assert_true(gx >= 0 && gy >= 0 && gx != gy);
    /* x's and y's partners drop out: x and y met in round 1, so they are not paired. */
    pause_member(f,
                 &r2->groups[gx].members[r2->groups[gx].members[0].member.id == x ? 1 : 0].member);
    pause_member(f,
                 &r2->groups[gy].members[r2->groups[gy].members[0].member.id == y ? 1 : 0].member);
    ct_clock_set(NOW + 36 * DAY);
    res = rematch(f, r2->id, false);
    assert_int_equal(res.alone, 2);
    assert_int_equal(res.regrouped, 0);
    assert_int_equal(res.told, 2);
    ct_round_free(r1);
    ct_round_free(r2);
}

static void
test_refusals_and_cutoff(void **state)
{
    struct fixture *f = *state;
    struct ct_round_plan_options opts = {"2026-03-02", 7, CT_ROUND_CLI, 0, false, false, false};
    struct ct_round *round = NULL, *r;
    struct ct_rematch_result res;
    struct ct_error err;

    import_many(f, 8);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &round, &err), CT_OK);
    assert_int_equal(ct_rounds_rematch(f->store, f->cfg, round->id, false, ct_now(), &res, &err),
                     CT_ESTATE);
    assert_int_equal(ct_rounds_rematch(f->store, f->cfg, 99, false, ct_now(), &res, &err),
                     CT_ENOTFOUND);
    ct_round_free(round);
    sql_exec(f->store, "UPDATE rounds SET state = 'cancelled'");
    r = plan_send(f, "2026-03-09", 7);
    pause_member(f, &r->groups[0].members[0].member);
    /* The window opens 2026-03-11 09:00 and ends 14 days later; the cut-off is 2 days before. */
    ct_clock_set(NOW + 21 * DAY);
    res = rematch(f, r->id, false);
    assert_int_equal(res.alone, 0);
    ct_clock_set(NOW + 8 * DAY);
    res = rematch(f, r->id, true);
    assert_int_equal(res.alone, 1);
    ct_round_free(r);
}

/* The partner left alone is told whether a new invitation may follow, as [pairing] rematch says. */
static void
test_partner_told_what_follows(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;

    import_many(f, 8);
    r = plan_send(f, "2026-03-02", 7);
    pause_member(f, &r->groups[0].members[0].member);
    scratchdb_outbox_bodies(f->store);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind IN ('notice',"
                                       " 'cancel') AND text_body LIKE '%a new invitation follows"
                                       " if we do%'"),
                     2);
    f->cfg->pairing.rematch = false;
    pause_member(f, &r->groups[1].members[0].member);
    scratchdb_outbox_bodies(f->store);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind IN ('notice',"
                                       " 'cancel') AND text_body LIKE '%paired again in the next"
                                       " round%'"),
                     2);
    ct_round_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decline_and_pause_are_repaired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remainder_joins_a_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remainder_told, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_repeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_and_cutoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partner_told_what_follows, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
