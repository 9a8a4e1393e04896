/*
 * roster.h: a member roster read from CSV (SPEC.md "Roster CSV"): the rows
 * parsed, validated and normalised, ready to be synced into the store.
 * Pure logic: no I/O beyond the buffer it is handed.
 */
#ifndef CT_ROSTER_H
#define CT_ROSTER_H

#include <stddef.h>

#include "ct.h"

enum ct_member_status { CT_MEMBER_ACTIVE, CT_MEMBER_PAUSED, CT_MEMBER_LEFT };
enum ct_frequency { CT_FREQ_MONTHLY = 1, CT_FREQ_BIMONTHLY = 2, CT_FREQ_QUARTERLY = 3 };

/* One roster row. Optional text fields are NULL when empty. */
struct ct_roster_entry {
    long line;          /* line in the CSV where the record starts */
    char *email;        /* as written, validated; compare case-insensitively */
    char *name;
    char *organisation;
    char *team;
    char *site;
    char *role;
    char *timezone;     /* NULL: the network's */
    enum ct_member_status status;
    enum ct_frequency frequency;
    char **ties;        /* e-mails of close colleagues */
    size_t ties_count;
};

struct ct_roster {
    struct ct_roster_entry *entries;
    size_t count;
};

/* Limits on field sizes; longer fields are errors. */
#define CT_ROSTER_MAX_FIELD 512
#define CT_ROSTER_MAX_TIES 200

/*
 * Parse and validate a roster CSV held in data[0..len). name is the file
 * name or URL used in messages ("FILE:LINE: field: message"). Every
 * problem goes to diags; warnings (unknown columns, ties naming people not
 * in the file) do not fail the parse. Returns CT_EDATA if any error was
 * found (and *out is NULL), else CT_OK with *out owned by the caller.
 */
enum ct_status ct_roster_parse(const char *name, const char *data, size_t len,
                               struct ct_roster **out, struct ct_diags *diags);

void ct_roster_free(struct ct_roster *roster);

const char *ct_member_status_str(enum ct_member_status status);
const char *ct_frequency_str(enum ct_frequency frequency);

#endif
