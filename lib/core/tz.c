/*
 * tz.c: IANA time-zone names to libical zones, checked first; see tz.h.
 * Everything in core that needs a zone by name comes through here.
 */
#include "tz.h"

#include <string.h>

bool
ct_tz_name_plausible(const char *name)
{
    return name && *name && name[0] != '/' && strstr(name, "..") == NULL && strlen(name) <= 64;
}

icaltimezone *
ct_tz_lookup(const char *name)
{
    if (name == NULL || strcmp(name, "UTC") == 0)
        return icaltimezone_get_utc_timezone();
    if (!ct_tz_name_plausible(name))
        return NULL;
    return icaltimezone_get_builtin_timezone(name);
}

icaltimezone *
ct_tz_or_utc(const char *name)
{
    icaltimezone *zone = ct_tz_lookup(name);

    return zone ? zone : icaltimezone_get_utc_timezone();
}
