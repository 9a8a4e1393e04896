/*
 * clock.c: the injectable clock; see clock.h.
 */
#include "clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t fixed_now;

#ifdef CT_TEST_HOOKS
#define RATE_MAX 1000000

static int env_checked;
static int64_t env_start_ms; /* the test clock's reading at real_start, in ms */
static struct timespec real_start;
static long rate = 1;

static int64_t
parse_env_now(const char *s)
{
    struct tm tm;
    char *end;
    long long v;

    v = strtoll(s, &end, 10);
    if (*end == '\0' && end != s)
        return (int64_t)v;
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0')
        return 0;
    return (int64_t)timegm(&tm);
}

/* Read the environment once. A value that does not parse is ignored: the real clock. */
static void
env_setup(void)
{
    const char *s;
    int64_t t;

    env_checked = 1;
    clock_gettime(CLOCK_REALTIME, &real_start);
    env_start_ms = (int64_t)real_start.tv_sec * 1000 + real_start.tv_nsec / 1000000;
    s = getenv("COFFEETRIAL_TEST_NOW");
    if (s && *s && (t = parse_env_now(s)) > 0)
        env_start_ms = t * 1000;
    s = getenv("COFFEETRIAL_TEST_CLOCK_RATE");
    if (s && *s) {
        char *end;
        long r = strtol(s, &end, 10);

        if (*end == '\0' && r >= 1 && r <= RATE_MAX)
            rate = r;
    }
}
#endif

int64_t
ct_now(void)
{
    if (fixed_now)
        return fixed_now;
#ifdef CT_TEST_HOOKS
    {
        struct timespec ts;
        int64_t elapsed_ms;

        if (!env_checked)
            env_setup();
        clock_gettime(CLOCK_REALTIME, &ts);
        elapsed_ms = ((int64_t)ts.tv_sec - (int64_t)real_start.tv_sec) * 1000 +
                     ((int64_t)ts.tv_nsec - (int64_t)real_start.tv_nsec) / 1000000;
        return (env_start_ms + elapsed_ms * rate) / 1000;
    }
#else
    return (int64_t)time(NULL);
#endif
}

int64_t
ct_clock_real_ms(int64_t seconds)
{
    if (seconds <= 0)
        return 0;
#ifdef CT_TEST_HOOKS
    if (!env_checked)
        env_setup();
    /* Round up: waking early only means sleeping again. */
    return (seconds * 1000 + rate - 1) / rate;
#else
    return seconds * 1000;
#endif
}

void
ct_clock_set(int64_t t)
{
    fixed_now = t;
}
