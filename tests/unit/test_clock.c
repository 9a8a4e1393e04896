/*
 * test_clock.c: the injectable clock. In test builds COFFEETRIAL_TEST_NOW
 * sets the start and COFFEETRIAL_TEST_CLOCK_RATE the speed, and
 * ct_clock_real_ms() turns the clock's seconds into real waits; release
 * builds follow the real clock and ignore both. The environment is read on
 * first use, so main() sets it before any test runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

#define START 1798761600 /* 2027-01-01T00:00:00Z */
#define RATE  3600

static void
pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void
test_start_and_rate(void **state)
{
    int64_t a, b;

    a = ct_now();
    pause_ms(50);
    b = ct_now();
#ifdef CT_TEST_HOOKS
    /* Only lower bounds: a loaded machine may sleep longer, never shorter. */
    assert_true(a >= START && a < START + 24 * 3600);
    assert_true(b - a >= RATE / 20 - 1);
#else
    assert_true(a > START + 365 * 86400 || a < START); /* the real clock, not the variable */
    assert_true(b - a <= 2);
#endif
}

static void
test_real_ms(void **state)
{
    assert_int_equal(ct_clock_real_ms(0), 0);
    assert_int_equal(ct_clock_real_ms(-5), 0);
#ifdef CT_TEST_HOOKS
    assert_int_equal(ct_clock_real_ms(RATE), 1000);
    assert_int_equal(ct_clock_real_ms(60), 17); /* rounded up: never wakes too early */
    assert_int_equal(ct_clock_real_ms(1), 1);
#else
    assert_int_equal(ct_clock_real_ms(60), 60000);
#endif
}

static void
test_fixed(void **state)
{
    ct_clock_set(1234567890);
    assert_int_equal(ct_now(), 1234567890);
    ct_clock_set(0);
    assert_true(ct_now() != 1234567890);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_and_rate),
        cmocka_unit_test(test_real_ms),
        cmocka_unit_test(test_fixed),
    };

    setenv("COFFEETRIAL_TEST_NOW", "2027-01-01T00:00:00Z", 1);
    setenv("COFFEETRIAL_TEST_CLOCK_RATE", "3600", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
