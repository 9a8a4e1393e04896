/*
 * members.c: members, roster sync and exclusions; see members.h. The sync
 * loads every member once (lib/store), diffs them against the roster in
 * memory, and hands the store one list of writes, so a 100,000-member
 * import is a single pass of prepared-statement writes in one transaction.
 */
#include "members.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "notices.h"
#include "util.h"
#include "validate.h"

/* The meta key holding the fingerprint of the last roster file a sync refused. */
#define META_REFUSED "roster_refused_file"

/* ---- small helpers ---------------------------------------------------- */

const char *
ct_member_field_str(enum ct_member_field field)
{
    switch (field) {
    case CT_FIELD_EMAIL: return "email";
    case CT_FIELD_NAME: return "name";
    case CT_FIELD_ORGANISATION: return "organisation";
    case CT_FIELD_TEAM: return "team";
    case CT_FIELD_SITE: return "site";
    case CT_FIELD_ROLE: return "role";
    case CT_FIELD_TIMEZONE: return "timezone";
    case CT_FIELD_STATUS: return "status";
    case CT_FIELD_FREQUENCY: return "frequency";
    case CT_FIELD_TIES: return "ties";
    }
    return NULL;
}

/* Optional text fields: NULL and "" both mean unset. */
static bool
field_eq(const char *a, const char *b)
{
    if (a == NULL || *a == '\0')
        return b == NULL || *b == '\0';
    if (b == NULL)
        return false;
    return strcmp(a, b) == 0;
}

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

/* The caller's hook for a member about to leave, if any. */
static enum ct_status
run_hook(const struct ct_member_hook *hook, struct ct_txn *txn, int64_t id, bool erasing,
         int64_t now, struct ct_error *err)
{
    if (hook == NULL || hook->leaving == NULL)
        return CT_OK;
    return hook->leaving(hook->arg, txn, id, erasing, now, err);
}

/* ---- an e-mail -> node map (open addressing, ASCII case-insensitive) --- */

struct email_map {
    const char **keys;
    size_t *values;
    size_t mask;
};

static size_t
email_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h = (h ^ c) * 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

static bool
email_map_init(struct email_map *m, size_t expected)
{
    size_t cap = 16;

    while (cap < expected * 2)
        cap *= 2;
    m->keys = calloc(cap, sizeof(*m->keys));
    m->values = malloc(cap * sizeof(*m->values));
    m->mask = cap - 1;
    return m->keys && m->values;
}

static void
email_map_free(struct email_map *m)
{
    free(m->keys);
    free(m->values);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
email_map_slot(const struct email_map *m, const char *key)
{
    size_t i = email_hash(key) & m->mask;

    while (m->keys[i] && !ct_strcaseeq(m->keys[i], key))
        i = (i + 1) & m->mask;
    return i;
}

/* The node stored for key, or SIZE_MAX. */
static size_t
email_map_get(const struct email_map *m, const char *key)
{
    size_t i = email_map_slot(m, key);

    return m->keys[i] ? m->values[i] : SIZE_MAX;
}

/* Never grows: the map is sized for every key up front. */
static void
email_map_put(struct email_map *m, const char *key, size_t value)
{
    size_t i = email_map_slot(m, key);

    m->keys[i] = key;
    m->values[i] = value;
}

/* ---- roster sync ------------------------------------------------------- */

/* A member already in the store, as the sync sees it. */
struct known {
    const struct ct_member *m; /* in sync.list */
    int roster_status;         /* what the last import's roster said, or CT_ROSTER_STATUS_NONE */
    size_t entry;              /* index of the roster entry naming them, or SIZE_MAX */
};

/*
 * Ties as pairs of nodes: node i < known_count is known[i], node
 * known_count + j is the new member of roster entry j.
 */
struct pair {
    size_t a, b; /* a < b */
};

struct pairs {
    struct pair *items;
    size_t count, cap;
};

static bool
pairs_add(struct pairs *p, size_t x, size_t y)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        struct pair *items = realloc(p->items, cap * sizeof(*items));
        if (items == NULL)
            return false;
        p->items = items;
        p->cap = cap;
    }
    p->items[p->count].a = x < y ? x : y;
    p->items[p->count].b = x < y ? y : x;
    p->count++;
    return true;
}

static int
pair_cmp(const void *x, const void *y)
{
    const struct pair *p = x, *q = y;

    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return 0;
}

static void
pairs_sort_unique(struct pairs *p)
{
    size_t i, n = 0;

    if (p->count == 0)
        return;
    qsort(p->items, p->count, sizeof(*p->items), pair_cmp);
    for (i = 1; i < p->count; i++)
        if (pair_cmp(&p->items[i], &p->items[n]) != 0)
            p->items[++n] = p->items[i];
    p->count = n + 1;
}

