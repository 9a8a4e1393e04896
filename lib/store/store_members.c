/*
 * store_members.c: the SQL of the members table family (members, ties,
 * exclusions, imports) and of erasure; see store_members.h. The one reader
 * of a member row is member_from_row().
 */
#include "store_members.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_impl.h"
#include "util.h"
#include "validate.h"

#define ERASED_PLACEHOLDER "[erased]"

static enum ct_status
nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

static void
bind_text_or_null(sqlite3_stmt *stmt, int index, const char *s)
{
    if (s == NULL || *s == '\0')
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_text(stmt, index, s, -1, SQLITE_STATIC);
}

static void
bind_status(sqlite3_stmt *stmt, int index, enum ct_member_status status)
{
    sqlite3_bind_text(stmt, index, ct_store_member_status_sql(status), -1, SQLITE_STATIC);
}

/* Run one statement without rows or parameters (BEGIN, a PRAGMA). */
static enum ct_status
exec(struct ct_store *store, const char *sql, const char *doing, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, doing);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- reading members --------------------------------------------------- */

#define MEMBER_COLUMNS                                                                             \
    "id, email, name, organisation, team, site, role, timezone, status, paused_until,"             \
    " frequency, unanswered, created_at, updated_at, roster_status"

/* The current row of a MEMBER_COLUMNS query into *m. False: out of memory. */
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

/* The roster_status column of a MEMBER_COLUMNS row. */
static int
roster_status_from_row(sqlite3_stmt *stmt)
{
    enum ct_member_status status;

    if (!ct_store_member_status_from_sql((const char *)sqlite3_column_text(stmt, 14), &status))
        return CT_ROSTER_STATUS_NONE;
    return (int)status;
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

/*
 * E-mail order as the column's NOCASE collation has it: bytes compared
 * with ASCII letters folded to lower case, a prefix first.
 */
static int
email_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    for (;; p++, q++) {
        int c = *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p;
        int d = *q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q;
        if (c != d || c == 0)
            return c - d;
    }
}

static int
tie_cmp(const void *x, const void *y)
{
    return email_cmp(*(char *const *)x, *(char *const *)y);
}

static int
member_id_cmp(const void *key, const void *elem)
{
    int64_t id = *(const int64_t *)key, other = ((const struct ct_member *)elem)->id;

    return id < other ? -1 : id > other ? 1 : 0;
}

/*
 * Give each member of list (ordered by id) the e-mails of those tied to
 * them, sorted. Ties to members not in the list (erased ones) are skipped.
 */
