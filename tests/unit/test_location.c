/*
 * test_location.c: the meeting place per pair. [invite] location_in_person
 * (with {site}) when the members share a site, location_remote otherwise,
 * and the old location when either is unset; seen in the invitations a
 * real send queues.
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
#include "member_actions.h"
#include "members.h"
#include "roster.h"
#include "rounds.h"
#include "scratchdb.h"
#include "store.h"
#include "util.h"

/* Monday 2026-03-02T12:00:00Z */
#define NOW 1772452800

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
    f->db = scratchdb_new("location");
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

/* Four members: a0 and a1 at "North Site", b0 at "South Site", b1 at none. */
static void
import(struct fixture *f)
{
    static const char csv[] =
        "email,name,organisation,team,site,role,timezone,status,frequency,ties\n"
        "a0@o0.org,A Zero,Org 0,T0,North Site,R0,,,,\n"
        "a1@o1.org,A One,Org 1,T1,North Site,R1,,,,\n"
        "b0@o2.org,B Zero,Org 2,T2,South Site,R2,,,,\n"
        "b1@o3.org,B One,Org 3,T3,,R3,,,,\n";

    scratchdb_import(f->store, csv, ct_now());
}

static void
plan_send(struct fixture *f, uint64_t seed)
{
    struct ct_round_plan_options opts = {"2026-03-02", seed, CT_ROUND_CLI, 0, false, false, false};
    struct ct_round *round = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &round, &err) != CT_OK)
        fail_msg("plan: %s", err.message);
    if (ct_rounds_send(f->store, f->cfg, round->id, ct_now(), NULL, NULL, &err) != CT_OK)
        fail_msg("send: %s", err.message);
    ct_round_free(round);
}

/* Requests to members of a group whose members all share site `site` (1) or not (0). */
static long long
requests(struct fixture *f, int shared, const char *like)
{
    char sql[600];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM outbox o WHERE o.kind = 'request' AND ics LIKE '%s' AND"
             " (SELECT count(DISTINCT coalesce(m.site, '')) = 1 AND min(coalesce(m.site, '')) <> ''"
             "  FROM group_members gm JOIN members m ON m.id = gm.member_id"
             "  WHERE gm.group_id = o.group_id) = %d",
             like, shared);
    scratchdb_outbox_bodies(f->store);
    return sql_int(f->store, sql);
}

static void
test_in_person_when_a_site_is_shared(void **state)
{
    struct fixture *f = *state;
    long long shared, apart;

    free(f->cfg->invite.location);
    f->cfg->invite.location = strdup("Anywhere");
    f->cfg->invite.location_in_person = strdup("Café at {site}");
    f->cfg->invite.location_remote = strdup("https://meet.example.org/{uid}");
    import(f);
    /* a0 can only meet a1 (same site); b0 and b1 (no site) meet remotely. */
    sql_exec(f->store, "INSERT INTO exclusions(a, b, created_at) SELECT x.id, y.id, 0 FROM"
                       " members x, members y WHERE x.email = 'a0@o0.org' AND y.email LIKE 'b%'"
                       " AND x.id < y.id");
    plan_send(f, 3);
    shared = requests(f, 1, "%%");
    apart = requests(f, 0, "%%");
    assert_int_equal(shared, 2);
    assert_int_equal(apart, 2);
    assert_int_equal(requests(f, 1, "%%LOCATION:Café at North Site%%"), shared);
    assert_int_equal(requests(f, 0, "%%LOCATION:https://meet.example.org/%%"), apart);
    scratchdb_outbox_bodies(f->store);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE ics LIKE '%Anywhere%'"),
                     0);
}

/* A member who meets only by video is never sent to the café, even with their site-mate. */
static void
test_video_member_meets_remotely(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p;
    struct ct_error err;

    f->cfg->invite.location_in_person = strdup("Café at {site}");
    f->cfg->invite.location_remote = strdup("https://meet.example.org/{uid}");
    import(f);
    sql_exec(f->store, "INSERT INTO exclusions(a, b, created_at) SELECT x.id, y.id, 0 FROM"
                       " members x, members y WHERE x.email = 'a0@o0.org' AND y.email LIKE 'b%'"
                       " AND x.id < y.id");
    ct_prefs_init(&p);
    p.mode = CT_MODE_VIDEO;
    ct_error_clear(&err);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg,
                                         sql_int(f->store, "SELECT id FROM members WHERE"
                                                           " email = 'a1@o1.org'"),
                                         &p, CT_VIA_PAGE, ct_now(), &err),
                     CT_OK);
    plan_send(f, 3);
    assert_int_equal(requests(f, 1, "%%LOCATION:Café%%"), 0);
    assert_int_equal(requests(f, 1, "%%LOCATION:https://meet.example.org/%%"), 2);
}

static void
test_location_is_the_fallback(void **state)
{
    struct fixture *f = *state;

    free(f->cfg->invite.location);
    f->cfg->invite.location = strdup("Room {uid}");
    import(f);
    plan_send(f, 3);
    scratchdb_outbox_bodies(f->store);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'request' AND"
                                       " ics LIKE '%LOCATION:Room %'"),
                     4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_person_when_a_site_is_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location_is_the_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_video_member_meets_remotely, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
