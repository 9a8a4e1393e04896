/*
 * clock.c: the injectable clock; see clock.h.
 */
#include "clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t fixed_now;

#ifdef CT_TEST_HOOKS
static int64_t env_offset;
static int env_checked;

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
#endif

int64_t
ct_now(void)
{
    int64_t real = (int64_t)time(NULL);

    if (fixed_now)
        return fixed_now;
#ifdef CT_TEST_HOOKS
    if (!env_checked) {
        const char *s = getenv("COFFEETRIAL_TEST_NOW");
        env_checked = 1;
        if (s && *s) {
            int64_t t = parse_env_now(s);
            if (t > 0)
                env_offset = t - real;
        }
    }
    return real + env_offset;
#else
    return real;
#endif
}

void
ct_clock_set(int64_t t)
{
    fixed_now = t;
}
