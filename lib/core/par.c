/*
 * par.c: run the two halves of a job on two threads (see par.h); the
 * planner uses it for the candidate search, scoring, the blocks' matchings
 * and pricing.
 */
#include "par.h"

#include <pthread.h>

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
