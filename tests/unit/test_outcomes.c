/*
 * test_outcomes.c: recording whether groups met: one at a time (sent groups
 * only, replacing an earlier record), the CSV import (every problem with its
 * line, all or nothing, dry runs) and the contact rule.
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
#include "outcomes.h"
#include "scratchdb.h"
#include "store.h"
#include "store_outcomes.h"
#include "util.h"

#define NOW 1772452800 /* 2026-03-02T12:00:00Z */

/*
 * Members 1-4; round 1 sent (group 1 sent, group 2 cancelled), round 2
 * planned (group 3), round 3 replaced (group 4), round 4 cancelled (group 5).
 * Group 6 is a sent trio in round 1 for the contact rule.
 */
static const char fixture_sql[] =
    "INSERT INTO members (id, email, name, organisation, created_at, updated_at) VALUES"
    " (1, 'ana@a.org', 'Ana', 'A', 0, 0), (2, 'bo@b.org', 'Bo', 'B', 0, 0),"
    " (3, 'cy@c.org', 'Cy', 'C', 0, 0), (4, 'di@d.org', 'Di', 'D', 0, 0),"
    " (5, 'ed@e.org', 'Ed', 'E', 0, 0);"
    "INSERT INTO rounds (id, date, seed, state, created_at) VALUES"
    " (1, '2026-01-05', 1, 'sent', 0), (2, '2026-02-02', 2, 'planned', 0),"
    " (3, '2026-02-02', 3, 'replaced', 0), (4, '2026-01-19', 4, 'cancelled', 0);"
    "INSERT INTO groups (id, round_id, uid, state) VALUES"
    " (1, 1, 'uid-1@example.org', 'sent'), (2, 1, 'uid-2@example.org', 'cancelled'),"
    " (3, 2, 'uid-3@example.org', 'planned'), (4, 3, 'uid-4@example.org', 'planned'),"
    " (5, 4, 'uid-5@example.org', 'cancelled'), (6, 1, 'uid-6@example.org', 'sent');"
    "INSERT INTO group_members (group_id, member_id, partstat, removed) VALUES"
    " (1, 1, 'ACCEPTED', 0), (1, 2, 'NEEDS-ACTION', 0), (2, 3, 'ACCEPTED', 0),"
    " (2, 4, 'ACCEPTED', 0), (3, 1, 'NEEDS-ACTION', 0), (3, 3, 'NEEDS-ACTION', 0),"
    " (4, 2, 'NEEDS-ACTION', 0), (4, 4, 'NEEDS-ACTION', 0), (5, 1, 'NEEDS-ACTION', 0),"
    " (5, 4, 'NEEDS-ACTION', 0), (6, 3, 'ACCEPTED', 0), (6, 4, 'DECLINED', 0),"
    " (6, 5, 'TENTATIVE', 0);";

static int
setup(void **state)
{
    struct scratchdb *f = scratchdb_new("outcomes");

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

/* ---- parsing "met" ------------------------------------------------------------ */

static void
test_parse_met(void **state)
{
    const char *yes[] = {"yes", "YES", " y ", "True", "1", "met", "Met"};
    const char *no[] = {"no", "No", "n", "FALSE", "0", "not met", " no\t"};
    const char *bad[] = {"", "maybe", "yess", "2", "nope", "  "};
    size_t i;
    bool met;

    (void)state;
    for (i = 0; i < CT_ARRAY_LEN(yes); i++) {
        met = false;
        assert_true(ct_outcomes_parse_met(yes[i], &met));
        assert_true(met);
    }
    for (i = 0; i < CT_ARRAY_LEN(no); i++) {
        met = true;
        assert_true(ct_outcomes_parse_met(no[i], &met));
        assert_false(met);
    }
    for (i = 0; i < CT_ARRAY_LEN(bad); i++)
        assert_false(ct_outcomes_parse_met(bad[i], &met));
    assert_false(ct_outcomes_parse_met(NULL, &met));
}

/* ---- record -------------------------------------------------------------------- */

static void
test_record_and_replace(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcome o = {
        .group_id = 1, .met = true, .rating = 4, .note = "  Good chat\r\nabout rotas  "};
    struct ct_outcome_previous prev;
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, &prev, &err), CT_OK);
    assert_false(prev.existed);
    assert_sql_text(
        f->store, "1|4|Good chat\nabout rotas|cli|1772452800",
        "SELECT met || '|' || rating || '|' || note || '|' || source || '|' || recorded_at"
        " FROM outcomes WHERE group_id = 1");

    /* Recording again replaces, and says what was there. */
    o.met = false;
    o.rating = 0;
    o.note = NULL;
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, &prev, &err), CT_OK);
    assert_true(prev.existed);
    assert_true(prev.met);
    assert_int_equal(prev.rating, 4);
    assert_sql_text(f->store, "0|null|null",
                    "SELECT met || '|' || coalesce(rating, 'null') || '|' || coalesce(note, 'null')"
                    " FROM outcomes WHERE group_id = 1");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 1);
}

