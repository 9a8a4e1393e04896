/*
 * members.h: the network's members in the store: syncing a parsed roster
 * into them, listing and finding them, pausing, resuming, removing and
 * erasing one, and the pairs an organiser excluded from meeting.
 *
 * Members are named by e-mail address, compared case-insensitively (ASCII).
 * Every call that writes is one transaction (lib/store's ct_txn): it
 * happens wholly or not at all. The types members come in (struct
 * ct_member_list, the CT_MEMBERS_* filters, exclusions, history) are
 * store_members.h's. Calls that write take now, the time they record.
 */
#ifndef CT_MEMBERS_H
#define CT_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "entity.h"
#include "roster.h"
#include "store.h"
#include "store_members.h"

/* Which fields of a member an import changes, as bits. */
enum ct_member_field {
    CT_FIELD_EMAIL = 1 << 0, /* the same address, spelt with other capitals */
    CT_FIELD_NAME = 1 << 1,
    CT_FIELD_ORGANISATION = 1 << 2,
    CT_FIELD_TEAM = 1 << 3,
    CT_FIELD_SITE = 1 << 4,
    CT_FIELD_ROLE = 1 << 5,
    CT_FIELD_TIMEZONE = 1 << 6,
    CT_FIELD_STATUS = 1 << 7,
    CT_FIELD_FREQUENCY = 1 << 8,
    CT_FIELD_TIES = 1 << 9,
};

/* The column name of one field bit ("organisation"); NULL for other values. */
const char *ct_member_field_str(enum ct_member_field field);

enum ct_change_kind { CT_CHANGE_ADD, CT_CHANGE_UPDATE, CT_CHANGE_LEAVE };

/* One member an import adds, updates or marks left. */
struct ct_member_change {
    enum ct_change_kind kind;
    char *email;
    unsigned fields; /* enum ct_member_field bits, for CT_CHANGE_UPDATE */
    long line;       /* roster line, 0 for CT_CHANGE_LEAVE */
};

/*
 * What else changes when a member leaves: called by ct_members_remove(),
 * ct_members_erase() and ct_members_sync() (for each member an import
 * makes left) inside their transaction txn, before the member's record
 * changes, so that, say, their sent invitations are cancelled in the same
 * transaction (lib/rounds: ct_rounds_member_leave). now is the caller's.
 * A failure rolls the whole removal back.
 */
struct ct_member_hook {
    enum ct_status (*leaving)(void *arg, struct ct_txn *txn, int64_t member_id, bool erasing,
                              int64_t now, struct ct_error *err);
    void *arg;
};

struct ct_sync_options {
    const char *source; /* file or URL, recorded in the import history */
    bool merge;         /* add and update only; never mark anyone left */
    bool dry_run;       /* compute the changes, write nothing */
    /*
     * The most current (active or paused) members a sync may mark left
     * (the CLI and the daemon pass [roster] max_left); NULL: no limit. A
     * share is compared exactly: 10% of 25 members allows 2 (2.5 rounded
     * down). Ignored with merge.
     */
    const struct ct_share *max_left;
    bool yes; /* apply a sync even beyond max_left */
    /* Called for each member the import makes left (not in a dry run); may be NULL. */
    const struct ct_member_hook *hook;
};

struct ct_sync_result {
    size_t rows; /* roster entries */
    size_t added;
    size_t updated;
    size_t left; /* members marked left because the file omits them */
    size_t unchanged;
    struct ct_member_change *changes; /* adds and updates in file order, then leaves */
    size_t changes_count;
    int64_t import_id; /* the imports row written; 0 for a dry run */
    size_t current;    /* active and paused members before the sync */
    size_t max_left;   /* how many of them max_left allows to leave */
    bool refused;      /* more than max_left would leave: nothing written */
};

/*
 * Sync a parsed roster into the members table in one transaction:
 *  - members are matched by e-mail, case-insensitively; new ones are added
 *    with the roster's status; changed fields of known ones are updated;
 *  - the roster's status column wins only when it differs from what the
 *    roster said at the previous import, so a pause or removal made with
 *    the CLI survives re-imports of an unchanged roster;
 *  - unless opts->merge, members missing from the file are marked left
 *    (their history is kept); a roster without any entry is then refused;
 *  - the declared ties between members in the file are replaced by the
 *    file's (a tie is declared by either side); ties to anyone the file
 *    does not list are neither added nor removed;
 *  - a column the file does not have (team, site, role, timezone,
 *    status, frequency, ties) leaves that field of known members as it
 *    is; new members get the default;
 *  - erased members are never touched: an address that was erased and
 *    appears again is a new member;
 *  - one row is added to the imports history.
 * With opts->dry_run nothing is written and import_id is 0.
 * Roster safety: unless opts->merge or opts->yes, a sync that would mark
 * more than opts->max_left of the current members left writes nothing
 * and returns CT_EDATA saying so; *out is then set too, with refused and
 * the changes the sync would have made (as a dry run reports them). A dry
 * run beyond the limit is not an error but sets refused.
 * OUT: *out, freed with ct_sync_result_free(), also on dry runs.
 */
enum ct_status ct_members_sync(struct ct_store *store, const struct ct_roster *roster,
                               const struct ct_sync_options *opts, int64_t now,
                               struct ct_sync_result **out, struct ct_error *err);
void ct_sync_result_free(struct ct_sync_result *result);

