/*
 * test_rounds.c: rounds in a temporary store: a plan writes what the
 * engine returned (and a dry run nothing), a replan replaces, a sent date
 * is refused; send queues exactly one message per member in one
 * transaction (a failure injected mid-send leaves nothing queued); cancel
 * of planned and sent rounds; members leaving pairs and trios, sent and
 * planned, removed and erased; eligibility by frequency over rounds;
 * history; the same seed gives the same groups.
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
#include "invite.h"
#include "members.h"
#include "outbox.h"
#include "orgname.h"
#include "roster.h"
#include "rounds.h"
#include "scratchdb.h"
#include "store.h"
#include "store_impl.h"
#include "store_outbox.h"
#include "store_rounds.h"
#include "util.h"

/* Monday 2026-03-02T12:00:00Z */
#define NOW 1772452800
#define DAY 86400

struct fixture {
    struct scratchdb *db;
    struct ct_store *store; /* db->store */
    struct ct_config *cfg;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->db = scratchdb_new("rounds");
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

/* ---- helpers -------------------------------------------------------------- */

#define HEADER "email,name,organisation,team,role,timezone,status,frequency,ties\n"

static void
import(struct fixture *f, const char *csv)
{
    scratchdb_import(f->store, csv, ct_now());
}

/* n members a0@o0.org ... each in their own organisation. */
static void
import_many(struct fixture *f, int n, const char *extra_rows)
{
    struct ct_buf b;
    int i;

    ct_buf_init(&b);
    ct_buf_puts(&b, HEADER);
    for (i = 0; i < n; i++)
        ct_buf_printf(&b, "m%d@o%d.org,Member %d,Org %d,Team %d,Role %d,,,,\n", i, i, i, i, i % 3,
                      i % 4);
    if (extra_rows)
        ct_buf_puts(&b, extra_rows);
    assert_false(b.failed);
    import(f, b.data);
    ct_buf_free(&b);
}

/* Everything rounds, groups, members and the outbox hold, as one string. */
static char *
dump(struct fixture *f)
{
    return sql_text(
        f->store,
        "SELECT (SELECT count(*) || ':' || coalesce(group_concat(id || state), '') FROM rounds)"
        " || '#' || (SELECT count(*) || ':' || coalesce(group_concat(id || state || sequence),"
        " '') FROM groups)"
        " || '#' || (SELECT count(*) || ':' || coalesce(sum(removed), 0) FROM group_members)"
        " || '#' || (SELECT count(*) FROM unpaired) || '#' || (SELECT count(*) FROM outbox)"
        " || '#' || (SELECT group_concat(status || coalesce(paused_until, '') || updated_at)"
        " FROM members)");
}

static struct ct_round *
plan(struct fixture *f, const char *date, uint64_t seed, bool dry_run)
{
    struct ct_round_plan_options opts = {date, seed, CT_ROUND_CLI, 0, dry_run, false, false};
    struct ct_round *round = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &round, &err) != CT_OK)
        fail_msg("plan %s: %s", date ? date : "today", err.message);
    assert_non_null(round);
    return round;
}

static int64_t
plan_id(struct fixture *f, const char *date, uint64_t seed)
{
    struct ct_round *r = plan(f, date, seed, false);
    int64_t id = r->id;

    ct_round_free(r);
    return id;
}

static void
send(struct fixture *f, int64_t id, struct ct_round_mail *mail)
{
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_send(f->store, f->cfg, id, ct_now(), mail, NULL, &err) != CT_OK)
        fail_msg("send %lld: %s", (long long)id, err.message);
}

static struct ct_round *
load(struct fixture *f, int64_t id)
{
    struct ct_round *r = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_load(f->store, id, &r, &err) != CT_OK)
        fail_msg("load %lld: %s", (long long)id, err.message);
    return r;
}

/*
 * Outbox row id as delivery reads it: with its message built from its
 * recipe. OUT: *row, cleared with ct_outbox_row_clear().
 */
static void
outbox_built(struct fixture *f, long long id, struct ct_outbox_row *row)
{
    struct ct_outbox_filter filter = {.id = id, .with_message = true};
    struct ct_outbox_row *rows = NULL;
    struct ct_error err;
    size_t count = 0;

    ct_error_clear(&err);
    assert_int_equal(ct_store_outbox_load(f->store, &filter, &rows, &count, &err), CT_OK);
    assert_int_equal(count, 1);
    assert_non_null(rows[0].recipe);
    if (ct_outbox_row_build(&rows[0], &err) != CT_OK)
        fail_msg("build outbox row %lld: %s", id, err.message);
    *row = rows[0];
    memset(&rows[0], 0, sizeof(rows[0]));
    ct_outbox_rows_free(rows, count);
}

/* Field `what` (text, html, ics, all) of outbox row id, built; a heap copy. */
static char *
outbox_part(struct fixture *f, long long id, const char *what)
{
    struct ct_outbox_row row;
    char *s;

    outbox_built(f, id, &row);
    if (strcmp(what, "text") == 0)
        s = strdup(row.text_body);
    else if (strcmp(what, "ics") == 0)
        s = strdup(row.ics);
    else
        s = ct_asprintf("%s%s%s%s%s", row.subject, row.text_body, row.html_body, row.ics,
                        (const char *)row.message);
    ct_outbox_row_clear(&row);
    assert_non_null(s);
    return s;
}

/* The calendar of outbox row id with folded lines joined. */
static char *
outbox_ics(struct fixture *f, long long id)
{
    char *ics = outbox_part(f, id, "ics"), *r = ics, *w = ics;

    while (*r) {
        if (r[0] == '\r' && r[1] == '\n' && r[2] == ' ') {
            r += 3;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return ics;
}

/* Sorted member ids of each group, "1-4,2-3,...", sorted: the groups as sets. */
static char *
groups_key(const struct ct_round *r)
{
    char **keys = calloc(r->group_count + 1, sizeof(*keys));
    struct ct_buf b;
    size_t i, j;

    ct_buf_init(&b);
    ct_buf_puts(&b, "");
    for (i = 0; i < r->group_count; i++) {
        const struct ct_round_group *g = &r->groups[i];
        keys[i] = g->member_count == 3
                      ? ct_asprintf("%lld-%lld-%lld", (long long)g->members[0].member.id,
                                    (long long)g->members[1].member.id,
                                    (long long)g->members[2].member.id)
                      : ct_asprintf("%lld-%lld", (long long)g->members[0].member.id,
                                    (long long)g->members[1].member.id);
    }
    for (i = 0; i < r->group_count; i++)
        for (j = i + 1; j < r->group_count; j++)
            if (strcmp(keys[j], keys[i]) < 0) {
                char *t = keys[i];
                keys[i] = keys[j];
                keys[j] = t;
            }
    for (i = 0; i < r->group_count; i++) {
        ct_buf_printf(&b, "%s%s", i ? "," : "", keys[i]);
        free(keys[i]);
    }
    free(keys);
    return ct_buf_steal(&b);
}

static bool
round_has(const struct ct_round *r, const char *email)
{
    size_t i, j;

    for (i = 0; i < r->group_count; i++)
        for (j = 0; j < r->groups[i].member_count; j++)
            if (r->groups[i].members[j].member.email &&
                strcmp(r->groups[i].members[j].member.email, email) == 0)
                return true;
    for (i = 0; i < r->unpaired_count; i++)
        if (r->unpaired[i].member.member.email &&
            strcmp(r->unpaired[i].member.member.email, email) == 0)
            return true;
    return false;
}

/* ---- plan ------------------------------------------------------------------ */

static void
test_plan_writes_the_groups(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r, *back;
    size_t i, j, members = 0;
    char *uid;

    import_many(f, 7, NULL);
    r = plan(f, "2026-03-02", 1234, false);
    assert_true(r->id > 0);
    assert_string_equal(r->date, "2026-03-02");
    assert_int_equal(r->seed, 1234);
    assert_int_equal(r->state, CT_ROUND_PLANNED);
    assert_int_equal(r->eligible, 7);
    /* Seven members: two pairs and a trio (odd = trio), nobody left out. */
    assert_int_equal(r->group_count, 3);
    assert_int_equal(r->unpaired_count, 0);
    /* The meeting window opens after the review period: 09:00 + 2 days. */
    assert_int_equal(r->window_start, NOW - 3 * 3600 + 2 * DAY);
    assert_int_equal(r->window_end, r->window_start + 14 * DAY);

    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds"), 1);
    assert_int_equal(sql_int(f->store, "SELECT seed FROM rounds"), 1234);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE origin = 'cli'"
                                       " AND state = 'planned' AND send_after IS NULL"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups"), 3);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM group_members"), 7);

    back = load(f, r->id);
    assert_int_equal(back->group_count, r->group_count);
    for (i = 0; i < r->group_count; i++) {
        const struct ct_round_group *g = &r->groups[i], *h = &back->groups[i];
        double sum = 0;

        assert_int_equal(g->id, h->id);
        assert_string_equal(g->uid, h->uid);
        uid = ct_invite_uid(f->cfg->network.name, "2026-03-02", g->id,
                            f->cfg->network.organiser_email);
        assert_string_equal(g->uid, uid);
        free(uid);
        assert_int_equal(g->member_count, h->member_count);
        for (j = 0; j < g->member_count; j++)
            assert_int_equal(g->members[j].member.id, h->members[j].member.id);
        members += g->member_count;
        /* The explanation comes back as written: terms, total and reasons. */
        for (j = 0; j < CT_ROUND_TERMS; j++) {
            assert_true(g->terms[j] - h->terms[j] < 1e-9 && h->terms[j] - g->terms[j] < 1e-9);
            sum += h->terms[j];
        }
        assert_true(sum - h->score < 1e-6 && h->score - sum < 1e-6);
        assert_int_equal(g->reason_count, h->reason_count);
        assert_true(h->reason_count > 0);
        for (j = 0; j < g->reason_count; j++)
            assert_string_equal(g->reasons[j], h->reasons[j]);
        /* A slot inside the window, on the half hour, 09:00-17:00 London (UTC in March). */
        assert_int_equal(h->slot_start, g->slot_start);
        assert_int_equal(h->slot_minutes, 30);
        assert_true(h->slot_start >= r->window_start && h->slot_start < r->window_end);
        assert_int_equal(h->slot_start % 1800, 0);
        assert_true(h->slot_start % DAY >= 9 * 3600 && h->slot_start % DAY <= 16 * 3600 + 1800);
        assert_int_equal(h->state, CT_GROUP_PLANNED);
        assert_int_equal(h->sequence, 0);
    }
    assert_int_equal(members, 7);
    ct_round_free(r);
    ct_round_free(back);
}

