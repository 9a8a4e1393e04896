/*
 * store_impl.h: what the files of lib/store share and nobody else may see:
 * the SQLite handle and the statement helpers. Including it anywhere
 * outside lib/store fails to build (<sqlite3.h> is fenced off there).
 */
#ifndef CT_STORE_IMPL_H
#define CT_STORE_IMPL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "ct.h"
#include "entity.h"
#include "reply.h"
#include "store.h"

/*
 * "file:PATH?QUERY" with PATH percent-encoded, for sqlite3_open_v2 with
 * SQLITE_OPEN_URI ("mode=ro", "immutable=1"). Heap; NULL when out of memory.
 */
char *ct_store_uri(const char *path, const char *query);

/*
 * A connection setting: PRAGMA name's value (fallback when it cannot be
 * read), and setting it (best effort, unchecked: a caller whose setting
 * matters, such as synchronous, which SQLite refuses to change inside a
 * transaction, reads it back).
 */
int64_t ct_store_pragma(struct ct_store *store, const char *name, int64_t fallback);
void ct_store_pragma_set(struct ct_store *store, const char *name, int64_t value);

/* The SQLite handle, for lib/store and the tests' scratch-database fixture. Owned by the store. */
sqlite3 *ct_store_sqlite(struct ct_store *store);

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
 * The statement of sql prepared once for the connection and kept until
 * ct_store_close (statements a send runs per row are not parsed again per
 * row). sql must have static storage duration: its address is the key.
 * OUT: *stmt, owned by the store: the caller never finalizes it, and hands
 * it back with ct_store_release (or ct_store_step_done) before the next use.
 */
enum ct_status ct_store_cached(struct ct_store *store, const char *sql, sqlite3_stmt **stmt,
                               struct ct_error *err);

/* Reset a cached statement and clear its bindings, for its next use; NULL is fine. */
void ct_store_release(sqlite3_stmt *stmt);

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

/*
 * The database's spelling of each state (schema.h's CHECK lists), and
 * back: _sql returns NULL for a value out of range; _from_sql returns false
 * for text that is no state (or NULL), leaving *out untouched.
 */
const char *ct_store_member_status_sql(enum ct_member_status value);
bool ct_store_member_status_from_sql(const char *s, enum ct_member_status *out);
const char *ct_store_round_state_sql(enum ct_round_state value);
bool ct_store_round_state_from_sql(const char *s, enum ct_round_state *out);
const char *ct_store_group_state_sql(enum ct_group_state value);
bool ct_store_group_state_from_sql(const char *s, enum ct_group_state *out);
const char *ct_store_outbox_state_sql(enum ct_outbox_state value);
bool ct_store_outbox_state_from_sql(const char *s, enum ct_outbox_state *out);
const char *ct_store_outbox_kind_sql(enum ct_outbox_kind value);
bool ct_store_outbox_kind_from_sql(const char *s, enum ct_outbox_kind *out);
/* Answers (replies.partstat, group_members.partstat, replies.method), as iTIP spells them. */
const char *ct_store_partstat_sql(enum ct_partstat value);
bool ct_store_partstat_from_sql(const char *s, enum ct_partstat *out);
const char *ct_store_reply_method_sql(enum ct_reply_method value);
bool ct_store_reply_method_from_sql(const char *s, enum ct_reply_method *out);

#endif
