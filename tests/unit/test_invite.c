/*
 * test_invite.c: the invitation builder. Golden files pin the iCalendar text
 * of a REQUEST and its CANCEL byte for byte; the rest checks what must hold
 * for any input: no header or calendar line injected through roster data,
 * RFC 2047 names that decode to the input, folding that never splits a UTF-8
 * character, CRLF everywhere, stable Message-IDs.
 *
 * CT_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (review
 * the diff before committing it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "invite.h"
#include "invite_recipe.h"
#include "util.h"

/* Monday 2026-03-02 09:00 UTC, and the slot on Wednesday 4 March 14:30 UTC. */
#define DTSTAMP INT64_C(1772442000)
#define START   INT64_C(1772634600)

static const char *const reasons[] = {"different organisation", "first meeting"};

static struct ct_invite
sample(void)
{
    struct ct_invite inv;

    memset(&inv, 0, sizeof(inv));
    inv.network = "Coffee Trial";
    inv.network_timezone = "Europe/London";
    inv.organiser_name = "Sam Organiser";
    inv.organiser_email = "coffee@example.org";
    inv.members[0] = (struct ct_invite_person){"ana@a.example",
                                               "Ana \xc3\x81vila",
                                               "Bay Hospital; Trust, North\\East",
                                               "Cardiology",
                                               "Nurse",
                                               NULL};
    inv.members[1] = (struct ct_invite_person){
        "bo@b.example", "Bo \xe6\x9d\x8e", "City Council; Adults, Care\\Health",
        NULL,           "Social worker",   "America/New_York"};
    inv.member_count = 2;
    inv.uid = "coffeetrial-2026-03-02-g17-4f2a9c1e@example.org";
    inv.sequence = 0;
    inv.dtstamp = DTSTAMP;
    inv.start = START;
    inv.duration = 30 * 60;
    inv.method = CT_INVITE_REQUEST;
    inv.reasons = reasons;
    inv.reason_count = 2;
    inv.location_template = "Video call: {names}";
    inv.url_template = "https://meet.example.org/{uid}";
    inv.round = 3;
    inv.round_date = "2026-03-02";
    return inv;
}

static void
compare_golden(const char *name, const char *got)
{
    char path[4096];
    char *want = NULL;
    size_t len;
    struct ct_error err;

    snprintf(path, sizeof(path), "%s/tests/data/golden/%s", CT_SRC, name);
    if (getenv("CT_UPDATE_GOLDEN") != NULL) {
        assert_int_equal(ct_file_write_atomic(path, got, strlen(got), 0644, &err), CT_OK);
        return;
    }
    if (ct_file_read(path, 1 << 20, &want, &len, &err) != CT_OK)
        fail_msg("%s", err.message);
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "--- %s\n%s--- got\n%s", path, want, got);
        fail_msg("%s differs (CT_UPDATE_GOLDEN=1 rewrites it)", name);
    }
    free(want);
}

/* Every line ends in CRLF, has at most max octets, and (if ics) no
 * continuation line begins inside a UTF-8 character. */
static void
check_lines(const char *s, size_t max, int ics)
{
    const char *line = s;

    assert_true(strlen(s) > 2 && strcmp(s + strlen(s) - 2, "\r\n") == 0);
    while (*line) {
        const char *cr = strstr(line, "\r\n");
        size_t len;

        assert_non_null(cr);
        len = (size_t)(cr - line);
        assert_null(memchr(line, '\n', len));
        assert_null(memchr(line, '\r', len));
        if (len > max)
            fail_msg("line of %zu octets: %.*s", len, (int)len, line);
        if (ics && line[0] == ' ' && len > 1)
            assert_int_not_equal((unsigned char)line[1] & 0xc0, 0x80);
        line = cr + 2;
    }
}

/* The header block's field names, one per line, into names (joined by ','). */
static void
header_names(const char *raw, char *names, size_t size)
{
    const char *end = strstr(raw, "\r\n\r\n"), *line = raw;

    assert_non_null(end);
    names[0] = '\0';
    while (line < end + 2) {
        const char *cr = strstr(line, "\r\n");
        if (line[0] != ' ' && line[0] != '\t') {
            size_t n = strcspn(line, ":");
            strncat(names, line, n < size - strlen(names) - 2 ? n : 0);
            strcat(names, ",");
        }
        line = cr + 2;
    }
}

/* The unfolded value of header name in raw (static buffer). */
static const char *
header_value(const char *raw, const char *name)
{
    static char value[4096];
    const char *end = strstr(raw, "\r\n\r\n"), *line = raw;
    size_t nlen = strlen(name);
    int in = 0;

    value[0] = '\0';
    while (line < end + 2) {
        const char *cr = strstr(line, "\r\n");
        if (in && (line[0] == ' ' || line[0] == '\t'))
            strncat(value, line, (size_t)(cr - line));
        else if (in)
            break;
        else if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            in = 1;
            strncat(value, line + nlen + 1, (size_t)(cr - line - (long)nlen - 1));
        }
        line = cr + 2;
    }
    return value;
}

static int
hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Decode a header value as RFC 2047 says: UTF-8 Q encoded-words are decoded,
 * white space between two adjacent encoded-words is dropped, other text is
 * kept (leading white space trimmed). Checks each word is at most 75 chars.
 */
static char *
decode_2047(const char *v)
{
    struct ct_buf out;
    const char *p = v;
    int last_was_word = 0;

    ct_buf_init(&out);
    ct_buf_append(&out, "", 0);
    while (*p == ' ')
        p++;
    while (*p) {
        const char *ws = p;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "=?UTF-8?Q?", 10) == 0) {
            const char *end = strstr(p + 10, "?=");
            assert_non_null(end);
            assert_true(end + 2 - p <= 75);
            if (!last_was_word)
                ct_buf_append(&out, ws, (size_t)(p - ws));
            for (const char *q = p + 10; q < end; q++) {
                if (*q == '_')
                    ct_buf_putc(&out, ' ');
                else if (*q == '=') {
                    assert_true(hexval(q[1]) >= 0 && hexval(q[2]) >= 0);
                    ct_buf_putc(&out, (char)(hexval(q[1]) * 16 + hexval(q[2])));
                    q += 2;
                } else
                    ct_buf_putc(&out, *q);
            }
            p = end + 2;
            last_was_word = 1;
        } else {
            ct_buf_append(&out, ws, (size_t)(p - ws));
            while (*p && *p != ' ' && *p != '\t')
                ct_buf_putc(&out, *p++);
            last_was_word = 0;
        }
    }
    return ct_buf_steal(&out);
}