static void
test_dry_run_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r, *wet;
    char *before, *after;

    import_many(f, 6, "p@p.org,Paused,Org P,,,,paused,,\n");
    /* A pause that ended yesterday: a dry run counts the member in, but changes nothing. */
    sql_exec(f->store, "UPDATE members SET paused_until = '2026-03-01' WHERE email = 'p@p.org'");
    before = dump(f);
    r = plan(f, "2026-03-02", 99, true);
    after = dump(f);
    assert_string_equal(before, after);
    assert_true(r->dry_run);
    assert_int_equal(r->id, 0);
    assert_int_equal(r->eligible, 7);
    assert_int_equal(r->groups[0].id, 0);
    assert_non_null(r->groups[0].uid);

    /* The real plan makes the same groups from the same seed, and ends the pause. */
    wet = plan(f, "2026-03-02", 99, false);
    {
        char *a = groups_key(r), *b = groups_key(wet);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'paused'"), 0);
    ct_round_free(r);
    ct_round_free(wet);
    free(before);
    free(after);
}

static void
test_replan_replaces(void **state)
{
    struct fixture *f = *state;
    struct ct_round *second;
    int64_t first;

    import_many(f, 6, NULL);
    first = plan_id(f, "2026-03-02", 1);
    second = plan(f, "2026-03-02", 2, false);
    assert_int_equal(second->replaced, first);
    assert_true(second->id > first);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'replaced'"), 1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'planned'"), 1);
    /* The replaced round's groups will never be sent. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups g JOIN rounds r"
                                       " ON r.id = g.round_id WHERE r.state = 'replaced'"
                                       " AND g.state <> 'cancelled'"),
                     0);
    /* Another date is another round. */
    ct_round_free(plan(f, "2026-04-06", 3, false));
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'planned'"), 2);
    ct_round_free(second);
}

static void
test_plan_refuses_a_sent_date(void **state)
{
    struct fixture *f = *state;
    struct ct_round_plan_options opts = {"2026-03-02", 5, CT_ROUND_CLI, 0, false, false, false};
    struct ct_round *r = NULL;
    struct ct_error err;
    int64_t id;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 5);
    send(f, id, NULL);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &r, &err), CT_ESTATE);
    assert_null(r);
    assert_non_null(strstr(err.message, "already sent"));
    assert_non_null(strstr(err.message, "round cancel"));
    /* Nothing changed, and the transaction is closed. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds"), 1);
    assert_int_not_equal(sqlite3_get_autocommit(ct_store_sqlite(f->store)), 0);
    /* A malformed date is the caller's mistake. */
    opts.date = "2026-02-30";
    assert_int_equal(ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &r, &err), CT_EUSAGE);
    /* After cancelling, the date can be planned again. */
    assert_int_equal(ct_rounds_cancel(f->store, f->cfg, id, ct_now(), NULL, &err), CT_OK);
    ct_round_free(plan(f, "2026-03-02", 5, false));
}

static void
test_daemon_plan_window(void **state)
{
    struct fixture *f = *state;
    struct ct_round_plan_options opts = {"2026-03-02", 8,    CT_ROUND_DAEMON, NOW + 3 * DAY, false,
                                         false,        false};
    struct ct_round *r = NULL;
    struct ct_error err;
    size_t i;

    import_many(f, 4, NULL);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &r, &err), CT_OK);
    assert_int_equal(r->window_start, NOW + 3 * DAY);
    for (i = 0; i < r->group_count; i++)
        assert_true(r->groups[i].slot_start >= NOW + 3 * DAY);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE origin = 'daemon'"
                                       " AND send_after = 1772452800 + 3 * 86400"),
                     1);
    ct_round_free(r);
}

/* ---- send ------------------------------------------------------------------ */

static void
test_send_queues_one_message_per_member(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_round *r;
    struct ct_error err;
    size_t i, j;
    int64_t id;

    import_many(f, 7, NULL);
    id = plan_id(f, "2026-03-02", 77);
    send(f, id, &mail);
    assert_int_equal(mail.groups, 3);
    assert_int_equal(mail.messages, 7);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 7);
    assert_int_equal(sql_int(f->store, "SELECT count(DISTINCT message_id) FROM outbox"), 7);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'request'"
                                       " AND method = 'REQUEST' AND state = 'queued'"),
                     7);
    /* Exactly one message to each member of each group, addressed to them alone. */
    assert_int_equal(sql_int(f->store,
                             "SELECT count(*) FROM group_members gm JOIN members m"
                             " ON m.id = gm.member_id WHERE (SELECT count(*) FROM outbox o"
                             " WHERE o.group_id = gm.group_id AND o.member_id = m.id"
                             " AND o.recipient = m.email) = 1"),
                     7);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'sent'"
                                       " AND sent_at = 1772452800"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'sent'"), 3);

    /*
     * Each calendar lists the whole group, with the recipient's own UID (the
     * group's and a secret, stored per member: issue 13) and sequence 0.
     */
    assert_int_equal(sql_int(f->store, "SELECT count(DISTINCT gm.uid) FROM group_members gm"
                                       " JOIN groups g ON g.id = gm.group_id"
                                       " WHERE gm.uid <> g.uid AND length(gm.uid) > length(g.uid)"
                                       " + 30 AND substr(gm.uid, 1, instr(g.uid, '@') - 1)"
                                       " = substr(g.uid, 1, instr(g.uid, '@') - 1)"),
                     7);
    r = load(f, id);
    for (i = 0; i < r->group_count; i++) {
        char *sql = ct_asprintf("SELECT min(id) FROM outbox WHERE group_id = %lld",
                                (long long)r->groups[i].id);
        char *ics = outbox_ics(f, sql_int(f->store, sql)), *want;
        want = ct_asprintf("UID:%.*s-", (int)(strchr(r->groups[i].uid, '@') - r->groups[i].uid),
                           r->groups[i].uid);
        assert_non_null(strstr(ics, want));
        assert_non_null(strstr(ics, "METHOD:REQUEST"));
        assert_non_null(strstr(ics, "SEQUENCE:0"));
        for (j = 0; j < r->groups[i].member_count; j++) {
            char *att = ct_asprintf("mailto:%s", r->groups[i].members[j].member.email);
            assert_non_null(strstr(ics, att));
            free(att);
        }
        free(want);
        free(ics);
        free(sql);
    }
    ct_round_free(r);

    /* Sending again is refused, and queues nothing. */
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_ESTATE);
    assert_non_null(strstr(err.message, "is sent"));
    assert_int_equal(ct_rounds_send(f->store, f->cfg, 999, ct_now(), NULL, NULL, &err),
                     CT_ENOTFOUND);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 7);
}

static void
test_send_failure_queues_nothing(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    char *before;
    int64_t id;

    import_many(f, 7, NULL);
    id = plan_id(f, "2026-03-02", 77);
    before = dump(f);
    /* The fourth message cannot be stored: the send is half done when it fails. */
    sql_exec(f->store, "CREATE TRIGGER fail_send AFTER INSERT ON outbox"
                       " WHEN (SELECT count(*) FROM outbox) >= 4"
                       " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    ct_error_clear(&err);
    assert_int_not_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_OK);
    assert_non_null(strstr(err.message, "injected failure"));
    sql_exec(f->store, "DROP TRIGGER fail_send");
    {
        char *after = dump(f);
        assert_string_equal(before, after);
        free(after);
    }
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'planned'"), 1);
    /* And it goes through once the fault is gone. */
    send(f, id, NULL);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 7);
    free(before);
}

