/*
 * test_tz_threads.c: zones looked up from several threads at once, as the
 * send and the flush do when they build messages on two threads.
 *
 * libical 3.0 fills its table of zones after publishing it and rewrites a
 * zone's name when it first reads its definition, so two threads asking
 * at once could read freed memory (a flush crashed this way in CI).
 * ct_tz_lookup makes the lookups one at a time. A race shows only now and
 * then, and only on the first lookups of a process, so each try is a fresh
 * child that has looked nothing up: eight threads start together and each
 * looks up eight zones (one not in zone.tab) and turns a time into each.
 * Before the fix, about one child in 25 of the ASan build failed; 100
 * children make a pass by luck unlikely (about 2%).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tz.h"

#define THREADS  8
#define CHILDREN 100

static const char *const zones[] = {"Europe/London", "America/New_York", "Asia/Tokyo",
                                    "Europe/Paris",  "Australia/Sydney", "US/Eastern",
                                    "Europe/Berlin", "Africa/Lagos"};
#define NZONES (sizeof(zones) / sizeof(zones[0]))

static pthread_barrier_t start;

/* Look up every zone, from a different one per thread; false if any is wrong. */
static void *
look_up(void *arg)
{
    size_t k = (size_t)arg, j;
    intptr_t bad = 0;

    pthread_barrier_wait(&start);
    for (j = 0; j < NZONES; j++) {
        const char *name = zones[(k + j) % NZONES];
        icaltimezone *zone = ct_tz_lookup(name);
        struct icaltimetype t;

        if (zone == NULL || strcmp(icaltimezone_get_location(zone), name) != 0) {
            bad = 1;
            continue;
        }
        /* 2027-01-15 08:00 UTC is 2027-01-15 in every zone above. */
        t = icaltime_from_timet_with_zone(1800000000, 0, zone);
        if (t.year != 2027 || t.month != 1 || t.day != 15)
            bad = 1;
    }
    return (void *)bad;
}

/* One child's try: 0 if every thread got every zone right. */
static int
one_try(void)
{
    pthread_t th[THREADS];
    size_t k;
    void *bad;
    int failed = 0;

    if (pthread_barrier_init(&start, NULL, THREADS) != 0)
        return 2;
    for (k = 0; k < THREADS; k++)
        if (pthread_create(&th[k], NULL, look_up, (void *)k) != 0)
            return 2;
    for (k = 0; k < THREADS; k++) {
        pthread_join(th[k], &bad);
        failed |= bad != NULL;
    }
    return failed;
}

static void
test_lookups_from_threads(void **state)
{
    int i, failed = 0;

    (void)state;
    for (i = 0; i < CHILDREN; i++) {
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
            _exit(one_try());
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    assert_int_equal(failed, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups_from_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