/*
 * After a sync was refused for max_left (result->refused): tell the
 * organiser, once per refused file. data and len are the file's bytes;
 * their fingerprint (size and a 64-bit FNV-1a hash) is kept in the meta
 * table, and one notice (to [network] organiser_email, through the outbox)
 * is queued only when it differs from the last refused file's. Any sync
 * applied without merge clears the fingerprint, so a bad file refused
 * after a good sync is reported again. source names the file in the
 * notice. OUT: *queued, whether a notice was queued.
 */
enum ct_status ct_members_sync_refused_notice(struct ct_store *store, const struct ct_config *cfg,
                                              const struct ct_sync_result *result,
                                              const char *source, const void *data, size_t len,
                                              int64_t now, bool *queued, struct ct_error *err);

/*
 * The distinct organisation (or site) names of the members whose status is
 * one of the CT_MEMBERS_* bits in statuses, each with how many members hold
 * it (see ct_store_members_value_counts()). OUT: *out, *n, freed with
 * ct_member_value_counts_free().
 */
enum ct_status ct_members_value_counts(struct ct_store *store, unsigned statuses,
                                       enum ct_member_column column,
                                       struct ct_member_value_count **out, size_t *n,
                                       struct ct_error *err);

/*
 * Members whose status is one of the CT_MEMBERS_* bits in statuses, ordered
 * by e-mail, with their ties. OUT: *out, freed with ct_member_list_free().
 */
enum ct_status ct_members_list(struct ct_store *store, unsigned statuses,
                               struct ct_member_list **out, struct ct_error *err);

/*
 * The member with this e-mail (any status but erased), with ties.
 * CT_ENOTFOUND ("no member with e-mail x") if there is none.
 * OUT: *out, freed with ct_member_free().
 */
enum ct_status ct_members_find(struct ct_store *store, const char *email, struct ct_member **out,
                               struct ct_error *err);
void ct_member_free(struct ct_member *member);

/* Fill *out (OUT) with member_id's history counts. */
enum ct_status ct_members_history(struct ct_store *store, int64_t member_id,
                                  struct ct_member_history *out, struct ct_error *err);

/*
 * Pause a member: no rounds until resumed, or with until (YYYY-MM-DD, which
 * must be after today, given as days since 1970-01-01 in the network's
 * zone) until that date, when they become eligible again (see
 * ct_members_expire_pauses()). Pausing a paused member changes the date.
 * CT_ENOTFOUND for an unknown member, CT_ESTATE for one who left,
 * CT_EUSAGE for a bad or past date.
 */
enum ct_status ct_members_pause(struct ct_store *store, const char *email, const char *until,
                                int32_t today, int64_t now, struct ct_error *err);

/*
 * Make a paused or removed (left) member active again. OUT: *changed is
 * false if the member was already active.
 */
enum ct_status ct_members_resume(struct ct_store *store, const char *email, int64_t now,
                                 bool *changed, struct ct_error *err);

/*
 * Mark a member left: no further rounds, history kept. Survives re-imports
 * of a roster that still lists them until the roster's status for them
 * changes. hook (may be NULL) runs first, in the same transaction.
 * OUT: *changed is false if they had already left (and hook did not run).
 */
enum ct_status ct_members_remove(struct ct_store *store, const char *email,
                                 const struct ct_member_hook *hook, int64_t now, bool *changed,
                                 struct ct_error *err);

/*
 * Right to erasure, irreversible. In one transaction: the member's e-mail,
 * name, team, site, role, time zone and pause date become NULL and the
 * status 'erased'; their ties and exclusions are deleted; queued (and
 * in-flight) outbox messages to them are deleted; sent and failed ones
 * keep only their state and dates (recipient, subject, bodies and message
 * replaced by "[erased]"); in the other members' messages and outcome
 * notes of their groups, their address and name are replaced by
 * "[erased]". Kept: the row's id, organisation and group memberships, so
 * anonymous counts per round and organisation still add up. hook (may be
 * NULL) runs first, in the same transaction, with erasing set. SQLite's
 * secure_delete is on for the transaction and the WAL is checkpointed
 * afterwards, so the old values do not linger in free pages.
 */
enum ct_status ct_members_erase(struct ct_store *store, const char *email,
                                const struct ct_member_hook *hook, int64_t now,
                                struct ct_error *err);

/*
 * Paused members whose pause date is on or before today (days since
 * 1970-01-01) become active. OUT: *resumed (may be NULL), how many.
 */
enum ct_status ct_members_expire_pauses(struct ct_store *store, int32_t today, int64_t now,
                                        size_t *resumed, struct ct_error *err);

/*
 * Exclude a pair of two distinct known members (any status but erased).
 * OUT: *added is false if the pair was already excluded.
 */
enum ct_status ct_members_exclusion_add(struct ct_store *store, const char *email1,
                                        const char *email2, int64_t now, bool *added,
                                        struct ct_error *err);

/* Remove an exclusion. OUT: *removed is false if the pair was not excluded. */
enum ct_status ct_members_exclusion_remove(struct ct_store *store, const char *email1,
                                           const char *email2, bool *removed, struct ct_error *err);

/* Every excluded pair, ordered by e-mails. OUT: *out, freed with ct_exclusion_list_free(). */
enum ct_status ct_members_exclusion_list(struct ct_store *store, struct ct_exclusion_list **out,
                                         struct ct_error *err);

#endif