static void
test_send_finds_a_new_time_when_the_slot_passed(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_round *r;
    int64_t id, later = NOW + 30 * DAY;
    size_t i;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 3);
    ct_clock_set(later);
    send(f, id, &mail);
    assert_int_equal(mail.reslotted, 2);
    r = load(f, id);
    for (i = 0; i < r->group_count; i++)
        assert_true(r->groups[i].slot_start >= later);
    ct_round_free(r);
}

static void
test_send_drops_members_who_left(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_round *r;
    int64_t id;
    char *gone;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 3);
    r = load(f, id);
    gone = strdup(r->groups[0].members[0].member.email);
    ct_round_free(r);
    /* As an import of a roster without them would. */
    sql_exec(f->store,
             "UPDATE members SET status = 'left' WHERE id = (SELECT member_id FROM group_members"
             " ORDER BY group_id, member_id LIMIT 1)");
    send(f, id, &mail);
    assert_int_equal(mail.dropped, 1);
    assert_int_equal(mail.groups, 1);
    assert_int_equal(mail.messages, 2);
    r = load(f, id);
    assert_int_equal(r->group_count, 1);
    assert_int_equal(r->unpaired_count, 1);
    /* Re-formed at send under the rules: alone, the partner has nobody to meet. */
    assert_string_equal(r->unpaired[0].reason, "no other member is eligible this round");
    assert_int_equal(r->change_count, 1);
    assert_non_null(strstr(r->changes[0].line, " left since the plan; "));
    assert_non_null(strstr(r->changes[0].line, " unpaired (no other member is eligible"));
    assert_false(round_has(r, gone));
    ct_round_free(r);
    free(gone);
}

/* ---- cancel ---------------------------------------------------------------- */

static void
test_cancel_planned_mails_nothing(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_error err;
    int64_t id;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 3);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_cancel(f->store, f->cfg, id, ct_now(), &mail, &err), CT_OK);
    assert_int_equal(mail.messages, 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'cancelled'"
                                       " AND cancelled_at = 1772452800"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state <> 'cancelled'"),
                     0);
    assert_int_equal(ct_rounds_cancel(f->store, f->cfg, id, ct_now(), NULL, &err), CT_ESTATE);
    assert_int_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_ESTATE);
}

static void
test_cancel_sent_sends_cancel_with_same_uid(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_error err;
    struct ct_round *r;
    size_t i;
    int64_t id;

    import_many(f, 5, NULL);
    id = plan_id(f, "2026-03-02", 3);
    send(f, id, NULL);
    ct_clock_set(NOW + 3600);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_cancel(f->store, f->cfg, id, ct_now(), &mail, &err), CT_OK);
    assert_int_equal(mail.groups, 2);
    assert_int_equal(mail.messages, 5);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"
                                       " AND method = 'CANCEL'"),
                     5);
    /* One cancel per member, each the same event as the request, one version later. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox c JOIN outbox q"
                                       " ON q.group_id = c.group_id AND q.member_id = c.member_id"
                                       " AND q.kind = 'request' WHERE c.kind = 'cancel'"),
                     5);
    r = load(f, id);
    assert_int_equal(r->state, CT_ROUND_CANCELLED);
    for (i = 0; i < r->group_count; i++) {
        char *sql = ct_asprintf("SELECT max(id) FROM outbox WHERE group_id = %lld",
                                (long long)r->groups[i].id);
        char *ics = outbox_ics(f, sql_int(f->store, sql));
        /* The cancel carries the UID of that member's request (their own). */
        char *req = ct_asprintf("SELECT min(q.id) FROM outbox q JOIN outbox c ON c.member_id ="
                                " q.member_id AND c.group_id = q.group_id WHERE c.id = (%s)"
                                " AND q.kind = 'request'",
                                sql);
        char *req_ics = outbox_ics(f, sql_int(f->store, req));
        char *uid = strstr(req_ics, "\r\nUID:");
        assert_non_null(uid);
        uid = ct_asprintf("%.*s", (int)(strstr(uid + 2, "\r\n") - uid + 2), uid);
        assert_non_null(strstr(ics, uid));
        assert_null(strstr(ics, r->groups[i].uid));
        free(req);
        free(req_ics);
        assert_non_null(strstr(ics, "METHOD:CANCEL"));
        assert_non_null(strstr(ics, "SEQUENCE:1"));
        assert_non_null(strstr(ics, "STATUS:CANCELLED"));
        assert_int_equal(r->groups[i].state, CT_GROUP_CANCELLED);
        assert_int_equal(r->groups[i].sequence, 1);
        free(sql);
        free(ics);
        free(uid);
    }
    ct_round_free(r);
}

/* ---- members leaving --------------------------------------------------------- */

/* Three members: a trio, in a sent round. Returns the round. */
static int64_t
sent_trio(struct fixture *f)
{
    int64_t id;

    import_many(f, 3, NULL);
    id = plan_id(f, "2026-03-02", 11);
    send(f, id, NULL);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups"), 1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM group_members"), 3);
    return id;
}

static enum ct_status
leave_hook(void *arg, struct ct_txn *txn, int64_t member_id, bool erasing, int64_t now,
           struct ct_error *err)
{
    struct fixture *f = arg;

    return ct_rounds_member_leave(txn, f->cfg, member_id, erasing, now, NULL, err);
}

static void
remove_member(struct fixture *f, const char *email)
{
    struct ct_member_hook hook = {leave_hook, f};
    struct ct_error err;
    bool changed = false;

    ct_error_clear(&err);
    if (ct_members_remove(f->store, email, &hook, ct_now(), &changed, &err) != CT_OK)
        fail_msg("remove %s: %s", email, err.message);
    assert_true(changed);
}

static void
test_member_leaves_a_sent_trio(void **state)
{
    struct fixture *f = *state;
    char *ics;

    sent_trio(f);
    ct_clock_set(NOW + 600);
    remove_member(f, "m1@o1.org");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE id > 3"), 3);
    /* The leaver: a CANCEL listing only them. */
    assert_int_equal(sql_int(f->store,
                             "SELECT count(*) FROM outbox WHERE id > 3 AND kind = 'cancel'"
                             " AND recipient = 'm1@o1.org'"),
                     1);
    ics =
        outbox_ics(f, sql_int(f->store, "SELECT id FROM outbox WHERE id > 3 AND kind = 'cancel'"));
    assert_non_null(strstr(ics, "METHOD:CANCEL"));
    assert_non_null(strstr(ics, "SEQUENCE:1"));
    assert_non_null(strstr(ics, "mailto:m1@o1.org"));
    assert_null(strstr(ics, "mailto:m0@o0.org"));
    free(ics);
    /* The other two: an updated REQUEST without the leaver. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE id > 3"
                                       " AND kind = 'request' AND recipient IN"
                                       " ('m0@o0.org', 'm2@o2.org')"),
                     2);
    ics = outbox_ics(f, sql_int(f->store, "SELECT max(id) FROM outbox WHERE kind = 'request'"));
    assert_non_null(strstr(ics, "METHOD:REQUEST"));
    assert_non_null(strstr(ics, "SEQUENCE:1"));
    assert_non_null(strstr(ics, "mailto:m0@o0.org"));
    assert_non_null(strstr(ics, "mailto:m2@o2.org"));
    assert_null(strstr(ics, "mailto:m1@o1.org"));
    free(ics);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'sent'"
                                       " AND sequence = 1"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT sum(removed) FROM group_members"), 1);

    /* Then a second one leaves: the pair is off, the last one gets a CANCEL. */
    remove_member(f, "m0@o0.org");
    assert_int_equal(
        sql_int(f->store, "SELECT count(*) FROM outbox WHERE id > 6 AND kind = 'cancel'"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"
                                       " AND sequence = 2"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT sum(removed) FROM group_members"), 2);
}

static void
test_member_leaves_a_sent_pair(void **state)
{
    struct fixture *f = *state;
    int64_t id;
    char *text;

    import_many(f, 2, NULL);
    id = plan_id(f, "2026-03-02", 11);
    send(f, id, NULL);
    remove_member(f, "m0@o0.org");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"
                                       " AND recipient IN ('m0@o0.org', 'm1@o1.org')"),
                     2);
    text = outbox_part(f,
                       sql_int(f->store, "SELECT id FROM outbox WHERE kind = 'cancel'"
                                         " AND recipient = 'm1@o1.org'"),
                       "text");
    assert_non_null(strstr(text, "Member 0 has left"));
    free(text);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"
                                       " AND sequence = 1"),
                     1);
    /* Removing them again changes nothing more. */
    {
        struct ct_member_hook hook = {leave_hook, f};
        struct ct_error err;
        bool changed = true;
        assert_int_equal(ct_members_remove(f->store, "m0@o0.org", &hook, ct_now(), &changed, &err),
                         CT_OK);
        assert_false(changed);
    }
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 4);
}

static void
test_member_leaving_after_the_meeting_changes_nothing(void **state)
{
    struct fixture *f = *state;

    sent_trio(f);
    ct_clock_set(NOW + 40 * DAY);
    remove_member(f, "m1@o1.org");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 3);
    assert_int_equal(sql_int(f->store, "SELECT sum(removed) FROM group_members"), 0);
}

