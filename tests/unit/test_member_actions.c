/*
 * test_member_actions.c: members acting for themselves (member_actions.h)
 * in a scratch store: skip (next round, a planned round, a sent round),
 * pause, stop, resume, preferences (validation naming the field, all or
 * nothing, a roster re-import keeps them, planning uses them), check-ins
 * (outcome derived, organiser's never replaced, disagreement kept), the
 * action log, and that doing anything twice changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "ct.h"
#include "member_actions.h"
#include "members.h"
#include "outcomes.h"
#include "replies.h"
#include "roster.h"
#include "rounds.h"
#include "scratchdb.h"
#include "store.h"
#include "store_actions.h"
#include "store_outcomes.h"
#include "util.h"
#include "validate.h"

/* Monday 2026-03-02T12:00:00Z */
#define NOW 1772452800
#define DAY 86400

struct fixture {
    struct scratchdb *db;
    struct ct_store *store;
    struct ct_config *cfg;
    int64_t now;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->db = scratchdb_new("member-actions");
    f->store = f->db->store;
    f->cfg = ct_config_new_defaults();
    assert_non_null(f->cfg);
    f->now = NOW;
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
    return 0;
}

/* ---- helpers -------------------------------------------------------------- */

#define HEADER "email,name,organisation,team,role,timezone,status,frequency,ties\n"

static void
import(struct fixture *f, const char *csv)
{
    scratchdb_import(f->store, csv, f->now);
}

/* n members m0@o0.org ... (ids 1..n), each in their own organisation, zone z. */
static void
import_many(struct fixture *f, int n, const char *zone)
{
    struct ct_buf b;
    int i;

    ct_buf_init(&b);
    ct_buf_puts(&b, HEADER);
    for (i = 0; i < n; i++)
        ct_buf_printf(&b, "m%d@o%d.org,Member %d,Org %d,Team %d,Role %d,%s,,,\n", i, i, i, i, i,
                      i % 3, zone ? zone : "");
    assert_false(b.failed);
    import(f, b.data);
    ct_buf_free(&b);
}

static int64_t
plan(struct fixture *f, const char *date)
{
    struct ct_round_plan_options opts = {date, 11, CT_ROUND_CLI, 0, false, false, false};
    struct ct_round *round = NULL;
    struct ct_error err;
    int64_t id;

    ct_error_clear(&err);
    if (ct_rounds_plan(f->store, f->cfg, &opts, f->now, &round, &err) != CT_OK)
        fail_msg("plan %s: %s", date, err.message);
    id = round->id;
    ct_round_free(round);
    return id;
}

static void
send(struct fixture *f, int64_t id)
{
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_send(f->store, f->cfg, id, f->now, NULL, NULL, &err) != CT_OK)
        fail_msg("send %lld: %s", (long long)id, err.message);
}

static int64_t
id_of(struct fixture *f, const char *email)
{
    return sql_int(f->store, "SELECT id FROM members WHERE email = ?1", email);
}

/* How many groups of round id (not cancelled) hold member email (not removed). */
static long long
grouped(struct fixture *f, int64_t round, const char *email)
{
    char r[32];

    snprintf(r, sizeof(r), "%lld", (long long)round);
    return sql_int(f->store,
                   "SELECT count(*) FROM group_members gm JOIN groups g ON g.id = gm.group_id"
                   " JOIN members m ON m.id = gm.member_id WHERE g.round_id = ?1"
                   " AND g.state <> 'cancelled' AND gm.removed = 0 AND m.email = ?2",
                   r, email);
}

static long long
log_count(struct fixture *f, const char *action)
{
    return sql_int(f->store, "SELECT count(*) FROM action_log WHERE action = ?1", action);
}

static char *
last_detail(struct fixture *f)
{
    return sql_text(f->store, "SELECT detail FROM action_log ORDER BY id DESC LIMIT 1");
}

/* ---- skip ----------------------------------------------------------------- */

