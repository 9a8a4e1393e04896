/*
 * test_rc.c: the Relational Coordination survey reader (core/rc.c): both
 * shapes, directional ratings combined, every bad input reported with its
 * line and nothing returned, role folding, and meetings counted per link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "orgname.h"
#include "rc.h"
#include "util.h"

static const char *const emails[] = {"ana@example.org", "bo@example.org", "cy@example.org",
                                     "di@example.org"};
static const char *const roles[] = {"Ward Nurse", "Clinical Pharmacist", "Social Worker", NULL};
static const struct ct_rc_roster roster = {emails, roles, 4, NULL};

/* Parse s; OUT: *out. Returns the status; diags joined into msgs (one per line). */
static enum ct_status
parse(const char *s, struct ct_rc_survey *out, char *msgs, size_t size)
{
    struct ct_diags diags;
    struct ct_error err;
    enum ct_status st;
    size_t i, used = 0;

    ct_diags_init(&diags);
    st = ct_rc_parse("s.csv", s, strlen(s), &roster, out, &diags, &err);
    msgs[0] = '\0';
    for (i = 0; i < diags.count && used < size; i++)
        used += (size_t)snprintf(msgs + used, size - used, "%ld: %s\n", diags.items[i].line,
                                 diags.items[i].message);
    ct_diags_free(&diags);
    return st;
}

static void
test_responses(void **state)
{
    struct ct_rc_survey s;
    char msgs[2048];

    (void)state;
    assert_int_equal(
        parse("E-mail,Rated Role,Frequent,Timely,Accurate,Problem-solving,Shared goals,"
              "Shared knowledge,Mutual respect\n"
              "ana@example.org,clinical pharmacist,2,2,2,2,2,2,2\n"
              "BO@example.org,Ward nurse,3,3,3,3,3,3,3\n"
              "\n"
              "ana@example.org,Social-Worker,5,4,5,4,5,4,5\n",
              &s, msgs, sizeof(msgs)),
        CT_OK);
    assert_false(s.aggregated);
    assert_int_equal(s.rows, 3);
    assert_int_equal(s.count, 2);
    /* Weakest first; the two directions of nurse-pharmacist are one pair: (2 + 3) / 2. */
    assert_float_equal(s.links[0].strength, 2.5, 1e-9);
    assert_int_equal(s.links[0].ratings, 2);
    assert_string_equal(s.links[0].role_a, "Clinical Pharmacist"); /* the roster's spelling */
    assert_string_equal(s.links[0].role_b, "Ward Nurse");
    assert_float_equal(s.links[1].strength, 32.0 / 7.0, 1e-9);
    ct_rc_survey_clear(&s);

    /* By respondent role instead of e-mail. */
    assert_int_equal(parse("respondent role,rated role,frequent,timely,accurate,problem solving,"
                           "shared goals,shared knowledge,mutual respect\n"
                           "Ward Nurse,Social Worker,1,1,1,1,1,1,1\n"
                           "Ward Nurse,Social Worker,3,3,3,3,3,3,3\n",
                           &s, msgs, sizeof(msgs)),
                     CT_OK);
    assert_int_equal(s.count, 1);
    assert_float_equal(s.links[0].strength, 2.0, 1e-9);
    ct_rc_survey_clear(&s);
}

static void
test_aggregated(void **state)
{
    struct ct_rc_survey s;
    double v;
    char msgs[1024];

    (void)state;
    assert_int_equal(parse("role_a,role_b,strength\n"
                           "WARD NURSE,social worker,4.5\n"
                           "Clinical Pharmacist,Ward Nurse,2.1\n",
                           &s, msgs, sizeof(msgs)),
                     CT_OK);
    assert_true(s.aggregated);
    assert_int_equal(s.count, 2);
    assert_float_equal(s.links[0].strength, 2.1, 1e-9);
    assert_true(ct_rc_lookup(NULL, s.links, s.count, "ward-nurse", "Clinical pharmacist", &v));
    assert_float_equal(v, 2.1, 1e-9);
    assert_false(ct_rc_lookup(NULL, s.links, s.count, "Social Worker", "Clinical Pharmacist", &v));
    ct_rc_survey_clear(&s);
}

/*
 * [roster] aliases apply to role names as to organisations: a survey that
 * says "RN" for the roster's "Ward Nurse" (and one that says "Pharmacist")
 * is matched, the link is kept under the alias's canonical name, and a
 * member whose roster role is a variant meets across it.
 */
