/*
 * rounds_review.c: decisions taken after a round was planned (a member
 * paused, removed or erased, a pair excluded) honoured at send: affected
 * groups dissolved, the members left without a partner re-formed among
 * themselves by the pairing engine, and every change recorded in
 * round_changes, from which `round send` and `round show` say what changed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rounds_snapshot.h"
#include "store_rounds.h"
#include "validate.h"

/* A seed for re-forming derived from the round's, so that a send is reproducible. */
#define REFORM_SEED_MIX UINT64_C(0x9e3779b97f4a7c15)

/* --- recording ------------------------------------------------------------------- */

static enum ct_status
record(struct ct_txn *txn, int64_t round_id, int64_t group_id, enum ct_round_change_kind kind,
       int64_t member_id, int64_t other_id, int64_t now, struct ct_error *err)
{
    struct ct_store_round_change c;

    memset(&c, 0, sizeof(c));
    c.group_id = group_id;
    c.kind = kind;
    c.member_id = member_id;
    c.other_id = other_id;
    return ct_store_change_add(txn, round_id, &c, now, err);
}

enum ct_status
rounds_review_drop(struct ct_txn *txn, int64_t round_id, int64_t group_id, int64_t member_id,
                   enum ct_round_change_kind cause, int64_t now, size_t *dropped,
                   struct ct_error *err)
{
    int64_t remaining[CT_GROUP_MAX];
    size_t n = 0;
    enum ct_status st;

    if ((st = ct_store_group_member_drop(txn, group_id, member_id, remaining, &n, err)) != CT_OK ||
        (st = record(txn, round_id, group_id, cause, member_id, 0, now, err)) != CT_OK)
        return st;
    (*dropped)++;
    if (n >= 2)
        return CT_OK;
    if (n == 1 &&
        ((st = ct_store_unpaired_put(txn, round_id, remaining[0], "partner left", false, err)) !=
             CT_OK ||
         (st = record(txn, round_id, group_id, CT_CHANGE_ORPHAN, remaining[0], 0, now, err)) !=
             CT_OK))
        return st;
    return ct_store_group_delete(txn, group_id, err);
}

/* Dissolve planned group group_id: every member is left without a partner. */
static enum ct_status
dissolve(struct ct_txn *txn, int64_t round_id, int64_t group_id, int64_t now, struct ct_error *err)
{
    struct ct_store_group_filter filter = {.group_id = group_id};
    struct ct_round_group *groups = NULL;
    size_t count = 0, i, j;
    enum ct_status st;

    st = ct_store_groups_load(ct_txn_store(txn), &filter, &groups, &count, err);
    for (i = 0; i < count && st == CT_OK; i++)
        for (j = 0; j < groups[i].member_count && st == CT_OK; j++) {
            int64_t id = groups[i].members[j].member.id;
            if ((st = ct_store_unpaired_put(txn, round_id, id, "partner excluded", false, err)) ==
                CT_OK)
                st = record(txn, round_id, group_id, CT_CHANGE_ORPHAN, id, 0, now, err);
        }
    if (st == CT_OK && count > 0)
        st = ct_store_group_delete(txn, group_id, err);
    for (i = 0; i < count; i++)
        ct_round_group_clear(&groups[i]);
    free(groups);
    return st;
}

/* Departures and pauses out of their groups; groups holding an excluded pair dissolved. */
static enum ct_status
take_out(struct ct_txn *txn, int64_t round_id, int64_t now, size_t *dropped, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    struct ct_store_departure *d = NULL;
    struct ct_store_excluded_pair *x = NULL;
    size_t nd = 0, nx = 0, i;
    enum ct_status st;

    st = ct_store_groups_departed(store, round_id, &d, &nd, err);
    for (i = 0; i < nd && st == CT_OK; i++) {
        enum ct_round_change_kind cause = d[i].status == CT_MEMBER_PAUSED   ? CT_CHANGE_PAUSED
                                          : d[i].status == CT_MEMBER_ERASED ? CT_CHANGE_ERASED
                                                                            : CT_CHANGE_LEFT;
        st = rounds_review_drop(txn, round_id, d[i].group_id, d[i].member_id, cause, now, dropped,
                                err);
    }
    if (st == CT_OK)
        st = ct_store_unpaired_drop_departed(txn, round_id, err);
    if (st == CT_OK)
        st = ct_store_groups_excluded(store, round_id, &x, &nx, err);
    for (i = 0; i < nx && st == CT_OK; i++) {
        st = record(txn, round_id, x[i].group_id, CT_CHANGE_EXCLUDED, x[i].a, x[i].b, now, err);
        if (st == CT_OK && (i + 1 == nx || x[i + 1].group_id != x[i].group_id))
            st = dissolve(txn, round_id, x[i].group_id, now, err);
    }
    free(d);
    free(x);
    return st;
}

