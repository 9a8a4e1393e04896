/*
 * schedule.c: RRULE expansion in a time zone; see schedule.h. The iterator
 * runs on floating (zone-less) local times, which is where RRULEs live, and
 * each occurrence is converted to UTC with the zone's rules for that day.
 */
#include "schedule.h"

#include <libical/ical.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tz.h"
#include "util.h"
#include "validate.h"

/*
 * Upper bound on iterator steps per query. A monthly rule needs a dozen a
 * year; the bound only stops pathological rules (BYSETPOS that rarely
 * matches, COUNT with a huge value) from stalling the daemon's loop.
 */
#define SCHEDULE_MAX_STEPS 200000
#define DAY_SECONDS        INT64_C(86400)

struct ct_schedule {
    struct icalrecurrencetype rule;
    struct icaltimetype dtstart; /* floating local time */
    int64_t dtstart_utc;
    icaltimezone *zone; /* libical built-in, never freed */
    char *tz;
};

/* Seconds since the epoch of a wall-clock time read as if it were UTC. */
static int64_t
wall_seconds(struct icaltimetype t)
{
    return (int64_t)ct_days_from_civil(t.year, t.month, t.day) * DAY_SECONDS + t.hour * 3600 +
           t.minute * 60 + t.second;
}

/* The zone's UTC offset at instant u, in seconds east of UTC. */
static int64_t
offset_at(icaltimezone *zone, int64_t u)
{
    struct icaltimetype local = icaltime_from_timet_with_zone((time_t)u, 0, zone);

    return wall_seconds(local) - u;
}

/*
 * The instant a local wall-clock time names, as RFC 5545 3.3.5 reads it:
 * a time repeated by a fall-back change is the first of the two, and a
 * time skipped by a spring-forward change uses the offset before it.
 * libical's own conversion picks the other way in both cases.
 */
static int64_t
local_to_utc(icaltimezone *zone, struct icaltimetype wall)
{
    int64_t w = wall_seconds(wall);
    int64_t guess, off_before, off_after, early, late;
    bool early_ok, late_ok;

    wall.zone = NULL;
    guess = (int64_t)icaltime_as_timet_with_zone(wall, zone);
    off_before = offset_at(zone, guess - DAY_SECONDS / 2);
    off_after = offset_at(zone, guess + DAY_SECONDS / 2);
    early = w - off_before;
    late = w - off_after;
    early_ok = offset_at(zone, early) == off_before;
    late_ok = offset_at(zone, late) == off_after;
    if (early_ok && late_ok)
        return early < late ? early : late;
    if (early_ok)
        return early;
    if (late_ok)
        return late;
    return early; /* in the gap: the offset before the change */
}

static struct icaltimetype
utc_to_local(const struct ct_schedule *s, int64_t u)
{
    struct icaltimetype t = icaltime_from_timet_with_zone((time_t)u, 0, s->zone);

    t.zone = NULL;
    return t;
}

/* Does the rule text contain a part named name (e.g. "BYHOUR")? */
static bool
rule_has_part(const char *rule, const char *name)
{
    size_t n = strlen(name);
    const char *p = rule;

    while (*p) {
        if (strncasecmp(p, name, n) == 0 && p[n] == '=')
            return true;
        p = strchr(p, ';');
        if (p == NULL)
            break;
        p++;
    }
    return false;
}

enum ct_status
ct_schedule_new(const char *rrule, const char *start, int time_minutes, const char *tz,
                struct ct_schedule **out, struct ct_error *err)
{
    struct ct_schedule *s = NULL;
    icalrecur_iterator *it = NULL;
    const char *why;
    int32_t days;
    int year, month, day;
    enum ct_status st = CT_OK;

