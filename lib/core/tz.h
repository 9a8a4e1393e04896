/*
 * tz.h: the one place an IANA time-zone name becomes a libical zone.
 * Names are checked before libical sees them (it reads tzdata files by
 * name), and "UTC" needs no tzdata at all.
 */
#ifndef CT_TZ_H
#define CT_TZ_H

#include <stdbool.h>

#include <libical/ical.h>

/*
 * The zone for name: NULL or "UTC" is UTC; an IANA name ("Europe/London")
 * is its tzdata zone. NULL for an empty, implausible (see
 * ct_tz_name_plausible) or unknown name. libical owns the zone.
 */
icaltimezone *ct_tz_lookup(const char *name);

/*
 * The zone for name, or UTC when name is NULL or not a zone: for showing
 * a time, which must show in some zone. libical owns the zone.
 */
icaltimezone *ct_tz_or_utc(const char *name);

/*
 * Whether name could be a tzdata name at all: not absolute, no "..", at
 * most 64 bytes. Says nothing of whether the zone exists.
 */
bool ct_tz_name_plausible(const char *name);

#endif
