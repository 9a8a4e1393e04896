/*
 * test_members.c: members in the store: roster sync (add, update, left,
 * unchanged, merge, dry run, ties, status rules), pause and resume,
 * removal, erasure (nothing personal left in any table) and exclusions.
 * Rosters are built by hand, without the CSV parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ct.h"
#include "members.h"
#include "roster.h"
#include "scratchdb.h"
#include "store.h"
#include "util.h"
#include "validate.h"

/* 2026-03-02T12:00:00Z */
#define NOW       1772452800
#define TODAY_STR "2026-03-02"

/* The time every call of a test passes as now; moved on by the tests. */
static int64_t test_now;

static int
setup(void **state)
{
    *state = scratchdb_new("members");
    test_now = NOW;
    return 0;
}

static int
teardown(void **state)
{
    scratchdb_free(*state);
    return 0;
}

static int32_t
today(void)
{
    int32_t days;

    assert_null(ct_parse_date(TODAY_STR, &days));
    return days;
}

/* ---- building rosters by hand ------------------------------------------ */

static struct ct_roster *
roster_new(void)
{
    struct ct_roster *r = calloc(1, sizeof(*r));

    assert_non_null(r);
    r->entries = calloc(64, sizeof(*r->entries));
    assert_non_null(r->entries);
    r->columns = (1u << CT_COL_COUNT) - 1;
    return r;
}

/*
 * Append a row. "email,name,org,team,status,frequency,ties" where ties are
 * ';'-separated; empty fields are NULL, status and frequency default.
 */
static void
roster_add(struct ct_roster *r, const char *row)
{
    struct ct_roster_entry *e = &r->entries[r->count];
    char *copy = strdup(row), *fields[7] = {0}, *p = copy;
    size_t n = 0;

    assert_true(r->count < 64);
    while (n < 7) {
        fields[n++] = p;
        p = strchr(p, ',');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    e->line = (long)r->count + 2;
    e->email = strdup(fields[0]);
    e->name = fields[1] && *fields[1] ? strdup(fields[1]) : NULL;
    e->organisation = fields[2] && *fields[2] ? strdup(fields[2]) : NULL;
    e->team = fields[3] && *fields[3] ? strdup(fields[3]) : NULL;
    e->status = CT_MEMBER_ACTIVE;
    if (fields[4] && strcmp(fields[4], "paused") == 0)
        e->status = CT_MEMBER_PAUSED;
    if (fields[4] && strcmp(fields[4], "left") == 0)
        e->status = CT_MEMBER_LEFT;
    e->frequency = CT_FREQ_MONTHLY;
    if (fields[5] && strcmp(fields[5], "quarterly") == 0)
        e->frequency = CT_FREQ_QUARTERLY;
    if (fields[6] && *fields[6]) {
        char *tie = strtok(fields[6], ";");
        e->ties = calloc(8, sizeof(*e->ties));
        while (tie) {
            e->ties[e->ties_count++] = strdup(tie);
            tie = strtok(NULL, ";");
        }
    }
    r->count++;
    free(copy);
}

static void
roster_free(struct ct_roster *r)
{
    size_t i, j;

    for (i = 0; i < r->count; i++) {
        struct ct_roster_entry *e = &r->entries[i];
        free(e->email);
        free(e->name);
        free(e->organisation);
        free(e->team);
        free(e->site);
        free(e->role);
        free(e->timezone);
        for (j = 0; j < e->ties_count; j++)
            free(e->ties[j]);
        free(e->ties);
    }
    free(r->entries);
    free(r);
}

static struct ct_sync_result *
do_sync(struct scratchdb *f, struct ct_roster *r, bool merge, bool dry_run)
{
    struct ct_sync_options opts = {.source = "roster.csv", .merge = merge, .dry_run = dry_run};
    struct ct_sync_result *res = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_members_sync(f->store, r, &opts, test_now, &res, &err) != CT_OK)
        fail_msg("sync failed: %s", err.message);
    assert_non_null(res);
    return res;
}

static struct ct_roster *
three_members(void)
{
    struct ct_roster *r = roster_new();

    roster_add(r, "ana@a.org,Ana Alves,Alpha Trust,Cardiology,,,bo@b.org");
    roster_add(r, "bo@b.org,Bo Berg,Beta Council,Housing");
    roster_add(r, "cy@c.org,Cy Chen,Gamma Uni,,paused,quarterly");
    return r;
}

/* ---- queries ----------------------------------------------------------- */

#define STATUS_OF "SELECT status FROM members WHERE email = ?1"

/* Everything in the members, ties and imports tables, as one string. */
static char *
dump(struct scratchdb *f)
{
    return sql_text(
        f->store,
        "SELECT coalesce((SELECT group_concat(id || '|' || coalesce(email, '') || '|' ||"
        " coalesce(name, '') || '|' || coalesce(organisation, '') || '|' || coalesce(team, '')"
        " || '|' || status || '|' || coalesce(roster_status, '') || '|' ||"
        " coalesce(paused_until, '') || '|' || frequency || '|' || updated_at, ';')"
        " FROM members), '') || '#' || coalesce((SELECT group_concat(a || '-' || b, ';')"
        " FROM ties), '') || '#' || (SELECT count(*) FROM imports)");
}

static const struct ct_member_change *
change_for(const struct ct_sync_result *res, const char *email)
{
    size_t i;

    for (i = 0; i < res->changes_count; i++)
        if (ct_strcaseeq(res->changes[i].email, email))
            return &res->changes[i];
    return NULL;
}

/* ---- sync -------------------------------------------------------------- */

