/*
 * store.h: the SQLite database that is coffeetrial's only state. Opening
 * creates or migrates it (PRAGMA user_version), sets WAL, synchronous=FULL,
 * foreign keys and a busy timeout. Writers use ct_store_begin(), which is
 * BEGIN IMMEDIATE, so the CLI and the daemon can share one file.
 *
 * Module-specific queries (members, rounds, outbox, ...) live with their
 * modules and use ct_store_db() with prepared statements.
 */
#ifndef CT_STORE_H
#define CT_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "ct.h"

struct ct_store;

/*
 * Open (creating if needed) the database at path and bring its schema up to
 * date. A database written by a newer coffeetrial is refused (CT_ECONFIG
 * with a message naming both versions). OUT: *out, closed with
 * ct_store_close().
 */
enum ct_status ct_store_open(const char *path, struct ct_store **out, struct ct_error *err);
void ct_store_close(struct ct_store *store);

/* The underlying handle, for module queries. Owned by the store. */
sqlite3 *ct_store_db(struct ct_store *store);
const char *ct_store_path(const struct ct_store *store);

/* The schema version of the open database. */
int ct_store_schema_version(struct ct_store *store);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; errors name the database file. */
enum ct_status ct_store_begin(struct ct_store *store, struct ct_error *err);
enum ct_status ct_store_commit(struct ct_store *store, struct ct_error *err);
void ct_store_rollback(struct ct_store *store);

/*
 * Turn the last SQLite error on the store's handle into err, prefixed with
 * what was being done ("insert member"). SQLITE_BUSY becomes CT_EBUSY.
 */
enum ct_status ct_store_error(struct ct_store *store, struct ct_error *err, const char *doing);

/* Prepare sql on the store's handle. OUT: *stmt (NULL on failure), which
 * the caller finalizes. Errors name the database file. */
enum ct_status ct_store_prepare(struct ct_store *store, const char *sql, sqlite3_stmt **stmt,
                                struct ct_error *err);

/*
 * Step a statement that returns no rows, then reset it and clear its
 * bindings for reuse. doing says what it was for ("insert member").
 */
enum ct_status ct_store_step_done(struct ct_store *store, sqlite3_stmt *stmt, const char *doing,
                                  struct ct_error *err);

/*
 * Step a statement once for a row: *row says whether there was one (left
 * current, for the caller to read). doing names the query in errors.
 */
enum ct_status ct_store_step_row(struct ct_store *store, sqlite3_stmt *stmt, bool *row,
                                 const char *doing, struct ct_error *err);

/*
 * A heap copy of a text column of the current row, NULL for SQL NULL. On
 * allocation failure it returns NULL and sets *failed, so a caller can copy
 * several columns and check once.
 */
char *ct_store_column_dup(sqlite3_stmt *stmt, int col, bool *failed);

/* meta table: small named values. ct_store_meta_get's *value is NULL if unset. */
enum ct_status ct_store_meta_get(struct ct_store *store, const char *key, char **value,
                                 struct ct_error *err);
enum ct_status ct_store_meta_set(struct ct_store *store, const char *key, const char *value,
                                 struct ct_error *err);

#endif
