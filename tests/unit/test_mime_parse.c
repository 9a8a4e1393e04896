/*
 * test_mime_parse.c: the MIME walker: transfer encodings, charsets, RFC 2047
 * words, addresses, and finding calendar parts in the layouts real clients
 * send (tests/data/replies/) and in hostile ones (depth, part count).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime_parse.h"
#include "util.h"

static struct ct_mime_message *
parse_text(const char *text)
{
    struct ct_mime_message *msg = NULL;
    struct ct_error err;

    assert_int_equal(ct_mime_parse(text, strlen(text), &msg, &err), CT_OK);
    assert_non_null(msg);
    return msg;
}

static struct ct_mime_message *
parse_fixture(const char *name)
{
    struct ct_mime_message *msg = NULL;
    struct ct_error err;
    char *path = ct_asprintf("%s/tests/data/replies/%s", CT_SRC, name);
    char *data = NULL;
    size_t len = 0;

    assert_non_null(path);
    assert_int_equal(ct_file_read(path, 1 << 20, &data, &len, &err), CT_OK);
    assert_int_equal(ct_mime_parse(data, len, &msg, &err), CT_OK);
    free(data);
    free(path);
    return msg;
}

static void
test_base64(void **state)
{
    size_t n;
    char *s;

    s = ct_mime_decode_base64("SGVs\r\nbG8=", 10, &n);
    assert_int_equal(n, 5);
    assert_string_equal(s, "Hello");
    free(s);
    /* junk is skipped, padding ends a chunk and a new one may follow */
    s = ct_mime_decode_base64("S!G*k=SGk=", 10, &n);
    assert_string_equal(s, "HiHi");
    free(s);
    s = ct_mime_decode_base64("", 0, &n);
    assert_int_equal(n, 0);
    free(s);
    s = ct_mime_decode_base64("AA==", 4, &n);
    assert_int_equal(n, 1);
    assert_int_equal(s[0], 0);
    free(s);
}

static void
test_quoted_printable(void **state)
{
    const char *in = "a=3Db=\r\nc=\nd= \r\ne=ZZ=4=";
    size_t n;
    char *s = ct_mime_decode_qp(in, strlen(in), &n);

    assert_string_equal(s, "a=bcde=ZZ=4");
    assert_int_equal(n, strlen(s));
    free(s);
    s = ct_mime_decode_qp("caf=C3=A9", 9, &n);
    assert_string_equal(s, "caf\xc3\xa9");
    free(s);
}

static void
test_charsets(void **state)
{
    char *s;

    s = ct_mime_to_utf8("ISO-8859-1", "Jos\xe9", 4, NULL);
    assert_string_equal(s, "Jos\xc3\xa9");
    free(s);
    s = ct_mime_to_utf8("\"windows-1252\"", "can\x92t \x80", 7, NULL);
    assert_string_equal(s, "can\xe2\x80\x99t \xe2\x82\xac");
    free(s);
    /* declared UTF-8 with a stray Latin-1 byte: that byte is read as windows-1252 */
    s = ct_mime_to_utf8("utf-8", "M\xc3\xbcller \xfc", 10, NULL);
    assert_string_equal(s, "M\xc3\xbcller \xc3\xbc");
    free(s);
    /* iconv for the rest: KOI8-R */
    s = ct_mime_to_utf8("koi8-r", "\xc1", 1, NULL);
    assert_string_equal(s, "\xd0\xb0");
    free(s);
    /* UTF-16 with a BOM; the NULs of the encoding do not survive as bytes */
    s = ct_mime_to_utf8("UTF-16", "\xff\xfeO\0K\0", 6, NULL);
    assert_string_equal(s, "OK");
    free(s);
    /* unknown or unsafe names fall back to UTF-8-else-windows-1252 */
    s = ct_mime_to_utf8("x-no-such-charset", "ok\xe9", 3, NULL);
    assert_string_equal(s, "ok\xc3\xa9");
    free(s);
    s = ct_mime_to_utf8("utf-8//TRANSLIT", "ok", 2, NULL);
    assert_string_equal(s, "ok");
    free(s);
    /* NUL bytes are dropped, so the result is a usable C string */
    s = ct_mime_to_utf8(NULL, "a\0b", 3, NULL);
    assert_string_equal(s, "ab");
    free(s);
    /* overlong and surrogate encodings are not UTF-8 */
    s = ct_mime_to_utf8("utf-8", "\xc0\xaf\xed\xa0\x80", 5, NULL);
    assert_string_equal(s, "\xc3\x80\xc2\xaf\xc3\xad\xc2\xa0\xe2\x82\xac");
    free(s);
}

