/*
 * tz.c: IANA time-zone names to libical zones, checked first; see tz.h.
 * Everything in core that needs a zone by name comes through here.
 *
 * libical 3.0 is not safe to ask for a zone from two threads: its table
 * of zones is published before it is filled, so a second thread can walk
 * it while the first still grows it, and a name missing from zone.tab is
 * appended to it; a zone's definition is read on its first use, and that
 * rewrites its name while another lookup may be comparing it. The send
 * and the flush build messages on two threads, and the daemon's web
 * thread queues them too, so every lookup is made here, one at a time,
 * and reads the zone's definition before the zone is handed out.
 *
 * libical walks its ~420 zones comparing names at every lookup, and a
 * message looks up its members' zones: each thread keeps the last few
 * zones it found (libical never frees one), so a batch of messages in a
 * handful of zones takes the lock a handful of times.
 */
#include "tz.h"

#include <pthread.h>
#include <string.h>

#define RECENT 8

static pthread_mutex_t lookup_lock = PTHREAD_MUTEX_INITIALIZER;

/* This thread's zones found lately, their names (plausible: at most 64 bytes) beside them. */
static _Thread_local struct {
    char name[65];
    icaltimezone *zone;
} recent[RECENT];
static _Thread_local unsigned recent_next;

bool
ct_tz_name_plausible(const char *name)
{
    return name && *name && name[0] != '/' && strstr(name, "..") == NULL && strlen(name) <= 64;
}

icaltimezone *
ct_tz_lookup(const char *name)
{
    icaltimezone *zone;
    unsigned i;

    if (name == NULL || strcmp(name, "UTC") == 0)
        return icaltimezone_get_utc_timezone();
    if (!ct_tz_name_plausible(name))
        return NULL;
    for (i = 0; i < RECENT; i++)
        if (recent[i].zone && strcmp(recent[i].name, name) == 0)
            return recent[i].zone;
    pthread_mutex_lock(&lookup_lock);
    zone = icaltimezone_get_builtin_timezone(name);
    if (zone)
        (void)icaltimezone_get_component(zone);
    pthread_mutex_unlock(&lookup_lock);
    if (zone) {
        i = recent_next++ % RECENT;
        memcpy(recent[i].name, name, strlen(name) + 1);
        recent[i].zone = zone;
    }
    return zone;
}

icaltimezone *
ct_tz_or_utc(const char *name)
{
    icaltimezone *zone = ct_tz_lookup(name);

    return zone ? zone : icaltimezone_get_utc_timezone();
}
