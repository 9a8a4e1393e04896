/*
 * test_replies_store.c: recording replies in a real (temporary) database:
 * unknown UIDs and non-attendees skipped, old SEQUENCEs ignored, the same
 * answer never counted twice, and the unanswered-invitation accounting that
 * pauses a member at the limit and calls the notice hook exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replies.h"
#include "scratchdb.h"
#include "store.h"
#include "util.h"

#define G1 "ct-1-1-7f3a9c@coffee.example"
#define G2 "ct-1-2-0b81e4@coffee.example"
#define G3 "ct-1-3-5ad2f0@coffee.example"

#define SENT_AT 1796100000 /* 2026-11-30T11:20:00Z */
#define NOW     1796300000
#define DAY     86400

struct world {
    struct scratchdb *db;
    struct ct_store *store; /* db->store */
    struct ct_buf log;
    size_t warnings;
    size_t paused_calls;
    int64_t paused_member;
    enum ct_status paused_status;
    struct ct_replies_hooks hooks;
};

static void
capture_log(void *arg, enum ct_replies_level level, const char *line)
{
    struct world *w = arg;

    if (level == CT_REPLIES_WARNING)
        w->warnings++;
    ct_buf_printf(&w->log, "%s\n", line);
}

/* Is a write transaction open on store? (Then another cannot begin.) */
static bool
in_transaction(struct ct_store *store)
{
    struct ct_txn *txn = NULL;
    struct ct_error err;

    if (ct_txn_begin(store, &txn, &err) != CT_OK)
        return true;
    ct_txn_rollback(txn);
    return false;
}

static enum ct_status
on_paused(void *arg, struct ct_txn *txn, int64_t member_id, const char *email, struct ct_error *err)
{
    struct world *w = arg;

    w->paused_calls++;
    w->paused_member = member_id;
    assert_non_null(email);
    /* The hook runs inside the pausing transaction: it sees the pause. */
    assert_true(in_transaction(ct_txn_store(txn)));
    if (w->paused_status != CT_OK)
        return ct_error_set(err, w->paused_status, "notice could not be queued");
    return CT_OK;
}

static int
setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    w->db = scratchdb_new("replies");
    w->store = w->db->store;
    ct_buf_init(&w->log);
    w->hooks.log = capture_log;
    w->hooks.paused = on_paused;
    w->hooks.arg = w;
    sql_exec(w->store,
             "INSERT INTO members(id, email, name, organisation, created_at, updated_at) VALUES "
             "(1, 'ana@nhs-a.example', 'Ana Silva', 'Trust A', 0, 0),"
             "(2, 'bo@uni-b.example', 'Bo Chen', 'University B', 0, 0),"
             "(3, 'cy@trust-c.example', 'Cy Okafor', 'Trust C', 0, 0),"
             "(4, 'dee@council-d.example', 'Dee Patel', 'Council D', 0, 0),"
             "(5, 'jose@clinic-e.example', 'José Müller', 'Clinic E', 0, 0),"
             "(6, 'fay@charity-f.example', 'Fay Kowalski', 'Charity F', 0, 0);"
             "INSERT INTO rounds(id, date, seed, state, created_at, sent_at) VALUES "
             "(1, '2026-11-30', 1, 'sent', 0, 1796100000);"
             "INSERT INTO groups(id, round_id, uid, sequence, state, slot_start, slot_minutes) "
             "VALUES (1, 1, 'ct-1-1-7f3a9c@coffee.example', 0, 'sent', 1796292000, 30),"
             "(2, 1, 'ct-1-2-0b81e4@coffee.example', 1, 'sent', 1796378400, 30),"
             "(3, 1, 'ct-1-3-5ad2f0@coffee.example', 0, 'sent', 1796292000, 30);"
             "INSERT INTO group_members(group_id, member_id) VALUES "
             "(1, 1), (1, 2), (2, 3), (2, 4), (3, 5), (3, 6);");
    *state = w;
    return 0;
}

static int
teardown(void **state)
{
    struct world *w = *state;

    ct_buf_free(&w->log);
    scratchdb_free(w->db);
    free(w);
    return 0;
}

