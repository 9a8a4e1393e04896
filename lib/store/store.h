/*
 * store.h: the SQLite database that is coffeetrial's only state, seen from
 * above: opening it (creating or migrating the schema, PRAGMA user_version),
 * write transactions as objects, and small named facts. No SQLite type
 * crosses this header; the typed functions of each table family are in
 * the store_*.h headers beside it, and SQL lives in lib/store alone.
 *
 * Writes happen inside a transaction (BEGIN IMMEDIATE, so the CLI and the
 * daemon can share one file): functions that write take the struct ct_txn
 * as their first argument, functions that only read take the store.
 */
#ifndef CT_STORE_H
#define CT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"

struct ct_store;
struct ct_txn;

/*
 * Open (creating if needed) the database at path and bring its schema up to
 * date. A database written by a newer coffeetrial is refused (CT_ECONFIG
 * with a message naming both versions). OUT: *out, closed with
 * ct_store_close().
 */
enum ct_status ct_store_open(const char *path, struct ct_store **out, struct ct_error *err);

/*
 * What a program means to do with the database: CT_STORE_WRITE refuses a
 * database it cannot write (CT_EIO, "read-only" and why); CT_STORE_READ
 * then opens it read-only (a read-only mount, a file the user may only
 * read), used as it is: no migration, so an older schema is refused too.
 */
enum ct_store_access { CT_STORE_WRITE, CT_STORE_READ };

/*
 * ct_store_open() for access. Both refuse an empty (0-byte) file with a
 * message saying so (CT_EIO) rather than taking it for a new database,
 * and create a missing database 0660 whatever the umask (the shared state
 * directory's group may then write it; docs/operations.md).
 */
enum ct_status ct_store_open_for(const char *path, enum ct_store_access access,
                                 struct ct_store **out, struct ct_error *err);
void ct_store_close(struct ct_store *store);

const char *ct_store_path(const struct ct_store *store);

/* The schema version of the open database, -1 if it cannot be read. */
int ct_store_schema_version(struct ct_store *store);

/*
 * Begin a write transaction (BEGIN IMMEDIATE). One at a time per store:
 * beginning a second before the first ends is CT_EINTERNAL. OUT: *txn, owned
 * by the store, ended by exactly one ct_txn_commit() or ct_txn_rollback().
 * Errors name the database file; another writer holding the database past
 * the busy timeout is CT_EBUSY.
 */
enum ct_status ct_txn_begin(struct ct_store *store, struct ct_txn **txn, struct ct_error *err);

/* Commit; on failure the transaction is rolled back. Either way txn is gone. */
enum ct_status ct_txn_commit(struct ct_txn *txn, struct ct_error *err);

/* Roll back and end txn; NULL is accepted, so a cleanup label can call it. */
void ct_txn_rollback(struct ct_txn *txn);

/* Seconds (monotonic) since txn began: a long job commits when its budget is spent. */
double ct_txn_elapsed(const struct ct_txn *txn);

/*
 * A number that changes whenever another connection (another process)
 * commits a change to the database, and only then. OUT: *version.
 */
enum ct_status ct_store_data_version(struct ct_store *store, int64_t *version,
                                     struct ct_error *err);

/*
 * The longest write transaction this connection has held, in seconds
 * (monotonic), for benchmarks: other writers wait that long at worst.
 */
double ct_store_longest_txn(const struct ct_store *store);

/*
 * A long job that commits in batches (round send) checkpoints the WAL
 * itself, between its transactions: on, commits no longer copy the WAL into
 * the database as they end (SQLite's automatic checkpoint, every 1,000
 * pages, inside the COMMIT the job times); off, that comes back.
 */
void ct_store_checkpoints_deferred(struct ct_store *store, bool on);

/*
 * With checkpoints deferred: copy the WAL into the database (a passive
 * checkpoint, outside any transaction: other writers go on) once it holds
 * at least `pages` pages since the last one.
 */
void ct_store_checkpoint_due(struct ct_store *store, int pages);

/* The database's page size, in bytes. */
int ct_store_page_size(struct ct_store *store);

/* The store a transaction writes to, for reads inside it. */
struct ct_store *ct_txn_store(struct ct_txn *txn);

/* meta: small named values. ct_store_meta_get's *value is NULL if unset. */
enum ct_status ct_store_meta_get(struct ct_store *store, const char *key, char **value,
                                 struct ct_error *err);
enum ct_status ct_store_meta_set(struct ct_txn *txn, const char *key, const char *value,
                                 struct ct_error *err);

#endif
