/*
 * store_rc.c: the SQL behind Relational Coordination surveys; see
 * store_rc.h. A wave and its links are written in the caller's
 * transaction, so an import is all or nothing.
 */
#include "store_rc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

void
ct_store_rc_roster_clear(struct ct_store_rc_roster *r)
{
    size_t i;

    for (i = 0; i < r->count; i++) {
        free(r->emails[i]);
        free(r->roles[i]);
    }
    free(r->emails);
    free(r->roles);
    memset(r, 0, sizeof(*r));
}

enum ct_status
ct_store_rc_roster_load(struct ct_store *store, struct ct_store_rc_roster *out,
                        struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    bool row = true, failed = false;

    memset(out, 0, sizeof(*out));
    st = ct_store_prepare(store, "SELECT email, role FROM members WHERE status <> ?1 ORDER BY id",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "read roles");
    sqlite3_bind_text(stmt, 1, ct_store_member_status_sql(CT_MEMBER_ERASED), -1, SQLITE_STATIC);
    while (st == CT_OK && (st = ct_store_step_row(store, stmt, &row, "read roles", err)) == CT_OK &&
           row) {
        if (out->count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **e = realloc(out->emails, ncap * sizeof(*e));
            if (e != NULL)
                out->emails = e;
            char **r = e ? realloc(out->roles, ncap * sizeof(*r)) : NULL;
            if (e == NULL || r == NULL) {
                st = nomem(err);
                break;
            }
            out->roles = r;
            cap = ncap;
        }
        out->emails[out->count] = ct_store_column_dup(stmt, 0, &failed);
        out->roles[out->count] = ct_store_column_dup(stmt, 1, &failed);
        out->count++;
        if (failed)
            st = nomem(err);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Run one statement with a text and an integer parameter (either may be unused). */
static enum ct_status
exec_bound(struct ct_store *store, const char *sql, const char *text, int64_t n, const char *doing,
           struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = ct_store_prepare(store, sql, &stmt, err);

    if (st != CT_OK)
        return ct_error_prefix(err, "%s", doing);
    if (text != NULL)
        sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(stmt, 1, n);
    st = ct_store_step_done(store, stmt, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
write_links(struct ct_store *store, int64_t wave_id, const struct ct_rc_survey *s,
            struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t i;

    st = ct_store_prepare(store,
                          "INSERT INTO rc_links(wave_id, role_a, role_b, strength, ratings) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "insert survey link");
    for (i = 0; i < s->count && st == CT_OK; i++) {
        sqlite3_bind_int64(stmt, 1, wave_id);
        sqlite3_bind_text(stmt, 2, s->links[i].role_a, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, s->links[i].role_b, -1, SQLITE_STATIC);
        sqlite3_bind_double(stmt, 4, s->links[i].strength);
        sqlite3_bind_int64(stmt, 5, (int64_t)s->links[i].ratings);
        st = ct_store_step_done(store, stmt, "insert survey link", err);
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_rc_wave_write(struct ct_txn *txn, const char *date, const char *source,
                       const struct ct_rc_survey *s, int64_t now, bool *replaced, int64_t *wave_id,
                       struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = exec_bound(store, "DELETE FROM rc_waves WHERE date = ?1", date, 0, "replace survey wave",
                    err);
    if (st != CT_OK)
        return st;
    *replaced = sqlite3_changes(ct_store_sqlite(store)) > 0;
    st = ct_store_prepare(store,
                          "INSERT INTO rc_waves(date, source, aggregated, rows, imported_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "insert survey wave");
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, s->aggregated);
    sqlite3_bind_int64(stmt, 4, (int64_t)s->rows);
    sqlite3_bind_int64(stmt, 5, now);
    st = ct_store_step_done(store, stmt, "insert survey wave", err);
    if (st == CT_OK)
        *wave_id = sqlite3_last_insert_rowid(ct_store_sqlite(store));
    sqlite3_finalize(stmt);
    return st == CT_OK ? write_links(store, *wave_id, s, err) : st;
}

void
ct_store_rc_waves_free(struct ct_store_rc_wave *waves, size_t count)
{
    size_t i;

    for (i = 0; waves && i < count; i++)
        free(waves[i].source);
    free(waves);
}

/* Copy a date column into a fixed buffer ("" for NULL). */
static void
column_date(sqlite3_stmt *stmt, int col, char *out)
{
    const char *d = (const char *)sqlite3_column_text(stmt, col);

    snprintf(out, 11, "%s", d ? d : "");
}

enum ct_status
ct_store_rc_waves(struct ct_store *store, struct ct_store_rc_wave **waves, size_t *count,
                  struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    bool row = true, failed = false;

    *waves = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT id, date, source, aggregated, rows, imported_at FROM rc_waves "
                          "ORDER BY date DESC, id DESC",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "read survey waves");
    while ((st = ct_store_step_row(store, stmt, &row, "read survey waves", err)) == CT_OK && row) {
        struct ct_store_rc_wave *w;
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct ct_store_rc_wave *n = realloc(*waves, ncap * sizeof(*n));
            if (n == NULL) {
                st = nomem(err);
                break;
            }
            *waves = n;
            cap = ncap;
        }
        w = &(*waves)[(*count)++];
        memset(w, 0, sizeof(*w));
        w->id = sqlite3_column_int64(stmt, 0);
        column_date(stmt, 1, w->date);
        w->source = ct_store_column_dup(stmt, 2, &failed);
        w->aggregated = sqlite3_column_int(stmt, 3) != 0;
        w->rows = sqlite3_column_int64(stmt, 4);
        w->imported_at = sqlite3_column_int64(stmt, 5);
        if (failed) {
            st = nomem(err);
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_rc_waves_free(*waves, *count);
        *waves = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_rc_links(struct ct_store *store, int64_t wave_id, struct ct_rc_link **links, size_t *count,
                  struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    bool row = true, failed = false;

    *links = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT role_a, role_b, strength, ratings FROM rc_links "
                          "WHERE wave_id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "read survey links");
    sqlite3_bind_int64(stmt, 1, wave_id);
    while ((st = ct_store_step_row(store, stmt, &row, "read survey links", err)) == CT_OK && row) {
        struct ct_rc_link *l;
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct ct_rc_link *n = realloc(*links, ncap * sizeof(*n));
            if (n == NULL) {
                st = nomem(err);
                break;
            }
            *links = n;
            cap = ncap;
        }
        l = &(*links)[(*count)++];
        l->role_a = ct_store_column_dup(stmt, 0, &failed);
        l->role_b = ct_store_column_dup(stmt, 1, &failed);
        l->strength = sqlite3_column_double(stmt, 2);
        l->ratings = (size_t)sqlite3_column_int64(stmt, 3);
        if (failed) {
            st = nomem(err);
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_rc_links_free(*links, *count);
        *links = NULL;
        *count = 0;
        return st;
    }
    ct_rc_links_sort(*links, *count);
    return CT_OK;
}

void
ct_store_rc_groups_free(struct ct_store_rc_group *groups, size_t count)
{
    size_t i, j;

    for (i = 0; groups && i < count; i++)
        for (j = 0; j < groups[i].size; j++)
            free(groups[i].roles[j]);
    free(groups);
}

/* Add the current row's member to the last group, or start a new one. */
static enum ct_status
groups_add(sqlite3_stmt *stmt, struct ct_store_rc_group **groups, size_t *count, size_t *cap,
           struct ct_error *err)
{
    int64_t gid = sqlite3_column_int64(stmt, 0);
    struct ct_store_rc_group *g = *count ? &(*groups)[*count - 1] : NULL;
    bool failed = false;

    if (g == NULL || g->group_id != gid) {
        if (*count == *cap) {
            size_t ncap = *cap ? *cap * 2 : 64;
            struct ct_store_rc_group *n = realloc(*groups, ncap * sizeof(*n));
            if (n == NULL)
                return nomem(err);
            *groups = n;
            *cap = ncap;
        }
        g = &(*groups)[(*count)++];
        memset(g, 0, sizeof(*g));
        g->group_id = gid;
        g->round_id = sqlite3_column_int64(stmt, 1);
        column_date(stmt, 2, g->date);
    }
    if (g->size < 4) {
        g->roles[g->size] = ct_store_column_dup(stmt, 3, &failed);
        if (failed)
            return nomem(err);
        g->size++;
    }
    return CT_OK;
}

enum ct_status
ct_store_rc_groups(struct ct_store *store, const char *since, struct ct_store_rc_group **groups,
                   size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    bool row = true;

    *groups = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT g.id, g.round_id, r.date, m.role FROM groups g"
                          " JOIN rounds r ON r.id = g.round_id"
                          " JOIN group_members gm ON gm.group_id = g.id AND gm.removed = 0"
                          " JOIN members m ON m.id = gm.member_id"
                          " WHERE g.state = ?2 AND r.state = ?3 AND r.date >= ?1"
                          " ORDER BY r.date, g.id, m.id",
                          &stmt, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "read trial groups");
    sqlite3_bind_text(stmt, 1, since, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(CT_GROUP_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    while ((st = ct_store_step_row(store, stmt, &row, "read trial groups", err)) == CT_OK && row)
        if ((st = groups_add(stmt, groups, count, &cap, err)) != CT_OK)
            break;
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_rc_groups_free(*groups, *count);
        *groups = NULL;
        *count = 0;
    }
    return st;
}
