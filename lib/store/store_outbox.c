/*
 * store_outbox.c: the SQL of the outbox table; see store_outbox.h. The
 * delivery rules (backoff, which claims are abandoned) are the outbox
 * service's; this file only reads and writes rows.
 */
#include "store_outbox.h"
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ROW_COLUMNS                                                                                \
    "id, message_id, kind, state, coalesce(group_id, 0), coalesce(member_id, 0), recipient, "      \
    "subject, method, last_error, attempts, next_attempt_at, coalesce(claimed_by, 0), "            \
    "coalesce(claimed_at, 0), created_at, coalesce(sent_at, 0)"
#define MESSAGE_COLUMNS ", text_body, html_body, ics, message, recipe"

void
ct_outbox_row_clear(struct ct_outbox_row *r)
{
    if (r == NULL)
        return;
    free(r->message_id);
    free(r->recipient);
    free(r->subject);
    free(r->method);
    free(r->text_body);
    free(r->html_body);
    free(r->ics);
    free(r->message);
    free(r->recipe);
    free(r->last_error);
    memset(r, 0, sizeof(*r));
}

void
ct_outbox_rows_free(struct ct_outbox_row *rows, size_t count)
{
    size_t i;

    if (rows == NULL)
        return;
    for (i = 0; i < count; i++)
        ct_outbox_row_clear(&rows[i]);
    free(rows);
}

