/*
 * reply.h: reading an iTIP reply (RFC 5546) out of a calendar text with
 * libical: METHOD:REPLY (an attendee's PARTSTAT) and METHOD:COUNTER (an
 * attendee proposing another time). Pure: no database, no I/O.
 */
#ifndef CT_REPLY_H
#define CT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

/* Calendar texts longer than this are refused before libical sees them. */
#define CT_REPLY_MAX_TEXT (1024 * 1024)

/* A COMMENT is kept to this many characters (code points), cleaned. */
#define CT_REPLY_MAX_COMMENT 2000

enum ct_partstat {
    CT_PARTSTAT_NEEDS_ACTION, /* also what an ATTENDEE without PARTSTAT means */
    CT_PARTSTAT_ACCEPTED,
    CT_PARTSTAT_DECLINED,
    CT_PARTSTAT_TENTATIVE,
    CT_PARTSTAT_DELEGATED,
    CT_PARTSTAT_OTHER, /* COMPLETED, IN-PROCESS, X-...: not an answer to a meeting */
};

enum ct_reply_method {
    CT_REPLY_METHOD_REPLY,
    CT_REPLY_METHOD_COUNTER,
};

struct ct_reply_attendee {
    char *email; /* the calendar address without "mailto:" */
    char *name;  /* CN, or NULL */
    enum ct_partstat partstat;
    char *delegated_to; /* DELEGATED-TO without "mailto:", or NULL */
};

/* One VEVENT of the reply. */
struct ct_reply_event {
    char *uid;
    int sequence;           /* SEQUENCE, 0 when absent */
    int64_t dtstamp;        /* DTSTAMP as Unix seconds, 0 when absent */
    int64_t proposed_start; /* COUNTER: DTSTART as Unix seconds, 0 if none */
    int64_t proposed_end;   /* COUNTER: DTEND, 0 if none */
    char *comment;          /* COMMENT cleaned (ct_reply_clean_comment), or NULL */
    struct ct_reply_attendee *attendees;
    size_t attendee_count;
};

struct ct_reply {
    enum ct_reply_method method;
    struct ct_reply_event *events; /* at least one */
    size_t event_count;
    size_t warnings; /* parse problems libical reported in parts we do not read */
};

/*
 * Parse a calendar text. Succeeds only for METHOD:REPLY or METHOD:COUNTER
 * with at least one VEVENT carrying a UID and an ATTENDEE; otherwise
 * CT_EDATA with a one-line reason ("METHOD:REQUEST is not a reply", "not an
 * iCalendar object", "line 7: ...") in err. A VEVENT (or the VCALENDAR)
 * with a property libical could not parse makes the whole reply malformed:
 * a half-read answer is worse than none. OUT: *out, freed with
 * ct_reply_free().
 */
enum ct_status ct_reply_parse(const char *text, struct ct_reply **out, struct ct_error *err);
void ct_reply_free(struct ct_reply *reply);

/* "ACCEPTED", "NEEDS-ACTION", ...; never NULL. */
const char *ct_reply_partstat_name(enum ct_partstat partstat);

/* Parse a PARTSTAT name (case-insensitive); CT_PARTSTAT_OTHER if unknown. */
enum ct_partstat ct_reply_partstat_parse(const char *name);

/* "REPLY" or "COUNTER". */
const char *ct_reply_method_name(enum ct_reply_method method);

/*
 * The address part of a calendar address: "mailto:" (any case) and
 * surrounding blanks removed. Returns a pointer into addr; the trailing
 * blanks are not removed (use ct_reply_address_eq to compare).
 */
const char *ct_reply_strip_mailto(const char *addr);

/*
 * A reply's COMMENT as it may be stored and shown: invalid UTF-8 dropped,
 * blanks and line breaks folded to single spaces (none leading or
 * trailing), every other control character (C0, DEL, C1) removed, and at
 * most CT_REPLY_MAX_COMMENT characters, never cut inside a UTF-8
 * character. Heap string (possibly empty); NULL on allocation failure.
 */
char *ct_reply_clean_comment(const char *text);

/* Two calendar addresses name the same mailbox (mailto: stripped, case-insensitive). */
bool ct_reply_address_eq(const char *a, const char *b);

#endif
