/*
 * simulate_rounds.c: glue between the simulation loop (simulate.c) and
 * the rounds module (rounds.h); see simulate_rounds.h.
 */
#include "simulate_rounds.h"

#include <stdint.h>

#include "clock.h"
#include "rematch.h"
#include "rounds.h"

static enum ct_status
plan(void *arg, struct ct_store *store, const struct ct_config *cfg, const char *date,
     uint64_t seed, int64_t now, int64_t *round_id, struct ct_error *err)
{
    /* Below 2^53 (and never 0, "pick one"), as the rounds module keeps its seeds. */
    struct ct_round_plan_options opts = {
        .date = date,
        .seed = (seed & ((UINT64_C(1) << 53) - 1)) | 1,
        .origin = CT_ROUND_CLI,
        /* A simulation's peak is its plans': no larger than a real plan's. */
        .lean = true,
    };
    struct ct_round *round = NULL;
    enum ct_status st;

    (void)arg;
    *round_id = 0;
    if ((st = ct_rounds_plan(store, cfg, &opts, now, &round, err)) != CT_OK)
        return st;
    *round_id = round->id;
    ct_round_free(round);
    return CT_OK;
}

static enum ct_status
send(void *arg, struct ct_store *store, int64_t round_id, int64_t now, struct ct_error *err)
{
    (void)arg;
    return ct_rounds_mark_sent(store, round_id, now, err);
}

static enum ct_status
rematch(void *arg, struct ct_store *store, const struct ct_config *cfg, int64_t round_id,
        int64_t now, struct ct_error *err)
{
    (void)arg;
    return ct_rounds_rematch(store, cfg, round_id, false, now, NULL, err);
}

struct ct_simulate_rounds
ct_simulate_rounds_real(void)
{
    struct ct_simulate_rounds r = {.plan = plan, .send = send, .rematch = rematch, .arg = NULL};

    return r;
}