/* Everything one sync works on; freed by sync_free(). */
struct sync {
    struct ct_store *store;
    struct ct_txn *txn; /* NULL in a dry run */
    const struct ct_roster *roster;
    const struct ct_sync_options *opts;
    int64_t now;
    struct ct_member_list *list; /* every member not erased */
    struct known *known;         /* the same, ordered by id */
    size_t known_count;
    struct email_map map;
    size_t *entry_node;     /* roster entry -> node */
    unsigned *node_changes; /* node -> CT_FIELD_TIES etc. from the tie diff */
    int64_t *node_id;       /* node -> members.id once written */
    struct pairs old_ties, new_ties, tie_removed, tie_added;
    unsigned *entry_fields;     /* entry -> changed fields */
    bool *entry_status_changes; /* entry -> status to be set from the roster */
    bool has[CT_COL_COUNT];     /* the file has this column; absent ones are not its to change */
    struct ct_member_write *writes; /* what apply_changes() hands the store, in order */
    size_t writes_count;
    bool *write_leaving; /* write -> the member leaves: the hook runs first */
    size_t *write_node;  /* write -> node */
};

static void
sync_free(struct sync *s)
{
    ct_member_list_free(s->list);
    free(s->known);
    email_map_free(&s->map);
    free(s->entry_node);
    free(s->node_changes);
    free(s->node_id);
    free(s->old_ties.items);
    free(s->new_ties.items);
    free(s->tie_removed.items);
    free(s->tie_added.items);
    free(s->entry_fields);
    free(s->entry_status_changes);
    free(s->writes);
    free(s->write_leaving);
    free(s->write_node);
}

/* Read every member that is not erased, ordered by id. */
static enum ct_status
load_known(struct sync *s, struct ct_error *err)
{
    struct ct_member_list *list;
    enum ct_status st;
    size_t i;

    st = ct_store_members_load(s->store, CT_MEMBERS_ALL, &s->list, err);
    if (st != CT_OK)
        return st;
    list = s->list;
    s->known = calloc(list->count + 1, sizeof(*s->known));
    if (s->known == NULL)
        return nomem(err);
    for (i = 0; i < list->count; i++) {
        s->known[i].m = &list->items[i];
        s->known[i].roster_status = list->roster_status[i];
        s->known[i].entry = SIZE_MAX;
    }
    s->known_count = list->count; /* in the loader's order: by id */
    return CT_OK;
}

/* Map e-mails to nodes and roster entries to known members. */
static enum ct_status
match_entries(struct sync *s, struct ct_error *err)
{
    const struct ct_roster *r = s->roster;
    size_t i, nodes = s->known_count + r->count;

    if (!email_map_init(&s->map, nodes) ||
        (s->entry_node = calloc(r->count + 1, sizeof(*s->entry_node))) == NULL)
        return nomem(err);
    for (i = 0; i < s->known_count; i++)
        email_map_put(&s->map, s->known[i].m->email, i);
    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        size_t node = email_map_get(&s->map, e->email);
        long other = 0;

        if (node != SIZE_MAX && node < s->known_count && s->known[node].entry == SIZE_MAX) {
            s->known[node].entry = i;
            s->entry_node[i] = node;
            continue;
        }
        if (node != SIZE_MAX) {
            /* The parser refuses duplicates; this guards the store all the same. */
            other = node < s->known_count ? r->entries[s->known[node].entry].line
                                          : r->entries[node - s->known_count].line;
            return ct_error_set(err, CT_EDATA, "%s:%ld: e-mail %s already appears on line %ld",
                                s->opts->source ? s->opts->source : "roster", e->line, e->email,
                                other);
        }
        s->entry_node[i] = s->known_count + i;
        email_map_put(&s->map, e->email, s->known_count + i);
    }
    return CT_OK;
}

static bool
node_in_file(const struct sync *s, size_t node)
{
    return node >= s->known_count || s->known[node].entry != SIZE_MAX;
}

/* The pairs of two members in the file that the store has as tied. */
static enum ct_status
old_ties(struct sync *s, struct ct_error *err)
{
    size_t i, j;

    for (i = 0; i < s->known_count; i++) {
        const struct ct_member *m = s->known[i].m;
        if (!node_in_file(s, i))
            continue;
        for (j = 0; j < m->ties_count; j++) {
            size_t other;
            /* Each tie is in both members' lists: take it from one side only. */
            if (strcmp(m->ties[j], m->email) < 0)
                continue;
            other = email_map_get(&s->map, m->ties[j]);
            /* The file speaks only for pairs it can name: both members in it. */
            if (other == SIZE_MAX || other >= s->known_count || !node_in_file(s, other))
                continue;
            if (!pairs_add(&s->old_ties, i, other))
                return nomem(err);
        }
    }
    pairs_sort_unique(&s->old_ties);
    return CT_OK;
}

