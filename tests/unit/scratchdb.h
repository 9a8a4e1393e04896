/*
 * scratchdb.h: a throwaway coffeetrial database for the cmocka unit tests,
 * in a directory of its own under /tmp, and the SQL helpers the tests use
 * to set up and inspect it. Every helper fails the running test (with
 * SQLite's message and the statement) instead of returning an error.
 */
#ifndef CT_TEST_SCRATCHDB_H
#define CT_TEST_SCRATCHDB_H

#include "store.h"

struct scratchdb {
    char dir[64];           /* /tmp/ct-test-NAME-XXXXXX */
    char *path;             /* DIR/ct.db */
    struct ct_store *store; /* open on path; NULL from scratchdb_new_unopened() */
};

/*
 * Make a new directory /tmp/ct-test-NAME-XXXXXX and open a store (empty,
 * at the current schema) on DIR/ct.db. OUT: the caller frees it with
 * scratchdb_free().
 */
struct scratchdb *scratchdb_new(const char *name);

/* The same directory and path, but nothing at path yet and no store. */
struct scratchdb *scratchdb_new_unopened(const char *name);

/*
 * Close the store if it is open, remove the database with its -wal, -shm
 * and -journal files, then the directory; fails the test if anything else
 * was left in it. NULL is fine.
 */
void scratchdb_free(struct scratchdb *db);

/* Run one or more SQL statements on store. */
void sql_exec(struct ct_store *store, const char *sql);

/*
 * The first column of the first row of sql, which must return a row. Each
 * parameter of sql (?1, ?2, ...) takes the next argument, a const char *
 * bound as text; pass exactly as many as sql has.
 */
long long sql_int(struct ct_store *store, const char *sql, ...);

/* The same as text, "" for NULL. OUT: the caller frees the string. */
char *sql_text(struct ct_store *store, const char *sql, ...);

/* Fail unless sql_text(store, sql, ...) is want; the message shows the values bound. */
void assert_sql_text(struct ct_store *store, const char *want, const char *sql, ...);

#endif