static enum ct_replies_result
record_data(struct world *w, const char *data, size_t len, const struct ct_replies_source *src)
{
    enum ct_replies_result result = CT_REPLIES_RESULT_COUNT;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_replies_record_message(w->store, data, len, src, NOW, &w->hooks, &result, &err) != CT_OK)
        fail_msg("record: %s", err.message);
    /* Every call leaves no transaction open. */
    assert_false(in_transaction(w->store));
    return result;
}

static enum ct_replies_result
record_fixture(struct world *w, const char *name, const struct ct_replies_source *src)
{
    char *path = ct_asprintf("%s/tests/data/replies/%s", CT_SRC, name);
    char *data = NULL;
    size_t len = 0;
    struct ct_error err;
    enum ct_replies_result r;

    assert_int_equal(ct_file_read(path, 1 << 20, &data, &len, &err), CT_OK);
    r = record_data(w, data, len, src);
    free(data);
    free(path);
    return r;
}

static enum ct_replies_result
record_text(struct world *w, const char *text)
{
    return record_data(w, text, strlen(text), NULL);
}

static void
test_fixtures(void **state)
{
    struct world *w = *state;

    assert_int_equal(record_fixture(w, "01-outlook-accepted.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "02-gmail-declined.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "03-apple-tentative.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "04-thunderbird-accepted.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "05-latin1-accepted.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "06-ics-attachment-accepted.eml", NULL),
                     CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "07-old-sequence-declined.eml", NULL),
                     CT_REPLIES_OLD_SEQUENCE);
    assert_int_equal(record_fixture(w, "08-counter-nested-cp1252.eml", NULL), CT_REPLIES_COUNTER);
    assert_int_equal(w->warnings, 0);
    assert_int_equal(record_fixture(w, "09-non-attendee.eml", NULL), CT_REPLIES_NOT_ATTENDEE);
    assert_int_equal(record_fixture(w, "10-unknown-uid.eml", NULL), CT_REPLIES_UNKNOWN);
    assert_int_equal(record_fixture(w, "11-request-not-reply.eml", NULL), CT_REPLIES_NOT_REPLY);
    assert_int_equal(record_fixture(w, "12-garbage.eml", NULL), CT_REPLIES_NOT_REPLY);
    assert_int_equal(record_fixture(w, "13-plain-no-calendar.eml", NULL), CT_REPLIES_NOT_REPLY);
    /* unknown meeting, non-attendee and the malformed garbage are warnings */
    assert_int_equal(w->warnings, 3);
    assert_non_null(strstr(w->log.data, "zed@elsewhere.example is not an attendee of group 1"));
    assert_non_null(strstr(w->log.data, "no meeting with UID ct-9-9-deadbeef@coffee.example"));
    assert_non_null(strstr(w->log.data, "proposed another time for group 3: 2026-12-11 15:00 UTC"));

    assert_sql_text(w->store, "ACCEPTED,DECLINED,TENTATIVE,ACCEPTED,ACCEPTED,ACCEPTED",
                    "SELECT group_concat(partstat, ',') FROM "
                    "(SELECT partstat FROM group_members ORDER BY member_id)");
    /* six answers and one proposal; Gmail's duplicate attachment counted once */
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM replies WHERE method = 'REPLY'"), 6);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM replies WHERE method = 'COUNTER'"), 1);
    assert_int_equal(
        sql_int(w->store, "SELECT proposed_start FROM replies WHERE method = 'COUNTER'"),
        1797001200);
    assert_sql_text(w->store, "Gerne! Bis Mittwoch, Grüße",
                    "SELECT comment FROM replies WHERE member_id = 5");
    assert_int_equal(sql_int(w->store, "SELECT dtstamp FROM replies WHERE member_id = 1"),
                     1796202912);
    assert_int_equal(sql_int(w->store, "SELECT received_at FROM replies WHERE member_id = 1"), NOW);
}

