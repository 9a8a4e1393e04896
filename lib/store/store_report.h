/*
 * store_report.h: what the report reads, one loader per dataset (rounds,
 * members, ties, groups with their outcomes, group members, invitations,
 * unpaired members), each handing its rows to a callback in a fixed order,
 * so the report can index them without a copy of every table. No SQLite
 * type crosses this header; the SQL is in store_report.c.
 */
#ifndef CT_STORE_REPORT_H
#define CT_STORE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "store.h"
#include "store_outcomes.h"

/*
 * A read transaction (BEGIN ... COMMIT without a write lock), so several
 * loaders see one consistent state while the daemon may write. End it
 * with ct_store_read_end() whatever happened. Not inside a ct_txn.
 */
enum ct_status ct_store_read_begin(struct ct_store *store, struct ct_error *err);
void ct_store_read_end(struct ct_store *store);

/*
 * A callback's answer: CT_OK to go on, anything else stops the loader,
 * which returns it (the callback fills err).
 */

/* A round as the report lists it. */
struct ct_store_report_round {
    int64_t id;
    char date[11]; /* YYYY-MM-DD */
    enum ct_round_state state;
};

/*
 * Every round but replaced ones, by date then id. Setting *stop ends the
 * loading early (CT_OK).
 */
enum ct_status ct_store_report_rounds(struct ct_store *store,
                                      enum ct_status (*each)(void *arg,
                                                             const struct ct_store_report_round *r,
                                                             bool *stop),
                                      void *arg, struct ct_error *err);

/*
 * Every member, erased ones included, by id: id, email and name (NULL once
 * erased), organisation ("" when unset) and status; the other fields are
 * zero. The view and its strings are borrowed for the call.
 */
enum ct_status ct_store_report_members(struct ct_store *store,
                                       enum ct_status (*each)(void *arg, const struct ct_member *m),
                                       void *arg, struct ct_error *err);

/* Every declared tie, as the two member ids. */
enum ct_status ct_store_report_ties(struct ct_store *store,
                                    enum ct_status (*each)(void *arg, int64_t a, int64_t b),
                                    void *arg, struct ct_error *err);

/* Every group with its state, its round's and its outcome, by id. */
enum ct_status ct_store_report_groups(struct ct_store *store,
                                      enum ct_status (*each)(void *arg,
                                                             const struct ct_outcome_group *g),
                                      void *arg, struct ct_error *err);

/* Every member's place in every group, by group id then member id. */
enum ct_status ct_store_report_seats(struct ct_store *store,
                                     enum ct_status (*each)(void *arg,
                                                            const struct ct_group_seat *s),
                                     void *arg, struct ct_error *err);

/* What became of the invitations (REQUEST messages) of one member of one group. */
struct ct_store_report_invite {
    int64_t group_id;
    int64_t member_id;
    long sent;  /* messages delivered */
    long dead;  /* messages given up */
    long total; /* all of them */
};

/* The invitations of every member and group that has any, grouped by group and member. */
enum ct_status
ct_store_report_invites(struct ct_store *store,
                        enum ct_status (*each)(void *arg, const struct ct_store_report_invite *i),
                        void *arg, struct ct_error *err);

/* Every member left without a group in a round; sit_out: by the odd = sit_out rule. */
enum ct_status ct_store_report_unpaired(struct ct_store *store,
                                        enum ct_status (*each)(void *arg, int64_t round_id,
                                                               int64_t member_id, bool sit_out),
                                        void *arg, struct ct_error *err);

/*
 * Make a throw-away database fast: no fsync (PRAGMA synchronous = OFF).
 * For the simulator's temporary database only; a power cut may lose it.
 */
enum ct_status ct_store_set_throwaway(struct ct_store *store, struct ct_error *err);

#endif
