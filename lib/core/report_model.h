/*
 * report_model.h: the figures organisers read about their network, as plain
 * data, and the four ways of writing them: text for an 80-column terminal,
 * stable JSON, CSV (one row per round) and one self-contained HTML page of
 * charts. Pure: computing the figures from the store is the service's
 * (report.h); docs/reports.md defines every figure.
 */
#ifndef CT_REPORT_MODEL_H
#define CT_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "rc.h"
#include "util.h"

/*
 * One round's figures. Shares and means are NAN when there is nothing to
 * divide by (no pairings, no ratings); "pairings" are the pairs of members
 * placed together (a pair is one pairing, a trio three, a group of four six).
 */
struct ct_report_round {
    int64_t id;
    char date[11];             /* YYYY-MM-DD */
    enum ct_round_state state; /* planned or sent (cancelled rounds are only counted) */

    long eligible; /* grouped + unpaired */
    long grouped;  /* members placed in a group */
    long groups;
    long trios;    /* groups of three */
    long fours;    /* groups of four ([pairing] group_size = 4, or 3 with one left over) */
    long unpaired; /* eligible members without a group (sit-outs included) */
    long sat_out;  /* of which sat out by the odd = sit_out rule */
    long pairings;
    long cross_org;         /* pairings whose two members' organisations differ */
    long first_meetings;    /* pairings of two members with no earlier contact */
    double cross_org_share; /* cross_org / pairings */
    double first_meeting_share;
    double mean_shared_contacts; /* contacts the two already had in common, per pairing */

    /* invitations: one per member and group, by the fate of its REQUEST messages */
    long invites;         /* members of sent groups */
    long invites_sent;    /* at least one REQUEST delivered */
    long invites_failed;  /* every REQUEST failed for good */
    long invites_pending; /* queued or being sent */
    long accepted;        /* answers: group_members.partstat */
    long declined;
    long tentative;
    long proposed; /* members who proposed another time (an iTIP COUNTER) */

    /* outcomes, per group */
    long outcomes; /* groups with a recorded outcome */
    long met;
    long not_met;
    long ratings;
    double mean_rating;
    long awaiting;          /* sent groups without an outcome */
    long awaiting_accepted; /* of which every member accepted */

    /* over time, as of the end of this round (sent rounds only; NAN otherwise) */
    long new_ties;         /* pairs that became contacts in this round */
    long ties;             /* distinct contacts so far */
    long participants;     /* members who took part in a sent round so far */
    long organisations;    /* their organisations */
    double reach;          /* mean share of the other organisations each has met */
    double reach_bound;    /* the transportation (max-flow) bound on reach */
    double reach_capacity; /* the simpler bound: min(other organisations, partners) */

    /* what members did for themselves (member_actions.h; store_actions.h's counts) */
    long skips;     /* members who skipped this round */
    long pauses;    /* pauses while this was the latest round */
    long stops;     /* members who left while this was the latest round */
    long checkins;  /* "did you meet?" answers about its groups */
    long rematches; /* members put in a new group after the plan */
};

/* One organisation among the members who took part. */
struct ct_report_org {
    char *name;
    long members; /* who took part in a sent round */
};

/*
 * A member who took part in at least one sent round: member holds id,
 * email and name (NULL once erased) and status; the organisation is
 * orgs[org].name, so member.organisation is NULL.
 */
struct ct_report_member {
    struct ct_member member;
    size_t org;          /* index into orgs */
    long rounds;         /* sent rounds taken part in (grouped or unpaired) */
    long partners;       /* group-mates over those rounds */
    long orgs_met;       /* other organisations met (contact rule) */
    long waited;         /* rounds taken part in since the last cross-organisation contact */
    bool never_crossed;  /* no cross-organisation contact at all */
    char last_cross[11]; /* date of the round of the last one, "" if never */
};

struct ct_report {
    struct ct_report_round *rounds; /* by date, then id, up to and including the selected one */
    size_t rounds_count;
    long selected; /* index of the round asked for, -1 for all */
    long cancelled_rounds;

