/*
 * daemon.h: coffeetriald's state, shared by its files: main and options
 * (coffeetriald.c), the event loop with signals, reload and status
 * (loop.c), and the jobs the loop runs with the schedule's decisions
 * (jobs.c). Single-threaded: nothing here is locked.
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

    const struct ct_job *jobs;
    struct ct_job_state *job_state;
    int njobs;

    int failures; /* job runs that failed (--once exit status) */
    enum ct_status first_failure;
};

/*
 * Load the configuration as coffeetrial does: the -c file, else
 * $COFFEETRIAL_CONFIG, else the default path if it exists, else the
 * built-in defaults. The secret and CA files it names must be readable.
 * Every problem is logged as FILE:LINE: message.
 * OUT: *cfg, and *path (heap; NULL when running on the defaults).
 * (coffeetriald.c)
 */
enum ct_status ct_daemon_load_config(const char *option, struct ct_config **cfg, char **path);

/*
 * Log a configuration error found after reading (a schedule the INI reader
 * accepted but libical refuses, say) as "FILE:LINE: message", the line
 * being that of the "[section] key" the message starts with.
 */
void ct_daemon_log_config_error(const struct ct_config *cfg, const char *path, const char *message);

/* Set by signal handlers, acted on by the loop (loop.c). */
extern volatile sig_atomic_t ct_daemon_stop_requested;

/* The jobs in the order the loop runs them when several are due (jobs.c). */
extern const struct ct_job ct_daemon_jobs[];
extern const int ct_daemon_njobs;

/*
 * Load the schedule decisions from the store's meta table, choosing and
 * recording the schedule's start on a first run, and compile d->schedule
 * from d->cfg. Errors name the key or value at fault.
 */
enum ct_status ct_daemon_schedule_init(struct ct_daemon *d, struct ct_error *err);

/*
 * Compile the schedule of cfg with the start date rules of the daemon
 * (cfg's start, else start_fallback). OUT: *out.
 */
enum ct_status ct_daemon_schedule_compile(const struct ct_config *cfg, const char *start_fallback,
                                          struct ct_schedule **out, char *start_used,
                                          struct ct_error *err);

/*
 * Take over a schedule compiled from a reloaded configuration (ownership
 * passes to d; d->cfg is already the new configuration). If the rule,
 * start, time or zone changed, the new rule counts from now: occurrences it
 * has before now are not caught up. The same holds for a change made while
 * the daemon was stopped (ct_daemon_schedule_init).
 */
enum ct_status ct_daemon_schedule_replace(struct ct_daemon *d, struct ct_schedule *schedule,
                                          const char *start, int64_t now, struct ct_error *err);

/* One line for STATUS= and the log: next round, pending sends, queue. */
void ct_daemon_status(struct ct_daemon *d, int64_t now, char *out, size_t size);

/* The action context for a job run at now. */
struct ct_action_ctx ct_daemon_action_ctx(struct ct_daemon *d, int64_t now);

/*
 * Run the loop until SIGTERM/SIGINT (or, with d->once, until nothing is
 * due). Returns the exit code.
 */
int ct_daemon_loop(struct ct_daemon *d);

#endif