static void
test_golden_request_and_cancel(void **state)
{
    struct ct_invite inv = sample();
    char *ics;

    assert_int_equal(ct_invite_ics(&inv, 0, &ics, NULL), CT_OK);
    compare_golden("request.ics", ics);
    check_lines(ics, 75, 1);
    free(ics);

    inv.method = CT_INVITE_CANCEL;
    inv.sequence = 1;
    inv.dtstamp = DTSTAMP + 86400;
    inv.note = "Bo has left the network.";
    assert_int_equal(ct_invite_ics(&inv, 0, &ics, NULL), CT_OK);
    compare_golden("cancel.ics", ics);
    assert_non_null(strstr(ics, "\r\nMETHOD:CANCEL\r\n"));
    assert_non_null(strstr(ics, "\r\nSTATUS:CANCELLED\r\n"));
    assert_non_null(strstr(ics, "\r\nSEQUENCE:1\r\n"));
    assert_non_null(strstr(ics, "\r\nUID:coffeetrial-2026-03-02-g17-4f2a9c1e@example.org\r\n"));
    free(ics);
}

static void
test_folding_never_splits_utf8(void **state)
{
    static const char *const chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "a,"};
    struct ct_invite inv = sample();
    size_t c, offset;

    for (c = 0; c < CT_ARRAY_LEN(chars); c++) {
        for (offset = 0; offset < 5; offset++) {
            struct ct_buf name;
            char *ics;
            int i;

            ct_buf_init(&name);
            for (i = 0; i < (int)offset; i++)
                ct_buf_putc(&name, 'x');
            for (i = 0; i < 80; i++)
                ct_buf_puts(&name, chars[c]);
            inv.members[1].name = name.data;
            inv.members[1].organisation = name.data;
            assert_int_equal(ct_invite_ics(&inv, 0, &ics, NULL), CT_OK);
            check_lines(ics, 75, 1);
            free(ics);
            ct_buf_free(&name);
        }
    }
}

static void
test_header_injection(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    char names[512];
    const char *to;
    char *ics;

    inv.members[0].name = "Eve\r\nBcc: victim@evil.example";
    inv.members[1].name = "Mallory <m@evil.example>, \"Bob\"\nX-Injected: 1";
    inv.members[1].organisation = "Org\r\nATTENDEE:mailto:spy@evil.example";
    inv.members[1].role = "Role\rEND:VEVENT";
    inv.organiser_name = "Org\r\nReply-To: thief@evil.example";
    inv.subject_template = "{names}\r\nCc: more@evil.example";
    inv.location_template = "Room\nX-LOC:1";
    inv.url_template = "https://x.example/{names}\r\nX-URL:1";
    inv.network = "Net\x01work\x7f\xc2\x85";
    assert_int_equal(ct_invite_message(&inv, 1, "id@example.org", DTSTAMP, &msg, NULL), CT_OK);

    header_names(msg.raw, names, sizeof(names));
    assert_string_equal(names, "From,To,Subject,Date,Message-ID,MIME-Version,Content-Type,");
    check_lines(msg.raw, 998, 0);
    assert_null(strstr(msg.raw, "\r\nBcc"));
    assert_null(strstr(msg.raw, "\r\nCc"));
    assert_null(strstr(msg.raw, "\r\nX-Injected"));
    assert_null(strstr(msg.raw, "\r\nReply-To"));
    /* To: exactly one address, whatever the name says. */
    to = header_value(msg.raw, "To");
    assert_null(strchr(to, ','));
    assert_null(strchr(to, '"'));
    assert_non_null(strstr(to, " <bo@b.example>"));
    assert_int_equal(strchr(to, '<'), strrchr(to, '<'));
    assert_int_equal(strchr(to, '@'), strrchr(to, '@'));

    /* The calendar: no line starts with an injected property. */
    ics = msg.ics;
    check_lines(ics, 75, 1);
    assert_null(strstr(ics, "\r\nATTENDEE:mailto:spy"));
    assert_null(strstr(ics, "\r\nEND:VEVENT\r\nEND:VEVENT"));
    assert_null(strstr(ics, "\r\nX-LOC"));
    assert_null(strstr(ics, "\r\nX-URL"));
    assert_null(strstr(ics, "\x01"));
    assert_null(strstr(ics, "\xc2\x85"));
    /* Quotes cannot end a CN early: they become apostrophes. */
    assert_non_null(strstr(ics, "CN=\"Mallory <m@evil.example>, 'Bob' X-Injected: 1\""));
    assert_non_null(strstr(msg.subject, "Eve  Bcc: victim@evil.example"));
    ct_invite_message_clear(&msg);
}

