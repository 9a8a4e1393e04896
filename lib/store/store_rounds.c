/*
 * store_rounds.c: the SQL of the rounds table family (rounds, groups,
 * group_members, unpaired) and of the outbox rows a round queues; see
 * store_rounds.h. The only file that spells a round's or group's state.
 */
#include "store_rounds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "prefs.h"
#include "store_impl.h"
#include "util.h"

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

/* Grow *v (of *cap elements of size) to hold need; false when out of memory. */
static bool
grow(void *v, size_t *cap, size_t need, size_t size)
{
    void **p = v;
    size_t ncap = *cap ? *cap : 16;
    void *nv;

    if (need <= *cap)
        return true;
    while (ncap < need)
        ncap *= 2;
    nv = realloc(*p, ncap * size);
    if (nv == NULL)
        return false;
    *p = nv;
    *cap = ncap;
    return true;
}

static void
column_copy(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
    const char *s = (const char *)sqlite3_column_text(stmt, col);

    snprintf(out, size, "%s", s ? s : "");
}

static const char *
origin_sql(enum ct_round_origin origin)
{
    return origin == CT_ROUND_DAEMON ? "daemon" : "cli";
}

static enum ct_round_origin
origin_from_sql(const char *s)
{
    return s && strcmp(s, "daemon") == 0 ? CT_ROUND_DAEMON : CT_ROUND_CLI;
}

static enum ct_round_state
round_state_column(sqlite3_stmt *stmt, int col)
{
    enum ct_round_state state = CT_ROUND_PLANNED;

    (void)ct_store_round_state_from_sql((const char *)sqlite3_column_text(stmt, col), &state);
    return state;
}

static enum ct_group_state
group_state_column(sqlite3_stmt *stmt, int col)
{
    enum ct_group_state state = CT_GROUP_PLANNED;

    (void)ct_store_group_state_from_sql((const char *)sqlite3_column_text(stmt, col), &state);
    return state;
}

