/*
 * test_schedule.c: RRULE expansion in a time zone: DST-correct occurrences,
 * the catch-up target after downtime, COUNT/UNTIL endings, rules refused,
 * and the skip-ahead iterator agreeing with a walk from DTSTART.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schedule.h"
#include "validate.h"

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
    return (int64_t)ct_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static struct ct_schedule *
compile(const char *rrule, const char *start, int minutes, const char *tz)
{
    struct ct_schedule *s = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_schedule_new(rrule, start, minutes, tz, &s, &err) != CT_OK)
        fail_msg("%s: %s", rrule, err.message);
    return s;
}

static int64_t
next_after(const struct ct_schedule *s, int64_t t)
{
    int64_t occ;

    assert_int_equal(ct_schedule_next(s, t, &occ, NULL), CT_OK);
    return occ;
}

/* Monthly first Monday 09:00 London: 09:00 UTC in winter, 08:00 UTC in summer. */
static void
test_monthly_first_monday_across_dst(void **state)
{
    struct ct_schedule *s =
        compile("FREQ=MONTHLY;BYDAY=1MO", "2027-01-01", 9 * 60, "Europe/London");
    int64_t occ[16];
    size_t n;
    char when[17];

    assert_int_equal(next_after(s, utc(2027, 1, 1, 0, 0)), utc(2027, 1, 4, 9, 0));
    assert_int_equal(next_after(s, utc(2027, 1, 4, 9, 0)), utc(2027, 2, 1, 9, 0));
    assert_int_equal(next_after(s, utc(2027, 3, 1, 9, 0)), utc(2027, 4, 5, 8, 0));
    assert_int_equal(
        ct_schedule_between(s, utc(2027, 1, 1, 0, 0), utc(2027, 12, 31, 0, 0), occ, 16, &n, NULL),
        CT_OK);
    assert_int_equal(n, 12);
    assert_int_equal(occ[2], utc(2027, 3, 1, 9, 0));  /* GMT */
    assert_int_equal(occ[3], utc(2027, 4, 5, 8, 0));  /* BST */
    assert_int_equal(occ[9], utc(2027, 10, 4, 8, 0)); /* BST until 31 October */
    assert_int_equal(occ[10], utc(2027, 11, 1, 9, 0));
    ct_schedule_local_time(s, occ[3], when);
    assert_string_equal(when, "2027-04-05 09:00");
    ct_schedule_local_date(s, occ[10], when);
    assert_string_equal(when, "2027-11-01");
    assert_string_equal(ct_schedule_zone(s), "Europe/London");
    ct_schedule_free(s);
}

/* After downtime the daemon plans only the latest missed occurrence. */
static void
test_catch_up_picks_latest_missed(void **state)
{
    struct ct_schedule *s =
        compile("FREQ=MONTHLY;BYDAY=1MO", "2027-01-01", 9 * 60, "Europe/London");
    int64_t occ;
    size_t n;

    /* Down from February to 20 June: March, April, May, June were missed. */
    assert_int_equal(
        ct_schedule_between(s, utc(2027, 2, 1, 9, 0), utc(2027, 6, 20, 0, 0), NULL, 0, &n, NULL),
        CT_OK);
    assert_int_equal(n, 4);
    assert_int_equal(ct_schedule_latest(s, utc(2027, 6, 20, 0, 0), &occ, NULL), CT_OK);
    assert_int_equal(occ, utc(2027, 6, 7, 8, 0));
    /* An occurrence is its own latest. */
    assert_int_equal(ct_schedule_latest(s, utc(2027, 6, 7, 8, 0), &occ, NULL), CT_OK);
    assert_int_equal(occ, utc(2027, 6, 7, 8, 0));
    assert_int_equal(ct_schedule_latest(s, utc(2027, 6, 7, 7, 59), &occ, NULL), CT_OK);
    assert_int_equal(occ, utc(2027, 5, 3, 8, 0));
    /* Years of downtime: still one answer, found by looking further back. */
    assert_int_equal(ct_schedule_latest(s, utc(2035, 1, 10, 0, 0), &occ, NULL), CT_OK);
    assert_int_equal(occ, utc(2035, 1, 1, 9, 0));
    /* Nothing before the first occurrence. */
    assert_int_equal(ct_schedule_latest(s, utc(2027, 1, 4, 8, 59), &occ, NULL), CT_ENOTFOUND);
    assert_int_equal(ct_schedule_latest(s, utc(2020, 1, 1, 0, 0), &occ, NULL), CT_ENOTFOUND);
    ct_schedule_free(s);
}

