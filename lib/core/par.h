/*
 * par.h: the second core for work that splits into two halves touching
 * disjoint state, or into a producer and a consumer of items in order; the
 * results never depend on which thread runs first, so plans stay
 * reproducible.
 */
#ifndef CT_PAR_H
#define CT_PAR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Run fn(arg, 1) on a second thread and fn(arg, 0) on this one, and return
 * when both are done. When no thread can be started, both halves run here,
 * one after the other. fn must not touch state the other half writes.
 */
void ct_par_run2(void (*fn)(void *arg, unsigned half), void *arg);

/*
 * A producer's progress through a list of items, which a consumer waits
 * on: items below the published count are done and the producer no longer
 * touches them.
 */
struct ct_par_progress;

/* A new progress at 0 items, not finished; NULL when out of memory. */
struct ct_par_progress *ct_par_progress_new(void);
/* Accepts NULL. Only once both sides are done with it. */
void ct_par_progress_free(struct ct_par_progress *p);

/* Producer: items [0, count) are done; last when no more will come (also on failure). */
void ct_par_progress_publish(struct ct_par_progress *p, size_t count, bool last);

/*
 * Consumer: wait until more than seen items are done or the producer is
 * finished. Returns the count done; OUT: *last, whether the producer is
 * finished (then the count is final).
 */
size_t ct_par_progress_wait(struct ct_par_progress *p, size_t seen, bool *last);

/* Consumer: ask the producer to stop early (it failed). */
void ct_par_progress_cancel(struct ct_par_progress *p);
/* Producer: whether the consumer asked it to stop. */
bool ct_par_progress_cancelled(struct ct_par_progress *p);

/*
 * Run producer(arg) and consumer(arg) on two threads, the producer on this
 * one when produce_here (it owns a database connection, say), else the
 * consumer; return when both are done. The consumer may wait on the
 * producer (through a ct_par_progress), never the other way round: when no
 * thread can be started, the producer runs here first, then the consumer.
 */
void ct_par_pipe(void (*producer)(void *arg), void (*consumer)(void *arg), void *arg,
                 bool produce_here);

#endif