static void
test_erased_member_is_not_named(void **state)
{
    struct fixture *f = *state;
    struct ct_member_hook hook = {leave_hook, f};
    struct ct_error err;
    char *all;
    int64_t id;

    import_many(f, 2, NULL);
    id = plan_id(f, "2026-03-02", 11);
    send(f, id, NULL);
    ct_error_clear(&err);
    assert_int_equal(ct_members_erase(f->store, "m0@o0.org", &hook, ct_now(), &err), CT_OK);
    /* Nothing to the erased member; their partner's cancel does not name them. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"), 1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"
                                       " AND recipient = 'm1@o1.org'"),
                     1);
    /* Neither the message made at delivery nor the recipe it is made from names them. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel' AND"
                                       " (instr(recipe, CAST('m0@o0.org' AS BLOB)) OR"
                                       " instr(recipe, CAST('Member 0' AS BLOB)))"),
                     0);
    all = outbox_part(f, sql_int(f->store, "SELECT id FROM outbox WHERE kind = 'cancel'"), "all");
    assert_null(strstr(all, "m0@o0.org"));
    assert_null(strstr(all, "Member 0"));
    assert_non_null(strstr(all, "METHOD:CANCEL"));
    free(all);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"), 1);
}

static void
test_roster_import_without_a_member(void **state)
{
    struct fixture *f = *state;
    struct ct_sync_options opts = {.source = "roster.csv"};
    struct ct_sync_result *res = NULL;
    struct ct_roster *roster = NULL;
    struct ct_rounds_leave leave;
    struct ct_diags diags;
    struct ct_error err;
    const char *csv = HEADER "m0@o0.org,Member 0,Org 0,Team 0,Role 0,,,,\n"
                             "m2@o2.org,Member 2,Org 2,Team 2,Role 2,,,,\n"
                             "m3@o3.org,Member 3,Org 3,Team 0,Role 3,,left,,\n";
    long long groups;
    int64_t id;

    /* Two pairs, sent; the next roster omits m1 and says m3 left. */
    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 11);
    send(f, id, NULL);
    ct_diags_init(&diags);
    assert_int_equal(ct_roster_parse("roster.csv", csv, strlen(csv), &roster, &diags), CT_OK);
    ct_rounds_leave_init(&leave, f->cfg);
    opts.hook = &leave.hook;
    ct_error_clear(&err);
    assert_int_equal(ct_members_sync(f->store, roster, &opts, ct_now(), &res, &err), CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'left'"), 2);
    /* Each leaver's group is cancelled (m1 and m3 may have been paired together). */
    groups =
        sql_int(f->store, "SELECT count(DISTINCT group_id) FROM group_members gm JOIN members m"
                          " ON m.id = gm.member_id WHERE m.email IN ('m1@o1.org', 'm3@o3.org')");
    assert_int_equal(leave.mail.groups, groups);
    assert_int_equal(leave.mail.messages, 2 * groups);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"),
                     2 * groups);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'cancelled'"),
                     groups);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"
                                       " AND recipient IN ('m1@o1.org', 'm3@o3.org')"),
                     2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM group_members WHERE removed = 1"),
                     groups);
    /* A dry run calls nothing. */
    ct_sync_result_free(res);
    res = NULL;
    ct_rounds_leave_init(&leave, f->cfg);
    opts.dry_run = true;
    assert_int_equal(ct_members_sync(f->store, roster, &opts, ct_now(), &res, &err), CT_OK);
    assert_int_equal(leave.mail.groups, 0);
    ct_sync_result_free(res);
    ct_roster_free(roster);
    ct_diags_free(&diags);
}

static void
test_member_leaves_planned_groups(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    int64_t id;
    size_t i;

    /* A trio becomes a pair; a pair leaves the partner unpaired. */
    import_many(f, 5, NULL);
    id = plan_id(f, "2026-03-02", 4);
    r = load(f, id);
    for (i = 0; i < r->group_count && r->groups[i].member_count != 3; i++)
        ;
    assert_true(i < r->group_count);
    remove_member(f, r->groups[i].members[0].member.email);
    ct_round_free(r);
    r = load(f, id);
    assert_int_equal(r->group_count, 2);
    assert_int_equal(r->groups[0].member_count + r->groups[1].member_count, 4);
    assert_int_equal(r->unpaired_count, 0);
    remove_member(f, r->groups[0].members[0].member.email);
    ct_round_free(r);
    r = load(f, id);
    assert_int_equal(r->group_count, 1);
    assert_int_equal(r->unpaired_count, 1);
    assert_string_equal(r->unpaired[0].reason, "partner left");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 0);
    ct_round_free(r);
}

/* ---- after review: decisions taken between plan and send ------------------------- */

static void
pause_member(struct fixture *f, const char *email)
{
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_members_pause(f->store, email, NULL, 20514, ct_now(), &err) != CT_OK)
        fail_msg("pause %s: %s", email, err.message);
}

static void
exclude(struct fixture *f, const char *a, const char *b)
{
    struct ct_error err;
    bool added = false;

    ct_error_clear(&err);
    if (ct_members_exclusion_add(f->store, a, b, ct_now(), &added, &err) != CT_OK)
        fail_msg("exclude %s %s: %s", a, b, err.message);
    assert_true(added);
}

/* The e-mail of member j of group i of r (a heap copy). */
static char *
group_email(const struct ct_round *r, size_t i, size_t j)
{
    assert_true(i < r->group_count && j < r->groups[i].member_count);
    return strdup(r->groups[i].members[j].member.email);
}

static const char *
member_name(const struct ct_round *r, const char *email)
{
    size_t i, j;

    for (i = 0; i < r->group_count; i++)
        for (j = 0; j < r->groups[i].member_count; j++)
            if (strcmp(r->groups[i].members[j].member.email, email) == 0)
                return r->groups[i].members[j].member.name;
    fail_msg("%s is in no group", email);
    return NULL;
}

/* The index of the group of r holding email, or r->group_count. */
static size_t
group_of(const struct ct_round *r, const char *email)
{
    size_t i, j;

    for (i = 0; i < r->group_count; i++)
        for (j = 0; j < r->groups[i].member_count; j++)
            if (strcmp(r->groups[i].members[j].member.email, email) == 0)
                return i;
    return r->group_count;
}

/* The number of outbox rows addressed to email. */
static int
mail_to(struct fixture *f, const char *email)
{
    char *sql = ct_asprintf("SELECT count(*) FROM outbox WHERE recipient LIKE '%%%s%%'", email);
    int n = sql_int(f->store, sql);

    free(sql);
    return n;
}

static void
send_changes(struct fixture *f, int64_t id, struct ct_round_mail *mail,
             struct ct_round_changes *changes)
{
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_send(f->store, f->cfg, id, ct_now(), mail, changes, &err) != CT_OK)
        fail_msg("send %lld: %s", (long long)id, err.message);
}

static void
test_review_pause_repairs_partner(void **state)
{
    struct fixture *f = *state;
    struct ct_round_changes changes;
    struct ct_round_mail mail;
    struct ct_round *r;
    char *a, *b, *c, *d, *want;
    int64_t id, g0, g1;
    size_t k;

    import_many(f, 8, NULL);
    id = plan_id(f, "2026-03-02", 5);
    r = load(f, id);
    assert_int_equal(r->group_count, 4);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1);
    c = group_email(r, 1, 0), d = group_email(r, 1, 1);
    g0 = r->groups[0].id, g1 = r->groups[1].id;
    want = ct_asprintf("group %lld: %s paused since the plan; %s now with %s", (long long)g0,
                       member_name(r, a), member_name(r, b), member_name(r, d));
    ct_round_free(r);
    pause_member(f, a);
    pause_member(f, c);
    send_changes(f, id, &mail, &changes);
    /* Three groups invited, two messages each; the paused get nothing. */
    assert_int_equal(mail.groups, 3);
    assert_int_equal(mail.messages, 6);
    assert_int_equal(mail.dropped, 2);
    assert_int_equal(mail_to(f, a), 0);
    assert_int_equal(mail_to(f, c), 0);
    assert_int_equal(mail_to(f, b), 1);
    assert_int_equal(mail_to(f, d), 1);
    assert_int_equal(changes.count, 2);
    assert_int_equal(changes.items[0].group_id, g0);
    assert_int_equal(changes.items[1].group_id, g1);
    assert_string_equal(changes.items[0].line, want);
    assert_non_null(strstr(changes.items[1].line, " paused since the plan; "));
    ct_round_changes_clear(&changes);
    /* The orphans meet each other, in a new group with a slot, marked re-formed. */
    r = load(f, id);
    assert_int_equal(r->group_count, 3);
    assert_int_equal(r->unpaired_count, 0);
    k = group_of(r, b);
    assert_true(k < r->group_count);
    assert_int_equal(k, group_of(r, d));
    assert_true(r->groups[k].slot_start >= NOW);
    assert_int_equal(r->groups[k].state, CT_GROUP_SENT);
    assert_non_null(r->groups[k].reformed);
    assert_non_null(strstr(r->groups[k].reformed, "paused since the plan"));
    assert_null(r->groups[(k + 1) % 3].reformed);
    assert_int_equal(r->change_count, 2);
    assert_string_equal(r->changes[0].line, want);
    ct_round_free(r);
    free(a), free(b), free(c), free(d), free(want);
}