static void
test_rfc2047_names(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    char *decoded;
    const char *v;

    inv.organiser_name = "Zo\xc3\xab O'Neill, organiser";
    inv.members[0].name =
        "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d \xf0\x9f\x98\x80 =?UTF-8?B?SGk=?= and a name "
        "long enough to need several encoded words";
    inv.members[1].name = "Bo   Li"; /* runs of spaces: one in headers */
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, NULL), CT_OK);
    check_lines(msg.raw, 998, 0);

    v = header_value(msg.raw, "From");
    decoded = decode_2047(v);
    assert_string_equal(decoded, "Zo\xc3\xab O'Neill, organiser <coffee@example.org>");
    free(decoded);

    v = header_value(msg.raw, "To");
    assert_non_null(strstr(v, "=?UTF-8?Q?"));
    decoded = decode_2047(v);
    assert_string_equal(decoded, "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d \xf0\x9f\x98\x80 "
                                 "=?UTF-8?B?SGk=?= and a name long enough to need several "
                                 "encoded words <ana@a.example>");
    free(decoded);

    v = header_value(msg.raw, "Subject");
    decoded = decode_2047(v);
    assert_string_equal(decoded, "Coffee Trial: coffee with Bo   Li");
    assert_string_equal(msg.subject, "Coffee Trial: coffee with Bo   Li");
    free(decoded);

    /* Header lines keep to 78 octets. */
    {
        const char *end = strstr(msg.raw, "\r\n\r\n"), *line = msg.raw;
        while (line < end) {
            const char *cr = strstr(line, "\r\n");
            if (strncmp(line, "Message-ID:", 11) != 0)
                assert_true(cr - line <= 78);
            line = cr + 2;
        }
    }
    ct_invite_message_clear(&msg);

    /* Plain ASCII names go as quoted strings. */
    inv = sample();
    inv.members[0].name = "Ana Lima";
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_string_equal(header_value(msg.raw, "To"), " \"Ana Lima\" <ana@a.example>");
    /* A subject with any non-ASCII goes as encoded-words throughout. */
    assert_string_equal(header_value(msg.raw, "Subject"),
                        " =?UTF-8?Q?Coffee_Trial=3A_coffee_with_Bo_=E6=9D=8E?=");
    ct_invite_message_clear(&msg);
}

/* "Why the two of you" is one sentence: where they work in one clause, then at most two more. */
static void
test_why_in_one_sentence(void **state)
{
    static const char *const why[] = {
        "you work for different organisations",
        "you work in different teams",
        "you are in different professions",
        "you have not met through the coffee trial before",
        "you have no contacts in common yet",
        "a staff survey says your two roles could work together more closely"};
    struct ct_invite inv = sample();
    struct ct_invite_message msg;

    (void)state;
    inv.reasons = why;
    inv.reason_count = CT_ARRAY_LEN(why);
    assert_int_equal(ct_invite_message(&inv, 0, "why@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_non_null(strstr(msg.text,
                           "Why the two of you: you work for different organisations "
                           "and in different teams, you are in different professions, and "
                           "a staff survey says your two roles could work together more "
                           "closely.\r\n"));
    assert_null(strstr(msg.text, "no contacts in common"));
    assert_non_null(strstr(msg.html, "<meta name=\"viewport\""));
    assert_non_null(strstr(msg.text, "Questions? Just reply to this e-mail."));
    ct_invite_message_clear(&msg);
}