static void
test_idempotent(void **state)
{
    struct world *w = *state;
    struct ct_replies_source src = {"mail.example/INBOX", 77, 5};
    int i;

    sql_exec(w->store, "UPDATE members SET unanswered = 2 WHERE id = 1");
    assert_int_equal(record_fixture(w, "01-outlook-accepted.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(sql_int(w->store, "SELECT unanswered FROM members WHERE id = 1"), 0);
    sql_exec(w->store, "UPDATE members SET unanswered = 2 WHERE id = 1");
    /* The same answer again (a re-fetch after UIDVALIDITY changed): nothing changes. */
    for (i = 0; i < 3; i++)
        assert_int_equal(record_fixture(w, "01-outlook-accepted.eml", NULL), CT_REPLIES_DUPLICATE);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM replies"), 1);
    assert_int_equal(sql_int(w->store, "SELECT unanswered FROM members WHERE id = 1"), 2);

    /* A message from IMAP is remembered in the same transaction, and not read twice. */
    assert_int_equal(record_fixture(w, "02-gmail-declined.eml", &src), CT_REPLIES_RECORDED);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM imap_seen WHERE mailbox = "
                                       "'mail.example/INBOX' AND uidvalidity = 77 AND uid = 5"),
                     1);
    assert_int_equal(record_fixture(w, "02-gmail-declined.eml", &src), CT_REPLIES_SEEN);
    /* Messages that are not replies are remembered too, so they are not fetched again. */
    src.uid = 6;
    assert_int_equal(record_fixture(w, "13-plain-no-calendar.eml", &src), CT_REPLIES_NOT_REPLY);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM imap_seen"), 2);
    /* A new UIDVALIDITY is a new mailbox as far as imap_seen goes; replies stay idempotent. */
    src.uidvalidity = 78;
    src.uid = 1;
    assert_int_equal(record_fixture(w, "02-gmail-declined.eml", &src), CT_REPLIES_DUPLICATE);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM replies"), 2);
}

static void
test_ordering(void **state)
{
    struct world *w = *state;

    /* Dee declines on 4 Dec; her earlier acceptance arrives afterwards. */
    assert_int_equal(record_fixture(w, "14-later-declined.eml", NULL), CT_REPLIES_RECORDED);
    assert_int_equal(record_fixture(w, "04-thunderbird-accepted.eml", NULL), CT_REPLIES_SUPERSEDED);
    assert_sql_text(w->store, "DECLINED", "SELECT partstat FROM group_members WHERE member_id = 4");
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM replies WHERE member_id = 4"), 1);

    /* The invitation was re-sent (SEQUENCE 2): answers to SEQUENCE 1 are old now. */
    sql_exec(w->store, "UPDATE groups SET sequence = 2 WHERE id = 2");
    assert_int_equal(record_fixture(w, "03-apple-tentative.eml", NULL), CT_REPLIES_OLD_SEQUENCE);
    assert_sql_text(w->store, "NEEDS-ACTION",
                    "SELECT partstat FROM group_members WHERE member_id = 3");

    /* Cancelled and never-sent groups take no answers. */
    sql_exec(w->store, "UPDATE groups SET state = 'cancelled' WHERE id = 1;"
                       "UPDATE groups SET state = 'planned' WHERE id = 3");
    assert_int_equal(record_fixture(w, "01-outlook-accepted.eml", NULL), CT_REPLIES_CANCELLED);
    assert_int_equal(record_fixture(w, "05-latin1-accepted.eml", NULL), CT_REPLIES_UNKNOWN);
}