static void
test_sync_adds(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members();
    struct ct_sync_result *res = do_sync(f, r, false, false);
    struct ct_member_list *list = NULL;
    struct ct_error err;

    assert_int_equal(res->rows, 3);
    assert_int_equal(res->added, 3);
    assert_int_equal(res->updated + res->left + res->unchanged, 0);
    assert_int_equal(res->changes_count, 3);
    assert_int_equal(res->changes[0].kind, CT_CHANGE_ADD);
    assert_string_equal(res->changes[0].email, "ana@a.org");
    assert_int_equal(res->changes[0].line, 2);
    assert_true(res->import_id > 0);
    ct_sync_result_free(res);

    assert_sql_text(f->store, "roster.csv sync 3 3",
                    "SELECT source || ' ' || mode || ' ' || rows || ' ' || added FROM imports");
    assert_sql_text(f->store, "paused", STATUS_OF, "CY@C.ORG");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties"), 1);

    ct_error_clear(&err);
    assert_int_equal(ct_members_list(f->store, CT_MEMBERS_ALL, &list, &err), CT_OK);
    assert_int_equal(list->count, 3);
    assert_string_equal(list->items[0].email, "ana@a.org");
    assert_string_equal(list->items[0].organisation, "Alpha Trust");
    assert_int_equal(list->items[0].status, CT_MEMBER_ACTIVE);
    assert_int_equal(list->items[0].ties_count, 1);
    assert_string_equal(list->items[0].ties[0], "bo@b.org");
    /* A tie is declared by one side and holds for both. */
    assert_int_equal(list->items[1].ties_count, 1);
    assert_string_equal(list->items[1].ties[0], "ana@a.org");
    assert_null(list->items[1].site);
    assert_int_equal(list->items[2].status, CT_MEMBER_PAUSED);
    assert_int_equal(list->items[2].frequency, CT_FREQ_QUARTERLY);
    assert_int_equal(list->items[2].created_at, NOW);
    ct_member_list_free(list);

    assert_int_equal(ct_members_list(f->store, CT_MEMBERS_PAUSED, &list, &err), CT_OK);
    assert_int_equal(list->count, 1);
    assert_string_equal(list->items[0].email, "cy@c.org");
    assert_int_equal(list->items[0].ties_count, 0);
    ct_member_list_free(list);
    roster_free(r);
}

/*
 * New members go in 64 to a statement: each gets the id one INSERT each
 * would have given it (one more than the largest, in roster order), past a
 * full statement and its tail, after members already there.
 */
static void
test_sync_adds_many(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *big;
    struct ct_sync_result *res = do_sync(f, r, false, false);
    struct ct_buf csv;
    struct ct_diags diags;
    int i;

    ct_sync_result_free(res);
    /* A gap: the largest id decides, as SQLite's own choice would. */
    sql_exec(f->store, "UPDATE members SET id = 10 WHERE id = 3");
    ct_buf_init(&csv);
    ct_buf_puts(&csv, "email,name,organisation,status\n"
                      "ana@a.org,Ana Alves,Alpha Trust,active\n"
                      "bo@b.org,Bo Berg,Beta Council,active\n"
                      "cy@c.org,Cy Chen,Gamma Uni,paused\n");
    for (i = 0; i < 130; i++)
        ct_buf_printf(&csv, "m%03d@n.org,Member %d,Org %d,%s\n", i, i, i % 7,
                      i % 3 ? "active" : "paused");
    ct_diags_init(&diags);
    assert_int_equal(ct_roster_parse("big.csv", csv.data, csv.len, &big, &diags), CT_OK);
    res = do_sync(f, big, false, false);
    assert_int_equal(res->added, 130);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members"), 133);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE id > 10 AND"
                                       " email = printf('m%03d@n.org', id - 11)"),
                     130);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE id > 10 AND"
                                       " status = 'paused' AND roster_status = 'paused'"),
                     44);
    assert_int_equal(sql_int(f->store, "SELECT max(id) FROM members"), 140);
    ct_buf_free(&csv);
    ct_diags_free(&diags);
    ct_roster_free(big);
    roster_free(r);
}

/* The organisation and site names of the current members, counted in the store. */
static void
test_value_counts(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = roster_new();
    struct ct_sync_result *res;
    struct ct_member_value_count *v = NULL;
    size_t n = 0;
    struct ct_error err;

    roster_add(r, "ana@a.org,Ana Alves,Alpha Trust");
    roster_add(r, "bo@b.org,Bo Berg,Alpha Trust");
    roster_add(r, "cy@c.org,Cy Chen,alpha trust,,paused");
    roster_add(r, "di@d.org,Di Dee,Beta Council,,left");
    r->entries[0].site = strdup("Main Site");
    r->entries[1].site = strdup("Main Site");
    r->entries[2].site = strdup("");
    r->entries[3].site = strdup("Mian Site");
    res = do_sync(f, r, false, false);
    ct_sync_result_free(res);
    ct_error_clear(&err);
    assert_int_equal(ct_members_value_counts(f->store, CT_MEMBERS_CURRENT,
                                             CT_MEMBER_COLUMN_ORGANISATION, &v, &n, &err),
                     CT_OK);
    assert_int_equal(n, 2); /* byte for byte; the one who left is not counted */
    assert_string_equal(v[0].value, "Alpha Trust");
    assert_int_equal(v[0].count, 2);
    assert_string_equal(v[1].value, "alpha trust");
    assert_int_equal(v[1].count, 1);
    ct_member_value_counts_free(v, n);
    assert_int_equal(
        ct_members_value_counts(f->store, CT_MEMBERS_ALL, CT_MEMBER_COLUMN_SITE, &v, &n, &err),
        CT_OK);
    assert_int_equal(n, 2); /* no empty site */
    assert_string_equal(v[0].value, "Main Site");
    assert_int_equal(v[0].count, 2);
    assert_string_equal(v[1].value, "Mian Site");
    assert_int_equal(v[1].count, 1);
    ct_member_value_counts_free(v, n);
    assert_int_equal(
        ct_members_value_counts(f->store, CT_MEMBERS_PAUSED, CT_MEMBER_COLUMN_SITE, &v, &n, &err),
        CT_OK);
    assert_int_equal(n, 0);
    ct_member_value_counts_free(v, n);
    roster_free(r);
}

