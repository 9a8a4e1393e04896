/*
 * members.c: members, roster sync and exclusions in the store; see
 * members.h. The sync reads the whole members table once into memory and
 * diffs it against the roster, so a 100,000-member import is a single pass
 * of prepared-statement writes in one transaction, not a query per row.
 */
#include "store_impl.h"
#include "members.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "util.h"
#include "validate.h"

#define ERASED_PLACEHOLDER "[erased]"

/* ---- small helpers ---------------------------------------------------- */

static const char *
status_intern(const char *s)
{
    if (s == NULL)
        return NULL;
    if (strcmp(s, "active") == 0)
        return "active";
    if (strcmp(s, "paused") == 0)
        return "paused";
    if (strcmp(s, "left") == 0)
        return "left";
    if (strcmp(s, "erased") == 0)
        return "erased";
    return NULL;
}

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

/* Two statuses, either possibly NULL. */
static bool
status_eq(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
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

static void
bind_text_or_null(sqlite3_stmt *stmt, int index, const char *s)
{
    if (s == NULL || *s == '\0')
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_text(stmt, index, s, -1, SQLITE_STATIC);
}

/*
 * Find a member by e-mail (never an erased one). OUT: *id and *status
 * (static). CT_ENOTFOUND names the address.
 */
static enum ct_status
lookup_member(struct ct_store *store, const char *email, int64_t *id, const char **status,
              struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(store,
                          "SELECT id, status FROM members WHERE email = ?1 AND status <> 'erased'",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(stmt, 0);
        if (status)
            *status = status_intern((const char *)sqlite3_column_text(stmt, 1));
        st = CT_OK;
    } else if (rc == SQLITE_DONE) {
        st = ct_error_set(err, CT_ENOTFOUND, "no member with e-mail %s", email);
    } else {
        st = ct_store_error(store, err, "look up member");
    }
    sqlite3_finalize(stmt);
    return st;
}

/* ---- an arena for the sync's many small strings ----------------------- */

struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t cap;
    char data[];
};

struct arena {
    struct arena_block *head;
};

#define ARENA_BLOCK 65536

static char *
arena_strdup(struct arena *a, const char *s)
{
    struct arena_block *b = a->head;
    size_t len;

    if (s == NULL)
        return NULL;
    len = strlen(s) + 1;
    if (b == NULL || b->cap - b->used < len) {
        size_t cap = len > ARENA_BLOCK ? len : ARENA_BLOCK;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    memcpy(b->data + b->used, s, len);
    b->used += len;
    return b->data + b->used - len;
}

static void
arena_free(struct arena *a)
{
    while (a->head) {
        struct arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
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
    int64_t id;
    char *email, *name, *organisation, *team, *site, *role, *timezone;
    const char *status;        /* static */
    const char *roster_status; /* static or NULL */
    int frequency;
    size_t entry; /* index of the roster entry naming them, or SIZE_MAX */
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
    struct ct_txn *txn; /* the import's, NULL in a dry run */
    const struct ct_roster *roster;
    const struct ct_sync_options *opts;
    struct arena arena;
    struct known *known;
    size_t known_count, known_cap;
    struct email_map map;
    size_t *entry_node;     /* roster entry -> node */
    unsigned *node_changes; /* node -> CT_FIELD_TIES etc. from the tie diff */
    int64_t *node_id;       /* node -> members.id once written */
    struct pairs old_ties, new_ties, tie_removed, tie_added;
    unsigned *entry_fields;     /* entry -> changed fields */
    bool *entry_status_changes; /* entry -> status to be set from the roster */
    bool has[CT_COL_COUNT];     /* the file has this column; absent ones are not its to change */
};

static void
sync_free(struct sync *s)
{
    arena_free(&s->arena);
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
}

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

/* Read every member that is not erased, ordered by id. */
static enum ct_status
load_known(struct sync *s, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(
        s->store,
        "SELECT id, email, name, organisation, team, site, role, timezone, status,"
        " roster_status, frequency FROM members WHERE status <> 'erased' ORDER BY id",
        &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct known *k;
        if (s->known_count == s->known_cap) {
            size_t cap = s->known_cap ? s->known_cap * 2 : 1024;
            struct known *items = realloc(s->known, cap * sizeof(*items));
            if (items == NULL) {
                st = nomem(err);
                goto out;
            }
            s->known = items;
            s->known_cap = cap;
        }
        k = &s->known[s->known_count];
        memset(k, 0, sizeof(*k));
        k->id = sqlite3_column_int64(stmt, 0);
        k->email = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 1));
        k->name = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 2));
        k->organisation = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 3));
        k->team = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 4));
        k->site = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 5));
        k->role = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 6));
        k->timezone = arena_strdup(&s->arena, (const char *)sqlite3_column_text(stmt, 7));
        k->status = status_intern((const char *)sqlite3_column_text(stmt, 8));
        k->roster_status = status_intern((const char *)sqlite3_column_text(stmt, 9));
        k->frequency = sqlite3_column_int(stmt, 10);
        k->entry = SIZE_MAX;
        if (k->email == NULL || k->status == NULL) {
            /* Only an allocation can fail here: email is set unless erased. */
            st = nomem(err);
            goto out;
        }
        s->known_count++;
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(s->store, err, "read members");
out:
    sqlite3_finalize(stmt);
    return st;
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
        email_map_put(&s->map, s->known[i].email, i);
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

