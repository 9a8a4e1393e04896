/*
 * rematch.c: partners left alone after a round was sent are paired again
 * by the planning engine (rounds_engine.c, rounds_build.c), under every
 * rule, inside what is left of the round's window; see rematch.h.
 */
#include "rematch.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "notices.h"
#include "rounds_snapshot.h"
#include "slot.h"
#include "store_replies.h"
#include "store_rounds.h"
#include "validate.h"

/* A seed for re-matching derived from the round's and the moment, so a run is reproducible. */
#define REMATCH_SEED_MIX UINT64_C(0x5851f42d4c957f2d)

/* Joining a pair as a third: how many pairs are tried for one remainder, at most. */
#define TRIO_TRIES 64

struct alone {
    int64_t member;
    int64_t group; /* the group they were left alone in */
};

struct rematch {
    struct ct_txn *txn;
    struct ct_store *store;
    const struct ct_config *cfg;
    int64_t now;
    int64_t until; /* new slots end before it */
    uint64_t seed;
    struct ct_round hdr;
    struct ct_round_group *groups; /* the round's, by id */
    size_t group_count;
    struct alone *alone;
    size_t alone_count;
    struct ct_rematch_result res;
    char **lines; /* NULL entries never; grows by one per line */
    size_t line_count;
    bool want_lines;
    bool failed; /* out of memory while writing a line */
};

/* --- what the round looks like ----------------------------------------------------- */

/* The cut-off of the round of date (send_after, sent_at): its window end minus rematch_until. */
static int64_t
cutoff_of(const struct ct_config *cfg, const char *date, int64_t send_after, int64_t sent_at)
{
    int64_t start = send_after > 0 ? send_after
                                   : rounds_local_instant(date, cfg->schedule.time_minutes,
                                                          cfg->network.timezone) +
                                         cfg->schedule.review_period;
    int64_t window = cfg->schedule.meeting_window > 0 ? cfg->schedule.meeting_window : 14 * 86400;

    /* At send, proposed times that had passed were found again from then on. */
    if (sent_at > start)
        start = sent_at;
    return start + window - cfg->pairing.rematch_until;
}

static int64_t
cutoff(const struct ct_config *cfg, const struct ct_round *hdr)
{
    return cutoff_of(cfg, hdr->date, hdr->send_after, hdr->sent_at);
}

static void
add_line(struct rematch *r, char *line)
{
    char **v;

    if (!r->want_lines) {
        free(line);
        return;
    }
    if (line == NULL || (v = realloc(r->lines, (r->line_count + 1) * sizeof(*v))) == NULL) {
        free(line);
        r->failed = true;
        return;
    }
    r->lines = v;
    r->lines[r->line_count++] = line;
}

static void
groups_free(struct rematch *r)
{
    size_t i;

    for (i = 0; i < r->group_count; i++)
        ct_round_group_clear(&r->groups[i]);
    free(r->groups);
    r->groups = NULL;
    r->group_count = 0;
}

static enum ct_status
groups_load(struct rematch *r, struct ct_error *err)
{
    struct ct_store_group_filter filter = {.round_id = r->hdr.id};

    groups_free(r);
    return rounds_load_groups(r->store, &filter, &r->groups, &r->group_count, err);
}

static struct ct_round_group *
find_group(struct rematch *r, int64_t id)
{
    size_t i;

    for (i = 0; i < r->group_count; i++)
        if (r->groups[i].id == id)
            return &r->groups[i];
    return NULL;
}

static const char *
name_of(const struct ct_member *m)
{
    return m->name && *m->name ? m->name : m->email ? m->email : "a former member";
}

static enum ct_status
declined(struct rematch *r, int64_t group_id, int64_t member_id, bool *out, struct ct_error *err)
{
    enum ct_partstat ps = CT_PARTSTAT_NEEDS_ACTION;
    enum ct_status st = ct_store_replies_partstat(r->store, group_id, member_id, &ps, err);

    *out = st == CT_OK && ps == CT_PARTSTAT_DECLINED;
    return st;
}

