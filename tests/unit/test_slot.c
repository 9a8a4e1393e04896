/*
 * test_slot.c: slot finding. Every slot is checked against the C library's
 * own tzdata (TZ + localtime_r), not against worktime.c, so a DST mistake in
 * either would show; spreading, determinism, the past and impossible groups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "slot.h"

#define DAY  86400
#define HOUR 3600
/* Monday 2026-03-02 00:00 UTC; the US changes to summer time on 8 March. */
#define MON_2026_03_02 INT64_C(1772409600)
/* Monday 2026-03-23 00:00 UTC; the UK and EU change on 29 March. */
#define MON_2026_03_23 INT64_C(1774224000)

static const struct ct_worktime nine_to_five = {9 * 60, 17 * 60, 0x1f};

/* Is [start, start + duration) inside 09:00-17:00 Mon-Fri in zone, per libc? */
static int
inside_hours_libc(const char *zone, int64_t start, int64_t duration)
{
    time_t a = (time_t)start, b = (time_t)(start + duration - 1);
    struct tm la, lb;
    int ok;

    setenv("TZ", zone, 1);
    tzset();
    localtime_r(&a, &la);
    localtime_r(&b, &lb);
    ok = la.tm_wday >= 1 && la.tm_wday <= 5 && la.tm_yday == lb.tm_yday &&
         la.tm_hour * 60 + la.tm_min >= 9 * 60 && lb.tm_hour * 60 + lb.tm_min < 17 * 60;
    if (!ok)
        fprintf(stderr, "slot %lld not inside hours in %s: %02d:%02d-%02d:%02d wday %d\n",
                (long long)start, zone, la.tm_hour, la.tm_min, lb.tm_hour, lb.tm_min, la.tm_wday);
    return ok;
}

static struct ct_slot_query
query(const char *const *zones, size_t n, int64_t from, int64_t to, const char *key)
{
    struct ct_slot_query q;

    memset(&q, 0, sizeof(q));
    q.zones = zones;
    q.zone_count = n;
    q.network_zone = "Europe/London";
    q.worktime = &nine_to_five;
    q.window_start = from;
    q.window_end = to;
    q.not_before = from;
    q.duration = 30 * 60;
    q.seed = 1234;
    q.key = key;
    return q;
}

static void
test_inside_every_members_hours(void **state)
{
    const char *zones[] = {"Europe/London", "America/New_York", NULL /* network: London */};
    struct ct_slot_load *load = ct_slot_load_new(MON_2026_03_02, MON_2026_03_02 + 14 * DAY);
    int i;

    assert_non_null(load);
    for (i = 0; i < 100; i++) {
        char key[32];
        struct ct_slot_query q;
        int64_t start;

        snprintf(key, sizeof(key), "group-%d", i);
        q = query(zones, 3, MON_2026_03_02, MON_2026_03_02 + 14 * DAY, key);
        assert_int_equal(ct_slot_find(&q, load, &start, NULL), CT_OK);
        assert_int_equal(start % CT_SLOT_STEP, 0);
        assert_true(start >= q.window_start && start + q.duration <= q.window_end);
        assert_true(inside_hours_libc("Europe/London", start, q.duration));
        assert_true(inside_hours_libc("America/New_York", start, q.duration));
    }
    ct_slot_load_free(load);
}