static void
test_skip_next_round(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int64_t r1, r2;

    import_many(f, 4, NULL);
    ct_error_clear(&err);
    assert_int_equal(
        ct_action_skip(f->store, f->cfg, id_of(f, "m0@o0.org"), 0, CT_VIA_PAGE, f->now, &err),
        CT_OK);
    /* Twice: nothing more, and the log says so. */
    assert_int_equal(
        ct_action_skip(f->store, f->cfg, id_of(f, "m0@o0.org"), 0, CT_VIA_PAGE, f->now, &err),
        CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM skips"), 1);
    assert_int_equal(log_count(f, "skip"), 2);
    {
        char *d = last_detail(f);
        assert_non_null(strstr(d, "no change"));
        free(d);
    }
    r1 = plan(f, "2026-03-02");
    assert_int_equal(grouped(f, r1, "m0@o0.org"), 0);
    assert_int_equal(grouped(f, r1, "m1@o1.org"), 1);
    /* The skip now belongs to the round, and a new plan for its date keeps it. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM skips WHERE round_id IS NULL"), 0);
    r2 = plan(f, "2026-03-02");
    assert_int_equal(grouped(f, r2, "m0@o0.org"), 0);
    /* The round after is not skipped. */
    send(f, r2);
    f->now += 35 * DAY;
    assert_int_equal(grouped(f, plan(f, "2026-04-06"), "m0@o0.org"), 1);
}

static void
test_skip_planned_round(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int64_t r;

    import_many(f, 4, NULL);
    r = plan(f, "2026-03-02");
    assert_int_equal(grouped(f, r, "m0@o0.org"), 1);
    ct_error_clear(&err);
    assert_int_equal(
        ct_action_skip(f->store, f->cfg, id_of(f, "m0@o0.org"), r, CT_VIA_REPLY, f->now, &err),
        CT_OK);
    assert_int_equal(grouped(f, r, "m0@o0.org"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM round_changes WHERE kind = 9"), 1);
    assert_int_equal(
        sql_int(f->store, "SELECT count(*) FROM unpaired WHERE reason = 'partner left'"), 1);
    send(f, r);
    assert_int_equal(grouped(f, r, "m0@o0.org"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE recipient = 'm0@o0.org'"),
                     0);
    /* Unknown and cancelled rounds are refused. */
    assert_int_equal(
        ct_action_skip(f->store, f->cfg, id_of(f, "m1@o1.org"), 99, CT_VIA_PAGE, f->now, &err),
        CT_ENOTFOUND);
}

static void
test_skip_after_send_updates_the_group(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    long long before;
    int64_t r;

    import_many(f, 2, NULL);
    r = plan(f, "2026-03-02");
    send(f, r);
    before = sql_int(f->store, "SELECT count(*) FROM outbox");
    assert_int_equal(before, 2);
    f->now += 600;
    ct_error_clear(&err);
    assert_int_equal(
        ct_action_skip(f->store, f->cfg, id_of(f, "m0@o0.org"), r, CT_VIA_PAGE, f->now, &err),
        CT_OK);
    /* The pair is off: a CANCEL to each, the partner told, the group cancelled. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'notice'"
                                       " AND recipient = 'm1@o1.org'"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"
                                       " AND sequence = 1"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT removed FROM group_members gm JOIN members m"
                                       " ON m.id = gm.member_id WHERE m.email = 'm0@o0.org'"),
                     1);
    /* Idempotent: the second skip queues nothing. */
    before = sql_int(f->store, "SELECT count(*) FROM outbox");
    assert_int_equal(
        ct_action_skip(f->store, f->cfg, id_of(f, "m0@o0.org"), r, CT_VIA_PAGE, f->now, &err),
        CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), before);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM skips"), 1);
    assert_int_equal(sql_int(f->store, "SELECT round_id FROM action_log ORDER BY id LIMIT 1"), r);
}

/* ---- pause, stop, resume ---------------------------------------------------- */

static void
test_pause_stop_resume(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int32_t today = 0;
    int64_t r, m0;

    import_many(f, 2, NULL);
    m0 = id_of(f, "m0@o0.org");
    r = plan(f, "2026-03-02");
    send(f, r);
    assert_null(ct_parse_date("2026-03-02", &today));
    ct_error_clear(&err);
    /* A pause must end after today. */
    assert_int_equal(ct_action_pause(f->store, f->cfg, m0, today, CT_VIA_PAGE, f->now, &err),
                     CT_EUSAGE);
    assert_non_null(strstr(err.message, "until"));
    assert_int_equal(ct_action_pause(f->store, f->cfg, m0, today + 30, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    assert_sql_text(f->store, "paused 2026-04-01",
                    "SELECT status || ' ' || paused_until FROM members WHERE id = 1");
    /* The sent pair is off. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"), 1);
    /* Again: no change. */
    assert_int_equal(ct_action_pause(f->store, f->cfg, m0, today + 30, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    {
        char *d = last_detail(f);
        assert_string_equal(d, "until 2026-04-01; no change");
        free(d);
    }
    assert_int_equal(ct_action_stop(f->store, f->cfg, m0, CT_VIA_REPLY, f->now, &err), CT_OK);
    assert_sql_text(f->store, "left", "SELECT status FROM members WHERE id = 1");
    assert_int_equal(ct_action_stop(f->store, f->cfg, m0, CT_VIA_REPLY, f->now, &err), CT_OK);
    /* Stopped: no skip or pause until resumed. */
    assert_int_equal(ct_action_skip(f->store, f->cfg, m0, 0, CT_VIA_PAGE, f->now, &err), CT_ESTATE);
    assert_int_equal(ct_action_pause(f->store, f->cfg, m0, 0, CT_VIA_PAGE, f->now, &err),
                     CT_ESTATE);
    assert_int_equal(ct_action_resume(f->store, f->cfg, m0, CT_VIA_ORGANISER, f->now, &err), CT_OK);
    assert_sql_text(f->store, "active", "SELECT status FROM members WHERE id = 1");
    assert_int_equal(ct_action_resume(f->store, f->cfg, m0, CT_VIA_ORGANISER, f->now, &err), CT_OK);
    assert_sql_text(f->store,
                    "pause:page,pause:page,stop:reply,stop:reply,resume:organiser,"
                    "resume:organiser",
                    "SELECT group_concat(action || ':' || via) FROM"
                    " (SELECT action, via FROM action_log ORDER BY id)");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM action_log WHERE detail LIKE"
                                       " '%no change'"),
                     3);
    /* Unknown members, and an unknown way of acting, change nothing. */
    assert_int_equal(ct_action_stop(f->store, f->cfg, 77, CT_VIA_PAGE, f->now, &err), CT_ENOTFOUND);
    assert_int_equal(ct_action_stop(f->store, f->cfg, m0, (enum ct_via)9, f->now, &err), CT_EUSAGE);
    assert_non_null(strstr(err.message, "via"));
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, m0, NULL, CT_VIA_PAGE, f->now, &err),
                     CT_EUSAGE);
    assert_sql_text(f->store, "active", "SELECT status FROM members WHERE id = 1");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM action_log"), 6);
}

static void
test_stop_after_send_cancels_the_pair(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;

    import_many(f, 2, NULL);
    send(f, plan(f, "2026-03-02"));
    ct_error_clear(&err);
    assert_int_equal(
        ct_action_stop(f->store, f->cfg, id_of(f, "m1@o1.org"), CT_VIA_PAGE, f->now, &err), CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"), 1);
}

/* ---- preferences ----------------------------------------------------------- */

static void
test_prefs_validation_names_the_field(void **state)
{
    struct fixture *f = *state;
    struct {
        const char *field;
        struct ct_prefs p;
    } bad[] = {
        {"working_hours", {.working_hours = "17:00-09:00", .frequency = -1, .mode = -1}},
        {"working_hours", {.working_hours = "9-5", .frequency = -1, .mode = -1}},
        {"working_days", {.working_days = "MO,XX", .frequency = -1, .mode = -1}},
        {"working_days", {.working_days = "MO,MO", .frequency = -1, .mode = -1}},
        {"timezone", {.timezone = "Mars/Olympus", .frequency = -1, .mode = -1}},
        {"frequency", {.frequency = 4, .mode = -1}},
        {"mode", {.frequency = -1, .mode = 7}},
        {"intro", {.intro = "bell\a", .frequency = -1, .mode = -1}},
        {"greeting", {.greeting = "  ", .frequency = -1, .mode = -1}},
        {"greeting", {.greeting = "a\nb", .frequency = -1, .mode = -1}},
    };
    char intro[300 * 2 + 1];
    struct ct_prefs p;
    struct ct_error err;
    size_t i;

    import_many(f, 1, NULL);
    for (i = 0; i < CT_ARRAY_LEN(bad); i++) {
        ct_error_clear(&err);
        assert_int_equal(
            ct_action_prefs_set(f->store, f->cfg, 1, &bad[i].p, CT_VIA_PAGE, f->now, &err),
            CT_EUSAGE);
        if (strncmp(err.message, bad[i].field, strlen(bad[i].field)) != 0)
            fail_msg("case %zu: '%s' does not name %s", i, err.message, bad[i].field);
    }
    /* 280 characters of two bytes each pass; 281 do not. */
    ct_prefs_init(&p);
    for (i = 0; i < 280; i++)
        memcpy(intro + 2 * i, "\xc3\xa9", 2);
    intro[560] = '\0';
    p.intro = intro;
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    memcpy(intro + 560, "x", 2);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_EUSAGE);
    /* Nothing of a refused call was written, not even to the log. */
    assert_int_equal(log_count(f, "preferences"), 1);
}

static void
test_prefs_set_get_idempotent(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p, got;
    struct ct_error err;

    import_many(f, 1, NULL);
    ct_prefs_init(&p);
    p.working_hours = "08:30-16:00";
    p.working_days = "mo,tu,WE";
    p.timezone = "America/New_York";
    p.frequency = 2;
    p.mode = CT_MODE_VIDEO;
    p.intro = "I run the pharmacy stores.\nAsk me about stock.";
    p.greeting = "Bea";
    ct_error_clear(&err);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    assert_int_equal(ct_action_prefs_get(f->store, 1, &got, &err), CT_OK);
    assert_true(ct_prefs_equal(&p, &got));
    ct_prefs_free(&got);
    {
        char *d = last_detail(f);
        assert_string_equal(d, "working_hours, working_days, timezone, frequency, mode, intro, "
                               "greeting");
        free(d);
    }
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now + 5, &err),
                     CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT updated_at FROM member_prefs"), NOW);
    /* Unsetting every field removes the row. */
    ct_prefs_init(&p);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM member_prefs"), 0);
    assert_int_equal(ct_action_prefs_get(f->store, 9, &got, &err), CT_ENOTFOUND);
}

static void
test_prefs_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p;
    struct ct_error err;

    import_many(f, 1, NULL);
    ct_prefs_init(&p);
    p.timezone = "Asia/Tokyo";
    /* The log write fails: the preferences are not stored either. */
    sql_exec(f->store, "CREATE TRIGGER no_log BEFORE INSERT ON action_log"
                       " BEGIN SELECT RAISE(ABORT, 'injected'); END;");
    ct_error_clear(&err);
    assert_int_not_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                         CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM member_prefs"), 0);
}

static void
test_skip_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int64_t r;

    import_many(f, 2, NULL);
    r = plan(f, "2026-03-02");
    send(f, r);
    sql_exec(f->store, "CREATE TRIGGER no_log BEFORE INSERT ON action_log"
                       " BEGIN SELECT RAISE(ABORT, 'injected'); END;");
    ct_error_clear(&err);
    assert_int_not_equal(ct_action_skip(f->store, f->cfg, 1, r, CT_VIA_PAGE, f->now, &err), CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM skips"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'sent'"), 1);
}