static void
test_attendee_rules(void **state)
{
    struct world *w = *state;

    /* A reply listing both attendees: only the sender's own answer is believed. */
    assert_int_equal(record_text(w, "From: Bo <bo@uni-b.example>\n"
                                    "Content-Type: text/calendar; method=REPLY\n\n"
                                    "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:" G1 "\n"
                                    "DTSTAMP:20261202T100000Z\n"
                                    "ATTENDEE;PARTSTAT=DECLINED:mailto:ana@nhs-a.example\n"
                                    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:BO@uni-b.example\n"
                                    "END:VEVENT\nEND:VCALENDAR\n"),
                     CT_REPLIES_RECORDED);
    assert_sql_text(w->store, "NEEDS-ACTION,ACCEPTED",
                    "SELECT group_concat(partstat) FROM "
                    "(SELECT partstat FROM group_members WHERE group_id = 1 "
                    "ORDER BY member_id)");
    /* A member who left the group, an erased member: not attendees any more. */
    sql_exec(w->store, "UPDATE group_members SET removed = 1 WHERE member_id = 3;"
                       "UPDATE members SET email = NULL, status = 'erased' WHERE id = 6");
    assert_int_equal(record_fixture(w, "03-apple-tentative.eml", NULL), CT_REPLIES_NOT_ATTENDEE);
    assert_int_equal(record_fixture(w, "06-ics-attachment-accepted.eml", NULL),
                     CT_REPLIES_NOT_ATTENDEE);
    /* A PARTSTAT meetings do not use is not an answer. */
    assert_int_equal(record_text(w, "Content-Type: text/calendar\n\nBEGIN:VCALENDAR\n"
                                    "METHOD:REPLY\nBEGIN:VEVENT\nUID:" G2 "\nSEQUENCE:1\n"
                                    "ATTENDEE;PARTSTAT=COMPLETED:mailto:dee@council-d.example\n"
                                    "END:VEVENT\nEND:VCALENDAR\n"),
                     CT_REPLIES_NOT_REPLY);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM replies WHERE member_id IN (3, 4, 6)"),
                     0);
}

static enum ct_status
close_at(struct world *w, int64_t now, int limit, struct ct_replies_closed *closed)
{
    struct ct_replies_policy policy = {limit, 14 * DAY};
    struct ct_error err;
    enum ct_status st;

    ct_error_clear(&err);
    st = ct_replies_close_windows(w->store, now, &policy, &w->hooks, closed, &err);
    assert_false(in_transaction(w->store));
    return st;
}

/* Add round n (sent n weeks after round 1) with a pair group of ana and bo. */
static void
add_round(struct world *w, int n)
{
    char *sql = ct_asprintf(
        "INSERT INTO rounds(id, date, seed, state, created_at, sent_at) VALUES "
        "(%d, '2027-01-01', 1, 'sent', 0, %d);"
        "INSERT INTO groups(id, round_id, uid, sequence, state, slot_start, slot_minutes) "
        "VALUES (%d, %d, 'ct-%d@coffee.example', 0, 'sent', %d, 30);"
        "INSERT INTO group_members(group_id, member_id) VALUES (%d, 1), (%d, 2);",
        n, SENT_AT + n * 7 * DAY, 100 + n, n, n, SENT_AT + n * 7 * DAY + 3 * DAY, 100 + n, 100 + n);
    sql_exec(w->store, sql);
    free(sql);
}

static void
test_unanswered_windows(void **state)
{
    struct world *w = *state;
    struct ct_replies_closed closed;

    /* Round 1: Ana accepted, Bo declined, Cy proposed another time (COUNTER), the rest silent. */
    sql_exec(w->store,
             "UPDATE group_members SET partstat = 'ACCEPTED' WHERE member_id = 1;"
             "UPDATE group_members SET partstat = 'DECLINED' WHERE member_id = 2;"
             "INSERT INTO replies(group_id, member_id, method, partstat, sequence, received_at) "
             "VALUES (2, 3, 'COUNTER', 'TENTATIVE', 1, 0);"
             "UPDATE members SET unanswered = 1 WHERE id IN (1, 3)");
    /* The window is open for 14 days after sending, and at least until the slot. */
    assert_int_equal(close_at(w, SENT_AT + 14 * DAY - 1, 3, &closed), CT_OK);
    assert_int_equal(closed.groups, 0);
    sql_exec(w->store, "UPDATE groups SET slot_start = 1797400000 WHERE id = 3");
    assert_int_equal(close_at(w, SENT_AT + 14 * DAY, 3, &closed), CT_OK);
    assert_int_equal(closed.groups, 2);
    assert_int_equal(closed.counted, 2); /* Bo (declined) and Dee (silent) */
    assert_sql_text(w->store, "0,1,0,1,0,0",
                    "SELECT group_concat(unanswered) FROM "
                    "(SELECT unanswered FROM members ORDER BY id)");
    /* Closing again counts nothing again. */
    assert_int_equal(close_at(w, SENT_AT + 15 * DAY, 3, &closed), CT_OK);
    assert_int_equal(closed.groups, 0);
    assert_int_equal(closed.counted, 0);
    assert_sql_text(w->store, "0,1,0,1,0,0",
                    "SELECT group_concat(unanswered) FROM "
                    "(SELECT unanswered FROM members ORDER BY id)");
    /* Group 3 closes once its slot is over; nobody answered there. */
    assert_int_equal(close_at(w, 1797400000 + 1800, 3, &closed), CT_OK);
    assert_int_equal(closed.groups, 1);
    assert_int_equal(closed.counted, 2);
    assert_int_equal(closed.paused, 0);
    assert_int_equal(w->paused_calls, 0);
}

