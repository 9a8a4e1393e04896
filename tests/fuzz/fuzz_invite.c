/*
 * fuzz_invite.c: builds invitations and notices from fuzzer-supplied names,
 * organisations, prompts and templates, and checks what must hold for any
 * roster: CRLF line ends only, no line over 998 octets, exactly our headers
 * (none injected), one address in To: and From:, MIME boundaries that occur
 * only where we put them, and calendar lines of at most 75 octets in whole
 * UTF-8 with only the properties we write.
 *
 * Input: one flag byte (bit 0 CANCEL, bit 1 trio, bits 2-3 recipient, bits
 * 4-6 SEQUENCE, bit 7 cancel to the recipient only), then
 * NUL-separated fields: network, organiser name, three names, three
 * organisations, team, role, prompts, subject, location, url, note, reasons
 * (LF-separated), uid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "util.h"
#include "validate.h"

#define FIELDS 17

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_invite: %s:%d: %s\n", __FILE__, __LINE__, #cond);                \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Lines end in CRLF, carry no other CR or LF, and are at most max octets. */
static void
check_lines(const char *s, size_t len, size_t max)
{
    const char *line = s, *end = s + len;

    CHECK(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
    while (line < end) {
        const char *lf = memchr(line, '\n', (size_t)(end - line));
        size_t n;

        CHECK(lf != NULL && lf > line && lf[-1] == '\r');
        n = (size_t)(lf - 1 - line);
        CHECK(memchr(line, '\r', n) == NULL);
        CHECK(n <= max);
        line = lf + 1;
    }
}

/* The unfolded value of one header (heap). */
static char *
header_value(const char *raw, const char *name)
{
    const char *end = strstr(raw, "\r\n\r\n"), *line = raw;
    size_t nlen = strlen(name);
    struct ct_buf v;
    int in = 0;

    ct_buf_init(&v);
    ct_buf_append(&v, "", 0);
    while (line < end + 2) {
        const char *cr = strstr(line, "\r\n");
        if (in && (line[0] == ' ' || line[0] == '\t'))
            ct_buf_append(&v, line, (size_t)(cr - line));
        else if (in)
            break;
        else if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            in = 1;
            ct_buf_append(&v, line + nlen + 1, (size_t)(cr - line - nlen - 1));
        }
        line = cr + 2;
    }
    return ct_buf_steal(&v);
}

static void
check_headers(const char *raw, const char *expected_names)
{
    const char *end = strstr(raw, "\r\n\r\n"), *line = raw;
    struct ct_buf names;

    CHECK(end != NULL);
    ct_buf_init(&names);
    ct_buf_append(&names, "", 0);
    while (line < end + 2) {
        const char *cr = strstr(line, "\r\n");
        size_t n = (size_t)(cr - line);

        for (size_t i = 0; i < n; i++)
            CHECK(line[i] >= 0x20 && line[i] < 0x7f);
        if (line[0] == ' ' || line[0] == '\t') {
            CHECK(n <= 78);
        } else {
            ct_buf_append(&names, line, strcspn(line, ":"));
            ct_buf_putc(&names, ',');
            if (strncmp(line, "Message-ID:", 11) != 0)
                CHECK(n <= 78);
        }
        line = cr + 2;
    }
    CHECK(strcmp(names.data, expected_names) == 0);
    ct_buf_free(&names);
}

/* One mailbox: one '<', one '>', one '@', no ',' (specials in names are encoded). */
static void
check_mailbox(const char *raw, const char *name, const char *addr)
{
    char *v = header_value(raw, name);
    size_t len = strlen(v), alen = strlen(addr);

    CHECK(count(v, "<") == 1 && count(v, ">") == 1 && count(v, "@") == 1);
    CHECK(strchr(v, ',') == NULL);
    CHECK(len >= alen + 2 && v[len - 1] == '>' && strncmp(v + len - alen - 1, addr, alen) == 0);
    free(v);
}

