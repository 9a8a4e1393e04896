/*
 * test_reply.c: reading iTIP replies: the fixture mails of every client
 * shape (through the MIME walker, as the fetch does), COUNTER, REQUEST and
 * garbage refused, libical parse errors that matter and those that do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mime_parse.h"
#include "reply.h"
#include "util.h"

/* Parse the first calendar of a fixture; st is what ct_reply_parse returned. */
static struct ct_reply *
fixture_reply(const char *name, enum ct_status want, char *why, size_t why_size)
{
    struct ct_mime_message *msg = NULL;
    struct ct_reply *reply = NULL;
    struct ct_error err;
    char *path = ct_asprintf("%s/tests/data/replies/%s", CT_SRC, name);
    char *data = NULL;
    size_t len = 0;

    ct_error_clear(&err);
    assert_int_equal(ct_file_read(path, 1 << 20, &data, &len, &err), CT_OK);
    assert_int_equal(ct_mime_parse(data, len, &msg, &err), CT_OK);
    assert_true(msg->calendar_count >= 1);
    if (ct_reply_parse(msg->calendars[0], &reply, &err) != want)
        fail_msg("%s: %s", name, err.message);
    if (why)
        snprintf(why, why_size, "%s", err.message);
    ct_mime_message_free(msg);
    free(data);
    free(path);
    return reply;
}

static struct ct_reply *
text_reply(const char *text, enum ct_status want, char *why, size_t why_size)
{
    struct ct_reply *reply = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_reply_parse(text, &reply, &err) != want)
        fail_msg("%s", err.message);
    if (why)
        snprintf(why, why_size, "%s", err.message);
    return reply;
}

/* One fixture, one event, one attendee: check what a recorder would read. */
static void
check_single(const char *file, const char *uid, int sequence, int64_t dtstamp, const char *email,
             const char *name, enum ct_partstat partstat)
{
    struct ct_reply *r = fixture_reply(file, CT_OK, NULL, 0);
    const struct ct_reply_event *ev;

    assert_int_equal(r->method, CT_REPLY_METHOD_REPLY);
    assert_int_equal(r->event_count, 1);
    ev = &r->events[0];
    assert_string_equal(ev->uid, uid);
    assert_int_equal(ev->sequence, sequence);
    assert_int_equal(ev->dtstamp, dtstamp);
    assert_int_equal(ev->attendee_count, 1);
    assert_string_equal(ev->attendees[0].email, email);
    if (name)
        assert_string_equal(ev->attendees[0].name, name);
    else
        assert_null(ev->attendees[0].name);
    assert_int_equal(ev->attendees[0].partstat, partstat);
    ct_reply_free(r);
}

#define G1 "ct-1-1-7f3a9c@coffee.example"
#define G2 "ct-1-2-0b81e4@coffee.example"
#define G3 "ct-1-3-5ad2f0@coffee.example"

static void
test_client_shapes(void **state)
{
    /* 2026-12-02T09:15:12Z etc., as Unix seconds */
    check_single("01-outlook-accepted.eml", G1, 0, 1796202912, "Ana@NHS-A.example", "Ana Silva",
                 CT_PARTSTAT_ACCEPTED);
    check_single("02-gmail-declined.eml", G1, 0, 1796205764, "bo@uni-b.example", "Bo Chen",
                 CT_PARTSTAT_DECLINED);
    check_single("03-apple-tentative.eml", G2, 1, 1796210431, "cy@trust-c.example", "Cy Okafor",
                 CT_PARTSTAT_TENTATIVE);
    check_single("04-thunderbird-accepted.eml", G2, 1, 1796212869, "dee@council-d.example",
                 "Dee Patel", CT_PARTSTAT_ACCEPTED);
    check_single("05-latin1-accepted.eml", G3, 0, 1796285700, "jose@clinic-e.example",
                 "Jos\xc3\xa9 M\xc3\xbcller", CT_PARTSTAT_ACCEPTED);
    check_single("06-ics-attachment-accepted.eml", G3, 0, 1796288400, "fay@charity-f.example",
                 "Fay Kowalski", CT_PARTSTAT_ACCEPTED);
    check_single("07-old-sequence-declined.eml", G2, 0, 1796144400, "cy@trust-c.example", NULL,
                 CT_PARTSTAT_DECLINED);
    check_single("09-non-attendee.eml", G1, 0, 1796216400, "zed@elsewhere.example", "Zed Forwarded",
                 CT_PARTSTAT_ACCEPTED);
    check_single("14-later-declined.eml", G2, 1, 1796374800, "dee@council-d.example", "Dee Patel",
                 CT_PARTSTAT_DECLINED);
}

