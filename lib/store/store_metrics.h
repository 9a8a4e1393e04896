/*
 * store_metrics.h: the counts GET /metrics shows (docs/operations.md), read
 * in one snapshot. Counts and times only: nothing here names a person.
 */
#ifndef CT_STORE_METRICS_H
#define CT_STORE_METRICS_H

#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "store.h"

#define CT_METRICS_OUTBOX_KINDS  3 /* enum ct_outbox_kind */
#define CT_METRICS_OUTBOX_STATES 5 /* enum ct_outbox_state */
#define CT_METRICS_ROUND_STATES  4 /* enum ct_round_state */
#define CT_METRICS_MEMBER_STATES 4 /* enum ct_member_status */

struct ct_store_metrics {
    int64_t messages[CT_METRICS_OUTBOX_KINDS][CT_METRICS_OUTBOX_STATES]; /* by kind, state */
    int64_t attempts[CT_METRICS_OUTBOX_KINDS];                           /* delivery attempts */
    int64_t retrying;     /* queued again after a failed attempt */
    int64_t last_sent_at; /* newest sent_at, 0 if none */
    int64_t rounds[CT_METRICS_ROUND_STATES];
    int64_t members[CT_METRICS_MEMBER_STATES];
    int64_t replies_recorded; /* replies applied to a group */
    int64_t replies_held;     /* held for the organiser, not yet applied */
};

/* Every count, in one read snapshot. OUT: *out. */
enum ct_status ct_store_metrics_load(struct ct_store *store, struct ct_store_metrics *out,
                                     struct ct_error *err);

#endif
