/*
 * store_replies.c: the SQL of answers, answer windows and imap_seen; see
 * store_replies.h. Which answer wins and when a member is paused are the
 * replies service's rules; this file only reads and writes rows.
 */
#include "store_replies.h"
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
bind_state(sqlite3_stmt *stmt, int i, const char *sql)
{
    sqlite3_bind_text(stmt, i, sql, -1, SQLITE_STATIC);
}

enum ct_status
ct_store_replies_find_group(struct ct_store *store, const char *uid, struct ct_replies_group *g,
                            bool *found, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    *found = false;
    st = ct_store_prepare(store, "SELECT id, sequence, state FROM groups WHERE uid = ?1", &stmt,
                          err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, uid, -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, found, "read group", err);
    if (st == CT_OK && *found) {
        g->id = sqlite3_column_int64(stmt, 0);
        g->sequence = sqlite3_column_int(stmt, 1);
        /* A state the schema does not know reads as planned: not answerable. */
        if (!ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, 2), &g->state))
            g->state = CT_GROUP_PLANNED;
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_replies_group(struct ct_store *store, int64_t id, struct ct_replies_group *g, bool *found,
                       struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    *found = false;
    st =
        ct_store_prepare(store, "SELECT id, sequence, state FROM groups WHERE id = ?1", &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    st = ct_store_step_row(store, stmt, found, "read group", err);
    if (st == CT_OK && *found) {
        g->id = sqlite3_column_int64(stmt, 0);
        g->sequence = sqlite3_column_int(stmt, 1);
        if (!ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, 2), &g->state))
            g->state = CT_GROUP_PLANNED;
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_replies_find_attendee(struct ct_store *store, int64_t group_id, const char *email,
                               int64_t *member_id, bool *found, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    *found = false;
    st = ct_store_prepare(
        store,
        "SELECT gm.member_id FROM group_members gm JOIN members m ON m.id = gm.member_id "
        "WHERE gm.group_id = ?1 AND m.email = ?2 AND gm.removed = 0",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_text(stmt, 2, email, -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, found, "read group member", err);
    if (st == CT_OK && *found)
        *member_id = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_replies_exists(struct ct_store *store, const struct ct_replies_answer *a, bool *exists,
                        struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store,
        "SELECT 1 FROM replies WHERE group_id = ?1 AND member_id = ?2 AND method = ?3 "
        "AND partstat = ?4 AND sequence = ?5 AND dtstamp = ?6 LIMIT 1",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, a->group_id);
    sqlite3_bind_int64(stmt, 2, a->member_id);
    bind_state(stmt, 3, ct_store_reply_method_sql(a->method));
    bind_state(stmt, 4, ct_store_partstat_sql(a->partstat));
    sqlite3_bind_int(stmt, 5, a->sequence);
    sqlite3_bind_int64(stmt, 6, a->dtstamp);
    st = ct_store_step_row(store, stmt, exists, "read replies", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_replies_newer_exists(struct ct_store *store, const struct ct_replies_answer *a,
                              bool *newer, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "SELECT 1 FROM replies WHERE group_id = ?1 AND member_id = ?2 "
                          "AND method = ?5 AND (sequence > ?3 OR (sequence = ?3 AND dtstamp > ?4)) "
                          "LIMIT 1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, a->group_id);
    sqlite3_bind_int64(stmt, 2, a->member_id);
    sqlite3_bind_int(stmt, 3, a->sequence);
    sqlite3_bind_int64(stmt, 4, a->dtstamp);
    bind_state(stmt, 5, ct_store_reply_method_sql(CT_REPLY_METHOD_REPLY));
    st = ct_store_step_row(store, stmt, newer, "read replies", err);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
insert_answer(struct ct_store *store, const struct ct_replies_answer *a, int64_t now,
              struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store,
        "INSERT INTO replies(group_id, member_id, method, partstat, sequence, dtstamp, "
        "proposed_start, comment, received_at, by_organiser) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, a->group_id);
    sqlite3_bind_int64(stmt, 2, a->member_id);
    bind_state(stmt, 3, ct_store_reply_method_sql(a->method));
    bind_state(stmt, 4, ct_store_partstat_sql(a->partstat));
    sqlite3_bind_int(stmt, 5, a->sequence);
    sqlite3_bind_int64(stmt, 6, a->dtstamp);
    if (a->proposed_start)
        sqlite3_bind_int64(stmt, 7, a->proposed_start);
    else
        sqlite3_bind_null(stmt, 7);
    sqlite3_bind_text(stmt, 8, a->comment, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 9, now);
    sqlite3_bind_int(stmt, 10, a->by_organiser ? 1 : 0);
    st = ct_store_step_done(store, stmt, "record reply", err);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
set_partstat(struct ct_store *store, const struct ct_replies_answer *a, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store, "UPDATE group_members SET partstat = ?3 WHERE group_id = ?1 AND member_id = ?2",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, a->group_id);
    sqlite3_bind_int64(stmt, 2, a->member_id);
    bind_state(stmt, 3, ct_store_partstat_sql(a->partstat));
    st = ct_store_step_done(store, stmt, "record answer", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_replies_record(struct ct_txn *txn, const struct ct_replies_answer *a, int64_t now,
                        struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    enum ct_status st = insert_answer(store, a, now, err);

    if (st == CT_OK && a->method == CT_REPLY_METHOD_REPLY)
        st = set_partstat(store, a, err);
    return st;
}

enum ct_status
ct_store_replies_reset_unanswered(struct ct_txn *txn, int64_t member_id, int64_t now,
                                  struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "UPDATE members SET unanswered = 0, updated_at = ?2 "
                          "WHERE id = ?1 AND unanswered <> 0",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_int64(stmt, 2, now);
    st = ct_store_step_done(store, stmt, "reset unanswered count", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_replies_set_unanswered(struct ct_txn *txn, int64_t member_id, int unanswered, bool pause,
                                int64_t now, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          pause
                              ? "UPDATE members SET unanswered = ?2, status = ?4, "
                                "paused_until = NULL, updated_at = ?3 WHERE id = ?1"
                              : "UPDATE members SET unanswered = ?2, updated_at = ?3 WHERE id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_int(stmt, 2, unanswered);
    sqlite3_bind_int64(stmt, 3, now);
    if (pause)
        bind_state(stmt, 4, ct_store_member_status_sql(CT_MEMBER_PAUSED));
    st = ct_store_step_done(store, stmt, pause ? "pause member" : "count unanswered invitation",
                            err);
    sqlite3_finalize(stmt);
    return st;
}

void
ct_replies_attendance_free(struct ct_replies_attendance *list, size_t count)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < count; i++)
        free(list[i].email);
    free(list);
}

static sqlite3_stmt *
attendance_query(struct ct_store *store, int64_t group_id, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;

    if (ct_store_prepare(store,
                         "SELECT gm.member_id, m.email, m.unanswered, "
                         "  gm.partstat IN (?2, ?3) OR EXISTS ("
                         "    SELECT 1 FROM replies r WHERE r.group_id = gm.group_id "
                         "    AND r.member_id = gm.member_id AND r.method = ?4) "
                         "FROM group_members gm JOIN members m ON m.id = gm.member_id "
                         "WHERE gm.group_id = ?1 AND gm.removed = 0 AND m.status = ?5 "
                         "ORDER BY gm.member_id",
                         &stmt, err) != CT_OK)
        return NULL;
    sqlite3_bind_int64(stmt, 1, group_id);
    bind_state(stmt, 2, ct_store_partstat_sql(CT_PARTSTAT_ACCEPTED));
    bind_state(stmt, 3, ct_store_partstat_sql(CT_PARTSTAT_TENTATIVE));
    bind_state(stmt, 4, ct_store_reply_method_sql(CT_REPLY_METHOD_COUNTER));
    bind_state(stmt, 5, ct_store_member_status_sql(CT_MEMBER_ACTIVE));
    return stmt;
}

enum ct_status
ct_store_replies_attendance(struct ct_store *store, int64_t group_id,
                            struct ct_replies_attendance **out, size_t *count, struct ct_error *err)
{
    struct ct_replies_attendance *list = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *stmt;
    enum ct_status st = CT_OK;
    bool row;

    *out = NULL;
    *count = 0;
    if ((stmt = attendance_query(store, group_id, err)) == NULL)
        return err ? err->status : CT_EIO;
    while ((st = ct_store_step_row(store, stmt, &row, "read group members", err)) == CT_OK && row) {
        const char *email = (const char *)sqlite3_column_text(stmt, 1);
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct ct_replies_attendance *grown = realloc(list, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                break;
            }
            list = grown;
            cap = ncap;
        }
        list[n].member_id = sqlite3_column_int64(stmt, 0);
        list[n].email = strdup(email ? email : "(erased)");
        list[n].unanswered = sqlite3_column_int(stmt, 2);
        list[n].answered = sqlite3_column_int(stmt, 3) != 0;
        if (list[n++].email == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
    }
    sqlite3_finalize(stmt);
    *out = list;
    *count = n;
    return st;
}

enum ct_status
ct_store_replies_windows_due(struct ct_store *store, int64_t now, int64_t meeting_window,
                             int64_t **out, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row;

    *out = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT g.id FROM groups g JOIN rounds r ON r.id = g.round_id "
                          "WHERE g.state = ?3 AND g.window_closed_at IS NULL "
                          "AND r.sent_at IS NOT NULL AND r.sent_at + ?2 <= ?1 "
                          "AND (g.slot_start IS NULL OR "
                          "     g.slot_start + COALESCE(g.slot_minutes, 0) * 60 <= ?1) "
                          "ORDER BY r.sent_at, g.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_int64(stmt, 2, meeting_window);
    bind_state(stmt, 3, ct_store_group_state_sql(CT_GROUP_SENT));
    while ((st = ct_store_step_row(store, stmt, &row, "read groups to close", err)) == CT_OK &&
           row) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            int64_t *grown = realloc(ids, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                break;
            }
            ids = grown;
            cap = ncap;
        }
        ids[n++] = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        free(ids);
        return st;
    }
    *out = ids;
    *count = n;
    return CT_OK;
}

enum ct_status
ct_store_replies_close_window(struct ct_txn *txn, int64_t group_id, int64_t now,
                              struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store, "UPDATE groups SET window_closed_at = ?2 WHERE id = ?1", &stmt,
                          err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, now);
    st = ct_store_step_done(store, stmt, "close answer window", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_imap_seen(struct ct_store *store, const struct ct_imap_seen_key *key, bool *seen,
                   struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    *seen = false;
    st = ct_store_prepare(
        store, "SELECT 1 FROM imap_seen WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, key->mailbox, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, key->uidvalidity);
    sqlite3_bind_int64(stmt, 3, key->uid);
    st = ct_store_step_row(store, stmt, seen, "read imap_seen", err);
    /* Finalizing also releases the read snapshot before the next write. */
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_imap_unseen(struct ct_store *store, const char *mailbox, uint32_t uidvalidity,
                     uint32_t *uids, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    size_t i, kept = 0;
    enum ct_status st;
    bool seen = false;

    st = ct_store_prepare(
        store, "SELECT 1 FROM imap_seen WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, mailbox, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, uidvalidity);
    for (i = 0; i < *count; i++) {
        sqlite3_bind_int64(stmt, 3, uids[i]);
        st = ct_store_step_row(store, stmt, &seen, "read imap_seen", err);
        sqlite3_reset(stmt);
        if (st != CT_OK)
            break;
        if (!seen)
            uids[kept++] = uids[i];
    }
    sqlite3_finalize(stmt);
    if (st == CT_OK)
        *count = kept;
    return st;
}

enum ct_status
ct_store_imap_seen_mark(struct ct_txn *txn, const struct ct_imap_seen_key *key,
                        struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store, "INSERT OR IGNORE INTO imap_seen(mailbox, uidvalidity, uid) VALUES (?1, ?2, ?3)",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, key->mailbox, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, key->uidvalidity);
    sqlite3_bind_int64(stmt, 3, key->uid);
    st = ct_store_step_done(store, stmt, "remember processed message", err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- members' own event UIDs ------------------------------------------- */

/* A heap copy of column i, or NULL for NULL; *nomem set when the copy failed. */
static char *
column_dup(sqlite3_stmt *stmt, int i, bool *nomem)
{
    const char *v = (const char *)sqlite3_column_text(stmt, i);
    char *copy;

    if (v == NULL)
        return NULL;
    if ((copy = strdup(v)) == NULL)
        *nomem = true;
    return copy;
}

enum ct_status
ct_store_replies_member_uid(struct ct_store *store, int64_t group_id, int64_t member_id, char **uid,
                            struct ct_error *err)
{
    static const char sql[] =
        "SELECT uid FROM group_members WHERE group_id = ?1 AND member_id = ?2";
    sqlite3_stmt *stmt;
    enum ct_status st;
    bool row = false, nomem = false;

    *uid = NULL;
    st = ct_store_cached(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    st = ct_store_step_row(store, stmt, &row, "read a member's event UID", err);
    if (st == CT_OK && row)
        *uid = column_dup(stmt, 0, &nomem);
    ct_store_release(stmt);
    if (st == CT_OK && nomem)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    return st;
}

enum ct_status
ct_store_replies_set_member_uid(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                const char *uid, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    static const char sql[] =
        "UPDATE group_members SET uid = ?3 WHERE group_id = ?1 AND member_id = ?2";
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_cached(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, uid, -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "store a member's event UID", err);
    ct_store_release(stmt);
    return st;
}

enum ct_status
ct_store_replies_claim_member_uid(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                  const char *uid, bool *claimed, struct ct_error *err)
{
    static const char sql[] = "UPDATE group_members SET uid = ?3"
                              " WHERE group_id = ?1 AND member_id = ?2 AND uid IS NULL";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    *claimed = false;
    if ((st = ct_store_cached(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, uid, -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "store a member's event UID", err);
    if (st == CT_OK)
        *claimed = sqlite3_changes(ct_store_sqlite(store)) > 0;
    ct_store_release(stmt);
    return st;
}

void
ct_replies_owners_clear(struct ct_replies_owner *owners, size_t count)
{
    size_t i;

    for (i = 0; owners && i < count; i++) {
        free(owners[i].email);
        owners[i].email = NULL;
    }
}

enum ct_status
ct_store_replies_owners(struct ct_store *store, const char *uid, struct ct_replies_owner *owners,
                        size_t max, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;
    bool row, nomem = false;

    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT gm.group_id, gm.member_id, m.email, gm.removed, g.sequence, "
                          "g.state FROM group_members gm JOIN groups g ON g.id = gm.group_id "
                          "JOIN members m ON m.id = gm.member_id WHERE gm.uid = ?1 "
                          "ORDER BY gm.group_id, gm.member_id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, uid, -1, SQLITE_STATIC);
    while (*count < max &&
           (st = ct_store_step_row(store, stmt, &row, "read who holds a UID", err)) == CT_OK &&
           row) {
        struct ct_replies_owner *o = &owners[(*count)++];
        o->group_id = sqlite3_column_int64(stmt, 0);
        o->member_id = sqlite3_column_int64(stmt, 1);
        o->email = column_dup(stmt, 2, &nomem);
        o->removed = sqlite3_column_int(stmt, 3) != 0;
        o->sequence = sqlite3_column_int(stmt, 4);
        /* A state the schema does not know reads as planned: not answerable. */
        if (!ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, 5), &o->state))
            o->state = CT_GROUP_PLANNED;
    }
    sqlite3_finalize(stmt);
    if (st == CT_OK && nomem)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    if (st != CT_OK) {
        ct_replies_owners_clear(owners, *count);
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_replies_partstat(struct ct_store *store, int64_t group_id, int64_t member_id,
                          enum ct_partstat *partstat, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;
    bool row = false;

    *partstat = CT_PARTSTAT_NEEDS_ACTION;
    st = ct_store_prepare(
        store, "SELECT partstat FROM group_members WHERE group_id = ?1 AND member_id = ?2", &stmt,
        err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    st = ct_store_step_row(store, stmt, &row, "read an answer", err);
    if (st == CT_OK && row &&
        !ct_store_partstat_from_sql((const char *)sqlite3_column_text(stmt, 0), partstat))
        *partstat = CT_PARTSTAT_NEEDS_ACTION;
    sqlite3_finalize(stmt);
    return st;
}

/* ---- held replies ------------------------------------------------------ */

static void
bind_text_or_null(sqlite3_stmt *stmt, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, i);
}

static void
bind_id_or_null(sqlite3_stmt *stmt, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(stmt, i, id);
    else
        sqlite3_bind_null(stmt, i);
}

enum ct_status
ct_store_replies_hold(struct ct_txn *txn, const struct ct_replies_held *h, int64_t *id,
                      struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "INSERT INTO held_replies(received_at, source, sender, event_uid, "
                          "group_id, owner_id, attendee, method, partstat, sequence, dtstamp, "
                          "proposed_start, comment, reason) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, h->received_at);
    bind_text_or_null(stmt, 2, h->source);
    bind_text_or_null(stmt, 3, h->sender);
    bind_text_or_null(stmt, 4, h->event_uid);
    bind_id_or_null(stmt, 5, h->group_id);
    bind_id_or_null(stmt, 6, h->owner_id);
    sqlite3_bind_text(stmt, 7, h->attendee ? h->attendee : "", -1, SQLITE_STATIC);
    bind_state(stmt, 8, ct_store_reply_method_sql(h->method));
    bind_state(stmt, 9, ct_store_partstat_sql(h->partstat));
    sqlite3_bind_int(stmt, 10, h->sequence);
    sqlite3_bind_int64(stmt, 11, h->dtstamp);
    bind_id_or_null(stmt, 12, h->proposed_start);
    bind_text_or_null(stmt, 13, h->comment);
    sqlite3_bind_text(stmt, 14, h->reason ? h->reason : "", -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "hold a reply", err);
    if (st == CT_OK && id)
        *id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
    sqlite3_finalize(stmt);
    return st;
}

void
ct_replies_held_free(struct ct_replies_held *list, size_t count)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < count; i++) {
        free(list[i].source);
        free(list[i].sender);
        free(list[i].event_uid);
        free(list[i].owner_email);
        free(list[i].attendee);
        free(list[i].comment);
        free(list[i].reason);
    }
    free(list);
}

/* Row stmt of the held-replies query into h. */
static bool
read_held(sqlite3_stmt *stmt, struct ct_replies_held *h)
{
    bool nomem = false;

    memset(h, 0, sizeof(*h));
    h->id = sqlite3_column_int64(stmt, 0);
    h->received_at = sqlite3_column_int64(stmt, 1);
    h->source = column_dup(stmt, 2, &nomem);
    h->sender = column_dup(stmt, 3, &nomem);
    h->event_uid = column_dup(stmt, 4, &nomem);
    h->group_id = sqlite3_column_int64(stmt, 5);
    h->owner_id = sqlite3_column_int64(stmt, 6);
    h->owner_email = column_dup(stmt, 7, &nomem);
    h->attendee = column_dup(stmt, 8, &nomem);
    if (!ct_store_reply_method_from_sql((const char *)sqlite3_column_text(stmt, 9), &h->method))
        h->method = CT_REPLY_METHOD_REPLY;
    if (!ct_store_partstat_from_sql((const char *)sqlite3_column_text(stmt, 10), &h->partstat))
        h->partstat = CT_PARTSTAT_OTHER;
    h->sequence = sqlite3_column_int(stmt, 11);
    h->dtstamp = sqlite3_column_int64(stmt, 12);
    h->proposed_start = sqlite3_column_int64(stmt, 13);
    h->comment = column_dup(stmt, 14, &nomem);
    h->reason = column_dup(stmt, 15, &nomem);
    h->applied_at = sqlite3_column_int64(stmt, 16);
    h->applied_member_id = sqlite3_column_int64(stmt, 17);
    return !nomem;
}

static sqlite3_stmt *
held_query(struct ct_store *store, const struct ct_replies_held_filter *f, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;

    if (ct_store_prepare(store,
                         "SELECT h.id, h.received_at, h.source, h.sender, h.event_uid, "
                         "h.group_id, h.owner_id, m.email, h.attendee, h.method, h.partstat, "
                         "h.sequence, h.dtstamp, h.proposed_start, h.comment, h.reason, "
                         "h.applied_at, h.applied_member_id "
                         "FROM held_replies h LEFT JOIN members m ON m.id = h.owner_id "
                         "LEFT JOIN groups g ON g.id = h.group_id "
                         "WHERE (?1 = 0 OR h.id = ?1) AND (?2 = 0 OR h.group_id = ?2) "
                         "AND (?3 = 0 OR g.round_id = ?3) AND (?4 OR h.applied_at IS NULL) "
                         "ORDER BY h.id",
                         &stmt, err) != CT_OK)
        return NULL;
    sqlite3_bind_int64(stmt, 1, f ? f->id : 0);
    sqlite3_bind_int64(stmt, 2, f ? f->group_id : 0);
    sqlite3_bind_int64(stmt, 3, f ? f->round_id : 0);
    sqlite3_bind_int(stmt, 4, f && f->applied ? 1 : 0);
    return stmt;
}

enum ct_status
ct_store_replies_held_list(struct ct_store *store, const struct ct_replies_held_filter *filter,
                           struct ct_replies_held **out, size_t *count, struct ct_error *err)
{
    struct ct_replies_held *list = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *stmt;
    enum ct_status st = CT_OK;
    bool row;

    *out = NULL;
    *count = 0;
    if ((stmt = held_query(store, filter, err)) == NULL)
        return err ? err->status : CT_EIO;
    while ((st = ct_store_step_row(store, stmt, &row, "read held replies", err)) == CT_OK && row) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct ct_replies_held *grown = realloc(list, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                break;
            }
            list = grown;
            cap = ncap;
        }
        if (!read_held(stmt, &list[n++])) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_replies_held_free(list, n);
        return st;
    }
    *out = list;
    *count = n;
    return CT_OK;
}

enum ct_status
ct_store_replies_held_applied(struct ct_txn *txn, int64_t id, int64_t member_id, int64_t now,
                              struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "UPDATE held_replies SET applied_at = ?2, applied_member_id = ?3 "
                          "WHERE id = ?1 AND applied_at IS NULL",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, now);
    sqlite3_bind_int64(stmt, 3, member_id);
    st = ct_store_step_done(store, stmt, "mark a held reply applied", err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- the organiser's view ---------------------------------------------- */

void
ct_replies_member_answers_free(struct ct_replies_member_answer *list, size_t count)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < count; i++) {
        free(list[i].email);
        free(list[i].name);
        free(list[i].comment);
    }
    free(list);
}

static sqlite3_stmt *
answers_query(struct ct_store *store, int64_t group_id, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;

    if (ct_store_prepare(
            store,
            "SELECT gm.member_id, m.email, m.name, gm.removed, gm.partstat, "
            "  (SELECT r.proposed_start FROM replies r WHERE r.group_id = gm.group_id "
            "   AND r.member_id = gm.member_id AND r.method = ?2 ORDER BY r.id DESC LIMIT 1), "
            "  (SELECT r.comment FROM replies r WHERE r.group_id = gm.group_id "
            "   AND r.member_id = gm.member_id ORDER BY r.id DESC LIMIT 1), "
            "  (SELECT count(*) FROM held_replies h WHERE h.group_id = gm.group_id "
            "   AND h.owner_id = gm.member_id AND h.applied_at IS NULL) "
            "FROM group_members gm JOIN members m ON m.id = gm.member_id "
            "WHERE gm.group_id = ?1 ORDER BY gm.member_id",
            &stmt, err) != CT_OK)
        return NULL;
    sqlite3_bind_int64(stmt, 1, group_id);
    bind_state(stmt, 2, ct_store_reply_method_sql(CT_REPLY_METHOD_COUNTER));
    return stmt;
}

enum ct_status
ct_store_replies_group_answers(struct ct_store *store, int64_t group_id,
                               struct ct_replies_member_answer **out, size_t *count,
                               struct ct_error *err)
{
    struct ct_replies_member_answer *list = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *stmt;
    enum ct_status st = CT_OK;
    bool row, nomem = false;

    *out = NULL;
    *count = 0;
    if ((stmt = answers_query(store, group_id, err)) == NULL)
        return err ? err->status : CT_EIO;
    while ((st = ct_store_step_row(store, stmt, &row, "read answers", err)) == CT_OK && row) {
        struct ct_replies_member_answer *a;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct ct_replies_member_answer *grown = realloc(list, ncap * sizeof(*grown));
            if (grown == NULL) {
                nomem = true;
                break;
            }
            list = grown;
            cap = ncap;
        }
        a = &list[n++];
        memset(a, 0, sizeof(*a));
        a->member_id = sqlite3_column_int64(stmt, 0);
        a->email = column_dup(stmt, 1, &nomem);
        a->name = column_dup(stmt, 2, &nomem);
        a->removed = sqlite3_column_int(stmt, 3) != 0;
        if (!ct_store_partstat_from_sql((const char *)sqlite3_column_text(stmt, 4), &a->answer))
            a->answer = CT_PARTSTAT_NEEDS_ACTION;
        a->proposed_start = sqlite3_column_int64(stmt, 5);
        a->comment = column_dup(stmt, 6, &nomem);
        a->held = (size_t)sqlite3_column_int64(stmt, 7);
        if (nomem)
            break;
    }
    sqlite3_finalize(stmt);
    if (st == CT_OK && nomem)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    if (st != CT_OK) {
        ct_replies_member_answers_free(list, n);
        return st;
    }
    *out = list;
    *count = n;
    return CT_OK;
}
