/*
 * rounds.c: planning a round (the store's snapshot in, the engine's groups
 * with proposed slots out, written in one transaction), and reading rounds
 * back for show and list. Sending, cancelling and members leaving are in
 * rounds_mail.c; the engine adapter is rounds_engine.c.
 */
#include "store_impl.h"
#include "rounds.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <libical/ical.h>

#include "clock.h"
#include "invite.h"
#include "members.h"
#include "rounds_impl.h"
#include "schedule.h"
#include "slot.h"
#include "validate.h"

enum ct_status
rounds_nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

void
rounds_window(const struct ct_config *cfg, int64_t start, int64_t now, int64_t *from, int64_t *to)
{
    *from = start > now ? start : now;
    *to = *from + (cfg->schedule.meeting_window > 0 ? cfg->schedule.meeting_window : 14 * 86400);
}

void
rounds_worktime(const struct ct_config *cfg, struct ct_worktime *wt)
{
    wt->start_minutes = cfg->schedule.work_start_minutes;
    wt->end_minutes = cfg->schedule.work_end_minutes;
    wt->days = cfg->schedule.working_days;
}

static void
column_copy(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
    const char *s = (const char *)sqlite3_column_text(stmt, col);

    snprintf(out, size, "%s", s ? s : "");
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

/* --- freeing ---------------------------------------------------------------- */

void
rounds_person_clear(struct ct_round_person *p)
{
    free(p->email);
    free(p->name);
    free(p->organisation);
    free(p->team);
    free(p->site);
    free(p->role);
    free(p->timezone);
    memset(p, 0, sizeof(*p));
}

void
rounds_group_clear(struct ct_round_group *g)
{
    size_t i;

    for (i = 0; i < g->member_count; i++)
        rounds_person_clear(&g->members[i]);
    for (i = 0; i < g->reason_count; i++)
        free(g->reasons[i]);
    free(g->reasons);
    free(g->uid);
    memset(g, 0, sizeof(*g));
}

void
ct_round_free(struct ct_round *round)
{
    size_t i;

    if (round == NULL)
        return;
    for (i = 0; i < round->group_count; i++)
        rounds_group_clear(&round->groups[i]);
    free(round->groups);
    for (i = 0; i < round->unpaired_count; i++) {
        rounds_person_clear(&round->unpaired[i].member);
        free(round->unpaired[i].reason);
    }
    free(round->unpaired);
    free(round);
}

void
rounds_outcome_clear(struct rounds_outcome *out)
{
    size_t i, j;

    for (i = 0; i < out->group_count; i++) {
        for (j = 0; j < out->groups[i].reason_count; j++)
            free(out->groups[i].reasons[j]);
        free(out->groups[i].reasons);
    }
    free(out->groups);
    for (i = 0; i < out->unpaired_count; i++)
        free(out->unpaired[i].reason);
    free(out->unpaired);
    memset(out, 0, sizeof(*out));
}

static void
snapshot_clear(struct rounds_snapshot *snap)
{
    size_t i;

    for (i = 0; i < snap->count; i++) {
        struct rounds_member *m = &snap->members[i];
        free(m->email);
        free(m->name);
        free(m->organisation);
        free(m->team);
        free(m->site);
        free(m->role);
        free(m->timezone);
    }
    free(snap->members);
    free(snap->ties);
    free(snap->exclusions);
    free(snap->history);
    for (i = 0; i < snap->zone_count; i++) {
        free(snap->zones[i].name);
        free(snap->zones[i].hours);
    }
    free(snap->zones);
    memset(snap, 0, sizeof(*snap));
}

long
rounds_snapshot_find(const struct rounds_snapshot *snap, int64_t id)
{
    size_t lo = 0, hi = snap->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (snap->members[mid].id == id)
            return (long)mid;
        if (snap->members[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* --- interning boundary names --------------------------------------------------- */

/*
 * Boundary values become small integers the engine compares. A team is
 * named within its organisation ("Pharmacy" of two trusts are two teams);
 * sites and roles are compared across organisations (two trusts can share
 * a building, and a pharmacist is a pharmacist anywhere).
 */
struct intern {
    char **keys;
    uint32_t *ids;
    size_t cap; /* a power of two */
    size_t count;
};

static uint64_t
hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static void
intern_free(struct intern *t)
{
    size_t i;

    for (i = 0; i < t->cap; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->ids);
    memset(t, 0, sizeof(*t));
}

static bool
intern_grow(struct intern *t)
{
    struct intern n = {0};
    size_t i;

    n.cap = t->cap ? t->cap * 2 : 256;
    n.keys = calloc(n.cap, sizeof(*n.keys));
    n.ids = calloc(n.cap, sizeof(*n.ids));
    if (n.keys == NULL || n.ids == NULL) {
        free(n.keys);
        free(n.ids);
        return false;
    }
    for (i = 0; i < t->cap; i++) {
        size_t j;
        if (t->keys[i] == NULL)
            continue;
        for (j = hash_text(t->keys[i]) & (n.cap - 1); n.keys[j]; j = (j + 1) & (n.cap - 1))
            ;
        n.keys[j] = t->keys[i];
        n.ids[j] = t->ids[i];
    }
    n.count = t->count;
    free(t->keys);
    free(t->ids);
    *t = n;
    return true;
}

/* The id of key (kind + parts), assigning the next one if new; 0 if parts are empty. */
static uint32_t
intern_id(struct intern *t, char kind, const char *scope, const char *value, bool *failed)
{
    char *key;
    size_t j;

    if (value == NULL || *value == '\0')
        return 0;
    key = ct_asprintf("%c%s\x1f%s", kind, scope ? scope : "", value);
    if (key == NULL || ((t->count + 1) * 2 > t->cap && !intern_grow(t))) {
        free(key);
        *failed = true;
        return 0;
    }
    for (j = hash_text(key) & (t->cap - 1); t->keys[j]; j = (j + 1) & (t->cap - 1)) {
        if (strcmp(t->keys[j], key) == 0) {
            free(key);
            return t->ids[j];
        }
    }
    t->keys[j] = key;
    t->ids[j] = (uint32_t)++t->count;
    return t->ids[j];
}

/* --- the snapshot the engine plans from ------------------------------------------ */

struct sent_round {
    int64_t id;
    char date[11];
};

/* How many sent rounds ago round (id, date) was: 1 = the latest. */
static uint32_t
rounds_ago(const struct sent_round *sent, size_t n, int64_t id, const char *date)
{
    size_t i, newer = 0;

    for (i = 0; i < n; i++) {
        int c = strcmp(sent[i].date, date);
        if (sent[i].id == id)
            return (uint32_t)(i + 1);
        if (c > 0 || (c == 0 && sent[i].id > id))
            newer++;
    }
    return newer > 0 ? (uint32_t)newer : 1;
}

static enum ct_status
load_members(struct ct_store *store, const struct ct_config *cfg, struct rounds_snapshot *snap,
             struct ct_error *err)
{
    struct intern names = {0}, zones = {0};
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    size_t cap = 0, zone_cap = 0;
    bool failed = false;
    int rc;

    st =
        ct_store_prepare(store,
                         "SELECT id, email, name, organisation, team, site, role, timezone, status,"
                         " paused_until, frequency FROM members ORDER BY id",
                         &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct rounds_member *m;
        const char *status = (const char *)sqlite3_column_text(stmt, 8);
        const char *until = (const char *)sqlite3_column_text(stmt, 9);
        const char *zone;
        uint32_t z;

        if (!grow(&snap->members, &cap, snap->count + 1, sizeof(*snap->members)))
            goto nomem;
        m = &snap->members[snap->count++];
        memset(m, 0, sizeof(*m));
        m->id = sqlite3_column_int64(stmt, 0);
        m->email = ct_store_column_dup(stmt, 1, &failed);
        m->name = ct_store_column_dup(stmt, 2, &failed);
        m->organisation = ct_store_column_dup(stmt, 3, &failed);
        m->team = ct_store_column_dup(stmt, 4, &failed);
        m->site = ct_store_column_dup(stmt, 5, &failed);
        m->role = ct_store_column_dup(stmt, 6, &failed);
        m->timezone = ct_store_column_dup(stmt, 7, &failed);
        m->status = status ? status[0] : 'l';
        if (until == NULL || ct_parse_date(until, &m->paused_until) != NULL)
            m->paused_until = 0;
        m->frequency = sqlite3_column_int(stmt, 10);
        if (m->frequency < 1 || m->frequency > 3)
            m->frequency = 1;
        m->organisation_id = intern_id(&names, 'o', NULL, m->organisation, &failed);
        m->team_id = intern_id(&names, 't', m->organisation, m->team, &failed);
        m->site_id = intern_id(&names, 's', NULL, m->site, &failed);
        m->role_id = intern_id(&names, 'r', NULL, m->role, &failed);
        zone = m->timezone ? m->timezone : cfg->network.timezone;
        z = intern_id(&zones, 'z', NULL, zone, &failed);
        if (failed)
            goto nomem;
        if (z > snap->zone_count) {
            if (!grow(&snap->zones, &zone_cap, z, sizeof(*snap->zones)))
                goto nomem;
            memset(&snap->zones[snap->zone_count], 0, sizeof(*snap->zones));
            snap->zones[snap->zone_count].name = strdup(zone);
            snap->zone_count++;
            if (snap->zones[z - 1].name == NULL)
                goto nomem;
        }
        m->zone = z - 1;
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read members");
    goto out;
nomem:
    st = rounds_nomem(err);
out:
    sqlite3_finalize(stmt);
    intern_free(&names);
    intern_free(&zones);
    return st;
}

/* Pairs (ties or exclusions) from a query returning two member ids. */
static enum ct_status
load_pairs(struct ct_store *store, struct rounds_snapshot *snap, const char *sql,
           struct rounds_pair **pairs, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long a = rounds_snapshot_find(snap, sqlite3_column_int64(stmt, 0));
        long b = rounds_snapshot_find(snap, sqlite3_column_int64(stmt, 1));

        if (a < 0 || b < 0 || a == b)
            continue;
        if (!grow(pairs, &cap, *count + 1, sizeof(**pairs))) {
            st = rounds_nomem(err);
            goto out;
        }
        (*pairs)[*count].a = (uint32_t)a;
        (*pairs)[*count].b = (uint32_t)b;
        (*count)++;
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read pairs");
out:
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
load_sent_rounds(struct ct_store *store, struct sent_round **sent, size_t *count,
                 struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(
        store, "SELECT id, date FROM rounds WHERE state = 'sent' ORDER BY date DESC, id DESC",
        &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!grow(sent, &cap, *count + 1, sizeof(**sent))) {
            st = rounds_nomem(err);
            goto out;
        }
        (*sent)[*count].id = sqlite3_column_int64(stmt, 0);
        column_copy(stmt, 1, (*sent)[*count].date, sizeof((*sent)[0].date));
        (*count)++;
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read rounds");
out:
    sqlite3_finalize(stmt);
    return st;
}

static void
note_grouped(struct rounds_member *m, uint32_t ago)
{
    if (m->rounds_since_grouped == 0 || (int)ago < m->rounds_since_grouped)
        m->rounds_since_grouped = (int)ago;
}

/* One group of the history scan, as its rows arrive. */
struct past_group {
    int64_t id;
    uint32_t ago;
    bool sent;
    long member[3];
    bool removed[3];
    size_t rows; /* members, removed ones too */
};

static enum ct_status
past_group_done(struct rounds_snapshot *snap, const struct past_group *g, size_t *cap,
                struct ct_error *err)
{
    size_t i, j;

    for (i = 0; i < g->rows && i < 3; i++) {
        if (g->member[i] < 0)
            continue;
        if (g->sent) {
            note_grouped(&snap->members[g->member[i]], g->ago);
            if (g->rows == 3)
                snap->members[g->member[i]].trios++;
        }
        if (g->removed[i])
            continue;
        for (j = i + 1; j < g->rows && j < 3; j++) {
            struct rounds_meeting *mt;
            if (g->member[j] < 0 || g->removed[j])
                continue;
            if (!grow(&snap->history, cap, snap->history_count + 1, sizeof(*snap->history)))
                return rounds_nomem(err);
            mt = &snap->history[snap->history_count++];
            mt->a = (uint32_t)g->member[i];
            mt->b = (uint32_t)g->member[j];
            mt->rounds_ago = g->ago;
        }
    }
    return CT_OK;
}

/*
 * Who was grouped with whom: the groups of sent rounds (members who left a
 * group after it was sent do not count as having met the others), and any
 * group recorded as met. Also each member's last round and trio count.
 */
static enum ct_status
load_history(struct ct_store *store, struct rounds_snapshot *snap, const struct sent_round *sent,
             size_t sent_count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct past_group g;
    enum ct_status st = CT_OK;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(store,
                          "SELECT g.id, r.id, r.date, r.state = 'sent', gm.member_id, gm.removed"
                          " FROM groups g JOIN rounds r ON r.id = g.round_id"
                          " JOIN group_members gm ON gm.group_id = g.id"
                          " WHERE r.state = 'sent'"
                          " OR g.id IN (SELECT group_id FROM outcomes WHERE met = 1)"
                          " ORDER BY g.id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    memset(&g, 0, sizeof(g));
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t gid = sqlite3_column_int64(stmt, 0);

        if (gid != g.id) {
            if (g.rows > 0 && (st = past_group_done(snap, &g, &cap, err)) != CT_OK)
                goto out;
            memset(&g, 0, sizeof(g));
            g.id = gid;
            g.ago = rounds_ago(sent, sent_count, sqlite3_column_int64(stmt, 1),
                               (const char *)sqlite3_column_text(stmt, 2));
            g.sent = sqlite3_column_int(stmt, 3) != 0;
        }
        if (g.rows < 3) {
            g.member[g.rows] = rounds_snapshot_find(snap, sqlite3_column_int64(stmt, 4));
            g.removed[g.rows] = sqlite3_column_int(stmt, 5) != 0;
        }
        g.rows++;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read past groups");
        goto out;
    }
    if (g.rows > 0)
        st = past_group_done(snap, &g, &cap, err);
out:
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
load_sit_outs(struct ct_store *store, struct rounds_snapshot *snap, const struct sent_round *sent,
              size_t sent_count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(
        store,
        "SELECT u.member_id, r.id, r.date FROM unpaired u"
        " JOIN rounds r ON r.id = u.round_id WHERE u.sit_out = 1 AND r.state = 'sent'",
        &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long i = rounds_snapshot_find(snap, sqlite3_column_int64(stmt, 0));
        uint32_t ago;
        struct rounds_member *m;

        if (i < 0)
            continue;
        m = &snap->members[i];
        ago = rounds_ago(sent, sent_count, sqlite3_column_int64(stmt, 1),
                         (const char *)sqlite3_column_text(stmt, 2));
        m->sit_outs++;
        if (m->rounds_since_sit_out == 0 || (int)ago < m->rounds_since_sit_out)
            m->rounds_since_sit_out = (int)ago;
        /* Sitting out counts as taking part, for the frequency. */
        note_grouped(m, ago);
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read sit-outs");
    sqlite3_finalize(stmt);
    return st;
}

/* Working hours of every zone in use, inside [from, to). */
static enum ct_status
load_zone_hours(const struct ct_config *cfg, struct rounds_snapshot *snap, int64_t from, int64_t to,
                struct ct_error *err)
{
    struct ct_worktime wt;
    size_t i;

    rounds_worktime(cfg, &wt);
    for (i = 0; i < snap->zone_count; i++) {
        struct rounds_zone *z = &snap->zones[i];
        enum ct_status st =
            ct_worktime_intervals(z->name, &wt, from, to, &z->hours, &z->count, err);
        if (st != CT_OK)
            return ct_error_prefix(err, "time zone %s", z->name);
    }
    return CT_OK;
}

static enum ct_status
snapshot_load(struct ct_store *store, const struct ct_config *cfg, int32_t day, int64_t from,
              int64_t to, struct rounds_snapshot *snap, struct ct_error *err)
{
    struct sent_round *sent = NULL;
    size_t sent_count = 0;
    enum ct_status st;

    memset(snap, 0, sizeof(*snap));
    snap->day = day;
    if ((st = load_members(store, cfg, snap, err)) != CT_OK ||
        (st = load_pairs(store, snap, "SELECT a, b FROM ties", &snap->ties, &snap->tie_count,
                         err)) != CT_OK ||
        (st = load_pairs(store, snap, "SELECT a, b FROM exclusions", &snap->exclusions,
                         &snap->exclusion_count, err)) != CT_OK ||
        (st = load_sent_rounds(store, &sent, &sent_count, err)) != CT_OK ||
        (st = load_history(store, snap, sent, sent_count, err)) != CT_OK ||
        (st = load_sit_outs(store, snap, sent, sent_count, err)) != CT_OK ||
        (st = load_zone_hours(cfg, snap, from, to, err)) != CT_OK)
        snapshot_clear(snap);
    free(sent);
    return st;
}

/* --- planning ------------------------------------------------------------------- */

/* A seed from the system, below 2^53 so that every JSON reader keeps it exact. */
static enum ct_status
random_seed(uint64_t *seed, struct ct_error *err)
{
    uint64_t v = 0;

    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        return ct_error_set(err, CT_EIO, "cannot read a random seed: %s", strerror(errno));
    v &= (UINT64_C(1) << 53) - 1;
    *seed = v ? v : 1;
    return CT_OK;
}

/* date (YYYY-MM-DD) at minutes after local midnight in zone tz, as Unix seconds. */
static int64_t
local_instant(const char *date, int minutes, const char *tz)
{
    icaltimezone *zone = NULL;
    struct icaltimetype t = icaltime_null_time();
    int y = 0, mo = 0, d = 0;

    if (tz && strcmp(tz, "UTC") != 0)
        zone = icaltimezone_get_builtin_timezone(tz);
    if (zone == NULL)
        zone = icaltimezone_get_utc_timezone();
    sscanf(date, "%4d-%2d-%2d", &y, &mo, &d);
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = minutes / 60;
    t.minute = minutes % 60;
    t.is_date = 0;
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

static enum ct_status
copy_person(const struct rounds_member *m, bool removed, struct ct_round_person *p)
{
    memset(p, 0, sizeof(*p));
    p->id = m->id;
    p->removed = removed;
    if ((m->email && !(p->email = strdup(m->email))) || (m->name && !(p->name = strdup(m->name))) ||
        (m->organisation && !(p->organisation = strdup(m->organisation))) ||
        (m->team && !(p->team = strdup(m->team))) || (m->site && !(p->site = strdup(m->site))) ||
        (m->role && !(p->role = strdup(m->role))) ||
        (m->timezone && !(p->timezone = strdup(m->timezone)))) {
        rounds_person_clear(p);
        return CT_ENOMEM;
    }
    return CT_OK;
}

static enum ct_status
add_unpaired(struct ct_round *round, size_t *cap, const struct rounds_member *m, const char *reason,
             bool sit_out)
{
    struct ct_round_unpaired *u;

    if (!grow(&round->unpaired, cap, round->unpaired_count + 1, sizeof(*round->unpaired)))
        return CT_ENOMEM;
    u = &round->unpaired[round->unpaired_count];
    memset(u, 0, sizeof(*u));
    if (copy_person(m, false, &u->member) != CT_OK)
        return CT_ENOMEM;
    u->reason = strdup(reason ? reason : "no eligible partner");
    if (u->reason == NULL) {
        rounds_person_clear(&u->member);
        return CT_ENOMEM;
    }
    u->sit_out = sit_out;
    round->unpaired_count++;
    return CT_OK;
}

/* The next group id the store will take (ids are assigned by the plan, for the UIDs). */
static enum ct_status
next_group_id(struct ct_store *store, int64_t *id, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store, "SELECT coalesce(max(id), 0) + 1 FROM groups", &stmt, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *id = sqlite3_column_int64(stmt, 0);
    else
        st = ct_store_error(store, err, "read groups");
    sqlite3_finalize(stmt);
    return st;
}

/*
 * Turn the engine's groups into the round's: a UID each, members' details,
 * and a slot from one shared load table; a group without a possible slot
 * is dropped and its members become unpaired with the slot finder's reason.
 */
static enum ct_status
build_round(const struct ct_config *cfg, const struct rounds_snapshot *snap,
            const struct rounds_outcome *oc, int64_t first_group_id, int64_t now,
            struct ct_round *round, struct ct_error *err)
{
    struct ct_slot_load *load = NULL;
    struct ct_worktime wt;
    size_t i, j, unpaired_cap = 0;
    int64_t next_id = first_group_id;
    enum ct_status st = CT_OK;

    rounds_worktime(cfg, &wt);
    round->groups = calloc(oc->group_count ? oc->group_count : 1, sizeof(*round->groups));
    load = ct_slot_load_new(round->window_start, round->window_end);
    if (round->groups == NULL || load == NULL)
        goto nomem;
    for (i = 0; i < oc->group_count; i++) {
        const struct rounds_outcome_group *og = &oc->groups[i];
        struct ct_round_group *g = &round->groups[round->group_count];
        const char *zones[3];
        struct ct_slot_query q;
        struct ct_error serr;
        int64_t start = 0;

        memset(g, 0, sizeof(*g));
        g->id = next_id;
        g->uid = ct_invite_uid(cfg->network.name, round->date, g->id, cfg->network.organiser_email);
        if (g->uid == NULL)
            goto nomem;
        for (j = 0; j < og->size; j++)
            zones[j] = snap->members[og->members[j]].timezone;
        memset(&q, 0, sizeof(q));
        q.zones = zones;
        q.zone_count = og->size;
        q.network_zone = cfg->network.timezone;
        q.worktime = &wt;
        q.window_start = round->window_start;
        q.window_end = round->window_end;
        q.not_before = now;
        q.duration = cfg->schedule.duration;
        q.seed = round->seed;
        q.key = g->uid;
        ct_error_clear(&serr);
        st = ct_slot_find(&q, load, &start, &serr);
        if (st == CT_ENOTFOUND || st == CT_EDATA) {
            char *reason = ct_asprintf("no meeting time fits: %s", serr.message);
            free(g->uid);
            g->uid = NULL;
            if (reason == NULL)
                goto nomem;
            for (j = 0; j < og->size; j++) {
                if (add_unpaired(round, &unpaired_cap, &snap->members[og->members[j]], reason,
                                 false) != CT_OK) {
                    free(reason);
                    goto nomem;
                }
            }
            free(reason);
            st = CT_OK;
            continue;
        }
        if (st != CT_OK) {
            free(g->uid);
            g->uid = NULL;
            ct_error_set(err, st, "%s", serr.message);
            goto out;
        }
        next_id++;
        snprintf(g->state, sizeof(g->state), "planned");
        g->slot_start = start;
        g->slot_minutes = (int)(cfg->schedule.duration / 60);
        g->score = og->total;
        memcpy(g->terms, og->terms, sizeof(g->terms));
        round->group_count++;
        for (j = 0; j < og->size; j++) {
            if (copy_person(&snap->members[og->members[j]], false, &g->members[j]) != CT_OK)
                goto nomem;
            g->member_count++;
        }
        if (og->reason_count > 0) {
            g->reasons = calloc(og->reason_count, sizeof(*g->reasons));
            if (g->reasons == NULL)
                goto nomem;
            for (j = 0; j < og->reason_count; j++) {
                if ((g->reasons[j] = strdup(og->reasons[j])) == NULL)
                    goto nomem;
                g->reason_count++;
            }
        }
    }
    for (i = 0; i < oc->unpaired_count; i++)
        if (add_unpaired(round, &unpaired_cap, &snap->members[oc->unpaired[i].member],
                         oc->unpaired[i].reason, oc->unpaired[i].sit_out) != CT_OK)
            goto nomem;
    goto out;
nomem:
    st = rounds_nomem(err);
out:
    ct_slot_load_free(load);
    return st;
}

/* The round of date that was already sent, if any (OUT: *id, 0 if none). */
static enum ct_status
find_round(struct ct_store *store, const char *date, const char *state, int64_t *id,
           struct ct_error *err)
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
    sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(stmt, 0);
    else if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read rounds");
    sqlite3_finalize(stmt);
    return st;
}

/* Write the planned round, its groups and unpaired; the transaction is the caller's. */
static enum ct_status
write_round(struct ct_store *store, const char *origin, struct ct_round *round,
            struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *replace = NULL, *cancel_groups = NULL, *ins_round = NULL, *ins_group = NULL,
                 *ins_member = NULL, *ins_unpaired = NULL;
    struct ct_buf explain;
    enum ct_status st;
    size_t i, j;
    int rc;

    ct_buf_init(&explain);
    if ((st = ct_store_prepare(
             store,
             "UPDATE rounds SET state = 'replaced' WHERE date = ?1 AND state = 'planned'"
             " RETURNING id",
             &replace, err)) != CT_OK ||
        (st = ct_store_prepare(
             store,
             "UPDATE groups SET state = 'cancelled' WHERE state = 'planned' AND round_id"
             " IN (SELECT id FROM rounds WHERE date = ?1 AND state = 'replaced')",
             &cancel_groups, err)) != CT_OK ||
        (st = ct_store_prepare(
             store,
             "INSERT INTO rounds(date, seed, state, origin, send_after, created_at)"
             " VALUES (?1, ?2, 'planned', ?3, ?4, ?5)",
             &ins_round, err)) != CT_OK ||
        (st = ct_store_prepare(
             store,
             "INSERT INTO groups(id, round_id, uid, sequence, state, score, explain,"
             " slot_start, slot_minutes) VALUES (?1, ?2, ?3, 0, 'planned', ?4, ?5, ?6, ?7)",
             &ins_group, err)) != CT_OK ||
        (st = ct_store_prepare(store,
                               "INSERT INTO group_members(group_id, member_id) VALUES (?1, ?2)",
                               &ins_member, err)) != CT_OK ||
        (st = ct_store_prepare(store,
                               "INSERT INTO unpaired(round_id, member_id, reason, sit_out)"
                               " VALUES (?1, ?2, ?3, ?4)",
                               &ins_unpaired, err)) != CT_OK)
        goto out;

    sqlite3_bind_text(replace, 1, round->date, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(replace)) == SQLITE_ROW)
        round->replaced = sqlite3_column_int64(replace, 0);
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "replace the planned round");
        goto out;
    }
    sqlite3_bind_text(cancel_groups, 1, round->date, -1, SQLITE_STATIC);
    if ((st = ct_store_step_done(store, cancel_groups, "replace the planned round", err)) != CT_OK)
        goto out;

    sqlite3_bind_text(ins_round, 1, round->date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins_round, 2, (int64_t)round->seed);
    sqlite3_bind_text(ins_round, 3, origin, -1, SQLITE_STATIC);
    if (round->send_after > 0)
        sqlite3_bind_int64(ins_round, 4, round->send_after);
    sqlite3_bind_int64(ins_round, 5, round->created_at);
    if ((st = ct_store_step_done(store, ins_round, "insert round", err)) != CT_OK)
        goto out;
    round->id = sqlite3_last_insert_rowid(db);

    for (i = 0; i < round->group_count; i++) {
        struct ct_round_group *g = &round->groups[i];

        ct_buf_reset(&explain);
        rounds_explain_write(&explain, g->score, g->terms, g->reasons, g->reason_count);
        if (explain.failed) {
            st = rounds_nomem(err);
            goto out;
        }
        sqlite3_bind_int64(ins_group, 1, g->id);
        sqlite3_bind_int64(ins_group, 2, round->id);
        sqlite3_bind_text(ins_group, 3, g->uid, -1, SQLITE_STATIC);
        sqlite3_bind_double(ins_group, 4, g->score);
        sqlite3_bind_text(ins_group, 5, explain.data, (int)explain.len, SQLITE_STATIC);
        sqlite3_bind_int64(ins_group, 6, g->slot_start);
        sqlite3_bind_int(ins_group, 7, g->slot_minutes);
        if ((st = ct_store_step_done(store, ins_group, "insert group", err)) != CT_OK)
            goto out;
        for (j = 0; j < g->member_count; j++) {
            sqlite3_bind_int64(ins_member, 1, g->id);
            sqlite3_bind_int64(ins_member, 2, g->members[j].id);
            if ((st = ct_store_step_done(store, ins_member, "insert group member", err)) != CT_OK)
                goto out;
        }
    }
    for (i = 0; i < round->unpaired_count; i++) {
        sqlite3_bind_int64(ins_unpaired, 1, round->id);
        sqlite3_bind_int64(ins_unpaired, 2, round->unpaired[i].member.id);
        sqlite3_bind_text(ins_unpaired, 3, round->unpaired[i].reason, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_unpaired, 4, round->unpaired[i].sit_out);
        if ((st = ct_store_step_done(store, ins_unpaired, "insert unpaired member", err)) != CT_OK)
            goto out;
    }
out:
    ct_buf_free(&explain);
    sqlite3_finalize(replace);
    sqlite3_finalize(cancel_groups);
    sqlite3_finalize(ins_round);
    sqlite3_finalize(ins_group);
    sqlite3_finalize(ins_member);
    sqlite3_finalize(ins_unpaired);
    return st;
}

enum ct_status
ct_rounds_plan(struct ct_store *store, const struct ct_config *cfg,
               const struct ct_round_plan_options *opts, struct ct_round **out,
               struct ct_error *err)
{
    struct rounds_snapshot snap;
    struct rounds_outcome oc;
    struct ct_round *round = NULL;
    char today[11];
    int32_t day, today_day;
    int64_t now = ct_now(), start, sent_id, first_group_id = 1;
    bool in_transaction = false;
    enum ct_status st;
    const char *bad;

    *out = NULL;
    memset(&snap, 0, sizeof(snap));
    memset(&oc, 0, sizeof(oc));
    st = ct_schedule_zone_date(cfg->network.timezone, now, today, err);
    if (st != CT_OK)
        return st;
    if (opts->date && (bad = ct_parse_date(opts->date, &day)) != NULL)
        return ct_error_set(err, CT_EUSAGE, "date '%s': %s", opts->date, bad);
    (void)ct_parse_date(today, &today_day);
    if (opts->date == NULL)
        day = today_day;

    round = calloc(1, sizeof(*round));
    if (round == NULL)
        return rounds_nomem(err);
    ct_format_date(day, round->date);
    round->dry_run = opts->dry_run;
    round->created_at = now;
    round->send_after = opts->send_after;
    snprintf(round->state, sizeof(round->state), "planned");
    snprintf(round->origin, sizeof(round->origin), "%s",
             opts->origin == CT_ROUND_DAEMON ? "daemon" : "cli");
    round->seed = opts->seed;
    if (round->seed == 0 && (st = random_seed(&round->seed, err)) != CT_OK)
        goto out;

    /* Pauses that ended come off first, as their own small transaction. */
    if (!opts->dry_run && (st = ct_members_expire_pauses(store, today_day, NULL, err)) != CT_OK)
        goto out;
    /* One transaction from reading to writing; a dry run only reads, from one snapshot. */
    if (opts->dry_run)
        st = sqlite3_exec(ct_store_db(store), "BEGIN", NULL, NULL, NULL) == SQLITE_OK
                 ? CT_OK
                 : ct_store_error(store, err, "begin transaction");
    else
        st = ct_store_begin(store, err);
    if (st != CT_OK)
        goto out;
    in_transaction = true;

    if (!opts->dry_run) {
        if ((st = find_round(store, round->date, "sent", &sent_id, err)) != CT_OK)
            goto out;
        if (sent_id > 0) {
            st = ct_error_set(err, CT_ESTATE,
                              "round %" PRId64 " for %s was already sent; to plan that date "
                              "again, cancel it first (coffeetrial round cancel %" PRId64 ")",
                              sent_id, round->date, sent_id);
            goto out;
        }
    }

    start = opts->send_after > 0
                ? opts->send_after
                : local_instant(round->date, cfg->schedule.time_minutes, cfg->network.timezone) +
                      cfg->schedule.review_period;
    rounds_window(cfg, start, now, &round->window_start, &round->window_end);

    if ((st = snapshot_load(store, cfg, day, round->window_start, round->window_end, &snap, err)) !=
            CT_OK ||
        (st = rounds_engine_run(&snap, cfg, round->seed, &oc, err)) != CT_OK ||
        (st = next_group_id(store, &first_group_id, err)) != CT_OK ||
        (st = build_round(cfg, &snap, &oc, first_group_id, now, round, err)) != CT_OK)
        goto out;
    round->eligible = oc.eligible;

    if (!opts->dry_run) {
        if ((st = write_round(store, round->origin, round, err)) != CT_OK ||
            (st = ct_store_commit(store, err)) != CT_OK)
            goto out;
        in_transaction = false;
    } else {
        /* Nothing was written: the ids the plan would take are not the round's. */
        size_t i;
        for (i = 0; i < round->group_count; i++)
            round->groups[i].id = 0;
    }
out:
    if (in_transaction)
        ct_store_rollback(store);
    snapshot_clear(&snap);
    rounds_outcome_clear(&oc);
    if (st != CT_OK) {
        ct_round_free(round);
        return st;
    }
    *out = round;
    return CT_OK;
}

/* --- reading rounds back ------------------------------------------------------------ */

/* Members columns in this order, starting at col: id, email, name, org, team, site, role, zone. */
#define PERSON_COLUMNS "m.id, m.email, m.name, m.organisation, m.team, m.site, m.role, m.timezone"

static bool
read_person(sqlite3_stmt *stmt, int col, struct ct_round_person *p)
{
    bool failed = false;

    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(stmt, col);
    p->email = ct_store_column_dup(stmt, col + 1, &failed);
    p->name = ct_store_column_dup(stmt, col + 2, &failed);
    p->organisation = ct_store_column_dup(stmt, col + 3, &failed);
    p->team = ct_store_column_dup(stmt, col + 4, &failed);
    p->site = ct_store_column_dup(stmt, col + 5, &failed);
    p->role = ct_store_column_dup(stmt, col + 6, &failed);
    p->timezone = ct_store_column_dup(stmt, col + 7, &failed);
    if (failed)
        rounds_person_clear(p);
    return !failed;
}

enum ct_status
rounds_load_person(struct ct_store *store, int64_t member_id, struct ct_round_person *p,
                   struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    memset(p, 0, sizeof(*p));
    st = ct_store_prepare(store, "SELECT " PERSON_COLUMNS " FROM members m WHERE m.id = ?1", &stmt,
                          err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        st = read_person(stmt, 0, p) ? CT_OK : rounds_nomem(err);
    else if (rc == SQLITE_DONE)
        st = ct_error_set(err, CT_ENOTFOUND, "no member %" PRId64, member_id);
    else
        st = ct_store_error(store, err, "read member");
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
rounds_load_groups(struct ct_store *store, const char *where, int64_t param,
                   struct ct_round_group **groups, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_round_group *v = NULL, *g = NULL;
    enum ct_status st;
    size_t n = 0, cap = 0, i;
    char *sql;
    int rc;

    *groups = NULL;
    *count = 0;
    sql = ct_asprintf("SELECT g.id, g.uid, g.sequence, g.state, g.score, g.explain,"
                      " g.slot_start, g.slot_minutes, gm.removed, " PERSON_COLUMNS
                      " FROM groups g JOIN group_members gm ON gm.group_id = g.id"
                      " JOIN members m ON m.id = gm.member_id WHERE %s ORDER BY g.id, m.id",
                      where);
    if (sql == NULL)
        return rounds_nomem(err);
    st = ct_store_prepare(store, sql, &stmt, err);
    free(sql);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, param);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);

        if (g == NULL || g->id != id) {
            const char *explain = (const char *)sqlite3_column_text(stmt, 5);
            bool failed = false;

            if (!grow(&v, &cap, n + 1, sizeof(*v)))
                goto nomem;
            g = &v[n++];
            memset(g, 0, sizeof(*g));
            g->id = id;
            g->uid = ct_store_column_dup(stmt, 1, &failed);
            if (failed)
                goto nomem;
            g->sequence = sqlite3_column_int(stmt, 2);
            column_copy(stmt, 3, g->state, sizeof(g->state));
            g->score = sqlite3_column_double(stmt, 4);
            g->slot_start = sqlite3_column_int64(stmt, 6);
            g->slot_minutes = sqlite3_column_int(stmt, 7);
            if (explain && (st = rounds_explain_read(explain, g, err)) != CT_OK)
                goto out;
            /* The column is the truth; explain's copy could only disagree by a bug. */
            g->score = sqlite3_column_double(stmt, 4);
        }
        if (g->member_count < 3) {
            if (!read_person(stmt, 9, &g->members[g->member_count]))
                goto nomem;
            g->members[g->member_count].removed = sqlite3_column_int(stmt, 8) != 0;
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
    st = rounds_nomem(err);
out:
    sqlite3_finalize(stmt);
    for (i = 0; i < n; i++)
        rounds_group_clear(&v[i]);
    free(v);
    return st;
}

static enum ct_status
load_unpaired(struct ct_store *store, struct ct_round *round, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(
        store,
        "SELECT u.reason, u.sit_out, " PERSON_COLUMNS
        " FROM unpaired u JOIN members m ON m.id = u.member_id"
        " WHERE u.round_id = ?1 ORDER BY u.sit_out DESC, m.email IS NULL, m.email, m.id",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round->id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_round_unpaired *u;
        bool failed = false;

        if (!grow(&round->unpaired, &cap, round->unpaired_count + 1, sizeof(*round->unpaired)))
            goto nomem;
        u = &round->unpaired[round->unpaired_count];
        memset(u, 0, sizeof(*u));
        u->reason = ct_store_column_dup(stmt, 0, &failed);
        u->sit_out = sqlite3_column_int(stmt, 1) != 0;
        if (failed || !read_person(stmt, 2, &u->member)) {
            free(u->reason);
            goto nomem;
        }
        round->unpaired_count++;
    }
    st = rc == SQLITE_DONE ? CT_OK : ct_store_error(store, err, "read unpaired members");
    goto out;
nomem:
    st = rounds_nomem(err);
out:
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_rounds_load(struct ct_store *store, int64_t id, struct ct_round **out, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_round *round;
    enum ct_status st;
    int rc;

    *out = NULL;
    round = calloc(1, sizeof(*round));
    if (round == NULL)
        return rounds_nomem(err);
    st = ct_store_prepare(store,
                          "SELECT id, date, seed, state, origin, send_after, created_at, sent_at,"
                          " cancelled_at FROM rounds WHERE id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        st = ct_error_set(err, CT_ENOTFOUND, "no round %" PRId64 " (see coffeetrial round list)",
                          id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        st = ct_store_error(store, err, "read round");
        goto out;
    }
    round->id = sqlite3_column_int64(stmt, 0);
    column_copy(stmt, 1, round->date, sizeof(round->date));
    round->seed = (uint64_t)sqlite3_column_int64(stmt, 2);
    column_copy(stmt, 3, round->state, sizeof(round->state));
    column_copy(stmt, 4, round->origin, sizeof(round->origin));
    round->send_after = sqlite3_column_int64(stmt, 5);
    round->created_at = sqlite3_column_int64(stmt, 6);
    round->sent_at = sqlite3_column_int64(stmt, 7);
    round->cancelled_at = sqlite3_column_int64(stmt, 8);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if ((st = rounds_load_groups(store, "g.round_id = ?1", id, &round->groups, &round->group_count,
                                 err)) != CT_OK ||
        (st = load_unpaired(store, round, err)) != CT_OK)
        goto out;
    round->eligible = round->unpaired_count;
    for (size_t i = 0; i < round->group_count; i++)
        round->eligible += round->groups[i].member_count;
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_round_free(round);
        return st;
    }
    *out = round;
    return CT_OK;
}

enum ct_status
ct_rounds_list(struct ct_store *store, struct ct_round_list **out, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_round_list *list;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return rounds_nomem(err);
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
        goto out;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_round_summary *s;

        if (!grow(&list->items, &cap, list->count + 1, sizeof(*list->items))) {
            st = rounds_nomem(err);
            goto out;
        }
        s = &list->items[list->count++];
        memset(s, 0, sizeof(*s));
        s->id = sqlite3_column_int64(stmt, 0);
        column_copy(stmt, 1, s->date, sizeof(s->date));
        s->seed = (uint64_t)sqlite3_column_int64(stmt, 2);
        column_copy(stmt, 3, s->state, sizeof(s->state));
        column_copy(stmt, 4, s->origin, sizeof(s->origin));
        s->send_after = sqlite3_column_int64(stmt, 5);
        s->created_at = sqlite3_column_int64(stmt, 6);
        s->sent_at = sqlite3_column_int64(stmt, 7);
        s->cancelled_at = sqlite3_column_int64(stmt, 8);
        s->groups = (size_t)sqlite3_column_int64(stmt, 9);
        s->trios = (size_t)sqlite3_column_int64(stmt, 10);
        s->members = (size_t)sqlite3_column_int64(stmt, 11);
        s->unpaired = (size_t)sqlite3_column_int64(stmt, 12);
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read rounds");
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_round_list_free(list);
        return st;
    }
    *out = list;
    return CT_OK;
}

void
ct_round_list_free(struct ct_round_list *list)
{
    if (list == NULL)
        return;
    free(list->items);
    free(list);
}