static void
test_sync_updates_and_unchanged(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *r2;
    struct ct_sync_result *res;
    const struct ct_member_change *c;
    struct ct_member *m = NULL;
    struct ct_error err;

    ct_sync_result_free(do_sync(f, r, false, false));
    /* The same file again changes nothing. */
    res = do_sync(f, r, false, false);
    assert_int_equal(res->unchanged, 3);
    assert_int_equal(res->added + res->updated + res->left, 0);
    assert_int_equal(res->changes_count, 0);
    ct_sync_result_free(res);

    test_now = NOW + 60;
    r2 = roster_new();
    roster_add(r2, "Ana@A.org,Ana Alves,Alpha Trust,Cardiology,,,bo@b.org");
    roster_add(r2, "bo@b.org,Bo Berg,Delta Board,Planning");
    roster_add(r2, "cy@c.org,Cy Chen,Gamma Uni,,paused,quarterly");
    res = do_sync(f, r2, false, false);
    assert_int_equal(res->updated, 2);
    assert_int_equal(res->unchanged, 1);
    c = change_for(res, "ana@a.org");
    assert_non_null(c);
    assert_int_equal(c->kind, CT_CHANGE_UPDATE);
    assert_int_equal(c->fields, CT_FIELD_EMAIL);
    c = change_for(res, "bo@b.org");
    assert_non_null(c);
    assert_int_equal(c->fields, CT_FIELD_ORGANISATION | CT_FIELD_TEAM);
    assert_string_equal(ct_member_field_str(CT_FIELD_ORGANISATION), "organisation");
    ct_sync_result_free(res);

    ct_error_clear(&err);
    assert_int_equal(ct_members_find(f->store, "BO@b.org", &m, &err), CT_OK);
    assert_string_equal(m->organisation, "Delta Board");
    assert_string_equal(m->team, "Planning");
    assert_int_equal(m->updated_at, NOW + 60);
    assert_int_equal(m->created_at, NOW);
    ct_member_free(m);
    assert_sql_text(f->store, "Ana@A.org", "SELECT email FROM members WHERE email = ?1",
                    "ana@a.org");
    roster_free(r);
    roster_free(r2);
}

static void
test_sync_marks_left_and_merge_does_not(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *two = roster_new();
    struct ct_sync_result *res;

    ct_sync_result_free(do_sync(f, r, false, false));
    roster_add(two, "ana@a.org,Ana Alves,Alpha Trust,Cardiology,,,bo@b.org");
    roster_add(two, "bo@b.org,Bo Berg,Beta Council,Housing");

    res = do_sync(f, two, true, false);
    assert_int_equal(res->left, 0);
    assert_int_equal(res->unchanged, 2);
    ct_sync_result_free(res);
    assert_sql_text(f->store, "paused", STATUS_OF, "cy@c.org");
    assert_sql_text(f->store, "merge", "SELECT mode FROM imports ORDER BY id DESC LIMIT 1");

    res = do_sync(f, two, false, false);
    assert_int_equal(res->left, 1);
    assert_int_equal(res->changes_count, 1);
    assert_int_equal(res->changes[0].kind, CT_CHANGE_LEAVE);
    assert_string_equal(res->changes[0].email, "cy@c.org");
    ct_sync_result_free(res);
    assert_sql_text(f->store, "left", STATUS_OF, "cy@c.org");
    /* Left is not a second departure. */
    res = do_sync(f, two, false, false);
    assert_int_equal(res->left, 0);
    ct_sync_result_free(res);
    /* Coming back in the file makes them what the file says. */
    res = do_sync(f, r, false, false);
    assert_int_equal(res->updated, 1);
    assert_int_equal(change_for(res, "cy@c.org")->fields, CT_FIELD_STATUS);
    ct_sync_result_free(res);
    assert_sql_text(f->store, "paused", STATUS_OF, "cy@c.org");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM imports"), 5);
    roster_free(r);
    roster_free(two);
}