static enum ct_status
attach_ties(struct ct_store *store, struct ct_member_list *list, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    size_t i;
    int rc;

    st = ct_store_prepare(store, "SELECT a, b FROM ties", &stmt, err);
    if (st != CT_OK)
        return st;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t a = sqlite3_column_int64(stmt, 0), b = sqlite3_column_int64(stmt, 1);
        struct ct_member *ma, *mb;
        ma = bsearch(&a, list->items, list->count, sizeof(*list->items), member_id_cmp);
        mb = bsearch(&b, list->items, list->count, sizeof(*list->items), member_id_cmp);
        if (ma == NULL || mb == NULL)
            continue;
        if (!member_add_tie(ma, mb->email) || !member_add_tie(mb, ma->email)) {
            st = nomem(err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read ties");
        goto out;
    }
    for (i = 0; i < list->count; i++)
        if (list->items[i].ties_count > 1)
            qsort(list->items[i].ties, list->items[i].ties_count, sizeof(char *), tie_cmp);
out:
    sqlite3_finalize(stmt);
    return st;
}

/* Make room for one more member in list (capacity *cap). */
static bool
list_grow(struct ct_member_list *list, size_t *cap)
{
    struct ct_member *items;
    int *roster;
    size_t ncap;

    if (list->count < *cap)
        return true;
    ncap = *cap ? *cap * 2 : 64;
    items = realloc(list->items, ncap * sizeof(*items));
    if (items == NULL)
        return false;
    list->items = items;
    roster = realloc(list->roster_status, ncap * sizeof(*roster));
    if (roster == NULL)
        return false;
    list->roster_status = roster;
    *cap = ncap;
    return true;
}

/*
 * Every member not erased, ordered by id, without ties. Read in the
 * table's own order: walking the e-mail index instead reads pages all
 * over the file, twice as slow for a large network.
 */
static enum ct_status
load_rows(struct ct_store *store, struct ct_member_list *list, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    int rc;

    st = ct_store_prepare(store,
                          "SELECT " MEMBER_COLUMNS " FROM members WHERE status <> ?1"
                          " ORDER BY id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    bind_status(stmt, 1, CT_MEMBER_ERASED);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!list_grow(list, &cap)) {
            st = nomem(err);
            goto out;
        }
        list->roster_status[list->count] = roster_status_from_row(stmt);
        if (!member_from_row(stmt, &list->items[list->count++])) {
            st = nomem(err);
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read members");
out:
    sqlite3_finalize(stmt);
    return st;
}

/* The CT_MEMBERS_* bit of a status; 0 for erased. */
static unsigned
status_bit(enum ct_member_status status)
{
    switch (status) {
    case CT_MEMBER_ACTIVE: return CT_MEMBERS_ACTIVE;
    case CT_MEMBER_PAUSED: return CT_MEMBERS_PAUSED;
    case CT_MEMBER_LEFT: return CT_MEMBERS_LEFT;
    case CT_MEMBER_ERASED: break;
    }
    return 0;
}

/* Keep the members whose status is in statuses, in their order. */
static void
select_statuses(struct ct_member_list *list, unsigned statuses)
{
    size_t i, n = 0;

    for (i = 0; i < list->count; i++) {
        if ((status_bit(list->items[i].status) & statuses) == 0) {
            ct_member_clear(&list->items[i]);
            continue;
        }
        list->roster_status[n] = list->roster_status[i];
        list->items[n++] = list->items[i];
    }
    list->count = n;
}

/* A member's e-mail and place in the list, for sorting. */
struct email_index {
    const char *email;
    size_t index;
};

static int
email_index_cmp(const void *x, const void *y)
{
    return email_cmp(((const struct email_index *)x)->email,
                     ((const struct email_index *)y)->email);
}

enum ct_status
ct_member_list_sort_by_email(struct ct_member_list *list, struct ct_error *err)
{
    struct email_index *order;
    struct ct_member *items;
    int *roster;
    size_t i;

    order = malloc((list->count + 1) * sizeof(*order));
    items = malloc((list->count + 1) * sizeof(*items));
    roster = malloc((list->count + 1) * sizeof(*roster));
    if (order == NULL || items == NULL || roster == NULL) {
        free(order);
        free(items);
        free(roster);
        return nomem(err);
    }
    for (i = 0; i < list->count; i++) {
        order[i].email = list->items[i].email;
        order[i].index = i;
    }
    qsort(order, list->count, sizeof(*order), email_index_cmp);
    for (i = 0; i < list->count; i++) {
        items[i] = list->items[order[i].index];
        roster[i] = list->roster_status[order[i].index];
    }
    free(list->items);
    free(list->roster_status);
    list->items = items;
    list->roster_status = roster;
    free(order);
    return CT_OK;
}

/* Whether the store's connection is outside any transaction. */
static bool
autocommit(struct ct_store *store)
{
    sqlite3_stmt *stmt = NULL;
    bool yes = false;

    /* Preparing starts nothing; the statement only names the connection. */
    if (ct_store_prepare(store, "SELECT 1", &stmt, NULL) == CT_OK)
        yes = sqlite3_get_autocommit(sqlite3_db_handle(stmt)) != 0;
    sqlite3_finalize(stmt);
    return yes;
}

enum ct_status
ct_store_members_load(struct ct_store *store, unsigned statuses, struct ct_member_list **out,
                      struct ct_error *err)
{
    struct ct_member_list *list;
    enum ct_status st;
    bool snapshot = autocommit(store);

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return nomem(err);
    /* Members and ties from one snapshot, even outside a transaction. */
    if (snapshot && (st = exec(store, "BEGIN", "begin transaction", err)) != CT_OK) {
        snapshot = false;
        goto out;
    }
    /* Everyone first: a tie to a member of another status still names them. */
    if ((st = load_rows(store, list, err)) != CT_OK ||
        (st = attach_ties(store, list, err)) != CT_OK)
        goto out;
    select_statuses(list, statuses);
out:
    if (snapshot)
        (void)exec(store, "COMMIT", "end read", NULL);
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
    free(list->roster_status);
    free(list);
}

/* Add the ties of one loaded member m. */
static enum ct_status
member_ties(struct ct_store *store, struct ct_member *m, struct ct_error *err)
{
    sqlite3_stmt *ties = NULL;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(store, TIES_QUERY(" AND t.a = ?1", " AND t.b = ?1"), &ties, err);
    if (st != CT_OK)
        return st;
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
    sqlite3_finalize(ties);
    return st;
}

/*
 * One member by e-mail (not erased) or, when email is NULL, by id (any
 * status): with ties when by e-mail.
 */
static enum ct_status
member_load_one(struct ct_store *store, const char *email, int64_t id, struct ct_member *out,
                struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    memset(out, 0, sizeof(*out));
    st = ct_store_prepare(store,
                          email ? "SELECT " MEMBER_COLUMNS
                                  " FROM members WHERE email = ?1 AND status <> ?2"
                                : "SELECT " MEMBER_COLUMNS " FROM members WHERE id = ?3",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    if (email) {
        sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
        bind_status(stmt, 2, CT_MEMBER_ERASED);
    } else {
        sqlite3_bind_int64(stmt, 3, id);
    }
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE && email)
        st = ct_error_set(err, CT_ENOTFOUND, "no member with e-mail %s", email);
    else if (rc == SQLITE_DONE)
        st = ct_error_set(err, CT_ENOTFOUND, "no member with id %lld", (long long)id);
    else if (rc != SQLITE_ROW)
        st = ct_store_error(store, err, "read member");
    else if (!member_from_row(stmt, out))
        st = nomem(err);
    else if (email)
        st = member_ties(store, out, err);
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        ct_member_clear(out);
    return st;
}

enum ct_status
ct_store_member_find(struct ct_store *store, const char *email, struct ct_member *out,
                     struct ct_error *err)
{
    return member_load_one(store, email, 0, out, err);
}

enum ct_status
ct_store_member_get(struct ct_store *store, int64_t id, struct ct_member *out, struct ct_error *err)
{
    return member_load_one(store, NULL, id, out, err);
}

void
ct_member_value_counts_free(struct ct_member_value_count *values, size_t n)
{
    size_t i;

    for (i = 0; values && i < n; i++)
        free(values[i].value);
    free(values);
}

/* Append value (count members) to *out[0..*n), growing it by doubling *cap. */
static bool
value_count_add(struct ct_member_value_count **out, size_t *n, size_t *cap, const char *value,
                size_t count)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        struct ct_member_value_count *v = realloc(*out, c * sizeof(*v));
        if (v == NULL)
            return false;
        *out = v;
        *cap = c;
    }
    if (((*out)[*n].value = strdup(value)) == NULL)
        return false;
    (*out)[(*n)++].count = count;
    return true;
}

