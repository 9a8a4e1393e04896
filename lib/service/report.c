/*
 * report.c: computing the report's figures from the store (see report.h and
 * docs/reports.md). Everything is read once into memory and replayed round
 * by round, so figures "as of round r" (shared contacts before it, reach
 * after it) come from one pass: O(group members + contacts x degree).
 */
#include "store_impl.h"
#include "report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "outcomes.h"

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

/* ---- the transportation bound ------------------------------------------------- */

/* Dinic's maximum flow on a small graph. */
struct flow {
    size_t nodes;
    size_t *head; /* first edge of each node, SIZE_MAX = none */
    size_t *next, *to;
    long *cap;
    size_t edges, edges_cap;
    int *level;
    size_t *iter, *queue;
};

static bool
flow_init(struct flow *f, size_t nodes)
{
    size_t i;

    memset(f, 0, sizeof(*f));
    f->nodes = nodes;
    f->head = malloc(nodes * sizeof(*f->head));
    f->level = malloc(nodes * sizeof(*f->level));
    f->iter = malloc(nodes * sizeof(*f->iter));
    f->queue = malloc(nodes * sizeof(*f->queue));
    if (!f->head || !f->level || !f->iter || !f->queue)
        return false;
    for (i = 0; i < nodes; i++)
        f->head[i] = SIZE_MAX;
    return true;
}

static void
flow_free(struct flow *f)
{
    free(f->head);
    free(f->next);
    free(f->to);
    free(f->cap);
    free(f->level);
    free(f->iter);
    free(f->queue);
}

static bool
flow_edge1(struct flow *f, size_t from, size_t to, long cap)
{
    if (f->edges == f->edges_cap) {
        size_t ncap = f->edges_cap ? f->edges_cap * 2 : 256;
        size_t *next = realloc(f->next, ncap * sizeof(*next));
        size_t *tov = next ? realloc(f->to, ncap * sizeof(*tov)) : NULL;
        long *capv = tov ? realloc(f->cap, ncap * sizeof(*capv)) : NULL;
        if (next)
            f->next = next;
        if (tov)
            f->to = tov;
        if (capv == NULL)
            return false;
        f->cap = capv;
        f->edges_cap = ncap;
    }
    f->to[f->edges] = to;
    f->cap[f->edges] = cap;
    f->next[f->edges] = f->head[from];
    f->head[from] = f->edges++;
    return true;
}

/* An edge and its residual twin (edge e's twin is e ^ 1). */
static bool
flow_edge(struct flow *f, size_t from, size_t to, long cap)
{
    return flow_edge1(f, from, to, cap) && flow_edge1(f, to, from, 0);
}

static bool
flow_levels(struct flow *f, size_t s, size_t t)
{
    size_t qh = 0, qt = 0, i, e;

    for (i = 0; i < f->nodes; i++)
        f->level[i] = -1;
    f->level[s] = 0;
    f->queue[qt++] = s;
    while (qh < qt) {
        size_t v = f->queue[qh++];
        for (e = f->head[v]; e != SIZE_MAX; e = f->next[e]) {
            if (f->cap[e] > 0 && f->level[f->to[e]] < 0) {
                f->level[f->to[e]] = f->level[v] + 1;
                f->queue[qt++] = f->to[e];
            }
        }
    }
    return f->level[t] >= 0;
}

/* Push up to limit along level-increasing paths (the graph is 4 layers deep). */
static long
flow_push(struct flow *f, size_t v, size_t t, long limit)
{
    long pushed;

    if (v == t)
        return limit;
    for (; f->iter[v] != SIZE_MAX; f->iter[v] = f->next[f->iter[v]]) {
        size_t e = f->iter[v], w = f->to[e];
        if (f->cap[e] <= 0 || f->level[w] != f->level[v] + 1)
            continue;
        pushed = flow_push(f, w, t, limit < f->cap[e] ? limit : f->cap[e]);
        if (pushed > 0) {
            f->cap[e] -= pushed;
            f->cap[e ^ 1] += pushed;
            return pushed;
        }
    }
    return 0;
}

static long
flow_max(struct flow *f, size_t s, size_t t)
{
    long total = 0, pushed;

    while (flow_levels(f, s, t)) {
        memcpy(f->iter, f->head, f->nodes * sizeof(*f->iter));
        while ((pushed = flow_push(f, s, t, LONG_MAX)) > 0)
            total += pushed;
    }
    return total;
}

