/*
 * store_outcomes.c: the SQL of the outcomes family: group look-ups for
 * outcome checks, outcome and answer writes, the members of a round's sent
 * groups, and the contact rule; see store_outcomes.h.
 */
#include "store_impl.h"
#include "store_outcomes.h"

#include <stdlib.h>
#include <string.h>

#define GROUP_SELECT                                                                               \
    "SELECT g.id, g.round_id, g.state, r.state, o.met, o.rating FROM groups g"                     \
    " JOIN rounds r ON r.id = g.round_id LEFT JOIN outcomes o ON o.group_id = g.id"

/* Fill *g from a GROUP_SELECT row. */
static void
group_read(sqlite3_stmt *stmt, struct ct_outcome_group *g)
{
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(stmt, 0);
    g->round_id = sqlite3_column_int64(stmt, 1);
    /* A state the schema's CHECK does not know cannot be read back: leave the first. */
    (void)ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, 2), &g->state);
    (void)ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 3),
                                        &g->round_state);
    g->has_outcome = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
    g->met = sqlite3_column_int(stmt, 4) != 0;
    g->rating = sqlite3_column_int(stmt, 5);
}

/* Run a prepared GROUP_SELECT with its key bound. OUT: *found, *g when found. */
static enum ct_status
group_find(struct ct_store *store, sqlite3_stmt *stmt, struct ct_outcome_group *g, bool *found,
           struct ct_error *err)
{
    enum ct_status st = ct_store_step_row(store, stmt, found, "look up group", err);

    if (st == CT_OK && *found)
        group_read(stmt, g);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return st;
}

enum ct_status
ct_store_outcome_groups_lookup(struct ct_store *store, struct ct_outcome_lookup *items, size_t n,
                               struct ct_error *err)
{
    sqlite3_stmt *by_id = NULL, *by_uid = NULL;
    enum ct_status st;
    size_t i;

    if ((st = ct_store_prepare(store, GROUP_SELECT " WHERE g.id = ?1", &by_id, err)) != CT_OK ||
        (st = ct_store_prepare(store, GROUP_SELECT " WHERE g.uid = ?1", &by_uid, err)) != CT_OK)
        goto out;
    for (i = 0; i < n; i++) {
        struct ct_outcome_lookup *it = &items[i];

        it->by_id_found = it->by_uid_found = false;
        if (it->group_id != 0) {
            sqlite3_bind_int64(by_id, 1, it->group_id);
            if ((st = group_find(store, by_id, &it->by_id, &it->by_id_found, err)) != CT_OK)
                goto out;
        }
        if (it->uid != NULL) {
            sqlite3_bind_text(by_uid, 1, it->uid, -1, SQLITE_STATIC);
            if ((st = group_find(store, by_uid, &it->by_uid, &it->by_uid_found, err)) != CT_OK)
                goto out;
        }
    }
out:
    sqlite3_finalize(by_id);
    sqlite3_finalize(by_uid);
    return st;
}

