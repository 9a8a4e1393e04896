/*
 * member_actions.h: what members do for themselves (issue 14), from their
 * own pages, a one-word reply, or the organiser acting for them: skip a
 * round, pause, stop, resume, set the fields they own, and say whether
 * they met. docs/members.md is the user-facing contract.
 *
 * Every call is one transaction, records who did what and how in the
 * action log (store_actions.h), and is idempotent: doing it twice changes
 * nothing the second time (the log then says "no change"). The enums and
 * struct ct_prefs are prefs.h's.
 */
#ifndef CT_MEMBER_ACTIONS_H
#define CT_MEMBER_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "entity.h"
#include "prefs.h"
#include "store.h"

/*
 * Skip round_id (0 = the next round not yet planned: the planner leaves
 * the member out of it, and out of any new plan for the same date). A
 * planned round: the member leaves their planned group (round_changes
 * "skips this round"), a partner left alone is re-formed at send. A sent
 * round: the member's group is updated or cancelled exactly as after an
 * organiser's pause (ct_rounds_member_withdraw: CANCEL / updated REQUEST
 * queued, SEQUENCE up), and partners left alone are told and become
 * re-match candidates. CT_ENOTFOUND for an unknown or erased member or
 * round, CT_ESTATE for a member who stopped or a cancelled or replaced round.
 */
enum ct_status ct_action_skip(struct ct_store *store, const struct ct_config *cfg,
                              int64_t member_id, int64_t round_id, enum ct_via via, int64_t now,
                              struct ct_error *err);

/*
 * Pause until `until_day` (days since 1970-01-01, network zone; it must be
 * after today there, else CT_EUSAGE "until: ..."); 0 = until resumed.
 * Their sent groups whose meeting is not over change as for ct_action_skip;
 * planned rounds lose them at send. Pausing again with the same date is
 * no change; another date replaces it. CT_ESTATE for a member who stopped.
 */
enum ct_status ct_action_pause(struct ct_store *store, const struct ct_config *cfg,
                               int64_t member_id, int32_t until_day, enum ct_via via, int64_t now,
                               struct ct_error *err);

/*
 * Leave the network (status left, history kept): exactly as `member
 * remove` (ct_rounds_member_leave: sent groups cancelled or updated,
 * planned groups lose them). A roster re-import that still lists them does
 * not bring them back (members.h). Stopping again is no change.
 */
enum ct_status ct_action_stop(struct ct_store *store, const struct ct_config *cfg,
                              int64_t member_id, enum ct_via via, int64_t now,
                              struct ct_error *err);

/* Active again after a pause or a stop (the undo of both). Active already: no change. */
enum ct_status ct_action_resume(struct ct_store *store, const struct ct_config *cfg,
                                int64_t member_id, enum ct_via via, int64_t now,
                                struct ct_error *err);

/*
 * Validate every field (ct_prefs_validate: CT_EUSAGE naming the field) and
 * store them all or none. p replaces what the member set before: a field
 * unset in p is unset (the roster's value applies again). The member's
 * fields win over the roster's wherever coffeetrial uses them (time zone
 * and frequency in planning; zone in invitations) and a roster sync never
 * writes them.
 */
enum ct_status ct_action_prefs_set(struct ct_store *store, const struct ct_config *cfg,
                                   int64_t member_id, const struct ct_prefs *p, enum ct_via via,
                                   int64_t now, struct ct_error *err);

/* The member's own fields (every field unset if they set none). OUT: *out, ct_prefs_free(). */
enum ct_status ct_action_prefs_get(struct ct_store *store, int64_t member_id, struct ct_prefs *out,
                                   struct ct_error *err);

/*
 * "Did you meet?" for the member's sent group group_id. rating 0 = none,
 * else 1-5; note may be NULL (at most 1000 bytes of UTF-8, line breaks
 * allowed). Each member's latest answer is kept (a different answer
 * replaces it). The group's outcome is derived from its members'
 * answers as the survey import does: met if any member says met (the mean
 * rating, the notes joined), else not met if any says so; "moved" alone
 * records none. It then feeds the tie graph exactly as an organiser's
 * outcome, which it never replaces. Answers that disagree are all kept,
 * and round show marks them. CT_ENOTFOUND for an unknown group or one the
 * member was not in; CT_ESTATE for a group not sent, cancelled, or that the
 * member left; CT_EUSAGE for a bad rating or note.
 */
enum ct_status ct_action_checkin(struct ct_store *store, const struct ct_config *cfg,
                                 int64_t member_id, int64_t group_id, enum ct_checkin c, int rating,
                                 const char *note, enum ct_via via, int64_t now,
                                 struct ct_error *err);

/*
 * The member (any status but erased) by id, for pages: CT_ENOTFOUND if
 * unknown/erased. OUT: *out, freed with ct_member_free() (members.h).
 */
enum ct_status ct_action_member(struct ct_store *store, int64_t member_id, struct ct_member **out,
                                struct ct_error *err);

/*
 * What member_id did, oldest first, for member show: each call of this
 * module (store_actions.h's struct ct_action_entry). OUT: *out (free with
 * ct_store_action_entries_free) and *count.
 */
struct ct_action_entry;
enum ct_status ct_action_log_list(struct ct_store *store, int64_t member_id,
                                  struct ct_action_entry **out, size_t *count,
                                  struct ct_error *err);

/* What members did about one round, for round show. */
struct ct_action_round_skip {
    int64_t member_id;
    char *email; /* NULL once erased */
    enum ct_via via;
    int64_t at;
};
struct ct_action_round_checkin {
    int64_t group_id;
    int64_t member_id;
    char *email; /* NULL once erased */
    enum ct_checkin answer;
    int rating; /* 0: none */
    char *note; /* NULL: none */
    enum ct_via via;
    int64_t at;
};
struct ct_action_round {
    struct ct_action_round_skip *skips; /* by member id */
    size_t skip_count;
    struct ct_action_round_checkin *checkins; /* by group, then member */
    size_t checkin_count;
    int64_t *disagree; /* groups whose members answered met and not met */
    size_t disagree_count;
    long rematched; /* members re-formed into a new group after the plan (round_changes) */
};

/*
 * round_id's skips, check-ins (with the groups whose members disagree)
 * and re-matches. OUT: *out, freed with ct_action_round_clear().
 */
enum ct_status ct_action_round_load(struct ct_store *store, int64_t round_id,
                                    struct ct_action_round *out, struct ct_error *err);
void ct_action_round_clear(struct ct_action_round *r);

/* Per round, what members did: store_actions.h's counts. OUT: *out (free()), *count. */
struct ct_action_counts;
enum ct_status ct_action_counts_load(struct ct_store *store, struct ct_action_counts **out,
                                     size_t *count, struct ct_error *err);

#endif