static void
test_dst_week(void **state)
{
    /* London only, Monday 30 March (BST): 09:00-17:00 local is 08:00-16:00
     * UTC, 16 half-hour starts; 16 groups with a load take each exactly once. */
    const char *zones[] = {"Europe/London"};
    int64_t day = MON_2026_03_23 + 7 * DAY;
    struct ct_slot_load *load = ct_slot_load_new(day, day + DAY);
    int seen[16] = {0}, i;

    assert_non_null(load);
    for (i = 0; i < 16; i++) {
        char key[32];
        struct ct_slot_query q;
        int64_t start;

        snprintf(key, sizeof(key), "g%d", i);
        q = query(zones, 1, day, day + DAY, key);
        assert_int_equal(ct_slot_find(&q, load, &start, NULL), CT_OK);
        assert_true(start >= day + 8 * HOUR && start <= day + 15 * HOUR + 1800);
        seen[(start - day - 8 * HOUR) / 1800]++;
        assert_true(inside_hours_libc("Europe/London", start, q.duration));
    }
    for (i = 0; i < 16; i++)
        assert_int_equal(seen[i], 1);
    ct_slot_load_free(load);

    /* Across the change, with Berlin and New York (both shift, on different
     * dates), every slot of the fortnight still fits all three. */
    {
        const char *trio[] = {"Europe/London", "Europe/Berlin", "America/New_York"};
        struct ct_slot_load *l2 = ct_slot_load_new(MON_2026_03_23, MON_2026_03_23 + 14 * DAY);

        for (i = 0; i < 60; i++) {
            char key[32];
            struct ct_slot_query q;
            int64_t start;

            snprintf(key, sizeof(key), "trio%d", i);
            q = query(trio, 3, MON_2026_03_23, MON_2026_03_23 + 14 * DAY, key);
            assert_int_equal(ct_slot_find(&q, l2, &start, NULL), CT_OK);
            assert_true(inside_hours_libc("Europe/London", start, q.duration));
            assert_true(inside_hours_libc("Europe/Berlin", start, q.duration));
            assert_true(inside_hours_libc("America/New_York", start, q.duration));
        }
        ct_slot_load_free(l2);
    }
}

static void
test_never_in_the_past(void **state)
{
    const char *zones[] = {"UTC"};
    int64_t now = MON_2026_03_02 + 2 * DAY + 10 * HOUR + 10 * 60; /* Wed 10:10 */
    int i;

    for (i = 0; i < 200; i++) {
        char key[32];
        struct ct_slot_query q;
        int64_t start;

        snprintf(key, sizeof(key), "k%d", i);
        q = query(zones, 1, MON_2026_03_02, MON_2026_03_02 + 5 * DAY, key);
        q.not_before = now;
        assert_int_equal(ct_slot_find(&q, NULL, &start, NULL), CT_OK);
        assert_true(start >= now);
        assert_true(start >= MON_2026_03_02 + 2 * DAY + 10 * HOUR + 30 * 60);
    }
}

static void
test_spread_across_the_window(void **state)
{
    /* 200 groups in one zone over 14 days: 10 working days x 16 starts = 160
     * candidates. Least-loaded first, so every start is used and none twice
     * more than another. */
    const char *zones[] = {"Europe/London"};
    struct ct_slot_load *load = ct_slot_load_new(MON_2026_03_02, MON_2026_03_02 + 14 * DAY);
    int counts[14 * 48] = {0}, i, distinct = 0, most = 0;

    for (i = 0; i < 200; i++) {
        char key[32];
        struct ct_slot_query q;
        int64_t start;

        snprintf(key, sizeof(key), "spread-%d", i);
        q = query(zones, 1, MON_2026_03_02, MON_2026_03_02 + 14 * DAY, key);
        assert_int_equal(ct_slot_find(&q, load, &start, NULL), CT_OK);
        counts[(start - MON_2026_03_02) / 1800]++;
    }
    for (i = 0; i < 14 * 48; i++) {
        distinct += counts[i] > 0;
        most = counts[i] > most ? counts[i] : most;
    }
    printf("200 groups: %d distinct starts, at most %d in one\n", distinct, most);
    assert_int_equal(distinct, 160);
    assert_int_equal(most, 2);
    ct_slot_load_free(load);
}

static void
test_deterministic_by_seed(void **state)
{
    const char *zones[] = {"Europe/London", "Europe/Paris"};
    int64_t a[50], b[50], c[50];
    int run, i, differ = 0;

    for (run = 0; run < 3; run++) {
        struct ct_slot_load *load = ct_slot_load_new(MON_2026_03_02, MON_2026_03_02 + 14 * DAY);
        for (i = 0; i < 50; i++) {
            char key[32];
            struct ct_slot_query q;
            int64_t *out = run == 0 ? a : run == 1 ? b : c;

            snprintf(key, sizeof(key), "det-%d", i);
            q = query(zones, 2, MON_2026_03_02, MON_2026_03_02 + 14 * DAY, key);
            q.seed = run == 2 ? 99 : 1234;
            assert_int_equal(ct_slot_find(&q, load, &out[i], NULL), CT_OK);
        }
        ct_slot_load_free(load);
    }
    assert_memory_equal(a, b, sizeof(a));
    for (i = 0; i < 50; i++)
        differ += a[i] != c[i];
    assert_true(differ > 25);
}

