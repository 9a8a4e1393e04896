/*
 * scratchdb.h: a throwaway coffeetrial database for the cmocka unit tests,
 * in a directory of its own under /tmp, and the SQL helpers the tests use
 * to set up and inspect it. Every helper fails the running test (with
 * SQLite's message and the statement) instead of returning an error.
 */
#ifndef CT_TEST_SCRATCHDB_H
#define CT_TEST_SCRATCHDB_H

#include <stdint.h>

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

/*
 * The SQL helpers are macros, as cmocka's assertions are, so that a
 * failure names the line of the test that called them.
 */

/* Run one or more SQL statements on store. */
#define sql_exec(store, sql) sql_exec_at(__FILE__, __LINE__, store, sql)

/*
 * sql_int(store, sql, ...): the first column of the first row of sql,
 * which must return a row. Each parameter of sql (?1, ?2, ...) takes the
 * next argument, a const char * (not NULL) bound as text; the macro ends
 * the list with NULL, so a count that does not match fails the test.
 */
#define sql_int(...) sql_int_at(__FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/* sql_text(store, sql, ...): the same as text, "" for NULL. OUT: the caller frees it. */
#define sql_text(...) sql_text_at(__FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/* assert_sql_text(store, want, sql, ...): fail unless sql_text() is want. */
#define assert_sql_text(...) assert_sql_text_at(__FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/*
 * Invitations are stored as recipes and built at delivery (issue 15): write
 * each recipe row's built text, HTML and calendar into its text_body,
 * html_body and ics columns, so a test's SQL can read them as delivery
 * would send them. Call it before such queries.
 */
void scratchdb_outbox_bodies(struct ct_store *store);

/*
 * Import roster CSV text (named roster.csv in messages) into store at time
 * now, as `roster import` would; fails the test on a roster error or a
 * failed sync.
 */
void scratchdb_import(struct ct_store *store, const char *csv, int64_t now);

/*
 * Import n members m0@o0.org, m1@o1.org, ...: "Member I" of "Org I",
 * "Team I", "Role I", each in an organisation of their own.
 */
void scratchdb_import_many(struct ct_store *store, int n, int64_t now);

void sql_exec_at(const char *file, int line, struct ct_store *store, const char *sql);
long long sql_int_at(const char *file, int line, struct ct_store *store, const char *sql, ...);
char *sql_text_at(const char *file, int line, struct ct_store *store, const char *sql, ...);
void assert_sql_text_at(const char *file, int line, struct ct_store *store, const char *want,
                        const char *sql, ...);

#endif
