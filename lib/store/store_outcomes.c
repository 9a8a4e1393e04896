/*
 * store_outcomes.c: the SQL of the outcomes family: group look-ups for
 * outcome checks, outcome and answer writes, the members of a round's sent
 * groups, and the contact rule; see store_outcomes.h.
 */
#include "store_impl.h"
#include "store_outcomes.h"

#include <stdlib.h>
#include <string.h>

#define GROUP_COLUMNS "g.id, g.round_id, g.state, r.state, o.met, o.rating, g.slot_start"
#define GROUP_FROM                                                                                 \
    " FROM groups g JOIN rounds r ON r.id = g.round_id"                                            \
    " LEFT JOIN outcomes o ON o.group_id = g.id"
#define GROUP_SELECT "SELECT " GROUP_COLUMNS GROUP_FROM

/* The statements of one look-up, prepared once for all rows. */
struct lookup_stmts {
    sqlite3_stmt *by_id, *by_uid, *round_by_id, *round_by_date, *member, *member_group;
};

/* Fill *g from a row starting with GROUP_COLUMNS. */
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
    g->has_slot = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
    g->slot_start = sqlite3_column_int64(stmt, 6);
}

/* Run a prepared group query with its keys bound. OUT: *found, *g when found. */
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

/*
 * The round it->round_id or it->round_date names: by date the lowest sent
 * one, counting the sent ones, else the latest of any state.
 */
static enum ct_status
round_find(struct ct_store *store, const struct lookup_stmts *q, struct ct_outcome_lookup *it,
           struct ct_error *err)
{
    sqlite3_stmt *stmt = it->round_id ? q->round_by_id : q->round_by_date;
    enum ct_status st;
    bool row;

    if (it->round_id)
        sqlite3_bind_int64(stmt, 1, it->round_id);
    else
        sqlite3_bind_text(stmt, 1, it->round_date, -1, SQLITE_STATIC);
    while ((st = ct_store_step_row(store, stmt, &row, "look up round", err)) == CT_OK && row) {
        struct ct_outcome_round r = {.id = sqlite3_column_int64(stmt, 0)};
        (void)ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 1), &r.state);
        if (r.state == CT_ROUND_SENT)
            it->round.sent_on_date++;
        /* Ordered by id: keep the first sent round, else the last round. */
        if (!it->round_found || it->round.state != CT_ROUND_SENT) {
            r.sent_on_date = it->round.sent_on_date;
            it->round = r;
            it->round_found = true;
        }
    }
    if (it->round_id)
        it->round.sent_on_date = 0;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return st;
}

/* The member it->email names, and their group in round_id (see struct ct_outcome_lookup). */
static enum ct_status
member_find(struct ct_store *store, const struct lookup_stmts *q, struct ct_outcome_lookup *it,
            int64_t round_id, struct ct_error *err)
{
    enum ct_status st;

    sqlite3_bind_text(q->member, 1, it->email, -1, SQLITE_STATIC);
    st = ct_store_step_row(store, q->member, &it->member_found, "look up member", err);
    if (st == CT_OK && it->member_found)
        it->member_id = sqlite3_column_int64(q->member, 0);
    sqlite3_reset(q->member);
    sqlite3_clear_bindings(q->member);
    if (st != CT_OK || !it->member_found || round_id == 0)
        return st;
    sqlite3_bind_int64(q->member_group, 1, it->member_id);
    sqlite3_bind_int64(q->member_group, 2, round_id);
    st = ct_store_step_row(store, q->member_group, &it->by_member_found, "look up group", err);
    if (st == CT_OK && it->by_member_found) {
        group_read(q->member_group, &it->by_member);
        it->member_removed = sqlite3_column_int(q->member_group, 7) != 0;
    }
    sqlite3_reset(q->member_group);
    sqlite3_clear_bindings(q->member_group);
    return st;
}

/* Look up one row with the prepared statements. */
static enum ct_status
lookup_one(struct ct_store *store, const struct lookup_stmts *q, struct ct_outcome_lookup *it,
           struct ct_error *err)
{
    enum ct_status st = CT_OK;
    int64_t round_id = 0;

    it->by_id_found = it->by_uid_found = it->round_found = false;
    it->member_found = it->by_member_found = it->member_removed = false;
    memset(&it->round, 0, sizeof(it->round));
    if (it->group_id != 0) {
        sqlite3_bind_int64(q->by_id, 1, it->group_id);
        if ((st = group_find(store, q->by_id, &it->by_id, &it->by_id_found, err)) != CT_OK)
            return st;
    }
    if (it->uid != NULL) {
        sqlite3_bind_text(q->by_uid, 1, it->uid, -1, SQLITE_STATIC);
        if ((st = group_find(store, q->by_uid, &it->by_uid, &it->by_uid_found, err)) != CT_OK)
            return st;
    }
    if ((it->round_id != 0 || it->round_date != NULL) &&
        (st = round_find(store, q, it, err)) != CT_OK)
        return st;
    if (it->email == NULL)
        return CT_OK;
    if (it->round_found)
        round_id = it->round.id;
    else if (it->round_id == 0 && it->round_date == NULL)
        round_id =
            it->by_id_found ? it->by_id.round_id : (it->by_uid_found ? it->by_uid.round_id : 0);
    return member_find(store, q, it, round_id, err);
}

enum ct_status
ct_store_outcome_groups_lookup(struct ct_store *store, struct ct_outcome_lookup *items, size_t n,
                               struct ct_error *err)
{
    struct lookup_stmts q = {0};
    enum ct_status st;
    size_t i;

    if ((st = ct_store_prepare(store, GROUP_SELECT " WHERE g.id = ?1", &q.by_id, err)) != CT_OK ||
        (st = ct_store_prepare(store, GROUP_SELECT " WHERE g.uid = ?1", &q.by_uid, err)) != CT_OK ||
        (st = ct_store_prepare(store, "SELECT id, state FROM rounds WHERE id = ?1", &q.round_by_id,
                               err)) != CT_OK ||
        (st = ct_store_prepare(store, "SELECT id, state FROM rounds WHERE date = ?1 ORDER BY id",
                               &q.round_by_date, err)) != CT_OK ||
        (st = ct_store_prepare(store, "SELECT id FROM members WHERE email = ?1", &q.member, err)) !=
            CT_OK ||
        (st = ct_store_prepare(store,
                               "SELECT " GROUP_COLUMNS ", gm.removed" GROUP_FROM
                               " JOIN group_members gm ON gm.group_id = g.id"
                               " WHERE gm.member_id = ?1 AND g.round_id = ?2"
                               " ORDER BY g.state = 'sent' AND gm.removed = 0 DESC,"
                               " g.state = 'sent' DESC, g.id LIMIT 1",
                               &q.member_group, err)) != CT_OK)
        goto out;
    for (i = 0; i < n && st == CT_OK; i++)
        st = lookup_one(store, &q, &items[i], err);
out:
    sqlite3_finalize(q.by_id);
    sqlite3_finalize(q.by_uid);
    sqlite3_finalize(q.round_by_id);
    sqlite3_finalize(q.round_by_date);
    sqlite3_finalize(q.member);
    sqlite3_finalize(q.member_group);
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