    struct ct_report_org *orgs; /* by name */
    size_t orgs_count;
    long *mixing; /* orgs_count x orgs_count pairings in sent groups, symmetric */

    struct ct_report_member *members; /* by id */
    size_t members_count;
    size_t *waits; /* indices into members: current members, longest wait first */
    size_t waits_count;
    long *orgs_met_histogram; /* [k] = members who have met k other organisations; orgs_count */

    /* over time (sent rounds up to the selected one) */
    long rounds_sent;
    long pairings;
    long cross_org;
    long distinct_pairs; /* distinct pairs ever grouped */
    long ties;           /* distinct contacts */
    long outcomes, met, ratings;
    double mean_rating;
    double reach, reach_bound, reach_capacity;
    int64_t generated_at;

    /* Relational Coordination (docs/relational-coordination.md); rc_count 0: no survey. */
    char rc_wave[11];     /* the latest wave's date, "" when none */
    char rc_previous[11]; /* the wave before it, "" when none */
    struct ct_report_rc_link *rc_links;
    size_t rc_count;
    struct ct_rc_link *rc_matrix[2]; /* every link of the latest wave [0] and the previous [1] */
    const struct ct_orgname_aliases *rc_aliases; /* borrowed: role names are matched under them */
    size_t rc_matrix_count[2];
};

/*
 * A link of the RC section: weak (below CT_RC_WEAK) in the latest wave or
 * in the one before, the latest first, weakest first.
 */
struct ct_report_rc_link {
    char *role_a, *role_b;
    double strength; /* latest wave; NAN if the pair is only in the previous one */
    double previous; /* the previous wave's, NAN when none */
    long *meetings;  /* per report round (rounds_count): sent groups across the link */
    long between;    /* meetings from the previous wave's date to the latest's */
};

/* Free a report and everything it holds; NULL is accepted. */
void ct_report_free(struct ct_report *report);

/*
 * The transportation bound on reach, exposed for tests: members of
 * organisation org[i] with partners[i] group-mates each, n members, k
 * organisations. Returns the largest number of distinct (member, other
 * organisation) meetings any grouping with these partner counts allows:
 * a member meets at most min(partners, k - 1) other organisations, and an
 * organisation's members can be partners to at most the sum of their
 * partner counts. OUT: *capacity (may be NULL): the sum of
 * min(partners, k - 1), the simpler bound. -1 when out of memory.
 */
long ct_report_reach_flow(const size_t *org, const long *partners, size_t n, size_t k,
                          long *capacity);

enum ct_report_format {
    CT_REPORT_TEXT,
    CT_REPORT_JSON,
    CT_REPORT_CSV,
    CT_REPORT_HTML,
};

/* Parse "text", "json", "csv", "html". False for anything else. */
bool ct_report_format_parse(const char *s, enum ct_report_format *format);

struct ct_report_options {
    const char *title;    /* network name, shown in the heading */
    size_t waits_shown;   /* longest waits listed (0: 10) */
    const char *subtitle; /* e.g. "simulated: 24 rounds of conf/roster.csv"; may be NULL */
};

/*
 * Append the report in a format to out. Text fits 80 columns; JSON is
 * documented in docs/reports.md; HTML is one page with inline CSS and SVG,
 * every text escaped. False if out ran out of memory.
 */
bool ct_report_render(const struct ct_report *report, enum ct_report_format format,
                      const struct ct_report_options *opts, struct ct_buf *out);

bool ct_report_render_text(const struct ct_report *report, const struct ct_report_options *opts,
                           struct ct_buf *out);
bool ct_report_render_json(const struct ct_report *report, const struct ct_report_options *opts,
                           struct ct_buf *out);
bool ct_report_render_csv(const struct ct_report *report, const struct ct_report_options *opts,
                          struct ct_buf *out);
bool ct_report_render_html(const struct ct_report *report, const struct ct_report_options *opts,
                           struct ct_buf *out);

#endif
