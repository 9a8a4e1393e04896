/*
 * store_outcomes.h: the outcomes table family seen from above: the groups
 * an outcome may be recorded for, writing outcomes, simulated answers, and
 * the contact rule ("who has met whom") the tie graph and reports share.
 * No SQLite type crosses this header; SQL lives in store_outcomes.c.
 */
#ifndef CT_STORE_OUTCOMES_H
#define CT_STORE_OUTCOMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "reply.h"
#include "store.h"

/* A group as the outcome checks need it: its state, its round's, and any outcome. */
struct ct_outcome_group {
    int64_t id;
    int64_t round_id;
    enum ct_group_state state;
    enum ct_round_state round_state;
    bool has_slot;      /* slot_start is set */
    int64_t slot_start; /* when the group meets, Unix seconds UTC */
    bool has_outcome;   /* an outcome is recorded; met and rating are its values */
    bool met;
    int rating; /* 0 for none */
};

/* A round a survey row names, by number or by date. */
struct ct_outcome_round {
    int64_t id;
    enum ct_round_state state;
    size_t sent_on_date; /* by date: how many sent rounds share that date */
};

/*
 * One survey row to look up. Keys not given (0, NULL) are not looked up
 * and their found flags stay false.
 *
 * - group_id / uid: the group so named (by_id, by_uid).
 * - round_id or round_date (YYYY-MM-DD): the round. By date, the sent
 *   round on that date is found (the one with the lowest id if several;
 *   sent_on_date says how many), else the latest round on that date.
 * - email (compared case-insensitively): the member (member_id), and their
 *   group in the round found, or, with no round key, in the round of the
 *   group named by id or uid: a sent group they are still in if any, else
 *   the group they were taken out of, else a group never sent (by_member,
 *   member_removed).
 */
struct ct_outcome_lookup {
    int64_t group_id;       /* 0: not given */
    const char *uid;        /* NULL: not given; borrowed */
    int64_t round_id;       /* 0: not given */
    const char *round_date; /* NULL: not given; borrowed */
    const char *email;      /* NULL: not given; borrowed */
    bool by_id_found;       /* OUT */
    struct ct_outcome_group by_id;
    bool by_uid_found; /* OUT */
    struct ct_outcome_group by_uid;
    bool round_found; /* OUT */
    struct ct_outcome_round round;
    bool member_found; /* OUT */
    int64_t member_id;
    bool by_member_found; /* OUT */
    struct ct_outcome_group by_member;
    bool member_removed; /* OUT: taken out of by_member after it was sent */
};

/*
 * Look up n rows (see struct ct_outcome_lookup), reading through store
 * (inside a transaction when the caller holds one). Fills items[].
 */
enum ct_status ct_store_outcome_groups_lookup(struct ct_store *store,
                                              struct ct_outcome_lookup *items, size_t n,
                                              struct ct_error *err);

/* One outcome to write. Strings are borrowed. */
struct ct_outcome_row {
    int64_t group_id;
    bool met;
    int rating;         /* 1-5, or 0 for none (stored as NULL) */
    const char *note;   /* NULL or "" for none (stored as NULL) */
    const char *source; /* "cli", "import", "simulated" */
};

/*
 * Insert or replace the outcomes of n groups, recorded_at now. The groups
 * must exist (the foreign key refuses others: CT_EDATA).
 */
enum ct_status ct_store_outcomes_write(struct ct_txn *txn, const struct ct_outcome_row *rows,
                                       size_t n, int64_t now, struct ct_error *err);

/* A member's place in a group: their answer to the invitation, and whether they left it. */
struct ct_group_seat {
    int64_t group_id;
    int64_t member_id;
    enum ct_partstat partstat;
    bool removed;  /* group_members.removed: taken out of the group */
    bool proposed; /* ct_store_report_seats only: proposed another time (COUNTER) */
};

/*
 * The members still in the sent groups of round_id, ordered by group id,
 * then member id; partstat is what they answered so far. OUT: *out (heap
 * array the caller frees; NULL when *count is 0) and *count.
 */
enum ct_status ct_store_outcomes_round_members(struct ct_store *store, int64_t round_id,
                                               struct ct_group_seat **out, size_t *count,
                                               struct ct_error *err);

/* Set the answers (group_members.partstat) of n group members; removed is not written. */
enum ct_status ct_store_outcomes_answers_set(struct ct_txn *txn,
                                             const struct ct_group_seat *answers, size_t n,
                                             struct ct_error *err);

/* One pair of members who count as having met (the contact rule below). */
struct ct_contact {
    int64_t a, b; /* member ids, a < b */
    int64_t group_id;
    int64_t round_id;
};

/*
 * The contact rule: a pair of members counts as having met when their
 * group was sent (and its round was not cancelled), neither left the group
 * (group_members.removed = 0), and either an outcome was recorded with
 * met, or no outcome was recorded and neither of the two answered the
 * invitation DECLINED. The tie graph of the pairing engine is the declared
 * ties plus these pairs; the reports apply the same rule in memory.
 *
 * Every contact in the store, ordered by round date, round id, group id,
 * a, b. OUT: *out (heap array the caller frees; NULL when *count is 0) and
 * *count.
 */
enum ct_status ct_store_outcomes_contacts(struct ct_store *store, struct ct_contact **out,
                                          size_t *count, struct ct_error *err);

#endif
