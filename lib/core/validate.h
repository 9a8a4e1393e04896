/*
 * validate.h: the value checks shared by the config reader and the roster
 * import: e-mail addresses, IANA time zones, dates, clock times, durations.
 * Each returns NULL when the value is fine, or a short static reason
 * ("missing '@'") that callers put after the field name.
 */
#ifndef CT_VALIDATE_H
#define CT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An addr-spec as mailers accept it: dot-atom local part, DNS domain. */
const char *ct_check_email(const char *addr);

/* An IANA zone name that tzdata (through libical) knows, e.g. Europe/London. */
const char *ct_check_timezone(const char *name);

/* A calendar date YYYY-MM-DD; OUT: *days since 1970-01-01 (may be NULL). */
const char *ct_parse_date(const char *s, int32_t *days);

/* Format days since 1970-01-01 as YYYY-MM-DD into out (at least 11 bytes). */
void ct_format_date(int32_t days, char *out);

/* Days since 1970-01-01 of a civil date; month 1-12. */
int32_t ct_days_from_civil(int year, int month, int day);
void ct_civil_from_days(int32_t days, int *year, int *month, int *day);

/* A clock time HH:MM (00:00-24:00); OUT: *minutes after midnight. */
const char *ct_parse_clock(const char *s, int *minutes);

/*
 * A duration: a non-negative integer with an optional unit s, m, h or d
 * (no unit means seconds), e.g. "30m", "2d", "0". OUT: *seconds.
 */
const char *ct_parse_duration(const char *s, int64_t *seconds);

/* True if s contains an ASCII control character (other than TAB if allowed). */
bool ct_has_control(const char *s, bool allow_tab);

/*
 * The code point of the first character in s[0..len) (valid UTF-8) that
 * must not reach a mail header, an iCalendar line or a terminal: C0 and C1
 * controls, DEL, line and paragraph separators, bidirectional overrides and
 * isolates, a stray byte order mark. With allow_line_breaks, TAB, CR and LF
 * are allowed (free text such as notes). -1 if there is none.
 */
long ct_find_forbidden_char(const char *s, size_t len, bool allow_line_breaks);

/* NULL if s is well-formed UTF-8 (no overlongs, no surrogates). */
const char *ct_check_utf8(const char *s, size_t len);

#endif
