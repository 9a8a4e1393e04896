/*
 * rounds.h: the rounds of a network in the store. Planning one (the
 * pairing engine run on the members, their history and the rules, a slot
 * proposed for each group, everything written in one transaction), showing
 * and listing them, sending one (every invitation queued in the outbox in
 * the same transaction as the round is marked sent), cancelling one, and
 * what happens to sent and planned groups when a member leaves.
 *
 * A round is planned, then sent, or cancelled (by the organiser) or
 * replaced (planned again for the same date): enum ct_round_state. The
 * round, group and unpaired views are in core/round.h. See docs/rounds.md.
 */
#ifndef CT_ROUNDS_H
#define CT_ROUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "members.h"
#include "round.h"
#include "store.h"

/* The JSON key of term i ("weak_tie"), or NULL past the last. */
const char *ct_rounds_term_name(size_t i);

/* The same for people ("weak tie"), or NULL past the last. */
const char *ct_rounds_term_label(size_t i);

struct ct_round_plan_options {
    const char *date; /* YYYY-MM-DD; NULL: today in the network's zone */
    uint64_t seed;    /* 0: a random seed (from the system), stored with the round */
    enum ct_round_origin origin;
    int64_t send_after; /* when the round will be sent (daemon); 0: unknown */
    bool dry_run;       /* compute and return the plan, write nothing */
    bool exact;         /* prove the optimum over every allowed pair (slow on large rounds) */
    bool lean; /* keep the connection's page cache and no memory map: memory before speed */
};

/*
 * Plan the round for opts->date. Paused members whose pause has ended are
 * made active first (not in a dry run). The pairing engine groups the
 * members who are eligible (active, not paused, due by their frequency)
 * under the rules of cfg's [pairing], and each group gets a proposed slot
 * inside the round's meeting window: it opens at opts->send_after, or, if
 * that is 0, on the date at [schedule] time in the network's zone plus
 * review_period, never before now; it lasts meeting_window. A group for
 * which no slot exists is not kept: its members are listed as unpaired,
 * with the reason.
 *
 * Unless opts->dry_run, the round, its groups and the unpaired are written
 * in one transaction, and a round still 'planned' for the same date becomes
 * 'replaced'. A date whose round was already sent is CT_ESTATE (cancel it
 * first). A malformed date is CT_EUSAGE.
 * OUT: *out, the plan (ids are 0 in a dry run), freed with ct_round_free().
 */
enum ct_status ct_rounds_plan(struct ct_store *store, const struct ct_config *cfg,
                              const struct ct_round_plan_options *opts, int64_t now,
                              struct ct_round **out, struct ct_error *err);

/*
 * Round id with its groups (members' names, e-mails, organisations; the
 * score by rule and the reasons) and its unpaired members. CT_ENOTFOUND if
 * there is no such round. OUT: *out, freed with ct_round_free().
 */
enum ct_status ct_rounds_load(struct ct_store *store, int64_t id, struct ct_round **out,
                              struct ct_error *err);

struct ct_round_list {
    struct ct_round_summary *items; /* newest date first */
    size_t count;
};

/* Every round, newest date first. OUT: *out, freed with ct_round_list_free(). */
enum ct_status ct_rounds_list(struct ct_store *store, struct ct_round_list **out,
                              struct ct_error *err);
void ct_round_list_free(struct ct_round_list *list);

/* What a send, cancel or a member leaving queued. */
struct ct_round_mail {
    size_t groups;    /* groups invited, cancelled or updated */
    size_t messages;  /* messages queued in the outbox */
    size_t dropped;   /* members dropped from planned groups (they left) */
    size_t reslotted; /* groups whose planned slot had passed and got a new one */
};

/* What changed in a round since its plan: one record per planned group changed. */
struct ct_round_changes {
    struct ct_round_change *items; /* by group id */
    size_t count;
};

/* Free what c owns and zero it. NULL is accepted. */
void ct_round_changes_clear(struct ct_round_changes *c);

/*
 * Send planned round id: for every group, one METHOD:REQUEST message per
 * member, queued in the outbox, and the groups and the round marked 'sent',
 * all in one transaction (a failure anywhere leaves nothing queued and the
 * round planned). First, in the same transaction, the decisions taken
 * since the plan are honoured (docs/rounds.md "After review"): members who
 * left, were erased or paused are taken out of their groups, groups
 * holding a pair now excluded are dissolved, and the members left without
 * a partner are re-formed among themselves under every rule (each new
 * group with a slot), or become unpaired with the reason; nobody paused or
 * excluded is invited. A group whose slot has passed gets a new one in
 * [now, now + meeting_window). CT_ENOTFOUND for an unknown round,
 * CT_ESTATE if it is not planned. OUT: *out (may be NULL); *changes (may
 * be NULL), what changed since the plan, one line per planned group,
 * freed with ct_round_changes_clear().
 *
 * The groups are queued in batches, each a short transaction of whole
 * groups (every member's message or none): other writers wait well under
 * a second. A send that stops part way (a crash) leaves the round planned
 * with some groups sent; calling this again honours what changed since
 * and queues the rest, and the round is sent once every group is.
 */
enum ct_status ct_rounds_send(struct ct_store *store, const struct ct_config *cfg, int64_t id,
                              int64_t now, struct ct_round_mail *out,
                              struct ct_round_changes *changes, struct ct_error *err);

#ifdef CT_TEST_HOOKS
/* Tests only: groups per batch of a send (0: the default), and stop with CT_EIO after that many
 * batches (0: never). */