/* Members of sent group g still in it who did not decline. OUT: *n, ids[0..*n). */
static enum ct_status
meeting_members(struct rematch *r, const struct ct_round_group *g, int64_t ids[CT_GROUP_MAX],
                size_t *n, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t i;

    *n = 0;
    for (i = 0; i < g->member_count && st == CT_OK; i++) {
        bool no = false;
        if (g->members[i].removed)
            continue;
        if ((st = declined(r, g->id, g->members[i].member.id, &no, err)) == CT_OK && !no)
            ids[(*n)++] = g->members[i].member.id;
    }
    return st;
}

/* Whether group g still meets: sent, with two members in it who did not decline. */
static enum ct_status
still_meets(struct rematch *r, const struct ct_round_group *g, bool *out, struct ct_error *err)
{
    int64_t ids[CT_GROUP_MAX];
    size_t n = 0;
    enum ct_status st = CT_OK;

    *out = false;
    if (g->state == CT_GROUP_SENT && (st = meeting_members(r, g, ids, &n, err)) == CT_OK)
        *out = n >= 2;
    return st;
}

/* The member with id in planning (ordered by id), or NULL. */
static const struct ct_member *
planning_member(const struct ct_store_planning *p, int64_t id)
{
    size_t lo = 0, hi = p->member_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->members[mid].id == id)
            return &p->members[mid];
        if (p->members[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Whether member_id was told "no partner this time" (or re-formed unpaired) in this round. */
static bool
was_told(const struct ct_store_round_change *v, size_t n, int64_t member_id)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i].kind == CT_CHANGE_UNPAIRED && v[i].member_id == member_id)
            return true;
    return false;
}

/* Whether member_id is in a group of the round that still meets. */
static enum ct_status
has_meeting(struct rematch *r, int64_t member_id, bool *out, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t i, j;

    *out = false;
    for (i = 0; i < r->group_count && st == CT_OK && !*out; i++)
        for (j = 0; j < r->groups[i].member_count; j++)
            if (!r->groups[i].members[j].removed &&
                r->groups[i].members[j].member.id == member_id) {
                st = still_meets(r, &r->groups[i], out, err);
                break;
            }
    return st;
}

/* Add member_id (left alone in group_id) to r->alone unless there already (the later group wins).
 */
static bool
alone_add(struct rematch *r, int64_t member_id, int64_t group_id)
{
    struct alone *v;
    size_t i;

    for (i = 0; i < r->alone_count; i++)
        if (r->alone[i].member == member_id) {
            r->alone[i].group = group_id;
            return true;
        }
    if ((v = realloc(r->alone, (r->alone_count + 1) * sizeof(*v))) == NULL)
        return false;
    r->alone = v;
    r->alone[r->alone_count].member = member_id;
    r->alone[r->alone_count++].group = group_id;
    return true;
}

/* One member of group g: alone if active, not declined, not told, and without a meeting. */
static enum ct_status
consider(struct rematch *r, const struct ct_store_planning *p, const struct ct_round_group *g,
         const struct ct_round_person *who, const struct ct_store_round_change *v, size_t n,
         struct ct_error *err)
{
    const struct ct_member *m = planning_member(p, who->member.id);
    bool no = false, meets = false;
    enum ct_status st;

    if (who->removed || m == NULL || m->status != CT_MEMBER_ACTIVE || was_told(v, n, m->id))
        return CT_OK;
    if ((st = declined(r, g->id, m->id, &no, err)) != CT_OK || no ||
        (st = has_meeting(r, m->id, &meets, err)) != CT_OK || meets)
        return st;
    return alone_add(r, m->id, g->id) ? CT_OK : rounds_nomem(err);
}

/* Who is alone in the round (r->alone), from its groups and member statuses in p. */
static enum ct_status
find_alone(struct rematch *r, const struct ct_store_planning *p, struct ct_error *err)
{
    struct ct_store_round_change *v = NULL;
    size_t n = 0, i, j;
    enum ct_status st;

    if ((st = ct_store_changes_load(r->store, r->hdr.id, &v, &n, err)) != CT_OK)
        return st;
    for (i = 0; i < r->group_count && st == CT_OK; i++) {
        const struct ct_round_group *g = &r->groups[i];
        bool meets = false;

        if (g->state != CT_GROUP_SENT && g->state != CT_GROUP_CANCELLED)
            continue;
        if ((st = still_meets(r, g, &meets, err)) != CT_OK || meets)
            continue;
        for (j = 0; j < g->member_count && st == CT_OK; j++)
            st = consider(r, p, g, &g->members[j], v, n, err);
    }
    ct_store_changes_free(v, n);
    return st;
}

