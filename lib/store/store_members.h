/*
 * store_members.h: the members table family in the store: members and their
 * declared ties, excluded pairs, the imports history, pauses and erasure.
 * Typed functions only; the SQL is in store_members.c.
 */
#ifndef CT_STORE_MEMBERS_H
#define CT_STORE_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "store.h"

/* Status filters for ct_store_members_load(), as bits. */
#define CT_MEMBERS_ACTIVE  (1u << 0)
#define CT_MEMBERS_PAUSED  (1u << 1)
#define CT_MEMBERS_LEFT    (1u << 2)
#define CT_MEMBERS_CURRENT (CT_MEMBERS_ACTIVE | CT_MEMBERS_PAUSED)
#define CT_MEMBERS_ALL     (CT_MEMBERS_ACTIVE | CT_MEMBERS_PAUSED | CT_MEMBERS_LEFT)

/* What the roster said of a member at the last import: a ct_member_status, or this. */
#define CT_ROSTER_STATUS_NONE (-1)

struct ct_member_list {
    struct ct_member *items;
    size_t count;
    /* roster_status[i]: what the last import's roster said of items[i]
       (enum ct_member_status), or CT_ROSTER_STATUS_NONE; for the roster sync */
    int *roster_status;
};

/*
 * THE loader of struct ct_member: members whose status is one of the
 * CT_MEMBERS_* bits in statuses (never erased ones), ordered by id (the
 * table's own order, the fastest to read), with their ties (the other
 * members' e-mails, sorted as ct_member_list_sort_by_email() sorts).
 * Outside a transaction the members and their ties are read from one
 * snapshot. OUT: *out, freed with ct_member_list_free().
 */
enum ct_status ct_store_members_load(struct ct_store *store, unsigned statuses,
                                     struct ct_member_list **out, struct ct_error *err);

/*
 * Order list by e-mail as the database's collation does (ASCII letters
 * folded, so "ana@" < "Bo@" < "cy@"). On failure (CT_ENOMEM) it is unchanged.
 */
enum ct_status ct_member_list_sort_by_email(struct ct_member_list *list, struct ct_error *err);
void ct_member_list_free(struct ct_member_list *list);

/*
 * The member with this e-mail (compared case-insensitively; any status but
 * erased), with ties, into *out (OUT, cleared with ct_member_clear()).
 * CT_ENOTFOUND ("no member with e-mail x") if there is none.
 */
enum ct_status ct_store_member_find(struct ct_store *store, const char *email,
                                    struct ct_member *out, struct ct_error *err);

/* A value of a member's column and how many members hold it. */
struct ct_member_value_count {
    char *value;
    size_t count;
};

/* Which column ct_store_members_value_counts() counts. */
enum ct_member_column { CT_MEMBER_COLUMN_ORGANISATION, CT_MEMBER_COLUMN_SITE };

/*
 * The distinct values of column (byte for byte) among the members whose
 * status is one of the CT_MEMBERS_* bits in statuses, each with how many
 * hold it; NULL and empty values are left out. One pass in SQLite, for the
 * name checks after an import, without loading every member.
 * OUT: *out (freed with ct_member_value_counts_free()), *n.
 */
enum ct_status ct_store_members_value_counts(struct ct_store *store, unsigned statuses,
                                             enum ct_member_column column,
                                             struct ct_member_value_count **out, size_t *n,
                                             struct ct_error *err);
void ct_member_value_counts_free(struct ct_member_value_count *values, size_t n);

/* The member with this id (erased ones too, without ties) into *out (OUT); CT_ENOTFOUND. */
enum ct_status ct_store_member_get(struct ct_store *store, int64_t id, struct ct_member *out,
                                   struct ct_error *err);

/* What a member has taken part in, for "member show". */
struct ct_member_history {
    long groups;         /* groups the member was in, in rounds that were sent */
    long groups_planned; /* in planned rounds not sent yet */
    long met;            /* groups recorded as met */
    long accepted;       /* invitations the member accepted */
    char last_round[11]; /* date of the last sent round with the member, or "" */
    long exclusions;     /* pairs excluded with this member */
};

/* Fill *out (OUT) with member_id's history counts. */
enum ct_status ct_store_member_history(struct ct_store *store, int64_t member_id,
                                       struct ct_member_history *out, struct ct_error *err);

/*
 * Set a member's status, and their pause date to paused_until (NULL:
 * none); updated_at becomes now.
 */
enum ct_status ct_store_member_set_status(struct ct_txn *txn, int64_t id,
                                          enum ct_member_status status, const char *paused_until,
                                          int64_t now, struct ct_error *err);

