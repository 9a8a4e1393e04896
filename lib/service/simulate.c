/*
 * simulate.c: rounds of the current rules on a roster in a throw-away
 * database, with members who answer and meet at random; see simulate.h.
 * Simulated time (each round's scheduled time) is passed down to every
 * call that takes a now, so the timestamps written (sent_at, answers,
 * outcomes, pauses) follow it; the clock itself is never read or moved.
 */
#include "simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "members.h"
#include "rc_survey.h"
#include "replies.h"
#include "rng.h"
#include "schedule.h"
#include "store_outcomes.h"
#include "store_report.h"
#include "util.h"
#include "validate.h"

/* splitmix64's stream (rng.h's mixer), so a seed gives the same simulation as ever. */
static uint64_t
next_random(uint64_t *state)
{
    *state += UINT64_C(0x9e3779b97f4a7c15);
    return ct_rng_mix64(*state);
}

/* A uniform number in [0, 1). */
static double
uniform(uint64_t *state)
{
    return (double)(next_random(state) >> 11) / 9007199254740992.0;
}

/*
 * Decide what the members of one round did: seats[0..n) (ordered by group)
 * get their answers, outcomes[] one row per group (OUT: *groups). Each
 * member accepts with accept_rate; of the others a third decline and the
 * rest never answer. A group whose members all accepted meets 9 times in
 * 10, rated 3, 4 or 5; any other group does not meet.
 */
static void
decide_answers(struct ct_group_seat *seats, size_t n, double accept_rate, uint64_t *rng,
               struct ct_outcome_row *outcomes, size_t *groups)
{
    size_t i = 0, g = 0;

    while (i < n) {
        int64_t group = seats[i].group_id;
        bool all_accepted = true, met;

        for (; i < n && seats[i].group_id == group; i++) {
            double x;
            if (seats[i].partstat == CT_PARTSTAT_DECLINED) {
                all_accepted = false; /* dropped out: stays declined */
                continue;
            }
            x = uniform(rng);
            seats[i].partstat = x < accept_rate ? CT_PARTSTAT_ACCEPTED
                                : x < accept_rate + (1.0 - accept_rate) / 3.0
                                    ? CT_PARTSTAT_DECLINED
                                    : CT_PARTSTAT_NEEDS_ACTION;
            all_accepted = all_accepted && seats[i].partstat == CT_PARTSTAT_ACCEPTED;
        }
        met = all_accepted && uniform(rng) < 0.9;
        outcomes[g++] = (struct ct_outcome_row){
            .group_id = group,
            .met = met,
            .rating = met ? 3 + (int)(next_random(rng) % 3) : 0,
            .source = "simulated",
        };
    }
    *groups = g;
}

