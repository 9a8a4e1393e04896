/*
 * test_par.c: ct_par_run2 runs each half exactly once, both done when it
 * returns, the second on another thread while the first runs; ct_par_pipe's
 * consumer sees every item the producer publishes, in order, and can stop
 * it early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sched.h>

#include "par.h"

struct halves {
    int runs[2];
    pthread_t who[2];
    uint64_t sum[2];
};

static void
half_job(void *arg, unsigned half)
{
    struct halves *h = arg;
    uint64_t i, s = 0;

    h->runs[half]++;
    h->who[half] = pthread_self();
    for (i = half; i < 2000000; i += 2)
        s += i;
    h->sum[half] = s;
}

static void
test_both_halves(void **state)
{
    struct halves h;
    int round;

    (void)state;
    for (round = 0; round < 20; round++) {
        memset(&h, 0, sizeof(h));
        ct_par_run2(half_job, &h);
        assert_int_equal(h.runs[0], 1);
        assert_int_equal(h.runs[1], 1);
        /* Half 0 runs on the caller's thread, half 1 on another. */
        assert_true(pthread_equal(h.who[0], pthread_self()));
        assert_false(pthread_equal(h.who[1], pthread_self()));
        /* Both finished: together they add up 0 .. 1,999,999. */
        assert_true(h.sum[0] + h.sum[1] == UINT64_C(1999999) * 2000000 / 2);
    }
}

#define ITEMS 100000

/* A producer filling items[] and publishing every few; a consumer summing them. */
struct pipe {
    struct ct_par_progress *progress;
    uint64_t items[ITEMS];
    size_t produced;
    uint64_t sum;
    size_t consumed;
    size_t stop_after; /* the consumer cancels after this many; 0: never */
    pthread_t producer, consumer;
};

static void
produce(void *arg)
{
    struct pipe *p = arg;
    size_t i;

    p->producer = pthread_self();
    for (i = 0; i < ITEMS; i++) {
        p->items[i] = i + 1;
        p->produced = i + 1;
        if (p->stop_after && i + 1 == p->stop_after) {
            /* Hold on until the consumer, which has all of them, cancels. */
            ct_par_progress_publish(p->progress, i + 1, false);
            while (!ct_par_progress_cancelled(p->progress))
                sched_yield();
        }
        if (i % 97 == 0) {
            if (ct_par_progress_cancelled(p->progress))
                break;
            ct_par_progress_publish(p->progress, i + 1, false);
        }
    }
    ct_par_progress_publish(p->progress, p->produced, true);
}

static void
consume(void *arg)
{
    struct pipe *p = arg;
    bool last = false;

    p->consumer = pthread_self();
    while (!last) {
        size_t done = ct_par_progress_wait(p->progress, p->consumed, &last);
        for (; p->consumed < done; p->consumed++)
            p->sum += p->items[p->consumed];
        if (p->stop_after && p->consumed >= p->stop_after) {
            ct_par_progress_cancel(p->progress);
            break;
        }
    }
}

static void
test_pipe_in_order(void **state)
{
    struct pipe *p = calloc(1, sizeof(*p));
    int round;

    (void)state;
    assert_non_null(p);
    for (round = 0; round < 20; round++) {
        bool here = round % 2 == 1;

        memset(p, 0, sizeof(*p));
        p->progress = ct_par_progress_new();
        assert_non_null(p->progress);
        ct_par_pipe(produce, consume, p, here);
        /* The side asked for runs on this thread, the other on another. */
        assert_true(pthread_equal(here ? p->producer : p->consumer, pthread_self()));
        assert_false(pthread_equal(here ? p->consumer : p->producer, pthread_self()));
        assert_int_equal(p->consumed, ITEMS);
        assert_true(p->sum == (uint64_t)ITEMS * (ITEMS + 1) / 2);
        ct_par_progress_free(p->progress);
    }
    free(p);
}

static void
test_pipe_cancel(void **state)
{
    struct pipe *p = calloc(1, sizeof(*p));

    (void)state;
    assert_non_null(p);
    p->progress = ct_par_progress_new();
    p->stop_after = 1000;
    ct_par_pipe(produce, consume, p, false);
    /* The producer stopped at its next check after the cancel. */
    assert_int_equal(p->consumed, 1000);
    assert_true(p->produced < 1000 + 97);
    ct_par_progress_free(p->progress);
    ct_par_progress_free(NULL);
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_halves),
        cmocka_unit_test(test_pipe_in_order),
        cmocka_unit_test(test_pipe_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
