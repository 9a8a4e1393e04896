/*
 * worktime.c: working hours in each member's zone as UTC intervals, and
 * interval arithmetic; see worktime.h. Zone rules come from libical's
 * built-in (tzdata) zones.
 */
#include "worktime.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "tz.h"

/* Local wall-clock time on a civil date, in zone, as Unix seconds. */
static int64_t
local_to_utc(icaltimezone *zone, int year, int month, int day, int minutes)
{
    struct icaltimetype t = icaltime_null_time();

    t.year = year;
    t.month = month;
    t.day = day;
    t.hour = minutes / 60;
    t.minute = minutes % 60;
    t.second = 0;
    t.is_date = 0;
    /* 24:00 is the next day's midnight: let libical normalise it. */
    t = icaltime_normalize(t);
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

enum ct_status
ct_worktime_intervals(const char *tz, const struct ct_worktime *wt, int64_t from, int64_t to,
                      struct ct_interval **out, size_t *count, struct ct_error *err)
{
    icaltimezone *zone = ct_tz_lookup(tz);
    struct icaltimetype day;
    struct ct_interval *v = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    *count = 0;
    if (zone == NULL)
        return ct_error_set(err, CT_EDATA, "unknown time zone '%s'", tz);
    if (to <= from)
        return CT_OK;
    /* Start a day early: a zone ahead of UTC may already be at work. */
    day = icaltime_from_timet_with_zone((time_t)(from - 86400), 1, zone);
    for (;;) {
        int weekday = icaltime_day_of_week(day); /* 1 = Sunday ... 7 = Saturday */
        int bit = (weekday + 5) % 7;             /* 0 = Monday ... 6 = Sunday */
        int64_t start, end;

        start = local_to_utc(zone, day.year, day.month, day.day, wt->start_minutes);
        if (start >= to)
            break;
        end = local_to_utc(zone, day.year, day.month, day.day, wt->end_minutes);
        if (start < from)
            start = from;
        if (end > to)
            end = to;
        if ((wt->days & (1u << bit)) && end > start) {
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct ct_interval *nv = realloc(v, ncap * sizeof(*nv));
                if (nv == NULL) {
                    free(v);
                    return ct_error_set(err, CT_ENOMEM, "out of memory");
                }
                v = nv;
                cap = ncap;
            }
            v[n].start = start;
            v[n].end = end;
            n++;
        }
        icaltime_adjust(&day, 1, 0, 0, 0);
    }
    *out = v;
    *count = n;
    return CT_OK;
}

size_t
ct_intervals_intersect(const struct ct_interval *a, size_t na, const struct ct_interval *b,
                       size_t nb, struct ct_interval *out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < na && j < nb) {
        int64_t start = a[i].start > b[j].start ? a[i].start : b[j].start;
        int64_t end = a[i].end < b[j].end ? a[i].end : b[j].end;
        if (end > start) {
            out[n].start = start;
            out[n].end = end;
            n++;
        }
        if (a[i].end < b[j].end)
            i++;
        else
            j++;
    }
    return n;
}

int64_t
ct_intervals_longest(const struct ct_interval *v, size_t n)
{
    int64_t best = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i].end - v[i].start > best)
            best = v[i].end - v[i].start;
    return best;
}
