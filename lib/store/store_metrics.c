/*
 * store_metrics.c: the counts of GET /metrics (store_metrics.h), each a
 * GROUP BY over one table, read inside one snapshot.
 */
#include "store_metrics.h"

#include <string.h>

#include "store_impl.h"
#include "store_report.h"

/* Messages by kind and state, their attempts, those retrying, the newest sent. */
static enum ct_status
load_outbox(struct ct_store *store, struct ct_store_metrics *m, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    st = ct_store_prepare(store,
                          "SELECT kind, state, attempts > 0, count(*), sum(attempts), max(sent_at) "
                          "FROM outbox GROUP BY kind, state, attempts > 0",
                          &stmt, err);
    while (st == CT_OK &&
           (st = ct_store_step_row(store, stmt, &row, "count messages", err)) == CT_OK && row) {
        enum ct_outbox_kind kind;
        enum ct_outbox_state state;
        if (!ct_store_outbox_kind_from_sql((const char *)sqlite3_column_text(stmt, 0), &kind) ||
            !ct_store_outbox_state_from_sql((const char *)sqlite3_column_text(stmt, 1), &state) ||
            (unsigned)kind >= CT_METRICS_OUTBOX_KINDS ||
            (unsigned)state >= CT_METRICS_OUTBOX_STATES)
            continue;
        m->messages[kind][state] += sqlite3_column_int64(stmt, 3);
        m->attempts[kind] += sqlite3_column_int64(stmt, 4);
        if (state == CT_OUTBOX_QUEUED && sqlite3_column_int(stmt, 2))
            m->retrying += sqlite3_column_int64(stmt, 3);
        if (sqlite3_column_int64(stmt, 5) > m->last_sent_at)
            m->last_sent_at = sqlite3_column_int64(stmt, 5);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* One integer from sql (no parameters). */
static enum ct_status
load_one(struct ct_store *store, const char *sql, int64_t *out, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    *out = 0;
    st = ct_store_prepare(store, sql, &stmt, err);
    if (st == CT_OK && (st = ct_store_step_row(store, stmt, &row, "count", err)) == CT_OK && row)
        *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
load_states(struct ct_store *store, struct ct_store_metrics *m, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    st = ct_store_prepare(store, "SELECT state, count(*) FROM rounds GROUP BY state", &stmt, err);
    while (st == CT_OK &&
           (st = ct_store_step_row(store, stmt, &row, "count rounds", err)) == CT_OK && row) {
        enum ct_round_state s;
        if (ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 0), &s) &&
            (unsigned)s < CT_METRICS_ROUND_STATES)
            m->rounds[s] = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (st != CT_OK)
        return st;
    st =
        ct_store_prepare(store, "SELECT status, count(*) FROM members GROUP BY status", &stmt, err);
    while (st == CT_OK &&
           (st = ct_store_step_row(store, stmt, &row, "count members", err)) == CT_OK && row) {
        enum ct_member_status s;
        if (ct_store_member_status_from_sql((const char *)sqlite3_column_text(stmt, 0), &s) &&
            (unsigned)s < CT_METRICS_MEMBER_STATES)
            m->members[s] = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_metrics_load(struct ct_store *store, struct ct_store_metrics *out, struct ct_error *err)
{
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    if ((st = ct_store_read_begin(store, err)) != CT_OK)
        return st;
    if ((st = load_outbox(store, out, err)) == CT_OK &&
        (st = load_states(store, out, err)) == CT_OK &&
        (st = load_one(store, "SELECT count(*) FROM replies", &out->replies_recorded, err)) ==
            CT_OK)
        st = load_one(store, "SELECT count(*) FROM held_replies WHERE applied_at IS NULL",
                      &out->replies_held, err);
    ct_store_read_end(store);
    return st;
}