static enum ct_status
insert_row(struct ct_store *store, const struct ct_outbox_entry *e, int64_t now,
           struct ct_error *err)
{
    static const char sql[] = "INSERT INTO outbox (message_id, kind, group_id, member_id, "
                              "recipient, subject, method, text_body, html_body, ics, message, "
                              "state, attempts, next_attempt_at, created_at, recipe) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13, 0, "
                              "?12, ?12, ?14)";
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    /* Prepared once per connection: a send queues a message per member. */
    st = ct_store_cached(store, sql, &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "queue message");
    sqlite3_bind_text(stmt, 1, e->message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_kind_sql(e->kind), -1, SQLITE_STATIC);
    if (e->group_id > 0)
        sqlite3_bind_int64(stmt, 3, e->group_id);
    if (e->member_id > 0)
        sqlite3_bind_int64(stmt, 4, e->member_id);
    sqlite3_bind_text(stmt, 5, e->recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, e->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, e->method, -1, SQLITE_STATIC);
    /* A recipe stands for the message: the bodies are made from it at delivery. */
    sqlite3_bind_text(stmt, 8, e->recipe ? "" : e->text_body, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, e->html_body, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 10, e->ics, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(stmt, 11, e->message ? e->message : "", e->message_len, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 12, now);
    sqlite3_bind_text(stmt, 13, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    if (e->recipe) {
        sqlite3_bind_null(stmt, 9);
        sqlite3_bind_null(stmt, 10);
        sqlite3_bind_blob64(stmt, 11, "", 0, SQLITE_STATIC);
        sqlite3_bind_blob64(stmt, 14, e->recipe, e->recipe_len, SQLITE_STATIC);
    }
    st = ct_store_step_done(store, stmt, "queue message", err);
    if (st != CT_OK)
        ct_error_prefix(err, "message %s to %s", e->message_id ? e->message_id : "?",
                        e->recipient ? e->recipient : "?");
    ct_store_release(stmt);
    return st;
}

enum ct_status
ct_store_outbox_enqueue(struct ct_txn *txn, const struct ct_outbox_entry *entry, int64_t now,
                        struct ct_error *err)
{
    return insert_row(ct_txn_store(txn), entry, now, err);
}

/* A heap copy of a blob column; an empty blob is a 1-byte buffer, never NULL. */
static void *
column_blob_dup(sqlite3_stmt *stmt, int col, size_t *len, bool *failed)
{
    const void *blob = sqlite3_column_blob(stmt, col);
    size_t n = (size_t)sqlite3_column_bytes(stmt, col);
    void *copy = malloc(n ? n : 1);

    *len = n;
    if (copy == NULL) {
        *failed = true;
        return NULL;
    }
    if (n > 0)
        memcpy(copy, blob, n);
    return copy;
}

/* Fill r from the current row of a query selecting ROW_COLUMNS [MESSAGE_COLUMNS]. */
static bool
read_row(sqlite3_stmt *stmt, bool with_message, struct ct_outbox_row *r)
{
    bool failed = false;

    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(stmt, 0);
    r->message_id = ct_store_column_dup(stmt, 1, &failed);
    (void)ct_store_outbox_kind_from_sql((const char *)sqlite3_column_text(stmt, 2), &r->kind);
    (void)ct_store_outbox_state_from_sql((const char *)sqlite3_column_text(stmt, 3), &r->state);
    r->group_id = sqlite3_column_int64(stmt, 4);
    r->member_id = sqlite3_column_int64(stmt, 5);
    r->recipient = ct_store_column_dup(stmt, 6, &failed);
    r->subject = ct_store_column_dup(stmt, 7, &failed);
    r->method = ct_store_column_dup(stmt, 8, &failed);
    r->last_error = ct_store_column_dup(stmt, 9, &failed);
    r->attempts = sqlite3_column_int(stmt, 10);
    r->next_attempt_at = sqlite3_column_int64(stmt, 11);
    r->claimed_by = sqlite3_column_int64(stmt, 12);
    r->claimed_at = sqlite3_column_int64(stmt, 13);
    r->created_at = sqlite3_column_int64(stmt, 14);
    r->sent_at = sqlite3_column_int64(stmt, 15);
    if (with_message) {
        r->text_body = ct_store_column_dup(stmt, 16, &failed);
        r->html_body = ct_store_column_dup(stmt, 17, &failed);
        r->ics = ct_store_column_dup(stmt, 18, &failed);
        r->message = column_blob_dup(stmt, 19, &r->message_len, &failed);
        if (sqlite3_column_type(stmt, 20) != SQLITE_NULL)
            r->recipe = column_blob_dup(stmt, 20, &r->recipe_len, &failed);
    }
    return !failed;
}

/*
 * The query for a filter: only the conditions it sets, so a lookup by id
 * stays a rowid lookup. Parameters: ?1 id, ?2 claimed_by, ?3..?7 states,
 * ?8 round, ?9..?11 kinds.
 */
static enum ct_status
prepare_load(struct ct_store *store, const struct ct_outbox_filter *f, sqlite3_stmt **stmt,
             struct ct_error *err)
{
    struct ct_buf sql;
    enum ct_status st;
    int i;

    ct_buf_init(&sql);
    ct_buf_puts(&sql, "SELECT " ROW_COLUMNS);
    if (f->with_message)
        ct_buf_puts(&sql, MESSAGE_COLUMNS);
    ct_buf_puts(&sql, " FROM outbox WHERE 1");
    if (f->id != 0)
        ct_buf_puts(&sql, " AND id = ?1");
    if (f->claimed_by != 0)
        ct_buf_puts(&sql, " AND claimed_by = ?2");
    if (f->state_mask != 0)
        ct_buf_puts(&sql, " AND state IN (?3, ?4, ?5, ?6, ?7)");
    if (f->round_id != 0)
        ct_buf_puts(&sql, " AND group_id IN (SELECT id FROM groups WHERE round_id = ?8)");
    if (f->kind_mask != 0)
        ct_buf_puts(&sql, " AND kind IN (?9, ?10, ?11)");
    ct_buf_puts(&sql, " ORDER BY id");
    if (sql.failed) {
        ct_buf_free(&sql);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    st = ct_store_prepare(store, sql.data, stmt, err);
    ct_buf_free(&sql);
    if (st != CT_OK)
        return ct_error_prefix(err, "read outbox");
    if (f->id != 0)
        sqlite3_bind_int64(*stmt, 1, f->id);
    if (f->claimed_by != 0)
        sqlite3_bind_int64(*stmt, 2, f->claimed_by);
    for (i = 0; f->state_mask != 0 && i < CT_OUTBOX_STATES; i++)
        if (f->state_mask & (1u << i))
            sqlite3_bind_text(*stmt, 3 + i, ct_store_outbox_state_sql((enum ct_outbox_state)i), -1,
                              SQLITE_STATIC);
    if (f->round_id != 0)
        sqlite3_bind_int64(*stmt, 8, f->round_id);
    for (i = 0; f->kind_mask != 0 && i <= CT_OUTBOX_NOTICE; i++)
        if (f->kind_mask & (1u << i))
            sqlite3_bind_text(*stmt, 9 + i, ct_store_outbox_kind_sql((enum ct_outbox_kind)i), -1,
                              SQLITE_STATIC);
    return CT_OK;
}

static enum ct_status
append_row(struct ct_outbox_row **rows, size_t *count, size_t *cap, struct ct_error *err)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 32;
        struct ct_outbox_row *grown = realloc(*rows, ncap * sizeof(*grown));
        if (grown == NULL)
            return ct_error_set(err, CT_ENOMEM, "out of memory");
        *rows = grown;
        *cap = ncap;
    }
    (*count)++;
    return CT_OK;
}

enum ct_status
ct_store_outbox_load(struct ct_store *store, const struct ct_outbox_filter *filter,
                     struct ct_outbox_row **rows, size_t *count, struct ct_error *err)
{
    static const struct ct_outbox_filter all = {0};
    const struct ct_outbox_filter *f = filter ? filter : &all;
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    enum ct_status st;
    bool row;