static int
known_id_cmp(const void *key, const void *elem)
{
    int64_t id = *(const int64_t *)key;
    const struct known *k = elem;

    return id < k->id ? -1 : id > k->id ? 1 : 0;
}

static bool
node_in_file(const struct sync *s, size_t node)
{
    return node >= s->known_count || s->known[node].entry != SIZE_MAX;
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
    const struct ct_roster *r = s->roster;
    sqlite3_stmt *stmt = NULL;
    size_t i, j, nodes = s->known_count + r->count;
    enum ct_status st;
    int rc;

    s->node_changes = calloc(nodes + 1, sizeof(*s->node_changes));
    if (s->node_changes == NULL)
        return nomem(err);
    if (!s->has[CT_COL_TIES])
        return CT_OK; /* a file without the column says nothing about ties */
    st = ct_store_prepare(s->store, "SELECT a, b FROM ties", &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t a = sqlite3_column_int64(stmt, 0), b = sqlite3_column_int64(stmt, 1);
        const struct known *ka, *kb;
        ka = bsearch(&a, s->known, s->known_count, sizeof(*s->known), known_id_cmp);
        kb = bsearch(&b, s->known, s->known_count, sizeof(*s->known), known_id_cmp);
        if (ka == NULL || kb == NULL)
            continue; /* erasure deletes ties; nothing else can point nowhere */
        /* The file speaks only for pairs it can name: both members in it. */
        if (!node_in_file(s, (size_t)(ka - s->known)) || !node_in_file(s, (size_t)(kb - s->known)))
            continue;
        if (!pairs_add(&s->old_ties, (size_t)(ka - s->known), (size_t)(kb - s->known))) {
            st = nomem(err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(s->store, err, "read ties");
        goto out;
    }
    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        for (j = 0; j < e->ties_count; j++) {
            size_t other = email_map_get(&s->map, e->ties[j]);
            if (other == SIZE_MAX || other == s->entry_node[i] || !node_in_file(s, other))
                continue;
            if (!pairs_add(&s->new_ties, s->entry_node[i], other)) {
                st = nomem(err);
                goto out;
            }
        }
    }
    pairs_sort_unique(&s->old_ties);
    pairs_sort_unique(&s->new_ties);
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
        if (!pairs_add(into, p->a, p->b)) {
            st = nomem(err);
            goto out;
        }
        s->node_changes[p->a] |= CT_FIELD_TIES;
        s->node_changes[p->b] |= CT_FIELD_TIES;
    }
out:
    sqlite3_finalize(stmt);
    return st;
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
        const char *declared = ct_member_status_str(e->status);
        const struct known *k;
        unsigned f = 0;

        if (node >= s->known_count) {
            res->added++;
            st = add_change(res, CT_CHANGE_ADD, e->email, 0, e->line, err);
            if (st != CT_OK)
                return st;
            continue;
        }
        k = &s->known[node];
        if (strcmp(k->email, e->email) != 0)
            f |= CT_FIELD_EMAIL;
        if (!field_eq(k->name, e->name))
            f |= CT_FIELD_NAME;
        if (!field_eq(k->organisation, e->organisation))
            f |= CT_FIELD_ORGANISATION;
        if (s->has[CT_COL_TEAM] && !field_eq(k->team, e->team))
            f |= CT_FIELD_TEAM;
        if (s->has[CT_COL_SITE] && !field_eq(k->site, e->site))
            f |= CT_FIELD_SITE;
        if (s->has[CT_COL_ROLE] && !field_eq(k->role, e->role))
            f |= CT_FIELD_ROLE;
        if (s->has[CT_COL_TIMEZONE] && !field_eq(k->timezone, e->timezone))
            f |= CT_FIELD_TIMEZONE;
        if (s->has[CT_COL_FREQUENCY] && k->frequency != (int)e->frequency)
            f |= CT_FIELD_FREQUENCY;
        /*
         * The roster's status wins only when it differs from what the
         * roster said last time: a CLI pause or removal is kept while the
         * file keeps saying the same thing.
         */
        if (s->has[CT_COL_STATUS] && !status_eq(k->roster_status, declared) &&
            strcmp(k->status, declared) != 0) {
            f |= CT_FIELD_STATUS;
            s->entry_status_changes[i] = true;
        }
        f |= s->node_changes[node];
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
        if (k->entry != SIZE_MAX || strcmp(k->status, "left") == 0)
            continue;
        res->left++;
        st = add_change(res, CT_CHANGE_LEAVE, k->email, 0, 0, err);
        if (st != CT_OK)
            return st;
    }
    return CT_OK;
}

/* Write what plan_changes() decided. Runs inside the transaction. */
/* The caller's hook for a member this import makes left, if any. */
static enum ct_status
leaving(struct sync *s, int64_t id, struct ct_error *err)
{
    const struct ct_member_hook *hook = s->opts->hook;

    if (hook == NULL || hook->leaving == NULL)
        return CT_OK;
    return hook->leaving(hook->arg, s->txn, id, false, ct_now(), err);
}

