/*
 * rounds_build.c: turning the engine's groups into a round: each group
 * with its members, a proposed slot inside the meeting window and its
 * explanation; the members it could not group listed with the reason.
 * Planning (rounds.c) and the re-forming at send (rounds_review.c) both
 * build their rounds here, so calls go one way: from them to this file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "par.h"
#include "rounds_snapshot.h"
#include "slot.h"
#include "store_rounds.h"

void
rounds_window(const struct ct_config *cfg, int64_t start, int64_t now, int64_t *from, int64_t *to)
{
    *from = start > now ? start : now;
    *to = *from + (cfg->schedule.meeting_window > 0 ? cfg->schedule.meeting_window : 14 * 86400);
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

/* The member's details as a round shows them (heap copies). */
static enum ct_status
copy_person(const struct ct_member *m, bool removed, struct ct_round_person *p)
{
    struct ct_member *v = &p->member;

    memset(p, 0, sizeof(*p));
    v->id = m->id;
    p->removed = removed;
    if ((m->email && !(v->email = strdup(m->email))) || (m->name && !(v->name = strdup(m->name))) ||
        (m->organisation && !(v->organisation = strdup(m->organisation))) ||
        (m->team && !(v->team = strdup(m->team))) || (m->site && !(v->site = strdup(m->site))) ||
        (m->role && !(v->role = strdup(m->role))) ||
        (m->timezone && !(v->timezone = strdup(m->timezone)))) {
        ct_round_person_clear(p);
        return CT_ENOMEM;
    }
    return CT_OK;
}

/* What building the round's groups shares across them. */
struct builder {
    const struct ct_config *cfg;
    const struct rounds_snapshot *snap;
    /* Set when the builder may take the snapshot's member details and the
     * outcome's reasons instead of copying them (rounds_build_write). */
    struct rounds_member *own;
    struct rounds_outcome *own_oc;
    struct ct_round *round;
    struct ct_slot_load *load;
    struct ct_worktime wt;
    struct ct_buf explain; /* scratch for the explain JSON */
    int64_t now;
    int64_t next_id;
    size_t unpaired_cap;
};

/*
 * Snapshot member k's details as a round shows them: taken from the
 * snapshot when the builder owns it (the engine puts each member in one
 * group or the unpaired, once), else heap copies.
 */
static enum ct_status
person_of(struct builder *b, uint32_t k, struct ct_round_person *p)
{
    struct ct_member *m, *v = &p->member;

    if (b->own == NULL)
        return copy_person(&b->snap->members[k].member, false, p);
    m = &b->own[k].member;
    memset(p, 0, sizeof(*p));
    v->id = m->id;
    v->email = m->email;
    v->name = m->name;
    v->organisation = m->organisation;
    v->team = m->team;
    v->site = m->site;
    v->role = m->role;
    v->timezone = m->timezone;
    m->email = m->name = m->organisation = m->team = m->site = m->role = m->timezone = NULL;
    return CT_OK;
}

static enum ct_status
add_unpaired(struct builder *b, uint32_t k, const char *reason, bool sit_out)
{
    struct ct_round *round = b->round;
    struct ct_round_unpaired *u;

    if (!grow(&round->unpaired, &b->unpaired_cap, round->unpaired_count + 1,
              sizeof(*round->unpaired)))
        return CT_ENOMEM;
    u = &round->unpaired[round->unpaired_count];
    memset(u, 0, sizeof(*u));
    if (person_of(b, k, &u->member) != CT_OK)
        return CT_ENOMEM;
    u->reason = strdup(reason ? reason : "no eligible partner");
    if (u->reason == NULL) {
        ct_round_person_clear(&u->member);
        return CT_ENOMEM;
    }
    u->sit_out = sit_out;
    round->unpaired_count++;
    return CT_OK;
}

/* The members of og become unpaired with reason (a group no meeting time fits). */
static enum ct_status
group_unpaired(struct builder *b, const struct rounds_outcome_group *og, const char *why)
{
    char *reason = ct_asprintf("no meeting time fits: %s", why);
    enum ct_status st = reason ? CT_OK : CT_ENOMEM;
    size_t j;

    for (j = 0; j < og->size && st == CT_OK; j++)
        st = add_unpaired(b, og->members[j], reason, false);
    free(reason);
    return st;
}

