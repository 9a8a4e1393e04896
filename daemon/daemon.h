/*
 * daemon.h: coffeetriald's state, shared by its files. The calls go one
 * way: main and options (coffeetriald.c) -> the event loop with signals,
 * configuration (re)loading and status (loop.c, loop.h) -> the jobs the
 * loop runs with the schedule's decisions (jobs.c, jobs.h) -> the actions
 * (actions.c). Single-threaded: nothing here is locked.
 */
#ifndef CT_DAEMON_H
#define CT_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "actions.h"
#include "config.h"
#include "ct.h"
#include "schedule.h"
#include "store.h"

/* "No work scheduled" for next_due. */
#define CT_NEVER INT64_MAX

/* Sends still waiting for the review period, most a daemon keeps track of. */
#define CT_PENDING_MAX 16

/* A round the daemon planned (or adopted) and will send after review. */
struct ct_pending_send {
    char date[11];   /* the round's date, YYYY-MM-DD */
    int64_t send_at; /* Unix seconds */
};

struct ct_daemon;

/*
 * One kind of work the loop runs when due, in the manner of OpenSMTPD's
 * backends: a name and three functions.
 */
struct ct_job {
    const char *name;
    /*
     * Why the job cannot run, or NULL if it can. *missing is set when the
     * reason is that this build lacks the action (a warning at start),
     * rather than that the configuration turns the job off.
     */
    const char *(*unavailable)(struct ct_daemon *d, bool *missing);
    /* When the job next has work (Unix seconds), CT_NEVER if none. */
    int64_t (*next_due)(struct ct_daemon *d, int64_t now);
    /* Do the work due at now. On failure the loop logs err and retries later. */
    enum ct_status (*run)(struct ct_daemon *d, int64_t now, struct ct_error *err);
};

/* What the loop remembers about each job between runs. */
struct ct_job_state {
    int64_t not_before; /* back-off: do not run before this time */
    int64_t backoff;    /* seconds of the current back-off, 0 after success */
    bool announced;     /* "not available" already logged */
};

struct ct_daemon {
    const char *config_option; /* -c argument, or NULL */
    char *config_path;         /* the file read, NULL when running on defaults */
    struct ct_config *cfg;
    struct ct_schedule *schedule;
    char schedule_start[11]; /* the DTSTART date in use */
    char start_fallback[11]; /* DTSTART when [schedule] start is unset: the first run's day */
    struct ct_store *store;
    const struct ct_actions *actions;
    bool once;
    bool verbose;

    /* Schedule decisions, mirrored in the store's meta table. */
    int64_t handled; /* the last occurrence handled (or the first start) */
    struct ct_pending_send pending[CT_PENDING_MAX];
    int npending;
    int64_t roster_refreshed_at; /* 0: never */
    int64_t imap_polled_at;      /* 0: never */
    int64_t rematched_at;        /* the last re-match run; 0: none since the start */
    int64_t messaged_at;         /* the last lifecycle messages run; 0: none since the start */

    /*
     * Set by the loop: called by actions between units of work (feeds the
     * watchdog, says whether a stop was asked for).
     */
    bool (*tick)(void *arg);
    void *tick_arg;

    const struct ct_job *jobs;
    struct ct_job_state *job_state;
    int njobs;

    int failures; /* job runs that failed (--once exit status) */
    enum ct_status first_failure;
};

#endif