static void
test_reimport_keeps_prefs(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p, got;
    struct ct_error err;
    struct ct_round *round = NULL;
    int64_t r;
    size_t i, j;

    import_many(f, 2, "Europe/London");
    ct_prefs_init(&p);
    p.timezone = "Europe/Berlin";
    p.greeting = "Em";
    ct_error_clear(&err);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    /* The roster changes the zone it gives: its own column follows, the member's choice stays. */
    import_many(f, 2, "Europe/Paris");
    assert_sql_text(f->store, "Europe/Paris", "SELECT timezone FROM members WHERE id = 1");
    assert_int_equal(ct_action_prefs_get(f->store, 1, &got, &err), CT_OK);
    assert_string_equal(got.timezone, "Europe/Berlin");
    assert_string_equal(got.greeting, "Em");
    ct_prefs_free(&got);
    /* The same roster again changes nothing either. */
    import_many(f, 2, "Europe/Paris");
    assert_sql_text(f->store, "Europe/Berlin", "SELECT timezone FROM member_prefs");
    /* Planning and invitations use the member's zone. */
    r = plan(f, "2026-03-02");
    assert_int_equal(ct_rounds_load(f->store, r, &round, &err), CT_OK);
    assert_int_equal(round->group_count, 1);
    for (i = 0; i < round->group_count; i++)
        for (j = 0; j < round->groups[i].member_count; j++) {
            const struct ct_member *m = &round->groups[i].members[j].member;
            assert_string_equal(m->timezone, m->id == 1 ? "Europe/Berlin" : "Europe/Paris");
        }
    ct_round_free(round);
}