/* Fill g (its slot found) from og: members, score by rule and reasons. */
static enum ct_status
group_fill(struct builder *b, const struct rounds_outcome_group *og, struct ct_round_group *g)
{
    size_t j;

    g->state = CT_GROUP_PLANNED;
    g->slot_minutes = (int)(b->cfg->schedule.duration / 60);
    g->score = og->total;
    memcpy(g->terms, og->terms, sizeof(g->terms));
    for (j = 0; j < og->size; j++) {
        if (person_of(b, og->members[j], &g->members[j]) != CT_OK)
            return CT_ENOMEM;
        g->member_count++;
    }
    if (b->own_oc != NULL) {
        /* og is own_oc's: its reasons change hands. */
        struct rounds_outcome_group *mine = &b->own_oc->groups[og - b->own_oc->groups];
        g->reasons = mine->reasons;
        g->reason_count = mine->reason_count;
        mine->reasons = NULL;
        mine->reason_count = 0;
    } else if (og->reason_count > 0) {
        g->reasons = calloc(og->reason_count, sizeof(*g->reasons));
        if (g->reasons == NULL)
            return CT_ENOMEM;
        for (j = 0; j < og->reason_count; j++) {
            if ((g->reasons[j] = strdup(og->reasons[j])) == NULL)
                return CT_ENOMEM;
            g->reason_count++;
        }
    }
    return CT_OK;
}

/*
 * One of the engine's groups into the round: a UID, a slot from the shared
 * load table and the members' details; a group without a possible slot is
 * dropped and its members become unpaired with the slot finder's reason.
 */
static enum ct_status
build_group(struct builder *b, const struct rounds_outcome_group *og, struct ct_error *err)
{
    const struct ct_config *cfg = b->cfg;
    struct ct_round *round = b->round;
    struct ct_round_group *g = &round->groups[round->group_count];
    const struct ct_worktime *hours[CT_GROUP_MAX];
    const char *zones[CT_GROUP_MAX];
    struct ct_slot_query q;
    struct ct_error serr;
    enum ct_status st;
    size_t j;

    memset(g, 0, sizeof(*g));
    g->id = b->next_id;
    g->uid = ct_invite_uid(cfg->network.name, round->date, g->id, cfg->network.organiser_email);
    if (g->uid == NULL)
        return rounds_nomem(err);
    for (j = 0; j < og->size; j++) {
        const struct rounds_member *m = &b->snap->members[og->members[j]];
        zones[j] = m->member.timezone;
        hours[j] = m->own_hours ? &m->worktime : NULL;
    }
    memset(&q, 0, sizeof(q));
    q.zones = zones;
    q.worktimes = hours;
    q.zone_count = og->size;
    q.network_zone = cfg->network.timezone;
    q.worktime = &b->wt;
    q.window_start = round->window_start;
    q.window_end = round->window_end;
    q.not_before = b->now;
    q.duration = cfg->schedule.duration;
    q.seed = round->seed;
    q.key = g->uid;
    ct_error_clear(&serr);
    st = ct_slot_find(&q, b->load, &g->slot_start, &serr);
    if (st != CT_OK) {
        free(g->uid);
        g->uid = NULL;
        if (st != CT_ENOTFOUND && st != CT_EDATA)
            return ct_error_set(err, st, "%s", serr.message);
        return group_unpaired(b, og, serr.message) == CT_OK ? CT_OK : rounds_nomem(err);
    }
    b->next_id++;
    round->group_count++;
    return group_fill(b, og, g) == CT_OK ? CT_OK : rounds_nomem(err);
}

/* Groups published to the writer at a time (rounds_build_write). */
#define BUILD_BATCH 256

/* The builder for round (groups array for oc's groups, the slot load table). */
static enum ct_status
builder_init(struct builder *b, const struct ct_config *cfg, const struct rounds_snapshot *snap,
             const struct rounds_outcome *oc, int64_t first_group_id, int64_t now,
             struct ct_round *round, struct ct_error *err)
{
    memset(b, 0, sizeof(*b));
    b->cfg = cfg;
    b->snap = snap;
    b->round = round;
    b->now = now;
    b->next_id = first_group_id;
    rounds_worktime(cfg, &b->wt);
    round->groups = calloc(oc->group_count ? oc->group_count : 1, sizeof(*round->groups));
    b->load = ct_slot_load_new(round->window_start, round->window_end);
    if (round->groups == NULL || b->load == NULL)
        return rounds_nomem(err);
    return CT_OK;
}

/* One group's explain JSON from its score, terms and reasons, written in scratch. */
static enum ct_status
explain_group(struct ct_buf *scratch, struct ct_round_group *g, struct ct_error *err)
{
    ct_buf_reset(scratch);
    rounds_explain_write(scratch, g->score, g->terms, g->reasons, g->reason_count);
    free(g->explain);
    g->explain = NULL;
    if (!scratch->failed && (g->explain = malloc(scratch->len + 1)) != NULL)
        memcpy(g->explain, scratch->data, scratch->len + 1);
    return g->explain ? CT_OK : rounds_nomem(err);
}

/*
 * Build oc's groups, then its unpaired. With progress, each group also
 * gets its explanation and the groups done are published as they come
 * (the last publish when everything is done, or on failure).
 */