    *out = NULL;
    if (rrule == NULL || *rrule == '\0')
        return ct_error_set(err, CT_ECONFIG, "[schedule] rrule is empty");
    if (strncasecmp(rrule, "RRULE:", 6) == 0)
        rrule += 6;
    if ((why = ct_parse_date(start ? start : "", &days)) != NULL)
        return ct_error_set(err, CT_ECONFIG, "[schedule] start '%s': %s", start ? start : "", why);
    if (time_minutes < 0 || time_minutes >= 24 * 60)
        return ct_error_set(err, CT_ECONFIG, "[schedule] time must be between 00:00 and 23:59");
    if ((why = ct_check_timezone(tz ? tz : "")) != NULL && !(tz && strcmp(tz, "UTC") == 0))
        return ct_error_set(err, CT_ECONFIG, "[network] timezone '%s': %s", tz ? tz : "", why);
    if (rule_has_part(rrule, "RSCALE"))
        return ct_error_set(err, CT_ECONFIG,
                            "[schedule] rrule '%s': RSCALE (non-Gregorian calendars) is not "
                            "supported",
                            rrule);
    if (rule_has_part(rrule, "BYHOUR") || rule_has_part(rrule, "BYMINUTE") ||
        rule_has_part(rrule, "BYSECOND"))
        return ct_error_set(err, CT_ECONFIG,
                            "[schedule] rrule '%s': the time of day comes from [schedule] time; "
                            "remove BYHOUR, BYMINUTE and BYSECOND",
                            rrule);

    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->tz = strdup(tz)) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    s->zone = ct_tz_lookup(tz);
    icalerror_clear_errno();
    s->rule = icalrecurrencetype_from_string(rrule);
    if (s->rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
        st = ct_error_set(err, CT_ECONFIG,
                          "[schedule] rrule '%s': not a valid RFC 5545 recurrence rule "
                          "(e.g. FREQ=MONTHLY;BYDAY=1MO)",
                          rrule);
        goto fail;
    }
    if (s->rule.freq < ICAL_DAILY_RECURRENCE) {
        st = ct_error_set(err, CT_ECONFIG,
                          "[schedule] rrule '%s': rounds more often than daily are not supported",
                          rrule);
        goto fail;
    }
    ct_civil_from_days(days, &year, &month, &day);
    s->dtstart = icaltime_null_time();
    s->dtstart.year = year;
    s->dtstart.month = month;
    s->dtstart.day = day;
    s->dtstart.hour = time_minutes / 60;
    s->dtstart.minute = time_minutes % 60;
    s->dtstart.is_date = 0;
    s->dtstart_utc = local_to_utc(s->zone, s->dtstart);
    /* libical refuses here what can never occur (COUNT with UNTIL, 30 February). */
    icalerror_clear_errno();
    it = icalrecur_iterator_new(s->rule, s->dtstart);
    if (it == NULL) {
        st = ct_error_set(err, CT_ECONFIG,
                          "[schedule] rrule '%s': not a valid recurrence rule, or one that can "
                          "never occur",
                          rrule);
        goto fail;
    }
    icalrecur_iterator_free(it);
    *out = s;
    return CT_OK;
fail:
    ct_schedule_free(s);
    return st;
}

void
ct_schedule_free(struct ct_schedule *s)
{
    if (s == NULL)
        return;
    free(s->tz);
    free(s);
}

/*
 * An iterator positioned so that every occurrence at or after from_utc is
 * still to come. Rules without COUNT skip ahead (icalrecur_iterator_set_start
 * keeps INTERVAL's phase); COUNT rules must be counted from DTSTART.
 */
static icalrecur_iterator *
iterator_from(const struct ct_schedule *s, int64_t from_utc)
{
    icalrecur_iterator *it = icalrecur_iterator_new(s->rule, s->dtstart);
    icalrecur_iterator *fresh;

    if (it == NULL || s->rule.count != 0 || from_utc - 2 * DAY_SECONDS <= s->dtstart_utc)
        return it;
    /* Two days of slack cover any zone offset and DST change. */
    if (icalrecur_iterator_set_start(it, utc_to_local(s, from_utc - 2 * DAY_SECONDS)))
        return it;
    /* Past UNTIL, or refused: start again from DTSTART, which is always right. */
    icalrecur_iterator_free(it);
    fresh = icalrecur_iterator_new(s->rule, s->dtstart);
    return fresh;
}

/* The next occurrence from it as UTC; false when the rule has ended. */
static bool
iterator_step(const struct ct_schedule *s, icalrecur_iterator *it, int64_t *u)
{
    struct icaltimetype t = icalrecur_iterator_next(it);

    if (icaltime_is_null_time(t))
        return false;
    *u = local_to_utc(s->zone, t);
    return true;
}

static enum ct_status
gave_up(struct ct_error *err)
{
    return ct_error_set(err, CT_EDATA,
                        "[schedule] rrule: no occurrence found within %d steps; the rule is too "
                        "sparse or too dense",
                        SCHEDULE_MAX_STEPS);
}

