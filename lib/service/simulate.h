/*
 * simulate.h: running the current rules over N rounds of a roster in a
 * temporary database, with simulated answers and meetings, and reporting on
 * the result ("coffeetrial simulate"), so operators can tune the INI before
 * going live. The real database is never opened.
 *
 * Planning a round is the pairing engine's job: the caller hands it in as
 * struct ct_simulate_rounds, so this file depends on nothing but the store.
 */
#ifndef CT_SIMULATE_H
#define CT_SIMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "report.h"
#include "roster.h"
#include "store.h"

/*
 * What simulate needs from round planning. Both are given now, the
 * round's scheduled time in simulated time, for every timestamp they write.
 */
struct ct_simulate_rounds {
    /*
     * Plan the round of date (YYYY-MM-DD) with seed under cfg's rules, as
     * "round plan" does: a rounds row in state 'planned' with its groups,
     * group_members and unpaired rows. OUT: *round_id.
     */
    enum ct_status (*plan)(void *arg, struct ct_store *store, const struct ct_config *cfg,
                           const char *date, uint64_t seed, int64_t now, int64_t *round_id,
                           struct ct_error *err);
    /*
     * Mark the round and its groups sent (rounds.state, sent_at,
     * groups.state), as "round send" does but without queuing mail.
     */
    enum ct_status (*send)(void *arg, struct ct_store *store, int64_t round_id, int64_t now,
                           struct ct_error *err);
    /*
     * Re-match sent round_id at now, as "round rematch" does (rematch.h);
     * NULL: a simulation never re-matches.
     */
    enum ct_status (*rematch)(void *arg, struct ct_store *store, const struct ct_config *cfg,
                              int64_t round_id, int64_t now, struct ct_error *err);
    void *arg;
};

struct ct_simulate_options {
    const struct ct_config *cfg;    /* the rules, schedule and network zone */
    const struct ct_roster *roster; /* the members, imported as "roster import" would */
    /*
     * NULL, or where the caller keeps roster: it is then freed (and *release_roster set to
     * NULL) once imported, so the rounds and the report run without it in memory.
     */
    struct ct_roster **release_roster;
    int rounds;         /* how many rounds (1-1000) */
    uint64_t seed;      /* the same seed gives the same simulation */
    double accept_rate; /* the chance a member accepts an invitation (0-1) */
    double dropout;     /* the chance a member invited drops out at once (0-1) */
    bool rematch;       /* then re-match the partners left alone (rounds->rematch) */
    const char *tmpdir; /* where the temporary database goes; NULL: $TMPDIR or /tmp */
    int64_t now;        /* the real time: the first round is after its day unless
                           [schedule] start says otherwise; the report's time */
    /*
     * A Relational Coordination survey (docs/relational-coordination.md) in
     * rc_data[0..rc_len), file rc_name, imported as a wave dated the first
     * round's day; NULL: none. Its problems go to rc_diags.
     */
    const char *rc_name;
    const char *rc_data;
    size_t rc_len;
    struct ct_diags *rc_diags;
    /* Called after each round (may be NULL): rounds done, of total. */
    void (*progress)(void *arg, int done, int total);
    void *progress_arg;
};

/*
 * Simulate. In a fresh database in a new temporary directory: import the
 * roster; then for each of the schedule's next opts->rounds occurrences
 * (from [schedule] start, or from now): resume members whose pause ended,
 * plan the round, send it, let each member drop out (decline) with
 * dropout and, with rematch, re-match the partners left alone an hour
 * later; then simulate the members: each who did not drop out accepts with
 * accept_rate, else declines (a third of the rest) or does not answer; a
 * group whose members all accepted meets 9 times in 10 (rating 3-5), any
 * other group does not; the outcomes are recorded as a survey would. Once
 * a round's meeting window has passed, unanswered invitations are counted
 * and members paused by [pairing] unanswered_limit, as the daemon does.
 * At the end the report is built as of opts->now (OUT: *report,
 * ct_report_free()) and the temporary directory removed, whatever
 * happened. Nothing else is touched. Simulated time is passed down to
 * every call; the clock is never read or moved.
 * CT_EUSAGE for out-of-range options.
 */
enum ct_status ct_simulate_run(const struct ct_simulate_options *opts,
                               const struct ct_simulate_rounds *rounds, struct ct_report **report,
                               struct ct_error *err);

#endif