static void
test_mime_structure(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    const char *p;

    inv.note = ".\nFrom the organiser: a line that starts with From and a dot.";
    inv.sequence = 2;
    assert_int_equal(ct_invite_message(&inv, 1, "abc.def@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_string_equal(msg.method, "REQUEST");
    assert_string_equal(msg.recipient, "bo@b.example");
    assert_string_equal(msg.message_id, "abc.def@example.org");
    assert_int_equal(msg.raw_len, strlen(msg.raw));
    assert_string_equal(msg.subject, "Updated: Coffee Trial: coffee with Ana \xc3\x81vila");
    assert_non_null(strstr(msg.raw, "\r\nMessage-ID: <abc.def@example.org>\r\n"));
    assert_non_null(strstr(msg.raw, "\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\n"));
    assert_non_null(strstr(msg.raw, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(msg.raw, "\r\nContent-Type: multipart/mixed; boundary=\""));
    assert_non_null(strstr(msg.raw, "\r\nContent-Type: multipart/alternative; boundary=\""));
    assert_non_null(strstr(msg.raw, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(msg.raw, "\r\nContent-Type: text/html; charset=UTF-8\r\n"));
    assert_non_null(
        strstr(msg.raw, "\r\nContent-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n"));
    assert_non_null(
        strstr(msg.raw, "\r\nContent-Disposition: attachment; filename=\"invite.ics\""));
    /* The partner's time in their own zone, the recipient's in theirs. */
    assert_non_null(strstr(msg.text, "Wednesday 4 March 2026, 09:30 to 10:00 (New York time"));
    assert_non_null(strstr(msg.text, "For Ana \xc3\x81vila that is Wednesday 4 March 2026, 14:30"));
    assert_non_null(strstr(msg.text, "This invitation replaces the one sent before."));
    assert_non_null(
        strstr(msg.html, "Why the two of you: different organisation and first meeting."));
    assert_non_null(strstr(msg.html, "Bay Hospital; Trust, North\\East"));
    /* QP keeps '.' and "From " off line starts; lines within 76. */
    check_lines(msg.raw, 998, 0);
    for (p = msg.raw; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        assert_int_not_equal(p[2], '.');
        assert_false(strncmp(p + 2, "From ", 5) == 0);
    }
    {
        const char *body = strstr(msg.raw, "quoted-printable\r\n\r\n"), *line;
        const char *end = strstr(body, "\r\n--=_ct_alt_");
        for (line = body + 20; line < end;) {
            const char *cr = strstr(line, "\r\n");
            assert_true(cr - line <= 76);
            line = cr + 2;
        }
    }
    /* The text is CRLF and the body of the calendar's DESCRIPTION. */
    assert_null(strstr(msg.text, "\n\n"));
    assert_non_null(strstr(msg.text, "\r\n\r\n"));
    ct_invite_message_clear(&msg);
    ct_invite_message_clear(NULL);

    /* The cancel to a member who left: they alone as ATTENDEE. */
    inv.method = CT_INVITE_CANCEL;
    inv.cancel_recipient_only = true;
    assert_int_equal(ct_invite_message(&inv, 0, "c@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_string_equal(msg.method, "CANCEL");
    assert_non_null(strstr(msg.raw, "method=CANCEL\r\n"));
    assert_non_null(strstr(msg.text, "is cancelled for you"));
    assert_string_equal(msg.subject, "Cancelled: Coffee Trial: coffee with Bo \xe6\x9d\x8e");
    assert_non_null(strstr(msg.ics, "mailto:ana@a.example"));
    assert_null(strstr(msg.ics, "mailto:bo@b.example"));
    ct_invite_message_clear(&msg);
}

static void
test_templates(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;

    inv.members[2] = (struct ct_invite_person){"cy@c.example", "Cy", "Uni", NULL, NULL, NULL};
    inv.member_count = 3;
    inv.subject_template = "{network} round {round} on {date} ({uid}): {names} {unknown} {";
    inv.location_template = "{names}";
    inv.url_template = "https://x.example/?n={names}";
    assert_int_equal(ct_invite_message(&inv, 1, "t@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_string_equal(msg.subject, "Coffee Trial round 3 on 2026-03-02 "
                                     "(coffeetrial-2026-03-02-g17-4f2a9c1e@example.org): "
                                     "Ana \xc3\x81vila and Cy {unknown} {");
    /* Shared by all: every name; URL values percent-encoded. */
    assert_non_null(strstr(msg.ics, "LOCATION:Ana \xc3\x81vila\\, Bo \xe6\x9d\x8e and Cy\r\n"));
    assert_non_null(strstr(msg.ics, "URL:https://x.example/?n=Ana%20%C3%81vila%2C%20Bo%20%E6%9D%"
                                    "8E%20and%20Cy\r\n"));
    assert_non_null(strstr(msg.text, "brings the three of you together"));
    assert_non_null(strstr(msg.text, "Why the three of you:"));
    ct_invite_message_clear(&msg);
}

static void
test_bad_input(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    struct ct_error err;
    char *ics = (char *)"untouched";

    inv.members[1].email = "bo@b.example\r\nBcc: x@y.example";
    assert_int_equal(ct_invite_ics(&inv, 0, &ics, &err), CT_EDATA);
    assert_null(ics);
    assert_non_null(strstr(err.message, "member 2"));
    assert_null(strchr(err.message, '\n'));

    inv = sample();
    inv.organiser_email = "not an address";
    assert_int_equal(ct_invite_message(&inv, 0, "i@example.org", 0, &msg, &err), CT_EDATA);
    assert_null(msg.raw);

    inv = sample();
    inv.member_count = 1;
    assert_int_equal(ct_invite_ics(&inv, 0, &ics, &err), CT_EDATA);
    inv.member_count = 4;
    assert_int_equal(ct_invite_ics(&inv, 0, &ics, &err), CT_EDATA);

    inv = sample();
    inv.members[1].timezone = "Mars/Base";
    assert_int_equal(ct_invite_ics(&inv, 0, &ics, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "Mars/Base"));

    inv = sample();
    assert_int_equal(ct_invite_ics(&inv, 2, &ics, &err), CT_EUSAGE);
    assert_int_equal(ct_invite_message(&inv, 0, "no-at-sign", 0, &msg, &err), CT_EUSAGE);
    assert_int_equal(ct_invite_message(&inv, 0, "a b@example.org", 0, &msg, &err), CT_EUSAGE);
    assert_int_equal(ct_invite_message(&inv, 0, "a>@example.org", 0, &msg, &err), CT_EUSAGE);

    /* A name of control characters only: the address stands in for it. */
    inv.members[1].name = "\r\n\t";
    assert_int_equal(ct_invite_message(&inv, 0, "i@example.org", 0, &msg, &err), CT_OK);
    assert_non_null(strstr(msg.raw, "\r\nSubject: Coffee Trial: coffee with bo@b.example\r\n"));
    assert_non_null(strstr(msg.ics, "CN=bo@b.example"));
    ct_invite_message_clear(&msg);

    /* Invalid UTF-8 in a name becomes U+FFFD, never raw bytes. */
    inv.members[1].name = "Bad \xff\xfe\xc3 bytes \xed\xa0\x80";
    assert_int_equal(ct_invite_ics(&inv, 0, &ics, &err), CT_OK);
    assert_non_null(strstr(ics, "CN=Bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd bytes "));
    assert_null(strchr(ics, '\xff'));
    free(ics);
}

static void
test_clean_line(void **state)
{
    char *s = ct_invite_clean_line("a\r\nb\tc\x1b[0m\x7f \xc2\x85\xe2\x80\xa8z \xc3\xa9");

    assert_string_equal(s, "a  b c [0m    z \xc3\xa9");
    free(s);
    s = ct_invite_clean_line(NULL);
    assert_string_equal(s, "");
    free(s);
}

static void
test_message_ids(void **state)
{
    char *a = ct_invite_message_id("u-1@example.org", "Ana@A.example", 0, "request",
                                   "coffee@Example.ORG");
    char *b = ct_invite_message_id("u-1@example.org", "ana@a.example", 0, "request",
                                   "coffee@example.org");
    char *c =
        ct_invite_message_id("u-1@example.org", "bo@b.example", 0, "request", "coffee@example.org");
    char *d = ct_invite_message_id("u-1@example.org", "ana@a.example", 1, "request",
                                   "coffee@example.org");
    char *e =
        ct_invite_message_id("u-1@example.org", "ana@a.example", 1, "cancel", "coffee@example.org");
    char *f = ct_invite_message_id("weird <uid>\r\n", "ana@a.example", 0, "notice", NULL);
    char *u = ct_invite_uid("Coffee Trial", "2026-03-02", 17, "coffee@example.org");
    char *u2 = ct_invite_uid("Other network", "2026-03-02", 17, "coffee@example.org");

    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    assert_string_not_equal(d, e);
    assert_true(strncmp(a, "u-1-request0-", 13) == 0);
    assert_non_null(strstr(a, "@example.org"));
    assert_null(strpbrk(f, " <>\r\n"));
    assert_non_null(strstr(f, "@coffeetrial.invalid"));
    assert_true(strncmp(u, "coffeetrial-2026-03-02-g17-", 27) == 0);
    assert_non_null(strstr(u, "@example.org"));
    assert_string_not_equal(u, u2);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(f);
    free(u);
    free(u2);
}

static void
test_pause_notice(void **state)
{
    struct ct_invite_notice n;
    struct ct_invite_message msg;
    char *subject, *text, names[256];

    assert_int_equal(ct_invite_pause_notice("Coffee Trial", "Sam", "coffee@example.org",
                                            "Ana\r\nBcc: x@y.example", 3, &subject, &text, NULL),
                     CT_OK);
    assert_non_null(strstr(text, "last 3 Coffee Trial invitations"));
    assert_non_null(strstr(text, "reply to this message"));
    memset(&n, 0, sizeof(n));
    n.network = "Coffee Trial";
    n.organiser_name = "Sam";
    n.organiser_email = "coffee@example.org";
    n.recipient_name = "Ana\r\nBcc: x@y.example";
    n.recipient_email = "ana@a.example";
    n.subject = subject;
    n.text = text;
    assert_int_equal(ct_invite_notice(&n, "n@example.org", DTSTAMP, &msg, NULL), CT_OK);
    header_names(msg.raw, names, sizeof(names));
    assert_string_equal(names, "From,To,Subject,Date,Message-ID,MIME-Version,Content-Type,"
                               "Content-Transfer-Encoding,");
    assert_non_null(strstr(msg.raw, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_null(msg.html);
    assert_null(msg.ics);
    assert_null(msg.method);
    check_lines(msg.raw, 998, 0);
    assert_null(strstr(msg.text, "\r\nBcc"));
    assert_non_null(strstr(msg.text, "Hello Ana  Bcc: x@y.example,\r\n"));
    ct_invite_message_clear(&msg);
    n.recipient_email = "bad address";
    assert_int_equal(ct_invite_notice(&n, "n@example.org", DTSTAMP, &msg, NULL), CT_EDATA);
    free(subject);
    free(text);
}

/* A member's own UID: the group's, a dash, 32 base32 characters (160 bits), the domain. */
static void
test_member_uid(void **state)
{
    static const char group_uid[] = "coffeetrial-2026-03-02-g17-4f2a9c1e@example.org";
    unsigned char secret[CT_INVITE_UID_SECRET];
    char *a, *b, *c;
    size_t i;

    (void)state;
    assert_true(CT_INVITE_UID_SECRET * 8 >= 128);
    memset(secret, 0, sizeof(secret));
    a = ct_invite_member_uid(group_uid, secret, sizeof(secret));
    assert_non_null(a);
    assert_string_equal(a, "coffeetrial-2026-03-02-g17-4f2a9c1e-"
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org");
    secret[19] = 1; /* one bit differs: a different UID */
    b = ct_invite_member_uid(group_uid, secret, sizeof(secret));
    assert_non_null(b);
    assert_string_not_equal(a, b);
    assert_string_equal(b, "coffeetrial-2026-03-02-g17-4f2a9c1e-"
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab@example.org");
    for (i = 0; i < sizeof(secret); i++)
        secret[i] = (unsigned char)(0xff - i * 7);
    c = ct_invite_member_uid(group_uid, secret, sizeof(secret));
    assert_non_null(c);
    assert_int_equal(strlen(c), strlen(group_uid) + 1 + 32);
    for (i = strlen("coffeetrial-2026-03-02-g17-4f2a9c1e-"); c[i] != '@'; i++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", c[i]));
    assert_null(ct_invite_member_uid("no-at-sign", secret, sizeof(secret)));
    assert_null(ct_invite_member_uid(group_uid, secret, 0));
    free(a);
    free(b);
    free(c);
}

/* ics with its folded lines joined again, in place. */
static char *
unfold(char *ics)
{
    char *r = ics, *w = ics;

    while (*r) {
        if (r[0] == '\r' && r[1] == '\n' && r[2] == ' ')
            r += 3;
        else
            *w++ = *r++;
    }
    *w = '\0';
    return ics;
}

/*
 * An updated REQUEST keeps each member's recorded answer: RSVP=FALSE once
 * answered, so calendars do not ask again; SUMMARY stays the event's own
 * title while the Subject says "Updated:"; {uid} in templates is the group's.
 */
static void
test_update_keeps_answers(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    char *ics;

    (void)state;
    inv.group_uid = inv.uid;
    inv.uid = "coffeetrial-2026-03-02-g17-4f2a9c1e-abcdefghijklmnopqrstuvwxyz234567@example.org";
    inv.sequence = 2;
    inv.answers[0] = CT_PARTSTAT_ACCEPTED;
    assert_int_equal(ct_invite_ics(&inv, 1, &ics, NULL), CT_OK);
    unfold(ics);
    assert_non_null(strstr(ics, "PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:ana@a.example"));
    assert_non_null(strstr(ics, "PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bo@b.example"));
    assert_non_null(strstr(ics, "\r\nSUMMARY:Coffee Trial: coffee with Ana \xc3\x81vila\r\n"));
    assert_non_null(strstr(ics, "\r\nUID:coffeetrial-2026-03-02-g17-4f2a9c1e-abcdefghij"));
    assert_non_null(strstr(ics, "URL:https://meet.example.org/coffeetrial-2026-03-02-g17-4f2a9c1e"
                                "%40example.org"));
    free(ics);
    inv.answers[1] = CT_PARTSTAT_DECLINED;
    inv.answers[0] = CT_PARTSTAT_TENTATIVE;
    assert_int_equal(ct_invite_message(&inv, 1, "m1@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_string_equal(msg.subject, "Updated: Coffee Trial: coffee with Ana \xc3\x81vila");
    unfold(msg.ics);
    assert_non_null(strstr(msg.ics, "PARTSTAT=TENTATIVE;RSVP=FALSE:mailto:ana@a.example"));
    assert_non_null(strstr(msg.ics, "PARTSTAT=DECLINED;RSVP=FALSE:mailto:bo@b.example"));
    assert_null(strstr(msg.ics, "SUMMARY:Updated"));
    ct_invite_message_clear(&msg);
    inv.method = CT_INVITE_CANCEL;
    assert_int_equal(ct_invite_message(&inv, 1, "m2@example.org", DTSTAMP, &msg, NULL), CT_OK);
    assert_string_equal(msg.subject, "Cancelled: Coffee Trial: coffee with Ana \xc3\x81vila");
    assert_null(strstr(msg.ics, "SUMMARY:Cancelled"));
    ct_invite_message_clear(&msg);
}

/* List-Unsubscribe: https then mailto, One-Click only with https; a link that
 * could add a header or leave an attribute is refused, never written. */
static void
test_list_unsubscribe(void **state)
{
    struct ct_invite_links l = {0};
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    struct ct_error err;
    char *h = NULL;
    static const char *const evil[] = {
        "https://x.example/u\r\nBcc: eve@example.org",
        "https://x.example/u>, <https://evil",
        "https://x.example/u v",
        "https://x.example/\"onmouseover=x",
        "javascript:alert(1)",
        "https://x.example/caf\xc3\xa9",
    };
    (void)state;

    assert_int_equal(ct_invite_list_unsubscribe(NULL, &h, &err), CT_OK);
    assert_string_equal(h, "");
    free(h);
    l.unsubscribe_mailto = "mailto:coffee@example.org?subject=unsubscribe";
    assert_int_equal(ct_invite_list_unsubscribe(&l, &h, &err), CT_OK);
    assert_string_equal(h, "List-Unsubscribe: <mailto:coffee@example.org?subject=unsubscribe>\r\n");
    free(h);
    l.unsubscribe = "https://c.example/unsubscribe/T0K.EN";
    assert_int_equal(ct_invite_list_unsubscribe(&l, &h, &err), CT_OK);
    assert_string_equal(h, "List-Unsubscribe: <https://c.example/unsubscribe/T0K.EN>,\r\n"
                           " <mailto:coffee@example.org?subject=unsubscribe>\r\n"
                           "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    free(h);
    for (size_t i = 0; i < CT_ARRAY_LEN(evil); i++) {
        struct ct_invite_links bad = l;
        bad.skip = evil[i];
        h = NULL;
        assert_int_equal(ct_invite_list_unsubscribe(&bad, &h, &err), CT_EDATA);
        assert_null(h);
        inv.links = &bad;
        assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, &err),
                         CT_EDATA);
        assert_null(msg.raw);
    }
    l.unsubscribe_mailto = "mailto:a@b\r\nX: y";
    assert_int_equal(ct_invite_list_unsubscribe(&l, &h, &err), CT_EDATA);
    /* In a message: the headers, and the links in both bodies but not the calendar. */
    l.unsubscribe_mailto = "mailto:coffee@example.org?subject=unsubscribe";
    l.skip = "https://c.example/skip/SK1P";
    l.stop = "https://c.example/stop/ST0P";
    inv.links = &l;
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, &err), CT_OK);
    assert_non_null(strstr(msg.raw, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    assert_non_null(strstr(msg.text, "https://c.example/skip/SK1P"));
    assert_non_null(strstr(msg.html, "href=\"https://c.example/stop/ST0P\""));
    assert_null(strstr(msg.ics, "SK1P"));
    ct_invite_message_clear(&msg);
    /* A cancellation offers no skip. */
    inv.method = CT_INVITE_CANCEL;
    inv.sequence = 1;
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, &err), CT_OK);
    assert_null(strstr(msg.text, "SK1P"));
    assert_non_null(strstr(msg.text, "ST0P"));
    ct_invite_message_clear(&msg);
}

/* The message a recipe makes is byte for byte the one made from the invitation itself. */
static void
check_recipe(const struct ct_invite *inv, size_t recipient, const char *message_id)
{
    struct ct_invite_message direct, built, again;
    struct ct_error err;
    struct ct_buf b;

    ct_buf_init(&b);
    assert_int_equal(ct_invite_message(inv, recipient, message_id, DTSTAMP + 7, &direct, &err),
                     CT_OK);
    assert_int_equal(ct_invite_recipe_encode(inv, recipient, message_id, DTSTAMP + 7, &b, &err),
                     CT_OK);
    /* Much smaller than the message it stands for. */
    assert_true(b.len * 4 < direct.raw_len);
    assert_int_equal(ct_invite_recipe_message(b.data, b.len, &built, &err), CT_OK);
    assert_int_equal(ct_invite_recipe_message(b.data, b.len, &again, &err), CT_OK);
    assert_int_equal(built.raw_len, direct.raw_len);
    assert_memory_equal(built.raw, direct.raw, direct.raw_len);
    assert_memory_equal(again.raw, direct.raw, direct.raw_len);
    assert_string_equal(built.text, direct.text);
    assert_string_equal(built.html, direct.html);
    assert_string_equal(built.ics, direct.ics);
    assert_string_equal(built.subject, direct.subject);
    assert_string_equal(built.recipient, direct.recipient);
    assert_string_equal(built.message_id, message_id);
    ct_invite_message_clear(&direct);
    ct_invite_message_clear(&built);
    ct_invite_message_clear(&again);
    ct_buf_free(&b);
}

/* [invite] opener: a lighter first question, before the prompts, in both bodies. */
static void
test_opener(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    struct ct_error err;
    const char *ice, *prompts;

    (void)state;
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, &err), CT_OK);
    assert_null(strstr(msg.text, "To break the ice"));
    ct_invite_message_clear(&msg);
    inv.opener = "What was the best <thing> about your week?";
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, &err), CT_OK);
    ice = strstr(msg.text, "To break the ice: What was the best <thing> about your week?");
    prompts = strstr(msg.text, "Some questions to start the conversation:");
    assert_non_null(ice);
    assert_non_null(prompts);
    assert_true(ice < prompts);
    assert_non_null(strstr(msg.html, "To break the ice: What was the best &lt;thing&gt;"));
    ct_invite_message_clear(&msg);
    inv.opener = "   ";
    assert_int_equal(ct_invite_message(&inv, 0, "id@example.org", DTSTAMP, &msg, &err), CT_OK);
    assert_null(strstr(msg.text, "To break the ice"));
    ct_invite_message_clear(&msg);
}

static void
test_recipe_round_trip(void **state)
{
    static const char *const one_reason[] = {"first meeting"};
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    struct ct_invite_recipe r;
    struct ct_error err;
    struct ct_buf b;
    size_t cut;
    char *subject = NULL;

    (void)state;
    check_recipe(&inv, 0, "m1@example.org");
    check_recipe(&inv, 1, "m2@example.org");
    /* Every optional field set: a trio, answers, prompts, templates, a note, a cancel. */
    inv.members[2] =
        (struct ct_invite_person){"cy@c.example", NULL, NULL, NULL, NULL, "Asia/Tokyo"};
    inv.member_count = 3;
    inv.answers[1] = CT_PARTSTAT_ACCEPTED;
    inv.group_uid = "coffeetrial-2026-03-02-g17@example.org";
    inv.sequence = 2;
    inv.prompts = "What surprised you this year?\nWhat do you wish others knew?";
    inv.opener = "What was the best thing about your week?";
    inv.greetings[2] = "Cee";
    inv.site = "North Site";
    inv.location_template = "Café at {site}";
    inv.links = &(const struct ct_invite_links){
        .skip = "https://c.example/skip/SK1P",
        .stop = "https://c.example/stop/ST0P",
        .unsubscribe = "https://c.example/unsubscribe/UN5",
        .unsubscribe_mailto = "mailto:coffee@example.org?subject=unsubscribe"};
    inv.subject_template = "Coffee with {names} ({date})";
    inv.reschedule_hint = "Reply to move it.";
    inv.note = "Bo can no longer come.";
    inv.reasons = one_reason;
    inv.reason_count = 1;
    check_recipe(&inv, 2, "m3@example.org");
    inv.method = CT_INVITE_CANCEL;
    inv.cancel_recipient_only = true;
    check_recipe(&inv, 1, "m4@example.org");
    /* The subject alone is the message's. */
    assert_int_equal(ct_invite_message(&inv, 1, "m4@example.org", DTSTAMP, &msg, &err), CT_OK);
    assert_int_equal(ct_invite_subject(&inv, 1, &subject, &err), CT_OK);
    assert_string_equal(subject, msg.subject);
    free(subject);
    ct_invite_message_clear(&msg);
    /* A damaged recipe is refused, whatever its length: never read past its end. */
    ct_buf_init(&b);
    assert_int_equal(ct_invite_recipe_encode(&inv, 1, "m4@example.org", DTSTAMP, &b, &err), CT_OK);
    for (cut = 0; cut < b.len; cut++) {
        void *copy = malloc(cut ? cut : 1);
        memcpy(copy, b.data, cut);
        assert_int_equal(ct_invite_recipe_decode(copy, cut, &r, &err), CT_EDATA);
        free(copy);
    }
    b.data[0] = 99;
    assert_int_equal(ct_invite_recipe_decode(b.data, b.len, &r, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "unknown version"));
    ct_buf_free(&b);
}

/* A group of four ([pairing] group_size = 4): one invitation lists all four, speaks to the four. */
static void
test_group_of_four(void **state)
{
    static const char *const why[] = {"first meeting", "different organisation"};
    struct ct_invite inv = sample();
    struct ct_invite_message msg;
    struct ct_invite_recipe r;
    struct ct_error err;
    struct ct_buf b;
    const char *p;
    size_t attendees = 0;

    (void)state;
    inv.members[2] = (struct ct_invite_person){"cy@c.example", "Cy", NULL, NULL, NULL, NULL};
    inv.members[3] = (struct ct_invite_person){"di@d.example", "Di", NULL, NULL, NULL, NULL};
    inv.member_count = 4;
    inv.reasons = why;
    inv.reason_count = 2;
    assert_int_equal(ct_invite_message(&inv, 3, "four@example.org", DTSTAMP, &msg, &err), CT_OK);
    for (p = msg.ics; (p = strstr(p, "ATTENDEE")) != NULL; p++)
        attendees++;
    assert_int_equal(attendees, 4);
    assert_non_null(strstr(msg.text, "brings the four of you together"));
    assert_non_null(strstr(msg.text, "Why the four of you"));
    assert_non_null(strstr(msg.text, "the others are looking forward to meeting you"));
    assert_null(strstr(msg.text, "your partner"));
    assert_string_equal(msg.recipient, "di@d.example");
    ct_invite_message_clear(&msg);
    check_recipe(&inv, 3, "four@example.org");
    /* The recipe counts its members: four decode, more than four are refused. */
    ct_buf_init(&b);
    assert_int_equal(ct_invite_recipe_encode(&inv, 3, "four@example.org", DTSTAMP, &b, &err),
                     CT_OK);
    assert_int_equal(ct_invite_recipe_decode(b.data, b.len, &r, &err), CT_OK);
    assert_int_equal(r.inv.member_count, 4);
    ct_invite_recipe_clear(&r);
    inv.member_count = 5;
    assert_int_equal(ct_invite_message(&inv, 0, "five@example.org", DTSTAMP, &msg, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "2 to 4 members, not 5"));
    ct_buf_free(&b);
}

/* Where text first occurs in recipe b at or after from; -1 if nowhere. */
static long
recipe_find(const struct ct_buf *b, size_t from, const char *text)
{
    size_t n = strlen(text), i;

    for (i = from; i + n <= b->len; i++)
        if (memcmp(b->data + i, text, n) == 0)
            return (long)i;
    return -1;
}

static bool
recipe_holds(const struct ct_buf *b, const char *text)
{
    return recipe_find(b, 0, text) >= 0;
}

/*
 * Version 2 recipes store the strings many messages share (the default
 * prompts, the reasons in the members' words) and the ones the recipe
 * already holds (a time zone) as references, and make the same message.
 */
static void
test_recipe_shared_strings(void **state)
{
    static const char *const words[] = {"you work in different teams",
                                        "you have no contacts in common yet"};
    struct ct_invite inv = sample();
    struct ct_invite_recipe r;
    struct ct_error err;
    struct ct_buf b;
    long tz;

    (void)state;
    inv.prompts = CT_INVITE_DEFAULT_PROMPTS;
    inv.reschedule_hint = CT_INVITE_DEFAULT_RESCHEDULE;
    inv.reasons = words;
    inv.reason_count = 2;
    inv.members[0].timezone = "America/New_York"; /* as the second member's */
    /* Links that start alike: their public_url is stored once. */
    inv.links = &(const struct ct_invite_links){
        .skip = "https://coffee.example.net/skip/SK1P",
        .pause = "https://coffee.example.net/pause/PA5E",
        .stop = "https://coffee.example.net/stop/ST0P",
        .unsubscribe = "https://coffee.example.net/unsubscribe/UN5",
        .unsubscribe_mailto = "mailto:coffee@example.org?subject=unsubscribe"};
    check_recipe(&inv, 0, "m1@example.org");
    ct_buf_init(&b);
    assert_int_equal(ct_invite_recipe_encode(&inv, 0, "m1@example.org", DTSTAMP, &b, &err), CT_OK);
    assert_false(recipe_holds(&b, "What part of your work"));
    assert_false(recipe_holds(&b, "Propose new time"));
    assert_false(recipe_holds(&b, "different teams"));
    assert_false(recipe_holds(&b, "Europe/London"));
    assert_true(recipe_holds(&b, "https://coffee.example.net/skip/SK1P"));
    assert_false(recipe_holds(&b, "https://coffee.example.net/pause"));
    assert_true(recipe_holds(&b, "pause/PA5E"));
    tz = recipe_find(&b, 0, "America/New_York");
    assert_true(tz > 0);
    assert_int_equal(recipe_find(&b, (size_t)tz + 1, "America/New_York"), -1);
    /* Decoded, the references are the strings again. */
    assert_int_equal(ct_invite_recipe_decode(b.data, b.len, &r, &err), CT_OK);
    assert_string_equal(r.inv.prompts, CT_INVITE_DEFAULT_PROMPTS);
    assert_string_equal(r.inv.reasons[1], "you have no contacts in common yet");
    assert_string_equal(r.inv.members[1].timezone, "America/New_York");
    assert_string_equal(r.inv.network_timezone, "Europe/London");
    assert_string_equal(r.inv.network, "Coffee Trial");
    assert_string_equal(r.inv.links->unsubscribe, "https://coffee.example.net/unsubscribe/UN5");
    ct_invite_recipe_clear(&r);
    ct_buf_free(&b);
    /* A reference past the strings read so far is a damaged recipe. */
    ct_buf_init(&b);
    ct_buf_putc(&b, 2);
    ct_buf_putc(&b, 0x7f); /* zigzag -64: nothing shared or read before has that index */
    assert_int_equal(ct_invite_recipe_decode(b.data, b.len, &r, &err), CT_EDATA);
    ct_buf_free(&b);
}

/*
 * The shared strings are frozen: a stored recipe names them by index, and a
 * resend must make the same bytes. This recipe pins the table's first
 * entries and their order.
 */
static void
test_recipe_shared_frozen(void **state)
{
    /* version 2; network: shared 3; its time zone: shared 14; organiser: shared 4 (zigzag) */
    static const unsigned char head[] = {2, 13, 57, 17};
    struct ct_invite inv = sample();
    struct ct_error err;
    struct ct_buf b;

    (void)state;
    inv.organiser_name = "Coffee Trial organiser";
    ct_buf_init(&b);
    assert_int_equal(ct_invite_recipe_encode(&inv, 0, "m1@example.org", DTSTAMP, &b, &err), CT_OK);
    assert_memory_equal(b.data, head, sizeof(head));
    ct_buf_free(&b);
}

/* Recipes stored before version 2 (every string spelled out) make the same message. */
static void
test_recipe_version1(void **state)
{
    struct ct_invite inv = sample();
    struct ct_invite_message direct, built;
    struct ct_invite_recipe r;
    struct ct_error err;
    struct ct_buf b;

    (void)state;
    /* Nothing shared or repeated: the version 2 bytes are version 1's but for the first. */
    inv.network = "Bay Coffee";
    inv.network_timezone = "Europe/Dublin";
    inv.members[0].timezone = "Europe/Paris";
    inv.reasons = NULL;
    inv.reason_count = 0;
    ct_buf_init(&b);
    assert_int_equal(ct_invite_recipe_encode(&inv, 1, "m9@example.org", DTSTAMP, &b, &err), CT_OK);
    b.data[0] = 1;
    assert_int_equal(ct_invite_message(&inv, 1, "m9@example.org", DTSTAMP, &direct, &err), CT_OK);
    assert_int_equal(ct_invite_recipe_message(b.data, b.len, &built, &err), CT_OK);
    assert_int_equal(built.raw_len, direct.raw_len);
    assert_memory_equal(built.raw, direct.raw, direct.raw_len);
    ct_invite_message_clear(&direct);
    ct_invite_message_clear(&built);
    ct_buf_free(&b);
    /* A version 1 recipe has no references. */
    ct_buf_init(&b);
    ct_buf_putc(&b, 1);
    ct_buf_putc(&b, 7);
    assert_int_equal(ct_invite_recipe_decode(b.data, b.len, &r, &err), CT_EDATA);
    ct_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_request_and_cancel),
        cmocka_unit_test(test_folding_never_splits_utf8),
        cmocka_unit_test(test_header_injection),
        cmocka_unit_test(test_rfc2047_names),
        cmocka_unit_test(test_mime_structure),
        cmocka_unit_test(test_why_in_one_sentence),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_clean_line),
        cmocka_unit_test(test_message_ids),
        cmocka_unit_test(test_pause_notice),
        cmocka_unit_test(test_member_uid),
        cmocka_unit_test(test_update_keeps_answers),
        cmocka_unit_test(test_list_unsubscribe),
        cmocka_unit_test(test_recipe_round_trip),
        cmocka_unit_test(test_group_of_four),
        cmocka_unit_test(test_recipe_shared_strings),
        cmocka_unit_test(test_recipe_shared_frozen),
        cmocka_unit_test(test_recipe_version1),
        cmocka_unit_test(test_opener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