enum ct_status
ct_store_members_value_counts(struct ct_store *store, unsigned statuses,
                              enum ct_member_column column, struct ct_member_value_count **out,
                              size_t *n, struct ct_error *err)
{
    static const char *const sql[] = {
        [CT_MEMBER_COLUMN_ORGANISATION] =
            "SELECT organisation, count(*) FROM members WHERE status IN (?1, ?2, ?3)"
            " AND organisation <> '' GROUP BY organisation",
        [CT_MEMBER_COLUMN_SITE] = "SELECT site, count(*) FROM members WHERE status IN (?1, ?2, ?3)"
                                  " AND site <> '' GROUP BY site",
    };
    static const enum ct_member_status bits[] = {CT_MEMBER_ACTIVE, CT_MEMBER_PAUSED,
                                                 CT_MEMBER_LEFT};
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0, i;
    bool row = true;

    *out = NULL;
    *n = 0;
    if ((st = ct_store_prepare(store, sql[column], &stmt, err)) != CT_OK)
        return st;
    for (i = 0; i < CT_ARRAY_LEN(bits); i++)
        if (statuses & status_bit(bits[i]))
            bind_status(stmt, (int)i + 1, bits[i]);
    while (st == CT_OK &&
           (st = ct_store_step_row(store, stmt, &row, "count member names", err)) == CT_OK && row)
        if (!value_count_add(out, n, &cap, (const char *)sqlite3_column_text(stmt, 0),
                             (size_t)sqlite3_column_int64(stmt, 1)))
            st = nomem(err);
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_member_value_counts_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return st;
}

