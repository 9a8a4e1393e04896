/*
 * store_report.c: the report's SQL, one query per dataset, each row handed
 * to the caller's callback as a typed struct; see store_report.h.
 */
#include "store_impl.h"
#include "store_report.h"

#include <stdio.h>
#include <string.h>

/* Hands the current row of a query to the caller, turned into its type. */
typedef enum ct_status (*row_fn)(sqlite3_stmt *stmt, void *ctx, bool *stop);

/* Run sql (no parameters) and hand each row to row until it stops or fails. */
static enum ct_status
each_row(struct ct_store *store, const char *sql, const char *doing, row_fn row, void *ctx,
         struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool have = false, stop = false;

    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    for (;;) {
        if ((st = ct_store_step_row(store, stmt, &have, doing, err)) != CT_OK || !have)
            break;
        if ((st = row(stmt, ctx, &stop)) != CT_OK || stop)
            break;
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Run a statement without rows; doing names it in errors. */
static enum ct_status
exec_simple(struct ct_store *store, const char *sql, const char *doing, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    if (ct_store_prepare(store, sql, &stmt, err) != CT_OK)
        return ct_store_error(store, err, doing);
    st = ct_store_step_done(store, stmt, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_read_begin(struct ct_store *store, struct ct_error *err)
{
    return exec_simple(store, "BEGIN", "begin reading", err);
}

void
ct_store_read_end(struct ct_store *store)
{
    struct ct_error ignored;

    /* Nothing was written: ending it either way is the same. */
    (void)exec_simple(store, "COMMIT", "end reading", &ignored);
}

enum ct_status
ct_store_set_throwaway(struct ct_store *store, struct ct_error *err)
{
    return exec_simple(store, "PRAGMA synchronous = OFF", "set up the simulation", err);
}

/* ---- rounds ------------------------------------------------------------------ */

struct rounds_ctx {
    enum ct_status (*each)(void *arg, const struct ct_store_report_round *r, bool *stop);
    void *arg;
};

static enum ct_status
round_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct rounds_ctx *c = ctx;
    struct ct_store_report_round r;
    const char *date = (const char *)sqlite3_column_text(stmt, 1);

    memset(&r, 0, sizeof(r));
    r.id = sqlite3_column_int64(stmt, 0);
    snprintf(r.date, sizeof(r.date), "%s", date ? date : "");
    (void)ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 2), &r.state);
    return c->each(c->arg, &r, stop);
}

enum ct_status
ct_store_report_rounds(struct ct_store *store,
                       enum ct_status (*each)(void *arg, const struct ct_store_report_round *r,
                                              bool *stop),
                       void *arg, struct ct_error *err)
{
    struct rounds_ctx c = {each, arg};

    return each_row(store,
                    "SELECT id, date, state FROM rounds WHERE state <> 'replaced'"
                    " ORDER BY date, id",
                    "read rounds", round_row, &c, err);
}

/* ---- members and ties ---------------------------------------------------------- */

struct members_ctx {
    enum ct_status (*each)(void *arg, const struct ct_member *m);
    void *arg;
};

static enum ct_status
member_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct members_ctx *c = ctx;
    struct ct_member m;

    (void)stop;
    memset(&m, 0, sizeof(m));
    m.id = sqlite3_column_int64(stmt, 0);
    (void)ct_store_member_status_from_sql((const char *)sqlite3_column_text(stmt, 4), &m.status);
    if (m.status != CT_MEMBER_ERASED) {
        /* Borrowed for the call: the caller copies what it keeps. */
        m.email = (char *)sqlite3_column_text(stmt, 1);
        m.name = (char *)sqlite3_column_text(stmt, 2);
    }
    m.organisation = (char *)sqlite3_column_text(stmt, 3);
    return c->each(c->arg, &m);
}

enum ct_status
ct_store_report_members(struct ct_store *store,
                        enum ct_status (*each)(void *arg, const struct ct_member *m), void *arg,
                        struct ct_error *err)
{
    struct members_ctx c = {each, arg};

    return each_row(store,
                    "SELECT id, email, name, coalesce(organisation, ''), status FROM members"
                    " ORDER BY id",
                    "read members", member_row, &c, err);
}

struct ties_ctx {
    enum ct_status (*each)(void *arg, int64_t a, int64_t b);
    void *arg;
};

static enum ct_status
tie_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct ties_ctx *c = ctx;

    (void)stop;
    return c->each(c->arg, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1));
}

enum ct_status
ct_store_report_ties(struct ct_store *store,
                     enum ct_status (*each)(void *arg, int64_t a, int64_t b), void *arg,
                     struct ct_error *err)
{
    struct ties_ctx c = {each, arg};

    return each_row(store, "SELECT a, b FROM ties", "read ties", tie_row, &c, err);
}

/* ---- groups and their members -------------------------------------------------- */

