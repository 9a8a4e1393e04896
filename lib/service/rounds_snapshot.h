/*
 * rounds_snapshot.h: what the files of the rounds module share and nobody else
 * uses: the snapshot of the store a round is planned from, the engine's
 * answer in the module's terms, the explain JSON, and group loading. Calls
 * go one way: rounds.c, rounds_mail.c and rounds_review.c use the
 * snapshot, the engine, rounds_build.c and explain; those never call back.
 */
#ifndef CT_ROUNDS_SNAPSHOT_H
#define CT_ROUNDS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "rounds.h"
#include "store.h"
#include "store_rounds.h"
#include "util.h"
#include "worktime.h"

/*
 * One member as planning sees it (erased members too: they are history):
 * the member view, and what the engine needs besides.
 */
struct rounds_member {
    struct ct_member member;
    int32_t paused_day; /* member.paused_until as a day number; 0: until resumed */
    /* Interned boundaries (0: unknown), and the index of the member's zone. */
    uint32_t organisation_id, team_id, site_id, role_id;
    uint32_t zone;
    /* History, counted in sent rounds: 1 = the latest sent round, 0 = never. */
    int rounds_since_grouped; /* grouped or sat out */
    int rounds_since_sit_out;
    int trios;
    int by_size[CT_GROUP_MAX + 1]; /* sent groups by size (group_size > 2: off-size ones rotate) */
    int sit_outs;
    bool skipping;               /* the member skips this round (member_actions.h): not eligible */
    bool own_hours;              /* the member set their hours or days: worktime is theirs */
    struct ct_worktime worktime; /* the network's, with what they set over it */
};

struct rounds_pair {
    uint32_t a, b; /* member indices */
};

struct rounds_meeting {
    uint32_t a, b;
    uint32_t rounds_ago; /* >= 1 */
};

/* A zone's working intervals inside the meeting window. */
struct rounds_zone {
    char *name;                  /* IANA */
    struct ct_worktime worktime; /* the hours these members work (a zone may appear per hours) */
    struct ct_interval *hours;
    size_t count;
};

/* The store as of one moment, in the shape the engine takes. */
struct rounds_snapshot {
    struct rounds_member *members; /* ordered by id */
    size_t count;
    struct rounds_pair *ties;
    size_t tie_count;
    struct rounds_pair *exclusions;
    size_t exclusion_count;
    struct rounds_meeting *history;
    size_t history_count;
    struct rounds_zone *zones;
    size_t zone_count;
    int32_t day; /* the round's date, days since 1970-01-01 */
    /* Relational Coordination: strengths by role id pair (rounds_snapshot_add_rc); NULL: none. */
    float *coordination;
    uint32_t coordination_roles;
    char coordination_wave[16]; /* the wave's month, "March" */
};

/*
 * Build the snapshot of the round on day from what the store holds
 * (rounds_snapshot.c): the members (taken out of *planning), boundaries
 * interned, the history counted in sent rounds, and the working hours of
 * every zone in [from, to). OUT: *snap, freed with rounds_snapshot_clear()
 * also on failure.
 */
enum ct_status rounds_snapshot_build(const struct ct_config *cfg,
                                     struct ct_store_planning *planning, int32_t day, int64_t from,
                                     int64_t to, struct rounds_snapshot *snap,
                                     struct ct_error *err);

/*
 * ct_store_planning_load and rounds_snapshot_build at once: the members
 * are taken into the snapshot on a second thread as this one reads them
 * (and then the rest of what planning needs). OUT: *planning (what is left
 * of it: clear it with ct_store_planning_clear()) and *snap, as the two
 * would leave them, also on failure.
 */
enum ct_status rounds_snapshot_load(struct ct_store *store, const struct ct_config *cfg,
                                    struct ct_store_planning *planning, int32_t day, int64_t from,
                                    int64_t to, struct rounds_snapshot *snap, struct ct_error *err);
void rounds_snapshot_clear(struct rounds_snapshot *snap);

/* Mark the members ids[0..count) (sorted) as skipping the round: the engine leaves them out. */
enum ct_status rounds_snapshot_skip(struct rounds_snapshot *snap, const int64_t *ids, size_t count);