static void
test_pause_at_limit(void **state)
{
    struct world *w = *state;
    struct ct_replies_closed closed;
    int n;

    /* Close round 1 first: Ana and Bo leave group 1 unanswered (1 each). */
    assert_int_equal(close_at(w, SENT_AT + 14 * DAY, 3, &closed), CT_OK);
    for (n = 2; n <= 4; n++)
        add_round(w, n);
    /* Ana answers round 3; Bo never answers. */
    sql_exec(w->store, "UPDATE group_members SET partstat = 'TENTATIVE' WHERE group_id = 103 AND "
                       "member_id = 1");
    assert_int_equal(close_at(w, SENT_AT + 2 * 7 * DAY + 14 * DAY, 3, &closed), CT_OK);
    assert_int_equal(closed.paused, 0);
    assert_int_equal(sql_int(w->store, "SELECT unanswered FROM members WHERE id = 2"), 2);
    assert_int_equal(close_at(w, SENT_AT + 3 * 7 * DAY + 14 * DAY, 3, &closed), CT_OK);
    assert_int_equal(closed.paused, 1);
    assert_int_equal(w->paused_calls, 1);
    assert_int_equal(w->paused_member, 2);
    assert_sql_text(w->store, "paused/none/0",
                    "SELECT status || '/' || ifnull(paused_until, 'none') || '/' "
                    "|| unanswered FROM members WHERE id = 2");
    assert_sql_text(w->store, "active", "SELECT status FROM members WHERE id = 1");
    assert_non_null(strstr(w->log.data, "bo@uni-b.example paused: 3 invitations in a row"));
    /* Round 4 closes: Bo is paused now, so nothing more is counted or sent. */
    assert_int_equal(close_at(w, SENT_AT + 4 * 7 * DAY + 14 * DAY, 3, &closed), CT_OK);
    assert_int_equal(closed.groups, 1);
    assert_int_equal(w->paused_calls, 1);
    assert_int_equal(sql_int(w->store, "SELECT unanswered FROM members WHERE id = 2"), 0);
    assert_int_equal(sql_int(w->store, "SELECT unanswered FROM members WHERE id = 1"), 1);
}

static void
test_pause_hook_failure_and_no_limit(void **state)
{
    struct world *w = *state;
    struct ct_replies_closed closed;

    sql_exec(w->store, "UPDATE members SET unanswered = 2");
    w->paused_status = CT_EIO;
    /* The notice could not be queued: the pause and the window closing roll back. */
    assert_int_equal(close_at(w, SENT_AT + 30 * DAY, 3, &closed), CT_EIO);
    assert_int_equal(w->paused_calls, 1);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM members WHERE status = 'paused'"), 0);
    assert_int_equal(
        sql_int(w->store, "SELECT count(*) FROM groups WHERE window_closed_at IS NOT NULL"), 0);
    assert_int_equal(sql_int(w->store, "SELECT sum(unanswered) FROM members"), 12);
    /* unanswered_limit = 0: count, never pause. */
    w->paused_status = CT_OK;
    assert_int_equal(close_at(w, SENT_AT + 30 * DAY, 0, &closed), CT_OK);
    assert_int_equal(closed.counted, 6);
    assert_int_equal(closed.paused, 0);
    assert_int_equal(sql_int(w->store, "SELECT sum(unanswered) FROM members"), 18);
    /* Unsent rounds have no window yet. */
    sql_exec(w->store,
             "UPDATE rounds SET sent_at = NULL; UPDATE groups SET window_closed_at = NULL");
    assert_int_equal(close_at(w, SENT_AT + 60 * DAY, 3, &closed), CT_OK);
    assert_int_equal(closed.groups, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ordering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attendee_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_at_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_hook_failure_and_no_limit, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
