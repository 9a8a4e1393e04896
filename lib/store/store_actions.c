/*
 * store_actions.c: the SQL behind store_actions.h: the action log, member
 * preferences, skips, check-ins (and the outcome they derive), and the
 * per-round counts of what members did. The words of prefs.h are spelled
 * for the database here and nowhere else.
 */
#include <stdlib.h>
#include <string.h>

#include "round.h"
#include "store_actions.h"
#include "store_impl.h"
#include "util.h"

static const char *const action_sql[] = {[CT_LOG_SKIP] = "skip",
                                         [CT_LOG_PAUSE] = "pause",
                                         [CT_LOG_STOP] = "stop",
                                         [CT_LOG_RESUME] = "resume",
                                         [CT_LOG_PREFERENCES] = "preferences",
                                         [CT_LOG_CHECKIN] = "checkin"};
static const char *const via_sql[] = {
    [CT_VIA_PAGE] = "page", [CT_VIA_REPLY] = "reply", [CT_VIA_ORGANISER] = "organiser"};
static const char *const mode_sql[] = {
    [CT_MODE_EITHER] = "either", [CT_MODE_IN_PERSON] = "in_person", [CT_MODE_VIDEO] = "video"};
static const char *const checkin_sql[] = {
    [CT_CHECKIN_MET] = "met", [CT_CHECKIN_MOVED] = "moved", [CT_CHECKIN_NOT_MET] = "not_met"};
/* outcomes.source of an outcome check-ins wrote */
static const char checkin_source[] = "checkin";

static const char *
spell(const char *const *words, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? words[v] : NULL;
}

static int
unspell(const char *const *words, size_t n, const unsigned char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(words[i], (const char *)s) == 0)
            return (int)i;
    return 0;
}

#define SPELL(words, v)   spell(words, CT_ARRAY_LEN(words), (int)(v))
#define UNSPELL(words, s) unspell(words, CT_ARRAY_LEN(words), (s))

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

static void
bind_id(sqlite3_stmt *stmt, int col, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(stmt, col, id);
    else
        sqlite3_bind_null(stmt, col);
}

static void
bind_text(sqlite3_stmt *stmt, int col, const char *s)
{
    if (s)
        sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, col);
}