static enum ct_status
apply_changes(struct sync *s, struct ct_sync_result *res, struct ct_error *err)
{
    const struct ct_roster *r = s->roster;
    sqlite3_stmt *insert = NULL, *update = NULL, *roster_status = NULL, *leave = NULL;
    sqlite3_stmt *tie_del = NULL, *tie_ins = NULL, *import = NULL;
    sqlite3 *db = ct_store_db(s->store);
    int64_t now = ct_now();
    enum ct_status st;
    size_t i;

    s->node_id = calloc(s->known_count + r->count + 1, sizeof(*s->node_id));
    if (s->node_id == NULL)
        return nomem(err);
    for (i = 0; i < s->known_count; i++)
        s->node_id[i] = s->known[i].id;
    if ((st = ct_store_prepare(
             s->store,
             "INSERT INTO members(email, name, organisation, team, site, role, timezone,"
             " status, roster_status, frequency, created_at, updated_at)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?10)",
             &insert, err)) != CT_OK ||
        (st = ct_store_prepare(
             s->store,
             "UPDATE members SET email = ?1, name = ?2, organisation = ?3, team = ?4,"
             " site = ?5, role = ?6, timezone = ?7,"
             " status = CASE WHEN ?11 THEN ?8 ELSE status END,"
             " paused_until = CASE WHEN ?11 THEN NULL ELSE paused_until END,"
             " roster_status = ?8, frequency = ?9, updated_at = ?10 WHERE id = ?12",
             &update, err)) != CT_OK ||
        (st = ct_store_prepare(s->store, "UPDATE members SET roster_status = ?1 WHERE id = ?2",
                               &roster_status, err)) != CT_OK ||
        (st = ct_store_prepare(s->store,
                               "UPDATE members SET status = 'left', roster_status = 'left',"
                               " paused_until = NULL, updated_at = ?1 WHERE id = ?2",
                               &leave, err)) != CT_OK ||
        (st = ct_store_prepare(s->store, "DELETE FROM ties WHERE a = ?1 AND b = ?2", &tie_del,
                               err)) != CT_OK ||
        (st = ct_store_prepare(s->store, "INSERT INTO ties(a, b) VALUES (?1, ?2)", &tie_ins,
                               err)) != CT_OK ||
        (st = ct_store_prepare(
             s->store,
             "INSERT INTO imports(at, source, mode, rows, added, updated, left_count,"
             " unchanged) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
             &import, err)) != CT_OK)
        goto out;

    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        size_t node = s->entry_node[i];
        const char *declared = ct_member_status_str(e->status);
        const struct known *k;
        sqlite3_stmt *stmt;

        if (node >= s->known_count) {
            stmt = insert;
            sqlite3_bind_text(stmt, 1, e->email, -1, SQLITE_STATIC);
            bind_text_or_null(stmt, 2, e->name);
            bind_text_or_null(stmt, 3, e->organisation);
            bind_text_or_null(stmt, 4, e->team);
            bind_text_or_null(stmt, 5, e->site);
            bind_text_or_null(stmt, 6, e->role);
            bind_text_or_null(stmt, 7, e->timezone);
            sqlite3_bind_text(stmt, 8, declared, -1, SQLITE_STATIC);
            sqlite3_bind_int(stmt, 9, (int)e->frequency);
            sqlite3_bind_int64(stmt, 10, now);
            if ((st = ct_store_step_done(s->store, stmt, "add member", err)) != CT_OK)
                goto out;
            s->node_id[node] = sqlite3_last_insert_rowid(db);
            continue;
        }
        k = &s->known[node];
        if (s->entry_status_changes[i] && e->status == CT_MEMBER_LEFT &&
            strcmp(k->status, "left") != 0 && (st = leaving(s, k->id, err)) != CT_OK)
            goto out;
        if (s->entry_fields[i] & ~(unsigned)CT_FIELD_TIES) {
            stmt = update;
            sqlite3_bind_text(stmt, 1, e->email, -1, SQLITE_STATIC);
            bind_text_or_null(stmt, 2, e->name);
            bind_text_or_null(stmt, 3, e->organisation);
            /* A column the file lacks keeps what the store has. */
            bind_text_or_null(stmt, 4, s->has[CT_COL_TEAM] ? e->team : k->team);
            bind_text_or_null(stmt, 5, s->has[CT_COL_SITE] ? e->site : k->site);
            bind_text_or_null(stmt, 6, s->has[CT_COL_ROLE] ? e->role : k->role);
            bind_text_or_null(stmt, 7, s->has[CT_COL_TIMEZONE] ? e->timezone : k->timezone);
            bind_text_or_null(stmt, 8, s->has[CT_COL_STATUS] ? declared : k->roster_status);
            sqlite3_bind_int(stmt, 9, s->has[CT_COL_FREQUENCY] ? (int)e->frequency : k->frequency);
            sqlite3_bind_int64(stmt, 10, now);
            sqlite3_bind_int(stmt, 11, s->entry_status_changes[i]);
            sqlite3_bind_int64(stmt, 12, k->id);
            if ((st = ct_store_step_done(s->store, stmt, "update member", err)) != CT_OK)
                goto out;
        } else if (s->has[CT_COL_STATUS] && !status_eq(k->roster_status, declared)) {
            /* Nothing visible changes; remember what the roster said. */
            sqlite3_bind_text(roster_status, 1, declared, -1, SQLITE_STATIC);
            sqlite3_bind_int64(roster_status, 2, k->id);
            if ((st = ct_store_step_done(s->store, roster_status, "update member", err)) != CT_OK)
                goto out;
        }
    }
    if (!s->opts->merge) {
        for (i = 0; i < s->known_count; i++) {
            const struct known *k = &s->known[i];
            if (k->entry != SIZE_MAX)
                continue;
            if (strcmp(k->status, "left") != 0) {
                if ((st = leaving(s, k->id, err)) != CT_OK)
                    goto out;
                sqlite3_bind_int64(leave, 1, now);
                sqlite3_bind_int64(leave, 2, k->id);
                if ((st = ct_store_step_done(s->store, leave, "mark member left", err)) != CT_OK)
                    goto out;
            } else if (!status_eq(k->roster_status, "left")) {
                sqlite3_bind_text(roster_status, 1, "left", -1, SQLITE_STATIC);
                sqlite3_bind_int64(roster_status, 2, k->id);
                if ((st = ct_store_step_done(s->store, roster_status, "update member", err)) !=
                    CT_OK)
                    goto out;
            }
        }
    }
    for (i = 0; i < s->tie_removed.count; i++) {
        int64_t a = s->node_id[s->tie_removed.items[i].a];
        int64_t b = s->node_id[s->tie_removed.items[i].b];
        sqlite3_bind_int64(tie_del, 1, a < b ? a : b);
        sqlite3_bind_int64(tie_del, 2, a < b ? b : a);
        if ((st = ct_store_step_done(s->store, tie_del, "remove tie", err)) != CT_OK)
            goto out;
    }
    for (i = 0; i < s->tie_added.count; i++) {
        int64_t a = s->node_id[s->tie_added.items[i].a];
        int64_t b = s->node_id[s->tie_added.items[i].b];
        sqlite3_bind_int64(tie_ins, 1, a < b ? a : b);
        sqlite3_bind_int64(tie_ins, 2, a < b ? b : a);
        if ((st = ct_store_step_done(s->store, tie_ins, "add tie", err)) != CT_OK)
            goto out;
    }
    sqlite3_bind_int64(import, 1, now);
    sqlite3_bind_text(import, 2, s->opts->source ? s->opts->source : "-", -1, SQLITE_STATIC);
    sqlite3_bind_text(import, 3, s->opts->merge ? "merge" : "sync", -1, SQLITE_STATIC);
    sqlite3_bind_int64(import, 4, (int64_t)res->rows);
    sqlite3_bind_int64(import, 5, (int64_t)res->added);
    sqlite3_bind_int64(import, 6, (int64_t)res->updated);
    sqlite3_bind_int64(import, 7, (int64_t)res->left);
    sqlite3_bind_int64(import, 8, (int64_t)res->unchanged);
    if ((st = ct_store_step_done(s->store, import, "record import", err)) != CT_OK)
        goto out;
    res->import_id = sqlite3_last_insert_rowid(db);