static void
test_header_words(void **state)
{
    char *s;

    s = ct_mime_decode_header("=?ISO-8859-1?Q?Jos=E9_M=FCller?=");
    assert_string_equal(s, "Jos\xc3\xa9 M\xc3\xbcller");
    free(s);
    /* white space between encoded words disappears, elsewhere it stays */
    s = ct_mime_decode_header("=?UTF-8?B?Sm9zw6k=?=  =?utf-8?q?_M=C3=BCller?= and  Fay");
    assert_string_equal(s, "Jos\xc3\xa9 M\xc3\xbcller and  Fay");
    free(s);
    /* RFC 2231 language suffix; broken words are left as text */
    s = ct_mime_decode_header("=?utf-8*en?Q?ok?= =?utf-8?X?no?= =?utf-8?B?not base64?=");
    assert_string_equal(s, "ok =?utf-8?X?no?= =?utf-8?B?not base64?=");
    free(s);
    /* control characters never reach a log line */
    s = ct_mime_decode_header("a\x1b[31mb=?utf-8?Q?=0Ax?=");
    assert_string_equal(s, "a [31mb x");
    free(s);
    s = ct_mime_decode_header("raw \xe9t\xe9");
    assert_string_equal(s, "raw \xc3\xa9t\xc3\xa9");
    free(s);
}

static void
check_address(const char *value, const char *addr, const char *name)
{
    char *a = NULL, *n = NULL;

    assert_int_equal(ct_mime_parse_address(value, &a, &n), CT_OK);
    assert_string_equal(a, addr);
    if (name)
        assert_string_equal(n, name);
    else
        assert_null(n);
    free(a);
    free(n);
}

static void
test_addresses(void **state)
{
    char *a = NULL, *n = NULL;

    check_address("\"Silva, Ana\" <ana@nhs-a.example>", "ana@nhs-a.example", "Silva, Ana");
    check_address("Ana Silva <Ana@NHS-A.example>", "Ana@NHS-A.example", "Ana Silva");
    check_address("<bo@b.example>", "bo@b.example", NULL);
    check_address("bo@b.example", "bo@b.example", NULL);
    check_address("bo@b.example (Bo Chen)", "bo@b.example", "Bo Chen");
    check_address("=?ISO-8859-1?Q?Jos=E9_M=FCller?= <jose@e.example>", "jose@e.example",
                  "Jos\xc3\xa9 M\xc3\xbcller");
    check_address("\"a \\\"quoted\\\" name\" <x@y.example>", "x@y.example", "a \"quoted\" name");
    check_address("Ana <ana@a.example>, Bo <bo@b.example>", "ana@a.example", "Ana");
    check_address("<@relay.example,@r2.example:user@host.example>", "user@host.example", NULL);
    check_address("Team: ana@a.example;", "ana@a.example", NULL);
    check_address("Odd (comment, with comma) <c@d.example>", "c@d.example", "Odd");
    assert_int_equal(ct_mime_parse_address("undisclosed-recipients:;", &a, &n), CT_EDATA);
    assert_null(a);
    assert_int_equal(ct_mime_parse_address("Just A Name", &a, &n), CT_EDATA);
    assert_int_equal(ct_mime_parse_address("", &a, NULL), CT_EDATA);
    assert_int_equal(ct_mime_parse_address("<@>", &a, NULL), CT_EDATA);
}