/* Run sql with ?1 = a (and ?2 = b when b is not 0) as a statement without rows. */
static enum ct_status
exec_ids(struct ct_txn *txn, const char *sql, int64_t a, int64_t b, const char *doing,
         struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, a);
    if (b != 0)
        sqlite3_bind_int64(stmt, 2, b);
    st = ct_store_step_done(store, stmt, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- the action log ------------------------------------------------------- */

enum ct_status
ct_store_action_log_add(struct ct_txn *txn, int64_t member_id, enum ct_log_action action,
                        const char *detail, enum ct_via via, int64_t round_id, int64_t group_id,
                        int64_t now, struct ct_error *err)
{
    static const char sql[] = "INSERT INTO action_log (member_id, action, detail, via, round_id,"
                              " group_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    bind_text(stmt, 2, SPELL(action_sql, action));
    bind_text(stmt, 3, detail);
    bind_text(stmt, 4, SPELL(via_sql, via));
    bind_id(stmt, 5, round_id);
    bind_id(stmt, 6, group_id);
    sqlite3_bind_int64(stmt, 7, now);
    st = ct_store_step_done(store, stmt, "log member action", err);
    sqlite3_finalize(stmt);
    return st;
}

void
ct_store_action_entries_free(struct ct_action_entry *v, size_t count)
{
    for (size_t i = 0; v && i < count; i++)
        free(v[i].detail);
    free(v);
}

enum ct_status
ct_store_action_log_load(struct ct_store *store, int64_t member_id, struct ct_action_entry **out,
                         size_t *count, struct ct_error *err)
{
    static const char sql[] = "SELECT action, detail, via, IFNULL(round_id, 0),"
                              " IFNULL(group_id, 0), at FROM action_log WHERE member_id = ?1"
                              " ORDER BY at, id";
    struct ct_action_entry *v = NULL;
    sqlite3_stmt *stmt = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row = false, failed = false;

    *out = NULL;
    *count = 0;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    while ((st = ct_store_step_row(store, stmt, &row, "read action log", err)) == CT_OK && row) {
        struct ct_action_entry *e;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_action_entry *nv = realloc(v, ncap * sizeof(*v));
            if (nv == NULL) {
                st = nomem(err);
                break;
            }
            v = nv;
            cap = ncap;
        }
        e = &v[n++];
        memset(e, 0, sizeof(*e));
        e->member_id = member_id;
        e->action = (enum ct_log_action)UNSPELL(action_sql, sqlite3_column_text(stmt, 0));
        e->detail = ct_store_column_dup(stmt, 1, &failed);
        e->via = (enum ct_via)UNSPELL(via_sql, sqlite3_column_text(stmt, 2));
        e->round_id = sqlite3_column_int64(stmt, 3);
        e->group_id = sqlite3_column_int64(stmt, 4);
        e->at = sqlite3_column_int64(stmt, 5);
        if (failed) {
            st = nomem(err);
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_action_entries_free(v, n);
        return st;
    }
    *out = v;
    *count = n;
    return CT_OK;
}

/* ---- preferences ---------------------------------------------------------- */

enum ct_status
ct_store_prefs_get(struct ct_store *store, int64_t member_id, struct ct_prefs *out, bool *found,
                   struct ct_error *err)
{
    static const char sql[] = "SELECT working_hours, working_days, timezone, frequency, mode,"
                              " intro, greeting FROM member_prefs WHERE member_id = ?1";
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false, failed = false;

    ct_prefs_init(out);
    if (found)
        *found = false;
    if ((st = ct_store_cached(store, sql, &stmt, err)) != CT_OK) /* a send reads it per member */
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    st = ct_store_step_row(store, stmt, &row, "read member preferences", err);
    if (st == CT_OK && row) {
        out->working_hours = ct_store_column_dup(stmt, 0, &failed);
        out->working_days = ct_store_column_dup(stmt, 1, &failed);
        out->timezone = ct_store_column_dup(stmt, 2, &failed);
        if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
            out->frequency = sqlite3_column_int(stmt, 3);
        if (sqlite3_column_type(stmt, 4) != SQLITE_NULL)
            out->mode = UNSPELL(mode_sql, sqlite3_column_text(stmt, 4));
        out->intro = ct_store_column_dup(stmt, 5, &failed);
        out->greeting = ct_store_column_dup(stmt, 6, &failed);
        if (found)
            *found = true;
        if (failed) {
            ct_prefs_free(out);
            st = nomem(err);
        }
    }
    ct_store_release(stmt);
    return st;
}

static bool
prefs_empty(const struct ct_prefs *p)
{
    return !p->working_hours && !p->working_days && !p->timezone && p->frequency < 0 &&
           p->mode < 0 && !p->intro && !p->greeting;
}

enum ct_status
ct_store_prefs_put(struct ct_txn *txn, int64_t member_id, const struct ct_prefs *p, int64_t now,
                   struct ct_error *err)
{
    static const char sql[] =
        "INSERT OR REPLACE INTO member_prefs (member_id, working_hours, working_days, timezone,"
        " frequency, mode, intro, greeting, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
        "?9)";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    if (prefs_empty(p))
        return exec_ids(txn, "DELETE FROM member_prefs WHERE member_id = ?1", member_id, 0,
                        "clear member preferences", err);
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    bind_text(stmt, 2, p->working_hours);
    bind_text(stmt, 3, p->working_days);
    bind_text(stmt, 4, p->timezone);
    if (p->frequency >= 0)
        sqlite3_bind_int(stmt, 5, p->frequency);
    bind_text(stmt, 6, p->mode >= 0 ? SPELL(mode_sql, p->mode) : NULL);
    bind_text(stmt, 7, p->intro);
    bind_text(stmt, 8, p->greeting);
    sqlite3_bind_int64(stmt, 9, now);
    st = ct_store_step_done(store, stmt, "write member preferences", err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- skips ---------------------------------------------------------------- */

enum ct_status
ct_store_skip_add(struct ct_txn *txn, int64_t member_id, int64_t round_id, enum ct_via via,
                  int64_t now, bool *added, struct ct_error *err)
{
    static const char sql[] = "INSERT OR IGNORE INTO skips (member_id, round_id, via, at)"
                              " VALUES (?1, ?2, ?3, ?4)";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *added = false;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    bind_id(stmt, 2, round_id);
    bind_text(stmt, 3, SPELL(via_sql, via));
    sqlite3_bind_int64(stmt, 4, now);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(store, err, "record skip");
    else
        *added = sqlite3_changes(ct_store_sqlite(store)) > 0;
    sqlite3_finalize(stmt);
    return st;
}

/* The first column (an id) of every row of stmt. OUT: *ids (heap), *count. */
static enum ct_status
collect_ids(struct ct_store *store, sqlite3_stmt *stmt, int64_t **ids, size_t *count,
            struct ct_error *err)
{
    size_t cap = 0;
    enum ct_status st;
    bool row = false;

    *ids = NULL;
    *count = 0;
    while ((st = ct_store_step_row(store, stmt, &row, "read skips", err)) == CT_OK && row) {
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            int64_t *nv = realloc(*ids, ncap * sizeof(**ids));
            if (nv == NULL) {
                st = nomem(err);
                break;
            }
            *ids = nv;
            cap = ncap;
        }
        (*ids)[(*count)++] = sqlite3_column_int64(stmt, 0);
    }
    if (st != CT_OK) {
        free(*ids);
        *ids = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_skips_for_date(struct ct_store *store, const char *date, int64_t **ids, size_t *count,
                        struct ct_error *err)
{
    static const char sql[] =
        "SELECT DISTINCT member_id FROM skips WHERE round_id IS NULL"
        " OR round_id IN (SELECT id FROM rounds WHERE date = ?1) ORDER BY member_id";
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    st = collect_ids(store, stmt, ids, count, err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_skips_bind(struct ct_txn *txn, int64_t round_id, struct ct_error *err)
{
    enum ct_status st;

    /* A member who already skips this round keeps that row; the duplicate goes. */
    st = exec_ids(txn, "UPDATE OR IGNORE skips SET round_id = ?1 WHERE round_id IS NULL", round_id,
                  0, "bind skips to the round", err);
    if (st == CT_OK)
        st = exec_ids(txn, "DELETE FROM skips WHERE round_id IS NULL AND ?1 > 0", round_id, 0,
                      "bind skips to the round", err);
    return st;
}

enum ct_status
ct_store_skips_round(struct ct_store *store, int64_t round_id, struct ct_skip_row **out,
                     size_t *count, struct ct_error *err)
{
    static const char sql[] =
        "SELECT s.member_id, s.via, MIN(s.at) FROM skips s WHERE s.round_id IN"
        " (SELECT r2.id FROM rounds r2 JOIN rounds r ON r.date = r2.date WHERE r.id = ?1)"
        " GROUP BY s.member_id ORDER BY s.member_id";
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    enum ct_status st;
    bool row = false;

    *out = NULL;
    *count = 0;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    while ((st = ct_store_step_row(store, stmt, &row, "read skips", err)) == CT_OK && row) {
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_skip_row *nv = realloc(*out, ncap * sizeof(**out));
            if (nv == NULL) {
                st = nomem(err);
                break;
            }
            *out = nv;
            cap = ncap;
        }
        (*out)[*count].member_id = sqlite3_column_int64(stmt, 0);
        (*out)[*count].via = (enum ct_via)UNSPELL(via_sql, sqlite3_column_text(stmt, 1));
        (*out)[*count].at = sqlite3_column_int64(stmt, 2);
        (*count)++;
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return st;
}

/* ---- check-ins ------------------------------------------------------------ */

static bool
same_note(const unsigned char *a, const char *b)
{
    return (a == NULL && (b == NULL || *b == '\0')) || (a && b && strcmp((const char *)a, b) == 0);
}

enum ct_status
ct_store_checkin_put(struct ct_txn *txn, const struct ct_checkin_row *r, int64_t now, bool *changed,
                     struct ct_error *err)
{
    static const char find_sql[] = "SELECT met, IFNULL(rating, 0), note FROM checkins"
                                   " WHERE member_id = ?1 AND group_id = ?2";
    static const char put_sql[] =
        "INSERT OR REPLACE INTO checkins (member_id, group_id, met, rating, note, via, at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    *changed = false;
    if ((st = ct_store_prepare(store, find_sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, r->member_id);
    sqlite3_bind_int64(stmt, 2, r->group_id);
    st = ct_store_step_row(store, stmt, &row, "read check-in", err);
    if (st == CT_OK && row && UNSPELL(checkin_sql, sqlite3_column_text(stmt, 0)) == (int)r->met &&
        sqlite3_column_int(stmt, 1) == r->rating &&
        same_note(sqlite3_column_text(stmt, 2), r->note))
        goto out; /* the same answer again */
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (st != CT_OK || (st = ct_store_prepare(store, put_sql, &stmt, err)) != CT_OK)
        goto out;
    sqlite3_bind_int64(stmt, 1, r->member_id);
    sqlite3_bind_int64(stmt, 2, r->group_id);
    bind_text(stmt, 3, SPELL(checkin_sql, r->met));
    if (r->rating > 0)
        sqlite3_bind_int(stmt, 4, r->rating);
    bind_text(stmt, 5, r->note && *r->note ? r->note : NULL);
    bind_text(stmt, 6, SPELL(via_sql, r->via));
    sqlite3_bind_int64(stmt, 7, now);
    st = ct_store_step_done(store, stmt, "record check-in", err);
    *changed = st == CT_OK;
out:
    sqlite3_finalize(stmt);
    return st;
}

void
ct_store_checkins_free(struct ct_checkin_row *v, size_t count)
{
    for (size_t i = 0; v && i < count; i++)
        free(v[i].note);
    free(v);
}

enum ct_status
ct_store_checkins_load(struct ct_store *store, int64_t group_id, int64_t round_id,
                       struct ct_checkin_row **out, size_t *count, struct ct_error *err)
{
    static const char sql[] =
        "SELECT c.member_id, c.group_id, c.met, IFNULL(c.rating, 0), c.note, c.via, c.at"
        " FROM checkins c JOIN groups g ON g.id = c.group_id"
        " WHERE (?1 > 0 AND c.group_id = ?1) OR (?1 <= 0 AND g.round_id = ?2)"
        " ORDER BY c.group_id, c.member_id";
    struct ct_checkin_row *v = NULL;
    sqlite3_stmt *stmt = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row = false, failed = false;

    *out = NULL;
    *count = 0;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, round_id);
    while ((st = ct_store_step_row(store, stmt, &row, "read check-ins", err)) == CT_OK && row) {
        struct ct_checkin_row *c;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_checkin_row *nv = realloc(v, ncap * sizeof(*v));
            if (nv == NULL) {
                st = nomem(err);
                break;
            }
            v = nv;
            cap = ncap;
        }
        c = &v[n++];
        memset(c, 0, sizeof(*c));
        c->member_id = sqlite3_column_int64(stmt, 0);
        c->group_id = sqlite3_column_int64(stmt, 1);
        c->met = (enum ct_checkin)UNSPELL(checkin_sql, sqlite3_column_text(stmt, 2));
        c->rating = sqlite3_column_int(stmt, 3);
        c->note = ct_store_column_dup(stmt, 4, &failed);
        c->via = (enum ct_via)UNSPELL(via_sql, sqlite3_column_text(stmt, 5));
        c->at = sqlite3_column_int64(stmt, 6);
        if (failed) {
            st = nomem(err);
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_checkins_free(v, n);
        return st;
    }
    *out = v;
    *count = n;
    return CT_OK;
}

enum ct_status
ct_store_checkin_seat(struct ct_store *store, int64_t member_id, int64_t group_id,
                      struct ct_checkin_seat *out, struct ct_error *err)
{
    static const char sql[] =
        "SELECT g.round_id, g.state, r.state,"
        " (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.id AND gm.member_id = ?2),"
        " (SELECT MAX(gm.removed) FROM group_members gm WHERE gm.group_id = g.id"
        "   AND gm.member_id = ?2),"
        " (SELECT COUNT(*) FROM outcomes o WHERE o.group_id = g.id),"
        " (SELECT COUNT(*) FROM outcomes o WHERE o.group_id = g.id AND o.source = ?3)"
        " FROM groups g JOIN rounds r ON r.id = g.round_id WHERE g.id = ?1";
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    memset(out, 0, sizeof(*out));
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, checkin_source, -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, &row, "look up group", err);
    if (st == CT_OK && row) {
        out->group_found = true;
        out->round_id = sqlite3_column_int64(stmt, 0);
        if (!ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, 1), &out->state))
            out->state = CT_GROUP_CANCELLED;
        if (!ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 2),
                                           &out->round_state))
            out->round_state = CT_ROUND_CANCELLED;
        out->member_in_group = sqlite3_column_int(stmt, 3) > 0;
        out->removed = sqlite3_column_int(stmt, 4) > 0;
        out->has_outcome = sqlite3_column_int(stmt, 5) > 0;
        out->outcome_from_checkins = sqlite3_column_int(stmt, 6) > 0;
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_checkin_outcome_set(struct ct_txn *txn, int64_t group_id, int met, int rating,
                             const char *note, int64_t now, struct ct_error *err)
{
    /* Only a missing outcome, or one check-ins wrote, is (re)written. */
    static const char put_sql[] =
        "INSERT INTO outcomes (group_id, met, rating, note, source, recorded_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (group_id) DO UPDATE SET"
        " met = excluded.met, rating = excluded.rating, note = excluded.note,"
        " recorded_at = excluded.recorded_at WHERE outcomes.source = excluded.source";
    static const char drop_sql[] = "DELETE FROM outcomes WHERE group_id = ?1 AND source = ?2";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    if ((st = ct_store_prepare(store, met < 0 ? drop_sql : put_sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    if (met < 0) {
        sqlite3_bind_text(stmt, 2, checkin_source, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int(stmt, 2, met ? 1 : 0);
        if (rating > 0)
            sqlite3_bind_int(stmt, 3, rating);
        bind_text(stmt, 4, note && *note ? note : NULL);
        sqlite3_bind_text(stmt, 5, checkin_source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 6, now);
    }
    st = ct_store_step_done(store, stmt, "record outcome from check-ins", err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- replies bound to a message we sent -------------------------------------- */

enum ct_status
ct_store_message_owner(struct ct_store *store, const char *message_id, struct ct_message_owner *out,
                       struct ct_error *err)
{
    static const char sql[] =
        "SELECT IFNULL(o.member_id, 0), IFNULL(o.group_id, 0), IFNULL(g.round_id, 0)"
        " FROM outbox o LEFT JOIN groups g ON g.id = o.group_id"
        " WHERE o.message_id = ?1 AND o.state = ?2";
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    memset(out, 0, sizeof(*out));
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_outbox_state_sql(CT_OUTBOX_SENT), -1, SQLITE_STATIC);
    st = ct_store_step_row(store, stmt, &row, "look up a message we sent", err);
    if (st == CT_OK && row) {
        out->found = true;
        out->member_id = sqlite3_column_int64(stmt, 0);
        out->group_id = sqlite3_column_int64(stmt, 1);
        out->round_id = sqlite3_column_int64(stmt, 2);
    }
    sqlite3_finalize(stmt);
    return st;
}

/* ---- counts for reports ---------------------------------------------------- */

enum ct_status
ct_store_action_counts(struct ct_store *store, struct ct_action_counts **out, size_t *count,
                       struct ct_error *err)
{
    /* ?1 pause, ?2 stop, ?3 met, ?4 the re-formed change kind */
    static const char sql[] =
        "SELECT r.id,"
        " (SELECT COUNT(DISTINCT s.member_id) FROM skips s WHERE s.round_id = r.id),"
        " (SELECT COUNT(*) FROM action_log a WHERE a.action = ?1 AND a.at >= r.created_at"
        "   AND NOT EXISTS (SELECT 1 FROM rounds r2 WHERE r2.created_at <= a.at"
        "   AND (r2.created_at > r.created_at OR (r2.created_at = r.created_at AND r2.id > "
        "r.id)))),"
        " (SELECT COUNT(*) FROM action_log a WHERE a.action = ?2 AND a.at >= r.created_at"
        "   AND NOT EXISTS (SELECT 1 FROM rounds r2 WHERE r2.created_at <= a.at"
        "   AND (r2.created_at > r.created_at OR (r2.created_at = r.created_at AND r2.id > "
        "r.id)))),"
        " (SELECT COUNT(*) FROM checkins c JOIN groups g ON g.id = c.group_id"
        "   WHERE g.round_id = r.id),"
        " (SELECT COUNT(*) FROM checkins c JOIN groups g ON g.id = c.group_id"
        "   WHERE g.round_id = r.id AND c.met = ?3),"
        " (SELECT COUNT(DISTINCT rc.member_id) FROM round_changes rc WHERE rc.round_id = r.id"
        "   AND rc.kind = ?4)"
        " FROM rounds r ORDER BY r.id";
    struct ct_action_counts *v = NULL;
    sqlite3_stmt *stmt = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row = false;

    *out = NULL;
    *count = 0;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, action_sql[CT_LOG_PAUSE], -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, action_sql[CT_LOG_STOP], -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, checkin_sql[CT_CHECKIN_MET], -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 4, CT_CHANGE_WITH);
    while ((st = ct_store_step_row(store, stmt, &row, "count member actions", err)) == CT_OK &&
           row) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_action_counts *nv = realloc(v, ncap * sizeof(*v));
            if (nv == NULL) {
                st = nomem(err);
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[n].round_id = sqlite3_column_int64(stmt, 0);
        v[n].skips = sqlite3_column_int(stmt, 1);
        v[n].pauses = sqlite3_column_int(stmt, 2);
        v[n].stops = sqlite3_column_int(stmt, 3);
        v[n].checkins = sqlite3_column_int(stmt, 4);
        v[n].checkins_met = sqlite3_column_int(stmt, 5);
        v[n].rematches = sqlite3_column_int(stmt, 6);
        n++;
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        free(v);
        return st;
    }
    *out = v;
    *count = n;
    return CT_OK;
}
