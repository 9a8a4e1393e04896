/*
 * store_rounds.h: the rounds table family (rounds, groups, group_members,
 * unpaired) behind typed functions: what planning reads, a planned round
 * written, rounds and groups read back, and the state changes of sending,
 * cancelling and members leaving. States cross as the enums of entity.h.
 */
#ifndef CT_STORE_ROUNDS_H
#define CT_STORE_ROUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "round.h"
#include "store.h"

/* --- what planning reads ------------------------------------------------------ */

struct ct_store_pair {
    int64_t a, b; /* member ids */
};

struct ct_store_sent_round {
    int64_t id;
    char date[11];
};

/* One member of a past group: of a sent round, or of any group recorded as met. */
struct ct_store_past_member {
    int64_t group_id;
    int64_t round_id;
    char date[11];   /* the round's */
    bool round_sent; /* the round is sent (else the group only counts as met) */
    int64_t member_id;
    bool removed; /* left the group after it was sent */
};

/* A member who sat out a sent round. */
struct ct_store_sit_out {
    int64_t member_id;
    int64_t round_id;
    char date[11];
};

/* Working hours a member set for themselves (member_prefs); the network's fill what they did not.
 */
struct ct_store_member_hours {
    int64_t member_id;
    bool has_hours; /* start_minutes, end_minutes set */
    int start_minutes, end_minutes;
    bool has_days; /* days set */
    unsigned days; /* bit 0 Monday */
};

/* Everything a round is planned from, as the store holds it. */
struct ct_store_planning {
    struct ct_member *members; /* every member, erased ones too, by id; no ties filled */
    size_t member_count;
    struct ct_store_pair *ties;
    size_t tie_count;
    struct ct_store_pair *exclusions;
    size_t exclusion_count;
    struct ct_store_sent_round *sent; /* newest date first */
    size_t sent_count;
    struct ct_store_past_member *past; /* ordered by group id */
    size_t past_count;
    struct ct_store_sit_out *sit_outs;
    size_t sit_out_count;
    int64_t next_group_id;               /* the id the next group inserted will take */
    struct ct_store_member_hours *hours; /* members with hours or days of their own, by id */
    size_t hours_count;
    size_t member_total; /* the members counted before they were read */
};

/*
 * Read what planning needs. OUT: *out (cleared first), freed with
 * ct_store_planning_clear() also on failure.
 */
enum ct_status ct_store_planning_load(struct ct_store *store, struct ct_store_planning *out,
                                      struct ct_error *err);

struct ct_par_progress; /* par.h */

/*
 * ct_store_planning_load, publishing the members to members as they are
 * read (their count; the last publish when all are read or the read
 * failed): another thread can take out->members[0 .. published) while the
 * rest is read. The working hours are read before the members.
 */
enum ct_status ct_store_planning_load_with(struct ct_store *store, struct ct_store_planning *out,
                                           struct ct_par_progress *members, struct ct_error *err);
void ct_store_planning_clear(struct ct_store_planning *p);

/*
 * The hours and days member_id set for themselves. OUT: *out (has_hours,
 * has_days false when unset).
 */
enum ct_status ct_store_member_hours_get(struct ct_store *store, int64_t member_id,
                                         struct ct_store_member_hours *out, struct ct_error *err);

/*
 * The connection's memory map of the database file (PRAGMA mmap_size), in
 * bytes: planning reads every member once, and reading the pages in place
 * costs a third of copying them into the page cache. 0 turns it off (the
 * default).
 */
int64_t ct_store_mmap_size(struct ct_store *store);
void ct_store_mmap_size_set(struct ct_store *store, int64_t bytes);

/*
 * Whether the connection checks foreign keys, and turn that on or off
 * (PRAGMA foreign_keys; outside a transaction only, else nothing changes).
 * A planned round's rows refer to the round, groups and members of the
 * same transaction: checking each of its 150,000 rows at 100,000 members
 * is a quarter of writing them.
 */
bool ct_store_foreign_keys(struct ct_store *store);
void ct_store_foreign_keys_set(struct ct_store *store, bool on);

/* --- rounds -------------------------------------------------------------------- */

/*
 * Write planned round, in steps, while it is built: the start (a round
 * still planned for its date becomes replaced, its planned groups
 * cancelled; OUT: round->replaced; then the round: state planned, origin,
 * seed, send_after, created_at = now; OUT: round->id), then its groups in
 * order with ct_store_groups_add (the ids, UIDs, scores, explain JSON and
 * slots they carry, and their members), then its unpaired with
 * ct_store_round_write_unpaired.
 */
