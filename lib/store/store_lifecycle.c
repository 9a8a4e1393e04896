/*
 * store_lifecycle.c: the SQL of lifecycle messages: who was sent which
 * welcome, reminder and check-in, and who is due one; see store_lifecycle.h.
 */
#include "store_lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

void
ct_store_life_due_free(struct ct_store_life_due *v, size_t count)
{
    size_t i;

    for (i = 0; v && i < count; i++) {
        free(v[i].email);
        free(v[i].name);
    }
    free(v);
}

enum ct_status
ct_store_life_mark(struct ct_txn *txn, int64_t member_id, enum ct_lifecycle_kind kind,
                   const char *key, int64_t now, bool *fresh, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *fresh = false;
    st = ct_store_prepare(store,
                          "INSERT OR IGNORE INTO lifecycle_sent(member_id, kind, key, at)"
                          " VALUES (?1, ?2, ?3, ?4)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_int(stmt, 2, (int)kind);
    sqlite3_bind_text(stmt, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, now);
    st = ct_store_step_done(store, stmt, "record a lifecycle message", err);
    if (st == CT_OK)
        *fresh = sqlite3_changes(ct_store_sqlite(store)) == 1;
    sqlite3_finalize(stmt);
    return st;
}

/* Read every row of stmt (member_id, email, name[, round_id, group_id, date, slot_start]). */
static enum ct_status
read_due(struct ct_store *store, sqlite3_stmt *stmt, bool group, struct ct_store_life_due **v,
         size_t *count, struct ct_error *err)
{
    size_t cap = 0;
    bool failed = false;
    int rc;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_store_life_due *d;
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_store_life_due *nv = realloc(*v, ncap * sizeof(*nv));
            if (nv == NULL)
                return ct_error_set(err, CT_ENOMEM, "out of memory");
            *v = nv;
            cap = ncap;
        }
        d = &(*v)[(*count)++];
        memset(d, 0, sizeof(*d));
        d->member_id = sqlite3_column_int64(stmt, 0);
        d->email = ct_store_column_dup(stmt, 1, &failed);
        d->name = ct_store_column_dup(stmt, 2, &failed);
        if (group) {
            const unsigned char *date = sqlite3_column_text(stmt, 5);
            d->round_id = sqlite3_column_int64(stmt, 3);
            d->group_id = sqlite3_column_int64(stmt, 4);
            snprintf(d->date, sizeof(d->date), "%s", date ? (const char *)date : "");
            d->slot_start = sqlite3_column_int64(stmt, 6);
        }
        if (failed)
            return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    return rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "find lifecycle messages due");
}

enum ct_status
ct_store_life_members_due(struct ct_store *store, enum ct_lifecycle_kind kind, const char *key,
                          size_t limit, struct ct_store_life_due **v, size_t *count,
                          struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *v = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT m.id, m.email, m.name FROM members m WHERE m.status = ?1"
                          " AND m.email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lifecycle_sent s"
                          " WHERE s.member_id = m.id AND s.kind = ?2 AND s.key = ?3)"
                          " ORDER BY m.id LIMIT ?4",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, ct_store_member_status_sql(CT_MEMBER_ACTIVE), -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, (int)kind);
    sqlite3_bind_text(stmt, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, (int64_t)limit);
    st = read_due(store, stmt, false, v, count, err);
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_life_due_free(*v, *count);
        *v = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_life_checkins_due(struct ct_store *store, int64_t ended_after, int64_t ended_by,
                           size_t limit, struct ct_store_life_due **v, size_t *count,
                           struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *v = NULL;
    *count = 0;
    st = ct_store_prepare(
        store,
        "SELECT m.id, m.email, m.name, g.round_id, g.id, r.date, g.slot_start"
        " FROM groups g JOIN rounds r ON r.id = g.round_id"
        " JOIN group_members gm ON gm.group_id = g.id JOIN members m ON m.id = gm.member_id"
        " WHERE r.state = ?1 AND g.state = ?2 AND gm.removed = 0 AND gm.partstat <> ?3"
        " AND m.status = ?4 AND m.email IS NOT NULL AND g.slot_start IS NOT NULL"
        " AND g.slot_start + g.slot_minutes * 60 > ?5 AND g.slot_start + g.slot_minutes * 60 <= ?6"
        " AND NOT EXISTS (SELECT 1 FROM lifecycle_sent s WHERE s.member_id = m.id"
        "   AND s.kind = ?7 AND s.key = CAST(g.id AS TEXT))"
        " ORDER BY g.id, m.id LIMIT ?8",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(CT_GROUP_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_partstat_sql(CT_PARTSTAT_DECLINED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ct_store_member_status_sql(CT_MEMBER_ACTIVE), -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, ended_after);
    sqlite3_bind_int64(stmt, 6, ended_by);
    sqlite3_bind_int(stmt, 7, (int)CT_LIFE_CHECKIN);
    sqlite3_bind_int64(stmt, 8, (int64_t)limit);
    st = read_due(store, stmt, true, v, count, err);
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_life_due_free(*v, *count);
        *v = NULL;
        *count = 0;
    }
    return st;
}
