/*
 * outcomes.h: whether a sent group met, as organisers record it one at a
 * time or import it from any survey tool's CSV export. The rule that turns
 * groups into contacts lives with its SQL (store_outcomes.h).
 * docs/outcomes-record.md is the user-facing contract.
 */
#ifndef CT_OUTCOMES_H
#define CT_OUTCOMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "store.h"

/* A note is at most this many bytes of UTF-8. */
#define CT_OUTCOME_NOTE_MAX 1000
/* An import file is at most this big (a year of a 10,000-member network is ~1 MB). */
#define CT_OUTCOMES_MAX_BYTES (16u * 1024 * 1024)
/* An import stops reporting after this many errors. */
#define CT_OUTCOMES_MAX_ERRORS 200

/* One group's outcome, as given by an organiser. */
struct ct_outcome {
    int64_t group_id;
    bool met;
    int rating;       /* 1-5, or 0 for none */
    const char *note; /* NULL or "" for none; borrowed */
    bool force;       /* accept met for a group whose slot is still to come */
};

/* What ct_outcomes_record() found before it wrote. */
struct ct_outcome_previous {
    bool existed; /* an outcome was recorded before and is now replaced */
    bool met;     /* the replaced outcome's values, when existed */
    int rating;
};

/*
 * Parse a "met" value as people and survey choices write it,
 * case-insensitive, surrounding blanks ignored: yes/no, y/n, true/false,
 * 1/0, met/"not met", "we met", "did not meet", or "yes" or "no" followed
 * by punctuation and more words ("Yes, we met", "No - not yet").
 * OUT: *met. False if s is none of these.
 */
bool ct_outcomes_parse_met(const char *s, bool *met);

/*
 * Record whether a group met, in one transaction. The group must exist
 * (CT_ENOTFOUND "no group 17") and have been sent (CT_ESTATE "group 17 has
 * not been sent yet (round 3 is planned)", or "... was cancelled"). Met is
 * refused for a group whose slot starts after now unless outcome->force
 * (CT_ESTATE "group 17 meets on 2026-03-05 09:30 UTC, ..."). The
 * rating must be 0 or 1-5, and the note (NULL for none) at most
 * CT_OUTCOME_NOTE_MAX bytes of UTF-8 without control characters other than
 * line breaks and tabs, nor bidirectional overrides (CT_EUSAGE otherwise,
 * "note: ..."); it is stored trimmed, with CRLF turned into LF. A recorded
 * outcome is replaced; *previous (OUT, may be NULL) says what it was.
 * source is stored as given ("cli", "import"), recorded_at now.
 */
enum ct_status ct_outcomes_record(struct ct_store *store, const struct ct_outcome *outcome,
                                  const char *source, int64_t now,
                                  struct ct_outcome_previous *previous, struct ct_error *err);

struct ct_outcomes_import_result {
    size_t rows;     /* outcome rows in the file (blank rows not counted) */
    size_t groups;   /* groups they are about (several members may answer for one) */
    size_t added;    /* groups that had no outcome before */
    size_t replaced; /* groups whose outcome was replaced */
};

/* How to import. */
struct ct_outcomes_import_options {
    bool dry_run;      /* check everything, write nothing */
    bool force;        /* accept met for groups whose slot is still to come */
    const char *round; /* NULL, or a round number or YYYY-MM-DD for rows naming none */
};

/*
 * Import outcomes from a CSV file held in data[0..len), all or nothing.
 * name is the file name used in messages.
 *
 * Columns are known by the names of the alias table (ct_outcomes_alias(),
 * docs/outcomes-record.md), compared ignoring case, blanks and
 * punctuation. Each row names its group by "group" (a group number) or
 * "uid" (the invitation's calendar UID), or by the respondent's "email"
 * plus the round ("round": a number or YYYY-MM-DD; "round date"; or
 * options->round for rows naming none): the sent group of that round the
 * member is in. A form's response "ID" is never a group: it is bookkeeping,
 * ignored like the other known bookkeeping columns; unknown columns are
 * ignored with a warning. "met" is required; "rating" and "note" optional.
 * Keys given together must agree (the member is in the group, the group is
 * in the round). Each group is checked as by ct_outcomes_record(),
 * including the future check unless options->force. Several members'
 * rows for one group make one outcome: met if any says met (a warning when
 * they differ), the mean rating, the notes joined; one member, or a row
 * naming only the group, may appear once per group.
 *
 * Every problem goes to diags as "FILE:LINE: column: message", in line
 * order. The checks and the writes run in one BEGIN IMMEDIATE
 * transaction: on any error nothing is written (CT_EDATA); with
 * options->dry_run nothing is written either way. A malformed
 * options->round is CT_EUSAGE ("--round: ..."). Outcomes are recorded_at
 * now. OUT: *result (may be NULL). Database failures return their status
 * with err filled.
 */
enum ct_status ct_outcomes_import(struct ct_store *store, const char *name, const char *data,
                                  size_t len, const struct ct_outcomes_import_options *options,
                                  int64_t now, struct ct_outcomes_import_result *result,
                                  struct ct_diags *diags, struct ct_error *err);

/*
 * Entry i of the import's alias table: the header as survey tools write it
 * (returned), and OUT: *column, the column it names ("group", "uid",
 * "email", "round", "round date", "met", "rating", "note"), or NULL for
 * bookkeeping that is ignored without a warning. NULL past the end.
 */
const char *ct_outcomes_alias(size_t i, const char **column);

/* The contact rule ("who has met whom") lives with its SQL: ct_store_outcomes_contacts(). */

#endif