static void
expect_record_error(struct scratchdb *f, int64_t group, int rating, const char *note,
                    enum ct_status want, const char *message)
{
    struct ct_outcome o = {.group_id = group, .met = true, .rating = rating, .note = note};
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), want);
    assert_int_equal(err.status, want);
    if (strcmp(err.message, message) != 0)
        fail_msg("got  '%s'\nwant '%s'", err.message, message);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 0);
}

static void
test_record_refused(void **state)
{
    struct scratchdb *f = *state;
    char long_note[CT_OUTCOME_NOTE_MAX + 2];

    expect_record_error(f, 99, 0, NULL, CT_ENOTFOUND, "no group 99 (see coffeetrial round show)");
    expect_record_error(f, 3, 0, NULL, CT_ESTATE,
                        "group 3 has not been sent yet (round 2 is planned); outcomes are "
                        "recorded for sent groups");
    expect_record_error(f, 2, 0, NULL, CT_ESTATE, "group 2 was cancelled");
    expect_record_error(f, 4, 0, NULL, CT_ESTATE,
                        "group 4 was never sent: round 3 was planned again");
    expect_record_error(f, 5, 0, NULL, CT_ESTATE, "group 5 was cancelled");
    expect_record_error(f, 1, 6, NULL, CT_EUSAGE, "rating: 6 is not a whole number from 1 to 5");
    expect_record_error(f, 1, -1, NULL, CT_EUSAGE, "rating: -1 is not a whole number from 1 to 5");
    expect_record_error(f, 1, 0, "bell\a", CT_EUSAGE, "note: control character U+0007 not allowed");
    expect_record_error(f, 1, 0, "\x1b[31mred", CT_EUSAGE,
                        "note: control character U+001B not allowed");
    /* U+202E RIGHT-TO-LEFT OVERRIDE could make a note read backwards. */
    expect_record_error(f, 1, 0, "abc\xe2\x80\xae", CT_EUSAGE,
                        "note: control character U+202E not allowed");
    expect_record_error(f, 1, 0, "caf\xe9", CT_EUSAGE,
                        "note: not UTF-8 (truncated UTF-8 sequence)");
    memset(long_note, 'x', sizeof(long_note) - 1);
    long_note[sizeof(long_note) - 1] = '\0';
    expect_record_error(f, 1, 0, long_note, CT_EUSAGE, "note: longer than 1000 bytes");
}

/* ---- import -------------------------------------------------------------------- */

/* Every diagnostic as "FILE:LINE: message" lines, for comparing whole reports. */
static char *
diags_text(const struct ct_diags *d)
{
    struct ct_buf b;
    size_t i;

    ct_buf_init(&b);
    for (i = 0; i < d->count; i++) {
        char *line = ct_diag_format(&d->items[i]);
        ct_buf_puts(&b, line);
        ct_buf_putc(&b, '\n');
        free(line);
    }
    ct_buf_putc(&b, '\0');
    return ct_buf_steal(&b);
}

static enum ct_status
import(struct scratchdb *f, const char *csv, bool dry_run, struct ct_outcomes_import_result *res,
       char **diag_text)
{
    struct ct_diags d;
    struct ct_error err;
    enum ct_status st;

    ct_diags_init(&d);
    ct_error_clear(&err);
    st = ct_outcomes_import(f->store, "survey.csv", csv, strlen(csv), dry_run, NOW, res, &d, &err);
    *diag_text = diags_text(&d);
    ct_diags_free(&d);
    return st;
}

