/*
 * round.h: the one view of a round, its groups and its unpaired members, as
 * planning, mailing, the store and the CLI share it. A group's member is the
 * one member view of entity.h plus whether they left the group after it
 * was sent.
 */
#ifndef CT_ROUND_H
#define CT_ROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "weights.h"

/* Who planned a round: the organiser with the CLI, or coffeetriald on schedule. */
enum ct_round_origin { CT_ROUND_CLI, CT_ROUND_DAEMON };

/* The word for an origin ("cli", "daemon"), as output carries it; "?" out of range. */
const char *ct_round_origin_str(enum ct_round_origin origin);

/*
 * The terms a group's score is the sum of, in the order of
 * ct_round_group.terms: the pairing weights of weights.h, in its order
 * (see docs/pairing.md for what each rewards).
 */
#define CT_ROUND_TERMS CT_WEIGHT_COUNT

/*
 * A member as a round shows them: the member view (id, e-mail, name,
 * organisation, team, site, role, time zone; NULL when unset or erased;
 * the other fields are not filled), and whether they were removed.
 */
struct ct_round_person {
    struct ct_member member;
    bool removed;   /* left the group after it was sent */
    char *greeting; /* the name the member asked to be greeted by (member_prefs); NULL: none */
};

struct ct_round_group {
    int64_t id;   /* 0 in a dry run */
    char *uid;    /* the calendar UID */
    int sequence; /* 0 until the group changes after it was sent */
    enum ct_group_state state;
    struct ct_round_person members[CT_GROUP_MAX];
    size_t member_count; /* 2 to 4 ([pairing] group_size), removed members included */
    double score;
    double terms[CT_ROUND_TERMS]; /* the score by rule; they add up to score */
    char **reasons;               /* why they were grouped, plain words */
    size_t reason_count;
    int64_t slot_start; /* Unix seconds UTC; 0 if none */
    int slot_minutes;
    /*
     * The score, terms and reasons as stored (the explain JSON): written by
     * the service before the store saves the group, and handed back by the
     * store for the service to read. NULL when absent.
     */
    char *explain;
    /* What it was re-formed from at send ("Priya Shah paused since the plan"); NULL: as planned. */
    char *reformed;
};

/* An eligible member the round could not group, or who sits out. */
struct ct_round_unpaired {
    struct ct_round_person member;
    char *reason; /* one line */
    bool sit_out; /* odd = sit_out: this member's turn */
};

/*
 * What is recorded about a planned round after its plan (round_changes,
 * docs/rounds.md "After review"). The values are stored: never renumber.
 */
enum ct_round_change_kind {
    CT_CHANGE_PAUSED = 1,   /* member paused since the plan */
    CT_CHANGE_LEFT = 2,     /* member left (removed) since the plan */
    CT_CHANGE_ERASED = 3,   /* member erased since the plan */
    CT_CHANGE_EXCLUDED = 4, /* member and other are now excluded from meeting */
    CT_CHANGE_ORPHAN = 5,   /* member was left without a partner; re-formed at send */
    CT_CHANGE_WITH = 6,     /* at send: member re-formed into new_group_id */
    CT_CHANGE_UNPAIRED = 7, /* at send: member could not be grouped (reason) */
    CT_CHANGE_KEPT = 8,     /* the group's other members still meet */
    CT_CHANGE_SKIPPED = 9,  /* member skips the round (their own choice, member_actions.h) */
};

/* One planned group that changed since the plan, as one line for people. */
struct ct_round_change {
    int64_t group_id; /* the planned group */
    char *cause;      /* "Priya Shah paused since the plan" (several joined by "; ") */
    char *outcome;    /* "Mark Lee now with Ana Ruiz"; NULL when there is nothing to say */
    char *line;       /* "group 4: CAUSE; OUTCOME" */
};

struct ct_round {
    int64_t id; /* 0 in a dry run */
    char date[11];
    uint64_t seed;
    enum ct_round_state state;
    enum ct_round_origin origin;
    int64_t send_after; /* daemon: when it is sent unless cancelled or replanned; 0: none */
    int64_t created_at;
    int64_t sent_at;      /* 0: not sent */
    int64_t cancelled_at; /* 0: not cancelled */
    struct ct_round_group *groups;
    size_t group_count;
    struct ct_round_unpaired *unpaired;
    size_t unpaired_count;
    struct ct_round_change *changes; /* since the plan, by group id (ct_rounds_load) */
    size_t change_count;
    /* Filled by ct_rounds_plan only: */
    bool dry_run;
    size_t eligible;      /* members due this round */
    int64_t replaced;     /* the planned round of the same date this one replaced; 0: none */
    int64_t window_start; /* the meeting window the slots were chosen in */
    int64_t window_end;
    bool exact;   /* planned with --exact */
    bool optimal; /* the matching is proven optimal over every allowed pair */
};

/* One line of `round list`. */
struct ct_round_summary {
    int64_t id;
    char date[11];
    uint64_t seed;
    enum ct_round_state state;
    enum ct_round_origin origin;
    size_t groups;   /* groups planned (cancelled ones too) */
    size_t trios;    /* of which trios */
    size_t members;  /* members in them, removed ones too */
    size_t unpaired; /* sit-outs included */
    int64_t send_after;
    int64_t created_at;
    int64_t sent_at;
    int64_t cancelled_at;
};

/* Free what each owns and zero it; the struct itself is the caller's. */
void ct_round_person_clear(struct ct_round_person *p);
void ct_round_group_clear(struct ct_round_group *g);
void ct_round_unpaired_clear(struct ct_round_unpaired *u);
void ct_round_change_clear(struct ct_round_change *c);

/* Free a round and everything it owns. NULL is accepted. */
void ct_round_free(struct ct_round *round);

#endif