/* --- re-forming ------------------------------------------------------------------ */

/* The members left without a partner still to be placed: their ids and old groups. */
struct orphans {
    int64_t *member;
    int64_t *group;
    size_t count;
};

/* The orphans of changes: recorded as such, and not yet grouped or unpaired at send. */
static enum ct_status
find_orphans(const struct ct_store_round_change *v, size_t n, struct orphans *o,
             struct ct_error *err)
{
    size_t i, j;

    o->member = calloc(n ? n : 1, sizeof(*o->member));
    o->group = calloc(n ? n : 1, sizeof(*o->group));
    o->count = 0;
    if (o->member == NULL || o->group == NULL)
        return rounds_nomem(err);
    for (i = 0; i < n; i++) {
        bool placed = false;

        if (v[i].kind != CT_CHANGE_ORPHAN)
            continue;
        for (j = 0; j < n && !placed; j++)
            placed = (v[j].kind == CT_CHANGE_WITH || v[j].kind == CT_CHANGE_UNPAIRED) &&
                     v[j].member_id == v[i].member_id;
        for (j = 0; j < o->count && !placed; j++)
            placed = o->member[j] == v[i].member_id;
        if (!placed) {
            o->member[o->count] = v[i].member_id;
            o->group[o->count++] = v[i].group_id;
        }
    }
    return CT_OK;
}

/* The old group of orphan member_id (0 if not an orphan). */
static int64_t
orphan_group(const struct orphans *o, int64_t member_id)
{
    size_t i;

    for (i = 0; i < o->count; i++)
        if (o->member[i] == member_id)
            return o->group[i];
    return 0;
}

/* Only the active orphans are eligible in snap: everyone else is set aside. */
static void
keep_only(struct rounds_snapshot *snap, const struct orphans *o)
{
    size_t i;

    for (i = 0; i < snap->count; i++) {
        struct ct_member *m = &snap->members[i].member;
        if (m->status != CT_MEMBER_ACTIVE || orphan_group(o, m->id) == 0)
            m->status = CT_MEMBER_LEFT;
    }
}

/* Free the groups and unpaired of r, which lives on the stack. */
static void
clear_parts(struct ct_round *r)
{
    size_t i;

    for (i = 0; i < r->group_count; i++)
        ct_round_group_clear(&r->groups[i]);
    for (i = 0; i < r->unpaired_count; i++)
        ct_round_unpaired_clear(&r->unpaired[i]);
    free(r->groups);
    free(r->unpaired);
}

/* Whether r groups or lists member_id. */
static bool
placed_in(const struct ct_round *r, int64_t member_id)
{
    size_t i, j;

    for (i = 0; i < r->group_count; i++)
        for (j = 0; j < r->groups[i].member_count; j++)
            if (r->groups[i].members[j].member.id == member_id)
                return true;
    for (i = 0; i < r->unpaired_count; i++)
        if (r->unpaired[i].member.member.id == member_id)
            return true;
    return false;
}

/* Write the re-formed groups and the unpaired of r, and record where each orphan went. */
static enum ct_status
place(struct ct_txn *txn, const struct orphans *o, struct ct_round *r, int64_t now,
      struct ct_error *err)
{
    struct ct_store_round_change c;
    enum ct_status st;
    size_t i, j;

