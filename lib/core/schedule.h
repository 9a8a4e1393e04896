/*
 * schedule.h: when rounds happen. [schedule] rrule, start and time, in the
 * network's time zone, expanded with libical's recurrence iterator into UTC
 * instants, DST-correct: "09:00 on the first Monday" is 09:00 local time in
 * winter and in summer. Pure computation, no I/O.
 */
#ifndef CT_SCHEDULE_H
#define CT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"

struct ct_schedule;

/*
 * Compile a schedule: occurrences of rrule (RFC 5545 RRULE value, e.g.
 * "FREQ=MONTHLY;BYDAY=1MO") with DTSTART = start (YYYY-MM-DD) at
 * time_minutes after local midnight in zone tz (IANA name). As in libical,
 * a DTSTART that does not match the rule is not itself an occurrence.
 * Rules more frequent than daily are refused. A local time that does not
 * exist (spring forward) or exists twice (fall back) is read as RFC 5545
 * says: the offset before the change, and the first of the two.
 * CT_ECONFIG with a message naming the bad value. OUT: *out, freed with
 * ct_schedule_free().
 */
enum ct_status ct_schedule_new(const char *rrule, const char *start, int time_minutes,
                               const char *tz, struct ct_schedule **out, struct ct_error *err);
void ct_schedule_free(struct ct_schedule *s);

/*
 * The first occurrence strictly after t (OUT: *occ). CT_ENOTFOUND when the
 * rule has ended (COUNT or UNTIL); CT_EDATA if the search gave up (a rule
 * whose occurrences are too far apart to find).
 */
enum ct_status ct_schedule_next(const struct ct_schedule *s, int64_t t, int64_t *occ,
                                struct ct_error *err);

/*
 * The latest occurrence at or before t (OUT: *occ): the catch-up target
 * after downtime. CT_ENOTFOUND if there is none (t before the first one).
 */
enum ct_status ct_schedule_latest(const struct ct_schedule *s, int64_t t, int64_t *occ,
                                  struct ct_error *err);

/*
 * The occurrences in (from, to], in order, at most max of them written to
 * out (may be NULL when max is 0). OUT: *count, the number in the range,
 * which may exceed max.
 */
enum ct_status ct_schedule_between(const struct ct_schedule *s, int64_t from, int64_t to,
                                   int64_t *out, size_t max, size_t *count, struct ct_error *err);

/* The calendar date of t in the schedule's zone, "YYYY-MM-DD" (out >= 11 bytes). */
void ct_schedule_local_date(const struct ct_schedule *s, int64_t t, char *out);

/* t in the schedule's zone as "YYYY-MM-DD HH:MM" (out >= 17 bytes). */
void ct_schedule_local_time(const struct ct_schedule *s, int64_t t, char *out);

/*
 * The calendar date of t in zone tz (IANA name or "UTC"), "YYYY-MM-DD" (out
 * >= 11 bytes): the day the daemon first runs, when [schedule] start is
 * unset. CT_ECONFIG if the zone is unknown.
 */
enum ct_status ct_schedule_zone_date(const char *tz, int64_t t, char *out, struct ct_error *err);

/* The IANA zone the schedule runs in. Owned by s. */
const char *ct_schedule_zone(const struct ct_schedule *s);

#endif