static void
assert_diags(const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("diagnostics:\n%s\nwant:\n%s", got, want);
}

static void
test_import_good(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    struct ct_outcome o = {.group_id = 6, .met = false};
    struct ct_error err;
    char *d;

    ct_error_clear(&err);
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_OK);
    /* A survey export: other capitals, spaces, an extra column, a BOM, CRLF. */
    assert_int_equal(import(f,
                            "\xef\xbb\xbf"
                            "Group ID,UID,Met,Rating,Comments,Submitted at\r\n"
                            "1,,Yes,5,\"Lovely, and useful:\r\nwe swapped rotas\",2026-02-01\r\n"
                            "\r\n"
                            ",uid-6@example.org,no,,,2026-02-02\r\n",
                            false, &res, &d),
                     CT_OK);
    assert_diags(d, "survey.csv:1: warning: header: unknown column 'Submitted at' ignored\n");
    free(d);
    assert_int_equal(res.rows, 2);
    assert_int_equal(res.added, 1);
    assert_int_equal(res.replaced, 1);
    assert_sql_text(
        f->store, "1:1:5:Lovely, and useful:\nwe swapped rotas:import;6:0:-:-:import",
        "SELECT group_concat(group_id || ':' || met || ':' || coalesce(rating, '-') || ':'"
        " || coalesce(note, '-') || ':' || source, ';') FROM"
        " (SELECT * FROM outcomes ORDER BY group_id)");

    /* Both columns may name the group when they agree. */
    assert_int_equal(import(f, "group,uid,met\n1,uid-1@example.org,no\n", false, &res, &d), CT_OK);
    assert_diags(d, "");
    free(d);
    assert_int_equal(res.replaced, 1);
    assert_sql_text(f->store, "0", "SELECT met FROM outcomes WHERE group_id = 1");

    /* A header alone is a valid, empty survey. */
    assert_int_equal(import(f, "group,met\n", false, &res, &d), CT_OK);
    free(d);
    assert_int_equal(res.rows, 0);
}

static void
test_import_dry_run(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    char *d;

    assert_int_equal(import(f, "group,met,rating\n1,yes,4\n6,yes,\n", true, &res, &d), CT_OK);
    free(d);
    assert_int_equal(res.rows, 2);
    assert_int_equal(res.added, 2);
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 0);
}

static void
test_import_every_error(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    char long_note[1100 + 16], *csv, *d;

    memset(long_note, 'x', 1100);
    long_note[1100] = '\0';
    csv = ct_asprintf("group,uid,met,rating,note\n" /* 1 */
                      "x1,,yes,,\n"                 /* 2 */
                      "1,,maybe,,\n"                /* 3 */
                      "1,,yes,6,\n"                 /* 4 */
                      "99,,yes,,\n"                 /* 5 */
                      "3,,yes,,\n"                  /* 6 */
                      "6,,yes,4,fine\n"             /* 7: valid */
                      "6,,no,,\n"                   /* 8 */
                      ",nope@example.org,yes,,\n"   /* 9 */
                      "1,,,,\n"                     /* 10 */
                      "1,yes\n"                     /* 11 */
                      "1,,yes,,\"ding\a\"\n"        /* 12 */
                      "1,uid-2@example.org,yes,,\n" /* 13 */
                      "1,,yes,,%s\n"                /* 14 */
                      ",,yes,,\n"                   /* 15 */
                      "2,,no,,\n"                   /* 16 */
                      "4,,no,,\n"                   /* 17 */
                      "1,,yes,4.5,\n"               /* 18 */
                      "3,,yes,9,\n"                 /* 19 */
                      "1,,yes,,\"unclosed\n",       /* 20 */
                      long_note);
    assert_int_equal(import(f, csv, false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:2: group: not a group number: 'x1'\n"
                    "survey.csv:3: met: not yes or no: 'maybe'\n"
                    "survey.csv:4: rating: not a whole number from 1 to 5: '6'\n"
                    "survey.csv:5: group: no group 99\n"
                    "survey.csv:6: group: group 3 has not been sent yet (round 2 is planned); "
                    "outcomes are recorded for sent groups\n"
                    "survey.csv:8: group: group 6 is already on line 7\n"
                    "survey.csv:9: uid: no group has the UID 'nope@example.org'\n"
                    "survey.csv:10: met: missing (yes or no)\n"
                    "survey.csv:11: row has 2 fields but the header has 5\n"
                    "survey.csv:12: note: control character U+0007 not allowed\n"
                    "survey.csv:13: uid: is not the UID of group 1: 'uid-2@example.org'\n"
                    "survey.csv:14: note: longer than 1000 bytes\n"
                    "survey.csv:15: group: missing: say which group the row is about\n"
                    "survey.csv:16: group: group 2 was cancelled\n"
                    "survey.csv:17: group: group 4 was never sent: round 3 was planned again\n"
                    "survey.csv:18: rating: not a whole number from 1 to 5: '4.5'\n"
                    "survey.csv:19: rating: not a whole number from 1 to 5: '9'\n"
                    "survey.csv:19: group: group 3 has not been sent yet (round 2 is planned); "
                    "outcomes are recorded for sent groups\n"
                    "survey.csv:20: note: quoted field never closed (missing '\"')\n");
    free(d);
    free(csv);
    /* All or nothing: the valid line 7 was not written either. */
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 0);
}