static void
test_frequency_pref_in_planning(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p;
    struct ct_error err;
    int64_t r;

    import_many(f, 4, NULL);
    ct_prefs_init(&p);
    p.frequency = 2;
    ct_error_clear(&err);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    r = plan(f, "2026-03-02");
    assert_int_equal(grouped(f, r, "m0@o0.org"), 1);
    send(f, r);
    f->now += 35 * DAY;
    /* Every second round: not the next one, the one after. */
    r = plan(f, "2026-04-06");
    assert_int_equal(grouped(f, r, "m0@o0.org"), 0);
    assert_int_equal(grouped(f, r, "m1@o1.org"), 1);
    send(f, r);
    f->now += 28 * DAY;
    assert_int_equal(grouped(f, plan(f, "2026-05-04"), "m0@o0.org"), 1);
}

static void
test_hours_pref_in_planning(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p;
    struct ct_error err;
    int64_t r;

    import_many(f, 2, "UTC");
    ct_prefs_init(&p);
    p.working_hours = "14:00-15:00";
    p.working_days = "WE";
    ct_error_clear(&err);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    r = plan(f, "2026-03-02");
    assert_int_equal(grouped(f, r, "m0@o0.org"), 1);
    /* Wednesday, inside 14:00-15:00 UTC for the whole meeting. */
    assert_sql_text(f->store, "3 14",
                    "SELECT strftime('%w', slot_start, 'unixepoch') || ' ' ||"
                    " strftime('%H', slot_start, 'unixepoch') FROM groups");
    assert_int_equal(sql_int(f->store,
                             "SELECT (slot_start + slot_minutes * 60) % 86400 <= 15 * 3600"
                             " FROM groups"),
                     1);
}