/* The pairs the file declares among the members in it. */
static enum ct_status
new_ties(struct sync *s, struct ct_error *err)
{
    const struct ct_roster *r = s->roster;
    size_t i, j;

    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        for (j = 0; j < e->ties_count; j++) {
            size_t other = email_map_get(&s->map, e->ties[j]);
            if (other == SIZE_MAX || other == s->entry_node[i] || !node_in_file(s, other))
                continue;
            if (!pairs_add(&s->new_ties, s->entry_node[i], other))
                return nomem(err);
        }
    }
    pairs_sort_unique(&s->new_ties);
    return CT_OK;
}

/*
 * Diff the declared ties among the members in the file: the old pairs of
 * two of them against the pairs the file declares. Ties to members the
 * file does not list are left alone (a merge file cannot name them; in a
 * sync those members have left, and the tie is history).
 */
static enum ct_status
diff_ties(struct sync *s, struct ct_error *err)
{
    size_t i, j, nodes = s->known_count + s->roster->count;
    enum ct_status st;

    s->node_changes = calloc(nodes + 1, sizeof(*s->node_changes));
    if (s->node_changes == NULL)
        return nomem(err);
    if (!s->has[CT_COL_TIES])
        return CT_OK; /* a file without the column says nothing about ties */
    if ((st = old_ties(s, err)) != CT_OK || (st = new_ties(s, err)) != CT_OK)
        return st;
    /* Merge walk over the two sorted sets. */
    i = j = 0;
    while (i < s->old_ties.count || j < s->new_ties.count) {
        int c;
        const struct pair *p;
        struct pairs *into;
        if (i == s->old_ties.count)
            c = 1;
        else if (j == s->new_ties.count)
            c = -1;
        else
            c = pair_cmp(&s->old_ties.items[i], &s->new_ties.items[j]);
        if (c == 0) {
            i++;
            j++;
            continue;
        }
        if (c < 0) {
            p = &s->old_ties.items[i++];
            into = &s->tie_removed;
        } else {
            p = &s->new_ties.items[j++];
            into = &s->tie_added;
        }
        if (!pairs_add(into, p->a, p->b))
            return nomem(err);
        s->node_changes[p->a] |= CT_FIELD_TIES;
        s->node_changes[p->b] |= CT_FIELD_TIES;
    }
    return CT_OK;
}

static enum ct_status
add_change(struct ct_sync_result *res, enum ct_change_kind kind, const char *email, unsigned fields,
           long line, struct ct_error *err)
{
    struct ct_member_change *c;

    c = &res->changes[res->changes_count];
    c->kind = kind;
    c->fields = fields;
    c->line = line;
    c->email = strdup(email);
    if (c->email == NULL)
        return nomem(err);
    res->changes_count++;
    return CT_OK;
}

/* The fields of known member k that roster entry i changes (and whether its status). */
static unsigned
entry_fields(struct sync *s, size_t i, const struct known *k)
{
    const struct ct_roster_entry *e = &s->roster->entries[i];
    const struct ct_member *m = k->m;
    unsigned f = 0;

    if (strcmp(m->email, e->email) != 0)
        f |= CT_FIELD_EMAIL;
    if (!field_eq(m->name, e->name))
        f |= CT_FIELD_NAME;
    if (!field_eq(m->organisation, e->organisation))
        f |= CT_FIELD_ORGANISATION;
    if (s->has[CT_COL_TEAM] && !field_eq(m->team, e->team))
        f |= CT_FIELD_TEAM;
    if (s->has[CT_COL_SITE] && !field_eq(m->site, e->site))
        f |= CT_FIELD_SITE;
    if (s->has[CT_COL_ROLE] && !field_eq(m->role, e->role))
        f |= CT_FIELD_ROLE;
    if (s->has[CT_COL_TIMEZONE] && !field_eq(m->timezone, e->timezone))
        f |= CT_FIELD_TIMEZONE;
    if (s->has[CT_COL_FREQUENCY] && m->frequency != e->frequency)
        f |= CT_FIELD_FREQUENCY;
    /*
     * The roster's status wins only when it differs from what the
     * roster said last time: a CLI pause or removal is kept while the
     * file keeps saying the same thing.
     */
    if (s->has[CT_COL_STATUS] && k->roster_status != (int)e->status && m->status != e->status) {
        f |= CT_FIELD_STATUS;
        s->entry_status_changes[i] = true;
    }
    return f;
}

