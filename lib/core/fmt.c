/*
 * fmt.c: printf into a new heap string (see fmt.h). Depends on nothing
 * else in libcoffeetrial.
 */
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>

char *
ct_vasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    char *s;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *
ct_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = ct_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}