static void
test_review_exclusion_after_plan(void **state)
{
    struct fixture *f = *state;
    struct ct_round_changes changes;
    struct ct_round_mail mail;
    struct ct_round *r;
    char *a, *b, *c, *d;
    int64_t id;
    size_t ka, kb;

    import_many(f, 6, NULL);
    id = plan_id(f, "2026-03-02", 9);
    r = load(f, id);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1);
    c = group_email(r, 1, 0), d = group_email(r, 1, 1);
    ct_round_free(r);
    exclude(f, a, b);
    pause_member(f, c);
    send_changes(f, id, &mail, &changes);
    assert_int_equal(changes.count, 2);
    assert_non_null(strstr(changes.items[0].line, " are now excluded from meeting; "));
    ct_round_changes_clear(&changes);
    assert_int_equal(mail_to(f, c), 0);
    r = load(f, id);
    /* a, b and d are re-formed: never a and b together; whoever is left over is unpaired. */
    ka = group_of(r, a);
    kb = group_of(r, b);
    assert_true(ka == r->group_count || kb == r->group_count || ka != kb);
    assert_true(group_of(r, d) < r->group_count);
    assert_int_equal(r->unpaired_count, 1);
    assert_non_null(r->unpaired[0].reason);
    assert_true(strcmp(r->unpaired[0].member.member.email, a) == 0 ||
                strcmp(r->unpaired[0].member.member.email, b) == 0);
    assert_int_equal(mail_to(f, r->unpaired[0].member.member.email), 0);
    assert_int_equal(mail.messages, 4);
    ct_round_free(r);
    free(a), free(b), free(c), free(d);
}

static void
test_review_erased_member(void **state)
{
    struct fixture *f = *state;
    struct ct_member_hook hook = {leave_hook, f};
    struct ct_round_changes changes;
    struct ct_round *r;
    struct ct_error err;
    char *a, *b, *c, *d, *gone_name;
    int64_t id;
    size_t i;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 3);
    r = load(f, id);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1);
    c = group_email(r, 1, 0), d = group_email(r, 1, 1);
    gone_name = strdup(member_name(r, a));
    ct_round_free(r);
    ct_error_clear(&err);
    assert_int_equal(ct_members_erase(f->store, a, &hook, ct_now(), &err), CT_OK);
    pause_member(f, c);
    /* Before the send, show says what will happen: the erasure, and the pause. */
    r = load(f, id);
    assert_int_equal(r->change_count, 2);
    assert_non_null(strstr(r->changes[0].line, "a member was erased since the plan; at send, "));
    assert_non_null(strstr(r->changes[1].line, " paused since the plan; at send, "));
    assert_non_null(strstr(r->changes[1].line, " will be re-paired"));
    ct_round_free(r);
    send_changes(f, id, NULL, &changes);
    assert_int_equal(changes.count, 2);
    assert_non_null(strstr(changes.items[0].line, "a member was erased since the plan; "));
    assert_non_null(strstr(changes.items[0].line, " now with "));
    for (i = 0; i < changes.count; i++)
        assert_null(strstr(changes.items[i].line, gone_name));
    ct_round_changes_clear(&changes);
    r = load(f, id);
    assert_int_equal(r->group_count, 1);
    assert_int_equal(group_of(r, b), group_of(r, d));
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 2);
    ct_round_free(r);
    free(a), free(b), free(c), free(d), free(gone_name);
}

static void
test_review_orphan_cannot_be_repaired(void **state)
{
    struct fixture *f = *state;
    struct ct_round_changes changes;
    struct ct_round *r;
    char *a, *b, *c, *d;
    int64_t id;
    size_t i;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 3);
    r = load(f, id);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1);
    c = group_email(r, 1, 0), d = group_email(r, 1, 1);
    ct_round_free(r);
    /* The two orphans are excluded from each other: the rules keep them apart. */
    pause_member(f, a);
    pause_member(f, c);
    exclude(f, b, d);
    send_changes(f, id, NULL, &changes);
    assert_int_equal(changes.count, 2);
    for (i = 0; i < changes.count; i++)
        assert_non_null(strstr(changes.items[i].line, " unpaired ("));
    ct_round_changes_clear(&changes);
    r = load(f, id);
    assert_int_equal(r->group_count, 0);
    assert_int_equal(r->unpaired_count, 2);
    for (i = 0; i < 2; i++)
        assert_true(strlen(r->unpaired[i].reason) > 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 0);
    ct_round_free(r);
    free(a), free(b), free(c), free(d);
}

static void
test_review_send_failure_keeps_plan(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    struct ct_error err;
    char *a, *before, *after;
    int64_t id;

    import_many(f, 8, NULL);
    id = plan_id(f, "2026-03-02", 5);
    r = load(f, id);
    a = group_email(r, 0, 0);
    ct_round_free(r);
    pause_member(f, a);
    before = dump(f);
    sql_exec(f->store, "CREATE TRIGGER fail_send AFTER INSERT ON outbox"
                       " WHEN (SELECT count(*) FROM outbox) >= 3"
                       " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    ct_error_clear(&err);
    assert_int_not_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_OK);
    sql_exec(f->store, "DROP TRIGGER fail_send");
    after = dump(f);
    assert_string_equal(before, after);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM round_changes"), 0);
    send(f, id, NULL);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 6);
    free(a), free(before), free(after);
}