static void
test_details(void **state)
{
    struct ct_reply *r;

    /* Outlook's COMMENT ends in an escaped newline; it is trimmed. */
    r = fixture_reply("01-outlook-accepted.eml", CT_OK, NULL, 0);
    assert_string_equal(r->events[0].comment, "Looking forward to it!");
    assert_int_equal(r->warnings, 0);
    ct_reply_free(r);
    /* Gmail's empty LOCATION: libical complains, the reply is still good. */
    r = fixture_reply("02-gmail-declined.eml", CT_OK, NULL, 0);
    assert_int_equal(r->warnings, 1);
    ct_reply_free(r);
    r = fixture_reply("05-latin1-accepted.eml", CT_OK, NULL, 0);
    assert_string_equal(r->events[0].comment, "Gerne! Bis Mittwoch, Gr\xc3\xbc\xc3\x9f"
                                              "e");
    ct_reply_free(r);
}

static void
test_counter(void **state)
{
    struct ct_reply *r = fixture_reply("08-counter-nested-cp1252.eml", CT_OK, NULL, 0);
    const struct ct_reply_event *ev = &r->events[0];

    assert_int_equal(r->method, CT_REPLY_METHOD_COUNTER);
    assert_string_equal(ev->uid, G3);
    assert_int_equal(ev->proposed_start, 1797001200); /* 2026-12-11T15:00:00Z */
    assert_int_equal(ev->proposed_end, 1797003000);
    assert_string_equal(ev->attendees[0].email, "fay@charity-f.example");
    assert_non_null(strstr(ev->comment, "can\xe2\x80\x99t"));
    ct_reply_free(r);

    /* A proposal in a zone the calendar defines: 10:00 in GMT Standard Time in December. */
    r = text_reply("BEGIN:VCALENDAR\nMETHOD:COUNTER\nBEGIN:VTIMEZONE\nTZID:GMT Standard Time\n"
                   "BEGIN:STANDARD\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\n"
                   "TZOFFSETTO:+0000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n"
                   "BEGIN:DAYLIGHT\nDTSTART:16010101T010000\nTZOFFSETFROM:+0000\n"
                   "TZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\n"
                   "END:VTIMEZONE\nBEGIN:VEVENT\nUID:u\n"
                   "DTSTART;TZID=GMT Standard Time:20260610T100000\nDURATION:PT30M\n"
                   "ATTENDEE;PARTSTAT=TENTATIVE:mailto:a@b.example\nEND:VEVENT\nEND:VCALENDAR\n",
                   CT_OK, NULL, 0);
    /* June: British Summer Time, so 09:00Z */
    assert_int_equal(r->events[0].proposed_start, 1781082000);
    assert_int_equal(r->events[0].proposed_end, 1781082000 + 1800);
    ct_reply_free(r);
}

