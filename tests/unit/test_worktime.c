/*
 * test_worktime.c: working hours across zones and DST changes, and the
 * interval intersection the pairing and slot code rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "worktime.h"

/* 2026-03-23 (Monday) 00:00 UTC; the UK changes to BST on 2026-03-29. */
#define MON_2026_03_23 INT64_C(1774224000)
#define DAY            86400

static const struct ct_worktime nine_to_five = {9 * 60, 17 * 60, 0x1f};

static void
test_london_week_across_dst(void **state)
{
    struct ct_interval *v;
    size_t n;

    assert_int_equal(ct_worktime_intervals("Europe/London", &nine_to_five, MON_2026_03_23,
                                           MON_2026_03_23 + 14 * DAY, &v, &n, NULL),
                     CT_OK);
    assert_int_equal(n, 10);
    /* GMT week: 09:00 local = 09:00 UTC. */
    assert_int_equal(v[0].start, MON_2026_03_23 + 9 * 3600);
    assert_int_equal(v[0].end, MON_2026_03_23 + 17 * 3600);
    /* BST week: 09:00 local = 08:00 UTC. */
    assert_int_equal(v[5].start, MON_2026_03_23 + 7 * DAY + 8 * 3600);
    free(v);
}

static void
test_weekend_and_clipping(void **state)
{
    struct ct_interval *v;
    size_t n;
    const struct ct_worktime weekend = {10 * 60, 12 * 60, 0x60};

    /* From Monday 10:00 UTC: Monday is clipped to 10:00-17:00. */
    assert_int_equal(ct_worktime_intervals("UTC", &nine_to_five, MON_2026_03_23 + 10 * 3600,
                                           MON_2026_03_23 + DAY, &v, &n, NULL),
                     CT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].start, MON_2026_03_23 + 10 * 3600);
    free(v);
    assert_int_equal(ct_worktime_intervals("UTC", &weekend, MON_2026_03_23,
                                           MON_2026_03_23 + 7 * DAY, &v, &n, NULL),
                     CT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].start, MON_2026_03_23 + 5 * DAY + 10 * 3600);
    free(v);
}

static void
test_far_zones_do_not_overlap(void **state)
{
    struct ct_interval *a, *b, *both;
    size_t na, nb, n;

    assert_int_equal(ct_worktime_intervals("Europe/London", &nine_to_five, MON_2026_03_23,
                                           MON_2026_03_23 + 7 * DAY, &a, &na, NULL),
                     CT_OK);
    assert_int_equal(ct_worktime_intervals("Pacific/Auckland", &nine_to_five, MON_2026_03_23,
                                           MON_2026_03_23 + 7 * DAY, &b, &nb, NULL),
                     CT_OK);
    both = calloc(na + nb, sizeof(*both));
    n = ct_intervals_intersect(a, na, b, nb, both);
    assert_int_equal(n, 0);
    assert_int_equal(ct_intervals_longest(both, n), 0);
    free(b);
    /* New York overlaps London from 13:00 to 17:00 London time in GMT/EST weeks. */
    assert_int_equal(ct_worktime_intervals("America/New_York", &nine_to_five, MON_2026_03_23,
                                           MON_2026_03_23 + 7 * DAY, &b, &nb, NULL),
                     CT_OK);
    n = ct_intervals_intersect(a, na, b, nb, both);
    assert_true(n >= 4);
    assert_true(ct_intervals_longest(both, n) >= 3 * 3600);
    free(a);
    free(b);
    free(both);
}

static void
test_unknown_zone(void **state)
{
    struct ct_interval *v;
    size_t n;
    struct ct_error err;

    assert_int_equal(ct_worktime_intervals("Nowhere/Town", &nine_to_five, 0, DAY, &v, &n, &err),
                     CT_EDATA);
    assert_null(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_london_week_across_dst),
        cmocka_unit_test(test_weekend_and_clipping),
        cmocka_unit_test(test_far_zones_do_not_overlap),
        cmocka_unit_test(test_unknown_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
