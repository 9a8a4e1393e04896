/*
 * test_lifecycle.c: welcome, reminder and check-in messages are queued
 * (text and HTML) when [messages] turns them on and they are due, each at
 * most once per member and round, never to a member who declined.
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
#include "lifecycle.h"
#include "members.h"
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
    f->db = scratchdb_new("lifecycle");
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

static void
import_many(struct fixture *f, int n)
{
    scratchdb_import_many(f->store, n, ct_now());
}

static struct ct_lifecycle_result
run(struct fixture *f, int64_t next_round, const char *next_date)
{
    struct ct_lifecycle_result res;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_lifecycle_run(f->store, f->cfg, next_round, next_date, ct_now(), &res, &err) != CT_OK)
        fail_msg("lifecycle: %s", err.message);
    return res;
}

static long long
notices(struct fixture *f)
{
    return sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'notice'");
}

static void
test_off_by_default(void **state)
{
    struct fixture *f = *state;
    struct ct_lifecycle_result res;

    import_many(f, 4);
    res = run(f, NOW + DAY, "2026-03-03");
    assert_int_equal(res.welcomes + res.reminders + res.checkins, 0);
    assert_int_equal(notices(f), 0);
}

static void
test_welcome_once(void **state)
{
    struct fixture *f = *state;
    struct ct_lifecycle_result res;

    f->cfg->messages.welcome = true;
    import_many(f, 3);
    res = run(f, 0, NULL);
    assert_int_equal(res.welcomes, 3);
    assert_int_equal(notices(f), 3);
    /* Text and HTML, readable on a phone; without a web address, the words to reply with. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE subject ="
                                       " 'Welcome to Coffee Trial' AND html_body LIKE"
                                       " '%name=\"viewport\"%' AND text_body LIKE '%PAUSE or STOP%'"
                                       " AND text_body LIKE '%Just reply to this e-mail%'"),
                     3);
    /* Every message to a member has List-Unsubscribe (the mailto without a web address),
     * and the welcome's own words are not followed by a second block of links. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE CAST(message AS TEXT)"
                                       " LIKE '%List-Unsubscribe: <mailto:%subject=unsubscribe>%'"
                                       " AND text_body NOT LIKE '%PAUSE or STOP%PAUSE or STOP%'"),
                     3);
    /* Again (a restart, a second pass): nobody is welcomed twice; a newcomer is. */
    res = run(f, 0, NULL);
    assert_int_equal(res.welcomes, 0);
    import_many(f, 4);
    res = run(f, 0, NULL);
    assert_int_equal(res.welcomes, 1);
    assert_int_equal(notices(f), 4);
}

static void
test_reminder_window(void **state)
{
    struct fixture *f = *state;
    struct ct_lifecycle_result res;

    f->cfg->messages.reminder_before = 3 * DAY;
    import_many(f, 3);
    sql_exec(f->store, "UPDATE members SET status = 'paused' WHERE email = 'm2@o2.org'");
    res = run(f, NOW + 5 * DAY, "2026-03-07");
    assert_int_equal(res.reminders, 0); /* not yet */
    res = run(f, NOW + 2 * DAY, "2026-03-04");
    assert_int_equal(res.reminders, 2); /* the paused member is not reminded */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE text_body LIKE"
                                       " '%SKIP, PAUSE or STOP%' AND subject LIKE"
                                       " '%a new round on 2026-03-04'"),
                     2);
    res = run(f, NOW + 2 * DAY, "2026-03-04");
    assert_int_equal(res.reminders, 0);
    res = run(f, NOW - DAY, "2026-03-01");
    assert_int_equal(res.reminders, 0); /* a round already past */
}

static void
test_checkin_after_the_slot(void **state)
{
    struct fixture *f = *state;
    struct ct_round_plan_options opts = {"2026-03-02", 7, CT_ROUND_CLI, 0, false, false, false};
    struct ct_lifecycle_result res;
    struct ct_round *round = NULL;
    struct ct_error err;
    char sql[160];
    int64_t last;

    f->cfg->messages.checkin_after = DAY;
    import_many(f, 4);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &round, &err), CT_OK);
    assert_int_equal(ct_rounds_send(f->store, f->cfg, round->id, ct_now(), NULL, NULL, &err),
                     CT_OK);
    ct_round_free(round);
    sql_exec(f->store, "UPDATE group_members SET partstat = 'DECLINED' WHERE member_id ="
                       " (SELECT id FROM members WHERE email = 'm0@o0.org')");
    last = sql_int(f->store, "SELECT max(slot_start + slot_minutes * 60) FROM groups");
    res = run(f, 0, NULL);
    assert_int_equal(res.checkins, 0); /* the meetings are ahead */
    ct_clock_set(last + DAY);
    res = run(f, 0, NULL);
    assert_int_equal(res.checkins, 3); /* everyone but the one who declined */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE subject LIKE"
                                       " '%did you meet?' AND text_body LIKE '%MET or NOT MET%'"
                                       " AND member_id <> (SELECT id FROM members WHERE email ="
                                       " 'm0@o0.org')"),
                     3);
    res = run(f, 0, NULL);
    assert_int_equal(res.checkins, 0);
    /* Long after, a group never asked is not asked any more. */
    sql_exec(f->store, "DELETE FROM lifecycle_sent");
    snprintf(sql, sizeof(sql), "UPDATE groups SET slot_start = slot_start - %d", 30 * DAY);
    sql_exec(f->store, sql);
    res = run(f, 0, NULL);
    assert_int_equal(res.checkins, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_off_by_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_welcome_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reminder_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkin_after_the_slot, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