static void
test_greeting_in_invitation(void **state)
{
    struct fixture *f = *state;
    struct ct_prefs p;
    struct ct_error err;

    import_many(f, 2, NULL);
    ct_prefs_init(&p);
    p.greeting = "Bea";
    ct_error_clear(&err);
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 1, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    send(f, plan(f, "2026-03-02"));
    scratchdb_outbox_bodies(f->store);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE recipient = 'm0@o0.org'"
                                       " AND text_body LIKE 'Hello Bea,%'"),
                     1);
    /* The partner's copy greets the partner, and names Member 0 as the roster does. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE recipient = 'm1@o1.org'"
                                       " AND text_body LIKE 'Hello Member 1,%'"
                                       " AND text_body LIKE '%Member 0%'"),
                     1);
}

/* ---- check-ins -------------------------------------------------------------- */

static void
test_checkin(void **state)
{
    struct fixture *f = *state;
    struct ct_contact *contacts = NULL;
    size_t ncontacts = 0;
    struct ct_error err;
    int64_t g;

    import_many(f, 4, NULL);
    send(f, plan(f, "2026-03-02"));
    g = sql_int(f->store, "SELECT group_id FROM group_members WHERE member_id = 1");
    ct_error_clear(&err);
    /* Bad input. */
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MET, 6, NULL, CT_VIA_PAGE,
                                       f->now, &err),
                     CT_EUSAGE);
    assert_non_null(strstr(err.message, "rating"));
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MET, 0, "a\x1b[2J",
                                       CT_VIA_PAGE, f->now, &err),
                     CT_EUSAGE);
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, 999, CT_CHECKIN_MET, 0, NULL,
                                       CT_VIA_PAGE, f->now, &err),
                     CT_ENOTFOUND);
    /* "Moved" alone records no outcome. */
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MOVED, 0, NULL,
                                       CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 0);
    /* One says met: the group met. */
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MET, 4, "Lovely chat",
                                       CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    assert_sql_text(f->store, "1 4 checkin Lovely chat",
                    "SELECT met || ' ' || rating || ' ' || source || ' ' || note FROM outcomes");
    assert_int_equal(ct_store_outcomes_contacts(f->store, &contacts, &ncontacts, &err), CT_OK);
    assert_true(ncontacts >= 1);
    free(contacts);
    /* The other disagrees: both answers are kept, the group still counts as met. */
    assert_int_equal(
        ct_action_checkin(f->store, f->cfg,
                          sql_int(f->store, "SELECT member_id FROM group_members WHERE group_id ="
                                            " (SELECT group_id FROM group_members WHERE"
                                            " member_id = 1) AND member_id <> 1"),
                          g, CT_CHECKIN_NOT_MET, 2, NULL, CT_VIA_REPLY, f->now, &err),
        CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM checkins"), 2);
    assert_sql_text(f->store, "1 3", "SELECT met || ' ' || rating FROM outcomes");
    /* The same answer again changes nothing. */
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MET, 4, "Lovely chat",
                                       CT_VIA_PAGE, f->now + 60, &err),
                     CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT at FROM checkins WHERE member_id = 1"), NOW);
    /* An organiser's outcome is never replaced by a check-in. */
    {
        struct ct_outcome o = {g, false, 1, "organiser says no", true};
        assert_int_equal(ct_outcomes_record(f->store, &o, "cli", f->now, NULL, &err), CT_OK);
    }
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MET, 5, NULL, CT_VIA_PAGE,
                                       f->now, &err),
                     CT_OK);
    assert_sql_text(f->store, "0 cli", "SELECT met || ' ' || source FROM outcomes");
}