enum ct_status ct_store_round_write_start(struct ct_txn *txn, struct ct_round *round, int64_t now,
                                          struct ct_error *err);
enum ct_status ct_store_round_write_unpaired(struct ct_txn *txn, const struct ct_round *round,
                                             struct ct_error *err);

/*
 * Round id's own fields (not its groups or unpaired) into *round, which is
 * zeroed first. CT_ENOTFOUND if there is none.
 */
enum ct_status ct_store_round_load(struct ct_store *store, int64_t id, struct ct_round *round,
                                   struct ct_error *err);

/* The newest round of date in state. OUT: *id, 0 if none. */
enum ct_status ct_store_round_find(struct ct_store *store, const char *date,
                                   enum ct_round_state state, int64_t *id, struct ct_error *err);

/* Every round with its counts, newest date first. OUT: *items (free()), *count. */
enum ct_status ct_store_rounds_list(struct ct_store *store, struct ct_round_summary **items,
                                    size_t *count, struct ct_error *err);

/*
 * Set round id's state; sent also sets sent_at, and cancelled
 * cancelled_at, to now.
 */
enum ct_status ct_store_round_set_state(struct ct_txn *txn, int64_t id, enum ct_round_state state,
                                        int64_t now, struct ct_error *err);

/* --- groups -------------------------------------------------------------------- */

/* Which groups to load: every field that is 0 matches anything. */
struct ct_store_group_filter {
    int64_t round_id;
    int64_t group_id;
    /*
     * A batch of a send (with round_id): only the round's planned groups
     * with an id above after_id, at most batch of them. 0: no batching.
     */
    int64_t after_id;
    size_t batch;
};

/*
 * The groups filter chooses, ordered by id, each with its members (removed
 * ones too, ordered by member id) and its explain JSON unread. OUT: *groups,
 * *count; free each with ct_round_group_clear() and the array with free().
 */
enum ct_status ct_store_groups_load(struct ct_store *store,
                                    const struct ct_store_group_filter *filter,
                                    struct ct_round_group **groups, size_t *count,
                                    struct ct_error *err);

/* A group's proposed time: its start and length. */
struct ct_store_slot {
    int64_t start;
    int minutes;
};

/*
 * The proposed times of every group of round_id, without the groups (a send
 * spreads new times against them). OUT: *slots (free()), *count.
 */
enum ct_status ct_store_round_slots(struct ct_store *store, int64_t round_id,
                                    struct ct_store_slot **slots, size_t *count,
                                    struct ct_error *err);

/* Write g's state, sequence and slot (start, minutes). */
enum ct_status ct_store_group_update(struct ct_txn *txn, const struct ct_round_group *g,
                                     struct ct_error *err);

/* Set the state of round_id's groups that are in state from to to. */
enum ct_status ct_store_groups_set_state(struct ct_txn *txn, int64_t round_id,
                                         enum ct_group_state from, enum ct_group_state to,
                                         struct ct_error *err);

/* Delete group id (and, by cascade, its member rows). */
enum ct_status ct_store_group_delete(struct ct_txn *txn, int64_t id, struct ct_error *err);

/*
 * Take member_id out of group_id. OUT: remaining (up to CT_GROUP_MAX) and
 * *remaining_count: the members still in the group.
 */
enum ct_status ct_store_group_member_drop(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                          int64_t remaining[CT_GROUP_MAX], size_t *remaining_count,
                                          struct ct_error *err);

/* Mark member_id removed from sent group group_id (they stay in its history). */
enum ct_status ct_store_group_member_remove(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                            struct ct_error *err);

/* Add member_id to group group_id (a re-matched member joining a pair as a third). */
enum ct_status ct_store_group_member_add(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                         struct ct_error *err);

/* A member of a planned group who has left, was erased or paused since. */
struct ct_store_departure {
    int64_t group_id;
    int64_t member_id;
    enum ct_member_status status; /* left, erased or paused */
};

/*
 * The members of round_id's planned groups who left, were erased or are
 * paused (a pause that ends by the round's date does not count), by group
 * id. OUT: *v (free()), *count.
 */
enum ct_status ct_store_groups_departed(struct ct_store *store, int64_t round_id,
                                        struct ct_store_departure **v, size_t *count,
                                        struct ct_error *err);

