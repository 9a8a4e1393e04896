/*
 * test_outcomes.c: recording whether groups met: one at a time (sent groups
 * only, replacing an earlier record), the CSV import (every problem with its
 * line, all or nothing, dry runs) and the contact rule.
 */
#include <ctype.h>
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
    const char *yes[] = {
        "yes",    "YES", " y ", "True", "1", "met", "Met", "Yes, we met", "yes - it was great",
        "We met", "Yes!"};
    const char *no[] = {"no", "No",          "n",          "FALSE",        "0",  "not met", " no\t",
                        "No", "No, not yet", "No (moved)", "Did not meet", "no."};
    const char *bad[] = {"",        "maybe",     "yess", "2",        "nope",  "  ",
                         "No idea", "Yesterday", ",yes", "Not sure", "yes no"};
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
import_with(struct scratchdb *f, const char *csv, const struct ct_outcomes_import_options *options,
            struct ct_outcomes_import_result *res, char **diag_text)
{
    struct ct_diags d;
    struct ct_error err;
    enum ct_status st;

    ct_diags_init(&d);
    ct_error_clear(&err);
    st = ct_outcomes_import(f->store, "survey.csv", csv, strlen(csv), options, NOW, res, &d, &err);
    *diag_text = diags_text(&d);
    ct_diags_free(&d);
    return st;
}

static enum ct_status
import(struct scratchdb *f, const char *csv, bool dry_run, struct ct_outcomes_import_result *res,
       char **diag_text)
{
    struct ct_outcomes_import_options options = {.dry_run = dry_run};

    return import_with(f, csv, &options, res, diag_text);
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
    assert_diags(d, "survey.csv:1: header: an 'email' column needs the round: add a 'round' or "
                    "'round date' column, or give --round ID|DATE\n");
    free(d);
    assert_int_equal(import(f, "Round,Met\n1,yes\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: header: needs a 'group' or 'uid' column, or an 'email' column "
                    "with the round, to say which group each row is about\n");
    free(d);
    assert_int_equal(import(f, "email,round,round date,met\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: header: give the round once: columns 'round' and 'round date' "
                    "are both there\n");
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
        struct ct_outcomes_import_options options = {0};
        struct ct_diags dd;
        struct ct_error err;
        ct_diags_init(&dd);
        assert_int_equal(ct_outcomes_import(f->store, "survey.csv", utf16, sizeof(utf16) - 1,
                                            &options, NOW, &res, &dd, &err),
                         CT_EDATA);
        d = diags_text(&dd);
        assert_diags(d, "survey.csv:1: the file is UTF-16; save it as CSV UTF-8\n");
        free(d);
        ct_diags_free(&dd);
    }
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outcomes"), 0);
}

/* ---- survey exports: the group from the respondent and the round ------------------- */

/*
 * Round 5 (2026-03-02, sent): group 7 (Ana, Cy) meets an hour after NOW,
 * group 8 (Bo, Di) met an hour before; Ed was taken out of group 8. Fay
 * is in no group.
 */
static void
add_round_5(struct scratchdb *f)
{
    sql_exec(f->store, "INSERT INTO members (id, email, name, organisation, created_at, updated_at)"
                       " VALUES (6, 'fay@f.org', 'Fay', 'F', 0, 0);"
                       "INSERT INTO rounds (id, date, seed, state, created_at) VALUES"
                       " (5, '2026-03-02', 5, 'sent', 0);"
                       "INSERT INTO groups (id, round_id, uid, state, slot_start) VALUES"
                       " (7, 5, 'uid-7@example.org', 'sent', 1772456400),"
                       " (8, 5, 'uid-8@example.org', 'sent', 1772449200);"
                       "INSERT INTO group_members (group_id, member_id, removed) VALUES"
                       " (7, 1, 0), (7, 3, 0), (8, 2, 0), (8, 4, 0), (8, 5, 1);");
}

/* Every outcome as "group:met:rating:note;..." in group order. */
#define assert_outcomes(f, want)                                                                   \
    assert_sql_text((f)->store, want,                                                              \
                    "SELECT coalesce(group_concat(group_id || ':' || met || ':' ||"                \
                    " coalesce(rating, '-') || ':' || coalesce(note, '-'), ';'), '') FROM"         \
                    " (SELECT * FROM outcomes ORDER BY group_id)")

static void
test_import_email_round_id(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    char *d;

    /* Both members of group 1 answer; Cy's group in round 1 is the trio 6 (2 was cancelled). */
    assert_int_equal(import(f,
                            "Email,Round,Did you meet?,How was it? (1-5),Comments\n"
                            "ana@a.org,1,Yes,4,\"Good, useful\"\n"
                            "BO@B.ORG ,1,\"Yes, we met\",5,Rotas\n"
                            "cy@c.org,1,No,,\n",
                            false, &res, &d),
                     CT_OK);
    assert_diags(d, "");
    free(d);
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.groups, 2);
    assert_int_equal(res.added, 2);
    /* Ratings 4 and 5 make 5 (the mean rounded half up); the notes are joined. */
    assert_outcomes(f, "1:1:5:Good, useful\nRotas;6:0:-:-");

    /* Members who disagree: met if anyone met, with a warning. */
    assert_int_equal(
        import(f, "email,round,met\nana@a.org,1,no\nbo@b.org,1,yes\n", false, &res, &d), CT_OK);
    assert_diags(d, "survey.csv:3: warning: met: answers for group 1 differ (line 2: did not "
                    "meet, line 3: met); recorded as met\n");
    free(d);
    assert_int_equal(res.replaced, 1);
    assert_outcomes(f, "1:1:-:-;6:0:-:-");
}