static void
test_review_preview(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    struct ct_error err;
    char **lines = NULL, *want;
    size_t n = 0, i;
    int64_t id, a, b, c;
    bool resumed = false;

    import_many(f, 5, NULL);
    id = plan_id(f, "2026-03-02", 4);
    r = load(f, id);
    for (i = 0; i < r->group_count && r->groups[i].member_count != 2; i++)
        ;
    assert_true(i < r->group_count);
    a = r->groups[i].members[0].member.id;
    b = r->groups[i].members[1].member.id;
    c = r->groups[(i + 1) % 2].members[0].member.id;
    want =
        ct_asprintf("round %lld (planned for 2026-03-02) has %s in group %lld with %s: at "
                    "send, %s will be re-paired",
                    (long long)id, r->groups[i].members[0].member.name, (long long)r->groups[i].id,
                    r->groups[i].members[1].member.name, r->groups[i].members[1].member.name);
    ct_error_clear(&err);
    /* Not paused: nothing to say. */
    assert_int_equal(ct_rounds_preview(f->store, a, 0, &lines, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    free(lines);
    pause_member(f, r->groups[i].members[0].member.email);
    assert_int_equal(ct_rounds_preview(f->store, a, 0, &lines, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(lines[0], want);
    free(lines[0]);
    free(lines);
    assert_int_equal(ct_rounds_preview(f->store, a, b, &lines, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_non_null(strstr(lines[0], " together in group "));
    free(lines[0]);
    free(lines);
    /* Not in one group: an exclusion changes nothing planned. */
    assert_int_equal(ct_rounds_preview(f->store, a, c, &lines, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    free(lines);
    /* Once sent, there is no planned round to warn about. */
    ct_error_clear(&err);
    assert_int_equal(
        ct_members_resume(f->store, r->groups[i].members[0].member.email, ct_now(), &resumed, &err),
        CT_OK);
    send(f, id, NULL);
    assert_int_equal(ct_rounds_preview(f->store, a, 0, &lines, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    free(lines);
    ct_round_free(r);
    free(want);
}

static void
test_review_pause_in_sent_pair(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_round *r;
    struct ct_error err;
    char *a, *b, *sql;
    int64_t id;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-02", 3);
    send(f, id, NULL);
    sql_exec(f->store, "DELETE FROM outbox");
    r = load(f, id);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1);
    ct_round_free(r);
    pause_member(f, a);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_withdraw(f->store, f->cfg, a, NULL, ct_now(), &mail, &err), CT_OK);
    assert_int_equal(mail.groups, 1);
    assert_int_equal(mail.messages, 3);
    /* A CANCEL to each, and the partner left alone is told. */
    sql = ct_asprintf("SELECT group_concat(kind, ',') FROM (SELECT kind FROM outbox"
                      " WHERE recipient LIKE '%%%s%%' ORDER BY kind)",
                      b);
    assert_sql_text(f->store, "cancel,notice", sql);
    free(sql);
    sql = ct_asprintf("SELECT group_concat(kind) FROM outbox WHERE recipient LIKE '%%%s%%'", a);
    assert_sql_text(f->store, "cancel", sql);
    free(sql);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'notice' AND"
                                       " text_body LIKE '%can''t make it this month%'"),
                     1);
    r = load(f, id);
    assert_int_equal(r->groups[0].state, CT_GROUP_CANCELLED);
    assert_int_equal(r->groups[1].state, CT_GROUP_SENT);
    ct_round_free(r);
    /* Nothing more to do the second time. */
    assert_int_equal(ct_rounds_withdraw(f->store, f->cfg, a, NULL, ct_now(), &mail, &err), CT_OK);
    assert_int_equal(mail.messages, 0);
    free(a), free(b);
}

static void
test_review_exclusion_in_sent_trio(void **state)
{
    struct fixture *f = *state;
    struct ct_round_mail mail;
    struct ct_round *r;
    struct ct_error err;
    char *a, *b, *c, *sql;
    int64_t id;

    id = sent_trio(f);
    sql_exec(f->store, "DELETE FROM outbox");
    r = load(f, id);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1), c = group_email(r, 0, 2);
    ct_round_free(r);
    exclude(f, a, b);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_withdraw(f->store, f->cfg, a, b, ct_now(), &mail, &err), CT_OK);
    /* b goes (a CANCEL and the notice); a and c get an update and still meet. */
    assert_int_equal(mail.groups, 1);
    assert_int_equal(mail.messages, 4);
    sql = ct_asprintf("SELECT group_concat(kind, ',') FROM (SELECT kind FROM outbox"
                      " WHERE recipient LIKE '%%%s%%' ORDER BY kind)",
                      b);
    assert_sql_text(f->store, "cancel,notice", sql);
    free(sql);
    sql = ct_asprintf("SELECT group_concat(kind) FROM outbox WHERE recipient LIKE '%%%s%%'", c);
    assert_sql_text(f->store, "request", sql);
    free(sql);
    r = load(f, id);
    assert_int_equal(r->groups[0].state, CT_GROUP_SENT);
    assert_int_equal(r->groups[0].sequence, 1);
    ct_round_free(r);
    free(a), free(b), free(c);
}

static void
test_review_orphan_paused_too(void **state)
{
    struct fixture *f = *state;
    struct ct_round_changes changes;
    struct ct_round *r;
    char *a, *b, *want;
    int64_t id, g0;

    import_many(f, 6, NULL);
    id = plan_id(f, "2026-03-02", 3);
    r = load(f, id);
    a = group_email(r, 0, 0), b = group_email(r, 0, 1);
    g0 = r->groups[0].id;
    want = ct_asprintf("group %lld: %s left since the plan; %s unpaired (not taking part this "
                       "round any more)",
                       (long long)g0, member_name(r, a), member_name(r, b));
    ct_round_free(r);
    /* a leaves (b is left alone, "partner left"), then b is paused as well. */
    remove_member(f, a);
    pause_member(f, b);
    send_changes(f, id, NULL, &changes);
    assert_int_equal(changes.count, 1);
    assert_string_equal(changes.items[0].line, want);
    ct_round_changes_clear(&changes);
    r = load(f, id);
    assert_int_equal(r->group_count, 2);
    assert_int_equal(r->unpaired_count, 0);
    assert_int_equal(mail_to(f, b), 0);
    ct_round_free(r);
    free(a), free(b), free(want);
}

static void
test_review_trio_keeps_two(void **state)
{
    struct fixture *f = *state;
    struct ct_round_changes changes;
    struct ct_round *r;
    char *gone;
    int64_t id;
    size_t i;

    import_many(f, 5, NULL);
    id = plan_id(f, "2026-03-02", 4);
    r = load(f, id);
    for (i = 0; i < r->group_count && r->groups[i].member_count != 3; i++)
        ;
    assert_true(i < r->group_count);
    gone = group_email(r, i, 1);
    ct_round_free(r);
    pause_member(f, gone);
    send_changes(f, id, NULL, &changes);
    assert_int_equal(changes.count, 1);
    assert_non_null(strstr(changes.items[0].line, " paused since the plan; "));
    assert_non_null(strstr(changes.items[0].line, " still meet"));
    assert_null(strstr(changes.items[0].line, "will still meet"));
    ct_round_changes_clear(&changes);
    assert_int_equal(mail_to(f, gone), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 4);
    free(gone);
}

static void
test_review_pause_over_by_round_date(void **state)
{
    struct fixture *f = *state;
    struct ct_round_changes changes;
    struct ct_round *r;
    struct ct_error err;
    char *a;
    int64_t id;

    import_many(f, 4, NULL);
    id = plan_id(f, "2026-03-09", 3);
    r = load(f, id);
    a = group_email(r, 0, 0);
    ct_round_free(r);
    /* Back before the round's date: the member stays in. */
    ct_error_clear(&err);
    assert_int_equal(ct_members_pause(f->store, a, "2026-03-05", 20514, ct_now(), &err), CT_OK);
    send_changes(f, id, NULL, &changes);
    assert_int_equal(changes.count, 0);
    ct_round_changes_clear(&changes);
    assert_int_equal(mail_to(f, a), 1);
    free(a);
}

/* ---- history and eligibility ----------------------------------------------------- */

static void
test_frequency_over_rounds(void **state)
{
    static const char *dates[] = {"2026-03-02", "2026-04-06", "2026-05-04", "2026-06-01"};
    struct fixture *f = *state;
    int i;

    import_many(f, 10,
                "bi@b.org,Bi Monthly,Org B,,,,,bimonthly,\n"
                "quarter@q.org,Quarter Ly,Org Q,,,,,quarterly,\n");
    for (i = 0; i < 4; i++) {
        struct ct_round *r;
        int64_t id;

        ct_clock_set(NOW + (int64_t)i * 35 * DAY);
        id = plan_id(f, dates[i], (uint64_t)i + 1);
        r = load(f, id);
        assert_true(round_has(r, "m0@o0.org"));
        /* Bimonthly: rounds 1 and 3; quarterly: rounds 1 and 4. */
        if (round_has(r, "bi@b.org") != (i == 0 || i == 2))
            fail_msg("round %d: bimonthly member %s", i + 1, i % 2 ? "in" : "missing");
        if (round_has(r, "quarter@q.org") != (i == 0 || i == 3))
            fail_msg("round %d: quarterly member %s", i + 1, i % 3 ? "in" : "missing");
        send(f, id, NULL);
        ct_round_free(r);
    }
    /* A planned round that was never sent does not count. */
    ct_clock_set(NOW + 4 * 35 * DAY);
    ct_round_free(plan(f, "2026-07-06", 9, false));
    ct_round_free(plan(f, "2026-07-06", 9, false)); /* replaced: still not sent */
    {
        struct ct_round *r = plan(f, "2026-07-06", 10, true);
        assert_true(round_has(r, "bi@b.org"));
        assert_false(round_has(r, "quarter@q.org"));
        ct_round_free(r);
    }
}

static void
test_no_pair_twice(void **state)
{
    struct fixture *f = *state;
    int i;

    /* Eight members, three rounds: with avoid_repeats = always, no pair meets twice. */
    import_many(f, 8, NULL);
    for (i = 0; i < 3; i++) {
        int64_t id;
        ct_clock_set(NOW + (int64_t)i * 35 * DAY);
        id = plan_id(f,
                     i == 0   ? "2026-03-02"
                     : i == 1 ? "2026-04-06"
                              : "2026-05-04",
                     (uint64_t)i + 40);
        send(f, id, NULL);
    }
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM group_members a JOIN group_members b"
                                       " ON a.group_id = b.group_id AND a.member_id < b.member_id"),
                     sql_int(f->store,
                             "SELECT count(DISTINCT a.member_id || '-' || b.member_id)"
                             " FROM group_members a JOIN group_members b"
                             " ON a.group_id = b.group_id AND a.member_id < b.member_id"));
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'sent'"), 3);
}

static void
test_same_seed_same_groups(void **state)
{
    struct fixture *f = *state;
    struct ct_round *a, *b, *c;
    char *ka, *kb, *kc;

    import_many(f, 21, NULL);
    a = plan(f, "2026-03-02", 4242, false);
    b = plan(f, "2026-03-02", 4242, false); /* replaces a: same data, same seed */
    c = load(f, b->id);
    ka = groups_key(a);
    kb = groups_key(b);
    kc = groups_key(c);
    assert_string_equal(ka, kb);
    assert_string_equal(kb, kc);
    assert_int_equal(c->seed, 4242);
    free(ka);
    free(kb);
    free(kc);
    ct_round_free(a);
    ct_round_free(b);
    ct_round_free(c);

    /* A random seed is stored and replays the same groups. */
    a = plan(f, "2026-04-06", 0, false);
    assert_true(a->seed > 0);
    b = plan(f, "2026-04-06", a->seed, true);
    ka = groups_key(a);
    kb = groups_key(b);
    assert_string_equal(ka, kb);
    assert_int_equal(sql_int(f->store, "SELECT seed FROM rounds WHERE date = '2026-04-06'"),
                     (long long)a->seed);
    free(ka);
    free(kb);
    ct_round_free(a);
    ct_round_free(b);
}

static void
test_mark_sent_queues_nothing(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int64_t id;

    import_many(f, 5, NULL);
    id = plan_id(f, "2026-03-02", 1);
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_mark_sent(f->store, id, ct_now(), &err), CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'sent'"
                                       " AND sent_at = 1772452800"),
                     1);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state <> 'sent'"), 0);
    assert_int_equal(ct_rounds_mark_sent(f->store, id, ct_now(), &err), CT_ESTATE);
    assert_int_equal(ct_rounds_mark_sent(f->store, 42, ct_now(), &err), CT_ENOTFOUND);
    /* It counts as history like a sent round. */
    ct_clock_set(NOW + 35 * DAY);
    ct_round_free(plan(f, "2026-04-06", 2, false));
    assert_int_equal(sql_int(f->store,
                             "SELECT count(*) FROM group_members a JOIN group_members b"
                             " ON a.group_id = b.group_id AND a.member_id < b.member_id"
                             " JOIN groups ga ON ga.id = a.group_id"
                             " JOIN group_members c ON c.member_id = a.member_id"
                             " JOIN group_members d ON d.group_id = c.group_id"
                             " AND d.member_id = b.member_id AND c.group_id <> a.group_id"),
                     0);
}

