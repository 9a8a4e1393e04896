/*
 * reply.c: METHOD:REPLY and METHOD:COUNTER read with libical; see reply.h.
 * libical adds X-LIC-ERROR properties where it could not parse a line;
 * those in the VCALENDAR or a VEVENT make the reply malformed.
 */
#include "reply.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tz.h"
#include "util.h"

static const char *const partstat_names[] = {
    [CT_PARTSTAT_NEEDS_ACTION] = "NEEDS-ACTION", [CT_PARTSTAT_ACCEPTED] = "ACCEPTED",
    [CT_PARTSTAT_DECLINED] = "DECLINED",         [CT_PARTSTAT_TENTATIVE] = "TENTATIVE",
    [CT_PARTSTAT_DELEGATED] = "DELEGATED",       [CT_PARTSTAT_OTHER] = "OTHER",
};

const char *
ct_reply_partstat_name(enum ct_partstat partstat)
{
    if ((unsigned)partstat < CT_ARRAY_LEN(partstat_names))
        return partstat_names[partstat];
    return "OTHER";
}

enum ct_partstat
ct_reply_partstat_parse(const char *name)
{
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(partstat_names); i++)
        if (ct_strcaseeq(name, partstat_names[i]))
            return (enum ct_partstat)i;
    return CT_PARTSTAT_OTHER;
}

const char *
ct_reply_method_name(enum ct_reply_method method)
{
    return method == CT_REPLY_METHOD_COUNTER ? "COUNTER" : "REPLY";
}

const char *
ct_reply_strip_mailto(const char *addr)
{
    while (*addr == ' ' || *addr == '\t')
        addr++;
    if (strncasecmp(addr, "mailto:", 7) == 0)
        addr += 7;
    while (*addr == ' ' || *addr == '\t')
        addr++;
    return addr;
}