/* Weekly on Tuesdays, New York: the US changes on 14 March 2027. */
static void
test_weekly_new_york(void **state)
{
    struct ct_schedule *s =
        compile("FREQ=WEEKLY;BYDAY=TU", "2027-01-01", 14 * 60 + 30, "America/New_York");

    /* DTSTART is a Friday, which the rule does not match: not an occurrence. */
    assert_int_equal(next_after(s, utc(2026, 12, 1, 0, 0)), utc(2027, 1, 5, 19, 30));
    assert_int_equal(next_after(s, utc(2027, 3, 9, 19, 30)), utc(2027, 3, 16, 18, 30));
    ct_schedule_free(s);
}

static void
test_count_and_until_end(void **state)
{
    struct ct_schedule *s =
        compile("FREQ=MONTHLY;BYDAY=1MO;COUNT=3", "2027-01-01", 9 * 60, "Europe/London");
    int64_t occ[8];
    size_t n;
    int64_t last;

    assert_int_equal(ct_schedule_between(s, 0, utc(2030, 1, 1, 0, 0), occ, 8, &n, NULL), CT_OK);
    assert_int_equal(n, 3);
    assert_int_equal(occ[2], utc(2027, 3, 1, 9, 0));
    assert_int_equal(ct_schedule_next(s, occ[2], &last, NULL), CT_ENOTFOUND);
    assert_int_equal(ct_schedule_latest(s, utc(2029, 1, 1, 0, 0), &last, NULL), CT_OK);
    assert_int_equal(last, occ[2]);
    ct_schedule_free(s);

    s = compile("FREQ=WEEKLY;BYDAY=MO;UNTIL=20270201", "2027-01-01", 9 * 60, "Europe/London");
    assert_int_equal(ct_schedule_between(s, 0, utc(2030, 1, 1, 0, 0), occ, 8, &n, NULL), CT_OK);
    assert_int_equal(n, 4); /* 4, 11, 18, 25 January; 1 February is after UNTIL's midnight */
    assert_int_equal(ct_schedule_next(s, occ[3], &last, NULL), CT_ENOTFOUND);
    assert_int_equal(ct_schedule_next(s, utc(2031, 1, 1, 0, 0), &last, NULL), CT_ENOTFOUND);
    assert_int_equal(ct_schedule_latest(s, utc(2031, 1, 1, 0, 0), &last, NULL), CT_OK);
    assert_int_equal(last, utc(2027, 1, 25, 9, 0));
    ct_schedule_free(s);
}

/* RFC 5545 3.3.5: a skipped local time uses the offset before the change, a repeated one is the
 * first of the two. */
static void
test_dst_gap_and_overlap(void **state)
{
    struct ct_schedule *s = compile("FREQ=DAILY", "2026-03-27", 90, "Europe/London");

    assert_int_equal(next_after(s, utc(2026, 3, 28, 0, 0)), utc(2026, 3, 28, 1, 30));
    /* 01:30 does not exist on 29 March: 01:30 GMT, which is 02:30 BST. */
    assert_int_equal(next_after(s, utc(2026, 3, 28, 1, 30)), utc(2026, 3, 29, 1, 30));
    assert_int_equal(next_after(s, utc(2026, 3, 29, 1, 30)), utc(2026, 3, 30, 0, 30));
    /* 01:30 happens twice on 25 October: the first, in BST. */
    assert_int_equal(next_after(s, utc(2026, 10, 24, 12, 0)), utc(2026, 10, 25, 0, 30));
    assert_int_equal(next_after(s, utc(2026, 10, 25, 0, 30)), utc(2026, 10, 26, 1, 30));
    ct_schedule_free(s);
}

static void
expect_refused(const char *rrule, const char *start, int minutes, const char *tz, const char *words)
{
    struct ct_schedule *s = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_schedule_new(rrule, start, minutes, tz, &s, &err), CT_ECONFIG);
    assert_null(s);
    if (strstr(err.message, words) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", rrule, err.message, words);
}