/* What each fixture holds: the sender and how many distinct calendars. */
static void
test_fixture_layouts(void **state)
{
    static const struct {
        const char *file, *from;
        size_t calendars;
    } cases[] = {
        {"01-outlook-accepted.eml", "ana@nhs-a.example", 1},
        {"02-gmail-declined.eml", "bo@uni-b.example", 1}, /* inline + attachment, one kept */
        {"03-apple-tentative.eml", "cy@trust-c.example", 1},
        {"04-thunderbird-accepted.eml", "dee@council-d.example", 1},
        {"05-latin1-accepted.eml", "jose@clinic-e.example", 1},
        {"06-ics-attachment-accepted.eml", "fay@charity-f.example", 1},
        {"07-old-sequence-declined.eml", "cy@trust-c.example", 1},
        {"08-counter-nested-cp1252.eml", "fay@charity-f.example", 1},
        {"09-non-attendee.eml", "zed@elsewhere.example", 1},
        {"10-unknown-uid.eml", "ana@nhs-a.example", 1},
        {"11-request-not-reply.eml", "boss@elsewhere.example", 1},
        {"12-garbage.eml", NULL, 3},
        {"13-plain-no-calendar.eml", "bo@uni-b.example", 0},
        {"14-later-declined.eml", "dee@council-d.example", 1},
    };
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(cases); i++) {
        struct ct_mime_message *msg = parse_fixture(cases[i].file);
        if (cases[i].from)
            assert_string_equal(msg->from, cases[i].from);
        else
            assert_null(msg->from);
        if (msg->calendar_count != cases[i].calendars)
            fail_msg("%s: %zu calendars, expected %zu", cases[i].file, msg->calendar_count,
                     cases[i].calendars);
        assert_false(msg->truncated);
        ct_mime_message_free(msg);
    }
}

static void
test_fixture_content(void **state)
{
    struct ct_mime_message *msg;

    /* Outlook: base64 inside multipart/alternative, folded Content-Type */
    msg = parse_fixture("01-outlook-accepted.eml");
    assert_string_equal(msg->from_name, "Silva, Ana");
    assert_string_equal(msg->message_id,
                        "<LO2P265MB1234ABCD0F@LO2P265MB1234.GBRP265.PROD.OUTLOOK.COM>");
    assert_non_null(strstr(msg->calendars[0], "METHOD:REPLY\r\n"));
    assert_non_null(strstr(msg->calendars[0], "PARTSTAT=ACCEPTED;CN=Ana Silva"));
    ct_mime_message_free(msg);

    /* Apple: quoted-printable with soft line breaks joining an ATTENDEE line */
    msg = parse_fixture("03-apple-tentative.eml");
    assert_non_null(strstr(msg->calendars[0], "EMAIL=\"cy@trust-c.example\";PARTSTAT=TENTATIVE"));
    ct_mime_message_free(msg);

    /* ISO-8859-1 body and RFC 2047 From and (folded) Subject */
    msg = parse_fixture("05-latin1-accepted.eml");
    assert_string_equal(msg->from_name, "Jos\xc3\xa9 M\xc3\xbcller");
    assert_string_equal(msg->subject,
                        "Akzeptiert: Coffee Trial: coffee with Jos\xc3\xa9 M\xc3\xbcller and Fay "
                        "Kowalski");
    assert_non_null(strstr(msg->calendars[0], "CN=\"Jos\xc3\xa9 M\xc3\xbcller\""));
    ct_mime_message_free(msg);

    /* windows-1252 8bit, four levels deep */
    msg = parse_fixture("08-counter-nested-cp1252.eml");
    assert_non_null(strstr(msg->calendars[0], "can\xe2\x80\x99t do Wednesday \xe2\x80\x93 Fri"));
    assert_true(msg->parts_seen >= 6);
    ct_mime_message_free(msg);
}

static void
test_unfolding_and_params(void **state)
{
    struct ct_mime_message *msg;

    msg = parse_text("From: a@b.example\r\n"
                     "Content-Type: multipart/mixed;\r\n"
                     "\tboundary=\"b;1\" (a comment)\r\n"
                     "\r\n"
                     "--b;1\r\n"
                     "Content-Type: application/octet-stream;\r\n"
                     " name*0=\"re\"; name*1=\"ply.I\"; name*2=\"CS\"\r\n"
                     "\r\n"
                     "BEGIN:VCALENDAR\r\n"
                     "--b;1\r\n"
                     "Content-Type: application/octet-stream\r\n"
                     "Content-Disposition: attachment; filename*=utf-8''%72eply%2eics\r\n"
                     "\r\n"
                     "BEGIN:VCALENDAR\r\nX:2\r\n"
                     "--b;1\r\n"
                     "Content-Type: application/octet-stream; name=\"notes.txt\"\r\n"
                     "\r\n"
                     "BEGIN:VCALENDAR\r\nX:3\r\n"
                     "--b;1--\r\n"
                     "epilogue --b;1\r\n");
    assert_int_equal(msg->calendar_count, 2);
    assert_string_equal(msg->calendars[0], "BEGIN:VCALENDAR");
    assert_string_equal(msg->calendars[1], "BEGIN:VCALENDAR\r\nX:2");
    ct_mime_message_free(msg);
}

