/*
 * store_schedule.h: what coffeetriald's schedule asks of the rounds table:
 * the newest round for a date. (Its decisions themselves are meta values,
 * store.h.) Test builds add the bare rows the daemon's stand-in actions
 * write. To be folded into the rounds family's store file.
 */
#ifndef CT_STORE_SCHEDULE_H
#define CT_STORE_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "store.h"

/*
 * The newest round for date (YYYY-MM-DD), or with planned_only the newest
 * planned one. OUT: *id, *state, and *found false when there is none.
 */
enum ct_status ct_store_schedule_round(struct ct_store *store, const char *date, bool planned_only,
                                       int64_t *id, enum ct_round_state *state, bool *found,
                                       struct ct_error *err);

#ifdef CT_TEST_HOOKS
/* Test builds: a planned round of the daemon's with no groups. OUT: *round_id. */
enum ct_status ct_store_schedule_fake_plan(struct ct_txn *txn, const char *date, int64_t send_after,
                                           int64_t now, int64_t *round_id, struct ct_error *err);

/* Test builds: mark round_id sent at now. OUT: *changed, false if it was not planned. */
enum ct_status ct_store_schedule_fake_send(struct ct_txn *txn, int64_t round_id, int64_t now,
                                           bool *changed, struct ct_error *err);
#endif

#endif
