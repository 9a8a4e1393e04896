/*
 * store_actions.h: what members do for themselves (issue 14) in the store:
 * the action log, the preferences they own, the rounds they skip and their
 * check-ins, plus the counts reports show. No SQLite type crosses this
 * header; SQL (and the spelling of every word here) lives in store_actions.c.
 */
#ifndef CT_STORE_ACTIONS_H
#define CT_STORE_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "prefs.h"
#include "store.h"

/* ---- the action log ------------------------------------------------------- */

/* One row of the action log. */
struct ct_action_entry {
    int64_t member_id;
    enum ct_log_action action;
    char *detail; /* NULL for none */
    enum ct_via via;
    int64_t round_id; /* 0: none */
    int64_t group_id; /* 0: none */
    int64_t at;
};

/* Append one row (at = now). detail may be NULL; round_id, group_id 0 for none. */
enum ct_status ct_store_action_log_add(struct ct_txn *txn, int64_t member_id,
                                       enum ct_log_action action, const char *detail,
                                       enum ct_via via, int64_t round_id, int64_t group_id,
                                       int64_t now, struct ct_error *err);

/*
 * A member's log, oldest first. OUT: *out (free with
 * ct_store_action_entries_free) and *count.
 */
enum ct_status ct_store_action_log_load(struct ct_store *store, int64_t member_id,
                                        struct ct_action_entry **out, size_t *count,
                                        struct ct_error *err);
void ct_store_action_entries_free(struct ct_action_entry *v, size_t count);

/* ---- preferences ---------------------------------------------------------- */

/*
 * The member's own fields into *out (OUT, unset fields NULL / -1; every
 * field unset when they set none). OUT: *found (may be NULL): a row exists.
 */
enum ct_status ct_store_prefs_get(struct ct_store *store, int64_t member_id, struct ct_prefs *out,
                                  bool *found, struct ct_error *err);

/*
 * Replace the member's fields with p (a field unset in p becomes unset);
 * a p with nothing set removes the row. updated_at = now.
 */
enum ct_status ct_store_prefs_put(struct ct_txn *txn, int64_t member_id, const struct ct_prefs *p,
                                  int64_t now, struct ct_error *err);

/* ---- skips ---------------------------------------------------------------- */

/*
 * Record that member_id skips round_id (0: the next round planned).
 * OUT: *added is false if that skip was already recorded (nothing changes).
 */
enum ct_status ct_store_skip_add(struct ct_txn *txn, int64_t member_id, int64_t round_id,
                                 enum ct_via via, int64_t now, bool *added, struct ct_error *err);

/*
 * The members who skip the round planned for date (YYYY-MM-DD): a skip of
 * "the next round", or of a round on that date (a round replaced by a new
 * plan for its date keeps its skips). OUT: *ids sorted (heap, NULL when
 * *count is 0).
 */
enum ct_status ct_store_skips_for_date(struct ct_store *store, const char *date, int64_t **ids,
                                       size_t *count, struct ct_error *err);

/* The skips of "the next round" now belong to round_id (the round just planned). */
enum ct_status ct_store_skips_bind(struct ct_txn *txn, int64_t round_id, struct ct_error *err);

/* One skip of a round, for round show. */
struct ct_skip_row {
    int64_t member_id;
    enum ct_via via;
    int64_t at;
};

/* The skips of round_id (and of rounds replaced on its date), by member id. OUT: *out, *count. */
enum ct_status ct_store_skips_round(struct ct_store *store, int64_t round_id,
                                    struct ct_skip_row **out, size_t *count, struct ct_error *err);

/* ---- check-ins ------------------------------------------------------------ */

struct ct_checkin_row {
    int64_t member_id;
    int64_t group_id;
    enum ct_checkin met;
    int rating; /* 0: none */
    char *note; /* NULL: none (borrowed when writing) */
    enum ct_via via;
    int64_t at;
};

/*
 * Insert or replace member's answer for group (at = now). OUT: *changed is
 * false when the same answer (met, rating, note) was already recorded:
 * then nothing is written.
 */
enum ct_status ct_store_checkin_put(struct ct_txn *txn, const struct ct_checkin_row *r, int64_t now,
                                    bool *changed, struct ct_error *err);

/*
 * The check-ins of one group (group_id > 0) or of every group of round_id,
 * ordered by group, then member. OUT: *out (free with
 * ct_store_checkins_free) and *count.
 */
enum ct_status ct_store_checkins_load(struct ct_store *store, int64_t group_id, int64_t round_id,
                                      struct ct_checkin_row **out, size_t *count,
                                      struct ct_error *err);
void ct_store_checkins_free(struct ct_checkin_row *v, size_t count);

/* Where a member stands in a group, for a check-in. */
struct ct_checkin_seat {
    bool group_found;
    int64_t round_id;
    enum ct_group_state state;
    enum ct_round_state round_state;
    bool member_in_group; /* a row in group_members */
    bool removed;         /* taken out after sending */
    bool has_outcome;
    bool outcome_from_checkins; /* the outcome was derived from check-ins (not the organiser's) */
};

enum ct_status ct_store_checkin_seat(struct ct_store *store, int64_t member_id, int64_t group_id,
                                     struct ct_checkin_seat *out, struct ct_error *err);

/*
 * Write group_id's outcome as derived from its check-ins (source
 * "checkin"), or with met < 0 remove an outcome that check-ins wrote.
 * An outcome an organiser recorded is never touched by either.
 */
enum ct_status ct_store_checkin_outcome_set(struct ct_txn *txn, int64_t group_id, int met,
                                            int rating, const char *note, int64_t now,
                                            struct ct_error *err);

/* ---- replies bound to a message we sent -------------------------------------- */

/* Who a message we sent went to, and what it was about. */
struct ct_message_owner {
    bool found;        /* a sent outbox message has this Message-ID */
    int64_t member_id; /* 0: not to a member (a notice to the organiser) */
    int64_t group_id;  /* 0: about no group (a notice) */
    int64_t round_id;  /* the group's round, 0 if none */
};

/* The sent outbox message message_id (without angle brackets). OUT: *out. */
enum ct_status ct_store_message_owner(struct ct_store *store, const char *message_id,
                                      struct ct_message_owner *out, struct ct_error *err);

/* ---- counts for reports ---------------------------------------------------- */

/*
 * Per round: members who skipped it, pauses and stops logged while it was
 * the latest round (created at or before the action, the newest such),
 * check-ins of its groups (and how many said met), and re-matches
 * (members re-formed into a new group after the plan, round_changes).
 */
struct ct_action_counts {
    int64_t round_id;
    long skips, pauses, stops, checkins, checkins_met, rematches;
};

/* Every round's counts, by round id. OUT: *out (heap) and *count (one per round). */
enum ct_status ct_store_action_counts(struct ct_store *store, struct ct_action_counts **out,
                                      size_t *count, struct ct_error *err);

#endif
