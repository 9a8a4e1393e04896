/*
 * store_rc.h: the Relational Coordination tables (rc_waves, rc_links) seen
 * from above: writing a survey wave, reading waves and their role-pair
 * strengths, and the trial's groups with their members' roles for counting
 * meetings across each link. SQL lives in store_rc.c.
 */
#ifndef CT_STORE_RC_H
#define CT_STORE_RC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "rc.h"
#include "store.h"

/* The roster's e-mails and roles (members not erased), as parallel arrays. */
struct ct_store_rc_roster {
    char **emails;
    char **roles;
    size_t count;
};

/* OUT: *out (zeroed first), freed with ct_store_rc_roster_clear also on failure. */
enum ct_status ct_store_rc_roster_load(struct ct_store *store, struct ct_store_rc_roster *out,
                                       struct ct_error *err);
void ct_store_rc_roster_clear(struct ct_store_rc_roster *r);

/* One survey wave. */
struct ct_store_rc_wave {
    int64_t id;
    char date[11]; /* YYYY-MM-DD */
    char *source;
    bool aggregated;
    int64_t rows;
    int64_t imported_at;
};

/*
 * Write survey s as the wave of date (from file source), replacing the wave
 * already stored for that date (OUT: *replaced). OUT: *wave_id.
 */
enum ct_status ct_store_rc_wave_write(struct ct_txn *txn, const char *date, const char *source,
                                      const struct ct_rc_survey *s, int64_t now, bool *replaced,
                                      int64_t *wave_id, struct ct_error *err);

/* Every wave, newest date first. OUT: *waves, *count; free with ct_store_rc_waves_free. */
enum ct_status ct_store_rc_waves(struct ct_store *store, struct ct_store_rc_wave **waves,
                                 size_t *count, struct ct_error *err);
void ct_store_rc_waves_free(struct ct_store_rc_wave *waves, size_t count);

/* The links of wave_id, weakest first. OUT: *links, *count; free with ct_rc_links_free. */
enum ct_status ct_store_rc_links(struct ct_store *store, int64_t wave_id, struct ct_rc_link **links,
                                 size_t *count, struct ct_error *err);

/* A trial group that took place: sent, in a sent round, members not removed. */
struct ct_store_rc_group {
    int64_t group_id;
    int64_t round_id;
    char date[11]; /* the round's date */
    char *roles[4];
    unsigned size;
};

/*
 * The sent groups of sent rounds dated since (YYYY-MM-DD) or later, each
 * with the roles of its members still in it, by round date then group id.
 * OUT: *groups, *count; free with ct_store_rc_groups_free.
 */
enum ct_status ct_store_rc_groups(struct ct_store *store, const char *since,
                                  struct ct_store_rc_group **groups, size_t *count,
                                  struct ct_error *err);
void ct_store_rc_groups_free(struct ct_store_rc_group *groups, size_t count);

#endif