/* Decide what happens to every entry and every known member. */
static enum ct_status
plan_changes(struct sync *s, struct ct_sync_result *res, struct ct_error *err)
{
    const struct ct_roster *r = s->roster;
    enum ct_status st;
    size_t i;

    res->rows = r->count;
    res->changes = calloc(r->count + s->known_count + 1, sizeof(*res->changes));
    s->entry_fields = calloc(r->count + 1, sizeof(*s->entry_fields));
    s->entry_status_changes = calloc(r->count + 1, sizeof(*s->entry_status_changes));
    if (res->changes == NULL || s->entry_fields == NULL || s->entry_status_changes == NULL)
        return nomem(err);
    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        size_t node = s->entry_node[i];
        unsigned f;

        if (node >= s->known_count) {
            res->added++;
            st = add_change(res, CT_CHANGE_ADD, e->email, 0, e->line, err);
            if (st != CT_OK)
                return st;
            continue;
        }
        f = entry_fields(s, i, &s->known[node]) | s->node_changes[node];
        s->entry_fields[i] = f;
        if (f) {
            res->updated++;
            st = add_change(res, CT_CHANGE_UPDATE, e->email, f, e->line, err);
            if (st != CT_OK)
                return st;
        } else {
            res->unchanged++;
        }
    }
    if (s->opts->merge)
        return CT_OK;
    for (i = 0; i < s->known_count; i++) {
        const struct known *k = &s->known[i];
        if (k->entry != SIZE_MAX || k->m->status == CT_MEMBER_LEFT)
            continue;
        res->left++;
        st = add_change(res, CT_CHANGE_LEAVE, k->m->email, 0, 0, err);
        if (st != CT_OK)
            return st;
    }
    return CT_OK;
}

/* Append a write for node (the hook first if leaving). OUT: the write, zeroed but for these. */
static struct ct_member_write *
write_add(struct sync *s, enum ct_member_write_kind kind, size_t node, bool leaving)
{
    struct ct_member_write *w = &s->writes[s->writes_count];

    memset(w, 0, sizeof(*w));
    w->kind = kind;
    w->roster_status = CT_ROSTER_STATUS_NONE;
    if (node < s->known_count)
        w->member.id = s->known[node].m->id;
    s->write_leaving[s->writes_count] = leaving;
    s->write_node[s->writes_count++] = node;
    return w;
}

/* What roster entry i, about a member who is new, becomes. */
static void
write_entry_new(struct sync *s, size_t i)
{
    const struct ct_roster_entry *e = &s->roster->entries[i];
    struct ct_member *m = &write_add(s, CT_MEMBER_WRITE_ADD, s->entry_node[i], false)->member;

    m->email = e->email;
    m->name = e->name;
    m->organisation = e->organisation;
    m->team = e->team;
    m->site = e->site;
    m->role = e->role;
    m->timezone = e->timezone;
    m->status = e->status;
    m->frequency = e->frequency;
}

/* What roster entry i, about known member k, writes, if anything. */
static void
write_entry_known(struct sync *s, size_t i, const struct known *k)
{
    const struct ct_roster_entry *e = &s->roster->entries[i];
    const struct ct_member *old = k->m;
    bool leaving =
        s->entry_status_changes[i] && e->status == CT_MEMBER_LEFT && old->status != CT_MEMBER_LEFT;
    struct ct_member_write *w;

    if (s->entry_fields[i] & ~(unsigned)CT_FIELD_TIES) {
        w = write_add(s, CT_MEMBER_WRITE_UPDATE, s->entry_node[i], leaving);
        w->member.email = e->email;
        w->member.name = e->name;
        w->member.organisation = e->organisation;
        /* A column the file lacks keeps what the store has. */
        w->member.team = s->has[CT_COL_TEAM] ? e->team : old->team;
        w->member.site = s->has[CT_COL_SITE] ? e->site : old->site;
        w->member.role = s->has[CT_COL_ROLE] ? e->role : old->role;
        w->member.timezone = s->has[CT_COL_TIMEZONE] ? e->timezone : old->timezone;
        w->roster_status = s->has[CT_COL_STATUS] ? (int)e->status : k->roster_status;
        w->member.frequency = s->has[CT_COL_FREQUENCY] ? e->frequency : old->frequency;
        w->member.status = e->status;
        w->set_status = s->entry_status_changes[i];
    } else if (s->has[CT_COL_STATUS] && k->roster_status != (int)e->status) {
        /* Nothing visible changes; remember what the roster said. */
        w = write_add(s, CT_MEMBER_WRITE_ROSTER, s->entry_node[i], leaving);
        w->roster_status = (int)e->status;
    }
}

/* The writes of plan_changes()'s decisions, in the order they happen. */
static enum ct_status
plan_writes(struct sync *s, struct ct_error *err)
{
    const struct ct_roster *r = s->roster;
    size_t i, max = r->count + s->known_count + 1;

    s->writes = calloc(max, sizeof(*s->writes));
    s->write_leaving = calloc(max, sizeof(*s->write_leaving));
    s->write_node = calloc(max, sizeof(*s->write_node));
    if (s->writes == NULL || s->write_leaving == NULL || s->write_node == NULL)
        return nomem(err);
    for (i = 0; i < r->count; i++) {
        if (s->entry_node[i] >= s->known_count)
            write_entry_new(s, i);
        else
            write_entry_known(s, i, &s->known[s->entry_node[i]]);
    }
    if (s->opts->merge)
        return CT_OK;
    for (i = 0; i < s->known_count; i++) {
        const struct known *k = &s->known[i];
        if (k->entry != SIZE_MAX)
            continue;
        if (k->m->status != CT_MEMBER_LEFT)
            write_add(s, CT_MEMBER_WRITE_LEAVE, i, true);
        else if (k->roster_status != CT_MEMBER_LEFT)
            write_add(s, CT_MEMBER_WRITE_ROSTER, i, false)->roster_status = CT_MEMBER_LEFT;
    }
    return CT_OK;
}