/* A COUNTER's TZID: an IANA name without a VTIMEZONE, and a name that is a path. */
static void
test_counter_zone_names(void **state)
{
    char dir[] = "/tmp/ct-reply-XXXXXX", *fifo, *text;
    struct ct_reply *r;

    r = text_reply("BEGIN:VCALENDAR\nMETHOD:COUNTER\nBEGIN:VEVENT\nUID:u\n"
                   "DTSTART;TZID=Europe/London:20260610T100000\n"
                   "DTEND;TZID=Europe/London:20260610T103000\n"
                   "ATTENDEE;PARTSTAT=TENTATIVE:mailto:a@b.example\nEND:VEVENT\nEND:VCALENDAR\n",
                   CT_OK, NULL, 0);
    assert_int_equal(r->events[0].proposed_start, 1781082000); /* 09:00Z, summer time */
    assert_int_equal(r->events[0].proposed_end, 1781082000 + 1800);
    ct_reply_free(r);

    /*
     * A TZID that climbs out of the zoneinfo directory to a FIFO: libical's
     * own lookup opened it and waited for a writer for ever. It is no zone,
     * so the time reads as UTC; the alarm turns a hang into a failure.
     */
    assert_non_null(mkdtemp(dir));
    fifo = ct_asprintf("%s/zone", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    text = ct_asprintf("BEGIN:VCALENDAR\nMETHOD:COUNTER\nBEGIN:VEVENT\nUID:u\n"
                       "DTSTART;TZID=\"../../../../../../../..%s\":20260610T100000\n"
                       "DURATION:PT30M\nATTENDEE;PARTSTAT=TENTATIVE:mailto:a@b.example\n"
                       "END:VEVENT\nEND:VCALENDAR\n",
                       fifo);
    alarm(10);
    r = text_reply(text, CT_OK, NULL, 0);
    alarm(0);
    assert_int_equal(r->events[0].proposed_start, 1781085600); /* 10:00Z */
    assert_int_equal(r->events[0].proposed_end, 1781085600 + 1800);
    ct_reply_free(r);
    unlink(fifo);
    rmdir(dir);
    free(fifo);
    free(text);
}

static void
test_refused(void **state)
{
    char why[CT_ERROR_MAX];
    struct ct_reply *r;

    r = fixture_reply("11-request-not-reply.eml", CT_EDATA, why, sizeof(why));
    assert_null(r);
    assert_string_equal(why, "METHOD:REQUEST is not a reply");

    r = text_reply("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:u\nATTENDEE:mailto:a@b.example\n"
                   "END:VEVENT\nEND:VCALENDAR\n",
                   CT_EDATA, why, sizeof(why));
    assert_string_equal(why, "no METHOD: not an iTIP reply");
    r = text_reply("BEGIN:VCALENDAR\nMETHOD:CANCEL\nEND:VCALENDAR\n", CT_EDATA, why, sizeof(why));
    assert_string_equal(why, "METHOD:CANCEL is not a reply");
    r = text_reply("hello", CT_EDATA, why, sizeof(why));
    assert_non_null(strstr(why, "not an iCalendar object"));
    r = text_reply("", CT_EDATA, NULL, 0);
    /* Truncated: no UID, no END lines. */
    r = text_reply("BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\n"
                   "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\n",
                   CT_EDATA, why, sizeof(why));
    r = text_reply(
        "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u\nEND:VEVENT\nEND:VCALENDAR\n", CT_EDATA,
        why, sizeof(why));
    assert_string_equal(why, "no VEVENT with a UID and an ATTENDEE");
    /* BEGIN and END must pair up before libical sees the text (it prints otherwise). */
    r = text_reply("BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u\n"
                   "ATTENDEE:mailto:a@b.example\nEND:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n",
                   CT_EDATA, why, sizeof(why));
    assert_string_equal(why, "END:VEVENT does not close BEGIN:VCALENDAR");
    r = text_reply("END:VEVENT\nBEGIN:VCALENDAR\nEND:VCALENDAR\n", CT_EDATA, why, sizeof(why));
    assert_string_equal(why, "END:VEVENT does not close any BEGIN");
    r = text_reply("BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u\n", CT_EDATA, why,
                   sizeof(why));
    assert_string_equal(why, "BEGIN:VEVENT is never closed (truncated?)");
    r = text_reply("BEGIN:VCALENDAR\nBEGIN:A\nBEGIN:B\nBEGIN:C\nBEGIN:D\nBEGIN:E\nBEGIN:F\n"
                   "BEGIN:G\nBEGIN:H\n",
                   CT_EDATA, why, sizeof(why));
    assert_string_equal(why, "components nested more than 8 deep");
    /* Names compare without regard to case, as libical does. */
    r = text_reply("begin:vcalendar\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u\n"
                   "ATTENDEE:mailto:a@b.example\nend:vevent\nEND:VCALENDAR\n",
                   CT_OK, NULL, 0);
    ct_reply_free(r);
}

static void
test_parse_errors(void **state)
{
    static const char head[] = "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u\n"
                               "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\n";
    static const char tail[] = "END:VEVENT\nEND:VCALENDAR\n";
    static const struct {
        const char *line;
        enum ct_status want;
    } cases[] = {
        {"LOCATION:", CT_OK},                               /* Gmail */
        {"RRULE:FREQ=BOGUS", CT_OK},                        /* a property we do not read */
        {"X-FOO:bar", CT_OK},                               /* fine anyway */
        {"DTSTAMP:notatime", CT_EDATA},                     /* we read DTSTAMP */
        {"ATTENDEE;PARTSTAT=DECLINED:", CT_EDATA},          /* an answer we could not read */
        {"ATTENDEE;PARTSTAT:mailto:x@y.example", CT_EDATA}, /* a parameter libical dropped */
        {"JUSTTEXT", CT_EDATA},                             /* a line without a name */
    };
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(cases); i++) {
        char *text = ct_asprintf("%s%s\n%s", head, cases[i].line, tail);
        struct ct_reply *r = NULL;
        struct ct_error err;
        enum ct_status st = ct_reply_parse(text, &r, &err);
        if (st != cases[i].want)
            fail_msg("%s: got %s (%s)", cases[i].line, ct_status_str(st),
                     st == CT_OK ? "" : err.message);
        ct_reply_free(r);
        free(text);
    }
}

