/*
 * pairing.h: the pairing engine (SPEC.md "Pairing rules"). Plain structs in
 * (members with interned boundary ids, ties, exclusions, past meetings,
 * working-hour zones), groups with scores broken down by rule and the
 * unpaired with the rule that starves them out. Pure logic: no database,
 * no clock, no I/O; the same input and seed always give the same output.
 */
#ifndef CT_PAIRING_H
#define CT_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "weights.h"
#include "worktime.h"

/* One member of the network, as the store knows them. */
struct ct_pairing_member {
    int64_t id;            /* store id: the random term and tie-breaks hash it */
    const char *label;     /* e-mail or name used in reasons; borrowed, may be NULL */
    uint32_t organisation; /* interned boundary ids; 0 = unknown */
    uint32_t team;
    uint32_t site;
    uint32_t role;
    uint32_t zone;            /* index into ct_pairing_input.zones */
    bool active;              /* false for members who left (never eligible) */
    bool paused;              /* paused by the organiser or by unanswered invites */
    int32_t paused_until;     /* day number the pause ends (see today); 0 = until resumed */
    int frequency;            /* 1 monthly, 2 bimonthly, 3 quarterly */
    int rounds_since_grouped; /* 1 = grouped in the previous round; 0 = never grouped */
    int trios;                /* trios the member has been in */
    int sit_outs;             /* rounds the member sat out */
    int rounds_since_sit_out; /* 1 = sat out the previous round; 0 = never */
    int off_size;             /* group_size > 2: past groups of a size other than group_size */
};

/* Two members by index into ct_pairing_input.members. */
struct ct_pairing_pair {
    uint32_t a;
    uint32_t b;
};

/* A past grouping of a and b (trios give three), rounds_ago >= 1. */
struct ct_pairing_meeting {
    uint32_t a;
    uint32_t b;
    uint32_t rounds_ago;
};

/* A zone's working intervals inside the round's meeting window (UTC). */
struct ct_pairing_zone {
    const struct ct_interval *hours; /* sorted, as ct_worktime_intervals gives them */
    size_t count;
};

/* Everything one round is planned from. All arrays are borrowed. */
struct ct_pairing_input {
    const struct ct_pairing_member *members;
    size_t member_count;
    const struct ct_pairing_pair *ties; /* declared close colleagues */
    size_t tie_count;
    const struct ct_pairing_pair *exclusions;
    size_t exclusion_count;
    const struct ct_pairing_meeting *history;
    size_t history_count;
    const struct ct_pairing_zone *zones; /* zone_count 0: no working-hours rule */
    size_t zone_count;
    int32_t today; /* the round's date as days since 1970-01-01 */
    /*
     * Relational Coordination (docs/relational-coordination.md): the latest
     * survey's strength of role ids x and y at coordination[x *
     * coordination_roles + y] (symmetric), 1 weak to 5 strong, 0 where there
     * is no data; NULL: no survey. coordination_wave names the survey in
     * reasons ("March").
     */
    const float *coordination;
    uint32_t coordination_roles;
    const char *coordination_wave;
};

struct ct_pairing_params {
    int avoid_repeats;          /* 0 = always: never group a pair twice */
    unsigned require_different; /* enum ct_boundary bits */
    /* By enum ct_weight (weights.h); weight[CT_W_REPEAT] is the penalty of
     * a repeat just outside avoid_repeats, weight[CT_W_RANDOM] the randomness. */
    double weight[CT_WEIGHT_COUNT];
    double repeat_halflife; /* rounds for the repeat penalty to halve */
    enum ct_odd_policy odd;
    unsigned group_size; /* 2 (0 too): pairs; 3 or 4: groups of that size (grouping.h) */
    int64_t duration;    /* meeting length in seconds (working-hours rule) */
    uint64_t seed;
    unsigned candidates; /* best partners kept per member; 0 = default (16) */
    size_t exact_limit;  /* up to this many eligible members every pair is priced; 0 = 6000 */
    bool exact;          /* price every allowed pair at any size, with no limit on the pricing
                          * rounds, until none is violated (round plan --exact): slow */
};

/* The engine's defaults: ct_config_new_defaults' pairing section, seed 0. */
void ct_pairing_params_defaults(struct ct_pairing_params *p);

/* Parameters from a loaded configuration, with the given round seed. */
void ct_pairing_params_from_config(struct ct_pairing_params *p, const struct ct_config *cfg,
                                   uint64_t seed);

/* Why a pair may not be grouped; CT_RULE_NONE when it may. */
enum ct_pairing_rule {
    CT_RULE_NONE = 0,
    CT_RULE_SELF,
    CT_RULE_EXCLUDED,
    CT_RULE_TIE,
    CT_RULE_REPEAT,
    CT_RULE_SAME_ORGANISATION,
    CT_RULE_SAME_TEAM,
    CT_RULE_SAME_SITE,
    CT_RULE_SAME_ROLE,
    CT_RULE_HOURS,
    CT_RULE_COUNT
};