extern size_t ct_rounds_send_test_batch;
extern size_t ct_rounds_send_test_stop_after;
/* Tests only: called between two batches of a send (another process writing meanwhile). */
extern void (*ct_rounds_send_test_between)(void *arg);
extern void *ct_rounds_send_test_arg;
#endif

/*
 * What pausing member_id (other_id 0), or excluding member_id and other_id
 * from meeting, would change in the planned (not yet sent) rounds, one
 * line each for the organiser ("round 3 (planned for 2026-12-07) has Priya
 * Shah in group 4 with Mark Lee: at send, Mark Lee will be re-paired").
 * Call it after the pause (a pause that ends by a round's date changes
 * nothing there) or the exclusion. Read only. OUT: *lines (heap strings, free each and the array),
 * *count.
 */
enum ct_status ct_rounds_preview(struct ct_store *store, int64_t member_id, int64_t other_id,
                                 char ***lines, size_t *count, struct ct_error *err);

/*
 * The same by e-mail (other_email NULL for a pause). An unknown address is
 * CT_ENOTFOUND. OUT: as ct_rounds_preview.
 */
enum ct_status ct_rounds_preview_emails(struct ct_store *store, const char *email,
                                        const char *other_email, char ***lines, size_t *count,
                                        struct ct_error *err);

/*
 * Mark planned round id and its groups sent, as ct_rounds_send() does, but
 * without building or queuing any mail: for simulations (`coffeetrial
 * simulate` in a temporary database). CT_ENOTFOUND, CT_ESTATE as there.
 */
enum ct_status ct_rounds_mark_sent(struct ct_store *store, int64_t id, int64_t now,
                                   struct ct_error *err);

/*
 * Cancel round id. A planned round is marked 'cancelled' and nothing is
 * mailed. A sent round: every group still on gets a METHOD:CANCEL (same
 * UID, SEQUENCE one higher) to each of its members, queued in the same
 * transaction as the round and its groups are marked 'cancelled'.
 * CT_ESTATE for a round already cancelled or replaced. OUT: *out (may be NULL).
 */
enum ct_status ct_rounds_cancel(struct ct_store *store, const struct ct_config *cfg, int64_t id,
                                int64_t now, struct ct_round_mail *out, struct ct_error *err);

/*
 * A member leaves (removed, or erased when erasing), at now: runs inside
 * the caller's transaction txn (the member's record still as it was).
 *  - Sent groups whose meeting is not over: in a pair, both get a CANCEL
 *    and the group is cancelled; in a trio, the leaver gets a CANCEL
 *    listing only them, and the two others an updated REQUEST without
 *    them; SEQUENCE rises by one. The leaver is marked removed.
 *  - Planned rounds: the member is taken out of their group; a partner
 *    left alone becomes unpaired ("partner left").
 * When erasing, nothing is sent to the member (their address is about to
 * go), and what the others receive does not name them.
 * OUT: *out (may be NULL): groups changed, messages queued.
 */
enum ct_status ct_rounds_member_leave(struct ct_txn *txn, const struct ct_config *cfg,
                                      int64_t member_id, bool erasing, int64_t now,
                                      struct ct_round_mail *out, struct ct_error *err);

/*
 * After a pause of email (other_email NULL), or an exclusion of email and
 * other_email, at now: their sent groups whose meeting is not over are
 * changed as when a member leaves (ct_rounds_member_leave): a pair gets a
 * CANCEL each and is cancelled, a trio goes on as a pair (the paused one,
 * or other_email for an exclusion, gets a CANCEL; the two others an
 * updated REQUEST). Whoever is left alone also gets a notice ("your partner
 * can't make it this month; we'll try to find you someone new"). One
 * transaction. OUT: *out (may be NULL): groups changed, messages queued.
 */
enum ct_status ct_rounds_withdraw(struct ct_store *store, const struct ct_config *cfg,
                                  const char *email, const char *other_email, int64_t now,
                                  struct ct_round_mail *out, struct ct_error *err);

/*
 * Inside the caller's transaction txn: member_id (still active) drops out
 * of round_id (0: every round) at now, as after a pause (issue 13's path):
 * sent groups whose meeting is not over are changed as by
 * ct_rounds_withdraw (a pair is cancelled, a trio goes on as a pair, the
 * partner left alone is told and becomes a re-match candidate). With cause
 * CT_CHANGE_SKIPPED, planned groups of round_id lose the member too (the
 * partner left alone is re-formed at send); other causes leave planned
 * rounds to the send's reconciliation. OUT: *out (may be NULL).
 */
enum ct_status ct_rounds_member_withdraw(struct ct_txn *txn, const struct ct_config *cfg,
                                         int64_t member_id, int64_t round_id,
                                         enum ct_round_change_kind cause, int64_t now,
                                         struct ct_round_mail *out, struct ct_error *err);

/*
 * A member hook (members.h) that runs ct_rounds_member_leave() for every
 * member that member remove, member erase or a roster import makes leave,
 * adding up in mail what it did. ct_rounds_leave_init() points
 * leave->hook at it; pass &leave->hook, and leave must outlive the call.
 */
struct ct_rounds_leave {
    const struct ct_config *cfg;
    struct ct_round_mail mail; /* summed over every member who left */
    size_t members;            /* members whose groups changed */
    struct ct_member_hook hook;
};

void ct_rounds_leave_init(struct ct_rounds_leave *leave, const struct ct_config *cfg);

#endif
