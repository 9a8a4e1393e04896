/*
 * invite.h: what a member receives. Builds the iMIP (RFC 6047) calendar
 * invitation of one group with libical (METHOD:REQUEST or CANCEL), the text
 * and HTML introductions, and the complete RFC 5322 message, plus plain
 * notices. Pure logic: no database, no network, no clock (times are inputs).
 *
 * Roster data is never trusted to be clean: control characters (CR, LF, ...)
 * become spaces and invalid UTF-8 becomes U+FFFD before anything reaches a
 * header or a calendar line, and display names are quoted or RFC 2047
 * encoded, so no name can add a header, a recipient or a calendar property.
 */
#ifndef CT_INVITE_H
#define CT_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "reply.h"

#define CT_INVITE_MAX_MEMBERS CT_GROUP_MAX /* one invitation lists the whole group */

/* Defaults used when a template or text is NULL (see docs/invitations.md). */
#define CT_INVITE_DEFAULT_SUBJECT "{network}: coffee with {names}"
#define CT_INVITE_DEFAULT_PROMPTS                                                                  \
    "What are the main things you are responsible for, and who depends on them?\n"                 \
    "What part of your work do you find most meaningful?\n"                                        \
    "Where does your work help the other's, and where does it get in the way?\n"                   \
    "When are your goals aligned, and when do you find yourselves at cross-purposes?"
#define CT_INVITE_DEFAULT_RESCHEDULE                                                               \
    "If the time does not suit you, use \"Propose new time\" in your calendar, or agree "          \
    "another time with your partner by e-mail and move the meeting. Please do not simply "         \
    "decline: your partner is looking forward to meeting you."
/* The same for a group of three or four. */
#define CT_INVITE_DEFAULT_RESCHEDULE_GROUP                                                         \
    "If the time does not suit you, use \"Propose new time\" in your calendar, or agree "          \
    "another time with the others by e-mail and move the meeting. Please do not simply "           \
    "decline: the others are looking forward to meeting you."

enum ct_invite_method { CT_INVITE_REQUEST, CT_INVITE_CANCEL };

/*
 * A member's own links (service/links.h builds them), borrowed. NULL or ""
 * means absent. Every URL must be http(s) of printable ASCII without
 * spaces, quotes, '<', '>' or ','; anything else is refused (CT_EDATA), so
 * no link can add a header or break out of an HTML attribute.
 */
struct ct_invite_links {
    const char *skip, *pause, *stop, *preferences, *checkin, *unsubscribe;
    const char *unsubscribe_mailto; /* "mailto:organiser@...?subject=unsubscribe" */
};

/* One member of a group. Strings are borrowed; only email is required. */
struct ct_invite_person {
    const char *email; /* addr-spec; checked, never neutralised */
    const char *name;  /* display name, any Unicode */
    const char *organisation;
    const char *team;
    const char *role;
    const char *timezone; /* IANA; NULL means the network's zone */
};

/*
 * One group's invitation. Every pointer is borrowed for the duration of a
 * call. Templates may use {network}, {round}, {date}, {names}, {uid};
 * {names} is the other members' names from the recipient's point of view
 * (in LOCATION and URL, which every member shares, all members' names);
 * values put into the URL are percent-encoded.
 */