    *rows = NULL;
    *count = 0;
    st = prepare_load(store, f, &stmt, err);
    if (st != CT_OK)
        return st;
    for (;;) {
        st = ct_store_step_row(store, stmt, &row, "read outbox", err);
        if (st != CT_OK || !row)
            break;
        st = append_row(rows, count, &cap, err);
        if (st != CT_OK)
            break;
        if (!read_row(stmt, f->with_message, &(*rows)[*count - 1])) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_outbox_rows_free(*rows, *count);
        *rows = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_outbox_summarise(struct ct_store *store, struct ct_outbox_summary *summary,
                          struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row;

    memset(summary, 0, sizeof(*summary));
    st = ct_store_prepare(store,
                          "SELECT state, count(*), min(next_attempt_at) FROM outbox GROUP BY state",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "count outbox");
    for (;;) {
        enum ct_outbox_state s;

        st = ct_store_step_row(store, stmt, &row, "count outbox", err);
        if (st != CT_OK || !row)
            break;
        if (!ct_store_outbox_state_from_sql((const char *)sqlite3_column_text(stmt, 0), &s))
            continue;
        summary->count[s] = (long)sqlite3_column_int64(stmt, 1);
        summary->next_attempt_at[s] = sqlite3_column_int64(stmt, 2);
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_next_due(struct ct_store *store, int64_t *due, bool *found, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row;

    *due = 0;
    *found = false;
    st = ct_store_prepare(store, "SELECT min(next_attempt_at) FROM outbox WHERE state IN (?1, ?2)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "read outbox");
    sqlite3_bind_text(stmt, 1, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_state_sql(CT_OUTBOX_SENDING), -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, &row, "read outbox", err);
    if (st == CT_OK && row && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        *due = sqlite3_column_int64(stmt, 0);
        *found = true;
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_pending(struct ct_store *store, long *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row;

    *count = 0;
    st = ct_store_prepare(store, "SELECT count(*) FROM outbox WHERE state IN (?1, ?2)", &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "count outbox");
    sqlite3_bind_text(stmt, 1, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_state_sql(CT_OUTBOX_SENDING), -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, &row, "count outbox", err);
    if (st == CT_OK && row)
        *count = (long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return st;
}

static int
compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

enum ct_status
ct_store_outbox_claim(struct ct_txn *txn, int64_t due, int max, int64_t pid, int64_t now,
                      int64_t *ids, int *count, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row;

    *count = 0;
    st = ct_store_prepare(store,
                          "UPDATE outbox SET state = ?5, claimed_by = ?1, "
                          "claimed_at = ?2 WHERE id IN (SELECT id FROM outbox "
                          "WHERE state = ?6 AND next_attempt_at <= ?3 "
                          "ORDER BY next_attempt_at, id LIMIT ?4) RETURNING id",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "claim outbox messages");
    sqlite3_bind_int64(stmt, 1, pid);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_int64(stmt, 3, due);
    sqlite3_bind_int(stmt, 4, max);
    sqlite3_bind_text(stmt, 5, ct_store_outbox_state_sql(CT_OUTBOX_SENDING), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    for (;;) {
        st = ct_store_step_row(store, stmt, &row, "claim outbox messages", err);
        if (st != CT_OK || !row)
            break;
        if (*count < max)
            ids[(*count)++] = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        *count = 0;
    qsort(ids, (size_t)*count, sizeof(*ids), compare_ids);
    return st;
}

#define RECORD_SQL                                                                                 \
    "UPDATE outbox SET state = ?2, attempts = ?3, "                                                \
    "next_attempt_at = ?4, last_error = ?5, "                                                      \
    "sent_at = CASE WHEN ?2 = ?8 THEN ?6 ELSE sent_at END, "                                       \
    "claimed_by = NULL, claimed_at = NULL "                                                        \
    "WHERE id = ?1 AND state = ?9 AND claimed_by = ?7"

/* Bind one outcome to a prepared RECORD_SQL and run it (the statement is reset after). */
static enum ct_status
record_step(struct ct_store *store, sqlite3_stmt *stmt, int64_t id, int64_t pid,
            const struct ct_outbox_outcome *o, int64_t now, struct ct_error *err)
{
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_state_sql(o->state), -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, o->attempts);
    sqlite3_bind_int64(stmt, 4, o->next_attempt_at);
    sqlite3_bind_text(stmt, 5, o->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 6, now);
    sqlite3_bind_int64(stmt, 7, pid);
    sqlite3_bind_text(stmt, 8, ct_store_outbox_state_sql(CT_OUTBOX_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, ct_store_outbox_state_sql(CT_OUTBOX_SENDING), -1, SQLITE_STATIC);
    return ct_store_step_done(store, stmt, "record delivery", err);
}

enum ct_status
ct_store_outbox_record(struct ct_txn *txn, int64_t id, int64_t pid,
                       const struct ct_outbox_outcome *o, int64_t now, struct ct_error *err)
{
    return ct_store_outbox_record_batch(txn, pid, &id, o, NULL, 1, now, err);
}

enum ct_status
ct_store_outbox_record_batch(struct ct_txn *txn, int64_t pid, const int64_t *ids,
                             const struct ct_outbox_outcome *outcomes, const bool *tried, size_t n,
                             int64_t now, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t i;

    st = ct_store_prepare(store, RECORD_SQL, &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "record delivery");
    for (i = 0; st == CT_OK && i < n; i++)
        if (tried == NULL || tried[i])
            st = record_step(store, stmt, ids[i], pid, &outcomes[i], now, err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_load_claimed(struct ct_store *store, int64_t pid, const int64_t *ids, size_t n,
                             struct ct_outbox_row *rows, size_t *count, struct ct_error *err)
{
    struct ct_outbox_filter f = {.state_mask = 1u << CT_OUTBOX_SENDING,
                                 .id = 1, /* bound per row below */
                                 .claimed_by = pid,
                                 .with_message = true};
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t i;
    bool row;

    *count = 0;
    st = prepare_load(store, &f, &stmt, err);
    for (i = 0; st == CT_OK && i < n; i++) {
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, ids[i]);
        st = ct_store_step_row(store, stmt, &row, "read outbox", err);
        if (st == CT_OK && row && !read_row(stmt, true, &rows[(*count)++]))
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        for (i = 0; i < *count; i++)
            ct_outbox_row_clear(&rows[i]);
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_outbox_unclaim(struct ct_txn *txn, int64_t id, int64_t pid, const char *note,
                        struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "UPDATE outbox SET state = ?4, claimed_by = NULL, claimed_at = NULL, "
                          "last_error = coalesce(?3, last_error) "
                          "WHERE id = ?1 AND state = ?5 AND (?2 = 0 OR claimed_by = ?2)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "reclaim outbox");
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, pid);
    sqlite3_bind_text(stmt, 3, note, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, ct_store_outbox_state_sql(CT_OUTBOX_SENDING), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "reclaim outbox", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_drop(struct ct_txn *txn, int64_t id, bool *dropped, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *dropped = false;
    st = ct_store_prepare(store,
                          "UPDATE outbox SET state = ?2, last_error = 'dropped by the organiser' "
                          "WHERE id = ?1 AND state = ?3 AND claimed_by IS NULL",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "drop outbox message");
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_state_sql(CT_OUTBOX_DROPPED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "drop outbox message", err);
    if (st == CT_OK)
        *dropped = sqlite3_changes(sqlite3_db_handle(stmt)) == 1;
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_release(struct ct_txn *txn, int64_t pid, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "UPDATE outbox SET state = ?2, claimed_by = NULL, "
                          "claimed_at = NULL WHERE state = ?3 AND claimed_by = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "release outbox claims");
    sqlite3_bind_int64(stmt, 1, pid);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_outbox_state_sql(CT_OUTBOX_SENDING), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "release outbox claims", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_requeue(struct ct_txn *txn, int64_t id, int64_t now, long *count,
                        struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *count = 0;
    st = ct_store_prepare(store,
                          "UPDATE outbox SET next_attempt_at = ?2, "
                          "attempts = CASE WHEN state = ?3 THEN 0 ELSE attempts END, "
                          "state = ?4 "
                          "WHERE (?1 = 0 AND state = ?3) OR (?1 > 0 AND id = ?1)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "requeue");
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_text(stmt, 3, ct_store_outbox_state_sql(CT_OUTBOX_DEAD), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ct_store_outbox_state_sql(CT_OUTBOX_QUEUED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "requeue", err);
    if (st == CT_OK)
        *count = sqlite3_changes(sqlite3_db_handle(stmt));
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outbox_compact(struct ct_txn *txn, int64_t before, int max, long *count,
                        struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *count = 0;
    st = ct_store_prepare(store,
                          "UPDATE outbox SET text_body = '', html_body = NULL, ics = NULL,"
                          " message = X'', recipe = NULL WHERE id IN (SELECT id FROM outbox"
                          " WHERE state = ?1 AND sent_at < ?2 AND (recipe IS NOT NULL"
                          " OR length(message) > 0 OR length(text_body) > 0) LIMIT ?3)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "compact the outbox");
    sqlite3_bind_text(stmt, 1, ct_store_outbox_state_sql(CT_OUTBOX_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, before);
    sqlite3_bind_int(stmt, 3, max);
    st = ct_store_step_done(store, stmt, "compact the outbox", err);
    if (st == CT_OK)
        *count = (long)sqlite3_changes(sqlite3_db_handle(stmt));
    sqlite3_finalize(stmt);
    return st;
}
