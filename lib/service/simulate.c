/*
 * simulate.c: rounds of the current rules on a roster in a throw-away
 * database, with members who answer and meet at random; see simulate.h.
 * The clock is set to each round's scheduled time, so every timestamp the
 * modules write (sent_at, the answer windows, pauses) follows simulated
 * time, and is put back afterwards.
 */
#include "store_impl.h"
#include "simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "members.h"
#include "replies.h"
#include "schedule.h"
#include "util.h"
#include "validate.h"

/* splitmix64: small, seedable, and the same everywhere. */
static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform number in [0, 1). */
static double
uniform(uint64_t *state)
{
    return (double)(next_random(state) >> 11) / 9007199254740992.0;
}

static enum ct_status
exec(struct ct_store *store, const char *sql, const char *doing, struct ct_error *err)
{
    if (sqlite3_exec(ct_store_db(store), sql, NULL, NULL, NULL) != SQLITE_OK)
        return ct_store_error(store, err, doing);
    return CT_OK;
}

/*
 * The members of round_id answer and meet. Each accepts with accept_rate;
 * of the others a third decline and the rest never answer. A group whose
 * members all accepted meets 9 times in 10, rated 3, 4 or 5; any other
 * group does not meet. One transaction.
 */
static enum ct_status
members_respond(struct ct_store *store, int64_t round_id, double accept_rate, uint64_t *rng,
                struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *members = NULL, *answer = NULL, *outcome = NULL;
    enum ct_status st;
    int64_t group = 0;
    bool all_accepted = true, began = false;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "SELECT gm.group_id, gm.member_id FROM group_members gm"
                           " JOIN groups g ON g.id = gm.group_id"
                           " WHERE g.round_id = ?1 AND g.state = 'sent' AND gm.removed = 0"
                           " ORDER BY gm.group_id, gm.member_id",
                           -1, &members, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE group_members SET partstat = ?3"
                           " WHERE group_id = ?1 AND member_id = ?2",
                           -1, &answer, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO outcomes (group_id, met, rating, source,"
                           " recorded_at) VALUES (?1, ?2, ?3, 'simulated', ?4)",
                           -1, &outcome, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "prepare simulated answers");
        goto out;
    }
    if ((st = ct_store_begin(store, err)) != CT_OK)
        goto out;
    began = true;
    sqlite3_bind_int64(members, 1, round_id);
    for (;;) {
        rc = sqlite3_step(members);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            st = ct_store_error(store, err, "read simulated groups");
            goto out;
        }
        /* A group is complete: record whether it met. */
        if (group != 0 && (rc == SQLITE_DONE || sqlite3_column_int64(members, 0) != group)) {
            bool met = all_accepted && uniform(rng) < 0.9;
            sqlite3_bind_int64(outcome, 1, group);
            sqlite3_bind_int(outcome, 2, met);
            if (met)
                sqlite3_bind_int(outcome, 3, 3 + (int)(next_random(rng) % 3));
            else
                sqlite3_bind_null(outcome, 3);
            sqlite3_bind_int64(outcome, 4, ct_now());
            if (sqlite3_step(outcome) != SQLITE_DONE) {
                st = ct_store_error(store, err, "record a simulated outcome");
                goto out;
            }
            sqlite3_reset(outcome);
            all_accepted = true;
        }
        if (rc == SQLITE_DONE)
            break;
        {
            double x = uniform(rng);
            const char *partstat = x < accept_rate                               ? "ACCEPTED"
                                   : x < accept_rate + (1.0 - accept_rate) / 3.0 ? "DECLINED"
                                                                                 : "NEEDS-ACTION";
            group = sqlite3_column_int64(members, 0);
            all_accepted = all_accepted && strcmp(partstat, "ACCEPTED") == 0;
            sqlite3_bind_int64(answer, 1, group);
            sqlite3_bind_int64(answer, 2, sqlite3_column_int64(members, 1));
            sqlite3_bind_text(answer, 3, partstat, -1, SQLITE_STATIC);
            if (sqlite3_step(answer) != SQLITE_DONE) {
                st = ct_store_error(store, err, "record a simulated answer");
                goto out;
            }
            sqlite3_reset(answer);
        }
    }
    st = ct_store_commit(store, err);
    began = false;
out:
    if (began)
        ct_store_rollback(store);
    sqlite3_finalize(members);
    sqlite3_finalize(answer);
    sqlite3_finalize(outcome);
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