    if ((st = rounds_explain_groups(r, err)) != CT_OK ||
        (st = ct_store_groups_add(txn, r->id, r->groups, r->group_count, err)) != CT_OK)
        return st;
    for (i = 0; i < r->group_count && st == CT_OK; i++)
        for (j = 0; j < r->groups[i].member_count && st == CT_OK; j++) {
            int64_t id = r->groups[i].members[j].member.id;
            memset(&c, 0, sizeof(c));
            c.group_id = orphan_group(o, id);
            c.kind = CT_CHANGE_WITH;
            c.member_id = id;
            c.new_group_id = r->groups[i].id;
            if ((st = ct_store_unpaired_delete(txn, r->id, id, err)) == CT_OK)
                st = ct_store_change_add(txn, r->id, &c, now, err);
        }
    for (i = 0; i < r->unpaired_count && st == CT_OK; i++) {
        const struct ct_round_unpaired *u = &r->unpaired[i];
        memset(&c, 0, sizeof(c));
        c.group_id = orphan_group(o, u->member.member.id);
        c.kind = CT_CHANGE_UNPAIRED;
        c.member_id = u->member.member.id;
        c.reason = u->reason;
        if ((st = ct_store_unpaired_put(txn, r->id, c.member_id, u->reason, u->sit_out, err)) ==
            CT_OK)
            st = ct_store_change_add(txn, r->id, &c, now, err);
    }
    /* Orphans paused or gone since are not eligible: no longer listed, and said so. */
    for (i = 0; i < o->count && st == CT_OK; i++) {
        if (placed_in(r, o->member[i]))
            continue;
        memset(&c, 0, sizeof(c));
        c.group_id = o->group[i];
        c.kind = CT_CHANGE_UNPAIRED;
        c.member_id = o->member[i];
        c.reason = "not taking part this round any more";
        if ((st = ct_store_unpaired_delete(txn, r->id, o->member[i], err)) == CT_OK)
            st = ct_store_change_add(txn, r->id, &c, now, err);
    }
    return st;
}

/* A re-forming of orphans, worked out before it is written. */
struct reform {
    struct ct_round r;
    int64_t first_id; /* the group id the first new group takes */
};

static void
reform_clear(struct reform *f)
{
    clear_parts(&f->r);
    memset(f, 0, sizeof(*f));
}

/*
 * Run the engine on the orphans o alone (slots from now on), as store
 * reads now: the whole network's planning state, for every rule. OUT: *f.
 */
static enum ct_status
reform_compute(struct ct_store *store, const struct ct_config *cfg, const struct ct_round *hdr,
               const struct orphans *o, int64_t now, struct reform *f, struct ct_error *err)
{
    struct ct_store_planning planning;
    struct rounds_snapshot snap;
    struct rounds_outcome oc;
    int32_t day = 0;
    enum ct_status st;

    memset(&planning, 0, sizeof(planning));
    memset(&snap, 0, sizeof(snap));
    memset(&oc, 0, sizeof(oc));
    memset(f, 0, sizeof(*f));
    f->r.id = hdr->id;
    memcpy(f->r.date, hdr->date, sizeof(f->r.date));
    f->r.seed = (hdr->seed ^ REFORM_SEED_MIX) & ((UINT64_C(1) << 53) - 1);
    rounds_window(cfg, hdr->send_after > now ? hdr->send_after : now, now, &f->r.window_start,
                  &f->r.window_end);
    if (ct_parse_date(hdr->date, &day) != NULL)
        return ct_error_set(err, CT_EDATA, "round %" PRId64 ": bad date '%s'", hdr->id, hdr->date);
    if ((st = ct_store_group_next_id(store, &f->first_id, err)) == CT_OK &&
        (st = ct_store_planning_load(store, &planning, err)) == CT_OK &&
        (st = rounds_snapshot_build(cfg, &planning, day, f->r.window_start, f->r.window_end, &snap,
                                    err)) == CT_OK) {
        keep_only(&snap, o);
        if ((st = rounds_engine_run(&snap, cfg, f->r.seed, &oc, err)) == CT_OK)
            st = rounds_build(cfg, &snap, &oc, f->first_id, now, &f->r, err);
    }
    ct_store_planning_clear(&planning);
    rounds_snapshot_clear(&snap);
    rounds_outcome_clear(&oc);
    if (st != CT_OK)
        reform_clear(f);
    return st;
}

