/*
 * test_answers.c: the answers organisers read (answers.c over
 * store_answers.c): a round's answers in order with the latest proposed
 * time, a member's answers with their partners, and the closest roster
 * e-mail for "did you mean".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "scratchdb.h"

/*
 * Round 1 (sent): G1 ana + bo (ana ACCEPTED, then two COUNTERs: the later
 * DTSTAMP wins), G2 cy + dee + ed ("Ed, Jr": a comma in a name; dee
 * DECLINED). Round 2 (planned): G3 ana + cy. An erased member (id 6).
 */
static const char *const fixture_sql =
    "INSERT INTO members (id, email, name, organisation, created_at, updated_at) VALUES"
    " (1, 'ana@a.org', 'Ana', 'A', 0, 0), (2, 'bo@b.org', 'Bo', 'B', 0, 0),"
    " (3, 'cy@c.org', 'Cy', 'C', 0, 0), (4, 'dee@d.org', 'Dee', 'D', 0, 0),"
    " (5, 'ed@e.org', 'Ed, Jr', 'E', 0, 0);"
    "INSERT INTO members (id, email, name, organisation, status, created_at, updated_at)"
    " VALUES (6, NULL, NULL, 'A', 'erased', 0, 0);"
    "INSERT INTO rounds (id, date, seed, state, created_at, sent_at) VALUES"
    " (1, '2027-01-04', 1, 'sent', 0, 100), (2, '2027-02-01', 2, 'planned', 0, NULL);"
    "INSERT INTO groups (id, round_id, uid, state) VALUES"
    " (1, 1, 'u1', 'sent'), (2, 1, 'u2', 'sent'), (3, 2, 'u3', 'planned');"
    "INSERT INTO group_members (group_id, member_id, partstat) VALUES"
    " (1, 2, 'NEEDS-ACTION'), (1, 1, 'ACCEPTED'),"
    " (2, 5, 'NEEDS-ACTION'), (2, 4, 'DECLINED'), (2, 3, 'TENTATIVE'),"
    " (3, 1, 'NEEDS-ACTION'), (3, 3, 'NEEDS-ACTION');"
    "INSERT INTO replies (group_id, member_id, method, partstat, sequence, dtstamp,"
    " proposed_start, received_at) VALUES"
    " (1, 1, 'COUNTER', 'NEEDS-ACTION', 0, 20, 5000, 0),"
    " (1, 1, 'COUNTER', 'NEEDS-ACTION', 0, 10, 4000, 0),"
    " (1, 1, 'REPLY', 'ACCEPTED', 0, 30, NULL, 0);";

static int
setup(void **state)
{
    struct scratchdb *f = scratchdb_new("answers");

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

static void
test_round(void **state)
{
    struct scratchdb *f = *state;
    struct ct_answer_list *list = NULL;
    const struct ct_answer *a;
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_answers_round(f->store, 1, &list, &err), CT_OK);
    assert_int_equal(list->count, 5);
    /* Ordered by group, then member, for the binary search. */
    assert_int_equal(list->items[0].group_id, 1);
    assert_int_equal(list->items[0].member_id, 1);
    assert_int_equal(list->items[4].member_id, 5);
    a = ct_answers_find(list, 1, 1);
    assert_non_null(a);
    assert_int_equal(a->partstat, CT_PARTSTAT_ACCEPTED);
    assert_int_equal(a->proposed_start, 5000); /* the later DTSTAMP */
    a = ct_answers_find(list, 2, 4);
    assert_non_null(a);
    assert_string_equal(ct_answers_word(a->partstat), "declined");
    assert_int_equal(a->proposed_start, 0);
    assert_string_equal(ct_answers_word(ct_answers_find(list, 2, 3)->partstat), "tentative");
    assert_string_equal(ct_answers_word(ct_answers_find(list, 1, 2)->partstat), "needs-action");
    assert_null(ct_answers_find(list, 1, 3));
    assert_null(ct_answers_find(list, 3, 1)); /* another round */
    ct_answer_list_free(list);
    assert_int_equal(ct_answers_round(f->store, 9, &list, &err), CT_OK);
    assert_int_equal(list->count, 0);
    assert_null(ct_answers_find(list, 1, 1));
    ct_answer_list_free(list);
    ct_answer_list_free(NULL);
}

static void
test_member(void **state)
{
    struct scratchdb *f = *state;
    struct ct_answer_list *list = NULL;
    struct ct_error err;
    char want[64];

    ct_error_clear(&err);
    /* Cy: only the sent round counts; partners kept apart despite the comma. */
    assert_int_equal(ct_answers_member(f->store, 3, &list, &err), CT_OK);
    assert_int_equal(list->count, 1);
    assert_int_equal(list->items[0].round_id, 1);
    assert_string_equal(list->items[0].date, "2027-01-04");
    assert_int_equal(list->items[0].group_id, 2);
    assert_int_equal(list->items[0].partstat, CT_PARTSTAT_TENTATIVE);
    assert_non_null(list->items[0].partners);
    snprintf(want, sizeof(want), "Dee%cEd, Jr", CT_ANSWER_SEP);
    if (strcmp(list->items[0].partners, want) != 0) {
        snprintf(want, sizeof(want), "Ed, Jr%cDee", CT_ANSWER_SEP);
        assert_string_equal(list->items[0].partners, want);
    }
    ct_answer_list_free(list);
    assert_int_equal(ct_answers_member(f->store, 1, &list, &err), CT_OK);
    assert_int_equal(list->count, 1);
    assert_string_equal(list->items[0].partners, "Bo");
    assert_int_equal(list->items[0].proposed_start, 5000);
    ct_answer_list_free(list);
}

static void
suggest(struct scratchdb *f, const char *email, const char *want)
{
    struct ct_error err;
    char out[128];
    bool found;

    ct_error_clear(&err);
    assert_int_equal(ct_answers_suggest_email(f->store, email, out, sizeof(out), &found, &err),
                     CT_OK);
    if (want == NULL) {
        if (found)
            fail_msg("%s: suggested %s, want none", email, out);
        assert_string_equal(out, "");
    } else {
        assert_true(found);
        assert_string_equal(out, want);
    }
}

static void
test_suggest(void **state)
{
    struct scratchdb *f = *state;

    suggest(f, "ana@a.og", "ana@a.org");   /* a letter missing */
    suggest(f, "ANA@A.ORGG", "ana@a.org"); /* case ignored, a letter extra */
    suggest(f, "dee@d.rog", "dee@d.org");  /* a transposition */
    suggest(f, "bo@b.orgxyz", NULL);       /* three edits */
    suggest(f, "zzzzz@qqq.example", NULL); /* nothing close */
    suggest(f, "e", NULL);                 /* fewer letters than edits */
    sql_exec(f->store, "INSERT INTO members (id, email, name, organisation, created_at,"
                       " updated_at) VALUES (7, 'ana@b.org', 'Ana B', 'B', 0, 0)");
    suggest(f, "ana@a.orx", "ana@a.org"); /* the closer of two */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suggest, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