static void
test_refused_rules(void **state)
{
    expect_refused("FREQ=BOGUS", "2027-01-01", 540, "UTC", "[schedule] rrule 'FREQ=BOGUS'");
    expect_refused("", "2027-01-01", 540, "UTC", "empty");
    expect_refused("FREQ=HOURLY", "2027-01-01", 540, "UTC", "more often than daily");
    expect_refused("FREQ=DAILY;BYHOUR=9,15", "2027-01-01", 540, "UTC", "BYHOUR");
    expect_refused("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2027-01-01", 540, "UTC", "never occur");
    expect_refused("FREQ=MONTHLY;COUNT=2;UNTIL=20280101", "2027-01-01", 540, "UTC", "rrule");
    expect_refused("FREQ=MONTHLY;RSCALE=HEBREW", "2027-01-01", 540, "UTC", "RSCALE");
    expect_refused("FREQ=MONTHLY", "2027-02-30", 540, "UTC", "[schedule] start '2027-02-30'");
    expect_refused("FREQ=MONTHLY", "2027-01-01", 24 * 60, "UTC", "[schedule] time");
    expect_refused("FREQ=MONTHLY", "2027-01-01", 540, "Mars/Olympus", "[network] timezone");
}

static void
test_accepts_rrule_prefix_and_utc(void **state)
{
    struct ct_schedule *s =
        compile("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "2027-01-01", 0, "UTC");

    assert_int_equal(next_after(s, 0), utc(2027, 1, 1, 0, 0));
    assert_int_equal(next_after(s, utc(2027, 1, 1, 0, 0)), utc(2027, 1, 15, 0, 0));
    ct_schedule_free(s);
}

/* The first run's date is the network's calendar day, not UTC's. */
static void
test_zone_date(void **state)
{
    char date[11];
    struct ct_error err;

    assert_int_equal(ct_schedule_zone_date("Pacific/Auckland", utc(2027, 1, 1, 23, 30), date, NULL),
                     CT_OK);
    assert_string_equal(date, "2027-01-02");
    assert_int_equal(
        ct_schedule_zone_date("America/Los_Angeles", utc(2027, 1, 2, 5, 0), date, NULL), CT_OK);
    assert_string_equal(date, "2027-01-01");
    assert_int_equal(ct_schedule_zone_date("UTC", utc(2027, 1, 2, 5, 0), date, NULL), CT_OK);
    assert_string_equal(date, "2027-01-02");
    ct_error_clear(&err);
    assert_int_equal(ct_schedule_zone_date("Nowhere/Land", 0, date, &err), CT_ECONFIG);
    assert_non_null(strstr(err.message, "Nowhere/Land"));
}

/*
 * The skip-ahead iterator (icalrecur_iterator_set_start) must agree with a
 * plain walk from DTSTART, INTERVAL phase included, years after DTSTART.
 */
static void
check_against_walk(const char *rrule, const char *tz)
{
    enum { N = 400 };
    struct ct_schedule *s = compile(rrule, "2027-01-01", 9 * 60 + 15, tz);
    static int64_t all[N];
    size_t n, i = 0;
    int64_t t, occ;

    assert_int_equal(ct_schedule_between(s, 0, utc(2040, 1, 1, 0, 0), all, N, &n, NULL), CT_OK);
    assert_true(n > 10 && n <= N);
    for (t = utc(2026, 12, 1, 0, 0); t < all[n - 2]; t += 5 * 86400 + 3671) {
        while (all[i] <= t)
            i++;
        occ = 0;
        assert_int_equal(ct_schedule_next(s, t, &occ, NULL), CT_OK);
        if (occ != all[i])
            fail_msg("%s: next after %lld is %lld, walk says %lld", rrule, (long long)t,
                     (long long)occ, (long long)all[i]);
        if (i > 0) {
            assert_int_equal(ct_schedule_latest(s, t, &occ, NULL), CT_OK);
            assert_int_equal(occ, all[i - 1]);
        }
    }
    ct_schedule_free(s);
}

static void
test_skip_ahead_agrees_with_walk(void **state)
{
    check_against_walk("FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO", "Europe/London");
    check_against_walk("FREQ=WEEKLY;INTERVAL=3;BYDAY=WE", "Australia/Sydney");
    check_against_walk("FREQ=MONTHLY;BYDAY=-1FR", "America/New_York");
    check_against_walk("FREQ=YEARLY;BYMONTH=3,9;BYDAY=2TH", "Europe/Berlin");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monthly_first_monday_across_dst),
        cmocka_unit_test(test_catch_up_picks_latest_missed),
        cmocka_unit_test(test_weekly_new_york),
        cmocka_unit_test(test_count_and_until_end),
        cmocka_unit_test(test_dst_gap_and_overlap),
        cmocka_unit_test(test_refused_rules),
        cmocka_unit_test(test_accepts_rrule_prefix_and_utc),
        cmocka_unit_test(test_skip_ahead_agrees_with_walk),
        cmocka_unit_test(test_zone_date),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