/* Run sql binding up to three integers (those past the statement's parameters are ignored). */
static enum ct_status
exec3(struct ct_txn *txn, const char *sql, int64_t a, int64_t b, int64_t c, const char *doing,
      struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = ct_store_prepare(store, sql, &stmt, err);
    int n;

    if (st != CT_OK)
        return st;
    n = sqlite3_bind_parameter_count(stmt);
    if (n >= 1)
        sqlite3_bind_int64(stmt, 1, a);
    if (n >= 2)
        sqlite3_bind_int64(stmt, 2, b);
    if (n >= 3)
        sqlite3_bind_int64(stmt, 3, c);
    st = ct_store_step_done(store, stmt, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

/* --- members as rounds see them ---------------------------------------------------- */

/* The member columns a round reads, in this order from col: id, email, name, org, team, site,
 * role, zone. The zone a member chose (member_prefs) wins over the roster's. */
#define PERSON_COLUMNS                                                                             \
    "m.id, m.email, m.name, m.organisation, m.team, m.site, m.role,"                               \
    " COALESCE((SELECT mp.timezone FROM member_prefs mp WHERE mp.member_id = m.id), m.timezone)"

static bool
read_person(sqlite3_stmt *stmt, int col, struct ct_member *m)
{
    bool failed = false;

    memset(m, 0, sizeof(*m));
    m->id = sqlite3_column_int64(stmt, col);
    m->email = ct_store_column_dup(stmt, col + 1, &failed);
    m->name = ct_store_column_dup(stmt, col + 2, &failed);
    m->organisation = ct_store_column_dup(stmt, col + 3, &failed);
    m->team = ct_store_column_dup(stmt, col + 4, &failed);
    m->site = ct_store_column_dup(stmt, col + 5, &failed);
    m->role = ct_store_column_dup(stmt, col + 6, &failed);
    m->timezone = ct_store_column_dup(stmt, col + 7, &failed);
    if (failed)
        ct_member_clear(m);
    return !failed;
}

/* --- what planning reads ------------------------------------------------------------ */

/* Members published to a reader at a time (ct_store_planning_load_with). */
#define MEMBERS_BATCH 1024

/*
 * Every member into p->members, by id. With progress, the members read are
 * published as they come: the array is then never moved (a reader holds
 * it), and a table that grew since it was counted is an error.
 */
static enum ct_status
planning_members(struct ct_store *store, struct ct_store_planning *p,
                 struct ct_par_progress *progress, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    /* Sized once: a network of 100,000 would otherwise end in a 131,072-slot array. */
    st = ct_store_prepare(store, "SELECT count(*) FROM members", &stmt, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        cap = (size_t)sqlite3_column_int64(stmt, 0) + 1;
    p->member_total = cap - (cap > 0);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if ((p->members = calloc(cap ? cap : 1, sizeof(*p->members))) == NULL)
        return nomem(err);
    /* PERSON_COLUMNS' order, the member's preferences joined once rather than looked up twice. */
    st = ct_store_prepare(store,
                          "SELECT m.id, m.email, m.name, m.organisation, m.team, m.site, m.role,"
                          " COALESCE(mp.timezone, m.timezone), m.status, m.paused_until,"
                          " COALESCE(mp.frequency, m.frequency)"
                          " FROM members m LEFT JOIN member_prefs mp ON mp.member_id = m.id"
                          " ORDER BY m.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_member *m;
        bool failed = false;

        if (progress != NULL && p->member_count + 1 > cap) {
            st = ct_error_set(err, CT_EINTERNAL, "members changed while they were read");
            goto out;
        }
        if (!grow(&p->members, &cap, p->member_count + 1, sizeof(*p->members)))
            goto nomem;
        m = &p->members[p->member_count];
        if (!read_person(stmt, 0, m))
            goto nomem;
        p->member_count++;
        /* A status the schema does not know counts as left. */
        if (!ct_store_member_status_from_sql((const char *)sqlite3_column_text(stmt, 8),
                                             &m->status))
            m->status = CT_MEMBER_LEFT;
        m->paused_until = ct_store_column_dup(stmt, 9, &failed);
        m->frequency = (enum ct_frequency)sqlite3_column_int(stmt, 10);
        if (failed)
            goto nomem;
        if (progress != NULL && p->member_count % MEMBERS_BATCH == 0)
            ct_par_progress_publish(progress, p->member_count, false);
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read members");
    goto out;
nomem:
    st = nomem(err);
out:
    sqlite3_finalize(stmt);
    return st;
}

/* Pairs of member ids (ties or exclusions) from a query returning two. */
static enum ct_status
planning_pairs(struct ct_store *store, const char *sql, struct ct_store_pair **pairs, size_t *count,
               struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(pairs, &cap, *count + 1, sizeof(**pairs))) {
            sqlite3_finalize(stmt);
            return nomem(err);
        }
        (*pairs)[*count].a = sqlite3_column_int64(stmt, 0);
        (*pairs)[*count].b = sqlite3_column_int64(stmt, 1);
        (*count)++;
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read pairs");
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
planning_sent(struct ct_store *store, struct ct_store_planning *p, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(
        store, "SELECT id, date FROM rounds WHERE state = ?1 ORDER BY date DESC, id DESC", &stmt,
        err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(&p->sent, &cap, p->sent_count + 1, sizeof(*p->sent))) {
            sqlite3_finalize(stmt);
            return nomem(err);
        }
        p->sent[p->sent_count].id = sqlite3_column_int64(stmt, 0);
        column_copy(stmt, 1, p->sent[p->sent_count].date, sizeof(p->sent[0].date));
        p->sent_count++;
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read rounds");
    sqlite3_finalize(stmt);
    return st;
}

/*
 * The members of past groups: the groups of sent rounds and any group
 * recorded as met.
 */
static enum ct_status
planning_past(struct ct_store *store, struct ct_store_planning *p, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(store,
                          "SELECT g.id, r.id, r.date, r.state = ?1, gm.member_id, gm.removed"
                          " FROM groups g JOIN rounds r ON r.id = g.round_id"
                          " JOIN group_members gm ON gm.group_id = g.id"
                          " WHERE r.state = ?1"
                          " OR g.id IN (SELECT group_id FROM outcomes WHERE met = 1)"
                          " ORDER BY g.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_store_past_member *pm;

        if (!grow(&p->past, &cap, p->past_count + 1, sizeof(*p->past))) {
            sqlite3_finalize(stmt);
            return nomem(err);
        }
        pm = &p->past[p->past_count++];
        pm->group_id = sqlite3_column_int64(stmt, 0);
        pm->round_id = sqlite3_column_int64(stmt, 1);
        column_copy(stmt, 2, pm->date, sizeof(pm->date));
        pm->round_sent = sqlite3_column_int(stmt, 3) != 0;
        pm->member_id = sqlite3_column_int64(stmt, 4);
        pm->removed = sqlite3_column_int(stmt, 5) != 0;
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read past groups");
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
planning_sit_outs(struct ct_store *store, struct ct_store_planning *p, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    st =
        ct_store_prepare(store,
                         "SELECT u.member_id, r.id, r.date FROM unpaired u"
                         " JOIN rounds r ON r.id = u.round_id WHERE u.sit_out = 1 AND r.state = ?1",
                         &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_store_sit_out *s;

        if (!grow(&p->sit_outs, &cap, p->sit_out_count + 1, sizeof(*p->sit_outs))) {
            sqlite3_finalize(stmt);
            return nomem(err);
        }
        s = &p->sit_outs[p->sit_out_count++];
        s->member_id = sqlite3_column_int64(stmt, 0);
        s->round_id = sqlite3_column_int64(stmt, 1);
        column_copy(stmt, 2, s->date, sizeof(s->date));
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read sit-outs");
    sqlite3_finalize(stmt);
    return st;
}

/* The next group id the store will take (ids are assigned by the plan, for the UIDs). */
static enum ct_status
planning_next_group(struct ct_store *store, struct ct_store_planning *p, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store, "SELECT coalesce(max(id), 0) + 1 FROM groups", &stmt, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        p->next_group_id = sqlite3_column_int64(stmt, 0);
    else
        st = ct_store_error(store, err, "read groups");
    sqlite3_finalize(stmt);
    return st;
}

static const char hours_sql[] =
    "SELECT member_id, working_hours, working_days FROM member_prefs"
    " WHERE (working_hours IS NOT NULL OR working_days IS NOT NULL) AND (?1 = 0 OR member_id = ?1)"
    " ORDER BY member_id";

/* The current row of hours_sql into *h. */
static void
hours_from_row(sqlite3_stmt *stmt, struct ct_store_member_hours *h)
{
    struct ct_prefs p;

    memset(h, 0, sizeof(*h));
    ct_prefs_init(&p);
    h->member_id = sqlite3_column_int64(stmt, 0);
    p.working_hours = (char *)sqlite3_column_text(stmt, 1);
    p.working_days = (char *)sqlite3_column_text(stmt, 2);
    h->has_hours =
        ct_prefs_hours(&p, &h->start_minutes, &h->end_minutes) && h->end_minutes > h->start_minutes;
    h->has_days = ct_prefs_days(&p, &h->days);
}

static enum ct_status
planning_hours(struct ct_store *store, struct ct_store_planning *p, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    if ((st = ct_store_prepare(store, hours_sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, 0);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(&p->hours, &cap, p->hours_count + 1, sizeof(*p->hours))) {
            sqlite3_finalize(stmt);
            return nomem(err);
        }
        hours_from_row(stmt, &p->hours[p->hours_count++]);
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read working hours");
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_member_hours_get(struct ct_store *store, int64_t member_id,
                          struct ct_store_member_hours *out, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row = false;

    memset(out, 0, sizeof(*out));
    out->member_id = member_id;
    if ((st = ct_store_prepare(store, hours_sql, &stmt, err)) != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    st = ct_store_step_row(store, stmt, &row, "read working hours", err);
    if (st == CT_OK && row)
        hours_from_row(stmt, out);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_planning_load(struct ct_store *store, struct ct_store_planning *out, struct ct_error *err)
{
    return ct_store_planning_load_with(store, out, NULL, err);
}

enum ct_status
ct_store_planning_load_with(struct ct_store *store, struct ct_store_planning *out,
                            struct ct_par_progress *members, struct ct_error *err)
{
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    /* The hours first: whoever reads the members as they come needs them. */
    st = planning_hours(store, out, err);
    if (st == CT_OK)
        st = planning_members(store, out, members, err);
    if (members != NULL)
        ct_par_progress_publish(members, out->member_count, true);
    if (st != CT_OK ||
        (st = planning_pairs(store, "SELECT a, b FROM ties", &out->ties, &out->tie_count, err)) !=
            CT_OK ||
        (st = planning_pairs(store, "SELECT a, b FROM exclusions", &out->exclusions,
                             &out->exclusion_count, err)) != CT_OK ||
        (st = planning_sent(store, out, err)) != CT_OK ||
        (st = planning_past(store, out, err)) != CT_OK ||
        (st = planning_sit_outs(store, out, err)) != CT_OK)
        return st;
    return planning_next_group(store, out, err);
}

void
ct_store_planning_clear(struct ct_store_planning *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->member_count; i++)
        ct_member_clear(&p->members[i]);
    free(p->members);
    free(p->ties);
    free(p->exclusions);
    free(p->sent);
    free(p->past);
    free(p->sit_outs);
    free(p->hours);
    memset(p, 0, sizeof(*p));
}

int64_t
ct_store_mmap_size(struct ct_store *store)
{
    return ct_store_pragma(store, "mmap_size", 0);
}

void
ct_store_mmap_size_set(struct ct_store *store, int64_t bytes)
{
    ct_store_pragma_set(store, "mmap_size", bytes);
}

bool
ct_store_foreign_keys(struct ct_store *store)
{
    return ct_store_pragma(store, "foreign_keys", 1) != 0;
}

void
ct_store_foreign_keys_set(struct ct_store *store, bool on)
{
    ct_store_pragma_set(store, "foreign_keys", on);
}

/* --- writing a planned round ----------------------------------------------------------- */

/*
 * CT_ESTATE when the round planned for date is part-way through its send
 * (some groups queued): it is finished or cancelled, never replaced.
 */
static enum ct_status
sending_round(struct ct_store *store, const char *date, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(store,
                          "SELECT r.id, count(*) FROM rounds r JOIN groups g ON g.round_id = r.id"
                          " WHERE r.date = ?1 AND r.state = ?2 AND g.state = ?3 GROUP BY r.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_group_state_sql(CT_GROUP_SENT), -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        st = ct_error_set(err, CT_ESTATE,
                          "round %lld for %s is part-way through its send (%lld groups queued):"
                          " finish it with round send %lld, or cancel it, before planning again",
                          (long long)sqlite3_column_int64(stmt, 0), date,
                          (long long)sqlite3_column_int64(stmt, 1),
                          (long long)sqlite3_column_int64(stmt, 0));
    else if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read the round planned for its date");
    sqlite3_finalize(stmt);
    return st;
}

/* The round still planned for round->date becomes replaced, its planned groups cancelled. */
static enum ct_status
replace_planned(struct ct_store *store, struct ct_round *round, struct ct_error *err)
{
    sqlite3_stmt *replace = NULL, *cancel = NULL;
    enum ct_status st;
    int rc;

    if ((st = sending_round(store, round->date, err)) != CT_OK)
        return st;
    if ((st = ct_store_prepare(store,
                               "UPDATE rounds SET state = ?2 WHERE date = ?1 AND state = ?3"
                               " RETURNING id",
                               &replace, err)) != CT_OK ||
        (st = ct_store_prepare(store,
                               "UPDATE groups SET state = ?3 WHERE state = ?4 AND round_id"
                               " IN (SELECT id FROM rounds WHERE date = ?1 AND state = ?2)",
                               &cancel, err)) != CT_OK)
        goto out;
    sqlite3_bind_text(replace, 1, round->date, -1, SQLITE_STATIC);
    sqlite3_bind_text(replace, 2, ct_store_round_state_sql(CT_ROUND_REPLACED), -1, SQLITE_STATIC);
    sqlite3_bind_text(replace, 3, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(replace)) == SQLITE_ROW)
        round->replaced = sqlite3_column_int64(replace, 0);
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "replace the planned round");
        goto out;
    }
    sqlite3_bind_text(cancel, 1, round->date, -1, SQLITE_STATIC);
    sqlite3_bind_text(cancel, 2, ct_store_round_state_sql(CT_ROUND_REPLACED), -1, SQLITE_STATIC);
    sqlite3_bind_text(cancel, 3, ct_store_group_state_sql(CT_GROUP_CANCELLED), -1, SQLITE_STATIC);
    sqlite3_bind_text(cancel, 4, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, cancel, "replace the planned round", err);
out:
    sqlite3_finalize(replace);
    sqlite3_finalize(cancel);
    return st;
}

static enum ct_status
insert_round(struct ct_store *store, struct ct_round *round, int64_t now, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "INSERT INTO rounds(date, seed, state, origin, send_after, created_at)"
                          " VALUES (?1, ?2, ?6, ?3, ?4, ?5)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, round->date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (int64_t)round->seed);
    sqlite3_bind_text(stmt, 3, origin_sql(round->origin), -1, SQLITE_STATIC);
    if (round->send_after > 0)
        sqlite3_bind_int64(stmt, 4, round->send_after);
    sqlite3_bind_int64(stmt, 5, now);
    sqlite3_bind_text(stmt, 6, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "insert round", err);
    if (st == CT_OK)
        round->id = sqlite3_last_insert_rowid(ct_store_sqlite(store));
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
insert_groups(struct ct_store *store, int64_t round_id, const struct ct_round_group *groups,
              size_t count, struct ct_error *err)
{
    sqlite3_stmt *ins_group = NULL, *ins_member = NULL;
    enum ct_status st;
    size_t i, j;

    if ((st = ct_store_prepare(
             store,
             "INSERT INTO groups(id, round_id, uid, sequence, state, score, explain,"
             " slot_start, slot_minutes) VALUES (?1, ?2, ?3, ?9, ?8, ?4, ?5, ?6, ?7)",
             &ins_group, err)) != CT_OK ||
        (st = ct_store_prepare(store,
                               "INSERT INTO group_members(group_id, member_id) VALUES (?1, ?2)",
                               &ins_member, err)) != CT_OK)
        goto out;
    for (i = 0; i < count; i++) {
        const struct ct_round_group *g = &groups[i];

        sqlite3_bind_int64(ins_group, 1, g->id);
        sqlite3_bind_int64(ins_group, 2, round_id);
        sqlite3_bind_text(ins_group, 3, g->uid, -1, SQLITE_STATIC);
        sqlite3_bind_double(ins_group, 4, g->score);
        sqlite3_bind_text(ins_group, 5, g->explain, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_group, 6, g->slot_start);
        sqlite3_bind_int(ins_group, 7, g->slot_minutes);
        sqlite3_bind_text(ins_group, 8, ct_store_group_state_sql(g->state), -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_group, 9, g->sequence);
        if ((st = ct_store_step_done(store, ins_group, "insert group", err)) != CT_OK)
            goto out;
        for (j = 0; j < g->member_count; j++) {
            sqlite3_bind_int64(ins_member, 1, g->id);
            sqlite3_bind_int64(ins_member, 2, g->members[j].member.id);
            if ((st = ct_store_step_done(store, ins_member, "insert group member", err)) != CT_OK)
                goto out;
        }
    }
out:
    sqlite3_finalize(ins_group);
    sqlite3_finalize(ins_member);
    return st;
}

static enum ct_status
insert_unpaired(struct ct_store *store, const struct ct_round *round, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t i;

    st = ct_store_prepare(store,
                          "INSERT INTO unpaired(round_id, member_id, reason, sit_out)"
                          " VALUES (?1, ?2, ?3, ?4)",
                          &stmt, err);
    for (i = 0; st == CT_OK && i < round->unpaired_count; i++) {
        sqlite3_bind_int64(stmt, 1, round->id);
        sqlite3_bind_int64(stmt, 2, round->unpaired[i].member.member.id);
        sqlite3_bind_text(stmt, 3, round->unpaired[i].reason, -1, SQLITE_STATIC);
        sqlite3_bind_int(stmt, 4, round->unpaired[i].sit_out);
        st = ct_store_step_done(store, stmt, "insert unpaired member", err);
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_round_write_start(struct ct_txn *txn, struct ct_round *round, int64_t now,
                           struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    enum ct_status st = replace_planned(store, round, err);

    return st == CT_OK ? insert_round(store, round, now, err) : st;
}

enum ct_status
ct_store_round_write_unpaired(struct ct_txn *txn, const struct ct_round *round,
                              struct ct_error *err)
{
    return insert_unpaired(ct_txn_store(txn), round, err);
}

enum ct_status
ct_store_groups_add(struct ct_txn *txn, int64_t round_id, const struct ct_round_group *groups,
                    size_t count, struct ct_error *err)
{
    return insert_groups(ct_txn_store(txn), round_id, groups, count, err);
}

enum ct_status
ct_store_group_next_id(struct ct_store *store, int64_t *id, struct ct_error *err)
{
    struct ct_store_planning p;
    enum ct_status st;

    memset(&p, 0, sizeof(p));
    st = planning_next_group(store, &p, err);
    *id = p.next_group_id;
    return st;
}

/* --- reading rounds ---------------------------------------------------------------------- */

enum ct_status
ct_store_round_load(struct ct_store *store, int64_t id, struct ct_round *round,
                    struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    memset(round, 0, sizeof(*round));
    st = ct_store_prepare(store,
                          "SELECT id, date, seed, state, origin, send_after, created_at, sent_at,"
                          " cancelled_at FROM rounds WHERE id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        round->id = sqlite3_column_int64(stmt, 0);
        column_copy(stmt, 1, round->date, sizeof(round->date));
        round->seed = (uint64_t)sqlite3_column_int64(stmt, 2);
        round->state = round_state_column(stmt, 3);
        round->origin = origin_from_sql((const char *)sqlite3_column_text(stmt, 4));
        round->send_after = sqlite3_column_int64(stmt, 5);
        round->created_at = sqlite3_column_int64(stmt, 6);
        round->sent_at = sqlite3_column_int64(stmt, 7);
        round->cancelled_at = sqlite3_column_int64(stmt, 8);
    } else if (rc == SQLITE_DONE) {
        st = ct_error_set(err, CT_ENOTFOUND, "no round %" PRId64 " (see coffeetrial round list)",
                          id);
    } else {
        st = ct_store_error(store, err, "read round");
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_round_find(struct ct_store *store, const char *date, enum ct_round_state state,
                    int64_t *id, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    *id = 0;
    st = ct_store_prepare(
        store, "SELECT id FROM rounds WHERE date = ?1 AND state = ?2 ORDER BY id DESC LIMIT 1",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, ct_store_round_state_sql(state), -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(stmt, 0);
    else if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read rounds");
    sqlite3_finalize(stmt);
    return st;
}

static void
read_summary(sqlite3_stmt *stmt, struct ct_round_summary *s)
{
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(stmt, 0);
    column_copy(stmt, 1, s->date, sizeof(s->date));
    s->seed = (uint64_t)sqlite3_column_int64(stmt, 2);
    s->state = round_state_column(stmt, 3);
    s->origin = origin_from_sql((const char *)sqlite3_column_text(stmt, 4));
    s->send_after = sqlite3_column_int64(stmt, 5);
    s->created_at = sqlite3_column_int64(stmt, 6);
    s->sent_at = sqlite3_column_int64(stmt, 7);
    s->cancelled_at = sqlite3_column_int64(stmt, 8);
    s->groups = (size_t)sqlite3_column_int64(stmt, 9);
    s->trios = (size_t)sqlite3_column_int64(stmt, 10);
    s->members = (size_t)sqlite3_column_int64(stmt, 11);
    s->unpaired = (size_t)sqlite3_column_int64(stmt, 12);
}

enum ct_status
ct_store_rounds_list(struct ct_store *store, struct ct_round_summary **items, size_t *count,
                     struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_round_summary *v = NULL;
    enum ct_status st;
    size_t n = 0, cap = 0;
    int rc;

    *items = NULL;
    *count = 0;
    st = ct_store_prepare(
        store,
        "WITH sizes AS (SELECT g.round_id AS round_id, count(*) AS n FROM groups g"
        "   JOIN group_members gm ON gm.group_id = g.id GROUP BY g.id)"
        " SELECT r.id, r.date, r.seed, r.state, r.origin, r.send_after, r.created_at,"
        " r.sent_at, r.cancelled_at,"
        " (SELECT count(*) FROM sizes s WHERE s.round_id = r.id),"
        " (SELECT count(*) FROM sizes s WHERE s.round_id = r.id AND s.n = 3),"
        " (SELECT coalesce(sum(n), 0) FROM sizes s WHERE s.round_id = r.id),"
        " (SELECT count(*) FROM unpaired u WHERE u.round_id = r.id)"
        " FROM rounds r ORDER BY r.date DESC, r.id DESC",
        &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(&v, &cap, n + 1, sizeof(*v))) {
            st = nomem(err);
            goto out;
        }
        read_summary(stmt, &v[n++]);
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read rounds");
        goto out;
    }
    *items = v;
    *count = n;
    v = NULL;
out:
    sqlite3_finalize(stmt);
    free(v);
    return st;
}

enum ct_status
ct_store_round_set_state(struct ct_txn *txn, int64_t id, enum ct_round_state state, int64_t now,
                         struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    const char *sql = "UPDATE rounds SET state = ?2 WHERE id = ?1";
    const char *doing = "update round";
    enum ct_status st;

    if (state == CT_ROUND_SENT) {
        sql = "UPDATE rounds SET state = ?2, sent_at = ?3 WHERE id = ?1";
        doing = "mark round sent";
    } else if (state == CT_ROUND_CANCELLED) {
        sql = "UPDATE rounds SET state = ?2, cancelled_at = ?3 WHERE id = ?1";
        doing = "cancel round";
    }
    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, ct_store_round_state_sql(state), -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(stmt) >= 3)
        sqlite3_bind_int64(stmt, 3, now);
    st = ct_store_step_done(store, stmt, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

/* --- groups ------------------------------------------------------------------------------- */

#define GROUP_SELECT                                                                               \
    "SELECT g.id, g.uid, g.sequence, g.state, g.score, g.explain, g.slot_start, g.slot_minutes,"   \
    " gm.removed, " PERSON_COLUMNS ","                                                             \
    " (SELECT mp.greeting FROM member_prefs mp WHERE mp.member_id = m.id)"                         \
    " FROM groups g JOIN group_members gm ON gm.group_id = g.id"                                   \
    " JOIN members m ON m.id = gm.member_id"

/* The group fields of the current row into g (zeroed first); false when out of memory. */
static bool
read_group(sqlite3_stmt *stmt, struct ct_round_group *g)
{
    bool failed = false;

    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(stmt, 0);
    g->uid = ct_store_column_dup(stmt, 1, &failed);
    g->sequence = sqlite3_column_int(stmt, 2);
    g->state = group_state_column(stmt, 3);
    g->score = sqlite3_column_double(stmt, 4);
    g->explain = ct_store_column_dup(stmt, 5, &failed);
    g->slot_start = sqlite3_column_int64(stmt, 6);
    g->slot_minutes = sqlite3_column_int(stmt, 7);
    if (failed)
        ct_round_group_clear(g);
    return !failed;
}

/* The statement selecting the groups of filter, bound. */
static enum ct_status
groups_query(struct ct_store *store, const struct ct_store_group_filter *filter,
             sqlite3_stmt **stmt, struct ct_error *err)
{
    /* Cached: a send reads a batch of groups per transaction. */
    static const char by_batch[] =
        GROUP_SELECT " WHERE g.id IN (SELECT id FROM groups WHERE round_id = ?2"
                     " AND state = ?3 AND id > ?4 ORDER BY id LIMIT ?5)"
                     " ORDER BY g.id, gm.member_id";
    static const char by_id[] = GROUP_SELECT " WHERE g.id = ?1 AND (?2 = 0 OR g.round_id = ?2)"
                                             " ORDER BY g.id, gm.member_id";
    static const char by_round[] =
        GROUP_SELECT " WHERE g.round_id = ?2 ORDER BY g.id, gm.member_id";
    static const char all[] = GROUP_SELECT " ORDER BY g.id, gm.member_id";
    enum ct_status st;

    if (filter->batch > 0)
        st = ct_store_cached(store, by_batch, stmt, err);
    else if (filter->group_id > 0)
        st = ct_store_cached(store, by_id, stmt, err);
    else if (filter->round_id > 0)
        st = ct_store_cached(store, by_round, stmt, err);
    else
        st = ct_store_cached(store, all, stmt, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_bind_parameter_count(*stmt) >= 1)
        sqlite3_bind_int64(*stmt, 1, filter->group_id);
    if (sqlite3_bind_parameter_count(*stmt) >= 2)
        sqlite3_bind_int64(*stmt, 2, filter->round_id);
    if (filter->batch > 0) {
        sqlite3_bind_text(*stmt, 3, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
        sqlite3_bind_int64(*stmt, 4, filter->after_id);
        sqlite3_bind_int64(*stmt, 5, (sqlite3_int64)filter->batch);
    }
    return CT_OK;
}

enum ct_status
ct_store_groups_load(struct ct_store *store, const struct ct_store_group_filter *filter,
                     struct ct_round_group **groups, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_round_group *v = NULL, *g = NULL;
    enum ct_status st;
    size_t n = 0, cap = 0, i;
    int rc;

    *groups = NULL;
    *count = 0;
    if ((st = groups_query(store, filter, &stmt, err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (g == NULL || g->id != sqlite3_column_int64(stmt, 0)) {
            if (!grow(&v, &cap, n + 1, sizeof(*v)))
                goto nomem;
            g = &v[n];
            if (!read_group(stmt, g))
                goto nomem;
            n++;
        }
        if (g->member_count < CT_GROUP_MAX) {
            struct ct_round_person *p = &g->members[g->member_count];
            bool failed = false;
            if (!read_person(stmt, 9, &p->member))
                goto nomem;
            p->removed = sqlite3_column_int(stmt, 8) != 0;
            p->greeting = ct_store_column_dup(stmt, 17, &failed);
            if (failed)
                goto nomem;
            g->member_count++;
        }
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read groups");
        goto out;
    }
    *groups = v;
    *count = n;
    v = NULL;
    n = 0;
    goto out;
nomem:
    st = nomem(err);
out:
    ct_store_release(stmt);
    for (i = 0; i < n; i++)
        ct_round_group_clear(&v[i]);
    free(v);
    return st;
}

enum ct_status
ct_store_round_slots(struct ct_store *store, int64_t round_id, struct ct_store_slot **slots,
                     size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_store_slot *v = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    int rc;

    *slots = NULL;
    *count = 0;
    st = ct_store_prepare(store, "SELECT slot_start, slot_minutes FROM groups WHERE round_id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(&v, &cap, n + 1, sizeof(*v))) {
            st = nomem(err);
            goto out;
        }
        v[n].start = sqlite3_column_int64(stmt, 0);
        v[n].minutes = sqlite3_column_int(stmt, 1);
        n++;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read the round's times");
        goto out;
    }
    *slots = v;
    *count = n;
    v = NULL;
out:
    sqlite3_finalize(stmt);
    free(v);
    return st;
}

enum ct_status
ct_store_group_update(struct ct_txn *txn, const struct ct_round_group *g, struct ct_error *err)
{
    static const char sql[] = "UPDATE groups SET state = ?2, sequence = ?3, slot_start = ?4,"
                              " slot_minutes = ?5 WHERE id = ?1";
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_cached(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, g->id);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(g->state), -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, g->sequence);
    sqlite3_bind_int64(stmt, 4, g->slot_start);
    sqlite3_bind_int(stmt, 5, g->slot_minutes);
    st = ct_store_step_done(store, stmt, "update group", err);
    ct_store_release(stmt);
    return st;
}

enum ct_status
ct_store_groups_set_state(struct ct_txn *txn, int64_t round_id, enum ct_group_state from,
                          enum ct_group_state to, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store, "UPDATE groups SET state = ?3 WHERE round_id = ?1 AND state = ?2",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(from), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_group_state_sql(to), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "update groups", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_group_delete(struct ct_txn *txn, int64_t id, struct ct_error *err)
{
    return exec3(txn, "DELETE FROM groups WHERE id = ?1", id, 0, 0, "drop group", err);
}

enum ct_status
ct_store_group_member_drop(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                           int64_t remaining[CT_GROUP_MAX], size_t *remaining_count,
                           struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    *remaining_count = 0;
    st = exec3(txn, "DELETE FROM group_members WHERE group_id = ?1 AND member_id = ?2", group_id,
               member_id, 0, "drop member from group", err);
    if (st != CT_OK)
        return st;
    st = ct_store_prepare(store, "SELECT member_id FROM group_members WHERE group_id = ?1", &stmt,
                          err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        if (*remaining_count < CT_GROUP_MAX)
            remaining[(*remaining_count)++] = sqlite3_column_int64(stmt, 0);
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read group members");
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_group_member_remove(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                             struct ct_error *err)
{
    return exec3(txn, "UPDATE group_members SET removed = 1 WHERE group_id = ?1 AND member_id = ?2",
                 group_id, member_id, 0, "mark member removed", err);
}

enum ct_status
ct_store_group_member_add(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                          struct ct_error *err)
{
    return exec3(txn, "INSERT INTO group_members(group_id, member_id) VALUES (?1, ?2)", group_id,
                 member_id, 0, "add a member to a group", err);
}

enum ct_status
ct_store_groups_departed(struct ct_store *store, int64_t round_id, struct ct_store_departure **v,
                         size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *v = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          /*
                           * From the few members away (members_status) to their
                           * groups: never a walk over the round's groups, which a
                           * send's batches repeat (CROSS JOIN fixes the order).
                           */
                          "SELECT gm.group_id, gm.member_id, mb.status FROM members mb"
                          " CROSS JOIN group_members gm ON gm.member_id = mb.id"
                          " CROSS JOIN groups g ON g.id = gm.group_id"
                          " CROSS JOIN rounds r ON r.id = g.round_id"
                          " WHERE g.round_id = ?1 AND g.state = ?2 AND mb.status IN (?3, ?4, ?5)"
                          /* a pause over by the round's date does not take anyone out */
                          " AND NOT (mb.status = ?5 AND mb.paused_until IS NOT NULL"
                          "          AND mb.paused_until <= r.date)"
                          " ORDER BY gm.group_id, gm.member_id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_member_status_sql(CT_MEMBER_LEFT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ct_store_member_status_sql(CT_MEMBER_ERASED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, ct_store_member_status_sql(CT_MEMBER_PAUSED), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_store_departure *d;

        if (!grow(v, &cap, *count + 1, sizeof(**v))) {
            st = nomem(err);
            goto out;
        }
        d = &(*v)[(*count)++];
        d->group_id = sqlite3_column_int64(stmt, 0);
        d->member_id = sqlite3_column_int64(stmt, 1);
        d->status = CT_MEMBER_LEFT;
        (void)ct_store_member_status_from_sql((const char *)sqlite3_column_text(stmt, 2),
                                              &d->status);
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read group members");
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        free(*v);
        *v = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_member_groups(struct ct_store *store, int64_t member_id, struct ct_store_member_group **v,
                       size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *v = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT g.id, r.id, r.date, g.state = ?5,"
                          " coalesce(g.slot_start + g.slot_minutes * 60, 0)"
                          " FROM group_members gm JOIN groups g ON g.id = gm.group_id"
                          " JOIN rounds r ON r.id = g.round_id"
                          " WHERE gm.member_id = ?1 AND gm.removed = 0"
                          /* a round part-way through its send is planned, some groups sent */
                          " AND ((r.state = ?2 AND g.state IN (?4, ?5))"
                          "   OR (r.state = ?3 AND g.state = ?5))"
                          " ORDER BY g.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_text(stmt, 2, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_round_state_sql(CT_ROUND_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, ct_store_group_state_sql(CT_GROUP_SENT), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_store_member_group *a;

        if (!grow(v, &cap, *count + 1, sizeof(**v))) {
            st = nomem(err);
            goto out;
        }
        a = &(*v)[(*count)++];
        a->group_id = sqlite3_column_int64(stmt, 0);
        a->round_id = sqlite3_column_int64(stmt, 1);
        column_copy(stmt, 2, a->date, sizeof(a->date));
        a->sent = sqlite3_column_int(stmt, 3) != 0;
        a->ends = sqlite3_column_int64(stmt, 4);
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read the member's groups");
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        free(*v);
        *v = NULL;
        *count = 0;
    }
    return st;
}

/* --- unpaired ------------------------------------------------------------------------------ */

enum ct_status
ct_store_unpaired_load(struct ct_store *store, int64_t round_id, struct ct_round_unpaired **items,
                       size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_round_unpaired *v = NULL;
    enum ct_status st;
    size_t n = 0, cap = 0, i;
    int rc;

    *items = NULL;
    *count = 0;
    st = ct_store_prepare(
        store,
        "SELECT u.reason, u.sit_out, " PERSON_COLUMNS
        " FROM unpaired u JOIN members m ON m.id = u.member_id"
        " WHERE u.round_id = ?1 ORDER BY u.sit_out DESC, m.email IS NULL, m.email, m.id",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_round_unpaired *u;
        bool failed = false;

        if (!grow(&v, &cap, n + 1, sizeof(*v)))
            goto nomem;
        u = &v[n];
        memset(u, 0, sizeof(*u));
        u->reason = ct_store_column_dup(stmt, 0, &failed);
        u->sit_out = sqlite3_column_int(stmt, 1) != 0;
        if (failed || !read_person(stmt, 2, &u->member.member)) {
            free(u->reason);
            goto nomem;
        }
        n++;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read unpaired members");
        goto out;
    }
    *items = v;
    *count = n;
    v = NULL;
    n = 0;
    goto out;
nomem:
    st = nomem(err);
out:
    sqlite3_finalize(stmt);
    for (i = 0; i < n; i++)
        ct_round_unpaired_clear(&v[i]);
    free(v);
    return st;
}

enum ct_status
ct_store_unpaired_put(struct ct_txn *txn, int64_t round_id, int64_t member_id, const char *reason,
                      bool sit_out, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "INSERT OR REPLACE INTO unpaired(round_id, member_id, reason, sit_out)"
                          " VALUES (?1, ?2, ?3, ?4)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 4, sit_out);
    st = ct_store_step_done(store, stmt, "record unpaired member", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_unpaired_delete(struct ct_txn *txn, int64_t round_id, int64_t member_id,
                         struct ct_error *err)
{
    return exec3(txn, "DELETE FROM unpaired WHERE round_id = ?1 AND member_id = ?2", round_id,
                 member_id, 0, "drop unpaired member", err);
}

enum ct_status
ct_store_unpaired_drop_departed(struct ct_txn *txn, int64_t round_id, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "DELETE FROM unpaired WHERE round_id = ?1 AND member_id IN"
                          " (SELECT id FROM members WHERE status IN (?2, ?3))",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_text(stmt, 2, ct_store_member_status_sql(CT_MEMBER_LEFT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_member_status_sql(CT_MEMBER_ERASED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "drop unpaired member", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_unpaired_drop_member(struct ct_txn *txn, int64_t member_id, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "DELETE FROM unpaired WHERE member_id = ?1 AND round_id IN"
                          " (SELECT id FROM rounds WHERE state = ?2)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_text(stmt, 2, ct_store_round_state_sql(CT_ROUND_PLANNED), -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "drop unpaired member", err);
    sqlite3_finalize(stmt);
    return st;
}

/* --- changes since the plan ---------------------------------------------------------------- */

enum ct_status
ct_store_groups_excluded(struct ct_store *store, int64_t round_id,
                         struct ct_store_excluded_pair **v, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *v = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          /* From the exclusions to the groups, as above for departures. */
                          "SELECT g.id, x.a, x.b FROM exclusions x"
                          " CROSS JOIN group_members ga ON ga.member_id = x.a"
                          " CROSS JOIN group_members gb"
                          " ON gb.group_id = ga.group_id AND gb.member_id = x.b"
                          " CROSS JOIN groups g ON g.id = ga.group_id"
                          " WHERE g.round_id = ?1 AND g.state = ?2 ORDER BY g.id, x.a, x.b",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_store_excluded_pair *p;

        if (!grow(v, &cap, *count + 1, sizeof(**v))) {
            st = nomem(err);
            goto out;
        }
        p = &(*v)[(*count)++];
        p->group_id = sqlite3_column_int64(stmt, 0);
        p->a = sqlite3_column_int64(stmt, 1);
        p->b = sqlite3_column_int64(stmt, 2);
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read excluded pairs");
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        free(*v);
        *v = NULL;
        *count = 0;
    }
    return st;
}

static void
bind_id_or_null(sqlite3_stmt *stmt, int col, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(stmt, col, id);
    else
        sqlite3_bind_null(stmt, col);
}

enum ct_status
ct_store_change_add(struct ct_txn *txn, int64_t round_id, const struct ct_store_round_change *c,
                    int64_t now, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "INSERT INTO round_changes(round_id, group_id, kind, member_id, other_id,"
                          " new_group_id, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_int64(stmt, 2, c->group_id);
    sqlite3_bind_int(stmt, 3, (int)c->kind);
    bind_id_or_null(stmt, 4, c->member_id);
    bind_id_or_null(stmt, 5, c->other_id);
    bind_id_or_null(stmt, 6, c->new_group_id);
    if (c->reason)
        sqlite3_bind_text(stmt, 7, c->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 8, now);
    st = ct_store_step_done(store, stmt, "record a change since the plan", err);
    sqlite3_finalize(stmt);
    return st;
}

void
ct_store_changes_free(struct ct_store_round_change *v, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        free(v[i].member_name);
        free(v[i].other_name);
        free(v[i].reason_copy);
    }
    free(v);
}

/* One row of ct_store_changes_load's query into c; false when out of memory. */
static bool
read_change(sqlite3_stmt *stmt, struct ct_store_round_change *c)
{
    bool failed = false;

    memset(c, 0, sizeof(*c));
    c->group_id = sqlite3_column_int64(stmt, 0);
    c->kind = (enum ct_round_change_kind)sqlite3_column_int(stmt, 1);
    c->member_id = sqlite3_column_int64(stmt, 2);
    c->other_id = sqlite3_column_int64(stmt, 3);
    c->new_group_id = sqlite3_column_int64(stmt, 4);
    c->reason_copy = ct_store_column_dup(stmt, 5, &failed);
    c->reason = c->reason_copy;
    c->member_name = ct_store_column_dup(stmt, 6, &failed);
    c->other_name = ct_store_column_dup(stmt, 7, &failed);
    c->member_erased = sqlite3_column_int(stmt, 8) != 0;
    c->other_erased = sqlite3_column_int(stmt, 9) != 0;
    return !failed;
}

enum ct_status
ct_store_changes_load(struct ct_store *store, int64_t round_id, struct ct_store_round_change **v,
                      size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *v = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT c.group_id, c.kind, c.member_id, c.other_id, c.new_group_id,"
                          " c.reason, coalesce(nullif(a.name, ''), a.email),"
                          " coalesce(nullif(b.name, ''), b.email),"
                          " a.status = ?2, b.status = ?2"
                          " FROM round_changes c LEFT JOIN members a ON a.id = c.member_id"
                          " LEFT JOIN members b ON b.id = c.other_id"
                          " WHERE c.round_id = ?1 ORDER BY c.group_id, c.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_text(stmt, 2, ct_store_member_status_sql(CT_MEMBER_ERASED), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(v, &cap, *count + 1, sizeof(**v))) {
            st = nomem(err);
            goto out;
        }
        if (!read_change(stmt, &(*v)[*count])) {
            (*count)++;
            st = nomem(err);
            goto out;
        }
        (*count)++;
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read the changes since the plan");
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_changes_free(*v, *count);
        *v = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_store_round_send_progress(struct ct_store *store, int64_t round_id, long *queued, long *planned,
                             struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    *queued = *planned = 0;
    st = ct_store_prepare(store,
                          "SELECT count(*) FILTER (WHERE state = ?2),"
                          " count(*) FILTER (WHERE state = ?3) FROM groups WHERE round_id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(CT_GROUP_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        *queued = (long)sqlite3_column_int64(stmt, 0);
        *planned = (long)sqlite3_column_int64(stmt, 1);
    } else {
        st = ct_store_error(store, err, "count the round's groups");
    }
    sqlite3_finalize(stmt);
    return st;
}
