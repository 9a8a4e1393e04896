/*
 * test_par.c: ct_par_run2 runs each half exactly once, both done when it
 * returns, the second on another thread while the first runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_halves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