/* Members with the same organisation and the same cap are interchangeable. */
struct member_class {
    size_t org;
    long cap;
    long count;
};

static int
class_cmp(const void *pa, const void *pb)
{
    const struct member_class *a = pa, *b = pb;

    if (a->org != b->org)
        return a->org < b->org ? -1 : 1;
    return (a->cap > b->cap) - (a->cap < b->cap);
}

long
ct_report_reach_flow(const size_t *org, const long *partners, size_t n, size_t k, long *capacity)
{
    struct member_class *classes = NULL;
    long *supply = NULL, total_cap = 0, result = -1;
    size_t i, p, nclasses = 0, source, sink;
    struct flow f;
    bool ok;

    memset(&f, 0, sizeof(f));
    if (capacity)
        *capacity = 0;
    if (k < 2 || n == 0)
        return 0;
    classes = malloc(n * sizeof(*classes));
    supply = calloc(k, sizeof(*supply));
    if (classes == NULL || supply == NULL)
        goto out;
    /*
     * A member meets at most min(partners, k - 1) other organisations; the
     * members of organisation p can be partners to at most supply[p]
     * others (one per partner they had). Merging members of one
     * organisation with the same cap is exact: any flow that gives a class
     * of c members at most c meetings with each organisation and c * cap in
     * all can be dealt out round-robin so no member exceeds cap or meets an
     * organisation twice.
     */
    for (i = 0; i < n; i++) {
        long cap = partners[i] < (long)(k - 1) ? partners[i] : (long)(k - 1);
        supply[org[i]] += partners[i];
        if (cap <= 0)
            continue;
        total_cap += cap;
        classes[nclasses].org = org[i];
        classes[nclasses].cap = cap;
        classes[nclasses].count = 1;
        nclasses++;
    }
    if (capacity)
        *capacity = total_cap;
    if (nclasses > 1) {
        size_t w = 0;
        qsort(classes, nclasses, sizeof(*classes), class_cmp);
        for (i = 1; i < nclasses; i++) {
            if (classes[i].org == classes[w].org && classes[i].cap == classes[w].cap)
                classes[w].count++;
            else
                classes[++w] = classes[i];
        }
        nclasses = w + 1;
    }
    /* Nodes: source, classes, organisations, sink. */
    source = 0;
    sink = 1 + nclasses + k;
    if (!flow_init(&f, sink + 1))
        goto out;
    ok = true;
    for (i = 0; i < nclasses && ok; i++) {
        ok = flow_edge(&f, source, 1 + i, classes[i].count * classes[i].cap);
        for (p = 0; p < k && ok; p++)
            if (p != classes[i].org)
                ok = flow_edge(&f, 1 + i, 1 + nclasses + p, classes[i].count);
    }
    for (p = 0; p < k && ok; p++)
        if (supply[p] > 0)
            ok = flow_edge(&f, 1 + nclasses + p, sink, supply[p]);
    if (!ok)
        goto out;
    result = flow_max(&f, source, sink);
out:
    flow_free(&f);
    free(classes);
    free(supply);
    return result;
}

/* ---- loading the store ------------------------------------------------------- */

enum partstat { PS_NEEDS_ACTION, PS_ACCEPTED, PS_DECLINED, PS_TENTATIVE, PS_OTHER };

struct gmember {
    size_t member; /* index into the loaded members */
    enum partstat partstat;
    bool removed;
    int invite; /* 0 none, 1 sent, 2 failed, 3 pending */
};

struct group {
    int64_t id;
    size_t round; /* index into rows */
    bool sent;    /* state 'sent' */
    bool has_outcome, met;
    int rating;
    struct gmember *members;
    size_t count, cap;
};

struct member {
    int64_t id;
    char *email, *name;
    char status[8];
    size_t org; /* index into all organisations */
    /* replay state */
    long rounds, partners, waited;
    int64_t last_round_seen; /* row index + 1 of the last round counted */
    bool crossed;
    char last_cross[11];
    unsigned char *met_orgs; /* bitset over all organisations */
    long orgs_met;
};