enum ct_status
ct_simulate_run(const struct ct_simulate_options *opts, const struct ct_simulate_rounds *rounds,
                struct ct_report **report, struct ct_error *err)
{
    const struct ct_config *cfg = opts->cfg;
    struct ct_sync_options sync = {.source = "simulate"};
    struct ct_sync_result *synced = NULL;
    struct ct_replies_policy policy;
    struct ct_schedule *sched = NULL;
    struct ct_store *store = NULL;
    const char *base = opts->tmpdir;
    char *dir = NULL, *path = NULL, start[11];
    int64_t saved_clock = 0, t, from;
    uint64_t rng = opts->seed;
    enum ct_status st;
    int i;

    *report = NULL;
    if (opts->rounds < 1 || opts->rounds > 1000)
        return ct_error_set(err, CT_EUSAGE, "rounds: %d is not from 1 to 1000", opts->rounds);
    if (!(opts->accept_rate >= 0.0 && opts->accept_rate <= 1.0))
        return ct_error_set(err, CT_EUSAGE, "accept rate: %g is not from 0 to 1",
                            opts->accept_rate);
    if (base == NULL && (base = getenv("TMPDIR")) == NULL)
        base = "/tmp";

    /* When: the schedule's occurrences from its start, or from today. */
    if (cfg->schedule.start) {
        snprintf(start, sizeof(start), "%s", cfg->schedule.start);
    } else if ((st = ct_schedule_zone_date(cfg->network.timezone, ct_now(), start, err)) != CT_OK) {
        return st;
    }
    if ((st = ct_schedule_new(cfg->schedule.rrule, start, cfg->schedule.time_minutes,
                              cfg->network.timezone, &sched, err)) != CT_OK)
        return st;
    {
        int32_t days = 0;
        (void)ct_parse_date(start, &days);
        /* Strictly after the day before: an occurrence on the start day counts. */
        from = (int64_t)days * 86400 - 86400;
    }

    if ((dir = ct_asprintf("%s/coffeetrial-simulate.XXXXXX", base)) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    if (mkdtemp(dir) == NULL) {
        st = ct_error_set(err, CT_EIO, "%s: cannot create a temporary directory", base);
        free(dir);
        dir = NULL;
        goto out;
    }
    if ((path = ct_asprintf("%s/simulation.db", dir)) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = ct_store_open(path, &store, err)) != CT_OK)
        goto out;
    /* A throw-away database: durability buys nothing here. */
    if ((st = exec(store, "PRAGMA synchronous = OFF", "set up the simulation", err)) != CT_OK)
        goto out;
    if ((st = ct_members_sync(store, opts->roster, &sync, ct_now(), &synced, err)) != CT_OK)
        goto out;

    policy.unanswered_limit = cfg->pairing.unanswered_limit;
    policy.meeting_window = cfg->schedule.meeting_window;
    saved_clock = ct_now();
    t = from;
    for (i = 0; i < opts->rounds; i++) {
        uint64_t round_seed = next_random(&rng) & 0x7fffffffffffffffull;
        int64_t round_id = 0;
        char date[11];

        if ((st = ct_schedule_next(sched, t, &t, err)) != CT_OK) {
            if (st == CT_ENOTFOUND)
                st = ct_error_set(err, CT_ECONFIG,
                                  "[schedule] rrule ends after %d round%s; %d asked for", i,
                                  i == 1 ? "" : "s", opts->rounds);
            goto out;
        }
        ct_clock_set(t);
        ct_schedule_local_date(sched, t, date);
        /* What the daemon would have done since the last round. */
        if ((st = ct_replies_close_windows(store, t, &policy, NULL, NULL, err)) != CT_OK ||
            (st = ct_members_expire_pauses(store, local_day(sched, t), t, NULL, err)) != CT_OK)
            goto out;
        if ((st = rounds->plan(rounds->arg, store, cfg, date, round_seed, &round_id, err)) !=
                CT_OK ||
            (st = rounds->send(rounds->arg, store, round_id, err)) != CT_OK ||
            (st = members_respond(store, round_id, opts->accept_rate, &rng, err)) != CT_OK)
            goto out;
        if (opts->progress)
            opts->progress(opts->progress_arg, i + 1, opts->rounds);
    }
    /* The last windows close too: the report covers the whole simulated time. */
    t += cfg->schedule.meeting_window + 86400;
    ct_clock_set(t);
    if ((st = ct_replies_close_windows(store, t, &policy, NULL, NULL, err)) != CT_OK)
        goto out;
    /* The report is made now, not at the end of simulated time. */
    ct_clock_set(0);
    st = ct_report_build(store, 0, report, err);
out:
    if (saved_clock)
        ct_clock_set(0);
    ct_store_close(store);
    remove_tmp(dir, path);
    ct_sync_result_free(synced);
    ct_schedule_free(sched);
    free(path);
    free(dir);
    return st;
}