/*
 * Give snap the role-pair strengths of the latest Relational Coordination
 * wave (links, dated wave_date), by the members' interned role ids; roles
 * match after ct_rc_fold under the [roster] aliases. No links, or more than 4096 distinct roles: no
 * effect. CT_ENOMEM.
 */
struct ct_rc_link;
struct ct_orgname_aliases;
enum ct_status rounds_snapshot_add_rc(struct rounds_snapshot *snap,
                                      const struct ct_orgname_aliases *aliases,
                                      const char *wave_date, const struct ct_rc_link *links,
                                      size_t count, struct ct_error *err);

/* One group the engine formed. */
struct rounds_outcome_group {
    uint32_t members[CT_GROUP_MAX]; /* snapshot indices */
    unsigned size;                  /* 2 to 4 */
    double total;
    double terms[CT_ROUND_TERMS];
    char **reasons;
    size_t reason_count;
};

struct rounds_outcome_unpaired {
    uint32_t member;
    bool sit_out;
    char *reason;
};

struct rounds_outcome {
    struct rounds_outcome_group *groups;
    size_t group_count;
    struct rounds_outcome_unpaired *unpaired;
    size_t unpaired_count;
    size_t eligible;
    bool optimal; /* the engine proved the matching optimal over every allowed pair */
};

/* Free what out owns and zero it (rounds_engine.c). */
void rounds_outcome_clear(struct rounds_outcome *out);

/*
 * Run the pairing engine on snap under cfg's [pairing] rules with seed
 * (rounds_engine.c, the one place that knows the engine's types).
 * OUT: *out, cleared first; rounds_outcome_clear() frees it.
 */
enum ct_status rounds_engine_run(const struct rounds_snapshot *snap, const struct ct_config *cfg,
                                 uint64_t seed, struct rounds_outcome *out, struct ct_error *err);

/* rounds_engine_run; with exact, the engine prices every allowed pair until
 * it proves the optimum (round plan --exact: slow on large rounds). */
enum ct_status rounds_engine_plan(const struct rounds_snapshot *snap, const struct ct_config *cfg,
                                  uint64_t seed, bool exact, struct rounds_outcome *out,
                                  struct ct_error *err);

/*
 * The explain JSON stored with a group:
 * {"score":S,"terms":{"organisation":X,...},"reasons":["...",...]}.
 * rounds_explain_write appends it to b; rounds_explain_read fills the
 * score, terms and reasons of g from it (unknown keys are skipped; text
 * that is not this shape is CT_EDATA).
 */
void rounds_explain_write(struct ct_buf *b, double score, const double *terms, char *const *reasons,
                          size_t reason_count);
enum ct_status rounds_explain_read(const char *json, struct ct_round_group *g,
                                   struct ct_error *err);

/*
 * g's stored explain read into its terms and reasons, the score column
 * kept (explain's copy could only disagree by a bug), and then freed.
 */
enum ct_status rounds_group_explain(struct ct_round_group *g, struct ct_error *err);

/*
 * Load the groups filter chooses, ordered by id, each with its members
 * (removed ones too) and its explain read (rounds_group_explain). OUT: *groups, *count; free each
 * with ct_round_group_clear() and the array with free().
 */
enum ct_status rounds_load_groups(struct ct_store *store,
                                  const struct ct_store_group_filter *filter,
                                  struct ct_round_group **groups, size_t *count,
                                  struct ct_error *err);

/*
 * Turn the engine's groups and unpaired into round's (rounds.c): each group
 * gets an id from first_group_id on, a UID and a slot in round's window
 * (round->id, date, seed and window_start/end set); a group no slot fits
 * becomes unpaired with the reason. OUT: round->groups, round->unpaired.
 */
enum ct_status rounds_build(const struct ct_config *cfg, const struct rounds_snapshot *snap,
                            const struct rounds_outcome *oc, int64_t first_group_id, int64_t now,
                            struct ct_round *round, struct ct_error *err);