/* The orphans of round_id as its changes stand in store. OUT: *o (free o->member, o->group). */
static enum ct_status
orphans_now(struct ct_store *store, int64_t round_id, struct orphans *o, struct ct_error *err)
{
    struct ct_store_round_change *v = NULL;
    size_t n = 0;
    enum ct_status st;

    memset(o, 0, sizeof(*o));
    if ((st = ct_store_changes_load(store, round_id, &v, &n, err)) == CT_OK)
        st = find_orphans(v, n, o, err);
    ct_store_changes_free(v, n);
    return st;
}

static bool
same_orphans(const struct orphans *a, const struct orphans *b)
{
    return a->count == b->count &&
           (a->count == 0 || (memcmp(a->member, b->member, a->count * sizeof(*a->member)) == 0 &&
                              memcmp(a->group, b->group, a->count * sizeof(*a->group)) == 0));
}

enum ct_status
rounds_review_reconcile(struct ct_txn *txn, const struct ct_config *cfg, const struct ct_round *hdr,
                        int64_t now, size_t *dropped, bool *orphaned, struct ct_error *err)
{
    struct orphans o;
    enum ct_status st;

    (void)cfg;
    *orphaned = false;
    memset(&o, 0, sizeof(o));
    if ((st = take_out(txn, hdr->id, now, dropped, err)) == CT_OK &&
        (st = orphans_now(ct_txn_store(txn), hdr->id, &o, err)) == CT_OK)
        *orphaned = o.count > 0;
    free(o.member);
    free(o.group);
    return st;
}

