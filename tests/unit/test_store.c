/*
 * test_store.c: opening the database: creation at the current schema
 * version with every table, idempotent reopening, refusal of a newer
 * schema and of files that are not databases, and the pragmas in effect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>

#include "ct.h"
#include "schema.h"
#include "scratchdb.h"
#include "store.h"
#include "store_backup.h"
#include "store_impl.h"
#include "util.h"

static int
setup(void **state)
{
    *state = scratchdb_new_unopened("store");
    return 0;
}

static int
teardown(void **state)
{
    scratchdb_free(*state);
    return 0;
}

static void
test_fresh_database(void **state)
{
    struct scratchdb *f = *state;
    static const char *const tables[] = {
        "members", "ties",     "exclusions", "rounds",    "groups",  "group_members", "unpaired",
        "outbox",  "outcomes", "replies",    "imap_seen", "imports", "meta",
    };
    struct ct_store *store = NULL;
    struct ct_error err;
    size_t i;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_int_equal(ct_store_schema_version(store), CT_SCHEMA_VERSION);
    assert_true(CT_SCHEMA_VERSION >= 1);
    for (i = 0; i < CT_ARRAY_LEN(tables); i++)
        if (sql_int(store, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    tables[i]) != 1)
            fail_msg("table %s missing", tables[i]);
    assert_string_equal(ct_store_path(store), f->path);
    ct_store_close(store);
}

static void
test_reopen_is_idempotent(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    char *value = NULL;
    long long tables;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    tables = sql_int(store, "SELECT count(*) FROM sqlite_master");
    {
        struct ct_txn *txn = NULL;
        assert_int_equal(ct_txn_begin(store, &txn, &err), CT_OK);
        assert_int_equal(ct_store_meta_set(txn, "probe", "kept", &err), CT_OK);
        assert_int_equal(ct_txn_commit(txn, &err), CT_OK);
    }
    ct_store_close(store);

    store = NULL;
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_int_equal(ct_store_schema_version(store), CT_SCHEMA_VERSION);
    assert_int_equal(sql_int(store, "SELECT count(*) FROM sqlite_master"), tables);
    assert_int_equal(ct_store_meta_get(store, "probe", &value, &err), CT_OK);
    assert_non_null(value);
    assert_string_equal(value, "kept");
    free(value);
    assert_int_equal(ct_store_meta_get(store, "absent", &value, &err), CT_OK);
    assert_null(value);
    ct_store_close(store);
}

static void
test_newer_schema_refused(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    sqlite3 *db;
    char pragma[64], newer[32], ours[32];

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", CT_SCHEMA_VERSION + 7);
    assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_ECONFIG);
    assert_null(store);
    snprintf(newer, sizeof(newer), "version %d", CT_SCHEMA_VERSION + 7);
    snprintf(ours, sizeof(ours), "up to %d", CT_SCHEMA_VERSION);
    assert_non_null(strstr(err.message, f->path));
    assert_non_null(strstr(err.message, newer));
    assert_non_null(strstr(err.message, ours));
    assert_non_null(strstr(err.message, "newer coffeetrial"));

    /* Refusing must not have touched it. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    {
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(stmt, 0), CT_SCHEMA_VERSION + 7);
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
}

static void
test_not_a_database(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    const char junk[] = "email,name,organisation\nnot@a.db,This is CSV,Org\n"
                        "padding padding padding padding padding padding padding padding\n";

    ct_error_clear(&err);
    assert_int_equal(ct_file_write_atomic(f->path, junk, sizeof(junk) - 1, 0600, &err), CT_OK);
    assert_int_not_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_null(store);
    assert_non_null(strstr(err.message, f->path));
    assert_non_null(strstr(err.message, "not a database"));
}

static void
test_unopenable_path(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    char *path = ct_asprintf("%s/no/such/dir/ct.db", f->dir);

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(path, &store, &err), CT_EIO);
    assert_null(store);
    assert_non_null(strstr(err.message, path));
    free(path);
}

static void
test_pragmas(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_sql_text(store, "wal", "PRAGMA journal_mode");
    assert_int_equal(sql_int(store, "PRAGMA foreign_keys"), 1);
    assert_int_equal(sql_int(store, "PRAGMA synchronous"), 2);  /* FULL */
    assert_int_equal(sql_int(store, "PRAGMA page_size"), 8192); /* a new database's */
    assert_int_equal(ct_store_page_size(store), 8192);
    /* A writer waits for another's transaction (test_busy_wait), with its own handler. */
    /* Foreign keys are enforced, not only declared. */
    assert_int_not_equal(sqlite3_exec(ct_store_sqlite(store),
                                      "INSERT INTO ties(a, b) VALUES (1, 2)", NULL, NULL, NULL),
                         SQLITE_OK);
    ct_store_close(store);
}

