/*
 * rematch.h: nobody is left hanging. After a round is sent, the members a
 * partner dropped out on (declined, paused, skipped, stopped, left,
 * erased) are paired again among themselves by the planning engine under
 * every rule, with a slot after now inside the round's window, and
 * invited; a lone remainder joins a pair as a third, or is told. See
 * docs/rounds.md "Re-match".
 */
#ifndef CT_REMATCH_H
#define CT_REMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "store.h"

/* What a re-match did (or, in a dry run, would do), counted in members. */
struct ct_rematch_result {
    size_t alone;     /* members found alone: regrouped + trios + told */
    size_t regrouped; /* put into new groups among themselves (new UID, REQUEST) */
    size_t trios;     /* joined a sent pair as its third (that pair gets an updated REQUEST) */
    size_t told;      /* told "no partner this time" */
};

/*
 * Re-match sent round round_id at now, in one transaction. A member is
 * alone when they are active, did not decline, and none of their groups in
 * the round still holds two members who did not decline; one told "no
 * partner this time" in this round stays told. The alone are grouped by
 * the pairing engine under cfg's [pairing] rules (no repeats, ties,
 * exclusions, require_different; nobody meets anyone they were grouped
 * with in this round), each new group with a slot in [now, window end -
 * [pairing] rematch_until) inside everyone's working hours, sent at once.
 * A remainder joins a sent pair whose slot is ahead as a third when [pairing]
 * odd = trio and the engine accepts the three and the slot fits the
 * newcomer's hours; else they get the "no partner this time" notice. A
 * group a member is taken from that is still sent (their partner declined)
 * is cancelled for them (recipient-only CANCEL saying whether a new
 * invitation follows). After the cut-off nothing is done (CT_OK, all 0).
 * dry_run: the same decisions, nothing written or queued. CT_ENOTFOUND for
 * an unknown round, CT_ESTATE for one not sent. OUT: *out (may be NULL).
 */
enum ct_status ct_rounds_rematch(struct ct_store *store, const struct ct_config *cfg,
                                 int64_t round_id, bool dry_run, int64_t now,
                                 struct ct_rematch_result *out, struct ct_error *err);

/*
 * The same, also saying what it did, one line per member or group for the
 * organiser ("group 14: Ana Ruiz with Bo Chen, 2026-12-09 10:00 UTC").
 * OUT: *lines (heap strings; free each and the array) and *count, as
 * ct_rounds_rematch's out.
 */
enum ct_status ct_rounds_rematch_lines(struct ct_store *store, const struct ct_config *cfg,
                                       int64_t round_id, bool dry_run, int64_t now,
                                       struct ct_rematch_result *out, char ***lines, size_t *count,
                                       struct ct_error *err);

/* Whether any sent round's re-match window is open at now. OUT: *open. */
enum ct_status ct_rounds_rematch_pending(struct ct_store *store, const struct ct_config *cfg,
                                         int64_t now, bool *open, struct ct_error *err);

/*
 * Re-match every sent round whose re-match window is open at now (the
 * daemon's job, [pairing] rematch = yes). OUT: *out (may be NULL), summed.
 */
enum ct_status ct_rounds_rematch_open(struct ct_store *store, const struct ct_config *cfg,
                                      int64_t now, struct ct_rematch_result *out,
                                      struct ct_error *err);

#endif