static enum ct_status
build_all(struct builder *b, const struct rounds_outcome *oc, struct ct_par_progress *progress,
          struct ct_error *err)
{
    struct ct_round *round = b->round;
    enum ct_status st = CT_OK;
    bool cancelled = false;
    size_t i;

    for (i = 0; i < oc->group_count && st == CT_OK; i++) {
        size_t before = round->group_count;

        st = build_group(b, &oc->groups[i], err);
        if (st != CT_OK || progress == NULL || round->group_count == before)
            continue;
        if ((st = explain_group(&b->explain, &round->groups[before], err)) != CT_OK ||
            round->group_count % BUILD_BATCH != 0)
            continue;
        /* The writer gave up (its error is the one reported): nothing more to build. */
        if ((cancelled = ct_par_progress_cancelled(progress)))
            break;
        ct_par_progress_publish(progress, round->group_count, false);
    }
    for (i = 0; i < oc->unpaired_count && st == CT_OK && !cancelled; i++)
        if (add_unpaired(b, oc->unpaired[i].member, oc->unpaired[i].reason,
                         oc->unpaired[i].sit_out) != CT_OK)
            st = rounds_nomem(err);
    if (progress != NULL)
        ct_par_progress_publish(progress, round->group_count, true);
    return st;
}

enum ct_status
rounds_build(const struct ct_config *cfg, const struct rounds_snapshot *snap,
             const struct rounds_outcome *oc, int64_t first_group_id, int64_t now,
             struct ct_round *round, struct ct_error *err)
{
    struct builder b;
    enum ct_status st;

    st = builder_init(&b, cfg, snap, oc, first_group_id, now, round, err);
    if (st == CT_OK)
        st = build_all(&b, oc, NULL, err);
    ct_slot_load_free(b.load);
    ct_buf_free(&b.explain);
    return st;
}

/* A round built on one thread while this one writes its groups. */
struct build_pipe {
    struct builder b;
    const struct rounds_outcome *oc;
    struct ct_txn *txn;
    struct ct_par_progress *progress;
    enum ct_status build_st, write_st;
    struct ct_error build_err, write_err;
};

static void
pipe_build(void *arg)
{
    struct build_pipe *p = arg;

    p->build_st = build_all(&p->b, p->oc, p->progress, &p->build_err);
}

/* The writer: the round, then its groups as they are published. */
static void
pipe_write(void *arg)
{
    struct build_pipe *p = arg;
    struct ct_round *round = p->b.round;
    size_t written = 0, done;
    bool last = false;

    p->write_st = ct_store_round_write_start(p->txn, round, p->b.now, &p->write_err);
    while (!last && p->write_st == CT_OK) {
        done = ct_par_progress_wait(p->progress, written, &last);
        if (done > written)
            p->write_st = ct_store_groups_add(p->txn, round->id, round->groups + written,
                                              done - written, &p->write_err);
        /* Stored: the explain JSON is not needed again (the store hands it back on load). */
        for (; written < done; written++) {
            free(round->groups[written].explain);
            round->groups[written].explain = NULL;
        }
    }
    if (p->write_st != CT_OK)
        ct_par_progress_cancel(p->progress);
}

enum ct_status
rounds_build_write(const struct ct_config *cfg, struct rounds_snapshot *snap,
                   struct rounds_outcome *oc, int64_t first_group_id, int64_t now,
                   struct ct_round *round, struct ct_txn *txn, struct ct_error *err)
{
    struct build_pipe p;
    enum ct_status st;

    memset(&p, 0, sizeof(p));
    p.oc = oc;
    p.txn = txn;
    st = builder_init(&p.b, cfg, snap, oc, first_group_id, now, round, err);
    p.b.own = snap->members;
    p.b.own_oc = oc;
    if (st == CT_OK && (p.progress = ct_par_progress_new()) == NULL)
        st = rounds_nomem(err);
    if (st == CT_OK) {
        ct_error_clear(&p.build_err);
        ct_error_clear(&p.write_err);
        ct_par_pipe(pipe_build, pipe_write, &p, false);
        /* The builder's failure first: the writer may only have stopped for it. */
        if (p.build_st != CT_OK) {
            *err = p.build_err;
            st = p.build_st;
        } else if (p.write_st != CT_OK) {
            *err = p.write_err;
            st = p.write_st;
        } else {
            st = ct_store_round_write_unpaired(txn, round, err);
        }
    }
    ct_par_progress_free(p.progress);
    ct_slot_load_free(p.b.load);
    ct_buf_free(&p.b.explain);
    return st;
}

enum ct_status
rounds_explain_groups(struct ct_round *round, struct ct_error *err)
{
    struct ct_buf scratch;
    enum ct_status st = CT_OK;
    size_t i;

    ct_buf_init(&scratch);
    for (i = 0; i < round->group_count && st == CT_OK; i++)
        st = explain_group(&scratch, &round->groups[i], err);
    ct_buf_free(&scratch);
    return st;
}
