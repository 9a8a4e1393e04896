/*
 * report.c: computing the report's figures from the store (see report.h and
 * docs/reports.md). Everything is read once into memory and replayed round
 * by round, so figures "as of round r" (shared contacts before it, reach
 * after it) come from one pass: O(group members + contacts x degree).
 */
#include "report.h"
#include "store_actions.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "orgname.h"
#include "reply.h"
#include "rc.h"
#include "store_rc.h"
#include "store_report.h"
#include "util.h"

/* ---- small containers ------------------------------------------------------ */

/* A set of unordered pairs of member indices, open addressing. */
struct pairset {
    uint64_t *keys; /* (lo << 32 | hi) + 1; 0 = empty */
    size_t cap;     /* power of two */
    size_t count;
};

static uint64_t
pair_key(size_t a, size_t b)
{
    if (a > b) {
        size_t t = a;
        a = b;
        b = t;
    }
    return (((uint64_t)a << 32) | (uint64_t)b) + 1;
}

static size_t
pair_slot(const struct pairset *s, uint64_t key)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    return (size_t)(h ^ (h >> 29)) & (s->cap - 1);
}

static bool
pairset_has(const struct pairset *s, size_t a, size_t b)
{
    uint64_t key = pair_key(a, b);
    size_t i;

    if (s->cap == 0)
        return false;
    for (i = pair_slot(s, key); s->keys[i] != 0; i = (i + 1) & (s->cap - 1))
        if (s->keys[i] == key)
            return true;
    return false;
}

/* Add a pair. OUT: *added. False when out of memory. */
static bool
pairset_add(struct pairset *s, size_t a, size_t b, bool *added)
{
    uint64_t key = pair_key(a, b);
    size_t i;

    *added = false;
    if ((s->count + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024, j;
        uint64_t *keys = calloc(ncap, sizeof(*keys));
        struct pairset grown = {keys, ncap, s->count};
        if (keys == NULL)
            return false;
        for (j = 0; j < s->cap; j++) {
            if (s->keys[j] == 0)
                continue;
            for (i = pair_slot(&grown, s->keys[j]); keys[i] != 0; i = (i + 1) & (ncap - 1))
                ;
            keys[i] = s->keys[j];
        }
        free(s->keys);
        *s = grown;
    }
    for (i = pair_slot(s, key); s->keys[i] != 0; i = (i + 1) & (s->cap - 1))
        if (s->keys[i] == key)
            return true;
    s->keys[i] = key;
    s->count++;
    *added = true;
    return true;
}

/* A growable list of member indices: one member's neighbours in the tie graph. */
struct adjlist {
    size_t *items;
    size_t count, cap;
};

static bool
adjlist_add(struct adjlist *l, size_t v)
{
    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        size_t *items = realloc(l->items, ncap * sizeof(*items));
        if (items == NULL)
            return false;
        l->items = items;
        l->cap = ncap;
    }
    l->items[l->count++] = v;
    return true;
}

/* ---- loading the store ------------------------------------------------------- */

struct gmember {
    size_t member; /* index into the loaded members */
    enum ct_partstat partstat;
    bool removed;
    bool proposed; /* proposed another time */
    int invite;    /* 0 none, 1 sent, 2 failed, 3 pending */
};

struct group {
    int64_t id;
    size_t round; /* index into rows */
    bool sent;    /* the group's state is sent */
    bool has_outcome, met;
    int rating;
    struct gmember *members;
    size_t count, cap;
};

/* A member as the replay sees it: the one member view, and what the replay counts. */
struct member {
    struct ct_member m; /* id, email and name (NULL once erased), organisation, status */
    size_t org;         /* index into all organisations */
    /* replay state */
    long rounds, partners, waited;
    int64_t last_round_seen; /* row index + 1 of the last round counted */
    bool crossed;
    char last_cross[11];
    long orgs_met; /* organisations met: the pairs (member, org) in the replay's met */
};