static void
test_import_email_round_date(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_options options = {.round = "2026-01-05"};
    struct ct_outcomes_import_result res;
    char *d;

    add_round_5(f);
    /* A round date column; a round column may hold a date too. */
    assert_int_equal(
        import(f, "Email address,Round date,Met\nana@a.org,2026-01-05,yes\n", false, &res, &d),
        CT_OK);
    free(d);
    assert_int_equal(import(f, "email,round,met\ndi@d.org,2026-03-02,no\n", false, &res, &d),
                     CT_OK);
    free(d);
    assert_outcomes(f, "1:1:-:-;8:0:-:-");
    sql_exec(f->store, "DELETE FROM outcomes");

    /* --round for a file with no round column, by date or by number. */
    assert_int_equal(import_with(f, "email,met\ncy@c.org,yes\n", &options, &res, &d), CT_OK);
    free(d);
    options.round = "5";
    assert_int_equal(import_with(f, "email,met\nbo@b.org,no\n", &options, &res, &d), CT_OK);
    free(d);
    assert_outcomes(f, "6:1:-:-;8:0:-:-");

    /* A round that cannot be: reported once for --round, per row for a column. */
    options.round = "2026-01-06";
    assert_int_equal(import_with(f, "email,met\ncy@c.org,yes\nbo@b.org,no\n", &options, &res, &d),
                     CT_EDATA);
    assert_diags(d, "survey.csv: --round: no round on 2026-01-06\n");
    free(d);
    options.round = "last week";
    assert_int_equal(import_with(f, "email,met\ncy@c.org,yes\n", &options, &res, &d), CT_EUSAGE);
    free(d);
    assert_int_equal(import(f,
                            "email,round,met\n"
                            "ana@a.org,2026-02-02,yes\n" /* 2 */
                            "ana@a.org,2,yes\n"          /* 3 */
                            "ana@a.org,4,yes\n"          /* 4 */
                            "ana@a.org,9,yes\n"          /* 5 */
                            "ana@a.org,2026-13-01,yes\n" /* 6 */
                            "nobody@a.org,1,yes\n"       /* 7 */
                            "fay@f.org,1,yes\n"          /* 8 */
                            "ed@e.org,5,no\n"            /* 9 */
                            "anonymous,1,yes\n",         /* 10 */
                            false, &res, &d),
                     CT_EDATA);
    assert_diags(d, "survey.csv:2: round: round 3 was never sent: it was planned again\n"
                    "survey.csv:3: round: round 2 has not been sent yet (it is planned)\n"
                    "survey.csv:4: round: round 4 was cancelled\n"
                    "survey.csv:5: round: no round 9\n"
                    "survey.csv:6: round: not a round number or date (YYYY-MM-DD): '2026-13-01'\n"
                    "survey.csv:7: email: no member has the address 'nobody@a.org'\n"
                    "survey.csv:8: email: fay@f.org is in no sent group of round 1\n"
                    "survey.csv:9: email: ed@e.org was taken out of group 8 of round 5\n"
                    "survey.csv:10: email: not an e-mail address: 'anonymous' (the form did not "
                    "record who answered: let it record e-mail addresses)\n");
    free(d);
    /* Two sent rounds on one date: the date does not say which. */
    sql_exec(f->store, "UPDATE rounds SET date = '2026-01-05' WHERE id = 5");
    assert_int_equal(import(f, "email,round date,met\nana@a.org,2026-01-05,yes\n", false, &res, &d),
                     CT_EDATA);
    assert_diags(d, "survey.csv:2: round date: 2 rounds were sent on 2026-01-05; give the round "
                    "number\n");
    free(d);
    assert_outcomes(f, "6:1:-:-;8:0:-:-");
}

