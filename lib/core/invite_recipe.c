/*
 * invite_recipe.c: an invitation's inputs as a compact blob (see
 * invite_recipe.h): a version byte, then every field of struct ct_invite in
 * a fixed order, strings as a length (0: NULL) and bytes, integers as
 * zigzag varints.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "invite_recipe.h"

#define RECIPE_VERSION 1

/*
 * Every field of struct ct_invite is in the recipe. A new field changes the
 * struct's size and stops the build here: add it to encode() and decode()
 * (and bump RECIPE_VERSION if old recipes must still be read), then this.
 */
#if UINTPTR_MAX == UINT64_MAX /* the size below is an LP64 one; other ABIs rely on LP64 builds */
/* 448 since groups of four (CT_INVITE_MAX_MEMBERS 4): only the member arrays grew; the recipe
 * counts its members, so version 1 recipes of two or three members read as before. */
_Static_assert(sizeof(struct ct_invite) == 448, "struct ct_invite changed: update the recipe");
#endif

static void
put_int(struct ct_buf *b, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    unsigned char bytes[10];
    size_t n = 0;

    do {
        bytes[n] = (unsigned char)(u & 0x7f);
        u >>= 7;
        if (u)
            bytes[n] |= 0x80;
        n++;
    } while (u);
    ct_buf_append(b, bytes, n);
}

static void
put_str(struct ct_buf *b, const char *s)
{
    size_t len = s ? strlen(s) : 0;

    put_int(b, s ? (int64_t)len + 1 : 0);
    if (s)
        ct_buf_append(b, s, len);
}

/* The recipient's links: a flag, then each link (NULL: none at all). */
static void
put_links(struct ct_buf *b, const struct ct_invite_links *l)
{
    put_int(b, l != NULL);
    if (l == NULL)
        return;
    put_str(b, l->skip);
    put_str(b, l->pause);
    put_str(b, l->stop);
    put_str(b, l->preferences);
    put_str(b, l->checkin);
    put_str(b, l->unsubscribe);
    put_str(b, l->unsubscribe_mailto);
}

enum ct_status
ct_invite_recipe_encode(const struct ct_invite *inv, size_t recipient, const char *message_id,
                        int64_t date, struct ct_buf *out, struct ct_error *err)
{
    size_t i;

    if (inv->member_count > CT_INVITE_MAX_MEMBERS || recipient >= inv->member_count)
        return ct_error_set(err, CT_EUSAGE, "recipient %zu is not a member of the group",
                            recipient);
    ct_buf_putc(out, RECIPE_VERSION);
    put_str(out, inv->network);
    put_str(out, inv->network_timezone);
    put_str(out, inv->organiser_name);
    put_str(out, inv->organiser_email);
    put_int(out, (int64_t)inv->member_count);
    for (i = 0; i < inv->member_count; i++) {
        const struct ct_invite_person *p = &inv->members[i];
        put_str(out, p->email);
        put_str(out, p->name);
        put_str(out, p->organisation);
        put_str(out, p->team);
        put_str(out, p->role);
        put_str(out, p->timezone);
        put_int(out, (int64_t)inv->answers[i]);
        put_str(out, inv->greetings[i]);
    }
    put_str(out, inv->uid);
    put_str(out, inv->group_uid);
    put_int(out, inv->sequence);
    put_int(out, inv->dtstamp);
    put_int(out, inv->start);
    put_int(out, inv->duration);
    put_int(out, (int64_t)inv->method);
    put_int(out, (int64_t)inv->reason_count);
    for (i = 0; i < inv->reason_count; i++)
        put_str(out, inv->reasons[i]);
    put_str(out, inv->prompts);
    put_str(out, inv->opener);
    put_str(out, inv->subject_template);
    put_str(out, inv->location_template);
    put_str(out, inv->url_template);
    put_int(out, inv->round);
    put_str(out, inv->round_date);
    put_str(out, inv->reschedule_hint);
    put_str(out, inv->note);
    put_int(out, inv->cancel_recipient_only ? 1 : 0);
    put_links(out, inv->links);
    put_str(out, inv->site);
    put_int(out, (int64_t)recipient);
    put_str(out, message_id);
    put_int(out, date);
    if (out->failed)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    return CT_OK;
}

/* A reader over a recipe; bad is set by any read past its end. */
struct reader {
    const unsigned char *p, *end;
    struct ct_invite_recipe *r;
    bool bad, nomem;
};

static int64_t
get_int(struct reader *rd)
{
    uint64_t u = 0;
    unsigned shift = 0;

    while (!rd->bad) {
        unsigned char c;
        if (rd->p >= rd->end || shift > 63) {
            rd->bad = true;
            return 0;
        }
        c = *rd->p++;
        u |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80))
            break;
    }
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static const char *
get_str(struct reader *rd)
{
    int64_t n = get_int(rd);
    char *s, **grown;

    if (rd->bad || n == 0)
        return NULL;
    if (n < 0 || n - 1 > rd->end - rd->p) {
        rd->bad = true;
        return NULL;
    }
    grown = realloc(rd->r->owned, (rd->r->owned_count + 1) * sizeof(*grown));
    s = grown ? malloc((size_t)n) : NULL;
    if (grown)
        rd->r->owned = grown;
    if (s == NULL) {
        rd->bad = rd->nomem = true;
        return NULL;
    }
    memcpy(s, rd->p, (size_t)n - 1);
    s[n - 1] = '\0';
    rd->p += n - 1;
    rd->r->owned[rd->r->owned_count++] = s;
    return s;
}