static void
test_sync_dry_run_writes_nothing(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *r2 = roster_new();
    struct ct_sync_result *dry, *real;
    char *before, *after;
    size_t i;

    dry = do_sync(f, r, false, true);
    assert_int_equal(dry->added, 3);
    assert_int_equal(dry->import_id, 0);
    ct_sync_result_free(dry);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM imports"), 0);

    ct_sync_result_free(do_sync(f, r, false, false));
    roster_add(r2, "ana@a.org,Ana Alves,Alpha Trust,Surgery,,,cy@c.org");
    roster_add(r2, "dee@d.org,Dee Doe,Delta Board");
    test_now = NOW + 3600;
    before = dump(f);
    dry = do_sync(f, r2, false, true);
    after = dump(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* The dry run predicts exactly what the real run does. */
    real = do_sync(f, r2, false, false);
    assert_int_equal(dry->added, real->added);
    assert_int_equal(dry->updated, real->updated);
    assert_int_equal(dry->left, real->left);
    assert_int_equal(dry->unchanged, real->unchanged);
    assert_int_equal(dry->changes_count, real->changes_count);
    for (i = 0; i < dry->changes_count; i++) {
        assert_int_equal(dry->changes[i].kind, real->changes[i].kind);
        assert_string_equal(dry->changes[i].email, real->changes[i].email);
        assert_int_equal(dry->changes[i].fields, real->changes[i].fields);
    }
    assert_int_equal(real->added, 1);
    assert_int_equal(real->updated, 1);
    assert_int_equal(real->left, 2);
    /* ana's ties to bo and cy, who are not in the file, are not the file's to change. */
    assert_int_equal(change_for(real, "ana@a.org")->fields, CT_FIELD_TEAM);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties"), 1);
    ct_sync_result_free(dry);
    ct_sync_result_free(real);
    roster_free(r);
    roster_free(r2);
}

static void
test_sync_replaces_ties(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = roster_new(), *r2 = roster_new();
    struct ct_sync_result *res;
    struct ct_member *m = NULL;
    struct ct_error err;

    roster_add(r, "ana@a.org,Ana,A,,,,bo@b.org;cy@c.org;ana@a.org;nobody@x.org");
    roster_add(r, "bo@b.org,Bo,B,,,,ana@a.org");
    roster_add(r, "cy@c.org,Cy,C");
    roster_add(r, "dee@d.org,Dee,D");
    ct_sync_result_free(do_sync(f, r, false, false));
    /* Both sides declaring a tie makes one tie; self and unknown are ignored. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties"), 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties WHERE a >= b"), 0);

    /* ana now names dee only; bo still names ana, so that tie stays. */
    roster_add(r2, "ana@a.org,Ana,A,,,,dee@d.org");
    roster_add(r2, "bo@b.org,Bo,B,,,,ana@a.org");
    roster_add(r2, "cy@c.org,Cy,C");
    roster_add(r2, "dee@d.org,Dee,D");
    res = do_sync(f, r2, false, false);
    assert_int_equal(res->updated, 3);
    assert_int_equal(change_for(res, "ana@a.org")->fields, CT_FIELD_TIES);
    assert_int_equal(change_for(res, "cy@c.org")->fields, CT_FIELD_TIES);
    assert_int_equal(change_for(res, "dee@d.org")->fields, CT_FIELD_TIES);
    assert_null(change_for(res, "bo@b.org"));
    ct_sync_result_free(res);

    ct_error_clear(&err);
    assert_int_equal(ct_members_find(f->store, "ana@a.org", &m, &err), CT_OK);
    assert_int_equal(m->ties_count, 2);
    assert_string_equal(m->ties[0], "bo@b.org");
    assert_string_equal(m->ties[1], "dee@d.org");
    ct_member_free(m);
    assert_int_equal(ct_members_find(f->store, "cy@c.org", &m, &err), CT_OK);
    assert_int_equal(m->ties_count, 0);
    ct_member_free(m);

    /*
     * A merge file naming only ana cannot speak for her ties to the others:
     * they stay. Between two members it lists, it decides.
     */
    roster_free(r);
    r = roster_new();
    roster_add(r, "ana@a.org,Ana,A");
    res = do_sync(f, r, true, false);
    assert_int_equal(res->unchanged, 1);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties"), 2);
    roster_add(r, "dee@d.org,Dee,D");
    res = do_sync(f, r, true, false);
    assert_int_equal(res->updated, 2);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties"), 1);
    roster_free(r);
    roster_free(r2);
}

static void
test_sync_status_rules(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *r2 = roster_new();
    struct ct_sync_result *res;
    struct ct_error err;
    bool changed;

    ct_sync_result_free(do_sync(f, r, false, false));
    ct_error_clear(&err);
    /* A CLI pause and a CLI removal survive re-importing the same file. */
    assert_int_equal(ct_members_pause(f->store, "ana@a.org", "2026-04-01", today(), test_now, &err),
                     CT_OK);
    assert_int_equal(ct_members_remove(f->store, "bo@b.org", NULL, test_now, &changed, &err),
                     CT_OK);
    assert_true(changed);
    res = do_sync(f, r, false, false);
    assert_int_equal(res->unchanged, 3);
    ct_sync_result_free(res);
    assert_sql_text(f->store, "paused", STATUS_OF, "ana@a.org");
    assert_sql_text(f->store, "2026-04-01", "SELECT paused_until FROM members WHERE email = ?1",
                    "ana@a.org");
    assert_sql_text(f->store, "left", STATUS_OF, "bo@b.org");

    /* When the roster's own status changes, the roster wins. */
    roster_add(r2, "ana@a.org,Ana Alves,Alpha Trust,Cardiology,left,,bo@b.org");
    roster_add(r2, "bo@b.org,Bo Berg,Beta Council,Housing,paused");
    roster_add(r2, "cy@c.org,Cy Chen,Gamma Uni,,active,quarterly");
    roster_add(r2, "dee@d.org,Dee Doe,Delta Board,,left");
    res = do_sync(f, r2, false, false);
    assert_int_equal(res->added, 1);
    assert_int_equal(res->updated, 3);
    ct_sync_result_free(res);
    assert_sql_text(f->store, "left", STATUS_OF, "ana@a.org");
    assert_sql_text(f->store, "none",
                    "SELECT coalesce(paused_until, 'none') FROM members WHERE email = ?1",
                    "ana@a.org");
    assert_sql_text(f->store, "paused", STATUS_OF, "bo@b.org");
    assert_sql_text(f->store, "active", STATUS_OF, "cy@c.org");
    assert_sql_text(f->store, "left", STATUS_OF, "dee@d.org");

    /* A file that agrees with a CLI change counts as unchanged. */
    assert_int_equal(ct_members_resume(f->store, "ana@a.org", test_now, &changed, &err), CT_OK);
    assert_true(changed);
    r2->entries[0].status = CT_MEMBER_ACTIVE;
    res = do_sync(f, r2, false, false);
    assert_int_equal(res->unchanged, 4);
    ct_sync_result_free(res);
    roster_free(r);
    roster_free(r2);
}

static void
test_sync_absent_columns_keep_values(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *slim = three_members();
    struct ct_sync_result *res;
    struct ct_member *m = NULL;
    struct ct_error err;

    ct_sync_result_free(do_sync(f, r, false, false));
    /* The same people from a file with only the required columns. */
    slim->columns = 1u << CT_COL_EMAIL | 1u << CT_COL_NAME | 1u << CT_COL_ORGANISATION;
    for (size_t i = 0; i < slim->count; i++) {
        free(slim->entries[i].team);
        slim->entries[i].team = NULL;
        slim->entries[i].status = CT_MEMBER_ACTIVE;
        slim->entries[i].frequency = CT_FREQ_MONTHLY;
        for (size_t j = 0; j < slim->entries[i].ties_count; j++)
            free(slim->entries[i].ties[j]);
        slim->entries[i].ties_count = 0;
    }
    free(slim->entries[1].name);
    slim->entries[1].name = strdup("Bo B. Berg");
    res = do_sync(f, slim, false, false);
    assert_int_equal(res->unchanged, 2);
    assert_int_equal(res->updated, 1);
    assert_int_equal(change_for(res, "bo@b.org")->fields, CT_FIELD_NAME);
    ct_sync_result_free(res);

    ct_error_clear(&err);
    assert_int_equal(ct_members_find(f->store, "cy@c.org", &m, &err), CT_OK);
    assert_int_equal(m->status, CT_MEMBER_PAUSED);
    assert_int_equal(m->frequency, CT_FREQ_QUARTERLY);
    ct_member_free(m);
    assert_int_equal(ct_members_find(f->store, "bo@b.org", &m, &err), CT_OK);
    assert_string_equal(m->name, "Bo B. Berg");
    assert_string_equal(m->team, "Housing");
    assert_int_equal(m->ties_count, 1);
    ct_member_free(m);
    /* The roster's earlier word on status still counts once the column is back. */
    res = do_sync(f, r, false, false);
    assert_int_equal(res->updated, 1);
    assert_int_equal(res->unchanged, 2);
    ct_sync_result_free(res);
    assert_sql_text(f->store, "paused", STATUS_OF, "cy@c.org");
    roster_free(r);
    roster_free(slim);
}

static void
test_sync_refuses_bad_input(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members(), *empty = roster_new();
    struct ct_sync_options opts = {.source = "r.csv"};
    struct ct_sync_result *res = NULL;
    struct ct_error err;

    ct_sync_result_free(do_sync(f, r, false, false));
    ct_error_clear(&err);
    /* An empty file would make everybody leave: refused in sync mode. */
    assert_int_equal(ct_members_sync(f->store, empty, &opts, test_now, &res, &err), CT_EDATA);
    assert_null(res);
    assert_non_null(strstr(err.message, "r.csv"));
    opts.merge = true;
    assert_int_equal(ct_members_sync(f->store, empty, &opts, test_now, &res, &err), CT_OK);
    assert_int_equal(res->rows, 0);
    ct_sync_result_free(res);

    /* Duplicates (the parser's job) are still refused, and nothing changes. */
    roster_add(r, "dee@d.org,Dee,D");
    roster_add(r, "ANA@a.org,Ana again,A");
    opts.merge = false;
    assert_int_equal(ct_members_sync(f->store, r, &opts, test_now, &res, &err), CT_EDATA);
    assert_null(res);
    assert_non_null(strstr(err.message, "r.csv:6: e-mail ANA@a.org already appears on line 2"));
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members"), 3);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM imports"), 2);
    roster_free(r);
    roster_free(empty);
}