/*
 * Paused members whose pause date is on or before today (days since
 * 1970-01-01) become active. OUT: *resumed, how many.
 */
enum ct_status ct_store_members_expire_pauses(struct ct_txn *txn, int32_t today, int64_t now,
                                              size_t *resumed, struct ct_error *err);

/* ---- the roster sync's writes ------------------------------------------ */

enum ct_member_write_kind {
    CT_MEMBER_WRITE_ADD,    /* a new member: every field; its roster status is its status */
    CT_MEMBER_WRITE_UPDATE, /* rewrite every field of member.id but status, unless set_status */
    CT_MEMBER_WRITE_ROSTER, /* only remember what the roster said (roster_status) */
    CT_MEMBER_WRITE_LEAVE,  /* mark member.id left (status and roster status), no pause date */
};

/* One write of a roster import. */
struct ct_member_write {
    enum ct_member_write_kind kind;
    /* strings borrowed, not freed; id names the row (OUT for an ADD) */
    struct ct_member member;
    int roster_status; /* UPDATE, ROSTER: a ct_member_status or CT_ROSTER_STATUS_NONE */
    bool set_status;   /* UPDATE: status becomes member.status and the pause date goes */
};

/*
 * Apply writes[0..n) in order; updated_at (and created_at of new members)
 * becomes now. On an error the transaction must be rolled back: the
 * writes before it, and some new members, may be in. OUT:
 * writes[i].member.id of each ADD.
 */
enum ct_status ct_store_members_apply(struct ct_txn *txn, struct ct_member_write *writes, size_t n,
                                      int64_t now, struct ct_error *err);

/* A declared tie between two members, by id. */
struct ct_tie {
    int64_t a, b;
};

/* Delete the ties removed[0..nr), then add added[0..na) (either order of a and b). */
enum ct_status ct_store_ties_update(struct ct_txn *txn, const struct ct_tie *removed, size_t nr,
                                    const struct ct_tie *added, size_t na, struct ct_error *err);

/* One row of the imports history. */
struct ct_import {
    const char *source; /* file or URL; NULL: "-" */
    bool merge;         /* a merge, not a sync */
    size_t rows, added, updated, left, unchanged;
};

/* Record an import made at now. OUT: *id, the row's. */
enum ct_status ct_store_import_record(struct ct_txn *txn, const struct ct_import *import,
                                      int64_t now, int64_t *id, struct ct_error *err);

/*
 * The connection's page cache (PRAGMA cache_size: pages, or -KiB), 0 if
 * unknown, and setting it (best effort: a failure only costs speed). A
 * large import raises it for its transaction.
 */
int ct_store_cache_size(struct ct_store *store);
void ct_store_cache_size_set(struct ct_store *store, int pages);

/* ---- erasure ------------------------------------------------------------ */

/*
 * SQLite's secure_delete, on for an erasure's transaction so deleted
 * content is overwritten, not left in free pages. Turning it on can fail;
 * turning it off is best effort.
 */
enum ct_status ct_store_secure_delete(struct ct_store *store, bool on, struct ct_error *err);

/*
 * Erase member m (as found: id, email, name) at now: every statement of
 * the erasure described at ct_members_erase() (members.h).
 */
enum ct_status ct_store_member_erase(struct ct_txn *txn, const struct ct_member *m, int64_t now,
                                     struct ct_error *err);

/*
 * Copy the WAL back and truncate it, so old page images do not linger.
 * Best effort: a reader holding an old snapshot defers it.
 */
void ct_store_checkpoint(struct ct_store *store);

/* ---- exclusions --------------------------------------------------------- */

/* An excluded pair: the two never meet. email_a sorts before email_b. */
struct ct_exclusion {
    char *email_a;
    char *email_b;
    int64_t created_at;
};

struct ct_exclusion_list {
    struct ct_exclusion *items;
    size_t count;
};

/* Exclude the pair a < b at now. OUT: *added is false if it already was. */
enum ct_status ct_store_exclusion_add(struct ct_txn *txn, int64_t a, int64_t b, int64_t now,
                                      bool *added, struct ct_error *err);

/* Remove the exclusion of a < b. OUT: *removed is false if there was none. */
enum ct_status ct_store_exclusion_remove(struct ct_txn *txn, int64_t a, int64_t b, bool *removed,
                                         struct ct_error *err);

/*
 * Every excluded pair of members not erased, ordered by e-mails
 * (case-insensitively). OUT: *out, freed with ct_exclusion_list_free().
 */
enum ct_status ct_store_exclusions_load(struct ct_store *store, struct ct_exclusion_list **out,
                                        struct ct_error *err);
void ct_exclusion_list_free(struct ct_exclusion_list *list);

#endif