static void
test_list(void **state)
{
    struct fixture *f = *state;
    struct ct_round_list *list = NULL;
    struct ct_error err;
    int64_t first;

    import_many(f, 5, NULL);
    first = plan_id(f, "2026-03-02", 1);
    send(f, first, NULL);
    ct_round_free(plan(f, "2026-04-06", 2, false));
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_list(f->store, &list, &err), CT_OK);
    assert_int_equal(list->count, 2);
    assert_string_equal(list->items[0].date, "2026-04-06");
    assert_int_equal(list->items[0].state, CT_ROUND_PLANNED);
    assert_int_equal(list->items[1].state, CT_ROUND_SENT);
    assert_int_equal(list->items[1].groups, 2);
    assert_int_equal(list->items[1].trios, 1);
    assert_int_equal(list->items[1].members, 5);
    assert_int_equal(list->items[1].sent_at, NOW);
    ct_round_list_free(list);
    {
        struct ct_round *none = NULL;
        assert_int_equal(ct_rounds_load(f->store, 99, &none, &err), CT_ENOTFOUND);
        assert_null(none);
    }
}

/* The store's typed view of the family: a filter picks groups, states come back as enums. */
static void
test_store_groups_by_filter(void **state)
{
    struct fixture *f = *state;
    struct ct_store_group_filter filter = {0};
    struct ct_round_group *groups = NULL;
    struct ct_round hdr;
    struct ct_error err;
    size_t n = 0, i;
    int64_t id, found = 0;

    import_many(f, 5, NULL);
    id = plan_id(f, "2026-03-02", 1);
    ct_error_clear(&err);
    filter.round_id = id;
    assert_int_equal(ct_store_groups_load(f->store, &filter, &groups, &n, &err), CT_OK);
    assert_int_equal(n, 2);
    for (i = 0; i < n; i++) {
        assert_int_equal(groups[i].state, CT_GROUP_PLANNED);
        assert_non_null(groups[i].explain);
        assert_true(i == 0 || groups[i].id > groups[i - 1].id);
    }
    filter.round_id = 0;
    filter.group_id = groups[1].id;
    for (i = 0; i < n; i++)
        ct_round_group_clear(&groups[i]);
    free(groups);
    assert_int_equal(ct_store_groups_load(f->store, &filter, &groups, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(groups[0].id, filter.group_id);
    ct_round_group_clear(&groups[0]);
    free(groups);
    filter.round_id = id + 1; /* no such round: the group is not in it */
    assert_int_equal(ct_store_groups_load(f->store, &filter, &groups, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    free(groups);

    send(f, id, NULL);
    assert_int_equal(ct_store_round_load(f->store, id, &hdr, &err), CT_OK);
    assert_int_equal(hdr.state, CT_ROUND_SENT);
    assert_int_equal(hdr.origin, CT_ROUND_CLI);
    assert_string_equal(ct_round_origin_str(hdr.origin), "cli");
    assert_int_equal(hdr.sent_at, NOW);
    assert_int_equal(ct_store_round_find(f->store, "2026-03-02", CT_ROUND_SENT, &found, &err),
                     CT_OK);
    assert_int_equal(found, id);
    assert_int_equal(ct_store_round_find(f->store, "2026-03-02", CT_ROUND_PLANNED, &found, &err),
                     CT_OK);
    assert_int_equal(found, 0);
    assert_int_equal(ct_store_round_load(f->store, 99, &hdr, &err), CT_ENOTFOUND);
}

/* ---- organisation names ------------------------------------------------------ */

/* True if any of the group's reasons contains text. */
static bool
reasons_have(const struct ct_round_group *g, const char *text)
{
    size_t i;

    for (i = 0; i < g->reason_count; i++)
        if (strstr(g->reasons[i], text))
            return true;
    return false;
}

/* Plan two members with these organisations, teams and sites (dry run). */
static struct ct_round *
plan_two(struct fixture *f, const char *org_a, const char *org_b, const char *team_b,
         const char *site_b)
{
    char *csv = ct_asprintf("email,name,organisation,team,site,role\n"
                            "a@x.org,A,%s,Pharmacy,Queen's Medical Centre,Pharmacist\n"
                            "b@x.org,B,%s,%s,%s,Pharmacist\n",
                            org_a, org_b, team_b, site_b);
    assert_non_null(csv);
    import(f, csv);
    free(csv);
    return plan(f, "2026-03-09", 7, true);
}

/* Two spellings of one organisation (team, site) are one boundary: no weight, no reason. */
static void
test_spellings_are_one_organisation(void **state)
{
    struct fixture *f = *state;
    struct ct_orgname_aliases *aliases = NULL;
    struct ct_diags diags;
    struct ct_round *r;
    const char *alias = "Nottingham University Hospitals = NUH\n";

    /* The control: different names are different, with weight and reasons. */
    r = plan_two(f, "NUH", "Other Trust", "Wards", "City Hospital");
    assert_int_equal(r->group_count, 1);
    assert_true(r->groups[0].terms[CT_W_ORGANISATION] > 0);
    assert_true(r->groups[0].terms[CT_W_SITE] > 0);
    assert_true(reasons_have(&r->groups[0], "different organisation"));
    assert_true(reasons_have(&r->groups[0], "different site"));
    ct_round_free(r);

    r = plan_two(f, "NUH", "N.U.H.", "pharmacy.", "Queens Medical  Centre");
    assert_int_equal(r->group_count, 1);
    assert_true(r->groups[0].terms[CT_W_ORGANISATION] == 0);
    assert_true(r->groups[0].terms[CT_W_TEAM] == 0);
    assert_true(r->groups[0].terms[CT_W_SITE] == 0);
    assert_false(reasons_have(&r->groups[0], "different organisation"));
    assert_false(reasons_have(&r->groups[0], "different team"));
    assert_false(reasons_have(&r->groups[0], "different site"));
    ct_round_free(r);

    /* require_different = organisation keeps the two spellings apart. */
    f->cfg->pairing.require_different = CT_B_ORGANISATION;
    r = plan_two(f, "NUH", "n u h", "Pharmacy", "Queen's Medical Centre");
    assert_int_equal(r->group_count, 0);
    assert_int_equal(r->unpaired_count, 2);
    assert_non_null(strstr(r->unpaired[0].reason, "organisation"));
    ct_round_free(r);

    /* An alias folds a name the key cannot. */
    r = plan_two(f, "NUH", "Nottingham University Hospitals", "Pharmacy", "Queen's Medical Centre");
    assert_int_equal(r->group_count, 1);
    ct_round_free(r);
    ct_diags_init(&diags);
    assert_int_equal(ct_orgname_aliases_parse("aliases", alias, strlen(alias), &aliases, &diags),
                     CT_OK);
    ct_diags_free(&diags);
    f->cfg->roster.org_aliases = aliases; /* freed with the configuration */
    r = plan_two(f, "NUH", "Nottingham University Hospitals", "Pharmacy", "Queen's Medical Centre");
    assert_int_equal(r->group_count, 0);
    assert_int_equal(r->unpaired_count, 2);
    ct_round_free(r);
}

/* ---- a send in batches: each group queued whole, a stopped send resumed ---------- */
#ifdef CT_TEST_HOOKS /* the hook that stops a send after a batch */

/* Groups of round id whose outbox rows are not all-or-nothing: must be 0. */
static long long
half_queued(struct fixture *f, int64_t id)
{
    char text[24];

    snprintf(text, sizeof(text), "%lld", (long long)id);
    return sql_int(f->store,
                   "SELECT count(*) FROM groups g WHERE g.round_id = CAST(?1 AS INTEGER) AND"
                   " (SELECT count(*) FROM outbox o WHERE o.group_id = g.id) <>"
                   " CASE g.state WHEN 'sent' THEN (SELECT count(*) FROM group_members gm"
                   " WHERE gm.group_id = g.id AND gm.removed = 0) ELSE 0 END",
                   text);
}

/* Send round id one group per batch, stopping (as a crash would) after `after` batches. */
static void
send_stopped(struct fixture *f, int64_t id, size_t after)
{
    struct ct_error err;

    ct_rounds_send_test_batch = 1;
    ct_rounds_send_test_stop_after = after;
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_EIO);
    assert_non_null(strstr(err.message, "stopped after batch"));
    ct_rounds_send_test_batch = 0;
    ct_rounds_send_test_stop_after = 0;
}

static void
test_send_batches_resume(void **state)
{
    struct fixture *f = *state;
    long queued = 0, planned = 0;
    struct ct_round_mail mail;
    struct ct_error err;
    char *before, *after, limit[24];
    int64_t id;

    import_many(f, 9, NULL);
    id = plan_id(f, "2026-03-02", 9);
    send_stopped(f, id, 2);
    /* Two whole groups queued, the rest untouched, the round still planned. */
    assert_int_equal(half_queued(f, id), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'sent'"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'planned'"), 1);
    assert_int_equal(ct_store_round_send_progress(f->store, id, &queued, &planned, &err), CT_OK);
    assert_int_equal(queued, 2);
    assert_int_equal(planned, sql_int(f->store, "SELECT count(*) FROM groups") - 2);
    before = sql_text(f->store, "SELECT group_concat(message_id, ' ') FROM"
                                " (SELECT message_id FROM outbox ORDER BY id)");
    /* The same send again finishes the rest; what was queued stays as it was. */
    queued = (long)sql_int(f->store, "SELECT count(*) FROM outbox");
    send(f, id, &mail);
    assert_int_equal(mail.messages, 9 - queued);
    assert_int_equal(half_queued(f, id), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 9);
    assert_int_equal(sql_int(f->store, "SELECT count(DISTINCT recipient) FROM outbox"), 9);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state <> 'sent'"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'sent'"), 1);
    snprintf(limit, sizeof(limit), "%ld", queued);
    after = sql_text(f->store,
                     "SELECT group_concat(message_id, ' ') FROM"
                     " (SELECT message_id FROM outbox ORDER BY id LIMIT CAST(?1 AS INTEGER))",
                     limit);
    assert_string_equal(before, after);
    /* A sent round cannot be sent again. */
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_ESTATE);
    free(before), free(after);
}