static void
test_aliases(void **state)
{
    static const char aliases_text[] = "RN = Ward Nurse\n"
                                       "Pharmacist = Clinical Pharmacist\n"
                                       "Staff Nurse = Ward Nurse\n";
    static const char *const roles2[] = {"Staff Nurse", "Clinical Pharmacist", "Social Worker",
                                         NULL};
    struct ct_orgname_aliases *aliases = NULL;
    struct ct_rc_roster r = {emails, roles2, 4, NULL};
    struct ct_rc_survey s;
    struct ct_diags diags;
    struct ct_error err;
    struct ct_rc_group g = {1, {"staff-nurse", "pharmacist", NULL, NULL}, 2};
    size_t meetings[1];
    char key[64];
    double v;
    const char *csv = "role_a,role_b,strength\nRN,Pharmacist,1.5\n";

    (void)state;
    ct_diags_init(&diags);
    assert_int_equal(
        ct_orgname_aliases_parse("aliases", aliases_text, strlen(aliases_text), &aliases, &diags),
        CT_OK);
    /* Without the aliases, "RN" is no member's role. */
    assert_int_equal(ct_rc_parse("s.csv", csv, strlen(csv), &r, &s, &diags, &err), CT_EDATA);
    assert_true(diags.count > 0);
    ct_diags_free(&diags);
    ct_diags_init(&diags);

    r.aliases = aliases;
    assert_int_equal(ct_rc_parse("s.csv", csv, strlen(csv), &r, &s, &diags, &err), CT_OK);
    assert_int_equal(s.count, 1);
    assert_string_equal(s.links[0].role_a, "Clinical Pharmacist");
    assert_string_equal(s.links[0].role_b, "Ward Nurse"); /* the canonical name */
    assert_int_equal(ct_rc_fold(aliases, "R.N.", key, sizeof(key)), strlen("wardnurse"));
    assert_string_equal(key, "wardnurse");
    assert_true(ct_rc_lookup(aliases, s.links, s.count, "Staff Nurse", "Pharmacist", &v));
    assert_float_equal(v, 1.5, 1e-9);
    assert_false(ct_rc_lookup(NULL, s.links, s.count, "Staff Nurse", "Pharmacist", &v));
    ct_rc_tally(aliases, s.links, s.count, &g, 1, meetings);
    assert_int_equal(meetings[0], 1);
    ct_rc_tally(NULL, s.links, s.count, &g, 1, meetings);
    assert_int_equal(meetings[0], 0);
    ct_rc_survey_clear(&s);
    ct_diags_free(&diags);
    ct_orgname_aliases_free(aliases);
}

static void
test_bad_inputs(void **state)
{
    struct ct_rc_survey s;
    char msgs[4096];

    (void)state;
    assert_int_equal(parse("email,rated role,frequent,timely,accurate,problem solving,"
                           "shared goals,shared knowledge,mutual respect\n"
                           "ana@example.org,Astronaut,2,2,2,2,2,2,2\n"
                           "ana@example.org,Social Worker,2,2,0,2,2,2,2\n"
                           "ana@example.org,Social Worker,2,2,2,2,,2,2\n"
                           "ana@example.org,Ward Nurse,2,2,2,2,2,2,2\n"
                           "ana@example.org,ward nurse,3,3,3,3,3,3,3\n"
                           "zed@example.org,Ward Nurse,3,3,3,3,3,3,3\n"
                           "di@example.org,Ward Nurse,3,3,3,3,3,3,3\n",
                           &s, msgs, sizeof(msgs)),
                     CT_EDATA);
    assert_null(s.links);
    assert_non_null(strstr(msgs, "2: rated role: unknown role \"Astronaut\""));
    assert_non_null(strstr(msgs, "3: accurate: score \"0\" is not from 1 to 5"));
    assert_non_null(strstr(msgs, "4: shared_goals: missing dimension score"));
    assert_non_null(strstr(msgs, "6: duplicate row: ana@example.org already rated this role on "
                                 "line 5"));
    assert_non_null(strstr(msgs, "7: email: zed@example.org is not in the roster"));
    assert_non_null(strstr(msgs, "8: email: di@example.org has no role in the roster"));

    assert_int_equal(
        parse("role_a;role_b;strength\nWard Nurse;Social Worker;2\n", &s, msgs, sizeof(msgs)),
        CT_EDATA);
    assert_non_null(strstr(msgs, "1: the header is separated by semicolons"));
    assert_int_equal(parse("email,rated role,frequent\n", &s, msgs, sizeof(msgs)), CT_EDATA);
    assert_non_null(strstr(msgs, "the header has no timely column (a missing dimension)"));
    assert_int_equal(parse("role_a,role_b,strength\nWard Nurse,Social Worker,5.5\n"
                           "social worker,ward nurse,2\nWard Nurse,Social Worker,2\n",
                           &s, msgs, sizeof(msgs)),
                     CT_EDATA);
    assert_non_null(strstr(msgs, "2: strength: \"5.5\" is not from 1 to 5"));
    assert_non_null(strstr(msgs, "4: duplicate row: this role pair was given on line 3"));
    assert_int_equal(parse("", &s, msgs, sizeof(msgs)), CT_EDATA);
    assert_int_equal(parse("role_a,role_b,strength\n", &s, msgs, sizeof(msgs)), CT_EDATA);
    assert_non_null(strstr(msgs, "no survey rows"));
}

static void
test_fold_tally_month(void **state)
{
    struct ct_rc_link links[2] = {{"Ward Nurse", "Social Worker", 2.0, 0},
                                  {"Ward Nurse", "Ward Nurse", 4.0, 0}};
    struct ct_rc_group groups[3] = {
        {1, {"ward nurse", "Social worker", NULL, NULL}, 2},
        {1, {"Social Worker", "Ward Nurse", "ward-nurse", NULL}, 3}, /* counts once per link */
        {2, {"Ward Nurse", NULL, NULL, NULL}, 2},                    /* a member with no role */
    };
    size_t meetings[2];
    char key[32];

    (void)state;
    assert_int_equal(ct_rc_fold(NULL, "Social-Worker (Adults)", key, sizeof(key)), 18);
    assert_string_equal(key, "socialworkeradults");
    assert_int_equal(ct_rc_fold(NULL, "  ", key, sizeof(key)), 0);
    ct_rc_tally(NULL, links, 2, groups, 3, meetings);
    assert_int_equal(meetings[0], 2);
    assert_int_equal(meetings[1], 1);
    assert_string_equal(ct_rc_month("2026-03-14"), "March");
    assert_string_equal(ct_rc_month("2026-13-01"), "");
    assert_string_equal(ct_rc_month("junk"), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_responses),        cmocka_unit_test(test_aggregated),
        cmocka_unit_test(test_aliases),          cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_fold_tally_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