/*
 * Hand the writes to the store in runs, calling the hook before each
 * member who leaves, while their record is still as it was.
 */
static enum ct_status
run_writes(struct sync *s, struct ct_error *err)
{
    enum ct_status st;
    size_t start = 0, i;

    for (i = 0; i < s->writes_count; i++) {
        if (!s->write_leaving[i])
            continue;
        if ((st = ct_store_members_apply(s->txn, s->writes + start, i - start, s->now, err)) !=
                CT_OK ||
            (st = run_hook(s->opts->hook, s->txn, s->writes[i].member.id, false, s->now, err)) !=
                CT_OK)
            return st;
        start = i;
    }
    return ct_store_members_apply(s->txn, s->writes + start, s->writes_count - start, s->now, err);
}

/* The tie pairs of nodes as pairs of member ids. OUT: *out, freed by the caller. */
static enum ct_status
ties_by_id(const struct sync *s, const struct pairs *p, struct ct_tie **out, struct ct_error *err)
{
    size_t i;

    *out = calloc(p->count + 1, sizeof(**out));
    if (*out == NULL)
        return nomem(err);
    for (i = 0; i < p->count; i++) {
        (*out)[i].a = s->node_id[p->items[i].a];
        (*out)[i].b = s->node_id[p->items[i].b];
    }
    return CT_OK;
}

/* Write the tie diff, now that every node has an id. */
static enum ct_status
write_ties(struct sync *s, struct ct_error *err)
{
    struct ct_tie *removed = NULL, *added = NULL;
    enum ct_status st;
    size_t i;

    s->node_id = calloc(s->known_count + s->roster->count + 1, sizeof(*s->node_id));
    if (s->node_id == NULL)
        return nomem(err);
    for (i = 0; i < s->known_count; i++)
        s->node_id[i] = s->known[i].m->id;
    for (i = 0; i < s->writes_count; i++)
        if (s->writes[i].kind == CT_MEMBER_WRITE_ADD)
            s->node_id[s->write_node[i]] = s->writes[i].member.id;
    if ((st = ties_by_id(s, &s->tie_removed, &removed, err)) == CT_OK &&
        (st = ties_by_id(s, &s->tie_added, &added, err)) == CT_OK)
        st = ct_store_ties_update(s->txn, removed, s->tie_removed.count, added, s->tie_added.count,
                                  err);
    free(removed);
    free(added);
    return st;
}

/* Write what plan_changes() decided, and the import's history row. Runs inside the transaction. */
static enum ct_status
apply_changes(struct sync *s, struct ct_sync_result *res, struct ct_error *err)
{
    struct ct_import import;
    enum ct_status st;

    if ((st = plan_writes(s, err)) != CT_OK || (st = run_writes(s, err)) != CT_OK ||
        (st = write_ties(s, err)) != CT_OK)
        return st;
    /* A good sync: the next refused file is news again. */
    if (!s->opts->merge && (st = ct_store_meta_set(s->txn, META_REFUSED, NULL, err)) != CT_OK)
        return st;
    memset(&import, 0, sizeof(import));
    import.source = s->opts->source;
    import.merge = s->opts->merge;
    import.rows = res->rows;
    import.added = res->added;
    import.updated = res->updated;
    import.left = res->left;
    import.unchanged = res->unchanged;
    return ct_store_import_record(s->txn, &import, s->now, &res->import_id, err);
}

/*
 * Roster safety: how many of the current (active, paused) members
 * opts->max_left lets a sync mark left. A share rounds down, so the sync
 * is refused exactly when left exceeds the share of current.
 */
static void
check_left_limit(const struct sync *s, struct ct_sync_result *res)
{
    const struct ct_share *limit = s->opts->max_left;
    size_t i, value = limit && limit->value > 0 ? (size_t)limit->value : 0;

    for (i = 0; i < s->known_count; i++)
        if (s->known[i].m->status == CT_MEMBER_ACTIVE || s->known[i].m->status == CT_MEMBER_PAUSED)
            res->current++;
    if (limit == NULL)
        res->max_left = res->current;
    else
        res->max_left = limit->percent ? res->current * value / 100 : value;
    res->refused = !s->opts->merge && res->left > res->max_left;
}