/* ---- roster safety: [roster] max_left ----------------------------------- */

/* A roster of members m<from>..m<to-1>@n.org. */
static struct ct_roster *
numbered(int from, int to)
{
    struct ct_roster *r = roster_new();
    char row[64];
    int i;

    for (i = from; i < to; i++) {
        snprintf(row, sizeof(row), "m%02d@n.org,Member %d,Org %d", i, i, i % 3);
        roster_add(r, row);
    }
    return r;
}

/* Sync r with limit (NULL: none); OUT: the result (may be NULL), the status. */
static enum ct_status
sync_limited(struct scratchdb *f, struct ct_roster *r, const struct ct_share *limit, bool merge,
             bool yes, bool dry_run, struct ct_sync_result **res, struct ct_error *err)
{
    struct ct_sync_options opts = {.source = "r.csv", .merge = merge, .dry_run = dry_run};

    opts.max_left = limit;
    opts.yes = yes;
    ct_error_clear(err);
    return ct_members_sync(f->store, r, &opts, test_now, res, err);
}

static void
test_max_left_share(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *all = numbered(0, 25), *minus2 = numbered(2, 25), *minus3 = numbered(3, 25);
    const struct ct_share ten = {10, true};
    struct ct_sync_result *res = NULL;
    struct ct_error err;
    char *before;

    ct_sync_result_free(do_sync(f, all, false, false));
    before = sql_text(f->store, "SELECT group_concat(email || status) || (SELECT count(*) "
                                "FROM imports) FROM members");
    /* 10% of 25 is 2.5: 3 leaving is refused, with what the sync would do; nothing written. */
    assert_int_equal(sync_limited(f, minus3, &ten, false, false, false, &res, &err), CT_EDATA);
    assert_non_null(res);
    assert_true(res->refused);
    assert_int_equal(res->left, 3);
    assert_int_equal(res->current, 25);
    assert_int_equal(res->max_left, 2);
    assert_int_equal(res->changes_count, 3);
    assert_int_equal(res->changes[0].kind, CT_CHANGE_LEAVE);
    assert_non_null(strstr(err.message, "r.csv: refused: this sync would mark 3 of 25 current"));
    assert_non_null(strstr(err.message, "--yes"));
    ct_sync_result_free(res);
    assert_sql_text(f->store, before,
                    "SELECT group_concat(email || status) || (SELECT count(*) FROM imports) "
                    "FROM members");
    /* A dry run beyond the limit is no error, but says so. */
    assert_int_equal(sync_limited(f, minus3, &ten, false, false, true, &res, &err), CT_OK);
    assert_true(res->refused);
    ct_sync_result_free(res);
    /* Exactly at the limit (2 of 25, rounded down from 2.5) is allowed. */
    assert_int_equal(sync_limited(f, minus2, &ten, false, false, false, &res, &err), CT_OK);
    assert_false(res->refused);
    assert_int_equal(res->left, 2);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'left'"), 2);
    /* Left members no longer count: 23 current; m02 leaving is 1 of them. */
    assert_int_equal(sync_limited(f, minus3, &ten, false, false, false, &res, &err), CT_OK);
    assert_int_equal(res->current, 23);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'left'"), 3);
    free(before);
    roster_free(all);
    roster_free(minus2);
    roster_free(minus3);
}