static void
test_import_bad_headers(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    char *d;

    assert_int_equal(import(f, "group,rating\n1,4\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: header: missing required column 'met'\n");
    free(d);
    assert_int_equal(import(f, "email,met\na@b.org,yes\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: warning: header: unknown column 'email' ignored\n"
                    "survey.csv:1: header: needs a 'group' or a 'uid' column to say which group "
                    "each row is about\n");
    free(d);
    assert_int_equal(import(f, "group,met,Group_ID\n1,yes,1\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: header: column 3 'Group_ID' repeats column 1 'group'\n");
    free(d);
    assert_int_equal(import(f, "group;met\n1;yes\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: header: columns are separated by ';', not ','; save the file "
                    "as comma-separated CSV\n");
    free(d);
    assert_int_equal(import(f, "\n\n", false, &res, &d), CT_EDATA);
    assert_diags(d,
                 "survey.csv: empty file: the first row must name the columns (group,met,...)\n");
    free(d);
    {
        static const char utf16[] = "\xff\xfeg\0r\0";
        struct ct_diags dd;
        struct ct_error err;
        ct_diags_init(&dd);
        assert_int_equal(ct_outcomes_import(f->store, "survey.csv", utf16, sizeof(utf16) - 1, false,
                                            NOW, &res, &dd, &err),
                         CT_EDATA);
        d = diags_text(&dd);
        assert_diags(d, "survey.csv:1: the file is UTF-16; save it as CSV UTF-8\n");
        free(d);
        ct_diags_free(&dd);
    }
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 0);
}

/* ---- the contact rule ------------------------------------------------------------- */

static void
test_contacts(void **state)
{
    struct scratchdb *f = *state;
    struct ct_contact *c = NULL;
    struct ct_outcome o = {.group_id = 1, .met = false};
    struct ct_error err;
    size_t n = 0;

    ct_error_clear(&err);
    /*
     * No outcomes: group 1 (Ana ACCEPTED, Bo NEEDS-ACTION) counts; group 6
     * (Cy ACCEPTED, Di DECLINED, Ed TENTATIVE): only Cy-Ed, Di declined.
     * Groups 2-5 were never sent or were cancelled.
     */
    assert_int_equal(ct_store_outcomes_contacts(f->store, &c, &n, &err), CT_OK);
    assert_int_equal(n, 2);
    assert_true(c[0].a == 1 && c[0].b == 2 && c[0].group_id == 1 && c[0].round_id == 1);
    assert_true(c[1].a == 3 && c[1].b == 5 && c[1].group_id == 6);
    free(c);

    /* An outcome decides: group 1 did not meet; group 6 met, declines notwithstanding. */
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_OK);
    o.group_id = 6;
    o.met = true;
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_OK);
    /* A member who left the group is no contact of the others. */
    sql_exec(f->store, "UPDATE group_members SET removed = 1 WHERE group_id = 6 AND member_id = 5");
    assert_int_equal(ct_store_outcomes_contacts(f->store, &c, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_true(c[0].a == 3 && c[0].b == 4 && c[0].group_id == 6);
    free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_met),
        cmocka_unit_test_setup_teardown(test_record_and_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_every_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_bad_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