/* Load, match and decide: everything a sync does but write. */
static enum ct_status
sync_plan(struct sync *s, struct ct_sync_result *res, struct ct_error *err)
{
    enum ct_status st;

    if ((st = load_known(s, err)) != CT_OK || (st = match_entries(s, err)) != CT_OK ||
        (st = diff_ties(s, err)) != CT_OK || (st = plan_changes(s, res, err)) != CT_OK)
        return st;
    check_left_limit(s, res);
    if (res->refused && !s->opts->yes && !s->opts->dry_run)
        return ct_error_set(err, CT_EDATA,
                            "%s: refused: this sync would mark %zu of %zu current members left, "
                            "more than [roster] max_left allows (%zu); nothing changed. Check "
                            "the file, or apply it with --yes",
                            s->opts->source ? s->opts->source : "roster", res->left, res->current,
                            res->max_left);
    return CT_OK;
}

/* The page cache (KB) for a sync that touches this many members: see ct_members_sync(). */
static size_t
import_cache_kb(size_t members)
{
    size_t kb = members / 1000 * 96;

    return kb < 16384 ? 16384 : kb > 1048576 ? 1048576 : kb;
}

enum ct_status
ct_members_sync(struct ct_store *store, const struct ct_roster *roster,
                const struct ct_sync_options *opts, int64_t now, struct ct_sync_result **out,
                struct ct_error *err)
{
    struct sync s;
    struct ct_sync_result *res;
    enum ct_status st;
    int cache_pages = 0;
    size_t i;