static void
test_max_left_count_yes_merge(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *all = numbered(0, 10), *minus2 = numbered(2, 10), *minus1 = numbered(1, 10);
    const struct ct_share one = {1, false}, none = {0, false};
    struct ct_sync_result *res = NULL;
    struct ct_error err;

    ct_sync_result_free(do_sync(f, all, false, false));
    /* A paused member is current too. */
    sql_exec(f->store, "UPDATE members SET status = 'paused' WHERE email = 'm00@n.org'");
    assert_int_equal(sync_limited(f, minus2, &one, false, false, false, &res, &err), CT_EDATA);
    assert_true(res->refused);
    assert_int_equal(res->current, 10);
    assert_int_equal(res->max_left, 1);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'left'"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM imports"), 1);
    /* --merge is never refused, even with max_left 0. */
    assert_int_equal(sync_limited(f, minus2, &none, true, false, false, &res, &err), CT_OK);
    assert_false(res->refused);
    ct_sync_result_free(res);
    /* At the count: allowed. */
    assert_int_equal(sync_limited(f, minus1, &one, false, false, false, &res, &err), CT_OK);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'left'"), 1);
    /* Beyond it, with yes: applied. */
    roster_free(minus1);
    minus1 = numbered(4, 10);
    assert_int_equal(sync_limited(f, minus1, &none, false, true, false, &res, &err), CT_OK);
    assert_true(res->refused);
    assert_int_equal(res->left, 3);
    assert_true(res->import_id > 0);
    ct_sync_result_free(res);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members WHERE status = 'left'"), 4);
    roster_free(all);
    roster_free(minus2);
    roster_free(minus1);
}

static long long
organiser_notices(struct scratchdb *f)
{
    return sql_int(f->store, "SELECT count(*) FROM outbox WHERE kind = 'notice' AND "
                             "recipient = 'organiser@example.org' AND member_id IS NULL");
}

static void
test_refused_notice_once_per_file(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *all = numbered(0, 10), *half = numbered(5, 10);
    struct ct_config *cfg = ct_config_new_defaults();
    const struct ct_share ten = {10, true};
    struct ct_sync_result *res = NULL;
    struct ct_error err;
    bool queued;

    assert_non_null(cfg);
    ct_sync_result_free(do_sync(f, all, false, false));
    assert_int_equal(sync_limited(f, half, &ten, false, false, false, &res, &err), CT_EDATA);
    assert_int_equal(ct_members_sync_refused_notice(f->store, cfg, res, "r.csv", "file A", 6,
                                                    test_now, &queued, &err),
                     CT_OK);
    assert_true(queued);
    assert_int_equal(organiser_notices(f), 1);
    assert_sql_text(f->store, "1",
                    "SELECT instr(text_body, 'would mark 5 of the 10 current') > 0 "
                    "FROM outbox");
    assert_sql_text(f->store, "1", "SELECT instr(text_body, 'm00@n.org') > 0 FROM outbox");
    /* The same file: not again. */
    assert_int_equal(ct_members_sync_refused_notice(f->store, cfg, res, "r.csv", "file A", 6,
                                                    test_now + 60, &queued, &err),
                     CT_OK);
    assert_false(queued);
    assert_int_equal(organiser_notices(f), 1);
    /* Another file: again. */
    assert_int_equal(ct_members_sync_refused_notice(f->store, cfg, res, "r.csv", "file B", 6,
                                                    test_now + 120, &queued, &err),
                     CT_OK);
    assert_true(queued);
    assert_int_equal(organiser_notices(f), 2);
    ct_sync_result_free(res);
    /* A good sync forgets: file B refused once more is news. */
    ct_sync_result_free(do_sync(f, all, false, false));
    assert_int_equal(sync_limited(f, half, &ten, false, false, false, &res, &err), CT_EDATA);
    assert_int_equal(ct_members_sync_refused_notice(f->store, cfg, res, "r.csv", "file B", 6,
                                                    test_now + 180, &queued, &err),
                     CT_OK);
    assert_true(queued);
    assert_int_equal(organiser_notices(f), 3);
    ct_sync_result_free(res);
    ct_config_free(cfg);
    roster_free(all);
    roster_free(half);
}

/* ---- pause, resume, remove --------------------------------------------- */