bool
ct_reply_address_eq(const char *a, const char *b)
{
    size_t na, nb;

    a = ct_reply_strip_mailto(a);
    b = ct_reply_strip_mailto(b);
    na = strlen(a);
    nb = strlen(b);
    while (na > 0 && (a[na - 1] == ' ' || a[na - 1] == '\t'))
        na--;
    while (nb > 0 && (b[nb - 1] == ' ' || b[nb - 1] == '\t'))
        nb--;
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* A trimmed heap copy of a calendar address without mailto:, or NULL. */
static char *
address_copy(const char *value)
{
    const char *s = ct_reply_strip_mailto(value);
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return strndup(s, n);
}

static enum ct_partstat
map_partstat(icalparameter_partstat ps)
{
    switch (ps) {
    case ICAL_PARTSTAT_NEEDSACTION: return CT_PARTSTAT_NEEDS_ACTION;
    case ICAL_PARTSTAT_ACCEPTED: return CT_PARTSTAT_ACCEPTED;
    case ICAL_PARTSTAT_DECLINED: return CT_PARTSTAT_DECLINED;
    case ICAL_PARTSTAT_TENTATIVE: return CT_PARTSTAT_TENTATIVE;
    case ICAL_PARTSTAT_DELEGATED: return CT_PARTSTAT_DELEGATED;
    default: return CT_PARTSTAT_OTHER;
    }
}

/* Unix seconds of a DATE-TIME or DATE (floating and DATE read as UTC); 0 if null. */
static int64_t
time_of(struct icaltimetype t)
{
    const icaltimezone *zone;

    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
        return 0;
    zone = t.zone ? t.zone : icaltimezone_get_utc_timezone();
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

/*
 * The time of vevent's DTSTART or DTEND property prop. A TZID names a
 * VTIMEZONE of the calendar or an IANA zone; an unknown one reads as UTC,
 * as a floating time does. The zone is looked up here rather than by
 * icalcomponent_get_dtstart(): libical would open whatever file under the
 * zoneinfo directory the sender's TZID names, "../" included, and a FIFO
 * would stop the reader for good.
 */
static struct icaltimetype
time_in(icalcomponent *vevent, icalproperty *prop)
{
    struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(prop));
    icalparameter *param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    icaltimezone *zone = NULL;
    const char *tzid;
    icalcomponent *c;

    if (param == NULL || icaltime_is_utc(t) || icaltime_is_date(t))
        return t;
    tzid = icalparameter_get_tzid(param);
    if (tzid == NULL)
        return t;
    for (c = vevent; c && zone == NULL; c = icalcomponent_get_parent(c))
        zone = icalcomponent_get_timezone(c, tzid);
    if (zone == NULL)
        zone = ct_tz_lookup(tzid);
    return zone ? icaltime_set_timezone(&t, zone) : t;
}

/* A proposal's start, and its end from DTEND or DTSTART + DURATION; 0 when missing. */
static void
proposed_times(icalcomponent *vevent, int64_t *start, int64_t *end)
{
    icalproperty *dtstart = icalcomponent_get_first_property(vevent, ICAL_DTSTART_PROPERTY);
    icalproperty *dtend = icalcomponent_get_first_property(vevent, ICAL_DTEND_PROPERTY);
    icalproperty *dur = icalcomponent_get_first_property(vevent, ICAL_DURATION_PROPERTY);
    struct icaltimetype from = icaltime_null_time();

    if (dtstart && icalproperty_get_value(dtstart)) {
        from = time_in(vevent, dtstart);
        *start = time_of(from);
    }
    if (dtend && icalproperty_get_value(dtend))
        *end = time_of(time_in(vevent, dtend));
    else if (dur && icalproperty_get_value(dur) && *start)
        *end = time_of(icaltime_add(from, icalproperty_get_duration(dur)));
}

/*
 * Is this X-LIC-ERROR text about a property a reply does not need? libical
 * says "No value for LOCATION property. ..." (Gmail sends an empty LOCATION)
 * or "Can't parse as RECUR value in RRULE property. ..." and drops the
 * property; that is harmless unless the property is one we read. Any other
 * problem (a parameter it could not parse, a line without a name) may have
 * hit an ATTENDEE or its PARTSTAT, so it is not.
 */
static bool
error_is_harmless(const char *text)
{
    static const char *const needed[] = {"UID",     "SEQUENCE", "DTSTAMP",  "ATTENDEE",
                                         "DTSTART", "DTEND",    "DURATION", "METHOD"};
    const char *name = NULL, *in;
    size_t len, i;

    if (strncmp(text, "No value for ", 13) == 0) {
        name = text + 13;
    } else if (strncmp(text, "Can't parse as ", 15) == 0) {
        in = strstr(text, " value in ");
        if (in)
            name = in + 10;
    }
    if (name == NULL)
        return false;
    len = strcspn(name, " ");
    if (len == 0 || strncmp(name + len, " property", 9) != 0)
        return false;
    for (i = 0; i < CT_ARRAY_LEN(needed); i++)
        if (strlen(needed[i]) == len && strncasecmp(name, needed[i], len) == 0)
            return false;
    return true;
}

/*
 * Check the X-LIC-ERRORs libical attached directly to comp: the first that
 * matters is returned (NULL if none), the harmless ones are counted in
 * *warnings.
 */
static const char *
parse_problem(icalcomponent *comp, size_t *warnings)
{
    icalproperty *p;

    for (p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
        const char *text = icalproperty_get_xlicerror(p);
        if (text == NULL || *text == '\0')
            return "unreadable line";
        if (!error_is_harmless(text))
            return text;
        (*warnings)++;
    }
    return NULL;
}

/* X-LIC-ERRORs anywhere below comp other than in its VEVENTs (VTIMEZONE, VALARM). */
static size_t
nested_parse_errors(icalcomponent *comp)
{
    icalcomponent *c;
    size_t n = 0;

    for (c = icalcomponent_get_first_component(comp, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(comp, ICAL_ANY_COMPONENT)) {
        if (icalcomponent_isa(c) != ICAL_VEVENT_COMPONENT)
            n += (size_t)icalcomponent_count_properties(c, ICAL_XLICERROR_PROPERTY);
        n += nested_parse_errors(c);
    }
    return n;
}

static void
event_clear(struct ct_reply_event *ev)
{
    size_t i;

    free(ev->uid);
    free(ev->comment);
    for (i = 0; i < ev->attendee_count; i++) {
        free(ev->attendees[i].email);
        free(ev->attendees[i].name);
        free(ev->attendees[i].delegated_to);
    }
    free(ev->attendees);
    memset(ev, 0, sizeof(*ev));
}

void
ct_reply_free(struct ct_reply *reply)
{
    size_t i;

    if (reply == NULL)
        return;
    for (i = 0; i < reply->event_count; i++)
        event_clear(&reply->events[i]);
    free(reply->events);
    free(reply);
}

static enum ct_status
read_attendee(icalproperty *p, struct ct_reply_attendee *a, struct ct_error *err)
{
    icalparameter *param;
    const char *value = icalproperty_get_attendee(p);

    memset(a, 0, sizeof(*a));
    a->partstat = CT_PARTSTAT_NEEDS_ACTION;
    if (value == NULL || *ct_reply_strip_mailto(value) == '\0')
        return CT_EDATA;
    a->email = address_copy(value);
    param = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
    if (param)
        a->partstat = map_partstat(icalparameter_get_partstat(param));
    param = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);
    if (param && icalparameter_get_cn(param))
        a->name = strdup(icalparameter_get_cn(param));
    param = icalproperty_get_first_parameter(p, ICAL_DELEGATEDTO_PARAMETER);
    if (param && icalparameter_get_delegatedto(param))
        a->delegated_to = address_copy(icalparameter_get_delegatedto(param));
    if (a->email == NULL || (param && a->delegated_to == NULL))
        return ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
    return CT_OK;
}

/* Length of the UTF-8 character at s (n bytes left), 0 if invalid. OUT: *cp. */
static size_t
utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len, i;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates and beyond U+10FFFF are not characters. */
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

char *
ct_reply_clean_comment(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = text ? strlen(text) : 0, i = 0, out = 0, chars = 0;
    char *clean = malloc(n + 1);
    bool space = false;

    if (clean == NULL)
        return NULL;
    while (i < n && chars < CT_REPLY_MAX_COMMENT) {
        uint32_t c = 0;
        size_t len = utf8_char(s + i, n - i, &c);

        if (len == 0) { /* not UTF-8: the byte is dropped */
            i++;
            continue;
        }
        if (c == '\t' || c == '\r' || c == '\n' || c == ' ' || c == 0x2028 || c == 0x2029) {
            space = out > 0; /* blanks and line breaks become one space; none leading */
        } else if (c >= 0x20 && (c < 0x7F || c > 0x9F)) {
            /* other control characters (C0, DEL, C1) are removed */
            if (space && chars + 1 < CT_REPLY_MAX_COMMENT) {
                clean[out++] = ' ';
                chars++;
            }
            space = false;
            memcpy(clean + out, s + i, len);
            out += len;
            chars++;
        }
        i += len;
    }
    clean[out] = '\0';
    return clean;
}

/*
 * Read one VEVENT into ev. CT_EDATA (with err set) if it is malformed,
 * CT_ENOTFOUND if it lacks a UID or an ATTENDEE (skipped quietly).
 */
static enum ct_status
read_event(icalcomponent *vevent, enum ct_reply_method method, struct ct_reply_event *ev,
           size_t *warnings, struct ct_error *err)
{
    const char *uid = icalcomponent_get_uid(vevent);
    const char *problem = parse_problem(vevent, warnings);
    const char *comment;
    icalproperty *p;
    size_t cap = 0;
    enum ct_status st;

    memset(ev, 0, sizeof(*ev));
    if (problem)
        return ct_error_set(err, CT_EDATA, "event %s: %s", uid ? uid : "without UID", problem);
    if (uid == NULL || *uid == '\0')
        return CT_ENOTFOUND;
    ev->uid = strdup(uid);
    if (ev->uid == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
    ev->sequence = icalcomponent_get_sequence(vevent);
    if (ev->sequence < 0)
        ev->sequence = 0;
    ev->dtstamp = time_of(icalcomponent_get_dtstamp(vevent));
    if (method == CT_REPLY_METHOD_COUNTER) {
        proposed_times(vevent, &ev->proposed_start, &ev->proposed_end);
    }
    comment = icalcomponent_get_comment(vevent);
    if (comment && *comment) {
        ev->comment = ct_reply_clean_comment(comment);
        if (ev->comment == NULL)
            return ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
        if (*ev->comment == '\0') {
            free(ev->comment);
            ev->comment = NULL;
        }
    }
    for (p = icalcomponent_get_first_property(vevent, ICAL_ATTENDEE_PROPERTY); p;
         p = icalcomponent_get_next_property(vevent, ICAL_ATTENDEE_PROPERTY)) {
        if (ev->attendee_count == cap) {
            size_t ncap = cap ? cap * 2 : 2;
            struct ct_reply_attendee *list = realloc(ev->attendees, ncap * sizeof(*list));
            if (list == NULL)
                return ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
            ev->attendees = list;
            cap = ncap;
        }
        st = read_attendee(p, &ev->attendees[ev->attendee_count], err);
        if (st == CT_OK || st == CT_ENOMEM)
            ev->attendee_count++; /* so that cleanup frees what was read */
        if (st == CT_ENOMEM)
            return st;
    }
    return ev->attendee_count > 0 ? CT_OK : CT_ENOTFOUND;
}

/*
 * A copy with every line ending as LF: CR LF, lone CR and the CR CR LF that
 * quoted-printable "=0D" line ends decode to. NULL on allocation failure.
 */
static char *
normalise_newlines(const char *text)
{
    size_t n = strlen(text), i, o = 0;
    char *s = malloc(n + 1);

    if (s == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (text[i] == '\r') {
            if (text[i + 1] != '\n' && text[i + 1] != '\r')
                s[o++] = '\n';
            continue;
        }
        s[o++] = text[i];
    }
    s[o] = '\0';
    return s;
}

#define MAX_NESTING 8

/*
 * Check that BEGIN and END lines pair up (names compared case-insensitively,
 * at most MAX_NESTING deep) before libical sees the text: on "END before
 * BEGIN" and similar, libical 3.0 prints to stderr, which a daemon must not
 * do for every odd message. NULL if fine, else a reason.
 */
static const char *
check_structure(const char *text, char *why, size_t why_size)
{
    char stack[MAX_NESTING][32];
    int depth = 0;
    const char *line = text;

    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        bool begin = len > 6 && strncasecmp(line, "BEGIN:", 6) == 0;
        bool close = len > 4 && strncasecmp(line, "END:", 4) == 0;

        if (begin || close) {
            const char *name = line + (begin ? 6 : 4);
            size_t n = len - (size_t)(name - line);
            while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
                n--;
            if (n == 0 || n >= sizeof(stack[0])) {
                snprintf(why, why_size, "unreadable %s line", begin ? "BEGIN" : "END");
                return why;
            }
            if (begin) {
                if (depth == MAX_NESTING) {
                    snprintf(why, why_size, "components nested more than %d deep", MAX_NESTING);
                    return why;
                }
                memcpy(stack[depth], name, n);
                stack[depth++][n] = '\0';
            } else if (depth == 0 || strlen(stack[depth - 1]) != n ||
                       strncasecmp(stack[depth - 1], name, n) != 0) {
                snprintf(why, why_size, "END:%.*s does not close %s%s", (int)n, name,
                         depth ? "BEGIN:" : "any BEGIN", depth ? stack[depth - 1] : "");
                return why;
            } else {
                depth--;
            }
        }
        line = end ? end + 1 : NULL;
    }
    if (depth > 0) {
        snprintf(why, why_size, "BEGIN:%s is never closed (truncated?)", stack[depth - 1]);
        return why;
    }
    return NULL;
}

/* Is there a BEGIN:VCALENDAR at the start of some line? */
static bool
looks_like_icalendar(const char *text)
{
    const char *s = text;

    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (strncasecmp(s, "BEGIN:VCALENDAR", 15) == 0)
            return true;
        s = strchr(s, '\n');
        if (s == NULL)
            return false;
    }
}