static void
test_no_overlap_is_not_found(void **state)
{
    const char *zones[] = {"Europe/London", "Pacific/Auckland"};
    struct ct_slot_query q = query(zones, 2, MON_2026_03_02, MON_2026_03_02 + 14 * DAY, "x");
    struct ct_error err;
    int64_t start = 123;

    assert_int_equal(ct_slot_find(&q, NULL, &start, &err), CT_ENOTFOUND);
    assert_int_equal(start, 0);
    assert_non_null(strstr(err.message, "Europe/London"));
    assert_non_null(strstr(err.message, "Pacific/Auckland"));
    assert_non_null(strstr(err.message, "30-minute"));

    /* A window already over. */
    q = query(zones, 1, MON_2026_03_02, MON_2026_03_02 + 14 * DAY, "x");
    q.not_before = MON_2026_03_02 + 14 * DAY;
    assert_int_equal(ct_slot_find(&q, NULL, &start, &err), CT_ENOTFOUND);
    assert_non_null(strstr(err.message, "ended"));

    /* A weekend-only window has no working day. */
    q = query(zones, 1, MON_2026_03_02 + 5 * DAY, MON_2026_03_02 + 7 * DAY, "x");
    assert_int_equal(ct_slot_find(&q, NULL, &start, &err), CT_ENOTFOUND);
}

static void
test_bad_queries(void **state)
{
    const char *zones[] = {"Mars/Olympus_Mons"};
    struct ct_slot_query q = query(zones, 1, MON_2026_03_02, MON_2026_03_02 + 14 * DAY, "x");
    struct ct_error err;
    int64_t start;

    assert_int_equal(ct_slot_find(&q, NULL, &start, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "Mars/Olympus_Mons"));
    q.zones = NULL;
    q.duration = 0;
    assert_int_equal(ct_slot_find(&q, NULL, &start, &err), CT_EUSAGE);
    q.duration = 1800;
    q.window_end = q.window_start;
    assert_int_equal(ct_slot_find(&q, NULL, &start, &err), CT_EUSAGE);
    assert_null(ct_slot_load_new(10, 5));
    ct_slot_load_free(NULL);
}

static void
test_long_meeting_fits_the_day(void **state)
{
    /* 75 minutes: starts on the half hour, ends by 17:00, counts on 3 cells. */
    const char *zones[] = {"Asia/Kolkata"};
    struct ct_slot_load *load = ct_slot_load_new(MON_2026_03_02, MON_2026_03_02 + 7 * DAY);
    int i;

    for (i = 0; i < 40; i++) {
        char key[32];
        struct ct_slot_query q;
        int64_t start;

        snprintf(key, sizeof(key), "long%d", i);
        q = query(zones, 1, MON_2026_03_02, MON_2026_03_02 + 7 * DAY, key);
        q.duration = 75 * 60;
        assert_int_equal(ct_slot_find(&q, load, &start, NULL), CT_OK);
        assert_int_equal(start % CT_SLOT_STEP, 0);
        assert_true(inside_hours_libc("Asia/Kolkata", start, q.duration));
    }
    ct_slot_load_free(load);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inside_every_members_hours),
        cmocka_unit_test(test_dst_week),
        cmocka_unit_test(test_never_in_the_past),
        cmocka_unit_test(test_spread_across_the_window),
        cmocka_unit_test(test_deterministic_by_seed),
        cmocka_unit_test(test_no_overlap_is_not_found),
        cmocka_unit_test(test_bad_queries),
        cmocka_unit_test(test_long_meeting_fits_the_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
