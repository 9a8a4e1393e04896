/*
 * rounds_snapshot.c: the snapshot a round is planned from, built from what
 * the store holds (store_rounds.h): member boundaries interned as small
 * integers, who met whom counted in sent rounds, each zone's working hours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orgname.h"
#include "par.h"
#include "rc.h"
#include "rounds_snapshot.h"
#include "validate.h"

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

void
rounds_snapshot_clear(struct rounds_snapshot *snap)
{
    size_t i;

    for (i = 0; i < snap->count; i++)
        ct_member_clear(&snap->members[i].member);
    free(snap->members);
    free(snap->ties);
    free(snap->exclusions);
    free(snap->history);
    for (i = 0; i < snap->zone_count; i++) {
        free(snap->zones[i].name);
        free(snap->zones[i].hours);
    }
    free(snap->zones);
    free(snap->coordination);
    memset(snap, 0, sizeof(*snap));
}

/* The index of member id in the snapshot, or -1. */
static long
snapshot_find(const struct rounds_snapshot *snap, int64_t id)
{
    size_t lo = 0, hi = snap->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (snap->members[mid].member.id == id)
            return (long)mid;
        if (snap->members[mid].member.id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

enum ct_status
rounds_snapshot_skip(struct rounds_snapshot *snap, const int64_t *ids, size_t count)
{
    size_t k;

    for (k = 0; k < count; k++) {
        long i = snapshot_find(snap, ids[k]);
        if (i >= 0)
            snap->members[i].skipping = true;
    }
    return CT_OK;
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
    char buf[256], *key;
    size_t j, ls, lv;

    if (value == NULL || *value == '\0')
        return 0;
    /* The key kind, scope, US, value: built on the stack, copied only when new. */
    ls = scope ? strlen(scope) : 0;
    lv = strlen(value);
    key = ls + lv + 3 <= sizeof(buf) ? buf : malloc(ls + lv + 3);
    if (key == NULL || ((t->count + 1) * 2 > t->cap && !intern_grow(t))) {
        if (key != buf)
            free(key);
        *failed = true;
        return 0;
    }
    key[0] = kind;
    memcpy(key + 1, scope ? scope : "", ls);
    key[1 + ls] = '\x1f';
    memcpy(key + 2 + ls, value, lv + 1);
    for (j = hash_text(key) & (t->cap - 1); t->keys[j]; j = (j + 1) & (t->cap - 1)) {
        if (strcmp(t->keys[j], key) == 0) {
            if (key != buf)
                free(key);
            return t->ids[j];
        }
    }
    if (key == buf && (key = strdup(buf)) == NULL) {
        *failed = true;
        return 0;
    }
    t->keys[j] = key;
    t->ids[j] = (uint32_t)++t->count;
    return t->ids[j];
}

/*
 * Intern m's organisation, team and site by their identity (orgname.h:
 * case, spacing, punctuation and "&"/"and" ignored, [roster] aliases
 * applied), so two spellings are one boundary; roles as written.
 */
static void
intern_boundaries(struct intern *names, const struct ct_orgname_aliases *aliases,
                  struct rounds_member *m, bool *failed)
{
    const struct ct_member *v = &m->member;
    char *org = ct_orgname_identity(aliases, v->organisation);
    char *team = ct_orgname_identity(aliases, v->team);
    char *site = ct_orgname_identity(aliases, v->site);

    if (org == NULL || team == NULL || site == NULL)
        *failed = true;
    else {
        m->organisation_id = intern_id(names, 'o', NULL, org, failed);
        m->team_id = intern_id(names, 't', org, team, failed);
        m->site_id = intern_id(names, 's', NULL, site, failed);
    }
    m->role_id = intern_id(names, 'r', NULL, v->role, failed);
    free(org);
    free(team);
    free(site);
}

/* --- members, ties and history --------------------------------------------------- */

/* How many sent rounds ago round (id, date) was: 1 = the latest. */
static uint32_t
rounds_ago(const struct ct_store_sent_round *sent, size_t n, int64_t id, const char *date)
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

static void
note_grouped(struct rounds_member *m, uint32_t ago)
{
    if (m->rounds_since_grouped == 0 || (int)ago < m->rounds_since_grouped)
        m->rounds_since_grouped = (int)ago;
}

/*
 * The working time of member m: the network's, with the hours and days the
 * member set over it (planning->hours, by id; *k walks it in step).
 */
static void
member_worktime(const struct ct_config *cfg, const struct ct_store_planning *planning, size_t *k,
                struct rounds_member *m)
{
    rounds_worktime(cfg, &m->worktime);
    while (*k < planning->hours_count && planning->hours[*k].member_id < m->member.id)
        (*k)++;
    if (*k < planning->hours_count && planning->hours[*k].member_id == m->member.id) {
        const struct ct_store_member_hours *h = &planning->hours[*k];
        if (h->has_hours) {
            m->worktime.start_minutes = h->start_minutes;
            m->worktime.end_minutes = h->end_minutes;
        }
        if (h->has_days)
            m->worktime.days = h->days;
        m->own_hours = h->has_hours || h->has_days;
    }
}

/* Taking the members out of planning: the interning tables it keeps. */
struct taker {
    const struct ct_config *cfg;
    struct intern names, zones;
    size_t members_cap, zone_cap, k; /* k: walks planning->hours */
    bool failed;
};

static void
taker_free(struct taker *t)
{
    intern_free(&t->names);
    intern_free(&t->zones);
}

/* Room for n members in snap, exactly (a round of 100,000 would otherwise hold 131,072). */
static bool
members_reserve(struct taker *t, struct rounds_snapshot *snap, size_t n)
{
    struct rounds_member *v = realloc(snap->members, n * sizeof(*v));

    if (v == NULL)
        return false;
    snap->members = v;
    t->members_cap = n;
    return true;
}

/*
 * Take planning->members[i] into snap (the next member, in id order),
 * interning its boundaries and zone (the member's zone, or the network's;
 * a member with hours of their own gets a zone entry for those hours).
 * False when out of memory.
 */
static bool
take_member(struct taker *t, struct ct_store_planning *planning, size_t i,
            struct rounds_snapshot *snap)
{
    const struct ct_config *cfg = t->cfg;
    struct rounds_member *m;
    struct ct_member *v;
    char hours_key[48];
    const char *zone;
    uint32_t z;

    if (!grow(&snap->members, &t->members_cap, snap->count + 1, sizeof(*snap->members)))
        return false;
    m = &snap->members[snap->count++];
    memset(m, 0, sizeof(*m));
    v = &m->member;
    *v = planning->members[i];
    memset(&planning->members[i], 0, sizeof(planning->members[i]));
    if (v->paused_until == NULL || ct_parse_date(v->paused_until, &m->paused_day) != NULL)
        m->paused_day = 0;
    if ((int)v->frequency < 1 || (int)v->frequency > 3)
        v->frequency = CT_FREQ_MONTHLY;
    intern_boundaries(&t->names, cfg->roster.org_aliases, m, &t->failed);
    member_worktime(cfg, planning, &t->k, m);
    if (m->own_hours)
        snprintf(hours_key, sizeof(hours_key), "%d-%d-%u", m->worktime.start_minutes,
                 m->worktime.end_minutes, m->worktime.days);
    zone = v->timezone ? v->timezone : cfg->network.timezone;
    z = intern_id(&t->zones, 'z', m->own_hours ? hours_key : NULL, zone, &t->failed);
    if (t->failed)
        return false;
    if (z > snap->zone_count) {
        if (!grow(&snap->zones, &t->zone_cap, z, sizeof(*snap->zones)))
            return false;
        memset(&snap->zones[snap->zone_count], 0, sizeof(*snap->zones));
        snap->zones[snap->zone_count].name = strdup(zone);
        snap->zones[snap->zone_count].worktime = m->worktime;
        snap->zone_count++;
        if (snap->zones[z - 1].name == NULL)
            return false;
    }
    m->zone = z - 1;
    return true;
}

/* The members are the snapshot's now; their old array goes before the engine runs. */
static void
members_taken(struct ct_store_planning *planning)
{
    free(planning->members);
    planning->members = NULL;
    planning->member_count = 0;
}

/* Take every member out of planning into snap, in id order (take_member). */
static enum ct_status
take_members(const struct ct_config *cfg, struct ct_store_planning *planning,
             struct rounds_snapshot *snap, struct ct_error *err)
{
    struct taker t;
    bool ok = true;
    size_t i;

    memset(&t, 0, sizeof(t));
    t.cfg = cfg;
    ok = members_reserve(&t, snap, planning->member_count + 1);
    for (i = 0; i < planning->member_count && ok; i++)
        ok = take_member(&t, planning, i, snap);
    taker_free(&t);
    if (!ok)
        return rounds_nomem(err);
    members_taken(planning);
    return CT_OK;
}

/* Pairs of member ids as pairs of snapshot indices (unknown members and self-pairs dropped). */
static enum ct_status
take_pairs(const struct rounds_snapshot *snap, const struct ct_store_pair *ids, size_t n,
           struct rounds_pair **pairs, size_t *count, struct ct_error *err)
{
    size_t i;

    *pairs = calloc(n + 1, sizeof(**pairs));
    if (*pairs == NULL)
        return rounds_nomem(err);
    for (i = 0; i < n; i++) {
        long a = snapshot_find(snap, ids[i].a);
        long b = snapshot_find(snap, ids[i].b);

        if (a < 0 || b < 0 || a == b)
            continue;
        (*pairs)[*count].a = (uint32_t)a;
        (*pairs)[*count].b = (uint32_t)b;
        (*count)++;
    }
    return CT_OK;
}

/* One past group, as its member rows arrive. */
struct past_group {
    int64_t id;
    uint32_t ago;
    bool sent;
    long member[CT_GROUP_MAX];
    bool removed[CT_GROUP_MAX];
    size_t rows; /* members, removed ones too */
};

static enum ct_status
past_group_done(struct rounds_snapshot *snap, const struct past_group *g, size_t *cap,
                struct ct_error *err)
{
    size_t i, j;

    for (i = 0; i < g->rows && i < CT_GROUP_MAX; i++) {
        if (g->member[i] < 0)
            continue;
        if (g->sent) {
            note_grouped(&snap->members[g->member[i]], g->ago);
            if (g->rows == 3)
                snap->members[g->member[i]].trios++;
            if (g->rows <= CT_GROUP_MAX)
                snap->members[g->member[i]].by_size[g->rows]++;
        }
        if (g->removed[i])
            continue;
        for (j = i + 1; j < g->rows && j < CT_GROUP_MAX; j++) {
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
count_history(const struct ct_store_planning *p, struct rounds_snapshot *snap, struct ct_error *err)
{
    struct past_group g;
    enum ct_status st;
    size_t cap = 0, i;

    memset(&g, 0, sizeof(g));
    for (i = 0; i < p->past_count; i++) {
        const struct ct_store_past_member *pm = &p->past[i];

        if (pm->group_id != g.id) {
            if (g.rows > 0 && (st = past_group_done(snap, &g, &cap, err)) != CT_OK)
                return st;
            memset(&g, 0, sizeof(g));
            g.id = pm->group_id;
            g.ago = rounds_ago(p->sent, p->sent_count, pm->round_id, pm->date);
            g.sent = pm->round_sent;
        }
        if (g.rows < CT_GROUP_MAX) {
            g.member[g.rows] = snapshot_find(snap, pm->member_id);
            g.removed[g.rows] = pm->removed;
        }
        g.rows++;
    }
    return g.rows > 0 ? past_group_done(snap, &g, &cap, err) : CT_OK;
}

static void
count_sit_outs(const struct ct_store_planning *p, struct rounds_snapshot *snap)
{
    size_t k;

    for (k = 0; k < p->sit_out_count; k++) {
        long i = snapshot_find(snap, p->sit_outs[k].member_id);
        uint32_t ago;
        struct rounds_member *m;

        if (i < 0)
            continue;
        m = &snap->members[i];
        ago = rounds_ago(p->sent, p->sent_count, p->sit_outs[k].round_id, p->sit_outs[k].date);
        m->sit_outs++;
        if (m->rounds_since_sit_out == 0 || (int)ago < m->rounds_since_sit_out)
            m->rounds_since_sit_out = (int)ago;
        /* Sitting out counts as taking part, for the frequency. */
        note_grouped(m, ago);
    }
}

/* Working hours of every zone in use, inside [from, to). */
static enum ct_status
load_zone_hours(const struct ct_config *cfg, struct rounds_snapshot *snap, int64_t from, int64_t to,
                struct ct_error *err)
{
    size_t i;

    (void)cfg;
    for (i = 0; i < snap->zone_count; i++) {
        struct rounds_zone *z = &snap->zones[i];
        enum ct_status st =
            ct_worktime_intervals(z->name, &z->worktime, from, to, &z->hours, &z->count, err);
        if (st != CT_OK)
            return ct_error_prefix(err, "time zone %s", z->name);
    }
    return CT_OK;
}

/* The snapshot's history, pairs and zone hours, its members taken. */
static enum ct_status
snapshot_finish(const struct ct_config *cfg, struct ct_store_planning *planning, int64_t from,
                int64_t to, struct rounds_snapshot *snap, struct ct_error *err)
{
    enum ct_status st;

    if ((st = take_pairs(snap, planning->ties, planning->tie_count, &snap->ties, &snap->tie_count,
                         err)) != CT_OK ||
        (st = take_pairs(snap, planning->exclusions, planning->exclusion_count, &snap->exclusions,
                         &snap->exclusion_count, err)) != CT_OK ||
        (st = count_history(planning, snap, err)) != CT_OK)
        return st;
    count_sit_outs(planning, snap);
    return load_zone_hours(cfg, snap, from, to, err);
}

enum ct_status
rounds_snapshot_build(const struct ct_config *cfg, struct ct_store_planning *planning, int32_t day,
                      int64_t from, int64_t to, struct rounds_snapshot *snap, struct ct_error *err)
{
    enum ct_status st;

    memset(snap, 0, sizeof(*snap));
    snap->day = day;
    st = take_members(cfg, planning, snap, err);
    return st == CT_OK ? snapshot_finish(cfg, planning, from, to, snap, err) : st;
}

/* The store read on this thread while another takes the members as they come. */
struct snapshot_pipe {
    struct ct_store *store;
    struct ct_store_planning *planning;
    struct rounds_snapshot *snap;
    struct ct_par_progress *progress;
    struct taker taker;
    enum ct_status load_st;
    struct ct_error load_err;
    bool take_ok;
};

static void
pipe_load(void *arg)
{
    struct snapshot_pipe *p = arg;

    p->load_st = ct_store_planning_load_with(p->store, p->planning, p->progress, &p->load_err);
}

static void
pipe_take(void *arg)
{
    struct snapshot_pipe *p = arg;
    size_t taken = 0, done;
    bool last = false;

    p->take_ok = true;
    while (!last && p->take_ok) {
        done = ct_par_progress_wait(p->progress, taken, &last);
        /* Sized once, from the count the store read before the first member. */
        if (taken == 0 && p->taker.members_cap == 0)
            p->take_ok = members_reserve(&p->taker, p->snap, p->planning->member_total + 1);
        for (; taken < done && p->take_ok; taken++)
            p->take_ok = take_member(&p->taker, p->planning, taken, p->snap);
    }
}

enum ct_status
rounds_snapshot_load(struct ct_store *store, const struct ct_config *cfg,
                     struct ct_store_planning *planning, int32_t day, int64_t from, int64_t to,
                     struct rounds_snapshot *snap, struct ct_error *err)
{
    struct snapshot_pipe p;

    memset(snap, 0, sizeof(*snap));
    memset(planning, 0, sizeof(*planning));
    snap->day = day;
    memset(&p, 0, sizeof(p));
    p.store = store;
    p.planning = planning;
    p.snap = snap;
    p.taker.cfg = cfg;
    ct_error_clear(&p.load_err);
    if ((p.progress = ct_par_progress_new()) == NULL)
        return rounds_nomem(err);
    ct_par_pipe(pipe_load, pipe_take, &p, true);
    ct_par_progress_free(p.progress);
    taker_free(&p.taker);
    if (p.load_st != CT_OK) {
        *err = p.load_err;
        return p.load_st;
    }
    if (!p.take_ok)
        return rounds_nomem(err);
    members_taken(planning);
    return snapshot_finish(cfg, planning, from, to, snap, err);
}

/* --- Relational Coordination ----------------------------------------------------- */

#define RC_MAX_ROLES 4096
#define RC_KEY       256

/* Set the strength s of every pair of role ids whose folded names are ka and kb. */
static void
rc_fill(struct rounds_snapshot *snap, char (*keys)[RC_KEY], const char *ka, const char *kb, float s)
{
    uint32_t n = snap->coordination_roles, i, j;

    for (i = 1; i < n; i++) {
        if (strcmp(keys[i], ka) != 0)
            continue;
        for (j = 1; j < n; j++)
            if (strcmp(keys[j], kb) == 0) {
                snap->coordination[(size_t)i * n + j] = s;
                snap->coordination[(size_t)j * n + i] = s;
            }
    }
}

enum ct_status
rounds_snapshot_add_rc(struct rounds_snapshot *snap, const struct ct_orgname_aliases *aliases,
                       const char *wave_date, const struct ct_rc_link *links, size_t count,
                       struct ct_error *err)
{
    char(*keys)[RC_KEY] = NULL, ka[RC_KEY], kb[RC_KEY];
    uint32_t n = 0;
    size_t i;

    for (i = 0; i < snap->count; i++)
        if (snap->members[i].role_id >= n)
            n = snap->members[i].role_id + 1;
    if (count == 0 || n < 2 || n > RC_MAX_ROLES)
        return CT_OK;
    keys = calloc(n, sizeof(*keys));
    snap->coordination = calloc((size_t)n * n, sizeof(*snap->coordination));
    if (keys == NULL || snap->coordination == NULL) {
        free(keys);
        return rounds_nomem(err);
    }
    snap->coordination_roles = n;
    /* Each role id's name as its members spell it, folded. */
    for (i = 0; i < snap->count; i++) {
        uint32_t r = snap->members[i].role_id;
        if (r != 0 && keys[r][0] == '\0')
            ct_rc_fold(aliases, snap->members[i].member.role, keys[r], RC_KEY);
    }
    for (i = 0; i < count; i++)
        if (ct_rc_fold(aliases, links[i].role_a, ka, sizeof(ka)) > 0 &&
            ct_rc_fold(aliases, links[i].role_b, kb, sizeof(kb)) > 0)
            rc_fill(snap, keys, ka, kb, (float)links[i].strength);
    snprintf(snap->coordination_wave, sizeof(snap->coordination_wave), "%s",
             ct_rc_month(wave_date));
    free(keys);
    return CT_OK;
}