/* Microsoft Forms numbers its responses in a column "ID": never a group. */
static void
test_import_forms_id_is_not_a_group(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_options options = {.round = "1"};
    struct ct_outcomes_import_result res;
    char *d;

    assert_int_equal(import_with(f,
                                 "ID,Start time,Completion time,Email,Name,Did you meet?\n"
                                 "6,3/2/26 9:01:12,3/2/26 9:02:40,ana@a.org,Ana,Yes\n",
                                 &options, &res, &d),
                     CT_OK);
    assert_diags(d, ""); /* bookkeeping columns are ignored without a warning */
    free(d);
    assert_outcomes(f, "1:1:-:-");
    /* A file with only the response ID cannot say which group. */
    assert_int_equal(import(f, "ID,Name,Met\n1,Ana,yes\n", false, &res, &d), CT_EDATA);
    assert_diags(d, "survey.csv:1: header: needs a 'group' or 'uid' column, or an 'email' column "
                    "with the round, to say which group each row is about ('ID' is the survey "
                    "tool's response number, not a group)\n");
    free(d);
    assert_outcomes(f, "1:1:-:-");
}

static void
test_import_group_and_email_agree(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    char *d;

    add_round_5(f);
    assert_int_equal(import(f,
                            "group,email,round,met\n"
                            "99,ana@a.org,1,yes\n" /* 2: unknown group */
                            "3,ana@a.org,,yes\n"   /* 3: planned group */
                            "2,cy@c.org,1,yes\n"   /* 4: cancelled group */
                            "6,ana@a.org,,yes\n"   /* 5: Ana is not in 6 */
                            "1,ana@a.org,5,yes\n"  /* 6: group 1 is not in round 5 */
                            "1,ana@a.org,1,yes\n"  /* 7: agrees */
                            "1,,,no\n"             /* 8: group 1 again */
                            "1,ana@a.org,,no\n"    /* 9: Ana again */
                            ",bo@b.org,,no\n",     /* 10: no group, no round */
                            false, &res, &d),
                     CT_EDATA);
    assert_diags(d, "survey.csv:2: group: no group 99\n"
                    "survey.csv:3: group: group 3 has not been sent yet (round 2 is planned); "
                    "outcomes are recorded for sent groups\n"
                    "survey.csv:4: group: group 2 was cancelled\n"
                    "survey.csv:5: group: group 6 does not include ana@a.org (their group in "
                    "round 1 is 1)\n"
                    "survey.csv:6: round: group 1 is in round 1, not round 5\n"
                    "survey.csv:8: group: group 1 is already on line 7\n"
                    "survey.csv:9: email: ana@a.org already answered for group 1 on line 7\n"
                    "survey.csv:10: round: missing: say which round the answer is about (or "
                    "the group)\n");
    free(d);
    assert_outcomes(f, "");
    /* The same without the bad rows: group and e-mail agree, with or without a round. */
    assert_int_equal(
        import(f, "group,email,round,met\n1,ana@a.org,1,yes\n6,di@d.org,,no\n", false, &res, &d),
        CT_OK);
    free(d);
    assert_outcomes(f, "1:1:-:-;6:0:-:-");
}

static void
test_future_meeting(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_options options = {.round = "5"};
    struct ct_outcomes_import_result res;
    struct ct_outcome o = {.group_id = 7, .met = true};
    struct ct_error err;
    char *d;

    add_round_5(f);
    ct_error_clear(&err);
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_ESTATE);
    assert_string_equal(err.message, "group 7 meets on 2026-03-02 13:00 UTC, which is still to "
                                     "come; give --force if it has met already");
    assert_outcomes(f, "");
    o.met = false; /* "did not meet" may be said before the slot */
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_OK);
    o.met = true;
    o.force = true;
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_OK);
    o.group_id = 8; /* met an hour ago */
    o.force = false;
    assert_int_equal(ct_outcomes_record(f->store, &o, "cli", NOW, NULL, &err), CT_OK);
    sql_exec(f->store, "DELETE FROM outcomes");

    assert_int_equal(import_with(f, "email,met\nbo@b.org,yes\ncy@c.org,yes\n", &options, &res, &d),
                     CT_EDATA);
    assert_diags(d, "survey.csv:3: met: group 7 meets on 2026-03-02 13:00 UTC, which is still to "
                    "come; give --force if it has met already\n");
    free(d);
    assert_outcomes(f, ""); /* all or nothing: Bo's row was not written either */
    options.force = true;
    assert_int_equal(import_with(f, "email,met\nbo@b.org,yes\ncy@c.org,yes\n", &options, &res, &d),
                     CT_OK);
    free(d);
    assert_outcomes(f, "7:1:-:-;8:1:-:-");
}

/*
 * Every alias of the table, as a file would carry it, names its column:
 * the test's own copy of the documented table, so an alias added to the
 * code without a test (or a doc line) fails here.
 */