/* A score broken down by rule; total is their sum. */
struct ct_pairing_score {
    /* By enum ct_weight; term[CT_W_REPEAT] <= 0: past meetings outside the
     * avoid_repeats window. */
    double term[CT_WEIGHT_COUNT];
    double total;
};

struct ct_pairing_group {
    uint32_t members[CT_GROUP_MAX]; /* indices into the input, ascending */
    unsigned size;                  /* 2, or 3 for a trio; up to group_size + 1 (grouping.h) */
    struct ct_pairing_score score;  /* summed over the group's pairs */
    char **reasons;                 /* "different organisation", "first meeting", ... */
    size_t reason_count;
};

struct ct_pairing_unpaired {
    uint32_t member;
    bool sit_out;              /* odd = sit_out: this member's turn */
    enum ct_pairing_rule rule; /* the rule that starves the member, or CT_RULE_NONE */
    char *reason;              /* one line, e.g. "all 3 possible partners already met" */
};

struct ct_pairing_stats {
    size_t eligible;
    size_t candidate_edges; /* edges of the graph the matching was solved on */
    size_t solves;          /* matching runs */
    size_t pricing_rounds;
    size_t priced_pairs; /* pairs checked against the duals */
    size_t priced_added; /* left-out pairs that could have improved, added */
    size_t improvements; /* partner swaps made by the improvement phase */
    bool optimal;        /* proven optimal over every allowed pair */
};

struct ct_pairing_result {
    struct ct_pairing_group *groups;
    size_t group_count;
    struct ct_pairing_unpaired *unpaired; /* starved members and sit-outs */
    size_t unpaired_count;
    double total; /* sum of the group scores */
    struct ct_pairing_stats stats;
};

/* Whether a member takes part in a round held on day today. */
bool ct_pairing_member_eligible(const struct ct_pairing_member *m, int32_t today);

/*
 * A round's precomputed state: pair table (ties, exclusions, history), tie
 * graph and its communities, who met which organisations, zone overlaps.
 * in must outlive the context.
 */
struct ct_pairing_ctx;

/*
 * Build the context. CT_EUSAGE for an index out of range or a member whose
 * zone is not among in->zones; CT_ENOMEM. OUT: *out, freed with
 * ct_pairing_ctx_free.
 */
enum ct_status ct_pairing_ctx_new(const struct ct_pairing_input *in,
                                  const struct ct_pairing_params *params,
                                  struct ct_pairing_ctx **out, struct ct_error *err);

void ct_pairing_ctx_free(struct ct_pairing_ctx *ctx);

/* The first hard rule that forbids grouping members a and b. */
enum ct_pairing_rule ct_pairing_allowed(const struct ct_pairing_ctx *ctx, uint32_t a, uint32_t b);

/* Whether members a, b and x share working hours for a meeting (trios). */
bool ct_pairing_trio_hours(const struct ct_pairing_ctx *ctx, uint32_t a, uint32_t b, uint32_t x);

/* What the context was built from (borrowed from it). */
const struct ct_pairing_input *ct_pairing_ctx_input(const struct ct_pairing_ctx *ctx);
const struct ct_pairing_params *ct_pairing_ctx_params(const struct ct_pairing_ctx *ctx);

/*
 * The member's place on the random term's circle, in [0, 1): members close
 * on it score a high random term together (grouping.c looks there first).
 */
double ct_pairing_place(const struct ct_pairing_ctx *ctx, uint32_t member);

/* Whether members m[0 .. n) share working hours for a meeting (groups of 3 or 4). */
bool ct_pairing_group_hours(const struct ct_pairing_ctx *ctx, const uint32_t *m, size_t n);

/* The soft score of pair a-b, by rule (OUT: *score). Symmetric. */
void ct_pairing_score_pair(const struct ct_pairing_ctx *ctx, uint32_t a, uint32_t b,
                           struct ct_pairing_score *score);

/*
 * Plan the round: every eligible member is grouped (pairs; one trio or one
 * sit-out when the count is odd) unless the hard rules make it impossible,
 * and then listed as unpaired with the rule that starves them. The score
 * summed over the round is maximised as a whole (see docs/pairing.md). The
 * result is checked against every hard rule before it is returned; a
 * violation is CT_EINTERNAL and no result. OUT: *out, freed with
 * ct_pairing_result_free.
 */
enum ct_status ct_pairing_plan(struct ct_pairing_ctx *ctx, struct ct_pairing_result **out,
                               struct ct_error *err);

/* ct_pairing_ctx_new, ct_pairing_plan and ct_pairing_ctx_free in one call. */
enum ct_status ct_pairing_run(const struct ct_pairing_input *in,
                              const struct ct_pairing_params *params,
                              struct ct_pairing_result **out, struct ct_error *err);

void ct_pairing_result_free(struct ct_pairing_result *result);

#endif
