/*
 * test_simulate.c: the simulation loop around round planning, with a
 * stand-in planner (members paired in a seeded shuffle, never twice): the
 * schedule's dates, answers at the asked rate, outcomes, pauses after
 * unanswered invitations, determinism, progress, and that nothing is left
 * behind.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_impl.h"
#include "clock.h"
#include "config.h"
#include "roster.h"
#include "simulate.h"
#include "util.h"

static const char roster_csv[] =
    "email,name,organisation\n"
    "a1@a.org,A One,Alpha\n a2@a.org,A Two,Alpha\na3@a.org,A Three,Alpha\n"
    "b1@b.org,B One,Beta\nb2@b.org,B Two,Beta\nb3@b.org,B Three,Beta\n"
    "c1@c.org,C One,Gamma\nc2@c.org,C Two,Gamma\nd1@d.org,D One,Delta\n"
    "d2@d.org,D Two,Delta\ne1@e.org,E One,Epsilon\n";

/* The stand-in planner: active members in a seeded shuffle, paired in turn. */
static enum ct_status
plan(void *arg, struct ct_store *store, const struct ct_config *cfg, const char *date,
     uint64_t seed, int64_t now, int64_t *round_id, struct ct_error *err)
{
    sqlite3 *db = ct_store_sqlite(store);
    sqlite3_stmt *stmt;
    int64_t ids[64], group = 0;
    size_t n = 0, i;
    char *sql;

    (void)arg;
    (void)cfg;
    (void)err;
    sql = ct_asprintf("INSERT INTO rounds (date, seed, state, created_at) VALUES"
                      " ('%s', %lld, 'planned', %lld)",
                      date, (long long)seed, (long long)now);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    *round_id = sqlite3_last_insert_rowid(db);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id FROM members WHERE status = 'active'"
                                        " ORDER BY id",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW && n < 64)
        ids[n++] = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    for (i = n; i > 1; i--) {
        size_t j = (size_t)((seed >> 3) + i * 2654435761u) % i;
        int64_t t = ids[i - 1];
        ids[i - 1] = ids[j];
        ids[j] = t;
    }
    for (i = 0; i < n; i++) {
        /* A new group every two members; an odd last one joins the last group (a trio). */
        if (i % 2 == 0 && i + 1 < n) {
            sql = ct_asprintf("INSERT INTO groups (round_id, uid) VALUES (%lld, 'sim-%lld-%zu')",
                              (long long)*round_id, (long long)*round_id, i);
            assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
            free(sql);
            group = sqlite3_last_insert_rowid(db);
        }
        if (group == 0)
            sql = ct_asprintf("INSERT INTO unpaired (round_id, member_id, reason) VALUES"
                              " (%lld, %lld, 'alone')",
                              (long long)*round_id, (long long)ids[i]);
        else
            sql = ct_asprintf("INSERT INTO group_members (group_id, member_id) VALUES (%lld, %lld)",
                              (long long)group, (long long)ids[i]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        free(sql);
    }
    return CT_OK;
}