    *out = NULL;
    if (!opts->merge && roster->count == 0)
        return ct_error_set(err, CT_EDATA,
                            "%s: the roster lists nobody; a sync would mark every member left",
                            opts->source ? opts->source : "roster");
    memset(&s, 0, sizeof(s));
    s.store = store;
    s.roster = roster;
    s.opts = opts;
    s.now = now;
    for (i = 0; i < CT_COL_COUNT; i++)
        s.has[i] = ct_roster_has_column(roster, (enum ct_roster_column)i);
    res = calloc(1, sizeof(*res));
    if (res == NULL)
        return nomem(err);
    /* A dry run only reads, in one snapshot; a real one holds the write lock throughout. */
    if (!opts->dry_run && (st = ct_txn_begin(store, &s.txn, err)) != CT_OK)
        goto out;
    if ((st = sync_plan(&s, res, err)) != CT_OK || opts->dry_run)
        goto out;
    /*
     * New members land all over the e-mail index. With SQLite's default
     * 2 MB page cache, a large import spills dirty pages to the WAL and
     * reads them back; 16 MB cuts the system time of a 100,000-member
     * import by half. The indexes take about 70 bytes a member (a million:
     * 52 MB for the e-mail, 15 MB for the status), so the cache grows with
     * the roster to hold them: 96 KB per thousand members. The connection's
     * own setting comes back afterwards.
     */
    cache_pages = ct_store_cache_size(store);
    ct_store_cache_size_set(
        store,
        -(int)import_cache_kb(roster->count > s.known_count ? roster->count : s.known_count));
    if ((st = apply_changes(&s, res, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(s.txn, err);
    s.txn = NULL;
out:
    ct_txn_rollback(s.txn);
    if (st != CT_OK && !(st == CT_EDATA && res->refused && !opts->yes)) {
        ct_sync_result_free(res);
        res = NULL;
    }
    if (cache_pages != 0)
        ct_store_cache_size_set(store, cache_pages);
    sync_free(&s);
    *out = res;
    return st;
}

void
ct_sync_result_free(struct ct_sync_result *result)
{
    size_t i;

    if (result == NULL)
        return;
    for (i = 0; i < result->changes_count; i++)
        free(result->changes[i].email);
    free(result->changes);
    free(result);
}

/* ---- reading members --------------------------------------------------- */

enum ct_status
ct_members_list(struct ct_store *store, unsigned statuses, struct ct_member_list **out,
                struct ct_error *err)
{
    enum ct_status st;

    st = ct_store_members_load(store, statuses, out, err);
    if (st == CT_OK && (st = ct_member_list_sort_by_email(*out, err)) != CT_OK) {
        ct_member_list_free(*out);
        *out = NULL;
    }
    return st;
}

enum ct_status
ct_members_value_counts(struct ct_store *store, unsigned statuses, enum ct_member_column column,
                        struct ct_member_value_count **out, size_t *n, struct ct_error *err)
{
    return ct_store_members_value_counts(store, statuses, column, out, n, err);
}

enum ct_status
ct_members_find(struct ct_store *store, const char *email, struct ct_member **out,
                struct ct_error *err)
{
    struct ct_member *m;
    enum ct_status st;

    *out = NULL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return nomem(err);
    st = ct_store_member_find(store, email, m, err);
    if (st != CT_OK) {
        free(m);
        return st;
    }
    *out = m;
    return CT_OK;
}

void
ct_member_free(struct ct_member *member)
{
    if (member == NULL)
        return;
    ct_member_clear(member);
    free(member);
}

enum ct_status
ct_members_history(struct ct_store *store, int64_t member_id, struct ct_member_history *out,
                   struct ct_error *err)
{
    return ct_store_member_history(store, member_id, out, err);
}

/* ---- status changes ---------------------------------------------------- */

/*
 * Find a member by e-mail (never an erased one) inside txn. OUT: *id and
 * *status. CT_ENOTFOUND names the address.
 */
static enum ct_status
lookup_member(struct ct_txn *txn, const char *email, int64_t *id, enum ct_member_status *status,
              struct ct_error *err)
{
    struct ct_member m;
    enum ct_status st;

    st = ct_store_member_find(ct_txn_store(txn), email, &m, err);
    if (st != CT_OK)
        return st;
    *id = m.id;
    if (status)
        *status = m.status;
    ct_member_clear(&m);
    return CT_OK;
}

/* Check a pause date: a real date after today. */
static enum ct_status
check_pause_date(const char *until, int32_t today, struct ct_error *err)
{
    const char *why;
    int32_t days;
    char today_str[11];

    why = ct_parse_date(until, &days);
    if (why)
        return ct_error_set(err, CT_EUSAGE, "pause date %s: %s", until, why);
    if (days <= today) {
        ct_format_date(today, today_str);
        return ct_error_set(err, CT_EUSAGE, "pause date %s is not in the future (today is %s)",
                            until, today_str);
    }
    return CT_OK;
}

enum ct_status
ct_members_pause(struct ct_store *store, const char *email, const char *until, int32_t today,
                 int64_t now, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_member_status status;
    enum ct_status st;
    int64_t id;

    if (until && (st = check_pause_date(until, today, err)) != CT_OK)
        return st;
    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        return st;
    st = lookup_member(txn, email, &id, &status, err);
    if (st != CT_OK)
        goto out;
    if (status == CT_MEMBER_LEFT) {
        st = ct_error_set(err, CT_ESTATE,
                          "%s has left the network; resume them first to make them active", email);
        goto out;
    }
    st = ct_store_member_set_status(txn, id, CT_MEMBER_PAUSED, until, now, err);
    if (st != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    return st;
}

/*
 * Set a member's status to to (clearing any pause date); *changed false if
 * already so. hook, if any, runs first in the same transaction.
 */
static enum ct_status
change_status(struct ct_store *store, const char *email, enum ct_member_status to,
              const struct ct_member_hook *hook, int64_t now, bool *changed, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_member_status status;
    enum ct_status st;
    int64_t id;

    *changed = false;
    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        return st;
    st = lookup_member(txn, email, &id, &status, err);
    if (st != CT_OK || status == to)
        goto out;
    if ((st = run_hook(hook, txn, id, false, now, err)) != CT_OK ||
        (st = ct_store_member_set_status(txn, id, to, NULL, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
    *changed = st == CT_OK;
out:
    ct_txn_rollback(txn);
    return st;
}

enum ct_status
ct_members_resume(struct ct_store *store, const char *email, int64_t now, bool *changed,
                  struct ct_error *err)
{
    return change_status(store, email, CT_MEMBER_ACTIVE, NULL, now, changed, err);
}

enum ct_status
ct_members_remove(struct ct_store *store, const char *email, const struct ct_member_hook *hook,
                  int64_t now, bool *changed, struct ct_error *err)
{
    return change_status(store, email, CT_MEMBER_LEFT, hook, now, changed, err);
}

enum ct_status
ct_members_expire_pauses(struct ct_store *store, int32_t today, int64_t now, size_t *resumed,
                         struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st;
    size_t count = 0;

    if (resumed)
        *resumed = 0;
    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        return st;
    st = ct_store_members_expire_pauses(txn, today, now, &count, err);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    st = ct_txn_commit(txn, err);
    if (st == CT_OK && resumed)
        *resumed = count;
    return st;
}

/* ---- erasure ----------------------------------------------------------- */

/* Overwrite a copy of personal data before freeing it. */
static void
wipe(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
}

enum ct_status
ct_members_erase(struct ct_store *store, const char *email, const struct ct_member_hook *hook,
                 int64_t now, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    struct ct_member m;
    enum ct_status st;

    memset(&m, 0, sizeof(m));
    /* Deleted content is overwritten, not left in free pages. */
    st = ct_store_secure_delete(store, true, err);
    if (st != CT_OK)
        return st;
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = ct_store_member_find(store, email, &m, err)) != CT_OK)
        goto out;
    /* While the address is still there: what the partners must be told is queued first. */
    if ((st = run_hook(hook, txn, m.id, true, now, err)) != CT_OK ||
        (st = ct_store_member_erase(txn, &m, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
    /*
     * Old page images stay in the WAL until a checkpoint copies them back;
     * truncate it now.
     */
    if (st == CT_OK)
        ct_store_checkpoint(store);
out:
    ct_txn_rollback(txn);
    (void)ct_store_secure_delete(store, false, NULL);
    wipe(m.email);
    wipe(m.name);
    ct_member_clear(&m);
    return st;
}

/* ---- exclusions -------------------------------------------------------- */

/* Look up both members of a pair. OUT: *a < *b, the two ids. */
static enum ct_status
lookup_pair(struct ct_txn *txn, const char *email1, const char *email2, int64_t *a, int64_t *b,
            struct ct_error *err)
{
    enum ct_status st;
    int64_t id1, id2;

    if ((st = lookup_member(txn, email1, &id1, NULL, err)) != CT_OK ||
        (st = lookup_member(txn, email2, &id2, NULL, err)) != CT_OK)
        return st;
    if (id1 == id2)
        return ct_error_set(err, CT_EUSAGE, "%s and %s are the same member", email1, email2);
    *a = id1 < id2 ? id1 : id2;
    *b = id1 < id2 ? id2 : id1;
    return CT_OK;
}

/* Add (add) or remove the exclusion of a pair, in one transaction. */
static enum ct_status
exclusion_change(struct ct_store *store, bool add, const char *email1, const char *email2,
                 int64_t now, bool *changed, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st;
    int64_t a = 0, b = 0;

    *changed = false;
    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        return st;
    if ((st = lookup_pair(txn, email1, email2, &a, &b, err)) != CT_OK)
        goto out;
    st = add ? ct_store_exclusion_add(txn, a, b, now, changed, err)
             : ct_store_exclusion_remove(txn, a, b, changed, err);
    if (st != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    if (st != CT_OK)
        *changed = false;
    return st;
}

enum ct_status
ct_members_exclusion_add(struct ct_store *store, const char *email1, const char *email2,
                         int64_t now, bool *added, struct ct_error *err)
{
    return exclusion_change(store, true, email1, email2, now, added, err);
}

enum ct_status
ct_members_exclusion_remove(struct ct_store *store, const char *email1, const char *email2,
                            bool *removed, struct ct_error *err)
{
    return exclusion_change(store, false, email1, email2, 0, removed, err);
}

enum ct_status
ct_members_exclusion_list(struct ct_store *store, struct ct_exclusion_list **out,
                          struct ct_error *err)
{
    return ct_store_exclusions_load(store, out, err);
}

/* "SIZE:HASH" of a file's bytes: FNV-1a, 64 bits (recognising a file again, not security). */
static void
file_fingerprint(const void *data, size_t len, char *out, size_t size)
{
    const unsigned char *p = data;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    snprintf(out, size, "%zu:%016llx", len, (unsigned long long)h);
}

/* The notice's text: what the refused sync would have done, and what to do. */
static void
refused_text(struct ct_buf *b, const struct ct_sync_result *r, const char *source)
{
    size_t i, shown = 0;

    ct_buf_printf(b,
                  "The scheduled roster refresh from %s was refused: it would mark %zu of the %zu "
                  "current members left, more than [roster] max_left allows (%zu).\n\n"
                  "Nothing changed: the members stay as they were, and you will not get this "
                  "mail again for the same file.\n\n",
                  source, r->left, r->current, r->max_left);
    for (i = 0; i < r->changes_count && shown < 10; i++) {
        if (r->changes[i].kind != CT_CHANGE_LEAVE)
            continue;
        ct_buf_printf(b, "%s%s\n", shown == 0 ? "Among those the file no longer lists:\n" : "",
                      r->changes[i].email);
        shown++;
    }
    if (r->left > shown)
        ct_buf_printf(b, "and %zu more.\n", r->left - shown);
    ct_buf_printf(b, "\nIf the file is wrong, correct it at its source. If it is right, see "
                     "what it changes and apply it:\n\n"
                     "    coffeetrial roster import --dry-run\n"
                     "    coffeetrial roster import --yes\n");
}

enum ct_status
ct_members_sync_refused_notice(struct ct_store *store, const struct ct_config *cfg,
                               const struct ct_sync_result *result, const char *source,
                               const void *data, size_t len, int64_t now, bool *queued,
                               struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    struct ct_buf text;
    char fingerprint[64], *last = NULL, *subject = NULL, *key = NULL;
    enum ct_status st;

    *queued = false;
    ct_buf_init(&text);
    file_fingerprint(data, len, fingerprint, sizeof(fingerprint));
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        goto out;
    st = ct_store_meta_get(ct_txn_store(txn), META_REFUSED, &last, err);
    if (st != CT_OK || (last != NULL && strcmp(last, fingerprint) == 0))
        goto out;
    refused_text(&text, result, source);
    subject = ct_asprintf("%s: roster refresh refused (%zu of %zu members would leave)",
                          cfg->network.name, result->left, result->current);
    key = ct_asprintf("roster-refused-%s-%lld", fingerprint, (long long)now);
    if (text.failed || subject == NULL || key == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = ct_notice_queue_organiser(txn, cfg, key, subject, text.data, now, err)) != CT_OK ||
        (st = ct_store_meta_set(txn, META_REFUSED, fingerprint, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
    *queued = st == CT_OK;
out:
    ct_txn_rollback(txn);
    ct_buf_free(&text);
    free(last);
    free(subject);
    free(key);
    return st;
}
