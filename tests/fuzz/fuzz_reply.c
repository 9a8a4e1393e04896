/*
 * fuzz_reply.c: whole message bytes through the MIME walker and every
 * calendar part found through the iTIP reply parser, the path every
 * message fetched from the organiser's mailbox takes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_parse.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ct_mime_message *msg = NULL;
    struct ct_error err;
    size_t i, j, k;

    if (ct_mime_parse((const char *)data, size, &msg, &err) != CT_OK)
        return 0;
    for (i = 0; i < msg->calendar_count; i++) {
        struct ct_reply *reply = NULL;
        if (ct_reply_parse(msg->calendars[i], &reply, &err) != CT_OK)
            continue;
        /* Touch everything a caller reads, so sanitizers see bad pointers. */
        for (j = 0; j < reply->event_count; j++) {
            const struct ct_reply_event *ev = &reply->events[j];
            if (strlen(ev->uid) == 0)
                abort();
            /* A kept comment is clean: no control character, at most 2,000 characters. */
            if (ev->comment) {
                size_t chars = 0;
                const unsigned char *c;
                for (c = (const unsigned char *)ev->comment; *c; c++) {
                    if (*c < 0x20 || *c == 0x7f)
                        abort();
                    chars += (*c & 0xC0) != 0x80;
                }
                if (chars > CT_REPLY_MAX_COMMENT)
                    abort();
            }
            for (k = 0; k < ev->attendee_count; k++) {
                const struct ct_reply_attendee *a = &ev->attendees[k];
                (void)ct_reply_address_eq(a->email, msg->from ? msg->from : "");
                (void)strlen(ct_reply_partstat_name(a->partstat));
                if (a->name)
                    (void)strlen(a->name);
            }
        }
        ct_reply_free(reply);
    }
    ct_mime_message_free(msg);
    return 0;
}
