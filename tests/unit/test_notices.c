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
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "notices.h"
#include "store.h"

struct world {
    char path[64];
    struct ct_store *store;
    struct ct_config *cfg;
};

static int
setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct ct_error err;
    int fd;

    snprintf(w->path, sizeof(w->path), "/tmp/ct-notices-XXXXXX");
    fd = mkstemp(w->path);
    assert_true(fd >= 0);
    close(fd);
    unlink(w->path);
    assert_int_equal(ct_store_open(w->path, &w->store, &err), CT_OK);
    w->cfg = ct_config_new_defaults();
    assert_non_null(w->cfg);
    assert_int_equal(sqlite3_exec(ct_store_db(w->store),
                                  "INSERT INTO members(id, email, name, organisation, status,"
                                  " created_at, updated_at) VALUES (7, 'zoe@north.example.org',"
                                  " 'Zoë Okonkwo', 'North', 'paused', 0, 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    *state = w;
    return 0;
}

static int
teardown(void **state)
{
    struct world *w = *state;
    char side[80];

    ct_store_close(w->store);
    ct_config_free(w->cfg);
    unlink(w->path);
    snprintf(side, sizeof(side), "%s-wal", w->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", w->path);
    unlink(side);
    free(w);
    ct_clock_set(0);
    return 0;
}

static int64_t
count(struct world *w, const char *sql)
{
    sqlite3_stmt *stmt;
    int64_t n = -1;

    assert_int_equal(sqlite3_prepare_v2(ct_store_db(w->store), sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void
test_pause_notice_queued(void **state)
{
    struct world *w = *state;
    struct ct_error err;
    sqlite3_stmt *stmt;
    const char *message;

    ct_clock_set(1780000000);
    assert_int_equal(ct_store_begin(w->store, &err), CT_OK);
    assert_int_equal(ct_notice_queue_pause(w->store, w->cfg, 7, "zoe@north.example.org", &err),
                     CT_OK);
    assert_int_equal(ct_store_commit(w->store, &err), CT_OK);
    assert_int_equal(count(w, "SELECT count(*) FROM outbox WHERE kind = 'notice' AND member_id = 7"
                              " AND recipient = 'zoe@north.example.org' AND state = 'queued'"
                              " AND method IS NULL AND ics IS NULL"),
                     1);
    assert_int_equal(sqlite3_prepare_v2(ct_store_db(w->store),
                                        "SELECT message, text_body FROM outbox", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    message = (const char *)sqlite3_column_text(stmt, 0);
    assert_non_null(strstr(message, "\r\nTo: "));
    assert_non_null(strstr(message, "zoe@north.example.org"));
    assert_null(strstr(message, "text/calendar"));
    /* The text says how to resume. */
    assert_non_null(strstr((const char *)sqlite3_column_text(stmt, 1), "resume"));
    sqlite3_finalize(stmt);

    /* Paused again later: a second, distinct notice. */
    ct_clock_set(1790000000);
    assert_int_equal(ct_notice_queue_pause(w->store, w->cfg, 7, "zoe@north.example.org", &err),
                     CT_OK);
    assert_int_equal(count(w, "SELECT count(DISTINCT message_id) FROM outbox"), 2);
}

static void
test_rolled_back_with_the_pause(void **state)
{
    struct world *w = *state;
    struct ct_error err;

    assert_int_equal(ct_store_begin(w->store, &err), CT_OK);
    assert_int_equal(ct_notice_queue_pause(w->store, w->cfg, 7, "zoe@north.example.org", &err),
                     CT_OK);
    ct_store_rollback(w->store);
    assert_int_equal(count(w, "SELECT count(*) FROM outbox"), 0);
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