struct ct_invite {
    const char *network;          /* [network] name */
    const char *network_timezone; /* IANA, for members without a zone; NULL = UTC */
    const char *organiser_name;
    const char *organiser_email;
    struct ct_invite_person members[CT_INVITE_MAX_MEMBERS];
    size_t member_count; /* 2 to 4 */
    /*
     * members[i]'s answer already recorded: an updated REQUEST keeps it,
     * with RSVP=FALSE, so calendars do not ask again; NEEDS_ACTION (0) asks.
     */
    enum ct_partstat answers[CT_INVITE_MAX_MEMBERS];
    /* members[i]'s own name to be greeted by in their copy ("Hello Bea,"); NULL: their name */
    const char *greetings[CT_INVITE_MAX_MEMBERS];
    const char *uid;       /* the recipient's own event UID (see ct_invite_member_uid) */
    const char *group_uid; /* {uid} in templates: the group's; NULL = uid */
    int sequence;          /* 0 first; higher for every update or cancel */
    int64_t dtstamp;       /* when this version was made, Unix seconds */
    int64_t start;         /* the slot, Unix seconds UTC */
    int64_t duration;      /* seconds, > 0 */
    enum ct_invite_method method;
    const char *const *reasons; /* why they were paired, plain words ("different organisation") */
    size_t reason_count;
    const char *prompts;           /* one prompt a line; NULL = CT_INVITE_DEFAULT_PROMPTS */
    const char *opener;            /* a lighter first question, before the prompts; NULL = none */
    const char *subject_template;  /* NULL = CT_INVITE_DEFAULT_SUBJECT */
    const char *location_template; /* NULL = no LOCATION */
    const char *url_template;      /* NULL = no URL */
    int round;                     /* round number, for {round} */
    const char *round_date;        /* YYYY-MM-DD, for {date} */
    const char *reschedule_hint;   /* NULL = CT_INVITE_DEFAULT_RESCHEDULE (_GROUP for 3 or 4) */
    const char *note;              /* optional extra paragraph (why it changed), or NULL */
    /*
     * CANCEL only: list the recipient alone as ATTENDEE. This is the cancel
     * for a member who left a trio (RFC 5546 3.2.5), while the others get
     * an updated REQUEST without them; the text still names the others.
     */
    bool cancel_recipient_only;
    /* The recipient's links: a block in both bodies and the List-Unsubscribe
     * headers (ct_invite_list_unsubscribe); NULL = none. */
    const struct ct_invite_links *links;
    const char *site; /* {site} in templates: the site the members share; NULL = "" */
};

/*
 * A message ready for a transport. Everything is heap memory owned by the
 * struct: release it with ct_invite_message_clear. Strings are UTF-8 with
 * CRLF line ends in bodies; raw is the whole RFC 5322 message.
 */
struct ct_invite_message {
    char *recipient;    /* the one address in To: */
    char *subject;      /* decoded, as the member reads it */
    char *text;         /* text/plain body */
    char *html;         /* text/html body; NULL for notices */
    char *ics;          /* the calendar; NULL for notices */
    const char *method; /* "REQUEST", "CANCEL", or NULL for notices (static) */
    char *message_id;   /* without angle brackets */
    char *raw;          /* the whole message, CRLF line ends, NUL-terminated */
    size_t raw_len;
};

/* Free what the struct holds and zero it; NULL is fine. */
void ct_invite_message_clear(struct ct_invite_message *msg);

/*
 * The calendar as members[recipient]'s copy (UID is inv->uid, their own;
 * SUMMARY is their subject without "Updated:"/"Cancelled:", which belong
 * to the mail; everything else is the same for all): a VCALENDAR built with libical,
 * with CRLF line ends and lines folded at 75 octets without splitting UTF-8
 * characters. OUT: *ics, which the caller frees. CT_EDATA names the field
 * (an invalid address, a group of the wrong size, an unknown zone).
 */
enum ct_status ct_invite_ics(const struct ct_invite *inv, size_t recipient, char **ics,
                             struct ct_error *err);

/*
 * The message to members[recipient] alone: multipart/mixed with a
 * multipart/alternative (text/plain, text/html, text/calendar with method=
 * equal to METHOD) and the same calendar as invite.ics. message_id is used
 * as given (no angle brackets; see ct_invite_message_id), date is the Date:
 * header's time. OUT: *out, cleared first; on failure it holds nothing.
 */
enum ct_status ct_invite_message(const struct ct_invite *inv, size_t recipient,
                                 const char *message_id, int64_t date,
                                 struct ct_invite_message *out, struct ct_error *err);

/*
 * A stable Message-ID (without angle brackets) for one message: the same
 * (uid, recipient, sequence, kind) always gives the same ID, so a resend is
 * recognisable, and different ones differ. kind is a short word such as
 * "request", "cancel" or "notice". The domain is the organiser's. Returns a
 * heap string the caller frees, NULL on allocation failure.
 */
char *ct_invite_message_id(const char *uid, const char *recipient_email, int sequence,
                           const char *kind, const char *organiser_email);