static const struct {
    const char *header, *column;
} documented_aliases[] = {
    {"group", "group"},
    {"group id", "group"},
    {"group number", "group"},
    {"uid", "uid"},
    {"group uid", "uid"},
    {"email", "email"},
    {"email address", "email"},
    {"your email", "email"},
    {"your email address", "email"},
    {"respondent email", "email"},
    {"member email", "email"},
    {"round", "round"},
    {"round id", "round"},
    {"round number", "round"},
    {"round date", "round date"},
    {"met", "met"},
    {"did you meet?", "met"},
    {"did you meet your partner?", "met"},
    {"have you met?", "met"},
    {"did the meeting happen?", "met"},
    {"did the meeting take place?", "met"},
    {"rating", "rating"},
    {"rating (1-5)", "rating"},
    {"how was it?", "rating"},
    {"how was it? (1-5)", "rating"},
    {"how was your meeting?", "rating"},
    {"how was your meeting? (1-5)", "rating"},
    {"note", "note"},
    {"notes", "note"},
    {"comment", "note"},
    {"comments", "note"},
    {"any comments?", "note"},
    {"anything else?", "note"},
    {"feedback", "note"},
    {"ID", NULL},
    {"Start time", NULL},
    {"Completion time", NULL},
    {"Last modified time", NULL},
    {"Name", NULL},
    {"Timestamp", NULL},
    {"Score", NULL},
    {"Total points", NULL},
    {"Quiz feedback", NULL},
};

/* A file using header h for column, and what group 1's outcome must then be. */
static void
alias_file(const char *h, const char *column, char **csv, const char **want)
{
    static const struct {
        const char *column, *before, *after, *want;
    } files[] = {
        {"group", "", ",met\n1,yes\n", "1:1:-:-"},
        {"uid", "", ",met\nuid-1@example.org,yes\n", "1:1:-:-"},
        {"email", "", ",round,met\nAna@A.org,1,yes\n", "1:1:-:-"},
        {"round", "email,", ",met\nana@a.org,1,yes\n", "1:1:-:-"},
        {"round date", "email,", ",met\nana@a.org,2026-01-05,yes\n", "1:1:-:-"},
        {"met", "group,", "\n1,\"No, not yet\"\n", "1:0:-:-"},
        {"rating", "group,met,", "\n1,yes,3\n", "1:1:3:-"},
        {"note", "group,met,", "\n1,yes,\"Nice, thanks\"\n", "1:1:-:Nice, thanks"},
        {NULL, "group,met,", "\n1,y,anything\n", "1:1:-:-"},
    };
    size_t i;

    *csv = NULL;
    *want = NULL;
    for (i = 0; i < CT_ARRAY_LEN(files); i++) {
        if ((column == NULL) != (files[i].column == NULL) ||
            (column && strcmp(column, files[i].column) != 0))
            continue;
        *csv = ct_asprintf("%s\"%s\"%s", files[i].before, h, files[i].after);
        *want = files[i].want;
        return;
    }
    fail_msg("no file for column %s", column ? column : "(bookkeeping)");
}

static void
test_alias_table(void **state)
{
    struct scratchdb *f = *state;
    struct ct_outcomes_import_result res;
    const char *header, *column, *want;
    char *csv, *d, *upper;
    size_t i, j;

    for (i = 0; (header = ct_outcomes_alias(i, &column)) != NULL; i++) {
        assert_true(i < CT_ARRAY_LEN(documented_aliases));
        assert_string_equal(header, documented_aliases[i].header);
        if (documented_aliases[i].column == NULL)
            assert_null(column);
        else
            assert_string_equal(column, documented_aliases[i].column);
        /* Through an import, in capitals with other punctuation: the same column. */
        upper = ct_strdup(header);
        for (j = 0; upper[j]; j++)
            upper[j] = upper[j] == ' ' ? '_' : (char)toupper((unsigned char)upper[j]);
        alias_file(upper, column, &csv, &want);
        if (import(f, csv, false, &res, &d) != CT_OK)
            fail_msg("header '%s' (%s):\n%s", upper, csv, d);
        if (strcmp(d, "") != 0)
            fail_msg("header '%s': unexpected diagnostics\n%s", upper, d);
        assert_outcomes(f, want);
        sql_exec(f->store, "DELETE FROM outcomes");
        free(csv);
        free(d);
        free(upper);
    }
    assert_int_equal(i, CT_ARRAY_LEN(documented_aliases));
    /* Spellings of the same names. */
    assert_int_equal(import(f,
                            "E-mail,Round ID,Did you meet,How was it (1-5)?,Any comments\n"
                            "ana@a.org,1,Y,2,ok\n",
                            false, &res, &d),
                     CT_OK);
    assert_diags(d, "");
    free(d);
    assert_outcomes(f, "1:1:2:ok");
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
        cmocka_unit_test_setup_teardown(test_import_email_round_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_email_round_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_forms_id_is_not_a_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_group_and_email_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_future_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