/* A database made before 8 KiB pages keeps its own page size. */
static void
test_page_size_kept(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
                                  "CREATE TABLE t (x); DROP TABLE t;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_int_equal(ct_store_page_size(store), 4096);
    assert_int_equal(sql_int(store, "PRAGMA user_version") > 0, 1);
    ct_store_close(store);
}

static void
test_transactions(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL, *other = NULL;
    struct ct_txn *txn = NULL, *second = NULL;
    struct ct_error err;
    char *value = NULL;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_int_equal(ct_txn_begin(store, &txn, &err), CT_OK);
    assert_int_equal(ct_store_meta_set(txn, "k", "rolled back", &err), CT_OK);
    /* One transaction at a time on a store. */
    assert_int_equal(ct_txn_begin(store, &second, &err), CT_EINTERNAL);
    assert_null(second);
    ct_txn_rollback(txn);
    assert_int_equal(ct_store_meta_get(store, "k", &value, &err), CT_OK);
    assert_null(value);

    assert_int_equal(ct_txn_begin(store, &txn, &err), CT_OK);
    assert_int_equal(ct_store_meta_set(txn, "k", "committed", &err), CT_OK);
    assert_int_equal(ct_txn_commit(txn, &err), CT_OK);

    /* BEGIN IMMEDIATE: a second writer is told the database is busy. */
    assert_int_equal(ct_store_open(f->path, &other, &err), CT_OK);
    sqlite3_busy_timeout(ct_store_sqlite(other), 0);
    assert_int_equal(ct_txn_begin(store, &txn, &err), CT_OK);
    assert_int_equal(ct_txn_begin(other, &second, &err), CT_EBUSY);
    assert_null(second);
    assert_non_null(strstr(err.message, f->path));
    ct_txn_rollback(txn);
    /* Readers are not blocked, and see committed data. */
    assert_int_equal(ct_store_meta_get(other, "k", &value, &err), CT_OK);
    assert_string_equal(value, "committed");
    free(value);
    ct_store_close(other);
    ct_store_close(store);
}

/*
 * No CHECK of three or more values is written as IN (...), which SQLite
 * checks through a temporary index built for every row (schema version
 * 11), and the comparisons that replaced them still refuse what they did.
 */
static void
test_check_constraints(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    sqlite3_stmt *stmt = NULL;
    sqlite3 *db;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    db = ct_store_sqlite(store);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name, sql FROM sqlite_schema WHERE type = 'table'",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        const char *sql = (const char *)sqlite3_column_text(stmt, 1), *in = sql;
        while ((in = strstr(in, " IN (")) != NULL) {
            const char *end = strchr(in, ')');
            const char *comma = strchr(in, ',');
            /* Two values are compared directly; three or more are not allowed. */
            if (comma && end && comma < end && strchr(comma + 1, ',') &&
                strchr(comma + 1, ',') < end)
                fail_msg("table %s still checks a list: %.60s", name, in);
            in += 5;
        }
    }
    sqlite3_finalize(stmt);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO rounds (date, seed, state, created_at)"
                                      " VALUES ('2026-01-05', 1, 'bogus', 0)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_non_null(strstr(sqlite3_errmsg(db), "CHECK constraint failed"));
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO rounds (date, seed, state, created_at)"
                                  " VALUES ('2026-01-05', 1, 'replaced', 0)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(db, "UPDATE rounds SET state = 'sent ' WHERE seed = 1", NULL, NULL, NULL),
        SQLITE_OK);
    ct_store_close(store);
    /* Reopened (another connection): the same schema, no migration left. */
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_int_equal(ct_store_schema_version(store), CT_SCHEMA_VERSION);
    assert_int_equal(sql_int(store, "SELECT count(*) FROM rounds WHERE state = 'replaced'", NULL),
                     1);
    ct_store_close(store);
}