static void
test_checkin_refuses_a_planned_or_foreign_group(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int64_t g, other;

    import_many(f, 4, NULL);
    plan(f, "2026-03-02");
    g = sql_int(f->store, "SELECT group_id FROM group_members WHERE member_id = 1");
    other = sql_int(f->store, "SELECT min(group_id) FROM group_members WHERE group_id NOT IN"
                              " (SELECT group_id FROM group_members WHERE member_id = 1)");
    ct_error_clear(&err);
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, g, CT_CHECKIN_MET, 0, NULL, CT_VIA_PAGE,
                                       f->now, &err),
                     CT_ESTATE);
    assert_int_equal(ct_action_checkin(f->store, f->cfg, 1, other, CT_CHECKIN_MET, 0, NULL,
                                       CT_VIA_PAGE, f->now, &err),
                     CT_ENOTFOUND);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM checkins"), 0);
    assert_int_equal(log_count(f, "checkin"), 0);
}

static void
test_member_and_erasure(void **state)
{
    struct fixture *f = *state;
    struct ct_member *m = NULL;
    struct ct_prefs p;
    struct ct_error err;

    import_many(f, 2, NULL);
    ct_error_clear(&err);
    assert_int_equal(ct_action_member(f->store, 2, &m, &err), CT_OK);
    assert_string_equal(m->email, "m1@o1.org");
    ct_member_free(m);
    ct_prefs_init(&p);
    p.intro = "Hello";
    assert_int_equal(ct_action_prefs_set(f->store, f->cfg, 2, &p, CT_VIA_PAGE, f->now, &err),
                     CT_OK);
    assert_int_equal(ct_members_erase(f->store, "m1@o1.org", NULL, f->now, &err), CT_OK);
    assert_int_equal(ct_action_member(f->store, 2, &m, &err), CT_ENOTFOUND);
    assert_null(m);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM member_prefs"), 0);
    assert_int_equal(ct_action_skip(f->store, f->cfg, 2, 0, CT_VIA_PAGE, f->now, &err),
                     CT_ENOTFOUND);
}