struct loader {
    struct ct_store *store;
    struct ct_error *err;
    struct ct_report *rep;
    const struct ct_orgname_aliases *aliases; /* [roster] aliases; NULL: none */
    int64_t round_id;                         /* the round asked for, 0 for all */
    bool found;                               /* round_id was read */
    size_t rounds_cap;
    struct member *members;
    size_t members_count, members_cap;
    const char **orgs; /* every organisation name, sorted; borrowed from members */
    size_t orgs_count;
    struct group *groups; /* sorted by id */
    size_t groups_count, groups_cap;
    int64_t *round_ids; /* rows' round ids, sorted, with their row index */
    size_t *round_rows;
    size_t rows_count;
    struct pairset ties; /* declared ties */
};

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static long
member_find(const struct loader *ld, int64_t id)
{
    size_t lo = 0, hi = ld->members_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ld->members[mid].m.id == id)
            return (long)mid;
        if (ld->members[mid].m.id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static long
group_find(const struct loader *ld, int64_t id)
{
    size_t lo = 0, hi = ld->groups_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ld->groups[mid].id == id)
            return (long)mid;
        if (ld->groups[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static long
row_of_round(const struct loader *ld, int64_t round_id)
{
    size_t lo = 0, hi = ld->rows_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ld->round_ids[mid] == round_id)
            return (long)ld->round_rows[mid];
        if (ld->round_ids[mid] < round_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* One round read: cancelled ones are counted, the rest become rows up to round_id. */
static enum ct_status
on_round(void *arg, const struct ct_store_report_round *in, bool *stop)
{
    struct loader *ld = arg;
    struct ct_report *rep = ld->rep;
    struct ct_report_round *r;

    if (in->state == CT_ROUND_CANCELLED) {
        if (in->id == ld->round_id)
            return ct_error_set(ld->err, CT_ESTATE, "round %lld was cancelled; nothing to report",
                                (long long)in->id);
        rep->cancelled_rounds++;
        return CT_OK;
    }
    if (rep->rounds_count == ld->rounds_cap) {
        size_t ncap = ld->rounds_cap ? ld->rounds_cap * 2 : 32;
        struct ct_report_round *grown = realloc(rep->rounds, ncap * sizeof(*grown));
        if (grown == NULL)
            return nomem(ld->err);
        rep->rounds = grown;
        ld->rounds_cap = ncap;
    }
    r = &rep->rounds[rep->rounds_count++];
    memset(r, 0, sizeof(*r));
    r->id = in->id;
    memcpy(r->date, in->date, sizeof(r->date));
    r->state = in->state;
    if (in->id == ld->round_id) {
        ld->found = true;
        *stop = true;
    }
    return CT_OK;
}

/* The rounds to report: every round but re-planned ones, up to round_id. */
static enum ct_status
load_rounds(struct loader *ld)
{
    struct ct_report *rep = ld->rep;
    enum ct_status st;
    size_t i, j;

    ld->found = ld->round_id == 0;
    if ((st = ct_store_report_rounds(ld->store, on_round, ld, ld->err)) != CT_OK)
        return st;
    if (!ld->found)
        return ct_error_set(ld->err, CT_ENOTFOUND, "no round %lld (see coffeetrial round list)",
                            (long long)ld->round_id);
    rep->selected = ld->round_id ? (long)rep->rounds_count - 1 : -1;
    ld->rows_count = rep->rounds_count;
    ld->round_ids = malloc((ld->rows_count + 1) * sizeof(*ld->round_ids));
    ld->round_rows = malloc((ld->rows_count + 1) * sizeof(*ld->round_rows));
    if (ld->round_ids == NULL || ld->round_rows == NULL)
        return nomem(ld->err);
    /* Insertion sort by id: rounds are few. */
    for (i = 0; i < ld->rows_count; i++) {
        for (j = i; j > 0 && ld->round_ids[j - 1] > rep->rounds[i].id; j--) {
            ld->round_ids[j] = ld->round_ids[j - 1];
            ld->round_rows[j] = ld->round_rows[j - 1];
        }
        ld->round_ids[j] = rep->rounds[i].id;
        ld->round_rows[j] = i;
    }
    return CT_OK;
}

/* One member read: a copy of what the report shows of them. */
static enum ct_status
on_member(void *arg, const struct ct_member *in)
{
    struct loader *ld = arg;
    struct member *m;

    if (ld->members_count == ld->members_cap) {
        size_t ncap = ld->members_cap ? ld->members_cap * 2 : 256;
        struct member *grown = realloc(ld->members, ncap * sizeof(*grown));
        if (grown == NULL)
            return nomem(ld->err);
        ld->members = grown;
        ld->members_cap = ncap;
    }
    m = &ld->members[ld->members_count++];
    memset(m, 0, sizeof(*m));
    m->m.id = in->id;
    m->m.status = in->status;
    m->m.email = ct_strdup(in->email);
    m->m.name = ct_strdup(in->name);
    m->m.organisation = ct_strdup(in->organisation ? in->organisation : "");
    if ((in->email && !m->m.email) || (in->name && !m->m.name) || !m->m.organisation)
        return nomem(ld->err);
    return CT_OK;
}

/* A folded organisation: its identity key and the name the report gives it. */
struct org_name {
    const char *key, *name; /* borrowed from the summary */
};

static int
cmp_org_key(const void *a, const void *b)
{
    return strcmp(((const struct org_name *)a)->key, ((const struct org_name *)b)->key);
}

/*
 * One organisation, one name: every member's organisation becomes the name
 * of its folded, aliased group (the alias's canonical spelling, else the
 * commonest), as pairing and "roster orgs" see it, so spellings are never
 * counted as two organisations.
 */
static enum ct_status
fold_orgs(struct loader *ld)
{
    struct ct_orgname_summary *sum = NULL;
    struct org_name *names = NULL;
    const char **orgs = NULL;
    enum ct_status st = CT_OK;
    size_t i;

    orgs = malloc((ld->members_count + 1) * sizeof(*orgs));
    for (i = 0; orgs && i < ld->members_count; i++)
        orgs[i] = ld->members[i].m.organisation;
    if (orgs == NULL || ct_orgname_summarise(ld->aliases, orgs, ld->members_count, &sum) != CT_OK ||
        (names = malloc((sum->count + 1) * sizeof(*names))) == NULL) {
        st = nomem(ld->err);
        goto out;
    }
    for (i = 0; i < sum->count; i++)
        names[i] = (struct org_name){sum->groups[i].key, sum->groups[i].name};
    qsort(names, sum->count, sizeof(*names), cmp_org_key);
    for (i = 0; i < ld->members_count && st == CT_OK; i++) {
        struct member *m = &ld->members[i];
        struct org_name want = {NULL, NULL}, *hit;
        char *key;
        if (*m->m.organisation == '\0')
            continue;
        if ((key = ct_orgname_identity(ld->aliases, m->m.organisation)) == NULL) {
            st = nomem(ld->err);
            break;
        }
        want.key = key;
        hit = bsearch(&want, names, sum->count, sizeof(*names), cmp_org_key);
        free(key);
        if (hit && strcmp(hit->name, m->m.organisation) != 0) {
            char *name = ct_strdup(hit->name);
            if (name == NULL) {
                st = nomem(ld->err);
                break;
            }
            free(m->m.organisation);
            m->m.organisation = name;
        }
    }
out:
    free(names);
    free(orgs);
    ct_orgname_summary_free(sum);
    return st;
}

/* Intern the organisations: a sorted list of distinct names, and each member's index in it. */
static enum ct_status
intern_orgs(struct loader *ld)
{
    size_t i, w = 0;

    ld->orgs = malloc((ld->members_count + 1) * sizeof(*ld->orgs));
    if (ld->orgs == NULL)
        return nomem(ld->err);
    for (i = 0; i < ld->members_count; i++)
        ld->orgs[i] = ld->members[i].m.organisation;
    qsort(ld->orgs, ld->members_count, sizeof(*ld->orgs), cmp_str);
    for (i = 0; i < ld->members_count; i++)
        if (w == 0 || strcmp(ld->orgs[w - 1], ld->orgs[i]) != 0)
            ld->orgs[w++] = ld->orgs[i];
    ld->orgs_count = w;
    for (i = 0; i < ld->members_count; i++) {
        const char *key = ld->members[i].m.organisation;
        const char **hit = bsearch(&key, ld->orgs, w, sizeof(*ld->orgs), cmp_str);
        ld->members[i].org = (size_t)(hit - ld->orgs);
    }
    return CT_OK;
}

static enum ct_status
load_members(struct loader *ld)
{
    enum ct_status st = ct_store_report_members(ld->store, on_member, ld, ld->err);

    if (st == CT_OK)
        st = fold_orgs(ld);
    return st != CT_OK ? st : intern_orgs(ld);
}

static enum ct_status
on_tie(void *arg, int64_t ida, int64_t idb)
{
    struct loader *ld = arg;
    long a = member_find(ld, ida), b = member_find(ld, idb);
    bool added;

    if (a < 0 || b < 0 || a == b)
        return CT_OK;
    if (!pairset_add(&ld->ties, (size_t)a, (size_t)b, &added))
        return nomem(ld->err);
    return CT_OK;
}

static enum ct_status
on_group(void *arg, const struct ct_outcome_group *in)
{
    struct loader *ld = arg;
    long row = row_of_round(ld, in->round_id);
    struct group *g;

    if (row < 0)
        return CT_OK;
    if (ld->groups_count == ld->groups_cap) {
        size_t ncap = ld->groups_cap ? ld->groups_cap * 2 : 256;
        struct group *grown = realloc(ld->groups, ncap * sizeof(*grown));
        if (grown == NULL)
            return nomem(ld->err);
        ld->groups = grown;
        ld->groups_cap = ncap;
    }
    g = &ld->groups[ld->groups_count++];
    memset(g, 0, sizeof(*g));
    g->id = in->id;
    g->round = (size_t)row;
    g->sent = in->state == CT_GROUP_SENT;
    g->has_outcome = in->has_outcome;
    g->met = in->met;
    g->rating = in->rating;
    return CT_OK;
}

static enum ct_status
on_seat(void *arg, const struct ct_group_seat *in)
{
    struct loader *ld = arg;
    long gi = group_find(ld, in->group_id), mi = member_find(ld, in->member_id);
    struct group *g;
    struct gmember *gm;

    if (gi < 0 || mi < 0)
        return CT_OK;
    g = &ld->groups[gi];
    if (g->count == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 2;
        struct gmember *grown = realloc(g->members, ncap * sizeof(*grown));
        if (grown == NULL)
            return nomem(ld->err);
        g->members = grown;
        g->cap = ncap;
    }
    gm = &g->members[g->count++];
    gm->member = (size_t)mi;
    gm->partstat = in->partstat;
    gm->removed = in->removed;
    gm->proposed = in->proposed;
    gm->invite = 0;
    return CT_OK;
}

/* Invitations: per member and group, what became of its REQUEST messages. */
static enum ct_status
on_invite(void *arg, const struct ct_store_report_invite *in)
{
    struct loader *ld = arg;
    long gi = group_find(ld, in->group_id), mi = member_find(ld, in->member_id);
    size_t j;

    if (gi < 0 || mi < 0)
        return CT_OK;
    for (j = 0; j < ld->groups[gi].count; j++)
        if (ld->groups[gi].members[j].member == (size_t)mi)
            ld->groups[gi].members[j].invite = in->sent > 0 ? 1 : in->dead == in->total ? 2 : 3;
    return CT_OK;
}

static enum ct_status
load_groups(struct loader *ld)
{
    enum ct_status st;

    if ((st = ct_store_report_groups(ld->store, on_group, ld, ld->err)) != CT_OK ||
        (st = ct_store_report_seats(ld->store, on_seat, ld, ld->err)) != CT_OK)
        return st;
    return ct_store_report_invites(ld->store, on_invite, ld, ld->err);
}

/* ---- the replay ------------------------------------------------------------------ */

struct replay {
    struct loader *ld;
    struct ct_report *rep;
    struct pairset graph;    /* declared ties and contacts so far */
    struct pairset contacts; /* contacts so far (the ties made) */
    struct pairset grouped;  /* pairs ever grouped in sent rounds */
    struct pairset met;      /* (member i, members_count + organisation p): i has met p */
    struct adjlist *adj;     /* the graph's neighbours of each member */
    size_t **round_groups;   /* per row, indices of its groups */
    size_t *round_groups_count;
    int64_t *unpaired; /* (row << 32 | member index) << 1 | sit_out, sorted */
    size_t unpaired_count, unpaired_cap;
    long *mixing_all; /* all organisations squared */
    long rating_sum;  /* over sent rounds */
};

static bool
graph_add(struct replay *rp, size_t a, size_t b)
{
    bool added;

    if (!pairset_add(&rp->graph, a, b, &added))
        return false;
    if (added && (!adjlist_add(&rp->adj[a], b) || !adjlist_add(&rp->adj[b], a)))
        return false;
    return true;
}

static long
shared_contacts(const struct replay *rp, size_t a, size_t b)
{
    const struct adjlist *small = &rp->adj[a];
    size_t other = b, i;
    long n = 0;

    if (rp->adj[b].count < small->count) {
        small = &rp->adj[b];
        other = a;
    }
    for (i = 0; i < small->count; i++)
        if (small->items[i] != other && pairset_has(&rp->graph, small->items[i], other))
            n++;
    return n;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One unpaired member, kept as (row << 32 | member index) << 1 | sit_out. */
static enum ct_status
on_unpaired(void *arg, int64_t round_id, int64_t member_id, bool sit_out)
{
    struct replay *rp = arg;
    long row = row_of_round(rp->ld, round_id), mi = member_find(rp->ld, member_id);

    if (row < 0 || mi < 0)
        return CT_OK;
    if (rp->unpaired_count == rp->unpaired_cap) {
        size_t ncap = rp->unpaired_cap ? rp->unpaired_cap * 2 : 256;
        int64_t *grown = realloc(rp->unpaired, ncap * sizeof(*grown));
        if (grown == NULL)
            return nomem(rp->ld->err);
        rp->unpaired = grown;
        rp->unpaired_cap = ncap;
    }
    rp->unpaired[rp->unpaired_count++] = ((((int64_t)row << 32) | (int64_t)mi) << 1) | sit_out;
    return CT_OK;
}

static enum ct_status
load_unpaired(struct replay *rp)
{
    enum ct_status st = ct_store_report_unpaired(rp->ld->store, on_unpaired, rp, rp->ld->err);

    if (st == CT_OK && rp->unpaired_count > 1)
        qsort(rp->unpaired, rp->unpaired_count, sizeof(*rp->unpaired), cmp_i64);
    return st;
}

static double
ratio(long num, long den)
{
    return den > 0 ? (double)num / (double)den : NAN;
}

/* A member took part in sent row r: count the round once. */
static void
took_part(struct member *m, size_t row)
{
    if (m->last_round_seen == (int64_t)row + 1)
        return;
    m->last_round_seen = (int64_t)row + 1;
    m->rounds++;
    m->waited++;
}

/* Reach and its bounds over the members who have taken part so far. */
static enum ct_status
reach_as_of(struct replay *rp, struct ct_report_round *r)
{
    struct loader *ld = rp->ld;
    size_t *org = NULL, *compact = NULL, i, n = 0, k = 0;
    long *partners = NULL, met = 0, flow, capacity;
    enum ct_status st = CT_OK;

    org = malloc((ld->members_count + 1) * sizeof(*org));
    partners = malloc((ld->members_count + 1) * sizeof(*partners));
    compact = malloc((ld->orgs_count + 1) * sizeof(*compact));
    if (org == NULL || partners == NULL || compact == NULL) {
        st = nomem(ld->err);
        goto out;
    }
    for (i = 0; i < ld->orgs_count; i++)
        compact[i] = SIZE_MAX;
    for (i = 0; i < ld->members_count; i++) {
        const struct member *m = &ld->members[i];
        if (m->rounds == 0)
            continue;
        if (compact[m->org] == SIZE_MAX)
            compact[m->org] = k++;
        org[n] = compact[m->org];
        partners[n] = m->partners;
        met += m->orgs_met;
        n++;
    }
    r->participants = (long)n;
    r->organisations = (long)k;
    r->reach = r->reach_bound = r->reach_capacity = NAN;
    if (k < 2)
        goto out;
    if ((flow = ct_report_reach_flow(org, partners, n, k, &capacity)) < 0) {
        st = nomem(ld->err);
        goto out;
    }
    r->reach = (double)met / ((double)n * (double)(k - 1));
    r->reach_bound = (double)flow / ((double)n * (double)(k - 1));
    r->reach_capacity = (double)capacity / ((double)n * (double)(k - 1));
out:
    free(org);
    free(partners);
    free(compact);
    return st;
}

/* The outcome figures of one group of a sent round. */
static void
replay_outcome(struct ct_report_round *r, const struct group *g, long *rating_sum)
{
    size_t x;

    if (g->sent && !g->has_outcome) {
        bool all = g->count > 0;
        r->awaiting++;
        for (x = 0; x < g->count; x++)
            if (!g->members[x].removed && g->members[x].partstat != CT_PARTSTAT_ACCEPTED)
                all = false;
        r->awaiting_accepted += all;
    }
    if (g->has_outcome) {
        r->outcomes++;
        if (g->met)
            r->met++;
        else
            r->not_met++;
        if (g->rating > 0) {
            r->ratings++;
            *rating_sum += g->rating;
        }
    }
}

/* Figures of one row, from its unpaired members and its groups (any state). */
static void
replay_figures(struct replay *rp, size_t row, bool sent, long *shared, long *rating_sum)
{
    struct loader *ld = rp->ld;
    struct ct_report_round *r = &rp->rep->rounds[row];
    size_t i, x, y;
    int64_t lo = (int64_t)row << 33, hi = ((int64_t)row + 1) << 33;

    /* Unpaired members of this row: a contiguous run of the sorted array. */
    for (i = 0; i < rp->unpaired_count; i++) {
        int64_t v = rp->unpaired[i];
        if (v < lo || v >= hi)
            continue;
        r->unpaired++;
        if (v & 1)
            r->sat_out++;
        if (sent)
            took_part(&ld->members[(size_t)((v >> 1) & 0xffffffff)], row);
    }

    for (i = 0; i < rp->round_groups_count[row]; i++) {
        struct group *g = &ld->groups[rp->round_groups[row][i]];

        r->groups++;
        r->grouped += (long)g->count;
        if (g->count == 3)
            r->trios++;
        else if (g->count == 4)
            r->fours++;
        for (x = 0; x < g->count; x++) {
            const struct gmember *gm = &g->members[x];
            if (gm->invite) {
                r->invites++;
                r->invites_sent += gm->invite == 1;
                r->invites_failed += gm->invite == 2;
                r->invites_pending += gm->invite == 3;
            }
            if (sent && !gm->removed) {
                r->accepted += gm->partstat == CT_PARTSTAT_ACCEPTED;
                r->declined += gm->partstat == CT_PARTSTAT_DECLINED;
                r->tentative += gm->partstat == CT_PARTSTAT_TENTATIVE;
                r->proposed += gm->proposed;
            }
            if (sent)
                took_part(&ld->members[gm->member], row);
            for (y = x + 1; y < g->count; y++) {
                size_t a = gm->member, b = g->members[y].member;
                r->pairings++;
                if (ld->members[a].org != ld->members[b].org)
                    r->cross_org++;
                if (!pairset_has(&rp->graph, a, b))
                    r->first_meetings++;
                *shared += shared_contacts(rp, a, b);
            }
        }
        if (sent)
            replay_outcome(r, g, rating_sum);
    }
}

/* A contact across organisations: both members have now met the other's. */
static bool
crossed(struct replay *rp, struct member *ma, struct member *mb, const char *date)
{
    size_t j, n = rp->ld->members_count;
    bool added;

    for (j = 0; j < 2; j++) {
        struct member *self = j ? mb : ma, *partner = j ? ma : mb;
        if (!pairset_add(&rp->met, (size_t)(self - rp->ld->members), n + partner->org, &added))
            return false;
        self->orgs_met += added;
        self->crossed = true;
        self->waited = 0;
        memcpy(self->last_cross, date, sizeof(self->last_cross));
    }
    return true;
}

/* The pairs of one sent group: partners, mixing, grouped pairs and contacts. */
static enum ct_status
replay_group(struct replay *rp, const struct group *g, struct ct_report_round *r)
{
    struct loader *ld = rp->ld;
    long present = 0;
    size_t x, y;
    bool added, contact;

    for (x = 0; x < g->count; x++)
        present += !g->members[x].removed;
    for (x = 0; x < g->count; x++) {
        const struct gmember *p = &g->members[x];
        if (p->removed)
            continue;
        ld->members[p->member].partners += present - 1;
        for (y = x + 1; y < g->count; y++) {
            const struct gmember *q = &g->members[y];
            struct member *ma = &ld->members[p->member], *mb = &ld->members[q->member];
            if (q->removed)
                continue;
            rp->mixing_all[ma->org * ld->orgs_count + mb->org]++;
            if (ma->org != mb->org)
                rp->mixing_all[mb->org * ld->orgs_count + ma->org]++;
            if (!pairset_add(&rp->grouped, p->member, q->member, &added))
                return nomem(ld->err);
            /* The contact rule of store_outcomes.h. */
            contact = g->has_outcome ? g->met
                                     : p->partstat != CT_PARTSTAT_DECLINED &&
                                           q->partstat != CT_PARTSTAT_DECLINED;
            if (!contact)
                continue;
            if (!pairset_add(&rp->contacts, p->member, q->member, &added))
                return nomem(ld->err);
            r->new_ties += added;
            if (ma->org != mb->org && !crossed(rp, ma, mb, r->date))
                return nomem(ld->err);
        }
    }
    return CT_OK;
}

/* Figures of one row; then, for a sent round, its contacts join the graph. */
static enum ct_status
replay_round(struct replay *rp, size_t row)
{
    struct loader *ld = rp->ld;
    struct ct_report_round *r = &rp->rep->rounds[row];
    bool sent = r->state == CT_ROUND_SENT;
    long shared = 0, rating_sum = 0;
    enum ct_status st;
    size_t i, x, y;

    replay_figures(rp, row, sent, &shared, &rating_sum);
    r->eligible = r->grouped + r->unpaired;
    r->cross_org_share = ratio(r->cross_org, r->pairings);
    r->first_meeting_share = ratio(r->first_meetings, r->pairings);
    r->mean_shared_contacts = ratio(shared, r->pairings);
    r->mean_rating = ratio(rating_sum, r->ratings);
    if (sent)
        rp->rating_sum += rating_sum;
    r->new_ties = 0;
    r->ties = (long)rp->contacts.count;
    r->reach = r->reach_bound = r->reach_capacity = NAN;
    if (!sent)
        return CT_OK;

    /* The round happened: partners, mixing, contacts. */
    for (i = 0; i < rp->round_groups_count[row]; i++) {
        const struct group *g = &ld->groups[rp->round_groups[row][i]];
        if (g->sent && (st = replay_group(rp, g, r)) != CT_OK)
            return st;
    }
    /* Contacts join the graph only now: within a round nobody knew each other yet. */
    for (i = 0; i < rp->round_groups_count[row]; i++) {
        struct group *g = &ld->groups[rp->round_groups[row][i]];
        if (!g->sent)
            continue;
        for (x = 0; x < g->count; x++)
            for (y = x + 1; y < g->count; y++)
                if (pairset_has(&rp->contacts, g->members[x].member, g->members[y].member) &&
                    !graph_add(rp, g->members[x].member, g->members[y].member))
                    return nomem(ld->err);
    }
    r->ties = (long)rp->contacts.count;
    return reach_as_of(rp, r);
}

/* A member on the waiting list, with the keys it is sorted by. */
struct wait_key {
    long waited;
    bool never;
    int64_t id;
    size_t index;
};

/* Longest wait first; among equal waits, those never crossed; then by id. */
static int
wait_order(const void *pa, const void *pb)
{
    const struct wait_key *a = pa, *b = pb;

    if (a->waited != b->waited)
        return a->waited > b->waited ? -1 : 1;
    if (a->never != b->never)
        return a->never ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/*
 * The organisations of members who took part, in name order (orgs is
 * sorted), and their mixing. OUT: compact[i], organisation i's index in the
 * report, SIZE_MAX if nobody of it took part; *members, how many took part.
 */
static enum ct_status
finish_orgs(struct replay *rp, size_t *compact, size_t *members)
{
    struct loader *ld = rp->ld;
    struct ct_report *rep = rp->rep;
    size_t i, j, k = 0, n = 0;

    for (i = 0; i < ld->orgs_count; i++)
        compact[i] = SIZE_MAX;
    for (i = 0; i < ld->members_count; i++)
        if (ld->members[i].rounds > 0) {
            compact[ld->members[i].org] = 0;
            n++;
        }
    for (i = 0; i < ld->orgs_count; i++)
        if (compact[i] == 0)
            compact[i] = k++;
    *members = n;
    rep->orgs = calloc(k + 1, sizeof(*rep->orgs));
    /*
     * The report's mixing is the replay's, compacted in place: entry (i, j)
     * moves to (compact[i], compact[j]), never after where it was, so
     * nothing is overwritten before it is read (one k x k matrix, not two).
     */
    rep->mixing = rp->mixing_all;
    rp->mixing_all = NULL;
    rep->orgs_met_histogram = calloc(k + 1, sizeof(*rep->orgs_met_histogram));
    if (!rep->orgs || !rep->mixing || !rep->orgs_met_histogram)
        return nomem(ld->err);
    for (i = 0; i < ld->orgs_count; i++) {
        if (compact[i] == SIZE_MAX)
            continue;
        if ((rep->orgs[compact[i]].name = strdup(ld->orgs[i])) == NULL)
            return nomem(ld->err);
        rep->orgs_count = compact[i] + 1;
        for (j = 0; j < ld->orgs_count; j++)
            if (compact[j] != SIZE_MAX)
                rep->mixing[compact[i] * k + compact[j]] = rep->mixing[i * ld->orgs_count + j];
    }
    return CT_OK;
}

/* Members who took part move into the report; current ones who wait join the list. */
static enum ct_status
finish_members(struct replay *rp, const size_t *compact, size_t n)
{
    struct loader *ld = rp->ld;
    struct ct_report *rep = rp->rep;
    size_t i, k = rep->orgs_count;

    rep->members = calloc(n + 1, sizeof(*rep->members));
    rep->waits = calloc(n + 1, sizeof(*rep->waits));
    if (!rep->members || !rep->waits)
        return nomem(ld->err);
    for (i = 0; i < ld->members_count; i++) {
        struct member *m = &ld->members[i];
        struct ct_report_member *out;
        if (m->rounds == 0)
            continue;
        out = &rep->members[rep->members_count++];
        out->member.id = m->m.id;
        out->member.email = m->m.email;
        out->member.name = m->m.name;
        out->member.status = m->m.status;
        m->m.email = m->m.name = NULL;
        out->org = compact[m->org];
        out->rounds = m->rounds;
        out->partners = m->partners;
        out->orgs_met = m->orgs_met;
        out->waited = m->waited;
        out->never_crossed = !m->crossed;
        memcpy(out->last_cross, m->last_cross, sizeof(out->last_cross));
        rep->orgs[out->org].members++;
        if (out->orgs_met < (long)k)
            rep->orgs_met_histogram[out->orgs_met]++;
        if ((m->m.status == CT_MEMBER_ACTIVE || m->m.status == CT_MEMBER_PAUSED) && out->waited > 0)
            rep->waits[rep->waits_count++] = rep->members_count - 1;
    }
    return CT_OK;
}

/* Sort the waiting list: longest wait first (wait_order). */
static enum ct_status
sort_waits(struct replay *rp)
{
    struct ct_report *rep = rp->rep;
    struct wait_key *keys;
    size_t i;

    if (rep->waits_count < 2)
        return CT_OK;
    if ((keys = malloc(rep->waits_count * sizeof(*keys))) == NULL)
        return nomem(rp->ld->err);
    for (i = 0; i < rep->waits_count; i++) {
        const struct ct_report_member *m = &rep->members[rep->waits[i]];
        keys[i].waited = m->waited;
        keys[i].never = m->never_crossed;
        keys[i].id = m->member.id;
        keys[i].index = rep->waits[i];
    }
    qsort(keys, rep->waits_count, sizeof(*keys), wait_order);
    for (i = 0; i < rep->waits_count; i++)
        rep->waits[i] = keys[i].index;
    free(keys);
    return CT_OK;
}

/* The figures over time: the sent rounds. */
static void
finish_over_time(struct replay *rp)
{
    struct ct_report *rep = rp->rep;
    size_t i;

    for (i = 0; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        if (r->state != CT_ROUND_SENT)
            continue;
        rep->rounds_sent++;
        rep->pairings += r->pairings;
        rep->cross_org += r->cross_org;
        rep->outcomes += r->outcomes;
        rep->met += r->met;
        rep->ratings += r->ratings;
        rep->reach = r->reach;
        rep->reach_bound = r->reach_bound;
        rep->reach_capacity = r->reach_capacity;
    }
    rep->mean_rating = ratio(rp->rating_sum, rep->ratings);
    rep->distinct_pairs = (long)rp->grouped.count;
    rep->ties = (long)rp->contacts.count;
}

/* Move the replay's results into the report: organisations, members, waits. */
static enum ct_status
finish(struct replay *rp)
{
    struct loader *ld = rp->ld;
    size_t *compact, n = 0;
    enum ct_status st;

    compact = malloc((ld->orgs_count + 1) * sizeof(*compact));
    if (compact == NULL)
        return nomem(ld->err);
    if ((st = finish_orgs(rp, compact, &n)) == CT_OK &&
        (st = finish_members(rp, compact, n)) == CT_OK && (st = sort_waits(rp)) == CT_OK)
        finish_over_time(rp);
    free(compact);
    return st;
}

static void
loader_free(struct loader *ld)
{
    size_t i;

    for (i = 0; i < ld->members_count; i++)
        ct_member_clear(&ld->members[i].m);
    free(ld->members);
    free(ld->orgs); /* the names belong to the members */
    for (i = 0; i < ld->groups_count; i++)
        free(ld->groups[i].members);
    free(ld->groups);
    free(ld->round_ids);
    free(ld->round_rows);
    free(ld->ties.keys);
}

static void
replay_free(struct replay *rp)
{
    size_t i;

    if (rp->adj)
        for (i = 0; i < rp->ld->members_count; i++)
            free(rp->adj[i].items);
    free(rp->adj);
    if (rp->round_groups)
        for (i = 0; i < rp->ld->rows_count; i++)
            free(rp->round_groups[i]);
    free(rp->round_groups);
    free(rp->round_groups_count);
    free(rp->graph.keys);
    free(rp->contacts.keys);
    free(rp->grouped.keys);
    free(rp->met.keys);
    free(rp->unpaired);
    free(rp->mixing_all);
}

/* Read everything the report needs in one read transaction: one consistent state. */
static enum ct_status
load_all(struct replay *rp)
{
    struct loader *ld = rp->ld;
    enum ct_status st;

    if ((st = ct_store_read_begin(ld->store, ld->err)) != CT_OK)
        return st;
    if ((st = load_rounds(ld)) == CT_OK && (st = load_members(ld)) == CT_OK &&
        (st = ct_store_report_ties(ld->store, on_tie, ld, ld->err)) == CT_OK &&
        (st = load_groups(ld)) == CT_OK)
        st = load_unpaired(rp);
    ct_store_read_end(ld->store);
    return st;
}

/* The replay's indexes: groups per row (in id order) and the declared ties in the graph. */
static enum ct_status
replay_init(struct replay *rp)
{
    struct loader *ld = rp->ld;
    size_t i;

    rp->adj = calloc(ld->members_count + 1, sizeof(*rp->adj));
    rp->round_groups = calloc(ld->rows_count + 1, sizeof(*rp->round_groups));
    rp->round_groups_count = calloc(ld->rows_count + 1, sizeof(*rp->round_groups_count));
    rp->mixing_all = calloc(ld->orgs_count * ld->orgs_count + 1, sizeof(*rp->mixing_all));
    if (!rp->adj || !rp->round_groups || !rp->round_groups_count || !rp->mixing_all)
        return nomem(ld->err);
    for (i = 0; i < ld->groups_count; i++)
        rp->round_groups_count[ld->groups[i].round]++;
    for (i = 0; i < ld->rows_count; i++) {
        rp->round_groups[i] = malloc((rp->round_groups_count[i] + 1) * sizeof(**rp->round_groups));
        if (rp->round_groups[i] == NULL)
            return nomem(ld->err);
        rp->round_groups_count[i] = 0;
    }
    for (i = 0; i < ld->groups_count; i++) {
        size_t row = ld->groups[i].round;
        rp->round_groups[row][rp->round_groups_count[row]++] = i;
    }
    /* Declared ties are in the graph from the start. */
    for (i = 0; i < ld->ties.cap; i++) {
        uint64_t key = ld->ties.keys[i];
        if (key == 0)
            continue;
        key--;
        if (!graph_add(rp, (size_t)(key >> 32), (size_t)(key & 0xffffffffu)))
            return nomem(ld->err);
    }
    return CT_OK;
}

/* ---- Relational Coordination ------------------------------------------------------ */

/* The RC section's link for roles a-b, added when new; NULL when out of memory. */
static struct ct_report_rc_link *
rc_link(struct ct_report *rep, const struct ct_rc_link *l)
{
    struct ct_report_rc_link *v, *x;
    size_t i;

    for (i = 0; i < rep->rc_count; i++)
        if (strcmp(rep->rc_links[i].role_a, l->role_a) == 0 &&
            strcmp(rep->rc_links[i].role_b, l->role_b) == 0)
            return &rep->rc_links[i];
    v = realloc(rep->rc_links, (rep->rc_count + 1) * sizeof(*v));
    if (v == NULL)
        return NULL;
    rep->rc_links = v;
    x = &v[rep->rc_count];
    memset(x, 0, sizeof(*x));
    x->strength = x->previous = NAN;
    x->role_a = ct_strdup(l->role_a);
    x->role_b = ct_strdup(l->role_b);
    x->meetings = calloc(rep->rounds_count + 1, sizeof(*x->meetings));
    rep->rc_count++;
    return x->role_a && x->role_b && x->meetings ? x : NULL;
}

/* Each section link's meetings: per report round, and between the two waves. */
static enum ct_status
rc_count_meetings(struct ct_store *store, struct ct_report *rep, struct ct_error *err)
{
    struct ct_store_rc_group *groups = NULL;
    size_t n = 0, i, j, k;
    enum ct_status st = ct_store_rc_groups(store, "0000-00-00", &groups, &n, err);

    for (i = 0; st == CT_OK && i < n; i++) {
        struct ct_rc_group g = {groups[i].round_id, {NULL, NULL, NULL, NULL}, groups[i].size};
        for (j = 0; j < groups[i].size; j++)
            g.roles[j] = groups[i].roles[j];
        for (k = 0; k < rep->rc_count; k++) {
            struct ct_report_rc_link *x = &rep->rc_links[k];
            struct ct_rc_link one = {x->role_a, x->role_b, 0, 0};
            size_t hit;
            ct_rc_tally(rep->rc_aliases, &one, 1, &g, 1, &hit);
            if (hit == 0)
                continue;
            for (j = 0; j < rep->rounds_count; j++)
                if (rep->rounds[j].id == groups[i].round_id)
                    x->meetings[j]++;
            if (rep->rc_previous[0] && strcmp(groups[i].date, rep->rc_previous) >= 0 &&
                strcmp(groups[i].date, rep->rc_wave) < 0)
                x->between++;
        }
    }
    ct_store_rc_groups_free(groups, n);
    return st;
}

/* The weak links of the latest wave and the one before, with the meetings across them. */
static enum ct_status
report_rc(struct ct_store *store, struct ct_report *rep, struct ct_error *err)
{
    struct ct_store_rc_wave *waves = NULL;
    struct ct_rc_link *links[2] = {NULL, NULL};
    size_t n = 0, count[2] = {0, 0}, w, i;
    enum ct_status st;

    if ((st = ct_store_read_begin(store, err)) != CT_OK)
        return st;
    if ((st = ct_store_rc_waves(store, &waves, &n, err)) != CT_OK || n == 0)
        goto out;
    for (w = 0; w < 2 && w < n && st == CT_OK; w++)
        st = ct_store_rc_links(store, waves[w].id, &links[w], &count[w], err);
    if (st != CT_OK)
        goto out;
    snprintf(rep->rc_wave, sizeof(rep->rc_wave), "%s", waves[0].date);
    if (n > 1)
        snprintf(rep->rc_previous, sizeof(rep->rc_previous), "%s", waves[1].date);
    for (w = 0; w < 2; w++)
        for (i = 0; i < count[w]; i++) {
            struct ct_report_rc_link *x;
            double other;
            bool weak = links[w][i].strength < CT_RC_WEAK ||
                        (ct_rc_lookup(rep->rc_aliases, links[1 - w], count[1 - w],
                                      links[w][i].role_a, links[w][i].role_b, &other) &&
                         other < CT_RC_WEAK);
            if (!weak)
                continue;
            if ((x = rc_link(rep, &links[w][i])) == NULL) {
                st = nomem(err);
                goto out;
            }
            if (w == 0)
                x->strength = links[w][i].strength;
            else
                x->previous = links[w][i].strength;
        }
    st = rc_count_meetings(store, rep, err);
    /* The whole matrices, for the HTML heat maps. */
    for (w = 0; w < 2; w++) {
        rep->rc_matrix[w] = links[w];
        rep->rc_matrix_count[w] = count[w];
        links[w] = NULL;
        count[w] = 0;
    }
out:
    ct_store_read_end(store);
    for (w = 0; w < 2; w++)
        ct_rc_links_free(links[w], count[w]);
    ct_store_rc_waves_free(waves, n);
    return st;
}

/* What members did for themselves, per round (store_actions.h). */
static enum ct_status
report_actions(struct ct_store *store, struct ct_report *rep, struct ct_error *err)
{
    struct ct_action_counts *v = NULL;
    size_t n = 0, i, j;
    enum ct_status st = ct_store_action_counts(store, &v, &n, err);

    for (i = 0; i < rep->rounds_count && st == CT_OK; i++)
        for (j = 0; j < n; j++)
            if (v[j].round_id == rep->rounds[i].id) {
                rep->rounds[i].skips = v[j].skips;
                rep->rounds[i].pauses = v[j].pauses;
                rep->rounds[i].stops = v[j].stops;
                rep->rounds[i].checkins = v[j].checkins;
                rep->rounds[i].rematches = v[j].rematches;
            }
    free(v);
    return st;
}

enum ct_status
ct_report_build(struct ct_store *store, const struct ct_orgname_aliases *aliases, int64_t round_id,
                int64_t now, struct ct_report **out, struct ct_error *err)
{
    struct loader ld;
    struct replay rp;
    struct ct_report *rep;
    enum ct_status st;
    size_t i;

    *out = NULL;
    memset(&ld, 0, sizeof(ld));
    memset(&rp, 0, sizeof(rp));
    if ((rep = calloc(1, sizeof(*rep))) == NULL)
        return nomem(err);
    rep->selected = -1;
    rep->generated_at = now;
    rep->rc_aliases = aliases;
    rep->reach = rep->reach_bound = rep->reach_capacity = rep->mean_rating = NAN;
    ld.store = store;
    ld.aliases = aliases;
    ld.err = err;
    ld.rep = rep;
    ld.round_id = round_id;
    rp.ld = &ld;
    rp.rep = rep;

    if ((st = load_all(&rp)) != CT_OK || (st = replay_init(&rp)) != CT_OK)
        goto out;
    for (i = 0; i < ld.rows_count; i++)
        if ((st = replay_round(&rp, i)) != CT_OK)
            goto out;
    if ((st = finish(&rp)) == CT_OK)
        st = report_rc(store, rep, err);
    if (st == CT_OK)
        st = report_actions(store, rep, err);
out:
    replay_free(&rp);
    loader_free(&ld);
    if (st != CT_OK) {
        ct_report_free(rep);
        return st;
    }
    *out = rep;
    return CT_OK;
}