/* A member paused between two batches of a send is not invited when the send resumes. */
static void
test_send_pause_between_batches(void **state)
{
    struct fixture *f = *state;
    struct ct_round *r;
    char *paused, *sql, kind[8];
    int64_t id;

    import_many(f, 8, NULL);
    id = plan_id(f, "2026-03-02", 4);
    send_stopped(f, id, 1);
    r = load(f, id);
    assert_int_equal(r->groups[0].state, CT_GROUP_SENT);
    assert_int_equal(r->groups[1].state, CT_GROUP_PLANNED);
    paused = group_email(r, 1, 0);
    ct_round_free(r);
    pause_member(f, paused);
    send(f, id, NULL);
    sql = ct_asprintf("SELECT count(*) FROM outbox WHERE recipient = '%s'", paused);
    assert_int_equal(sql_int(f->store, sql), 0);
    free(sql);
    assert_int_equal(half_queued(f, id), 0);
    /* Everyone else is invited, or unpaired with the reason (a partner left alone). */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox") +
                         sql_int(f->store, "SELECT count(*) FROM unpaired"),
                     7);
    snprintf(kind, sizeof(kind), "%d", (int)CT_CHANGE_PAUSED);
    assert_int_equal(
        sql_int(f->store, "SELECT count(*) FROM round_changes WHERE kind = ?1 + 0", kind), 1);
    free(paused);
}

/* Cancelling a round part-way through its send cancels the groups already invited. */
static void
test_send_stopped_then_cancelled(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    int64_t id;

    import_many(f, 8, NULL);
    id = plan_id(f, "2026-03-02", 4);
    send_stopped(f, id, 1);
    /* A new plan for the date would orphan the invited group: refused. */
    {
        struct ct_round_plan_options opts = {"2026-03-02", 5, CT_ROUND_CLI, 0, false, false, false};
        struct ct_round *round = NULL;

        ct_error_clear(&err);
        assert_int_equal(ct_rounds_plan(f->store, f->cfg, &opts, ct_now(), &round, &err),
                         CT_ESTATE);
        assert_non_null(strstr(err.message, "part-way through its send"));
        ct_round_free(round);
    }
    ct_error_clear(&err);
    assert_int_equal(ct_rounds_cancel(f->store, f->cfg, id, ct_now(), NULL, &err), CT_OK);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'"),
                     sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'request'"));
    assert_true(sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'cancel'") >= 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state <> 'cancelled'"),
                     0);
    assert_int_equal(ct_rounds_send(f->store, f->cfg, id, ct_now(), NULL, NULL, &err), CT_ESTATE);
}

/* Between two batches: another connection (another process) pauses a member still to be invited. */
struct other_writer {
    const char *path;
    const char *email;
    int calls;
    const char *email2; /* paused too, if set */
};

static void
pause_from_elsewhere(void *arg)
{
    struct other_writer *w = arg;
    struct ct_store *other = NULL;
    struct ct_error err;

    if (w->calls++ != 0)
        return;
    ct_error_clear(&err);
    assert_int_equal(ct_store_open(w->path, &other, &err), CT_OK);
    if (ct_members_pause(other, w->email, NULL, 20514, ct_now(), &err) != CT_OK ||
        (w->email2 && ct_members_pause(other, w->email2, NULL, 20514, ct_now(), &err) != CT_OK))
        fail_msg("pause from elsewhere: %s", err.message);
    ct_store_close(other);
}

static void
test_send_sees_other_writers(void **state)
{
    struct fixture *f = *state;
    struct other_writer w = {f->db->path, NULL, 0, NULL};
    struct ct_round *r;
    char *email, *sql;
    int64_t id;

    import_many(f, 8, NULL);
    id = plan_id(f, "2026-03-02", 4);
    r = load(f, id);
    email = group_email(r, r->group_count - 1, 0); /* in the last batch */
    ct_round_free(r);
    w.email = email;
    ct_rounds_send_test_batch = 1;
    ct_rounds_send_test_between = pause_from_elsewhere;
    ct_rounds_send_test_arg = &w;
    send(f, id, NULL);
    ct_rounds_send_test_batch = 0;
    ct_rounds_send_test_between = NULL;
    ct_rounds_send_test_arg = NULL;
    assert_true(w.calls >= 1);
    sql = ct_asprintf("SELECT count(*) FROM outbox WHERE recipient = '%s'", email);
    assert_int_equal(sql_int(f->store, sql), 0);
    free(sql);
    assert_int_equal(half_queued(f, id), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox") +
                         sql_int(f->store, "SELECT count(*) FROM unpaired"),
                     7);
    free(email);
}

/*
 * Two members paused between batches leave two partners still to be
 * invited: they are re-formed together (the engine runs outside the
 * batches' transactions) and the new group is sent by a later batch.
 */
static void
test_send_reforms_between_batches(void **state)
{
    struct fixture *f = *state;
    struct other_writer w = {f->db->path, NULL, 0, NULL};
    struct ct_round *r;
    char *a, *b;
    int64_t id;

    import_many(f, 8, NULL);
    id = plan_id(f, "2026-03-02", 4);
    r = load(f, id);
    assert_int_equal(r->group_count, 4);
    a = group_email(r, 2, 0);
    b = group_email(r, 3, 0);
    ct_round_free(r);
    w.email = a;
    w.email2 = b;
    ct_rounds_send_test_batch = 1;
    ct_rounds_send_test_between = pause_from_elsewhere;
    ct_rounds_send_test_arg = &w;
    send(f, id, NULL);
    ct_rounds_send_test_batch = 0;
    ct_rounds_send_test_between = NULL;
    ct_rounds_send_test_arg = NULL;
    /* Everyone but the two paused invited, whole groups only, the round sent. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox"), 6);
    assert_int_equal(half_queued(f, id), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM groups WHERE state = 'planned'"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM rounds WHERE state = 'sent'"), 1);
    r = load(f, id);
    assert_int_equal(r->group_count, 3);
    assert_non_null(r->groups[2].reformed);
    assert_int_equal(r->groups[2].state, CT_GROUP_SENT);
    ct_round_free(r);
    free(a);
    free(b);
}
#endif

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan_writes_the_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replan_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_refuses_a_sent_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_plan_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_queues_one_message_per_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_failure_queues_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_finds_a_new_time_when_the_slot_passed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_send_drops_members_who_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_planned_mails_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_sent_sends_cancel_with_same_uid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_member_leaves_a_sent_trio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_leaves_a_sent_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_leaving_after_the_meeting_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_erased_member_is_not_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_import_without_a_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_leaves_planned_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frequency_over_rounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pair_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_seed_same_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spellings_are_one_organisation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mark_sent_queues_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_groups_by_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_pause_repairs_partner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_exclusion_after_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_erased_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_orphan_cannot_be_repaired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_send_failure_keeps_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_preview, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_orphan_paused_too, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_trio_keeps_two, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_pause_over_by_round_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_pause_in_sent_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_exclusion_in_sent_trio, setup, teardown),
#ifdef CT_TEST_HOOKS
        cmocka_unit_test_setup_teardown(test_send_batches_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_pause_between_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_stopped_then_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_sees_other_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_reforms_between_batches, setup, teardown),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
