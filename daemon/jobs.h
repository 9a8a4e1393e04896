/*
 * jobs.h: the work coffeetriald's loop runs (jobs.c), and the schedule's
 * decisions the jobs keep. The loop (loop.c) and main (coffeetriald.c)
 * call these; jobs.c calls only the actions and the library.
 */
#ifndef CT_JOBS_H
#define CT_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "actions.h"
#include "config.h"
#include "ct.h"
#include "daemon.h"
#include "schedule.h"

/* The jobs in the order the loop runs them when several are due. */
extern const struct ct_job ct_daemon_jobs[];
extern const int ct_daemon_njobs;

/*
 * Load the schedule decisions from the store, choosing and recording the
 * schedule's start on a first run (today at now, in the network's
 * calendar), and compile d->schedule from d->cfg. Errors name the key or
 * value at fault.
 */
enum ct_status ct_daemon_schedule_init(struct ct_daemon *d, int64_t now, struct ct_error *err);

/*
 * Compile the schedule of cfg with the start date rules of the daemon
 * (cfg's start, else start_fallback). OUT: *out, and start_used (11 bytes,
 * may be NULL) the start date in use.
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

#endif