static void
test_pause_resume(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members();
    struct ct_member *m = NULL;
    struct ct_error err;
    size_t resumed;
    bool changed;

    ct_sync_result_free(do_sync(f, r, false, false));
    ct_error_clear(&err);
    assert_int_equal(ct_members_pause(f->store, "nobody@x.org", NULL, today(), test_now, &err),
                     CT_ENOTFOUND);
    assert_string_equal(err.message, "no member with e-mail nobody@x.org");
    assert_int_equal(ct_members_pause(f->store, "ana@a.org", TODAY_STR, today(), test_now, &err),
                     CT_EUSAGE);
    assert_non_null(strstr(err.message, "not in the future"));
    assert_int_equal(ct_members_pause(f->store, "ana@a.org", "2026-02-30", today(), test_now, &err),
                     CT_EUSAGE);
    assert_non_null(strstr(err.message, "2026-02-30"));
    assert_sql_text(f->store, "active", STATUS_OF, "ana@a.org");

    assert_int_equal(ct_members_pause(f->store, "ANA@a.org", NULL, today(), test_now, &err), CT_OK);
    assert_int_equal(ct_members_find(f->store, "ana@a.org", &m, &err), CT_OK);
    assert_int_equal(m->status, CT_MEMBER_PAUSED);
    assert_null(m->paused_until);
    ct_member_free(m);
    /* Pausing again sets the date. */
    assert_int_equal(ct_members_pause(f->store, "ana@a.org", "2026-03-03", today(), test_now, &err),
                     CT_OK);
    assert_sql_text(f->store, "2026-03-03", "SELECT paused_until FROM members WHERE email = ?1",
                    "ana@a.org");
    assert_int_equal(ct_members_resume(f->store, "ana@a.org", test_now, &changed, &err), CT_OK);
    assert_true(changed);
    assert_sql_text(f->store, "active",
                    "SELECT status || coalesce(paused_until, '') FROM members WHERE email = ?1",
                    "ana@a.org");
    assert_int_equal(ct_members_resume(f->store, "ana@a.org", test_now, &changed, &err), CT_OK);
    assert_false(changed);

    /* Pauses with a date end on that date. */
    assert_int_equal(ct_members_pause(f->store, "ana@a.org", "2026-03-10", today(), test_now, &err),
                     CT_OK);
    assert_int_equal(ct_members_pause(f->store, "bo@b.org", "2026-03-20", today(), test_now, &err),
                     CT_OK);
    assert_int_equal(ct_members_expire_pauses(f->store, today() + 7, test_now, &resumed, &err),
                     CT_OK);
    assert_int_equal(resumed, 0);
    assert_int_equal(ct_members_expire_pauses(f->store, today() + 8, test_now, &resumed, &err),
                     CT_OK);
    assert_int_equal(resumed, 1);
    assert_sql_text(f->store, "active", STATUS_OF, "ana@a.org");
    assert_sql_text(f->store, "paused", STATUS_OF, "bo@b.org");
    /* An indefinite pause (cy, from the roster) never expires. */
    assert_sql_text(f->store, "paused", STATUS_OF, "cy@c.org");

    /* Removed members cannot be paused, but can be resumed. */
    assert_int_equal(ct_members_remove(f->store, "bo@b.org", NULL, test_now, &changed, &err),
                     CT_OK);
    assert_true(changed);
    assert_sql_text(f->store, "left",
                    "SELECT status || coalesce(paused_until, '') FROM members WHERE email = ?1",
                    "bo@b.org");
    assert_int_equal(ct_members_remove(f->store, "bo@b.org", NULL, test_now, &changed, &err),
                     CT_OK);
    assert_false(changed);
    assert_int_equal(ct_members_pause(f->store, "bo@b.org", NULL, today(), test_now, &err),
                     CT_ESTATE);
    assert_non_null(strstr(err.message, "bo@b.org"));
    assert_int_equal(ct_members_resume(f->store, "bo@b.org", test_now, &changed, &err), CT_OK);
    assert_sql_text(f->store, "active", STATUS_OF, "bo@b.org");
    assert_int_equal(ct_members_remove(f->store, "zed@z.org", NULL, test_now, &changed, &err),
                     CT_ENOTFOUND);
    assert_int_equal(ct_status_exit(CT_ENOTFOUND), 65);
    roster_free(r);
}

/* ---- erasure ----------------------------------------------------------- */

/* How many text values anywhere in the database contain needle. */
static long long
count_everywhere(struct scratchdb *f, const char *needle)
{
    char *tables, *table, *cols, *col, *q, *table_end = NULL, *col_end = NULL;
    long long total = 0;

    tables =
        sql_text(f->store, "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'");
    for (table = strtok_r(tables, ",", &table_end); table;
         table = strtok_r(NULL, ",", &table_end)) {
        cols = sql_text(f->store, "SELECT group_concat(name) FROM pragma_table_info(?1)", table);
        for (col = strtok_r(cols, ",", &col_end); col; col = strtok_r(NULL, ",", &col_end)) {
            q = ct_asprintf("SELECT count(*) FROM \"%s\" WHERE instr(lower(CAST(\"%s\" AS "
                            "TEXT)), lower(?1)) > 0",
                            table, col);
            total += sql_int(f->store, q, needle);
            free(q);
        }
        free(cols);
    }
    free(tables);
    return total;
}