enum ct_status
ct_reply_parse(const char *text, struct ct_reply **out, struct ct_error *err)
{
    icalcomponent *root = NULL, *cal = NULL, *vevent;
    icalproperty_method method;
    struct ct_reply *reply = NULL;
    const char *problem;
    char *normal = NULL, why[128];
    size_t cap = 0, warnings = 0;
    enum ct_status st = CT_OK;

    *out = NULL;
    if (strlen(text) > CT_REPLY_MAX_TEXT)
        return ct_error_set(err, CT_EDATA, "calendar larger than %d bytes", CT_REPLY_MAX_TEXT);
    if (!looks_like_icalendar(text))
        return ct_error_set(err, CT_EDATA, "not an iCalendar object (no BEGIN:VCALENDAR)");
    /* libical's default may abort on a parse error; we want the error instead. */
    icalerror_set_errors_are_fatal(0);
    icalerror_clear_errno();
    normal = normalise_newlines(text);
    if (normal == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
    problem = check_structure(normal, why, sizeof(why));
    if (problem) {
        st = ct_error_set(err, CT_EDATA, "%s", problem);
        goto done;
    }
    root = icalparser_parse_string(normal);
    if (root == NULL) {
        st = ct_error_set(err, CT_EDATA, "not an iCalendar object");
        goto done;
    }
    if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT)
        cal = root;
    else if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
        cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
    if (cal == NULL) {
        st = ct_error_set(err, CT_EDATA, "no VCALENDAR in the calendar part");
        goto done;
    }
    problem = parse_problem(cal, &warnings);
    if (problem) {
        st = ct_error_set(err, CT_EDATA, "calendar: %s", problem);
        goto done;
    }
    method = icalcomponent_get_method(cal);
    if (method != ICAL_METHOD_REPLY && method != ICAL_METHOD_COUNTER) {
        if (method == ICAL_METHOD_NONE)
            st = ct_error_set(err, CT_EDATA, "no METHOD: not an iTIP reply");
        else
            st = ct_error_set(err, CT_EDATA, "METHOD:%s is not a reply",
                              icalproperty_method_to_string(method));
        goto done;
    }
    reply = calloc(1, sizeof(*reply));
    if (reply == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
        goto done;
    }
    reply->method = method == ICAL_METHOD_COUNTER ? CT_REPLY_METHOD_COUNTER : CT_REPLY_METHOD_REPLY;
    for (vevent = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); vevent;
         vevent = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        if (reply->event_count == cap) {
            size_t ncap = cap ? cap * 2 : 1;
            struct ct_reply_event *list = realloc(reply->events, ncap * sizeof(*list));
            if (list == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
                goto done;
            }
            reply->events = list;
            cap = ncap;
        }
        st = read_event(vevent, reply->method, &reply->events[reply->event_count], &warnings, err);
        if (st == CT_ENOTFOUND) {
            event_clear(&reply->events[reply->event_count]);
            st = CT_OK;
            continue;
        }
        reply->event_count++;
        if (st != CT_OK)
            goto done;
    }
    if (reply->event_count == 0) {
        st = ct_error_set(err, CT_EDATA, "no VEVENT with a UID and an ATTENDEE");
        goto done;
    }
    reply->warnings = warnings + nested_parse_errors(cal);
done:
    if (root)
        icalcomponent_free(root);
    free(normal);
    if (st != CT_OK) {
        ct_reply_free(reply);
        return st;
    }
    *out = reply;
    return CT_OK;
}