enum ct_status
ct_store_outcomes_write(struct ct_txn *txn, const struct ct_outcome_row *rows, size_t n,
                        int64_t now, struct ct_error *err)
{
    static const char sql[] =
        "INSERT INTO outcomes (group_id, met, rating, note, source, recorded_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (group_id) DO UPDATE SET"
        " met = excluded.met, rating = excluded.rating, note = excluded.note,"
        " source = excluded.source, recorded_at = excluded.recorded_at";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t i;

    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    for (i = 0; i < n && st == CT_OK; i++) {
        const struct ct_outcome_row *r = &rows[i];

        sqlite3_bind_int64(stmt, 1, r->group_id);
        sqlite3_bind_int(stmt, 2, r->met ? 1 : 0);
        if (r->rating > 0)
            sqlite3_bind_int(stmt, 3, r->rating);
        if (r->note && *r->note)
            sqlite3_bind_text(stmt, 4, r->note, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, r->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 6, now);
        st = ct_store_step_done(store, stmt, "record outcome", err);
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outcomes_round_members(struct ct_store *store, int64_t round_id,
                                struct ct_group_seat **out, size_t *count, struct ct_error *err)
{
    static const char sql[] = "SELECT gm.group_id, gm.member_id, gm.partstat FROM group_members gm"
                              " JOIN groups g ON g.id = gm.group_id"
                              " WHERE g.round_id = ?1 AND g.state = 'sent' AND gm.removed = 0"
                              " ORDER BY gm.group_id, gm.member_id";
    sqlite3_stmt *stmt = NULL;
    struct ct_group_seat *items = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row;

    *out = NULL;
    *count = 0;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    while ((st = ct_store_step_row(store, stmt, &row, "read simulated groups", err)) == CT_OK &&
           row) {
        const char *partstat = (const char *)sqlite3_column_text(stmt, 2);
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct ct_group_seat *grown = realloc(items, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                goto out;
            }
            items = grown;
            cap = ncap;
        }
        items[n].group_id = sqlite3_column_int64(stmt, 0);
        items[n].member_id = sqlite3_column_int64(stmt, 1);
        items[n].partstat = partstat ? ct_reply_partstat_parse(partstat) : CT_PARTSTAT_NEEDS_ACTION;
        n++;
    }
    if (st != CT_OK)
        goto out;
    *out = items;
    *count = n;
    items = NULL;
out:
    free(items);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_outcomes_answers_set(struct ct_txn *txn, const struct ct_group_seat *answers, size_t n,
                              struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t i;

    if ((st = ct_store_prepare(store,
                               "UPDATE group_members SET partstat = ?3"
                               " WHERE group_id = ?1 AND member_id = ?2",
                               &stmt, err)) != CT_OK)
        return st;
    for (i = 0; i < n && st == CT_OK; i++) {
        sqlite3_bind_int64(stmt, 1, answers[i].group_id);
        sqlite3_bind_int64(stmt, 2, answers[i].member_id);
        /* The database keeps the iTIP word itself. */
        sqlite3_bind_text(stmt, 3, ct_reply_partstat_name(answers[i].partstat), -1, SQLITE_STATIC);
        st = ct_store_step_done(store, stmt, "record an answer", err);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* The contact rule of store_outcomes.h as a sub-query: (a, b, group_id, round_id), a < b. */
#define CONTACTS_SQL                                                                               \
    "SELECT x.member_id AS a, y.member_id AS b, g.id AS group_id, g.round_id AS round_id"          \
    " FROM groups g"                                                                               \
    " JOIN rounds r ON r.id = g.round_id"                                                          \
    " JOIN group_members x ON x.group_id = g.id AND x.removed = 0"                                 \
    " JOIN group_members y ON y.group_id = g.id AND y.removed = 0 AND y.member_id > x.member_id"   \
    " LEFT JOIN outcomes o ON o.group_id = g.id"                                                   \
    " WHERE g.state = 'sent' AND r.state = 'sent'"                                                 \
    "   AND (o.met = 1 OR (o.group_id IS NULL AND x.partstat <> 'DECLINED'"                        \
    "        AND y.partstat <> 'DECLINED'))"

enum ct_status
ct_store_outcomes_contacts(struct ct_store *store, struct ct_contact **out, size_t *count,
                           struct ct_error *err)
{
    static const char sql[] = "SELECT c.a, c.b, c.group_id, c.round_id FROM (" CONTACTS_SQL
                              ") c JOIN rounds r ON r.id = c.round_id"
                              " ORDER BY r.date, r.id, c.group_id, c.a, c.b";
    sqlite3_stmt *stmt = NULL;
    struct ct_contact *items = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row;

    *out = NULL;
    *count = 0;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    while ((st = ct_store_step_row(store, stmt, &row, "read contacts", err)) == CT_OK && row) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct ct_contact *grown = realloc(items, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                goto out;
            }
            items = grown;
            cap = ncap;
        }
        items[n].a = sqlite3_column_int64(stmt, 0);
        items[n].b = sqlite3_column_int64(stmt, 1);
        items[n].group_id = sqlite3_column_int64(stmt, 2);
        items[n].round_id = sqlite3_column_int64(stmt, 3);
        n++;
    }
    if (st != CT_OK)
        goto out;
    *out = items;
    *count = n;
    items = NULL;
out:
    free(items);
    sqlite3_finalize(stmt);
    return st;
}