/* One transaction writing about 400 KB into the meta table (many WAL pages). */
static void
write_batch(struct ct_store *store, int batch)
{
    struct ct_txn *txn = NULL;
    struct ct_error err;
    char key[32], *value = malloc(4001);
    int i;

    assert_non_null(value);
    memset(value, 'a' + batch % 26, 4000);
    value[4000] = '\0';
    ct_error_clear(&err);
    assert_int_equal(ct_txn_begin(store, &txn, &err), CT_OK);
    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d-%d", batch, i);
        assert_int_equal(ct_store_meta_set(txn, key, value, &err), CT_OK);
    }
    assert_int_equal(ct_txn_commit(txn, &err), CT_OK);
    free(value);
}

static off_t
file_size(const char *path, const char *suffix)
{
    char name[4096];
    struct stat sb;

    snprintf(name, sizeof(name), "%s%s", path, suffix);
    return stat(name, &sb) == 0 ? sb.st_size : 0;
}

/*
 * Checkpoints deferred (a batched send): the checkpoint asked for between
 * two batches copies the WAL into the database on its own thread, and the
 * WAL stays bounded however many batches follow.
 */
static void
test_deferred_checkpoints(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    char *value = NULL;
    off_t before, wal_max = 0;
    int batch;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    assert_int_equal(sql_int(store, "PRAGMA synchronous"), 2); /* FULL */
    ct_store_checkpoints_deferred(store, true);
    /* The job's commits do not wait for the disk; the end of it does. */
    assert_int_equal(sql_int(store, "PRAGMA synchronous"), 1); /* NORMAL */
    before = file_size(f->path, "");
    write_batch(store, 0);
    /* Nothing copied yet: the commit did not checkpoint. */
    assert_int_equal(file_size(f->path, ""), before);
    ct_store_checkpoint_due(store, 50);
    /* Turning deferral off waits for the checkpoint asked for. */
    ct_store_checkpoints_deferred(store, false);
    assert_true(file_size(f->path, "") > before + 300000);

    ct_store_checkpoints_deferred(store, true);
    for (batch = 1; batch <= 60; batch++) {
        off_t wal;
        write_batch(store, batch);
        ct_store_checkpoint_due(store, 50);
        if ((wal = file_size(f->path, "-wal")) > wal_max)
            wal_max = wal;
    }
    ct_store_checkpoint_due(store, 1);
    ct_store_checkpoints_deferred(store, false);
    assert_int_equal(sql_int(store, "PRAGMA synchronous"), 2);
    /* 60 batches of about 100 pages each; the WAL never held a third of them. */
    assert_true(wal_max < (off_t)60 * 100 * 4096 / 3);
    assert_int_equal(ct_store_meta_get(store, "k60-99", &value, &err), CT_OK);
    assert_non_null(value);
    assert_int_equal(strlen(value), 4000);
    free(value);
    ct_store_close(store);
}