static void
check_ics(const char *ics, size_t attendees)
{
    static const char *const allowed[] = {
        "BEGIN",    "END",       "PRODID",   "VERSION", "CALSCALE", "METHOD",      "UID",
        "SEQUENCE", "DTSTAMP",   "DTSTART",  "DTEND",   "SUMMARY",  "DESCRIPTION", "LOCATION",
        "URL",      "ORGANIZER", "ATTENDEE", "STATUS",  "TRANSP"};
    const char *line = ics;
    size_t found_attendees = 0;

    check_lines(ics, strlen(ics), 75);
    CHECK(ct_check_utf8(ics, strlen(ics)) == NULL);
    while (*line) {
        const char *cr = strstr(line, "\r\n");
        size_t n = (size_t)(cr - line), name_len, i;
        int ok = 0;

        for (i = 0; i < n; i++)
            CHECK((unsigned char)line[i] >= 0x20 && line[i] != 0x7f);
        if (line[0] == ' ') {
            CHECK(n < 2 || ((unsigned char)line[1] & 0xc0) != 0x80);
        } else {
            name_len = strcspn(line, ":;");
            for (i = 0; i < CT_ARRAY_LEN(allowed); i++)
                ok |= strlen(allowed[i]) == name_len && strncmp(line, allowed[i], name_len) == 0;
            CHECK(ok);
            found_attendees += strncmp(line, "ATTENDEE;", 9) == 0;
        }
        line = cr + 2;
    }
    CHECK(found_attendees == attendees);
    CHECK(count(ics, "\r\nBEGIN:VEVENT\r\n") == 1 && count(ics, "\r\nEND:VEVENT\r\n") == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const emails[] = {"ana@a.example", "bo@b.example", "cy@c.example"};
    char *copy, *field[FIELDS] = {0}, *p, *reasons[8], *uid = NULL;
    const char *reason_ptrs[8];
    struct ct_invite inv;
    struct ct_invite_message msg;
    struct ct_invite_notice notice;
    struct ct_error err;
    size_t i, nreasons = 0, recipient;
    unsigned flags;
    char mixed[64], alt[64];
    const char *b;

    if (size < 1 || size > 1 << 16)
        return 0;
    flags = data[0];
    copy = malloc(size);
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    /* Split into NUL-separated fields; missing ones are empty. */
    p = copy;
    for (i = 0; i < FIELDS; i++) {
        field[i] = p;
        p += strlen(p) + 1;
        if (p > copy + size - 1)
            p = copy + size - 1; /* the final NUL: an empty field */
    }
    for (p = field[15]; nreasons < 8 && *p;) {
        reasons[nreasons] = p;
        reason_ptrs[nreasons] = p;
        nreasons++;
        p = strchr(p, '\n');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    uid = ct_asprintf("u%s", field[16]);

    memset(&inv, 0, sizeof(inv));
    inv.network = field[0];
    inv.network_timezone = "Europe/London";
    inv.organiser_name = field[1];
    inv.organiser_email = "organiser@coffee.example";
    inv.member_count = (flags & 2) ? 3 : 2;
    for (i = 0; i < inv.member_count; i++) {
        inv.members[i].email = emails[i];
        inv.members[i].name = field[2 + i];
        inv.members[i].organisation = field[5 + i];
        inv.members[i].team = field[8];
        inv.members[i].role = field[9];
    }
    inv.members[1].timezone = "America/New_York";
    inv.uid = uid;
    inv.sequence = (int)((flags >> 4) & 7);
    inv.cancel_recipient_only = (flags & 0x80) != 0;
    inv.dtstamp = INT64_C(1772442000);
    inv.start = INT64_C(1772634600);
    inv.duration = 1800;
    inv.method = (flags & 1) ? CT_INVITE_CANCEL : CT_INVITE_REQUEST;
    inv.reasons = reason_ptrs;
    inv.reason_count = nreasons;
    inv.prompts = field[10];
    inv.subject_template = field[11];
    inv.location_template = *field[12] ? field[12] : NULL;
    inv.url_template = *field[13] ? field[13] : NULL;
    inv.note = field[14];
    inv.round = 7;
    inv.round_date = "2026-03-02";
    recipient = ((flags >> 2) & 3) % inv.member_count;
    (void)reasons;

    CHECK(uid != NULL);
    CHECK(ct_invite_message(&inv, recipient, "fuzz.1@coffee.example", inv.dtstamp, &msg, &err) ==
          CT_OK);
    check_lines(msg.raw, msg.raw_len, 998);
    CHECK(strlen(msg.raw) == msg.raw_len);
    check_headers(msg.raw, "From,To,Subject,Date,Message-ID,MIME-Version,Content-Type,");
    check_mailbox(msg.raw, "To", emails[recipient]);
    check_mailbox(msg.raw, "From", "organiser@coffee.example");
    check_ics(msg.ics,
              inv.method == CT_INVITE_CANCEL && inv.cancel_recipient_only ? 1 : inv.member_count);
    CHECK(ct_check_utf8(msg.text, strlen(msg.text)) == NULL);
    CHECK(ct_check_utf8(msg.subject, strlen(msg.subject)) == NULL);
    CHECK(strpbrk(msg.subject, "\r\n") == NULL);
    /* In the body, boundaries appear only as our delimiters (QP writes '='
     * as "=3D" and base64 has no "=_", so text cannot imitate one). */
    b = strstr(msg.raw, "\r\nContent-Type: multipart/mixed; boundary=\"");
    CHECK(b != NULL &&
          sscanf(b, "\r\nContent-Type: multipart/mixed; boundary=\"%63[^\"]\"", mixed) == 1);
    b = strstr(msg.raw, "\r\n\r\n");
    CHECK(b != NULL && count(b, mixed) == 3);
    b = strstr(b, "\r\nContent-Type: multipart/alternative; boundary=\"");
    CHECK(b != NULL &&
          sscanf(b, "\r\nContent-Type: multipart/alternative; boundary=\"%63[^\"]\"", alt) == 1);
    CHECK(count(b, alt) == 1 + 4);
    ct_invite_message_clear(&msg);

    memset(&notice, 0, sizeof(notice));
    notice.network = field[0];
    notice.organiser_name = field[1];
    notice.organiser_email = "organiser@coffee.example";
    notice.recipient_name = field[2];
    notice.recipient_email = emails[0];
    notice.subject = field[11];
    notice.text = field[10];
    CHECK(ct_invite_notice(&notice, "fuzz.2@coffee.example", inv.dtstamp, &msg, &err) == CT_OK);
    check_lines(msg.raw, msg.raw_len, 998);
    check_headers(msg.raw, "From,To,Subject,Date,Message-ID,MIME-Version,Content-Type,"
                           "Content-Transfer-Encoding,");
    check_mailbox(msg.raw, "To", emails[0]);
    ct_invite_message_clear(&msg);

    free(uid);
    free(copy);
    return 0;
}
