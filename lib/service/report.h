/*
 * report.h: computing the report's figures (report_model.h) from the store:
 * rounds, groups, replies, outcomes and the outbox, read in one read
 * transaction and replayed round by round. docs/reports.md defines every
 * figure.
 */
#ifndef CT_REPORT_H
#define CT_REPORT_H

#include <stdint.h>

#include "ct.h"
#include "report_model.h"
#include "store.h"

/*
 * Compute the report from the store, as of round_id (0: every round). Rounds
 * planned again ('replaced') are left out; cancelled ones are counted in
 * cancelled_rounds only. CT_ENOTFOUND ("no round 9") for an unknown or
 * replaced round_id; CT_ESTATE for a cancelled one. generated_at is now.
 * Role names of the Relational Coordination section are matched under
 * aliases (the [roster] aliases; may be NULL), kept borrowed in the report.
 * OUT: *out, freed with ct_report_free().
 */
enum ct_status ct_report_build(struct ct_store *store, const struct ct_orgname_aliases *aliases,
                               int64_t round_id, int64_t now, struct ct_report **out,
                               struct ct_error *err);

#endif