/* ---- one-word replies ---------------------------------------------------------- */

/* The Message-ID (without brackets) of the invitation sent to email, marked sent. */
static char *
invitation_id(struct fixture *f, const char *email)
{
    sql_exec(f->store, "UPDATE outbox SET state = 'sent', sent_at = 1 WHERE state = 'queued'");
    return sql_text(f->store,
                    "SELECT message_id FROM outbox WHERE recipient = ?1 AND kind = 'request'"
                    " ORDER BY id DESC LIMIT 1",
                    email);
}

static enum ct_replies_result
reply(struct fixture *f, const char *from, const char *in_reply_to, const char *body, uint32_t uid)
{
    struct ct_replies_hooks hooks = {0};
    struct ct_replies_source src = {"organiser@example.org/INBOX", 7, uid};
    enum ct_replies_result result = CT_REPLIES_RESULT_COUNT;
    struct ct_error err;
    struct ct_buf b;

    hooks.cfg = f->cfg;
    ct_buf_init(&b);
    ct_buf_printf(&b, "From: Someone <%s>\r\nTo: organiser@example.org\r\nSubject: Re: coffee\r\n",
                  from);
    if (in_reply_to)
        ct_buf_printf(&b, "In-Reply-To: <%s>\r\nReferences: <older@elsewhere>\r\n <%s>\r\n",
                      in_reply_to, in_reply_to);
    ct_buf_printf(&b, "Message-ID: <r%u@mail.example>\r\nMIME-Version: 1.0\r\n%s", uid, body);
    assert_false(b.failed);
    ct_error_clear(&err);
    if (ct_replies_record_message(f->store, b.data, b.len, &src, f->now, &hooks, &result, &err) !=
        CT_OK)
        fail_msg("reply: %s", err.message);
    ct_buf_free(&b);
    return result;
}

#define PLAIN "Content-Type: text/plain; charset=utf-8\r\n\r\n"

static void
test_reply_word_parse(void **state)
{
    (void)state;
    assert_int_equal(ct_reply_word_parse("SKIP"), CT_WORD_SKIP);
    assert_int_equal(ct_reply_word_parse("\r\n  skip.\r\n\r\nOn Monday Ana wrote:\r\n> STOP"),
                     CT_WORD_SKIP);
    assert_int_equal(ct_reply_word_parse("> quoted first\nPause!\n"), CT_WORD_PAUSE);
    assert_int_equal(ct_reply_word_parse("Not  Met"), CT_WORD_NOT_MET);
    assert_int_equal(ct_reply_word_parse("not-met"), CT_WORD_NOT_MET);
    assert_int_equal(ct_reply_word_parse("met"), CT_WORD_MET);
    assert_int_equal(ct_reply_word_parse("Stop it"), CT_WORD_NONE);
    assert_int_equal(ct_reply_word_parse("Thanks! SKIP"), CT_WORD_NONE);
    assert_int_equal(ct_reply_word_parse("-- \nSKIP"), CT_WORD_NONE);
    assert_int_equal(ct_reply_word_parse("metal"), CT_WORD_NONE);
    assert_int_equal(ct_reply_word_parse(""), CT_WORD_NONE);
    assert_int_equal(ct_reply_word_parse(NULL), CT_WORD_NONE);
}

