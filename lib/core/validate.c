/*
 * validate.c: value checks shared by config and roster; see validate.h.
 */
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

static bool
is_atext(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

const char *
ct_check_email(const char *addr)
{
    const char *at, *p, *label;
    size_t len;

    if (addr == NULL || *addr == '\0')
        return "empty address";
    len = strlen(addr);
    if (len > 254)
        return "address longer than 254 characters";
    at = strrchr(addr, '@');
    if (at == NULL)
        return "missing '@'";
    if (at == addr)
        return "empty local part";
    if (at - addr > 64)
        return "local part longer than 64 characters";
    if (addr[0] == '.' || at[-1] == '.')
        return "local part starts or ends with '.'";
    for (p = addr; p < at; p++) {
        if (*p == '.' && p[1] == '.')
            return "'..' in local part";
        if (*p != '.' && !is_atext((unsigned char)*p))
            return "invalid character in local part";
    }
    p = at + 1;
    if (*p == '\0')
        return "empty domain";
    if (strchr(p, '.') == NULL)
        return "domain has no '.'";
    label = p;
    for (;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t l = (size_t)(p - label);
            if (l == 0)
                return "empty label in domain";
            if (l > 63)
                return "domain label longer than 63 characters";
            if (label[0] == '-' || p[-1] == '-')
                return "domain label starts or ends with '-'";
            if (*p == '\0')
                break;
            label = p + 1;
        } else if (!isalnum((unsigned char)*p) && *p != '-') {
            return "invalid character in domain";
        }
    }
    return NULL;
}

const char *
ct_check_timezone(const char *name)
{
    if (name == NULL || *name == '\0')
        return "empty time zone";
    if (strcmp(name, "UTC") == 0)
        return NULL;
    if (!ct_tz_name_plausible(name))
        return "not an IANA time zone name";
    if (ct_tz_lookup(name) == NULL)
        return "unknown time zone (not in tzdata)";
    return NULL;
}

int32_t
ct_days_from_civil(int year, int month, int day)
{
    /* Howard Hinnant's days_from_civil, proleptic Gregorian. */
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void
ct_civil_from_days(int32_t z, int *year, int *month, int *day)
{
    int era, y, m, d;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = (int)(doy - (153 * mp + 2) / 5 + 1);
    m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

static int
days_in_month(int year, int month)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : mdays[month - 1];
}

const char *
ct_parse_date(const char *s, int32_t *days)
{
    int y, m, d, i;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return "not a date of the form YYYY-MM-DD";
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return "not a date of the form YYYY-MM-DD";
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (y < 1970 || y > 9999)
        return "year out of range (1970-9999)";
    if (m < 1 || m > 12)
        return "month out of range";
    if (d < 1 || d > days_in_month(y, m))
        return "day out of range for the month";
    if (days)
        *days = ct_days_from_civil(y, m, d);
    return NULL;
}

void
ct_format_date(int32_t days, char *out)
{
    char tmp[48];
    int y, m, d;

    ct_civil_from_days(days, &y, &m, &d);
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y % 10000, m, d);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

const char *
ct_parse_clock(const char *s, int *minutes)
{
    int h, m;

    if (s == NULL || strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
        !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
        !isdigit((unsigned char)s[4]))
        return "not a time of the form HH:MM";
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return "time out of range (00:00-24:00)";
    if (minutes)
        *minutes = h * 60 + m;
    return NULL;
}

const char *
ct_parse_duration(const char *s, int64_t *seconds)
{
    int64_t value = 0, unit = 1;
    const char *p = s;

    if (s == NULL || !isdigit((unsigned char)*p))
        return "not a duration (a number with s, m, h or d, e.g. 30m)";
    for (; isdigit((unsigned char)*p); p++) {
        if (value > (INT64_C(1) << 40))
            return "duration too large";
        value = value * 10 + (*p - '0');
    }
    switch (*p) {
    case '\0': unit = 1; break;
    case 's':
        unit = 1;
        p++;
        break;
    case 'm':
        unit = 60;
        p++;
        break;
    case 'h':
        unit = 3600;
        p++;
        break;
    case 'd':
        unit = 86400;
        p++;
        break;
    default: return "unknown duration unit (use s, m, h or d)";
    }
    if (*p != '\0')
        return "not a duration (a number with s, m, h or d, e.g. 30m)";
    if (seconds)
        *seconds = value * unit;
    return NULL;
}

bool
ct_has_control(const char *s, bool allow_tab)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f)
            return true;
    }
    return false;
}

const char *
ct_check_utf8(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;

    while (s < end) {
        unsigned c = *s;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return "invalid UTF-8 lead byte";
        }
        if ((size_t)(end - s) <= n)
            return "truncated UTF-8 sequence";
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return "invalid UTF-8 continuation byte";
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
            return "overlong UTF-8 sequence";
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return "invalid Unicode code point";
        s += n + 1;
    }
    return NULL;
}

long
ct_find_forbidden_char(const char *str, size_t len, bool allow_line_breaks)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;

    while (s < end) {
        unsigned c = *s;
        unsigned long cp;
        size_t n;

        if (c < 0x80) {
            bool line_break = c == '\t' || c == '\n' || c == '\r';
            if ((c < 0x20 && !(allow_line_breaks && line_break)) || c == 0x7f)
                return (long)c;
            s++;
            continue;
        }
        n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if ((size_t)(end - s) < n)
            return -1;
        if (n == 2)
            cp = ((c & 0x1fu) << 6) | (s[1] & 0x3fu);
        else if (n == 3)
            cp = ((c & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
        else
            cp = ((c & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
                 (s[3] & 0x3fu);
        if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
            return (long)cp;
        s += n;
    }
    return -1;
}