/*
 * rounds_build, the round written as it is built, inside txn: the round
 * (ct_store_round_write_start; OUT: round->id), each group with its explain
 * JSON while the next ones are built on a second thread, then the
 * unpaired. Writes the round rounds_build and rounds_explain_groups
 * would make; the groups' explain is freed
 * once written (NULL). The round takes the members' details from snap and
 * the reasons from oc, which are then good only for clearing.
 */
enum ct_status rounds_build_write(const struct ct_config *cfg, struct rounds_snapshot *snap,
                                  struct rounds_outcome *oc, int64_t first_group_id, int64_t now,
                                  struct ct_round *round, struct ct_txn *txn, struct ct_error *err);

/* Write each group's explain JSON from its score, terms and reasons (rounds.c). */
enum ct_status rounds_explain_groups(struct ct_round *round, struct ct_error *err);

/*
 * Changes since the plan (rounds_review.c, docs/rounds.md "After review").
 *
 * rounds_review_drop: take member_id out of planned group group_id of
 * round_id because of cause (paused, left, erased), recording it; a
 * partner left alone becomes unpaired ("partner left") and is recorded as
 * left without a partner, to be re-formed at send; the group goes.
 * OUT: *dropped incremented.
 */
enum ct_status rounds_review_drop(struct ct_txn *txn, int64_t round_id, int64_t group_id,
                                  int64_t member_id, enum ct_round_change_kind cause, int64_t now,
                                  size_t *dropped, struct ct_error *err);

/*
 * At send, inside the send's transaction txn: take members who left, were
 * erased or paused out of planned round hdr's groups and dissolve the
 * groups holding a pair now excluded, recording it all in round_changes.
 * OUT: *dropped (members taken out), *orphaned (members left without a
 * partner: rounds_review_reform places them, after txn).
 */
enum ct_status rounds_review_reconcile(struct ct_txn *txn, const struct ct_config *cfg,
                                       const struct ct_round *hdr, int64_t now, size_t *dropped,
                                       bool *orphaned, struct ct_error *err);

/*
 * Re-form every member of round hdr left without a partner among
 * themselves with the pairing engine under every rule (seed derived from
 * the round's), each new group with a slot from now on; whoever cannot be
 * grouped becomes unpaired with the reason, recorded in round_changes. The
 * engine runs outside any transaction (it reads the whole network: seconds
 * at 100,000 members); its result is written in a short one of its own,
 * worked out again inside it only if another process changed the orphans
 * or added groups meanwhile.
 */
enum ct_status rounds_review_reform(struct ct_store *store, const struct ct_config *cfg,
                                    const struct ct_round *hdr, int64_t now, struct ct_error *err);

/*
 * Fill round->changes and each group's reformed from round_changes, the
 * members named as they are now (erased ones never).
 */
enum ct_status rounds_review_load(struct ct_store *store, struct ct_round *round,
                                  struct ct_error *err);

/*
 * Queue a REQUEST (cancel false) or a CANCEL of group g of round round_id
 * (date) at sequence, with note (may be NULL), to each of its members still
 * in (not removed), or with only > 0 to that member alone (a CANCEL then
 * lists them alone), inside txn (rounds_mail.c).
 * OUT: *messages (may be NULL) increased by the messages queued.
 */
enum ct_status rounds_mail_group(struct ct_txn *txn, const struct ct_config *cfg, int64_t round_id,
                                 const char *date, const struct ct_round_group *g, bool cancel,
                                 int sequence, int64_t only, const char *note, int64_t now,
                                 size_t *messages, struct ct_error *err);

/* The instant of date (YYYY-MM-DD) at minutes after midnight in zone tz (rounds.c). */
int64_t rounds_local_instant(const char *date, int minutes, const char *tz);

/* The meeting window that opens at start: [max(start, now), that + meeting_window). */
void rounds_window(const struct ct_config *cfg, int64_t start, int64_t now, int64_t *from,
                   int64_t *to);

/* cfg's working hours as a struct ct_worktime. */
static inline void
rounds_worktime(const struct ct_config *cfg, struct ct_worktime *wt)
{
    wt->start_minutes = cfg->schedule.work_start_minutes;
    wt->end_minutes = cfg->schedule.work_end_minutes;
    wt->days = cfg->schedule.working_days;
}

static inline enum ct_status
rounds_nomem(struct ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory");
}

#endif