enum ct_status
ct_schedule_next(const struct ct_schedule *s, int64_t t, int64_t *occ, struct ct_error *err)
{
    icalrecur_iterator *it = iterator_from(s, t);
    enum ct_status st = CT_ENOTFOUND;
    int64_t u;
    int steps;

    *occ = 0;
    if (it == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (steps = 0; steps < SCHEDULE_MAX_STEPS; steps++) {
        if (!iterator_step(s, it, &u))
            break;
        if (u > t) {
            *occ = u;
            st = CT_OK;
            break;
        }
    }
    if (steps == SCHEDULE_MAX_STEPS)
        st = gave_up(err);
    else if (st == CT_ENOTFOUND)
        ct_error_set(err, CT_ENOTFOUND, "the schedule has no occurrence after this time");
    icalrecur_iterator_free(it);
    return st;
}

enum ct_status
ct_schedule_latest(const struct ct_schedule *s, int64_t t, int64_t *occ, struct ct_error *err)
{
    /* Look back a little first, then four times as far, down to DTSTART. */
    int64_t lookback = 40 * DAY_SECONDS;
    int64_t u;
    int steps = 0;

    *occ = 0;
    if (t < s->dtstart_utc)
        return ct_error_set(err, CT_ENOTFOUND, "the schedule has no occurrence before this time");
    for (;;) {
        int64_t from = t - lookback;
        bool whole = from <= s->dtstart_utc || s->rule.count != 0;
        icalrecur_iterator *it = iterator_from(s, whole ? s->dtstart_utc : from);
        int64_t last = 0;

        if (it == NULL)
            return ct_error_set(err, CT_ENOMEM, "out of memory");
        while (steps < SCHEDULE_MAX_STEPS && iterator_step(s, it, &u) && u <= t) {
            last = u;
            steps++;
        }
        icalrecur_iterator_free(it);
        if (last != 0) {
            *occ = last;
            return CT_OK;
        }
        if (steps >= SCHEDULE_MAX_STEPS)
            return gave_up(err);
        if (whole)
            return ct_error_set(err, CT_ENOTFOUND,
                                "the schedule has no occurrence before this time");
        lookback *= 4;
    }
}

enum ct_status
ct_schedule_between(const struct ct_schedule *s, int64_t from, int64_t to, int64_t *out, size_t max,
                    size_t *count, struct ct_error *err)
{
    icalrecur_iterator *it = iterator_from(s, from);
    int64_t u;
    int steps;

    *count = 0;
    if (it == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (steps = 0; steps < SCHEDULE_MAX_STEPS; steps++) {
        if (!iterator_step(s, it, &u) || u > to)
            break;
        if (u <= from)
            continue;
        if (*count < max)
            out[*count] = u;
        (*count)++;
    }
    icalrecur_iterator_free(it);
    return steps == SCHEDULE_MAX_STEPS ? gave_up(err) : CT_OK;
}

void
ct_schedule_local_date(const struct ct_schedule *s, int64_t t, char *out)
{
    struct icaltimetype l = utc_to_local(s, t);

    ct_format_date(ct_days_from_civil(l.year, l.month, l.day), out);
}

void
ct_schedule_local_time(const struct ct_schedule *s, int64_t t, char *out)
{
    struct icaltimetype l = utc_to_local(s, t);

    ct_format_date(ct_days_from_civil(l.year, l.month, l.day), out);
    out[10] = ' ';
    out[11] = (char)('0' + l.hour / 10);
    out[12] = (char)('0' + l.hour % 10);
    out[13] = ':';
    out[14] = (char)('0' + l.minute / 10);
    out[15] = (char)('0' + l.minute % 10);
    out[16] = '\0';
}

enum ct_status
ct_schedule_zone_date(const char *tz, int64_t t, char *out, struct ct_error *err)
{
    icaltimezone *zone = tz ? ct_tz_lookup(tz) : NULL;
    struct icaltimetype l;

    if (zone == NULL)
        return ct_error_set(err, CT_ECONFIG, "[network] timezone '%s': unknown time zone",
                            tz ? tz : "");
    l = icaltime_from_timet_with_zone((time_t)t, 0, zone);
    ct_format_date(ct_days_from_civil(l.year, l.month, l.day), out);
    return CT_OK;
}

const char *
ct_schedule_zone(const struct ct_schedule *s)
{
    return s->tz;
}