/*
 * A UID for a group: "coffeetrial-DATE-gID-HASH@DOMAIN", unique per network
 * and group. Heap string the caller frees; NULL on allocation failure.
 */
char *ct_invite_uid(const char *network, const char *round_date, int64_t group_id,
                    const char *organiser_email);

/*
 * The Subject ct_invite_message() would give members[recipient]'s message,
 * after the same checks of inv (CT_EDATA names the field), without building
 * the message. OUT: *subject (heap).
 */
enum ct_status ct_invite_subject(const struct ct_invite *inv, size_t recipient, char **subject,
                                 struct ct_error *err);

/*
 * ct_invite_subject() for every member at once, inv checked once (a send
 * makes a message per member of the same invitation). OUT: subjects[i]
 * (heap) for each of inv->member_count members; untouched on failure.
 */
enum ct_status ct_invite_subjects(const struct ct_invite *inv, char **subjects,
                                  struct ct_error *err);

/* Bytes of secret randomness in a member's UID (at least 128 bits). */
#define CT_INVITE_UID_SECRET 20

/*
 * The UID of one member's copy of a group's event: the group UID with the
 * secret (len bytes, from the caller's random source) in base32 before the
 * "@", "coffeetrial-...-gID-HASH-SECRET@DOMAIN". Whoever holds it holds that
 * member's invitation; nothing in it tells another member's. Heap string;
 * NULL on allocation failure or a group UID without "@".
 */
char *ct_invite_member_uid(const char *group_uid, const unsigned char *secret, size_t len);

/* A plain-text notice to one member, e.g. that they were paused. Borrowed. */
struct ct_invite_notice {
    const char *network;
    const char *organiser_name;
    const char *organiser_email;
    const char *recipient_name;
    const char *recipient_email;
    const char *subject;
    const char *text; /* the body; LF or CRLF line ends */
    /* The recipient's links (pause, stop, preferences, unsubscribe appended
     * to the text) and List-Unsubscribe headers; NULL = none. */
    const struct ct_invite_links *links;
    /*
     * Also an HTML alternative made from text (lifecycle messages): each
     * paragraph a <p>; a paragraph of two lines "LABEL" and an http(s) URL
     * becomes one big link reading LABEL. false: text/plain alone.
     */
    bool html;
    /* The text lays out the links itself (lifecycle messages): links gives
     * only the List-Unsubscribe headers, no block appended. */
    bool links_headers_only;
};

/*
 * The notice as a single text/plain message with the same header rules as
 * invitations (one recipient, RFC 2047 names, no injectable headers);
 * with notice->html, multipart/alternative with the HTML made from the
 * text. OUT: *out (ics and method are NULL; html NULL unless asked for).
 */
enum ct_status ct_invite_notice(const struct ct_invite_notice *notice, const char *message_id,
                                int64_t date, struct ct_invite_message *out, struct ct_error *err);

/*
 * Subject and text of the notice sent when a member is paused after
 * `unanswered` invitations in a row went unanswered, saying how to resume.
 * OUT: *subject and *text, heap strings the caller frees.
 */
enum ct_status ct_invite_pause_notice(const char *network, const char *organiser_name,
                                      const char *organiser_email, const char *recipient_name,
                                      int unanswered, char **subject, char **text,
                                      struct ct_error *err);

/*
 * The List-Unsubscribe headers for links, CRLF-terminated, for any message
 * to a member (RFC 2369, RFC 8058): "List-Unsubscribe: <https://...>,
 * <mailto:...>" (the https one only when links->unsubscribe is set) and then
 * "List-Unsubscribe-Post: List-Unsubscribe=One-Click" with the https one.
 * OUT: *headers, a heap string ("" when links has neither). CT_EDATA if a
 * link is not a clean URL (see struct ct_invite_links).
 */
enum ct_status ct_invite_list_unsubscribe(const struct ct_invite_links *links, char **headers,
                                          struct ct_error *err);

/*
 * Roster text made safe for one line: invalid UTF-8 becomes U+FFFD, and
 * control characters (C0, DEL, C1, U+2028/2029) become spaces. Exposed for
 * tests and for callers that show roster data elsewhere. Heap string.
 */
char *ct_invite_clean_line(const char *s);

#endif