/* The members and the fields up to the reasons. */
static void
get_members(struct reader *rd, struct ct_invite *inv)
{
    int64_t n = get_int(rd);
    size_t i;

    if (n < 2 || n > CT_INVITE_MAX_MEMBERS) {
        rd->bad = true;
        return;
    }
    inv->member_count = (size_t)n;
    for (i = 0; i < inv->member_count; i++) {
        struct ct_invite_person *p = &inv->members[i];
        p->email = get_str(rd);
        p->name = get_str(rd);
        p->organisation = get_str(rd);
        p->team = get_str(rd);
        p->role = get_str(rd);
        p->timezone = get_str(rd);
        inv->answers[i] = (enum ct_partstat)get_int(rd);
        inv->greetings[i] = get_str(rd);
    }
}

static void
get_reasons(struct reader *rd, struct ct_invite *inv)
{
    int64_t n = get_int(rd);
    size_t i;

    if (rd->bad || n < 0 || n > rd->end - rd->p) {
        rd->bad = true;
        return;
    }
    inv->reason_count = (size_t)n;
    if (n == 0)
        return;
    rd->r->reasons = calloc((size_t)n, sizeof(*rd->r->reasons));
    if (rd->r->reasons == NULL) {
        rd->bad = rd->nomem = true;
        return;
    }
    for (i = 0; i < inv->reason_count; i++)
        rd->r->reasons[i] = get_str(rd);
    inv->reasons = rd->r->reasons;
}

static void
get_links(struct reader *rd, struct ct_invite *inv)
{
    struct ct_invite_links *l = &rd->r->links;

    if (get_int(rd) == 0)
        return;
    l->skip = get_str(rd);
    l->pause = get_str(rd);
    l->stop = get_str(rd);
    l->preferences = get_str(rd);
    l->checkin = get_str(rd);
    l->unsubscribe = get_str(rd);
    l->unsubscribe_mailto = get_str(rd);
    inv->links = l;
}

enum ct_status
ct_invite_recipe_decode(const void *data, size_t len, struct ct_invite_recipe *r,
                        struct ct_error *err)
{
    struct reader rd = {data, (const unsigned char *)data + len, r, false, false};
    struct ct_invite *inv = &r->inv;

    memset(r, 0, sizeof(*r));
    if (len < 1 || *rd.p++ != RECIPE_VERSION)
        return ct_error_set(err, CT_EDATA, "not a message recipe (unknown version)");
    inv->network = get_str(&rd);
    inv->network_timezone = get_str(&rd);
    inv->organiser_name = get_str(&rd);
    inv->organiser_email = get_str(&rd);
    get_members(&rd, inv);
    inv->uid = get_str(&rd);
    inv->group_uid = get_str(&rd);
    inv->sequence = (int)get_int(&rd);
    inv->dtstamp = get_int(&rd);
    inv->start = get_int(&rd);
    inv->duration = get_int(&rd);
    inv->method = get_int(&rd) == CT_INVITE_CANCEL ? CT_INVITE_CANCEL : CT_INVITE_REQUEST;
    get_reasons(&rd, inv);
    inv->prompts = get_str(&rd);
    inv->opener = get_str(&rd);
    inv->subject_template = get_str(&rd);
    inv->location_template = get_str(&rd);
    inv->url_template = get_str(&rd);
    inv->round = (int)get_int(&rd);
    inv->round_date = get_str(&rd);
    inv->reschedule_hint = get_str(&rd);
    inv->note = get_str(&rd);
    inv->cancel_recipient_only = get_int(&rd) != 0;
    get_links(&rd, inv);
    inv->site = get_str(&rd);
    r->recipient = (size_t)get_int(&rd);
    r->message_id = get_str(&rd);
    r->date = get_int(&rd);
    if (!rd.bad && (rd.p != rd.end || r->recipient >= inv->member_count || !r->message_id))
        rd.bad = true;
    if (rd.bad) {
        bool nomem = rd.nomem;
        ct_invite_recipe_clear(r);
        return nomem ? ct_error_set(err, CT_ENOMEM, "out of memory")
                     : ct_error_set(err, CT_EDATA, "a damaged message recipe");
    }
    return CT_OK;
}

void
ct_invite_recipe_clear(struct ct_invite_recipe *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->owned_count; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->reasons);
    memset(r, 0, sizeof(*r));
}

enum ct_status
ct_invite_recipe_message(const void *data, size_t len, struct ct_invite_message *out,
                         struct ct_error *err)
{
    struct ct_invite_recipe r;
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    if ((st = ct_invite_recipe_decode(data, len, &r, err)) != CT_OK)
        return st;
    st = ct_invite_message(&r.inv, r.recipient, r.message_id, r.date, out, err);
    ct_invite_recipe_clear(&r);
    return st;
}