/* A group a member is in, not removed, of a planned or sent round (group in the same state). */
struct ct_store_member_group {
    int64_t group_id;
    int64_t round_id;
    char date[11]; /* the round's */
    bool sent;     /* else planned */
    int64_t ends;  /* the slot's end, 0 if none */
};

/*
 * How far the send of round_id has gone. OUT: *queued (its groups sent),
 * *planned (its groups still planned).
 */
enum ct_status ct_store_round_send_progress(struct ct_store *store, int64_t round_id, long *queued,
                                            long *planned, struct ct_error *err);

/* Member_id's groups that a departure changes, by group id. OUT: *v (free()), *count. */
enum ct_status ct_store_member_groups(struct ct_store *store, int64_t member_id,
                                      struct ct_store_member_group **v, size_t *count,
                                      struct ct_error *err);

/*
 * Insert groups (their ids, UIDs, states, scores, explain JSON, slots and
 * members as given) into round round_id.
 */
enum ct_status ct_store_groups_add(struct ct_txn *txn, int64_t round_id,
                                   const struct ct_round_group *groups, size_t count,
                                   struct ct_error *err);

/* Two members of one planned group of a round who are now excluded from meeting. */
struct ct_store_excluded_pair {
    int64_t group_id;
    int64_t a, b; /* a < b */
};

/* The excluded pairs inside round_id's planned groups, by group id. OUT: *v (free()), *count. */
enum ct_status ct_store_groups_excluded(struct ct_store *store, int64_t round_id,
                                        struct ct_store_excluded_pair **v, size_t *count,
                                        struct ct_error *err);

/* The next group id the store will take. OUT: *id. */
enum ct_status ct_store_group_next_id(struct ct_store *store, int64_t *id, struct ct_error *err);

/* --- changes since the plan (round_changes) ------------------------------------ */

/* One record of what changed in a planned round (enum ct_round_change_kind). */
struct ct_store_round_change {
    int64_t group_id; /* the planned group */
    enum ct_round_change_kind kind;
    int64_t member_id;    /* 0: none */
    int64_t other_id;     /* the other of an excluded pair; 0: none */
    int64_t new_group_id; /* CT_CHANGE_WITH: the group re-formed into; 0: none */
    const char *reason;   /* CT_CHANGE_UNPAIRED: why; NULL otherwise */
    /* Filled by ct_store_changes_load (heap; NULL once erased or unset): */
    char *member_name; /* the member's name, else their e-mail */
    char *other_name;
    char *reason_copy;
    bool member_erased;
    bool other_erased;
};

/* Record c about round_id at now. */
enum ct_status ct_store_change_add(struct ct_txn *txn, int64_t round_id,
                                   const struct ct_store_round_change *c, int64_t now,
                                   struct ct_error *err);

/*
 * Round_id's change records, by group id then in the order recorded, with
 * the members' names as they are now. OUT: *v, *count; free with
 * ct_store_changes_free().
 */
enum ct_status ct_store_changes_load(struct ct_store *store, int64_t round_id,
                                     struct ct_store_round_change **v, size_t *count,
                                     struct ct_error *err);
void ct_store_changes_free(struct ct_store_round_change *v, size_t count);

/* --- unpaired ------------------------------------------------------------------ */

/*
 * Round_id's unpaired members, sit-outs first, then by e-mail (erased
 * last). OUT: *items, *count; free each with ct_round_unpaired_clear() and
 * the array with free().
 */
enum ct_status ct_store_unpaired_load(struct ct_store *store, int64_t round_id,
                                      struct ct_round_unpaired **items, size_t *count,
                                      struct ct_error *err);

/* Record member_id as unpaired in round_id, replacing any earlier reason. */
enum ct_status ct_store_unpaired_put(struct ct_txn *txn, int64_t round_id, int64_t member_id,
                                     const char *reason, bool sit_out, struct ct_error *err);

/* Delete member_id's unpaired row in round_id, if any. */
enum ct_status ct_store_unpaired_delete(struct ct_txn *txn, int64_t round_id, int64_t member_id,
                                        struct ct_error *err);

/* Drop the unpaired of round_id who have left or were erased. */
enum ct_status ct_store_unpaired_drop_departed(struct ct_txn *txn, int64_t round_id,
                                               struct ct_error *err);

/* Drop member_id from the unpaired of every planned round. */
enum ct_status ct_store_unpaired_drop_member(struct ct_txn *txn, int64_t member_id,
                                             struct ct_error *err);

#endif