static enum ct_status
send(void *arg, struct ct_store *store, int64_t round_id, int64_t now, struct ct_error *err)
{
    char *sql = ct_asprintf("UPDATE rounds SET state = 'sent', sent_at = %lld WHERE id = %lld;"
                            "UPDATE groups SET state = 'sent' WHERE round_id = %lld;",
                            (long long)now, (long long)round_id, (long long)round_id);

    (void)arg;
    (void)err;
    assert_int_equal(sqlite3_exec(ct_store_sqlite(store), sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    return CT_OK;
}

static const struct ct_simulate_rounds rounds = {.plan = plan, .send = send, .arg = NULL};

struct progress_log {
    int calls;
    int last_done, last_total;
};

static void
progress(void *arg, int done, int total)
{
    struct progress_log *log = arg;

    log->calls++;
    assert_int_equal(done, log->last_done + 1);
    log->last_done = done;
    log->last_total = total;
}

struct fixture {
    struct ct_config *cfg;
    struct ct_roster *roster;
    char tmp[64];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ct_diags diags;

    assert_non_null(f);
    f->cfg = ct_config_new_defaults();
    assert_non_null(f->cfg);
    free(f->cfg->schedule.start);
    f->cfg->schedule.start = strdup("2026-01-01");
    ct_diags_init(&diags);
    assert_int_equal(
        ct_roster_parse("roster.csv", roster_csv, strlen(roster_csv), &f->roster, &diags), CT_OK);
    ct_diags_free(&diags);
    strcpy(f->tmp, "/tmp/ct-test-simulate-XXXXXX");
    assert_non_null(mkdtemp(f->tmp));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(rmdir(f->tmp), 0); /* fails if the simulation left anything */
    ct_config_free(f->cfg);
    ct_roster_free(f->roster);
    free(f);
    return 0;
}

static struct ct_report *
simulate(struct fixture *f, int n, uint64_t seed, double accept, struct progress_log *log)
{
    struct ct_simulate_options opts = {
        .cfg = f->cfg,
        .roster = f->roster,
        .rounds = n,
        .seed = seed,
        .accept_rate = accept,
        .tmpdir = f->tmp,
        .now = ct_now(),
        .progress = log ? progress : NULL,
        .progress_arg = log,
    };
    struct ct_report *rep = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_simulate_run(&opts, &rounds, &rep, &err) != CT_OK)
        fail_msg("ct_simulate_run: %s", err.message);
    return rep;
}

static void
test_dates_and_progress(void **state)
{
    struct fixture *f = *state;
    struct progress_log log = {0};
    struct ct_report *rep = simulate(f, 6, 1, 0.8, &log);
    static const char *const dates[] = {"2026-01-05", "2026-02-02", "2026-03-02",
                                        "2026-04-06", "2026-05-04", "2026-06-01"};
    size_t i;

    /* [schedule] rrule's default: the first Monday of each month, from start. */
    assert_int_equal(rep->rounds_count, 6);
    for (i = 0; i < 6; i++) {
        assert_string_equal(rep->rounds[i].date, dates[i]);
        assert_int_equal(rep->rounds[i].state, CT_ROUND_SENT);
    }
    assert_int_equal(log.calls, 6);
    assert_int_equal(log.last_total, 6);
    /* 11 members: five pairs and a trio the first round. */
    assert_int_equal(rep->rounds[0].grouped, 11);
    assert_int_equal(rep->rounds[0].trios, 1);
    assert_int_equal(rep->rounds[0].outcomes, rep->rounds[0].groups);
    /* The report is made at the real time, not at the end of simulated time. */
    assert_true(rep->generated_at > 1700000000 && rep->generated_at < 4000000000);
    ct_report_free(rep);
}

static void
test_everyone_accepts(void **state)
{
    struct fixture *f = *state;
    struct ct_report *rep = simulate(f, 4, 7, 1.0, NULL);
    size_t i;

    for (i = 0; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        assert_int_equal(r->accepted, r->grouped);
        assert_int_equal(r->declined, 0);
        assert_int_equal(r->outcomes, r->groups);
        /* All accepted: each group meets 9 times in 10, rated 3-5. */
        assert_true(r->met >= r->groups - 3);
        assert_true(r->mean_rating >= 3.0 && r->mean_rating <= 5.0);
    }
    assert_true(rep->ties > 0);
    ct_report_free(rep);
}

static void
test_nobody_accepts(void **state)
{
    struct fixture *f = *state;
    struct ct_report *rep = simulate(f, 5, 7, 0.0, NULL);

    /*
     * Nobody accepts, so no group meets, and after three invitations in a
     * row left unanswered or declined ([pairing] unanswered_limit = 3) every
     * member is paused: the fourth round finds nobody eligible.
     */
    assert_int_equal(rep->rounds[0].accepted, 0);
    assert_int_equal(rep->rounds[0].met, 0);
    assert_int_equal(rep->ties, 0);
    assert_int_equal(rep->rounds[2].eligible, 11);
    assert_int_equal(rep->rounds[3].eligible, 0);
    assert_int_equal(rep->rounds[4].eligible, 0);
    ct_report_free(rep);
}

static void
test_deterministic(void **state)
{
    struct fixture *f = *state;
    struct ct_report *a = simulate(f, 5, 42, 0.7, NULL), *b = simulate(f, 5, 42, 0.7, NULL);
    struct ct_report *c = simulate(f, 5, 43, 0.7, NULL);
    struct ct_buf ja, jb, jc;

    a->generated_at = b->generated_at = c->generated_at = 0;
    ct_buf_init(&ja);
    ct_buf_init(&jb);
    ct_buf_init(&jc);
    assert_true(ct_report_render_json(a, NULL, &ja));
    assert_true(ct_report_render_json(b, NULL, &jb));
    assert_true(ct_report_render_json(c, NULL, &jc));
    assert_string_equal(ja.data, jb.data);
    assert_true(strcmp(ja.data, jc.data) != 0);
    ct_buf_free(&ja);
    ct_buf_free(&jb);
    ct_buf_free(&jc);
    ct_report_free(a);
    ct_report_free(b);
    ct_report_free(c);
}

/* A roster given up with release_roster is freed once imported; the simulation is the same. */
static void
test_release_roster(void **state)
{
    struct fixture *f = *state;
    struct ct_report *a = simulate(f, 3, 7, 0.8, NULL), *b = NULL;
    struct ct_simulate_options opts = {.cfg = f->cfg,
                                       .roster = f->roster,
                                       .release_roster = &f->roster,
                                       .rounds = 3,
                                       .seed = 7,
                                       .accept_rate = 0.8,
                                       .tmpdir = f->tmp,
                                       .now = ct_now()};
    struct ct_buf ja, jb;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_simulate_run(&opts, &rounds, &b, &err) != CT_OK)
        fail_msg("ct_simulate_run: %s", err.message);
    assert_null(f->roster);
    a->generated_at = b->generated_at = 0;
    ct_buf_init(&ja);
    ct_buf_init(&jb);
    assert_true(ct_report_render_json(a, NULL, &ja));
    assert_true(ct_report_render_json(b, NULL, &jb));
    assert_string_equal(ja.data, jb.data);
    ct_buf_free(&ja);
    ct_buf_free(&jb);
    ct_report_free(a);
    ct_report_free(b);
}

