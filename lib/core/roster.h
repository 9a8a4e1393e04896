/*
 * roster.h: a member roster read from CSV (SPEC.md "Roster CSV"): the rows
 * parsed, validated and normalised, ready to be synced into the store.
 * Pure logic: no I/O beyond the buffer it is handed.
 */
#ifndef CT_ROSTER_H
#define CT_ROSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "ct.h"
#include "entity.h"

/* One roster row. Optional text fields are NULL when empty. */
struct ct_roster_entry {
    long line;   /* line in the CSV where the record starts */
    char *email; /* as written, validated; compare case-insensitively */
    char *name;
    char *organisation;
    char *team;
    char *site;
    char *role;
    char *timezone; /* NULL: the network's */
    enum ct_member_status status;
    enum ct_frequency frequency;
    char **ties; /* e-mails of close colleagues, each spelled as in that member's
                    own row; members not in the file are dropped (with a warning) */
    size_t ties_count;
    bool status_given;    /* the status cell was filled in (else status is the default) */
    bool frequency_given; /* the frequency cell was filled in (else the default) */
};

/* The columns a roster may have, in the order the documentation lists them. */
enum ct_roster_column {
    CT_COL_EMAIL,
    CT_COL_NAME,
    CT_COL_ORGANISATION,
    CT_COL_TEAM,
    CT_COL_SITE,
    CT_COL_ROLE,
    CT_COL_TIMEZONE,
    CT_COL_STATUS,
    CT_COL_FREQUENCY,
    CT_COL_TIES,
    CT_COL_COUNT
};

struct ct_roster {
    struct ct_roster_entry *entries;
    size_t count;
    unsigned columns; /* bit (1u << CT_COL_x) set when the header had that column */
};

/* Limits on field sizes; longer fields are errors. */
#define CT_ROSTER_MAX_FIELD 512
#define CT_ROSTER_MAX_TIES  200
/* The ties cell holds up to CT_ROSTER_MAX_TIES addresses, so it may be longer. */
#define CT_ROSTER_MAX_TIES_FIELD 16384
/* After this many errors the parse stops; warnings beyond their cap are only counted. */
#define CT_ROSTER_MAX_ERRORS   200
#define CT_ROSTER_MAX_WARNINGS 200
/* A sensible cap on a roster file or download (100,000 members are ~15 MB). */
#define CT_ROSTER_MAX_BYTES (64u * 1024 * 1024)

/*
 * Parse and validate a roster CSV held in data[0..len) (need not be
 * NUL-terminated). name is the file name or URL used in messages
 * ("FILE:LINE: field: message"). Every problem goes to diags, in line
 * order; warnings (unknown columns, ties naming people not in the file) do
 * not fail the parse.
 *
 * On success the entries are in file order, blank rows skipped, each with
 * a valid e-mail unique in the file (case-insensitively), a name and an
 * organisation, and no control characters in any field.
 *
 * Returns CT_OK with *out owned by the caller (free with ct_roster_free),
 * CT_EDATA if any error was found, or CT_ENOMEM; on failure *out is NULL.
 */
enum ct_status ct_roster_parse(const char *name, const char *data, size_t len,
                               struct ct_roster **out, struct ct_diags *diags);

/* Free a roster and everything it holds. NULL is fine. */
void ct_roster_free(struct ct_roster *roster);

/* True if the roster's header had this column (absent columns: keep what the
 * store knows, or use the default; the sync decides). */
bool ct_roster_has_column(const struct ct_roster *roster, enum ct_roster_column column);

/* The canonical (documented) name of a column, e.g. "organisation". */
const char *ct_roster_column_name(enum ct_roster_column column);

/*
 * Find a member by e-mail, case-insensitively. Linear: for a few look-ups;
 * returns NULL if absent.
 */
const struct ct_roster_entry *ct_roster_find(const struct ct_roster *roster, const char *email);

/* "monthly", "bimonthly", "quarterly" (member states: entity.h). */
const char *ct_frequency_str(enum ct_frequency frequency);

/* The reverse, case-insensitively; false (and *out untouched) if unknown. */
bool ct_frequency_parse(const char *s, enum ct_frequency *out);

#endif
