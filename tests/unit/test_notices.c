/*
 * test_notices.c: the pause notice lands in the outbox with the pause's
 * transaction, addressed to the member alone, saying how to resume.
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
#include "notices.h"
#include "scratchdb.h"
#include "store.h"

struct world {
    struct scratchdb *db;
    struct ct_store *store; /* db->store */
    struct ct_config *cfg;
};

static int
setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    w->db = scratchdb_new("notices");
    w->store = w->db->store;
    w->cfg = ct_config_new_defaults();
    assert_non_null(w->cfg);
    sql_exec(w->store, "INSERT INTO members(id, email, name, organisation, status,"
                       " created_at, updated_at) VALUES (7, 'zoe@north.example.org',"
                       " 'Zoë Okonkwo', 'North', 'paused', 0, 0)");
    *state = w;
    return 0;
}

static int
teardown(void **state)
{
    struct world *w = *state;

    ct_config_free(w->cfg);
    scratchdb_free(w->db);
    free(w);
    ct_clock_set(0);
    return 0;
}

static void
test_pause_notice_queued(void **state)
{
    struct world *w = *state;
    struct ct_txn *txn = NULL;
    struct ct_error err;
    char *message, *text;

    ct_clock_set(1780000000);
    assert_int_equal(ct_txn_begin(w->store, &txn, &err), CT_OK);
    assert_int_equal(
        ct_notice_queue_pause(txn, w->cfg, 7, "zoe@north.example.org", 1780000000, &err), CT_OK);
    assert_int_equal(ct_txn_commit(txn, &err), CT_OK);
    assert_int_equal(sql_int(w->store,
                             "SELECT count(*) FROM outbox WHERE kind = 'notice' AND member_id = 7"
                             " AND recipient = 'zoe@north.example.org' AND state = 'queued'"
                             " AND method IS NULL AND ics IS NULL"),
                     1);
    message = sql_text(w->store, "SELECT message FROM outbox");
    assert_non_null(strstr(message, "\r\nTo: "));
    assert_non_null(strstr(message, "zoe@north.example.org"));
    assert_null(strstr(message, "text/calendar"));
    free(message);
    /* The text says how to resume. */
    text = sql_text(w->store, "SELECT text_body FROM outbox");
    assert_non_null(strstr(text, "resume"));
    free(text);

    /* Paused again later: a second, distinct notice. */
    ct_clock_set(1790000000);
    assert_int_equal(ct_txn_begin(w->store, &txn, &err), CT_OK);
    assert_int_equal(
        ct_notice_queue_pause(txn, w->cfg, 7, "zoe@north.example.org", 1790000000, &err), CT_OK);
    assert_int_equal(ct_txn_commit(txn, &err), CT_OK);
    assert_int_equal(sql_int(w->store, "SELECT count(DISTINCT message_id) FROM outbox"), 2);
}

static void
test_rolled_back_with_the_pause(void **state)
{
    struct world *w = *state;
    struct ct_txn *txn = NULL;
    struct ct_error err;

    assert_int_equal(ct_txn_begin(w->store, &txn, &err), CT_OK);
    assert_int_equal(
        ct_notice_queue_pause(txn, w->cfg, 7, "zoe@north.example.org", 1780000000, &err), CT_OK);
    ct_txn_rollback(txn);
    assert_int_equal(sql_int(w->store, "SELECT count(*) FROM outbox"), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pause_notice_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_with_the_pause, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
