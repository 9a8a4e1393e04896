/*
 * rc_survey.h: Relational Coordination surveys as organisers use them
 * (docs/relational-coordination.md): importing a survey wave, all or
 * nothing; the latest wave's role-pair strengths with the trial meetings
 * each link has had since; and the strengths planning and the report read.
 */
#ifndef CT_RC_SURVEY_H
#define CT_RC_SURVEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "rc.h"
#include "store.h"
#include "store_rc.h"

struct ct_rc_import_options {
    bool dry_run;     /* check everything, write nothing */
    const char *date; /* the wave's date, YYYY-MM-DD (the program passes today by default) */
    const struct ct_orgname_aliases *aliases; /* [roster] aliases, for role names; NULL: none */
};

struct ct_rc_import_result {
    size_t rows;  /* data rows read */
    size_t links; /* role pairs with a strength */
    size_t weak;  /* of which below CT_RC_WEAK */
    bool aggregated;
    bool replaced; /* a wave of that date was replaced */
};

/*
 * Import the survey in data[0..len) (name: the file, in messages) as the
 * wave of options->date, checked against the roster's roles (ct_rc_parse),
 * in one transaction: a wave already stored for the date is replaced.
 * Problems go to diags as FILE:LINE and nothing is written (CT_EDATA); a
 * malformed date is CT_EUSAGE. OUT: *result.
 */
enum ct_status ct_rc_import(struct ct_store *store, const char *name, const char *data, size_t len,
                            const struct ct_rc_import_options *options, int64_t now,
                            struct ct_rc_import_result *result, struct ct_diags *diags,
                            struct ct_error *err);

/* One wave as shown: its links weakest first, and meetings across each since its date. */
struct ct_rc_wave_view {
    struct ct_store_rc_wave wave;
    struct ct_rc_link *links;
    size_t *meetings; /* per link: sent groups since the wave's date */
    size_t count;
};

/* The waves, newest first (rc show uses the first; the report all of them). */
struct ct_rc_view {
    struct ct_rc_wave_view *waves;
    size_t wave_count;
    const struct ct_orgname_aliases *aliases; /* borrowed: the roles' aliases */
};

/*
 * Read every wave with its links and the meetings across each link since
 * the wave's date (groups sent in sent rounds, members not removed), in one
 * read transaction. No wave is not an error (wave_count 0). OUT: *out,
 * freed with ct_rc_view_clear.
 */
enum ct_status ct_rc_view_load(struct ct_store *store, const struct ct_orgname_aliases *aliases,
                               struct ct_rc_view *out, struct ct_error *err);
void ct_rc_view_clear(struct ct_rc_view *v);

/*
 * The latest wave's links for planning, read with the caller's store
 * (inside its transaction). OUT: date (11 bytes, "" when there is no
 * wave), *links, *count (free with ct_rc_links_free).
 */
enum ct_status ct_rc_latest(struct ct_store *store, char *date, struct ct_rc_link **links,
                            size_t *count, struct ct_error *err);

#endif