static void
test_erase(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members();
    struct ct_sync_result *res;
    struct ct_member_history h;
    struct ct_member *m = NULL;
    struct ct_error err;
    long long ana_id;
    bool added;

    ct_sync_result_free(do_sync(f, r, false, false));
    ct_error_clear(&err);
    assert_int_equal(
        ct_members_exclusion_add(f->store, "ana@a.org", "cy@c.org", test_now, &added, &err), CT_OK);
    ana_id = sql_int(f->store, "SELECT id FROM members WHERE email = ?1", "ana@a.org");
    /* A sent round in which ana met bo, with mail both ways and a note. */
    sql_exec(f->store, "INSERT INTO rounds(id, date, seed, state, created_at) VALUES"
                       " (1, '2026-02-02', 7, 'sent', 1), (2, '2026-03-02', 8, 'planned', 1)");
    sql_exec(f->store,
             "INSERT INTO groups(id, round_id, uid, state) VALUES (1, 1, 'g1@ct', 'sent'),"
             " (2, 2, 'g2@ct', 'planned')");
    sql_exec(f->store,
             "INSERT INTO group_members(group_id, member_id, partstat)"
             " SELECT 1, id, 'ACCEPTED' FROM members WHERE email IN ('ana@a.org', 'bo@b.org')");
    sql_exec(f->store, "INSERT INTO group_members(group_id, member_id)"
                       " SELECT 2, id FROM members WHERE email IN ('ana@a.org', 'cy@c.org')");
    sql_exec(f->store, "INSERT INTO outcomes(group_id, met, rating, note, recorded_at)"
                       " VALUES (1, 1, 5, 'Ana Alves was great', 1)");
    sql_exec(f->store,
             "INSERT INTO replies(group_id, member_id, partstat, sequence, comment, received_at)"
             " SELECT 1, id, 'ACCEPTED', 0, name || ' looks forward to meeting '"
             " || CASE email WHEN 'ana@a.org' THEN 'Bo' ELSE 'Ana Alves' END, 1"
             " FROM members WHERE email IN ('ana@a.org', 'bo@b.org')");
    sql_exec(f->store,
             "INSERT INTO outbox(message_id, kind, group_id, member_id, recipient, subject,"
             " method, text_body, html_body, ics, message, state, next_attempt_at, created_at)"
             " SELECT 'm' || id, 'request', 1, id, email, 'Coffee with Ana Alves and Bo Berg',"
             " 'REQUEST', 'Hello, meet ana@a.org', '<p>Ana Alves</p>',"
             " 'ATTENDEE;CN=Ana Alves:mailto:ana@a.org', CAST('To: ' || email AS BLOB),"
             " 'sent', 0, 0 FROM members WHERE email IN ('ana@a.org', 'bo@b.org')");
    sql_exec(f->store,
             "INSERT INTO outbox(message_id, kind, group_id, member_id, recipient, subject,"
             " text_body, message, state, next_attempt_at, created_at)"
             " SELECT 'q' || id, 'request', 2, id, email, 'Coffee', 'Meet Ana Alves',"
             " CAST('x' AS BLOB), 'queued', 0, 0 FROM members WHERE email = 'ana@a.org'");

    assert_int_equal(ct_members_history(f->store, ana_id, &h, &err), CT_OK);
    assert_int_equal(h.groups, 1);
    assert_int_equal(h.groups_planned, 1);
    assert_int_equal(h.met, 1);
    assert_int_equal(h.accepted, 1);
    assert_string_equal(h.last_round, "2026-02-02");
    assert_int_equal(h.exclusions, 1);
    assert_true(count_everywhere(f, "ana@a.org") > 0);
    assert_true(count_everywhere(f, "Ana Alves") > 0);

    assert_int_equal(ct_members_erase(f->store, "Ana@A.org", NULL, test_now, &err), CT_OK);
    assert_int_equal(count_everywhere(f, "ana@a.org"), 0);
    assert_int_equal(count_everywhere(f, "Ana Alves"), 0);
    assert_int_equal(count_everywhere(f, "Cardiology"), 0);
    /* What keeps the counts: the row, its organisation, its groups. */
    assert_sql_text(f->store, "erased|Alpha Trust|NULL",
                    "SELECT status || '|' || organisation || '|' || coalesce(email, 'NULL')"
                    " FROM members WHERE id = 1");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM group_members WHERE member_id = 1"),
                     2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM ties"), 0);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM exclusions"), 0);
    /* Unsent mail to them is dropped; sent mail keeps only its state. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE state = 'queued'"), 0);
    assert_sql_text(f->store, "[erased]|[erased]",
                    "SELECT recipient || '|' || subject FROM outbox WHERE member_id = 1");
    /* The partner's copy keeps the partner, loses ana. */
    assert_sql_text(f->store, "Coffee with [erased] and Bo Berg",
                    "SELECT subject FROM outbox WHERE recipient = 'bo@b.org'");
    assert_sql_text(f->store, "[erased] was great", "SELECT note FROM outcomes");
    assert_sql_text(f->store, "NULL|Bo Berg looks forward to meeting [erased]",
                    "SELECT coalesce(group_concat(coalesce(comment, 'NULL'), '|'), '')"
                    " FROM (SELECT comment FROM replies ORDER BY member_id)");

    /* Gone for every command, and irreversible. */
    assert_int_equal(ct_members_find(f->store, "ana@a.org", &m, &err), CT_ENOTFOUND);
    assert_int_equal(ct_members_erase(f->store, "ana@a.org", NULL, test_now, &err), CT_ENOTFOUND);
    /* Re-appearing in a roster is a new person. */
    res = do_sync(f, r, false, false);
    assert_int_equal(res->added, 1);
    /* bo gains a tie to the new ana. */
    assert_int_equal(res->updated, 1);
    assert_int_equal(change_for(res, "bo@b.org")->fields, CT_FIELD_TIES);
    assert_int_equal(res->unchanged, 1);
    ct_sync_result_free(res);
    assert_true(sql_int(f->store, "SELECT id FROM members WHERE email = ?1", "ana@a.org") !=
                ana_id);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM members"), 4);
    roster_free(r);
}

/* ---- exclusions -------------------------------------------------------- */

static void
test_exclusions(void **state)
{
    struct scratchdb *f = *state;
    struct ct_roster *r = three_members();
    struct ct_exclusion_list *list = NULL;
    struct ct_error err;
    bool changed;

    ct_sync_result_free(do_sync(f, r, false, false));
    ct_error_clear(&err);
    assert_int_equal(
        ct_members_exclusion_add(f->store, "cy@c.org", "ana@a.org", test_now, &changed, &err),
        CT_OK);
    assert_true(changed);
    assert_int_equal(
        ct_members_exclusion_add(f->store, "ANA@a.org", "cy@c.org", test_now, &changed, &err),
        CT_OK);
    assert_false(changed);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM exclusions WHERE a < b"), 1);
    assert_int_equal(
        ct_members_exclusion_add(f->store, "bo@b.org", "cy@c.org", test_now, &changed, &err),
        CT_OK);
    assert_int_equal(
        ct_members_exclusion_add(f->store, "bo@b.org", "BO@b.org", test_now, &changed, &err),
        CT_EUSAGE);
    assert_non_null(strstr(err.message, "same member"));
    assert_int_equal(
        ct_members_exclusion_add(f->store, "bo@b.org", "zed@z.org", test_now, &changed, &err),
        CT_ENOTFOUND);
    assert_string_equal(err.message, "no member with e-mail zed@z.org");

    assert_int_equal(ct_members_exclusion_list(f->store, &list, &err), CT_OK);
    assert_int_equal(list->count, 2);
    assert_string_equal(list->items[0].email_a, "ana@a.org");
    assert_string_equal(list->items[0].email_b, "cy@c.org");
    assert_string_equal(list->items[1].email_a, "bo@b.org");
    assert_int_equal(list->items[1].created_at, NOW);
    ct_exclusion_list_free(list);

    assert_int_equal(ct_members_exclusion_remove(f->store, "ana@a.org", "cy@c.org", &changed, &err),
                     CT_OK);
    assert_true(changed);
    assert_int_equal(ct_members_exclusion_remove(f->store, "ana@a.org", "cy@c.org", &changed, &err),
                     CT_OK);
    assert_false(changed);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM exclusions"), 1);
    roster_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_adds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_adds_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_updates_and_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_marks_left_and_merge_does_not, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_dry_run_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_replaces_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_status_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_absent_columns_keep_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_left_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_left_count_yes_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_notice_once_per_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exclusions, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