out:
    sqlite3_finalize(insert);
    sqlite3_finalize(update);
    sqlite3_finalize(roster_status);
    sqlite3_finalize(leave);
    sqlite3_finalize(tie_del);
    sqlite3_finalize(tie_ins);
    sqlite3_finalize(import);
    return st;
}

/* The connection's page cache setting (PRAGMA cache_size), 0 if unknown. */
static int
cache_size(struct ct_store *store)
{
    sqlite3_stmt *stmt = NULL;
    int pages = 0;

    if (ct_store_prepare(store, "PRAGMA cache_size", &stmt, NULL) == CT_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        pages = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return pages;
}

/* Best effort: a failure only costs speed. */
static void
set_cache_size(struct ct_store *store, int pages)
{
    char sql[48];

    snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", pages);
    (void)sqlite3_exec(ct_store_db(store), sql, NULL, NULL, NULL);
}

enum ct_status
ct_members_sync(struct ct_store *store, const struct ct_roster *roster,
                const struct ct_sync_options *opts, struct ct_sync_result **out,
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
    for (i = 0; i < CT_COL_COUNT; i++)
        s.has[i] = ct_roster_has_column(roster, (enum ct_roster_column)i);
    res = calloc(1, sizeof(*res));
    if (res == NULL)
        return nomem(err);
    /* A dry run only reads, in one snapshot; a real one holds the write lock throughout. */
    if (opts->dry_run) {
        if (sqlite3_exec(ct_store_db(store), "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
            st = ct_store_error(store, err, "begin transaction");
            goto out;
        }
    } else if ((st = ct_txn_begin(store, &s.txn, err)) != CT_OK) {
        goto out;
    }
    if ((st = load_known(&s, err)) != CT_OK || (st = match_entries(&s, err)) != CT_OK ||
        (st = diff_ties(&s, err)) != CT_OK || (st = plan_changes(&s, res, err)) != CT_OK)
        goto out;
    if (opts->dry_run) {
        ct_store_rollback(store);
        goto out;
    }
    /*
     * New members land all over the e-mail index. With SQLite's default
     * 2 MB page cache, a large import spills dirty pages to the WAL and
     * rewrites them; 16 MB cuts the system time of a 100,000-member import
     * by half. The connection's own setting comes back afterwards.
     */
    cache_pages = cache_size(store);
    set_cache_size(store, -16384);
    if ((st = apply_changes(&s, res, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(s.txn, err);
    s.txn = NULL;
out:
    if (st != CT_OK) {
        if (s.txn)
            ct_txn_rollback(s.txn);
        else
            ct_store_rollback(store);
        ct_sync_result_free(res);
        res = NULL;
    }
    if (cache_pages != 0)
        set_cache_size(store, cache_pages);
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

#define MEMBER_COLUMNS                                                                             \
    "id, email, name, organisation, team, site, role, timezone, status, paused_until,"             \
    " frequency, unanswered, created_at, updated_at"

static bool
member_from_row(sqlite3_stmt *stmt, struct ct_member *m)
{
    bool failed = false;
    int freq;

    memset(m, 0, sizeof(*m));
    m->id = sqlite3_column_int64(stmt, 0);
    m->email = ct_store_column_dup(stmt, 1, &failed);
    m->name = ct_store_column_dup(stmt, 2, &failed);
    m->organisation = ct_store_column_dup(stmt, 3, &failed);
    m->team = ct_store_column_dup(stmt, 4, &failed);
    m->site = ct_store_column_dup(stmt, 5, &failed);
    m->role = ct_store_column_dup(stmt, 6, &failed);
    m->timezone = ct_store_column_dup(stmt, 7, &failed);
    if (!ct_store_member_status_from_sql((const char *)sqlite3_column_text(stmt, 8), &m->status))
        m->status = CT_MEMBER_ACTIVE;
    m->paused_until = ct_store_column_dup(stmt, 9, &failed);
    freq = sqlite3_column_int(stmt, 10);
    m->frequency = freq == 2 ? CT_FREQ_BIMONTHLY : freq == 3 ? CT_FREQ_QUARTERLY : CT_FREQ_MONTHLY;
    m->unanswered = sqlite3_column_int(stmt, 11);
    m->created_at = sqlite3_column_int64(stmt, 12);
    m->updated_at = sqlite3_column_int64(stmt, 13);
    return !failed;
}

static bool
member_add_tie(struct ct_member *m, const char *email)
{
    char **ties;
    char *copy = strdup(email);

    if (copy == NULL)
        return false;
    /* Grow by doubling: capacity is the next power of two of the count. */
    if ((m->ties_count & (m->ties_count - 1)) == 0) {
        ties = realloc(m->ties, (m->ties_count ? m->ties_count * 2 : 1) * sizeof(*ties));
        if (ties == NULL) {
            free(copy);
            return false;
        }
        m->ties = ties;
    }
    m->ties[m->ties_count++] = copy;
    return true;
}

/* Both directions of every tie: (member id, the other's e-mail), by id then e-mail. */
#define TIES_QUERY(where_a, where_b)                                                               \
    "SELECT t.a, m.email FROM ties t JOIN members m ON m.id = t.b"                                 \
    " WHERE m.email IS NOT NULL" where_a " UNION ALL "                                             \
    "SELECT t.b, m.email FROM ties t JOIN members m ON m.id = t.a"                                 \
    " WHERE m.email IS NOT NULL" where_b " ORDER BY 1, 2"

struct id_index {
    int64_t id;
    size_t index;
};

static int
id_index_cmp(const void *x, const void *y)
{
    const struct id_index *p = x, *q = y;

    return p->id < q->id ? -1 : p->id > q->id ? 1 : 0;
}

static enum ct_status
attach_ties(struct ct_store *store, struct ct_member_list *list, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct id_index *by_id;
    enum ct_status st = CT_OK;
    size_t i;
    int rc;

    by_id = malloc((list->count + 1) * sizeof(*by_id));
    if (by_id == NULL)
        return nomem(err);
    for (i = 0; i < list->count; i++) {
        by_id[i].id = list->items[i].id;
        by_id[i].index = i;
    }
    qsort(by_id, list->count, sizeof(*by_id), id_index_cmp);
    st = ct_store_prepare(store, TIES_QUERY("", ""), &stmt, err);
    if (st != CT_OK)
        goto out;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct id_index key = {sqlite3_column_int64(stmt, 0), 0};
        const struct id_index *hit =
            bsearch(&key, by_id, list->count, sizeof(*by_id), id_index_cmp);
        if (hit == NULL)
            continue; /* a member outside the listed statuses */
        if (!member_add_tie(&list->items[hit->index], (const char *)sqlite3_column_text(stmt, 1))) {
            st = nomem(err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read ties");
out:
    sqlite3_finalize(stmt);
    free(by_id);
    return st;
}

enum ct_status
ct_members_list(struct ct_store *store, unsigned statuses, struct ct_member_list **out,
                struct ct_error *err)
{
    struct ct_member_list *list;
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return nomem(err);
    st = ct_store_prepare(store,
                          "SELECT " MEMBER_COLUMNS " FROM members WHERE"
                          " ((?1 & 1) AND status = 'active') OR ((?1 & 2) AND status = 'paused')"
                          " OR ((?1 & 4) AND status = 'left') ORDER BY email",
                          &stmt, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_int(stmt, 1, (int)statuses);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (list->count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct ct_member *items = realloc(list->items, ncap * sizeof(*items));
            if (items == NULL) {
                st = nomem(err);
                goto out;
            }
            list->items = items;
            cap = ncap;
        }
        if (!member_from_row(stmt, &list->items[list->count++])) {
            st = nomem(err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read members");
        goto out;
    }
    st = attach_ties(store, list, err);
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_member_list_free(list);
        list = NULL;
    }
    *out = list;
    return st;
}

void
ct_member_list_free(struct ct_member_list *list)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < list->count; i++)
        ct_member_clear(&list->items[i]);
    free(list->items);
    free(list);
}

enum ct_status
ct_members_find(struct ct_store *store, const char *email, struct ct_member **out,
                struct ct_error *err)
{
    struct ct_member *m;
    sqlite3_stmt *stmt = NULL, *ties = NULL;
    enum ct_status st;
    int rc;

    *out = NULL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return nomem(err);
    st = ct_store_prepare(
        store, "SELECT " MEMBER_COLUMNS " FROM members WHERE email = ?1 AND status <> 'erased'",
        &stmt, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        st = ct_error_set(err, CT_ENOTFOUND, "no member with e-mail %s", email);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        st = ct_store_error(store, err, "read member");
        goto out;
    }
    if (!member_from_row(stmt, m)) {
        st = nomem(err);
        goto out;
    }
    st = ct_store_prepare(store, TIES_QUERY(" AND t.a = ?1", " AND t.b = ?1"), &ties, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_int64(ties, 1, m->id);
    while ((rc = sqlite3_step(ties)) == SQLITE_ROW) {
        if (!member_add_tie(m, (const char *)sqlite3_column_text(ties, 1))) {
            st = nomem(err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read ties");
out:
    sqlite3_finalize(stmt);
    sqlite3_finalize(ties);
    if (st != CT_OK) {
        ct_member_free(m);
        m = NULL;
    }
    *out = m;
    return st;
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
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    const char *last;

    memset(out, 0, sizeof(*out));
    st = ct_store_prepare(
        store,
        "SELECT"
        " (SELECT count(*) FROM group_members gm JOIN groups g ON g.id = gm.group_id"
        "   WHERE gm.member_id = ?1 AND g.state = 'sent'),"
        " (SELECT count(*) FROM group_members gm JOIN groups g ON g.id = gm.group_id"
        "   WHERE gm.member_id = ?1 AND g.state = 'planned'),"
        " (SELECT count(*) FROM group_members gm JOIN outcomes o"
        "   ON o.group_id = gm.group_id WHERE gm.member_id = ?1 AND o.met = 1),"
        " (SELECT count(*) FROM group_members gm"
        "   WHERE gm.member_id = ?1 AND gm.partstat = 'ACCEPTED'),"
        " (SELECT max(r.date) FROM group_members gm JOIN groups g ON g.id = gm.group_id"
        "   JOIN rounds r ON r.id = g.round_id"
        "   WHERE gm.member_id = ?1 AND g.state = 'sent'),"
        " (SELECT count(*) FROM exclusions WHERE a = ?1 OR b = ?1)",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        st = ct_store_error(store, err, "read member history");
        goto out;
    }
    out->groups = (long)sqlite3_column_int64(stmt, 0);
    out->groups_planned = (long)sqlite3_column_int64(stmt, 1);
    out->met = (long)sqlite3_column_int64(stmt, 2);
    out->accepted = (long)sqlite3_column_int64(stmt, 3);
    last = (const char *)sqlite3_column_text(stmt, 4);
    if (last)
        snprintf(out->last_round, sizeof(out->last_round), "%s", last);
    out->exclusions = (long)sqlite3_column_int64(stmt, 5);
out:
    sqlite3_finalize(stmt);
    return st;
}

/* ---- status changes ---------------------------------------------------- */

/* Run one UPDATE of a member's row (?1 = id, ?2 = now, ?3 = text). */
static enum ct_status
update_member(struct ct_store *store, const char *sql, int64_t id, const char *text,
              const char *doing, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, ct_now());
    if (text)
        sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_members_pause(struct ct_store *store, const char *email, const char *until, int32_t today,
                 struct ct_error *err)
{
    const char *status = NULL, *why;
    enum ct_status st;
    int32_t days;
    int64_t id;
    char today_str[11];

    if (until) {
        why = ct_parse_date(until, &days);
        if (why)
            return ct_error_set(err, CT_EUSAGE, "pause date %s: %s", until, why);
        if (days <= today) {
            ct_format_date(today, today_str);
            return ct_error_set(err, CT_EUSAGE, "pause date %s is not in the future (today is %s)",
                                until, today_str);
        }
    }
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    st = lookup_member(store, email, &id, &status, err);
    if (st != CT_OK)
        goto out;
    if (status && strcmp(status, "left") == 0) {
        st = ct_error_set(err, CT_ESTATE,
                          "%s has left the network; resume them first to make them active", email);
        goto out;
    }
    st = update_member(store,
                       "UPDATE members SET status = 'paused', paused_until = ?3,"
                       " updated_at = ?2 WHERE id = ?1",
                       id, until, "pause member", err);
    if (st != CT_OK)
        goto out;
    st = ct_store_commit(store, err);
out:
    if (st != CT_OK)
        ct_store_rollback(store);
    return st;
}

/*
 * Set a member's status to to (clearing any pause date); *changed false if
 * already so. hook, if any, runs first in the same transaction.
 */
static enum ct_status
change_status(struct ct_store *store, const char *email, const char *to,
              const struct ct_member_hook *hook, bool *changed, struct ct_error *err)
{
    const char *status = NULL;
    struct ct_txn *txn = NULL;
    enum ct_status st;
    int64_t id;

    *changed = false;
    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        return st;
    st = lookup_member(store, email, &id, &status, err);
    if (st != CT_OK)
        goto out;
    if (status && strcmp(status, to) == 0) {
        ct_txn_rollback(txn);
        return CT_OK;
    }
    if (hook && hook->leaving &&
        (st = hook->leaving(hook->arg, txn, id, false, ct_now(), err)) != CT_OK)
        goto out;
    st = update_member(store,
                       "UPDATE members SET status = ?3, paused_until = NULL, updated_at = ?2"
                       " WHERE id = ?1",
                       id, to, "update member", err);
    if (st != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
    *changed = st == CT_OK;
out:
    if (st != CT_OK)
        ct_txn_rollback(txn);
    return st;
}

enum ct_status
ct_members_resume(struct ct_store *store, const char *email, bool *changed, struct ct_error *err)
{
    return change_status(store, email, "active", NULL, changed, err);
}

enum ct_status
ct_members_remove(struct ct_store *store, const char *email, const struct ct_member_hook *hook,
                  bool *changed, struct ct_error *err)
{
    return change_status(store, email, "left", hook, changed, err);
}

enum ct_status
ct_members_expire_pauses(struct ct_store *store, int32_t today, size_t *resumed,
                         struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    char date[11];

    if (resumed)
        *resumed = 0;
    ct_format_date(today, date);
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    st = ct_store_prepare(
        store,
        "UPDATE members SET status = 'active', paused_until = NULL, updated_at = ?1"
        " WHERE status = 'paused' AND paused_until IS NOT NULL AND paused_until <= ?2",
        &stmt, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_int64(stmt, 1, ct_now());
    sqlite3_bind_text(stmt, 2, date, -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt, "resume members", err);
    if (st != CT_OK)
        goto out;
    if (resumed)
        *resumed = (size_t)sqlite3_changes(ct_store_db(store));
    st = ct_store_commit(store, err);
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        ct_store_rollback(store);
    return st;
}

/* ---- erasure ----------------------------------------------------------- */

/*
 * The statements of an erasure, in order. ?1 = member id, ?2 = their
 * e-mail, ?3 = their name ('' if none), ?4 = now. Text that may quote them
 * in the other members' messages and notes of their groups has ?2 and ?3
 * replaced; an empty ?3 leaves it alone.
 */
/* clang-format off */
#define SCRUB(col) \
    col " = replace(CASE WHEN ?3 = '' THEN " col " ELSE replace(" col ", ?3, '" \
    ERASED_PLACEHOLDER "') END, ?2, '" ERASED_PLACEHOLDER "')"

static const char *const erase_sql[] = {
    "DELETE FROM ties WHERE a = ?1 OR b = ?1",
    "DELETE FROM exclusions WHERE a = ?1 OR b = ?1",
    /* Mail not sent yet will not be: it is dropped. */
    "DELETE FROM outbox WHERE (member_id = ?1 OR recipient = ?2 COLLATE NOCASE)"
    " AND state IN ('queued', 'sending')",
    "UPDATE outbox SET recipient = '" ERASED_PLACEHOLDER "',"
    " subject = '" ERASED_PLACEHOLDER "', text_body = '" ERASED_PLACEHOLDER "',"
    " html_body = NULL, ics = NULL, last_error = NULL,"
    " message = CAST('" ERASED_PLACEHOLDER "' AS BLOB)"
    " WHERE member_id = ?1 OR recipient = ?2 COLLATE NOCASE",
    /*
     * The partners' copies of their groups' invitations name them too. The
     * raw message may hold them encoded (base64, RFC 2047), where no text
     * search finds them, so the raw copy is replaced as well.
     */
    "UPDATE outbox SET "
    SCRUB("subject") ", " SCRUB("text_body") ", " SCRUB("html_body") ", "
    SCRUB("ics") ", " SCRUB("last_error") ","
    " message = CAST('" ERASED_PLACEHOLDER "' AS BLOB)"
    " WHERE state IN ('sent', 'dead')"
    " AND group_id IN (SELECT group_id FROM group_members WHERE member_id = ?1)",
    "UPDATE outcomes SET " SCRUB("note")
    " WHERE note IS NOT NULL"
    " AND group_id IN (SELECT group_id FROM group_members WHERE member_id = ?1)",
    /* Calendar replies: their own comments go, their partners' lose their name. */
    "UPDATE replies SET comment = NULL WHERE member_id = ?1",
    "UPDATE replies SET " SCRUB("comment")
    " WHERE comment IS NOT NULL"
    " AND group_id IN (SELECT group_id FROM group_members WHERE member_id = ?1)",
    "UPDATE members SET email = NULL, name = NULL, team = NULL, site = NULL, role = NULL,"
    " timezone = NULL, paused_until = NULL, roster_status = NULL, status = 'erased',"
    " unanswered = 0, updated_at = ?4 WHERE id = ?1",
};
/* clang-format on */

enum ct_status
ct_members_erase(struct ct_store *store, const char *email, const struct ct_member_hook *hook,
                 struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *stmt = NULL;
    struct ct_txn *txn = NULL;
    enum ct_status st;
    char *stored_email = NULL, *name = NULL;
    int64_t id = 0;
    size_t i;
    bool failed = false;

    /* Deleted content is overwritten, not left in free pages. */
    if (sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "enable secure delete");
    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        goto out;
    st = ct_store_prepare(
        store, "SELECT id, email, name FROM members WHERE email = ?1 AND status <> 'erased'", &stmt,
        err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        id = sqlite3_column_int64(stmt, 0);
        stored_email = ct_store_column_dup(stmt, 1, &failed);
        name = ct_store_column_dup(stmt, 2, &failed);
        if (failed) {
            st = nomem(err);
            goto out;
        }
        break;
    case SQLITE_DONE:
        st = ct_error_set(err, CT_ENOTFOUND, "no member with e-mail %s", email);
        goto out;
    default: st = ct_store_error(store, err, "look up member"); goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    /* While the address is still there: what the partners must be told is queued first. */
    if (hook && hook->leaving &&
        (st = hook->leaving(hook->arg, txn, id, true, ct_now(), err)) != CT_OK)
        goto out;
    for (i = 0; i < CT_ARRAY_LEN(erase_sql); i++) {
        st = ct_store_prepare(store, erase_sql[i], &stmt, err);
        if (st != CT_OK)
            goto out;
        sqlite3_bind_int64(stmt, 1, id);
        sqlite3_bind_text(stmt, 2, stored_email, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, name ? name : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, ct_now());
        st = ct_store_step_done(store, stmt, "erase member", err);
        sqlite3_finalize(stmt);
        stmt = NULL;
        if (st != CT_OK)
            goto out;
    }
    st = ct_txn_commit(txn, err);
    txn = NULL;
    if (st == CT_OK) {
        /*
         * Old page images stay in the WAL until a checkpoint copies them
         * back; truncate it now. Best effort: a reader holding an old
         * snapshot defers it to the next checkpoint.
         */
        (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        ct_txn_rollback(txn);
    (void)sqlite3_exec(db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
    if (stored_email)
        memset(stored_email, 0, strlen(stored_email));
    if (name)
        memset(name, 0, strlen(name));
    free(stored_email);
    free(name);
    return st;
}

/* ---- exclusions -------------------------------------------------------- */

/* Look up both members of a pair. OUT: *a < *b, the two ids. */
static enum ct_status
lookup_pair(struct ct_store *store, const char *email1, const char *email2, int64_t *a, int64_t *b,
            struct ct_error *err)
{
    enum ct_status st;
    int64_t id1, id2;

    if ((st = lookup_member(store, email1, &id1, NULL, err)) != CT_OK ||
        (st = lookup_member(store, email2, &id2, NULL, err)) != CT_OK)
        return st;
    if (id1 == id2)
        return ct_error_set(err, CT_EUSAGE, "%s and %s are the same member", email1, email2);
    *a = id1 < id2 ? id1 : id2;
    *b = id1 < id2 ? id2 : id1;
    return CT_OK;
}

static enum ct_status
exclusion_write(struct ct_store *store, const char *sql, const char *email1, const char *email2,
                bool *changed, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int64_t a = 0, b = 0;

    *changed = false;
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    st = lookup_pair(store, email1, email2, &a, &b, err);
    if (st != CT_OK)
        goto out;
    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_int64(stmt, 1, a);
    sqlite3_bind_int64(stmt, 2, b);
    if (sqlite3_bind_parameter_count(stmt) >= 3)
        sqlite3_bind_int64(stmt, 3, ct_now());
    st = ct_store_step_done(store, stmt, "update exclusions", err);
    if (st != CT_OK)
        goto out;
    *changed = sqlite3_changes(ct_store_db(store)) > 0;
    st = ct_store_commit(store, err);
    if (st != CT_OK)
        *changed = false;
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        ct_store_rollback(store);
    return st;
}

enum ct_status
ct_members_exclusion_add(struct ct_store *store, const char *email1, const char *email2,
                         bool *added, struct ct_error *err)
{
    return exclusion_write(store,
                           "INSERT INTO exclusions(a, b, created_at) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT(a, b) DO NOTHING",
                           email1, email2, added, err);
}

enum ct_status
ct_members_exclusion_remove(struct ct_store *store, const char *email1, const char *email2,
                            bool *removed, struct ct_error *err)
{
    return exclusion_write(store, "DELETE FROM exclusions WHERE a = ?1 AND b = ?2", email1, email2,
                           removed, err);
}

static int
exclusion_cmp(const void *x, const void *y)
{
    const struct ct_exclusion *p = x, *q = y;
    int c = strcasecmp(p->email_a, q->email_a);

    return c ? c : strcasecmp(p->email_b, q->email_b);
}

enum ct_status
ct_members_exclusion_list(struct ct_store *store, struct ct_exclusion_list **out,
                          struct ct_error *err)
{
    struct ct_exclusion_list *list;
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return nomem(err);
    st = ct_store_prepare(store,
                          "SELECT ma.email, mb.email, e.created_at FROM exclusions e"
                          " JOIN members ma ON ma.id = e.a JOIN members mb ON mb.id = e.b"
                          " WHERE ma.email IS NOT NULL AND mb.email IS NOT NULL",
                          &stmt, err);
    if (st != CT_OK)
        goto out;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_exclusion *x;
        bool failed = false;
        if (list->count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_exclusion *items = realloc(list->items, ncap * sizeof(*items));
            if (items == NULL) {
                st = nomem(err);
                goto out;
            }
            list->items = items;
            cap = ncap;
        }
        x = &list->items[list->count++];
        x->email_a = ct_store_column_dup(stmt, 0, &failed);
        x->email_b = ct_store_column_dup(stmt, 1, &failed);
        x->created_at = sqlite3_column_int64(stmt, 2);
        if (failed) {
            st = nomem(err);
            goto out;
        }
        if (strcasecmp(x->email_a, x->email_b) > 0) {
            char *t = x->email_a;
            x->email_a = x->email_b;
            x->email_b = t;
        }
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read exclusions");
        goto out;
    }
    if (list->count > 1)
        qsort(list->items, list->count, sizeof(*list->items), exclusion_cmp);
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_exclusion_list_free(list);
        list = NULL;
    }
    *out = list;
    return st;
}

void
ct_exclusion_list_free(struct ct_exclusion_list *list)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < list->count; i++) {
        free(list->items[i].email_a);
        free(list->items[i].email_b);
    }
    free(list->items);
    free(list);
}
