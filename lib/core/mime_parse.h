/*
 * mime_parse.h: a small, defensive reader of Internet messages (RFC 5322,
 * MIME) that finds the calendar parts of an iMIP reply wherever a mail
 * client put them, decodes them to UTF-8 text, and names the sender.
 * It is written for hostile input: depth, part and size limits, no recursion
 * without a bound, never more than the input's worth of output per step.
 */
#ifndef CT_MIME_PARSE_H
#define CT_MIME_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "ct.h"

/* How deep multiparts (and attached messages) may nest before we stop. */
#define CT_MIME_MAX_DEPTH 16
/* How many entities of one message are looked at, at most. */
#define CT_MIME_MAX_PARTS 512
/* How many distinct calendar parts one message may yield. */
#define CT_MIME_MAX_CALENDARS 8
/* How much of a message's own text is kept. */
#define CT_MIME_MAX_TEXT 4096

/* What a message says about itself, and every calendar found in it. */
struct ct_mime_message {
    char *from;        /* addr-spec of the first From: mailbox, NULL if none */
    char *from_name;   /* its display name, decoded to UTF-8, or NULL */
    char *subject;     /* decoded to UTF-8, or NULL */
    char *message_id;  /* as written, with angle brackets, or NULL */
    char *in_reply_to; /* the In-Reply-To header as written (unfolded), or NULL */
    char *references;  /* the References header as written (unfolded), or NULL */
    /*
     * The first text/plain part that is not an attachment and not inside
     * an attached message, decoded to UTF-8 (at most CT_MIME_MAX_TEXT
     * bytes of it), or NULL: what a person typed in a reply.
     */
    char *text;
    /*
     * Decoded calendar texts (UTF-8, NUL-terminated, NUL bytes dropped), in
     * the order found, identical copies kept once: clients often send the
     * same calendar inline and as an attachment.
     */
    char **calendars;
    size_t calendar_count;
    size_t parts_seen; /* entities walked, for diagnostics */
    bool truncated;    /* a depth or part limit was hit */
};

/*
 * Parse a whole message of len bytes (need not be NUL-terminated, may hold
 * NULs, LF or CRLF line ends). Calendar parts are text/calendar,
 * text/x-vcalendar, application/ics, or any leaf part whose file name ends in
 * ".ics"; Content-Transfer-Encoding base64, quoted-printable, 7bit, 8bit and
 * binary are decoded and the part's charset converted to UTF-8.
 * A message with no calendar is not an error (calendar_count is 0); only
 * allocation failure is (CT_ENOMEM). OUT: *out, freed with
 * ct_mime_message_free().
 */
enum ct_status ct_mime_parse(const char *data, size_t len, struct ct_mime_message **out,
                             struct ct_error *err);
void ct_mime_message_free(struct ct_mime_message *msg);

/*
 * Convert len bytes in charset (a MIME charset name; NULL or "" means
 * UTF-8) to a NUL-terminated UTF-8 heap string. Never fails on bad input:
 * bytes that are not valid in the charset, and unknown charsets, fall back to
 * reading the byte as windows-1252; NUL bytes are dropped. NULL only on
 * allocation failure. OUT: *out_len (may be NULL).
 */
char *ct_mime_to_utf8(const char *charset, const char *in, size_t len, size_t *out_len);

/* Decode base64 (ignoring line breaks and junk); NULL only on allocation failure. */
char *ct_mime_decode_base64(const char *in, size_t len, size_t *out_len);

/* Decode quoted-printable (soft line breaks, =XX); NULL only on allocation failure. */
char *ct_mime_decode_qp(const char *in, size_t len, size_t *out_len);

/*
 * Decode a header value: RFC 2047 encoded words (B and Q, any charset iconv
 * knows), raw 8-bit text read as UTF-8 or else windows-1252. Returns a UTF-8
 * heap string; NULL only on allocation failure.
 */
char *ct_mime_decode_header(const char *value);

/*
 * The first mailbox of an address header value: "Ana <ana@a.org>",
 * "\"Doe, Jo\" <jo@b.org>", "jo@b.org (Jo Doe)", "<jo@b.org>". OUT: *addr
 * (the addr-spec, heap) and *name (decoded display name or NULL, heap; name
 * may be NULL to skip). CT_EDATA if no address with an '@' is found.
 */
enum ct_status ct_mime_parse_address(const char *value, char **addr, char **name);

#endif