/* The members of round_id answer and meet (decide_answers), at now. One transaction. */
static enum ct_status
members_respond(struct ct_store *store, int64_t round_id, double accept_rate, uint64_t *rng,
                int64_t now, struct ct_error *err)
{
    struct ct_group_seat *seats = NULL;
    struct ct_outcome_row *outcomes = NULL;
    struct ct_txn *txn = NULL;
    size_t n = 0, groups = 0;
    enum ct_status st;

    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = ct_store_outcomes_round_members(store, round_id, &seats, &n, err)) != CT_OK)
        goto out;
    if ((outcomes = calloc(n + 1, sizeof(*outcomes))) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    decide_answers(seats, n, accept_rate, rng, outcomes, &groups);
    if ((st = ct_store_outcomes_answers_set(txn, seats, n, err)) != CT_OK ||
        (st = ct_store_outcomes_write(txn, outcomes, groups, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    free(seats);
    free(outcomes);
    return st;
}

/* Each member invited in round_id declines at once with chance dropout. One transaction. */
static enum ct_status
members_drop_out(struct ct_store *store, int64_t round_id, double dropout, uint64_t *rng,
                 struct ct_error *err)
{
    struct ct_group_seat *seats = NULL;
    struct ct_txn *txn = NULL;
    size_t n = 0, i, k = 0;
    enum ct_status st;

    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = ct_store_outcomes_round_members(store, round_id, &seats, &n, err)) != CT_OK)
        goto out;
    for (i = 0; i < n; i++)
        if (uniform(rng) < dropout) {
            seats[k] = seats[i];
            seats[k++].partstat = CT_PARTSTAT_DECLINED;
        }
    if ((st = ct_store_outcomes_answers_set(txn, seats, k, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    free(seats);
    return st;
}

/* Remove the temporary database and its directory. */
static void
remove_tmp(const char *dir, const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    size_t i;

    for (i = 0; path && i < CT_ARRAY_LEN(suffixes); i++) {
        char *p = ct_asprintf("%s%s", path, suffixes[i]);
        if (p)
            unlink(p);
        free(p);
    }
    if (dir)
        rmdir(dir);
}

/* The day (since 1970-01-01) of t in the schedule's zone. */
static int32_t
local_day(const struct ct_schedule *sched, int64_t t)
{
    char date[11];
    int32_t days = 0;

    ct_schedule_local_date(sched, t, date);
    (void)ct_parse_date(date, &days);
    return days;
}

/*
 * The schedule the simulation follows, and the time its first occurrence
 * is searched after: from [schedule] start, or from the day of now.
 * OUT: *sched (ct_schedule_free) and *from.
 */
static enum ct_status
simulated_schedule(const struct ct_config *cfg, int64_t now, struct ct_schedule **sched,
                   int64_t *from, struct ct_error *err)
{
    char start[11];
    int32_t days = 0;
    enum ct_status st;

    if (cfg->schedule.start) {
        snprintf(start, sizeof(start), "%s", cfg->schedule.start);
    } else if ((st = ct_schedule_zone_date(cfg->network.timezone, now, start, err)) != CT_OK) {
        return st;
    }
    if ((st = ct_schedule_new(cfg->schedule.rrule, start, cfg->schedule.time_minutes,
                              cfg->network.timezone, sched, err)) != CT_OK)
        return st;
    (void)ct_parse_date(start, &days);
    /* Strictly after the day before: an occurrence on the start day counts. */
    *from = (int64_t)days * 86400 - 86400;
    return CT_OK;
}

/* A new temporary directory under base. OUT: *dir and *path (the database in it). */
static enum ct_status
make_tmp(const char *base, char **dir, char **path, struct ct_error *err)
{
    if ((*dir = ct_asprintf("%s/coffeetrial-simulate.XXXXXX", base)) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    if (mkdtemp(*dir) == NULL) {
        free(*dir);
        *dir = NULL;
        return ct_error_set(err, CT_EIO, "%s: cannot create a temporary directory", base);
    }
    if ((*path = ct_asprintf("%s/simulation.db", *dir)) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    return CT_OK;
}

/* One simulation's state: its database, schedule and random stream. */
struct sim {
    const struct ct_simulate_options *opts;
    const struct ct_simulate_rounds *rounds;
    struct ct_store *store;
    struct ct_schedule *sched;
    struct ct_replies_policy policy;
    uint64_t rng;
    int64_t t; /* simulated now: the current round's scheduled time */
};

/* Round i: what the daemon would have done since the last one, then plan, send, answer. */
static enum ct_status
simulate_round(struct sim *sim, int i, struct ct_error *err)
{
    const struct ct_simulate_options *opts = sim->opts;
    uint64_t round_seed = next_random(&sim->rng) & 0x7fffffffffffffffull;
    int64_t round_id = 0;
    enum ct_status st;
    char date[11];

    if ((st = ct_schedule_next(sim->sched, sim->t, &sim->t, err)) != CT_OK) {
        if (st == CT_ENOTFOUND)
            st = ct_error_set(err, CT_ECONFIG,
                              "[schedule] rrule ends after %d round%s; %d asked for", i,
                              i == 1 ? "" : "s", opts->rounds);
        return st;
    }
    ct_schedule_local_date(sim->sched, sim->t, date);
    if ((st = ct_replies_close_windows(sim->store, sim->t, &sim->policy, NULL, NULL, err)) !=
            CT_OK ||
        (st = ct_members_expire_pauses(sim->store, local_day(sim->sched, sim->t), sim->t, NULL,
                                       err)) != CT_OK)
        return st;
    if ((st = sim->rounds->plan(sim->rounds->arg, sim->store, opts->cfg, date, round_seed, sim->t,
                                &round_id, err)) != CT_OK ||
        (st = sim->rounds->send(sim->rounds->arg, sim->store, round_id, sim->t, err)) != CT_OK)
        return st;
    if (opts->dropout > 0.0 &&
        (st = members_drop_out(sim->store, round_id, opts->dropout, &sim->rng, err)) != CT_OK)
        return st;
    if (opts->dropout > 0.0 && opts->rematch && sim->rounds->rematch &&
        (st = sim->rounds->rematch(sim->rounds->arg, sim->store, opts->cfg, round_id, sim->t + 3600,
                                   err)) != CT_OK)
        return st;
    return members_respond(sim->store, round_id, opts->accept_rate, &sim->rng, sim->t, err);
}

/* Check the options. */
static enum ct_status
check_options(const struct ct_simulate_options *opts, struct ct_error *err)
{
    if (opts->rounds < 1 || opts->rounds > 1000)
        return ct_error_set(err, CT_EUSAGE, "rounds: %d is not from 1 to 1000", opts->rounds);
    if (!(opts->accept_rate >= 0.0 && opts->accept_rate <= 1.0))
        return ct_error_set(err, CT_EUSAGE, "accept rate: %g is not from 0 to 1",
                            opts->accept_rate);
    if (!(opts->dropout >= 0.0 && opts->dropout <= 1.0))
        return ct_error_set(err, CT_EUSAGE, "dropout: %g is not from 0 to 1", opts->dropout);
    return CT_OK;
}

/* The RC survey, if any, as a wave dated the first round's day. */
static enum ct_status
import_rc(struct sim *sim, struct ct_error *err)
{
    const struct ct_simulate_options *opts = sim->opts;
    struct ct_rc_import_options o = {0};
    struct ct_rc_import_result r;
    char date[11];

    if (opts->rc_data == NULL)
        return CT_OK;
    ct_schedule_local_date(sim->sched, sim->t, date);
    o.date = date;
    o.aliases = opts->cfg->roster.org_aliases;
    return ct_rc_import(sim->store, opts->rc_name, opts->rc_data, opts->rc_len, &o, opts->now, &r,
                        opts->rc_diags, err);
}

/* Import the roster and run every round, then let the last windows close. */
static enum ct_status
simulate_all(struct sim *sim, struct ct_error *err)
{
    const struct ct_simulate_options *opts = sim->opts;
    struct ct_sync_options sync = {.source = "simulate"};
    struct ct_sync_result *synced = NULL;
    enum ct_status st;
    int i;

    /* A throw-away database: durability buys nothing here. */
    if ((st = ct_store_set_throwaway(sim->store, err)) != CT_OK)
        return st;
    st = ct_members_sync(sim->store, opts->roster, &sync, opts->now, &synced, err);
    ct_sync_result_free(synced);
    if (opts->release_roster && *opts->release_roster == opts->roster) {
        ct_roster_free(*opts->release_roster);
        *opts->release_roster = NULL;
    }
    if (st != CT_OK || (st = import_rc(sim, err)) != CT_OK)
        return st;
    sim->policy.unanswered_limit = opts->cfg->pairing.unanswered_limit;
    sim->policy.meeting_window = opts->cfg->schedule.meeting_window;
    for (i = 0; i < opts->rounds; i++) {
        if ((st = simulate_round(sim, i, err)) != CT_OK)
            return st;
        if (opts->progress)
            opts->progress(opts->progress_arg, i + 1, opts->rounds);
    }
    /* The last windows close too: the report covers the whole simulated time. */
    sim->t += opts->cfg->schedule.meeting_window + 86400;
    return ct_replies_close_windows(sim->store, sim->t, &sim->policy, NULL, NULL, err);
}

enum ct_status
ct_simulate_run(const struct ct_simulate_options *opts, const struct ct_simulate_rounds *rounds,
                struct ct_report **report, struct ct_error *err)
{
    struct sim sim = {.opts = opts, .rounds = rounds, .rng = opts->seed};
    const char *base = opts->tmpdir;
    char *dir = NULL, *path = NULL;
    enum ct_status st;

    *report = NULL;
    if ((st = check_options(opts, err)) != CT_OK)
        return st;
    if (base == NULL && (base = getenv("TMPDIR")) == NULL)
        base = "/tmp";
    if ((st = simulated_schedule(opts->cfg, opts->now, &sim.sched, &sim.t, err)) != CT_OK)
        return st;
    if ((st = make_tmp(base, &dir, &path, err)) != CT_OK ||
        (st = ct_store_open(path, &sim.store, err)) != CT_OK)
        goto out;
    st = simulate_all(&sim, err);
    /* The report is made at now, not at the end of simulated time. */
    if (st == CT_OK)
        st = ct_report_build(sim.store, opts->cfg->roster.org_aliases, 0, opts->now, report, err);
out:
    ct_store_close(sim.store);
    remove_tmp(dir, path);
    ct_schedule_free(sim.sched);
    free(path);
    free(dir);
    return st;
}
