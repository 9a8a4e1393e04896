/*
 * worktime.h: working hours as time intervals. Each member works the
 * network's hours on the network's working days in their own time zone;
 * pairing needs to know whether two members' hours overlap long enough,
 * and slot finding needs the overlap itself. Intervals are UTC Unix seconds.
 */
#ifndef CT_WORKTIME_H
#define CT_WORKTIME_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"

/* A half-open span of time [start, end), Unix seconds UTC. */
struct ct_interval {
    int64_t start;
    int64_t end;
};

/* Working hours, as in [schedule] working_hours and working_days. */
struct ct_worktime {
    int start_minutes; /* after local midnight */
    int end_minutes;   /* after local midnight, > start_minutes */
    unsigned days;     /* bit 0 Monday ... bit 6 Sunday */
};

/*
 * The working intervals of someone in zone tz (IANA name) that intersect
 * [from, to), clipped to it, sorted, non-overlapping. DST-correct: each
 * day's local hours are converted with that day's offset. OUT: *out (heap,
 * caller frees) and *count. CT_EDATA if tz is unknown.
 */
enum ct_status ct_worktime_intervals(const char *tz, const struct ct_worktime *wt, int64_t from,
                                     int64_t to, struct ct_interval **out, size_t *count,
                                     struct ct_error *err);

/*
 * Intersect two sorted interval lists into out (room for na + nb entries).
 * Returns the number of intervals written. out may alias neither input.
 */
size_t ct_intervals_intersect(const struct ct_interval *a, size_t na, const struct ct_interval *b,
                              size_t nb, struct ct_interval *out);

/* The longest single interval in a list, in seconds (0 if empty). */
int64_t ct_intervals_longest(const struct ct_interval *v, size_t n);

#endif