static void
test_bad_options(void **state)
{
    struct fixture *f = *state;
    struct ct_simulate_options opts = {
        .cfg = f->cfg, .roster = f->roster, .rounds = 0, .accept_rate = 0.5, .tmpdir = f->tmp};
    struct ct_report *rep = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_simulate_run(&opts, &rounds, &rep, &err), CT_EUSAGE);
    assert_string_equal(err.message, "rounds: 0 is not from 1 to 1000");
    opts.rounds = 3;
    opts.accept_rate = 1.5;
    assert_int_equal(ct_simulate_run(&opts, &rounds, &rep, &err), CT_EUSAGE);
    assert_string_equal(err.message, "accept rate: 1.5 is not from 0 to 1");
    /* A rule that ends before the rounds asked for. */
    opts.accept_rate = 0.5;
    free(f->cfg->schedule.rrule);
    f->cfg->schedule.rrule = strdup("FREQ=MONTHLY;BYDAY=1MO;COUNT=2");
    assert_int_equal(ct_simulate_run(&opts, &rounds, &rep, &err), CT_ECONFIG);
    assert_string_equal(err.message, "[schedule] rrule ends after 2 rounds; 3 asked for");
    assert_null(rep);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dates_and_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_everyone_accepts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nobody_accepts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_roster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