struct groups_ctx {
    enum ct_status (*each)(void *arg, const struct ct_outcome_group *g);
    void *arg;
};

static enum ct_status
group_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct groups_ctx *c = ctx;
    struct ct_outcome_group g;

    (void)stop;
    memset(&g, 0, sizeof(g));
    g.id = sqlite3_column_int64(stmt, 0);
    g.round_id = sqlite3_column_int64(stmt, 1);
    (void)ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, 2), &g.state);
    (void)ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, 3), &g.round_state);
    g.has_outcome = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
    g.met = sqlite3_column_int(stmt, 4) != 0;
    g.rating = sqlite3_column_int(stmt, 5);
    return c->each(c->arg, &g);
}

enum ct_status
ct_store_report_groups(struct ct_store *store,
                       enum ct_status (*each)(void *arg, const struct ct_outcome_group *g),
                       void *arg, struct ct_error *err)
{
    struct groups_ctx c = {each, arg};

    return each_row(store,
                    "SELECT g.id, g.round_id, g.state, r.state, o.met, o.rating FROM groups g"
                    " JOIN rounds r ON r.id = g.round_id"
                    " LEFT JOIN outcomes o ON o.group_id = g.id ORDER BY g.id",
                    "read groups", group_row, &c, err);
}

struct seats_ctx {
    enum ct_status (*each)(void *arg, const struct ct_group_seat *s);
    void *arg;
};

static enum ct_status
seat_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct seats_ctx *c = ctx;
    struct ct_group_seat s;
    const char *partstat = (const char *)sqlite3_column_text(stmt, 2);

    (void)stop;
    s.group_id = sqlite3_column_int64(stmt, 0);
    s.member_id = sqlite3_column_int64(stmt, 1);
    s.partstat = partstat ? ct_reply_partstat_parse(partstat) : CT_PARTSTAT_NEEDS_ACTION;
    s.removed = sqlite3_column_int(stmt, 3) != 0;
    s.proposed = sqlite3_column_int(stmt, 4) != 0;
    return c->each(c->arg, &s);
}

enum ct_status
ct_store_report_seats(struct ct_store *store,
                      enum ct_status (*each)(void *arg, const struct ct_group_seat *s), void *arg,
                      struct ct_error *err)
{
    struct seats_ctx c = {each, arg};

    return each_row(store,
                    "SELECT gm.group_id, gm.member_id, gm.partstat, gm.removed,"
                    " EXISTS (SELECT 1 FROM replies rp WHERE rp.group_id = gm.group_id"
                    "  AND rp.member_id = gm.member_id AND rp.proposed_start IS NOT NULL)"
                    " FROM group_members gm ORDER BY gm.group_id, gm.member_id",
                    "read group members", seat_row, &c, err);
}

/* ---- invitations and unpaired members -------------------------------------------- */

struct invites_ctx {
    enum ct_status (*each)(void *arg, const struct ct_store_report_invite *i);
    void *arg;
};

static enum ct_status
invite_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct invites_ctx *c = ctx;
    struct ct_store_report_invite i;

    (void)stop;
    i.group_id = sqlite3_column_int64(stmt, 0);
    i.member_id = sqlite3_column_int64(stmt, 1);
    i.sent = sqlite3_column_int(stmt, 2);
    i.dead = sqlite3_column_int(stmt, 3);
    i.total = sqlite3_column_int(stmt, 4);
    return c->each(c->arg, &i);
}

enum ct_status
ct_store_report_invites(struct ct_store *store,
                        enum ct_status (*each)(void *arg, const struct ct_store_report_invite *i),
                        void *arg, struct ct_error *err)
{
    struct invites_ctx c = {each, arg};

    return each_row(store,
                    "SELECT group_id, member_id, sum(state = 'sent'), sum(state = 'dead'),"
                    " count(*) FROM outbox WHERE kind = 'request' AND group_id IS NOT NULL"
                    " AND member_id IS NOT NULL AND state <> 'dropped'"
                    " GROUP BY group_id, member_id",
                    "read the outbox", invite_row, &c, err);
}

struct unpaired_ctx {
    enum ct_status (*each)(void *arg, int64_t round_id, int64_t member_id, bool sit_out);
    void *arg;
};

static enum ct_status
unpaired_row(sqlite3_stmt *stmt, void *ctx, bool *stop)
{
    struct unpaired_ctx *c = ctx;

    (void)stop;
    return c->each(c->arg, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
                   sqlite3_column_int(stmt, 2) != 0);
}

enum ct_status
ct_store_report_unpaired(struct ct_store *store,
                         enum ct_status (*each)(void *arg, int64_t round_id, int64_t member_id,
                                                bool sit_out),
                         void *arg, struct ct_error *err)
{
    struct unpaired_ctx c = {each, arg};

    return each_row(store, "SELECT round_id, member_id, sit_out FROM unpaired",
                    "read unpaired members", unpaired_row, &c, err);
}