/* --- what the engine is given ------------------------------------------------------- */

/*
 * This round as if it were being planned: its groups are not history (so
 * a pair that meets in it can take a third), and instead each alone member
 * is excluded from everyone they were grouped with in it.
 */
static enum ct_status
as_if_planning(struct rematch *r, struct ct_store_planning *p, struct ct_error *err)
{
    size_t i, j, k, n;

    for (i = n = 0; i < p->sent_count; i++)
        if (p->sent[i].id != r->hdr.id)
            p->sent[n++] = p->sent[i];
    p->sent_count = n;
    for (i = n = 0; i < p->past_count; i++)
        if (p->past[i].round_id != r->hdr.id)
            p->past[n++] = p->past[i];
    p->past_count = n;
    for (i = n = 0; i < p->sit_out_count; i++)
        if (p->sit_outs[i].round_id != r->hdr.id)
            p->sit_outs[n++] = p->sit_outs[i];
    p->sit_out_count = n;
    for (i = 0; i < r->alone_count; i++)
        for (j = 0; j < r->group_count; j++) {
            const struct ct_round_group *g = &r->groups[j];
            bool in = false;
            for (k = 0; k < g->member_count; k++)
                in = in || g->members[k].member.id == r->alone[i].member;
            for (k = 0; in && k < g->member_count; k++) {
                struct ct_store_pair *x;
                if (g->members[k].member.id == r->alone[i].member)
                    continue;
                x = realloc(p->exclusions, (p->exclusion_count + 1) * sizeof(*x));
                if (x == NULL)
                    return rounds_nomem(err);
                p->exclusions = x;
                x[p->exclusion_count].a = r->alone[i].member;
                x[p->exclusion_count++].b = g->members[k].member.id;
            }
        }
    return CT_OK;
}

/* Only the members ids[0..n) stay eligible in snap (as they were in saved); the rest are out. */
static void
only(struct rounds_snapshot *snap, const enum ct_member_status *saved, const int64_t *ids, size_t n)
{
    size_t i, j;

    for (i = 0; i < snap->count; i++) {
        bool in = false;
        for (j = 0; j < n && !in; j++)
            in = snap->members[i].member.id == ids[j];
        snap->members[i].member.status = in ? saved[i] : CT_MEMBER_LEFT;
    }
}

/* --- what is written and sent ----------------------------------------------------- */

static enum ct_status
record(struct rematch *r, int64_t old_group, enum ct_round_change_kind kind, int64_t member_id,
       int64_t new_group, const char *reason, struct ct_error *err)
{
    struct ct_store_round_change c;

    memset(&c, 0, sizeof(c));
    c.group_id = old_group;
    c.kind = kind;
    c.member_id = member_id;
    c.new_group_id = new_group;
    c.reason = reason;
    return ct_store_change_add(r->txn, r->hdr.id, &c, r->now, err);
}

/*
 * Member a->member's old group, if still sent (their partner declined), is
 * off for them: a CANCEL to them alone, saying whether an invitation follows.
 */
static enum ct_status
close_old(struct rematch *r, const struct alone *a, bool follows, struct ct_error *err)
{
    struct ct_round_group *g = find_group(r, a->group);
    const char *note = follows ? "Your partner can't make it, so this meeting is off. A new "
                                 "invitation, with someone new to meet, follows."
                               : "Your partner can't make it, so this meeting is off. We found "
                                 "nobody else free this time.";
    enum ct_status st;

    if (g == NULL || g->state != CT_GROUP_SENT)
        return CT_OK;
    st = rounds_mail_group(r->txn, r->cfg, r->hdr.id, r->hdr.date, g, true, g->sequence + 1,
                           a->member, note, r->now, NULL, err);
    if (st != CT_OK)
        return st;
    g->state = CT_GROUP_CANCELLED;
    g->sequence++;
    return ct_store_group_update(r->txn, g, err);
}

static const struct alone *
alone_of(const struct rematch *r, int64_t member_id)
{
    size_t i;

    for (i = 0; i < r->alone_count; i++)
        if (r->alone[i].member == member_id)
            return &r->alone[i];
    return NULL;
}

