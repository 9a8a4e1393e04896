/*
 * par.c: run the two halves of a job on two threads, or a producer and
 * its consumer (see par.h); the planner uses it for the candidate search,
 * scoring, the blocks' matchings and pricing, and for building a round
 * while its groups are written.
 */
#include "par.h"

#include <pthread.h>
#include <stdlib.h>

struct par_job {
    void (*fn)(void *arg, unsigned half);
    void *arg;
};

static void *
par_main(void *p)
{
    struct par_job *job = p;

    job->fn(job->arg, 1);
    return NULL;
}

void
ct_par_run2(void (*fn)(void *arg, unsigned half), void *arg)
{
    struct par_job job = {fn, arg};
    pthread_t t;

    if (pthread_create(&t, NULL, par_main, &job) != 0) {
        fn(arg, 0);
        fn(arg, 1);
        return;
    }
    fn(arg, 0);
    pthread_join(t, NULL);
}

struct ct_par_progress {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t count;
    bool last;
    bool cancelled;
};

struct ct_par_progress *
ct_par_progress_new(void)
{
    struct ct_par_progress *p = calloc(1, sizeof(*p));

    if (p == NULL)
        return NULL;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void
ct_par_progress_free(struct ct_par_progress *p)
{
    if (p == NULL)
        return;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void
ct_par_progress_publish(struct ct_par_progress *p, size_t count, bool last)
{
    pthread_mutex_lock(&p->mu);
    p->count = count;
    p->last = p->last || last;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

size_t
ct_par_progress_wait(struct ct_par_progress *p, size_t seen, bool *last)
{
    size_t count;

    pthread_mutex_lock(&p->mu);
    while (p->count <= seen && !p->last)
        pthread_cond_wait(&p->cv, &p->mu);
    count = p->count;
    *last = p->last;
    pthread_mutex_unlock(&p->mu);
    return count;
}

void
ct_par_progress_cancel(struct ct_par_progress *p)
{
    pthread_mutex_lock(&p->mu);
    p->cancelled = true;
    pthread_mutex_unlock(&p->mu);
}

bool
ct_par_progress_cancelled(struct ct_par_progress *p)
{
    bool c;

    pthread_mutex_lock(&p->mu);
    c = p->cancelled;
    pthread_mutex_unlock(&p->mu);
    return c;
}

struct pipe_job {
    void (*there)(void *arg);
    void *arg;
};

static void *
pipe_main(void *p)
{
    struct pipe_job *job = p;

    job->there(job->arg);
    return NULL;
}

void
ct_par_pipe(void (*producer)(void *arg), void (*consumer)(void *arg), void *arg, bool produce_here)
{
    struct pipe_job job = {produce_here ? consumer : producer, arg};
    pthread_t t;

    if (pthread_create(&t, NULL, pipe_main, &job) != 0) {
        producer(arg);
        consumer(arg);
        return;
    }
    if (produce_here)
        producer(arg);
    else
        consumer(arg);
    pthread_join(t, NULL);
}
