/*
 * store_schedule.c: the SQL behind coffeetriald's schedule lookups; see
 * store_schedule.h.
 */
#include "store_schedule.h"
#include "store_impl.h"

enum ct_status
ct_store_schedule_round(struct ct_store *store, const char *date, bool planned_only, int64_t *id,
                        enum ct_round_state *state, bool *found, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *found = false;
    st = ct_store_prepare(store,
                          "SELECT id, state FROM rounds WHERE date = ?1 "
                          "AND (?2 = 0 OR state = ?3) ORDER BY id DESC LIMIT 1",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "find round");
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, planned_only);
    sqlite3_bind_text(stmt, 3, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, found, "find round", err);
    if (st == CT_OK && *found) {
        *id = sqlite3_column_int64(stmt, 0);
        if (!ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 1), state))
            st = ct_error_set(err, CT_EDATA, "%s: round %lld has an unknown state",
                              ct_store_path(store), (long long)*id);
    }
    sqlite3_finalize(stmt);
    return st;
}

#ifdef CT_TEST_HOOKS
enum ct_status
ct_store_schedule_fake_plan(struct ct_txn *txn, const char *date, int64_t send_after, int64_t now,
                            int64_t *round_id, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "INSERT INTO rounds(date, seed, state, origin, send_after, created_at) "
                          "VALUES (?1, 0, ?4, 'daemon', ?2, ?3)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "plan round");
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, send_after);
    sqlite3_bind_int64(stmt, 3, now);
    sqlite3_bind_text(stmt, 4, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "plan round", err);
    if (st == CT_OK)
        *round_id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_schedule_fake_send(struct ct_txn *txn, int64_t round_id, int64_t now, bool *changed,
                            struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *changed = false;
    st = ct_store_prepare(store,
                          "UPDATE rounds SET state = ?3, sent_at = ?2 "
                          "WHERE id = ?1 AND state = ?4",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "send round");
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_text(stmt, 3, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "send round", err);
    if (st == CT_OK)
        *changed = sqlite3_changes(sqlite3_db_handle(stmt)) == 1;
    sqlite3_finalize(stmt);
    return st;
}
#endif