static void
test_lenient_layouts(void **state)
{
    struct ct_mime_message *msg;

    /* LF only, no closing delimiter, boundary that prefixes a longer one */
    msg = parse_text("Content-Type: multipart/mixed; boundary=abc\n\n"
                     "--abc\nContent-Type: text/plain\n\n--abcd is not a delimiter\n"
                     "--abc  \nContent-Type: TEXT/Calendar; Charset=UTF-8\n\nBEGIN:VCALENDAR\n"
                     "END:VCALENDAR\n");
    assert_int_equal(msg->calendar_count, 1);
    assert_string_equal(msg->calendars[0], "BEGIN:VCALENDAR\nEND:VCALENDAR");
    ct_mime_message_free(msg);

    /* a forwarded reply inside message/rfc822 */
    msg = parse_text("From: fwd@x.example\nContent-Type: multipart/mixed; boundary=o\n\n"
                     "--o\nContent-Type: message/rfc822\n\n"
                     "From: ana@a.example\nContent-Type: text/calendar\n"
                     "Content-Transfer-Encoding: base64\n\nQkVHSU46VkNBTEVOREFS\n--o--\n");
    assert_int_equal(msg->calendar_count, 1);
    assert_string_equal(msg->calendars[0], "BEGIN:VCALENDAR");
    assert_string_equal(msg->from, "fwd@x.example");
    ct_mime_message_free(msg);

    /* only headers, no body; no headers at all; a multipart without boundary */
    msg = parse_text("Subject: hi");
    assert_int_equal(msg->calendar_count, 0);
    assert_string_equal(msg->subject, "hi");
    ct_mime_message_free(msg);
    msg = parse_text("\nBEGIN:VCALENDAR\n");
    assert_int_equal(msg->calendar_count, 0);
    ct_mime_message_free(msg);
    msg = parse_text("Content-Type: multipart/mixed\n\n--x\nContent-Type: text/calendar\n\nB\n");
    assert_int_equal(msg->calendar_count, 0);
    ct_mime_message_free(msg);
    msg = parse_text("");
    assert_int_equal(msg->calendar_count, 0);
    ct_mime_message_free(msg);
}

/* A calendar wrapped in depth multiparts. */
static char *
nested(int depth)
{
    struct ct_buf b;
    int i;

    ct_buf_init(&b);
    for (i = 0; i < depth; i++)
        ct_buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
    ct_buf_puts(&b, "Content-Type: text/calendar\n\nBEGIN:VCALENDAR\n");
    for (i = depth - 1; i >= 0; i--)
        ct_buf_printf(&b, "--b%d--\n", i);
    return ct_buf_steal(&b);
}

static void
test_limits(void **state)
{
    struct ct_mime_message *msg;
    struct ct_buf b;
    char *text;
    int i;

    text = nested(CT_MIME_MAX_DEPTH);
    msg = parse_text(text);
    assert_int_equal(msg->calendar_count, 1);
    assert_false(msg->truncated);
    ct_mime_message_free(msg);
    free(text);

    text = nested(CT_MIME_MAX_DEPTH + 1);
    msg = parse_text(text);
    assert_int_equal(msg->calendar_count, 0);
    assert_true(msg->truncated);
    ct_mime_message_free(msg);
    free(text);

    /* Thousands of parts: the walk stops at the part limit. */
    ct_buf_init(&b);
    ct_buf_puts(&b, "Content-Type: multipart/mixed; boundary=p\n\n");
    for (i = 0; i < 3000; i++)
        ct_buf_printf(&b, "--p\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\nX:%d\n", i);
    text = ct_buf_steal(&b);
    msg = parse_text(text);
    assert_true(msg->truncated);
    assert_int_equal(msg->calendar_count, CT_MIME_MAX_CALENDARS);
    assert_true(msg->parts_seen <= CT_MIME_MAX_PARTS);
    ct_mime_message_free(msg);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),          cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_charsets),        cmocka_unit_test(test_header_words),
        cmocka_unit_test(test_addresses),       cmocka_unit_test(test_fixture_layouts),
        cmocka_unit_test(test_fixture_content), cmocka_unit_test(test_unfolding_and_params),
        cmocka_unit_test(test_lenient_layouts), cmocka_unit_test(test_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