enum ct_status
rounds_review_reform(struct ct_store *store, const struct ct_config *cfg,
                     const struct ct_round *hdr, int64_t now, struct ct_error *err)
{
    struct orphans o, again;
    struct reform f;
    struct ct_txn *txn = NULL;
    int64_t next_id = 0;
    enum ct_status st;

    memset(&again, 0, sizeof(again));
    memset(&f, 0, sizeof(f));
    /* The engine's work (seconds at 100k: the network's whole state) holds no lock. */
    if ((st = orphans_now(store, hdr->id, &o, err)) != CT_OK || o.count == 0 ||
        (st = reform_compute(store, cfg, hdr, &o, now, &f, err)) != CT_OK)
        goto out;
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = orphans_now(store, hdr->id, &again, err)) != CT_OK ||
        (st = ct_store_group_next_id(store, &next_id, err)) != CT_OK)
        goto out;
    /* Someone wrote in between (rare): worked out again, under the lock this time. */
    if (!same_orphans(&o, &again) || next_id != f.first_id) {
        reform_clear(&f);
        if (again.count > 0 &&
            (st = reform_compute(store, cfg, hdr, &again, now, &f, err)) != CT_OK)
            goto out;
    }
    if (again.count > 0 && (st = place(txn, &again, &f.r, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    reform_clear(&f);
    free(o.member);
    free(o.group);
    free(again.member);
    free(again.group);
    return st;
}

/* --- saying what changed ---------------------------------------------------------- */

/* A member as a change names them: never an erased one. */
static const char *
who(const char *name, bool erased)
{
    return name && !erased ? name : "a former member";
}

/* The cause of c as words, appended to b. */
static void
cause_words(struct ct_buf *b, const struct ct_store_round_change *c)
{
    switch (c->kind) {
    case CT_CHANGE_PAUSED:
        ct_buf_printf(b, "%s paused since the plan", who(c->member_name, c->member_erased));
        break;
    case CT_CHANGE_LEFT:
        ct_buf_printf(b, "%s left since the plan", who(c->member_name, c->member_erased));
        break;
    case CT_CHANGE_ERASED: ct_buf_puts(b, "a member was erased since the plan"); break;
    case CT_CHANGE_SKIPPED:
        ct_buf_printf(b, "%s skips this round", who(c->member_name, c->member_erased));
        break;
    case CT_CHANGE_EXCLUDED:
        ct_buf_printf(b, "%s and %s are now excluded from meeting",
                      who(c->member_name, c->member_erased), who(c->other_name, c->other_erased));
        break;
    default: break;
    }
}

static bool
is_cause(enum ct_round_change_kind kind)
{
    return kind == CT_CHANGE_PAUSED || kind == CT_CHANGE_LEFT || kind == CT_CHANGE_ERASED ||
           kind == CT_CHANGE_EXCLUDED || kind == CT_CHANGE_SKIPPED;
}

static const struct ct_round_group *
find_group(const struct ct_round *round, int64_t id)
{
    size_t i;

    for (i = 0; i < round->group_count; i++)
        if (round->groups[i].id == id)
            return &round->groups[i];
    return NULL;
}

static const char *
person_name(const struct ct_round_person *p)
{
    return who(p->member.name && *p->member.name ? p->member.name : p->member.email,
               p->member.email == NULL);
}

/* The members of g other than member_id (not removed), "A and B", appended to b. */
static void
others_words(struct ct_buf *b, const struct ct_round_group *g, int64_t member_id)
{
    size_t i, n = 0;

    for (i = 0; i < g->member_count; i++) {
        if (g->members[i].removed || g->members[i].member.id == member_id)
            continue;
        ct_buf_printf(b, "%s%s", n++ ? " and " : "", person_name(&g->members[i]));
    }
}

/* What became of the members of old group v[from..to), appended to b ("; " between). */
static void
outcome_words(struct ct_buf *b, const struct ct_round *round, const struct ct_store_round_change *v,
              size_t from, size_t to)
{
    const struct ct_round_group *g;
    size_t i, j, n = 0;

    for (i = from; i < to; i++) {
        const struct ct_store_round_change *c = &v[i];
        const char *name = who(c->member_name, c->member_erased);
        bool settled = false;

        if (c->kind == CT_CHANGE_WITH && (g = find_group(round, c->new_group_id)) != NULL) {
            ct_buf_printf(b, "%s%s now with ", n++ ? "; " : "", name);
            others_words(b, g, c->member_id);
        } else if (c->kind == CT_CHANGE_UNPAIRED) {
            ct_buf_printf(b, "%s%s unpaired (%s)", n++ ? "; " : "", name,
                          c->reason ? c->reason : "no eligible partner");
        } else if (c->kind == CT_CHANGE_ORPHAN && round->state == CT_ROUND_PLANNED) {
            for (j = from; j < to && !settled; j++)
                settled = (v[j].kind == CT_CHANGE_WITH || v[j].kind == CT_CHANGE_UNPAIRED) &&
                          v[j].member_id == c->member_id;
            if (!settled)
                ct_buf_printf(b, "%sat send, %s will be re-paired", n++ ? "; " : "", name);
        }
    }
    if (n == 0 && (g = find_group(round, v[from].group_id)) != NULL) {
        /* Nobody left alone: the others meet as planned (those who went are not named). */
        for (i = 0; i < g->member_count; i++) {
            bool went = g->members[i].removed;
            for (j = from; j < to && !went; j++)
                went = is_cause(v[j].kind) && v[j].kind != CT_CHANGE_EXCLUDED &&
                       v[j].member_id == g->members[i].member.id;
            if (!went)
                ct_buf_printf(b, "%s%s", n++ ? " and " : "", person_name(&g->members[i]));
        }
        ct_buf_puts(b, n ? (round->state == CT_ROUND_PLANNED ? " will still meet" : " still meet")
                         : "nobody is left to meet");
    }
}

/* The change of old group v[from..to) into c. */
static enum ct_status
one_change(const struct ct_round *round, const struct ct_store_round_change *v, size_t from,
           size_t to, struct ct_round_change *c, struct ct_error *err)
{
    struct ct_buf cause, outcome;
    size_t i, n = 0;

    ct_buf_init(&cause);
    ct_buf_init(&outcome);
    for (i = from; i < to; i++)
        if (is_cause(v[i].kind)) {
            if (n++)
                ct_buf_puts(&cause, "; ");
            cause_words(&cause, &v[i]);
        }
    outcome_words(&outcome, round, v, from, to);
    c->group_id = v[from].group_id;
    if (!cause.failed && !outcome.failed) {
        c->cause = ct_buf_steal(&cause);
        c->outcome = outcome.len ? ct_buf_steal(&outcome) : NULL;
        c->line = c->outcome
                      ? ct_asprintf("group %" PRId64 ": %s; %s", c->group_id, c->cause, c->outcome)
                      : ct_asprintf("group %" PRId64 ": %s", c->group_id, c->cause);
    }
    ct_buf_free(&cause);
    ct_buf_free(&outcome);
    if (c->cause == NULL || c->line == NULL)
        return rounds_nomem(err);
    return CT_OK;
}

/* The causes of the old groups whose members went into group g, into g->reformed. */
static enum ct_status
mark_reformed(const struct ct_round *round, const struct ct_store_round_change *v, size_t n,
              struct ct_round_group *g, struct ct_error *err)
{
    struct ct_buf b;
    size_t i, j;

    ct_buf_init(&b);
    for (i = 0; i < n; i++) {
        if (v[i].kind != CT_CHANGE_WITH || v[i].new_group_id != g->id)
            continue;
        for (j = 0; j < round->change_count; j++)
            if (round->changes[j].group_id == v[i].group_id &&
                (b.len == 0 || !b.data || !strstr(b.data, round->changes[j].cause)))
                ct_buf_printf(&b, "%s%s", b.len ? "; " : "", round->changes[j].cause);
    }
    if (b.failed) {
        ct_buf_free(&b);
        return rounds_nomem(err);
    }
    free(g->reformed);
    g->reformed = b.len ? ct_buf_steal(&b) : NULL;
    ct_buf_free(&b);
    return CT_OK;
}

/* Append a record of kind about group_id's member_id (named from round) to *v. */
static bool
pending_add(const struct ct_round *round, int64_t group_id, enum ct_round_change_kind kind,
            int64_t member_id, int64_t other_id, struct ct_store_round_change **v, size_t *n)
{
    const struct ct_round_group *g = find_group(round, group_id);
    struct ct_store_round_change *nv, *c;
    size_t i;

    if (g == NULL)
        return true;
    if ((nv = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
        return false;
    *v = nv;
    c = &nv[(*n)++];
    memset(c, 0, sizeof(*c));
    c->group_id = group_id;
    c->kind = kind;
    c->member_id = member_id;
    c->other_id = other_id;
    for (i = 0; i < g->member_count; i++) {
        const char *name = person_name(&g->members[i]);
        if (g->members[i].member.id == member_id && !(c->member_name = strdup(name)))
            return false;
        if (other_id > 0 && g->members[i].member.id == other_id && !(c->other_name = strdup(name)))
            return false;
    }
    return true;
}

/* The members of group_id other than those in gone[0..ngone) become orphans, if fewer than 2. */
static bool
pending_orphans(const struct ct_round *round, int64_t group_id, const int64_t *gone, size_t ngone,
                bool dissolved, struct ct_store_round_change **v, size_t *n)
{
    const struct ct_round_group *g = find_group(round, group_id);
    int64_t left[CT_GROUP_MAX];
    size_t i, j, k = 0;

    for (i = 0; g && i < g->member_count; i++) {
        bool out = false;
        for (j = 0; j < ngone && !out; j++)
            out = gone[j] == g->members[i].member.id;
        if (!out)
            left[k++] = g->members[i].member.id;
    }
    if (!dissolved && k >= 2)
        return true;
    for (i = 0; i < k; i++)
        if (!pending_add(round, group_id, CT_CHANGE_ORPHAN, left[i], 0, v, n))
            return false;
    return true;
}

/*
 * A planned round: what the send will find (members paused, or gone by
 * other means, and pairs excluded since the plan), as records appended to
 * *v, so that show says it before the send does.
 */
static enum ct_status
pending(struct ct_store *store, const struct ct_round *round, struct ct_store_round_change **v,
        size_t *n, struct ct_error *err)
{
    struct ct_store_departure *d = NULL;
    struct ct_store_excluded_pair *x = NULL;
    size_t nd = 0, nx = 0, i, j;
    enum ct_status st;
    bool fine = true;

    if ((st = ct_store_groups_departed(store, round->id, &d, &nd, err)) != CT_OK ||
        (st = ct_store_groups_excluded(store, round->id, &x, &nx, err)) != CT_OK)
        goto out;
    for (i = 0; i < nd && fine; i++) {
        int64_t gone[CT_GROUP_MAX];
        size_t k = 0;
        fine = pending_add(round, d[i].group_id,
                           d[i].status == CT_MEMBER_PAUSED   ? CT_CHANGE_PAUSED
                           : d[i].status == CT_MEMBER_ERASED ? CT_CHANGE_ERASED
                                                             : CT_CHANGE_LEFT,
                           d[i].member_id, 0, v, n);
        for (j = 0; j < nd; j++)
            if (d[j].group_id == d[i].group_id && k < CT_GROUP_MAX)
                gone[k++] = d[j].member_id;
        /* Once per group, after its last departure; a group with an exclusion is dissolved. */
        for (j = 0; j < nx && fine; j++)
            if (x[j].group_id == d[i].group_id)
                break;
        if (fine && j == nx && (i + 1 == nd || d[i + 1].group_id != d[i].group_id))
            fine = pending_orphans(round, d[i].group_id, gone, k, false, v, n);
    }
    for (i = 0; i < nx && fine; i++) {
        int64_t gone[CT_GROUP_MAX];
        size_t k = 0;
        fine = pending_add(round, x[i].group_id, CT_CHANGE_EXCLUDED, x[i].a, x[i].b, v, n);
        for (j = 0; j < nd; j++)
            if (d[j].group_id == x[i].group_id && k < CT_GROUP_MAX)
                gone[k++] = d[j].member_id;
        if (fine && (i + 1 == nx || x[i + 1].group_id != x[i].group_id))
            fine = pending_orphans(round, x[i].group_id, gone, k, true, v, n);
    }
    if (!fine)
        st = rounds_nomem(err);
out:
    free(d);
    free(x);
    return st;
}

/* Sort v by group id, keeping the order within a group (few records: insertion sort). */
static void
by_group(struct ct_store_round_change *v, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        struct ct_store_round_change c = v[i];
        for (j = i; j > 0 && v[j - 1].group_id > c.group_id; j--)
            v[j] = v[j - 1];
        v[j] = c;
    }
}

enum ct_status
rounds_review_load(struct ct_store *store, struct ct_round *round, struct ct_error *err)
{
    struct ct_store_round_change *v = NULL;
    size_t n = 0, i, from, groups = 0;
    enum ct_status st;

    for (i = 0; i < round->change_count; i++)
        ct_round_change_clear(&round->changes[i]);
    free(round->changes);
    round->changes = NULL;
    round->change_count = 0;
    if ((st = ct_store_changes_load(store, round->id, &v, &n, err)) != CT_OK)
        return st;
    if (round->state == CT_ROUND_PLANNED && (st = pending(store, round, &v, &n, err)) != CT_OK) {
        ct_store_changes_free(v, n);
        return st;
    }
    by_group(v, n);
    for (i = 0; i < n; i++)
        groups += i == 0 || v[i].group_id != v[i - 1].group_id;
    if (groups > 0 && (round->changes = calloc(groups, sizeof(*round->changes))) == NULL)
        st = rounds_nomem(err);
    for (from = 0; from < n && st == CT_OK; from = i) {
        bool any = false;
        for (i = from; i < n && v[i].group_id == v[from].group_id; i++)
            any = any || is_cause(v[i].kind);
        if (any && (st = one_change(round, v, from, i, &round->changes[round->change_count],
                                    err)) == CT_OK)
            round->change_count++;
    }
    for (i = 0; i < round->group_count && st == CT_OK; i++)
        st = mark_reformed(round, v, n, &round->groups[i], err);
    ct_store_changes_free(v, n);
    return st;
}

/* --- what a pause or an exclusion will change ------------------------------------- */

/* The line for member_id (and other_id) in planned group g of round hdr; NULL: none to say. */
static char *
preview_line(const struct ct_round *hdr, const struct ct_round_group *g, int64_t member_id,
             int64_t other_id)
{
    const struct ct_round_person *me = NULL, *other = NULL;
    struct ct_buf rest;
    char *line = NULL;
    size_t i;

    for (i = 0; i < g->member_count; i++) {
        if (g->members[i].member.id == member_id)
            me = &g->members[i];
        else if (other_id > 0 && g->members[i].member.id == other_id)
            other = &g->members[i];
    }
    if (me == NULL || (other_id > 0 && other == NULL))
        return NULL;
    ct_buf_init(&rest);
    others_words(&rest, g, member_id);
    if (rest.failed)
        goto out;
    if (other)
        line = ct_asprintf("round %" PRId64 " (planned for %s) has %s and %s together in group "
                           "%" PRId64 ": at send, the group is dissolved and re-formed under "
                           "the rules",
                           hdr->id, hdr->date, person_name(me), person_name(other), g->id);
    else if (g->member_count >= 3)
        line = ct_asprintf("round %" PRId64 " (planned for %s) has %s in group %" PRId64
                           " with %s: at send, %s is taken out and the others still meet",
                           hdr->id, hdr->date, person_name(me), g->id, rest.data, person_name(me));
    else
        line = ct_asprintf("round %" PRId64 " (planned for %s) has %s in group %" PRId64
                           " with %s: at send, %s will be re-paired",
                           hdr->id, hdr->date, person_name(me), g->id, rest.data, rest.data);
out:
    ct_buf_free(&rest);
    return line;
}

/* Append the line for group a of member_id (and other_id) to *lines. */
static enum ct_status
preview_group(struct ct_store *store, const struct ct_store_member_group *a, int64_t member_id,
              int64_t other_id, char **lines, size_t *count, struct ct_error *err)
{
    struct ct_store_group_filter filter = {.group_id = a->group_id};
    struct ct_round_group *groups = NULL;
    struct ct_round hdr;
    size_t n = 0, i;
    enum ct_status st;

    if ((st = ct_store_round_load(store, a->round_id, &hdr, err)) != CT_OK)
        return st;
    if (other_id == 0) {
        /* A pause that ends by the round's date changes nothing there. */
        struct ct_store_departure *d = NULL;
        size_t nd = 0;
        bool out = false;
        if ((st = ct_store_groups_departed(store, a->round_id, &d, &nd, err)) != CT_OK)
            return st;
        for (i = 0; i < nd && !out; i++)
            out = d[i].member_id == member_id;
        free(d);
        if (!out)
            return CT_OK;
    }
    if ((st = ct_store_groups_load(store, &filter, &groups, &n, err)) != CT_OK)
        return st;
    if (n == 1) {
        char *line = preview_line(&hdr, &groups[0], member_id, other_id);
        if (line)
            lines[(*count)++] = line;
    }
    for (i = 0; i < n; i++)
        ct_round_group_clear(&groups[i]);
    free(groups);
    return CT_OK;
}

enum ct_status
ct_rounds_preview(struct ct_store *store, int64_t member_id, int64_t other_id, char ***lines,
                  size_t *count, struct ct_error *err)
{
    struct ct_store_member_group *v = NULL;
    size_t n = 0, i;
    char **out = NULL;
    enum ct_status st;

    *lines = NULL;
    *count = 0;
    if ((st = ct_store_member_groups(store, member_id, &v, &n, err)) != CT_OK)
        return st;
    if ((out = calloc(n ? n : 1, sizeof(*out))) == NULL)
        st = rounds_nomem(err);
    for (i = 0; i < n && st == CT_OK; i++)
        if (!v[i].sent)
            st = preview_group(store, &v[i], member_id, other_id, out, count, err);
    free(v);
    if (st != CT_OK) {
        for (i = 0; i < *count; i++)
            free(out[i]);
        free(out);
        *count = 0;
        return st;
    }
    *lines = out;
    return CT_OK;
}

enum ct_status
ct_rounds_preview_emails(struct ct_store *store, const char *email, const char *other_email,
                         char ***lines, size_t *count, struct ct_error *err)
{
    struct ct_member *m = NULL, *other = NULL;
    enum ct_status st;

    *lines = NULL;
    *count = 0;
    if ((st = ct_members_find(store, email, &m, err)) == CT_OK &&
        (other_email == NULL || (st = ct_members_find(store, other_email, &other, err)) == CT_OK))
        st = ct_rounds_preview(store, m->id, other ? other->id : 0, lines, count, err);
    ct_member_free(m);
    ct_member_free(other);
    return st;
}