static void
test_reply_skip_is_trusted_by_message_id(void **state)
{
    struct fixture *f = *state;
    char *id;
    int64_t r;

    import_many(f, 2, NULL);
    r = plan(f, "2026-03-02");
    send(f, r);
    id = invitation_id(f, "m0@o0.org");
    f->now += 600;
    assert_int_equal(reply(f, "M0@o0.org", id,
                           "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n" PLAIN
                           "Skip\r\n\r\nOn Monday the organiser wrote:\r\n> Coffee?\r\n--b\r\n"
                           "Content-Type: text/html\r\n\r\n<p>Skip</p>\r\n--b--\r\n",
                           1),
                     CT_REPLIES_ACTION);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM skips WHERE member_id = 1"), 1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"), 1);
    assert_sql_text(f->store, "skip reply", "SELECT action || ' ' || via FROM action_log");
    /* The same message again is not read twice. */
    assert_int_equal(reply(f, "m0@o0.org", id, PLAIN "SKIP\r\n", 1), CT_REPLIES_SEEN);
    /* Someone else quoting m0's invitation is held, and changes nothing. */
    assert_int_equal(reply(f, "m1@o1.org", id, PLAIN "STOP\r\n", 2), CT_REPLIES_HELD);
    assert_sql_text(f->store, "active", "SELECT status FROM members WHERE id = 1");
    /* From alone binds nothing. */
    assert_int_equal(reply(f, "m0@o0.org", NULL, PLAIN "STOP\r\n", 3), CT_REPLIES_HELD);
    assert_int_equal(reply(f, "m0@o0.org", "forged@example.org", PLAIN "STOP\r\n", 4),
                     CT_REPLIES_HELD);
    assert_sql_text(f->store, "active", "SELECT status FROM members WHERE id = 1");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM held_replies WHERE reason LIKE"
                                       " '%not the address%'"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM held_replies WHERE reason LIKE"
                                       " '%answers no message%'"),
                     2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM imap_seen"), 4);
    /* A text that is not one word is what it was before: not a reply. */
    assert_int_equal(reply(f, "m0@o0.org", id, PLAIN "Sorry, I have to skip this one\r\n", 5),
                     CT_REPLIES_NOT_REPLY);
    free(id);
}

static void
test_reply_met_and_stop(void **state)
{
    struct fixture *f = *state;
    char *id;

    import_many(f, 2, NULL);
    send(f, plan(f, "2026-03-02"));
    id = invitation_id(f, "m1@o1.org");
    f->now += 8 * DAY;
    assert_int_equal(reply(f, "m1@o1.org", id, PLAIN "MET\r\n", 1), CT_REPLIES_ACTION);
    assert_sql_text(f->store, "met reply", "SELECT met || ' ' || via FROM checkins");
    assert_sql_text(f->store, "1 checkin", "SELECT met || ' ' || source FROM outcomes");
    assert_int_equal(reply(f, "m1@o1.org", id, PLAIN "STOP\r\n", 2), CT_REPLIES_ACTION);
    assert_sql_text(f->store, "left", "SELECT status FROM members WHERE id = 2");
    /* Stopped: a SKIP is refused, and held with the reason. */
    assert_int_equal(reply(f, "m1@o1.org", id, PLAIN "skip\r\n", 3), CT_REPLIES_HELD);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM held_replies WHERE reason LIKE"
                                       " 'SKIP refused: %left the network%'"),
                     1);
    free(id);
}

static void
test_words(void **state)
{
    enum ct_meeting_mode mode;
    enum ct_checkin c;
    enum ct_via via;

    (void)state;
    assert_true(ct_meeting_mode_parse("In person", &mode));
    assert_int_equal(mode, CT_MODE_IN_PERSON);
    assert_true(ct_checkin_parse("NOT MET", &c));
    assert_int_equal(c, CT_CHECKIN_NOT_MET);
    assert_false(ct_checkin_parse("maybe", &c));
    assert_true(ct_via_parse("organiser", &via));
    assert_string_equal(ct_via_str(CT_VIA_REPLY), "reply");
    assert_string_equal(ct_log_action_str(CT_LOG_PREFERENCES), "preferences");
    assert_string_equal(ct_checkin_str(CT_CHECKIN_NOT_MET), "not_met");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_skip_next_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_planned_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_after_send_updates_the_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_stop_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_after_send_cancels_the_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefs_validation_names_the_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefs_set_get_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefs_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reimport_keeps_prefs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frequency_pref_in_planning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hours_pref_in_planning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_greeting_in_invitation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkin_refuses_a_planned_or_foreign_group, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_member_and_erasure, setup, teardown),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_reply_word_parse),
        cmocka_unit_test_setup_teardown(test_reply_skip_is_trusted_by_message_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_met_and_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