/* "2026-12-09 10:00 UTC" for a line. */
static void
when(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* New groups of nr into the round, sent: old groups closed, changes recorded, invitations queued.
 */
static enum ct_status
write_new(struct rematch *r, struct ct_round *nr, struct ct_error *err)
{
    enum ct_status st;
    size_t i, j;
    char at[32];

    for (i = 0; i < nr->group_count; i++)
        nr->groups[i].state = CT_GROUP_SENT;
    if ((st = rounds_explain_groups(nr, err)) != CT_OK ||
        (st = ct_store_groups_add(r->txn, r->hdr.id, nr->groups, nr->group_count, err)) != CT_OK)
        return st;
    for (i = 0; i < nr->group_count && st == CT_OK; i++) {
        struct ct_round_group *g = &nr->groups[i];
        for (j = 0; j < g->member_count && st == CT_OK; j++) {
            const struct alone *a = alone_of(r, g->members[j].member.id);
            if (a && (st = close_old(r, a, true, err)) == CT_OK)
                st = record(r, a->group, CT_CHANGE_WITH, a->member, g->id, NULL, err);
            r->res.regrouped++;
        }
        if (st == CT_OK)
            st = rounds_mail_group(r->txn, r->cfg, r->hdr.id, r->hdr.date, g, false, 0, 0,
                                   "Your partner for this round can't make it, so here is "
                                   "someone new to meet.",
                                   r->now, NULL, err);
        when(g->slot_start, at, sizeof(at));
        add_line(r, ct_asprintf("group %" PRId64 ": %s with %s%s%s%s%s, %s (new invitation)", g->id,
                                name_of(&g->members[0].member), name_of(&g->members[1].member),
                                g->member_count > 3   ? ", "
                                : g->member_count > 2 ? " and "
                                                      : "",
                                g->member_count > 2 ? name_of(&g->members[2].member) : "",
                                g->member_count > 3 ? " and " : "",
                                g->member_count > 3 ? name_of(&g->members[3].member) : "", at));
    }
    return st;
}

/* Tell a (nobody found): "no partner this time", their old group closed. */
static enum ct_status
tell(struct rematch *r, const struct alone *a, const char *why, struct ct_error *err)
{
    struct ct_member m;
    enum ct_status st;

    memset(&m, 0, sizeof(m));
    if ((st = ct_store_member_get(r->store, a->member, &m, err)) != CT_OK)
        return st;
    if ((st = close_old(r, a, false, err)) == CT_OK &&
        (st = record(r, a->group, CT_CHANGE_UNPAIRED, a->member, 0, "no partner this time", err)) ==
            CT_OK)
        st = ct_notice_queue_no_partner(r->txn, r->cfg, a->member, m.email, r->hdr.id, r->now, err);
    if (st == CT_OK) {
        r->res.told++;
        add_line(r, ct_asprintf("%s: no partner this time (%s)", name_of(&m), why));
    }
    ct_member_clear(&m);
    return st;
}

/* --- joining a pair as a third ------------------------------------------------------ */

/* Whether sent pair g's slot fits zones (the pair's and the newcomer's working hours). */
static bool
slot_fits(struct rematch *r, const struct ct_round_group *g, const char *const *zones)
{
    struct ct_worktime wt;
    struct ct_slot_query q;
    struct ct_error ignored;
    int64_t start = 0;

    rounds_worktime(r->cfg, &wt);
    memset(&q, 0, sizeof(q));
    q.zones = zones;
    q.zone_count = 3;
    q.network_zone = r->cfg->network.timezone;
    q.worktime = &wt;
    q.duration = g->slot_minutes > 0 ? (int64_t)g->slot_minutes * 60 : r->cfg->schedule.duration;
    q.window_start = g->slot_start;
    q.window_end = g->slot_start + q.duration;
    q.not_before = g->slot_start;
    q.seed = r->seed;
    q.key = g->uid;
    return ct_slot_find(&q, NULL, &start, &ignored) == CT_OK && start == g->slot_start;
}

/* Whether the engine groups a with pair g (ids) as a trio, and the slot fits. */
static enum ct_status
accepts(struct rematch *r, struct rounds_snapshot *snap, const enum ct_member_status *saved,
        const struct ct_round_group *g, const int64_t ids[CT_GROUP_MAX], bool *out,
        struct ct_error *err)
{
    struct rounds_outcome oc;
    const char *zones[3] = {NULL, NULL, NULL};
    enum ct_status st;
    size_t i, k;

    *out = false;
    only(snap, saved, ids, 3);
    if ((st = rounds_engine_run(snap, r->cfg, r->seed, &oc, err)) != CT_OK)
        return st;
    if (oc.group_count == 1 && oc.groups[0].size == 3) {
        for (i = 0; i < 3; i++)
            for (k = 0; k < snap->count; k++)
                if (snap->members[k].member.id == ids[i])
                    zones[i] = snap->members[k].member.timezone;
        *out = slot_fits(r, g, zones);
    }
    rounds_outcome_clear(&oc);
    return CT_OK;
}

/* a joins sent pair g: added, recorded, their old group closed, the three get g's update. */
static enum ct_status
join(struct rematch *r, const struct alone *a, struct ct_round_group *g, struct ct_error *err)
{
    struct ct_store_group_filter filter = {.group_id = g->id};
    struct ct_round_group *fresh = NULL;
    size_t n = 0, i;
    char *note = NULL;
    enum ct_status st;
    char at[32];

    if ((st = ct_store_group_member_add(r->txn, g->id, a->member, err)) != CT_OK ||
        (st = record(r, a->group, CT_CHANGE_WITH, a->member, g->id, NULL, err)) != CT_OK ||
        (st = close_old(r, a, true, err)) != CT_OK ||
        (st = rounds_load_groups(r->store, &filter, &fresh, &n, err)) != CT_OK)
        goto out;
    if (n != 1) {
        st = ct_error_set(err, CT_EINTERNAL, "group %" PRId64 " vanished", g->id);
        goto out;
    }
    for (i = 0; i < fresh->member_count; i++)
        if (fresh->members[i].member.id == a->member)
            note = ct_asprintf("%s joins this meeting, so it is now a meeting of three.",
                               name_of(&fresh->members[i].member));
    fresh->sequence++;
    if ((st = rounds_mail_group(r->txn, r->cfg, r->hdr.id, r->hdr.date, fresh, false,
                                fresh->sequence, 0, note, r->now, NULL, err)) != CT_OK ||
        (st = ct_store_group_update(r->txn, fresh, err)) != CT_OK)
        goto out;
    r->res.trios++;
    when(g->slot_start, at, sizeof(at));
    for (i = 0; i < fresh->member_count; i++)
        if (fresh->members[i].member.id == a->member)
            add_line(r, ct_asprintf("group %" PRId64 ": %s joins as a third, %s (updated "
                                    "invitation)",
                                    g->id, name_of(&fresh->members[i].member), at));
out:
    for (i = 0; i < n; i++)
        ct_round_group_clear(&fresh[i]);
    free(fresh);
    free(note);
    return st;
}

/* A remainder a: a third for a sent pair whose slot is ahead, if odd = trio; else told. */
static enum ct_status
place_remainder(struct rematch *r, struct rounds_snapshot *snap, const enum ct_member_status *saved,
                const struct alone *a, const char *why, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t i, tries = 0;

    for (i = 0; i < r->group_count && r->cfg->pairing.odd == CT_ODD_TRIO && tries < TRIO_TRIES;
         i++) {
        struct ct_round_group *g = &r->groups[i];
        int64_t ids[CT_GROUP_MAX];
        size_t n = 0;
        bool ok = false;

        if (g->state != CT_GROUP_SENT || g->member_count != 2 || g->slot_start <= r->now)
            continue;
        if ((st = meeting_members(r, g, ids, &n, err)) != CT_OK)
            return st;
        if (n != 2)
            continue;
        ids[2] = a->member;
        tries++;
        if ((st = accepts(r, snap, saved, g, ids, &ok, err)) != CT_OK)
            return st;
        if (ok)
            return join(r, a, g, err);
    }
    return tell(r, a, why, err);
}

/* --- the run ---------------------------------------------------------------------- */

/* Whether round nr groups or lists member_id. */
static bool
placed(const struct ct_round *nr, int64_t member_id)
{
    size_t i, j;

    for (i = 0; i < nr->group_count; i++)
        for (j = 0; j < nr->groups[i].member_count; j++)
            if (nr->groups[i].members[j].member.id == member_id)
                return true;
    return false;
}

/* The engine on the alone; new groups written; each remainder a third or told. */
static enum ct_status
regroup(struct rematch *r, struct rounds_snapshot *snap, const enum ct_member_status *saved,
        struct ct_round *nr, struct ct_error *err)
{
    struct rounds_outcome oc;
    int64_t *ids, first_id = 0;
    enum ct_status st;
    size_t i;

    memset(&oc, 0, sizeof(oc));
    if ((ids = calloc(r->alone_count, sizeof(*ids))) == NULL)
        return rounds_nomem(err);
    for (i = 0; i < r->alone_count; i++)
        ids[i] = r->alone[i].member;
    only(snap, saved, ids, r->alone_count);
    free(ids);
    if ((st = ct_store_group_next_id(r->store, &first_id, err)) != CT_OK ||
        (st = rounds_engine_run(snap, r->cfg, r->seed, &oc, err)) != CT_OK ||
        (st = rounds_build(r->cfg, snap, &oc, first_id, r->now, nr, err)) != CT_OK ||
        (st = write_new(r, nr, err)) != CT_OK || (st = groups_load(r, err)) != CT_OK)
        goto out;
    for (i = 0; i < r->alone_count && st == CT_OK; i++) {
        const char *why = "nobody else is free";
        size_t k;
        if (placed(nr, r->alone[i].member))
            continue;
        for (k = 0; k < nr->unpaired_count; k++)
            if (nr->unpaired[k].member.member.id == r->alone[i].member)
                why = nr->unpaired[k].reason;
        if ((st = place_remainder(r, snap, saved, &r->alone[i], why, err)) == CT_OK)
            st = groups_load(r, err);
    }
out:
    rounds_outcome_clear(&oc);
    return st;
}

/* Free the groups and unpaired of nr, which lives on the stack. */
static void
clear_parts(struct ct_round *nr)
{
    size_t i;

    for (i = 0; i < nr->group_count; i++)
        ct_round_group_clear(&nr->groups[i]);
    for (i = 0; i < nr->unpaired_count; i++)
        ct_round_unpaired_clear(&nr->unpaired[i]);
    free(nr->groups);
    free(nr->unpaired);
}

/* With the alone found: the snapshot as if planning, the engine, and the writes. */
static enum ct_status
rematch_alone(struct rematch *r, struct ct_store_planning *planning, struct ct_error *err)
{
    struct rounds_snapshot snap;
    enum ct_member_status *saved = NULL;
    struct ct_round nr;
    int32_t day = 0;
    enum ct_status st;
    size_t i;

    memset(&snap, 0, sizeof(snap));
    memset(&nr, 0, sizeof(nr));
    nr.id = r->hdr.id;
    memcpy(nr.date, r->hdr.date, sizeof(nr.date));
    nr.seed = r->seed;
    nr.window_start = r->now;
    nr.window_end = r->until;
    if (ct_parse_date(r->hdr.date, &day) != NULL)
        return ct_error_set(err, CT_EDATA, "round %" PRId64 ": bad date '%s'", r->hdr.id,
                            r->hdr.date);
    if ((st = as_if_planning(r, planning, err)) != CT_OK ||
        (st = rounds_snapshot_build(r->cfg, planning, day, r->now, r->until, &snap, err)) != CT_OK)
        goto out;
    if ((saved = calloc(snap.count + 1, sizeof(*saved))) == NULL) {
        st = rounds_nomem(err);
        goto out;
    }
    for (i = 0; i < snap.count; i++)
        saved[i] = snap.members[i].member.status;
    st = regroup(r, &snap, saved, &nr, err);
out:
    free(saved);
    clear_parts(&nr);
    rounds_snapshot_clear(&snap);
    return st;
}

/* Inside r->txn: round r->hdr re-matched. */
static enum ct_status
run(struct rematch *r, int64_t round_id, struct ct_error *err)
{
    struct ct_store_planning planning;
    enum ct_status st;
    char at[32];

    memset(&planning, 0, sizeof(planning));
    if ((st = ct_store_round_load(r->store, round_id, &r->hdr, err)) != CT_OK)
        return st;
    if (r->hdr.state != CT_ROUND_SENT)
        return ct_error_set(err, CT_ESTATE,
                            "round %" PRId64 " is %s; only a sent round is re-matched", round_id,
                            ct_round_state_str(r->hdr.state));
    r->until = cutoff(r->cfg, &r->hdr);
    r->seed = (r->hdr.seed ^ REMATCH_SEED_MIX ^ (uint64_t)r->now) & ((UINT64_C(1) << 53) - 1);
    if (r->now >= r->until) {
        when(r->until, at, sizeof(at));
        add_line(r, ct_asprintf("round %" PRId64 ": re-matching closed at %s", round_id, at));
        return CT_OK;
    }
    if ((st = groups_load(r, err)) == CT_OK &&
        (st = ct_store_planning_load(r->store, &planning, err)) == CT_OK &&
        (st = find_alone(r, &planning, err)) == CT_OK && r->alone_count > 0)
        st = rematch_alone(r, &planning, err);
    r->res.alone = r->alone_count;
    ct_store_planning_clear(&planning);
    return st;
}

enum ct_status
ct_rounds_rematch_lines(struct ct_store *store, const struct ct_config *cfg, int64_t round_id,
                        bool dry_run, int64_t now, struct ct_rematch_result *out, char ***lines,
                        size_t *count, struct ct_error *err)
{
    struct rematch r;
    enum ct_status st;
    size_t i;

    memset(&r, 0, sizeof(r));
    r.store = store;
    r.cfg = cfg;
    r.now = now;
    r.want_lines = lines != NULL;
    if (out)
        memset(out, 0, sizeof(*out));
    if (lines) {
        *lines = NULL;
        *count = 0;
    }
    if ((st = ct_txn_begin(store, &r.txn, err)) != CT_OK)
        return st;
    st = run(&r, round_id, err);
    if (st == CT_OK && r.failed)
        st = rounds_nomem(err);
    if (st == CT_OK && !dry_run) {
        st = ct_txn_commit(r.txn, err);
        r.txn = NULL;
    }
    ct_txn_rollback(r.txn);
    groups_free(&r);
    free(r.alone);
    if (st == CT_OK && out)
        *out = r.res;
    if (st == CT_OK && lines) {
        *lines = r.lines;
        *count = r.line_count;
        return CT_OK;
    }
    for (i = 0; i < r.line_count; i++)
        free(r.lines[i]);
    free(r.lines);
    return st;
}

enum ct_status
ct_rounds_rematch(struct ct_store *store, const struct ct_config *cfg, int64_t round_id,
                  bool dry_run, int64_t now, struct ct_rematch_result *out, struct ct_error *err)
{
    return ct_rounds_rematch_lines(store, cfg, round_id, dry_run, now, out, NULL, NULL, err);
}

enum ct_status
ct_rounds_rematch_pending(struct ct_store *store, const struct ct_config *cfg, int64_t now,
                          bool *open, struct ct_error *err)
{
    struct ct_round_summary *items = NULL;
    size_t count = 0, i;
    enum ct_status st;

    *open = false;
    if ((st = ct_store_rounds_list(store, &items, &count, err)) != CT_OK)
        return st;
    for (i = 0; i < count && !*open; i++)
        *open = items[i].state == CT_ROUND_SENT &&
                now < cutoff_of(cfg, items[i].date, items[i].send_after, items[i].sent_at);
    free(items);
    return CT_OK;
}

enum ct_status
ct_rounds_rematch_open(struct ct_store *store, const struct ct_config *cfg, int64_t now,
                       struct ct_rematch_result *out, struct ct_error *err)
{
    struct ct_round_summary *items = NULL;
    struct ct_rematch_result sum, one;
    size_t count = 0, i;
    enum ct_status st;

    memset(&sum, 0, sizeof(sum));
    if ((st = ct_store_rounds_list(store, &items, &count, err)) != CT_OK)
        return st;
    for (i = 0; i < count && st == CT_OK; i++) {
        if (items[i].state != CT_ROUND_SENT)
            continue;
        if ((st = ct_rounds_rematch(store, cfg, items[i].id, false, now, &one, err)) == CT_OK) {
            sum.alone += one.alone;
            sum.regrouped += one.regrouped;
            sum.trios += one.trios;
            sum.told += one.told;
        } else {
            ct_error_prefix(err, "re-matching round %" PRId64, items[i].id);
        }
    }
    free(items);
    if (st == CT_OK && out)
        *out = sum;
    return st;
}
