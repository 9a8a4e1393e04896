/*
 * rc.h: Relational Coordination surveys (docs/relational-coordination.md):
 * a survey CSV read and checked against the roster's roles, aggregated into
 * one strength (1 to 5) per unordered pair of roles; and the trial's
 * meetings counted per role pair. Pure: no database, no clock, no I/O.
 */
#ifndef CT_RC_H
#define CT_RC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

struct ct_orgname_aliases;

/* The seven dimensions of the RC survey, in the order they are documented. */
#define CT_RC_DIMENSIONS 7

/* A link whose strength is below this is weak (docs/relational-coordination.md). */
#define CT_RC_WEAK 3.0

/* The largest survey file read. */
#define CT_RC_MAX_BYTES (16u * 1024u * 1024u)

/* The dimension's column name ("problem_solving"), for i < CT_RC_DIMENSIONS. */
const char *ct_rc_dimension(size_t i);

/*
 * A role name as a comparison key, folded as organisation names are
 * (orgname.h: case, spacing and punctuation ignored, "&" read as "and")
 * and mapped through the [roster] aliases (may be NULL), as organisation
 * names are: "Social Worker" and "social-worker" are "socialworker", and
 * with the alias "RN = Staff Nurse", "rn" is "staffnurse". OUT: key.
 * Returns its length, 0 when empty, out of memory, or when it does not
 * fit in size bytes.
 */
size_t ct_rc_fold(const struct ct_orgname_aliases *aliases, const char *name, char *key,
                  size_t size);

/* The roster as the import needs it: members' e-mails and roles (borrowed). */
struct ct_rc_roster {
    const char *const *emails; /* count e-mails, any may be NULL */
    const char *const *roles;  /* count roles as the roster spells them, any may be NULL */
    size_t count;
    const struct ct_orgname_aliases *aliases; /* [roster] aliases; NULL: none */
};

/* One role pair of a wave: role_a's key sorts before role_b's (or equals it). */
struct ct_rc_link {
    char *role_a; /* the alias's canonical name, else as the roster spells it */
    char *role_b;
    double strength; /* 1 (weak) to 5 (strong) */
    size_t ratings;  /* responses behind it; 0 when the file was aggregated */
};

/* A survey as read from a file. */
struct ct_rc_survey {
    struct ct_rc_link *links; /* weakest first, then by role names */
    size_t count;
    size_t rows;     /* data rows read (blank rows not counted) */
    bool aggregated; /* the role_a, role_b, strength shape */
};

/*
 * Read an RC survey export held in data[0..len) (name: the file in
 * messages). The shape comes from the header: a "strength" column means
 * role_a, role_b, strength rows; otherwise one row per response, naming the
 * respondent by "email" or "respondent role", the "rated role" and the
 * seven dimensions (aliases: docs/relational-coordination.md). Every problem
 * goes to diags as FILE:LINE: unknown role (matched with ct_rc_fold against
 * roster), a score outside 1-5, a missing dimension, a duplicate row, a
 * semicolon-separated file. Returns CT_EDATA when any was found (and
 * *out stays empty), CT_ENOMEM. OUT: *out, freed with ct_rc_survey_clear.
 */
enum ct_status ct_rc_parse(const char *name, const char *data, size_t len,
                           const struct ct_rc_roster *roster, struct ct_rc_survey *out,
                           struct ct_diags *diags, struct ct_error *err);

void ct_rc_survey_clear(struct ct_rc_survey *s);

/* Sort links weakest first, ties by role names. */
void ct_rc_links_sort(struct ct_rc_link *links, size_t count);

/* Free the names of links[0..count) and the array. NULL is fine. */
void ct_rc_links_free(struct ct_rc_link *links, size_t count);

/* One trial group: its round and its members' roles (borrowed; NULL: none). */
struct ct_rc_group {
    int64_t round_id;
    const char *roles[4];
    unsigned size;
};

/*
 * How many of groups[0..gn) cross each link (a group counts once per link
 * even if several of its pairs cross it). OUT: meetings[0..n), zeroed first.
 */
void ct_rc_tally(const struct ct_orgname_aliases *aliases, const struct ct_rc_link *links, size_t n,
                 const struct ct_rc_group *groups, size_t gn, size_t *meetings);

/*
 * The strength of the roles x and y in links (matched with ct_rc_fold under
 * aliases, in either order). OUT: *strength. false when the pair has no data.
 */
bool ct_rc_lookup(const struct ct_orgname_aliases *aliases, const struct ct_rc_link *links,
                  size_t n, const char *x, const char *y, double *strength);

/* "March" for a wave date "2026-03-14"; "" if the date is malformed. */
const char *ct_rc_month(const char *date);

#endif