enum ct_status
ct_store_member_history(struct ct_store *store, int64_t member_id, struct ct_member_history *out,
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
        "   WHERE gm.member_id = ?1 AND g.state = ?2),"
        " (SELECT count(*) FROM group_members gm JOIN groups g ON g.id = gm.group_id"
        "   WHERE gm.member_id = ?1 AND g.state = ?3),"
        " (SELECT count(*) FROM group_members gm JOIN outcomes o"
        "   ON o.group_id = gm.group_id WHERE gm.member_id = ?1 AND o.met = 1),"
        " (SELECT count(*) FROM group_members gm"
        "   WHERE gm.member_id = ?1 AND gm.partstat = 'ACCEPTED'),"
        " (SELECT max(r.date) FROM group_members gm JOIN groups g ON g.id = gm.group_id"
        "   JOIN rounds r ON r.id = g.round_id"
        "   WHERE gm.member_id = ?1 AND g.state = ?2),"
        " (SELECT count(*) FROM exclusions WHERE a = ?1 OR b = ?1)",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_text(stmt, 2, ct_store_group_state_sql(CT_GROUP_SENT), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, ct_store_group_state_sql(CT_GROUP_PLANNED), -1, SQLITE_STATIC);
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

enum ct_status
ct_store_member_set_status(struct ct_txn *txn, int64_t id, enum ct_member_status status,
                           const char *paused_until, int64_t now, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "UPDATE members SET status = ?3, paused_until = ?4, updated_at = ?2"
                          " WHERE id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, now);
    bind_status(stmt, 3, status);
    if (paused_until)
        sqlite3_bind_text(stmt, 4, paused_until, -1, SQLITE_STATIC);
    st = ct_store_step_done(store, stmt,
                            status == CT_MEMBER_PAUSED ? "pause member" : "update member", err);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_members_expire_pauses(struct ct_txn *txn, int32_t today, int64_t now, size_t *resumed,
                               struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    char date[11];

    *resumed = 0;
    ct_format_date(today, date);
    st = ct_store_prepare(store,
                          "UPDATE members SET status = ?3, paused_until = NULL, updated_at = ?1"
                          " WHERE status = ?4 AND paused_until IS NOT NULL AND paused_until <= ?2",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_text(stmt, 2, date, -1, SQLITE_STATIC);
    bind_status(stmt, 3, CT_MEMBER_ACTIVE);
    bind_status(stmt, 4, CT_MEMBER_PAUSED);
    st = ct_store_step_done(store, stmt, "resume members", err);
    if (st == CT_OK)
        *resumed = (size_t)sqlite3_changes(sqlite3_db_handle(stmt));
    sqlite3_finalize(stmt);
    return st;
}

/* ---- the roster sync's writes ------------------------------------------ */

#define APPLY_COUNT (CT_MEMBER_WRITE_LEAVE + 1)

/* The statement of each write kind but ADD (add_members()), prepared when first needed. */
static const char *const apply_sql[APPLY_COUNT] = {
    [CT_MEMBER_WRITE_UPDATE] =
        "UPDATE members SET email = ?1, name = ?2, organisation = ?3, team = ?4,"
        " site = ?5, role = ?6, timezone = ?7,"
        " status = CASE WHEN ?11 THEN ?13 ELSE status END,"
        " paused_until = CASE WHEN ?11 THEN NULL ELSE paused_until END,"
        " roster_status = ?8, frequency = ?9, updated_at = ?10 WHERE id = ?12",
    [CT_MEMBER_WRITE_ROSTER] = "UPDATE members SET roster_status = ?1 WHERE id = ?2",
    [CT_MEMBER_WRITE_LEAVE] = ("UPDATE members SET status = ?3, roster_status = ?3,"
                               " paused_until = NULL, updated_at = ?1 WHERE id = ?2"),
};

static const char *const apply_doing[APPLY_COUNT] = {
    [CT_MEMBER_WRITE_UPDATE] = "update member",
    [CT_MEMBER_WRITE_ROSTER] = "update member",
    [CT_MEMBER_WRITE_LEAVE] = "mark member left",
};

/*
 * The fields of m as ?(base+1)..?(base+7) (e-mail, name, organisation,
 * team, site, role, zone).
 */
static void
bind_member_fields(sqlite3_stmt *stmt, int base, const struct ct_member *m)
{
    sqlite3_bind_text(stmt, base + 1, m->email, -1, SQLITE_STATIC);
    bind_text_or_null(stmt, base + 2, m->name);
    bind_text_or_null(stmt, base + 3, m->organisation);
    bind_text_or_null(stmt, base + 4, m->team);
    bind_text_or_null(stmt, base + 5, m->site);
    bind_text_or_null(stmt, base + 6, m->role);
    bind_text_or_null(stmt, base + 7, m->timezone);
}

static void
bind_roster_status(sqlite3_stmt *stmt, int index, int roster_status)
{
    if (roster_status == CT_ROSTER_STATUS_NONE)
        sqlite3_bind_null(stmt, index);
    else
        bind_status(stmt, index, (enum ct_member_status)roster_status);
}

/* Bind w's values to stmt, the statement of its kind. */
static void
bind_write(sqlite3_stmt *stmt, const struct ct_member_write *w, int64_t now)
{
    const struct ct_member *m = &w->member;

    switch (w->kind) {
    case CT_MEMBER_WRITE_ADD: break; /* add_members() */
    case CT_MEMBER_WRITE_UPDATE:
        bind_member_fields(stmt, 0, m);
        bind_roster_status(stmt, 8, w->roster_status);
        sqlite3_bind_int(stmt, 9, (int)m->frequency);
        sqlite3_bind_int64(stmt, 10, now);
        sqlite3_bind_int(stmt, 11, w->set_status);
        sqlite3_bind_int64(stmt, 12, m->id);
        bind_status(stmt, 13, m->status);
        break;
    case CT_MEMBER_WRITE_ROSTER:
        bind_roster_status(stmt, 1, w->roster_status);
        sqlite3_bind_int64(stmt, 2, m->id);
        break;
    case CT_MEMBER_WRITE_LEAVE:
        sqlite3_bind_int64(stmt, 1, now);
        sqlite3_bind_int64(stmt, 2, m->id);
        bind_status(stmt, 3, CT_MEMBER_LEFT);
        break;
    }
}

/*
 * New members go in ADD_ROWS to an INSERT: each run of a statement has its
 * own set-up and statement journal, and once per 64 rows instead of per
 * row cut a million-member import's inserts by a fifth (measured while the
 * CHECKs on status and frequency were still IN lists, which SQLite turned
 * into lookup tables at every run; migration 11 made them comparisons).
 * A run of fewer new members goes in one row at a time. OR FAIL, not the default ABORT: a failing
 * row leaves the rows before it in, which saves the statement journal (64 rows of index pages would
 * spill it to a temporary file); the caller's transaction is rolled back on any error anyway.
 * ADD_PARAMS per row: id, the 7 fields, status, frequency, now.
 */
#define ADD_ROWS   64
#define ADD_PARAMS 11

/* The INSERT of rows new members (see ADD_ROWS). OUT: the SQL, malloc'd; NULL if out of memory. */
static char *
add_sql(size_t rows)
{
    struct ct_buf b;
    size_t r;

    ct_buf_init(&b);
    ct_buf_puts(
        &b, "INSERT OR FAIL INTO members(id, email, name, organisation, team, site, role, timezone,"
            " status, roster_status, frequency, created_at, updated_at) VALUES ");
    for (r = 0; r < rows; r++) {
        int k = (int)r * ADD_PARAMS;
        ct_buf_printf(&b, "%s(?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d)",
                      r ? ", " : "", k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8, k + 9,
                      k + 9, k + 10, k + 11, k + 11);
    }
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}

/* Bind new member w as the row whose parameters follow base. */
static void
bind_add(sqlite3_stmt *stmt, int base, const struct ct_member_write *w, int64_t now)
{
    const struct ct_member *m = &w->member;

    sqlite3_bind_int64(stmt, base + 1, m->id);
    bind_member_fields(stmt, base + 1, m);
    bind_status(stmt, base + 9, m->status);
    sqlite3_bind_int(stmt, base + 10, (int)m->frequency);
    sqlite3_bind_int64(stmt, base + 11, now);
}

/*
 * Insert the new members writes[0..n) (all ADDs); on an error the
 * transaction must be rolled back (some rows may be in). Each gets the id SQLite
 * would give it, one more than the largest (*next_id, advanced), so the
 * table is the same as with one INSERT each. adds[0] caches the statement
 * of ADD_ROWS rows, adds[1] that of one row, each prepared when first
 * needed (the caller finalizes them).
 */
static enum ct_status
add_members(struct ct_store *store, sqlite3_stmt *adds[2], struct ct_member_write *writes, size_t n,
            int64_t *next_id, int64_t now, struct ct_error *err)
{
    enum ct_status st = CT_OK;

    while (st == CT_OK && n > 0) {
        size_t rows = n < ADD_ROWS ? 1 : ADD_ROWS, r;
        sqlite3_stmt **stmt = &adds[rows == 1];

        if (*stmt == NULL) {
            char *sql = add_sql(rows);
            if (sql == NULL)
                return nomem(err);
            st = ct_store_prepare(store, sql, stmt, err);
            free(sql);
            if (st != CT_OK)
                return st;
        }
        for (r = 0; r < rows; r++) {
            writes[r].member.id = (*next_id)++;
            bind_add(*stmt, (int)r * ADD_PARAMS, &writes[r], now);
        }
        st = ct_store_step_done(store, *stmt, "add member", err);
        writes += rows;
        n -= rows;
    }
    return st;
}

/* The id SQLite would give the next member: one more than the largest. OUT: *id. */
static enum ct_status
next_member_id(struct ct_store *store, int64_t *id, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st =
        ct_store_prepare(store, "SELECT coalesce(max(id), 0) + 1 FROM members", &stmt, err);
    bool row = false;

    if (st == CT_OK &&
        (st = ct_store_step_row(store, stmt, &row, "read member ids", err)) == CT_OK && row)
        *id = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_members_apply(struct ct_txn *txn, struct ct_member_write *writes, size_t n, int64_t now,
                       struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmts[APPLY_COUNT] = {0}, *adds[2] = {NULL, NULL};
    enum ct_status st = CT_OK;
    int64_t next_id = 0;
    size_t i = 0, k;

    while (st == CT_OK && i < n) {
        struct ct_member_write *w = &writes[i];
        enum ct_member_write_kind kind = w->kind;

        if (kind == CT_MEMBER_WRITE_ADD) {
            for (k = i; k < n && writes[k].kind == CT_MEMBER_WRITE_ADD; k++)
                ;
            if (next_id == 0 && (st = next_member_id(store, &next_id, err)) != CT_OK)
                break;
            st = add_members(store, adds, w, k - i, &next_id, now, err);
            i = k;
            continue;
        }
        if (stmts[kind] == NULL &&
            (st = ct_store_prepare(store, apply_sql[kind], &stmts[kind], err)) != CT_OK)
            break;
        bind_write(stmts[kind], w, now);
        st = ct_store_step_done(store, stmts[kind], apply_doing[kind], err);
        i++;
    }
    for (k = 0; k < APPLY_COUNT; k++)
        sqlite3_finalize(stmts[k]);
    sqlite3_finalize(adds[0]);
    sqlite3_finalize(adds[1]);
    return st;
}

/* Run sql (?1 = the smaller id, ?2 = the larger) for each of ties[0..n). */
static enum ct_status
ties_each(struct ct_store *store, const char *sql, const struct ct_tie *ties, size_t n,
          const char *doing, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    size_t i;

    if (n == 0)
        return CT_OK;
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        return st;
    for (i = 0; i < n && st == CT_OK; i++) {
        int64_t a = ties[i].a, b = ties[i].b;
        sqlite3_bind_int64(stmt, 1, a < b ? a : b);
        sqlite3_bind_int64(stmt, 2, a < b ? b : a);
        st = ct_store_step_done(store, stmt, doing, err);
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_ties_update(struct ct_txn *txn, const struct ct_tie *removed, size_t nr,
                     const struct ct_tie *added, size_t na, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    enum ct_status st;

    st = ties_each(store, "DELETE FROM ties WHERE a = ?1 AND b = ?2", removed, nr, "remove tie",
                   err);
    if (st != CT_OK)
        return st;
    return ties_each(store, "INSERT INTO ties(a, b) VALUES (?1, ?2)", added, na, "add tie", err);
}

enum ct_status
ct_store_import_record(struct ct_txn *txn, const struct ct_import *import, int64_t now, int64_t *id,
                       struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "INSERT INTO imports(at, source, mode, rows, added, updated, left_count,"
                          " unchanged) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_text(stmt, 2, import->source ? import->source : "-", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, import->merge ? "merge" : "sync", -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, (int64_t)import->rows);
    sqlite3_bind_int64(stmt, 5, (int64_t)import->added);
    sqlite3_bind_int64(stmt, 6, (int64_t)import->updated);
    sqlite3_bind_int64(stmt, 7, (int64_t)import->left);
    sqlite3_bind_int64(stmt, 8, (int64_t)import->unchanged);
    st = ct_store_step_done(store, stmt, "record import", err);
    if (st == CT_OK)
        *id = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
    sqlite3_finalize(stmt);
    return st;
}

int
ct_store_cache_size(struct ct_store *store)
{
    return (int)ct_store_pragma(store, "cache_size", 0);
}

void
ct_store_cache_size_set(struct ct_store *store, int pages)
{
    ct_store_pragma_set(store, "cache_size", pages);
}

/* ---- erasure ----------------------------------------------------------- */

enum ct_status
ct_store_secure_delete(struct ct_store *store, bool on, struct ct_error *err)
{
    if (!on) {
        (void)exec(store, "PRAGMA secure_delete = OFF", "disable secure delete", NULL);
        return CT_OK;
    }
    return exec(store, "PRAGMA secure_delete = ON", "enable secure delete", err);
}

void
ct_store_checkpoint(struct ct_store *store)
{
    (void)exec(store, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint", NULL);
}

/*
 * The statements of an erasure, in order. ?1 = member id, ?2 = their
 * e-mail, ?3 = their name ('' if none), ?4 = now, ?5 = the erased status.
 * Text that may quote them in the other members' messages and notes of
 * their groups has ?2 and ?3 replaced; an empty ?3 leaves it alone.
 */
/* clang-format off */
#define SCRUB(col) \
    col " = replace(CASE WHEN ?3 = '' THEN " col " ELSE replace(" col ", ?3, '" \
    ERASED_PLACEHOLDER "') END, ?2, '" ERASED_PLACEHOLDER "')"

static const char *const erase_sql[] = {
    "DELETE FROM ties WHERE a = ?1 OR b = ?1",
    "DELETE FROM exclusions WHERE a = ?1 OR b = ?1",
    /* What they set for themselves (intro, greeting, zone) and their check-in notes. */
    "DELETE FROM member_prefs WHERE member_id = ?1",
    "UPDATE checkins SET note = NULL WHERE member_id = ?1",
    /* Mail not sent yet will not be: it is dropped. */
    "DELETE FROM outbox WHERE (member_id = ?1 OR recipient = ?2 COLLATE NOCASE)"
    " AND state IN ('queued', 'sending')",
    "UPDATE outbox SET recipient = '" ERASED_PLACEHOLDER "',"
    " subject = '" ERASED_PLACEHOLDER "', text_body = '" ERASED_PLACEHOLDER "',"
    " html_body = NULL, ics = NULL, last_error = NULL,"
    " message = CAST('" ERASED_PLACEHOLDER "' AS BLOB), recipe = NULL"
    " WHERE member_id = ?1 OR recipient = ?2 COLLATE NOCASE",
    /*
     * The partners' copies of their groups' invitations name them too. The
     * raw message may hold them encoded (base64, RFC 2047), where no text
     * search finds them, so the raw copy is replaced as well.
     */
    "UPDATE outbox SET "
    SCRUB("subject") ", " SCRUB("text_body") ", " SCRUB("html_body") ", "
    SCRUB("ics") ", " SCRUB("last_error") ","
    " message = CAST('" ERASED_PLACEHOLDER "' AS BLOB), recipe = NULL"
    " WHERE state IN ('sent', 'dead', 'dropped')"
    " AND group_id IN (SELECT group_id FROM group_members WHERE member_id = ?1)",
    "UPDATE outcomes SET " SCRUB("note")
    " WHERE note IS NOT NULL"
    " AND group_id IN (SELECT group_id FROM group_members WHERE member_id = ?1)",
    /* Calendar replies: their own comments go, their partners' lose their name. */
    "UPDATE replies SET comment = NULL WHERE member_id = ?1",
    "UPDATE replies SET " SCRUB("comment")
    " WHERE comment IS NOT NULL"
    " AND group_id IN (SELECT group_id FROM group_members WHERE member_id = ?1)",
    /* Replies held as untrustworthy that concern them: unverified, so they go. */
    "DELETE FROM held_replies WHERE owner_id = ?1 OR applied_member_id = ?1"
    " OR attendee = ?2 COLLATE NOCASE OR sender = ?2 COLLATE NOCASE",
    "UPDATE members SET email = NULL, name = NULL, team = NULL, site = NULL, role = NULL,"
    " timezone = NULL, paused_until = NULL, roster_status = NULL, status = ?5,"
    " unanswered = 0, updated_at = ?4 WHERE id = ?1",
};
/* clang-format on */

enum ct_status
ct_store_member_erase(struct ct_txn *txn, const struct ct_member *m, int64_t now,
                      struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(erase_sql) && st == CT_OK; i++) {
        st = ct_store_prepare(store, erase_sql[i], &stmt, err);
        if (st != CT_OK)
            break;
        /* Not every statement has every parameter; binding a missing one does nothing. */
        sqlite3_bind_int64(stmt, 1, m->id);
        sqlite3_bind_text(stmt, 2, m->email, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, m->name ? m->name : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, now);
        bind_status(stmt, 5, CT_MEMBER_ERASED);
        st = ct_store_step_done(store, stmt, "erase member", err);
        sqlite3_finalize(stmt);
        stmt = NULL;
    }
    return st;
}

/* ---- exclusions -------------------------------------------------------- */

/* Run sql on the pair (?1, ?2; ?3 = now if it has it). OUT: *changed, whether a row changed. */
static enum ct_status
exclusion_write(struct ct_txn *txn, const char *sql, int64_t a, int64_t b, int64_t now,
                bool *changed, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(txn);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;

    *changed = false;
    st = ct_store_prepare(store, sql, &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, a);
    sqlite3_bind_int64(stmt, 2, b);
    if (sqlite3_bind_parameter_count(stmt) >= 3)
        sqlite3_bind_int64(stmt, 3, now);
    st = ct_store_step_done(store, stmt, "update exclusions", err);
    if (st == CT_OK)
        *changed = sqlite3_changes(sqlite3_db_handle(stmt)) > 0;
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_exclusion_add(struct ct_txn *txn, int64_t a, int64_t b, int64_t now, bool *added,
                       struct ct_error *err)
{
    return exclusion_write(txn,
                           "INSERT INTO exclusions(a, b, created_at) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT(a, b) DO NOTHING",
                           a, b, now, added, err);
}

enum ct_status
ct_store_exclusion_remove(struct ct_txn *txn, int64_t a, int64_t b, bool *removed,
                          struct ct_error *err)
{
    return exclusion_write(txn, "DELETE FROM exclusions WHERE a = ?1 AND b = ?2", a, b, 0, removed,
                           err);
}

static int
exclusion_cmp(const void *x, const void *y)
{
    const struct ct_exclusion *p = x, *q = y;
    int c = strcasecmp(p->email_a, q->email_a);

    return c ? c : strcasecmp(p->email_b, q->email_b);
}

/* The current row of the exclusions query into the next item of list (capacity *cap). */
static enum ct_status
exclusion_from_row(sqlite3_stmt *stmt, struct ct_exclusion_list *list, size_t *cap,
                   struct ct_error *err)
{
    struct ct_exclusion *x;
    bool failed = false;

    if (list->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct ct_exclusion *items = realloc(list->items, ncap * sizeof(*items));
        if (items == NULL)
            return nomem(err);
        list->items = items;
        *cap = ncap;
    }
    x = &list->items[list->count++];
    x->email_a = ct_store_column_dup(stmt, 0, &failed);
    x->email_b = ct_store_column_dup(stmt, 1, &failed);
    x->created_at = sqlite3_column_int64(stmt, 2);
    if (failed)
        return nomem(err);
    if (strcasecmp(x->email_a, x->email_b) > 0) {
        char *t = x->email_a;
        x->email_a = x->email_b;
        x->email_b = t;
    }
    return CT_OK;
}

enum ct_status
ct_store_exclusions_load(struct ct_store *store, struct ct_exclusion_list **out,
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
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        if ((st = exclusion_from_row(stmt, list, &cap, err)) != CT_OK)
            goto out;
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