static void
test_events_and_attendees(void **state)
{
    struct ct_reply *r;

    /* CR LF, CR CR LF (quoted-printable "=0D") and LF line ends all read the same. */
    r = text_reply("BEGIN:VCALENDAR\r\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:first\n"
                   "SEQUENCE:3\nATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"MAILTO:x@y.example\":"
                   "MAILTO: a@b.example \n"
                   "ATTENDEE:mailto:c@d.example\nEND:VEVENT\nBEGIN:VEVENT\nATTENDEE:mailto:e@f\n"
                   "END:VEVENT\nBEGIN:VEVENT\nUID:third\nSEQUENCE:-4\n"
                   "ATTENDEE;PARTSTAT=IN-PROCESS:mailto:g@h.example\nEND:VEVENT\nEND:VCALENDAR\n",
                   CT_OK, NULL, 0);
    assert_int_equal(r->event_count, 2); /* the one without UID is skipped */
    assert_string_equal(r->events[0].uid, "first");
    assert_int_equal(r->events[0].sequence, 3);
    assert_int_equal(r->events[0].dtstamp, 0);
    assert_int_equal(r->events[0].attendee_count, 2);
    assert_string_equal(r->events[0].attendees[0].email, "a@b.example");
    assert_int_equal(r->events[0].attendees[0].partstat, CT_PARTSTAT_DELEGATED);
    assert_string_equal(r->events[0].attendees[0].delegated_to, "x@y.example");
    assert_int_equal(r->events[0].attendees[1].partstat, CT_PARTSTAT_NEEDS_ACTION);
    assert_string_equal(r->events[1].uid, "third");
    assert_int_equal(r->events[1].sequence, 0);
    assert_int_equal(r->events[1].attendees[0].partstat, CT_PARTSTAT_OTHER);
    ct_reply_free(r);
}

static void
test_names_and_addresses(void **state)
{
    assert_string_equal(ct_reply_partstat_name(CT_PARTSTAT_NEEDS_ACTION), "NEEDS-ACTION");
    assert_string_equal(ct_reply_partstat_name((enum ct_partstat)99), "OTHER");
    assert_int_equal(ct_reply_partstat_parse("accepted"), CT_PARTSTAT_ACCEPTED);
    assert_int_equal(ct_reply_partstat_parse("X-MAYBE"), CT_PARTSTAT_OTHER);
    assert_string_equal(ct_reply_method_name(CT_REPLY_METHOD_COUNTER), "COUNTER");
    assert_string_equal(ct_reply_strip_mailto(" MailTo:ana@a.example"), "ana@a.example");
    assert_true(ct_reply_address_eq("MAILTO:Ana@NHS-A.example ", "ana@nhs-a.example"));
    assert_true(ct_reply_address_eq("mailto:a@b", "mailto:A@B"));
    assert_false(ct_reply_address_eq("mailto:a@b", "mailto:a@bc"));
    assert_false(ct_reply_address_eq("", "a@b"));
}

/* Comments are kept without control characters, at most 2,000 characters, cut on a character. */
static void
test_comment_cleaned(void **state)
{
    struct ct_buf b;
    char *c;
    size_t i, chars;

    (void)state;
    c = ct_reply_clean_comment("  Bell\a and \x1b[31mred\x1b[0m\r\n\tnext\xc2\x85 line\x7f  ");
    assert_non_null(c);
    assert_string_equal(c, "Bell and [31mred[0m next line");
    free(c);
    c = ct_reply_clean_comment("bad \xff\xfe utf-8 \xe2\x82 ok \xe2\x82\xac");
    assert_string_equal(c, "bad utf-8 ok \xe2\x82\xac");
    free(c);
    /* 3,000 two-byte characters: 2,000 kept, never half of one. */
    ct_buf_init(&b);
    for (i = 0; i < 3000; i++)
        ct_buf_puts(&b, "\xc3\xa9");
    c = ct_reply_clean_comment(b.data);
    assert_int_equal(strlen(c), 4000);
    free(c);
    /* Mixed widths: count characters, not bytes. */
    ct_buf_free(&b);
    ct_buf_init(&b);
    for (i = 0; i < 1500; i++)
        ct_buf_puts(&b, "a\xf0\x9f\x98\x80");
    c = ct_reply_clean_comment(b.data);
    for (i = 0, chars = 0; c[i]; i++)
        chars += ((unsigned char)c[i] & 0xC0) != 0x80;
    assert_int_equal(chars, CT_REPLY_MAX_COMMENT);
    assert_int_equal(strlen(c), 1000 * 5);
    free(c);
    ct_buf_free(&b);
}

/* A parsed reply's COMMENT is the cleaned one. */
static void
test_comment_in_reply(void **state)
{
    struct ct_reply *r = NULL;
    struct ct_error err;
    const char *text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REPLY\r\n"
                       "BEGIN:VEVENT\r\nUID:u@x\r\nDTSTAMP:20261202T112031Z\r\n"
                       "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.example\r\n"
                       "COMMENT:one\\ntwo\x01\x1b three\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    (void)state;
    assert_int_equal(ct_reply_parse(text, &r, &err), CT_OK);
    assert_string_equal(r->events[0].comment, "one two three");
    ct_reply_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_shapes),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_counter),
        cmocka_unit_test(test_counter_zone_names),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_events_and_attendees),
        cmocka_unit_test(test_names_and_addresses),
        cmocka_unit_test(test_comment_cleaned),
        cmocka_unit_test(test_comment_in_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