/* An empty file is refused and left alone; a missing one is created 0660 under any umask. */
static void
test_empty_file_and_mode(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    struct stat sb;
    mode_t old;
    FILE *fp;

    assert_non_null(fp = fopen(f->path, "w"));
    fclose(fp);
    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_EIO);
    assert_null(store);
    assert_non_null(strstr(err.message, "empty file (0 bytes), not a coffeetrial database"));
    assert_int_equal(ct_store_open_for(f->path, CT_STORE_READ, &store, &err), CT_EIO);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_size, 0);
    unlink(f->path);

    old = umask(0077);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    umask(old);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0660);
    ct_store_close(store);
}

/* A backup is 0600 under umask 0, complete, and never replaces a file unless asked. */
static void
test_backup_and_verify(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    char *copy = ct_asprintf("%s/copy.db", f->dir), *junk = ct_asprintf("%s/junk.db", f->dir);
    const char secret[] = "SQLite format 2 SECRET-ROW-CONTENT\n";
    struct stat sb;
    mode_t old;
    int schema = -1;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &store, &err), CT_OK);
    sql_exec(store, "INSERT INTO meta(key, value) VALUES ('k', 'v')");
    old = umask(0);
    assert_int_equal(ct_store_backup(store, copy, false, &err), CT_OK);
    umask(old);
    assert_int_equal(stat(copy, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(ct_store_verify_file(copy, &schema, &err), CT_OK);
    assert_int_equal(schema, CT_SCHEMA_VERSION);
    assert_int_equal(ct_store_backup(store, copy, false, &err), CT_EIO);
    assert_non_null(strstr(err.message, "already exists"));
    assert_int_equal(ct_store_backup(store, copy, true, &err), CT_OK);

    /* Foreign files: refused, none of their content in the message. */
    assert_int_equal(ct_file_write_atomic(junk, secret, sizeof(secret) - 1, 0600, &err), CT_OK);
    assert_int_equal(ct_store_verify_file(junk, &schema, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "not a SQLite database"));
    assert_null(strstr(err.message, "SECRET"));
    assert_int_equal(ct_store_verify_file(f->dir, &schema, &err), CT_EDATA);
    unlink(junk);
    assert_int_equal(ct_store_verify_file(junk, &schema, &err), CT_ENOINPUT);

    /* Restoring in place brings the backup's content back. */
    sql_exec(store, "UPDATE meta SET value = 'changed' WHERE key = 'k'");
    assert_int_equal(ct_store_restore_from(store, copy, &err), CT_OK);
    assert_sql_text(store, "v", "SELECT value FROM meta WHERE key = 'k'");
    ct_store_close(store);
    unlink(copy);
    free(copy);
    free(junk);
}

/* The other connection's transaction, committed after a while. */
struct holder {
    struct ct_store *store;
    struct ct_txn *txn;
};

static void *
release_later(void *arg)
{
    struct holder *h = arg;
    struct timespec t = {0, 200000000};
    struct ct_error err;

    nanosleep(&t, NULL);
    ct_txn_commit(h->txn, &err);
    return NULL;
}

/* A writer blocked by another connection waits for it, and gets in once it commits. */
static void
test_busy_wait(void **state)
{
    struct scratchdb *f = *state;
    struct ct_store *a = NULL, *b = NULL;
    struct ct_txn *txn = NULL;
    struct holder h;
    struct ct_error err;
    pthread_t thread;

    ct_error_clear(&err);
    assert_int_equal(ct_store_open(f->path, &a, &err), CT_OK);
    assert_int_equal(ct_store_open(f->path, &b, &err), CT_OK);
    h.store = a;
    assert_int_equal(ct_txn_begin(a, &h.txn, &err), CT_OK);
    assert_int_equal(pthread_create(&thread, NULL, release_later, &h), 0);
    assert_int_equal(ct_txn_begin(b, &txn, &err), CT_OK);
    assert_true(ct_txn_elapsed(txn) >= 0);
    assert_int_equal(ct_txn_commit(txn, &err), CT_OK);
    pthread_join(thread, NULL);
    ct_store_close(a);
    ct_store_close(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unopenable_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_size_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_and_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_and_verify, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