struct loader {
    struct ct_store *store;
    struct ct_error *err;
    struct member *members;
    size_t members_count;
    char **orgs; /* every organisation name, sorted */
    size_t orgs_count;
    struct group *groups; /* sorted by id */
    size_t groups_count;
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
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static long
member_find(const struct loader *ld, int64_t id)
{
    size_t lo = 0, hi = ld->members_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ld->members[mid].id == id)
            return (long)mid;
        if (ld->members[mid].id < id)
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

/* The rounds to report: every round but re-planned ones, up to round_id. */
static enum ct_status
load_rounds(struct loader *ld, struct ct_report *rep, int64_t round_id)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0, i, j;
    bool found = round_id == 0;
    int rc;

    if ((st = ct_store_prepare(ld->store,
                               "SELECT id, date, state FROM rounds WHERE state <> 'replaced'"
                               " ORDER BY date, id",
                               &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *date = (const char *)sqlite3_column_text(stmt, 1);
        const char *state = (const char *)sqlite3_column_text(stmt, 2);
        int64_t id = sqlite3_column_int64(stmt, 0);
        struct ct_report_round *r;

        if (strcmp(state, "cancelled") == 0) {
            if (id == round_id) {
                st = ct_error_set(ld->err, CT_ESTATE, "round %lld was cancelled; nothing to report",
                                  (long long)id);
                goto out;
            }
            rep->cancelled_rounds++;
            continue;
        }
        if (rep->rounds_count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct ct_report_round *grown = realloc(rep->rounds, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = nomem(ld->err);
                goto out;
            }
            rep->rounds = grown;
            cap = ncap;
        }
        r = &rep->rounds[rep->rounds_count++];
        memset(r, 0, sizeof(*r));
        r->id = id;
        snprintf(r->date, sizeof(r->date), "%s", date ? date : "");
        snprintf(r->state, sizeof(r->state), "%s", state ? state : "");
        if (id == round_id) {
            found = true;
            break;
        }
    }
    if (!found) {
        st = ct_error_set(ld->err, CT_ENOTFOUND, "no round %lld (see coffeetrial round list)",
                          (long long)round_id);
        goto out;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        st = ct_store_error(ld->store, ld->err, "read rounds");
        goto out;
    }
    rep->selected = round_id ? (long)rep->rounds_count - 1 : -1;
    ld->rows_count = rep->rounds_count;
    ld->round_ids = malloc((ld->rows_count + 1) * sizeof(*ld->round_ids));
    ld->round_rows = malloc((ld->rows_count + 1) * sizeof(*ld->round_rows));
    if (ld->round_ids == NULL || ld->round_rows == NULL) {
        st = nomem(ld->err);
        goto out;
    }
    /* Insertion sort by id: rounds are few. */
    for (i = 0; i < ld->rows_count; i++) {
        for (j = i; j > 0 && ld->round_ids[j - 1] > rep->rounds[i].id; j--) {
            ld->round_ids[j] = ld->round_ids[j - 1];
            ld->round_rows[j] = ld->round_rows[j - 1];
        }
        ld->round_ids[j] = rep->rounds[i].id;
        ld->round_rows[j] = i;
    }
out:
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
load_members(struct loader *ld)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0, i, norgs = 0;
    int rc;

    if ((st = ct_store_prepare(
             ld->store,
             "SELECT id, email, name, coalesce(organisation, ''), status FROM members"
             " ORDER BY id",
             &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *email = (const char *)sqlite3_column_text(stmt, 1);
        const char *name = (const char *)sqlite3_column_text(stmt, 2);
        const char *status = (const char *)sqlite3_column_text(stmt, 4);
        struct member *m;

        if (ld->members_count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct member *grown = realloc(ld->members, ncap * sizeof(*grown));
            char **orgs = realloc(ld->orgs, ncap * sizeof(*orgs));
            if (grown)
                ld->members = grown;
            if (orgs)
                ld->orgs = orgs;
            if (grown == NULL || orgs == NULL) {
                st = nomem(ld->err);
                goto out;
            }
            cap = ncap;
        }
        m = &ld->members[ld->members_count++];
        memset(m, 0, sizeof(*m));
        m->id = sqlite3_column_int64(stmt, 0);
        snprintf(m->status, sizeof(m->status), "%s", status ? status : "");
        if (strcmp(m->status, "erased") != 0) {
            m->email = ct_strdup(email);
            m->name = ct_strdup(name);
            if ((email && !m->email) || (name && !m->name)) {
                st = nomem(ld->err);
                goto out;
            }
        }
        /* The organisation name, for now, in orgs[]; interned below. */
        if ((ld->orgs[norgs++] = strdup((const char *)sqlite3_column_text(stmt, 3))) == NULL) {
            st = nomem(ld->err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(ld->store, ld->err, "read members");
        goto out;
    }
    /* Intern: sort a copy of the names, drop duplicates, find each member's. */
    {
        char **names = malloc((norgs + 1) * sizeof(*names));
        size_t w = 0;
        if (names == NULL) {
            st = nomem(ld->err);
            goto out;
        }
        if (norgs > 0)
            memcpy(names, ld->orgs, norgs * sizeof(*names));
        qsort(names, norgs, sizeof(*names), cmp_str);
        for (i = 0; i < norgs; i++)
            if (w == 0 || strcmp(names[w - 1], names[i]) != 0)
                names[w++] = names[i];
        for (i = 0; i < ld->members_count; i++) {
            const char *key = ld->orgs[i];
            char **hit = bsearch(&key, names, w, sizeof(*names), cmp_str);
            ld->members[i].org = (size_t)(hit - names);
        }
        /* Free the duplicates: those members' strings not kept in names. */
        for (i = 0; i < ld->members_count; i++)
            if (names[ld->members[i].org] != ld->orgs[i])
                free(ld->orgs[i]);
        free(ld->orgs);
        ld->orgs = names;
        ld->orgs_count = w;
        norgs = 0;
    }
    for (i = 0; i < ld->members_count; i++) {
        ld->members[i].met_orgs = calloc((ld->orgs_count + 7) / 8 + 1, 1);
        if (ld->members[i].met_orgs == NULL) {
            st = nomem(ld->err);
            goto out;
        }
    }
out:
    /* On failure before interning, orgs[0..norgs) are the names read so far. */
    for (i = 0; i < norgs; i++)
        free(ld->orgs[i]);
    if (norgs) {
        free(ld->orgs);
        ld->orgs = NULL;
    }
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
load_ties(struct loader *ld)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool added;
    int rc;

    if ((st = ct_store_prepare(ld->store, "SELECT a, b FROM ties", &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long a = member_find(ld, sqlite3_column_int64(stmt, 0));
        long b = member_find(ld, sqlite3_column_int64(stmt, 1));
        if (a < 0 || b < 0 || a == b)
            continue;
        if (!pairset_add(&ld->ties, (size_t)a, (size_t)b, &added)) {
            st = nomem(ld->err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(ld->store, ld->err, "read ties");
out:
    sqlite3_finalize(stmt);
    return st;
}

static enum partstat
partstat_of(const char *s)
{
    if (s == NULL || strcmp(s, "NEEDS-ACTION") == 0)
        return PS_NEEDS_ACTION;
    if (strcmp(s, "ACCEPTED") == 0)
        return PS_ACCEPTED;
    if (strcmp(s, "DECLINED") == 0)
        return PS_DECLINED;
    if (strcmp(s, "TENTATIVE") == 0)
        return PS_TENTATIVE;
    return PS_OTHER;
}

static enum ct_status
load_groups(struct loader *ld)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    if ((st = ct_store_prepare(
             ld->store,
             "SELECT g.id, g.round_id, g.state, o.group_id IS NOT NULL, o.met, o.rating"
             " FROM groups g LEFT JOIN outcomes o ON o.group_id = g.id ORDER BY g.id",
             &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long row = row_of_round(ld, sqlite3_column_int64(stmt, 1));
        const char *state = (const char *)sqlite3_column_text(stmt, 2);
        struct group *g;

        if (row < 0)
            continue;
        if (ld->groups_count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct group *grown = realloc(ld->groups, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = nomem(ld->err);
                goto out;
            }
            ld->groups = grown;
            cap = ncap;
        }
        g = &ld->groups[ld->groups_count++];
        memset(g, 0, sizeof(*g));
        g->id = sqlite3_column_int64(stmt, 0);
        g->round = (size_t)row;
        g->sent = state && strcmp(state, "sent") == 0;
        g->has_outcome = sqlite3_column_int(stmt, 3) != 0;
        g->met = sqlite3_column_int(stmt, 4) != 0;
        g->rating = sqlite3_column_int(stmt, 5);
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(ld->store, ld->err, "read groups");
        goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;

    if ((st = ct_store_prepare(ld->store,
                               "SELECT group_id, member_id, partstat, removed FROM group_members"
                               " ORDER BY group_id, member_id",
                               &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long gi = group_find(ld, sqlite3_column_int64(stmt, 0));
        long mi = member_find(ld, sqlite3_column_int64(stmt, 1));
        struct group *g;
        struct gmember *gm;

        if (gi < 0 || mi < 0)
            continue;
        g = &ld->groups[gi];
        if (g->count == g->cap) {
            size_t ncap = g->cap ? g->cap * 2 : 2;
            struct gmember *grown = realloc(g->members, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = nomem(ld->err);
                goto out;
            }
            g->members = grown;
            g->cap = ncap;
        }
        gm = &g->members[g->count++];
        gm->member = (size_t)mi;
        gm->partstat = partstat_of((const char *)sqlite3_column_text(stmt, 2));
        gm->removed = sqlite3_column_int(stmt, 3) != 0;
        gm->invite = 0;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(ld->store, ld->err, "read group members");
        goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;

    /* Invitations: per member and group, what became of its REQUEST messages. */
    if ((st = ct_store_prepare(
             ld->store,
             "SELECT group_id, member_id, sum(state = 'sent'), sum(state = 'dead'),"
             " count(*) FROM outbox WHERE kind = 'request' AND group_id IS NOT NULL"
             " AND member_id IS NOT NULL GROUP BY group_id, member_id",
             &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long gi = group_find(ld, sqlite3_column_int64(stmt, 0));
        long mi = member_find(ld, sqlite3_column_int64(stmt, 1));
        long sent = sqlite3_column_int(stmt, 2), dead = sqlite3_column_int(stmt, 3);
        long all = sqlite3_column_int(stmt, 4);
        size_t j;

        if (gi < 0 || mi < 0)
            continue;
        for (j = 0; j < ld->groups[gi].count; j++)
            if (ld->groups[gi].members[j].member == (size_t)mi)
                ld->groups[gi].members[j].invite = sent > 0 ? 1 : dead == all ? 2 : 3;
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(ld->store, ld->err, "read the outbox");
out:
    sqlite3_finalize(stmt);
    return st;
}

/* ---- the replay ------------------------------------------------------------------ */

struct replay {
    struct loader *ld;
    struct ct_report *rep;
    struct pairset graph;    /* declared ties and contacts so far */
    struct pairset contacts; /* contacts so far (the ties made) */
    struct pairset grouped;  /* pairs ever grouped in sent rounds */
    struct adjlist *adj;     /* the graph's neighbours of each member */
    size_t **round_groups;   /* per row, indices of its groups */
    size_t *round_groups_count;
    int64_t *unpaired; /* (row << 32 | member index) << 1 | sit_out, sorted */
    size_t unpaired_count;
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

static enum ct_status
load_unpaired(struct replay *rp)
{
    struct loader *ld = rp->ld;
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    if ((st = ct_store_prepare(ld->store, "SELECT round_id, member_id, sit_out FROM unpaired",
                               &stmt, ld->err)) != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        long row = row_of_round(ld, sqlite3_column_int64(stmt, 0));
        long mi = member_find(ld, sqlite3_column_int64(stmt, 1));
        if (row < 0 || mi < 0)
            continue;
        if (rp->unpaired_count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            int64_t *grown = realloc(rp->unpaired, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = nomem(ld->err);
                goto out;
            }
            rp->unpaired = grown;
            cap = ncap;
        }
        rp->unpaired[rp->unpaired_count++] =
            ((((int64_t)row << 32) | (int64_t)mi) << 1) | (sqlite3_column_int(stmt, 2) != 0);
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(ld->store, ld->err, "read unpaired members");
        goto out;
    }
    if (rp->unpaired_count > 1)
        qsort(rp->unpaired, rp->unpaired_count, sizeof(*rp->unpaired), cmp_i64);
out:
    sqlite3_finalize(stmt);
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

static bool
bit_test(const unsigned char *bits, size_t i)
{
    return (bits[i / 8] >> (i % 8)) & 1u;
}

static void
bit_set(unsigned char *bits, size_t i)
{
    bits[i / 8] |= (unsigned char)(1u << (i % 8));
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

/* Figures of one row; then, for a sent round, its contacts join the graph. */
static enum ct_status
replay_round(struct replay *rp, size_t row)
{
    struct loader *ld = rp->ld;
    struct ct_report_round *r = &rp->rep->rounds[row];
    bool sent = strcmp(r->state, "sent") == 0, added;
    long shared = 0, rating_sum = 0;
    size_t i, j, x, y;
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
        for (x = 0; x < g->count; x++) {
            const struct gmember *gm = &g->members[x];
            if (gm->invite) {
                r->invites++;
                r->invites_sent += gm->invite == 1;
                r->invites_failed += gm->invite == 2;
                r->invites_pending += gm->invite == 3;
            }
            if (sent && !gm->removed) {
                r->accepted += gm->partstat == PS_ACCEPTED;
                r->declined += gm->partstat == PS_DECLINED;
                r->tentative += gm->partstat == PS_TENTATIVE;
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
                shared += shared_contacts(rp, a, b);
            }
        }
        if (sent && g->sent && !g->has_outcome) {
            bool all = g->count > 0;
            r->awaiting++;
            for (x = 0; x < g->count; x++)
                if (!g->members[x].removed && g->members[x].partstat != PS_ACCEPTED)
                    all = false;
            r->awaiting_accepted += all;
        }
        if (sent && g->has_outcome) {
            r->outcomes++;
            if (g->met)
                r->met++;
            else
                r->not_met++;
            if (g->rating > 0) {
                r->ratings++;
                rating_sum += g->rating;
            }
        }
    }
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
        struct group *g = &ld->groups[rp->round_groups[row][i]];
        long present = 0;

        if (!g->sent)
            continue;
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
                bool contact;
                if (q->removed)
                    continue;
                rp->mixing_all[ma->org * ld->orgs_count + mb->org]++;
                if (ma->org != mb->org)
                    rp->mixing_all[mb->org * ld->orgs_count + ma->org]++;
                if (!pairset_add(&rp->grouped, p->member, q->member, &added))
                    return nomem(ld->err);
                /* The contact rule of outcomes.h. */
                contact = g->has_outcome ? g->met
                                         : p->partstat != PS_DECLINED && q->partstat != PS_DECLINED;
                if (!contact)
                    continue;
                if (!pairset_add(&rp->contacts, p->member, q->member, &added))
                    return nomem(ld->err);
                r->new_ties += added;
                if (ma->org == mb->org)
                    continue;
                for (j = 0; j < 2; j++) {
                    struct member *self = j ? mb : ma, *partner = j ? ma : mb;
                    if (!bit_test(self->met_orgs, partner->org)) {
                        bit_set(self->met_orgs, partner->org);
                        self->orgs_met++;
                    }
                    self->crossed = true;
                    self->waited = 0;
                    memcpy(self->last_cross, r->date, sizeof(self->last_cross));
                }
            }
        }
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

/* Move the replay's results into the report: organisations, members, waits. */
static enum ct_status
finish(struct replay *rp)
{
    struct loader *ld = rp->ld;
    struct ct_report *rep = rp->rep;
    size_t *compact = NULL, i, j, k = 0, n = 0;
    enum ct_status st = CT_OK;

    compact = malloc((ld->orgs_count + 1) * sizeof(*compact));
    if (compact == NULL)
        return nomem(ld->err);
    for (i = 0; i < ld->orgs_count; i++)
        compact[i] = SIZE_MAX;
    /* Organisations of members who took part, in name order (orgs is sorted). */
    for (i = 0; i < ld->members_count; i++)
        if (ld->members[i].rounds > 0) {
            compact[ld->members[i].org] = 0;
            n++;
        }
    for (i = 0; i < ld->orgs_count; i++)
        if (compact[i] == 0)
            compact[i] = k++;
    rep->orgs = calloc(k + 1, sizeof(*rep->orgs));
    rep->mixing = calloc(k * k + 1, sizeof(*rep->mixing));
    rep->members = calloc(n + 1, sizeof(*rep->members));
    rep->waits = calloc(n + 1, sizeof(*rep->waits));
    rep->orgs_met_histogram = calloc(k + 1, sizeof(*rep->orgs_met_histogram));
    if (!rep->orgs || !rep->mixing || !rep->members || !rep->waits || !rep->orgs_met_histogram) {
        st = nomem(ld->err);
        goto out;
    }
    for (i = 0; i < ld->orgs_count; i++) {
        if (compact[i] == SIZE_MAX)
            continue;
        if ((rep->orgs[compact[i]].name = strdup(ld->orgs[i])) == NULL) {
            st = nomem(ld->err);
            goto out;
        }
        rep->orgs_count = compact[i] + 1;
        for (j = 0; j < ld->orgs_count; j++)
            if (compact[j] != SIZE_MAX)
                rep->mixing[compact[i] * k + compact[j]] = rp->mixing_all[i * ld->orgs_count + j];
    }
    for (i = 0; i < ld->members_count; i++) {
        struct member *m = &ld->members[i];
        struct ct_report_member *out;
        if (m->rounds == 0)
            continue;
        out = &rep->members[rep->members_count++];
        out->id = m->id;
        out->email = m->email;
        out->name = m->name;
        m->email = m->name = NULL;
        out->org = compact[m->org];
        memcpy(out->status, m->status, sizeof(out->status));
        out->rounds = m->rounds;
        out->partners = m->partners;
        out->orgs_met = m->orgs_met;
        out->waited = m->waited;
        out->never_crossed = !m->crossed;
        memcpy(out->last_cross, m->last_cross, sizeof(out->last_cross));
        rep->orgs[out->org].members++;
        if (out->orgs_met < (long)k)
            rep->orgs_met_histogram[out->orgs_met]++;
        if ((strcmp(m->status, "active") == 0 || strcmp(m->status, "paused") == 0) &&
            out->waited > 0)
            rep->waits[rep->waits_count++] = rep->members_count - 1;
    }
    if (rep->waits_count > 1) {
        struct wait_key *keys = malloc(rep->waits_count * sizeof(*keys));
        if (keys == NULL) {
            st = nomem(ld->err);
            goto out;
        }
        for (i = 0; i < rep->waits_count; i++) {
            const struct ct_report_member *m = &rep->members[rep->waits[i]];
            keys[i].waited = m->waited;
            keys[i].never = m->never_crossed;
            keys[i].id = m->id;
            keys[i].index = rep->waits[i];
        }
        qsort(keys, rep->waits_count, sizeof(*keys), wait_order);
        for (i = 0; i < rep->waits_count; i++)
            rep->waits[i] = keys[i].index;
        free(keys);
    }

    /* Over time: the sent rounds. */
    for (i = 0; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        if (strcmp(r->state, "sent") != 0)
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
out:
    free(compact);
    return st;
}

static void
loader_free(struct loader *ld)
{
    size_t i;

    for (i = 0; i < ld->members_count; i++) {
        free(ld->members[i].email);
        free(ld->members[i].name);
        free(ld->members[i].met_orgs);
    }
    free(ld->members);
    for (i = 0; i < ld->orgs_count; i++)
        free(ld->orgs[i]);
    free(ld->orgs);
    for (i = 0; i < ld->groups_count; i++)
        free(ld->groups[i].members);
    free(ld->groups);
    free(ld->round_ids);
    free(ld->round_rows);
    free(ld->ties.keys);
}

enum ct_status
ct_report_build(struct ct_store *store, int64_t round_id, struct ct_report **out,
                struct ct_error *err)
{
    struct loader ld;
    struct replay rp;
    struct ct_report *rep;
    enum ct_status st;
    size_t i, j;

    *out = NULL;
    memset(&ld, 0, sizeof(ld));
    memset(&rp, 0, sizeof(rp));
    ld.store = store;
    ld.err = err;
    if ((rep = calloc(1, sizeof(*rep))) == NULL)
        return nomem(err);
    rep->selected = -1;
    rep->generated_at = ct_now();
    rep->reach = rep->reach_bound = rep->reach_capacity = rep->mean_rating = NAN;
    rp.ld = &ld;
    rp.rep = rep;

    /* One read transaction, so the figures come from one consistent state. */
    if (sqlite3_exec(ct_store_db(store), "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "begin reading");
        goto out;
    }
    if ((st = load_rounds(&ld, rep, round_id)) != CT_OK || (st = load_members(&ld)) != CT_OK ||
        (st = load_ties(&ld)) != CT_OK || (st = load_groups(&ld)) != CT_OK ||
        (st = load_unpaired(&rp)) != CT_OK) {
        sqlite3_exec(ct_store_db(store), "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    sqlite3_exec(ct_store_db(store), "COMMIT", NULL, NULL, NULL);

    rp.adj = calloc(ld.members_count + 1, sizeof(*rp.adj));
    rp.round_groups = calloc(ld.rows_count + 1, sizeof(*rp.round_groups));
    rp.round_groups_count = calloc(ld.rows_count + 1, sizeof(*rp.round_groups_count));
    rp.mixing_all = calloc(ld.orgs_count * ld.orgs_count + 1, sizeof(*rp.mixing_all));
    if (!rp.adj || !rp.round_groups || !rp.round_groups_count || !rp.mixing_all) {
        st = nomem(err);
        goto out;
    }
    /* Groups per row, in id order (groups[] is sorted by id). */
    for (i = 0; i < ld.groups_count; i++)
        rp.round_groups_count[ld.groups[i].round]++;
    for (i = 0; i < ld.rows_count; i++) {
        rp.round_groups[i] = malloc((rp.round_groups_count[i] + 1) * sizeof(**rp.round_groups));
        if (rp.round_groups[i] == NULL) {
            st = nomem(err);
            goto out;
        }
        rp.round_groups_count[i] = 0;
    }
    for (i = 0; i < ld.groups_count; i++) {
        size_t row = ld.groups[i].round;
        rp.round_groups[row][rp.round_groups_count[row]++] = i;
    }
    /* Declared ties are in the graph from the start. */
    for (i = 0; i < ld.ties.cap; i++) {
        uint64_t key = ld.ties.keys[i];
        if (key == 0)
            continue;
        key--;
        if (!graph_add(&rp, (size_t)(key >> 32), (size_t)(key & 0xffffffffu))) {
            st = nomem(err);
            goto out;
        }
    }
    for (i = 0; i < ld.rows_count; i++)
        if ((st = replay_round(&rp, i)) != CT_OK)
            goto out;
    st = finish(&rp);
out:
    if (rp.adj)
        for (i = 0; i < ld.members_count; i++)
            free(rp.adj[i].items);
    free(rp.adj);
    if (rp.round_groups)
        for (j = 0; j < ld.rows_count; j++)
            free(rp.round_groups[j]);
    free(rp.round_groups);
    free(rp.round_groups_count);
    free(rp.graph.keys);
    free(rp.contacts.keys);
    free(rp.grouped.keys);
    free(rp.unpaired);
    free(rp.mixing_all);
    loader_free(&ld);
    if (st != CT_OK) {
        ct_report_free(rep);
        return st;
    }
    *out = rep;
    return CT_OK;
}

void
ct_report_free(struct ct_report *report)
{
    size_t i;

    if (report == NULL)
        return;
    for (i = 0; i < report->orgs_count; i++)
        free(report->orgs[i].name);
    free(report->orgs);
    free(report->mixing);
    for (i = 0; i < report->members_count; i++) {
        free(report->members[i].email);
        free(report->members[i].name);
    }
    free(report->members);
    free(report->waits);
    free(report->orgs_met_histogram);
    free(report->rounds);
    free(report);
}

bool
ct_report_format_parse(const char *s, enum ct_report_format *format)
{
    static const char *const names[] = {"text", "json", "csv", "html"};
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0) {
            *format = (enum ct_report_format)i;
            return true;
        }
    return false;
}

bool
ct_report_render(const struct ct_report *report, enum ct_report_format format,
                 const struct ct_report_options *opts, struct ct_buf *out)
{
    switch (format) {
    case CT_REPORT_TEXT: return ct_report_render_text(report, opts, out);
    case CT_REPORT_JSON: return ct_report_render_json(report, opts, out);
    case CT_REPORT_CSV: return ct_report_render_csv(report, opts, out);
    case CT_REPORT_HTML: return ct_report_render_html(report, opts, out);
    }
    return false;
}
